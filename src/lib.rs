//! ferrocache: a Redis-compatible in-memory data store.
//!
//! Module map (a command's path reads top to bottom):
//! - `cluster`: Redis Cluster state, nodes.conf and CLUSTER views (not wired yet).
//! - [`server`]: the event loop: one mio poll, its tokens (listeners, client
//!   sockets, metrics port), timers, before-sleep writes, start-up loading.
//! - [`resp`]: request parser (RESP multibulk + inline) and RESP2/RESP3 reply encoder.
//! - `commands`: the command table, the dispatch checks, one file per family.
//! - `state`: what commands read and change besides the data: clients,
//!   blocked clients, WATCH, Pub/Sub, the effect stream, pauses, SLOWLOG,
//!   statistics, persistence jobs.
//! - [`store`]: databases of hash-slot segments (copy-on-write views), entries,
//!   expiry, eviction, glob matching.
//! - `numbers`: integer and double parsing/formatting as Redis's C routines do it.
//! - [`types`]: lists, hashes, sets and sorted sets (the non-string values).
//! - [`persistence`]: RDB snapshots (Redis 7.0's format, LZF, CRC64) and the
//!   multi-part append-only file.
//! - [`config`]: parameters shared by the YAML file, `--name value` and CONFIG.
//! - `metrics`: Prometheus exposition and its tiny HTTP responder.
//! - [`alloc`]: the counting allocator behind INFO used_memory and maxmemory.
//! - [`test_rng`]: seeded random inputs for tests and fuzzing (not used by the server).

pub mod alloc;
pub(crate) mod cluster;
pub(crate) mod commands;
pub mod config;
pub mod logging;
pub(crate) mod metrics;
pub(crate) mod numbers;
pub mod persistence;
pub(crate) mod replication;
pub mod resp;
pub mod server;
pub(crate) mod state;
pub mod store;
pub mod test_rng;
pub mod types;

/// The version INFO and HELLO report.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// The Redis version whose behaviour ferrocache follows (INFO redis_version).
pub const REDIS_COMPAT_VERSION: &str = "7.0.15";
