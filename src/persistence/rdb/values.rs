//! Reading one non-string value of an RDB file and building it under the
//! configured encoding limits, with the encoding redis-server 7.0 gives it
//! on load: a set of integers within set-max-intset-entries is an intset; a
//! hash or sorted set read element by element is a listpack when it fits
//! the entry and value limits; one read from a listpack or ziplist stays a
//! listpack unless it has too many entries (long values do not convert it,
//! except in a zipmap).
//!
//! Every element is checked: duplicate hash fields or set/sorted-set
//! members, NaN scores and malformed blobs are errors, as with redis-server's
//! deep sanitization. An empty collection comes back as `None` (Redis skips
//! such keys).

use super::input::{error, Input, Result};
use super::{container, kind, legacy};
use crate::numbers::parse_score;
use crate::store::Entry;
use crate::types::hash::{Hash, HashLimits};
use crate::types::list::{End, List};
use crate::types::listpack::{self, Elem};
use crate::types::set::{Member, Set};
use crate::types::zset::{self, ZSet};
use crate::types::{Object, TypeLimits};
use std::io::Read;

/// Buffers reused from value to value.
#[derive(Default)]
pub(super) struct Scratch {
    /// An element, a field, or a blob.
    a: Vec<u8>,
    /// A value, or score text.
    b: Vec<u8>,
}

/// True for the bytes that introduce a value (the types Redis 7.0 knows,
/// and 7.2's SET_LISTPACK and STREAM_LISTPACKS_3).
pub(super) fn is_value_type(b: u8) -> bool {
    matches!(b, 0..=7 | 9..=21)
}

/// Reads a value of type `type_byte` and builds the entry `(key,
/// expire_at, clock)` holding it; `Ok(None)` for an empty collection.
pub(super) fn read_entry<R: Read>(
    input: &mut Input<R>,
    type_byte: u8,
    (key, expire_at, clock): (&[u8], Option<u64>, u32),
    limits: &TypeLimits,
    s: &mut Scratch,
) -> Result<Option<Entry>> {
    if type_byte == kind::STRING {
        input.string_into(&mut s.b)?;
        return Ok(Some(Entry::new_string(key, &s.b, expire_at, clock)));
    }
    let object = read_object(input, type_byte, limits, s)?;
    Ok(object.map(|o| Entry::new_object(key, o, expire_at, clock)))
}

/// Most elements a count from the file may pre-allocate room for.
const PREALLOCATE_MAX: u64 = 4096;

/// Reads a value of type `type_byte` (any type but STRING). `Ok(None)` is an
/// empty collection.
fn read_object<R: Read>(
    input: &mut Input<R>,
    type_byte: u8,
    limits: &TypeLimits,
    s: &mut Scratch,
) -> Result<Option<Object>> {
    let at = input.offset();
    let object = match type_byte {
        kind::LIST => {
            let mut list = List::default();
            for _ in 0..input.length()? {
                input.string_into(&mut s.a)?;
                list.push(End::Tail, &s.a, limits.list_fill);
            }
            Object::List(list)
        }
        kind::LIST_ZIPLIST => {
            let zl = read_blob(input, s)?;
            let mut list = List::default();
            push_all(&mut list, ziplist(zl, at)?, limits);
            Object::List(list)
        }
        kind::LIST_QUICKLIST | kind::LIST_QUICKLIST_2 => {
            Object::List(read_quicklist(input, type_byte, limits, s)?)
        }
        kind::SET => {
            let mut set = Set::default();
            for _ in 0..input.length()? {
                let elem_at = input.offset();
                input.string_into(&mut s.a)?;
                if !set.add(&s.a, limits.set_max_intset_entries) {
                    return error(elem_at, "duplicate set member");
                }
            }
            Object::Set(set)
        }
        kind::SET_INTSET => {
            let blob = read_blob(input, s)?;
            let mut set = Set::default();
            for n in intset(blob, at)? {
                set.add_member(Member::Int(n), limits.set_max_intset_entries);
            }
            Object::Set(set)
        }
        kind::SET_LISTPACK => {
            let lp = read_blob(input, s)?;
            let mut set = Set::default();
            for e in listpack(lp, at)? {
                if !e.with_bytes(|m| set.add(m, limits.set_max_intset_entries)) {
                    return error(at, "duplicate set member in listpack");
                }
            }
            Object::Set(set)
        }
        kind::ZSET | kind::ZSET_2 => {
            let n = input.length()?;
            let mut pairs = Vec::with_capacity(n.min(PREALLOCATE_MAX) as usize);
            for _ in 0..n {
                input.string_into(&mut s.a)?;
                let score_at = input.offset();
                let score = if type_byte == kind::ZSET_2 {
                    input.binary_double()?
                } else {
                    input.text_double(&mut s.b)?
                };
                if score.is_nan() {
                    return error(score_at, "sorted set score is NaN");
                }
                pairs.push((Box::from(&s.a[..]), score));
            }
            Object::ZSet(sorted_set(pairs, limits.zset, at)?)
        }
        kind::ZSET_ZIPLIST => {
            let zl = read_blob(input, s)?;
            Object::ZSet(zset_from_pairs(ziplist(zl, at)?, limits, at)?)
        }
        kind::ZSET_LISTPACK => {
            let lp = read_blob(input, s)?;
            Object::ZSet(zset_from_pairs(listpack(lp, at)?, limits, at)?)
        }
        kind::HASH => {
            let mut hash = Hash::default();
            for _ in 0..input.length()? {
                let field_at = input.offset();
                input.string_into(&mut s.a)?;
                input.string_into(&mut s.b)?;
                if !hash.set(&s.a, &s.b, limits.hash) {
                    return error(field_at, "duplicate hash field");
                }
            }
            Object::Hash(hash)
        }
        kind::HASH_ZIPMAP => {
            let zm = read_blob(input, s)?;
            legacy::validate_zipmap(zm).or_else(|why| error(at, format!("bad zipmap: {why}")))?;
            let mut hash = Hash::default();
            for (field, value) in legacy::zipmap_pairs(zm) {
                if !hash.set(field, value, limits.hash) {
                    return error(at, "duplicate hash field in zipmap");
                }
            }
            Object::Hash(hash)
        }
        kind::HASH_ZIPLIST => {
            let zl = read_blob(input, s)?;
            Object::Hash(hash_from_pairs(ziplist(zl, at)?, limits, at)?)
        }
        kind::HASH_LISTPACK => {
            let lp = read_blob(input, s)?;
            Object::Hash(hash_from_pairs(listpack(lp, at)?, limits, at)?)
        }
        kind::MODULE_PRE_GA | kind::MODULE_2 => {
            return error(
                at,
                "module value types are not supported (they need a Redis module)",
            )
        }
        kind::STREAM_LISTPACKS | kind::STREAM_LISTPACKS_2 | kind::STREAM_LISTPACKS_3 => {
            return error(at, "stream type not supported")
        }
        other => return error(at, format!("unknown value type {other}")),
    };
    Ok((!object.is_empty()).then_some(object))
}

/// Reads a blob string into the scratch space.
fn read_blob<'s, R: Read>(input: &mut Input<R>, s: &'s mut Scratch) -> Result<&'s [u8]> {
    input.string_into(&mut s.a)?;
    Ok(&s.a)
}

/// The elements of a ziplist blob found at `at`.
fn ziplist(zl: &[u8], at: u64) -> Result<impl Iterator<Item = Elem<'_>>> {
    match legacy::validate_ziplist(zl) {
        Ok(_) => Ok(legacy::ziplist_elements(zl)),
        Err(why) => error(at, format!("bad ziplist: {why}")),
    }
}

/// The elements of a listpack blob found at `at`.
fn listpack(lp: &[u8], at: u64) -> Result<listpack::Elements<'_>> {
    match listpack::validate(lp) {
        Ok(_) => Ok(listpack::elements(lp)),
        Err(why) => error(at, format!("bad listpack: {why}")),
    }
}

/// The members of an intset blob found at `at`: width and count (u32 LE),
/// then the members, strictly ascending, in `width` bytes each.
fn intset(blob: &[u8], at: u64) -> Result<impl Iterator<Item = i64> + '_> {
    let bad = |why: String| error(at, format!("bad intset: {why}"));
    if blob.len() < 8 {
        return bad(format!("{} bytes is too short", blob.len()));
    }
    let width = u32::from_le_bytes(blob[..4].try_into().unwrap()) as usize;
    let count = u32::from_le_bytes(blob[4..8].try_into().unwrap()) as usize;
    if ![2, 4, 8].contains(&width) {
        return bad(format!("unknown width {width}"));
    }
    if count.checked_mul(width).and_then(|n| n.checked_add(8)) != Some(blob.len()) {
        return bad(format!(
            "{count} members of {width} bytes in a {}-byte blob",
            blob.len()
        ));
    }
    let member = move |c: &[u8]| match width {
        2 => i16::from_le_bytes([c[0], c[1]]) as i64,
        4 => i32::from_le_bytes([c[0], c[1], c[2], c[3]]) as i64,
        _ => i64::from_le_bytes(c.try_into().unwrap()),
    };
    let body = &blob[8..];
    let ascending = body
        .chunks_exact(width)
        .zip(body.chunks_exact(width).skip(1))
        .all(|(a, b)| member(a) < member(b));
    if !ascending {
        return bad("members not in ascending order".into());
    }
    Ok(body.chunks_exact(width).map(member))
}

/// Appends every element to `list`.
fn push_all<'e>(list: &mut List, elements: impl Iterator<Item = Elem<'e>>, limits: &TypeLimits) {
    for e in elements {
        e.with_bytes(|b| list.push(End::Tail, b, limits.list_fill));
    }
}

/// A quicklist: a count of nodes, each a ziplist (v1) or, in v2, a
/// container kind and a listpack or a plain element. Empty nodes are
/// skipped, as Redis does.
fn read_quicklist<R: Read>(
    input: &mut Input<R>,
    type_byte: u8,
    limits: &TypeLimits,
    s: &mut Scratch,
) -> Result<List> {
    let mut list = List::default();
    for _ in 0..input.length()? {
        let mut packed = true;
        if type_byte == kind::LIST_QUICKLIST_2 {
            let container_at = input.offset();
            match input.length()? {
                n if n == container::PACKED as u64 => {}
                n if n == container::PLAIN as u64 => packed = false,
                n => return error(container_at, format!("unknown quicklist container {n}")),
            }
        }
        let at = input.offset();
        let blob = read_blob(input, s)?;
        if !packed {
            list.push(End::Tail, blob, limits.list_fill);
        } else if type_byte == kind::LIST_QUICKLIST {
            push_all(&mut list, ziplist(blob, at)?, limits);
        } else {
            push_all(&mut list, listpack(blob, at)?, limits);
        }
    }
    Ok(list)
}

/// A hash from the alternating fields and values of a listpack or ziplist.
/// Like Redis 7.0, only too many fields convert it to a hashtable; long
/// ones do not.
fn hash_from_pairs<'e>(
    mut elements: impl Iterator<Item = Elem<'e>>,
    limits: &TypeLimits,
    at: u64,
) -> Result<Hash> {
    let limits = HashLimits {
        max_value: usize::MAX,
        ..limits.hash
    };
    let mut hash = Hash::default();
    while let Some(field) = elements.next() {
        let Some(value) = elements.next() else {
            return error(at, "hash blob holds an odd number of elements");
        };
        let created = field.with_bytes(|f| value.with_bytes(|v| hash.set(f, v, limits)));
        if !created {
            return error(at, "duplicate hash field");
        }
    }
    Ok(hash)
}

/// A sorted set from the alternating members and scores (an integer
/// element, or a score's text) of a listpack or ziplist. Like Redis 7.0,
/// only too many members convert it to a skiplist; long ones do not.
fn zset_from_pairs<'e>(
    mut elements: impl Iterator<Item = Elem<'e>>,
    limits: &TypeLimits,
    at: u64,
) -> Result<ZSet> {
    let mut pairs = Vec::new();
    while let Some(member) = elements.next() {
        let score = match elements.next() {
            None => return error(at, "sorted set blob holds an odd number of elements"),
            Some(Elem::Int(v)) => v as f64,
            Some(Elem::Str(text)) => match parse_score(text) {
                Some(v) => v,
                None => return error(at, "bad score in sorted set blob"),
            },
        };
        pairs.push((member.with_bytes(|m| Box::from(m)), score));
    }
    let limits = zset::Limits {
        max_value: usize::MAX,
        ..limits.zset
    };
    sorted_set(pairs, limits, at)
}

/// A sorted set of `pairs` (no NaN score), which may come in any order:
/// listpack when it fits `limits`, as Redis converts after loading.
fn sorted_set(mut pairs: Vec<(Box<[u8]>, f64)>, limits: zset::Limits, at: u64) -> Result<ZSet> {
    let mut members: Vec<&[u8]> = pairs.iter().map(|(m, _)| &m[..]).collect();
    members.sort_unstable();
    if members.windows(2).any(|w| w[0] == w[1]) {
        return error(at, "duplicate sorted set member");
    }
    // The sorted-set order: scores as numbers (-0 equals 0), then members.
    pairs.sort_by(|a, b| {
        a.1.partial_cmp(&b.1)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then_with(|| a.0.cmp(&b.0))
    });
    Ok(ZSet::from_sorted(pairs, limits))
}
