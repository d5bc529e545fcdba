//! Persistence commands: SAVE, BGSAVE, BGREWRITEAOF, LASTSAVE. The work
//! itself is the loop's (`state::persist`); these reply as Redis does.

use super::table::{flags::*, CommandSpec};
use super::{args, errors, Ctx};
use crate::command;
use crate::resp::Argv;

/// Every persistence command.
pub static COMMANDS: &[CommandSpec] = &[
    command!(
        "save",
        1,
        ADMIN | NOSCRIPT | NO_MULTI,
        (0, 0, 0),
        "server",
        "Synchronously saves the database(s) to disk.",
        "1.0.0",
        save
    ),
    command!(
        "bgsave",
        -1,
        ADMIN | NOSCRIPT,
        (0, 0, 0),
        "server",
        "Asynchronously saves the database(s) to disk.",
        "1.0.0",
        bgsave
    ),
    command!(
        "bgrewriteaof",
        1,
        ADMIN | NOSCRIPT,
        (0, 0, 0),
        "server",
        "Asynchronously rewrites the append-only file to disk.",
        "1.0.0",
        bgrewriteaof
    ),
    command!(
        "lastsave",
        1,
        LOADING | STALE | FAST,
        (0, 0, 0),
        "server",
        "Returns the Unix timestamp of the last successful save to disk.",
        "1.0.0",
        lastsave
    ),
];

/// `SAVE`: writes the snapshot now; clients wait.
fn save(ctx: &mut Ctx, _argv: Argv) {
    match ctx.server.save(ctx.store, "save_command") {
        Ok(()) => ctx.out.ok(),
        Err(e) => ctx.out.error(&e),
    }
}

/// `BGSAVE [SCHEDULE]`: writes the snapshot on a background thread from a
/// copy-on-write view. SCHEDULE waits for a running AOF rewrite instead of
/// failing.
fn bgsave(ctx: &mut Ctx, argv: Argv) {
    let schedule = match argv.len() {
        1 => false,
        2 if args::is(argv.get(1), "schedule") => true,
        _ => return ctx.out.error(errors::SYNTAX),
    };
    let persist = &mut ctx.server.persist;
    if persist.bgsave_in_progress() {
        return ctx.out.error("ERR Background save already in progress");
    }
    if persist.rewrite_in_progress() && schedule {
        persist.bgsave_scheduled = true;
        return ctx.out.simple("Background saving scheduled");
    }
    match ctx.server.start_bgsave(ctx.store, "bgsave_command") {
        Ok(()) => ctx.out.simple("Background saving started"),
        Err(e) => ctx.out.error(&e),
    }
}

/// `BGREWRITEAOF`: new writes go to a fresh incremental AOF file while the
/// new base is written in the background.
fn bgrewriteaof(ctx: &mut Ctx, _argv: Argv) {
    let persist = &mut ctx.server.persist;
    if persist.rewrite_in_progress() {
        return ctx
            .out
            .error("ERR Background append only file rewriting already in progress");
    }
    // Inside EXEC the transaction is still being written: switching files
    // now would split it across two, so the rewrite waits for the timer.
    if persist.bgsave_in_progress() || ctx.server.propagation.in_exec() {
        let persist = &mut ctx.server.persist;
        persist.rewrite_scheduled = true;
        return ctx
            .out
            .simple("Background append only file rewriting scheduled");
    }
    match ctx.server.start_rewrite(ctx.store) {
        Ok(()) => ctx
            .out
            .simple("Background append only file rewriting started"),
        Err(e) => ctx.out.error(&e),
    }
}

/// `LASTSAVE`: unix time of the last successful save.
fn lastsave(ctx: &mut Ctx, _argv: Argv) {
    ctx.out.int(ctx.server.persist.last_save_unix as i64);
}
