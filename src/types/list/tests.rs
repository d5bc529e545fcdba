//! Tests of lists: every form, every depth, against a VecDeque model.

use super::*;

fn texts(l: &List) -> Vec<Vec<u8>> {
    l.iter().map(|e| e.to_vec()).collect()
}

#[test]
fn fill_limits_follow_redis() {
    assert_eq!(Fill::new(-2).size, 8192);
    assert_eq!(Fill::new(-1).size, 4096);
    assert_eq!(Fill::new(-5).size, 65536);
    assert_eq!(Fill::new(-100).size, 65536);
    assert_eq!(Fill::new(i64::MIN).size, 65536);
    assert_eq!(Fill::new(5).count, 5);
    assert_eq!(Fill::new(0).count, 1);
    assert_eq!(Fill::new(1_000_000).count, 32767);
    assert_eq!(Fill::new(5).size, SIZE_SAFETY_LIMIT);
}

#[test]
fn small_list_push_pop_both_ends() {
    let fill = Fill::default();
    let mut l = List::default();
    assert!(l.is_empty());
    assert_eq!(l.peek(End::Head), None);
    assert_eq!(l.pop(End::Tail, fill), None);
    l.push(End::Tail, b"b", fill);
    l.push(End::Head, b"a", fill);
    l.push(End::Tail, b"12", fill);
    assert_eq!(texts(&l), [&b"a"[..], b"b", b"12"]);
    assert!(l.is_single_pack());
    assert_eq!(l.encoding(), "quicklist");
    assert!(l.get(-1).is_some_and(|e| e == Elem::Int(12)));
    assert!(l.get(0).is_some_and(|e| e == Elem::Str(b"a")));
    assert_eq!(l.get(3), None);
    assert_eq!(l.get(-4), None);
    assert_eq!(l.get(i64::MIN), None);
    assert_eq!(l.pop(End::Tail, fill).unwrap(), b"12");
    assert_eq!(l.pop(End::Head, fill).unwrap(), b"a");
    assert_eq!(l.len(), 1);
    l.check(fill);
}

#[test]
fn grows_into_nodes_and_shrinks_back() {
    let fill = Fill::default();
    let mut l = List::default();
    let value = [b'v'; 100];
    for i in 0..1000 {
        l.push(End::Tail, &value, fill);
        l.check(fill);
        if i < 70 {
            assert!(l.is_single_pack(), "{i}");
        }
    }
    assert!(!l.is_single_pack());
    assert!(l.node_count() > 10);
    // 103-byte entries (2-byte header, backlen): 79 fit in 8 KB, so the
    // last node holds 1000 - 12 * 79 = 52.
    assert_eq!(l.node_count(), 13);
    while l.len() > 40 {
        l.pop(End::Head, fill);
        l.check(fill);
    }
    // One node but over half the limit (40 * 103 + 7 > 4096): kept.
    assert!(!l.is_single_pack());
    while l.len() > 39 {
        l.pop(End::Head, fill);
        l.check(fill);
    }
    // One node, at most half the limit: back to one pack.
    assert!(l.is_single_pack());
    while l.pop(End::Tail, fill).is_some() {}
    assert!(l.is_empty());
    l.check(fill);
}

#[test]
fn count_fill_limits_entries_per_node() {
    let fill = Fill::new(4);
    let mut l = List::default();
    for i in 0..4 {
        l.push(End::Tail, i.to_string().as_bytes(), fill);
    }
    assert!(l.is_single_pack());
    l.push(End::Tail, b"4", fill);
    assert!(!l.is_single_pack());
    for i in 5..20 {
        l.push(End::Head, i.to_string().as_bytes(), fill);
        l.check(fill);
    }
    // [19 18 17] [16..13] [12..9] [8..5] [0 1 2 3] [4]
    assert_eq!(l.node_count(), 6);
    l.drop_end(End::Head, 18, fill);
    assert_eq!(texts(&l), [&b"3"[..], b"4"]);
    assert!(!l.is_single_pack());
    assert_eq!(l.pop(End::Head, fill).unwrap(), b"3");
    // One node of at most half the count limit.
    assert!(l.is_single_pack());
}

#[test]
fn large_elements_get_their_own_node() {
    let fill = Fill::default();
    let mut l = List::default();
    let big = vec![b'b'; 20_000];
    l.push(End::Tail, &big, fill);
    assert!(!l.is_single_pack());
    l.push(End::Tail, b"x", fill);
    l.push(End::Head, b"y", fill);
    assert_eq!(l.node_count(), 3);
    l.check(fill);
    assert_eq!(l.get(1).unwrap().to_vec(), big);
    // LSET of a big element into a small node splits it.
    let mut l = List::default();
    for i in 0..10 {
        l.push(End::Tail, i.to_string().as_bytes(), fill);
    }
    assert!(l.set(5, &big, fill));
    l.check(fill);
    assert!(l.node_count() >= 2);
    assert_eq!(l.get(5).unwrap().to_vec(), big);
    assert!(l.get(4).is_some_and(|e| e == Elem::Int(4)));
    assert!(l.get(6).is_some_and(|e| e == Elem::Int(6)));
    assert!(l.set(5, b"5", fill));
    assert!(l.get(5).is_some_and(|e| e == Elem::Int(5)));
    l.check(fill);
}

#[test]
fn insert_splits_full_nodes() {
    let fill = Fill::new(-1);
    let mut l = List::default();
    for i in 0..3000 {
        l.push(End::Tail, format!("e{i}").as_bytes(), fill);
    }
    for i in 0..500 {
        assert!(l.insert(b"e1500", format!("n{i}").as_bytes(), i % 2 == 0, fill));
        l.check(fill);
    }
    assert!(!l.insert(b"nope", b"x", false, fill));
    assert_eq!(l.len(), 3500);
    let pos = l.iter().position(|e| e == Elem::new(b"e1500")).unwrap();
    assert_eq!(pos, 1750);
    assert_eq!(l.get(pos as i64 + 1).unwrap().to_vec(), b"n498");
    assert_eq!(l.get(pos as i64 - 1).unwrap().to_vec(), b"n499");
}

#[test]
fn remove_from_head_tail_and_all() {
    let fill = Fill::new(3);
    let mut l = List::default();
    for v in ["a", "b", "a", "c", "a", "b", "a", "1", "01", "1"] {
        l.push(End::Tail, v.as_bytes(), fill);
    }
    assert_eq!(l.remove(b"a", 1, fill), 1);
    assert_eq!(texts(&l).concat(), b"bacaba1011");
    assert_eq!(l.remove(b"a", -2, fill), 2);
    assert_eq!(texts(&l).concat(), b"bacb1011");
    assert_eq!(l.remove(b"1", 0, fill), 2);
    assert_eq!(texts(&l).concat(), b"bacb01");
    assert_eq!(l.remove(b"zz", 0, fill), 0);
    assert_eq!(l.remove(b"b", i64::MIN, fill), 2);
    assert_eq!(texts(&l).concat(), b"ac01");
    l.check(fill);
}

#[test]
fn iterators_cross_nodes_both_ways() {
    let fill = Fill::new(2);
    let mut l = List::default();
    for i in 0..7 {
        l.push(End::Tail, i.to_string().as_bytes(), fill);
    }
    assert_eq!(l.node_count(), 4);
    let fwd: Vec<_> = l.iter().collect();
    let rev: Vec<_> = l.iter_rev().collect();
    assert_eq!(fwd, (0..7).map(Elem::Int).collect::<Vec<_>>());
    assert_eq!(rev, (0..7).rev().map(Elem::Int).collect::<Vec<_>>());
    for s in 0..=8 {
        let got: Vec<_> = l.iter_from(s).collect();
        assert_eq!(
            got,
            (s.min(7)..7)
                .map(|i| Elem::Int(i as i64))
                .collect::<Vec<_>>()
        );
    }
    assert_eq!(l.iter_from_end(End::Tail).len(), 7);
}

use crate::test_rng::Rng;

fn random_value(rng: &mut Rng) -> Vec<u8> {
    match rng.below(6) {
        0 => rng.below(200).to_string().into_bytes(),
        1 => (rng.next() as i64).to_string().into_bytes(),
        2 => vec![b'a' + rng.below(3) as u8],
        3 => vec![b'q'; rng.below(300) as usize],
        4 => vec![b'L'; 3000 + rng.below(6000) as usize],
        _ => format!("0{}", rng.below(10)).into_bytes(),
    }
}

#[test]
fn random_operations_match_a_vecdeque() {
    // (seed, list-max-listpack-size, list-compress-depth); a depth of -1
    // picks a new depth 0..3 every 100 steps, as CONFIG SET would.
    let runs = [
        (1u64, -2i64, 0i64),
        (2, -1, 0),
        (3, 1, 0),
        (4, 3, 0),
        (5, 0, 0),
        (6, -5, 0),
        (7, -2, 1),
        (8, -1, 2),
        (9, 3, 1),
        (10, 2, 2),
        (11, -1, -1),
        (12, 4, -1),
    ];
    for (seed, setting, depth) in runs {
        let mut fill = Fill::new(setting).with_compress_depth(depth);
        // Invariants that hold whatever depth came before: raw end nodes.
        let check_fill = if depth < 0 { Fill::new(setting) } else { fill };
        let mut rng = Rng(0x9E3779B97F4A7C15 ^ seed);
        let mut list = List::default();
        let mut model: VecDeque<Vec<u8>> = VecDeque::new();
        let mut most_compressed = 0;
        for step in 0..6000 {
            if depth < 0 && step % 100 == 0 {
                fill = Fill::new(setting).with_compress_depth(rng.below(4) as i64);
            }
            let len = model.len() as i64;
            let index = rng.below(len as u64 * 2 + 2) as i64 - len - 1;
            let end = if rng.below(2) == 0 {
                End::Head
            } else {
                End::Tail
            };
            match rng.below(if model.len() > 400 { 13 } else { 10 }) {
                0..=2 => {
                    let v = random_value(&mut rng);
                    list.push(end, &v, fill);
                    match end {
                        End::Head => model.push_front(v),
                        End::Tail => model.push_back(v),
                    }
                }
                3 | 10 => {
                    let want = match end {
                        End::Head => model.pop_front(),
                        End::Tail => model.pop_back(),
                    };
                    assert_eq!(list.pop(end, fill), want);
                }
                4 => {
                    let got = list.get(index).map(|e| e.to_vec());
                    let i = if index < 0 { len + index } else { index };
                    assert_eq!(
                        got.as_ref(),
                        usize::try_from(i).ok().and_then(|i| model.get(i))
                    );
                }
                5 => {
                    let v = random_value(&mut rng);
                    let i = if index < 0 { len + index } else { index };
                    let ok = (0..len).contains(&i);
                    assert_eq!(list.set(index, &v, fill), ok);
                    if ok {
                        model[i as usize] = v;
                    }
                }
                6 => {
                    let pivot = random_value(&mut rng);
                    let v = random_value(&mut rng);
                    let after = rng.below(2) == 0;
                    let at = model.iter().position(|x| *x == pivot);
                    assert_eq!(list.insert(&pivot, &v, after, fill), at.is_some());
                    if let Some(at) = at {
                        model.insert(at + after as usize, v);
                    }
                }
                7 | 11 => {
                    let v = random_value(&mut rng);
                    let count = rng.below(5) as i64 - 2;
                    let mut removed = 0;
                    let limit = if count == 0 {
                        usize::MAX
                    } else {
                        count.unsigned_abs() as usize
                    };
                    if count >= 0 {
                        let mut i = 0;
                        while i < model.len() && removed < limit {
                            if model[i] == v {
                                model.remove(i);
                                removed += 1;
                            } else {
                                i += 1;
                            }
                        }
                    } else {
                        let mut i = model.len();
                        while i > 0 && removed < limit {
                            i -= 1;
                            if model[i] == v {
                                model.remove(i);
                                removed += 1;
                            }
                        }
                    }
                    assert_eq!(list.remove(&v, count, fill), removed);
                }
                8 | 12 => {
                    let k = rng.below(model.len() as u64 / 3 + 2) as usize;
                    list.drop_end(end, k, fill);
                    for _ in 0..k.min(model.len()) {
                        match end {
                            End::Head => model.pop_front(),
                            End::Tail => model.pop_back(),
                        };
                    }
                }
                _ => {
                    let start = rng.below(model.len() as u64 + 2) as usize;
                    let got: Vec<_> = list.iter_from(start).map(|e| e.to_vec()).collect();
                    let want: Vec<_> = model.iter().skip(start).cloned().collect();
                    assert_eq!(got, want);
                    let got: Vec<_> = list.iter_rev().map(|e| e.to_vec()).collect();
                    let want: Vec<_> = model.iter().rev().cloned().collect();
                    assert_eq!(got, want);
                }
            }
            assert_eq!(list.len(), model.len(), "seed {seed} step {step}");
            if step % 50 == 0 || model.len() < 20 {
                list.check(check_fill);
            }
            most_compressed = most_compressed.max(list.compressed_node_count());
        }
        list.check(check_fill);
        assert_eq!(texts(&list), model.iter().cloned().collect::<Vec<_>>());
        assert_eq!(most_compressed > 0, depth != 0, "seed {seed}");
    }
}

/// Bytes the nodes of a multi-node list take on the heap (16 bytes of
/// malloc overhead per block).
fn heap_bytes(l: &List) -> usize {
    let Repr::Quick { nodes, .. } = &*l.repr else {
        panic!("a multi-node list")
    };
    let blocks: usize = nodes
        .iter()
        .map(|n| match n {
            Node::Raw(p) => p.buf.capacity() + 16,
            Node::Lzf(z) => z.data.len() + 16,
        })
        .sum();
    blocks + nodes.capacity() * std::mem::size_of::<Node>()
}

#[test]
fn a_million_small_elements_cost_about_what_redis_spends() {
    let fill = Fill::default();
    let mut l = List::default();
    for i in 0..1_000_000u32 {
        l.push(End::Tail, format!("element:{i}").as_bytes(), fill);
    }
    // "element:123456" is 14 bytes: 16 in a pack, as in a Redis listpack.
    let per_element = heap_bytes(&l) as f64 / 1e6;
    assert!(per_element < 17.0, "{per_element} bytes per element");
    assert_eq!(l.get(0).unwrap().to_vec(), b"element:0");
    assert_eq!(l.get(-1).unwrap().to_vec(), b"element:999999");
    assert_eq!(l.get(500_000).unwrap().to_vec(), b"element:500000");
}

/// Access near the ends is O(1): growing a list 10x (quicklist encoding)
/// must not make LINDEX 1 / -2, LPUSH+RPOP or LSET near the ends more
/// than ~4x slower per operation (best of interleaved rounds, so machine
/// noise hits both sizes alike).
#[test]
fn access_near_the_ends_does_not_grow_with_length() {
    use std::time::Instant;
    let fill = Fill::new(-2);
    let build = |n: usize| {
        let mut l = List::default();
        for i in 0..n {
            l.push(End::Tail, format!("element:{i}").as_bytes(), fill);
        }
        l
    };
    let time_per_op = |l: &mut List, ops: usize| {
        let start = Instant::now();
        let mut sink = 0usize;
        for i in 0..ops {
            sink += l.get(1).map_or(0, |e| e.to_vec().len());
            sink += l.get(-2).map_or(0, |e| e.to_vec().len());
            l.push(End::Head, b"x", fill);
            sink += l.pop(End::Head, fill).map_or(0, |v| v.len());
            l.set(-3, if i % 2 == 0 { b"aa" } else { b"bbb" }, fill);
        }
        std::hint::black_box(sink);
        start.elapsed().as_secs_f64() / ops as f64
    };
    let mut small = build(20_000);
    let mut large = build(200_000);
    assert_eq!(large.encoding(), "quicklist");
    let (mut t_small, mut t_large) = (f64::MAX, f64::MAX);
    for _ in 0..5 {
        t_small = t_small.min(time_per_op(&mut small, 20_000));
        t_large = t_large.min(time_per_op(&mut large, 20_000));
    }
    assert!(
        t_large < t_small * 4.0,
        "10x longer list: {:.0} ns/op vs {:.0} ns/op",
        t_large * 1e9,
        t_small * 1e9
    );
}

fn compressed_list(n: usize, fill: Fill) -> List {
    let mut l = List::default();
    for i in 0..n {
        l.push(End::Tail, format!("element:{i:08}").as_bytes(), fill);
    }
    l
}

#[test]
fn depth_keeps_ends_raw_and_compresses_inner_nodes() {
    for depth in [1, 2, 3] {
        let fill = Fill::default().with_compress_depth(depth);
        let mut l = compressed_list(100_000, fill);
        l.check(fill);
        let nodes = l.node_count();
        assert_eq!(l.compressed_node_count(), nodes - 2 * depth as usize);
        // Reads leave the nodes as they are.
        assert_eq!(l.get(50_000).unwrap().to_vec(), b"element:00050000");
        assert_eq!(
            l.iter_from(49_990).nth(10).unwrap().to_vec(),
            b"element:00050000"
        );
        assert_eq!(
            l.iter_rev().nth(50_000 - 1).unwrap().to_vec(),
            b"element:00050000"
        );
        assert_eq!(l.iter().count(), 100_000);
        assert_eq!(l.compressed_node_count(), nodes - 2 * depth as usize);
        // Changes inside expand the node they touch and compress it again.
        assert!(l.set(50_000, b"changed", fill));
        assert!(l.insert(b"element:00060000", b"inserted", true, fill));
        assert_eq!(l.remove(b"element:00070000", 0, fill), 1);
        l.check(fill);
        assert_eq!(
            l.compressed_node_count(),
            l.node_count() - 2 * depth as usize
        );
        assert_eq!(l.get(50_000).unwrap().to_vec(), b"changed");
        assert_eq!(l.get(60_001).unwrap().to_vec(), b"inserted");
        // Trimming into compressed nodes leaves raw ends.
        l.drop_end(End::Head, 30_000, fill);
        l.drop_end(End::Tail, 30_000, fill);
        l.check(fill);
        assert_eq!(l.peek(End::Head).unwrap().to_vec(), b"element:00030000");
        while l.pop(End::Tail, fill).is_some() {
            if l.len().is_multiple_of(1000) {
                l.check(fill);
            }
        }
    }
}

#[test]
fn a_million_elements_at_depth_one_take_a_fraction_of_the_room() {
    let raw = heap_bytes(&compressed_list(1_000_000, Fill::default()));
    let fill = Fill::default().with_compress_depth(1);
    let packed = heap_bytes(&compressed_list(1_000_000, fill));
    // 16-byte elements that differ in their last digits compress well.
    assert!(packed * 3 < raw, "{packed} bytes compressed, {raw} raw");
}

#[test]
fn a_new_depth_applies_to_the_nodes_changed_next() {
    let mut l = compressed_list(20_000, Fill::default());
    let nodes = l.node_count();
    assert_eq!(l.compressed_node_count(), 0);
    // CONFIG SET list-compress-depth 1: a new tail node compresses the node
    // just inside each end, as Redis's __quicklistCompress does; the others
    // stay raw until changed.
    let fill = Fill::default().with_compress_depth(1);
    for i in 0..600 {
        l.push(End::Tail, format!("more:{i:011}").as_bytes(), fill);
    }
    assert_eq!(l.node_count(), nodes + 1);
    assert_eq!(l.compressed_node_count(), 2);
    assert!(l.set(10_000, b"x", fill));
    assert_eq!(l.compressed_node_count(), 3);
    l.check(fill);
    // Back to 0: nothing new is compressed, and what is stays readable.
    let fill = Fill::default();
    assert!(l.set(10_000, b"y", fill));
    assert_eq!(l.compressed_node_count(), 2);
    assert_eq!(l.get(10_000).unwrap().to_vec(), b"y");
    l.drop_end(End::Tail, 1000, fill);
    l.check(fill);
    assert_eq!(l.iter().count(), l.len());
}
