//! The PING / PONG / MEET body: `count` gossip entries about other nodes
//! (104 bytes each), then, when `mflags[0]` has EXT_DATA, `extensions`
//! ping extensions (8-byte header + data padded to 8 bytes).
//!
//! Gossip entry: name 0..40, ping_sent 40 (u32, Unix seconds),
//! pong_received 44 (u32), ip 48..94 (NUL-padded), port 94, cport 96,
//! flags 98, pport 100, reserved 102..104. Extension: length u32 (whole
//! extension, a multiple of 8) FIRST, then type u16, then 2 unused bytes.

use super::header::{fixed_text, NodeName, IP_LEN};
use super::wire::{put_u16, put_u32, Reader};
use super::BusError;

/// Bytes of one gossip entry (`clusterMsgDataGossip`).
pub(crate) const GOSSIP_LEN: usize = 104;
/// Bytes of a ping extension header (`length` u32, `type` u16, unused u16).
pub(crate) const EXT_HEADER_LEN: usize = 8;

/// Ping extension types. Redis 7.0 only sends HOSTNAME (when
/// cluster-announce-hostname is set); 7.2 added the others.
pub(crate) mod ext_types {
    pub(crate) const HOSTNAME: u16 = 0;
    pub(crate) const HUMAN_NODENAME: u16 = 1;
    pub(crate) const FORGOTTEN_NODE: u16 = 2;
    pub(crate) const SHARD_ID: u16 = 3;
}

/// What the sender knows about one other node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Gossip {
    pub(crate) node: NodeName,
    /// When the sender last pinged that node, in Unix seconds (0: no ping
    /// in flight).
    pub(crate) ping_sent: u32,
    /// When the sender last got a PONG from it, in Unix seconds.
    pub(crate) pong_received: u32,
    /// The node's IP, NUL-padded text.
    pub(crate) ip: [u8; IP_LEN],
    pub(crate) port: u16,
    pub(crate) cport: u16,
    /// The node's flags as the sender sees them (PFAIL, FAIL, ...).
    pub(crate) flags: u16,
    pub(crate) pport: u16,
}

/// One ping extension, kept raw so any type round-trips: `data` is what
/// follows the 8-byte extension header, padding included.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PingExt {
    pub(crate) ext_type: u16,
    pub(crate) data: Vec<u8>,
}

impl PingExt {
    /// A HOSTNAME extension: the name, a NUL, zeros up to a multiple of 8.
    pub(crate) fn hostname(name: &[u8]) -> PingExt {
        let mut data = name.to_vec();
        data.resize((name.len() + 1).div_ceil(8) * 8, 0);
        PingExt {
            ext_type: ext_types::HOSTNAME,
            data,
        }
    }

    /// The hostname carried by a HOSTNAME extension.
    pub(crate) fn as_hostname(&self) -> Option<&[u8]> {
        (self.ext_type == ext_types::HOSTNAME).then(|| fixed_text(&self.data))
    }

    /// Bytes on the wire, header included.
    pub(crate) fn wire_len(&self) -> usize {
        EXT_HEADER_LEN + self.data.len()
    }
}

/// The body of PING, PONG and MEET.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct PingBody {
    pub(crate) gossip: Vec<Gossip>,
    /// Sent only with EXT_DATA set in `mflags[0]` ([`super::encode`] sets it
    /// when this is not empty).
    pub(crate) extensions: Vec<PingExt>,
}

impl PingBody {
    /// Bytes after the header.
    pub(crate) fn wire_len(&self) -> usize {
        self.gossip.len() * GOSSIP_LEN
            + self.extensions.iter().map(PingExt::wire_len).sum::<usize>()
    }
}

/// Reads a ping body from `body` (the frame after the header), checking as
/// Redis does that `count` entries and (when `with_ext`) `ext_count`
/// extensions fill it exactly. `msg_type` and `totlen` only label errors.
pub(super) fn read_ping_body(
    body: &[u8],
    count: u16,
    with_ext: bool,
    ext_count: u16,
    msg_type: u16,
    totlen: u64,
) -> Result<PingBody, BusError> {
    let gossip_len = usize::from(count) * GOSSIP_LEN;
    let wrong_length = |expected: usize| BusError::BadBodyLength {
        msg_type,
        expected: (super::header::HEADER_LEN + expected) as u64,
        totlen,
    };
    if body.len() < gossip_len {
        return Err(wrong_length(gossip_len));
    }
    let mut r = Reader::new(&body[..gossip_len]);
    let gossip = (0..count).map(|_| read_gossip(&mut r)).collect();
    let mut at = gossip_len;
    let mut extensions = Vec::new();
    if with_ext {
        for index in 0..usize::from(ext_count) {
            let rest = &body[at..];
            if rest.len() < EXT_HEADER_LEN {
                return Err(BusError::BadExtension { index, length: 0 });
            }
            let mut r = Reader::new(rest);
            let length = r.u32();
            let ext_type = r.u16();
            let fits = (length as usize) <= rest.len();
            if !length.is_multiple_of(8) || (length as usize) < EXT_HEADER_LEN || !fits {
                return Err(BusError::BadExtension { index, length });
            }
            let data = rest[EXT_HEADER_LEN..length as usize].to_vec();
            extensions.push(PingExt { ext_type, data });
            at += length as usize;
        }
    }
    if at != body.len() {
        return Err(wrong_length(at));
    }
    Ok(PingBody { gossip, extensions })
}

fn read_gossip(r: &mut Reader<'_>) -> Gossip {
    let g = Gossip {
        node: NodeName(r.array()),
        ping_sent: r.u32(),
        pong_received: r.u32(),
        ip: r.array(),
        port: r.u16(),
        cport: r.u16(),
        flags: r.u16(),
        pport: r.u16(),
    };
    r.take(2); // notused1
    g
}

/// Appends the gossip entries and extensions of `body`.
pub(super) fn write_ping_body(out: &mut Vec<u8>, body: &PingBody) {
    for g in &body.gossip {
        out.extend_from_slice(&g.node.0);
        put_u32(out, g.ping_sent);
        put_u32(out, g.pong_received);
        out.extend_from_slice(&g.ip);
        put_u16(out, g.port);
        put_u16(out, g.cport);
        put_u16(out, g.flags);
        put_u16(out, g.pport);
        put_u16(out, 0);
    }
    for ext in &body.extensions {
        let length = u32::try_from(ext.wire_len()).expect("ping extension under 4 GiB");
        put_u32(out, length);
        put_u16(out, ext.ext_type);
        put_u16(out, 0);
        out.extend_from_slice(&ext.data);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostname_extension_is_padded_to_eight() {
        let ext = PingExt::hostname(b"n2.example");
        assert_eq!(ext.data.len(), 16);
        assert_eq!(ext.wire_len(), 24);
        assert_eq!(ext.as_hostname(), Some(&b"n2.example"[..]));
        // A name of 7 bytes plus its NUL fills exactly 8.
        assert_eq!(PingExt::hostname(b"abcdefg").data.len(), 8);
        assert_eq!(PingExt::hostname(b"abcdefgh").data.len(), 16);
    }

    #[test]
    fn extension_lengths_are_checked() {
        let mut body = Vec::new();
        write_ping_body(
            &mut body,
            &PingBody {
                gossip: vec![],
                extensions: vec![PingExt::hostname(b"h")],
            },
        );
        assert!(read_ping_body(&body, 0, true, 1, 0, 0).is_ok());
        // One extension too many: its header would be past the end.
        assert!(read_ping_body(&body, 0, true, 2, 0, 0).is_err());
        // Without EXT_DATA the extension bytes are unexpected.
        assert!(read_ping_body(&body, 0, false, 1, 0, 0).is_err());
        for bad_len in [0u32, 4, 12, 24] {
            let mut b = body.clone();
            b[..4].copy_from_slice(&bad_len.to_be_bytes());
            assert!(read_ping_body(&b, 0, true, 1, 0, 0).is_err(), "{bad_len}");
        }
    }
}
