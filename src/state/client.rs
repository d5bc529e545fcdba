//! One client connection: its socket, its query and reply buffers, and the
//! per-connection state commands read and change.

use super::CommandId;
use crate::resp::{OwnedArgv, ParseProgress, Reply};
use mio::net::TcpStream;
use std::io::{self, Read, Write};
use std::net::IpAddr;
use std::ops::Range;
use std::time::Instant;

/// Bytes read from one client per loop iteration (Redis's PROTO_IOBUF_LEN):
/// a client pipelining a million commands gets this much parsed and run,
/// then the other clients get their turn. More when one incomplete command
/// is bigger (a large bulk), so it arrives in O(log size) reads.
pub const READ_BUDGET: usize = 16 * 1024;

/// Reply bytes written to one client per loop iteration before the others
/// get their turn (Redis's NET_MAX_WRITES_PER_EVENT).
pub const WRITE_BUDGET: usize = 64 * 1024;

/// What one budgeted read of a client socket found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReadOutcome {
    /// Bytes appended to the query buffer.
    pub bytes: usize,
    /// The peer closed its side (or the socket failed): nothing more comes.
    pub eof: bool,
    /// The read filled its budget: the socket may hold more.
    pub more: bool,
}

/// What one budgeted write of a client's reply did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WriteOutcome {
    /// Bytes the socket took.
    pub bytes: usize,
    /// The socket would block: wait for WRITABLE.
    pub would_block: bool,
}

/// CLIENT REPLY mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplyMode {
    /// Reply to every command.
    On,
    /// Reply to nothing.
    Off,
    /// CLIENT REPLY SKIP just ran: its own reply is dropped, then `Skip`.
    SkipNext,
    /// Drop the reply of the next command, then back to `On`.
    Skip,
}

/// A connected client.
pub struct Client {
    /// CLIENT ID: unique, increasing.
    pub id: u64,
    /// The socket; None for the server's own client replaying the AOF.
    pub stream: Option<TcpStream>,
    /// Peer address as `ip:port`.
    pub addr: String,
    /// Local address as `ip:port`.
    pub laddr: String,
    /// Bytes received, `query[start..end]` not yet parsed. The vector stays
    /// initialised to its full length so reads need no zeroing.
    pub query: Vec<u8>,
    pub query_start: usize,
    pub query_end: usize,
    /// The query buffer's size while the loop has it out to parse and run
    /// its commands (`query` is empty then); 0 otherwise.
    pub lent_query_len: usize,
    /// Argument ranges of the command being parsed (reused).
    pub args: Vec<Range<usize>>,
    /// Unquoted inline arguments (reused).
    pub scratch: Vec<u8>,
    /// How far the parser read an incomplete command at `query_start`.
    pub parse_progress: ParseProgress,
    /// Pending reply bytes and protocol version.
    pub reply: Reply,
    /// Bytes of `reply.buf` already written.
    pub sent: usize,
    /// Selected database.
    pub db: usize,
    /// CLIENT SETNAME.
    pub name: Vec<u8>,
    /// CLIENT SETINFO LIB-NAME / LIB-VER.
    pub lib_name: Vec<u8>,
    pub lib_ver: Vec<u8>,
    /// False until AUTH succeeds when requirepass is set.
    pub authenticated: bool,
    pub created: Instant,
    pub last_interaction: Instant,
    /// The last command run (CLIENT LIST `cmd=`).
    pub last_cmd: CommandId,
    pub reply_mode: ReplyMode,
    /// CLIENT NO-EVICT.
    pub no_evict: bool,
    /// Receives every command (MONITOR).
    pub monitor: bool,
    /// Close once the pending reply is written (QUIT, protocol error).
    pub close_after_reply: bool,
    /// ASKING was sent: the next command may use a slot being imported.
    pub asking: bool,
    /// READONLY was sent: a cluster replica serves its reads.
    pub cluster_readonly: bool,
    /// Close now, dropping pending output (CLIENT KILL, timeout).
    pub close_asap: bool,
    /// WRITABLE interest is registered (a write hit WouldBlock).
    pub writable_registered: bool,
    /// Queued in the server's pending-write list.
    pub pending_write: bool,
    /// Waiting on keys (BLPOP...): its input is not processed meanwhile.
    pub blocked: Option<Box<super::blocking::BlockedOn>>,
    /// Held by CLIENT PAUSE: its next command waits for the pause to end.
    pub postponed: bool,
    /// Inside MULTI: the queued commands.
    pub multi: Option<Transaction>,
    /// Keys this client WATCHes.
    pub watched: Vec<super::blocking::WaitKey>,
    /// The watched keys that had already expired when watched (they count
    /// as missing: see `state::watch`). Usually empty.
    pub watched_expired: Vec<super::blocking::WaitKey>,
    /// A watched key was modified: the next EXEC fails.
    pub watch_dirty: bool,
    /// Running EXEC's queued commands (blocking commands must not block).
    pub in_exec: bool,
    /// Pub/Sub subscriptions.
    pub subs: super::pubsub::Subscriptions,
    /// Since when the pending output has been over the soft limit.
    pub over_soft_limit_since: Option<Instant>,
    /// The peer shut its side down: read until end of stream.
    pub peer_closed: bool,
    /// Queued in the loop's list of clients to read again: the socket may
    /// hold input not read yet (the last read filled its budget), and no
    /// readiness edge will come for it.
    pub queued_for_input: bool,
    /// Normal, or the link to this replica's leader.
    pub kind: super::ClientKind,
    /// A replica of this server (or a client in its handshake): what
    /// REPLCONF told and where its sync stands (`replication::leader`).
    pub replica: Option<Box<crate::replication::leader::ReplicaLink>>,
    /// The replication offset right after this client's last write that
    /// went to the stream (what its WAIT waits for).
    pub repl_write_offset: i64,
}

/// A MULTI in progress.
#[derive(Default)]
pub struct Transaction {
    /// Commands queued for EXEC.
    pub queued: Vec<(CommandId, OwnedArgv)>,
    /// A command was refused while queueing: EXEC replies EXECABORT.
    pub aborted: bool,
}

impl Client {
    /// A client for a freshly accepted socket.
    pub fn new(id: u64, stream: TcpStream, authenticated: bool) -> Client {
        let addr = stream
            .peer_addr()
            .map(|a| a.to_string())
            .unwrap_or_default();
        let laddr = stream
            .local_addr()
            .map(|a| a.to_string())
            .unwrap_or_default();
        let mut client = Client::detached(id, authenticated);
        client.stream = Some(stream);
        client.addr = addr;
        client.laddr = laddr;
        client
    }

    /// A client with no socket: the server itself replaying the AOF.
    pub fn detached(id: u64, authenticated: bool) -> Client {
        let now = Instant::now();
        Client {
            id,
            stream: None,
            addr: String::new(),
            laddr: String::new(),
            query: Vec::new(),
            query_start: 0,
            query_end: 0,
            lent_query_len: 0,
            args: Vec::new(),
            scratch: Vec::new(),
            parse_progress: ParseProgress::default(),
            reply: Reply::default(),
            sent: 0,
            db: 0,
            name: Vec::new(),
            lib_name: Vec::new(),
            lib_ver: Vec::new(),
            authenticated,
            created: now,
            last_interaction: now,
            last_cmd: usize::MAX,
            reply_mode: ReplyMode::On,
            no_evict: false,
            monitor: false,
            close_after_reply: false,
            asking: false,
            cluster_readonly: false,
            close_asap: false,
            writable_registered: false,
            pending_write: false,
            blocked: None,
            postponed: false,
            multi: None,
            watched: Vec::new(),
            watched_expired: Vec::new(),
            watch_dirty: false,
            in_exec: false,
            subs: Default::default(),
            over_soft_limit_since: None,
            peer_closed: false,
            queued_for_input: false,
            kind: Default::default(),
            replica: None,
            repl_write_offset: 0,
        }
    }

    /// Size of the query buffer, also while it is lent to the parser.
    pub fn query_buffer_len(&self) -> usize {
        self.query.len().max(self.lent_query_len)
    }

    /// Unparsed bytes in the query buffer.
    pub fn query_len(&self) -> usize {
        self.query_end - self.query_start
    }

    /// Makes room for at least `want` more bytes at `query_end`: moves unparsed
    /// bytes to the front, or grows the buffer (doubling).
    pub fn reserve_query(&mut self, want: usize) {
        if self.query.len() - self.query_end >= want {
            return;
        }
        if self.query_start > 0 {
            self.query.copy_within(self.query_start..self.query_end, 0);
            self.query_end -= self.query_start;
            self.query_start = 0;
            if self.query.len() - self.query_end >= want {
                return;
            }
        }
        let new_len = (self.query.len() * 2).max(self.query_end + want);
        self.query.resize(new_len, 0);
    }

    /// Reads one budget's worth of input: [`READ_BUDGET`], more while a big
    /// bulk is being received (what it still needs, at most what is already
    /// buffered: the reads double, so a bulk of n bytes takes O(log n) of
    /// them, and the buffer never grows past twice what the peer really
    /// sent, whatever its length prefix announced). After the peer closed,
    /// short reads go on until end of stream or the budget (no new edge
    /// will come: the loop queues the client to go on).
    pub fn read_input(&mut self) -> ReadOutcome {
        let mut outcome = ReadOutcome::default();
        let buffered = self.query_len();
        let bulk_rest = self.parse_progress.needed_bytes().saturating_sub(buffered);
        let budget = READ_BUDGET.max(bulk_rest.min(buffered));
        while outcome.bytes < budget {
            let want = budget - outcome.bytes;
            self.reserve_query(want);
            let end = self.query_end;
            let Some(stream) = self.stream.as_mut() else {
                break;
            };
            match stream.read(&mut self.query[end..end + want]) {
                Ok(0) => {
                    outcome.eof = true;
                    return outcome;
                }
                Ok(n) => {
                    self.query_end += n;
                    outcome.bytes += n;
                    // A short read drained the socket: data arriving later
                    // raises a new edge, so the extra read that would return
                    // WouldBlock (one syscall per request) is skipped.
                    if n < want && !self.peer_closed {
                        return outcome;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return outcome,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => {
                    outcome.eof = true;
                    return outcome;
                }
            }
        }
        outcome.more = outcome.bytes >= budget;
        outcome
    }

    /// Writes pending reply bytes until the socket would block or, unless
    /// `unbounded`, [`WRITE_BUDGET`] bytes went out this call.
    pub fn write_output(&mut self, unbounded: bool) -> io::Result<WriteOutcome> {
        let mut outcome = WriteOutcome::default();
        let Some(stream) = self.stream.as_mut() else {
            // The AOF loader: nobody reads its replies.
            self.sent = self.reply.buf.len();
            return Ok(outcome);
        };
        while self.sent < self.reply.buf.len() {
            if outcome.bytes >= WRITE_BUDGET && !unbounded {
                break;
            }
            match stream.write(&self.reply.buf[self.sent..]) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => {
                    self.sent += n;
                    outcome.bytes += n;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    outcome.would_block = true;
                    break;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(outcome)
    }

    /// Memory of the queued MULTI commands (CLIENT LIST `multi-mem`).
    pub fn multi_memory(&self) -> usize {
        self.multi.as_ref().map_or(0, |t| {
            t.queued.capacity() * std::mem::size_of::<(CommandId, OwnedArgv)>()
                + t.queued
                    .iter()
                    .map(|(_, argv)| argv.heap_size())
                    .sum::<usize>()
        })
    }

    /// Everything this connection holds: the structure, its query and reply
    /// buffers, parse scratch, queued MULTI commands, a blocked command and
    /// watched keys (CLIENT LIST `tot-mem`, INFO `mem_clients_normal`).
    /// `reply` is the reply buffer in use: the client's own, or the one a
    /// running command of this client writes to (it is out of the client
    /// meanwhile). So is the query buffer, counted through
    /// [`Client::query_buffer_len`]; the running command's argument ranges
    /// and inline scratch are not counted (CLIENT LIST shows its arguments
    /// as `argv-mem`).
    pub fn memory_usage(&self, reply: &Reply) -> usize {
        let range = std::mem::size_of::<Range<usize>>();
        std::mem::size_of::<Client>()
            + self.query_buffer_len()
            + self.args.capacity() * range
            + self.scratch.capacity()
            + reply.buf.capacity()
            + self.multi_memory()
            + self.blocked.as_ref().map_or(0, |b| b.command.heap_size())
            + self.watched.iter().map(|(_, key)| key.len()).sum::<usize>()
    }

    /// Drops the parsed prefix; shrinks a large, idle buffer.
    pub fn consume_query(&mut self) {
        if self.query_start == self.query_end {
            self.query_start = 0;
            self.query_end = 0;
            if self.query.len() > 64 * 1024 {
                self.query = Vec::new();
            }
        }
    }
}

/// True for 127.0.0.0/8, ::1 and IPv4-mapped loopback addresses.
pub(crate) fn is_loopback(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_includes_v4_mapped_v6() {
        assert!(is_loopback("127.0.0.1".parse().unwrap()));
        assert!(is_loopback("127.5.6.7".parse().unwrap()));
        assert!(is_loopback("::1".parse().unwrap()));
        assert!(is_loopback("::ffff:127.0.0.1".parse().unwrap()));
        assert!(!is_loopback("10.0.0.1".parse().unwrap()));
        assert!(!is_loopback("::ffff:10.0.0.1".parse().unwrap()));
    }
}
