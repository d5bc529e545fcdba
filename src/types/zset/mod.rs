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

mod big;
mod small;
mod tree;

pub use big::Big;
pub use small::Small;

#[cfg(test)]
mod tests;
