//! Invariants of the request parser, asserted on any input: shared by the
//! seeded property test (`cargo test`) and the cargo-fuzz target
//! (`make fuzz`). Built only for tests and the `fuzzing` feature.
//!
//! The contract checked, for every call the server would make:
//! - progress: a call consumes more than 0 bytes, returns Incomplete, or
//!   errors (so the server's parse loop always ends);
//! - bounds: consumed never exceeds the buffer, and every argument range
//!   lies inside its source (the buffer, or the scratch of an inline line);
//! - bounded allocation: the parser allocates only through `args` and
//!   `scratch` (plus one static error table), and their capacities stay
//!   within a small multiple of the input length, whatever a length
//!   prefix announces;
//! - reads don't matter: input arriving in pieces parses to the same
//!   commands and end as the whole input at once.

use super::parser::{is_too_big, parse_command, Limits, ParseProgress, Parsed};

/// What a byte stream parsed to, as the server's read loop would see it.
#[derive(Debug, PartialEq, Eq)]
pub struct Outcome {
    /// The commands, each as its arguments.
    pub commands: Vec<Vec<Vec<u8>>>,
    /// Bytes consumed by them (and by empty frames).
    pub consumed: usize,
    /// The protocol error that ended the stream, if one did.
    pub error: Option<&'static str>,
}

/// Parses `data` as it would be if it arrived in reads ending at `cuts`
/// (then at its end), re-parsing the unconsumed rest after each read as
/// the server does. Panics if any call breaks the contract above.
pub fn parse_stream(data: &[u8], cuts: &[usize], limits: &Limits) -> Outcome {
    let mut args = Vec::new();
    let mut scratch = Vec::new();
    let mut progress = ParseProgress::default();
    let mut out = Outcome {
        commands: Vec::new(),
        consumed: 0,
        error: None,
    };
    let read_ends = cuts.iter().map(|&c| c.min(data.len()));
    for end in read_ends.chain([data.len()]) {
        while out.consumed < end {
            let buf = &data[out.consumed..end];
            let parsed = parse_command(buf, limits, &mut args, &mut scratch, &mut progress);
            assert_bounded_allocation(args.capacity(), scratch.capacity(), data.len());
            let consumed = match parsed {
                Ok(Parsed::Incomplete) => break,
                Err(error) => {
                    out.error = Some(error);
                    return out;
                }
                Ok(Parsed::Empty { consumed }) => consumed,
                Ok(Parsed::Command { consumed, inline }) => {
                    let source = if inline { &scratch[..] } else { buf };
                    out.commands.push(arguments(&args, source));
                    consumed
                }
            };
            assert!(
                consumed > 0 && consumed <= buf.len(),
                "consumed {consumed} of a {}-byte buffer",
                buf.len()
            );
            out.consumed += consumed;
        }
    }
    out
}

/// Checks `data` parsed whole and in reads ending at `cuts`: both keep the
/// contract, and give the same commands and end. The one allowed
/// difference: a read boundary where the unparsed input was already over
/// a "too big" limit, which a server reading those pieces hits too; then
/// the pieces' commands are the first of the whole's.
pub fn check_input(data: &[u8], cuts: &[usize], limits: &Limits) {
    let whole = parse_stream(data, &[], limits);
    let pieces = parse_stream(data, cuts, limits);
    let too_big = pieces.error.is_some_and(is_too_big);
    if too_big && pieces != whole {
        assert!(
            whole.commands.starts_with(&pieces.commands),
            "reads at {cuts:?} gave other commands before a too-big error"
        );
    } else {
        assert_eq!(pieces, whole, "reads at {cuts:?} differ from one read");
    }
}

/// The arguments `ranges` select from `source`, each checked to lie in it;
/// a command has at least one argument.
fn arguments(ranges: &[std::ops::Range<usize>], source: &[u8]) -> Vec<Vec<u8>> {
    assert!(!ranges.is_empty(), "a command without arguments");
    ranges
        .iter()
        .map(|r| {
            assert!(
                r.start <= r.end && r.end <= source.len(),
                "argument {r:?} outside its {}-byte source",
                source.len()
            );
            source[r.clone()].to_vec()
        })
        .collect()
}

/// Each argument takes at least one input byte and each scratch byte comes
/// from one input byte, so a Vec that doubles as it grows stays under
/// twice the input length (plus its first allocation).
fn assert_bounded_allocation(args: usize, scratch: usize, input: usize) {
    assert!(
        args <= 2 * input + 4,
        "args capacity {args} for {input} input bytes"
    );
    assert!(
        scratch <= 2 * input + 8,
        "scratch capacity {scratch} for {input} input bytes"
    );
}
