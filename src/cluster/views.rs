//! What the CLUSTER read commands show, rendered from the state exactly as
//! Redis 7.0 does: INFO, NODES, SLOTS, SHARDS, LINKS, MYID, KEYSLOT,
//! COUNTKEYSINSLOT and GETKEYSINSLOT. Node lists follow the state's node
//! order (Redis follows its dict's order).

use super::node::{Flags, LinkInfo, Node};
use super::nodes_conf::node_lines;
use super::state::{ClusterState, MESSAGE_TYPE_NAMES};
use crate::config::cluster::PreferredEndpoint;
use crate::numbers::parse_i64;
use crate::resp::reply::Reply;
use crate::store::slot::{key_slot, SLOTS};
use std::fmt::Write as _;

/// CLUSTER INFO's text (a verbatim string in RESP3). Per-type message
/// counters appear only when non-zero, as in Redis.
pub(crate) fn cluster_info(state: &ClusterState) -> String {
    let slots = state.slot_health();
    let mut out = String::new();
    let _ = write!(
        out,
        "cluster_state:{}\r\ncluster_slots_assigned:{}\r\ncluster_slots_ok:{}\r\n\
         cluster_slots_pfail:{}\r\ncluster_slots_fail:{}\r\ncluster_known_nodes:{}\r\n\
         cluster_size:{}\r\ncluster_current_epoch:{}\r\ncluster_my_epoch:{}\r\n",
        if state.ok { "ok" } else { "fail" },
        slots.assigned,
        slots.ok,
        slots.pfail,
        slots.fail,
        state.nodes().len(),
        state.size,
        state.current_epoch,
        state.my_epoch(),
    );
    for (counts, direction) in [
        (&state.stats.sent, "sent"),
        (&state.stats.received, "received"),
    ] {
        for (name, count) in MESSAGE_TYPE_NAMES.iter().zip(counts.iter()) {
            if *count != 0 {
                let _ = write!(out, "cluster_stats_messages_{name}_{direction}:{count}\r\n");
            }
        }
        let total: u64 = counts.iter().sum();
        let _ = write!(out, "cluster_stats_messages_{direction}:{total}\r\n");
    }
    let _ = write!(
        out,
        "total_cluster_links_buffer_limit_exceeded:{}\r\n",
        state.stats.links_buffer_limit_exceeded
    );
    out
}

/// CLUSTER NODES's text (a verbatim string in RESP3): every node's line,
/// handshake nodes included.
pub(crate) fn cluster_nodes(state: &ClusterState) -> String {
    node_lines(state, Flags::NONE)
}

/// The node's preferred endpoint (Redis's addNodeEndpoint): its ip, its
/// hostname (`?` if none) or a null.
fn endpoint(reply: &mut Reply, node: &Node, preferred: PreferredEndpoint) {
    match preferred {
        PreferredEndpoint::Ip => reply.bulk(node.ip.as_bytes()),
        PreferredEndpoint::Hostname if node.hostname.is_empty() => reply.bulk(b"?"),
        PreferredEndpoint::Hostname => reply.bulk(node.hostname.as_bytes()),
        PreferredEndpoint::UnknownEndpoint => reply.null(),
    }
}

/// One node of a CLUSTER SLOTS range: endpoint, port, id, and a map of the
/// other networking metadata (ip unless preferred, hostname if any and
/// not preferred).
fn slots_node(reply: &mut Reply, node: &Node, preferred: PreferredEndpoint) {
    reply.array(4);
    endpoint(reply, node, preferred);
    reply.int(node.port as i64);
    reply.bulk(node.id.as_bytes());
    let show_ip = preferred != PreferredEndpoint::Ip;
    let show_hostname = preferred != PreferredEndpoint::Hostname && !node.hostname.is_empty();
    reply.map(show_ip as usize + show_hostname as usize);
    if show_ip {
        reply.bulk(b"ip");
        reply.bulk(node.ip.as_bytes());
    }
    if show_hostname {
        reply.bulk(b"hostname");
        reply.bulk(node.hostname.as_bytes());
    }
}

/// CLUSTER SLOTS: one entry per run of consecutive slots with the same
/// owner, in slot order: start, end, the owner, then its available
/// replicas: not FAIL, and with a non-zero replication offset (synced;
/// myself's offset is `my_repl_offset`), as Redis 7.0.15's
/// isReplicaAvailable.
pub(crate) fn cluster_slots(
    reply: &mut Reply,
    state: &ClusterState,
    preferred: PreferredEndpoint,
    my_repl_offset: u64,
) {
    let mut runs: Vec<(usize, usize, &Node)> = Vec::new();
    let mut slot = 0;
    while slot < SLOTS {
        let Some(owner) = state.owner(slot) else {
            slot += 1;
            continue;
        };
        let start = slot;
        while slot < SLOTS && state.owner(slot) == Some(owner) {
            slot += 1;
        }
        if let Some(node) = state.node(&owner) {
            runs.push((start, slot - 1, node));
        }
    }
    reply.array(runs.len());
    for (start, end, master) in runs {
        let available = |r: &&Node| {
            let offset = if r.is_myself() {
                my_repl_offset
            } else {
                r.repl_offset
            };
            !r.is_failed() && offset != 0
        };
        let replicas: Vec<&Node> = state.replicas_of(&master.id).filter(available).collect();
        reply.array(3 + replicas.len());
        reply.int(start as i64);
        reply.int(end as i64);
        slots_node(reply, master, preferred);
        for replica in replicas {
            slots_node(reply, replica, preferred);
        }
    }
}

/// CLUSTER SHARDS: one shard per master (slots or not): its slot ranges as
/// a flat start/end list and its nodes, master first. `my_repl_offset` is
/// this server's replication offset (Redis reads it from replication, not
/// from the node table).
pub(crate) fn cluster_shards(
    reply: &mut Reply,
    state: &ClusterState,
    preferred: PreferredEndpoint,
    my_repl_offset: u64,
) {
    let masters: Vec<&Node> = state.nodes().iter().filter(|n| n.is_master()).collect();
    reply.array(masters.len());
    for master in masters {
        reply.map(2);
        reply.bulk(b"slots");
        let ranges = master.slots.ranges();
        reply.array(ranges.len() * 2);
        for (start, end) in ranges {
            reply.int(start as i64);
            reply.int(end as i64);
        }
        reply.bulk(b"nodes");
        let replicas: Vec<&Node> = state.replicas_of(&master.id).collect();
        reply.array(1 + replicas.len());
        shard_node(reply, master, preferred, my_repl_offset);
        for replica in replicas {
            shard_node(reply, replica, preferred, my_repl_offset);
        }
    }
}

/// One node of a shard (Redis's addNodeDetailsToShardReply).
fn shard_node(reply: &mut Reply, node: &Node, preferred: PreferredEndpoint, my_repl_offset: u64) {
    let show_port = node.port != 0;
    let show_hostname = !node.hostname.is_empty();
    reply.map(6 + show_port as usize + show_hostname as usize);
    reply.bulk(b"id");
    reply.bulk(node.id.as_bytes());
    if show_port {
        reply.bulk(b"port");
        reply.int(node.port as i64);
    }
    reply.bulk(b"ip");
    reply.bulk(node.ip.as_bytes());
    reply.bulk(b"endpoint");
    endpoint(reply, node, preferred);
    if show_hostname {
        reply.bulk(b"hostname");
        reply.bulk(node.hostname.as_bytes());
    }
    reply.bulk(b"role");
    reply.bulk(if node.is_master() {
        b"master" as &[u8]
    } else {
        b"replica"
    });
    let offset = if node.is_myself() {
        my_repl_offset
    } else {
        node.repl_offset
    };
    reply.bulk(b"replication-offset");
    reply.int(offset as i64);
    let health: &[u8] = if node.is_failed() {
        b"fail"
    } else if node.is_replica() && offset == 0 {
        b"loading"
    } else {
        b"online"
    };
    reply.bulk(b"health");
    reply.bulk(health);
}

/// CLUSTER LINKS: each node's outbound (`to`) then inbound (`from`) bus
/// link.
pub(crate) fn cluster_links(reply: &mut Reply, state: &ClusterState) {
    let mut links: Vec<(&str, &Node, &LinkInfo)> = Vec::new();
    for node in state.nodes() {
        if let Some(link) = &node.link_to {
            links.push(("to", node, link));
        }
        if let Some(link) = &node.link_from {
            links.push(("from", node, link));
        }
    }
    reply.array(links.len());
    for (direction, node, link) in links {
        reply.map(6);
        reply.bulk(b"direction");
        reply.bulk(direction.as_bytes());
        reply.bulk(b"node");
        reply.bulk(node.id.as_bytes());
        reply.bulk(b"create-time");
        reply.int(link.create_time as i64);
        reply.bulk(b"events");
        reply.bulk(link.events.as_bytes());
        reply.bulk(b"send-buffer-allocated");
        reply.int(link.send_buffer_allocated as i64);
        reply.bulk(b"send-buffer-used");
        reply.int(link.send_buffer_used as i64);
    }
}

/// CLUSTER MYID.
pub(crate) fn cluster_myid(reply: &mut Reply, state: &ClusterState) {
    reply.bulk(state.myself.as_bytes());
}

/// CLUSTER KEYSLOT `key`.
pub(crate) fn cluster_keyslot(reply: &mut Reply, key: &[u8]) {
    reply.int(key_slot(key) as i64);
}

const NOT_AN_INTEGER: &str = "ERR value is not an integer or out of range";

/// CLUSTER COUNTKEYSINSLOT `slot`: `count` gives the number of keys the
/// store holds in a slot.
pub(crate) fn count_keys_in_slot(reply: &mut Reply, slot: &[u8], count: impl FnOnce(usize) -> u64) {
    match parse_i64(slot) {
        None => reply.error(NOT_AN_INTEGER),
        Some(s) if s < 0 || s >= SLOTS as i64 => reply.error("ERR Invalid slot"),
        Some(s) => reply.int(count(s as usize) as i64),
    }
}

/// CLUSTER GETKEYSINSLOT `slot` `count`: `keys(slot, n)` gives at most n
/// keys of the slot.
pub(crate) fn get_keys_in_slot(
    reply: &mut Reply,
    slot: &[u8],
    count: &[u8],
    keys: impl FnOnce(usize, usize) -> Vec<Vec<u8>>,
) {
    let (Some(slot), Some(max)) = (parse_i64(slot), parse_i64(count)) else {
        return reply.error(NOT_AN_INTEGER);
    };
    if max < 0 || slot < 0 || slot >= SLOTS as i64 {
        return reply.error("ERR Invalid slot or number of keys");
    }
    let found = keys(slot as usize, usize::try_from(max).unwrap_or(usize::MAX));
    reply.array(found.len());
    for key in found {
        reply.bulk(&key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::node::NodeId;
    use crate::cluster::nodes_conf;

    /// Redis 7.0.15 replies captured from node 30101 of a 3 masters + 3
    /// replicas cluster with hostnames and slot 100 migrating (raw bytes).
    const NODES: &[u8] = include_bytes!("testdata/views/nodes.resp");
    const NODES3: &[u8] = include_bytes!("testdata/views/nodes3.resp");
    const SLOTS2: &[u8] = include_bytes!("testdata/views/slots2.resp");
    const SLOTS3: &[u8] = include_bytes!("testdata/views/slots3.resp");
    const SHARDS2: &[u8] = include_bytes!("testdata/views/shards2.resp");
    const SHARDS3: &[u8] = include_bytes!("testdata/views/shards3.resp");
    const INFO2: &[u8] = include_bytes!("testdata/views/info2.resp");
    const INFO3: &[u8] = include_bytes!("testdata/views/info3.resp");
    const LINKS2: &[u8] = include_bytes!("testdata/views/links2.resp");
    const LINKS3: &[u8] = include_bytes!("testdata/views/links3.resp");
    /// A fresh single node (no ip known yet) owning slots 2-3 and 12-20.
    const NOIP_NODES: &[u8] = include_bytes!("testdata/views/noip-nodes.resp");
    const NOIP_SLOTS2: &[u8] = include_bytes!("testdata/views/noip-slots2.resp");
    const NOIP_SHARDS2: &[u8] = include_bytes!("testdata/views/noip-shards2.resp");
    const NOIP_INFO2: &[u8] = include_bytes!("testdata/views/noip-info2.resp");

    /// The payload of a captured bulk (`$n`) or verbatim (`=n txt:`) reply.
    fn payload(raw: &[u8]) -> String {
        let text = std::str::from_utf8(raw).unwrap();
        let body = &text[text.find("\r\n").unwrap() + 2..text.len() - 2];
        body.strip_prefix("txt:").unwrap_or(body).to_string()
    }

    /// The state of the captured node, built from its CLUSTER NODES reply
    /// and its epochs (CLUSTER INFO: currentEpoch 6), with the replication
    /// offsets CLUSTER SHARDS showed.
    fn captured_state(nodes_reply: &[u8], offsets: &[(&str, u64)]) -> ClusterState {
        let conf = payload(nodes_reply) + "vars currentEpoch 6 lastVoteEpoch 0\n";
        let mut state = nodes_conf::parse(&conf).unwrap();
        for (id, offset) in offsets {
            let id = NodeId::parse(id.as_bytes()).unwrap();
            state.node_mut(&id).unwrap().repl_offset = *offset;
        }
        state.update_state(true);
        state
    }

    const M1: &str = "527c27d45ad74dc970dc24a6ed4b83ca08aaa037";
    const R1: &str = "7fb9a817f8e72d396f0148782f3860e71dd5ecc8";
    const M0: &str = "d0f1b2232090911e4c1c660f20990fa78b50c004";
    const R0: &str = "7059dd82a58e6aeae82eed6b3a03344a22943d27";
    const M2: &str = "7e3187850e71dd2c1949137c3ebca2dee73aa5d9";
    const R2: &str = "e03574e54f51e050704721bb7c71d98e71c1edcf";
    /// Replicas with a replication offset (synced), as during the capture.
    const SYNCED: &[(&str, u64)] = &[(R0, 14), (R1, 14), (R2, 100)];

    fn render(resp3: bool, write: impl FnOnce(&mut Reply)) -> Vec<u8> {
        let mut reply = Reply::new(resp3);
        write(&mut reply);
        reply.buf
    }

    fn show(bytes: &[u8]) -> String {
        String::from_utf8_lossy(bytes).replace("\r\n", " ")
    }

    #[test]
    fn cluster_nodes_matches_redis() {
        for raw in [NODES, NODES3, NOIP_NODES] {
            let text = payload(raw);
            let conf = text.clone() + "vars currentEpoch 0 lastVoteEpoch 0\n";
            let state = nodes_conf::parse(&conf).unwrap();
            assert_eq!(cluster_nodes(&state), text);
            let resp3 = raw.starts_with(b"=");
            let bytes = render(resp3, |r| r.verbatim(cluster_nodes(&state).as_bytes()));
            assert_eq!(show(&bytes), show(raw));
        }
    }

    #[test]
    fn cluster_slots_matches_redis_in_resp2_and_resp3() {
        let state = captured_state(NODES, SYNCED);
        for (resp3, raw) in [(false, SLOTS2), (true, SLOTS3)] {
            let bytes = render(resp3, |r| {
                cluster_slots(r, &state, PreferredEndpoint::Ip, 28)
            });
            assert_eq!(show(&bytes), show(raw), "resp3 {resp3}");
        }
        let text = payload(NOIP_NODES) + "vars currentEpoch 0 lastVoteEpoch 0\n";
        let noip = nodes_conf::parse(&text).unwrap();
        let bytes = render(false, |r| cluster_slots(r, &noip, PreferredEndpoint::Ip, 0));
        assert_eq!(show(&bytes), show(NOIP_SLOTS2));
    }

    #[test]
    fn cluster_slots_other_endpoint_types_follow_redis_rules() {
        let state = captured_state(NODES, SYNCED);
        let bytes = render(false, |r| {
            cluster_slots(r, &state, PreferredEndpoint::Hostname, 28)
        });
        let text = show(&bytes);
        assert!(text.starts_with("*3 *4 :0 :5460 *4 $13 host0.example :30101 $40 d0f1b2232090911e4c1c660f20990fa78b50c004 *2 $2 ip $9 127.0.0.1 "), "{text}");
        let bytes = render(true, |r| {
            cluster_slots(r, &state, PreferredEndpoint::UnknownEndpoint, 28)
        });
        let text = show(&bytes);
        assert!(text.starts_with("*3 *4 :0 :5460 *4 _ :30101 $40 d0f1b2232090911e4c1c660f20990fa78b50c004 %2 $2 ip $9 127.0.0.1 $8 hostname $13 host0.example "), "{text}");
    }

    #[test]
    fn failed_or_unsynced_replicas_leave_cluster_slots() {
        let mut state = captured_state(NODES, SYNCED);
        let replica = NodeId::parse(R0.as_bytes()).unwrap();
        state.node_mut(&replica).unwrap().flags.insert(Flags::FAIL);
        state
            .node_mut(&NodeId::parse(R2.as_bytes()).unwrap())
            .unwrap()
            .repl_offset = 0;
        let bytes = render(false, |r| {
            cluster_slots(r, &state, PreferredEndpoint::Ip, 28)
        });
        assert!(show(&bytes).starts_with("*3 *3 :0 :5460 *4 $9 127.0.0.1 :30101 "));
        assert!(!show(&bytes).contains(R0));
        assert!(!show(&bytes).contains(R2));
        assert!(show(&bytes).contains(R1));
    }

    #[test]
    fn cluster_shards_matches_redis_in_resp2_and_resp3() {
        let resp2 = captured_state(NODES, &[(M1, 14), (R1, 14), (R0, 14), (M2, 100), (R2, 100)]);
        let bytes = render(false, |r| {
            cluster_shards(r, &resp2, PreferredEndpoint::Ip, 28)
        });
        assert_eq!(show(&bytes), show(SHARDS2));
        let resp3 = captured_state(
            NODES3,
            &[(M1, 28), (R1, 28), (R0, 14), (M2, 114), (R2, 114)],
        );
        let bytes = render(true, |r| {
            cluster_shards(r, &resp3, PreferredEndpoint::Ip, 28)
        });
        assert_eq!(show(&bytes), show(SHARDS3));
        let text = payload(NOIP_NODES) + "vars currentEpoch 0 lastVoteEpoch 0\n";
        let noip = nodes_conf::parse(&text).unwrap();
        let bytes = render(false, |r| {
            cluster_shards(r, &noip, PreferredEndpoint::Ip, 0)
        });
        assert_eq!(show(&bytes), show(NOIP_SHARDS2));
    }

    #[test]
    fn shard_health_fail_and_loading() {
        let mut state = captured_state(NODES, &[(M1, 14), (R1, 0)]);
        state
            .node_mut(&NodeId::parse(M1.as_bytes()).unwrap())
            .unwrap()
            .flags
            .insert(Flags::FAIL);
        let bytes = render(false, |r| {
            cluster_shards(r, &state, PreferredEndpoint::Ip, 28)
        });
        let text = show(&bytes);
        assert!(text.contains(":14 $6 health $4 fail "), "{text}");
        assert!(text.contains(":0 $6 health $7 loading "), "{text}");
    }

    #[test]
    fn cluster_info_matches_redis() {
        let mut state = captured_state(NODES, &[]);
        state.stats.sent[0] = 40;
        state.stats.sent[1] = 42;
        state.stats.received[0] = 37;
        state.stats.received[1] = 40;
        state.stats.received[2] = 5;
        assert_eq!(cluster_info(&state), payload(INFO2));
        let bytes = render(false, |r| r.verbatim(cluster_info(&state).as_bytes()));
        assert_eq!(show(&bytes), show(INFO2));
        // RESP3: a verbatim string; counters had moved on by then.
        let text = payload(INFO3);
        let bytes = render(true, |r| r.verbatim(text.as_bytes()));
        assert_eq!(show(&bytes), show(INFO3));

        let nodes = payload(NOIP_NODES) + "vars currentEpoch 0 lastVoteEpoch 0\n";
        let mut noip = nodes_conf::parse(&nodes).unwrap();
        noip.update_state(true);
        assert_eq!(cluster_info(&noip), payload(NOIP_INFO2));
    }

    #[test]
    fn replica_shows_its_masters_epoch() {
        let text = include_str!("testdata/nodes-30104.conf");
        let mut state = nodes_conf::parse(text).unwrap();
        state.me_mut().config_epoch = 0;
        assert_eq!(state.my_epoch(), 1);
        assert!(cluster_nodes(&state).contains(
            " myself,slave d0f1b2232090911e4c1c660f20990fa78b50c004 0 1796662485000 1 connected\n"
        ));
    }

    #[test]
    fn cluster_links_matches_redis() {
        let mut state = captured_state(NODES, &[]);
        let times = [
            (M1, 1796662482341, 1796662482270),
            (R1, 1796662482342, 1796662482262),
            (M2, 1796662482241, 1796662482210),
            (R2, 1796662482341, 1796662482265),
            (R0, 1796662482238, 1796662482230),
        ];
        for (id, to, from) in times {
            let node = state
                .node_mut(&NodeId::parse(id.as_bytes()).unwrap())
                .unwrap();
            let link = |create_time| LinkInfo {
                create_time,
                events: "r",
                ..LinkInfo::default()
            };
            node.link_to = Some(link(to));
            node.link_from = Some(link(from));
        }
        for (resp3, raw) in [(false, LINKS2), (true, LINKS3)] {
            let bytes = render(resp3, |r| cluster_links(r, &state));
            assert_eq!(show(&bytes), show(raw));
        }
        let lone = ClusterState::new(NodeId::random());
        assert_eq!(render(false, |r| cluster_links(r, &lone)), b"*0\r\n");
    }

    #[test]
    fn keyslot_myid_and_key_counts_match_redis() {
        // Captured: KEYSLOT foo = 12182, {user1000}.following = 3443.
        assert_eq!(render(false, |r| cluster_keyslot(r, b"foo")), b":12182\r\n");
        assert_eq!(
            render(false, |r| cluster_keyslot(r, b"{user1000}.following")),
            b":3443\r\n"
        );
        let state = captured_state(NODES, &[]);
        assert_eq!(
            render(false, |r| cluster_myid(r, &state)),
            format!("$40\r\n{M0}\r\n").into_bytes()
        );
        let count = |slot: &[u8]| render(false, |r| count_keys_in_slot(r, slot, |s| s as u64 + 1));
        assert_eq!(count(b"100"), b":101\r\n");
        assert_eq!(count(b"16384"), b"-ERR Invalid slot\r\n");
        assert_eq!(count(b"-1"), b"-ERR Invalid slot\r\n");
        assert_eq!(
            count(b"x"),
            b"-ERR value is not an integer or out of range\r\n"
        );
        let keys = |slot: &[u8], n: &[u8]| {
            render(false, |r| {
                get_keys_in_slot(r, slot, n, |s, max| {
                    assert_eq!(s, 1);
                    vec![b"a".to_vec(), b"b".to_vec()]
                        .into_iter()
                        .take(max)
                        .collect()
                })
            })
        };
        assert_eq!(keys(b"1", b"1"), b"*1\r\n$1\r\na\r\n");
        assert_eq!(keys(b"1", b"10"), b"*2\r\n$1\r\na\r\n$1\r\nb\r\n");
        assert_eq!(
            keys(b"1", b"-1"),
            b"-ERR Invalid slot or number of keys\r\n"
        );
        assert_eq!(
            keys(b"99999", b"1"),
            b"-ERR Invalid slot or number of keys\r\n"
        );
        assert_eq!(
            keys(b"x", b"1"),
            b"-ERR value is not an integer or out of range\r\n"
        );
        assert_eq!(
            keys(b"1", b"x"),
            b"-ERR value is not an integer or out of range\r\n"
        );
    }
}
