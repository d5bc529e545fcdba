//! Client connections: bounded reads, parsing and running every complete
//! command, queued writes and closing.

use super::Server;
use crate::commands::{dispatch, Ctx};
use crate::resp::{parse_command, Argv, Parsed};
use crate::state::ClientKind;
use log::warn;
use std::time::Instant;

impl Server {
    /// A readiness event for client `key`: reads one budget of input and
    /// runs the complete commands in it. `closing`: the peer hung up, so
    /// reads go on (over iterations) until end of stream. A client queued
    /// to read again was served by [`Server::serve_pending_input`] this
    /// iteration already.
    pub(super) fn handle_readable(&mut self, key: usize, closing: bool) {
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
    pub(super) fn read_and_process(&mut self, key: usize) {
        let limit = self.state.config.client_query_buffer_limit as usize;
        let client = &mut self.clients[key];
        let outcome = client.read_input();
        self.state.net_input_bytes += outcome.bytes as u64;
        if client.kind == ClientKind::Master {
            self.state.follower.read_offset += outcome.bytes as i64;
        }
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
    pub(super) fn queue_read(&mut self, key: usize) {
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
    pub(super) fn serve_pending_input(&mut self) {
        self.serve_link_input();
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
    pub(super) fn process_query(&mut self, key: usize) {
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
        // The leader's stream: its bytes count in the replication offset.
        let master = client.kind == ClientKind::Master;
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
                Ok(Parsed::Empty { consumed }) => {
                    if master {
                        crate::replication::leader::proxy_leader_stream(
                            &mut self.state,
                            &mut self.clients,
                            &query[start..start + consumed],
                        );
                    }
                    start += consumed;
                }
                Ok(Parsed::Command { consumed, inline }) => {
                    let buf = if inline {
                        &scratch[..]
                    } else {
                        &query[start..end]
                    };
                    let argv = Argv::new(buf, &args);
                    if master && self.master_intercepts(argv, &mut reply) {
                        crate::replication::leader::proxy_leader_stream(
                            &mut self.state,
                            &mut self.clients,
                            &query[start..start + consumed],
                        );
                        start += consumed;
                        continue;
                    }
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
                    // The leader decides what expired: time stands still
                    // for its commands (as for the AOF loader).
                    let now_ms = self.store.now_ms;
                    if master {
                        self.store.now_ms = 0;
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
                    if master {
                        self.store.now_ms = now_ms;
                        crate::replication::leader::proxy_leader_stream(
                            &mut self.state,
                            &mut self.clients,
                            &query[start..start + consumed],
                        );
                    }
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
        if master {
            self.state.follower.cached_db = Some(db);
        }
        client.consume_query();
    }

    pub(super) fn queue_write(&mut self, key: usize) {
        if let Some(c) = self.clients.get_mut(key) {
            if !c.pending_write {
                c.pending_write = true;
                self.pending_writes.push(key);
            }
        }
    }

    pub(super) fn close_clients(&mut self) {
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
                if client.kind == ClientKind::Master {
                    self.master_client_closed(&client);
                }
                if client.replica.is_some() {
                    crate::replication::leader::detach(&mut self.state, key, &client);
                }
            }
        }
    }
}
