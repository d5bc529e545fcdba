//! Redis Cluster support (issue 12): ferrocache nodes join one cluster with
//! redis-server 7.0 nodes.
//!
//! - [`bus`]: the cluster bus wire format (Redis 7.0 `clusterMsg`) — framing,
//!   decoding and encoding of every message type.

pub(crate) mod bus;
