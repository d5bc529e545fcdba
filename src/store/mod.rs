//! The dataset: databases of hash-slot segments, entries, expiry and eviction.
//! The event loop owns the one `Store`; nothing here locks.

pub mod db;
pub mod entry;
pub(crate) mod evict;
pub(crate) mod expire;
pub(crate) mod glob;
pub(crate) mod slot;
pub(crate) mod thin;
pub(crate) mod varint;

pub use db::{Db, DbView};
pub use entry::{Entry, Value};
pub use evict::AccessClock;

use crate::types::{Object, ObjectType, WrongType};

use foldhash::fast::RandomState;

/// All databases plus the per-command context lookups need.
pub struct Store {
    /// The databases, SELECT's index into this.
    pub dbs: Vec<Db>,
    /// Current time in unix milliseconds, set by the loop before each batch.
    pub now_ms: u64,
    /// How a read updates an entry's LRU/LFU clock.
    pub access: AccessClock,
    /// Lookups that found a live key (INFO keyspace_hits).
    pub hits: u64,
    /// Lookups that found nothing (INFO keyspace_misses).
    pub misses: u64,
    /// Keys removed by the active expire cycle.
    pub expired_active: u64,
    /// Keys removed by eviction.
    pub evicted: u64,
    /// The active expire cycle's INFO counters.
    pub expire_stats: expire::ExpireStats,
    /// Log read misses in `missed_keys` (keyspace events class `m`).
    pub log_misses: bool,
    /// Keys read lookups missed, for the keymiss event; dispatch drains it.
    pub missed_keys: Vec<Box<[u8]>>,
}

impl Store {
    /// `databases` empty databases.
    pub fn new(databases: usize) -> Store {
        let hasher = RandomState::default();
        Store {
            dbs: (0..databases).map(|_| Db::new(hasher)).collect(),
            now_ms: 0,
            access: AccessClock::Lru { now: 0 },
            hits: 0,
            misses: 0,
            expired_active: 0,
            evicted: 0,
            expire_stats: expire::ExpireStats::default(),
            log_misses: false,
            missed_keys: Vec::new(),
        }
    }

    /// Bytes of every database's keyspace structure (INFO memory counts
    /// them as overhead, not dataset).
    pub fn keyspace_overhead(&self) -> usize {
        self.dbs.iter().map(Db::table_overhead).sum()
    }

    /// A read lookup: lazy expiry, LRU/LFU touch, hit/miss counting.
    #[inline]
    pub fn read(&mut self, db: usize, key: &[u8]) -> Option<&Entry> {
        let found = self.dbs[db].get(key, self.now_ms, Some(self.access));
        if found.is_some() {
            self.hits += 1;
        } else {
            self.misses += 1;
            if self.log_misses {
                self.missed_keys.push(key.into());
            }
        }
        found
    }

    /// A read lookup that leaves the LRU/LFU clock alone (TTL, TYPE, OBJECT):
    /// lazy expiry and hit/miss counting only.
    #[inline]
    pub fn read_notouch(&mut self, db: usize, key: &[u8]) -> Option<&Entry> {
        let found = self.dbs[db].get(key, self.now_ms, None);
        if found.is_some() {
            self.hits += 1;
        } else {
            self.misses += 1;
            if self.log_misses {
                self.missed_keys.push(key.into());
            }
        }
        found
    }

    /// A random live key of `db`; expired keys met on the way are deleted.
    /// Where expired keys are held rather than deleted (a replica, a pause),
    /// an expired key is returned after 100 tries, as Redis does, instead of
    /// looping forever over a database whose keys all expired.
    pub fn random_key(&mut self, db: usize) -> Option<Box<[u8]>> {
        let mut tries = 0;
        loop {
            let key: Box<[u8]> = self.dbs[db].random_key()?.into();
            if self.dbs[db].contains(&key, self.now_ms) {
                return Some(key);
            }
            tries += 1;
            if self.dbs[db].hold_expired && tries >= 100 {
                return Some(key);
            }
        }
    }

    /// A write lookup: lazy expiry, no stats, the entry mutable.
    #[inline]
    pub fn write(&mut self, db: usize, key: &[u8]) -> Option<&mut Entry> {
        self.dbs[db].get_mut(key, self.now_ms)
    }

    /// Read lookup of a typed value: `Ok(None)` when the key is missing,
    /// `Err(WrongType)` when it holds another type.
    pub fn read_typed<T: ObjectType>(
        &mut self,
        db: usize,
        key: &[u8],
    ) -> Result<Option<&T>, WrongType> {
        match self.read(db, key) {
            None => Ok(None),
            Some(e) => e
                .object()
                .and_then(T::from_object)
                .map(Some)
                .ok_or(WrongType),
        }
    }

    /// Write lookup of a typed value (see `read_typed`).
    pub fn write_typed<T: ObjectType>(
        &mut self,
        db: usize,
        key: &[u8],
    ) -> Result<Option<&mut T>, WrongType> {
        match self.write(db, key) {
            None => Ok(None),
            Some(e) => e
                .object_mut()
                .and_then(T::from_object_mut)
                .map(Some)
                .ok_or(WrongType),
        }
    }

    /// The typed value at `key`, created empty when the key is missing (LPUSH,
    /// SADD, HSET, ZADD...); `Err(WrongType)` when it holds another type.
    pub fn write_or_create<T: ObjectType>(
        &mut self,
        db: usize,
        key: &[u8],
    ) -> Result<&mut T, WrongType> {
        if !self.exists(db, key) {
            let clock = self.new_clock();
            self.dbs[db].insert(Entry::new_object(
                key,
                T::default().into_object(),
                None,
                clock,
            ));
        }
        self.write_typed::<T>(db, key)
            .map(|v| v.expect("just created"))
    }

    /// Deletes `key` when it holds an empty collection (after a pop or a
    /// removal), as Redis never keeps empty ones; true if it did.
    pub fn remove_if_empty(&mut self, db: usize, key: &[u8]) -> bool {
        let empty = self.dbs[db]
            .peek(key)
            .and_then(Entry::object)
            .is_some_and(Object::is_empty);
        if empty {
            self.dbs[db].remove(key);
        }
        empty
    }

    /// True when `key` exists and is live (no stats, no touch).
    #[inline]
    pub fn exists(&mut self, db: usize, key: &[u8]) -> bool {
        self.dbs[db].contains(key, self.now_ms)
    }

    /// The clock a newly written entry starts with.
    #[inline]
    pub fn new_clock(&self) -> u32 {
        self.access.initial()
    }

    /// A point-in-time view of every database (for a background save).
    pub fn snapshot(&self) -> Vec<db::DbView> {
        self.dbs.iter().map(|db| db.snapshot()).collect()
    }

    /// Total keys over all databases.
    pub fn total_keys(&self) -> usize {
        self.dbs.iter().map(Db::len).sum()
    }

    /// Keys removed because they expired (on access or by the active cycle).
    pub fn expired_keys(&self) -> u64 {
        self.expired_active + self.dbs.iter().map(|d| d.expired_on_access).sum::<u64>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_key_skips_and_deletes_expired_keys() {
        let mut store = Store::new(1);
        assert!(store.random_key(0).is_none());
        for i in 0..50 {
            let key = format!("dead{i}");
            store.dbs[0].insert(Entry::new_string(key.as_bytes(), b"v", Some(10), 0));
        }
        store.dbs[0].insert(Entry::new_string(b"live", b"v", None, 0));
        store.now_ms = 100;
        assert_eq!(store.random_key(0).as_deref(), Some(&b"live"[..]));
        store.dbs[0].remove(b"live");
        assert!(store.random_key(0).is_none());
        assert!(store.dbs[0].is_empty());
    }

    #[test]
    fn read_notouch_counts_but_keeps_the_clock() {
        let mut store = Store::new(1);
        store.dbs[0].insert(Entry::new_string(b"k", b"v", None, 7));
        store.access = AccessClock::Lru { now: 99 };
        assert_eq!(store.read_notouch(0, b"k").unwrap().clock(), 7);
        assert!(store.read_notouch(0, b"x").is_none());
        assert_eq!((store.hits, store.misses), (1, 1));
        assert_eq!(store.read(0, b"k").unwrap().clock(), 99);
    }
}

#[cfg(test)]
mod typed_access_tests {
    use super::*;
    use crate::types::{Hash, List};

    #[test]
    fn typed_access_creates_checks_type_and_removes_empty() {
        let mut store = Store::new(1);
        store.dbs[0].insert(Entry::new_string(b"s", b"v", None, 0));
        assert_eq!(store.read_typed::<List>(0, b"s").err(), Some(WrongType));
        assert_eq!(
            store.write_or_create::<List>(0, b"s").err(),
            Some(WrongType)
        );
        assert!(store.read_typed::<List>(0, b"l").unwrap().is_none());
        assert!(store.write_or_create::<List>(0, b"l").is_ok());
        assert_eq!(store.dbs[0].peek(b"l").unwrap().type_name(), "list");
        assert_eq!(store.read_typed::<Hash>(0, b"l").err(), Some(WrongType));
        assert!(store.read_typed::<List>(0, b"l").unwrap().is_some());
        assert!(store.remove_if_empty(0, b"l"));
        assert!(!store.remove_if_empty(0, b"s"));
        assert_eq!(store.dbs[0].len(), 1);
    }
}
