//! The replication series, with redis_exporter's names, labels and types
//! (it maps INFO replication and the sync_* fields of INFO stats to
//! gauges). Every value comes from the same helpers INFO replication uses,
//! so a scrape and an INFO taken at the same moment agree.

use super::{escape, Metrics};
use crate::replication::info::backlog_fields;
use crate::replication::leader::replica_rows;
use crate::state::{Client, ServerState};
use slab::Slab;
use std::time::Instant;

/// Appends the replication series of `state` to `m`: the replicas of this
/// node, the history both roles share, the leader's sync counters, and on
/// a replica its link to the leader.
pub(super) fn replication(m: &mut Metrics, state: &ServerState, clients: &Slab<Client>) {
    if state.follower.is_replica() {
        follower(m, state);
    }
    replicas(m, state, clients);
    let repl = &state.repl;
    let backlog = backlog_fields(state);
    m.gauge(
        "redis_master_repl_offset",
        "Bytes of the replication stream produced or applied (INFO master_repl_offset).",
        repl.offset,
    );
    m.gauge(
        "redis_second_repl_offset",
        "Offset up to which the previous replication id is valid, -1 if none (INFO second_repl_offset).",
        repl.ids.second_repl_offset,
    );
    m.gauge(
        "redis_repl_backlog_is_active",
        "Whether the replication backlog exists (INFO repl_backlog_active).",
        u8::from(backlog.active),
    );
    m.gauge(
        "redis_replication_backlog_bytes",
        "Size of the replication backlog (INFO repl_backlog_size).",
        backlog.size,
    );
    m.gauge(
        "redis_repl_backlog_first_byte_offset",
        "Stream offset of the backlog's oldest byte (INFO repl_backlog_first_byte_offset).",
        backlog.first_byte_offset,
    );
    m.gauge(
        "redis_repl_backlog_history_bytes",
        "Bytes of stream held in the backlog (INFO repl_backlog_histlen).",
        backlog.histlen,
    );
    // redis_exporter exposes these three INFO stats counters as gauges
    // without a _total suffix; kept so for drop-in dashboards and alerts.
    let leader = &state.leader;
    m.gauge(
        "redis_replica_resyncs_full",
        "Full resyncs served to replicas (INFO sync_full).",
        leader.sync_full,
    );
    m.gauge(
        "redis_replica_partial_resync_accepted",
        "Partial resyncs accepted (INFO sync_partial_ok).",
        leader.sync_partial_ok,
    );
    m.gauge(
        "redis_replica_partial_resync_denied",
        "Partial resyncs refused (INFO sync_partial_err).",
        leader.sync_partial_err,
    );
}

/// redis_connected_slaves and one offset and lag sample per replica,
/// labelled as redis_exporter labels INFO's `slaveN:` lines.
fn replicas(m: &mut Metrics, state: &ServerState, clients: &Slab<Client>) {
    let rows = replica_rows(state, clients);
    m.gauge(
        "redis_connected_slaves",
        "Replicas attached (INFO connected_slaves).",
        rows.len(),
    );
    let labels: Vec<String> = rows
        .iter()
        .map(|r| {
            format!(
                "slave_ip=\"{}\",slave_port=\"{}\",slave_state=\"{}\"",
                escape(&r.ip),
                r.port,
                r.state
            )
        })
        .collect();
    m.header(
        "redis_connected_slave_offset_bytes",
        "gauge",
        "Stream offset a replica acknowledged (INFO slaveN offset).",
    );
    for (row, l) in rows.iter().zip(&labels) {
        m.sample("redis_connected_slave_offset_bytes", l, row.offset);
    }
    m.header(
        "redis_connected_slave_lag_seconds",
        "gauge",
        "Seconds since a replica's last acknowledgement (INFO slaveN lag).",
    );
    for (row, l) in rows.iter().zip(&labels) {
        m.sample("redis_connected_slave_lag_seconds", l, row.lag);
    }
}

/// On a replica: its link to the leader, labelled with the leader's
/// address as redis_exporter does.
fn follower(m: &mut Metrics, state: &ServerState) {
    let f = &state.follower;
    let (host, port) = f.leader.clone().unwrap_or_default();
    let leader = format!("master_host=\"{}\",master_port=\"{port}\"", escape(&host));
    let (_, processed) = f.repl_offsets(state.repl.offset);
    let labelled: [(&str, &str, i64); 4] = [
        (
            "redis_master_link_up",
            "Whether the link to the leader is up (INFO master_link_status).",
            i64::from(f.link_up()),
        ),
        (
            "redis_master_last_io_seconds_ago",
            "Seconds since the leader last sent anything, -1 without a link (INFO master_last_io_seconds_ago).",
            f.last_io_seconds_ago(Instant::now()),
        ),
        (
            "redis_master_sync_in_progress",
            "Whether a full sync is being received or loaded (INFO master_sync_in_progress).",
            i64::from(f.sync_in_progress()),
        ),
        (
            "redis_slave_repl_offset",
            "Stream offset this replica has processed (INFO slave_repl_offset).",
            processed,
        ),
    ];
    for (name, help, value) in labelled {
        m.header(name, "gauge", help);
        m.sample(name, &leader, value);
    }
    let cfg = &state.config.replica;
    m.gauge(
        "redis_slave_priority",
        "replica-priority (INFO slave_priority).",
        cfg.priority,
    );
    // redis_exporter carries slave_read_only as a label of this info series.
    m.header(
        "redis_slave_info",
        "gauge",
        "This node is a replica; read_only is INFO slave_read_only.",
    );
    m.sample(
        "redis_slave_info",
        &format!("{leader},read_only=\"{}\"", u8::from(cfg.read_only)),
        1,
    );
}

#[cfg(test)]
mod tests {
    use crate::commands::table::registry;
    use crate::config::Config;
    use crate::metrics::render;
    use crate::state::ServerState;
    use crate::store::Store;
    use slab::Slab;

    fn scrape(state: &ServerState) -> String {
        render(state, &Store::new(16), &Slab::new())
    }

    #[test]
    fn a_leader_without_replicas_shows_its_history_only() {
        let state = ServerState::new(Config::default(), 6379, registry().specs.len());
        let text = scrape(&state);
        for line in [
            "redis_connected_slaves 0\n",
            "redis_master_repl_offset 0\n",
            "redis_second_repl_offset -1\n",
            "redis_repl_backlog_is_active 0\n",
            "redis_replication_backlog_bytes 1048576\n",
            "redis_replica_resyncs_full 0\n",
            "# TYPE redis_connected_slave_lag_seconds gauge\n",
        ] {
            assert!(text.contains(line), "missing {line:?} in\n{text}");
        }
        assert!(!text.contains("redis_master_link_up"), "{text}");
        assert!(!text.contains("\nredis_connected_slave_offset_bytes{"));
    }

    #[test]
    fn a_replica_before_its_first_sync_shows_a_down_link() {
        let mut state = ServerState::new(Config::default(), 6379, registry().specs.len());
        state.follower.follow(Some(("10.0.0.\"1".into(), 6380)));
        let text = scrape(&state);
        let leader = "master_host=\"10.0.0.\\\"1\",master_port=\"6380\"";
        for line in [
            format!("redis_master_link_up{{{leader}}} 0\n"),
            format!("redis_master_last_io_seconds_ago{{{leader}}} -1\n"),
            format!("redis_master_sync_in_progress{{{leader}}} 0\n"),
            format!("redis_slave_repl_offset{{{leader}}} 0\n"),
            "redis_slave_priority 100\n".to_string(),
            format!("redis_slave_info{{{leader},read_only=\"1\"}} 1\n"),
        ] {
            assert!(text.contains(&line), "missing {line:?} in\n{text}");
        }
    }
}
