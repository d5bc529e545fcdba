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

/// The cycle's counters for INFO stats (Redis's names).
#[derive(Clone, Debug, Default)]
pub struct ExpireStats {
    /// Running estimate of the share of sampled volatile keys found expired
    /// (0..1; expired_stale_perc shows it in %).
    pub stale_perc: f64,
    /// Cycles that stopped because their time budget ran out.
    pub time_cap_reached_count: u64,
    /// Time spent in the cycle, µs (expire_cycle_cpu_milliseconds / 1000).
    pub cycle_usec: u64,
}

/// How many volatile keys one batch looks at before deciding to go on.
const BATCH_KEYS: usize = 200;
/// Go on while more than this fraction (in %) of a batch was expired.
const ACCEPTABLE_STALE_PERCENT: usize = 10;
/// Live TTLs per avg_ttl update (Redis's ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP:
/// one update per sampling loop of 20 keys).
const TTL_SAMPLES_PER_UPDATE: u64 = 20;

/// Folds a sample mean into a database's avg_ttl as Redis's
/// activeExpireCycle does: the first sample is taken as it is, then each
/// new one weighs 2% against 98% for the estimate.
pub fn update_avg_ttl(avg_ttl: &mut u64, sample_mean: u64) {
    if *avg_ttl == 0 {
        *avg_ttl = sample_mean;
    }
    *avg_ttl = (*avg_ttl / 50) * 49 + sample_mean / 50;
}

/// Live TTLs seen in the current database, not yet folded into its avg_ttl.
#[derive(Default)]
struct TtlSamples {
    sum: u64,
    count: u64,
}

impl TtlSamples {
    /// Folds the pending samples into `avg_ttl` once there are enough of
    /// them, or whatever there is when `flush`.
    fn fold(&mut self, avg_ttl: &mut u64, flush: bool) {
        if self.count >= TTL_SAMPLES_PER_UPDATE || (flush && self.count > 0) {
            update_avg_ttl(avg_ttl, self.sum / self.count);
            *self = TtlSamples::default();
        }
    }
}

impl ActiveExpire {
    /// Runs one cycle for at most `budget`; returns the keys removed, with
    /// their db. Updates each visited database's avg_ttl and the store's
    /// expire statistics.
    pub fn run(&mut self, store: &mut Store, budget: Duration) -> Vec<(usize, Box<[u8]>)> {
        let start = Instant::now();
        let mut removed = Vec::new();
        let (mut volatile_seen, mut volatile_expired) = (0usize, 0usize);
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
            let mut ttls = TtlSamples::default();
            loop {
                if self.slot >= segments {
                    self.slot = 0;
                }
                let seen = db.expire_segment(self.slot, store.now_ms);
                self.slot += 1;
                visited += 1;
                examined += seen.examined;
                expired += seen.expired.len();
                volatile_seen += seen.volatile;
                volatile_expired += seen.expired.len();
                ttls.sum += seen.ttl_sum;
                ttls.count += seen.ttl_samples;
                ttls.fold(&mut db.avg_ttl, false);
                removed.extend(seen.expired.into_iter().map(|k| (self.db, k)));
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
            ttls.fold(&mut db.avg_ttl, true);
            if start.elapsed() > budget {
                store.expire_stats.time_cap_reached_count += 1;
                break;
            }
            self.db += 1;
        }
        let stats = &mut store.expire_stats;
        stats.cycle_usec += start.elapsed().as_micros() as u64;
        // Redis's running estimate: this cycle's share counts 5%.
        let current = if volatile_seen > 0 {
            volatile_expired as f64 / volatile_seen as f64
        } else {
            0.0
        };
        stats.stale_perc = current * 0.05 + stats.stale_perc * 0.95;
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
    fn avg_ttl_starts_at_the_first_sample_then_moves_two_percent() {
        let mut avg = 0;
        update_avg_ttl(&mut avg, 10_000);
        assert_eq!(avg, 10_000);
        update_avg_ttl(&mut avg, 0);
        assert_eq!(avg, 9_800);
        update_avg_ttl(&mut avg, 109_800);
        assert_eq!(avg, 9_800 / 50 * 49 + 109_800 / 50);
    }

    #[test]
    fn the_cycle_estimates_avg_ttl_per_database() {
        let mut store = Store::new(3);
        store.now_ms = 1_000_000;
        for i in 0..1000u64 {
            let key = format!("k{i}");
            // db 0: TTLs 50..150 s (mean ~100 s); db 1: 10 s; db 2: none.
            let ttl0 = 50_000 + (i % 100) * 1000;
            store.dbs[0].insert(Entry::new_string(
                key.as_bytes(),
                b"v",
                Some(1_000_000 + ttl0),
                0,
            ));
            store.dbs[1].insert(Entry::new_string(key.as_bytes(), b"v", Some(1_010_000), 0));
            store.dbs[2].insert(Entry::new_string(key.as_bytes(), b"v", None, 0));
        }
        let mut cycle = ActiveExpire::default();
        for _ in 0..20 {
            cycle.run(&mut store, Duration::from_millis(25));
        }
        let avg0 = store.dbs[0].avg_ttl;
        assert!((90_000..=110_000).contains(&avg0), "{avg0}");
        let avg1 = store.dbs[1].avg_ttl;
        assert!((9_500..=10_000).contains(&avg1), "{avg1}");
        assert_eq!(store.dbs[2].avg_ttl, 0);
        // FLUSHDB forgets the estimate; SWAPDB moves it with the data.
        let (a, b) = store.dbs.split_at_mut(1);
        a[0].swap(&mut b[0]);
        assert_eq!((store.dbs[0].avg_ttl, store.dbs[1].avg_ttl), (avg1, avg0));
        store.dbs[0].clear();
        assert_eq!(store.dbs[0].avg_ttl, 0);
        assert_eq!(store.expire_stats.stale_perc, 0.0);
    }

    #[test]
    fn stale_perc_follows_expired_share() {
        let mut store = Store::new(1);
        for i in 0..100 {
            let key = format!("k{i}");
            store.dbs[0].insert(Entry::new_string(key.as_bytes(), b"v", Some(100), 0));
        }
        store.now_ms = 200;
        ActiveExpire::default().run(&mut store, Duration::from_millis(25));
        // Everything sampled had expired: 5% of 100%.
        assert!((store.expire_stats.stale_perc - 0.05).abs() < 1e-9);
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
