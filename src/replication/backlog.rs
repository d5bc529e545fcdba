//! The replication backlog: the newest `size` bytes of the replication
//! stream in a circular buffer, so a follower that lost its link can be
//! served the bytes it missed (`PSYNC <replid> <offset>`, partial resync).
//!
//! Offsets follow Redis: byte N of the stream is the N-th byte ever produced
//! (1-based), `master_offset` is the count of bytes produced so far, and the
//! backlog holds bytes `first_offset() ..= master_offset` (`histlen` of them).
//! A PSYNC offset names the NEXT byte the follower wants, so the acceptable
//! range is `first_offset() ..= master_offset + 1`, the upper end meaning
//! "nothing missed".
//!
//! This is an exact ring (Redis <= 6.2 semantics): `histlen` never exceeds
//! `size`. Redis 7.0 trims its shared buffer by whole 16 KiB blocks, so its
//! INFO can report a histlen somewhat above `repl-backlog-size`; the two agree
//! until more than `size` bytes have been written.

/// The newest bytes of the replication stream and the stream's offset.
#[derive(Debug)]
pub(crate) struct Backlog {
    /// The ring; its length is the backlog size.
    buf: Vec<u8>,
    /// Where the next appended byte goes.
    write_pos: usize,
    /// How many bytes of the ring hold stream data (at most `buf.len()`).
    histlen: usize,
    /// Bytes of stream produced so far (Redis's master_repl_offset).
    master_offset: i64,
}

impl Backlog {
    /// An empty backlog of `size` bytes (at least 1) for a stream that has
    /// produced nothing yet.
    #[cfg(test)]
    pub(crate) fn new(size: usize) -> Backlog {
        Backlog::starting_at(size, 0)
    }

    /// An empty backlog of `size` bytes (at least 1) for a stream that has
    /// already produced `master_offset` bytes (e.g. a follower after a full
    /// sync at that offset): its first byte will be `master_offset + 1`.
    pub(crate) fn starting_at(size: usize, master_offset: i64) -> Backlog {
        assert!(size > 0, "a replication backlog needs at least one byte");
        Backlog {
            buf: vec![0; size],
            write_pos: 0,
            histlen: 0,
            master_offset,
        }
    }

    /// The capacity in bytes (repl_backlog_size).
    pub(crate) fn size(&self) -> usize {
        self.buf.len()
    }

    /// Bytes of stream produced so far (master_repl_offset).
    #[cfg(test)]
    pub(crate) fn master_offset(&self) -> i64 {
        self.master_offset
    }

    /// Bytes held (repl_backlog_histlen).
    pub(crate) fn histlen(&self) -> usize {
        self.histlen
    }

    /// Offset of the oldest byte held (repl_backlog_first_byte_offset); when
    /// nothing is held, the offset the next byte will get.
    pub(crate) fn first_offset(&self) -> i64 {
        self.master_offset - self.histlen as i64 + 1
    }

    /// Appends stream bytes, advancing the master offset by their length and
    /// dropping the oldest bytes that no longer fit.
    pub(crate) fn append(&mut self, data: &[u8]) {
        self.master_offset += data.len() as i64;
        let size = self.size();
        // Only the newest `size` bytes can survive.
        let kept = &data[data.len().saturating_sub(size)..];
        let mut rest = kept;
        while !rest.is_empty() {
            let room = size - self.write_pos;
            let n = rest.len().min(room);
            self.buf[self.write_pos..self.write_pos + n].copy_from_slice(&rest[..n]);
            self.write_pos = (self.write_pos + n) % size;
            rest = &rest[n..];
        }
        self.histlen = (self.histlen + kept.len()).min(size);
    }

    /// Changes the capacity to `size` bytes (at least 1), keeping the newest
    /// bytes that fit. The master offset is unchanged.
    pub(crate) fn resize(&mut self, size: usize) {
        assert!(size > 0, "a replication backlog needs at least one byte");
        let keep = self.histlen.min(size);
        let newest = self
            .read_from(self.master_offset - keep as i64 + 1)
            .map(|(a, b)| [a, b].concat())
            .unwrap_or_default();
        let mut buf = vec![0; size];
        buf[..keep].copy_from_slice(&newest);
        self.buf = buf;
        self.histlen = keep;
        self.write_pos = keep % size;
    }

    /// The bytes from stream offset `offset` (the next byte a follower wants)
    /// to the end, as two slices to send in order (the second empty unless
    /// the range wraps). None when `offset` is outside
    /// `first_offset() ..= master_offset() + 1`, which is when Redis answers
    /// PSYNC with a full resync ("lack of backlog"); `master_offset() + 1`
    /// gives two empty slices.
    pub(crate) fn read_from(&self, offset: i64) -> Option<(&[u8], &[u8])> {
        let first = self.first_offset();
        if offset < first || offset > self.master_offset + 1 {
            return None;
        }
        let skip = (offset - first) as usize;
        let len = self.histlen - skip;
        let size = self.size();
        let oldest = (self.write_pos + size - self.histlen) % size;
        let start = (oldest + skip) % size;
        if start + len <= size {
            Some((&self.buf[start..start + len], &[]))
        } else {
            Some((&self.buf[start..], &self.buf[..start + len - size]))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bytes `read_from(offset)` serves, joined.
    fn served(b: &Backlog, offset: i64) -> Option<Vec<u8>> {
        b.read_from(offset).map(|(x, y)| [x, y].concat())
    }

    /// Stream bytes `from..=to` as a recognisable pattern (byte k is k % 251).
    fn stream(from: i64, to: i64) -> Vec<u8> {
        (from..=to).map(|k| (k % 251) as u8).collect()
    }

    fn filled(size: usize, total: i64, chunk: usize) -> Backlog {
        let mut b = Backlog::new(size);
        let all = stream(1, total);
        for part in all.chunks(chunk) {
            b.append(part);
        }
        b
    }

    #[test]
    fn empty_backlog_reports_like_a_fresh_redis_one() {
        let b = Backlog::new(16);
        assert_eq!(b.master_offset(), 0);
        assert_eq!(b.histlen(), 0);
        assert_eq!(b.first_offset(), 1);
        assert_eq!(served(&b, 1), Some(vec![]));
        assert_eq!(served(&b, 0), None);
        assert_eq!(served(&b, 2), None);
    }

    #[test]
    fn starting_at_an_offset_serves_only_what_follows() {
        let mut b = Backlog::starting_at(16, 1000);
        assert_eq!(b.first_offset(), 1001);
        assert_eq!(served(&b, 1001), Some(vec![]));
        b.append(b"abc");
        assert_eq!(b.master_offset(), 1003);
        assert_eq!(b.first_offset(), 1001);
        assert_eq!(served(&b, 1001), Some(b"abc".to_vec()));
        assert_eq!(served(&b, 1003), Some(b"c".to_vec()));
        assert_eq!(served(&b, 1000), None);
    }

    #[test]
    fn boundaries_before_wrapping() {
        let b = filled(100, 40, 7);
        assert_eq!(
            (b.master_offset(), b.histlen(), b.first_offset()),
            (40, 40, 1)
        );
        assert_eq!(served(&b, 1), Some(stream(1, 40))); // the first byte
        assert_eq!(served(&b, 40), Some(stream(40, 40))); // the last byte
        assert_eq!(served(&b, 41), Some(vec![])); // one past the end
        assert_eq!(served(&b, 42), None); // beyond: full resync
        assert_eq!(served(&b, 0), None); // one before the first
        assert_eq!(served(&b, -1), None); // PSYNC ? -1
    }

    #[test]
    fn wrap_around_keeps_the_newest_bytes_in_order() {
        let b = filled(16, 100, 5);
        assert_eq!(
            (b.master_offset(), b.histlen(), b.first_offset()),
            (100, 16, 85)
        );
        assert_eq!(served(&b, 85), Some(stream(85, 100)));
        assert_eq!(served(&b, 84), None);
        assert_eq!(served(&b, 101), Some(vec![]));
        assert_eq!(served(&b, 102), None);
        for offset in 85..=101 {
            assert_eq!(
                served(&b, offset),
                Some(stream(offset, 100)),
                "offset {offset}"
            );
        }
        // The range really wraps in the ring here: two non-empty slices.
        let (head, tail) = b.read_from(85).unwrap();
        assert!(!head.is_empty() && !tail.is_empty());
    }

    #[test]
    fn every_chunking_gives_the_same_contents() {
        for chunk in 1..=20 {
            let b = filled(13, 57, chunk);
            assert_eq!(b.first_offset(), 45, "chunk {chunk}");
            assert_eq!(served(&b, 45), Some(stream(45, 57)), "chunk {chunk}");
        }
    }

    #[test]
    fn exactly_full_and_exact_multiple_appends() {
        let b = filled(10, 10, 10);
        assert_eq!((b.histlen(), b.first_offset()), (10, 1));
        assert_eq!(served(&b, 1), Some(stream(1, 10)));
        let b = filled(10, 30, 10);
        assert_eq!((b.histlen(), b.first_offset()), (10, 21));
        assert_eq!(served(&b, 21), Some(stream(21, 30)));
        assert_eq!(served(&b, 20), None);
    }

    #[test]
    fn an_append_larger_than_the_buffer_keeps_its_tail() {
        let mut b = Backlog::new(8);
        b.append(b"xy");
        b.append(&stream(3, 50));
        assert_eq!(
            (b.master_offset(), b.histlen(), b.first_offset()),
            (50, 8, 43)
        );
        assert_eq!(served(&b, 43), Some(stream(43, 50)));
        // A huge append starting mid-ring.
        b.append(&[7]);
        b.append(&stream(52, 1000));
        assert_eq!((b.master_offset(), b.first_offset()), (1000, 993));
        assert_eq!(served(&b, 993), Some(stream(993, 1000)));
    }

    #[test]
    fn resize_smaller_keeps_the_newest_bytes() {
        let mut b = filled(16, 100, 3);
        b.resize(5);
        assert_eq!(
            (b.size(), b.master_offset(), b.histlen(), b.first_offset()),
            (5, 100, 5, 96)
        );
        assert_eq!(served(&b, 96), Some(stream(96, 100)));
        assert_eq!(served(&b, 95), None);
        b.append(&stream(101, 103));
        assert_eq!(served(&b, 99), Some(stream(99, 103)));
        assert_eq!(served(&b, 98), None);
    }

    #[test]
    fn resize_larger_keeps_everything_and_grows_later() {
        let mut b = filled(8, 30, 4);
        b.resize(20);
        assert_eq!((b.size(), b.histlen(), b.first_offset()), (20, 8, 23));
        assert_eq!(served(&b, 23), Some(stream(23, 30)));
        b.append(&stream(31, 40));
        assert_eq!((b.histlen(), b.first_offset()), (18, 23));
        assert_eq!(served(&b, 23), Some(stream(23, 40)));
        b.append(&stream(41, 45));
        assert_eq!((b.histlen(), b.first_offset()), (20, 26));
        assert_eq!(served(&b, 26), Some(stream(26, 45)));
    }

    #[test]
    fn resize_of_a_partly_filled_backlog() {
        let mut b = filled(10, 4, 4);
        b.resize(3);
        assert_eq!((b.histlen(), b.first_offset()), (3, 2));
        assert_eq!(served(&b, 2), Some(stream(2, 4)));
        b.resize(50);
        assert_eq!((b.histlen(), b.first_offset()), (3, 2));
        b.append(&stream(5, 6));
        assert_eq!(served(&b, 2), Some(stream(2, 6)));
    }

    #[test]
    fn resize_of_an_empty_backlog() {
        let mut b = Backlog::starting_at(4, 9);
        b.resize(2);
        assert_eq!((b.histlen(), b.first_offset()), (0, 10));
        b.append(b"abc");
        assert_eq!(served(&b, 11), Some(b"bc".to_vec()));
    }
}
