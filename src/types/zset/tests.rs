//! Unit tests of both encodings against a reference model.

use super::*;
use crate::store::evict::random_u64;
use big::{Elem, Member};
use std::collections::BTreeMap;
use std::time::Instant;

fn limits(max_entries: usize, max_value: usize) -> Limits {
    Limits {
        max_entries,
        max_value,
    }
}

fn add(z: &mut ZSet, score: f64, member: &str) -> AddOutcome {
    z.add(
        score,
        member.as_bytes(),
        AddFlags::default(),
        Limits::default(),
    )
}

fn members(z: &ZSet) -> Vec<(String, f64)> {
    z.to_sorted_vec()
        .into_iter()
        .map(|(m, s)| (String::from_utf8(m.into()).unwrap(), s))
        .collect()
}

impl ZSet {
    /// Checks the encoding's invariants against its own contents.
    fn check(&self) {
        match self {
            ZSet::Small(s) => {
                let items: Vec<_> = s.iter().collect();
                assert_eq!(items.len(), s.len as usize);
                for w in items.windows(2) {
                    assert!(before(w[0].1, w[0].2, w[1].1, w[1].2));
                }
            }
            ZSet::Big(b) => {
                b.tree.check(&b.elems);
                let live = b.elems.iter().filter(|e| !e.is_free()).count();
                assert_eq!(live, b.len());
                assert_eq!(b.index.len(), b.len());
                assert_eq!(b.elems.len(), live + b.free.len());
                for (id, e) in b.elems.iter().enumerate() {
                    if !e.is_free() {
                        assert_eq!(b.find(e.member.as_bytes()), Some(id as u32));
                    }
                }
            }
        }
    }
}

#[test]
fn slots_are_compact() {
    assert_eq!(std::mem::size_of::<Member>(), 24);
    assert_eq!(std::mem::size_of::<Elem>(), 32);
    assert!(std::mem::size_of::<ZSet>() <= 32);
}

#[test]
fn listpack_orders_by_score_then_member() {
    let mut z = ZSet::default();
    assert_eq!(add(&mut z, 2.0, "b"), AddOutcome::Added(2.0));
    add(&mut z, 1.0, "z");
    add(&mut z, 2.0, "a");
    assert_eq!(add(&mut z, 2.0, "a"), AddOutcome::Same(2.0));
    assert_eq!(add(&mut z, 0.5, "a"), AddOutcome::Updated(0.5));
    assert_eq!(z.encoding(), "listpack");
    assert_eq!(
        members(&z),
        vec![("a".into(), 0.5), ("z".into(), 1.0), ("b".into(), 2.0)]
    );
    assert_eq!(z.rank(b"z"), Some(1));
    assert_eq!(z.score(b"b"), Some(2.0));
    assert!(z.remove(b"z"));
    assert!(!z.remove(b"z"));
    assert_eq!(z.len(), 2);
    z.check();
}

#[test]
fn add_flags_follow_zadd() {
    let mut z = ZSet::default();
    let l = Limits::default();
    let f = |nx, xx, gt, lt, incr| AddFlags {
        nx,
        xx,
        gt,
        lt,
        incr,
    };
    assert_eq!(
        z.add(1.0, b"a", f(false, true, false, false, false), l),
        AddOutcome::Nop
    );
    assert_eq!(
        z.add(1.0, b"a", f(true, false, false, false, false), l),
        AddOutcome::Added(1.0)
    );
    assert_eq!(
        z.add(5.0, b"a", f(true, false, false, false, false), l),
        AddOutcome::Nop
    );
    assert_eq!(
        z.add(0.0, b"a", f(false, false, true, false, false), l),
        AddOutcome::Nop
    );
    assert_eq!(
        z.add(3.0, b"a", f(false, false, true, false, false), l),
        AddOutcome::Updated(3.0)
    );
    assert_eq!(
        z.add(4.0, b"a", f(false, false, false, true, false), l),
        AddOutcome::Nop
    );
    assert_eq!(
        z.add(2.0, b"a", f(false, true, false, false, true), l),
        AddOutcome::Updated(5.0)
    );
    assert_eq!(
        z.add(f64::INFINITY, b"a", f(false, false, false, false, false), l),
        AddOutcome::Updated(f64::INFINITY)
    );
    assert_eq!(
        z.add(
            f64::NEG_INFINITY,
            b"a",
            f(false, false, false, false, true),
            l
        ),
        AddOutcome::Nan
    );
    assert_eq!(z.score(b"a"), Some(f64::INFINITY));
    // GT/LT never stop a new member.
    assert_eq!(
        z.add(-1.0, b"b", f(false, false, true, false, false), l),
        AddOutcome::Added(-1.0)
    );
}

#[test]
fn converts_past_either_limit_and_never_back() {
    let l = limits(4, 8);
    let mut z = ZSet::default();
    for (i, m) in ["a", "b", "c", "d"].iter().enumerate() {
        z.add(i as f64, m.as_bytes(), AddFlags::default(), l);
    }
    assert_eq!(z.encoding(), "listpack");
    z.add(9.0, b"e", AddFlags::default(), l);
    assert_eq!(z.encoding(), "skiplist");
    z.check();
    for m in ["a", "b", "c", "d"] {
        z.remove(m.as_bytes());
    }
    assert_eq!(z.encoding(), "skiplist");
    assert_eq!(members(&z), vec![("e".into(), 9.0)]);

    let mut z = ZSet::default();
    z.add(1.0, b"short", AddFlags::default(), l);
    z.add(
        2.0,
        b"a member of more than 8 bytes",
        AddFlags::default(),
        l,
    );
    assert_eq!(z.encoding(), "skiplist");
    assert_eq!(z.rank(b"a member of more than 8 bytes"), Some(1));

    assert_eq!(ZSet::new(limits(0, 64), 1).encoding(), "skiplist");
    assert_eq!(ZSet::new(limits(1, 64), 65).encoding(), "skiplist");
    assert_eq!(ZSet::new(limits(1, 64), 64).encoding(), "listpack");
}

#[test]
fn stored_results_are_small_when_they_fit() {
    let pairs = |n: usize, len: usize| -> Vec<(Box<[u8]>, f64)> {
        (0..n)
            .map(|i| (format!("{i:0len$}").into_bytes().into(), i as f64))
            .collect()
    };
    assert_eq!(
        ZSet::from_sorted(pairs(128, 64), Limits::default()).encoding(),
        "listpack"
    );
    assert_eq!(
        ZSet::from_sorted(pairs(129, 3), Limits::default()).encoding(),
        "skiplist"
    );
    assert_eq!(
        ZSet::from_sorted(pairs(3, 65), Limits::default()).encoding(),
        "skiplist"
    );
    let z = ZSet::from_sorted(pairs(1000, 5), Limits::default());
    z.check();
    assert_eq!(z.rank(b"00500"), Some(500));
}

#[test]
fn listpack_forgets_the_sign_of_zero_skiplist_keeps_it() {
    let mut small = ZSet::default();
    add(&mut small, -0.0, "a");
    assert!(small.score(b"a").unwrap().is_sign_positive());
    let mut big = ZSet::new(limits(0, 64), 1);
    big.add(-0.0, b"a", AddFlags::default(), limits(0, 64));
    assert!(big.score(b"a").unwrap().is_sign_negative());
}

#[test]
fn score_and_lex_spans() {
    for l in [Limits::default(), limits(0, 64)] {
        let mut z = ZSet::default();
        for (i, m) in ["a", "b", "c", "d", "e"].iter().enumerate() {
            z.add(i as f64, m.as_bytes(), AddFlags::default(), l);
        }
        let r = |min, max, minex, maxex| ScoreRange {
            min,
            max,
            minex,
            maxex,
        };
        assert_eq!(z.score_span(&r(1.0, 3.0, false, false)), (1, 4));
        assert_eq!(z.score_span(&r(1.0, 3.0, true, true)), (2, 3));
        assert_eq!(
            z.score_span(&r(f64::NEG_INFINITY, f64::INFINITY, false, false)),
            (0, 5)
        );
        assert_eq!(z.score_span(&r(3.0, 1.0, false, false)), (0, 0));
        assert_eq!(z.score_span(&r(2.0, 2.0, true, false)), (0, 0));
        assert_eq!(z.score_span(&r(10.0, 20.0, false, false)), (5, 5));

        let mut lz = ZSet::default();
        for m in ["a", "b", "c", "d", "e"] {
            lz.add(0.0, m.as_bytes(), AddFlags::default(), l);
        }
        let s = |b: &str, ex| LexBound::Str(b.as_bytes().into(), ex);
        let lr = |min, max| LexRange { min, max };
        assert_eq!(
            lz.lex_span(&lr(LexBound::Min, LexBound::Max), false),
            (0, 5)
        );
        assert_eq!(lz.lex_span(&lr(s("b", false), s("d", true)), false), (1, 3));
        assert_eq!(lz.lex_span(&lr(s("b", true), s("d", false)), true), (2, 4));
        assert_eq!(
            lz.lex_span(&lr(LexBound::Max, LexBound::Min), false),
            (0, 0)
        );
        assert_eq!(
            lz.lex_span(&lr(s("c", false), s("c", false)), false),
            (2, 3)
        );
        assert_eq!(lz.lex_span(&lr(s("c", true), s("c", false)), false), (0, 0));
    }
}

/// Random operations on both encodings against a BTreeMap model.
#[test]
fn random_ops_match_a_model() {
    for (round, l) in [limits(128, 64), limits(8, 64), limits(0, 64), limits(16, 4)]
        .into_iter()
        .enumerate()
    {
        let mut z = ZSet::default();
        let mut model: BTreeMap<Vec<u8>, f64> = BTreeMap::new();
        let pool = [20u64, 200, 3000][round % 3];
        for step in 0..6000 {
            let member = format!("m{}", random_u64() % pool).into_bytes();
            let score = (random_u64() % 50) as f64 / 4.0 - 5.0;
            match random_u64() % 10 {
                0..=4 => {
                    let out = z.add(score, &member, AddFlags::default(), l);
                    let expect = match model.insert(member.clone(), score) {
                        None => AddOutcome::Added(score),
                        Some(old) if old == score => AddOutcome::Same(score),
                        Some(_) => AddOutcome::Updated(score),
                    };
                    assert_eq!(out, expect);
                }
                5 => {
                    let incr = AddFlags {
                        incr: true,
                        ..AddFlags::default()
                    };
                    let out = z.add(score, &member, incr, l);
                    let expect = match model.get(&member) {
                        None => AddOutcome::Added(score),
                        Some(&old) if old + score == old => AddOutcome::Same(old),
                        Some(&old) => AddOutcome::Updated(old + score),
                    };
                    assert_eq!(out, expect);
                    *model.entry(member.clone()).or_insert(0.0) += score;
                }
                6 => assert_eq!(z.remove(&member), model.remove(&member).is_some()),
                7 => {
                    let max = random_u64() & 1 == 0;
                    let popped = z.pop(max);
                    let sorted = sorted_model(&model);
                    let expect = if max { sorted.last() } else { sorted.first() };
                    assert_eq!(
                        popped.as_ref().map(|(m, s)| (m.to_vec(), *s)),
                        expect.cloned()
                    );
                    if let Some((m, _)) = expect {
                        model.remove(m);
                    }
                }
                8 => {
                    let len = z.len();
                    let a = (random_u64() % (len as u64 + 2)) as usize;
                    let b = a + (random_u64() % 5) as usize;
                    let sorted = sorted_model(&model);
                    let removed = z.remove_span(a, b);
                    let gone: Vec<_> = sorted.iter().skip(a).take(b.saturating_sub(a)).collect();
                    assert_eq!(removed, gone.len());
                    for (m, _) in gone {
                        model.remove(m);
                    }
                }
                _ => {
                    let min = (random_u64() % 20) as f64 - 8.0;
                    let range = ScoreRange {
                        min,
                        max: min + (random_u64() % 6) as f64,
                        minex: random_u64() & 1 == 0,
                        maxex: random_u64() & 1 == 0,
                    };
                    let (s, e) = z.score_span(&range);
                    let sorted = sorted_model(&model);
                    let inside: Vec<_> = sorted
                        .iter()
                        .enumerate()
                        .filter(|(_, (_, sc))| range.gte_min(*sc) && range.lte_max(*sc))
                        .map(|(i, _)| i)
                        .collect();
                    match (inside.first(), inside.last()) {
                        (Some(&f), Some(&last)) => assert_eq!((s, e), (f, last + 1)),
                        _ => assert_eq!(s, e),
                    }
                }
            }
            assert_eq!(z.len(), model.len());
            if step % 97 == 0 {
                z.check();
                let sorted = sorted_model(&model);
                let got: Vec<_> = z
                    .to_sorted_vec()
                    .into_iter()
                    .map(|(m, s)| (m.to_vec(), s))
                    .collect();
                assert_eq!(got, sorted);
                for (rank, (m, s)) in sorted.iter().enumerate() {
                    assert_eq!(z.rank(m), Some(rank));
                    assert_eq!(z.score(m), Some(*s));
                    assert_eq!(
                        z.get(rank).map(|(m, s)| (m.to_vec(), s)),
                        Some((m.clone(), *s))
                    );
                }
            }
        }
        if z.encoding() == "listpack" {
            assert!(z.len() <= l.max_entries);
        }
    }
}

fn sorted_model(model: &BTreeMap<Vec<u8>, f64>) -> Vec<(Vec<u8>, f64)> {
    let mut v: Vec<_> = model.iter().map(|(m, s)| (m.clone(), *s)).collect();
    v.sort_by(|a, b| a.1.partial_cmp(&b.1).unwrap().then_with(|| a.0.cmp(&b.0)));
    v
}

/// A big set built by insertion: every rank, select and range agrees
/// with a sorted copy, before and after deleting half, and the arena
/// compacts after mass deletion.
#[test]
fn ranks_are_right_at_scale() {
    let n = 20_000;
    let mut z = ZSet::new(limits(0, 64), 0);
    let mut expected = Vec::new();
    for i in 0..n {
        let m = format!("member:{}", random_u64() % 1_000_000_000);
        let s = (random_u64() % 1000) as f64;
        if z.add(s, m.as_bytes(), AddFlags::default(), Limits::default()) == AddOutcome::Added(s) {
            expected.push((m.into_bytes(), s));
        }
        if i % 5000 == 0 {
            z.check();
        }
    }
    expected.sort_by(|a, b| a.1.partial_cmp(&b.1).unwrap().then_with(|| a.0.cmp(&b.0)));
    z.check();
    for (rank, (m, s)) in expected.iter().enumerate() {
        assert_eq!(z.rank(m), Some(rank));
        assert_eq!(z.get(rank), Some((&m[..], *s)));
    }
    let mut visited = Vec::new();
    z.for_range(100, 200, true, |m, _| visited.push(m.to_vec()));
    let want: Vec<_> = expected[100..200]
        .iter()
        .rev()
        .map(|(m, _)| m.clone())
        .collect();
    assert_eq!(visited, want);

    // Delete every other member, then all but 100: ids get renumbered.
    for (m, _) in expected.iter().step_by(2) {
        assert!(z.remove(m));
    }
    let kept: Vec<_> = expected.iter().skip(1).step_by(2).cloned().collect();
    z.check();
    for (rank, (m, _)) in kept.iter().enumerate() {
        assert_eq!(z.rank(m), Some(rank));
    }
    let generation = match &z {
        ZSet::Big(b) => b.generation,
        _ => unreachable!(),
    };
    assert_eq!(z.remove_span(100, z.len()), kept.len() - 100);
    z.check();
    match &z {
        ZSet::Big(b) => {
            assert_ne!(b.generation, generation, "compacted");
            assert!(b.elems.len() < 1024);
        }
        _ => unreachable!(),
    }
    for (rank, (m, _)) in kept.iter().take(100).enumerate() {
        assert_eq!(z.rank(m), Some(rank));
    }
}

#[test]
fn scan_reports_every_member_despite_changes() {
    let l = limits(0, 64);
    let mut z = ZSet::new(l, 0);
    for i in 0..5000 {
        z.add(
            i as f64,
            format!("keep{i}").as_bytes(),
            AddFlags::default(),
            l,
        );
    }
    let mut seen = std::collections::HashSet::new();
    let mut cursor = 0;
    let mut extra = 0;
    loop {
        cursor = z.scan(cursor, 100, |m, _| {
            seen.insert(m.to_vec());
        });
        // Churn: add and remove other members while the scan runs.
        for _ in 0..50 {
            let m = format!("tmp{extra}");
            z.add(1.0, m.as_bytes(), AddFlags::default(), l);
            if extra % 2 == 0 {
                z.remove(m.as_bytes());
            }
            extra += 1;
        }
        if cursor == 0 {
            break;
        }
    }
    for i in 0..5000 {
        assert!(
            seen.contains(format!("keep{i}").as_bytes()),
            "keep{i} missed"
        );
    }
    // A listpack comes back whole.
    let mut small = ZSet::default();
    add(&mut small, 1.0, "a");
    let mut n = 0;
    assert_eq!(small.scan(12345, 1, |_, _| n += 1), 0);
    assert_eq!(n, 1);
}

#[test]
fn scan_restarts_after_compaction() {
    let l = limits(0, 64);
    let mut z = ZSet::new(l, 0);
    for i in 0..4000 {
        z.add(i as f64, format!("m{i}").as_bytes(), AddFlags::default(), l);
    }
    let cursor = z.scan(0, 10, |_, _| {});
    assert_ne!(cursor, 0);
    z.remove_span(100, 4000); // compacts
    let mut seen = 0;
    let mut c = cursor;
    loop {
        c = z.scan(c, 1000, |_, _| seen += 1);
        if c == 0 {
            break;
        }
    }
    assert_eq!(seen, 100, "a stale cursor starts over");
}

/// ZRANK and a score range with LIMIT cost O(log n): per operation, a
/// set 10x larger is far less than 10x slower.
#[test]
fn rank_and_limited_range_are_logarithmic() {
    fn build(n: usize) -> (ZSet, Vec<Vec<u8>>) {
        let pairs: Vec<(Box<[u8]>, f64)> = (0..n)
            .map(|i| (format!("member:{i:08}").into_bytes().into(), i as f64))
            .collect();
        let members = pairs.iter().map(|(m, _)| m.to_vec()).collect();
        (ZSet::from_sorted(pairs, limits(0, 64)), members)
    }
    /// Seconds per operation over `ops` operations.
    fn time_per_op(z: &ZSet, members: &[Vec<u8>], ops: usize) -> f64 {
        let n = members.len();
        let start = Instant::now();
        let mut sink = 0usize;
        for i in 0..ops {
            let m = &members[(i * 7919) % n];
            sink += z.rank(m).unwrap();
            // ZRANGE key (n/4) +inf BYSCORE LIMIT <half of it> 5
            let range = ScoreRange {
                min: (n / 4) as f64,
                max: f64::INFINITY,
                minex: false,
                maxex: false,
            };
            let (s, e) = z.score_span(&range);
            let from = s + (e - s) / 2;
            z.for_range(from, from + 5, false, |m, _| sink += m.len());
        }
        std::hint::black_box(sink);
        start.elapsed().as_secs_f64() / ops as f64
    }
    let (small, small_members) = build(10_000);
    let (large, large_members) = build(100_000);
    // The best of several interleaved rounds: noise hits both alike.
    let (mut t_small, mut t_large) = (f64::MAX, f64::MAX);
    for _ in 0..5 {
        t_small = t_small.min(time_per_op(&small, &small_members, 20_000));
        t_large = t_large.min(time_per_op(&large, &large_members, 20_000));
    }
    assert!(
        t_large < 4.0 * t_small,
        "10x the members cost {:.1}x per operation ({:.0} ns vs {:.0} ns)",
        t_large / t_small,
        t_large * 1e9,
        t_small * 1e9
    );
}
