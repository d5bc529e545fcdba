//! Blocked clients: served once the unit that made their key ready has
//! finished (Redis's handleClientsBlockedOnKeys), timed out, unblocked by
//! CLIENT UNBLOCK or released when a CLIENT PAUSE ends.

use super::Server;
use crate::commands::{dispatch, Ctx};
use crate::state::{Release, WaitKey};
use std::time::Instant;

impl Server {
    /// Serves the clients waiting on keys that writes made ready, once the
    /// command or transaction that wrote is over: per key, oldest waiter
    /// first, each as long as the key then holds the type it waits for (a
    /// key deleted or overwritten with another type serves nobody; its
    /// waiters stay blocked).
    pub(super) fn serve_blocked_clients(&mut self) {
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
    pub(super) fn kind_of(&self, (db, key): &WaitKey) -> Option<crate::types::Kind> {
        let now = self.store.now_ms;
        self.store.dbs[*db]
            .peek(key)
            .filter(|e| !e.is_expired(now))
            .map(|e| e.kind())
    }

    /// Re-runs a blocked client's command, popping from `ready` only; true
    /// when it was served (replied).
    pub(super) fn rerun_blocked(&mut self, key: usize, ready: &[u8]) -> bool {
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
    pub(super) fn finish_blocking(&mut self, key: usize) {
        if let Some(on) = self.clients[key].blocked.take() {
            self.state.blocking.unblock(key, &on);
        }
        self.queue_write(key);
        if self.clients[key].query_len() > 0 {
            self.process_query(key);
        }
    }

    /// Replies the timeout value to blocked clients whose deadline passed.
    pub(super) fn time_out_blocked_clients(&mut self) {
        for key in self.state.blocking.timed_out(Instant::now()) {
            self.state
                .release_blocked(&mut self.clients, key, Release::TimedOut);
        }
        self.resume_unblocked();
    }

    /// Ends the pause when its time is over and runs the commands the held clients sent meanwhile, in order.
    pub(super) fn end_pause(&mut self) {
        let held = self.state.pause.end_if_over(Instant::now(), false);
        if !held.is_empty() {
            self.state.unblocked.extend(held);
            self.resume_unblocked();
        }
    }

    /// Sends the reply of clients released without being served and runs
    /// the input that waited behind their blocking command.
    pub(super) fn resume_unblocked(&mut self) {
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
}

impl Server {
    /// Cluster mode: releases the clients blocked on keys whose slot this
    /// node no longer serves, with -MOVED or -CLUSTERDOWN (Redis's
    /// clusterRedirectBlockedClientIfNeeded, from the timer).
    pub(super) fn redirect_blocked_clients(&mut self) {
        let Some(cluster) = self.state.cluster.as_ref() else {
            return;
        };
        let endpoint = self.state.config.cluster.preferred_endpoint_type;
        let specs = &crate::commands::table::registry().specs;
        let released: Vec<(usize, String)> = self
            .clients
            .iter()
            .filter_map(|(key, client)| {
                let on = client.blocked.as_ref()?;
                let (_, first) = on.keys.first()?;
                let write = specs[on.command_id].has(crate::commands::table::flags::WRITE);
                let redirect = crate::cluster::routing::blocked_redirect(
                    cluster,
                    first,
                    client.cluster_readonly,
                    write,
                )?;
                Some((key, redirect.message(cluster, endpoint)))
            })
            .collect();
        for (key, text) in released {
            self.state
                .release_blocked(&mut self.clients, key, Release::Redirected(text));
        }
        self.resume_unblocked();
    }
}
