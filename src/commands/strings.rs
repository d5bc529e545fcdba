//! String commands: GET, SET and friends, with Redis 7.0's options, replies
//! and error texts.
//!
//! Reads go through `Store::read` (hit/miss stats, LRU touch) like Redis's
//! `lookupKeyRead`; writes look keys up with `Store::write` like
//! `lookupKeyWrite`. A write that replaces a value without KEEPTTL inserts a
//! new entry (clearing the TTL); in-place updates (APPEND, INCR, SETRANGE)
//! keep it, as in Redis.

use super::table::{flags::*, CommandSpec};
use super::{args, errors, Ctx};
use crate::command;
use crate::config::event_class;
use crate::numbers::{format_i64, long_double};
use crate::resp::{Argv, Reply};
use crate::store::{Entry, Store};

/// Every string command.
pub static COMMANDS: &[CommandSpec] = &[
    command!(
        "get",
        2,
        READONLY | FAST,
        (1, 1, 1),
        "string",
        "Returns the string value of a key.",
        "1.0.0",
        get
    ),
    command!(
        "set",
        -3,
        WRITE | DENYOOM,
        (1, 1, 1),
        "string",
        "Sets the string value of a key, ignoring its type. The key is created if it doesn't exist.",
        "1.0.0",
        set
    ),
    command!(
        "setnx",
        3,
        WRITE | DENYOOM | FAST,
        (1, 1, 1),
        "string",
        "Set the string value of a key only when the key doesn't exist.",
        "1.0.0",
        setnx
    ),
    command!(
        "setex",
        4,
        WRITE | DENYOOM,
        (1, 1, 1),
        "string",
        "Sets the string value and expiration time of a key. Creates the key if it doesn't exist.",
        "2.0.0",
        setex
    ),
    command!(
        "psetex",
        4,
        WRITE | DENYOOM,
        (1, 1, 1),
        "string",
        "Sets both string value and expiration time in milliseconds of a key. The key is created if it doesn't exist.",
        "2.6.0",
        psetex
    ),
    command!(
        "getset",
        3,
        WRITE | DENYOOM | FAST,
        (1, 1, 1),
        "string",
        "Returns the previous string value of a key after setting it to a new value.",
        "1.0.0",
        getset
    ),
    command!(
        "getdel",
        2,
        WRITE | FAST,
        (1, 1, 1),
        "string",
        "Returns the string value of a key after deleting the key.",
        "6.2.0",
        getdel
    ),
    command!(
        "getex",
        -2,
        WRITE | FAST,
        (1, 1, 1),
        "string",
        "Returns the string value of a key after setting its expiration time.",
        "6.2.0",
        getex
    ),
    command!(
        "mget",
        -2,
        READONLY | FAST,
        (1, -1, 1),
        "string",
        "Atomically returns the string values of one or more keys.",
        "1.0.0",
        mget
    ),
    command!(
        "mset",
        -3,
        WRITE | DENYOOM,
        (1, -1, 2),
        "string",
        "Atomically creates or modifies the string values of one or more keys.",
        "1.0.1",
        mset
    ),
    command!(
        "msetnx",
        -3,
        WRITE | DENYOOM,
        (1, -1, 2),
        "string",
        "Atomically modifies the string values of one or more keys only when all keys don't exist.",
        "1.0.1",
        msetnx
    ),
    command!(
        "append",
        3,
        WRITE | DENYOOM | FAST,
        (1, 1, 1),
        "string",
        "Appends a string to the value of a key. Creates the key if it doesn't exist.",
        "2.0.0",
        append
    ),
    command!(
        "strlen",
        2,
        READONLY | FAST,
        (1, 1, 1),
        "string",
        "Returns the length of a string value.",
        "2.2.0",
        strlen
    ),
    command!(
        "incr",
        2,
        WRITE | DENYOOM | FAST,
        (1, 1, 1),
        "string",
        "Increments the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.",
        "1.0.0",
        incr
    ),
    command!(
        "decr",
        2,
        WRITE | DENYOOM | FAST,
        (1, 1, 1),
        "string",
        "Decrements the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.",
        "1.0.0",
        decr
    ),
    command!(
        "incrby",
        3,
        WRITE | DENYOOM | FAST,
        (1, 1, 1),
        "string",
        "Increments the integer value of a key by a number. Uses 0 as initial value if the key doesn't exist.",
        "1.0.0",
        incrby
    ),
    command!(
        "decrby",
        3,
        WRITE | DENYOOM | FAST,
        (1, 1, 1),
        "string",
        "Decrements a number from the integer value of a key. Uses 0 as initial value if the key doesn't exist.",
        "1.0.0",
        decrby
    ),
    command!(
        "incrbyfloat",
        3,
        WRITE | DENYOOM | FAST,
        (1, 1, 1),
        "string",
        "Increment the floating point value of a key by a number. Uses 0 as initial value if the key doesn't exist.",
        "2.6.0",
        incrbyfloat
    ),
    command!(
        "getrange",
        4,
        READONLY,
        (1, 1, 1),
        "string",
        "Returns a substring of the string stored at a key.",
        "2.4.0",
        getrange
    ),
    command!(
        "setrange",
        4,
        WRITE | DENYOOM,
        (1, 1, 1),
        "string",
        "Overwrites a part of a string value with another by an offset. Creates the key if it doesn't exist.",
        "2.2.0",
        setrange
    ),
    command!(
        "substr",
        4,
        READONLY,
        (1, 1, 1),
        "string",
        "Returns a substring from a string value.",
        "1.0.0",
        getrange
    ),
    command!(
        "lcs",
        -3,
        READONLY,
        (1, 2, 1),
        "string",
        "Finds the longest common substring.",
        "7.0.0",
        lcs
    ),
];

// ---------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------

/// The string at `key` for a read (stats, LRU touch): `Ok(None)` when the key
/// is missing; replies WRONGTYPE and returns `Err` for another type.
pub(super) fn read_string<'s>(
    store: &'s mut Store,
    out: &mut Reply,
    db: usize,
    key: &[u8],
) -> Result<Option<&'s [u8]>, ()> {
    match store.read(db, key) {
        None => Ok(None),
        Some(e) => match e.as_string() {
            Some(v) => Ok(Some(v)),
            None => {
                out.error(errors::WRONGTYPE);
                Err(())
            }
        },
    }
}

/// The entry at `key` for a write (no stats): `Ok(None)` when missing;
/// replies WRONGTYPE and returns `Err` when it does not hold a string.
fn write_string<'s>(
    store: &'s mut Store,
    out: &mut Reply,
    db: usize,
    key: &[u8],
) -> Result<Option<&'s mut Entry>, ()> {
    match store.write(db, key) {
        None => Ok(None),
        Some(e) if e.as_string().is_some() => Ok(Some(e)),
        Some(_) => {
            out.error(errors::WRONGTYPE);
            Err(())
        }
    }
}

/// The string at `key` for a write command that may end up not writing: lazy
/// expiry but no stats and no segment copy. Replies WRONGTYPE as above.
fn peek_string<'s>(
    store: &'s mut Store,
    out: &mut Reply,
    db: usize,
    key: &[u8],
) -> Result<Option<&'s [u8]>, ()> {
    if !store.exists(db, key) {
        return Ok(None);
    }
    match store.dbs[db].peek(key).map(Entry::as_string) {
        None => Ok(None),
        Some(Some(v)) => Ok(Some(v)),
        Some(None) => {
            out.error(errors::WRONGTYPE);
            Err(())
        }
    }
}

/// Redis's `getGenericCommand`: replies the value (or null); `Err` after
/// replying WRONGTYPE.
fn reply_value(ctx: &mut Ctx, key: &[u8]) -> Result<(), ()> {
    match read_string(ctx.store, ctx.out, ctx.db, key)? {
        Some(v) => ctx.out.bulk(v),
        None => ctx.out.null(),
    }
    Ok(())
}

/// Redis's `setKey`: stores `value` at `key`, replacing any old value (an
/// old value already expired is expired first, as Redis's write lookup
/// does). The TTL becomes `expire_at` (None: persistent); as in Redis 7.0,
/// an expire time already past is stored too, and expires (with its
/// `expired` event) at the next access or expiry cycle.
fn set_key(ctx: &mut Ctx, key: &[u8], value: &[u8], expire_at: Option<u64>) {
    let now = ctx.store.now_ms;
    let db = &mut ctx.store.dbs[ctx.db];
    if db.peek(key).is_some_and(|e| e.is_expired(now)) {
        db.get(key, now, None);
    }
    let clock = ctx.store.access.initial();
    db.set_string(key, value, expire_at, clock);
}

/// Redis's `checkStringLength`: true when a string of `len + extra` bytes
/// would exceed proto-max-bulk-len `limit` (or overflow).
fn too_long(limit: u64, len: u64, extra: u64) -> bool {
    len.checked_add(extra).is_none_or(|total| total > limit)
}

/// How an expire argument is to be read.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ExpireKind {
    /// EX: relative seconds.
    Ex,
    /// PX: relative milliseconds.
    Px,
    /// EXAT: absolute unix seconds.
    ExAt,
    /// PXAT: absolute unix milliseconds.
    PxAt,
}

/// Options of SET and GETEX as Redis's `parseExtendedStringArgumentsOrReply`
/// accepts them.
#[derive(Default)]
struct SetOptions<'a> {
    nx: bool,
    xx: bool,
    get: bool,
    keepttl: bool,
    persist: bool,
    expire: Option<(ExpireKind, &'a [u8])>,
}

/// Parses SET's options (`for_set`) or GETEX's from `argv[start..]`. An
/// option conflicting with an earlier one is a syntax error; repeating the
/// same one is allowed (the last expire wins), as in Redis.
fn parse_set_options<'a>(
    out: &mut Reply,
    argv: Argv<'a>,
    start: usize,
    for_set: bool,
) -> Option<SetOptions<'a>> {
    let mut o = SetOptions::default();
    let mut j = start;
    while j < argv.len() {
        let opt = argv.get(j);
        let next = (j + 1 < argv.len()).then(|| argv.get(j + 1));
        let kind = [
            ("EX", ExpireKind::Ex),
            ("PX", ExpireKind::Px),
            ("EXAT", ExpireKind::ExAt),
            ("PXAT", ExpireKind::PxAt),
        ]
        .into_iter()
        .find(|(name, _)| args::is(opt, name))
        .map(|(_, kind)| kind);
        if args::is(opt, "NX") && for_set && !o.xx {
            o.nx = true;
        } else if args::is(opt, "XX") && for_set && !o.nx {
            o.xx = true;
        } else if args::is(opt, "GET") && for_set {
            o.get = true;
        } else if args::is(opt, "KEEPTTL") && for_set && !o.persist && o.expire.is_none() {
            o.keepttl = true;
        } else if args::is(opt, "PERSIST") && !for_set && !o.keepttl && o.expire.is_none() {
            o.persist = true;
        } else if let (Some(kind), Some(value)) = (kind, next) {
            let compatible = match o.expire {
                None => true,
                Some((earlier, _)) => earlier == kind,
            };
            if o.keepttl || o.persist || !compatible {
                out.error(errors::SYNTAX);
                return None;
            }
            o.expire = Some((kind, value));
            j += 1;
        } else {
            out.error(errors::SYNTAX);
            return None;
        }
        j += 1;
    }
    Some(o)
}

/// Redis's `getExpireMillisecondsOrReply`: the absolute unix-ms expire time an
/// expire argument means, or the error replied (`command` names it).
fn expire_at_ms(ctx: &mut Ctx, kind: ExpireKind, arg: &[u8], command: &str) -> Option<u64> {
    let value = args::int(ctx.out, arg)?;
    let seconds = matches!(kind, ExpireKind::Ex | ExpireKind::ExAt);
    let relative = matches!(kind, ExpireKind::Ex | ExpireKind::Px);
    let ms = if value <= 0 {
        None
    } else if seconds {
        value.checked_mul(1000)
    } else {
        Some(value)
    };
    let ms = match ms {
        Some(ms) if relative => ms.checked_add(ctx.store.now_ms as i64),
        other => other,
    };
    match ms {
        Some(ms) if ms > 0 => Some(ms as u64),
        _ => {
            ctx.out.error(&errors::invalid_expire(command));
            None
        }
    }
}

/// The expire time the options ask for: `Ok(None)` without one, `Err` after
/// replying the error.
fn requested_expire(ctx: &mut Ctx, opts: &SetOptions, command: &str) -> Result<Option<u64>, ()> {
    match opts.expire {
        None => Ok(None),
        Some((kind, arg)) => expire_at_ms(ctx, kind, arg, command).map(Some).ok_or(()),
    }
}

/// How a SET-like command replies: SET `+OK` or null when NX/XX stops it;
/// SETNX `:1` or `:0`.
enum SetReply {
    OkOrNull,
    OneOrZero,
}

/// Redis's `setGenericCommand`, shared by SET, SETNX, SETEX and PSETEX.
/// Replies OK (or `:1` for SETNX), the old value with GET.
fn set_generic(
    ctx: &mut Ctx,
    key: &[u8],
    value: &[u8],
    opts: &SetOptions,
    command: &str,
    reply: SetReply,
) {
    let Ok(expire_at) = requested_expire(ctx, opts, command) else {
        return;
    };
    if opts.get && reply_value(ctx, key).is_err() {
        return;
    }
    // Existence without `Store::write` (no segment copy while a snapshot
    // runs), and only when NX/XX asks: a plain SET looks the key up once.
    let blocked = (opts.nx || opts.xx) && {
        let found = ctx.store.exists(ctx.db, key);
        (opts.nx && found) || (opts.xx && !found)
    };
    if blocked {
        if !opts.get {
            match reply {
                SetReply::OkOrNull => ctx.out.null(),
                SetReply::OneOrZero => ctx.out.int(0),
            }
        }
        return;
    }
    let expire_at = if opts.keepttl {
        ctx.store.dbs[ctx.db].peek(key).and_then(Entry::expire_at)
    } else {
        expire_at
    };
    set_key(ctx, key, value, expire_at);
    ctx.server.dirty += 1;
    if let (Some(at), false) = (expire_at, opts.keepttl) {
        // A relative TTL replays as the same absolute time.
        ctx.propagate(&[b"SET", key, value, b"PXAT", at.to_string().as_bytes()]);
    }
    ctx.notify(event_class::STRING, "set", key);
    if expire_at.is_some() && !opts.keepttl {
        ctx.notify(event_class::GENERIC, "expire", key);
    }
    if !opts.get {
        match reply {
            SetReply::OkOrNull => ctx.out.ok(),
            SetReply::OneOrZero => ctx.out.int(1),
        }
    }
}

// ---------------------------------------------------------------------------
// Handlers
// ---------------------------------------------------------------------------

/// `GET key`
fn get(ctx: &mut Ctx, argv: Argv) {
    let _ = reply_value(ctx, argv.get(1));
}

/// `SET key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL]`
fn set(ctx: &mut Ctx, argv: Argv) {
    let Some(opts) = parse_set_options(ctx.out, argv, 3, true) else {
        return;
    };
    let dirty = ctx.server.dirty;
    set_generic(
        ctx,
        argv.get(1),
        argv.get(2),
        &opts,
        "set",
        SetReply::OkOrNull,
    );
    if opts.get && opts.expire.is_none() && ctx.server.dirty != dirty {
        // As Redis: the stream carries the command without its GET.
        let args: Vec<&[u8]> = argv
            .iter_from(0)
            .enumerate()
            .filter(|&(i, a)| i < 3 || !args::is(a, "get"))
            .map(|(_, a)| a)
            .collect();
        ctx.propagate(&args);
    }
}

/// `SETNX key value`
fn setnx(ctx: &mut Ctx, argv: Argv) {
    let opts = SetOptions {
        nx: true,
        ..SetOptions::default()
    };
    set_generic(
        ctx,
        argv.get(1),
        argv.get(2),
        &opts,
        "setnx",
        SetReply::OneOrZero,
    );
}

/// `SETEX key seconds value`
fn setex(ctx: &mut Ctx, argv: Argv) {
    set_with_ttl_argument(ctx, argv, ExpireKind::Ex, "setex");
}

/// `PSETEX key milliseconds value`
fn psetex(ctx: &mut Ctx, argv: Argv) {
    set_with_ttl_argument(ctx, argv, ExpireKind::Px, "psetex");
}

/// SETEX and PSETEX: `key ttl value`, the TTL in the unit `kind` says.
fn set_with_ttl_argument(ctx: &mut Ctx, argv: Argv, kind: ExpireKind, command: &str) {
    let opts = SetOptions {
        expire: Some((kind, argv.get(2))),
        ..SetOptions::default()
    };
    set_generic(
        ctx,
        argv.get(1),
        argv.get(3),
        &opts,
        command,
        SetReply::OkOrNull,
    );
}

/// `GETSET key value`
fn getset(ctx: &mut Ctx, argv: Argv) {
    if reply_value(ctx, argv.get(1)).is_err() {
        return;
    }
    set_key(ctx, argv.get(1), argv.get(2), None);
    ctx.server.dirty += 1;
    ctx.notify(event_class::STRING, "set", argv.get(1));
}

/// `GETDEL key`
fn getdel(ctx: &mut Ctx, argv: Argv) {
    let key = argv.get(1);
    if reply_value(ctx, key).is_err() {
        return;
    }
    if ctx.store.dbs[ctx.db].remove(key).is_some() {
        ctx.server.dirty += 1;
        ctx.notify(event_class::GENERIC, "del", key);
    }
}

/// `GETEX key [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | PERSIST]`
fn getex(ctx: &mut Ctx, argv: Argv) {
    let Some(opts) = parse_set_options(ctx.out, argv, 2, false) else {
        return;
    };
    let key = argv.get(1);
    let value = match read_string(ctx.store, ctx.out, ctx.db, key) {
        Err(()) => return,
        Ok(None) => return ctx.out.null(),
        Ok(Some(v)) => v.to_vec(),
    };
    // The expire time is validated only once the key is known to exist.
    let Ok(expire_at) = requested_expire(ctx, &opts, "getex") else {
        return;
    };
    ctx.out.bulk(&value);
    let db = &mut ctx.store.dbs[ctx.db];
    let event = match expire_at {
        Some(at) if at <= ctx.store.now_ms => {
            db.remove(key);
            ctx.propagate(&[b"DEL", key]);
            "del"
        }
        Some(at) => {
            db.set_expire(key, Some(at));
            ctx.propagate(&[b"PEXPIREAT", key, at.to_string().as_bytes()]);
            "expire"
        }
        None if opts.persist && db.peek(key).is_some_and(|e| e.expire_at().is_some()) => {
            db.set_expire(key, None);
            ctx.propagate(&[b"PERSIST", key]);
            "persist"
        }
        None => return,
    };
    ctx.server.dirty += 1;
    ctx.notify(event_class::GENERIC, event, key);
}

/// `MGET key [key ...]`
fn mget(ctx: &mut Ctx, argv: Argv) {
    ctx.out.array(argv.len() - 1);
    for key in argv.iter_from(1) {
        match ctx.store.read(ctx.db, key).and_then(Entry::as_string) {
            Some(v) => ctx.out.bulk(v),
            None => ctx.out.null(),
        }
    }
}

/// `MSET key value [key value ...]`
fn mset(ctx: &mut Ctx, argv: Argv) {
    mset_generic(ctx, argv, false);
}

/// `MSETNX key value [key value ...]`
fn msetnx(ctx: &mut Ctx, argv: Argv) {
    mset_generic(ctx, argv, true);
}

/// MSET and MSETNX: with `nx`, nothing is set (`:0`) if any key exists.
fn mset_generic(ctx: &mut Ctx, argv: Argv, nx: bool) {
    if argv.len().is_multiple_of(2) {
        let name = if nx { "msetnx" } else { "mset" };
        ctx.out.error(&errors::arity(name));
        return;
    }
    if nx
        && (1..argv.len())
            .step_by(2)
            .any(|i| ctx.store.exists(ctx.db, argv.get(i)))
    {
        ctx.out.int(0);
        return;
    }
    for i in (1..argv.len()).step_by(2) {
        set_key(ctx, argv.get(i), argv.get(i + 1), None);
        ctx.notify(event_class::STRING, "set", argv.get(i));
    }
    ctx.server.dirty += (argv.len() as u64 - 1) / 2;
    if nx {
        ctx.out.int(1);
    } else {
        ctx.out.ok();
    }
}

/// `APPEND key value`
fn append(ctx: &mut Ctx, argv: Argv) {
    let (key, tail) = (argv.get(1), argv.get(2));
    let limit = ctx.server.config.proto_max_bulk_len;
    let total = match write_string(ctx.store, ctx.out, ctx.db, key) {
        Err(()) => return,
        Ok(None) => {
            set_key(ctx, key, tail, None);
            tail.len()
        }
        Ok(Some(e)) => {
            let old = e.as_string().unwrap_or_default();
            if too_long(limit, old.len() as u64, tail.len() as u64) {
                return ctx.out.error(errors::STRING_TOO_LONG);
            }
            let value = [old, tail].concat();
            e.set_string(&value);
            value.len()
        }
    };
    ctx.server.dirty += 1;
    ctx.notify(event_class::STRING, "append", key);
    ctx.out.int(total as i64);
}

/// `STRLEN key`
fn strlen(ctx: &mut Ctx, argv: Argv) {
    if let Ok(v) = read_string(ctx.store, ctx.out, ctx.db, argv.get(1)) {
        ctx.out.int(v.map_or(0, <[u8]>::len) as i64);
    }
}

/// `INCR key`
fn incr(ctx: &mut Ctx, argv: Argv) {
    incr_by(ctx, argv.get(1), 1);
}

/// `DECR key`
fn decr(ctx: &mut Ctx, argv: Argv) {
    incr_by(ctx, argv.get(1), -1);
}

/// `INCRBY key increment`
fn incrby(ctx: &mut Ctx, argv: Argv) {
    if let Some(n) = args::int(ctx.out, argv.get(2)) {
        incr_by(ctx, argv.get(1), n);
    }
}

/// `DECRBY key decrement`
fn decrby(ctx: &mut Ctx, argv: Argv) {
    let Some(n) = args::int(ctx.out, argv.get(2)) else {
        return;
    };
    match n.checked_neg() {
        Some(n) => incr_by(ctx, argv.get(1), n),
        None => ctx.out.error("ERR decrement would overflow"),
    }
}

/// Redis's `incrDecrCommand`: adds `delta` to the integer at `key` (0 when
/// missing), keeping its TTL, and replies the new value.
fn incr_by(ctx: &mut Ctx, key: &[u8], delta: i64) {
    let entry = match write_string(ctx.store, ctx.out, ctx.db, key) {
        Ok(e) => e,
        Err(()) => return,
    };
    let old = match entry.as_deref().and_then(Entry::as_string) {
        None => 0,
        Some(v) => match crate::numbers::parse_i64(v) {
            Some(n) => n,
            None => return ctx.out.error(errors::NOT_INTEGER),
        },
    };
    let Some(new) = old.checked_add(delta) else {
        return ctx.out.error(errors::OVERFLOW);
    };
    let mut tmp = [0u8; 20];
    let digits = format_i64(new, &mut tmp);
    match entry {
        Some(e) => e.set_string(digits),
        None => set_key(ctx, key, digits, None),
    }
    ctx.server.dirty += 1;
    ctx.notify(event_class::STRING, "incrby", key);
    ctx.out.int(new);
}

/// `INCRBYFLOAT key increment`
///
/// Redis adds in C `long double` (x87 80-bit on x86-64) and stores the result
/// printed with `%.17Lf`, trailing zeros trimmed; [`long_double`] emulates
/// both so that results match byte for byte.
fn incrbyfloat(ctx: &mut Ctx, argv: Argv) {
    let key = argv.get(1);
    let entry = match write_string(ctx.store, ctx.out, ctx.db, key) {
        Ok(e) => e,
        Err(()) => return,
    };
    let current = match entry.as_deref().and_then(Entry::as_string) {
        None => Some(long_double::Ld::ZERO),
        Some(v) => long_double::parse(v),
    };
    let (Some(current), Some(incr)) = (current, long_double::parse(argv.get(2))) else {
        return ctx.out.error(errors::NOT_FLOAT);
    };
    let Some(sum) = long_double::add(current, incr) else {
        return ctx.out.error("ERR increment would produce NaN or Infinity");
    };
    let text = long_double::format_human(sum);
    match entry {
        Some(e) => e.set_string(text.as_bytes()),
        None => set_key(ctx, key, text.as_bytes(), None),
    }
    ctx.server.dirty += 1;
    // The float addition replays exactly as the value it produced.
    ctx.propagate(&[b"SET", key, text.as_bytes(), b"KEEPTTL"]);
    ctx.notify(event_class::STRING, "incrbyfloat", key);
    ctx.out.bulk(text.as_bytes());
}

/// `GETRANGE key start end` (and `SUBSTR key start end`)
fn getrange(ctx: &mut Ctx, argv: Argv) {
    let Some(start) = args::int(ctx.out, argv.get(2)) else {
        return;
    };
    let Some(end) = args::int(ctx.out, argv.get(3)) else {
        return;
    };
    let Ok(value) = read_string(ctx.store, ctx.out, ctx.db, argv.get(1)) else {
        return;
    };
    let value = value.unwrap_or_default();
    match clamp_range(start, end, value.len()) {
        Some((from, to)) => ctx.out.bulk(&value[from..=to]),
        None => ctx.out.bulk(b""),
    }
}

/// GETRANGE's index rules: negative indexes count from the end, both are
/// clamped into the string; None when the range is empty.
fn clamp_range(start: i64, end: i64, len: usize) -> Option<(usize, usize)> {
    if start < 0 && end < 0 && start > end {
        return None;
    }
    let len = len as i64;
    let resolve = |i: i64| {
        if i < 0 {
            len.saturating_add(i).max(0)
        } else {
            i
        }
    };
    let (start, end) = (resolve(start), resolve(end).min(len - 1));
    (len > 0 && start <= end).then_some((start as usize, end as usize))
}

/// `SETRANGE key offset value`
fn setrange(ctx: &mut Ctx, argv: Argv) {
    let (key, patch) = (argv.get(1), argv.get(3));
    let Some(offset) = args::int(ctx.out, argv.get(2)) else {
        return;
    };
    if offset < 0 {
        return ctx.out.error("ERR offset is out of range");
    }
    let old = match peek_string(ctx.store, ctx.out, ctx.db, key) {
        Err(()) => return,
        Ok(v) => v.map(<[u8]>::to_vec),
    };
    if patch.is_empty() {
        // Setting nothing: reply the current length, create nothing.
        return ctx.out.int(old.map_or(0, |v| v.len()) as i64);
    }
    if too_long(
        ctx.server.config.proto_max_bulk_len,
        offset as u64,
        patch.len() as u64,
    ) {
        return ctx.out.error(errors::STRING_TOO_LONG);
    }
    let offset = offset as usize;
    let mut value = old.unwrap_or_default();
    if value.len() < offset + patch.len() {
        value.resize(offset + patch.len(), 0);
    }
    value[offset..offset + patch.len()].copy_from_slice(patch);
    match ctx.store.write(ctx.db, key) {
        Some(e) => e.set_string(&value),
        None => set_key(ctx, key, &value, None),
    }
    ctx.server.dirty += 1;
    ctx.notify(event_class::STRING, "setrange", key);
    ctx.out.int(value.len() as i64);
}

/// `LCS key1 key2 [LEN] [IDX] [MINMATCHLEN min-match-len] [WITHMATCHLEN]`
fn lcs(ctx: &mut Ctx, argv: Argv) {
    let a = ctx
        .store
        .read(ctx.db, argv.get(1))
        .map(|e| e.as_string().map(<[u8]>::to_vec));
    let b = ctx
        .store
        .read(ctx.db, argv.get(2))
        .map(|e| e.as_string().map(<[u8]>::to_vec));
    let (Some(a), Some(b)) = (a.unwrap_or(Some(Vec::new())), b.unwrap_or(Some(Vec::new()))) else {
        return ctx
            .out
            .error("ERR The specified keys must contain string values");
    };
    let (mut get_len, mut get_idx, mut with_match_len, mut min_match_len) =
        (false, false, false, 0);
    let mut j = 3;
    while j < argv.len() {
        let opt = argv.get(j);
        if args::is(opt, "IDX") {
            get_idx = true;
        } else if args::is(opt, "LEN") {
            get_len = true;
        } else if args::is(opt, "WITHMATCHLEN") {
            with_match_len = true;
        } else if args::is(opt, "MINMATCHLEN") && j + 1 < argv.len() {
            let Some(n) = args::int(ctx.out, argv.get(j + 1)) else {
                return;
            };
            min_match_len = n.max(0) as u64;
            j += 1;
        } else {
            return ctx.out.error(errors::SYNTAX);
        }
        j += 1;
    }
    if get_idx && get_len {
        return ctx
            .out
            .error("ERR If you want both the length and indexes, please just use IDX.");
    }
    let cells = (a.len() as u64 + 1).saturating_mul(b.len() as u64 + 1);
    if cells.saturating_mul(4) > ctx.server.config.proto_max_bulk_len {
        return ctx
            .out
            .error("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len");
    }
    let table = LcsTable::new(&a, &b);
    if get_len {
        return ctx.out.int(table.len() as i64);
    }
    let (common, ranges) = table.walk(&a, &b, min_match_len);
    if !get_idx {
        return ctx.out.bulk(&common);
    }
    let out = &mut *ctx.out;
    out.map(2);
    out.bulk(b"matches");
    out.array(ranges.len());
    for r in &ranges {
        out.array(2 + with_match_len as usize);
        out.array(2);
        out.int(r.a.0 as i64);
        out.int(r.a.1 as i64);
        out.array(2);
        out.int(r.b.0 as i64);
        out.int(r.b.1 as i64);
        if with_match_len {
            out.int((r.a.1 - r.a.0 + 1) as i64);
        }
    }
    out.bulk(b"len");
    out.int(table.len() as i64);
}

/// One matching range of LCS IDX: inclusive byte positions in each string.
struct LcsRange {
    a: (usize, usize),
    b: (usize, usize),
}

/// The dynamic-programming table of LCS: `cell(i, j)` is the LCS length of
/// `a[..i]` and `b[..j]`.
struct LcsTable {
    cols: usize,
    cells: Vec<u32>,
}

impl LcsTable {
    fn new(a: &[u8], b: &[u8]) -> LcsTable {
        let cols = b.len() + 1;
        let mut cells = vec![0u32; (a.len() + 1) * cols];
        for i in 1..=a.len() {
            for j in 1..=b.len() {
                cells[i * cols + j] = if a[i - 1] == b[j - 1] {
                    cells[(i - 1) * cols + j - 1] + 1
                } else {
                    cells[(i - 1) * cols + j].max(cells[i * cols + j - 1])
                };
            }
        }
        LcsTable { cols, cells }
    }

    fn cell(&self, i: usize, j: usize) -> u32 {
        self.cells[i * self.cols + j]
    }

    /// Length of the longest common subsequence.
    fn len(&self) -> u32 {
        self.cells[self.cells.len() - 1]
    }

    /// Walks back from the end as Redis does: the common subsequence, and the
    /// matching ranges (last first) at least `min_len` long.
    fn walk(&self, a: &[u8], b: &[u8], min_len: u64) -> (Vec<u8>, Vec<LcsRange>) {
        let mut common = Vec::with_capacity(self.len() as usize);
        let mut ranges = Vec::new();
        let mut current: Option<LcsRange> = None;
        let (mut i, mut j) = (a.len(), b.len());
        while i > 0 && j > 0 {
            let mut emit = false;
            if a[i - 1] == b[j - 1] {
                common.push(a[i - 1]);
                match &mut current {
                    None => {
                        current = Some(LcsRange {
                            a: (i - 1, i - 1),
                            b: (j - 1, j - 1),
                        })
                    }
                    Some(r) if r.a.0 == i && r.b.0 == j => {
                        r.a.0 -= 1;
                        r.b.0 -= 1;
                    }
                    Some(_) => emit = true,
                }
                if let Some(r) = &current {
                    emit |= r.a.0 == 0 || r.b.0 == 0;
                }
                i -= 1;
                j -= 1;
            } else {
                if self.cell(i - 1, j) > self.cell(i, j - 1) {
                    i -= 1;
                } else {
                    j -= 1;
                }
                emit = current.is_some();
            }
            if emit {
                if let Some(r) = current.take() {
                    if (r.a.1 - r.a.0 + 1) as u64 >= min_len {
                        ranges.push(r);
                    }
                }
            }
        }
        common.reverse();
        (common, ranges)
    }
}
