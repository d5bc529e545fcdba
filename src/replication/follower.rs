//! The follower's state (issue 11): which leader it follows, where its link
//! stands, and what INFO replication and ROLE show for it. The loop drives
//! the link (`server::leader_link`); REPLICAOF changes the wanted leader
//! here and the loop acts on it.
//!
//! Link states, as ROLE names them:
//! `connect` (waiting for the next attempt, once a second) → `connecting`
//! (non-blocking connect in flight) → `handshake` (PING .. PSYNC) → `sync`
//! (receiving the full-sync payload, then loading it on a thread) →
//! `connected` (the link is a master client applying the stream).

use super::link::{Handshake, Payload};
use super::replid::Replid;
use crate::persistence::rdb::ReplInfo;
use crate::store::Db;
use mio::net::TcpStream;
use std::fmt::Write as _;
use std::fs::File;
use std::io::BufWriter;
use std::path::PathBuf;
use std::sync::mpsc::Receiver;
use std::time::Instant;

/// Where the link to the leader stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LinkState {
    /// Not a replica.
    None,
    /// A replica waiting for its next connection attempt.
    Connect,
    /// The non-blocking connect is in flight.
    Connecting,
    /// PING, AUTH, REPLCONF, PSYNC.
    Handshake,
    /// Receiving the full-sync payload.
    Transfer,
    /// The payload is being loaded on a thread (old data still serves).
    Loading,
    /// The link applies the replication stream.
    Connected,
}

impl LinkState {
    /// ROLE's name for the state.
    pub(crate) fn role_name(self) -> &'static str {
        match self {
            LinkState::None => "none",
            LinkState::Connect => "connect",
            LinkState::Connecting => "connecting",
            LinkState::Handshake => "handshake",
            LinkState::Transfer | LinkState::Loading => "sync",
            LinkState::Connected => "connected",
        }
    }
}

/// The socket of a link that does not carry the stream yet.
pub(crate) struct LinkConn {
    pub stream: TcpStream,
    pub handshake: Handshake,
    /// Received, not consumed yet.
    pub input: Vec<u8>,
    /// To send (handshake commands).
    pub output: Vec<u8>,
    /// The full sync being received, from +FULLRESYNC on.
    pub sync: Option<Transfer>,
    /// When the link last made progress (repl-timeout counts from here).
    pub last_io: Instant,
}

/// A full sync being received into a temporary file.
pub(crate) struct Transfer {
    /// The history and offset +FULLRESYNC named.
    pub replid: Replid,
    pub offset: i64,
    /// The payload, once its preamble arrived.
    pub payload: Option<Payload>,
    pub file: Option<BufWriter<File>>,
    pub path: PathBuf,
    pub started: Instant,
}

/// What the loading thread hands back: the databases, or why it failed.
pub(crate) struct Loaded {
    pub result: Result<LoadedData, String>,
}

/// A full sync parsed into fresh databases.
pub(crate) struct LoadedData {
    pub dbs: Vec<Db>,
    pub keys: u64,
    pub expired: u64,
    /// The RDB's repl-stream-db aux field (the db the stream continues in).
    pub stream_db: Option<usize>,
}

/// A full sync loaded in the background, to swap in when done.
pub(crate) struct PendingLoad {
    pub rx: Receiver<Loaded>,
    pub replid: Replid,
    pub offset: i64,
    pub path: PathBuf,
    pub bytes: u64,
    pub started: Instant,
    /// Stream bytes that arrived right after the payload.
    pub leftover: Vec<u8>,
    /// The socket, idle until the master client takes it.
    pub stream: TcpStream,
}

/// The follower side of this server.
pub(crate) struct Follower {
    /// The leader followed (replicaof); None on a leader.
    pub leader: Option<(String, u16)>,
    pub state: LinkState,
    /// REPLICAOF changed the leader: the loop drops the current link (and
    /// master client) before anything else.
    pub relink: bool,
    /// The link before it carries the stream.
    pub conn: Option<LinkConn>,
    /// A full sync loading on a thread.
    pub loading: Option<PendingLoad>,
    /// The master client's slab key once connected.
    pub master_client: Option<usize>,
    /// The db the cached history's stream is in: Some means PSYNC can name
    /// this node's replid/offset (a cached master); None sends `PSYNC ? -1`.
    pub cached_db: Option<usize>,
    /// Last input from the leader (master_last_io_seconds_ago).
    pub last_io: Option<Instant>,
    /// When the link went down; None if it was never up.
    pub down_since: Option<Instant>,
    /// Bytes of stream read (slave_read_repl_offset), ahead of processed
    /// while a command is partial.
    pub read_offset: i64,
    /// The master client's input is consumed in budgets: more is waiting.
    pub more_input: bool,
    /// Next time the once-a-second work (retry, ACK, timeouts) runs.
    pub next_tick: Option<Instant>,
    /// Full and partial syncs done (for the log and tests).
    pub full_syncs: u64,
    pub partial_syncs: u64,
}

impl Default for Follower {
    fn default() -> Self {
        Follower {
            leader: None,
            state: LinkState::None,
            relink: false,
            conn: None,
            loading: None,
            master_client: None,
            cached_db: None,
            last_io: None,
            down_since: None,
            read_offset: 0,
            more_input: false,
            next_tick: None,
            full_syncs: 0,
            partial_syncs: 0,
        }
    }
}

impl Follower {
    /// True when this server follows a leader (Redis's `masterhost`).
    pub(crate) fn is_replica(&self) -> bool {
        self.leader.is_some()
    }

    /// True when this node's replication stream is its leader's, proxied
    /// byte for byte (fed by the master client as it applies it): the
    /// effect stream of the commands it runs must then not be fed to the
    /// replication sink again (Redis's replicationFeedSlaves returns at once
    /// on a replica). Chained replicas are served from what `feed` stored.
    pub(crate) fn stream_comes_from_leader(&self) -> bool {
        self.is_replica()
    }

    /// True when the link applies the stream (master_link_status:up).
    pub(crate) fn link_up(&self) -> bool {
        self.state == LinkState::Connected
    }

    /// master_last_io_seconds_ago: seconds since the leader last sent
    /// anything on a link that carries the stream; -1 without one.
    pub(crate) fn last_io_seconds_ago(&self, now: Instant) -> i64 {
        match (self.master_client, self.last_io) {
            (Some(_), Some(at)) => now.duration_since(at).as_secs() as i64,
            _ => -1,
        }
    }

    /// master_sync_in_progress: a full sync is being received or loaded.
    pub(crate) fn sync_in_progress(&self) -> bool {
        matches!(self.state, LinkState::Transfer | LinkState::Loading)
    }

    /// slave_read_repl_offset and slave_repl_offset, given the offset
    /// processed (`Replication::offset`): both 0 while this node has no
    /// leader history (no master client, no cached master).
    pub(crate) fn repl_offsets(&self, processed_offset: i64) -> (i64, i64) {
        if self.master_client.is_some() || self.cached_db.is_some() {
            (self.read_offset.max(processed_offset), processed_offset)
        } else {
            (0, 0)
        }
    }

    /// Follow `leader` from now on (None: become a leader). The loop drops
    /// any current link and starts over at its next tick.
    pub(crate) fn follow(&mut self, leader: Option<(String, u16)>) {
        self.state = if leader.is_some() {
            LinkState::Connect
        } else {
            LinkState::None
        };
        self.leader = leader;
        self.relink = true;
        self.next_tick = None;
    }
}

/// The INFO replication lines of a replica, from `role:slave` through
/// `replica_announced` (the caller adds connected_slaves and the ids).
#[allow(clippy::too_many_arguments)]
pub(crate) fn info_replica_lines(
    t: &mut String,
    f: &Follower,
    processed_offset: i64,
    priority: i64,
    read_only: bool,
    announced: bool,
    now: Instant,
) {
    let (host, port) = f.leader.clone().unwrap_or_default();
    let up = f.link_up();
    let _ = write!(
        t,
        "role:slave\r\nmaster_host:{host}\r\nmaster_port:{port}\r\nmaster_link_status:{}\r\nmaster_last_io_seconds_ago:{}\r\nmaster_sync_in_progress:{}\r\n",
        if up { "up" } else { "down" },
        f.last_io_seconds_ago(now),
        f.sync_in_progress() as u8,
    );
    let (read, processed) = f.repl_offsets(processed_offset);
    let _ = write!(
        t,
        "slave_read_repl_offset:{read}\r\nslave_repl_offset:{processed}\r\n"
    );
    if let Some(sync) = f.conn.as_ref().and_then(|c| c.sync.as_ref()) {
        let total = sync
            .payload
            .as_ref()
            .and_then(|p| p.total)
            .map_or(-1, |t| t as i64);
        let read = sync.payload.as_ref().map_or(0, |p| p.read) as i64;
        let left = if total < 0 { -1 } else { total - read };
        // As Redis computes it: with an unknown size (-1) it goes negative.
        let perc = read as f64 * 100.0 / total as f64;
        let last_io = f
            .conn
            .as_ref()
            .map_or(0, |c| now.duration_since(c.last_io).as_secs());
        let _ = write!(
            t,
            "master_sync_total_bytes:{total}\r\nmaster_sync_read_bytes:{read}\r\nmaster_sync_left_bytes:{left}\r\nmaster_sync_perc:{perc:.2}\r\nmaster_sync_last_io_seconds_ago:{last_io}\r\n"
        );
    }
    if !up {
        let down = f
            .down_since
            .map_or(-1, |at| now.duration_since(at).as_secs() as i64);
        let _ = write!(t, "master_link_down_since_seconds:{down}\r\n");
    }
    let _ = write!(
        t,
        "slave_priority:{priority}\r\nslave_read_only:{}\r\nreplica_announced:{}\r\n",
        read_only as u8, announced as u8
    );
}

/// replica-announced (still an inert parameter: it matters to Sentinel).
pub(crate) fn replica_announced(config: &crate::config::Config) -> bool {
    crate::config::find_param("replica-announced").is_none_or(|p| (p.get)(config) == "yes")
}

/// repl-backlog-size: the backlog a follower keeps of its leader's stream
/// is sized as a leader's.
pub(crate) fn backlog_size(config: &crate::config::Config) -> usize {
    config.repl_leader.backlog_size as usize
}

/// The replication aux fields a SAVE/BGSAVE writes (Redis's
/// rdbPopulateSaveInfo): on a replica with a leader's history (the stream's
/// db, its replid and processed offset), on a leader that has a backlog
/// (db 0); none otherwise.
pub(crate) fn save_info(s: &crate::state::ServerState) -> Option<ReplInfo> {
    let stream_db = match (s.follower.is_replica(), s.follower.cached_db) {
        (true, Some(db)) => db,
        (true, None) => return None,
        (false, _) if s.repl.backlog.is_some() => 0,
        (false, _) => return None,
    };
    Some(ReplInfo {
        stream_db,
        replid: s.repl.ids.replid.as_str().to_string(),
        offset: s.repl.offset,
    })
}

/// Start-up of a replica: the history its snapshot recorded (repl-id,
/// repl-offset, repl-stream-db) becomes its own, so its first PSYNC can
/// continue partially. A leader ignores them.
pub(crate) fn adopt_saved_history(s: &mut crate::state::ServerState, info: Option<ReplInfo>) {
    let Some(info) = info.filter(|_| s.follower.is_replica()) else {
        return;
    };
    let Some(replid) = Replid::parse(info.replid.as_bytes()) else {
        return;
    };
    s.repl.ids.replid = replid;
    s.repl.ids.clear_secondary();
    s.repl.offset = info.offset;
    s.follower.cached_db = Some(info.stream_db);
    log::info!(target: "replication", "cached_master_from_rdb replid={} offset={} db={} msg=\"Before turning into a replica, using my own master parameters to synthesize a cached master\"", info.replid, info.offset, info.stream_db);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn info_lines_of_a_replica_before_its_first_sync() {
        let mut f = Follower::default();
        f.follow(Some(("127.0.0.1".into(), 6380)));
        let mut t = String::new();
        info_replica_lines(&mut t, &f, 0, 100, true, true, Instant::now());
        assert_eq!(
            t,
            "role:slave\r\nmaster_host:127.0.0.1\r\nmaster_port:6380\r\nmaster_link_status:down\r\n\
             master_last_io_seconds_ago:-1\r\nmaster_sync_in_progress:0\r\nslave_read_repl_offset:0\r\n\
             slave_repl_offset:0\r\nmaster_link_down_since_seconds:-1\r\nslave_priority:100\r\n\
             slave_read_only:1\r\nreplica_announced:1\r\n"
        );
        assert_eq!(f.state.role_name(), "connect");
    }
}
