//! Hash commands: HSET and friends, with Redis 7.0's options, replies and
//! error texts.
//!
//! Reads look keys up with `Store::read_typed` (hit/miss stats, LRU touch),
//! writes with `write_typed` / `write_or_create`, like Redis's
//! `lookupKeyRead` / `lookupKeyWrite`. A hash emptied by HDEL is deleted.

use super::table::{flags::*, CommandSpec};
use super::{args, errors, Ctx};
use crate::command;
use crate::config::event_class;
use crate::numbers::{format_i64, long_double, parse_cursor, parse_i64};
use crate::resp::{Argv, Reply};
use crate::store::evict::random_u64;
use crate::store::glob::glob_match;
use crate::store::Store;
use crate::types::hash::{Hash, HashLimits};
use crate::types::TypeLimits;
use std::collections::HashSet;

/// Every hash command.
pub static COMMANDS: &[CommandSpec] = &[
    command!(
        "hset",
        -4,
        WRITE | DENYOOM | FAST,
        (1, 1, 1),
        "hash",
        "Set the string value of a hash field",
        "2.0.0",
        hset
    ),
    command!(
        "hsetnx",
        4,
        WRITE | DENYOOM | FAST,
        (1, 1, 1),
        "hash",
        "Set the value of a hash field, only if the field does not exist",
        "2.0.0",
        hsetnx
    ),
    command!(
        "hget",
        3,
        READONLY | FAST,
        (1, 1, 1),
        "hash",
        "Get the value of a hash field",
        "2.0.0",
        hget
    ),
    command!(
        "hmget",
        -3,
        READONLY | FAST,
        (1, 1, 1),
        "hash",
        "Get the values of all the given hash fields",
        "2.0.0",
        hmget
    ),
    command!(
        "hmset",
        -4,
        WRITE | DENYOOM | FAST,
        (1, 1, 1),
        "hash",
        "Set multiple hash fields to multiple values",
        "2.0.0",
        hmset
    ),
    command!(
        "hgetall",
        2,
        READONLY,
        (1, 1, 1),
        "hash",
        "Get all the fields and values in a hash",
        "2.0.0",
        hgetall
    ),
    command!(
        "hdel",
        -3,
        WRITE | FAST,
        (1, 1, 1),
        "hash",
        "Delete one or more hash fields",
        "2.0.0",
        hdel
    ),
    command!(
        "hlen",
        2,
        READONLY | FAST,
        (1, 1, 1),
        "hash",
        "Get the number of fields in a hash",
        "2.0.0",
        hlen
    ),
    command!(
        "hexists",
        3,
        READONLY | FAST,
        (1, 1, 1),
        "hash",
        "Determine if a hash field exists",
        "2.0.0",
        hexists
    ),
    command!(
        "hkeys",
        2,
        READONLY,
        (1, 1, 1),
        "hash",
        "Get all the fields in a hash",
        "2.0.0",
        hkeys
    ),
    command!(
        "hvals",
        2,
        READONLY,
        (1, 1, 1),
        "hash",
        "Get all the values in a hash",
        "2.0.0",
        hvals
    ),
    command!(
        "hincrby",
        4,
        WRITE | DENYOOM | FAST,
        (1, 1, 1),
        "hash",
        "Increment the integer value of a hash field by the given number",
        "2.0.0",
        hincrby
    ),
    command!(
        "hincrbyfloat",
        4,
        WRITE | DENYOOM | FAST,
        (1, 1, 1),
        "hash",
        "Increment the float value of a hash field by the given amount",
        "2.6.0",
        hincrbyfloat
    ),
    command!(
        "hstrlen",
        3,
        READONLY | FAST,
        (1, 1, 1),
        "hash",
        "Get the length of the value of a hash field",
        "3.2.0",
        hstrlen
    ),
    command!(
        "hrandfield",
        -2,
        READONLY,
        (1, 1, 1),
        "hash",
        "Get one or multiple random fields from a hash",
        "6.2.0",
        hrandfield
    ),
    command!(
        "hscan",
        -3,
        READONLY,
        (1, 1, 1),
        "hash",
        "Incrementally iterate hash fields and associated values",
        "2.8.0",
        hscan
    ),
];

// ---------------------------------------------------------------------------
// Shared helpers (sets.rs uses the scan and sampling ones too)
// ---------------------------------------------------------------------------

/// The listpack thresholds from the configuration.
fn limits(ctx: &Ctx) -> HashLimits {
    TypeLimits::from_config(&ctx.server.config).hash
}

/// The hash at `key` for a read; replies WRONGTYPE and returns `Err` when
/// the key holds another type.
fn read_hash<'s>(
    store: &'s mut Store,
    out: &mut Reply,
    db: usize,
    key: &[u8],
) -> Result<Option<&'s Hash>, ()> {
    store
        .read_typed::<Hash>(db, key)
        .map_err(|_| out.error(errors::WRONGTYPE))
}

/// The hash at `key` for a write (see `read_hash`).
fn write_hash<'s>(
    store: &'s mut Store,
    out: &mut Reply,
    db: usize,
    key: &[u8],
) -> Result<Option<&'s mut Hash>, ()> {
    store
        .write_typed::<Hash>(db, key)
        .map_err(|_| out.error(errors::WRONGTYPE))
}

/// The hash at `key`, created empty when missing (see `read_hash`).
fn create_hash<'s>(
    store: &'s mut Store,
    out: &mut Reply,
    db: usize,
    key: &[u8],
) -> Result<&'s mut Hash, ()> {
    store
        .write_or_create::<Hash>(db, key)
        .map_err(|_| out.error(errors::WRONGTYPE))
}

/// `ERR value is out of range, value must between ...`: Redis's check of a
/// count that must fit `-LONG_MAX..=LONG_MAX` (HRANDFIELD, SRANDMEMBER).
pub(super) fn random_count(out: &mut Reply, arg: &[u8]) -> Option<i64> {
    let n = args::int(out, arg)?;
    if n == i64::MIN {
        out.error(
            "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807",
        );
        return None;
    }
    Some(n)
}

/// Most independent draws a negative count of HRANDFIELD, SRANDMEMBER or
/// ZRANDMEMBER may ask for. Redis 7.0 has no such bound and builds a reply
/// of 2^63 elements until memory runs out; ferrocache refuses such a
/// count with Redis's range error instead.
pub(super) const MAX_DRAWS: u64 = 1 << 27;

/// False, after replying `ERR value is out of range`, when a negative
/// `count` asks for more than [`MAX_DRAWS`] draws.
pub(super) fn draws_in_bounds(out: &mut Reply, count: i64) -> bool {
    let ok = count >= 0 || count.unsigned_abs() <= MAX_DRAWS;
    if !ok {
        out.error("ERR value is out of range");
    }
    ok
}

/// The options of HSCAN/SSCAN after the cursor: `[MATCH pattern] [COUNT n]`,
/// repeated at will (the last wins). Replies the error and returns None when
/// bad. The pattern is None for "match everything".
pub(super) fn scan_options<'a>(
    out: &mut Reply,
    argv: Argv<'a>,
) -> Option<(usize, Option<&'a [u8]>)> {
    let mut count = 10usize;
    let mut pattern = None;
    let mut i = 3;
    while i < argv.len() {
        let more = argv.len() - i;
        let opt = argv.get(i);
        if args::is(opt, "count") && more >= 2 {
            let n = args::int(out, argv.get(i + 1))?;
            if n < 1 {
                out.error(errors::SYNTAX);
                return None;
            }
            count = usize::try_from(n).unwrap_or(usize::MAX);
        } else if args::is(opt, "match") && more >= 2 {
            let p = argv.get(i + 1);
            pattern = (p != b"*").then_some(p);
        } else {
            out.error(errors::SYNTAX);
            return None;
        }
        i += 2;
    }
    Some((count, pattern))
}

/// A scan reply: `[cursor, [elements...]]`.
pub(super) fn reply_scan(out: &mut Reply, cursor: u64, items: &[Vec<u8>]) {
    out.array(2);
    out.bulk(cursor.to_string().as_bytes());
    out.array(items.len());
    for item in items {
        out.bulk(item);
    }
}

/// `count` distinct elements out of `size` (count < size), in random order:
/// either shuffle a copy of everything (`all`) when count is a large part of
/// the whole, or draw with `random` until enough distinct ones came up.
pub(super) fn random_distinct<T: Copy + Eq + std::hash::Hash>(
    size: usize,
    count: usize,
    all: impl FnOnce() -> Vec<T>,
    mut random: impl FnMut() -> T,
) -> Vec<T> {
    if count.saturating_mul(3) > size {
        let mut v = all();
        for i in 0..count {
            let j = i + (random_u64() % (v.len() - i) as u64) as usize;
            v.swap(i, j);
        }
        v.truncate(count);
        v
    } else {
        let mut seen = HashSet::with_capacity(count);
        let mut picked = Vec::with_capacity(count);
        while picked.len() < count {
            let x = random();
            if seen.insert(x) {
                picked.push(x);
            }
        }
        picked
    }
}

// ---------------------------------------------------------------------------
// Handlers
// ---------------------------------------------------------------------------

/// `HSET key field value [field value ...]`
fn hset(ctx: &mut Ctx, argv: Argv) {
    hset_generic(ctx, argv, "hset");
}

/// `HMSET key field value [field value ...]`
fn hmset(ctx: &mut Ctx, argv: Argv) {
    hset_generic(ctx, argv, "hmset");
}

/// HSET replies the number of new fields, HMSET `+OK`.
fn hset_generic(ctx: &mut Ctx, argv: Argv, name: &str) {
    if argv.len() % 2 == 1 {
        return ctx.out.error(&errors::arity(name));
    }
    let limits = limits(ctx);
    let Ok(hash) = create_hash(ctx.store, ctx.out, ctx.db, argv.get(1)) else {
        return;
    };
    hash.prepare_write(argv.iter_from(2), limits);
    let pairs = (2..argv.len())
        .step_by(2)
        .map(|i| (argv.get(i), argv.get(i + 1)));
    let created = hash.set_pairs(pairs, limits) as i64;
    ctx.server.dirty += ((argv.len() - 2) / 2) as u64;
    ctx.notify(event_class::HASH, "hset", argv.get(1));
    if name == "hset" {
        ctx.out.int(created);
    } else {
        ctx.out.ok();
    }
}

/// `HSETNX key field value`
fn hsetnx(ctx: &mut Ctx, argv: Argv) {
    let limits = limits(ctx);
    let Ok(hash) = create_hash(ctx.store, ctx.out, ctx.db, argv.get(1)) else {
        return;
    };
    let (field, value) = (argv.get(2), argv.get(3));
    if hash.contains(field) {
        return ctx.out.int(0);
    }
    hash.prepare_write([field, value].into_iter(), limits);
    hash.set(field, value, limits);
    ctx.server.dirty += 1;
    ctx.notify(event_class::HASH, "hset", argv.get(1));
    ctx.out.int(1);
}

/// `HGET key field`
fn hget(ctx: &mut Ctx, argv: Argv) {
    match read_hash(ctx.store, ctx.out, ctx.db, argv.get(1)) {
        Err(()) => {}
        Ok(h) => match h.and_then(|h| h.get(argv.get(2))) {
            Some(v) => ctx.out.bulk(v),
            None => ctx.out.null(),
        },
    }
}

/// `HMGET key field [field ...]`
fn hmget(ctx: &mut Ctx, argv: Argv) {
    let Ok(hash) = read_hash(ctx.store, ctx.out, ctx.db, argv.get(1)) else {
        return;
    };
    ctx.out.array(argv.len() - 2);
    for field in argv.iter_from(2) {
        match hash.and_then(|h| h.get(field)) {
            Some(v) => ctx.out.bulk(v),
            None => ctx.out.null(),
        }
    }
}

/// `HGETALL key`: a map in RESP3.
fn hgetall(ctx: &mut Ctx, argv: Argv) {
    let Ok(hash) = read_hash(ctx.store, ctx.out, ctx.db, argv.get(1)) else {
        return;
    };
    let Some(hash) = hash else {
        return ctx.out.map(0);
    };
    ctx.out.map(hash.len());
    for (k, v) in hash.iter() {
        ctx.out.bulk(k);
        ctx.out.bulk(v);
    }
}

/// `HKEYS key`
fn hkeys(ctx: &mut Ctx, argv: Argv) {
    reply_half(ctx, argv, true);
}

/// `HVALS key`
fn hvals(ctx: &mut Ctx, argv: Argv) {
    reply_half(ctx, argv, false);
}

/// The fields (or the values) of a hash as an array.
fn reply_half(ctx: &mut Ctx, argv: Argv, fields: bool) {
    let Ok(hash) = read_hash(ctx.store, ctx.out, ctx.db, argv.get(1)) else {
        return;
    };
    let Some(hash) = hash else {
        return ctx.out.array(0);
    };
    ctx.out.array(hash.len());
    for (k, v) in hash.iter() {
        ctx.out.bulk(if fields { k } else { v });
    }
}

/// `HDEL key field [field ...]`
fn hdel(ctx: &mut Ctx, argv: Argv) {
    let key = argv.get(1);
    let Ok(hash) = write_hash(ctx.store, ctx.out, ctx.db, key) else {
        return;
    };
    let Some(hash) = hash else {
        return ctx.out.int(0);
    };
    let mut deleted = 0;
    for field in argv.iter_from(2) {
        if hash.remove(field) {
            deleted += 1;
            if hash.is_empty() {
                break;
            }
        }
    }
    ctx.server.dirty += deleted;
    if deleted > 0 {
        ctx.notify(event_class::HASH, "hdel", key);
    }
    ctx.delete_if_empty(key);
    ctx.out.int(deleted as i64);
}

/// `HLEN key`
fn hlen(ctx: &mut Ctx, argv: Argv) {
    if let Ok(h) = read_hash(ctx.store, ctx.out, ctx.db, argv.get(1)) {
        let n = h.map_or(0, Hash::len);
        ctx.out.int(n as i64);
    }
}

/// `HEXISTS key field`
fn hexists(ctx: &mut Ctx, argv: Argv) {
    if let Ok(h) = read_hash(ctx.store, ctx.out, ctx.db, argv.get(1)) {
        let found = h.is_some_and(|h| h.contains(argv.get(2)));
        ctx.out.int(found as i64);
    }
}

/// `HSTRLEN key field`
fn hstrlen(ctx: &mut Ctx, argv: Argv) {
    if let Ok(h) = read_hash(ctx.store, ctx.out, ctx.db, argv.get(1)) {
        let n = h.and_then(|h| h.get(argv.get(2))).map_or(0, <[u8]>::len);
        ctx.out.int(n as i64);
    }
}

/// `HINCRBY key field increment`
fn hincrby(ctx: &mut Ctx, argv: Argv) {
    let Some(incr) = args::int(ctx.out, argv.get(3)) else {
        return;
    };
    let limits = limits(ctx);
    let (key, field) = (argv.get(1), argv.get(2));
    let Ok(hash) = create_hash(ctx.store, ctx.out, ctx.db, key) else {
        return;
    };
    let old = match hash.get(field) {
        None => 0,
        Some(v) => match parse_i64(v) {
            Some(n) => n,
            None => return ctx.out.error("ERR hash value is not an integer"),
        },
    };
    let Some(new) = old.checked_add(incr) else {
        ctx.store.remove_if_empty(ctx.db, key);
        return ctx.out.error(errors::OVERFLOW);
    };
    let mut tmp = [0u8; 20];
    hash.set(field, format_i64(new, &mut tmp), limits);
    ctx.server.dirty += 1;
    ctx.notify(event_class::HASH, "hincrby", key);
    ctx.out.int(new);
}

/// `HINCRBYFLOAT key field increment`
///
/// Redis adds in C `long double` and stores `%.17Lf` with trailing zeros
/// trimmed; [`long_double`] emulates both, as for INCRBYFLOAT.
fn hincrbyfloat(ctx: &mut Ctx, argv: Argv) {
    let Some(incr) = long_double::parse(argv.get(3)) else {
        return ctx.out.error(errors::NOT_FLOAT);
    };
    if long_double::add(long_double::Ld::ZERO, incr).is_none() {
        return ctx.out.error("ERR value is NaN or Infinity");
    }
    let limits = limits(ctx);
    let (key, field) = (argv.get(1), argv.get(2));
    let Ok(hash) = create_hash(ctx.store, ctx.out, ctx.db, key) else {
        return;
    };
    let current = match hash.get(field) {
        None => long_double::Ld::ZERO,
        Some(v) => match long_double::parse(v) {
            Some(v) => v,
            None => return ctx.out.error("ERR hash value is not a float"),
        },
    };
    let Some(sum) = long_double::add(current, incr) else {
        ctx.store.remove_if_empty(ctx.db, key);
        return ctx.out.error("ERR increment would produce NaN or Infinity");
    };
    let text = long_double::format_human(sum);
    hash.set(field, text.as_bytes(), limits);
    ctx.server.dirty += 1;
    ctx.propagate(&[b"HSET", key, field, text.as_bytes()]);
    ctx.notify(event_class::HASH, "hincrbyfloat", key);
    ctx.out.bulk(text.as_bytes());
}

/// `HRANDFIELD key [count [WITHVALUES]]`
fn hrandfield(ctx: &mut Ctx, argv: Argv) {
    if argv.len() >= 3 {
        let Some(count) = random_count(ctx.out, argv.get(2)) else {
            return;
        };
        if argv.len() > 4 || (argv.len() == 4 && !args::is(argv.get(3), "withvalues")) {
            return ctx.out.error(errors::SYNTAX);
        }
        let withvalues = argv.len() == 4;
        if withvalues && !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&count) {
            return ctx.out.error("ERR value is out of range");
        }
        return hrandfield_count(ctx, argv.get(1), count, withvalues);
    }
    match read_hash(ctx.store, ctx.out, ctx.db, argv.get(1)) {
        Err(()) => {}
        Ok(None) => ctx.out.null(),
        Ok(Some(h)) => match h.random() {
            Some((k, _)) => ctx.out.bulk(k),
            None => ctx.out.null(),
        },
    }
}

/// HRANDFIELD with a count: distinct fields for a positive count (the whole
/// hash when it has no more), `-count` independent draws for a negative one.
/// WITHVALUES replies flat pairs in RESP2, 2-element arrays in RESP3.
fn hrandfield_count(ctx: &mut Ctx, key: &[u8], count: i64, withvalues: bool) {
    let Ok(hash) = read_hash(ctx.store, ctx.out, ctx.db, key) else {
        return;
    };
    let Some(hash) = hash else {
        return ctx.out.array(0);
    };
    if count == 0 {
        return ctx.out.array(0);
    }
    if !draws_in_bounds(ctx.out, count) {
        return;
    }
    let out = &mut *ctx.out;
    let resp3 = out.resp3;
    let header = |out: &mut Reply, n: usize| {
        out.array(if withvalues && !resp3 { n * 2 } else { n });
    };
    let emit = |out: &mut Reply, (k, v): (&[u8], &[u8])| {
        if withvalues && resp3 {
            out.array(2);
        }
        out.bulk(k);
        if withvalues {
            out.bulk(v);
        }
    };
    let size = hash.len();
    if count < 0 || count == 1 {
        let n = count.unsigned_abs() as usize;
        header(out, n);
        // A listpack is scanned once into a table of pairs; a dict draws directly.
        let pairs: Vec<(&[u8], &[u8])> = if hash.is_listpack() {
            hash.iter().collect()
        } else {
            Vec::new()
        };
        for _ in 0..n {
            let pair = if pairs.is_empty() {
                hash.random().expect("non-empty hash")
            } else {
                pairs[(random_u64() % pairs.len() as u64) as usize]
            };
            emit(out, pair);
        }
        return;
    }
    let count = count as usize;
    if count >= size {
        header(out, size);
        hash.iter().for_each(|p| emit(out, p));
        return;
    }
    let picked = random_distinct(
        size,
        count,
        || hash.iter().collect(),
        || hash.random().expect("non-empty hash"),
    );
    header(out, picked.len());
    picked.into_iter().for_each(|p| emit(out, p));
}

/// `HSCAN key cursor [MATCH pattern] [COUNT count]`
fn hscan(ctx: &mut Ctx, argv: Argv) {
    let Some(cursor) = parse_cursor(argv.get(2)) else {
        return ctx.out.error("ERR invalid cursor");
    };
    let Ok(hash) = read_hash(ctx.store, ctx.out, ctx.db, argv.get(1)) else {
        return;
    };
    let Some(hash) = hash else {
        return reply_scan(ctx.out, 0, &[]);
    };
    let Some((count, pattern)) = scan_options(ctx.out, argv) else {
        return;
    };
    let mut items = Vec::new();
    let next = hash.scan(cursor, count, |k, v| {
        if pattern.is_none_or(|p| glob_match(p, k)) {
            items.push(k.to_vec());
            items.push(v.to_vec());
        }
    });
    reply_scan(ctx.out, next, &items);
}
