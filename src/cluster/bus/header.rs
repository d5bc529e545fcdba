//! The fixed 2256-byte `clusterMsg` header every bus message starts with,
//! and the value types it carries: node names, the slot bitmap, flags.
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 4 | signature `RCmb` |
//! | 4 | 4 | totlen (whole frame) |
//! | 8 | 2 | ver = 1 |
//! | 10 | 2 | port (client port) |
//! | 12 | 2 | type |
//! | 14 | 2 | count (gossip entries; PING/PONG/MEET) |
//! | 16 | 8 | currentEpoch |
//! | 24 | 8 | configEpoch |
//! | 32 | 8 | offset (replication) |
//! | 40 | 40 | sender name |
//! | 80 | 2048 | myslots (the master's, for a replica) |
//! | 2128 | 40 | slaveof (zeros for a master) |
//! | 2168 | 46 | myip (zeros unless cluster-announce-ip) |
//! | 2214 | 2 | extensions (PING/PONG/MEET) |
//! | 2216 | 30 | reserved, zero |
//! | 2246 | 2 | pport |
//! | 2248 | 2 | cport (bus port) |
//! | 2250 | 2 | flags (sender's own, MYSELF included) |
//! | 2252 | 1 | state (0 ok, 1 fail) |
//! | 2253 | 3 | mflags |
//! | 2256 | … | body |

use super::wire::{put_u16, put_u32, put_u64, Reader};

/// Bytes of a node name (40 lowercase hex characters, not NUL-terminated).
pub(crate) const NAME_LEN: usize = 40;
/// Bytes of an IP address field (`NET_IP_STR_LEN`, NUL-padded text).
pub(crate) const IP_LEN: usize = 46;
/// Hash slots in a cluster.
pub(crate) const SLOTS: usize = 16384;
/// Bytes of a slot bitmap.
pub(crate) const SLOT_BYTES: usize = SLOTS / 8;
/// Size of the header (`sizeof(clusterMsg) - sizeof(union clusterMsgData)`),
/// also the smallest valid frame.
pub(crate) const HEADER_LEN: usize = 2256;
/// The signature at offset 0.
pub(crate) const SIGNATURE: &[u8; 4] = b"RCmb";
/// The only protocol version (`CLUSTER_PROTO_VER`).
pub(crate) const PROTOCOL_VERSION: u16 = 1;

/// Node flags (`CLUSTER_NODE_*`), in the header and in gossip entries.
pub(crate) mod node_flags {
    pub(crate) const MASTER: u16 = 1;
    pub(crate) const SLAVE: u16 = 2;
    pub(crate) const PFAIL: u16 = 4;
    pub(crate) const FAIL: u16 = 8;
    pub(crate) const MYSELF: u16 = 16;
    pub(crate) const HANDSHAKE: u16 = 32;
    pub(crate) const NOADDR: u16 = 64;
    pub(crate) const MEET: u16 = 128;
    pub(crate) const MIGRATE_TO: u16 = 256;
    pub(crate) const NOFAILOVER: u16 = 512;
}

/// Bits of `mflags[0]` (`CLUSTERMSG_FLAG0_*`).
pub(crate) mod message_flags {
    /// The sender is a master paused for a manual failover.
    pub(crate) const PAUSED: u8 = 1;
    /// FAILOVER_AUTH_REQUEST: vote even though the master is not failing
    /// (manual failover).
    pub(crate) const FORCEACK: u8 = 2;
    /// PING/PONG/MEET: `extensions` ping extensions follow the gossip.
    pub(crate) const EXT_DATA: u8 = 4;
}

/// Cluster state byte: `CLUSTER_OK` (0) or `CLUSTER_FAIL` (1).
pub(crate) const STATE_OK: u8 = 0;
/// See [`STATE_OK`].
pub(crate) const STATE_FAIL: u8 = 1;

/// A node name as sent on the bus: 40 raw bytes (normally lowercase hex).
/// An all-zero name means "none" in `slaveof`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct NodeName(pub(crate) [u8; NAME_LEN]);

impl NodeName {
    /// The all-zero name (`CLUSTER_NODE_NULL_NAME`).
    pub(crate) const NULL: NodeName = NodeName([0; NAME_LEN]);

    /// True for the all-zero name.
    pub(crate) fn is_null(&self) -> bool {
        self.0 == [0; NAME_LEN]
    }

    /// True when all 40 bytes are 0-9 or a-f (Redis's `verifyClusterNodeId`).
    pub(crate) fn is_valid(&self) -> bool {
        self.0
            .iter()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b))
    }

    /// The name as text (lossy for non-UTF-8 bytes).
    pub(crate) fn as_text(&self) -> String {
        String::from_utf8_lossy(&self.0).into_owned()
    }
}

impl std::fmt::Debug for NodeName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NodeName({:?})", self.as_text())
    }
}

/// The 16384-bit slot bitmap: slot `s` is bit `s % 8` (least significant
/// first) of byte `s / 8`.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct SlotBitmap(pub(crate) Box<[u8; SLOT_BYTES]>);

impl SlotBitmap {
    /// No slots.
    pub(crate) fn empty() -> Self {
        SlotBitmap(Box::new([0; SLOT_BYTES]))
    }

    /// True if `slot` (< 16384) is set.
    pub(crate) fn contains(&self, slot: u16) -> bool {
        let slot = usize::from(slot) % SLOTS;
        self.0[slot / 8] & (1 << (slot % 8)) != 0
    }

    /// Sets `slot` (< 16384).
    pub(crate) fn insert(&mut self, slot: u16) {
        let slot = usize::from(slot) % SLOTS;
        self.0[slot / 8] |= 1 << (slot % 8);
    }

    /// The set slots as inclusive ranges, in order.
    pub(crate) fn ranges(&self) -> Vec<(u16, u16)> {
        let mut out: Vec<(u16, u16)> = Vec::new();
        for slot in 0..SLOTS as u16 {
            if !self.contains(slot) {
                continue;
            }
            match out.last_mut() {
                Some((_, end)) if *end + 1 == slot => *end = slot,
                _ => out.push((slot, slot)),
            }
        }
        out
    }
}

impl std::fmt::Debug for SlotBitmap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SlotBitmap({:?})", self.ranges())
    }
}

/// Text in a fixed NUL-padded field (an IP address, a hostname): the bytes
/// before the first NUL.
pub(crate) fn fixed_text(field: &[u8]) -> &[u8] {
    let end = field.iter().position(|&b| b == 0).unwrap_or(field.len());
    &field[..end]
}

/// `text` in a NUL-padded IP field (truncated to leave room for the NUL).
pub(crate) fn ip_field(text: &str) -> [u8; IP_LEN] {
    let mut out = [0u8; IP_LEN];
    let n = text.len().min(IP_LEN - 1);
    out[..n].copy_from_slice(&text.as_bytes()[..n]);
    out
}

/// The header fields a sender sets. `totlen`, `type`, `count` and
/// `extensions` are not here: [`super::encode`] derives them from the body.
/// The 30 reserved bytes after `extensions` are sent as zeros and ignored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Header {
    /// The sender's client port (the TLS port when TLS is on).
    pub(crate) port: u16,
    /// The sender's current epoch.
    pub(crate) current_epoch: u64,
    /// A master's config epoch, or the last one its master advertised for
    /// a replica.
    pub(crate) config_epoch: u64,
    /// Master replication offset, or a replica's processed offset.
    pub(crate) offset: u64,
    /// The sender's node name.
    pub(crate) sender: NodeName,
    /// The slots the sender (a master) or its master (a replica) serves.
    pub(crate) slots: SlotBitmap,
    /// The sender's master; [`NodeName::NULL`] for a master.
    pub(crate) replica_of: NodeName,
    /// The sender's announced IP, NUL-padded; all zeros means "use the
    /// connection's address" (see [`fixed_text`]).
    pub(crate) ip: [u8; IP_LEN],
    /// The plaintext client port when `port` is the TLS port, else 0.
    pub(crate) pport: u16,
    /// The sender's cluster bus port.
    pub(crate) cport: u16,
    /// The sender's [`node_flags`] as it sees itself (MYSELF included).
    pub(crate) flags: u16,
    /// The cluster state from the sender's point of view ([`STATE_OK`]).
    pub(crate) state: u8,
    /// [`message_flags`] in byte 0; bytes 1 and 2 are unused.
    pub(crate) mflags: [u8; 3],
}

/// What [`read_header`] found besides the [`Header`]: the framing and
/// body-shaping fields.
pub(super) struct RawFields {
    pub(super) totlen: u32,
    pub(super) version: u16,
    pub(super) msg_type: u16,
    pub(super) count: u16,
    pub(super) extensions: u16,
}

/// Reads the header from the first [`HEADER_LEN`] bytes of `frame` (the
/// caller checked the length and signature).
pub(super) fn read_header(frame: &[u8]) -> (Header, RawFields) {
    let mut r = Reader::new(frame);
    r.take(4); // signature
    let totlen = r.u32();
    let version = r.u16();
    let port = r.u16();
    let msg_type = r.u16();
    let count = r.u16();
    let current_epoch = r.u64();
    let config_epoch = r.u64();
    let offset = r.u64();
    let sender = NodeName(r.array());
    let slots = SlotBitmap(Box::new(r.array()));
    let replica_of = NodeName(r.array());
    let ip = r.array();
    let extensions = r.u16();
    r.take(30); // notused1
    let header = Header {
        port,
        current_epoch,
        config_epoch,
        offset,
        sender,
        slots,
        replica_of,
        ip,
        pport: r.u16(),
        cport: r.u16(),
        flags: r.u16(),
        state: r.u8(),
        mflags: r.array(),
    };
    let raw = RawFields {
        totlen,
        version,
        msg_type,
        count,
        extensions,
    };
    (header, raw)
}

/// Appends the 2256-byte header with the given framing fields.
pub(super) fn write_header(
    out: &mut Vec<u8>,
    h: &Header,
    totlen: u32,
    msg_type: u16,
    count: u16,
    extensions: u16,
) {
    out.extend_from_slice(SIGNATURE);
    put_u32(out, totlen);
    put_u16(out, PROTOCOL_VERSION);
    put_u16(out, h.port);
    put_u16(out, msg_type);
    put_u16(out, count);
    put_u64(out, h.current_epoch);
    put_u64(out, h.config_epoch);
    put_u64(out, h.offset);
    out.extend_from_slice(&h.sender.0);
    out.extend_from_slice(&h.slots.0[..]);
    out.extend_from_slice(&h.replica_of.0);
    out.extend_from_slice(&h.ip);
    put_u16(out, extensions);
    out.extend_from_slice(&[0; 30]);
    put_u16(out, h.pport);
    put_u16(out, h.cport);
    put_u16(out, h.flags);
    out.push(h.state);
    out.extend_from_slice(&h.mflags);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_is_2256_bytes_and_round_trips() {
        let mut slots = SlotBitmap::empty();
        slots.insert(0);
        slots.insert(16383);
        let h = Header {
            port: 7000,
            current_epoch: 5,
            config_epoch: 3,
            offset: 99,
            sender: NodeName([b'a'; NAME_LEN]),
            slots,
            replica_of: NodeName::NULL,
            ip: ip_field("10.0.0.1"),
            pport: 0,
            cport: 17000,
            flags: node_flags::MASTER | node_flags::MYSELF,
            state: STATE_OK,
            mflags: [message_flags::PAUSED, 0, 0],
        };
        let mut out = Vec::new();
        write_header(&mut out, &h, 2256, 0, 0, 0);
        assert_eq!(out.len(), HEADER_LEN);
        assert_eq!(&out[..4], b"RCmb");
        assert_eq!(out[80], 1, "slot 0 is bit 0 of myslots[0]");
        assert_eq!(out[80 + 2047], 0x80, "slot 16383 is bit 7 of the last byte");
        let (back, raw) = read_header(&out);
        assert_eq!(back, h);
        assert_eq!((raw.totlen, raw.version), (2256, 1));
    }

    #[test]
    fn slot_ranges_merge_neighbours() {
        let mut s = SlotBitmap::empty();
        for slot in [1, 2, 3, 7, 16383] {
            s.insert(slot);
        }
        assert_eq!(s.ranges(), vec![(1, 3), (7, 7), (16383, 16383)]);
        assert!(s.contains(2) && !s.contains(4));
    }

    #[test]
    fn node_name_checks() {
        assert!(NodeName([b'0'; NAME_LEN]).is_valid());
        assert!(!NodeName([b'A'; NAME_LEN]).is_valid());
        assert!(NodeName::NULL.is_null() && !NodeName::NULL.is_valid());
        assert_eq!(fixed_text(&ip_field("127.0.0.1")), b"127.0.0.1");
    }
}
