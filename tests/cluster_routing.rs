//! Redirections between two ferrocache cluster nodes (issue 12), without
//! the cluster bus: each node's nodes.conf is written beforehand naming
//! the other node and its slots; each takes its own half with CLUSTER
//! ADDSLOTSRANGE. `redis-cli -c` follows -MOVED from one to the other;
//! -ASK, ASKING, -CROSSSLOT, -TRYAGAIN and MULTI/EXEC behave as Redis 7.0.

mod support;

use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use support::{free_port, wait_until, Raw, TempDir};

const A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const B: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

/// A ferrocache node on a port chosen before it starts (its peer's
/// nodes.conf names it); killed on drop.
struct Node {
    child: Child,
    port: u16,
    _dir: TempDir,
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Node {
    fn start(port: u16, bus: u16, conf: &str) -> Node {
        Node::start_program(env!("CARGO_BIN_EXE_ferrocache"), &[], port, bus, conf)
    }

    /// `program` (ferrocache or redis-server) with `extra` arguments.
    fn start_program(program: &str, extra: &[&str], port: u16, bus: u16, conf: &str) -> Node {
        let dir = TempDir::new("cluster-routing");
        std::fs::write(dir.path.join("nodes.conf"), conf).unwrap();
        let child = Command::new(program)
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(extra)
            .args([
                "--cluster-enabled",
                "yes",
                "--cluster-port",
                &bus.to_string(),
            ])
            .current_dir(&dir.path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn ferrocache");
        let mut node = Node {
            child,
            port,
            _dir: dir,
        };
        wait_until("the node accepts connections", || {
            assert!(
                node.child.try_wait().unwrap().is_none(),
                "the node exited (port {port} taken?)"
            );
            TcpStream::connect(("127.0.0.1", port)).is_ok()
        });
        node
    }

    fn raw(&self) -> Raw {
        Raw::connect(self.port)
    }

    /// `redis-cli -c -p PORT args...`: stdout.
    fn cli_cluster(&self, args: &[&str]) -> String {
        let out = Command::new("redis-cli")
            .args(["-c", "-p", &self.port.to_string()])
            .args(args)
            .output()
            .expect("redis-cli");
        String::from_utf8(out.stdout).unwrap()
    }
}

/// nodes.conf for `me` that also knows `other` (at 127.0.0.1:`port`) with
/// slots `other_slots`.
fn conf(me: &str, other: &str, port: u16, bus: u16, other_slots: &str) -> String {
    format!(
        "{me} :0@0 myself,master - 0 0 1 connected\n\
         {other} 127.0.0.1:{port}@{bus} master - 0 0 2 connected {other_slots}\n\
         vars currentEpoch 2 lastVoteEpoch 0\n"
    )
}

fn cluster_ok(r: &mut Raw) -> bool {
    String::from_utf8(r.cmd(&["CLUSTER", "INFO"]))
        .unwrap()
        .contains("cluster_state:ok\r\n")
}

/// A owns 0-8191, B 8192-16383. Slots: "b" 3300, "c" 7365, "a" 15495,
/// "foo" 12182.
fn two_nodes() -> (Node, Node) {
    let (pa, pb, ba, bb) = (free_port(), free_port(), free_port(), free_port());
    let a = Node::start(pa, ba, &conf(A, B, pb, bb, "8192-16383"));
    let b = Node::start(pb, bb, &conf(B, A, pa, ba, "0-8191"));
    let (mut ra, mut rb) = (a.raw(), b.raw());
    assert_eq!(
        ra.cmd(&["CLUSTER", "ADDSLOTSRANGE", "0", "8191"]),
        b"+OK\r\n"
    );
    assert_eq!(
        rb.cmd(&["CLUSTER", "ADDSLOTSRANGE", "8192", "16383"]),
        b"+OK\r\n"
    );
    wait_until("both nodes report cluster_state:ok", || {
        cluster_ok(&mut ra) && cluster_ok(&mut rb)
    });
    (a, b)
}

#[test]
fn redis_cli_follows_moved_between_the_nodes() {
    let (a, b) = two_nodes();
    let mut ra = a.raw();
    assert_eq!(
        String::from_utf8(ra.cmd(&["SET", "foo", "bar"])).unwrap(),
        format!("-MOVED 12182 127.0.0.1:{}\r\n", b.port)
    );
    assert_eq!(a.cli_cluster(&["SET", "foo", "bar"]), "OK\n");
    assert_eq!(b.raw().cmd(&["GET", "foo"]), b"$3\r\nbar\r\n");
    assert_eq!(b.cli_cluster(&["SET", "b", "1"]), "OK\n");
    assert_eq!(ra.cmd(&["GET", "b"]), b"$1\r\n1\r\n");
    assert_eq!(a.cli_cluster(&["GET", "foo"]), "bar\n");
    assert_eq!(
        ra.cmd(&["MSET", "b", "1", "c", "2"]),
        b"-CROSSSLOT Keys in request don't hash to the same slot\r\n"
    );
    assert_eq!(ra.cmd(&["MSET", "{b}1", "1", "{b}2", "2"]), b"+OK\r\n");
    // Keyless commands and CLUSTER itself are served anywhere.
    assert_eq!(ra.cmd(&["PING"]), b"+PONG\r\n");
    assert_eq!(ra.cmd(&["DBSIZE"]), b":3\r\n");
}

#[test]
fn multi_exec_redirections_are_as_redis() {
    let (a, b) = two_nodes();
    let mut ra = a.raw();
    // A queued command redirected: EXEC aborts.
    assert_eq!(ra.cmd(&["MULTI"]), b"+OK\r\n");
    assert_eq!(
        String::from_utf8(ra.cmd(&["SET", "foo", "x"])).unwrap(),
        format!("-MOVED 12182 127.0.0.1:{}\r\n", b.port)
    );
    assert_eq!(
        ra.cmd(&["EXEC"]),
        b"-EXECABORT Transaction discarded because of previous errors.\r\n"
    );
    // Each command alone is local, together they cross slots: EXEC
    // replies the refusal and discards the transaction.
    assert_eq!(ra.cmd(&["MULTI"]), b"+OK\r\n");
    assert_eq!(ra.cmd(&["SET", "b", "1"]), b"+QUEUED\r\n");
    assert_eq!(ra.cmd(&["SET", "c", "1"]), b"+QUEUED\r\n");
    assert_eq!(
        ra.cmd(&["EXEC"]),
        b"-CROSSSLOT Keys in request don't hash to the same slot\r\n"
    );
    assert_eq!(ra.cmd(&["EXEC"]), b"-ERR EXEC without MULTI\r\n");
}

#[test]
fn migrating_and_importing_slots_ask_and_accept_asking() {
    let (a, b) = two_nodes();
    let (mut ra, mut rb) = (a.raw(), b.raw());
    assert_eq!(ra.cmd(&["SET", "b", "here"]), b"+OK\r\n");
    assert_eq!(
        ra.cmd(&["CLUSTER", "SETSLOT", "3300", "MIGRATING", B]),
        b"+OK\r\n"
    );
    assert_eq!(
        rb.cmd(&["CLUSTER", "SETSLOT", "3300", "IMPORTING", A]),
        b"+OK\r\n"
    );
    // Present keys are served, missing ones are asked for on B.
    assert_eq!(ra.cmd(&["GET", "b"]), b"$4\r\nhere\r\n");
    let ask = format!("-ASK 3300 127.0.0.1:{}\r\n", b.port);
    assert_eq!(String::from_utf8(ra.cmd(&["GET", "{b}x"])).unwrap(), ask);
    assert_eq!(
        ra.cmd(&["MGET", "b", "{b}x"]),
        b"-TRYAGAIN Multiple keys request during rehashing of slot\r\n"
    );
    // B redirects to A unless ASKING came just before (one command only).
    let moved = format!("-MOVED 3300 127.0.0.1:{}\r\n", a.port);
    assert_eq!(
        String::from_utf8(rb.cmd(&["SET", "{b}x", "1"])).unwrap(),
        moved
    );
    assert_eq!(rb.cmd(&["ASKING"]), b"+OK\r\n");
    assert_eq!(rb.cmd(&["SET", "{b}x", "1"]), b"+OK\r\n");
    assert_eq!(String::from_utf8(rb.cmd(&["GET", "{b}x"])).unwrap(), moved);
    // redis-cli -c follows the ASK.
    assert_eq!(a.cli_cluster(&["GET", "{b}x"]), "1\n");
}

#[test]
fn readonly_readwrite_and_asking_need_cluster_mode() {
    let (a, _b) = two_nodes();
    let mut ra = a.raw();
    assert_eq!(ra.cmd(&["READONLY"]), b"+OK\r\n");
    let list = String::from_utf8(ra.cmd(&["CLIENT", "INFO"])).unwrap();
    assert!(list.contains(" flags=r "), "{list}");
    assert_eq!(ra.cmd(&["READWRITE"]), b"+OK\r\n");
    let plain = support::Server::start(&[]);
    let mut r = plain.raw();
    for cmd in ["ASKING", "READONLY", "READWRITE"] {
        assert_eq!(
            r.cmd(&[cmd]),
            b"-ERR This instance has cluster support disabled\r\n"
        );
    }
}

#[test]
fn a_client_blocked_on_a_slot_that_moves_gets_moved() {
    let (a, b) = two_nodes();
    let mut blocked = a.raw();
    blocked.send(&support::frame(&[b"BLPOP", b"b", b"0"]));
    let mut ra = a.raw();
    wait_until("the client blocks", || {
        String::from_utf8(ra.cmd(&["INFO", "clients"]))
            .unwrap()
            .contains("blocked_clients:1\r\n")
    });
    assert_eq!(
        ra.cmd(&["CLUSTER", "SETSLOT", "3300", "NODE", B]),
        b"+OK\r\n"
    );
    assert_eq!(
        String::from_utf8(blocked.reply()).unwrap(),
        format!("-MOVED 3300 127.0.0.1:{}\r\n", b.port)
    );
    assert_eq!(ra.cmd(&["PING"]), b"+PONG\r\n");
}

/// The same one-sided setup on ferrocache and on redis-server 7.0.15: the
/// node owns 0-8191 and knows a peer (never started; a long node timeout
/// keeps it "reachable") owning the rest. Every redirection reply is the
/// same once the ports are neutral.
#[test]
fn redirections_match_redis_server() {
    if Command::new("redis-server")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("redis-server is not on PATH: skipping");
        return;
    }
    let (peer_port, peer_bus) = (free_port(), free_port());
    let conf = conf(A, B, peer_port, peer_bus, "8192-16383");
    let timeout = [
        "--cluster-node-timeout",
        "600000",
        "--save",
        "",
        "--appendonly",
        "no",
    ];
    let ours = Node::start_program(
        env!("CARGO_BIN_EXE_ferrocache"),
        &timeout,
        free_port(),
        free_port(),
        &conf,
    );
    let theirs = Node::start_program("redis-server", &timeout, free_port(), free_port(), &conf);
    let (mut o, mut t) = (ours.raw(), theirs.raw());
    for r in [&mut o, &mut t] {
        assert_eq!(
            r.cmd(&["CLUSTER", "ADDSLOTSRANGE", "0", "8191"]),
            b"+OK\r\n"
        );
    }
    wait_until("both report cluster_state:ok", || {
        cluster_ok(&mut o) && cluster_ok(&mut t)
    });
    let script: &[&[&str]] = &[
        &["SET", "foo", "bar"],
        &["GET", "foo"],
        &["SET", "b", "here"],
        &["MSET", "b", "1", "c", "2"],
        &["MGET", "{b}1", "{b}2"],
        &["MULTI"],
        &["SET", "foo", "x"],
        &["EXEC"],
        &["MULTI"],
        &["SET", "b", "1"],
        &["SET", "c", "1"],
        &["EXEC"],
        &["EXEC"],
        &["CLUSTER", "SETSLOT", "3300", "MIGRATING", B],
        &["GET", "b"],
        &["GET", "{b}x"],
        &["MGET", "b", "{b}x"],
        &["CLUSTER", "SETSLOT", "12182", "IMPORTING", B],
        &["GET", "foo"],
        &["ASKING"],
        &["GET", "foo"],
        &["GET", "foo"],
        &["ASKING"],
        &["MGET", "foo", "{foo}x"],
        &["READONLY"],
        &["GET", "foo"],
        &["READWRITE"],
        &["BLPOP", "foo", "0"],
        &["CLUSTER", "SETSLOT", "12182", "STABLE"],
        &["CLUSTER", "DELSLOTS", "7365"],
        &["GET", "c"],
    ];
    for args in script {
        let neutral = |reply: Vec<u8>| {
            String::from_utf8(reply)
                .unwrap()
                .replace(&peer_port.to_string(), "<peer>")
        };
        assert_eq!(neutral(o.cmd(args)), neutral(t.cmd(args)), "{args:?}");
    }
    // The refusals are counted alike (rejected calls, error codes).
    for args in [
        &["INFO", "errorstats"][..],
        &["CLUSTER", "COUNTKEYSINSLOT", "3300"],
    ] {
        assert_eq!(o.cmd(args), t.cmd(args), "{args:?}");
    }
    let stat = |r: &mut Raw| {
        let info = String::from_utf8(r.cmd(&["INFO", "commandstats"])).unwrap();
        let line = info
            .lines()
            .find(|l| l.starts_with("cmdstat_get:"))
            .unwrap();
        line.split(',')
            .filter(|f| f.contains("calls="))
            .collect::<Vec<_>>()
            .join(",")
    };
    assert_eq!(stat(&mut o), stat(&mut t));
}

/// CLUSTER REPLICATE makes the node follow its new master through the
/// replication follower; with READONLY its reads of the master's slots
/// are served locally, writes still go to the master.
#[test]
fn cluster_replicate_follows_the_master_and_readonly_reads_locally() {
    let (pa, ba, pc, bc) = (free_port(), free_port(), free_port(), free_port());
    let master = Node::start(pa, ba, &conf(A, B, pc, bc, ""));
    let replica = Node::start(pc, bc, &conf(B, A, pa, ba, "0-16383"));
    let (mut rm, mut rr) = (master.raw(), replica.raw());
    assert_eq!(
        rm.cmd(&["CLUSTER", "ADDSLOTSRANGE", "0", "16383"]),
        b"+OK\r\n"
    );
    wait_until("the master reports cluster_state:ok", || {
        cluster_ok(&mut rm)
    });
    assert_eq!(rm.cmd(&["SET", "foo", "bar"]), b"+OK\r\n");
    assert_eq!(rr.cmd(&["CLUSTER", "REPLICATE", A]), b"+OK\r\n");
    wait_until("the replica's link is up", || {
        String::from_utf8(rr.cmd(&["INFO", "replication"]))
            .unwrap()
            .contains("master_link_status:up\r\n")
    });
    wait_until("the replica reports cluster_state:ok", || {
        cluster_ok(&mut rr)
    });
    let moved = format!("-MOVED 12182 127.0.0.1:{pa}\r\n");
    assert_eq!(String::from_utf8(rr.cmd(&["GET", "foo"])).unwrap(), moved);
    assert_eq!(rr.cmd(&["READONLY"]), b"+OK\r\n");
    assert_eq!(rr.cmd(&["GET", "foo"]), b"$3\r\nbar\r\n");
    assert_eq!(
        String::from_utf8(rr.cmd(&["SET", "foo", "x"])).unwrap(),
        moved
    );
    let nodes = String::from_utf8(rr.cmd(&["CLUSTER", "NODES"])).unwrap();
    assert!(
        nodes.contains(&format!("{B} :{pc}@{bc} myself,slave {A} ")),
        "{nodes}"
    );
}
