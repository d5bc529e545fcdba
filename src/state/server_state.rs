//! Server-wide state commands read and change: configuration, statistics,
//! eviction, MONITOR subscribers, shutdown requests.

use super::Client;
use super::CommandStats;
use crate::alloc::used_memory;
use crate::config::Config;
use crate::resp::{Argv, Limits, Reply};
use crate::store::evict::{EvictionConfig, Evictor};
use crate::store::Store;
use slab::Slab;
use std::collections::BTreeMap;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// How long no write must have needed room before an eviction episode
/// counts as over (writes that each evict a key or two are one episode).
const EVICTION_QUIET: std::time::Duration = std::time::Duration::from_secs(1);

/// Why the server deleted a key by itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Removal {
    Expired,
    Evicted,
}

/// What SHUTDOWN or a signal asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shutdown {
    /// Stop serving and exit.
    Requested,
}

/// State shared by all commands (owned by the loop, never locked).
pub struct ServerState {
    /// The configuration. Replace it with [`ServerState::set_config`], which
    /// keeps what is derived from it (the parser's limits) in step.
    pub config: Config,
    /// The parser's limits from the configuration, indexed by whether the
    /// client has authenticated ([`ServerState::request_limits`]), then the
    /// leader's link's (no bulk limit, as Redis exempts its master).
    /// Derived from `config`: see [`ServerState::set_config`].
    request_limits: [Limits; 3],
    /// The port actually listened on.
    pub port: u16,
    /// A random 40-hex-digit id (INFO run_id).
    pub run_id: String,
    pub started: Instant,
    pub commands_processed: u64,
    pub connections_received: u64,
    pub rejected_connections: u64,
    pub net_input_bytes: u64,
    pub net_output_bytes: u64,
    /// Client socket reads and reply writes done (INFO total_reads_processed,
    /// total_writes_processed): one per budgeted read or write of a client.
    pub reads_processed: u64,
    pub writes_processed: u64,
    /// Per-command statistics, by registry id.
    pub cmd_stats: Vec<CommandStats>,
    /// Error replies by code (INFO errorstats).
    pub error_stats: BTreeMap<Box<str>, u64>,
    /// Total error replies.
    pub total_error_replies: u64,
    /// Writes since start (later: since the last save).
    pub dirty: u64,
    /// Slab keys of MONITOR clients.
    pub monitors: Vec<usize>,
    pub evictor: Evictor,
    /// Clients to close before the loop sleeps (CLIENT KILL, SHUTDOWN, timeouts).
    pub killed: Vec<usize>,
    /// Pub/Sub channels and patterns.
    pub pubsub: super::pubsub::PubSub,
    /// Clients given output by another client's command (PUBLISH, MONITOR):
    /// the loop writes them before sleeping.
    pub wrote_to: Vec<usize>,
    /// LATENCY events.
    pub latency: super::latency::LatencyMonitor,
    /// SLOWLOG entries.
    pub slowlog: super::slowlog::SlowLog,
    /// Clients whose writes wait in the effect stream (appendfsync always):
    /// their replies leave only once it is on disk.
    pub awaiting_durability: Vec<usize>,
    /// Snapshots, the AOF, and their INFO counters.
    pub persist: super::persist::Persistence,
    /// The effect stream feeding the AOF.
    pub propagation: super::propagate::Propagation,
    /// The replication history: ids, offset, backlog.
    pub repl: crate::replication::Replication,
    /// The follower side: the leader followed and the link's state.
    pub follower: crate::replication::follower::Follower,
    /// The replicas of this server and their syncs.
    pub leader: crate::replication::leader::Leader,
    /// WATCHed keys.
    pub watches: super::watch::Watches,
    /// Clients blocked on keys.
    pub blocking: super::blocking::Blocking,
    /// MIGRATEs in progress and the cached connections to their targets.
    pub migrations: super::migrations::Migrations,
    /// CLIENT PAUSE in effect and the clients it holds.
    pub pause: super::Pause,
    /// Clients released from blocking without being served (timeout,
    /// CLIENT UNBLOCK): the loop sends their reply and resumes their input.
    pub unblocked: Vec<usize>,
    pub shutdown: Option<Shutdown>,
    /// The next CLIENT ID.
    pub next_client_id: u64,
    /// Peak of used_memory.
    pub peak_memory: usize,
    /// used_memory of an empty server, for used_memory_dataset.
    pub startup_memory: usize,
    /// Recent commands/s and network rates (INFO instantaneous_*).
    pub instantaneous: super::Instantaneous,
    /// The current eviction episode: (when it started, when a write last
    /// found memory over maxmemory); None when there is none.
    pub eviction: Option<(Instant, Instant)>,
    /// The cluster state when cluster-enabled is yes (None otherwise).
    pub(crate) cluster: Option<crate::cluster::state::ClusterState>,
    /// When cluster_state was first evaluated (unix ms; 0: not yet), for
    /// Redis's writable delay (`cluster::upkeep`).
    pub(crate) cluster_first_refresh_ms: u64,
    /// Nodes given to CLUSTER MEET whose first bus message is still to
    /// be sent (a MEET instead of a PING).
    pub(crate) cluster_meet: std::collections::HashSet<crate::cluster::node::NodeId>,
}

/// The parser's limits for clients that have not authenticated and for
/// those that have. Without a password nobody must authenticate: both get
/// the authenticated limits (so the lookup needs no password test).
fn request_limits_of(config: &Config) -> [Limits; 3] {
    let proto_max_bulk_len = config.proto_max_bulk_len as usize;
    let no_password = config.requirepass.is_empty();
    let [anonymous, authenticated] = [false, true]
        .map(|authenticated| Limits::for_client(proto_max_bulk_len, authenticated || no_password));
    [
        anonymous,
        authenticated,
        Limits::for_client(usize::MAX, true),
    ]
}

impl ServerState {
    /// The parser's limits for a client (looked up per command: AUTH and
    /// CONFIG SET take effect on the next one).
    #[inline]
    pub fn request_limits(&self, client: &Client) -> &Limits {
        if client.kind == super::ClientKind::Master {
            return &self.request_limits[2];
        }
        &self.request_limits[client.authenticated as usize]
    }

    /// The client must authenticate before running commands: a password
    /// is set and it has not authenticated (Redis's authRequired, checked
    /// per request, so clearing requirepass frees waiting connections).
    #[inline]
    pub fn auth_required(&self, client: &Client) -> bool {
        !client.authenticated && !self.config.requirepass.is_empty()
    }

    /// Replaces the configuration (CONFIG SET), keeping what is derived
    /// from it in step.
    pub fn set_config(&mut self, config: Config) {
        self.request_limits = request_limits_of(&config);
        self.config = config;
    }

    /// State for `config`, listening on `port`, with statistics for
    /// `commands` command-table entries.
    pub fn new(config: Config, port: u16, commands: usize) -> ServerState {
        let request_limits = request_limits_of(&config);
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let run_id: String = (0..40)
            .map(|_| {
                let d = (crate::store::evict::random_u64() ^ now.as_nanos() as u64) % 16;
                std::char::from_digit(d as u32, 16).unwrap()
            })
            .collect();
        ServerState {
            request_limits,
            config,
            port,
            run_id,
            started: Instant::now(),
            commands_processed: 0,
            connections_received: 0,
            rejected_connections: 0,
            net_input_bytes: 0,
            net_output_bytes: 0,
            reads_processed: 0,
            writes_processed: 0,
            cmd_stats: vec![CommandStats::default(); commands],
            error_stats: BTreeMap::new(),
            total_error_replies: 0,
            dirty: 0,
            monitors: Vec::new(),
            evictor: Evictor::default(),
            blocking: Default::default(),
            migrations: Default::default(),
            unblocked: Vec::new(),
            pause: Default::default(),
            watches: Default::default(),
            propagation: Default::default(),
            repl: Default::default(),
            follower: Default::default(),
            leader: Default::default(),
            persist: Default::default(),
            awaiting_durability: Vec::new(),
            slowlog: Default::default(),
            latency: Default::default(),
            pubsub: Default::default(),
            wrote_to: Vec::new(),
            killed: Vec::new(),
            shutdown: None,
            next_client_id: 1,
            peak_memory: 0,
            startup_memory: used_memory(),
            instantaneous: super::Instantaneous::new(Instant::now()),
            eviction: None,
            cluster: None,
            cluster_first_refresh_ms: 0,
            cluster_meet: Default::default(),
        }
    }

    /// Timer hook: samples the command and network counters for the
    /// instantaneous rates (every 100 ms, as Redis's serverCron).
    pub fn sample_instantaneous(&mut self) {
        self.instantaneous.maybe_sample(
            Instant::now(),
            self.commands_processed,
            self.net_input_bytes,
            self.net_output_bytes,
        );
    }

    /// Closes client `key` before the loop sleeps, dropping its pending output.
    pub fn kill(&mut self, clients: &mut Slab<Client>, key: usize) {
        if let Some(c) = clients.get_mut(key) {
            if !c.close_asap {
                c.close_asap = true;
                self.killed.push(key);
            }
        }
    }

    /// True when `client`'s unsent output passed its class's hard limit, or
    /// its soft limit for too long (client-output-buffer-limit).
    pub fn over_output_limit(&self, client: &mut Client) -> bool {
        if crate::replication::leader::replica_of(client).is_some() {
            // Checked with the replica class, stream included (server::replicas).
            return false;
        }
        let limits = &self.config.client_output_buffer_limit;
        let limit = if client.subs.any() {
            limits.pubsub
        } else {
            limits.normal
        };
        let pending = (client.reply.buf.len() - client.sent) as u64;
        if limit.hard > 0 && pending > limit.hard {
            return true;
        }
        if limit.soft > 0 && pending > limit.soft {
            // As Redis: the first time only starts the clock.
            return match client.over_soft_limit_since {
                None => {
                    client.over_soft_limit_since = Some(Instant::now());
                    false
                }
                Some(since) => since.elapsed().as_secs() > limit.soft_seconds,
            };
        }
        client.over_soft_limit_since = None;
        false
    }

    /// Counts the error just replied (from `out.last_error`) in errorstats.
    pub fn record_error(&mut self, out: &mut Reply) {
        if let Some(code) = out.last_error.take() {
            self.total_error_replies += 1;
            *self.error_stats.entry(code).or_insert(0) += 1;
        }
    }

    /// The server itself deleted `key` from `db` (expired or evicted): the
    /// transactions watching it fail, as a write by another client would, and
    /// the `expired`/`evicted` keyspace event fires.
    pub fn on_key_removed(
        &mut self,
        clients: &mut Slab<Client>,
        db: usize,
        key: &[u8],
        why: Removal,
    ) {
        // Called once the key is gone.
        self.watches.touch(clients, db, key, || false);
        self.propagation.deleted(db, key);
        let (class, event) = match why {
            Removal::Expired => (crate::config::event_class::EXPIRED, "expired"),
            Removal::Evicted => (crate::config::event_class::EVICTED, "evicted"),
        };
        let mut nobody = Reply::default();
        self.notify(clients, usize::MAX, &mut nobody, class, event, db, key);
    }

    /// Publishes keyspace event `event` of `class` for `key` in `db`, when
    /// notify-keyspace-events enables it. `me`/`my_reply`: the client running
    /// the command (its reply buffer is out of the slab), or usize::MAX.
    #[allow(clippy::too_many_arguments)]
    pub fn notify(
        &mut self,
        clients: &mut Slab<Client>,
        me: usize,
        my_reply: &mut Reply,
        class: u32,
        event: &str,
        db: usize,
        key: &[u8],
    ) {
        use crate::config::event_class::{KEYEVENT, KEYSPACE};
        let flags = self.config.notify_keyspace_events;
        if flags & class == 0 || flags & (KEYSPACE | KEYEVENT) == 0 {
            return;
        }
        let mut publish = |channel: &[u8], message: &[u8]| {
            let (_, written) = self.pubsub.publish(
                super::Scope::Channel,
                channel,
                message,
                clients,
                me,
                my_reply,
            );
            self.wrote_to.extend(written);
        };
        if flags & KEYSPACE != 0 {
            let mut channel = format!("__keyspace@{db}__:").into_bytes();
            channel.extend_from_slice(key);
            publish(&channel, event.as_bytes());
        }
        if flags & KEYEVENT != 0 {
            let channel = format!("__keyevent@{db}__:{event}").into_bytes();
            publish(&channel, key);
        }
    }

    /// Heap bytes of the AOF buffer: writes not yet handed to the file.
    pub fn aof_buffer_memory(&self) -> usize {
        match self.propagation.buf.capacity() {
            0 => 0,
            cap => crate::alloc::charged_size(cap),
        }
    }

    /// Memory maxmemory does not count, as in Redis: the AOF buffer and
    /// what replicas have queued (the backlog itself counts). Evicting data to make room for them
    /// would only shrink the dataset they are about to carry.
    pub fn memory_not_counted_for_evict(&self) -> usize {
        self.aof_buffer_memory() + self.leader.buffer_memory
    }

    /// Used memory as maxmemory counts it: less what is not counted for
    /// eviction.
    pub fn memory_counted_for_evict(&self) -> usize {
        used_memory().saturating_sub(self.memory_not_counted_for_evict())
    }

    /// [`ServerState::memory_counted_for_evict`] is over a set maxmemory.
    pub fn over_maxmemory(&self) -> bool {
        let limit = self.config.maxmemory as usize;
        limit > 0 && self.memory_counted_for_evict() > limit
    }

    /// Evicts keys until used memory, less what is not counted for eviction,
    /// is under maxmemory; false if it cannot.
    pub fn free_memory_if_needed(&mut self, store: &mut Store, clients: &mut Slab<Client>) -> bool {
        let limit = self.config.maxmemory as usize;
        if limit == 0 {
            return true;
        }
        let used = self.memory_counted_for_evict();
        if used > limit {
            self.note_memory_pressure(used, limit);
        }
        let cfg = EvictionConfig {
            policy: self.config.maxmemory_policy,
            samples: self.config.maxmemory_samples,
            decay_time: self.config.lfu_decay_time,
        };
        // A pause evicts nothing (Redis: no key deleted while paused).
        if self.pause.is_on(Instant::now()) {
            return !self.over_maxmemory();
        }
        while self.over_maxmemory() {
            match self.evictor.evict_one(store, &cfg) {
                Some((db, key)) => self.on_key_removed(clients, db, &key, Removal::Evicted),
                None => return false,
            }
        }
        true
    }

    /// A write found used memory over maxmemory: logs `eviction_started`
    /// at the start of an eviction episode (not per key).
    fn note_memory_pressure(&mut self, used: usize, maxmemory: usize) {
        let now = Instant::now();
        if self.eviction.is_none() {
            log::warn!(
                target: "memory",
                "eviction_started used={used} maxmemory={maxmemory} policy={}",
                self.config.maxmemory_policy.name()
            );
        }
        let since = self.eviction.map_or(now, |(since, _)| since);
        self.eviction = Some((since, now));
    }

    /// Timer hook: ends an eviction episode, logging `eviction_stopped`, once
    /// memory is under maxmemory and no write needed room for
    /// `EVICTION_QUIET` (or maxmemory was turned off).
    pub fn check_eviction_stopped(&mut self) {
        let Some((since, last)) = self.eviction else {
            return;
        };
        let limit = self.config.maxmemory as usize;
        let used = self.memory_counted_for_evict();
        if limit == 0 || (used <= limit && last.elapsed() >= EVICTION_QUIET) {
            log::info!(
                target: "memory",
                "eviction_stopped used={used} maxmemory={limit} ms={}",
                since.elapsed().as_millis()
            );
            self.eviction = None;
        }
    }

    /// Sends `argv` to every MONITOR client, as Redis formats it:
    /// `+1700000000.123456 [0 127.0.0.1:5555] "SET" "k" "v"`.
    pub fn feed_monitors(&mut self, clients: &mut Slab<Client>, me: usize, db: usize, argv: Argv) {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let mut line = format!(
            "+{}.{:06} [{} {}]",
            now.as_secs(),
            now.subsec_micros(),
            db,
            clients[me].addr
        );
        for arg in argv.iter_from(0) {
            line.push(' ');
            line.push_str(&quote_arg(arg));
        }
        line.push_str("\r\n");
        for &m in &self.monitors {
            if m != me {
                if let Some(c) = clients.get_mut(m) {
                    c.reply.raw(line.as_bytes());
                    self.wrote_to.push(m);
                }
            }
        }
    }
}

/// An argument quoted as Redis's sdscatrepr does.
pub fn quote_arg(arg: &[u8]) -> String {
    let mut s = String::with_capacity(arg.len() + 2);
    s.push('"');
    for &b in arg {
        match b {
            b'\\' => s.push_str("\\\\"),
            b'"' => s.push_str("\\\""),
            b'\n' => s.push_str("\\n"),
            b'\r' => s.push_str("\\r"),
            b'\t' => s.push_str("\\t"),
            7 => s.push_str("\\a"),
            8 => s.push_str("\\b"),
            0x20..=0x7e => s.push(b as char),
            _ => s.push_str(&format!("\\x{b:02x}")),
        }
    }
    s.push('"');
    s
}

/// Unix time in milliseconds.
pub fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis() as u64
}
