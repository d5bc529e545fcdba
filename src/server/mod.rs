//! The event loop: one `mio::Poll` owns the listeners, every client socket,
//! the dataset and the timers. No locks, no thread per connection.
//!
//! Each iteration: wait for readiness (or the next timer) → accept / read and
//! run every complete command → timers (active expiry, client timeouts) →
//! before sleeping, write pending replies, registering WRITABLE only for the
//! sockets that would block.

mod blocking;
mod client;
mod instant;
mod latency;
mod loading;
mod notify;
mod pause;
mod persist;
mod propagate;
mod pubsub;
mod slowlog;
mod state;
mod watch;

pub use blocking::{BlockedOn, Blocking, Release, TimeoutReply, WaitKey};
pub use client::{Client, ReplyMode, Transaction};
pub use instant::Instantaneous;
pub use latency::LatencyMonitor;
pub use loading::LoadError;
pub use notify::class as event_class;
pub use notify::{flags_to_string as notify_flags_to_string, parse_flags as parse_notify_flags};
pub use pause::{Pause, PauseMode};
pub use persist::{Loading, Persistence};
pub use propagate::Propagation;
pub use pubsub::{PubSub, Scope, Subscriptions};
pub use slowlog::{SlowEntry, SlowLog};
pub use state::{quote_arg, unix_ms, Removal, ServerState, Shutdown};
pub use watch::Presence;
pub use watch::Watches;

use crate::commands::{dispatch, Ctx};
use crate::config::Config;
use crate::metrics::{self, http, http::HttpConn, http::Progress, http::Route};
use crate::resp::{parse_command, Argv, Parsed};
use crate::store::expire::ActiveExpire;
use crate::store::{AccessClock, Store};
use log::{info, warn};
use mio::net::TcpListener;
use mio::{Events, Interest, Poll, Token};
use slab::Slab;
use std::io::{self, Write};
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Token plan: clients use their slab keys (small numbers); metrics HTTP
/// connections start at HTTP_TOKEN_BASE; listeners sit at the very top.
const HTTP_TOKEN_BASE: usize = usize::MAX / 2;
const LISTENER_TOKEN_BASE: usize = usize::MAX - 64;
const METRICS_LISTENER_BASE: usize = usize::MAX - 32;

/// Redis 7.0's protected-mode refusal, word for word (its typo included).
const DENIED: &str = "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Setup a an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n";

/// The running server.
pub struct Server {
    poll: Poll,
    listeners: Vec<TcpListener>,
    /// Listeners of the metrics HTTP port (empty when metrics-port is 0).
    metrics_listeners: Vec<TcpListener>,
    /// Metrics HTTP connections (tokens from HTTP_TOKEN_BASE).
    http: Slab<HttpConn>,
    clients: Slab<Client>,
    store: Store,
    state: ServerState,
    expire: ActiveExpire,
    /// Clients with output to write before sleeping.
    pending_writes: Vec<usize>,
    /// Clients whose socket may hold more input than the last read took.
    pending_input: Vec<usize>,
    /// A client's write stopped at its budget, not at a full socket: the
    /// next poll must not sleep.
    output_left: bool,
    /// Clients to close before sleeping.
    to_close: Vec<usize>,
    stop: Arc<AtomicBool>,
}

impl Server {
    /// Binds the configured addresses and prepares the loop. `stop` is set by
    /// the signal handlers.
    pub fn bind(config: Config, stop: Arc<AtomicBool>) -> Result<Server, String> {
        let poll = Poll::new().map_err(|e| format!("cannot create poll: {e}"))?;
        let mut listeners = bind_all(&config.bind, config.port, "port", config.tcp_backlog)?;
        register_all(&poll, &mut listeners, LISTENER_TOKEN_BASE)?;
        let mut metrics_listeners = if config.metrics_port > 0 {
            bind_all(
                &config.bind,
                config.metrics_port,
                "metrics-port",
                config.tcp_backlog,
            )?
        } else {
            Vec::new()
        };
        register_all(&poll, &mut metrics_listeners, METRICS_LISTENER_BASE)?;
        let port = listeners[0]
            .local_addr()
            .map(|a| a.port())
            .unwrap_or(config.port);
        let store = Store::new(config.databases);
        Ok(Server {
            poll,
            listeners,
            metrics_listeners,
            http: Slab::new(),
            clients: Slab::new(),
            store,
            state: ServerState::new(config, port),
            expire: ActiveExpire::default(),
            pending_writes: Vec::new(),
            pending_input: Vec::new(),
            output_left: false,
            to_close: Vec::new(),
            stop,
        })
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.state.port
    }

    /// Runs until SHUTDOWN or a signal.
    pub fn run(&mut self) -> io::Result<()> {
        let mut events = Events::with_capacity(1024);
        let mut next_cron = Instant::now();
        self.refresh_clock();
        loop {
            let wake_at = [
                self.state.blocking.next_deadline(),
                self.state.pause.deadline(),
            ]
            .into_iter()
            .flatten()
            .fold(next_cron, Instant::min);
            // Input or output left over by a budget is served without sleeping.
            let timeout = if self.pending_input.is_empty() && !self.output_left {
                wake_at.saturating_duration_since(Instant::now())
            } else {
                Duration::ZERO
            };
            match self.poll.poll(&mut events, Some(timeout)) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
            // Cleared: a later signal tries again if this one cannot stop.
            if self.stop.swap(false, Ordering::Relaxed) && self.persist_on_signal() {
                info!(target: "server", "shutdown reason=signal");
                break;
            }
            self.refresh_clock();
            // Clients left over from the last iteration first, then the
            // new events: an event for a client already served this
            // iteration is skipped, so each gets one budget per iteration.
            self.serve_pending_input();
            self.handle_events(&events);
            if !self.state.blocking.is_empty() {
                self.time_out_blocked_clients();
            }
            self.end_pause();
            if Instant::now() >= next_cron {
                self.cron();
                let hz = self.state.config.hz.max(1);
                next_cron = Instant::now() + Duration::from_millis(1000 / hz as u64);
            }
            self.before_sleep();
            if self.state.shutdown.is_some() {
                info!(target: "server", "shutdown reason=command");
                break;
            }
        }
        self.before_sleep();
        info!(target: "server", "exit status=ok");
        Ok(())
    }

    /// SIGTERM/SIGINT: persists as SHUTDOWN without arguments would. False
    /// when the data could not be made durable: like Redis, the server then
    /// keeps running rather than exit and lose it.
    fn persist_on_signal(&mut self) -> bool {
        let save = !self.state.config.save.is_empty();
        match self.state.persist_for_shutdown(&self.store, save) {
            Ok(()) => true,
            Err(e) => {
                warn!(target: "server", "shutdown_refused reason=signal error=\"{e}\" effect=still_running");
                false
            }
        }
    }

    /// Accepts, reads and runs what the readiness events say.
    fn handle_events(&mut self, events: &Events) {
        for event in events.iter() {
            let token = event.token().0;
            if token >= METRICS_LISTENER_BASE {
                self.accept_http(token - METRICS_LISTENER_BASE);
                continue;
            }
            if token >= LISTENER_TOKEN_BASE {
                self.accept(token - LISTENER_TOKEN_BASE);
                continue;
            }
            if token >= HTTP_TOKEN_BASE {
                self.handle_http(token - HTTP_TOKEN_BASE);
                continue;
            }
            let closing = event.is_read_closed() || event.is_error();
            if event.is_readable() || closing {
                self.handle_readable(token, closing);
            }
            if event.is_writable() && self.clients.contains(token) {
                self.queue_write(token);
            }
        }
    }

    fn refresh_clock(&mut self) {
        let now = unix_ms();
        let cfg = &self.state.config;
        self.store.now_ms = now;
        self.store.access = AccessClock::for_policy(
            cfg.maxmemory_policy,
            now,
            cfg.lfu_log_factor,
            cfg.lfu_decay_time,
        );
    }

    fn accept(&mut self, index: usize) {
        loop {
            let (mut stream, peer) = match self.listeners[index].accept() {
                Ok(x) => x,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    warn!(target: "net", "accept_failed error=\"{e}\"");
                    return;
                }
            };
            self.state.connections_received += 1;
            let cfg = &self.state.config;
            if self.clients.len() >= cfg.maxclients {
                let _ = stream.write(b"-ERR max number of clients reached\r\n");
                self.state.rejected_connections += 1;
                continue;
            }
            if cfg.protected_mode && cfg.requirepass.is_empty() && !is_loopback(peer.ip()) {
                let _ = stream.write(DENIED.as_bytes());
                self.state.rejected_connections += 1;
                continue;
            }
            let _ = stream.set_nodelay(true);
            set_keepalive(&stream, self.state.config.tcp_keepalive);
            let id = self.state.next_client_id;
            self.state.next_client_id += 1;
            let entry = self.clients.vacant_entry();
            let key = entry.key();
            if key >= HTTP_TOKEN_BASE {
                continue;
            }
            if let Err(e) =
                self.poll
                    .registry()
                    .register(&mut stream, Token(key), Interest::READABLE)
            {
                warn!(target: "net", "register_failed error=\"{e}\"");
                continue;
            }
            let authenticated = self.state.config.requirepass.is_empty();
            log::debug!(target: "net", "client_connected id={id} addr={peer}");
            entry.insert(Client::new(id, stream, authenticated));
        }
    }

    /// A readiness event for client `key`: reads one budget of input and
    /// runs the complete commands in it. `closing`: the peer hung up, so
    /// reads go on (over iterations) until end of stream. A client queued
    /// to read again was served by [`Server::serve_pending_input`] this
    /// iteration already.
    fn handle_readable(&mut self, key: usize, closing: bool) {
        let Some(client) = self.clients.get_mut(key) else {
            return;
        };
        client.peer_closed |= closing;
        if !client.queued_for_input {
            self.read_and_process(key);
        }
    }

    /// Reads one budget of the client's input ([`client::READ_BUDGET`]),
    /// runs every complete command read, and queues the client to be read
    /// again next iteration when its socket may hold more: one client's
    /// pipeline never holds the loop longer than one budget.
    fn read_and_process(&mut self, key: usize) {
        let limit = self.state.config.client_query_buffer_limit as usize;
        let client = &mut self.clients[key];
        let outcome = client.read_input();
        self.state.net_input_bytes += outcome.bytes as u64;
        self.state.reads_processed += 1;
        if client.query_len() > limit {
            warn!(
                target: "net",
                "client_closed reason=query_buffer_limit id={} addr={}",
                client.id, client.addr
            );
            client.close_asap = true;
        }
        client.last_interaction = Instant::now();
        if !client.close_asap {
            self.process_query(key);
        }
        let client = &mut self.clients[key];
        if outcome.eof || client.close_asap {
            self.to_close.push(key);
        } else if outcome.more {
            self.queue_read(key);
        }
        self.queue_write(key);
    }

    /// Queues client `key` to be read again on the next iteration.
    fn queue_read(&mut self, key: usize) {
        let client = &mut self.clients[key];
        if !client.queued_for_input {
            client.queued_for_input = true;
            self.pending_input.push(key);
        }
    }

    /// Reads again the clients whose last read filled its budget. A
    /// blocked client is read too (its commands wait in the query buffer,
    /// up to client-query-buffer-limit, as in Redis): a peer that hangs up
    /// behind unread input can only be seen by reading up to its end (TCP
    /// holds the FIN behind the data, and the window stays shut while
    /// nothing is read).
    fn serve_pending_input(&mut self) {
        for key in std::mem::take(&mut self.pending_input) {
            let Some(client) = self.clients.get_mut(key) else {
                continue;
            };
            client.queued_for_input = false;
            if !client.close_asap && !client.close_after_reply {
                self.read_and_process(key);
            }
        }
    }

    /// Parses and runs every complete command in the client's query buffer.
    fn process_query(&mut self, key: usize) {
        let client = &mut self.clients[key];
        let query = std::mem::take(&mut client.query);
        client.lent_query_len = query.len();
        let mut args = std::mem::take(&mut client.args);
        let mut progress = client.parse_progress;
        let mut scratch = std::mem::take(&mut client.scratch);
        let mut reply = std::mem::take(&mut client.reply);
        let mut start = client.query_start;
        let end = client.query_end;
        let mut db = client.db;
        while start < end {
            let client = &self.clients[key];
            if client.close_after_reply || client.close_asap || client.blocked.is_some() {
                break;
            }
            // Per command: AUTH or CONFIG SET may have run just before.
            let limits = self.state.request_limits(client);
            let parsed = parse_command(
                &query[start..end],
                limits,
                &mut args,
                &mut scratch,
                &mut progress,
            );
            match parsed {
                Ok(Parsed::Incomplete) => break,
                Ok(Parsed::Empty { consumed }) => start += consumed,
                Ok(Parsed::Command { consumed, inline }) => {
                    let buf = if inline {
                        &scratch[..]
                    } else {
                        &query[start..end]
                    };
                    let argv = Argv::new(buf, &args);
                    // No clock read unless a pause was started.
                    let pause = match self.state.pause.deadline() {
                        Some(_) => self.state.pause.mode(Instant::now()),
                        None => None,
                    };
                    if pause.is_some_and(|m| dispatch::held_by_pause(m, &self.clients[key], argv)) {
                        // Left in the buffer: it runs when the pause ends.
                        self.state.pause.hold(key);
                        self.clients[key].postponed = true;
                        break;
                    }
                    let mut ctx = Ctx {
                        store: &mut self.store,
                        out: &mut reply,
                        db,
                        server: &mut self.state,
                        clients: &mut self.clients,
                        me: key,
                    };
                    dispatch::execute(&mut ctx, argv);
                    db = ctx.db;
                    start += consumed;
                    if self.state.blocking.has_ready() || !self.state.unblocked.is_empty() {
                        // Serve waiters before this client's next command, as
                        // Redis does: its reply buffer is out, so park it first.
                        let client = &mut self.clients[key];
                        std::mem::swap(&mut client.reply, &mut reply);
                        self.resume_unblocked();
                        self.serve_blocked_clients();
                        let client = &mut self.clients[key];
                        std::mem::swap(&mut client.reply, &mut reply);
                    }
                }
                Err(msg) => {
                    reply.error(&format!("ERR {msg}"));
                    self.state.record_error(&mut reply);
                    let client = &mut self.clients[key];
                    warn!(
                        target: "net",
                        "protocol_error id={} addr={} error=\"{msg}\"",
                        client.id, client.addr
                    );
                    client.close_after_reply = true;
                    start = end;
                }
            }
        }
        let client = &mut self.clients[key];
        client.query = query;
        client.lent_query_len = 0;
        client.args = args;
        client.parse_progress = progress;
        client.scratch = scratch;
        client.reply = reply;
        client.query_start = start;
        client.db = db;
        client.consume_query();
    }

    /// Serves the clients waiting on keys that writes made ready, once the
    /// command or transaction that wrote is over: per key, oldest waiter
    /// first, each as long as the key then holds the type it waits for (a
    /// key deleted or overwritten with another type serves nobody; its
    /// waiters stay blocked).
    fn serve_blocked_clients(&mut self) {
        loop {
            let ready = self.state.blocking.take_ready();
            if ready.is_empty() {
                return;
            }
            for wait_key in ready {
                for key in self.state.blocking.waiters_of(&wait_key) {
                    let Some(wants) = self.clients.get(key).and_then(|c| c.blocked.as_ref()) else {
                        continue;
                    };
                    let wants = wants.kind;
                    match self.kind_of(&wait_key) {
                        None => break,
                        Some(kind) if kind != wants => continue,
                        Some(_) => {
                            self.rerun_blocked(key, &wait_key.1);
                        }
                    }
                }
            }
        }
    }

    /// The type of the live value at `(db, key)`, if any.
    fn kind_of(&self, (db, key): &WaitKey) -> Option<crate::types::Kind> {
        let now = self.store.now_ms;
        self.store.dbs[*db]
            .peek(key)
            .filter(|e| !e.is_expired(now))
            .map(|e| e.kind())
    }

    /// Re-runs a blocked client's command, popping from `ready` only; true
    /// when it was served (replied).
    fn rerun_blocked(&mut self, key: usize, ready: &[u8]) -> bool {
        let client = &mut self.clients[key];
        let Some(on) = client.blocked.as_ref() else {
            return false;
        };
        let command = on.command.clone();
        let id = on.command_id;
        let mut reply = std::mem::take(&mut client.reply);
        let mut ctx = Ctx {
            store: &mut self.store,
            out: &mut reply,
            db: client.db,
            server: &mut self.state,
            clients: &mut self.clients,
            me: key,
        };
        ctx.server.blocking.set_serving(Some(ready.into()));
        let served = dispatch::serve_blocked(&mut ctx, id, command.as_argv());
        self.state.blocking.set_serving(None);
        self.clients[key].reply = reply;
        if served {
            self.finish_blocking(key);
        }
        served
    }

    /// Unblocks a served or timed-out client and resumes its pending input.
    fn finish_blocking(&mut self, key: usize) {
        if let Some(on) = self.clients[key].blocked.take() {
            self.state.blocking.unblock(key, &on);
        }
        self.queue_write(key);
        if self.clients[key].query_len() > 0 {
            self.process_query(key);
        }
    }

    /// Replies the timeout value to blocked clients whose deadline passed.
    fn time_out_blocked_clients(&mut self) {
        for key in self.state.blocking.timed_out(Instant::now()) {
            self.state
                .release_blocked(&mut self.clients, key, Release::TimedOut);
        }
        self.resume_unblocked();
    }

    /// Ends the pause when its time is over and runs the commands the held clients sent meanwhile, in order.
    fn end_pause(&mut self) {
        let held = self.state.pause.end_if_over(Instant::now(), false);
        if !held.is_empty() {
            self.state.unblocked.extend(held);
            self.resume_unblocked();
        }
    }

    /// Sends the reply of clients released without being served and runs
    /// the input that waited behind their blocking command.
    fn resume_unblocked(&mut self) {
        for key in std::mem::take(&mut self.state.unblocked) {
            let Some(client) = self.clients.get_mut(key) else {
                continue;
            };
            client.postponed = false;
            self.queue_write(key);
            if self.clients[key].query_len() > 0 {
                self.process_query(key);
            }
        }
    }

    fn accept_http(&mut self, index: usize) {
        loop {
            let (mut stream, _) = match self.metrics_listeners[index].accept() {
                Ok(x) => x,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    warn!(target: "metrics", "accept_failed error=\"{e}\"");
                    return;
                }
            };
            let entry = self.http.vacant_entry();
            let token = Token(HTTP_TOKEN_BASE + entry.key());
            if self
                .poll
                .registry()
                .register(&mut stream, token, Interest::READABLE)
                .is_ok()
            {
                entry.insert(HttpConn::new(stream));
            }
        }
    }

    /// Serves a metrics HTTP connection: read the request, answer, close.
    fn handle_http(&mut self, key: usize) {
        let Some(conn) = self.http.get_mut(key) else {
            return;
        };
        let progress = match conn.on_readable() {
            Progress::Request(route) => {
                let bytes = match route {
                    Route::Metrics => http::response(
                        "200 OK",
                        "text/plain; version=0.0.4; charset=utf-8",
                        &metrics::render(&self.state, &self.store, self.clients.len()),
                    ),
                    Route::Health => http::response("200 OK", "text/plain", "OK\n"),
                    Route::NotFound => http::response("404 Not Found", "text/plain", "not found\n"),
                    Route::MethodNotAllowed => {
                        http::response("405 Method Not Allowed", "text/plain", "GET only\n")
                    }
                    Route::BadRequest => {
                        http::response("400 Bad Request", "text/plain", "bad request\n")
                    }
                };
                conn.respond(bytes)
            }
            other => other,
        };
        match progress {
            Progress::Close => self.close_http(key),
            _ if conn.has_output() && !conn.writable_registered => {
                let token = Token(HTTP_TOKEN_BASE + key);
                let interest = Interest::READABLE | Interest::WRITABLE;
                let _ = self
                    .poll
                    .registry()
                    .reregister(&mut conn.stream, token, interest);
                conn.writable_registered = true;
            }
            _ => {}
        }
    }

    fn close_http(&mut self, key: usize) {
        if let Some(mut conn) = self.http.try_remove(key) {
            let _ = self.poll.registry().deregister(&mut conn.stream);
        }
    }

    fn queue_write(&mut self, key: usize) {
        if let Some(c) = self.clients.get_mut(key) {
            if !c.pending_write {
                c.pending_write = true;
                self.pending_writes.push(key);
            }
        }
    }

    /// Writes the AOF, then pending replies; closes clients marked for
    /// closing. With appendfsync always, replies wait until their writes
    /// are on disk.
    fn before_sleep(&mut self) {
        for key in std::mem::take(&mut self.state.wrote_to) {
            self.queue_write(key);
        }
        self.state.drop_released_segments();
        // With appendfsync always, the clients whose writes are not on disk
        // yet (the write failed; retried each iteration and timer tick until
        // the disk recovers) wait for their replies. Others are served.
        let held = if self.state.flush_aof() {
            self.state.awaiting_durability.clear();
            Vec::new()
        } else {
            self.state.awaiting_durability.clone()
        };
        let pending = std::mem::take(&mut self.pending_writes);
        let mut still_pending = Vec::new();
        self.output_left = false;
        // Over maxmemory, replies drain without a budget (they are memory too).
        let over_maxmemory = self.state.over_maxmemory();
        for &key in &pending {
            if held.contains(&key) {
                still_pending.push(key);
                continue;
            }
            let Some(client) = self.clients.get_mut(key) else {
                continue;
            };
            client.pending_write = false;
            if client.close_asap {
                continue;
            }
            let outcome = match client.write_output(over_maxmemory) {
                Ok(outcome) => outcome,
                Err(_) => {
                    self.to_close.push(key);
                    continue;
                }
            };
            self.state.net_output_bytes += outcome.bytes as u64;
            self.state.writes_processed += 1;
            let done = client.sent == client.reply.buf.len();
            if done {
                client.reply.buf.clear();
                client.sent = 0;
                if client.reply.buf.capacity() > 1024 * 1024 {
                    client.reply.buf = Vec::new();
                }
                if client.close_after_reply {
                    self.to_close.push(key);
                    continue;
                }
            }
            if !done && self.state.over_output_limit(client) {
                warn!(
                    target: "net",
                    "client_closed reason=output_buffer_limit id={} addr={}",
                    client.id, client.addr
                );
                self.to_close.push(key);
                continue;
            }
            if !done && !outcome.would_block {
                // Stopped at the write budget: the rest goes next iteration.
                client.pending_write = true;
                still_pending.push(key);
                self.output_left = true;
                continue;
            }
            let want_writable = !done;
            if want_writable != client.writable_registered {
                let interest = if want_writable {
                    Interest::READABLE | Interest::WRITABLE
                } else {
                    Interest::READABLE
                };
                if let Some(stream) = client.stream.as_mut() {
                    let _ = self
                        .poll
                        .registry()
                        .reregister(stream, Token(key), interest);
                }
                client.writable_registered = want_writable;
            }
        }
        self.pending_writes = pending;
        self.pending_writes.clear();
        self.pending_writes.append(&mut still_pending);
        self.close_clients();
    }

    fn close_clients(&mut self) {
        let mut closing = std::mem::take(&mut self.to_close);
        closing.append(&mut self.state.killed);
        for key in closing {
            if let Some(mut client) = self.clients.try_remove(key) {
                // The slab key goes to the next client accepted: nothing
                // queued for this one may reach it.
                if client.queued_for_input {
                    self.pending_input.retain(|&k| k != key);
                }
                if client.pending_write {
                    self.pending_writes.retain(|&k| k != key);
                }
                log::debug!(target: "net", "client_closed id={} addr={}", client.id, client.addr);
                if let Some(on) = client.blocked.take() {
                    self.state.blocking.unblock(key, &on);
                }
                self.state.watches.unwatch_all(key, &client.watched);
                self.state.awaiting_durability.retain(|&k| k != key);
                self.state.pubsub.unsubscribe_all(key, &client.subs);
                if let Some(stream) = client.stream.as_mut() {
                    let _ = self.poll.registry().deregister(stream);
                }
                self.state.monitors.retain(|&m| m != key);
                self.state.pause.forget(key);
            }
        }
    }

    /// The periodic timer: instantaneous rates, active expiry, idle-client
    /// timeouts, end of eviction episodes, memory peak, background saves and
    /// AOF fsyncs.
    fn cron(&mut self) {
        self.state.sample_instantaneous();
        self.state.persistence_cron(&self.store);
        let cfg = &self.state.config;
        let hz = cfg.hz.max(1) as u64;
        // Like Redis: 25% of each timer period on active expiry, +2% per effort step.
        let percent = 25 + 2 * (cfg.active_expire_effort.max(1) as u64 - 1);
        let budget = Duration::from_micros(1_000_000 / hz * percent / 100);
        // A pause deletes no key by itself (Redis: no active expiry then).
        let paused = self.state.pause.is_on(Instant::now());
        let expired = if paused {
            Vec::new()
        } else {
            self.expire.run(&mut self.store, budget)
        };
        for (db, key) in expired {
            self.state
                .on_key_removed(&mut self.clients, db, &key, Removal::Expired);
        }
        let stale: Vec<usize> = self
            .http
            .iter()
            .filter(|(_, c)| c.started.elapsed() > http::DEADLINE)
            .map(|(key, _)| key)
            .collect();
        for key in stale {
            self.close_http(key);
        }
        let timeout = self.state.config.timeout;
        if timeout > 0 {
            let idle_limit = Duration::from_secs(timeout);
            let now = Instant::now();
            let idle: Vec<usize> = self
                .clients
                .iter()
                .filter(|(_, c)| {
                    !c.monitor
                        && c.blocked.is_none()
                        && now.duration_since(c.last_interaction) > idle_limit
                })
                .map(|(key, _)| key)
                .collect();
            for key in idle {
                self.state.kill(&mut self.clients, key);
            }
        }
        self.state.check_eviction_stopped();
        let used = crate::alloc::used_memory();
        if used > self.state.peak_memory {
            self.state.peak_memory = used;
        }
    }
}

/// tcp-keepalive: probes after `seconds` idle, then every seconds/3, as Redis.
fn set_keepalive(stream: &mio::net::TcpStream, seconds: u64) {
    if seconds == 0 {
        return;
    }
    let period = Duration::from_secs(seconds);
    let keepalive = socket2::TcpKeepalive::new()
        .with_time(period)
        .with_interval(Duration::from_secs((seconds / 3).max(1)));
    if let Err(e) = socket2::SockRef::from(stream).set_tcp_keepalive(&keepalive) {
        log::debug!(target: "net", "keepalive_failed error=\"{e}\"");
    }
}

/// Binds `port` on every address of a bind spec (`127.0.0.1 -::1`; a
/// leading `-` makes an address optional) with a listen queue of
/// `backlog`. Errors name `field`.
fn bind_all(bind: &str, port: u16, field: &str, backlog: i32) -> Result<Vec<TcpListener>, String> {
    let mut listeners = Vec::new();
    for spec in bind.split_whitespace() {
        let (optional, addr) = match spec.strip_prefix('-') {
            Some(a) => (true, a),
            None => (false, spec),
        };
        let ip: IpAddr = match addr {
            "*" => "0.0.0.0".parse().unwrap(),
            "::*" => "::".parse().unwrap(),
            _ => addr
                .parse()
                .map_err(|_| format!("field 'bind': invalid address '{addr}'"))?,
        };
        match bind_listener(SocketAddr::new(ip, port), backlog) {
            Ok(l) => listeners.push(l),
            Err(e) if optional => {
                warn!(target: "net", "bind_skipped addr={addr} port={port} error=\"{e}\"")
            }
            Err(e) => {
                return Err(format!(
                    "field '{field}': could not listen on {addr}:{port}: {e}"
                ))
            }
        }
    }
    if listeners.is_empty() {
        return Err(format!("field 'bind': no address could be bound ({bind})"));
    }
    Ok(listeners)
}

fn register_all(
    poll: &Poll,
    listeners: &mut [TcpListener],
    token_base: usize,
) -> Result<(), String> {
    for (i, l) in listeners.iter_mut().enumerate() {
        poll.registry()
            .register(l, Token(token_base + i), Interest::READABLE)
            .map_err(|e| format!("cannot register listener: {e}"))?;
    }
    Ok(())
}

/// A non-blocking listener on `addr` with SO_REUSEADDR (IPV6_V6ONLY for IPv6
/// addresses) and a listen queue of `backlog` connections, as Redis's
/// anetTcpServer sets it up (std's bind would use a backlog of 128).
fn bind_listener(addr: SocketAddr, backlog: i32) -> io::Result<TcpListener> {
    use socket2::{Domain, Protocol, Socket, Type};
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    socket.set_reuse_address(true)?;
    if addr.is_ipv6() {
        socket.set_only_v6(true)?;
    }
    socket.set_nonblocking(true)?;
    socket.bind(&addr.into())?;
    socket.listen(backlog)?;
    Ok(TcpListener::from_std(socket.into()))
}

/// True for 127.0.0.0/8, ::1 and IPv4-mapped loopback addresses.
pub fn is_loopback(ip: IpAddr) -> bool {
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
