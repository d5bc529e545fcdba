//! Redis's listpack format: the entry codec lists use in memory, and whole
//! listpacks (header, entries, end byte) as RDB files carry them.
//!
//! An entry is `[header][payload][backlen]`:
//!
//! * an element that is a canonical 64-bit integer ("42", "-7", not "007") is
//!   stored as a 1..9-byte integer (7-bit, 13-bit, 16/24/32/64-bit forms),
//!   anything else as a length and its bytes (1, 2 or 5 bytes of header for
//!   lengths under 64, 4096, 2^32; ferrocache adds a 9-byte form, 0xF5, for
//!   longer strings, which Redis cannot hold and no listpack it reads has);
//! * `backlen`, the entry's header+payload length in 1..5 bytes, 7 bits a
//!   byte, lets a pack be walked from its end.
//!
//! A whole listpack is `[total bytes: u32 LE][element count: u16 LE]
//! [entries][0xFF]`, the count being 65535 ("unknown") from 65535 elements on.

use crate::numbers::{format_i64, parse_i64};

/// One element as stored: an integer (when its text is a canonical 64-bit
/// integer) or bytes. Build it from bytes with [`Elem::new`], which picks the
/// integer form whenever it can, so equal texts always give equal `Elem`s.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Elem<'a> {
    Int(i64),
    Str(&'a [u8]),
}

impl<'a> Elem<'a> {
    /// The element whose text is `bytes`.
    #[inline]
    pub fn new(bytes: &'a [u8]) -> Elem<'a> {
        match parse_i64(bytes) {
            Some(v) => Elem::Int(v),
            None => Elem::Str(bytes),
        }
    }

    /// Calls `f` with the element's text, formatting an integer on the stack.
    #[inline]
    pub fn with_bytes<R>(self, f: impl FnOnce(&[u8]) -> R) -> R {
        match self {
            Elem::Int(v) => {
                let mut tmp = [0u8; 20];
                f(format_i64(v, &mut tmp))
            }
            Elem::Str(s) => f(s),
        }
    }

    /// The element's text.
    pub fn to_vec(self) -> Vec<u8> {
        match self {
            Elem::Int(v) => v.to_string().into_bytes(),
            Elem::Str(s) => s.to_vec(),
        }
    }
}

// ---------------------------------------------------------------------------
// Entry codec
// ---------------------------------------------------------------------------

/// Writes the header of `e` into `h`; returns its length.
#[inline]
fn header(e: Elem, h: &mut [u8; 9]) -> usize {
    match e {
        Elem::Int(v) if (0..=127).contains(&v) => {
            h[0] = v as u8;
            1
        }
        Elem::Int(v) if (-4096..=4095).contains(&v) => {
            let u = (v as u16) & 0x1FFF;
            h[0] = 0xC0 | (u >> 8) as u8;
            h[1] = u as u8;
            2
        }
        Elem::Int(v) if i16::try_from(v).is_ok() => {
            h[0] = 0xF1;
            h[1..3].copy_from_slice(&(v as i16).to_le_bytes());
            3
        }
        Elem::Int(v) if (-(1 << 23)..(1 << 23)).contains(&v) => {
            h[0] = 0xF2;
            h[1..4].copy_from_slice(&(v as i32).to_le_bytes()[..3]);
            4
        }
        Elem::Int(v) if i32::try_from(v).is_ok() => {
            h[0] = 0xF3;
            h[1..5].copy_from_slice(&(v as i32).to_le_bytes());
            5
        }
        Elem::Int(v) => {
            h[0] = 0xF4;
            h[1..9].copy_from_slice(&v.to_le_bytes());
            9
        }
        Elem::Str(s) if s.len() < 64 => {
            h[0] = 0x80 | s.len() as u8;
            1
        }
        Elem::Str(s) if s.len() < 4096 => {
            h[0] = 0xE0 | (s.len() >> 8) as u8;
            h[1] = s.len() as u8;
            2
        }
        Elem::Str(s) => match u32::try_from(s.len()) {
            Ok(len) => {
                h[0] = 0xF0;
                h[1..5].copy_from_slice(&len.to_le_bytes());
                5
            }
            Err(_) => {
                h[0] = 0xF5;
                h[1..9].copy_from_slice(&(s.len() as u64).to_le_bytes());
                9
            }
        },
    }
}

#[inline]
fn payload(e: Elem<'_>) -> &[u8] {
    match e {
        Elem::Int(_) => &[],
        Elem::Str(s) => s,
    }
}

/// Bytes the back length of an entry of `l` header+payload bytes takes.
#[inline]
pub fn backlen_size(l: usize) -> usize {
    match l {
        0..=127 => 1,
        128..=16383 => 2,
        16384..=2097151 => 3,
        2097152..=268435455 => 4,
        _ => (usize::BITS - l.leading_zeros()).div_ceil(7) as usize,
    }
}

/// Writes `l` in 7-bit groups, most significant first; every byte but the
/// first carries 0x80, so a backwards reader knows when to stop.
#[inline]
pub fn write_backlen(dst: &mut [u8], l: usize) {
    let n = dst.len();
    for (i, b) in dst.iter_mut().enumerate() {
        let group = ((l >> (7 * (n - 1 - i))) & 0x7F) as u8;
        *b = if i == 0 { group } else { group | 0x80 };
    }
}

/// Bytes `e` takes in a pack.
#[inline]
pub fn encoded_len(e: Elem) -> usize {
    let mut h = [0u8; 9];
    let hp = header(e, &mut h) + payload(e).len();
    hp + backlen_size(hp)
}

/// Writes `e` into `dst`, which is exactly `encoded_len(e)` long.
#[inline]
pub fn write_entry(dst: &mut [u8], e: Elem) {
    let mut h = [0u8; 9];
    let hl = header(e, &mut h);
    let p = payload(e);
    dst[..hl].copy_from_slice(&h[..hl]);
    dst[hl..hl + p.len()].copy_from_slice(p);
    write_backlen(&mut dst[hl + p.len()..], hl + p.len());
}

/// The entry at `off` and its total length (backlen included).
#[inline]
pub fn decode(buf: &[u8], off: usize) -> (Elem<'_>, usize) {
    let b = buf[off];
    let le = |n: usize| -> u64 {
        let mut v = 0u64;
        for i in 0..n {
            v |= (buf[off + 1 + i] as u64) << (8 * i);
        }
        v
    };
    let (elem, hp) = if b < 0x80 {
        (Elem::Int(b as i64), 1)
    } else if b & 0xC0 == 0x80 {
        let len = (b & 0x3F) as usize;
        (Elem::Str(&buf[off + 1..off + 1 + len]), 1 + len)
    } else if b & 0xE0 == 0xC0 {
        let u = (((b & 0x1F) as i64) << 8) | buf[off + 1] as i64;
        (Elem::Int(if u >= 4096 { u - 8192 } else { u }), 2)
    } else if b & 0xF0 == 0xE0 {
        let len = (((b & 0x0F) as usize) << 8) | buf[off + 1] as usize;
        (Elem::Str(&buf[off + 2..off + 2 + len]), 2 + len)
    } else {
        match b {
            0xF0 => {
                let len = le(4) as usize;
                (Elem::Str(&buf[off + 5..off + 5 + len]), 5 + len)
            }
            0xF1 => (Elem::Int(le(2) as u16 as i16 as i64), 3),
            0xF2 => (Elem::Int(((le(3) as i32) << 8 >> 8) as i64), 4),
            0xF3 => (Elem::Int(le(4) as u32 as i32 as i64), 5),
            0xF4 => (Elem::Int(le(8) as i64), 9),
            0xF5 => {
                let len = le(8) as usize;
                (Elem::Str(&buf[off + 9..off + 9 + len]), 9 + len)
            }
            _ => unreachable!("corrupt list entry header {b:#x}"),
        }
    };
    (elem, hp + backlen_size(hp))
}

/// Start of the entry that ends at `end`, read from its back length.
#[inline]
pub fn prev_start(buf: &[u8], end: usize) -> usize {
    let mut p = end - 1;
    let mut b = buf[p];
    let mut v = (b & 0x7F) as usize;
    let mut shift = 7;
    while b & 0x80 != 0 {
        p -= 1;
        b = buf[p];
        v |= ((b & 0x7F) as usize) << shift;
        shift += 7;
    }
    p - v
}
/// Appends the entry of `e` to `buf`.
#[inline]
pub fn push_entry(buf: &mut Vec<u8>, e: Elem) {
    let old = buf.len();
    buf.resize(old + encoded_len(e), 0);
    write_entry(&mut buf[old..], e);
}

/// The entry at `off` of `entries` (the entry area of a listpack, end byte
/// excluded) and its total length, checked as Redis's `lpValidateNext`
/// checks an untrusted listpack: a known header, a payload and back length
/// inside `entries`, and a back length that names the entry's own size.
pub fn decode_checked(entries: &[u8], off: usize) -> Result<(Elem<'_>, usize), &'static str> {
    let b = *entries.get(off).ok_or("entry starts past the end")?;
    let fixed = |n: usize| -> Result<u64, &'static str> {
        let bytes = entries
            .get(off + 1..off + 1 + n)
            .ok_or("entry header runs past the end")?;
        Ok(bytes
            .iter()
            .rev()
            .fold(0u64, |v, &byte| (v << 8) | byte as u64))
    };
    // (header length, payload length, element when an integer)
    let (hl, pl, int) = if b < 0x80 {
        (1, 0, Some(b as i64))
    } else if b & 0xC0 == 0x80 {
        (1, (b & 0x3F) as usize, None)
    } else if b & 0xE0 == 0xC0 {
        let u = (((b & 0x1F) as i64) << 8) | fixed(1)? as i64;
        (2, 0, Some(if u >= 4096 { u - 8192 } else { u }))
    } else if b & 0xF0 == 0xE0 {
        (2, (((b & 0x0F) as usize) << 8) | fixed(1)? as usize, None)
    } else {
        match b {
            0xF0 => (5, fixed(4)? as usize, None),
            0xF1 => (3, 0, Some(fixed(2)? as u16 as i16 as i64)),
            0xF2 => (4, 0, Some(((fixed(3)? as i32) << 8 >> 8) as i64)),
            0xF3 => (5, 0, Some(fixed(4)? as u32 as i32 as i64)),
            0xF4 => (9, 0, Some(fixed(8)? as i64)),
            0xFF => return Err("end byte inside the entries"),
            _ => return Err("unknown entry encoding"),
        }
    };
    let hp = hl + pl;
    let total = hp + backlen_size(hp);
    let end = off.checked_add(total).ok_or("entry length overflows")?;
    if end > entries.len() {
        return Err("entry runs past the end");
    }
    let mut expect = [0u8; 5];
    let n = backlen_size(hp);
    write_backlen(&mut expect[..n], hp);
    if entries[off + hp..end] != expect[..n] {
        return Err("entry back length does not match its size");
    }
    let elem = match int {
        Some(v) => Elem::Int(v),
        None => Elem::Str(&entries[off + hl..off + hp]),
    };
    Ok((elem, total))
}

/// Bytes of a listpack's header: total bytes (u32 LE), element count (u16 LE).
pub const HEADER_SIZE: usize = 6;
/// The byte that ends a listpack.
pub const END: u8 = 0xFF;
/// The header's element count from this many elements on ("unknown").
const COUNT_UNKNOWN: usize = u16::MAX as usize;

/// Appends a whole listpack of `count` entries, already encoded back to
/// back in `entries`, to `out`.
pub fn write_listpack(out: &mut Vec<u8>, entries: &[u8], count: usize) {
    let start = out.len();
    out.extend_from_slice(&[0; HEADER_SIZE]);
    out.extend_from_slice(entries);
    out.push(END);
    finish_header(&mut out[start..], count);
}

/// Fills in the header of `listpack` (header, entries and end byte, as
/// written) for `count` elements.
pub fn finish_header(listpack: &mut [u8], count: usize) {
    let total = u32::try_from(listpack.len()).unwrap_or(u32::MAX);
    listpack[..4].copy_from_slice(&total.to_le_bytes());
    let count = count.min(COUNT_UNKNOWN) as u16;
    listpack[4..6].copy_from_slice(&count.to_le_bytes());
}

/// Checks an untrusted listpack (Redis's deep `lpValidateIntegrity`): the
/// header's total bytes, the end byte, every entry, and the element count
/// unless the header says "unknown". Returns the number of elements; after
/// `Ok`, [`elements`] walks it safely.
pub fn validate(listpack: &[u8]) -> Result<usize, String> {
    if listpack.len() < HEADER_SIZE + 1 {
        return Err(format!("listpack of {} bytes is too short", listpack.len()));
    }
    let total = u32::from_le_bytes(listpack[..4].try_into().unwrap()) as usize;
    if total != listpack.len() {
        return Err(format!(
            "listpack header says {total} bytes, the blob has {}",
            listpack.len()
        ));
    }
    if listpack[listpack.len() - 1] != END {
        return Err("listpack does not end with 0xFF".into());
    }
    let said = u16::from_le_bytes([listpack[4], listpack[5]]) as usize;
    let entries = &listpack[HEADER_SIZE..listpack.len() - 1];
    let (mut off, mut count) = (0, 0usize);
    while off < entries.len() {
        let (_, len) = decode_checked(entries, off)
            .map_err(|why| format!("listpack entry at byte {}: {why}", HEADER_SIZE + off))?;
        off += len;
        count += 1;
    }
    if said != COUNT_UNKNOWN && said != count {
        return Err(format!(
            "listpack header says {said} elements, it holds {count}"
        ));
    }
    Ok(count)
}

/// The elements of a listpack that [`validate`] accepted, in order.
pub fn elements(listpack: &[u8]) -> Elements<'_> {
    Elements {
        entries: &listpack[HEADER_SIZE..listpack.len() - 1],
        off: 0,
    }
}

/// Iterator over a validated listpack's elements.
pub struct Elements<'a> {
    entries: &'a [u8],
    off: usize,
}

impl<'a> Iterator for Elements<'a> {
    type Item = Elem<'a>;

    #[inline]
    fn next(&mut self) -> Option<Elem<'a>> {
        if self.off >= self.entries.len() {
            return None;
        }
        let (e, len) = decode(self.entries, self.off);
        self.off += len;
        Some(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip_every_header_form() {
        let mut values: Vec<Vec<u8>> = [
            "0",
            "1",
            "127",
            "128",
            "-1",
            "-4096",
            "4095",
            "4096",
            "-4097",
            "32767",
            "-32768",
            "32768",
            "8388607",
            "-8388608",
            "8388608",
            "2147483647",
            "-2147483648",
            "2147483648",
            "9223372036854775807",
            "-9223372036854775808",
            "",
            "a",
            "007",
            "-0",
            "+1",
            "1.5",
            "9223372036854775808",
            " 1",
        ]
        .iter()
        .map(|s| s.as_bytes().to_vec())
        .collect();
        values.push(vec![b'x'; 63]);
        values.push(vec![b'x'; 64]);
        values.push(vec![b'y'; 4095]);
        values.push(vec![b'y'; 4096]);
        values.push(vec![0, 255, 13, 10]);
        values.push(vec![b'z'; 100_000]);
        for v in &values {
            let e = Elem::new(v);
            let mut buf = vec![0u8; encoded_len(e)];
            write_entry(&mut buf, e);
            let (back, len) = decode(&buf, 0);
            assert_eq!(len, buf.len(), "{:?}", String::from_utf8_lossy(v));
            assert_eq!(back, e);
            assert_eq!(back.to_vec(), *v);
            assert_eq!(back.with_bytes(<[u8]>::to_vec), *v);
            assert_eq!(decode_checked(&buf, 0), Ok((e, buf.len())));
            assert_eq!(prev_start(&buf, buf.len()), 0);
        }
        // Small integers and short strings cost what they do in Redis.
        assert_eq!(encoded_len(Elem::new(b"100")), 2);
        assert_eq!(encoded_len(Elem::new(b"1000")), 3);
        assert_eq!(encoded_len(Elem::new(b"xxx")), 5);
        assert_eq!(encoded_len(Elem::new(b"123456")), 5);
    }

    #[test]
    fn back_lengths_read_backwards() {
        for l in [0, 1, 127, 128, 16383, 16384, 2097151, 2097152, 3_000_000] {
            let n = backlen_size(l);
            let mut buf = vec![0u8; l + n];
            write_backlen(&mut buf[l..], l);
            assert_eq!(prev_start(&buf, buf.len()), 0, "l={l}");
        }
        assert_eq!(backlen_size(268435455), 4);
        assert_eq!(backlen_size(268435456), 5);
    }

    fn listpack_of(texts: &[&[u8]]) -> Vec<u8> {
        let mut entries = Vec::new();
        for t in texts {
            push_entry(&mut entries, Elem::new(t));
        }
        let mut lp = Vec::new();
        write_listpack(&mut lp, &entries, texts.len());
        lp
    }

    #[test]
    fn whole_listpacks_validate_and_iterate() {
        let texts: [&[u8]; 4] = [b"a", b"12", b"-70000", b"hello world"];
        let lp = listpack_of(&texts);
        assert_eq!(&lp[..6], &[lp.len() as u8, 0, 0, 0, 4, 0]);
        assert_eq!(validate(&lp), Ok(4));
        let back: Vec<Vec<u8>> = elements(&lp).map(Elem::to_vec).collect();
        assert_eq!(back, texts.map(<[u8]>::to_vec));
        // The empty listpack: header and end byte only.
        assert_eq!(listpack_of(&[]), [7, 0, 0, 0, 0, 0, 0xFF]);
        assert_eq!(validate(&listpack_of(&[])), Ok(0));
    }

    #[test]
    fn count_is_unknown_from_65535_elements() {
        let many: Vec<Vec<u8>> = (0..70_000)
            .map(|i: i32| i.to_string().into_bytes())
            .collect();
        let refs: Vec<&[u8]> = many.iter().map(|v| &v[..]).collect();
        let lp = listpack_of(&refs);
        assert_eq!(&lp[4..6], &[0xFF, 0xFF]);
        assert_eq!(validate(&lp), Ok(70_000));
        let lp = listpack_of(&refs[..65534]);
        assert_eq!(u16::from_le_bytes([lp[4], lp[5]]), 65534);
    }

    #[test]
    fn corrupt_listpacks_are_refused() {
        let good = listpack_of(&[b"abc", b"5"]);
        let mut bad_total = good.clone();
        bad_total[0] += 1;
        assert!(validate(&bad_total).is_err());
        let mut bad_count = good.clone();
        bad_count[4] = 3;
        assert!(validate(&bad_count).unwrap_err().contains("3 elements"));
        let mut bad_end = good.clone();
        *bad_end.last_mut().unwrap() = 0;
        assert!(validate(&bad_end).is_err());
        let mut bad_backlen = good.clone();
        bad_backlen[HEADER_SIZE + 4] = 9; // "abc": header, 3 bytes, backlen 4
        assert!(validate(&bad_backlen).unwrap_err().contains("back length"));
        let mut bad_len = good.clone();
        bad_len[HEADER_SIZE] = 0x80 | 40; // a 40-byte string in a 9-byte area
        assert!(validate(&bad_len).unwrap_err().contains("past the end"));
        let mut bad_code = good;
        bad_code[HEADER_SIZE] = 0xF7;
        assert!(validate(&bad_code).unwrap_err().contains("unknown"));
        assert!(validate(&[1, 0, 0]).is_err());
    }

    #[test]
    fn checked_decoding_never_panics_on_any_bytes() {
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..20_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = (seed % 24) as usize;
            let bytes: Vec<u8> = (0..len).map(|i| (seed >> (i % 8 * 8)) as u8).collect();
            let _ = decode_checked(&bytes, 0);
            let _ = validate(&bytes);
        }
    }
}
