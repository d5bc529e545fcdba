//! The leader side of replication: the replicas attached to this server,
//! what each has been sent, and the stream fed to them.
//!
//! A replica is a client connection that ran `PSYNC` (or the old `SYNC`).
//! From then on it gets no replies, only the replication stream: for a
//! partial resync the backlog bytes it missed and then the live stream; for
//! a full sync an RDB snapshot (see `sync.rs` and `server/replicas.rs`),
//! with the live stream from the snapshot's offset kept in its `pending`
//! buffer until the snapshot is delivered.
//!
//! The loop drains the effect stream (`Propagation::repl_buf`) here after
//! each command and before sleeping: the bytes advance
//! `master_repl_offset`, go to the backlog and to every replica's
//! `pending` buffer, which the loop moves to its socket once the replica is
//! online.

use super::sync::Transfer;
use crate::config::Config;
use crate::state::{Client, ServerState};
use slab::Slab;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// `REPLCONF GETACK *`, as a leader sends it (37 bytes of the stream).
pub(crate) const GETACK: &[u8] = b"*3\r\n$8\r\nREPLCONF\r\n$6\r\nGETACK\r\n$1\r\n*\r\n";
/// The keepalive PING of the stream (lowercase, as Redis sends it).
pub(crate) const PING: &[u8] = b"*1\r\n$4\r\nping\r\n";

/// Where a replica's full sync (or its life after it) stands.
pub(crate) enum SyncState {
    /// Waiting for a snapshot to start (repl-diskless-sync-delay, or a
    /// diskless transfer to other replicas already running).
    WaitStart,
    /// Its snapshot is being written (disk) or streamed to it (diskless).
    WaitEnd,
    /// Disk: the snapshot file is being sent, `sent` of `size` bytes so far.
    SendBulk {
        file: Arc<std::fs::File>,
        size: u64,
        sent: u64,
    },
    /// Synced: the stream flows (once the first ACK came, after a diskless
    /// transfer).
    Online,
}

/// A replica as its leader knows it: what REPLCONF told, and its sync.
pub(crate) struct ReplicaLink {
    /// REPLCONF listening-port (0 when not told).
    pub listening_port: u16,
    /// REPLCONF ip-address, when told.
    pub ip_address: Option<String>,
    /// REPLCONF capa eof: it can load a diskless (`$EOF:`) transfer.
    pub capa_eof: bool,
    /// REPLCONF capa psync2: `+CONTINUE` carries the replication id.
    pub capa_psync2: bool,
    /// None until PSYNC/SYNC: a client in the handshake, not a replica yet.
    pub state: Option<SyncState>,
    /// Old SYNC: no `+FULLRESYNC` line before the snapshot.
    pub legacy_sync: bool,
    /// The offset its full sync started from (`+FULLRESYNC <id> <offset>`).
    pub sync_offset: i64,
    /// The last offset it acknowledged (REPLCONF ACK), and when.
    pub ack_offset: i64,
    pub ack_time: Instant,
    /// After a diskless transfer: the stream waits for the first ACK.
    pub stream_on_ack: bool,
    /// Stream bytes not yet moved to its output buffer.
    pub pending: Vec<u8>,
    /// When its sync request came (for the log).
    pub sync_started: Instant,
}

impl ReplicaLink {
    /// A client that started the handshake (first REPLCONF).
    pub fn new() -> ReplicaLink {
        ReplicaLink {
            listening_port: 0,
            ip_address: None,
            capa_eof: false,
            capa_psync2: false,
            state: None,
            legacy_sync: false,
            sync_offset: 0,
            ack_offset: 0,
            ack_time: Instant::now(),
            stream_on_ack: false,
            pending: Vec::new(),
            sync_started: Instant::now(),
        }
    }

    /// Online and streaming (what ROLE lists and min-replicas counts).
    pub fn online(&self) -> bool {
        matches!(self.state, Some(SyncState::Online)) && !self.stream_on_ack
    }

    /// INFO's `state=` for it.
    pub fn state_name(&self) -> &'static str {
        match self.state {
            None | Some(SyncState::WaitStart) | Some(SyncState::WaitEnd) => "wait_bgsave",
            Some(SyncState::SendBulk { .. }) => "send_bulk",
            Some(SyncState::Online) => "online",
        }
    }
}

impl Default for ReplicaLink {
    fn default() -> Self {
        ReplicaLink::new()
    }
}

/// The replica's link, if `client` has become a replica (ran PSYNC/SYNC).
pub(crate) fn replica_of(client: &Client) -> Option<&ReplicaLink> {
    client.replica.as_deref().filter(|r| r.state.is_some())
}

/// `ip:port` of a replica as the logs name it (Redis's replicationGetSlaveName).
pub(crate) fn replica_name(client: &Client) -> String {
    let link = client.replica.as_deref();
    let ip = link
        .and_then(|l| l.ip_address.clone())
        .unwrap_or_else(|| peer_ip(&client.addr).to_string());
    match link.map_or(0, |l| l.listening_port) {
        0 => format!("{ip}:<unknown-replica-port>"),
        port => format!("{ip}:{port}"),
    }
}

/// The ip part of `ip:port` (brackets of IPv6 removed).
pub(crate) fn peer_ip(addr: &str) -> &str {
    let host = addr.rsplit_once(':').map_or(addr, |(h, _)| h);
    host.trim_start_matches('[').trim_end_matches(']')
}

/// A client blocked in WAIT.
pub(crate) struct Waiter {
    pub key: usize,
    pub client_id: u64,
    /// The stream offset the replicas must have acknowledged.
    pub offset: i64,
    pub replicas: usize,
    pub deadline: Option<Instant>,
}

/// The replication settings the leader reads, as durations and counts
/// (from `config::replication::LeaderConfig`).
pub(crate) struct Settings {
    pub backlog_size: usize,
    pub backlog_ttl: Duration,
    pub diskless: bool,
    pub diskless_delay: Duration,
    pub diskless_max_replicas: usize,
    pub ping_period: Duration,
    pub timeout: Duration,
    pub min_replicas_max_lag: u64,
}

impl Settings {
    /// The settings `config` holds now (CONFIG SET takes effect at once).
    pub fn of(config: &Config) -> Settings {
        let c = &config.repl_leader;
        Settings {
            backlog_size: c.backlog_size as usize,
            backlog_ttl: Duration::from_secs(c.backlog_ttl),
            diskless: c.diskless_sync,
            diskless_delay: Duration::from_secs(c.diskless_sync_delay),
            diskless_max_replicas: c.diskless_sync_max_replicas as usize,
            ping_period: Duration::from_secs(c.ping_replica_period.max(1)),
            timeout: Duration::from_secs(c.timeout.max(1)),
            min_replicas_max_lag: c.min_replicas_max_lag,
        }
    }
}

/// The leader's state (owned by the loop, in `ServerState`).
#[derive(Default)]
pub(crate) struct Leader {
    /// Slab keys of the clients that are replicas (ran PSYNC/SYNC).
    pub replicas: Vec<usize>,
    /// The snapshot being made for full syncs, if any.
    pub transfer: Option<Transfer>,
    /// A replica waits for a full sync: the loop starts one when it may.
    pub full_sync_wanted: bool,
    /// Since when a replica has waited for a diskless transfer to start.
    pub waiting_since: Option<Instant>,
    /// INFO stats: sync_full, sync_partial_ok, sync_partial_err.
    pub sync_full: u64,
    pub sync_partial_ok: u64,
    pub sync_partial_err: u64,
    /// Since when no replica is attached while a backlog exists.
    pub idle_since: Option<Instant>,
    /// When the stream last carried a keepalive PING.
    pub last_ping: Option<Instant>,
    /// When replicas waiting for a snapshot last got a keepalive newline.
    pub last_newline: Option<Instant>,
    /// A WAIT blocked: send GETACK to the replicas before sleeping.
    pub getack_wanted: bool,
    /// Clients blocked in WAIT.
    pub waiting: Vec<Waiter>,
    /// Wakes the loop when a snapshot thread has bytes for the replicas.
    pub waker: Option<Arc<mio::Waker>>,
    /// Replicas acknowledged within min-replicas-max-lag, counted by the timer.
    pub good_replicas: usize,
    /// Bytes queued for the replicas (stream and snapshot), as of the last
    /// loop iteration: not counted for maxmemory, INFO mem_clients_slaves.
    pub buffer_memory: usize,
}

/// Moves what the effect stream holds for replication into the stream:
/// `master_repl_offset`, the backlog, and every replica's pending buffer.
#[inline]
pub(crate) fn feed(state: &mut ServerState, clients: &mut Slab<Client>) {
    if state.propagation.repl_buf.is_empty() {
        return;
    }
    let bytes = std::mem::take(&mut state.propagation.repl_buf);
    feed_bytes(state, clients, &bytes);
    // Keep the buffer's capacity for the next command.
    let mut bytes = bytes;
    bytes.clear();
    state.propagation.repl_buf = bytes;
}

/// [`feed`] after a command of client `me`: when it added to the stream,
/// the client's WAIT will wait for the offset reached.
#[inline]
pub(crate) fn feed_for(state: &mut ServerState, clients: &mut Slab<Client>, me: usize) {
    if state.propagation.repl_buf.is_empty() {
        return;
    }
    feed(state, clients);
    clients[me].repl_write_offset = state.repl.offset;
}

/// On a replica: `bytes` of its leader's stream, just applied, go on to
/// this node's history and its own replicas unchanged (chained replicas
/// get exactly the stream their parent gets; offsets stay the leader's).
pub(crate) fn proxy_leader_stream(
    state: &mut ServerState,
    clients: &mut Slab<Client>,
    bytes: &[u8],
) {
    feed_bytes(state, clients, bytes);
}

/// Appends `bytes` (whole RESP commands) to the stream after whatever the
/// effect stream holds (PING, GETACK).
pub(crate) fn feed_raw(state: &mut ServerState, clients: &mut Slab<Client>, bytes: &[u8]) {
    // A replica's stream is its leader's: it adds nothing of its own
    // (Redis's replicationFeedSlaves returns at once on a replica).
    if state.repl.backlog.is_none() || state.follower.stream_comes_from_leader() {
        return;
    }
    feed(state, clients);
    feed_bytes(state, clients, bytes);
}

fn feed_bytes(state: &mut ServerState, clients: &mut Slab<Client>, bytes: &[u8]) {
    state.repl.feed(bytes);
    for &key in &state.leader.replicas {
        if let Some(link) = clients.get_mut(key).and_then(|c| c.replica.as_deref_mut()) {
            // Waiting for a snapshot to start: what it would get is in the
            // snapshot to come.
            if !matches!(link.state, Some(SyncState::WaitStart)) {
                link.pending.extend_from_slice(bytes);
            }
        }
    }
}

/// Creates the backlog for the first replica, with a new replication id
/// (the history is renamed, as Redis does), and turns the replication
/// sink of the effect stream on.
pub(crate) fn create_backlog(state: &mut ServerState) {
    if state.repl.backlog.is_some() {
        return;
    }
    let size = Settings::of(&state.config).backlog_size;
    if state.follower.is_replica() {
        // A replica's history is its leader's (a synced replica already has
        // a backlog; this one may only have a history saved in its RDB).
        state.repl.backlog = Some(super::backlog::Backlog::starting_at(
            size,
            state.repl.offset,
        ));
        return;
    }
    state.repl.ids.change();
    state.repl.ids.clear_secondary();
    state.repl.backlog = Some(super::backlog::Backlog::starting_at(
        size,
        state.repl.offset,
    ));
    state.propagation.set_replication(true);
    state.leader.idle_since = None;
    log::info!(
        target: "replication",
        "backlog_created size={size} replid={} replid2={} msg=\"Replication backlog created, my new replication IDs are '{}' and '{}'\"",
        state.repl.ids.replid.as_str(),
        state.repl.ids.replid2.as_str(),
        state.repl.ids.replid.as_str(),
        state.repl.ids.replid2.as_str()
    );
}

/// Frees the backlog (repl-backlog-ttl passed with no replica): the
/// replication sink goes off, the offset stays.
pub(crate) fn free_backlog(state: &mut ServerState) {
    if state.repl.backlog.take().is_some() {
        state.propagation.set_replication(false);
        state.leader.idle_since = None;
        log::info!(target: "replication", "backlog_freed msg=\"Replication backlog freed after {} seconds without connected replicas.\"", Settings::of(&state.config).backlog_ttl.as_secs());
    }
}

/// What PSYNC gets.
pub(crate) enum Psync {
    /// `+CONTINUE`: the backlog holds everything from the asked offset.
    Continue,
    /// A full sync; the text says why for the log (None: asked with `?`).
    Full(Option<String>),
}

/// Decides PSYNC `replid offset` as Redis's masterTryPartialResynchronization:
/// the id must name this history (the current one, or the previous one up
/// to second_repl_offset), and the backlog must hold the asked offset.
pub(crate) fn psync_decision(state: &ServerState, replid: &[u8], offset: i64, who: &str) -> Psync {
    let ids = &state.repl.ids;
    if !ids.accepts(replid, offset) {
        if replid.first() == Some(&b'?') {
            return Psync::Full(None);
        }
        return Psync::Full(Some(if ids.replid2.matches(replid) {
            format!(
                "Partial resynchronization not accepted: Requested offset for second ID was {offset}, but I can reply up to {}",
                ids.second_repl_offset
            )
        } else {
            format!(
                "Partial resynchronization not accepted: Replication ID mismatch (Replica asked for '{}', my replication IDs are '{}' and '{}')",
                String::from_utf8_lossy(replid),
                ids.replid.as_str(),
                ids.replid2.as_str()
            )
        }));
    }
    let held = state
        .repl
        .backlog
        .as_ref()
        .is_some_and(|b| b.read_from(offset).is_some());
    if !held {
        let mut why = format!(
            "Unable to partial resync with replica {who} for lack of backlog (Replica request was: {offset})."
        );
        if offset > state.repl.offset + 1 {
            why.push_str(&format!(" Warning: replica {who} tried to PSYNC with an offset that is greater than the master replication offset."));
        }
        return Psync::Full(Some(why));
    }
    Psync::Continue
}

/// Registers client `key` as a replica (it ran PSYNC/SYNC) in `state`.
pub(crate) fn attach(state: &mut ServerState, key: usize) {
    if !state.leader.replicas.contains(&key) {
        state.leader.replicas.push(key);
    }
    state.leader.idle_since = None;
}

/// A replica's connection closed: it leaves the replica list, its
/// transfer and the WAIT count; the backlog's time-to-live starts when it
/// was the last one.
pub(crate) fn detach(state: &mut ServerState, key: usize, client: &Client) {
    let Some(pos) = state.leader.replicas.iter().position(|&k| k == key) else {
        return; // only ever in the handshake
    };
    state.leader.replicas.remove(pos);
    let name = replica_name(client);
    log::info!(target: "replication", "replica_lost replica={name} msg=\"Connection with replica {name} lost.\"");
    if let Some(t) = state.leader.transfer.as_mut() {
        t.targets.retain(|&k| k != key);
    }
    if state.leader.replicas.is_empty() && state.repl.backlog.is_some() {
        state.leader.idle_since = Some(Instant::now());
    }
}

/// Replicas that acknowledged at least `offset`.
pub(crate) fn acked(state: &ServerState, clients: &Slab<Client>, offset: i64) -> usize {
    state
        .leader
        .replicas
        .iter()
        .filter_map(|&k| clients.get(k).and_then(replica_of))
        .filter(|l| l.online() && l.ack_offset >= offset)
        .count()
}

/// For client `key` blocked in WAIT: how many replicas acknowledged what
/// it waits for (its reply when released early); None when not in WAIT.
pub(crate) fn wait_count(state: &ServerState, clients: &Slab<Client>, key: usize) -> Option<usize> {
    let id = clients.get(key)?.id;
    let w = state
        .leader
        .waiting
        .iter()
        .find(|w| w.key == key && w.client_id == id)?;
    Some(acked(state, clients, w.offset))
}

/// min-replicas-to-write refuses writes: fewer replicas than it asks for
/// acknowledged within min-replicas-max-lag (counted by the timer).
#[inline]
pub(crate) fn not_enough_good_replicas(state: &ServerState) -> bool {
    let want = state.config.repl_leader.min_replicas_to_write as usize;
    want > 0 && state.leader.good_replicas < want
}

/// `-NOREPLICAS`, as Redis words it.
pub(crate) const NOREPLICAS: &str = "NOREPLICAS Not enough good replicas to write.";

/// One replica as INFO replication's `slaveN:` line shows it (and the
/// metrics series per replica): where it listens, its sync state, the
/// offset it acknowledged and the seconds since it did.
pub(crate) struct ReplicaRow {
    pub ip: String,
    pub port: u16,
    pub state: &'static str,
    pub offset: i64,
    pub lag: u64,
}

/// The replicas that finished their handshake, in attach order.
pub(crate) fn replica_rows(state: &ServerState, clients: &Slab<Client>) -> Vec<ReplicaRow> {
    state
        .leader
        .replicas
        .iter()
        .filter_map(|&k| clients.get(k))
        .filter_map(|c| {
            let link = replica_of(c)?;
            Some(ReplicaRow {
                ip: link
                    .ip_address
                    .clone()
                    .unwrap_or_else(|| peer_ip(&c.addr).to_string()),
                port: link.listening_port,
                state: link.state_name(),
                offset: link.ack_offset,
                lag: link.ack_time.elapsed().as_secs(),
            })
        })
        .collect()
}

/// INFO replication's `connected_slaves` and `slaveN:` lines.
pub(crate) fn info_replica_lines(t: &mut String, state: &ServerState, clients: &Slab<Client>) {
    use std::fmt::Write;
    let rows = replica_rows(state, clients);
    let _ = write!(t, "connected_slaves:{}\r\n", rows.len());
    for (i, r) in rows.iter().enumerate() {
        let _ = write!(
            t,
            "slave{i}:ip={},port={},state={},offset={},lag={}\r\n",
            r.ip, r.port, r.state, r.offset, r.lag
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> ServerState {
        ServerState::new(Config::default(), 0, 1)
    }

    #[test]
    fn psync_accepts_the_backlog_range_only() {
        let mut s = state();
        let mut clients = Slab::new();
        create_backlog(&mut s);
        feed_raw(&mut s, &mut clients, PING);
        let id = s.repl.ids.replid.as_str().to_string();
        let cont = |s: &ServerState, off| {
            matches!(
                psync_decision(s, id.as_bytes(), off, "r:1"),
                Psync::Continue
            )
        };
        assert!(cont(&s, 1));
        assert!(cont(&s, 15));
        assert!(!cont(&s, 16));
        assert!(!cont(&s, 0));
        assert!(matches!(
            psync_decision(&s, b"?", -1, "r:1"),
            Psync::Full(None)
        ));
        let other = "a".repeat(40);
        assert!(matches!(
            psync_decision(&s, other.as_bytes(), 1, "r:1"),
            Psync::Full(Some(_))
        ));
    }

    #[test]
    fn the_backlog_renames_the_history_and_turns_the_sink_on() {
        let mut s = state();
        let before = s.repl.ids.replid;
        create_backlog(&mut s);
        assert_ne!(s.repl.ids.replid, before);
        assert!(s.propagation.enabled());
        s.propagation.command(0, &["SET", "a", "b"]);
        let mut clients = Slab::new();
        feed(&mut s, &mut clients);
        assert_eq!(s.repl.offset, 23 + 27);
        assert_eq!(s.repl.backlog.as_ref().unwrap().histlen(), 50);
        free_backlog(&mut s);
        assert!(!s.propagation.enabled());
    }

    #[test]
    fn peer_ip_strips_the_port() {
        assert_eq!(peer_ip("127.0.0.1:5000"), "127.0.0.1");
        assert_eq!(peer_ip("[::1]:5000"), "::1");
    }
}
