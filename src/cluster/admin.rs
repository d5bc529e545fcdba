//! The CLUSTER subcommands that read or change the state, with Redis
//! 7.0's checks, order of checks and error texts (cluster.c's
//! clusterCommand). [`execute`] is the whole command after `CLUSTER`; what
//! the loop must do afterwards (save nodes.conf, re-evaluate the state,
//! start or stop replicating) comes back as a [`Todo`]. MEET, FAILOVER,
//! SAVECONFIG and the bus-driven parts are the loop's.

use super::node::NodeId;
use super::state::ClusterState;
use super::views;
use crate::config::cluster::PreferredEndpoint;
use crate::numbers::parse_i64;
use crate::resp::reply::Reply;
use crate::store::slot::SLOTS;

/// What a command needs from outside the cluster state.
pub(crate) struct Context<'a> {
    /// Now, unix ms.
    pub(crate) now_ms: u64,
    /// cluster-node-timeout (ms).
    pub(crate) node_timeout: u64,
    /// cluster-allow-replica-migration.
    pub(crate) allow_replica_migration: bool,
    /// cluster-preferred-endpoint-type.
    pub(crate) preferred_endpoint: PreferredEndpoint,
    /// This server's replication offset (CLUSTER SHARDS).
    pub(crate) repl_offset: u64,
    /// Keys in database 0 (the only database in cluster mode).
    pub(crate) db_keys: u64,
    /// Keys the store holds in a slot.
    pub(crate) keys_in_slot: &'a dyn Fn(usize) -> u64,
    /// At most n keys of a slot.
    pub(crate) keys_of_slot: &'a dyn Fn(usize, usize) -> Vec<Vec<u8>>,
}

/// Work for the loop after a command (Redis's clusterDoBeforeSleep flags
/// and the replication calls cluster.c makes).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Todo {
    /// Write nodes.conf (fsynced).
    pub(crate) save_config: bool,
    /// Re-evaluate cluster_state.
    pub(crate) update_state: bool,
    /// Start replicating this master (myself just became its replica).
    pub(crate) replicate: Option<NodeId>,
    /// Myself was a replica and is a master now: stop replicating and
    /// empty the data (CLUSTER RESET).
    pub(crate) became_master_flush: bool,
    /// Tell every node about our slots now (a slot import completed).
    pub(crate) broadcast_pong: bool,
}

const NOT_AN_INTEGER: &str = "ERR value is not an integer or out of range";
const SYNTAX: &str = "ERR syntax error";

/// A failed check: the error reply.
type Refusal = String;

/// Runs `CLUSTER <args...>` (args[0] is the subcommand) on `state`,
/// replying into `reply`.
pub(crate) fn execute(
    state: &mut ClusterState,
    args: &[&[u8]],
    ctx: &Context,
    reply: &mut Reply,
) -> Todo {
    let mut todo = Todo::default();
    let Some(sub) = args.first() else {
        reply.error("ERR wrong number of arguments for 'cluster' command");
        return todo;
    };
    let name = String::from_utf8_lossy(sub).to_ascii_lowercase();
    let Some(&(_, arity)) = SUBCOMMANDS.iter().find(|(n, _)| *n == name) else {
        reply.error(&format!(
            "ERR unknown subcommand '{}'. Try CLUSTER HELP.",
            String::from_utf8_lossy(sub)
        ));
        return todo;
    };
    let argc = args.len() as i32 + 1;
    if (arity > 0 && argc != arity) || argc < -arity {
        reply.error(&format!(
            "ERR wrong number of arguments for 'cluster|{name}' command"
        ));
        return todo;
    }
    let rest = &args[1..];
    let outcome: Result<(), Refusal> = match name.as_str() {
        "addslots" | "delslots" => {
            add_del_slots(state, rest, name == "delslots", &mut todo).map(|_| reply.ok())
        }
        "addslotsrange" | "delslotsrange" => {
            add_del_slot_ranges(state, rest, &name, &mut todo).map(|_| reply.ok())
        }
        "setslot" => set_slot(state, rest, ctx, &mut todo).map(|_| reply.ok()),
        "replicate" => replicate(state, rest[0], ctx, &mut todo).map(|_| reply.ok()),
        "forget" => forget(state, rest[0], ctx, &mut todo).map(|_| reply.ok()),
        "flushslots" => flush_slots(state, ctx, &mut todo).map(|_| reply.ok()),
        "reset" => reset(state, rest.first().copied(), ctx, &mut todo).map(|_| reply.ok()),
        "bumpepoch" => {
            reply.simple(&bump_epoch(state, &mut todo));
            Ok(())
        }
        "set-config-epoch" => set_config_epoch(state, rest[0], &mut todo).map(|_| reply.ok()),
        "count-failure-reports" => {
            count_failure_reports(state, rest[0], ctx).map(|n| reply.int(n as i64))
        }
        "info" => {
            reply.verbatim(views::cluster_info(state).as_bytes());
            Ok(())
        }
        "nodes" => {
            reply.verbatim(views::cluster_nodes(state).as_bytes());
            Ok(())
        }
        "slots" => {
            views::cluster_slots(reply, state, ctx.preferred_endpoint, ctx.repl_offset);
            Ok(())
        }
        "shards" => {
            views::cluster_shards(reply, state, ctx.preferred_endpoint, ctx.repl_offset);
            Ok(())
        }
        "links" => {
            views::cluster_links(reply, state);
            Ok(())
        }
        "myid" => {
            views::cluster_myid(reply, state);
            Ok(())
        }
        "keyslot" => {
            views::cluster_keyslot(reply, rest[0]);
            Ok(())
        }
        "countkeysinslot" => {
            views::count_keys_in_slot(reply, rest[0], |s| (ctx.keys_in_slot)(s));
            Ok(())
        }
        "getkeysinslot" => {
            views::get_keys_in_slot(reply, rest[0], rest[1], |s, n| (ctx.keys_of_slot)(s, n));
            Ok(())
        }
        _ => unreachable!("every name of SUBCOMMANDS is handled"),
    };
    if let Err(message) = outcome {
        reply.error(&message);
    }
    todo
}

/// The subcommands handled here and their arity (Redis's command table:
/// negative = at least).
const SUBCOMMANDS: &[(&str, i32)] = &[
    ("addslots", -3),
    ("addslotsrange", -4),
    ("bumpepoch", 2),
    ("count-failure-reports", 3),
    ("countkeysinslot", 3),
    ("delslots", -3),
    ("delslotsrange", -4),
    ("flushslots", 2),
    ("forget", 3),
    ("getkeysinslot", 4),
    ("info", 2),
    ("keyslot", 3),
    ("links", 2),
    ("myid", 2),
    ("nodes", 2),
    ("replicate", 3),
    ("reset", -2),
    ("set-config-epoch", 3),
    ("setslot", -4),
    ("shards", 2),
    ("slots", 2),
];

/// Redis's getSlotOrReply.
fn parse_slot(arg: &[u8]) -> Result<usize, Refusal> {
    match parse_i64(arg) {
        Some(n) if (0..SLOTS as i64).contains(&n) => Ok(n as usize),
        _ => Err("ERR Invalid or out of range slot".into()),
    }
}

/// Redis's checkSlotAssignmentsOrReply over `start..=end`, marking the
/// slots in `chosen`.
fn check_assignments(
    state: &ClusterState,
    chosen: &mut [bool],
    del: bool,
    start: usize,
    end: usize,
) -> Result<(), Refusal> {
    for (slot, seen) in chosen.iter_mut().enumerate().take(end + 1).skip(start) {
        let owned = state.owner(slot).is_some();
        if del && !owned {
            return Err(format!("ERR Slot {slot} is already unassigned"));
        }
        if !del && owned {
            return Err(format!("ERR Slot {slot} is already busy"));
        }
        if std::mem::replace(seen, true) {
            return Err(format!("ERR Slot {slot} specified multiple times"));
        }
    }
    Ok(())
}

/// Redis's clusterUpdateSlots: assigns the chosen slots to myself (or
/// unassigns them); an import of a slot now ours is over.
fn update_slots(state: &mut ClusterState, chosen: &[bool], del: bool, todo: &mut Todo) {
    let me = state.myself;
    for (slot, _) in chosen.iter().enumerate().filter(|(_, c)| **c) {
        state.importing_from.remove(&slot);
        if del {
            state.del_slot(slot);
        } else {
            state.add_slot(slot, &me);
        }
    }
    todo.update_state = true;
    todo.save_config = true;
}

/// ADDSLOTS / DELSLOTS slot...: every argument is parsed before any is
/// checked, all are checked before any changes.
fn add_del_slots(
    state: &mut ClusterState,
    args: &[&[u8]],
    del: bool,
    todo: &mut Todo,
) -> Result<(), Refusal> {
    let slots = args
        .iter()
        .map(|a| parse_slot(a))
        .collect::<Result<Vec<_>, _>>()?;
    let mut chosen = vec![false; SLOTS];
    for slot in slots {
        check_assignments(state, &mut chosen, del, slot, slot)?;
    }
    update_slots(state, &chosen, del, todo);
    Ok(())
}

/// ADDSLOTSRANGE / DELSLOTSRANGE start end [start end ...].
fn add_del_slot_ranges(
    state: &mut ClusterState,
    args: &[&[u8]],
    name: &str,
    todo: &mut Todo,
) -> Result<(), Refusal> {
    if args.len() % 2 == 1 {
        return Err(format!(
            "ERR wrong number of arguments for 'cluster|{name}' command"
        ));
    }
    let mut ranges = Vec::new();
    for pair in args.chunks(2) {
        let (start, end) = (parse_slot(pair[0])?, parse_slot(pair[1])?);
        if start > end {
            return Err(format!(
                "ERR start slot number {start} is greater than end slot number {end}"
            ));
        }
        ranges.push((start, end));
    }
    let del = name == "delslotsrange";
    let mut chosen = vec![false; SLOTS];
    for (start, end) in ranges {
        check_assignments(state, &mut chosen, del, start, end)?;
    }
    update_slots(state, &chosen, del, todo);
    Ok(())
}

/// The node a client named, or Redis's "I don't know about node" refusal.
fn known_node(state: &ClusterState, arg: &[u8], unknown: &str) -> Result<NodeId, Refusal> {
    state
        .lookup(arg)
        .map(|n| n.id)
        .ok_or_else(|| format!("ERR {unknown} {}", String::from_utf8_lossy(arg)))
}

/// The node must be a master (SETSLOT targets).
fn master_node(state: &ClusterState, id: &NodeId) -> Result<(), Refusal> {
    match state.node(id) {
        Some(n) if n.is_replica() => Err("ERR Target node is not a master".into()),
        _ => Ok(()),
    }
}

/// SETSLOT slot MIGRATING node | IMPORTING node | STABLE | NODE node.
fn set_slot(
    state: &mut ClusterState,
    args: &[&[u8]],
    ctx: &Context,
    todo: &mut Todo,
) -> Result<(), Refusal> {
    if state.me().is_replica() {
        return Err("ERR Please use SETSLOT only with masters.".into());
    }
    let slot = parse_slot(args[0])?;
    let action = String::from_utf8_lossy(args[1]).to_ascii_lowercase();
    let me = state.myself;
    match (action.as_str(), args.len()) {
        ("migrating", 3) => {
            if state.owner(slot) != Some(me) {
                return Err(format!("ERR I'm not the owner of hash slot {slot}"));
            }
            let to = known_node(state, args[2], "I don't know about node")?;
            master_node(state, &to)?;
            state.migrating_to.insert(slot, to);
        }
        ("importing", 3) => {
            if state.owner(slot) == Some(me) {
                return Err(format!("ERR I'm already the owner of hash slot {slot}"));
            }
            let from = known_node(state, args[2], "I don't know about node")?;
            master_node(state, &from)?;
            state.importing_from.insert(slot, from);
        }
        ("stable", 2) => {
            state.migrating_to.remove(&slot);
            state.importing_from.remove(&slot);
        }
        ("node", 3) => {
            let target = known_node(state, args[2], "Unknown node")?;
            master_node(state, &target)?;
            let keys = (ctx.keys_in_slot)(slot);
            let was_mine = state.owner(slot) == Some(me);
            if was_mine && target != me && keys != 0 {
                return Err(format!(
                    "ERR Can't assign hashslot {slot} to a different node while I still hold keys for this hash slot."
                ));
            }
            if keys == 0 {
                state.migrating_to.remove(&slot);
            }
            state.del_slot(slot);
            state.add_slot(slot, &target);
            if was_mine
                && target != me
                && state.me().slots.is_empty()
                && ctx.allow_replica_migration
            {
                state.set_my_master(&target);
                todo.replicate = Some(target);
            }
            if target == me && state.importing_from.remove(&slot).is_some() {
                state.bump_epoch_without_consensus();
                todo.broadcast_pong = true;
            }
        }
        _ => {
            return Err(
                "ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP"
                    .into(),
            )
        }
    }
    todo.save_config = true;
    todo.update_state = true;
    Ok(())
}

/// REPLICATE node-id.
fn replicate(
    state: &mut ClusterState,
    arg: &[u8],
    ctx: &Context,
    todo: &mut Todo,
) -> Result<(), Refusal> {
    let master = known_node(state, arg, "Unknown node")?;
    if master == state.myself {
        return Err("ERR Can't replicate myself".into());
    }
    if state.node(&master).is_some_and(|n| n.is_replica()) {
        return Err("ERR I can only replicate a master, not a replica.".into());
    }
    let me = state.me();
    if me.is_master() && (!me.slots.is_empty() || ctx.db_keys != 0) {
        return Err(
            "ERR To set a master the node must be empty and without assigned slots.".into(),
        );
    }
    state.set_my_master(&master);
    todo.replicate = Some(master);
    todo.save_config = true;
    todo.update_state = true;
    Ok(())
}

/// FORGET node-id: removed and banned from gossip for a minute.
fn forget(
    state: &mut ClusterState,
    arg: &[u8],
    ctx: &Context,
    todo: &mut Todo,
) -> Result<(), Refusal> {
    let id = known_node(state, arg, "Unknown node")?;
    if id == state.myself {
        return Err("ERR I tried hard but I can't forget myself...".into());
    }
    if state.me().is_replica() && state.me().replica_of == Some(id) {
        return Err("ERR Can't forget my master!".into());
    }
    state.blacklist_add(&id, ctx.now_ms);
    state.del_node(&id);
    todo.save_config = true;
    todo.update_state = true;
    Ok(())
}

/// FLUSHSLOTS: myself serves no slot any more.
fn flush_slots(state: &mut ClusterState, ctx: &Context, todo: &mut Todo) -> Result<(), Refusal> {
    if ctx.db_keys != 0 {
        return Err("ERR DB must be empty to perform CLUSTER FLUSHSLOTS.".into());
    }
    let me = state.myself;
    state.del_node_slots(&me);
    todo.save_config = true;
    todo.update_state = true;
    Ok(())
}

/// RESET [HARD|SOFT].
fn reset(
    state: &mut ClusterState,
    arg: Option<&[u8]>,
    ctx: &Context,
    todo: &mut Todo,
) -> Result<(), Refusal> {
    let hard = match arg {
        None => false,
        Some(a) if a.eq_ignore_ascii_case(b"hard") => true,
        Some(a) if a.eq_ignore_ascii_case(b"soft") => false,
        Some(_) => return Err(SYNTAX.into()),
    };
    if state.me().is_master() && ctx.db_keys != 0 {
        return Err("ERR CLUSTER RESET can't be called with master nodes containing keys".into());
    }
    todo.became_master_flush = state.me().is_replica();
    state.reset(hard);
    todo.save_config = true;
    todo.update_state = true;
    Ok(())
}

/// BUMPEPOCH: `BUMPED n` or `STILL n` (myself's config epoch).
fn bump_epoch(state: &mut ClusterState, todo: &mut Todo) -> String {
    let bumped = state.bump_epoch_without_consensus();
    if bumped {
        todo.save_config = true;
        todo.update_state = true;
    }
    let word = if bumped { "BUMPED" } else { "STILL" };
    format!("{word} {}", state.me().config_epoch)
}

/// SET-CONFIG-EPOCH epoch: only on a node that knows no other.
fn set_config_epoch(state: &mut ClusterState, arg: &[u8], todo: &mut Todo) -> Result<(), Refusal> {
    let epoch = parse_i64(arg).ok_or_else(|| NOT_AN_INTEGER.to_string())?;
    if epoch < 0 {
        return Err(format!("ERR Invalid config epoch specified: {epoch}"));
    }
    if state.nodes().len() > 1 {
        return Err(
            "ERR The user can assign a config epoch only when the node does not know any other node."
                .into(),
        );
    }
    if state.me().config_epoch != 0 {
        return Err("ERR Node config epoch is already non-zero".into());
    }
    let epoch = epoch as u64;
    state.me_mut().config_epoch = epoch;
    state.current_epoch = state.current_epoch.max(epoch);
    todo.save_config = true;
    todo.update_state = true;
    Ok(())
}

/// COUNT-FAILURE-REPORTS node-id.
fn count_failure_reports(
    state: &mut ClusterState,
    arg: &[u8],
    ctx: &Context,
) -> Result<usize, Refusal> {
    let id = known_node(state, arg, "Unknown node")?;
    Ok(state.count_failure_reports(&id, ctx.now_ms, ctx.node_timeout))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::node::{Flags, Node};
    use crate::cluster::nodes_conf;
    use std::path::PathBuf;

    fn no_keys(_: usize) -> u64 {
        0
    }

    fn no_key_list(_: usize, _: usize) -> Vec<Vec<u8>> {
        Vec::new()
    }

    fn context() -> Context<'static> {
        Context {
            now_ms: 1_000_000,
            node_timeout: 15000,
            allow_replica_migration: true,
            preferred_endpoint: PreferredEndpoint::Ip,
            repl_offset: 0,
            db_keys: 0,
            keys_in_slot: &no_keys,
            keys_of_slot: &no_key_list,
        }
    }

    fn run(state: &mut ClusterState, line: &str, ctx: &Context) -> (Vec<u8>, Todo) {
        let words: Vec<&[u8]> = line.split(' ').skip(1).map(str::as_bytes).collect();
        let mut reply = Reply::new(false);
        let todo = execute(state, &words, ctx, &mut reply);
        if todo.update_state {
            state.update_state(true);
        }
        (reply.buf, todo)
    }

    /// Replays a redis-server 7.0.15 session (commands.txt, one reply file
    /// per command, captured with a raw socket) and compares every reply
    /// byte for byte. Commands from index `stop` are not replayed; `bus`
    /// applies what the cluster bus changed after command i.
    fn replay(
        dir: &str,
        state: &mut ClusterState,
        skip: &[usize],
        stop: usize,
        bus: &dyn Fn(usize, &mut ClusterState),
    ) {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("src/cluster/testdata")
            .join(dir);
        let commands = std::fs::read_to_string(dir.join("commands.txt")).unwrap();
        let mut compared = 0;
        for (i, line) in commands.lines().enumerate().take(stop) {
            let expected = std::fs::read(dir.join(format!("{i:02}.resp"))).unwrap();
            let (got, _) = run(state, line, &context());
            bus(i, state);
            if skip.contains(&i) {
                continue;
            }
            assert_eq!(
                String::from_utf8_lossy(&got),
                String::from_utf8_lossy(&expected),
                "command {i}: {line}"
            );
            compared += 1;
        }
        assert!(compared > 10);
    }

    #[test]
    fn lone_node_session_matches_redis() {
        // Node 222804d4... (port 30111, bus 40111, no ip known yet), node
        // e164824c... exists elsewhere but is unknown to it.
        let id = NodeId::parse(b"222804d418577becde79c62bb8c16a86235840e0").unwrap();
        let mut state = ClusterState::new(id);
        state.me_mut().port = 30111;
        state.me_mut().cport = 40111;
        // 68: RESET HARD renames myself at random; 69 and 70 show the new id.
        replay("admin-lone", &mut state, &[], 69, &|_, _| ());
        assert_ne!(state.myself, id);
        assert_eq!(state.nodes().len(), 1);
        assert_eq!((state.current_epoch, state.me().config_epoch), (0, 0));
    }

    #[test]
    fn two_node_session_matches_redis() {
        // Node 78b2ef79... knowing master 0fd6d43c... (slots 7000-7001,
        // epoch 1, current epoch 1, after their handshake).
        let conf = "78b2ef79ca7472779d1b8a837d71c8ebe56184e0 127.0.0.1:30111@40111 myself,master - 0 0 0 connected\n\
                    0fd6d43c81d83a94b6928cc239a5d9b54119aac4 127.0.0.1:30112@40112 master - 0 1796662546643 1 connected 7000-7001\n\
                    vars currentEpoch 1 lastVoteEpoch 0\n";
        let mut state = nodes_conf::parse(conf).unwrap();
        // 13: INFO (bus counters), 16: SET (not a cluster command).
        // 3: DELSLOTS 7000 drops the slot from the view, then the owner's
        // next ping claims it back.
        let owner = NodeId::parse(b"0fd6d43c81d83a94b6928cc239a5d9b54119aac4").unwrap();
        let bus = move |i: usize, state: &mut ClusterState| {
            if i == 3 {
                state.add_slot(7000, &owner);
            }
        };
        replay("admin-pair", &mut state, &[13], 16, &bus);
    }

    /// Messages as redis-server 7.0.15 answered them on a 3 masters + 3
    /// replicas cluster (a master holding a key in slot 12182, a replica).
    #[test]
    fn replica_and_key_checks() {
        let conf = "78b2ef79ca7472779d1b8a837d71c8ebe56184e0 127.0.0.1:30111@40111 myself,master - 0 0 0 connected 5\n\
                    0fd6d43c81d83a94b6928cc239a5d9b54119aac4 127.0.0.1:30112@40112 master - 0 0 1 connected 7000-7001\n\
                    1111111111111111111111111111111111111111 127.0.0.1:30113@40113 slave 0fd6d43c81d83a94b6928cc239a5d9b54119aac4 0 0 1 connected\n\
                    vars currentEpoch 1 lastVoteEpoch 0\n";
        let replica = "1111111111111111111111111111111111111111";
        let master = "0fd6d43c81d83a94b6928cc239a5d9b54119aac4";
        let mut state = nodes_conf::parse(conf).unwrap();
        let keys = |s: usize| if s == 5 { 3 } else { 0 };
        let with_keys = Context {
            keys_in_slot: &keys,
            db_keys: 3,
            ..context()
        };
        let cases = [
            (format!("CLUSTER SETSLOT 5 migrating {replica}"), "-ERR Target node is not a master\r\n"),
            (format!("CLUSTER SETSLOT 5 node {master}"), "-ERR Can't assign hashslot 5 to a different node while I still hold keys for this hash slot.\r\n"),
            (format!("CLUSTER REPLICATE {replica}"), "-ERR I can only replicate a master, not a replica.\r\n"),
            (format!("CLUSTER REPLICATE {master}"), "-ERR To set a master the node must be empty and without assigned slots.\r\n"),
            ("CLUSTER FLUSHSLOTS".to_string(), "-ERR DB must be empty to perform CLUSTER FLUSHSLOTS.\r\n"),
            ("CLUSTER RESET".to_string(), "-ERR CLUSTER RESET can't be called with master nodes containing keys\r\n"),
            ("CLUSTER ADDSLOTSRANGE 1 2 3".to_string(), "-ERR wrong number of arguments for 'cluster|addslotsrange' command\r\n"),
        ];
        for (line, expected) in cases {
            let (got, _) = run(&mut state, &line, &with_keys);
            assert_eq!(String::from_utf8_lossy(&got), expected, "{line}");
        }
        let (got, todo) = run(&mut state, "CLUSTER DELSLOTS 5", &context());
        assert_eq!(got, b"+OK\r\n");
        assert!(todo.save_config && todo.update_state);
        let (got, todo) = run(
            &mut state,
            &format!("CLUSTER REPLICATE {master}"),
            &context(),
        );
        assert_eq!(got, b"+OK\r\n");
        assert_eq!(todo.replicate, NodeId::parse(master.as_bytes()));
        let (got, _) = run(&mut state, &format!("CLUSTER FORGET {master}"), &context());
        assert_eq!(
            String::from_utf8_lossy(&got),
            "-ERR Can't forget my master!\r\n"
        );
        let (got, _) = run(&mut state, "CLUSTER SETSLOT 5 stable", &context());
        assert_eq!(
            String::from_utf8_lossy(&got),
            "-ERR Please use SETSLOT only with masters.\r\n"
        );
        let (got, _) = run(&mut state, &format!("CLUSTER FORGET {replica}"), &context());
        assert_eq!(got, b"+OK\r\n");
        assert!(state.blacklisted(&NodeId::parse(replica.as_bytes()).unwrap(), 1_000_001));
        let (got, todo) = run(&mut state, "CLUSTER RESET SOFT", &with_keys);
        assert_eq!(got, b"+OK\r\n", "a replica may reset with keys");
        assert!(todo.became_master_flush && state.me().is_master());
    }

    /// redis-server 7.0.15 lets a replica ADDSLOTS (and lists the slot on
    /// its own line) but refuses SETSLOT; a soft reset keeps the epochs.
    #[test]
    fn replica_may_addslots_but_not_setslot() {
        let conf = "6bea588227df7fcf9469c8d933e5b40659e19195 127.0.0.1:30131@40131 myself,slave bbf1336eb39bad057b322dcec66293c506339c7a 0 0 0 connected\n\
                    bbf1336eb39bad057b322dcec66293c506339c7a 127.0.0.1:30132@40132 master - 0 1796663868865 0 connected\n\
                    vars currentEpoch 1 lastVoteEpoch 0\n";
        let mut state = nodes_conf::parse(conf).unwrap();
        state.me_mut().config_epoch = 1;
        assert_eq!(
            run(&mut state, "CLUSTER ADDSLOTS 5", &context()).0,
            b"+OK\r\n"
        );
        assert_eq!(
            crate::cluster::views::cluster_nodes(&state),
            "6bea588227df7fcf9469c8d933e5b40659e19195 127.0.0.1:30131@40131 myself,slave bbf1336eb39bad057b322dcec66293c506339c7a 0 0 0 connected 5\n\
             bbf1336eb39bad057b322dcec66293c506339c7a 127.0.0.1:30132@40132 master - 0 1796663868865 0 connected\n"
        );
        let (got, _) = run(&mut state, "CLUSTER SETSLOT 5 stable", &context());
        assert_eq!(
            String::from_utf8_lossy(&got),
            "-ERR Please use SETSLOT only with masters.\r\n"
        );
        assert_eq!(
            run(&mut state, "CLUSTER RESET SOFT", &context()).0,
            b"+OK\r\n"
        );
        let (got, _) = run(&mut state, "CLUSTER SET-CONFIG-EPOCH 3", &context());
        assert_eq!(
            String::from_utf8_lossy(&got),
            "-ERR Node config epoch is already non-zero\r\n"
        );
        let info = crate::cluster::views::cluster_info(&state);
        assert!(info.contains("cluster_known_nodes:1\r\ncluster_size:0\r\ncluster_current_epoch:1\r\ncluster_my_epoch:1\r\n"), "{info}");
    }

    #[test]
    fn importing_completion_bumps_the_epoch() {
        let mut state = ClusterState::new(NodeId::random());
        let other = NodeId::random();
        let mut node = Node::new(other, Flags::MASTER);
        node.config_epoch = 4;
        state.add_node(node);
        state.current_epoch = 4;
        state.add_slot(9, &other);
        let (got, _) = run(
            &mut state,
            &format!("CLUSTER SETSLOT 9 importing {other}"),
            &context(),
        );
        assert_eq!(got, b"+OK\r\n");
        let me = state.myself;
        let (got, todo) = run(
            &mut state,
            &format!("CLUSTER SETSLOT 9 node {me}"),
            &context(),
        );
        assert_eq!(got, b"+OK\r\n");
        assert!(todo.broadcast_pong && state.importing_from.is_empty());
        assert_eq!((state.owner(9), state.me().config_epoch), (Some(me), 5));
    }
}
