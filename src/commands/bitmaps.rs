//! Bitmap commands on string values: SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP,
//! BITFIELD and BITFIELD_RO, with Redis 7.0's argument order, replies and
//! error texts (bitops.c).
//!
//! Bit 0 is the most significant bit of the first byte. Writes grow the
//! string with zero bytes and keep its TTL; offsets are checked against
//! proto-max-bulk-len before anything is allocated. Bit-level work lives in
//! [`crate::types::bitfield`].

use super::strings::read_string;
use super::table::{flags::*, CommandSpec};
use super::{args, errors, Ctx};
use crate::command;
use crate::config::event_class;
use crate::resp::{Argv, Reply};
use crate::store::{Entry, Store};
use crate::types::bitfield::{self, FieldType, Overflow};

/// Every bitmap command.
pub static COMMANDS: &[CommandSpec] = &[
    command!(
        "setbit",
        4,
        WRITE | DENYOOM,
        (1, 1, 1),
        "bitmap",
        "Sets or clears the bit at offset in the string value stored at key",
        "2.2.0",
        setbit
    ),
    command!(
        "getbit",
        3,
        READONLY | FAST,
        (1, 1, 1),
        "bitmap",
        "Returns the bit value at offset in the string value stored at key",
        "2.2.0",
        getbit
    ),
    command!(
        "bitcount",
        -2,
        READONLY,
        (1, 1, 1),
        "bitmap",
        "Count set bits in a string",
        "2.6.0",
        bitcount
    ),
    command!(
        "bitpos",
        -3,
        READONLY,
        (1, 1, 1),
        "bitmap",
        "Find first bit set or clear in a string",
        "2.8.7",
        bitpos
    ),
    command!(
        "bitop",
        -4,
        WRITE | DENYOOM,
        (2, -1, 1),
        "bitmap",
        "Perform bitwise operations between strings",
        "2.6.0",
        bitop
    ),
    command!(
        "bitfield",
        -2,
        WRITE | DENYOOM,
        (1, 1, 1),
        "bitmap",
        "Perform arbitrary bitfield integer operations on strings",
        "3.2.0",
        bitfield_cmd
    ),
    command!(
        "bitfield_ro",
        -2,
        READONLY | FAST,
        (1, 1, 1),
        "bitmap",
        "Perform arbitrary bitfield integer operations on strings. Read-only variant of BITFIELD",
        "6.0.0",
        bitfield_ro
    ),
];

const BIT_OFFSET: &str = "ERR bit offset is not an integer or out of range";
const BIT_VALUE: &str = "ERR bit is not an integer or out of range";
const BIT_ARG: &str = "ERR The bit argument must be 1 or 0.";
const BITOP_NOT: &str = "ERR BITOP NOT must be called with a single source key.";
const FIELD_TYPE: &str =
    "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.";
const OVERFLOW_TYPE: &str = "ERR Invalid OVERFLOW type specified";
const RO_ONLY_GET: &str = "ERR BITFIELD_RO only supports the GET subcommand";

// ---------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------

/// Redis's `getBitOffsetFromArgument`: a bit offset, `#n` meaning `n * bits`
/// when `hash_bits` is given (BITFIELD). Refused when negative or when its
/// byte would be at or past proto-max-bulk-len (`limit`).
fn bit_offset(out: &mut Reply, arg: &[u8], hash_bits: Option<u32>, limit: u64) -> Option<u64> {
    let by = hash_bits.filter(|&b| b > 0 && arg.first() == Some(&b'#'));
    let digits = if by.is_some() { &arg[1..] } else { arg };
    let offset = crate::numbers::parse_i64(digits).map(|n| match by {
        // Redis multiplies in C `long long`: a wrap-around is what it checks.
        Some(bits) => n.wrapping_mul(bits as i64),
        None => n,
    });
    match offset {
        Some(n) if n >= 0 && (n as u64 >> 3) < limit => Some(n as u64),
        _ => {
            out.error(BIT_OFFSET);
            None
        }
    }
}

/// Redis's `lookupStringForBitCommand`: the string at `key`, created or
/// zero-padded to at least `len` bytes. The flag is true when it was created
/// or grown. Replies WRONGTYPE and returns None for another type.
fn string_for_bit_write<'s>(
    store: &'s mut Store,
    out: &mut Reply,
    db: usize,
    key: &[u8],
    len: usize,
) -> Option<(&'s mut Entry, bool)> {
    let mut changed = false;
    if !store.exists(db, key) {
        let mut entry = Entry::new_string(key, b"", None, store.new_clock());
        entry.grow_string(len);
        store.dbs[db].insert(entry);
        changed = true;
    }
    let entry = store.write(db, key).expect("live key");
    let Some(old_len) = entry.as_string().map(<[u8]>::len) else {
        out.error(errors::WRONGTYPE);
        return None;
    };
    if old_len < len {
        entry.grow_string(len);
        changed = true;
    }
    Some((entry, changed))
}

/// BYTE (default) or BIT as the unit of BITCOUNT and BITPOS ranges; replies
/// a syntax error for anything else.
fn parse_unit(out: &mut Reply, arg: &[u8]) -> Option<bool> {
    if args::is(arg, "bit") {
        Some(true)
    } else if args::is(arg, "byte") {
        Some(false)
    } else {
        out.error(errors::SYNTAX);
        None
    }
}

/// The optional trailing `BYTE | BIT` at `index` (BYTE when absent);
/// None after replying the syntax error.
fn optional_unit(out: &mut Reply, argv: Argv, index: usize) -> Option<bool> {
    if argv.len() > index {
        parse_unit(out, argv.get(index))
    } else {
        Some(false)
    }
}

/// A resolved range of BITCOUNT/BITPOS: inclusive byte indexes and the masks
/// of bits outside a BIT range in the first and last byte.
struct ByteRange {
    start: i64,
    end: i64,
    first_mask: u8,
    last_mask: u8,
}

/// Redis's index rules for BITCOUNT/BITPOS: negative indexes count from the
/// end, both are clamped into the string (`len` bytes), and a BIT range turns
/// into bytes plus edge masks. `start > end` means empty.
fn resolve_range(len: usize, mut start: i64, mut end: i64, bits: bool) -> ByteRange {
    let total = if bits { (len as i64) << 3 } else { len as i64 };
    if start < 0 {
        start += total;
    }
    if end < 0 {
        end += total;
    }
    start = start.max(0);
    end = end.max(0);
    if end >= total {
        end = total - 1;
    }
    let (mut first_mask, mut last_mask) = (0, 0);
    if bits && start <= end {
        first_mask = !((1u16 << (8 - (start & 7))) - 1) as u8;
        last_mask = ((1u16 << (7 - (end & 7))) - 1) as u8;
        start >>= 3;
        end >>= 3;
    }
    ByteRange {
        start,
        end,
        first_mask,
        last_mask,
    }
}

// ---------------------------------------------------------------------------
// SETBIT, GETBIT
// ---------------------------------------------------------------------------

/// `SETBIT key offset value`
fn setbit(ctx: &mut Ctx, argv: Argv) {
    let limit = ctx.server.config.proto_max_bulk_len;
    let Some(offset) = bit_offset(ctx.out, argv.get(2), None, limit) else {
        return;
    };
    let Some(on) = args::int_or(ctx.out, argv.get(3), BIT_VALUE) else {
        return;
    };
    if on & !1 != 0 {
        return ctx.out.error(BIT_VALUE);
    }
    let len = (offset >> 3) as usize + 1;
    let Some((entry, changed)) = string_for_bit_write(ctx.store, ctx.out, ctx.db, argv.get(1), len)
    else {
        return;
    };
    let bytes = entry.string_mut().expect("string");
    let old = bitfield::get_bit(bytes, offset);
    if changed || old as i64 != on {
        bitfield::set_bit(bytes, offset, on == 1);
        ctx.server.dirty += 1;
        ctx.notify(event_class::STRING, "setbit", argv.get(1));
    }
    ctx.out.int(old as i64);
}

/// `GETBIT key offset`
fn getbit(ctx: &mut Ctx, argv: Argv) {
    let limit = ctx.server.config.proto_max_bulk_len;
    let Some(offset) = bit_offset(ctx.out, argv.get(2), None, limit) else {
        return;
    };
    if let Ok(value) = read_string(ctx.store, ctx.out, ctx.db, argv.get(1)) {
        let bit = value.map_or(0, |s| bitfield::get_bit(s, offset));
        ctx.out.int(bit as i64);
    }
}

// ---------------------------------------------------------------------------
// BITCOUNT, BITPOS
// ---------------------------------------------------------------------------

/// `BITCOUNT key [start end [BYTE | BIT]]`
///
/// As in Redis 7.0, a missing key counts 0 before the range is even parsed.
fn bitcount(ctx: &mut Ctx, argv: Argv) {
    let s = match read_string(ctx.store, ctx.out, ctx.db, argv.get(1)) {
        Err(()) => return,
        Ok(None) => return ctx.out.int(0),
        Ok(Some(s)) => s,
    };
    let out = &mut *ctx.out;
    let range = match argv.len() {
        2 => ByteRange {
            start: 0,
            end: s.len() as i64 - 1,
            first_mask: 0,
            last_mask: 0,
        },
        4 | 5 => {
            let Some(start) = args::int(out, argv.get(2)) else {
                return;
            };
            let Some(end) = args::int(out, argv.get(3)) else {
                return;
            };
            let Some(bits) = optional_unit(out, argv, 4) else {
                return;
            };
            if start < 0 && end < 0 && start > end {
                return out.int(0);
            }
            resolve_range(s.len(), start, end, bits)
        }
        _ => return out.error(errors::SYNTAX),
    };
    if range.start > range.end {
        return out.int(0);
    }
    let (start, end) = (range.start as usize, range.end as usize);
    let edges = [s[start] & range.first_mask, s[end] & range.last_mask];
    let count = bitfield::popcount(&s[start..=end]) - bitfield::popcount(&edges);
    out.int(count as i64);
}

/// `BITPOS key bit [start [end [BYTE | BIT]]]`
///
/// Looking for a 0 with no end given treats the string as padded with zeros
/// on the right (it may answer the bit just past the end); with an end given,
/// only the range counts and -1 means none.
fn bitpos(ctx: &mut Ctx, argv: Argv) {
    let Some(bit) = args::int(ctx.out, argv.get(2)) else {
        return;
    };
    if bit != 0 && bit != 1 {
        return ctx.out.error(BIT_ARG);
    }
    let bit = bit == 1;
    let s = match read_string(ctx.store, ctx.out, ctx.db, argv.get(1)) {
        Err(()) => return,
        Ok(None) => return ctx.out.int(if bit { -1 } else { 0 }),
        Ok(Some(s)) => s,
    };
    let out = &mut *ctx.out;
    let (start, end, bits) = match argv.len() {
        3 => (0, None, false),
        4..=6 => {
            let Some(start) = args::int(out, argv.get(3)) else {
                return;
            };
            let Some(bits) = optional_unit(out, argv, 5) else {
                return;
            };
            let end = if argv.len() >= 5 {
                let Some(end) = args::int(out, argv.get(4)) else {
                    return;
                };
                Some(end)
            } else {
                None
            };
            (start, end, bits)
        }
        _ => return out.error(errors::SYNTAX),
    };
    out.int(bitpos_in(s, bit, start, end, bits));
}

/// Redis 7.0's BITPOS over `s` once the arguments are parsed.
fn bitpos_in(s: &[u8], bit: bool, start: i64, end: Option<i64>, bits: bool) -> i64 {
    let end_given = end.is_some();
    let default_end = if bits {
        ((s.len() as i64) << 3) + 7
    } else {
        s.len() as i64 - 1
    };
    let r = resolve_range(s.len(), start, end.unwrap_or(default_end), bits);
    if r.start > r.end {
        return -1;
    }
    // `first_bit` over one byte with the out-of-range bits forced to the
    // value not looked for.
    let masked = |byte: u8, mask: u8| if bit { byte & !mask } else { byte | mask };
    let mut start = r.start;
    let mut bytes = r.end - r.start + 1;
    let pos = 'found: {
        if r.first_mask != 0 {
            let mut b = masked(s[start as usize], r.first_mask);
            if r.last_mask != 0 && bytes == 1 {
                b = masked(b, r.last_mask);
            }
            let pos = bitfield::first_bit(&[b], bit);
            if bytes == 1 || (pos != -1 && pos != 8) {
                break 'found pos;
            }
            start += 1;
            bytes -= 1;
        }
        // The whole bytes between the edges.
        let whole = bytes - (r.last_mask != 0) as i64;
        if whole > 0 {
            let from = start as usize;
            let pos = bitfield::first_bit(&s[from..from + whole as usize], bit);
            if bytes == whole || (pos != -1 && pos != whole << 3) {
                break 'found pos;
            }
            start += whole;
            bytes -= whole;
        }
        // The last byte of a BIT range that ends inside it.
        bitfield::first_bit(&[masked(s[r.end as usize], r.last_mask)], bit)
    };
    if end_given && !bit && pos == bytes << 3 {
        return -1;
    }
    if pos == -1 {
        -1
    } else {
        pos + (start << 3)
    }
}

// ---------------------------------------------------------------------------
// BITOP
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq)]
enum BitOp {
    And,
    Or,
    Xor,
    Not,
}

/// `BITOP <AND | OR | XOR | NOT> destkey key [key ...]`
///
/// Missing keys are empty strings and shorter strings are padded with zeros;
/// the result replaces `destkey` (its TTL cleared), or deletes it when empty.
/// Replies the result's length.
fn bitop(ctx: &mut Ctx, argv: Argv) {
    let name = argv.get(1);
    let op = if args::is(name, "and") {
        BitOp::And
    } else if args::is(name, "or") {
        BitOp::Or
    } else if args::is(name, "xor") {
        BitOp::Xor
    } else if args::is(name, "not") {
        BitOp::Not
    } else {
        return ctx.out.error(errors::SYNTAX);
    };
    if op == BitOp::Not && argv.len() != 4 {
        return ctx.out.error(BITOP_NOT);
    }
    // Type checks, expiry and hit/miss stats first, then the values are
    // borrowed all at once (no copies).
    for key in argv.iter_from(3) {
        if read_string(ctx.store, ctx.out, ctx.db, key).is_err() {
            return;
        }
    }
    let db = &ctx.store.dbs[ctx.db];
    let sources: Vec<&[u8]> = argv
        .iter_from(3)
        .map(|key| db.peek(key).and_then(Entry::as_string).unwrap_or_default())
        .collect();
    let max_len = sources.iter().map(|s| s.len()).max().unwrap_or(0);
    let mut result = vec![0u8; max_len];
    result[..sources[0].len()].copy_from_slice(sources[0]);
    match op {
        BitOp::Not => result.iter_mut().for_each(|b| *b = !*b),
        BitOp::And => {
            for src in &sources[1..] {
                result.iter_mut().zip(src.iter()).for_each(|(r, s)| *r &= s);
                result[src.len()..].fill(0);
            }
        }
        BitOp::Or => {
            for src in &sources[1..] {
                result.iter_mut().zip(src.iter()).for_each(|(r, s)| *r |= s);
            }
        }
        BitOp::Xor => {
            for src in &sources[1..] {
                result.iter_mut().zip(src.iter()).for_each(|(r, s)| *r ^= s);
            }
        }
    }
    let dest = argv.get(2);
    if max_len > 0 {
        ctx.expire_if_needed(dest);
        let clock = ctx.store.new_clock();
        ctx.store.dbs[ctx.db].set_string(dest, &result, None, clock);
        ctx.server.dirty += 1;
        ctx.notify(event_class::STRING, "set", dest);
    } else if ctx.store.dbs[ctx.db].remove(dest).is_some() {
        // Redis's dbDelete: removed even when expired (a `del`, no `expired`).
        ctx.server.dirty += 1;
        ctx.notify(event_class::GENERIC, "del", dest);
    }
    ctx.out.int(max_len as i64);
}

// ---------------------------------------------------------------------------
// BITFIELD, BITFIELD_RO
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq)]
enum FieldOpKind {
    Get,
    Set,
    IncrBy,
}

/// One parsed BITFIELD subcommand.
struct FieldOp {
    kind: FieldOpKind,
    ty: FieldType,
    offset: u64,
    /// SET's value or INCRBY's increment.
    value: i64,
    /// The OVERFLOW mode in force when the subcommand was given.
    overflow: Overflow,
}

/// Parsed subcommands, and the last bit a SET or INCRBY writes (None when
/// there is no write).
type FieldOps = (Vec<FieldOp>, Option<u64>);

/// Parses BITFIELD's subcommands as Redis does, replying the first error.
fn parse_field_ops(out: &mut Reply, argv: Argv, limit: u64) -> Option<FieldOps> {
    let mut ops = Vec::new();
    let mut overflow = Overflow::Wrap;
    let mut highest_write: Option<u64> = None;
    let mut j = 2;
    while j < argv.len() {
        let remaining = argv.len() - j - 1;
        let sub = argv.get(j);
        let kind = if args::is(sub, "get") && remaining >= 2 {
            FieldOpKind::Get
        } else if args::is(sub, "set") && remaining >= 3 {
            FieldOpKind::Set
        } else if args::is(sub, "incrby") && remaining >= 3 {
            FieldOpKind::IncrBy
        } else if args::is(sub, "overflow") && remaining >= 1 {
            let mode = argv.get(j + 1);
            overflow = if args::is(mode, "wrap") {
                Overflow::Wrap
            } else if args::is(mode, "sat") {
                Overflow::Sat
            } else if args::is(mode, "fail") {
                Overflow::Fail
            } else {
                out.error(OVERFLOW_TYPE);
                return None;
            };
            j += 2;
            continue;
        } else {
            out.error(errors::SYNTAX);
            return None;
        };
        let Some(ty) = FieldType::parse(argv.get(j + 1)) else {
            out.error(FIELD_TYPE);
            return None;
        };
        let offset = bit_offset(out, argv.get(j + 2), Some(ty.bits), limit)?;
        let mut value = 0;
        if kind != FieldOpKind::Get {
            let last = offset + ty.bits as u64 - 1;
            highest_write = Some(highest_write.map_or(last, |h| h.max(last)));
            value = args::int(out, argv.get(j + 3))?;
        }
        ops.push(FieldOp {
            kind,
            ty,
            offset,
            value,
            overflow,
        });
        j += if kind == FieldOpKind::Get { 3 } else { 4 };
    }
    Some((ops, highest_write))
}

/// Replies GET's value of `op` read from `bytes` (zeros past the end).
fn reply_field(out: &mut Reply, bytes: &[u8], op: &FieldOp) {
    if op.ty.signed {
        out.int(bitfield::get_signed(bytes, op.offset, op.ty.bits));
    } else {
        out.int(bitfield::get_unsigned(bytes, op.offset, op.ty.bits) as i64);
    }
}

/// Runs SET or INCRBY `op` on `bytes`, replying its result (null when
/// OVERFLOW FAIL refuses it). True when the field's value changed or
/// `created` (the string was just created or grown).
fn write_field(out: &mut Reply, bytes: &mut [u8], op: &FieldOp, created: bool) -> bool {
    let FieldType { signed, bits } = op.ty;
    let incr = op.kind == FieldOpKind::IncrBy;
    let (old, new, reply) = if signed {
        let old = bitfield::get_signed(bytes, op.offset, bits);
        let (from, by) = if incr { (old, op.value) } else { (op.value, 0) };
        let (over, limit) = bitfield::check_signed_overflow(from, by, bits, op.overflow);
        if over != 0 && limit.is_none() {
            out.null();
            return false;
        }
        let new = if over != 0 {
            limit.unwrap_or_default()
        } else {
            from.wrapping_add(by)
        };
        bitfield::set_unsigned(bytes, op.offset, bits, new as u64);
        (old as u64, new as u64, if incr { new } else { old })
    } else {
        let old = bitfield::get_unsigned(bytes, op.offset, bits);
        let (from, by) = if incr {
            (old, op.value)
        } else {
            (op.value as u64, 0)
        };
        let (over, limit) = bitfield::check_unsigned_overflow(from, by, bits, op.overflow);
        if over != 0 && limit.is_none() {
            out.null();
            return false;
        }
        let new = if over != 0 {
            limit.unwrap_or_default()
        } else {
            from.wrapping_add(by as u64)
        };
        bitfield::set_unsigned(bytes, op.offset, bits, new);
        (old, new, if incr { new as i64 } else { old as i64 })
    };
    out.int(reply);
    created || old != new
}

/// `BITFIELD key [GET encoding offset | [OVERFLOW <WRAP | SAT | FAIL>] <SET encoding offset value | INCRBY encoding offset increment> ...]`
fn bitfield_cmd(ctx: &mut Ctx, argv: Argv) {
    bitfield_generic(ctx, argv, false);
}

/// `BITFIELD_RO key [GET encoding offset ...]`
fn bitfield_ro(ctx: &mut Ctx, argv: Argv) {
    bitfield_generic(ctx, argv, true);
}

/// Redis's `bitfieldGeneric`: every subcommand is parsed (and any error
/// replied) before the key is looked at; only SET and INCRBY create or grow
/// the string.
fn bitfield_generic(ctx: &mut Ctx, argv: Argv, read_only_command: bool) {
    let limit = ctx.server.config.proto_max_bulk_len;
    let Some((ops, highest_write)) = parse_field_ops(ctx.out, argv, limit) else {
        return;
    };
    let key = argv.get(1);
    let Some(highest) = highest_write else {
        let Ok(value) = read_string(ctx.store, ctx.out, ctx.db, key) else {
            return;
        };
        let bytes = value.unwrap_or_default();
        ctx.out.array(ops.len());
        for op in &ops {
            reply_field(ctx.out, bytes, op);
        }
        return;
    };
    if read_only_command {
        return ctx.out.error(RO_ONLY_GET);
    }
    let len = (highest >> 3) as usize + 1;
    let Some((entry, created)) = string_for_bit_write(ctx.store, ctx.out, ctx.db, key, len) else {
        return;
    };
    let bytes = entry.string_mut().expect("string");
    ctx.out.array(ops.len());
    let mut changes = 0;
    for op in &ops {
        if op.kind == FieldOpKind::Get {
            reply_field(ctx.out, bytes, op);
        } else if write_field(ctx.out, bytes, op, created) {
            changes += 1;
        }
    }
    ctx.server.dirty += changes;
    if changes > 0 {
        ctx.notify(event_class::STRING, "setbit", argv.get(1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::commands::run_handler as call;

    /// A store whose key `list` holds a list.
    fn store_with_a_list() -> Store {
        let mut store = Store::new(1);
        let list = crate::types::Object::List(crate::types::List::default());
        store.dbs[0].insert(Entry::new_object(b"list", list, None, 0));
        store
    }

    /// BITPOS by brute force: the first matching bit inside the range, with
    /// Redis's rule for a clear bit past the end when no end is given.
    fn bitpos_naive(s: &[u8], bit: bool, start: i64, end: Option<i64>, bits: bool) -> i64 {
        let unit = if bits { 1 } else { 8 };
        let total = s.len() as i64 * 8 / unit;
        let fix = |i: i64| if i < 0 { (i + total).max(0) } else { i };
        let from = fix(start);
        let to = end.map_or(total - 1, |e| fix(e).min(total - 1));
        if from > to {
            return -1;
        }
        let (lo, hi) = (from * unit, (to + 1) * unit);
        for i in lo..hi {
            if bitfield::get_bit(s, i as u64) == bit as u8 {
                return i;
            }
        }
        if !bit && end.is_none() {
            return hi;
        }
        -1
    }

    #[test]
    fn bitpos_matches_a_brute_force_model() {
        let samples: [&[u8]; 7] = [
            b"",
            b"\x00",
            b"\xff",
            b"\xff\xf0\x00",
            b"\x00\x0f\xff",
            b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f",
            b"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01",
        ];
        for s in samples {
            for bit in [false, true] {
                for bits in [false, true] {
                    let n = s.len() as i64 * if bits { 8 } else { 1 };
                    for start in -n - 2..n + 2 {
                        for end in (-n - 2..n + 2).map(Some).chain([None]) {
                            if end.is_none() && bits {
                                continue;
                            }
                            assert_eq!(
                                bitpos_in(s, bit, start, end, bits),
                                bitpos_naive(s, bit, start, end, bits),
                                "{s:?} bit={bit} {start}..{end:?} bits={bits}"
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn ranges_resolve_like_redis() {
        let r = resolve_range(6, 1, 1, false);
        assert_eq!((r.start, r.end), (1, 1));
        let r = resolve_range(6, -100, 100, false);
        assert_eq!((r.start, r.end), (0, 5));
        let r = resolve_range(6, 5, 30, true);
        assert_eq!(
            (r.start, r.end, r.first_mask, r.last_mask),
            (0, 3, 0xf8, 0x01)
        );
        let r = resolve_range(0, 0, -1, false);
        assert!(r.start > r.end);
    }

    #[test]
    fn other_types_get_wrongtype_after_argument_checks() {
        let mut store = store_with_a_list();
        let wrongtype = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
        let cases: [&[&[u8]]; 10] = [
            &[b"SETBIT", b"list", b"1", b"1"],
            &[b"GETBIT", b"list", b"1"],
            &[b"BITCOUNT", b"list"],
            &[b"BITCOUNT", b"list", b"1", b"x"],
            &[b"BITPOS", b"list", b"1"],
            &[b"BITOP", b"OR", b"d", b"nokey", b"list"],
            &[b"BITFIELD", b"list", b"GET", b"i8", b"0"],
            &[b"BITFIELD", b"list", b"SET", b"i8", b"0", b"1"],
            &[b"BITFIELD_RO", b"list", b"GET", b"i8", b"0"],
            &[b"BITFIELD", b"list"],
        ];
        for args in cases {
            assert_eq!(call(&mut store, args), wrongtype, "{args:?}");
        }
        // Argument errors come first.
        assert_eq!(
            call(&mut store, &[b"SETBIT", b"list", b"1", b"2"]),
            "-ERR bit is not an integer or out of range\r\n"
        );
        assert_eq!(
            call(&mut store, &[b"BITPOS", b"list", b"3"]),
            "-ERR The bit argument must be 1 or 0.\r\n"
        );
        assert_eq!(
            call(&mut store, &[b"BITOP", b"AND", b"d", b"nokey"]),
            ":0\r\n"
        );
        assert_eq!(store.dbs[0].len(), 1, "nothing created");
    }
}
