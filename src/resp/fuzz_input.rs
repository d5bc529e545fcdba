//! Random request-protocol input for fuzz tests: random bytes, protocol
//! soup, RESP multibulk frames with lying, huge and negative lengths and odd
//! line ends, inline lines with every byte value, quotes and escapes, and
//! inputs around the 64 KB limits. Shared by the parser's seeded fuzz test
//! and the server-level fuzz test; the server never uses it.

use crate::test_rng::Rng;

/// One fuzz input: a few pieces of one or several kinds, run together.
pub fn input(rng: &mut Rng) -> Vec<u8> {
    if rng.one_in(400) {
        return oversized(rng);
    }
    let mut data = Vec::new();
    for _ in 0..rng.below(4) + 1 {
        match rng.below(5) {
            0 => {
                let len = rng.below(40) as usize;
                data.extend(rng.bytes(len));
            }
            1 => data.extend(protocol_soup(rng)),
            2 | 3 => data.extend(multibulk(rng)),
            _ => data.extend(inline_line(rng)),
        }
    }
    data
}

/// Bytes drawn mostly from the protocol's own alphabet.
pub fn protocol_soup(rng: &mut Rng) -> Vec<u8> {
    const ALPHABET: &[u8] = b"*$\r\n\r\n0123456789-+ \t\x0b\x0c\0\"'\\xaFg";
    (0..rng.below(40))
        .map(|_| match rng.one_in(8) {
            true => rng.next() as u8,
            false => *rng.pick(ALPHABET),
        })
        .collect()
}

/// A RESP multibulk frame, often with a lie in a count or length, a
/// damaged byte, or cut short.
pub fn multibulk(rng: &mut Rng) -> Vec<u8> {
    let args: Vec<Vec<u8>> = (0..rng.below(5)).map(|_| argument(rng)).collect();
    let mut f = vec![b'*'];
    f.extend(length(rng, args.len()));
    f.extend(line_end(rng));
    for arg in &args {
        f.push(if rng.one_in(30) {
            rng.next() as u8
        } else {
            b'$'
        });
        f.extend(length(rng, arg.len()));
        f.extend(line_end(rng));
        f.extend(arg);
        f.extend(b"\r\n");
    }
    if rng.one_in(8) && !f.is_empty() {
        let at = rng.below(f.len() as u64) as usize;
        f[at] = rng.next() as u8;
    }
    if rng.one_in(8) {
        f.truncate(rng.below(f.len() as u64 + 1) as usize);
    }
    f
}

/// A length or count for `real` items: usually true, else a lie.
fn length(rng: &mut Rng, real: usize) -> Vec<u8> {
    let text = match rng.below(16) {
        0 => "-1".to_string(),
        1 => format!("-{}", rng.below(1 << 40)),
        2 => rng
            .pick(&["2147483648", "536870913", "9223372036854775807"])
            .to_string(),
        3 => rng
            .pick(&["99999999999999999999", "-9223372036854775809", "1048577"])
            .to_string(),
        4 => (real + 1).to_string(),
        5 => real.saturating_sub(1).to_string(),
        6 => rng
            .pick(&["", "+1", "01", "-0", " 1", "1 ", "1\x002"])
            .to_string(),
        7 => (rng.below(1 << 20)).to_string(),
        _ => real.to_string(),
    };
    text.into_bytes()
}

/// Usually `\r\n`, sometimes a line end Redis reads oddly or not at all.
fn line_end(rng: &mut Rng) -> &'static [u8] {
    match rng.below(20) {
        0 => b"\r",
        1 => b"\n",
        2 => b"\rX",
        3 => b"\0\r\n",
        _ => b"\r\n",
    }
}

/// A bulk argument: any bytes, CR, LF and NUL included.
fn argument(rng: &mut Rng) -> Vec<u8> {
    let len = rng.below(12) as usize;
    match rng.below(3) {
        0 => rng.bytes(len),
        _ => (0..len)
            .map(|_| *rng.pick(b"abcSETGET\r\n\0 \"'"))
            .collect(),
    }
}

/// An inline line: tokens bare or quoted with escapes, separated by any
/// kind of space, ended by CRLF, LF, a NUL before the CRLF, or nothing.
pub fn inline_line(rng: &mut Rng) -> Vec<u8> {
    let mut line = Vec::new();
    for _ in 0..rng.below(5) {
        line.extend(*rng.pick(&[&b" "[..], b"\t", b"  ", b"\x0b", b"\x0c", b"\r"]));
        match rng.below(4) {
            0 => line.extend(double_quoted(rng)),
            1 => line.extend(single_quoted(rng)),
            _ => line.extend((0..rng.below(6) + 1).map(|_| any_byte_mostly_letters(rng))),
        }
    }
    line.extend(*rng.pick(&[&b"\r\n"[..], b"\n", b"\r\n", b"", b"\0\r\n", b"\r\r\n"]));
    line
}

/// A "double quoted" token with escapes (some invalid), maybe unbalanced.
fn double_quoted(rng: &mut Rng) -> Vec<u8> {
    let mut t = vec![b'"'];
    for _ in 0..rng.below(6) {
        match rng.below(6) {
            0 => t.extend(format!("\\x{:02x}", rng.next() as u8).as_bytes()),
            1 => t.extend(*rng.pick(&[&b"\\x4"[..], b"\\xg0", b"\\x", b"\\n", b"\\\"", b"\\\\"])),
            2 => t.push(b'\\'),
            _ => t.push(any_byte_mostly_letters(rng)),
        }
    }
    if !rng.one_in(6) {
        t.push(b'"');
    }
    t
}

/// A 'single quoted' token with \' escapes, maybe unbalanced.
fn single_quoted(rng: &mut Rng) -> Vec<u8> {
    let mut t = vec![b'\''];
    for _ in 0..rng.below(6) {
        match rng.below(4) {
            0 => t.extend(b"\\'"),
            1 => t.push(b'\\'),
            _ => t.push(any_byte_mostly_letters(rng)),
        }
    }
    if !rng.one_in(6) {
        t.push(b'\'');
    }
    t
}

/// Any of the 256 byte values, letters most often.
fn any_byte_mostly_letters(rng: &mut Rng) -> u8 {
    match rng.below(3) {
        0 => rng.next() as u8,
        _ => *rng.pick(b"abcxyzPINGSET"),
    }
}

/// Input around the 64 KB limits: a long inline line or header, with or
/// without a NUL before its end, complete or not.
pub fn oversized(rng: &mut Rng) -> Vec<u8> {
    const HEADS: [&[u8]; 5] = [b"PING", b"PING\0", b"*1", b"*1\r\n$4", b"*1\0"];
    let head = *rng.pick(&HEADS);
    let fill = 65_536 - 16 + rng.below(64) as usize;
    let filler = if head.starts_with(b"*") { b'7' } else { b'x' };
    let mut data = head.to_vec();
    data.resize(head.len() + fill, filler);
    if rng.one_in(2) {
        data.extend(b"\r\nPING\r\n");
    }
    data
}
