//! The loop's side of the leader: starting full-sync snapshots, sending
//! them to the replicas in bounded chunks, delivering the live stream to
//! online replicas, WAIT, keepalives and timeouts.
//!
//! Nothing here writes to a socket: bytes go to the replicas' output
//! buffers and the usual write path sends them. A replica's buffer is
//! topped up to [`HIGH_WATER`] at most, so a snapshot never sits in memory
//! whole, and more than one write budget is queued while more follows (the
//! write path then keeps the loop awake).

use super::Server;
use crate::persistence::rdb::{RdbMeta, ReplInfo};
use crate::replication::leader::{self, Settings, SyncState, GETACK, PING};
use crate::replication::sync::{Chunk, Transfer};
use log::{info, warn};
use std::os::unix::fs::FileExt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Unsent bytes a replica's output buffer is topped up to with snapshot
/// data: twice the write budget per iteration (client::WRITE_BUDGET).
const HIGH_WATER: usize = 128 * 1024;
/// Bytes of a snapshot file read at a time.
const FILE_CHUNK: usize = 64 * 1024;

impl Server {
    /// Before sleeping (before replies are written): answers the WAITs that
    /// are satisfied or timed out, drains the effect stream into the
    /// replication stream, sends GETACK for a new WAIT, starts or feeds
    /// full syncs and delivers the stream to online replicas.
    pub(super) fn replication_before_sleep(&mut self) {
        // First: a WAIT answered resumes its client's input, whose writes
        // then go out with this iteration's stream.
        self.answer_waits();
        leader::feed(&mut self.state, &mut self.clients);
        let l = &self.state.leader;
        if l.replicas.is_empty() && l.transfer.is_none() && l.waiting.is_empty() {
            self.state.leader.buffer_memory = 0;
            return;
        }
        if std::mem::take(&mut self.state.leader.getack_wanted) {
            leader::feed_raw(&mut self.state, &mut self.clients, GETACK);
        }
        if self.state.leader.full_sync_wanted {
            self.start_full_sync_if_due();
        }
        self.pump_transfer();
        self.send_snapshot_files();
        self.deliver_stream();
    }

    /// Starts a snapshot for the replicas waiting for a full sync when it
    /// may: a disk transfer is shared by replicas arriving while it is
    /// written; a diskless one waits repl-diskless-sync-delay (or for
    /// repl-diskless-sync-max-replicas) and for the one running to end.
    fn start_full_sync_if_due(&mut self) {
        let waiting: Vec<usize> = self
            .state
            .leader
            .replicas
            .iter()
            .copied()
            .filter(|&k| {
                self.clients
                    .get(k)
                    .and_then(leader::replica_of)
                    .is_some_and(|l| matches!(l.state, Some(SyncState::WaitStart)))
            })
            .collect();
        if waiting.is_empty() {
            self.state.leader.full_sync_wanted = false;
            self.state.leader.waiting_since = None;
            return;
        }
        let settings = Settings::of(&self.state.config);
        if let Some(t) = &self.state.leader.transfer {
            if !t.diskless() {
                self.join_disk_transfer(&waiting);
            }
            return;
        }
        let diskless = settings.diskless
            && waiting.iter().all(|&k| {
                self.clients[k]
                    .replica
                    .as_deref()
                    .is_some_and(|l| l.capa_eof && !l.legacy_sync)
            });
        if diskless && !settings.diskless_delay.is_zero() {
            let since = *self
                .state
                .leader
                .waiting_since
                .get_or_insert_with(Instant::now);
            let enough = settings.diskless_max_replicas > 0
                && waiting.len() >= settings.diskless_max_replicas;
            if !enough && since.elapsed() < settings.diskless_delay {
                return;
            }
        }
        self.state.leader.full_sync_wanted = false;
        self.state.leader.waiting_since = None;
        self.start_transfer(waiting, diskless);
    }

    /// Takes the snapshot for `targets` at the current stream offset and
    /// sends each its `+FULLRESYNC` (and the diskless `$EOF:` header).
    fn start_transfer(&mut self, targets: Vec<usize>, diskless: bool) {
        // What the stream holds so far is in the snapshot.
        leader::feed(&mut self.state, &mut self.clients);
        self.state.propagation.forget_replication_db();
        let offset = self.state.repl.offset;
        let replid = self.state.repl.ids.replid.as_str().to_string();
        let meta = RdbMeta {
            used_mem: crate::alloc::used_memory() as u64,
            aof_base: false,
            repl: Some(ReplInfo {
                stream_db: 0,
                replid: replid.clone(),
                offset,
            }),
        };
        let disk = (!diskless).then(|| temp_repl_path(&self.state.config.dir));
        let views = self.store.snapshot();
        let waker = self.state.leader.waker.clone();
        let compress = self.state.config.rdbcompression;
        let spawned = Transfer::spawn(views, meta, compress, disk, waker, offset, targets.clone());
        let transfer = match spawned {
            Ok(t) => t,
            Err(e) => {
                warn!(target: "replication", "full_sync_failed error=\"{e}\" replicas={}", targets.len());
                for k in targets {
                    self.state.kill(&mut self.clients, k);
                }
                return;
            }
        };
        let header = match &transfer.target {
            crate::replication::sync::Target::Socket { mark, .. } => format!("$EOF:{mark}\r\n"),
            crate::replication::sync::Target::Disk(_) => String::new(),
        };
        for &k in &targets {
            let c = &mut self.clients[k];
            let link = c.replica.as_deref_mut().expect("a replica");
            link.state = Some(SyncState::WaitEnd);
            link.sync_offset = offset;
            link.pending.clear();
            if !link.legacy_sync {
                c.reply
                    .raw(format!("+FULLRESYNC {replid} {offset}\r\n").as_bytes());
            }
            c.reply.raw(header.as_bytes());
            self.queue_write(k);
        }
        let names: Vec<String> = targets
            .iter()
            .map(|&k| leader::replica_name(&self.clients[k]))
            .collect();
        info!(
            target: "replication",
            "full_sync_started target={} offset={offset} replicas={} msg=\"Starting BGSAVE for SYNC with target: {}\"",
            if diskless { "socket" } else { "disk" },
            names.join(","),
            if diskless { "replicas sockets" } else { "disk" }
        );
        self.state.leader.transfer = Some(transfer);
    }

    /// Replicas arriving while a disk snapshot is written share it: they
    /// get its `+FULLRESYNC` and a copy of the stream buffered since.
    fn join_disk_transfer(&mut self, waiting: &[usize]) {
        let Some(t) = self.state.leader.transfer.as_mut() else {
            return;
        };
        let Some(&first) = t.targets.first() else {
            return;
        };
        let offset = t.offset;
        let pending = self.clients[first]
            .replica
            .as_deref()
            .map(|l| l.pending.clone())
            .unwrap_or_default();
        let replid = self.state.repl.ids.replid.as_str().to_string();
        for &k in waiting {
            t.targets.push(k);
            let c = &mut self.clients[k];
            let link = c.replica.as_deref_mut().expect("a replica");
            link.state = Some(SyncState::WaitEnd);
            link.sync_offset = offset;
            link.pending = pending.clone();
            if !link.legacy_sync {
                c.reply
                    .raw(format!("+FULLRESYNC {replid} {offset}\r\n").as_bytes());
            }
            info!(target: "replication", "full_sync_joined replica={} offset={offset} msg=\"Waiting for end of BGSAVE for SYNC\"", leader::replica_name(c));
        }
        self.state.leader.full_sync_wanted = false;
        self.state.leader.waiting_since = None;
        for &k in waiting {
            self.queue_write(k);
        }
    }

    /// Forwards a diskless snapshot's chunks to its replicas as their
    /// buffers drain, and ends transfers: diskless, the end mark (the
    /// stream then waits for the replica's first ACK); disk, the file is
    /// handed to its replicas to send.
    fn pump_transfer(&mut self) {
        let Some(t) = self.state.leader.transfer.as_mut() else {
            return;
        };
        t.drop_released();
        t.targets.retain(|&k| self.clients.contains(k));
        if t.targets.is_empty() {
            info!(target: "replication", "full_sync_abandoned msg=\"no replica waits for the snapshot any more\"");
            self.state.leader.transfer = None;
            return;
        }
        let mut touched = Vec::new();
        let outcome = loop {
            let full = t.targets.iter().any(|&k| {
                let c = &self.clients[k];
                c.reply.buf.len() - c.sent >= HIGH_WATER
            });
            if t.diskless() && full {
                break None;
            }
            match t.next_chunk() {
                Chunk::Bytes(bytes) => {
                    for &k in &t.targets {
                        self.clients[k].reply.raw(&bytes);
                    }
                    touched = t.targets.clone();
                }
                Chunk::NotYet => break None,
                Chunk::Done(result) => break Some(result),
            }
        };
        for k in touched {
            self.queue_write(k);
        }
        let Some(result) = outcome else {
            return;
        };
        let t = self.state.leader.transfer.take().expect("checked");
        // Replicas still waiting for a start get the next one.
        self.state.leader.full_sync_wanted = true;
        let size = match result {
            Ok(size) => size,
            Err(e) => {
                warn!(target: "replication", "full_sync_failed error=\"{e}\" replicas={}", t.targets.len());
                for &k in &t.targets {
                    self.state.kill(&mut self.clients, k);
                }
                return;
            }
        };
        let elapsed = t.started.elapsed().as_millis();
        match &t.target {
            crate::replication::sync::Target::Socket { mark, .. } => {
                for &k in &t.targets {
                    let c = &mut self.clients[k];
                    c.reply.raw(mark.as_bytes());
                    let link = c.replica.as_deref_mut().expect("a replica");
                    link.state = Some(SyncState::Online);
                    link.stream_on_ack = true;
                    // Its silence (repl-timeout) counts from now, not from
                    // its PSYNC: it could not ACK during the transfer.
                    link.ack_time = Instant::now();
                    info!(target: "replication", "rdb_sent replica={} mode=socket offset={} bytes={size} ms={elapsed} msg=\"Streamed RDB transfer with replica {} succeeded (socket). Waiting for REPLCONF ACK from slave to enable streaming\"", leader::replica_name(c), t.offset, leader::replica_name(c));
                    self.queue_write(k);
                }
            }
            crate::replication::sync::Target::Disk(path) => {
                let file = std::fs::File::open(path);
                let _ = std::fs::remove_file(path);
                let file = match file {
                    Ok(f) => Arc::new(f),
                    Err(e) => {
                        warn!(target: "replication", "full_sync_failed error=\"{e}\" file={}", path.display());
                        for &k in &t.targets {
                            self.state.kill(&mut self.clients, k);
                        }
                        return;
                    }
                };
                info!(target: "replication", "snapshot_written bytes={size} ms={elapsed} replicas={} msg=\"Background saving terminated with success\"", t.targets.len());
                for &k in &t.targets {
                    let c = &mut self.clients[k];
                    c.reply.raw(format!("${size}\r\n").as_bytes());
                    let link = c.replica.as_deref_mut().expect("a replica");
                    link.state = Some(SyncState::SendBulk {
                        file: file.clone(),
                        size,
                        sent: 0,
                    });
                    self.queue_write(k);
                }
            }
        }
    }

    /// Disk: tops up each replica's output buffer from its snapshot file;
    /// once the file is all queued, the replica is online and its stream
    /// follows.
    fn send_snapshot_files(&mut self) {
        let mut touched = Vec::new();
        for i in 0..self.state.leader.replicas.len() {
            let k = self.state.leader.replicas[i];
            let Some(c) = self.clients.get_mut(k) else {
                continue;
            };
            let Some(link) = c.replica.as_deref_mut() else {
                continue;
            };
            let Some(SyncState::SendBulk { file, size, sent }) = &mut link.state else {
                continue;
            };
            let mut failed = false;
            while c.reply.buf.len() - c.sent < HIGH_WATER && *sent < *size {
                let n = FILE_CHUNK.min((*size - *sent) as usize);
                let start = c.reply.buf.len();
                c.reply.buf.resize(start + n, 0);
                if file
                    .read_exact_at(&mut c.reply.buf[start..], *sent)
                    .is_err()
                {
                    failed = true;
                    break;
                }
                *sent += n as u64;
            }
            if failed {
                warn!(target: "replication", "full_sync_failed replica={} error=\"cannot read the snapshot file\"", leader::replica_name(c));
                self.state.kill(&mut self.clients, k);
                continue;
            }
            if *sent == *size {
                let size = *size;
                link.state = Some(SyncState::Online);
                link.ack_time = Instant::now();
                let ms = link.sync_started.elapsed().as_millis();
                let offset = link.sync_offset;
                info!(target: "replication", "full_sync_done replica={} mode=disk offset={offset} bytes={size} ms={ms} msg=\"Synchronization with replica {} succeeded\"", leader::replica_name(c), leader::replica_name(c));
            }
            touched.push(k);
        }
        for k in touched {
            self.queue_write(k);
        }
    }

    /// Moves the stream buffered for each online replica to its output
    /// buffer, and drops replicas over client-output-buffer-limit replica
    /// (they will resync).
    fn deliver_stream(&mut self) {
        let limit = self.state.config.client_output_buffer_limit.replica;
        let mut touched = Vec::new();
        let mut over = Vec::new();
        let mut buffered = 0;
        for &k in &self.state.leader.replicas {
            let Some(c) = self.clients.get_mut(k) else {
                continue;
            };
            let Some(link) = c.replica.as_deref_mut() else {
                continue;
            };
            let streaming = matches!(link.state, Some(SyncState::Online)) && !link.stream_on_ack;
            if streaming && !link.pending.is_empty() {
                c.reply.raw(&link.pending);
                link.pending.clear();
                if link.pending.capacity() > 1 << 20 {
                    link.pending = Vec::new();
                }
                touched.push(k);
            }
            let queued = (c.reply.buf.len() - c.sent + link.pending.len()) as u64;
            buffered += queued as usize;
            let hard = limit.hard > 0 && queued > limit.hard;
            let soft = limit.soft > 0 && queued > limit.soft;
            let soft_expired = match (soft, c.over_soft_limit_since) {
                (false, _) => {
                    c.over_soft_limit_since = None;
                    false
                }
                (true, None) => {
                    c.over_soft_limit_since = Some(Instant::now());
                    false
                }
                (true, Some(since)) => since.elapsed().as_secs() > limit.soft_seconds,
            };
            if hard || soft_expired {
                warn!(target: "replication", "replica_dropped reason=output_buffer_limit replica={} bytes={queued}", leader::replica_name(c));
                over.push(k);
            }
        }
        self.state.leader.buffer_memory = buffered;
        for k in over {
            self.state.kill(&mut self.clients, k);
        }
        for k in touched {
            self.queue_write(k);
        }
    }

    /// Answers the WAITs whose replicas acknowledged enough, or whose
    /// timeout passed, with the count that did.
    fn answer_waits(&mut self) {
        if self.state.leader.waiting.is_empty() {
            return;
        }
        let now = Instant::now();
        let mut waiting = std::mem::take(&mut self.state.leader.waiting);
        let mut answered = Vec::new();
        waiting.retain(|w| {
            let live = self
                .clients
                .get(w.key)
                .is_some_and(|c| c.id == w.client_id && c.blocked.is_some());
            if !live {
                return false;
            }
            let acked = leader::acked(&self.state, &self.clients, w.offset);
            if acked >= w.replicas || w.deadline.is_some_and(|d| now >= d) {
                answered.push((w.key, acked));
                return false;
            }
            true
        });
        // WAITs that blocked while answering are added after the kept ones.
        waiting.append(&mut self.state.leader.waiting);
        self.state.leader.waiting = waiting;
        for (key, acked) in answered {
            let c = &mut self.clients[key];
            if let Some(on) = c.blocked.take() {
                self.state.blocking.unblock(key, &on);
            }
            c.reply.int(acked as i64);
            self.state.unblocked.push(key);
        }
        self.resume_unblocked();
    }

    /// Timer work: backlog size and time-to-live, the keepalive PING of the
    /// stream, newlines to replicas waiting for a snapshot, replica
    /// timeouts and the count of good replicas for min-replicas-to-write.
    pub(super) fn replication_cron(&mut self) {
        let settings = Settings::of(&self.state.config);
        if let Some(b) = self.state.repl.backlog.as_mut() {
            if b.size() != settings.backlog_size {
                b.resize(settings.backlog_size);
            }
        }
        if self.state.leader.replicas.is_empty() {
            self.state.leader.good_replicas = 0;
            let idle = self.state.leader.idle_since;
            let ttl = settings.backlog_ttl;
            if !ttl.is_zero() && idle.is_some_and(|t| t.elapsed() >= ttl) {
                leader::free_backlog(&mut self.state);
            }
            return;
        }
        let now = Instant::now();
        let ping_due = self
            .state
            .leader
            .last_ping
            .is_none_or(|t| now.duration_since(t) >= settings.ping_period);
        if ping_due {
            self.state.leader.last_ping = Some(now);
            leader::feed_raw(&mut self.state, &mut self.clients, PING);
        }
        let newline_due = self
            .state
            .leader
            .last_newline
            .is_none_or(|t| now.duration_since(t) >= Duration::from_secs(1));
        if newline_due {
            self.state.leader.last_newline = Some(now);
        }
        let diskless_running = self
            .state
            .leader
            .transfer
            .as_ref()
            .is_some_and(|t| t.diskless());
        let mut good = 0;
        let mut timed_out = Vec::new();
        let mut touched = Vec::new();
        for &k in &self.state.leader.replicas {
            let Some(c) = self.clients.get_mut(k) else {
                continue;
            };
            let Some(link) = c.replica.as_deref() else {
                continue;
            };
            match link.state {
                Some(SyncState::WaitStart) if newline_due => {
                    c.reply.raw(b"\n");
                    touched.push(k);
                }
                Some(SyncState::WaitEnd) if newline_due && !diskless_running => {
                    c.reply.raw(b"\n");
                    touched.push(k);
                }
                Some(SyncState::SendBulk { .. }) => touched.push(k),
                Some(SyncState::Online) => {
                    let silent = link.ack_time.elapsed();
                    if silent > settings.timeout {
                        warn!(target: "replication", "replica_timeout replica={} silent_secs={} msg=\"Disconnecting timedout replica (streaming sync): {}\"", leader::replica_name(c), silent.as_secs(), leader::replica_name(c));
                        timed_out.push(k);
                    } else if link.online() && silent.as_secs() <= settings.min_replicas_max_lag {
                        good += 1;
                    }
                }
                _ => {}
            }
        }
        self.state.leader.good_replicas = good;
        for k in timed_out {
            self.state.kill(&mut self.clients, k);
        }
        for k in touched {
            self.queue_write(k);
        }
    }
}

/// A file for one disk snapshot in `dir`: `temp-repl-<pid>.<n>.rdb`, a new
/// name each time, so an abandoned snapshot's thread, which removes its
/// file when it stops, never touches the next one's.
fn temp_repl_path(dir: &str) -> std::path::PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    std::path::Path::new(dir).join(format!("temp-repl-{}.{n}.rdb", std::process::id()))
}
