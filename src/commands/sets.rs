//! Set commands: SADD and friends, with Redis 7.0's options, replies and
//! error texts.
//!
//! Multi-key commands (SINTER, SUNION, SDIFF, their STORE forms, SINTERCARD)
//! first look every key up and check its type, as Redis 7.0 does: a
//! WRONGTYPE anywhere wins over a missing key. The STORE forms replace the
//! destination whatever it held (its TTL goes too) and delete it when the
//! result is empty.

use super::hashes::{random_count, random_distinct, reply_scan, scan_options};
use super::table::{flags::*, CommandSpec};
use super::{args, errors, Ctx};
use crate::command;
use crate::config::event_class;
use crate::numbers::{parse_cursor, parse_i64};
use crate::resp::{Argv, Reply};
use crate::store::glob::glob_match;
use crate::store::{Entry, Store};
use crate::types::set::{Member, Set};
use crate::types::{Kind, Object, ObjectType, TypeLimits};

/// Every set command.
pub static COMMANDS: &[CommandSpec] = &[
    command!(
        "sadd",
        -3,
        WRITE | DENYOOM | FAST,
        (1, 1, 1),
        "set",
        "Add one or more members to a set",
        "1.0.0",
        sadd
    ),
    command!(
        "srem",
        -3,
        WRITE | FAST,
        (1, 1, 1),
        "set",
        "Remove one or more members from a set",
        "1.0.0",
        srem
    ),
    command!(
        "smembers",
        2,
        READONLY,
        (1, 1, 1),
        "set",
        "Get all the members in a set",
        "1.0.0",
        smembers
    ),
    command!(
        "sismember",
        3,
        READONLY | FAST,
        (1, 1, 1),
        "set",
        "Determine if a given value is a member of a set",
        "1.0.0",
        sismember
    ),
    command!(
        "smismember",
        -3,
        READONLY | FAST,
        (1, 1, 1),
        "set",
        "Returns the membership associated with the given elements for a set",
        "6.2.0",
        smismember
    ),
    command!(
        "scard",
        2,
        READONLY | FAST,
        (1, 1, 1),
        "set",
        "Get the number of members in a set",
        "1.0.0",
        scard
    ),
    command!(
        "spop",
        -2,
        WRITE | FAST,
        (1, 1, 1),
        "set",
        "Remove and return one or multiple random members from a set",
        "1.0.0",
        spop
    ),
    command!(
        "srandmember",
        -2,
        READONLY,
        (1, 1, 1),
        "set",
        "Get one or multiple random members from a set",
        "1.0.0",
        srandmember
    ),
    command!(
        "smove",
        4,
        WRITE | FAST,
        (1, 2, 1),
        "set",
        "Move a member from one set to another",
        "1.0.0",
        smove
    ),
    command!(
        "sinter",
        -2,
        READONLY,
        (1, -1, 1),
        "set",
        "Intersect multiple sets",
        "1.0.0",
        sinter
    ),
    // Redis marks SINTERCARD movablekeys (numkeys); the legacy range is empty.
    command!(
        "sintercard",
        -3,
        READONLY,
        (0, 0, 0),
        "set",
        "Intersect multiple sets and return the cardinality of the result",
        "7.0.0",
        sintercard
    ),
    command!(
        "sinterstore",
        -3,
        WRITE | DENYOOM,
        (1, -1, 1),
        "set",
        "Intersect multiple sets and store the resulting set in a key",
        "1.0.0",
        sinterstore
    ),
    command!(
        "sunion",
        -2,
        READONLY,
        (1, -1, 1),
        "set",
        "Add multiple sets",
        "1.0.0",
        sunion
    ),
    command!(
        "sunionstore",
        -3,
        WRITE | DENYOOM,
        (1, -1, 1),
        "set",
        "Add multiple sets and store the resulting set in a key",
        "1.0.0",
        sunionstore
    ),
    command!(
        "sdiff",
        -2,
        READONLY,
        (1, -1, 1),
        "set",
        "Subtract multiple sets",
        "1.0.0",
        sdiff
    ),
    command!(
        "sdiffstore",
        -3,
        WRITE | DENYOOM,
        (1, -1, 1),
        "set",
        "Subtract multiple sets and store the resulting set in a key",
        "1.0.0",
        sdiffstore
    ),
    command!(
        "sscan",
        -3,
        READONLY,
        (1, 1, 1),
        "set",
        "Incrementally iterate Set elements",
        "2.8.0",
        sscan
    ),
];

// ---------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------

/// set-max-intset-entries.
fn max_intset(ctx: &Ctx) -> usize {
    TypeLimits::from_config(&ctx.server.config).set_max_intset_entries
}

/// The set at `key` for a read; replies WRONGTYPE and returns `Err` when the
/// key holds another type.
fn read_set<'s>(
    store: &'s mut Store,
    out: &mut Reply,
    db: usize,
    key: &[u8],
) -> Result<Option<&'s Set>, ()> {
    store
        .read_typed::<Set>(db, key)
        .map_err(|_| out.error(errors::WRONGTYPE))
}

/// The set at `key` for a write (see `read_set`).
fn write_set<'s>(
    store: &'s mut Store,
    out: &mut Reply,
    db: usize,
    key: &[u8],
) -> Result<Option<&'s mut Set>, ()> {
    store
        .write_typed::<Set>(db, key)
        .map_err(|_| out.error(errors::WRONGTYPE))
}

/// A member as a bulk string.
#[inline]
fn bulk_member(out: &mut Reply, m: Member) {
    match m {
        Member::Int(n) => out.bulk_int(n),
        Member::Bytes(b) => out.bulk(b),
    }
}

/// A set reply (`~` in RESP3) of every member of `set`.
fn reply_members(out: &mut Reply, set: &Set) {
    out.set(set.len());
    set.iter().for_each(|m| bulk_member(out, m));
}

/// The type of the live key `key`, if any (lazy expiry; `read` also counts
/// hits and misses and touches the key, as a read lookup does).
fn kind_of(store: &mut Store, db: usize, key: &[u8], read: bool) -> Option<Kind> {
    let live = if read {
        store.read(db, key).is_some()
    } else {
        store.exists(db, key)
    };
    live.then(|| store.dbs[db].peek(key).map(Entry::kind))
        .flatten()
}

/// Looks up the source keys of a multi-key command: replies WRONGTYPE and
/// returns `Err` when any of them holds another type; otherwise the sets,
/// None for a missing key.
fn source_sets<'s>(
    store: &'s mut Store,
    out: &mut Reply,
    db: usize,
    keys: &[&[u8]],
    read: bool,
) -> Result<Vec<Option<&'s Set>>, ()> {
    for &key in keys {
        if kind_of(store, db, key, read).is_some_and(|k| k != Kind::Set) {
            out.error(errors::WRONGTYPE);
            return Err(());
        }
    }
    let db = &store.dbs[db];
    Ok(keys
        .iter()
        .map(|k| {
            db.peek(k)
                .and_then(Entry::object)
                .and_then(Set::from_object)
        })
        .collect())
}

/// The operation of SUNION/SDIFF (SINTER has its own path).
#[derive(Clone, Copy, PartialEq, Eq)]
enum SetOp {
    Union,
    Diff,
}

/// The members common to every set (all present), in the order of the
/// smallest one; stops after `limit` members (0: no limit).
fn intersection<'s>(sets: &[&'s Set], limit: usize) -> Vec<Member<'s>> {
    let mut sorted: Vec<&Set> = sets.to_vec();
    sorted.sort_by_key(|s| s.len());
    let (first, rest) = sorted.split_first().expect("at least one set");
    let mut found = Vec::new();
    for m in first.iter() {
        if rest
            .iter()
            .all(|s| std::ptr::eq(*s, *first) || s.contains_member(m))
        {
            found.push(m);
            if found.len() == limit {
                break;
            }
        }
    }
    found
}

/// Redis's `sunionDiffGenericCommand` result, built as a new set (so a result
/// of few integers is an intset, as in Redis).
fn union_or_diff(sets: &[Option<&Set>], op: SetOp, max_intset: usize) -> Set {
    let mut result = Set::default();
    match op {
        SetOp::Union => {
            for s in sets.iter().flatten() {
                s.iter().for_each(|m| {
                    result.add_member(m, max_intset);
                });
            }
        }
        SetOp::Diff => {
            let Some(Some(first)) = sets.first() else {
                return result;
            };
            let others: Vec<&Set> = sets[1..].iter().flatten().copied().collect();
            // Redis's choice: check each member of the first set against the
            // others, or copy the first set and remove the others' members,
            // whichever touches fewer elements.
            let one = first.len() * sets.len() / 2;
            let two: usize = sets.iter().flatten().map(|s| s.len()).sum();
            if one <= two {
                for m in first.iter() {
                    if !others
                        .iter()
                        .any(|s| std::ptr::eq(*s, *first) || s.contains_member(m))
                    {
                        result.add_member(m, max_intset);
                    }
                }
            } else {
                first.iter().for_each(|m| {
                    result.add_member(m, max_intset);
                });
                for s in &others {
                    for m in s.iter() {
                        result.remove_member(m);
                        if result.is_empty() {
                            break;
                        }
                    }
                }
            }
        }
    }
    result
}

/// Stores `result` at `dst` (replacing whatever was there, TTL included) or
/// deletes `dst` when the result is empty; replies the result's size.
/// `event` names the command for keyspace notifications.
fn store_result(ctx: &mut Ctx, dst: &[u8], result: Set, event: &str) {
    let n = result.len();
    let db = ctx.db;
    if n > 0 {
        ctx.expire_if_needed(dst);
        let clock = ctx.store.new_clock();
        ctx.store.dbs[db].insert(Entry::new_object(dst, Object::Set(result), None, clock));
        ctx.notify(event_class::SET, event, dst);
    } else if ctx.store.dbs[db].remove(dst).is_some() {
        ctx.notify(event_class::GENERIC, "del", dst);
    }
    ctx.server.dirty += 1;
    ctx.out.int(n as i64);
}

// ---------------------------------------------------------------------------
// Handlers
// ---------------------------------------------------------------------------

/// `SADD key member [member ...]`
fn sadd(ctx: &mut Ctx, argv: Argv) {
    let max = max_intset(ctx);
    let set = match ctx.store.write_or_create::<Set>(ctx.db, argv.get(1)) {
        Ok(s) => s,
        Err(_) => return ctx.out.error(errors::WRONGTYPE),
    };
    let added = argv.iter_from(2).filter(|m| set.add(m, max)).count();
    ctx.server.dirty += added as u64;
    if added > 0 {
        ctx.notify(event_class::SET, "sadd", argv.get(1));
    }
    ctx.out.int(added as i64);
}

/// `SREM key member [member ...]`
fn srem(ctx: &mut Ctx, argv: Argv) {
    let key = argv.get(1);
    let Ok(set) = write_set(ctx.store, ctx.out, ctx.db, key) else {
        return;
    };
    let Some(set) = set else {
        return ctx.out.int(0);
    };
    let mut deleted = 0;
    for m in argv.iter_from(2) {
        if set.remove(m) {
            deleted += 1;
            if set.is_empty() {
                break;
            }
        }
    }
    ctx.server.dirty += deleted;
    if deleted > 0 {
        ctx.notify(event_class::SET, "srem", key);
    }
    ctx.delete_if_empty(key);
    ctx.out.int(deleted as i64);
}

/// `SMEMBERS key`: a set in RESP3.
fn smembers(ctx: &mut Ctx, argv: Argv) {
    match read_set(ctx.store, ctx.out, ctx.db, argv.get(1)) {
        Err(()) => {}
        Ok(None) => ctx.out.set(0),
        Ok(Some(s)) => reply_members(ctx.out, s),
    }
}

/// `SISMEMBER key member`
fn sismember(ctx: &mut Ctx, argv: Argv) {
    if let Ok(s) = read_set(ctx.store, ctx.out, ctx.db, argv.get(1)) {
        let found = s.is_some_and(|s| s.contains(argv.get(2)));
        ctx.out.int(found as i64);
    }
}

/// `SMISMEMBER key member [member ...]`
fn smismember(ctx: &mut Ctx, argv: Argv) {
    let Ok(s) = read_set(ctx.store, ctx.out, ctx.db, argv.get(1)) else {
        return;
    };
    ctx.out.array(argv.len() - 2);
    for m in argv.iter_from(2) {
        let found = s.is_some_and(|s| s.contains(m));
        ctx.out.int(found as i64);
    }
}

/// `SCARD key`
fn scard(ctx: &mut Ctx, argv: Argv) {
    if let Ok(s) = read_set(ctx.store, ctx.out, ctx.db, argv.get(1)) {
        let n = s.map_or(0, Set::len);
        ctx.out.int(n as i64);
    }
}

/// `SPOP key [count]`
fn spop(ctx: &mut Ctx, argv: Argv) {
    match argv.len() {
        3 => return spop_count(ctx, argv),
        n if n > 3 => return ctx.out.error(errors::SYNTAX),
        _ => {}
    }
    let key = argv.get(1);
    let Ok(set) = write_set(ctx.store, ctx.out, ctx.db, key) else {
        return;
    };
    let Some(popped) = set.and_then(Set::pop_random) else {
        return ctx.out.null();
    };
    ctx.out.bulk(&popped);
    ctx.server.dirty += 1;
    ctx.propagate(&[b"SREM".as_slice(), key, &popped]);
    ctx.notify(event_class::SET, "spop", key);
    ctx.delete_if_empty(key);
}

/// SPOP with a count: a set reply (`~` in RESP3) of up to `count` distinct
/// random members, removed from the set.
fn spop_count(ctx: &mut Ctx, argv: Argv) {
    let count = match parse_i64(argv.get(2)) {
        Some(n) if n >= 0 => n as u64,
        _ => return ctx.out.error("ERR value is out of range, must be positive"),
    };
    let max = max_intset(ctx);
    let key = argv.get(1);
    let Ok(set) = write_set(ctx.store, ctx.out, ctx.db, key) else {
        return;
    };
    let Some(set) = set else {
        return ctx.out.set(0);
    };
    if count == 0 {
        return ctx.out.set(0);
    }
    let size = set.len() as u64;
    ctx.server.dirty += count;
    if count >= size {
        // The whole set: reply it and delete the key.
        reply_members(ctx.out, set);
        ctx.store.dbs[ctx.db].remove(key);
        ctx.server.dirty += 1;
        ctx.propagate(&[b"DEL", key]);
        ctx.notify(event_class::SET, "spop", key);
        ctx.notify(event_class::GENERIC, "del", key);
        return;
    }
    ctx.out.set(count as usize);
    // The random draw replays as SREM of what it drew.
    let propagating = ctx.server.propagation.enabled();
    let mut popped: Vec<Vec<u8>> = Vec::new();
    let remaining = size - count;
    if remaining * 5 > count {
        // Few to pop: draw and remove them one by one.
        for _ in 0..count {
            let m = set.pop_random().expect("count < size");
            ctx.out.bulk(&m);
            if propagating {
                popped.push(m);
            }
        }
    } else {
        // Most of the set goes: draw the members that stay into a new set,
        // reply what is left of the old one, and keep the new one.
        let mut keep = Set::default();
        for _ in 0..remaining {
            let m = set.pop_random().expect("remaining < size");
            keep.add(&m, max);
        }
        set.iter().for_each(|m| {
            bulk_member(ctx.out, m);
            if propagating {
                popped.push(m.to_vec());
            }
        });
        *set = keep;
    }
    for chunk in popped.chunks(1024) {
        let mut srem: Vec<&[u8]> = vec![b"SREM", key];
        srem.extend(chunk.iter().map(Vec::as_slice));
        ctx.propagate(&srem);
    }
    ctx.server.dirty += 1;
    ctx.notify(event_class::SET, "spop", key);
}

/// `SRANDMEMBER key [count]`
fn srandmember(ctx: &mut Ctx, argv: Argv) {
    match argv.len() {
        3 => return srandmember_count(ctx, argv),
        n if n > 3 => return ctx.out.error(errors::SYNTAX),
        _ => {}
    }
    match read_set(ctx.store, ctx.out, ctx.db, argv.get(1)) {
        Err(()) => {}
        Ok(s) => match s.and_then(Set::random) {
            Some(m) => bulk_member(ctx.out, m),
            None => ctx.out.null(),
        },
    }
}

/// SRANDMEMBER with a count: an array (in RESP3 too, as Redis 7.0) of
/// distinct members for a positive count (the whole set when it has no
/// more), `-count` independent draws for a negative one.
fn srandmember_count(ctx: &mut Ctx, argv: Argv) {
    let Some(count) = random_count(ctx.out, argv.get(2)) else {
        return;
    };
    let Ok(set) = read_set(ctx.store, ctx.out, ctx.db, argv.get(1)) else {
        return;
    };
    let Some(set) = set else {
        return ctx.out.array(0);
    };
    if count == 0 {
        return ctx.out.array(0);
    }
    if !super::hashes::draws_in_bounds(ctx.out, count) {
        return;
    }
    let out = &mut *ctx.out;
    if count < 0 {
        let n = count.unsigned_abs() as usize;
        out.array(n);
        for _ in 0..n {
            bulk_member(out, set.random().expect("non-empty set"));
        }
        return;
    }
    let count = count as usize;
    if count >= set.len() {
        out.array(set.len());
        set.iter().for_each(|m| bulk_member(out, m));
        return;
    }
    let picked = random_distinct(
        set.len(),
        count,
        || set.iter().collect(),
        || set.random().expect("non-empty set"),
    );
    out.array(picked.len());
    picked.into_iter().for_each(|m| bulk_member(out, m));
}

/// `SMOVE source destination member`
fn smove(ctx: &mut Ctx, argv: Argv) {
    let (src, dst, member) = (argv.get(1), argv.get(2), argv.get(3));
    let max = max_intset(ctx);
    let src_kind = kind_of(ctx.store, ctx.db, src, false);
    let dst_kind = kind_of(ctx.store, ctx.db, dst, false);
    let Some(src_kind) = src_kind else {
        return ctx.out.int(0);
    };
    if src_kind != Kind::Set || dst_kind.is_some_and(|k| k != Kind::Set) {
        return ctx.out.error(errors::WRONGTYPE);
    }
    if src == dst {
        let set = ctx.store.dbs[ctx.db]
            .peek(src)
            .and_then(Entry::object)
            .and_then(Set::from_object)
            .expect("checked set");
        return ctx.out.int(set.contains(member) as i64);
    }
    let Ok(Some(set)) = ctx.store.write_typed::<Set>(ctx.db, src) else {
        unreachable!("checked set");
    };
    if !set.remove(member) {
        return ctx.out.int(0);
    }
    ctx.server.dirty += 1;
    ctx.notify(event_class::SET, "srem", src);
    ctx.delete_if_empty(src);
    let Ok(dst_set) = ctx.store.write_or_create::<Set>(ctx.db, dst) else {
        unreachable!("checked set");
    };
    // The destination changed (and is announced) only if it gained it.
    if dst_set.add(member, max) {
        ctx.server.dirty += 1;
        ctx.notify(event_class::SET, "sadd", dst);
    }
    ctx.out.int(1);
}

/// `SINTER key [key ...]`: a set in RESP3.
fn sinter(ctx: &mut Ctx, argv: Argv) {
    let keys: Vec<&[u8]> = argv.iter_from(1).collect();
    let Ok(sets) = source_sets(ctx.store, ctx.out, ctx.db, &keys, true) else {
        return;
    };
    let Some(sets) = sets.into_iter().collect::<Option<Vec<&Set>>>() else {
        return ctx.out.set(0);
    };
    let found = intersection(&sets, 0);
    ctx.out.set(found.len());
    found.into_iter().for_each(|m| bulk_member(ctx.out, m));
}

/// `SINTERCARD numkeys key [key ...] [LIMIT limit]`
fn sintercard(ctx: &mut Ctx, argv: Argv) {
    let numkeys = match parse_i64(argv.get(1)) {
        Some(n) if n > 0 => n as u64,
        _ => return ctx.out.error("ERR numkeys should be greater than 0"),
    };
    if numkeys > (argv.len() - 2) as u64 {
        return ctx
            .out
            .error("ERR Number of keys can't be greater than number of args");
    }
    let numkeys = numkeys as usize;
    let mut limit = 0usize;
    let mut i = 2 + numkeys;
    while i < argv.len() {
        if args::is(argv.get(i), "limit") && i + 1 < argv.len() {
            match parse_i64(argv.get(i + 1)) {
                Some(n) if n >= 0 => limit = usize::try_from(n).unwrap_or(usize::MAX),
                _ => return ctx.out.error("ERR LIMIT can't be negative"),
            }
            i += 2;
        } else {
            return ctx.out.error(errors::SYNTAX);
        }
    }
    let keys: Vec<&[u8]> = argv.iter_from(2).take(numkeys).collect();
    let Ok(sets) = source_sets(ctx.store, ctx.out, ctx.db, &keys, true) else {
        return;
    };
    let Some(sets) = sets.into_iter().collect::<Option<Vec<&Set>>>() else {
        return ctx.out.int(0);
    };
    let n = intersection(&sets, limit).len();
    ctx.out.int(n as i64);
}

/// `SINTERSTORE destination key [key ...]`
fn sinterstore(ctx: &mut Ctx, argv: Argv) {
    let max = max_intset(ctx);
    let dst = argv.get(1);
    let keys: Vec<&[u8]> = argv.iter_from(2).collect();
    let Ok(sets) = source_sets(ctx.store, ctx.out, ctx.db, &keys, false) else {
        return;
    };
    let result = match sets.into_iter().collect::<Option<Vec<&Set>>>() {
        None => Set::default(),
        Some(sets) => {
            let mut result = Set::default();
            for m in intersection(&sets, 0) {
                result.add_member(m, max);
            }
            result
        }
    };
    store_result(ctx, dst, result, "sinterstore");
}

/// `SUNION key [key ...]`: a set in RESP3.
fn sunion(ctx: &mut Ctx, argv: Argv) {
    union_diff(ctx, argv, SetOp::Union, false);
}

/// `SUNIONSTORE destination key [key ...]`
fn sunionstore(ctx: &mut Ctx, argv: Argv) {
    union_diff(ctx, argv, SetOp::Union, true);
}

/// `SDIFF key [key ...]`: a set in RESP3.
fn sdiff(ctx: &mut Ctx, argv: Argv) {
    union_diff(ctx, argv, SetOp::Diff, false);
}

/// `SDIFFSTORE destination key [key ...]`
fn sdiffstore(ctx: &mut Ctx, argv: Argv) {
    union_diff(ctx, argv, SetOp::Diff, true);
}

fn union_diff(ctx: &mut Ctx, argv: Argv, op: SetOp, store: bool) {
    let max = max_intset(ctx);
    let keys: Vec<&[u8]> = argv.iter_from(if store { 2 } else { 1 }).collect();
    let Ok(sets) = source_sets(ctx.store, ctx.out, ctx.db, &keys, !store) else {
        return;
    };
    let result = union_or_diff(&sets, op, max);
    if store {
        let event = match op {
            SetOp::Union => "sunionstore",
            SetOp::Diff => "sdiffstore",
        };
        store_result(ctx, argv.get(1), result, event);
    } else {
        reply_members(ctx.out, &result);
    }
}

/// `SSCAN key cursor [MATCH pattern] [COUNT count]`
fn sscan(ctx: &mut Ctx, argv: Argv) {
    let Some(cursor) = parse_cursor(argv.get(2)) else {
        return ctx.out.error("ERR invalid cursor");
    };
    let Ok(set) = read_set(ctx.store, ctx.out, ctx.db, argv.get(1)) else {
        return;
    };
    let Some(set) = set else {
        return reply_scan(ctx.out, 0, &[]);
    };
    let Some((count, pattern)) = scan_options(ctx.out, argv) else {
        return;
    };
    let mut items = Vec::new();
    let next = set.scan(cursor, count, |m| {
        m.with_bytes(|b| {
            if pattern.is_none_or(|p| glob_match(p, b)) {
                items.push(b.to_vec());
            }
        })
    });
    reply_scan(ctx.out, next, &items);
}
