//! Incremental request parser: RESP multibulk (`*2\r\n$3\r\nGET\r\n$1\r\nk\r\n`)
//! and inline commands (`GET k\r\n`, with redis-cli's quoting rules).
//!
//! The parser checks that a whole frame is in the buffer before it reports a
//! command, and never allocates from a length prefix: it only records ranges
//! into the caller's buffer. Errors carry Redis's exact `Protocol error` text;
//! the server replies it and closes the connection.

use crate::numbers::parse_i64;
use std::ops::Range;

/// Redis's input limits, as they apply to one client.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// The largest bulk string accepted: proto-max-bulk-len (512mb), or
    /// 16 KB while the client must still authenticate.
    pub max_bulk_len: usize,
    /// The largest multibulk count accepted: INT_MAX, or 10 while the
    /// client must still authenticate.
    pub max_multibulk_len: usize,
    /// The longest inline request, and the longest `*`/`$` header line (64kb).
    pub max_inline_len: usize,
    /// The client must still authenticate: a header over the caps above
    /// but within the authenticated ones gets Redis's `unauthenticated`
    /// error instead of `invalid`.
    pub unauthenticated: bool,
    /// proto-max-bulk-len: the bulk cap once authenticated.
    pub proto_max_bulk_len: usize,
}

/// Redis's caps before authentication (processMultibulkBuffer): a client
/// that has not authenticated cannot make the server buffer much.
const UNAUTHENTICATED_MAX_MULTIBULK: usize = 10;
const UNAUTHENTICATED_MAX_BULK: usize = 16 * 1024;
/// Redis 7.0 accepts argument counts up to INT_MAX.
const MAX_MULTIBULK: usize = i32::MAX as usize;

impl Limits {
    /// The limits for a client, given proto-max-bulk-len and whether it
    /// has authenticated (or needs not).
    pub fn for_client(proto_max_bulk_len: usize, authenticated: bool) -> Limits {
        let (max_bulk_len, max_multibulk_len) = if authenticated {
            (proto_max_bulk_len, MAX_MULTIBULK)
        } else {
            (
                UNAUTHENTICATED_MAX_BULK.min(proto_max_bulk_len),
                UNAUTHENTICATED_MAX_MULTIBULK,
            )
        };
        Limits {
            max_bulk_len,
            max_multibulk_len,
            max_inline_len: 64 * 1024,
            unauthenticated: !authenticated,
            proto_max_bulk_len,
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits::for_client(512 * 1024 * 1024, true)
    }
}

/// What one call of [`parse_command`] found at the front of the buffer.
#[derive(Debug, PartialEq, Eq)]
pub enum Parsed {
    /// Not a whole frame yet: read more.
    Incomplete,
    /// A command: its arguments are in the `args` vector (ranges into the buffer,
    /// or into `scratch` for inline commands with quotes); `consumed` bytes used.
    Command { consumed: usize, inline: bool },
    /// A frame that holds no command (`*0\r\n`, an empty inline line).
    Empty { consumed: usize },
}

/// How far an incomplete multibulk frame was read, so that the next call
/// goes on from there instead of reading its headers again (Redis keeps
/// the same in its client: multibulklen and bulklen). Without it, a frame
/// of many arguments arriving in many reads costs time quadratic in its
/// size. The default is "no frame in progress".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ParseProgress {
    /// Arguments still to read; 0 when no frame is in progress.
    remaining: usize,
    /// Offset, from the frame's start, of the next argument's header.
    pos: usize,
    /// Buffer length the frame needs before another look can progress
    /// (the end of a bulk whose header was read): a big argument arriving
    /// in many reads is not looked at again until it is whole.
    need: usize,
}

impl ParseProgress {
    /// Bytes, from the frame's start, the frame in progress needs before
    /// the parser can go on (0: unknown, or no frame in progress).
    pub fn needed_bytes(&self) -> usize {
        self.need
    }
}

/// Parses one command from the front of `buf`.
///
/// Multibulk arguments are ranges into `buf`. Inline arguments are copied
/// (unquoted) into `scratch` and the ranges point there. On error, the text to
/// reply after `-ERR ` is returned.
///
/// After `Incomplete`, the next call must pass the same frame start with
/// more bytes after it, and the same `args` and `progress`: the ranges read
/// so far stay in `args` and `progress` says where to go on. A caller that
/// drops the frame resets `progress` to its default.
///
/// Always inlined, with `parse_multibulk`: once the AOF replay became a
/// second caller, LLVM kept them out of the loop's `process_query`, and
/// callgrind counted 1.6-3% more instructions per command (SET/GET/INCR,
/// P=16); inlined, the count is back to what it was.
#[inline(always)]
pub fn parse_command(
    buf: &[u8],
    limits: &Limits,
    args: &mut Vec<Range<usize>>,
    scratch: &mut Vec<u8>,
    progress: &mut ParseProgress,
) -> Result<Parsed, &'static str> {
    if progress.remaining > 0 {
        return resume_multibulk(buf, limits, args, progress);
    }
    args.clear();
    match buf.first() {
        None => Ok(Parsed::Incomplete),
        Some(b'*') => parse_multibulk(buf, limits, args, progress),
        Some(_) => parse_inline(buf, limits, args, scratch),
    }
}

const TOO_BIG_INLINE: &str = "Protocol error: too big inline request";
const TOO_BIG_COUNT: &str = "Protocol error: too big mbulk count string";
const TOO_BIG_BULK: &str = "Protocol error: too big bulk count string";
const UNBALANCED: &str = "Protocol error: unbalanced quotes in request";

/// True for the errors of input over a size limit (inline request, multibulk
/// count or bulk length line too long), which depend on how much arrived at
/// once; every other protocol error is a property of the bytes.
#[cfg(any(test, feature = "fuzzing"))]
pub fn is_too_big(error: &str) -> bool {
    [TOO_BIG_INLINE, TOO_BIG_COUNT, TOO_BIG_BULK].contains(&error)
}

#[inline]
fn memchr(needle: u8, hay: &[u8]) -> Option<usize> {
    hay.iter().position(|&b| b == needle)
}

/// No line end in sight: wait for more input, or fail with `too_big` once
/// the `unparsed` bytes exceed the inline limit (Redis's
/// PROTO_INLINE_MAX_SIZE check, made only when its search found no line).
#[cold]
fn no_line(
    unparsed: usize,
    limits: &Limits,
    too_big: &'static str,
) -> Result<Parsed, &'static str> {
    if unparsed > limits.max_inline_len {
        return Err(too_big);
    }
    Ok(Parsed::Incomplete)
}

/// The end of the `*`/`$` header line starting at `buf[at]`, found as
/// Redis's processMultibulkBuffer finds it: the first `\r`, with one more
/// byte after it (Redis skips that byte unchecked, so do we). None: see
/// [`no_header`].
#[inline(always)]
fn header_end(buf: &[u8], at: usize) -> Option<usize> {
    let cr = at + memchr(b'\r', &buf[at..])?;
    (cr + 1 < buf.len()).then_some(cr)
}

/// No whole header line at `buf[at]`: too big without any `\r` in sight,
/// else wait (Redis makes the size check only when its search fails).
#[cold]
fn no_header(
    buf: &[u8],
    at: usize,
    limits: &Limits,
    too_big: &'static str,
) -> Result<Parsed, &'static str> {
    if memchr(b'\r', &buf[at..]).is_some() {
        return Ok(Parsed::Incomplete);
    }
    no_line(buf.len() - at, limits, too_big)
}

/// A header `line` (from its `*`/`$` to its `\r`) that did not parse. Redis
/// looks for the `\r` with strchr, which stops at a NUL: a line holding one
/// is "no line yet" there, not an error. Only error paths pay for this.
#[cold]
fn bad_header(
    line: &[u8],
    unparsed: usize,
    limits: &Limits,
    too_big: &'static str,
    error: &'static str,
) -> Result<Parsed, &'static str> {
    if line.contains(&0) {
        return no_line(unparsed, limits, too_big);
    }
    Err(error)
}

#[inline(always)]
fn parse_multibulk(
    buf: &[u8],
    limits: &Limits,
    args: &mut Vec<Range<usize>>,
    progress: &mut ParseProgress,
) -> Result<Parsed, &'static str> {
    let Some(cr) = header_end(buf, 0) else {
        return no_header(buf, 0, limits, TOO_BIG_COUNT);
    };
    let count = match parse_i64(&buf[1..cr]) {
        Some(n) if n <= limits.max_multibulk_len as i64 => n,
        parsed => {
            let error = multibulk_length_error(parsed, limits);
            return bad_header(&buf[..cr], buf.len(), limits, TOO_BIG_COUNT, error);
        }
    };
    let pos = cr + 2;
    if count <= 0 {
        return Ok(Parsed::Empty { consumed: pos });
    }
    parse_bulks(buf, limits, args, pos, count as usize, progress)
}

/// Goes on with the frame `progress` describes.
#[cold]
fn resume_multibulk(
    buf: &[u8],
    limits: &Limits,
    args: &mut Vec<Range<usize>>,
    progress: &mut ParseProgress,
) -> Result<Parsed, &'static str> {
    if buf.len() < progress.need {
        return Ok(Parsed::Incomplete);
    }
    let (pos, count) = (progress.pos, progress.remaining);
    *progress = ParseProgress::default();
    parse_bulks(buf, limits, args, pos, count, progress)
}

/// Reads `count` bulk arguments from `buf[pos..]` into `args`. Expects
/// `progress` at its default; on `Incomplete` records where to go on.
#[inline(always)]
fn parse_bulks(
    buf: &[u8],
    limits: &Limits,
    args: &mut Vec<Range<usize>>,
    mut pos: usize,
    count: usize,
    progress: &mut ParseProgress,
) -> Result<Parsed, &'static str> {
    // Each pass either returns or moves `pos` past a header (3+ bytes).
    for read in 0..count {
        let Some(cr) = header_end(buf, pos) else {
            let waiting = no_header(buf, pos, limits, TOO_BIG_BULK);
            return stopped(waiting, progress, count - read, pos, 0);
        };
        let header = &buf[pos..cr]; // empty when buf[pos] is the '\r'
        if buf[pos] != b'$' {
            let error = expected_dollar(buf[pos]);
            let waiting = bad_header(header, buf.len() - pos, limits, TOO_BIG_BULK, error);
            return stopped(waiting, progress, count - read, pos, 0);
        }
        let len = match parse_i64(&header[1..]) {
            Some(n) if n >= 0 && n as u64 <= limits.max_bulk_len as u64 => n as usize,
            parsed => {
                let error = bulk_length_error(parsed, limits);
                let waiting = bad_header(header, buf.len() - pos, limits, TOO_BIG_BULK, error);
                return stopped(waiting, progress, count - read, pos, 0);
            }
        };
        let start = cr + 2;
        if buf.len() - start < len + 2 {
            let need = start + len + 2;
            return stopped(Ok(Parsed::Incomplete), progress, count - read, pos, need);
        }
        args.push(start..start + len);
        pos = start + len + 2; // Redis does not check the trailing CRLF either
    }
    Ok(Parsed::Command {
        consumed: pos,
        inline: false,
    })
}

/// A frame stopped before its end: on `Incomplete`, `progress` records
/// the `remaining` arguments from the header at `pos` and the length
/// `need`ed before looking again; an error leaves it at its default.
#[cold]
fn stopped(
    result: Result<Parsed, &'static str>,
    progress: &mut ParseProgress,
    remaining: usize,
    pos: usize,
    need: usize,
) -> Result<Parsed, &'static str> {
    if result == Ok(Parsed::Incomplete) {
        *progress = ParseProgress {
            remaining,
            pos,
            need,
        };
    }
    result
}

/// The error for a refused `*<count>` (`parsed`: the count, if a number).
#[cold]
fn multibulk_length_error(parsed: Option<i64>, limits: &Limits) -> &'static str {
    match parsed {
        Some(n) if limits.unauthenticated && n <= MAX_MULTIBULK as i64 => {
            "Protocol error: unauthenticated multibulk length"
        }
        _ => "Protocol error: invalid multibulk length",
    }
}

/// The error for a refused `$<length>` (`parsed`: the length, if a number).
#[cold]
fn bulk_length_error(parsed: Option<i64>, limits: &Limits) -> &'static str {
    match parsed {
        Some(n)
            if limits.unauthenticated && n >= 0 && n as u64 <= limits.proto_max_bulk_len as u64 =>
        {
            "Protocol error: unauthenticated bulk length"
        }
        _ => "Protocol error: invalid bulk length",
    }
}

/// Redis's "expected '$', got 'x'" for every possible byte.
fn expected_dollar(got: u8) -> &'static str {
    // A static table keeps the error path allocation-free.
    const MSGS: [&str; 1] = ["Protocol error: expected '$', got '?'"];
    static TABLE: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        (0..=255u8)
            .map(|b| {
                let s = format!("Protocol error: expected '$', got '{}'", b as char);
                &*Box::leak(s.into_boxed_str())
            })
            .collect()
    });
    table.get(got as usize).copied().unwrap_or(MSGS[0])
}

/// An inline request: the line up to the first `\n` (a `\r` before it is
/// dropped). Redis finds that `\n` with strchr, which stops at a NUL: a NUL
/// before the first `\n` means no line at all, so nothing is replied and the
/// connection waits until the too-big limit closes it, as Redis does.
fn parse_inline(
    buf: &[u8],
    limits: &Limits,
    args: &mut Vec<Range<usize>>,
    scratch: &mut Vec<u8>,
) -> Result<Parsed, &'static str> {
    let nl = match buf.iter().position(|&b| b == b'\n' || b == 0) {
        Some(nl) if buf[nl] == b'\n' => nl,
        _ => return no_line(buf.len(), limits, TOO_BIG_INLINE),
    };
    let mut line = &buf[..nl];
    if line.last() == Some(&b'\r') {
        line = &line[..line.len() - 1];
    }
    scratch.clear();
    split_args(line, args, scratch)?;
    if args.is_empty() {
        return Ok(Parsed::Empty { consumed: nl + 1 });
    }
    Ok(Parsed::Command {
        consumed: nl + 1,
        inline: true,
    })
}

/// C's isspace in the C locale (Rust's is_ascii_whitespace lacks `\v`).
fn is_c_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// Splits an inline line like Redis's sdssplitargs: spaces separate arguments,
/// "double quotes" take \n \r \t \b \a \\ \" and \xHH escapes, 'single quotes'
/// only \'. A closing quote must be followed by a space or the end. Like
/// sdssplitargs (which reads a C string) it stops at a NUL byte.
fn split_args(
    line: &[u8],
    args: &mut Vec<Range<usize>>,
    out: &mut Vec<u8>,
) -> Result<(), &'static str> {
    let line = &line[..memchr(0, line).unwrap_or(line.len())];
    let mut i = 0;
    loop {
        while i < line.len() && is_c_space(line[i]) {
            i += 1;
        }
        if i == line.len() {
            return Ok(());
        }
        let start = out.len();
        i = token(line, i, out)?;
        args.push(start..out.len());
    }
}

/// Appends the token at `line[i]` (not a space) to `out`, unquoted; returns
/// the index after it. Every branch moves past at least one byte or returns.
fn token(line: &[u8], mut i: usize, out: &mut Vec<u8>) -> Result<usize, &'static str> {
    while let Some(&c) = line.get(i) {
        match c {
            b' ' | b'\n' | b'\r' | b'\t' => return Ok(i + 1),
            b'"' => return double_quoted(line, i + 1, out),
            b'\'' => return single_quoted(line, i + 1, out),
            _ => out.push(c),
        }
        i += 1;
    }
    Ok(i)
}

/// The rest of a "double quoted" token from `line[i]`, escapes resolved.
fn double_quoted(line: &[u8], mut i: usize, out: &mut Vec<u8>) -> Result<usize, &'static str> {
    loop {
        match (line.get(i), line.get(i + 1)) {
            (None, _) => return Err(UNBALANCED),
            (Some(b'\\'), Some(&e)) => match (e, hex_pair(line, i + 2)) {
                (b'x', Some(byte)) => {
                    out.push(byte);
                    i += 4;
                }
                _ => {
                    out.push(unescape(e));
                    i += 2;
                }
            },
            (Some(b'"'), _) => return closing_quote(line, i),
            (Some(&c), _) => {
                out.push(c);
                i += 1;
            }
        }
    }
}

/// The byte a backslash escape in double quotes stands for.
fn unescape(e: u8) -> u8 {
    match e {
        b'n' => b'\n',
        b'r' => b'\r',
        b't' => b'\t',
        b'b' => 8,
        b'a' => 7,
        other => other,
    }
}

/// The rest of a 'single quoted' token from `line[i]` (only \' is an escape).
fn single_quoted(line: &[u8], mut i: usize, out: &mut Vec<u8>) -> Result<usize, &'static str> {
    loop {
        match (line.get(i), line.get(i + 1)) {
            (None, _) => return Err(UNBALANCED),
            (Some(b'\\'), Some(b'\'')) => {
                out.push(b'\'');
                i += 2;
            }
            (Some(b'\''), _) => return closing_quote(line, i),
            (Some(&c), _) => {
                out.push(c);
                i += 1;
            }
        }
    }
}

/// Past the closing quote at `line[i]`, which must end the line or be
/// followed by a space.
fn closing_quote(line: &[u8], i: usize) -> Result<usize, &'static str> {
    match line.get(i + 1) {
        Some(&c) if !is_c_space(c) => Err(UNBALANCED),
        _ => Ok(i + 1),
    }
}

/// The byte written as two hex digits at `line[i..i + 2]`, if they are.
fn hex_pair(line: &[u8], i: usize) -> Option<u8> {
    let digit = |c: &u8| (*c as char).to_digit(16).map(|d| d as u8);
    Some(digit(line.get(i)?)? * 16 + digit(line.get(i + 1)?)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_all(input: &[u8]) -> Result<Vec<Vec<Vec<u8>>>, &'static str> {
        let limits = Limits::default();
        let mut args = Vec::new();
        let mut scratch = Vec::new();
        let mut progress = ParseProgress::default();
        let mut pos = 0;
        let mut cmds = Vec::new();
        loop {
            match parse_command(
                &input[pos..],
                &limits,
                &mut args,
                &mut scratch,
                &mut progress,
            )? {
                Parsed::Incomplete => return Ok(cmds),
                Parsed::Empty { consumed } => pos += consumed,
                Parsed::Command { consumed, inline } => {
                    let src = if inline { &scratch[..] } else { &input[pos..] };
                    cmds.push(args.iter().map(|r| src[r.clone()].to_vec()).collect());
                    pos += consumed;
                }
            }
        }
    }

    const FRAMES: &[&[u8]] = &[
        b"*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n",
        b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n",
        b"PING\r\n",
        b"set \"a b\" 'c d'\n",
        b"*1\r\n$5\r\nPI\r\nG\r\n",
    ];

    #[test]
    fn every_split_point_of_every_frame() {
        let whole: Vec<u8> = FRAMES.concat();
        let expected = parse_all(&whole).unwrap();
        assert_eq!(expected.len(), FRAMES.len());
        let limits = Limits::default();
        for frame in FRAMES {
            let full = parse_all(frame).unwrap();
            assert_eq!(full.len(), 1, "{:?}", String::from_utf8_lossy(frame));
            for cut in 0..frame.len() {
                let mut args = Vec::new();
                let mut scratch = Vec::new();
                let mut progress = ParseProgress::default();
                let r = parse_command(
                    &frame[..cut],
                    &limits,
                    &mut args,
                    &mut scratch,
                    &mut progress,
                );
                assert_eq!(r, Ok(Parsed::Incomplete), "cut {cut} of {frame:?}");
            }
        }
    }

    #[test]
    fn length_caps_before_and_after_authentication_match_redis() {
        // Replies of redis-server 7.0.15 with requirepass, before AUTH.
        let parse = |input: &[u8], authenticated: bool| {
            let limits = Limits::for_client(512 * 1024 * 1024, authenticated);
            let (mut args, mut scratch) = (Vec::new(), Vec::new());
            let mut progress = ParseProgress::default();
            parse_command(input, &limits, &mut args, &mut scratch, &mut progress)
        };
        let unauthenticated = [
            (
                &b"*11\r\n"[..],
                Err("Protocol error: unauthenticated multibulk length"),
            ),
            (
                b"*2000000000\r\n",
                Err("Protocol error: unauthenticated multibulk length"),
            ),
            (
                b"*2147483648\r\n",
                Err("Protocol error: invalid multibulk length"),
            ),
            (
                b"*10\r\n$20000\r\n",
                Err("Protocol error: unauthenticated bulk length"),
            ),
            (
                b"*1\r\n$600000000\r\n",
                Err("Protocol error: invalid bulk length"),
            ),
            (b"*2\r\n$16384\r\n", Ok(Parsed::Incomplete)),
        ];
        for (input, reply) in unauthenticated {
            assert_eq!(parse(input, false), reply, "{input:?}");
        }
        // Authenticated: counts up to INT_MAX wait for their arguments.
        assert_eq!(parse(b"*2147483647\r\n", true), Ok(Parsed::Incomplete));
        assert_eq!(parse(b"*10\r\n$20000\r\n", true), Ok(Parsed::Incomplete));
    }

    #[test]
    fn an_incomplete_frame_resumes_where_it_stopped() {
        let limits = Limits::default();
        let (mut args, mut scratch) = (Vec::new(), Vec::new());
        let mut progress = ParseProgress::default();
        let mut frame = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$10\r\n01234".to_vec();
        let mut parse = |buf: &[u8], progress: &mut ParseProgress| {
            parse_command(buf, &limits, &mut args, &mut scratch, progress)
        };
        assert_eq!(parse(&frame, &mut progress), Ok(Parsed::Incomplete));
        // What was read is not read again: garbling it changes nothing.
        frame[1] = b'x';
        frame[5] = b'x';
        // A bulk is not looked at again until it can be whole.
        frame.extend_from_slice(b"5678");
        assert_eq!(parse(&frame, &mut progress), Ok(Parsed::Incomplete));
        frame.extend_from_slice(b"9\r\n");
        let done = parse(&frame, &mut progress);
        assert_eq!(
            done,
            Ok(Parsed::Command {
                consumed: frame.len(),
                inline: false
            })
        );
        assert_eq!(progress, ParseProgress::default());
        let got: Vec<&[u8]> = args.iter().map(|r| &frame[r.clone()]).collect();
        assert_eq!(got, [&b"SET"[..], b"k", b"0123456789"]);
    }

    #[test]
    fn binary_safe_bulk_with_crlf_inside() {
        let cmds = parse_all(b"*1\r\n$5\r\nPI\r\nG\r\n").unwrap();
        assert_eq!(cmds[0][0], b"PI\r\nG");
    }

    #[test]
    fn inline_quotes_and_escapes() {
        let cmds = parse_all(b"set \"a\\x41\\n\" 'it\\'s'\r\n").unwrap();
        assert_eq!(
            cmds[0],
            vec![b"set".to_vec(), b"aA\n".to_vec(), b"it's".to_vec()]
        );
        assert_eq!(
            parse_all(b"set \"abc\r\n"),
            Err("Protocol error: unbalanced quotes in request")
        );
        assert_eq!(
            parse_all(b"set \"abc\"x\r\n"),
            Err("Protocol error: unbalanced quotes in request")
        );
    }

    #[test]
    fn empty_frames_are_skipped() {
        assert_eq!(parse_all(b"\r\n*0\r\n*-1\r\nPING\r\n").unwrap().len(), 1);
    }

    #[test]
    fn protocol_errors_match_redis() {
        assert_eq!(
            parse_all(b"*1\r\n$-5\r\n"),
            Err("Protocol error: invalid bulk length")
        );
        assert_eq!(
            parse_all(b"*1\r\nx\r\n"),
            Err("Protocol error: expected '$', got 'x'")
        );
        assert_eq!(
            parse_all(b"*3000000000\r\n"),
            Err("Protocol error: invalid multibulk length")
        );
        assert_eq!(
            parse_all(b"*1\r\n$600000000\r\n"),
            Err("Protocol error: invalid bulk length")
        );
        assert_eq!(
            parse_all(b"*abc\r\n"),
            Err("Protocol error: invalid multibulk length")
        );
    }

    #[test]
    fn huge_length_prefixes_allocate_nothing_and_wait() {
        // A valid but huge bulk: incomplete, and no allocation was made from it.
        let r = parse_all(b"*1\r\n$536870912\r\nabc").unwrap();
        assert!(r.is_empty());
        let r = parse_all(b"*1048576\r\n$1\r\na\r\n").unwrap();
        assert!(r.is_empty());
    }

    #[test]
    fn overlong_header_and_inline_lines_are_errors() {
        let mut long = vec![b'*'];
        long.extend(std::iter::repeat_n(b'1', 70_000));
        assert_eq!(
            parse_all(&long),
            Err("Protocol error: too big mbulk count string")
        );
        let inline = vec![b'a'; 70_000];
        assert_eq!(
            parse_all(&inline),
            Err("Protocol error: too big inline request")
        );
    }

    #[test]
    fn random_bytes_never_panic() {
        let mut seed = 0x2545F4914F6CDD1Du64;
        for _ in 0..20_000 {
            let len = (seed % 64) as usize;
            let mut buf = Vec::with_capacity(len);
            for _ in 0..len {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let b = match seed % 8 {
                    0 => b'*',
                    1 => b'$',
                    2 => b'\r',
                    3 => b'\n',
                    4 => b'0' + (seed % 10) as u8,
                    5 => b'"',
                    _ => (seed >> 8) as u8,
                };
                buf.push(b);
            }
            let _ = parse_all(&buf);
        }
    }

    /// Every case replies nothing in redis-server 7.0.15: its strchr for
    /// the line end stops at the NUL, so the connection waits.
    const NUL_BEFORE_LINE_END: &[&[u8]] = &[
        b"PING\0\r\n",
        b"PING\0\r\nPING\r\n",
        b"SET a\0b v\r\nGET a\r\n",
        b"\0PING\r\n",
        b"PING \0\r\n",
        b"ECHO \"a\0b\"\r\n",
        b"*1\0\r\n$4\r\nPING\r\n",
        b"*1\r\n$4\0\r\nPING\r\n",
        b"*1\r\n\0\r\n",
    ];

    #[test]
    fn nul_before_the_line_end_waits_like_redis() {
        for case in NUL_BEFORE_LINE_END {
            assert_eq!(parse_all(case), Ok(vec![]), "{case:?}");
        }
    }

    #[test]
    fn nul_then_a_flood_is_too_big_like_redis() {
        let flood = |head: &[u8]| [head, &[b'x'; 70_000][..], b"\r\n"].concat();
        let cases: [(&[u8], &str); 3] = [
            (b"PING\0\r\n", "Protocol error: too big inline request"),
            (b"*1\0\r\n", "Protocol error: too big mbulk count string"),
            (
                b"*1\r\n$4\0\r\n",
                "Protocol error: too big bulk count string",
            ),
        ];
        for (head, error) in cases {
            assert_eq!(parse_all(&flood(head)), Err(error), "{head:?}");
        }
    }

    #[test]
    fn nul_after_a_whole_command_only_stalls_what_follows() {
        assert_eq!(parse_all(b"PING\r\n\0PING\r\n").unwrap(), [[b"PING"]]);
        assert_eq!(
            parse_all(b"*1\r\n$4\r\nPING\r\n\0PING\r\n").unwrap(),
            [[b"PING"]]
        );
    }

    #[test]
    fn nul_inside_a_bulk_is_an_ordinary_byte() {
        assert_eq!(parse_all(b"*1\r\n$4\r\nPI\0G\r\n").unwrap(), [[b"PI\0G"]]);
    }

    #[test]
    fn quoted_hex_nul_makes_a_binary_argument() {
        let cmds = parse_all(b"SET \"a\\x00b\" v\r\nGET \"a\\x00b\"\r\n").unwrap();
        assert_eq!(cmds[0], [&b"SET"[..], b"a\0b", b"v"]);
        assert_eq!(cmds[1], [&b"GET"[..], b"a\0b"]);
    }

    #[test]
    fn split_args_stops_at_a_nul_like_sdssplitargs() {
        let split = |line: &[u8]| {
            let (mut args, mut out) = (Vec::new(), Vec::new());
            split_args(line, &mut args, &mut out).map(|()| {
                args.iter()
                    .map(|r| out[r.clone()].to_vec())
                    .collect::<Vec<_>>()
            })
        };
        assert_eq!(split(b"a\0b c"), Ok(vec![b"a".to_vec()]));
        assert_eq!(split(b"\0"), Ok(vec![]));
        assert_eq!(split(b" \0 x"), Ok(vec![]));
        assert_eq!(split(b"\"a\0\""), Err(UNBALANCED));
        assert_eq!(split(b"'a\0'"), Err(UNBALANCED));
    }

    #[test]
    fn inline_spaces_are_c_isspace() {
        // Leading \v and \f are skipped; inside a token only " \t\r\n" split.
        assert_eq!(parse_all(b"\x0bPING\r\n").unwrap(), [[b"PING"]]);
        assert_eq!(parse_all(b"\x0cPING\r\n").unwrap(), [[b"PING"]]);
        assert_eq!(
            parse_all(b"ECHO a\x0bb\r\n").unwrap()[0],
            [&b"ECHO"[..], b"a\x0bb"]
        );
        assert_eq!(
            parse_all(b"ECHO \"a\"\x0b\r\n").unwrap()[0],
            [&b"ECHO"[..], b"a"]
        );
        assert_eq!(
            parse_all(b"ECHO 'a'\x0c\r\n").unwrap()[0],
            [&b"ECHO"[..], b"a"]
        );
    }

    #[test]
    fn inline_escapes_match_redis() {
        let one = |input: &[u8]| parse_all(input).map(|c| c[0][1].clone());
        assert_eq!(one(b"ECHO \"\\x4g\"\r\n"), Ok(b"x4g".to_vec()));
        assert_eq!(one(b"ECHO \"x\\x41\"\r\n"), Ok(b"xA".to_vec()));
        assert_eq!(one(b"ECHO \"\\\"\\q\"\r\n"), Ok(b"\"q".to_vec()));
        assert_eq!(one(b"ECHO 'a\\'b'\r\n"), Ok(b"a'b".to_vec()));
        assert_eq!(one(b"ECHO 'a\\nb'\r\n"), Ok(b"a\\nb".to_vec()));
        assert_eq!(one(b"ECHO \"ab\\\r\n"), Err(UNBALANCED));
        assert_eq!(one(b"ECHO a\"b c\"d\r\n"), Err(UNBALANCED));
        assert_eq!(one(b"ECHO a\"b c\" d\r\n"), Ok(b"ab c".to_vec()));
    }

    #[test]
    fn header_lines_end_at_the_first_cr_like_redis() {
        // Redis skips the byte after the '\r' unchecked.
        assert_eq!(parse_all(b"*1\r\n$4\rXPING\r\n").unwrap(), [[b"PING"]]);
        assert_eq!(parse_all(b"*1\rX$4\r\nPING\r\n").unwrap(), [[b"PING"]]);
        // The '$' is checked once the header line is whole.
        assert_eq!(parse_all(b"*1\r\n\x80"), Ok(vec![]));
        assert_eq!(parse_all(b"*1\r\n\r"), Ok(vec![]));
        assert_eq!(
            parse_all(b"*1\r\n\r\n"),
            Err("Protocol error: expected '$', got '\r'")
        );
        assert_eq!(
            parse_all(b"*1\r\n$\r\n"),
            Err("Protocol error: invalid bulk length")
        );
    }
}
