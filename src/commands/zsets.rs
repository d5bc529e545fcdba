//! Sorted-set commands: ZADD and friends with Redis 7.0's options, replies
//! and error texts (checked against redis-server 7.0.15).
//!
//! The blocking pops (BZPOPMIN, BZPOPMAX, BZMPOP) live with the blocking
//! machinery; they reuse [`first_zset`] and [`pop_and_reply`] from here.
//!
//! Plain sets are valid inputs of ZUNION/ZINTER/ZDIFF: every member scores 1.
//! Writes publish Redis's keyspace events (zadd, zincr, zrem, zpopmin, ...,
//! del when a key goes away).

use super::table::{flags::*, CommandSpec};
use super::{args, errors, Ctx};
use crate::command;
use crate::config::event_class;
use crate::numbers::{format_double, parse_cursor, parse_score, strtod};
use crate::resp::{Argv, Reply};
use crate::store::evict::random_u64;
use crate::store::glob::glob_match;
use crate::store::{Entry, Store};
use crate::types::zset::{AddFlags, AddOutcome, LexBound, LexRange, Limits, ScoreRange};
use crate::types::{Object, Set, TypeLimits, WrongType, ZSet};
use std::collections::HashMap;

/// Every sorted-set command.
pub static COMMANDS: &[CommandSpec] = &[
    command!(
        "zadd",
        -4,
        WRITE | DENYOOM | FAST,
        (1, 1, 1),
        "sorted-set",
        "Adds one or more members to a sorted set, or updates their scores. Creates the key if it doesn't exist.",
        "1.2.0",
        zadd
    ),
    command!(
        "zincrby",
        4,
        WRITE | DENYOOM | FAST,
        (1, 1, 1),
        "sorted-set",
        "Increments the score of a member in a sorted set.",
        "1.2.0",
        zincrby
    ),
    command!(
        "zrem",
        -3,
        WRITE | FAST,
        (1, 1, 1),
        "sorted-set",
        "Removes one or more members from a sorted set. Deletes the sorted set if all members were removed.",
        "1.2.0",
        zrem
    ),
    command!(
        "zscore",
        3,
        READONLY | FAST,
        (1, 1, 1),
        "sorted-set",
        "Returns the score of a member in a sorted set.",
        "1.2.0",
        zscore
    ),
    command!(
        "zmscore",
        -3,
        READONLY | FAST,
        (1, 1, 1),
        "sorted-set",
        "Returns the score of one or more members in a sorted set.",
        "6.2.0",
        zmscore
    ),
    command!(
        "zcard",
        2,
        READONLY | FAST,
        (1, 1, 1),
        "sorted-set",
        "Returns the number of members in a sorted set.",
        "1.2.0",
        zcard
    ),
    command!(
        "zcount",
        4,
        READONLY | FAST,
        (1, 1, 1),
        "sorted-set",
        "Returns the count of members in a sorted set that have scores within a range.",
        "2.0.0",
        zcount
    ),
    command!(
        "zlexcount",
        4,
        READONLY | FAST,
        (1, 1, 1),
        "sorted-set",
        "Returns the number of members in a sorted set within a lexicographical range.",
        "2.8.9",
        zlexcount
    ),
    command!(
        "zrange",
        -4,
        READONLY,
        (1, 1, 1),
        "sorted-set",
        "Returns members in a sorted set within a range of indexes.",
        "1.2.0",
        zrange
    ),
    command!(
        "zrangestore",
        -5,
        WRITE | DENYOOM,
        (1, 2, 1),
        "sorted-set",
        "Stores a range of members from sorted set in a key.",
        "6.2.0",
        zrangestore
    ),
    command!(
        "zrangebyscore",
        -4,
        READONLY,
        (1, 1, 1),
        "sorted-set",
        "Returns members in a sorted set within a range of scores.",
        "1.0.5",
        zrangebyscore
    ),
    command!(
        "zrevrangebyscore",
        -4,
        READONLY,
        (1, 1, 1),
        "sorted-set",
        "Returns members in a sorted set within a range of scores in reverse order.",
        "2.2.0",
        zrevrangebyscore
    ),
    command!(
        "zrangebylex",
        -4,
        READONLY,
        (1, 1, 1),
        "sorted-set",
        "Returns members in a sorted set within a lexicographical range.",
        "2.8.9",
        zrangebylex
    ),
    command!(
        "zrevrangebylex",
        -4,
        READONLY,
        (1, 1, 1),
        "sorted-set",
        "Returns members in a sorted set within a lexicographical range in reverse order.",
        "2.8.9",
        zrevrangebylex
    ),
    command!(
        "zrevrange",
        -4,
        READONLY,
        (1, 1, 1),
        "sorted-set",
        "Returns members in a sorted set within a range of indexes in reverse order.",
        "1.2.0",
        zrevrange
    ),
    command!(
        "zrank",
        3,
        READONLY | FAST,
        (1, 1, 1),
        "sorted-set",
        "Returns the index of a member in a sorted set ordered by ascending scores.",
        "2.0.0",
        zrank
    ),
    command!(
        "zrevrank",
        3,
        READONLY | FAST,
        (1, 1, 1),
        "sorted-set",
        "Returns the index of a member in a sorted set ordered by descending scores.",
        "2.0.0",
        zrevrank
    ),
    command!(
        "zremrangebyrank",
        4,
        WRITE,
        (1, 1, 1),
        "sorted-set",
        "Removes members in a sorted set within a range of indexes. Deletes the sorted set if all members were removed.",
        "2.0.0",
        zremrangebyrank
    ),
    command!(
        "zremrangebyscore",
        4,
        WRITE,
        (1, 1, 1),
        "sorted-set",
        "Removes members in a sorted set within a range of scores. Deletes the sorted set if all members were removed.",
        "1.2.0",
        zremrangebyscore
    ),
    command!(
        "zremrangebylex",
        4,
        WRITE,
        (1, 1, 1),
        "sorted-set",
        "Removes members in a sorted set within a lexicographical range. Deletes the sorted set if all members were removed.",
        "2.8.9",
        zremrangebylex
    ),
    command!(
        "zpopmin",
        -2,
        WRITE | FAST,
        (1, 1, 1),
        "sorted-set",
        "Returns the lowest-scoring members from a sorted set after removing them. Deletes the sorted set if the last member was popped.",
        "5.0.0",
        zpopmin
    ),
    command!(
        "zpopmax",
        -2,
        WRITE | FAST,
        (1, 1, 1),
        "sorted-set",
        "Returns the highest-scoring members from a sorted set after removing them. Deletes the sorted set if the last member was popped.",
        "5.0.0",
        zpopmax
    ),
    command!(
        "zmpop",
        -4,
        WRITE,
        (0, 0, 0),
        "sorted-set",
        "Returns the highest- or lowest-scoring members from one or more sorted sets after removing them. Deletes the sorted set if the last member was popped.",
        "7.0.0",
        zmpop
    ),
    command!(
        "zrandmember",
        -2,
        READONLY,
        (1, 1, 1),
        "sorted-set",
        "Returns one or more random members from a sorted set.",
        "6.2.0",
        zrandmember
    ),
    command!(
        "zunion",
        -3,
        READONLY,
        (0, 0, 0),
        "sorted-set",
        "Returns the union of multiple sorted sets.",
        "6.2.0",
        zunion
    ),
    command!(
        "zunionstore",
        -4,
        WRITE | DENYOOM,
        (1, 1, 1),
        "sorted-set",
        "Stores the union of multiple sorted sets in a key.",
        "2.0.0",
        zunionstore
    ),
    command!(
        "zinter",
        -3,
        READONLY,
        (0, 0, 0),
        "sorted-set",
        "Returns the intersect of multiple sorted sets.",
        "6.2.0",
        zinter
    ),
    command!(
        "zinterstore",
        -4,
        WRITE | DENYOOM,
        (1, 1, 1),
        "sorted-set",
        "Stores the intersect of multiple sorted sets in a key.",
        "2.0.0",
        zinterstore
    ),
    command!(
        "zintercard",
        -3,
        READONLY,
        (0, 0, 0),
        "sorted-set",
        "Returns the number of members of the intersect of multiple sorted sets.",
        "7.0.0",
        zintercard
    ),
    command!(
        "zdiff",
        -3,
        READONLY,
        (0, 0, 0),
        "sorted-set",
        "Returns the difference between multiple sorted sets.",
        "6.2.0",
        zdiff
    ),
    command!(
        "zdiffstore",
        -4,
        WRITE | DENYOOM,
        (1, 1, 1),
        "sorted-set",
        "Stores the difference of multiple sorted sets in a key.",
        "6.2.0",
        zdiffstore
    ),
    command!(
        "zscan",
        -3,
        READONLY,
        (1, 1, 1),
        "sorted-set",
        "Iterates over members and scores of a sorted set.",
        "2.8.0",
        zscan
    ),
];

const NAN_SCORE: &str = "ERR resulting score is not a number (NaN)";
const NOT_RANGE_FLOAT: &str = "ERR min or max is not a float";
const NOT_LEX_RANGE: &str = "ERR min or max not valid string range item";
const MUST_BE_POSITIVE: &str = "ERR value is out of range, must be positive";

// ---------------------------------------------------------------------------
// Parsing: score and lex ranges as Redis reads them (scores: crate::numbers)
// ---------------------------------------------------------------------------

/// One end of a score range (`1.5`, `(1.5`, `-inf`) as `zslParseRange` reads
/// it: strtod must stop at the end of the argument (or at a NUL byte).
fn parse_range_item(arg: &[u8]) -> Option<(f64, bool)> {
    let (exclusive, body) = match arg.first() {
        Some(b'(') => (true, &arg[1..]),
        _ => (false, arg),
    };
    let (v, n, _) = strtod(body);
    let stopped_at_end = n == body.len() || body[n] == 0;
    (stopped_at_end && !v.is_nan()).then_some((v, exclusive))
}

/// A score range, or None (`ERR min or max is not a float`).
pub fn parse_score_range(min: &[u8], max: &[u8]) -> Option<ScoreRange> {
    let (min, minex) = parse_range_item(min)?;
    let (max, maxex) = parse_range_item(max)?;
    Some(ScoreRange {
        min,
        max,
        minex,
        maxex,
    })
}

/// One end of a lexicographic range: `-`, `+`, `[x` or `(x`.
fn parse_lex_bound(arg: &[u8]) -> Option<LexBound> {
    let alone = arg.get(1).is_none_or(|&b| b == 0);
    match arg.first()? {
        b'+' if alone => Some(LexBound::Max),
        b'-' if alone => Some(LexBound::Min),
        b'(' => Some(LexBound::Str(arg[1..].into(), true)),
        b'[' => Some(LexBound::Str(arg[1..].into(), false)),
        _ => None,
    }
}

/// A lexicographic range, or None (`ERR min or max not valid string range item`).
pub fn parse_lex_range(min: &[u8], max: &[u8]) -> Option<LexRange> {
    Some(LexRange {
        min: parse_lex_bound(min)?,
        max: parse_lex_bound(max)?,
    })
}

/// Redis's `getPositiveLongFromObjectOrReply` with its own message for
/// both a non-integer and a negative value.
fn non_negative(out: &mut Reply, arg: &[u8], msg: &str) -> Option<i64> {
    match args::int_or(out, arg, msg) {
        Some(n) if n >= 0 => Some(n),
        Some(_) => {
            out.error(msg);
            None
        }
        None => None,
    }
}

// ---------------------------------------------------------------------------
// Lookups and replies
// ---------------------------------------------------------------------------

/// The encoding limits in force.
fn limits(ctx: &Ctx) -> Limits {
    TypeLimits::from_config(&ctx.server.config).zset
}

/// The sorted set at `key` for a read (stats, LRU touch): `Ok(None)` when
/// missing; replies WRONGTYPE and returns `Err` for another type.
fn read<'s>(
    store: &'s mut Store,
    out: &mut Reply,
    db: usize,
    key: &[u8],
) -> Result<Option<&'s ZSet>, ()> {
    store.read_typed::<ZSet>(db, key).map_err(|_| {
        out.error(errors::WRONGTYPE);
    })
}

/// The sorted set at `key` for a write: as [`read`], mutable.
fn write<'s>(
    store: &'s mut Store,
    out: &mut Reply,
    db: usize,
    key: &[u8],
) -> Result<Option<&'s mut ZSet>, ()> {
    store.write_typed::<ZSet>(db, key).map_err(|_| {
        out.error(errors::WRONGTYPE);
    })
}

/// The array header for `n` members: WITHSCORES doubles a flat RESP2 array;
/// RESP3 nests [member, score] pairs instead.
fn begin_members(out: &mut Reply, n: usize, withscores: bool) {
    if withscores && !out.resp3 {
        out.array(n * 2);
    } else {
        out.array(n);
    }
}

/// One member (and its score with WITHSCORES) of a [`begin_members`] array.
#[inline]
fn emit_member(out: &mut Reply, member: &[u8], score: f64, withscores: bool) {
    if withscores && out.resp3 {
        out.array(2);
    }
    out.bulk(member);
    if withscores {
        out.double(score);
    }
}

/// Stores `pairs` (sorted by score, member) at `dst`, or deletes `dst` when
/// there is none; replies the count. Redis's store finalizers.
fn store_result(ctx: &mut Ctx, dst: &[u8], pairs: Vec<(Box<[u8]>, f64)>, event: &str) {
    let n = pairs.len();
    if n > 0 {
        let zs = ZSet::from_sorted(pairs, limits(ctx));
        ctx.set_key(dst, Object::ZSet(zs));
        ctx.server.dirty += 1;
        ctx.out.int(n as i64);
        ctx.notify(event_class::ZSET, event, dst);
    } else {
        ctx.out.int(0);
        // Redis's dbDelete: removed even when expired (a `del`, no `expired`).
        if ctx.store.dbs[ctx.db].remove(dst).is_some() {
            ctx.server.dirty += 1;
            ctx.notify(event_class::GENERIC, "del", dst);
        }
    }
}

/// After a removal from `key`: deletes it if now empty, publishing `del`.
fn delete_if_empty(ctx: &mut Ctx, key: &[u8]) {
    if ctx.store.remove_if_empty(ctx.db, key) {
        ctx.notify(event_class::GENERIC, "del", key);
    }
}

fn sort_pairs(pairs: &mut [(Box<[u8]>, f64)]) {
    // -0 and 0 compare equal, as in the skiplist: the member decides.
    pairs.sort_unstable_by(|a, b| {
        a.1.partial_cmp(&b.1)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then_with(|| a.0.cmp(&b.0))
    });
}

// ---------------------------------------------------------------------------
// ZADD, ZINCRBY, ZREM, ZSCORE, ZMSCORE, ZCARD, ZCOUNT, ZLEXCOUNT
// ---------------------------------------------------------------------------

/// `ZADD key [NX | XX] [GT | LT] [CH] [INCR] score member [score member ...]`
fn zadd(ctx: &mut Ctx, argv: Argv) {
    zadd_generic(ctx, argv, false);
}

/// `ZINCRBY key increment member`
fn zincrby(ctx: &mut Ctx, argv: Argv) {
    zadd_generic(ctx, argv, true);
}

/// Redis's `zaddGenericCommand`, shared by ZADD and ZINCRBY.
fn zadd_generic(ctx: &mut Ctx, argv: Argv, zincrby: bool) {
    let key = argv.get(1);
    let mut flags = AddFlags {
        incr: zincrby,
        ..AddFlags::default()
    };
    let mut ch = false;
    let mut i = 2;
    while !zincrby && i < argv.len() {
        let opt = argv.get(i);
        if args::is(opt, "nx") {
            flags.nx = true;
        } else if args::is(opt, "xx") {
            flags.xx = true;
        } else if args::is(opt, "ch") {
            ch = true;
        } else if args::is(opt, "incr") {
            flags.incr = true;
        } else if args::is(opt, "gt") {
            flags.gt = true;
        } else if args::is(opt, "lt") {
            flags.lt = true;
        } else {
            break;
        }
        i += 1;
    }
    let rest = argv.len() - i;
    if rest == 0 || !rest.is_multiple_of(2) {
        return ctx.out.error(errors::SYNTAX);
    }
    let elements = rest / 2;
    if flags.nx && flags.xx {
        return ctx
            .out
            .error("ERR XX and NX options at the same time are not compatible");
    }
    if (flags.nx && (flags.gt || flags.lt)) || (flags.gt && flags.lt) {
        return ctx
            .out
            .error("ERR GT, LT, and/or NX options at the same time are not compatible");
    }
    if flags.incr && elements > 1 {
        return ctx
            .out
            .error("ERR INCR option supports a single increment-element pair");
    }
    let mut scores = Vec::with_capacity(elements);
    for j in 0..elements {
        match parse_score(argv.get(i + 2 * j)) {
            Some(s) => scores.push(s),
            None => return ctx.out.error(errors::NOT_FLOAT),
        }
    }

    let limits = limits(ctx);
    let exists = match ctx.store.write_typed::<ZSet>(ctx.db, key) {
        Err(_) => return ctx.out.error(errors::WRONGTYPE),
        Ok(z) => z.is_some(),
    };
    let (mut added, mut updated, mut processed) = (0u64, 0u64, 0u64);
    let mut last_score = 0.0;
    if exists || !flags.xx {
        let zs = match ctx.store.write_or_create::<ZSet>(ctx.db, key) {
            Ok(zs) => zs,
            Err(_) => return ctx.out.error(errors::WRONGTYPE),
        };
        for (j, &score) in scores.iter().enumerate() {
            let member = argv.get(i + 2 * j + 1);
            match zs.add(score, member, flags, limits) {
                AddOutcome::Nan => {
                    ctx.store.remove_if_empty(ctx.db, key);
                    return ctx.out.error(NAN_SCORE);
                }
                AddOutcome::Added(s) => {
                    added += 1;
                    processed += 1;
                    last_score = s;
                }
                AddOutcome::Updated(s) => {
                    updated += 1;
                    processed += 1;
                    last_score = s;
                }
                AddOutcome::Same(s) => {
                    processed += 1;
                    last_score = s;
                }
                AddOutcome::Nop => {}
            }
        }
        ctx.server.dirty += added + updated;
        ctx.store.remove_if_empty(ctx.db, key);
    }
    if added + updated > 0 {
        let event = if flags.incr { "zincr" } else { "zadd" };
        ctx.notify(event_class::ZSET, event, key);
    }
    if flags.incr {
        if processed > 0 {
            ctx.out.double(last_score);
        } else {
            ctx.out.null();
        }
    } else {
        ctx.out
            .int((if ch { added + updated } else { added }) as i64);
    }
}

/// `ZREM key member [member ...]`
fn zrem(ctx: &mut Ctx, argv: Argv) {
    let key = argv.get(1);
    let Ok(found) = write(ctx.store, ctx.out, ctx.db, key) else {
        return;
    };
    let Some(zs) = found else {
        return ctx.out.int(0);
    };
    let deleted = argv.iter_from(2).filter(|m| zs.remove(m)).count();
    ctx.server.dirty += deleted as u64;
    ctx.out.int(deleted as i64);
    if deleted > 0 {
        ctx.notify(event_class::ZSET, "zrem", key);
        delete_if_empty(ctx, key);
    }
}

/// `ZSCORE key member`
fn zscore(ctx: &mut Ctx, argv: Argv) {
    let Ok(found) = read(ctx.store, ctx.out, ctx.db, argv.get(1)) else {
        return;
    };
    match found.and_then(|zs| zs.score(argv.get(2))) {
        Some(score) => ctx.out.double(score),
        None => ctx.out.null(),
    }
}

/// `ZMSCORE key member [member ...]`
fn zmscore(ctx: &mut Ctx, argv: Argv) {
    let Ok(found) = read(ctx.store, ctx.out, ctx.db, argv.get(1)) else {
        return;
    };
    ctx.out.array(argv.len() - 2);
    for member in argv.iter_from(2) {
        match found.and_then(|zs| zs.score(member)) {
            Some(score) => ctx.out.double(score),
            None => ctx.out.null(),
        }
    }
}

/// `ZCARD key`
fn zcard(ctx: &mut Ctx, argv: Argv) {
    let Ok(found) = read(ctx.store, ctx.out, ctx.db, argv.get(1)) else {
        return;
    };
    ctx.out.int(found.map_or(0, ZSet::len) as i64);
}

/// `ZCOUNT key min max`: O(log n) whatever the range.
fn zcount(ctx: &mut Ctx, argv: Argv) {
    let Some(range) = parse_score_range(argv.get(2), argv.get(3)) else {
        return ctx.out.error(NOT_RANGE_FLOAT);
    };
    let Ok(found) = read(ctx.store, ctx.out, ctx.db, argv.get(1)) else {
        return;
    };
    let (start, end) = found.map_or((0, 0), |zs| zs.score_span(&range));
    ctx.out.int((end - start) as i64);
}

/// `ZLEXCOUNT key min max`
fn zlexcount(ctx: &mut Ctx, argv: Argv) {
    let Some(range) = parse_lex_range(argv.get(2), argv.get(3)) else {
        return ctx.out.error(NOT_LEX_RANGE);
    };
    let Ok(found) = read(ctx.store, ctx.out, ctx.db, argv.get(1)) else {
        return;
    };
    let (start, end) = found.map_or((0, 0), |zs| zs.lex_span(&range, false));
    ctx.out.int((end - start) as i64);
}

// ---------------------------------------------------------------------------
// The ZRANGE family
// ---------------------------------------------------------------------------

/// What a range is over.
#[derive(Clone, Copy, PartialEq, Eq)]
enum RangeType {
    /// Not fixed yet: ZRANGE's BYSCORE/BYLEX may choose.
    Auto,
    Rank,
    Score,
    Lex,
}

/// Which way a range runs.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Direction {
    /// Not fixed yet: ZRANGE's REV may choose.
    Auto,
    Forward,
    Reverse,
}

/// `ZRANGE key start stop [BYSCORE | BYLEX] [REV] [LIMIT offset count] [WITHSCORES]`
fn zrange(ctx: &mut Ctx, argv: Argv) {
    zrange_generic(ctx, argv, 1, None, RangeType::Auto, Direction::Auto);
}

/// `ZRANGESTORE dst src min max [BYSCORE | BYLEX] [REV] [LIMIT offset count]`
fn zrangestore(ctx: &mut Ctx, argv: Argv) {
    let dst = argv.get(1);
    zrange_generic(ctx, argv, 2, Some(dst), RangeType::Auto, Direction::Auto);
}

/// `ZRANGEBYSCORE key min max [WITHSCORES] [LIMIT offset count]`
fn zrangebyscore(ctx: &mut Ctx, argv: Argv) {
    zrange_generic(ctx, argv, 1, None, RangeType::Score, Direction::Forward);
}

/// `ZREVRANGEBYSCORE key max min [WITHSCORES] [LIMIT offset count]`
fn zrevrangebyscore(ctx: &mut Ctx, argv: Argv) {
    zrange_generic(ctx, argv, 1, None, RangeType::Score, Direction::Reverse);
}

/// `ZRANGEBYLEX key min max [LIMIT offset count]`
fn zrangebylex(ctx: &mut Ctx, argv: Argv) {
    zrange_generic(ctx, argv, 1, None, RangeType::Lex, Direction::Forward);
}

/// `ZREVRANGEBYLEX key max min [LIMIT offset count]`
fn zrevrangebylex(ctx: &mut Ctx, argv: Argv) {
    zrange_generic(ctx, argv, 1, None, RangeType::Lex, Direction::Reverse);
}

/// `ZREVRANGE key start stop [WITHSCORES]`
fn zrevrange(ctx: &mut Ctx, argv: Argv) {
    zrange_generic(ctx, argv, 1, None, RangeType::Rank, Direction::Reverse);
}

/// The parsed range of a ZRANGE-family command.
enum Bounds {
    Rank(i64, i64),
    Score(ScoreRange),
    Lex(LexRange),
}

/// Redis's `zrangeGenericCommand`: parses options then the range, looks the
/// source up, and replies the members (or stores them at `dst`).
fn zrange_generic(
    ctx: &mut Ctx,
    argv: Argv,
    start_at: usize,
    dst: Option<&[u8]>,
    mut rangetype: RangeType,
    mut direction: Direction,
) {
    let key = argv.get(start_at);
    let mut withscores = false;
    let mut offset: i64 = 0;
    let mut limit: i64 = -1;
    let mut j = start_at + 3;
    while j < argv.len() {
        let opt = argv.get(j);
        let left = argv.len() - j - 1;
        if dst.is_none() && args::is(opt, "withscores") {
            withscores = true;
        } else if args::is(opt, "limit") && left >= 2 {
            let Some(o) = args::int(ctx.out, argv.get(j + 1)) else {
                return;
            };
            let Some(l) = args::int(ctx.out, argv.get(j + 2)) else {
                return;
            };
            (offset, limit) = (o, l);
            j += 2;
        } else if direction == Direction::Auto && args::is(opt, "rev") {
            direction = Direction::Reverse;
        } else if rangetype == RangeType::Auto && args::is(opt, "bylex") {
            rangetype = RangeType::Lex;
        } else if rangetype == RangeType::Auto && args::is(opt, "byscore") {
            rangetype = RangeType::Score;
        } else {
            return ctx.out.error(errors::SYNTAX);
        }
        j += 1;
    }
    if direction == Direction::Auto {
        direction = Direction::Forward;
    }
    if rangetype == RangeType::Auto {
        rangetype = RangeType::Rank;
    }
    let reverse = direction == Direction::Reverse;
    if limit != -1 && rangetype == RangeType::Rank {
        return ctx.out.error(
            "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX",
        );
    }
    if withscores && rangetype == RangeType::Lex {
        return ctx
            .out
            .error("ERR syntax error, WITHSCORES not supported in combination with BYLEX");
    }
    let (mut min_arg, mut max_arg) = (argv.get(start_at + 1), argv.get(start_at + 2));
    if reverse && rangetype != RangeType::Rank {
        std::mem::swap(&mut min_arg, &mut max_arg);
    }
    let bounds = match rangetype {
        RangeType::Score => match parse_score_range(min_arg, max_arg) {
            Some(r) => Bounds::Score(r),
            None => return ctx.out.error(NOT_RANGE_FLOAT),
        },
        RangeType::Lex => match parse_lex_range(min_arg, max_arg) {
            Some(r) => Bounds::Lex(r),
            None => return ctx.out.error(NOT_LEX_RANGE),
        },
        _ => {
            let Some(start) = args::int(ctx.out, min_arg) else {
                return;
            };
            let Some(end) = args::int(ctx.out, max_arg) else {
                return;
            };
            Bounds::Rank(start, end)
        }
    };

    let limits = limits(ctx);
    let by_rank = matches!(bounds, Bounds::Rank(..));
    let Ok(found) = read(ctx.store, ctx.out, ctx.db, key) else {
        return;
    };
    let Some(zs) = found else {
        return match dst {
            Some(dst) => store_result(ctx, dst, Vec::new(), "zrangestore"),
            None => ctx.out.array(0),
        };
    };
    let (from, to) = match bounds {
        Bounds::Rank(start, end) => rank_span(zs.len(), start, end, reverse),
        Bounds::Score(range) => limit_span(zs.score_span(&range), offset, limit, reverse),
        Bounds::Lex(range) => limit_span(zs.lex_span(&range, reverse), offset, limit, reverse),
    };
    match dst {
        None => {
            begin_members(ctx.out, to - from, withscores);
            let out = &mut *ctx.out;
            zs.for_range(from, to, reverse, |m, s| emit_member(out, m, s, withscores));
        }
        Some(dst) => {
            // Redis builds the result by adding members in reply order to a
            // set that starts as a listpack (unless a rank range is known to
            // be too long) and converts when it outgrows it; a listpack
            // stores -0 as 0, so members added before that point lose the sign.
            let mut pairs = Vec::with_capacity(to - from);
            let mut listpack = !by_rank || to - from <= limits.max_entries;
            zs.for_range(from, to, reverse, |m, s| {
                if listpack && (pairs.len() + 1 > limits.max_entries || m.len() > limits.max_value)
                {
                    listpack = false;
                }
                let s = if listpack && s == 0.0 { 0.0 } else { s };
                pairs.push((Box::from(m), s));
            });
            if reverse {
                pairs.reverse();
            }
            store_result(ctx, dst, pairs, "zrangestore");
        }
    }
}

/// The ascending ranks `[from, to)` of a ZRANGE by index: negative indexes
/// count from the end; with `reverse` the indexes count from the top.
fn rank_span(len: usize, start: i64, end: i64, reverse: bool) -> (usize, usize) {
    let llen = len as i64;
    let mut start = if start < 0 { llen + start } else { start };
    let mut end = if end < 0 { llen + end } else { end };
    if start < 0 {
        start = 0;
    }
    if start > end || start >= llen {
        return (0, 0);
    }
    if end >= llen {
        end = llen - 1;
    }
    if reverse {
        ((llen - 1 - end) as usize, (llen - start) as usize)
    } else {
        (start as usize, (end + 1) as usize)
    }
}

/// Applies LIMIT offset count to the ascending ranks `[start, end)` of a
/// score or lex range, counting from the top when `reverse`. A negative
/// offset selects nothing; a negative count means all (as Redis).
fn limit_span(
    (start, end): (usize, usize),
    offset: i64,
    limit: i64,
    reverse: bool,
) -> (usize, usize) {
    if offset < 0 {
        return (0, 0);
    }
    let available = end - start;
    let offset = usize::try_from(offset).unwrap_or(usize::MAX);
    if offset >= available {
        return (0, 0);
    }
    let remaining = available - offset;
    let count = if limit < 0 {
        remaining
    } else {
        remaining.min(usize::try_from(limit).unwrap_or(usize::MAX))
    };
    if reverse {
        (end - offset - count, end - offset)
    } else {
        (start + offset, start + offset + count)
    }
}

// ---------------------------------------------------------------------------
// ZRANK, ZREVRANK, ZREMRANGEBY*
// ---------------------------------------------------------------------------

/// `ZRANK key member`: O(log n).
fn zrank(ctx: &mut Ctx, argv: Argv) {
    rank_generic(ctx, argv, false);
}

/// `ZREVRANK key member`
fn zrevrank(ctx: &mut Ctx, argv: Argv) {
    rank_generic(ctx, argv, true);
}

fn rank_generic(ctx: &mut Ctx, argv: Argv, reverse: bool) {
    let Ok(found) = read(ctx.store, ctx.out, ctx.db, argv.get(1)) else {
        return;
    };
    let Some(zs) = found else {
        return ctx.out.null();
    };
    match zs.rank(argv.get(2)) {
        Some(r) if reverse => ctx.out.int((zs.len() - 1 - r) as i64),
        Some(r) => ctx.out.int(r as i64),
        None => ctx.out.null(),
    }
}

/// `ZREMRANGEBYRANK key start stop`
fn zremrangebyrank(ctx: &mut Ctx, argv: Argv) {
    let Some(start) = args::int(ctx.out, argv.get(2)) else {
        return;
    };
    let Some(end) = args::int(ctx.out, argv.get(3)) else {
        return;
    };
    zrem_range(ctx, argv, Bounds::Rank(start, end), "zremrangebyrank");
}

/// `ZREMRANGEBYSCORE key min max`
fn zremrangebyscore(ctx: &mut Ctx, argv: Argv) {
    let Some(range) = parse_score_range(argv.get(2), argv.get(3)) else {
        return ctx.out.error(NOT_RANGE_FLOAT);
    };
    zrem_range(ctx, argv, Bounds::Score(range), "zremrangebyscore");
}

/// `ZREMRANGEBYLEX key min max`
fn zremrangebylex(ctx: &mut Ctx, argv: Argv) {
    let Some(range) = parse_lex_range(argv.get(2), argv.get(3)) else {
        return ctx.out.error(NOT_LEX_RANGE);
    };
    zrem_range(ctx, argv, Bounds::Lex(range), "zremrangebylex");
}

/// Redis's `zremrangeGenericCommand` after parsing.
fn zrem_range(ctx: &mut Ctx, argv: Argv, bounds: Bounds, event: &str) {
    let key = argv.get(1);
    let Ok(found) = write(ctx.store, ctx.out, ctx.db, key) else {
        return;
    };
    let Some(zs) = found else {
        return ctx.out.int(0);
    };
    let (from, to) = match &bounds {
        Bounds::Rank(start, end) => rank_span(zs.len(), *start, *end, false),
        Bounds::Score(range) => zs.score_span(range),
        Bounds::Lex(range) => zs.lex_span(range, false),
    };
    let deleted = zs.remove_span(from, to);
    ctx.server.dirty += deleted as u64;
    ctx.out.int(deleted as i64);
    if deleted > 0 {
        ctx.notify(event_class::ZSET, event, key);
        delete_if_empty(ctx, key);
    }
}

// ---------------------------------------------------------------------------
// Pops: ZPOPMIN, ZPOPMAX, ZMPOP (and the blocking variants' building blocks)
// ---------------------------------------------------------------------------

/// How a pop's reply is shaped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PopShape {
    /// ZPOPMIN/ZPOPMAX without COUNT, or with COUNT in RESP2: a flat array
    /// `member, score, member, score, ...`.
    Flat,
    /// ZPOPMIN/ZPOPMAX with COUNT in RESP3: an array of `[member, score]`.
    Pairs,
    /// BZPOPMIN/BZPOPMAX: a flat `[key, member, score]`.
    KeyFlat,
    /// ZMPOP/BZMPOP: `[key, [[member, score], ...]]`.
    KeyPairs,
}

/// For the multi-key pops (ZMPOP and the blocking pops): the index in `keys`
/// of the first key holding a sorted set, looked up for writing in order as
/// Redis does. `Err` after replying WRONGTYPE when a key met before it holds
/// another type; `Ok(None)` when none holds one.
pub fn first_zset(ctx: &mut Ctx, keys: &[&[u8]]) -> Result<Option<usize>, WrongType> {
    for (i, key) in keys.iter().enumerate() {
        match ctx.store.write_typed::<ZSet>(ctx.db, key) {
            Err(e) => {
                ctx.out.error(errors::WRONGTYPE);
                return Err(e);
            }
            Ok(Some(_)) => return Ok(Some(i)),
            Ok(None) => {}
        }
    }
    Ok(None)
}

/// Redis's `genericZpopCommand` for one key: pops up to `count` members
/// from the lowest end (highest with `max`) of the sorted set at `key` and
/// replies them in `shape`; deletes the key once empty, counts the change
/// in `dirty` and publishes the keyspace events (zpopmin/zpopmax, del). Returns false, replying nothing, when `key` holds no
/// sorted set (missing or another type: callers check with [`first_zset`]).
pub fn pop_and_reply(ctx: &mut Ctx, key: &[u8], max: bool, count: usize, shape: PopShape) -> bool {
    let Ok(Some(zs)) = ctx.store.write_typed::<ZSet>(ctx.db, key) else {
        return false;
    };
    if count == 0 {
        ctx.out.array(0);
        return true;
    }
    let n = count.min(zs.len());
    let out = &mut *ctx.out;
    match shape {
        PopShape::Flat => out.array(n * 2),
        PopShape::Pairs => out.array(n),
        PopShape::KeyFlat => {
            out.array(n * 2 + 1);
            out.bulk(key);
        }
        PopShape::KeyPairs => {
            out.array(2);
            out.bulk(key);
            out.array(n);
        }
    }
    let nested = matches!(shape, PopShape::Pairs | PopShape::KeyPairs);
    for _ in 0..n {
        let (member, score) = zs.pop(max).expect("counted");
        if nested {
            out.array(2);
        }
        out.bulk(&member);
        out.double(score);
    }
    ctx.server.dirty += n as u64;
    if n > 0 {
        ctx.notify(
            event_class::ZSET,
            if max { "zpopmax" } else { "zpopmin" },
            key,
        );
        delete_if_empty(ctx, key);
    }
    true
}

/// `ZPOPMIN key [count]`
fn zpopmin(ctx: &mut Ctx, argv: Argv) {
    zpop(ctx, argv, false);
}

/// `ZPOPMAX key [count]`
fn zpopmax(ctx: &mut Ctx, argv: Argv) {
    zpop(ctx, argv, true);
}

fn zpop(ctx: &mut Ctx, argv: Argv, max: bool) {
    if argv.len() > 3 {
        return ctx.out.error(errors::SYNTAX);
    }
    let count = if argv.len() == 3 {
        let Some(n) = non_negative(ctx.out, argv.get(2), MUST_BE_POSITIVE) else {
            return;
        };
        Some(usize::try_from(n).unwrap_or(usize::MAX))
    } else {
        None
    };
    let key = argv.get(1);
    if write(ctx.store, ctx.out, ctx.db, key).is_err() {
        return;
    }
    let shape = if ctx.out.resp3 && count.is_some() {
        PopShape::Pairs
    } else {
        PopShape::Flat
    };
    if !pop_and_reply(ctx, key, max, count.unwrap_or(1), shape) {
        ctx.out.array(0);
    }
}

/// The arguments of ZMPOP / BZMPOP after the timeout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MpopArgs {
    /// Index of the first key in argv.
    pub first_key: usize,
    pub numkeys: usize,
    /// MAX (true) or MIN.
    pub max: bool,
    /// COUNT, 1 when absent.
    pub count: usize,
}

/// Parses `numkeys key [key ...] MIN | MAX [COUNT count]` starting at
/// `argv[numkeys_at]` (ZMPOP: 1, BZMPOP: 2) with Redis's errors; None after
/// replying one.
pub fn parse_mpop(out: &mut Reply, argv: Argv, numkeys_at: usize) -> Option<MpopArgs> {
    let numkeys_msg = "ERR numkeys should be greater than 0";
    let numkeys = args::int_or(out, argv.get(numkeys_at), numkeys_msg)?;
    if numkeys < 1 {
        out.error(numkeys_msg);
        return None;
    }
    let numkeys = usize::try_from(numkeys).unwrap_or(usize::MAX);
    let where_at = numkeys.saturating_add(numkeys_at + 1);
    if where_at >= argv.len() {
        out.error(errors::SYNTAX);
        return None;
    }
    let max = match argv.get(where_at) {
        w if args::is(w, "min") => false,
        w if args::is(w, "max") => true,
        _ => {
            out.error(errors::SYNTAX);
            return None;
        }
    };
    let mut count = None;
    let mut j = where_at + 1;
    while j < argv.len() {
        if count.is_none() && args::is(argv.get(j), "count") && j + 1 < argv.len() {
            let msg = "ERR count should be greater than 0";
            match args::int_or(out, argv.get(j + 1), msg)? {
                n if n >= 1 => count = Some(n as usize),
                _ => {
                    out.error(msg);
                    return None;
                }
            }
            j += 2;
        } else {
            out.error(errors::SYNTAX);
            return None;
        }
    }
    Some(MpopArgs {
        first_key: numkeys_at + 1,
        numkeys,
        max,
        count: count.unwrap_or(1),
    })
}

/// `ZMPOP numkeys key [key ...] MIN | MAX [COUNT count]`
fn zmpop(ctx: &mut Ctx, argv: Argv) {
    let Some(a) = parse_mpop(ctx.out, argv, 1) else {
        return;
    };
    let keys: Vec<&[u8]> = argv.iter_from(a.first_key).take(a.numkeys).collect();
    match first_zset(ctx, &keys) {
        Err(_) => {}
        Ok(None) => ctx.out.null_array(),
        Ok(Some(i)) => {
            pop_and_reply(ctx, keys[i], a.max, a.count, PopShape::KeyPairs);
        }
    }
}

// ---------------------------------------------------------------------------
// ZRANDMEMBER
// ---------------------------------------------------------------------------

/// A uniformly random index below `n` (> 0).
fn random_below(n: usize) -> usize {
    (random_u64() % n as u64) as usize
}

/// `ZRANDMEMBER key [count [WITHSCORES]]`
fn zrandmember(ctx: &mut Ctx, argv: Argv) {
    let key = argv.get(1);
    if argv.len() == 2 {
        let Ok(found) = read(ctx.store, ctx.out, ctx.db, key) else {
            return;
        };
        match found {
            Some(zs) => {
                let (m, _) = zs.get(random_below(zs.len())).expect("non-empty");
                ctx.out.bulk(m);
            }
            None => ctx.out.null(),
        }
        return;
    }
    let Some(count) = args::int(ctx.out, argv.get(2)) else {
        return;
    };
    if count == i64::MIN {
        return ctx.out.error(
            "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807",
        );
    }
    let withscores = match argv.len() {
        3 => false,
        4 if args::is(argv.get(3), "withscores") => true,
        _ => return ctx.out.error(errors::SYNTAX),
    };
    if withscores && !(-i64::MAX / 2..=i64::MAX / 2).contains(&count) {
        return ctx.out.error("ERR value is out of range");
    }
    let Ok(found) = read(ctx.store, ctx.out, ctx.db, key) else {
        return;
    };
    let Some(zs) = found else {
        return ctx.out.array(0);
    };
    if count == 0 {
        return ctx.out.array(0);
    }
    if !super::hashes::draws_in_bounds(ctx.out, count) {
        return;
    }
    let size = zs.len();
    let out = &mut *ctx.out;
    // Small sets are read once into a vector: picking by rank walks a listpack.
    let small: Vec<(&[u8], f64)> = if zs.encoding() == "listpack" {
        let mut v = Vec::with_capacity(size);
        zs.for_range(0, size, false, |m, s| v.push((m, s)));
        v
    } else {
        Vec::new()
    };
    let at = |rank: usize| -> (&[u8], f64) {
        if small.is_empty() {
            zs.get(rank).expect("rank in range")
        } else {
            small[rank]
        }
    };
    let uniq = count > 0;
    let count = count.unsigned_abs() as usize;
    if !uniq || count == 1 {
        // Repetitions allowed: independent draws, in random order.
        begin_members(out, count, withscores);
        for _ in 0..count {
            let (m, s) = at(random_below(size));
            emit_member(out, m, s, withscores);
        }
        return;
    }
    if count >= size {
        // The whole set, from the top down as Redis's zset iterator walks it.
        begin_members(out, size, withscores);
        zs.for_range(0, size, true, |m, s| emit_member(out, m, s, withscores));
        return;
    }
    let ranks: Vec<usize> = if count * 3 > size {
        // Partial Fisher-Yates over every rank.
        let mut all: Vec<usize> = (0..size).collect();
        for i in 0..count {
            let j = i + random_below(size - i);
            all.swap(i, j);
        }
        all.truncate(count);
        all
    } else {
        let mut seen = std::collections::HashSet::with_capacity(count);
        let mut picked = Vec::with_capacity(count);
        while picked.len() < count {
            let r = random_below(size);
            if seen.insert(r) {
                picked.push(r);
            }
        }
        picked
    };
    begin_members(out, count, withscores);
    for r in ranks {
        let (m, s) = at(r);
        emit_member(out, m, s, withscores);
    }
}

// ---------------------------------------------------------------------------
// ZUNION, ZINTER, ZDIFF, their STORE forms, ZINTERCARD
// ---------------------------------------------------------------------------

/// The set operation.
#[derive(Clone, Copy, PartialEq, Eq)]
enum SetOp {
    Union,
    Inter,
    Diff,
}

/// How scores of the same member combine.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Aggregate {
    Sum,
    Min,
    Max,
}

/// Redis's `zunionInterAggregate`: a sum of +inf and -inf is 0.
#[inline]
fn aggregate(target: &mut f64, value: f64, how: Aggregate) {
    match how {
        Aggregate::Sum => {
            *target += value;
            if target.is_nan() {
                *target = 0.0;
            }
        }
        Aggregate::Min => {
            if value < *target {
                *target = value;
            }
        }
        Aggregate::Max => {
            if value > *target {
                *target = value;
            }
        }
    }
}

/// One input of a set operation: a sorted set, a plain set (every member
/// scores 1) or a missing key (empty).
#[derive(Clone, Copy)]
enum Source<'a> {
    Missing,
    ZSet(&'a ZSet),
    Set(&'a Set),
}

impl Source<'_> {
    fn len(&self) -> usize {
        match self {
            Source::Missing => 0,
            Source::ZSet(z) => z.len(),
            Source::Set(s) => s.len(),
        }
    }

    /// Calls `f` on every member and its score (an intset's integers are
    /// formatted on the stack, hence the short-lived slice).
    fn for_each(&self, mut f: impl FnMut(&[u8], f64)) {
        match *self {
            Source::Missing => {}
            Source::ZSet(z) => z.for_each(f),
            Source::Set(s) => s.iter().for_each(|m| m.with_bytes(|b| f(b, 1.0))),
        }
    }

    fn score(&self, member: &[u8]) -> Option<f64> {
        match self {
            Source::Missing => None,
            Source::ZSet(z) => z.score(member),
            Source::Set(s) => s.contains(member).then_some(1.0),
        }
    }
}

/// `ZUNION numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM | MIN | MAX] [WITHSCORES]`
fn zunion(ctx: &mut Ctx, argv: Argv) {
    set_op_generic(ctx, argv, None, 1, SetOp::Union, false);
}

/// `ZUNIONSTORE destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM | MIN | MAX]`
fn zunionstore(ctx: &mut Ctx, argv: Argv) {
    set_op_generic(ctx, argv, Some(argv.get(1)), 2, SetOp::Union, false);
}

/// `ZINTER numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM | MIN | MAX] [WITHSCORES]`
fn zinter(ctx: &mut Ctx, argv: Argv) {
    set_op_generic(ctx, argv, None, 1, SetOp::Inter, false);
}

/// `ZINTERSTORE destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM | MIN | MAX]`
fn zinterstore(ctx: &mut Ctx, argv: Argv) {
    set_op_generic(ctx, argv, Some(argv.get(1)), 2, SetOp::Inter, false);
}

/// `ZINTERCARD numkeys key [key ...] [LIMIT limit]`
fn zintercard(ctx: &mut Ctx, argv: Argv) {
    set_op_generic(ctx, argv, None, 1, SetOp::Inter, true);
}

/// `ZDIFF numkeys key [key ...] [WITHSCORES]`
fn zdiff(ctx: &mut Ctx, argv: Argv) {
    set_op_generic(ctx, argv, None, 1, SetOp::Diff, false);
}

/// `ZDIFFSTORE destination numkeys key [key ...]`
fn zdiffstore(ctx: &mut Ctx, argv: Argv) {
    set_op_generic(ctx, argv, Some(argv.get(1)), 2, SetOp::Diff, false);
}

/// Redis's `zunionInterDiffGenericCommand`.
fn set_op_generic(
    ctx: &mut Ctx,
    argv: Argv,
    dst: Option<&[u8]>,
    numkeys_at: usize,
    op: SetOp,
    cardinality_only: bool,
) {
    let Some(setnum) = args::int(ctx.out, argv.get(numkeys_at)) else {
        return;
    };
    if setnum < 1 {
        let name = String::from_utf8_lossy(argv.get(0)).to_ascii_lowercase();
        return ctx.out.error(&format!(
            "ERR at least 1 input key is needed for '{name}' command"
        ));
    }
    if setnum as u64 > (argv.len() - numkeys_at - 1) as u64 {
        return ctx.out.error(errors::SYNTAX);
    }
    let setnum = setnum as usize;
    let keys: Vec<&[u8]> = argv.iter_from(numkeys_at + 1).take(setnum).collect();

    // Look every key up for reading (expiry, stats, type check) in order.
    for key in &keys {
        if let Some(e) = ctx.store.read(ctx.db, key) {
            if !matches!(e.object(), Some(Object::ZSet(_) | Object::Set(_))) {
                return ctx.out.error(errors::WRONGTYPE);
            }
        }
    }

    let mut weights = vec![1.0f64; setnum];
    let mut how = Aggregate::Sum;
    let mut withscores = false;
    let mut limit: usize = 0;
    let mut j = numkeys_at + 1 + setnum;
    while j < argv.len() {
        let remaining = argv.len() - j;
        let opt = argv.get(j);
        if op != SetOp::Diff && !cardinality_only && remaining > setnum && args::is(opt, "weights")
        {
            for (i, w) in weights.iter_mut().enumerate() {
                match parse_score(argv.get(j + 1 + i)) {
                    Some(v) => *w = v,
                    None => return ctx.out.error("ERR weight value is not a float"),
                }
            }
            j += 1 + setnum;
        } else if op != SetOp::Diff
            && !cardinality_only
            && remaining >= 2
            && args::is(opt, "aggregate")
        {
            how = match argv.get(j + 1) {
                a if args::is(a, "sum") => Aggregate::Sum,
                a if args::is(a, "min") => Aggregate::Min,
                a if args::is(a, "max") => Aggregate::Max,
                _ => return ctx.out.error(errors::SYNTAX),
            };
            j += 2;
        } else if dst.is_none() && !cardinality_only && args::is(opt, "withscores") {
            withscores = true;
            j += 1;
        } else if cardinality_only && remaining >= 2 && args::is(opt, "limit") {
            let Some(n) = non_negative(ctx.out, argv.get(j + 1), "ERR LIMIT can't be negative")
            else {
                return;
            };
            limit = usize::try_from(n).unwrap_or(usize::MAX);
            j += 2;
        } else {
            return ctx.out.error(errors::SYNTAX);
        }
    }

    let db = &ctx.store.dbs[ctx.db];
    let mut srcs: Vec<(Source, f64)> = keys
        .iter()
        .zip(&weights)
        .map(|(key, &w)| {
            let src = match db.peek(key).and_then(Entry::object) {
                Some(Object::ZSet(z)) => Source::ZSet(z),
                Some(Object::Set(s)) => Source::Set(s),
                _ => Source::Missing,
            };
            (src, w)
        })
        .collect();
    if op != SetOp::Diff {
        srcs.sort_by_key(|(s, _)| s.len());
    }

    let mut cardinality = 0usize;
    let mut result: Vec<(Box<[u8]>, f64)> = Vec::new();
    match op {
        SetOp::Inter => {
            let (first, w0) = srcs[0];
            if first.len() > 0 {
                let mut done = false;
                first.for_each(|m, s| {
                    if done {
                        return;
                    }
                    let mut score = w0 * s;
                    if score.is_nan() {
                        score = 0.0;
                    }
                    for &(other, w) in &srcs[1..] {
                        match other.score(m) {
                            Some(v) => aggregate(&mut score, v * w, how),
                            None => return,
                        }
                    }
                    if cardinality_only {
                        cardinality += 1;
                        if limit > 0 && cardinality >= limit {
                            done = true;
                        }
                    } else {
                        result.push((Box::from(m), score));
                    }
                });
            }
        }
        SetOp::Union => {
            let largest = srcs.last().map_or(0, |(s, _)| s.len());
            let mut acc: HashMap<Box<[u8]>, f64, foldhash::fast::RandomState> =
                HashMap::with_capacity_and_hasher(largest, Default::default());
            for &(src, w) in &srcs {
                src.for_each(|m, s| {
                    let mut score = w * s;
                    if score.is_nan() {
                        score = 0.0;
                    }
                    match acc.get_mut(m) {
                        Some(t) => aggregate(t, score, how),
                        None => {
                            acc.insert(Box::from(m), score);
                        }
                    }
                });
            }
            result = acc.into_iter().collect();
        }
        SetOp::Diff => {
            let (first, _) = srcs[0];
            first.for_each(|m, s| {
                if srcs[1..].iter().all(|(other, _)| other.score(m).is_none()) {
                    result.push((Box::from(m), s));
                }
            });
        }
    }

    if cardinality_only {
        return ctx.out.int(cardinality as i64);
    }
    sort_pairs(&mut result);
    match dst {
        Some(dst) => {
            let event = match op {
                SetOp::Union => "zunionstore",
                SetOp::Inter => "zinterstore",
                SetOp::Diff => "zdiffstore",
            };
            store_result(ctx, dst, result, event);
        }
        None => {
            begin_members(ctx.out, result.len(), withscores);
            for (m, s) in &result {
                emit_member(ctx.out, m, *s, withscores);
            }
        }
    }
}

// ---------------------------------------------------------------------------
// ZSCAN
// ---------------------------------------------------------------------------

/// `ZSCAN key cursor [MATCH pattern] [COUNT count]`
///
/// A listpack comes back whole with cursor 0; a skiplist is walked by arena
/// position, so a member present for the whole iteration is returned.
fn zscan(ctx: &mut Ctx, argv: Argv) {
    let Some(cursor) = parse_cursor(argv.get(2)) else {
        return ctx.out.error("ERR invalid cursor");
    };
    let Ok(found) = read(ctx.store, ctx.out, ctx.db, argv.get(1)) else {
        return;
    };
    let Some(zs) = found else {
        ctx.out.array(2);
        ctx.out.bulk(b"0");
        return ctx.out.array(0);
    };
    let mut count = 10usize;
    let mut pattern = None;
    let mut i = 3;
    while i < argv.len() {
        let opt = argv.get(i);
        if args::is(opt, "count") && i + 1 < argv.len() {
            let Some(n) = args::int(ctx.out, argv.get(i + 1)) else {
                return;
            };
            if n < 1 {
                return ctx.out.error(errors::SYNTAX);
            }
            count = usize::try_from(n).unwrap_or(usize::MAX);
        } else if args::is(opt, "match") && i + 1 < argv.len() {
            let p = argv.get(i + 1);
            pattern = (p != b"*").then_some(p);
        } else {
            return ctx.out.error(errors::SYNTAX);
        }
        i += 2;
    }
    let mut found: Vec<(&[u8], f64)> = Vec::new();
    let next = zs.scan(cursor, count, |m, s| {
        if pattern.is_none_or(|p| glob_match(p, m)) {
            found.push((m, s));
        }
    });
    let out = &mut *ctx.out;
    out.array(2);
    out.bulk(next.to_string().as_bytes());
    out.array(found.len() * 2);
    for (m, s) in found {
        out.bulk(m);
        out.bulk(format_double(s).as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_items_parse_like_zsl_parse_range() {
        let r = parse_score_range(b"(1.5", b"+inf").unwrap();
        assert_eq!(
            (r.min, r.minex, r.max, r.maxex),
            (1.5, true, f64::INFINITY, false)
        );
        // strtod quirks Redis inherits: empty means 0, leading space is
        // skipped, overflow is infinity, a NUL byte ends the number.
        assert_eq!(
            parse_score_range(b"", b"(").map(|r| (r.min, r.max, r.maxex)),
            Some((0.0, 0.0, true))
        );
        assert_eq!(
            parse_score_range(b" 2", b"1e400").map(|r| (r.min, r.max)),
            Some((2.0, f64::INFINITY))
        );
        assert_eq!(
            parse_score_range(b"3\0junk", b"4").map(|r| r.min),
            Some(3.0)
        );
        assert!(parse_score_range(b"[1", b"2").is_none());
        assert!(parse_score_range(b"1", b"nan").is_none());
        assert!(parse_score_range(b"1 ", b"2").is_none());
    }

    #[test]
    fn lex_items() {
        assert_eq!(parse_lex_bound(b"-"), Some(LexBound::Min));
        assert_eq!(parse_lex_bound(b"+"), Some(LexBound::Max));
        assert_eq!(
            parse_lex_bound(b"[a"),
            Some(LexBound::Str(b"a"[..].into(), false))
        );
        assert_eq!(
            parse_lex_bound(b"("),
            Some(LexBound::Str(b""[..].into(), true))
        );
        for bad in [&b""[..], b"a", b"+a", b"--"] {
            assert_eq!(parse_lex_bound(bad), None);
        }
    }

    #[test]
    fn rank_and_limit_spans() {
        assert_eq!(rank_span(5, 0, -1, false), (0, 5));
        assert_eq!(rank_span(5, -2, -1, false), (3, 5));
        assert_eq!(rank_span(5, 0, 1, true), (3, 5));
        assert_eq!(rank_span(5, 3, 1, false), (0, 0));
        assert_eq!(rank_span(5, 5, 9, false), (0, 0));
        assert_eq!(rank_span(5, -100, 100, false), (0, 5));
        assert_eq!(limit_span((2, 8), 1, 2, false), (3, 5));
        assert_eq!(limit_span((2, 8), 1, 2, true), (5, 7));
        assert_eq!(limit_span((2, 8), 1, -1, false), (3, 8));
        assert_eq!(limit_span((2, 8), -1, 2, false), (0, 0));
        assert_eq!(limit_span((2, 8), 6, 2, false), (0, 0));
        assert_eq!(limit_span((2, 8), 0, 0, false), (2, 2));
    }
}
