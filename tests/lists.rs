//! List commands over real sockets: every option, exact reply bytes and error
//! texts (checked against redis-server 7.0.15), RESP3 shapes, OBJECT
//! ENCODING and TYPE, key deletion when a list empties, large lists.

mod support;
use support::{check, frame};
use support::{wait_until, Raw, Server};

/// An array of bulk strings as RESP.
fn bulks(items: &[&str]) -> String {
    let mut s = format!("*{}\r\n", items.len());
    for i in items {
        s.push_str(&format!("${}\r\n{}\r\n", i.len(), i));
    }
    s
}

/// A RESP3 connection.
fn resp3(srv: &Server) -> Raw {
    let mut r = srv.raw();
    let hello = r.cmd(&["HELLO", "3"]);
    assert!(
        hello.starts_with(b"%"),
        "{}",
        String::from_utf8_lossy(&hello)
    );
    r
}

/// INFO's count of writes since start (rdb_changes_since_last_save).
fn dirty(r: &mut Raw) -> i64 {
    let info = String::from_utf8(r.cmd(&["INFO", "persistence"])).unwrap();
    info.lines()
        .find_map(|l| l.strip_prefix("rdb_changes_since_last_save:"))
        .expect("rdb_changes_since_last_save in INFO")
        .trim()
        .parse()
        .unwrap()
}

/// TTL of `key` in seconds.
fn ttl(r: &mut Raw, key: &str) -> i64 {
    let reply = String::from_utf8(r.cmd(&["TTL", key])).unwrap();
    reply.trim_start_matches(':').trim().parse().unwrap()
}

const WRONGTYPE: &str = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
const SYNTAX: &str = "-ERR syntax error\r\n";
const NOT_INT: &str = "-ERR value is not an integer or out of range\r\n";
const MUST_BE_POSITIVE: &str = "-ERR value is out of range, must be positive\r\n";

#[test]
fn push_family_replies_order_and_errors() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    check(&mut r, &["RPUSH", "k", "a", "b"], ":2\r\n");
    check(&mut r, &["LPUSH", "k", "x", "y"], ":4\r\n");
    check(
        &mut r,
        &["LRANGE", "k", "0", "-1"],
        &bulks(&["y", "x", "a", "b"]),
    );
    check(&mut r, &["RPUSHX", "k", "z1", "z2"], ":6\r\n");
    check(&mut r, &["LPUSHX", "k", "w"], ":7\r\n");
    check(
        &mut r,
        &["LRANGE", "k", "0", "-1"],
        &bulks(&["w", "y", "x", "a", "b", "z1", "z2"]),
    );
    check(&mut r, &["LPUSHX", "missing", "a"], ":0\r\n");
    check(&mut r, &["RPUSHX", "missing", "a", "b"], ":0\r\n");
    check(&mut r, &["EXISTS", "missing"], ":0\r\n");

    check(&mut r, &["SET", "s", "v"], "+OK\r\n");
    for cmd in ["LPUSH", "RPUSH", "LPUSHX", "RPUSHX"] {
        check(&mut r, &[cmd, "s", "a"], WRONGTYPE);
        check(
            &mut r,
            &[cmd, "k"],
            &format!(
                "-ERR wrong number of arguments for '{}' command\r\n",
                cmd.to_lowercase()
            ),
        );
    }
    check(&mut r, &["GET", "s"], "$1\r\nv\r\n");
    check(&mut r, &["TYPE", "k"], "+list\r\n");
}

#[test]
fn elements_are_binary_safe_and_numbers_keep_their_text() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    let odd: &[u8] = b"\x00\xff\r\n bin";
    r.send(&frame(&[b"RPUSH", b"b\x00k", odd, b"", b"x"]));
    assert_eq!(r.reply(), b":3\r\n");
    r.send(&frame(&[b"LRANGE", b"b\x00k", b"0", b"-1"]));
    assert_eq!(
        r.reply(),
        b"*3\r\n$8\r\n\x00\xff\r\n bin\r\n$0\r\n\r\n$1\r\nx\r\n"
    );
    r.send(&frame(&[b"LPOS", b"b\x00k", odd]));
    assert_eq!(r.reply(), b":0\r\n");

    // Integer-looking elements are stored compactly but come back verbatim.
    let numbers = [
        "0",
        "-1",
        "127",
        "4095",
        "-4096",
        "32768",
        "8388608",
        "2147483648",
        "9223372036854775807",
        "-9223372036854775808",
        "9223372036854775808",
        "007",
        "-0",
        "+1",
        "1.0",
        " 1",
    ];
    let mut args = vec!["RPUSH", "n"];
    args.extend(numbers);
    check(&mut r, &args, &format!(":{}\r\n", numbers.len()));
    check(&mut r, &["LRANGE", "n", "0", "-1"], &bulks(&numbers));
    check(&mut r, &["LPOS", "n", "007"], ":11\r\n");
    check(&mut r, &["LPOS", "n", "7"], "$-1\r\n");
    check(&mut r, &["LPOS", "n", "-9223372036854775808"], ":9\r\n");
    check(&mut r, &["LREM", "n", "0", "-0"], ":1\r\n");
    check(&mut r, &["LINDEX", "n", "12"], "$2\r\n+1\r\n");

    // The redis crate sees the same elements.
    let mut con = srv.client();
    let got: Vec<String> = redis::cmd("LRANGE")
        .arg("n")
        .arg(0)
        .arg(2)
        .query(&mut con)
        .unwrap();
    assert_eq!(got, ["0", "-1", "127"]);
    let n: i64 = redis::cmd("RPUSH")
        .arg("rc")
        .arg("a")
        .arg("b")
        .query(&mut con)
        .unwrap();
    assert_eq!(n, 2);
    let popped: Option<String> = redis::cmd("LPOP").arg("rc").query(&mut con).unwrap();
    assert_eq!(popped.as_deref(), Some("a"));
}

#[test]
fn pop_with_and_without_count_resp2() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    check(&mut r, &["RPUSH", "k", "a", "b", "c", "d", "e"], ":5\r\n");
    check(&mut r, &["LPOP", "k"], "$1\r\na\r\n");
    check(&mut r, &["RPOP", "k"], "$1\r\ne\r\n");
    check(&mut r, &["LPOP", "k", "0"], "*0\r\n");
    check(&mut r, &["RPOP", "k", "2"], &bulks(&["d", "c"]));
    check(&mut r, &["LPOP", "k", "10"], &bulks(&["b"]));
    check(&mut r, &["EXISTS", "k"], ":0\r\n");

    check(&mut r, &["LPOP", "missing"], "$-1\r\n");
    check(&mut r, &["RPOP", "missing", "1"], "*-1\r\n");
    check(&mut r, &["LPOP", "missing", "0"], "*-1\r\n");
    check(&mut r, &["LPOP", "missing", "-1"], MUST_BE_POSITIVE);
    check(&mut r, &["LPOP", "missing", "abc"], MUST_BE_POSITIVE);
    check(&mut r, &["RPUSH", "k", "a"], ":1\r\n");
    check(&mut r, &["RPOP", "k", "-1"], MUST_BE_POSITIVE);
    check(
        &mut r,
        &["LPOP", "k", "1", "2"],
        "-ERR wrong number of arguments for 'lpop' command\r\n",
    );
    check(
        &mut r,
        &["RPOP"],
        "-ERR wrong number of arguments for 'rpop' command\r\n",
    );
    check(&mut r, &["SET", "s", "v"], "+OK\r\n");
    check(&mut r, &["LPOP", "s"], WRONGTYPE);
    check(&mut r, &["RPOP", "s", "0"], WRONGTYPE);
    check(&mut r, &["RPOP", "s", "3"], WRONGTYPE);
}

#[test]
fn resp3_null_shapes() {
    let srv = Server::start(&[]);
    let mut r = resp3(&srv);
    check(&mut r, &["LPOP", "missing"], "_\r\n");
    check(&mut r, &["RPOP", "missing", "2"], "_\r\n");
    check(&mut r, &["LINDEX", "missing", "0"], "_\r\n");
    check(&mut r, &["LPOS", "missing", "a"], "_\r\n");
    check(&mut r, &["LPOS", "missing", "a", "COUNT", "0"], "*0\r\n");
    check(&mut r, &["LMOVE", "missing", "d", "LEFT", "RIGHT"], "_\r\n");
    check(&mut r, &["RPOPLPUSH", "missing", "d"], "_\r\n");
    check(&mut r, &["LMPOP", "1", "missing", "LEFT"], "_\r\n");
    check(&mut r, &["LRANGE", "missing", "0", "-1"], "*0\r\n");
    check(&mut r, &["RPUSH", "k", "a", "b"], ":2\r\n");
    check(&mut r, &["LINDEX", "k", "5"], "_\r\n");
    check(&mut r, &["LPOS", "k", "zz"], "_\r\n");
    check(&mut r, &["LPOP", "k", "0"], "*0\r\n");
    check(&mut r, &["LPOP", "k", "1"], &bulks(&["a"]));
    check(
        &mut r,
        &["LMPOP", "1", "k", "RIGHT"],
        "*2\r\n$1\r\nk\r\n*1\r\n$1\r\nb\r\n",
    );
}

#[test]
fn llen_lindex_and_lrange_edges() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    check(&mut r, &["LLEN", "k"], ":0\r\n");
    check(&mut r, &["RPUSH", "k", "a", "b", "c", "d"], ":4\r\n");
    check(&mut r, &["LLEN", "k"], ":4\r\n");
    check(&mut r, &["LINDEX", "k", "0"], "$1\r\na\r\n");
    check(&mut r, &["LINDEX", "k", "-1"], "$1\r\nd\r\n");
    check(&mut r, &["LINDEX", "k", "-4"], "$1\r\na\r\n");
    check(&mut r, &["LINDEX", "k", "4"], "$-1\r\n");
    check(&mut r, &["LINDEX", "k", "-5"], "$-1\r\n");
    check(&mut r, &["LINDEX", "k", "-9223372036854775808"], "$-1\r\n");
    check(&mut r, &["LINDEX", "k", "abc"], NOT_INT);
    // The key is looked up first: a missing key answers null even then.
    check(&mut r, &["LINDEX", "missing", "abc"], "$-1\r\n");

    check(&mut r, &["LRANGE", "k", "1", "2"], &bulks(&["b", "c"]));
    check(&mut r, &["LRANGE", "k", "-2", "-1"], &bulks(&["c", "d"]));
    check(
        &mut r,
        &["LRANGE", "k", "-100", "100"],
        &bulks(&["a", "b", "c", "d"]),
    );
    check(&mut r, &["LRANGE", "k", "2", "1"], "*0\r\n");
    check(&mut r, &["LRANGE", "k", "4", "10"], "*0\r\n");
    check(&mut r, &["LRANGE", "k", "0", "-5"], "*0\r\n");
    check(
        &mut r,
        &["LRANGE", "k", "-9223372036854775808", "9223372036854775807"],
        &bulks(&["a", "b", "c", "d"]),
    );
    check(&mut r, &["LRANGE", "k", "0", "x"], NOT_INT);
    // Indexes are parsed before the lookup.
    check(&mut r, &["LRANGE", "missing", "a", "1"], NOT_INT);

    check(&mut r, &["SET", "s", "v"], "+OK\r\n");
    check(&mut r, &["LLEN", "s"], WRONGTYPE);
    check(&mut r, &["LINDEX", "s", "0"], WRONGTYPE);
    check(&mut r, &["LINDEX", "s", "abc"], WRONGTYPE);
    check(&mut r, &["LRANGE", "s", "0", "1"], WRONGTYPE);
    check(
        &mut r,
        &["LINDEX", "k"],
        "-ERR wrong number of arguments for 'lindex' command\r\n",
    );
}

#[test]
fn lset_replaces_and_reports_errors() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    check(
        &mut r,
        &["LSET", "missing", "0", "x"],
        "-ERR no such key\r\n",
    );
    // The key is looked up before the index is parsed.
    check(
        &mut r,
        &["LSET", "missing", "abc", "x"],
        "-ERR no such key\r\n",
    );
    check(&mut r, &["RPUSH", "k", "a", "b", "c"], ":3\r\n");
    check(&mut r, &["LSET", "k", "0", "A"], "+OK\r\n");
    check(&mut r, &["LSET", "k", "-1", "123"], "+OK\r\n");
    check(&mut r, &["LSET", "k", "1", &"L".repeat(10_000)], "+OK\r\n");
    check(&mut r, &["LINDEX", "k", "2"], "$3\r\n123\r\n");
    check(&mut r, &["LSET", "k", "1", "b"], "+OK\r\n");
    check(
        &mut r,
        &["LRANGE", "k", "0", "-1"],
        &bulks(&["A", "b", "123"]),
    );
    check(
        &mut r,
        &["LSET", "k", "3", "x"],
        "-ERR index out of range\r\n",
    );
    check(
        &mut r,
        &["LSET", "k", "-4", "x"],
        "-ERR index out of range\r\n",
    );
    check(&mut r, &["LSET", "k", "abc", "x"], NOT_INT);
    check(&mut r, &["SET", "s", "v"], "+OK\r\n");
    check(&mut r, &["LSET", "s", "0", "x"], WRONGTYPE);
}

#[test]
fn linsert_before_and_after_the_first_pivot() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    check(
        &mut r,
        &["LINSERT", "missing", "BEFORE", "a", "x"],
        ":0\r\n",
    );
    check(&mut r, &["RPUSH", "k", "a", "b", "a"], ":3\r\n");
    check(&mut r, &["LINSERT", "k", "BEFORE", "a", "x"], ":4\r\n");
    check(&mut r, &["LINSERT", "k", "after", "a", "y"], ":5\r\n");
    check(&mut r, &["LINSERT", "k", "AfTeR", "b", "5"], ":6\r\n");
    check(
        &mut r,
        &["LRANGE", "k", "0", "-1"],
        &bulks(&["x", "a", "y", "b", "5", "a"]),
    );
    check(&mut r, &["LINSERT", "k", "before", "5", "4"], ":7\r\n");
    check(&mut r, &["LINDEX", "k", "4"], "$1\r\n4\r\n");
    check(&mut r, &["LINSERT", "k", "BEFORE", "zz", "x"], ":-1\r\n");
    check(&mut r, &["LINSERT", "k", "middle", "a", "x"], SYNTAX);
    // The position word is checked before the key.
    check(&mut r, &["LINSERT", "missing", "middle", "a", "x"], SYNTAX);
    check(&mut r, &["SET", "s", "v"], "+OK\r\n");
    check(&mut r, &["LINSERT", "s", "BEFORE", "a", "x"], WRONGTYPE);
    check(
        &mut r,
        &["LINSERT", "k", "BEFORE", "a"],
        "-ERR wrong number of arguments for 'linsert' command\r\n",
    );
}

#[test]
fn lrem_by_count_and_direction() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    check(&mut r, &["LREM", "missing", "0", "a"], ":0\r\n");
    check(&mut r, &["LREM", "missing", "x", "a"], NOT_INT);
    check(
        &mut r,
        &["RPUSH", "k", "a", "b", "a", "c", "a", "d", "a"],
        ":7\r\n",
    );
    check(&mut r, &["LREM", "k", "2", "a"], ":2\r\n");
    check(
        &mut r,
        &["LRANGE", "k", "0", "-1"],
        &bulks(&["b", "c", "a", "d", "a"]),
    );
    check(&mut r, &["LREM", "k", "-1", "a"], ":1\r\n");
    check(
        &mut r,
        &["LRANGE", "k", "0", "-1"],
        &bulks(&["b", "c", "a", "d"]),
    );
    check(&mut r, &["LREM", "k", "0", "zz"], ":0\r\n");
    check(
        &mut r,
        &["LREM", "k", "-9223372036854775808", "a"],
        ":1\r\n",
    );
    check(&mut r, &["LREM", "k", "0", "b"], ":1\r\n");
    check(&mut r, &["LREM", "k", "5", "c"], ":1\r\n");
    check(&mut r, &["LREM", "k", "0", "d"], ":1\r\n");
    check(&mut r, &["EXISTS", "k"], ":0\r\n");
    check(&mut r, &["SET", "s", "v"], "+OK\r\n");
    check(&mut r, &["LREM", "s", "0", "a"], WRONGTYPE);
}

#[test]
fn ltrim_keeps_a_range_and_deletes_an_empty_list() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    check(&mut r, &["LTRIM", "missing", "0", "1"], "+OK\r\n");
    check(&mut r, &["LTRIM", "missing", "a", "1"], NOT_INT);
    check(
        &mut r,
        &[
            "RPUSH", "k", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9",
        ],
        ":10\r\n",
    );
    check(&mut r, &["LTRIM", "k", "1", "-2"], "+OK\r\n");
    check(
        &mut r,
        &["LRANGE", "k", "0", "-1"],
        &bulks(&["1", "2", "3", "4", "5", "6", "7", "8"]),
    );
    check(&mut r, &["LTRIM", "k", "-3", "100"], "+OK\r\n");
    check(
        &mut r,
        &["LRANGE", "k", "0", "-1"],
        &bulks(&["6", "7", "8"]),
    );
    check(&mut r, &["LTRIM", "k", "0", "0"], "+OK\r\n");
    check(&mut r, &["LRANGE", "k", "0", "-1"], &bulks(&["6"]));
    check(&mut r, &["LTRIM", "k", "2", "1"], "+OK\r\n");
    check(&mut r, &["EXISTS", "k"], ":0\r\n");
    check(&mut r, &["SET", "s", "v"], "+OK\r\n");
    check(&mut r, &["LTRIM", "s", "0", "1"], WRONGTYPE);
}

#[test]
fn lpos_rank_count_maxlen_and_errors() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    check(
        &mut r,
        &["RPUSH", "p", "a", "b", "c", "a", "b", "c", "a"],
        ":7\r\n",
    );
    check(&mut r, &["LPOS", "p", "a"], ":0\r\n");
    check(&mut r, &["LPOS", "p", "c"], ":2\r\n");
    check(&mut r, &["LPOS", "p", "a", "RANK", "2"], ":3\r\n");
    check(&mut r, &["LPOS", "p", "a", "RANK", "-1"], ":6\r\n");
    check(&mut r, &["LPOS", "p", "a", "RANK", "-2"], ":3\r\n");
    check(&mut r, &["LPOS", "p", "a", "RANK", "5"], "$-1\r\n");
    check(
        &mut r,
        &["LPOS", "p", "a", "RANK", "5", "COUNT", "1"],
        "*0\r\n",
    );
    check(
        &mut r,
        &["LPOS", "p", "a", "COUNT", "0"],
        "*3\r\n:0\r\n:3\r\n:6\r\n",
    );
    check(
        &mut r,
        &["LPOS", "p", "a", "COUNT", "2"],
        "*2\r\n:0\r\n:3\r\n",
    );
    check(
        &mut r,
        &["LPOS", "p", "a", "COUNT", "2", "RANK", "2"],
        "*2\r\n:3\r\n:6\r\n",
    );
    check(
        &mut r,
        &["LPOS", "p", "a", "COUNT", "0", "RANK", "-1"],
        "*3\r\n:6\r\n:3\r\n:0\r\n",
    );
    check(
        &mut r,
        &["LPOS", "p", "a", "COUNT", "0", "MAXLEN", "4"],
        "*2\r\n:0\r\n:3\r\n",
    );
    check(
        &mut r,
        &["LPOS", "p", "b", "RANK", "-1", "MAXLEN", "1"],
        "$-1\r\n",
    );
    check(
        &mut r,
        &["LPOS", "p", "a", "rank", "1", "count", "1", "maxlen", "0"],
        "*1\r\n:0\r\n",
    );
    check(&mut r, &["LPOS", "p", "zz"], "$-1\r\n");
    check(&mut r, &["LPOS", "p", "zz", "COUNT", "1"], "*0\r\n");
    // Redis negates the rank as a C long: the most negative one stays
    // negative, so every match from the tail qualifies.
    check(
        &mut r,
        &["LPOS", "p", "a", "RANK", "-9223372036854775808"],
        ":6\r\n",
    );
    check(
        &mut r,
        &[
            "LPOS",
            "p",
            "a",
            "RANK",
            "-9223372036854775808",
            "COUNT",
            "2",
        ],
        "*3\r\n:6\r\n:3\r\n:0\r\n",
    );

    let rank_zero = "-ERR RANK can't be zero: use 1 to start from the first match, 2 from the \
                     second ... or use negative to start from the end of the list\r\n";
    check(&mut r, &["LPOS", "p", "a", "RANK", "0"], rank_zero);
    check(&mut r, &["LPOS", "missing", "a", "RANK", "0"], rank_zero);
    check(&mut r, &["LPOS", "p", "a", "RANK", "x"], NOT_INT);
    check(
        &mut r,
        &["LPOS", "p", "a", "COUNT", "-1"],
        "-ERR COUNT can't be negative\r\n",
    );
    check(
        &mut r,
        &["LPOS", "p", "a", "COUNT", "x"],
        "-ERR COUNT can't be negative\r\n",
    );
    check(
        &mut r,
        &["LPOS", "p", "a", "MAXLEN", "-1"],
        "-ERR MAXLEN can't be negative\r\n",
    );
    check(
        &mut r,
        &["LPOS", "p", "a", "MAXLEN", "x"],
        "-ERR MAXLEN can't be negative\r\n",
    );
    check(&mut r, &["LPOS", "p", "a", "FOO"], SYNTAX);
    check(&mut r, &["LPOS", "p", "a", "RANK"], SYNTAX);
    check(&mut r, &["LPOS", "missing", "a"], "$-1\r\n");
    check(&mut r, &["LPOS", "missing", "a", "COUNT", "0"], "*0\r\n");
    check(&mut r, &["SET", "s", "v"], "+OK\r\n");
    check(&mut r, &["LPOS", "s", "a"], WRONGTYPE);
}

#[test]
fn lmove_and_rpoplpush_every_direction() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    check(&mut r, &["RPUSH", "src", "a", "b", "c", "d"], ":4\r\n");
    check(
        &mut r,
        &["LMOVE", "src", "dst", "LEFT", "RIGHT"],
        "$1\r\na\r\n",
    );
    check(
        &mut r,
        &["LMOVE", "src", "dst", "right", "left"],
        "$1\r\nd\r\n",
    );
    check(
        &mut r,
        &["LMOVE", "src", "dst", "LEFT", "LEFT"],
        "$1\r\nb\r\n",
    );
    check(
        &mut r,
        &["LRANGE", "dst", "0", "-1"],
        &bulks(&["b", "d", "a"]),
    );
    check(&mut r, &["RPOPLPUSH", "dst", "src"], "$1\r\na\r\n");
    check(&mut r, &["LRANGE", "src", "0", "-1"], &bulks(&["a", "c"]));
    check(
        &mut r,
        &["LMOVE", "src", "dst", "RIGHT", "RIGHT"],
        "$1\r\nc\r\n",
    );
    check(
        &mut r,
        &["LRANGE", "dst", "0", "-1"],
        &bulks(&["b", "d", "c"]),
    );

    // The same key rotates.
    check(
        &mut r,
        &["LMOVE", "dst", "dst", "LEFT", "RIGHT"],
        "$1\r\nb\r\n",
    );
    check(
        &mut r,
        &["LRANGE", "dst", "0", "-1"],
        &bulks(&["d", "c", "b"]),
    );
    check(&mut r, &["RPOPLPUSH", "dst", "dst"], "$1\r\nb\r\n");
    check(
        &mut r,
        &["LRANGE", "dst", "0", "-1"],
        &bulks(&["b", "d", "c"]),
    );
    // A one-element list moved onto itself survives, TTL included.
    check(&mut r, &["RPUSH", "one", "x"], ":1\r\n");
    check(&mut r, &["EXPIRE", "one", "1000"], ":1\r\n");
    check(
        &mut r,
        &["LMOVE", "one", "one", "RIGHT", "LEFT"],
        "$1\r\nx\r\n",
    );
    check(&mut r, &["LRANGE", "one", "0", "-1"], &bulks(&["x"]));
    assert!(ttl(&mut r, "one") > 990);

    // The source goes when emptied.
    check(
        &mut r,
        &["LMOVE", "src", "dst", "LEFT", "RIGHT"],
        "$1\r\na\r\n",
    );
    check(&mut r, &["EXISTS", "src"], ":0\r\n");
    check(&mut r, &["LMOVE", "src", "dst", "LEFT", "RIGHT"], "$-1\r\n");
    check(&mut r, &["RPOPLPUSH", "src", "dst"], "$-1\r\n");

    // Types: a string source or destination is WRONGTYPE, and nothing moves.
    check(&mut r, &["SET", "s", "v"], "+OK\r\n");
    check(&mut r, &["LMOVE", "dst", "s", "LEFT", "RIGHT"], WRONGTYPE);
    check(&mut r, &["RPOPLPUSH", "dst", "s"], WRONGTYPE);
    check(&mut r, &["LMOVE", "s", "dst", "LEFT", "LEFT"], WRONGTYPE);
    check(&mut r, &["LLEN", "dst"], ":4\r\n");
    // A missing source with a string destination answers null.
    check(
        &mut r,
        &["LMOVE", "missing", "s", "LEFT", "LEFT"],
        "$-1\r\n",
    );
    check(&mut r, &["LMOVE", "dst", "dst", "UP", "RIGHT"], SYNTAX);
    check(&mut r, &["LMOVE", "dst", "dst", "LEFT", "DOWN"], SYNTAX);
    check(
        &mut r,
        &["RPOPLPUSH", "a"],
        "-ERR wrong number of arguments for 'rpoplpush' command\r\n",
    );

    // The destination keeps its TTL; a created one has none.
    check(&mut r, &["EXPIRE", "dst", "500"], ":1\r\n");
    check(&mut r, &["RPOPLPUSH", "one", "dst"], "$1\r\nx\r\n");
    assert!((490..=500).contains(&ttl(&mut r, "dst")));
    check(&mut r, &["RPOPLPUSH", "dst", "fresh"], "$1\r\na\r\n");
    check(&mut r, &["TTL", "fresh"], ":-1\r\n");
}

#[test]
fn lmpop_keys_direction_count_and_errors() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    check(&mut r, &["LMPOP", "2", "a", "b", "LEFT"], "*-1\r\n");
    check(&mut r, &["RPUSH", "b", "1", "2", "3", "4"], ":4\r\n");
    check(
        &mut r,
        &["LMPOP", "2", "a", "b", "LEFT"],
        "*2\r\n$1\r\nb\r\n*1\r\n$1\r\n1\r\n",
    );
    check(
        &mut r,
        &["LMPOP", "2", "a", "b", "right", "COUNT", "2"],
        "*2\r\n$1\r\nb\r\n*2\r\n$1\r\n4\r\n$1\r\n3\r\n",
    );
    check(
        &mut r,
        &["LMPOP", "1", "b", "left", "count", "100"],
        "*2\r\n$1\r\nb\r\n*1\r\n$1\r\n2\r\n",
    );
    check(&mut r, &["EXISTS", "b"], ":0\r\n");

    check(&mut r, &["SET", "s", "v"], "+OK\r\n");
    check(&mut r, &["RPUSH", "l", "x"], ":1\r\n");
    // Keys are tried in order: a string before a list is an error, after
    // it is never reached.
    check(&mut r, &["LMPOP", "2", "s", "l", "LEFT"], WRONGTYPE);
    check(
        &mut r,
        &["LMPOP", "2", "l", "s", "LEFT"],
        "*2\r\n$1\r\nl\r\n*1\r\n$1\r\nx\r\n",
    );

    let numkeys = "-ERR numkeys should be greater than 0\r\n";
    check(&mut r, &["LMPOP", "0", "l", "LEFT"], numkeys);
    check(&mut r, &["LMPOP", "-1", "l", "LEFT"], numkeys);
    check(&mut r, &["LMPOP", "abc", "l", "LEFT"], numkeys);
    check(&mut r, &["LMPOP", "2", "l", "LEFT"], SYNTAX);
    check(
        &mut r,
        &["LMPOP", "9223372036854775807", "l", "LEFT"],
        SYNTAX,
    );
    check(&mut r, &["LMPOP", "1", "l", "MIDDLE"], SYNTAX);
    check(&mut r, &["LMPOP", "1", "l", "LEFT", "FOO"], SYNTAX);
    check(&mut r, &["LMPOP", "1", "l", "LEFT", "COUNT"], SYNTAX);
    check(
        &mut r,
        &["LMPOP", "1", "l", "LEFT", "COUNT", "1", "COUNT", "1"],
        SYNTAX,
    );
    let count = "-ERR count should be greater than 0\r\n";
    check(&mut r, &["LMPOP", "1", "l", "LEFT", "COUNT", "0"], count);
    check(&mut r, &["LMPOP", "1", "l", "LEFT", "COUNT", "-2"], count);
    check(&mut r, &["LMPOP", "1", "l", "LEFT", "COUNT", "x"], count);
    check(
        &mut r,
        &["LMPOP", "1", "l"],
        "-ERR wrong number of arguments for 'lmpop' command\r\n",
    );
}

#[test]
fn object_encoding_type_and_node_sizes() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    // Redis 7.0 reports "quicklist" for every list, small or large.
    check(&mut r, &["RPUSH", "small", "a"], ":1\r\n");
    check(
        &mut r,
        &["OBJECT", "ENCODING", "small"],
        "$9\r\nquicklist\r\n",
    );
    check(&mut r, &["TYPE", "small"], "+list\r\n");
    check(
        &mut r,
        &["SCAN", "0", "TYPE", "list"],
        "*2\r\n$1\r\n0\r\n*1\r\n$5\r\nsmall\r\n",
    );
    let big = "v".repeat(1000);
    for i in 1..=20 {
        check(
            &mut r,
            &["RPUSH", "large", &big, &big],
            &format!(":{}\r\n", 2 * i),
        );
    }
    check(
        &mut r,
        &["OBJECT", "ENCODING", "large"],
        "$9\r\nquicklist\r\n",
    );
    check(&mut r, &["LTRIM", "large", "0", "0"], "+OK\r\n");
    check(
        &mut r,
        &["OBJECT", "ENCODING", "large"],
        "$9\r\nquicklist\r\n",
    );
    check(&mut r, &["LLEN", "large"], ":1\r\n");

    // list-max-listpack-size and its old name are one setting.
    check(
        &mut r,
        &["CONFIG", "GET", "list-max-listpack-size"],
        "*2\r\n$22\r\nlist-max-listpack-size\r\n$2\r\n-2\r\n",
    );
    check(
        &mut r,
        &["CONFIG", "SET", "list-max-ziplist-size", "3"],
        "+OK\r\n",
    );
    check(
        &mut r,
        &["CONFIG", "GET", "list-max-listpack-size"],
        "*2\r\n$22\r\nlist-max-listpack-size\r\n$1\r\n3\r\n",
    );
    check(
        &mut r,
        &["CONFIG", "GET", "list-max-ziplist-size"],
        "*2\r\n$21\r\nlist-max-ziplist-size\r\n$1\r\n3\r\n",
    );
    let refused = r.cmd(&["CONFIG", "SET", "list-max-listpack-size", "99999999999"]);
    assert!(
        refused.starts_with(b"-ERR"),
        "{}",
        String::from_utf8_lossy(&refused)
    );
    // Three entries per node: every operation still sees one list.
    let items: Vec<String> = (0..50).map(|i| format!("e{i}")).collect();
    let mut args = vec!["RPUSH", "n3"];
    args.extend(items.iter().map(String::as_str));
    check(&mut r, &args, ":50\r\n");
    check(&mut r, &["LINSERT", "n3", "AFTER", "e10", "new"], ":51\r\n");
    check(&mut r, &["LINDEX", "n3", "11"], "$3\r\nnew\r\n");
    check(&mut r, &["LREM", "n3", "0", "new"], ":1\r\n");
    let all: Vec<&str> = items.iter().map(String::as_str).collect();
    check(&mut r, &["LRANGE", "n3", "0", "-1"], &bulks(&all));
    check(
        &mut r,
        &["CONFIG", "SET", "list-max-listpack-size", "-1"],
        "+OK\r\n",
    );
    check(&mut r, &["LRANGE", "n3", "0", "-1"], &bulks(&all));
}

#[test]
fn large_list_ends_and_middle() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    // 200,000 elements in pipelined batches of 1,000.
    let mut expect_len = 0;
    for batch in 0..200 {
        let values: Vec<String> = (0..1000).map(|i| (batch * 1000 + i).to_string()).collect();
        let mut args: Vec<&[u8]> = vec![b"RPUSH", b"big"];
        args.extend(values.iter().map(|v| v.as_bytes()));
        r.send(&frame(&args));
        expect_len += 1000;
        assert_eq!(r.reply(), format!(":{expect_len}\r\n").as_bytes());
    }
    check(&mut r, &["LLEN", "big"], ":200000\r\n");
    check(&mut r, &["LINDEX", "big", "0"], "$1\r\n0\r\n");
    check(&mut r, &["LINDEX", "big", "-1"], "$6\r\n199999\r\n");
    check(&mut r, &["LINDEX", "big", "123456"], "$6\r\n123456\r\n");
    check(&mut r, &["LINDEX", "big", "-100000"], "$6\r\n100000\r\n");
    check(
        &mut r,
        &["LRANGE", "big", "99998", "100001"],
        &bulks(&["99998", "99999", "100000", "100001"]),
    );
    check(
        &mut r,
        &["LRANGE", "big", "-2", "-1"],
        &bulks(&["199998", "199999"]),
    );
    check(&mut r, &["LSET", "big", "-1", "last"], "+OK\r\n");
    check(&mut r, &["LSET", "big", "100000", "middle"], "+OK\r\n");
    check(&mut r, &["LPOS", "big", "middle"], ":100000\r\n");
    check(
        &mut r,
        &["LPOS", "big", "199998", "RANK", "-1"],
        ":199998\r\n",
    );
    check(&mut r, &["RPOP", "big"], "$4\r\nlast\r\n");
    check(&mut r, &["LPOP", "big", "3"], &bulks(&["0", "1", "2"]));
    check(&mut r, &["LPUSH", "big", "head"], ":199997\r\n");
    check(
        &mut r,
        &["LINSERT", "big", "BEFORE", "150000", "ins"],
        ":199998\r\n",
    );
    check(&mut r, &["LINDEX", "big", "149998"], "$3\r\nins\r\n");
    check(&mut r, &["LREM", "big", "0", "ins"], ":1\r\n");
    check(&mut r, &["LTRIM", "big", "1", "10"], "+OK\r\n");
    check(
        &mut r,
        &["LRANGE", "big", "0", "-1"],
        &bulks(&["3", "4", "5", "6", "7", "8", "9", "10", "11", "12"]),
    );
}

#[test]
fn writes_count_changes_and_expired_lists_are_gone() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    let start = dirty(&mut r);
    check(
        &mut r,
        &["RPUSH", "k", "a", "b", "c", "d", "e", "f", "a"],
        ":7\r\n",
    );
    assert_eq!(dirty(&mut r) - start, 7);
    check(&mut r, &["LPOP", "k", "2"], &bulks(&["a", "b"]));
    check(&mut r, &["LPOP", "k", "0"], "*0\r\n");
    check(&mut r, &["LINSERT", "k", "BEFORE", "nope", "q"], ":-1\r\n");
    check(&mut r, &["RPUSHX", "nothing", "a"], ":0\r\n");
    assert_eq!(dirty(&mut r) - start, 9);
    check(&mut r, &["LREM", "k", "0", "a"], ":1\r\n");
    check(&mut r, &["LTRIM", "k", "1", "-2"], "+OK\r\n");
    check(
        &mut r,
        &["LMPOP", "1", "k", "LEFT", "COUNT", "10"],
        &lmpop_reply("k", &["d", "e"]),
    );
    assert_eq!(dirty(&mut r) - start, 14);

    check(&mut r, &["RPUSH", "t", "a"], ":1\r\n");
    check(&mut r, &["PEXPIRE", "t", "1"], ":1\r\n");
    wait_until("list t to expire", || r.cmd(&["EXISTS", "t"]) == b":0\r\n");
    check(&mut r, &["LPUSHX", "t", "a"], ":0\r\n");
    check(&mut r, &["LLEN", "t"], ":0\r\n");
    check(&mut r, &["LPUSH", "t", "b"], ":1\r\n");
    check(&mut r, &["TTL", "t"], ":-1\r\n");
}

fn lmpop_reply(key: &str, items: &[&str]) -> String {
    format!("*2\r\n${}\r\n{key}\r\n{}", key.len(), bulks(items))
}

#[test]
fn command_table_entries() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    check(
        &mut r,
        &["COMMAND", "GETKEYS", "LMOVE", "a", "b", "LEFT", "RIGHT"],
        &bulks(&["a", "b"]),
    );
    check(
        &mut r,
        &["COMMAND", "GETKEYS", "RPOPLPUSH", "a", "b"],
        &bulks(&["a", "b"]),
    );
    let info = String::from_utf8(r.cmd(&["COMMAND", "INFO", "lpush", "lmpop"])).unwrap();
    assert!(info.contains("$5\r\nlpush\r\n:-3\r\n"), "{info}");
    assert!(info.contains("$5\r\nlmpop\r\n:-4\r\n"), "{info}");
    assert!(info.contains("+@list\r\n"), "{info}");
}
