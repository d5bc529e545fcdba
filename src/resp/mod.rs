//! The Redis wire protocol: an incremental request parser (RESP multibulk and
//! inline) and the reply encoder for RESP2 and RESP3.

pub(crate) mod argv;
/// Parser invariant checks for the property test and the cargo-fuzz target.
#[cfg(any(test, feature = "fuzzing"))]
pub mod check;
pub mod fuzz_input;
#[cfg(test)]
mod fuzz_tests;
pub(crate) mod parser;
pub(crate) mod reply;

pub use argv::{Argv, OwnedArgv};
pub use parser::{parse_command, Limits, ParseProgress, Parsed};
pub use reply::Reply;
