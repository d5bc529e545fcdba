//! The loop's side of persistence: SAVE/BGSAVE/BGREWRITEAOF, the save rules
//! and automatic rewrites checked by the timer, the AOF write before the
//! replies go out, and the MISCONF state after a disk error.
//!
//! The file formats and the background threads live in `crate::persistence`;
//! this file decides when they run and keeps the INFO persistence counters.

use super::server_state::unix_ms;
use super::{Presence, ServerState};
use crate::config::{AppendFsync, Config};
use crate::persistence::aof::{Aof, AofPaths, Flushed, Rewrite};
use crate::persistence::snapshot::{save_rdb, JobKind, RdbOptions, SaveError, SaveJob};
use crate::store::Store;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A failed BGSAVE triggered by a save rule, or a failed first AOF base, is
/// retried after this long.
const BGSAVE_RETRY_DELAY: Duration = Duration::from_secs(5);

/// Redis's MISCONF text after a failed background save.
pub const MISCONF_RDB: &str = "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.";

/// Persistence state owned by the loop (INFO persistence reads it).
pub struct Persistence {
    /// The open AOF, when appendonly is on.
    pub aof: Option<Aof>,
    /// The background save or rewrite running, if any (one at a time).
    pub job: Option<SaveJob>,
    /// The rewrite `job` is writing the base of.
    pub rewrite: Option<Rewrite>,
    /// BGREWRITEAOF / BGSAVE SCHEDULE asked while another job ran.
    pub rewrite_scheduled: bool,
    pub bgsave_scheduled: bool,
    /// Unix seconds of the last successful save (LASTSAVE).
    pub last_save_unix: u64,
    /// The dirty counter at the last successful save.
    pub dirty_at_last_save: u64,
    /// Why the last background save failed; None when it succeeded.
    pub last_bgsave_error: Option<String>,
    pub last_bgsave_secs: i64,
    last_bgsave_try: Option<Instant>,
    pub saves: u64,
    pub last_rewrite_ok: bool,
    pub last_rewrite_secs: i64,
    pub rewrites: u64,
    pub rewrite_failures_in_a_row: u64,
    /// When a rewrite was last started (a pending first base is retried).
    last_rewrite_try: Option<Instant>,
    /// While the dataset loads at start-up: other clients get -LOADING.
    pub loading: Option<Loading>,
    /// Keys loaded and skipped as expired by the last load.
    pub last_load_keys_loaded: u64,
    pub last_load_keys_expired: u64,
}

/// A load in progress (INFO loading_* fields).
pub struct Loading {
    pub started_unix: u64,
    pub total_bytes: u64,
    pub loaded_bytes: u64,
    /// The slab key of the AOF replay client, which the LOADING gate lets through.
    pub loader: Option<usize>,
}

impl Persistence {
    /// The state for a server that has not saved yet.
    pub fn new() -> Persistence {
        Persistence {
            aof: None,
            job: None,
            rewrite: None,
            rewrite_scheduled: false,
            bgsave_scheduled: false,
            last_save_unix: unix_ms() / 1000,
            dirty_at_last_save: 0,
            last_bgsave_error: None,
            last_bgsave_secs: -1,
            last_bgsave_try: None,
            saves: 0,
            last_rewrite_ok: true,
            last_rewrite_secs: -1,
            rewrites: 0,
            rewrite_failures_in_a_row: 0,
            last_rewrite_try: None,
            loading: None,
            last_load_keys_loaded: 0,
            last_load_keys_expired: 0,
        }
    }

    /// True while a BGSAVE runs.
    pub fn bgsave_in_progress(&self) -> bool {
        self.job.as_ref().is_some_and(|j| j.kind == JobKind::Rdb)
    }

    /// True while an AOF rewrite runs.
    pub fn rewrite_in_progress(&self) -> bool {
        self.job
            .as_ref()
            .is_some_and(|j| j.kind == JobKind::AofRewrite)
    }
}

impl Default for Persistence {
    fn default() -> Self {
        Persistence::new()
    }
}

/// The snapshot file: `dir/dbfilename`.
pub fn rdb_path(config: &Config) -> PathBuf {
    Path::new(&config.dir).join(&config.dbfilename)
}

/// The AOF's location for `config`.
pub fn aof_paths(config: &Config) -> AofPaths {
    AofPaths::new(&config.dir, &config.appenddirname, &config.appendfilename)
}

fn rdb_options(config: &Config, aof_base: bool) -> RdbOptions {
    RdbOptions {
        compress: config.rdbcompression,
        checksum: config.rdbchecksum,
        aof_base,
        repl: None,
    }
}

impl ServerState {
    /// The MISCONF error write commands get while the disk fails, if any.
    pub fn misconf_error(&self) -> Option<String> {
        let p = &self.persist;
        if let Some(why) = p.aof.as_ref().and_then(|a| a.error.as_deref()) {
            return Some(format!("MISCONF Errors writing to the AOF file: {why}"));
        }
        if self.config.stop_writes_on_bgsave_error
            && !self.config.save.is_empty()
            && p.last_bgsave_error.is_some()
        {
            return Some(MISCONF_RDB.into());
        }
        None
    }

    /// SAVE: writes the snapshot in the loop (clients wait). `reason` names
    /// what asked for it in the log (save_command, flushall, shutdown,
    /// debug_reload).
    pub fn save(&mut self, store: &Store, reason: &str) -> Result<(), String> {
        if self.persist.bgsave_in_progress() {
            return Err("ERR Background save already in progress".into());
        }
        let started = Instant::now();
        let target = rdb_path(&self.config);
        let temp = temp_rdb_path(&target);
        let views = store.snapshot();
        let mut options = rdb_options(&self.config, false);
        options.repl = crate::replication::follower::save_info(self);
        let never = std::sync::atomic::AtomicBool::new(false);
        match save_rdb(views, &target, &temp, options, &mut drop, &never) {
            Ok(bytes) => {
                log::info!(target: "rdb", "saved reason={reason} file={} bytes={bytes} ms={} msg=\"DB saved on disk\"", target.display(), started.elapsed().as_millis());
                self.saved(self.dirty);
                Ok(())
            }
            Err(e) => {
                // As Redis: a failed SAVE replies a bare ERR and leaves
                // rdb_last_bgsave_status alone; the log says why.
                log::warn!(target: "rdb", "save_failed reason={reason} file={} error=\"{e}\"", target.display());
                Err("ERR".into())
            }
        }
    }

    fn saved(&mut self, dirty_at_start: u64) {
        let p = &mut self.persist;
        p.last_save_unix = unix_ms() / 1000;
        p.dirty_at_last_save = dirty_at_start;
        p.last_bgsave_error = None;
        p.saves += 1;
    }

    /// Writes made since the last successful save (rdb_changes_since_last_save).
    pub fn changes_since_save(&self) -> u64 {
        self.dirty.saturating_sub(self.persist.dirty_at_last_save)
    }

    /// BGSAVE: starts writing a snapshot from a copy-on-write view on a
    /// background thread. Errors are Redis's replies. `reason` names what
    /// asked for it in the log (bgsave_command, save_rule, scheduled).
    pub fn start_bgsave(&mut self, store: &Store, reason: &str) -> Result<(), String> {
        if self.persist.job.is_some() {
            return Err(if self.persist.bgsave_in_progress() {
                "ERR Background save already in progress".into()
            } else {
                "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.".into()
            });
        }
        let target = rdb_path(&self.config);
        let temp = temp_rdb_path(&target);
        let views = store.snapshot();
        self.persist.last_bgsave_try = Some(Instant::now());
        let mut options = rdb_options(&self.config, false);
        options.repl = crate::replication::follower::save_info(self);
        match SaveJob::spawn(JobKind::Rdb, views, target, temp, options, self.dirty) {
            Ok(job) => {
                log::info!(target: "rdb", "bgsave_started reason={reason} file={} msg=\"Background saving started\"", job.target.display());
                self.persist.job = Some(job);
                Ok(())
            }
            Err(e) => {
                self.persist.last_bgsave_error = Some(e.to_string());
                Err(format!("ERR cannot start the background save: {e}"))
            }
        }
    }

    /// BGREWRITEAOF: new writes go to a fresh incremental file at once; the
    /// new base is written from a view taken now, in the background.
    pub fn start_rewrite(&mut self, store: &Store) -> Result<(), String> {
        if self.persist.job.is_some() {
            return Err("ERR Background append only file rewriting already in progress".into());
        }
        let Some(aof) = self.persist.aof.as_mut() else {
            return Err("ERR the append only file is off (appendonly no)".into());
        };
        // Everything the stream holds happened before the view: old file.
        if aof.write(&mut self.propagation.buf, AppendFsync::Always) != Flushed::Done {
            return Err("ERR cannot rewrite the AOF while writing it fails".into());
        }
        let rewrite = aof
            .begin_rewrite()
            .map_err(|e| format!("ERR cannot start the AOF rewrite: {e}"))?;
        self.propagation.forget_selected_db();
        let target = aof.paths.file(&rewrite.base);
        let temp = aof.rewrite_temp_path();
        let views = store.snapshot();
        let options = rdb_options(&self.config, true);
        match SaveJob::spawn(
            JobKind::AofRewrite,
            views,
            target,
            temp,
            options,
            self.dirty,
        ) {
            Ok(job) => {
                log::info!(target: "aof", "rewrite_started base={} incr={}", rewrite.base.name, rewrite.incr.name);
                self.persist.job = Some(job);
                self.persist.rewrite = Some(rewrite);
                Ok(())
            }
            Err(e) => Err(format!("ERR cannot start the AOF rewrite: {e}")),
        }
    }

    /// Each loop iteration: frees what a background save is done with.
    pub fn drop_released_segments(&mut self) {
        if let Some(job) = &self.persist.job {
            job.drop_released();
        }
    }

    /// Timer work: finish a background job, run scheduled or rule-triggered
    /// saves and rewrites, and start the everysec fsync.
    pub fn persistence_cron(&mut self, store: &Store) {
        if self.persist.job.as_ref().is_some_and(SaveJob::is_finished) {
            let job = self.persist.job.take().expect("checked");
            self.finish_job(job);
        }
        if self.persist.job.is_none() {
            let rewrite_allowed = self
                .persist
                .last_rewrite_try
                .is_none_or(|t| t.elapsed() >= self.rewrite_backoff());
            let base_retry_due =
                self.persist.aof.as_ref().is_some_and(|a| a.base_pending) && rewrite_allowed;
            if (self.persist.rewrite_scheduled || base_retry_due) && self.persist.aof.is_some() {
                self.persist.rewrite_scheduled = false;
                self.persist.last_rewrite_try = Some(Instant::now());
                let _ = self.start_rewrite(store);
            } else if self.persist.bgsave_scheduled {
                self.persist.bgsave_scheduled = false;
                let _ = self.start_bgsave(store, "scheduled");
            } else if let Some(rule) = self.save_rule_due() {
                // Redis's line names the rule, not the actual counts.
                log::info!(
                    target: "rdb",
                    "save_rule_due seconds={} changes={} msg=\"{} changes in {} seconds. Saving...\"",
                    rule.seconds, rule.changes, rule.changes, rule.seconds
                );
                let _ = self.start_bgsave(store, "save_rule");
            } else if rewrite_allowed
                && self.persist.aof.as_ref().is_some_and(|a| {
                    a.wants_rewrite(
                        self.config.auto_aof_rewrite_percentage,
                        self.config.auto_aof_rewrite_min_size,
                    )
                })
            {
                log::info!(target: "aof", "auto_rewrite reason=growth");
                self.persist.last_rewrite_try = Some(Instant::now());
                let _ = self.start_rewrite(store);
            }
        }
        let policy = self.config.appendfsync;
        if let Some(aof) = self.persist.aof.as_mut() {
            aof.tick(policy);
        }
    }

    /// How long after the last automatic rewrite attempt the next may start:
    /// 5 s after a failure, doubling with each failure in a row, at most an
    /// hour (Redis limits failing rewrites likewise). BGREWRITEAOF is never held.
    fn rewrite_backoff(&self) -> Duration {
        match self.persist.rewrite_failures_in_a_row {
            0 => Duration::ZERO,
            n => (BGSAVE_RETRY_DELAY * 2u32.saturating_pow(n.min(20) as u32 - 1))
                .min(Duration::from_secs(3600)),
        }
    }

    /// The first save rule `seconds changes` that holds (a failed save is
    /// not retried sooner than 5 s).
    fn save_rule_due(&self) -> Option<crate::config::SaveRule> {
        let changes = self.changes_since_save();
        if changes == 0 {
            return None;
        }
        let p = &self.persist;
        if p.last_bgsave_error.is_some()
            && p.last_bgsave_try
                .is_some_and(|t| t.elapsed() < BGSAVE_RETRY_DELAY)
        {
            return None;
        }
        let elapsed = (unix_ms() / 1000).saturating_sub(p.last_save_unix);
        self.config
            .save
            .iter()
            .find(|rule| changes >= rule.changes && elapsed >= rule.seconds)
            .copied()
    }

    fn finish_job(&mut self, job: SaveJob) {
        let secs = job.started.elapsed().as_secs() as i64;
        let (kind, dirty_at_start, target) = (job.kind, job.dirty_at_start, job.target.clone());
        let result = job.join();
        match kind {
            JobKind::Rdb => {
                self.persist.last_bgsave_secs = secs;
                match result {
                    Ok(bytes) => {
                        log::info!(target: "rdb", "bgsave_done file={} bytes={bytes} secs={secs} msg=\"Background saving terminated with success\"", target.display());
                        self.saved(dirty_at_start);
                    }
                    Err(SaveError::Cancelled) => {
                        // Stopped on purpose (FLUSHALL): not a disk error.
                        log::info!(target: "rdb", "bgsave_cancelled file={}", target.display());
                    }
                    Err(e) => {
                        log::warn!(target: "rdb", "bgsave_failed file={} error=\"{e}\"", target.display());
                        self.persist.last_bgsave_error = Some(e.to_string());
                    }
                }
            }
            JobKind::AofRewrite => {
                self.persist.last_rewrite_secs = secs;
                let rewrite = self.persist.rewrite.take();
                let finished = result.and_then(|bytes| {
                    let (Some(aof), Some(rewrite)) = (self.persist.aof.as_mut(), rewrite) else {
                        // The AOF was turned off meanwhile: nothing to finish.
                        return Err(SaveError::Cancelled);
                    };
                    aof.finish_rewrite(&rewrite)
                        .map(|_| bytes)
                        .map_err(|e| SaveError::Failed(e.to_string()))
                });
                match finished {
                    Err(SaveError::Cancelled) => {
                        log::info!(target: "aof", "rewrite_cancelled");
                    }
                    Ok(bytes) => {
                        log::info!(target: "aof", "rewrite_done base_bytes={bytes} secs={secs}");
                        self.persist.last_rewrite_ok = true;
                        self.persist.rewrites += 1;
                        self.persist.rewrite_failures_in_a_row = 0;
                    }
                    Err(e) => {
                        log::warn!(target: "aof", "rewrite_failed error=\"{e}\"");
                        self.persist.last_rewrite_ok = false;
                        self.persist.rewrite_failures_in_a_row += 1;
                    }
                }
            }
        }
    }

    /// Before replies go out: writes the effect stream to the AOF (fsynced
    /// first with `always`). False when the replies must wait: with `always`,
    /// a write that is not on disk is not acknowledged.
    pub fn flush_aof(&mut self) -> bool {
        let policy = self.config.appendfsync;
        let Some(aof) = self.persist.aof.as_mut() else {
            self.propagation.buf.clear();
            return true;
        };
        match aof.write(&mut self.propagation.buf, policy) {
            Flushed::Done => true,
            Flushed::Postponed => true,
            Flushed::Failed => policy != AppendFsync::Always,
        }
    }

    /// Stops a running BGSAVE and waits for its thread to end (FLUSHALL: the
    /// snapshot it writes is obsolete, as Redis kills its save child).
    pub fn cancel_bgsave(&mut self) {
        if let Some(job) = self.persist.job.as_ref().filter(|j| j.kind == JobKind::Rdb) {
            job.cancel();
            self.wait_for_job();
        }
    }

    /// Waits for a running background job (shutdown, tests).
    pub fn wait_for_job(&mut self) {
        if let Some(job) = self.persist.job.take() {
            while !job.is_finished() {
                std::thread::sleep(Duration::from_millis(5));
            }
            self.finish_job(job);
        }
    }

    /// Shutdown: waits for a running job, flushes and fsyncs the AOF, and
    /// saves a snapshot when `save` asks (SHUTDOWN SAVE, or save rules set
    /// and not NOSAVE). Err when the data could not be made durable.
    pub fn persist_for_shutdown(&mut self, store: &Store, save: bool) -> Result<(), String> {
        // A running BGSAVE is obsolete (a fresh save follows, or none is
        // wanted): stopped, as Redis kills its child. A rewrite completes.
        self.cancel_bgsave();
        self.wait_for_job();
        if self.persist.aof.as_ref().is_some_and(|a| a.base_pending) {
            // The AOF is not loadable without its first base (Redis: "Writing
            // initial AOF, can't exit").
            return Err("the AOF's first base is not written yet".into());
        }
        if let Some(aof) = self.persist.aof.as_mut() {
            let policy = AppendFsync::Always;
            if aof.write(&mut self.propagation.buf, policy) != Flushed::Done {
                return Err(aof.error.clone().unwrap_or_default());
            }
            aof.sync_now().map_err(|e| e.to_string())?;
        }
        if save {
            log::info!(target: "rdb", "shutdown_save msg=\"Saving the final RDB snapshot before exiting.\"");
            self.save(store, "shutdown")
                .map_err(|_| "the snapshot could not be written".to_string())?;
        }
        Ok(())
    }

    /// CONFIG SET appendonly: opens the AOF and writes its base from the
    /// current data (yes), or closes it (no).
    pub fn set_appendonly(&mut self, store: &Store, on: bool) -> Result<(), String> {
        if self.persist.loading.is_some() {
            return Err("loading flag is set".into());
        }
        if on == self.persist.aof.is_some() {
            return Ok(());
        }
        if !on {
            // A rewrite in progress is for an AOF nobody reads any more:
            // stopped, not waited for (Redis kills its child).
            if let Some(job) = self
                .persist
                .job
                .as_ref()
                .filter(|j| j.kind == JobKind::AofRewrite)
            {
                job.cancel();
            }
            self.persist.rewrite = None;
            self.persist.rewrite_scheduled = false;
            if let Some(mut aof) = self.persist.aof.take() {
                aof.write(&mut self.propagation.buf, AppendFsync::Always);
            }
            self.propagation.set_aof(false);
            return Ok(());
        }
        if self.persist.rewrite_in_progress() {
            // Turned off and on again while its rewrite winds down.
            self.wait_for_job();
        }
        let paths = aof_paths(&self.config);
        // Files left from an earlier AOF describe old data: replaced (and
        // deleted) once the new base is written, untouched until then.
        let old = paths.read_manifest()?;
        self.open_aof_over_data(store, paths, old)
    }

    /// Opens a new AOF while the dataset already holds data, and starts the
    /// rewrite that writes its first base.
    fn open_aof_over_data(
        &mut self,
        store: &Store,
        paths: crate::persistence::aof::AofPaths,
        old: Option<crate::persistence::aof::Manifest>,
    ) -> Result<(), String> {
        let aof = Aof::open_pending(paths, old).map_err(|e| e.to_string())?;
        self.persist.aof = Some(aof);
        self.propagation.set_aof(true);
        self.propagation.forget_selected_db();
        self.persist.last_rewrite_try = Some(Instant::now());
        if self.persist.bgsave_in_progress() {
            // The first base is written once the running BGSAVE is done.
            self.persist.rewrite_scheduled = true;
            return Ok(());
        }
        if let Err(e) = self.start_rewrite(store) {
            // No base can be written: the AOF stays off rather than half on.
            self.persist.aof = None;
            self.propagation.set_aof(false);
            return Err(e);
        }
        Ok(())
    }

    /// DEBUG RELOAD: saves (unless `save` is false), then replaces the
    /// dataset with what `dir/dbfilename` holds. The file is read into a
    /// fresh store first: a bad file leaves the data as it was.
    pub fn reload(
        &mut self,
        store: &mut Store,
        clients: &mut slab::Slab<super::Client>,
        save: bool,
    ) -> Result<(), String> {
        if save {
            self.wait_for_job();
            self.save(store, "debug_reload")?;
        }
        let path = rdb_path(&self.config);
        let file = std::fs::File::open(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut fresh = Store::new(store.dbs.len());
        let limits = crate::types::TypeLimits::from_config(&self.config);
        let databases = store.dbs.len();
        let mut out_of_range = None;
        let mut sink = |db: usize, entry: crate::store::entry::Entry| {
            if db < databases {
                fresh.dbs[db].insert(entry);
            } else {
                out_of_range = Some(db);
            }
        };
        crate::persistence::rdb::read_rdb(file, &limits, store.new_clock(), &mut sink, &mut |_| {})
            .map_err(|e| format!("{}: {e}", path.display()))?;
        if let Some(db) = out_of_range {
            return Err(format!("{}: database {db} is out of range", path.display()));
        }
        for db in 0..databases {
            let (old, now) = (&store.dbs[db], store.now_ms);
            let emptied = |key: &[u8]| Presence::of(old, key, now);
            self.watches.touch_db(clients, db, &emptied, None);
        }
        std::mem::swap(&mut store.dbs, &mut fresh.dbs);
        Ok(())
    }
}

/// `dir/temp-<pid>.rdb`, beside the target (rename stays in one file system).
fn temp_rdb_path(target: &Path) -> PathBuf {
    let name = format!("temp-{}.rdb", std::process::id());
    match target.parent() {
        Some(dir) => dir.join(name),
        None => PathBuf::from(name),
    }
}
