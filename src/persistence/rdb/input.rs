//! The reader's side of the file: a buffered byte stream that knows its
//! offset and the CRC-64 of everything consumed, and RDB's primitive
//! encodings on top (lengths, strings, doubles).
//!
//! Nothing here allocates from a length prefix: bytes are appended as they
//! arrive, so a length that claims more than the file holds costs only what
//! the file holds before the "unexpected end of file" error.

use super::{len, RdbError};
use crate::numbers::{format_i64, parse_score};
use crate::persistence::lzf;
use std::io::Read;

/// Result of reading the file.
pub(super) type Result<T> = std::result::Result<T, RdbError>;

/// Bytes read from the source at a time.
const CHUNK: usize = 64 * 1024;

/// An error at file offset `offset`.
pub(super) fn error<T>(offset: u64, message: impl Into<String>) -> Result<T> {
    Err(RdbError {
        offset,
        message: message.into(),
    })
}

/// The file being read.
pub(super) struct Input<R> {
    inner: R,
    buf: Box<[u8]>,
    /// Next byte to consume.
    pos: usize,
    /// End of the valid bytes in `buf`.
    end: usize,
    /// File offset of `buf[0]`.
    base: u64,
    /// `buf[..crc_from]` is already in `crc`.
    crc_from: usize,
    crc: u64,
    /// Compressed bytes of an LZF string.
    packed: Vec<u8>,
}

impl<R: Read> Input<R> {
    /// Reads `inner` from its current position, which is offset 0.
    pub fn new(inner: R) -> Input<R> {
        Input {
            inner,
            buf: vec![0; CHUNK].into_boxed_slice(),
            pos: 0,
            end: 0,
            base: 0,
            crc_from: 0,
            crc: 0,
            packed: Vec::new(),
        }
    }

    /// Offset of the next byte.
    #[inline]
    pub fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    /// The CRC-64 of every byte consumed so far.
    pub fn checksum(&mut self) -> u64 {
        self.crc = crc64::crc64(self.crc, &self.buf[self.crc_from..self.pos]);
        self.crc_from = self.pos;
        self.crc
    }

    /// Refills the buffer once it is all consumed; errors at end of file.
    #[cold]
    fn refill(&mut self) -> Result<()> {
        debug_assert_eq!(self.pos, self.end);
        self.checksum();
        self.base += self.end as u64;
        self.pos = 0;
        self.end = 0;
        self.crc_from = 0;
        loop {
            match self.inner.read(&mut self.buf) {
                Ok(0) => return error(self.base, "unexpected end of file (truncated?)"),
                Ok(n) => {
                    self.end = n;
                    return Ok(());
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return error(self.base, format!("read error: {e}")),
            }
        }
    }

    /// The next byte.
    #[inline]
    pub fn byte(&mut self) -> Result<u8> {
        if self.pos == self.end {
            self.refill()?;
        }
        let b = self.buf[self.pos];
        self.pos += 1;
        Ok(b)
    }

    /// The next `N` bytes.
    #[inline]
    pub fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut out = [0u8; N];
        if self.end - self.pos >= N {
            out.copy_from_slice(&self.buf[self.pos..self.pos + N]);
            self.pos += N;
        } else {
            for b in &mut out {
                *b = self.byte()?;
            }
        }
        Ok(out)
    }

    /// Appends the next `n` bytes to `out`.
    pub fn take_into(&mut self, mut n: u64, out: &mut Vec<u8>) -> Result<()> {
        while n > 0 {
            if self.pos == self.end {
                self.refill()?;
            }
            let k = (self.end - self.pos).min(usize::try_from(n).unwrap_or(usize::MAX));
            out.extend_from_slice(&self.buf[self.pos..self.pos + k]);
            self.pos += k;
            n -= k as u64;
        }
        Ok(())
    }

    /// A length, or the special string encoding that stands in its place
    /// (`true` with the encoding number).
    fn length_or_encoding(&mut self) -> Result<(u64, bool)> {
        let at = self.offset();
        let b = self.byte()?;
        match b >> 6 {
            len::BITS_6 => Ok(((b & 0x3F) as u64, false)),
            len::BITS_14 => Ok(((((b & 0x3F) as u64) << 8) | self.byte()? as u64, false)),
            len::ENCODED => Ok(((b & 0x3F) as u64, true)),
            _ => match b {
                len::BITS_32 => Ok((u32::from_be_bytes(self.array()?) as u64, false)),
                len::BITS_64 => Ok((u64::from_be_bytes(self.array()?), false)),
                _ => error(at, format!("unknown length encoding {b:#04x}")),
            },
        }
    }

    /// A length (a count or a size).
    pub fn length(&mut self) -> Result<u64> {
        let at = self.offset();
        match self.length_or_encoding()? {
            (n, false) => Ok(n),
            (_, true) => error(at, "a string encoding where a length belongs"),
        }
    }

    /// A string, into `out` (cleared first): raw, an INT8/16/32 integer (as
    /// its decimal text), or LZF-compressed.
    pub fn string_into(&mut self, out: &mut Vec<u8>) -> Result<()> {
        out.clear();
        let at = self.offset();
        let (n, encoded) = self.length_or_encoding()?;
        if !encoded {
            return self.take_into(n, out);
        }
        let v = match n as u8 {
            len::ENC_INT8 => self.byte()? as i8 as i64,
            len::ENC_INT16 => i16::from_le_bytes(self.array()?) as i64,
            len::ENC_INT32 => i32::from_le_bytes(self.array()?) as i64,
            len::ENC_LZF => return self.lzf_into(out),
            other => return error(at, format!("unknown string encoding {other}")),
        };
        let mut tmp = [0u8; 20];
        out.extend_from_slice(format_i64(v, &mut tmp));
        Ok(())
    }

    /// The rest of an LZF string: compressed and original lengths, data.
    fn lzf_into(&mut self, out: &mut Vec<u8>) -> Result<()> {
        let packed_len = self.length()?;
        let len_at = self.offset();
        let plain_len = self.length()?;
        let Ok(plain_len) = usize::try_from(plain_len) else {
            return error(len_at, "LZF string length too large");
        };
        let data_at = self.offset();
        let mut packed = std::mem::take(&mut self.packed);
        packed.clear();
        let taken = self.take_into(packed_len, &mut packed);
        let done = taken.and_then(|_| {
            lzf::decompress(&packed, plain_len, out).or_else(|e| {
                error(
                    data_at + e.position as u64,
                    format!("bad LZF string: {}", e.message),
                )
            })
        });
        self.packed = packed;
        done
    }

    /// A double in the old text form: a length byte (253 nan, 254 inf,
    /// 255 -inf) and that many bytes of text.
    pub fn text_double(&mut self, text: &mut Vec<u8>) -> Result<f64> {
        let at = self.offset();
        match self.byte()? {
            253 => Ok(f64::NAN),
            254 => Ok(f64::INFINITY),
            255 => Ok(f64::NEG_INFINITY),
            n => {
                text.clear();
                self.take_into(n as u64, text)?;
                match parse_score(text) {
                    Some(v) => Ok(v),
                    None => error(at, "bad double value"),
                }
            }
        }
    }

    /// A double in binary form (8 bytes LE).
    pub fn binary_double(&mut self) -> Result<f64> {
        Ok(f64::from_le_bytes(self.array()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(bytes: &[u8]) -> Input<&[u8]> {
        Input::new(bytes)
    }

    #[test]
    fn lengths_in_every_encoding() {
        let mut i = input(&[
            0x3F, 0x41, 0x00, 0x80, 0, 1, 0, 0, 0x81, 0, 0, 0, 1, 0, 0, 0, 0,
        ]);
        assert_eq!(i.length(), Ok(63));
        assert_eq!(i.length(), Ok(256));
        assert_eq!(i.length(), Ok(65536));
        assert_eq!(i.length(), Ok(1 << 32));
        assert_eq!(i.offset(), 17);
        let e = i.length().unwrap_err();
        assert_eq!(e.offset, 17);
        assert!(e.message.contains("end of file"), "{e}");
        assert!(input(&[0x82])
            .length()
            .unwrap_err()
            .message
            .contains("length encoding"));
        assert!(input(&[0xC0, 1]).length().is_err());
    }

    #[test]
    fn strings_raw_integer_and_lzf() {
        let mut out = Vec::new();
        input(&[3, b'a', b'b', b'c']).string_into(&mut out).unwrap();
        assert_eq!(out, b"abc");
        input(&[0xC0, 0xFB]).string_into(&mut out).unwrap();
        assert_eq!(out, b"-5");
        input(&[0xC1, 0x39, 0x30]).string_into(&mut out).unwrap();
        assert_eq!(out, b"12345");
        input(&[0xC2, 0xFF, 0xFF, 0xFF, 0x7F])
            .string_into(&mut out)
            .unwrap();
        assert_eq!(out, b"2147483647");
        // LZF: compressed length 5, original 6: literal "ab", then "abab".
        input(&[0xC3, 5, 6, 0x01, b'a', b'b', 0x40, 0x01])
            .string_into(&mut out)
            .unwrap();
        assert_eq!(out, b"ababab");
        let e = input(&[0xC3, 2, 6, 0x40, 0x01])
            .string_into(&mut out)
            .unwrap_err();
        assert_eq!(e.offset, 3);
        assert!(e.message.contains("LZF"), "{e}");
        assert!(input(&[0xC4]).string_into(&mut out).is_err());
    }

    #[test]
    fn a_huge_length_allocates_only_what_arrives() {
        let mut out = Vec::new();
        let e = input(&[0x81, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, b'x'])
            .string_into(&mut out)
            .unwrap_err();
        assert_eq!(e.offset, 10);
        assert!(out.capacity() < 1024);
        let e = input(&[
            0xC3, 2, 0x81, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, b'a',
        ])
        .string_into(&mut out)
        .unwrap_err();
        assert!(e.message.contains("expand"), "{e}");
    }

    #[test]
    fn checksum_covers_consumed_bytes_across_refills() {
        let data: Vec<u8> = (0..200_000u32).map(|i| (i * 7) as u8).collect();
        let mut i = input(&data);
        let mut sink = Vec::new();
        i.take_into(150_001, &mut sink).unwrap();
        assert_eq!(i.checksum(), crc64::crc64(0, &data[..150_001]));
        i.byte().unwrap();
        assert_eq!(i.checksum(), crc64::crc64(0, &data[..150_002]));
        assert_eq!(i.offset(), 150_002);
    }

    #[test]
    fn doubles_text_and_binary() {
        let mut t = Vec::new();
        assert_eq!(input(&[254]).text_double(&mut t), Ok(f64::INFINITY));
        assert_eq!(input(&[255]).text_double(&mut t), Ok(f64::NEG_INFINITY));
        assert!(input(&[253]).text_double(&mut t).unwrap().is_nan());
        assert_eq!(input(&[3, b'1', b'.', b'5']).text_double(&mut t), Ok(1.5));
        assert!(input(&[2, b'x', b'y']).text_double(&mut t).is_err());
        assert_eq!(input(&2.5f64.to_le_bytes()).binary_double(), Ok(2.5));
    }
}
