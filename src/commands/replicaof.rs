//! The follower's commands: REPLICAOF (and its old name SLAVEOF) and ROLE.
//! They change what the follower wants (`replication::follower`); the loop
//! drops and opens the link.

use super::table::{flags::*, CommandSpec};
use super::Ctx;
use crate::command;
use crate::resp::Argv;
use crate::state::{ClientKind, Release};

/// The follower's commands.
pub static COMMANDS: &[CommandSpec] = &[
    command!(
        "replicaof",
        3,
        ADMIN | NOSCRIPT | STALE,
        (0, 0, 0),
        "server",
        "Configures a server as replica of another, or promotes it to a master.",
        "5.0.0",
        replicaof
    ),
    command!(
        "slaveof",
        3,
        ADMIN | NOSCRIPT | STALE,
        (0, 0, 0),
        "server",
        "Sets a Redis server as a replica of another, or promotes it to being a master.",
        "1.0.0",
        replicaof
    ),
    command!(
        "role",
        1,
        NOSCRIPT | LOADING | STALE | FAST,
        (0, 0, 0),
        "server",
        "Returns the replication role.",
        "2.8.12",
        role
    ),
];

/// `REPLICAOF host port | NO ONE`: follow `host:port` (keeping the data
/// until a full sync replaces it), or stop following and become a leader
/// (keeping the data; the replication id shifts so that former siblings can
/// continue partially).
fn replicaof(ctx: &mut Ctx, argv: Argv) {
    let (host, port) = (argv.get(1), argv.get(2));
    let who = format!(
        "id={} addr={}",
        ctx.clients[ctx.me].id, ctx.clients[ctx.me].addr
    );
    if host.eq_ignore_ascii_case(b"no") && port.eq_ignore_ascii_case(b"one") {
        if ctx.server.follower.is_replica() {
            stop_following(ctx, &who);
        }
        return ctx.out.ok();
    }
    let port = match crate::numbers::parse_i64(port) {
        Some(p) if (0..=65535).contains(&p) => p as u16,
        _ => return ctx.out.error("ERR Invalid master port"),
    };
    let host = String::from_utf8_lossy(host).into_owned();
    if is_this_server(ctx, &host, port) {
        // Redis accepts it and then fails every second; a leader must not
        // become a replica by mistake, so it is refused here.
        log::warn!(target: "replication", "replicaof_refused leader={host}:{port} msg=\"REPLICAOF pointing at this server itself\"");
        return ctx.out.error(REPLICAOF_SELF);
    }
    if let Some((h, p)) = &ctx.server.follower.leader {
        if h.eq_ignore_ascii_case(&host) && *p == port {
            log::info!(target: "replication", "replicaof_noop leader={host}:{port} msg=\"REPLICAOF would result into synchronization with the master we are already connected with. No operation performed.\"");
            return ctx.out.simple("OK Already connected to specified master");
        }
    }
    follow_leader(ctx, host, port, &who);
    ctx.out.ok();
}

/// Becomes a leader again (keeping the data; the replication id shifts so
/// that former siblings can continue partially). `who` names the cause in
/// the log. Only for a server that follows a leader.
pub(crate) fn stop_following(ctx: &mut Ctx, who: &str) {
    drop_master_client(ctx);
    let offset = ctx.server.repl.offset;
    ctx.server.repl.ids.shift(offset);
    log::info!(
        target: "replication",
        "promoted replid={} replid2={} second_repl_offset={} msg=\"Setting secondary replication ID, MASTER MODE enabled (user request from '{who}')\"",
        ctx.server.repl.ids.replid.as_str(),
        ctx.server.repl.ids.replid2.as_str(),
        ctx.server.repl.ids.second_repl_offset
    );
    ctx.server.follower.follow(None);
    ctx.server.follower.cached_db = None;
    ctx.server.config.replica.replicaof = None;
    // Its own writes feed its replicas now, from a fresh SELECT.
    let has_backlog = ctx.server.repl.backlog.is_some();
    ctx.server.propagation.set_replication(has_backlog);
    ctx.server.propagation.forget_replication_db();
}

/// Follows `host:port` from now on, keeping the data until a full sync
/// replaces it. `who` names the cause in the log.
pub(crate) fn follow_leader(ctx: &mut Ctx, host: String, port: u16, who: &str) {
    let was_leader = !ctx.server.follower.is_replica();
    drop_master_client(ctx);
    // What this node wrote so far goes to its replicas; from now on they
    // get its leader's stream as it is applied here.
    crate::replication::leader::feed(ctx.server, ctx.clients);
    ctx.server.propagation.set_replication(false);
    // What they wait for will not come from writes here any more.
    let blocked: Vec<usize> = ctx
        .clients
        .iter()
        .filter(|(_, c)| c.blocked.is_some())
        .map(|(key, _)| key)
        .collect();
    for key in blocked {
        ctx.server
            .release_blocked(ctx.clients, key, Release::RoleChanged);
    }
    if was_leader {
        // Redis's replicationCacheMasterUsingMyself: PSYNC names this
        // node's own history, so a leader that becomes the replica of a
        // former replica of its own may continue partially.
        ctx.server.follower.cached_db = Some(0);
        log::info!(target: "replication", "cached_master_synthesized replid={} offset={} msg=\"Before turning into a replica, using my own master parameters to synthesize a cached master\"", ctx.server.repl.ids.replid.as_str(), ctx.server.repl.offset);
        let keys = ctx.store.total_keys();
        if keys > 0 {
            log::warn!(target: "replication", "replicaof_keeps_data_until_sync keys={keys} msg=\"the keys stay readable until a full sync from the new leader replaces them all\"");
        }
    }
    ctx.server.follower.follow(Some((host.clone(), port)));
    ctx.server.config.replica.replicaof = Some((host.clone(), port));
    log::info!(target: "replication", "replicaof leader={host}:{port} msg=\"REPLICAOF {host}:{port} enabled (user request from '{who}')\"");
}

/// The refusal of a REPLICAOF naming this server itself.
const REPLICAOF_SELF: &str = "ERR REPLICAOF refused: the address is this server's own";

/// Whether `host:port` is this server: its port, and a loopback address,
/// `localhost`, or one of the addresses it is bound to (a wildcard bind
/// counts for any address given as an IP).
fn is_this_server(ctx: &Ctx, host: &str, port: u16) -> bool {
    if port != ctx.server.port {
        return false;
    }
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    let Ok(ip) = host.parse::<std::net::IpAddr>() else {
        return false;
    };
    crate::state::is_loopback(ip)
        || ctx
            .server
            .config
            .bind
            .split_whitespace()
            .map(|b| b.trim_start_matches('-'))
            .any(|b| b == "*" || b == "::*" || b.parse() == Ok(ip))
}

/// Closes the master client now (its unread input is dropped with it): the
/// next bytes of the old leader's stream must not be applied.
fn drop_master_client(ctx: &mut Ctx) {
    if let Some(key) = ctx.server.follower.master_client {
        if ctx
            .clients
            .get(key)
            .is_some_and(|c| c.kind == ClientKind::Master)
        {
            ctx.server.kill(ctx.clients, key);
        }
    }
}

/// `ROLE`: `[master, offset, [[ip, port, offset], ...]]` on a leader,
/// `[slave, host, port, state, offset]` on a follower (offset -1 unless the
/// link carries the stream).
fn role(ctx: &mut Ctx, _argv: Argv) {
    let f = &ctx.server.follower;
    match &f.leader {
        Some((host, port)) => {
            ctx.out.array(5);
            ctx.out.bulk(b"slave");
            ctx.out.bulk(host.as_bytes());
            ctx.out.int(*port as i64);
            ctx.out.bulk(f.state.role_name().as_bytes());
            let offset = if f.master_client.is_some() {
                ctx.server.repl.offset
            } else {
                -1
            };
            ctx.out.int(offset);
        }
        None => super::replication::reply_leader_role(ctx),
    }
}
