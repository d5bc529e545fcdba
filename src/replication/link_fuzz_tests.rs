//! Seeded fuzzing of the follower's link engine ([`Handshake`] and
//! [`Payload`]), driven as `server::leader_link` drives it: what a leader
//! sends, split into reads at random points. Inputs are random bytes, valid
//! leader scripts (handshake replies, keepalive newlines, `+FULLRESYNC` with
//! a `$<len>` or `$EOF:` payload, `+CONTINUE`, then stream bytes) and
//! mutations of them. Checked: no panic; progress (every step consumes
//! bytes, waits for more, or ends the link, and a stuck call aborts the
//! test); bounded memory (what waits in the input is at most the reply-line
//! cap, what is sent is the handshake only); a valid script gives the
//! events it encodes, and any input gives the same events however it is
//! split. LINK_FUZZ_SEED picks the first case's seed (a failure prints the
//! one that reproduces it); LINK_FUZZ_SECONDS the time budget.

use super::*;
use crate::replication::replid::new_replid;
use crate::test_rng::{fuzz_for, seed_from_env, Rng};
use std::time::{Duration, Instant};

const SEED_VAR: &str = "LINK_FUZZ_SEED";
const DEFAULT_SEED: u64 = 0x11F0_22E5_EED0_0011;
/// A case that takes longer than this is stuck in a loop.
const STALL: Duration = Duration::from_secs(2);
/// The longest reply line the engine buffers before giving up.
const LINE_CAP: usize = 64 * 1024;
/// The most the handshake may write, whatever it reads.
const OUT_CAP: usize = 512;

/// What the link did with one input, as the loop would see it.
#[derive(Debug, PartialEq, Eq, Default)]
struct Trace {
    events: Vec<Seen>,
    /// Everything the handshake wrote.
    out: Vec<u8>,
    /// Bytes left after the link's last event: the stream's first bytes.
    rest: Vec<u8>,
}

#[derive(Debug, PartialEq, Eq)]
enum Seen {
    FullResync(Replid, i64),
    /// A payload opened: its announced length (None: diskless).
    PayloadStart(Option<u64>),
    /// A payload completed after this many bytes (end mark included).
    PayloadDone(u64),
    Continue(Option<Replid>),
    Error,
}

/// Feeds `data` to a fresh link in pieces cut at `cuts` (sorted offsets),
/// checking progress and memory at every step.
fn drive(config: &HandshakeConfig, data: &[u8], cuts: &[usize]) -> Trace {
    let mut h = Handshake::new(config.clone());
    let mut trace = Trace::default();
    h.start(&mut trace.out);
    let mut input = Vec::new();
    let mut payload: Option<Payload> = None;
    let mut done = false;
    let mut from = 0;
    let ends = cuts.iter().copied().chain([data.len()]);
    for end in ends {
        let end = end.clamp(from, data.len());
        let piece = &data[from..end];
        from = end;
        if done {
            trace.rest.extend_from_slice(piece);
            continue;
        }
        input.extend_from_slice(piece);
        // Each round consumes at least one byte or stops: bounded rounds.
        let mut rounds = 0;
        loop {
            rounds += 1;
            assert!(rounds <= input.len() + piece.len() + 4, "no progress");
            if let Some(p) = payload.as_mut() {
                let (n, complete) = p.take(&input);
                assert!(n <= input.len());
                input.drain(..n);
                assert!(p.tail.len() <= 40, "the mark window grows");
                if complete {
                    trace.events.push(Seen::PayloadDone(p.read));
                    done = true;
                } else {
                    assert!(input.is_empty(), "an incomplete payload takes it all");
                }
                break;
            }
            let before = input.len();
            match h.advance(&mut input, &mut trace.out) {
                Ok(Event::Wait) => {
                    assert!(input.len() <= LINE_CAP, "{} bytes wait", input.len());
                    break;
                }
                Ok(Event::FullResync { replid, offset }) => {
                    assert!(input.len() < before);
                    trace.events.push(Seen::FullResync(replid, offset));
                }
                Ok(Event::Payload(p)) => {
                    assert!(input.len() < before);
                    assert!(h.expect.is_empty());
                    trace.events.push(Seen::PayloadStart(p.total));
                    payload = Some(p);
                }
                Ok(Event::Continue { replid }) => {
                    assert!(input.len() < before);
                    trace.events.push(Seen::Continue(replid));
                    done = true;
                    break;
                }
                Err(_) => {
                    trace.events.push(Seen::Error);
                    done = true;
                    break;
                }
            }
        }
        assert!(trace.out.len() <= OUT_CAP, "the handshake wrote too much");
        if done {
            trace.rest.append(&mut input);
        }
    }
    trace
}

const ID: &str = "8de2ab1cd3f1c0ba5e87f5ed0b4fcef7d1b0c4a2";

/// A random handshake configuration and how many `+OK` lines it expects
/// after `+PONG` (AUTH, listening-port, ip-address, capa).
fn config(rng: &mut Rng) -> (HandshakeConfig, usize) {
    let auth = rng
        .one_in(3)
        .then(|| (rng.one_in(2).then(|| "u".to_string()), "secret".to_string()));
    let announce_ip = rng.one_in(4).then(|| "10.0.0.7".to_string());
    let psync_from = rng.one_in(2).then(|| {
        (
            Replid::parse(ID.as_bytes()).unwrap(),
            rng.below(1 << 40) as i64,
        )
    });
    let oks = 2 + auth.is_some() as usize + announce_ip.is_some() as usize;
    let config = HandshakeConfig {
        auth,
        listening_port: rng.below(65536) as u16,
        announce_ip,
        psync_from,
    };
    (config, oks)
}

/// Keepalive newlines (none most of the time).
fn newlines(rng: &mut Rng) -> Vec<u8> {
    vec![b'\n'; rng.below(4) as usize * rng.below(2) as usize]
}

/// A leader's side of a valid exchange and the events it must give.
fn valid_script(rng: &mut Rng, oks: usize) -> (Vec<u8>, Vec<Seen>) {
    let mut data = Vec::new();
    let ping_reply = *rng.pick(&[
        &b"+PONG\r\n"[..],
        b"-NOAUTH Authentication required.\r\n",
        b"-NOPERM this user has no permissions\r\n",
    ]);
    data.extend_from_slice(ping_reply);
    for _ in 0..oks {
        // Non-fatal REPLCONF errors are allowed too (AUTH's is not).
        data.extend_from_slice(b"+OK\r\n");
    }
    data.extend(newlines(rng));
    let replid = Replid::parse(new_replid().as_bytes()).unwrap();
    let mut events = Vec::new();
    if rng.one_in(4) {
        let named = rng.one_in(2);
        if named {
            data.extend_from_slice(format!("+CONTINUE {}\r\n", replid.as_str()).as_bytes());
        } else {
            data.extend_from_slice(b"+CONTINUE\r\n");
        }
        events.push(Seen::Continue(named.then_some(replid)));
    } else {
        let offset = rng.below(1 << 50) as i64;
        data.extend_from_slice(format!("+FULLRESYNC {} {offset}\r\n", replid.as_str()).as_bytes());
        events.push(Seen::FullResync(replid, offset));
        data.extend(newlines(rng));
        let len = rng.below(3000) as usize;
        let rdb = rng.bytes(len);
        if rng.one_in(2) {
            data.extend_from_slice(format!("${}\r\n", rdb.len()).as_bytes());
            data.extend_from_slice(&rdb);
            events.push(Seen::PayloadStart(Some(rdb.len() as u64)));
            events.push(Seen::PayloadDone(rdb.len() as u64));
        } else {
            let mark = new_replid();
            data.extend_from_slice(format!("$EOF:{mark}\r\n").as_bytes());
            data.extend_from_slice(&rdb);
            data.extend_from_slice(mark.as_bytes());
            events.push(Seen::PayloadStart(None));
            events.push(Seen::PayloadDone(rdb.len() as u64 + 40));
        }
    }
    (data, events)
}

/// Random damage: flipped, inserted, removed bytes, a cut-off end, or
/// lengths and offsets replaced by huge, negative or absurd numbers.
fn mutate(rng: &mut Rng, data: &mut Vec<u8>) {
    for _ in 0..rng.below(4) + 1 {
        let at = rng.below(data.len() as u64 + 1) as usize;
        match rng.below(6) {
            0 if at < data.len() => data[at] = rng.next() as u8,
            1 => data.insert(at, *rng.pick(b"\r\n$+-:0123456789 \x00\xff")),
            2 if at < data.len() => {
                data.remove(at);
            }
            3 => data.truncate(at),
            4 => {
                let n = *rng.pick(&[
                    &b"18446744073709551615"[..],
                    b"99999999999999999999999",
                    b"-1",
                    b"",
                    b"EOF:",
                    b"EOF:short",
                    b"0",
                ]);
                let at = at.min(data.len());
                data.splice(at..at, n.iter().copied());
            }
            _ => data.extend(newlines(rng)),
        }
    }
}

/// One input of a case: random bytes, random lines, a valid script or a
/// mutated one. Returns the expected events when the input is valid.
fn input(rng: &mut Rng, oks: usize) -> (Vec<u8>, Option<Vec<Seen>>) {
    match rng.below(4) {
        0 => {
            let n = rng.below(512) as usize;
            (rng.bytes(n), None)
        }
        1 => {
            let mut data = Vec::new();
            for _ in 0..rng.below(8) {
                let head = *rng.pick(&[&b"+"[..], b"-", b"$", b"\n", b"+FULLRESYNC ", b"$EOF:"]);
                data.extend_from_slice(head);
                let n = rng.below(60) as usize;
                data.extend(rng.bytes(n));
                data.extend_from_slice(b"\r\n");
            }
            (data, None)
        }
        2 => {
            let (mut data, events) = valid_script(rng, oks);
            let extra = rng.below(64) as usize;
            data.extend(rng.bytes(extra));
            (data, Some(events))
        }
        _ => {
            let (mut data, _) = valid_script(rng, oks);
            mutate(rng, &mut data);
            (data, None)
        }
    }
}

/// Random sorted split points in `0..=len`.
fn random_cuts(rng: &mut Rng, len: usize) -> Vec<usize> {
    let mut cuts: Vec<usize> = (0..rng.below(6))
        .map(|_| rng.below(len as u64 + 1) as usize)
        .collect();
    cuts.sort_unstable();
    cuts
}

/// One case: an input, unsplit, split at random points and byte by byte.
fn run_case(rng: &mut Rng) -> usize {
    let (config, oks) = config(rng);
    let (data, expected) = input(rng, oks);
    let whole = drive(&config, &data, &[]);
    if let Some(events) = expected {
        assert_eq!(whole.events, events, "a valid script");
    }
    for _ in 0..3 {
        let cuts = random_cuts(rng, data.len());
        assert_eq!(drive(&config, &data, &cuts), whole, "split at {cuts:?}");
    }
    if data.len() <= 600 {
        let every: Vec<usize> = (1..data.len()).collect();
        assert_eq!(drive(&config, &data, &every), whole, "byte by byte");
    }
    data.len()
}

#[test]
fn seeded_link_fuzz() {
    let seconds = std::env::var("LINK_FUZZ_SECONDS").map_or(1.0, |s| s.parse().unwrap());
    let first_seed = seed_from_env(SEED_VAR, DEFAULT_SEED);
    let (cases, _) = fuzz_for(
        "seeded_link_fuzz",
        SEED_VAR,
        first_seed,
        seconds,
        STALL,
        run_case,
    );
    assert!(cases > 100, "too few cases ran: {cases}");
}

/// A reply line that never ends is refused once over the cap, however it
/// arrives, and what waits meanwhile stays under the cap.
#[test]
fn an_endless_line_is_refused_at_the_cap() {
    for expect_payload in [false, true] {
        let mut h = Handshake::new(HandshakeConfig::default());
        h.start(&mut Vec::new());
        let mut input = b"+PONG\r\n+OK\r\n+OK\r\n".to_vec();
        if expect_payload {
            input.extend_from_slice(format!("+FULLRESYNC {ID} 0\r\n").as_bytes());
        }
        let mut out = Vec::new();
        while !matches!(h.advance(&mut input, &mut out), Ok(Event::Wait)) {}
        let mut fed = 0;
        let result = loop {
            input.extend_from_slice(&[b'x'; 1000]);
            fed += 1000;
            assert!(fed < 2 * LINE_CAP, "never refused");
            match h.advance(&mut input, &mut out) {
                Ok(Event::Wait) => assert!(input.len() <= LINE_CAP),
                other => break other,
            }
        };
        assert!(result.is_err(), "{result:?}");
    }
}

/// Keepalive newlines alone, any number, are consumed without growing
/// anything, before the PSYNC reply and before the payload.
#[test]
fn keepalives_alone_are_consumed() {
    let mut h = Handshake::new(HandshakeConfig::default());
    h.start(&mut Vec::new());
    let mut input = b"+PONG\r\n+OK\r\n+OK\r\n".to_vec();
    let mut out = Vec::new();
    assert_eq!(h.advance(&mut input, &mut out), Ok(Event::Wait));
    for _ in 0..1000 {
        input.extend_from_slice(b"\n\n\n");
        assert_eq!(h.advance(&mut input, &mut out), Ok(Event::Wait));
        assert!(input.is_empty());
    }
    input.extend_from_slice(format!("+FULLRESYNC {ID} 3\r\n\n\n$EOF:").as_bytes());
    assert!(matches!(
        h.advance(&mut input, &mut out),
        Ok(Event::FullResync { offset: 3, .. })
    ));
    assert_eq!(h.advance(&mut input, &mut out), Ok(Event::Wait));
    assert_eq!(input, b"$EOF:");
}

/// A megabyte of keepalive newlines in one read (what one loop iteration
/// may read from the link) is consumed at once, not byte by byte: the
/// loop must not spend seconds on it.
#[test]
fn a_megabyte_of_keepalives_is_consumed_quickly() {
    let mut h = Handshake::new(HandshakeConfig::default());
    h.start(&mut Vec::new());
    let mut input = b"+PONG\r\n+OK\r\n+OK\r\n".to_vec();
    let mut out = Vec::new();
    assert_eq!(h.advance(&mut input, &mut out), Ok(Event::Wait));
    for phase in ["before the PSYNC reply", "before the payload"] {
        input.extend(std::iter::repeat_n(b'\n', 1 << 20));
        let started = Instant::now();
        assert_eq!(h.advance(&mut input, &mut out), Ok(Event::Wait));
        assert!(input.is_empty());
        let took = started.elapsed();
        assert!(took < Duration::from_millis(200), "{phase}: {took:?}");
        input.extend_from_slice(format!("+FULLRESYNC {ID} 3\r\n").as_bytes());
        let _ = h.advance(&mut input, &mut out);
    }
}
