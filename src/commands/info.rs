//! INFO [section [section ...]] with Redis's section and field names.

use super::table::registry;
use super::Ctx;
use crate::alloc::used_memory;
use crate::resp::Argv;
use std::fmt::Write;
use std::time::{SystemTime, UNIX_EPOCH};

/// Sections in output order; the flag says whether `INFO` alone shows it.
const SECTIONS: &[(&str, bool)] = &[
    ("server", true),
    ("clients", true),
    ("memory", true),
    ("persistence", true),
    ("stats", true),
    ("replication", true),
    ("cpu", true),
    ("modules", true),
    ("commandstats", false),
    ("latencystats", false),
    ("errorstats", true),
    ("cluster", true),
    ("keyspace", true),
];

/// `INFO [section [section ...]]`
pub fn info(ctx: &mut Ctx, argv: Argv) {
    let mut wanted: Vec<String> = argv
        .iter_from(1)
        .map(|s| String::from_utf8_lossy(s).to_ascii_lowercase())
        .collect();
    let all = wanted.iter().any(|s| s == "all" || s == "everything");
    let default = wanted.is_empty() || wanted.iter().any(|s| s == "default");
    wanted.retain(|s| !matches!(s.as_str(), "all" | "everything" | "default"));
    let mut text = String::new();
    for &(name, in_default) in SECTIONS {
        let show = all || (default && in_default) || wanted.iter().any(|w| w == name);
        if !show {
            continue;
        }
        if !text.is_empty() {
            text.push_str("\r\n");
        }
        section(ctx, name, &mut text);
    }
    ctx.out.verbatim(text.as_bytes());
}

fn human(bytes: usize) -> String {
    let b = bytes as f64;
    if b < 1024.0 {
        format!("{bytes}B")
    } else if b < 1024.0 * 1024.0 {
        format!("{:.2}K", b / 1024.0)
    } else if b < 1024.0 * 1024.0 * 1024.0 {
        format!("{:.2}M", b / (1024.0 * 1024.0))
    } else {
        format!("{:.2}G", b / (1024.0 * 1024.0 * 1024.0))
    }
}

/// Resident set size from /proc/self/statm (0 where unavailable).
pub fn rss_bytes() -> usize {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<usize>().ok())
        .map(|pages| pages * 4096)
        .unwrap_or(0)
}

/// (sys, user) CPU time of `who` (RUSAGE_SELF, _CHILDREN, _THREAD) as
/// Redis prints it: seconds with six decimals ("0.000000" if unavailable).
fn cpu_times(who: libc::c_int) -> (String, String) {
    // SAFETY: getrusage only writes the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(who, &mut usage) };
    let fmt = |t: libc::timeval| format!("{}.{:06}", t.tv_sec, t.tv_usec);
    (fmt(usage.ru_stime), fmt(usage.ru_utime))
}

/// INFO cpu, Redis 7.0's fields and order. INFO runs on the event loop's
/// thread, so RUSAGE_THREAD is the loop's own time (`*_main_thread`).
fn cpu_section(t: &mut String) {
    let (sys, user) = cpu_times(libc::RUSAGE_SELF);
    let (sys_children, user_children) = cpu_times(libc::RUSAGE_CHILDREN);
    let (sys_main, user_main) = cpu_times(libc::RUSAGE_THREAD);
    let _ = write!(
        t,
        "# CPU\r\nused_cpu_sys:{sys}\r\nused_cpu_user:{user}\r\nused_cpu_sys_children:{sys_children}\r\nused_cpu_user_children:{user_children}\r\nused_cpu_sys_main_thread:{sys_main}\r\nused_cpu_user_main_thread:{user_main}\r\n"
    );
}

fn section(ctx: &mut Ctx, name: &str, t: &mut String) {
    let s = &*ctx.server;
    let cfg = &s.config;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let uptime = s.started.elapsed().as_secs();
    match name {
        "server" => {
            let _ = write!(
                t,
                "# Server\r\nredis_version:{}\r\nferrocache_version:{}\r\nredis_git_sha1:00000000\r\nredis_git_dirty:0\r\nredis_build_id:0\r\nredis_mode:standalone\r\nos:{} {}\r\narch_bits:64\r\nmultiplexing_api:epoll\r\nprocess_id:{}\r\nprocess_supervised:no\r\nrun_id:{}\r\ntcp_port:{}\r\nserver_time_usec:{}\r\nuptime_in_seconds:{}\r\nuptime_in_days:{}\r\nhz:{}\r\nconfigured_hz:{}\r\nlru_clock:{}\r\nexecutable:{}\r\nconfig_file:{}\r\nio_threads_active:0\r\n",
                crate::REDIS_COMPAT_VERSION,
                crate::VERSION,
                std::env::consts::OS,
                std::env::consts::ARCH,
                std::process::id(),
                s.run_id,
                s.port,
                now.as_micros(),
                uptime,
                uptime / 86400,
                cfg.hz,
                cfg.hz,
                (now.as_secs() & 0xFF_FFFF),
                std::env::current_exe().map(|p| p.display().to_string()).unwrap_or_default(),
                cfg.config_file,
            );
        }
        "clients" => {
            let _ = write!(
                t,
                "# Clients\r\nconnected_clients:{}\r\ncluster_connections:0\r\nmaxclients:{}\r\nclient_recent_max_input_buffer:{}\r\nclient_recent_max_output_buffer:{}\r\nblocked_clients:{}\r\ntracking_clients:0\r\nclients_in_timeout_table:{}\r\n",
                // As Redis: replicas are not counted.
                ctx.clients.len() - s.leader.replicas.len(),
                cfg.maxclients,
                ctx.clients.iter().map(|(_, c)| c.query_buffer_len()).max().unwrap_or(0),
                ctx.clients.iter().map(|(k, _)| ctx.reply_of(k).buf.capacity()).max().unwrap_or(0),
                s.blocking.blocked_clients() + s.pause.held_clients(),
                s.blocking.with_deadline(),
            );
        }
        "memory" => memory_section(t, ctx),
        "persistence" => persistence_section(t, s),
        "stats" => stats_section(t, s, ctx.store),
        "replication" => crate::replication::info::info_section(t, s, ctx.clients),
        "cpu" => cpu_section(t),
        "modules" => t.push_str("# Modules\r\n"),
        "commandstats" => {
            t.push_str("# Commandstats\r\n");
            let reg = registry();
            for (id, st) in s.cmd_stats.iter().enumerate() {
                if st.calls == 0 && st.rejected_calls == 0 && st.failed_calls == 0 {
                    continue;
                }
                let per_call = if st.calls > 0 {
                    st.usec as f64 / st.calls as f64
                } else {
                    0.0
                };
                let _ = write!(
                    t,
                    "cmdstat_{}:calls={},usec={},usec_per_call={:.2},rejected_calls={},failed_calls={}\r\n",
                    reg.full_names[id], st.calls, st.usec, per_call, st.rejected_calls, st.failed_calls
                );
            }
        }
        "latencystats" => {
            t.push_str("# Latencystats\r\n");
            let reg = registry();
            for (id, st) in s
                .cmd_stats
                .iter()
                .enumerate()
                .filter(|(_, st)| st.calls > 0)
            {
                let p = |q: f64| percentile_usec(&st.latency_buckets, st.calls, q);
                let _ = write!(
                    t,
                    "latency_percentiles_usec_{}:p50={:.3},p99={:.3},p99.9={:.3}\r\n",
                    reg.full_names[id],
                    p(0.50),
                    p(0.99),
                    p(0.999)
                );
            }
        }
        "errorstats" => {
            t.push_str("# Errorstats\r\n");
            for (code, count) in &s.error_stats {
                let _ = write!(t, "errorstat_{code}:count={count}\r\n");
            }
        }
        "cluster" => {
            let enabled = u8::from(s.cluster.is_some());
            let _ = write!(t, "# Cluster\r\ncluster_enabled:{enabled}\r\n");
        }
        "keyspace" => {
            t.push_str("# Keyspace\r\n");
            for (i, db) in ctx.store.dbs.iter().enumerate() {
                if !db.is_empty() {
                    let _ = write!(
                        t,
                        "db{i}:keys={},expires={},avg_ttl={}\r\n",
                        db.len(),
                        db.volatile(),
                        db.avg_ttl
                    );
                }
            }
        }
        _ => {}
    }
}

/// INFO stats in Redis 7.0's field order. Fields of features ferrocache
/// does not have (replication, defrag, client tracking, forks, io-threads)
/// are 0; Redis's reply-buffer resize counters (`reply_buffer_shrinks`,
/// `_expands`) are absent: the reply buffer here is one growable vector.
fn stats_section(t: &mut String, s: &crate::state::ServerState, store: &crate::store::Store) {
    use crate::state::{Instantaneous, Scope};
    let inst = &s.instantaneous;
    let expire = &store.expire_stats;
    let fields: [(&str, String); 44] = [
        (
            "total_connections_received",
            s.connections_received.to_string(),
        ),
        ("total_commands_processed", s.commands_processed.to_string()),
        ("instantaneous_ops_per_sec", inst.ops.per_sec().to_string()),
        ("total_net_input_bytes", s.net_input_bytes.to_string()),
        ("total_net_output_bytes", s.net_output_bytes.to_string()),
        ("total_net_repl_input_bytes", "0".into()),
        ("total_net_repl_output_bytes", "0".into()),
        (
            "instantaneous_input_kbps",
            Instantaneous::kbps(&inst.net_input),
        ),
        (
            "instantaneous_output_kbps",
            Instantaneous::kbps(&inst.net_output),
        ),
        ("instantaneous_input_repl_kbps", "0.00".into()),
        ("instantaneous_output_repl_kbps", "0.00".into()),
        ("rejected_connections", s.rejected_connections.to_string()),
        ("sync_full", s.leader.sync_full.to_string()),
        ("sync_partial_ok", s.leader.sync_partial_ok.to_string()),
        ("sync_partial_err", s.leader.sync_partial_err.to_string()),
        ("expired_keys", store.expired_keys().to_string()),
        (
            "expired_stale_perc",
            format!("{:.2}", expire.stale_perc * 100.0),
        ),
        (
            "expired_time_cap_reached_count",
            expire.time_cap_reached_count.to_string(),
        ),
        (
            "expire_cycle_cpu_milliseconds",
            (expire.cycle_usec / 1000).to_string(),
        ),
        ("evicted_keys", store.evicted.to_string()),
        ("evicted_clients", "0".into()),
        ("total_eviction_exceeded_time", "0".into()),
        ("current_eviction_exceeded_time", "0".into()),
        ("keyspace_hits", store.hits.to_string()),
        ("keyspace_misses", store.misses.to_string()),
        (
            "pubsub_channels",
            s.pubsub.channel_count(Scope::Channel).to_string(),
        ),
        ("pubsub_patterns", s.pubsub.pattern_count().to_string()),
        (
            "pubsubshard_channels",
            s.pubsub.channel_count(Scope::Shard).to_string(),
        ),
        ("latest_fork_usec", "0".into()),
        ("total_forks", "0".into()),
        ("migrate_cached_sockets", s.migrations.cached().to_string()),
        ("slave_expires_tracked_keys", "0".into()),
        ("active_defrag_hits", "0".into()),
        ("active_defrag_misses", "0".into()),
        ("active_defrag_key_hits", "0".into()),
        ("active_defrag_key_misses", "0".into()),
        ("total_active_defrag_time", "0".into()),
        ("current_active_defrag_time", "0".into()),
        ("tracking_total_keys", "0".into()),
        ("tracking_total_items", "0".into()),
        ("tracking_total_prefixes", "0".into()),
        ("unexpected_error_replies", "0".into()),
        ("total_error_replies", s.total_error_replies.to_string()),
        ("dump_payload_sanitizations", "0".into()),
    ];
    t.push_str("# Stats\r\n");
    for (name, value) in fields {
        let _ = write!(t, "{name}:{value}\r\n");
    }
    let _ = write!(
        t,
        "total_reads_processed:{}\r\ntotal_writes_processed:{}\r\n\
         io_threaded_reads_processed:0\r\nio_threaded_writes_processed:0\r\n",
        s.reads_processed, s.writes_processed
    );
}

/// The upper bound (µs) of the histogram bucket holding quantile `q`.
fn percentile_usec(buckets: &[u64], calls: u64, q: f64) -> f64 {
    let target = ((calls as f64) * q).ceil().max(1.0) as u64;
    let mut cumulative = 0;
    for (i, count) in buckets.iter().enumerate() {
        cumulative += count;
        if cumulative >= target {
            return (1u64 << i) as f64;
        }
    }
    (1u64 << (buckets.len() - 1)) as f64
}

/// Where the memory goes, as INFO memory and MEMORY STATS report it.
pub struct MemoryOverview {
    /// Bytes allocated (the counting allocator's total).
    pub used: usize,
    /// The process's resident set size.
    pub rss: usize,
    /// The most ever allocated.
    pub peak: usize,
    /// Normal clients' buffers.
    pub clients: usize,
    /// The AOF buffer.
    pub aof_buffer: usize,
    /// What is not data: the empty server, clients, AOF buffer, keyspace tables.
    pub overhead: usize,
    /// The rest: `used - overhead`.
    pub dataset: usize,
    /// Allocated since start-up (at least 1).
    pub net: usize,
}

impl MemoryOverview {
    /// The figures now.
    pub fn of(ctx: &Ctx) -> MemoryOverview {
        let s = &*ctx.server;
        let used = used_memory();
        let clients = ctx.clients_memory();
        let aof_buffer = s.aof_buffer_memory();
        let overhead = s.startup_memory + clients + aof_buffer + ctx.store.keyspace_overhead();
        MemoryOverview {
            used,
            rss: rss_bytes(),
            peak: s.peak_memory.max(used),
            clients,
            aof_buffer,
            overhead,
            dataset: used.saturating_sub(overhead),
            net: used.saturating_sub(s.startup_memory).max(1),
        }
    }
}

/// INFO memory, in Redis 7.0's field order. The overhead is what is not
/// data: the empty server, clients' buffers, the AOF buffer; the dataset is
/// the rest. Buffers not counted for eviction are reported as Redis does.
fn memory_section(t: &mut String, ctx: &Ctx) {
    let s = &*ctx.server;
    let cfg = &s.config;
    let MemoryOverview {
        used,
        rss,
        peak,
        clients,
        aof_buffer,
        overhead,
        dataset,
        net,
    } = MemoryOverview::of(ctx);
    let backlog = s.repl.backlog.as_ref().map_or(0, |b| b.size());
    let replica_buffers = s.leader.buffer_memory;
    let repl_buffers = backlog + replica_buffers;
    let _ = write!(
        t,
        "# Memory\r\n\
         used_memory:{used}\r\nused_memory_human:{}\r\n\
         used_memory_rss:{rss}\r\nused_memory_rss_human:{}\r\n\
         used_memory_peak:{peak}\r\nused_memory_peak_human:{}\r\n\
         used_memory_peak_perc:{:.2}%\r\n\
         used_memory_overhead:{overhead}\r\nused_memory_startup:{}\r\n\
         used_memory_dataset:{dataset}\r\nused_memory_dataset_perc:{:.2}%\r\n\
         total_system_memory:{}\r\ntotal_system_memory_human:{}\r\n\
         maxmemory:{}\r\nmaxmemory_human:{}\r\nmaxmemory_policy:{}\r\n\
         mem_fragmentation_ratio:{:.2}\r\nmem_fragmentation_bytes:{}\r\n\
         mem_not_counted_for_evict:{}\r\nmem_replication_backlog:{backlog}\r\n\
         mem_total_replication_buffers:{repl_buffers}\r\nmem_clients_slaves:{replica_buffers}\r\n\
         mem_clients_normal:{clients}\r\nmem_cluster_links:0\r\n\
         mem_aof_buffer:{aof_buffer}\r\nmem_allocator:libc\r\n\
         active_defrag_running:0\r\nlazyfree_pending_objects:0\r\nlazyfreed_objects:0\r\n",
        human(used),
        human(rss),
        human(peak),
        used as f64 * 100.0 / peak.max(1) as f64,
        s.startup_memory,
        dataset as f64 * 100.0 / net as f64,
        total_system_memory(),
        human(total_system_memory() as usize),
        cfg.maxmemory,
        human(cfg.maxmemory as usize),
        cfg.maxmemory_policy.name(),
        rss as f64 / used.max(1) as f64,
        rss as i64 - used as i64,
        s.memory_not_counted_for_evict(),
    );
}

fn total_system_memory() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            let line = m.lines().find(|l| l.starts_with("MemTotal:"))?;
            line.split_whitespace().nth(1)?.parse::<u64>().ok()
        })
        .map(|kb| kb * 1024)
        .unwrap_or(0)
}

/// INFO persistence, with Redis 7.0's field names. There is no fork: the
/// cow fields count nothing and module_fork_* stay 0.
fn persistence_section(t: &mut String, s: &crate::state::ServerState) {
    let p = &s.persist;
    let now = crate::state::unix_ms() / 1000;
    let job_secs = |running: bool| -> i64 {
        match &p.job {
            Some(job) if running => job.started.elapsed().as_secs() as i64,
            _ => -1,
        }
    };
    let status = |ok: bool| if ok { "ok" } else { "err" };
    let _ = write!(
        t,
        "# Persistence\r\nloading:{}\r\nasync_loading:0\r\ncurrent_cow_peak:0\r\ncurrent_cow_size:0\r\ncurrent_cow_size_age:0\r\ncurrent_fork_perc:0.00\r\ncurrent_save_keys_processed:0\r\ncurrent_save_keys_total:0\r\n",
        u8::from(p.loading.is_some()),
    );
    if let Some(l) = &p.loading {
        let elapsed = now.saturating_sub(l.started_unix);
        let perc = l.loaded_bytes as f64 * 100.0 / l.total_bytes.max(1) as f64;
        let eta = if l.loaded_bytes == 0 {
            1
        } else {
            (l.total_bytes.saturating_sub(l.loaded_bytes) as f64 * elapsed as f64
                / l.loaded_bytes as f64) as u64
        };
        let _ = write!(
            t,
            "loading_start_time:{}\r\nloading_total_bytes:{}\r\nloading_rdb_used_mem:0\r\nloading_loaded_bytes:{}\r\nloading_loaded_perc:{perc:.2}\r\nloading_eta_seconds:{eta}\r\n",
            l.started_unix, l.total_bytes, l.loaded_bytes,
        );
    }
    let _ = write!(
        t,
        "rdb_changes_since_last_save:{}\r\nrdb_bgsave_in_progress:{}\r\nrdb_last_save_time:{}\r\nrdb_last_bgsave_status:{}\r\nrdb_last_bgsave_time_sec:{}\r\nrdb_current_bgsave_time_sec:{}\r\nrdb_saves:{}\r\nrdb_last_cow_size:0\r\nrdb_last_load_keys_expired:{}\r\nrdb_last_load_keys_loaded:{}\r\n",
        s.changes_since_save(),
        u8::from(p.bgsave_in_progress()),
        p.last_save_unix,
        status(p.last_bgsave_error.is_none()),
        p.last_bgsave_secs,
        job_secs(p.bgsave_in_progress()),
        p.saves,
        p.last_load_keys_expired,
        p.last_load_keys_loaded,
    );
    let aof = p.aof.as_ref();
    let _ = write!(
        t,
        "aof_enabled:{}\r\naof_rewrite_in_progress:{}\r\naof_rewrite_scheduled:{}\r\naof_last_rewrite_time_sec:{}\r\naof_current_rewrite_time_sec:{}\r\naof_last_bgrewrite_status:{}\r\naof_rewrites:{}\r\naof_rewrites_consecutive_failures:{}\r\naof_last_write_status:{}\r\naof_last_cow_size:0\r\nmodule_fork_in_progress:0\r\nmodule_fork_last_cow_size:0\r\n",
        u8::from(aof.is_some()),
        u8::from(p.rewrite_in_progress()),
        u8::from(p.rewrite_scheduled),
        p.last_rewrite_secs,
        job_secs(p.rewrite_in_progress()),
        status(p.last_rewrite_ok),
        p.rewrites,
        p.rewrite_failures_in_a_row,
        status(aof.is_none_or(|a| a.error.is_none())),
    );
    if let Some(a) = aof {
        let _ = write!(
            t,
            "aof_current_size:{}\r\naof_base_size:{}\r\naof_pending_rewrite:{}\r\naof_buffer_length:{}\r\naof_pending_bio_fsync:{}\r\naof_delayed_fsync:{}\r\n",
            a.current_size,
            a.base_size,
            u8::from(p.rewrite_scheduled),
            s.propagation.buf.len(),
            u8::from(a.fsync_in_progress()),
            a.delayed_fsyncs,
        );
    }
    if let Some(why) = &p.last_bgsave_error {
        // Not a Redis field: says why rdb_last_bgsave_status is err.
        let _ = write!(
            t,
            "rdb_last_bgsave_error:{}\r\n",
            why.replace(['\r', '\n'], " ")
        );
    }
    if let Some(why) = aof.and_then(|a| a.error.as_deref()) {
        let _ = write!(
            t,
            "aof_last_write_error:{}\r\n",
            why.replace(['\r', '\n'], " ")
        );
    }
}
