//! One cluster node as this server knows it: its 40-character id, its
//! addresses, its flags, its master, its heartbeat times, its config epoch,
//! its bus links and the hash slots it serves (Redis 7.0's clusterNode).

use crate::replication::replid::Replid;
use crate::store::slot::SLOTS;
use std::fmt;

/// Length of a node id (Redis's CLUSTER_NAMELEN).
pub(crate) const NODE_ID_LEN: usize = 40;

/// A node id: 40 lowercase letters or digits (hex when generated here).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct NodeId([u8; NODE_ID_LEN]);

impl NodeId {
    /// A fresh random id (as Redis's getRandomHexChars).
    pub(crate) fn random() -> NodeId {
        let id = Replid::random();
        let mut raw = [0u8; NODE_ID_LEN];
        raw.copy_from_slice(id.as_str().as_bytes());
        NodeId(raw)
    }

    /// `text` as an id if it is exactly 40 lowercase letters or digits
    /// (Redis's verifyClusterNodeId: `a-z`, not only hex).
    pub(crate) fn parse(text: &[u8]) -> Option<NodeId> {
        let raw: [u8; NODE_ID_LEN] = text.try_into().ok()?;
        raw.iter()
            .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
            .then_some(NodeId(raw))
    }

    /// The id as text.
    pub(crate) fn as_str(&self) -> &str {
        // Only ASCII letters and digits are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("")
    }

    /// The id's bytes.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NodeId({})", self.as_str())
    }
}

/// A node's flags (Redis's CLUSTER_NODE_*), rendered in Redis's order.
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
pub(crate) struct Flags(u16);

impl Flags {
    pub(crate) const MYSELF: Flags = Flags(1);
    pub(crate) const MASTER: Flags = Flags(2);
    pub(crate) const SLAVE: Flags = Flags(4);
    /// Possibly failing (shown `fail?`): no pong within the node timeout.
    pub(crate) const PFAIL: Flags = Flags(8);
    /// Failing, as agreed by a majority of masters.
    pub(crate) const FAIL: Flags = Flags(16);
    /// First handshake not completed: the id is temporary.
    pub(crate) const HANDSHAKE: Flags = Flags(32);
    /// No address known yet.
    pub(crate) const NOADDR: Flags = Flags(64);
    /// A replica that never starts a failover (cluster-replica-no-failover).
    pub(crate) const NOFAILOVER: Flags = Flags(512);

    /// No flag.
    pub(crate) const NONE: Flags = Flags(0);
    /// myself,master: a fresh node's flags.
    pub(crate) const MYSELF_MASTER: Flags = Flags(1 | 2);

    /// Every flag of `other` is set.
    pub(crate) fn has(self, other: Flags) -> bool {
        self.0 & other.0 == other.0 && other.0 != 0
    }

    /// Sets the flags of `other`.
    pub(crate) fn insert(&mut self, other: Flags) {
        self.0 |= other.0;
    }

    /// Clears the flags of `other`.
    pub(crate) fn remove(&mut self, other: Flags) {
        self.0 &= !other.0;
    }

    /// Redis's representClusterNodeFlags: the names, comma-separated, or
    /// `noflags`.
    pub(crate) fn render(self) -> String {
        let names: Vec<&str> = FLAG_NAMES
            .iter()
            .filter(|(flag, _)| self.has(*flag))
            .map(|(_, name)| *name)
            .collect();
        if names.is_empty() {
            "noflags".into()
        } else {
            names.join(",")
        }
    }

    /// The flags of a comma-separated list as nodes.conf holds it; None for
    /// an unknown name. `noflags` is accepted and sets nothing.
    pub(crate) fn parse(text: &str) -> Option<Flags> {
        let mut flags = Flags::NONE;
        for name in text.split(',') {
            if name == "noflags" {
                continue;
            }
            let (flag, _) = FLAG_NAMES.iter().find(|(_, n)| *n == name)?;
            flags.insert(*flag);
        }
        Some(flags)
    }
}

/// Names of the flags, in the order Redis 7.0 prints them.
const FLAG_NAMES: &[(Flags, &str)] = &[
    (Flags::MYSELF, "myself"),
    (Flags::MASTER, "master"),
    (Flags::SLAVE, "slave"),
    (Flags::PFAIL, "fail?"),
    (Flags::FAIL, "fail"),
    (Flags::HANDSHAKE, "handshake"),
    (Flags::NOADDR, "noaddr"),
    (Flags::NOFAILOVER, "nofailover"),
];

/// The set of hash slots a node serves: a 16384-bit bitmap and its count.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct SlotSet {
    bits: Box<[u64; SLOTS / 64]>,
    count: usize,
}

impl Default for SlotSet {
    fn default() -> Self {
        SlotSet {
            bits: Box::new([0; SLOTS / 64]),
            count: 0,
        }
    }
}

impl fmt::Debug for SlotSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.ranges()).finish()
    }
}

impl SlotSet {
    /// Whether `slot` is in the set.
    pub(crate) fn contains(&self, slot: usize) -> bool {
        self.bits[slot / 64] & (1 << (slot % 64)) != 0
    }

    /// Adds `slot`; false if it was there.
    pub(crate) fn insert(&mut self, slot: usize) -> bool {
        if self.contains(slot) {
            return false;
        }
        self.bits[slot / 64] |= 1 << (slot % 64);
        self.count += 1;
        true
    }

    /// Removes `slot`; false if it was not there.
    pub(crate) fn remove(&mut self, slot: usize) -> bool {
        if !self.contains(slot) {
            return false;
        }
        self.bits[slot / 64] &= !(1 << (slot % 64));
        self.count -= 1;
        true
    }

    /// How many slots are in the set.
    pub(crate) fn len(&self) -> usize {
        self.count
    }

    /// Whether the set is empty.
    pub(crate) fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The slots in ascending order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        (0..SLOTS).filter(|&s| self.contains(s))
    }

    /// The runs of consecutive slots, as inclusive (start, end) pairs.
    pub(crate) fn ranges(&self) -> Vec<(usize, usize)> {
        let mut out: Vec<(usize, usize)> = Vec::new();
        for slot in self.iter() {
            match out.last_mut() {
                Some(last) if last.1 + 1 == slot => last.1 = slot,
                _ => out.push((slot, slot)),
            }
        }
        out
    }
}

/// What CLUSTER LINKS shows of one bus connection (kept by the loop).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct LinkInfo {
    /// When the link was created (unix ms).
    pub(crate) create_time: u64,
    /// The poll interests: `r`, `w` or `rw`.
    pub(crate) events: &'static str,
    /// Bytes allocated for the send buffer.
    pub(crate) send_buffer_allocated: u64,
    /// Bytes waiting in the send buffer.
    pub(crate) send_buffer_used: u64,
}

/// A failure report: `reporter` flagged the node PFAIL/FAIL at `time` (ms).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct FailureReport {
    pub(crate) reporter: NodeId,
    pub(crate) time: u64,
}

/// One node of the cluster (Redis's clusterNode, minus what belongs to the
/// loop: sockets and buffers).
#[derive(Clone, Debug)]
pub(crate) struct Node {
    pub(crate) id: NodeId,
    /// Client-facing address; empty while unknown (`:port@cport`).
    pub(crate) ip: String,
    /// Client port.
    pub(crate) port: u16,
    /// Cluster bus port.
    pub(crate) cport: u16,
    /// Announced hostname; empty if none.
    pub(crate) hostname: String,
    pub(crate) flags: Flags,
    /// The master this node replicates, if a replica.
    pub(crate) replica_of: Option<NodeId>,
    /// When the last unanswered PING was sent (unix ms; 0: none pending).
    pub(crate) ping_sent: u64,
    /// When the last PONG was received (unix ms).
    pub(crate) pong_received: u64,
    pub(crate) config_epoch: u64,
    /// Whether the outbound bus link is up (`connected` in CLUSTER NODES).
    pub(crate) link_connected: bool,
    /// The outbound bus link (CLUSTER LINKS `to`).
    pub(crate) link_to: Option<LinkInfo>,
    /// The inbound bus link (CLUSTER LINKS `from`).
    pub(crate) link_from: Option<LinkInfo>,
    /// The slots this node serves, as this server believes.
    pub(crate) slots: SlotSet,
    /// The last replication offset the node announced.
    pub(crate) repl_offset: u64,
    /// Other masters' reports that this node is failing.
    pub(crate) fail_reports: Vec<FailureReport>,
}

impl Node {
    /// A node with no address, flags or slots.
    pub(crate) fn new(id: NodeId, flags: Flags) -> Node {
        Node {
            id,
            ip: String::new(),
            port: 0,
            cport: 0,
            hostname: String::new(),
            flags,
            replica_of: None,
            ping_sent: 0,
            pong_received: 0,
            config_epoch: 0,
            link_connected: false,
            link_to: None,
            link_from: None,
            slots: SlotSet::default(),
            repl_offset: 0,
            fail_reports: Vec::new(),
        }
    }

    pub(crate) fn is_myself(&self) -> bool {
        self.flags.has(Flags::MYSELF)
    }

    pub(crate) fn is_master(&self) -> bool {
        self.flags.has(Flags::MASTER)
    }

    pub(crate) fn is_replica(&self) -> bool {
        self.flags.has(Flags::SLAVE)
    }

    /// FAIL (agreed), not merely PFAIL (Redis's nodeFailed).
    pub(crate) fn is_failed(&self) -> bool {
        self.flags.has(Flags::FAIL)
    }

    /// PFAIL (Redis's nodeTimedOut).
    pub(crate) fn is_timed_out(&self) -> bool {
        self.flags.has(Flags::PFAIL)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_render_in_redis_order_and_parse_back() {
        let mut f = Flags::NONE;
        assert_eq!(f.render(), "noflags");
        f.insert(Flags::FAIL);
        f.insert(Flags::MYSELF);
        f.insert(Flags::SLAVE);
        f.insert(Flags::PFAIL);
        assert_eq!(f.render(), "myself,slave,fail?,fail");
        assert_eq!(Flags::parse("myself,slave,fail?,fail"), Some(f));
        assert_eq!(Flags::parse("noflags"), Some(Flags::NONE));
        assert_eq!(Flags::parse("master,bogus"), None);
        f.remove(Flags::FAIL);
        assert!(!f.has(Flags::FAIL) && f.has(Flags::PFAIL));
    }

    #[test]
    fn slot_set_counts_and_ranges() {
        let mut s = SlotSet::default();
        for slot in [0, 1, 2, 5, 16383, 100] {
            assert!(s.insert(slot));
        }
        assert!(!s.insert(5));
        assert_eq!(s.len(), 6);
        assert_eq!(s.ranges(), vec![(0, 2), (5, 5), (100, 100), (16383, 16383)]);
        assert!(s.remove(1));
        assert!(!s.remove(1));
        assert_eq!(
            s.ranges(),
            vec![(0, 0), (2, 2), (5, 5), (100, 100), (16383, 16383)]
        );
    }

    #[test]
    fn node_ids_are_forty_lowercase_hex() {
        let id = NodeId::random();
        assert_eq!(NodeId::parse(id.as_bytes()), Some(id));
        assert_ne!(NodeId::random(), id);
        assert!(NodeId::parse(b"D0F1B2232090911E4C1C660F20990FA78B50C004").is_none());
        assert!(NodeId::parse(b"d0f1b2232090911e4c1c660f20990fa78b50c00").is_none());
        assert!(NodeId::parse(b"d0f1b2232090911e4c1c660f20990fa78b50c00-").is_none());
        assert!(NodeId::random()
            .as_str()
            .bytes()
            .all(|b| b.is_ascii_hexdigit()));
        assert!(NodeId::parse(b"d0f1b2232090911e4c1c660f20990fa78b50c004").is_some());
    }
}
