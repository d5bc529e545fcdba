//! The active expire cycle: removes expired keys nobody reads.
//!
//! Like Redis's activeExpireCycle, it visits keys with an expire time in a
//! round-robin over databases and segments, within a time budget per timer
//! tick, and keeps going while the keys it looks at are mostly expired (more
//! than 10% of a batch), so that memory held by expired keys stays small while
//! a tick never takes long.

use super::Store;
use std::time::{Duration, Instant};

/// Where the cycle resumes next tick.
#[derive(Default)]
pub struct ActiveExpire {
    db: usize,
    slot: usize,
}

/// How many volatile keys one batch looks at before deciding to go on.
const BATCH_KEYS: usize = 200;
/// Go on while more than this fraction (in %) of a batch was expired.
const ACCEPTABLE_STALE_PERCENT: usize = 10;

impl ActiveExpire {
    /// Runs one cycle for at most `budget`; returns the keys removed, with their db.
    pub fn run(&mut self, store: &mut Store, budget: Duration) -> Vec<(usize, Box<[u8]>)> {
        let start = Instant::now();
        let mut removed = Vec::new();
        let dbs = store.dbs.len();
        for _ in 0..dbs {
            if self.db >= dbs {
                self.db = 0;
            }
            let db = &mut store.dbs[self.db];
            let segments = db.segment_count();
            if db.volatile() == 0 || segments == 0 {
                self.db += 1;
                self.slot = 0;
                continue;
            }
            let mut examined = 0;
            let mut expired = 0;
            let mut visited = 0;
            loop {
                if self.slot >= segments {
                    self.slot = 0;
                }
                let (seen, keys) = db.expire_segment(self.slot, store.now_ms);
                self.slot += 1;
                visited += 1;
                examined += seen;
                expired += keys.len();
                removed.extend(keys.into_iter().map(|k| (self.db, k)));
                if examined >= BATCH_KEYS {
                    let mostly_fresh = expired * 100 <= examined * ACCEPTABLE_STALE_PERCENT;
                    if mostly_fresh || start.elapsed() > budget {
                        break;
                    }
                    examined = 0;
                    expired = 0;
                }
                if visited >= segments || db.volatile() == 0 {
                    break;
                }
                if visited % 256 == 0 && start.elapsed() > budget {
                    break;
                }
            }
            if start.elapsed() > budget {
                break;
            }
            self.db += 1;
        }
        store.expired_active += removed.len() as u64;
        removed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Entry;

    #[test]
    fn removes_expired_keys_without_access() {
        let mut store = Store::new(2);
        for i in 0..5000 {
            let key = format!("k{i}");
            let at = if i % 2 == 0 { Some(100) } else { None };
            store.dbs[i % 2].insert(Entry::new_string(key.as_bytes(), b"v", at, 0));
        }
        store.now_ms = 200;
        let mut cycle = ActiveExpire::default();
        let mut total = 0;
        for _ in 0..100 {
            total += cycle.run(&mut store, Duration::from_millis(25)).len();
            if store.dbs[0].is_empty() {
                break;
            }
        }
        assert_eq!(total, 2500);
        assert!(store.dbs[0].is_empty());
        assert_eq!(store.dbs[1].len(), 2500);
        assert_eq!(store.expired_keys(), 2500);
    }

    #[test]
    fn leaves_unexpired_keys() {
        let mut store = Store::new(1);
        store.dbs[0].insert(Entry::new_string(b"k", b"v", Some(1000), 0));
        store.now_ms = 999;
        let mut cycle = ActiveExpire::default();
        assert!(cycle.run(&mut store, Duration::from_millis(5)).is_empty());
        assert_eq!(store.dbs[0].len(), 1);
    }
}
