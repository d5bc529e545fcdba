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

/// (user, system) CPU seconds of this process, from /proc/self/stat.
fn cpu_seconds() -> (f64, f64) {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
            / 100.0
    };
    // After the command name: state is field 0, utime is 11, stime is 12.
    (ticks(11), ticks(12))
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
                ctx.clients.len(),
                cfg.maxclients,
                ctx.clients.iter().map(|(_, c)| c.query_buffer_len()).max().unwrap_or(0),
                ctx.clients.iter().map(|(k, _)| ctx.reply_of(k).buf.capacity()).max().unwrap_or(0),
                s.blocking.blocked_clients(),
                s.blocking.with_deadline(),
            );
        }
        "memory" => memory_section(t, ctx),
        "persistence" => persistence_section(t, s),
        "stats" => {
            let _ = write!(
                t,
                "# Stats\r\ntotal_connections_received:{}\r\ntotal_commands_processed:{}\r\ntotal_net_input_bytes:{}\r\ntotal_net_output_bytes:{}\r\nrejected_connections:{}\r\nexpired_keys:{}\r\nevicted_keys:{}\r\nkeyspace_hits:{}\r\nkeyspace_misses:{}\r\npubsub_channels:0\r\npubsub_patterns:0\r\nlatest_fork_usec:0\r\ntotal_forks:0\r\ntotal_error_replies:{}\r\n",
                s.connections_received,
                s.commands_processed,
                s.net_input_bytes,
                s.net_output_bytes,
                s.rejected_connections,
                ctx.store.expired_keys(),
                ctx.store.evicted,
                ctx.store.hits,
                ctx.store.misses,
                s.total_error_replies,
            );
        }
        "replication" => {
            let _ = write!(
                t,
                "# Replication\r\nrole:master\r\nconnected_slaves:0\r\nmaster_replid:{}\r\nmaster_repl_offset:0\r\n",
                s.run_id
            );
        }
        "cpu" => {
            let (user, sys) = cpu_seconds();
            let _ = write!(
                t,
                "# CPU\r\nused_cpu_sys:{sys:.6}\r\nused_cpu_user:{user:.6}\r\n"
            );
        }
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
        "cluster" => t.push_str("# Cluster\r\ncluster_enabled:0\r\n"),
        "keyspace" => {
            t.push_str("# Keyspace\r\n");
            for (i, db) in ctx.store.dbs.iter().enumerate() {
                if !db.is_empty() {
                    let _ = write!(
                        t,
                        "db{i}:keys={},expires={},avg_ttl=0\r\n",
                        db.len(),
                        db.volatile()
                    );
                }
            }
        }
        _ => {}
    }
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

/// INFO memory, in Redis 7.0's field order. The overhead is what is not
/// data: the empty server, clients' buffers, the AOF buffer; the dataset is
/// the rest. Buffers not counted for eviction are reported as Redis does.
fn memory_section(t: &mut String, ctx: &Ctx) {
    let s = &*ctx.server;
    let cfg = &s.config;
    let used = used_memory();
    let rss = rss_bytes();
    let peak = s.peak_memory.max(used);
    let clients = ctx.clients_memory();
    let aof_buffer = s.aof_buffer_memory();
    let overhead = s.startup_memory + clients + aof_buffer + ctx.store.keyspace_overhead();
    let dataset = used.saturating_sub(overhead);
    let net = used.saturating_sub(s.startup_memory).max(1);
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
         mem_not_counted_for_evict:{}\r\nmem_replication_backlog:0\r\n\
         mem_total_replication_buffers:0\r\nmem_clients_slaves:0\r\n\
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
fn persistence_section(t: &mut String, s: &crate::server::ServerState) {
    let p = &s.persist;
    let now = crate::server::unix_ms() / 1000;
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
