//! Redis Cluster (wire-compatible with Redis 7.0): the state model
//! ([`state`], [`node`]), its persistence in nodes.conf ([`nodes_conf`]),
//! the CLUSTER administration commands on it ([`admin`]) and the
//! user-visible views (CLUSTER NODES/SLOTS/SHARDS/INFO/LINKS: [`views`]).
//! Not wired to the event loop yet.

// Until the loop and the CLUSTER command use these modules (issue 12).
#![allow(dead_code)]

pub(crate) mod admin;
pub(crate) mod node;
pub(crate) mod nodes_conf;
pub(crate) mod state;
pub(crate) mod views;
