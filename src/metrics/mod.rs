//! Prometheus metrics: the text exposition of the server's counters, with
//! redis_exporter's metric names where the meaning is the same, served by
//! the tiny HTTP responder in [`http`] from the event loop.

pub mod http;
mod replication;

use crate::alloc::used_memory;
use crate::commands::info::rss_bytes;
use crate::commands::table::registry;
use crate::state::{Client, ServerState};
use crate::state::{CommandStats, LATENCY_BUCKETS};
use crate::store::Store;
use slab::Slab;
use std::fmt::{Display, Write};

/// Reads one counter out of a command's statistics.
type StatField = fn(&CommandStats) -> u64;

/// Renders every metric in the Prometheus text format (version 0.0.4);
/// `clients` are the connections of the data port (replicas included).
pub fn render(state: &ServerState, store: &Store, clients: &Slab<Client>) -> String {
    let mut m = Metrics::default();
    let uptime = state.started.elapsed().as_secs();
    m.gauge("redis_up", "Whether the server is up.", 1);
    m.gauge(
        "redis_uptime_in_seconds",
        "Seconds since the server started.",
        uptime,
    );
    m.gauge(
        "redis_connected_clients",
        "Connected clients, replicas not counted (INFO connected_clients).",
        clients.len().saturating_sub(state.leader.replicas.len()),
    );
    m.gauge(
        "redis_blocked_clients",
        "Clients blocked on keys.",
        state.blocking.blocked_clients() as u64,
    );
    m.gauge(
        "redis_memory_used_bytes",
        "Bytes allocated (used_memory).",
        used_memory() as u64,
    );
    m.gauge(
        "redis_memory_used_rss_bytes",
        "Resident set size.",
        rss_bytes() as u64,
    );
    m.gauge(
        "redis_memory_max_bytes",
        "maxmemory (0: no limit).",
        state.config.maxmemory,
    );
    m.counter(
        "redis_commands_processed_total",
        "Commands processed.",
        state.commands_processed,
    );
    m.counter(
        "redis_connections_received_total",
        "Connections accepted.",
        state.connections_received,
    );
    m.counter(
        "redis_rejected_connections_total",
        "Connections refused (maxclients, protected mode).",
        state.rejected_connections,
    );
    m.counter(
        "redis_net_input_bytes_total",
        "Bytes read from clients.",
        state.net_input_bytes,
    );
    m.counter(
        "redis_net_output_bytes_total",
        "Bytes written to clients.",
        state.net_output_bytes,
    );
    // redis_exporter's redis_instantaneous_ops_per_sec / _kbps, in base
    // units (promtool refuses abbreviated units in names).
    let inst = &state.instantaneous;
    m.gauge(
        "redis_instantaneous_commands_per_second",
        "Commands per second over the last ~1.6 s (INFO instantaneous_ops_per_sec).",
        inst.ops.per_sec(),
    );
    m.gauge(
        "redis_instantaneous_input_bytes_per_second",
        "Bytes per second read from clients over the last ~1.6 s (INFO instantaneous_input_kbps).",
        inst.net_input.per_sec(),
    );
    m.gauge(
        "redis_instantaneous_output_bytes_per_second",
        "Bytes per second written to clients over the last ~1.6 s (INFO instantaneous_output_kbps).",
        inst.net_output.per_sec(),
    );
    m.counter(
        "redis_keyspace_hits_total",
        "Lookups that found the key.",
        store.hits,
    );
    m.counter(
        "redis_keyspace_misses_total",
        "Lookups that missed.",
        store.misses,
    );
    m.counter(
        "redis_expired_keys_total",
        "Keys removed because they expired.",
        store.expired_keys(),
    );
    m.counter(
        "redis_evicted_keys_total",
        "Keys evicted by maxmemory.",
        store.evicted,
    );
    m.gauge(
        "redis_pubsub_channels",
        "Channels with subscribers.",
        state
            .pubsub
            .active(crate::state::Scope::Channel, None)
            .len() as u64,
    );
    m.gauge(
        "redis_pubsub_patterns",
        "Patterns with subscribers.",
        state.pubsub.pattern_count() as u64,
    );

    persistence(&mut m, state);
    replication::replication(&mut m, state, clients);

    m.header("redis_db_keys", "gauge", "Keys per database.");
    for (i, db) in store.dbs.iter().enumerate().filter(|(_, d)| !d.is_empty()) {
        m.sample("redis_db_keys", &format!("db=\"db{i}\""), db.len() as u64);
    }
    m.header(
        "redis_db_keys_expiring",
        "gauge",
        "Keys with an expire time per database.",
    );
    for (i, db) in store.dbs.iter().enumerate().filter(|(_, d)| !d.is_empty()) {
        m.sample(
            "redis_db_keys_expiring",
            &format!("db=\"db{i}\""),
            db.volatile() as u64,
        );
    }

    m.header(
        "redis_errors_total",
        "counter",
        "Error replies by error code.",
    );
    for (code, count) in &state.error_stats {
        m.sample(
            "redis_errors_total",
            &format!("err=\"{}\"", escape(code)),
            *count,
        );
    }

    let reg = registry();
    let used: Vec<usize> = (0..state.cmd_stats.len())
        .filter(|&id| state.cmd_stats[id].calls + state.cmd_stats[id].rejected_calls > 0)
        .collect();
    let counters: [(&str, &str, StatField); 3] = [
        ("redis_commands_total", "Calls per command.", |st| st.calls),
        (
            "redis_commands_failed_calls_total",
            "Calls that replied an error.",
            |st| st.failed_calls,
        ),
        (
            "redis_commands_rejected_calls_total",
            "Calls refused before running (arity, auth, OOM...).",
            |st| st.rejected_calls,
        ),
    ];
    for (name, help, value) in counters {
        m.header(name, "counter", help);
        for &id in &used {
            m.sample(
                name,
                &cmd_label(&reg.full_names[id]),
                value(&state.cmd_stats[id]),
            );
        }
    }
    m.header(
        "redis_commands_duration_seconds_total",
        "counter",
        "Time spent per command.",
    );
    for &id in &used {
        let secs = state.cmd_stats[id].usec as f64 / 1e6;
        m.sample(
            "redis_commands_duration_seconds_total",
            &cmd_label(&reg.full_names[id]),
            secs,
        );
    }
    m.header(
        "redis_commands_latencies_usec",
        "histogram",
        "Command latency in microseconds.",
    );
    for &id in &used {
        let st = &state.cmd_stats[id];
        let cmd = cmd_label(&reg.full_names[id]);
        let mut cumulative = 0;
        for (i, count) in st.latency_buckets.iter().enumerate() {
            cumulative += count;
            let le = if i == LATENCY_BUCKETS - 1 {
                "+Inf".to_string()
            } else {
                (1u64 << i).to_string()
            };
            m.sample(
                "redis_commands_latencies_usec_bucket",
                &format!("{cmd},le=\"{le}\""),
                cumulative,
            );
        }
        m.sample("redis_commands_latencies_usec_sum", &cmd, st.usec);
        m.sample("redis_commands_latencies_usec_count", &cmd, st.calls);
    }
    m.text
}

fn cmd_label(name: &str) -> String {
    format!("cmd=\"{}\"", escape(name))
}

/// Escapes a label value (backslash, quote, newline).
fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// The persistence series, with redis_exporter's names.
fn persistence(m: &mut Metrics, state: &ServerState) {
    let p = &state.persist;
    let aof = p.aof.as_ref();
    m.gauge(
        "redis_loading_dump_file",
        "Whether the dataset is loading.",
        u64::from(p.loading.is_some()),
    );
    m.gauge(
        "redis_rdb_bgsave_in_progress",
        "Whether a background save runs.",
        u64::from(p.bgsave_in_progress()),
    );
    m.gauge(
        "redis_rdb_changes_since_last_save",
        "Writes since the last successful save.",
        state.changes_since_save(),
    );
    m.gauge(
        "redis_rdb_last_save_timestamp_seconds",
        "Unix time of the last successful save.",
        p.last_save_unix,
    );
    m.gauge(
        "redis_rdb_last_bgsave_status",
        "1 when the last background save succeeded.",
        u64::from(p.last_bgsave_error.is_none()),
    );
    m.gauge(
        "redis_rdb_last_bgsave_duration_seconds",
        "Seconds the last background save took.",
        p.last_bgsave_secs.max(0) as u64,
    );
    m.counter("redis_rdb_saves_total", "Successful saves.", p.saves);
    m.gauge(
        "redis_aof_enabled",
        "Whether the append-only file is on.",
        u64::from(aof.is_some()),
    );
    m.gauge(
        "redis_aof_rewrite_in_progress",
        "Whether an AOF rewrite runs.",
        u64::from(p.rewrite_in_progress()),
    );
    m.gauge(
        "redis_aof_last_write_status",
        "1 when the last AOF write and fsync succeeded.",
        u64::from(aof.is_none_or(|a| a.error.is_none())),
    );
    m.gauge(
        "redis_aof_last_bgrewrite_status",
        "1 when the last AOF rewrite succeeded.",
        u64::from(p.last_rewrite_ok),
    );
    m.counter(
        "redis_aof_rewrites_total",
        "Successful AOF rewrites.",
        p.rewrites,
    );
    m.gauge(
        "redis_aof_current_size_bytes",
        "Size of the AOF (base and incremental files).",
        aof.map_or(0, |a| a.current_size),
    );
    m.gauge(
        "redis_aof_base_size_bytes",
        "Size of the AOF after its last rewrite.",
        aof.map_or(0, |a| a.base_size),
    );
    m.counter(
        "redis_aof_delayed_fsync_total",
        "AOF writes that did not wait for a slow fsync (everysec).",
        aof.map_or(0, |a| a.delayed_fsyncs),
    );
}

#[derive(Default)]
struct Metrics {
    text: String,
}

impl Metrics {
    fn header(&mut self, name: &str, kind: &str, help: &str) {
        let _ = writeln!(self.text, "# HELP {name} {help}\n# TYPE {name} {kind}");
    }

    fn sample(&mut self, name: &str, labels: &str, value: impl Display) {
        if labels.is_empty() {
            let _ = writeln!(self.text, "{name} {value}");
        } else {
            let _ = writeln!(self.text, "{name}{{{labels}}} {value}");
        }
    }

    fn gauge(&mut self, name: &str, help: &str, value: impl Display) {
        self.header(name, "gauge", help);
        self.sample(name, "", value);
    }

    fn counter(&mut self, name: &str, help: &str, value: u64) {
        self.header(name, "counter", help);
        self.sample(name, "", value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    #[test]
    fn exposition_has_headers_and_samples() {
        let state = ServerState::new(Config::default(), 6379, registry().specs.len());
        let store = Store::new(16);
        let text = render(&state, &store, &Slab::new());
        assert!(text.contains("# TYPE redis_connected_clients gauge\nredis_connected_clients 0\n"));
        assert!(text.contains("# TYPE redis_commands_processed_total counter\n"));
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let (name, value) = line.rsplit_once(' ').unwrap();
            assert!(!name.is_empty());
            assert!(value.parse::<f64>().is_ok(), "{line}");
        }
        assert_eq!(escape("a\"b\\c"), "a\\\"b\\\\c");
    }
}
