//! Argument parsing shared by handlers. Each helper replies Redis's error and
//! returns None on bad input, so a handler reads `let Some(n) = ... else { return };`.

use super::errors;
use crate::numbers::{long_double, parse_f64, parse_i64};
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
    let Some(secs) = long_double::parse(arg) else {
        out.error("ERR timeout is not a float or out of range");
        return None;
    };
    let ms = long_double::ceil_mul_to_i64(secs, 1000);
    if ms < 0 {
        out.error("ERR timeout is negative");
        return None;
    }
    let now = crate::state::unix_ms() as i64;
    if ms == 0 || ms > i64::MAX - now {
        return Some(None);
    }
    Some(Some(std::time::Duration::from_millis(ms as u64)))
}

/// A timeout in whole milliseconds (CLIENT PAUSE, WAIT), as Redis 7.0's
/// getTimeoutFromObjectOrReply with UNIT_MILLISECONDS checks it: an
/// integer, else `ERR timeout is not an integer or out of range`; not
/// negative, else `ERR timeout is negative`. None after replying the error.
pub fn timeout_ms(out: &mut Reply, arg: &[u8]) -> Option<i64> {
    let ms = int_or(out, arg, "ERR timeout is not an integer or out of range")?;
    if ms < 0 {
        out.error("ERR timeout is negative");
        return None;
    }
    Some(ms)
}

/// True when `arg` equals `word`, ignoring ASCII case.
#[inline]
pub fn is(arg: &[u8], word: &str) -> bool {
    arg.eq_ignore_ascii_case(word.as_bytes())
}
