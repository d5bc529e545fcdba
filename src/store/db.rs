//! One database: 16384 segments (one per hash slot), each a small hash table
//! behind an `Arc`.
//!
//! A point-in-time view ([`Db::snapshot`]) clones the segment vector: O(segments),
//! not O(keys). Writes go through `Arc::make_mut`, so a segment is copied only
//! when a view still holds it, and only that segment. Reads never copy: the
//! LRU/LFU touch is skipped while a segment is shared. Small segments also
//! mean a table never rehashes more than a few hundred keys at once.

use super::entry::Entry;
use super::evict::{random_u64, AccessClock};
use super::slot::{key_slot, SLOTS};
use foldhash::fast::RandomState;
use hashbrown::HashTable;
use std::hash::BuildHasher;
use std::sync::Arc;

/// The keys of one hash slot.
#[derive(Clone, Default)]
pub struct Segment {
    table: HashTable<Entry>,
    volatile: usize,
}

impl Segment {
    /// Number of keys.
    pub fn len(&self) -> usize {
        self.table.len()
    }

    /// True when the segment holds no key.
    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    /// Number of keys with an expire time.
    pub fn volatile(&self) -> usize {
        self.volatile
    }

    /// Every entry, in table order.
    pub fn iter(&self) -> impl Iterator<Item = &Entry> + Clone {
        self.table.iter()
    }

    /// Bytes of the table itself (its slots and control bytes, used or
    /// not) and the segment's allocation: what Redis reports as the main
    /// dictionary's overhead, as opposed to the keys' and values' own heap.
    pub fn table_overhead(&self) -> usize {
        let slots = self.table.capacity();
        let table = if slots == 0 {
            0
        } else {
            slots * (std::mem::size_of::<Entry>() + 1) + 16
        };
        crate::alloc::charged_size(std::mem::size_of::<Segment>() + 16) + table
    }
}

/// A frozen, shareable view of a database (for snapshots).
#[derive(Clone)]
pub struct DbView {
    /// The segments as they were when the view was taken (None: empty).
    pub segments: Vec<Option<Arc<Segment>>>,
}

/// One logical database (SELECT n).
pub struct Db {
    segments: Vec<Option<Arc<Segment>>>,
    hasher: RandomState,
    keys: usize,
    volatile: usize,
    /// Estimated average TTL (ms) of the volatile keys, kept by the active
    /// expire cycle (INFO keyspace avg_ttl; 0 = no estimate).
    pub avg_ttl: u64,
    /// Keys found expired on access and deleted (INFO expired_keys).
    pub expired_on_access: u64,
    /// Keys deleted on access because they expired, not yet reported to the
    /// server (WATCH, notifications); dispatch drains it after each command.
    pub lazily_expired: Vec<Box<[u8]>>,
    /// CLIENT PAUSE is on: an expired key reads as absent but stays (the
    /// server deletes no key by itself during a pause, as Redis).
    pub hold_expired: bool,
    /// Log keys created in `new_keys` (keyspace events class `n`).
    pub log_new_keys: bool,
    /// Keys created since dispatch last drained them, for the `new` event.
    pub new_keys: Vec<Box<[u8]>>,
}

/// What one segment visit of the active expire cycle saw.
#[derive(Debug, Default)]
pub struct SegmentExpiry {
    /// Keys in the segment.
    pub examined: usize,
    /// Keys with an expire time among them (expired ones included).
    pub volatile: usize,
    /// Keys removed because they had expired.
    pub expired: Vec<Box<[u8]>>,
    /// Sum of the remaining TTLs (ms) of the volatile keys still alive...
    pub ttl_sum: u64,
    /// ...and how many they are.
    pub ttl_samples: u64,
}

impl Db {
    /// An empty database; its segment vector is allocated on the first write.
    pub fn new(hasher: RandomState) -> Db {
        Db {
            segments: Vec::new(),
            hasher,
            keys: 0,
            volatile: 0,
            avg_ttl: 0,
            expired_on_access: 0,
            lazily_expired: Vec::new(),
            hold_expired: false,
            log_new_keys: false,
            new_keys: Vec::new(),
        }
    }

    /// Number of keys (expired ones not yet removed included, as in Redis).
    pub fn len(&self) -> usize {
        self.keys
    }

    /// True when the database holds no key.
    pub fn is_empty(&self) -> bool {
        self.keys == 0
    }

    /// Number of keys with an expire time.
    pub fn volatile(&self) -> usize {
        self.volatile
    }

    /// Bytes of the keyspace's structure: the segment vector and each
    /// segment's table ([`Segment::table_overhead`]).
    pub fn table_overhead(&self) -> usize {
        self.segments.capacity() * std::mem::size_of::<Option<Arc<Segment>>>()
            + self
                .segments
                .iter()
                .flatten()
                .map(|segment| segment.table_overhead())
                .sum::<usize>()
    }

    /// Segment `slot`, if it holds anything.
    pub fn segment(&self, slot: usize) -> Option<&Segment> {
        self.segments.get(slot)?.as_deref()
    }

    #[inline]
    fn hash(&self, key: &[u8]) -> u64 {
        self.hasher.hash_one(key)
    }

    /// The entry of `key`, expired or not. Never copies, never touches.
    #[inline]
    pub fn peek(&self, key: &[u8]) -> Option<&Entry> {
        let seg = self.segments.get(key_slot(key))?.as_deref()?;
        seg.table.find(self.hash(key), |e| e.key() == key)
    }

    /// The live entry of `key`: an expired key is deleted and reported absent.
    /// Sets the entry's clock to `touch` unless a snapshot shares its segment.
    #[inline]
    pub fn get(&mut self, key: &[u8], now_ms: u64, touch: Option<AccessClock>) -> Option<&Entry> {
        let slot = key_slot(key);
        let hash = self.hash(key);
        let seg = self.segments.get_mut(slot)?.as_mut()?;
        let expired = seg.table.find(hash, |e| e.key() == key)?.is_expired(now_ms);
        if expired {
            if self.hold_expired {
                return None;
            }
            self.remove(key);
            self.expired_on_access += 1;
            self.lazily_expired.push(key.into());
            return None;
        }
        let seg = self.segments[slot].as_mut().unwrap();
        match touch {
            // Unshared: no snapshot holds the segment, so touching copies nothing.
            Some(clock) if Arc::strong_count(seg) == 1 => {
                let seg = Arc::get_mut(seg).expect("unshared segment");
                let e = seg.table.find_mut(hash, |e| e.key() == key).unwrap();
                e.set_clock(clock.touch(e.clock()));
                Some(e)
            }
            _ => seg.table.find(hash, |e| e.key() == key),
        }
    }

    /// True when `key` exists and is not expired (deleting it if it is).
    pub fn contains(&mut self, key: &[u8], now_ms: u64) -> bool {
        self.get(key, now_ms, None).is_some()
    }

    /// The live entry of `key` for writing (copies its segment if shared).
    pub fn get_mut(&mut self, key: &[u8], now_ms: u64) -> Option<&mut Entry> {
        if !self.contains(key, now_ms) {
            return None;
        }
        let hash = self.hash(key);
        let seg = Arc::make_mut(self.segments[key_slot(key)].as_mut().unwrap());
        seg.table.find_mut(hash, |e| e.key() == key)
    }

    /// Inserts `entry`, replacing any entry of the same key; returns the old one.
    pub fn insert(&mut self, entry: Entry) -> Option<Entry> {
        let key_for_log: Option<Box<[u8]>> = self.log_new_keys.then(|| entry.key().into());
        let slot = key_slot(entry.key());
        let hash = self.hash(entry.key());
        if self.segments.is_empty() {
            self.segments.resize(SLOTS, None);
        }
        let seg = Arc::make_mut(self.segments[slot].get_or_insert_with(Default::default));
        let new_volatile = entry.expire_at().is_some() as usize;
        let hasher = &self.hasher;
        let old = match seg.table.entry(
            hash,
            |e| e.key() == entry.key(),
            |e| hasher.hash_one(e.key()),
        ) {
            hashbrown::hash_table::Entry::Occupied(mut o) => {
                Some(std::mem::replace(o.get_mut(), entry))
            }
            hashbrown::hash_table::Entry::Vacant(v) => {
                v.insert(entry);
                None
            }
        };
        let old_volatile = old.as_ref().map_or(0, |e| e.expire_at().is_some() as usize);
        seg.volatile = seg.volatile + new_volatile - old_volatile;
        self.volatile = self.volatile + new_volatile - old_volatile;
        if old.is_none() {
            self.keys += 1;
            if let Some(key) = key_for_log {
                self.new_keys.push(key);
            }
        }
        old
    }

    /// Stores string `value` at `key` with `expire_at` (SET). When the key
    /// already holds a string of the same length and the same TTL presence, the
    /// entry is rewritten in place: no allocation, no free.
    pub fn set_string(&mut self, key: &[u8], value: &[u8], expire_at: Option<u64>, clock: u32) {
        let hash = self.hash(key);
        if let Some(arc) = self
            .segments
            .get_mut(key_slot(key))
            .and_then(Option::as_mut)
        {
            let seg = Arc::make_mut(arc);
            if let Some(e) = seg.table.find_mut(hash, |e| e.key() == key) {
                let same_shape = e.as_string().map(<[u8]>::len) == Some(value.len())
                    && e.expire_at().is_some() == expire_at.is_some();
                if same_shape {
                    e.set_string(value);
                    e.set_expire(expire_at);
                    e.set_clock(clock);
                    return;
                }
            }
        }
        self.insert(Entry::new_string(key, value, expire_at, clock));
    }

    /// Removes `key` whatever its expire time; returns its entry.
    pub fn remove(&mut self, key: &[u8]) -> Option<Entry> {
        let slot = key_slot(key);
        let hash = self.hash(key);
        let arc = self.segments.get_mut(slot)?.as_mut()?;
        arc.table.find(hash, |e| e.key() == key)?;
        let seg = Arc::make_mut(arc);
        let found = seg.table.find_entry(hash, |e| e.key() == key).ok()?;
        let (entry, _) = found.remove();
        if entry.expire_at().is_some() {
            seg.volatile -= 1;
            self.volatile -= 1;
        }
        if seg.table.is_empty() {
            self.segments[slot] = None;
        } else if seg.table.capacity() > 64 && seg.table.len() * 8 < seg.table.capacity() {
            seg.table.shrink_to_fit(|e| self.hasher.hash_one(e.key()));
        }
        self.keys -= 1;
        Some(entry)
    }

    /// Sets or clears the expire time of an existing `key`; false if absent.
    pub fn set_expire(&mut self, key: &[u8], expire_at: Option<u64>) -> bool {
        let hash = self.hash(key);
        let Some(arc) = self
            .segments
            .get_mut(key_slot(key))
            .and_then(|s| s.as_mut())
        else {
            return false;
        };
        if arc.table.find(hash, |e| e.key() == key).is_none() {
            return false;
        }
        let seg = Arc::make_mut(arc);
        let e = seg.table.find_mut(hash, |e| e.key() == key).unwrap();
        let was = e.expire_at().is_some() as usize;
        e.set_expire(expire_at);
        let now = expire_at.is_some() as usize;
        seg.volatile = seg.volatile + now - was;
        self.volatile = self.volatile + now - was;
        true
    }

    /// Empties the database, returning its segments so the caller may drop
    /// them elsewhere (FLUSHALL ASYNC).
    pub fn clear(&mut self) -> Vec<Option<Arc<Segment>>> {
        self.keys = 0;
        self.volatile = 0;
        self.avg_ttl = 0;
        std::mem::take(&mut self.segments)
    }

    /// A point-in-time view that later writes do not change. O(segments).
    pub fn snapshot(&self) -> DbView {
        DbView {
            segments: self.segments.clone(),
        }
    }

    /// Number of segment positions (0 while the database was never written).
    pub fn segment_count(&self) -> usize {
        self.segments.len()
    }

    /// Removes the expired keys of segment `slot`; says what it saw.
    pub fn expire_segment(&mut self, slot: usize, now_ms: u64) -> SegmentExpiry {
        let mut out = SegmentExpiry::default();
        let Some(seg) = self.segment(slot) else {
            return out;
        };
        if seg.volatile == 0 {
            return out;
        }
        out.examined = seg.len();
        for e in seg.iter() {
            let Some(at) = e.expire_at() else {
                continue;
            };
            out.volatile += 1;
            if at <= now_ms {
                out.expired.push(e.key().into());
            } else {
                out.ttl_sum += at - now_ms;
                out.ttl_samples += 1;
            }
        }
        for key in &out.expired {
            self.remove(key);
        }
        out
    }

    /// Every entry, expired ones included, segment by segment.
    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.segments.iter().flatten().flat_map(|seg| seg.iter())
    }

    /// One SCAN step: calls `f` on every entry of whole segments, from segment
    /// `cursor` on, until at least `count` entries were seen; returns the
    /// segment to resume at, or 0 when the walk is done.
    ///
    /// A key lives in the segment of its hash slot forever, and a segment is
    /// visited whole exactly once per walk, so a key present during the whole
    /// walk is reported, however the table grows or shrinks in between.
    pub fn scan(&self, cursor: usize, count: usize, mut f: impl FnMut(&Entry)) -> usize {
        let mut seen = 0;
        let mut slot = cursor;
        while slot < self.segments.len() && seen < count {
            if let Some(seg) = self.segments[slot].as_deref() {
                seg.iter().for_each(&mut f);
                seen += seg.len();
            }
            slot += 1;
        }
        if slot >= self.segments.len() {
            0
        } else {
            slot
        }
    }

    /// The key of a uniformly random entry (possibly expired), None when
    /// empty. O(segments): it counts its way to the n-th key; never copies.
    pub fn random_key(&self) -> Option<&[u8]> {
        if self.keys == 0 {
            return None;
        }
        let mut n = (random_u64() % self.keys as u64) as usize;
        for seg in self.segments.iter().flatten() {
            if n < seg.len() {
                return seg.iter().nth(n).map(Entry::key);
            }
            n -= seg.len();
        }
        None
    }

    /// Moves the entry of `from` to the key `to`, keeping its value, expire
    /// time and clock, replacing any entry `to` had; false if `from` is absent.
    pub fn rename(&mut self, from: &[u8], to: &[u8]) -> bool {
        let Some(entry) = self.remove(from) else {
            return false;
        };
        self.insert(entry.with_key(to));
        true
    }

    /// Exchanges the contents of two databases (SWAPDB).
    pub fn swap(&mut self, other: &mut Db) {
        std::mem::swap(&mut self.segments, &mut other.segments);
        std::mem::swap(&mut self.keys, &mut other.keys);
        std::mem::swap(&mut self.volatile, &mut other.volatile);
        std::mem::swap(&mut self.avg_ttl, &mut other.avg_ttl);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> Db {
        Db::new(RandomState::default())
    }

    fn put(db: &mut Db, k: &str, v: &str) {
        db.insert(Entry::new_string(k.as_bytes(), v.as_bytes(), None, 0));
    }

    #[test]
    fn insert_get_remove() {
        let mut db = db();
        put(&mut db, "a", "1");
        put(&mut db, "a", "2");
        assert_eq!(db.len(), 1);
        assert_eq!(db.get(b"a", 0, None).unwrap().as_string(), Some(&b"2"[..]));
        assert!(db.remove(b"a").is_some());
        assert!(db.remove(b"a").is_none());
        assert!(db.is_empty());
    }

    #[test]
    fn set_string_rewrites_in_place_or_replaces() {
        let mut db = db();
        db.set_string(b"k", b"abc", None, 1);
        db.set_string(b"k", b"xyz", None, 2);
        let e = db.peek(b"k").unwrap();
        assert_eq!((e.as_string(), e.clock()), (Some(&b"xyz"[..]), 2));
        db.set_string(b"k", b"longer", Some(50), 3);
        assert_eq!(db.volatile(), 1);
        db.set_string(b"k", b"other!", Some(60), 4);
        assert_eq!(db.peek(b"k").unwrap().expire_at(), Some(60));
        db.set_string(b"k", b"p", None, 5);
        assert_eq!(db.volatile(), 0);
        assert_eq!(db.len(), 1);
        assert_eq!(db.peek(b"k").unwrap().as_string(), Some(&b"p"[..]));
    }

    #[test]
    fn expired_keys_vanish_on_access() {
        let mut db = db();
        db.insert(Entry::new_string(b"k", b"v", Some(1000), 0));
        assert_eq!(db.volatile(), 1);
        assert!(db.get(b"k", 999, None).is_some());
        assert!(db.get(b"k", 1000, None).is_none());
        assert_eq!(db.len(), 0);
        assert_eq!(db.volatile(), 0);
    }

    #[test]
    fn set_expire_keeps_volatile_count() {
        let mut db = db();
        put(&mut db, "k", "v");
        assert!(db.set_expire(b"k", Some(5)));
        assert!(db.set_expire(b"k", Some(6)));
        assert_eq!(db.volatile(), 1);
        assert!(db.set_expire(b"k", None));
        assert_eq!(db.volatile(), 0);
        assert!(!db.set_expire(b"missing", Some(1)));
    }

    #[test]
    fn snapshot_sees_old_data_and_shares_untouched_segments() {
        let mut db = db();
        for i in 0..2000 {
            put(&mut db, &format!("key:{i}"), "old");
        }
        let view = db.snapshot();
        put(&mut db, "key:1", "new");
        db.remove(b"key:2");
        put(&mut db, "fresh", "x");

        let lookup = |view: &DbView, k: &[u8]| -> Option<Vec<u8>> {
            let seg = view.segments[key_slot(k)].as_ref()?;
            seg.iter()
                .find(|e| e.key() == k)
                .map(|e| e.as_string().unwrap().to_vec())
        };
        assert_eq!(lookup(&view, b"key:1").as_deref(), Some(&b"old"[..]));
        assert_eq!(lookup(&view, b"key:2").as_deref(), Some(&b"old"[..]));
        assert_eq!(lookup(&view, b"fresh"), None);
        assert_eq!(
            db.get(b"key:1", 0, None).unwrap().as_string(),
            Some(&b"new"[..])
        );

        let written = [key_slot(b"key:1"), key_slot(b"key:2"), key_slot(b"fresh")];
        let mut shared = 0;
        for slot in 0..SLOTS {
            if let (Some(a), Some(b)) = (&view.segments[slot], &db.segments[slot]) {
                if written.contains(&slot) {
                    assert!(!Arc::ptr_eq(a, b), "written segment {slot} must be copied");
                } else {
                    assert!(Arc::ptr_eq(a, b), "untouched segment {slot} must be shared");
                    shared += 1;
                }
            }
        }
        assert!(shared > 1000);
    }

    #[test]
    fn reads_do_not_copy_shared_segments() {
        let mut db = db();
        put(&mut db, "k", "v");
        let view = db.snapshot();
        db.get(b"k", 0, Some(AccessClock::Lru { now: 42 }));
        let slot = key_slot(b"k");
        assert!(Arc::ptr_eq(
            view.segments[slot].as_ref().unwrap(),
            db.segments[slot].as_ref().unwrap()
        ));
    }

    #[test]
    fn expire_segment_removes_only_expired() {
        let mut db = db();
        db.insert(Entry::new_string(b"{a}1", b"v", Some(10), 0));
        db.insert(Entry::new_string(b"{a}2", b"v", Some(100), 0));
        db.insert(Entry::new_string(b"{a}3", b"v", None, 0));
        let seen = db.expire_segment(key_slot(b"a"), 50);
        assert_eq!((seen.examined, seen.volatile), (3, 2));
        assert_eq!(seen.expired, vec![Box::from(&b"{a}1"[..])]);
        assert_eq!((seen.ttl_sum, seen.ttl_samples), (50, 1));
        assert_eq!(db.len(), 2);
        assert_eq!(db.volatile(), 1);
    }
    #[test]
    fn scan_visits_whole_segments_and_finishes_at_zero() {
        let mut db = db();
        assert_eq!(db.scan(0, 10, |_| {}), 0);
        for i in 0..1000 {
            put(&mut db, &format!("k{i}"), "v");
        }
        let mut seen = std::collections::HashSet::new();
        let mut cursor = 0;
        let mut calls = 0;
        loop {
            let mut batch = 0;
            cursor = db.scan(cursor, 10, |e| {
                seen.insert(e.key().to_vec());
                batch += 1;
            });
            calls += 1;
            assert!(batch >= 10 || cursor == 0);
            if cursor == 0 {
                break;
            }
        }
        assert_eq!(seen.len(), 1000);
        assert!(calls > 10);
        assert_eq!(db.scan(SLOTS + 5, 10, |_| panic!("past the end")), 0);
    }

    #[test]
    fn scan_reports_keys_present_throughout_while_others_come_and_go() {
        let mut db = db();
        for i in 0..500 {
            put(&mut db, &format!("stable{i}"), "v");
        }
        let mut seen = std::collections::HashSet::new();
        let mut cursor = 0;
        let mut round = 0;
        loop {
            cursor = db.scan(cursor, 5, |e| {
                seen.insert(e.key().to_vec());
            });
            for j in 0..50 {
                put(&mut db, &format!("churn{round}:{j}"), "v");
                db.remove(format!("churn{}:{j}", round.max(1) - 1).as_bytes());
            }
            round += 1;
            if cursor == 0 {
                break;
            }
        }
        for i in 0..500 {
            assert!(seen.contains(format!("stable{i}").as_bytes()), "stable{i}");
        }
    }

    #[test]
    fn random_key_and_entries() {
        let mut db = db();
        assert!(db.random_key().is_none());
        for i in 0..20 {
            put(&mut db, &format!("k{i}"), "v");
        }
        assert_eq!(db.entries().count(), 20);
        let mut picked = std::collections::HashSet::new();
        for _ in 0..1000 {
            let k = db.random_key().unwrap().to_vec();
            assert!(db.peek(&k).is_some());
            picked.insert(k);
        }
        assert_eq!(picked.len(), 20, "every key gets picked");
    }

    #[test]
    fn rename_keeps_expire_and_clock_and_replaces_target() {
        let mut db = db();
        db.insert(Entry::new_string(b"a", b"1", Some(500), 9));
        put(&mut db, "b", "2");
        assert!(db.rename(b"a", b"b"));
        assert!(!db.rename(b"a", b"c"));
        assert_eq!(db.len(), 1);
        assert_eq!(db.volatile(), 1);
        let b = db.peek(b"b").unwrap();
        assert_eq!(b.as_string(), Some(&b"1"[..]));
        assert_eq!((b.expire_at(), b.clock()), (Some(500), 9));
    }

    #[test]
    fn scan_and_random_key_do_not_copy_shared_segments() {
        let mut db = db();
        put(&mut db, "k", "v");
        let view = db.snapshot();
        db.scan(0, 100, |_| {});
        db.random_key();
        let slot = key_slot(b"k");
        assert!(Arc::ptr_eq(
            view.segments[slot].as_ref().unwrap(),
            db.segments[slot].as_ref().unwrap()
        ));
    }
}
