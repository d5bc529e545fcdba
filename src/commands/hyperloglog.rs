//! HyperLogLog commands: PFADD, PFCOUNT, PFMERGE, and the PFDEBUG /
//! PFSELFTEST internals, as Redis 7.0's hyperloglog.c.
//!
//! A HyperLogLog is a plain string value in Redis's byte format (see
//! [`crate::types::hll`]): values move freely between ferrocache and
//! redis-server (GET/SET, DUMP-free), and the same PFADDs give the same bytes.
//! Writes keep the key's TTL. PFCOUNT of one key stores the estimate in the
//! value's header cache, as Redis does.

use super::table::{flags::*, CommandSpec};
use super::{errors, Ctx};
use crate::command;
use crate::config::event_class;
use crate::resp::{Argv, Reply};
use crate::store::{Entry, Store};
use crate::types::hll::{self, REGISTERS};

/// Every HyperLogLog command.
pub static COMMANDS: &[CommandSpec] = &[
    command!(
        "pfadd",
        -2,
        WRITE | DENYOOM | FAST,
        (1, 1, 1),
        "hyperloglog",
        "Adds the specified elements to the specified HyperLogLog.",
        "2.8.9",
        pfadd
    ),
    command!(
        "pfcount",
        -2,
        READONLY,
        (1, -1, 1),
        "hyperloglog",
        "Return the approximated cardinality of the set(s) observed by the HyperLogLog at key(s).",
        "2.8.9",
        pfcount
    ),
    command!(
        "pfmerge",
        -2,
        WRITE | DENYOOM,
        (1, -1, 1),
        "hyperloglog",
        "Merge N different HyperLogLogs into a single one.",
        "2.8.9",
        pfmerge
    ),
    command!(
        "pfdebug",
        3,
        WRITE | DENYOOM | ADMIN,
        (2, 2, 1),
        "hyperloglog",
        "Internal commands for debugging HyperLogLog values",
        "2.8.9",
        pfdebug
    ),
    command!(
        "pfselftest",
        1,
        ADMIN,
        (0, 0, 0),
        "hyperloglog",
        "An internal command for testing HyperLogLog values",
        "2.8.9",
        pfselftest
    ),
];

/// Redis's text for a string that is not a HyperLogLog.
pub const NOT_HLL: &str = "WRONGTYPE Key is not a valid HyperLogLog string value.";
/// Redis's text for a HyperLogLog whose sparse opcodes do not add up.
pub const CORRUPT: &str = "INVALIDOBJ Corrupted HLL object detected";

/// What a key holds, for a HyperLogLog command.
enum Lookup {
    Missing,
    Hll,
}

/// Redis's `isHLLObjectOrReply` after a read lookup (stats, LRU touch):
/// replies WRONGTYPE (generic text for other types, the HyperLogLog one for
/// other strings) and returns None when the key cannot be used.
fn check_hll(store: &mut Store, out: &mut Reply, db: usize, key: &[u8]) -> Option<Lookup> {
    match store.read(db, key) {
        None => Some(Lookup::Missing),
        Some(e) => match e.as_string() {
            None => {
                out.error(errors::WRONGTYPE);
                None
            }
            Some(s) if !hll::is_hll(s) => {
                out.error(NOT_HLL);
                None
            }
            Some(_) => Some(Lookup::Hll),
        },
    }
}

/// The value of a key `check_hll` accepted (no stats, no copy).
fn peek_value<'s>(store: &'s Store, db: usize, key: &[u8]) -> &'s [u8] {
    store.dbs[db]
        .peek(key)
        .and_then(Entry::as_string)
        .expect("checked HyperLogLog")
}

/// Stores `value` at `key`: in the existing entry (TTL and clock kept) or as
/// a new persistent key.
fn store_value(store: &mut Store, db: usize, key: &[u8], value: &[u8]) {
    match store.write(db, key) {
        Some(e) => e.set_string(value),
        None => {
            let clock = store.new_clock();
            store.dbs[db].insert(Entry::new_string(key, value, None, clock));
        }
    }
}

/// `PFADD key [element [element ...]]`
///
/// Replies 1 when the key was created or a register changed, else 0.
fn pfadd(ctx: &mut Ctx, argv: Argv) {
    let key = argv.get(1);
    let sparse_max = ctx.server.config.hll_sparse_max_bytes;
    let created = match check_hll(ctx.store, ctx.out, ctx.db, key) {
        None => return,
        Some(Lookup::Missing) => true,
        Some(Lookup::Hll) => false,
    };
    let mut updated = created as u64;
    let elements = argv.iter_from(2);
    if !created && hll::is_dense(peek_value(ctx.store, ctx.db, key)) {
        // Dense: registers change in place, the length never does.
        let entry = ctx.store.write(ctx.db, key).expect("checked key");
        let value = entry.string_mut().expect("string");
        for element in elements {
            updated += hll::add_dense(value, element) as u64;
        }
        if updated > 0 {
            hll::invalidate_cache(value);
        }
    } else {
        let mut value = if created {
            hll::new_sparse()
        } else {
            peek_value(ctx.store, ctx.db, key).to_vec()
        };
        let mut corrupt = false;
        for element in elements {
            match hll::add(&mut value, element, sparse_max) {
                Ok(changed) => updated += changed as u64,
                Err(hll::Corrupt) => {
                    corrupt = true;
                    break;
                }
            }
        }
        if corrupt {
            // Redis keeps the registers set before the bad opcode was met.
            store_value(ctx.store, ctx.db, key, &value);
            return ctx.out.error(CORRUPT);
        }
        if updated > 0 {
            hll::invalidate_cache(&mut value);
            store_value(ctx.store, ctx.db, key, &value);
        }
    }
    ctx.server.dirty += updated;
    if updated > 0 {
        ctx.notify(event_class::STRING, "pfadd", key);
    }
    ctx.out.int((updated > 0) as i64);
}

/// `PFCOUNT key [key ...]`
///
/// One key: the cached estimate, or a fresh one stored in the cache. Several
/// keys: the estimate of their union, nothing written.
fn pfcount(ctx: &mut Ctx, argv: Argv) {
    if argv.len() > 2 {
        let mut max = [0u8; REGISTERS];
        for key in argv.iter_from(1) {
            match check_hll(ctx.store, ctx.out, ctx.db, key) {
                None => return,
                Some(Lookup::Missing) => continue,
                Some(Lookup::Hll) => {}
            }
            if hll::merge_into(&mut max, peek_value(ctx.store, ctx.db, key)).is_err() {
                return ctx.out.error(CORRUPT);
            }
        }
        let card = hll::estimate(&hll::raw_histogram(&max));
        return ctx.out.int(card as i64);
    }
    let key = argv.get(1);
    match check_hll(ctx.store, ctx.out, ctx.db, key) {
        None => return,
        Some(Lookup::Missing) => return ctx.out.int(0),
        Some(Lookup::Hll) => {}
    }
    let value = peek_value(ctx.store, ctx.db, key);
    if let Some(card) = hll::cached_cardinality(value) {
        return ctx.out.int(card as i64);
    }
    let Ok(card) = hll::count(value) else {
        return ctx.out.error(CORRUPT);
    };
    let entry = ctx.store.write(ctx.db, key).expect("checked key");
    hll::set_cached_cardinality(entry.string_mut().expect("string"), card);
    ctx.server.dirty += 1;
    // As in Redis: a change for WATCH, but no keyspace event.
    ctx.signal_modified(key);
    // The cached cardinality is part of the value: a read-only command that
    // changed it goes to the AOF too, as Redis propagates it.
    ctx.force_propagate(argv);
    ctx.out.int(card as i64);
}

/// `PFMERGE destkey [sourcekey [sourcekey ...]]`
///
/// `destkey` is one of the sources. It turns dense when any source is dense.
fn pfmerge(ctx: &mut Ctx, argv: Argv) {
    let sparse_max = ctx.server.config.hll_sparse_max_bytes;
    let mut max = [0u8; REGISTERS];
    let mut use_dense = false;
    for key in argv.iter_from(1) {
        match check_hll(ctx.store, ctx.out, ctx.db, key) {
            None => return,
            Some(Lookup::Missing) => continue,
            Some(Lookup::Hll) => {}
        }
        let value = peek_value(ctx.store, ctx.db, key);
        use_dense |= hll::is_dense(value);
        if hll::merge_into(&mut max, value).is_err() {
            return ctx.out.error(CORRUPT);
        }
    }
    let dest = argv.get(1);
    // The destination was among the sources: if it exists, it is a
    // HyperLogLog already checked.
    let existing = ctx
        .store
        .exists(ctx.db, dest)
        .then(|| peek_value(ctx.store, ctx.db, dest).to_vec());
    let created = existing.is_none();
    let mut value = existing.unwrap_or_else(hll::new_sparse);
    if use_dense && hll::sparse_to_dense(&mut value).is_err() {
        if created {
            store_value(ctx.store, ctx.db, dest, &value);
        }
        return ctx.out.error(CORRUPT);
    }
    hll::store_registers(&mut value, &max, sparse_max);
    hll::invalidate_cache(&mut value);
    store_value(ctx.store, ctx.db, dest, &value);
    ctx.server.dirty += 1;
    ctx.notify(event_class::STRING, "pfadd", dest);
    ctx.out.ok();
}

/// `PFDEBUG <GETREG | DECODE | ENCODING | TODENSE> key`
fn pfdebug(ctx: &mut Ctx, argv: Argv) {
    let (sub, key) = (argv.get(1), argv.get(2));
    if !ctx.store.exists(ctx.db, key) {
        return ctx.out.error("ERR The specified key does not exist");
    }
    if check_hll(ctx.store, ctx.out, ctx.db, key).is_none() {
        return;
    }
    let mut value = peek_value(ctx.store, ctx.db, key).to_vec();
    let is = |word: &str| sub.eq_ignore_ascii_case(word.as_bytes());
    if is("getreg") || is("todense") {
        let was_sparse = !hll::is_dense(&value);
        if was_sparse {
            if hll::sparse_to_dense(&mut value).is_err() {
                return ctx.out.error(CORRUPT);
            }
            store_value(ctx.store, ctx.db, key, &value);
            ctx.server.dirty += 1;
        }
        if is("todense") {
            return ctx.out.int(was_sparse as i64);
        }
        ctx.out.array(REGISTERS);
        for i in 0..REGISTERS {
            ctx.out.int(hll::dense_get(&value[hll::HDR..], i) as i64);
        }
    } else if is("decode") {
        if hll::is_dense(&value) {
            return ctx.out.error("ERR HLL encoding is not sparse");
        }
        ctx.out.bulk(hll::decode_sparse(&value).as_bytes());
    } else if is("encoding") {
        ctx.out.simple(if hll::is_dense(&value) {
            "dense"
        } else {
            "sparse"
        });
    } else {
        let name = String::from_utf8_lossy(sub);
        ctx.out
            .error(&format!("ERR Unknown PFDEBUG subcommand '{name}'"));
    }
}

/// `PFSELFTEST`: Redis's self-test of the register code and of the
/// estimator's error, with dense and sparse values fed the same elements.
fn pfselftest(ctx: &mut Ctx, _argv: Argv) {
    match self_test(ctx.server.config.hll_sparse_max_bytes, 10_000_000) {
        Ok(()) => ctx.out.ok(),
        Err(e) => ctx.out.error(&e),
    }
}

/// The self-test, adding `elements` distinct elements in test 2.
fn self_test(sparse_max: u64, elements: u64) -> Result<(), String> {
    let mut rng = crate::store::evict::random_u64();
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    // Test 1: registers keep their values and leave their neighbours alone.
    let mut dense = vec![0u8; hll::DENSE_SIZE];
    let mut expect = vec![0u8; REGISTERS];
    for _ in 0..1000 {
        for (i, e) in expect.iter_mut().enumerate() {
            *e = (next() & 63) as u8;
            hll::dense_put(&mut dense[hll::HDR..], i, *e);
        }
        for (i, &e) in expect.iter().enumerate() {
            let got = hll::dense_get(&dense[hll::HDR..], i);
            if got != e {
                return Err(format!(
                    "TESTFAILED Register {i} should be {e} but is {got}"
                ));
            }
        }
    }
    // Test 2: the estimate's error, dense and sparse in agreement.
    dense[hll::HDR..].fill(0);
    let mut sparse = hll::new_sparse();
    let rel_err = 1.04 / (REGISTERS as f64).sqrt();
    let seed = next();
    let mut checkpoint: u64 = 1;
    for j in 1..=elements {
        let element = (j ^ seed).to_le_bytes();
        hll::add_dense(&mut dense, &element);
        let _ = hll::add(&mut sparse, &element, sparse_max);
        if j != checkpoint {
            continue;
        }
        if j < sparse_max / 2 && hll::is_dense(&sparse) {
            return Err("TESTFAILED sparse encoding not used".into());
        }
        let card = hll::count(&dense).unwrap_or(0);
        if hll::count(&sparse).ok() != Some(card) {
            return Err("TESTFAILED dense/sparse disagree".into());
        }
        let abs_err = (checkpoint as i64 - card as i64).unsigned_abs();
        let max_err = if j == 10 {
            1
        } else {
            (rel_err * 6.0 * checkpoint as f64).ceil() as u64
        };
        if abs_err > max_err {
            return Err(format!(
                "TESTFAILED Too big error. card:{checkpoint} abserr:{abs_err}"
            ));
        }
        checkpoint *= 10;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::commands::run_handler as call;

    /// A store whose key `list` holds a list.
    fn store_with_a_list() -> Store {
        let mut store = Store::new(1);
        let list = crate::types::Object::List(crate::types::List::default());
        store.dbs[0].insert(Entry::new_object(b"list", list, None, 0));
        store
    }

    #[test]
    fn other_types_get_the_generic_wrongtype_and_strings_the_hll_one() {
        let mut store = store_with_a_list();
        store.dbs[0].set_string(b"str", b"not a hyperloglog value", None, 0);
        let wrongtype = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
        let not_hll = "-WRONGTYPE Key is not a valid HyperLogLog string value.\r\n";
        for (key, expected) in [(&b"list"[..], wrongtype), (b"str", not_hll)] {
            let cases: [&[&[u8]]; 6] = [
                &[b"PFADD", key, b"a"],
                &[b"PFCOUNT", key],
                &[b"PFCOUNT", b"nokey", key],
                &[b"PFMERGE", b"dest", key],
                &[b"PFMERGE", key],
                &[b"PFDEBUG", b"ENCODING", key],
            ];
            for args in cases {
                assert_eq!(call(&mut store, args), expected, "{args:?}");
            }
        }
        assert!(
            store.dbs[0].peek(b"dest").is_none(),
            "PFMERGE created nothing"
        );
    }

    #[test]
    fn self_test_passes() {
        // PFSELFTEST's 10M additions are slow without optimizations.
        assert_eq!(self_test(3000, 200_000), Ok(()));
        let mut store = Store::new(1);
        assert_eq!(
            call(&mut store, &[b"PFDEBUG", b"ENCODING", b"k"]),
            "-ERR The specified key does not exist\r\n"
        );
    }
}
