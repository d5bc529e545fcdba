//! WATCH: which clients watch which keys, and marking their transactions
//! dirty when a watched key is modified (optimistic locking for EXEC).

use super::blocking::WaitKey;
use super::Client;
use slab::Slab;
use std::collections::HashMap;

/// Watched keys → the clients watching them.
#[derive(Default)]
pub struct Watches {
    by_key: HashMap<WaitKey, Vec<usize>>,
}

impl Watches {
    /// True when nobody watches anything (the common case).
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }

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
    pub fn touch(&self, clients: &mut Slab<Client>, db: usize, key: &[u8]) {
        if self.by_key.is_empty() {
            return;
        }
        if let Some(watchers) = self.by_key.get(&(db, Box::from(key))) {
            for &c in watchers {
                if let Some(client) = clients.get_mut(c) {
                    client.watch_dirty = true;
                }
            }
        }
    }

    /// Every watched key of `db` was modified (FLUSHDB, FLUSHALL, SWAPDB).
    pub fn touch_db(&self, clients: &mut Slab<Client>, db: usize) {
        for ((key_db, _), watchers) in &self.by_key {
            if *key_db == db {
                for &c in watchers {
                    if let Some(client) = clients.get_mut(c) {
                        client.watch_dirty = true;
                    }
                }
            }
        }
    }
}
