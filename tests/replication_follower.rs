//! ferrocache as the replica of a stock redis-server 7.0 (issue 11, the
//! follower side): full syncs (disk and diskless), the live stream, partial
//! resyncs after a dropped link and after a restart, -READONLY, and reads
//! that keep answering while a large full sync loads.

#[path = "support/reference.rs"]
mod reference;
mod support;

use reference::Reference;
use std::time::{Duration, Instant};
use support::dataset::{assert_same, snapshot};
use support::{check, wait_until, Raw, Server, TempDir};

const DBS: &[i64] = &[0, 1, 3];

/// One field of `INFO section` of the server on `port`.
fn info(port: u16, section: &str, field: &str) -> String {
    support::info_field(port, section, field)
        .unwrap_or_else(|| panic!("INFO {section} of :{port} has no {field}"))
}

fn int_info(port: u16, section: &str, field: &str) -> i64 {
    info(port, section, field).parse().unwrap()
}

/// A leader with `extra` arguments; debug commands on.
fn leader(extra: &[&str]) -> Reference {
    let mut args = vec!["--enable-debug-command", "yes"];
    args.extend_from_slice(extra);
    Reference::start_args(&args)
}

/// Writes keys of every type, in several databases, some with TTLs.
fn fill(port: u16) {
    let mut r = Raw::connect(port);
    for db in DBS {
        r.cmd(&["SELECT", &db.to_string()]);
        for i in 0..50 {
            let i = i.to_string();
            r.cmd(&["SET", &format!("s{i}"), &format!("v{i}")]);
            r.cmd(&["RPUSH", &format!("l{i}"), "a", "b", &i]);
            r.cmd(&["HSET", &format!("h{i}"), "f", &i, "g", "x"]);
            r.cmd(&["SADD", &format!("set{i}"), "m1", &i]);
            r.cmd(&["ZADD", &format!("z{i}"), "1.5", "a", &i, "b"]);
        }
        r.cmd(&["SET", "ttl", "v", "EX", "1000"]);
        r.cmd(&["PEXPIRE", "h1", "500000"]);
    }
}

/// Waits until the replica on `replica` has applied everything the leader
/// on `leader` has produced.
fn wait_caught_up(leader: u16, replica: u16) {
    wait_until("the replica to catch up", || {
        info(replica, "replication", "master_link_status") == "up"
            && int_info(leader, "replication", "master_repl_offset")
                == int_info(replica, "replication", "slave_repl_offset")
    });
}

fn assert_same_data(leader: &Reference, replica: &Server) {
    let want = snapshot(&mut leader.client(), DBS);
    let got = snapshot(&mut replica.client(), DBS);
    assert!(!want.is_empty());
    assert_same(&got, &want);
}

/// Writes through the leader what the replica must apply: a transaction, a
/// relative expire (sent as PEXPIREAT), INCRBYFLOAT (sent as SET), other
/// databases, and a key that expires on the leader (sent as DEL).
fn live_writes(port: u16) {
    let mut r = Raw::connect(port);
    r.cmd(&["MULTI"]);
    r.cmd(&["SET", "tx1", "1"]);
    r.cmd(&["INCR", "tx1"]);
    r.cmd(&["LPUSH", "l1", "new"]);
    r.cmd(&["EXEC"]);
    r.cmd(&["EXPIRE", "s2", "100"]);
    r.cmd(&["INCRBYFLOAT", "fl", "1.5"]);
    r.cmd(&["INCRBYFLOAT", "fl", "0.1"]);
    r.cmd(&["SELECT", "3"]);
    r.cmd(&["SET", "in3", "x", "PX", "900000"]);
    r.cmd(&["HDEL", "h5", "g"]);
    r.cmd(&["SELECT", "1"]);
    r.cmd(&["SET", "short", "v", "PX", "30"]);
    r.cmd(&["ZINCRBY", "z3", "2", "a"]);
    r.cmd(&["DEL", "s7"]);
    std::thread::sleep(Duration::from_millis(60));
    // The leader expires it on access and propagates a DEL.
    check(&mut r, &["GET", "short"], "$-1\r\n");
}

#[test]
fn full_sync_on_disk_then_the_live_stream() {
    let leader = leader(&["--repl-diskless-sync", "no"]);
    fill(leader.port);
    let target = format!("127.0.0.1 {}", leader.port);
    let replica = Server::start(&["--replicaof", &target]);
    wait_caught_up(leader.port, replica.port);
    assert_same_data(&leader, &replica);

    live_writes(leader.port);
    wait_caught_up(leader.port, replica.port);
    assert_same_data(&leader, &replica);
    let mut r = replica.raw();
    check(&mut r, &["GET", "fl"], "$3\r\n1.6\r\n");
    check(&mut r, &["EXISTS", "short"], ":0\r\n");

    // What the replica shows about itself.
    let role = String::from_utf8(r.cmd(&["ROLE"])).unwrap();
    let offset = info(replica.port, "replication", "slave_repl_offset");
    assert_eq!(
        role,
        format!(
            "*5\r\n$5\r\nslave\r\n$9\r\n127.0.0.1\r\n:{}\r\n$9\r\nconnected\r\n:{offset}\r\n",
            leader.port
        )
    );
    assert_eq!(info(replica.port, "replication", "role"), "slave");
    assert_eq!(
        info(replica.port, "replication", "master_replid"),
        info(leader.port, "replication", "master_replid")
    );
    assert_eq!(
        info(replica.port, "replication", "repl_backlog_active"),
        "1"
    );
    let clients = String::from_utf8(r.cmd(&["CLIENT", "LIST", "TYPE", "master"])).unwrap();
    assert!(clients.contains("flags=M"), "{clients}");
    assert!(
        clients.contains(&format!("addr=127.0.0.1:{}", leader.port)),
        "{clients}"
    );
    // The leader sees this replica online at the offset it acknowledged
    // (REPLCONF ACK, once a second).
    wait_until("the leader to see the ACKed offset", || {
        let now = info(leader.port, "replication", "master_repl_offset");
        info(leader.port, "replication", "slave0")
            .contains(&format!("port={},state=online,offset={now}", replica.port))
    });
}

#[test]
fn diskless_full_sync_replaces_the_old_keys() {
    let leader = leader(&[
        "--repl-diskless-sync",
        "yes",
        "--repl-diskless-sync-delay",
        "1",
    ]);
    // With a delay the leader sends newlines before +FULLRESYNC.
    fill(leader.port);
    let replica = Server::start(&[]);
    let mut r = replica.raw();
    check(&mut r, &["SET", "mine", "old"], "+OK\r\n");
    let port = leader.port.to_string();
    check(&mut r, &["REPLICAOF", "127.0.0.1", &port], "+OK\r\n");
    check(
        &mut r,
        &["REPLICAOF", "127.0.0.1", &port],
        "+OK Already connected to specified master\r\n",
    );
    wait_caught_up(leader.port, replica.port);
    check(&mut r, &["EXISTS", "mine"], ":0\r\n");
    assert_same_data(&leader, &replica);
    live_writes(leader.port);
    wait_caught_up(leader.port, replica.port);
    assert_same_data(&leader, &replica);
}

#[test]
fn a_killed_link_resyncs_partially() {
    let leader = leader(&["--repl-diskless-sync", "no"]);
    fill(leader.port);
    let target = format!("127.0.0.1 {}", leader.port);
    let replica = Server::start(&["--replicaof", &target]);
    wait_caught_up(leader.port, replica.port);
    let full = int_info(leader.port, "stats", "sync_full");
    let partial = int_info(leader.port, "stats", "sync_partial_ok");

    let mut r = replica.raw();
    check(&mut r, &["CLIENT", "KILL", "TYPE", "master"], ":1\r\n");
    let mut l = Raw::connect(leader.port);
    check(&mut l, &["SET", "after", "kill"], "+OK\r\n");
    check(&mut l, &["SELECT", "3"], "+OK\r\n");
    check(&mut l, &["SET", "after3", "kill"], "+OK\r\n");
    wait_until("a partial resync", || {
        int_info(leader.port, "stats", "sync_partial_ok") > partial
    });
    wait_caught_up(leader.port, replica.port);
    assert_eq!(int_info(leader.port, "stats", "sync_full"), full);
    check(&mut r, &["GET", "after"], "$4\r\nkill\r\n");
    assert_same_data(&leader, &replica);
}

#[test]
fn a_restarted_replica_continues_partially() {
    let leader = leader(&["--repl-diskless-sync", "no"]);
    fill(leader.port);
    let dir = TempDir::new("replica-restart");
    let target = format!("127.0.0.1 {}", leader.port);
    let args = ["--replicaof", &target, "--save", ""];
    let mut replica = Server::start_in(&dir.path, &args);
    wait_caught_up(leader.port, replica.port);
    live_writes(leader.port);
    wait_caught_up(leader.port, replica.port);
    let full = int_info(leader.port, "stats", "sync_full");
    let partial = int_info(leader.port, "stats", "sync_partial_ok");

    replica
        .raw()
        .send(b"*2\r\n$8\r\nSHUTDOWN\r\n$4\r\nSAVE\r\n");
    replica.wait_exit();
    let mut l = Raw::connect(leader.port);
    check(&mut l, &["SET", "during", "down"], "+OK\r\n");

    let replica = Server::start_in(&dir.path, &args);
    wait_caught_up(leader.port, replica.port);
    assert_eq!(int_info(leader.port, "stats", "sync_full"), full);
    assert_eq!(
        int_info(leader.port, "stats", "sync_partial_ok"),
        partial + 1
    );
    check(&mut replica.raw(), &["GET", "during"], "$4\r\ndown\r\n");
    assert_same_data(&leader, &replica);
}

#[test]
fn a_replica_refuses_writes_and_promotion_keeps_the_data() {
    let leader = leader(&["--repl-diskless-sync", "no"]);
    fill(leader.port);
    let target = format!("127.0.0.1 {}", leader.port);
    let replica = Server::start(&["--replicaof", &target]);
    wait_caught_up(leader.port, replica.port);
    let mut r = replica.raw();
    const READONLY: &str = "-READONLY You can't write against a read only replica.\r\n";
    check(&mut r, &["SET", "a", "b"], READONLY);
    check(&mut r, &["MULTI"], "+OK\r\n");
    check(&mut r, &["INCR", "a"], READONLY);
    check(&mut r, &["GET", "s1"], "+QUEUED\r\n");
    check(
        &mut r,
        &["EXEC"],
        "-EXECABORT Transaction discarded because of previous errors.\r\n",
    );
    check(&mut r, &["GET", "s1"], "$2\r\nv1\r\n");
    check(
        &mut r,
        &["REPLICAOF", "127.0.0.1", "x"],
        "-ERR Invalid master port\r\n",
    );
    check(
        &mut r,
        &["REPLICAOF", "a"],
        "-ERR wrong number of arguments for 'replicaof' command\r\n",
    );

    // Promotion: the data stays, writes are accepted, the history shifts.
    let replid = info(replica.port, "replication", "master_replid");
    let offset = int_info(replica.port, "replication", "master_repl_offset");
    check(&mut r, &["REPLICAOF", "NO", "ONE"], "+OK\r\n");
    assert_eq!(info(replica.port, "replication", "role"), "master");
    assert_eq!(info(replica.port, "replication", "master_replid2"), replid);
    assert_eq!(
        int_info(replica.port, "replication", "second_repl_offset"),
        offset + 1
    );
    assert_ne!(info(replica.port, "replication", "master_replid"), replid);
    check(&mut r, &["SET", "a", "b"], "+OK\r\n");
    check(&mut r, &["GET", "s1"], "$2\r\nv1\r\n");
    check(&mut r, &["REPLICAOF", "NO", "ONE"], "+OK\r\n");
}

#[test]
fn stale_reads_follow_replica_serve_stale_data() {
    // A leader that is not there: the link stays down.
    let dead = support::free_port().to_string();
    let replica = Server::start(&["--replicaof", &format!("127.0.0.1 {dead}")]);
    let mut r = replica.raw();
    check(&mut r, &["GET", "x"], "$-1\r\n");
    let role = String::from_utf8(r.cmd(&["ROLE"])).unwrap();
    assert!(role.starts_with("*5\r\n$5\r\nslave\r\n"), "{role}");
    assert!(role.ends_with(":-1\r\n"), "{role}");
    assert_eq!(
        info(replica.port, "replication", "master_link_status"),
        "down"
    );
    assert_eq!(
        info(
            replica.port,
            "replication",
            "master_link_down_since_seconds"
        ),
        "-1"
    );
    check(
        &mut r,
        &["CONFIG", "SET", "replica-serve-stale-data", "no"],
        "+OK\r\n",
    );
    const DOWN: &str =
        "-MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.\r\n";
    check(&mut r, &["GET", "x"], DOWN);
    check(&mut r, &["PING"], DOWN);
    check(&mut r, &["ECHO", "x"], "$1\r\nx\r\n");
    check(&mut r, &["MULTI"], "+OK\r\n");
    check(&mut r, &["GET", "x"], DOWN);
    check(
        &mut r,
        &["EXEC"],
        "-EXECABORT Transaction discarded because of previous errors.\r\n",
    );
    check(&mut r, &["CONFIG", "GET", "replicaof"], &{
        let v = format!("127.0.0.1 {dead}");
        format!("*2\r\n$9\r\nreplicaof\r\n${}\r\n{v}\r\n", v.len())
    });
}

/// Sorted latencies' `pct` percentile.
fn percentile(sorted: &[Duration], pct: f64) -> Duration {
    let i = ((sorted.len() as f64 * pct / 100.0).ceil() as usize).clamp(1, sorted.len());
    sorted[i - 1]
}

#[test]
fn reads_stay_fast_while_a_large_full_sync_loads() {
    let keys: usize = std::env::var("FOLLOWER_SYNC_KEYS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300_000);
    let leader = leader(&["--repl-diskless-sync", "no"]);
    let mut l = leader.client();
    let () = redis::cmd("DEBUG")
        .arg("POPULATE")
        .arg(keys)
        .query(&mut l)
        .unwrap();
    let replica = Server::start(&[]);
    let mut r = replica.raw();
    check(&mut r, &["SET", "old", "value"], "+OK\r\n");
    let port = leader.port.to_string();
    check(&mut r, &["REPLICAOF", "127.0.0.1", &port], "+OK\r\n");

    // GETs on another connection until the sync is over: the old data
    // answers until the swap, then the new data.
    let mut samples = Vec::new();
    let started = Instant::now();
    let mut saw_old_during_sync = false;
    let mut probe = replica.raw();
    loop {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the sync did not finish"
        );
        let t = Instant::now();
        let reply = probe.cmd(&["GET", "old"]);
        samples.push(t.elapsed());
        if reply == b"$5\r\nvalue\r\n" {
            let syncing = info(replica.port, "replication", "master_sync_in_progress");
            saw_old_during_sync |= syncing == "1";
        } else {
            assert_eq!(reply, b"$-1\r\n");
            break;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    wait_caught_up(leader.port, replica.port);
    samples.sort();
    let p99 = percentile(&samples, 99.0);
    let max = *samples.last().unwrap();
    eprintln!(
        "full sync of {keys} keys: {} GETs, p50 {:?} p99 {p99:?} max {max:?}, {:?} in all",
        samples.len(),
        percentile(&samples, 50.0),
        started.elapsed()
    );
    assert!(
        saw_old_during_sync,
        "the old data did not serve during the sync"
    );
    assert!(
        p99 < Duration::from_millis(10),
        "GET p99 {p99:?} during the sync"
    );
    let dbsize = String::from_utf8(r.cmd(&["DBSIZE"])).unwrap();
    assert_eq!(dbsize, format!(":{keys}\r\n"));
}

#[test]
fn masterauth_and_masteruser_authenticate_the_link() {
    let leader = leader(&["--repl-diskless-sync-delay", "0"]);
    let mut l = Raw::connect(leader.port);
    check(
        &mut l,
        &["CONFIG", "SET", "requirepass", "secret"],
        "+OK\r\n",
    );
    check(&mut l, &["SET", "k", "v"], "+OK\r\n");
    let target = format!("127.0.0.1 {}", leader.port);
    let replica = Server::start(&[
        "--replicaof",
        &target,
        "--masteruser",
        "default",
        "--masterauth",
        "secret",
    ]);
    wait_until("the link to come up", || {
        info(replica.port, "replication", "master_link_status") == "up"
    });
    check(&mut replica.raw(), &["GET", "k"], "$1\r\nv\r\n");
}

#[test]
fn a_replica_hides_expired_keys_until_its_leader_deletes_them() {
    let leader = leader(&["--repl-diskless-sync", "no"]);
    let mut l = Raw::connect(leader.port);
    check(&mut l, &["DEBUG", "SET-ACTIVE-EXPIRE", "0"], "+OK\r\n");
    check(&mut l, &["SELECT", "5"], "+OK\r\n");
    check(&mut l, &["SET", "gone", "v", "PX", "150"], "+OK\r\n");
    check(&mut l, &["SET", "stays", "v"], "+OK\r\n");
    let target = format!("127.0.0.1 {}", leader.port);
    let replica = Server::start(&["--replicaof", &target]);
    wait_caught_up(leader.port, replica.port);
    let mut r = replica.raw();
    check(&mut r, &["SELECT", "5"], "+OK\r\n");
    wait_until("the key to expire", || {
        r.cmd(&["EXISTS", "gone"]) == b":0\r\n"
    });
    check(&mut r, &["GET", "gone"], "$-1\r\n");
    // Hidden, not deleted: the leader's DEL will remove it.
    check(&mut r, &["DBSIZE"], ":2\r\n");
    std::thread::sleep(Duration::from_millis(300));
    check(&mut r, &["DBSIZE"], ":2\r\n");
    check(&mut l, &["GET", "gone"], "$-1\r\n");
    wait_caught_up(leader.port, replica.port);
    check(&mut r, &["DBSIZE"], ":1\r\n");
}

#[test]
fn getack_is_answered_at_once() {
    let leader = leader(&["--repl-diskless-sync", "no"]);
    let target = format!("127.0.0.1 {}", leader.port);
    let replica = Server::start(&["--replicaof", &target]);
    wait_caught_up(leader.port, replica.port);
    let mut l = Raw::connect(leader.port);
    // WAIT sends REPLCONF GETACK: answered at once, not at the next
    // once-a-second ACK.
    let started = Instant::now();
    for i in 0..3 {
        check(&mut l, &["SET", "w", &i.to_string()], "+OK\r\n");
        check(&mut l, &["WAIT", "1", "5000"], ":1\r\n");
    }
    let took = started.elapsed();
    assert!(took < Duration::from_millis(900), "3 WAITs took {took:?}");
    wait_caught_up(leader.port, replica.port);
}

/// INFO replication as (field, value) pairs.
fn replication_fields(port: u16) -> Vec<(String, String)> {
    let reply = Raw::connect(port).cmd(&["INFO", "replication"]);
    String::from_utf8_lossy(&reply)
        .lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn info_replication_has_the_fields_of_a_redis_replica() {
    let leader = leader(&["--repl-diskless-sync", "no"]);
    fill(leader.port);
    let target = format!("127.0.0.1 {}", leader.port);
    let replica = Server::start(&["--replicaof", &target]);
    let redis_replica =
        Reference::start_args(&["--replicaof", "127.0.0.1", &leader.port.to_string()]);
    wait_caught_up(leader.port, replica.port);
    wait_caught_up(leader.port, redis_replica.port);
    let ours = replication_fields(replica.port);
    let theirs = replication_fields(redis_replica.port);
    let names = |f: &[(String, String)]| f.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>();
    assert_eq!(names(&ours), names(&theirs));
    // Same values but for what is the replica's own (its backlog's start
    // differs only if the two synced at different offsets).
    for ((k, a), (_, b)) in ours.iter().zip(&theirs) {
        if k != "master_last_io_seconds_ago" && k != "repl_backlog_first_byte_offset" {
            assert_eq!(a, b, "{k}");
        }
    }
}

#[test]
fn a_replica_restarts_from_the_synced_file_without_saving() {
    let leader = leader(&["--repl-diskless-sync", "no"]);
    fill(leader.port);
    let dir = TempDir::new("replica-synced-file");
    let target = format!("127.0.0.1 {}", leader.port);
    let args = ["--replicaof", &target, "--save", ""];
    let mut replica = Server::start_in(&dir.path, &args);
    wait_caught_up(leader.port, replica.port);
    live_writes(leader.port);
    wait_caught_up(leader.port, replica.port);
    let full = int_info(leader.port, "stats", "sync_full");
    let partial = int_info(leader.port, "stats", "sync_partial_ok");
    // The full sync's file is the replica's snapshot: a restart without a
    // save continues from its offset, the leader's backlog filling the gap.
    assert!(dir.path.join("dump.rdb").exists());
    replica
        .raw()
        .send(b"*2\r\n$8\r\nSHUTDOWN\r\n$6\r\nNOSAVE\r\n");
    replica.wait_exit();
    check(
        &mut Raw::connect(leader.port),
        &["SET", "during", "down"],
        "+OK\r\n",
    );
    let replica = Server::start_in(&dir.path, &args);
    wait_caught_up(leader.port, replica.port);
    assert_eq!(int_info(leader.port, "stats", "sync_full"), full);
    assert_eq!(
        int_info(leader.port, "stats", "sync_partial_ok"),
        partial + 1
    );
    assert_same_data(&leader, &replica);
}

#[test]
fn replicaof_itself_is_refused_and_the_data_stays() {
    let server = Server::start(&[]);
    let mut r = server.raw();
    check(&mut r, &["SET", "k", "v"], "+OK\r\n");
    let port = server.port.to_string();
    for host in ["127.0.0.1", "localhost", "::1", "127.0.0.2"] {
        check(
            &mut r,
            &["REPLICAOF", host, &port],
            "-ERR REPLICAOF refused: the address is this server's own\r\n",
        );
    }
    assert_eq!(info(server.port, "replication", "role"), "master");
    check(&mut r, &["SET", "k", "w"], "+OK\r\n");
    // Another port of the same host is someone else.
    check(&mut r, &["REPLICAOF", "127.0.0.1", "1"], "+OK\r\n");
    assert_eq!(info(server.port, "replication", "role"), "slave");
    check(&mut r, &["GET", "k"], "$1\r\nw\r\n");
    check(&mut r, &["REPLICAOF", "NO", "ONE"], "+OK\r\n");
}

#[test]
fn the_applied_stream_reaches_the_replicas_aof() {
    let leader = leader(&["--repl-diskless-sync", "no"]);
    fill(leader.port);
    let dir = TempDir::new("replica-aof");
    let target = format!("127.0.0.1 {}", leader.port);
    let mut replica = Server::start_in(
        &dir.path,
        &["--replicaof", &target, "--appendonly", "yes", "--save", ""],
    );
    wait_caught_up(leader.port, replica.port);
    // The full sync rewrote the AOF; the live stream is appended to it.
    wait_until("the AOF rewrite after the sync", || {
        info(replica.port, "persistence", "aof_rewrite_in_progress") == "0"
            && info(replica.port, "persistence", "aof_rewrites") != "0"
    });
    live_writes(leader.port);
    wait_caught_up(leader.port, replica.port);
    replica.raw().send(b"*1\r\n$8\r\nSHUTDOWN\r\n");
    replica.wait_exit();
    // Started as a leader from its AOF alone: the same data.
    let restarted = Server::start_in(&dir.path, &["--appendonly", "yes", "--save", ""]);
    restarted.wait_loaded();
    let want = snapshot(&mut leader.client(), DBS);
    let got = snapshot(&mut restarted.client(), DBS);
    assert_same(&got, &want);
}

#[test]
fn a_promoted_leader_is_followed_partially_under_its_new_id() {
    // redis A <- redis B <- ferrocache C; then B is promoted.
    let a = leader(&["--repl-diskless-sync", "no"]);
    fill(a.port);
    let b = Reference::start_args(&[
        "--replicaof",
        "127.0.0.1",
        &a.port.to_string(),
        "--repl-diskless-sync",
        "no",
    ]);
    wait_caught_up(a.port, b.port);
    let c = Server::start(&["--replicaof", &format!("127.0.0.1 {}", b.port)]);
    wait_until("C to follow B", || {
        info(c.port, "replication", "master_link_status") == "up"
            && info(b.port, "replication", "master_repl_offset")
                == info(c.port, "replication", "slave_repl_offset")
    });
    let old_id = info(c.port, "replication", "master_replid");
    assert_eq!(old_id, info(a.port, "replication", "master_replid"));
    let full = int_info(b.port, "stats", "sync_full");

    check(
        &mut Raw::connect(b.port),
        &["REPLICAOF", "NO", "ONE"],
        "+OK\r\n",
    );
    let new_id = info(b.port, "replication", "master_replid");
    assert_ne!(new_id, old_id);
    check(&mut Raw::connect(b.port), &["SET", "on", "b"], "+OK\r\n");
    wait_caught_up(b.port, c.port);
    assert_eq!(info(c.port, "replication", "master_replid"), new_id);
    assert_eq!(info(c.port, "replication", "master_replid2"), old_id);
    assert_eq!(
        info(c.port, "replication", "second_repl_offset"),
        info(b.port, "replication", "second_repl_offset")
    );
    assert_eq!(int_info(b.port, "stats", "sync_full"), full);
    assert!(int_info(b.port, "stats", "sync_partial_ok") >= 1);
    check(&mut c.raw(), &["GET", "on"], "$1\r\nb\r\n");
}

#[test]
fn becoming_a_replica_releases_blocked_clients() {
    let server = Server::start(&[]);
    let mut blocked = server.raw();
    blocked.send(&support::frame(&[b"BLPOP", b"q", b"0"]));
    wait_until("the client to block", || {
        info(server.port, "clients", "blocked_clients") == "1"
    });
    let dead = support::free_port().to_string();
    check(
        &mut server.raw(),
        &["REPLICAOF", "127.0.0.1", &dead],
        "+OK\r\n",
    );
    assert_eq!(
        blocked.reply(),
        b"-UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)\r\n"
    );
}

#[test]
fn a_silent_leader_times_out_and_is_retried() {
    // A "leader" that accepts and never answers the handshake.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    let replica = Server::start(&[
        "--replicaof",
        &format!("127.0.0.1 {port}"),
        "--repl-timeout",
        "1",
    ]);
    let mut held = Vec::new();
    let mut first_ping = Vec::new();
    let started = Instant::now();
    wait_until("a second attempt after repl-timeout", || {
        if let Ok((mut s, _)) = listener.accept() {
            if held.is_empty() {
                use std::io::Read;
                s.set_nonblocking(false).unwrap();
                s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
                let mut buf = [0u8; 14];
                s.read_exact(&mut buf).unwrap();
                first_ping = buf.to_vec();
            }
            held.push(s);
        }
        held.len() >= 2
    });
    assert_eq!(first_ping, b"*1\r\n$4\r\nPING\r\n");
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    let role = String::from_utf8(replica.raw().cmd(&["ROLE"])).unwrap();
    assert!(
        role.contains("$9\r\nhandshake\r\n") || role.contains("$7\r\nconnect\r\n"),
        "{role}"
    );
    check(&mut replica.raw(), &["PING"], "+PONG\r\n");
}

#[test]
fn the_leaders_stream_is_not_held_to_proto_max_bulk_len() {
    let leader = leader(&["--repl-diskless-sync", "no"]);
    let target = format!("127.0.0.1 {}", leader.port);
    let replica = Server::start(&["--replicaof", &target, "--proto-max-bulk-len", "1mb"]);
    wait_caught_up(leader.port, replica.port);
    let big = "x".repeat(2 * 1024 * 1024);
    check(
        &mut Raw::connect(leader.port),
        &["SET", "big", &big],
        "+OK\r\n",
    );
    wait_caught_up(leader.port, replica.port);
    check(&mut replica.raw(), &["STRLEN", "big"], ":2097152\r\n");
}
