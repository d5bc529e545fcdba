//! Start-up loading: the AOF (base + incremental files, as the manifest
//! lists them) when appendonly is on, else the RDB file. Clients that connect
//! meanwhile are served between batches and get `-LOADING` for anything but
//! INFO & co.
//!
//! An RDB file is parsed on a helper thread that hands the loop batches of
//! ready entries. AOF commands are replayed in the loop by a socketless
//! client, through the same dispatch as any client's. A truncated last
//! command (a crash mid-write) is cut off with a warning when
//! aof-load-truncated is on; any other damage stops start-up with a message
//! naming the file and the byte offset.

use super::{Client, Server};
use crate::commands::table::registry;
use crate::commands::{dispatch, Ctx};
use crate::persistence::aof::{Aof, AofFile};
use crate::persistence::rdb::{read_rdb, ReplInfo};
use crate::resp::{parse_command, Argv, Limits, ParseProgress, Parsed};
use crate::state::persist::{aof_paths, rdb_path, Loading};
use crate::state::ReplyMode;
use crate::store::entry::Entry;
use crate::types::TypeLimits;
use log::{info, warn};
use mio::Events;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Entries per batch from the RDB parsing thread.
const BATCH: usize = 4096;
/// How often clients are served (and progress checked) during a load.
const SERVE_EVERY: Duration = Duration::from_millis(50);
/// How often progress is logged during a big load.
const LOG_EVERY: Duration = Duration::from_secs(2);
/// Bytes read from an AOF file at a time.
const AOF_CHUNK: usize = 256 * 1024;

/// What the RDB thread sends: entries, or the end of the file.
enum RdbMessage {
    Batch(Vec<(usize, Entry)>),
    /// The RDB's length in bytes, or why it failed.
    Done(Result<(u64, Option<ReplInfo>), String>),
}

impl Server {
    /// Loads the dataset before serving: the AOF when appendonly is on (and
    /// opens it for appending), else `dir/dbfilename` when it exists.
    pub fn load_data(&mut self) -> Result<(), LoadError> {
        let started = Instant::now();
        // Loaded keys get the current LRU/LFU clock, not 0.
        self.refresh_clock();
        if self.state.config.appendonly {
            let paths = aof_paths(&self.state.config);
            let manifest = paths.read_manifest()?;
            if let Some(m) = &manifest {
                let files: Vec<AofFile> = m.load_order().cloned().collect();
                for (i, f) in files.iter().enumerate() {
                    let path = paths.file(f);
                    let last = i + 1 == files.len();
                    if f.name.ends_with(".rdb") {
                        // An AOF base keeps expired keys: later commands of
                        // the AOF may still act on them (Redis does the same).
                        self.load_rdb_file(&path, true)?;
                    } else {
                        self.replay_aof_file(&path, last)?;
                    }
                }
            }
            let rdb = rdb_path(&self.state.config);
            let legacy = Path::new(&self.state.config.dir).join(&self.state.config.appendfilename);
            if manifest.is_none() && legacy.is_file() {
                // A single-file AOF from Redis 6 or older: load it (RDB
                // preamble and RESP tail), then move it into the directory
                // as the base of a multi-part AOF, as Redis 7 upgrades it.
                warn!(target: "aof", "legacy_aof action=load_and_adopt_as_base file={}", legacy.display());
                self.replay_aof_file(&legacy, true)?;
                self.adopt_as_base(paths, &legacy, false)?;
            } else if manifest.is_none() && rdb.exists() {
                // appendonly was just turned on in the config: rather than
                // start empty (Redis 7.0 ignores dump.rdb here), load the
                // snapshot and make it the AOF's first base.
                warn!(target: "aof", "no_aof_yet action=load_rdb_as_base file={}", rdb.display());
                self.load_rdb_file(&rdb, false)?;
                self.adopt_as_base(paths, &rdb, true)?;
            } else {
                let aof =
                    Aof::open(paths, manifest).map_err(|e| format!("cannot open the AOF: {e}"))?;
                self.state.persist.aof = Some(aof);
                self.state.propagation.set_aof(true);
            }
        } else {
            let path = rdb_path(&self.state.config);
            if path.exists() {
                self.load_rdb_file(&path, false)?;
            }
        }
        // Loading is not client activity: start counting from here.
        for stats in &mut self.state.cmd_stats {
            *stats = Default::default();
        }
        self.state.commands_processed = 0;
        self.state.dirty = 0;
        self.state.persist.dirty_at_last_save = 0;
        info!(
            target: "persistence",
            "dataset_loaded keys={} ms={}",
            self.store.total_keys(),
            started.elapsed().as_millis()
        );
        Ok(())
    }

    /// Opens the AOF with `source` (just loaded) as its first base.
    pub(super) fn adopt_as_base(
        &mut self,
        paths: crate::persistence::aof::AofPaths,
        source: &Path,
        keep_source: bool,
    ) -> Result<(), String> {
        let aof = Aof::open_with_base(paths, source, keep_source)
            .map_err(|e| format!("cannot start the AOF from {}: {e}", source.display()))?;
        self.state.persist.aof = Some(aof);
        self.state.propagation.set_aof(true);
        Ok(())
    }

    /// Loads an RDB file: parsed on a helper thread, inserted here. Keys
    /// already expired are skipped unless `keep_expired` (an AOF base).
    /// Returns the bytes the RDB took (an AOF's RESP tail may follow).
    pub(super) fn load_rdb_file(
        &mut self,
        path: &Path,
        keep_expired: bool,
    ) -> Result<u64, LoadError> {
        let file = File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let total = file.metadata().map_or(0, |m| m.len());
        let progress = Arc::new(AtomicU64::new(0));
        let (tx, rx) = mpsc::sync_channel::<RdbMessage>(8);
        let limits = TypeLimits::from_config(&self.state.config);
        let clock = self.store.new_clock();
        let thread_progress = progress.clone();
        let name = path.display().to_string();
        let reader = std::thread::Builder::new()
            .name("ferrocache-load".into())
            .spawn(move || {
                let mut batch = Vec::with_capacity(BATCH);
                let mut sink = |db: usize, entry: Entry| {
                    batch.push((db, entry));
                    if batch.len() == BATCH {
                        let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                        let _ = tx.send(RdbMessage::Batch(full));
                    }
                };
                let mut on_progress = |bytes: u64| thread_progress.store(bytes, Ordering::Relaxed);
                let input = io::BufReader::with_capacity(1 << 20, file);
                let result = read_rdb(input, &limits, clock, &mut sink, &mut on_progress)
                    .map(|summary| (summary.bytes, ReplInfo::from_aux(&summary.aux)))
                    .map_err(|e| format!("{name}: {e}"));
                if !batch.is_empty() {
                    let _ = tx.send(RdbMessage::Batch(batch));
                }
                let _ = tx.send(RdbMessage::Done(result));
            })
            .map_err(|e| format!("cannot start the loading thread: {e}"))?;

        self.begin_loading(total, None);
        let now_ms = super::unix_ms();
        let databases = self.store.dbs.len();
        let (mut loaded, mut expired) = (0u64, 0u64);
        // A replica keeps them too: its leader's DELs will remove them.
        let drop_expired = !keep_expired && !self.state.follower.is_replica();
        let mut last_log = Instant::now();
        let outcome = loop {
            match rx.recv_timeout(SERVE_EVERY) {
                Ok(RdbMessage::Batch(entries)) => {
                    if let Some(&(db, _)) = entries.iter().find(|(db, _)| *db >= databases) {
                        break Err(LoadError::Failed(format!(
                            "{}: database {db} is out of range (databases {databases})",
                            path.display()
                        )));
                    }
                    for (db, entry) in entries {
                        if drop_expired && entry.is_expired(now_ms) {
                            expired += 1;
                            continue;
                        }
                        self.store.dbs[db].insert(entry);
                        loaded += 1;
                    }
                }
                Ok(RdbMessage::Done(result)) => break result.map_err(LoadError::Failed),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => {
                    break Err(LoadError::Failed(format!(
                        "{}: the loading thread stopped",
                        path.display()
                    )))
                }
            }
            let bytes = progress.load(Ordering::Relaxed);
            if self.loading_tick(bytes, &mut last_log, path) {
                break Err(LoadError::Interrupted);
            }
        };
        drop(rx);
        if !matches!(outcome, Err(LoadError::Interrupted)) {
            let _ = reader.join();
        } // else the process exits: the reader is not waited for

        self.end_loading();
        let (bytes, repl) = outcome?;
        if !keep_expired {
            crate::replication::follower::adopt_saved_history(&mut self.state, repl);
        }
        self.state.persist.last_load_keys_loaded = loaded;
        self.state.persist.last_load_keys_expired = expired;
        info!(target: "rdb", "loaded file={} keys={loaded} expired_skipped={expired}", path.display());
        Ok(bytes)
    }

    /// Replays an AOF file of RESP commands. `last`: the newest file, whose
    /// truncated tail may be cut off (aof-load-truncated).
    pub(super) fn replay_aof_file(&mut self, path: &Path, last: bool) -> Result<(), LoadError> {
        let mut file = File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let total = file.metadata().map_or(0, |m| m.len());
        // An AOF rewritten with aof-use-rdb-preamble starts with an RDB
        // (Redis 7's .aof bases, Redis 6's single appendonly.aof).
        let mut magic = [0u8; 5];
        let preamble = read_full(&mut file, &mut magic).is_ok_and(|n| n == 5) && &magic == b"REDIS";
        let resp_start = if preamble {
            self.load_rdb_file(path, true)?
        } else {
            0
        };
        file.seek(SeekFrom::Start(resp_start))
            .map_err(|e| format!("{}: {e}", path.display()))?;
        let loader = self.clients.insert(Client::detached(0, true));
        self.clients[loader].reply_mode = ReplyMode::Off;
        self.begin_loading(total, Some(loader));
        let result = self.replay_commands(&mut file, resp_start, loader, path);
        let open_multi = self.clients[loader].multi.is_some();
        self.clients.remove(loader);
        self.end_loading();
        let (commands, mut valid_len, multi_start) = result?;
        let consumed_all = valid_len == total && !open_multi;
        if consumed_all {
            info!(target: "aof", "replayed file={} commands={commands}", path.display());
            return Ok(());
        }
        if open_multi {
            // A transaction without its EXEC never happened.
            valid_len = multi_start;
        }
        if !(last && self.state.config.aof_load_truncated) {
            return Err(LoadError::Failed(format!(
                "Bad file format reading the append only file {}: unexpected end of file at offset {valid_len} (aof-load-truncated is off, or it is not the last file)",
                path.display()
            )));
        }
        warn!(
            target: "aof",
            "truncated_tail_dropped file={} valid_bytes={valid_len} dropped_bytes={}",
            path.display(),
            total - valid_len
        );
        OpenOptions::new()
            .write(true)
            .open(path)
            .and_then(|f| f.set_len(valid_len).and_then(|_| f.sync_all()))
            .map_err(|e| format!("cannot truncate {}: {e}", path.display()))?;
        Ok(())
    }

    /// Runs every complete command of `file` (read from `file_offset`, where
    /// it is positioned) as client `loader`. Returns
    /// (commands, bytes of complete commands, offset of the open MULTI).
    pub(super) fn replay_commands(
        &mut self,
        file: &mut File,
        file_offset: u64,
        loader: usize,
        path: &Path,
    ) -> Result<(u64, u64, u64), LoadError> {
        let mut buf: Vec<u8> = Vec::new();
        let mut start = 0usize;
        let mut base_offset = file_offset; // file offset of buf[0]
        let mut commands = 0u64;
        let mut multi_start = 0u64;
        let mut args = Vec::new();
        let mut scratch = Vec::new();
        let mut progress = ParseProgress::default();
        let mut eof = false;
        let mut last_log = Instant::now();
        let mut last_serve = Instant::now();
        // As Redis's loader: the file's lengths are trusted, not capped
        // by proto-max-bulk-len (a value may have grown past it).
        let limits = Limits::for_client(usize::MAX, true);
        loop {
            let parsed = if start < buf.len() {
                if buf[start] != b'*' {
                    return Err(bad_format(path, base_offset + start as u64).into());
                }
                parse_command(
                    &buf[start..],
                    &limits,
                    &mut args,
                    &mut scratch,
                    &mut progress,
                )
                .map_err(|_| bad_format(path, base_offset + start as u64))?
            } else {
                Parsed::Incomplete
            };
            match parsed {
                Parsed::Command { consumed, .. } => {
                    let argv = Argv::new(&buf[start..], &args);
                    if registry().lookup(argv.get(0)).is_none() {
                        // Replaying around it would silently drop its data.
                        return Err(LoadError::Failed(format!(
                            "Unknown command '{}' reading the append only file {} at offset {}",
                            String::from_utf8_lossy(argv.get(0)),
                            path.display(),
                            base_offset + start as u64
                        )));
                    }
                    if argv.get(0).eq_ignore_ascii_case(b"multi") {
                        multi_start = base_offset + start as u64;
                    }
                    self.run_as(loader, argv);
                    start += consumed;
                    commands += 1;
                    if commands.is_multiple_of(1024) && last_serve.elapsed() >= SERVE_EVERY {
                        if self.loading_tick(base_offset + start as u64, &mut last_log, path) {
                            return Err(LoadError::Interrupted);
                        }
                        last_serve = Instant::now();
                    }
                }
                Parsed::Empty { consumed } => start += consumed,
                Parsed::Incomplete if eof => {
                    return Ok((commands, base_offset + start as u64, multi_start));
                }
                Parsed::Incomplete => {
                    // Keep the unparsed tail, read more after it.
                    buf.drain(..start);
                    base_offset += start as u64;
                    start = 0;
                    let had = buf.len();
                    buf.resize(had + AOF_CHUNK, 0);
                    let n = read_full(file, &mut buf[had..])
                        .map_err(|e| format!("{}: {e}", path.display()))?;
                    buf.truncate(had + n);
                    eof = n == 0;
                }
            }
        }
    }

    /// Runs one command as client `key` (the AOF loader). Time stands still
    /// at 0 meanwhile, as Redis's loading mode: no key is expired on access
    /// and a PEXPIREAT already past sets the TTL instead of deleting, so the
    /// replay rebuilds exactly what was written; active expiry cleans up
    /// once the load is over.
    pub(super) fn run_as(&mut self, key: usize, argv: Argv) {
        self.store.now_ms = 0;
        let mut reply = std::mem::take(&mut self.clients[key].reply);
        let mut ctx = Ctx {
            store: &mut self.store,
            out: &mut reply,
            db: self.clients[key].db,
            server: &mut self.state,
            clients: &mut self.clients,
            me: key,
        };
        dispatch::execute(&mut ctx, argv);
        let db = ctx.db;
        reply.buf.clear();
        let client = &mut self.clients[key];
        client.reply = reply;
        client.db = db;
    }

    pub(super) fn begin_loading(&mut self, total_bytes: u64, loader: Option<usize>) {
        self.state.persist.loading = Some(Loading {
            started_unix: super::unix_ms() / 1000,
            total_bytes,
            loaded_bytes: 0,
            loader,
        });
    }

    pub(super) fn end_loading(&mut self) {
        self.state.persist.loading = None;
    }

    /// Between batches: records progress, logs it now and then, and serves
    /// clients (they get -LOADING for data commands).
    /// Returns true when a signal or SHUTDOWN asks to stop: the load is
    /// abandoned (nothing is saved, the files stay as they are).
    pub(super) fn loading_tick(
        &mut self,
        loaded_bytes: u64,
        last_log: &mut Instant,
        path: &Path,
    ) -> bool {
        if let Some(loading) = self.state.persist.loading.as_mut() {
            loading.loaded_bytes = loaded_bytes;
            if last_log.elapsed() >= LOG_EVERY {
                *last_log = Instant::now();
                info!(
                    target: "persistence",
                    "loading_progress file={} loaded_bytes={loaded_bytes} total_bytes={} keys={}",
                    path.display(),
                    loading.total_bytes,
                    self.store.total_keys()
                );
            }
        }
        let mut events = Events::with_capacity(256);
        if self.poll.poll(&mut events, Some(Duration::ZERO)).is_ok() {
            self.refresh_clock();
            self.serve_pending_input();
            self.handle_events(&events);
            self.before_sleep();
        }
        self.stop.load(std::sync::atomic::Ordering::Relaxed) || self.state.shutdown.is_some()
    }
}

/// Why [`Server::load_data`] stopped.
#[derive(Debug, PartialEq)]
pub enum LoadError {
    /// A shutdown was requested while loading: the process exits cleanly.
    Interrupted,
    /// The dataset could not be loaded; the text says why.
    Failed(String),
}

impl From<String> for LoadError {
    fn from(text: String) -> LoadError {
        LoadError::Failed(text)
    }
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        match self {
            LoadError::Interrupted => f.write_str("shutdown requested while loading"),
            LoadError::Failed(text) => f.write_str(text),
        }
    }
}

/// Redis's message for an AOF that is not a sequence of RESP commands.
fn bad_format(path: &Path, offset: u64) -> String {
    format!(
        "Bad file format reading the append only file {} at offset {offset}: not a RESP command",
        path.display()
    )
}

/// Reads until `buf` is full or the file ends; the bytes read.
fn read_full(file: &mut File, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match file.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}
