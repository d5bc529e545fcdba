//! Before sleeping: the AOF write (and fsync for appendfsync always), then
//! pending replies; WRITABLE is registered only for sockets that would block.

use super::Server;
use log::warn;
use mio::{Interest, Token};

impl Server {
    /// Writes the AOF, then pending replies; closes clients marked for
    /// closing. With appendfsync always, replies wait until their writes
    /// are on disk.
    pub(super) fn before_sleep(&mut self) {
        // REPLICAOF acts before the loop sleeps, as Redis connects at once.
        if self.state.follower.relink {
            self.follower_cron();
        }
        self.replication_before_sleep();
        // MIGRATEs the commands just queued connect or send now.
        self.start_pending_migrations();
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
}
