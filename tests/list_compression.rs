//! list-compress-depth: lists whose inner nodes are LZF-compressed answer
//! every list command as redis-server 7.0 does, take less memory, and move
//! through RDB files to and from redis-server. Needs redis-server (and
//! redis-check-rdb); `make test` installs them.

#[path = "support/reference.rs"]
mod reference;
mod support;

use reference::{run, Reference, Rng};
use support::{Server, TempDir};

/// An element of the random workload: short and repetitive (compressible),
/// an integer, or one of a few pivots that LINSERT/LREM/LPOS look for.
fn value(rng: &mut Rng) -> String {
    match rng.below(5) {
        0 => format!("pivot{}", rng.below(4)),
        1 => rng.range(-5000, 5000).to_string(),
        2 => "x".repeat(rng.below(300) as usize),
        _ => format!("element:{:06}", rng.below(1_000_000)),
    }
}

/// A random list command on one of two keys (wire form).
fn command(rng: &mut Rng) -> Vec<String> {
    let key = if rng.below(4) == 0 { "other" } else { "list" };
    let index = rng.range(-700, 700).to_string();
    let words: Vec<String> = match rng.below(16) {
        0..=3 => {
            let push = if rng.below(2) == 0 { "LPUSH" } else { "RPUSH" };
            let mut w = vec![push.to_string(), key.to_string()];
            for _ in 0..1 + rng.below(40) {
                w.push(value(rng));
            }
            w
        }
        4 => vec!["LPOP".into(), key.into(), (1 + rng.below(30)).to_string()],
        5 => vec!["RPOP".into(), key.into()],
        6 => vec!["LINDEX".into(), key.into(), index],
        7 => vec!["LSET".into(), key.into(), index, value(rng)],
        8 => {
            let side = if rng.below(2) == 0 { "BEFORE" } else { "AFTER" };
            vec![
                "LINSERT".into(),
                key.into(),
                side.into(),
                value(rng),
                value(rng),
            ]
        }
        9 => vec![
            "LREM".into(),
            key.into(),
            rng.range(-3, 3).to_string(),
            value(rng),
        ],
        10 => {
            let mut w = vec!["LPOS".into(), key.into(), value(rng)];
            w.extend(["RANK".into(), rng.range(-3, 3).to_string()]);
            w.extend(["COUNT".into(), rng.below(4).to_string()]);
            if w[4] == "0" {
                w[4] = "1".into();
            }
            w
        }
        11 => {
            let start = rng.range(-800, 800).to_string();
            vec![
                "LRANGE".into(),
                key.into(),
                start,
                rng.range(-800, 800).to_string(),
            ]
        }
        12 => vec![
            "LTRIM".into(),
            key.into(),
            rng.range(-3, 5).to_string(),
            rng.range(-5, 900).to_string(),
        ],
        13 => {
            let (a, b) = if rng.below(2) == 0 {
                ("list", "other")
            } else {
                ("other", "list")
            };
            let from = if rng.below(2) == 0 { "LEFT" } else { "RIGHT" };
            let to = if rng.below(2) == 0 { "LEFT" } else { "RIGHT" };
            vec!["LMOVE".into(), a.into(), b.into(), from.into(), to.into()]
        }
        14 => vec!["RPOPLPUSH".into(), key.into(), key.into()],
        _ => vec!["LLEN".into(), key.into()],
    };
    words
}

fn send(con: &mut redis::Connection, words: &[String]) -> String {
    let args: Vec<&[u8]> = words.iter().map(|w| w.as_bytes()).collect();
    run(con, &args)
}

#[test]
fn replies_match_redis_over_compressed_nodes() {
    let Some(reference) = Reference::start() else {
        return;
    };
    let ours = Server::start(&["--save", ""]);
    let (mut theirs, mut mine) = (reference.client(), ours.client());
    let mut rng = Rng(0x51_7e_c0_de);
    let mut longest = 0;
    for step in 0..3000 {
        if step % 600 == 0 {
            let depth = [1, 2, 1, 0, 3][step / 600];
            // Small nodes (8 entries) so that a few hundred elements make
            // many nodes; CONFIG SET changes the depth while lists exist.
            for con in [&mut theirs, &mut mine] {
                for (name, v) in [
                    ("list-max-listpack-size", "8".to_string()),
                    ("list-compress-depth", depth.to_string()),
                ] {
                    send(con, &["CONFIG".into(), "SET".into(), name.into(), v]);
                }
            }
        }
        let words = command(&mut rng);
        assert_eq!(
            send(&mut mine, &words),
            send(&mut theirs, &words),
            "step {step}: {words:?}"
        );
        let len: i64 = redis::cmd("LLEN").arg("list").query(&mut mine).unwrap();
        longest = longest.max(len);
    }
    // Long enough for dozens of nodes, most of them inner ones.
    assert!(longest > 300, "the list reached only {longest} elements");
    for key in ["list", "other"] {
        let words: Vec<String> = vec!["LRANGE".into(), key.into(), "0".into(), "-1".into()];
        assert_eq!(send(&mut mine, &words), send(&mut theirs, &words));
    }
    let enc: Vec<String> = vec!["OBJECT".into(), "ENCODING".into(), "list".into()];
    assert_eq!(send(&mut mine, &enc), send(&mut theirs, &enc));
}

fn used_memory(con: &mut redis::Connection) -> u64 {
    let info: String = redis::cmd("INFO").arg("memory").query(con).unwrap();
    info.lines()
        .find_map(|l| l.strip_prefix("used_memory:"))
        .expect("used_memory in INFO")
        .trim()
        .parse()
        .unwrap()
}

/// Pushes `n` 16-byte elements onto `key` in batches.
fn push_many(con: &mut redis::Connection, key: &str, n: usize) {
    for start in (0..n).step_by(1000) {
        let mut cmd = redis::cmd("RPUSH");
        cmd.arg(key);
        for i in start..(start + 1000).min(n) {
            cmd.arg(format!("element:{i:08}"));
        }
        let _: i64 = cmd.query(con).unwrap();
    }
}

#[test]
fn compressed_inner_nodes_take_less_memory_and_reads_leave_them_so() {
    let ours = Server::start(&["--save", "", "--list-compress-depth", "1"]);
    let mut con = ours.client();
    let before = used_memory(&mut con);
    push_many(&mut con, "compressed", 100_000);
    let compressed = used_memory(&mut con) - before;
    // Reads expand nodes into buffers of their own: memory stays as it was.
    let all: Vec<String> = redis::cmd("LRANGE")
        .arg("compressed")
        .arg(0)
        .arg(-1)
        .query(&mut con)
        .unwrap();
    assert_eq!(all.len(), 100_000);
    assert_eq!(all[54_321], "element:00054321");
    let mid: String = redis::cmd("LINDEX")
        .arg("compressed")
        .arg(50_000)
        .query(&mut con)
        .unwrap();
    assert_eq!(mid, "element:00050000");
    assert!(used_memory(&mut con) - before < compressed + 64 * 1024);
    let _: () = redis::cmd("CONFIG")
        .arg("SET")
        .arg("list-compress-depth")
        .arg(0)
        .query(&mut con)
        .unwrap();
    let before = used_memory(&mut con);
    push_many(&mut con, "raw", 100_000);
    let raw = used_memory(&mut con) - before;
    assert!(
        compressed * 2 < raw,
        "compressed {compressed} bytes, raw {raw} bytes"
    );
}

#[test]
fn compressed_lists_move_through_rdb_files_both_ways() {
    let dir = TempDir::new("list-compression-rdb");
    let dir_arg = dir.path.to_str().unwrap();
    let ours = Server::start(&[
        "--dir",
        dir_arg,
        "--save",
        "",
        "--list-compress-depth",
        "2",
        "--enable-debug-command",
        "yes",
    ]);
    let mut con = ours.client();
    push_many(&mut con, "l", 20_000);
    let _: i64 = redis::cmd("LPUSH")
        .arg("l")
        .arg("x".repeat(20_000))
        .query(&mut con)
        .unwrap();
    let _: () = redis::cmd("LSET")
        .arg("l")
        .arg(9_000)
        .arg("changed")
        .query(&mut con)
        .unwrap();
    let lrange = |con: &mut redis::Connection| -> Vec<String> {
        redis::cmd("LRANGE")
            .arg("l")
            .arg(0)
            .arg(-1)
            .query(con)
            .unwrap()
    };
    let expected = lrange(&mut con);
    let _: () = redis::cmd("DEBUG").arg("RELOAD").query(&mut con).unwrap();
    assert_eq!(lrange(&mut con), expected, "DEBUG RELOAD");
    let _: () = redis::cmd("SAVE").query(&mut con).unwrap();
    drop(con);
    drop(ours);
    let check = std::process::Command::new("redis-check-rdb")
        .arg(dir.path.join("dump.rdb"))
        .output()
        .expect("redis-check-rdb (Debian package redis-tools) must be installed");
    assert!(String::from_utf8_lossy(&check.stdout).contains("RDB looks OK"));
    // redis-server reads the compressed nodes; a list it builds with depth 1
    // goes to its file compressed, and ferrocache reads that.
    let redis = Reference::start_in(&dir.path);
    let mut con = redis.client();
    assert_eq!(lrange(&mut con), expected, "redis-server loaded our file");
    let _: () = redis::cmd("CONFIG")
        .arg("SET")
        .arg("list-compress-depth")
        .arg(1)
        .query(&mut con)
        .unwrap();
    push_many(&mut con, "from-redis", 20_000);
    let from_redis: Vec<String> = redis::cmd("LRANGE")
        .arg("from-redis")
        .arg(0)
        .arg(-1)
        .query(&mut con)
        .unwrap();
    let _: () = redis::cmd("SAVE").query(&mut con).unwrap();
    drop(con);
    drop(redis);
    let ours = Server::start(&["--dir", dir_arg, "--save", "", "--list-compress-depth", "1"]);
    let mut con = ours.client();
    assert_eq!(
        lrange(&mut con),
        expected,
        "ferrocache loaded redis-server's file"
    );
    let got: Vec<String> = redis::cmd("LRANGE")
        .arg("from-redis")
        .arg(0)
        .arg(-1)
        .query(&mut con)
        .unwrap();
    assert_eq!(got, from_redis);
}
