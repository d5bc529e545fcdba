//! The shared state commands read and change, owned by the event loop and
//! never locked: connected clients, blocked clients, WATCHes, Pub/Sub
//! subscriptions, the effect stream to the AOF, pauses, SLOWLOG/LATENCY,
//! statistics and the persistence jobs in flight.
//!
//! Layering: this sits above `store`, `types`, `persistence` and below
//! `commands` (handlers change it through `commands::Ctx`) and the event loop
//! in `server` (which owns it). Nothing here imports either of them.

mod blocking;
mod client;
mod client_kind;
mod cluster_mode;
mod instant;
mod latency;
pub(crate) mod migrations;
mod pause;
pub(crate) mod persist;
pub(crate) mod propagate;
mod pubsub;
mod server_state;
mod slowlog;
mod stats;
mod watch;

pub(crate) use blocking::{BlockedOn, Release, TimeoutReply, WaitKey};
pub(crate) use client::{is_loopback, Client, ReplyMode};
pub(crate) use client_kind::ClientKind;
pub(crate) use instant::Instantaneous;
pub(crate) use pause::{Pause, PauseMode};
pub(crate) use pubsub::Scope;
pub(crate) use server_state::{unix_ms, Removal, ServerState, Shutdown};
pub(crate) use stats::{CommandId, CommandStats, LATENCY_BUCKETS};
pub(crate) use watch::Presence;
