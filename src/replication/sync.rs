//! The snapshot of a full sync, written on a background thread from a
//! copy-on-write view of the keyspace (no fork): to a file the loop then
//! sends to each replica (`repl-diskless-sync no`), or into a bounded
//! channel of chunks the loop forwards to the replicas' sockets as they
//! drain (diskless). Either way the loop never holds the whole RDB.

use crate::persistence::rdb::{write_rdb_releasing, RdbMeta};
use crate::store::db::{DbView, Segment};
use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TryRecvError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Instant;

/// Chunks a diskless transfer may have in flight between the thread and
/// the loop (each one RDB writer buffer, 64 KB).
const CHANNEL_CHUNKS: usize = 4;

/// Where the snapshot goes.
pub(crate) enum Target {
    /// A file, sent as `$<len>\r\n<bytes>` once complete.
    Disk(PathBuf),
    /// The replicas' sockets: `$EOF:<mark>\r\n<bytes><mark>`.
    Socket {
        mark: String,
        chunks: Receiver<Vec<u8>>,
    },
}

/// A full-sync snapshot in progress and the replicas it is for.
pub(crate) struct Transfer {
    /// The stream offset the snapshot corresponds to (`+FULLRESYNC`'s).
    pub offset: i64,
    pub started: Instant,
    /// Slab keys of the replicas that will receive it.
    pub targets: Vec<usize>,
    pub target: Target,
    /// RDB bytes handed to the replicas (diskless) so far.
    pub bytes: u64,
    thread: Option<JoinHandle<Result<u64, String>>>,
    /// Segments the thread is done with, dropped by the loop (see SaveJob).
    released: Receiver<Arc<Segment>>,
    cancel: Arc<AtomicBool>,
}

/// What the loop gets from [`Transfer::next_chunk`].
pub(crate) enum Chunk {
    Bytes(Vec<u8>),
    /// Nothing yet: the thread is still writing.
    NotYet,
    /// The snapshot is complete (its size), or failed.
    Done(Result<u64, String>),
}

impl Transfer {
    /// Starts writing `views` with `meta` to `target_path` (disk) or to a
    /// channel (diskless, `waker` woken at each chunk).
    pub fn spawn(
        views: Vec<DbView>,
        meta: RdbMeta,
        compress: bool,
        disk: Option<PathBuf>,
        waker: Option<Arc<mio::Waker>>,
        offset: i64,
        targets: Vec<usize>,
    ) -> io::Result<Transfer> {
        let (give_back, released) = mpsc::channel();
        let cancel = Arc::new(AtomicBool::new(false));
        let thread_cancel = cancel.clone();
        let end_waker = waker.clone();
        let (target, sink): (Target, Box<dyn Write + Send>) = match disk {
            Some(path) => {
                let file = std::fs::File::create(&path)?;
                (Target::Disk(path), Box::new(file))
            }
            None => {
                let (tx, rx) = mpsc::sync_channel(CHANNEL_CHUNKS);
                let mark = crate::replication::replid::new_replid();
                (
                    Target::Socket { mark, chunks: rx },
                    Box::new(ChunkWriter { tx, waker }),
                )
            }
        };
        let path = match &target {
            Target::Disk(p) => Some(p.clone()),
            Target::Socket { .. } => None,
        };
        let thread = std::thread::Builder::new()
            .name("ferrocache-sync".into())
            .spawn(move || {
                let mut release = |segment| {
                    let _ = give_back.send(segment);
                };
                let out = Cancellable {
                    inner: sink,
                    cancel: &thread_cancel,
                };
                let result = write_rdb_releasing(out, views, &meta, compress, true, &mut release)
                    .map_err(|e| e.to_string());
                if let (Some(path), true) = (
                    &path,
                    result.is_err() || thread_cancel.load(Ordering::Relaxed),
                ) {
                    let _ = std::fs::remove_file(path);
                }
                if let Some(w) = &end_waker {
                    let _ = w.wake();
                }
                result
            })?;
        Ok(Transfer {
            offset,
            started: Instant::now(),
            targets,
            target,
            bytes: 0,
            thread: Some(thread),
            released,
            cancel,
        })
    }

    /// True for a diskless transfer.
    pub fn diskless(&self) -> bool {
        matches!(self.target, Target::Socket { .. })
    }

    /// Drops the segments the thread is done with.
    pub fn drop_released(&self) {
        while self.released.try_recv().is_ok() {}
    }

    /// Diskless: the next chunk, or the end. Disk: `NotYet` until the file
    /// is complete, then `Done`.
    pub fn next_chunk(&mut self) -> Chunk {
        if let Target::Socket { chunks, .. } = &self.target {
            match chunks.try_recv() {
                Ok(bytes) => {
                    self.bytes += bytes.len() as u64;
                    return Chunk::Bytes(bytes);
                }
                Err(TryRecvError::Empty) => return Chunk::NotYet,
                Err(TryRecvError::Disconnected) => {}
            }
        }
        match &self.thread {
            Some(t) if t.is_finished() => {
                let thread = self.thread.take().expect("checked");
                Chunk::Done(
                    thread
                        .join()
                        .unwrap_or_else(|_| Err("the sync thread panicked".into())),
                )
            }
            Some(_) => Chunk::NotYet,
            None => Chunk::Done(Err("already finished".into())),
        }
    }
}

impl Drop for Transfer {
    /// A transfer nobody wants any more stops at the thread's next write,
    /// and its file, if any, goes (the thread may have finished it already;
    /// once complete, the loop opens it before dropping the transfer).
    fn drop(&mut self) {
        self.cancel.store(true, Ordering::Relaxed);
        if let Target::Disk(path) = &self.target {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Hands each write to the loop as one chunk, waking it.
struct ChunkWriter {
    tx: SyncSender<Vec<u8>>,
    waker: Option<Arc<mio::Waker>>,
}

impl Write for ChunkWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.tx
            .send(buf.to_vec())
            .map_err(|_| io::Error::other("no replica takes the transfer any more"))?;
        if let Some(w) = &self.waker {
            let _ = w.wake();
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A writer that fails once `cancel` is set.
struct Cancellable<'a> {
    inner: Box<dyn Write + Send>,
    cancel: &'a AtomicBool,
}

impl Write for Cancellable<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.cancel.load(Ordering::Relaxed) {
            return Err(io::Error::other("transfer cancelled"));
        }
        self.inner.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}
