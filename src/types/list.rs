//! A list: Redis's quicklist, a deque of packed nodes ("listpacks").
//!
//! Elements are stored in packs: one `Vec<u8>` of entries laid out like
//! Redis's listpack (the codec is in [`super::listpack`]), each
//! `[header][payload][backlen]`:
//!
//! * an element that is a canonical 64-bit integer ("42", "-7", not "007") is
//!   stored as a 1..9-byte integer, anything else as a length and its bytes
//!   (1, 2 or 5 bytes of header for lengths under 64, 4096, 2^32);
//! * `backlen`, the entry's header+payload length in 1..5 bytes, lets a pack
//!   be walked from its end, so both ends are O(1).
//!
//! A 3-byte element costs 5 bytes, as in Redis. A list is one of two forms:
//!
//! * `Small`: one pack, no deque (one allocation beside the key's);
//! * `Quick`: a `VecDeque` of packs, each kept under `list-max-listpack-size`
//!   (-2: 8 KB per pack; a positive value: at most that many entries, and
//!   8 KB), so a push or pop at either end touches one pack and LINDEX walks
//!   pack counts from the nearer end.
//!
//! The forms convert as Redis 7.2's `listTypeTryConversion` does: to `Quick`
//! when the pack would exceed the limit, back to `Small` when a `Quick` is
//! down to one pack of at most half the limit. Redis 7.0 names every list
//! "quicklist" in OBJECT ENCODING, so the forms are not visible to clients.

pub use super::listpack::Elem;
use super::listpack::{decode, encoded_len, prev_start, write_entry, HEADER_SIZE};
use std::collections::VecDeque;

/// Bytes a Redis listpack spends besides its entries (6-byte header, end
/// byte): node sizes are compared to the limit as Redis computes them.
const PACK_OVERHEAD: usize = HEADER_SIZE + 1;
/// Redis's SIZE_SAFETY_LIMIT: a node limited by count still stays under 8 KB.
const SIZE_SAFETY_LIMIT: usize = 8192;
/// Redis's FILL_MAX: the largest entry count per node.
const FILL_MAX: i64 = 32767;
/// Node byte limits for list-max-listpack-size -1 .. -5.
const SIZE_LEVELS: [usize; 5] = [4096, 8192, 16384, 32768, 65536];
/// A sealed node keeps spare capacity only below this many bytes.
const SEAL_SLACK: usize = 64;

/// Which end of a list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// The head: LEFT, index 0.
    Head,
    /// The tail: RIGHT, index -1.
    Tail,
}

/// How large a node may grow, from `list-max-listpack-size`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fill {
    /// Most bytes per node (Redis's listpack bytes, header included).
    size: usize,
    /// Most entries per node.
    count: usize,
    /// True when the limit is a count (positive setting): shrinking back to
    /// one pack then looks at the count only, as in Redis.
    by_count: bool,
}

impl Fill {
    /// The limits `list-max-listpack-size` means: negative values -1..-5 are
    /// 4, 8, 16, 32, 64 KB per node (lower values act as -5); positive values
    /// are entries per node (at most 32767, 0 acting as 1) within 8 KB.
    pub fn new(list_max_listpack_size: i64) -> Fill {
        let n = list_max_listpack_size;
        if n >= 0 {
            Fill {
                size: SIZE_SAFETY_LIMIT,
                count: n.clamp(1, FILL_MAX) as usize,
                by_count: true,
            }
        } else {
            let level = (n.unsigned_abs() - 1).min(SIZE_LEVELS.len() as u64 - 1) as usize;
            Fill {
                size: SIZE_LEVELS[level],
                count: usize::MAX,
                by_count: false,
            }
        }
    }

    /// True when a node of `bytes` (Redis's measure) and `count` entries is
    /// over the limit.
    #[inline]
    fn exceeds(self, bytes: usize, count: usize) -> bool {
        bytes > self.size || count > self.count
    }

    /// True when a lone node may become the `Small` form again: at most half
    /// the limit (Redis's LIST_CONV_SHRINKING), so a push and a pop at the
    /// boundary do not flip forms every time.
    #[inline]
    fn fits_half(self, bytes: usize, count: usize) -> bool {
        if self.by_count {
            count <= self.count / 2
        } else {
            bytes <= self.size / 2
        }
    }
}

impl Default for Fill {
    /// Redis's default, -2 (8 KB per node).
    fn default() -> Fill {
        Fill::new(-2)
    }
}

// ---------------------------------------------------------------------------
// Pack: one node
// ---------------------------------------------------------------------------

/// One node: entries back to back, and how many.
#[derive(Clone, Debug, Default)]
struct Pack {
    buf: Vec<u8>,
    count: u32,
}

impl Pack {
    /// Size as Redis measures a listpack (header and end byte included).
    #[inline]
    fn bytes(&self) -> usize {
        self.buf.len() + PACK_OVERHEAD
    }

    #[inline]
    fn count(&self) -> usize {
        self.count as usize
    }

    /// Offset of entry `i` (`i == count` gives the end), walked from the
    /// nearer end of the pack.
    fn offset_of(&self, i: usize) -> usize {
        let n = self.count();
        debug_assert!(i <= n);
        if i <= n / 2 {
            let mut off = 0;
            for _ in 0..i {
                off += decode(&self.buf, off).1;
            }
            off
        } else {
            let mut off = self.buf.len();
            for _ in 0..n - i {
                off = prev_start(&self.buf, off);
            }
            off
        }
    }

    /// Inserts `e` so that its entry starts at `off`.
    fn insert(&mut self, off: usize, e: Elem) {
        let n = encoded_len(e);
        let old = self.buf.len();
        self.buf.resize(old + n, 0);
        self.buf.copy_within(off..old, off + n);
        write_entry(&mut self.buf[off..off + n], e);
        self.count += 1;
    }

    #[inline]
    fn push(&mut self, end: End, e: Elem) {
        match end {
            End::Head => self.insert(0, e),
            End::Tail => self.insert(self.buf.len(), e),
        }
    }

    /// Removes `k` elements from `end`.
    fn drop_end(&mut self, end: End, k: usize) {
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
    fn replace(&mut self, off: usize, e: Elem) {
        let old = decode(&self.buf, off).1;
        let n = encoded_len(e);
        if n != old {
            self.buf.splice(off..off + old, std::iter::repeat_n(0, n));
        }
        write_entry(&mut self.buf[off..off + n], e);
    }

    /// Moves entries `at..` into a new pack.
    fn split_off(&mut self, at: usize) -> Pack {
        let off = self.offset_of(at);
        let tail = Pack {
            buf: self.buf[off..].to_vec(),
            count: self.count - at as u32,
        };
        self.buf.truncate(off);
        self.count = at as u32;
        self.seal();
        tail
    }

    /// Appends `other`'s entries.
    fn append(&mut self, other: &Pack) {
        self.buf.extend_from_slice(&other.buf);
        self.count += other.count;
    }

    /// Gives back spare capacity of a node that will not grow soon.
    fn seal(&mut self) {
        if self.buf.capacity() - self.buf.len() > SEAL_SLACK {
            self.buf.shrink_to_fit();
        }
    }

    /// Removes the matches of `target` whose rank among the pack's matches is
    /// in `skip..skip + take`, compacting in place.
    fn remove_matches(&mut self, target: Elem, skip: usize, take: usize) {
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

    /// How many entries equal `target`.
    fn count_matches(&self, target: Elem) -> usize {
        let (mut off, mut n) = (0, 0);
        while off < self.buf.len() {
            let (e, len) = decode(&self.buf, off);
            n += (e == target) as usize;
            off += len;
        }
        n
    }
}

// ---------------------------------------------------------------------------
// List
// ---------------------------------------------------------------------------

/// A list of binary-safe elements (see the module comment).
#[derive(Clone, Debug)]
pub struct List {
    /// Boxed so that `Object` stays 24 bytes: a list key's value box then
    /// takes a 32-byte malloc chunk, not 48 (lists are few and large).
    repr: Box<Repr>,
}

#[derive(Clone, Debug)]
enum Repr {
    /// One pack within the limit.
    Small(Pack),
    /// Packs each within the limit (none empty), and the element count.
    Quick { nodes: VecDeque<Pack>, len: usize },
}

impl Default for List {
    fn default() -> List {
        List {
            repr: Box::new(Repr::Small(Pack::default())),
        }
    }
}

impl List {
    /// Estimated heap bytes (see `Object::heap_size`): nodes are measured
    /// on up to `samples` of them.
    pub fn heap_size(&self, samples: usize) -> usize {
        use crate::alloc::charged_size;
        let pack = |p: &Pack| charged_size(p.buf.capacity());
        charged_size(std::mem::size_of::<Repr>())
            + match &*self.repr {
                Repr::Small(p) => pack(p),
                Repr::Quick { nodes, .. } => {
                    charged_size(nodes.capacity() * std::mem::size_of::<Pack>())
                        + super::extrapolate(nodes.iter().map(pack), nodes.len(), samples)
                }
            }
    }

    /// Number of elements.
    #[inline]
    pub fn len(&self) -> usize {
        match &*self.repr {
            Repr::Small(p) => p.count(),
            Repr::Quick { len, .. } => *len,
        }
    }

    /// True when empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// OBJECT ENCODING's name. Redis 7.0 says "quicklist" for every list, a
    /// one-node one included: its "listpack" list encoding came with 7.2.
    /// (For 7.2's names, answer "listpack" for the one-pack form.)
    pub fn encoding(&self) -> &'static str {
        "quicklist"
    }

    /// True in the one-pack form (what Redis 7.2 calls "listpack").
    pub fn is_single_pack(&self) -> bool {
        matches!(*self.repr, Repr::Small(_))
    }

    /// Number of nodes (1 in the one-pack form).
    pub fn node_count(&self) -> usize {
        match &*self.repr {
            Repr::Small(_) => 1,
            Repr::Quick { nodes, .. } => nodes.len(),
        }
    }

    /// Every node head to tail: its entries (listpack entry encoding, back to
    /// back, without the listpack header and end byte) and their count. An
    /// RDB file stores a list as these nodes.
    pub fn nodes(&self) -> impl Iterator<Item = (&[u8], usize)> {
        (0..self.node_count()).map(|i| {
            let p = self.node(i);
            (&p.buf[..], p.count())
        })
    }

    #[inline]
    fn node(&self, i: usize) -> &Pack {
        match &*self.repr {
            Repr::Small(p) => p,
            Repr::Quick { nodes, .. } => &nodes[i],
        }
    }

    /// Adds `value` at `end`.
    pub fn push(&mut self, end: End, value: &[u8], fill: Fill) {
        let e = Elem::new(value);
        let n = encoded_len(e);
        if let Repr::Small(p) = &mut *self.repr {
            if !fill.exceeds(p.bytes() + n, p.count() + 1) {
                p.push(end, e);
                return;
            }
            self.make_quick();
        }
        let Repr::Quick { nodes, len } = &mut *self.repr else {
            unreachable!()
        };
        let edge = match end {
            End::Head => nodes.front_mut(),
            End::Tail => nodes.back_mut(),
        };
        match edge {
            Some(p) if !fill.exceeds(p.bytes() + n, p.count() + 1) => p.push(end, e),
            edge => {
                if let Some(p) = edge {
                    p.seal();
                }
                let mut p = Pack::default();
                p.push(end, e);
                match end {
                    End::Head => nodes.push_front(p),
                    End::Tail => nodes.push_back(p),
                }
            }
        }
        *len += 1;
    }

    /// The element at `end`, if any.
    pub fn peek(&self, end: End) -> Option<Elem<'_>> {
        if self.is_empty() {
            return None;
        }
        Some(match end {
            End::Head => decode(&self.node(0).buf, 0).0,
            End::Tail => {
                let p = self.node(self.node_count() - 1);
                decode(&p.buf, prev_start(&p.buf, p.buf.len())).0
            }
        })
    }

    /// Removes and returns the element at `end`.
    pub fn pop(&mut self, end: End, fill: Fill) -> Option<Vec<u8>> {
        let v = self.peek(end)?.to_vec();
        self.drop_end(end, 1, fill);
        Some(v)
    }

    /// Removes `k` elements from `end` (all of them if `k` is larger).
    pub fn drop_end(&mut self, end: End, k: usize, fill: Fill) {
        let mut k = k.min(self.len());
        match &mut *self.repr {
            Repr::Small(p) => p.drop_end(end, k),
            Repr::Quick { nodes, len } => {
                *len -= k;
                while k > 0 {
                    let p = match end {
                        End::Head => nodes.front_mut(),
                        End::Tail => nodes.back_mut(),
                    }
                    .expect("counts agree");
                    if p.count() <= k {
                        k -= p.count();
                        match end {
                            End::Head => nodes.pop_front(),
                            End::Tail => nodes.pop_back(),
                        };
                    } else {
                        p.drop_end(end, k);
                        k = 0;
                    }
                }
            }
        }
        self.try_shrink(fill);
    }

    /// The element at `index` (negative: from the tail, -1 the last).
    pub fn get(&self, index: i64) -> Option<Elem<'_>> {
        let i = self.normalize(index)?;
        let (n, local) = self.locate(i);
        let p = self.node(n);
        Some(decode(&p.buf, p.offset_of(local)).0)
    }

    /// Replaces the element at `index`; false when out of range.
    pub fn set(&mut self, index: i64, value: &[u8], fill: Fill) -> bool {
        let Some(i) = self.normalize(index) else {
            return false;
        };
        let e = Elem::new(value);
        let (n, local) = self.locate(i);
        let p = self.node_mut(n);
        let off = p.offset_of(local);
        p.replace(off, e);
        self.fix_node(n, fill);
        self.try_shrink(fill);
        true
    }

    /// Inserts `value` before (or `after`) the first element equal to
    /// `pivot`, from the head; false when there is none.
    pub fn insert(&mut self, pivot: &[u8], value: &[u8], after: bool, fill: Fill) -> bool {
        let pivot = Elem::new(pivot);
        let Some((n, off, len)) = (0..self.node_count()).find_map(|n| {
            let p = self.node(n);
            let mut off = 0;
            while off < p.buf.len() {
                let (e, len) = decode(&p.buf, off);
                if e == pivot {
                    return Some((n, off, len));
                }
                off += len;
            }
            None
        }) else {
            return false;
        };
        let at = if after { off + len } else { off };
        self.node_mut(n).insert(at, Elem::new(value));
        if let Repr::Quick { len, .. } = &mut *self.repr {
            *len += 1;
        }
        self.fix_node(n, fill);
        true
    }

    /// LREM: removes up to `count` elements equal to `value`, from the head
    /// (`count` > 0), from the tail (`count` < 0), or all (0). Returns how
    /// many went.
    pub fn remove(&mut self, value: &[u8], count: i64, fill: Fill) -> usize {
        let target = Elem::new(value);
        let from_tail = count < 0;
        let limit = match count.unsigned_abs() {
            0 => usize::MAX,
            c => usize::try_from(c).unwrap_or(usize::MAX),
        };
        let nodes = self.node_count();
        let mut removed = 0;
        for step in 0..nodes {
            let left = limit - removed;
            if left == 0 {
                break;
            }
            let n = if from_tail { nodes - 1 - step } else { step };
            let p = self.node_mut(n);
            let matches = p.count_matches(target);
            if matches == 0 {
                continue;
            }
            let take = matches.min(left);
            let skip = if from_tail { matches - take } else { 0 };
            p.remove_matches(target, skip, take);
            removed += take;
        }
        if removed > 0 {
            if let Repr::Quick { nodes, len } = &mut *self.repr {
                *len -= removed;
                nodes.retain(|p| p.count > 0);
                merge_neighbours(nodes, fill);
            }
            self.try_shrink(fill);
        }
        removed
    }

    /// Elements from index `start` (0-based, in range) towards the tail.
    pub fn iter_from(&self, start: usize) -> Iter<'_> {
        let left = self.len().saturating_sub(start);
        if left == 0 {
            return Iter::empty(self);
        }
        let (node, local) = self.locate(start);
        Iter {
            list: self,
            node,
            off: self.node(node).offset_of(local),
            left,
            rev: false,
        }
    }

    /// Every element, head to tail.
    pub fn iter(&self) -> Iter<'_> {
        self.iter_from(0)
    }

    /// Every element, tail to head.
    pub fn iter_rev(&self) -> Iter<'_> {
        if self.is_empty() {
            return Iter::empty(self);
        }
        let node = self.node_count() - 1;
        Iter {
            list: self,
            node,
            off: self.node(node).buf.len(),
            left: self.len(),
            rev: true,
        }
    }

    /// Elements from `end` inwards.
    pub fn iter_from_end(&self, end: End) -> Iter<'_> {
        match end {
            End::Head => self.iter(),
            End::Tail => self.iter_rev(),
        }
    }

    /// `index` from the head, if in range (negative counts from the tail).
    fn normalize(&self, index: i64) -> Option<usize> {
        let len = self.len() as i64;
        let i = if index < 0 { len + index } else { index };
        (0..len).contains(&i).then_some(i as usize)
    }

    /// The node holding element `i` and its index there, walking node counts
    /// from the nearer end.
    fn locate(&self, i: usize) -> (usize, usize) {
        match &*self.repr {
            Repr::Small(_) => (0, i),
            Repr::Quick { nodes, len } => {
                if i < len / 2 {
                    let mut i = i;
                    for (n, p) in nodes.iter().enumerate() {
                        if i < p.count() {
                            return (n, i);
                        }
                        i -= p.count();
                    }
                } else {
                    let mut back = len - i;
                    for (n, p) in nodes.iter().enumerate().rev() {
                        if back <= p.count() {
                            return (n, p.count() - back);
                        }
                        back -= p.count();
                    }
                }
                unreachable!("index {i} beyond a list of {len}")
            }
        }
    }

    fn node_mut(&mut self, i: usize) -> &mut Pack {
        match &mut *self.repr {
            Repr::Small(p) => p,
            Repr::Quick { nodes, .. } => &mut nodes[i],
        }
    }

    /// One pack → a deque holding it.
    fn make_quick(&mut self) {
        if let Repr::Small(p) = &mut *self.repr {
            let p = std::mem::take(p);
            let len = p.count();
            let mut nodes = VecDeque::new();
            if len > 0 {
                nodes.push_back(p);
            }
            *self.repr = Repr::Quick { nodes, len };
        }
    }

    /// Splits node `n` until every part is within the limit (a lone element
    /// larger than the limit keeps a node to itself).
    fn fix_node(&mut self, n: usize, fill: Fill) {
        let p = self.node(n);
        if p.count() <= 1 || !fill.exceeds(p.bytes(), p.count()) {
            return;
        }
        self.make_quick();
        let Repr::Quick { nodes, .. } = &mut *self.repr else {
            unreachable!()
        };
        split_node(nodes, n, fill);
    }

    /// A deque down to one small pack becomes the one-pack form again.
    fn try_shrink(&mut self, fill: Fill) {
        if let Repr::Quick { nodes, .. } = &mut *self.repr {
            let fits = match nodes.len() {
                0 => true,
                1 => fill.fits_half(nodes[0].bytes(), nodes[0].count()),
                _ => false,
            };
            if fits {
                let p = nodes.pop_front().unwrap_or_default();
                *self.repr = Repr::Small(p);
            }
        }
    }

    /// Checks the invariants (tests).
    #[cfg(test)]
    fn check(&self, fill: Fill) {
        match &*self.repr {
            Repr::Small(p) => {
                assert!(p.count() <= 1 || !fill.exceeds(p.bytes(), p.count()));
                assert_eq!(self.iter().count(), p.count());
            }
            Repr::Quick { nodes, len } => {
                assert_eq!(nodes.iter().map(Pack::count).sum::<usize>(), *len);
                for p in nodes {
                    assert!(p.count() > 0);
                    assert!(p.count() == 1 || !fill.exceeds(p.bytes(), p.count()));
                }
            }
        }
        for n in 0..self.node_count() {
            let p = self.node(n);
            let (mut off, mut k) = (0, 0);
            while off < p.buf.len() {
                let (_, len) = decode(&p.buf, off);
                assert_eq!(prev_start(&p.buf, off + len), off);
                off += len;
                k += 1;
            }
            assert_eq!(off, p.buf.len());
            assert_eq!(k, p.count());
        }
    }
}

/// Splits `nodes[n]` in halves (by count) until each part fits.
fn split_node(nodes: &mut VecDeque<Pack>, n: usize, fill: Fill) {
    let p = &nodes[n];
    if p.count() <= 1 || !fill.exceeds(p.bytes(), p.count()) {
        return;
    }
    let half = p.count() / 2;
    let tail = nodes[n].split_off(half);
    nodes.insert(n + 1, tail);
    split_node(nodes, n + 1, fill);
    split_node(nodes, n, fill);
}

/// Merges neighbouring nodes whose entries fit in one.
fn merge_neighbours(nodes: &mut VecDeque<Pack>, fill: Fill) {
    let mut i = 0;
    while i + 1 < nodes.len() {
        let (a, b) = (&nodes[i], &nodes[i + 1]);
        if fill.exceeds(a.bytes() + b.buf.len(), a.count() + b.count()) {
            i += 1;
        } else {
            let b = nodes.remove(i + 1).expect("in range");
            nodes[i].append(&b);
        }
    }
}

/// Elements in one direction (see [`List::iter`], [`List::iter_rev`]).
pub struct Iter<'a> {
    list: &'a List,
    node: usize,
    /// Forward: start of the next entry. Backward: end of the next entry.
    off: usize,
    left: usize,
    rev: bool,
}

impl<'a> Iter<'a> {
    fn empty(list: &'a List) -> Iter<'a> {
        Iter {
            list,
            node: 0,
            off: 0,
            left: 0,
            rev: false,
        }
    }
}

impl<'a> Iterator for Iter<'a> {
    type Item = Elem<'a>;

    #[inline]
    fn next(&mut self) -> Option<Elem<'a>> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let list: &'a List = self.list;
        if self.rev {
            let mut p = list.node(self.node);
            while self.off == 0 {
                self.node -= 1;
                p = list.node(self.node);
                self.off = p.buf.len();
            }
            self.off = prev_start(&p.buf, self.off);
            Some(decode(&p.buf, self.off).0)
        } else {
            let mut p = list.node(self.node);
            while self.off == p.buf.len() {
                self.node += 1;
                self.off = 0;
                p = list.node(self.node);
            }
            let (e, len) = decode(&p.buf, self.off);
            self.off += len;
            Some(e)
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for Iter<'_> {}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(l: &List) -> Vec<Vec<u8>> {
        l.iter().map(Elem::to_vec).collect()
    }

    #[test]
    fn fill_limits_follow_redis() {
        assert_eq!(Fill::new(-2).size, 8192);
        assert_eq!(Fill::new(-1).size, 4096);
        assert_eq!(Fill::new(-5).size, 65536);
        assert_eq!(Fill::new(-100).size, 65536);
        assert_eq!(Fill::new(i64::MIN).size, 65536);
        assert_eq!(Fill::new(5).count, 5);
        assert_eq!(Fill::new(0).count, 1);
        assert_eq!(Fill::new(1_000_000).count, 32767);
        assert_eq!(Fill::new(5).size, SIZE_SAFETY_LIMIT);
    }

    #[test]
    fn small_list_push_pop_both_ends() {
        let fill = Fill::default();
        let mut l = List::default();
        assert!(l.is_empty());
        assert_eq!(l.peek(End::Head), None);
        assert_eq!(l.pop(End::Tail, fill), None);
        l.push(End::Tail, b"b", fill);
        l.push(End::Head, b"a", fill);
        l.push(End::Tail, b"12", fill);
        assert_eq!(texts(&l), [&b"a"[..], b"b", b"12"]);
        assert!(l.is_single_pack());
        assert_eq!(l.encoding(), "quicklist");
        assert_eq!(l.get(-1), Some(Elem::Int(12)));
        assert_eq!(l.get(0), Some(Elem::Str(b"a")));
        assert_eq!(l.get(3), None);
        assert_eq!(l.get(-4), None);
        assert_eq!(l.get(i64::MIN), None);
        assert_eq!(l.pop(End::Tail, fill).unwrap(), b"12");
        assert_eq!(l.pop(End::Head, fill).unwrap(), b"a");
        assert_eq!(l.len(), 1);
        l.check(fill);
    }

    #[test]
    fn grows_into_nodes_and_shrinks_back() {
        let fill = Fill::default();
        let mut l = List::default();
        let value = [b'v'; 100];
        for i in 0..1000 {
            l.push(End::Tail, &value, fill);
            l.check(fill);
            if i < 70 {
                assert!(l.is_single_pack(), "{i}");
            }
        }
        assert!(!l.is_single_pack());
        assert!(l.node_count() > 10);
        // 103-byte entries (2-byte header, backlen): 79 fit in 8 KB, so the
        // last node holds 1000 - 12 * 79 = 52.
        assert_eq!(l.node_count(), 13);
        while l.len() > 40 {
            l.pop(End::Head, fill);
            l.check(fill);
        }
        // One node but over half the limit (40 * 103 + 7 > 4096): kept.
        assert!(!l.is_single_pack());
        while l.len() > 39 {
            l.pop(End::Head, fill);
            l.check(fill);
        }
        // One node, at most half the limit: back to one pack.
        assert!(l.is_single_pack());
        while l.pop(End::Tail, fill).is_some() {}
        assert!(l.is_empty());
        l.check(fill);
    }

    #[test]
    fn count_fill_limits_entries_per_node() {
        let fill = Fill::new(4);
        let mut l = List::default();
        for i in 0..4 {
            l.push(End::Tail, i.to_string().as_bytes(), fill);
        }
        assert!(l.is_single_pack());
        l.push(End::Tail, b"4", fill);
        assert!(!l.is_single_pack());
        for i in 5..20 {
            l.push(End::Head, i.to_string().as_bytes(), fill);
            l.check(fill);
        }
        // [19 18 17] [16..13] [12..9] [8..5] [0 1 2 3] [4]
        assert_eq!(l.node_count(), 6);
        l.drop_end(End::Head, 18, fill);
        assert_eq!(texts(&l), [&b"3"[..], b"4"]);
        assert!(!l.is_single_pack());
        assert_eq!(l.pop(End::Head, fill).unwrap(), b"3");
        // One node of at most half the count limit.
        assert!(l.is_single_pack());
    }

    #[test]
    fn large_elements_get_their_own_node() {
        let fill = Fill::default();
        let mut l = List::default();
        let big = vec![b'b'; 20_000];
        l.push(End::Tail, &big, fill);
        assert!(!l.is_single_pack());
        l.push(End::Tail, b"x", fill);
        l.push(End::Head, b"y", fill);
        assert_eq!(l.node_count(), 3);
        l.check(fill);
        assert_eq!(l.get(1).unwrap().to_vec(), big);
        // LSET of a big element into a small node splits it.
        let mut l = List::default();
        for i in 0..10 {
            l.push(End::Tail, i.to_string().as_bytes(), fill);
        }
        assert!(l.set(5, &big, fill));
        l.check(fill);
        assert!(l.node_count() >= 2);
        assert_eq!(l.get(5).unwrap().to_vec(), big);
        assert_eq!(l.get(4), Some(Elem::Int(4)));
        assert_eq!(l.get(6), Some(Elem::Int(6)));
        assert!(l.set(5, b"5", fill));
        assert_eq!(l.get(5), Some(Elem::Int(5)));
        l.check(fill);
    }

    #[test]
    fn insert_splits_full_nodes() {
        let fill = Fill::new(-1);
        let mut l = List::default();
        for i in 0..3000 {
            l.push(End::Tail, format!("e{i}").as_bytes(), fill);
        }
        for i in 0..500 {
            assert!(l.insert(b"e1500", format!("n{i}").as_bytes(), i % 2 == 0, fill));
            l.check(fill);
        }
        assert!(!l.insert(b"nope", b"x", false, fill));
        assert_eq!(l.len(), 3500);
        let pos = l.iter().position(|e| e == Elem::new(b"e1500")).unwrap();
        assert_eq!(pos, 1750);
        assert_eq!(l.get(pos as i64 + 1).unwrap().to_vec(), b"n498");
        assert_eq!(l.get(pos as i64 - 1).unwrap().to_vec(), b"n499");
    }

    #[test]
    fn remove_from_head_tail_and_all() {
        let fill = Fill::new(3);
        let mut l = List::default();
        for v in ["a", "b", "a", "c", "a", "b", "a", "1", "01", "1"] {
            l.push(End::Tail, v.as_bytes(), fill);
        }
        assert_eq!(l.remove(b"a", 1, fill), 1);
        assert_eq!(texts(&l).concat(), b"bacaba1011");
        assert_eq!(l.remove(b"a", -2, fill), 2);
        assert_eq!(texts(&l).concat(), b"bacb1011");
        assert_eq!(l.remove(b"1", 0, fill), 2);
        assert_eq!(texts(&l).concat(), b"bacb01");
        assert_eq!(l.remove(b"zz", 0, fill), 0);
        assert_eq!(l.remove(b"b", i64::MIN, fill), 2);
        assert_eq!(texts(&l).concat(), b"ac01");
        l.check(fill);
    }

    #[test]
    fn iterators_cross_nodes_both_ways() {
        let fill = Fill::new(2);
        let mut l = List::default();
        for i in 0..7 {
            l.push(End::Tail, i.to_string().as_bytes(), fill);
        }
        assert_eq!(l.node_count(), 4);
        let fwd: Vec<_> = l.iter().collect();
        let rev: Vec<_> = l.iter_rev().collect();
        assert_eq!(fwd, (0..7).map(Elem::Int).collect::<Vec<_>>());
        assert_eq!(rev, (0..7).rev().map(Elem::Int).collect::<Vec<_>>());
        for s in 0..=8 {
            let got: Vec<_> = l.iter_from(s).collect();
            assert_eq!(
                got,
                (s.min(7)..7)
                    .map(|i| Elem::Int(i as i64))
                    .collect::<Vec<_>>()
            );
        }
        assert_eq!(l.iter_from_end(End::Tail).len(), 7);
    }

    use crate::test_rng::Rng;

    fn random_value(rng: &mut Rng) -> Vec<u8> {
        match rng.below(6) {
            0 => rng.below(200).to_string().into_bytes(),
            1 => (rng.next() as i64).to_string().into_bytes(),
            2 => vec![b'a' + rng.below(3) as u8],
            3 => vec![b'q'; rng.below(300) as usize],
            4 => vec![b'L'; 3000 + rng.below(6000) as usize],
            _ => format!("0{}", rng.below(10)).into_bytes(),
        }
    }

    #[test]
    fn random_operations_match_a_vecdeque() {
        for (seed, setting) in [(1u64, -2i64), (2, -1), (3, 1), (4, 3), (5, 0), (6, -5)] {
            let fill = Fill::new(setting);
            let mut rng = Rng(0x9E3779B97F4A7C15 ^ seed);
            let mut list = List::default();
            let mut model: VecDeque<Vec<u8>> = VecDeque::new();
            for step in 0..6000 {
                let len = model.len() as i64;
                let index = rng.below(len as u64 * 2 + 2) as i64 - len - 1;
                let end = if rng.below(2) == 0 {
                    End::Head
                } else {
                    End::Tail
                };
                match rng.below(if model.len() > 400 { 13 } else { 10 }) {
                    0..=2 => {
                        let v = random_value(&mut rng);
                        list.push(end, &v, fill);
                        match end {
                            End::Head => model.push_front(v),
                            End::Tail => model.push_back(v),
                        }
                    }
                    3 | 10 => {
                        let want = match end {
                            End::Head => model.pop_front(),
                            End::Tail => model.pop_back(),
                        };
                        assert_eq!(list.pop(end, fill), want);
                    }
                    4 => {
                        let got = list.get(index).map(Elem::to_vec);
                        let i = if index < 0 { len + index } else { index };
                        assert_eq!(
                            got.as_ref(),
                            usize::try_from(i).ok().and_then(|i| model.get(i))
                        );
                    }
                    5 => {
                        let v = random_value(&mut rng);
                        let i = if index < 0 { len + index } else { index };
                        let ok = (0..len).contains(&i);
                        assert_eq!(list.set(index, &v, fill), ok);
                        if ok {
                            model[i as usize] = v;
                        }
                    }
                    6 => {
                        let pivot = random_value(&mut rng);
                        let v = random_value(&mut rng);
                        let after = rng.below(2) == 0;
                        let at = model.iter().position(|x| *x == pivot);
                        assert_eq!(list.insert(&pivot, &v, after, fill), at.is_some());
                        if let Some(at) = at {
                            model.insert(at + after as usize, v);
                        }
                    }
                    7 | 11 => {
                        let v = random_value(&mut rng);
                        let count = rng.below(5) as i64 - 2;
                        let mut removed = 0;
                        let limit = if count == 0 {
                            usize::MAX
                        } else {
                            count.unsigned_abs() as usize
                        };
                        if count >= 0 {
                            let mut i = 0;
                            while i < model.len() && removed < limit {
                                if model[i] == v {
                                    model.remove(i);
                                    removed += 1;
                                } else {
                                    i += 1;
                                }
                            }
                        } else {
                            let mut i = model.len();
                            while i > 0 && removed < limit {
                                i -= 1;
                                if model[i] == v {
                                    model.remove(i);
                                    removed += 1;
                                }
                            }
                        }
                        assert_eq!(list.remove(&v, count, fill), removed);
                    }
                    8 | 12 => {
                        let k = rng.below(model.len() as u64 / 3 + 2) as usize;
                        list.drop_end(end, k, fill);
                        for _ in 0..k.min(model.len()) {
                            match end {
                                End::Head => model.pop_front(),
                                End::Tail => model.pop_back(),
                            };
                        }
                    }
                    _ => {
                        let start = rng.below(model.len() as u64 + 2) as usize;
                        let got: Vec<_> = list.iter_from(start).map(Elem::to_vec).collect();
                        let want: Vec<_> = model.iter().skip(start).cloned().collect();
                        assert_eq!(got, want);
                        let got: Vec<_> = list.iter_rev().map(Elem::to_vec).collect();
                        let want: Vec<_> = model.iter().rev().cloned().collect();
                        assert_eq!(got, want);
                    }
                }
                assert_eq!(list.len(), model.len(), "seed {seed} step {step}");
                if step % 50 == 0 || model.len() < 20 {
                    list.check(fill);
                }
            }
            list.check(fill);
            assert_eq!(texts(&list), model.iter().cloned().collect::<Vec<_>>());
        }
    }

    #[test]
    fn a_million_small_elements_cost_about_what_redis_spends() {
        let fill = Fill::default();
        let mut l = List::default();
        for i in 0..1_000_000u32 {
            l.push(End::Tail, format!("element:{i}").as_bytes(), fill);
        }
        let Repr::Quick { nodes, .. } = &*l.repr else {
            panic!("a million elements are in nodes")
        };
        let heap: usize = nodes.iter().map(|p| p.buf.capacity() + 16).sum::<usize>()
            + nodes.capacity() * std::mem::size_of::<Pack>();
        // "element:123456" is 14 bytes: 16 in a pack, as in a Redis listpack.
        let per_element = heap as f64 / 1e6;
        assert!(per_element < 17.0, "{per_element} bytes per element");
        assert_eq!(l.get(0).unwrap().to_vec(), b"element:0");
        assert_eq!(l.get(-1).unwrap().to_vec(), b"element:999999");
        assert_eq!(l.get(500_000).unwrap().to_vec(), b"element:500000");
    }

    /// Access near the ends is O(1): growing a list 10x (quicklist encoding)
    /// must not make LINDEX 1 / -2, LPUSH+RPOP or LSET near the ends more
    /// than ~4x slower per operation (best of interleaved rounds, so machine
    /// noise hits both sizes alike).
    #[test]
    fn access_near_the_ends_does_not_grow_with_length() {
        use std::time::Instant;
        let fill = Fill::new(-2);
        let build = |n: usize| {
            let mut l = List::default();
            for i in 0..n {
                l.push(End::Tail, format!("element:{i}").as_bytes(), fill);
            }
            l
        };
        let time_per_op = |l: &mut List, ops: usize| {
            let start = Instant::now();
            let mut sink = 0usize;
            for i in 0..ops {
                sink += l.get(1).map_or(0, |e| e.to_vec().len());
                sink += l.get(-2).map_or(0, |e| e.to_vec().len());
                l.push(End::Head, b"x", fill);
                sink += l.pop(End::Head, fill).map_or(0, |v| v.len());
                l.set(-3, if i % 2 == 0 { b"aa" } else { b"bbb" }, fill);
            }
            std::hint::black_box(sink);
            start.elapsed().as_secs_f64() / ops as f64
        };
        let mut small = build(20_000);
        let mut large = build(200_000);
        assert_eq!(large.encoding(), "quicklist");
        let (mut t_small, mut t_large) = (f64::MAX, f64::MAX);
        for _ in 0..5 {
            t_small = t_small.min(time_per_op(&mut small, 20_000));
            t_large = t_large.min(time_per_op(&mut large, 20_000));
        }
        assert!(
            t_large < t_small * 4.0,
            "10x longer list: {:.0} ns/op vs {:.0} ns/op",
            t_large * 1e9,
            t_small * 1e9
        );
    }
}
