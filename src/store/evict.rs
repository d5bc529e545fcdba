//! maxmemory eviction, as Redis does it: sample keys, keep the best candidates
//! in a small pool across calls, evict the best (LRU: longest idle; LFU: least
//! frequently used; TTL: nearest expiry), or pick at random.
//!
//! An entry's 32-bit clock holds, under LRU policies, the millisecond time of
//! its last access (mod 2^32); under LFU policies, Redis's layout: the minutes
//! of its last decrement (16 bits) over a logarithmic access counter (8 bits).

use super::{slot::SLOTS, Store};
use std::cell::Cell;

/// maxmemory-policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    NoEviction,
    AllKeysLru,
    VolatileLru,
    AllKeysLfu,
    VolatileLfu,
    AllKeysRandom,
    VolatileRandom,
    VolatileTtl,
}

impl Policy {
    /// Every policy with its configuration name.
    pub const NAMES: [(&'static str, Policy); 8] = [
        ("noeviction", Policy::NoEviction),
        ("allkeys-lru", Policy::AllKeysLru),
        ("volatile-lru", Policy::VolatileLru),
        ("allkeys-lfu", Policy::AllKeysLfu),
        ("volatile-lfu", Policy::VolatileLfu),
        ("allkeys-random", Policy::AllKeysRandom),
        ("volatile-random", Policy::VolatileRandom),
        ("volatile-ttl", Policy::VolatileTtl),
    ];

    /// The configuration name.
    pub fn name(self) -> &'static str {
        Self::NAMES.iter().find(|(_, p)| *p == self).unwrap().0
    }

    /// Parses a configuration name (case-insensitive).
    pub fn parse(s: &str) -> Option<Policy> {
        Self::NAMES
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(s))
            .map(|(_, p)| *p)
    }

    /// True for policies that only evict keys with an expire time.
    pub fn volatile_only(self) -> bool {
        matches!(
            self,
            Policy::VolatileLru
                | Policy::VolatileLfu
                | Policy::VolatileRandom
                | Policy::VolatileTtl
        )
    }

    /// True for the LFU policies (the entry clock is a frequency counter).
    pub fn is_lfu(self) -> bool {
        matches!(self, Policy::AllKeysLfu | Policy::VolatileLfu)
    }
}

/// Counter value of a new key under LFU (Redis's LFU_INIT_VAL).
const LFU_INIT: u32 = 5;

/// How an access updates an entry's clock.
#[derive(Clone, Copy, Debug)]
pub enum AccessClock {
    /// Record the access time (ms, wrapping).
    Lru { now: u32 },
    /// Decay then increment the logarithmic counter.
    Lfu {
        minutes: u16,
        log_factor: u32,
        decay_time: u32,
    },
}

impl AccessClock {
    /// The clock for the given time and policy.
    pub fn for_policy(policy: Policy, now_ms: u64, log_factor: u32, decay_time: u32) -> Self {
        if policy.is_lfu() {
            AccessClock::Lfu {
                minutes: (now_ms / 60_000) as u16,
                log_factor,
                decay_time,
            }
        } else {
            AccessClock::Lru { now: now_ms as u32 }
        }
    }

    /// The clock of a key written now.
    pub fn initial(&self) -> u32 {
        match *self {
            AccessClock::Lru { now } => now,
            AccessClock::Lfu { minutes, .. } => ((minutes as u32) << 8) | LFU_INIT,
        }
    }

    /// The clock after an access, given the clock before.
    pub fn touch(&self, old: u32) -> u32 {
        match *self {
            AccessClock::Lru { now } => now,
            AccessClock::Lfu {
                minutes,
                log_factor,
                decay_time,
            } => {
                let counter = lfu_decayed(old, minutes, decay_time);
                let counter = lfu_log_incr(counter, log_factor);
                ((minutes as u32) << 8) | counter
            }
        }
    }
}

/// The LFU counter of `clock` after decaying one step per `decay_time` minutes.
pub fn lfu_decayed(clock: u32, now_minutes: u16, decay_time: u32) -> u32 {
    let last = (clock >> 8) as u16;
    let counter = clock & 0xff;
    let elapsed = now_minutes.wrapping_sub(last) as u32;
    let periods = elapsed.checked_div(decay_time).unwrap_or(0);
    counter.saturating_sub(periods)
}

fn lfu_log_incr(counter: u32, log_factor: u32) -> u32 {
    if counter >= 255 {
        return 255;
    }
    let base = counter.saturating_sub(LFU_INIT) as f64;
    let p = 1.0 / (base * log_factor as f64 + 1.0);
    if random_f64() < p {
        counter + 1
    } else {
        counter
    }
}

thread_local! {
    static RNG: Cell<u64> = const { Cell::new(0x9E37_79B9_7F4A_7C15) };
}

/// A fast non-cryptographic random number (xorshift64*).
pub fn random_u64() -> u64 {
    RNG.with(|r| {
        let mut x = r.get();
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        r.set(x);
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    })
}

fn random_f64() -> f64 {
    (random_u64() >> 11) as f64 / (1u64 << 53) as f64
}

/// How many candidates the pool keeps (Redis's EVPOOL_SIZE).
const POOL_SIZE: usize = 16;

struct Candidate {
    score: u64,
    db: usize,
    key: Box<[u8]>,
}

/// Eviction state kept across calls: the candidate pool.
#[derive(Default)]
pub struct Evictor {
    /// Sorted by score, best (highest) last.
    pool: Vec<Candidate>,
}

/// Settings eviction reads.
#[derive(Clone, Copy, Debug)]
pub struct EvictionConfig {
    pub policy: Policy,
    pub samples: usize,
    pub decay_time: u32,
}

impl Evictor {
    /// Chooses one key to evict under `cfg` and deletes it; returns its db and
    /// key, or None when no key qualifies.
    pub fn evict_one(
        &mut self,
        store: &mut Store,
        cfg: &EvictionConfig,
    ) -> Option<(usize, Box<[u8]>)> {
        let victim = match cfg.policy {
            Policy::NoEviction => None,
            Policy::AllKeysRandom | Policy::VolatileRandom => {
                random_victim(store, cfg.policy.volatile_only())
            }
            _ => self.pool_victim(store, cfg),
        }?;
        store.dbs[victim.0].remove(&victim.1)?;
        store.evicted += 1;
        Some(victim)
    }

    fn pool_victim(
        &mut self,
        store: &mut Store,
        cfg: &EvictionConfig,
    ) -> Option<(usize, Box<[u8]>)> {
        let volatile_only = cfg.policy.volatile_only();
        for _attempt in 0..16 {
            for db_index in 0..store.dbs.len() {
                let db = &store.dbs[db_index];
                let available = if volatile_only {
                    db.volatile()
                } else {
                    db.len()
                };
                if available > 0 {
                    self.sample_into_pool(store, db_index, cfg);
                }
            }
            while let Some(best) = self.pool.pop() {
                let db = &store.dbs[best.db];
                if let Some(e) = db.peek(&best.key) {
                    if !volatile_only || e.expire_at().is_some() {
                        return Some((best.db, best.key));
                    }
                }
            }
        }
        None
    }

    fn sample_into_pool(&mut self, store: &Store, db_index: usize, cfg: &EvictionConfig) {
        let db = &store.dbs[db_index];
        let volatile_only = cfg.policy.volatile_only();
        let now = store.now_ms;
        let mut taken = 0;
        let mut tries = 0;
        while taken < cfg.samples && tries < SLOTS {
            tries += 1;
            let slot = (random_u64() % SLOTS as u64) as usize;
            let Some(seg) = db.segment(slot) else {
                continue;
            };
            if volatile_only && seg.volatile() == 0 {
                continue;
            }
            let skip = (random_u64() % seg.len() as u64) as usize;
            for e in seg.iter().cycle().skip(skip).take(seg.len()) {
                if taken >= cfg.samples {
                    break;
                }
                let Some(_) = e.expire_at().or(if volatile_only { None } else { Some(0) }) else {
                    continue;
                };
                taken += 1;
                let score = match cfg.policy {
                    Policy::AllKeysLfu | Policy::VolatileLfu => {
                        let minutes = (now / 60_000) as u16;
                        255 - lfu_decayed(e.clock(), minutes, cfg.decay_time) as u64
                    }
                    Policy::VolatileTtl => u64::MAX - e.expire_at().unwrap_or(u64::MAX),
                    _ => (now as u32).wrapping_sub(e.clock()) as u64,
                };
                self.offer(score, db_index, e.key());
            }
        }
    }

    fn offer(&mut self, score: u64, db: usize, key: &[u8]) {
        if self.pool.len() >= POOL_SIZE && score <= self.pool[0].score {
            return;
        }
        if self.pool.iter().any(|c| c.db == db && &*c.key == key) {
            return;
        }
        let at = self.pool.partition_point(|c| c.score < score);
        self.pool.insert(
            at,
            Candidate {
                score,
                db,
                key: key.into(),
            },
        );
        if self.pool.len() > POOL_SIZE {
            self.pool.remove(0);
        }
    }
}

fn random_victim(store: &Store, volatile_only: bool) -> Option<(usize, Box<[u8]>)> {
    for (db_index, db) in store.dbs.iter().enumerate() {
        let available = if volatile_only {
            db.volatile()
        } else {
            db.len()
        };
        if available == 0 {
            continue;
        }
        let start = (random_u64() % SLOTS as u64) as usize;
        for i in 0..SLOTS {
            let Some(seg) = db.segment((start + i) % SLOTS) else {
                continue;
            };
            let candidates: Vec<_> = seg
                .iter()
                .filter(|e| !volatile_only || e.expire_at().is_some())
                .collect();
            if candidates.is_empty() {
                continue;
            }
            let pick = candidates[(random_u64() % candidates.len() as u64) as usize];
            return Some((db_index, pick.key().into()));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Entry;

    #[test]
    fn policy_names_round_trip() {
        for (name, p) in Policy::NAMES {
            assert_eq!(Policy::parse(name), Some(p));
            assert_eq!(p.name(), name);
        }
        assert_eq!(Policy::parse("ALLKEYS-LRU"), Some(Policy::AllKeysLru));
        assert_eq!(Policy::parse("lru"), None);
    }

    #[test]
    fn lfu_counter_grows_slowly_and_decays() {
        let clock = AccessClock::Lfu {
            minutes: 100,
            log_factor: 10,
            decay_time: 1,
        };
        let mut c = clock.initial();
        for _ in 0..1000 {
            c = clock.touch(c);
        }
        let counter = c & 0xff;
        assert!(counter > 5 && counter < 40, "counter {counter}");
        assert_eq!(lfu_decayed(c, 103, 1), counter - 3);
    }

    #[test]
    fn volatile_policies_never_evict_persistent_keys() {
        let mut store = Store::new(1);
        store.dbs[0].insert(Entry::new_string(b"p", b"v", None, 0));
        store.dbs[0].insert(Entry::new_string(b"v", b"v", Some(u64::MAX - 1), 0));
        let mut ev = Evictor::default();
        for policy in [
            Policy::VolatileLru,
            Policy::VolatileTtl,
            Policy::VolatileRandom,
        ] {
            let cfg = EvictionConfig {
                policy,
                samples: 5,
                decay_time: 1,
            };
            let mut fresh = Store::new(1);
            fresh.dbs[0].insert(Entry::new_string(b"p", b"v", None, 0));
            assert_eq!(ev.evict_one(&mut fresh, &cfg), None);
        }
        let cfg = EvictionConfig {
            policy: Policy::VolatileLru,
            samples: 5,
            decay_time: 1,
        };
        assert_eq!(ev.evict_one(&mut store, &cfg).unwrap().1.as_ref(), b"v");
        assert_eq!(store.dbs[0].len(), 1);
    }

    /// Zipf-distributed accesses over a cache holding a fifth of the keys:
    /// sampled LRU with a pool (5 samples) must hit within a few percent of
    /// exact LRU.
    #[test]
    fn sampled_lru_hit_ratio_is_close_to_exact_lru() {
        use std::collections::{BTreeMap, HashMap};
        let keys = 10_000usize;
        let capacity = 2_000usize;
        let accesses = 200_000usize;
        // Zipf(1.0) sampler by inverse CDF.
        let weights: Vec<f64> = (1..=keys).map(|r| 1.0 / r as f64).collect();
        let total: f64 = weights.iter().sum();
        let mut cdf = Vec::with_capacity(keys);
        let mut acc = 0.0;
        for w in &weights {
            acc += w / total;
            cdf.push(acc);
        }
        let mut trace = Vec::with_capacity(accesses);
        for _ in 0..accesses {
            let u = random_f64();
            let rank = cdf.partition_point(|&c| c < u).min(keys - 1);
            // Scatter ranks over key names so hot keys are not neighbours.
            trace.push((rank * 7919) % keys);
        }

        // Exact LRU.
        let mut last_use: HashMap<usize, usize> = HashMap::new();
        let mut by_time: BTreeMap<usize, usize> = BTreeMap::new();
        let mut exact_hits = 0;
        for (t, &k) in trace.iter().enumerate() {
            if let Some(old) = last_use.insert(k, t) {
                by_time.remove(&old);
                exact_hits += 1;
            } else if last_use.len() > capacity {
                let (&oldest_t, &oldest_k) = by_time.iter().next().unwrap();
                by_time.remove(&oldest_t);
                last_use.remove(&oldest_k);
            }
            by_time.insert(t, k);
        }

        // Sampled LRU on the real store; the clock is the access index.
        let mut store = Store::new(1);
        let mut ev = Evictor::default();
        let cfg = EvictionConfig {
            policy: Policy::AllKeysLru,
            samples: 5,
            decay_time: 1,
        };
        let mut sampled_hits = 0;
        for (t, &k) in trace.iter().enumerate() {
            store.now_ms = t as u64;
            store.access = AccessClock::Lru { now: t as u32 };
            let key = format!("key:{k}");
            if store.read(0, key.as_bytes()).is_some() {
                sampled_hits += 1;
            } else {
                let clock = store.new_clock();
                store.dbs[0].insert(Entry::new_string(key.as_bytes(), b"v", None, clock));
                while store.dbs[0].len() > capacity {
                    ev.evict_one(&mut store, &cfg).unwrap();
                }
            }
        }
        let exact = exact_hits as f64 / accesses as f64;
        let sampled = sampled_hits as f64 / accesses as f64;
        eprintln!("zipf hit ratio: exact LRU {exact:.4}, sampled LRU {sampled:.4}");
        assert!(exact > 0.5);
        assert!(sampled >= exact - 0.03, "exact {exact}, sampled {sampled}");
    }
}
