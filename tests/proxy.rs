//! The fault-injection proxy of tests/support/proxy.rs against a real
//! ferrocache server: forwarding, counters, delay, cut, partitions (both
//! ways and one way), a cut mid-transfer, a stalled reader, and a drop that
//! leaves no thread behind.

mod support;
use std::io::{ErrorKind, Read, Write};
use std::time::{Duration, Instant};
use support::proxy::{thread_name, Direction, Proxy};
use support::{frame, wait_until, Raw, Server, DEADLINE};

/// How long a held connection must stay silent to count as held.
const QUIET: Duration = Duration::from_millis(300);

/// True when the peer closes `r` (EOF or reset) within two seconds.
fn closed_soon(r: &mut Raw) -> bool {
    r.s.set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(2);
    let mut chunk = [0u8; 65536];
    while Instant::now() < deadline {
        match r.s.read(&mut chunk) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => return true,
        }
    }
    false
}

/// Asserts that nothing arrives on `r` for `quiet`.
#[track_caller]
fn assert_silent(r: &mut Raw, quiet: Duration) {
    r.s.set_read_timeout(Some(quiet)).unwrap();
    let mut chunk = [0u8; 256];
    match r.s.read(&mut chunk) {
        Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
        Ok(n) => panic!(
            "expected silence, got {:?}",
            String::from_utf8_lossy(&chunk[..n])
        ),
        Err(e) => panic!("expected silence, got {e}"),
    }
    r.s.set_read_timeout(Some(DEADLINE)).unwrap();
}

fn connected_clients(srv: &Server) -> usize {
    srv.info_field("clients", "connected_clients")
        .parse()
        .unwrap()
}

/// The largest `omem` (pending output bytes) among the server's clients.
fn max_omem(srv: &Server) -> usize {
    let list = srv.raw().cmd(&["CLIENT", "LIST"]);
    String::from_utf8_lossy(&list)
        .split_whitespace()
        .filter_map(|field| field.strip_prefix("omem="))
        .map(|n| n.parse::<usize>().unwrap())
        .max()
        .unwrap_or(0)
}

/// How many threads of the proxy on `port` this process runs (Linux).
fn threads_of(port: u16) -> usize {
    let name = thread_name(port);
    std::fs::read_dir("/proc/self/task")
        .unwrap()
        .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("comm")).ok())
        .filter(|comm| comm.trim_end() == name)
        .count()
}

/// The time `r` takes to answer PING with PONG.
fn ping_time(r: &mut Raw) -> Duration {
    let start = Instant::now();
    assert_eq!(r.cmd(&["PING"]), b"+PONG\r\n");
    start.elapsed()
}

#[test]
fn forwards_and_counts_bytes_and_connections() {
    let srv = Server::start(&[]);
    let proxy = Proxy::start(srv.port);
    assert_ne!(proxy.port, srv.port);
    assert_eq!(proxy.connections(), 0);
    let mut a = Raw::connect(proxy.port);
    assert_eq!(a.cmd(&["PING"]), b"+PONG\r\n");
    assert_eq!(proxy.connections(), 1);
    // "*1\r\n$4\r\nPING\r\n" is 14 bytes, "+PONG\r\n" 7.
    wait_until("the PING bytes counted", || {
        proxy.forwarded(Direction::ToTarget) == 14 && proxy.forwarded(Direction::ToClient) == 7
    });
    assert_eq!(a.cmd(&["ECHO", "hello"]), b"$5\r\nhello\r\n");
    let echo = frame(&[b"ECHO", b"hello"]).len() as u64;
    wait_until("the ECHO bytes counted", || {
        proxy.forwarded(Direction::ToTarget) == 14 + echo
            && proxy.forwarded(Direction::ToClient) == 7 + 11
    });
    let mut b = Raw::connect(proxy.port);
    assert_eq!(b.cmd(&["SET", "k", "v"]), b"+OK\r\n");
    assert_eq!(a.cmd(&["GET", "k"]), b"$1\r\nv\r\n");
    assert_eq!(proxy.connections(), 2);
    // The server closing a connection reaches the client.
    assert_eq!(b.cmd(&["QUIT"]), b"+OK\r\n");
    assert!(closed_soon(&mut b), "QUIT closes the proxied connection");
}

#[test]
fn delay_slows_each_way() {
    let srv = Server::start(&[]);
    let proxy = Proxy::start(srv.port);
    let mut r = Raw::connect(proxy.port);
    ping_time(&mut r); // connected through
    let delay = Duration::from_millis(200);
    proxy.set_delay(delay);
    let slow = ping_time(&mut r);
    assert!(
        slow >= 2 * delay,
        "request and reply both delayed: {slow:?}"
    );
    assert!(slow < 2 * delay + Duration::from_secs(1), "{slow:?}");
    proxy.set_delay(Duration::ZERO);
    let fast = ping_time(&mut r);
    assert!(fast < delay, "no delay once reset: {fast:?}");
}

#[test]
fn cut_closes_current_connections_and_keeps_accepting() {
    let srv = Server::start(&[]);
    let proxy = Proxy::start(srv.port);
    let mut a = Raw::connect(proxy.port);
    assert_eq!(a.cmd(&["PING"]), b"+PONG\r\n");
    let with_a = connected_clients(&srv);
    proxy.cut();
    assert!(closed_soon(&mut a), "the client's connection is closed");
    wait_until("the server to see the client go", || {
        connected_clients(&srv) == with_a - 1
    });
    let mut b = Raw::connect(proxy.port);
    assert_eq!(b.cmd(&["PING"]), b"+PONG\r\n");
    assert_eq!(proxy.connections(), 2);
}

#[test]
fn block_holds_both_ways_then_delivers() {
    let srv = Server::start(&[]);
    let mut direct = srv.raw();
    let proxy = Proxy::start(srv.port);
    let mut a = Raw::connect(proxy.port);
    assert_eq!(a.cmd(&["PING"]), b"+PONG\r\n");
    let clients = connected_clients(&srv);
    proxy.block();
    a.send(&frame(&[b"SET", b"k", b"v"]));
    let mut b = Raw::connect(proxy.port);
    b.send(b"PING\r\n");
    assert_silent(&mut a, QUIET);
    assert_silent(&mut b, Duration::from_millis(10));
    assert_eq!(direct.cmd(&["GET", "k"]), b"$-1\r\n", "the SET is held");
    wait_until("the held connection accepted", || proxy.connections() == 2);
    assert_eq!(
        connected_clients(&srv),
        clients,
        "a connection accepted during the partition has not reached the server"
    );
    proxy.unblock();
    assert_eq!(a.reply(), b"+OK\r\n");
    assert_eq!(b.reply(), b"+PONG\r\n");
    assert_eq!(direct.cmd(&["GET", "k"]), b"$1\r\nv\r\n");
    assert_eq!(connected_clients(&srv), clients + 1);
}

#[test]
fn one_way_holds_only_that_direction() {
    let srv = Server::start(&[]);
    let mut direct = srv.raw();
    let proxy = Proxy::start(srv.port);
    let mut a = Raw::connect(proxy.port);
    assert_eq!(a.cmd(&["PING"]), b"+PONG\r\n");

    // Replies held: the command runs, its reply waits.
    proxy.one_way(Direction::ToClient, true);
    a.send(&frame(&[b"SET", b"k1", b"v1"]));
    wait_until("the SET to run", || {
        direct.cmd(&["GET", "k1"]) == b"$2\r\nv1\r\n"
    });
    assert_silent(&mut a, QUIET);
    proxy.one_way(Direction::ToClient, false);
    assert_eq!(a.reply(), b"+OK\r\n");

    // Requests held: nothing runs until released.
    proxy.one_way(Direction::ToTarget, true);
    a.send(&frame(&[b"SET", b"k2", b"v2"]));
    assert_silent(&mut a, QUIET);
    assert_eq!(direct.cmd(&["GET", "k2"]), b"$-1\r\n", "the SET is held");
    proxy.one_way(Direction::ToTarget, false);
    assert_eq!(a.reply(), b"+OK\r\n");
    assert_eq!(direct.cmd(&["GET", "k2"]), b"$2\r\nv2\r\n");
}

#[test]
fn drop_after_cuts_mid_transfer_once() {
    let srv = Server::start(&[]);
    let proxy = Proxy::start(srv.port);
    let mut a = Raw::connect(proxy.port);
    assert_eq!(a.cmd(&["PING"]), b"+PONG\r\n");
    wait_until("the PING counted", || {
        proxy.forwarded(Direction::ToTarget) == 14
    });
    let with_a = connected_clients(&srv);

    proxy.drop_after(100_000, Direction::ToTarget);
    let value = vec![b'x'; 1 << 20];
    let set = frame(&[b"SET", b"big", &value]);
    a.s.set_write_timeout(Some(DEADLINE)).unwrap();
    let _ = a.s.write_all(&set); // fails or lands in buffers: the proxy cuts either way
    assert!(closed_soon(&mut a), "the client's connection is cut");
    assert_eq!(
        proxy.forwarded(Direction::ToTarget),
        14 + 100_000,
        "exactly the budget went through"
    );
    wait_until("the server to see the client go", || {
        connected_clients(&srv) == with_a - 1
    });
    let mut direct = srv.raw();
    assert_eq!(
        direct.cmd(&["EXISTS", "big"]),
        b":0\r\n",
        "a partial SET never runs"
    );

    // One-shot: the next transfer goes through whole.
    let mut b = Raw::connect(proxy.port);
    b.send(&set);
    assert_eq!(b.reply(), b"+OK\r\n");
    assert_eq!(direct.cmd(&["STRLEN", "big"]), b":1048576\r\n");
}

#[test]
fn stalled_reader_backs_up_the_servers_output_only() {
    let srv = Server::start(&[]);
    let mut direct = srv.raw();
    let value = vec![b'v'; 1 << 20];
    direct.send(&frame(&[b"SET", b"big", &value]));
    assert_eq!(direct.reply(), b"+OK\r\n");
    let proxy = Proxy::start(srv.port);
    let mut a = Raw::connect(proxy.port);
    assert_eq!(a.cmd(&["PING"]), b"+PONG\r\n");
    assert_eq!(max_omem(&srv), 0);
    wait_until("the PONG counted", || {
        proxy.forwarded(Direction::ToClient) == 7
    });

    proxy.stall_reads(true);
    let gets = 20;
    a.send(&frame(&[b"GET", b"big"]).repeat(gets));
    // Kernel buffers take a few MB of the 20 MB; the rest waits in the server.
    wait_until("the server's output to back up", || {
        max_omem(&srv) > 4 << 20
    });
    assert_eq!(
        proxy.forwarded(Direction::ToClient),
        7,
        "the proxy read nothing from the server"
    );
    let answered = ping_time(&mut srv.raw());
    assert!(answered < Duration::from_millis(100), "{answered:?}");

    proxy.stall_reads(false);
    let mut expected = format!("${}\r\n", value.len()).into_bytes();
    expected.extend_from_slice(&value);
    expected.extend_from_slice(b"\r\n");
    for _ in 0..gets {
        assert!(a.reply() == expected, "a reply arrives whole");
    }
    wait_until("the output to drain", || max_omem(&srv) == 0);
}

#[test]
fn drop_closes_everything_and_leaves_no_thread() {
    let srv = Server::start(&[]);
    let proxy = Proxy::start(srv.port);
    let port = proxy.port;
    let mut flowing = Raw::connect(port);
    assert_eq!(flowing.cmd(&["PING"]), b"+PONG\r\n");
    let mut stalled = Raw::connect(port);
    assert_eq!(stalled.cmd(&["PING"]), b"+PONG\r\n");
    proxy.stall_reads(true);
    stalled.send(&frame(&[b"PING"]).repeat(1000));
    proxy.block();
    let mut held = Raw::connect(port);
    held.send(b"PING\r\n");
    wait_until("all three accepted", || proxy.connections() == 3);
    // The acceptor, two pumps for each flowing link, one for the held link.
    wait_until("six proxy threads", || threads_of(port) == 6);

    let start = Instant::now();
    drop(proxy);
    let took = start.elapsed();
    assert!(took < Duration::from_secs(1), "drop took {took:?}");
    assert_eq!(threads_of(port), 0, "every thread joined");
    for r in [&mut flowing, &mut stalled, &mut held] {
        assert!(closed_soon(r), "every client connection is closed");
    }
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "no longer listening"
    );
}
