//! Persistence: RDB snapshots and the append-only file. The formats and
//! the file-system steps live here; when they run is the loop's decision
//! (`state::persist`, `server::loading`).
//!
//! - [`rdb`]: Redis's RDB snapshot file (writes version 10 as Redis 7.0
//!   does, reads versions 1..=10), with its CRC-64 trailer.
//! - [`lzf`]: the LZF compression RDB strings and compressed list nodes use
//!   (`types::list` imports it: a codec one floor up, to move down with `num`).
//! - [`snapshot`]: writes an RDB file durably, in the loop (SAVE) or on a
//!   background thread from a copy-on-write view (BGSAVE, AOF rewrite).
//! - [`aof`]: Redis 7's multi-part append-only file: a manifest, an RDB base
//!   and incremental RESP files; the fsync thread; rewrites.
//! - [`durable`]: the file-system steps every writer shares.

pub(crate) mod aof;
pub(crate) mod durable;
pub(crate) mod lzf;
pub mod rdb;
pub(crate) mod snapshot;
