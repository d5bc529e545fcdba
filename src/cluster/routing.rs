//! Which node serves a command (Redis 7.0's getNodeByQuery and
//! clusterRedirectClient), as a pure function of the cluster state, the
//! command's keys and a few flags. The dispatcher asks before running a
//! command (after authentication, before the maxmemory check, as
//! processCommand does) and replies the redirection's text instead.

use super::node::{Node, NodeId};
use super::state::ClusterState;
use crate::config::cluster::PreferredEndpoint;
use crate::store::slot::key_slot;

/// What the dispatcher knows about the command being routed.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Query {
    /// The command (or, for EXEC, one of the queued commands) may write.
    pub(crate) write: bool,
    /// SPUBLISH / SSUBSCRIBE / SUNSUBSCRIBE: its keys are shard channels.
    pub(crate) shard_pubsub: bool,
    /// MIGRATE: served locally while the slot is open.
    pub(crate) migrate: bool,
    /// The client sent ASKING just before.
    pub(crate) asking: bool,
    /// The client sent READONLY (reads from a replica are served).
    pub(crate) readonly: bool,
}

/// cluster-allow-reads-when-down, cluster-allow-pubsubshard-when-down.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct DownPolicy {
    pub(crate) allow_reads: bool,
    pub(crate) allow_pubsubshard: bool,
}

/// Why a command is not served here (clusterRedirectClient's cases).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Redirect {
    CrossSlot,
    /// Multi-key command on a slot being moved, some keys missing.
    TryAgain,
    /// The cluster is down.
    Down,
    /// The cluster is down and this was a write (reads are allowed).
    DownReadOnly,
    /// The slot has no owner.
    Unbound,
    Moved(usize, NodeId),
    Ask(usize, NodeId),
}

impl Redirect {
    /// The error reply's text, code first, as Redis 7.0 writes it;
    /// MOVED/ASK name the node's preferred endpoint and client port.
    pub(crate) fn message(&self, state: &ClusterState, endpoint: PreferredEndpoint) -> String {
        let target = |kind: &str, slot: usize, id: &NodeId| {
            let (host, port) = state
                .node(id)
                .map_or(("", 0), |n| (endpoint_of(n, endpoint), n.port));
            format!("{kind} {slot} {host}:{port}")
        };
        match self {
            Redirect::CrossSlot => "CROSSSLOT Keys in request don't hash to the same slot".into(),
            Redirect::TryAgain => "TRYAGAIN Multiple keys request during rehashing of slot".into(),
            Redirect::Down => "CLUSTERDOWN The cluster is down".into(),
            Redirect::DownReadOnly => {
                "CLUSTERDOWN The cluster is down and only accepts read commands".into()
            }
            Redirect::Unbound => "CLUSTERDOWN Hash slot not served".into(),
            Redirect::Moved(slot, id) => target("MOVED", *slot, id),
            Redirect::Ask(slot, id) => target("ASK", *slot, id),
        }
    }
}

/// Redis's getPreferredEndpoint.
fn endpoint_of(node: &Node, endpoint: PreferredEndpoint) -> &str {
    match endpoint {
        PreferredEndpoint::Ip => &node.ip,
        PreferredEndpoint::Hostname if node.hostname.is_empty() => "?",
        PreferredEndpoint::Hostname => &node.hostname,
        PreferredEndpoint::UnknownEndpoint => "",
    }
}

/// Decides whether this node serves a command whose keys (every queued
/// command's, in order, for EXEC) are `keys`; `has_key` tells whether a
/// key exists here (db 0). Ok(()) = serve it here.
pub(crate) fn route(
    state: &ClusterState,
    keys: &[&[u8]],
    query: Query,
    down: DownPolicy,
    has_key: &dyn Fn(&[u8]) -> bool,
) -> Result<(), Redirect> {
    let Some(first) = keys.first() else {
        return Ok(());
    };
    let slot = key_slot(first);
    let Some(owner) = state.owner(slot) else {
        return Err(Redirect::Unbound);
    };
    let me = state.myself;
    let migrating = owner == me && state.migrating_to.contains_key(&slot);
    let importing = !migrating && state.importing_from.contains_key(&slot);
    let mut multiple_keys = false;
    let mut missing_keys = 0usize;
    for key in keys {
        if key != first {
            if key_slot(key) != slot {
                return Err(Redirect::CrossSlot);
            }
            multiple_keys = true;
        }
        if (migrating || importing) && !query.shard_pubsub && !has_key(key) {
            missing_keys += 1;
        }
    }
    if !state.ok {
        if query.shard_pubsub {
            if !down.allow_pubsubshard {
                return Err(Redirect::Down);
            }
        } else if !down.allow_reads {
            return Err(Redirect::Down);
        } else if query.write {
            return Err(Redirect::DownReadOnly);
        }
    }
    if (migrating || importing) && query.migrate {
        return Ok(());
    }
    if migrating && missing_keys > 0 {
        if multiple_keys {
            return Err(Redirect::TryAgain);
        }
        let to = state.migrating_to[&slot];
        return Err(Redirect::Ask(slot, to));
    }
    if importing && query.asking {
        if multiple_keys && missing_keys > 0 {
            return Err(Redirect::TryAgain);
        }
        return Ok(());
    }
    let my_master = state.me().replica_of;
    if (query.readonly || query.shard_pubsub) && !query.write && my_master == Some(owner) {
        return Ok(());
    }
    if owner != me {
        return Err(Redirect::Moved(slot, owner));
    }
    Ok(())
}

/// Why a client blocked on `key` must be released now (Redis's
/// clusterRedirectBlockedClientIfNeeded): the cluster is down, or the
/// key's slot is neither served nor being imported here (a READONLY
/// client's read on a replica of the slot's master stays).
pub(crate) fn blocked_redirect(
    state: &ClusterState,
    key: &[u8],
    readonly: bool,
    write: bool,
) -> Option<Redirect> {
    if !state.ok {
        return Some(Redirect::Down);
    }
    let slot = key_slot(key);
    let owner = state.owner(slot);
    let me = state.myself;
    let replica_read = readonly && !write && owner.is_some() && state.me().replica_of == owner;
    if owner == Some(me) || replica_read || state.importing_from.contains_key(&slot) {
        return None;
    }
    Some(owner.map_or(Redirect::Unbound, |node| Redirect::Moved(slot, node)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::node::Flags;

    fn id(c: char) -> NodeId {
        NodeId::parse(c.to_string().repeat(40).as_bytes()).unwrap()
    }

    /// Myself `a` serves slots below 8000; `b` (10.0.0.2:7001) the rest.
    fn two_masters() -> ClusterState {
        let mut s = ClusterState::new(id('a'));
        let mut b = Node::new(id('b'), Flags::MASTER);
        b.ip = "10.0.0.2".into();
        b.port = 7001;
        b.hostname = "b.example".into();
        s.add_node(b);
        for slot in 0..16384 {
            s.add_slot(slot, &if slot < 8000 { id('a') } else { id('b') });
        }
        s.ok = true;
        s
    }

    const NONE: &dyn Fn(&[u8]) -> bool = &|_| false;
    const ALL: &dyn Fn(&[u8]) -> bool = &|_| true;

    // Slots: "a" 15495, "b" 3300, "c" 7365, "{a}x" 15495, "foo" 12182.
    fn run(
        s: &ClusterState,
        keys: &[&str],
        q: Query,
        has: &dyn Fn(&[u8]) -> bool,
    ) -> Result<(), Redirect> {
        let keys: Vec<&[u8]> = keys.iter().map(|k| k.as_bytes()).collect();
        route(s, &keys, q, DownPolicy::default(), has)
    }

    #[test]
    fn keyless_local_moved_and_crossslot() {
        let s = two_masters();
        assert_eq!(run(&s, &[], Query::default(), NONE), Ok(()));
        assert_eq!(run(&s, &["b"], Query::default(), NONE), Ok(()));
        assert_eq!(run(&s, &["b", "b"], Query::default(), NONE), Ok(()));
        let moved = run(&s, &["a"], Query::default(), NONE).unwrap_err();
        assert_eq!(moved, Redirect::Moved(15495, id('b')));
        assert_eq!(
            moved.message(&s, PreferredEndpoint::Ip),
            "MOVED 15495 10.0.0.2:7001"
        );
        assert_eq!(
            moved.message(&s, PreferredEndpoint::Hostname),
            "MOVED 15495 b.example:7001"
        );
        assert_eq!(
            moved.message(&s, PreferredEndpoint::UnknownEndpoint),
            "MOVED 15495 :7001"
        );
        assert_eq!(
            run(&s, &["a", "{a}x"], Query::default(), NONE),
            Err(Redirect::Moved(15495, id('b')))
        );
        assert_eq!(
            run(&s, &["a", "b"], Query::default(), NONE),
            Err(Redirect::CrossSlot)
        );
        assert_eq!(
            Redirect::CrossSlot.message(&s, PreferredEndpoint::Ip),
            "CROSSSLOT Keys in request don't hash to the same slot"
        );
    }

    #[test]
    fn unbound_slot_and_cluster_down() {
        let mut s = two_masters();
        s.del_slot(3300);
        assert_eq!(
            run(&s, &["b"], Query::default(), NONE),
            Err(Redirect::Unbound)
        );
        assert_eq!(
            run(&s, &[], Query::default(), NONE),
            Ok(()),
            "no key: served"
        );
        s.ok = false;
        assert_eq!(run(&s, &["c"], Query::default(), NONE), Err(Redirect::Down));
        let keys: [&[u8]; 1] = [b"c"];
        let reads = DownPolicy {
            allow_reads: true,
            allow_pubsubshard: true,
        };
        assert_eq!(route(&s, &keys, Query::default(), reads, NONE), Ok(()));
        let write = Query {
            write: true,
            ..Query::default()
        };
        assert_eq!(
            route(&s, &keys, write, reads, NONE),
            Err(Redirect::DownReadOnly)
        );
        let shard = Query {
            shard_pubsub: true,
            ..Query::default()
        };
        assert_eq!(route(&s, &keys, shard, reads, NONE), Ok(()));
        let no_shard = DownPolicy {
            allow_reads: true,
            allow_pubsubshard: false,
        };
        assert_eq!(route(&s, &keys, shard, no_shard, NONE), Err(Redirect::Down));
    }

    #[test]
    fn migrating_slot_asks_for_missing_keys_and_tryagain_for_some() {
        let mut s = two_masters();
        s.migrating_to.insert(3300, id('b'));
        assert_eq!(run(&s, &["b"], Query::default(), ALL), Ok(()));
        let ask = run(&s, &["b"], Query::default(), NONE).unwrap_err();
        assert_eq!(
            ask.message(&s, PreferredEndpoint::Ip),
            "ASK 3300 10.0.0.2:7001"
        );
        let only_b: &dyn Fn(&[u8]) -> bool = &|k| k == b"b";
        assert_eq!(
            run(&s, &["b", "{b}x"], Query::default(), only_b),
            Err(Redirect::TryAgain)
        );
        assert_eq!(
            run(&s, &["b", "{b}x"], Query::default(), NONE),
            Err(Redirect::TryAgain)
        );
        let migrate = Query {
            migrate: true,
            ..Query::default()
        };
        assert_eq!(run(&s, &["b"], migrate, NONE), Ok(()));
    }

    #[test]
    fn importing_slot_serves_asking_clients_only() {
        let mut s = two_masters();
        s.importing_from.insert(15495, id('b'));
        assert_eq!(
            run(&s, &["a"], Query::default(), NONE),
            Err(Redirect::Moved(15495, id('b')))
        );
        let asking = Query {
            asking: true,
            ..Query::default()
        };
        assert_eq!(run(&s, &["a"], asking, NONE), Ok(()));
        assert_eq!(
            run(&s, &["a", "{a}x"], asking, NONE),
            Err(Redirect::TryAgain)
        );
        assert_eq!(run(&s, &["a", "{a}x"], asking, ALL), Ok(()));
    }

    #[test]
    fn blocked_clients_are_released_when_their_slot_moves() {
        let mut s = two_masters();
        assert_eq!(blocked_redirect(&s, b"b", false, false), None);
        assert_eq!(
            blocked_redirect(&s, b"a", false, false),
            Some(Redirect::Moved(15495, id('b')))
        );
        s.importing_from.insert(15495, id('b'));
        assert_eq!(blocked_redirect(&s, b"a", false, false), None);
        s.del_slot(3300);
        assert_eq!(
            blocked_redirect(&s, b"b", false, false),
            Some(Redirect::Unbound)
        );
        s.set_my_master(&id('b'));
        assert_eq!(blocked_redirect(&s, b"foo", true, false), None);
        assert_eq!(
            blocked_redirect(&s, b"foo", true, true),
            Some(Redirect::Moved(12182, id('b')))
        );
        s.ok = false;
        assert_eq!(
            blocked_redirect(&s, b"b", false, false),
            Some(Redirect::Down)
        );
    }

    #[test]
    fn a_replica_serves_readonly_reads_of_its_masters_slots() {
        let mut s = two_masters();
        s.set_my_master(&id('b'));
        let readonly = Query {
            readonly: true,
            ..Query::default()
        };
        assert_eq!(run(&s, &["a"], readonly, NONE), Ok(()));
        let write = Query {
            readonly: true,
            write: true,
            ..Query::default()
        };
        assert_eq!(
            run(&s, &["a"], write, NONE),
            Err(Redirect::Moved(15495, id('b')))
        );
        assert_eq!(
            run(&s, &["a"], Query::default(), NONE),
            Err(Redirect::Moved(15495, id('b')))
        );
    }
}
