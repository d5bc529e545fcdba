//! A hash: "listpack" while small, "hashtable" beyond.
//!
//! The small encoding is one contiguous byte buffer, like Redis's listpack:
//!
//! ```text
//! [count: u32 LE][field len: varint][field][value len: varint][value]...
//! ```
//!
//! Lookups scan it linearly; new fields go at the end and an updated value
//! stays in place, so iteration follows insertion order as in Redis. The
//! buffer grows by exactly what is added (no spare capacity): a million small
//! hashes cost little more than their bytes.
//!
//! A hash converts to a [`Dict`] when a field or value longer than
//! hash-max-listpack-value is written, or when it gets more than
//! hash-max-listpack-entries fields. Like Redis, it never converts back.

use super::dict::{self, Dict};
use crate::store::evict::random_u64;
use crate::store::varint::{push_varint, read_varint, varint_len};

/// The conversion thresholds (hash-max-listpack-entries / -value).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HashLimits {
    /// Most fields a listpack holds.
    pub max_entries: usize,
    /// Longest field or value a listpack holds, in bytes.
    pub max_value: usize,
}

impl Default for HashLimits {
    fn default() -> Self {
        HashLimits {
            max_entries: 512,
            max_value: 64,
        }
    }
}

/// Redis's listpack size limit (`lpSafeToAdd`): past 1 GiB a hash converts.
const LISTPACK_MAX_BYTES: usize = 1 << 30;

/// A hash: listpack while small, hashtable beyond.
#[derive(Clone, Debug, Default)]
pub struct Hash {
    repr: Repr,
}

#[derive(Clone, Debug)]
enum Repr {
    Pack(Pack),
    Table(Box<Dict<Box<[u8]>>>),
}

impl Default for Repr {
    fn default() -> Self {
        Repr::Pack(Pack::default())
    }
}

impl Hash {
    /// Estimated heap bytes (see `Object::heap_size`).
    pub fn heap_size(&self, samples: usize) -> usize {
        use crate::alloc::charged_size;
        match &self.repr {
            Repr::Pack(p) => charged_size(p.buf.len()),
            Repr::Table(d) => {
                charged_size(std::mem::size_of_val(&**d))
                    + d.heap_size(samples, |v| charged_size(v.len()))
            }
        }
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        match &self.repr {
            Repr::Pack(p) => p.len(),
            Repr::Table(d) => d.len(),
        }
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// OBJECT ENCODING's name for the current representation.
    pub fn encoding(&self) -> &'static str {
        match &self.repr {
            Repr::Pack(_) => "listpack",
            Repr::Table(_) => "hashtable",
        }
    }

    /// True while in the small encoding.
    pub fn is_listpack(&self) -> bool {
        matches!(self.repr, Repr::Pack(_))
    }

    /// The value of `field`.
    pub fn get(&self, field: &[u8]) -> Option<&[u8]> {
        match &self.repr {
            Repr::Pack(p) => p.find(field).map(|at| p.value_at(at)),
            Repr::Table(d) => d.get(field).map(|v| &**v),
        }
    }

    /// True when `field` exists.
    pub fn contains(&self, field: &[u8]) -> bool {
        self.get(field).is_some()
    }

    /// Redis's `hashTypeTryConversion`: converts before a write of the given
    /// fields and values when one of them is too long for a listpack or the
    /// listpack would pass its size limit.
    pub fn prepare_write<'a>(&mut self, args: impl Iterator<Item = &'a [u8]>, limits: HashLimits) {
        let Repr::Pack(p) = &self.repr else {
            return;
        };
        let mut sum = 0usize;
        for a in args {
            if a.len() > limits.max_value {
                return self.convert();
            }
            sum += a.len();
        }
        if p.buf.len() + sum > LISTPACK_MAX_BYTES {
            self.convert();
        }
    }

    /// Sets `field` to `value`; true when the field is new. Converts first
    /// when either is longer than `limits.max_value`, and after when the
    /// hash has more than `limits.max_entries` fields.
    pub fn set(&mut self, field: &[u8], value: &[u8], limits: HashLimits) -> bool {
        self.set_pairs(std::iter::once((field, value)), limits) == 1
    }

    /// Sets every (field, value) in turn, as `set` would; returns how many
    /// fields are new. A listpack grows once for the whole batch (one
    /// allocation, then one shrink to the exact size).
    pub fn set_pairs<'a>(
        &mut self,
        pairs: impl Iterator<Item = (&'a [u8], &'a [u8])> + Clone,
        limits: HashLimits,
    ) -> usize {
        let mut pairs = pairs.peekable();
        let mut created = 0;
        if let Repr::Pack(p) = &mut self.repr {
            let room: usize = pairs.clone().map(|(f, v)| pair_size(f, v)).sum();
            let mut v = std::mem::take(&mut p.buf).into_vec();
            v.reserve_exact(room + if v.is_empty() { HEADER } else { 0 });
            let mut convert = false;
            while let Some(&(field, value)) = pairs.peek() {
                if field.len() > limits.max_value
                    || value.len() > limits.max_value
                    || v.len() + field.len() + value.len() > LISTPACK_MAX_BYTES
                {
                    // Converted first, then written to the table below.
                    convert = true;
                    break;
                }
                pairs.next();
                created += set_in(&mut v, field, value) as usize;
                if count_of(&v) > limits.max_entries {
                    convert = true;
                    break;
                }
            }
            p.buf = v.into_boxed_slice();
            if convert {
                self.convert();
            }
        }
        if let Repr::Table(d) = &mut self.repr {
            for (field, value) in pairs {
                created += d.insert(field, value.into()).is_none() as usize;
            }
        }
        created
    }

    /// Removes `field`; true when it existed.
    pub fn remove(&mut self, field: &[u8]) -> bool {
        match &mut self.repr {
            Repr::Pack(p) => p.remove(field),
            Repr::Table(d) => d.remove(field).is_some(),
        }
    }

    /// Every (field, value): insertion order for a listpack.
    pub fn iter(&self) -> Iter<'_> {
        match &self.repr {
            Repr::Pack(p) => Iter::Pack(p.iter()),
            Repr::Table(d) => Iter::Table(d.iter()),
        }
    }

    /// A random (field, value), None when empty.
    pub fn random(&self) -> Option<(&[u8], &[u8])> {
        match &self.repr {
            Repr::Pack(p) => {
                if p.len() == 0 {
                    return None;
                }
                let n = (random_u64() % p.len() as u64) as usize;
                p.iter().nth(n)
            }
            Repr::Table(d) => d.random().map(|(k, v)| (k, &**v)),
        }
    }

    /// One HSCAN step from `cursor`: calls `f` on fields and values until
    /// about `count` pairs were seen; returns the next cursor (0: done). A
    /// listpack is returned whole in one step, with cursor 0, as Redis does.
    pub fn scan(&self, cursor: u64, count: usize, mut f: impl FnMut(&[u8], &[u8])) -> u64 {
        match &self.repr {
            Repr::Pack(p) => {
                p.iter().for_each(|(k, v)| f(k, v));
                0
            }
            Repr::Table(d) => scan_dict(d, cursor, count, |k, v| f(k, v)),
        }
    }

    /// Converts to the hashtable encoding (no-op when already there).
    pub fn convert(&mut self) {
        if let Repr::Pack(p) = &self.repr {
            let mut d = Dict::with_capacity(p.len());
            for (k, v) in p.iter() {
                d.insert_new(k.into(), v.into());
            }
            self.repr = Repr::Table(Box::new(d));
        }
    }
}

/// Redis's scan loop over a dict: steps until `count` elements were seen or
/// `count * 10` buckets were visited, or the walk ends.
pub(crate) fn scan_dict<V>(
    d: &Dict<V>,
    mut cursor: u64,
    count: usize,
    mut f: impl FnMut(&[u8], &V),
) -> u64 {
    let mut seen = 0usize;
    let mut budget = count.saturating_mul(10);
    loop {
        cursor = d.scan(cursor, |k, v| {
            seen += 1;
            f(k, v)
        });
        if cursor == 0 || budget == 0 || seen >= count {
            return cursor;
        }
        budget -= 1;
    }
}

/// Iterator over a hash's (field, value) pairs.
pub enum Iter<'a> {
    Pack(PackIter<'a>),
    Table(dict::Iter<'a, Box<[u8]>>),
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a [u8], &'a [u8]);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Iter::Pack(it) => it.next(),
            Iter::Table(it) => it.next().map(|(k, v)| (k, &**v)),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match self {
            Iter::Pack(it) => (it.left, Some(it.left)),
            Iter::Table(it) => it.size_hint(),
        }
    }
}

impl ExactSizeIterator for Iter<'_> {}

// ---------------------------------------------------------------------------
// The listpack
// ---------------------------------------------------------------------------

/// Length of the count header.
const HEADER: usize = 4;

/// Field/value pairs in one buffer: `[count u32][len][bytes][len][bytes]...`.
/// Empty (no header, no allocation) while the hash holds nothing. A boxed
/// slice, not a Vec: exact size, and 16 bytes instead of 24 in the value.
#[derive(Clone, Debug, Default)]
struct Pack {
    buf: Box<[u8]>,
}

/// Where a pair sits in the buffer.
#[derive(Clone, Copy, Debug)]
struct PairAt {
    /// Start of the field entry (its length prefix).
    start: usize,
    /// Start of the value entry (its length prefix).
    value_entry: usize,
    /// Start of the value bytes.
    value: usize,
    /// End of the pair.
    end: usize,
}

impl Pack {
    fn len(&self) -> usize {
        count_of(&self.buf)
    }

    fn iter(&self) -> PackIter<'_> {
        PackIter {
            buf: &self.buf,
            pos: HEADER,
            left: self.len(),
        }
    }

    /// The pair whose field is `field`.
    fn find(&self, field: &[u8]) -> Option<PairAt> {
        find_in(&self.buf, field)
    }

    fn value_at(&self, at: PairAt) -> &[u8] {
        &self.buf[at.value..at.end]
    }

    /// Removes the pair of `field`; true when it existed.
    fn remove(&mut self, field: &[u8]) -> bool {
        let Some(at) = self.find(field) else {
            return false;
        };
        let n = self.len() - 1;
        if n == 0 {
            self.buf = Box::default();
            return true;
        }
        let mut v = std::mem::take(&mut self.buf).into_vec();
        v.drain(at.start..at.end);
        set_count(&mut v, n);
        self.buf = v.into_boxed_slice();
        true
    }
}

// The listpack as a Vec while a command edits it (see `Hash::set_pairs`).

fn count_of(buf: &[u8]) -> usize {
    match buf.get(..HEADER) {
        None => 0,
        Some(h) => u32::from_le_bytes(h.try_into().unwrap()) as usize,
    }
}

fn set_count(buf: &mut [u8], n: usize) {
    let n = u32::try_from(n).expect("listpack count fits u32");
    buf[..HEADER].copy_from_slice(&n.to_le_bytes());
}

/// The pair of `field` in a listpack buffer.
fn find_in(buf: &[u8], field: &[u8]) -> Option<PairAt> {
    let mut pos = HEADER;
    for _ in 0..count_of(buf) {
        let start = pos;
        let (flen, n) = read_varint(&buf[pos..]);
        let fstart = pos + n;
        pos = fstart + flen;
        let value_entry = pos;
        let (vlen, n) = read_varint(&buf[pos..]);
        let vstart = pos + n;
        pos = vstart + vlen;
        if flen == field.len() && &buf[fstart..fstart + flen] == field {
            return Some(PairAt {
                start,
                value_entry,
                value: vstart,
                end: pos,
            });
        }
    }
    None
}

/// Bytes a new pair takes.
fn pair_size(field: &[u8], value: &[u8]) -> usize {
    varint_len(field.len()) + field.len() + varint_len(value.len()) + value.len()
}

/// Sets a pair in a listpack buffer; true when the field is new. An updated
/// value stays where it was, a new pair goes at the end.
fn set_in(v: &mut Vec<u8>, field: &[u8], value: &[u8]) -> bool {
    if let Some(at) = find_in(v, field) {
        if at.end - at.value == value.len() {
            v[at.value..at.end].copy_from_slice(value);
        } else {
            // Replace the value entry, its length prefix included.
            let mut entry = Vec::with_capacity(varint_len(value.len()) + value.len());
            push_varint(&mut entry, value.len());
            entry.extend_from_slice(value);
            v.splice(at.value_entry..at.end, entry);
        }
        return false;
    }
    let n = count_of(v) + 1;
    if v.is_empty() {
        v.extend_from_slice(&[0; HEADER]);
    }
    push_varint(v, field.len());
    v.extend_from_slice(field);
    push_varint(v, value.len());
    v.extend_from_slice(value);
    set_count(v, n);
    true
}

/// Iterator over a listpack's pairs.
pub struct PackIter<'a> {
    buf: &'a [u8],
    pos: usize,
    left: usize,
}

impl<'a> Iterator for PackIter<'a> {
    type Item = (&'a [u8], &'a [u8]);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let (flen, n) = read_varint(&self.buf[self.pos..]);
        let fstart = self.pos + n;
        let field = &self.buf[fstart..fstart + flen];
        let (vlen, n) = read_varint(&self.buf[fstart + flen..]);
        let vstart = fstart + flen + n;
        self.pos = vstart + vlen;
        Some((field, &self.buf[vstart..self.pos]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const LIMITS: HashLimits = HashLimits {
        max_entries: 512,
        max_value: 64,
    };

    fn pairs(h: &Hash) -> Vec<(Vec<u8>, Vec<u8>)> {
        h.iter().map(|(k, v)| (k.to_vec(), v.to_vec())).collect()
    }

    #[test]
    fn listpack_keeps_insertion_order_and_updates_in_place() {
        let mut h = Hash::default();
        assert_eq!(h.encoding(), "listpack");
        assert!(h.set(b"a", b"1", LIMITS));
        assert!(h.set(b"b", b"2", LIMITS));
        assert!(h.set(b"c", b"3", LIMITS));
        assert!(!h.set(b"b", b"a much longer value", LIMITS));
        assert!(!h.set(b"a", b"", LIMITS));
        assert_eq!(
            pairs(&h),
            vec![
                (b"a".to_vec(), b"".to_vec()),
                (b"b".to_vec(), b"a much longer value".to_vec()),
                (b"c".to_vec(), b"3".to_vec()),
            ]
        );
        assert_eq!(h.get(b"b"), Some(&b"a much longer value"[..]));
        assert_eq!(h.get(b"zz"), None);
        assert!(h.remove(b"b"));
        assert!(!h.remove(b"b"));
        assert_eq!(h.len(), 2);
        assert_eq!(h.iter().len(), 2);
        assert!(h.remove(b"a") && h.remove(b"c"));
        assert!(h.is_empty());
        assert_eq!(h.encoding(), "listpack");
    }

    #[test]
    fn long_fields_and_values_use_multibyte_lengths() {
        let limits = HashLimits {
            max_entries: 512,
            max_value: 100_000,
        };
        let mut h = Hash::default();
        let big = vec![b'x'; 300];
        let bigger = vec![b'y'; 20_000];
        h.set(&big, b"v", limits);
        h.set(b"k", &bigger, limits);
        h.set(&big, &bigger, limits);
        h.set(b"k", b"short", limits);
        assert_eq!(h.encoding(), "listpack");
        assert_eq!(h.get(&big), Some(&bigger[..]));
        assert_eq!(h.get(b"k"), Some(&b"short"[..]));
    }

    #[test]
    fn converts_on_a_value_over_the_limit_and_never_back() {
        let mut h = Hash::default();
        h.set(b"f", &[b'v'; 64], LIMITS);
        h.set(&[b'k'; 64], b"v", LIMITS);
        assert_eq!(h.encoding(), "listpack");
        h.set(b"g", &[b'v'; 65], LIMITS);
        assert_eq!(h.encoding(), "hashtable");
        assert!(h.remove(b"g"));
        assert_eq!(h.encoding(), "hashtable");
        assert_eq!(h.len(), 2);
        assert_eq!(h.get(b"f"), Some(&[b'v'; 64][..]));

        let mut h = Hash::default();
        h.set(b"a", b"1", LIMITS);
        h.set(&[b'k'; 65], b"v", LIMITS);
        assert_eq!(h.encoding(), "hashtable");
        assert_eq!(h.get(b"a"), Some(&b"1"[..]));
    }

    #[test]
    fn converts_past_the_entry_limit() {
        let mut h = Hash::default();
        for i in 0..512 {
            h.set(format!("f{i}").as_bytes(), b"v", LIMITS);
        }
        assert_eq!(h.encoding(), "listpack");
        h.set(b"f0", b"updated", LIMITS);
        assert_eq!(h.encoding(), "listpack");
        h.set(b"f512", b"v", LIMITS);
        assert_eq!(h.encoding(), "hashtable");
        assert_eq!(h.len(), 513);
        assert_eq!(h.get(b"f0"), Some(&b"updated"[..]));
    }

    #[test]
    fn set_pairs_converts_mid_batch_and_keeps_every_pair() {
        let names: Vec<String> = (0..600).map(|i| format!("f{i}")).collect();
        let mut h = Hash::default();
        let n = h.set_pairs(names.iter().map(|f| (f.as_bytes(), &b"v"[..])), LIMITS);
        assert_eq!((n, h.len(), h.encoding()), (600, 600, "hashtable"));
        assert!(names.iter().all(|f| h.get(f.as_bytes()) == Some(&b"v"[..])));

        let mut h = Hash::default();
        let long = [b'x'; 65];
        let batch = [
            (&b"a"[..], &b"1"[..]),
            (b"b", &long[..]),
            (b"a", b"2"),
            (b"c", b"3"),
        ];
        assert_eq!(h.set_pairs(batch.into_iter(), LIMITS), 3);
        assert_eq!(h.encoding(), "hashtable");
        assert_eq!(h.get(b"a"), Some(&b"2"[..]));
        assert_eq!(h.get(b"b"), Some(&long[..]));

        // Within the limits: one batch, exact size, insertion order.
        let mut h = Hash::default();
        let batch = [(&b"a"[..], &b"1"[..]), (b"b", b"2"), (b"a", b"333")];
        assert_eq!(h.set_pairs(batch.into_iter(), LIMITS), 2);
        let Repr::Pack(p) = &h.repr else { panic!() };
        assert_eq!(p.buf.len(), HEADER + (2 + 4) + (2 + 2));
        assert_eq!(
            pairs(&h),
            [
                (b"a".to_vec(), b"333".to_vec()),
                (b"b".to_vec(), b"2".to_vec())
            ]
        );
    }

    #[test]
    fn prepare_write_converts_on_any_long_argument() {
        let mut h = Hash::default();
        h.set(b"a", b"1", LIMITS);
        h.prepare_write([&b"x"[..], &[b'y'; 64][..]].into_iter(), LIMITS);
        assert_eq!(h.encoding(), "listpack");
        h.prepare_write([&b"x"[..], &[b'y'; 65][..]].into_iter(), LIMITS);
        assert_eq!(h.encoding(), "hashtable");
        assert_eq!(h.get(b"a"), Some(&b"1"[..]));
    }

    #[test]
    fn zero_limits_make_every_hash_a_table() {
        let limits = HashLimits {
            max_entries: 0,
            max_value: 64,
        };
        let mut h = Hash::default();
        h.set(b"a", b"1", limits);
        assert_eq!(h.encoding(), "hashtable");
    }

    #[test]
    fn model_based_random_operations() {
        for max_entries in [8usize, 64, 512] {
            let limits = HashLimits {
                max_entries,
                max_value: 16,
            };
            let mut h = Hash::default();
            let mut model: HashMap<Vec<u8>, Vec<u8>> = HashMap::new();
            let mut order: Vec<Vec<u8>> = Vec::new();
            for step in 0..5000u64 {
                let r = random_u64();
                let field = format!("f{}", r % 100).into_bytes();
                let vlen = ((r >> 20) % 18) as usize;
                let value = vec![b'a' + (step % 26) as u8; vlen];
                if (r >> 40).is_multiple_of(3) {
                    assert_eq!(h.remove(&field), model.remove(&field).is_some());
                    order.retain(|f| f != &field);
                } else {
                    let created = h.set(&field, &value, limits);
                    assert_eq!(created, model.insert(field.clone(), value).is_none());
                    if created {
                        order.push(field);
                    }
                }
                assert_eq!(h.len(), model.len());
                if h.is_listpack() {
                    let fields: Vec<Vec<u8>> = h.iter().map(|(k, _)| k.to_vec()).collect();
                    assert_eq!(fields, order, "listpack keeps insertion order");
                }
            }
            let got: HashMap<Vec<u8>, Vec<u8>> = pairs(&h).into_iter().collect();
            assert_eq!(got, model);
            for (k, v) in &model {
                assert_eq!(h.get(k), Some(&v[..]));
            }
        }
    }

    #[test]
    fn random_and_scan_cover_both_encodings() {
        let mut h = Hash::default();
        assert!(h.random().is_none());
        for i in 0..10 {
            h.set(format!("f{i}").as_bytes(), b"v", LIMITS);
        }
        let mut n = 0;
        assert_eq!(h.scan(0, 1, |_, _| n += 1), 0);
        assert_eq!(n, 10);
        let mut seen = std::collections::HashSet::new();
        for _ in 0..1000 {
            seen.insert(h.random().unwrap().0.to_vec());
        }
        assert_eq!(seen.len(), 10);

        for i in 10..1000 {
            h.set(format!("f{i}").as_bytes(), b"v", LIMITS);
        }
        assert_eq!(h.encoding(), "hashtable");
        let mut seen = std::collections::HashSet::new();
        let mut cursor = 0;
        let mut calls = 0;
        loop {
            cursor = h.scan(cursor, 10, |k, _| {
                seen.insert(k.to_vec());
            });
            calls += 1;
            if cursor == 0 {
                break;
            }
        }
        assert_eq!(seen.len(), 1000);
        assert!(calls > 10);
    }

    #[test]
    fn small_hash_memory_is_its_bytes() {
        let mut h = Hash::default();
        for i in 0..10 {
            h.set(
                format!("field:{i}").as_bytes(),
                format!("value:{i}").as_bytes(),
                LIMITS,
            );
        }
        let Repr::Pack(p) = &h.repr else {
            panic!("listpack expected")
        };
        // 4 header bytes + 10 * (1 + 7 + 1 + 7).
        assert_eq!(p.buf.len(), 164);
        // A 16-byte value: with the other types as small, an Object fits 24
        // bytes, the size glibc serves from its smallest chunk.
        assert_eq!(std::mem::size_of::<Hash>(), 16);
    }
}
