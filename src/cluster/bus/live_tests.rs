//! Interop with a real redis-server 7.0 cluster node: this test plays a
//! node by hand with the codec — MEET, read the PONG, accept the node's own
//! link, answer its PING with a PONG — and checks that redis-server lists
//! the node under its name, handshake done. Skipped (with a message) when
//! redis-server is not on PATH, except on CI.

use super::header::{ip_field, node_flags, STATE_FAIL};
use super::*;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const DEADLINE: Duration = Duration::from_secs(10);
/// The name this test's node goes by.
const OUR_NAME: &[u8; 40] = b"fe00000000000000000000000000000000000b05";
/// The client port it announces (never dialled by the bus).
const OUR_PORT: u16 = 7;

/// The redis-server child and its directory, both removed on drop.
struct Node {
    child: Child,
    dir: std::path::PathBuf,
    port: u16,
    bus_port: u16,
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start_node() -> Option<Node> {
    if Command::new("redis-server")
        .arg("--version")
        .output()
        .is_err()
    {
        assert!(
            std::env::var_os("CI").is_none(),
            "redis-server must be installed on CI"
        );
        eprintln!("redis-server is not on PATH: skipping the cluster bus interop test");
        return None;
    }
    let (port, bus_port) = (free_port(), free_port());
    let dir = std::env::temp_dir().join(format!("ferro-bus-live-{}-{port}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let args = [
        "--port",
        &port.to_string(),
        "--bind",
        "127.0.0.1",
        "--cluster-enabled",
        "yes",
        "--cluster-port",
        &bus_port.to_string(),
        "--cluster-config-file",
        "nodes.conf",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        dir.to_str().unwrap(),
    ]
    .map(String::from);
    let child = Command::new("redis-server")
        .args(args)
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let node = Node {
        child,
        dir,
        port,
        bus_port,
    };
    wait_until("redis-server's bus port", || {
        TcpStream::connect(("127.0.0.1", node.bus_port)).is_ok()
    });
    Some(node)
}

fn wait_until(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + DEADLINE;
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Sends one inline command on the client port, returns the bulk reply.
fn command(port: u16, line: &str) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(DEADLINE)).unwrap();
    s.write_all(format!("{line}\r\n").as_bytes()).unwrap();
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let text = String::from_utf8_lossy(&buf).into_owned();
        if let Some((head, rest)) = text.split_once("\r\n") {
            let len: usize = head.trim_start_matches('$').parse().expect("a bulk reply");
            if rest.len() >= len {
                return rest[..len].to_string();
            }
        }
        let n = s.read(&mut chunk).unwrap();
        assert!(n > 0, "redis-server closed the connection");
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// Reads frames from `link` until one of type `want` arrives.
fn read_until(link: &mut TcpStream, reader: &mut FrameReader, want: u16) -> Message {
    link.set_read_timeout(Some(DEADLINE)).unwrap();
    let deadline = Instant::now() + DEADLINE;
    let mut chunk = [0u8; 8192];
    loop {
        while let Some(frame) = reader.next_frame().unwrap() {
            let msg = decode(frame).unwrap();
            if msg.body.msg_type() == want {
                return msg;
            }
        }
        assert!(Instant::now() < deadline, "no message of type {want}");
        let n = link.read(&mut chunk).unwrap();
        assert!(n > 0, "redis-server closed the bus link");
        reader.push(&chunk[..n]);
    }
}

fn our_message(cport: u16, body: Body) -> Vec<u8> {
    let header = Header {
        port: OUR_PORT,
        current_epoch: 0,
        config_epoch: 0,
        offset: 0,
        sender: NodeName(*OUR_NAME),
        slots: SlotBitmap::empty(),
        replica_of: NodeName::NULL,
        ip: ip_field(""),
        pport: 0,
        cport,
        flags: node_flags::MASTER | node_flags::MYSELF,
        state: STATE_FAIL,
        mflags: [0; 3],
    };
    encode(&Message { header, body })
}

#[test]
fn handshake_with_redis_server_by_hand() {
    let Some(node) = start_node() else { return };
    let their_name = command(node.port, "CLUSTER MYID");
    let our_bus = TcpListener::bind("127.0.0.1:0").unwrap();
    let cport = our_bus.local_addr().unwrap().port();

    // 1. MEET on our link to them; they answer PONG.
    let mut ours = TcpStream::connect(("127.0.0.1", node.bus_port)).unwrap();
    ours.write_all(&our_message(cport, Body::Meet(PingBody::default())))
        .unwrap();
    let mut reader = FrameReader::new(DEFAULT_MAX_FRAME_LEN);
    let pong = read_until(&mut ours, &mut reader, messages::types::PONG);
    assert_eq!(pong.header.sender.as_text(), their_name);
    assert_eq!(
        (pong.header.port, pong.header.cport),
        (node.port, node.bus_port)
    );
    assert_eq!(pong.header.flags, node_flags::MASTER | node_flags::MYSELF);
    assert_eq!(
        pong.body,
        Body::Pong(PingBody::default()),
        "they know no one else"
    );

    // 2. They dial our bus port for their handshake node and PING; we PONG.
    our_bus.set_nonblocking(true).unwrap();
    let deadline = Instant::now() + DEADLINE;
    let mut theirs = loop {
        match our_bus.accept() {
            Ok((s, _)) => break s,
            Err(_) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => panic!("redis-server never dialled our bus port: {e}"),
        }
    };
    theirs.set_nonblocking(false).unwrap();
    let mut reader = FrameReader::new(DEFAULT_MAX_FRAME_LEN);
    let ping = read_until(&mut theirs, &mut reader, messages::types::PING);
    assert_eq!(ping.header.sender.as_text(), their_name);
    theirs
        .write_all(&our_message(cport, Body::Pong(PingBody::default())))
        .unwrap();

    // 3. Their handshake node now has our name and address.
    let our_name = String::from_utf8_lossy(OUR_NAME).into_owned();
    let mut nodes = String::new();
    wait_until("our node in CLUSTER NODES", || {
        nodes = command(node.port, "CLUSTER NODES");
        nodes.lines().any(|l| l.starts_with(&our_name))
    });
    let line = nodes
        .lines()
        .find(|l| l.starts_with(&our_name))
        .unwrap()
        .to_string();
    let fields: Vec<&str> = line.split(' ').collect();
    assert_eq!(fields[1], format!("127.0.0.1:{OUR_PORT}@{cport}"), "{line}");
    assert_eq!(fields[2], "master", "{line}");
    assert_eq!(fields[7], "connected", "{line}");
}
