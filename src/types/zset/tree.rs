//! The counted B+tree of arena ids behind the skiplist encoding.

use super::big::{vec_heap_bytes, Elem};

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
pub(super) struct Tree {
    nodes: Vec<Node>,
    free: Vec<u32>,
    root: u32,
    /// 0 while the root is a leaf.
    height: u32,
    pub(super) len: usize,
}

impl Tree {
    /// Estimated heap bytes of the node pool, its free list and every node.
    pub(super) fn heap_size(&self) -> usize {
        let nodes: usize = self
            .nodes
            .iter()
            .map(|n| match n {
                Node::Leaf(ids) => vec_heap_bytes(ids.capacity(), 4),
                Node::Inner(children) => {
                    vec_heap_bytes(children.capacity(), std::mem::size_of::<Child>())
                }
                Node::Free => 0,
            })
            .sum();
        vec_heap_bytes(self.nodes.capacity(), std::mem::size_of::<Node>())
            + vec_heap_bytes(self.free.capacity(), 4)
            + nodes
    }

    pub(super) fn new() -> Tree {
        Tree {
            nodes: vec![Node::Leaf(Vec::new())],
            free: Vec::new(),
            root: 0,
            height: 0,
            len: 0,
        }
    }

    /// A tree over `ids`, already in order; leaves about 3/4 full. O(n).
    pub(super) fn build(ids: &[u32]) -> Tree {
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
    pub(super) fn count_before(&self, elems: &[Elem], pred: impl Fn(&Elem) -> bool) -> usize {
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
    pub(super) fn select(&self, mut rank: usize) -> u32 {
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
    pub(super) fn insert(&mut self, elems: &[Elem], id: u32) {
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
    pub(super) fn remove(&mut self, elems: &[Elem], id: u32) {
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
    pub(super) fn visit(&self, start: usize, end: usize, rev: bool, f: &mut dyn FnMut(u32)) {
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
    pub(super) fn check(&self, elems: &[Elem]) {
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
