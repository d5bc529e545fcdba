//! Test harness: starts the real `ferrocache` binary on an ephemeral loopback
//! port and talks to it through real clients (the `redis` crate, raw RESP
//! bytes, redis-cli). Every wait polls against a deadline; the server is
//! killed when the handle drops.

#![allow(dead_code)]

pub mod aof_files;
pub mod dataset;
pub mod proxy;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// How long any single wait in a test may take.
pub const DEADLINE: Duration = Duration::from_secs(10);

/// A running ferrocache process.
pub struct Server {
    child: Child,
    pub port: u16,
    /// The server's working directory (its `dir` unless overridden).
    pub dir: PathBuf,
    /// The temporary `dir` of [`Server::start`], removed after the process
    /// is killed (None when the test owns it, see [`Server::start_in`]).
    owned_dir: Option<TempDir>,
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

/// A fresh directory under the system temp dir, removed when dropped. Tests
/// that restart a server on the same data hold one and pass it to
/// [`Server::start_in`].
pub struct TempDir {
    pub path: PathBuf,
}

impl TempDir {
    /// Creates an empty directory whose name contains `tag`.
    pub fn new(tag: &str) -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("ferrocache-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        TempDir { path }
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// How a server that was expected not to start ended.
#[derive(Debug)]
pub struct StartFailure {
    /// The exit code (None: killed by a signal).
    pub code: Option<i32>,
    /// Everything it wrote to stderr.
    pub stderr: String,
}

/// Spawns the binary in `dir` on `port`; `args` may start with a config file.
fn spawn(dir: &Path, port: u16, args: &[&str], stderr: Stdio) -> Child {
    // A config file, if given, must come first.
    let (file, overrides) = match args.first() {
        Some(f) if !f.starts_with("--") => (&args[..1], &args[1..]),
        _ => (&args[..0], args),
    };
    Command::new(env!("CARGO_BIN_EXE_ferrocache"))
        .args(file)
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(overrides)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .expect("spawn ferrocache")
}

/// True once `port` answers PING (the probe then QUITs and reads to the
/// end, so it no longer counts as a connected client).
fn answers_ping(port: u16) -> bool {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    s.set_read_timeout(Some(DEADLINE)).unwrap();
    let mut reply = Vec::new();
    s.write_all(b"PING\r\nQUIT\r\n").is_ok()
        && s.read_to_end(&mut reply).is_ok()
        && reply.ends_with(b"+OK\r\n")
}

impl Server {
    /// Starts the server with extra `--name value` arguments in a fresh
    /// temporary directory, removed when the server is dropped.
    pub fn start(args: &[&str]) -> Server {
        let dir = TempDir::new("test");
        let mut server = Server::start_in(&dir.path, args);
        server.owned_dir = Some(dir);
        server
    }

    /// Starts the server in `dir`, which the caller owns and which outlives
    /// the server (restart tests start several servers on the same data).
    /// Returns once it answers PING (it may still be loading its data).
    pub fn start_in(dir: &Path, args: &[&str]) -> Server {
        for _attempt in 0..5 {
            let port = free_port();
            let mut child = spawn(dir, port, args, Stdio::null());
            let deadline = Instant::now() + DEADLINE;
            loop {
                if let Ok(Some(_)) = child.try_wait() {
                    break; // exited: port taken, try another
                }
                if answers_ping(port) {
                    return Server {
                        child,
                        port,
                        dir: dir.to_path_buf(),
                        owned_dir: None,
                    };
                }
                assert!(Instant::now() < deadline, "server did not start");
                std::thread::sleep(Duration::from_millis(10));
            }
        }
        panic!("could not start ferrocache on a free port");
    }

    /// Starts the server in `dir` expecting it to exit during start-up (a
    /// damaged data file, ...): returns its exit code and stderr. Panics if
    /// it is still running after `DEADLINE`.
    pub fn start_failure(dir: &Path, args: &[&str]) -> StartFailure {
        for _attempt in 0..5 {
            let mut child = spawn(dir, free_port(), args, Stdio::piped());
            // Read stderr on a thread so a chatty child never blocks on the pipe.
            let mut pipe = child.stderr.take().expect("piped stderr");
            let reader = std::thread::spawn(move || {
                let mut text = String::new();
                let _ = pipe.read_to_string(&mut text);
                text
            });
            let deadline = Instant::now() + DEADLINE;
            let status = loop {
                if let Ok(Some(status)) = child.try_wait() {
                    break status;
                }
                if Instant::now() >= deadline {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!("ferrocache kept running; expected a start-up failure");
                }
                std::thread::sleep(Duration::from_millis(10));
            };
            let stderr = reader.join().unwrap();
            if stderr.contains("could not listen") {
                continue; // the free port was taken meanwhile: not the failure under test
            }
            return StartFailure {
                code: status.code(),
                stderr,
            };
        }
        panic!("could not find a free port for ferrocache");
    }

    /// SIGKILL: the process dies at once, as in a crash; waits for it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Sends a signal by name ("TERM", "INT", ...) without waiting.
    pub fn signal(&self, name: &str) {
        let sent = Command::new("kill")
            .args([&format!("-{name}"), &self.pid().to_string()])
            .status()
            .expect("kill(1)");
        assert!(sent.success(), "kill -{name}");
    }

    /// SIGTERM: a graceful shutdown (persists as SHUTDOWN does); waits for
    /// the exit and asserts it succeeded.
    pub fn stop(&mut self) {
        self.signal("TERM");
        assert_eq!(self.wait_exit(), Some(0), "graceful stop");
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
        Raw::connect(self.port)
    }

    /// Runs redis-cli against the server; returns its stdout.
    pub fn cli(&self, args: &[&str]) -> String {
        cli(self.port, args)
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

    /// One `field` of `INFO section`, as text (panics when absent).
    pub fn info_field(&self, section: &str, field: &str) -> String {
        info_field(self.port, section, field)
            .unwrap_or_else(|| panic!("INFO {section} has no {field}"))
    }

    /// Waits until the start-up load is over (INFO loading:0).
    pub fn wait_loaded(&self) {
        wait_until("the dataset to load", || {
            self.info_field("persistence", "loading") == "0"
        });
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
        // Then `owned_dir` drops, removing the directory.
    }
}

/// One `field` of `INFO section` of the server (ferrocache or redis-server)
/// on `port`, as text; None when INFO does not show it.
pub fn info_field(port: u16, section: &str, field: &str) -> Option<String> {
    let reply = Raw::connect(port).cmd(&["INFO", section]);
    let text = String::from_utf8_lossy(&reply);
    let prefix = format!("{field}:");
    text.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .map(str::to_string)
}

/// Runs redis-cli against the server on `port`; returns its stdout.
pub fn cli(port: u16, args: &[&str]) -> String {
    let out = Command::new("redis-cli")
        .args(["-p", &port.to_string()])
        .args(args)
        .output()
        .expect("redis-cli (Debian package redis-tools) must be installed");
    String::from_utf8_lossy(&out.stdout).into_owned()
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

/// Sets `key:0` .. `key:{count-1}` to `value` in one pipelined write and
/// checks every reply.
pub fn set_keys(r: &mut Raw, count: usize, value: &str) {
    let mut batch = Vec::new();
    for i in 0..count {
        let key = format!("key:{i}");
        batch.extend_from_slice(&frame(&[b"SET", key.as_bytes(), value.as_bytes()]));
    }
    r.send(&batch);
    for _ in 0..count {
        assert_eq!(r.reply(), b"+OK\r\n");
    }
}

/// A raw connection: send bytes, read whole RESP replies.
pub struct Raw {
    pub s: TcpStream,
    buf: Vec<u8>,
}

impl Raw {
    /// A raw connection to any server on loopback `port` (a ferrocache
    /// [`Server`] or a reference redis-server).
    pub fn connect(port: u16) -> Raw {
        let s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.set_read_timeout(Some(DEADLINE)).unwrap();
        Raw { s, buf: Vec::new() }
    }

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
