//! The append-only file, as Redis 7's multi-part AOF: in `appenddirname`,
//! a manifest names one base file (an RDB snapshot) and the incremental
//! files (RESP commands) written after it, in order.
//!
//! ```text
//! appendonlydir/appendonly.aof.manifest
//!   file appendonly.aof.3.base.rdb seq 3 type b
//!   file appendonly.aof.5.incr.aof seq 5 type i
//! ```
//!
//! The loop appends the effect stream to the newest incremental file before
//! it sends the replies ([`Aof::write`]). `appendfsync always` fsyncs right
//! there, once per loop iteration for every client of that iteration (group
//! commit); `everysec` hands the fsync to a background thread once a second;
//! `no` leaves it to the kernel. A rewrite opens a new incremental file at
//! once (later writes go there), writes the new base from a copy-on-write
//! view in the background, and only then switches the manifest: no write
//! made during a rewrite is lost, and old files are deleted once unneeded.

use super::durable::{replace_file, sync_dir};
use crate::config::AppendFsync;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long `everysec` may postpone a write while an fsync is still running
/// (Redis's 2 seconds), before writing anyway.
const MAX_FSYNC_POSTPONE: Duration = Duration::from_secs(2);

/// The kind of a file in the manifest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// `type b`: the base (an RDB file, or RESP when it ends in `.aof`).
    Base,
    /// `type i`: incremental RESP commands.
    Incr,
    /// `type h`: history, no longer needed, to delete.
    History,
}

/// One `file ... seq ... type ...` line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AofFile {
    pub name: String,
    pub seq: u64,
    pub kind: FileKind,
}

/// The manifest: which files make up the AOF, in load order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Manifest {
    pub base: Option<AofFile>,
    /// Incremental files, oldest first.
    pub incrs: Vec<AofFile>,
    /// Files replaced by a rewrite, still to delete.
    pub history: Vec<AofFile>,
}

impl Manifest {
    /// Parses manifest text; errors name the line.
    pub fn parse(text: &str) -> Result<Manifest, String> {
        let mut m = Manifest::default();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let words: Vec<&str> = line.split_whitespace().collect();
            let bad = || format!("invalid AOF manifest line {}: '{line}'", n + 1);
            if !words.len().is_multiple_of(2) {
                return Err(bad());
            }
            let (mut name, mut seq, mut kind) = (None, None, None);
            for kv in words.chunks(2) {
                match kv[0] {
                    "file" => name = Some(kv[1].to_string()),
                    "seq" => seq = kv[1].parse::<u64>().ok(),
                    "type" => {
                        kind = match kv[1] {
                            "b" => Some(FileKind::Base),
                            "i" => Some(FileKind::Incr),
                            "h" => Some(FileKind::History),
                            _ => None,
                        }
                    }
                    _ => {} // unknown keys are skipped, as Redis does
                }
            }
            let (Some(name), Some(seq), Some(kind)) = (name, seq, kind) else {
                return Err(bad());
            };
            if name.contains('/') {
                return Err(bad());
            }
            let file = AofFile { name, seq, kind };
            match kind {
                FileKind::Base if m.base.is_some() => {
                    return Err(format!("AOF manifest line {}: a second base file", n + 1))
                }
                FileKind::Base => m.base = Some(file),
                FileKind::Incr => {
                    if m.incrs.last().is_some_and(|last| last.seq >= seq) {
                        return Err(format!(
                            "AOF manifest line {}: incremental files out of order",
                            n + 1
                        ));
                    }
                    m.incrs.push(file)
                }
                FileKind::History => m.history.push(file),
            }
        }
        Ok(m)
    }

    /// The manifest as text (base, history, then incremental files).
    pub fn render(&self) -> String {
        let mut out = String::new();
        let files = self
            .base
            .iter()
            .chain(self.history.iter())
            .chain(self.incrs.iter());
        for f in files {
            let kind = match f.kind {
                FileKind::Base => "b",
                FileKind::Incr => "i",
                FileKind::History => "h",
            };
            out.push_str(&format!("file {} seq {} type {}\n", f.name, f.seq, kind));
        }
        out
    }

    /// Every file to load, in order: the base, then the incremental files.
    pub fn load_order(&self) -> impl Iterator<Item = &AofFile> {
        self.base.iter().chain(self.incrs.iter())
    }

    /// One past the highest sequence number of the files named `*{infix}*`
    /// (bases and incremental files count apart, as in Redis), history
    /// included, so a new file never reuses the name of one still on disk.
    fn next_seq(&self, infix: &str) -> u64 {
        self.base
            .iter()
            .chain(self.incrs.iter())
            .chain(self.history.iter())
            .filter(|f| f.name.contains(infix))
            .map(|f| f.seq)
            .max()
            .map_or(1, |s| s + 1)
    }

    fn next_incr(&self, basename: &str) -> AofFile {
        let seq = self.next_seq(".incr.");
        AofFile {
            name: format!("{basename}.{seq}.incr.aof"),
            seq,
            kind: FileKind::Incr,
        }
    }

    fn next_base(&self, basename: &str) -> AofFile {
        let seq = self.next_seq(".base.");
        AofFile {
            name: format!("{basename}.{seq}.base.rdb"),
            seq,
            kind: FileKind::Base,
        }
    }
}

/// Where the AOF lives.
#[derive(Clone, Debug)]
pub struct AofPaths {
    /// `<dir>/<appenddirname>`.
    pub dir: PathBuf,
    /// `appendfilename`, the prefix of every file name.
    pub basename: String,
}

impl AofPaths {
    /// The paths for a configuration.
    pub fn new(dir: &str, appenddirname: &str, appendfilename: &str) -> AofPaths {
        AofPaths {
            dir: Path::new(dir).join(appenddirname),
            basename: appendfilename.to_string(),
        }
    }

    /// The manifest file.
    pub fn manifest(&self) -> PathBuf {
        self.dir.join(format!("{}.manifest", self.basename))
    }

    /// A file of the AOF.
    pub fn file(&self, f: &AofFile) -> PathBuf {
        self.dir.join(&f.name)
    }

    /// Reads the manifest; Ok(None) when there is none (no AOF yet).
    pub fn read_manifest(&self) -> Result<Option<Manifest>, String> {
        let path = self.manifest();
        match fs::read_to_string(&path) {
            Ok(text) => Manifest::parse(&text)
                .map(Some)
                .map_err(|e| format!("{}: {e}", path.display())),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!("{}: {e}", path.display())),
        }
    }

    /// Writes the manifest durably (temp file, fsync, rename, fsync dir).
    fn write_manifest(&self, m: &Manifest) -> io::Result<()> {
        let temp = self.dir.join(format!("temp-{}.manifest", self.basename));
        let text = m.render();
        replace_file(&self.manifest(), &temp, |out| {
            out.write_all(text.as_bytes())?;
            Ok(text.len() as u64)
        })
        .map(|_| ())
    }
}

/// The background fsync thread of `everysec`.
struct FsyncThread {
    requests: Sender<File>,
    busy: Arc<AtomicBool>,
    /// The last fsync's error, if it failed.
    error: Arc<Mutex<Option<String>>>,
}

impl FsyncThread {
    fn start() -> io::Result<FsyncThread> {
        let (requests, jobs) = mpsc::channel::<File>();
        let busy = Arc::new(AtomicBool::new(false));
        let error = Arc::new(Mutex::new(None));
        let (thread_busy, thread_error) = (busy.clone(), error.clone());
        std::thread::Builder::new()
            .name("ferrocache-fsync".into())
            .spawn(move || {
                for file in jobs {
                    let result = file.sync_data().err().map(|e| e.to_string());
                    *thread_error.lock().unwrap_or_else(|e| e.into_inner()) = result;
                    thread_busy.store(false, Ordering::Release);
                }
            })?;
        Ok(FsyncThread {
            requests,
            busy,
            error,
        })
    }

    fn is_busy(&self) -> bool {
        self.busy.load(Ordering::Acquire)
    }

    fn request(&self, file: &File) -> io::Result<()> {
        let clone = file.try_clone()?;
        self.busy.store(true, Ordering::Release);
        self.requests
            .send(clone)
            .map_err(|_| io::Error::other("the fsync thread is gone"))
    }

    fn take_error(&self) -> Option<String> {
        self.error.lock().unwrap_or_else(|e| e.into_inner()).take()
    }
}

/// A rewrite in progress: the files it will retire when it succeeds.
#[derive(Debug)]
pub struct Rewrite {
    /// The base the rewrite writes.
    pub base: AofFile,
    /// The incremental file opened when it started (kept after it).
    pub incr: AofFile,
}

/// The open AOF: the manifest and the incremental file being appended to.
pub struct Aof {
    pub paths: AofPaths,
    pub manifest: Manifest,
    file: File,
    /// Length of the newest incremental file (a failed write is cut back to it).
    incr_len: u64,
    fsync_thread: FsyncThread,
    /// Size of the incremental files plus the base (INFO aof_current_size).
    pub current_size: u64,
    /// `current_size` right after the last rewrite (INFO aof_base_size).
    pub base_size: u64,
    /// Bytes written since the last fsync.
    unsynced: bool,
    last_fsync: Instant,
    /// Since when a write waits for a running fsync (everysec).
    postponed_since: Option<Instant>,
    /// Writes made while an fsync was still running (INFO aof_delayed_fsync).
    pub delayed_fsyncs: u64,
    /// Why the last write or fsync failed (MISCONF), None when it succeeded.
    pub error: Option<String>,
    /// The AOF was opened over existing data (CONFIG SET appendonly yes, or
    /// start-up from dump.rdb): until its first base is written, the manifest
    /// on disk is left as it was, so a crash meanwhile never loads a partial
    /// AOF (only the incremental writes since the switch).
    pub base_pending: bool,
}

/// What [`Aof::write`] did with the pending bytes.
#[derive(Debug, PartialEq, Eq)]
pub enum Flushed {
    /// Written (and fsynced, with `always`).
    Done,
    /// Left pending: an everysec fsync is still running (at most 2 s).
    Postponed,
    /// Left pending: the write or fsync failed (see [`Aof::error`]).
    Failed,
}

impl Aof {
    /// Opens the AOF in `paths`, creating the directory, a first incremental
    /// file and the manifest when there is none. The newest incremental file
    /// is appended to.
    pub fn open(paths: AofPaths, manifest: Option<Manifest>) -> io::Result<Aof> {
        fs::create_dir_all(&paths.dir)?;
        let mut manifest = manifest.unwrap_or_default();
        if manifest.incrs.is_empty() {
            let incr = manifest.next_incr(&paths.basename);
            File::create(paths.file(&incr))?.sync_all()?;
            manifest.incrs.push(incr);
            paths.write_manifest(&manifest)?;
        }
        delete_history(&paths, &mut manifest)?;
        Aof::append_to_newest(paths, manifest, false)
    }

    /// Starts an AOF whose first base is an existing file holding exactly the
    /// loaded data: a snapshot (`dump.rdb`, hard-linked or copied into the
    /// directory) or a single-file AOF from Redis 6 (moved in, as Redis's
    /// upgrade does). The manifest is written at once, so every later write
    /// is in the AOF from the first one on.
    pub fn open_with_base(paths: AofPaths, source: &Path, keep_source: bool) -> io::Result<Aof> {
        fs::create_dir_all(&paths.dir)?;
        let kind = if keep_source { "rdb" } else { "aof" };
        let base = AofFile {
            name: format!("{}.1.base.{kind}", paths.basename),
            seq: 1,
            kind: FileKind::Base,
        };
        let base_path = paths.file(&base);
        let _ = fs::remove_file(&base_path);
        if keep_source {
            if fs::hard_link(source, &base_path).is_err() {
                fs::copy(source, &base_path)?;
            }
        } else {
            fs::rename(source, &base_path)?;
        }
        File::open(&base_path)?.sync_all()?;
        let mut manifest = Manifest {
            base: Some(base),
            ..Manifest::default()
        };
        let incr = manifest.next_incr(&paths.basename);
        File::create(paths.file(&incr))?.sync_all()?;
        manifest.incrs.push(incr);
        paths.write_manifest(&manifest)?;
        Aof::append_to_newest(paths, manifest, false)
    }

    /// Opens a new AOF for a dataset that already holds data: the caller
    /// starts a rewrite at once, and only its success writes a manifest.
    /// The files of `old` (an AOF left from before) are deleted then.
    pub fn open_pending(paths: AofPaths, old: Option<Manifest>) -> io::Result<Aof> {
        fs::create_dir_all(&paths.dir)?;
        let old = old.unwrap_or_default();
        let mut manifest = Manifest {
            history: old
                .base
                .into_iter()
                .chain(old.incrs)
                .chain(old.history)
                .map(|f| AofFile {
                    kind: FileKind::History,
                    ..f
                })
                .collect(),
            ..Manifest::default()
        };
        let incr = manifest.next_incr(&paths.basename);
        File::create(paths.file(&incr))?.sync_all()?;
        manifest.incrs.push(incr);
        Aof::append_to_newest(paths, manifest, true)
    }

    fn append_to_newest(
        paths: AofPaths,
        manifest: Manifest,
        base_pending: bool,
    ) -> io::Result<Aof> {
        let newest = manifest.incrs.last().expect("an incremental file");
        let file = OpenOptions::new()
            .append(true)
            .create(true)
            .open(paths.file(newest))?;
        let current_size = manifest
            .load_order()
            .map(|f| fs::metadata(paths.file(f)).map_or(0, |m| m.len()))
            .sum();
        let incr_len = file.metadata()?.len();
        Ok(Aof {
            paths,
            manifest,
            file,
            incr_len,
            fsync_thread: FsyncThread::start()?,
            current_size,
            base_size: current_size,
            unsynced: false,
            last_fsync: Instant::now(),
            postponed_since: None,
            delayed_fsyncs: 0,
            error: None,
            base_pending,
        })
    }

    /// Appends `pending` (then cleared) to the newest incremental file.
    /// With `always` it is fsynced before this returns; with `everysec` a
    /// write waits (up to 2 s) while the previous fsync is still running, as
    /// Redis does. On failure the file is cut back to its previous length
    /// and `pending` is kept to retry.
    pub fn write(&mut self, pending: &mut Vec<u8>, policy: AppendFsync) -> Flushed {
        if let Some(e) = self.fsync_thread.take_error() {
            self.fail("fsync", &e);
        }
        if self.error.is_some() && !self.recover() {
            return Flushed::Failed;
        }
        if pending.is_empty() {
            return Flushed::Done;
        }
        if policy == AppendFsync::EverySec && self.fsync_thread.is_busy() {
            let since = *self.postponed_since.get_or_insert_with(Instant::now);
            if since.elapsed() < MAX_FSYNC_POSTPONE {
                return Flushed::Postponed;
            }
            self.delayed_fsyncs += 1;
            log::warn!(target: "aof", "fsync_slow action=write_without_waiting waited_ms={}", since.elapsed().as_millis());
        }
        self.postponed_since = None;
        if let Err(e) = self.file.write_all(pending) {
            // Cut a partial command off so the file stays loadable.
            let _ = self.file.set_len(self.incr_len);
            self.fail("write", &e);
            return Flushed::Failed;
        }
        if policy == AppendFsync::Always {
            if let Err(e) = self.file.sync_data() {
                // After a failed fsync the kernel may have dropped these
                // pages yet report the next fsync clean: cut them off and
                // keep them pending, to be written again.
                let _ = self.file.set_len(self.incr_len);
                self.fail("fsync", &e);
                return Flushed::Failed;
            }
            self.last_fsync = Instant::now();
        } else {
            self.unsynced = true;
        }
        self.incr_len += pending.len() as u64;
        self.current_size += pending.len() as u64;
        pending.clear();
        if self.error.take().is_some() {
            log::warn!(target: "aof", "write_recovered");
        }
        Flushed::Done
    }

    /// After a failure: reopens the newest incremental file (the disk or
    /// the file may have been replaced) and fsyncs what it holds. True when
    /// the AOF works again.
    fn recover(&mut self) -> bool {
        let newest = self.manifest.incrs.last().expect("an incremental file");
        let reopened = OpenOptions::new()
            .append(true)
            .create(true)
            .open(self.paths.file(newest))
            .and_then(|file| {
                file.sync_data()?;
                let len = file.metadata()?.len();
                Ok((file, len))
            });
        match reopened {
            Ok((file, len)) => {
                self.file = file;
                self.incr_len = len;
                self.unsynced = false;
                self.error = None;
                log::warn!(target: "aof", "write_recovered");
                true
            }
            Err(e) => {
                // Keep the first error: it says why writes are refused.
                log::debug!(target: "aof", "reopen_failed error=\"{e}\"");
                false
            }
        }
    }

    /// Records a failed `op`; INFO and -MISCONF show the OS's text
    /// ("No space left on device"), as Redis does.
    fn fail(&mut self, op: &str, e: &dyn std::fmt::Display) {
        let text = e.to_string();
        let why = match text.rfind(" (os error ") {
            Some(at) => text[..at].to_string(),
            None => text,
        };
        if self.error.as_deref() != Some(why.as_str()) {
            log::warn!(target: "aof", "write_failed op={op} error=\"{why}\" effect=writes_refused");
        }
        self.error = Some(why);
    }

    /// The timer's part (everysec): starts a background fsync once a second
    /// when something was written since the last one.
    pub fn tick(&mut self, policy: AppendFsync) {
        if policy != AppendFsync::EverySec || !self.unsynced {
            return;
        }
        if self.last_fsync.elapsed() >= Duration::from_secs(1) && !self.fsync_thread.is_busy() {
            match self.fsync_thread.request(&self.file) {
                Ok(()) => {
                    self.unsynced = false;
                    self.last_fsync = Instant::now();
                }
                Err(e) => self.fail("fsync", &e),
            }
        }
    }

    /// True while a background fsync runs (INFO aof_pending_bio_fsync).
    pub fn fsync_in_progress(&self) -> bool {
        self.fsync_thread.is_busy()
    }

    /// Fsyncs now, in the caller's thread (shutdown, before a rewrite switch).
    pub fn sync_now(&mut self) -> io::Result<()> {
        self.file.sync_data()?;
        self.unsynced = false;
        self.last_fsync = Instant::now();
        Ok(())
    }

    /// Starts a rewrite: opens a new incremental file that receives every
    /// later write and records it in the manifest. The caller then writes
    /// the new base (from a view taken now) to [`Aof::rewrite_temp_path`].
    pub fn begin_rewrite(&mut self) -> io::Result<Rewrite> {
        self.sync_now()?;
        let incr = self.manifest.next_incr(&self.paths.basename);
        // A file of that name left by a crash is not part of this AOF.
        File::create(self.paths.file(&incr))?;
        let file = OpenOptions::new()
            .append(true)
            .create(true)
            .open(self.paths.file(&incr))?;
        let mut manifest = self.manifest.clone();
        manifest.incrs.push(incr.clone());
        if !self.base_pending {
            self.paths.write_manifest(&manifest)?;
        }
        self.manifest = manifest;
        self.file = file;
        self.incr_len = 0;
        Ok(Rewrite {
            base: self.manifest.next_base(&self.paths.basename),
            incr,
        })
    }

    /// Where a rewrite writes its base before it is renamed into place.
    pub fn rewrite_temp_path(&self) -> PathBuf {
        self.paths
            .dir
            .join(format!("temp-rewriteaof-bg-{}.rdb", std::process::id()))
    }

    /// Finishes a successful rewrite whose base is complete at `base`'s path:
    /// the manifest now lists it and the incremental files from the
    /// rewrite's start on; older files are deleted.
    pub fn finish_rewrite(&mut self, rewrite: &Rewrite) -> io::Result<()> {
        let mut manifest = self.manifest.clone();
        if let Some(old) = manifest.base.replace(rewrite.base.clone()) {
            manifest.history.push(AofFile {
                kind: FileKind::History,
                ..old
            });
        }
        let (old, kept): (Vec<AofFile>, Vec<AofFile>) = manifest
            .incrs
            .drain(..)
            .partition(|f| f.seq < rewrite.incr.seq);
        manifest.incrs = kept;
        manifest.history.extend(old.into_iter().map(|f| AofFile {
            kind: FileKind::History,
            ..f
        }));
        self.paths.write_manifest(&manifest)?;
        self.manifest = manifest;
        self.base_pending = false;
        delete_history(&self.paths, &mut self.manifest)?;
        self.current_size = self
            .manifest
            .load_order()
            .map(|f| fs::metadata(self.paths.file(f)).map_or(0, |m| m.len()))
            .sum();
        self.base_size = self.current_size;
        Ok(())
    }

    /// True when auto-aof-rewrite-percentage/min-size call for a rewrite.
    pub fn wants_rewrite(&self, percentage: u64, min_size: u64) -> bool {
        if percentage == 0 || self.current_size < min_size {
            return false;
        }
        let base = self.base_size.max(1);
        let growth = (self.current_size.saturating_sub(base)) * 100 / base;
        growth >= percentage
    }
}

/// Deletes the files the manifest lists as history, then drops them from it.
fn delete_history(paths: &AofPaths, manifest: &mut Manifest) -> io::Result<()> {
    if manifest.history.is_empty() {
        return Ok(());
    }
    for f in &manifest.history {
        match fs::remove_file(paths.file(f)) {
            Ok(()) => log::info!(target: "aof", "history_file_deleted file={}", f.name),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => {
                log::warn!(target: "aof", "history_delete_failed file={} error=\"{e}\"", f.name)
            }
        }
    }
    manifest.history.clear();
    paths.write_manifest(manifest)?;
    sync_dir(&paths.manifest())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_round_trips_in_redis_syntax() {
        let text = "file appendonly.aof.3.base.rdb seq 3 type b\n\
                    file appendonly.aof.4.incr.aof seq 4 type i\n\
                    file appendonly.aof.5.incr.aof seq 5 type i\n";
        let m = Manifest::parse(text).unwrap();
        assert_eq!(m.base.as_ref().unwrap().seq, 3);
        assert_eq!(m.incrs.len(), 2);
        assert_eq!(m.render(), text);
        assert_eq!(
            m.next_incr("appendonly.aof").name,
            "appendonly.aof.6.incr.aof"
        );
        assert_eq!(
            m.next_base("appendonly.aof").name,
            "appendonly.aof.4.base.rdb"
        );
        assert!(Manifest::parse("file x seq 1").is_err());
        assert!(Manifest::parse("file ../x seq 1 type i").is_err());
        assert!(Manifest::parse("file a seq 2 type i\nfile b seq 1 type i").is_err());
    }

    fn temp_dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("ferrocache-aof-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn rewrite_keeps_later_writes_and_deletes_old_files() {
        let root = temp_dir("rewrite");
        let paths = AofPaths::new(root.to_str().unwrap(), "appendonlydir", "appendonly.aof");
        let mut aof = Aof::open(paths.clone(), None).unwrap();
        let mut buf = b"*1\r\n$4\r\nPING\r\n".to_vec();
        assert_eq!(aof.write(&mut buf, AppendFsync::Always), Flushed::Done);
        assert!(buf.is_empty());
        let rewrite = aof.begin_rewrite().unwrap();
        let mut later = b"*2\r\n$3\r\nDEL\r\n$1\r\nk\r\n".to_vec();
        aof.write(&mut later, AppendFsync::No);
        // A crash now: the manifest lists both incremental files.
        let during = paths.read_manifest().unwrap().unwrap();
        assert_eq!(during.incrs.len(), 2);
        fs::write(paths.file(&rewrite.base), b"REDIS-base").unwrap();
        aof.finish_rewrite(&rewrite).unwrap();
        let after = paths.read_manifest().unwrap().unwrap();
        assert_eq!(
            after.base.as_ref().unwrap().name,
            "appendonly.aof.1.base.rdb"
        );
        assert_eq!(after.incrs, vec![rewrite.incr.clone()]);
        assert!(!root
            .join("appendonlydir/appendonly.aof.1.incr.aof")
            .exists());
        assert_eq!(
            fs::read(paths.file(&rewrite.incr)).unwrap(),
            b"*2\r\n$3\r\nDEL\r\n$1\r\nk\r\n"
        );
        fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn a_pending_base_leaves_the_old_manifest_until_the_rewrite_succeeds() {
        let root = temp_dir("pending");
        let paths = AofPaths::new(root.to_str().unwrap(), "appendonlydir", "appendonly.aof");
        let old = Aof::open(paths.clone(), None).unwrap();
        let old_manifest = paths.read_manifest().unwrap();
        drop(old);
        let mut aof = Aof::open_pending(paths.clone(), old_manifest.clone()).unwrap();
        assert_ne!(aof.manifest.incrs[0].name, "appendonly.aof.1.incr.aof");
        let rewrite = aof.begin_rewrite().unwrap();
        let mut buf = b"*1\r\n$4\r\nPING\r\n".to_vec();
        aof.write(&mut buf, AppendFsync::No);
        // A crash before the base: the old manifest, untouched.
        assert_eq!(paths.read_manifest().unwrap(), old_manifest);
        fs::write(paths.file(&rewrite.base), b"REDIS-base").unwrap();
        aof.finish_rewrite(&rewrite).unwrap();
        let after = paths.read_manifest().unwrap().unwrap();
        assert_eq!(after.base, Some(rewrite.base.clone()));
        assert_eq!(after.incrs, vec![rewrite.incr]);
        assert!(!root
            .join("appendonlydir/appendonly.aof.1.incr.aof")
            .exists());
        assert!(!aof.base_pending);
        fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn auto_rewrite_threshold() {
        let root = temp_dir("auto");
        let paths = AofPaths::new(root.to_str().unwrap(), "d", "a.aof");
        let mut aof = Aof::open(paths, None).unwrap();
        aof.base_size = 100;
        aof.current_size = 150;
        assert!(!aof.wants_rewrite(100, 10));
        aof.current_size = 200;
        assert!(aof.wants_rewrite(100, 10));
        assert!(!aof.wants_rewrite(100, 1000));
        assert!(!aof.wants_rewrite(0, 10));
        fs::remove_dir_all(&root).unwrap();
    }
}
