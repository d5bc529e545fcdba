//! CLIENT PAUSE: for a while, commands of normal clients that write (WRITE)
//! or all their commands (ALL) wait in their query buffers, and the server
//! deletes no key by itself (no active expiry, no eviction). When the
//! pause ends (its deadline or CLIENT UNPAUSE) the held clients resume in
//! the order they were held (Redis's pauseClients / blockPostponeClient).

use std::time::Instant;

/// What a pause holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum PauseMode {
    /// Commands that may write (write or may-replicate flags).
    Write,
    /// Every command.
    All,
}

/// The pause in effect, if any, and the clients it holds.
#[derive(Default)]
pub struct Pause {
    /// Until when, and what it holds.
    active: Option<(Instant, PauseMode)>,
    /// Held clients (slab keys), in the order they were held.
    held: Vec<usize>,
}

impl Pause {
    /// Pauses until `until` holding `mode`; a pause in effect keeps the
    /// later deadline and the stricter mode, as Redis merges them.
    pub fn start(&mut self, until: Instant, mode: PauseMode) {
        self.active = Some(match self.active {
            Some((end, old)) => (end.max(until), old.max(mode)),
            None => (until, mode),
        });
    }

    /// The mode in effect at `now`, if a pause is on.
    pub fn mode(&self, now: Instant) -> Option<PauseMode> {
        self.active.filter(|(end, _)| *end > now).map(|(_, m)| m)
    }

    /// The deadline, for the loop's poll timeout.
    pub fn deadline(&self) -> Option<Instant> {
        self.active.map(|(end, _)| end)
    }

    /// Holds client `key` until the pause ends.
    pub fn hold(&mut self, key: usize) {
        if !self.held.contains(&key) {
            self.held.push(key);
        }
    }

    /// Number of held clients (counted in INFO blocked_clients, as Redis).
    pub fn held_clients(&self) -> usize {
        self.held.len()
    }

    /// Forgets a client that disconnected.
    pub fn forget(&mut self, key: usize) {
        self.held.retain(|&k| k != key);
    }

    /// Ends the pause if `now` is past it (or `force`: CLIENT UNPAUSE);
    /// returns the clients to resume, in order.
    pub fn end_if_over(&mut self, now: Instant, force: bool) -> Vec<usize> {
        match self.active {
            Some((end, _)) if force || end <= now => {
                self.active = None;
                std::mem::take(&mut self.held)
            }
            _ => Vec::new(),
        }
    }

    /// True while a pause is in effect (keys are not expired or evicted).
    pub fn is_on(&self, now: Instant) -> bool {
        self.mode(now).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn pauses_merge_and_end() {
        let now = Instant::now();
        let mut p = Pause::default();
        p.start(now + Duration::from_secs(10), PauseMode::All);
        p.start(now + Duration::from_secs(1), PauseMode::Write);
        assert_eq!(p.mode(now), Some(PauseMode::All));
        assert_eq!(p.deadline(), Some(now + Duration::from_secs(10)));
        p.hold(3);
        p.hold(1);
        p.hold(3);
        assert!(p.end_if_over(now, false).is_empty());
        assert_eq!(p.end_if_over(now, true), vec![3, 1]);
        assert_eq!(p.mode(now), None);
    }
}
