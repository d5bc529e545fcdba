//! LZF compression in liblzf's format, as Redis uses it for RDB strings
//! (`rdbcompression yes`).
//!
//! The compressed stream is a sequence of items, each opening with a
//! control byte `c`:
//!
//! * `c < 32`: a literal run; the next `c + 1` bytes are copied as they are;
//! * otherwise a back reference: `len = c >> 5` (when 7, add the next byte),
//!   then one more byte: copy `len + 2` bytes starting
//!   `((c & 31) << 8 | byte) + 1` bytes back in the output. The copy may
//!   overlap what it produces (a run of one byte repeated).
//!
//! The compressor here is our own greedy matcher over a hash table of
//! 3-byte sequences; any valid stream decompresses with liblzf, and the
//! decompressor reads any stream liblzf writes.

/// Longest literal run one control byte announces.
const MAX_LITERAL: usize = 32;
/// Farthest a back reference reaches (13 bits of offset, minus one).
const MAX_OFFSET: usize = 1 << 13;
/// Longest back reference: 7 + 255 in the length fields, plus 2.
const MAX_MATCH: usize = (1 << 8) + (1 << 3);
/// Most output bytes one input byte can stand for (a 3-byte reference to a
/// 264-byte match): bounds the length a decompression may claim.
pub const MAX_EXPANSION: usize = MAX_MATCH / 3;
/// log2 of the hash table size.
const HASH_BITS: u32 = 14;

/// A reusable compressor: its hash table is allocated once and never
/// cleared. Each table slot holds `base + position + 1`; positions of an
/// earlier input are at or below the current `base`, so they are ignored.
pub struct Compressor {
    table: Vec<u64>,
    base: u64,
}

impl Default for Compressor {
    fn default() -> Self {
        Compressor {
            table: vec![0; 1 << HASH_BITS],
            base: 0,
        }
    }
}

/// Hash of the three bytes at `p`.
#[inline]
fn hash3(input: &[u8], p: usize) -> usize {
    let v = u32::from(input[p]) << 16 | u32::from(input[p + 1]) << 8 | u32::from(input[p + 2]);
    (v.wrapping_mul(0x9E37_79B1) >> (32 - HASH_BITS)) as usize
}

impl Compressor {
    /// Compresses `input` into `out` (cleared first). Returns false, leaving
    /// `out` unspecified, when the result would be longer than `max_len`
    /// bytes or `input` is empty (liblzf's `lzf_compress` returning 0).
    pub fn compress(&mut self, input: &[u8], out: &mut Vec<u8>, max_len: usize) -> bool {
        out.clear();
        let n = input.len();
        if n == 0 {
            return false;
        }
        let base = self.base;
        self.base += n as u64 + 1;
        // The control byte of the literal run being built sits at `lit_at`.
        let mut lit_at = 0;
        let mut lit = 0usize;
        out.push(0);
        let mut ip = 0;
        while ip < n {
            if let Some((len, off)) = self.find_match(input, ip, base) {
                if lit == 0 {
                    out.pop();
                } else {
                    out[lit_at] = (lit - 1) as u8;
                }
                let code = len - 2;
                if code < 7 {
                    out.push((code << 5 | off >> 8) as u8);
                } else {
                    out.push((7 << 5 | off >> 8) as u8);
                    out.push((code - 7) as u8);
                }
                out.push(off as u8);
                // Remember the positions inside the match for later ones.
                for p in ip + 1..(ip + len).min(n.saturating_sub(2)) {
                    self.table[hash3(input, p)] = base + p as u64 + 1;
                }
                ip += len;
                lit_at = out.len();
                out.push(0);
                lit = 0;
            } else {
                out.push(input[ip]);
                lit += 1;
                ip += 1;
                if lit == MAX_LITERAL {
                    out[lit_at] = (MAX_LITERAL - 1) as u8;
                    lit_at = out.len();
                    out.push(0);
                    lit = 0;
                }
            }
            // The pending control byte may yet be dropped: allow one more.
            if out.len() > max_len + 1 {
                return false;
            }
        }
        if lit == 0 {
            out.pop();
        } else {
            out[lit_at] = (lit - 1) as u8;
        }
        out.len() <= max_len
    }

    /// The longest earlier match of the bytes at `ip` the table knows, as
    /// (length, offset - 1); records `ip` in the table.
    #[inline]
    fn find_match(&mut self, input: &[u8], ip: usize, base: u64) -> Option<(usize, usize)> {
        if ip + 2 >= input.len() {
            return None;
        }
        let h = hash3(input, ip);
        let seen = std::mem::replace(&mut self.table[h], base + ip as u64 + 1);
        if seen <= base {
            return None;
        }
        let r = (seen - base - 1) as usize;
        let off = ip - r - 1;
        if off >= MAX_OFFSET || input[r..r + 3] != input[ip..ip + 3] {
            return None;
        }
        let max = (input.len() - ip).min(MAX_MATCH);
        let mut len = 3;
        while len < max && input[r + len] == input[ip + len] {
            len += 1;
        }
        Some((len, off))
    }
}

/// Compresses `input` when the result fits in `max_len` bytes (a one-shot
/// [`Compressor`]).
#[cfg(test)]
fn compress(input: &[u8], max_len: usize) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    Compressor::default()
        .compress(input, &mut out, max_len)
        .then_some(out)
}

/// Why a compressed stream was refused, and where in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LzfError {
    /// Offset in the compressed input.
    pub position: usize,
    /// What was wrong.
    pub message: &'static str,
}

impl std::fmt::Display for LzfError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} at compressed byte {}", self.message, self.position)
    }
}

/// Decompresses `input`, which must expand to exactly `out_len` bytes, into
/// `out` (cleared first). Never reads or writes out of bounds and never
/// allocates more than `input.len() * MAX_EXPANSION` bytes, whatever
/// `out_len` claims.
pub fn decompress(input: &[u8], out_len: usize, out: &mut Vec<u8>) -> Result<(), LzfError> {
    out.clear();
    let err = |position, message| Err(LzfError { position, message });
    if out_len > input.len().saturating_mul(MAX_EXPANSION) {
        return err(0, "claimed length is more than LZF can expand to");
    }
    out.reserve(out_len);
    let mut ip = 0;
    while ip < input.len() {
        let at = ip;
        let ctrl = input[ip] as usize;
        ip += 1;
        if ctrl < MAX_LITERAL {
            let run = ctrl + 1;
            let Some(bytes) = input.get(ip..ip + run) else {
                return err(at, "literal run past the end of the input");
            };
            if out.len() + run > out_len {
                return err(at, "output longer than claimed");
            }
            out.extend_from_slice(bytes);
            ip += run;
        } else {
            let mut len = ctrl >> 5;
            if len == 7 {
                let Some(&extra) = input.get(ip) else {
                    return err(at, "back reference cut short");
                };
                len += extra as usize;
                ip += 1;
            }
            let Some(&low) = input.get(ip) else {
                return err(at, "back reference cut short");
            };
            ip += 1;
            let back = ((ctrl & 0x1F) << 8 | low as usize) + 1;
            len += 2;
            if back > out.len() {
                return err(at, "back reference before the start of the output");
            }
            if out.len() + len > out_len {
                return err(at, "output longer than claimed");
            }
            let from = out.len() - back;
            if back >= len {
                out.extend_from_within(from..from + len);
            } else {
                for i in 0..len {
                    out.push(out[from + i]);
                }
            }
        }
    }
    if out.len() != out_len {
        return err(input.len(), "output shorter than claimed");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(data: &[u8]) -> Option<usize> {
        let packed = compress(data, data.len())?;
        let mut back = Vec::new();
        decompress(&packed, data.len(), &mut back).unwrap();
        assert_eq!(back, data);
        Some(packed.len())
    }

    use crate::test_rng::Rng;

    #[test]
    fn repetitive_data_shrinks_and_round_trips() {
        let data = b"abcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabc".repeat(100);
        let n = round_trip(&data).unwrap();
        assert!(n < data.len() / 20, "{n}");
        // Long runs of one byte: overlapping references.
        assert!(round_trip(&[b'x'; 100_000]).unwrap() < 1500);
        // Matches reaching the end of the input, and the longest match.
        round_trip(&[7u8; 267]).unwrap();
        round_trip(&b"0123456789".repeat(27)).unwrap();
    }

    #[test]
    fn random_data_round_trips_or_is_refused() {
        let mut rng = Rng(0x1234_5678_9ABC_DEF1);
        for round in 0..300 {
            let len = (rng.next() % 3000) as usize;
            // Low alphabets compress, full-range bytes mostly do not.
            let alphabet = [2, 4, 16, 256][round % 4];
            let data: Vec<u8> = (0..len).map(|_| (rng.next() % alphabet) as u8).collect();
            let mut c = Compressor::default();
            let mut out = Vec::new();
            if c.compress(&data, &mut out, data.len() + data.len() / 32 + 1) {
                let mut back = Vec::new();
                decompress(&out, data.len(), &mut back).unwrap();
                assert_eq!(back, data);
            } else {
                assert!(data.is_empty());
            }
        }
    }

    #[test]
    fn one_compressor_serves_many_inputs() {
        let mut c = Compressor::default();
        let mut out = Vec::new();
        let inputs: Vec<Vec<u8>> = (0..50)
            .map(|i| format!("value number {i} value number {i} value").into_bytes())
            .collect();
        for data in &inputs {
            assert!(c.compress(data, &mut out, data.len()));
            let mut back = Vec::new();
            decompress(&out, data.len(), &mut back).unwrap();
            assert_eq!(&back, data);
        }
    }

    #[test]
    fn incompressible_or_empty_input_is_refused() {
        let mut rng = Rng(77);
        let data: Vec<u8> = (0..1000).map(|_| rng.next() as u8).collect();
        assert!(compress(&data, data.len() - 4).is_none());
        assert!(compress(b"", 10).is_none());
        // All literals fit when the room allows one control byte per 32.
        assert!(compress(&data, data.len() + 32).is_some());
    }

    /// What redis-server 7.0.15 wrote for `SET k <"abcdefghij" x 5>` with
    /// rdbcompression yes (the LZF payload of the string in its dump.rdb).
    #[test]
    fn decompresses_what_redis_wrote() {
        let packed: &[u8] = &[
            0x0a, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x61, 0xe0, 0x1c,
            0x09, 0x01, 0x69, 0x6a,
        ];
        let mut out = Vec::new();
        decompress(packed, 50, &mut out).unwrap();
        assert_eq!(out, b"abcdefghij".repeat(5));
    }

    #[test]
    fn corrupt_streams_are_refused_with_a_position() {
        let mut out = Vec::new();
        // A back reference before any output.
        let e = decompress(&[0x20, 0x00], 3, &mut out).unwrap_err();
        assert_eq!(e.position, 0);
        // A literal run cut short.
        assert!(decompress(&[0x05, b'a'], 6, &mut out).is_err());
        // More output than claimed, and less.
        assert!(decompress(&[0x02, b'a', b'b', b'c'], 2, &mut out).is_err());
        let e = decompress(&[0x00, b'a'], 2, &mut out).unwrap_err();
        assert_eq!(e.position, 2);
        // A reference cut short after its control byte.
        assert!(decompress(&[0x00, b'a', 0xE0], 20, &mut out).is_err());
        // An absurd claimed length allocates nothing.
        assert!(decompress(&[0x00, b'a'], usize::MAX, &mut out).is_err());
    }

    #[test]
    fn random_garbage_never_panics() {
        let mut rng = Rng(99);
        let mut out = Vec::new();
        for _ in 0..20_000 {
            let len = (rng.next() % 40) as usize;
            let data: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
            let claimed = (rng.next() % 2000) as usize;
            if decompress(&data, claimed, &mut out).is_ok() {
                assert_eq!(out.len(), claimed);
            }
        }
    }
}
