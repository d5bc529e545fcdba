//! RDB snapshots: SAVE writes one in the loop, BGSAVE and AOF rewrites hand
//! a copy-on-write view of the keyspace ([`DbView`]s, O(segments) to take)
//! to a background thread that writes it while the loop keeps serving. The
//! loop polls the job from its timer; no fork, no stop-the-world copy.

use super::durable::replace_file;
use super::rdb::{write_rdb_releasing, RdbMeta};
use crate::store::db::DbView;
use std::path::{Path, PathBuf};
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

/// Writes the views to `target` durably (temp file `temp`, fsync, rename,
/// fsync of the directory), letting go of each segment once written.
/// Returns the file size, or the error as text.
pub fn save_rdb(
    views: Vec<DbView>,
    target: &Path,
    temp: &Path,
    options: RdbOptions,
) -> Result<u64, String> {
    let meta = RdbMeta {
        used_mem: crate::alloc::used_memory() as u64,
        aof_base: options.aof_base,
    };
    replace_file(target, temp, |out| {
        write_rdb_releasing(out, views, &meta, options.compress, options.checksum)
    })
    .map_err(|e| e.to_string())
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
    handle: JoinHandle<Result<u64, String>>,
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
        let handle = std::thread::Builder::new()
            .name("ferrocache-save".into())
            .spawn(move || save_rdb(views, &path, &temp, options))?;
        Ok(SaveJob {
            kind,
            started: Instant::now(),
            dirty_at_start,
            target,
            handle,
        })
    }

    /// True once the thread finished (then [`SaveJob::join`] does not block).
    pub fn is_finished(&self) -> bool {
        self.handle.is_finished()
    }

    /// Waits for the thread; the file size or why it failed.
    pub fn join(self) -> Result<u64, String> {
        self.handle
            .join()
            .unwrap_or_else(|_| Err("the save thread panicked".into()))
    }
}
