//! Replication (issue 11): Redis's PSYNC2 leader/follower protocol, driven by
//! the single mio event loop.
//!
//! What replication is made of:
//! - a replication *stream*: every write the leader executes, re-encoded as
//!   RESP multibulk frames (with `SELECT` when the db changes, `PEXPIREAT` /
//!   `SET .. PXAT` for relative expiries, `DEL` for expired or evicted keys),
//!   numbered by byte: `master_repl_offset` counts the bytes ever produced;
//! - a *replication id* naming that history (plus the previous id, valid up to
//!   `second_repl_offset`, so replicas of a promoted follower can continue);
//! - a *backlog*: the newest bytes of the stream, from which a reconnecting
//!   follower is served `PSYNC <replid> <next offset>` without a full sync;
//! - a *full sync*: an RDB snapshot (`$<len>\r\n<rdb>` or the diskless
//!   `$EOF:<40 chars>\r\n<rdb><same 40 chars>` form) followed by the stream;
//! - the follower's handshake (PING, AUTH, REPLCONF listening-port / capa,
//!   PSYNC) and its `REPLCONF ACK <offset>` every second.
//!
//! Files (the ones marked "to come" do not exist yet):
//! - [`backlog`]: the circular byte buffer behind partial resyncs.
//! - [`replid`]: replication ids and their shift on promotion.
//! - `leader.rs` (to come): serving SYNC/PSYNC/REPLCONF, feeding replicas.
//! - `follower.rs` (to come): REPLICAOF, the handshake, loading, applying.
#![allow(dead_code)] // wired in by the leader side (issue 11)

pub(crate) mod backlog;
pub(crate) mod replid;
