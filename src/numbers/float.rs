//! Doubles as Redis reads them. Each reader keeps the quirks of the C call
//! it stands for, so they stay separate on purpose:
//! - [`strtod`]: C's strtod on a prefix (value, bytes consumed, ERANGE);
//!   zset score ranges (`zslParseRange`) build on it directly.
//! - [`parse_score`]: Redis's `string2d` (ZADD, ZINCRBY, WEIGHTS, the RDB's
//!   text doubles): the whole argument through strtod, subnormals allowed.
//! - [`parse_sort_weight`]: SORT's own strtod check (NUL ends the text,
//!   leading spaces and "" allowed, subnormals refused).
//! - [`parse_f64`]: the `string2ld`-like reading behind `args::float`
//!   (decimal only, overflow reads as infinity).
//!
//! The exact `long double` reading of INCRBYFLOAT lives in
//! [`super::long_double`].

/// Parses a double close to Redis's string2ld/strtold: no spaces, no
/// trailing garbage, `inf`/`-inf` accepted, NaN refused; decimal only, and
/// an overflow reads as infinity.
pub fn parse_f64(arg: &[u8]) -> Option<f64> {
    let s = std::str::from_utf8(arg).ok()?;
    if s.is_empty()
        || s.starts_with(|c: char| c.is_whitespace())
        || s.ends_with(char::is_whitespace)
    {
        return None;
    }
    let v = match s.to_ascii_lowercase().as_str() {
        "inf" | "+inf" | "infinity" | "+infinity" => f64::INFINITY,
        "-inf" | "-infinity" => f64::NEG_INFINITY,
        _ => {
            if s.contains(|c: char| c.is_ascii_alphabetic() && c != 'e' && c != 'E') {
                return None;
            }
            s.parse::<f64>().ok()?
        }
    };
    if v.is_nan() {
        None
    } else {
        Some(v)
    }
}

#[inline]
fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

fn starts_with_nocase(s: &[u8], word: &[u8]) -> bool {
    s.len() >= word.len() && s[..word.len()].eq_ignore_ascii_case(word)
}

/// C's `strtod` on `s`: the value, the bytes it consumed (0 when no number
/// starts `s`), and whether the value over- or underflowed (ERANGE).
/// Accepts leading white space, a sign, decimal and hexadecimal forms,
/// `inf`, `infinity` and `nan` in any case.
pub fn strtod(s: &[u8]) -> (f64, usize, bool) {
    let mut i = 0;
    while i < s.len() && is_c_space(s[i]) {
        i += 1;
    }
    let negative = s.get(i) == Some(&b'-');
    if matches!(s.get(i), Some(b'-' | b'+')) {
        i += 1;
    }
    let sign = if negative { -1.0 } else { 1.0 };
    let rest = &s[i..];
    if starts_with_nocase(rest, b"inf") {
        let n = if starts_with_nocase(rest, b"infinity") {
            8
        } else {
            3
        };
        return (sign * f64::INFINITY, i + n, false);
    }
    if starts_with_nocase(rest, b"nan") {
        let mut n = 3;
        if rest.get(3) == Some(&b'(') {
            let body = rest[4..]
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
                .count();
            if rest.get(4 + body) == Some(&b')') {
                n = 4 + body + 1;
            }
        }
        return (f64::NAN, i + n, false);
    }
    if rest.len() >= 2 && rest[0] == b'0' && (rest[1] | 0x20) == b'x' {
        return match parse_hex_float(&rest[2..]) {
            Some((v, n)) => (sign * v, i + 2 + n, v.is_infinite()),
            None => (sign * 0.0, i + 1, false), // just the "0"
        };
    }
    let start = i;
    let mut j = i;
    let mut digits = 0;
    let mut nonzero = false;
    while j < s.len() && s[j].is_ascii_digit() {
        nonzero |= s[j] != b'0';
        j += 1;
        digits += 1;
    }
    if j < s.len() && s[j] == b'.' {
        j += 1;
        while j < s.len() && s[j].is_ascii_digit() {
            nonzero |= s[j] != b'0';
            j += 1;
            digits += 1;
        }
    }
    if digits == 0 {
        return (0.0, 0, false);
    }
    if j < s.len() && (s[j] | 0x20) == b'e' {
        let mut k = j + 1;
        if matches!(s.get(k), Some(b'-' | b'+')) {
            k += 1;
        }
        if k < s.len() && s[k].is_ascii_digit() {
            while k < s.len() && s[k].is_ascii_digit() {
                k += 1;
            }
            j = k;
        }
    }
    let text = std::str::from_utf8(&s[start..j]).expect("ascii");
    let v: f64 = text.parse().unwrap_or(0.0);
    let erange = v.is_infinite() || (v == 0.0 && nonzero);
    (sign * v, j, erange)
}

/// The hexadecimal float after `0x`: (value, bytes consumed) or None when no
/// hex digit follows.
fn parse_hex_float(s: &[u8]) -> Option<(f64, usize)> {
    let mut mantissa: u64 = 0;
    let mut exp: i64 = 0;
    let mut digits = 0;
    let mut i = 0;
    let mut seen_dot = false;
    while i < s.len() {
        let c = s[i];
        if c == b'.' && !seen_dot {
            seen_dot = true;
            i += 1;
            continue;
        }
        let Some(d) = (c as char).to_digit(16) else {
            break;
        };
        if mantissa >> 56 == 0 {
            mantissa = mantissa << 4 | d as u64;
            if seen_dot {
                exp -= 4;
            }
        } else if !seen_dot {
            exp += 4; // digits beyond u64 precision still scale the value
        }
        digits += 1;
        i += 1;
    }
    if digits == 0 {
        return None;
    }
    if i < s.len() && (s[i] | 0x20) == b'p' {
        let mut k = i + 1;
        let negative = s.get(k) == Some(&b'-');
        if matches!(s.get(k), Some(b'-' | b'+')) {
            k += 1;
        }
        if k < s.len() && s[k].is_ascii_digit() {
            let mut e: i64 = 0;
            while k < s.len() && s[k].is_ascii_digit() {
                e = (e * 10 + (s[k] - b'0') as i64).min(1 << 20);
                k += 1;
            }
            exp += if negative { -e } else { e };
            i = k;
        }
    }
    let v = mantissa as f64 * 2f64.powi(exp.clamp(-1 << 20, 1 << 20) as i32);
    Some((v, i))
}

/// A score as Redis's `string2d` reads it (ZADD, ZINCRBY, RDB text doubles,
/// WEIGHTS): the whole argument, no leading space, no overflow, no NaN.
pub fn parse_score(arg: &[u8]) -> Option<f64> {
    if arg.is_empty() || is_c_space(arg[0]) {
        return None;
    }
    let (v, n, erange) = strtod(arg);
    if n != arg.len() || v.is_nan() || (erange && (v.is_infinite() || v == 0.0)) {
        return None;
    }
    Some(v)
}

/// A SORT weight as sort.c reads it with strtod: up to a NUL byte, leading
/// ASCII spaces skipped, the whole rest a number, an empty string is 0;
/// None for what SORT refuses (no number, NaN, overflow, and underflow
/// including subnormals, since SORT checks `errno == ERANGE` where
/// [`parse_score`] lets subnormals through).
pub fn parse_sort_weight(text: &[u8]) -> Option<f64> {
    let text = text.split(|&b| b == 0).next().unwrap_or_default();
    if text.is_empty() {
        return Some(0.0);
    }
    let body = text.trim_ascii_start();
    let s = std::str::from_utf8(body).ok()?;
    let lower = s.to_ascii_lowercase();
    let unsigned = lower.trim_start_matches(['+', '-']);
    let named = matches!(unsigned, "inf" | "infinity");
    if let Some(hex) = unsigned.strip_prefix("0x") {
        let v = parse_sort_hex_float(hex)?;
        return Some(if lower.starts_with('-') { -v } else { v });
    }
    if !named
        && unsigned
            .bytes()
            .any(|b| !(b.is_ascii_digit() || b"eE.+-".contains(&b)))
    {
        return None;
    }
    let v: f64 = s.parse().ok()?;
    let has_digit = unsigned
        .split(['e', 'E'])
        .next()
        .is_some_and(|m| m.bytes().any(|b| (b'1'..=b'9').contains(&b)));
    // strtod reports overflow and underflow (ERANGE): Redis refuses both.
    let overflow = v.is_infinite() && !named;
    let underflow = (v == 0.0 || v.is_subnormal()) && has_digit;
    (!overflow && !underflow).then_some(v)
}

/// The digits of a C99 hexadecimal float after `0x` (`1f.8p-3`), whole;
/// None when malformed or out of range.
fn parse_sort_hex_float(hex: &str) -> Option<f64> {
    let (mantissa, exp) = match hex.split_once('p') {
        Some((m, e)) => (m, e.parse::<i32>().ok()?),
        None => (hex, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    let mut v = 0f64;
    for c in int.chars().chain(frac.chars()) {
        v = v * 16.0 + f64::from(c.to_digit(16)?);
    }
    let v = v * 2f64.powi(exp) / 16f64.powi(frac.len() as i32);
    v.is_finite().then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_like_strtold() {
        assert_eq!(parse_f64(b"1.5"), Some(1.5));
        assert_eq!(parse_f64(b"-inf"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_f64(b"1e3"), Some(1000.0));
        assert_eq!(parse_f64(b"nan"), None);
        assert_eq!(parse_f64(b" 1"), None);
        assert_eq!(parse_f64(b"1x"), None);
        assert_eq!(parse_f64(b""), None);
    }

    #[test]
    fn scores_parse_like_string2d() {
        assert_eq!(parse_score(b"1.5"), Some(1.5));
        assert_eq!(parse_score(b"-inf"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_score(b"+Infinity"), Some(f64::INFINITY));
        assert_eq!(parse_score(b"0x10"), Some(16.0));
        assert_eq!(parse_score(b"0x1.8p1"), Some(3.0));
        assert_eq!(parse_score(b".5"), Some(0.5));
        assert_eq!(parse_score(b"5."), Some(5.0));
        assert_eq!(parse_score(b"1E+2"), Some(100.0));
        assert!(parse_score(b"-0").unwrap().is_sign_negative());
        assert!(parse_score(b"1e-320").is_some(), "denormals are fine");
        for bad in [
            &b""[..],
            b" 1",
            b"1 ",
            b"nan",
            b"1e400",
            b"1e-400",
            b"1x",
            b"inf1",
            b"1\0",
        ] {
            assert_eq!(parse_score(bad), None, "{:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn sort_weights_parse_like_strtod() {
        assert_eq!(parse_sort_weight(b""), Some(0.0));
        assert_eq!(parse_sort_weight(b"  1.5"), Some(1.5));
        assert_eq!(parse_sort_weight(b"-inf"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_sort_weight(b"1e3"), Some(1000.0));
        assert_eq!(parse_sort_weight(b"0.0"), Some(0.0));
        assert_eq!(parse_sort_weight(b"5\0x"), Some(5.0));
        assert_eq!(parse_sort_weight(b"1 "), None);
        assert_eq!(parse_sort_weight(b" "), None);
        assert_eq!(parse_sort_weight(b"nan"), None);
        assert_eq!(parse_sort_weight(b"1e400"), None);
        assert_eq!(parse_sort_weight(b"1e-400"), None);
        assert_eq!(parse_sort_weight(b"abc"), None);
        assert_eq!(parse_sort_weight(b"0x10"), Some(16.0));
        assert_eq!(parse_sort_weight(b"-0x1.8p1"), Some(-3.0));
        assert_eq!(parse_sort_weight(b"0x"), None);
    }
}
