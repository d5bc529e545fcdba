//! One key and its value, packed for memory.
//!
//! A string value lives in the same allocation as its key, like Redis's
//! embedded strings but for every length. One [`ThinBytes`] (an 8-byte
//! pointer) holds
//!
//! ```text
//! [flags:1][clock:4][key_len:varint][expire_at:8 if HAS_EXPIRE][key][string value]
//! ```
//!
//! Other types (lists, hashes, ...) keep their key in the blob and their value
//! in `object`. A table slot is 16 bytes: two thin pointers.

use super::thin::ThinBytes;
use crate::store::varint::{read_varint, varint_len, write_varint};
pub use crate::types::{Kind, Object};

/// Flag bit: an 8-byte expire time (unix ms, little endian) follows the header.
const HAS_EXPIRE: u8 = 1;
/// Offset of the LRU/LFU clock in the blob.
const CLOCK_AT: usize = 1;
/// Offset of the key length varint.
const KEY_LEN_AT: usize = 5;

/// A borrowed view of an entry's value.
pub enum Value<'a> {
    /// A string (binary safe).
    Str(&'a [u8]),
    /// Any other type.
    Obj(&'a Object),
}

/// A key, its value, its expire time and its LRU/LFU clock.
#[derive(Clone)]
pub struct Entry {
    blob: ThinBytes,
    object: Option<Box<Object>>,
}

impl Entry {
    /// A string entry.
    pub fn new_string(key: &[u8], value: &[u8], expire_at: Option<u64>, clock: u32) -> Entry {
        Entry {
            blob: build_blob(key, value, expire_at, clock),
            object: None,
        }
    }

    /// An entry holding a non-string value.
    pub fn new_object(key: &[u8], object: Object, expire_at: Option<u64>, clock: u32) -> Entry {
        Entry {
            blob: build_blob(key, b"", expire_at, clock),
            object: Some(Box::new(object)),
        }
    }

    #[inline]
    fn bytes(&self) -> &[u8] {
        self.blob.as_slice()
    }

    /// The key.
    #[inline]
    pub fn key(&self) -> &[u8] {
        let (start, len) = self.key_span();
        &self.bytes()[start..start + len]
    }

    /// The value.
    #[inline]
    pub fn value(&self) -> Value<'_> {
        match &self.object {
            Some(o) => Value::Obj(o),
            None => Value::Str(self.string_tail()),
        }
    }

    /// The value if it is a string.
    #[inline]
    pub fn as_string(&self) -> Option<&[u8]> {
        match self.object {
            Some(_) => None,
            None => Some(self.string_tail()),
        }
    }

    /// The non-string value, if any.
    #[inline]
    pub fn object(&self) -> Option<&Object> {
        self.object.as_deref()
    }

    /// The non-string value, mutable, if any.
    #[inline]
    pub fn object_mut(&mut self) -> Option<&mut Object> {
        self.object.as_deref_mut()
    }

    /// The value's type.
    pub fn kind(&self) -> Kind {
        match &self.object {
            Some(o) => o.kind(),
            None => Kind::String,
        }
    }

    /// Redis's TYPE name of the value.
    pub fn type_name(&self) -> &'static str {
        self.kind().name()
    }

    /// Absolute expire time in unix milliseconds, if the key is volatile.
    #[inline]
    pub fn expire_at(&self) -> Option<u64> {
        let b = self.bytes();
        if b[0] & HAS_EXPIRE == 0 {
            return None;
        }
        let at = self.expire_offset();
        Some(u64::from_le_bytes(b[at..at + 8].try_into().unwrap()))
    }

    /// True when the key has an expire time at or before `now_ms`.
    #[inline]
    pub fn is_expired(&self, now_ms: u64) -> bool {
        matches!(self.expire_at(), Some(at) if at <= now_ms)
    }

    /// The LRU time or LFU counter (see `store::evict`).
    #[inline]
    pub fn clock(&self) -> u32 {
        u32::from_le_bytes(self.bytes()[CLOCK_AT..CLOCK_AT + 4].try_into().unwrap())
    }

    /// Sets the LRU time or LFU counter.
    #[inline]
    pub fn set_clock(&mut self, clock: u32) {
        self.blob.as_mut_slice()[CLOCK_AT..CLOCK_AT + 4].copy_from_slice(&clock.to_le_bytes());
    }

    /// Replaces the value by a string, keeping key, expire and clock.
    pub fn set_string(&mut self, value: &[u8]) {
        if self.object.is_none() && self.string_tail().len() == value.len() {
            let bytes = self.blob.as_mut_slice();
            let start = bytes.len() - value.len();
            bytes[start..].copy_from_slice(value);
            return;
        }
        self.blob = build_blob(self.key(), value, self.expire_at(), self.clock());
        self.object = None;
    }

    /// The string value, mutable in place (None for other types): SETBIT,
    /// BITFIELD and PFADD change bytes without copying the value.
    #[inline]
    pub fn string_mut(&mut self) -> Option<&mut [u8]> {
        if self.object.is_some() {
            return None;
        }
        let (start, len) = self.key_span();
        Some(&mut self.blob.as_mut_slice()[start + len..])
    }

    /// Zero-pads the string value to `len` bytes, keeping key, expire and
    /// clock; a value already that long (or a non-string) is left alone.
    pub fn grow_string(&mut self, len: usize) {
        let Some(old) = self.as_string() else {
            return;
        };
        if old.len() >= len {
            return;
        }
        self.blob = build_blob_padded(self.key(), old, len, self.expire_at(), self.clock());
    }

    /// Sets or clears the expire time. Only the keyspace calls this, so that
    /// its count of volatile keys stays right.
    pub(super) fn set_expire(&mut self, expire_at: Option<u64>) {
        match (self.expire_at(), expire_at) {
            (Some(_), Some(at)) => {
                let off = self.expire_offset();
                self.blob.as_mut_slice()[off..off + 8].copy_from_slice(&at.to_le_bytes());
            }
            (None, None) => {}
            _ => {
                self.blob = build_blob(self.key(), self.string_tail(), expire_at, self.clock());
            }
        }
    }

    /// The same value, expire time and clock under another key (RENAME, COPY).
    pub fn with_key(&self, key: &[u8]) -> Entry {
        Entry {
            blob: build_blob(key, self.string_tail(), self.expire_at(), self.clock()),
            object: self.object.clone(),
        }
    }

    /// Bytes this entry owns on the heap (for MEMORY USAGE and tests).
    pub fn heap_size(&self) -> usize {
        crate::alloc::charged_size(self.blob.len() + 4)
    }

    /// MEMORY USAGE's estimate: the entry's slot in its table, its blob,
    /// and a collection's box and contents (see `Object::heap_size` for
    /// `samples`).
    pub fn memory_usage(&self, samples: usize) -> usize {
        let object = self.object.as_ref().map_or(0, |o| {
            crate::alloc::charged_size(std::mem::size_of::<Object>()) + o.heap_size(samples)
        });
        std::mem::size_of::<Entry>() + self.heap_size() + object
    }

    #[inline]
    fn key_span(&self) -> (usize, usize) {
        let b = self.bytes();
        let (len, n) = read_varint(&b[KEY_LEN_AT..]);
        let mut start = KEY_LEN_AT + n;
        if b[0] & HAS_EXPIRE != 0 {
            start += 8;
        }
        (start, len)
    }

    #[inline]
    fn expire_offset(&self) -> usize {
        let (_, n) = read_varint(&self.bytes()[KEY_LEN_AT..]);
        KEY_LEN_AT + n
    }

    #[inline]
    fn string_tail(&self) -> &[u8] {
        let (start, len) = self.key_span();
        &self.bytes()[start + len..]
    }
}

/// Builds the blob in one exact-size allocation.
fn build_blob(key: &[u8], value: &[u8], expire_at: Option<u64>, clock: u32) -> ThinBytes {
    build_blob_padded(key, value, value.len(), expire_at, clock)
}

/// Builds the blob of a string value of `value_len >= value.len()` bytes:
/// `value` followed by zeros.
fn build_blob_padded(
    key: &[u8],
    value: &[u8],
    value_len: usize,
    expire_at: Option<u64>,
    clock: u32,
) -> ThinBytes {
    let expire_len = if expire_at.is_some() { 8 } else { 0 };
    let total = KEY_LEN_AT + varint_len(key.len()) + expire_len + key.len() + value_len;
    let mut blob = ThinBytes::zeroed(total);
    let b = blob.as_mut_slice();
    b[0] = if expire_at.is_some() { HAS_EXPIRE } else { 0 };
    b[CLOCK_AT..CLOCK_AT + 4].copy_from_slice(&clock.to_le_bytes());
    let mut pos = KEY_LEN_AT + write_varint(&mut b[KEY_LEN_AT..], key.len());
    if let Some(at) = expire_at {
        b[pos..pos + 8].copy_from_slice(&at.to_le_bytes());
        pos += 8;
    }
    b[pos..pos + key.len()].copy_from_slice(key);
    b[pos + key.len()..pos + key.len() + value.len()].copy_from_slice(value);
    blob
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_key_value_expire_clock() {
        let mut e = Entry::new_string(b"key", b"value", None, 7);
        assert_eq!(e.key(), b"key");
        assert_eq!(e.as_string(), Some(&b"value"[..]));
        assert_eq!(e.expire_at(), None);
        assert_eq!(e.clock(), 7);
        e.set_expire(Some(123_456));
        assert_eq!(e.expire_at(), Some(123_456));
        assert_eq!(e.key(), b"key");
        assert_eq!(e.as_string(), Some(&b"value"[..]));
        e.set_string(b"other value");
        assert_eq!(e.expire_at(), Some(123_456));
        assert!(e.is_expired(123_456));
        assert!(!e.is_expired(123_455));
        e.set_expire(None);
        assert_eq!(e.as_string(), Some(&b"other value"[..]));
        e.set_clock(99);
        assert_eq!(e.clock(), 99);
        assert_eq!(e.key(), b"key");
    }

    #[test]
    fn with_key_keeps_value_expire_and_clock() {
        let e = Entry::new_string(b"a", b"value", Some(42), 7).with_key(b"longer key");
        assert_eq!(e.key(), b"longer key");
        assert_eq!(e.as_string(), Some(&b"value"[..]));
        assert_eq!(e.expire_at(), Some(42));
        assert_eq!(e.clock(), 7);
    }

    #[test]
    fn long_keys_use_multibyte_lengths() {
        let key = vec![b'k'; 100_000];
        let e = Entry::new_string(&key, b"", Some(1), 0);
        assert_eq!(e.key(), &key[..]);
        assert_eq!(e.as_string(), Some(&b""[..]));
        assert_eq!(e.expire_at(), Some(1));
    }

    #[test]
    fn strings_mutate_in_place_and_grow_zero_padded() {
        let mut e = Entry::new_string(b"k", b"ab", Some(9), 3);
        e.string_mut().unwrap()[0] = b'x';
        assert_eq!(e.as_string(), Some(&b"xb"[..]));
        e.grow_string(5);
        assert_eq!(e.as_string(), Some(&b"xb\0\0\0"[..]));
        e.grow_string(1);
        assert_eq!(e.as_string().map(<[u8]>::len), Some(5));
        assert_eq!((e.key(), e.expire_at(), e.clock()), (&b"k"[..], Some(9), 3));
    }

    #[test]
    fn slot_is_16_bytes() {
        assert_eq!(std::mem::size_of::<Entry>(), 16);
    }
}
