//! Blocking commands: BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP, BZPOPMIN,
//! BZPOPMAX, BZMPOP. Each tries its non-blocking twin's pop
//! (`lists::pop_and_reply`, `zsets::pop_and_reply` and friends); with no data
//! it blocks the client (`Ctx::block`) and runs again when a write makes one
//! of its keys ready.

use super::lists::{self, PopReply, Served};
use super::table::{flags::*, CommandSpec};
use super::zsets::{self, PopShape};
use super::{args, errors, Ctx};
use crate::command;
use crate::resp::Argv;
use crate::state::TimeoutReply;
use crate::types::list::End;
use crate::types::Kind;

/// Every blocking command.
pub static COMMANDS: &[CommandSpec] = &[
    command!("blpop", -3, WRITE | NOSCRIPT | BLOCKING, (1, -2, 1), "list", "Removes and returns the first element in a list. Blocks until an element is available otherwise. Deletes the list if the last element was popped.", "2.0.0", blpop),
    command!("brpop", -3, WRITE | NOSCRIPT | BLOCKING, (1, -2, 1), "list", "Removes and returns the last element in a list. Blocks until an element is available otherwise. Deletes the list if the last element was popped.", "2.0.0", brpop),
    command!("blmove", 6, WRITE | DENYOOM | NOSCRIPT | BLOCKING, (1, 2, 1), "list", "Pops an element from a list, pushes it to another list and returns it. Blocks until an element is available otherwise. Deletes the list if the last element was moved.", "6.2.0", blmove),
    command!("brpoplpush", 4, WRITE | DENYOOM | NOSCRIPT | BLOCKING, (1, 2, 1), "list", "Pops an element from a list, pushes it to another list and returns it. Block until an element is available otherwise. Deletes the list if the last element was popped.", "2.2.0", brpoplpush),
    command!("bzpopmin", -3, WRITE | FAST | NOSCRIPT | BLOCKING, (1, -2, 1), "sorted-set", "Removes and returns the member with the lowest score from one or more sorted sets. Blocks until a member is available otherwise. Deletes the sorted set if the last element was popped.", "5.0.0", bzpopmin),
    command!("bzpopmax", -3, WRITE | FAST | NOSCRIPT | BLOCKING, (1, -2, 1), "sorted-set", "Removes and returns the member with the highest score from one or more sorted sets. Blocks until a member available otherwise.  Deletes the sorted set if the last element was popped.", "5.0.0", bzpopmax),
    command!("bzmpop", -5, WRITE | BLOCKING, (0, 0, 0), "sorted-set", "Removes and returns a member by score from one or more sorted sets. Blocks until a member is available otherwise. Deletes the sorted set if the last element was popped.", "7.0.0", bzmpop),
    command!("blmpop", -5, WRITE | BLOCKING, (0, 0, 0), "list", "Pops the first element from one of multiple lists. Blocks until an element is available otherwise. Deletes the list if the last element was popped.", "7.0.0", blmpop),
];

/// Replies what a pop served; on no data, blocks on `keys`.
fn serve_or_block(
    ctx: &mut Ctx,
    argv: Argv,
    served: Served,
    keys: &[&[u8]],
    timeout: Option<std::time::Duration>,
    on_timeout: TimeoutReply,
) {
    match served {
        Served::Done(_) => {}
        Served::WrongType => ctx.out.error(errors::WRONGTYPE),
        Served::Missing => ctx.block(argv, keys, timeout, on_timeout, Kind::List),
    }
}

/// BLPOP and BRPOP: `key [key ...] timeout`.
fn bpop_generic(ctx: &mut Ctx, argv: Argv, end: End) {
    let Some(timeout) = args::timeout(ctx.out, argv.get(argv.len() - 1)) else {
        return;
    };
    let keys: Vec<&[u8]> = (1..argv.len() - 1).map(|i| argv.get(i)).collect();
    for key in ctx.server.blocking.candidates(&keys) {
        match lists::pop_and_reply(ctx, key, end, PopReply::KeyElement) {
            Served::Missing => continue,
            served => {
                if let Served::Done(_) = served {
                    let pop: &[u8] = match end {
                        End::Head => b"LPOP",
                        End::Tail => b"RPOP",
                    };
                    ctx.propagate(&[pop, key]);
                }
                return serve_or_block(ctx, argv, served, &keys, timeout, TimeoutReply::NullArray);
            }
        }
    }
    ctx.block(argv, &keys, timeout, TimeoutReply::NullArray, Kind::List);
}

/// `BLPOP key [key ...] timeout`
fn blpop(ctx: &mut Ctx, argv: Argv) {
    bpop_generic(ctx, argv, End::Head);
}

/// `BRPOP key [key ...] timeout`
fn brpop(ctx: &mut Ctx, argv: Argv) {
    bpop_generic(ctx, argv, End::Tail);
}

/// BLMOVE and BRPOPLPUSH: move one element, blocking on the source.
fn bmove_generic(ctx: &mut Ctx, argv: Argv, from: End, to: End, timeout_arg: usize) {
    let Some(timeout) = args::timeout(ctx.out, argv.get(timeout_arg)) else {
        return;
    };
    let (src, dst) = (argv.get(1), argv.get(2));
    let served = lists::move_and_reply(ctx, src, dst, from, to);
    if let Served::Done(_) = served {
        let side = |end| match end {
            End::Head => b"LEFT".as_slice(),
            End::Tail => b"RIGHT",
        };
        ctx.propagate(&[b"LMOVE", src, dst, side(from), side(to)]);
    }
    serve_or_block(ctx, argv, served, &[src], timeout, TimeoutReply::Null);
}

/// `BLMOVE source destination <LEFT | RIGHT> <LEFT | RIGHT> timeout`
fn blmove(ctx: &mut Ctx, argv: Argv) {
    let (Some(from), Some(to)) = (lists::parse_end(argv.get(3)), lists::parse_end(argv.get(4)))
    else {
        return ctx.out.error(errors::SYNTAX);
    };
    bmove_generic(ctx, argv, from, to, 5);
}

/// `BRPOPLPUSH source destination timeout`
fn brpoplpush(ctx: &mut Ctx, argv: Argv) {
    bmove_generic(ctx, argv, End::Tail, End::Head, 3);
}

/// `BLMPOP timeout numkeys key [key ...] <LEFT | RIGHT> [COUNT count]`
fn blmpop(ctx: &mut Ctx, argv: Argv) {
    let Some(timeout) = args::timeout(ctx.out, argv.get(1)) else {
        return;
    };
    let Some(a) = lists::parse_mpop(ctx.out, argv, 2) else {
        return;
    };
    let keys: Vec<&[u8]> = (a.first_key..a.first_key + a.numkeys)
        .map(|i| argv.get(i))
        .collect();
    let mut served = Served::Missing;
    for key in ctx.server.blocking.candidates(&keys) {
        served = lists::pop_and_reply(ctx, key, a.end, PopReply::KeyElements(a.count));
        if let Served::Done(_) = served {
            let side: &[u8] = match a.end {
                End::Head => b"LEFT",
                End::Tail => b"RIGHT",
            };
            propagate_mpop(ctx, b"LMPOP", key, side, a.count);
        }
        if !matches!(served, Served::Missing) {
            break;
        }
    }
    serve_or_block(ctx, argv, served, &keys, timeout, TimeoutReply::NullArray);
}

/// BLMPOP and BZMPOP replay as LMPOP and ZMPOP of the one key they popped
/// from (`command 1 key side COUNT count`), without the timeout.
fn propagate_mpop(ctx: &mut Ctx, command: &[u8], key: &[u8], side: &[u8], count: usize) {
    let count = count.to_string();
    ctx.propagate(&[command, b"1", key, side, b"COUNT", count.as_bytes()]);
}

/// Pops from the first of `keys` holding a sorted set, or blocks on them.
/// Returns the key it popped from.
fn zpop_or_block<'k>(
    ctx: &mut Ctx,
    argv: Argv,
    keys: &[&'k [u8]],
    max: bool,
    count: usize,
    shape: PopShape,
    timeout: Option<std::time::Duration>,
) -> Option<&'k [u8]> {
    let candidates = ctx.server.blocking.candidates(keys);
    match zsets::first_zset(ctx, &candidates) {
        Err(_) => None, // WRONGTYPE already replied
        Ok(Some(i)) => {
            zsets::pop_and_reply(ctx, candidates[i], max, count, shape);
            Some(candidates[i])
        }
        Ok(None) => {
            ctx.block(argv, keys, timeout, TimeoutReply::NullArray, Kind::ZSet);
            None
        }
    }
}

/// BZPOPMIN and BZPOPMAX: `key [key ...] timeout`.
fn bzpop_generic(ctx: &mut Ctx, argv: Argv, max: bool) {
    let Some(timeout) = args::timeout(ctx.out, argv.get(argv.len() - 1)) else {
        return;
    };
    let keys: Vec<&[u8]> = (1..argv.len() - 1).map(|i| argv.get(i)).collect();
    if let Some(key) = zpop_or_block(ctx, argv, &keys, max, 1, PopShape::KeyFlat, timeout) {
        let pop: &[u8] = if max { b"ZPOPMAX" } else { b"ZPOPMIN" };
        ctx.propagate(&[pop, key]);
    }
}

/// `BZPOPMIN key [key ...] timeout`
fn bzpopmin(ctx: &mut Ctx, argv: Argv) {
    bzpop_generic(ctx, argv, false);
}

/// `BZPOPMAX key [key ...] timeout`
fn bzpopmax(ctx: &mut Ctx, argv: Argv) {
    bzpop_generic(ctx, argv, true);
}

/// `BZMPOP timeout numkeys key [key ...] <MIN | MAX> [COUNT count]`
fn bzmpop(ctx: &mut Ctx, argv: Argv) {
    let Some(timeout) = args::timeout(ctx.out, argv.get(1)) else {
        return;
    };
    let Some(a) = zsets::parse_mpop(ctx.out, argv, 2) else {
        return;
    };
    let keys: Vec<&[u8]> = argv.iter_from(a.first_key).take(a.numkeys).collect();
    let popped = zpop_or_block(
        ctx,
        argv,
        &keys,
        a.max,
        a.count,
        PopShape::KeyPairs,
        timeout,
    );
    if let Some(key) = popped {
        let side: &[u8] = if a.max { b"MAX" } else { b"MIN" };
        propagate_mpop(ctx, b"ZMPOP", key, side, a.count);
    }
}
