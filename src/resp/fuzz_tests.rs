//! Seeded, time-bounded fuzzing of the request parser on stable Rust:
//! random and structured-random inputs (RESP frames with random, huge and
//! negative lengths; inline lines with every byte value, quotes, escapes,
//! CR/LF/NUL anywhere), each checked against [`super::check`] whole and
//! split into reads. FERRO_FUZZ_SEED picks the first case's seed (a failure
//! prints the one that reproduces it); FERRO_FUZZ_SECONDS the time budget.

use super::check::check_input;
use super::fuzz_input::input;
use super::parser::Limits;
use crate::test_rng::{fuzz_for, seed_from_env, Rng};
use std::time::Duration;

const SEED_VAR: &str = "FERRO_FUZZ_SEED";
const DEFAULT_SEED: u64 = 0xF3E2_0C4C_5EED_0009;
/// A case that takes longer than this is stuck in a loop.
const STALL: Duration = Duration::from_secs(2);
/// Inputs up to this long are also checked at every split point.
const EVERY_CUT_UP_TO: usize = 48;

#[test]
fn seeded_parser_fuzz() {
    let seconds = std::env::var("FERRO_FUZZ_SECONDS").map_or(2.0, |s| s.parse().unwrap());
    let first_seed = seed_from_env(SEED_VAR, DEFAULT_SEED);
    let (cases, _) = fuzz_for(
        "seeded_parser_fuzz",
        SEED_VAR,
        first_seed,
        seconds,
        STALL,
        |rng| {
            let data = input(rng);
            check_cuts(rng, &data, &Limits::default());
            data.len()
        },
    );
    assert!(cases > 100, "too few cases ran: {cases}");
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
