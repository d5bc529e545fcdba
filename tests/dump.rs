//! DUMP and RESTORE: payloads move between redis-server 7.0 and ferrocache
//! in both directions for every type and encoding (same values, OBJECT
//! ENCODING and TTL); RESTORE's errors and options as Redis's.

#[path = "support/reference.rs"]
mod reference;
mod support;

use reference::Reference;
use support::Server;

/// Builds one key per type and encoding on `con`.
fn fill(con: &mut redis::Connection) {
    let numbered = |prefix: &str, n: usize| -> Vec<String> {
        (0..n).map(|i| format!("{prefix}{i}")).collect()
    };
    let cmds: Vec<Vec<String>> = vec![
        vec!["SET".into(), "int".into(), "12345".into()],
        vec!["SET".into(), "minint".into(), "-9223372036854775808".into()],
        vec!["SET".into(), "embstr".into(), "hello".into()],
        vec!["SET".into(), "raw".into(), "x".repeat(100)],
        vec!["SET".into(), "compressible".into(), "ab".repeat(60)],
        vec![
            "SET".into(),
            "volatile".into(),
            "v".into(),
            "PX".into(),
            "100000".into(),
        ],
        [vec![
            "RPUSH".into(),
            "small_list".into(),
            "a".into(),
            "1".into(),
            "-7".into(),
            "x".repeat(70),
        ]]
        .concat(),
        [
            vec!["RPUSH".into(), "big_list".into()],
            numbered("element-", 1000),
        ]
        .concat(),
        vec![
            "SADD".into(),
            "intset".into(),
            "1".into(),
            "-3".into(),
            "100000".into(),
            "9999999999".into(),
        ],
        vec![
            "SADD".into(),
            "set".into(),
            "a".into(),
            "b".into(),
            "1".into(),
        ],
        [
            vec!["SADD".into(), "big_intset_table".into()],
            (0..600).map(|i| i.to_string()).collect(),
        ]
        .concat(),
        vec![
            "HSET".into(),
            "small_hash".into(),
            "f1".into(),
            "v1".into(),
            "f2".into(),
            "2".into(),
        ],
        [
            vec!["HSET".into(), "big_hash".into()],
            numbered("field-", 400),
        ]
        .concat(),
        vec![
            "HSET".into(),
            "long_hash".into(),
            "f".into(),
            "y".repeat(100),
        ],
        vec![
            "ZADD".into(),
            "small_zset".into(),
            "1".into(),
            "a".into(),
            "2.5".into(),
            "b".into(),
            "-inf".into(),
            "c".into(),
        ],
        [
            vec!["ZADD".into(), "big_zset".into()],
            (0..200)
                .flat_map(|i| [format!("{}", i as f64 / 3.0), format!("m{i}")])
                .collect(),
        ]
        .concat(),
        vec![
            "ZADD".into(),
            "long_zset".into(),
            "1".into(),
            "z".repeat(100),
        ],
    ];
    for c in cmds {
        let args: Vec<&[u8]> = c.iter().map(|a| a.as_bytes()).collect();
        let reply = reference::run(con, &args);
        assert!(!reply.starts_with("error"), "{c:?}: {reply}");
    }
}

const KEYS: &[&str] = &[
    "int",
    "minint",
    "embstr",
    "raw",
    "compressible",
    "volatile",
    "small_list",
    "big_list",
    "intset",
    "set",
    "big_intset_table",
    "small_hash",
    "big_hash",
    "long_hash",
    "small_zset",
    "big_zset",
    "long_zset",
];

/// The value of `key` in a form two servers can be compared by (sets and
/// hashes sorted), and its encoding.
fn content(con: &mut redis::Connection, key: &str) -> (String, String) {
    let kind: String = redis::cmd("TYPE").arg(key).query(con).unwrap();
    let mut value: Vec<Vec<u8>> = match kind.as_str() {
        "string" => vec![redis::cmd("GET").arg(key).query(con).unwrap()],
        "list" => redis::cmd("LRANGE")
            .arg(key)
            .arg(0)
            .arg(-1)
            .query(con)
            .unwrap(),
        "set" => redis::cmd("SMEMBERS").arg(key).query(con).unwrap(),
        "hash" => redis::cmd("HGETALL").arg(key).query(con).unwrap(),
        _ => redis::cmd("ZRANGE")
            .arg(key)
            .arg(0)
            .arg(-1)
            .arg("WITHSCORES")
            .query(con)
            .unwrap(),
    };
    if kind == "set" || kind == "hash" {
        value.sort();
    }
    let encoding: String = redis::cmd("OBJECT")
        .arg("ENCODING")
        .arg(key)
        .query(con)
        .unwrap();
    (format!("{kind} {value:?}"), encoding)
}

/// DUMPs every key on `from`, RESTOREs it on `to` and compares.
fn move_all(from: &mut redis::Connection, to: &mut redis::Connection, direction: &str) {
    for key in KEYS {
        let payload: Vec<u8> = redis::cmd("DUMP").arg(*key).query(from).unwrap();
        let ttl = if *key == "volatile" { 50_000 } else { 0 };
        let copy = format!("{key}_copy");
        let ok: String = redis::cmd("RESTORE")
            .arg(&copy)
            .arg(ttl)
            .arg(&payload)
            .query(to)
            .unwrap();
        assert_eq!(ok, "OK", "{direction} {key}");
        assert_eq!(content(from, key), content(to, &copy), "{direction} {key}");
        let pttl: i64 = redis::cmd("PTTL").arg(&copy).query(to).unwrap();
        assert_eq!(pttl > 40_000, ttl > 0, "{direction} {key}: pttl {pttl}");
    }
}

#[test]
fn payloads_move_both_ways_with_redis() {
    let Some(reference) = Reference::start() else {
        return;
    };
    let srv = Server::start(&[]);
    let (mut ours, mut theirs) = (srv.client(), reference.client());
    fill(&mut ours);
    fill(&mut theirs);
    move_all(&mut theirs, &mut ours, "redis -> ferrocache");
    move_all(&mut ours, &mut theirs, "ferrocache -> redis");
    // Strings and compact encodings serialize to the same bytes (blobs over
    // 20 bytes are LZF-compressed, and compressors may choose other matches).
    for key in ["int", "embstr", "small_list", "small_hash", "small_zset"] {
        let a: Vec<u8> = redis::cmd("DUMP").arg(key).query(&mut ours).unwrap();
        let b: Vec<u8> = redis::cmd("DUMP").arg(key).query(&mut theirs).unwrap();
        assert_eq!(a, b, "{key}");
    }
}

/// The Jones CRC-64 of Redis's payload footer (reflected, bit by bit).
fn crc64(data: &[u8]) -> u64 {
    let mut crc = 0u64;
    for &b in data {
        crc ^= u64::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0x95AC_9329_AC4B_C9B5
            } else {
                crc >> 1
            };
        }
    }
    crc
}

/// `body` with a version footer and its checksum.
fn payload(body: &[u8], version: u16) -> Vec<u8> {
    let mut p = body.to_vec();
    p.extend_from_slice(&version.to_le_bytes());
    let crc = crc64(&p);
    p.extend_from_slice(&crc.to_le_bytes());
    p
}

#[test]
fn restore_errors_and_options_match_redis() {
    let Some(reference) = Reference::start() else {
        return;
    };
    let srv = Server::start(&[]);
    let (mut ours, mut theirs) = (srv.client(), reference.client());
    let good = payload(b"\x00\x01v", 10);
    let huge_length = payload(b"\x00\x80\xff\xff\xff\xffab", 10);
    let newer = payload(b"\x00\x01v", 11);
    let older = payload(b"\x00\x01v", 9);
    let unknown_type = payload(b"\x08\x01v", 10);
    let empty_list = payload(b"\x12\x00", 10);
    let no_body = payload(b"", 10);
    let cases: Vec<Vec<&[u8]>> = vec![
        vec![b"SET", b"k", b"v"],
        vec![b"DUMP", b"k"],
        vec![b"DUMP", b"nokey"],
        vec![b"RESTORE", b"k", b"0", &good],
        vec![b"RESTORE", b"n", b"x", &good],
        vec![b"RESTORE", b"n", b"-5", &good],
        vec![b"RESTORE", b"n", b"0", b"short"],
        vec![b"RESTORE", b"n", b"0", &newer],
        vec![b"RESTORE", b"n", b"0", &huge_length],
        vec![b"RESTORE", b"n", b"0", &unknown_type],
        vec![b"RESTORE", b"n", b"0", &empty_list],
        vec![b"RESTORE", b"n", b"0", &no_body],
        vec![b"RESTORE", b"n", b"0", &good, b"IDLETIME", b"x"],
        vec![b"RESTORE", b"n", b"0", &good, b"IDLETIME", b"-1"],
        vec![b"RESTORE", b"n", b"0", &good, b"FREQ", b"256"],
        vec![
            b"RESTORE",
            b"n",
            b"0",
            &good,
            b"FREQ",
            b"3",
            b"IDLETIME",
            b"4",
        ],
        vec![b"RESTORE", b"n", b"0", &good, b"IDLETIME"],
        vec![b"RESTORE", b"n", b"0", &good, b"BOGUS"],
        vec![b"RESTORE", b"old", b"0", &older],
        // An expire time already past: nothing created, a replaced key deleted.
        vec![b"RESTORE", b"k", b"1", &good, b"REPLACE", b"ABSTTL"],
        vec![b"EXISTS", b"k"],
        vec![
            b"RESTORE",
            b"k",
            b"0",
            &good,
            b"REPLACE",
            b"IDLETIME",
            b"1000",
        ],
        vec![b"OBJECT", b"IDLETIME", b"k"],
        vec![b"CONFIG", b"SET", b"maxmemory-policy", b"allkeys-lfu"],
        vec![b"RESTORE", b"f", b"0", &good, b"FREQ", b"77"],
        vec![b"OBJECT", b"FREQ", b"f"],
        vec![b"RESTORE", b"a", b"4102444800000", &good, b"ABSTTL"],
        vec![b"PEXPIRETIME", b"a"],
    ];
    for (i, args) in cases.iter().enumerate() {
        let expected = reference::run(&mut theirs, args);
        assert_eq!(reference::run(&mut ours, args), expected, "case #{i}");
    }
}

#[test]
fn a_relative_ttl_reaches_the_aof_as_absttl() {
    let srv = Server::start(&["--appendonly", "yes"]);
    let mut r = srv.raw();
    let good = payload(b"\x00\x01v", 10);
    let frame = support::frame(&[b"RESTORE", b"k", b"100000", &good]);
    r.send(&frame);
    assert_eq!(r.reply(), b"+OK\r\n");
    let pexpiretime = r.cmd(&["PEXPIRETIME", "k"]);
    let at = String::from_utf8_lossy(&pexpiretime[1..pexpiretime.len() - 2]).into_owned();
    support::wait_until("the AOF holds the RESTORE", || {
        let aof = std::fs::read_dir(srv.dir.join("appendonlydir"))
            .into_iter()
            .flatten()
            .flatten()
            .filter(|f| f.file_name().to_string_lossy().contains(".incr."))
            .map(|f| std::fs::read(f.path()).unwrap_or_default())
            .next()
            .unwrap_or_default();
        let text = String::from_utf8_lossy(&aof);
        text.contains("RESTORE") && text.contains(&at) && text.contains("ABSTTL")
    });
}
