//! Replication under faults (issue 11): a ferrocache leader and ferrocache
//! replicas whose link goes through the fault-injection proxy. Whatever the
//! fault (a link cut again and again during writes, a replica dying in the
//! middle of a full sync, a replica that stops reading, garbage on the
//! replication port), the leader keeps answering PING within
//! [`PROBE_LIMIT`], its memory stays bounded, and once the fault is lifted
//! the replica holds exactly the leader's data. Then the other way round: a
//! fake leader feeding a ferrocache replica random bytes, truncated
//! payloads and oversized lengths leaves the replica serving and
//! reconnecting.
//!
//! REPL_FAULTS_SEED picks the random inputs (a failure prints the seed).

#[path = "support/reference.rs"]
mod reference;
mod support;

use reference::Rng;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use support::dataset::{assert_same, snapshot};
use support::proxy::{Direction, Proxy};
use support::{frame, wait_until, Raw, Server};

/// The slowest PING answer a probe accepts while a fault is in force.
const PROBE_LIMIT: Duration = Duration::from_millis(100);
/// The most any loop of this file runs (every loop also has a count bound).
const LOOP_DEADLINE: Duration = Duration::from_secs(20);

fn seed() -> u64 {
    match std::env::var("REPL_FAULTS_SEED") {
        Ok(s) => s.trim().parse().expect("REPL_FAULTS_SEED is a number"),
        Err(_) => 0x5EED_F417,
    }
}

/// Prints the seed when the test fails.
struct SeedOnPanic(u64);

impl Drop for SeedOnPanic {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("reproduce: REPL_FAULTS_SEED={}", self.0);
        }
    }
}

/// One field of `INFO section` of the server on `port` ("" when absent).
fn info(port: u16, section: &str, field: &str) -> String {
    let reply = Raw::connect(port).cmd(&["INFO", section]);
    let text = String::from_utf8_lossy(&reply).into_owned();
    let prefix = format!("{field}:");
    text.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .map(str::to_string)
        .unwrap_or_default()
}

fn int_info(port: u16, section: &str, field: &str) -> i64 {
    let text = info(port, section, field);
    text.parse()
        .unwrap_or_else(|_| panic!("INFO {section} {field} of :{port} is {text:?}"))
}

/// Polls `state` every 10 ms until it is `Ok`; on timeout, fails with the
/// last state it reported (what was still wrong).
fn wait_for(what: &str, mut state: impl FnMut() -> Result<(), String>) {
    let deadline = Instant::now() + support::DEADLINE;
    loop {
        match state() {
            Ok(()) => return,
            Err(e) if Instant::now() >= deadline => panic!("timed out waiting for {what}: {e}"),
            Err(_) => std::thread::sleep(Duration::from_millis(10)),
        }
    }
}

/// Ok once the leader has no replica and no full-sync leftover.
fn forgot_replicas(leader: &Server) -> Result<(), String> {
    let replicas = int_info(leader.port, "replication", "connected_slaves");
    let left = leftovers(leader);
    if replicas == 0 && left.is_empty() {
        return Ok(());
    }
    let list = leader.raw().cmd(&["CLIENT", "LIST", "TYPE", "replica"]);
    Err(format!(
        "connected_slaves:{replicas}, leftovers {left:?}, slave0:{}, {}",
        info(leader.port, "replication", "slave0"),
        String::from_utf8_lossy(&list)
    ))
}

/// A ferrocache replica of whatever listens on `port` (a proxy, a fake).
fn replica_of(port: u16, extra: &[&str]) -> Server {
    let port = port.to_string();
    let mut args = vec!["--replicaof", "127.0.0.1", &port];
    args.extend_from_slice(extra);
    Server::start(&args)
}

/// Waits until the replica's link is up and it applied everything the
/// leader produced (after a WAIT for it), then compares the datasets.
fn assert_converged(leader: &Server, replica: &Server) {
    wait_until("the replica's link to be up", || {
        info(replica.port, "replication", "master_link_status") == "up"
    });
    let mut r = leader.raw();
    let acked = r.cmd(&["WAIT", "1", "5000"]);
    assert_eq!(acked, b":1\r\n", "WAIT 1 5000");
    wait_until("the replica to catch up", || {
        int_info(leader.port, "replication", "master_repl_offset")
            == int_info(replica.port, "replication", "slave_repl_offset")
    });
    let want = snapshot(&mut leader.client(), &[0, 2]);
    let got = snapshot(&mut replica.client(), &[0, 2]);
    assert!(!want.is_empty(), "the leader has data");
    assert_same(&got, &want);
}

/// Values that do not compress, so a snapshot is `keys * size` bytes.
fn populate_random(leader: &Server, rng: &mut Rng, keys: usize, size: usize) {
    let mut r = leader.raw();
    for chunk in 0..keys.div_ceil(100) {
        let mut batch = Vec::new();
        let n = 100.min(keys - chunk * 100);
        for i in 0..n {
            let value: Vec<u8> = (0..size).map(|_| b'a' + rng.below(26) as u8).collect();
            let key = format!("rnd{}", chunk * 100 + i);
            batch.extend(frame(&[b"SET", key.as_bytes(), &value]));
        }
        r.send(&batch);
        for _ in 0..n {
            assert_eq!(r.reply(), b"+OK\r\n");
        }
    }
}

/// A thread that PINGs a server every few milliseconds and records how
/// long each answer took.
struct Probe {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<Vec<Duration>>>,
    port: u16,
}

impl Probe {
    fn start(port: u16) -> Probe {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut r = Raw::connect(port);
            let mut times = Vec::new();
            let end = Instant::now() + LOOP_DEADLINE * 3;
            while !flag.load(Ordering::Relaxed) && Instant::now() < end {
                let t = Instant::now();
                assert_eq!(r.cmd(&["PING"]), b"+PONG\r\n");
                times.push(t.elapsed());
                std::thread::sleep(Duration::from_millis(10));
            }
            times
        });
        Probe {
            stop,
            thread: Some(thread),
            port,
        }
    }

    /// Stops the probe; asserts every PING was answered within the limit.
    fn finish(mut self, what: &str) {
        self.stop.store(true, Ordering::Relaxed);
        let times = self.thread.take().unwrap().join().expect("probe thread");
        assert!(times.len() > 10, "{what}: only {} probes", times.len());
        let worst = times.iter().max().unwrap();
        eprintln!("{what}: {} PINGs, the slowest {worst:?}", times.len());
        assert!(
            *worst < PROBE_LIMIT,
            "{what}: a PING to :{} took {worst:?} ({} probes)",
            self.port,
            times.len()
        );
    }
}

impl Drop for Probe {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// A thread writing to the leader in pipelined batches (strings, counters,
/// lists, a second database) until stopped or `max_batches` ran.
struct Writer {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<u64>>,
}

impl Writer {
    fn start(port: u16, value_size: usize, max_batches: u64) -> Writer {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut r = Raw::connect(port);
            let value = vec![b'v'; value_size];
            let end = Instant::now() + LOOP_DEADLINE;
            let mut batches = 0;
            while !flag.load(Ordering::Relaxed) && batches < max_batches && Instant::now() < end {
                let mut batch = Vec::new();
                let db = if batches % 2 == 0 { b"0" } else { b"2" };
                batch.extend(frame(&[b"SELECT", db]));
                for i in 0..10 {
                    let key = format!("w{}", (batches * 10 + i) % 300);
                    batch.extend(frame(&[b"SET", key.as_bytes(), &value]));
                }
                batch.extend(frame(&[b"INCR", b"counter"]));
                batch.extend(frame(&[b"RPUSH", b"log", batches.to_string().as_bytes()]));
                r.send(&batch);
                for _ in 0..13 {
                    let reply = r.reply();
                    assert!(!reply.starts_with(b"-"), "{reply:?}");
                }
                batches += 1;
                std::thread::sleep(Duration::from_millis(2));
            }
            batches
        });
        Writer {
            stop,
            thread: Some(thread),
        }
    }

    /// Stops the writes; returns how many batches went in.
    fn finish(mut self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.take().unwrap().join().expect("writer thread")
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Names of the threads of process `pid`.
fn threads(pid: u32) -> Vec<String> {
    let Ok(dir) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    dir.filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("comm")).ok())
        .map(|s| s.trim().to_string())
        .collect()
}

/// The leader's full-sync leftovers: temp-repl files in its directory and
/// snapshot threads still running.
fn leftovers(leader: &Server) -> Vec<String> {
    let mut found: Vec<String> = std::fs::read_dir(&leader.dir)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with("temp-repl-"))
        .collect();
    found.extend(
        threads(leader.pid())
            .into_iter()
            .filter(|t| t == "ferrocache-sync"),
    );
    found
}

/// Resident memory of process `pid`, in KB.
fn rss_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

/// (a) The link is cut again and again while writes go on: every reconnect
/// is a partial resync, and nothing is lost.
#[test]
fn a_link_cut_during_writes_resyncs_partially() {
    let leader = Server::start(&["--repl-diskless-sync", "no"]);
    let proxy = Proxy::start(leader.port);
    let replica = replica_of(proxy.port, &[]);
    leader.raw().cmd(&["SET", "before", "1"]);
    assert_converged(&leader, &replica);
    let probe = Probe::start(leader.port);
    let writer = Writer::start(leader.port, 100, 100_000);
    let used_before = int_info(leader.port, "memory", "used_memory");
    let cuts = 4;
    for n in 1..=cuts {
        std::thread::sleep(Duration::from_millis(150));
        proxy.cut();
        wait_until("the replica to resync partially", || {
            int_info(leader.port, "stats", "sync_partial_ok") >= n
        });
    }
    let batches = writer.finish();
    probe.finish("link cuts");
    assert!(batches > 20, "only {batches} write batches");
    assert_converged(&leader, &replica);
    assert_eq!(int_info(leader.port, "stats", "sync_full"), 1);
    assert_eq!(int_info(leader.port, "stats", "sync_partial_ok"), cuts);
    assert_eq!(int_info(leader.port, "replication", "connected_slaves"), 1);
    assert!(proxy.connections() as i64 > cuts);
    let used_after = int_info(leader.port, "memory", "used_memory");
    assert!(
        used_after < used_before + 16 * 1024 * 1024,
        "memory grew from {used_before} to {used_after}"
    );
}

/// (b) A replica whose link is cut in the middle of its full sync (during
/// the snapshot, then in the middle of the payload): the leader forgets it
/// and its snapshot, and the retried sync completes.
#[test]
fn a_full_sync_cut_midway_is_cleaned_up_and_retried() {
    let s = seed();
    let _repro = SeedOnPanic(s);
    let mut rng = Rng::new(s);
    for diskless in ["no", "yes"] {
        let leader = Server::start(&[
            "--repl-diskless-sync",
            diskless,
            "--repl-diskless-sync-delay",
            "0",
        ]);
        populate_random(&leader, &mut rng, 400, 10_000);
        let proxy = Proxy::start(leader.port);
        // +PONG and two +OK are 17 bytes: the first cut comes right after
        // +FULLRESYNC starts, the second 1 MB into the payload.
        for (attempt, cut_at) in [(1, 40), (2, 1 << 20)] {
            let base = proxy.forwarded(Direction::ToClient);
            proxy.drop_after(cut_at, Direction::ToClient);
            let probe = Probe::start(leader.port);
            let replica = replica_of(proxy.port, &[]);
            wait_until("the cut", || {
                proxy.forwarded(Direction::ToClient) >= base + cut_at
            });
            // Hold the replica's retry until the leader has cleaned up.
            proxy.block();
            wait_for("the leader to forget the replica", || {
                forgot_replicas(&leader)
            });
            assert_eq!(int_info(leader.port, "stats", "sync_full"), attempt * 2 - 1);
            proxy.unblock();
            assert_converged(&leader, &replica);
            probe.finish(&format!("diskless {diskless}, cut at {cut_at}"));
            assert_eq!(int_info(leader.port, "stats", "sync_full"), attempt * 2);
            wait_until("no snapshot left", || leftovers(&leader).is_empty());
        }
    }
}

/// (b) A replica killed (SIGKILL) in the middle of its full sync: the
/// leader drops it, and a new replica syncs.
#[test]
fn a_replica_killed_mid_sync_is_replaced() {
    let s = seed();
    let _repro = SeedOnPanic(s);
    let mut rng = Rng::new(s ^ 1);
    for diskless in ["no", "yes"] {
        let leader = Server::start(&[
            "--repl-diskless-sync",
            diskless,
            "--repl-diskless-sync-delay",
            "0",
        ]);
        populate_random(&leader, &mut rng, 300, 10_000);
        let proxy = Proxy::start(leader.port);
        // Slow enough that the transfer is surely in flight when killed.
        proxy.set_delay(Duration::from_millis(5));
        let probe = Probe::start(leader.port);
        let mut doomed = replica_of(proxy.port, &[]);
        wait_until("the transfer to be under way", || {
            proxy.forwarded(Direction::ToClient) > 256 * 1024
        });
        // (Thread names are readable: the leftover check can see one.)
        assert!(threads(leader.pid()).iter().any(|t| t == "ferrocache"));
        doomed.kill();
        wait_for("the leader to drop the killed replica", || {
            forgot_replicas(&leader)
        });
        proxy.set_delay(Duration::ZERO);
        let writer = Writer::start(leader.port, 50, 50);
        let replica = replica_of(proxy.port, &[]);
        writer.finish();
        assert_converged(&leader, &replica);
        probe.finish(&format!("diskless {diskless}, replica killed"));
        assert_eq!(int_info(leader.port, "stats", "sync_full"), 2);
        assert_eq!(int_info(leader.port, "replication", "connected_slaves"), 1);
        wait_until("no snapshot left", || leftovers(&leader).is_empty());
    }
}

/// (c) A replica that stops reading while the leader writes a lot is
/// dropped once over client-output-buffer-limit replica; the leader's
/// memory stays bounded; unstalled, the replica comes back and converges.
#[test]
fn a_replica_that_stops_reading_is_dropped_then_converges() {
    let leader = Server::start(&["--client-output-buffer-limit", "replica 1mb 512kb 1"]);
    let proxy = Proxy::start(leader.port);
    let replica = replica_of(proxy.port, &[]);
    leader.raw().cmd(&["SET", "before", "1"]);
    assert_converged(&leader, &replica);
    let used_before = int_info(leader.port, "memory", "used_memory");
    let probe = Probe::start(leader.port);
    proxy.stall_reads(true);
    // 300 keys of 10 KB overwritten again and again: the data stays about
    // 3 MB while tens of MB go into the stream.
    let writer = Writer::start(leader.port, 10_000, 600);
    let (mut max_used, mut max_replica_buffers) = (0, 0);
    let deadline = Instant::now() + LOOP_DEADLINE;
    let mut dropped = false;
    while Instant::now() < deadline {
        max_used = max_used.max(int_info(leader.port, "memory", "used_memory"));
        max_replica_buffers =
            max_replica_buffers.max(int_info(leader.port, "memory", "mem_clients_slaves"));
        if int_info(leader.port, "replication", "connected_slaves") == 0 {
            dropped = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(dropped, "the stalled replica was never dropped");
    let batches = writer.finish();
    assert!(batches > 50, "only {batches} write batches");
    max_used = max_used.max(int_info(leader.port, "memory", "used_memory"));
    assert!(
        max_used < used_before + 12 * 1024 * 1024,
        "memory grew from {used_before} to {max_used}"
    );
    assert!(
        max_replica_buffers < 3 * 1024 * 1024,
        "replica buffers reached {max_replica_buffers}"
    );
    eprintln!(
        "stalled replica: used_memory {used_before} -> at most {max_used}, \
         mem_clients_slaves at most {max_replica_buffers}"
    );
    assert_eq!(int_info(leader.port, "replication", "connected_slaves"), 0);
    let links = proxy.connections();
    proxy.stall_reads(false);
    // The replica reads what was held, then the end of its old link.
    wait_until("the replica to reconnect", || proxy.connections() > links);
    assert_converged(&leader, &replica);
    probe.finish("a stalled replica");
    assert_eq!(int_info(leader.port, "replication", "connected_slaves"), 1);
}

/// What a bad client sends to the replication port, chosen at random.
fn garbage_session(port: u16, rng: &mut Rng) {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        panic!("connect to the leader");
    };
    s.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
    let junk: Vec<u8> = (0..rng.below(2000)).map(|_| rng.next() as u8).collect();
    let psync = frame(&[b"PSYNC", b"?", b"-1"]);
    let mut handshake = frame(&[b"REPLCONF", b"listening-port", b"7777"]);
    handshake.extend(frame(&[b"REPLCONF", b"capa", b"eof", b"capa", b"psync2"]));
    let mut sent = Vec::new();
    match rng.below(5) {
        // The handshake then random bytes.
        0 => {
            sent.extend(&handshake);
            sent.extend(&psync);
            sent.extend(&junk);
        }
        // Random bytes instead of a handshake.
        1 => sent.extend(&junk),
        // A valid PSYNC, then the connection closes mid-way through the
        // reply (after reading a little of it, or none).
        2 => sent.extend(&psync),
        // SYNC, the old form.
        3 => sent.extend(b"SYNC\r\n"),
        // REPLCONF with random arguments, then ACKs with junk offsets.
        _ => {
            sent.extend(frame(&[
                b"REPLCONF",
                b"listening-port",
                &junk[..junk.len().min(20)],
            ]));
            sent.extend(&psync);
            sent.extend(frame(&[b"REPLCONF", b"ACK", &junk[..junk.len().min(30)]]));
            sent.extend(frame(&[b"REPLCONF", b"ACK", b"-99999999999999999999"]));
        }
    }
    let _ = s.write_all(&sent);
    let mut buf = [0u8; 4096];
    for _ in 0..rng.below(3) {
        let _ = s.read(&mut buf);
    }
}

/// (d) Garbage and abandoned handshakes on the replication port: the
/// leader keeps serving and its replica count is the true one afterwards.
#[test]
fn garbage_on_the_replication_port_leaks_no_replica() {
    let s = seed();
    let _repro = SeedOnPanic(s);
    let mut rng = Rng::new(s ^ 2);
    for diskless in ["no", "yes"] {
        let leader = Server::start(&[
            "--repl-diskless-sync",
            diskless,
            "--repl-diskless-sync-delay",
            "0",
        ]);
        populate_random(&leader, &mut rng, 100, 1000);
        let proxy = Proxy::start(leader.port);
        let replica = replica_of(proxy.port, &[]);
        assert_converged(&leader, &replica);
        let probe = Probe::start(leader.port);
        let writer = Writer::start(leader.port, 20, 10_000);
        let deadline = Instant::now() + Duration::from_secs(3);
        let mut sessions = 0;
        while Instant::now() < deadline && sessions < 200 {
            garbage_session(leader.port, &mut rng);
            sessions += 1;
        }
        writer.finish();
        assert!(sessions > 20, "only {sessions} sessions");
        wait_for("only the true replica to be left", || {
            let replicas = int_info(leader.port, "replication", "connected_slaves");
            let left = leftovers(&leader);
            if replicas == 1 && left.is_empty() {
                return Ok(());
            }
            Err(format!("connected_slaves:{replicas}, leftovers {left:?}"))
        });
        assert_converged(&leader, &replica);
        probe.finish(&format!(
            "garbage on the replication port, diskless {diskless}"
        ));
        let clients = int_info(leader.port, "clients", "connected_clients");
        assert!(clients <= 3, "{clients} clients left connected");
        assert_eq!(int_info(leader.port, "stats", "sync_partial_ok"), 0);
    }
}

/// What a fake leader does after the handshake: scenario `n % 9`, with
/// random contents.
fn fake_session(mut s: TcpStream, n: usize, rng: &mut Rng) {
    s.set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    // The replica's PING, then its REPLCONFs and PSYNC.
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let end = Instant::now() + Duration::from_secs(2);
    let (mut answered_ping, mut answered_capa) = (false, false);
    while Instant::now() < end && !got.windows(5).any(|w| w == b"PSYNC") {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
        if !answered_ping && got.windows(4).any(|w| w == b"PING") {
            answered_ping = true;
            let _ = s.write_all(b"+PONG\r\n");
        }
        if !answered_capa && got.windows(4).any(|w| w == b"capa") {
            answered_capa = true;
            let _ = s.write_all(b"+OK\r\n+OK\r\n");
        }
    }
    let id = "0123456789abcdef0123456789abcdef01234567";
    let junk: Vec<u8> = (0..rng.below(64 * 1024))
        .map(|_| rng.next() as u8)
        .collect();
    let mut reply = Vec::new();
    match n % 9 {
        0 => reply.extend(&junk),
        // A disk payload announced far longer than what comes.
        1 => {
            reply.extend(format!("+FULLRESYNC {id} 0\r\n\n\n$1000000000000\r\n").as_bytes());
            reply.extend(&junk);
        }
        // A length that does not fit.
        2 => reply.extend(format!("+FULLRESYNC {id} 0\r\n$99999999999999999999999\r\n").as_bytes()),
        // A diskless payload that never ends.
        3 => {
            reply.extend(format!("+FULLRESYNC {id} 5\r\n$EOF:{id}\r\nREDIS0010").as_bytes());
            reply.extend(&junk);
        }
        // A complete payload that is not an RDB.
        4 => {
            reply.extend(format!("+FULLRESYNC {id} 0\r\n${}\r\n", junk.len()).as_bytes());
            reply.extend(&junk);
        }
        // A stream of garbage after +CONTINUE.
        5 => {
            reply.extend(format!("+CONTINUE {id}\r\n").as_bytes());
            reply.extend(&junk);
        }
        // A stream command announcing a huge argument, then some of it.
        6 => {
            let len: &str = rng.pick(&[
                "99999999999",
                "9223372036854775807",
                "99999999999999999999",
                "-5",
            ]);
            reply.extend(
                format!("+CONTINUE\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n${len}\r\n").as_bytes(),
            );
            reply.extend(&junk);
        }
        // A flood of keepalive newlines, then a payload that is cut short.
        7 => {
            reply.extend(std::iter::repeat_n(b'\n', 2 << 20));
            reply.extend(format!("+FULLRESYNC {id} 0\r\n").as_bytes());
            reply.extend(std::iter::repeat_n(b'\n', 2 << 20));
            reply.extend(b"$100\r\nREDIS");
        }
        // A line with no end.
        _ => {
            reply.extend(b"+FULLRESYNC ");
            reply.extend(junk.iter().map(|b| b | 0x80));
        }
    }
    let _ = s.write_all(&reply);
    // Sometimes the fake holds the connection a little before closing.
    std::thread::sleep(Duration::from_millis(rng.below(200)));
}

/// A fake leader sends a ferrocache replica random bytes, truncated
/// payloads and oversized lengths: the replica keeps answering, its memory
/// stays bounded, and it keeps reconnecting.
#[test]
fn a_replica_survives_a_leader_sending_garbage() {
    let s = seed();
    let _repro = SeedOnPanic(s);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let fake_port = listener.local_addr().unwrap().port();
    let replica = Server::start(&[]);
    replica.raw().cmd(&["SET", "mine", "1"]);
    let rss_before = rss_kb(replica.pid());
    let sessions = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let fake = {
        let (sessions, stop) = (sessions.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut rng = Rng::new(s ^ 3);
            let end = Instant::now() + LOOP_DEADLINE;
            while !stop.load(Ordering::Relaxed) && Instant::now() < end {
                match listener.accept() {
                    Ok((conn, _)) => {
                        conn.set_nonblocking(false).unwrap();
                        let n = sessions.fetch_add(1, Ordering::SeqCst);
                        fake_session(conn, n, &mut rng);
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        })
    };
    let probe = Probe::start(replica.port);
    let target = fake_port.to_string();
    assert_eq!(
        replica.raw().cmd(&["REPLICAOF", "127.0.0.1", &target]),
        b"+OK\r\n"
    );
    // Every scenario twice.
    let want = 18;
    let deadline = Instant::now() + LOOP_DEADLINE;
    let mut max_rss = rss_before;
    while sessions.load(Ordering::SeqCst) < want && Instant::now() < deadline {
        max_rss = max_rss.max(rss_kb(replica.pid()));
        std::thread::sleep(Duration::from_millis(20));
    }
    stop.store(true, Ordering::Relaxed);
    fake.join().expect("fake leader");
    probe.finish("a fake leader sending garbage");
    let got = sessions.load(Ordering::SeqCst);
    eprintln!("fake leader: {got} sessions, replica RSS {rss_before} KB -> at most {max_rss} KB");
    assert!(got >= want, "the replica reconnected only {got} times");
    assert!(
        max_rss < rss_before + 32 * 1024,
        "RSS grew from {rss_before} KB to {max_rss} KB"
    );
    // Still a working server, and no sync file left behind.
    assert_eq!(replica.raw().cmd(&["REPLICAOF", "NO", "ONE"]), b"+OK\r\n");
    wait_until("no temp sync file left", || {
        std::fs::read_dir(&replica.dir)
            .unwrap()
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .all(|n| !n.starts_with("temp-"))
    });
    assert_eq!(replica.raw().cmd(&["SET", "after", "1"]), b"+OK\r\n");
}

/// (b) Replicas that hang up right after PSYNC, before their snapshot is
/// even written (the leader reads PSYNC and the end of the connection
/// together): no snapshot file is left in the leader's directory.
#[test]
fn a_snapshot_nobody_waits_for_leaves_no_file() {
    let leader = Server::start(&["--repl-diskless-sync", "no"]);
    leader.raw().cmd(&["SET", "k", "v"]);
    for _ in 0..5 {
        let mut s = TcpStream::connect(("127.0.0.1", leader.port)).unwrap();
        s.write_all(&frame(&[b"PSYNC", b"?", b"-1"])).unwrap();
        drop(s);
        wait_for("the snapshot to be abandoned", || forgot_replicas(&leader));
    }
    assert_eq!(int_info(leader.port, "stats", "sync_full"), 5);
    assert_eq!(leader.raw().cmd(&["PING"]), b"+PONG\r\n");
}

/// A slow link: a diskless transfer that lasts longer than repl-timeout is
/// not held against the replica. As in Redis, its silence counts from the
/// end of the transfer (the last bytes handed to its socket), so it loads,
/// acknowledges and stays, without being dropped and resynced.
#[test]
fn a_diskless_transfer_slower_than_repl_timeout_completes() {
    let s = seed();
    let _repro = SeedOnPanic(s);
    let mut rng = Rng::new(s ^ 4);
    let leader = Server::start(&[
        "--repl-diskless-sync",
        "yes",
        "--repl-diskless-sync-delay",
        "0",
        "--repl-timeout",
        "3",
    ]);
    populate_random(&leader, &mut rng, 1600, 10_000);
    let proxy = Proxy::start(leader.port);
    // 16 KB per 5 ms: about 5 s for the 16 MB snapshot, more than
    // repl-timeout even once the last MBs sit in socket buffers.
    proxy.set_delay(Duration::from_millis(5));
    let probe = Probe::start(leader.port);
    let started = Instant::now();
    let replica = replica_of(proxy.port, &[]);
    wait_for("the replica's link to be up", || {
        let status = info(replica.port, "replication", "master_link_status");
        if status == "up" {
            return Ok(());
        }
        let sent = proxy.forwarded(Direction::ToClient);
        let replicas = info(leader.port, "replication", "connected_slaves");
        Err(format!("{sent} bytes sent, connected_slaves:{replicas}"))
    });
    let took = started.elapsed();
    assert!(took > Duration::from_secs(3), "a transfer of {took:?}");
    proxy.set_delay(Duration::ZERO);
    assert_converged(&leader, &replica);
    probe.finish("a slow diskless transfer");
    assert_eq!(int_info(leader.port, "stats", "sync_full"), 1);
    assert_eq!(int_info(leader.port, "stats", "sync_partial_ok"), 0);
    assert_eq!(proxy.connections(), 1, "the replica was dropped");
}
