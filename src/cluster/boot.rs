//! Cluster mode at start-up (Redis 7.0's clusterInit without the bus):
//! load `cluster-config-file` from `dir`, or create a fresh node with a
//! random id and save it at once; then myself takes the announced ports.

use super::node::NodeId;
use super::nodes_conf;
use super::state::ClusterState;
use crate::config::Config;
use crate::state::unix_ms;
use std::io;
use std::path::{Path, PathBuf};

/// Where this node keeps its nodes.conf (`cluster-config-file` under `dir`).
pub(crate) fn config_path(config: &Config) -> PathBuf {
    Path::new(&config.dir).join(&config.cluster.config_file)
}

/// The bus port this node listens on: cluster-port, else the client
/// port + 10000 (Redis's rule; 0 when that does not fit in a port).
pub(crate) fn bus_port(config: &Config, client_port: u16) -> u16 {
    if config.cluster.port != 0 {
        return config.cluster.port;
    }
    client_port.checked_add(10000).unwrap_or(0)
}

/// The cluster state to serve with: nodes.conf as saved (heartbeats
/// restarted, links down), or a new node saved before anything else.
/// Myself's client and bus ports are then the announced ones, as Redis's
/// deriveAnnouncedPorts sets them. An unreadable or corrupt file stops
/// the start-up, as in Redis.
pub(crate) fn load_or_create(config: &Config, client_port: u16) -> Result<ClusterState, String> {
    let path = config_path(config);
    let mut state = match std::fs::read_to_string(&path) {
        Ok(text) if !text.trim().is_empty() => {
            let mut state =
                nodes_conf::parse(&text).map_err(|e| format!("{}: {e}", path.display()))?;
            state.after_load(unix_ms());
            log::info!(
                target: "cluster",
                "config_loaded id={} path={} msg=\"Node configuration loaded, I'm {}\"",
                state.myself,
                path.display(),
                state.myself
            );
            state
        }
        Ok(_) => fresh(&path)?,
        Err(e) if e.kind() == io::ErrorKind::NotFound => fresh(&path)?,
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let me = state.me_mut();
    me.port = match config.cluster.announce_port {
        0 => client_port,
        announced => announced,
    };
    me.cport = match config.cluster.announce_bus_port {
        0 => bus_port(config, client_port),
        announced => announced,
    };
    me.hostname = config.cluster.announce_hostname.clone();
    if !config.cluster.announce_ip.is_empty() {
        me.ip = config.cluster.announce_ip.clone();
    }
    Ok(state)
}

/// A new node (random id, no slots), saved before serving (Redis's
/// clusterSaveConfigOrDie).
fn fresh(path: &Path) -> Result<ClusterState, String> {
    let state = ClusterState::new(NodeId::random());
    log::info!(
        target: "cluster",
        "config_created id={} path={} msg=\"No cluster configuration found, I'm {}\"",
        state.myself,
        path.display(),
        state.myself
    );
    nodes_conf::save(&state, path).map_err(|e| {
        format!(
            "Fatal: can't update cluster config file {}: {e}",
            path.display()
        )
    })?;
    Ok(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config_in(dir: &Path) -> Config {
        let mut config = Config {
            dir: dir.to_string_lossy().into_owned(),
            ..Config::default()
        };
        config.cluster.enabled = true;
        config
    }

    #[test]
    fn a_new_node_is_saved_and_loaded_back_with_its_id() {
        let dir = std::env::temp_dir().join(format!("ferrocache-boot-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let config = config_in(&dir);
        let _ = std::fs::remove_file(config_path(&config));
        let first = load_or_create(&config, 7000).unwrap();
        assert!(config_path(&config).exists());
        assert_eq!((first.me().port, first.me().cport), (7000, 17000));
        let again = load_or_create(&config, 7001).unwrap();
        assert_eq!(again.myself, first.myself);
        assert_eq!(again.me().port, 7001, "ports follow the configuration");
        std::fs::write(config_path(&config), "garbage line\n").unwrap();
        assert!(load_or_create(&config, 7000).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn bus_port_is_cluster_port_or_client_port_plus_10000() {
        let mut config = Config::default();
        assert_eq!(bus_port(&config, 6379), 16379);
        assert_eq!(bus_port(&config, 60000), 0);
        config.cluster.port = 7777;
        assert_eq!(bus_port(&config, 6379), 7777);
    }
}
