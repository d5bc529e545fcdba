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
//! module id of MODULE messages. Offsets are documented in `header` and
//! `gossip`; the golden frames in `testdata/` were captured from
//! redis-server 7.0.15 (issue 12).
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
pub(crate) use gossip::{ext_types, Gossip, PingBody, PingExt, GOSSIP_LEN};
pub(crate) use header::{
    fixed_text, ip_field, message_flags, node_flags, Header, NodeName, SlotBitmap, HEADER_LEN,
    IP_LEN, NAME_LEN, STATE_FAIL, STATE_OK,
};
pub(crate) use messages::{decode, encode, types, Body, Message, PublishBody};
