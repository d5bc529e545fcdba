//! The latency monitor (LATENCY LATEST / HISTORY / RESET): events slower
//! than latency-monitor-threshold milliseconds, per event name.

use std::collections::{BTreeMap, VecDeque};

/// Samples kept per event (Redis's LATENCY_TS_LEN).
const HISTORY_LEN: usize = 160;

/// One event's record.
#[derive(Default)]
pub struct EventSeries {
    /// (unix seconds, latency ms), oldest first.
    pub samples: VecDeque<(u64, u64)>,
    /// Highest latency ever seen (ms).
    pub max: u64,
}

/// Latency samples per event name.
#[derive(Default)]
pub struct LatencyMonitor {
    pub events: BTreeMap<&'static str, EventSeries>,
}

impl LatencyMonitor {
    /// Records `latency_ms` for `event` at `now` (one sample per second,
    /// keeping the highest, as Redis).
    pub fn add(&mut self, event: &'static str, now: u64, latency_ms: u64) {
        let series = self.events.entry(event).or_default();
        series.max = series.max.max(latency_ms);
        if let Some(last) = series.samples.back_mut() {
            if last.0 == now {
                last.1 = last.1.max(latency_ms);
                return;
            }
        }
        series.samples.push_back((now, latency_ms));
        if series.samples.len() > HISTORY_LEN {
            series.samples.pop_front();
        }
    }

    /// Forgets the named events (all when empty); returns how many were reset.
    pub fn reset(&mut self, names: &[&[u8]]) -> usize {
        if names.is_empty() {
            let n = self.events.len();
            self.events.clear();
            return n;
        }
        let before = self.events.len();
        self.events
            .retain(|name, _| !names.contains(&name.as_bytes()));
        before - self.events.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_sample_per_second_with_max() {
        let mut m = LatencyMonitor::default();
        m.add("command", 10, 5);
        m.add("command", 10, 7);
        m.add("command", 11, 3);
        let s = &m.events["command"];
        assert_eq!(s.samples, VecDeque::from(vec![(10, 7), (11, 3)]));
        assert_eq!(s.max, 7);
        assert_eq!(m.reset(&[b"other"]), 0);
        assert_eq!(m.reset(&[]), 1);
    }
}
