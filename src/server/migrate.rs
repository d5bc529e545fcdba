//! MIGRATE's sockets, driven by the loop: a non-blocking connect that
//! finishes on WRITABLE, the pipelined commands written as the socket
//! takes them, the reply lines read as they come. Each stall (connect,
//! write, read) may last the job's timeout; then the job fails as Redis
//! words it. A socket error before any RESTORE reply is retried once on a
//! fresh connection, unless it was a timeout (Redis's `may_retry`).
//!
//! Connections are cached per `host:port` (at most `CACHE_CAPACITY`, an
//! idle one closed after `CACHE_TTL` by the timer, any closed on an
//! error); jobs for the same target run one after the other on it. When a
//! job ends, its client's MIGRATE runs again to apply the verdict.

use super::tokens::MIGRATE_TOKEN_BASE;
use super::Server;
use crate::commands::{dispatch, Ctx};
use crate::state::migrations::{
    stall_deadline, Finished, Job, Link, Run, Verdict, CACHE_CAPACITY, CACHE_TTL,
};
use mio::net::TcpStream;
use mio::{Interest, Token};
use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, ToSocketAddrs};
use std::time::Instant;

/// How a link failed: what the reply names, and whether it timed out.
#[derive(Clone, Copy)]
struct Failure {
    what: &'static str,
    timed_out: bool,
}

impl Server {
    /// Starts the jobs MIGRATE queued while commands ran.
    pub(super) fn start_pending_migrations(&mut self) {
        while !self.state.migrations.pending.is_empty() {
            for job in std::mem::take(&mut self.state.migrations.pending) {
                self.start_migration(job);
            }
        }
    }

    /// Sends `job` on the cached link to its target, or connects one.
    fn start_migration(&mut self, job: Job) {
        let name = job.target_name();
        if let Some(&idx) = self.state.migrations.by_name.get(&name) {
            let link = &mut self.state.migrations.links[idx];
            link.queue.push_back(job);
            if link.run.is_none() && link.connected {
                self.next_job(idx);
            }
            return;
        }
        let Some(addr) = resolve(&job.host, &job.port) else {
            return self.deliver(finished_with(job, "connecting"));
        };
        let mut stream = match TcpStream::connect(addr) {
            Ok(s) => s,
            Err(_) => return self.deliver(finished_with(job, "connecting")),
        };
        self.make_room_in_cache();
        let entry = self.state.migrations.links.vacant_entry();
        let token = Token(MIGRATE_TOKEN_BASE + entry.key());
        let interest = Interest::READABLE | Interest::WRITABLE;
        if self
            .poll
            .registry()
            .register(&mut stream, token, interest)
            .is_err()
        {
            return self.deliver(finished_with(job, "connecting"));
        }
        let now = Instant::now();
        let idx = entry.key();
        entry.insert(Link {
            name: name.clone(),
            stream,
            connected: false,
            last_db: None,
            last_use: now,
            run: Some(Run::new(job, None, now)),
            queue: VecDeque::new(),
        });
        self.state.migrations.by_name.insert(name, idx);
    }

    /// Full cache: closes an idle link (Redis drops a random one).
    fn make_room_in_cache(&mut self) {
        let m = &self.state.migrations;
        if m.links.len() < CACHE_CAPACITY {
            return;
        }
        let idle = m
            .links
            .iter()
            .find(|(_, l)| l.run.is_none() && l.queue.is_empty())
            .map(|(k, _)| k);
        if let Some(idx) = idle {
            self.close_link(idx);
        }
    }

    /// Starts the link's next queued job, if any (the link is connected and idle).
    fn next_job(&mut self, idx: usize) {
        let link = &mut self.state.migrations.links[idx];
        if let Some(job) = link.queue.pop_front() {
            link.run = Some(Run::new(job, link.last_db, Instant::now()));
            self.pump_link_io(idx);
        }
    }

    /// A readiness event on a MIGRATE socket.
    pub(super) fn handle_migrate_event(&mut self, idx: usize) {
        let Some(link) = self.state.migrations.links.get_mut(idx) else {
            return;
        };
        if !link.connected {
            if let Ok(Some(_)) | Err(_) = link.stream.take_error() {
                return self.fail_link(idx, "writing", false);
            }
            match link.stream.peer_addr() {
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::NotConnected => return,
                Err(_) => return self.fail_link(idx, "writing", false),
            }
            let _ = link.stream.set_nodelay(true);
            link.connected = true;
        }
        self.pump_link_io(idx);
    }

    /// Writes what the socket takes, then reads the replies there are;
    /// finishes the job when all came. An idle link only watches for the
    /// target closing it.
    fn pump_link_io(&mut self, idx: usize) {
        let link = &mut self.state.migrations.links[idx];
        if !link.connected {
            return;
        }
        let Some(run) = link.run.as_mut() else {
            if !drain_idle(&mut link.stream) {
                self.close_link(idx);
            }
            return;
        };
        if let Err(failure) = move_bytes(&mut link.stream, run) {
            return self.fail_link(idx, failure.what, failure.timed_out);
        }
        if run.lines.len() < run.expected_lines() {
            return;
        }
        let run = link.run.take().expect("a running job");
        link.last_use = Instant::now();
        let finished = run.judge(None);
        link.last_db = match finished.verdict {
            Verdict::Ok => Some(finished.job.db),
            _ => None,
        };
        self.deliver(finished);
        if self.state.migrations.links.contains(idx) {
            self.next_job(idx);
        }
    }

    /// The link failed: it is closed; its job is retried once on a new
    /// connection when no RESTORE reply came and it was not a timeout,
    /// otherwise finished; the jobs queued behind it start again.
    fn fail_link(&mut self, idx: usize, what: &'static str, timed_out: bool) {
        let mut link = self.close_link(idx);
        if let Some(mut run) = link.run.take() {
            if run.no_restore_reply() && !timed_out && !run.job.retried {
                run.job.retried = true;
                self.start_migration(run.job);
            } else {
                self.deliver(run.judge(Some(what)));
            }
        }
        for job in link.queue.drain(..) {
            self.start_migration(job);
        }
    }

    /// Forgets link `idx` and deregisters its socket; returns it.
    fn close_link(&mut self, idx: usize) -> Link {
        let mut link = self.state.migrations.links.remove(idx);
        self.state.migrations.by_name.remove(&link.name);
        let _ = self.poll.registry().deregister(&mut link.stream);
        link
    }

    /// Fails the links whose current stall lasted the job's timeout.
    pub(super) fn time_out_migrations(&mut self) {
        let now = Instant::now();
        let late: Vec<(usize, &'static str)> = self
            .state
            .migrations
            .links
            .iter()
            .filter_map(|(idx, l)| {
                let run = l.run.as_ref()?;
                let writing = !l.connected || run.written < run.out.len();
                (run.deadline <= now).then_some((idx, if writing { "writing" } else { "reading" }))
            })
            .collect();
        for (idx, what) in late {
            self.fail_link(idx, what, true);
        }
    }

    /// Timer: closes cached links idle for `CACHE_TTL`.
    pub(super) fn expire_migrate_links(&mut self) {
        let now = Instant::now();
        let idle: Vec<usize> = self
            .state
            .migrations
            .links
            .iter()
            .filter(|(_, l)| {
                l.run.is_none() && l.queue.is_empty() && now.duration_since(l.last_use) >= CACHE_TTL
            })
            .map(|(idx, _)| idx)
            .collect();
        for idx in idle {
            self.close_link(idx);
        }
    }

    /// Hands a finished job to its client's MIGRATE, run again now; a
    /// client gone or no longer blocked meanwhile gets nothing.
    fn deliver(&mut self, finished: Finished) {
        let (key, id) = (finished.job.client, finished.job.client_id);
        let waiting = self
            .clients
            .get(key)
            .is_some_and(|c| c.id == id && c.blocked.is_some());
        if !waiting {
            return;
        }
        self.state.migrations.finished.insert(key, finished);
        let client = &mut self.clients[key];
        let on = client.blocked.as_ref().expect("blocked in MIGRATE");
        let (command, command_id) = (on.command.clone(), on.command_id);
        let mut reply = std::mem::take(&mut client.reply);
        let mut ctx = Ctx {
            store: &mut self.store,
            out: &mut reply,
            db: client.db,
            server: &mut self.state,
            clients: &mut self.clients,
            me: key,
        };
        dispatch::serve_blocked(&mut ctx, command_id, command.as_argv());
        self.clients[key].reply = reply;
        self.state.migrations.finished.remove(&key);
        self.finish_blocking(key);
    }
}

/// The finished job of a connection that could not be made.
fn finished_with(job: Job, what: &'static str) -> Finished {
    let acked = vec![false; job.keys.len()];
    Finished {
        job,
        acked,
        verdict: Verdict::IoError(what),
    }
}

/// The address of `host:port` (the port read as C's `atoi` reads it).
/// A host name is resolved here, blocking the loop as long as the
/// resolver takes; an IP address does not.
fn resolve(host: &str, port: &str) -> Option<SocketAddr> {
    let digits: String = port
        .trim_start()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let port: u16 = digits.parse().unwrap_or(0);
    (host, port).to_socket_addrs().ok()?.next()
}

/// Writes the pipeline's rest, then reads reply lines, as far as the
/// socket allows without blocking; each progress pushes the deadline.
fn move_bytes(stream: &mut TcpStream, run: &mut Run) -> Result<(), Failure> {
    let write_error = Failure {
        what: "writing",
        timed_out: false,
    };
    let read_error = Failure {
        what: "reading",
        timed_out: false,
    };
    while run.written < run.out.len() {
        match stream.write(&run.out[run.written..]) {
            Ok(0) => return Err(write_error),
            Ok(n) => {
                run.written += n;
                run.deadline = stall_deadline(Instant::now(), run.job.timeout);
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return Err(write_error),
        }
    }
    let mut buf = [0u8; 16 * 1024];
    while run.lines.len() < run.expected_lines() {
        match stream.read(&mut buf) {
            Ok(0) => return Err(read_error),
            Ok(n) => {
                run.input.extend_from_slice(&buf[..n]);
                run.take_lines();
                run.deadline = stall_deadline(Instant::now(), run.job.timeout);
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return Err(read_error),
        }
    }
    Ok(())
}

/// Reads whatever an idle link received; false when the target closed it.
fn drain_idle(stream: &mut TcpStream) -> bool {
    let mut buf = [0u8; 1024];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return false,
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return true,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return false,
        }
    }
}
