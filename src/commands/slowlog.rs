//! SLOWLOG GET / LEN / RESET / HELP. Recording happens in `dispatch::call`.

use super::table::{flags::*, CommandSpec};
use super::Ctx;
use crate::command;
use crate::resp::Argv;

/// The SLOWLOG container.
pub const SLOWLOG: CommandSpec = CommandSpec {
    name: "slowlog",
    arity: -2,
    flags: 0,
    first_key: 0,
    last_key: 0,
    step: 0,
    group: "server",
    summary: "A container for slow log commands.",
    since: "2.2.12",
    handler: help,
    subcommands: &[
        command!(
            "get",
            -2,
            ADMIN | LOADING | STALE,
            (0, 0, 0),
            "server",
            "Returns the slow log's entries.",
            "2.2.12",
            get
        ),
        command!(
            "len",
            2,
            ADMIN | LOADING | STALE,
            (0, 0, 0),
            "server",
            "Returns the number of entries in the slow log.",
            "2.2.12",
            len
        ),
        command!(
            "reset",
            2,
            ADMIN | LOADING | STALE,
            (0, 0, 0),
            "server",
            "Clears all entries from the slow log.",
            "2.2.12",
            reset
        ),
        command!(
            "help",
            2,
            LOADING | STALE,
            (0, 0, 0),
            "server",
            "Show helpful text about the different subcommands",
            "6.2.0",
            help
        ),
    ],
};

/// `SLOWLOG GET [count]` (default 10, -1 for all)
fn get(ctx: &mut Ctx, argv: Argv) {
    let count = match argv.len() {
        2 => Some(10),
        3 => {
            let Some(n) = super::args::int(ctx.out, argv.get(2)) else {
                return;
            };
            if n < -1 {
                return ctx
                    .out
                    .error("ERR count should be greater than or equal to -1");
            }
            (n >= 0).then_some(n as usize)
        }
        _ => return ctx.out.error(&super::errors::arity("slowlog|get")),
    };
    let entries: Vec<_> = ctx.server.slowlog.newest(count).collect();
    let out = &mut *ctx.out;
    out.array(entries.len());
    for e in entries {
        out.array(6);
        out.int(e.id as i64);
        out.int(e.time as i64);
        out.int(e.duration as i64);
        out.array(e.args.len());
        for a in &e.args {
            out.bulk(a);
        }
        out.bulk(e.client_addr.as_bytes());
        out.bulk(&e.client_name);
    }
}

/// `SLOWLOG LEN`
fn len(ctx: &mut Ctx, _argv: Argv) {
    ctx.out.int(ctx.server.slowlog.len() as i64);
}

/// `SLOWLOG RESET`
fn reset(ctx: &mut Ctx, _argv: Argv) {
    ctx.server.slowlog.reset();
    ctx.out.ok();
}

/// `SLOWLOG HELP`
fn help(ctx: &mut Ctx, _argv: Argv) {
    ctx.reply_help(&[
        "SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "GET [<count>]",
        "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
        "    Entries are made of:",
        "    id, timestamp, time in microseconds, arguments array, client IP and port,",
        "    client name",
        "LEN",
        "    Return the length of the slowlog.",
        "RESET",
        "    Reset the slowlog.",
        "HELP",
        "    Prints this help.",
    ]);
}
