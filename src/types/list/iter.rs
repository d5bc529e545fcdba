//! Reading elements in order: [`Iter`] and the [`Item`] it yields.
//!
//! Reads take `&List` (a snapshot may share the list meanwhile), so a
//! compressed node is never expanded in place: the iterator expands it into
//! a buffer of its own, shared by the items read from that node.

use super::super::listpack::{decode, prev_start, Elem};
use super::node::{entry_offset, Lzf};
use super::List;
use std::rc::Rc;

/// An element read from a list: borrowed from a raw node, or an entry of
/// the expanded copy of a compressed node. [`Item::elem`] gives the element.
#[derive(Clone, Debug)]
pub enum Item<'a> {
    /// An element of a raw node.
    Elem(Elem<'a>),
    /// The entry at `off` among the entries of an expanded node.
    Inflated { node: Rc<[u8]>, off: usize },
}

impl Item<'_> {
    /// The element.
    #[inline]
    pub fn elem(&self) -> Elem<'_> {
        match self {
            Item::Elem(e) => *e,
            Item::Inflated { node, off } => decode(node, *off).0,
        }
    }

    /// The element's text.
    pub fn to_vec(&self) -> Vec<u8> {
        self.elem().to_vec()
    }
}

impl PartialEq for Item<'_> {
    fn eq(&self, other: &Item<'_>) -> bool {
        self.elem() == other.elem()
    }
}

impl PartialEq<Elem<'_>> for Item<'_> {
    fn eq(&self, other: &Elem<'_>) -> bool {
        self.elem() == *other
    }
}

/// The entries of a compressed node, expanded.
pub(super) fn expand(z: &Lzf) -> Rc<[u8]> {
    let mut buf = Vec::new();
    let entries = z.inflate_into(&mut buf);
    Rc::from(&buf[entries])
}

/// The entries of the node being read.
enum Entries<'a> {
    /// A raw node's, borrowed.
    Raw(&'a [u8]),
    /// A compressed node's, expanded.
    Inflated(Rc<[u8]>),
}

impl Entries<'_> {
    #[inline]
    fn len(&self) -> usize {
        match self {
            Entries::Raw(b) => b.len(),
            Entries::Inflated(b) => b.len(),
        }
    }
}

/// Elements in one direction (see [`List::iter`], [`List::iter_rev`]).
pub struct Iter<'a> {
    list: &'a List,
    node: usize,
    entries: Entries<'a>,
    /// Forward: start of the next entry. Backward: end of the next entry.
    off: usize,
    left: usize,
    rev: bool,
}

impl<'a> Iter<'a> {
    /// Reads `left` elements from `list` towards the tail (`rev`: the head),
    /// starting at element `local` of node `node` (`rev`: the element
    /// before it).
    pub(super) fn new(
        list: &'a List,
        node: usize,
        local: usize,
        left: usize,
        rev: bool,
    ) -> Iter<'a> {
        if left == 0 {
            return Iter {
                list,
                node: 0,
                entries: Entries::Raw(&[]),
                off: 0,
                left: 0,
                rev,
            };
        }
        let entries = Self::entries_of(list, node);
        let off = match &entries {
            Entries::Raw(b) => entry_offset(b, list.node_len(node), local),
            Entries::Inflated(b) => entry_offset(b, list.node_len(node), local),
        };
        Iter {
            list,
            node,
            entries,
            off,
            left,
            rev,
        }
    }

    fn entries_of(list: &'a List, node: usize) -> Entries<'a> {
        match list.node(node) {
            super::NodeRef::Raw(p) => Entries::Raw(&p.buf),
            super::NodeRef::Lzf(z) => Entries::Inflated(expand(z)),
        }
    }
}

impl<'a> Iterator for Iter<'a> {
    type Item = Item<'a>;

    #[inline]
    fn next(&mut self) -> Option<Item<'a>> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        if self.rev {
            while self.off == 0 {
                self.node -= 1;
                self.entries = Self::entries_of(self.list, self.node);
                self.off = self.entries.len();
            }
            match self.entries {
                Entries::Raw(b) => {
                    self.off = prev_start(b, self.off);
                    Some(Item::Elem(decode(b, self.off).0))
                }
                Entries::Inflated(ref b) => {
                    self.off = prev_start(b, self.off);
                    Some(Item::Inflated {
                        node: b.clone(),
                        off: self.off,
                    })
                }
            }
        } else {
            while self.off == self.entries.len() {
                self.node += 1;
                self.entries = Self::entries_of(self.list, self.node);
                self.off = 0;
            }
            match self.entries {
                Entries::Raw(b) => {
                    let (e, len) = decode(b, self.off);
                    self.off += len;
                    Some(Item::Elem(e))
                }
                Entries::Inflated(ref b) => {
                    let off = self.off;
                    self.off += decode(b, off).1;
                    Some(Item::Inflated {
                        node: b.clone(),
                        off,
                    })
                }
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for Iter<'_> {}
