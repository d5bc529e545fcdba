//! Re-evaluating cluster_state as Redis 7.0's clusterUpdateState does it
//! from the loop: a master keeps the state `fail` for its first
//! [`WRITABLE_DELAY_MS`] (so that a restarted master learns the cluster's
//! view before accepting writes), and every change is logged.

use super::state::ClusterState;

/// Redis's CLUSTER_WRITABLE_DELAY (ms).
pub(crate) const WRITABLE_DELAY_MS: u64 = 2000;

/// Re-evaluates `state.ok` at `now_ms` (unix ms). `first_call_ms` holds
/// the time of the first evaluation (0 before it). True if `ok` changed.
pub(crate) fn refresh_state(
    state: &mut ClusterState,
    first_call_ms: &mut u64,
    require_full_coverage: bool,
    now_ms: u64,
) -> bool {
    if *first_call_ms == 0 {
        *first_call_ms = now_ms;
    }
    if state.me().is_master() && !state.ok && now_ms - *first_call_ms < WRITABLE_DELAY_MS {
        return false;
    }
    let changed = state.update_state(require_full_coverage);
    if changed {
        let word = if state.ok { "ok" } else { "fail" };
        log::info!(target: "cluster", "state_changed state={word} msg=\"Cluster state changed: {word}\"");
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::node::NodeId;
    use crate::store::slot::SLOTS;

    #[test]
    fn a_master_waits_the_writable_delay_before_ok() {
        let mut state = ClusterState::new(NodeId::random());
        let me = state.myself;
        for slot in 0..SLOTS {
            state.add_slot(slot, &me);
        }
        let mut first = 0;
        assert!(!refresh_state(&mut state, &mut first, true, 10_000));
        assert!(!state.ok);
        assert!(!refresh_state(&mut state, &mut first, true, 11_999));
        assert!(refresh_state(&mut state, &mut first, true, 12_000));
        assert!(state.ok);
        state.del_slot(0);
        assert!(
            refresh_state(&mut state, &mut first, true, 12_001),
            "fail is immediate"
        );
        assert!(!state.ok);
        assert!(refresh_state(&mut state, &mut first, false, 12_002));
        assert!(
            state.ok,
            "without full coverage one reachable master is enough"
        );
    }
}
