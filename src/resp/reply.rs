//! Reply encoder. One `Reply` wraps a client's output buffer and knows the
//! client's protocol, so handlers say *what* they reply (a map, a double, a
//! null) and the encoder picks the RESP2 or RESP3 form.

use crate::numbers::{format_double, format_i64};
use std::io::Write;

/// A client's pending output and the protocol it speaks.
#[derive(Default)]
pub struct Reply {
    /// Encoded bytes not yet written to the socket.
    pub buf: Vec<u8>,
    /// True once the client switched to RESP3 with HELLO 3.
    pub resp3: bool,
    /// The error code (first word) of the last error replied, for errorstats.
    pub last_error: Option<Box<str>>,
    /// CLIENT REPLY OFF/SKIP in effect: what was written since then is
    /// dropped by [`Reply::unmute`], except push frames.
    muted: Option<Muted>,
}

/// Where muting started and the push frames written since.
struct Muted {
    from: usize,
    pushes: Vec<std::ops::Range<usize>>,
}

impl Reply {
    /// A reply buffer for a RESP2 (`false`) or RESP3 (`true`) client.
    pub fn new(resp3: bool) -> Self {
        Reply {
            buf: Vec::new(),
            resp3,
            last_error: None,
            muted: None,
        }
    }

    /// Starts dropping replies (CLIENT REPLY OFF/SKIP): what is written from
    /// now on, but push frames, goes at the next [`Reply::unmute`].
    /// Already muted: nothing changes.
    pub fn mute(&mut self) {
        if self.muted.is_none() {
            self.muted = Some(Muted {
                from: self.buf.len(),
                pushes: Vec::new(),
            });
        }
    }

    /// Ends muting: drops every byte written since [`Reply::mute`] except
    /// the push frames, which stay in order. Not muted: nothing changes.
    pub fn unmute(&mut self) {
        let Some(muted) = self.muted.take() else {
            return;
        };
        let mut end = muted.from;
        for range in muted.pushes {
            let len = range.len();
            self.buf.copy_within(range, end);
            end += len;
        }
        self.buf.truncate(end);
    }

    /// Writes a push frame (pub/sub message or (un)subscribe confirmation)
    /// with `write`: pushes reach the client even while replies are muted.
    pub fn push_frame(&mut self, write: impl FnOnce(&mut Reply)) {
        let start = self.buf.len();
        write(self);
        let end = self.buf.len();
        if let Some(muted) = self.muted.as_mut() {
            muted.pushes.push(start..end);
        }
    }

    /// `+OK`
    #[inline]
    pub fn ok(&mut self) {
        self.buf.extend_from_slice(b"+OK\r\n");
    }

    /// A status reply: `+text`.
    pub fn simple(&mut self, text: &str) {
        self.buf.push(b'+');
        self.buf.extend_from_slice(text.as_bytes());
        self.buf.extend_from_slice(b"\r\n");
    }

    /// An error reply. `msg` starts with the error code: `ERR syntax error`,
    /// `WRONGTYPE Operation ...`. Newlines in it are replaced by spaces.
    pub fn error(&mut self, msg: &str) {
        self.error_bytes(msg.as_bytes());
    }

    /// [`Reply::error`] for a text holding client bytes as they are (not
    /// necessarily UTF-8), as Redis echoes them.
    pub fn error_bytes(&mut self, msg: &[u8]) {
        self.buf.push(b'-');
        let start = self.buf.len();
        self.buf.extend_from_slice(msg);
        for b in &mut self.buf[start..] {
            if *b == b'\r' || *b == b'\n' {
                *b = b' ';
            }
        }
        self.buf.extend_from_slice(b"\r\n");
        let code = msg.split(|&b| b == b' ').next().unwrap_or(b"ERR");
        self.last_error = Some(String::from_utf8_lossy(code).into());
    }

    /// An integer reply: `:n`.
    #[inline]
    pub fn int(&mut self, n: i64) {
        self.buf.push(b':');
        self.push_decimal(n);
        self.buf.extend_from_slice(b"\r\n");
    }

    /// A bulk string: `$len` and the bytes.
    #[inline]
    pub fn bulk(&mut self, data: &[u8]) {
        self.buf.push(b'$');
        self.push_decimal(data.len() as i64);
        self.buf.extend_from_slice(b"\r\n");
        self.buf.extend_from_slice(data);
        self.buf.extend_from_slice(b"\r\n");
    }

    /// An integer sent as a bulk string (what GET of a number looks like).
    pub fn bulk_int(&mut self, n: i64) {
        let mut tmp = [0u8; 20];
        let s = format_i64(n, &mut tmp);
        self.bulk(s);
    }

    /// A missing value: `$-1` in RESP2, `_` in RESP3.
    #[inline]
    pub fn null(&mut self) {
        if self.resp3 {
            self.buf.extend_from_slice(b"_\r\n");
        } else {
            self.buf.extend_from_slice(b"$-1\r\n");
        }
    }

    /// A missing array: `*-1` in RESP2, `_` in RESP3.
    pub fn null_array(&mut self) {
        if self.resp3 {
            self.buf.extend_from_slice(b"_\r\n");
        } else {
            self.buf.extend_from_slice(b"*-1\r\n");
        }
    }

    /// The header of an array of `n` elements.
    #[inline]
    pub fn array(&mut self, n: usize) {
        self.aggregate(b'*', n);
    }

    /// The header of a map of `n` pairs (a flat array of 2n in RESP2).
    pub fn map(&mut self, n: usize) {
        if self.resp3 {
            self.aggregate(b'%', n);
        } else {
            self.aggregate(b'*', n * 2);
        }
    }

    /// The header of a set of `n` elements (an array in RESP2).
    pub fn set(&mut self, n: usize) {
        self.aggregate(if self.resp3 { b'~' } else { b'*' }, n);
    }

    /// The header of a push frame (RESP3 `>`; an array in RESP2).
    pub fn push(&mut self, n: usize) {
        self.aggregate(if self.resp3 { b'>' } else { b'*' }, n);
    }

    /// A double: `,1.5` in RESP3, a bulk string in RESP2. Formatted as Redis does
    /// (`%.17g`, `inf`, `-inf`, `nan`).
    pub fn double(&mut self, d: f64) {
        let s = format_double(d);
        if self.resp3 {
            self.buf.push(b',');
            self.buf.extend_from_slice(s.as_bytes());
            self.buf.extend_from_slice(b"\r\n");
        } else {
            self.bulk(s.as_bytes());
        }
    }

    /// A boolean: `#t`/`#f` in RESP3, `:1`/`:0` in RESP2.
    pub fn boolean(&mut self, b: bool) {
        if self.resp3 {
            self.buf
                .extend_from_slice(if b { b"#t\r\n" } else { b"#f\r\n" });
        } else {
            self.int(b as i64);
        }
    }

    /// A verbatim string (`=len\r\ntxt:...` in RESP3, a bulk string in RESP2).
    pub fn verbatim(&mut self, text: &[u8]) {
        if self.resp3 {
            self.buf.push(b'=');
            self.push_decimal(text.len() as i64 + 4);
            self.buf.extend_from_slice(b"\r\ntxt:");
            self.buf.extend_from_slice(text);
            self.buf.extend_from_slice(b"\r\n");
        } else {
            self.bulk(text);
        }
    }

    /// Bytes already in wire format.
    pub fn raw(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// Formatted text as a bulk string.
    pub fn bulk_fmt(&mut self, args: std::fmt::Arguments) {
        let mut s = Vec::new();
        let _ = s.write_fmt(args);
        self.bulk(&s);
    }

    fn aggregate(&mut self, kind: u8, n: usize) {
        self.buf.push(kind);
        self.push_decimal(n as i64);
        self.buf.extend_from_slice(b"\r\n");
    }

    #[inline]
    fn push_decimal(&mut self, n: i64) {
        let mut tmp = [0u8; 20];
        let s = format_i64(n, &mut tmp);
        self.buf.extend_from_slice(s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resp2_and_resp3_shapes() {
        let mut r = Reply::new(false);
        r.null();
        r.map(1);
        r.double(1.5);
        r.boolean(true);
        assert_eq!(r.buf, b"$-1\r\n*2\r\n$3\r\n1.5\r\n:1\r\n");
        let mut r = Reply::new(true);
        r.null();
        r.map(1);
        r.double(1.5);
        r.boolean(true);
        assert_eq!(r.buf, b"_\r\n%1\r\n,1.5\r\n#t\r\n");
    }

    #[test]
    fn muting_drops_replies_but_keeps_pushes_in_order() {
        let mut r = Reply::new(true);
        r.ok();
        r.mute();
        r.int(1);
        r.push_frame(|r| {
            r.push(1);
            r.bulk(b"a");
        });
        r.simple("PONG");
        r.push_frame(|r| r.raw(b">1\r\n$1\r\nb\r\n"));
        r.mute(); // already muted: the start stays
        r.int(2);
        r.unmute();
        assert_eq!(r.buf, b"+OK\r\n>1\r\n$1\r\na\r\n>1\r\n$1\r\nb\r\n");
        r.int(3); // unmuted again
        r.unmute();
        assert!(r.buf.ends_with(b":3\r\n"));
    }

    #[test]
    fn integers_and_errors() {
        let mut r = Reply::new(false);
        r.int(i64::MIN);
        r.error("ERR bad\r\nthing");
        assert_eq!(r.buf, b":-9223372036854775808\r\n-ERR bad  thing\r\n");
        assert_eq!(r.last_error.as_deref(), Some("ERR"));
    }
}
