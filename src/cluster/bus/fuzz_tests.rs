//! Seeded, time-bounded fuzzing of the bus codec: random bytes and mutated
//! golden frames, whole and split at random points, must never panic, must
//! always make progress, and must stay within the frame cap. Whatever
//! decodes must re-encode to something that decodes to the same message.
//! FERRO_FUZZ_SEED picks the first case's seed (a failure prints the one
//! that reproduces it); FERRO_FUZZ_SECONDS the time budget.

use super::golden_tests::GOLDEN;
use super::*;
use crate::test_rng::{seed_from_env, ReproOnPanic, Rng};
use std::time::{Duration, Instant};

const SEED_VAR: &str = "FERRO_FUZZ_SEED";
const DEFAULT_SEED: u64 = 0xB05_C0DE_C1A5_7E12;
/// A small cap so huge announced lengths are exercised.
const MAX_LEN: usize = 64 * 1024;

#[test]
fn seeded_bus_codec_fuzz() {
    let seconds = std::env::var("FERRO_FUZZ_SECONDS").map_or(2.0, |s| s.parse().unwrap());
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let mut seed = seed_from_env(SEED_VAR, DEFAULT_SEED);
    let (mut cases, mut decoded) = (0u64, 0u64);
    while Instant::now() < deadline {
        let _repro = ReproOnPanic {
            var: SEED_VAR,
            seed,
            what: "this bus codec case as the first one",
        };
        let mut rng = Rng::seeded(seed);
        let stream = input(&mut rng);
        decoded += check_stream(&mut rng, &stream);
        cases += 1;
        seed = rng.next();
    }
    eprintln!("seeded_bus_codec_fuzz: {cases} cases, {decoded} frames decoded in {seconds}s");
    assert!(cases > 50, "too few cases ran: {cases}");
    assert!(
        decoded > cases / 10,
        "the mutations almost never decode: {decoded}"
    );
}

/// A stream of one to three frames: golden frames with a few mutated bytes
/// (biased towards the length, type, count and extension fields), frames
/// with a random body, or plain random bytes.
fn input(rng: &mut Rng) -> Vec<u8> {
    let mut out = Vec::new();
    for _ in 0..rng.below(3) + 1 {
        let mut frame = match rng.below(4) {
            0 => {
                let len = rng.below(3000) as usize;
                rng.bytes(len)
            }
            1 => {
                let mut f = b"RCmb".to_vec();
                let len = 2256 + rng.below(600) as u32;
                f.extend_from_slice(&len.to_be_bytes());
                f.extend(rng.bytes(len as usize - 8));
                f[8] = 0;
                f[9] = 1;
                f[12] = 0;
                f[13] = rng.below(12) as u8;
                f
            }
            _ => rng.pick(GOLDEN).1.to_vec(),
        };
        for _ in 0..rng.below(4) {
            if frame.is_empty() {
                break;
            }
            let at = match rng.below(3) {
                0 => *rng.pick(&[4, 5, 6, 7, 9, 12, 13, 14, 15, 2214, 2215, 2253]),
                1 => 2256 + rng.below(64) as usize,
                _ => rng.below(frame.len() as u64) as usize,
            };
            if at < frame.len() {
                frame[at] = rng.next() as u8;
            }
        }
        out.extend(frame);
    }
    out
}

/// Feeds `stream` in random chunks: every call either returns a frame
/// (removing its bytes), asks for more, or fails; memory stays bounded.
/// Returns how many frames decoded.
fn check_stream(rng: &mut Rng, stream: &[u8]) -> u64 {
    let mut reader = FrameReader::new(MAX_LEN);
    let mut fed = 0;
    let mut decoded = 0;
    while fed < stream.len() {
        let n = (rng.below(3000) as usize + 1).min(stream.len() - fed);
        reader.push(&stream[fed..fed + n]);
        fed += n;
        assert!(
            reader.pending() <= MAX_LEN + 3000,
            "buffer grew past the cap"
        );
        loop {
            let before = reader.pending();
            match reader.next_frame() {
                Ok(Some(frame)) => {
                    assert!(frame.len() >= 2256 && frame.len() <= MAX_LEN);
                    decoded += u64::from(check_frame(frame));
                    assert!(reader.pending() < before, "a frame must consume bytes");
                }
                Ok(None) => break,
                Err(_) => return decoded, // the link would close
            }
        }
    }
    decoded
}

/// Decoding never panics; a decoded message re-encodes losslessly.
/// Returns whether it decoded.
fn check_frame(frame: &[u8]) -> bool {
    let Ok(msg) = decode(frame) else {
        return false;
    };
    let again = encode(&msg);
    assert_eq!(
        decode(&again).as_ref(),
        Ok(&msg),
        "re-encoded frame decodes differently"
    );
    true
}

#[test]
fn every_truncation_and_extension_of_golden_frames_is_refused() {
    for (name, bytes) in GOLDEN {
        for cut in [0, 1, 7, 8, 100, 2255, bytes.len() - 1] {
            assert!(
                decode(&bytes[..cut.min(bytes.len())]).is_err(),
                "{name} cut at {cut}"
            );
        }
        let mut longer = bytes.to_vec();
        longer.push(0);
        assert!(decode(&longer).is_err(), "{name} with a trailing byte");
        // Announcing the longer length too: only the unknown-type frames
        // would accept any length, and none is golden.
        let n = (longer.len() as u32).to_be_bytes();
        longer[4..8].copy_from_slice(&n);
        assert!(decode(&longer).is_err(), "{name} with totlen + 1");
        let mut v2 = bytes.to_vec();
        v2[9] = 2;
        assert_eq!(decode(&v2), Err(BusError::BadVersion(2)));
    }
}
