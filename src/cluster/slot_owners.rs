//! Which node serves each of the 16384 slots, compact enough to stay in
//! cache: routing reads it for every command, and a table of 16384
//! `Option<NodeId>` (41 bytes each, 672 KB) cost a cache miss per command.
//! Each slot holds a 2-byte index into the short list of owner ids.

use super::node::NodeId;
use crate::store::slot::SLOTS;

/// The owner of each slot (none, or a node id).
#[derive(Clone, Debug)]
pub(crate) struct SlotOwners {
    /// The ids slots point at (index + 1 in `table`); ids are only added.
    ids: Vec<NodeId>,
    /// Per slot: 0 for no owner, else 1 + an index into `ids`.
    table: Vec<u16>,
}

impl SlotOwners {
    /// Every slot unassigned.
    pub(crate) fn new() -> SlotOwners {
        SlotOwners {
            ids: Vec::new(),
            table: vec![0; SLOTS],
        }
    }

    /// The owner of `slot`.
    #[inline]
    pub(crate) fn get(&self, slot: usize) -> Option<NodeId> {
        match self.table[slot] {
            0 => None,
            n => Some(self.ids[n as usize - 1]),
        }
    }

    /// Makes `id` (or nobody) the owner of `slot`.
    pub(crate) fn set(&mut self, slot: usize, owner: Option<NodeId>) {
        self.table[slot] = match owner {
            None => 0,
            Some(id) => self.index_of(id),
        };
    }

    /// Every slot's owner, in slot order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = Option<NodeId>> + '_ {
        self.table.iter().map(|&n| match n {
            0 => None,
            n => Some(self.ids[n as usize - 1]),
        })
    }

    /// Node `old` is now called `new` (a handshake, CLUSTER RESET HARD).
    pub(crate) fn rename(&mut self, old: &NodeId, new: NodeId) {
        for id in self.ids.iter_mut().filter(|id| **id == *old) {
            *id = new;
        }
    }

    /// Unassigns every slot `id` serves.
    pub(crate) fn clear_node(&mut self, id: &NodeId) {
        for n in self.table.iter_mut() {
            if *n != 0 && self.ids[*n as usize - 1] == *id {
                *n = 0;
            }
        }
    }

    /// `id`'s table value, adding it to the owner list when new.
    fn index_of(&mut self, id: NodeId) -> u16 {
        let at = match self.ids.iter().position(|known| *known == id) {
            Some(at) => at,
            None => {
                self.ids.push(id);
                self.ids.len() - 1
            }
        };
        u16::try_from(at + 1).expect("fewer than 65535 slot owners")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owners_are_set_renamed_and_cleared() {
        let (a, b, c) = (NodeId::random(), NodeId::random(), NodeId::random());
        let mut o = SlotOwners::new();
        assert_eq!(o.get(0), None);
        o.set(0, Some(a));
        o.set(16383, Some(b));
        o.set(5, Some(a));
        assert_eq!(
            (o.get(0), o.get(5), o.get(16383)),
            (Some(a), Some(a), Some(b))
        );
        o.rename(&a, c);
        assert_eq!((o.get(0), o.get(5)), (Some(c), Some(c)));
        o.clear_node(&c);
        assert_eq!((o.get(0), o.get(5), o.get(16383)), (None, None, Some(b)));
        o.set(16383, None);
        assert!(o.iter().all(|owner| owner.is_none()));
    }
}
