//! The skiplist encoding of a sorted set: an arena of members, a hash
//! index member -> slot, and a counted B+tree of slots in (score, member) order.

use super::tree::Tree;
use super::*;

/// Members up to this length live inside their arena slot.
const INLINE: usize = 22;

/// A member's bytes: inline when short, boxed otherwise. 24 bytes.
#[derive(Clone)]
pub(super) enum Member {
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
    pub(super) fn as_bytes(&self) -> &[u8] {
        match self {
            Member::Inline(n, a) => &a[..*n as usize],
            Member::Heap(b) => b,
        }
    }
}

/// One arena slot: a member and its score; a free slot has a NaN score
/// (no real score is NaN).
#[derive(Clone)]
pub(super) struct Elem {
    pub(super) score: f64,
    pub(super) member: Member,
}

impl Elem {
    const FREE: Elem = Elem {
        score: f64::NAN,
        member: Member::Inline(0, [0; INLINE]),
    };

    #[inline]
    pub(super) fn is_free(&self) -> bool {
        self.score.is_nan()
    }

    /// This element sorts before (score, member).
    #[inline]
    pub(super) fn before(&self, score: f64, member: &[u8]) -> bool {
        before(self.score, self.member.as_bytes(), score, member)
    }
}

/// The skiplist encoding (see the module documentation).
#[derive(Clone)]
pub struct Big {
    /// Arena of members; ids are indexes. Freed slots are listed in `free`.
    pub(super) elems: Vec<Elem>,
    pub(super) free: Vec<u32>,
    /// member → id.
    pub(super) index: HashTable<u32>,
    pub(super) hasher: RandomState,
    /// Ids in (score, member) order.
    pub(super) tree: Tree,
    /// Bumped when ids are renumbered (compaction), so ZSCAN cursors from
    /// before restart instead of skipping members.
    pub(super) generation: u32,
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
    pub(super) fn heap_size(&self, samples: usize) -> usize {
        use crate::alloc::charged_size;
        let members = self
            .elems
            .iter()
            .filter(|e| !e.is_free())
            .map(|e| match &e.member {
                Member::Heap(b) => charged_size(b.len()),
                Member::Inline(..) => 0,
            });
        vec_heap_bytes(self.elems.capacity(), std::mem::size_of::<Elem>())
            + vec_heap_bytes(self.free.capacity(), 4)
            + vec_heap_bytes(self.index.allocation_size(), 1)
            + self.tree.heap_size()
            + crate::types::extrapolate(members, self.len(), samples)
    }

    /// From pairs sorted by (score, member), without duplicates. O(n).
    pub(super) fn from_sorted(pairs: Vec<(Box<[u8]>, f64)>) -> Big {
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

    pub(super) fn len(&self) -> usize {
        self.tree.len
    }

    pub(super) fn find(&self, member: &[u8]) -> Option<u32> {
        let h = self.hasher.hash_one(member);
        self.index
            .find(h, |&id| self.elems[id as usize].member.as_bytes() == member)
            .copied()
    }

    pub(super) fn insert_new(&mut self, member: &[u8], score: f64) {
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

    pub(super) fn set_score(&mut self, id: u32, score: f64) {
        self.tree.remove(&self.elems, id);
        self.elems[id as usize].score = score;
        self.tree.insert(&self.elems, id);
    }

    pub(super) fn delete(&mut self, id: u32) {
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

    pub(super) fn rank_of(&self, id: u32) -> usize {
        let e = &self.elems[id as usize];
        let (score, member) = (e.score, e.member.as_bytes());
        self.tree
            .count_before(&self.elems, |x| x.before(score, member))
    }

    pub(super) fn scan<'s>(
        &'s self,
        cursor: u64,
        count: usize,
        mut f: impl FnMut(&'s [u8], f64),
    ) -> u64 {
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

/// What the allocator charges for a vector of `cap` items of `each` bytes.
pub(super) fn vec_heap_bytes(cap: usize, each: usize) -> usize {
    if cap == 0 {
        0
    } else {
        crate::alloc::charged_size(cap * each)
    }
}
