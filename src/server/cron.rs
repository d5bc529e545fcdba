//! The periodic timer (`hz` times a second): active expiry, client
//! timeouts, statistics, background persistence.

use super::Server;
use crate::metrics::http;
use crate::state::Removal;
use std::time::{Duration, Instant};

impl Server {
    /// The periodic timer: instantaneous rates, active expiry, idle-client
    /// timeouts, end of eviction episodes, memory peak, background saves and
    /// AOF fsyncs.
    pub(super) fn cron(&mut self) {
        self.state.sample_instantaneous();
        self.follower_cron();
        self.state.persistence_cron(&self.store);
        self.replication_cron();
        self.expire_migrate_links();
        self.state.refresh_cluster_state();
        self.redirect_blocked_clients();
        self.cluster_bus_cron();
        let cfg = &self.state.config;
        let hz = cfg.hz.max(1) as u64;
        // Like Redis: 25% of each timer period on active expiry, +2% per effort step.
        let percent = 25 + 2 * (cfg.active_expire_effort.max(1) as u64 - 1);
        let budget = Duration::from_micros(1_000_000 / hz * percent / 100);
        // A pause deletes no key by itself (Redis: no active expiry then).
        // A replica never expires keys itself: its leader's DELs do.
        let no_active_expiry =
            self.state.pause.is_on(Instant::now()) || self.state.follower.is_replica();
        let expired = if no_active_expiry {
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
                        && c.kind == crate::state::ClientKind::Normal
                        && c.blocked.is_none()
                        && crate::replication::leader::replica_of(c).is_none()
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
