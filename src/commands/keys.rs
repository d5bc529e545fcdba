//! Generic key commands: DEL, EXISTS, EXPIRE, SCAN, ...

use super::table::{flags::*, CommandSpec};
use super::Ctx;
use crate::command;
use crate::resp::Argv;

/// Every generic key command.
pub static COMMANDS: &[CommandSpec] = &[
    command!(
        "del",
        -2,
        WRITE,
        (1, -1, 1),
        "generic",
        "Deletes one or more keys.",
        "1.0.0",
        del
    ),
    command!(
        "exists",
        -2,
        READONLY | FAST,
        (1, -1, 1),
        "generic",
        "Determines whether one or more keys exist.",
        "1.0.0",
        exists
    ),
];

/// `DEL key [key ...]`
fn del(ctx: &mut Ctx, argv: Argv) {
    let mut n = 0;
    for key in argv.iter_from(1) {
        if ctx.store.exists(ctx.db, key) {
            ctx.store.dbs[ctx.db].remove(key);
            n += 1;
        }
    }
    ctx.server.dirty += n as u64;
    ctx.out.int(n);
}

/// `EXISTS key [key ...]`
fn exists(ctx: &mut Ctx, argv: Argv) {
    let n = argv
        .iter_from(1)
        .filter(|k| ctx.store.exists(ctx.db, k))
        .count();
    ctx.out.int(n as i64);
}
