//! Stock redis-sentinel managing a ferrocache group: it discovers the
//! replica from the leader's INFO, and `SENTINEL FAILOVER` (its MULTI,
//! SLAVEOF NO ONE / SLAVEOF, CONFIG REWRITE, CLIENT KILL ..., EXEC
//! transactions) promotes the replica and turns the old leader into its
//! replica, with no data lost.

mod support;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use support::{cli, free_port, wait_until, Server, TempDir};

/// A redis-sentinel process, killed on drop.
struct Sentinel {
    child: Child,
    port: u16,
}

impl Sentinel {
    /// Starts a sentinel monitoring `leader_port` as group `m` (quorum 1).
    fn start(dir: &Path, leader_port: u16) -> Option<Sentinel> {
        if Command::new("redis-sentinel")
            .arg("--version")
            .output()
            .is_err()
        {
            assert!(
                std::env::var_os("CI").is_none(),
                "redis-sentinel must be installed on CI (make deps)"
            );
            eprintln!("redis-sentinel is not installed: skipping");
            return None;
        }
        let port = free_port();
        let conf = dir.join("sentinel.conf");
        std::fs::write(
            &conf,
            format!(
                "port {port}\nbind 127.0.0.1\ndir {}\n\
                 sentinel monitor m 127.0.0.1 {leader_port} 1\n\
                 sentinel down-after-milliseconds m 1000\n\
                 sentinel failover-timeout m 10000\n",
                dir.display()
            ),
        )
        .unwrap();
        let child = Command::new("redis-sentinel")
            .arg(&conf)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn redis-sentinel");
        let sentinel = Sentinel { child, port };
        wait_until("redis-sentinel to answer", || {
            sentinel.cli(&["PING"]).trim() == "PONG"
        });
        Some(sentinel)
    }

    fn cli(&self, args: &[&str]) -> String {
        cli(self.port, args)
    }
}

impl Drop for Sentinel {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A ferrocache node started from a (writable) redis.conf in its own
/// directory, as Sentinel expects of the nodes it rewrites.
fn node(dir: &TempDir, extra: &str) -> Server {
    let conf = dir.path.join("redis.conf");
    std::fs::write(&conf, format!("save \"\"\n{extra}")).unwrap();
    Server::start_in(&dir.path, &[conf.to_str().unwrap()])
}

#[test]
fn sentinel_discovers_the_replica_and_fails_over_without_losing_data() {
    let leader_dir = TempDir::new("sentinel-leader");
    let replica_dir = TempDir::new("sentinel-replica");
    let leader = node(&leader_dir, "");
    let replica = node(
        &replica_dir,
        &format!("replicaof 127.0.0.1 {}\n", leader.port),
    );
    wait_until("the replica's link", || {
        replica.info_field("replication", "master_link_status") == "up"
    });
    for i in 0..100 {
        leader.cli(&["SET", &format!("k{i}"), &i.to_string()]);
    }
    assert_eq!(leader.cli(&["WAIT", "1", "5000"]).trim(), "1");

    let sentinel_dir = TempDir::new("sentinel");
    let Some(sentinel) = Sentinel::start(&sentinel_dir.path, leader.port) else {
        return;
    };
    // redis-cli prints the reply's field names and values one per line.
    let replica_port = format!("port\n{}\n", replica.port);
    wait_until("the sentinel to list the replica", || {
        sentinel
            .cli(&["SENTINEL", "REPLICAS", "m"])
            .contains(&replica_port)
    });
    // The replica must be seen as healthy (not s_down) before a failover picks it.
    wait_until("the replica to be a failover candidate", || {
        let r = sentinel.cli(&["SENTINEL", "REPLICAS", "m"]);
        r.contains("master-link-status\nok") && !r.contains("s_down")
    });

    assert_eq!(sentinel.cli(&["SENTINEL", "FAILOVER", "m"]).trim(), "OK");
    wait_until("the sentinel to announce the new leader", || {
        sentinel
            .cli(&["SENTINEL", "GET-MASTER-ADDR-BY-NAME", "m"])
            .contains(&replica.port.to_string())
    });
    wait_until("the promoted replica to be a leader", || {
        replica.info_field("replication", "role") == "master"
    });
    // Sentinel reconfigures a former leader only after watching it report
    // itself a leader for a while (4 hello periods, then its INFO refresh).
    let deadline = Instant::now() + Duration::from_secs(40);
    while !(leader.info_field("replication", "role") == "slave"
        && leader.info_field("replication", "master_link_status") == "up")
    {
        assert!(
            Instant::now() < deadline,
            "the old leader was not turned into a replica of the new one"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    for i in 0..100 {
        assert_eq!(
            replica.cli(&["GET", &format!("k{i}")]).trim(),
            i.to_string()
        );
    }
    replica.cli(&["SET", "after", "failover"]);
    assert_eq!(replica.cli(&["WAIT", "1", "5000"]).trim(), "1");
    assert_eq!(leader.cli(&["GET", "after"]).trim(), "failover");
    // Sentinel rewrote the nodes' configuration files.
    let rewritten = std::fs::read_to_string(leader_dir.path.join("redis.conf")).unwrap();
    assert!(
        rewritten.contains(&format!("replicaof 127.0.0.1 {}", replica.port)),
        "{rewritten}"
    );
}
