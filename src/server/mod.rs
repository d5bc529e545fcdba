//! The event loop: one `mio::Poll` owns the listeners, every client socket,
//! the dataset and the timers. No locks, no thread per connection.
//!
//! Each iteration: wait for readiness (or the next timer) → accept / read and
//! run every complete command → timers (active expiry, client timeouts) →
//! before sleeping, write pending replies, registering WRITABLE only for the
//! sockets that would block.

mod before_sleep;
mod blocked;
mod cluster_bus;
mod connection;
mod cron;
mod leader_link;
mod listeners;
mod loading;
mod metrics_port;
mod migrate;
mod replicas;
mod tokens;

pub use loading::LoadError;

use crate::commands::table::registry;
use crate::config::Config;
use crate::metrics::http::HttpConn;
use crate::state::{unix_ms, Client, ServerState};
use crate::store::expire::ActiveExpire;
use crate::store::{AccessClock, Store};
use listeners::{bind_all, register_all};
use log::{info, warn};
use mio::net::TcpListener;
use mio::{Events, Poll};
use slab::Slab;
use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokens::{
    HTTP_TOKEN_BASE, LEADER_LINK_TOKEN, LISTENER_TOKEN_BASE, METRICS_LISTENER_BASE,
    MIGRATE_TOKEN_BASE, WAKER_TOKEN,
};

/// The running server.
pub struct Server {
    poll: Poll,
    listeners: Vec<TcpListener>,
    /// Listeners of the metrics HTTP port (empty when metrics-port is 0).
    metrics_listeners: Vec<TcpListener>,
    /// Metrics HTTP connections (tokens from HTTP_TOKEN_BASE).
    http: Slab<HttpConn>,
    /// Cluster bus listeners (cluster mode; tokens from BUS_LISTENER_BASE).
    bus_listeners: Vec<TcpListener>,
    /// Cluster bus links (tokens from BUS_LINK_BASE).
    bus_links: Slab<cluster_bus::BusLink>,
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
        let waker = mio::Waker::new(poll.registry(), mio::Token(WAKER_TOKEN))
            .map_err(|e| format!("cannot create the loop's waker: {e}"))?;
        let cluster = if config.cluster.enabled {
            Some(crate::cluster::boot::load_or_create(&config, port)?)
        } else {
            None
        };
        let mut bus_listeners = match &cluster {
            Some(_) => {
                let bus_port = crate::cluster::boot::bus_port(&config, port);
                if bus_port == 0 {
                    return Err("Redis port number too high. Cluster communication port is 10,000 port numbers higher than your Redis port. Your Redis port number must be 55535 or less.".into());
                }
                bind_all(&config.bind, bus_port, "cluster-port", config.tcp_backlog)?
            }
            None => Vec::new(),
        };
        register_all(&poll, &mut bus_listeners, tokens::BUS_LISTENER_BASE)?;
        let mut state = ServerState::new(config, port, registry().specs.len());
        state.cluster = cluster;
        state.leader.waker = Some(Arc::new(waker));
        state
            .follower
            .follow(state.config.replica.replicaof.clone());
        // Nothing to drop yet; the first attempt waits for the data to load
        // (its snapshot may name the history to continue).
        state.follower.relink = false;
        Ok(Server {
            poll,
            listeners,
            metrics_listeners,
            http: Slab::new(),
            bus_listeners,
            bus_links: Slab::new(),
            clients: Slab::new(),
            store,
            state,
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
                self.state.migrations.next_deadline(),
            ]
            .into_iter()
            .flatten()
            .fold(next_cron, Instant::min);
            // Input or output left over by a budget is served without sleeping.
            let idle = !self.output_left && !self.state.follower.more_input;
            let timeout = if self.pending_input.is_empty() && idle {
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
            if !self.state.migrations.links.is_empty() {
                self.time_out_migrations();
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
            if token == LEADER_LINK_TOKEN {
                self.handle_link_event(event);
                continue;
            }
            if cluster_bus::is_bus_listener(token) {
                self.accept_bus(token - tokens::BUS_LISTENER_BASE);
                continue;
            }
            if (tokens::BUS_LINK_BASE..HTTP_TOKEN_BASE).contains(&token) {
                let closing = event.is_read_closed() || event.is_error();
                self.handle_bus_link(
                    token - tokens::BUS_LINK_BASE,
                    event.is_readable() || closing,
                    event.is_writable(),
                );
                continue;
            }
            if token == WAKER_TOKEN {
                // A background thread has work for the loop (before_sleep).
                continue;
            }
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
            if token >= MIGRATE_TOKEN_BASE {
                self.handle_migrate_event(token - MIGRATE_TOKEN_BASE);
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
}
