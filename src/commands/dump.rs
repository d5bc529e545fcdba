//! DUMP and RESTORE: a value serialized in Redis's payload format (the RDB
//! codec's, see `persistence::rdb::dump_value`), so values move between
//! redis-server and ferrocache in both directions.

use super::table::{flags::*, CommandSpec};
use super::{args, errors, Ctx};
use crate::command;
use crate::config::event_class;
use crate::persistence::rdb::{dump_value, restore_value, PayloadError};
use crate::resp::Argv;
use crate::types::TypeLimits;

/// DUMP and RESTORE.
pub static COMMANDS: &[CommandSpec] = &[
    command!(
        "dump",
        2,
        READONLY,
        (1, 1, 1),
        "generic",
        "Return a serialized version of the value stored at the specified key.",
        "2.6.0",
        dump
    ),
    command!(
        "restore",
        -4,
        WRITE | DENYOOM,
        (1, 1, 1),
        "generic",
        "Create a key using the provided serialized value, previously obtained using DUMP.",
        "2.6.0",
        restore
    ),
];

const BUSYKEY: &str = "BUSYKEY Target key name already exists.";
const BAD_TTL: &str = "ERR Invalid TTL value, must be >= 0";
const BAD_PAYLOAD: &str = "ERR DUMP payload version or checksum are wrong";
const BAD_DATA: &str = "ERR Bad data format";
const BAD_IDLETIME: &str = "ERR Invalid IDLETIME value, must be >= 0";
const BAD_FREQ: &str = "ERR Invalid FREQ value, must be >= 0 and <= 255";

/// `DUMP key`: the value's payload, or null for a missing key.
fn dump(ctx: &mut Ctx, argv: Argv) {
    let compress = ctx.server.config.rdbcompression;
    match ctx.store.read(ctx.db, argv.get(1)) {
        Some(entry) => {
            let payload = dump_value(entry.value(), compress);
            ctx.out.bulk(&payload);
        }
        None => ctx.out.null(),
    }
}

/// RESTORE's options after the payload.
#[derive(Default)]
struct Options {
    replace: bool,
    absttl: bool,
    /// IDLETIME seconds (applies under a non-LFU policy).
    idle: Option<i64>,
    /// FREQ counter (applies under an LFU policy).
    freq: Option<u8>,
}

/// Parses REPLACE, ABSTTL, IDLETIME s and FREQ f as Redis does: IDLETIME
/// and FREQ exclude each other (the second is a syntax error). Replies the
/// error and returns None when bad.
fn parse(ctx: &mut Ctx, argv: Argv) -> Option<Options> {
    let mut o = Options::default();
    let mut j = 4;
    while j < argv.len() {
        let (arg, more) = (argv.get(j), j + 1 < argv.len());
        if args::is(arg, "replace") {
            o.replace = true;
        } else if args::is(arg, "absttl") {
            o.absttl = true;
        } else if args::is(arg, "idletime") && more && o.freq.is_none() {
            let idle = args::int(ctx.out, argv.get(j + 1))?;
            if idle < 0 {
                ctx.out.error(BAD_IDLETIME);
                return None;
            }
            o.idle = Some(idle);
            j += 1;
        } else if args::is(arg, "freq") && more && o.idle.is_none() {
            let freq = args::int(ctx.out, argv.get(j + 1))?;
            let Ok(freq) = u8::try_from(freq) else {
                ctx.out.error(BAD_FREQ);
                return None;
            };
            o.freq = Some(freq);
            j += 1;
        } else {
            ctx.out.error(errors::SYNTAX);
            return None;
        }
        j += 1;
    }
    Some(o)
}

/// `RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds]
/// [FREQ frequency]`: creates `key` from a DUMP payload; `ttl` is in
/// milliseconds (0: none), a unix time in ms with ABSTTL. Checked in
/// Redis's order: options, BUSYKEY, TTL, payload footer, payload body. An
/// expire time already past creates nothing (and a replaced key is deleted).
/// A relative TTL is propagated as ABSTTL.
fn restore(ctx: &mut Ctx, argv: Argv) {
    let Some(o) = parse(ctx, argv) else {
        return;
    };
    let key = argv.get(1);
    if !o.replace && ctx.store.exists(ctx.db, key) {
        return ctx.out.error(BUSYKEY);
    }
    let Some(ttl) = args::int(ctx.out, argv.get(2)) else {
        return;
    };
    if ttl < 0 {
        return ctx.out.error(BAD_TTL);
    }
    let now = ctx.store.now_ms;
    // An overflowing relative TTL lands in the past, as in Redis.
    let expire_at = match (ttl, o.absttl) {
        (0, _) => None,
        (t, true) => Some(t),
        (t, false) => Some(t.checked_add(now as i64).unwrap_or(-1)),
    };
    let clock = access_clock(ctx, &o);
    let limits = TypeLimits::from_config(&ctx.server.config);
    let at = expire_at.map(|t| t.max(0) as u64);
    let entry = match restore_value(argv.get(3), (key, at, clock), &limits) {
        Ok(entry) => entry,
        Err(PayloadError::VersionOrChecksum) => return ctx.out.error(BAD_PAYLOAD),
        Err(PayloadError::BadData) => return ctx.out.error(BAD_DATA),
    };
    let deleted = o.replace && ctx.store.dbs[ctx.db].remove(key).is_some();
    if expire_at.is_some_and(|t| t <= now as i64) {
        if deleted {
            ctx.propagate(&[b"DEL".as_slice(), key]);
            ctx.server.dirty += 1;
            ctx.notify(event_class::GENERIC, "del", key);
        }
        return ctx.out.ok();
    }
    ctx.store.dbs[ctx.db].insert(entry);
    if let (Some(at), false) = (expire_at, o.absttl) {
        let at = at.to_string();
        let mut effect: Vec<&[u8]> = argv.iter_from(0).collect();
        effect[2] = at.as_bytes();
        effect.push(b"ABSTTL");
        ctx.propagate(&effect);
    }
    ctx.server.dirty += 1;
    ctx.notify(event_class::GENERIC, "restore", key);
    ctx.out.ok();
}

/// The restored key's access clock: FREQ under an LFU policy, IDLETIME
/// under any other, else that of a key written now.
fn access_clock(ctx: &Ctx, o: &Options) -> u32 {
    let initial = ctx.store.new_clock();
    if ctx.server.config.maxmemory_policy.is_lfu() {
        return match o.freq {
            Some(freq) => (initial & !0xff) | u32::from(freq),
            None => initial,
        };
    }
    match o.idle {
        // The LRU clock counts milliseconds in 32 bits: an idle time past
        // its range stays at the oldest it can tell.
        Some(idle) => {
            let idle_ms = idle.saturating_mul(1000).min(i64::from(u32::MAX - 1000));
            initial.wrapping_sub(idle_ms as u32)
        }
        None => initial,
    }
}

#[cfg(test)]
mod tests {
    use crate::commands::run_handler;
    use crate::persistence::rdb::dump_value;
    use crate::store::Store;
    use crate::store::Value;

    #[test]
    fn restore_checks_options_then_key_then_ttl_then_payload() {
        let mut store = Store::new(1);
        let run = |s: &mut Store, args: &[&[u8]]| run_handler(s, args);
        assert_eq!(run(&mut store, &[b"set", b"k", b"v"]), "+OK\r\n");
        let payload = dump_value(Value::Str(b"v"), true);
        assert_eq!(
            run(&mut store, &[b"restore", b"k", b"0", &payload, b"bogus"]),
            "-ERR syntax error\r\n"
        );
        assert_eq!(
            run(&mut store, &[b"restore", b"k", b"0", &payload]),
            "-BUSYKEY Target key name already exists.\r\n"
        );
        assert_eq!(
            run(&mut store, &[b"restore", b"n", b"-1", &payload]),
            "-ERR Invalid TTL value, must be >= 0\r\n"
        );
        assert_eq!(
            run(&mut store, &[b"restore", b"n", b"0", b"short"]),
            "-ERR DUMP payload version or checksum are wrong\r\n"
        );
        assert_eq!(
            run(
                &mut store,
                &[b"restore", b"n", b"0", &payload, b"freq", b"256"]
            ),
            "-ERR Invalid FREQ value, must be >= 0 and <= 255\r\n"
        );
        assert_eq!(
            run(
                &mut store,
                &[b"restore", b"n", b"0", &payload, b"idletime", b"-1"]
            ),
            "-ERR Invalid IDLETIME value, must be >= 0\r\n"
        );
        assert_eq!(
            run(
                &mut store,
                &[
                    b"restore",
                    b"n",
                    b"0",
                    &payload,
                    b"freq",
                    b"1",
                    b"idletime",
                    b"1"
                ]
            ),
            "-ERR syntax error\r\n"
        );
        assert_eq!(
            run(&mut store, &[b"restore", b"n", b"0", &payload]),
            "+OK\r\n"
        );
        assert_eq!(run(&mut store, &[b"get", b"n"]), "$1\r\nv\r\n");
        assert_eq!(run(&mut store, &[b"dump", b"none"]), "$-1\r\n");
    }
}
