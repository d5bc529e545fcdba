//! A real redis-server to compare ferrocache against: spawned on a free
//! loopback port with no persistence, polled until it answers PING, killed
//! when the handle drops. Include with
//! `#[path = "support/reference.rs"] mod reference;` next to `mod support;`.

#![allow(dead_code)]

use crate::support::{free_port, DEADLINE};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running redis-server.
pub struct Reference {
    child: Child,
    pub port: u16,
    dir: std::path::PathBuf,
    /// The directory is the harness's own (deleted on drop).
    own_dir: bool,
}

impl Reference {
    /// Starts redis-server, or returns None when it is not installed (which
    /// fails on CI, where `make test` installs it).
    pub fn start() -> Option<Reference> {
        Reference::launch(None)
    }

    /// Starts redis-server with `dir` as its data directory (it loads
    /// `dir/dump.rdb` when there is one); the directory is left in place.
    pub fn start_in(dir: &Path) -> Reference {
        Reference::launch(Some(dir))
            .expect("redis-server (Debian package redis-server) must be installed")
    }

    /// Starts redis-server as `redis-server FILE --port P --bind 127.0.0.1
    /// ARGS...` in the working directory `dir` (left in place), the way a
    /// user starts it from a configuration file.
    pub fn start_with(dir: &Path, conf_file: &Path, args: &[&str]) -> Reference {
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        Reference::spawn(Some(conf_file), dir, false, &args)
            .expect("redis-server (Debian package redis-server) must be installed")
    }

    /// Starts redis-server in a fresh directory of its own (removed on drop)
    /// with `extra` arguments after the defaults (no persistence), e.g.
    /// `["--repl-diskless-sync", "no"]` for a replication leader.
    pub fn start_args(extra: &[&str]) -> Reference {
        Reference::launch_with(None, extra)
            .expect("redis-server (Debian package redis-server) must be installed")
    }

    fn launch(data_dir: Option<&Path>) -> Option<Reference> {
        Reference::launch_with(data_dir, &[])
    }

    fn launch_with(data_dir: Option<&Path>, extra: &[&str]) -> Option<Reference> {
        let dir = data_dir.map_or_else(
            || {
                let tag = format!("{}-{}", std::process::id(), free_port());
                std::env::temp_dir().join(format!("ferrocache-reference-{tag}"))
            },
            |d| d.to_path_buf(),
        );
        std::fs::create_dir_all(&dir).unwrap();
        let args: Vec<String> = ["--save", "", "--appendonly", "no", "--dir"]
            .iter()
            .map(|a| a.to_string())
            .chain([dir.display().to_string()])
            .chain(extra.iter().map(|a| a.to_string()))
            .collect();
        Reference::spawn(None, &dir, data_dir.is_none(), &args)
    }

    /// Spawns redis-server on a free port (another one if it was taken) and
    /// waits until it answers PING. None when redis-server is not installed.
    fn spawn(
        conf_file: Option<&Path>,
        dir: &Path,
        own_dir: bool,
        args: &[String],
    ) -> Option<Reference> {
        if Command::new("redis-server")
            .arg("--version")
            .output()
            .is_err()
        {
            assert!(
                std::env::var_os("CI").is_none(),
                "redis-server must be installed on CI (make deps)"
            );
            eprintln!("redis-server is not on PATH: skipping the comparison with it");
            return None;
        }
        for _attempt in 0..5 {
            let port = free_port();
            let mut child = Command::new("redis-server")
                .args(conf_file)
                .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
                .args(args)
                .current_dir(dir)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("spawn redis-server");
            let deadline = Instant::now() + DEADLINE;
            loop {
                if let Ok(Some(_)) = child.try_wait() {
                    break; // exited: the port was taken, try another
                }
                let url = format!("redis://127.0.0.1:{port}/");
                let ping = redis::Client::open(url)
                    .and_then(|c| c.get_connection_with_timeout(Duration::from_millis(200)))
                    .and_then(|mut con| redis::cmd("PING").query::<String>(&mut con));
                if ping.is_ok() {
                    let dir = dir.to_path_buf();
                    return Some(Reference {
                        child,
                        port,
                        dir,
                        own_dir,
                    });
                }
                assert!(Instant::now() < deadline, "redis-server did not start");
                std::thread::sleep(Duration::from_millis(10));
            }
        }
        if own_dir {
            let _ = std::fs::remove_dir_all(dir);
        }
        panic!("could not start redis-server on a free port");
    }

    /// Its data directory (where it writes nodes.conf, dump.rdb...).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Runs redis-cli against this server; returns its stdout.
    pub fn cli(&self, args: &[&str]) -> String {
        crate::support::cli(self.port, args)
    }

    /// A `redis` crate connection.
    pub fn client(&self) -> redis::Connection {
        let client = redis::Client::open(format!("redis://127.0.0.1:{}/", self.port)).unwrap();
        let con = client.get_connection_with_timeout(DEADLINE).unwrap();
        con.set_read_timeout(Some(DEADLINE)).unwrap();
        con
    }
}

impl Drop for Reference {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if self.own_dir {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// Runs `args` on a connection; the reply (or the error text) as a string
/// that two servers' replies can be compared by.
pub fn run(con: &mut redis::Connection, args: &[&[u8]]) -> String {
    let mut cmd = redis::cmd(std::str::from_utf8(args[0]).unwrap());
    for a in &args[1..] {
        cmd.arg(*a);
    }
    match cmd.query::<redis::Value>(con) {
        Ok(v) => format!("{v:?}"),
        Err(e) => format!("error {:?} {:?} {:?}", e.kind(), e.code(), e.detail()),
    }
}

/// A small deterministic random generator (xorshift64*), so that a failing
/// comparison can be replayed.
pub struct Rng(pub u64);

impl Rng {
    /// A generator for `seed` (any value, 0 included): splitmix64 spreads
    /// nearby seeds, and xorshift needs a non-zero state.
    pub fn new(seed: u64) -> Rng {
        let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        Rng((z ^ (z >> 31)) | 1)
    }

    /// The next 64 random bits.
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }

    /// True with probability `pct` percent.
    pub fn chance(&mut self, pct: u64) -> bool {
        self.below(1000) < pct * 10
    }

    /// One of `xs`.
    pub fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len() as u64) as usize]
    }
}
