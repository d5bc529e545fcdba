//! One quicklist node: a raw [`Pack`] of entries, or an inner node kept
//! LZF-compressed ([`Lzf`]) under `list-compress-depth`.
//!
//! A compressed node holds the LZF form of its whole listpack (header,
//! entries, end byte), as Redis's `quicklistLZF` does, so an RDB file can
//! carry it as it is. Redis's rule decides when compressing pays: a node of
//! at least 48 bytes whose compressed form is at least 8 bytes smaller.

use super::super::listpack::{decode, encoded_len, prev_start, write_entry, write_listpack};
use super::super::listpack::{Elem, HEADER_SIZE};
use super::End;
use crate::alloc::charged_size;
use crate::persistence::lzf::{self, Compressor};
use std::cell::RefCell;

/// Bytes a Redis listpack spends besides its entries (6-byte header, end
/// byte): node sizes are compared to the limit as Redis computes them.
pub(super) const PACK_OVERHEAD: usize = HEADER_SIZE + 1;
/// A sealed node keeps spare capacity only below this many bytes.
const SEAL_SLACK: usize = 64;
/// Redis's MIN_COMPRESS_BYTES: smaller nodes are never compressed.
const MIN_COMPRESS_BYTES: usize = 48;
/// Redis's MIN_COMPRESS_IMPROVE: compression must save more than this.
const MIN_COMPRESS_IMPROVE: usize = 8;

thread_local! {
    /// The compressor and buffers node compression reuses (the compressor's
    /// table is 128 KB: too much to build per node). Per thread, so lists
    /// stay free of shared mutable state (the loop and a loader thread may
    /// each build lists).
    static SCRATCH: RefCell<(Compressor, Vec<u8>, Vec<u8>)> = RefCell::default();
}

// ---------------------------------------------------------------------------
// Pack: a raw node
// ---------------------------------------------------------------------------

/// A raw node: entries back to back, and how many.
#[derive(Clone, Debug, Default)]
pub(super) struct Pack {
    pub(super) buf: Vec<u8>,
    pub(super) count: u32,
    /// Changed since it was last considered for compression: an inner node
    /// marked so is compressed when the change is done (Redis's
    /// `recompress`).
    pub(super) recompress: bool,
}

/// Offset of entry `i` (`i == count` gives the end) among the `count`
/// entries of `buf`, walked from the nearer end.
pub(super) fn entry_offset(buf: &[u8], count: usize, i: usize) -> usize {
    debug_assert!(i <= count);
    if i <= count / 2 {
        let mut off = 0;
        for _ in 0..i {
            off += decode(buf, off).1;
        }
        off
    } else {
        let mut off = buf.len();
        for _ in 0..count - i {
            off = prev_start(buf, off);
        }
        off
    }
}

impl Pack {
    /// Size as Redis measures a listpack (header and end byte included).
    #[inline]
    /// Heap bytes of the pack's buffer.
    pub(super) fn heap_size(&self) -> usize {
        charged_size(self.buf.capacity())
    }

    pub(super) fn bytes(&self) -> usize {
        self.buf.len() + PACK_OVERHEAD
    }

    #[inline]
    pub(super) fn count(&self) -> usize {
        self.count as usize
    }

    /// Offset of entry `i` (`i == count` gives the end).
    #[inline]
    pub(super) fn offset_of(&self, i: usize) -> usize {
        entry_offset(&self.buf, self.count(), i)
    }

    /// Inserts `e` so that its entry starts at `off`.
    pub(super) fn insert(&mut self, off: usize, e: Elem) {
        let n = encoded_len(e);
        let old = self.buf.len();
        self.buf.resize(old + n, 0);
        self.buf.copy_within(off..old, off + n);
        write_entry(&mut self.buf[off..off + n], e);
        self.count += 1;
    }

    #[inline]
    pub(super) fn push(&mut self, end: End, e: Elem) {
        match end {
            End::Head => self.insert(0, e),
            End::Tail => self.insert(self.buf.len(), e),
        }
    }

    /// Removes `k` elements from `end`.
    pub(super) fn drop_end(&mut self, end: End, k: usize) {
        match end {
            End::Head => {
                let off = self.offset_of(k);
                self.buf.drain(..off);
            }
            End::Tail => {
                let off = self.offset_of(self.count() - k);
                self.buf.truncate(off);
            }
        }
        self.count -= k as u32;
    }

    /// Replaces the entry at `off` by `e`.
    pub(super) fn replace(&mut self, off: usize, e: Elem) {
        let old = decode(&self.buf, off).1;
        let n = encoded_len(e);
        if n != old {
            self.buf.splice(off..off + old, std::iter::repeat_n(0, n));
        }
        write_entry(&mut self.buf[off..off + n], e);
    }

    /// Moves entries `at..` into a new pack (marked for recompression as
    /// this one is).
    pub(super) fn split_off(&mut self, at: usize) -> Pack {
        let off = self.offset_of(at);
        let tail = Pack {
            buf: self.buf[off..].to_vec(),
            count: self.count - at as u32,
            recompress: self.recompress,
        };
        self.buf.truncate(off);
        self.count = at as u32;
        self.seal();
        tail
    }

    /// Appends `other`'s entries.
    pub(super) fn append(&mut self, other: &Pack) {
        self.buf.extend_from_slice(&other.buf);
        self.count += other.count;
    }

    /// Gives back spare capacity of a node that will not grow soon.
    pub(super) fn seal(&mut self) {
        if self.buf.capacity() - self.buf.len() > SEAL_SLACK {
            self.buf.shrink_to_fit();
        }
    }

    /// Removes the matches of `target` whose rank among the pack's matches is
    /// in `skip..skip + take`, compacting in place.
    pub(super) fn remove_matches(&mut self, target: Elem, skip: usize, take: usize) {
        let (mut r, mut w, mut rank, mut removed) = (0, 0, 0, 0);
        while r < self.buf.len() {
            let (e, len) = decode(&self.buf, r);
            let is_match = e == target;
            let drop = is_match && rank >= skip && rank < skip + take;
            rank += is_match as usize;
            if drop {
                removed += 1;
            } else {
                if w != r {
                    self.buf.copy_within(r..r + len, w);
                }
                w += len;
            }
            r += len;
        }
        self.buf.truncate(w);
        self.count -= removed;
    }

    /// The node LZF-compressed, when Redis's rule says it pays: at least
    /// [`MIN_COMPRESS_BYTES`] as a listpack, and more than
    /// [`MIN_COMPRESS_IMPROVE`] bytes saved.
    pub(super) fn compress(&self) -> Option<Lzf> {
        let raw_len = self.bytes();
        if raw_len < MIN_COMPRESS_BYTES {
            return None;
        }
        let raw_len32 = u32::try_from(raw_len).ok()?;
        SCRATCH.with(|scratch| {
            let (compressor, listpack, packed) = &mut *scratch.borrow_mut();
            listpack.clear();
            write_listpack(listpack, &self.buf, self.count());
            let max_len = raw_len - MIN_COMPRESS_IMPROVE - 1;
            compressor.compress(listpack, packed, max_len).then(|| Lzf {
                data: packed[..].into(),
                raw_len: raw_len32,
                count: self.count,
            })
        })
    }
}

/// How many entries of `buf` equal `target`.
pub(super) fn count_matches(buf: &[u8], target: Elem) -> usize {
    let (mut off, mut n) = (0, 0);
    while off < buf.len() {
        let (e, len) = decode(buf, off);
        n += (e == target) as usize;
        off += len;
    }
    n
}

// ---------------------------------------------------------------------------
// Lzf: a compressed node
// ---------------------------------------------------------------------------

/// An inner node, compressed: the LZF form of its listpack.
#[derive(Clone, Debug)]
pub(super) struct Lzf {
    pub(super) data: Box<[u8]>,
    /// Bytes of the listpack it expands to (header and end byte included).
    pub(super) raw_len: u32,
    pub(super) count: u32,
}

impl Lzf {
    /// Expands the listpack into `out` (cleared first) and returns the range
    /// of its entries there.
    pub(super) fn inflate_into(&self, out: &mut Vec<u8>) -> std::ops::Range<usize> {
        lzf::decompress(&self.data, self.raw_len as usize, out)
            .expect("a node compressed by this process expands");
        HEADER_SIZE..out.len() - 1
    }

    /// The raw node again, marked for recompression.
    pub(super) fn inflate(&self) -> Pack {
        let mut buf = Vec::new();
        let entries = self.inflate_into(&mut buf);
        buf.truncate(entries.end);
        buf.drain(..entries.start);
        Pack {
            buf,
            count: self.count,
            recompress: true,
        }
    }
}

// ---------------------------------------------------------------------------
// Node
// ---------------------------------------------------------------------------

/// A node of a multi-node list.
#[derive(Clone, Debug)]
pub(super) enum Node {
    Raw(Pack),
    Lzf(Lzf),
}

impl Node {
    /// Heap bytes of the node's buffer, raw or compressed.
    pub(super) fn heap_size(&self) -> usize {
        match self {
            Node::Raw(p) => p.heap_size(),
            Node::Lzf(z) => charged_size(z.data.len()),
        }
    }

    #[inline]
    pub(super) fn count(&self) -> usize {
        match self {
            Node::Raw(p) => p.count(),
            Node::Lzf(z) => z.count as usize,
        }
    }

    /// Size as Redis measures its listpack, compressed or not.
    #[inline]
    pub(super) fn bytes(&self) -> usize {
        match self {
            Node::Raw(p) => p.bytes(),
            Node::Lzf(z) => z.raw_len as usize,
        }
    }

    /// The raw node, decompressed first if need be (then marked for
    /// recompression).
    #[inline]
    pub(super) fn make_raw(&mut self) -> &mut Pack {
        if let Node::Lzf(z) = self {
            *self = Node::Raw(z.inflate());
        }
        match self {
            Node::Raw(p) => p,
            Node::Lzf(_) => unreachable!("just inflated"),
        }
    }

    /// Compresses a raw node when that pays (see [`Pack::compress`]);
    /// clears its recompress mark either way.
    pub(super) fn try_compress(&mut self) {
        if let Node::Raw(p) = self {
            p.recompress = false;
            if let Some(z) = p.compress() {
                *self = Node::Lzf(z);
            }
        }
    }

    /// True when compressed.
    #[inline]
    pub(super) fn is_compressed(&self) -> bool {
        matches!(self, Node::Lzf(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pack_of(values: &[&[u8]]) -> Pack {
        let mut p = Pack::default();
        for v in values {
            p.push(End::Tail, Elem::new(v));
        }
        p
    }

    #[test]
    fn compresses_by_redis_rule_and_round_trips() {
        // Under 48 bytes: never.
        assert!(pack_of(&[b"aaaaaaaaaaaaaaaaaaaa"]).compress().is_none());
        // Repetitive: compressed, and expands to the same entries.
        let values: Vec<Vec<u8>> = (0..100)
            .map(|i| format!("value:{i:04}").into_bytes())
            .collect();
        let refs: Vec<&[u8]> = values.iter().map(Vec::as_slice).collect();
        let p = pack_of(&refs);
        let z = p.compress().expect("repetitive text compresses");
        assert!(z.data.len() + MIN_COMPRESS_IMPROVE < p.bytes());
        assert_eq!(z.raw_len as usize, p.bytes());
        let back = z.inflate();
        assert_eq!(back.buf, p.buf);
        assert_eq!(back.count, p.count);
        assert!(back.recompress);
        // The compressed form is the whole listpack, as Redis stores it.
        let mut listpack = Vec::new();
        let entries = z.inflate_into(&mut listpack);
        assert_eq!(&listpack[entries], &p.buf[..]);
        assert_eq!(crate::types::listpack::validate(&listpack), Ok(100));
        // Incompressible bytes stay raw.
        let mut rng = crate::test_rng::Rng(7);
        let noise: Vec<u8> = (0..200).map(|_| rng.next() as u8).collect();
        assert!(pack_of(&[&noise]).compress().is_none());
    }
}
