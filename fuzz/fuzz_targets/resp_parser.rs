//! Fuzzes the request parser with libFuzzer: any byte string must keep the
//! contract `ferrocache::resp::check` asserts (every call consumes bytes,
//! waits or errors; ranges inside their source; bounded allocation), whole
//! and split into reads at points the input itself picks.
//!
//! Run: `make fuzz` (FUZZ_SECONDS=600 for longer); it needs a nightly
//! toolchain and cargo-fuzz, and says how to install them. The seeded
//! stable-Rust version of this runs in `cargo test` (resp::fuzz_tests).

#![no_main]

use ferrocache::resp::check::check_input;
use ferrocache::resp::Limits;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Two read boundaries derived from the input, so libFuzzer explores them too.
    let cuts = match data {
        [a, b, ..] => {
            let (x, y) = (*a as usize % data.len(), *b as usize * 257 % data.len());
            [x.min(y), x.max(y)]
        }
        _ => [0, 0],
    };
    check_input(data, &cuts, &Limits::default());
});
