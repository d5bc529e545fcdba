//! Set commands over real sockets: every command and option, exact reply
//! bytes and error texts (checked against redis-server 7.0.15), RESP3 shapes,
//! OBJECT ENCODING transitions.

mod support;
use std::collections::{BTreeSet, HashSet};
use support::check;
use support::{Raw, Server};

/// The exact reply of an array (or RESP3 set, with `kind` '~') of bulk strings.
fn bulks(kind: char, items: &[&str]) -> String {
    let mut s = format!("{kind}{}\r\n", items.len());
    for i in items {
        s.push_str(&format!("${}\r\n{i}\r\n", i.len()));
    }
    s
}

/// The elements of a flat reply of bulk strings (`*` or `~`), and its type.
fn members(r: &mut Raw, args: &[&str]) -> (u8, Vec<String>) {
    let reply = r.cmd(args);
    let text = String::from_utf8(reply).unwrap();
    let mut lines = text.split("\r\n");
    let head = lines.next().unwrap();
    let kind = head.as_bytes()[0];
    assert!(kind == b'*' || kind == b'~', "{text:?}");
    let n: usize = head[1..].parse().unwrap();
    let mut out = Vec::new();
    for _ in 0..n {
        let len = lines.next().unwrap();
        assert!(len.starts_with('$'), "{text:?}");
        out.push(lines.next().unwrap().to_string());
    }
    (kind, out)
}

/// The members, sorted.
fn sorted(r: &mut Raw, args: &[&str]) -> Vec<String> {
    let mut m = members(r, args).1;
    m.sort();
    m
}

fn encoding(r: &mut Raw, key: &str) -> String {
    let reply = String::from_utf8(r.cmd(&["OBJECT", "ENCODING", key])).unwrap();
    reply.split("\r\n").nth(1).unwrap().to_string()
}

/// SADD with many members.
fn sadd(r: &mut Raw, key: &str, items: impl IntoIterator<Item = String>) -> String {
    let mut args = vec!["SADD".to_string(), key.to_string()];
    args.extend(items);
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    String::from_utf8(r.cmd(&refs)).unwrap()
}

const WRONGTYPE: &str = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
const SYNTAX: &str = "-ERR syntax error\r\n";
const NOT_INT: &str = "-ERR value is not an integer or out of range\r\n";
const POSITIVE: &str = "-ERR value is out of range, must be positive\r\n";

#[test]
fn sadd_srem_smembers_sismember_smismember_scard() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    check(&mut r, &["SADD", "s", "3", "1", "2", "1"], ":3\r\n");
    check(&mut r, &["SADD", "s", "2", "5"], ":1\r\n");
    // An intset replies in numeric order.
    check(
        &mut r,
        &["SMEMBERS", "s"],
        &bulks('*', &["1", "2", "3", "5"]),
    );
    check(&mut r, &["SMEMBERS", "nokey"], "*0\r\n");
    check(&mut r, &["SISMEMBER", "s", "2"], ":1\r\n");
    check(&mut r, &["SISMEMBER", "s", "02"], ":0\r\n");
    check(&mut r, &["SISMEMBER", "nokey", "2"], ":0\r\n");
    check(
        &mut r,
        &["SMISMEMBER", "s", "1", "x", "5"],
        "*3\r\n:1\r\n:0\r\n:1\r\n",
    );
    check(&mut r, &["SMISMEMBER", "nokey", "a"], "*1\r\n:0\r\n");
    check(&mut r, &["SCARD", "s"], ":4\r\n");
    check(&mut r, &["SCARD", "nokey"], ":0\r\n");
    check(&mut r, &["SREM", "s", "1", "7", "1"], ":1\r\n");
    check(&mut r, &["SREM", "nokey", "1"], ":0\r\n");
    check(&mut r, &["TYPE", "s"], "+set\r\n");
    // The last member gone, the key goes too.
    check(&mut r, &["SREM", "s", "2", "3", "5", "9"], ":3\r\n");
    check(&mut r, &["EXISTS", "s"], ":0\r\n");
    check(
        &mut r,
        &[
            "SADD",
            "e",
            "-9223372036854775808",
            "9223372036854775807",
            "0",
        ],
        ":3\r\n",
    );
    check(
        &mut r,
        &["SMEMBERS", "e"],
        &bulks('*', &["-9223372036854775808", "0", "9223372036854775807"]),
    );
    check(&mut r, &["SADD", "str", "b", "a", ""], ":3\r\n");
    assert_eq!(sorted(&mut r, &["SMEMBERS", "str"]), ["", "a", "b"]);
    check(&mut r, &["SISMEMBER", "str", ""], ":1\r\n");
    for (args, name) in [
        (&["SADD", "s"][..], "sadd"),
        (&["SREM", "s"], "srem"),
        (&["SMEMBERS"], "smembers"),
        (&["SISMEMBER", "s"], "sismember"),
        (&["SMISMEMBER", "s"], "smismember"),
        (&["SCARD"], "scard"),
        (&["SPOP"], "spop"),
        (&["SRANDMEMBER"], "srandmember"),
        (&["SMOVE", "a", "b"], "smove"),
        (&["SINTER"], "sinter"),
        (&["SINTERCARD", "1"], "sintercard"),
        (&["SINTERSTORE", "d"], "sinterstore"),
        (&["SUNION"], "sunion"),
        (&["SUNIONSTORE", "d"], "sunionstore"),
        (&["SDIFF"], "sdiff"),
        (&["SDIFFSTORE", "d"], "sdiffstore"),
        (&["SSCAN", "s"], "sscan"),
    ] {
        check(
            &mut r,
            args,
            &format!("-ERR wrong number of arguments for '{name}' command\r\n"),
        );
    }
}

#[test]
fn encoding_transitions() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    check(&mut r, &["SADD", "i", "1", "2", "3"], ":3\r\n");
    assert_eq!(encoding(&mut r, "i"), "intset");
    // One non-integer converts an intset, for good.
    check(&mut r, &["SADD", "i", "a"], ":1\r\n");
    assert_eq!(encoding(&mut r, "i"), "hashtable");
    check(&mut r, &["SREM", "i", "a"], ":1\r\n");
    assert_eq!(encoding(&mut r, "i"), "hashtable");
    assert_eq!(sorted(&mut r, &["SMEMBERS", "i"]), ["1", "2", "3"]);
    // Only the canonical form of an i64 is an integer.
    for odd in [
        "+1",
        "01",
        "-0",
        " 1",
        "1 ",
        "9223372036854775808",
        "1.0",
        "",
    ] {
        r.cmd(&["DEL", "o"]);
        check(&mut r, &["SADD", "o", "1", odd], ":2\r\n");
        assert_eq!(encoding(&mut r, "o"), "hashtable", "{odd:?}");
        check(&mut r, &["SISMEMBER", "o", odd], ":1\r\n");
        check(&mut r, &["SISMEMBER", "o", "1"], ":1\r\n");
    }
    // 512 integers are an intset, the 513th converts.
    assert_eq!(
        sadd(&mut r, "n", (0..512).map(|i| i.to_string())),
        ":512\r\n"
    );
    assert_eq!(encoding(&mut r, "n"), "intset");
    check(&mut r, &["SADD", "n", "0"], ":0\r\n");
    assert_eq!(encoding(&mut r, "n"), "intset");
    check(&mut r, &["SADD", "n", "-1"], ":1\r\n");
    assert_eq!(encoding(&mut r, "n"), "hashtable");
    check(&mut r, &["SCARD", "n"], ":513\r\n");
    check(&mut r, &["SISMEMBER", "n", "-1"], ":1\r\n");
    check(&mut r, &["SISMEMBER", "n", "511"], ":1\r\n");
    // Integers of every width stay ordered in an intset.
    check(
        &mut r,
        &["SADD", "w", "70000", "-5", "5000000000", "-40000", "7"],
        ":5\r\n",
    );
    assert_eq!(encoding(&mut r, "w"), "intset");
    check(
        &mut r,
        &["SMEMBERS", "w"],
        &bulks('*', &["-40000", "-5", "7", "70000", "5000000000"]),
    );

    // The threshold is configurable.
    check(
        &mut r,
        &["CONFIG", "SET", "set-max-intset-entries", "2"],
        "+OK\r\n",
    );
    check(
        &mut r,
        &["CONFIG", "GET", "set-max-intset-entries"],
        "*2\r\n$22\r\nset-max-intset-entries\r\n$1\r\n2\r\n",
    );
    check(&mut r, &["SADD", "c", "1", "2"], ":2\r\n");
    assert_eq!(encoding(&mut r, "c"), "intset");
    check(&mut r, &["SADD", "c", "3"], ":1\r\n");
    assert_eq!(encoding(&mut r, "c"), "hashtable");
    check(
        &mut r,
        &["CONFIG", "SET", "set-max-intset-entries", "-1"],
        "-ERR CONFIG SET failed (possibly related to argument 'set-max-intset-entries') - argument must be between 0 and 9223372036854775807 inclusive\r\n",
    );
}

#[test]
fn spop_with_and_without_count() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    check(&mut r, &["SPOP", "nokey"], "$-1\r\n");
    check(&mut r, &["SPOP", "nokey", "3"], "*0\r\n");
    check(&mut r, &["SADD", "s", "1", "2", "3"], ":3\r\n");
    check(&mut r, &["SPOP", "s", "0"], "*0\r\n");
    check(&mut r, &["SPOP", "s", "-1"], POSITIVE);
    check(&mut r, &["SPOP", "s", "x"], POSITIVE);
    check(&mut r, &["SPOP", "nokey", "x"], POSITIVE);
    check(&mut r, &["SPOP", "s", "1", "2"], SYNTAX);
    let one = String::from_utf8(r.cmd(&["SPOP", "s"])).unwrap();
    assert!(["$1\r\n1\r\n", "$1\r\n2\r\n", "$1\r\n3\r\n"].contains(&one.as_str()));
    check(&mut r, &["SCARD", "s"], ":2\r\n");
    // A count at least the size pops the whole set and deletes the key.
    let (_, rest) = members(&mut r, &["SPOP", "s", "10"]);
    assert_eq!(rest.len(), 2);
    check(&mut r, &["EXISTS", "s"], ":0\r\n");

    // Both strategies (few popped, most popped) on both encodings.
    for (key, items) in [
        ("ints", (0..400).map(|i| i.to_string()).collect::<Vec<_>>()),
        ("strs", (0..400).map(|i| format!("m{i}")).collect()),
    ] {
        for count in [10usize, 390] {
            r.cmd(&["DEL", key]);
            sadd(&mut r, key, items.clone());
            let (_, popped) = members(&mut r, &["SPOP", key, &count.to_string()]);
            assert_eq!(popped.len(), count);
            let popped: HashSet<String> = popped.into_iter().collect();
            assert_eq!(popped.len(), count, "distinct");
            let left: HashSet<String> = members(&mut r, &["SMEMBERS", key]).1.into_iter().collect();
            assert_eq!(left.len(), 400 - count);
            assert!(left.is_disjoint(&popped));
            let all: HashSet<String> = items.iter().cloned().collect();
            assert_eq!(&left | &popped, all);
        }
    }
    // A set of few integers left after popping most is an intset again.
    assert_eq!(encoding(&mut r, "ints"), "intset");
    assert_eq!(encoding(&mut r, "strs"), "hashtable");
}

#[test]
fn srandmember_counts_and_errors() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    check(&mut r, &["SRANDMEMBER", "nokey"], "$-1\r\n");
    check(&mut r, &["SRANDMEMBER", "nokey", "3"], "*0\r\n");
    check(&mut r, &["SRANDMEMBER", "nokey", "x"], NOT_INT);
    check(&mut r, &["SADD", "s", "3", "1", "2"], ":3\r\n");
    check(&mut r, &["SRANDMEMBER", "s", "0"], "*0\r\n");
    check(&mut r, &["SRANDMEMBER", "s", "x"], NOT_INT);
    check(&mut r, &["SRANDMEMBER", "s", "1", "2"], SYNTAX);
    check(
        &mut r,
        &["SRANDMEMBER", "s", "-9223372036854775808"],
        "-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n",
    );
    // At least the size: the whole set, in its order.
    check(
        &mut r,
        &["SRANDMEMBER", "s", "3"],
        &bulks('*', &["1", "2", "3"]),
    );
    check(
        &mut r,
        &["SRANDMEMBER", "s", "30"],
        &bulks('*', &["1", "2", "3"]),
    );
    check(&mut r, &["SCARD", "s"], ":3\r\n");

    for (key, n) in [("small", 5usize), ("big", 1000)] {
        let items: Vec<String> = (0..n).map(|i| format!("m{i}")).collect();
        sadd(&mut r, key, items.clone());
        let all: HashSet<String> = items.into_iter().collect();
        let mut seen = HashSet::new();
        for _ in 0..300 {
            let (_, one) = members(&mut r, &["SRANDMEMBER", key, "1"]);
            assert_eq!(one.len(), 1);
            assert!(all.contains(&one[0]));
            seen.insert(one[0].clone());
        }
        assert!(seen.len() >= n.min(150), "{}", seen.len());
        for count in [2usize, n / 2, n - 1] {
            let (_, got) = members(&mut r, &["SRANDMEMBER", key, &count.to_string()]);
            let distinct: HashSet<String> = got.iter().cloned().collect();
            assert_eq!((got.len(), distinct.len()), (count, count));
            assert!(distinct.is_subset(&all));
        }
        let (_, got) = members(&mut r, &["SRANDMEMBER", key, &format!("-{}", n * 3)]);
        assert_eq!(got.len(), n * 3);
        assert!(got.iter().all(|m| all.contains(m)));
        check(&mut r, &["SCARD", key], &format!(":{n}\r\n"));
    }
}

#[test]
fn smove_cases_and_check_order() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    check(&mut r, &["SET", "str", "v"], "+OK\r\n");
    check(&mut r, &["SADD", "a", "1", "2"], ":2\r\n");
    // A missing source wins over a destination of the wrong type.
    check(&mut r, &["SMOVE", "nokey", "str", "1"], ":0\r\n");
    check(&mut r, &["SMOVE", "str", "a", "1"], WRONGTYPE);
    check(&mut r, &["SMOVE", "a", "str", "1"], WRONGTYPE);
    check(&mut r, &["SMOVE", "a", "a", "1"], ":1\r\n");
    check(&mut r, &["SMOVE", "a", "a", "9"], ":0\r\n");
    check(&mut r, &["SMOVE", "a", "b", "9"], ":0\r\n");
    check(&mut r, &["EXISTS", "b"], ":0\r\n");
    // The destination is created with the source's member.
    check(&mut r, &["SMOVE", "a", "b", "1"], ":1\r\n");
    assert_eq!(encoding(&mut r, "b"), "intset");
    check(&mut r, &["SMEMBERS", "a"], &bulks('*', &["2"]));
    check(&mut r, &["SMEMBERS", "b"], &bulks('*', &["1"]));
    // Moving a member the destination has: 1, and the source loses it.
    check(&mut r, &["SADD", "b", "2"], ":1\r\n");
    check(&mut r, &["SMOVE", "a", "b", "2"], ":1\r\n");
    check(&mut r, &["EXISTS", "a"], ":0\r\n");
    check(&mut r, &["SMEMBERS", "b"], &bulks('*', &["1", "2"]));
    // A string member converts an intset destination.
    check(&mut r, &["SADD", "c", "x"], ":1\r\n");
    check(&mut r, &["SMOVE", "c", "b", "x"], ":1\r\n");
    assert_eq!(encoding(&mut r, "b"), "hashtable");
    assert_eq!(sorted(&mut r, &["SMEMBERS", "b"]), ["1", "2", "x"]);
}

#[test]
fn sinter_sunion_sdiff_and_store() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    check(&mut r, &["SADD", "a", "5", "1", "9", "3"], ":4\r\n");
    check(&mut r, &["SADD", "b", "3", "1", "7"], ":3\r\n");
    check(&mut r, &["SADD", "h", "x", "y", "1"], ":3\r\n");
    // Results of integers come out in order (intset results).
    check(&mut r, &["SINTER", "a", "b"], &bulks('*', &["1", "3"]));
    check(&mut r, &["SINTER", "a"], &bulks('*', &["1", "3", "5", "9"]));
    check(
        &mut r,
        &["SINTER", "a", "a"],
        &bulks('*', &["1", "3", "5", "9"]),
    );
    check(&mut r, &["SINTER", "a", "h"], &bulks('*', &["1"]));
    check(&mut r, &["SINTER", "a", "nokey"], "*0\r\n");
    check(
        &mut r,
        &["SUNION", "a", "b", "nokey"],
        &bulks('*', &["1", "3", "5", "7", "9"]),
    );
    check(&mut r, &["SUNION", "nokey"], "*0\r\n");
    assert_eq!(
        sorted(&mut r, &["SUNION", "a", "h"]),
        ["1", "3", "5", "9", "x", "y"]
    );
    check(&mut r, &["SDIFF", "a", "b"], &bulks('*', &["5", "9"]));
    check(
        &mut r,
        &["SDIFF", "a", "nokey", "b"],
        &bulks('*', &["5", "9"]),
    );
    check(&mut r, &["SDIFF", "a", "a"], "*0\r\n");
    check(&mut r, &["SDIFF", "nokey", "a"], "*0\r\n");
    assert_eq!(sorted(&mut r, &["SDIFF", "h", "a"]), ["x", "y"]);

    // STORE forms: the result's size, an intset when it can be.
    check(&mut r, &["SINTERSTORE", "d", "a", "b"], ":2\r\n");
    check(&mut r, &["SMEMBERS", "d"], &bulks('*', &["1", "3"]));
    assert_eq!(encoding(&mut r, "d"), "intset");
    check(&mut r, &["SUNIONSTORE", "d", "a", "h"], ":6\r\n");
    assert_eq!(encoding(&mut r, "d"), "hashtable");
    check(&mut r, &["SDIFFSTORE", "d", "h", "a"], ":2\r\n");
    assert_eq!(sorted(&mut r, &["SMEMBERS", "d"]), ["x", "y"]);
    check(&mut r, &["SDIFFSTORE", "d", "a", "nokey"], ":4\r\n");
    assert_eq!(encoding(&mut r, "d"), "intset");
    // A source can be the destination.
    check(&mut r, &["SUNIONSTORE", "a", "a", "b"], ":5\r\n");
    check(
        &mut r,
        &["SMEMBERS", "a"],
        &bulks('*', &["1", "3", "5", "7", "9"]),
    );

    // The destination is overwritten whatever its type, TTL included...
    check(&mut r, &["SET", "dst", "x", "EX", "100"], "+OK\r\n");
    check(&mut r, &["SUNIONSTORE", "dst", "b"], ":3\r\n");
    check(&mut r, &["TYPE", "dst"], "+set\r\n");
    check(&mut r, &["TTL", "dst"], ":-1\r\n");
    // ...and deleted when the result is empty.
    check(&mut r, &["SADD", "e", "100"], ":1\r\n");
    for args in [
        &["SINTERSTORE", "dst", "b", "nokey"][..],
        &["SUNIONSTORE", "dst", "nokey"],
        &["SDIFFSTORE", "dst", "b", "b"],
        &["SINTERSTORE", "dst", "b", "e"],
    ] {
        check(&mut r, &["SET", "dst", "x"], "+OK\r\n");
        check(&mut r, args, ":0\r\n");
        check(&mut r, &["EXISTS", "dst"], ":0\r\n");
    }

    // WRONGTYPE from any source, even after a missing key (Redis 7.0 checks
    // every key first); the destination's type does not matter.
    check(&mut r, &["SET", "str", "v"], "+OK\r\n");
    for args in [
        &["SINTER", "nokey", "str"][..],
        &["SINTER", "str", "nokey"],
        &["SINTER", "a", "str"],
        &["SUNION", "nokey", "str"],
        &["SDIFF", "nokey", "str"],
        &["SDIFF", "a", "str"],
        &["SINTERSTORE", "d", "nokey", "str"],
        &["SUNIONSTORE", "d", "a", "str"],
        &["SDIFFSTORE", "d", "nokey", "str"],
        &["SINTERCARD", "2", "nokey", "str"],
    ] {
        check(&mut r, args, WRONGTYPE);
    }
    check(&mut r, &["SINTERSTORE", "str", "a", "b"], ":3\r\n");
    check(&mut r, &["TYPE", "str"], "+set\r\n");
    // A failed STORE leaves the destination alone.
    check(&mut r, &["SET", "str2", "v"], "+OK\r\n");
    check(&mut r, &["SUNIONSTORE", "d", "str2"], WRONGTYPE);
    check(&mut r, &["SCARD", "d"], ":4\r\n");
}

#[test]
fn large_set_operations_match_a_model() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    let a: BTreeSet<String> = (0..3000)
        .filter(|i| i % 2 == 0)
        .map(|i| format!("m{i}"))
        .collect();
    let b: BTreeSet<String> = (0..3000)
        .filter(|i| i % 3 == 0)
        .map(|i| format!("m{i}"))
        .collect();
    let c: BTreeSet<String> = (0..30).map(|i| format!("m{i}")).collect();
    sadd(&mut r, "a", a.iter().cloned());
    sadd(&mut r, "b", b.iter().cloned());
    sadd(&mut r, "c", c.iter().cloned());
    let v = |s: BTreeSet<String>| s.into_iter().collect::<Vec<_>>();
    let inter: BTreeSet<String> = a.intersection(&b).cloned().collect();
    assert_eq!(sorted(&mut r, &["SINTER", "a", "b"]), v(inter.clone()));
    assert_eq!(
        sorted(&mut r, &["SINTER", "a", "b", "c"]),
        v(inter.intersection(&c).cloned().collect())
    );
    assert_eq!(
        sorted(&mut r, &["SUNION", "a", "b"]),
        v(a.union(&b).cloned().collect())
    );
    assert_eq!(
        sorted(&mut r, &["SDIFF", "a", "b"]),
        v(a.difference(&b).cloned().collect())
    );
    // Both SDIFF strategies: a big first set minus a small one, and a
    // small first set minus big ones.
    assert_eq!(
        sorted(&mut r, &["SDIFF", "a", "c"]),
        v(a.difference(&c).cloned().collect())
    );
    assert_eq!(
        sorted(&mut r, &["SDIFF", "c", "a", "b"]),
        v(c.iter()
            .filter(|m| !a.contains(*m) && !b.contains(*m))
            .cloned()
            .collect())
    );
    check(
        &mut r,
        &["SINTERCARD", "2", "a", "b"],
        &format!(":{}\r\n", inter.len()),
    );
    check(
        &mut r,
        &["SINTERCARD", "2", "a", "b", "LIMIT", "7"],
        ":7\r\n",
    );
    check(
        &mut r,
        &["SDIFFSTORE", "d", "a", "b"],
        &format!(":{}\r\n", a.difference(&b).count()),
    );
}

#[test]
fn sintercard_arguments() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    check(&mut r, &["SADD", "a", "1", "2", "3"], ":3\r\n");
    check(&mut r, &["SADD", "b", "2", "3", "4"], ":3\r\n");
    check(&mut r, &["SET", "str", "v"], "+OK\r\n");
    check(&mut r, &["SINTERCARD", "2", "a", "b"], ":2\r\n");
    check(&mut r, &["SINTERCARD", "1", "a"], ":3\r\n");
    check(&mut r, &["SINTERCARD", "1", "nokey"], ":0\r\n");
    check(&mut r, &["SINTERCARD", "2", "a", "nokey"], ":0\r\n");
    check(&mut r, &["SINTERCARD", "1", "a", "LIMIT", "2"], ":2\r\n");
    check(&mut r, &["SINTERCARD", "1", "a", "limit", "0"], ":3\r\n");
    check(
        &mut r,
        &["SINTERCARD", "1", "a", "LIMIT", "0", "LIMIT", "1"],
        ":1\r\n",
    );
    let numkeys = "-ERR numkeys should be greater than 0\r\n";
    check(&mut r, &["SINTERCARD", "0", "a"], numkeys);
    check(&mut r, &["SINTERCARD", "-1", "a"], numkeys);
    check(&mut r, &["SINTERCARD", "x", "a"], numkeys);
    let too_many = "-ERR Number of keys can't be greater than number of args\r\n";
    check(&mut r, &["SINTERCARD", "2", "a"], too_many);
    check(
        &mut r,
        &["SINTERCARD", "9223372036854775807", "a"],
        too_many,
    );
    let negative = "-ERR LIMIT can't be negative\r\n";
    check(&mut r, &["SINTERCARD", "1", "a", "LIMIT", "-1"], negative);
    check(&mut r, &["SINTERCARD", "1", "a", "LIMIT", "x"], negative);
    check(&mut r, &["SINTERCARD", "1", "str", "LIMIT", "x"], negative);
    check(&mut r, &["SINTERCARD", "1", "a", "LIMIT"], SYNTAX);
    check(&mut r, &["SINTERCARD", "1", "a", "foo", "1"], SYNTAX);
    check(&mut r, &["SINTERCARD", "1", "a", "b"], SYNTAX);
    check(&mut r, &["SINTERCARD", "1", "str"], WRONGTYPE);
    check(&mut r, &["SINTERCARD", "2", "str", "nokey"], WRONGTYPE);
}

#[test]
fn sscan_small_in_one_call_and_large_by_cursor() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    check(&mut r, &["SADD", "i", "17", "7", "70"], ":3\r\n");
    check(
        &mut r,
        &["SSCAN", "i", "0", "COUNT", "1"],
        "*2\r\n$1\r\n0\r\n*3\r\n$1\r\n7\r\n$2\r\n17\r\n$2\r\n70\r\n",
    );
    check(
        &mut r,
        &["SSCAN", "i", "0", "MATCH", "*7"],
        "*2\r\n$1\r\n0\r\n*2\r\n$1\r\n7\r\n$2\r\n17\r\n",
    );
    check(&mut r, &["SSCAN", "i", "0", "COUNT", "0"], SYNTAX);
    check(&mut r, &["SSCAN", "i", "0", "COUNT", "x"], NOT_INT);
    check(&mut r, &["SSCAN", "i", "0", "foo"], SYNTAX);
    check(&mut r, &["SSCAN", "i", "0", "TYPE", "set"], SYNTAX);
    check(&mut r, &["SSCAN", "i", "x"], "-ERR invalid cursor\r\n");
    check(
        &mut r,
        &["SSCAN", "nokey", "0", "foo"],
        "*2\r\n$1\r\n0\r\n*0\r\n",
    );

    sadd(&mut r, "big", (0..3000).map(|i| format!("m{i}")));
    assert_eq!(encoding(&mut r, "big"), "hashtable");
    let mut seen = HashSet::new();
    let mut cursor = "0".to_string();
    let mut calls = 0;
    loop {
        let reply = String::from_utf8(r.cmd(&["SSCAN", "big", &cursor, "COUNT", "25"])).unwrap();
        let lines: Vec<&str> = reply.split("\r\n").collect();
        assert_eq!(lines[0], "*2");
        cursor = lines[2].to_string();
        let n: usize = lines[3][1..].parse().unwrap();
        for i in 0..n {
            seen.insert(lines[5 + 2 * i].to_string());
        }
        calls += 1;
        // Members come and go (growing, then shrinking the table) meanwhile.
        if calls == 3 {
            sadd(&mut r, "big", (0..6000).map(|i| format!("tmp{i}")));
        }
        if calls == 50 {
            let mut args = vec!["SREM".to_string(), "big".into()];
            args.extend((0..6000).map(|i| format!("tmp{i}")));
            let refs: Vec<&str> = args.iter().map(String::as_str).collect();
            r.cmd(&refs);
        }
        if cursor == "0" {
            break;
        }
    }
    assert!(calls > 20, "{calls}");
    for i in 0..3000 {
        assert!(seen.contains(&format!("m{i}")), "m{i} missed");
    }
}

#[test]
fn wrongtype_for_every_set_command() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    check(&mut r, &["SET", "s", "v"], "+OK\r\n");
    for args in [
        &["SADD", "s", "a"][..],
        &["SREM", "s", "a"],
        &["SMEMBERS", "s"],
        &["SISMEMBER", "s", "a"],
        &["SMISMEMBER", "s", "a"],
        &["SCARD", "s"],
        &["SPOP", "s"],
        &["SPOP", "s", "1"],
        &["SRANDMEMBER", "s"],
        &["SRANDMEMBER", "s", "1"],
        &["SMOVE", "s", "d", "a"],
        &["SINTER", "s"],
        &["SINTERCARD", "1", "s"],
        &["SINTERSTORE", "d", "s"],
        &["SUNION", "s"],
        &["SUNIONSTORE", "d", "s"],
        &["SDIFF", "s"],
        &["SDIFFSTORE", "d", "s"],
        &["SSCAN", "s", "0"],
    ] {
        check(&mut r, args, WRONGTYPE);
    }
    check(&mut r, &["GET", "s"], "$1\r\nv\r\n");
    check(&mut r, &["EXISTS", "d"], ":0\r\n");
    check(&mut r, &["SADD", "set", "a"], ":1\r\n");
    check(&mut r, &["HGET", "set", "a"], WRONGTYPE);
    check(&mut r, &["GET", "set"], WRONGTYPE);
}

#[test]
fn resp3_shapes() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    r.cmd(&["HELLO", "3"]);
    check(&mut r, &["SADD", "s", "2", "1"], ":2\r\n");
    check(&mut r, &["SADD", "t", "2", "3"], ":2\r\n");
    // Set replies: SMEMBERS, SINTER, SUNION, SDIFF, SPOP with a count.
    check(&mut r, &["SMEMBERS", "s"], &bulks('~', &["1", "2"]));
    check(&mut r, &["SMEMBERS", "nokey"], "~0\r\n");
    check(&mut r, &["SINTER", "s", "t"], &bulks('~', &["2"]));
    check(&mut r, &["SINTER", "s", "nokey"], "~0\r\n");
    check(&mut r, &["SUNION", "s", "t"], &bulks('~', &["1", "2", "3"]));
    check(&mut r, &["SDIFF", "s", "t"], &bulks('~', &["1"]));
    check(&mut r, &["SPOP", "nokey", "2"], "~0\r\n");
    check(&mut r, &["SPOP", "s", "0"], "~0\r\n");
    assert_eq!(members(&mut r, &["SPOP", "t", "1"]).0, b'~');
    check(&mut r, &["SPOP", "nokey"], "_\r\n");
    check(&mut r, &["SRANDMEMBER", "nokey"], "_\r\n");
    // SRANDMEMBER with a count stays an array in 7.0.
    check(&mut r, &["SRANDMEMBER", "nokey", "5"], "*0\r\n");
    check(&mut r, &["SRANDMEMBER", "s", "5"], &bulks('*', &["1", "2"]));
    assert_eq!(members(&mut r, &["SRANDMEMBER", "s", "-3"]).0, b'*');
    check(&mut r, &["SMISMEMBER", "s", "1", "z"], "*2\r\n:1\r\n:0\r\n");
    check(&mut r, &["SISMEMBER", "s", "1"], ":1\r\n");
    check(
        &mut r,
        &["SSCAN", "s", "0"],
        "*2\r\n$1\r\n0\r\n*2\r\n$1\r\n1\r\n$1\r\n2\r\n",
    );
    // The redis crate reads a RESP2 set as a list.
    let mut con = srv.client();
    let got: BTreeSet<String> = redis::cmd("SMEMBERS").arg("s").query(&mut con).unwrap();
    assert_eq!(got, BTreeSet::from(["1".to_string(), "2".to_string()]));
}

#[test]
fn random_operations_match_a_model() {
    let srv = Server::start(&["--set-max-intset-entries", "20"]);
    let mut r = srv.raw();
    let mut model: Vec<BTreeSet<String>> = vec![BTreeSet::new(); 3];
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for _ in 0..3000 {
        let x = next();
        let k = (x % 3) as usize;
        let key = format!("k{k}");
        // Mostly integers, sometimes a string.
        let m = if (x >> 8) % 10 == 0 {
            format!("s{}", (x >> 16) % 20)
        } else {
            ((x >> 16) % 60).to_string()
        };
        match (x >> 32) % 5 {
            0 | 1 => {
                let added = model[k].insert(m.clone());
                check(
                    &mut r,
                    &["SADD", &key, &m],
                    &format!(":{}\r\n", added as i32),
                );
            }
            2 => {
                let removed = model[k].remove(&m);
                check(
                    &mut r,
                    &["SREM", &key, &m],
                    &format!(":{}\r\n", removed as i32),
                );
            }
            3 => {
                let dst = (k + 1) % 3;
                let moved = model[k].remove(&m);
                if moved {
                    model[dst].insert(m.clone());
                }
                check(
                    &mut r,
                    &["SMOVE", &key, &format!("k{dst}"), &m],
                    &format!(":{}\r\n", moved as i32),
                );
            }
            _ => {
                let got = String::from_utf8(r.cmd(&["SPOP", &key])).unwrap();
                if model[k].is_empty() {
                    assert_eq!(got, "$-1\r\n");
                } else {
                    let popped = got.split("\r\n").nth(1).unwrap().to_string();
                    assert!(model[k].remove(&popped), "{popped} was not a member");
                }
            }
        }
    }
    for (k, m) in model.iter().enumerate() {
        let key = format!("k{k}");
        if m.is_empty() {
            check(&mut r, &["EXISTS", &key], ":0\r\n");
        } else {
            let got: BTreeSet<String> =
                members(&mut r, &["SMEMBERS", &key]).1.into_iter().collect();
            assert_eq!(&got, m);
        }
    }
}

#[test]
fn copy_rename_and_expire_work_on_sets() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    sadd(&mut r, "big", (0..1000).map(|i| format!("m{i}")));
    check(&mut r, &["SADD", "small", "1", "2"], ":2\r\n");
    check(&mut r, &["COPY", "big", "big2"], ":1\r\n");
    check(&mut r, &["COPY", "small", "small2"], ":1\r\n");
    // Deep copies: changing one leaves the other alone.
    check(&mut r, &["SREM", "big", "m1"], ":1\r\n");
    check(&mut r, &["SADD", "small", "3"], ":1\r\n");
    check(&mut r, &["SCARD", "big2"], ":1000\r\n");
    check(&mut r, &["SISMEMBER", "big2", "m1"], ":1\r\n");
    check(&mut r, &["SMEMBERS", "small2"], &bulks('*', &["1", "2"]));
    assert_eq!(encoding(&mut r, "big2"), "hashtable");
    assert_eq!(encoding(&mut r, "small2"), "intset");
    check(&mut r, &["RENAME", "small2", "moved"], "+OK\r\n");
    check(&mut r, &["SCARD", "moved"], ":2\r\n");
    check(&mut r, &["TYPE", "moved"], "+set\r\n");
    // SCAN TYPE set sees them all (one call covers a small keyspace).
    let reply = String::from_utf8(r.cmd(&["SCAN", "0", "TYPE", "set", "COUNT", "100000"])).unwrap();
    let lines: Vec<&str> = reply.split("\r\n").collect();
    assert_eq!(lines[2], "0");
    let n: usize = lines[3][1..].parse().unwrap();
    let mut keys: Vec<&str> = (0..n).map(|i| lines[5 + 2 * i]).collect();
    keys.sort();
    assert_eq!(keys, ["big", "big2", "moved", "small"]);
    // A set with a TTL expires like any key.
    check(&mut r, &["PEXPIRE", "moved", "50"], ":1\r\n");
    support::wait_until("the set to expire", || {
        r.cmd(&["EXISTS", "moved"]) == b":0\r\n"
    });
}
