//! String commands: GET, SET and friends.

use super::table::{flags::*, CommandSpec};
use super::Ctx;
use crate::command;
use crate::resp::Argv;
use crate::store::Entry;

/// Every string command.
pub static COMMANDS: &[CommandSpec] = &[
    command!("get", 2, READONLY | FAST, (1, 1, 1), "string", "Returns the string value of a key.", "1.0.0", get),
    command!("set", -3, WRITE | DENYOOM, (1, 1, 1), "string", "Sets the string value of a key, ignoring its type. The key is created if it doesn't exist.", "1.0.0", set),
];

/// `GET key`
fn get(ctx: &mut Ctx, argv: Argv) {
    match ctx.store.read(ctx.db, argv.get(1)) {
        None => ctx.out.null(),
        Some(e) => match e.as_string() {
            Some(v) => ctx.out.bulk(v),
            None => ctx.out.error(super::errors::WRONGTYPE),
        },
    }
}

/// `SET key value`
fn set(ctx: &mut Ctx, argv: Argv) {
    let clock = ctx.store.new_clock();
    ctx.store.dbs[ctx.db].insert(Entry::new_string(argv.get(1), argv.get(2), None, clock));
    ctx.server.dirty += 1;
    ctx.out.ok();
}
