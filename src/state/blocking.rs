//! Clients blocked on keys (BLPOP, BLMOVE, BZPOPMIN, ...).
//!
//! A blocking command that finds no data calls [`crate::commands::Ctx::block`]:
//! the client's command is saved and the client waits, in FIFO order per
//! key, without polling. When a write command touches a key someone waits
//! on, dispatch marks the key ready; once the command (or the whole EXEC)
//! that wrote is over, the loop runs the waiting clients' commands again,
//! oldest first, as long as the key then holds a value of the type they
//! wait for, each popping from that key only (Redis's signalKeyAsReady +
//! handleClientsBlockedOnKeys). A key deleted or overwritten with another
//! type meanwhile serves nobody, and so does a stored result (SORT ...
//! STORE, Z*STORE) that overwrote an existing key, as in Redis 7.0.
//! Deadlines are kept sorted so the loop can wake exactly on time.

use super::CommandId;
use crate::resp::OwnedArgv;
use crate::types::Kind;
use std::collections::{BTreeSet, HashMap, VecDeque};
use std::time::Instant;

/// (database, key) a client waits on.
pub type WaitKey = (usize, Box<[u8]>);

/// What a blocking command replies when it may not block (inside
/// MULTI). A deadline that passes always replies a null array (`*-1`, `_`
/// in RESP3), BLMOVE's included, as Redis 7.0 does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeoutReply {
    /// `*-1` in RESP2, `_` in RESP3 (BLPOP, BZPOPMIN, BLMPOP...).
    NullArray,
    /// `$-1` in RESP2, `_` in RESP3 (BLMOVE, BRPOPLPUSH).
    Null,
}

/// Why and until when a client is blocked, and the command to run again.
pub struct BlockedOn {
    pub keys: Vec<WaitKey>,
    pub deadline: Option<Instant>,
    /// The type of value that serves the client (a list or a sorted set).
    pub kind: Kind,
    /// The blocking command, to run again.
    pub command: OwnedArgv,
    /// Its registry id (counted once in commandstats, when it blocked).
    pub command_id: CommandId,
}

/// Every blocked client, by key and by deadline.
#[derive(Default)]
pub struct Blocking {
    waiters: HashMap<WaitKey, VecDeque<usize>>,
    ready: Vec<WaitKey>,
    deadlines: BTreeSet<(Instant, usize)>,
    count: usize,
    /// The key a re-run blocked command is being served from.
    serving: Option<Box<[u8]>>,
    /// Keys the running command overwrote in place: it does not make them ready.
    overwritten: Vec<WaitKey>,
}

impl Blocking {
    /// True when no client is blocked (the common case: no work anywhere).
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Number of blocked clients (INFO blocked_clients).
    pub fn blocked_clients(&self) -> usize {
        self.count
    }

    /// Registers `client` as waiting on `on.keys` until `on.deadline`.
    pub fn block(&mut self, client: usize, on: &BlockedOn) {
        for key in &on.keys {
            let queue = self.waiters.entry(key.clone()).or_default();
            if !queue.contains(&client) {
                queue.push_back(client);
            }
        }
        if let Some(at) = on.deadline {
            self.deadlines.insert((at, client));
        }
        self.count += 1;
    }

    /// Forgets `client` (served, timed out, or disconnected).
    pub fn unblock(&mut self, client: usize, on: &BlockedOn) {
        for key in &on.keys {
            if let Some(queue) = self.waiters.get_mut(key) {
                queue.retain(|&c| c != client);
                if queue.is_empty() {
                    self.waiters.remove(key);
                }
            }
        }
        if let Some(at) = on.deadline {
            self.deadlines.remove(&(at, client));
        }
        self.count -= 1;
    }

    /// Number of blocked clients with a deadline (INFO clients_in_timeout_table).
    pub fn with_deadline(&self) -> usize {
        self.deadlines.len()
    }

    /// A write touched `key` in `db`: if anyone waits on it, serve them
    /// soon (unless the running command only overwrote it in place).
    #[inline]
    pub fn signal(&mut self, db: usize, key: &[u8]) {
        if self.waiters.is_empty() {
            return;
        }
        let wk: WaitKey = (db, key.into());
        if self.waiters.contains_key(&wk)
            && !self.ready.contains(&wk)
            && !self.overwritten.contains(&wk)
        {
            self.ready.push(wk);
        }
    }

    /// The running command replaced the value of an existing `key` in
    /// `db` (Redis 7.0's `dbOverwrite`): its own signal for `key` serves nobody.
    pub fn overwritten(&mut self, db: usize, key: &[u8]) {
        if !self.waiters.is_empty() {
            self.overwritten.push((db, key.into()));
        }
    }

    /// The running command is over: forgets what it overwrote.
    #[inline]
    pub fn end_command(&mut self) {
        self.overwritten.clear();
    }

    /// Every waited-on key of `db` is ready (SWAPDB, FLUSHDB...).
    pub fn signal_db(&mut self, db: usize) {
        let keys: Vec<WaitKey> = self.waiters.keys().filter(|k| k.0 == db).cloned().collect();
        for k in keys {
            if !self.ready.contains(&k) {
                self.ready.push(k);
            }
        }
    }

    /// True when a write made some waited-on key ready.
    #[inline]
    pub fn has_ready(&self) -> bool {
        !self.ready.is_empty()
    }

    /// The keys signalled since the last call.
    pub fn take_ready(&mut self) -> Vec<WaitKey> {
        std::mem::take(&mut self.ready)
    }

    /// Marks `key` as the one the next re-run blocked command is served
    /// from (None once it ran).
    pub fn set_serving(&mut self, key: Option<Box<[u8]>>) {
        self.serving = key;
    }

    /// Of a blocking command's `keys`, those it may pop from now: all of
    /// them when it first runs; only the key that got ready when a write
    /// serves it (as Redis serves a waiter from the signalled key, whatever
    /// its other keys hold).
    pub fn candidates<'k>(&self, keys: &[&'k [u8]]) -> Vec<&'k [u8]> {
        match &self.serving {
            Some(ready) => keys
                .iter()
                .copied()
                .filter(|k| *k == &ready[..])
                .take(1)
                .collect(),
            None => keys.to_vec(),
        }
    }

    /// The clients waiting on `key`, oldest first.
    pub fn waiters_of(&self, key: &WaitKey) -> Vec<usize> {
        self.waiters
            .get(key)
            .map(|q| q.iter().copied().collect())
            .unwrap_or_default()
    }

    /// The earliest deadline, for the loop's poll timeout.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.deadlines.first().map(|(at, _)| *at)
    }

    /// Clients whose deadline is at or before `now`.
    pub fn timed_out(&self, now: Instant) -> Vec<usize> {
        self.deadlines
            .iter()
            .take_while(|(at, _)| *at <= now)
            .map(|&(_, c)| c)
            .collect()
    }
}

/// How a blocked client is released without being served.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Release {
    /// Its timeout reply (the deadline passed, or CLIENT UNBLOCK TIMEOUT).
    TimedOut,
    /// `-UNBLOCKED client unblocked via CLIENT UNBLOCK` (CLIENT UNBLOCK ERROR).
    Error,
    /// The server became a replica (REPLICAOF): Redis's
    /// disconnectAllBlockedClients error.
    RoleChanged,
    /// Its keys' slot is served elsewhere now (cluster mode): this error
    /// (-MOVED, -CLUSTERDOWN), code first.
    Redirected(String),
}

impl super::ServerState {
    /// Releases blocked client `key` with the reply `how` says, and queues
    /// it in `unblocked` for the loop to send the reply and run the input
    /// that waited behind the blocking command. False if it was not blocked.
    pub fn release_blocked(
        &mut self,
        clients: &mut slab::Slab<super::Client>,
        key: usize,
        how: Release,
    ) -> bool {
        // A WAIT answers how many replicas acknowledged, as at its timeout.
        let wait_count = crate::replication::leader::wait_count(self, clients, key);
        let Some(client) = clients.get_mut(key) else {
            return false;
        };
        // A MIGRATE in flight is not a blocking command to Redis (it
        // blocks the whole server instead): nothing releases it.
        if self.migrations.serves(key, client.id) {
            return false;
        }
        let Some(on) = client.blocked.take() else {
            return false;
        };
        self.blocking.unblock(key, &on);
        match how {
            Release::Error => {
                client
                    .reply
                    .error("UNBLOCKED client unblocked via CLIENT UNBLOCK");
                self.record_error(&mut client.reply);
            }
            Release::RoleChanged => {
                client.reply.error("UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)");
                self.record_error(&mut client.reply);
            }
            Release::Redirected(text) => {
                client.reply.error(&text);
                self.record_error(&mut client.reply);
            }
            Release::TimedOut => match wait_count {
                Some(n) => client.reply.int(n as i64),
                None => client.reply.null_array(),
            },
        }
        self.unblocked.push(key);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn on(keys: &[&str], deadline: Option<Instant>) -> BlockedOn {
        BlockedOn {
            keys: keys.iter().map(|k| (0, k.as_bytes().into())).collect(),
            deadline,
            kind: Kind::List,
            command: OwnedArgv::default(),
            command_id: 0,
        }
    }

    #[test]
    fn fifo_per_key_and_cleanup() {
        let mut b = Blocking::default();
        let first = on(&["q"], None);
        let second = on(&["q", "r"], None);
        b.block(7, &first);
        b.block(3, &second);
        let q: WaitKey = (0, (*b"q").into());
        assert_eq!(b.waiters_of(&q), vec![7, 3]);
        b.signal(0, b"q");
        b.signal(0, b"q");
        b.signal(0, b"none");
        assert_eq!(b.take_ready(), vec![q.clone()]);
        b.unblock(7, &first);
        assert_eq!(b.waiters_of(&q), vec![3]);
        b.unblock(3, &second);
        assert!(b.is_empty());
        assert!(b.waiters_of(&q).is_empty());
    }

    #[test]
    fn deadlines_in_order() {
        let mut b = Blocking::default();
        let now = Instant::now();
        let late = on(&["a"], Some(now + Duration::from_secs(5)));
        let soon = on(&["b"], Some(now + Duration::from_millis(10)));
        b.block(1, &late);
        b.block(2, &soon);
        b.block(3, &on(&["c"], None));
        assert_eq!(b.next_deadline(), soon.deadline);
        assert_eq!(b.timed_out(now + Duration::from_millis(20)), vec![2]);
        assert_eq!(b.timed_out(now + Duration::from_secs(6)), vec![2, 1]);
    }
}
