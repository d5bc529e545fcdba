//! The cluster as this server sees it (Redis 7.0's clusterState): the known
//! nodes, the epochs, the slot → owner table, the slots being migrated or
//! imported, the forgotten-node ban list and whether the cluster is up.
//! Operations follow cluster.c; the loop drives them (no I/O here).

use super::node::{FailureReport, Flags, Node, NodeId};
use super::slot_owners::SlotOwners;
use crate::store::slot::SLOTS;
use std::collections::BTreeMap;

/// How long a forgotten node stays banned from being re-added by gossip
/// (Redis's CLUSTER_BLACKLIST_TTL, seconds).
pub(crate) const BLACKLIST_TTL_SECS: u64 = 60;

/// A failure report is valid for this many node timeouts (Redis's
/// CLUSTER_FAIL_REPORT_VALIDITY_MULT).
pub(crate) const FAIL_REPORT_VALIDITY_MULT: u64 = 2;

/// Bus message types, in Redis's numbering, with the names CLUSTER INFO uses.
pub(crate) const MESSAGE_TYPE_NAMES: [&str; 11] = [
    "ping",
    "pong",
    "meet",
    "fail",
    "publish",
    "auth-req",
    "auth-ack",
    "update",
    "mfstart",
    "module",
    "publishshard",
];

/// Bus traffic counters for CLUSTER INFO.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct MessageStats {
    /// Messages sent, by type (index into [`MESSAGE_TYPE_NAMES`]).
    pub(crate) sent: [u64; 11],
    /// Messages received, by type.
    pub(crate) received: [u64; 11],
    /// Links freed for exceeding cluster-link-sendbuf-limit.
    pub(crate) links_buffer_limit_exceeded: u64,
}

/// Slot counts CLUSTER INFO reports.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct SlotHealth {
    pub(crate) assigned: usize,
    pub(crate) ok: usize,
    pub(crate) pfail: usize,
    pub(crate) fail: usize,
}

/// The cluster state.
#[derive(Clone, Debug)]
pub(crate) struct ClusterState {
    /// This server's id.
    pub(crate) myself: NodeId,
    /// Every known node, myself included, in the order they became known
    /// (the order CLUSTER NODES, SHARDS and LINKS list them).
    nodes: Vec<Node>,
    pub(crate) current_epoch: u64,
    pub(crate) last_vote_epoch: u64,
    /// Owner of each slot.
    owners: SlotOwners,
    /// Slots this server is migrating away, to the given node.
    pub(crate) migrating_to: BTreeMap<usize, NodeId>,
    /// Slots this server is importing, from the given node.
    pub(crate) importing_from: BTreeMap<usize, NodeId>,
    /// cluster_state:ok (true) or fail.
    pub(crate) ok: bool,
    /// Masters serving at least one slot (cluster_size).
    pub(crate) size: usize,
    /// Forgotten nodes and when their ban ends (unix ms).
    blacklist: Vec<(NodeId, u64)>,
    pub(crate) stats: MessageStats,
}

impl ClusterState {
    /// A cluster of one: myself, a master with no slots, epoch 0, state
    /// fail (as a fresh `--cluster-enabled yes` node).
    pub(crate) fn new(myself: NodeId) -> ClusterState {
        ClusterState {
            myself,
            nodes: vec![Node::new(myself, Flags::MYSELF_MASTER)],
            current_epoch: 0,
            last_vote_epoch: 0,
            owners: SlotOwners::new(),
            migrating_to: BTreeMap::new(),
            importing_from: BTreeMap::new(),
            ok: false,
            size: 0,
            blacklist: Vec::new(),
            stats: MessageStats::default(),
        }
    }

    /// Every known node, in the order they became known.
    pub(crate) fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// The node `id`.
    pub(crate) fn node(&self, id: &NodeId) -> Option<&Node> {
        self.nodes.iter().find(|n| n.id == *id)
    }

    /// The node `id`, to change.
    pub(crate) fn node_mut(&mut self, id: &NodeId) -> Option<&mut Node> {
        self.nodes.iter_mut().find(|n| n.id == *id)
    }

    /// The node a client names (Redis's clusterLookupNode: the text must be
    /// a valid id).
    pub(crate) fn lookup(&self, text: &[u8]) -> Option<&Node> {
        self.node(&NodeId::parse(text)?)
    }

    /// This server's node.
    pub(crate) fn me(&self) -> &Node {
        self.node(&self.myself).expect("myself is always known")
    }

    /// This server's node, to change.
    pub(crate) fn me_mut(&mut self) -> &mut Node {
        let id = self.myself;
        self.node_mut(&id).expect("myself is always known")
    }

    /// The config epoch CLUSTER INFO calls cluster_my_epoch: a replica
    /// shows its master's.
    pub(crate) fn my_epoch(&self) -> u64 {
        self.shown_epoch(self.me())
    }

    /// The epoch CLUSTER NODES prints for `node`: its master's when it is a
    /// replica of a known master, else its own.
    pub(crate) fn shown_epoch(&self, node: &Node) -> u64 {
        match node.replica_of.and_then(|m| self.node(&m)) {
            Some(master) if node.is_replica() => master.config_epoch,
            _ => node.config_epoch,
        }
    }

    /// Adds `node`; false (and nothing changes) if its id is known.
    pub(crate) fn add_node(&mut self, node: Node) -> bool {
        if self.node(&node.id).is_some() {
            return false;
        }
        self.nodes.push(node);
        true
    }

    /// Puts the nodes in the order of `order`; nodes not in it go last,
    /// keeping their order.
    pub(crate) fn order_nodes_like(&mut self, order: &[NodeId]) {
        self.nodes.sort_by_key(|n| {
            order
                .iter()
                .position(|id| *id == n.id)
                .unwrap_or(usize::MAX)
        });
    }

    /// Removes node `id` (Redis's clusterDelNode): its slots become
    /// unassigned, migrations to or from it are dropped, its failure
    /// reports about others are dropped, its replicas lose their master.
    /// Myself cannot be removed. False if unknown.
    pub(crate) fn del_node(&mut self, id: &NodeId) -> bool {
        if *id == self.myself || self.node(id).is_none() {
            return false;
        }
        self.owners.clear_node(id);
        self.migrating_to.retain(|_, n| n != id);
        self.importing_from.retain(|_, n| n != id);
        for node in self.nodes.iter_mut() {
            node.fail_reports.retain(|r| r.reporter != *id);
            if node.replica_of == Some(*id) {
                node.replica_of = None;
            }
        }
        self.nodes.retain(|n| n.id != *id);
        true
    }

    /// Changes node `old`'s id to `new` (Redis's clusterRenameNode, used
    /// after a handshake and by CLUSTER RESET HARD), everywhere it appears.
    pub(crate) fn rename_node(&mut self, old: &NodeId, new: NodeId) {
        let swap = |id: &mut NodeId| {
            if *id == *old {
                *id = new;
            }
        };
        self.owners.rename(old, new);
        self.migrating_to.values_mut().for_each(swap);
        self.importing_from.values_mut().for_each(swap);
        for node in self.nodes.iter_mut() {
            swap(&mut node.id);
            node.replica_of.iter_mut().for_each(swap);
            for r in node.fail_reports.iter_mut() {
                swap(&mut r.reporter);
            }
        }
        if self.myself == *old {
            self.myself = new;
        }
    }

    /// The owner of `slot`.
    #[inline]
    pub(crate) fn owner(&self, slot: usize) -> Option<NodeId> {
        self.owners.get(slot)
    }

    /// Assigns unassigned `slot` to `id` (Redis's clusterAddSlot); false if
    /// the slot has an owner or the node is unknown.
    pub(crate) fn add_slot(&mut self, slot: usize, id: &NodeId) -> bool {
        if self.owners.get(slot).is_some() {
            return false;
        }
        let Some(node) = self.node_mut(id) else {
            return false;
        };
        node.slots.insert(slot);
        self.owners.set(slot, Some(*id));
        true
    }

    /// Unassigns `slot` (Redis's clusterDelSlot); false if it had no owner.
    pub(crate) fn del_slot(&mut self, slot: usize) -> bool {
        let Some(owner) = self.owners.get(slot) else {
            return false;
        };
        self.owners.set(slot, None);
        if let Some(node) = self.node_mut(&owner) {
            node.slots.remove(slot);
        }
        true
    }

    /// Unassigns every slot node `id` serves; returns how many.
    pub(crate) fn del_node_slots(&mut self, id: &NodeId) -> usize {
        let slots: Vec<usize> = match self.node(id) {
            Some(node) => node.slots.iter().collect(),
            None => return 0,
        };
        for &slot in &slots {
            self.del_slot(slot);
        }
        slots.len()
    }

    /// Forgets every slot migration and import (Redis's
    /// clusterCloseAllSlots).
    pub(crate) fn close_all_slots(&mut self) {
        self.migrating_to.clear();
        self.importing_from.clear();
    }

    /// The replicas of `master`, in the order they became known.
    pub(crate) fn replicas_of<'a>(&'a self, master: &'a NodeId) -> impl Iterator<Item = &'a Node> {
        self.nodes
            .iter()
            .filter(move |n| n.is_replica() && n.replica_of.as_ref() == Some(master))
    }

    /// Makes myself a replica of `master` (Redis's clusterSetMaster): a
    /// master drops its slot migrations. The caller starts replication.
    pub(crate) fn set_my_master(&mut self, master: &NodeId) {
        let was_master = self.me().is_master();
        let me = self.me_mut();
        if was_master {
            me.flags.remove(Flags::MASTER);
            me.flags.insert(Flags::SLAVE);
        }
        me.replica_of = Some(*master);
        if was_master {
            self.close_all_slots();
        }
    }

    /// Turns node `id` into a master with no master (Redis's
    /// clusterSetNodeAsMaster).
    pub(crate) fn set_node_as_master(&mut self, id: &NodeId) {
        if let Some(node) = self.node_mut(id) {
            node.flags.remove(Flags::SLAVE);
            node.flags.insert(Flags::MASTER);
            node.replica_of = None;
        }
    }

    /// The largest epoch known: currentEpoch or any node's config epoch
    /// (Redis's clusterGetMaxEpoch).
    pub(crate) fn max_epoch(&self) -> u64 {
        self.nodes
            .iter()
            .map(|n| n.config_epoch)
            .fold(self.current_epoch, u64::max)
    }

    /// Gives myself a new config epoch without a vote unless it is already
    /// the unique largest one (Redis's
    /// clusterBumpConfigEpochWithoutConsensus). True if it changed.
    pub(crate) fn bump_epoch_without_consensus(&mut self) -> bool {
        let max = self.max_epoch();
        let mine = self.me().config_epoch;
        if mine == 0 || mine != max {
            self.current_epoch += 1;
            let epoch = self.current_epoch;
            self.me_mut().config_epoch = epoch;
            true
        } else {
            false
        }
    }

    /// Resolves two masters sharing a config epoch (Redis's
    /// clusterHandleConfigEpochCollision): the one with the smaller id takes
    /// a new epoch. Call when master `sender` announced its config epoch.
    /// True if myself changed (save the config).
    pub(crate) fn handle_config_epoch_collision(&mut self, sender: &NodeId) -> bool {
        let Some(other) = self.node(sender) else {
            return false;
        };
        let me = self.me();
        if other.config_epoch != me.config_epoch || !other.is_master() || !me.is_master() {
            return false;
        }
        // The node with the larger id keeps the epoch.
        if other.id.as_bytes() <= me.id.as_bytes() {
            return false;
        }
        self.current_epoch += 1;
        let epoch = self.current_epoch;
        self.me_mut().config_epoch = epoch;
        true
    }

    /// Records that `reporter` sees node `id` failing at `now` (ms); true
    /// if it is a new report, false if it refreshed one (Redis's
    /// clusterNodeAddFailureReport).
    pub(crate) fn add_failure_report(&mut self, id: &NodeId, reporter: &NodeId, now: u64) -> bool {
        let Some(node) = self.node_mut(id) else {
            return false;
        };
        if let Some(report) = node
            .fail_reports
            .iter_mut()
            .find(|r| r.reporter == *reporter)
        {
            report.time = now;
            return false;
        }
        node.fail_reports.push(FailureReport {
            reporter: *reporter,
            time: now,
        });
        true
    }

    /// Drops `reporter`'s report about node `id`; true if there was one.
    pub(crate) fn del_failure_report(&mut self, id: &NodeId, reporter: &NodeId) -> bool {
        let Some(node) = self.node_mut(id) else {
            return false;
        };
        let before = node.fail_reports.len();
        node.fail_reports.retain(|r| r.reporter != *reporter);
        node.fail_reports.len() != before
    }

    /// The valid failure reports about node `id` after dropping those older
    /// than two node timeouts (Redis's clusterNodeFailureReportsCount).
    pub(crate) fn count_failure_reports(
        &mut self,
        id: &NodeId,
        now: u64,
        node_timeout: u64,
    ) -> usize {
        let max_age = node_timeout * FAIL_REPORT_VALIDITY_MULT;
        let Some(node) = self.node_mut(id) else {
            return 0;
        };
        node.fail_reports
            .retain(|r| now.saturating_sub(r.time) <= max_age);
        node.fail_reports.len()
    }

    /// Bans node `id` from being re-added for [`BLACKLIST_TTL_SECS`]
    /// (Redis's clusterBlacklistAddNode); expired bans are dropped.
    pub(crate) fn blacklist_add(&mut self, id: &NodeId, now: u64) {
        self.blacklist.retain(|(n, until)| *until > now && n != id);
        self.blacklist.push((*id, now + BLACKLIST_TTL_SECS * 1000));
    }

    /// Whether node `id` is banned at `now`.
    pub(crate) fn blacklisted(&self, id: &NodeId, now: u64) -> bool {
        self.blacklist
            .iter()
            .any(|(n, until)| n == id && *until > now)
    }

    /// The slot counts of CLUSTER INFO: assigned, and of those the ones
    /// whose owner is fine, PFAIL or FAIL.
    pub(crate) fn slot_health(&self) -> SlotHealth {
        let mut health = SlotHealth::default();
        let mut last: Option<(NodeId, Flags)> = None;
        for owner in self.owners.iter().flatten() {
            let flags = match last {
                Some((id, flags)) if id == owner => flags,
                _ => {
                    let flags = self.node(&owner).map_or(Flags::NONE, |n| n.flags);
                    last = Some((owner, flags));
                    flags
                }
            };
            health.assigned += 1;
            if flags.has(Flags::FAIL) {
                health.fail += 1;
            } else if flags.has(Flags::PFAIL) {
                health.pfail += 1;
            } else {
                health.ok += 1;
            }
        }
        health
    }

    /// Re-evaluates `ok` and `size` (Redis's clusterUpdateState, without the
    /// rejoin delay the loop applies): with `require_full_coverage`, every
    /// slot must have a non-FAIL owner; and a majority of the masters
    /// serving slots must be reachable (not PFAIL or FAIL). True if `ok`
    /// changed.
    pub(crate) fn update_state(&mut self, require_full_coverage: bool) -> bool {
        let mut ok = true;
        if require_full_coverage {
            let health = self.slot_health();
            ok = health.assigned == SLOTS && health.fail == 0;
        }
        let serving = self
            .nodes
            .iter()
            .filter(|n| n.is_master() && !n.slots.is_empty());
        let (mut size, mut reachable) = (0, 0);
        for node in serving {
            size += 1;
            if !node.is_failed() && !node.is_timed_out() {
                reachable += 1;
            }
        }
        self.size = size;
        if reachable < size / 2 + 1 {
            ok = false;
        }
        let changed = ok != self.ok;
        self.ok = ok;
        changed
    }

    /// Forgets every other node and every slot (Redis's clusterReset); a
    /// replica becomes a master. `hard` also zeroes the epochs and gives
    /// myself a new random id. The caller empties the data of a replica
    /// and stops its replication.
    pub(crate) fn reset(&mut self, hard: bool) {
        let me = self.myself;
        if self.me().is_replica() {
            self.set_node_as_master(&me);
        }
        self.close_all_slots();
        for slot in 0..SLOTS {
            self.del_slot(slot);
        }
        let others: Vec<NodeId> = self
            .nodes
            .iter()
            .map(|n| n.id)
            .filter(|id| *id != me)
            .collect();
        for id in others {
            self.del_node(&id);
        }
        if hard {
            self.current_epoch = 0;
            self.last_vote_epoch = 0;
            self.me_mut().config_epoch = 0;
            self.rename_node(&me, NodeId::random());
        }
    }

    /// What Redis does to a state just read from nodes.conf: heartbeat
    /// times that were set restart from `now` (ms), links are down.
    pub(crate) fn after_load(&mut self, now: u64) {
        for node in self.nodes.iter_mut() {
            if node.ping_sent != 0 {
                node.ping_sent = now;
            }
            if node.pong_received != 0 {
                node.pong_received = now;
            }
            node.link_connected = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(c: char) -> NodeId {
        NodeId::parse(c.to_string().repeat(40).as_bytes()).unwrap()
    }

    fn master(c: char) -> Node {
        Node::new(id(c), Flags::MASTER)
    }

    #[test]
    fn slots_have_one_owner_and_follow_node_removal() {
        let mut s = ClusterState::new(id('a'));
        s.add_node(master('b'));
        assert!(!s.add_node(master('b')));
        assert!(s.add_slot(1, &id('a')));
        assert!(!s.add_slot(1, &id('b')));
        assert!(s.add_slot(2, &id('b')));
        assert!(!s.add_slot(3, &id('z')));
        s.migrating_to.insert(1, id('b'));
        assert_eq!(s.owner(2), Some(id('b')));
        assert!(s.del_node(&id('b')));
        assert_eq!(s.owner(2), None);
        assert!(s.migrating_to.is_empty());
        assert!(!s.del_node(&id('a')), "myself stays");
        assert!(s.del_slot(1));
        assert!(!s.del_slot(1));
        assert!(s.me().slots.is_empty());
    }

    #[test]
    fn bump_epoch_matches_redis() {
        // Captured: a fresh node answers BUMPED 1, then STILL 1.
        let mut s = ClusterState::new(id('a'));
        assert!(s.bump_epoch_without_consensus());
        assert_eq!((s.current_epoch, s.me().config_epoch), (1, 1));
        assert!(!s.bump_epoch_without_consensus());
        let mut b = master('b');
        b.config_epoch = 5;
        s.add_node(b);
        assert!(s.bump_epoch_without_consensus());
        assert_eq!((s.current_epoch, s.me().config_epoch), (2, 2));
    }

    #[test]
    fn epoch_collision_moves_the_smaller_id() {
        let mut s = ClusterState::new(id('b'));
        s.me_mut().config_epoch = 3;
        s.current_epoch = 3;
        let mut a = master('a');
        a.config_epoch = 3;
        s.add_node(a);
        let mut c = master('c');
        c.config_epoch = 3;
        s.add_node(c);
        assert!(
            !s.handle_config_epoch_collision(&id('a')),
            "smaller id: it moves"
        );
        assert!(s.handle_config_epoch_collision(&id('c')));
        assert_eq!((s.current_epoch, s.me().config_epoch), (4, 4));
        assert!(
            !s.handle_config_epoch_collision(&id('c')),
            "no longer equal"
        );
    }

    #[test]
    fn failure_reports_expire_after_two_timeouts() {
        let mut s = ClusterState::new(id('a'));
        s.add_node(master('b'));
        s.add_node(master('c'));
        assert!(s.add_failure_report(&id('b'), &id('c'), 1000));
        assert!(!s.add_failure_report(&id('b'), &id('c'), 2000));
        assert_eq!(s.count_failure_reports(&id('b'), 2000 + 2 * 500, 500), 1);
        assert_eq!(s.count_failure_reports(&id('b'), 2001 + 2 * 500, 500), 0);
        s.add_failure_report(&id('b'), &id('c'), 5000);
        s.del_node(&id('c'));
        assert_eq!(s.count_failure_reports(&id('b'), 5000, 500), 0);
    }

    #[test]
    fn state_needs_coverage_and_a_reachable_majority() {
        let mut s = ClusterState::new(id('a'));
        s.add_node(master('b'));
        s.add_node(master('c'));
        for slot in 0..SLOTS {
            let owner = [id('a'), id('b'), id('c')][slot * 3 / SLOTS];
            s.add_slot(slot, &owner);
        }
        assert!(s.update_state(true));
        assert!(s.ok && s.size == 3);
        s.node_mut(&id('b')).unwrap().flags.insert(Flags::PFAIL);
        s.update_state(true);
        assert!(s.ok, "one PFAIL master of three: majority reachable");
        assert_eq!(s.slot_health().pfail, 5461);
        s.node_mut(&id('c')).unwrap().flags.insert(Flags::PFAIL);
        s.update_state(true);
        assert!(!s.ok, "minority partition");
        s.node_mut(&id('c')).unwrap().flags.remove(Flags::PFAIL);
        s.node_mut(&id('b')).unwrap().flags.insert(Flags::FAIL);
        s.update_state(true);
        assert!(!s.ok, "FAIL owner: slots not covered");
        s.update_state(false);
        assert!(s.ok, "cluster-require-full-coverage no");
        s.del_slot(0);
        s.node_mut(&id('b')).unwrap().flags = Flags::MASTER;
        s.update_state(true);
        assert!(!s.ok);
    }

    #[test]
    fn hard_reset_forgets_everything_and_renames() {
        let mut s = ClusterState::new(id('a'));
        s.add_node(master('b'));
        s.set_my_master(&id('b'));
        assert!(s.me().is_replica());
        s.current_epoch = 7;
        s.reset(false);
        assert_eq!(
            (s.nodes().len(), s.current_epoch, s.myself),
            (1, 7, id('a'))
        );
        assert!(s.me().is_master() && s.me().replica_of.is_none());
        s.add_slot(5, &id('a'));
        s.reset(true);
        assert_ne!(s.myself, id('a'));
        assert_eq!((s.current_epoch, s.me().slots.len()), (0, 0));
        assert!(s.me().is_myself());
    }

    #[test]
    fn blacklist_expires() {
        let mut s = ClusterState::new(id('a'));
        s.blacklist_add(&id('b'), 1000);
        assert!(s.blacklisted(&id('b'), 60_999));
        assert!(!s.blacklisted(&id('b'), 61_000));
    }
}
