//! A sorted set: listpack while small, skiplist beyond
//! (zset-max-listpack-entries / zset-max-listpack-value).
//!
//! Two encodings, under Redis's names for OBJECT ENCODING:
//!
//! * **listpack** ([`Small`]): one contiguous buffer of
//!   `[score: f64 LE][member length: varint][member]` entries sorted by
//!   (score, member). Every operation walks it, as Redis walks its listpack;
//!   it holds at most zset-max-listpack-entries members of at most
//!   zset-max-listpack-value bytes.
//! * **skiplist** ([`Big`]; the name is Redis's, the structure a counted
//!   B+tree): each member lives once, in a 32-byte arena slot (the score and
//!   the member, inline up to 22 bytes). A hash table of slot ids maps
//!   member → slot; a B+tree of slot ids ordered by (score, member), whose
//!   inner nodes keep each child's size and largest id, answers rank,
//!   select-by-rank and score/lex bounds in O(log n). No box per element
//!   (except members longer than 22 bytes) and no pointers between elements.
//!
//! Redis converts listpack → skiplist when an insertion exceeds a limit and
//! never back, except for the results of ZRANGESTORE / ZUNIONSTORE /
//! ZINTERSTORE / ZDIFFSTORE, which are built small when they fit
//! ([`ZSet::from_sorted`]).

use crate::store::varint::{push_varint, read_varint, varint_len};
use foldhash::fast::RandomState;
use hashbrown::HashTable;
use std::cmp::Ordering;
use std::fmt;
use std::hash::BuildHasher;

/// The encoding limits, from zset-max-listpack-entries / -value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Most members a listpack holds.
    pub max_entries: usize,
    /// Longest member (bytes) a listpack holds.
    pub max_value: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_entries: 128,
            max_value: 64,
        }
    }
}

/// ZADD's conditions (Redis's `ZADD_IN_*` flags).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AddFlags {
    /// Only add new members.
    pub nx: bool,
    /// Only update existing members.
    pub xx: bool,
    /// Only update when the new score is greater.
    pub gt: bool,
    /// Only update when the new score is less.
    pub lt: bool,
    /// The score is an increment (ZINCRBY, ZADD INCR).
    pub incr: bool,
}

/// What [`ZSet::add`] did (Redis's `zsetAdd` out flags), with the member's
/// resulting score where it has one.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum AddOutcome {
    /// A new member.
    Added(f64),
    /// An existing member got another score.
    Updated(f64),
    /// An existing member kept its score (processed, not changed).
    Same(f64),
    /// Nothing done: NX/XX/GT/LT refused.
    Nop,
    /// The increment made the score NaN; nothing changed.
    Nan,
}

/// A score interval as ZRANGEBYSCORE takes it (`(1.5`, `-inf`, ...).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScoreRange {
    pub min: f64,
    pub max: f64,
    /// The minimum is excluded.
    pub minex: bool,
    /// The maximum is excluded.
    pub maxex: bool,
}

impl ScoreRange {
    /// True when no score can be in the range.
    pub fn is_empty(&self) -> bool {
        self.min > self.max || (self.min == self.max && (self.minex || self.maxex))
    }

    /// `score` is at or above the minimum.
    #[inline]
    pub fn gte_min(&self, score: f64) -> bool {
        if self.minex {
            score > self.min
        } else {
            score >= self.min
        }
    }

    /// `score` is at or below the maximum.
    #[inline]
    pub fn lte_max(&self, score: f64) -> bool {
        if self.maxex {
            score < self.max
        } else {
            score <= self.max
        }
    }
}

/// One end of a lexicographic range: `-`, `+`, `[member` or `(member`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LexBound {
    /// `-`: below every string.
    Min,
    /// `+`: above every string.
    Max,
    /// `[x` (inclusive) or `(x` (exclusive).
    Str(Box<[u8]>, bool),
}

impl LexBound {
    /// Whether the bound itself is excluded (`-` and `+` count as exclusive, as in Redis).
    fn exclusive(&self) -> bool {
        match self {
            LexBound::Min | LexBound::Max => true,
            LexBound::Str(_, ex) => *ex,
        }
    }

    /// Redis's `sdscmplex(value, bound)` for a real string `value`.
    fn cmp_value(&self, value: &[u8]) -> Ordering {
        match self {
            LexBound::Min => Ordering::Greater,
            LexBound::Max => Ordering::Less,
            LexBound::Str(s, _) => value.cmp(s),
        }
    }
}

/// A lexicographic interval as ZRANGEBYLEX takes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LexRange {
    pub min: LexBound,
    pub max: LexBound,
}

impl LexRange {
    /// True when no string can be in the range (Redis's `zslIsInLexRange` first test).
    pub fn is_empty(&self) -> bool {
        let cmp = match (&self.min, &self.max) {
            (LexBound::Min, LexBound::Min) | (LexBound::Max, LexBound::Max) => Ordering::Equal,
            (LexBound::Min, _) | (_, LexBound::Max) => Ordering::Less,
            (LexBound::Max, _) | (_, LexBound::Min) => Ordering::Greater,
            (LexBound::Str(a, _), LexBound::Str(b, _)) => a.cmp(b),
        };
        cmp == Ordering::Greater
            || (cmp == Ordering::Equal && (self.min.exclusive() || self.max.exclusive()))
    }

    /// `value` is at or above the minimum.
    #[inline]
    pub fn gte_min(&self, value: &[u8]) -> bool {
        let c = self.min.cmp_value(value);
        if self.min.exclusive() {
            c == Ordering::Greater
        } else {
            c != Ordering::Less
        }
    }

    /// `value` is at or below the maximum.
    #[inline]
    pub fn lte_max(&self, value: &[u8]) -> bool {
        let c = self.max.cmp_value(value);
        if self.max.exclusive() {
            c == Ordering::Less
        } else {
            c != Ordering::Greater
        }
    }
}

/// True when (score, member) `a` sorts before `b`.
#[inline]
fn before(a_score: f64, a_member: &[u8], b_score: f64, b_member: &[u8]) -> bool {
    a_score < b_score || (a_score == b_score && a_member < b_member)
}

// ---------------------------------------------------------------------------
// The sorted set
// ---------------------------------------------------------------------------

/// A sorted set: listpack while small, skiplist beyond.
#[derive(Clone)]
pub enum ZSet {
    /// The "listpack" encoding (boxed so that `Object` stays 24 bytes).
    Small(Box<Small>),
    /// The "skiplist" encoding.
    Big(Box<Big>),
}

impl Default for ZSet {
    fn default() -> Self {
        ZSet::Small(Box::default())
    }
}

impl fmt::Debug for ZSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ZSet")
            .field("encoding", &self.encoding())
            .field("len", &self.len())
            .finish()
    }
}

impl ZSet {
    /// Estimated heap bytes (see `Object::heap_size`).
    pub fn heap_size(&self, samples: usize) -> usize {
        use crate::alloc::charged_size;
        match self {
            ZSet::Small(s) => {
                charged_size(std::mem::size_of::<Small>()) + charged_size(s.buf.capacity())
            }
            ZSet::Big(b) => charged_size(std::mem::size_of::<Big>()) + b.heap_size(samples),
        }
    }

    /// An empty set in the encoding Redis would create for a first insertion
    /// of `member_len` bytes (skiplist when zset-max-listpack-entries is 0 or
    /// the member is too long for a listpack).
    pub fn new(limits: Limits, member_len: usize) -> ZSet {
        if limits.max_entries == 0 || member_len > limits.max_value {
            ZSet::Big(Box::default())
        } else {
            ZSet::default()
        }
    }

    /// A set holding `pairs`, which are sorted by (score, member) without
    /// duplicate members: listpack when they fit the limits, skiplist
    /// otherwise (Redis's `zsetConvertToListpackIfNeeded` for stored results).
    pub fn from_sorted(pairs: Vec<(Box<[u8]>, f64)>, limits: Limits) -> ZSet {
        let small = pairs.len() <= limits.max_entries
            && pairs.iter().all(|(m, _)| m.len() <= limits.max_value);
        if small {
            let mut s = Small::default();
            for (m, score) in &pairs {
                s.push(*score, m);
            }
            ZSet::Small(Box::new(s))
        } else {
            ZSet::Big(Box::new(Big::from_sorted(pairs)))
        }
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        match self {
            ZSet::Small(s) => s.len as usize,
            ZSet::Big(b) => b.len(),
        }
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// OBJECT ENCODING's name for the current representation.
    pub fn encoding(&self) -> &'static str {
        match self {
            ZSet::Small(_) => "listpack",
            ZSet::Big(_) => "skiplist",
        }
    }

    /// The score of `member`.
    pub fn score(&self, member: &[u8]) -> Option<f64> {
        match self {
            ZSet::Small(s) => s.find(member).map(|(_, score, _)| score),
            ZSet::Big(b) => b.find(member).map(|id| b.elems[id as usize].score),
        }
    }

    /// Redis's `zsetAdd`: adds `member` or updates its score under `flags`,
    /// converting to skiplist when the listpack would exceed `limits`.
    pub fn add(
        &mut self,
        score: f64,
        member: &[u8],
        flags: AddFlags,
        limits: Limits,
    ) -> AddOutcome {
        let mut score = score;
        match self.score(member) {
            Some(current) => {
                if flags.nx {
                    return AddOutcome::Nop;
                }
                if flags.incr {
                    score += current;
                    if score.is_nan() {
                        return AddOutcome::Nan;
                    }
                }
                if (flags.lt && score >= current) || (flags.gt && score <= current) {
                    return AddOutcome::Nop;
                }
                if score == current {
                    return AddOutcome::Same(score);
                }
                match self {
                    ZSet::Small(s) => {
                        let (pos, _, _) = s.find(member).expect("member present");
                        s.remove_at(pos);
                        s.insert(score, member);
                    }
                    ZSet::Big(b) => {
                        let id = b.find(member).expect("member present");
                        b.set_score(id, score);
                    }
                }
                AddOutcome::Updated(score)
            }
            None if flags.xx => AddOutcome::Nop,
            None => {
                self.insert_new(score, member, limits);
                AddOutcome::Added(score)
            }
        }
    }

    /// Inserts a member known to be absent, converting first if the listpack
    /// would exceed `limits`.
    fn insert_new(&mut self, score: f64, member: &[u8], limits: Limits) {
        if let ZSet::Small(s) = self {
            if s.len as usize + 1 > limits.max_entries || member.len() > limits.max_value {
                self.convert_to_big();
            }
        }
        match self {
            ZSet::Small(s) => s.insert(score, member),
            ZSet::Big(b) => b.insert_new(member, score),
        }
    }

    /// Switches a listpack to the skiplist encoding (no-op if already there).
    pub fn convert_to_big(&mut self) {
        if let ZSet::Small(s) = self {
            let pairs = s
                .iter()
                .map(|(_, score, m)| (Box::from(m), score))
                .collect();
            *self = ZSet::Big(Box::new(Big::from_sorted(pairs)));
        }
    }

    /// Removes `member`; true if it was there.
    pub fn remove(&mut self, member: &[u8]) -> bool {
        match self {
            ZSet::Small(s) => match s.find(member) {
                Some((pos, _, _)) => {
                    s.remove_at(pos);
                    true
                }
                None => false,
            },
            ZSet::Big(b) => match b.find(member) {
                Some(id) => {
                    b.delete(id);
                    true
                }
                None => false,
            },
        }
    }

    /// The 0-based rank of `member` in ascending order.
    pub fn rank(&self, member: &[u8]) -> Option<usize> {
        match self {
            ZSet::Small(s) => s.find(member).map(|(_, _, rank)| rank),
            ZSet::Big(b) => b.find(member).map(|id| b.rank_of(id)),
        }
    }

    /// Number of leading members (ascending order) for which `pred` holds,
    /// `pred` being true on a prefix of the order and false after it.
    fn count_leading(&self, pred: impl Fn(f64, &[u8]) -> bool) -> usize {
        match self {
            ZSet::Small(s) => s.iter().take_while(|&(_, sc, m)| pred(sc, m)).count(),
            ZSet::Big(b) => b
                .tree
                .count_before(&b.elems, |e| pred(e.score, e.member.as_bytes())),
        }
    }

    /// The ranks `[start, end)` of the members whose score is in `range`.
    pub fn score_span(&self, range: &ScoreRange) -> (usize, usize) {
        if range.is_empty() || self.is_empty() {
            return (0, 0);
        }
        let start = self.count_leading(|s, _| !range.gte_min(s));
        let end = self.count_leading(|s, _| range.lte_max(s));
        (start, end.max(start))
    }

    /// The ranks `[start, end)` of the members in the lexicographic `range`.
    ///
    /// Redis defines lex ranges only when all scores are equal. Otherwise a
    /// listpack answers as Redis's listpack walk does: from the first member
    /// at or above the minimum (the last at or below the maximum when
    /// `rev`), the run of members still inside the other bound.
    pub fn lex_span(&self, range: &LexRange, rev: bool) -> (usize, usize) {
        if range.is_empty() || self.is_empty() {
            return (0, 0);
        }
        match self {
            ZSet::Small(s) => {
                let items: Vec<&[u8]> = s.iter().map(|(_, _, m)| m).collect();
                let (first, last) = (items[0], items[items.len() - 1]);
                if !range.gte_min(last) || !range.lte_max(first) {
                    return (0, 0);
                }
                if rev {
                    let Some(end) = items.iter().rposition(|m| range.lte_max(m)) else {
                        return (0, 0);
                    };
                    if !range.gte_min(items[end]) {
                        return (0, 0);
                    }
                    let run = items[..=end]
                        .iter()
                        .rev()
                        .take_while(|m| range.gte_min(m))
                        .count();
                    (end + 1 - run, end + 1)
                } else {
                    let Some(start) = items.iter().position(|m| range.gte_min(m)) else {
                        return (0, 0);
                    };
                    let run = items[start..]
                        .iter()
                        .take_while(|m| range.lte_max(m))
                        .count();
                    (start, start + run)
                }
            }
            ZSet::Big(_) => {
                let start = self.count_leading(|_, m| !range.gte_min(m));
                let end = self.count_leading(|_, m| range.lte_max(m));
                (start, end.max(start))
            }
        }
    }

    /// Calls `f` on the members of ranks `[start, end)`, ascending, or
    /// descending from `end - 1` when `rev`.
    pub fn for_range<'s>(
        &'s self,
        start: usize,
        end: usize,
        rev: bool,
        mut f: impl FnMut(&'s [u8], f64),
    ) {
        let end = end.min(self.len());
        if start >= end {
            return;
        }
        match self {
            ZSet::Small(s) => {
                let items: Vec<(f64, &[u8])> = s
                    .iter()
                    .skip(start)
                    .take(end - start)
                    .map(|(_, sc, m)| (sc, m))
                    .collect();
                if rev {
                    items.iter().rev().for_each(|&(sc, m)| f(m, sc));
                } else {
                    items.iter().for_each(|&(sc, m)| f(m, sc));
                }
            }
            ZSet::Big(b) => b.tree.visit(start, end, rev, &mut |id| {
                let e = &b.elems[id as usize];
                f(e.member.as_bytes(), e.score)
            }),
        }
    }

    /// The member of rank `rank` (ascending) and its score.
    pub fn get(&self, rank: usize) -> Option<(&[u8], f64)> {
        if rank >= self.len() {
            return None;
        }
        match self {
            ZSet::Small(s) => s.iter().nth(rank).map(|(_, sc, m)| (m, sc)),
            ZSet::Big(b) => {
                let e = &b.elems[b.tree.select(rank) as usize];
                Some((e.member.as_bytes(), e.score))
            }
        }
    }

    /// Removes the members of ranks `[start, end)`; returns how many.
    pub fn remove_span(&mut self, start: usize, end: usize) -> usize {
        let end = end.min(self.len());
        if start >= end {
            return 0;
        }
        match self {
            ZSet::Small(s) => s.remove_ranks(start, end),
            ZSet::Big(b) => {
                for _ in start..end {
                    let id = b.tree.select(start);
                    b.delete(id);
                }
            }
        }
        end - start
    }

    /// Removes and returns the lowest (or highest, `max`) member.
    pub fn pop(&mut self, max: bool) -> Option<(Box<[u8]>, f64)> {
        let len = self.len();
        if len == 0 {
            return None;
        }
        let rank = if max { len - 1 } else { 0 };
        match self {
            ZSet::Small(s) => {
                let (pos, score, m) = s.iter().nth(rank).expect("rank in range");
                let out = (Box::from(m), score);
                s.remove_at(pos);
                Some(out)
            }
            ZSet::Big(b) => {
                let id = b.tree.select(rank);
                let e = &b.elems[id as usize];
                let out = (Box::from(e.member.as_bytes()), e.score);
                b.delete(id);
                Some(out)
            }
        }
    }

    /// Calls `f` on every member in no particular order (fastest walk).
    pub fn for_each<'s>(&'s self, mut f: impl FnMut(&'s [u8], f64)) {
        match self {
            ZSet::Small(s) => s.iter().for_each(|(_, sc, m)| f(m, sc)),
            ZSet::Big(b) => b
                .elems
                .iter()
                .filter(|e| !e.is_free())
                .for_each(|e| f(e.member.as_bytes(), e.score)),
        }
    }

    /// Every (member, score), ascending.
    pub fn to_sorted_vec(&self) -> Vec<(Box<[u8]>, f64)> {
        let mut out = Vec::with_capacity(self.len());
        self.for_range(0, self.len(), false, |m, s| out.push((Box::from(m), s)));
        out
    }

    /// One ZSCAN step from `cursor`: calls `f` on about `count` members and
    /// returns the cursor to continue from (0: done). A listpack is returned
    /// whole in one step, as Redis does. A member present for the whole
    /// iteration is reported at least once.
    pub fn scan<'s>(&'s self, cursor: u64, count: usize, mut f: impl FnMut(&'s [u8], f64)) -> u64 {
        match self {
            ZSet::Small(s) => {
                s.iter().for_each(|(_, sc, m)| f(m, sc));
                0
            }
            ZSet::Big(b) => b.scan(cursor, count, f),
        }
    }
}

// ---------------------------------------------------------------------------
// listpack: one sorted buffer
// ---------------------------------------------------------------------------

/// The listpack encoding: `[score: f64 LE][len: varint][member]` entries in
/// (score, member) order, in one exactly-sized buffer.
#[derive(Clone, Debug, Default)]
pub struct Small {
    buf: Vec<u8>,
    len: u32,
}

/// Walks a listpack: yields (entry offset, score, member).
struct SmallIter<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Iterator for SmallIter<'a> {
    type Item = (usize, f64, &'a [u8]);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.pos >= self.buf.len() {
            return None;
        }
        let at = self.pos;
        let score = f64::from_le_bytes(self.buf[at..at + 8].try_into().unwrap());
        let (len, n) = read_varint(&self.buf[at + 8..]);
        let start = at + 8 + n;
        self.pos = start + len;
        Some((at, score, &self.buf[start..start + len]))
    }
}

impl Small {
    fn iter(&self) -> SmallIter<'_> {
        SmallIter {
            buf: &self.buf,
            pos: 0,
        }
    }

    /// (offset, score, rank) of `member`.
    fn find(&self, member: &[u8]) -> Option<(usize, f64, usize)> {
        self.iter()
            .enumerate()
            .find(|(_, (_, _, m))| *m == member)
            .map(|(rank, (pos, score, _))| (pos, score, rank))
    }

    fn encode(score: f64, member: &[u8]) -> Vec<u8> {
        // Redis's listpack stores scores as text, where -0 reads back as 0.
        let score = if score == 0.0 { 0.0 } else { score };
        let mut e = Vec::with_capacity(8 + varint_len(member.len()) + member.len());
        e.extend_from_slice(&score.to_le_bytes());
        push_varint(&mut e, member.len());
        e.extend_from_slice(member);
        e
    }

    /// Inserts an absent member at its place.
    fn insert(&mut self, score: f64, member: &[u8]) {
        let at = self
            .iter()
            .find(|&(_, s, m)| !before(s, m, score, member))
            .map_or(self.buf.len(), |(pos, _, _)| pos);
        let entry = Self::encode(score, member);
        self.buf.reserve_exact(entry.len());
        self.buf.splice(at..at, entry);
        self.len += 1;
    }

    /// Appends a member that sorts after every other one.
    fn push(&mut self, score: f64, member: &[u8]) {
        let entry = Self::encode(score, member);
        self.buf.reserve_exact(entry.len());
        self.buf.extend_from_slice(&entry);
        self.len += 1;
    }

    /// Removes the entry at byte offset `pos`.
    fn remove_at(&mut self, pos: usize) {
        let (len, n) = read_varint(&self.buf[pos + 8..]);
        self.buf.drain(pos..pos + 8 + n + len);
        self.len -= 1;
        self.shrink();
    }

    /// Removes the entries of ranks `[start, end)`.
    fn remove_ranks(&mut self, start: usize, end: usize) {
        let mut from = self.buf.len();
        let mut to = self.buf.len();
        for (rank, (pos, _, _)) in self.iter().enumerate() {
            if rank == start {
                from = pos;
            }
            if rank == end {
                to = pos;
                break;
            }
        }
        self.buf.drain(from..to);
        self.len -= (end - start) as u32;
        self.shrink();
    }

    fn shrink(&mut self) {
        if self.buf.capacity() > self.buf.len() * 2 + 64 {
            self.buf.shrink_to_fit();
        }
    }
}

// ---------------------------------------------------------------------------
// skiplist: arena + hash index + counted B+tree
// ---------------------------------------------------------------------------

/// Members up to this length live inside their arena slot.
const INLINE: usize = 22;

/// A member's bytes: inline when short, boxed otherwise. 24 bytes.
#[derive(Clone)]
enum Member {
    Inline(u8, [u8; INLINE]),
    Heap(Box<[u8]>),
}

impl Member {
    fn new(b: &[u8]) -> Member {
        if b.len() <= INLINE {
            let mut a = [0u8; INLINE];
            a[..b.len()].copy_from_slice(b);
            Member::Inline(b.len() as u8, a)
        } else {
            Member::Heap(b.into())
        }
    }

    #[inline]
    fn as_bytes(&self) -> &[u8] {
        match self {
            Member::Inline(n, a) => &a[..*n as usize],
            Member::Heap(b) => b,
        }
    }
}

/// One arena slot: a member and its score; a free slot has a NaN score
/// (no real score is NaN).
#[derive(Clone)]
struct Elem {
    score: f64,
    member: Member,
}

impl Elem {
    const FREE: Elem = Elem {
        score: f64::NAN,
        member: Member::Inline(0, [0; INLINE]),
    };

    #[inline]
    fn is_free(&self) -> bool {
        self.score.is_nan()
    }

    /// This element sorts before (score, member).
    #[inline]
    fn before(&self, score: f64, member: &[u8]) -> bool {
        before(self.score, self.member.as_bytes(), score, member)
    }
}

/// The skiplist encoding (see the module documentation).
#[derive(Clone)]
pub struct Big {
    /// Arena of members; ids are indexes. Freed slots are listed in `free`.
    elems: Vec<Elem>,
    free: Vec<u32>,
    /// member → id.
    index: HashTable<u32>,
    hasher: RandomState,
    /// Ids in (score, member) order.
    tree: Tree,
    /// Bumped when ids are renumbered (compaction), so ZSCAN cursors from
    /// before restart instead of skipping members.
    generation: u32,
}

impl Default for Big {
    fn default() -> Self {
        Big {
            elems: Vec::new(),
            free: Vec::new(),
            index: HashTable::new(),
            hasher: RandomState::default(),
            tree: Tree::new(),
            generation: 0,
        }
    }
}

/// Bits of a ZSCAN cursor that hold the arena position.
const CURSOR_POS_BITS: u32 = 40;

impl Big {
    /// Estimated heap bytes: the arena, free list, member index and tree,
    /// and the members stored out of line (measured on up to `samples`).
    fn heap_size(&self, samples: usize) -> usize {
        use crate::alloc::charged_size;
        let vec_bytes = |cap: usize, each: usize| {
            if cap == 0 {
                0
            } else {
                charged_size(cap * each)
            }
        };
        let members = self
            .elems
            .iter()
            .filter(|e| !e.is_free())
            .map(|e| match &e.member {
                Member::Heap(b) => charged_size(b.len()),
                Member::Inline(..) => 0,
            });
        let tree: usize = vec_bytes(self.tree.nodes.capacity(), std::mem::size_of::<Node>())
            + vec_bytes(self.tree.free.capacity(), 4)
            + self
                .tree
                .nodes
                .iter()
                .map(|n| match n {
                    Node::Leaf(ids) => vec_bytes(ids.capacity(), 4),
                    Node::Inner(children) => {
                        vec_bytes(children.capacity(), std::mem::size_of::<Child>())
                    }
                    Node::Free => 0,
                })
                .sum::<usize>();
        vec_bytes(self.elems.capacity(), std::mem::size_of::<Elem>())
            + vec_bytes(self.free.capacity(), 4)
            + vec_bytes(self.index.allocation_size(), 1)
            + tree
            + crate::types::extrapolate(members, self.len(), samples)
    }

    /// From pairs sorted by (score, member), without duplicates. O(n).
    fn from_sorted(pairs: Vec<(Box<[u8]>, f64)>) -> Big {
        let mut b = Big {
            elems: Vec::with_capacity(pairs.len()),
            index: HashTable::with_capacity(pairs.len()),
            ..Big::default()
        };
        for (m, score) in pairs {
            b.elems.push(Elem {
                score,
                member: Member::new(&m),
            });
        }
        b.rebuild_index();
        let ids: Vec<u32> = (0..b.elems.len() as u32).collect();
        b.tree = Tree::build(&ids);
        b
    }

    fn rebuild_index(&mut self) {
        let mut index = HashTable::with_capacity(self.elems.len());
        for (id, e) in self.elems.iter().enumerate() {
            if !e.is_free() {
                let h = self.hasher.hash_one(e.member.as_bytes());
                index.insert_unique(h, id as u32, |&x| {
                    self.hasher
                        .hash_one(self.elems[x as usize].member.as_bytes())
                });
            }
        }
        self.index = index;
    }

    fn len(&self) -> usize {
        self.tree.len
    }

    fn find(&self, member: &[u8]) -> Option<u32> {
        let h = self.hasher.hash_one(member);
        self.index
            .find(h, |&id| self.elems[id as usize].member.as_bytes() == member)
            .copied()
    }

    fn insert_new(&mut self, member: &[u8], score: f64) {
        let elem = Elem {
            score,
            member: Member::new(member),
        };
        let id = match self.free.pop() {
            Some(id) => {
                self.elems[id as usize] = elem;
                id
            }
            None => {
                self.elems.push(elem);
                (self.elems.len() - 1) as u32
            }
        };
        let h = self.hasher.hash_one(member);
        let (elems, hasher) = (&self.elems, &self.hasher);
        self.index.insert_unique(h, id, |&x| {
            hasher.hash_one(elems[x as usize].member.as_bytes())
        });
        self.tree.insert(&self.elems, id);
    }

    fn set_score(&mut self, id: u32, score: f64) {
        self.tree.remove(&self.elems, id);
        self.elems[id as usize].score = score;
        self.tree.insert(&self.elems, id);
    }

    fn delete(&mut self, id: u32) {
        self.tree.remove(&self.elems, id);
        let h = self
            .hasher
            .hash_one(self.elems[id as usize].member.as_bytes());
        if let Ok(entry) = self.index.find_entry(h, |&x| x == id) {
            entry.remove();
        }
        self.elems[id as usize] = Elem::FREE;
        self.free.push(id);
        if self.elems.len() >= 1024 && self.free.len() > 3 * self.len() {
            self.compact();
        }
    }

    /// Renumbers the members densely in order, giving back the memory of
    /// freed slots and of an oversized hash table.
    fn compact(&mut self) {
        let mut order = Vec::with_capacity(self.len());
        self.tree
            .visit(0, self.len(), false, &mut |id| order.push(id));
        let mut elems = Vec::with_capacity(order.len());
        for id in order {
            elems.push(std::mem::replace(&mut self.elems[id as usize], Elem::FREE));
        }
        self.elems = elems;
        self.free = Vec::new();
        self.rebuild_index();
        let ids: Vec<u32> = (0..self.elems.len() as u32).collect();
        self.tree = Tree::build(&ids);
        self.generation = self.generation.wrapping_add(1);
    }

    fn rank_of(&self, id: u32) -> usize {
        let e = &self.elems[id as usize];
        let (score, member) = (e.score, e.member.as_bytes());
        self.tree
            .count_before(&self.elems, |x| x.before(score, member))
    }

    fn scan<'s>(&'s self, cursor: u64, count: usize, mut f: impl FnMut(&'s [u8], f64)) -> u64 {
        let generation = (self.generation as u64) & ((1 << (64 - CURSOR_POS_BITS)) - 1);
        let mut pos = if cursor >> CURSOR_POS_BITS == generation {
            (cursor & ((1 << CURSOR_POS_BITS) - 1)) as usize
        } else {
            0 // from before a renumbering: start again (duplicates are allowed)
        };
        let mut seen = 0;
        while pos < self.elems.len() && seen < count {
            let e = &self.elems[pos];
            if !e.is_free() {
                f(e.member.as_bytes(), e.score);
                seen += 1;
            }
            pos += 1;
        }
        if pos >= self.elems.len() {
            0
        } else {
            (generation << CURSOR_POS_BITS) | pos as u64
        }
    }
}

// ---------------------------------------------------------------------------
// The counted B+tree of ids
// ---------------------------------------------------------------------------

/// Most ids in a leaf / children in an inner node; one more triggers a split.
const LEAF_MAX: usize = 64;
const INNER_MAX: usize = 64;
/// Fewer than this after a removal: merge with or borrow from a neighbour.
const LEAF_MIN: usize = LEAF_MAX / 4;
const INNER_MIN: usize = INNER_MAX / 4;

/// An inner node's view of one child.
#[derive(Clone, Copy, Debug)]
struct Child {
    node: u32,
    /// Ids in the child's subtree.
    count: u32,
    /// The largest id (in tree order) of the subtree: routes searches.
    max: u32,
}

#[derive(Clone, Debug)]
enum Node {
    Leaf(Vec<u32>),
    Inner(Vec<Child>),
    Free,
}

/// A B+tree of arena ids in (score, member) order; inner nodes count their
/// subtrees, so rank and select are O(log n). Nodes live in one pool.
#[derive(Clone, Debug)]
struct Tree {
    nodes: Vec<Node>,
    free: Vec<u32>,
    root: u32,
    /// 0 while the root is a leaf.
    height: u32,
    len: usize,
}

impl Tree {
    fn new() -> Tree {
        Tree {
            nodes: vec![Node::Leaf(Vec::new())],
            free: Vec::new(),
            root: 0,
            height: 0,
            len: 0,
        }
    }

    /// A tree over `ids`, already in order; leaves about 3/4 full. O(n).
    fn build(ids: &[u32]) -> Tree {
        if ids.is_empty() {
            return Tree::new();
        }
        let mut t = Tree {
            nodes: Vec::new(),
            free: Vec::new(),
            root: 0,
            height: 0,
            len: ids.len(),
        };
        let mut level: Vec<Child> = even_chunks(ids.len(), LEAF_MAX * 3 / 4)
            .map(|(s, e)| {
                let mut leaf = Vec::with_capacity(LEAF_MAX + 1);
                leaf.extend_from_slice(&ids[s..e]);
                let node = t.alloc(Node::Leaf(leaf));
                Child {
                    node,
                    count: (e - s) as u32,
                    max: ids[e - 1],
                }
            })
            .collect();
        while level.len() > 1 {
            level = even_chunks(level.len(), INNER_MAX * 3 / 4)
                .map(|(s, e)| {
                    let mut inner = Vec::with_capacity(INNER_MAX + 1);
                    inner.extend_from_slice(&level[s..e]);
                    let count = inner.iter().map(|c| c.count).sum();
                    let max = inner[inner.len() - 1].max;
                    let node = t.alloc(Node::Inner(inner));
                    Child { node, count, max }
                })
                .collect();
            t.height += 1;
        }
        t.root = level[0].node;
        t
    }

    fn alloc(&mut self, node: Node) -> u32 {
        match self.free.pop() {
            Some(i) => {
                self.nodes[i as usize] = node;
                i
            }
            None => {
                self.nodes.push(node);
                (self.nodes.len() - 1) as u32
            }
        }
    }

    fn release(&mut self, i: u32) {
        self.nodes[i as usize] = Node::Free;
        self.free.push(i);
    }

    /// The largest id of a non-empty subtree.
    fn max_of(&self, node: u32) -> u32 {
        match &self.nodes[node as usize] {
            Node::Leaf(ids) => ids[ids.len() - 1],
            Node::Inner(ch) => ch[ch.len() - 1].max,
            Node::Free => unreachable!("free node in tree"),
        }
    }

    /// A parent's entry for a non-empty `node`.
    fn summary(&self, node: u32) -> Child {
        let count = match &self.nodes[node as usize] {
            Node::Leaf(ids) => ids.len() as u32,
            Node::Inner(ch) => ch.iter().map(|c| c.count).sum(),
            Node::Free => unreachable!("free node in tree"),
        };
        Child {
            node,
            count,
            max: self.max_of(node),
        }
    }

    fn inner_mut(&mut self, node: u32) -> &mut Vec<Child> {
        match &mut self.nodes[node as usize] {
            Node::Inner(ch) => ch,
            _ => unreachable!("expected an inner node"),
        }
    }

    /// Number of leading ids whose element satisfies `pred`, which must hold
    /// on a prefix of the order and not after it. O(log n).
    fn count_before(&self, elems: &[Elem], pred: impl Fn(&Elem) -> bool) -> usize {
        let mut node = self.root;
        let mut acc = 0usize;
        loop {
            match &self.nodes[node as usize] {
                Node::Leaf(ids) => {
                    return acc + ids.partition_point(|&id| pred(&elems[id as usize]));
                }
                Node::Inner(ch) => {
                    let i = ch.partition_point(|c| pred(&elems[c.max as usize]));
                    acc += ch[..i].iter().map(|c| c.count as usize).sum::<usize>();
                    if i == ch.len() {
                        return acc;
                    }
                    node = ch[i].node;
                }
                Node::Free => unreachable!("free node in tree"),
            }
        }
    }

    /// The id of rank `rank` (< len). O(log n).
    fn select(&self, mut rank: usize) -> u32 {
        debug_assert!(rank < self.len);
        let mut node = self.root;
        loop {
            match &self.nodes[node as usize] {
                Node::Leaf(ids) => return ids[rank],
                Node::Inner(ch) => {
                    let mut next = ch[ch.len() - 1].node;
                    for c in ch {
                        if rank < c.count as usize {
                            next = c.node;
                            break;
                        }
                        rank -= c.count as usize;
                    }
                    node = next;
                }
                Node::Free => unreachable!("free node in tree"),
            }
        }
    }

    /// Inserts `id` (absent) at its place by its element's (score, member).
    fn insert(&mut self, elems: &[Elem], id: u32) {
        let e = &elems[id as usize];
        if let Some(sibling) = self.insert_rec(
            self.root,
            self.height,
            elems,
            e.score,
            e.member.as_bytes(),
            id,
        ) {
            let left = self.summary(self.root);
            let mut ch = Vec::with_capacity(INNER_MAX + 1);
            ch.push(left);
            ch.push(sibling);
            self.root = self.alloc(Node::Inner(ch));
            self.height += 1;
        }
        self.len += 1;
    }

    /// Inserts under `node`; returns the new right sibling if `node` split.
    fn insert_rec(
        &mut self,
        node: u32,
        level: u32,
        elems: &[Elem],
        score: f64,
        member: &[u8],
        id: u32,
    ) -> Option<Child> {
        let lt = |x: u32| elems[x as usize].before(score, member);
        if level == 0 {
            let Node::Leaf(ids) = &mut self.nodes[node as usize] else {
                unreachable!("expected a leaf");
            };
            let pos = ids.partition_point(|&x| lt(x));
            ids.insert(pos, id);
            if ids.len() <= LEAF_MAX {
                return None;
            }
            let mut right = Vec::with_capacity(LEAF_MAX + 1);
            right.extend(ids.drain(ids.len() / 2..));
            let (count, max) = (right.len() as u32, right[right.len() - 1]);
            let node = self.alloc(Node::Leaf(right));
            return Some(Child { node, count, max });
        }
        let ch = self.inner_mut(node);
        let i = ch.partition_point(|c| lt(c.max)).min(ch.len() - 1);
        let child = ch[i].node;
        let split = self.insert_rec(child, level - 1, elems, score, member, id);
        let entry = match split {
            None => {
                let max = self.max_of(child);
                let old = self.inner_mut(node)[i];
                Child {
                    node: child,
                    count: old.count + 1,
                    max,
                }
            }
            Some(_) => self.summary(child),
        };
        let ch = self.inner_mut(node);
        ch[i] = entry;
        if let Some(sibling) = split {
            ch.insert(i + 1, sibling);
        }
        if ch.len() <= INNER_MAX {
            return None;
        }
        let mut right = Vec::with_capacity(INNER_MAX + 1);
        right.extend(ch.drain(ch.len() / 2..));
        let count = right.iter().map(|c| c.count).sum();
        let max = right[right.len() - 1].max;
        let node = self.alloc(Node::Inner(right));
        Some(Child { node, count, max })
    }

    /// Removes `id`, which must be in the tree with its element's current key.
    fn remove(&mut self, elems: &[Elem], id: u32) {
        let e = &elems[id as usize];
        self.remove_rec(
            self.root,
            self.height,
            elems,
            e.score,
            e.member.as_bytes(),
            id,
        );
        self.len -= 1;
        while self.height > 0 {
            let root = self.root;
            let ch = self.inner_mut(root);
            if ch.len() != 1 {
                break;
            }
            let only = ch[0].node;
            self.release(root);
            self.root = only;
            self.height -= 1;
        }
    }

    /// Removes under `node`; returns true when `node` became underfull.
    fn remove_rec(
        &mut self,
        node: u32,
        level: u32,
        elems: &[Elem],
        score: f64,
        member: &[u8],
        id: u32,
    ) -> bool {
        let lt = |x: u32| elems[x as usize].before(score, member);
        if level == 0 {
            let Node::Leaf(ids) = &mut self.nodes[node as usize] else {
                unreachable!("expected a leaf");
            };
            let pos = ids.partition_point(|&x| lt(x));
            assert_eq!(ids.get(pos), Some(&id), "zset tree out of sync");
            ids.remove(pos);
            return ids.len() < LEAF_MIN;
        }
        let ch = self.inner_mut(node);
        let i = ch.partition_point(|c| lt(c.max));
        assert!(i < ch.len(), "zset tree out of sync");
        let child = ch[i].node;
        let underfull = self.remove_rec(child, level - 1, elems, score, member, id);
        let count = self.inner_mut(node)[i].count - 1;
        let max = if count > 0 {
            self.max_of(child)
        } else {
            self.inner_mut(node)[i].max
        };
        self.inner_mut(node)[i] = Child {
            node: child,
            count,
            max,
        };
        if underfull {
            self.rebalance(node, i);
        }
        self.inner_mut(node).len() < INNER_MIN
    }

    /// Child `i` of `parent` is underfull: merge it with a neighbour, or move
    /// entries over from the neighbour when both do not fit in one node.
    fn rebalance(&mut self, parent: u32, i: usize) {
        let ch = self.inner_mut(parent);
        if ch.len() < 2 {
            return;
        }
        let (l, r) = if i > 0 { (i - 1, i) } else { (0, 1) };
        let (ln, rn) = (ch[l].node, ch[r].node);
        let mut left = std::mem::replace(&mut self.nodes[ln as usize], Node::Free);
        let mut right = std::mem::replace(&mut self.nodes[rn as usize], Node::Free);
        let merged = match (&mut left, &mut right) {
            (Node::Leaf(a), Node::Leaf(b)) => balance(a, b, LEAF_MAX),
            (Node::Inner(a), Node::Inner(b)) => balance(a, b, INNER_MAX),
            _ => unreachable!("siblings of different levels"),
        };
        self.nodes[ln as usize] = left;
        if merged {
            self.free.push(rn);
            let summary = self.summary(ln);
            let ch = self.inner_mut(parent);
            ch[l] = summary;
            ch.remove(r);
        } else {
            self.nodes[rn as usize] = right;
            let (sl, sr) = (self.summary(ln), self.summary(rn));
            let ch = self.inner_mut(parent);
            ch[l] = sl;
            ch[r] = sr;
        }
    }

    /// Calls `f` on the ids of ranks `[start, end)`, in order or reversed.
    fn visit(&self, start: usize, end: usize, rev: bool, f: &mut dyn FnMut(u32)) {
        if start < end {
            self.visit_rec(self.root, start, end, rev, f);
        }
    }

    fn visit_rec(&self, node: u32, start: usize, end: usize, rev: bool, f: &mut dyn FnMut(u32)) {
        match &self.nodes[node as usize] {
            Node::Leaf(ids) => {
                let part = &ids[start..end];
                if rev {
                    part.iter().rev().for_each(|&id| f(id));
                } else {
                    part.iter().for_each(|&id| f(id));
                }
            }
            Node::Inner(ch) => {
                let mut visit_child = |c: &Child, offset: usize| {
                    let (cs, ce) = (offset, offset + c.count as usize);
                    if ce > start && cs < end {
                        let s = start.max(cs) - cs;
                        let e = end.min(ce) - cs;
                        self.visit_rec(c.node, s, e, rev, f);
                    }
                };
                if rev {
                    let mut offset: usize = ch.iter().map(|c| c.count as usize).sum();
                    for c in ch.iter().rev() {
                        offset -= c.count as usize;
                        if offset < end {
                            visit_child(c, offset);
                        }
                        if offset <= start {
                            break;
                        }
                    }
                } else {
                    let mut offset = 0;
                    for c in ch {
                        if offset >= end {
                            break;
                        }
                        visit_child(c, offset);
                        offset += c.count as usize;
                    }
                }
            }
            Node::Free => unreachable!("free node in tree"),
        }
    }

    /// Checks every invariant (tests).
    #[cfg(test)]
    fn check(&self, elems: &[Elem]) {
        let mut all = Vec::new();
        let count = self.check_rec(self.root, self.height, &mut all);
        assert_eq!(count, self.len);
        for w in all.windows(2) {
            let (a, b) = (&elems[w[0] as usize], &elems[w[1] as usize]);
            assert!(a.before(b.score, b.member.as_bytes()), "tree out of order");
        }
    }

    #[cfg(test)]
    fn check_rec(&self, node: u32, level: u32, all: &mut Vec<u32>) -> usize {
        match &self.nodes[node as usize] {
            Node::Leaf(ids) => {
                assert_eq!(level, 0);
                assert!(ids.len() <= LEAF_MAX);
                all.extend_from_slice(ids);
                ids.len()
            }
            Node::Inner(ch) => {
                assert!(level > 0);
                assert!(ch.len() <= INNER_MAX && !ch.is_empty());
                let mut total = 0;
                for c in ch {
                    let n = self.check_rec(c.node, level - 1, all);
                    assert_eq!(n, c.count as usize);
                    assert!(n > 0);
                    assert_eq!(*all.last().unwrap(), c.max);
                    total += n;
                }
                total
            }
            Node::Free => panic!("free node reachable"),
        }
    }
}

/// Merges `b` into `a` when they fit in `max` (true), else evens them out.
fn balance<T>(a: &mut Vec<T>, b: &mut Vec<T>, max: usize) -> bool {
    if a.len() + b.len() <= max {
        a.append(b);
        return true;
    }
    let want = (a.len() + b.len()) / 2;
    if a.len() < want {
        let k = want - a.len();
        a.extend(b.drain(..k));
    } else {
        let tail: Vec<T> = a.drain(want..).collect();
        b.splice(0..0, tail);
    }
    false
}

/// `[start, end)` bounds splitting `n` items into chunks of about `size`.
fn even_chunks(n: usize, size: usize) -> impl Iterator<Item = (usize, usize)> {
    let k = n.div_ceil(size).max(1);
    (0..k).map(move |j| (j * n / k, (j + 1) * n / k))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::evict::random_u64;
    use std::collections::BTreeMap;
    use std::time::Instant;

    fn limits(max_entries: usize, max_value: usize) -> Limits {
        Limits {
            max_entries,
            max_value,
        }
    }

    fn add(z: &mut ZSet, score: f64, member: &str) -> AddOutcome {
        z.add(
            score,
            member.as_bytes(),
            AddFlags::default(),
            Limits::default(),
        )
    }

    fn members(z: &ZSet) -> Vec<(String, f64)> {
        z.to_sorted_vec()
            .into_iter()
            .map(|(m, s)| (String::from_utf8(m.into()).unwrap(), s))
            .collect()
    }

    impl ZSet {
        /// Checks the encoding's invariants against its own contents.
        fn check(&self) {
            match self {
                ZSet::Small(s) => {
                    let items: Vec<_> = s.iter().collect();
                    assert_eq!(items.len(), s.len as usize);
                    for w in items.windows(2) {
                        assert!(before(w[0].1, w[0].2, w[1].1, w[1].2));
                    }
                }
                ZSet::Big(b) => {
                    b.tree.check(&b.elems);
                    let live = b.elems.iter().filter(|e| !e.is_free()).count();
                    assert_eq!(live, b.len());
                    assert_eq!(b.index.len(), b.len());
                    assert_eq!(b.elems.len(), live + b.free.len());
                    for (id, e) in b.elems.iter().enumerate() {
                        if !e.is_free() {
                            assert_eq!(b.find(e.member.as_bytes()), Some(id as u32));
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn slots_are_compact() {
        assert_eq!(std::mem::size_of::<Member>(), 24);
        assert_eq!(std::mem::size_of::<Elem>(), 32);
        assert!(std::mem::size_of::<ZSet>() <= 32);
    }

    #[test]
    fn listpack_orders_by_score_then_member() {
        let mut z = ZSet::default();
        assert_eq!(add(&mut z, 2.0, "b"), AddOutcome::Added(2.0));
        add(&mut z, 1.0, "z");
        add(&mut z, 2.0, "a");
        assert_eq!(add(&mut z, 2.0, "a"), AddOutcome::Same(2.0));
        assert_eq!(add(&mut z, 0.5, "a"), AddOutcome::Updated(0.5));
        assert_eq!(z.encoding(), "listpack");
        assert_eq!(
            members(&z),
            vec![("a".into(), 0.5), ("z".into(), 1.0), ("b".into(), 2.0)]
        );
        assert_eq!(z.rank(b"z"), Some(1));
        assert_eq!(z.score(b"b"), Some(2.0));
        assert!(z.remove(b"z"));
        assert!(!z.remove(b"z"));
        assert_eq!(z.len(), 2);
        z.check();
    }

    #[test]
    fn add_flags_follow_zadd() {
        let mut z = ZSet::default();
        let l = Limits::default();
        let f = |nx, xx, gt, lt, incr| AddFlags {
            nx,
            xx,
            gt,
            lt,
            incr,
        };
        assert_eq!(
            z.add(1.0, b"a", f(false, true, false, false, false), l),
            AddOutcome::Nop
        );
        assert_eq!(
            z.add(1.0, b"a", f(true, false, false, false, false), l),
            AddOutcome::Added(1.0)
        );
        assert_eq!(
            z.add(5.0, b"a", f(true, false, false, false, false), l),
            AddOutcome::Nop
        );
        assert_eq!(
            z.add(0.0, b"a", f(false, false, true, false, false), l),
            AddOutcome::Nop
        );
        assert_eq!(
            z.add(3.0, b"a", f(false, false, true, false, false), l),
            AddOutcome::Updated(3.0)
        );
        assert_eq!(
            z.add(4.0, b"a", f(false, false, false, true, false), l),
            AddOutcome::Nop
        );
        assert_eq!(
            z.add(2.0, b"a", f(false, true, false, false, true), l),
            AddOutcome::Updated(5.0)
        );
        assert_eq!(
            z.add(f64::INFINITY, b"a", f(false, false, false, false, false), l),
            AddOutcome::Updated(f64::INFINITY)
        );
        assert_eq!(
            z.add(
                f64::NEG_INFINITY,
                b"a",
                f(false, false, false, false, true),
                l
            ),
            AddOutcome::Nan
        );
        assert_eq!(z.score(b"a"), Some(f64::INFINITY));
        // GT/LT never stop a new member.
        assert_eq!(
            z.add(-1.0, b"b", f(false, false, true, false, false), l),
            AddOutcome::Added(-1.0)
        );
    }

    #[test]
    fn converts_past_either_limit_and_never_back() {
        let l = limits(4, 8);
        let mut z = ZSet::default();
        for (i, m) in ["a", "b", "c", "d"].iter().enumerate() {
            z.add(i as f64, m.as_bytes(), AddFlags::default(), l);
        }
        assert_eq!(z.encoding(), "listpack");
        z.add(9.0, b"e", AddFlags::default(), l);
        assert_eq!(z.encoding(), "skiplist");
        z.check();
        for m in ["a", "b", "c", "d"] {
            z.remove(m.as_bytes());
        }
        assert_eq!(z.encoding(), "skiplist");
        assert_eq!(members(&z), vec![("e".into(), 9.0)]);

        let mut z = ZSet::default();
        z.add(1.0, b"short", AddFlags::default(), l);
        z.add(
            2.0,
            b"a member of more than 8 bytes",
            AddFlags::default(),
            l,
        );
        assert_eq!(z.encoding(), "skiplist");
        assert_eq!(z.rank(b"a member of more than 8 bytes"), Some(1));

        assert_eq!(ZSet::new(limits(0, 64), 1).encoding(), "skiplist");
        assert_eq!(ZSet::new(limits(1, 64), 65).encoding(), "skiplist");
        assert_eq!(ZSet::new(limits(1, 64), 64).encoding(), "listpack");
    }

    #[test]
    fn stored_results_are_small_when_they_fit() {
        let pairs = |n: usize, len: usize| -> Vec<(Box<[u8]>, f64)> {
            (0..n)
                .map(|i| (format!("{i:0len$}").into_bytes().into(), i as f64))
                .collect()
        };
        assert_eq!(
            ZSet::from_sorted(pairs(128, 64), Limits::default()).encoding(),
            "listpack"
        );
        assert_eq!(
            ZSet::from_sorted(pairs(129, 3), Limits::default()).encoding(),
            "skiplist"
        );
        assert_eq!(
            ZSet::from_sorted(pairs(3, 65), Limits::default()).encoding(),
            "skiplist"
        );
        let z = ZSet::from_sorted(pairs(1000, 5), Limits::default());
        z.check();
        assert_eq!(z.rank(b"00500"), Some(500));
    }

    #[test]
    fn listpack_forgets_the_sign_of_zero_skiplist_keeps_it() {
        let mut small = ZSet::default();
        add(&mut small, -0.0, "a");
        assert!(small.score(b"a").unwrap().is_sign_positive());
        let mut big = ZSet::new(limits(0, 64), 1);
        big.add(-0.0, b"a", AddFlags::default(), limits(0, 64));
        assert!(big.score(b"a").unwrap().is_sign_negative());
    }

    #[test]
    fn score_and_lex_spans() {
        for l in [Limits::default(), limits(0, 64)] {
            let mut z = ZSet::default();
            for (i, m) in ["a", "b", "c", "d", "e"].iter().enumerate() {
                z.add(i as f64, m.as_bytes(), AddFlags::default(), l);
            }
            let r = |min, max, minex, maxex| ScoreRange {
                min,
                max,
                minex,
                maxex,
            };
            assert_eq!(z.score_span(&r(1.0, 3.0, false, false)), (1, 4));
            assert_eq!(z.score_span(&r(1.0, 3.0, true, true)), (2, 3));
            assert_eq!(
                z.score_span(&r(f64::NEG_INFINITY, f64::INFINITY, false, false)),
                (0, 5)
            );
            assert_eq!(z.score_span(&r(3.0, 1.0, false, false)), (0, 0));
            assert_eq!(z.score_span(&r(2.0, 2.0, true, false)), (0, 0));
            assert_eq!(z.score_span(&r(10.0, 20.0, false, false)), (5, 5));

            let mut lz = ZSet::default();
            for m in ["a", "b", "c", "d", "e"] {
                lz.add(0.0, m.as_bytes(), AddFlags::default(), l);
            }
            let s = |b: &str, ex| LexBound::Str(b.as_bytes().into(), ex);
            let lr = |min, max| LexRange { min, max };
            assert_eq!(
                lz.lex_span(&lr(LexBound::Min, LexBound::Max), false),
                (0, 5)
            );
            assert_eq!(lz.lex_span(&lr(s("b", false), s("d", true)), false), (1, 3));
            assert_eq!(lz.lex_span(&lr(s("b", true), s("d", false)), true), (2, 4));
            assert_eq!(
                lz.lex_span(&lr(LexBound::Max, LexBound::Min), false),
                (0, 0)
            );
            assert_eq!(
                lz.lex_span(&lr(s("c", false), s("c", false)), false),
                (2, 3)
            );
            assert_eq!(lz.lex_span(&lr(s("c", true), s("c", false)), false), (0, 0));
        }
    }

    /// Random operations on both encodings against a BTreeMap model.
    #[test]
    fn random_ops_match_a_model() {
        for (round, l) in [limits(128, 64), limits(8, 64), limits(0, 64), limits(16, 4)]
            .into_iter()
            .enumerate()
        {
            let mut z = ZSet::default();
            let mut model: BTreeMap<Vec<u8>, f64> = BTreeMap::new();
            let pool = [20u64, 200, 3000][round % 3];
            for step in 0..6000 {
                let member = format!("m{}", random_u64() % pool).into_bytes();
                let score = (random_u64() % 50) as f64 / 4.0 - 5.0;
                match random_u64() % 10 {
                    0..=4 => {
                        let out = z.add(score, &member, AddFlags::default(), l);
                        let expect = match model.insert(member.clone(), score) {
                            None => AddOutcome::Added(score),
                            Some(old) if old == score => AddOutcome::Same(score),
                            Some(_) => AddOutcome::Updated(score),
                        };
                        assert_eq!(out, expect);
                    }
                    5 => {
                        let incr = AddFlags {
                            incr: true,
                            ..AddFlags::default()
                        };
                        let out = z.add(score, &member, incr, l);
                        let expect = match model.get(&member) {
                            None => AddOutcome::Added(score),
                            Some(&old) if old + score == old => AddOutcome::Same(old),
                            Some(&old) => AddOutcome::Updated(old + score),
                        };
                        assert_eq!(out, expect);
                        *model.entry(member.clone()).or_insert(0.0) += score;
                    }
                    6 => assert_eq!(z.remove(&member), model.remove(&member).is_some()),
                    7 => {
                        let max = random_u64() & 1 == 0;
                        let popped = z.pop(max);
                        let sorted = sorted_model(&model);
                        let expect = if max { sorted.last() } else { sorted.first() };
                        assert_eq!(
                            popped.as_ref().map(|(m, s)| (m.to_vec(), *s)),
                            expect.cloned()
                        );
                        if let Some((m, _)) = expect {
                            model.remove(m);
                        }
                    }
                    8 => {
                        let len = z.len();
                        let a = (random_u64() % (len as u64 + 2)) as usize;
                        let b = a + (random_u64() % 5) as usize;
                        let sorted = sorted_model(&model);
                        let removed = z.remove_span(a, b);
                        let gone: Vec<_> =
                            sorted.iter().skip(a).take(b.saturating_sub(a)).collect();
                        assert_eq!(removed, gone.len());
                        for (m, _) in gone {
                            model.remove(m);
                        }
                    }
                    _ => {
                        let min = (random_u64() % 20) as f64 - 8.0;
                        let range = ScoreRange {
                            min,
                            max: min + (random_u64() % 6) as f64,
                            minex: random_u64() & 1 == 0,
                            maxex: random_u64() & 1 == 0,
                        };
                        let (s, e) = z.score_span(&range);
                        let sorted = sorted_model(&model);
                        let inside: Vec<_> = sorted
                            .iter()
                            .enumerate()
                            .filter(|(_, (_, sc))| range.gte_min(*sc) && range.lte_max(*sc))
                            .map(|(i, _)| i)
                            .collect();
                        match (inside.first(), inside.last()) {
                            (Some(&f), Some(&last)) => assert_eq!((s, e), (f, last + 1)),
                            _ => assert_eq!(s, e),
                        }
                    }
                }
                assert_eq!(z.len(), model.len());
                if step % 97 == 0 {
                    z.check();
                    let sorted = sorted_model(&model);
                    let got: Vec<_> = z
                        .to_sorted_vec()
                        .into_iter()
                        .map(|(m, s)| (m.to_vec(), s))
                        .collect();
                    assert_eq!(got, sorted);
                    for (rank, (m, s)) in sorted.iter().enumerate() {
                        assert_eq!(z.rank(m), Some(rank));
                        assert_eq!(z.score(m), Some(*s));
                        assert_eq!(
                            z.get(rank).map(|(m, s)| (m.to_vec(), s)),
                            Some((m.clone(), *s))
                        );
                    }
                }
            }
            if z.encoding() == "listpack" {
                assert!(z.len() <= l.max_entries);
            }
        }
    }

    fn sorted_model(model: &BTreeMap<Vec<u8>, f64>) -> Vec<(Vec<u8>, f64)> {
        let mut v: Vec<_> = model.iter().map(|(m, s)| (m.clone(), *s)).collect();
        v.sort_by(|a, b| a.1.partial_cmp(&b.1).unwrap().then_with(|| a.0.cmp(&b.0)));
        v
    }

    /// A big set built by insertion: every rank, select and range agrees
    /// with a sorted copy, before and after deleting half, and the arena
    /// compacts after mass deletion.
    #[test]
    fn ranks_are_right_at_scale() {
        let n = 20_000;
        let mut z = ZSet::new(limits(0, 64), 0);
        let mut expected = Vec::new();
        for i in 0..n {
            let m = format!("member:{}", random_u64() % 1_000_000_000);
            let s = (random_u64() % 1000) as f64;
            if z.add(s, m.as_bytes(), AddFlags::default(), Limits::default())
                == AddOutcome::Added(s)
            {
                expected.push((m.into_bytes(), s));
            }
            if i % 5000 == 0 {
                z.check();
            }
        }
        expected.sort_by(|a, b| a.1.partial_cmp(&b.1).unwrap().then_with(|| a.0.cmp(&b.0)));
        z.check();
        for (rank, (m, s)) in expected.iter().enumerate() {
            assert_eq!(z.rank(m), Some(rank));
            assert_eq!(z.get(rank), Some((&m[..], *s)));
        }
        let mut visited = Vec::new();
        z.for_range(100, 200, true, |m, _| visited.push(m.to_vec()));
        let want: Vec<_> = expected[100..200]
            .iter()
            .rev()
            .map(|(m, _)| m.clone())
            .collect();
        assert_eq!(visited, want);

        // Delete every other member, then all but 100: ids get renumbered.
        for (m, _) in expected.iter().step_by(2) {
            assert!(z.remove(m));
        }
        let kept: Vec<_> = expected.iter().skip(1).step_by(2).cloned().collect();
        z.check();
        for (rank, (m, _)) in kept.iter().enumerate() {
            assert_eq!(z.rank(m), Some(rank));
        }
        let generation = match &z {
            ZSet::Big(b) => b.generation,
            _ => unreachable!(),
        };
        assert_eq!(z.remove_span(100, z.len()), kept.len() - 100);
        z.check();
        match &z {
            ZSet::Big(b) => {
                assert_ne!(b.generation, generation, "compacted");
                assert!(b.elems.len() < 1024);
            }
            _ => unreachable!(),
        }
        for (rank, (m, _)) in kept.iter().take(100).enumerate() {
            assert_eq!(z.rank(m), Some(rank));
        }
    }

    #[test]
    fn scan_reports_every_member_despite_changes() {
        let l = limits(0, 64);
        let mut z = ZSet::new(l, 0);
        for i in 0..5000 {
            z.add(
                i as f64,
                format!("keep{i}").as_bytes(),
                AddFlags::default(),
                l,
            );
        }
        let mut seen = std::collections::HashSet::new();
        let mut cursor = 0;
        let mut extra = 0;
        loop {
            cursor = z.scan(cursor, 100, |m, _| {
                seen.insert(m.to_vec());
            });
            // Churn: add and remove other members while the scan runs.
            for _ in 0..50 {
                let m = format!("tmp{extra}");
                z.add(1.0, m.as_bytes(), AddFlags::default(), l);
                if extra % 2 == 0 {
                    z.remove(m.as_bytes());
                }
                extra += 1;
            }
            if cursor == 0 {
                break;
            }
        }
        for i in 0..5000 {
            assert!(
                seen.contains(format!("keep{i}").as_bytes()),
                "keep{i} missed"
            );
        }
        // A listpack comes back whole.
        let mut small = ZSet::default();
        add(&mut small, 1.0, "a");
        let mut n = 0;
        assert_eq!(small.scan(12345, 1, |_, _| n += 1), 0);
        assert_eq!(n, 1);
    }

    #[test]
    fn scan_restarts_after_compaction() {
        let l = limits(0, 64);
        let mut z = ZSet::new(l, 0);
        for i in 0..4000 {
            z.add(i as f64, format!("m{i}").as_bytes(), AddFlags::default(), l);
        }
        let cursor = z.scan(0, 10, |_, _| {});
        assert_ne!(cursor, 0);
        z.remove_span(100, 4000); // compacts
        let mut seen = 0;
        let mut c = cursor;
        loop {
            c = z.scan(c, 1000, |_, _| seen += 1);
            if c == 0 {
                break;
            }
        }
        assert_eq!(seen, 100, "a stale cursor starts over");
    }

    /// ZRANK and a score range with LIMIT cost O(log n): per operation, a
    /// set 10x larger is far less than 10x slower.
    #[test]
    fn rank_and_limited_range_are_logarithmic() {
        fn build(n: usize) -> (ZSet, Vec<Vec<u8>>) {
            let pairs: Vec<(Box<[u8]>, f64)> = (0..n)
                .map(|i| (format!("member:{i:08}").into_bytes().into(), i as f64))
                .collect();
            let members = pairs.iter().map(|(m, _)| m.to_vec()).collect();
            (ZSet::from_sorted(pairs, limits(0, 64)), members)
        }
        /// Seconds per operation over `ops` operations.
        fn time_per_op(z: &ZSet, members: &[Vec<u8>], ops: usize) -> f64 {
            let n = members.len();
            let start = Instant::now();
            let mut sink = 0usize;
            for i in 0..ops {
                let m = &members[(i * 7919) % n];
                sink += z.rank(m).unwrap();
                // ZRANGE key (n/4) +inf BYSCORE LIMIT <half of it> 5
                let range = ScoreRange {
                    min: (n / 4) as f64,
                    max: f64::INFINITY,
                    minex: false,
                    maxex: false,
                };
                let (s, e) = z.score_span(&range);
                let from = s + (e - s) / 2;
                z.for_range(from, from + 5, false, |m, _| sink += m.len());
            }
            std::hint::black_box(sink);
            start.elapsed().as_secs_f64() / ops as f64
        }
        let (small, small_members) = build(10_000);
        let (large, large_members) = build(100_000);
        // The best of several interleaved rounds: noise hits both alike.
        let (mut t_small, mut t_large) = (f64::MAX, f64::MAX);
        for _ in 0..5 {
            t_small = t_small.min(time_per_op(&small, &small_members, 20_000));
            t_large = t_large.min(time_per_op(&large, &large_members, 20_000));
        }
        assert!(
            t_large < 4.0 * t_small,
            "10x the members cost {:.1}x per operation ({:.0} ns vs {:.0} ns)",
            t_large / t_small,
            t_large * 1e9,
            t_small * 1e9
        );
    }
}
