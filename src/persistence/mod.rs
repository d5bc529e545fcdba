//! Persistence: RDB snapshots and the append-only file.
//!
//! - [`rdb`]: Redis's RDB file format (version 10), written from a
//!   copy-on-write view of the keyspace and read back at start-up.
//! - [`lzf`]: the LZF compression RDB strings use.
//! - [`snapshot`]: writes an RDB file durably (temp file, fsync, rename,
//!   fsync of the directory), in the loop (SAVE) or on a background thread (BGSAVE).
//! - [`aof`]: Redis 7's multi-part append-only file: a manifest, an RDB base
//!   and incremental RESP files; the fsync thread; rewrites.
//! - [`durable`]: the file-system steps every writer shares.

pub mod aof;
pub mod durable;
pub mod lzf;
pub mod rdb;
pub mod snapshot;
