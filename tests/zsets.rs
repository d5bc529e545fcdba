//! Sorted-set commands over real sockets: every option, exact reply bytes
//! and error texts, RESP3 shapes, encodings and conversions. The expected
//! bytes of the table-like tests were taken from redis-server 7.0.15 given
//! the same commands.

mod support;
use support::{check, pmessage, Raw, Server};

/// The bulk strings of a flat RESP2 array reply (nested arrays flattened).
fn bulks(reply: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(reply);
    let mut out = Vec::new();
    let mut lines = text.split("\r\n");
    while let Some(line) = lines.next() {
        if line.starts_with('$') && line != "$-1" {
            out.push(lines.next().unwrap_or_default().to_string());
        }
    }
    out
}

/// ZADD of `n` members `m0..` with score i in batches.
fn fill(r: &mut Raw, key: &str, n: usize) {
    for start in (0..n).step_by(500) {
        let mut args = vec!["ZADD".to_string(), key.to_string()];
        for i in start..(start + 500).min(n) {
            args.push(i.to_string());
            args.push(format!("m{i}"));
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        r.cmd(&args);
    }
}

#[test]
fn zadd_options_and_compatibility_errors() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    check(
        &mut r,
        &["zadd", "z", "1", "a", "2", "b", "3", "c"],
        ":3\r\n",
    );
    check(&mut r, &["zadd", "z", "1", "a"], ":0\r\n");
    check(&mut r, &["zadd", "z", "xx", "1", "q"], ":0\r\n");
    check(&mut r, &["exists", "q"], ":0\r\n");
    check(&mut r, &["zadd", "q", "xx", "1", "a"], ":0\r\n");
    check(&mut r, &["exists", "q"], ":0\r\n");
    check(&mut r, &["zadd", "z", "nx", "10", "a", "4", "d"], ":1\r\n");
    check(&mut r, &["zscore", "z", "a"], "$1\r\n1\r\n");
    check(
        &mut r,
        &["zadd", "z", "ch", "5", "a", "5", "d", "6", "e"],
        ":3\r\n",
    );
    check(
        &mut r,
        &["zadd", "z", "gt", "ch", "4", "a", "9", "b"],
        ":1\r\n",
    );
    check(
        &mut r,
        &["zadd", "z", "lt", "ch", "4", "a", "9", "c"],
        ":1\r\n",
    );
    check(&mut r, &["zrange", "z", "0", "-1", "withscores"], "*10\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\na\r\n$1\r\n4\r\n$1\r\nd\r\n$1\r\n5\r\n$1\r\ne\r\n$1\r\n6\r\n$1\r\nb\r\n$1\r\n9\r\n");
    check(&mut r, &["zadd", "z", "incr", "2", "a"], "$1\r\n6\r\n");
    check(&mut r, &["zadd", "z", "incr", "nx", "1", "a"], "$-1\r\n");
    check(&mut r, &["zadd", "z", "incr", "xx", "1", "nope"], "$-1\r\n");
    check(&mut r, &["zadd", "z", "incr", "gt", "-1", "a"], "$-1\r\n");
    check(
        &mut r,
        &["zadd", "z", "incr", "lt", "-1", "a"],
        "$1\r\n5\r\n",
    );
    check(&mut r, &["zincrby", "z", "1.5", "newm"], "$3\r\n1.5\r\n");
    check(
        &mut r,
        &["zincrby", "z", "abc", "a"],
        "-ERR value is not a valid float\r\n",
    );
    check(
        &mut r,
        &["zincrby", "z", "1"],
        "-ERR wrong number of arguments for 'zincrby' command\r\n",
    );
    check(
        &mut r,
        &["zadd", "z", "incr", "1", "a", "2", "b"],
        "-ERR INCR option supports a single increment-element pair\r\n",
    );
    check(
        &mut r,
        &["zadd", "z", "nx", "xx", "1", "a"],
        "-ERR XX and NX options at the same time are not compatible\r\n",
    );
    check(
        &mut r,
        &["zadd", "z", "nx", "gt", "1", "a"],
        "-ERR GT, LT, and/or NX options at the same time are not compatible\r\n",
    );
    check(
        &mut r,
        &["zadd", "z", "nx", "lt", "1", "a"],
        "-ERR GT, LT, and/or NX options at the same time are not compatible\r\n",
    );
    check(
        &mut r,
        &["zadd", "z", "gt", "lt", "1", "a"],
        "-ERR GT, LT, and/or NX options at the same time are not compatible\r\n",
    );
    check(
        &mut r,
        &["zadd", "z", "1"],
        "-ERR wrong number of arguments for 'zadd' command\r\n",
    );
    check(
        &mut r,
        &["zadd", "z", "ch"],
        "-ERR wrong number of arguments for 'zadd' command\r\n",
    );
    check(&mut r, &["zadd", "z", "nx", "1"], "-ERR syntax error\r\n");
    check(
        &mut r,
        &["zadd", "z", "1", "a", "2"],
        "-ERR syntax error\r\n",
    );
    check(
        &mut r,
        &["zadd", "z", "abc", "a"],
        "-ERR value is not a valid float\r\n",
    );
    check(
        &mut r,
        &["zadd", "z", "1", "a", "abc", "b"],
        "-ERR value is not a valid float\r\n",
    );
    check(
        &mut r,
        &["zadd", "z", "nx", "nx", "ch", "ch", "7", "f"],
        ":1\r\n",
    );
    check(&mut r, &["zadd", "z", "2", "g", "3", "g"], ":1\r\n");
    check(&mut r, &["zscore", "z", "g"], "$1\r\n3\r\n");
    check(&mut r, &["zadd", "z", "inf", "h"], ":1\r\n");
    check(
        &mut r,
        &["zincrby", "z", "-inf", "h"],
        "-ERR resulting score is not a number (NaN)\r\n",
    );
    check(&mut r, &["zscore", "z", "h"], "$3\r\ninf\r\n");
    check(
        &mut r,
        &["zadd", "z", "NX", "XX", "GT", "LT", "1", "a"],
        "-ERR XX and NX options at the same time are not compatible\r\n",
    );
}

#[test]
fn scores_parse_and_print_like_redis() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    check(
        &mut r,
        &["zadd", "s", "1e400", "x"],
        "-ERR value is not a valid float\r\n",
    );
    check(
        &mut r,
        &["zadd", "s", "1e-400", "x"],
        "-ERR value is not a valid float\r\n",
    );
    check(
        &mut r,
        &["zadd", "s", " 1", "x"],
        "-ERR value is not a valid float\r\n",
    );
    check(
        &mut r,
        &["zadd", "s", "1 ", "x"],
        "-ERR value is not a valid float\r\n",
    );
    check(
        &mut r,
        &["zadd", "s", "nan", "x"],
        "-ERR value is not a valid float\r\n",
    );
    check(
        &mut r,
        &["zadd", "s", "", "x"],
        "-ERR value is not a valid float\r\n",
    );
    check(&mut r, &["zadd", "s", "0x10", "hex"], ":1\r\n");
    check(
        &mut r,
        &[
            "zadd",
            "s",
            "+inf",
            "pinf",
            "-inf",
            "ninf",
            "-INFINITY",
            "ninf2",
            "1e-320",
            "tiny",
        ],
        ":4\r\n",
    );
    check(
        &mut r,
        &[
            "zadd",
            "s",
            "0.1",
            "a",
            "1e20",
            "b",
            "123456789012345678",
            "c",
            "1.5e-7",
            "d",
            "10.5",
            "e",
            "-0",
            "f",
            "3.0",
            "g",
        ],
        ":7\r\n",
    );
    check(&mut r, &["zrange", "s", "0", "-1", "withscores"], "*24\r\n$4\r\nninf\r\n$4\r\n-inf\r\n$5\r\nninf2\r\n$4\r\n-inf\r\n$1\r\nf\r\n$1\r\n0\r\n$4\r\ntiny\r\n$23\r\n9.9998886718268301e-321\r\n$1\r\nd\r\n$22\r\n1.4999999999999999e-07\r\n$1\r\na\r\n$19\r\n0.10000000000000001\r\n$1\r\ng\r\n$1\r\n3\r\n$1\r\ne\r\n$4\r\n10.5\r\n$3\r\nhex\r\n$2\r\n16\r\n$1\r\nc\r\n$22\r\n1.2345678901234568e+17\r\n$1\r\nb\r\n$5\r\n1e+20\r\n$4\r\npinf\r\n$3\r\ninf\r\n");
    check(
        &mut r,
        &["zscore", "s", "tiny"],
        "$23\r\n9.9998886718268301e-321\r\n",
    );
    check(&mut r, &["zscore", "s", "f"], "$1\r\n0\r\n");
    check(&mut r, &["zadd", "big", "-0", "zz"], ":1\r\n");
    check(
        &mut r,
        &["config", "set", "zset-max-listpack-entries", "0"],
        "+OK\r\n",
    );
    check(&mut r, &["zadd", "big2", "-0", "zz"], ":1\r\n");
    check(&mut r, &["zscore", "big2", "zz"], "$2\r\n-0\r\n");
    check(&mut r, &["zincrby", "big2", "-0", "zz2"], "$2\r\n-0\r\n");
    check(
        &mut r,
        &["object", "encoding", "big2"],
        "$8\r\nskiplist\r\n",
    );
    check(
        &mut r,
        &["config", "set", "zset-max-listpack-entries", "128"],
        "+OK\r\n",
    );
}

#[test]
fn zrange_by_rank_score_and_lex() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    check(
        &mut r,
        &[
            "zadd", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e",
        ],
        ":5\r\n",
    );
    check(
        &mut r,
        &["zrange", "z", "0", "-1"],
        "*5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n",
    );
    check(
        &mut r,
        &["zrange", "z", "1", "2", "withscores"],
        "*4\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n",
    );
    check(
        &mut r,
        &["zrange", "z", "-2", "-1"],
        "*2\r\n$1\r\nd\r\n$1\r\ne\r\n",
    );
    check(
        &mut r,
        &["zrange", "z", "-100", "100"],
        "*5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n",
    );
    check(&mut r, &["zrange", "z", "3", "1"], "*0\r\n");
    check(&mut r, &["zrange", "z", "5", "10"], "*0\r\n");
    check(
        &mut r,
        &["zrange", "z", "0", "-1", "rev"],
        "*5\r\n$1\r\ne\r\n$1\r\nd\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n",
    );
    check(
        &mut r,
        &["zrevrange", "z", "0", "1", "withscores"],
        "*4\r\n$1\r\ne\r\n$1\r\n5\r\n$1\r\nd\r\n$1\r\n4\r\n",
    );
    check(
        &mut r,
        &["zrange", "z", "a", "b"],
        "-ERR value is not an integer or out of range\r\n",
    );
    check(&mut r, &["zrange", "z", "0", "1", "limit", "0", "1"], "-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX\r\n");
    check(
        &mut r,
        &["zrange", "z", "0", "-1", "bylex", "withscores"],
        "-ERR syntax error, WITHSCORES not supported in combination with BYLEX\r\n",
    );
    check(
        &mut r,
        &["zrange", "z", "0", "-1", "rev", "rev"],
        "-ERR syntax error\r\n",
    );
    check(
        &mut r,
        &["zrange", "z", "0", "-1", "byscore", "bylex"],
        "-ERR syntax error\r\n",
    );
    check(
        &mut r,
        &["zrange", "z", "0", "-1", "foo"],
        "-ERR syntax error\r\n",
    );
    check(
        &mut r,
        &["zrange", "z", "(1", "3", "byscore"],
        "*2\r\n$1\r\nb\r\n$1\r\nc\r\n",
    );
    check(
        &mut r,
        &["zrange", "z", "3", "(1", "byscore", "rev", "withscores"],
        "*4\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nb\r\n$1\r\n2\r\n",
    );
    check(
        &mut r,
        &["zrange", "z", "-inf", "+inf", "byscore", "limit", "1", "2"],
        "*2\r\n$1\r\nb\r\n$1\r\nc\r\n",
    );
    check(
        &mut r,
        &["zrange", "z", "-inf", "+inf", "byscore", "limit", "1", "-1"],
        "*4\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n",
    );
    check(
        &mut r,
        &["zrange", "z", "-inf", "+inf", "byscore", "limit", "-1", "2"],
        "*0\r\n",
    );
    check(
        &mut r,
        &["zrange", "z", "-inf", "+inf", "byscore", "limit", "10", "2"],
        "*0\r\n",
    );
    check(
        &mut r,
        &["zrange", "z", "-inf", "+inf", "byscore", "limit", "0", "0"],
        "*0\r\n",
    );
    check(
        &mut r,
        &[
            "zrange",
            "z",
            "+inf",
            "-inf",
            "byscore",
            "rev",
            "limit",
            "1",
            "2",
            "withscores",
        ],
        "*4\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\nc\r\n$1\r\n3\r\n",
    );
    check(
        &mut r,
        &["zrange", "z", "-inf", "+inf", "byscore", "limit", "0"],
        "-ERR syntax error\r\n",
    );
    check(
        &mut r,
        &["zrange", "z", "-inf", "+inf", "byscore", "limit", "a", "1"],
        "-ERR value is not an integer or out of range\r\n",
    );
    check(
        &mut r,
        &["zrange", "z", "[1", "3", "byscore"],
        "-ERR min or max is not a float\r\n",
    );
    check(&mut r, &["zrange", "z", "", "", "byscore"], "*0\r\n");
    check(
        &mut r,
        &["zrange", "z", "(", "+inf", "byscore"],
        "*5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n",
    );
    check(
        &mut r,
        &["zrange", "z", " 2", "(4", "byscore"],
        "*2\r\n$1\r\nb\r\n$1\r\nc\r\n",
    );
    check(
        &mut r,
        &["zrangebyscore", "z", "2", "4"],
        "*3\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n",
    );
    check(
        &mut r,
        &[
            "zrangebyscore",
            "z",
            "2",
            "4",
            "withscores",
            "limit",
            "1",
            "1",
        ],
        "*2\r\n$1\r\nc\r\n$1\r\n3\r\n",
    );
    check(
        &mut r,
        &["zrangebyscore", "z", "0", "10", "rev"],
        "-ERR syntax error\r\n",
    );
    check(
        &mut r,
        &["zrangebyscore", "z", "0", "10", "byscore"],
        "-ERR syntax error\r\n",
    );
    check(
        &mut r,
        &[
            "zrangebyscore",
            "z",
            "0",
            "1",
            "limit",
            "0",
            "1",
            "withscores",
            "withscores",
        ],
        "*2\r\n$1\r\na\r\n$1\r\n1\r\n",
    );
    check(
        &mut r,
        &[
            "zrangebyscore",
            "z",
            "0",
            "10",
            "limit",
            "0",
            "1",
            "limit",
            "1",
            "2",
        ],
        "*2\r\n$1\r\nb\r\n$1\r\nc\r\n",
    );
    check(
        &mut r,
        &["zrangebyscore", "z", "abc", "1"],
        "-ERR min or max is not a float\r\n",
    );
    check(
        &mut r,
        &["zrevrangebyscore", "z", "4", "2"],
        "*3\r\n$1\r\nd\r\n$1\r\nc\r\n$1\r\nb\r\n",
    );
    check(&mut r, &["zrevrangebyscore", "z", "2", "4"], "*0\r\n");
    check(
        &mut r,
        &[
            "zrevrangebyscore",
            "z",
            "+inf",
            "-inf",
            "withscores",
            "limit",
            "0",
            "2",
        ],
        "*4\r\n$1\r\ne\r\n$1\r\n5\r\n$1\r\nd\r\n$1\r\n4\r\n",
    );
    check(
        &mut r,
        &["zrangebyscore", "nokey", "a", "b"],
        "-ERR min or max is not a float\r\n",
    );
    check(&mut r, &["zrangebyscore", "nokey", "0", "1"], "*0\r\n");
    check(&mut r, &["zrange", "nokey", "0", "-1"], "*0\r\n");
    check(
        &mut r,
        &[
            "zadd", "l", "0", "a", "0", "b", "0", "c", "0", "d", "0", "e",
        ],
        ":5\r\n",
    );
    check(
        &mut r,
        &["zrangebylex", "l", "-", "+"],
        "*5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n",
    );
    check(
        &mut r,
        &["zrangebylex", "l", "[b", "(e"],
        "*3\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n",
    );
    check(
        &mut r,
        &["zrangebylex", "l", "[b", "(e", "limit", "1", "1"],
        "*1\r\n$1\r\nc\r\n",
    );
    check(
        &mut r,
        &["zrangebylex", "l", "(b", "+"],
        "*3\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n",
    );
    check(
        &mut r,
        &["zrangebylex", "l", "a", "+"],
        "-ERR min or max not valid string range item\r\n",
    );
    check(
        &mut r,
        &["zrangebylex", "l", "-", "+", "withscores"],
        "-ERR syntax error, WITHSCORES not supported in combination with BYLEX\r\n",
    );
    check(&mut r, &["zrangebylex", "l", "+", "-"], "*0\r\n");
    check(
        &mut r,
        &["zrevrangebylex", "l", "(e", "[b"],
        "*3\r\n$1\r\nd\r\n$1\r\nc\r\n$1\r\nb\r\n",
    );
    check(&mut r, &["zrevrangebylex", "l", "[b", "(e"], "*0\r\n");
    check(
        &mut r,
        &["zrevrangebylex", "l", "+", "-", "limit", "1", "2"],
        "*2\r\n$1\r\nd\r\n$1\r\nc\r\n",
    );
    check(
        &mut r,
        &["zrange", "l", "(e", "[b", "bylex", "rev"],
        "*3\r\n$1\r\nd\r\n$1\r\nc\r\n$1\r\nb\r\n",
    );
    check(
        &mut r,
        &["zrange", "l", "(e", "[b", "bylex", "rev", "limit", "0", "1"],
        "*1\r\n$1\r\nd\r\n",
    );
    check(
        &mut r,
        &["zrange", "l", "[c", "+", "bylex"],
        "*3\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n",
    );
    check(
        &mut r,
        &["zrangebylex", "nokey", "a", "b"],
        "-ERR min or max not valid string range item\r\n",
    );
}

#[test]
fn zrangestore_stores_deletes_and_picks_encodings() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    check(
        &mut r,
        &["zadd", "src", "1", "a", "2", "b", "3", "c", "4", "d"],
        ":4\r\n",
    );
    check(&mut r, &["zrangestore", "dst", "src", "1", "2"], ":2\r\n");
    check(
        &mut r,
        &["zrange", "dst", "0", "-1", "withscores"],
        "*4\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n",
    );
    check(&mut r, &["object", "encoding", "dst"], "$8\r\nlistpack\r\n");
    check(
        &mut r,
        &["zrangestore", "dst", "src", "2", "(4", "byscore"],
        ":2\r\n",
    );
    check(
        &mut r,
        &["zrange", "dst", "0", "-1", "withscores"],
        "*4\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n",
    );
    check(
        &mut r,
        &["zrangestore", "dst", "src", "0", "-1", "rev"],
        ":4\r\n",
    );
    check(
        &mut r,
        &["zrange", "dst", "0", "-1"],
        "*4\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n",
    );
    check(
        &mut r,
        &[
            "zrangestore",
            "dst",
            "src",
            "+inf",
            "-inf",
            "byscore",
            "rev",
            "limit",
            "1",
            "2",
        ],
        ":2\r\n",
    );
    check(
        &mut r,
        &["zrange", "dst", "0", "-1", "withscores"],
        "*4\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n",
    );
    check(
        &mut r,
        &["zrangestore", "dst", "src", "[a", "[c", "bylex"],
        ":3\r\n",
    );
    check(
        &mut r,
        &["zrangestore", "dst", "src", "0", "-1", "withscores"],
        "-ERR syntax error\r\n",
    );
    check(&mut r, &["zrangestore", "dst", "src", "0", "-1", "limit", "0", "1"], "-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX\r\n");
    check(&mut r, &["zrangestore", "dst", "src", "10", "20"], ":0\r\n");
    check(&mut r, &["exists", "dst"], ":0\r\n");
    check(&mut r, &["zrangestore", "dst", "src", "0", "1"], ":2\r\n");
    check(
        &mut r,
        &["zrangestore", "dst", "nokey", "0", "-1"],
        ":0\r\n",
    );
    check(&mut r, &["exists", "dst"], ":0\r\n");
    check(&mut r, &["set", "str", "x"], "+OK\r\n");
    check(&mut r, &["zrangestore", "str", "src", "0", "1"], ":2\r\n");
    check(&mut r, &["type", "str"], "+zset\r\n");
    check(&mut r, &["zrangestore", "dst", "str", "0", "1"], ":2\r\n");
    check(&mut r, &["set", "str2", "y"], "+OK\r\n");
    check(&mut r, &["expire", "str2", "100"], ":1\r\n");
    check(&mut r, &["zrangestore", "str2", "src", "0", "0"], ":1\r\n");
    check(&mut r, &["ttl", "str2"], ":-1\r\n");
    check(
        &mut r,
        &["config", "set", "zset-max-listpack-entries", "2"],
        "+OK\r\n",
    );
    check(&mut r, &["zrangestore", "dst", "src", "0", "-1"], ":4\r\n");
    check(&mut r, &["object", "encoding", "dst"], "$8\r\nskiplist\r\n");
    check(&mut r, &["zrangestore", "dst", "src", "0", "1"], ":2\r\n");
    check(&mut r, &["object", "encoding", "dst"], "$8\r\nlistpack\r\n");
    check(
        &mut r,
        &["config", "set", "zset-max-listpack-entries", "128"],
        "+OK\r\n",
    );
}

#[test]
fn counts_ranks_and_scores() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    check(
        &mut r,
        &["zadd", "z", "1", "a", "2", "b", "3", "c"],
        ":3\r\n",
    );
    check(&mut r, &["zcard", "z"], ":3\r\n");
    check(&mut r, &["zcard", "nokey"], ":0\r\n");
    check(&mut r, &["zcount", "z", "2", "3"], ":2\r\n");
    check(&mut r, &["zcount", "z", "(1", "3"], ":2\r\n");
    check(&mut r, &["zcount", "z", "-inf", "+inf"], ":3\r\n");
    check(&mut r, &["zcount", "z", "(3", "3"], ":0\r\n");
    check(
        &mut r,
        &["zcount", "z", "abc", "1"],
        "-ERR min or max is not a float\r\n",
    );
    check(
        &mut r,
        &["zcount", "z", "[1", "2"],
        "-ERR min or max is not a float\r\n",
    );
    check(&mut r, &["zcount", "nokey", "0", "1"], ":0\r\n");
    check(
        &mut r,
        &["zcount", "nokey", "a", "b"],
        "-ERR min or max is not a float\r\n",
    );
    check(
        &mut r,
        &["zadd", "l", "0", "a", "0", "b", "0", "c"],
        ":3\r\n",
    );
    check(&mut r, &["zlexcount", "l", "-", "+"], ":3\r\n");
    check(&mut r, &["zlexcount", "l", "[b", "+"], ":2\r\n");
    check(&mut r, &["zlexcount", "l", "+", "-"], ":0\r\n");
    check(&mut r, &["zlexcount", "l", "(a", "[a"], ":0\r\n");
    check(
        &mut r,
        &["zlexcount", "l", "a", "b"],
        "-ERR min or max not valid string range item\r\n",
    );
    check(&mut r, &["zlexcount", "nokey", "-", "+"], ":0\r\n");
    check(&mut r, &["zrank", "z", "a"], ":0\r\n");
    check(&mut r, &["zrank", "z", "c"], ":2\r\n");
    check(&mut r, &["zrevrank", "z", "a"], ":2\r\n");
    check(&mut r, &["zrank", "z", "nope"], "$-1\r\n");
    check(&mut r, &["zrank", "nokey", "a"], "$-1\r\n");
    check(
        &mut r,
        &["zrank", "z", "a", "withscore"],
        "-ERR wrong number of arguments for 'zrank' command\r\n",
    );
    check(&mut r, &["zscore", "z", "b"], "$1\r\n2\r\n");
    check(&mut r, &["zscore", "z", "nope"], "$-1\r\n");
    check(&mut r, &["zscore", "nokey", "a"], "$-1\r\n");
    check(
        &mut r,
        &["zmscore", "z", "a", "nope", "c"],
        "*3\r\n$1\r\n1\r\n$-1\r\n$1\r\n3\r\n",
    );
    check(
        &mut r,
        &["zmscore", "nokey", "a", "b"],
        "*2\r\n$-1\r\n$-1\r\n",
    );
}

#[test]
fn zrem_and_remove_ranges_delete_empty_keys() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    check(
        &mut r,
        &[
            "zadd", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e", "6", "f",
        ],
        ":6\r\n",
    );
    check(&mut r, &["zrem", "z", "a", "nope", "b"], ":2\r\n");
    check(&mut r, &["zrem", "nokey", "a"], ":0\r\n");
    check(&mut r, &["zremrangebyrank", "z", "0", "0"], ":1\r\n");
    check(
        &mut r,
        &["zrange", "z", "0", "-1"],
        "*3\r\n$1\r\nd\r\n$1\r\ne\r\n$1\r\nf\r\n",
    );
    check(&mut r, &["zremrangebyrank", "z", "-1", "-1"], ":1\r\n");
    check(&mut r, &["zremrangebyrank", "z", "5", "10"], ":0\r\n");
    check(
        &mut r,
        &["zremrangebyrank", "z", "a", "1"],
        "-ERR value is not an integer or out of range\r\n",
    );
    check(&mut r, &["zremrangebyscore", "z", "(4", "5"], ":1\r\n");
    check(
        &mut r,
        &["zremrangebyscore", "z", "abc", "1"],
        "-ERR min or max is not a float\r\n",
    );
    check(&mut r, &["zrange", "z", "0", "-1"], "*1\r\n$1\r\nd\r\n");
    check(&mut r, &["zremrangebyscore", "z", "-inf", "+inf"], ":1\r\n");
    check(&mut r, &["exists", "z"], ":0\r\n");
    check(&mut r, &["zremrangebyscore", "nokey", "0", "1"], ":0\r\n");
    check(&mut r, &["zremrangebyrank", "nokey", "0", "1"], ":0\r\n");
    check(
        &mut r,
        &["zadd", "l", "0", "a", "0", "b", "0", "c", "0", "d"],
        ":4\r\n",
    );
    check(&mut r, &["zremrangebylex", "l", "[a", "(c"], ":2\r\n");
    check(
        &mut r,
        &["zremrangebylex", "l", "a", "b"],
        "-ERR min or max not valid string range item\r\n",
    );
    check(
        &mut r,
        &["zrange", "l", "0", "-1"],
        "*2\r\n$1\r\nc\r\n$1\r\nd\r\n",
    );
    check(&mut r, &["zremrangebylex", "l", "-", "+"], ":2\r\n");
    check(&mut r, &["exists", "l"], ":0\r\n");
    check(&mut r, &["zremrangebylex", "nokey", "-", "+"], ":0\r\n");
    check(&mut r, &["zadd", "w", "1", "x"], ":1\r\n");
    check(&mut r, &["zrem", "w", "x"], ":1\r\n");
    check(&mut r, &["exists", "w"], ":0\r\n");
}

#[test]
fn pops_and_zmpop() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    check(
        &mut r,
        &[
            "zadd", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e",
        ],
        ":5\r\n",
    );
    check(&mut r, &["zpopmin", "z"], "*2\r\n$1\r\na\r\n$1\r\n1\r\n");
    check(&mut r, &["zpopmax", "z"], "*2\r\n$1\r\ne\r\n$1\r\n5\r\n");
    check(
        &mut r,
        &["zpopmin", "z", "2"],
        "*4\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n",
    );
    check(&mut r, &["zpopmin", "z", "0"], "*0\r\n");
    check(
        &mut r,
        &["zpopmin", "z", "-1"],
        "-ERR value is out of range, must be positive\r\n",
    );
    check(
        &mut r,
        &["zpopmin", "z", "abc"],
        "-ERR value is out of range, must be positive\r\n",
    );
    check(&mut r, &["zpopmin", "z", "1", "2"], "-ERR syntax error\r\n");
    check(
        &mut r,
        &["zpopmax", "z", "10"],
        "*2\r\n$1\r\nd\r\n$1\r\n4\r\n",
    );
    check(&mut r, &["exists", "z"], ":0\r\n");
    check(&mut r, &["zpopmin", "nokey"], "*0\r\n");
    check(&mut r, &["zpopmin", "nokey", "2"], "*0\r\n");
    check(
        &mut r,
        &["zadd", "z", "1", "a", "2", "b", "3", "c"],
        ":3\r\n",
    );
    check(
        &mut r,
        &["zmpop", "1", "z", "min"],
        "*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n",
    );
    check(
        &mut r,
        &["zmpop", "2", "nokey", "z", "max", "count", "10"],
        "*2\r\n$1\r\nz\r\n*2\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n",
    );
    check(&mut r, &["exists", "z"], ":0\r\n");
    check(&mut r, &["zmpop", "1", "nokey", "max"], "*-1\r\n");
    check(
        &mut r,
        &["zmpop", "0", "z", "min"],
        "-ERR numkeys should be greater than 0\r\n",
    );
    check(
        &mut r,
        &["zmpop", "-1", "z", "min"],
        "-ERR numkeys should be greater than 0\r\n",
    );
    check(
        &mut r,
        &["zmpop", "abc", "z", "min"],
        "-ERR numkeys should be greater than 0\r\n",
    );
    check(&mut r, &["zmpop", "1", "z", "foo"], "-ERR syntax error\r\n");
    check(&mut r, &["zmpop", "2", "z", "min"], "-ERR syntax error\r\n");
    check(
        &mut r,
        &["zmpop", "1", "z", "min", "count", "0"],
        "-ERR count should be greater than 0\r\n",
    );
    check(
        &mut r,
        &["zmpop", "1", "z", "min", "count", "-1"],
        "-ERR count should be greater than 0\r\n",
    );
    check(
        &mut r,
        &["zmpop", "1", "z", "min", "count", "abc"],
        "-ERR count should be greater than 0\r\n",
    );
    check(
        &mut r,
        &["zmpop", "1", "z", "min", "count", "1", "count", "1"],
        "-ERR syntax error\r\n",
    );
    check(
        &mut r,
        &["zmpop", "1", "z", "min", "count"],
        "-ERR syntax error\r\n",
    );
    check(
        &mut r,
        &["zmpop", "1", "z", "min", "foo"],
        "-ERR syntax error\r\n",
    );
    check(&mut r, &["set", "str", "x"], "+OK\r\n");
    check(&mut r, &["zadd", "z2", "1", "a"], ":1\r\n");
    check(
        &mut r,
        &["zmpop", "2", "str", "z2", "min"],
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
    );
    check(
        &mut r,
        &["zmpop", "2", "z2", "str", "min"],
        "*2\r\n$2\r\nz2\r\n*1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n",
    );
    check(
        &mut r,
        &["zpopmin", "str"],
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
    );
    r.cmd(&["hello", "3"]);
    check(
        &mut r,
        &["zadd", "z", "1", "a", "2", "b", "3", "c"],
        ":3\r\n",
    );
    check(&mut r, &["zpopmin", "z"], "*2\r\n$1\r\na\r\n,1\r\n");
    check(
        &mut r,
        &["zpopmin", "z", "1"],
        "*1\r\n*2\r\n$1\r\nb\r\n,2\r\n",
    );
    check(
        &mut r,
        &["zpopmax", "z", "5"],
        "*1\r\n*2\r\n$1\r\nc\r\n,3\r\n",
    );
    check(&mut r, &["zpopmin", "z", "1"], "*0\r\n");
    check(&mut r, &["zadd", "z", "1", "a"], ":1\r\n");
    check(
        &mut r,
        &["zmpop", "1", "z", "min"],
        "*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\na\r\n,1\r\n",
    );
    check(&mut r, &["zmpop", "1", "z", "min"], "_\r\n");
}

#[test]
fn set_operations() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    check(
        &mut r,
        &["zadd", "a", "1", "x", "2", "y", "3", "z"],
        ":3\r\n",
    );
    check(
        &mut r,
        &["zadd", "b", "10", "y", "20", "z", "30", "w"],
        ":3\r\n",
    );
    check(
        &mut r,
        &["zunion", "2", "a", "b"],
        "*4\r\n$1\r\nx\r\n$1\r\ny\r\n$1\r\nz\r\n$1\r\nw\r\n",
    );
    check(&mut r, &["zunion", "2", "a", "b", "withscores"], "*8\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\ny\r\n$2\r\n12\r\n$1\r\nz\r\n$2\r\n23\r\n$1\r\nw\r\n$2\r\n30\r\n");
    check(&mut r, &["zunion", "2", "a", "b", "weights", "2", "3", "withscores"], "*8\r\n$1\r\nx\r\n$1\r\n2\r\n$1\r\ny\r\n$2\r\n34\r\n$1\r\nz\r\n$2\r\n66\r\n$1\r\nw\r\n$2\r\n90\r\n");
    check(&mut r, &["zunion", "2", "a", "b", "aggregate", "min", "withscores"], "*8\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\ny\r\n$1\r\n2\r\n$1\r\nz\r\n$1\r\n3\r\n$1\r\nw\r\n$2\r\n30\r\n");
    check(&mut r, &["zunion", "2", "a", "b", "aggregate", "max", "withscores"], "*8\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\ny\r\n$2\r\n10\r\n$1\r\nz\r\n$2\r\n20\r\n$1\r\nw\r\n$2\r\n30\r\n");
    check(
        &mut r,
        &["zunion", "2", "a", "nokey", "withscores"],
        "*6\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\ny\r\n$1\r\n2\r\n$1\r\nz\r\n$1\r\n3\r\n",
    );
    check(
        &mut r,
        &["zinter", "2", "a", "b", "withscores"],
        "*4\r\n$1\r\ny\r\n$2\r\n12\r\n$1\r\nz\r\n$2\r\n23\r\n",
    );
    check(
        &mut r,
        &[
            "zinter",
            "2",
            "a",
            "b",
            "weights",
            "1",
            "0",
            "aggregate",
            "max",
            "withscores",
        ],
        "*4\r\n$1\r\ny\r\n$1\r\n2\r\n$1\r\nz\r\n$1\r\n3\r\n",
    );
    check(&mut r, &["zinter", "2", "a", "nokey"], "*0\r\n");
    check(
        &mut r,
        &["zdiff", "2", "a", "b", "withscores"],
        "*2\r\n$1\r\nx\r\n$1\r\n1\r\n",
    );
    check(&mut r, &["zdiff", "2", "b", "a"], "*1\r\n$1\r\nw\r\n");
    check(&mut r, &["zdiff", "1", "nokey"], "*0\r\n");
    check(
        &mut r,
        &["zunionstore", "out", "2", "a", "b", "weights", "1", "2"],
        ":4\r\n",
    );
    check(&mut r, &["zrange", "out", "0", "-1", "withscores"], "*8\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\ny\r\n$2\r\n22\r\n$1\r\nz\r\n$2\r\n43\r\n$1\r\nw\r\n$2\r\n60\r\n");
    check(&mut r, &["object", "encoding", "out"], "$8\r\nlistpack\r\n");
    check(
        &mut r,
        &["zinterstore", "out", "2", "a", "b", "aggregate", "min"],
        ":2\r\n",
    );
    check(
        &mut r,
        &["zrange", "out", "0", "-1", "withscores"],
        "*4\r\n$1\r\ny\r\n$1\r\n2\r\n$1\r\nz\r\n$1\r\n3\r\n",
    );
    check(&mut r, &["zdiffstore", "out", "2", "a", "b"], ":1\r\n");
    check(
        &mut r,
        &["zrange", "out", "0", "-1", "withscores"],
        "*2\r\n$1\r\nx\r\n$1\r\n1\r\n",
    );
    check(&mut r, &["zinterstore", "out", "2", "a", "nokey"], ":0\r\n");
    check(&mut r, &["exists", "out"], ":0\r\n");
    check(&mut r, &["zdiffstore", "out", "1", "nokey"], ":0\r\n");
    check(&mut r, &["zintercard", "2", "a", "b"], ":2\r\n");
    check(
        &mut r,
        &["zintercard", "2", "a", "b", "limit", "1"],
        ":1\r\n",
    );
    check(
        &mut r,
        &["zintercard", "2", "a", "b", "limit", "0"],
        ":2\r\n",
    );
    check(&mut r, &["zintercard", "1", "nokey"], ":0\r\n");
    check(
        &mut r,
        &["zintercard", "0", "a"],
        "-ERR at least 1 input key is needed for 'zintercard' command\r\n",
    );
    check(
        &mut r,
        &["zintercard", "1", "a", "limit", "-1"],
        "-ERR LIMIT can't be negative\r\n",
    );
    check(
        &mut r,
        &["zintercard", "1", "a", "limit", "abc"],
        "-ERR LIMIT can't be negative\r\n",
    );
    check(
        &mut r,
        &["zintercard", "1", "a", "withscores"],
        "-ERR syntax error\r\n",
    );
    check(
        &mut r,
        &["zunion", "0", "a"],
        "-ERR at least 1 input key is needed for 'zunion' command\r\n",
    );
    check(
        &mut r,
        &["zunionstore", "out", "0", "a"],
        "-ERR at least 1 input key is needed for 'zunionstore' command\r\n",
    );
    check(
        &mut r,
        &["zinterstore", "out", "0", "a"],
        "-ERR at least 1 input key is needed for 'zinterstore' command\r\n",
    );
    check(&mut r, &["zunion", "3", "a", "b"], "-ERR syntax error\r\n");
    check(
        &mut r,
        &["zunion", "abc", "a"],
        "-ERR value is not an integer or out of range\r\n",
    );
    check(
        &mut r,
        &["zunion", "1", "a", "weights", "abc"],
        "-ERR weight value is not a float\r\n",
    );
    check(
        &mut r,
        &["zunion", "1", "a", "weights", "1", "2"],
        "-ERR syntax error\r\n",
    );
    check(
        &mut r,
        &["zunion", "1", "a", "aggregate", "foo"],
        "-ERR syntax error\r\n",
    );
    check(
        &mut r,
        &["zunion", "1", "a", "aggregate"],
        "-ERR syntax error\r\n",
    );
    check(
        &mut r,
        &["zdiff", "1", "a", "weights", "1"],
        "-ERR syntax error\r\n",
    );
    check(
        &mut r,
        &["zdiff", "1", "a", "aggregate", "sum"],
        "-ERR syntax error\r\n",
    );
    check(
        &mut r,
        &["zunionstore", "out", "1", "a", "withscores"],
        "-ERR syntax error\r\n",
    );
    check(&mut r, &["zadd", "inf1", "inf", "m"], ":1\r\n");
    check(&mut r, &["zadd", "inf2", "-inf", "m"], ":1\r\n");
    check(
        &mut r,
        &["zunion", "2", "inf1", "inf2", "withscores"],
        "*2\r\n$1\r\nm\r\n$1\r\n0\r\n",
    );
    check(
        &mut r,
        &["zinter", "2", "inf1", "inf2", "withscores"],
        "*2\r\n$1\r\nm\r\n$1\r\n0\r\n",
    );
    check(
        &mut r,
        &["zunion", "1", "inf1", "weights", "0", "withscores"],
        "*2\r\n$1\r\nm\r\n$1\r\n0\r\n",
    );
    check(&mut r, &["set", "str", "x"], "+OK\r\n");
    check(
        &mut r,
        &["zunion", "2", "a", "str"],
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
    );
    check(
        &mut r,
        &["zunionstore", "str2", "2", "a", "str"],
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
    );
    check(
        &mut r,
        &["zunion", "1", "a", "zzz", "weights"],
        "-ERR syntax error\r\n",
    );
    check(
        &mut r,
        &["zunion", "2", "a", "a", "withscores"],
        "*6\r\n$1\r\nx\r\n$1\r\n2\r\n$1\r\ny\r\n$1\r\n4\r\n$1\r\nz\r\n$1\r\n6\r\n",
    );
    r.cmd(&["hello", "3"]);
    check(&mut r, &["zunion", "2", "a", "b", "withscores"], "*4\r\n*2\r\n$1\r\nx\r\n,1\r\n*2\r\n$1\r\ny\r\n,12\r\n*2\r\n$1\r\nz\r\n,23\r\n*2\r\n$1\r\nw\r\n,30\r\n");
    check(
        &mut r,
        &["zinter", "2", "a", "b", "withscores"],
        "*2\r\n*2\r\n$1\r\ny\r\n,12\r\n*2\r\n$1\r\nz\r\n,23\r\n",
    );
    check(
        &mut r,
        &["zdiff", "1", "a", "withscores"],
        "*3\r\n*2\r\n$1\r\nx\r\n,1\r\n*2\r\n$1\r\ny\r\n,2\r\n*2\r\n$1\r\nz\r\n,3\r\n",
    );
}

#[test]
fn zrandmember_errors_and_shapes() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    check(
        &mut r,
        &["zadd", "z", "1", "a", "2", "b", "3", "c"],
        ":3\r\n",
    );
    check(&mut r, &["zrandmember", "z", "-9223372036854775808"], "-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n");
    check(
        &mut r,
        &["zrandmember", "z", "9223372036854775807", "withscores"],
        "-ERR value is out of range\r\n",
    );
    check(
        &mut r,
        &["zrandmember", "z", "-9223372036854775807", "withscores"],
        "-ERR value is out of range\r\n",
    );
    check(
        &mut r,
        &["zrandmember", "z", "abc"],
        "-ERR value is not an integer or out of range\r\n",
    );
    check(
        &mut r,
        &["zrandmember", "z", "1", "foo"],
        "-ERR syntax error\r\n",
    );
    check(
        &mut r,
        &["zrandmember", "z", "1", "withscores", "x"],
        "-ERR syntax error\r\n",
    );
    check(&mut r, &["zrandmember", "z", "0"], "*0\r\n");
    check(&mut r, &["zrandmember", "z", "0", "withscores"], "*0\r\n");
    check(
        &mut r,
        &["zrandmember", "z", "3", "withscores"],
        "*6\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\na\r\n$1\r\n1\r\n",
    );
    check(
        &mut r,
        &["zrandmember", "z", "10"],
        "*3\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n",
    );
    check(&mut r, &["zrandmember", "nokey"], "$-1\r\n");
    check(&mut r, &["zrandmember", "nokey", "3"], "*0\r\n");
    check(&mut r, &["zrandmember", "nokey", "0"], "*0\r\n");
    r.cmd(&["hello", "3"]);
    check(
        &mut r,
        &["zrandmember", "z", "3", "withscores"],
        "*3\r\n*2\r\n$1\r\nc\r\n,3\r\n*2\r\n$1\r\nb\r\n,2\r\n*2\r\n$1\r\na\r\n,1\r\n",
    );
    check(&mut r, &["zrandmember", "nokey"], "_\r\n");
}

#[test]
fn zscan_small_and_errors() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    check(
        &mut r,
        &[
            "zadd", "s", "0.1", "a", "1e20", "b", "1.5", "c", "-0", "d", "3", "e", "inf", "f",
        ],
        ":6\r\n",
    );
    check(&mut r, &["zscan", "s", "0"], "*2\r\n$1\r\n0\r\n*12\r\n$1\r\nd\r\n$1\r\n0\r\n$1\r\na\r\n$19\r\n0.10000000000000001\r\n$1\r\nc\r\n$3\r\n1.5\r\n$1\r\ne\r\n$1\r\n3\r\n$1\r\nb\r\n$5\r\n1e+20\r\n$1\r\nf\r\n$3\r\ninf\r\n");
    check(&mut r, &["zscan", "s", "123"], "*2\r\n$1\r\n0\r\n*12\r\n$1\r\nd\r\n$1\r\n0\r\n$1\r\na\r\n$19\r\n0.10000000000000001\r\n$1\r\nc\r\n$3\r\n1.5\r\n$1\r\ne\r\n$1\r\n3\r\n$1\r\nb\r\n$5\r\n1e+20\r\n$1\r\nf\r\n$3\r\ninf\r\n");
    check(&mut r, &["zscan", "s", "0", "match", "[a-c]"], "*2\r\n$1\r\n0\r\n*6\r\n$1\r\na\r\n$19\r\n0.10000000000000001\r\n$1\r\nc\r\n$3\r\n1.5\r\n$1\r\nb\r\n$5\r\n1e+20\r\n");
    check(
        &mut r,
        &["zscan", "s", "0", "count", "0"],
        "-ERR syntax error\r\n",
    );
    check(
        &mut r,
        &["zscan", "s", "0", "count", "abc"],
        "-ERR value is not an integer or out of range\r\n",
    );
    check(
        &mut r,
        &["zscan", "s", "0", "noval"],
        "-ERR syntax error\r\n",
    );
    check(
        &mut r,
        &["zscan", "s", "0", "match"],
        "-ERR syntax error\r\n",
    );
    check(&mut r, &["zscan", "s", "abc"], "-ERR invalid cursor\r\n");
    check(&mut r, &["zscan", "s", "-1"], "*2\r\n$1\r\n0\r\n*12\r\n$1\r\nd\r\n$1\r\n0\r\n$1\r\na\r\n$19\r\n0.10000000000000001\r\n$1\r\nc\r\n$3\r\n1.5\r\n$1\r\ne\r\n$1\r\n3\r\n$1\r\nb\r\n$5\r\n1e+20\r\n$1\r\nf\r\n$3\r\ninf\r\n");
    check(&mut r, &["zscan", "nokey", "0"], "*2\r\n$1\r\n0\r\n*0\r\n");
    check(
        &mut r,
        &["zscan", "nokey", "0", "count", "0"],
        "*2\r\n$1\r\n0\r\n*0\r\n",
    );
    check(&mut r, &["set", "str", "x"], "+OK\r\n");
    check(
        &mut r,
        &["zscan", "str", "0", "count", "0"],
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
    );
    r.cmd(&["hello", "3"]);
    check(
        &mut r,
        &["zscan", "s", "0", "match", "a"],
        "*2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$19\r\n0.10000000000000001\r\n",
    );
}

#[test]
fn wrongtype_everywhere() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    check(&mut r, &["set", "str", "x"], "+OK\r\n");
    check(
        &mut r,
        &["zadd", "str", "1", "a"],
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
    );
    check(
        &mut r,
        &["zincrby", "str", "1", "a"],
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
    );
    check(
        &mut r,
        &["zrem", "str", "a"],
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
    );
    check(
        &mut r,
        &["zscore", "str", "a"],
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
    );
    check(
        &mut r,
        &["zmscore", "str", "a"],
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
    );
    check(
        &mut r,
        &["zcard", "str"],
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
    );
    check(
        &mut r,
        &["zcount", "str", "0", "1"],
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
    );
    check(
        &mut r,
        &["zlexcount", "str", "-", "+"],
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
    );
    check(
        &mut r,
        &["zrange", "str", "0", "1"],
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
    );
    check(
        &mut r,
        &["zrangebyscore", "str", "0", "1"],
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
    );
    check(
        &mut r,
        &["zrevrangebyscore", "str", "1", "0"],
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
    );
    check(
        &mut r,
        &["zrangebylex", "str", "-", "+"],
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
    );
    check(
        &mut r,
        &["zrevrangebylex", "str", "+", "-"],
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
    );
    check(
        &mut r,
        &["zrevrange", "str", "0", "1"],
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
    );
    check(
        &mut r,
        &["zrank", "str", "a"],
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
    );
    check(
        &mut r,
        &["zrevrank", "str", "a"],
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
    );
    check(
        &mut r,
        &["zremrangebyrank", "str", "0", "1"],
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
    );
    check(
        &mut r,
        &["zremrangebyscore", "str", "0", "1"],
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
    );
    check(
        &mut r,
        &["zremrangebylex", "str", "-", "+"],
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
    );
    check(
        &mut r,
        &["zpopmin", "str"],
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
    );
    check(
        &mut r,
        &["zpopmax", "str"],
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
    );
    check(
        &mut r,
        &["zrandmember", "str"],
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
    );
    check(
        &mut r,
        &["zunion", "1", "str"],
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
    );
    check(
        &mut r,
        &["zinter", "1", "str"],
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
    );
    check(
        &mut r,
        &["zdiff", "1", "str"],
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
    );
    check(
        &mut r,
        &["zintercard", "1", "str"],
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
    );
    check(
        &mut r,
        &["zscan", "str", "0"],
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
    );
    check(
        &mut r,
        &["zrange", "str", "a", "b"],
        "-ERR value is not an integer or out of range\r\n",
    );
    check(
        &mut r,
        &["zadd", "str", "abc", "a"],
        "-ERR value is not a valid float\r\n",
    );
    check(&mut r, &["type", "str"], "+string\r\n");
}

#[test]
fn resp3_shapes() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    r.cmd(&["hello", "3"]);
    check(
        &mut r,
        &["zadd", "z", "1", "a", "2.5", "b", "inf", "c"],
        ":3\r\n",
    );
    check(&mut r, &["zadd", "z", "incr", "1", "a"], ",2\r\n");
    check(&mut r, &["zadd", "z", "incr", "nx", "1", "a"], "_\r\n");
    check(&mut r, &["zincrby", "z", "1", "nope"], ",1\r\n");
    check(&mut r, &["zscore", "z", "b"], ",2.5\r\n");
    check(&mut r, &["zscore", "z", "nope"], ",1\r\n");
    check(&mut r, &["zmscore", "z", "a", "nope"], "*2\r\n,2\r\n,1\r\n");
    check(&mut r, &["zrange", "z", "0", "-1", "withscores"], "*4\r\n*2\r\n$4\r\nnope\r\n,1\r\n*2\r\n$1\r\na\r\n,2\r\n*2\r\n$1\r\nb\r\n,2.5\r\n*2\r\n$1\r\nc\r\n,inf\r\n");
    check(
        &mut r,
        &["zrange", "z", "0", "-1"],
        "*4\r\n$4\r\nnope\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n",
    );
    check(
        &mut r,
        &["zrevrange", "z", "0", "0", "withscores"],
        "*1\r\n*2\r\n$1\r\nc\r\n,inf\r\n",
    );
    check(
        &mut r,
        &[
            "zrangebyscore",
            "z",
            "-inf",
            "+inf",
            "withscores",
            "limit",
            "1",
            "5",
        ],
        "*3\r\n*2\r\n$1\r\na\r\n,2\r\n*2\r\n$1\r\nb\r\n,2.5\r\n*2\r\n$1\r\nc\r\n,inf\r\n",
    );
    check(&mut r, &["zrevrangebyscore", "z", "+inf", "-inf", "withscores"], "*4\r\n*2\r\n$1\r\nc\r\n,inf\r\n*2\r\n$1\r\nb\r\n,2.5\r\n*2\r\n$1\r\na\r\n,2\r\n*2\r\n$4\r\nnope\r\n,1\r\n");
    check(&mut r, &["zrank", "z", "nope"], ":0\r\n");
    check(&mut r, &["zrandmember", "nokey"], "_\r\n");
    check(&mut r, &["zadd", "one", "7", "only"], ":1\r\n");
    check(
        &mut r,
        &["zrandmember", "one", "-2", "withscores"],
        "*2\r\n*2\r\n$4\r\nonly\r\n,7\r\n*2\r\n$4\r\nonly\r\n,7\r\n",
    );
    check(
        &mut r,
        &["zrandmember", "one", "-2"],
        "*2\r\n$4\r\nonly\r\n$4\r\nonly\r\n",
    );
    check(
        &mut r,
        &["zrandmember", "one", "1", "withscores"],
        "*1\r\n*2\r\n$4\r\nonly\r\n,7\r\n",
    );
    check(&mut r, &["zrandmember", "one"], "$4\r\nonly\r\n");
    check(&mut r, &["zpopmin", "nokey"], "*0\r\n");
    check(&mut r, &["zmpop", "1", "nokey", "min"], "_\r\n");
    check(
        &mut r,
        &["zrange", "nokey", "0", "-1", "withscores"],
        "*0\r\n",
    );
    check(&mut r, &["zscan", "z", "0"], "*2\r\n$1\r\n0\r\n*8\r\n$4\r\nnope\r\n$1\r\n1\r\n$1\r\na\r\n$1\r\n2\r\n$1\r\nb\r\n$3\r\n2.5\r\n$1\r\nc\r\n$3\r\ninf\r\n");
    r.cmd(&["hello", "2"]);
    check(
        &mut r,
        &["zrandmember", "one", "-2", "withscores"],
        "*4\r\n$4\r\nonly\r\n$1\r\n7\r\n$4\r\nonly\r\n$1\r\n7\r\n",
    );
    check(
        &mut r,
        &["zrandmember", "one", "1", "withscores"],
        "*2\r\n$4\r\nonly\r\n$1\r\n7\r\n",
    );
}

#[test]
fn encodings_follow_the_limits_and_config_aliases() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    check(&mut r, &["CONFIG", "GET", "zset-max-*"], "*8\r\n$25\r\nzset-max-listpack-entries\r\n$3\r\n128\r\n$24\r\nzset-max-ziplist-entries\r\n$3\r\n128\r\n$23\r\nzset-max-listpack-value\r\n$2\r\n64\r\n$22\r\nzset-max-ziplist-value\r\n$2\r\n64\r\n");
    fill(&mut r, "z", 128);
    check(&mut r, &["OBJECT", "ENCODING", "z"], "$8\r\nlistpack\r\n");
    check(&mut r, &["ZADD", "z", "1000", "one-more"], ":1\r\n");
    check(&mut r, &["OBJECT", "ENCODING", "z"], "$8\r\nskiplist\r\n");
    // Removing members never converts back.
    check(&mut r, &["ZREMRANGEBYRANK", "z", "0", "-2"], ":128\r\n");
    check(&mut r, &["OBJECT", "ENCODING", "z"], "$8\r\nskiplist\r\n");
    // A stored result that fits is a listpack again.
    check(&mut r, &["ZUNIONSTORE", "u", "1", "z"], ":1\r\n");
    check(&mut r, &["OBJECT", "ENCODING", "u"], "$8\r\nlistpack\r\n");

    let long = "x".repeat(65);
    check(&mut r, &["ZADD", "l", "1", &"y".repeat(64)], ":1\r\n");
    check(&mut r, &["OBJECT", "ENCODING", "l"], "$8\r\nlistpack\r\n");
    check(&mut r, &["ZADD", "l", "1", &long], ":1\r\n");
    check(&mut r, &["OBJECT", "ENCODING", "l"], "$8\r\nskiplist\r\n");

    // The old ziplist names set the same parameters.
    check(
        &mut r,
        &["CONFIG", "SET", "zset-max-ziplist-entries", "2"],
        "+OK\r\n",
    );
    check(
        &mut r,
        &["CONFIG", "GET", "zset-max-listpack-entries"],
        "*2\r\n$25\r\nzset-max-listpack-entries\r\n$1\r\n2\r\n",
    );
    check(
        &mut r,
        &["CONFIG", "SET", "zset-max-listpack-value", "1kb"],
        "+OK\r\n",
    );
    check(
        &mut r,
        &["CONFIG", "GET", "zset-max-ziplist-value"],
        "*2\r\n$22\r\nzset-max-ziplist-value\r\n$4\r\n1024\r\n",
    );
    check(&mut r, &["ZADD", "s", "1", "a", "2", "b"], ":2\r\n");
    check(&mut r, &["OBJECT", "ENCODING", "s"], "$8\r\nlistpack\r\n");
    check(&mut r, &["ZADD", "s", "3", "c"], ":1\r\n");
    check(&mut r, &["OBJECT", "ENCODING", "s"], "$8\r\nskiplist\r\n");
    check(
        &mut r,
        &["CONFIG", "SET", "zset-max-listpack-entries", "0"],
        "+OK\r\n",
    );
    check(&mut r, &["ZADD", "t", "1", "a"], ":1\r\n");
    check(&mut r, &["OBJECT", "ENCODING", "t"], "$8\r\nskiplist\r\n");
    let bad = r.cmd(&["CONFIG", "SET", "zset-max-listpack-entries", "-1"]);
    assert!(
        bad.starts_with(b"-ERR"),
        "{}",
        String::from_utf8_lossy(&bad)
    );

    // The file and the command line accept them too.
    let srv2 = Server::start(&[
        "--zset-max-ziplist-entries",
        "3",
        "--zset-max-listpack-value",
        "5",
    ]);
    let mut r2 = srv2.raw();
    check(&mut r2, &["CONFIG", "GET", "zset-max-listpack-*"], "*4\r\n$25\r\nzset-max-listpack-entries\r\n$1\r\n3\r\n$23\r\nzset-max-listpack-value\r\n$1\r\n5\r\n");
    check(&mut r2, &["ZADD", "k", "1", "abcdef"], ":1\r\n");
    check(&mut r2, &["OBJECT", "ENCODING", "k"], "$8\r\nskiplist\r\n");
}

/// The same answers from both encodings for a set of a few thousand members.
#[test]
fn large_sets_rank_and_range_in_order() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    let n = 3000;
    fill(&mut r, "z", n);
    check(&mut r, &["OBJECT", "ENCODING", "z"], "$8\r\nskiplist\r\n");
    check(&mut r, &["ZCARD", "z"], ":3000\r\n");
    for i in (0..n).step_by(97) {
        let m = format!("m{i}");
        check(&mut r, &["ZRANK", "z", &m], &format!(":{i}\r\n"));
        check(
            &mut r,
            &["ZREVRANK", "z", &m],
            &format!(":{}\r\n", n - 1 - i),
        );
        check(
            &mut r,
            &["ZSCORE", "z", &m],
            &format!("${}\r\n{i}\r\n", i.to_string().len()),
        );
    }
    check(&mut r, &["ZCOUNT", "z", "(100", "200"], ":100\r\n");
    check(
        &mut r,
        &[
            "ZRANGE", "z", "1000", "+inf", "BYSCORE", "LIMIT", "1500", "2",
        ],
        "*2\r\n$5\r\nm2500\r\n$5\r\nm2501\r\n",
    );
    check(
        &mut r,
        &[
            "ZRANGE", "z", "+inf", "1000", "BYSCORE", "REV", "LIMIT", "1500", "2",
        ],
        "*2\r\n$5\r\nm1499\r\n$5\r\nm1498\r\n",
    );
    check(
        &mut r,
        &["ZRANGE", "z", "-3", "-1", "REV"],
        "*3\r\n$2\r\nm2\r\n$2\r\nm1\r\n$2\r\nm0\r\n",
    );
    check(
        &mut r,
        &["ZRANGE", "z", "1500", "1501", "WITHSCORES"],
        "*4\r\n$5\r\nm1500\r\n$4\r\n1500\r\n$5\r\nm1501\r\n$4\r\n1501\r\n",
    );
    check(
        &mut r,
        &["ZREMRANGEBYSCORE", "z", "(1000", "2000"],
        ":1000\r\n",
    );
    check(&mut r, &["ZRANK", "z", "m2001"], ":1001\r\n");
    check(&mut r, &["ZREMRANGEBYRANK", "z", "0", "99"], ":100\r\n");
    check(&mut r, &["ZRANGE", "z", "0", "0"], "*1\r\n$4\r\nm100\r\n");
    check(
        &mut r,
        &["ZPOPMAX", "z", "2"],
        "*4\r\n$5\r\nm2999\r\n$4\r\n2999\r\n$5\r\nm2998\r\n$4\r\n2998\r\n",
    );
    check(&mut r, &["ZCARD", "z"], ":1898\r\n");
    // A store of the whole set, and set operations on it.
    check(
        &mut r,
        &["ZRANGESTORE", "copy", "z", "0", "-1"],
        ":1898\r\n",
    );
    check(
        &mut r,
        &["OBJECT", "ENCODING", "copy"],
        "$8\r\nskiplist\r\n",
    );
    check(
        &mut r,
        &["ZINTERCARD", "2", "z", "copy", "LIMIT", "10"],
        ":10\r\n",
    );
    check(
        &mut r,
        &["ZINTERSTORE", "twice", "2", "z", "copy"],
        ":1898\r\n",
    );
    check(&mut r, &["ZSCORE", "twice", "m150"], "$3\r\n300\r\n");
    check(&mut r, &["ZDIFFSTORE", "none", "2", "z", "copy"], ":0\r\n");
}

/// ZSCAN of a skiplist: following the cursor visits every member once with
/// its score; MATCH filters; COUNT bounds each step.
#[test]
fn zscan_walks_a_skiplist() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    fill(&mut r, "z", 1000);
    let mut cursor = "0".to_string();
    let mut seen = std::collections::HashMap::new();
    let mut steps = 0;
    loop {
        let reply = r.cmd(&["ZSCAN", "z", &cursor, "COUNT", "50"]);
        let items = bulks(&reply);
        cursor = items[0].clone();
        assert!(items.len() - 1 <= 2 * 60, "COUNT bounds a step");
        for pair in items[1..].chunks(2) {
            assert!(seen.insert(pair[0].clone(), pair[1].clone()).is_none());
        }
        steps += 1;
        if cursor == "0" {
            break;
        }
    }
    assert!(steps >= 10);
    assert_eq!(seen.len(), 1000);
    assert_eq!(seen["m123"], "123");

    let mut cursor = "0".to_string();
    let mut matched = Vec::new();
    loop {
        let items = bulks(&r.cmd(&["ZSCAN", "z", &cursor, "MATCH", "m99*"]));
        cursor = items[0].clone();
        matched.extend(items[1..].iter().step_by(2).cloned());
        if cursor == "0" {
            break;
        }
    }
    matched.sort();
    assert_eq!(
        matched,
        ["m99", "m990", "m991", "m992", "m993", "m994", "m995", "m996", "m997", "m998", "m999"]
    );
}

/// ZRANDMEMBER: distinct members for a positive count, repetitions allowed
/// for a negative one, every draw a member with its own score.
#[test]
fn zrandmember_draws_members() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    for (key, n) in [("small", 50), ("big", 1000)] {
        fill(&mut r, key, n);
        for count in [2, 10, 40] {
            let items = bulks(&r.cmd(&["ZRANDMEMBER", key, &count.to_string(), "WITHSCORES"]));
            assert_eq!(items.len(), count * 2);
            let mut names: Vec<_> = items
                .chunks(2)
                .map(|p| {
                    assert_eq!(p[0], format!("m{}", p[1]));
                    p[0].clone()
                })
                .collect();
            names.sort();
            names.dedup();
            assert_eq!(names.len(), count, "distinct members");
        }
        let items = bulks(&r.cmd(&["ZRANDMEMBER", key, "-300"]));
        assert_eq!(items.len(), 300);
        assert!(items.iter().all(|m| m.starts_with('m')));
        let mut distinct = items.clone();
        distinct.sort();
        distinct.dedup();
        assert!(
            distinct.len() < 300 || n > 50,
            "repeats when the set is small"
        );
        let one = bulks(&r.cmd(&["ZRANDMEMBER", key]));
        assert_eq!(one.len(), 1);
        let all = bulks(&r.cmd(&["ZRANDMEMBER", key, &(n + 5).to_string()]));
        assert_eq!(all.len(), n);
        assert_eq!(all[0], format!("m{}", n - 1), "the whole set, from the top");
    }
}

/// A client library sees the usual types.
#[test]
fn redis_crate_round_trip() {
    let srv = Server::start(&[]);
    let mut con = srv.client();
    let added: i64 = redis::cmd("ZADD")
        .arg("board")
        .arg(10.5)
        .arg("alice")
        .arg(7)
        .arg("bob")
        .query(&mut con)
        .unwrap();
    assert_eq!(added, 2);
    let top: Vec<(String, f64)> = redis::cmd("ZRANGE")
        .arg("board")
        .arg(0)
        .arg(-1)
        .arg("REV")
        .arg("WITHSCORES")
        .query(&mut con)
        .unwrap();
    assert_eq!(
        top,
        vec![("alice".to_string(), 10.5), ("bob".to_string(), 7.0)]
    );
    let score: f64 = redis::cmd("ZINCRBY")
        .arg("board")
        .arg(4)
        .arg("bob")
        .query(&mut con)
        .unwrap();
    assert_eq!(score, 11.0);
    let rank: Option<i64> = redis::cmd("ZREVRANK")
        .arg("board")
        .arg("bob")
        .query(&mut con)
        .unwrap();
    assert_eq!(rank, Some(0));
    let missing: Option<f64> = redis::cmd("ZSCORE")
        .arg("board")
        .arg("carol")
        .query(&mut con)
        .unwrap();
    assert_eq!(missing, None);
}

#[test]
fn plain_sets_as_inputs_score_one() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    check(
        &mut r,
        &["sadd", "s1", "a", "b", "c", "1", "2", "3"],
        ":6\r\n",
    );
    check(&mut r, &["sadd", "ints", "1", "2", "3", "100"], ":4\r\n");
    check(
        &mut r,
        &["zadd", "z", "1", "a", "5", "b", "2", "x"],
        ":3\r\n",
    );
    check(&mut r, &["zunion", "2", "z", "s1", "withscores"], "*14\r\n$1\r\n1\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n1\r\n$1\r\n3\r\n$1\r\n1\r\n$1\r\nc\r\n$1\r\n1\r\n$1\r\na\r\n$1\r\n2\r\n$1\r\nx\r\n$1\r\n2\r\n$1\r\nb\r\n$1\r\n6\r\n");
    check(&mut r, &["zunion", "3", "z", "s1", "ints", "weights", "2", "3", "4", "withscores"], "*16\r\n$1\r\nc\r\n$1\r\n3\r\n$3\r\n100\r\n$1\r\n4\r\n$1\r\nx\r\n$1\r\n4\r\n$1\r\na\r\n$1\r\n5\r\n$1\r\n1\r\n$1\r\n7\r\n$1\r\n2\r\n$1\r\n7\r\n$1\r\n3\r\n$1\r\n7\r\n$1\r\nb\r\n$2\r\n13\r\n");
    check(
        &mut r,
        &["zinter", "2", "z", "s1", "withscores", "aggregate", "max"],
        "*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n5\r\n",
    );
    check(
        &mut r,
        &["zinter", "2", "s1", "ints", "withscores"],
        "*6\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n2\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n2\r\n",
    );
    check(&mut r, &["zdiff", "2", "s1", "z", "withscores"], "*8\r\n$1\r\n1\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n1\r\n$1\r\n3\r\n$1\r\n1\r\n$1\r\nc\r\n$1\r\n1\r\n");
    check(&mut r, &["zdiff", "2", "ints", "z", "withscores"], "*8\r\n$1\r\n1\r\n$1\r\n1\r\n$3\r\n100\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n1\r\n$1\r\n3\r\n$1\r\n1\r\n");
    check(&mut r, &["zintercard", "2", "s1", "ints"], ":3\r\n");
    check(&mut r, &["zunionstore", "out", "2", "s1", "ints"], ":7\r\n");
    check(&mut r, &["zrange", "out", "0", "-1", "withscores"], "*14\r\n$3\r\n100\r\n$1\r\n1\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n1\r\n$1\r\nc\r\n$1\r\n1\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n2\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n2\r\n");
    check(&mut r, &["object", "encoding", "out"], "$8\r\nlistpack\r\n");
    check(
        &mut r,
        &["zinterstore", "out", "2", "s1", "z", "weights", "1", "0.5"],
        ":2\r\n",
    );
    check(
        &mut r,
        &["zrange", "out", "0", "-1", "withscores"],
        "*4\r\n$1\r\na\r\n$3\r\n1.5\r\n$1\r\nb\r\n$3\r\n3.5\r\n",
    );
    check(&mut r, &["zdiffstore", "out", "1", "ints"], ":4\r\n");
    check(&mut r, &["zrange", "out", "0", "-1", "withscores"], "*8\r\n$1\r\n1\r\n$1\r\n1\r\n$3\r\n100\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n1\r\n$1\r\n3\r\n$1\r\n1\r\n");
    check(&mut r, &["lpush", "l", "x"], ":1\r\n");
    check(
        &mut r,
        &["zunion", "2", "z", "l"],
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
    );
    check(
        &mut r,
        &["zrangestore", "out", "s1", "0", "-1"],
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
    );
    check(
        &mut r,
        &["zrange", "s1", "0", "-1"],
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
    );
}

/// The keyspace events of sorted-set writes, in redis-server 7.0.15's order;
/// commands that change nothing publish nothing.
#[test]
fn keyspace_events() {
    let srv = Server::start(&["--notify-keyspace-events", "KEA"]);
    let mut sub = srv.raw();
    let mut r = srv.raw();
    sub.cmd(&["PSUBSCRIBE", "__keyevent@0__:*"]);
    type Step<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)]);
    let steps: &[Step] = &[
        (
            &["ZADD", "z", "1", "a", "2", "b", "3", "c"],
            &[("zadd", "z")],
        ),
        (&["ZADD", "z", "1", "a"], &[]),
        (&["ZADD", "z", "INCR", "1", "a"], &[("zincr", "z")]),
        (&["ZINCRBY", "z", "1", "b"], &[("zincr", "z")]),
        (&["ZREM", "z", "nope"], &[]),
        (&["ZREM", "z", "a"], &[("zrem", "z")]),
        (&["ZPOPMIN", "z"], &[("zpopmin", "z")]),
        (&["ZPOPMAX", "z", "5"], &[("zpopmax", "z"), ("del", "z")]),
        (
            &["ZADD", "z", "1", "a", "2", "b", "3", "c"],
            &[("zadd", "z")],
        ),
        (
            &["ZREMRANGEBYRANK", "z", "0", "0"],
            &[("zremrangebyrank", "z")],
        ),
        (&["ZREMRANGEBYSCORE", "z", "10", "20"], &[]),
        (
            &["ZREMRANGEBYSCORE", "z", "2", "2"],
            &[("zremrangebyscore", "z")],
        ),
        (
            &["ZREMRANGEBYLEX", "z", "-", "+"],
            &[("zremrangebylex", "z"), ("del", "z")],
        ),
        (&["ZADD", "z", "1", "a"], &[("zadd", "z")]),
        (
            &["ZRANGESTORE", "d", "z", "0", "-1"],
            &[("zrangestore", "d")],
        ),
        (&["ZRANGESTORE", "d", "nokey", "0", "-1"], &[("del", "d")]),
        (&["ZUNIONSTORE", "d", "1", "z"], &[("zunionstore", "d")]),
        (&["ZINTERSTORE", "d", "2", "z", "nokey"], &[("del", "d")]),
        (&["ZDIFFSTORE", "d", "1", "z"], &[("zdiffstore", "d")]),
        (
            &["ZMPOP", "1", "z", "MAX", "COUNT", "5"],
            &[("zpopmax", "z"), ("del", "z")],
        ),
    ];
    for (cmd, events) in steps {
        r.cmd(cmd);
        for (event, key) in events.iter() {
            let channel = format!("__keyevent@0__:{event}");
            assert_eq!(
                String::from_utf8_lossy(&sub.reply()),
                String::from_utf8_lossy(&pmessage("__keyevent@0__:*", &channel, key)),
                "after {cmd:?}"
            );
        }
    }
    // Nothing else was published: the next message is this marker's.
    r.cmd(&["SET", "marker", "1"]);
    assert_eq!(
        sub.reply(),
        pmessage("__keyevent@0__:*", "__keyevent@0__:set", "marker")
    );
}
