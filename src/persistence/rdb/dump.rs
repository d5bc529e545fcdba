//! DUMP and RESTORE payloads: one value in Redis's serialized-value format,
//! the same codec as the file's values.
//!
//! ```text
//! type byte | value as an RDB file stores it | RDB version (2 bytes LE) | CRC-64 (8 bytes LE)
//! ```
//!
//! The CRC-64 (Jones, as the file's) covers everything before it. A payload
//! is checked before anything in it is read, and reading never allocates
//! from a length prefix, so a forged length costs nothing.

use super::input::Input;
use super::values::{is_value_type, read_entry, Scratch};
use super::write::{type_byte, Writer};
use super::RDB_VERSION;
use crate::store::{Entry, Value};
use crate::types::TypeLimits;

/// Bytes after the value: the version and the checksum.
const FOOTER: usize = 10;

/// Why a payload was refused, as RESTORE tells the two apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayloadError {
    /// Too short, a newer RDB version, or a checksum mismatch.
    VersionOrChecksum,
    /// The value itself is malformed (or an empty collection).
    BadData,
}

/// The DUMP payload of `value`; `compress` is rdbcompression (long strings
/// LZF-compressed when that saves room, as Redis's DUMP does).
pub fn dump_value(value: Value, compress: bool) -> Vec<u8> {
    let mut w = Writer::new(Vec::new(), compress, false);
    // Writing to a Vec cannot fail.
    let written = w.byte_then_value(type_byte(&value), value);
    debug_assert!(written.is_ok());
    let mut out = w.into_output().unwrap_or_default();
    out.extend_from_slice(&(RDB_VERSION as u16).to_le_bytes());
    let crc = crc64::crc64(0, &out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

/// Checks `payload` (footer version at most ours, checksum) and builds the
/// entry `key` holding its value, with `expire_at` and access clock `clock`,
/// under `limits` as a loaded file would. Bytes after the value are
/// ignored, as Redis does.
pub fn restore_value(
    payload: &[u8],
    (key, expire_at, clock): (&[u8], Option<u64>, u32),
    limits: &TypeLimits,
) -> Result<Entry, PayloadError> {
    let body = verify(payload).ok_or(PayloadError::VersionOrChecksum)?;
    let mut input = Input::new(body);
    let type_byte = input.byte().map_err(|_| PayloadError::BadData)?;
    if !is_value_type(type_byte) {
        return Err(PayloadError::BadData);
    }
    let mut scratch = Scratch::default();
    match read_entry(
        &mut input,
        type_byte,
        (key, expire_at, clock),
        limits,
        &mut scratch,
    ) {
        Ok(Some(entry)) => Ok(entry),
        Ok(None) | Err(_) => Err(PayloadError::BadData),
    }
}

/// The payload without its footer, when the version and checksum hold.
fn verify(payload: &[u8]) -> Option<&[u8]> {
    let body_len = payload.len().checked_sub(FOOTER)?;
    let (body, footer) = payload.split_at(body_len);
    let version = u16::from_le_bytes([footer[0], footer[1]]);
    if u32::from(version) > RDB_VERSION {
        return None;
    }
    let crc = crc64::crc64(0, &payload[..payload.len() - 8]);
    (crc.to_le_bytes() == footer[2..]).then_some(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{List, Object};

    fn restore(payload: &[u8]) -> Result<Entry, PayloadError> {
        restore_value(payload, (b"k", None, 0), &TypeLimits::default())
    }

    #[test]
    fn a_string_payload_matches_redis_bytes() {
        // DUMP of "hello" and of 12345 from redis-server 7.0.
        let hello = b"\x00\x05hello\x0a\x00\x63\x72\xdf\x76\x65\x34\x20\x0a";
        assert_eq!(dump_value(Value::Str(b"hello"), true), hello);
        assert_eq!(restore(hello).unwrap().as_string(), Some(&b"hello"[..]));
        let int = dump_value(Value::Str(b"12345"), true);
        assert_eq!(&int[..4], b"\x00\xc1\x39\x30");
        assert_eq!(restore(&int).unwrap().as_string(), Some(&b"12345"[..]));
    }

    #[test]
    fn bad_footers_and_bodies_are_told_apart() {
        let mut good = dump_value(Value::Str(b"hello"), true);
        assert_eq!(
            restore(&good[..9]).err(),
            Some(PayloadError::VersionOrChecksum)
        );
        let last = good.len() - 1;
        good[last] ^= 1;
        assert_eq!(restore(&good).err(), Some(PayloadError::VersionOrChecksum));
        let with_footer = |body: &[u8], version: u16| {
            let mut p = body.to_vec();
            p.extend_from_slice(&version.to_le_bytes());
            let crc = crc64::crc64(0, &p);
            p.extend_from_slice(&crc.to_le_bytes());
            p
        };
        assert_eq!(
            restore(&with_footer(b"\x00\x01a", 11)).err(),
            Some(PayloadError::VersionOrChecksum)
        );
        assert!(restore(&with_footer(b"\x00\x01a", 9)).is_ok());
        // A 4 GB length prefix over a 2-byte body: refused without allocating.
        let huge = with_footer(b"\x00\x80\xff\xff\xff\xffab", 10);
        assert_eq!(restore(&huge).err(), Some(PayloadError::BadData));
        assert_eq!(
            restore(&with_footer(b"\x08", 10)).err(),
            Some(PayloadError::BadData)
        );
        assert_eq!(
            restore(&with_footer(b"", 10)).err(),
            Some(PayloadError::BadData)
        );
        // An empty list is no value.
        assert_eq!(
            restore(&with_footer(b"\x12\x00", 10)).err(),
            Some(PayloadError::BadData)
        );
    }

    #[test]
    fn collections_round_trip() {
        let mut list = List::default();
        let fill = TypeLimits::default().list_fill;
        for i in 0..300 {
            list.push(
                crate::types::list::End::Tail,
                format!("e{i}").as_bytes(),
                fill,
            );
        }
        let object = Object::List(list);
        let payload = dump_value(Value::Obj(&object), true);
        let entry = restore(&payload).unwrap();
        assert_eq!(entry.object().unwrap().encoding(), "quicklist");
        assert_eq!(dump_value(entry.value(), true), payload);
    }
}
