//! RDB snapshots: SAVE writes one in the loop, BGSAVE and AOF rewrites hand
//! a copy-on-write view of the keyspace ([`DbView`]s, O(segments) to take)
//! to a background thread that writes it while the loop keeps serving. The
//! loop polls the job from its timer; no fork, no stop-the-world copy.

use super::durable::replace_file;
use super::rdb::{write_rdb_releasing, RdbMeta};
use crate::store::db::{DbView, Segment};
use std::fmt;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Instant;

/// How an RDB file is written.
#[derive(Clone, Copy, Debug)]
pub struct RdbOptions {
    pub compress: bool,
    pub checksum: bool,
    /// Marks the file as an AOF base (aux field `aof-base`).
    pub aof_base: bool,
}

/// Why a save produced no file.
#[derive(Debug, PartialEq)]
pub enum SaveError {
    /// Stopped on purpose ([`SaveJob::cancel`], or nothing left to finish):
    /// not a disk error.
    Cancelled,
    /// Any other failure, as the text the log and INFO show.
    Failed(String),
}

impl fmt::Display for SaveError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            SaveError::Cancelled => f.write_str("save cancelled"),
            SaveError::Failed(text) => f.write_str(text),
        }
    }
}

/// The I/O error a [`Cancellable`] writer fails with once cancelled.
#[derive(Debug)]
struct CancelledWrite;

impl fmt::Display for CancelledWrite {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        SaveError::Cancelled.fmt(f)
    }
}

impl std::error::Error for CancelledWrite {}

/// Writes the views to `target` durably (temp file `temp`, fsync, rename,
/// fsync of the directory), handing each segment to `release` once written.
/// Setting `cancel` stops it at the next buffer, leaving `target` as it was.
/// Returns the file size, or why it failed.
pub fn save_rdb(
    views: Vec<DbView>,
    target: &Path,
    temp: &Path,
    options: RdbOptions,
    release: &mut dyn FnMut(Arc<Segment>),
    cancel: &AtomicBool,
) -> Result<u64, SaveError> {
    let meta = RdbMeta {
        used_mem: crate::alloc::used_memory() as u64,
        aof_base: options.aof_base,
        repl: None,
    };
    replace_file(target, temp, |out| {
        let out = Cancellable { inner: out, cancel };
        write_rdb_releasing(
            out,
            views,
            &meta,
            options.compress,
            options.checksum,
            release,
        )
    })
    .map_err(|e| {
        if e.get_ref()
            .is_some_and(|inner| inner.is::<CancelledWrite>())
        {
            SaveError::Cancelled
        } else {
            SaveError::Failed(e.to_string())
        }
    })
}

/// A writer that fails once `cancel` is set.
struct Cancellable<'a, W> {
    inner: W,
    cancel: &'a AtomicBool,
}

impl<W: Write> Write for Cancellable<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.cancel.load(Ordering::Relaxed) {
            return Err(io::Error::other(CancelledWrite));
        }
        self.inner.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// What a background job is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobKind {
    /// BGSAVE (or a save rule): writes `dbfilename`.
    Rdb,
    /// BGREWRITEAOF: writes the next AOF base.
    AofRewrite,
}

/// A snapshot being written on a background thread.
pub struct SaveJob {
    pub kind: JobKind,
    pub started: Instant,
    /// The server's dirty counter when the view was taken.
    pub dirty_at_start: u64,
    /// Where the finished file lands (the AOF base for a rewrite).
    pub target: PathBuf,
    handle: JoinHandle<Result<u64, SaveError>>,
    /// Segments the thread is done with. The loop drops them: the last
    /// reference to a segment the loop has since copied frees its entries,
    /// and freeing them here keeps the save thread off the loop's malloc
    /// arena (a free from another thread takes the arena lock, and the
    /// loop's allocations then wait for it: multi-millisecond SETs, measured
    /// with SLOWLOG under scripts/bgsave_bench.py).
    released: Receiver<Arc<Segment>>,
    /// Set to stop the thread early (FLUSHALL during a BGSAVE).
    cancel: Arc<AtomicBool>,
}

impl SaveJob {
    /// Starts writing `views` to `target` on a new thread.
    pub fn spawn(
        kind: JobKind,
        views: Vec<DbView>,
        target: PathBuf,
        temp: PathBuf,
        options: RdbOptions,
        dirty_at_start: u64,
    ) -> std::io::Result<SaveJob> {
        let path = target.clone();
        let (give_back, released) = mpsc::channel();
        let cancel = Arc::new(AtomicBool::new(false));
        let thread_cancel = cancel.clone();
        let handle = std::thread::Builder::new()
            .name("ferrocache-save".into())
            .spawn(move || {
                lower_priority();
                let mut release = |segment| {
                    let _ = give_back.send(segment);
                };
                save_rdb(views, &path, &temp, options, &mut release, &thread_cancel)
            })?;
        Ok(SaveJob {
            kind,
            started: Instant::now(),
            dirty_at_start,
            target,
            handle,
            released,
            cancel,
        })
    }

    /// Asks the thread to stop: it fails at its next buffer and removes its
    /// temp file, and [`SaveJob::join`] returns [`SaveError::Cancelled`].
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }

    /// Drops the segments the thread is done with (called by the loop).
    pub fn drop_released(&self) {
        while let Ok(segment) = self.released.try_recv() {
            drop(segment);
        }
    }

    /// True once the thread finished (then [`SaveJob::join`] does not block).
    pub fn is_finished(&self) -> bool {
        self.handle.is_finished()
    }

    /// Waits for the thread; the file size or why it failed.
    pub fn join(self) -> Result<u64, SaveError> {
        let SaveJob {
            handle, released, ..
        } = self;
        let result = handle
            .join()
            .unwrap_or_else(|_| Err(SaveError::Failed("the save thread panicked".into())));
        drop(released);
        result
    }
}

/// Makes the calling thread yield the CPU to the event loop when both want
/// it. Measured with scripts/bgsave_bench.py (1M keys, saturating SET load
/// on 2 cores): at nice 0 the probe's p99 during a save was 3.5-5.9x its
/// quiet value; at nice 19 within 1.6x but the starved save ran longer and
/// copied more (peak 1.25-1.35x); nice 10 gave 1.29-1.39x p99, 1.20x memory.
fn lower_priority() {
    // SAFETY: gettid and setpriority take plain integers and touch no memory
    // of ours; a failure only leaves the priority unchanged.
    let result = unsafe {
        let tid = libc::gettid();
        libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, SAVE_THREAD_NICE)
    };
    if result != 0 {
        log::debug!(target: "rdb", "save_thread_priority_unchanged");
    }
}

/// The save thread's nice value.
const SAVE_THREAD_NICE: libc::c_int = 10;
