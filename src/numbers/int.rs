//! Integers as Redis reads and writes them: `string2ll` (the canonical
//! decimal form every command argument and encoding test uses), the
//! config's wider reading of the same syntax, SCAN's strtoul cursors, C's
//! `atoi`, and `ll2string`-style formatting without allocation.

/// Parses a decimal integer the way Redis's string2ll does (no '+', no spaces).
pub fn parse_i64(s: &[u8]) -> Option<i64> {
    if s.is_empty() || s.len() > 20 {
        return None;
    }
    let (neg, digits) = match s[0] {
        b'-' => (true, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() || (digits[0] == b'0' && digits.len() > 1) {
        return None;
    }
    let mut v: i64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        let d = (c - b'0') as i64;
        v = if neg {
            v.checked_mul(10)?.checked_sub(d)?
        } else {
            v.checked_mul(10)?.checked_add(d)?
        };
    }
    if neg && v == 0 {
        return None; // "-0" is not canonical
    }
    Some(v)
}

/// The canonical decimal syntax of [`parse_i64`] (optional `-`, no `+`,
/// spaces or leading zeros, no `-0`) without its i64 limit: the value as an
/// i128, so the config can tell "not an integer" from "out of range" for
/// values beyond i64. None for anything else (or beyond i128).
pub fn parse_canonical_i128(v: &str) -> Option<i128> {
    let digits = v.strip_prefix('-').unwrap_or(v);
    let canonical = !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'));
    match v.parse() {
        Ok(n) if canonical && v != "-0" => Some(n),
        _ => None,
    }
}

/// A SCAN cursor as Redis's strtoul-based parser takes it: an optional sign
/// (a negative number wraps around), digits, nothing else; "" is 0.
pub fn parse_cursor(arg: &[u8]) -> Option<u64> {
    let (negative, digits) = match arg.first() {
        Some(b'-') => (true, &arg[1..]),
        Some(b'+') => (false, &arg[1..]),
        _ if arg.is_empty() => return Some(0),
        _ => (false, arg),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n: u64 = std::str::from_utf8(digits).ok()?.parse().ok()?;
    Some(if negative { n.wrapping_neg() } else { n })
}

/// C's `atoi`: leading blanks, a sign, then digits up to the first non-digit
/// (Redis's extractors read key counts this way).
pub fn atoi(s: &[u8]) -> i64 {
    let mut rest = s;
    while let [b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c, tail @ ..] = rest {
        rest = tail;
    }
    let neg = rest.first() == Some(&b'-');
    if matches!(rest.first(), Some(b'-' | b'+')) {
        rest = &rest[1..];
    }
    let mut n: i64 = 0;
    for &c in rest.iter().take_while(|c| c.is_ascii_digit()) {
        n = n.saturating_mul(10).saturating_add((c - b'0') as i64);
    }
    if neg {
        -n
    } else {
        n
    }
}

/// Formats `n` in decimal into `tmp`, returning the used tail.
#[inline]
pub fn format_i64(n: i64, tmp: &mut [u8; 20]) -> &[u8] {
    let mut i = tmp.len();
    let neg = n < 0;
    let mut v = n.unsigned_abs();
    loop {
        i -= 1;
        tmp[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    if neg {
        // 20 digits is enough for u64; i64::MIN has 19 digits plus the sign.
        i -= 1;
        tmp[i] = b'-';
    }
    &tmp[i..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_parse_like_string2ll() {
        assert_eq!(parse_i64(b"0"), Some(0));
        assert_eq!(parse_i64(b"-12"), Some(-12));
        assert_eq!(parse_i64(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(parse_i64(b"-9223372036854775808"), Some(i64::MIN));
        assert_eq!(parse_i64(b"9223372036854775808"), None);
        assert_eq!(parse_i64(b"+1"), None);
        assert_eq!(parse_i64(b"01"), None);
        assert_eq!(parse_i64(b" 1"), None);
        assert_eq!(parse_i64(b"-0"), None);
        assert_eq!(parse_i64(b""), None);
    }

    #[test]
    fn config_integers_keep_the_syntax_past_i64() {
        assert_eq!(parse_canonical_i128("-12"), Some(-12));
        assert_eq!(parse_canonical_i128("9223372036854775808"), Some(1 << 63));
        assert_eq!(parse_canonical_i128("01"), None);
        assert_eq!(parse_canonical_i128("-0"), None);
        assert_eq!(parse_canonical_i128("+1"), None);
        assert_eq!(parse_canonical_i128(""), None);
    }

    #[test]
    fn cursors_parse_like_strtoul() {
        assert_eq!(parse_cursor(b""), Some(0));
        assert_eq!(parse_cursor(b"0"), Some(0));
        assert_eq!(parse_cursor(b"+12"), Some(12));
        assert_eq!(parse_cursor(b"-1"), Some(u64::MAX));
        assert_eq!(parse_cursor(b"18446744073709551615"), Some(u64::MAX));
        assert_eq!(parse_cursor(b"18446744073709551616"), None);
        assert_eq!(parse_cursor(b" 1"), None);
        assert_eq!(parse_cursor(b"-"), None);
        assert_eq!(parse_cursor(b"1x"), None);
    }

    #[test]
    fn atoi_reads_a_numeric_prefix() {
        assert_eq!(atoi(b"12"), 12);
        assert_eq!(atoi(b" -3x"), -3);
        assert_eq!(atoi(b"+7"), 7);
        assert_eq!(atoi(b"abc"), 0);
        assert_eq!(atoi(b"99999999999999999999999"), i64::MAX);
    }

    #[test]
    fn formats_every_i64() {
        let mut tmp = [0u8; 20];
        assert_eq!(format_i64(0, &mut tmp), b"0");
        assert_eq!(format_i64(-7, &mut tmp), b"-7");
        assert_eq!(format_i64(i64::MIN, &mut tmp), b"-9223372036854775808");
        assert_eq!(format_i64(i64::MAX, &mut tmp), b"9223372036854775807");
    }
}
