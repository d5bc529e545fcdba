//! WATCH: which clients watch which keys, and marking their transactions
//! dirty when a watched key is modified (optimistic locking for EXEC).
//!
//! As Redis 7.0: a key that had already expired when it was watched counts
//! as missing, so its deletion (lazy or active expiry, a flush) changes
//! nothing; writing it again does.

use super::blocking::WaitKey;
use super::Client;
use crate::store::db::Db;
use slab::Slab;
use std::collections::HashMap;

/// What a database holds under a key, as WATCH sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Presence {
    Missing,
    Live,
    /// Still stored, but past its expire time.
    Expired,
}

impl Presence {
    /// `key` in `db` at `now_ms`.
    pub fn of(db: &Db, key: &[u8], now_ms: u64) -> Presence {
        match db.peek(key) {
            None => Presence::Missing,
            Some(e) if e.is_expired(now_ms) => Presence::Expired,
            Some(_) => Presence::Live,
        }
    }

    fn stored(self) -> bool {
        self != Presence::Missing
    }
}

/// What a database holds under each key ([`Presence::of`] bound to one).
pub type PresenceIn<'a> = &'a dyn Fn(&[u8]) -> Presence;

/// Watched keys → the clients watching them.
#[derive(Default)]
pub struct Watches {
    by_key: HashMap<WaitKey, Vec<usize>>,
}

impl Watches {
    /// `client` watches `key` (idempotent).
    pub fn watch(&mut self, client: usize, key: WaitKey) {
        let clients = self.by_key.entry(key).or_default();
        if !clients.contains(&client) {
            clients.push(client);
        }
    }

    /// Forgets every watch of `client` (EXEC, DISCARD, UNWATCH, disconnect).
    pub fn unwatch_all(&mut self, client: usize, keys: &[WaitKey]) {
        for key in keys {
            if let Some(clients) = self.by_key.get_mut(key) {
                clients.retain(|&c| c != client);
                if clients.is_empty() {
                    self.by_key.remove(key);
                }
            }
        }
    }

    /// `key` in `db` was modified: the transactions watching it will fail.
    /// `stored()` tells whether the key is still stored after the change:
    /// the deletion of a key watched already expired changes nothing.
    pub fn touch(
        &self,
        clients: &mut Slab<Client>,
        db: usize,
        key: &[u8],
        stored: impl FnOnce() -> bool,
    ) {
        if self.by_key.is_empty() {
            return;
        }
        let wk = (db, Box::from(key));
        let Some(watchers) = self.by_key.get(&wk) else {
            return;
        };
        let mut stored = Some(stored);
        let mut is_stored = None;
        for &c in watchers {
            let Some(client) = clients.get_mut(c) else {
                continue;
            };
            if let Some(at) = client.watched_expired.iter().position(|k| *k == wk) {
                let now_stored = *is_stored.get_or_insert_with(|| (stored.take().unwrap())());
                if !now_stored {
                    client.watched_expired.swap_remove(at);
                    continue;
                }
            }
            client.watch_dirty = true;
        }
    }

    /// `db` is emptied (FLUSHDB, FLUSHALL, DEBUG RELOAD: `replaced_with`
    /// None) or swapped with another database (SWAPDB): fails the
    /// transactions watching a key of `db` that `emptied` holds, or that
    /// the database swapped in holds — as Redis 7.0's
    /// touchAllWatchedKeysInDb, where a watched key missing from both stays
    /// untouched, and expired keys count as missing.
    pub fn touch_db(
        &self,
        clients: &mut Slab<Client>,
        db: usize,
        emptied: PresenceIn,
        replaced_with: Option<PresenceIn>,
    ) {
        for (wk, watchers) in &self.by_key {
            if wk.0 != db {
                continue;
            }
            let before = emptied(&wk.1);
            let after = replaced_with.map_or(Presence::Missing, |f| f(&wk.1));
            if !before.stored() && !after.stored() {
                continue;
            }
            for &c in watchers {
                let Some(client) = clients.get_mut(c) else {
                    continue;
                };
                let at = client.watched_expired.iter().position(|k| k == wk);
                match (at, after) {
                    // Watched expired, gone or still expired: no change.
                    (Some(at), Presence::Missing) => {
                        client.watched_expired.swap_remove(at);
                        continue;
                    }
                    (Some(_), Presence::Expired) => continue,
                    // Missing, replaced by an expired key: still "missing".
                    (None, Presence::Expired) if !before.stored() => {
                        client.watched_expired.push(wk.clone());
                        continue;
                    }
                    _ => {}
                }
                client.watch_dirty = true;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Clients 0 and 1, client `c` watching `key` in db 0.
    fn setup(watches: &[(usize, &str, bool)]) -> (Watches, Slab<Client>) {
        let mut w = Watches::default();
        let mut clients = Slab::new();
        clients.insert(Client::detached(1, true));
        clients.insert(Client::detached(2, true));
        for &(c, key, expired) in watches {
            let wk: WaitKey = (0, Box::from(key.as_bytes()));
            if expired {
                clients[c].watched_expired.push(wk.clone());
            }
            clients[c].watched.push(wk.clone());
            w.watch(c, wk);
        }
        (w, clients)
    }

    #[test]
    fn flush_touches_only_keys_that_exist() {
        let (w, mut clients) = setup(&[(0, "there", false), (1, "missing", false)]);
        let emptied = |key: &[u8]| match key {
            b"there" => Presence::Live,
            _ => Presence::Missing,
        };
        w.touch_db(&mut clients, 0, &emptied, None);
        assert!(clients[0].watch_dirty);
        assert!(!clients[1].watch_dirty);
        w.touch_db(&mut clients, 1, &|_| Presence::Live, None);
        assert!(!clients[1].watch_dirty, "another database");
    }

    #[test]
    fn swap_touches_keys_in_either_database() {
        let (w, mut clients) = setup(&[(0, "k", false), (1, "gone", true)]);
        let other = |key: &[u8]| match key {
            b"k" => Presence::Live,
            _ => Presence::Missing,
        };
        w.touch_db(&mut clients, 0, &|_| Presence::Missing, Some(&other));
        assert!(clients[0].watch_dirty);
        // Watched expired and missing from both: nothing changed.
        assert!(!clients[1].watch_dirty);
    }

    #[test]
    fn deleting_a_key_watched_expired_is_no_change() {
        let (w, mut clients) = setup(&[(0, "k", true), (1, "k", false)]);
        w.touch(&mut clients, 0, b"k", || false);
        assert!(!clients[0].watch_dirty);
        assert!(clients[0].watched_expired.is_empty(), "now plainly missing");
        assert!(clients[1].watch_dirty);
        // Written again afterwards: a change.
        w.touch(&mut clients, 0, b"k", || true);
        assert!(clients[0].watch_dirty);
    }
}
