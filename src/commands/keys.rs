//! Generic key commands: DEL, EXISTS, RENAME, COPY, MOVE, SCAN, the EXPIRE and
//! TTL families, OBJECT, ...
//!
//! Lookups follow Redis's flavours: a "read" touches the LRU/LFU clock and
//! counts hits/misses (TOUCH, COPY's source), a "no-touch read" only counts
//! (EXISTS, TYPE, TTL, OBJECT), a "write lookup" does neither. All of them
//! expire a dead key lazily first.

use super::table::{flags::*, CommandSpec};
use super::{args, errors, Ctx};
use crate::command;
use crate::config::event_class;
use crate::numbers::{parse_cursor, parse_i64};
use crate::resp::Argv;
use crate::store::evict::{lfu_decayed, Policy};
use crate::store::glob::glob_match;
use crate::store::{Entry, Value};

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
        "unlink",
        -2,
        WRITE | FAST,
        (1, -1, 1),
        "generic",
        "Asynchronously deletes one or more keys.",
        "4.0.0",
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
    command!(
        "touch",
        -2,
        READONLY | FAST,
        (1, -1, 1),
        "generic",
        "Returns the number of existing keys out of those specified after updating the time they were last accessed.",
        "3.2.1",
        touch
    ),
    command!(
        "type",
        2,
        READONLY | FAST,
        (1, 1, 1),
        "generic",
        "Determines the type of value stored at a key.",
        "1.0.0",
        type_
    ),
    command!(
        "rename",
        3,
        WRITE,
        (1, 2, 1),
        "generic",
        "Renames a key and overwrites the destination.",
        "1.0.0",
        rename
    ),
    command!(
        "renamenx",
        3,
        WRITE | FAST,
        (1, 2, 1),
        "generic",
        "Renames a key only when the target key name doesn't exist.",
        "1.0.0",
        renamenx
    ),
    command!(
        "copy",
        -3,
        WRITE | DENYOOM,
        (1, 2, 1),
        "generic",
        "Copies the value of a key to a new key.",
        "6.2.0",
        copy
    ),
    command!(
        "move",
        3,
        WRITE | FAST,
        (1, 1, 1),
        "generic",
        "Moves a key to another database.",
        "1.0.0",
        move_
    ),
    command!(
        "randomkey",
        1,
        READONLY,
        (0, 0, 0),
        "generic",
        "Returns a random key name from the database.",
        "1.0.0",
        randomkey
    ),
    command!(
        "keys",
        2,
        READONLY,
        (0, 0, 0),
        "generic",
        "Returns all key names that match a pattern.",
        "1.0.0",
        keys
    ),
    command!(
        "scan",
        -2,
        READONLY,
        (0, 0, 0),
        "generic",
        "Iterates over the key names in the database.",
        "2.8.0",
        scan
    ),
    command!(
        "expire",
        -3,
        WRITE | FAST,
        (1, 1, 1),
        "generic",
        "Sets the expiration time of a key in seconds.",
        "1.0.0",
        expire
    ),
    command!(
        "pexpire",
        -3,
        WRITE | FAST,
        (1, 1, 1),
        "generic",
        "Sets the expiration time of a key in milliseconds.",
        "2.6.0",
        pexpire
    ),
    command!(
        "expireat",
        -3,
        WRITE | FAST,
        (1, 1, 1),
        "generic",
        "Sets the expiration time of a key to a Unix timestamp.",
        "1.2.0",
        expireat
    ),
    command!(
        "pexpireat",
        -3,
        WRITE | FAST,
        (1, 1, 1),
        "generic",
        "Sets the expiration time of a key to a Unix milliseconds timestamp.",
        "2.6.0",
        pexpireat
    ),
    command!(
        "ttl",
        2,
        READONLY | FAST,
        (1, 1, 1),
        "generic",
        "Returns the expiration time in seconds of a key.",
        "1.0.0",
        ttl
    ),
    command!(
        "pttl",
        2,
        READONLY | FAST,
        (1, 1, 1),
        "generic",
        "Returns the expiration time in milliseconds of a key.",
        "2.6.0",
        pttl
    ),
    command!(
        "expiretime",
        2,
        READONLY | FAST,
        (1, 1, 1),
        "generic",
        "Returns the expiration time of a key as a Unix timestamp.",
        "7.0.0",
        expiretime
    ),
    command!(
        "pexpiretime",
        2,
        READONLY | FAST,
        (1, 1, 1),
        "generic",
        "Returns the expiration time of a key as a Unix milliseconds timestamp.",
        "7.0.0",
        pexpiretime
    ),
    command!(
        "persist",
        2,
        WRITE | FAST,
        (1, 1, 1),
        "generic",
        "Removes the expiration time of a key.",
        "2.2.0",
        persist
    ),
    OBJECT,
];

/// The OBJECT container.
const OBJECT: CommandSpec = CommandSpec {
    name: "object",
    arity: -2,
    flags: 0,
    first_key: 0,
    last_key: 0,
    step: 0,
    group: "generic",
    summary: "A container for object introspection commands.",
    since: "2.2.3",
    handler: object_help,
    subcommands: OBJECT_SUBCOMMANDS,
};

static OBJECT_SUBCOMMANDS: &[CommandSpec] = &[
    command!(
        "encoding",
        3,
        READONLY,
        (2, 2, 1),
        "generic",
        "Returns the internal encoding of a Redis object.",
        "2.2.3",
        object_encoding
    ),
    command!(
        "freq",
        3,
        READONLY,
        (2, 2, 1),
        "generic",
        "Returns the logarithmic access frequency counter of a Redis object.",
        "4.0.0",
        object_freq
    ),
    command!(
        "help",
        2,
        LOADING | STALE,
        (0, 0, 0),
        "generic",
        "Returns helpful text about the different subcommands.",
        "6.2.0",
        object_help
    ),
    command!(
        "idletime",
        3,
        READONLY,
        (2, 2, 1),
        "generic",
        "Returns the time since the last access to a Redis object.",
        "2.2.3",
        object_idletime
    ),
    command!(
        "refcount",
        3,
        READONLY,
        (2, 2, 1),
        "generic",
        "Returns the reference count of a value of a key.",
        "2.2.3",
        object_refcount
    ),
];

const SAME_OBJECT: &str = "ERR source and destination objects are the same";

/// Redis's write lookup: lazy expiry, no touch, no stats, and no copy of a
/// segment a snapshot shares (the entry is only looked at). A key found
/// expired in another database (MOVE, COPY ... DB) is reported removed at
/// once, so its DEL reaches the AOF before this command's effect; dispatch
/// does that for the selected database.
fn lookup_write<'a>(ctx: &'a mut Ctx, db: usize, key: &[u8]) -> Option<&'a Entry> {
    if db != ctx.db && ctx.store.dbs[db].get(key, ctx.store.now_ms, None).is_none() {
        for key in std::mem::take(&mut ctx.store.dbs[db].lazily_expired) {
            ctx.server
                .on_key_removed(ctx.clients, db, &key, crate::state::Removal::Expired);
        }
    }
    ctx.store.dbs[db].get(key, ctx.store.now_ms, None)
}

/// A database index argument the way Redis's getIntFromObjectOrReply and
/// selectDb check it; replies the error and returns None when bad.
fn db_index(ctx: &mut Ctx, arg: &[u8]) -> Option<usize> {
    let n = args::int(ctx.out, arg)?;
    if i32::try_from(n).is_err() {
        ctx.out
            .error("ERR value is out of range, value must between -2147483648 and 2147483647");
        return None;
    }
    match usize::try_from(n) {
        Ok(i) if i < ctx.store.dbs.len() => Some(i),
        _ => {
            ctx.out.error(errors::DB_INDEX);
            None
        }
    }
}

/// `DEL key [key ...]` and `UNLINK key [key ...]` (values are freed inline
/// either way: dropping a string is cheap).
fn del(ctx: &mut Ctx, argv: Argv) {
    let mut n = 0;
    for key in argv.iter_from(1) {
        if ctx.store.exists(ctx.db, key) {
            ctx.store.dbs[ctx.db].remove(key);
            ctx.notify(event_class::GENERIC, "del", key);
            n += 1;
        }
    }
    ctx.server.dirty += n as u64;
    ctx.out.int(n);
}

/// `EXISTS key [key ...]`: a key named twice counts twice.
fn exists(ctx: &mut Ctx, argv: Argv) {
    let n = argv
        .iter_from(1)
        .filter(|k| ctx.store.read_notouch(ctx.db, k).is_some())
        .count();
    ctx.out.int(n as i64);
}

/// `TOUCH key [key ...]`: updates the access clock of each existing key.
fn touch(ctx: &mut Ctx, argv: Argv) {
    let n = argv
        .iter_from(1)
        .filter(|k| ctx.store.read(ctx.db, k).is_some())
        .count();
    ctx.out.int(n as i64);
}

/// `TYPE key`
fn type_(ctx: &mut Ctx, argv: Argv) {
    let name = ctx
        .store
        .read_notouch(ctx.db, argv.get(1))
        .map_or("none", Entry::type_name);
    ctx.out.simple(name);
}

/// `RENAME key newkey`
fn rename(ctx: &mut Ctx, argv: Argv) {
    rename_generic(ctx, argv, false);
}

/// `RENAMENX key newkey`
fn renamenx(ctx: &mut Ctx, argv: Argv) {
    rename_generic(ctx, argv, true);
}

/// RENAME and RENAMENX, as Redis's renameGenericCommand: the value keeps its
/// expire time and access clock; renaming a key to itself is a no-op (that
/// still fails on a missing key).
fn rename_generic(ctx: &mut Ctx, argv: Argv, nx: bool) {
    let (from, to) = (argv.get(1), argv.get(2));
    if lookup_write(ctx, ctx.db, from).is_none() {
        return ctx.out.error(errors::NO_SUCH_KEY);
    }
    // The destination is looked up (expired first) even when overwritten.
    let done = from != to && !(lookup_write(ctx, ctx.db, to).is_some() && nx);
    if done {
        ctx.store.dbs[ctx.db].rename(from, to);
        ctx.server.dirty += 1;
        ctx.notify(event_class::GENERIC, "rename_from", from);
        ctx.notify(event_class::GENERIC, "rename_to", to);
    }
    if nx {
        ctx.out.int(done as i64);
    } else {
        ctx.out.ok();
    }
}

/// `COPY source destination [DB destination-db] [REPLACE]`
fn copy(ctx: &mut Ctx, argv: Argv) {
    let mut dst_db = ctx.db;
    let mut replace = false;
    let mut i = 3;
    while i < argv.len() {
        let opt = argv.get(i);
        if args::is(opt, "replace") {
            replace = true;
        } else if args::is(opt, "db") && i + 1 < argv.len() {
            let Some(n) = db_index(ctx, argv.get(i + 1)) else {
                return;
            };
            dst_db = n;
            i += 1;
        } else {
            return ctx.out.error(errors::SYNTAX);
        }
        i += 1;
    }
    if ctx.server.cluster.is_some() && (ctx.db != 0 || dst_db != 0) {
        return ctx
            .out
            .error("ERR Copying to another database is not allowed in cluster mode");
    }
    let (src, dst) = (argv.get(1), argv.get(2));
    if dst_db == ctx.db && src == dst {
        return ctx.out.error(SAME_OBJECT);
    }
    let clock = ctx.store.new_clock();
    let Some(source) = ctx.store.read(ctx.db, src) else {
        return ctx.out.int(0);
    };
    // A copy is a new object: same value and expire time, fresh access clock.
    let mut copy = source.with_key(dst);
    copy.set_clock(clock);
    if lookup_write(ctx, dst_db, dst).is_some() && !replace {
        return ctx.out.int(0);
    }
    ctx.store.dbs[dst_db].insert(copy);
    // Dispatch signals waiters in the selected db; the copy may land in another.
    ctx.server.blocking.signal(dst_db, dst);
    ctx.server.dirty += 1;
    notify_in_db(ctx, dst_db, "copy_to", dst);
    ctx.out.int(1);
}

/// A generic keyspace event in database `db` rather than the selected one.
fn notify_in_db(ctx: &mut Ctx, db: usize, event: &str, key: &[u8]) {
    let selected = std::mem::replace(&mut ctx.db, db);
    ctx.notify(event_class::GENERIC, event, key);
    ctx.db = selected;
}

/// `MOVE key db`: 0 when the key is missing or already exists in `db`.
fn move_(ctx: &mut Ctx, argv: Argv) {
    if ctx.server.cluster.is_some() {
        return ctx.out.error("ERR MOVE is not allowed in cluster mode");
    }
    let Some(dst_db) = db_index(ctx, argv.get(2)) else {
        return;
    };
    if dst_db == ctx.db {
        return ctx.out.error(SAME_OBJECT);
    }
    let key = argv.get(1);
    if lookup_write(ctx, ctx.db, key).is_none() || lookup_write(ctx, dst_db, key).is_some() {
        return ctx.out.int(0);
    }
    let Some(entry) = ctx.store.dbs[ctx.db].remove(key) else {
        return ctx.out.int(0);
    };
    ctx.store.dbs[dst_db].insert(entry);
    ctx.server.blocking.signal(dst_db, key);
    ctx.server.dirty += 1;
    ctx.notify(event_class::GENERIC, "move_from", key);
    notify_in_db(ctx, dst_db, "move_to", key);
    ctx.out.int(1);
}

/// `RANDOMKEY`
fn randomkey(ctx: &mut Ctx, _argv: Argv) {
    match ctx.store.random_key(ctx.db) {
        Some(key) => ctx.out.bulk(&key),
        None => ctx.out.null(),
    }
}

/// `KEYS pattern`: expired keys not yet removed are left out (not deleted).
fn keys(ctx: &mut Ctx, argv: Argv) {
    let pattern = argv.get(1);
    let all = pattern == b"*";
    let now = ctx.store.now_ms;
    let found: Vec<&[u8]> = ctx.store.dbs[ctx.db]
        .entries()
        .filter(|e| !e.is_expired(now) && (all || glob_match(pattern, e.key())))
        .map(Entry::key)
        .collect();
    ctx.out.array(found.len());
    for key in found {
        ctx.out.bulk(key);
    }
}

/// `SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]`
///
/// The cursor is the index of the next segment (hash slot) to visit; each
/// call visits whole segments until COUNT keys were seen, so a key present
/// for the whole iteration is returned exactly once whatever happens to the
/// rest of the keyspace. Cursor 0 in the reply ends the iteration.
fn scan(ctx: &mut Ctx, argv: Argv) {
    let Some(cursor) = parse_cursor(argv.get(1)) else {
        return ctx.out.error("ERR invalid cursor");
    };
    let mut count = 10usize;
    let mut pattern = None;
    let mut type_name = None;
    let mut i = 2;
    while i < argv.len() {
        if i + 1 >= argv.len() {
            return ctx.out.error(errors::SYNTAX);
        }
        let (opt, value) = (argv.get(i), argv.get(i + 1));
        if args::is(opt, "count") {
            let Some(n) = args::int(ctx.out, value) else {
                return;
            };
            if n < 1 {
                return ctx.out.error(errors::SYNTAX);
            }
            count = usize::try_from(n).unwrap_or(usize::MAX);
        } else if args::is(opt, "match") {
            pattern = (value != b"*").then_some(value);
        } else if args::is(opt, "type") {
            type_name = Some(value);
        } else {
            return ctx.out.error(errors::SYNTAX);
        }
        i += 2;
    }

    let now = ctx.store.now_ms;
    let mut found: Vec<Box<[u8]>> = Vec::new();
    let mut expired: Vec<Box<[u8]>> = Vec::new();
    let cursor = usize::try_from(cursor).unwrap_or(usize::MAX);
    let next = ctx.store.dbs[ctx.db].scan(cursor, count, |e| {
        if pattern.is_some_and(|p| !glob_match(p, e.key())) {
            return;
        }
        if e.is_expired(now) {
            expired.push(e.key().into());
            return;
        }
        if type_name.is_some_and(|t| !t.eq_ignore_ascii_case(e.type_name().as_bytes())) {
            return;
        }
        found.push(e.key().into());
    });
    // Like Redis, expired keys met by the scan are deleted.
    for key in expired {
        ctx.store.exists(ctx.db, &key);
    }
    ctx.out.array(2);
    ctx.out.bulk(next.to_string().as_bytes());
    ctx.out.array(found.len());
    for key in found {
        ctx.out.bulk(&key);
    }
}

/// `EXPIRE key seconds [NX | XX | GT | LT]`
fn expire(ctx: &mut Ctx, argv: Argv) {
    expire_generic(ctx, argv, "expire", 1000, true);
}

/// `PEXPIRE key milliseconds [NX | XX | GT | LT]`
fn pexpire(ctx: &mut Ctx, argv: Argv) {
    expire_generic(ctx, argv, "pexpire", 1, true);
}

/// `EXPIREAT key unix-time-seconds [NX | XX | GT | LT]`
fn expireat(ctx: &mut Ctx, argv: Argv) {
    expire_generic(ctx, argv, "expireat", 1000, false);
}

/// `PEXPIREAT key unix-time-milliseconds [NX | XX | GT | LT]`
fn pexpireat(ctx: &mut Ctx, argv: Argv) {
    expire_generic(ctx, argv, "pexpireat", 1, false);
}

/// The NX/XX/GT/LT condition of the EXPIRE family.
#[derive(Default)]
struct ExpireCondition {
    nx: bool,
    xx: bool,
    gt: bool,
    lt: bool,
}

impl ExpireCondition {
    /// Parses the options after the time, with Redis's error texts.
    fn parse(ctx: &mut Ctx, argv: Argv) -> Option<ExpireCondition> {
        let mut c = ExpireCondition::default();
        for opt in argv.iter_from(3) {
            let flag = match opt.to_ascii_lowercase().as_slice() {
                b"nx" => &mut c.nx,
                b"xx" => &mut c.xx,
                b"gt" => &mut c.gt,
                b"lt" => &mut c.lt,
                _ => {
                    let opt = String::from_utf8_lossy(opt);
                    ctx.out.error(&format!("ERR Unsupported option {opt}"));
                    return None;
                }
            };
            *flag = true;
        }
        if c.nx && (c.xx || c.gt || c.lt) {
            ctx.out
                .error("ERR NX and XX, GT or LT options at the same time are not compatible");
            return None;
        }
        if c.gt && c.lt {
            ctx.out
                .error("ERR GT and LT options at the same time are not compatible");
            return None;
        }
        Some(c)
    }

    /// True when a key whose expire time is `current` may get `when`. No
    /// expire time counts as an infinite TTL: GT never passes, LT always.
    fn allows(&self, current: Option<u64>, when: i64) -> bool {
        let when = i128::from(when);
        let current = current.map(i128::from);
        !((self.nx && current.is_some())
            || (self.xx && current.is_none())
            || (self.gt && current.is_none_or(|c| when <= c))
            || (self.lt && current.is_some_and(|c| when >= c)))
    }
}

/// The EXPIRE family, as Redis's expireGenericCommand: the time is multiplied
/// by `unit_ms` and, when `relative`, added to now (overflow → invalid expire
/// time); a time already past deletes the key and still replies 1.
fn expire_generic(ctx: &mut Ctx, argv: Argv, name: &str, unit_ms: i64, relative: bool) {
    let Some(condition) = ExpireCondition::parse(ctx, argv) else {
        return;
    };
    let Some(time) = args::int(ctx.out, argv.get(2)) else {
        return;
    };
    let now = ctx.store.now_ms;
    let base = if relative { now as i64 } else { 0 };
    let Some(when) = time.checked_mul(unit_ms).and_then(|t| t.checked_add(base)) else {
        return ctx.out.error(&errors::invalid_expire(name));
    };
    let key = argv.get(1);
    let Some(entry) = lookup_write(ctx, ctx.db, key) else {
        return ctx.out.int(0);
    };
    if !condition.allows(entry.expire_at(), when) {
        return ctx.out.int(0);
    }
    let db = &mut ctx.store.dbs[ctx.db];
    let event = if when <= now as i64 {
        db.remove(key);
        ctx.propagate(&[b"DEL", key]);
        "del"
    } else {
        db.set_expire(key, Some(when as u64));
        ctx.propagate(&[b"PEXPIREAT", key, when.to_string().as_bytes()]);
        "expire"
    };
    ctx.server.dirty += 1;
    ctx.notify(event_class::GENERIC, event, key);
    ctx.out.int(1);
}

/// `TTL key`
fn ttl(ctx: &mut Ctx, argv: Argv) {
    ttl_generic(ctx, argv, false, false);
}

/// `PTTL key`
fn pttl(ctx: &mut Ctx, argv: Argv) {
    ttl_generic(ctx, argv, true, false);
}

/// `EXPIRETIME key`
fn expiretime(ctx: &mut Ctx, argv: Argv) {
    ttl_generic(ctx, argv, false, true);
}

/// `PEXPIRETIME key`
fn pexpiretime(ctx: &mut Ctx, argv: Argv) {
    ttl_generic(ctx, argv, true, true);
}

/// TTL, PTTL, EXPIRETIME, PEXPIRETIME: -2 for a missing key, -1 without an
/// expire time; seconds are rounded to the nearest (as Redis does, even for
/// the absolute EXPIRETIME).
fn ttl_generic(ctx: &mut Ctx, argv: Argv, millis: bool, absolute: bool) {
    let now = ctx.store.now_ms;
    let Some(entry) = ctx.store.read_notouch(ctx.db, argv.get(1)) else {
        return ctx.out.int(-2);
    };
    let Some(at) = entry.expire_at() else {
        return ctx.out.int(-1);
    };
    let ms = if absolute {
        i128::from(at)
    } else {
        (i128::from(at) - i128::from(now)).max(0)
    };
    let reply = if millis { ms } else { (ms + 500) / 1000 };
    ctx.out.int(i64::try_from(reply).unwrap_or(i64::MAX));
}

/// `PERSIST key`
fn persist(ctx: &mut Ctx, argv: Argv) {
    let key = argv.get(1);
    let volatile = lookup_write(ctx, ctx.db, key).is_some_and(|e| e.expire_at().is_some());
    if volatile {
        ctx.store.dbs[ctx.db].set_expire(key, None);
        ctx.server.dirty += 1;
        ctx.notify(event_class::GENERIC, "persist", key);
    }
    ctx.out.int(volatile as i64);
}

/// OBJECT's lookup: lazy expiry and hit/miss counting, no clock touch (so
/// IDLETIME and FREQ report the key's state, not this look at it). A missing
/// key replies null.
fn object_lookup<'a>(ctx: &'a mut Ctx, argv: Argv) -> Option<&'a Entry> {
    let found = ctx.store.read_notouch(ctx.db, argv.get(2));
    if found.is_none() {
        ctx.out.null();
    }
    found
}

/// Redis's encoding of a string value: "int" for a canonical 64-bit integer,
/// "embstr" up to 44 bytes, "raw" beyond.
fn string_encoding(value: &[u8]) -> &'static str {
    if parse_i64(value).is_some() {
        "int"
    } else if value.len() <= 44 {
        "embstr"
    } else {
        "raw"
    }
}

/// `OBJECT ENCODING key`
fn object_encoding(ctx: &mut Ctx, argv: Argv) {
    let Some(entry) = object_lookup(ctx, argv) else {
        return;
    };
    let encoding = match entry.value() {
        Value::Str(s) => string_encoding(s),
        Value::Obj(o) => o.encoding(),
    };
    ctx.out.bulk(encoding.as_bytes());
}

/// `OBJECT REFCOUNT key`: 1, except for Redis's shared integers 0..9999
/// (INT_MAX), which it does not use under maxmemory with an LRU/LFU policy.
fn object_refcount(ctx: &mut Ctx, argv: Argv) {
    let config = &ctx.server.config;
    let lru_or_lfu = matches!(
        config.maxmemory_policy,
        Policy::AllKeysLru | Policy::VolatileLru | Policy::AllKeysLfu | Policy::VolatileLfu
    );
    let sharing = config.maxmemory == 0 || !lru_or_lfu;
    let Some(entry) = object_lookup(ctx, argv) else {
        return;
    };
    let shared = sharing
        && entry
            .as_string()
            .and_then(parse_i64)
            .is_some_and(|n| (0..10_000).contains(&n));
    ctx.out.int(if shared { i64::from(i32::MAX) } else { 1 });
}

/// `OBJECT IDLETIME key`: seconds since the last access (LRU policies only).
fn object_idletime(ctx: &mut Ctx, argv: Argv) {
    let lfu = ctx.server.config.maxmemory_policy.is_lfu();
    let now = ctx.store.now_ms as u32;
    let Some(entry) = object_lookup(ctx, argv) else {
        return;
    };
    let idle_ms = now.wrapping_sub(entry.clock());
    if lfu {
        return ctx.out.error("ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.");
    }
    ctx.out.int(i64::from(idle_ms / 1000));
}

/// `OBJECT FREQ key`: the decayed LFU counter (LFU policies only).
fn object_freq(ctx: &mut Ctx, argv: Argv) {
    let lfu = ctx.server.config.maxmemory_policy.is_lfu();
    let decay_time = ctx.server.config.lfu_decay_time;
    let minutes = (ctx.store.now_ms / 60_000) as u16;
    let Some(entry) = object_lookup(ctx, argv) else {
        return;
    };
    let clock = entry.clock();
    if !lfu {
        return ctx.out.error("ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.");
    }
    ctx.out
        .int(i64::from(lfu_decayed(clock, minutes, decay_time)));
}

/// `OBJECT HELP`
fn object_help(ctx: &mut Ctx, _argv: Argv) {
    ctx.reply_help(&[
        "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "ENCODING <key>",
        "    Return the kind of internal representation used in order to store the value",
        "    associated with a <key>.",
        "FREQ <key>",
        "    Return the access frequency index of the <key>. The returned integer is",
        "    proportional to the logarithm of the recent access frequency of the key.",
        "IDLETIME <key>",
        "    Return the idle time of the <key>, that is the approximated number of",
        "    seconds elapsed since the last access to the key.",
        "REFCOUNT <key>",
        "    Return the number of references of the value associated with the specified",
        "    <key>.",
        "HELP",
        "    Prints this help.",
    ]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_encodings_follow_redis() {
        assert_eq!(string_encoding(b"123"), "int");
        assert_eq!(string_encoding(b"-9223372036854775808"), "int");
        assert_eq!(string_encoding(b"0123"), "embstr");
        assert_eq!(string_encoding(b"-0"), "embstr");
        assert_eq!(string_encoding(b"12345678901234567890"), "embstr");
        assert_eq!(string_encoding(&[b'a'; 44]), "embstr");
        assert_eq!(string_encoding(&[b'a'; 45]), "raw");
    }

    #[test]
    fn expire_conditions() {
        let c = |nx, xx, gt, lt| ExpireCondition { nx, xx, gt, lt };
        assert!(c(true, false, false, false).allows(None, 5));
        assert!(!c(true, false, false, false).allows(Some(1), 5));
        assert!(!c(false, true, false, false).allows(None, 5));
        assert!(!c(false, false, true, false).allows(None, 5));
        assert!(c(false, false, true, false).allows(Some(4), 5));
        assert!(!c(false, false, true, false).allows(Some(5), 5));
        assert!(c(false, false, false, true).allows(None, 5));
        assert!(!c(false, false, false, true).allows(Some(5), 5));
        assert!(c(false, true, false, true).allows(Some(6), 5));
    }
}
