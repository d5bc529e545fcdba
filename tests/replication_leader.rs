//! ferrocache as a replication leader: a stock redis-server 7.0 replica
//! (started with `--replicaof`) must hold the same data after a disk-based
//! and a diskless full sync, live writes, a partial resync and a backlog
//! overrun; WAIT counts its acknowledgements; a misbehaving replica leaves
//! the leader serving with bounded memory.

#[path = "support/reference.rs"]
mod reference;
mod support;

use reference::Reference;
use std::io::{Read, Write};
use std::time::{Duration, Instant};
use support::dataset::{assert_same, snapshot};
use support::{wait_until, Raw, Server, TempDir};

/// A redis-server replica of the server on `leader_port` (its own
/// directory, no persistence).
struct Replica {
    server: Reference,
    _dir: TempDir,
}

fn start_replica(leader_port: u16) -> Replica {
    start_replica_with(leader_port, &[])
}

/// [`start_replica`] with more redis-server arguments.
fn start_replica_with(leader_port: u16, extra: &[&str]) -> Replica {
    let dir = TempDir::new("replica");
    let conf = dir.path.join("redis.conf");
    std::fs::write(&conf, "").unwrap();
    let dir_arg = dir.path.display().to_string();
    let port = leader_port.to_string();
    let mut args = vec![
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        &dir_arg,
        "--replicaof",
        "127.0.0.1",
        &port,
    ];
    args.extend_from_slice(extra);
    let server = Reference::start_with(&dir.path, &conf, &args);
    Replica { server, _dir: dir }
}

/// One field of `INFO section` of any server on `port`.
fn info(port: u16, section: &str, field: &str) -> String {
    support::info_field(port, section, field).unwrap_or_default()
}

fn wait_link_up(replica: &Replica) {
    wait_until("the replica's link to be up", || {
        info(replica.server.port, "replication", "master_link_status") == "up"
    });
}

/// Waits until the replica has processed everything the leader streamed.
fn wait_caught_up(leader: &Server, replica: &Replica) {
    wait_until("the replica to catch up", || {
        let want: i64 = info(leader.port, "replication", "master_repl_offset")
            .parse()
            .unwrap();
        let got: i64 = info(replica.server.port, "replication", "slave_repl_offset")
            .parse()
            .unwrap_or(-1);
        got >= want
    });
}

/// Keys of every type, with and without TTLs, in databases 0 and 3.
fn populate(leader: &Server) {
    let mut r = leader.raw();
    for i in 0..200 {
        let k = format!("s{i}");
        r.cmd(&["SET", &k, &format!("value-{i}")]);
    }
    r.cmd(&["SET", "ttl", "x", "EX", "1000"]);
    r.cmd(&["RPUSH", "list", "a", "b", "c"]);
    r.cmd(&["HSET", "hash", "f1", "v1", "f2", "v2"]);
    r.cmd(&["SADD", "set", "m1", "m2", "3"]);
    r.cmd(&["ZADD", "zset", "1", "a", "2.5", "b"]);
    r.cmd(&["SET", "big", &"x".repeat(200_000)]);
    r.cmd(&["SELECT", "3"]);
    r.cmd(&["SET", "in3", "three"]);
    r.cmd(&["PEXPIRE", "in3", "500000"]);
}

fn assert_same_data(leader: &Server, replica: &Replica) {
    wait_caught_up(leader, replica);
    let expected = snapshot(&mut leader.client(), &[0, 3]);
    let actual = snapshot(&mut replica.server.client(), &[0, 3]);
    assert!(expected.len() > 3, "the leader has data");
    assert_same(&actual, &expected);
}

/// Live writes of every propagation form: MULTI/EXEC, relative TTLs,
/// INCRBYFLOAT, other databases, keys that expire on the leader.
fn live_writes(leader: &Server) {
    let mut r = leader.raw();
    r.cmd(&["MULTI"]);
    r.cmd(&["SET", "tx1", "1"]);
    r.cmd(&["INCR", "tx1"]);
    r.cmd(&["LPUSH", "list", "z"]);
    assert!(r.cmd(&["EXEC"]).starts_with(b"*3"));
    r.cmd(&["SET", "e", "v"]);
    r.cmd(&["EXPIRE", "e", "100"]);
    r.cmd(&["SET", "fl", "1.25"]);
    r.cmd(&["INCRBYFLOAT", "fl", "0.5"]);
    r.cmd(&["SET", "short", "gone", "PX", "30"]);
    r.cmd(&["SETEX", "sx", "500", "v"]);
    r.cmd(&["SELECT", "3"]);
    r.cmd(&["SET", "three-live", "3"]);
    r.cmd(&["HINCRBY", "h3", "f", "7"]);
    r.cmd(&["SELECT", "0"]);
    r.cmd(&["DEL", "s1", "s2"]);
    wait_until("the short key to expire on the leader", || {
        r.cmd(&["EXISTS", "short"]) == b":0\r\n"
    });
}

#[test]
fn disk_full_sync_then_live_writes() {
    let leader = Server::start(&["--repl-diskless-sync", "no"]);
    populate(&leader);
    let replica = start_replica(leader.port);
    wait_link_up(&replica);
    assert_same_data(&leader, &replica);
    live_writes(&leader);
    assert_same_data(&leader, &replica);
    // The AOF is the stream's other sink: turning it on and off again
    // changes nothing for the replica.
    let mut r = leader.raw();
    assert_eq!(r.cmd(&["CONFIG", "SET", "appendonly", "yes"]), b"+OK\r\n");
    r.cmd(&["SET", "with-aof", "1"]);
    r.cmd(&["SELECT", "3"]);
    r.cmd(&["INCR", "with-aof-3"]);
    wait_until("the AOF base", || {
        info(leader.port, "persistence", "aof_rewrite_in_progress") == "0"
    });
    assert_eq!(r.cmd(&["CONFIG", "SET", "appendonly", "no"]), b"+OK\r\n");
    r.cmd(&["INCR", "with-aof-3"]);
    r.cmd(&["SET", "after-aof", "1"]);
    assert_same_data(&leader, &replica);
    assert_eq!(
        replica.server.cli(&["-n", "3", "GET", "with-aof-3"]).trim(),
        "2"
    );
    assert_eq!(info(leader.port, "stats", "sync_full"), "1");
    assert_eq!(info(leader.port, "replication", "connected_slaves"), "1");
    let slave0 = info(leader.port, "replication", "slave0");
    assert!(slave0.contains(",state=online,"), "{slave0}");
    let port = replica.server.port.to_string();
    assert!(
        slave0.starts_with(&format!("ip=127.0.0.1,port={port},")),
        "{slave0}"
    );
    let list = String::from_utf8(leader.raw().cmd(&["CLIENT", "LIST", "TYPE", "replica"])).unwrap();
    assert!(list.contains(" flags=S "), "{list}");
}

#[test]
fn diskless_full_sync_then_live_writes() {
    let leader = Server::start(&[
        "--repl-diskless-sync",
        "yes",
        "--repl-diskless-sync-delay",
        "0",
    ]);
    populate(&leader);
    let replica = start_replica(leader.port);
    wait_link_up(&replica);
    assert_same_data(&leader, &replica);
    live_writes(&leader);
    assert_same_data(&leader, &replica);
    // ROLE lists the replica once its first ACK put it online.
    wait_until("ROLE to list the replica", || {
        let role = leader.raw().cmd(&["ROLE"]);
        role.starts_with(b"*3\r\n$6\r\nmaster\r\n:") && role.ends_with(b"\r\n") && {
            let text = String::from_utf8_lossy(&role);
            text.contains(&format!(
                "${}\r\n{}\r\n",
                replica.server.port.to_string().len(),
                replica.server.port
            ))
        }
    });
}

#[test]
fn diskless_delay_shares_one_snapshot_between_two_replicas() {
    let leader = Server::start(&[
        "--repl-diskless-sync",
        "yes",
        "--repl-diskless-sync-delay",
        "1",
    ]);
    populate(&leader);
    let a = start_replica(leader.port);
    let b = start_replica(leader.port);
    wait_link_up(&a);
    wait_link_up(&b);
    assert_same_data(&leader, &a);
    assert_same_data(&leader, &b);
    assert_eq!(info(leader.port, "stats", "sync_full"), "2");
}

#[test]
fn killed_link_resumes_with_a_partial_resync() {
    let leader = Server::start(&["--repl-diskless-sync-delay", "0"]);
    populate(&leader);
    let replica = start_replica(leader.port);
    wait_link_up(&replica);
    wait_caught_up(&leader, &replica);
    let killed = replica.server.cli(&["CLIENT", "KILL", "TYPE", "master"]);
    assert_eq!(killed.trim(), "1");
    leader.raw().cmd(&["SET", "after", "kill"]);
    wait_until("the partial resync", || {
        info(leader.port, "stats", "sync_partial_ok") == "1"
    });
    wait_link_up(&replica);
    live_writes(&leader);
    assert_same_data(&leader, &replica);
    assert_eq!(info(leader.port, "stats", "sync_full"), "1");
}

#[test]
fn backlog_overrun_falls_back_to_a_full_sync() {
    let leader = Server::start(&[
        "--repl-backlog-size",
        "16384",
        "--repl-diskless-sync-delay",
        "0",
    ]);
    populate(&leader);
    let replica = start_replica(leader.port);
    wait_link_up(&replica);
    wait_caught_up(&leader, &replica);
    // Detached while far more than the backlog holds is written; on
    // reattaching it asks to continue from where it stopped.
    assert_eq!(replica.server.cli(&["REPLICAOF", "NO", "ONE"]).trim(), "OK");
    let mut r = leader.raw();
    let value = "y".repeat(1000);
    for i in 0..100 {
        r.cmd(&["SET", &format!("overrun{i}"), &value]);
    }
    let port = leader.port.to_string();
    replica.server.cli(&["REPLICAOF", "127.0.0.1", &port]);
    wait_until("a second full sync", || {
        info(leader.port, "stats", "sync_full") == "2"
    });
    wait_link_up(&replica);
    assert_same_data(&leader, &replica);
    assert_eq!(
        info(leader.port, "replication", "repl_backlog_size"),
        "16384"
    );
}

#[test]
fn wait_counts_acknowledging_replicas() {
    let leader = Server::start(&["--repl-diskless-sync-delay", "0"]);
    let mut r = leader.raw();
    // No replica: WAIT times out with 0.
    r.cmd(&["SET", "k", "v"]);
    let started = Instant::now();
    assert_eq!(r.cmd(&["WAIT", "1", "200"]), b":0\r\n");
    assert!(started.elapsed() >= Duration::from_millis(150));
    assert_eq!(r.cmd(&["WAIT", "0", "0"]), b":0\r\n");
    // CLIENT UNBLOCK releases a WAIT with its count (ERROR: -UNBLOCKED).
    let id = String::from_utf8(r.cmd(&["CLIENT", "ID"])).unwrap();
    let id = id.trim_start_matches(':').trim().to_string();
    r.send(&support::frame(&[b"WAIT", b"1", b"0"]));
    let mut other = leader.raw();
    wait_until("WAIT to block", || {
        info(leader.port, "clients", "blocked_clients") == "1"
    });
    assert_eq!(other.cmd(&["CLIENT", "UNBLOCK", &id]), b":1\r\n");
    assert_eq!(r.reply(), b":0\r\n");
    r.send(&support::frame(&[b"WAIT", b"1", b"0"]));
    wait_until("WAIT to block", || {
        info(leader.port, "clients", "blocked_clients") == "1"
    });
    assert_eq!(other.cmd(&["CLIENT", "UNBLOCK", &id, "ERROR"]), b":1\r\n");
    assert_eq!(
        r.reply(),
        b"-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n"
    );
    assert_eq!(r.cmd(&["WAIT", "1", "-1"]), b"-ERR timeout is negative\r\n");
    let replica = start_replica(leader.port);
    wait_link_up(&replica);
    wait_until("the replica to be online", || {
        info(leader.port, "replication", "slave0").contains("state=online")
    });
    // A client that wrote nothing waits for nothing (WAIT 1 0 would block forever).
    assert_eq!(leader.raw().cmd(&["WAIT", "1", "0"]), b":1\r\n");
    // GETACK makes the replica answer at once, not at its next
    // once-a-second ACK: five rounds take far less than five seconds.
    let started = Instant::now();
    for i in 0..5 {
        r.cmd(&["SET", "k", &format!("round{i}")]);
        assert_eq!(r.cmd(&["WAIT", "1", "2000"]), b":1\r\n");
    }
    assert!(
        started.elapsed() < Duration::from_millis(2500),
        "{:?}",
        started.elapsed()
    );
    r.cmd(&["SET", "k", "v2"]);
    assert_eq!(r.cmd(&["WAIT", "1", "1000"]), b":1\r\n");
    assert_eq!(r.cmd(&["GET", "k"]), b"$2\r\nv2\r\n");
    // Two replicas asked, one exists: the timeout answers 1.
    r.cmd(&["SET", "k", "v3"]);
    assert_eq!(r.cmd(&["WAIT", "2", "300"]), b":1\r\n");
    wait_caught_up(&leader, &replica);
    assert_eq!(replica.server.cli(&["GET", "k"]).trim(), "v3");
}

#[test]
fn min_replicas_to_write_refuses_writes_without_good_replicas() {
    let leader = Server::start(&["--min-replicas-to-write", "1"]);
    let mut r = leader.raw();
    wait_until("the timer to count no good replica", || {
        r.cmd(&["SET", "k", "v"]) == b"-NOREPLICAS Not enough good replicas to write.\r\n"
    });
    assert_eq!(r.cmd(&["GET", "k"]), b"$-1\r\n");
    let replica = start_replica(leader.port);
    wait_link_up(&replica);
    wait_until("writes to be accepted", || {
        r.cmd(&["SET", "k", "v"]) == b"+OK\r\n"
    });
}

#[test]
fn handshake_replies_match_redis() {
    let leader = Server::start(&["--repl-diskless-sync", "no"]);
    let mut r = leader.raw();
    assert_eq!(r.cmd(&["REPLCONF"]), b"+OK\r\n");
    assert_eq!(r.cmd(&["REPLCONF", "foo"]), b"-ERR syntax error\r\n");
    assert_eq!(
        r.cmd(&["REPLCONF", "foo", "bar"]),
        b"-ERR Unrecognized REPLCONF option: foo\r\n"
    );
    assert_eq!(
        r.cmd(&["REPLCONF", "listening-port", "abc"]),
        b"-ERR value is not an integer or out of range\r\n"
    );
    assert_eq!(
        r.cmd(&["REPLCONF", "capa", "eof", "capa", "psync2"]),
        b"+OK\r\n"
    );
    // Pipelined behind a reply not sent yet, PSYNC is refused (as Redis).
    let mut both = support::frame(&[b"PING"]);
    both.extend(support::frame(&[b"PSYNC", b"?", b"-1"]));
    r.send(&both);
    assert_eq!(r.reply(), b"+PONG\r\n");
    assert_eq!(
        r.reply(),
        b"-ERR SYNC and PSYNC are invalid with pending output\r\n"
    );
    assert_eq!(
        r.cmd(&["PSYNC", "x", "abc"]),
        b"-ERR value is not an integer or out of range\r\n"
    );
    assert_eq!(
        r.cmd(&["PSYNC", "x"]),
        b"-ERR wrong number of arguments for 'psync' command\r\n"
    );
    // ACK from a non-replica: no reply at all (the PING answers next).
    r.send(b"*3\r\n$8\r\nREPLCONF\r\n$3\r\nACK\r\n$1\r\n5\r\n");
    assert_eq!(r.cmd(&["PING"]), b"+PONG\r\n");
    let before = info(leader.port, "replication", "master_replid");
    let line = r.cmd(&["PSYNC", "?", "-1"]);
    let text = String::from_utf8(line).unwrap();
    let id = text
        .strip_prefix("+FULLRESYNC ")
        .and_then(|t| t.strip_suffix(" 0\r\n"))
        .unwrap_or_else(|| panic!("{text:?}"));
    assert_eq!(id.len(), 40);
    assert_ne!(id, before, "the first replica renames the history");
    assert_eq!(info(leader.port, "replication", "master_replid"), id);
    assert_eq!(info(leader.port, "replication", "repl_backlog_active"), "1");
    // Then `$<len>\r\n` and an RDB with the replication aux fields.
    let mut got = Vec::new();
    let mut chunk = [0u8; 65536];
    wait_until("the snapshot", || {
        let n = r.s.read(&mut chunk).unwrap();
        got.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&got);
        let trimmed = text.trim_start_matches('\n');
        trimmed
            .split_once("\r\n")
            .and_then(|(len, rest)| {
                Some((len.strip_prefix('$')?.parse::<usize>().ok()?, rest.len()))
            })
            .is_some_and(|(len, have)| have >= len)
    });
    let text = String::from_utf8_lossy(&got);
    assert!(text.contains("REDIS0010"), "{text:?}");
    assert!(text.contains("repl-id"));
    assert!(text.contains(id));
}

#[test]
fn misbehaving_replicas_leave_the_leader_serving() {
    let leader = Server::start(&["--repl-diskless-sync", "no"]);
    let mut r = leader.raw();
    // About 20 MB of data, so a snapshot takes many socket buffers.
    let value = "z".repeat(10_000);
    for i in 0..2000 {
        r.cmd(&["SET", &format!("k{i}"), &value]);
    }
    let used_before: u64 = info(leader.port, "memory", "used_memory").parse().unwrap();
    // A replica that never reads its snapshot.
    let mut stuck = std::net::TcpStream::connect(("127.0.0.1", leader.port)).unwrap();
    stuck
        .write_all(b"*3\r\n$5\r\nPSYNC\r\n$1\r\n?\r\n$2\r\n-1\r\n")
        .unwrap();
    // One that sends garbage after PSYNC.
    let mut garbage = std::net::TcpStream::connect(("127.0.0.1", leader.port)).unwrap();
    garbage.write_all(b"SYNC\r\n").unwrap();
    garbage
        .write_all(&[0xff, 0x00, b'*', b'9', b'\r', b'\n', b'x'])
        .unwrap();
    garbage.write_all(b"\r\n*-5\r\n$\r\n").unwrap();
    wait_until("both to be replicas", || {
        info(leader.port, "stats", "sync_full") == "2"
    });
    // The leader keeps serving while the snapshot waits on the stuck one.
    for i in 0..50 {
        assert_eq!(r.cmd(&["SET", &format!("w{i}"), "1"]), b"+OK\r\n");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(r.cmd(&["PING"]), b"+PONG\r\n");
    let used_after: u64 = info(leader.port, "memory", "used_memory").parse().unwrap();
    assert!(
        used_after < used_before + 8 * 1024 * 1024,
        "memory grew from {used_before} to {used_after}"
    );
    drop(garbage);
    let mut buf = [0u8; 16];
    stuck
        .set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let _ = stuck.read(&mut buf);
    drop(stuck);
    assert_eq!(r.cmd(&["PING"]), b"+PONG\r\n");
}

/// `INFO replication` of any server on `port` as (field, value) lines.
fn info_fields(port: u16) -> Vec<(String, String)> {
    let reply = Raw::connect(port).cmd(&["INFO", "replication"]);
    let text = String::from_utf8_lossy(&reply).into_owned();
    text.lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The shape of INFO replication with one online replica: the same fields
/// in the same order as a redis-server master's, and values that agree.
#[test]
fn info_replication_has_redis_fields_in_order() {
    let reference = Reference::start().expect("redis-server");
    let leader = Server::start(&["--repl-diskless-sync-delay", "0"]);
    // No replica ever: the backlog is off, as on a fresh redis-server.
    let names = |f: &[(String, String)]| f.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>();
    let fresh = info_fields(leader.port);
    let fresh_ref = info_fields(reference.port);
    assert_eq!(names(&fresh), names(&fresh_ref));
    for field in [
        "repl_backlog_active",
        "repl_backlog_first_byte_offset",
        "repl_backlog_histlen",
        "repl_backlog_size",
        "second_repl_offset",
    ] {
        let get =
            |f: &[(String, String)]| f.iter().find(|(k, _)| k == field).map(|(_, v)| v.clone());
        assert_eq!(get(&fresh), get(&fresh_ref), "{field}");
    }
    reference.cli(&["CONFIG", "SET", "repl-diskless-sync-delay", "0"]);
    let a = start_replica(leader.port);
    let b = start_replica(reference.port);
    wait_link_up(&a);
    wait_link_up(&b);
    let online = |port: u16| {
        wait_until("the replica to be online", || {
            info(port, "replication", "slave0").contains("state=online")
        })
    };
    online(leader.port);
    online(reference.port);
    let mine = info_fields(leader.port);
    let theirs = info_fields(reference.port);
    assert_eq!(names(&mine), names(&theirs));
    let get = |f: &[(String, String)], k: &str| f.iter().find(|(n, _)| n == k).unwrap().1.clone();
    assert_eq!(get(&mine, "role"), "master");
    assert_eq!(get(&mine, "connected_slaves"), "1");
    assert_eq!(get(&mine, "repl_backlog_active"), "1");
    assert_eq!(get(&mine, "repl_backlog_first_byte_offset"), "1");
    assert_eq!(get(&mine, "master_replid2"), "0".repeat(40));
    assert_eq!(
        get(&mine, "master_replid"),
        info(a.server.port, "replication", "master_replid")
    );
    // The replica's own view agrees on the history.
    assert_eq!(info(leader.port, "clients", "connected_clients"), "1");
    // CLIENT KILL TYPE replica drops it; it comes back with a partial resync.
    let killed = leader.raw().cmd(&["CLIENT", "KILL", "TYPE", "replica"]);
    assert_eq!(killed, b":1\r\n");
    wait_until("the partial resync", || {
        info(leader.port, "stats", "sync_partial_ok") == "1"
    });
    assert_eq!(info(leader.port, "stats", "sync_full"), "1");
}

/// A hand-made replica of the server on `port`: REPLCONF capa, `PSYNC ? -1`
/// (diskless, no delay), the RDB skipped, the first ACK sent. Returns the
/// socket and the stream bytes read past the RDB.
fn raw_replica(port: u16) -> (std::net::TcpStream, Vec<u8>) {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    s.write_all(&support::frame(&[
        b"REPLCONF",
        b"capa",
        b"eof",
        b"capa",
        b"psync2",
    ]))
    .unwrap();
    // PSYNC only once the reply is read: with output pending Redis refuses it.
    let mut ok = [0u8; 5];
    s.read_exact(&mut ok).unwrap();
    assert_eq!(&ok, b"+OK\r\n");
    s.write_all(&support::frame(&[b"PSYNC", b"?", b"-1"]))
        .unwrap();
    let mut got = Vec::new();
    let mut chunk = [0u8; 65536];
    let mut rest = None;
    wait_until("the diskless RDB", || {
        if let Ok(n) = s.read(&mut chunk) {
            got.extend_from_slice(&chunk[..n]);
        }
        let text = got.clone();
        let Some(at) = text.windows(5).position(|w| w == b"$EOF:") else {
            return false;
        };
        let mark = text[at + 5..].get(..40).map(<[u8]>::to_vec);
        let Some(mark) = mark else { return false };
        let body = at + 5 + 40 + 2;
        let Some(end) = text[body..].windows(40).position(|w| w == &mark[..]) else {
            return false;
        };
        rest = Some(text[body + end + 40..].to_vec());
        true
    });
    s.write_all(&support::frame(&[b"REPLCONF", b"ACK", b"0"]))
        .unwrap();
    (s, rest.unwrap())
}

/// Reads the stream until it holds `until`; PINGs removed and 13-digit
/// unix-ms deadlines masked, so two servers' streams compare.
fn read_stream(s: &mut std::net::TcpStream, mut got: Vec<u8>, until: &[u8]) -> String {
    let mut chunk = [0u8; 65536];
    wait_until("the stream", || {
        // An ACK now and then, as a real replica sends every second: a
        // diskless Redis master starts the stream on the first ACK that
        // arrives after it reaped its snapshot child, and ignores earlier ones.
        let _ = s.write_all(&support::frame(&[b"REPLCONF", b"ACK", b"0"]));
        if let Ok(n) = s.read(&mut chunk) {
            got.extend_from_slice(&chunk[..n]);
        }
        got.windows(until.len()).any(|w| w == until)
    });
    let text = String::from_utf8_lossy(&got).replace("*1\r\n$4\r\nping\r\n", "");
    let mut out = String::new();
    let mut digits = String::new();
    for ch in text.chars().chain(std::iter::once('\0')) {
        if ch.is_ascii_digit() {
            digits.push(ch);
            continue;
        }
        if digits.len() == 13 {
            out.push_str("<ms>");
        } else {
            out.push_str(&digits);
        }
        digits.clear();
        if ch != '\0' {
            out.push(ch);
        }
    }
    out
}

/// The writes of `live_writes`-like forms, as a replica receives them,
/// frame for frame the same as from a redis-server master.
#[test]
fn stream_matches_redis_frame_for_frame() {
    let reference = Reference::start().expect("redis-server");
    reference.cli(&["CONFIG", "SET", "repl-diskless-sync-delay", "0"]);
    let leader = Server::start(&["--repl-diskless-sync-delay", "0"]);
    let mut streams = Vec::new();
    for port in [leader.port, reference.port] {
        let (mut s, rest) = raw_replica(port);
        let mut r = Raw::connect(port);
        for cmd in [
            &["set", "foo", "bar"][..],
            &["MULTI"],
            &["SET", "a", "1"],
            &["INCR", "a"],
            &["EXEC"],
            &["MULTI"],
            &["SET", "single", "1"],
            &["EXEC"],
            &["MULTI"],
            &["GET", "a"],
            &["EXEC"],
            &["SELECT", "3"],
            &["SET", "x", "y"],
            &["SELECT", "0"],
            &["SET", "z", "w"],
            &["EXPIRE", "foo", "100"],
            &["PEXPIRE", "a", "50000"],
            &["SET", "e1", "v", "EX", "100"],
            &["SETEX", "e2", "100", "v"],
            &["SET", "k", "v", "PX", "100000"],
            &["SET", "k", "x", "GET"],
            &["INCRBYFLOAT", "fl", "1.5"],
            &["DEL", "missing"],
            &["RPUSH", "l", "a", "b"],
            &["LPOP", "l"],
            &["SET", "tmp", "v", "PX", "1"],
        ] {
            r.cmd(cmd);
        }
        std::thread::sleep(Duration::from_millis(5));
        wait_until("tmp to expire", || r.cmd(&["EXISTS", "tmp"]) == b":0\r\n");
        r.cmd(&["SET", "end", "end"]);
        streams.push(read_stream(&mut s, rest, b"$3\r\nend\r\n$3\r\nend\r\n"));
    }
    assert_eq!(streams[0], streams[1]);
}

/// CONFIG SET repl-backlog-size resizes the live backlog; the backlog is
/// freed repl-backlog-ttl seconds after the last replica left.
#[test]
fn backlog_resizes_and_expires_without_replicas() {
    let leader = Server::start(&["--repl-diskless-sync-delay", "0", "--repl-backlog-ttl", "1"]);
    assert_eq!(info(leader.port, "replication", "repl_backlog_active"), "0");
    let replica = start_replica(leader.port);
    wait_link_up(&replica);
    assert_eq!(info(leader.port, "replication", "repl_backlog_active"), "1");
    leader
        .raw()
        .cmd(&["CONFIG", "SET", "repl-backlog-size", "32kb"]);
    wait_until("the backlog to be resized", || {
        info(leader.port, "replication", "repl_backlog_size") == "32768"
    });
    assert_eq!(
        leader.raw().cmd(&["CONFIG", "GET", "repl-backlog-size"]),
        b"*2\r\n$17\r\nrepl-backlog-size\r\n$5\r\n32768\r\n"
    );
    drop(replica);
    wait_until("the replica to be gone", || {
        info(leader.port, "replication", "connected_slaves") == "0"
    });
    let gone_at = Instant::now();
    wait_until("the backlog to be freed", || {
        info(leader.port, "replication", "repl_backlog_active") == "0"
    });
    assert!(gone_at.elapsed() >= Duration::from_millis(500));
    // Writes go on with no replication sink.
    assert_eq!(leader.raw().cmd(&["SET", "k", "v"]), b"+OK\r\n");
}

/// Values that do not compress, so the snapshot really is megabytes.
fn populate_random(leader: &Server, keys: usize, size: usize) {
    let mut rng = reference::Rng::new(7);
    let mut r = leader.raw();
    let mut batch = Vec::new();
    for i in 0..keys {
        let value: String = (0..size)
            .map(|_| char::from(b'a' + rng.below(26) as u8))
            .collect();
        batch.extend(support::frame(&[
            b"SET",
            format!("rnd{i}").as_bytes(),
            value.as_bytes(),
        ]));
    }
    r.send(&batch);
    for _ in 0..keys {
        assert_eq!(r.reply(), b"+OK\r\n");
    }
}

/// Megabytes of snapshot go out in bounded chunks, in both modes, while
/// writes keep arriving.
#[test]
fn large_snapshots_sync_in_both_modes() {
    for diskless in ["no", "yes"] {
        let leader = Server::start(&[
            "--repl-diskless-sync",
            diskless,
            "--repl-diskless-sync-delay",
            "0",
        ]);
        populate_random(&leader, 600, 10_000);
        let replica = start_replica(leader.port);
        let mut r = leader.raw();
        for i in 0..100 {
            r.cmd(&["SET", &format!("during{i}"), "x"]);
        }
        wait_link_up(&replica);
        assert_same_data(&leader, &replica);
    }
}

/// A replica that stops acknowledging is dropped after repl-timeout; one
/// waiting for a delayed diskless transfer gets newline keepalives first.
#[test]
fn keepalives_and_replica_timeout() {
    let leader = Server::start(&["--repl-diskless-sync-delay", "2", "--repl-timeout", "1"]);
    let mut s = std::net::TcpStream::connect(("127.0.0.1", leader.port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(&support::frame(&[b"REPLCONF", b"capa", b"eof"]))
        .unwrap();
    let mut ok = [0u8; 5];
    s.read_exact(&mut ok).unwrap();
    s.write_all(&support::frame(&[b"PSYNC", b"?", b"-1"]))
        .unwrap();
    let mut first = [0u8; 1];
    s.read_exact(&mut first).unwrap();
    assert_eq!(&first, b"\n", "a keepalive before +FULLRESYNC");
    assert_eq!(
        info(leader.port, "replication", "slave0"),
        "ip=127.0.0.1,port=0,state=wait_bgsave,offset=0,lag=0"
    );
    // Read the transfer, acknowledge once, then fall silent.
    let mut got = Vec::new();
    let mut chunk = [0u8; 65536];
    wait_until("the end of the transfer", || {
        let n = s.read(&mut chunk).unwrap();
        got.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&got);
        text.find("$EOF:").is_some_and(|at| {
            let mark = &text[at + 5..(at + 45).min(text.len())];
            mark.len() == 40 && text[at + 45..].contains(mark)
        })
    });
    s.write_all(&support::frame(&[b"REPLCONF", b"ACK", b"0"]))
        .unwrap();
    wait_until("the replica to be online", || {
        info(leader.port, "replication", "slave0").contains("state=online")
    });
    let online = Instant::now();
    wait_until("the silent replica to be dropped", || {
        info(leader.port, "replication", "connected_slaves") == "0"
    });
    assert!(online.elapsed() >= Duration::from_millis(900));
}

/// With requirepass the replica authenticates (masterauth) before its
/// pipelined REPLCONFs and PSYNC.
#[test]
fn replica_authenticates_with_masterauth() {
    let leader = Server::start(&["--requirepass", "secret", "--repl-diskless-sync-delay", "0"]);
    let mut r = leader.raw();
    assert_eq!(r.cmd(&["AUTH", "secret"]), b"+OK\r\n");
    r.cmd(&["SET", "guarded", "1"]);
    let replica = start_replica_with(leader.port, &["--masterauth", "secret"]);
    wait_link_up(&replica);
    assert_eq!(replica.server.cli(&["GET", "guarded"]).trim(), "1");
    r.cmd(&["SET", "guarded", "2"]);
    wait_until("the write to replicate", || {
        replica.server.cli(&["GET", "guarded"]).trim() == "2"
    });
}

/// repl-diskless-sync-max-replicas: once that many replicas wait, the
/// transfer starts without waiting out repl-diskless-sync-delay.
#[test]
fn diskless_max_replicas_cuts_the_delay_short() {
    let leader = Server::start(&[
        "--repl-diskless-sync-delay",
        "60",
        "--repl-diskless-sync-max-replicas",
        "1",
    ]);
    leader.raw().cmd(&["SET", "k", "v"]);
    let replica = start_replica(leader.port);
    wait_link_up(&replica);
    assert_eq!(replica.server.cli(&["GET", "k"]).trim(), "v");
}
