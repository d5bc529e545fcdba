//! Seeded, time-bounded fuzzing of the request parser on stable Rust:
//! random and structured-random inputs (RESP frames with random, huge and
//! negative lengths; inline lines with every byte value, quotes, escapes,
//! CR/LF/NUL anywhere), each checked against [`super::check`] whole and
//! split into reads. FERRO_FUZZ_SEED picks the first case's seed (a failure
//! prints the one that reproduces it); FERRO_FUZZ_SECONDS the time budget.

use super::check::check_input;
use super::parser::Limits;
use crate::test_rng::{seed_from_env, ReproOnPanic, Rng};
use std::io::Write;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

const SEED_VAR: &str = "FERRO_FUZZ_SEED";
const DEFAULT_SEED: u64 = 0xF3E2_0C4C_5EED_0009;
/// A case that takes longer than this is stuck in a loop.
const STALL: Duration = Duration::from_secs(2);
/// Inputs up to this long are also checked at every split point.
const EVERY_CUT_UP_TO: usize = 48;

#[test]
fn seeded_parser_fuzz() {
    let seconds = std::env::var("FERRO_FUZZ_SECONDS").map_or(2.0, |s| s.parse().unwrap());
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let first_seed = seed_from_env(SEED_VAR, DEFAULT_SEED);
    // The cases run on a worker that reports each case's seed before it
    // starts: a parser loop that never ends shows up here as silence.
    let (beat, beats) = mpsc::channel();
    let worker = std::thread::spawn(move || run_cases(first_seed, deadline, beat));
    let mut current = first_seed;
    loop {
        match beats.recv_timeout(STALL) {
            Ok(seed) => current = seed,
            Err(RecvTimeoutError::Disconnected) => break,
            Err(RecvTimeoutError::Timeout) => {
                // The stuck thread cannot be stopped (and may be eating
                // memory): say which case it is, bypassing the test's
                // output capture, and end the test process.
                let msg = format!(
                    "seeded_parser_fuzz: a parser call made no progress for {STALL:?}; \
                     reproduce: {SEED_VAR}={current:#x}\n"
                );
                let _ = std::io::stderr().write_all(msg.as_bytes());
                std::process::abort();
            }
        }
    }
    let (cases, bytes) = worker
        .join()
        .unwrap_or_else(|e| std::panic::resume_unwind(e));
    eprintln!("seeded_parser_fuzz: {cases} cases, {bytes} bytes in {seconds}s");
    assert!(cases > 100, "too few cases ran: {cases}");
}

/// Runs cases from `seed` until `deadline`, sending each case's seed on
/// `beat` first; returns how many cases and input bytes ran.
fn run_cases(mut seed: u64, deadline: Instant, beat: mpsc::Sender<u64>) -> (u64, usize) {
    let limits = Limits::default();
    let (mut cases, mut bytes) = (0, 0);
    while Instant::now() < deadline {
        let _ = beat.send(seed);
        let _repro = ReproOnPanic {
            var: SEED_VAR,
            seed,
            what: "this parser case as the first one",
        };
        let mut rng = Rng::seeded(seed);
        let data = input(&mut rng);
        check_cuts(&mut rng, &data, &limits);
        bytes += data.len();
        cases += 1;
        seed = rng.next(); // the next case's seed: each case reproduces alone
    }
    (cases, bytes)
}

/// Every byte value before, inside and after a command, unquoted and in
/// both kinds of quotes, at every split point.
#[test]
fn every_byte_value_in_inline_lines() {
    let limits = Limits::default();
    for b in 0..=255u8 {
        for shape in [
            &b"PING#\r\n"[..],
            b"#PING\r\n",
            b"ECHO a#b\r\n",
            b"ECHO \"a#b\"\r\n",
            b"ECHO 'a#b'\r\n",
            b"ECHO \"a\"#\r\n",
            b"ECHO \"\\#\"\r\n",
            b"*1\r\n$#\r\nPING\r\n",
            b"*1\r\n#4\r\nPING\r\n",
        ] {
            let data: Vec<u8> = shape
                .iter()
                .map(|&c| if c == b'#' { b } else { c })
                .collect();
            let data = [&data[..], b"PING\r\n"].concat();
            for cut in 0..=data.len() {
                check_input(&data, &[cut], &limits);
            }
        }
    }
}

/// Checks `data` in one read, then split in pieces: at every point for a
/// short input, byte by byte too, else at a few random points.
fn check_cuts(rng: &mut Rng, data: &[u8], limits: &Limits) {
    if data.len() <= EVERY_CUT_UP_TO {
        for cut in 0..=data.len() {
            check_input(data, &[cut], limits);
        }
        check_input(data, &(1..data.len()).collect::<Vec<_>>(), limits);
        return;
    }
    for _ in 0..3 {
        let mut cuts: Vec<usize> = (0..rng.below(4) + 1)
            .map(|_| rng.below(data.len() as u64) as usize)
            .collect();
        cuts.sort_unstable();
        check_input(data, &cuts, limits);
    }
}

/// One fuzz input: a few pieces of one or several kinds, run together.
fn input(rng: &mut Rng) -> Vec<u8> {
    if rng.one_in(400) {
        return oversized(rng);
    }
    let mut data = Vec::new();
    for _ in 0..rng.below(4) + 1 {
        match rng.below(5) {
            0 => {
                let len = rng.below(40) as usize;
                data.extend(rng.bytes(len));
            }
            1 => data.extend(protocol_soup(rng)),
            2 | 3 => data.extend(multibulk(rng)),
            _ => data.extend(inline_line(rng)),
        }
    }
    data
}

/// Bytes drawn mostly from the protocol's own alphabet.
fn protocol_soup(rng: &mut Rng) -> Vec<u8> {
    const ALPHABET: &[u8] = b"*$\r\n\r\n0123456789-+ \t\x0b\x0c\0\"'\\xaFg";
    (0..rng.below(40))
        .map(|_| match rng.one_in(8) {
            true => rng.next() as u8,
            false => *rng.pick(ALPHABET),
        })
        .collect()
}

/// A RESP multibulk frame, often with a lie in a count or length, a
/// damaged byte, or cut short.
fn multibulk(rng: &mut Rng) -> Vec<u8> {
    let args: Vec<Vec<u8>> = (0..rng.below(5)).map(|_| argument(rng)).collect();
    let mut f = vec![b'*'];
    f.extend(length(rng, args.len()));
    f.extend(line_end(rng));
    for arg in &args {
        f.push(if rng.one_in(30) {
            rng.next() as u8
        } else {
            b'$'
        });
        f.extend(length(rng, arg.len()));
        f.extend(line_end(rng));
        f.extend(arg);
        f.extend(b"\r\n");
    }
    if rng.one_in(8) && !f.is_empty() {
        let at = rng.below(f.len() as u64) as usize;
        f[at] = rng.next() as u8;
    }
    if rng.one_in(8) {
        f.truncate(rng.below(f.len() as u64 + 1) as usize);
    }
    f
}

/// A length or count for `real` items: usually true, else a lie.
fn length(rng: &mut Rng, real: usize) -> Vec<u8> {
    let text = match rng.below(16) {
        0 => "-1".to_string(),
        1 => format!("-{}", rng.below(1 << 40)),
        2 => rng
            .pick(&["2147483648", "536870913", "9223372036854775807"])
            .to_string(),
        3 => rng
            .pick(&["99999999999999999999", "-9223372036854775809", "1048577"])
            .to_string(),
        4 => (real + 1).to_string(),
        5 => real.saturating_sub(1).to_string(),
        6 => rng
            .pick(&["", "+1", "01", "-0", " 1", "1 ", "1\x002"])
            .to_string(),
        7 => (rng.below(1 << 20)).to_string(),
        _ => real.to_string(),
    };
    text.into_bytes()
}

/// Usually `\r\n`, sometimes a line end Redis reads oddly or not at all.
fn line_end(rng: &mut Rng) -> &'static [u8] {
    match rng.below(20) {
        0 => b"\r",
        1 => b"\n",
        2 => b"\rX",
        3 => b"\0\r\n",
        _ => b"\r\n",
    }
}

/// A bulk argument: any bytes, CR, LF and NUL included.
fn argument(rng: &mut Rng) -> Vec<u8> {
    let len = rng.below(12) as usize;
    match rng.below(3) {
        0 => rng.bytes(len),
        _ => (0..len)
            .map(|_| *rng.pick(b"abcSETGET\r\n\0 \"'"))
            .collect(),
    }
}

/// An inline line: tokens bare or quoted with escapes, separated by any
/// kind of space, ended by CRLF, LF, a NUL before the CRLF, or nothing.
fn inline_line(rng: &mut Rng) -> Vec<u8> {
    let mut line = Vec::new();
    for _ in 0..rng.below(5) {
        line.extend(*rng.pick(&[&b" "[..], b"\t", b"  ", b"\x0b", b"\x0c", b"\r"]));
        match rng.below(4) {
            0 => line.extend(double_quoted(rng)),
            1 => line.extend(single_quoted(rng)),
            _ => line.extend((0..rng.below(6) + 1).map(|_| any_byte_mostly_letters(rng))),
        }
    }
    line.extend(*rng.pick(&[&b"\r\n"[..], b"\n", b"\r\n", b"", b"\0\r\n", b"\r\r\n"]));
    line
}

/// A "double quoted" token with escapes (some invalid), maybe unbalanced.
fn double_quoted(rng: &mut Rng) -> Vec<u8> {
    let mut t = vec![b'"'];
    for _ in 0..rng.below(6) {
        match rng.below(6) {
            0 => t.extend(format!("\\x{:02x}", rng.next() as u8).as_bytes()),
            1 => t.extend(*rng.pick(&[&b"\\x4"[..], b"\\xg0", b"\\x", b"\\n", b"\\\"", b"\\\\"])),
            2 => t.push(b'\\'),
            _ => t.push(any_byte_mostly_letters(rng)),
        }
    }
    if !rng.one_in(6) {
        t.push(b'"');
    }
    t
}

/// A 'single quoted' token with \' escapes, maybe unbalanced.
fn single_quoted(rng: &mut Rng) -> Vec<u8> {
    let mut t = vec![b'\''];
    for _ in 0..rng.below(6) {
        match rng.below(4) {
            0 => t.extend(b"\\'"),
            1 => t.push(b'\\'),
            _ => t.push(any_byte_mostly_letters(rng)),
        }
    }
    if !rng.one_in(6) {
        t.push(b'\'');
    }
    t
}

/// Any of the 256 byte values, letters most often.
fn any_byte_mostly_letters(rng: &mut Rng) -> u8 {
    match rng.below(3) {
        0 => rng.next() as u8,
        _ => *rng.pick(b"abcxyzPINGSET"),
    }
}

/// Input around the 64 KB limits: a long inline line or header, with or
/// without a NUL before its end, complete or not.
fn oversized(rng: &mut Rng) -> Vec<u8> {
    const HEADS: [&[u8]; 5] = [b"PING", b"PING\0", b"*1", b"*1\r\n$4", b"*1\0"];
    let head = *rng.pick(&HEADS);
    let fill = 65_536 - 16 + rng.below(64) as usize;
    let filler = if head.starts_with(b"*") { b'7' } else { b'x' };
    let mut data = head.to_vec();
    data.resize(head.len() + fill, filler);
    if rng.one_in(2) {
        data.extend(b"\r\nPING\r\n");
    }
    data
}
