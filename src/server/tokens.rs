//! The token plan of the one `mio::Poll`: every socket and waker is a token
//! of the same loop, told apart by range.
//!
//! - `0 ..`: clients, by slab key (a follower's master link included once
//!   the handshake is over).
//! - `MIGRATE_TOKEN_BASE ..`: MIGRATE's cached connections to its targets,
//!   by link slab key (at most `state::migrations::CACHE_CAPACITY` cached,
//!   plus those of jobs queued beyond it).
//! - `BUS_LINK_BASE ..`: cluster bus links (issue 12), by slab key.
//! - `HTTP_TOKEN_BASE ..`: metrics HTTP connections.
//! - `BUS_LISTENER_BASE ..`: cluster bus listeners (at most 32), just
//!   below the waker.
//! - `WAKER_TOKEN`, `LEADER_LINK_TOKEN`: one each, just below the listeners.
//! - `LISTENER_TOKEN_BASE ..`: data-port listeners; `METRICS_LISTENER_BASE ..`:
//!   metrics-port listeners (at most 32 addresses each).

/// Client slab keys stay below this (the first range that is not clients').
pub(super) const CLIENT_TOKEN_LIMIT: usize = MIGRATE_TOKEN_BASE;
/// MIGRATE's outbound connections (`server::migrate`).
pub(super) const MIGRATE_TOKEN_BASE: usize = usize::MAX / 8;
pub(super) const HTTP_TOKEN_BASE: usize = usize::MAX / 2;
/// Cluster bus links (inbound and outbound), by slab key (issue 12).
pub(super) const BUS_LINK_BASE: usize = usize::MAX / 4;
/// Cluster bus listeners, one per bound address (at most 32), below the
/// waker (issue 12).
pub(super) const BUS_LISTENER_BASE: usize = usize::MAX - 100;
/// The loop's one `mio::Waker`: background threads (a diskless full sync)
/// wake the loop with it; the work is found before sleeping.
pub(super) const WAKER_TOKEN: usize = usize::MAX - 66;
/// The follower's link to its leader until it becomes the master client
/// (then it is a client token like any other).
pub(super) const LEADER_LINK_TOKEN: usize = usize::MAX - 65;
pub(super) const LISTENER_TOKEN_BASE: usize = usize::MAX - 64;
pub(super) const METRICS_LISTENER_BASE: usize = usize::MAX - 32;
