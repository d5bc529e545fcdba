//! Server commands: DBSIZE, FLUSHDB, FLUSHALL, SWAPDB, TIME, SHUTDOWN,
//! MONITOR, DEBUG, plus the COMMAND, CONFIG and INFO families.

use super::table::{flags::*, CommandSpec};
use super::{args, errors, Ctx};
use crate::command;
use crate::resp::Argv;
use crate::state::{Presence, Shutdown};
use crate::store::db::Segment;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// Every server command.
pub static COMMANDS: &[CommandSpec] = &[
    command!(
        "dbsize",
        1,
        READONLY | FAST,
        (0, 0, 0),
        "server",
        "Returns the number of keys in the database.",
        "1.0.0",
        dbsize
    ),
    command!(
        "flushdb",
        -1,
        WRITE,
        (0, 0, 0),
        "server",
        "Removes all keys from the current database.",
        "1.0.0",
        flushdb
    ),
    command!(
        "flushall",
        -1,
        WRITE,
        (0, 0, 0),
        "server",
        "Removes all keys from all databases.",
        "1.0.0",
        flushall
    ),
    command!(
        "swapdb",
        3,
        WRITE | FAST,
        (0, 0, 0),
        "server",
        "Swaps two Redis databases.",
        "4.0.0",
        swapdb
    ),
    command!(
        "time",
        1,
        LOADING | STALE | FAST,
        (0, 0, 0),
        "server",
        "Returns the server time.",
        "2.6.0",
        time
    ),
    command!(
        "shutdown",
        -1,
        ADMIN | NOSCRIPT | LOADING | STALE | NO_MULTI | SENTINEL | ALLOW_BUSY,
        (0, 0, 0),
        "server",
        "Synchronously saves the database(s) to disk and shuts down the Redis server.",
        "1.0.0",
        shutdown
    ),
    command!(
        "monitor",
        1,
        ADMIN | NOSCRIPT | LOADING | STALE,
        (0, 0, 0),
        "server",
        "Listens for all requests received by the server in real-time.",
        "1.0.0",
        monitor
    ),
    command!(
        "debug",
        -2,
        ADMIN | NOSCRIPT | LOADING | STALE,
        (0, 0, 0),
        "server",
        "A container for debugging commands.",
        "1.0.0",
        debug
    ),
    super::command::COMMAND,
    super::config::CONFIG,
    super::slowlog::SLOWLOG,
    super::latency::LATENCY,
    command!(
        "info",
        -1,
        LOADING | STALE | SENTINEL,
        (0, 0, 0),
        "server",
        "Returns information and statistics about the server.",
        "1.0.0",
        super::info::info
    ),
];

/// `DBSIZE`
fn dbsize(ctx: &mut Ctx, _argv: Argv) {
    ctx.out.int(ctx.store.dbs[ctx.db].len() as i64);
}

/// Reads the optional `ASYNC | SYNC` of FLUSHDB/FLUSHALL: Some(async?) or
/// None after replying a syntax error.
fn flush_mode(ctx: &mut Ctx, argv: Argv) -> Option<bool> {
    match argv.len() {
        1 => Some(false),
        2 if args::is(argv.get(1), "async") => Some(true),
        2 if args::is(argv.get(1), "sync") => Some(false),
        _ => {
            ctx.out.error(errors::SYNTAX);
            None
        }
    }
}

/// Frees emptied segments: on a background thread for ASYNC (the loop only
/// drops Arcs), inline otherwise.
fn free_segments(segments: Vec<Vec<Option<Arc<Segment>>>>, asynchronous: bool) {
    if asynchronous {
        std::thread::spawn(move || drop(segments));
    } else {
        drop(segments);
    }
}

/// `FLUSHDB [ASYNC | SYNC]`
fn flushdb(ctx: &mut Ctx, argv: Argv) {
    let Some(asynchronous) = flush_mode(ctx, argv) else {
        return;
    };
    let (old, now) = (&ctx.store.dbs[ctx.db], ctx.store.now_ms);
    let emptied = |key: &[u8]| Presence::of(old, key, now);
    ctx.server
        .watches
        .touch_db(ctx.clients, ctx.db, &emptied, None);
    let db = &mut ctx.store.dbs[ctx.db];
    ctx.server.dirty += db.len() as u64;
    free_segments(vec![db.clear()], asynchronous);
    ctx.force_propagate(argv);
    ctx.out.ok();
}

/// `FLUSHALL [ASYNC | SYNC]`
fn flushall(ctx: &mut Ctx, argv: Argv) {
    let Some(asynchronous) = flush_mode(ctx, argv) else {
        return;
    };
    let now = ctx.store.now_ms;
    for (index, old) in ctx.store.dbs.iter().enumerate() {
        let emptied = |key: &[u8]| Presence::of(old, key, now);
        ctx.server
            .watches
            .touch_db(ctx.clients, index, &emptied, None);
    }
    ctx.server.dirty += ctx.store.total_keys() as u64;
    let segments = ctx.store.dbs.iter_mut().map(|db| db.clear()).collect();
    free_segments(segments, asynchronous);
    // With save rules, Redis makes the empty dataset durable at once.
    ctx.server.cancel_bgsave();
    if !ctx.server.config.save.is_empty() {
        let _ = ctx.server.save(ctx.store, "flushall");
    }
    ctx.server.dirty += 1;
    ctx.force_propagate(argv);
    ctx.out.ok();
}

/// `SWAPDB index1 index2`
fn swapdb(ctx: &mut Ctx, argv: Argv) {
    if ctx.server.cluster.is_some() {
        return ctx.out.error("ERR SWAPDB is not allowed in cluster mode");
    }
    let n = ctx.store.dbs.len() as i64;
    let Some(a) = args::int_or(ctx.out, argv.get(1), "ERR invalid first DB index") else {
        return;
    };
    let Some(b) = args::int_or(ctx.out, argv.get(2), "ERR invalid second DB index") else {
        return;
    };
    if a < 0 || a >= n || b < 0 || b >= n {
        return ctx.out.error(errors::DB_INDEX);
    }
    let (a, b) = (a as usize, b as usize);
    if a != b {
        // A watched key of either database changes if it exists in one.
        let (dbs, now) = (&ctx.store.dbs, ctx.store.now_ms);
        let in_a = |key: &[u8]| Presence::of(&dbs[a], key, now);
        let in_b = |key: &[u8]| Presence::of(&dbs[b], key, now);
        let watches = &ctx.server.watches;
        watches.touch_db(ctx.clients, a, &in_a, Some(&in_b));
        watches.touch_db(ctx.clients, b, &in_b, Some(&in_a));
        let (lo, hi) = (a.min(b), a.max(b));
        let (left, right) = ctx.store.dbs.split_at_mut(hi);
        left[lo].swap(&mut right[0]);
        // Clients blocked in either database may now find data.
        ctx.server.blocking.signal_db(a);
        ctx.server.blocking.signal_db(b);
    }
    ctx.server.dirty += 1;
    ctx.out.ok();
}

/// `TIME`
fn time(ctx: &mut Ctx, _argv: Argv) {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    ctx.out.array(2);
    ctx.out.bulk_int(now.as_secs() as i64);
    ctx.out.bulk_int(now.subsec_micros() as i64);
}

/// `SHUTDOWN [NOSAVE | SAVE] [NOW] [FORCE] [ABORT]`
///
/// Saves a snapshot when save rules are set (or SAVE), never with NOSAVE,
/// and flushes the AOF; when that fails it refuses, unless FORCE.
fn shutdown(ctx: &mut Ctx, argv: Argv) {
    let (mut save, mut nosave, mut force) = (false, false, false);
    for opt in argv.iter_from(1) {
        if args::is(opt, "save") {
            save = true;
        } else if args::is(opt, "nosave") {
            nosave = true;
        } else if args::is(opt, "force") {
            force = true;
        } else if args::is(opt, "abort") {
            return ctx.out.error("ERR No shutdown in progress.");
        } else if !args::is(opt, "now") {
            return ctx.out.error(errors::SYNTAX);
        }
    }
    if save && nosave {
        return ctx.out.error(errors::SYNTAX);
    }
    // While loading, the data is incomplete: never save it (Redis forces NOSAVE).
    let loading = ctx.server.persist.loading.is_some();
    let save = !loading && (save || (!nosave && !ctx.server.config.save.is_empty()));
    let persisted = if loading {
        Ok(())
    } else {
        ctx.server.persist_for_shutdown(ctx.store, save)
    };
    if let Err(e) = persisted {
        log::warn!(target: "server", "shutdown_persist_failed error=\"{e}\" forced={force}");
        if !force {
            return ctx.out.error("ERR Errors trying to SHUTDOWN. Check logs.");
        }
    }
    ctx.server.shutdown = Some(Shutdown::Requested);
    // Like Redis, the connection closes without a reply.
    ctx.server.kill(ctx.clients, ctx.me);
}

/// `MONITOR`
fn monitor(ctx: &mut Ctx, _argv: Argv) {
    if ctx.client().in_exec {
        // Redis 7.0: a client expecting one reply per command cannot monitor.
        return ctx
            .out
            .error("ERR MONITOR isn't allowed for DENY BLOCKING client");
    }
    let me = ctx.me;
    if !ctx.client().monitor {
        ctx.client().monitor = true;
        ctx.server.monitors.push(me);
    }
    ctx.out.ok();
}

/// `DEBUG SLEEP seconds | DEBUG RELOAD [NOSAVE] | DEBUG HELP`: the
/// subset tests and tools use.
fn debug(ctx: &mut Ctx, argv: Argv) {
    let sub = argv.get(1);
    if args::is(sub, "sleep") && argv.len() == 3 {
        let Some(secs) = args::float(ctx.out, argv.get(2)) else {
            return;
        };
        std::thread::sleep(std::time::Duration::from_secs_f64(secs.clamp(0.0, 3600.0)));
        ctx.out.ok();
    } else if args::is(sub, "reload") {
        if ctx.server.persist.loading.is_some() {
            return ctx.out.error(errors::LOADING);
        }
        let save = match argv.len() {
            2 => true,
            3 if args::is(argv.get(2), "nosave") => false,
            _ if argv
                .iter_from(2)
                .any(|o| args::is(o, "merge") || args::is(o, "noflush")) =>
            {
                return ctx
                    .out
                    .error("ERR DEBUG RELOAD MERGE and NOFLUSH are not supported")
            }
            _ => {
                return ctx
                    .out
                    .error("ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.")
            }
        };
        match ctx.server.reload(ctx.store, ctx.clients, save) {
            Ok(()) => ctx.out.ok(),
            Err(e) => {
                log::warn!(target: "rdb", "debug_reload_failed error=\"{e}\"");
                ctx.out
                    .error("ERR Error trying to load the RDB dump, check server logs.")
            }
        }
    } else if args::is(sub, "help") {
        ctx.reply_help(&[
            "DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "SLEEP <seconds>",
            "    Stop the server for <seconds>. Decimals allowed.",
            "RELOAD [NOSAVE]",
            "    Save the RDB on disk (unless NOSAVE) and reload it back to memory.",
            "HELP",
            "    Prints this help.",
        ]);
    } else {
        ctx.out.error(&format!(
            "ERR unknown subcommand '{}'. Try DEBUG HELP.",
            String::from_utf8_lossy(sub)
        ));
    }
}
