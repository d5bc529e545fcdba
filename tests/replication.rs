//! A ferrocache leader with two ferrocache replicas: after redis-benchmark
//! writes (strings, counters, lists, hashes, sorted sets, keys with TTLs) in
//! several databases and `WAIT 2 5000`, both replicas hold exactly the
//! leader's data (every key, type, value and absolute TTL).

mod support;

use std::process::Command;
use support::dataset::{assert_same, snapshot};
use support::{wait_until, Server};

/// Starts a ferrocache replica of `leader` and waits for its link.
fn replica_of(leader: &Server) -> Server {
    let port = leader.port.to_string();
    let replica = Server::start(&["--replicaof", "127.0.0.1", &port]);
    wait_for_link(&replica);
    replica
}

fn wait_for_link(replica: &Server) {
    wait_until("the replica's link to be up", || {
        replica.info_field("replication", "master_link_status") == "up"
    });
}

/// Runs redis-benchmark against `port` with `args`; fails on its failure.
fn benchmark(port: u16, args: &[&str]) {
    let out = Command::new("redis-benchmark")
        .args(["-p", &port.to_string(), "-q", "-c", "8"])
        .args(args)
        .output()
        .expect("redis-benchmark (Debian package redis-tools) must be installed");
    assert!(
        out.status.success(),
        "redis-benchmark {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn two_replicas_hold_the_leaders_data_after_benchmark_writes_and_wait() {
    let leader = Server::start(&[]);
    let replicas = [replica_of(&leader), replica_of(&leader)];

    for db in ["0", "3"] {
        benchmark(
            leader.port,
            &[
                "--dbnum",
                db,
                "-n",
                "20000",
                "-r",
                "2000",
                "-P",
                "16",
                "-t",
                "set,incr,lpush,hset,zadd,sadd",
            ],
        );
        benchmark(
            leader.port,
            &["--dbnum", db, "-n", "3000", "-r", "2000", "-P", "8"]
                .into_iter()
                .chain(["SET", "ttl:__rand_int__", "v", "EX", "100000"])
                .collect::<Vec<_>>(),
        );
        benchmark(
            leader.port,
            &["--dbnum", db, "-n", "3000", "-r", "2000", "-P", "8"]
                .into_iter()
                .chain(["PEXPIRE", "key:__rand_int__", "50000000"])
                .collect::<Vec<_>>(),
        );
    }
    let mut con = leader.client();
    let acked: i64 = redis::cmd("WAIT").arg(2).arg(5000).query(&mut con).unwrap();
    assert_eq!(acked, 2, "WAIT 2 5000");

    let expected = snapshot(&mut con, &[0, 3]);
    assert!(expected.len() > 5000, "{} keys written", expected.len());
    for replica in &replicas {
        assert_same(&snapshot(&mut replica.client(), &[0, 3]), &expected);
    }
}
