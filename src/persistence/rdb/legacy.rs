//! The compact blobs of files written before Redis 7.0, which 7.0 still
//! loads: the ziplist (lists, hashes, sorted sets, quicklist v1 nodes) and
//! the zipmap (hashes, before Redis 2.6).
//!
//! Each blob is checked whole first, as redis-server's deep sanitization
//! does (`validate_*`); its elements are then walked with the same checked
//! decoder, which after a successful validation cannot fail.

use crate::types::listpack::Elem;

/// Ziplist header: total bytes (u32 LE), offset of the last entry (u32 LE),
/// entry count (u16 LE; 65535: count them).
const ZIPLIST_HEADER: usize = 10;
/// The byte that ends a ziplist or a zipmap.
const END: u8 = 0xFF;
/// A ziplist count or zipmap length byte that means "too many: count them".
const ZIPLIST_COUNT_UNKNOWN: usize = u16::MAX as usize;
const ZIPMAP_COUNT_UNKNOWN: usize = 254;
/// A zipmap length byte announcing a 4-byte length.
const ZIPMAP_BIG_LEN: u8 = 254;

/// Little-endian integer of `bytes` (at most 8 of them).
fn le(bytes: &[u8]) -> u64 {
    bytes.iter().rev().fold(0, |v, &b| (v << 8) | b as u64)
}

/// One ziplist entry at `p`, checked against `end` (the end byte's index):
/// its previous-entry length field, its element and its total size.
fn ziplist_entry(
    zl: &[u8],
    p: usize,
    end: usize,
) -> Result<(usize, Elem<'_>, usize), &'static str> {
    let field = |from: usize, n: usize| zl.get(from..from + n).filter(|_| from + n <= end);
    let first = *field(p, 1).ok_or("entry past the end")?.first().unwrap();
    let (prevlen, plen) = match first {
        0..=253 => (first as usize, 1),
        254 => (
            le(field(p + 1, 4).ok_or("entry header past the end")?) as usize,
            5,
        ),
        _ => return Err("end byte inside the entries"),
    };
    let q = p + plen;
    let enc = *field(q, 1)
        .ok_or("entry header past the end")?
        .first()
        .unwrap();
    let header = |n: usize| field(q + 1, n).ok_or("entry header past the end");
    // (encoding header length, payload length, integer value if any)
    let (hl, payload, int) = match enc >> 6 {
        0 => (1, (enc & 0x3F) as usize, None),
        1 => (
            2,
            ((enc & 0x3F) as usize) << 8 | header(1)?[0] as usize,
            None,
        ),
        2 => {
            let b = header(4)?;
            (
                5,
                u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize,
                None,
            )
        }
        _ => match enc {
            0xC0 => (1, 2, Some(le(header(2)?) as u16 as i16 as i64)),
            0xD0 => (1, 4, Some(le(header(4)?) as u32 as i32 as i64)),
            0xE0 => (1, 8, Some(le(header(8)?) as i64)),
            0xF0 => (1, 3, Some(((le(header(3)?) as i32) << 8 >> 8) as i64)),
            0xFE => (1, 1, Some(header(1)?[0] as i8 as i64)),
            0xF1..=0xFD => (1, 0, Some((enc & 0x0F) as i64 - 1)),
            _ => return Err("unknown entry encoding"),
        },
    };
    let size = plen
        .checked_add(hl)
        .and_then(|n| n.checked_add(payload))
        .ok_or("entry length overflows")?;
    if p.checked_add(size).is_none_or(|e| e > end) {
        return Err("entry runs past the end");
    }
    let elem = match int {
        Some(v) => Elem::Int(v),
        None => Elem::Str(&zl[q + hl..q + hl + payload]),
    };
    Ok((prevlen, elem, size))
}

/// Checks an untrusted ziplist: the header's byte count, tail offset and
/// entry count, every entry, each entry's record of its predecessor's size,
/// and the end byte. Returns the number of elements.
pub(super) fn validate_ziplist(zl: &[u8]) -> Result<usize, String> {
    if zl.len() < ZIPLIST_HEADER + 1 {
        return Err(format!("ziplist of {} bytes is too short", zl.len()));
    }
    let total = le(&zl[0..4]) as usize;
    let tail = le(&zl[4..8]) as usize;
    let said = le(&zl[8..10]) as usize;
    if total != zl.len() {
        return Err(format!(
            "ziplist header says {total} bytes, the blob has {}",
            zl.len()
        ));
    }
    let end = zl.len() - 1;
    if zl[end] != END {
        return Err("ziplist does not end with 0xFF".into());
    }
    let (mut p, mut prev_size, mut last, mut count) = (ZIPLIST_HEADER, 0, ZIPLIST_HEADER, 0usize);
    while p < end {
        let (prevlen, _, size) =
            ziplist_entry(zl, p, end).map_err(|why| format!("ziplist entry at byte {p}: {why}"))?;
        if prevlen != prev_size {
            return Err(format!(
                "ziplist entry at byte {p} says the previous entry has {prevlen} bytes, it has {prev_size}"
            ));
        }
        last = p;
        prev_size = size;
        p += size;
        count += 1;
    }
    if tail != last {
        return Err(format!(
            "ziplist header says the last entry is at {tail}, it is at {last}"
        ));
    }
    if said != ZIPLIST_COUNT_UNKNOWN && said != count {
        return Err(format!(
            "ziplist header says {said} entries, it holds {count}"
        ));
    }
    Ok(count)
}

/// The elements of a ziplist that [`validate_ziplist`] accepted.
pub(super) fn ziplist_elements(zl: &[u8]) -> impl Iterator<Item = Elem<'_>> {
    let end = zl.len().saturating_sub(1);
    let mut p = ZIPLIST_HEADER;
    std::iter::from_fn(move || {
        let (_, elem, size) = ziplist_entry(zl, p, end).ok()?;
        p += size;
        Some(elem)
    })
}

/// One zipmap length at `p`: the value and the bytes it took.
fn zipmap_len(zm: &[u8], p: usize) -> Result<(usize, usize), &'static str> {
    match *zm.get(p).ok_or("length past the end")? {
        ZIPMAP_BIG_LEN => {
            let b = zm.get(p + 1..p + 5).ok_or("length past the end")?;
            Ok((le(b) as usize, 5))
        }
        END => Err("end byte where a length belongs"),
        n => Ok((n as usize, 1)),
    }
}

/// One zipmap pair at `p` (not the end byte): key, value, total size.
fn zipmap_pair(zm: &[u8], p: usize) -> Result<(&[u8], &[u8], usize), &'static str> {
    let body = |from: usize, n: usize| {
        from.checked_add(n)
            .and_then(|to| zm.get(from..to))
            .ok_or("entry runs past the end")
    };
    let (klen, kl) = zipmap_len(zm, p)?;
    let key = body(p + kl, klen)?;
    let q = p + kl + klen;
    let (vlen, vl) = zipmap_len(zm, q)?;
    let free = *zm.get(q + vl).ok_or("entry runs past the end")? as usize;
    let value = body(q + vl + 1, vlen)?;
    body(q + vl + 1 + vlen, free)?;
    Ok((key, value, q + vl + 1 + vlen + free - p))
}

/// Checks an untrusted zipmap: every pair in bounds, the end byte last, and
/// the count byte when it is exact. Returns the number of pairs.
pub(super) fn validate_zipmap(zm: &[u8]) -> Result<usize, String> {
    if zm.len() < 2 {
        return Err(format!("zipmap of {} bytes is too short", zm.len()));
    }
    let (mut p, mut count) = (1, 0usize);
    while zm.get(p) != Some(&END) {
        let (_, _, size) =
            zipmap_pair(zm, p).map_err(|why| format!("zipmap entry at byte {p}: {why}"))?;
        p += size;
        count += 1;
    }
    if p != zm.len() - 1 {
        return Err(format!(
            "zipmap ends at byte {p}, the blob has {} bytes",
            zm.len()
        ));
    }
    let said = zm[0] as usize;
    if said < ZIPMAP_COUNT_UNKNOWN && said != count {
        return Err(format!("zipmap header says {said} pairs, it holds {count}"));
    }
    Ok(count)
}

/// The (key, value) pairs of a zipmap that [`validate_zipmap`] accepted.
pub(super) fn zipmap_pairs(zm: &[u8]) -> impl Iterator<Item = (&[u8], &[u8])> {
    let mut p = 1;
    std::iter::from_fn(move || {
        if zm.get(p) == Some(&END) {
            return None;
        }
        let (key, value, size) = zipmap_pair(zm, p).ok()?;
        p += size;
        Some((key, value))
    })
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// A ziplist of `elements` in the smallest encodings Redis picks.
    pub fn ziplist(elements: &[Elem]) -> Vec<u8> {
        let mut entries = Vec::new();
        let (mut prev, mut last) = (0usize, ZIPLIST_HEADER);
        for e in elements {
            let start = entries.len();
            last = ZIPLIST_HEADER + start;
            if prev < 254 {
                entries.push(prev as u8);
            } else {
                entries.push(254);
                entries.extend_from_slice(&(prev as u32).to_le_bytes());
            }
            match *e {
                Elem::Int(v @ 0..=12) => entries.push(0xF1 + v as u8),
                Elem::Int(v) if i8::try_from(v).is_ok() => entries.extend([0xFE, v as u8]),
                Elem::Int(v) if i16::try_from(v).is_ok() => {
                    entries.push(0xC0);
                    entries.extend_from_slice(&(v as i16).to_le_bytes());
                }
                Elem::Int(v) if (-(1 << 23)..1 << 23).contains(&v) => {
                    entries.push(0xF0);
                    entries.extend_from_slice(&(v as i32).to_le_bytes()[..3]);
                }
                Elem::Int(v) if i32::try_from(v).is_ok() => {
                    entries.push(0xD0);
                    entries.extend_from_slice(&(v as i32).to_le_bytes());
                }
                Elem::Int(v) => {
                    entries.push(0xE0);
                    entries.extend_from_slice(&v.to_le_bytes());
                }
                Elem::Str(s) if s.len() < 64 => {
                    entries.push(s.len() as u8);
                    entries.extend_from_slice(s);
                }
                Elem::Str(s) if s.len() < 16384 => {
                    entries.extend([0x40 | (s.len() >> 8) as u8, s.len() as u8]);
                    entries.extend_from_slice(s);
                }
                Elem::Str(s) => {
                    entries.push(0x80);
                    entries.extend_from_slice(&(s.len() as u32).to_be_bytes());
                    entries.extend_from_slice(s);
                }
            }
            prev = entries.len() - start;
        }
        let total = ZIPLIST_HEADER + entries.len() + 1;
        let mut zl = Vec::with_capacity(total);
        zl.extend_from_slice(&(total as u32).to_le_bytes());
        zl.extend_from_slice(&(last as u32).to_le_bytes());
        zl.extend_from_slice(&(elements.len().min(65535) as u16).to_le_bytes());
        zl.extend_from_slice(&entries);
        zl.push(END);
        zl
    }

    /// A zipmap of `pairs`, each value followed by `free` spare bytes.
    pub fn zipmap(pairs: &[(&[u8], &[u8])], free: u8) -> Vec<u8> {
        let mut zm = vec![pairs.len().min(254) as u8];
        let len = |zm: &mut Vec<u8>, n: usize| {
            if n < 254 {
                zm.push(n as u8);
            } else {
                zm.push(254);
                zm.extend_from_slice(&(n as u32).to_le_bytes());
            }
        };
        for (k, v) in pairs {
            len(&mut zm, k.len());
            zm.extend_from_slice(k);
            len(&mut zm, v.len());
            zm.push(free);
            zm.extend_from_slice(v);
            zm.extend(std::iter::repeat_n(0, free as usize));
        }
        zm.push(END);
        zm
    }

    fn texts(elements: &[Elem]) -> Vec<Vec<u8>> {
        elements.iter().map(|e| e.to_vec()).collect()
    }

    #[test]
    fn ziplists_of_every_encoding_validate_and_iterate() {
        let big = vec![b'q'; 300];
        let huge = vec![b'h'; 20_000];
        let elements = [
            Elem::Int(0),
            Elem::Int(12),
            Elem::Int(13),
            Elem::Int(-128),
            Elem::Int(1000),
            Elem::Int(-8_000_000),
            Elem::Int(2_000_000_000),
            Elem::Int(i64::MIN),
            Elem::Str(b""),
            Elem::Str(b"hello"),
            Elem::Str(&big),
            Elem::Str(&huge),
            Elem::Str(b"after a big one"),
        ];
        let zl = ziplist(&elements);
        assert_eq!(validate_ziplist(&zl), Ok(elements.len()));
        let back: Vec<Elem> = ziplist_elements(&zl).collect();
        assert_eq!(texts(&back), texts(&elements));
        assert_eq!(validate_ziplist(&ziplist(&[])), Ok(0));
    }

    #[test]
    fn corrupt_ziplists_are_refused() {
        let good = ziplist(&[Elem::Str(b"abc"), Elem::Int(7), Elem::Str(b"z")]);
        let mut bad = good.clone();
        bad[0] += 1;
        assert!(validate_ziplist(&bad).unwrap_err().contains("bytes"));
        let mut bad = good.clone();
        bad[4] += 1;
        assert!(validate_ziplist(&bad).unwrap_err().contains("last entry"));
        let mut bad = good.clone();
        bad[8] = 2;
        assert!(validate_ziplist(&bad).unwrap_err().contains("entries"));
        let mut bad = good.clone();
        bad[ZIPLIST_HEADER + 5] = 9; // the second entry's previous length
        assert!(validate_ziplist(&bad).unwrap_err().contains("previous"));
        let mut bad = good.clone();
        bad[ZIPLIST_HEADER + 1] = 60; // a 60-byte string
        assert!(validate_ziplist(&bad).unwrap_err().contains("past the end"));
        let mut bad = good.clone();
        bad[ZIPLIST_HEADER + 6] = 0xC5; // an unknown encoding
        assert!(validate_ziplist(&bad).unwrap_err().contains("unknown"));
        let mut bad = good;
        *bad.last_mut().unwrap() = 0;
        assert!(validate_ziplist(&bad).is_err());
    }

    #[test]
    fn zipmaps_validate_and_iterate() {
        let long = vec![b'v'; 400];
        let pairs: [(&[u8], &[u8]); 3] = [(b"a", b"1"), (b"name", &long), (b"", b"empty key")];
        for free in [0, 3] {
            let zm = zipmap(&pairs, free);
            assert_eq!(validate_zipmap(&zm), Ok(3));
            assert_eq!(zipmap_pairs(&zm).collect::<Vec<_>>(), pairs);
        }
        let mut bad = zipmap(&pairs, 0);
        bad[0] = 2;
        assert!(validate_zipmap(&bad).unwrap_err().contains("pairs"));
        let mut bad = zipmap(&pairs, 0);
        bad[1] = 200;
        assert!(validate_zipmap(&bad).is_err());
        let mut bad = zipmap(&pairs, 0);
        bad.push(0);
        assert!(validate_zipmap(&bad).is_err());
        assert_eq!(validate_zipmap(&[0, END]), Ok(0));
    }

    #[test]
    fn random_bytes_never_panic() {
        let mut seed = 0xDEAD_BEEF_u64;
        for _ in 0..20_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = (seed % 32) as usize;
            let mut bytes: Vec<u8> = (0..len).map(|i| (seed >> (i % 8 * 8)) as u8).collect();
            if len >= 4 {
                bytes[..4].copy_from_slice(&(len as u32).to_le_bytes());
            }
            if validate_ziplist(&bytes).is_ok() {
                ziplist_elements(&bytes).for_each(drop);
            }
            if validate_zipmap(&bytes).is_ok() {
                zipmap_pairs(&bytes).for_each(drop);
            }
        }
    }
}
