//! The bus handshake's pure parts (Redis 7.0 cluster.c): the header this
//! node sends, the translation of node flags and names to and from the
//! wire, and what a PONG on an outbound link teaches about its node.

use super::bus::{node_flags, Header, NodeName, SlotBitmap, STATE_FAIL, STATE_OK};
use super::node::{Flags, NodeId};
use super::state::ClusterState;

/// The wire name of `id`.
pub(crate) fn node_name(id: &NodeId) -> NodeName {
    let mut name = [0u8; 40];
    name.copy_from_slice(id.as_bytes());
    NodeName(name)
}

/// The node id of a wire name (None for a null or malformed name).
pub(crate) fn node_id(name: &NodeName) -> Option<NodeId> {
    NodeId::parse(&name.0)
}

/// `flags` as the bus carries them (Redis's CLUSTER_NODE_* bits).
pub(crate) fn wire_flags(flags: Flags) -> u16 {
    [
        (Flags::MASTER, node_flags::MASTER),
        (Flags::SLAVE, node_flags::SLAVE),
        (Flags::PFAIL, node_flags::PFAIL),
        (Flags::FAIL, node_flags::FAIL),
        (Flags::MYSELF, node_flags::MYSELF),
        (Flags::HANDSHAKE, node_flags::HANDSHAKE),
        (Flags::NOADDR, node_flags::NOADDR),
        (Flags::NOFAILOVER, node_flags::NOFAILOVER),
    ]
    .iter()
    .filter(|(ours, _)| flags.has(*ours))
    .fold(0, |bits, (_, wire)| bits | wire)
}

/// The header of every message this node sends (Redis's
/// clusterBuildMessageHdr): a replica announces its master's slots and
/// config epoch.
pub(crate) fn my_header(state: &ClusterState, repl_offset: u64, announce_ip: &str) -> Header {
    let me = state.me();
    let master = me.replica_of.and_then(|m| state.node(&m));
    let shown = master.unwrap_or(me);
    let mut slots = SlotBitmap::empty();
    for slot in shown.slots.iter() {
        slots.insert(slot as u16);
    }
    let mut ip = [0u8; super::bus::IP_LEN];
    if !announce_ip.is_empty() {
        ip = super::bus::ip_field(announce_ip);
    }
    Header {
        port: me.port,
        current_epoch: state.current_epoch,
        config_epoch: shown.config_epoch,
        offset: repl_offset,
        sender: node_name(&me.id),
        slots,
        replica_of: me.replica_of.map_or(NodeName::NULL, |m| node_name(&m)),
        ip,
        pport: 0,
        cport: me.cport,
        flags: wire_flags(me.flags),
        state: if state.ok { STATE_OK } else { STATE_FAIL },
        mflags: [0; 3],
    }
}

/// A PONG came on the outbound link of node `link_node` from `header`'s
/// sender at `now` (unix ms): a node in handshake takes the sender's name
/// (or is dropped when that name is already known), then the node is
/// marked reachable and master or replica as it says. Returns the node's
/// id afterwards (None if the handshake node was dropped).
pub(crate) fn on_pong(
    state: &mut ClusterState,
    link_node: &NodeId,
    header: &Header,
    now: u64,
) -> Option<NodeId> {
    let sender = node_id(&header.sender)?;
    let mut id = *link_node;
    let in_handshake = state.node(&id)?.flags.has(Flags::HANDSHAKE);
    if in_handshake {
        if state.node(&sender).is_some() {
            state.del_node(&id);
            return None;
        }
        state.rename_node(&id, sender);
        id = sender;
        let node = state.node_mut(&id)?;
        node.flags.remove(Flags::HANDSHAKE);
        log::info!(target: "cluster", "handshake_done node={id} msg=\"Handshake with node {id} completed.\"");
    }
    let unowned: Vec<usize> = if header.flags & node_flags::MASTER != 0 {
        header
            .slots
            .ranges()
            .into_iter()
            .flat_map(|(a, b)| a as usize..=b as usize)
            .filter(|s| state.owner(*s).is_none())
            .collect()
    } else {
        Vec::new()
    };
    let node = state.node_mut(&id)?;
    node.pong_received = now;
    node.ping_sent = 0;
    node.link_connected = true;
    node.port = header.port;
    node.cport = header.cport;
    if header.flags & node_flags::SLAVE != 0 {
        node.flags.remove(Flags::MASTER);
        node.flags.insert(Flags::SLAVE);
    } else if header.flags & node_flags::MASTER != 0 {
        node.flags.remove(Flags::SLAVE);
        node.flags.insert(Flags::MASTER);
    }
    for slot in unowned {
        state.add_slot(slot, &id);
    }
    Some(id)
}

/// The epochs in a message from known node `sender` (Redis's
/// clusterProcessPacket): a newer currentEpoch is adopted, a newer config
/// epoch of the sender recorded, and two masters sharing a config epoch
/// resolve the collision. True if nodes.conf must be saved.
pub(crate) fn on_epochs(state: &mut ClusterState, sender: &NodeId, header: &Header) -> bool {
    let Some(node) = state.node_mut(sender) else {
        return false;
    };
    if node.flags.has(Flags::HANDSHAKE) {
        return false;
    }
    let mut save = false;
    if header.config_epoch > node.config_epoch {
        node.config_epoch = header.config_epoch;
        save = true;
    }
    if header.current_epoch > state.current_epoch {
        state.current_epoch = header.current_epoch;
    }
    if header.flags & node_flags::MASTER != 0 {
        save |= state.handle_config_epoch_collision(sender);
    }
    save
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::node::Node;

    #[test]
    fn a_pong_completes_the_handshake_under_the_senders_name() {
        let mut state = ClusterState::new(NodeId::random());
        let temp = NodeId::random();
        let mut node = Node::new(temp, Flags::MASTER);
        node.flags.insert(Flags::HANDSHAKE);
        state.add_node(node);
        let real = NodeId::random();
        let mut other = ClusterState::new(real);
        let other_me = other.myself;
        other.add_slot(5, &other_me);
        let mut header = my_header(&other, 0, "");
        header.port = 7001;
        assert_eq!(header.flags, node_flags::MASTER | node_flags::MYSELF);
        assert_eq!(on_pong(&mut state, &temp, &header, 99), Some(real));
        let node = state.node(&real).unwrap();
        assert!(!node.flags.has(Flags::HANDSHAKE) && node.link_connected);
        assert_eq!((node.port, node.pong_received), (7001, 99));
        assert_eq!(state.owner(5), Some(real));
        assert!(state.node(&temp).is_none());
    }

    #[test]
    fn epochs_are_adopted_and_collisions_resolved_by_the_smaller_id() {
        let small = NodeId::parse(&[b'1'; 40]).unwrap();
        let large = NodeId::parse(&[b'f'; 40]).unwrap();
        let mut state = ClusterState::new(small);
        state.add_node(Node::new(large, Flags::MASTER));
        let other = ClusterState::new(large);
        let mut header = my_header(&other, 0, "");
        assert!(on_epochs(&mut state, &large, &header), "same epoch 0: bump");
        assert_eq!((state.current_epoch, state.me().config_epoch), (1, 1));
        header.current_epoch = 5;
        header.config_epoch = 3;
        assert!(on_epochs(&mut state, &large, &header));
        assert_eq!(state.current_epoch, 5);
        assert_eq!(state.node(&large).unwrap().config_epoch, 3);
    }
}
