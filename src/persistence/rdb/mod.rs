//! The RDB snapshot file, as Redis 7.0 writes and reads it.
//!
//! ```text
//! "REDIS0010"                     magic and 4-digit version
//! AUX name value ...              redis-ver, redis-bits, ctime, used-mem, aof-base
//! per non-empty database:
//!   SELECTDB n  RESIZEDB keys volatile
//!   [EXPIRETIME_MS t] type key value     one per key
//! EOF  crc64                       8 bytes LE over everything before (0: not computed)
//! ```
//!
//! Lengths use Redis's 1/2/5/9-byte length encoding; strings may instead be
//! small integers or LZF-compressed. Compact values travel as the byte
//! blobs Redis keeps in memory (listpack, intset, and in old files ziplist
//! and zipmap), which the reader validates as strictly as redis-server's
//! deep sanitization does.
//!
//! Files of this module:
//! - `write.rs`: [`write_rdb`], streaming the file from database views.
//! - `read.rs`: [`read_rdb`], the file-level walk, streaming keys to a callback.
//! - `input.rs`: the buffered, checksummed byte source and RDB's lengths,
//!   strings and doubles.
//! - `values.rs`: reading one value and building it under the configured
//!   limits, with the encoding redis-server gives it on load.
//! - `dump.rs`: [`dump_value`] and [`restore_value`], one value in the
//!   DUMP/RESTORE payload format.
//! - `legacy.rs`: the ziplist and zipmap blobs of files from before Redis 7.0.
//! - `tests.rs`: round trips, corrupt input, and the redis-server fixtures in
//!   `tests/fixtures/rdb/` (made by `scripts/make_redis7_rdb.py` and
//!   `scripts/make_legacy_rdb.py`).

mod dump;
mod input;
mod legacy;
mod read;
mod values;
mod write;

#[cfg(test)]
mod tests;

pub use dump::{dump_value, restore_value, PayloadError};
pub use read::read_rdb;
pub use write::{write_rdb, write_rdb_releasing};

/// The RDB version this writer produces (Redis 7.0's).
pub const RDB_VERSION: u32 = 10;

/// Opcodes: a byte where a value type could stand introduces something else.
pub(crate) mod opcode {
    /// Function library code (Redis 7.0 functions).
    pub const FUNCTION2: u8 = 245;
    /// Functions in the pre-release 7.0 format.
    pub const FUNCTION_PRE_GA: u8 = 246;
    /// Module auxiliary data.
    pub const MODULE_AUX: u8 = 247;
    /// The next key's LRU idle time in seconds.
    pub const IDLE: u8 = 248;
    /// The next key's LFU counter.
    pub const FREQ: u8 = 249;
    /// An auxiliary field: name and value strings.
    pub const AUX: u8 = 250;
    /// Hash table size hints: keys and volatile keys of the database.
    pub const RESIZEDB: u8 = 251;
    /// The next key's expire time, unix ms (8 bytes LE).
    pub const EXPIRETIME_MS: u8 = 252;
    /// The next key's expire time, unix seconds (4 bytes LE; old files).
    pub const EXPIRETIME: u8 = 253;
    /// The database the following keys belong to.
    pub const SELECTDB: u8 = 254;
    /// End of the keys (the checksum follows from version 5 on).
    pub const EOF: u8 = 255;
}

/// Value types (the byte before a key).
pub(crate) mod kind {
    pub const STRING: u8 = 0;
    pub const LIST: u8 = 1;
    pub const SET: u8 = 2;
    pub const ZSET: u8 = 3;
    pub const HASH: u8 = 4;
    pub const ZSET_2: u8 = 5;
    pub const MODULE_PRE_GA: u8 = 6;
    pub const MODULE_2: u8 = 7;
    pub const HASH_ZIPMAP: u8 = 9;
    pub const LIST_ZIPLIST: u8 = 10;
    pub const SET_INTSET: u8 = 11;
    pub const ZSET_ZIPLIST: u8 = 12;
    pub const HASH_ZIPLIST: u8 = 13;
    pub const LIST_QUICKLIST: u8 = 14;
    pub const STREAM_LISTPACKS: u8 = 15;
    pub const HASH_LISTPACK: u8 = 16;
    pub const ZSET_LISTPACK: u8 = 17;
    pub const LIST_QUICKLIST_2: u8 = 18;
    pub const STREAM_LISTPACKS_2: u8 = 19;
    pub const SET_LISTPACK: u8 = 20;
    pub const STREAM_LISTPACKS_3: u8 = 21;
}

/// Length encoding: the top two bits of the first byte.
pub(crate) mod len {
    /// 6-bit length in the first byte.
    pub const BITS_6: u8 = 0;
    /// 14-bit length: 6 bits here and the next byte (big endian).
    pub const BITS_14: u8 = 1;
    /// First byte of a 32-bit big-endian length.
    pub const BITS_32: u8 = 0x80;
    /// First byte of a 64-bit big-endian length.
    pub const BITS_64: u8 = 0x81;
    /// Not a length: a special string encoding in the low 6 bits.
    pub const ENCODED: u8 = 3;
    /// Special string encodings.
    pub const ENC_INT8: u8 = 0;
    pub const ENC_INT16: u8 = 1;
    pub const ENC_INT32: u8 = 2;
    pub const ENC_LZF: u8 = 3;
}

/// Quicklist node containers (LIST_QUICKLIST_2).
pub(crate) mod container {
    /// One element, stored as is.
    pub const PLAIN: u8 = 1;
    /// A listpack of elements.
    pub const PACKED: u8 = 2;
}

/// What goes into the header aux fields.
#[derive(Clone, Debug, Default)]
pub struct RdbMeta {
    /// The `used-mem` field: bytes in use when the snapshot was taken.
    pub used_mem: u64,
    /// The `aof-base` field: true when the file is an AOF's base.
    pub aof_base: bool,
    /// The `repl-stream-db`, `repl-id` and `repl-offset` fields of a
    /// snapshot made for a full sync (None: not written).
    pub repl: Option<ReplMeta>,
}

/// A full sync's place in the replication stream, as the RDB header says it.
#[derive(Clone, Debug, Default)]
pub struct ReplMeta {
    /// The database the stream after the snapshot starts in.
    pub stream_db: usize,
    /// The replication id (40 hex digits).
    pub id: String,
    /// The offset the snapshot corresponds to (`+FULLRESYNC`'s).
    pub offset: i64,
}

/// Load failure, always naming the byte offset where the problem was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RdbError {
    /// Offset in the file.
    pub offset: u64,
    /// What was wrong.
    pub message: String,
}

impl std::fmt::Display for RdbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} at offset {}", self.message, self.offset)
    }
}

impl std::error::Error for RdbError {}

/// What a load found besides the keys.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RdbSummary {
    /// The file's RDB version.
    pub version: u32,
    /// Aux fields (name, value), in file order.
    pub aux: Vec<(Vec<u8>, Vec<u8>)>,
    /// Keys handed to the sink.
    pub keys: u64,
    /// Of those, keys with an expire time (already expired ones included).
    pub volatile_keys: u64,
    /// Empty collections in the file, skipped as Redis skips them.
    pub empty_keys_skipped: u64,
    /// Function libraries in the file, skipped: ferrocache has no functions.
    pub functions_skipped: u64,
    /// True when the file carried a non-zero checksum and it matched.
    pub checksum_verified: bool,
    /// Bytes the RDB took, checksum included: where an AOF's RESP tail
    /// starts after an RDB preamble.
    pub bytes: u64,
}
