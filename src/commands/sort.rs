//! SORT and SORT_RO, as Redis 7.0's sort.c: sort a list, set or sorted set
//! numerically (by the elements or by weights looked up through a BY
//! pattern) or lexicographically (ALPHA), window it with LIMIT, fetch
//! values through GET patterns, and reply or STORE the result as a list.
//!
//! Ordering rules: numeric scores compare as doubles, equal scores by the
//! elements' bytes; ALPHA compares bytes (Redis's strcoll in the C locale);
//! with ALPHA BY a missing weight sorts first. DESC reverses the comparison.
//! Where Redis leaves the order of equal ALPHA BY weights to qsort, this
//! breaks the tie by the elements' bytes, so SORT ... STORE is a function of
//! the data and replays the same from the AOF.

use super::table::{flags::*, CommandSpec};
use super::{args, errors, lists, Ctx};
use crate::command;
use crate::config::event_class;
use crate::numbers::{parse_i64, parse_sort_weight};
use crate::resp::Argv;
use crate::store::{Entry, Store, Value};
use crate::types::list::End;
use crate::types::{List, Object, ZSet};
use std::cmp::Ordering;

/// SORT and SORT_RO.
pub static COMMANDS: &[CommandSpec] = &[
    command!(
        "sort",
        -2,
        WRITE | DENYOOM,
        (1, 1, 1),
        "generic",
        "Sort the elements in a list, set or sorted set",
        "1.0.0",
        sort
    ),
    command!(
        "sort_ro",
        -2,
        READONLY,
        (1, 1, 1),
        "generic",
        "Sort the elements in a list, set or sorted set. Read-only variant of SORT.",
        "7.0.0",
        sort_ro
    ),
];

/// The error when a weight (or an element sorted numerically) is no double.
const NOT_DOUBLE: &str = "ERR One or more scores can't be converted into double";

/// `SORT key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]]
/// [ASC|DESC] [ALPHA] [STORE destination]`
fn sort(ctx: &mut Ctx, argv: Argv) {
    sort_generic(ctx, argv, false);
}

/// `SORT_RO key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern
/// ...]] [ASC|DESC] [ALPHA]`
fn sort_ro(ctx: &mut Ctx, argv: Argv) {
    sort_generic(ctx, argv, true);
}

/// The parsed options of one SORT call.
#[derive(Default)]
struct Options<'a> {
    desc: bool,
    alpha: bool,
    /// LIMIT offset count (count < 0: to the end).
    offset: i64,
    count: i64,
    /// STORE destination (never for SORT_RO).
    store: Option<&'a [u8]>,
    /// BY pattern holding a `*`.
    by: Option<&'a [u8]>,
    /// BY a constant: keep the input's order.
    dont_sort: bool,
    /// GET patterns, in order.
    gets: Vec<&'a [u8]>,
}

/// Parses the options after the key as Redis does (later ones override
/// earlier ones; an option missing its arguments is a syntax error);
/// replies the error and returns None when bad.
fn parse<'a>(ctx: &mut Ctx, argv: Argv<'a>, readonly: bool) -> Option<Options<'a>> {
    let mut o = Options {
        count: -1,
        ..Options::default()
    };
    let mut j = 2;
    while j < argv.len() {
        let arg = argv.get(j);
        let left = argv.len() - j - 1;
        let is = |word: &str| args::is(arg, word);
        if is("asc") {
            o.desc = false;
        } else if is("desc") {
            o.desc = true;
        } else if is("alpha") {
            o.alpha = true;
        } else if is("limit") && left >= 2 {
            let (Some(offset), Some(count)) =
                (parse_i64(argv.get(j + 1)), parse_i64(argv.get(j + 2)))
            else {
                ctx.out.error(errors::NOT_INTEGER);
                return None;
            };
            (o.offset, o.count) = (offset, count);
            j += 2;
        } else if !readonly && is("store") && left >= 1 {
            o.store = Some(argv.get(j + 1));
            j += 1;
        } else if is("by") && left >= 1 {
            let pattern = argv.get(j + 1);
            // A pattern without '*' names no per-element key: nothing to
            // sort by (and, as in Redis, a later BY does not undo that).
            if !pattern.contains(&b'*') {
                o.dont_sort = true;
            }
            o.by = Some(pattern);
            j += 1;
        } else if is("get") && left >= 1 {
            o.gets.push(argv.get(j + 1));
            j += 1;
        } else {
            ctx.out.error(errors::SYNTAX);
            return None;
        }
        j += 1;
    }
    if o.dont_sort {
        o.by = None;
    }
    Some(o)
}

/// SORT and SORT_RO: parse, load, sort, window, then reply or store.
fn sort_generic(ctx: &mut Ctx, argv: Argv, readonly: bool) {
    let Some(mut o) = parse(ctx, argv, readonly) else {
        return;
    };
    let key = argv.get(1);
    let Ok(loaded) = load(ctx.store, ctx.db, key, &o) else {
        return ctx.out.error(errors::WRONGTYPE);
    };
    let mut elements = loaded.elements;
    // A set has no order of its own: a stored result is sorted so that it
    // does not depend on the set's layout.
    if o.dont_sort && loaded.is_set && o.store.is_some() {
        o.dont_sort = false;
        o.alpha = true;
    }
    if !o.dont_sort {
        let Some(sorted) = sort_elements(ctx.store, ctx.db, elements, &o) else {
            return ctx.out.error(NOT_DOUBLE);
        };
        elements = sorted;
    }
    if !loaded.windowed {
        let (start, end) = window(elements.len() as i64, o.offset, o.count);
        elements = take_window(elements, start, end);
    }
    let chosen = &elements[..];
    match o.store {
        None => reply(ctx, chosen, &o.gets),
        Some(dest) => store(ctx, dest, chosen, &o.gets),
    }
}

/// Redis's LIMIT arithmetic: the inclusive window `[start, end]` of a
/// vector of `len` elements (empty when `end < start`).
fn window(len: i64, offset: i64, count: i64) -> (i64, i64) {
    let mut start = offset.clamp(0, len);
    let count = count.clamp(-1, len);
    let mut end = if count < 0 {
        len - 1
    } else {
        start + count - 1
    };
    if start >= len {
        start = len - 1;
        end = len - 2;
    }
    (start, end.min(len - 1))
}

/// `elements[start..=end]` (nothing when `end < start`).
fn take_window(mut elements: Vec<Vec<u8>>, start: i64, end: i64) -> Vec<Vec<u8>> {
    if end < start {
        return Vec::new();
    }
    elements.truncate(end as usize + 1);
    elements.drain(..start as usize);
    elements
}

/// What SORT starts from.
struct Loaded {
    /// The elements, in the value's order.
    elements: Vec<Vec<u8>>,
    /// The value is a set (no order of its own).
    is_set: bool,
    /// Only LIMIT's window was loaded (a list or sorted set not sorted).
    windowed: bool,
}

/// The elements of the value at `key` (a missing key is an empty list);
/// Err for a key of another type. Without sorting, a list or sorted set
/// comes in its own order (reversed for DESC), and only LIMIT's window of
/// it. A sorted set is converted to its skiplist encoding first, as Redis
/// 7.0's SORT does.
fn load(store: &mut Store, db: usize, key: &[u8], o: &Options) -> Result<Loaded, ()> {
    let mut loaded = Loaded {
        elements: Vec::new(),
        is_set: false,
        windowed: false,
    };
    let Some(entry) = store.read(db, key) else {
        return Ok(loaded);
    };
    let small_zset = matches!(entry.value(), Value::Obj(Object::ZSet(ZSet::Small(_))));
    if small_zset {
        if let Some(Object::ZSet(z)) = store.write(db, key).and_then(Entry::object_mut) {
            z.convert_to_big();
        }
    }
    let entry = store.dbs[db].peek(key).expect("found live above");
    // The window of an unsorted list or sorted set, in output order.
    let span = |len: usize| {
        let (start, end) = window(len as i64, o.offset, o.count);
        (start.max(0) as usize, (end - start + 1).max(0) as usize)
    };
    let rev = o.dont_sort && o.desc;
    match entry.value() {
        Value::Obj(Object::List(l)) if o.dont_sort => {
            let (skip, take) = span(l.len());
            let iter = if rev { l.iter_rev() } else { l.iter() };
            loaded.elements = iter.skip(skip).take(take).map(|e| e.to_vec()).collect();
            loaded.windowed = true;
        }
        Value::Obj(Object::List(l)) => loaded.elements = l.iter().map(|e| e.to_vec()).collect(),
        Value::Obj(Object::Set(s)) => {
            loaded.elements = s.iter().map(|m| m.to_vec()).collect();
            loaded.is_set = true;
        }
        Value::Obj(Object::ZSet(z)) => {
            let (skip, take) = if o.dont_sort {
                span(z.len())
            } else {
                (0, z.len())
            };
            // Ranks counted from the top when descending.
            let from = if rev { z.len() - skip - take } else { skip };
            let out = &mut loaded.elements;
            z.for_range(from, from + take, rev, |m, _| out.push(m.to_vec()));
            loaded.windowed = o.dont_sort;
        }
        _ => return Err(()),
    }
    Ok(loaded)
}

/// The sort key of one element.
enum Weight {
    /// Numeric sort: the score.
    Score(f64),
    /// ALPHA BY: the looked-up weight (None: missing, sorts first).
    Alpha(Option<Vec<u8>>),
    /// ALPHA without BY: the element itself.
    Element,
}

/// Sorts `elements` by `o`; None when a score is no double.
fn sort_elements(
    store: &mut Store,
    db: usize,
    elements: Vec<Vec<u8>>,
    o: &Options,
) -> Option<Vec<Vec<u8>>> {
    let mut bad_score = false;
    let mut keyed: Vec<(Weight, Vec<u8>)> = Vec::with_capacity(elements.len());
    for element in elements {
        let found =
            o.by.map(|pattern| lookup_pattern(store, db, pattern, &element));
        let weight = match (o.alpha, found) {
            (true, Some(w)) => Weight::Alpha(w),
            (true, None) => Weight::Element,
            // A missing weight counts as 0.
            (false, Some(None)) => Weight::Score(0.0),
            (false, Some(Some(w))) => Weight::Score(score_of(&w, &mut bad_score)),
            (false, None) => Weight::Score(score_of(&element, &mut bad_score)),
        };
        keyed.push((weight, element));
    }
    if bad_score {
        return None;
    }
    keyed.sort_by(|a, b| {
        let order = compare(a, b);
        if o.desc {
            order.reverse()
        } else {
            order
        }
    });
    Some(keyed.into_iter().map(|(_, e)| e).collect())
}

/// The ascending order of two weighed elements; ties go by the elements.
fn compare(a: &(Weight, Vec<u8>), b: &(Weight, Vec<u8>)) -> Ordering {
    let by_weight = match (&a.0, &b.0) {
        (Weight::Score(x), Weight::Score(y)) => x.partial_cmp(y).unwrap_or(Ordering::Equal),
        (Weight::Alpha(x), Weight::Alpha(y)) => x.cmp(y),
        _ => Ordering::Equal,
    };
    by_weight.then_with(|| a.1.cmp(&b.1))
}

/// The score of `text` as Redis reads it with strtod (up to a NUL byte,
/// leading spaces skipped, the whole rest a number; an empty string is 0);
/// sets `bad` when it is no double, NaN, or out of range.
fn score_of(text: &[u8], bad: &mut bool) -> f64 {
    match parse_sort_weight(text) {
        Some(v) => v,
        None => {
            *bad = true;
            0.0
        }
    }
}

/// Redis's lookupKeyByPattern: `#` is the element itself; else the first
/// `*` of `pattern` is replaced by the element to name a key whose string
/// value is returned, or with `key->field` after the `*`, that hash field's
/// value. None when the pattern has no `*`, the key is missing or of
/// another type, or the field is missing. The key is looked up as a read
/// (access clock, hits and misses).
fn lookup_pattern(store: &mut Store, db: usize, pattern: &[u8], element: &[u8]) -> Option<Vec<u8>> {
    if pattern == b"#" {
        return Some(element.to_vec());
    }
    let star = pattern.iter().position(|&b| b == b'*')?;
    let rest = &pattern[star + 1..];
    let arrow = rest
        .windows(2)
        .position(|w| w == b"->")
        .filter(|&at| at + 2 < rest.len());
    let (postfix, field) = match arrow {
        Some(at) => (&rest[..at], Some(&rest[at + 2..])),
        None => (rest, None),
    };
    let mut name = Vec::with_capacity(star + element.len() + postfix.len());
    name.extend_from_slice(&pattern[..star]);
    name.extend_from_slice(element);
    name.extend_from_slice(postfix);
    match (store.read(db, &name)?.value(), field) {
        (Value::Str(s), None) => Some(s.to_vec()),
        (Value::Obj(Object::Hash(h)), Some(f)) => h.get(f).map(<[u8]>::to_vec),
        _ => None,
    }
}

/// Replies the chosen elements, or for each the values of the GET patterns
/// (null where a lookup finds nothing).
fn reply(ctx: &mut Ctx, chosen: &[Vec<u8>], gets: &[&[u8]]) {
    let per_element = gets.len().max(1);
    ctx.out.array(chosen.len() * per_element);
    for element in chosen {
        if gets.is_empty() {
            ctx.out.bulk(element);
        }
        for pattern in gets {
            match lookup_pattern(ctx.store, ctx.db, pattern, element) {
                Some(v) => ctx.out.bulk(&v),
                None => ctx.out.null(),
            }
        }
    }
}

/// STORE: `dest` becomes a list of the output (GET lookups finding nothing
/// store empty strings), with no expire time; an empty output deletes
/// `dest`. Replies the output's length.
fn store(ctx: &mut Ctx, dest: &[u8], chosen: &[Vec<u8>], gets: &[&[u8]]) {
    let fill = lists::fill(ctx);
    let mut list = List::default();
    for element in chosen {
        if gets.is_empty() {
            list.push(End::Tail, element, fill);
        }
        for pattern in gets {
            let value = lookup_pattern(ctx.store, ctx.db, pattern, element).unwrap_or_default();
            list.push(End::Tail, &value, fill);
        }
    }
    let len = list.len();
    if len > 0 {
        ctx.set_key(dest, Object::List(list));
        ctx.server.dirty += len as u64;
        ctx.notify(event_class::LIST, "sortstore", dest);
    } else if ctx.store.exists(ctx.db, dest) {
        ctx.store.dbs[ctx.db].remove(dest);
        ctx.server.dirty += 1;
        ctx.notify(event_class::GENERIC, "del", dest);
    } else {
        return ctx.out.int(0);
    }
    // `notify` failed the WATCHes on `dest`; dispatch wakes its blocked
    // clients when it was created (SORT's keys include the STORE destination).
    ctx.out.int(len as i64);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_windows_follow_redis() {
        assert_eq!(window(5, 0, -1), (0, 4));
        assert_eq!(window(5, 1, 2), (1, 2));
        assert_eq!(window(5, -3, 2), (0, 1));
        assert_eq!(window(5, 3, 100), (3, 4));
        assert_eq!(window(5, 5, 1), (4, 3));
        assert_eq!(window(5, 2, 0), (2, 1));
        assert_eq!(window(0, 0, -1), (-1, -2));
        assert_eq!(window(5, i64::MAX, i64::MAX), (4, 3));
    }

    #[test]
    fn patterns_substitute_the_first_star_and_read_hash_fields() {
        let mut store = Store::new(1);
        store.dbs[0].insert(Entry::new_string(b"w_a", b"3", None, 0));
        let mut h = crate::types::Hash::default();
        h.set(b"f", b"v", crate::types::TypeLimits::default().hash);
        store.dbs[0].insert(Entry::new_object(b"h_a", Object::Hash(h), None, 0));
        let look = |s: &mut Store, p: &[u8]| lookup_pattern(s, 0, p, b"a");
        assert_eq!(look(&mut store, b"#"), Some(b"a".to_vec()));
        assert_eq!(look(&mut store, b"w_*"), Some(b"3".to_vec()));
        assert_eq!(look(&mut store, b"w_"), None);
        assert_eq!(look(&mut store, b"h_*->f"), Some(b"v".to_vec()));
        assert_eq!(look(&mut store, b"h_*->g"), None);
        assert_eq!(look(&mut store, b"h_*"), None);
        assert_eq!(look(&mut store, b"w_*->f"), None);
    }
}
