//! A set: "intset" while it holds only integers (at most
//! set-max-intset-entries of them), "hashtable" beyond.
//!
//! Redis 7.0 is the spec: it has no listpack encoding for sets (7.2 added
//! one), so a set goes from intset straight to hashtable, and never back.
//!
//! The intset is Redis's: sorted integers in one byte buffer whose element
//! width (2, 4 or 8 bytes) is the smallest that fits every member, found by
//! binary search. A member is an integer when it is the canonical decimal
//! form of an i64 (`string2ll`: no sign but `-`, no leading zero, no spaces).

use super::dict::Dict;
use super::hash::scan_dict;
use crate::numbers::{format_i64, parse_i64};
use crate::store::evict::random_u64;

/// A set: intset while small and all integers, hashtable beyond.
#[derive(Clone, Debug, Default)]
pub struct Set {
    repr: Repr,
}

#[derive(Clone, Debug)]
enum Repr {
    Ints(IntSet),
    Table(Box<Dict<()>>),
}

impl Default for Repr {
    fn default() -> Self {
        Repr::Ints(IntSet::default())
    }
}

/// A member as a set holds it: an integer of an intset, or bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Member<'a> {
    Int(i64),
    Bytes(&'a [u8]),
}

impl Member<'_> {
    /// The member's bytes (an integer in decimal).
    pub fn to_vec(self) -> Vec<u8> {
        match self {
            Member::Int(n) => {
                let mut tmp = [0u8; 20];
                format_i64(n, &mut tmp).to_vec()
            }
            Member::Bytes(b) => b.to_vec(),
        }
    }

    /// Calls `f` with the member's bytes, formatting an integer on the stack.
    #[inline]
    pub fn with_bytes<R>(self, f: impl FnOnce(&[u8]) -> R) -> R {
        match self {
            Member::Int(n) => {
                let mut tmp = [0u8; 20];
                f(format_i64(n, &mut tmp))
            }
            Member::Bytes(b) => f(b),
        }
    }
}

impl Set {
    /// Estimated heap bytes (see `Object::heap_size`).
    pub fn heap_size(&self, samples: usize) -> usize {
        use crate::alloc::charged_size;
        match &self.repr {
            Repr::Ints(s) => charged_size(s.data.len()),
            Repr::Table(d) => {
                charged_size(std::mem::size_of_val(&**d)) + d.heap_size(samples, |_| 0)
            }
        }
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        match &self.repr {
            Repr::Ints(s) => s.len(),
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
            Repr::Ints(_) => "intset",
            Repr::Table(_) => "hashtable",
        }
    }

    /// The intset while the set is in that encoding (an RDB file stores it
    /// as Redis's intset blob).
    pub fn as_intset(&self) -> Option<&IntSet> {
        match &self.repr {
            Repr::Ints(s) => Some(s),
            Repr::Table(_) => None,
        }
    }

    /// True when `member` is in the set.
    pub fn contains(&self, member: &[u8]) -> bool {
        match &self.repr {
            Repr::Ints(s) => parse_i64(member).is_some_and(|n| s.contains(n)),
            Repr::Table(d) => d.contains(member),
        }
    }

    /// True when `member` (as another set yields it) is in the set.
    pub fn contains_member(&self, member: Member) -> bool {
        match (&self.repr, member) {
            (Repr::Ints(s), Member::Int(n)) => s.contains(n),
            (_, m) => m.with_bytes(|b| self.contains(b)),
        }
    }

    /// Adds `member`; true when it is new. A non-integer converts an intset,
    /// and so does growing past `max_intset` members.
    pub fn add(&mut self, member: &[u8], max_intset: usize) -> bool {
        match &mut self.repr {
            Repr::Ints(s) => match parse_i64(member) {
                Some(n) => {
                    if !s.insert(n) {
                        return false;
                    }
                    if s.len() > max_intset {
                        self.convert();
                    }
                    true
                }
                None => {
                    self.convert();
                    self.add(member, max_intset)
                }
            },
            Repr::Table(d) => {
                if d.contains(member) {
                    return false;
                }
                d.insert_new(member.into(), ());
                true
            }
        }
    }

    /// Adds a member another set yielded (no formatting for intset → intset).
    pub fn add_member(&mut self, member: Member, max_intset: usize) -> bool {
        match (&mut self.repr, member) {
            (Repr::Ints(s), Member::Int(n)) => {
                if !s.insert(n) {
                    return false;
                }
                if s.len() > max_intset {
                    self.convert();
                }
                true
            }
            (_, m) => m.with_bytes(|b| self.add(b, max_intset)),
        }
    }

    /// Removes `member`; true when it was there.
    pub fn remove(&mut self, member: &[u8]) -> bool {
        match &mut self.repr {
            Repr::Ints(s) => parse_i64(member).is_some_and(|n| s.remove(n)),
            Repr::Table(d) => d.remove(member).is_some(),
        }
    }

    /// Removes a member another set yielded.
    pub fn remove_member(&mut self, member: Member) -> bool {
        match (&mut self.repr, member) {
            (Repr::Ints(s), Member::Int(n)) => s.remove(n),
            (_, m) => m.with_bytes(|b| self.remove(b)),
        }
    }

    /// Every member: ascending for an intset.
    pub fn iter(&self) -> Iter<'_> {
        match &self.repr {
            Repr::Ints(s) => Iter::Ints(s, 0),
            Repr::Table(d) => Iter::Table(d.iter()),
        }
    }

    /// A random member, None when empty.
    pub fn random(&self) -> Option<Member<'_>> {
        match &self.repr {
            Repr::Ints(s) => {
                if s.is_empty() {
                    return None;
                }
                Some(Member::Int(s.get((random_u64() % s.len() as u64) as usize)))
            }
            Repr::Table(d) => d.random().map(|(k, _)| Member::Bytes(k)),
        }
    }

    /// Removes and returns a random member (its bytes), None when empty.
    pub fn pop_random(&mut self) -> Option<Vec<u8>> {
        let m = self.random()?.to_vec();
        self.remove(&m);
        Some(m)
    }

    /// One SSCAN step from `cursor`: calls `f` on members until about
    /// `count` were seen; returns the next cursor (0: done). An intset is
    /// returned whole in one step, with cursor 0, as Redis does.
    pub fn scan(&self, cursor: u64, count: usize, mut f: impl FnMut(Member)) -> u64 {
        match &self.repr {
            Repr::Ints(_) => {
                self.iter().for_each(f);
                0
            }
            Repr::Table(d) => scan_dict(d, cursor, count, |k, _| f(Member::Bytes(k))),
        }
    }

    /// Converts to the hashtable encoding (no-op when already there).
    pub fn convert(&mut self) {
        if let Repr::Ints(s) = &self.repr {
            let mut d = Dict::with_capacity(s.len());
            let mut tmp = [0u8; 20];
            for i in 0..s.len() {
                d.insert_new(format_i64(s.get(i), &mut tmp).into(), ());
            }
            self.repr = Repr::Table(Box::new(d));
        }
    }
}

/// Iterator over a set's members.
pub enum Iter<'a> {
    Ints(&'a IntSet, usize),
    Table(super::dict::Iter<'a, ()>),
}

impl<'a> Iterator for Iter<'a> {
    type Item = Member<'a>;

    #[inline]
    fn next(&mut self) -> Option<Member<'a>> {
        match self {
            Iter::Ints(s, i) => {
                if *i >= s.len() {
                    return None;
                }
                *i += 1;
                Some(Member::Int(s.get(*i - 1)))
            }
            Iter::Table(it) => it.next().map(|(k, _)| Member::Bytes(k)),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = match self {
            Iter::Ints(s, i) => s.len() - *i,
            Iter::Table(it) => it.len(),
        };
        (n, Some(n))
    }
}

impl ExactSizeIterator for Iter<'_> {}

// ---------------------------------------------------------------------------
// The intset
// ---------------------------------------------------------------------------

/// Sorted distinct integers in one exact-size buffer: a width byte (2, 4 or
/// 8: the smallest that holds every member), then each member little endian
/// in that many bytes. Empty (no allocation) while it holds nothing.
#[derive(Clone, Debug, Default)]
pub struct IntSet {
    data: Box<[u8]>,
}

/// The width an integer needs.
fn width_of(n: i64) -> u8 {
    if i16::try_from(n).is_ok() {
        2
    } else if i32::try_from(n).is_ok() {
        4
    } else {
        8
    }
}

impl IntSet {
    /// Bytes per member: 2, 4 or 8, the smallest that holds every member
    /// (Redis's intset encoding).
    #[inline]
    pub fn width(&self) -> u8 {
        self.data.first().copied().unwrap_or(2)
    }

    #[inline]
    fn body(&self) -> &[u8] {
        self.data.get(1..).unwrap_or_default()
    }

    /// Number of members.
    #[inline]
    pub fn len(&self) -> usize {
        self.body().len() / self.width() as usize
    }

    /// True when empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The `i`-th smallest member.
    #[inline]
    pub fn get(&self, i: usize) -> i64 {
        let w = self.width() as usize;
        let b = &self.body()[i * w..i * w + w];
        match w {
            2 => i16::from_le_bytes([b[0], b[1]]) as i64,
            4 => i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as i64,
            _ => i64::from_le_bytes(b.try_into().unwrap()),
        }
    }

    /// Binary search: Ok(position) when present, Err(insertion point).
    fn search(&self, n: i64) -> Result<usize, usize> {
        let (mut lo, mut hi) = (0, self.len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            match self.get(mid).cmp(&n) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Ok(mid),
            }
        }
        Err(lo)
    }

    /// True when `n` is a member.
    pub fn contains(&self, n: i64) -> bool {
        // Wider than the members: cannot be one.
        width_of(n) <= self.width() && self.search(n).is_ok()
    }

    /// Inserts `n`; true when it is new. Widens every member first when `n`
    /// needs more bytes than the current width.
    pub fn insert(&mut self, n: i64) -> bool {
        let need = width_of(n);
        if need > self.width() || self.data.is_empty() {
            self.rebuild(need.max(self.width()));
        }
        let Err(pos) = self.search(n) else {
            return false;
        };
        let w = self.width() as usize;
        let at = 1 + pos * w;
        let mut v = std::mem::take(&mut self.data).into_vec();
        v.reserve_exact(w);
        v.splice(at..at, n.to_le_bytes()[..w].iter().copied());
        self.data = v.into_boxed_slice();
        true
    }

    /// Removes `n`; true when it was there.
    pub fn remove(&mut self, n: i64) -> bool {
        if width_of(n) > self.width() {
            return false;
        }
        let Ok(pos) = self.search(n) else {
            return false;
        };
        if self.len() == 1 {
            self.data = Box::default();
            return true;
        }
        let w = self.width() as usize;
        let at = 1 + pos * w;
        let mut v = std::mem::take(&mut self.data).into_vec();
        v.drain(at..at + w);
        self.data = v.into_boxed_slice();
        true
    }

    /// Re-encodes every member with `width` bytes (the header included).
    fn rebuild(&mut self, width: u8) {
        let w = width as usize;
        let mut v = Vec::with_capacity(1 + (self.len() + 1) * w);
        v.push(width);
        for i in 0..self.len() {
            v.extend_from_slice(&self.get(i).to_le_bytes()[..w]);
        }
        self.data = v.into_boxed_slice();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use std::collections::HashSet;

    fn members(s: &Set) -> Vec<Vec<u8>> {
        s.iter().map(Member::to_vec).collect()
    }

    #[test]
    fn intset_stays_sorted_and_widens() {
        let mut s = Set::default();
        for n in [5i64, -3, 300, 0, 5] {
            s.add(n.to_string().as_bytes(), 512);
        }
        assert_eq!(s.encoding(), "intset");
        assert_eq!(
            members(&s),
            [
                b"-3".to_vec(),
                b"0".to_vec(),
                b"5".to_vec(),
                b"300".to_vec()
            ]
        );
        let Repr::Ints(is) = &s.repr else { panic!() };
        assert_eq!(is.width(), 2);
        assert_eq!(is.data.len(), 1 + 4 * 2);
        s.add(b"70000", 512);
        s.add(b"-9223372036854775808", 512);
        s.add(b"9223372036854775807", 512);
        let Repr::Ints(is) = &s.repr else { panic!() };
        assert_eq!(is.width(), 8);
        assert_eq!(is.data.len(), 1 + 7 * 8);
        assert_eq!(std::mem::size_of::<Set>(), 16);
        let got: Vec<i64> = s
            .iter()
            .map(|m| match m {
                Member::Int(n) => n,
                Member::Bytes(_) => panic!(),
            })
            .collect();
        assert_eq!(got, [i64::MIN, -3, 0, 5, 300, 70000, i64::MAX]);
        assert!(s.contains(b"70000"));
        assert!(!s.contains(b"070000"));
        assert!(!s.contains(b"x"));
        assert!(s.remove(b"300") && !s.remove(b"300"));
        assert!(!s.remove(b"+5"));
        assert_eq!(s.len(), 6);
    }

    #[test]
    fn a_non_integer_converts_an_intset() {
        for odd in [
            &b"a"[..],
            b"+1",
            b"01",
            b"-0",
            b" 1",
            b"9223372036854775808",
            b"",
        ] {
            let mut s = Set::default();
            s.add(b"1", 512);
            assert!(s.add(odd, 512));
            assert_eq!(s.encoding(), "hashtable", "{odd:?}");
            assert!(s.contains(b"1") && s.contains(odd));
            assert!(s.remove(b"1"));
            assert_eq!(s.encoding(), "hashtable");
        }
    }

    #[test]
    fn converts_past_max_intset_entries() {
        let mut s = Set::default();
        for i in 0..512 {
            s.add(i.to_string().as_bytes(), 512);
        }
        assert_eq!(s.encoding(), "intset");
        assert!(!s.add(b"0", 512));
        assert_eq!(s.encoding(), "intset");
        s.add(b"512", 512);
        assert_eq!(s.encoding(), "hashtable");
        assert_eq!(s.len(), 513);
        assert!(s.contains(b"511") && s.contains(b"512"));
    }

    #[test]
    fn member_helpers_cross_encodings() {
        let mut ints = Set::default();
        ints.add(b"7", 512);
        let mut table = Set::default();
        table.add(b"x", 512);
        table.add(b"7", 512);
        assert!(table.contains_member(Member::Int(7)));
        assert!(ints.contains_member(Member::Bytes(b"7")));
        assert!(!ints.contains_member(Member::Bytes(b"x")));
        assert!(ints.add_member(Member::Int(8), 512));
        assert!(!ints.add_member(Member::Bytes(b"8"), 512));
        assert!(ints.add_member(Member::Bytes(b"y"), 512));
        assert_eq!(ints.encoding(), "hashtable");
        assert!(ints.remove_member(Member::Int(8)));
        assert!(table.remove_member(Member::Int(7)));
        assert_eq!(ints.len(), 2);
        assert_eq!(table.len(), 1);
    }

    #[test]
    fn model_based_random_operations() {
        for max in [4usize, 64, 512] {
            let mut s = Set::default();
            let mut model: BTreeSet<Vec<u8>> = BTreeSet::new();
            for step in 0..6000u64 {
                let r = random_u64();
                // Mostly integers of every width; now and then a string.
                let m: Vec<u8> = match r % 50 {
                    0 => format!("s{}", (r >> 8) % 10).into_bytes(),
                    1..=10 => ((r >> 8) as i64).to_string().into_bytes(),
                    11..=20 => (((r >> 8) % 100_000) as i64 - 50_000)
                        .to_string()
                        .into_bytes(),
                    _ => (((r >> 8) % 300) as i64 - 150).to_string().into_bytes(),
                };
                if step % 3 == 0 {
                    assert_eq!(s.remove(&m), model.remove(&m));
                } else {
                    assert_eq!(s.add(&m, max), model.insert(m.clone()));
                }
                assert_eq!(s.len(), model.len());
            }
            let got: BTreeSet<Vec<u8>> = members(&s).into_iter().collect();
            assert_eq!(got, model);
            for m in &model {
                assert!(s.contains(m));
            }
        }
    }

    #[test]
    fn intset_model_keeps_numeric_order() {
        let mut s = Set::default();
        let mut model = BTreeSet::new();
        for _ in 0..3000 {
            let r = random_u64();
            let n = match r % 3 {
                0 => (r >> 2) as i16 as i64,
                1 => (r >> 2) as i32 as i64,
                _ => (r >> 2) as i64,
            };
            if r.is_multiple_of(5) {
                assert_eq!(s.remove(n.to_string().as_bytes()), model.remove(&n));
            } else {
                assert_eq!(s.add(n.to_string().as_bytes(), usize::MAX), model.insert(n));
            }
        }
        assert_eq!(s.encoding(), "intset");
        let got: Vec<Member> = s.iter().collect();
        let want: Vec<Member> = model.iter().map(|&n| Member::Int(n)).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn random_pop_and_scan() {
        let mut s = Set::default();
        assert!(s.random().is_none());
        assert!(s.pop_random().is_none());
        for i in 0..20 {
            s.add(i.to_string().as_bytes(), 512);
        }
        let mut seen = HashSet::new();
        for _ in 0..2000 {
            seen.insert(s.random().unwrap().to_vec());
        }
        assert_eq!(seen.len(), 20);
        let mut n = 0;
        assert_eq!(s.scan(0, 1, |_| n += 1), 0);
        assert_eq!(n, 20);
        let mut popped = HashSet::new();
        while let Some(m) = s.pop_random() {
            assert!(popped.insert(m));
        }
        assert_eq!(popped.len(), 20);
        assert!(s.is_empty());
    }
}
