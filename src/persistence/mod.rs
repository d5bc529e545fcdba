//! Persistence formats. So far the codecs only, no I/O policy:
//! - [`rdb`]: Redis's RDB snapshot file (writes version 10 as Redis 7.0
//!   does, reads versions 1..=10), with its CRC-64 trailer.
//! - [`lzf`]: the LZF compression RDB strings use.

pub mod lzf;
pub mod rdb;
