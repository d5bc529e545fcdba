//! A raw RESP2/RESP3 connection: writes multibulk commands, parses whole
//! reply and push frames into [`Value`]s. No client library, so every byte
//! the server sends is seen (push frames, RESP3 types, replies that a
//! library would fold together).

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// One RESP frame as parsed, keeping the wire type (RESP2 and RESP3).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Value {
    /// `+text`
    Simple(String),
    /// `-text`
    Error(String),
    /// `:n`
    Int(i64),
    /// `$n` (None: the RESP2 null bulk `$-1`)
    Bulk(Option<Vec<u8>>),
    /// `*n` (None: the RESP2 null array `*-1`)
    Array(Option<Vec<Value>>),
    /// `_` (RESP3 null)
    Null,
    /// `,` kept as text (the formatting is part of the spec)
    Double(String),
    /// `#t` / `#f`
    Bool(bool),
    /// `(` kept as text
    BigNum(String),
    /// `=fmt:text` (format and text)
    Verbatim(String, Vec<u8>),
    /// `%n` as ordered pairs
    Map(Vec<(Value, Value)>),
    /// `~n`
    Set(Vec<Value>),
    /// `>n`
    Push(Vec<Value>),
    /// `|n` attribute pairs followed by the value they annotate
    Attribute(Vec<(Value, Value)>, Box<Value>),
    /// No frame arrived before the deadline (not a wire type).
    Timeout,
    /// The connection closed or sent bytes that are not RESP (not a wire type).
    Broken(String),
}

impl Value {
    /// A one-line rendering in the spirit of redis-cli, with the RESP type visible.
    pub fn show(&self) -> String {
        fn text(b: &[u8]) -> String {
            format!("{:?}", String::from_utf8_lossy(b))
        }
        fn list(items: &[Value]) -> String {
            items.iter().map(Value::show).collect::<Vec<_>>().join(", ")
        }
        fn pairs(p: &[(Value, Value)]) -> String {
            p.iter()
                .map(|(k, v)| format!("{} => {}", k.show(), v.show()))
                .collect::<Vec<_>>()
                .join(", ")
        }
        match self {
            Value::Simple(s) => format!("+{s}"),
            Value::Error(s) => format!("-{s}"),
            Value::Int(n) => format!(":{n}"),
            Value::Bulk(None) => "$nil".into(),
            Value::Bulk(Some(b)) => text(b),
            Value::Array(None) => "*nil".into(),
            Value::Array(Some(items)) => format!("[{}]", list(items)),
            Value::Null => "_null".into(),
            Value::Double(d) => format!(",{d}"),
            Value::Bool(b) => format!("#{b}"),
            Value::BigNum(n) => format!("({n}"),
            Value::Verbatim(f, t) => format!("={f}:{}", text(t)),
            Value::Map(p) => format!("%{{{}}}", pairs(p)),
            Value::Set(items) => format!("~{{{}}}", list(items)),
            Value::Push(items) => format!(">[{}]", list(items)),
            Value::Attribute(a, v) => format!("|{{{}}} {}", pairs(a), v.show()),
            Value::Timeout => "<no reply before the deadline>".into(),
            Value::Broken(why) => format!("<broken: {why}>"),
        }
    }

    /// The elements of an array, set or push (None for other types).
    pub fn items(&self) -> Option<&[Value]> {
        match self {
            Value::Array(Some(v)) | Value::Set(v) | Value::Push(v) => Some(v),
            _ => None,
        }
    }
}

/// The bytes of `args` as one RESP multibulk command.
pub fn encode(args: &[Vec<u8>], out: &mut Vec<u8>) {
    out.extend_from_slice(format!("*{}\r\n", args.len()).as_bytes());
    for a in args {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
}

/// Parses one frame at the start of `buf`: the value and its length, or
/// None when incomplete. Bytes that are not RESP give a `Broken` value.
pub fn parse(buf: &[u8]) -> Option<(Value, usize)> {
    let eol = buf.windows(2).position(|w| w == b"\r\n")?;
    let line = String::from_utf8_lossy(&buf[1..eol]).into_owned();
    let after = eol + 2;
    let num = || line.parse::<i64>().ok();
    let head = *buf.first()?;
    let broken = |why: &str| Some((Value::Broken(format!("{why}: {line:?}")), after));
    match head {
        b'+' => Some((Value::Simple(line), after)),
        b'-' => Some((Value::Error(line), after)),
        b':' => match num() {
            Some(n) => Some((Value::Int(n), after)),
            None => broken("bad integer"),
        },
        b'_' => Some((Value::Null, after)),
        b',' => Some((Value::Double(line), after)),
        b'#' => Some((Value::Bool(line == "t"), after)),
        b'(' => Some((Value::BigNum(line), after)),
        b'$' | b'=' | b'!' => {
            let Some(n) = num() else {
                return broken("bad length");
            };
            if n < 0 {
                return Some((Value::Bulk(None), after));
            }
            let end = after + n as usize;
            if buf.len() < end + 2 {
                return None;
            }
            let body = buf[after..end].to_vec();
            let v = match head {
                b'$' => Value::Bulk(Some(body)),
                b'!' => Value::Error(String::from_utf8_lossy(&body).into_owned()),
                _ => {
                    let fmt = String::from_utf8_lossy(&body[..body.len().min(3)]).into_owned();
                    Value::Verbatim(fmt, body.get(4..).unwrap_or_default().to_vec())
                }
            };
            Some((v, end + 2))
        }
        b'*' | b'~' | b'>' | b'%' | b'|' => {
            let Some(n) = num() else {
                return broken("bad length");
            };
            if n < 0 {
                return Some((Value::Array(None), after));
            }
            let count = if matches!(head, b'%' | b'|') {
                n * 2
            } else {
                n
            };
            let mut items = Vec::with_capacity(count.min(1024) as usize);
            let mut pos = after;
            for _ in 0..count {
                let (v, len) = parse(&buf[pos..])?;
                items.push(v);
                pos += len;
            }
            let pairs = |items: Vec<Value>| {
                let mut it = items.into_iter();
                let mut out = Vec::new();
                while let (Some(k), Some(v)) = (it.next(), it.next()) {
                    out.push((k, v));
                }
                out
            };
            let v = match head {
                b'*' => Value::Array(Some(items)),
                b'~' => Value::Set(items),
                b'>' => Value::Push(items),
                b'%' => Value::Map(pairs(items)),
                _ => {
                    // An attribute annotates the frame that follows it.
                    let (inner, len) = parse(&buf[pos..])?;
                    pos += len;
                    Value::Attribute(pairs(items), Box::new(inner))
                }
            };
            Some((v, pos))
        }
        _ => broken("unknown type byte"),
    }
}

/// A connection to one server.
pub struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
    start: usize,
    /// The socket's read timeout as last set (a syscall to change).
    timeout: Duration,
}

impl Conn {
    /// Connects to 127.0.0.1:`port`.
    pub fn connect(port: u16) -> Conn {
        let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        stream.set_nodelay(true).unwrap();
        Conn {
            stream,
            buf: Vec::with_capacity(1 << 16),
            start: 0,
            timeout: Duration::ZERO,
        }
    }

    /// Writes raw bytes (commands already encoded).
    pub fn send(&mut self, bytes: &[u8]) {
        // A write error shows up as a Broken reply on the next read.
        let _ = self.stream.write_all(bytes);
    }

    /// Sends one command and waits up to `wait` for its reply.
    pub fn call(&mut self, args: &[&str], wait: Duration) -> Value {
        let args: Vec<Vec<u8>> = args.iter().map(|a| a.as_bytes().to_vec()).collect();
        let mut out = Vec::new();
        encode(&args, &mut out);
        self.send(&out);
        self.read(wait)
    }

    /// A frame already received and parsed, without waiting.
    fn buffered(&mut self) -> Option<Value> {
        let (v, len) = parse(&self.buf[self.start..])?;
        self.start += len;
        if self.start == self.buf.len() {
            self.buf.clear();
            self.start = 0;
        }
        Some(v)
    }

    /// The next frame, waiting up to `wait` (`Timeout` after that).
    pub fn read(&mut self, wait: Duration) -> Value {
        let deadline = Instant::now() + wait;
        loop {
            if let Some(v) = self.buffered() {
                return v;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Value::Timeout;
            }
            if self.fill(left).is_err() {
                return Value::Broken("connection closed".into());
            }
        }
    }

    /// True when a whole frame can be read now (reads what has arrived).
    pub fn ready(&mut self) -> bool {
        if parse(&self.buf[self.start..]).is_some() {
            return true;
        }
        let _ = self.fill(Duration::from_micros(1));
        parse(&self.buf[self.start..]).is_some()
    }

    /// Reads once, waiting at most `wait`; Err when the peer closed.
    fn fill(&mut self, wait: Duration) -> Result<(), ()> {
        if self.start > 0 && self.start * 2 > self.buf.len() {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        // Long waits read in 100 ms slices so the timeout rarely changes.
        let timeout = wait.clamp(Duration::from_micros(1), Duration::from_millis(100));
        if timeout != self.timeout {
            self.stream.set_read_timeout(Some(timeout)).unwrap();
            self.timeout = timeout;
        }
        let mut chunk = [0u8; 65536];
        match self.stream.read(&mut chunk) {
            Ok(0) => Err(()),
            Ok(n) => {
                self.buf.extend_from_slice(&chunk[..n]);
                Ok(())
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => Ok(()),
            Err(e) if e.kind() == ErrorKind::Interrupted => Ok(()),
            Err(_) => Err(()),
        }
    }
}
