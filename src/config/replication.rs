//! The leader's replication parameters (Redis's names, defaults and
//! limits): backlog, full-sync mode, keepalives, timeouts, min-replicas.
//! The follower's parameters (replicaof, masterauth, replica-*,
//! repl-diskless-load) are not here.

use super::{parse_bool, parse_int, yes_no, Inert, Param};

/// Typed values of the leader's replication parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeaderConfig {
    /// repl-backlog-size (bytes, at least 16 KB).
    pub backlog_size: u64,
    /// repl-backlog-ttl (seconds; 0: never freed).
    pub backlog_ttl: u64,
    /// repl-diskless-sync.
    pub diskless_sync: bool,
    /// repl-diskless-sync-delay (seconds).
    pub diskless_sync_delay: u64,
    /// repl-diskless-sync-max-replicas (0: no limit).
    pub diskless_sync_max_replicas: u64,
    /// repl-ping-replica-period (seconds, at least 1).
    pub ping_replica_period: u64,
    /// repl-timeout (seconds, at least 1).
    pub timeout: u64,
    /// min-replicas-to-write (0: off).
    pub min_replicas_to_write: u64,
    /// min-replicas-max-lag (seconds).
    pub min_replicas_max_lag: u64,
}

impl Default for LeaderConfig {
    fn default() -> Self {
        LeaderConfig {
            backlog_size: 1024 * 1024,
            backlog_ttl: 3600,
            diskless_sync: true,
            diskless_sync_delay: 5,
            diskless_sync_max_replicas: 0,
            ping_replica_period: 10,
            timeout: 60,
            min_replicas_to_write: 0,
            min_replicas_max_lag: 10,
        }
    }
}

const I32_MAX: i64 = i32::MAX as i64;

/// An integer field of [`LeaderConfig`] in `min..=max`.
macro_rules! leader_int {
    ($name:literal, $field:ident, $min:expr, $max:expr) => {
        Param {
            name: $name,
            mutable: true,
            get: |c| c.repl_leader.$field.to_string(),
            set: |c, v| {
                c.repl_leader.$field = parse_int(v, $min, $max)? as u64;
                Ok(())
            },
        }
    };
}

/// The parameters, in CONFIG GET order after the others (aliases share
/// their primary's field, as in Redis).
pub static LEADER_PARAMS: &[Param] = &[
    leader_int!("min-replicas-max-lag", min_replicas_max_lag, 0, I32_MAX),
    leader_int!("min-replicas-to-write", min_replicas_to_write, 0, I32_MAX),
    leader_int!("min-slaves-max-lag", min_replicas_max_lag, 0, I32_MAX),
    leader_int!("min-slaves-to-write", min_replicas_to_write, 0, I32_MAX),
    Param {
        name: "repl-backlog-size",
        mutable: true,
        get: |c| c.repl_leader.backlog_size.to_string(),
        set: |c, v| {
            let text = Inert::ReplBacklogSize.parse(v)?;
            c.repl_leader.backlog_size = text.parse().map_err(|_| "invalid size".to_string())?;
            Ok(())
        },
    },
    leader_int!("repl-backlog-ttl", backlog_ttl, 0, i64::MAX),
    Param {
        name: "repl-diskless-sync",
        mutable: true,
        get: |c| yes_no(c.repl_leader.diskless_sync),
        set: |c, v| {
            c.repl_leader.diskless_sync = parse_bool(v)?;
            Ok(())
        },
    },
    leader_int!("repl-diskless-sync-delay", diskless_sync_delay, 0, I32_MAX),
    leader_int!(
        "repl-diskless-sync-max-replicas",
        diskless_sync_max_replicas,
        0,
        I32_MAX
    ),
    leader_int!("repl-ping-replica-period", ping_replica_period, 1, I32_MAX),
    leader_int!("repl-ping-slave-period", ping_replica_period, 1, I32_MAX),
    leader_int!("repl-timeout", timeout, 1, I32_MAX),
];

#[cfg(test)]
mod tests {
    use crate::config::Config;

    #[test]
    fn typed_values_and_aliases() {
        let mut c = Config::default();
        c.set("repl-backlog-size", "1").unwrap();
        assert_eq!(c.repl_leader.backlog_size, 16 * 1024);
        c.set("repl-backlog-size", "2mb").unwrap();
        let shown = c.matching(b"repl-backlog-size");
        assert_eq!(shown, vec![("repl-backlog-size", "2097152".to_string())]);
        c.set("min-slaves-to-write", "2").unwrap();
        assert_eq!(c.repl_leader.min_replicas_to_write, 2);
        assert!(c.set("repl-timeout", "0").is_err());
        c.set("repl-diskless-sync", "no").unwrap();
        assert!(!c.repl_leader.diskless_sync);
    }
}
