//! A tiny deterministic xorshift generator for tests and fuzzing (random
//! inputs that reproduce from their seed, with no dependency), and the
//! seed plumbing they share: an environment override and a reproduction
//! hint printed when a seeded test fails.

/// Xorshift64 state; seed it with any non-zero value (or use [`Rng::seeded`]).
pub struct Rng(pub u64);

impl Rng {
    /// A generator for any `seed`, 0 included (splitmix64 scrambles it, so
    /// neighbouring seeds give unrelated streams).
    pub fn seeded(seed: u64) -> Rng {
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Rng((z ^ (z >> 31)) | 1)
    }

    /// The next 64 random bits.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A number in 0..n (0 when n is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// True one time in `n`.
    pub fn one_in(&mut self, n: u64) -> bool {
        self.below(n) == 0
    }

    /// A random element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// `n` random bytes.
    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

/// The seed in environment variable `var` (decimal, or hex after `0x`;
/// `random` takes one from the clock), else `default`. Panics on a value
/// that is none of these, so a typo never silently runs the default.
pub fn seed_from_env(var: &str, default: u64) -> u64 {
    let Ok(text) = std::env::var(var) else {
        return default;
    };
    let text = text.trim();
    if text == "random" {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
        return now.map_or(default, |d| d.as_nanos() as u64);
    }
    let parsed = match text.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => text.parse(),
    };
    parsed.unwrap_or_else(|_| panic!("{var}={text:?} is not a seed"))
}

/// Prints how to re-run a seeded case if dropped while the thread panics
/// (a failing assertion anywhere in the case): `{var}={seed}` and `what`.
pub struct ReproOnPanic {
    /// The environment variable that takes the seed.
    pub var: &'static str,
    /// The seed that reproduces the failure.
    pub seed: u64,
    /// What that seed runs (a case, a whole test).
    pub what: &'static str,
}

impl Drop for ReproOnPanic {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!(
                "reproduce {}: {}={:#x} (seed {})",
                self.what, self.var, self.seed, self.seed
            );
        }
    }
}

/// Runs a seeded, time-bounded fuzz test: cases from `first_seed` until
/// `seconds` pass, each on a fresh [`Rng`] from its seed (the next seed is
/// drawn from the case's own generator, so each case reproduces alone from
/// `{var}={seed}`). `case` returns how many input bytes it fed. The cases
/// run on a worker that reports each seed before it starts: a case silent
/// for `stall` is stuck in a loop that cannot be stopped, so the seed that
/// reproduces it is printed past the test's output capture and the process
/// aborts. Returns the number of cases and of input bytes.
pub fn fuzz_for<F>(
    name: &'static str,
    var: &'static str,
    first_seed: u64,
    seconds: f64,
    stall: std::time::Duration,
    case: F,
) -> (u64, usize)
where
    F: Fn(&mut Rng) -> usize + Send + 'static,
{
    use std::io::Write;
    use std::sync::mpsc::{self, RecvTimeoutError};
    use std::time::{Duration, Instant};
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let (beat, beats) = mpsc::channel();
    let worker = std::thread::spawn(move || {
        let (mut seed, mut cases, mut bytes) = (first_seed, 0u64, 0usize);
        while Instant::now() < deadline {
            let _ = beat.send(seed);
            let _repro = ReproOnPanic {
                var,
                seed,
                what: "this case as the first one",
            };
            let mut rng = Rng::seeded(seed);
            bytes += case(&mut rng);
            cases += 1;
            seed = rng.next();
        }
        (cases, bytes)
    });
    let mut current = first_seed;
    loop {
        match beats.recv_timeout(stall) {
            Ok(seed) => current = seed,
            Err(RecvTimeoutError::Disconnected) => break,
            Err(RecvTimeoutError::Timeout) => {
                let msg = format!(
                    "{name}: a case made no progress for {stall:?}; reproduce: {var}={current:#x}\n"
                );
                let _ = std::io::stderr().write_all(msg.as_bytes());
                std::process::abort();
            }
        }
    }
    let (cases, bytes) = worker
        .join()
        .unwrap_or_else(|e| std::panic::resume_unwind(e));
    eprintln!("{name}: {cases} cases, {bytes} bytes in {seconds}s");
    (cases, bytes)
}
