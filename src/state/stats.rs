//! Per-command statistics (INFO commandstats, latencystats, the metrics
//! histogram), indexed by the command table's ids.

/// A command's index in the command table (`commands::table::registry`).
pub type CommandId = usize;

/// Per-command counters (INFO commandstats).
#[derive(Default, Clone, Copy)]
pub struct CommandStats {
    pub calls: u64,
    pub usec: u64,
    pub rejected_calls: u64,
    pub failed_calls: u64,
    /// Latency histogram: bucket i counts calls of at most 2^i microseconds
    /// (the last bucket takes everything slower).
    pub latency_buckets: [u64; LATENCY_BUCKETS],
}

/// Buckets of the per-command latency histogram: 1 µs .. 2^23 µs (~8 s), then +Inf.
pub const LATENCY_BUCKETS: usize = 25;

impl CommandStats {
    /// Counts one call that took `usec` microseconds.
    #[inline]
    pub fn record_latency(&mut self, usec: u64) {
        let bucket = (u64::BITS - usec.saturating_sub(1).leading_zeros()) as usize;
        self.latency_buckets[bucket.min(LATENCY_BUCKETS - 1)] += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latency_buckets_are_powers_of_two() {
        let mut st = CommandStats::default();
        for usec in [0, 1, 2, 3, 4, 5, 1024, 1025, u64::MAX] {
            st.record_latency(usec);
        }
        assert_eq!(st.latency_buckets[0], 2); // 0 and 1 µs
        assert_eq!(st.latency_buckets[1], 1); // 2
        assert_eq!(st.latency_buckets[2], 2); // 3, 4
        assert_eq!(st.latency_buckets[3], 1); // 5
        assert_eq!(st.latency_buckets[10], 1); // 1024
        assert_eq!(st.latency_buckets[11], 1); // 1025
        assert_eq!(st.latency_buckets[LATENCY_BUCKETS - 1], 1);
    }
}
