//! A software model of the x87 80-bit `long double` (64-bit mantissa) that
//! INCRBYFLOAT computes with: correctly rounded parsing like glibc's
//! `strtold`, round-to-nearest-even addition, and exact `%.17Lf` printing.

use std::cmp::Ordering;

/// Largest binary exponent of a finite value's top bit (values < 2^16384).
const MAX_TOP_EXP: i64 = 16383;
/// Below this top-bit exponent a value rounds to zero (half the smallest
/// denormal); denormals themselves keep full precision here.
const MIN_TOP_EXP: i64 = -16446;
/// Redis's MAX_LONG_DOUBLE_CHARS: longer inputs are not valid floats.
const MAX_CHARS: usize = 5 * 1024;

/// A finite value `(-1)^neg * mant * 2^exp`; `mant` is 0 (zero) or has
/// its top bit set.
#[derive(Clone, Copy, Debug)]
pub struct Ld {
    neg: bool,
    mant: u64,
    exp: i64,
}

impl Ld {
    pub const ZERO: Ld = Ld {
        neg: false,
        mant: 0,
        exp: 0,
    };
}

/// Parses like Redis's `string2ld`: the whole input, no leading space,
/// decimal or hex (`0x1.8p3`) notation, `inf`/`infinity`. None for
/// anything Redis rejects (NaN, overflow, underflow to zero, garbage).
/// An infinity parses; [`add`] then refuses it.
pub fn parse(s: &[u8]) -> Option<Ld> {
    parse_inner(s).map(|v| v.unwrap_or(INF_MARK))
}

/// Stands for ±infinity between `parse` and `add`.
const INF_MARK: Ld = Ld {
    neg: false,
    mant: 0,
    exp: i64::MAX,
};

fn is_inf(v: &Ld) -> bool {
    v.exp == i64::MAX
}

/// `a + b` rounded to 64 bits; None when the sum is infinite or NaN.
pub fn add(a: Ld, b: Ld) -> Option<Ld> {
    if is_inf(&a) || is_inf(&b) {
        return None;
    }
    if a.mant == 0 {
        return Some(b);
    }
    if b.mant == 0 {
        return Some(a);
    }
    let (x, y) = if (a.exp, a.mant) >= (b.exp, b.mant) {
        (a, b)
    } else {
        (b, a)
    };
    // 62 guard bits below the larger mantissa; bits of the smaller one
    // shifted out fold into a sticky lowest bit.
    let big_x = (x.mant as u128) << 62;
    let d = (x.exp - y.exp) as u64;
    let full_y = (y.mant as u128) << 62;
    let big_y = if d >= 127 {
        1
    } else {
        let lost = full_y & ((1u128 << d) - 1);
        (full_y >> d) | (lost != 0) as u128
    };
    let sum = if x.neg == y.neg {
        big_x + big_y
    } else {
        big_x - big_y
    };
    if sum == 0 {
        return Some(Ld::ZERO);
    }
    let (mant, exp) = round64(&Big::from_u128(sum), false);
    finish(x.neg, mant, exp + x.exp - 62)
}

/// `(long long) ceill(v * m)` as Redis computes a blocking timeout in
/// milliseconds on x86-64: the product rounded to 64 bits, then up to an
/// integer; `i64::MIN` (the x87 "integer indefinite") when that does not
/// fit an i64, infinities included.
pub fn ceil_mul_to_i64(v: Ld, m: u64) -> i64 {
    if is_inf(&v) {
        return i64::MIN;
    }
    if v.mant == 0 || m == 0 {
        return 0;
    }
    let (mant, exp) = round64(&Big::from_u128(v.mant as u128 * m as u128), false);
    let exp = exp + v.exp;
    let (int, frac) = if exp >= 0 {
        if exp > 63 {
            return i64::MIN;
        }
        ((mant as u128) << exp, false)
    } else if exp <= -64 {
        (0, true)
    } else {
        let shift = exp.unsigned_abs();
        ((mant >> shift) as u128, mant & ((1u64 << shift) - 1) != 0)
    };
    if v.neg {
        // Up is toward zero: the fraction is dropped.
        i64::try_from(-(int as i128)).unwrap_or(i64::MIN)
    } else {
        i64::try_from(int + frac as u128).unwrap_or(i64::MIN)
    }
}

/// Redis's `%.17Lf` with trailing zeros (and a bare '.') trimmed, `-0`
/// printed as `0`.
pub fn format_human(v: Ld) -> String {
    let digits = if v.exp >= 0 {
        let mut n = Big::from_u128(v.mant as u128).shl(v.exp as usize);
        for _ in 0..17 {
            n.mul_add_small(10, 0);
        }
        n
    } else {
        let mut p = Big::from_u128(v.mant as u128);
        for _ in 0..17 {
            p.mul_add_small(10, 0);
        }
        let shift = v.exp.unsigned_abs() as usize;
        let mut q = p.shr(shift);
        let half = p.bit(shift - 1);
        let rest = p.any_below(shift - 1);
        if half && (rest || q.bit(0)) {
            q.mul_add_small(1, 1);
        }
        q
    };
    let mut text = digits.to_decimal();
    if text.len() < 18 {
        text.insert_str(0, &"0".repeat(18 - text.len()));
    }
    text.insert(text.len() - 17, '.');
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if v.neg && text != "0" {
        format!("-{text}")
    } else {
        text.to_string()
    }
}

/// Some(Some(v)) finite, Some(None) infinite, None invalid.
fn parse_inner(s: &[u8]) -> Option<Option<Ld>> {
    if s.is_empty() || s.len() >= MAX_CHARS || s[0].is_ascii_whitespace() {
        return None;
    }
    let (neg, body) = match s[0] {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if body.eq_ignore_ascii_case(b"inf") || body.eq_ignore_ascii_case(b"infinity") {
        return Some(None);
    }
    let hex = body.len() > 2 && body[0] == b'0' && (body[1] | 0x20) == b'x';
    let (radix, exp_char, body) = if hex {
        (16, b'p', &body[2..])
    } else {
        (10, b'e', body)
    };
    let (mantissa, exponent) = match body.iter().position(|c| c | 0x20 == exp_char) {
        Some(at) => (&body[..at], Some(&body[at + 1..])),
        None => (body, None),
    };
    let exponent = match exponent {
        None => 0,
        Some(e) => parse_exponent(e)?,
    };
    let (int_part, frac_part) = match mantissa.iter().position(|&c| c == b'.') {
        Some(at) => (&mantissa[..at], &mantissa[at + 1..]),
        None => (mantissa, &b""[..]),
    };
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    let mut n = Big::default();
    let mut significant = 0i64;
    for &c in int_part.iter().chain(frac_part) {
        let d = (c as char).to_digit(radix)?;
        if d != 0 || !n.is_zero() {
            significant += 1;
        }
        n.mul_add_small(radix, d);
    }
    if n.is_zero() {
        return Some(Some(Ld { neg, ..Ld::ZERO }));
    }
    let frac_len = frac_part.len() as i64;
    let (mant, exp) = if hex {
        let (m, e) = round64(&n, false);
        (m, e + exponent - 4 * frac_len)
    } else {
        let exp10 = exponent - frac_len;
        let magnitude = significant + exp10;
        if magnitude > 4933 {
            return None; // ≥ 1e4933: overflows
        }
        if magnitude < -4952 {
            return None; // < 1e-4952: underflows to zero
        }
        decimal_to_binary(n, exp10)
    };
    finish(neg, mant, exp).map(Some)
}

/// A decimal exponent, saturated far beyond any meaningful range.
fn parse_exponent(e: &[u8]) -> Option<i64> {
    let (neg, digits) = match e.first() {
        Some(b'-') => (true, &e[1..]),
        Some(b'+') => (false, &e[1..]),
        _ => (false, e),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let v = digits.iter().fold(0i64, |acc, &c| {
        (acc * 10 + (c - b'0') as i64).min(1_000_000)
    });
    Some(if neg { -v } else { v })
}

/// `n * 10^exp10` rounded to a 64-bit mantissa and binary exponent.
fn decimal_to_binary(mut n: Big, exp10: i64) -> (u64, i64) {
    if exp10 >= 0 {
        for _ in 0..exp10 {
            n.mul_add_small(10, 0);
        }
        return round64(&n, false);
    }
    let mut m = Big::from_u128(1);
    for _ in 0..-exp10 {
        m.mul_add_small(10, 0);
    }
    // Scale so the quotient has 66 or 67 bits: two rounding bits spare.
    let t = n.bit_len() as i64 - m.bit_len() as i64 - 66;
    let (num, den) = if t >= 0 {
        (n, m.shl(t as usize))
    } else {
        (n.shl(t.unsigned_abs() as usize), m)
    };
    let (q, inexact) = divide(&num, &den);
    let (mant, exp) = round64(&Big::from_u128(q), inexact);
    (mant, exp + t)
}

/// Checks the range of a rounded result.
fn finish(neg: bool, mant: u64, exp: i64) -> Option<Ld> {
    let top = exp + 63;
    if !(MIN_TOP_EXP..=MAX_TOP_EXP).contains(&top) {
        return None;
    }
    Some(Ld { neg, mant, exp })
}

/// `n` (nonzero) rounded half-to-even to 64 significant bits: (mantissa,
/// exponent). `sticky` says nonzero bits lie below `n`.
fn round64(n: &Big, sticky: bool) -> (u64, i64) {
    let bits = n.bit_len();
    if bits <= 64 {
        return ((n.low_u128() as u64) << (64 - bits), bits as i64 - 64);
    }
    let shift = bits - 64;
    let mut mant = n.shr(shift).low_u128() as u64;
    let half = n.bit(shift - 1);
    let rest = sticky || n.any_below(shift - 1);
    if half && (rest || mant & 1 == 1) {
        mant = mant.wrapping_add(1);
        if mant == 0 {
            return (1 << 63, shift as i64 + 1);
        }
    }
    (mant, shift as i64)
}

/// `num / den` for a quotient that fits in 128 bits; true when inexact.
fn divide(num: &Big, den: &Big) -> (u128, bool) {
    let k = num.bit_len().saturating_sub(den.bit_len());
    let mut rem = num.shr(k);
    let mut q = 0u128;
    if rem.cmp(den) != Ordering::Less {
        rem.sub_assign(den);
        q = 1;
    }
    for i in (0..k).rev() {
        rem = rem.shl(1);
        if num.bit(i) {
            rem.mul_add_small(1, 1);
        }
        q <<= 1;
        if rem.cmp(den) != Ordering::Less {
            rem.sub_assign(den);
            q |= 1;
        }
    }
    (q, !rem.is_zero())
}

/// A natural number: little-endian 32-bit limbs, no zero limb on top.
#[derive(Clone, Default, Debug)]
struct Big(Vec<u32>);

impl Big {
    fn from_u128(v: u128) -> Big {
        let mut b = Big((0..4).map(|i| (v >> (32 * i)) as u32).collect());
        b.trim();
        b
    }

    fn trim(&mut self) {
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
    }

    fn is_zero(&self) -> bool {
        self.0.is_empty()
    }

    /// `self = self * m + a`.
    fn mul_add_small(&mut self, m: u32, a: u32) {
        let mut carry = a as u64;
        for limb in &mut self.0 {
            let t = *limb as u64 * m as u64 + carry;
            *limb = t as u32;
            carry = t >> 32;
        }
        if carry > 0 {
            self.0.push(carry as u32);
        }
    }

    fn bit_len(&self) -> usize {
        self.0
            .last()
            .map_or(0, |top| self.0.len() * 32 - top.leading_zeros() as usize)
    }

    fn bit(&self, i: usize) -> bool {
        self.0.get(i / 32).is_some_and(|l| (l >> (i % 32)) & 1 == 1)
    }

    /// True when any bit below position `i` is set.
    fn any_below(&self, i: usize) -> bool {
        let whole = (i / 32).min(self.0.len());
        let partial = !i.is_multiple_of(32)
            && self
                .0
                .get(i / 32)
                .is_some_and(|&l| l & ((1u32 << (i % 32)) - 1) != 0);
        partial || self.0[..whole].iter().any(|&l| l != 0)
    }

    fn low_u128(&self) -> u128 {
        self.0
            .iter()
            .take(4)
            .enumerate()
            .fold(0, |acc, (i, &l)| acc | (l as u128) << (32 * i))
    }

    fn shl(&self, n: usize) -> Big {
        let (limbs, bits) = (n / 32, n % 32);
        let mut v = vec![0u32; limbs];
        let mut carry = 0u32;
        for &l in &self.0 {
            if bits == 0 {
                v.push(l);
            } else {
                v.push((l << bits) | carry);
                carry = l >> (32 - bits);
            }
        }
        v.push(carry);
        let mut b = Big(v);
        b.trim();
        b
    }

    fn shr(&self, n: usize) -> Big {
        let (limbs, bits) = (n / 32, n % 32);
        let src = self.0.get(limbs..).unwrap_or_default();
        let mut v: Vec<u32> = (0..src.len())
            .map(|i| {
                let high = match (bits, src.get(i + 1)) {
                    (0, _) | (_, None) => 0,
                    (_, Some(&h)) => h << (32 - bits),
                };
                (src[i] >> bits) | high
            })
            .collect();
        while v.last() == Some(&0) {
            v.pop();
        }
        Big(v)
    }

    fn cmp(&self, other: &Big) -> Ordering {
        self.0
            .len()
            .cmp(&other.0.len())
            .then_with(|| self.0.iter().rev().cmp(other.0.iter().rev()))
    }

    /// `self -= other`; `other` must not be larger.
    fn sub_assign(&mut self, other: &Big) {
        let mut borrow = 0i64;
        for (i, limb) in self.0.iter_mut().enumerate() {
            let t = *limb as i64 - *other.0.get(i).unwrap_or(&0) as i64 - borrow;
            borrow = (t < 0) as i64;
            *limb = t.rem_euclid(1 << 32) as u32;
        }
        self.trim();
    }

    fn to_decimal(&self) -> String {
        let mut limbs = self.0.clone();
        let mut chunks = Vec::new();
        while !limbs.is_empty() {
            let mut rem = 0u64;
            for limb in limbs.iter_mut().rev() {
                let cur = (rem << 32) | *limb as u64;
                *limb = (cur / 1_000_000_000) as u32;
                rem = cur % 1_000_000_000;
            }
            chunks.push(rem);
            while limbs.last() == Some(&0) {
                limbs.pop();
            }
        }
        let mut text = chunks.pop().map_or("0".into(), |c| c.to_string());
        for c in chunks.iter().rev() {
            text.push_str(&format!("{c:09}"));
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn incr(a: &str, b: &str) -> Option<String> {
        let (a, b) = (parse(a.as_bytes())?, parse(b.as_bytes())?);
        add(a, b).map(format_human)
    }

    #[test]
    fn matches_redis_on_x86_64() {
        assert_eq!(incr("10.5", "0.1").as_deref(), Some("10.6"));
        assert_eq!(incr("0.1", "0.2").as_deref(), Some("0.3"));
        assert_eq!(
            incr("0", "1000.1").as_deref(),
            Some("1000.09999999999999998")
        );
        assert_eq!(
            incr("0", "12345.6789").as_deref(),
            Some("12345.67889999999999961")
        );
        assert_eq!(
            incr("0", "1e30").as_deref(),
            Some("1000000000000000000024696061952")
        );
        assert_eq!(incr("0", "1e-20").as_deref(), Some("0"));
        assert_eq!(incr("0", "-0.0").as_deref(), Some("0"));
        assert_eq!(incr("0", "0x10").as_deref(), Some("16"));
        assert_eq!(incr("5.0e3", "2.0e2").as_deref(), Some("5200"));
        assert_eq!(incr("0", "inf"), None);
        assert!(parse(b"1e-5000").is_none());
        assert!(parse(b"1e5000").is_none());
        assert!(parse(b" 1").is_none());
        assert!(parse(b"1e").is_none());
        assert!(parse(b"nan").is_none());
        assert!(parse(b".").is_none());
    }

    #[test]
    fn timeouts_round_up_like_ceill() {
        let ms = |s: &str| ceil_mul_to_i64(parse(s.as_bytes()).unwrap(), 1000);
        assert_eq!(ms("0.0001"), 1);
        assert_eq!(ms("0.001"), 1);
        assert_eq!(ms("1e-10"), 1);
        assert_eq!(ms("1.5"), 1500);
        assert_eq!(ms("0"), 0);
        assert_eq!(ms("-0.0001"), 0);
        assert_eq!(ms("-0.001"), 0); // -0.000999...9 in a long double
        assert!(ms("-0.002") < 0);
        assert_eq!(ms("-0.0015"), -1);
        assert_eq!(ms("1e-4000"), 1);
        assert_eq!(ms("-1"), -1000);
        assert_eq!(ms("9223372036854775"), 9223372036854775000);
        assert_eq!(ms("9223372036854776"), i64::MIN);
        assert_eq!(ms("1e30"), i64::MIN);
        assert_eq!(ms("inf"), i64::MIN);
        assert_eq!(ms("0x10"), 16000);
    }
}
