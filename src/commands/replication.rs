//! The leader's replication commands: REPLCONF, PSYNC, SYNC, WAIT, ROLE.
//! The state they work on is `replication::leader`; the full sync itself
//! is run by the loop (`server::replicas`).

use super::table::flags::*;
use super::table::CommandSpec;
use super::{args, errors, Ctx};
use crate::command;
use crate::replication::leader::{self, Psync, ReplicaLink, SyncState, Waiter};
use crate::resp::Argv;
use crate::state::BlockedOn;
use std::time::{Duration, Instant};

pub static COMMANDS: &[CommandSpec] = &[
    command!(
        "replconf",
        -1,
        ADMIN | NOSCRIPT | LOADING | STALE | ALLOW_BUSY,
        (0, 0, 0),
        "server",
        "An internal command for configuring the replication stream",
        "3.0.0",
        replconf
    ),
    command!(
        "psync",
        -3,
        ADMIN | NOSCRIPT | NO_MULTI,
        (0, 0, 0),
        "server",
        "Internal command used for replication",
        "2.8.0",
        psync
    ),
    command!(
        "sync",
        1,
        ADMIN | NOSCRIPT | NO_MULTI,
        (0, 0, 0),
        "server",
        "Internal command used for replication",
        "1.0.0",
        sync
    ),
    command!(
        "wait",
        3,
        NOSCRIPT,
        (0, 0, 0),
        "generic",
        "Wait for the synchronous replication of all the write commands sent in the context of the current connection",
        "3.0.0",
        wait
    ),
];

/// `REPLCONF <option> <value> [<option> <value> ...]`: what a replica
/// tells its leader during the handshake (listening-port, ip-address,
/// capa), and its acknowledgements afterwards (`ACK <offset>`, no reply).
fn replconf(ctx: &mut Ctx, argv: Argv) {
    if argv.len().is_multiple_of(2) {
        return ctx.out.error(errors::SYNTAX);
    }
    let mut i = 1;
    while i < argv.len() {
        let (opt, val) = (argv.get(i), argv.get(i + 1));
        if args::is(opt, "listening-port") {
            let Some(port) = args::int(ctx.out, val) else {
                return;
            };
            link(ctx).listening_port = port as u16;
        } else if args::is(opt, "ip-address") {
            link(ctx).ip_address = Some(String::from_utf8_lossy(val).into_owned());
        } else if args::is(opt, "capa") {
            if args::is(val, "eof") {
                link(ctx).capa_eof = true;
            } else if args::is(val, "psync2") {
                link(ctx).capa_psync2 = true;
            }
        } else if args::is(opt, "ack") {
            // From a replica only, and never answered.
            let Some(offset) = std::str::from_utf8(val)
                .ok()
                .and_then(|v| v.parse::<i64>().ok())
            else {
                return;
            };
            if let Some(link) = ctx.clients[ctx.me]
                .replica
                .as_deref_mut()
                .filter(|l| l.state.is_some())
            {
                if offset > link.ack_offset {
                    link.ack_offset = offset;
                }
                link.ack_time = Instant::now();
                if link.stream_on_ack {
                    link.stream_on_ack = false;
                    log::info!(target: "replication", "replica_online replica={} offset={offset} msg=\"Synchronization with replica {} succeeded\"", leader::replica_name(&ctx.clients[ctx.me]), leader::replica_name(&ctx.clients[ctx.me]));
                }
            }
            return;
        } else if args::is(opt, "getack") {
            // A leader's request to its replica: answered by the follower
            // side on its link to its leader; anyone else gets nothing.
            return;
        } else if args::is(opt, "rdb-only") {
            if args::int(ctx.out, val).is_none() {
                return;
            }
        } else {
            return ctx.out.error(&format!(
                "ERR Unrecognized REPLCONF option: {}",
                String::from_utf8_lossy(opt)
            ));
        }
        i += 2;
    }
    ctx.out.ok();
}

/// The calling client's replication handshake state, created on first use.
fn link<'c>(ctx: &'c mut Ctx) -> &'c mut ReplicaLink {
    ctx.clients[ctx.me]
        .replica
        .get_or_insert_with(Default::default)
}

/// `PSYNC <replid> <offset>`: continues the replica's history from the
/// backlog (`+CONTINUE`) or starts a full sync (`+FULLRESYNC`, sent by the
/// loop when the snapshot starts).
fn psync(ctx: &mut Ctx, argv: Argv) {
    if !may_sync(ctx) {
        return;
    }
    let Some(offset) = args::int(ctx.out, argv.get(2)) else {
        return;
    };
    leader::feed(ctx.server, ctx.clients);
    let who = leader::replica_name(&ctx.clients[ctx.me]);
    log::info!(target: "replication", "sync_requested replica={who} replid={} offset={offset} msg=\"Replica {who} asks for synchronization\"", String::from_utf8_lossy(argv.get(1)));
    match leader::psync_decision(ctx.server, argv.get(1), offset, &who) {
        Psync::Continue => continue_from(ctx, offset, &who),
        Psync::Full(why) => {
            match why {
                Some(why) => {
                    log::info!(target: "replication", "partial_refused replica={who} msg=\"{why}\"");
                    ctx.server.leader.sync_partial_err += 1;
                }
                None => {
                    log::info!(target: "replication", "full_requested replica={who} msg=\"Full resync requested by replica {who}\"")
                }
            }
            full_sync(ctx, false);
        }
    }
}

/// `SYNC`: the pre-PSYNC full sync (the snapshot with no `+FULLRESYNC`).
fn sync(ctx: &mut Ctx, _argv: Argv) {
    if !may_sync(ctx) {
        return;
    }
    leader::feed(ctx.server, ctx.clients);
    let who = leader::replica_name(&ctx.clients[ctx.me]);
    log::info!(target: "replication", "sync_requested replica={who} msg=\"Replica {who} asks for synchronization\"");
    full_sync(ctx, true);
}

/// Redis's checks before SYNC/PSYNC, in its order: a replica asking again
/// is ignored; a replica whose own link is down cannot serve a sync; nor
/// can a client with replies still unsent (they would mix with the stream).
/// False when the command must stop (having replied when Redis does).
fn may_sync(ctx: &mut Ctx) -> bool {
    if leader::replica_of(&ctx.clients[ctx.me]).is_some() {
        return false;
    }
    let f = &ctx.server.follower;
    if f.is_replica() && !f.link_up() {
        ctx.out
            .error("NOMASTERLINK Can't SYNC while not connected with my master");
        return false;
    }
    if has_pending_output(ctx) {
        ctx.out.error(PENDING_OUTPUT);
        return false;
    }
    true
}

/// Redis 7.0's refusal of WAIT on a replica, word for word.
const WAIT_ON_REPLICA: &str = "ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.";

const PENDING_OUTPUT: &str = "ERR SYNC and PSYNC are invalid with pending output";

/// The caller has reply bytes not written yet (its reply buffer is `out`).
fn has_pending_output(ctx: &Ctx) -> bool {
    ctx.out.buf.len() > ctx.clients[ctx.me].sent
}

/// A partial resync: `+CONTINUE` and the backlog from `offset`; the
/// replica is online at once.
fn continue_from(ctx: &mut Ctx, offset: i64, who: &str) {
    let link = link(ctx);
    link.state = Some(SyncState::Online);
    link.ack_time = Instant::now();
    link.sync_started = Instant::now();
    let psync2 = link.capa_psync2;
    if psync2 {
        let line = format!("+CONTINUE {}\r\n", ctx.server.repl.ids.replid.as_str());
        ctx.out.raw(line.as_bytes());
    } else {
        ctx.out.raw(b"+CONTINUE\r\n");
    }
    let backlog = ctx.server.repl.backlog.as_ref().expect("checked");
    let (a, b) = backlog.read_from(offset).expect("checked");
    let sent = a.len() + b.len();
    ctx.out.raw(a);
    ctx.out.raw(b);
    ctx.server.leader.sync_partial_ok += 1;
    leader::attach(ctx.server, ctx.me);
    log::info!(target: "replication", "partial_sync replica={who} offset={offset} bytes={sent} msg=\"Partial resynchronization request from {who} accepted. Sending {sent} bytes of backlog starting from offset {offset}.\"");
}

/// A full sync: the client becomes a replica waiting for a snapshot, which
/// the loop starts (or shares with replicas already waiting).
fn full_sync(ctx: &mut Ctx, legacy: bool) {
    let link = link(ctx);
    link.state = Some(SyncState::WaitStart);
    link.legacy_sync = legacy;
    link.ack_time = Instant::now();
    link.sync_started = Instant::now();
    link.pending.clear();
    ctx.server.leader.sync_full += 1;
    leader::attach(ctx.server, ctx.me);
    leader::create_backlog(ctx.server);
    ctx.server.leader.full_sync_wanted = true;
    if ctx.server.leader.waiting_since.is_none() {
        ctx.server.leader.waiting_since = Some(Instant::now());
    }
}

/// `WAIT numreplicas timeout`: blocks until `numreplicas` replicas
/// acknowledged the stream up to this client's last write, or `timeout` ms
/// passed (0: forever); replies how many did.
fn wait(ctx: &mut Ctx, argv: Argv) {
    if ctx.server.follower.is_replica() {
        return ctx.out.error(WAIT_ON_REPLICA);
    }
    let Some(wanted) = args::int(ctx.out, argv.get(1)) else {
        return;
    };
    let Some(timeout) = args::timeout_ms(ctx.out, argv.get(2)) else {
        return;
    };
    let offset = ctx.clients[ctx.me].repl_write_offset;
    let acked = leader::acked(ctx.server, ctx.clients, offset);
    if acked as i64 >= wanted || ctx.clients[ctx.me].in_exec {
        return ctx.out.int(acked as i64);
    }
    let deadline = (timeout > 0).then(|| Instant::now() + Duration::from_millis(timeout as u64));
    let on = BlockedOn {
        keys: Vec::new(),
        deadline: None,
        kind: crate::types::Kind::String,
        command: crate::resp::OwnedArgv::from_argv(argv),
        command_id: ctx.clients[ctx.me].last_cmd,
    };
    ctx.server.blocking.block(ctx.me, &on);
    ctx.clients[ctx.me].blocked = Some(Box::new(on));
    let client_id = ctx.clients[ctx.me].id;
    ctx.server.leader.waiting.push(Waiter {
        key: ctx.me,
        client_id,
        offset,
        replicas: wanted.max(0) as usize,
        deadline,
    });
    ctx.server.leader.getack_wanted = true;
}

/// `ROLE` of a leader: `master`, the stream offset, and the online
/// replicas as `[ip, port, acknowledged offset]`.
pub(super) fn reply_leader_role(ctx: &mut Ctx) {
    let replicas: Vec<(String, String, String)> = ctx
        .server
        .leader
        .replicas
        .iter()
        .filter_map(|&k| ctx.clients.get(k))
        .filter_map(|c| {
            let link = leader::replica_of(c).filter(|l| l.online())?;
            let ip = link
                .ip_address
                .clone()
                .unwrap_or_else(|| leader::peer_ip(&c.addr).to_string());
            Some((
                ip,
                link.listening_port.to_string(),
                link.ack_offset.to_string(),
            ))
        })
        .collect();
    ctx.out.array(3);
    ctx.out.bulk(b"master");
    ctx.out.int(ctx.server.repl.offset);
    ctx.out.array(replicas.len());
    for (ip, port, offset) in replicas {
        ctx.out.array(3);
        ctx.out.bulk(ip.as_bytes());
        ctx.out.bulk(port.as_bytes());
        ctx.out.bulk(offset.as_bytes());
    }
}
