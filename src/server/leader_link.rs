//! The follower's link to its leader, driven by the loop (issue 11): a
//! non-blocking connect that finishes on WRITABLE, the handshake, the full
//! sync received into a temporary file and loaded on a thread into fresh
//! databases while the old data keeps serving, the swap, and then the link
//! as a master client whose commands run through the normal dispatch.
//!
//! Nothing here blocks: every step waits for readiness or the timer, reads
//! are budgeted per iteration, and repl-timeout drops a link that stalls.
//! Attempts are retried once a second (Redis's replicationCron).

use super::tokens::LEADER_LINK_TOKEN;
use super::Server;
use crate::persistence::rdb::read_rdb;
use crate::replication::backlog::Backlog;
use crate::replication::follower::{
    backlog_size, LinkConn, LinkState, Loaded, LoadedData, PendingLoad, Transfer,
};
use crate::replication::link::{ack_frame, Event, Handshake, HandshakeConfig};
use crate::replication::replid::Replid;
use crate::resp::{Argv, Reply};
use crate::state::{Client, ClientKind, ReplyMode};
use crate::store::Store;
use crate::types::TypeLimits;
use log::{info, warn};
use mio::event::Event as MioEvent;
use mio::net::TcpStream;
use mio::{Interest, Token};
use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Read, Write};
use std::net::ToSocketAddrs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Bytes read from the link per loop iteration while it is not a client
/// yet (the full-sync payload): other clients are served in between.
const LINK_READ_BUDGET: usize = 1 << 20;

/// How often the follower's periodic work runs (retry, ACK, timeouts).
const TICK: Duration = Duration::from_secs(1);

impl Server {
    /// Timer hook (every cron tick): applies a REPLICAOF, swaps in a loaded
    /// full sync, and once a second connects, sends REPLCONF ACK and
    /// enforces repl-timeout.
    pub(super) fn follower_cron(&mut self) {
        if self.state.follower.relink {
            self.state.follower.relink = false;
            self.drop_link("leader changed");
        }
        self.check_loaded();
        let now = Instant::now();
        if self.state.follower.next_tick.is_some_and(|t| now < t) {
            return;
        }
        self.state.follower.next_tick = Some(now + TICK);
        if !self.state.follower.is_replica() {
            return;
        }
        let timeout = Duration::from_secs(repl_timeout(&self.state.config));
        match self.state.follower.state {
            LinkState::Connect => self.connect_to_leader(),
            LinkState::Connecting | LinkState::Handshake | LinkState::Transfer => {
                let stalled = self
                    .state
                    .follower
                    .conn
                    .as_ref()
                    .is_none_or(|c| c.last_io.elapsed() > timeout);
                if stalled {
                    let what = match self.state.follower.state {
                        LinkState::Transfer => "Timeout receiving bulk data from MASTER... If the problem persists try to set the 'repl-timeout' parameter in redis.conf to a larger value.",
                        _ => "Timeout connecting to the MASTER...",
                    };
                    self.drop_link(what);
                }
            }
            LinkState::Connected => {
                let Some(key) = self.state.follower.master_client else {
                    return;
                };
                let idle = self
                    .clients
                    .get(key)
                    .map_or(Duration::ZERO, |c| c.last_interaction.elapsed());
                if idle > timeout {
                    warn!(target: "replication", "master_timeout msg=\"MASTER timeout: no data nor PING received...\"");
                    self.state.kill(&mut self.clients, key);
                } else {
                    self.send_ack(key);
                }
            }
            LinkState::None | LinkState::Loading => {}
        }
    }

    /// Writes `REPLCONF ACK <processed offset>` to the master client.
    fn send_ack(&mut self, key: usize) {
        let frame = ack_frame(self.state.repl.offset);
        if let Some(c) = self.clients.get_mut(key) {
            c.reply.raw(&frame);
            self.queue_write(key);
        }
    }

    /// Closes the link that does not carry the stream yet, abandons a load
    /// in progress, and goes back to `connect` (retried at the next tick)
    /// when still a replica.
    fn drop_link(&mut self, why: &str) {
        let f = &mut self.state.follower;
        let had = f.conn.is_some() || f.loading.is_some();
        if let Some(mut conn) = f.conn.take() {
            let _ = self.poll.registry().deregister(&mut conn.stream);
            if let Some(sync) = conn.sync.take() {
                let _ = std::fs::remove_file(&sync.path);
            }
        }
        if let Some(mut pending) = f.loading.take() {
            let _ = self.poll.registry().deregister(&mut pending.stream);
            // The thread finds its receiver gone and its file removed.
            let _ = std::fs::remove_file(&pending.path);
        }
        if f.master_client.is_none() {
            f.state = if f.is_replica() {
                LinkState::Connect
            } else {
                LinkState::None
            };
        }
        if had {
            warn!(target: "replication", "link_dropped reason=\"{why}\"");
        }
    }

    /// Starts a non-blocking connect to the leader (it finishes on WRITABLE).
    fn connect_to_leader(&mut self) {
        let Some((host, port)) = self.state.follower.leader.clone() else {
            return;
        };
        let addr = match (host.as_str(), port).to_socket_addrs() {
            Ok(mut addrs) => addrs.next(),
            Err(e) => {
                warn!(target: "replication", "connect_failed leader={host}:{port} error=\"{e}\" msg=\"Unable to connect to MASTER\"");
                return;
            }
        };
        let Some(addr) = addr else {
            return;
        };
        let mut stream = match TcpStream::connect(addr) {
            Ok(s) => s,
            Err(e) => {
                warn!(target: "replication", "connect_failed leader={host}:{port} error=\"{e}\" msg=\"Unable to connect to MASTER\"");
                return;
            }
        };
        let interest = Interest::READABLE | Interest::WRITABLE;
        if let Err(e) =
            self.poll
                .registry()
                .register(&mut stream, Token(LEADER_LINK_TOKEN), interest)
        {
            warn!(target: "replication", "connect_failed leader={host}:{port} error=\"{e}\"");
            return;
        }
        info!(target: "replication", "connecting leader={host}:{port} msg=\"Connecting to MASTER, MASTER <-> REPLICA sync started\"");
        let now = Instant::now();
        let handshake = Handshake::new(self.handshake_config());
        let f = &mut self.state.follower;
        f.state = LinkState::Connecting;
        f.conn = Some(LinkConn {
            stream,
            handshake,
            input: Vec::new(),
            output: Vec::new(),
            sync: None,
            last_io: now,
        });
    }

    /// What this node says about itself in the handshake.
    fn handshake_config(&self) -> HandshakeConfig {
        let cfg = &self.state.config.replica;
        let auth = (!cfg.masterauth.is_empty()).then(|| {
            let user = (!cfg.masteruser.is_empty()).then(|| cfg.masteruser.clone());
            (user, cfg.masterauth.clone())
        });
        let listening_port = match cfg.announce_port {
            0 => self.state.port,
            p => p,
        };
        let f = &self.state.follower;
        HandshakeConfig {
            auth,
            listening_port,
            announce_ip: (!cfg.announce_ip.is_empty()).then(|| cfg.announce_ip.clone()),
            psync_from: f
                .cached_db
                .map(|_| (self.state.repl.ids.replid, self.state.repl.offset)),
        }
    }

    /// A readiness event on the link socket.
    pub(super) fn handle_link_event(&mut self, event: &MioEvent) {
        let Some(conn) = self.state.follower.conn.as_mut() else {
            return;
        };
        if self.state.follower.state == LinkState::Connecting {
            if let Ok(Some(e)) | Err(e) = conn.stream.take_error() {
                return self.drop_link(&format!("Error condition on socket for SYNC: {e}"));
            }
            match conn.stream.peer_addr() {
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::NotConnected && !event.is_error() => return,
                Err(e) => {
                    return self.drop_link(&format!("Error condition on socket for SYNC: {e}"))
                }
            }
            let _ = conn.stream.set_nodelay(true);
            info!(target: "replication", "connected msg=\"Non blocking connect for SYNC fired the event.\"");
            conn.handshake.start(&mut conn.output);
            conn.last_io = Instant::now();
            self.state.follower.state = LinkState::Handshake;
        }
        self.pump_link();
    }

    /// Serves the link again when its last read stopped at the budget.
    pub(super) fn serve_link_input(&mut self) {
        if self.state.follower.more_input {
            self.state.follower.more_input = false;
            self.pump_link();
        }
    }

    /// Reads one budget from the link and moves it along: handshake replies,
    /// payload bytes to the file, the switch to a master client.
    fn pump_link(&mut self) {
        let Some(conn) = self.state.follower.conn.as_mut() else {
            return;
        };
        let (eof, more) = read_budget(&mut conn.stream, &mut conn.input, LINK_READ_BUDGET);
        if !conn.input.is_empty() {
            conn.last_io = Instant::now();
        }
        self.state.follower.more_input = more;
        loop {
            let Some(conn) = self.state.follower.conn.as_mut() else {
                return;
            };
            // Payload bytes go to the file.
            if let Some(sync) = conn.sync.as_mut() {
                if let Some(payload) = sync.payload.as_mut() {
                    let (n, done) = payload.take(&conn.input);
                    let written = match sync.file.as_mut() {
                        Some(file) => file.write_all(&conn.input[..n]),
                        None => Ok(()),
                    };
                    conn.input.drain(..n);
                    if let Err(e) = written {
                        return self.drop_link(&format!(
                            "Failed trying to write the temp DB to disk: {e}"
                        ));
                    }
                    if done {
                        return self.finish_transfer();
                    }
                    break;
                }
            }
            let event = conn.handshake.advance(&mut conn.input, &mut conn.output);
            match event {
                Ok(Event::Wait) => break,
                Ok(Event::FullResync { replid, offset }) => {
                    info!(target: "replication", "full_resync replid={} offset={offset} msg=\"Full resync from master\"", replid.as_str());
                    let path = temp_rdb_path(&self.state.config.dir);
                    conn.sync = Some(Transfer {
                        replid,
                        offset,
                        payload: None,
                        file: None,
                        path,
                        started: Instant::now(),
                    });
                    self.state.follower.state = LinkState::Transfer;
                }
                Ok(Event::Payload(payload)) => {
                    let Some(sync) = conn.sync.as_mut() else {
                        return self.drop_link("payload without +FULLRESYNC");
                    };
                    match payload.total {
                        Some(n) => {
                            info!(target: "replication", "transfer_started bytes={n} msg=\"MASTER <-> REPLICA sync: receiving {n} bytes from master to disk\"")
                        }
                        None => {
                            info!(target: "replication", "transfer_started bytes=unknown msg=\"MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to disk\"")
                        }
                    }
                    let file = OpenOptions::new()
                        .write(true)
                        .create(true)
                        .truncate(true)
                        .open(&sync.path);
                    match file {
                        Ok(f) => sync.file = Some(BufWriter::with_capacity(1 << 20, f)),
                        Err(e) => {
                            let msg = format!(
                                "Opening the temp file needed for MASTER <-> REPLICA synchronization: {e}"
                            );
                            return self.drop_link(&msg);
                        }
                    }
                    sync.payload = Some(payload);
                }
                Ok(Event::Continue { replid }) => return self.partial_resync(replid),
                Err(msg) => return self.drop_link(&msg),
            }
        }
        if let Some(conn) = self.state.follower.conn.as_mut() {
            if let Err(e) = flush(&mut conn.stream, &mut conn.output) {
                return self.drop_link(&format!("Error writing to MASTER: {e}"));
            }
        }
        if eof {
            self.drop_link("Connection with master lost");
        }
    }

    /// The payload is in the file: loads it on a thread into fresh
    /// databases; the loop keeps serving the old data meanwhile.
    fn finish_transfer(&mut self) {
        let f = &mut self.state.follower;
        let Some(mut conn) = f.conn.take() else {
            return;
        };
        let Some(mut sync) = conn.sync.take() else {
            return;
        };
        let payload = sync.payload.take().expect("payload");
        let file = sync.file.take().map(|w| w.into_inner());
        let result = match file {
            // (Its fsync is the loading thread's: the loop never waits on it.)
            Some(Ok(file)) => file.set_len(payload.read - payload.trailer_len()),
            Some(Err(e)) => Err(e.into_error()),
            None => Ok(()),
        };
        if let Err(e) = result {
            let _ = std::fs::remove_file(&sync.path);
            f.state = LinkState::Connect;
            warn!(target: "replication", "transfer_failed error=\"{e}\"");
            return;
        }
        let bytes = payload.read - payload.trailer_len();
        info!(
            target: "replication",
            "transfer_done bytes={bytes} ms={} msg=\"MASTER <-> REPLICA sync: Loading DB in memory (in the background; the old data keeps serving)\"",
            sync.started.elapsed().as_millis()
        );
        let (tx, rx) = mpsc::channel();
        let limits = TypeLimits::from_config(&self.state.config);
        let clock = self.store.new_clock();
        let databases = self.store.dbs.len();
        let path = sync.path.clone();
        let spawned = std::thread::Builder::new()
            .name("ferrocache-sync-load".into())
            .spawn(move || {
                let result = load_payload(&path, databases, &limits, clock);
                let _ = tx.send(Loaded { result });
            });
        if let Err(e) = spawned {
            let _ = std::fs::remove_file(&sync.path);
            f.state = LinkState::Connect;
            warn!(target: "replication", "load_failed error=\"cannot start the loading thread: {e}\"");
            return;
        }
        f.state = LinkState::Loading;
        f.loading = Some(PendingLoad {
            rx,
            replid: sync.replid,
            offset: sync.offset,
            path: sync.path,
            bytes,
            started: sync.started,
            leftover: std::mem::take(&mut conn.input),
            stream: conn.stream,
        });
    }

    /// Swaps in a full sync the thread finished loading.
    fn check_loaded(&mut self) {
        let f = &mut self.state.follower;
        let Some(pending) = f.loading.as_ref() else {
            return;
        };
        let loaded = match pending.rx.try_recv() {
            Ok(loaded) => loaded,
            Err(mpsc::TryRecvError::Empty) => return,
            Err(mpsc::TryRecvError::Disconnected) => Loaded {
                result: Err("the loading thread stopped".into()),
            },
        };
        let pending = f.loading.take().expect("pending load");
        match loaded.result {
            Ok(data) => {
                self.keep_as_snapshot(&pending.path);
                self.swap_in(pending, data);
            }
            Err(e) => {
                let _ = std::fs::remove_file(&pending.path);
                let mut stream = pending.stream;
                let _ = self.poll.registry().deregister(&mut stream);
                self.state.follower.state = LinkState::Connect;
                warn!(target: "replication", "load_failed error=\"{e}\" msg=\"Failed trying to load the MASTER synchronization DB from disk\"");
            }
        }
    }

    /// The full sync just loaded is this node's data from now on: as Redis
    /// does, its file becomes `dir/dbfilename` (a BGSAVE writing there is
    /// stopped first), so a restart right away continues from it.
    fn keep_as_snapshot(&mut self, synced: &Path) {
        self.state.cancel_bgsave();
        let target = crate::state::persist::rdb_path(&self.state.config);
        if let Err(e) = std::fs::rename(synced, &target) {
            warn!(target: "replication", "keep_synced_rdb_failed file={} error=\"{e}\"", target.display());
            let _ = std::fs::remove_file(synced);
        }
    }

    /// Replaces the whole dataset with the loaded one at once, takes the
    /// leader's history, and turns the link into the master client.
    fn swap_in(&mut self, pending: PendingLoad, data: LoadedData) {
        let old_keys = self.store.total_keys();
        info!(target: "replication", "flushing_old_data keys={old_keys} msg=\"MASTER <-> REPLICA sync: Flushing old data\"");
        let now = self.store.now_ms;
        for index in 0..self.store.dbs.len() {
            let (old, new) = (&self.store.dbs[index], &data.dbs[index]);
            let emptied = |key: &[u8]| crate::state::Presence::of(old, key, now);
            let replaced = |key: &[u8]| crate::state::Presence::of(new, key, now);
            self.state
                .watches
                .touch_db(&mut self.clients, index, &emptied, Some(&replaced));
        }
        let old = std::mem::replace(&mut self.store.dbs, data.dbs);
        // Freeing millions of keys is left to a thread, off the loop.
        let _ = std::thread::Builder::new()
            .name("ferrocache-free".into())
            .spawn(move || drop(old));
        let repl = &mut self.state.repl;
        info!(target: "replication", "discard_cached_master msg=\"Discarding previously cached master state.\"");
        repl.ids.replid = pending.replid;
        repl.ids.clear_secondary();
        repl.offset = pending.offset;
        repl.backlog = Some(Backlog::starting_at(
            backlog_size(&self.state.config),
            pending.offset,
        ));
        let db = data.stream_db.unwrap_or(0);
        self.state.follower.full_syncs += 1;
        info!(
            target: "replication",
            "sync_done kind=full replid={} offset={} keys={} expired_kept={} bytes={} ms={} msg=\"MASTER <-> REPLICA sync: Finished with success\"",
            pending.replid.as_str(),
            pending.offset,
            data.keys,
            data.expired,
            pending.bytes,
            pending.started.elapsed().as_millis()
        );
        // The AOF must now describe the new dataset: rewrite it.
        if self.state.persist.aof.is_some() {
            if let Err(e) = self.state.start_rewrite(&self.store) {
                warn!(target: "replication", "aof_rewrite_after_sync_failed error=\"{e}\"");
            }
        }
        let key = self.become_master_client(pending.stream, &pending.leftover, db);
        // Puts this replica online at once (a diskless leader waits for it).
        if let Some(key) = key {
            self.send_ack(key);
        }
    }

    /// `+CONTINUE`: the link becomes the master client at once, in the db
    /// the cached stream was in; a new id shifts the history.
    fn partial_resync(&mut self, replid: Option<Replid>) {
        let Some(conn) = self.state.follower.conn.take() else {
            return;
        };
        let repl = &mut self.state.repl;
        if let Some(id) = replid {
            if id != repl.ids.replid {
                let offset = repl.offset;
                repl.ids.shift_to(id, offset);
                warn!(target: "replication", "master_replid_changed replid={} replid2={} msg=\"Master replication ID changed\"", id.as_str(), repl.ids.replid2.as_str());
            }
        }
        if repl.backlog.is_none() {
            repl.backlog = Some(Backlog::starting_at(
                backlog_size(&self.state.config),
                repl.offset,
            ));
        }
        self.state.follower.partial_syncs += 1;
        info!(target: "replication", "sync_done kind=partial offset={} msg=\"Successful partial resynchronization with master. MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.\"", repl.offset);
        let db = self.state.follower.cached_db.unwrap_or(0);
        let LinkConn { stream, input, .. } = conn;
        self.become_master_client(stream, &input, db);
    }

    /// Makes `stream` the master client (selected db `db`), with `leftover`
    /// as the first stream bytes, and runs what is already there.
    fn become_master_client(
        &mut self,
        mut stream: TcpStream,
        leftover: &[u8],
        db: usize,
    ) -> Option<usize> {
        let id = self.state.next_client_id;
        self.state.next_client_id += 1;
        let key = self.clients.vacant_key();
        if let Err(e) = self
            .poll
            .registry()
            .reregister(&mut stream, Token(key), Interest::READABLE)
        {
            warn!(target: "replication", "link_failed error=\"{e}\"");
            self.state.follower.state = LinkState::Connect;
            return None;
        }
        let mut client = Client::new(id, stream, true);
        client.kind = ClientKind::Master;
        client.reply_mode = ReplyMode::Off;
        client.db = db;
        client.reserve_query(leftover.len());
        let end = client.query_end;
        client.query[end..end + leftover.len()].copy_from_slice(leftover);
        client.query_end += leftover.len();
        let inserted = self.clients.insert(client);
        debug_assert_eq!(inserted, key);
        let f = &mut self.state.follower;
        f.master_client = Some(key);
        f.state = LinkState::Connected;
        f.last_io = Some(Instant::now());
        f.down_since = None;
        f.cached_db = Some(db);
        f.read_offset = self.state.repl.offset + leftover.len() as i64;
        self.read_and_process(key);
        Some(key)
    }

    /// For the master client, before dispatch: REPLCONF from the leader is
    /// the link's business (GETACK is answered, in `reply`, the master
    /// client's reply buffer while its input is processed, with the offset
    /// processed before it). True when `argv` was handled here.
    pub(super) fn master_intercepts(&mut self, argv: Argv, reply: &mut Reply) -> bool {
        self.state.follower.last_io = Some(Instant::now());
        if !argv.get(0).eq_ignore_ascii_case(b"replconf") {
            return false;
        }
        if argv.len() >= 2 && argv.get(1).eq_ignore_ascii_case(b"getack") {
            reply.raw(&ack_frame(self.state.repl.offset));
        }
        true
    }

    /// Close hook: the master client is gone (killed, timed out, the leader
    /// hung up). Its history stays cached (replid, offset, db) so the next
    /// attempt asks for a partial resync.
    pub(super) fn master_client_closed(&mut self, client: &Client) {
        let f = &mut self.state.follower;
        if f.master_client.is_none() {
            return;
        }
        f.master_client = None;
        f.down_since = Some(Instant::now());
        if f.is_replica() {
            f.cached_db = Some(client.db);
            if f.conn.is_none() && f.loading.is_none() {
                f.state = LinkState::Connect;
                f.next_tick = None;
            }
        }
        warn!(target: "replication", "master_link_lost offset={} msg=\"Connection with master lost. Caching the disconnected master state.\"", self.state.repl.offset);
    }
}

/// repl-timeout in seconds.
fn repl_timeout(config: &crate::config::Config) -> u64 {
    config.repl_leader.timeout.max(1)
}

/// A temporary file for a full sync in `dir`, named as Redis names it
/// (`temp-<unix time>.<pid>.rdb`) plus a sequence number: an abandoned load
/// may still read the previous one.
fn temp_rdb_path(dir: &str) -> PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let unix = crate::state::unix_ms() / 1000;
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    Path::new(dir).join(format!("temp-{unix}.{}.{n}.rdb", std::process::id()))
}

/// Parses the full-sync file into `databases` fresh databases (on the
/// loading thread). A replica keeps keys already expired: its leader
/// deletes them (a DEL comes in the stream).
fn load_payload(
    path: &Path,
    databases: usize,
    limits: &TypeLimits,
    clock: u32,
) -> Result<LoadedData, String> {
    let file = File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    // It becomes the replica's snapshot once loaded: on disk first.
    file.sync_data()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let mut store = Store::new(databases);
    let now = crate::state::unix_ms();
    let (mut keys, mut expired, mut bad_db) = (0u64, 0u64, None);
    let mut sink = |db: usize, entry: crate::store::Entry| {
        if db >= databases {
            bad_db = Some(db);
            return;
        }
        expired += entry.is_expired(now) as u64;
        keys += 1;
        store.dbs[db].insert(entry);
    };
    let input = io::BufReader::with_capacity(1 << 20, file);
    let summary =
        read_rdb(input, limits, clock, &mut sink, &mut |_| {}).map_err(|e| e.to_string())?;
    if let Some(db) = bad_db {
        return Err(format!(
            "database {db} is out of range (databases {databases})"
        ));
    }
    let stream_db = summary
        .aux
        .iter()
        .find(|(k, _)| k == b"repl-stream-db")
        .and_then(|(_, v)| std::str::from_utf8(v).ok()?.parse::<usize>().ok())
        .filter(|&db| db < databases);
    Ok(LoadedData {
        dbs: store.dbs,
        keys,
        expired,
        stream_db,
    })
}

/// Reads from `stream` into `buf` until it would block, ends, or `budget`
/// bytes came: (end of stream or error, budget reached).
fn read_budget(stream: &mut TcpStream, buf: &mut Vec<u8>, budget: usize) -> (bool, bool) {
    let mut got = 0;
    let mut chunk = [0u8; 64 * 1024];
    while got < budget {
        match stream.read(&mut chunk) {
            Ok(0) => return (true, false),
            Ok(n) => {
                buf.extend_from_slice(&chunk[..n]);
                got += n;
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return (false, false),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return (true, false),
        }
    }
    (false, true)
}

/// Writes what the handshake queued; the rest waits for WRITABLE.
fn flush(stream: &mut TcpStream, out: &mut Vec<u8>) -> io::Result<()> {
    while !out.is_empty() {
        match stream.write(out) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => {
                out.drain(..n);
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
