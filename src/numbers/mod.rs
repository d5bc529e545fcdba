//! Number parsing and formatting, in one place for the commands, the reply
//! encoder, the encodings and the RDB codec. Every function reproduces the
//! C routine Redis uses at that spot, quirks included:
//! - [`int`]: `string2ll` ([`parse_i64`]), the config's integer syntax,
//!   SCAN cursors (strtoul), `atoi`, and [`format_i64`].
//! - [`float`]: strtod and the double readers built on it ([`parse_score`],
//!   [`parse_sort_weight`], [`parse_f64`]).
//! - [`format`]: `%.17g` ([`format_double`]) and `%.*g` ([`format::format_g`]).
//! - [`long_double`]: the x87 `long double` arithmetic of INCRBYFLOAT,
//!   HINCRBYFLOAT and blocking timeouts.

pub mod float;
pub mod format;
pub mod int;
pub mod long_double;

pub use float::{parse_f64, parse_score, parse_sort_weight, strtod};
pub use format::format_double;
pub use int::{atoi, format_i64, parse_canonical_i128, parse_cursor, parse_i64};
