//! CLIENT and its subcommands: ID, SETNAME, GETNAME, LIST, INFO, KILL,
//! SETINFO, NO-EVICT, REPLY, UNBLOCK, PAUSE, UNPAUSE, HELP.

use super::table::{flags::*, registry, CommandSpec};
use super::{args, errors, Ctx};
use crate::command;
use crate::resp::{Argv, Reply};
use crate::state::{Client, PauseMode, Release, ReplyMode};
use std::os::fd::AsRawFd;
use std::time::Instant;

/// The CLIENT container.
pub const CLIENT: CommandSpec = CommandSpec {
    name: "client",
    arity: -2,
    flags: SENTINEL,
    first_key: 0,
    last_key: 0,
    step: 0,
    group: "connection",
    summary: "A container for client connection commands.",
    since: "2.4.0",
    handler: help,
    subcommands: SUBCOMMANDS,
};

static SUBCOMMANDS: &[CommandSpec] = &[
    command!(
        "id",
        2,
        NOSCRIPT | LOADING | STALE | SENTINEL,
        (0, 0, 0),
        "connection",
        "Returns the unique client ID of the connection.",
        "5.0.0",
        id
    ),
    command!(
        "setname",
        3,
        NOSCRIPT | LOADING | STALE | SENTINEL,
        (0, 0, 0),
        "connection",
        "Sets the connection name.",
        "2.6.9",
        setname
    ),
    command!(
        "getname",
        2,
        NOSCRIPT | LOADING | STALE | SENTINEL,
        (0, 0, 0),
        "connection",
        "Returns the name of the connection.",
        "2.6.9",
        getname
    ),
    command!(
        "list",
        -2,
        ADMIN | NOSCRIPT | LOADING | STALE | SENTINEL,
        (0, 0, 0),
        "connection",
        "Lists open connections.",
        "2.4.0",
        list
    ),
    command!(
        "info",
        2,
        NOSCRIPT | LOADING | STALE | SENTINEL,
        (0, 0, 0),
        "connection",
        "Returns information about the connection.",
        "6.2.0",
        info
    ),
    command!(
        "kill",
        -3,
        ADMIN | NOSCRIPT | LOADING | STALE | SENTINEL,
        (0, 0, 0),
        "connection",
        "Terminates open connections.",
        "2.4.0",
        kill
    ),
    command!(
        "setinfo",
        4,
        NOSCRIPT | LOADING | STALE | SENTINEL,
        (0, 0, 0),
        "connection",
        "Sets information specific to the client or connection.",
        "7.2.0",
        setinfo
    ),
    command!(
        "no-evict",
        3,
        ADMIN | NOSCRIPT | LOADING | STALE | SENTINEL,
        (0, 0, 0),
        "connection",
        "Sets the client eviction mode of the connection.",
        "7.0.0",
        no_evict
    ),
    command!(
        "reply",
        3,
        NOSCRIPT | LOADING | STALE | SENTINEL,
        (0, 0, 0),
        "connection",
        "Instructs the server whether to reply to commands.",
        "3.2.0",
        reply
    ),
    command!(
        "unblock",
        -3,
        ADMIN | NOSCRIPT | LOADING | STALE,
        (0, 0, 0),
        "connection",
        "Unblocks a client blocked by a blocking command from a different connection.",
        "5.0.0",
        unblock
    ),
    command!(
        "pause",
        -3,
        ADMIN | NOSCRIPT | LOADING | STALE,
        (0, 0, 0),
        "connection",
        "Suspends commands processing.",
        "3.0.0",
        pause
    ),
    command!(
        "unpause",
        2,
        ADMIN | NOSCRIPT | LOADING | STALE,
        (0, 0, 0),
        "connection",
        "Resumes processing commands from paused clients.",
        "6.2.0",
        unpause
    ),
    command!(
        "help",
        2,
        LOADING | STALE | SENTINEL,
        (0, 0, 0),
        "connection",
        "Returns helpful text about the different subcommands.",
        "5.0.0",
        help
    ),
];

/// True for names CLIENT SETNAME accepts: printable ASCII without spaces.
pub fn valid_name(name: &[u8]) -> bool {
    name.iter().all(|&b| (b'!'..=b'~').contains(&b))
}

/// `CLIENT ID`
fn id(ctx: &mut Ctx, _argv: Argv) {
    let id = ctx.client().id;
    ctx.out.int(id as i64);
}

/// `CLIENT SETNAME connection-name`
fn setname(ctx: &mut Ctx, argv: Argv) {
    let name = argv.get(2);
    if !valid_name(name) {
        ctx.out
            .error("ERR Client names cannot contain spaces, newlines or special characters.");
        return;
    }
    ctx.client().name = name.to_vec();
    ctx.out.ok();
}

/// `CLIENT GETNAME`
fn getname(ctx: &mut Ctx, _argv: Argv) {
    let me = ctx.me;
    let name = &ctx.clients[me].name;
    if name.is_empty() {
        ctx.out.null();
    } else {
        ctx.out.bulk(name);
    }
}

/// `CLIENT SETINFO <LIB-NAME libname | LIB-VER libver>`
fn setinfo(ctx: &mut Ctx, argv: Argv) {
    let value = argv.get(3);
    if !valid_name(value) {
        ctx.out.error(&format!(
            "ERR {} cannot contain spaces, newlines or special characters.",
            String::from_utf8_lossy(argv.get(2)).to_ascii_uppercase()
        ));
        return;
    }
    if args::is(argv.get(2), "lib-name") {
        ctx.client().lib_name = value.to_vec();
    } else if args::is(argv.get(2), "lib-ver") {
        ctx.client().lib_ver = value.to_vec();
    } else {
        ctx.out.error(&format!(
            "ERR Unrecognized option '{}'",
            String::from_utf8_lossy(argv.get(2))
        ));
        return;
    }
    ctx.out.ok();
}

/// `CLIENT NO-EVICT <ON | OFF>`
fn no_evict(ctx: &mut Ctx, argv: Argv) {
    let on = match on_off(argv.get(2)) {
        Some(v) => v,
        None => return ctx.out.error(errors::SYNTAX),
    };
    ctx.client().no_evict = on;
    ctx.out.ok();
}

fn on_off(arg: &[u8]) -> Option<bool> {
    if args::is(arg, "on") {
        Some(true)
    } else if args::is(arg, "off") {
        Some(false)
    } else {
        None
    }
}

/// `CLIENT REPLY <ON | OFF | SKIP>`
fn reply(ctx: &mut Ctx, argv: Argv) {
    let mode = argv.get(2);
    if args::is(mode, "on") {
        ctx.client().reply_mode = ReplyMode::On;
        ctx.out.unmute();
        ctx.out.ok();
    } else if args::is(mode, "off") {
        // From here on, also for the rest of an EXEC running this.
        ctx.client().reply_mode = ReplyMode::Off;
        ctx.out.mute();
    } else if args::is(mode, "skip") {
        // As Redis: SKIP while OFF leaves it OFF.
        if ctx.client().reply_mode != ReplyMode::Off {
            ctx.client().reply_mode = ReplyMode::SkipNext;
        }
    } else {
        ctx.out.error(errors::SYNTAX);
    }
}

/// One CLIENT LIST line (without newline), in Redis's field order.
/// `argv_mem`: bytes of the command the client is running (the caller's
/// own CLIENT LIST/INFO; 0 for the others, which run nothing meanwhile).
/// `reply`: the client's reply buffer in use ([`Client::memory_usage`]).
fn describe(c: &Client, reply: &Reply, now: Instant, argv_mem: usize) -> String {
    let cmd = registry()
        .full_names
        .get(c.last_cmd)
        .map(String::as_str)
        .unwrap_or("NULL");
    let events = if c.writable_registered { "rw" } else { "r" };
    format!(
        "id={} addr={} laddr={} fd={} name={} age={} idle={} flags={} db={} sub={} psub={} ssub={} multi={} qbuf={} qbuf-free={} argv-mem={argv_mem} multi-mem={} rbs={} rbp={} obl=0 oll=0 omem={} tot-mem={} events={} cmd={} user={} redir=-1 resp={} lib-name={} lib-ver={}",
        c.id,
        c.addr,
        c.laddr,
        c.stream.as_ref().map_or(-1, |s| s.as_raw_fd()),
        String::from_utf8_lossy(&c.name),
        now.duration_since(c.created).as_secs(),
        now.duration_since(c.last_interaction).as_secs(),
        client_flags(c),
        c.db,
        c.subs.channels.len(),
        c.subs.patterns.len(),
        c.subs.shard_channels.len(),
        c.multi.as_ref().map_or(-1, |t| t.queued.len() as i64),
        c.query_len(),
        c.query_buffer_len().saturating_sub(c.query_end),
        c.multi_memory(),
        reply.buf.capacity(),
        reply.buf.capacity(),
        reply.buf.len().saturating_sub(c.sent),
        c.memory_usage(reply) + argv_mem,
        events,
        cmd,
        match c.kind {
            crate::state::ClientKind::Master => "(superuser)",
            _ => "default",
        },
        if reply.resp3 { 3 } else { 2 },
        String::from_utf8_lossy(&c.lib_name),
        String::from_utf8_lossy(&c.lib_ver),
    )
}

/// CLIENT LIST `flags=`, as Redis spells them: O monitor, P pub/sub,
/// x in MULTI, b blocked, d a watched key changed, c close after reply,
/// A close as soon as possible, r READONLY (cluster), e no-evict; N when
/// none applies.
fn client_flags(c: &Client) -> String {
    let mut flags = String::new();
    for (set, flag) in [
        (crate::replication::leader::replica_of(c).is_some(), 'S'),
        (c.monitor, 'O'),
        (c.kind == crate::state::ClientKind::Master, 'M'),
        (c.subs.any(), 'P'),
        (c.multi.is_some(), 'x'),
        (c.blocked.is_some() || c.postponed, 'b'),
        (c.watch_dirty, 'd'),
        (c.close_after_reply, 'c'),
        (c.close_asap, 'A'),
        (c.cluster_readonly, 'r'),
        (c.no_evict, 'e'),
    ] {
        if set {
            flags.push(flag);
        }
    }
    if flags.is_empty() {
        flags.push('N');
    }
    flags
}

/// CLIENT LIST/KILL `TYPE t` (lowercase; `slave` is `replica`): a replica
/// of this server is `replica`, this replica's leader link `master`, anyone
/// else `normal`.
fn is_of_type(c: &Client, t: &[u8]) -> bool {
    let kind: &[u8] = if crate::replication::leader::replica_of(c).is_some() {
        b"replica"
    } else {
        c.kind.type_name()
    };
    // Pub/Sub clients still count as normal ones here.
    kind == t || (t == b"slave" && kind == b"replica")
}

/// Bytes of a command's arguments (CLIENT LIST `argv-mem`).
fn argv_bytes(argv: Argv) -> usize {
    argv.iter_from(0).map(<[u8]>::len).sum()
}

/// `CLIENT INFO`
fn info(ctx: &mut Ctx, argv: Argv) {
    let argv_mem = argv_bytes(argv);
    let mut line = describe(&ctx.clients[ctx.me], ctx.out, Instant::now(), argv_mem);
    line.push('\n');
    ctx.out.verbatim(line.as_bytes());
}

/// `CLIENT LIST [TYPE <NORMAL | MASTER | REPLICA | PUBSUB>] [ID client-id [client-id ...]]`
fn list(ctx: &mut Ctx, argv: Argv) {
    let mut ids: Option<Vec<u64>> = None;
    let mut type_filter: Option<Vec<u8>> = None;
    let mut i = 2;
    while i < argv.len() {
        if args::is(argv.get(i), "type") && i + 1 < argv.len() {
            let t = argv.get(i + 1).to_ascii_lowercase();
            if !matches!(
                &t[..],
                b"normal" | b"master" | b"replica" | b"slave" | b"pubsub"
            ) {
                ctx.out.error(&format!(
                    "ERR Unknown client type '{}'",
                    String::from_utf8_lossy(argv.get(i + 1))
                ));
                return;
            }
            type_filter = Some(if t == b"slave" {
                b"replica".to_vec()
            } else {
                t
            });
            i += 2;
        } else if args::is(argv.get(i), "id") && i + 1 < argv.len() {
            let mut v = Vec::new();
            for arg in argv.iter_from(i + 1) {
                match crate::numbers::parse_i64(arg) {
                    Some(n) if n > 0 => v.push(n as u64),
                    _ => {
                        ctx.out.error("ERR Invalid client ID");
                        return;
                    }
                }
            }
            ids = Some(v);
            i = argv.len();
        } else {
            ctx.out.error(errors::SYNTAX);
            return;
        }
    }
    let now = Instant::now();
    let mut text = String::new();
    // The server's own AOF replay client (no socket) is not listed.
    for (key, c) in ctx.clients.iter().filter(|(_, c)| c.stream.is_some()) {
        if let Some(ids) = &ids {
            if !ids.contains(&c.id) {
                continue;
            }
        }
        if type_filter.as_ref().is_some_and(|t| !is_of_type(c, t)) {
            continue;
        }
        let argv_mem = if key == ctx.me { argv_bytes(argv) } else { 0 };
        text.push_str(&describe(c, ctx.reply_of(key), now, argv_mem));
        text.push('\n');
    }
    ctx.out.verbatim(text.as_bytes());
}

/// `CLIENT KILL ip:port` or
/// `CLIENT KILL [ID client-id] [TYPE type] [USER username] [ADDR ip:port] [LADDR ip:port] [SKIPME yes/no]`
fn kill(ctx: &mut Ctx, argv: Argv) {
    if argv.len() == 3 {
        let addr = argv.get(2);
        let target = ctx
            .clients
            .iter()
            .find(|(_, c)| c.stream.is_some() && c.addr.as_bytes() == addr)
            .map(|(k, _)| k);
        match target {
            Some(key) => {
                close_client(ctx, key);
                ctx.out.ok();
            }
            None => ctx.out.error("ERR No such client"),
        }
        return;
    }
    if !argv.len().is_multiple_of(2) {
        return ctx.out.error(errors::SYNTAX);
    }
    let mut id = None;
    let mut addr = None;
    let mut laddr = None;
    let mut user = None;
    let mut type_filter = None;
    let mut skipme = true;
    for pair in (2..argv.len()).step_by(2) {
        let (opt, val) = (argv.get(pair), argv.get(pair + 1));
        if args::is(opt, "id") {
            match crate::numbers::parse_i64(val) {
                Some(n) if n > 0 => id = Some(n as u64),
                _ => return ctx.out.error("ERR client-id should be greater than 0"),
            }
        } else if args::is(opt, "addr") {
            addr = Some(val);
        } else if args::is(opt, "laddr") {
            laddr = Some(val);
        } else if args::is(opt, "user") {
            user = Some(val);
        } else if args::is(opt, "type") {
            let t = val.to_ascii_lowercase();
            if !matches!(
                &t[..],
                b"normal" | b"master" | b"replica" | b"slave" | b"pubsub"
            ) {
                return ctx.out.error(&format!(
                    "ERR Unknown client type '{}'",
                    String::from_utf8_lossy(val)
                ));
            }
            type_filter = Some(if t == b"slave" {
                b"replica".to_vec()
            } else {
                t
            });
        } else if args::is(opt, "skipme") {
            skipme = match (args::is(val, "yes"), args::is(val, "no")) {
                (true, _) => true,
                (_, true) => false,
                _ => return ctx.out.error(errors::SYNTAX),
            };
        } else {
            return ctx.out.error(errors::SYNTAX);
        }
    }
    let me = ctx.me;
    let victims: Vec<usize> = ctx
        .clients
        .iter()
        .filter(|(key, c)| {
            c.stream.is_some()
                && !(skipme && *key == me)
                && id.is_none_or(|id| c.id == id)
                && addr.is_none_or(|a| c.addr.as_bytes() == a)
                && laddr.is_none_or(|a| c.laddr.as_bytes() == a)
                && user.is_none_or(|u| u == b"default")
                && type_filter.as_ref().is_none_or(|t| is_of_type(c, t))
        })
        .map(|(k, _)| k)
        .collect();
    for &key in &victims {
        close_client(ctx, key);
    }
    ctx.out.int(victims.len() as i64);
}

/// Marks a client for closing; the caller itself gets its reply first.
fn close_client(ctx: &mut Ctx, key: usize) {
    if key == ctx.me {
        ctx.client().close_after_reply = true;
    } else {
        ctx.server.kill(ctx.clients, key);
    }
}

/// `CLIENT UNBLOCK client-id [TIMEOUT | ERROR]`: releases a client blocked
/// on keys with its timeout reply, or with `-UNBLOCKED`; 1 if it was
/// blocked, else 0.
fn unblock(ctx: &mut Ctx, argv: Argv) {
    if argv.len() > 4 {
        return ctx.out.error(&format!(
            "ERR unknown subcommand or wrong number of arguments for '{}'. Try CLIENT HELP.",
            String::from_utf8_lossy(argv.get(1))
        ));
    }
    let how = match argv.len() {
        4 if args::is(argv.get(3), "timeout") => Release::TimedOut,
        4 if args::is(argv.get(3), "error") => Release::Error,
        4 => {
            return ctx
                .out
                .error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR")
        }
        _ => Release::TimedOut,
    };
    let Some(id) = args::int(ctx.out, argv.get(2)) else {
        return;
    };
    let target = ctx
        .clients
        .iter()
        .find(|(_, c)| c.id as i64 == id)
        .map(|(key, _)| key);
    let released = target.is_some_and(|key| ctx.server.release_blocked(ctx.clients, key, how));
    ctx.out.int(released as i64);
}

/// `CLIENT PAUSE timeout [WRITE | ALL]`: for `timeout` milliseconds, holds
/// the commands of normal clients (those that may write with WRITE) and
/// deletes no key by itself.
fn pause(ctx: &mut Ctx, argv: Argv) {
    if argv.len() > 4 {
        return ctx.out.error(&format!(
            "ERR unknown subcommand or wrong number of arguments for '{}'. Try CLIENT HELP.",
            String::from_utf8_lossy(argv.get(1))
        ));
    }
    let mode = match argv.len() {
        4 if args::is(argv.get(3), "write") => PauseMode::Write,
        4 if args::is(argv.get(3), "all") => PauseMode::All,
        4 => return ctx.out.error("ERR CLIENT PAUSE mode must be WRITE or ALL"),
        _ => PauseMode::All,
    };
    let Some(ms) = args::timeout_ms(ctx.out, argv.get(2)) else {
        return;
    };
    let now = Instant::now();
    // A deadline beyond the clock's range: as good as forever.
    let until = now
        .checked_add(std::time::Duration::from_millis(ms as u64))
        .unwrap_or(now + std::time::Duration::from_secs(100 * 365 * 86400));
    ctx.server.pause.start(until, mode);
    ctx.out.ok();
}

/// `CLIENT UNPAUSE`: ends the pause; held clients resume in order.
fn unpause(ctx: &mut Ctx, _argv: Argv) {
    let held = ctx.server.pause.end_if_over(Instant::now(), true);
    ctx.server.unblocked.extend(held);
    ctx.out.ok();
}

/// `CLIENT HELP`
fn help(ctx: &mut Ctx, _argv: Argv) {
    const LINES: &[&str] = &[
        "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "GETNAME",
        "    Return the name of the current connection.",
        "ID",
        "    Return the ID of the current connection.",
        "INFO",
        "    Return information about the current client connection.",
        "KILL <ip:port>",
        "    Kill connection made from <ip:port>.",
        "KILL <option> <value> [<option> <value> [...]]",
        "    Kill connections. Options are:",
        "    * ADDR (<ip:port>|<unixsocket>:0)",
        "      Kill connections made from the specified address",
        "    * LADDR (<ip:port>|<unixsocket>:0)",
        "      Kill connections made to specified local address",
        "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
        "      Kill connections by type.",
        "    * USER <username>",
        "      Kill connections authenticated by <username>.",
        "    * SKIPME (YES|NO)",
        "      Skip killing current connection (default: yes).",
        "LIST [options ...]",
        "    Return information about client connections. Options:",
        "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
        "      Return clients of specified type.",
        "UNPAUSE",
        "    Stop the current client pause, resuming traffic.",
        "PAUSE <timeout> [WRITE|ALL]",
        "    Suspend all, or just write, clients for <timeout> milliseconds.",
        "REPLY (ON|OFF|SKIP)",
        "    Control the replies sent to the current connection.",
        "SETNAME <name>",
        "    Assign the name <name> to the current connection.",
        "UNBLOCK <clientid> [TIMEOUT|ERROR]",
        "    Unblock the specified blocked client.",
        "SETINFO <LIB-NAME|LIB-VER> <value>",
        "    Set client library name or version.",
        "NO-EVICT (ON|OFF)",
        "    Protect current client connection from eviction.",
        "HELP",
        "    Prints this help.",
    ];
    ctx.reply_help(LINES);
}
