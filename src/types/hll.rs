//! HyperLogLog on plain string values, in Redis's exact representation
//! (hyperloglog.c), so that a value written by redis-server works here and the
//! other way round, and the same PFADDs produce the same bytes.
//!
//! ```text
//! [ "HYLL" ][enc:1][unused:3][cached cardinality:8 LE, MSB of byte 7 = stale][registers]
//! ```
//!
//! - 2^14 registers of 6 bits, fed by MurmurHash64A (seed `0xadc83b19`): the
//!   low 14 bits of the hash pick the register, the run of zeros above them
//!   (plus one) is the value.
//! - Dense (enc 0): 16384 × 6 bits packed little endian (12288 bytes).
//! - Sparse (enc 1): run-length opcodes. `00xxxxxx` ZERO (1..64 zero
//!   registers), `01xxxxxx yyyyyyyy` XZERO (1..16384), `1vvvvvxx` VAL (value
//!   1..32 repeated 1..4 times). A register above 32, or a value longer than
//!   `hll-sparse-max-bytes`, turns it dense.
//! - PFCOUNT uses Ertl's estimator over the register histogram, as Redis 5+.
//!
//! Every function here works on bytes and never panics on a corrupt value:
//! corruption comes back as [`Corrupt`] (Redis's `INVALIDOBJ`).

/// Bits of the hash that select the register.
pub const P: u32 = 14;
/// Bits left for the zero run.
pub const Q: u32 = 64 - P;
/// Number of registers.
pub const REGISTERS: usize = 1 << P;
/// Header size.
pub const HDR: usize = 16;
/// Size of a dense value: header plus 16384 6-bit registers.
pub const DENSE_SIZE: usize = HDR + (REGISTERS * 6).div_ceil(8);
/// Encoding byte of a dense value.
pub const DENSE: u8 = 0;
/// Encoding byte of a sparse value.
pub const SPARSE: u8 = 1;

const REGISTER_MAX: u8 = 63;
const SPARSE_VAL_MAX_VALUE: u8 = 32;
const SPARSE_VAL_MAX_LEN: usize = 4;
const SPARSE_ZERO_MAX_LEN: usize = 64;
const SPARSE_XZERO_MAX_LEN: usize = 16384;
/// 0.5 / ln(2), the estimator's constant for m → ∞.
const ALPHA_INF: f64 = 0.721_347_520_444_481_7;

/// The value is not a well-formed HyperLogLog (`INVALIDOBJ`).
#[derive(Debug, PartialEq, Eq)]
pub struct Corrupt;

/// MurmurHash2, 64-bit version (Austin Appleby's MurmurHash64A), reading
/// 8-byte blocks little endian as Redis does on every architecture.
pub fn murmurhash64a(data: &[u8], seed: u64) -> u64 {
    const M: u64 = 0xc6a4_a793_5bd1_e995;
    const R: u32 = 47;
    let mut h = seed ^ (data.len() as u64).wrapping_mul(M);
    let mut blocks = data.chunks_exact(8);
    for block in &mut blocks {
        let mut k = u64::from_le_bytes(block.try_into().expect("8-byte block"));
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h ^= k;
        h = h.wrapping_mul(M);
    }
    let tail = blocks.remainder();
    if !tail.is_empty() {
        for (i, &b) in tail.iter().enumerate() {
            h ^= (b as u64) << (8 * i);
        }
        h = h.wrapping_mul(M);
    }
    h ^= h >> R;
    h = h.wrapping_mul(M);
    h ^= h >> R;
    h
}

/// The register an element lands in and the length of its `00..1` pattern
/// (1..=Q+1): Redis's `hllPatLen`.
pub fn pattern(element: &[u8]) -> (usize, u8) {
    let hash = murmurhash64a(element, 0xadc8_3b19);
    let index = (hash & (REGISTERS as u64 - 1)) as usize;
    // The bit above the Q usable ones stops the count at Q + 1.
    let rest = (hash >> P) | (1u64 << Q);
    (index, rest.trailing_zeros() as u8 + 1)
}

/// A new, empty HyperLogLog: sparse, one XZERO covering every register.
pub fn new_sparse() -> Vec<u8> {
    let mut v = Vec::with_capacity(HDR + 2);
    v.extend_from_slice(b"HYLL");
    v.push(SPARSE);
    v.extend_from_slice(&[0; 11]);
    let mut covered = 0;
    while covered < REGISTERS {
        let run = (REGISTERS - covered).min(SPARSE_XZERO_MAX_LEN);
        v.extend_from_slice(&xzero(run));
        covered += run;
    }
    v
}

/// Redis's `isHLLObjectOrReply` shape checks: magic, a known encoding and,
/// when dense, the exact length. (Sparse opcodes are checked when read.)
pub fn is_hll(value: &[u8]) -> bool {
    value.len() >= HDR
        && &value[..4] == b"HYLL"
        && value[4] <= SPARSE
        && (value[4] != DENSE || value.len() == DENSE_SIZE)
}

/// True when the value is dense.
pub fn is_dense(value: &[u8]) -> bool {
    value[4] == DENSE
}

/// The cached cardinality, if the cache is valid.
pub fn cached_cardinality(value: &[u8]) -> Option<u64> {
    let card = u64::from_le_bytes(value[8..16].try_into().expect("header"));
    (card >> 63 == 0).then_some(card)
}

/// Stores `card` as the cached cardinality (an estimate with its top bit set
/// reads back as stale, as in Redis).
pub fn set_cached_cardinality(value: &mut [u8], card: u64) {
    value[8..16].copy_from_slice(&card.to_le_bytes());
}

/// Marks the cached cardinality stale.
pub fn invalidate_cache(value: &mut [u8]) {
    value[15] |= 0x80;
}

// ---------------------------------------------------------------------------
// Dense registers
// ---------------------------------------------------------------------------

/// Register `index` of a dense register array (the bytes after the header).
#[inline]
pub fn dense_get(registers: &[u8], index: usize) -> u8 {
    let byte = index * 6 / 8;
    let shift = index * 6 % 8;
    let b0 = registers.get(byte).copied().unwrap_or(0) as u16;
    let b1 = registers.get(byte + 1).copied().unwrap_or(0) as u16;
    (((b0 | (b1 << 8)) >> shift) as u8) & REGISTER_MAX
}

/// Sets register `index` of a dense register array to `value` (<= 63).
#[inline]
pub fn dense_put(registers: &mut [u8], index: usize, value: u8) {
    let byte = index * 6 / 8;
    let shift = index * 6 % 8;
    let value = (value & REGISTER_MAX) as u16;
    let mask = (REGISTER_MAX as u16) << shift;
    let merged = |old: u8, part: u16, mask: u16| (old & !(mask as u8)) | part as u8;
    if let Some(b) = registers.get_mut(byte) {
        *b = merged(*b, value << shift, mask);
    }
    if let Some(b) = registers.get_mut(byte + 1) {
        *b = merged(*b, (value << shift) >> 8, mask >> 8);
    }
}

/// Redis's `hllDenseSet`: raises register `index` to `count`; true if it rose.
pub fn dense_set(registers: &mut [u8], index: usize, count: u8) -> bool {
    if count > dense_get(registers, index) {
        dense_put(registers, index, count);
        true
    } else {
        false
    }
}

// ---------------------------------------------------------------------------
// Sparse opcodes
// ---------------------------------------------------------------------------

/// One decoded sparse opcode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    /// `len` registers at zero (ZERO or XZERO).
    Zero { len: usize, xzero: bool },
    /// `len` registers at `value`.
    Val { value: u8, len: usize },
}

impl Op {
    /// The opcode at `at` (a truncated XZERO reads its missing byte as 0, as
    /// Redis reads the string's terminator).
    fn at(bytes: &[u8], at: usize) -> Op {
        let b = bytes[at];
        if b & 0xc0 == 0 {
            Op::Zero {
                len: (b & 0x3f) as usize + 1,
                xzero: false,
            }
        } else if b & 0x80 == 0 {
            let low = bytes.get(at + 1).copied().unwrap_or(0) as usize;
            Op::Zero {
                len: ((((b & 0x3f) as usize) << 8) | low) + 1,
                xzero: true,
            }
        } else {
            Op::Val {
                value: ((b >> 2) & 0x1f) + 1,
                len: (b & 0x3) as usize + 1,
            }
        }
    }

    /// Bytes the opcode takes.
    fn size(self) -> usize {
        match self {
            Op::Zero { xzero: true, .. } => 2,
            _ => 1,
        }
    }

    /// Registers the opcode covers.
    fn len(self) -> usize {
        match self {
            Op::Zero { len, .. } | Op::Val { len, .. } => len,
        }
    }
}

fn val(value: u8, len: usize) -> u8 {
    0x80 | ((value - 1) << 2) | (len as u8 - 1)
}

fn zero(len: usize) -> u8 {
    (len - 1) as u8
}

fn xzero(len: usize) -> [u8; 2] {
    let l = len - 1;
    [0x40 | (l >> 8) as u8, (l & 0xff) as u8]
}

/// Appends a ZERO or XZERO run of `len` registers (as Redis's split does).
fn push_zeros(seq: &mut Vec<u8>, len: usize) {
    if len > SPARSE_ZERO_MAX_LEN {
        seq.extend_from_slice(&xzero(len));
    } else {
        seq.push(zero(len));
    }
}

/// Redis's `hllSparseToDense`: rewrites a sparse value as dense, keeping the
/// header (cached cardinality included). A dense value is left as it is.
pub fn sparse_to_dense(value: &mut Vec<u8>) -> Result<(), Corrupt> {
    if value[4] == DENSE {
        return Ok(());
    }
    let mut dense = vec![0u8; DENSE_SIZE];
    dense[..HDR].copy_from_slice(&value[..HDR]);
    dense[4] = DENSE;
    let registers = &mut dense[HDR..];
    let mut idx = 0usize;
    let mut p = HDR;
    while p < value.len() {
        let op = Op::at(value, p);
        match op {
            Op::Zero { len, .. } => idx += len,
            Op::Val { value: v, len } => {
                if idx + len > REGISTERS {
                    break;
                }
                for i in idx..idx + len {
                    dense_put(registers, i, v);
                }
                idx += len;
            }
        }
        p += op.size();
    }
    if idx != REGISTERS {
        return Err(Corrupt);
    }
    *value = dense;
    Ok(())
}

/// Redis's `hllSparseSet`: raises register `index` of a sparse value to
/// `count`, splitting and re-merging opcodes in place exactly as Redis does,
/// or promoting the value to dense when `count` does not fit a VAL opcode or
/// the value would outgrow `sparse_max_bytes`. True if the register rose.
pub fn sparse_set(
    value: &mut Vec<u8>,
    index: usize,
    count: u8,
    sparse_max_bytes: u64,
) -> Result<bool, Corrupt> {
    if count > SPARSE_VAL_MAX_VALUE {
        return promote(value, index, count);
    }
    // Step 1: the opcode covering `index`.
    let mut end = value.len();
    let mut p = HDR;
    let mut first = 0usize;
    let mut prev: Option<usize> = None;
    let mut span = 0usize;
    let mut found: Option<Op> = None;
    while p < end {
        let op = Op::at(value, p);
        span = op.len();
        if index < first + span {
            found = Some(op);
            break;
        }
        prev = Some(p);
        p += op.size();
        first += span;
    }
    let Some(op) = found.filter(|_| span != 0) else {
        return Err(Corrupt);
    };
    let last = first + span - 1;

    // Step 2: the trivial cases, then the general split.
    let updated_in_place = match op {
        Op::Val { value: old, .. } if old >= count => return Ok(false),
        Op::Val { len: 1, .. }
        | Op::Zero {
            len: 1,
            xzero: false,
        } => {
            value[p] = val(count, 1);
            true
        }
        _ => false,
    };
    if !updated_in_place {
        let mut seq = Vec::with_capacity(5);
        match op {
            Op::Zero { .. } => {
                if index != first {
                    push_zeros(&mut seq, index - first);
                }
                seq.push(val(count, 1));
                if index != last {
                    push_zeros(&mut seq, last - index);
                }
            }
            Op::Val { value: cur, .. } => {
                if index != first {
                    seq.push(val(cur, index - first));
                }
                seq.push(val(count, 1));
                if index != last {
                    seq.push(val(cur, last - index));
                }
            }
        }
        // Step 3: put the sequence in place of the opcode.
        let old_len = op.size();
        let new_total = value.len() + seq.len() - old_len;
        if seq.len() > old_len && new_total as u64 > sparse_max_bytes {
            return promote(value, index, count);
        }
        let tail_from = (p + old_len).min(value.len());
        value.splice(p..tail_from, seq);
        value.truncate(new_total);
        end = value.len();
    }

    // Step 4: merge adjacent VAL opcodes of the same value, scanning up to
    // five opcodes from the one before the change.
    let mut p = prev.unwrap_or(HDR);
    let mut scan = 5;
    while p < end && scan > 0 {
        scan -= 1;
        let op = Op::at(value, p);
        let Op::Val { value: v1, len: l1 } = op else {
            p += op.size();
            continue;
        };
        if p + 1 < end {
            if let Op::Val { value: v2, len: l2 } = Op::at(value, p + 1) {
                if v1 == v2 && l1 + l2 <= SPARSE_VAL_MAX_LEN {
                    value[p + 1] = val(v1, l1 + l2);
                    value.remove(p);
                    end -= 1;
                    continue;
                }
            }
        }
        p += 1;
    }
    invalidate_cache(value);
    Ok(true)
}

/// The promotion path of `hllSparseSet`: dense, then set the register.
fn promote(value: &mut Vec<u8>, index: usize, count: u8) -> Result<bool, Corrupt> {
    sparse_to_dense(value)?;
    dense_set(&mut value[HDR..], index, count);
    Ok(true)
}

/// Redis's `hllAdd`: adds `element`; true if a register changed.
pub fn add(value: &mut Vec<u8>, element: &[u8], sparse_max_bytes: u64) -> Result<bool, Corrupt> {
    let (index, count) = pattern(element);
    match value[4] {
        DENSE => Ok(dense_set(&mut value[HDR..], index, count)),
        SPARSE => sparse_set(value, index, count, sparse_max_bytes),
        _ => Err(Corrupt),
    }
}

/// Adds `element` to a dense value in place (no length change possible).
pub fn add_dense(value: &mut [u8], element: &[u8]) -> bool {
    let (index, count) = pattern(element);
    dense_set(&mut value[HDR..], index, count)
}

// ---------------------------------------------------------------------------
// Counting and merging
// ---------------------------------------------------------------------------

/// How many registers hold each value 0..=63.
pub type Histogram = [u32; 64];

/// The register histogram of a value; `Corrupt` when sparse opcodes do not
/// cover exactly 16384 registers.
pub fn histogram(value: &[u8]) -> Result<Histogram, Corrupt> {
    let mut h = [0u32; 64];
    if value[4] == DENSE {
        let registers = &value[HDR..];
        for i in 0..REGISTERS {
            h[dense_get(registers, i) as usize] += 1;
        }
        return Ok(h);
    }
    let mut idx = 0usize;
    let mut p = HDR;
    while p < value.len() {
        let op = Op::at(value, p);
        match op {
            Op::Zero { len, .. } => h[0] += len as u32,
            Op::Val { value: v, len } => h[v as usize] += len as u32,
        }
        idx += op.len();
        p += op.size();
    }
    if idx != REGISTERS {
        return Err(Corrupt);
    }
    Ok(h)
}

/// The histogram of one register per byte (PFCOUNT over several keys).
pub fn raw_histogram(registers: &[u8; REGISTERS]) -> Histogram {
    let mut h = [0u32; 64];
    for &r in registers {
        h[(r & 63) as usize] += 1;
    }
    h
}

/// Ertl's σ function (arXiv:1702.01284), as Redis computes it.
fn sigma(mut x: f64) -> f64 {
    if x == 1.0 {
        return f64::INFINITY;
    }
    let mut y = 1.0;
    let mut z = x;
    loop {
        x *= x;
        let z_prev = z;
        z += x * y;
        y += y;
        if z_prev == z {
            return z;
        }
    }
}

/// Ertl's τ function (arXiv:1702.01284), as Redis computes it.
fn tau(mut x: f64) -> f64 {
    if x == 0.0 || x == 1.0 {
        return 0.0;
    }
    let mut y = 1.0;
    let mut z = 1.0 - x;
    loop {
        x = x.sqrt();
        let z_prev = z;
        y *= 0.5;
        // C's pow(1 - x, 2), which compilers turn into this product.
        z -= (1.0 - x) * (1.0 - x) * y;
        if z_prev == z {
            return z / 3.0;
        }
    }
}

/// The cardinality estimate of a register histogram (Redis's `hllCount`
/// after its histogram step), rounded as `llroundl` does.
pub fn estimate(h: &Histogram) -> u64 {
    let m = REGISTERS as f64;
    let mut z = m * tau((m - h[Q as usize + 1] as f64) / m);
    for j in (1..=Q as usize).rev() {
        z += h[j] as f64;
        z *= 0.5;
    }
    z += m * sigma(h[0] as f64 / m);
    let e = (ALPHA_INF * m * m / z).round();
    // 2^63: the first value llroundl cannot return.
    if (0.0..9_223_372_036_854_775_808.0).contains(&e) {
        e as u64
    } else {
        // llroundl out of range: x86-64 gives LLONG_MIN.
        1u64 << 63
    }
}

/// The estimate of one value (the cache is neither read nor written).
pub fn count(value: &[u8]) -> Result<u64, Corrupt> {
    Ok(estimate(&histogram(value)?))
}

/// Redis's `hllMerge`: `max[i] = max(max[i], register i of value)`.
pub fn merge_into(max: &mut [u8; REGISTERS], value: &[u8]) -> Result<(), Corrupt> {
    if value[4] == DENSE {
        let registers = &value[HDR..];
        for (i, m) in max.iter_mut().enumerate() {
            let r = dense_get(registers, i);
            if r > *m {
                *m = r;
            }
        }
        return Ok(());
    }
    let mut i = 0usize;
    let mut p = HDR;
    while p < value.len() {
        let op = Op::at(value, p);
        match op {
            Op::Zero { len, .. } => i += len,
            Op::Val { value: v, len } => {
                if i + len > REGISTERS {
                    break;
                }
                for m in &mut max[i..i + len] {
                    if v > *m {
                        *m = v;
                    }
                }
                i += len;
            }
        }
        p += op.size();
    }
    if i != REGISTERS {
        return Err(Corrupt);
    }
    Ok(())
}

/// Writes merged registers into `value` as PFMERGE does: register by
/// register through the sparse or dense setter (errors ignored, as Redis
/// ignores them there).
pub fn store_registers(value: &mut Vec<u8>, max: &[u8; REGISTERS], sparse_max_bytes: u64) {
    for (j, &m) in max.iter().enumerate() {
        if m == 0 {
            continue;
        }
        if value[4] == DENSE {
            dense_set(&mut value[HDR..], j, m);
        } else {
            let _ = sparse_set(value, j, m, sparse_max_bytes);
        }
    }
}

/// PFDEBUG DECODE's text for a sparse value: `Z:n z:n v:value,len ...`.
pub fn decode_sparse(value: &[u8]) -> String {
    let mut parts = Vec::new();
    let mut p = HDR;
    while p < value.len() {
        let op = Op::at(value, p);
        parts.push(match op {
            Op::Zero { len, xzero: true } => format!("Z:{len}"),
            Op::Zero { len, xzero: false } => format!("z:{len}"),
            Op::Val { value, len } => format!("v:{value},{len}"),
        });
        p += op.size();
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic element stream.
    fn element(i: u64) -> [u8; 8] {
        (i ^ 0x5bd1_e995_dead_beef).to_le_bytes()
    }

    #[test]
    fn murmurhash64a_vectors() {
        // MurmurHash64A reference values (Appleby's C code, seed 0 and the
        // seed Redis uses).
        let cases: [(&[u8], u64, u64); 5] = [
            (b"", 0, 0xd8df_ea65_85bc_9732),
            (b"a", 0x0717_17d2_d36b_6b11, 0x53d2_470a_9b43_b1a7),
            (b"hello", 0x1e68_d17c_457b_f117, 0x0f65_6f01_eecf_e400),
            (
                b"The quick brown fox jumps over the lazy dog",
                0x5589_ca33_042a_861b,
                0x5160_6c5c_5b56_1ace,
            ),
            (b"12345678", 0x758f_67d1_62b2_d202, 0x95eb_b863_8913_2953),
        ];
        for (data, seed0, seed_redis) in cases {
            assert_eq!(murmurhash64a(data, 0), seed0, "{data:?}");
            assert_eq!(murmurhash64a(data, 0xadc8_3b19), seed_redis, "{data:?}");
        }
    }

    #[test]
    fn pattern_counts_the_zero_run_above_the_index_bits() {
        for i in 0..10_000u64 {
            let e = element(i);
            let hash = murmurhash64a(&e, 0xadc8_3b19);
            let (index, count) = pattern(&e);
            assert_eq!(index as u64, hash & 0x3fff);
            let mut expect = 1;
            let mut bit = 1u64 << P;
            while bit != 0 && hash & bit == 0 {
                expect += 1;
                bit <<= 1;
            }
            assert_eq!(count, expect.min(Q as u8 + 1));
        }
    }

    #[test]
    fn empty_value_matches_redis_bytes() {
        let v = new_sparse();
        assert_eq!(
            v,
            b"HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x7f\xff"
        );
        assert!(is_hll(&v));
        assert_eq!(count(&v), Ok(0));
        assert_eq!(cached_cardinality(&v), Some(0));
    }

    #[test]
    fn known_redis_value_for_a_b_c() {
        // redis-server 7.0.15: PFADD h a b c, then GET h.
        let mut v = new_sparse();
        for e in [b"a", b"b", b"c"] {
            assert_eq!(add(&mut v, e, 3000), Ok(true));
        }
        assert_eq!(&v[HDR..], b"\x60\xf3\x80\x50\xb1\x84\x4b\xfb\x80\x42\x5a");
        assert_eq!(v[15], 0x80);
        assert_eq!(count(&v), Ok(3));
        assert_eq!(
            decode_sparse(&v),
            "Z:8436 v:1,1 Z:4274 v:2,1 Z:3068 v:1,1 Z:603"
        );
    }

    #[test]
    fn dense_registers_round_trip_without_touching_neighbours() {
        let mut regs = vec![0u8; DENSE_SIZE - HDR];
        let mut expect = vec![0u8; REGISTERS];
        let mut x = 12345u64;
        for _round in 0..3 {
            for (i, e) in expect.iter_mut().enumerate() {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let v = (x >> 58) as u8;
                *e = v;
                dense_put(&mut regs, i, v);
            }
            for (i, &e) in expect.iter().enumerate() {
                assert_eq!(dense_get(&regs, i), e, "register {i}");
            }
        }
    }

    /// Registers of any value, decoded to one byte each.
    fn registers(value: &[u8]) -> Vec<u8> {
        let mut max = [0u8; REGISTERS];
        merge_into(&mut max, value).unwrap();
        max.to_vec()
    }

    #[test]
    fn sparse_and_dense_agree_and_round_trip() {
        let mut sparse = new_sparse();
        let mut dense = new_sparse();
        sparse_to_dense(&mut dense).unwrap();
        assert_eq!(dense.len(), DENSE_SIZE);
        for i in 0..1500u64 {
            let e = element(i);
            let a = add(&mut sparse, &e, 1 << 20).unwrap();
            let b = add(&mut dense, &e, 1 << 20).unwrap();
            assert_eq!(a, b, "element {i}");
            if i % 97 == 0 {
                assert_eq!(registers(&sparse), registers(&dense));
                assert_eq!(count(&sparse), count(&dense));
            }
        }
        assert_eq!(sparse[4], SPARSE, "a 1 MB limit keeps it sparse");
        let mut converted = sparse.clone();
        sparse_to_dense(&mut converted).unwrap();
        assert_eq!(converted[HDR..], dense[HDR..]);
        // Every opcode in a canonical sparse value is needed: no two adjacent
        // VALs of the same value that would fit one opcode.
        let mut p = HDR;
        let mut covered = 0;
        while p < sparse.len() {
            let op = Op::at(&sparse, p);
            covered += op.len();
            p += op.size();
        }
        assert_eq!(covered, REGISTERS);
    }

    #[test]
    fn sparse_promotes_at_the_size_limit_and_for_big_registers() {
        let mut v = new_sparse();
        let mut i = 0;
        while v[4] == SPARSE {
            add(&mut v, &element(i), 3000).unwrap();
            assert!(v.len() <= 3000 || v[4] == DENSE);
            i += 1;
        }
        assert_eq!(v.len(), DENSE_SIZE);
        let mut v = new_sparse();
        assert_eq!(sparse_set(&mut v, 5, 33, 3000), Ok(true));
        assert_eq!(v[4], DENSE);
        assert_eq!(dense_get(&v[HDR..], 5), 33);
    }

    #[test]
    fn corrupt_sparse_values_are_reported() {
        let mut short = new_sparse();
        short[17] = 0xfe; // XZERO of 16383: one register missing
        assert_eq!(count(&short), Err(Corrupt));
        assert_eq!(merge_into(&mut [0; REGISTERS], &short), Err(Corrupt));
        assert_eq!(sparse_to_dense(&mut short.clone()), Err(Corrupt));
        let mut empty = short[..HDR].to_vec();
        assert_eq!(sparse_set(&mut empty, 0, 1, 3000), Err(Corrupt));
        // A lone XZERO byte at the end must not read past the value.
        let mut truncated = short[..HDR + 1].to_vec();
        let _ = sparse_set(&mut truncated, 3, 2, 3000);
        let _ = count(&truncated);
        assert!(!is_hll(
            b"HYLL\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x7f\xff"
        ));
        assert!(!is_hll(
            b"HYLL\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x7f\xff"
        ));
        assert!(!is_hll(b"HYLL"));
    }

    #[test]
    fn estimator_is_within_two_percent_at_100k() {
        let mut v = new_sparse();
        for i in 0..100_000u64 {
            add(&mut v, format!("element:{i}").as_bytes(), 3000).unwrap();
        }
        let card = count(&v).unwrap() as f64;
        let err = (card - 100_000.0).abs() / 100_000.0;
        assert!(err < 0.02, "estimate {card}, error {err}");
    }

    #[test]
    fn estimator_is_exact_for_tiny_sets_and_sane_for_extremes() {
        let mut v = new_sparse();
        for i in 0..10u64 {
            add(&mut v, &element(i), 3000).unwrap();
        }
        assert_eq!(count(&v), Ok(10));
        let mut h = [0u32; 64];
        h[0] = REGISTERS as u32;
        assert_eq!(estimate(&h), 0);
        let mut h = [0u32; 64];
        h[Q as usize + 1] = REGISTERS as u32;
        assert_eq!(estimate(&h), 1 << 63, "z = 0: llroundl overflow");
    }
}
