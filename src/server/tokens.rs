//! The token plan of the one `mio::Poll`: every socket and waker is a token
//! of the same loop, told apart by range.

/// Token plan: clients use their slab keys (small numbers); metrics HTTP
/// connections start at HTTP_TOKEN_BASE; listeners sit at the very top.
pub(super) const HTTP_TOKEN_BASE: usize = usize::MAX / 2;
pub(super) const LISTENER_TOKEN_BASE: usize = usize::MAX - 64;
/// The follower's link to its leader until it becomes the master client
/// (then it is a client token like any other).
pub(super) const LEADER_LINK_TOKEN: usize = usize::MAX - 65;
pub(super) const METRICS_LISTENER_BASE: usize = usize::MAX - 32;
