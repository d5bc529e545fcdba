//! Golden frames captured from redis-server 7.0.15 (issue 12, see
//! /tmp/notes/cluster-wire.md): each decodes to the fields the capture log
//! showed and re-encodes to the identical bytes.
//!
//! The capture: four nodes A=bea2ad4e (port 51257, bus 43521), B=df84125a
//! (54443/44033, cluster-announce-hostname n2.example), C=f14c8f10
//! (43745/36969, replica of A, later failed over), D=7f03967f (52871/53717).

use super::header::{fixed_text, message_flags, node_flags, STATE_FAIL, STATE_OK};
use super::messages::types;
use super::*;

const NODE_A: &[u8; 40] = b"bea2ad4e8e1ed5cfff023fab7eba23e8d8e0b11a";
const NODE_B: &[u8; 40] = b"df84125a260b7b71016d7b605adce9bc3a5fbbcc";
const NODE_C: &[u8; 40] = b"f14c8f104ca10ed9d48f9cacd79474282acb44bf";
const NODE_D: &[u8; 40] = b"7f03967fd476a16b00e386df28ab1e383046d129";

/// Every golden frame, by file name.
pub(super) const GOLDEN: &[(&str, &[u8])] = &[
    ("meet", include_bytes!("testdata/meet.bin")),
    ("ping_gossip2", include_bytes!("testdata/ping_gossip2.bin")),
    (
        "ping_gossip2_hostname",
        include_bytes!("testdata/ping_gossip2_hostname.bin"),
    ),
    ("pong_gossip2", include_bytes!("testdata/pong_gossip2.bin")),
    (
        "pong_hostname",
        include_bytes!("testdata/pong_hostname.bin"),
    ),
    ("fail", include_bytes!("testdata/fail.bin")),
    ("publish", include_bytes!("testdata/publish.bin")),
    ("publishshard", include_bytes!("testdata/publishshard.bin")),
    ("mfstart", include_bytes!("testdata/mfstart.bin")),
    (
        "auth_request_forceack",
        include_bytes!("testdata/auth_request_forceack.bin"),
    ),
    ("auth_ack", include_bytes!("testdata/auth_ack.bin")),
    (
        "auth_ack_paused",
        include_bytes!("testdata/auth_ack_paused.bin"),
    ),
    ("update", include_bytes!("testdata/update.bin")),
];

fn golden(name: &str) -> &'static [u8] {
    GOLDEN
        .iter()
        .find(|(n, _)| *n == name)
        .expect("golden frame")
        .1
}

/// Decodes golden frame `name`, checks it re-encodes byte for byte.
fn decoded(name: &str) -> Message {
    let bytes = golden(name);
    let msg = decode(bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert!(encode(&msg) == bytes, "{name}: re-encoding differs");
    msg
}

fn ports(h: &Header) -> (u16, u16, u16) {
    (h.port, h.cport, h.pport)
}

#[test]
fn every_golden_frame_round_trips() {
    for (name, bytes) in GOLDEN {
        let msg = decoded(name);
        assert!(msg.header.sender.is_valid(), "{name}");
        assert_eq!(fixed_text(&msg.header.ip), b"", "{name}: no announced ip");
        assert_eq!(bytes.len(), encode(&msg).len());
    }
}

#[test]
fn meet_is_a_bare_header_from_a_slotless_master() {
    let m = decoded("meet");
    assert_eq!(m.body, Body::Meet(PingBody::default()));
    let h = &m.header;
    assert_eq!(h.sender.0, *NODE_A);
    assert_eq!(ports(h), (51257, 43521, 0));
    assert_eq!(h.flags, node_flags::MASTER | node_flags::MYSELF);
    assert_eq!((h.current_epoch, h.config_epoch, h.offset), (0, 0, 0));
    assert_eq!(h.state, STATE_FAIL, "no slots assigned yet");
    assert!(h.replica_of.is_null() && h.slots.ranges().is_empty());
    assert_eq!(h.mflags, [0, 0, 0]);
}

#[test]
fn ping_carries_gossip_entries() {
    let m = decoded("ping_gossip2");
    assert_eq!(m.header.sender.0, *NODE_D);
    assert_eq!((m.header.current_epoch, m.header.config_epoch), (2, 2));
    let Body::Ping(p) = &m.body else {
        panic!("{:?}", m.body)
    };
    assert_eq!(p.gossip.len(), 2);
    assert!(p.extensions.is_empty());
    let g = &p.gossip[0];
    assert_eq!(g.node.0, *NODE_A);
    assert_eq!((g.ping_sent, g.pong_received), (0x6b16_e509, 0x6b16_e508));
    assert_eq!(fixed_text(&g.ip), b"127.0.0.1");
    assert_eq!(
        (g.port, g.cport, g.pport, g.flags),
        (51257, 43521, 0, node_flags::MASTER)
    );
}

#[test]
fn hostname_travels_as_a_ping_extension() {
    for name in ["ping_gossip2_hostname", "pong_hostname"] {
        let m = decoded(name);
        assert_eq!(m.header.sender.0, *NODE_B);
        assert_eq!(ports(&m.header), (54443, 44033, 0));
        assert_eq!(m.header.mflags, [message_flags::EXT_DATA, 0, 0]);
        let p = m.body.ping().unwrap();
        assert_eq!(p.extensions, vec![PingExt::hostname(b"n2.example")]);
        assert_eq!(p.extensions[0].as_hostname(), Some(&b"n2.example"[..]));
    }
    let Body::Pong(p) = decoded("pong_hostname").body else {
        panic!()
    };
    assert!(p.gossip.is_empty());
}

#[test]
fn pong_answers_with_the_senders_own_view() {
    let m = decoded("pong_gossip2");
    assert_eq!(m.header.sender.0, *NODE_A);
    let Body::Pong(p) = &m.body else { panic!() };
    assert_eq!(p.gossip.len(), 2);
    for g in &p.gossip {
        assert!(g.node.is_valid() && g.node.0 != *NODE_A);
    }
}

#[test]
fn fail_names_the_failing_node() {
    let m = decoded("fail");
    assert_eq!(
        m.body,
        Body::Fail {
            node: NodeName(*NODE_C)
        }
    );
    // Sent by A after the failover made it C's replica again.
    assert_eq!(m.header.sender.0, *NODE_A);
    assert_eq!(m.header.replica_of.0, *NODE_C);
    assert_eq!(m.header.flags, node_flags::SLAVE | node_flags::MYSELF);
    assert_eq!(
        (
            m.header.current_epoch,
            m.header.config_epoch,
            m.header.offset
        ),
        (5, 5, 14)
    );
}

#[test]
fn publish_and_spublish_carry_channel_and_message() {
    let m = decoded("publish");
    assert_eq!(
        m.body,
        Body::Publish(PublishBody {
            channel: b"news".to_vec(),
            message: b"hello-world".to_vec()
        })
    );
    assert_eq!(m.header.slots.ranges(), vec![(5461, 10922)]);
    let m = decoded("publishshard");
    let Body::PublishShard(p) = &m.body else {
        panic!()
    };
    assert_eq!(p.message, b"shard-msg");
    assert_eq!(p.channel.len(), 2);
    assert_eq!(
        m.header.flags,
        node_flags::MASTER | node_flags::MYSELF | node_flags::MIGRATE_TO
    );
}

#[test]
fn manual_failover_messages_are_bare_headers() {
    let m = decoded("mfstart");
    assert_eq!(m.body, Body::MfStart);
    assert_eq!(m.header.sender.0, *NODE_C);
    assert_eq!(m.header.replica_of.0, *NODE_A);
    assert_eq!(
        m.header.slots.ranges(),
        vec![(0, 5460)],
        "a replica sends its master's slots"
    );

    let m = decoded("auth_request_forceack");
    assert_eq!(m.body, Body::FailoverAuthRequest);
    assert_eq!(m.header.mflags, [message_flags::FORCEACK, 0, 0]);
    assert_eq!((m.header.current_epoch, m.header.config_epoch), (5, 1));

    let m = decoded("auth_ack");
    assert_eq!(m.body, Body::FailoverAuthAck);
    assert_eq!(m.header.sender.0, *NODE_D);
    assert_eq!(m.header.state, STATE_OK);

    let m = decoded("auth_ack_paused");
    assert_eq!(m.body, Body::FailoverAuthAck);
    assert_eq!(m.header.mflags, [message_flags::PAUSED, 0, 0]);
    assert_eq!(m.header.offset, 14);
}

#[test]
fn update_tells_a_node_its_slot_view_is_stale() {
    let m = decoded("update");
    let Body::Update {
        config_epoch,
        node,
        slots,
    } = &m.body
    else {
        panic!()
    };
    assert_eq!((*config_epoch, node.0), (4, *NODE_D));
    assert_eq!(slots.ranges(), vec![(5461, 5461), (10923, 16383)]);
}

#[test]
fn golden_stream_splits_into_the_same_frames() {
    let stream: Vec<u8> = GOLDEN.iter().flat_map(|(_, b)| b.iter().copied()).collect();
    for chunk_len in [1, 7, 8, 9, 1000, 2256, 4096, stream.len()] {
        let mut reader = FrameReader::new(DEFAULT_MAX_FRAME_LEN);
        let mut types_seen = Vec::new();
        for chunk in stream.chunks(chunk_len) {
            reader.push(chunk);
            while let Some(frame) = reader.next_frame().unwrap() {
                types_seen.push(decode(frame).unwrap().body.msg_type());
            }
        }
        assert_eq!(types_seen.len(), GOLDEN.len(), "chunks of {chunk_len}");
        assert_eq!(types_seen[0], types::MEET);
        assert_eq!(reader.pending(), 0);
    }
}
