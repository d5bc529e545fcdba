//! Test harness: starts the real `ferrocache` binary on an ephemeral loopback
//! port and talks to it through real clients (the `redis` crate, raw RESP
//! bytes, redis-cli). Every wait polls against a deadline; the server is
//! killed when the handle drops.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long any single wait in a test may take.
pub const DEADLINE: Duration = Duration::from_secs(10);

/// A running ferrocache process.
pub struct Server {
    child: Child,
    pub port: u16,
    pub dir: std::path::PathBuf,
}

/// A port that was free a moment ago (the server retries if it is taken since).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Polls `f` every 10 ms until it returns true or `DEADLINE` passes.
pub fn wait_until(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + DEADLINE;
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

impl Server {
    /// Starts the server with extra `--name value` arguments.
    pub fn start(args: &[&str]) -> Server {
        for _attempt in 0..5 {
            let port = free_port();
            let dir =
                std::env::temp_dir().join(format!("ferrocache-test-{}-{port}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            // A config file, if given, must come first.
            let (file, overrides) = match args.first() {
                Some(f) if !f.starts_with("--") => (&args[..1], &args[1..]),
                _ => (&args[..0], args),
            };
            let mut child = Command::new(env!("CARGO_BIN_EXE_ferrocache"))
                .args(file)
                .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
                .args(overrides)
                .current_dir(&dir)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("spawn ferrocache");
            let deadline = Instant::now() + DEADLINE;
            loop {
                if let Ok(Some(_)) = child.try_wait() {
                    break; // exited: port taken, try another
                }
                if let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) {
                    s.set_read_timeout(Some(DEADLINE)).unwrap();
                    // QUIT and read to the end: once the server's close arrives the
                    // probe no longer counts as a connected client.
                    if s.write_all(b"PING\r\nQUIT\r\n").is_ok() {
                        let mut reply = Vec::new();
                        if s.read_to_end(&mut reply).is_ok() && reply.ends_with(b"+OK\r\n") {
                            return Server { child, port, dir };
                        }
                    }
                }
                assert!(Instant::now() < deadline, "server did not start");
                std::thread::sleep(Duration::from_millis(10));
            }
        }
        panic!("could not start ferrocache on a free port");
    }

    /// A `redis` crate connection.
    pub fn client(&self) -> redis::Connection {
        let client = redis::Client::open(format!("redis://127.0.0.1:{}/", self.port)).unwrap();
        let con = client.get_connection_with_timeout(DEADLINE).unwrap();
        con.set_read_timeout(Some(DEADLINE)).unwrap();
        con
    }

    /// A raw socket speaking bytes.
    pub fn raw(&self) -> Raw {
        let s = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        s.set_read_timeout(Some(DEADLINE)).unwrap();
        Raw { s, buf: Vec::new() }
    }

    /// Runs redis-cli against the server; returns its stdout.
    pub fn cli(&self, args: &[&str]) -> String {
        let out = Command::new("redis-cli")
            .args(["-p", &self.port.to_string()])
            .args(args)
            .output()
            .expect("redis-cli (Debian package redis-tools) must be installed");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// True while the process runs.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Waits for the process to exit; returns its status code.
    pub fn wait_exit(&mut self) -> Option<i32> {
        let deadline = Instant::now() + DEADLINE;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code();
            }
            assert!(Instant::now() < deadline, "server did not exit");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A command as a RESP multibulk frame.
pub fn frame(args: &[&[u8]]) -> Vec<u8> {
    let mut f = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        f.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        f.extend_from_slice(a);
        f.extend_from_slice(b"\r\n");
    }
    f
}

/// The exact bytes of a RESP2 `pmessage` push (pattern subscriptions).
pub fn pmessage(pattern: &str, channel: &str, message: &str) -> Vec<u8> {
    format!(
        "*4\r\n$8\r\npmessage\r\n${}\r\n{pattern}\r\n${}\r\n{channel}\r\n${}\r\n{message}\r\n",
        pattern.len(),
        channel.len(),
        message.len()
    )
    .into_bytes()
}

/// Asserts a command's exact reply, showing both as text on failure.
#[track_caller]
pub fn check(r: &mut Raw, args: &[&str], expected: &str) {
    let got = r.cmd(args);
    assert_eq!(String::from_utf8_lossy(&got), expected, "reply to {args:?}");
}

/// A raw connection: send bytes, read whole RESP replies.
pub struct Raw {
    pub s: TcpStream,
    buf: Vec<u8>,
}

impl Raw {
    /// Sends bytes as they are.
    pub fn send(&mut self, bytes: &[u8]) {
        self.s.write_all(bytes).unwrap();
    }

    /// Sends a command as a RESP multibulk.
    pub fn cmd(&mut self, args: &[&str]) -> Vec<u8> {
        let args: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
        self.send(&frame(&args));
        self.reply()
    }

    /// Reads one complete reply (its exact bytes).
    pub fn reply(&mut self) -> Vec<u8> {
        loop {
            if let Some(end) = reply_len(&self.buf, 0) {
                return self.buf.drain(..end).collect();
            }
            let mut chunk = [0u8; 65536];
            let n = self.s.read(&mut chunk).expect("read reply");
            assert!(
                n > 0,
                "connection closed; partial: {:?}",
                String::from_utf8_lossy(&self.buf)
            );
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }

    /// True when the server closes the connection within the deadline.
    pub fn closed(&mut self) -> bool {
        let mut chunk = [0u8; 4096];
        loop {
            match self.s.read(&mut chunk) {
                Ok(0) => return true,
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(_) => return false,
            }
        }
    }
}

/// Length of the RESP value starting at `at`, if complete.
fn reply_len(buf: &[u8], at: usize) -> Option<usize> {
    let line_end = at + buf.get(at..)?.windows(2).position(|w| w == b"\r\n")?;
    let head = buf[at];
    let num = || {
        std::str::from_utf8(&buf[at + 1..line_end])
            .ok()?
            .parse::<i64>()
            .ok()
    };
    let after = line_end + 2;
    match head {
        b'+' | b'-' | b':' | b'_' | b',' | b'#' | b'(' => Some(after - at),
        b'$' | b'=' | b'!' => {
            let n = num()?;
            if n < 0 {
                return Some(after - at);
            }
            let end = after + n as usize + 2;
            (buf.len() >= end).then_some(end - at)
        }
        b'*' | b'~' | b'>' | b'%' | b'|' => {
            let n = num()?;
            if n < 0 {
                return Some(after - at);
            }
            let count = if head == b'%' || head == b'|' {
                n * 2
            } else {
                n
            };
            let mut pos = after;
            for _ in 0..count {
                pos += reply_len(buf, pos)?;
            }
            Some(pos - at)
        }
        _ => Some(after - at),
    }
}
