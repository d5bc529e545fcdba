//! The Redis 7.0 cluster bus codec: the binary `clusterMsg` frames nodes
//! exchange on the bus port (client port + 10000 by default).
//!
//! - [`frame`]: splits a growing byte stream into frames (signature and
//!   length checks, a cap on the length a peer may announce).
//! - [`messages`]: [`Message`] = [`Header`] + [`Body`]; [`decode`] one frame
//!   with the length checks Redis makes, [`encode`] one back.
//! - [`header`]: the fixed 2256-byte header, node names, slot bitmaps, flags.
//! - [`gossip`]: the PING/PONG/MEET body: gossip entries and extensions.
//! - `wire`: big-endian field reading and writing.
//!
//! All multi-byte integers are big endian (network order) except the opaque
//! module id of MODULE messages. The layout notes are in
//! /tmp/notes/cluster-wire.md (issue 12) and the golden frames in `testdata/`
//! were captured from redis-server 7.0.15.
#![allow(dead_code, unused_imports)] // nothing uses the codec yet (issue 12 in progress)

mod error;
mod frame;
mod gossip;
mod header;
mod messages;
mod wire;

#[cfg(test)]
mod fuzz_tests;
#[cfg(test)]
mod golden_tests;
#[cfg(test)]
mod live_tests;

pub(crate) use error::BusError;
pub(crate) use frame::{frame_status, FrameReader, FrameStatus, DEFAULT_MAX_FRAME_LEN};
pub(crate) use gossip::{Gossip, PingBody, PingExt};
pub(crate) use header::{Header, NodeName, SlotBitmap};
pub(crate) use messages::{decode, encode, Body, Message, PublishBody};
