//! RDB files move between redis-server 7.0 and ferrocache both ways, for
//! every data type and encoding, with expiries and several databases; and
//! redis-check-rdb accepts what ferrocache writes. Needs redis-server and
//! redis-check-rdb (Debian: redis-server, redis-tools; `make test` installs them).

#[path = "support/reference.rs"]
mod reference;
mod support;

use reference::Reference;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use support::Server;

fn temp_dir(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("ferrocache-interop-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(con: &mut redis::Connection, args: &[&str]) -> redis::Value {
    let mut cmd = redis::cmd(args[0]);
    for a in &args[1..] {
        cmd.arg(*a);
    }
    cmd.query(con).unwrap_or_else(|e| panic!("{args:?}: {e}"))
}

/// Keys of every type, in the encodings Redis 7.0 picks for small and big
/// values, some volatile, in databases 0 and 5.
fn populate(con: &mut redis::Connection) {
    let long_text = "compressible ".repeat(100);
    let c = &mut *con;
    run(c, &["SELECT", "0"]);
    run(c, &["SET", "str:int", "12345"]);
    run(c, &["SET", "str:negative", "-9000000000"]);
    run(c, &["SET", "str:short", "hello"]);
    run(c, &["SET", "str:long", &long_text]);
    run(c, &["SET", "str:volatile", "soon", "EX", "100000"]);
    run(c, &["SET", "str:binary", "a\r\nb\x00c"]);
    run(c, &["RPUSH", "list:small", "a", "1", "-7", "bb"]);
    for i in 0..300 {
        let v = format!("element-{i}-{}", "x".repeat(i % 70));
        run(c, &["RPUSH", "list:big", &v]);
    }
    run(
        c,
        &["RPUSH", "list:huge-element", &"y".repeat(9000), "small"],
    );
    run(c, &["HSET", "hash:small", "f1", "v1", "f2", "2", "n", "-3"]);
    for i in 0..600 {
        run(
            c,
            &[
                "HSET",
                "hash:big",
                &format!("field{i}"),
                &format!("value{i}"),
            ],
        );
    }
    run(c, &["HSET", "hash:long-value", "f", &"z".repeat(100)]);
    run(
        c,
        &[
            "SADD",
            "set:ints",
            "1",
            "2",
            "3",
            "-100",
            "70000",
            "5000000000",
        ],
    );
    run(c, &["SADD", "set:strings", "a", "b", "c"]);
    for i in 0..600 {
        run(c, &["SADD", "set:many-ints", &i.to_string()]);
    }
    run(
        c,
        &[
            "ZADD",
            "zset:small",
            "1",
            "a",
            "2.5",
            "b",
            "-3",
            "c",
            "inf",
            "d",
        ],
    );
    for i in 0..200 {
        run(
            c,
            &[
                "ZADD",
                "zset:big",
                &format!("{}.25", i * 3),
                &format!("member{i}"),
            ],
        );
    }
    run(c, &["EXPIRE", "zset:big", "200000"]);
    run(c, &["SELECT", "5"]);
    run(c, &["SET", "db5:key", "in db 5"]);
    run(c, &["HSET", "db5:hash", "a", "b"]);
    run(c, &["PEXPIRE", "db5:hash", "300000000"]);
    run(c, &["SELECT", "0"]);
}

/// Every key of databases 0..16 with its type, exact contents, encoding and
/// absolute expire time.
fn contents(con: &mut redis::Connection) -> BTreeMap<String, String> {
    let mut all = BTreeMap::new();
    for db in 0..16 {
        run(con, &["SELECT", &db.to_string()]);
        let keys: Vec<String> = redis::cmd("KEYS").arg("*").query(con).unwrap();
        for key in keys {
            let kind: String = redis::cmd("TYPE").arg(&key).query(con).unwrap();
            let value: Vec<String> = match kind.as_str() {
                "string" => vec![redis::cmd("GET").arg(&key).query(con).unwrap()],
                "list" => redis::cmd("LRANGE")
                    .arg(&key)
                    .arg(0)
                    .arg(-1)
                    .query(con)
                    .unwrap(),
                "hash" => sorted(redis::cmd("HGETALL").arg(&key).query(con).unwrap()),
                "set" => sorted(redis::cmd("SMEMBERS").arg(&key).query(con).unwrap()),
                "zset" => redis::cmd("ZRANGE")
                    .arg(&key)
                    .arg(0)
                    .arg(-1)
                    .arg("WITHSCORES")
                    .query(con)
                    .unwrap(),
                other => panic!("unexpected type {other}"),
            };
            let encoding: String = redis::cmd("OBJECT")
                .arg("ENCODING")
                .arg(&key)
                .query(con)
                .unwrap();
            let expire_at: i64 = redis::cmd("PEXPIRETIME").arg(&key).query(con).unwrap();
            all.insert(
                format!("db{db}:{key}"),
                format!("{kind} {encoding} expire_at={expire_at} {value:?}"),
            );
        }
    }
    run(con, &["SELECT", "0"]);
    all
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// Both sides hold the same keys with the same contents.
fn assert_same(expected: &BTreeMap<String, String>, got: &BTreeMap<String, String>) {
    assert_eq!(
        expected.keys().collect::<Vec<_>>(),
        got.keys().collect::<Vec<_>>(),
        "key sets differ"
    );
    for (key, want) in expected {
        assert_eq!(&got[key], want, "{key}");
    }
    assert_eq!(expected.len(), 19, "every key of the fixture");
}

fn redis_check_rdb(file: &Path) {
    let out = Command::new("redis-check-rdb")
        .arg(file)
        .output()
        .expect("redis-check-rdb (Debian package redis-tools) must be installed");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && text.contains("RDB looks OK"),
        "redis-check-rdb refused {}: {text}",
        file.display()
    );
}

#[test]
fn redis_loads_what_ferrocache_saves() {
    let dir = temp_dir("to-redis");
    let dir_arg = dir.to_str().unwrap();
    let ours = Server::start(&["--dir", dir_arg, "--save", ""]);
    let mut con = ours.client();
    populate(&mut con);
    let expected = contents(&mut con);
    assert_eq!(run(&mut con, &["SAVE"]), redis::Value::Okay);
    drop(con);
    drop(ours);
    redis_check_rdb(&dir.join("dump.rdb"));
    let redis = Reference::start_in(&dir);
    assert_same(&expected, &contents(&mut redis.client()));
    drop(redis);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn ferrocache_loads_what_redis_saves() {
    let dir = temp_dir("from-redis");
    let redis = Reference::start_in(&dir);
    let mut con = redis.client();
    populate(&mut con);
    let expected = contents(&mut con);
    assert_eq!(run(&mut con, &["SAVE"]), redis::Value::Okay);
    drop(con);
    drop(redis);
    let ours = Server::start(&["--dir", dir.to_str().unwrap(), "--save", ""]);
    assert_same(&expected, &contents(&mut ours.client()));
    // And back: what ferrocache writes from Redis's data still checks out.
    let mut con = ours.client();
    assert_eq!(run(&mut con, &["SAVE"]), redis::Value::Okay);
    redis_check_rdb(&dir.join("dump.rdb"));
    drop(con);
    drop(ours);
    std::fs::remove_dir_all(&dir).unwrap();
}
