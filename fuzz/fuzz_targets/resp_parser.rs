//! Fuzzes the request parser: any byte string, fed whole and split at an
//! arbitrary point, must parse without panicking, never report a command
//! whose argument ranges fall outside the buffer, and parse the same
//! commands whether the bytes arrive at once or in two reads.
//!
//! Run: `cargo install cargo-fuzz && cargo +nightly fuzz run resp_parser`
//! (from the repository root; not part of CI).

#![no_main]

use ferrocache::resp::{parse_command, Limits, Parsed};
use libfuzzer_sys::fuzz_target;

fn parse_all(input: &[u8]) -> (Vec<Vec<Vec<u8>>>, usize, bool) {
    let limits = Limits::default();
    let mut args = Vec::new();
    let mut scratch = Vec::new();
    let mut pos = 0;
    let mut cmds = Vec::new();
    loop {
        match parse_command(&input[pos..], &limits, &mut args, &mut scratch) {
            Err(_) => return (cmds, pos, true),
            Ok(Parsed::Incomplete) => return (cmds, pos, false),
            Ok(Parsed::Empty { consumed }) => pos += consumed,
            Ok(Parsed::Command { consumed, inline }) => {
                let src = if inline { &scratch[..] } else { &input[pos..] };
                assert!(consumed <= input.len() - pos);
                cmds.push(args.iter().map(|r| src[r.clone()].to_vec()).collect());
                pos += consumed;
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let (whole, _, whole_err) = parse_all(data);
    if data.is_empty() {
        return;
    }
    // Every prefix parses to a prefix of the whole input's commands.
    let cut = data[0] as usize % data.len();
    let (prefix, _, prefix_err) = parse_all(&data[..cut]);
    if !prefix_err && !whole_err {
        assert!(prefix.len() <= whole.len());
        assert_eq!(&whole[..prefix.len()], &prefix[..]);
    }
});
