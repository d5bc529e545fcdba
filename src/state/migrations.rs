//! MIGRATE's jobs and the cache of connections to its targets (Redis's
//! `migrate_cached_sockets`), as plain data: what to send, how the
//! target's replies are judged. The loop (`server::migrate`) moves the
//! bytes; the command (`commands::migrate`) captures the keys and applies
//! the verdict.
//!
//! A job carries the DUMP payloads captured when MIGRATE ran. Its pipeline
//! is `[AUTH] [SELECT db] RESTORE key ttl payload [REPLACE] ...`, SELECT
//! only when the cached connection's database differs (a new connection
//! knows none). The target answers one line per command; the first error
//! line (AUTH's, SELECT's or a RESTORE's) becomes MIGRATE's error, and
//! every RESTORE answered `+` counts as acknowledged.

use mio::net::TcpStream;
use slab::Slab;
use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

/// At most this many cached connections (Redis's MIGRATE_SOCKET_CACHE_ITEMS).
pub const CACHE_CAPACITY: usize = 64;
/// An idle cached connection is closed after this long (Redis's
/// MIGRATE_SOCKET_CACHE_TTL).
pub const CACHE_TTL: Duration = Duration::from_secs(10);

/// One key as MIGRATE captured it.
pub struct CapturedKey {
    pub key: Box<[u8]>,
    /// Remaining time to live in ms (0: none), as RESTORE takes it.
    pub ttl_ms: i64,
    /// Its DUMP payload.
    pub payload: Vec<u8>,
}

/// One MIGRATE: where to, what, and for whom.
pub struct Job {
    /// The calling client's slab key and id (the key may be reused).
    pub client: usize,
    pub client_id: u64,
    pub host: String,
    /// The port as given (the cache key uses it as is; Redis `atoi`s it to connect).
    pub port: String,
    pub db: i64,
    pub timeout: Duration,
    /// AUTH: (username for AUTH2, password).
    pub auth: Option<(Option<Vec<u8>>, Vec<u8>)>,
    pub copy: bool,
    pub replace: bool,
    /// `RESTORE`, or `RESTORE-ASKING` in cluster mode.
    pub restore_command: &'static [u8],
    pub keys: Vec<CapturedKey>,
    /// Already retried once on a fresh connection after a socket error.
    pub retried: bool,
}

impl Job {
    /// The cache key: `host:port`.
    pub fn target_name(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}

/// How a job ended, as MIGRATE replies it.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    Ok,
    /// The target's first error line, without its `-`.
    TargetError(Vec<u8>),
    /// `-IOERR error or timeout <what> ...`: `connecting to the client`,
    /// `writing to target instance` or `reading to target instance`.
    IoError(&'static str),
}

/// A job over: its verdict and the keys the target acknowledged.
pub struct Finished {
    pub job: Job,
    pub acked: Vec<bool>,
    pub verdict: Verdict,
}

/// A job on the wire: its pipeline and the reply lines read so far.
pub struct Run {
    pub job: Job,
    pub out: Vec<u8>,
    pub written: usize,
    pub input: Vec<u8>,
    pub lines: Vec<Vec<u8>>,
    pub sent_auth: bool,
    pub sent_select: bool,
    /// When the current stall (connect, write or read) times out.
    pub deadline: Instant,
}

impl Run {
    /// Prepares `job` for a connection whose selected database is `last_db`.
    pub fn new(job: Job, last_db: Option<i64>, now: Instant) -> Run {
        let sent_select = last_db != Some(job.db);
        let out = pipeline(&job, sent_select);
        Run {
            sent_auth: job.auth.is_some(),
            sent_select,
            deadline: stall_deadline(now, job.timeout),
            out,
            written: 0,
            input: Vec::new(),
            lines: Vec::new(),
            job,
        }
    }

    /// Reply lines the pipeline asks for.
    pub fn expected_lines(&self) -> usize {
        self.sent_auth as usize + self.sent_select as usize + self.job.keys.len()
    }

    /// Moves the complete lines of `input` to `lines` (CRLF or LF ended).
    pub fn take_lines(&mut self) {
        while let Some(end) = self.input.iter().position(|&b| b == b'\n') {
            let mut line: Vec<u8> = self.input.drain(..=end).collect();
            line.pop();
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            self.lines.push(line);
        }
    }

    /// True when no RESTORE reply was read yet (a failure may be retried).
    pub fn no_restore_reply(&self) -> bool {
        self.lines.len() <= self.sent_auth as usize + self.sent_select as usize
    }

    /// Judges the lines read; `socket_error` says what failed if not all
    /// came (`writing` or `reading`).
    pub fn judge(self, socket_error: Option<&'static str>) -> Finished {
        let skip = self.sent_auth as usize + self.sent_select as usize;
        let prefix_error = self.lines[..skip.min(self.lines.len())]
            .iter()
            .find(|l| l.first() == Some(&b'-'))
            .cloned();
        let mut acked = vec![false; self.job.keys.len()];
        let mut target_error = None;
        if self.lines.len() >= skip {
            for (j, line) in self.lines[skip..].iter().enumerate() {
                if prefix_error.is_some() || line.first() == Some(&b'-') {
                    if target_error.is_none() {
                        target_error = Some(prefix_error.clone().unwrap_or_else(|| line.clone()));
                    }
                } else if j < acked.len() {
                    acked[j] = true;
                }
            }
        }
        let verdict = match (target_error, socket_error) {
            (Some(e), _) => Verdict::TargetError(e[1..].to_vec()),
            (None, Some(what)) => Verdict::IoError(what),
            (None, None) => Verdict::Ok,
        };
        Finished {
            job: self.job,
            acked,
            verdict,
        }
    }
}

/// When a stall that starts `now` times out (a timeout too long for the
/// clock means a century).
pub fn stall_deadline(now: Instant, timeout: Duration) -> Instant {
    now.checked_add(timeout)
        .unwrap_or_else(|| now + Duration::from_secs(100 * 365 * 86_400))
}

/// The commands sent for `job`, pipelined.
pub fn pipeline(job: &Job, select: bool) -> Vec<u8> {
    let mut out = Vec::new();
    if let Some((user, password)) = &job.auth {
        let mut args: Vec<&[u8]> = vec![b"AUTH"];
        if let Some(user) = user {
            args.push(user);
        }
        args.push(password);
        encode(&mut out, &args);
    }
    if select {
        encode(&mut out, &[b"SELECT", job.db.to_string().as_bytes()]);
    }
    for k in &job.keys {
        let ttl = k.ttl_ms.to_string();
        let mut args: Vec<&[u8]> = vec![job.restore_command, &k.key, ttl.as_bytes(), &k.payload];
        if job.replace {
            args.push(b"REPLACE");
        }
        encode(&mut out, &args);
    }
    out
}

/// Appends `args` as a RESP array of bulk strings.
fn encode(out: &mut Vec<u8>, args: &[&[u8]]) {
    out.extend_from_slice(format!("*{}\r\n", args.len()).as_bytes());
    for a in args {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
}

/// A cached connection to one target, and the jobs waiting for it (one
/// runs at a time, in arrival order).
pub struct Link {
    pub name: String,
    pub stream: TcpStream,
    pub connected: bool,
    /// The database the target has selected (None: unknown, SELECT first).
    pub last_db: Option<i64>,
    pub last_use: Instant,
    pub run: Option<Run>,
    pub queue: VecDeque<Job>,
}

/// Every MIGRATE in progress and the connection cache.
#[derive(Default)]
pub struct Migrations {
    /// Jobs queued by the command, started by the loop before it sleeps.
    pub pending: Vec<Job>,
    /// Cached connections, by slab key (their token is `MIGRATE_TOKEN_BASE + key`).
    pub links: Slab<Link>,
    /// `host:port` → link.
    pub by_name: HashMap<String, usize>,
    /// Finished jobs by client slab key, taken by the command when it runs again.
    pub finished: HashMap<usize, Finished>,
}

impl Migrations {
    /// Number of cached connections (INFO `migrate_cached_sockets`).
    pub fn cached(&self) -> usize {
        self.links.len()
    }

    /// True while client `key` (with `id`) waits for a MIGRATE job.
    pub fn serves(&self, key: usize, id: u64) -> bool {
        let ours = |j: &Job| j.client == key && j.client_id == id;
        self.pending.iter().any(ours)
            || self.links.iter().any(|(_, l)| {
                l.run.as_ref().is_some_and(|r| ours(&r.job)) || l.queue.iter().any(ours)
            })
    }

    /// The earliest stall deadline, for the loop's poll timeout.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.links
            .iter()
            .filter_map(|(_, l)| l.run.as_ref().map(|r| r.deadline))
            .min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(keys: &[&str], auth: bool) -> Job {
        Job {
            client: 0,
            client_id: 1,
            host: "h".into(),
            port: "1".into(),
            db: 3,
            timeout: Duration::from_millis(10),
            auth: auth.then(|| (None, b"pw".to_vec())),
            copy: false,
            replace: true,
            restore_command: b"RESTORE",
            keys: keys
                .iter()
                .map(|k| CapturedKey {
                    key: k.as_bytes().into(),
                    ttl_ms: 0,
                    payload: b"P".to_vec(),
                })
                .collect(),
            retried: false,
        }
    }

    fn run_with(lines: &[&str], auth: bool, keys: &[&str]) -> Finished {
        let mut r = Run::new(job(keys, auth), None, Instant::now());
        for l in lines {
            r.input.extend_from_slice(l.as_bytes());
            r.input.extend_from_slice(b"\r\n");
        }
        r.take_lines();
        let complete = r.lines.len() == r.expected_lines();
        r.judge((!complete).then_some("reading"))
    }

    #[test]
    fn pipeline_has_auth_select_and_restores() {
        let j = job(&["k"], true);
        let p = String::from_utf8(pipeline(&j, true)).unwrap();
        assert_eq!(
            p,
            "*2\r\n$4\r\nAUTH\r\n$2\r\npw\r\n*2\r\n$6\r\nSELECT\r\n$1\r\n3\r\n\
             *5\r\n$7\r\nRESTORE\r\n$1\r\nk\r\n$1\r\n0\r\n$1\r\nP\r\n$7\r\nREPLACE\r\n"
        );
        assert!(!String::from_utf8(pipeline(&j, false))
            .unwrap()
            .contains("SELECT"));
    }

    #[test]
    fn verdicts_follow_redis() {
        let f = run_with(&["+OK", "+OK", "+OK", "+OK"], true, &["a", "b"]);
        assert_eq!((f.verdict, f.acked), (Verdict::Ok, vec![true, true]));
        let f = run_with(&["+OK", "+OK", "-BUSYKEY x", "+OK"], true, &["a", "b"]);
        assert_eq!(f.verdict, Verdict::TargetError(b"BUSYKEY x".to_vec()));
        assert_eq!(f.acked, vec![false, true]);
        let f = run_with(&["-WRONGPASS no", "+OK", "+OK", "+OK"], true, &["a", "b"]);
        assert_eq!(f.verdict, Verdict::TargetError(b"WRONGPASS no".to_vec()));
        assert_eq!(f.acked, vec![false, false]);
        let f = run_with(&["+OK", "+OK", "+OK"], true, &["a", "b"]);
        assert_eq!(
            (f.verdict, f.acked),
            (Verdict::IoError("reading"), vec![true, false])
        );
        let f = run_with(&["+OK"], false, &["a"]);
        assert_eq!(f.verdict, Verdict::IoError("reading"));
    }
}
