//! Bit-level helpers on string values, as Redis's bitops.c defines them.
//!
//! Bit 0 is the most significant bit of the first byte. Reads past the end
//! of a string see zeros; writes past the end are ignored (callers grow the
//! string first). Nothing here allocates.

/// How BITFIELD's SET and INCRBY treat values that do not fit the field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overflow {
    /// Wrap around (modular arithmetic); the default.
    Wrap,
    /// Saturate at the field's minimum or maximum.
    Sat,
    /// Refuse the operation: it replies null and writes nothing.
    Fail,
}

/// An integer type of BITFIELD: `i1`..`i64` or `u1`..`u63`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldType {
    /// True for `iN`.
    pub signed: bool,
    /// N.
    pub bits: u32,
}

impl FieldType {
    /// Parses `i16`, `u8`...; None for anything else (`u64` included, as
    /// RESP integers cannot hold it). Like Redis, the width stops at a NUL.
    pub fn parse(arg: &[u8]) -> Option<FieldType> {
        let (&sign, rest) = arg.split_first()?;
        let signed = match sign {
            b'i' => true,
            b'u' => false,
            _ => return None,
        };
        let rest = rest.split(|&b| b == 0).next().unwrap_or_default();
        let bits = crate::numbers::parse_i64(rest)?;
        let max = if signed { 64 } else { 63 };
        (1..=max).contains(&bits).then_some(FieldType {
            signed,
            bits: bits as u32,
        })
    }
}

/// The bit at `offset` (0 or 1).
#[inline]
pub fn get_bit(bytes: &[u8], offset: u64) -> u8 {
    match usize::try_from(offset >> 3).ok().and_then(|i| bytes.get(i)) {
        Some(b) => (b >> (7 - (offset & 7))) & 1,
        None => 0,
    }
}

/// Sets the bit at `offset` to `on`.
#[inline]
pub fn set_bit(bytes: &mut [u8], offset: u64, on: bool) {
    if let Some(b) = usize::try_from(offset >> 3)
        .ok()
        .and_then(|i| bytes.get_mut(i))
    {
        let mask = 1u8 << (7 - (offset & 7));
        if on {
            *b |= mask;
        } else {
            *b &= !mask;
        }
    }
}

/// The `bits`-wide unsigned integer at bit `offset` (big-endian bit order).
pub fn get_unsigned(bytes: &[u8], offset: u64, bits: u32) -> u64 {
    let mut value = 0u64;
    for j in 0..bits as u64 {
        value = (value << 1) | get_bit(bytes, offset + j) as u64;
    }
    value
}

/// The `bits`-wide two's complement integer at bit `offset`.
pub fn get_signed(bytes: &[u8], offset: u64, bits: u32) -> i64 {
    let raw = get_unsigned(bytes, offset, bits);
    if bits < 64 && raw & (1 << (bits - 1)) != 0 {
        (raw | (u64::MAX << bits)) as i64
    } else {
        raw as i64
    }
}

/// Writes the low `bits` bits of `value` at bit `offset`.
pub fn set_unsigned(bytes: &mut [u8], offset: u64, bits: u32, value: u64) {
    for j in 0..bits as u64 {
        let on = value & (1u64 << (bits as u64 - 1 - j)) != 0;
        set_bit(bytes, offset + j, on);
    }
}

/// Redis's `checkUnsignedBitfieldOverflow`: 0 if `value + incr` fits `bits`
/// unsigned bits, 1 on overflow, -1 on underflow; with the value to store
/// instead for WRAP and SAT (None for FAIL).
pub fn check_unsigned_overflow(
    value: u64,
    incr: i64,
    bits: u32,
    overflow: Overflow,
) -> (i32, Option<u64>) {
    let max = if bits == 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    };
    let max_incr = max.wrapping_sub(value) as i64;
    let min_incr = 0u64.wrapping_sub(value) as i64;
    let wrap = || value.wrapping_add(incr as u64) & !(u64::MAX.checked_shl(bits).unwrap_or(0));
    let (direction, saturated) = if value > max || (incr > 0 && incr > max_incr) {
        (1, max)
    } else if incr < 0 && incr < min_incr {
        (-1, 0)
    } else {
        return (0, None);
    };
    let limit = match overflow {
        Overflow::Wrap => Some(wrap()),
        Overflow::Sat => Some(saturated),
        Overflow::Fail => None,
    };
    (direction, limit)
}

/// Redis's `checkSignedBitfieldOverflow`, for `bits`-wide signed fields.
pub fn check_signed_overflow(
    value: i64,
    incr: i64,
    bits: u32,
    overflow: Overflow,
) -> (i32, Option<i64>) {
    let max = if bits == 64 {
        i64::MAX
    } else {
        (1i64 << (bits - 1)) - 1
    };
    let min = -max - 1;
    let max_incr = (max as u64).wrapping_sub(value as u64) as i64;
    let min_incr = min.wrapping_sub(value);
    let wrap = || {
        let mut c = (value as u64).wrapping_add(incr as u64);
        if bits < 64 {
            let mask = u64::MAX << bits;
            if c & (1u64 << (bits - 1)) != 0 {
                c |= mask;
            } else {
                c &= !mask;
            }
        }
        c as i64
    };
    let (direction, saturated) = if value > max
        || (bits != 64 && incr > max_incr)
        || (value >= 0 && incr > 0 && incr > max_incr)
    {
        (1, max)
    } else if value < min
        || (bits != 64 && incr < min_incr)
        || (value < 0 && incr < 0 && incr < min_incr)
    {
        (-1, min)
    } else {
        return (0, None);
    };
    let limit = match overflow {
        Overflow::Wrap => Some(wrap()),
        Overflow::Sat => Some(saturated),
        Overflow::Fail => None,
    };
    (direction, limit)
}

/// Number of set bits.
pub fn popcount(bytes: &[u8]) -> u64 {
    let mut chunks = bytes.chunks_exact(8);
    let mut n: u64 = (&mut chunks)
        .map(|c| u64::from_ne_bytes(c.try_into().expect("8 bytes")).count_ones() as u64)
        .sum();
    n += chunks
        .remainder()
        .iter()
        .map(|b| b.count_ones() as u64)
        .sum::<u64>();
    n
}

/// Redis's `redisBitpos`: the position of the first bit equal to `bit` in
/// `bytes`. Looking for a 0 in a string of ones gives `len * 8` (the string is
/// taken as padded with zeros); looking for a 1 in zeros gives -1.
pub fn first_bit(bytes: &[u8], bit: bool) -> i64 {
    let skip = if bit { 0u8 } else { 0xff };
    // Whole words of the byte not looked for first, then byte by byte.
    let word = u64::from_ne_bytes([skip; 8]);
    let skipped = bytes
        .chunks_exact(8)
        .take_while(|w| u64::from_ne_bytes((*w).try_into().expect("8 bytes")) == word)
        .count()
        * 8;
    match bytes[skipped..].iter().position(|&b| b != skip) {
        Some(i) => {
            let i = skipped + i;
            let b = if bit { bytes[i] } else { !bytes[i] };
            (i as i64) * 8 + b.leading_zeros() as i64
        }
        None if bit => -1,
        None => bytes.len() as i64 * 8,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_use_big_endian_bit_order() {
        // Redis's example: u5 = 23 at offset 7 in zeros.
        let mut b = [0u8; 2];
        set_unsigned(&mut b, 7, 5, 23);
        assert_eq!(b, [0b0000_0001, 0b0111_0000]);
        assert_eq!(get_unsigned(&b, 7, 5), 23);
        assert_eq!(get_signed(&b, 7, 5), -9);
        assert_eq!(get_unsigned(&b, 100, 8), 0, "past the end reads zeros");
        let mut w = [0u8; 9];
        set_unsigned(&mut w, 3, 64, 0x8000_0000_0000_0001);
        assert_eq!(get_signed(&w, 3, 64), i64::MIN + 1);
        set_unsigned(&mut w, 70, 8, 0xff); // partly past the end: no panic
    }

    #[test]
    fn types_parse_like_redis() {
        let t = |s: &str| FieldType::parse(s.as_bytes());
        assert_eq!(
            t("i64"),
            Some(FieldType {
                signed: true,
                bits: 64
            })
        );
        assert_eq!(
            t("u63"),
            Some(FieldType {
                signed: false,
                bits: 63
            })
        );
        for bad in ["u64", "i65", "i0", "u", "I8", "x8", "", "i-1", "i08", "i 8"] {
            assert_eq!(t(bad), None, "{bad}");
        }
    }

    #[test]
    fn unsigned_overflow_wraps_saturates_or_fails() {
        use Overflow::*;
        assert_eq!(check_unsigned_overflow(250, 10, 8, Wrap), (1, Some(4)));
        assert_eq!(check_unsigned_overflow(250, 10, 8, Sat), (1, Some(255)));
        assert_eq!(check_unsigned_overflow(250, 10, 8, Fail), (1, None));
        assert_eq!(check_unsigned_overflow(5, -10, 8, Wrap), (-1, Some(251)));
        assert_eq!(check_unsigned_overflow(5, -10, 8, Sat), (-1, Some(0)));
        assert_eq!(check_unsigned_overflow(5, 250, 8, Wrap), (0, None));
        // SET of a negative value: seen as a huge unsigned one.
        assert_eq!(
            check_unsigned_overflow(-1i64 as u64, 0, 8, Wrap),
            (1, Some(255))
        );
        assert_eq!(
            check_unsigned_overflow(0, i64::MAX, 63, Wrap),
            (0, None),
            "u63 holds i64::MAX"
        );
    }

    #[test]
    fn signed_overflow_wraps_saturates_or_fails() {
        use Overflow::*;
        assert_eq!(check_signed_overflow(100, 100, 8, Wrap), (1, Some(-56)));
        assert_eq!(check_signed_overflow(100, 100, 8, Sat), (1, Some(127)));
        assert_eq!(check_signed_overflow(-100, -100, 8, Wrap), (-1, Some(56)));
        assert_eq!(check_signed_overflow(-100, -100, 8, Sat), (-1, Some(-128)));
        assert_eq!(
            check_signed_overflow(i64::MAX, 1, 64, Wrap),
            (1, Some(i64::MIN))
        );
        assert_eq!(
            check_signed_overflow(i64::MIN, -1, 64, Sat),
            (-1, Some(i64::MIN))
        );
        assert_eq!(
            check_signed_overflow(i64::MIN, i64::MAX, 64, Wrap),
            (0, None)
        );
        assert_eq!(check_signed_overflow(300, 0, 8, Wrap), (1, Some(44)));
        assert_eq!(check_signed_overflow(-1, 0, 1, Wrap), (0, None));
        assert_eq!(check_signed_overflow(1, 0, 1, Wrap), (1, Some(-1)));
    }

    #[test]
    fn popcount_and_first_bit() {
        assert_eq!(popcount(b"foobar"), 26);
        assert_eq!(popcount(&[0xff; 37]), 37 * 8);
        assert_eq!(first_bit(&[0, 0, 0x10], true), 19);
        assert_eq!(first_bit(&[0, 0], true), -1);
        assert_eq!(first_bit(&[0xff, 0xf0], false), 12);
        assert_eq!(first_bit(&[0xff, 0xff], false), 16);
        assert_eq!(first_bit(&[], false), 0);
        assert_eq!(first_bit(&[], true), -1);
        let mut long = vec![0u8; 40];
        long[33] = 0x02;
        assert_eq!(first_bit(&long, true), 33 * 8 + 6);
        assert_eq!(first_bit(&long, false), 0);
        let mut ones = vec![0xffu8; 40];
        assert_eq!(first_bit(&ones, false), 320);
        ones[17] = 0xfe;
        assert_eq!(first_bit(&ones, false), 17 * 8 + 7);
    }
}
