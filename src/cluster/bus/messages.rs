//! Whole bus messages: [`Message`] = [`Header`] + [`Body`], [`decode`] with
//! the length checks of Redis 7.0's `clusterProcessPacket`, and [`encode`].

use super::gossip::{read_ping_body, write_ping_body, PingBody};
use super::header::{
    message_flags, read_header, write_header, Header, NodeName, SlotBitmap, HEADER_LEN,
    PROTOCOL_VERSION, SIGNATURE, SLOT_BYTES,
};
use super::wire::{put_u32, put_u64, Reader};
use super::BusError;

/// Message types (`CLUSTERMSG_TYPE_*`), the `type` field at offset 12.
pub(crate) mod types {
    pub(crate) const PING: u16 = 0;
    pub(crate) const PONG: u16 = 1;
    pub(crate) const MEET: u16 = 2;
    pub(crate) const FAIL: u16 = 3;
    pub(crate) const PUBLISH: u16 = 4;
    pub(crate) const FAILOVER_AUTH_REQUEST: u16 = 5;
    pub(crate) const FAILOVER_AUTH_ACK: u16 = 6;
    pub(crate) const UPDATE: u16 = 7;
    pub(crate) const MFSTART: u16 = 8;
    pub(crate) const MODULE: u16 = 9;
    pub(crate) const PUBLISHSHARD: u16 = 10;
}

/// Bytes of a FAIL body (one node name).
const FAIL_LEN: usize = 40;
/// Bytes of a PUBLISH body before the channel and message.
const PUBLISH_FIXED_LEN: usize = 8;
/// Bytes of an UPDATE body (config epoch, node name, slot bitmap).
const UPDATE_LEN: usize = 8 + 40 + SLOT_BYTES;
/// Bytes of a MODULE body before the payload (module id, len, type).
const MODULE_FIXED_LEN: usize = 13;

/// A channel and message of PUBLISH / PUBLISHSHARD.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PublishBody {
    pub(crate) channel: Vec<u8>,
    pub(crate) message: Vec<u8>,
}

/// What follows the header, by message type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Body {
    Ping(PingBody),
    Pong(PingBody),
    Meet(PingBody),
    /// The named node is failing (sent by the master that declared it).
    Fail {
        node: NodeName,
    },
    /// PUBLISH on any node, relayed to all.
    Publish(PublishBody),
    /// SPUBLISH, relayed to the nodes of the sender's shard.
    PublishShard(PublishBody),
    /// A replica asks masters for their vote (header only; FORCEACK in
    /// `mflags[0]` for a manual failover).
    FailoverAuthRequest,
    /// A master's vote (header only).
    FailoverAuthAck,
    /// A replica asks its master to pause for a manual failover.
    MfStart,
    /// The receiver's view of `node` is stale: it serves `slots` at
    /// `config_epoch`.
    Update {
        config_epoch: u64,
        node: NodeName,
        slots: SlotBitmap,
    },
    /// A module's message. `module_id` is opaque and NOT byte-swapped.
    Module {
        module_id: [u8; 8],
        module_type: u8,
        payload: Vec<u8>,
    },
    /// A type this version does not know; Redis accepts any length for it.
    Unknown {
        msg_type: u16,
        count: u16,
        payload: Vec<u8>,
    },
}

impl Body {
    /// The `type` field for this body.
    pub(crate) fn msg_type(&self) -> u16 {
        match self {
            Body::Ping(_) => types::PING,
            Body::Pong(_) => types::PONG,
            Body::Meet(_) => types::MEET,
            Body::Fail { .. } => types::FAIL,
            Body::Publish(_) => types::PUBLISH,
            Body::PublishShard(_) => types::PUBLISHSHARD,
            Body::FailoverAuthRequest => types::FAILOVER_AUTH_REQUEST,
            Body::FailoverAuthAck => types::FAILOVER_AUTH_ACK,
            Body::MfStart => types::MFSTART,
            Body::Update { .. } => types::UPDATE,
            Body::Module { .. } => types::MODULE,
            Body::Unknown { msg_type, .. } => *msg_type,
        }
    }

    /// The ping body of PING, PONG and MEET.
    pub(crate) fn ping(&self) -> Option<&PingBody> {
        match self {
            Body::Ping(p) | Body::Pong(p) | Body::Meet(p) => Some(p),
            _ => None,
        }
    }
}

/// One bus message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Message {
    pub(crate) header: Header,
    pub(crate) body: Body,
}

/// Decodes exactly one frame (`frame.len()` must equal its `totlen`; see
/// [`super::frame_status`] to find frames in a stream). Refuses what Redis
/// 7.0 refuses: a bad signature or version, and a `totlen` that does not
/// match the type's body (count of gossip entries, extension lengths,
/// channel and message lengths). Never allocates more than `frame.len()`.
pub(crate) fn decode(frame: &[u8]) -> Result<Message, BusError> {
    if frame.len() < 8 {
        return Err(BusError::TooShort {
            totlen: frame.len() as u64,
        });
    }
    if &frame[..4] != SIGNATURE {
        return Err(BusError::BadSignature);
    }
    let totlen = u64::from(super::wire::u32_at(frame, 4));
    if totlen != frame.len() as u64 {
        return Err(BusError::LengthMismatch {
            totlen,
            actual: frame.len(),
        });
    }
    if frame.len() < HEADER_LEN {
        return Err(BusError::TooShort { totlen });
    }
    let (header, raw) = read_header(frame);
    if raw.version != PROTOCOL_VERSION {
        return Err(BusError::BadVersion(raw.version));
    }
    let body = &frame[HEADER_LEN..];
    let fixed = |len: usize| -> Result<(), BusError> {
        if body.len() == len {
            Ok(())
        } else {
            Err(BusError::BadBodyLength {
                msg_type: raw.msg_type,
                expected: (HEADER_LEN + len) as u64,
                totlen,
            })
        }
    };
    let body = match raw.msg_type {
        types::PING | types::PONG | types::MEET => {
            let with_ext = header.mflags[0] & message_flags::EXT_DATA != 0;
            let ping = read_ping_body(
                body,
                raw.count,
                with_ext,
                raw.extensions,
                raw.msg_type,
                totlen,
            )?;
            match raw.msg_type {
                types::PING => Body::Ping(ping),
                types::PONG => Body::Pong(ping),
                _ => Body::Meet(ping),
            }
        }
        types::FAIL => {
            fixed(FAIL_LEN)?;
            Body::Fail {
                node: NodeName(Reader::new(body).array()),
            }
        }
        types::PUBLISH | types::PUBLISHSHARD => {
            let mut r = Reader::new(body);
            let (channel_len, message_len) = (r.u32(), r.u32());
            let want = PUBLISH_FIXED_LEN as u64 + u64::from(channel_len) + u64::from(message_len);
            if body.len() < PUBLISH_FIXED_LEN || body.len() as u64 != want {
                return Err(BusError::BadBodyLength {
                    msg_type: raw.msg_type,
                    expected: HEADER_LEN as u64 + want,
                    totlen,
                });
            }
            let publish = PublishBody {
                channel: r.take(channel_len as usize).to_vec(),
                message: r.take(message_len as usize).to_vec(),
            };
            if raw.msg_type == types::PUBLISH {
                Body::Publish(publish)
            } else {
                Body::PublishShard(publish)
            }
        }
        types::FAILOVER_AUTH_REQUEST | types::FAILOVER_AUTH_ACK | types::MFSTART => {
            fixed(0)?;
            match raw.msg_type {
                types::FAILOVER_AUTH_REQUEST => Body::FailoverAuthRequest,
                types::FAILOVER_AUTH_ACK => Body::FailoverAuthAck,
                _ => Body::MfStart,
            }
        }
        types::UPDATE => {
            fixed(UPDATE_LEN)?;
            let mut r = Reader::new(body);
            Body::Update {
                config_epoch: r.u64(),
                node: NodeName(r.array()),
                slots: SlotBitmap(Box::new(r.array())),
            }
        }
        types::MODULE => {
            let mut r = Reader::new(body);
            let module_id = r.array();
            let len = r.u32();
            let module_type = r.u8();
            let want = MODULE_FIXED_LEN as u64 + u64::from(len);
            if body.len() < MODULE_FIXED_LEN || body.len() as u64 != want {
                return Err(BusError::BadBodyLength {
                    msg_type: raw.msg_type,
                    expected: HEADER_LEN as u64 + want,
                    totlen,
                });
            }
            Body::Module {
                module_id,
                module_type,
                payload: r.take(len as usize).to_vec(),
            }
        }
        msg_type => Body::Unknown {
            msg_type,
            count: raw.count,
            payload: body.to_vec(),
        },
    };
    Ok(Message { header, body })
}

/// Encodes `msg` as one frame. `totlen`, `type`, `count` and `extensions`
/// come from the body; for a ping body with extensions, EXT_DATA is set in
/// `mflags[0]`. Contract: the body is under 4 GiB (PUBLISH payloads are
/// bounded by proto-max-bulk-len long before that) and a ping body has at
/// most 65535 gossip entries and 65535 extensions.
pub(crate) fn encode(msg: &Message) -> Vec<u8> {
    let body_len = match &msg.body {
        Body::Ping(p) | Body::Pong(p) | Body::Meet(p) => p.wire_len(),
        Body::Fail { .. } => FAIL_LEN,
        Body::Publish(p) | Body::PublishShard(p) => {
            PUBLISH_FIXED_LEN + p.channel.len() + p.message.len()
        }
        Body::FailoverAuthRequest | Body::FailoverAuthAck | Body::MfStart => 0,
        Body::Update { .. } => UPDATE_LEN,
        Body::Module { payload, .. } => MODULE_FIXED_LEN + payload.len(),
        Body::Unknown { payload, .. } => payload.len(),
    };
    let totlen = u32::try_from(HEADER_LEN + body_len).expect("cluster bus message under 4 GiB");
    let mut out = Vec::with_capacity(totlen as usize);
    let mut header = msg.header.clone();
    let (count, extensions) = match &msg.body {
        Body::Ping(p) | Body::Pong(p) | Body::Meet(p) => {
            if !p.extensions.is_empty() {
                header.mflags[0] |= message_flags::EXT_DATA;
            }
            let count = u16::try_from(p.gossip.len()).expect("at most 65535 gossip entries");
            let exts = u16::try_from(p.extensions.len()).expect("at most 65535 extensions");
            (count, exts)
        }
        Body::Unknown { count, .. } => (*count, 0),
        _ => (0, 0),
    };
    write_header(
        &mut out,
        &header,
        totlen,
        msg.body.msg_type(),
        count,
        extensions,
    );
    match &msg.body {
        Body::Ping(p) | Body::Pong(p) | Body::Meet(p) => write_ping_body(&mut out, p),
        Body::Fail { node } => out.extend_from_slice(&node.0),
        Body::Publish(p) | Body::PublishShard(p) => {
            put_u32(&mut out, p.channel.len() as u32);
            put_u32(&mut out, p.message.len() as u32);
            out.extend_from_slice(&p.channel);
            out.extend_from_slice(&p.message);
        }
        Body::FailoverAuthRequest | Body::FailoverAuthAck | Body::MfStart => {}
        Body::Update {
            config_epoch,
            node,
            slots,
        } => {
            put_u64(&mut out, *config_epoch);
            out.extend_from_slice(&node.0);
            out.extend_from_slice(&slots.0[..]);
        }
        Body::Module {
            module_id,
            module_type,
            payload,
        } => {
            out.extend_from_slice(module_id);
            put_u32(&mut out, payload.len() as u32);
            out.push(*module_type);
            out.extend_from_slice(payload);
        }
        Body::Unknown { payload, .. } => out.extend_from_slice(payload),
    }
    debug_assert_eq!(out.len(), totlen as usize);
    out
}

#[cfg(test)]
mod tests {
    use super::super::gossip::{Gossip, PingExt};
    use super::super::header::{ip_field, node_flags};
    use super::*;

    fn header() -> Header {
        Header {
            port: 6379,
            current_epoch: 9,
            config_epoch: 8,
            offset: 7,
            sender: NodeName([b'1'; 40]),
            slots: SlotBitmap::empty(),
            replica_of: NodeName::NULL,
            ip: ip_field(""),
            pport: 0,
            cport: 16379,
            flags: node_flags::MASTER | node_flags::MYSELF,
            state: 0,
            mflags: [0; 3],
        }
    }

    fn round_trip(body: Body, totlen: usize) {
        let msg = Message {
            header: header(),
            body,
        };
        let bytes = encode(&msg);
        assert_eq!(bytes.len(), totlen, "{:?}", msg.body);
        assert_eq!(decode(&bytes), Ok(msg));
    }

    #[test]
    fn every_body_round_trips_at_its_redis_size() {
        let gossip = Gossip {
            node: NodeName([b'2'; 40]),
            ping_sent: 1,
            pong_received: 2,
            ip: ip_field("10.1.2.3"),
            port: 7001,
            cport: 17001,
            flags: node_flags::SLAVE | node_flags::PFAIL,
            pport: 0,
        };
        let publish = PublishBody {
            channel: b"ch".to_vec(),
            message: b"hello".to_vec(),
        };
        let mut slots = SlotBitmap::empty();
        slots.insert(42);
        round_trip(
            Body::Ping(PingBody {
                gossip: vec![gossip.clone(), gossip],
                extensions: vec![],
            }),
            2256 + 208,
        );
        round_trip(Body::Meet(PingBody::default()), 2256);
        round_trip(
            Body::Fail {
                node: NodeName([b'3'; 40]),
            },
            2296,
        );
        round_trip(Body::Publish(publish.clone()), 2256 + 8 + 7);
        round_trip(Body::PublishShard(publish), 2256 + 8 + 7);
        round_trip(Body::FailoverAuthRequest, 2256);
        round_trip(Body::FailoverAuthAck, 2256);
        round_trip(Body::MfStart, 2256);
        let node = NodeName([b'4'; 40]);
        round_trip(
            Body::Update {
                config_epoch: 3,
                node,
                slots,
            },
            4352,
        );
        let module = Body::Module {
            module_id: [1, 2, 3, 4, 5, 6, 7, 8],
            module_type: 5,
            payload: b"xyz".to_vec(),
        };
        round_trip(module, 2256 + 13 + 3);
        let unknown = Body::Unknown {
            msg_type: 77,
            count: 3,
            payload: vec![9; 5],
        };
        round_trip(unknown, 2256 + 5);
    }

    #[test]
    fn extensions_set_ext_data_and_count() {
        let body = Body::Pong(PingBody {
            gossip: vec![],
            extensions: vec![PingExt::hostname(b"host-a"), PingExt::hostname(b"b")],
        });
        let bytes = encode(&Message {
            header: header(),
            body,
        });
        assert_eq!(bytes.len(), 2256 + 16 + 16);
        assert_eq!(
            bytes[2253] & message_flags::EXT_DATA,
            message_flags::EXT_DATA
        );
        assert_eq!(&bytes[2214..2216], &[0, 2], "extensions field");
        let back = decode(&bytes).unwrap();
        assert_eq!(back.body.ping().unwrap().extensions.len(), 2);
        // The same bytes with EXT_DATA cleared no longer add up.
        let mut no_flag = bytes.clone();
        no_flag[2253] = 0;
        assert!(matches!(
            decode(&no_flag),
            Err(BusError::BadBodyLength { .. })
        ));
    }

    #[test]
    fn body_lengths_are_checked_per_type() {
        let cases = [
            (
                Body::Fail {
                    node: NodeName::NULL,
                },
                types::FAIL,
            ),
            (Body::MfStart, types::MFSTART),
            (
                Body::Publish(PublishBody {
                    channel: b"c".to_vec(),
                    message: b"m".to_vec(),
                }),
                types::PUBLISH,
            ),
        ];
        for (body, msg_type) in cases {
            let mut bytes = encode(&Message {
                header: header(),
                body,
            });
            bytes.push(0);
            let totlen = bytes.len() as u32;
            bytes[4..8].copy_from_slice(&totlen.to_be_bytes());
            let err = decode(&bytes).unwrap_err();
            assert!(
                matches!(err, BusError::BadBodyLength { msg_type: t, .. } if t == msg_type),
                "{err}"
            );
        }
        // A publish whose lengths overflow 32 bits is refused, not wrapped.
        let mut bytes = encode(&Message {
            header: header(),
            body: Body::Publish(PublishBody {
                channel: vec![],
                message: vec![],
            }),
        });
        bytes[2256..2264].copy_from_slice(&[0xff; 8]);
        assert!(decode(&bytes).is_err());
    }
}
