//! INFO replication, in Redis 7.0's order: the role's own lines (a
//! replica's link), the replicas of this node, then the history (ids,
//! offsets, backlog) both roles share.

use super::{follower, leader};
use crate::state::{Client, ServerState};
use slab::Slab;
use std::fmt::Write;
use std::time::Instant;

/// Appends the `# Replication` section to `t`.
pub(crate) fn info_section(t: &mut String, s: &ServerState, clients: &Slab<Client>) {
    t.push_str("# Replication\r\n");
    let repl = &s.repl;
    if s.follower.is_replica() {
        let cfg = &s.config.replica;
        follower::info_replica_lines(
            t,
            &s.follower,
            repl.offset,
            cfg.priority,
            cfg.read_only,
            follower::replica_announced(&s.config),
            Instant::now(),
        );
    } else {
        t.push_str("role:master\r\n");
    }
    leader::info_replica_lines(t, s, clients);
    let b = backlog_fields(s);
    let _ = write!(
        t,
        "master_failover_state:no-failover\r\nmaster_replid:{}\r\nmaster_replid2:{}\r\nmaster_repl_offset:{}\r\nsecond_repl_offset:{}\r\nrepl_backlog_active:{}\r\nrepl_backlog_size:{}\r\nrepl_backlog_first_byte_offset:{}\r\nrepl_backlog_histlen:{}\r\n",
        repl.ids.replid.as_str(),
        repl.ids.replid2.as_str(),
        repl.offset,
        repl.ids.second_repl_offset,
        b.active as u8,
        b.size,
        b.first_byte_offset,
        b.histlen,
    );
}

/// INFO replication's `repl_backlog_*` fields.
pub(crate) struct BacklogFields {
    pub active: bool,
    /// repl-backlog-size (the configured size while there is no backlog).
    pub size: usize,
    pub first_byte_offset: i64,
    pub histlen: usize,
}

/// The backlog as INFO replication shows it.
pub(crate) fn backlog_fields(s: &ServerState) -> BacklogFields {
    match &s.repl.backlog {
        Some(b) => BacklogFields {
            active: true,
            size: b.size(),
            first_byte_offset: b.first_offset(),
            histlen: b.histlen(),
        },
        None => BacklogFields {
            active: false,
            size: follower::backlog_size(&s.config),
            first_byte_offset: 0,
            histlen: 0,
        },
    }
}
