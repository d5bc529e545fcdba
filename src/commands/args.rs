//! Argument parsing shared by handlers. Each helper replies Redis's error and
//! returns None on bad input, so a handler reads `let Some(n) = ... else { return };`.

use super::errors;
use crate::resp::parser::parse_i64;
use crate::resp::Reply;

/// An integer argument, or `ERR value is not an integer or out of range`.
pub fn int(out: &mut Reply, arg: &[u8]) -> Option<i64> {
    let v = parse_i64(arg);
    if v.is_none() {
        out.error(errors::NOT_INTEGER);
    }
    v
}

/// An integer argument with a custom error text.
pub fn int_or(out: &mut Reply, arg: &[u8], error: &str) -> Option<i64> {
    let v = parse_i64(arg);
    if v.is_none() {
        out.error(error);
    }
    v
}

/// Parses a double the way Redis's string2ld/strtold does: no spaces, no
/// trailing garbage, `inf`/`-inf` accepted, NaN refused.
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

/// A float argument, or `ERR value is not a valid float`.
pub fn float(out: &mut Reply, arg: &[u8]) -> Option<f64> {
    let v = parse_f64(arg);
    if v.is_none() {
        out.error(errors::NOT_FLOAT);
    }
    v
}

/// A blocking timeout in seconds (fractions allowed; 0 = forever), as
/// Redis 7.0's getTimeoutFromObjectOrReply computes it: a long double
/// times 1000, rounded up to whole milliseconds (so 0.0001 waits 1 ms; a
/// tiny negative rounds up to 0, forever), "timeout is negative" below 0
/// (values too large for an i64 included, as its cast makes them), and a
/// deadline past the clock's range waits forever. `Some(None)` forever,
/// `Some(Some(d))` a duration, `None` after replying the error.
pub fn timeout(out: &mut Reply, arg: &[u8]) -> Option<Option<std::time::Duration>> {
    let Some(secs) = super::long_double::parse(arg) else {
        out.error("ERR timeout is not a float or out of range");
        return None;
    };
    let ms = super::long_double::ceil_mul_to_i64(secs, 1000);
    if ms < 0 {
        out.error("ERR timeout is negative");
        return None;
    }
    let now = crate::server::unix_ms() as i64;
    if ms == 0 || ms > i64::MAX - now {
        return Some(None);
    }
    Some(Some(std::time::Duration::from_millis(ms as u64)))
}

/// True when `arg` equals `word`, ignoring ASCII case.
#[inline]
pub fn is(arg: &[u8], word: &str) -> bool {
    arg.eq_ignore_ascii_case(word.as_bytes())
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
}
