//! List commands (the non-blocking ones) with Redis 7.0's options, replies and
//! error texts: LPUSH, RPUSH, LPUSHX, RPUSHX, LPOP, RPOP, LLEN, LRANGE,
//! LINDEX, LSET, LINSERT, LREM, LTRIM, LPOS, LMOVE, RPOPLPUSH, LMPOP.
//!
//! The pop and move logic is shared with the blocking commands: a blocked
//! BLPOP/BRPOP/BLMPOP calls [`pop_and_reply`] (or [`mpop_and_reply`]) and a
//! BLMOVE/BRPOPLPUSH calls [`move_and_reply`] when its key gets data; BLMPOP
//! parses its arguments with [`parse_mpop`]. These reply only when they did
//! the work, so the caller decides what an absent key or a wrong type means
//! (reply, or stay blocked).
//!
//! Lookups follow Redis: reads (LLEN, LRANGE, LINDEX, LPOS) count hits and
//! touch the clock, writes do not. A list left empty is deleted at once.

use super::table::{flags::*, CommandSpec};
use super::{args, errors, Ctx};
use crate::command;
use crate::config::event_class;
use crate::numbers::parse_i64;
use crate::resp::{Argv, Reply};
use crate::store::Store;
use crate::types::list::{Elem, End, Fill};
use crate::types::TypeLimits;
use crate::types::{Kind, List};

/// Every list command.
pub static COMMANDS: &[CommandSpec] = &[
    command!(
        "lpush",
        -3,
        WRITE | DENYOOM | FAST,
        (1, 1, 1),
        "list",
        "Prepend one or multiple elements to a list",
        "1.0.0",
        lpush
    ),
    command!(
        "rpush",
        -3,
        WRITE | DENYOOM | FAST,
        (1, 1, 1),
        "list",
        "Append one or multiple elements to a list",
        "1.0.0",
        rpush
    ),
    command!(
        "lpushx",
        -3,
        WRITE | DENYOOM | FAST,
        (1, 1, 1),
        "list",
        "Prepend an element to a list, only if the list exists",
        "2.2.0",
        lpushx
    ),
    command!(
        "rpushx",
        -3,
        WRITE | DENYOOM | FAST,
        (1, 1, 1),
        "list",
        "Append an element to a list, only if the list exists",
        "2.2.0",
        rpushx
    ),
    command!(
        "lpop",
        -2,
        WRITE | FAST,
        (1, 1, 1),
        "list",
        "Remove and get the first elements in a list",
        "1.0.0",
        lpop
    ),
    command!(
        "rpop",
        -2,
        WRITE | FAST,
        (1, 1, 1),
        "list",
        "Remove and get the last elements in a list",
        "1.0.0",
        rpop
    ),
    command!(
        "llen",
        2,
        READONLY | FAST,
        (1, 1, 1),
        "list",
        "Get the length of a list",
        "1.0.0",
        llen
    ),
    command!(
        "lrange",
        4,
        READONLY,
        (1, 1, 1),
        "list",
        "Get a range of elements from a list",
        "1.0.0",
        lrange
    ),
    command!(
        "lindex",
        3,
        READONLY,
        (1, 1, 1),
        "list",
        "Get an element from a list by its index",
        "1.0.0",
        lindex
    ),
    command!(
        "lset",
        4,
        WRITE | DENYOOM,
        (1, 1, 1),
        "list",
        "Set the value of an element in a list by its index",
        "1.0.0",
        lset
    ),
    command!(
        "linsert",
        5,
        WRITE | DENYOOM,
        (1, 1, 1),
        "list",
        "Insert an element before or after another element in a list",
        "2.2.0",
        linsert
    ),
    command!(
        "lrem",
        4,
        WRITE,
        (1, 1, 1),
        "list",
        "Remove elements from a list",
        "1.0.0",
        lrem
    ),
    command!(
        "ltrim",
        4,
        WRITE,
        (1, 1, 1),
        "list",
        "Trim a list to the specified range",
        "1.0.0",
        ltrim
    ),
    command!(
        "lpos",
        -3,
        READONLY,
        (1, 1, 1),
        "list",
        "Return the index of matching elements on a list",
        "6.0.6",
        lpos
    ),
    command!(
        "lmove",
        5,
        WRITE | DENYOOM,
        (1, 2, 1),
        "list",
        "Pop an element from a list, push it to another list and return it",
        "6.2.0",
        lmove
    ),
    command!(
        "rpoplpush",
        3,
        WRITE | DENYOOM,
        (1, 2, 1),
        "list",
        "Remove the last element in a list, prepend it to another list and return it",
        "1.2.0",
        rpoplpush
    ),
    // Redis reports 0/0/0 for LMPOP (its keys follow numkeys: "movablekeys").
    command!(
        "lmpop",
        -4,
        WRITE,
        (0, 0, 0),
        "list",
        "Pop elements from a list",
        "7.0.0",
        lmpop
    ),
];

const OUT_OF_RANGE: &str = "ERR index out of range";
const MUST_BE_POSITIVE: &str = "ERR value is out of range, must be positive";
const RANK_ZERO: &str = "ERR RANK can't be zero: use 1 to start from the first match, \
                         2 from the second ... or use negative to start from the end of the list";

// ---------------------------------------------------------------------------
// Shared helpers (also for the blocking commands)
// ---------------------------------------------------------------------------

/// What a pop or move helper did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Served {
    /// Nothing: the (source) key is missing. Nothing was replied.
    Missing,
    /// Nothing: a key holds another type. Nothing was replied.
    WrongType,
    /// Popped (or moved) this many elements and replied them.
    Done(usize),
}

/// How [`pop_and_reply`] shapes its reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PopReply {
    /// LPOP/RPOP without count: the element as a bulk string.
    Element,
    /// LPOP/RPOP with a count (> 0): an array of up to that many elements.
    Elements(usize),
    /// BLPOP/BRPOP: `[key, element]`.
    KeyElement,
    /// LMPOP/BLMPOP with a count (> 0): `[key, [elements...]]`.
    KeyElements(usize),
}

/// The keyspace event of a pop at `end`.
fn pop_event(end: End) -> &'static str {
    match end {
        End::Head => "lpop",
        End::Tail => "rpop",
    }
}

/// The keyspace event of a push at `end`.
fn push_event(end: End) -> &'static str {
    match end {
        End::Head => "lpush",
        End::Tail => "rpush",
    }
}

/// LEFT/RIGHT (any case).
pub fn parse_end(arg: &[u8]) -> Option<End> {
    if args::is(arg, "LEFT") {
        Some(End::Head)
    } else if args::is(arg, "RIGHT") {
        Some(End::Tail)
    } else {
        None
    }
}

/// Node limits from `list-max-listpack-size`.
#[inline]
pub fn fill(ctx: &Ctx) -> Fill {
    TypeLimits::from_config(&ctx.server.config).list_fill
}

/// Replies one element as a bulk string.
#[inline]
pub fn reply_elem(out: &mut Reply, e: Elem) {
    match e {
        Elem::Int(v) => out.bulk_int(v),
        Elem::Str(s) => out.bulk(s),
    }
}

/// True when `key` exists and holds something other than a list (no
/// stats, no touch, no segment copy).
fn holds_other_type(store: &mut Store, db: usize, key: &[u8]) -> bool {
    store.exists(db, key)
        && store.dbs[db]
            .peek(key)
            .is_some_and(|e| e.kind() != Kind::List)
}

/// The list at `key` for a push, created empty when missing; `None` when the
/// key holds another type. Every list key is born here, so this is where a
/// "key became ready" signal for blocked clients belongs.
fn list_for_push<'s>(store: &'s mut Store, db: usize, key: &[u8]) -> Option<&'s mut List> {
    store.write_or_create::<List>(db, key).ok()
}

/// Pops from the list at `key`, replies as `shape` asks, counts the writes
/// and deletes the key if it is left empty. Replies nothing unless it popped
/// (see [`Served`]).
pub fn pop_and_reply(ctx: &mut Ctx, key: &[u8], end: End, shape: PopReply) -> Served {
    let fill = fill(ctx);
    let list = match ctx.store.write_typed::<List>(ctx.db, key) {
        Err(_) => return Served::WrongType,
        Ok(None) => return Served::Missing,
        Ok(Some(l)) if l.is_empty() => return Served::Missing,
        Ok(Some(l)) => l,
    };
    let out = &mut *ctx.out;
    let n = match shape {
        PopReply::Element | PopReply::KeyElement => {
            if shape == PopReply::KeyElement {
                out.array(2);
                out.bulk(key);
            }
            reply_elem(out, list.peek(end).expect("not empty"));
            1
        }
        PopReply::Elements(count) | PopReply::KeyElements(count) => {
            if matches!(shape, PopReply::KeyElements(_)) {
                out.array(2);
                out.bulk(key);
            }
            let n = count.min(list.len());
            out.array(n);
            for e in list.iter_from_end(end).take(n) {
                reply_elem(out, e.elem());
            }
            n
        }
    };
    list.drop_end(end, n, fill);
    ctx.server.dirty += n as u64;
    ctx.notify(event_class::LIST, pop_event(end), key);
    ctx.delete_if_empty(key);
    Served::Done(n)
}

/// Moves the element at `from` of list `src` to `to` of list `dst` (created
/// if missing; `src` and `dst` may be the same key) and replies it as a bulk
/// string. Replies nothing unless it moved (see [`Served`]): `WrongType` when
/// either key holds another type, `Missing` when `src` is missing.
pub fn move_and_reply(ctx: &mut Ctx, src: &[u8], dst: &[u8], from: End, to: End) -> Served {
    let fill = fill(ctx);
    let dst_bad = holds_other_type(ctx.store, ctx.db, dst);
    let list = match ctx.store.write_typed::<List>(ctx.db, src) {
        Err(_) => return Served::WrongType,
        Ok(None) => return Served::Missing,
        Ok(Some(l)) if l.is_empty() => return Served::Missing,
        Ok(Some(l)) => l,
    };
    if dst_bad {
        return Served::WrongType;
    }
    let value = list.pop(from, fill).expect("not empty");
    list_for_push(ctx.store, ctx.db, dst)
        .expect("destination checked")
        .push(to, &value, fill);
    ctx.out.bulk(&value);
    ctx.server.dirty += 1;
    // Redis's order: the push on the destination, then the pop.
    ctx.notify(event_class::LIST, push_event(to), dst);
    ctx.notify(event_class::LIST, pop_event(from), src);
    ctx.delete_if_empty(src);
    Served::Done(1)
}

/// LMPOP/BLMPOP's arguments after parsing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MpopArgs {
    /// Index of the first key in argv.
    pub first_key: usize,
    /// Number of keys.
    pub numkeys: usize,
    /// LEFT or RIGHT.
    pub end: End,
    /// COUNT, 1 by default.
    pub count: usize,
}

/// Parses `numkeys key [key ...] LEFT|RIGHT [COUNT count]` starting at
/// `numkeys_at` (1 for LMPOP, 2 for BLMPOP) as Redis's
/// `lmpopGenericCommand` does; replies the error and returns `None`.
pub fn parse_mpop(out: &mut Reply, argv: Argv, numkeys_at: usize) -> Option<MpopArgs> {
    let numkeys = match parse_i64(argv.get(numkeys_at)) {
        Some(n) if n > 0 => n as u64,
        _ => {
            out.error("ERR numkeys should be greater than 0");
            return None;
        }
    };
    let where_at = (numkeys_at as u64 + 1)
        .checked_add(numkeys)
        .filter(|&w| w < argv.len() as u64);
    let Some(where_at) = where_at.map(|w| w as usize) else {
        out.error(errors::SYNTAX);
        return None;
    };
    let Some(end) = parse_end(argv.get(where_at)) else {
        out.error(errors::SYNTAX);
        return None;
    };
    let mut count = None;
    let mut j = where_at + 1;
    while j < argv.len() {
        if count.is_none() && args::is(argv.get(j), "COUNT") && j + 1 < argv.len() {
            j += 1;
            match parse_i64(argv.get(j)) {
                Some(c) if c > 0 => count = Some(c as usize),
                _ => {
                    out.error("ERR count should be greater than 0");
                    return None;
                }
            }
        } else {
            out.error(errors::SYNTAX);
            return None;
        }
        j += 1;
    }
    Some(MpopArgs {
        first_key: numkeys_at + 1,
        numkeys: numkeys as usize,
        end,
        count: count.unwrap_or(1),
    })
}

/// Pops from the first key of `a` that holds a non-empty list and replies
/// `[key, [elements...]]`. Stops at a key of another type (`WrongType`,
/// nothing replied); `Missing` when no key has data.
pub fn mpop_and_reply(ctx: &mut Ctx, argv: Argv, a: &MpopArgs) -> Served {
    for i in a.first_key..a.first_key + a.numkeys {
        match pop_and_reply(ctx, argv.get(i), a.end, PopReply::KeyElements(a.count)) {
            Served::Missing => continue,
            other => return other,
        }
    }
    Served::Missing
}

/// Parses a start/end pair of indexes; replies the error on failure.
fn two_ints(out: &mut Reply, a: &[u8], b: &[u8]) -> Option<(i64, i64)> {
    let a = args::int(out, a)?;
    let b = args::int(out, b)?;
    Some((a, b))
}

/// Redis's range normalisation (LRANGE, LTRIM): the in-range `start` and
/// element count, or None for an empty range.
fn clamp_range(start: i64, end: i64, len: usize) -> Option<(usize, usize)> {
    let len = len as i64;
    let mut start = if start < 0 {
        len.saturating_add(start)
    } else {
        start
    };
    let mut end = if end < 0 {
        len.saturating_add(end)
    } else {
        end
    };
    if start < 0 {
        start = 0;
    }
    if start > end || start >= len {
        return None;
    }
    if end >= len {
        end = len - 1;
    }
    Some((start as usize, (end - start + 1) as usize))
}

// ---------------------------------------------------------------------------
// Handlers
// ---------------------------------------------------------------------------

/// Redis's `pushGenericCommand`: LPUSH/RPUSH, and LPUSHX/RPUSHX (`existing`).
fn push_generic(ctx: &mut Ctx, argv: Argv, end: End, existing: bool) {
    let fill = fill(ctx);
    let key = argv.get(1);
    let list = if existing {
        match ctx.store.write_typed::<List>(ctx.db, key) {
            Err(_) => return ctx.out.error(errors::WRONGTYPE),
            Ok(None) => return ctx.out.int(0),
            Ok(Some(l)) => l,
        }
    } else {
        match list_for_push(ctx.store, ctx.db, key) {
            None => return ctx.out.error(errors::WRONGTYPE),
            Some(l) => l,
        }
    };
    for value in argv.iter_from(2) {
        list.push(end, value, fill);
    }
    ctx.out.int(list.len() as i64);
    ctx.server.dirty += (argv.len() - 2) as u64;
    ctx.notify(event_class::LIST, push_event(end), key);
}

/// `LPUSH key element [element ...]`
fn lpush(ctx: &mut Ctx, argv: Argv) {
    push_generic(ctx, argv, End::Head, false);
}

/// `RPUSH key element [element ...]`
fn rpush(ctx: &mut Ctx, argv: Argv) {
    push_generic(ctx, argv, End::Tail, false);
}

/// `LPUSHX key element [element ...]`
fn lpushx(ctx: &mut Ctx, argv: Argv) {
    push_generic(ctx, argv, End::Head, true);
}

/// `RPUSHX key element [element ...]`
fn rpushx(ctx: &mut Ctx, argv: Argv) {
    push_generic(ctx, argv, End::Tail, true);
}

/// Redis's `popGenericCommand`: LPOP/RPOP `key [count]`. Without a count the
/// reply is a bulk string (null when missing); with one an array (a null
/// array when missing, empty for count 0).
fn pop_generic(ctx: &mut Ctx, argv: Argv, end: End, name: &str) {
    if argv.len() > 3 {
        return ctx.out.error(&errors::arity(name));
    }
    let count = if argv.len() == 3 {
        match parse_i64(argv.get(2)) {
            Some(c) if c >= 0 => Some(c as u64),
            _ => return ctx.out.error(MUST_BE_POSITIVE),
        }
    } else {
        None
    };
    let shape = match count {
        None => PopReply::Element,
        Some(0) => {
            match ctx.store.write_typed::<List>(ctx.db, argv.get(1)) {
                Err(_) => ctx.out.error(errors::WRONGTYPE),
                Ok(None) => ctx.out.null_array(),
                Ok(Some(_)) => ctx.out.array(0),
            }
            return;
        }
        Some(c) => PopReply::Elements(usize::try_from(c).unwrap_or(usize::MAX)),
    };
    match pop_and_reply(ctx, argv.get(1), end, shape) {
        Served::Done(_) => {}
        Served::WrongType => ctx.out.error(errors::WRONGTYPE),
        Served::Missing if count.is_some() => ctx.out.null_array(),
        Served::Missing => ctx.out.null(),
    }
}

/// `LPOP key [count]`
fn lpop(ctx: &mut Ctx, argv: Argv) {
    pop_generic(ctx, argv, End::Head, "lpop");
}

/// `RPOP key [count]`
fn rpop(ctx: &mut Ctx, argv: Argv) {
    pop_generic(ctx, argv, End::Tail, "rpop");
}

/// `LLEN key`
fn llen(ctx: &mut Ctx, argv: Argv) {
    match ctx.store.read_typed::<List>(ctx.db, argv.get(1)) {
        Err(_) => ctx.out.error(errors::WRONGTYPE),
        Ok(l) => ctx.out.int(l.map_or(0, List::len) as i64),
    }
}

/// `LRANGE key start stop`
fn lrange(ctx: &mut Ctx, argv: Argv) {
    let Some((start, end)) = two_ints(ctx.out, argv.get(2), argv.get(3)) else {
        return;
    };
    let list = match ctx.store.read_typed::<List>(ctx.db, argv.get(1)) {
        Err(_) => return ctx.out.error(errors::WRONGTYPE),
        Ok(None) => return ctx.out.array(0),
        Ok(Some(l)) => l,
    };
    match clamp_range(start, end, list.len()) {
        None => ctx.out.array(0),
        Some((start, n)) => {
            ctx.out.array(n);
            for e in list.iter_from(start).take(n) {
                reply_elem(ctx.out, e.elem());
            }
        }
    }
}

/// `LINDEX key index`
fn lindex(ctx: &mut Ctx, argv: Argv) {
    let list = match ctx.store.read_typed::<List>(ctx.db, argv.get(1)) {
        Err(_) => return ctx.out.error(errors::WRONGTYPE),
        Ok(None) => return ctx.out.null(),
        Ok(Some(l)) => l,
    };
    let Some(index) = args::int(ctx.out, argv.get(2)) else {
        return;
    };
    match list.get(index) {
        Some(e) => reply_elem(ctx.out, e.elem()),
        None => ctx.out.null(),
    }
}

/// `LSET key index element`
fn lset(ctx: &mut Ctx, argv: Argv) {
    let fill = fill(ctx);
    let list = match ctx.store.write_typed::<List>(ctx.db, argv.get(1)) {
        Err(_) => return ctx.out.error(errors::WRONGTYPE),
        Ok(None) => return ctx.out.error(errors::NO_SUCH_KEY),
        Ok(Some(l)) => l,
    };
    let Some(index) = args::int(ctx.out, argv.get(2)) else {
        return;
    };
    if list.set(index, argv.get(3), fill) {
        ctx.out.ok();
        ctx.server.dirty += 1;
        ctx.notify(event_class::LIST, "lset", argv.get(1));
    } else {
        ctx.out.error(OUT_OF_RANGE);
    }
}

/// `LINSERT key <BEFORE | AFTER> pivot element`
fn linsert(ctx: &mut Ctx, argv: Argv) {
    let fill = fill(ctx);
    let after = match argv.get(2) {
        w if args::is(w, "AFTER") => true,
        w if args::is(w, "BEFORE") => false,
        _ => return ctx.out.error(errors::SYNTAX),
    };
    let list = match ctx.store.write_typed::<List>(ctx.db, argv.get(1)) {
        Err(_) => return ctx.out.error(errors::WRONGTYPE),
        Ok(None) => return ctx.out.int(0),
        Ok(Some(l)) => l,
    };
    if list.insert(argv.get(3), argv.get(4), after, fill) {
        ctx.out.int(list.len() as i64);
        ctx.server.dirty += 1;
        ctx.notify(event_class::LIST, "linsert", argv.get(1));
    } else {
        ctx.out.int(-1);
    }
}

/// `LREM key count element`
fn lrem(ctx: &mut Ctx, argv: Argv) {
    let fill = fill(ctx);
    let Some(count) = args::int(ctx.out, argv.get(2)) else {
        return;
    };
    let key = argv.get(1);
    let list = match ctx.store.write_typed::<List>(ctx.db, key) {
        Err(_) => return ctx.out.error(errors::WRONGTYPE),
        Ok(None) => return ctx.out.int(0),
        Ok(Some(l)) => l,
    };
    let removed = list.remove(argv.get(3), count, fill);
    ctx.server.dirty += removed as u64;
    if removed > 0 {
        ctx.notify(event_class::LIST, "lrem", key);
    }
    ctx.delete_if_empty(key);
    ctx.out.int(removed as i64);
}

/// `LTRIM key start stop`
fn ltrim(ctx: &mut Ctx, argv: Argv) {
    let fill = fill(ctx);
    let Some((start, end)) = two_ints(ctx.out, argv.get(2), argv.get(3)) else {
        return;
    };
    let key = argv.get(1);
    let list = match ctx.store.write_typed::<List>(ctx.db, key) {
        Err(_) => return ctx.out.error(errors::WRONGTYPE),
        Ok(None) => return ctx.out.ok(),
        Ok(Some(l)) => l,
    };
    let len = list.len();
    let (ltrim, rtrim) = match clamp_range(start, end, len) {
        None => (len, 0),
        Some((start, n)) => (start, len - start - n),
    };
    list.drop_end(End::Head, ltrim, fill);
    list.drop_end(End::Tail, rtrim, fill);
    ctx.server.dirty += (ltrim + rtrim) as u64;
    ctx.notify(event_class::LIST, "ltrim", key);
    ctx.delete_if_empty(key);
    ctx.out.ok();
}

/// `LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]`
fn lpos(ctx: &mut Ctx, argv: Argv) {
    let (mut rank, mut count, mut maxlen) = (1i64, None::<i64>, 0i64);
    let mut j = 3;
    while j < argv.len() {
        let opt = argv.get(j);
        let more = j + 1 < argv.len();
        if args::is(opt, "RANK") && more {
            j += 1;
            let Some(r) = args::int(ctx.out, argv.get(j)) else {
                return;
            };
            if r == 0 {
                return ctx.out.error(RANK_ZERO);
            }
            rank = r;
        } else if args::is(opt, "COUNT") && more {
            j += 1;
            match parse_i64(argv.get(j)) {
                Some(c) if c >= 0 => count = Some(c),
                _ => return ctx.out.error("ERR COUNT can't be negative"),
            }
        } else if args::is(opt, "MAXLEN") && more {
            j += 1;
            match parse_i64(argv.get(j)) {
                Some(m) if m >= 0 => maxlen = m,
                _ => return ctx.out.error("ERR MAXLEN can't be negative"),
            }
        } else {
            return ctx.out.error(errors::SYNTAX);
        }
        j += 1;
    }
    // A negative rank searches from the tail. Like Redis (C long), i64::MIN
    // stays negative once negated: every match then qualifies.
    let from_tail = rank < 0;
    if from_tail {
        rank = rank.wrapping_neg();
    }
    let list = match ctx.store.read_typed::<List>(ctx.db, argv.get(1)) {
        Err(_) => return ctx.out.error(errors::WRONGTYPE),
        Ok(None) if count.is_some() => return ctx.out.array(0),
        Ok(None) => return ctx.out.null(),
        Ok(Some(l)) => l,
    };
    let target = Elem::new(argv.get(2));
    let llen = list.len() as i64;
    let iter = if from_tail {
        list.iter_rev()
    } else {
        list.iter()
    };
    let mut matches = 0i64;
    let mut found = Vec::new();
    for (index, e) in (0i64..).zip(iter) {
        if maxlen != 0 && index >= maxlen {
            break;
        }
        if e != target {
            continue;
        }
        matches += 1;
        if matches < rank {
            continue;
        }
        found.push(if from_tail { llen - index - 1 } else { index });
        match count {
            None => break,
            Some(c) if c != 0 && matches.wrapping_sub(rank).wrapping_add(1) >= c => break,
            Some(_) => {}
        }
    }
    match count {
        Some(_) => {
            ctx.out.array(found.len());
            for i in found {
                ctx.out.int(i);
            }
        }
        None => match found.first() {
            Some(&i) => ctx.out.int(i),
            None => ctx.out.null(),
        },
    }
}

/// Redis's `lmoveGenericCommand` for LMOVE and RPOPLPUSH.
fn lmove_generic(ctx: &mut Ctx, argv: Argv, from: End, to: End) {
    match move_and_reply(ctx, argv.get(1), argv.get(2), from, to) {
        Served::Done(_) => {}
        Served::Missing => ctx.out.null(),
        Served::WrongType => ctx.out.error(errors::WRONGTYPE),
    }
}

/// `LMOVE source destination <LEFT | RIGHT> <LEFT | RIGHT>`
fn lmove(ctx: &mut Ctx, argv: Argv) {
    let (Some(from), Some(to)) = (parse_end(argv.get(3)), parse_end(argv.get(4))) else {
        return ctx.out.error(errors::SYNTAX);
    };
    lmove_generic(ctx, argv, from, to);
}

/// `RPOPLPUSH source destination`
fn rpoplpush(ctx: &mut Ctx, argv: Argv) {
    lmove_generic(ctx, argv, End::Tail, End::Head);
}

/// `LMPOP numkeys key [key ...] <LEFT | RIGHT> [COUNT count]`
fn lmpop(ctx: &mut Ctx, argv: Argv) {
    let Some(a) = parse_mpop(ctx.out, argv, 1) else {
        return;
    };
    match mpop_and_reply(ctx, argv, &a) {
        Served::Done(_) => {}
        Served::Missing => ctx.out.null_array(),
        Served::WrongType => ctx.out.error(errors::WRONGTYPE),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_normalise_like_redis() {
        assert_eq!(clamp_range(0, -1, 5), Some((0, 5)));
        assert_eq!(clamp_range(-100, 100, 5), Some((0, 5)));
        assert_eq!(clamp_range(2, 1, 5), None);
        assert_eq!(clamp_range(5, 10, 5), None);
        assert_eq!(clamp_range(-2, -1, 5), Some((3, 2)));
        assert_eq!(clamp_range(0, -6, 5), None);
        assert_eq!(clamp_range(i64::MIN, i64::MAX, 5), Some((0, 5)));
        assert_eq!(clamp_range(i64::MAX, i64::MIN, 5), None);
        assert_eq!(clamp_range(0, 0, 0), None);
    }

    #[test]
    fn ends_parse_in_any_case() {
        assert_eq!(parse_end(b"left"), Some(End::Head));
        assert_eq!(parse_end(b"RIGHT"), Some(End::Tail));
        assert_eq!(parse_end(b"up"), None);
    }

    #[test]
    fn mpop_arguments() {
        let parse = |words: &[&str]| {
            let mut buf = Vec::new();
            let mut ranges = Vec::new();
            for w in words {
                ranges.push(buf.len()..buf.len() + w.len());
                buf.extend_from_slice(w.as_bytes());
            }
            let mut out = Reply::new(false);
            let got = parse_mpop(&mut out, Argv::new(&buf, &ranges), 1);
            (got, String::from_utf8(out.buf).unwrap())
        };
        let (a, _) = parse(&["lmpop", "2", "a", "b", "right", "count", "3"]);
        assert_eq!(
            a,
            Some(MpopArgs {
                first_key: 2,
                numkeys: 2,
                end: End::Tail,
                count: 3
            })
        );
        let (_, e) = parse(&["lmpop", "0", "a", "left"]);
        assert_eq!(e, "-ERR numkeys should be greater than 0\r\n");
        let (_, e) = parse(&["lmpop", "9223372036854775807", "a", "left"]);
        assert_eq!(e, "-ERR syntax error\r\n");
        let (_, e) = parse(&["lmpop", "1", "a", "left", "count", "1", "count", "2"]);
        assert_eq!(e, "-ERR syntax error\r\n");
        let (_, e) = parse(&["lmpop", "1", "a", "left", "count", "-1"]);
        assert_eq!(e, "-ERR count should be greater than 0\r\n");
    }
}
