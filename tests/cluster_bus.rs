//! The cluster bus handshake between ferrocache and redis-server 7.0.15
//! (issue 12): after CLUSTER MEET, in either direction, both nodes list
//! each other under their real ids, connected.

#[path = "support/reference.rs"]
mod reference;
mod support;

use reference::Reference;
use support::{free_port, wait_until, Raw, Server};

fn text(reply: Vec<u8>) -> String {
    String::from_utf8(reply).unwrap()
}

fn myid(r: &mut Raw) -> String {
    text(r.cmd(&["CLUSTER", "MYID"]))
        .lines()
        .nth(1)
        .unwrap()
        .to_string()
}

/// `r`'s CLUSTER NODES has a `master` line for `id`, out of handshake,
/// whose link is connected.
fn sees_connected(r: &mut Raw, id: &str) -> bool {
    text(r.cmd(&["CLUSTER", "NODES"])).lines().any(|line| {
        let fields: Vec<&str> = line.split(' ').collect();
        fields.len() >= 8 && fields[0] == id && fields[2] == "master" && fields[7] == "connected"
    })
}

fn pair() -> Option<(Server, String, Reference, String)> {
    if std::process::Command::new("redis-server")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("redis-server is not on PATH: skipping");
        return None;
    }
    let (our_bus, their_bus) = (free_port().to_string(), free_port().to_string());
    let ours = Server::start(&["--cluster-enabled", "yes", "--cluster-port", &our_bus]);
    let theirs = Reference::start_args(&["--cluster-enabled", "yes", "--cluster-port", &their_bus]);
    Some((ours, our_bus, theirs, their_bus))
}

fn assert_both_connected(ours: &Server, theirs: &Reference) {
    let (mut o, mut t) = (ours.raw(), Raw::connect(theirs.port));
    let (our_id, their_id) = (myid(&mut o), myid(&mut t));
    wait_until("each node lists the other, connected", || {
        sees_connected(&mut o, &their_id) && sees_connected(&mut t, &our_id)
    });
    let nodes = text(o.cmd(&["CLUSTER", "NODES"]));
    let node_lines = nodes.lines().filter(|l| l.split(' ').count() >= 8);
    assert_eq!(node_lines.count(), 2, "{nodes}");
    assert!(!nodes.contains("handshake"), "{nodes}");
    // Both masters started at config epoch 0: the collision is resolved
    // (one bumps), and both nodes agree on the epochs.
    let epochs = |r: &mut Raw| {
        let mut e: Vec<String> = text(r.cmd(&["CLUSTER", "NODES"]))
            .lines()
            .filter_map(|l| {
                let f: Vec<&str> = l.split(' ').collect();
                (f.len() >= 8).then(|| format!("{}={}", &f[0][..40.min(f[0].len())], f[6]))
            })
            .collect();
        e.sort();
        e
    };
    wait_until("the config epochs differ and both nodes agree", || {
        let (a, b) = (epochs(&mut o), epochs(&mut t));
        a == b && a.len() == 2 && a[0].split('=').nth(1) != a[1].split('=').nth(1)
    });
    let conf = std::fs::read_to_string(ours.dir.join("nodes.conf")).unwrap();
    assert!(conf.contains(&their_id), "{conf}");
}

#[test]
fn ferrocache_meets_redis_server() {
    let Some((ours, _, theirs, their_bus)) = pair() else {
        return;
    };
    let port = theirs.port.to_string();
    let mut o = ours.raw();
    assert_eq!(
        o.cmd(&["CLUSTER", "MEET", "127.0.0.1", &port, &their_bus]),
        b"+OK\r\n"
    );
    assert_both_connected(&ours, &theirs);
}

#[test]
fn redis_server_meets_ferrocache() {
    let Some((ours, our_bus, theirs, _)) = pair() else {
        return;
    };
    let port = ours.port.to_string();
    let mut t = Raw::connect(theirs.port);
    assert_eq!(
        t.cmd(&["CLUSTER", "MEET", "127.0.0.1", &port, &our_bus]),
        b"+OK\r\n"
    );
    assert_both_connected(&ours, &theirs);
}
