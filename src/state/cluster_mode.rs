//! The server's side of cluster mode: keeping nodes.conf and
//! cluster_state up to date (Redis's clusterDoBeforeSleep work).

use super::{unix_ms, ServerState};
use crate::cluster::{boot, nodes_conf, upkeep};

impl ServerState {
    /// Re-evaluates cluster_state (a no-op with cluster mode off).
    pub(crate) fn refresh_cluster_state(&mut self) {
        let full_coverage = self.config.cluster.require_full_coverage;
        if let Some(cluster) = self.cluster.as_mut() {
            upkeep::refresh_state(
                cluster,
                &mut self.cluster_first_refresh_ms,
                full_coverage,
                unix_ms(),
            );
        }
    }

    /// Writes nodes.conf durably (a no-op with cluster mode off).
    pub(crate) fn save_cluster_config(&self) -> std::io::Result<()> {
        let Some(cluster) = self.cluster.as_ref() else {
            return Ok(());
        };
        let path = boot::config_path(&self.config);
        nodes_conf::save(cluster, &path).inspect_err(|e| {
            log::warn!(
                target: "cluster",
                "config_save_failed path={} error=\"{e}\" msg=\"Could not save the cluster config file\"",
                path.display()
            );
        })
    }
}
