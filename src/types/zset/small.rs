//! The listpack encoding of a sorted set: one sorted buffer.

use super::*;

/// The listpack encoding: `[score: f64 LE][len: varint][member]` entries in
/// (score, member) order, in one exactly-sized buffer.
#[derive(Clone, Debug, Default)]
pub struct Small {
    pub(super) buf: Vec<u8>,
    pub(super) len: u32,
}

/// Walks a listpack: yields (entry offset, score, member).
pub(super) struct SmallIter<'a> {
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
    pub(super) fn iter(&self) -> SmallIter<'_> {
        SmallIter {
            buf: &self.buf,
            pos: 0,
        }
    }

    /// (offset, score, rank) of `member`.
    pub(super) fn find(&self, member: &[u8]) -> Option<(usize, f64, usize)> {
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
    pub(super) fn insert(&mut self, score: f64, member: &[u8]) {
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
    pub(super) fn push(&mut self, score: f64, member: &[u8]) {
        let entry = Self::encode(score, member);
        self.buf.reserve_exact(entry.len());
        self.buf.extend_from_slice(&entry);
        self.len += 1;
    }

    /// Removes the entry at byte offset `pos`.
    pub(super) fn remove_at(&mut self, pos: usize) {
        let (len, n) = read_varint(&self.buf[pos + 8..]);
        self.buf.drain(pos..pos + 8 + n + len);
        self.len -= 1;
        self.shrink();
    }

    /// Removes the entries of ranks `[start, end)`.
    pub(super) fn remove_ranks(&mut self, start: usize, end: usize) {
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
