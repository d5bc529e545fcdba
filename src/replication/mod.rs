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
//! Files:
//! - [`backlog`]: the circular byte buffer behind partial resyncs.
//! - [`replid`]: replication ids and their shift on promotion.
//! - [`leader`]: the replicas of this server, PSYNC's decision, feeding
//!   the stream to the backlog and the replicas, INFO replication.
//! - [`sync`]: the snapshot thread of a full sync (to a file or diskless).
//! - [`follower`]: the follower's state, its INFO/ROLE fields.
//! - [`info`]: INFO replication for both roles.
//! - [`link`]: the follower's handshake and full-sync payload, as bytes.
//!   The loop drives them (`server::leader_link`, `server::replicas`);
//!   REPLICAOF and ROLE are in `commands::replicaof`, the leader's commands
//!   in `commands::replication`.

pub(crate) mod backlog;
pub(crate) mod follower;
pub(crate) mod info;
pub(crate) mod leader;
pub(crate) mod link;
pub(crate) mod replid;
pub(crate) mod sync;

use backlog::Backlog;
use replid::ReplIds;

/// This node's replication history, shared by both roles: the ids that name
/// it, how many bytes of it exist here, and the backlog of its newest bytes.
/// A leader appends what it propagates; a follower appends what it applied
/// from its leader (so its own followers, and it after a promotion, can
/// continue from the same offsets).
pub(crate) struct Replication {
    /// master_replid, master_replid2, second_repl_offset.
    pub ids: ReplIds,
    /// master_repl_offset: bytes of the stream produced (a leader) or
    /// applied (a follower) so far. Kept here because the backlog may not
    /// exist (no follower ever attached, or repl-backlog-ttl expired).
    pub offset: i64,
    /// The newest bytes of the stream, created with the first follower.
    pub backlog: Option<Backlog>,
}

impl Replication {
    /// A fresh history: a random id, offset 0, no backlog.
    pub fn new() -> Replication {
        Replication {
            ids: ReplIds::new(),
            offset: 0,
            backlog: None,
        }
    }

    /// Appends `bytes` of the stream: advances the offset and stores them in
    /// the backlog when there is one.
    pub fn feed(&mut self, bytes: &[u8]) {
        self.offset += bytes.len() as i64;
        if let Some(b) = &mut self.backlog {
            b.append(bytes);
        }
    }
}

impl Default for Replication {
    fn default() -> Replication {
        Replication::new()
    }
}
