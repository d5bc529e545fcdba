//! Commands: the table, the dispatch checks, and one file per family.
//!
//! A command travels: `server::connection` parses a frame → [`dispatch::execute`]
//! looks it up in [`table`] and runs the checks once (unknown command, arity,
//! auth, maxmemory) → the family's handler reads/writes the `Store` and appends
//! its reply to `ctx.out`. Handlers never touch sockets.

pub mod args;
pub mod bitmaps;
pub mod blocking;
pub mod client;
pub mod cluster;
mod cluster_redirect;
pub mod command;
pub mod command_meta;
pub mod config;
pub mod connection;
pub mod dispatch;
pub mod dump;
pub mod errors;
pub mod getkeys;
pub mod hashes;
pub mod hyperloglog;
pub mod info;
pub mod key_specs;
mod key_specs_table;
pub mod keys;
pub mod latency;
pub mod lists;
pub mod memory;
pub mod migrate;
pub mod persistence;
pub mod pubsub;
pub mod replicaof;
pub mod replication;
pub mod server;
pub mod sets;
pub mod slowlog;
pub mod sort;
pub mod strings;
pub mod table;
pub mod transactions;
pub mod zsets;

use crate::resp::{Argv, OwnedArgv, Reply};
use crate::state::{BlockedOn, TimeoutReply};
use crate::state::{Client, ServerState};
use crate::store::Store;
use crate::types::Kind;
use slab::Slab;
use std::time::{Duration, Instant};

/// Everything a handler may touch while it runs.
pub struct Ctx<'a> {
    /// The dataset.
    pub store: &'a mut Store,
    /// The calling client's reply buffer.
    pub out: &'a mut Reply,
    /// The calling client's selected database.
    pub db: usize,
    /// Configuration, statistics and server-wide state.
    pub server: &'a mut ServerState,
    /// Every connected client (CLIENT LIST/KILL, MONITOR).
    pub clients: &'a mut Slab<Client>,
    /// The calling client's slab key.
    pub me: usize,
}

impl Ctx<'_> {
    /// Replies a HELP text as an array of status lines, as Redis does.
    pub fn reply_help(&mut self, lines: &[&str]) {
        self.out.array(lines.len());
        for l in lines {
            self.out.simple(l);
        }
    }

    /// The calling client.
    pub fn client(&mut self) -> &mut Client {
        &mut self.clients[self.me]
    }

    /// Client `key`'s reply buffer in use: the caller's is out of its
    /// `Client` while it runs (it is `out`).
    pub fn reply_of(&self, key: usize) -> &Reply {
        if key == self.me {
            self.out
        } else {
            &self.clients[key].reply
        }
    }

    /// Memory of every connected client (INFO `mem_clients_normal`).
    pub fn clients_memory(&self) -> usize {
        self.clients
            .iter()
            .map(|(key, c)| c.memory_usage(self.reply_of(key)))
            .sum()
    }

    /// The command changed `key` in the selected database (Redis's
    /// signalModifiedKey and notifyKeyspaceEvent, which always go together):
    /// fails the transactions WATCHing it, and publishes keyspace event
    /// `event` (of notify class `class`, see `config::event_class`) when
    /// notify-keyspace-events enables it. Every write calls this once per
    /// event on each key it changed — `SORT ... STORE` too, with
    /// `sortstore` (or `del` when the result is empty and the key existed).
    pub fn notify(&mut self, class: u32, event: &str, key: &[u8]) {
        self.signal_modified(key);
        self.publish_event(class, event, key);
    }

    /// The command changed `key` in the selected database without a
    /// keyspace event (PFCOUNT caching the cardinality): fails the
    /// transactions WATCHing it. [`Ctx::notify`] does this for every event.
    pub fn signal_modified(&mut self, key: &[u8]) {
        self.report_lazily_expired();
        let db = &self.store.dbs[self.db];
        self.server
            .watches
            .touch(self.clients, self.db, key, || db.peek(key).is_some());
    }

    /// Redis 7.0's `setKey` for a stored result (SORT ... STORE, Z*STORE,
    /// ZRANGESTORE): `object` replaces whatever `key` held, with no TTL. A
    /// key that existed is overwritten in place, which in Redis 7.0 wakes
    /// no client blocked on it (only a created key does: `dbAdd` signals,
    /// `dbOverwrite` does not).
    pub fn set_key(&mut self, key: &[u8], object: crate::types::Object) {
        self.expire_if_needed(key);
        if self.store.exists(self.db, key) {
            self.server.blocking.overwritten(self.db, key);
        }
        let clock = self.store.new_clock();
        self.store.dbs[self.db].insert(crate::store::Entry::new_object(key, object, None, clock));
    }

    /// Redis's write lookup of `key` before it is overwritten: a key whose
    /// time passed is expired first, so its `expired` event (and DEL) come
    /// before the write's own.
    pub fn expire_if_needed(&mut self, key: &[u8]) {
        let now = self.store.now_ms;
        self.store.dbs[self.db].contains(key, now);
    }

    /// Reports the keys this command's lookups found expired (and deleted)
    /// in the selected database: their `expired` event, WATCH touch and DEL
    /// come before the command's own effect, as in Redis.
    pub fn report_lazily_expired(&mut self) {
        if self.store.dbs[self.db].lazily_expired.is_empty() {
            return;
        }
        for key in std::mem::take(&mut self.store.dbs[self.db].lazily_expired) {
            self.server
                .on_key_removed(self.clients, self.db, &key, crate::state::Removal::Expired);
        }
    }

    /// Publishes keyspace event `event` for `key` in the selected database
    /// without counting it as a change (`new`, `keymiss`).
    pub fn publish_event(&mut self, class: u32, event: &str, key: &[u8]) {
        if self.server.config.notify_keyspace_events == 0 {
            return;
        }
        self.server
            .notify(self.clients, self.me, self.out, class, event, self.db, key);
    }

    /// Propagates `args` (to the AOF) instead of the running command's own
    /// argv: the deterministic form of what it did. May be called several
    /// times for several commands.
    pub fn propagate<A: AsRef<[u8]>>(&mut self, args: &[A]) {
        self.server.propagation.rewrite(args);
    }

    /// Propagates the running command as sent even when it changed nothing
    /// (FLUSHDB of an empty database, as Redis forces it).
    pub fn force_propagate(&mut self, argv: Argv) {
        let args: Vec<&[u8]> = argv.iter_from(0).collect();
        self.server.propagation.rewrite(&args);
    }

    /// Deletes `key` when its collection became empty (Redis never keeps
    /// empty ones) and publishes the `del` event; true if it did.
    pub fn delete_if_empty(&mut self, key: &[u8]) -> bool {
        let deleted = self.store.remove_if_empty(self.db, key);
        if deleted {
            self.notify(crate::config::event_class::GENERIC, "del", key);
        }
        deleted
    }

    /// Blocks the calling client on `keys` (in the selected db) until a
    /// write leaves a value of type `kind` in one of them, then runs `argv`
    /// again; or until `timeout` passes (None: forever), then replies
    /// `timeout_reply`. The handler replies nothing when it blocks. Inside
    /// MULTI/EXEC nothing blocks: the timeout reply goes out at once.
    pub fn block(
        &mut self,
        argv: Argv,
        keys: &[&[u8]],
        timeout: Option<Duration>,
        timeout_reply: TimeoutReply,
        kind: Kind,
    ) {
        if self.clients[self.me].blocked.is_some() {
            // A re-run that found nothing: the client simply stays blocked.
            return;
        }
        if self.clients[self.me].in_exec {
            match timeout_reply {
                TimeoutReply::NullArray => self.out.null_array(),
                TimeoutReply::Null => self.out.null(),
            }
            return;
        }
        let on = BlockedOn {
            keys: keys.iter().map(|k| (self.db, Box::from(*k))).collect(),
            deadline: timeout.and_then(|t| Instant::now().checked_add(t)),
            kind,

            command: OwnedArgv::from_argv(argv),
            command_id: self.clients[self.me].last_cmd,
        };
        self.server.blocking.block(self.me, &on);
        self.clients[self.me].blocked = Some(Box::new(on));
    }
}

/// Runs one command's handler on `store` (no dispatch checks, no client
/// connection) and returns its exact RESP2 reply: for handler unit tests.
#[cfg(test)]
pub fn run_handler(store: &mut Store, args: &[&[u8]]) -> String {
    let mut buf = Vec::new();
    let mut ranges = Vec::new();
    for a in args {
        ranges.push(buf.len()..buf.len() + a.len());
        buf.extend_from_slice(a);
    }
    let argv = Argv::new(&buf, &ranges);
    let reg = table::registry();
    let spec = reg.specs[reg.lookup(args[0]).expect("command")];
    let mut out = Reply::new(false);
    let mut server = ServerState::new(
        crate::config::Config::default(),
        0,
        table::registry().specs.len(),
    );
    let mut clients = Slab::new();
    let mut ctx = Ctx {
        store,
        out: &mut out,
        db: 0,
        server: &mut server,
        clients: &mut clients,
        me: 0,
    };
    (spec.handler)(&mut ctx, argv);
    String::from_utf8_lossy(&out.buf).into_owned()
}

/// Every command family's table, in COMMAND's order.
pub static FAMILIES: &[&[table::CommandSpec]] = &[
    connection::COMMANDS,
    strings::COMMANDS,
    keys::COMMANDS,
    sort::COMMANDS,
    dump::COMMANDS,
    migrate::COMMANDS,
    bitmaps::COMMANDS,
    hyperloglog::COMMANDS,
    lists::COMMANDS,
    blocking::COMMANDS,
    hashes::COMMANDS,
    sets::COMMANDS,
    server::COMMANDS,
    memory::COMMANDS,
    persistence::COMMANDS,
    zsets::COMMANDS,
    transactions::COMMANDS,
    pubsub::COMMANDS,
    replicaof::COMMANDS,
    cluster::COMMANDS,
    replication::COMMANDS,
];
