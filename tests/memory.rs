//! MEMORY: reply shapes and errors as redis-server 7.0's (MEMORY STATS
//! field names and order, DOCTOR's text, HELP), and MEMORY USAGE estimates
//! that follow the value's size.

#[path = "support/reference.rs"]
mod reference;
mod support;

use reference::Reference;
use support::{check, Server};

#[test]
fn replies_and_errors_match_redis() {
    let Some(reference) = Reference::start() else {
        return;
    };
    let srv = Server::start(&[]);
    let (mut ours, mut theirs) = (srv.client(), reference.client());
    let cases: &[&[&[u8]]] = &[
        &[b"SET", b"a", b"b"],
        &[b"MEMORY", b"HELP"],
        &[b"MEMORY", b"PURGE"],
        &[b"MEMORY", b"DOCTOR"],
        &[b"MEMORY", b"USAGE", b"nokey"],
        &[b"MEMORY", b"USAGE", b"a", b"foo"],
        &[b"MEMORY", b"USAGE", b"a", b"SAMPLES"],
        &[b"MEMORY", b"USAGE", b"a", b"SAMPLES", b"-1"],
        &[b"MEMORY", b"USAGE", b"a", b"SAMPLES", b"x"],
        &[b"MEMORY", b"USAGE"],
        &[b"MEMORY", b"STATS", b"x"],
        &[b"MEMORY", b"FOO"],
        &[b"MEMORY"],
    ];
    for (i, args) in cases.iter().enumerate() {
        let expected = reference::run(&mut theirs, args);
        assert_eq!(reference::run(&mut ours, args), expected, "case #{i}");
    }
}

/// The field names of a MEMORY STATS reply (RESP2: a flat array).
fn stats_fields(con: &mut redis::Connection) -> Vec<String> {
    let reply: Vec<redis::Value> = redis::cmd("MEMORY").arg("STATS").query(con).unwrap();
    reply
        .iter()
        .step_by(2)
        .map(|v| match v {
            redis::Value::BulkString(b) => String::from_utf8_lossy(b).into_owned(),
            other => panic!("field name {other:?}"),
        })
        .collect()
}

#[test]
fn stats_fields_match_redis() {
    let Some(reference) = Reference::start() else {
        return;
    };
    let srv = Server::start(&[]);
    let (mut ours, mut theirs) = (srv.client(), reference.client());
    for con in [&mut ours, &mut theirs] {
        reference::run(con, &[b"SET", b"a", b"b"]);
        reference::run(con, &[b"SELECT", b"3"]);
        reference::run(con, &[b"SET", b"c", b"d"]);
    }
    assert_eq!(stats_fields(&mut ours), stats_fields(&mut theirs));
    // RESP3: a map, per-database maps, doubles for ratios.
    let mut r = srv.raw();
    r.cmd(&["HELLO", "3"]);
    let stats = String::from_utf8(r.cmd(&["MEMORY", "STATS"])).unwrap();
    assert!(
        stats.starts_with("%29\r\n$14\r\npeak.allocated\r\n:"),
        "{stats}"
    );
    assert!(
        stats.contains("$4\r\ndb.3\r\n%3\r\n$23\r\noverhead.hashtable.main\r\n:"),
        "{stats}"
    );
    assert!(stats.contains("$10\r\nkeys.count\r\n:2\r\n"), "{stats}");
    assert!(stats.contains("$18\r\ndataset.percentage\r\n,"), "{stats}");
    let doctor = String::from_utf8(r.cmd(&["MEMORY", "DOCTOR"])).unwrap();
    assert!(
        doctor.starts_with("=272\r\ntxt:Hi Sam, this instance is empty"),
        "{doctor}"
    );
    check(
        &mut r,
        &["MEMORY", "MALLOC-STATS"],
        "$45\r\nStats not supported for the current allocator\r\n",
    );
}

/// MEMORY USAGE of `key` (with extra arguments).
fn usage(r: &mut support::Raw, key: &str, extra: &[&str]) -> i64 {
    let mut args = vec!["MEMORY", "USAGE", key];
    args.extend_from_slice(extra);
    let reply = r.cmd(&args);
    assert_eq!(reply[0], b':', "{}", String::from_utf8_lossy(&reply));
    String::from_utf8_lossy(&reply[1..reply.len() - 2])
        .parse()
        .unwrap()
}

#[test]
fn usage_follows_the_value_size() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    r.cmd(&["SET", "short", "x"]);
    r.cmd(&["SET", "long", &"x".repeat(10_000)]);
    let (short, long) = (usage(&mut r, "short", &[]), usage(&mut r, "long", &[]));
    assert!(short > 0 && short < 200, "{short}");
    assert!((10_000..11_000).contains(&long), "{long}");
    for (kind, fill) in [("RPUSH", "l"), ("SADD", "s"), ("HSET", "h"), ("ZADD", "z")] {
        let small = format!("{fill}_small");
        let big = format!("{fill}_big");
        r.cmd(&[kind, &small, "1", "2"]);
        let mut args = vec![kind.to_string(), big.clone()];
        // Pairs for HSET and ZADD (a number, then a member).
        args.extend((0..2000).flat_map(|i| [i.to_string(), format!("member-{i}")]));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        r.cmd(&args);
        let (small_usage, sampled, all) = (
            usage(&mut r, &small, &[]),
            usage(&mut r, &big, &[]),
            usage(&mut r, &big, &["SAMPLES", "0"]),
        );
        assert!(
            all > 20_000 && all > small_usage * 20,
            "{kind}: {small_usage} {all}"
        );
        // Sampling extrapolates: within a factor of two of the full count.
        assert!(
            sampled * 2 > all && sampled < all * 2,
            "{kind}: {sampled} vs {all}"
        );
    }
}
