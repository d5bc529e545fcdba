//! Server-level fuzzing: several connections send seeded random byte
//! streams (random bytes, valid commands mixed with garbage, huge length
//! prefixes, NULs, unbalanced quotes) at a bounded rate, reconnecting when
//! the server closes them, while a probe client checks that PING always
//! answers quickly and the server's memory stays bounded. At the end the
//! server must still be alive and answering.
//!
//! FERRO_FUZZ_SEED picks the streams (printed at the start and on failure);
//! FERRO_FUZZ_SERVER_SECONDS the duration.

mod support;

use ferrocache::resp::fuzz_input;
use ferrocache::test_rng::{seed_from_env, ReproOnPanic, Rng};
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};
use support::{frame, Server};

const SEED_VAR: &str = "FERRO_FUZZ_SEED";
const DEFAULT_SEED: u64 = 0x5E4E_F022_0000_0009;
/// Connections sending garbage at once.
const FUZZERS: u64 = 6;
/// Each write is at most this many bytes, followed by a 1-4 ms pause (which
/// also drains the replies), so no connection floods the loop on its own.
const MAX_WRITE: usize = 4096;
/// The probe's PING must be answered within this.
const PING_BOUND: Duration = Duration::from_millis(100);
/// The server's resident memory must stay under this.
const RSS_BOUND_KB: u64 = 200 * 1024;

#[test]
fn fuzzed_connections_never_stall_the_server() {
    let seed = seed_from_env(SEED_VAR, DEFAULT_SEED);
    let seconds = std::env::var("FERRO_FUZZ_SERVER_SECONDS").map_or(5.0, |s| s.parse().unwrap());
    eprintln!("fuzz_server: {SEED_VAR}={seed:#x}, {seconds}s");
    let _repro = ReproOnPanic {
        var: SEED_VAR,
        seed,
        what: "this server fuzz run",
    };
    let mut server = Server::start(&[]);
    let stop = StopOnDrop(Arc::new(AtomicBool::new(false)));
    let fuzzers: Vec<_> = (0..FUZZERS)
        .map(|i| {
            let (port, stop) = (server.port, stop.0.clone());
            let rng = Rng::seeded(seed.wrapping_add(i));
            thread::spawn(move || fuzz_connection(port, rng, &stop))
        })
        .collect();

    let probe = probe(&server, Duration::from_secs_f64(seconds));
    drop(stop);
    let mut sent = Traffic::default();
    for f in fuzzers {
        sent.add(&f.join().expect("fuzz connection thread"));
    }

    let mut latencies = probe.latencies.clone();
    latencies.sort_unstable();
    let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q) as usize];
    eprintln!(
        "fuzz_server: {} bytes in {} writes over {} connections ({} closed by the server); \
         PING x{}: p50 {:?} p99 {:?} max {:?}; max RSS {} kB",
        sent.bytes,
        sent.writes,
        sent.sessions,
        sent.closed_by_server,
        latencies.len(),
        at(0.5),
        at(0.99),
        at(1.0),
        probe.max_rss_kb
    );
    assert!(
        sent.bytes > 0 && latencies.len() > 10,
        "the fuzz barely ran"
    );
    assert!(
        at(1.0) <= PING_BOUND,
        "a PING took {:?} (bound {PING_BOUND:?})",
        at(1.0)
    );
    assert!(
        probe.max_rss_kb < RSS_BOUND_KB,
        "RSS reached {} kB",
        probe.max_rss_kb
    );
    assert!(server.is_running(), "the server died");
    assert_eq!(server.raw().cmd(&["PING"]), b"+PONG\r\n");
}

/// Stops the fuzz connections when dropped, a failed assertion included.
struct StopOnDrop(Arc<AtomicBool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// What the probe saw.
struct Probe {
    latencies: Vec<Duration>,
    max_rss_kb: u64,
}

/// PINGs the server every 10 ms for `run`, timing each reply and sampling
/// the server's RSS.
fn probe(server: &Server, run: Duration) -> Probe {
    let mut client = server.raw();
    // Far past the bound, short enough to fail fast on a wedged loop.
    client.s.set_read_timeout(Some(PING_BOUND * 20)).unwrap();
    let mut probe = Probe {
        latencies: Vec::new(),
        max_rss_kb: 0,
    };
    let end = Instant::now() + run;
    while Instant::now() < end {
        let sent = Instant::now();
        assert_eq!(client.cmd(&["PING"]), b"+PONG\r\n");
        probe.latencies.push(sent.elapsed());
        probe.max_rss_kb = probe.max_rss_kb.max(rss_kb(server.pid()));
        thread::sleep(Duration::from_millis(10));
    }
    probe
}

/// VmRSS of process `pid`, in kB.
fn rss_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/<pid>/status")
}

/// What one fuzz connection thread sent.
#[derive(Default)]
struct Traffic {
    bytes: usize,
    writes: usize,
    sessions: usize,
    closed_by_server: usize,
}

impl Traffic {
    fn add(&mut self, other: &Traffic) {
        self.bytes += other.bytes;
        self.writes += other.writes;
        self.sessions += other.sessions;
        self.closed_by_server += other.closed_by_server;
    }
}

/// Until `stop`: connects, sends 1-40 random chunks with short pauses
/// (reading whatever the server replies meanwhile), then hangs up; a
/// session also ends when the server closes it (after a protocol error).
fn fuzz_connection(port: u16, mut rng: Rng, stop: &AtomicBool) -> Traffic {
    let mut sent = Traffic::default();
    while !stop.load(Ordering::Relaxed) {
        let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
            thread::sleep(Duration::from_millis(5));
            continue;
        };
        s.set_write_timeout(Some(Duration::from_secs(2))).unwrap();
        sent.sessions += 1;
        for _ in 0..rng.below(40) + 1 {
            if stop.load(Ordering::Relaxed) {
                break;
            }
            let chunk = chunk(&mut rng);
            let pause = Duration::from_millis(rng.below(4) + 1);
            if s.write_all(&chunk).is_err() || !drain(&mut s, pause) {
                sent.closed_by_server += 1;
                break;
            }
            sent.bytes += chunk.len();
            sent.writes += 1;
        }
        let _ = s.shutdown(Shutdown::Both);
    }
    sent
}

/// Reads replies for `pause`; false once the server has closed.
fn drain(s: &mut TcpStream, pause: Duration) -> bool {
    let end = Instant::now() + pause;
    let mut buf = [0u8; 16384];
    loop {
        let left = end.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return true;
        }
        s.set_read_timeout(Some(left)).unwrap();
        match s.read(&mut buf) {
            Ok(0) => return false,
            Ok(_) => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return true
            }
            Err(_) => return false,
        }
    }
}

/// Up to about MAX_WRITE bytes: parser fuzz input, valid commands, and
/// frames announcing huge arguments that never come.
fn chunk(rng: &mut Rng) -> Vec<u8> {
    let target = rng.below(MAX_WRITE as u64) as usize + 1;
    let mut c = Vec::new();
    while c.len() < target {
        match rng.below(10) {
            0..=3 => c.extend(fuzz_input::input(rng)),
            4..=8 => c.extend(valid_command(rng)),
            _ => c.extend(huge_prefix(rng)),
        }
    }
    c.truncate(MAX_WRITE);
    c
}

/// A well-formed command from a small, harmless set, on a few keys.
fn valid_command(rng: &mut Rng) -> Vec<u8> {
    let key = format!("fuzz:{}", rng.below(8)).into_bytes();
    let len = rng.below(64) as usize;
    let value = rng.bytes(len);
    let args: Vec<&[u8]> = match rng.below(8) {
        0 => vec![b"PING"],
        1 => vec![b"ECHO", &value],
        2 => vec![b"SET", &key, &value],
        3 => vec![b"GET", &key],
        4 => vec![b"DEL", &key],
        5 => vec![b"INCR", b"fuzz:counter"],
        6 => vec![b"LPUSH", b"fuzz:list", &value],
        _ => vec![b"LPOP", b"fuzz:list"],
    };
    frame(&args)
}

/// A frame whose count or bulk length is huge but legal: the server must
/// wait for it without allocating what it announces.
fn huge_prefix(rng: &mut Rng) -> Vec<u8> {
    let head: &[&[u8]] = &[
        b"*1\r\n$536870912\r\n",
        b"*1048576\r\n",
        b"*2\r\n$3\r\nSET\r\n$400000000\r\n",
    ];
    rng.pick(head).to_vec()
}
