//! Connection commands: PING, ECHO, QUIT, RESET, HELLO, AUTH, SELECT.

use super::table::{flags::*, CommandSpec};
use super::{args, errors, Ctx};
use crate::command;
use crate::resp::Argv;
use crate::state::ReplyMode;

/// Every connection command (CLIENT lives in `client`).
pub static COMMANDS: &[CommandSpec] = &[
    command!(
        "ping",
        -1,
        FAST | SENTINEL,
        (0, 0, 0),
        "connection",
        "Returns the server's liveliness response.",
        "1.0.0",
        ping
    ),
    command!(
        "echo",
        2,
        LOADING | STALE | FAST,
        (0, 0, 0),
        "connection",
        "Returns the given string.",
        "1.0.0",
        echo
    ),
    command!(
        "quit",
        -1,
        ALLOW_BUSY | NOSCRIPT | LOADING | STALE | FAST | NO_AUTH,
        (0, 0, 0),
        "connection",
        "Closes the connection.",
        "1.0.0",
        quit
    ),
    command!(
        "reset",
        1,
        NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | ALLOW_BUSY,
        (0, 0, 0),
        "connection",
        "Resets the connection.",
        "6.2.0",
        reset
    ),
    command!(
        "hello",
        -1,
        NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | SENTINEL | ALLOW_BUSY,
        (0, 0, 0),
        "connection",
        "Handshakes with the Redis server.",
        "6.0.0",
        hello
    ),
    command!(
        "auth",
        -2,
        NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | SENTINEL | ALLOW_BUSY,
        (0, 0, 0),
        "connection",
        "Authenticates the connection.",
        "1.0.0",
        auth
    ),
    command!(
        "select",
        2,
        LOADING | STALE | FAST,
        (0, 0, 0),
        "connection",
        "Changes the selected database.",
        "1.0.0",
        select
    ),
    super::client::CLIENT,
];

/// `PING [message]`
fn ping(ctx: &mut Ctx, argv: Argv) {
    if argv.len() > 2 {
        ctx.out.error(&errors::arity("ping"));
        return;
    }
    let message = (argv.len() == 2).then(|| argv.get(1));
    if !ctx.out.resp3 && ctx.clients[ctx.me].subs.any() {
        // RESP2 subscriber mode: a ["pong", message] array.
        ctx.out.array(2);
        ctx.out.bulk(b"pong");
        ctx.out.bulk(message.unwrap_or(b""));
        return;
    }
    match message {
        None => ctx.out.simple("PONG"),
        Some(m) => ctx.out.bulk(m),
    }
}

/// `ECHO message`
fn echo(ctx: &mut Ctx, argv: Argv) {
    ctx.out.bulk(argv.get(1));
}

/// `QUIT`: replies OK, then closes the connection.
fn quit(ctx: &mut Ctx, _argv: Argv) {
    ctx.out.ok();
    ctx.client().close_after_reply = true;
}

/// `RESET`: back to a fresh connection's state (db 0, RESP2, no name...).
fn reset(ctx: &mut Ctx, _argv: Argv) {
    ctx.db = 0;
    ctx.out.resp3 = false;
    let requirepass_set = !ctx.server.config.requirepass.is_empty();
    let me = ctx.me;
    ctx.server.monitors.retain(|&m| m != me);
    super::transactions::unwatch(ctx);
    super::pubsub::unsubscribe_all_silently(ctx);
    ctx.client().multi = None;
    let c = ctx.client();
    c.db = 0;
    c.name.clear();
    c.reply_mode = ReplyMode::On;
    c.no_evict = false;
    c.asking = false;
    c.cluster_readonly = false;
    c.monitor = false;
    c.authenticated = !requirepass_set;
    ctx.out.simple("RESET");
}

/// Checks a password against requirepass; replies the error on failure.
fn check_password(ctx: &mut Ctx, user: &[u8], pass: &[u8]) -> bool {
    let required = ctx.server.config.requirepass.as_bytes();
    if user == b"default" && !required.is_empty() && pass == required {
        ctx.client().authenticated = true;
        return true;
    }
    if required.is_empty() && user == b"default" {
        ctx.out.error("ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?");
        return false;
    }
    ctx.out
        .error("WRONGPASS invalid username-password pair or user is disabled.");
    false
}

/// `AUTH [username] password`
fn auth(ctx: &mut Ctx, argv: Argv) {
    let (user, pass) = match argv.len() {
        2 => (&b"default"[..], argv.get(1)),
        3 => (argv.get(1), argv.get(2)),
        _ => {
            ctx.out.error(errors::SYNTAX);
            return;
        }
    };
    if check_password(ctx, user, pass) {
        ctx.out.ok();
    }
}

/// `HELLO [protover [AUTH username password] [SETNAME clientname]]`
fn hello(ctx: &mut Ctx, argv: Argv) {
    let mut proto = None;
    let mut i = 1;
    if argv.len() >= 2 {
        let Some(v) = args::int_or(
            ctx.out,
            argv.get(1),
            "ERR Protocol version is not an integer or out of range",
        ) else {
            return;
        };
        if !(2..=3).contains(&v) {
            ctx.out.error("NOPROTO unsupported protocol version");
            return;
        }
        proto = Some(v);
        i = 2;
    }
    let mut setname = None;
    while i < argv.len() {
        let more = argv.len() - i - 1;
        if args::is(argv.get(i), "auth") && more >= 2 {
            if !check_password(ctx, argv.get(i + 1), argv.get(i + 2)) {
                return;
            }
            i += 3;
        } else if args::is(argv.get(i), "setname") && more >= 1 {
            let name = argv.get(i + 1);
            if !super::client::valid_name(name) {
                ctx.out.error(
                    "ERR Client names cannot contain spaces, newlines or special characters.",
                );
                return;
            }
            setname = Some(name);
            i += 2;
        } else {
            ctx.out.error(&format!(
                "ERR Syntax error in HELLO option '{}'",
                String::from_utf8_lossy(argv.get(i))
            ));
            return;
        }
    }
    if ctx.server.auth_required(&ctx.clients[ctx.me]) {
        ctx.out.error("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time");
        return;
    }
    if let Some(name) = setname {
        ctx.client().name = name.to_vec();
    }
    if let Some(p) = proto {
        ctx.out.resp3 = p == 3;
    }
    let id = ctx.client().id;
    let out = &mut *ctx.out;
    out.map(7);
    out.bulk(b"server");
    out.bulk(b"redis");
    out.bulk(b"version");
    out.bulk(crate::REDIS_COMPAT_VERSION.as_bytes());
    out.bulk(b"proto");
    out.int(if out.resp3 { 3 } else { 2 });
    out.bulk(b"id");
    out.int(id as i64);
    out.bulk(b"mode");
    out.bulk(b"standalone");
    out.bulk(b"role");
    out.bulk(b"master");
    out.bulk(b"modules");
    out.array(0);
}

/// `SELECT index`
fn select(ctx: &mut Ctx, argv: Argv) {
    let Some(n) = args::int(ctx.out, argv.get(1)) else {
        return;
    };
    if ctx.server.cluster.is_some() && n != 0 {
        ctx.out.error("ERR SELECT is not allowed in cluster mode");
        return;
    }
    if n < 0 || n as usize >= ctx.store.dbs.len() {
        ctx.out.error(errors::DB_INDEX);
        return;
    }
    ctx.db = n as usize;
    ctx.out.ok();
}
