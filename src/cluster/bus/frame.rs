//! Finding frames in the bytes read from a bus link: Redis reads 8 bytes
//! (signature + `totlen`), checks them, then reads up to `totlen`.

use super::header::{HEADER_LEN, SIGNATURE};
use super::wire::u32_at;
use super::BusError;

/// A cap for [`frame_status`]: PUBLISH frames carry a channel and a message
/// of up to proto-max-bulk-len (512 MiB by default) each; Redis itself has
/// no cap. Links that need less should pass less.
pub(crate) const DEFAULT_MAX_FRAME_LEN: usize = 1 << 30;

/// What the front of a receive buffer holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FrameStatus {
    /// Not a whole frame yet; read more.
    Incomplete,
    /// A whole frame of this many bytes is at the front.
    Frame(usize),
    /// The stream is not a bus stream (bad signature, `totlen` below the
    /// header or above the cap): close the link.
    Invalid(BusError),
}

/// Looks at the front of `buf`. Checks signature and `totlen` as soon as 8
/// bytes are there, so a bad stream is refused before its body is read and
/// a buffer never has to grow past `max_len` to hold one frame.
pub(crate) fn frame_status(buf: &[u8], max_len: usize) -> FrameStatus {
    if buf.len() < 8 {
        // A wrong signature is already visible in fewer bytes.
        let seen = buf.len().min(4);
        if buf[..seen] != SIGNATURE[..seen] {
            return FrameStatus::Invalid(BusError::BadSignature);
        }
        return FrameStatus::Incomplete;
    }
    if &buf[..4] != SIGNATURE {
        return FrameStatus::Invalid(BusError::BadSignature);
    }
    let totlen = u32_at(buf, 4) as usize;
    if totlen < HEADER_LEN {
        return FrameStatus::Invalid(BusError::TooShort {
            totlen: totlen as u64,
        });
    }
    if totlen > max_len {
        return FrameStatus::Invalid(BusError::TooLong {
            totlen: totlen as u64,
            max: max_len,
        });
    }
    if buf.len() < totlen {
        FrameStatus::Incomplete
    } else {
        FrameStatus::Frame(totlen)
    }
}

/// A receive buffer for one link: push what the socket gave, take whole
/// frames out. Holds at most one partial frame (≤ `max_len`) plus the last
/// pushed chunk.
#[derive(Debug)]
pub(crate) struct FrameReader {
    buf: Vec<u8>,
    start: usize,
    max_len: usize,
}

impl FrameReader {
    /// An empty reader refusing frames longer than `max_len`.
    pub(crate) fn new(max_len: usize) -> Self {
        FrameReader {
            buf: Vec::new(),
            start: 0,
            max_len,
        }
    }

    /// Appends bytes read from the link.
    pub(crate) fn push(&mut self, bytes: &[u8]) {
        if self.start > 0 && self.start == self.buf.len() {
            self.buf.clear();
            self.start = 0;
        }
        self.buf.extend_from_slice(bytes);
    }

    /// The next whole frame, `Ok(None)` when more bytes are needed, or the
    /// error that means the link must close (the reader is then useless).
    pub(crate) fn next_frame(&mut self) -> Result<Option<&[u8]>, BusError> {
        if self.start > 0 && self.start * 2 >= self.buf.len() {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        match frame_status(&self.buf[self.start..], self.max_len) {
            FrameStatus::Incomplete => Ok(None),
            FrameStatus::Invalid(e) => Err(e),
            FrameStatus::Frame(len) => {
                let frame = &self.buf[self.start..self.start + len];
                self.start += len;
                Ok(Some(frame))
            }
        }
    }

    /// Bytes held that are not yet returned as frames.
    pub(crate) fn pending(&self) -> usize {
        self.buf.len() - self.start
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame_head(totlen: u32) -> Vec<u8> {
        let mut v = b"RCmb".to_vec();
        v.extend_from_slice(&totlen.to_be_bytes());
        v
    }

    #[test]
    fn status_checks_signature_and_length_early() {
        assert_eq!(frame_status(b"", 100_000), FrameStatus::Incomplete);
        assert_eq!(frame_status(b"RC", 100_000), FrameStatus::Incomplete);
        assert!(matches!(
            frame_status(b"RX", 100_000),
            FrameStatus::Invalid(BusError::BadSignature)
        ));
        assert!(matches!(
            frame_status(&frame_head(2255), 100_000),
            FrameStatus::Invalid(BusError::TooShort { totlen: 2255 })
        ));
        assert!(matches!(
            frame_status(&frame_head(u32::MAX), 100_000),
            FrameStatus::Invalid(BusError::TooLong { .. })
        ));
        assert_eq!(
            frame_status(&frame_head(2256), 100_000),
            FrameStatus::Incomplete
        );
        let mut whole = frame_head(2256);
        whole.resize(2256 + 5, 0);
        assert_eq!(frame_status(&whole, 100_000), FrameStatus::Frame(2256));
    }

    #[test]
    fn reader_returns_frames_across_pushes() {
        let mut one = frame_head(2256);
        one.resize(2256, 7);
        let stream = [one.clone(), one.clone()].concat();
        let mut reader = FrameReader::new(10_000);
        let mut got = 0;
        for chunk in stream.chunks(1000) {
            reader.push(chunk);
            while let Some(frame) = reader.next_frame().unwrap() {
                assert_eq!(frame, &one[..]);
                got += 1;
            }
        }
        assert_eq!((got, reader.pending()), (2, 0));
    }
}
