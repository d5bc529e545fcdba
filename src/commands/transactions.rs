//! Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH. Queueing itself is a
//! dispatch check (`dispatch::execute`); EXEC runs the queue through
//! `dispatch::call`, so each command keeps its statistics and side effects.

use super::table::{flags::*, CommandSpec};
use super::{dispatch, Ctx};
use crate::command;
use crate::resp::Argv;
use crate::state::Presence;

/// Every transaction command.
pub static COMMANDS: &[CommandSpec] = &[
    command!(
        "multi",
        1,
        NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY,
        (0, 0, 0),
        "transactions",
        "Starts a transaction.",
        "1.2.0",
        multi
    ),
    command!(
        "exec",
        1,
        NOSCRIPT | LOADING | STALE | SKIP_SLOWLOG,
        (0, 0, 0),
        "transactions",
        "Executes all commands in a transaction.",
        "1.2.0",
        exec
    ),
    command!(
        "discard",
        1,
        NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY,
        (0, 0, 0),
        "transactions",
        "Discards a transaction.",
        "2.0.0",
        discard
    ),
    command!(
        "watch",
        -2,
        NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY,
        (1, -1, 1),
        "transactions",
        "Monitors changes to keys to determine the execution of a transaction.",
        "2.2.0",
        watch
    ),
    command!(
        "unwatch",
        1,
        NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY,
        (0, 0, 0),
        "transactions",
        "Forgets about watched keys of a transaction.",
        "2.2.0",
        unwatch_command
    ),
];

/// `MULTI`
fn multi(ctx: &mut Ctx, _argv: Argv) {
    if ctx.client().multi.is_some() {
        return ctx.out.error("ERR MULTI calls can not be nested");
    }
    ctx.client().multi = Some(Default::default());
    ctx.out.ok();
}

/// `EXEC`: the replies of the queued commands as one array; a null array
/// when a watched key changed; EXECABORT when queueing refused a command.
/// (Dispatch refuses EXEC itself, with EXECABORT, when out of memory and a
/// queued command is denyoom, or on a disk error and one writes.)
fn exec(ctx: &mut Ctx, _argv: Argv) {
    let Some(tx) = ctx.client().multi.take() else {
        return ctx.out.error("ERR EXEC without MULTI");
    };
    let watch_failed = ctx.client().watch_dirty || watched_key_expired(ctx);
    unwatch(ctx);
    if tx.aborted {
        return ctx
            .out
            .error("EXECABORT Transaction discarded because of previous errors.");
    }
    if watch_failed {
        return ctx.out.null_array();
    }
    ctx.out.array(tx.queued.len());
    ctx.client().in_exec = true;
    ctx.server.propagation.begin_exec();
    for (id, command) in &tx.queued {
        dispatch::call(ctx, *id, command.as_argv());
    }
    ctx.server.propagation.end_exec();
    ctx.client().in_exec = false;
}

/// Redis 7: a watched key that expired since WATCH also fails the EXEC
/// (one already expired when watched does not).
fn watched_key_expired(ctx: &mut Ctx) -> bool {
    let now = ctx.store.now_ms;
    let store = &*ctx.store;
    let client = &ctx.clients[ctx.me];
    client.watched.iter().any(|wk| {
        !client.watched_expired.contains(wk)
            && Presence::of(&store.dbs[wk.0], &wk.1, now) == Presence::Expired
    })
}

/// `DISCARD`
fn discard(ctx: &mut Ctx, _argv: Argv) {
    if ctx.client().multi.take().is_none() {
        return ctx.out.error("ERR DISCARD without MULTI");
    }
    unwatch(ctx);
    ctx.out.ok();
}

/// `WATCH key [key ...]`
fn watch(ctx: &mut Ctx, argv: Argv) {
    if ctx.client().multi.is_some() {
        return ctx.out.error("ERR WATCH inside MULTI is not allowed");
    }
    let (me, db) = (ctx.me, ctx.db);
    for key in argv.iter_from(1) {
        let wk = (db, Box::from(key));
        let expired = Presence::of(&ctx.store.dbs[db], key, ctx.store.now_ms) == Presence::Expired;
        let client = &mut ctx.clients[me];
        if !client.watched.contains(&wk) {
            if expired {
                client.watched_expired.push(wk.clone());
            }
            client.watched.push(wk.clone());
            ctx.server.watches.watch(me, wk);
        }
    }
    ctx.out.ok();
}

/// `UNWATCH`
fn unwatch_command(ctx: &mut Ctx, _argv: Argv) {
    unwatch(ctx);
    ctx.out.ok();
}

/// Forgets the caller's watched keys and their dirty flag.
pub fn unwatch(ctx: &mut Ctx) {
    let me = ctx.me;
    let keys = std::mem::take(&mut ctx.clients[me].watched);
    ctx.server.watches.unwatch_all(me, &keys);
    ctx.clients[me].watched_expired.clear();
    ctx.clients[me].watch_dirty = false;
}
