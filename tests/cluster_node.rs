//! A single ferrocache node with `--cluster-enabled yes` (issue 12): it
//! creates and keeps its nodes.conf, serves the CLUSTER subcommands, and
//! answers as a redis-server 7.0.15 cluster node started the same way.

#[path = "support/reference.rs"]
mod reference;
mod support;

use reference::Reference;
use support::{free_port, wait_until, Raw, Server, TempDir};

fn text(reply: Vec<u8>) -> String {
    String::from_utf8(reply).unwrap()
}

/// The node id of the server on `port` (CLUSTER MYID).
fn myid(r: &mut Raw) -> String {
    let reply = text(r.cmd(&["CLUSTER", "MYID"]));
    let id = reply.lines().nth(1).unwrap_or_default().to_string();
    assert_eq!(id.len(), 40, "{reply:?}");
    assert!(id.bytes().all(|b| b.is_ascii_hexdigit()), "{reply:?}");
    id
}

fn cluster_state_ok(r: &mut Raw) -> bool {
    text(r.cmd(&["CLUSTER", "INFO"])).contains("cluster_state:ok\r\n")
}

/// `--cluster-enabled yes` with a bus port that fits (a free port + 10000
/// may not).
fn cluster_args(bus_port: &str) -> Vec<&str> {
    vec!["--cluster-enabled", "yes", "--cluster-port", bus_port]
}

#[test]
fn a_node_keeps_its_id_and_slots_across_a_restart() {
    let dir = TempDir::new("cluster-node");
    let bus = free_port().to_string();
    let mut srv = Server::start_in(&dir.path, &cluster_args(&bus));
    let mut r = srv.raw();
    let id = myid(&mut r);
    let conf = std::fs::read_to_string(dir.path.join("nodes.conf")).unwrap();
    assert!(conf.starts_with(&format!("{id} ")), "{conf}");
    assert!(conf.contains("myself,master - 0 0 0 connected\n"), "{conf}");
    let nodes = text(r.cmd(&["CLUSTER", "NODES"]));
    assert!(
        nodes.contains(&format!(
            "{id} :{}@{bus} myself,master - 0 0 0 connected\n",
            srv.port
        )),
        "{nodes}"
    );
    assert!(!cluster_state_ok(&mut r));
    assert_eq!(
        r.cmd(&["CLUSTER", "ADDSLOTSRANGE", "0", "16383"]),
        b"+OK\r\n"
    );
    wait_until("cluster_state:ok", || cluster_state_ok(&mut r));
    assert_eq!(srv.info_field("cluster", "cluster_enabled"), "1");
    assert_eq!(
        r.cmd(&["SELECT", "1"]),
        b"-ERR SELECT is not allowed in cluster mode\r\n"
    );
    assert_eq!(r.cmd(&["SELECT", "0"]), b"+OK\r\n");
    assert_eq!(r.cmd(&["SET", "k", "v"]), b"+OK\r\n");
    srv.stop();

    let srv = Server::start_in(&dir.path, &cluster_args(&bus));
    let mut r = srv.raw();
    assert_eq!(myid(&mut r), id, "the id comes from nodes.conf");
    let nodes = text(r.cmd(&["CLUSTER", "NODES"]));
    assert!(
        nodes.contains(&format!(
            "{id} :{}@{bus} myself,master - 0 0 0 connected 0-16383\n",
            srv.port
        )),
        "{nodes}"
    );
    wait_until("cluster_state:ok after the restart", || {
        cluster_state_ok(&mut r)
    });
}

#[test]
fn a_corrupt_nodes_conf_stops_the_start_up() {
    let dir = TempDir::new("cluster-corrupt");
    std::fs::write(dir.path.join("nodes.conf"), "not a node line\n").unwrap();
    let bus = free_port().to_string();
    let failure = Server::start_failure(&dir.path, &cluster_args(&bus));
    assert_ne!(failure.code, Some(0));
    assert!(failure.stderr.contains("nodes.conf"), "{}", failure.stderr);
}

#[test]
fn without_cluster_mode_cluster_commands_are_refused_as_redis_does() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    for args in [&["CLUSTER", "INFO"][..], &["CLUSTER", "HELP"]] {
        assert_eq!(
            text(r.cmd(args)),
            "-ERR This instance has cluster support disabled\r\n"
        );
    }
    assert_eq!(
        text(r.cmd(&["CLUSTER", "NOPE"])),
        "-ERR unknown subcommand 'NOPE'. Try CLUSTER HELP.\r\n"
    );
    assert_eq!(srv.info_field("cluster", "cluster_enabled"), "0");
    if let Some(reference) = Reference::start() {
        let mut theirs = Raw::connect(reference.port);
        for args in [&["CLUSTER", "INFO"][..], &["CLUSTER", "NOPE"], &["CLUSTER"]] {
            assert_eq!(r.cmd(args), theirs.cmd(args), "{args:?}");
        }
    }
}

#[test]
fn replies_match_a_redis_server_cluster_node() {
    let (our_bus, their_bus) = (free_port().to_string(), free_port().to_string());
    let ours_srv = Server::start(&cluster_args(&our_bus));
    let theirs_srv = Reference::start_args(&cluster_args(&their_bus));
    let mut ours = ours_srv.raw();
    let mut theirs = Raw::connect(theirs_srv.port);
    let (our_id, their_id) = (myid(&mut ours), myid(&mut theirs));
    // The same text once ids and ports are neutral.
    let ours_norm = |reply: Vec<u8>| {
        text(reply)
            .replace(&our_id, "<id>")
            .replace(&ours_srv.port.to_string(), "<port>")
            .replace(&our_bus, "<bus>")
    };
    let theirs_norm = |reply: Vec<u8>| {
        text(reply)
            .replace(&their_id, "<id>")
            .replace(&theirs_srv.port.to_string(), "<port>")
            .replace(&their_bus, "<bus>")
    };
    let same = |ours: &mut Raw, theirs: &mut Raw, args: &[&str]| {
        let (a, b) = (ours_norm(ours.cmd(args)), theirs_norm(theirs.cmd(args)));
        assert_eq!(a, b, "{args:?}");
    };
    for args in [
        &["CLUSTER", "NODES"][..],
        &["CLUSTER", "SLOTS"],
        &["CLUSTER", "HELP"],
        &["CLUSTER", "KEYSLOT", "{user1}.name"],
        &["CLUSTER", "COUNTKEYSINSLOT", "99999"],
        &["CLUSTER", "REPLICAS", "0123"],
        &["CLUSTER", "MEET", "1.2.3.4", "x"],
        &["CLUSTER", "MEET", "1.2.3.4", "1", "x"],
        &["CLUSTER", "MEET", "1.2.3.4", "1", "2", "3"],
        &["CLUSTER", "FAILOVER"],
        &["CLUSTER", "FAILOVER", "a", "b"],
        &["CLUSTER", "SAVECONFIG", "x"],
        &["CLUSTER", "ADDSLOTS", "1", "1"],
        &["SELECT", "2"],
        &["SELECT", "x"],
        &["CLUSTER", "ADDSLOTSRANGE", "0", "16383"],
        &["CLUSTER", "SAVECONFIG"],
        &["CLUSTER", "SLOTS"],
    ] {
        same(&mut ours, &mut theirs, args);
    }
    let replicas = ["CLUSTER", "REPLICAS", &our_id];
    assert_eq!(ours.cmd(&replicas), b"*0\r\n");
    wait_until("both report cluster_state:ok", || {
        cluster_state_ok(&mut ours) && cluster_state_ok(&mut theirs)
    });
    for args in [
        &["CLUSTER", "INFO"][..],
        &["SET", "{user1}.name", "x"],
        &["MOVE", "{user1}.name", "1"],
        &["SWAPDB", "0", "1"],
        &["SWAPDB", "x", "1"],
        &["COPY", "{user1}.name", "{user1}.b", "DB", "1"],
        &["COPY", "{user1}.name", "{user1}.b", "DB", "x"],
        &["COPY", "{user1}.name", "{user1}.b", "DB", "99"],
        &["CLUSTER", "COUNTKEYSINSLOT", "8106"],
        &["CLUSTER", "GETKEYSINSLOT", "8106", "10"],
        &["COPY", "{user1}.name", "{user1}.b", "DB", "0"],
        &["CLUSTER", "COUNTKEYSINSLOT", "8106"],
    ] {
        same(&mut ours, &mut theirs, args);
    }
    same(&mut ours, &mut theirs, &["CLUSTER", "NODES"]);
    same(&mut ours, &mut theirs, &["INFO", "cluster"]);
    let read = |dir: &std::path::Path| std::fs::read(dir.join("nodes.conf")).unwrap();
    assert_eq!(
        ours_norm(read(&ours_srv.dir)),
        theirs_norm(read(theirs_srv.dir()))
    );
}
