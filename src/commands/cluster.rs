//! The CLUSTER command (Redis 7.0's clusterCommand): every subcommand is
//! in the table (arity and flags as Redis's), one handler runs them. The
//! state changes are `cluster::admin`'s; this file builds its context from
//! the store and the server and does the work it hands back (save
//! nodes.conf, re-evaluate the state, follow a master, empty the data).
//! MEET adds a handshake node the bus cron dials; FAILOVER is refused
//! (no failover on the bus yet).

use super::table::{flags::*, CommandSpec};
use super::Ctx;
use crate::cluster::admin::{self, Context, Todo};
use crate::cluster::node::{Flags, Node, NodeId};
use crate::cluster::nodes_conf;
use crate::command;
use crate::resp::Argv;

/// The cluster commands.
pub static COMMANDS: &[CommandSpec] = &[
    CLUSTER,
    command!(
        "asking",
        1,
        FAST,
        (0, 0, 0),
        "cluster",
        "Signals that a cluster client is following an -ASK redirect.",
        "3.0.0",
        asking
    ),
    command!(
        "readonly",
        1,
        FAST | LOADING | STALE,
        (0, 0, 0),
        "cluster",
        "Enables read-only queries for a connection to a Redis Cluster replica node.",
        "3.0.0",
        readonly
    ),
    command!(
        "readwrite",
        1,
        FAST | LOADING | STALE,
        (0, 0, 0),
        "cluster",
        "Enables read-write queries for a connection to a Redis Cluster replica node.",
        "3.0.0",
        readwrite
    ),
];

/// `ASKING`: the next command may use a slot this node imports.
fn asking(ctx: &mut Ctx, _argv: Argv) {
    if ctx.server.cluster.is_none() {
        return ctx.out.error(DISABLED);
    }
    ctx.client().asking = true;
    ctx.out.ok();
}

/// `READONLY`: reads of the master's slots are served on this replica.
fn readonly(ctx: &mut Ctx, _argv: Argv) {
    if ctx.server.cluster.is_none() {
        return ctx.out.error(DISABLED);
    }
    ctx.client().cluster_readonly = true;
    ctx.out.ok();
}

/// `READWRITE`: back to redirecting every command to the slot's master.
fn readwrite(ctx: &mut Ctx, _argv: Argv) {
    if ctx.server.cluster.is_none() {
        return ctx.out.error(DISABLED);
    }
    ctx.client().cluster_readonly = false;
    ctx.out.ok();
}

/// Redis's reply to CLUSTER (and ASKING, READONLY, READWRITE) with cluster
/// mode off.
pub(crate) const DISABLED: &str = "ERR This instance has cluster support disabled";

/// The CLUSTER container.
pub const CLUSTER: CommandSpec = CommandSpec {
    name: "cluster",
    arity: -2,
    flags: 0,
    first_key: 0,
    last_key: 0,
    step: 0,
    group: "cluster",
    summary: "A container for cluster commands.",
    since: "3.0.0",
    handler: cluster,
    subcommands: SUBCOMMANDS,
};

/// A CLUSTER subcommand: Redis's arity and flags, all run by [`cluster`].
macro_rules! sub {
    ($name:literal, $arity:expr, $flags:expr, $summary:literal) => {
        command!(
            $name,
            $arity,
            $flags,
            (0, 0, 0),
            "cluster",
            $summary,
            "3.0.0",
            cluster
        )
    };
}

static SUBCOMMANDS: &[CommandSpec] = &[
    sub!(
        "addslots",
        -3,
        ADMIN | STALE,
        "Assigns new hash slots to the node."
    ),
    sub!(
        "addslotsrange",
        -4,
        ADMIN | STALE,
        "Assigns new hash slot ranges to the node."
    ),
    sub!(
        "bumpepoch",
        2,
        ADMIN | STALE,
        "Advances the cluster config epoch."
    ),
    sub!(
        "count-failure-reports",
        3,
        ADMIN | STALE,
        "Returns the number of active failure reports active for a node."
    ),
    sub!(
        "countkeysinslot",
        3,
        STALE,
        "Returns the number of keys in a hash slot."
    ),
    sub!(
        "delslots",
        -3,
        ADMIN | STALE,
        "Sets hash slots as unbound for a node."
    ),
    sub!(
        "delslotsrange",
        -4,
        ADMIN | STALE,
        "Sets hash slot ranges as unbound for a node."
    ),
    sub!(
        "failover",
        -2,
        ADMIN | STALE,
        "Forces a replica to perform a manual failover of its master."
    ),
    sub!(
        "flushslots",
        2,
        ADMIN | STALE,
        "Deletes all slots information from a node."
    ),
    sub!(
        "forget",
        3,
        ADMIN | STALE,
        "Removes a node from the nodes table."
    ),
    sub!(
        "getkeysinslot",
        4,
        STALE,
        "Returns the key names in a hash slot."
    ),
    sub!(
        "help",
        2,
        LOADING | STALE,
        "Returns helpful text about the different subcommands."
    ),
    sub!(
        "info",
        2,
        STALE,
        "Returns information about the state of a node."
    ),
    sub!("keyslot", 3, STALE, "Returns the hash slot for a key."),
    sub!(
        "links",
        2,
        STALE,
        "Returns a list of all TCP links to and from peer nodes."
    ),
    sub!(
        "meet",
        -4,
        ADMIN | STALE,
        "Forces a node to handshake with another node."
    ),
    sub!("myid", 2, STALE, "Returns the ID of a node."),
    sub!(
        "nodes",
        2,
        STALE,
        "Returns the cluster configuration for a node."
    ),
    sub!(
        "replicas",
        3,
        ADMIN | STALE,
        "Lists the replica nodes of a master node."
    ),
    sub!(
        "replicate",
        3,
        ADMIN | STALE,
        "Configure a node as replica of a master node."
    ),
    sub!("reset", -2, ADMIN | NOSCRIPT | STALE, "Resets a node."),
    sub!(
        "saveconfig",
        2,
        ADMIN | STALE,
        "Forces a node to save the cluster configuration to disk."
    ),
    sub!(
        "set-config-epoch",
        3,
        ADMIN | STALE,
        "Sets the configuration epoch for a new node."
    ),
    sub!("setslot", -4, ADMIN | STALE, "Binds a hash slot to a node."),
    sub!(
        "shards",
        2,
        STALE,
        "Returns the mapping of cluster slots to shards."
    ),
    sub!(
        "slaves",
        3,
        ADMIN | STALE,
        "Lists the replica nodes of a master node."
    ),
    sub!(
        "slots",
        2,
        STALE,
        "Returns the mapping of cluster slots to nodes."
    ),
];

/// Redis 7.0's CLUSTER HELP lines (HELP itself is added last, as Redis's
/// addReplyHelp does).
const HELP: &[&str] = &[
    "CLUSTER <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "ADDSLOTS <slot> [<slot> ...]",
    "    Assign slots to current node.",
    "ADDSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
    "    Assign slots which are between <start-slot> and <end-slot> to current node.",
    "BUMPEPOCH",
    "    Advance the cluster config epoch.",
    "COUNT-FAILURE-REPORTS <node-id>",
    "    Return number of failure reports for <node-id>.",
    "COUNTKEYSINSLOT <slot>",
    "    Return the number of keys in <slot>.",
    "DELSLOTS <slot> [<slot> ...]",
    "    Delete slots information from current node.",
    "DELSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
    "    Delete slots information which are between <start-slot> and <end-slot> from current node.",
    "FAILOVER [FORCE|TAKEOVER]",
    "    Promote current replica node to being a master.",
    "FORGET <node-id>",
    "    Remove a node from the cluster.",
    "GETKEYSINSLOT <slot> <count>",
    "    Return key names stored by current node in a slot.",
    "FLUSHSLOTS",
    "    Delete current node own slots information.",
    "INFO",
    "    Return information about the cluster.",
    "KEYSLOT <key>",
    "    Return the hash slot for <key>.",
    "MEET <ip> <port> [<bus-port>]",
    "    Connect nodes into a working cluster.",
    "MYID",
    "    Return the node id.",
    "NODES",
    "    Return cluster configuration seen by node. Output format:",
    "    <id> <ip:port> <flags> <master> <pings> <pongs> <epoch> <link> <slot> ...",
    "REPLICATE <node-id>",
    "    Configure current node as replica to <node-id>.",
    "RESET [HARD|SOFT]",
    "    Reset current node (default: soft).",
    "SET-CONFIG-EPOCH <epoch>",
    "    Set config epoch of current node.",
    "SETSLOT <slot> (IMPORTING <node-id>|MIGRATING <node-id>|STABLE|NODE <node-id>)",
    "    Set slot state.",
    "REPLICAS <node-id>",
    "    Return <node-id> replicas.",
    "SAVECONFIG",
    "    Force saving cluster configuration on disk.",
    "SLOTS",
    "    Return information about slots range mappings. Each range is made of:",
    "    start, end, master and replicas IP addresses, ports and ids",
    "SHARDS",
    "    Return information about slot range mappings and the nodes associated with them.",
    "LINKS",
    "    Return information about all network links between this node and its peers.",
    "    Output format is an array where each array element is a map containing attributes of a link",
    "HELP",
    "    Prints this help.",
];

/// `CLUSTER <subcommand> ...`
fn cluster(ctx: &mut Ctx, argv: Argv) {
    if ctx.server.cluster.is_none() {
        return ctx.out.error(DISABLED);
    }
    let sub = String::from_utf8_lossy(argv.get(1)).to_ascii_lowercase();
    match sub.as_str() {
        "help" => ctx.reply_help(HELP),
        "saveconfig" => match ctx.server.save_cluster_config() {
            Ok(()) => ctx.out.ok(),
            Err(e) => ctx
                .out
                .error(&format!("ERR error saving the cluster node config: {e}")),
        },
        "replicas" | "slaves" => replicas(ctx, argv.get(2)),
        "meet" => meet(ctx, argv),
        "failover" => failover(ctx, argv),
        _ => run_admin(ctx, argv),
    }
}

/// The subcommands of `cluster::admin`, then the work they leave.
fn run_admin(ctx: &mut Ctx, argv: Argv) {
    let args: Vec<&[u8]> = argv.iter_from(1).collect();
    let cfg = &ctx.server.config.cluster;
    let (node_timeout, allow_replica_migration, preferred_endpoint) = (
        cfg.node_timeout,
        cfg.allow_replica_migration,
        cfg.preferred_endpoint_type,
    );
    let repl_offset = ctx.server.repl.offset.max(0) as u64;
    let db = &ctx.store.dbs[0];
    let keys_in_slot = |slot: usize| db.segment(slot).map_or(0, |s| s.len() as u64);
    let keys_of_slot = |slot: usize, n: usize| -> Vec<Vec<u8>> {
        db.segment(slot).map_or_else(Vec::new, |s| {
            s.iter().take(n).map(|e| e.key().to_vec()).collect()
        })
    };
    let context = Context {
        now_ms: crate::state::unix_ms(),
        node_timeout,
        allow_replica_migration,
        preferred_endpoint,
        repl_offset,
        db_keys: db.len() as u64,
        keys_in_slot: &keys_in_slot,
        keys_of_slot: &keys_of_slot,
    };
    let state = ctx.server.cluster.as_mut().expect("cluster mode");
    let todo = admin::execute(state, &args, &context, ctx.out);
    apply(ctx, todo);
}

/// Does what a subcommand left to the loop, as Redis's clusterBeforeSleep
/// and clusterSetMaster would.
fn apply(ctx: &mut Ctx, todo: Todo) {
    if todo.became_master_flush {
        if ctx.server.follower.is_replica() {
            super::replicaof::stop_following(ctx, "CLUSTER RESET");
        }
        let keys = ctx.store.total_keys() as u64;
        for db in ctx.store.dbs.iter_mut() {
            drop(db.clear());
        }
        ctx.server.dirty += keys;
    }
    if let Some(master) = todo.replicate {
        let address = ctx
            .server
            .cluster
            .as_ref()
            .and_then(|c| c.node(&master))
            .map(|n| (n.ip.clone(), n.port));
        match address {
            Some((ip, port)) if !ip.is_empty() && port != 0 => {
                super::replicaof::follow_leader(ctx, ip, port, "CLUSTER REPLICATE");
            }
            _ => log::warn!(
                target: "cluster",
                "replicate_deferred master={master} msg=\"the master's address is not known yet\""
            ),
        }
    }
    if todo.update_state {
        ctx.server.refresh_cluster_state();
    }
    if todo.save_config {
        let _ = ctx.server.save_cluster_config();
    }
}

/// `CLUSTER REPLICAS|SLAVES node-id`: the CLUSTER NODES lines of its
/// replicas, one bulk string each.
fn replicas(ctx: &mut Ctx, id: &[u8]) {
    let state = ctx.server.cluster.as_ref().expect("cluster mode");
    let Some(node) = state.lookup(id) else {
        return ctx
            .out
            .error(&format!("ERR Unknown node {}", String::from_utf8_lossy(id)));
    };
    if node.is_replica() {
        return ctx.out.error("ERR The specified node is not a master");
    }
    let lines: Vec<String> = state
        .replicas_of(&node.id)
        .map(|r| nodes_conf::node_line(state, r))
        .collect();
    ctx.out.array(lines.len());
    for line in lines {
        ctx.out.bulk(line.as_bytes());
    }
}

/// Redis's addReplySubcommandSyntaxError.
fn subcommand_syntax_error(ctx: &mut Ctx, argv: Argv) {
    ctx.out.error(&format!(
        "ERR unknown subcommand or wrong number of arguments for '{}'. Try CLUSTER HELP.",
        String::from_utf8_lossy(argv.get(1))
    ));
}

/// `CLUSTER MEET ip port [bus-port]`: Redis's argument checks, then a
/// handshake node the bus cron dials.
fn meet(ctx: &mut Ctx, argv: Argv) {
    if argv.len() > 5 {
        return subcommand_syntax_error(ctx, argv);
    }
    let port_of = |arg: &[u8]| crate::numbers::parse_i64(arg);
    if port_of(argv.get(3)).is_none() {
        return ctx.out.error(&format!(
            "ERR Invalid TCP base port specified: {}",
            String::from_utf8_lossy(argv.get(3))
        ));
    }
    if argv.len() == 5 && port_of(argv.get(4)).is_none() {
        return ctx.out.error(&format!(
            "ERR Invalid TCP bus port specified: {}",
            String::from_utf8_lossy(argv.get(4))
        ));
    }
    let (port, bus_port) = (
        port_of(argv.get(3)).unwrap_or(0),
        match argv.len() {
            5 => port_of(argv.get(4)).unwrap_or(0),
            _ => port_of(argv.get(3)).unwrap_or(0) + 10000,
        },
    );
    let ip = String::from_utf8_lossy(argv.get(2)).into_owned();
    let valid = ip.parse::<std::net::IpAddr>().is_ok()
        && (1..=65535).contains(&port)
        && (1..=65535).contains(&bus_port);
    if !valid {
        return ctx.out.error(&format!(
            "ERR Invalid node address specified: {}:{}",
            ip,
            String::from_utf8_lossy(argv.get(3))
        ));
    }
    // Redis's clusterStartHandshake: a node with a random name in
    // handshake; the loop's bus cron dials it and sends MEET.
    let state = ctx.server.cluster.as_mut().expect("cluster mode");
    let known = state.nodes().iter().any(|n| {
        n.flags.has(Flags::HANDSHAKE)
            && n.ip == ip
            && n.port == port as u16
            && n.cport == bus_port as u16
    });
    if !known {
        let mut node = Node::new(NodeId::random(), Flags::MASTER);
        node.flags.insert(Flags::HANDSHAKE);
        node.ip = ip;
        node.port = port as u16;
        node.cport = bus_port as u16;
        ctx.server.cluster_meet.insert(node.id);
        state.add_node(node);
    }
    ctx.out.ok();
}

/// `CLUSTER FAILOVER [FORCE|TAKEOVER]`: Redis's checks; the failover
/// itself needs the cluster bus.
fn failover(ctx: &mut Ctx, argv: Argv) {
    if argv.len() == 3 {
        let option = argv.get(2);
        if !option.eq_ignore_ascii_case(b"force") && !option.eq_ignore_ascii_case(b"takeover") {
            return ctx.out.error("ERR syntax error");
        }
    } else if argv.len() > 3 {
        return subcommand_syntax_error(ctx, argv);
    }
    let state = ctx.server.cluster.as_ref().expect("cluster mode");
    if !state.me().is_replica() {
        return ctx
            .out
            .error("ERR You should send CLUSTER FAILOVER to a replica");
    }
    ctx.out
        .error("ERR CLUSTER FAILOVER needs the cluster bus, which ferrocache does not run yet");
}
