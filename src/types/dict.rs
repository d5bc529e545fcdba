//! A chained hash table keyed by byte strings, with Redis's reverse-binary
//! scan cursor: the large ("hashtable") encoding of hashes and sets.
//!
//! Why not hashbrown: HSCAN and SSCAN promise that an element present for a
//! whole iteration is returned at least once, even when the table grows or
//! shrinks between calls. hashbrown moves elements to arbitrary slots on
//! resize and probes away from the home bucket, so a position cursor can miss
//! elements. Here an element always sits in bucket `hash & mask`, and the
//! cursor walks buckets in reverse-bit order (Redis's `dictScan`): after a
//! resize by a power of two, the buckets already visited map exactly onto the
//! buckets the cursor has passed, so nothing present throughout is missed.
//!
//! Buckets hold singly linked chains; the table doubles when the element count
//! reaches the bucket count and halves (to the next power of two of the count)
//! when fewer than 10% of the buckets would be used, as Redis's dict does.

use crate::store::evict::random_u64;
use foldhash::fast::RandomState;
use std::hash::BuildHasher;

/// Smallest bucket count of a non-empty table.
const MIN_BUCKETS: usize = 4;

/// A hash table from byte strings to `V`.
pub struct Dict<V> {
    /// Power-of-two many chains (empty while the dict never held anything).
    table: Box<[Link<V>]>,
    len: usize,
    hasher: RandomState,
}

type Link<V> = Option<Box<Node<V>>>;

struct Node<V> {
    key: Box<[u8]>,
    value: V,
    next: Link<V>,
}

impl<V> Default for Dict<V> {
    fn default() -> Self {
        Dict::new()
    }
}

impl<V> Dict<V> {
    /// Estimated heap bytes: the bucket array, and per element its node,
    /// key and `value_heap` (measured on up to `samples` elements).
    pub fn heap_size(&self, samples: usize, value_heap: impl Fn(&V) -> usize) -> usize {
        use crate::alloc::charged_size;
        let buckets = if self.table.is_empty() {
            0
        } else {
            charged_size(std::mem::size_of_val(&*self.table))
        };
        let nodes = self.iter_nodes().map(|n| {
            charged_size(std::mem::size_of::<Node<V>>())
                + charged_size(n.key.len())
                + value_heap(&n.value)
        });
        buckets + super::extrapolate(nodes, self.len, samples)
    }

    /// Every node, bucket by bucket.
    fn iter_nodes(&self) -> impl Iterator<Item = &Node<V>> {
        self.table
            .iter()
            .flat_map(|link| std::iter::successors(link.as_deref(), |n| n.next.as_deref()))
    }

    /// An empty table (no allocation until the first insert).
    pub fn new() -> Self {
        Dict {
            table: Box::new([]),
            len: 0,
            hasher: RandomState::default(),
        }
    }

    /// An empty table sized for `n` elements without a resize.
    pub fn with_capacity(n: usize) -> Self {
        let mut d = Dict::new();
        if n > 0 {
            d.resize(n.next_power_of_two().max(MIN_BUCKETS));
        }
        d
    }

    /// Number of elements.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Number of buckets (a power of two, or 0).
    #[cfg(test)]
    fn buckets(&self) -> usize {
        self.table.len()
    }

    #[inline]
    fn bucket_of(&self, key: &[u8]) -> usize {
        (self.hasher.hash_one(key) as usize) & (self.table.len() - 1)
    }

    fn find(&self, key: &[u8]) -> Option<&Node<V>> {
        if self.table.is_empty() {
            return None;
        }
        let mut link = &self.table[self.bucket_of(key)];
        while let Some(node) = link {
            if *node.key == *key {
                return Some(node);
            }
            link = &node.next;
        }
        None
    }

    /// The value of `key`.
    #[inline]
    pub fn get(&self, key: &[u8]) -> Option<&V> {
        self.find(key).map(|n| &n.value)
    }

    /// True when `key` is present.
    #[inline]
    pub fn contains(&self, key: &[u8]) -> bool {
        self.find(key).is_some()
    }

    /// The value of `key`, mutable.
    pub fn get_mut(&mut self, key: &[u8]) -> Option<&mut V> {
        if self.table.is_empty() {
            return None;
        }
        let b = self.bucket_of(key);
        let mut link = &mut self.table[b];
        while let Some(node) = link {
            if *node.key == *key {
                return Some(&mut node.value);
            }
            link = &mut node.next;
        }
        None
    }

    /// Inserts `key` → `value`; when the key was present, replaces its value
    /// and returns the old one.
    pub fn insert(&mut self, key: &[u8], value: V) -> Option<V> {
        if let Some(v) = self.get_mut(key) {
            return Some(std::mem::replace(v, value));
        }
        self.insert_new(key.into(), value);
        None
    }

    /// Inserts a key known to be absent.
    pub fn insert_new(&mut self, key: Box<[u8]>, value: V) {
        if self.len >= self.table.len() {
            self.resize((self.len + 1).next_power_of_two().max(MIN_BUCKETS));
        }
        let b = self.bucket_of(&key);
        let next = self.table[b].take();
        self.table[b] = Some(Box::new(Node { key, value, next }));
        self.len += 1;
    }

    /// Removes `key`; returns its value.
    pub fn remove(&mut self, key: &[u8]) -> Option<V> {
        if self.table.is_empty() {
            return None;
        }
        let b = self.bucket_of(key);
        let mut link = &mut self.table[b];
        while link.as_ref().is_some_and(|n| *n.key != *key) {
            link = &mut link.as_mut().expect("checked").next;
        }
        let mut node = link.take()?;
        *link = node.next.take();
        self.len -= 1;
        self.shrink_if_sparse();
        Some(node.value)
    }

    /// Halves the table while fewer than 10% of the buckets are used.
    fn shrink_if_sparse(&mut self) {
        let size = self.table.len();
        if size > MIN_BUCKETS && self.len * 10 < size {
            self.resize(self.len.next_power_of_two().max(MIN_BUCKETS));
        }
    }

    /// Moves every node into a table of `size` buckets (a power of two).
    fn resize(&mut self, size: usize) {
        debug_assert!(size.is_power_of_two());
        let mut table: Box<[Link<V>]> = (0..size).map(|_| None).collect();
        let old = std::mem::take(&mut self.table);
        for mut link in old.into_vec() {
            while let Some(mut node) = link {
                link = node.next.take();
                let b = (self.hasher.hash_one(&*node.key) as usize) & (size - 1);
                node.next = table[b].take();
                table[b] = Some(node);
            }
        }
        self.table = table;
    }

    /// Every (key, value), in bucket order.
    pub fn iter(&self) -> Iter<'_, V> {
        Iter {
            table: &self.table,
            bucket: 0,
            node: None,
            left: self.len,
        }
    }

    /// One SCAN step (Redis's `dictScan`): calls `f` on every element of the
    /// bucket `cursor` designates; returns the next cursor, 0 when the walk is
    /// done. An element present for the whole walk is visited at least once
    /// whatever resizes happen between steps.
    pub fn scan(&self, cursor: u64, mut f: impl FnMut(&[u8], &V)) -> u64 {
        if self.table.is_empty() {
            return 0;
        }
        let mask = (self.table.len() - 1) as u64;
        let mut link = &self.table[(cursor & mask) as usize];
        while let Some(node) = link {
            f(&node.key, &node.value);
            link = &node.next;
        }
        // Increment the bits above the mask as a reversed number.
        let v = (cursor | !mask).reverse_bits().wrapping_add(1);
        v.reverse_bits()
    }

    /// A random element, each with (nearly) the same probability; None when
    /// empty. A random bucket and a random depth below a bound are drawn
    /// until they name an element (rejection sampling: uniform over elements
    /// that sit within the bound, which with load factor <= 1 is all of them
    /// in practice); after many misses, a random element of a random
    /// non-empty chain.
    pub fn random(&self) -> Option<(&[u8], &V)> {
        if self.len == 0 {
            return None;
        }
        const DEPTH: u64 = 8;
        let mask = (self.table.len() - 1) as u64;
        for _ in 0..4096 {
            let r = random_u64();
            let mut link = &self.table[(r & mask) as usize];
            let mut depth = (r >> 58) % DEPTH;
            while let Some(node) = link {
                if depth == 0 {
                    return Some((&node.key, &node.value));
                }
                depth -= 1;
                link = &node.next;
            }
        }
        loop {
            let chain = &self.table[(random_u64() & mask) as usize];
            let mut n = 0;
            let mut link = chain;
            while let Some(node) = link {
                n += 1;
                link = &node.next;
            }
            if n == 0 {
                continue;
            }
            let mut pick = random_u64() % n;
            let mut link = chain;
            while let Some(node) = link {
                if pick == 0 {
                    return Some((&node.key, &node.value));
                }
                pick -= 1;
                link = &node.next;
            }
        }
    }
}

impl<V: Clone> Clone for Dict<V> {
    fn clone(&self) -> Self {
        let mut d = Dict {
            table: (0..self.table.len()).map(|_| None).collect(),
            len: 0,
            hasher: self.hasher,
        };
        for (k, v) in self.iter() {
            d.insert_new(k.into(), v.clone());
        }
        d
    }
}

impl<V> Drop for Dict<V> {
    /// Frees chains iteratively (a recursive drop of a long chain could
    /// overflow the stack).
    fn drop(&mut self) {
        for slot in self.table.iter_mut() {
            let mut link = slot.take();
            while let Some(mut node) = link {
                link = node.next.take();
            }
        }
    }
}

impl<V> std::fmt::Debug for Dict<V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dict")
            .field("len", &self.len)
            .field("buckets", &self.table.len())
            .finish()
    }
}

/// Iterator over a [`Dict`] in bucket order.
pub struct Iter<'a, V> {
    table: &'a [Link<V>],
    bucket: usize,
    node: Option<&'a Node<V>>,
    left: usize,
}

impl<'a, V> Iterator for Iter<'a, V> {
    type Item = (&'a [u8], &'a V);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(node) = self.node {
                self.node = node.next.as_deref();
                self.left -= 1;
                return Some((&node.key, &node.value));
            }
            let slot = self.table.get(self.bucket)?;
            self.bucket += 1;
            self.node = slot.as_deref();
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl<V> ExactSizeIterator for Iter<'_, V> {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{HashMap, HashSet};

    fn key(i: usize) -> Vec<u8> {
        format!("k{i}").into_bytes()
    }

    #[test]
    fn insert_get_remove_against_a_model() {
        let mut d = Dict::new();
        let mut model = HashMap::new();
        for step in 0..20_000u64 {
            let r = random_u64();
            let k = key((r % 700) as usize);
            match step % 3 {
                0 | 1 => assert_eq!(d.insert(&k, step), model.insert(k.clone(), step)),
                _ => assert_eq!(d.remove(&k), model.remove(&k)),
            }
            assert_eq!(d.len(), model.len());
        }
        for (k, v) in &model {
            assert_eq!(d.get(k), Some(v));
        }
        let seen: HashMap<Vec<u8>, u64> = d.iter().map(|(k, v)| (k.to_vec(), *v)).collect();
        assert_eq!(seen, model);
        assert_eq!(d.iter().len(), model.len());
    }

    #[test]
    fn grows_at_load_one_and_shrinks_below_a_tenth() {
        let mut d = Dict::new();
        assert_eq!(d.buckets(), 0);
        for i in 0..4 {
            d.insert(&key(i), ());
        }
        assert_eq!(d.buckets(), 4);
        d.insert(&key(4), ());
        assert_eq!(d.buckets(), 8);
        for i in 5..1000 {
            d.insert(&key(i), ());
        }
        assert_eq!(d.buckets(), 1024);
        for i in 0..950 {
            assert!(d.remove(&key(i)).is_some());
        }
        assert!(d.buckets() <= 512, "{}", d.buckets());
        assert!(d.len() * 10 >= d.buckets());
        for i in 950..1000 {
            assert!(d.contains(&key(i)));
        }
    }

    #[test]
    fn scan_returns_everything_once_without_changes() {
        let mut d = Dict::new();
        for i in 0..1000 {
            d.insert(&key(i), ());
        }
        let mut seen = Vec::new();
        let mut cursor = 0;
        loop {
            cursor = d.scan(cursor, |k, _| seen.push(k.to_vec()));
            if cursor == 0 {
                break;
            }
        }
        assert_eq!(seen.len(), 1000);
        assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 1000);
    }

    #[test]
    fn scan_survives_growth_and_shrinking_between_steps() {
        let mut d = Dict::new();
        for i in 0..300 {
            d.insert(&key(i), ());
        }
        let mut seen = HashSet::new();
        let mut cursor = 0;
        let mut step = 0;
        loop {
            cursor = d.scan(cursor, |k, _| {
                seen.insert(k.to_vec());
            });
            step += 1;
            // Grow a lot, then shrink a lot, while the stable keys stay.
            if step == 3 {
                for i in 10_000..14_000 {
                    d.insert(&key(i), ());
                }
            }
            if step == 40 {
                for i in 10_000..14_000 {
                    d.remove(&key(i));
                }
            }
            if cursor == 0 {
                break;
            }
        }
        for i in 0..300 {
            assert!(seen.contains(&key(i)), "missed {i}");
        }
    }

    #[test]
    fn random_is_roughly_uniform() {
        let mut d = Dict::new();
        for i in 0..50 {
            d.insert(&key(i), i);
        }
        let mut counts = [0u32; 50];
        for _ in 0..100_000 {
            let (_, v) = d.random().unwrap();
            counts[*v] += 1;
        }
        // Expected 2000 each.
        for (i, c) in counts.iter().enumerate() {
            assert!((1500..2500).contains(c), "element {i} drawn {c} times");
        }
        assert!(Dict::<()>::new().random().is_none());
    }

    #[test]
    fn clone_is_deep_and_equal() {
        let mut d = Dict::new();
        for i in 0..100 {
            d.insert(&key(i), i);
        }
        let c = d.clone();
        d.remove(&key(5));
        assert_eq!(c.len(), 100);
        assert_eq!(c.get(&key(5)), Some(&5));
        assert_eq!(d.get(&key(5)), None);
    }
}
