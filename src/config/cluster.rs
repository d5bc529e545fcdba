//! Redis Cluster's parameters (Redis 7.0's names, defaults and limits) as
//! typed values. cluster-announce-tls-port stays inert (no TLS).

use super::{one_of, parse_bool, parse_int, parse_memory, yes_no, Inert, Param};

/// Which endpoint CLUSTER SLOTS/SHARDS and redirections name a node by
/// (cluster-preferred-endpoint-type).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PreferredEndpoint {
    /// Its ip (default).
    #[default]
    Ip,
    /// Its announced hostname (`?` when it has none).
    Hostname,
    /// Neither: a null, clients reuse the address they connected to.
    UnknownEndpoint,
}

impl PreferredEndpoint {
    const NAMES: [&'static str; 3] = ["ip", "hostname", "unknown-endpoint"];

    /// The value as CONFIG GET shows it.
    pub fn name(self) -> &'static str {
        match self {
            PreferredEndpoint::Ip => "ip",
            PreferredEndpoint::Hostname => "hostname",
            PreferredEndpoint::UnknownEndpoint => "unknown-endpoint",
        }
    }
}

/// Typed values of the cluster parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClusterConfig {
    /// cluster-enabled: serve as a Redis Cluster node (db 0 only).
    pub enabled: bool,
    /// cluster-config-file: where the node saves its nodes.conf.
    pub config_file: String,
    /// cluster-node-timeout (ms): unreachable this long = PFAIL.
    pub node_timeout: u64,
    /// cluster-port: the bus port (0: client port + 10000).
    pub port: u16,
    /// cluster-announce-ip ("" = the address the peers see).
    pub announce_ip: String,
    /// cluster-announce-port (0 = the client port).
    pub announce_port: u16,
    /// cluster-announce-bus-port (0 = the bus port).
    pub announce_bus_port: u16,
    /// cluster-announce-hostname ("" = none).
    pub announce_hostname: String,
    /// cluster-preferred-endpoint-type.
    pub preferred_endpoint_type: PreferredEndpoint,
    /// cluster-require-full-coverage: the cluster is down while a slot has
    /// no working owner.
    pub require_full_coverage: bool,
    /// cluster-replica-validity-factor (0: any replica may fail over).
    pub replica_validity_factor: u64,
    /// cluster-migration-barrier: replicas a master keeps before one may
    /// migrate to an orphaned master.
    pub migration_barrier: u64,
    /// cluster-allow-reads-when-down.
    pub allow_reads_when_down: bool,
    /// cluster-allow-pubsubshard-when-down.
    pub allow_pubsubshard_when_down: bool,
    /// cluster-link-sendbuf-limit (bytes; 0: no limit).
    pub link_sendbuf_limit: u64,
    /// cluster-replica-no-failover.
    pub replica_no_failover: bool,
    /// cluster-allow-replica-migration.
    pub allow_replica_migration: bool,
}

impl Default for ClusterConfig {
    fn default() -> Self {
        ClusterConfig {
            enabled: false,
            config_file: "nodes.conf".into(),
            node_timeout: 15000,
            port: 0,
            announce_ip: String::new(),
            announce_port: 0,
            announce_bus_port: 0,
            announce_hostname: String::new(),
            preferred_endpoint_type: PreferredEndpoint::Ip,
            require_full_coverage: true,
            replica_validity_factor: 10,
            migration_barrier: 1,
            allow_reads_when_down: false,
            allow_pubsubshard_when_down: true,
            link_sendbuf_limit: 0,
            replica_no_failover: false,
            allow_replica_migration: true,
        }
    }
}

const I32_MAX: i64 = i32::MAX as i64;

/// A yes/no field of [`ClusterConfig`].
macro_rules! cluster_bool {
    ($name:literal, $field:ident) => {
        Param {
            name: $name,
            mutable: true,
            get: |c| yes_no(c.cluster.$field),
            set: |c, v| {
                c.cluster.$field = parse_bool(v)?;
                Ok(())
            },
        }
    };
}

/// An integer field of [`ClusterConfig`] in `min..=max`.
macro_rules! cluster_int {
    ($name:literal, $field:ident, $ty:ty, $min:expr, $max:expr, $mutable:expr) => {
        Param {
            name: $name,
            mutable: $mutable,
            get: |c| c.cluster.$field.to_string(),
            set: |c, v| {
                c.cluster.$field = parse_int(v, $min, $max)? as $ty;
                Ok(())
            },
        }
    };
}

/// A free-text field of [`ClusterConfig`].
macro_rules! cluster_str {
    ($name:literal, $field:ident, $mutable:expr) => {
        Param {
            name: $name,
            mutable: $mutable,
            get: |c| c.cluster.$field.clone(),
            set: |c, v| {
                c.cluster.$field = v.to_string();
                Ok(())
            },
        }
    };
}

/// The parameters, in CONFIG GET order after the replication ones
/// (aliases share their primary's field, as in Redis).
pub static CLUSTER_PARAMS: &[Param] = &[
    cluster_bool!(
        "cluster-allow-pubsubshard-when-down",
        allow_pubsubshard_when_down
    ),
    cluster_bool!("cluster-allow-reads-when-down", allow_reads_when_down),
    cluster_bool!("cluster-allow-replica-migration", allow_replica_migration),
    cluster_int!(
        "cluster-announce-bus-port",
        announce_bus_port,
        u16,
        0,
        65535,
        true
    ),
    Param {
        name: "cluster-announce-hostname",
        mutable: true,
        get: |c| c.cluster.announce_hostname.clone(),
        set: |c, v| {
            c.cluster.announce_hostname = Inert::Hostname.parse(v)?;
            Ok(())
        },
    },
    cluster_str!("cluster-announce-ip", announce_ip, true),
    cluster_int!("cluster-announce-port", announce_port, u16, 0, 65535, true),
    cluster_str!("cluster-config-file", config_file, false),
    Param {
        name: "cluster-enabled",
        mutable: false,
        get: |c| yes_no(c.cluster.enabled),
        set: |c, v| {
            c.cluster.enabled = parse_bool(v)?;
            Ok(())
        },
    },
    Param {
        name: "cluster-link-sendbuf-limit",
        mutable: true,
        get: |c| c.cluster.link_sendbuf_limit.to_string(),
        set: |c, v| {
            c.cluster.link_sendbuf_limit = parse_memory(v)?;
            Ok(())
        },
    },
    cluster_int!(
        "cluster-migration-barrier",
        migration_barrier,
        u64,
        0,
        I32_MAX,
        true
    ),
    cluster_int!("cluster-node-timeout", node_timeout, u64, 0, i64::MAX, true),
    cluster_int!("cluster-port", port, u16, 0, 65535, false),
    Param {
        name: "cluster-preferred-endpoint-type",
        mutable: true,
        get: |c| c.cluster.preferred_endpoint_type.name().into(),
        set: |c, v| {
            let name = one_of(v, &PreferredEndpoint::NAMES)?;
            c.cluster.preferred_endpoint_type = match name.as_str() {
                "hostname" => PreferredEndpoint::Hostname,
                "unknown-endpoint" => PreferredEndpoint::UnknownEndpoint,
                _ => PreferredEndpoint::Ip,
            };
            Ok(())
        },
    },
    cluster_bool!("cluster-replica-no-failover", replica_no_failover),
    cluster_int!(
        "cluster-replica-validity-factor",
        replica_validity_factor,
        u64,
        0,
        I32_MAX,
        true
    ),
    cluster_bool!("cluster-require-full-coverage", require_full_coverage),
    cluster_bool!("cluster-slave-no-failover", replica_no_failover),
    cluster_int!(
        "cluster-slave-validity-factor",
        replica_validity_factor,
        u64,
        0,
        I32_MAX,
        true
    ),
];

#[cfg(test)]
mod tests {
    use super::PreferredEndpoint;
    use crate::config::Config;

    #[test]
    fn typed_values_defaults_and_aliases() {
        let mut c = Config::default();
        let get = |c: &Config, name: &str| c.matching(name.as_bytes())[0].1.clone();
        assert_eq!(get(&c, "cluster-node-timeout"), "15000");
        assert_eq!(get(&c, "cluster-config-file"), "nodes.conf");
        assert_eq!(get(&c, "cluster-preferred-endpoint-type"), "ip");
        assert_eq!(get(&c, "cluster-require-full-coverage"), "yes");
        c.set("cluster-node-timeout", "5000").unwrap();
        assert_eq!(c.cluster.node_timeout, 5000);
        c.set("cluster-slave-validity-factor", "3").unwrap();
        assert_eq!(c.cluster.replica_validity_factor, 3);
        assert_eq!(get(&c, "cluster-replica-validity-factor"), "3");
        c.set("cluster-slave-no-failover", "yes").unwrap();
        assert!(c.cluster.replica_no_failover);
        c.set("cluster-preferred-endpoint-type", "HOSTNAME")
            .unwrap();
        assert_eq!(
            c.cluster.preferred_endpoint_type,
            PreferredEndpoint::Hostname
        );
        assert_eq!(get(&c, "cluster-preferred-endpoint-type"), "hostname");
        c.set("cluster-link-sendbuf-limit", "1mb").unwrap();
        assert_eq!(c.cluster.link_sendbuf_limit, 1 << 20);
        c.set("cluster-announce-hostname", "host-1.example")
            .unwrap();
        assert_eq!(c.cluster.announce_hostname, "host-1.example");
        assert!(c.set("cluster-announce-hostname", "bad_host").is_err());
        assert!(c.set("cluster-port", "65536").is_err());
        assert!(c.set("cluster-preferred-endpoint-type", "dns").is_err());
        assert!(c.set("cluster-migration-barrier", "-1").is_err());
    }

    #[test]
    fn cluster_enabled_takes_yes_and_no() {
        let mut c = Config::default();
        c.set("cluster-enabled", "yes").unwrap();
        assert!(c.cluster.enabled);
        c.set("cluster-enabled", "no").unwrap();
        assert!(!c.cluster.enabled);
        assert!(c.set("cluster-enabled", "maybe").is_err());
    }
}
