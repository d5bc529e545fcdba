//! Instantaneous rates (INFO `instantaneous_ops_per_sec`, `..._kbps`), the
//! way Redis computes them: every 100 ms the timer samples each counter's
//! rate per second into a ring of 16 slots, and the reported rate is the
//! ring's average (so it covers about the last 1.6 seconds).

use std::time::{Duration, Instant};

/// Slots in each ring (Redis's STATS_METRIC_SAMPLES).
const SAMPLES: usize = 16;
/// How often a sample is taken (Redis's `run_with_period(100)`).
pub const SAMPLE_PERIOD: Duration = Duration::from_millis(100);

/// One counter's recent rates per second.
#[derive(Clone, Debug)]
pub struct InstantMetric {
    samples: [u64; SAMPLES],
    idx: usize,
    last_time: Instant,
    last_count: u64,
}

impl InstantMetric {
    /// A metric whose counter read `count` at `now`.
    pub fn new(now: Instant, count: u64) -> InstantMetric {
        InstantMetric {
            samples: [0; SAMPLES],
            idx: 0,
            last_time: now,
            last_count: count,
        }
    }

    /// Records the rate since the previous reading (Redis's
    /// trackInstantaneousMetric: whole units per second, 0 if no time passed).
    pub fn track(&mut self, now: Instant, count: u64) {
        let ms = now.duration_since(self.last_time).as_millis() as u64;
        let delta = count.saturating_sub(self.last_count);
        self.samples[self.idx] = (delta * 1000).checked_div(ms).unwrap_or(0);
        self.idx = (self.idx + 1) % SAMPLES;
        self.last_time = now;
        self.last_count = count;
    }

    /// The average of the ring (Redis's getInstantaneousMetric).
    pub fn per_sec(&self) -> u64 {
        self.samples.iter().sum::<u64>() / SAMPLES as u64
    }
}

/// The three rates INFO stats reports.
#[derive(Clone, Debug)]
pub struct Instantaneous {
    /// Commands processed per second.
    pub ops: InstantMetric,
    /// Bytes read from clients per second.
    pub net_input: InstantMetric,
    /// Bytes written to clients per second.
    pub net_output: InstantMetric,
    last_sample: Instant,
}

impl Instantaneous {
    /// Rates starting from zero counters at `now`.
    pub fn new(now: Instant) -> Instantaneous {
        Instantaneous {
            ops: InstantMetric::new(now, 0),
            net_input: InstantMetric::new(now, 0),
            net_output: InstantMetric::new(now, 0),
            last_sample: now,
        }
    }

    /// Timer hook: samples the counters when `SAMPLE_PERIOD` has passed since
    /// the last sample (the timer may run more often, at a high `hz`).
    pub fn maybe_sample(&mut self, now: Instant, commands: u64, input: u64, output: u64) {
        if now.duration_since(self.last_sample) < SAMPLE_PERIOD {
            return;
        }
        self.last_sample = now;
        self.ops.track(now, commands);
        self.net_input.track(now, input);
        self.net_output.track(now, output);
    }

    /// KB per second as INFO prints it (`%.2f` of bytes/1024).
    pub fn kbps(metric: &InstantMetric) -> String {
        format!("{:.2}", metric.per_sec() as f64 / 1024.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_is_the_ring_average() {
        let t0 = Instant::now();
        let mut m = InstantMetric::new(t0, 0);
        // 1000 units per 100 ms = 10,000/s in every slot.
        for i in 1..=SAMPLES as u64 {
            m.track(t0 + SAMPLE_PERIOD * i as u32, 1000 * i);
        }
        assert_eq!(m.per_sec(), 10_000);
        // Idle for half the ring: the average halves.
        let base = 1000 * SAMPLES as u64;
        for i in 1..=(SAMPLES / 2) as u32 {
            m.track(t0 + SAMPLE_PERIOD * (SAMPLES as u32 + i), base);
        }
        assert_eq!(m.per_sec(), 5_000);
    }

    #[test]
    fn samples_at_most_every_period() {
        let t0 = Instant::now();
        let mut inst = Instantaneous::new(t0);
        inst.maybe_sample(t0 + Duration::from_millis(50), 100, 0, 0);
        assert_eq!(inst.ops.per_sec(), 0, "too early: no sample");
        inst.maybe_sample(t0 + Duration::from_millis(100), 100, 2048, 0);
        // 100 commands in 100 ms = 1000/s in one of 16 slots.
        assert_eq!(inst.ops.per_sec(), 1000 / 16);
        assert_eq!(
            Instantaneous::kbps(&inst.net_input),
            format!("{:.2}", (20480 / 16) as f64 / 1024.0)
        );
    }
}
