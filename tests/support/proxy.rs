//! A fault-injection TCP proxy for tests: listens on a free loopback port,
//! forwards every accepted connection to a target port, and lets the test
//! thread delay, hold, cut or stall the traffic at run time (replication and
//! failover tests use it as the network between nodes).
//!
//! Each connection is a "link": the accepted client socket, the socket to the
//! target, and two pump threads (client → target, target → client). A pump
//! holds at most one chunk, so when a direction is held the proxy stops
//! reading and the sender's kernel buffers fill up: data is held, never lost.
//! Every wait is a bounded Condvar wait or a socket timeout; a fault change,
//! a cut or the proxy's drop wakes the waiters at once.

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The most a pump reads (and so holds) at a time.
const CHUNK: usize = 16 * 1024;
/// Longest single sleep of a waiting thread before it re-checks its state
/// (wake-ups normally come earlier, through the Condvar or a shutdown).
const STEP: Duration = Duration::from_millis(100);
/// How long the proxy tries to connect to its target.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// How long dropping the proxy may wait for its threads to end.
const JOIN_DEADLINE: Duration = Duration::from_secs(5);

/// Which way bytes travel through the proxy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// From the connecting client to the target (requests).
    ToTarget,
    /// From the target back to the client (replies, a replication stream).
    ToClient,
}

impl Direction {
    fn index(self) -> usize {
        match self {
            Direction::ToTarget => 0,
            Direction::ToClient => 1,
        }
    }
}

/// A running proxy; dropping it closes every connection and joins every
/// thread it started.
pub struct Proxy {
    /// The loopback port clients connect to.
    pub port: u16,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

/// The faults in force, read by the pumps before every read and write.
#[derive(Default)]
struct Faults {
    /// How long each chunk waits after it is read.
    delay: Duration,
    /// Partition: nothing moves either way, new links wait to connect.
    blocked: bool,
    /// Per direction: bytes that way are held (asymmetric partition).
    held: [bool; 2],
    /// Armed by `drop_after`: bytes still allowed that way before the cut.
    budget: Option<(Direction, u64)>,
}

impl Faults {
    fn holds(&self, dir: Direction) -> bool {
        self.blocked || self.held[dir.index()]
    }
}

/// State shared by the proxy handle, its acceptor and its pumps.
struct Shared {
    /// The proxy's own port.
    port: u16,
    target: SocketAddr,
    faults: Mutex<Faults>,
    /// Signalled on every fault change and every link close.
    changed: Condvar,
    stopping: AtomicBool,
    accepted: AtomicUsize,
    forwarded: [AtomicU64; 2],
    /// Links not yet known to be closed (pruned as they close).
    links: Mutex<Vec<Arc<Link>>>,
    /// Link and pump threads, joined on drop (finished ones are pruned).
    threads: Mutex<Vec<JoinHandle<()>>>,
}

/// One proxied connection.
struct Link {
    client: TcpStream,
    /// Set once the proxy has connected to the target.
    target: OnceLock<TcpStream>,
    closed: AtomicBool,
    /// Pumps still running; the link closes when the last one ends.
    pumps_left: AtomicUsize,
}

impl Link {
    fn is_closed(&self) -> bool {
        self.closed.load(Ordering::SeqCst)
    }

    /// Closes both sockets both ways; blocked reads and writes on them
    /// return at once. Idempotent.
    fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        let _ = self.client.shutdown(Shutdown::Both);
        if let Some(target) = self.target.get() {
            let _ = target.shutdown(Shutdown::Both);
        }
    }

    /// Records the target socket; false (and the socket shut) when the link
    /// was closed meanwhile.
    fn attach(&self, target: TcpStream) -> bool {
        let _ = self.target.set(target);
        if self.is_closed() {
            self.close();
            return false;
        }
        true
    }
}

impl Proxy {
    /// Starts a proxy on a free 127.0.0.1 port forwarding every connection
    /// to 127.0.0.1:`target_port`, with no fault in force.
    pub fn start(target_port: u16) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the proxy");
        let port = listener.local_addr().unwrap().port();
        let shared = Arc::new(Shared {
            port,
            target: SocketAddr::from(([127, 0, 0, 1], target_port)),
            faults: Mutex::new(Faults::default()),
            changed: Condvar::new(),
            stopping: AtomicBool::new(false),
            accepted: AtomicUsize::new(0),
            forwarded: [AtomicU64::new(0), AtomicU64::new(0)],
            links: Mutex::new(Vec::new()),
            threads: Mutex::new(Vec::new()),
        });
        let acceptor = {
            let shared = Arc::clone(&shared);
            std::thread::Builder::new()
                .name(thread_name(port))
                .spawn(move || accept_loop(&shared, listener))
                .unwrap()
        };
        Proxy {
            port,
            shared,
            acceptor: Some(acceptor),
        }
    }

    /// Every chunk read from now on waits `delay` before it is forwarded,
    /// both ways (a stream of chunks slows down too); ZERO turns it off.
    pub fn set_delay(&self, delay: Duration) {
        self.shared.change(|f| f.delay = delay);
    }

    /// Closes every current connection both ways (the client reads EOF or a
    /// reset, the target sees the client go); keeps accepting new ones.
    pub fn cut(&self) {
        self.shared.cut();
    }

    /// Partition: existing connections stop forwarding both ways (what was
    /// sent is held, not lost, and delivered after `unblock`); new
    /// connections are accepted but reach the target only after `unblock`.
    pub fn block(&self) {
        self.shared.change(|f| f.blocked = true);
    }

    /// Ends the partition of `block`: held bytes and connections go through.
    pub fn unblock(&self) {
        self.shared.change(|f| f.blocked = false);
    }

    /// Asymmetric partition: while `held`, bytes going `dir` wait in the
    /// proxy and the sender's buffers (not lost); the other way flows.
    pub fn one_way(&self, dir: Direction, held: bool) {
        self.shared.change(|f| f.held[dir.index()] = held);
    }

    /// Once `n` more bytes have been forwarded `dir` (counted over all
    /// connections from now), forwards exactly those and then cuts every
    /// connection as `cut` does. One-shot: later traffic flows normally.
    pub fn drop_after(&self, n: u64, dir: Direction) {
        self.shared.change(|f| f.budget = Some((dir, n)));
    }

    /// A client that stops reading: while `stalled` the proxy reads nothing
    /// from the target, whose socket and then output buffer fill up
    /// (the same as `one_way(Direction::ToClient, stalled)`).
    pub fn stall_reads(&self, stalled: bool) {
        self.one_way(Direction::ToClient, stalled);
    }

    /// Bytes forwarded `dir` so far (counted once written to the receiver).
    pub fn forwarded(&self, dir: Direction) -> u64 {
        self.shared.forwarded[dir.index()].load(Ordering::SeqCst)
    }

    /// Connections accepted so far (counted as the proxy accepts them).
    pub fn connections(&self) -> usize {
        self.shared.accepted.load(Ordering::SeqCst)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        // Wake the acceptor from its blocking accept.
        let _ = TcpStream::connect_timeout(&SocketAddr::from(([127, 0, 0, 1], self.port)), STEP);
        let deadline = Instant::now() + JOIN_DEADLINE;
        if let Some(acceptor) = self.acceptor.take() {
            join_by(acceptor, deadline);
        }
        self.shared.cut();
        // A link thread may still start its second pump: join until none is left.
        loop {
            let threads = std::mem::take(&mut *lock(&self.shared.threads));
            if threads.is_empty() {
                break;
            }
            for t in threads {
                join_by(t, deadline);
            }
        }
    }
}

/// Joins `thread` once it has finished; panics (unless already unwinding)
/// if it still runs at `deadline`, so a stuck proxy fails the test instead
/// of hanging it.
fn join_by(thread: JoinHandle<()>, deadline: Instant) {
    while !thread.is_finished() {
        if Instant::now() >= deadline {
            assert!(
                std::thread::panicking(),
                "a proxy thread still runs after the proxy dropped"
            );
            return;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let _ = thread.join();
}

/// The name of every thread of the proxy on `port` (at most 15 bytes, so
/// Linux shows it whole in /proc/self/task/*/comm).
pub fn thread_name(port: u16) -> String {
    format!("proxy{port}")
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Shared {
    /// Applies a fault change and wakes every waiting pump.
    fn change(&self, f: impl FnOnce(&mut Faults)) {
        f(&mut lock(&self.faults));
        self.changed.notify_all();
    }

    /// Wakes the waiters after a link closed (taking the lock first, so a
    /// waiter cannot miss it between its check and its wait).
    fn wake(&self) {
        drop(lock(&self.faults));
        self.changed.notify_all();
    }

    fn cut(&self) {
        for link in std::mem::take(&mut *lock(&self.links)) {
            link.close();
        }
        self.wake();
    }

    /// Starts a thread named `proxy<port>` (tests count them in /proc).
    fn spawn(&self, f: impl FnOnce() + Send + 'static) {
        let handle = std::thread::Builder::new()
            .name(thread_name(self.port))
            .spawn(f)
            .unwrap();
        let mut threads = lock(&self.threads);
        threads.retain(|t| !t.is_finished());
        threads.push(handle);
    }

    /// Waits until `open(faults)`; false when the link closed first.
    fn wait_for(&self, link: &Link, open: impl Fn(&Faults) -> bool) -> bool {
        let mut faults = lock(&self.faults);
        loop {
            if link.is_closed() {
                return false;
            }
            if open(&faults) {
                return true;
            }
            faults = match self.changed.wait_timeout(faults, STEP) {
                Ok((guard, _)) => guard,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
    }

    /// Sleeps until `until`; false when the link closed first.
    fn sleep_until(&self, link: &Link, until: Instant) -> bool {
        let mut faults = lock(&self.faults);
        loop {
            if link.is_closed() {
                return false;
            }
            let now = Instant::now();
            if now >= until {
                return true;
            }
            faults = match self.changed.wait_timeout(faults, (until - now).min(STEP)) {
                Ok((guard, _)) => guard,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
    }

    /// How many of `len` bytes going `dir` may be forwarded, and whether to
    /// cut every connection after them (the `drop_after` budget ran out).
    fn take_budget(&self, dir: Direction, len: usize) -> (usize, bool) {
        let mut faults = lock(&self.faults);
        match faults.budget {
            Some((way, left)) if way == dir => {
                let allowed = (len as u64).min(left);
                if allowed == left {
                    faults.budget = None;
                    (allowed as usize, true)
                } else {
                    faults.budget = Some((way, left - allowed));
                    (allowed as usize, false)
                }
            }
            _ => (len, false),
        }
    }
}

fn accept_loop(shared: &Arc<Shared>, listener: TcpListener) {
    for client in listener.incoming() {
        if shared.stopping.load(Ordering::SeqCst) {
            return;
        }
        let Ok(client) = client else { continue };
        shared.accepted.fetch_add(1, Ordering::SeqCst);
        if configure(&client).is_err() {
            continue;
        }
        let link = Arc::new(Link {
            client,
            target: OnceLock::new(),
            closed: AtomicBool::new(false),
            pumps_left: AtomicUsize::new(2),
        });
        {
            let mut links = lock(&shared.links);
            links.retain(|l| !l.is_closed());
            links.push(Arc::clone(&link));
        }
        let for_thread = Arc::clone(shared);
        shared.spawn(move || run_link(&for_thread, &link));
    }
}

/// No Nagle delay (a held-back small write would skew timings) and socket
/// timeouts so a pump re-checks its state at least every `STEP`.
fn configure(s: &TcpStream) -> std::io::Result<()> {
    s.set_nodelay(true)?;
    s.set_read_timeout(Some(STEP))?;
    s.set_write_timeout(Some(STEP))
}

/// Connects the link to the target (once no partition holds it), then runs
/// the client → target pump here and the other one on a second thread.
fn run_link(shared: &Arc<Shared>, link: &Arc<Link>) {
    if !shared.wait_for(link, |f| !f.blocked) {
        return; // cut or dropped while held
    }
    let target = match TcpStream::connect_timeout(&shared.target, CONNECT_TIMEOUT) {
        Ok(t) if configure(&t).is_ok() => t,
        _ => {
            link.close();
            return shared.wake();
        }
    };
    let streams = (|| {
        Some((
            link.client.try_clone().ok()?,
            link.client.try_clone().ok()?,
            target.try_clone().ok()?,
            target.try_clone().ok()?,
        ))
    })();
    if !link.attach(target) {
        return;
    }
    let Some((client_in, client_out, target_in, target_out)) = streams else {
        link.close();
        return shared.wake();
    };
    let (pump_shared, pump_link) = (Arc::clone(shared), Arc::clone(link));
    shared.spawn(move || {
        pump(
            &pump_shared,
            &pump_link,
            Direction::ToClient,
            target_in,
            client_out,
        )
    });
    pump(shared, link, Direction::ToTarget, client_in, target_out);
}

/// Moves bytes `dir` from `from` to `to` under the faults in force until
/// either side closes or the link is cut. An EOF is passed on as a
/// half-close; any error closes the whole link.
fn pump(shared: &Shared, link: &Link, dir: Direction, mut from: TcpStream, mut to: TcpStream) {
    let mut chunk = vec![0u8; CHUNK];
    let clean_eof = loop {
        if !shared.wait_for(link, |f| !f.holds(dir)) {
            break false;
        }
        let n = match from.read(&mut chunk) {
            Ok(0) => break true,
            Ok(n) => n,
            Err(e) if retryable(&e) => continue,
            Err(_) => break false,
        };
        let delay = lock(&shared.faults).delay;
        if !delay.is_zero() && !shared.sleep_until(link, Instant::now() + delay) {
            break false;
        }
        if !shared.wait_for(link, |f| !f.holds(dir)) {
            break false;
        }
        let (allowed, then_cut) = shared.take_budget(dir, n);
        if !write_fully(link, &mut to, &chunk[..allowed]) {
            break false;
        }
        shared.forwarded[dir.index()].fetch_add(allowed as u64, Ordering::SeqCst);
        if then_cut {
            shared.cut();
            break false;
        }
    };
    if clean_eof {
        let _ = to.shutdown(Shutdown::Write);
    }
    if !clean_eof || link.pumps_left.fetch_sub(1, Ordering::SeqCst) == 1 {
        link.close();
        shared.wake();
    }
}

/// Writes all of `bytes` unless the link closes or the receiver fails.
fn write_fully(link: &Link, to: &mut TcpStream, mut bytes: &[u8]) -> bool {
    while !bytes.is_empty() {
        if link.is_closed() {
            return false;
        }
        match to.write(bytes) {
            Ok(0) => return false,
            Ok(n) => bytes = &bytes[n..],
            Err(e) if retryable(&e) => {}
            Err(_) => return false,
        }
    }
    true
}

/// A socket timeout or an interrupted call: check the state and go on.
fn retryable(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted
    )
}
