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
//!
//! With `list-compress-depth` d > 0, the d nodes at each end of a `Quick`
//! list stay raw and inner nodes are LZF-compressed as Redis does (see
//! [`node`]): pushes and pops work on raw end nodes; a change inside expands
//! the node it touches and compresses it again when done; reads never change
//! the list (they expand a compressed node into a buffer of their own, see
//! [`iter`]). As in Redis, a node is compressed when it moves inwards past
//! the depth or is changed while inside it; the depth in effect is the one
//! passed with the change (so CONFIG SET applies to the nodes changed next;
//! Redis 7.0 instead fixes a list's depth when the list is created).
//!
//! One million 16-byte elements ("element:00000001"...) take 5.4 bytes each
//! at depth 1 (redis-server 7.0.15: 5.8) and 18.3 uncompressed (Redis:
//! 18.3): growth of INFO used_memory for RPUSHes of 1000 elements.

mod iter;
mod node;

pub use super::listpack::Elem;
use super::listpack::{decode, encoded_len, prev_start};
use crate::alloc::charged_size;
pub use iter::{Item, Iter};
use node::{count_matches, entry_offset, Lzf, Node, Pack, PACK_OVERHEAD};
use std::collections::VecDeque;
use std::rc::Rc;

/// Redis's SIZE_SAFETY_LIMIT: a node limited by count still stays under 8 KB.
const SIZE_SAFETY_LIMIT: usize = 8192;
/// Redis's FILL_MAX: the largest entry count per node.
const FILL_MAX: i64 = 32767;
/// Node byte limits for list-max-listpack-size -1 .. -5.
const SIZE_LEVELS: [usize; 5] = [4096, 8192, 16384, 32768, 65536];
/// Redis's COMPRESS_MAX: deeper settings act as this depth.
const COMPRESS_MAX: i64 = 65535;

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
    /// Nodes kept raw at each end; inner ones are compressed (0: none).
    depth: usize,
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
                depth: 0,
            }
        } else {
            let level = (n.unsigned_abs() - 1).min(SIZE_LEVELS.len() as u64 - 1) as usize;
            Fill {
                size: SIZE_LEVELS[level],
                count: usize::MAX,
                by_count: false,
                depth: 0,
            }
        }
    }

    /// These limits with `list-compress-depth` `depth` (negative acts as 0,
    /// more than 65535 as 65535, as in Redis).
    pub fn with_compress_depth(self, depth: i64) -> Fill {
        Fill {
            depth: depth.clamp(0, COMPRESS_MAX) as usize,
            ..self
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
    /// One pack within the limit (never compressed).
    Small(Pack),
    /// Nodes each within the limit (none empty), and the element count.
    /// The end nodes are always raw.
    Quick { nodes: VecDeque<Node>, len: usize },
}

/// A node as read: raw or compressed.
#[derive(Clone, Copy)]
enum NodeRef<'a> {
    Raw(&'a Pack),
    Lzf(&'a Lzf),
}

impl NodeRef<'_> {
    #[inline]
    fn count(self) -> usize {
        match self {
            NodeRef::Raw(p) => p.count(),
            NodeRef::Lzf(z) => z.count as usize,
        }
    }

    #[inline]
    fn bytes(self) -> usize {
        match self {
            NodeRef::Raw(p) => p.bytes(),
            NodeRef::Lzf(z) => z.raw_len as usize,
        }
    }
}

/// One node as an RDB file stores it (see [`List::nodes`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeBytes<'a> {
    /// A raw node: its entries (listpack entry encoding, back to back,
    /// without the listpack header and end byte) and their count.
    Entries(&'a [u8], usize),
    /// A compressed node: the LZF form of its whole listpack (header, entries,
    /// end byte), and the listpack's length; Redis writes a compressed node
    /// to an RDB file as this LZF string.
    Lzf(&'a [u8], usize),
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
        charged_size(std::mem::size_of::<Repr>())
            + match &*self.repr {
                Repr::Small(p) => p.heap_size(),
                Repr::Quick { nodes, .. } => {
                    charged_size(nodes.capacity() * std::mem::size_of::<Node>())
                        + super::extrapolate(
                            nodes.iter().map(Node::heap_size),
                            nodes.len(),
                            samples,
                        )
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

    /// Number of compressed nodes (what Redis's DEBUG OBJECT calls
    /// `ql_compressed`, as a count).
    pub fn compressed_node_count(&self) -> usize {
        match &*self.repr {
            Repr::Small(_) => 0,
            Repr::Quick { nodes, .. } => nodes.iter().filter(|n| n.is_compressed()).count(),
        }
    }

    /// Every node head to tail, as an RDB file stores it.
    pub fn nodes(&self) -> impl Iterator<Item = NodeBytes<'_>> {
        (0..self.node_count()).map(|i| match self.node(i) {
            NodeRef::Raw(p) => NodeBytes::Entries(&p.buf, p.count()),
            NodeRef::Lzf(z) => NodeBytes::Lzf(&z.data, z.raw_len as usize),
        })
    }

    #[inline]
    fn node(&self, i: usize) -> NodeRef<'_> {
        match &*self.repr {
            Repr::Small(p) => NodeRef::Raw(p),
            Repr::Quick { nodes, .. } => match &nodes[i] {
                Node::Raw(p) => NodeRef::Raw(p),
                Node::Lzf(z) => NodeRef::Lzf(z),
            },
        }
    }

    /// Elements in node `i`.
    #[inline]
    fn node_len(&self, i: usize) -> usize {
        self.node(i).count()
    }

    /// The raw node at `end` (end nodes are never compressed), if any.
    #[inline]
    fn end_pack(&self, end: End) -> Option<&Pack> {
        let node = match &*self.repr {
            Repr::Small(p) => return Some(p),
            Repr::Quick { nodes, .. } => match end {
                End::Head => nodes.front(),
                End::Tail => nodes.back(),
            },
        };
        match node? {
            Node::Raw(p) => Some(p),
            Node::Lzf(_) => unreachable!("end nodes stay raw"),
        }
    }

    /// The entries of node `i`: borrowed, or expanded into `scratch`.
    fn entries<'s>(&'s self, i: usize, scratch: &'s mut Vec<u8>) -> &'s [u8] {
        match self.node(i) {
            NodeRef::Raw(p) => &p.buf,
            NodeRef::Lzf(z) => {
                let entries = z.inflate_into(scratch);
                &scratch[entries]
            }
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
        *len += 1;
        let edge = match end {
            End::Head => nodes.front_mut(),
            End::Tail => nodes.back_mut(),
        };
        if let Some(Node::Raw(p)) = edge {
            if !fill.exceeds(p.bytes() + n, p.count() + 1) {
                p.push(end, e);
                return;
            }
            p.seal();
        }
        let mut p = Pack::default();
        p.push(end, e);
        match end {
            End::Head => nodes.push_front(Node::Raw(p)),
            End::Tail => nodes.push_back(Node::Raw(p)),
        }
        settle_ends(nodes, fill.depth);
    }

    /// The element at `end`, if any.
    pub fn peek(&self, end: End) -> Option<Elem<'_>> {
        let p = self.end_pack(end).filter(|p| p.count > 0)?;
        Some(match end {
            End::Head => decode(&p.buf, 0).0,
            End::Tail => decode(&p.buf, prev_start(&p.buf, p.buf.len())).0,
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
                let mut removed_nodes = false;
                while k > 0 {
                    let node = match end {
                        End::Head => nodes.front_mut(),
                        End::Tail => nodes.back_mut(),
                    }
                    .expect("counts agree");
                    if node.count() <= k {
                        k -= node.count();
                        match end {
                            End::Head => nodes.pop_front(),
                            End::Tail => nodes.pop_back(),
                        };
                        removed_nodes = true;
                    } else {
                        node.make_raw().drop_end(end, k);
                        k = 0;
                    }
                }
                if removed_nodes {
                    settle_ends(nodes, fill.depth);
                }
            }
        }
        self.try_shrink(fill);
    }

    /// The element at `index` (negative: from the tail, -1 the last).
    pub fn get(&self, index: i64) -> Option<Item<'_>> {
        let i = self.normalize(index)?;
        let (n, local) = self.locate(i);
        Some(match self.node(n) {
            NodeRef::Raw(p) => Item::Elem(decode(&p.buf, p.offset_of(local)).0),
            NodeRef::Lzf(z) => {
                let node: Rc<[u8]> = iter::expand(z);
                let off = entry_offset(&node, z.count as usize, local);
                Item::Inflated { node, off }
            }
        })
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
        self.settle(fill);
        self.try_shrink(fill);
        true
    }

    /// Inserts `value` before (or `after`) the first element equal to
    /// `pivot`, from the head; false when there is none.
    pub fn insert(&mut self, pivot: &[u8], value: &[u8], after: bool, fill: Fill) -> bool {
        let pivot = Elem::new(pivot);
        let mut scratch = Vec::new();
        let Some((n, off, len)) = (0..self.node_count()).find_map(|n| {
            let entries = self.entries(n, &mut scratch);
            let mut off = 0;
            while off < entries.len() {
                let (e, len) = decode(entries, off);
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
        self.settle(fill);
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
        let mut scratch = Vec::new();
        for step in 0..nodes {
            let left = limit - removed;
            if left == 0 {
                break;
            }
            let n = if from_tail { nodes - 1 - step } else { step };
            let matches = count_matches(self.entries(n, &mut scratch), target);
            if matches == 0 {
                continue;
            }
            let take = matches.min(left);
            let skip = if from_tail { matches - take } else { 0 };
            self.node_mut(n).remove_matches(target, skip, take);
            removed += take;
        }
        if removed > 0 {
            if let Repr::Quick { nodes, len } = &mut *self.repr {
                *len -= removed;
                nodes.retain(|p| p.count() > 0);
                merge_neighbours(nodes, fill);
            }
            self.settle(fill);
            self.try_shrink(fill);
        }
        removed
    }

    /// Elements from index `start` (0-based, in range) towards the tail.
    pub fn iter_from(&self, start: usize) -> Iter<'_> {
        let left = self.len().saturating_sub(start);
        if left == 0 {
            return Iter::new(self, 0, 0, 0, false);
        }
        let (node, local) = self.locate(start);
        Iter::new(self, node, local, left, false)
    }

    /// Every element, head to tail.
    pub fn iter(&self) -> Iter<'_> {
        self.iter_from(0)
    }

    /// Every element, tail to head.
    pub fn iter_rev(&self) -> Iter<'_> {
        if self.is_empty() {
            return Iter::new(self, 0, 0, 0, true);
        }
        let node = self.node_count() - 1;
        Iter::new(self, node, self.node_len(node), self.len(), true)
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

    /// Node `i` for a change: expanded if compressed, and marked so that
    /// [`List::settle`] compresses it again if it is an inner node.
    fn node_mut(&mut self, i: usize) -> &mut Pack {
        match &mut *self.repr {
            Repr::Small(p) => p,
            Repr::Quick { nodes, .. } => {
                let p = nodes[i].make_raw();
                p.recompress = true;
                p
            }
        }
    }

    /// One pack → a deque holding it.
    fn make_quick(&mut self) {
        if let Repr::Small(p) = &mut *self.repr {
            let p = std::mem::take(p);
            let len = p.count();
            let mut nodes = VecDeque::new();
            if len > 0 {
                nodes.push_back(Node::Raw(p));
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

    /// After a change inside a `Quick` list: compresses the inner nodes it
    /// marked, then restores the ends (see [`settle_ends`]).
    fn settle(&mut self, fill: Fill) {
        if let Repr::Quick { nodes, .. } = &mut *self.repr {
            let depth = fill.depth;
            if depth > 0 && nodes.len() > 2 * depth {
                let inner = depth..nodes.len() - depth;
                for node in nodes.range_mut(inner) {
                    if matches!(node, Node::Raw(p) if p.recompress) {
                        node.try_compress();
                    }
                }
            }
            settle_ends(nodes, depth);
        }
    }

    /// A deque down to one small node becomes the one-pack form again.
    #[inline(always)]
    fn try_shrink(&mut self, fill: Fill) {
        if let Repr::Quick { nodes, .. } = &*self.repr {
            let fits = match nodes.len() {
                0 => true,
                1 => fill.fits_half(nodes[0].bytes(), nodes[0].count()),
                _ => false,
            };
            if fits {
                self.make_small();
            }
        }
    }

    /// A deque of at most one node → that node as the one-pack form.
    fn make_small(&mut self) {
        if let Repr::Quick { nodes, .. } = &mut *self.repr {
            let p = match nodes.pop_front() {
                None => Pack::default(),
                Some(Node::Raw(p)) => p,
                Some(Node::Lzf(z)) => z.inflate(),
            };
            *self.repr = Repr::Small(p);
        }
    }

    /// Checks the invariants (tests): limits, counts, entries, raw ends, and
    /// no compressed node within `fill`'s depth of an end.
    #[cfg(test)]
    fn check(&self, fill: Fill) {
        match &*self.repr {
            Repr::Small(p) => {
                assert!(p.count() <= 1 || !fill.exceeds(p.bytes(), p.count()));
                assert_eq!(self.iter().count(), p.count());
            }
            Repr::Quick { nodes, len } => {
                assert_eq!(nodes.iter().map(Node::count).sum::<usize>(), *len);
                let raw_ends = fill.depth.max(1);
                for (i, p) in nodes.iter().enumerate() {
                    assert!(p.count() > 0);
                    assert!(p.count() == 1 || !fill.exceeds(p.bytes(), p.count()));
                    if i < raw_ends || i + raw_ends >= nodes.len() {
                        assert!(!p.is_compressed(), "node {i} of {}", nodes.len());
                    }
                }
            }
        }
        let mut scratch = Vec::new();
        for n in 0..self.node_count() {
            let count = self.node_len(n);
            let bytes = self.node(n).bytes();
            let buf = self.entries(n, &mut scratch);
            assert_eq!(buf.len() + PACK_OVERHEAD, bytes);
            let (mut off, mut k) = (0, 0);
            while off < buf.len() {
                let (_, len) = decode(buf, off);
                assert_eq!(prev_start(buf, off + len), off);
                off += len;
                k += 1;
            }
            assert_eq!(off, buf.len());
            assert_eq!(k, count);
        }
    }
}

/// Keeps the `depth` nodes at each end raw (always at least the head and
/// the tail, which pushes and pops use) and compresses the node just inside
/// each window: Redis's `__quicklistCompress`, run when nodes come or go.
fn settle_ends(nodes: &mut VecDeque<Node>, depth: usize) {
    let n = nodes.len();
    for i in 0..depth.max(1).min(n) {
        for j in [i, n - 1 - i] {
            if nodes[j].is_compressed() {
                nodes[j].make_raw();
            }
        }
    }
    if depth > 0 && n > 2 * depth {
        nodes[depth].try_compress();
        nodes[n - 1 - depth].try_compress();
    }
}

/// Splits `nodes[n]` in halves (by count) until each part fits.
fn split_node(nodes: &mut VecDeque<Node>, n: usize, fill: Fill) {
    let p = &nodes[n];
    if p.count() <= 1 || !fill.exceeds(p.bytes(), p.count()) {
        return;
    }
    let half = p.count() / 2;
    let tail = nodes[n].make_raw().split_off(half);
    nodes.insert(n + 1, Node::Raw(tail));
    split_node(nodes, n + 1, fill);
    split_node(nodes, n, fill);
}

/// Merges neighbouring nodes whose entries fit in one (the merged node is
/// marked for recompression).
fn merge_neighbours(nodes: &mut VecDeque<Node>, fill: Fill) {
    let mut i = 0;
    while i + 1 < nodes.len() {
        let (a, b) = (&nodes[i], &nodes[i + 1]);
        if fill.exceeds(a.bytes() + b.bytes() - PACK_OVERHEAD, a.count() + b.count()) {
            i += 1;
        } else {
            let mut b = nodes.remove(i + 1).expect("in range");
            let a = nodes[i].make_raw();
            a.append(b.make_raw());
            a.recompress = true;
        }
    }
}

#[cfg(test)]
mod tests;
