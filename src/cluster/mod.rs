//! Redis Cluster (wire-compatible with Redis 7.0; issue 12): ferrocache
//! nodes join one cluster with redis-server 7.0 nodes.
//!
//! - [`bus`]: the cluster bus wire format (Redis 7.0 `clusterMsg`) —
//!   framing, decoding and encoding of every message type.
//! - [`state`], [`node`]: the state model (nodes, slots, epochs).
//! - [`nodes_conf`]: its persistence in nodes.conf, Redis's format.
//! - [`admin`]: the CLUSTER administration subcommands on the state.
//! - [`views`]: CLUSTER NODES/SLOTS/SHARDS/INFO/LINKS as Redis prints them.
//! - [`boot`]: nodes.conf loaded or created at start-up.
//! - [`upkeep`]: cluster_state re-evaluated from the loop.
//! - [`routing`]: which node serves a command (MOVED, ASK...).
//!
//! - [`handshake`]: the header we send, flags/names on the wire, PONGs.
//!
//! The CLUSTER command is `commands::cluster`; the loop's bus links are
//! `server::cluster_bus` (MEET/PING/PONG handshake only: no gossip,
//! failure detection or failover yet).

// Parts of the model and codec wait for gossip and failover (issue 12).
#![allow(dead_code)]

pub(crate) mod admin;
pub(crate) mod boot;
pub(crate) mod bus;
pub(crate) mod handshake;
pub(crate) mod node;
pub(crate) mod nodes_conf;
pub(crate) mod routing;
pub(crate) mod slot_owners;
pub(crate) mod state;
pub(crate) mod upkeep;
pub(crate) mod views;
