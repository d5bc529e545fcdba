//! Hash commands over real sockets: every command and option, exact reply
//! bytes and error texts (checked against redis-server 7.0.15), RESP3 shapes,
//! OBJECT ENCODING transitions.

mod support;
use std::collections::{HashMap, HashSet};
use support::{check, frame};
use support::{Raw, Server};

/// A decoded reply.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Val {
    Bulk(Vec<u8>),
    Int(i64),
    Null,
    Simple(String),
    Error(String),
    /// An aggregate: its type byte (`*`, `~`, `%`) and its elements (a map's
    /// keys and values alternate).
    Agg(u8, Vec<Val>),
}

impl Val {
    fn items(&self) -> &[Val] {
        match self {
            Val::Agg(_, v) => v,
            other => panic!("not an aggregate: {other:?}"),
        }
    }

    fn bytes(&self) -> Vec<u8> {
        match self {
            Val::Bulk(b) => b.clone(),
            other => panic!("not a bulk string: {other:?}"),
        }
    }
}

fn decode(buf: &[u8]) -> Val {
    let (v, used) = decode_at(buf, 0);
    assert_eq!(used, buf.len(), "trailing bytes");
    v
}

fn decode_at(buf: &[u8], at: usize) -> (Val, usize) {
    let end = at + buf[at..].windows(2).position(|w| w == b"\r\n").unwrap();
    let line = std::str::from_utf8(&buf[at + 1..end]).unwrap();
    let next = end + 2;
    match buf[at] {
        b'+' => (Val::Simple(line.into()), next),
        b'-' => (Val::Error(line.into()), next),
        b':' => (Val::Int(line.parse().unwrap()), next),
        b'_' => (Val::Null, next),
        b'$' => {
            let n: i64 = line.parse().unwrap();
            if n < 0 {
                return (Val::Null, next);
            }
            let n = n as usize;
            (Val::Bulk(buf[next..next + n].to_vec()), next + n + 2)
        }
        kind @ (b'*' | b'~' | b'%') => {
            let n: i64 = line.parse().unwrap();
            if n < 0 {
                return (Val::Null, next);
            }
            let n = if kind == b'%' { n * 2 } else { n } as usize;
            let mut pos = next;
            let mut items = Vec::with_capacity(n);
            for _ in 0..n {
                let (v, p) = decode_at(buf, pos);
                items.push(v);
                pos = p;
            }
            (Val::Agg(kind, items), pos)
        }
        other => panic!("unexpected reply type {}", other as char),
    }
}

/// Sends a command and decodes its reply.
fn cmd(r: &mut Raw, args: &[&str]) -> Val {
    decode(&r.cmd(args))
}

fn encoding(r: &mut Raw, key: &str) -> String {
    String::from_utf8(cmd(r, &["OBJECT", "ENCODING", key]).bytes()).unwrap()
}

/// Every (field, value) of HGETALL as a map.
fn hgetall(r: &mut Raw, key: &str) -> HashMap<Vec<u8>, Vec<u8>> {
    let v = cmd(r, &["HGETALL", key]);
    v.items()
        .chunks(2)
        .map(|p| (p[0].bytes(), p[1].bytes()))
        .collect()
}

const WRONGTYPE: &str = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
const SYNTAX: &str = "-ERR syntax error\r\n";
const NOT_INT: &str = "-ERR value is not an integer or out of range\r\n";
const NOT_FLOAT: &str = "-ERR value is not a valid float\r\n";

#[test]
fn hset_hget_hmget_hgetall_and_arity() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    check(&mut r, &["HSET", "h", "a", "1", "b", "2"], ":2\r\n");
    check(&mut r, &["HSET", "h", "a", "9", "c", "3"], ":1\r\n");
    check(&mut r, &["HGET", "h", "a"], "$1\r\n9\r\n");
    check(&mut r, &["HGET", "h", "zz"], "$-1\r\n");
    check(&mut r, &["HGET", "nokey", "a"], "$-1\r\n");
    check(
        &mut r,
        &["HMGET", "h", "a", "zz", "c"],
        "*3\r\n$1\r\n9\r\n$-1\r\n$1\r\n3\r\n",
    );
    check(&mut r, &["HMGET", "nokey", "a"], "*1\r\n$-1\r\n");
    // A listpack keeps insertion order; an update stays in place.
    check(
        &mut r,
        &["HGETALL", "h"],
        "*6\r\n$1\r\na\r\n$1\r\n9\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n",
    );
    check(&mut r, &["HGETALL", "nokey"], "*0\r\n");
    check(&mut r, &["HMSET", "h", "d", "4", "a", "0"], "+OK\r\n");
    check(
        &mut r,
        &["HMGET", "h", "d", "a"],
        "*2\r\n$1\r\n4\r\n$1\r\n0\r\n",
    );
    check(&mut r, &["TYPE", "h"], "+hash\r\n");
    for (args, name) in [
        (&["HSET", "h"][..], "hset"),
        (&["HSET", "h", "a"], "hset"),
        (&["HSET", "h", "a", "1", "b"], "hset"),
        (&["HMSET", "h", "a", "1", "b"], "hmset"),
        (&["HGET", "h"], "hget"),
        (&["HMGET", "h"], "hmget"),
        (&["HSETNX", "h", "a"], "hsetnx"),
        (&["HGETALL"], "hgetall"),
        (&["HDEL", "h"], "hdel"),
        (&["HLEN"], "hlen"),
        (&["HEXISTS", "h"], "hexists"),
        (&["HKEYS"], "hkeys"),
        (&["HVALS"], "hvals"),
        (&["HINCRBY", "h", "a"], "hincrby"),
        (&["HINCRBYFLOAT", "h", "a"], "hincrbyfloat"),
        (&["HSTRLEN", "h"], "hstrlen"),
        (&["HRANDFIELD"], "hrandfield"),
        (&["HSCAN", "h"], "hscan"),
    ] {
        check(
            &mut r,
            args,
            &format!("-ERR wrong number of arguments for '{name}' command\r\n"),
        );
    }
}

#[test]
fn hsetnx_hdel_hlen_hexists_hstrlen_hkeys_hvals() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    check(&mut r, &["HSETNX", "h", "a", "1"], ":1\r\n");
    check(&mut r, &["HSETNX", "h", "a", "2"], ":0\r\n");
    check(&mut r, &["HGET", "h", "a"], "$1\r\n1\r\n");
    check(&mut r, &["HSET", "h", "b", "hello", "c", ""], ":2\r\n");
    check(&mut r, &["HLEN", "h"], ":3\r\n");
    check(&mut r, &["HLEN", "nokey"], ":0\r\n");
    check(&mut r, &["HEXISTS", "h", "b"], ":1\r\n");
    check(&mut r, &["HEXISTS", "h", "z"], ":0\r\n");
    check(&mut r, &["HEXISTS", "nokey", "z"], ":0\r\n");
    check(&mut r, &["HSTRLEN", "h", "b"], ":5\r\n");
    check(&mut r, &["HSTRLEN", "h", "c"], ":0\r\n");
    check(&mut r, &["HSTRLEN", "h", "z"], ":0\r\n");
    check(&mut r, &["HSTRLEN", "nokey", "z"], ":0\r\n");
    check(
        &mut r,
        &["HKEYS", "h"],
        "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n",
    );
    check(
        &mut r,
        &["HVALS", "h"],
        "*3\r\n$1\r\n1\r\n$5\r\nhello\r\n$0\r\n\r\n",
    );
    check(&mut r, &["HKEYS", "nokey"], "*0\r\n");
    check(&mut r, &["HVALS", "nokey"], "*0\r\n");
    check(&mut r, &["HDEL", "h", "a", "zz", "a"], ":1\r\n");
    check(&mut r, &["HDEL", "nokey", "a"], ":0\r\n");
    check(&mut r, &["HKEYS", "h"], "*2\r\n$1\r\nb\r\n$1\r\nc\r\n");
    // The last field gone, the key goes too.
    check(&mut r, &["HDEL", "h", "b", "c", "d"], ":2\r\n");
    check(&mut r, &["EXISTS", "h"], ":0\r\n");
    // HSETNX creates the key.
    check(&mut r, &["HSETNX", "new", "f", "v"], ":1\r\n");
    check(&mut r, &["HGETALL", "new"], "*2\r\n$1\r\nf\r\n$1\r\nv\r\n");
}

#[test]
fn hincrby_and_hincrbyfloat() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    check(&mut r, &["HINCRBY", "h", "n", "5"], ":5\r\n");
    check(&mut r, &["HINCRBY", "h", "n", "-7"], ":-2\r\n");
    check(&mut r, &["HGET", "h", "n"], "$2\r\n-2\r\n");
    check(&mut r, &["HINCRBY", "h", "n", "x"], NOT_INT);
    check(
        &mut r,
        &["HINCRBY", "h", "n", "99999999999999999999"],
        NOT_INT,
    );
    check(
        &mut r,
        &["HSET", "h", "s", "foo", "ws", " 1", "e", ""],
        ":3\r\n",
    );
    let not_int = "-ERR hash value is not an integer\r\n";
    check(&mut r, &["HINCRBY", "h", "s", "1"], not_int);
    check(&mut r, &["HINCRBY", "h", "ws", "1"], not_int);
    check(&mut r, &["HINCRBY", "h", "e", "1"], not_int);
    check(
        &mut r,
        &["HSET", "h", "big", "9223372036854775807"],
        ":1\r\n",
    );
    check(
        &mut r,
        &["HINCRBY", "h", "big", "1"],
        "-ERR increment or decrement would overflow\r\n",
    );
    check(
        &mut r,
        &["HINCRBY", "h", "min", "-9223372036854775808"],
        ":-9223372036854775808\r\n",
    );
    check(
        &mut r,
        &["HINCRBY", "h", "min", "-1"],
        "-ERR increment or decrement would overflow\r\n",
    );
    // A bad increment creates nothing.
    check(&mut r, &["HINCRBY", "new", "x", "1.5"], NOT_INT);
    check(&mut r, &["EXISTS", "new"], ":0\r\n");

    check(&mut r, &["HINCRBYFLOAT", "f", "x", "1.0"], "$1\r\n1\r\n");
    check(
        &mut r,
        &["HINCRBYFLOAT", "f", "x", "1.0e2"],
        "$3\r\n101\r\n",
    );
    check(
        &mut r,
        &["HINCRBYFLOAT", "f", "x", "-0.9"],
        "$5\r\n100.1\r\n",
    );
    // x87 long double arithmetic, printed like %.17Lf trimmed.
    check(&mut r, &["HINCRBYFLOAT", "f", "y", "0.1"], "$3\r\n0.1\r\n");
    check(&mut r, &["HINCRBYFLOAT", "f", "y", "0.2"], "$3\r\n0.3\r\n");
    check(&mut r, &["HINCRBYFLOAT", "f", "x", "-100.1"], "$1\r\n0\r\n");
    check(&mut r, &["HINCRBYFLOAT", "h", "n", "1.5"], "$4\r\n-0.5\r\n");
    check(&mut r, &["HINCRBYFLOAT", "f", "x", "x"], NOT_FLOAT);
    check(&mut r, &["HINCRBYFLOAT", "f", "x", ""], NOT_FLOAT);
    check(&mut r, &["HINCRBYFLOAT", "f", "x", "nan"], NOT_FLOAT);
    check(
        &mut r,
        &["HINCRBYFLOAT", "f", "x", "inf"],
        "-ERR value is NaN or Infinity\r\n",
    );
    check(
        &mut r,
        &["HINCRBYFLOAT", "f", "x", "-inf"],
        "-ERR value is NaN or Infinity\r\n",
    );
    let not_float = "-ERR hash value is not a float\r\n";
    check(&mut r, &["HINCRBYFLOAT", "h", "s", "1"], not_float);
    check(&mut r, &["HINCRBYFLOAT", "h", "ws", "1"], not_float);
    check(&mut r, &["HINCRBYFLOAT", "h", "e", "1"], not_float);
    check(&mut r, &["HSET", "h", "inf", "inf"], ":1\r\n");
    check(
        &mut r,
        &["HINCRBYFLOAT", "h", "inf", "1"],
        "-ERR increment would produce NaN or Infinity\r\n",
    );
    check(&mut r, &["HSET", "h", "hex", "0x10"], ":1\r\n");
    check(&mut r, &["HINCRBYFLOAT", "h", "hex", "1"], "$2\r\n17\r\n");
    // Beyond double's range but within long double's (redis-server prints
    // the same 4000 digits).
    let got = cmd(&mut r, &["HINCRBYFLOAT", "f", "huge", "1e4000"]).bytes();
    assert_eq!(got.len(), 4000);
    assert!(got.starts_with(b"999999999999999999996546387309"));
    check(
        &mut r,
        &["HINCRBYFLOAT", "nokey2", "x", "inf"],
        "-ERR value is NaN or Infinity\r\n",
    );
    check(&mut r, &["EXISTS", "nokey2"], ":0\r\n");
}

#[test]
fn wrongtype_for_every_hash_command() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    check(&mut r, &["SET", "s", "v"], "+OK\r\n");
    for args in [
        &["HSET", "s", "a", "1"][..],
        &["HMSET", "s", "a", "1"],
        &["HSETNX", "s", "a", "1"],
        &["HGET", "s", "a"],
        &["HMGET", "s", "a"],
        &["HGETALL", "s"],
        &["HDEL", "s", "a"],
        &["HLEN", "s"],
        &["HEXISTS", "s", "a"],
        &["HKEYS", "s"],
        &["HVALS", "s"],
        &["HINCRBY", "s", "a", "1"],
        &["HINCRBYFLOAT", "s", "a", "1"],
        &["HSTRLEN", "s", "a"],
        &["HRANDFIELD", "s"],
        &["HRANDFIELD", "s", "2"],
        &["HRANDFIELD", "s", "2", "WITHVALUES"],
        &["HSCAN", "s", "0"],
    ] {
        check(&mut r, args, WRONGTYPE);
    }
    // Argument errors come first where Redis checks them first.
    check(&mut r, &["HINCRBY", "s", "a", "x"], NOT_INT);
    check(&mut r, &["HINCRBYFLOAT", "s", "a", "x"], NOT_FLOAT);
    check(&mut r, &["HRANDFIELD", "s", "x"], NOT_INT);
    check(&mut r, &["HSCAN", "s", "x"], "-ERR invalid cursor\r\n");
    check(&mut r, &["GET", "s"], "$1\r\nv\r\n");
    // And a hash is the wrong type for string commands.
    check(&mut r, &["HSET", "h", "a", "1"], ":1\r\n");
    check(&mut r, &["GET", "h"], WRONGTYPE);
    check(&mut r, &["SADD", "h", "x"], WRONGTYPE);
}

#[test]
fn resp3_shapes() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    r.cmd(&["HELLO", "3"]);
    check(&mut r, &["HSET", "h", "a", "1", "b", "2"], ":2\r\n");
    check(
        &mut r,
        &["HGETALL", "h"],
        "%2\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n",
    );
    check(&mut r, &["HGETALL", "nokey"], "%0\r\n");
    check(&mut r, &["HGET", "h", "zz"], "_\r\n");
    check(&mut r, &["HMGET", "h", "a", "zz"], "*2\r\n$1\r\n1\r\n_\r\n");
    check(&mut r, &["HRANDFIELD", "nokey"], "_\r\n");
    check(
        &mut r,
        &["HRANDFIELD", "nokey", "2", "WITHVALUES"],
        "*0\r\n",
    );
    // WITHVALUES: an array of [field, value] arrays.
    check(
        &mut r,
        &["HRANDFIELD", "h", "2", "WITHVALUES"],
        "*2\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n",
    );
    let v = cmd(&mut r, &["HRANDFIELD", "h", "-5", "WITHVALUES"]);
    assert_eq!(v.items().len(), 5);
    for pair in v.items() {
        let p = pair.items();
        assert_eq!(p.len(), 2);
        let expected = if p[0].bytes() == b"a" { b"1" } else { b"2" };
        assert_eq!(p[1].bytes(), expected);
    }
    let v = cmd(&mut r, &["HRANDFIELD", "h", "1", "WITHVALUES"]);
    assert_eq!(v.items().len(), 1);
    assert_eq!(v.items()[0].items().len(), 2);
    // HSCAN stays an array of [cursor, array].
    check(
        &mut r,
        &["HSCAN", "h", "0"],
        "*2\r\n$1\r\n0\r\n*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n",
    );
    // The same client in RESP2 again: flat pairs.
    r.cmd(&["HELLO", "2"]);
    let v = cmd(&mut r, &["HRANDFIELD", "h", "-3", "WITHVALUES"]);
    assert_eq!(v.items().len(), 6);
    assert!(matches!(v.items()[0], Val::Bulk(_)));
}

#[test]
fn hrandfield_counts_and_errors() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    check(
        &mut r,
        &["HSET", "h", "a", "1", "b", "2", "c", "3"],
        ":3\r\n",
    );
    check(&mut r, &["HRANDFIELD", "nokey"], "$-1\r\n");
    check(&mut r, &["HRANDFIELD", "nokey", "3"], "*0\r\n");
    check(&mut r, &["HRANDFIELD", "h", "0"], "*0\r\n");
    check(&mut r, &["HRANDFIELD", "h", "0", "WITHVALUES"], "*0\r\n");
    // A count at least the size: the whole hash, in its order.
    check(
        &mut r,
        &["HRANDFIELD", "h", "3"],
        "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n",
    );
    check(
        &mut r,
        &["HRANDFIELD", "h", "100", "withvalues"],
        "*6\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n",
    );
    check(&mut r, &["HRANDFIELD", "h", "3", "WITHVALUE"], SYNTAX);
    check(&mut r, &["HRANDFIELD", "h", "3", "WITHVALUES", "x"], SYNTAX);
    check(&mut r, &["HRANDFIELD", "h", "x"], NOT_INT);
    check(
        &mut r,
        &["HRANDFIELD", "h", "-9223372036854775808"],
        "-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n",
    );
    check(
        &mut r,
        &["HRANDFIELD", "h", "4611686018427387904", "WITHVALUES"],
        "-ERR value is out of range\r\n",
    );
    check(
        &mut r,
        &["HRANDFIELD", "h", "-4611686018427387904", "WITHVALUES"],
        "-ERR value is out of range\r\n",
    );

    for key_fields in [3usize, 1000] {
        let key = format!("h{key_fields}");
        for i in 0..key_fields {
            r.cmd(&["HSET", &key, &format!("f{i}"), &format!("v{i}")]);
        }
        let all: HashSet<Vec<u8>> = (0..key_fields)
            .map(|i| format!("f{i}").into_bytes())
            .collect();
        // Single draws cover every field.
        let mut seen = HashSet::new();
        for _ in 0..200 {
            let f = cmd(&mut r, &["HRANDFIELD", &key]).bytes();
            assert!(all.contains(&f));
            seen.insert(f);
        }
        assert!(seen.len() >= key_fields.min(100), "{}", seen.len());
        // Positive counts below the size: distinct fields.
        for count in [1usize, 2, key_fields / 2, key_fields - 1] {
            let v = cmd(
                &mut r,
                &["HRANDFIELD", &key, &count.to_string(), "WITHVALUES"],
            );
            let items = v.items();
            assert_eq!(items.len(), count * 2);
            let fields: HashSet<Vec<u8>> = items.chunks(2).map(|p| p[0].bytes()).collect();
            assert_eq!(fields.len(), count, "distinct");
            for p in items.chunks(2) {
                let f = String::from_utf8(p[0].bytes()).unwrap();
                assert_eq!(p[1].bytes(), f.replace('f', "v").into_bytes());
            }
        }
        // Negative counts: that many draws, repeats allowed.
        let n = key_fields * 3;
        let v = cmd(&mut r, &["HRANDFIELD", &key, &format!("-{n}")]);
        assert_eq!(v.items().len(), n);
        let distinct: HashSet<Vec<u8>> = v.items().iter().map(Val::bytes).collect();
        assert!(distinct.len() < n && distinct.iter().all(|f| all.contains(f)));
    }
}

#[test]
fn hscan_small_in_one_call_and_large_by_cursor() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    check(
        &mut r,
        &["HSET", "h", "a", "1", "b", "2", "ab", "3"],
        ":3\r\n",
    );
    check(
        &mut r,
        &["HSCAN", "h", "0", "COUNT", "1"],
        "*2\r\n$1\r\n0\r\n*6\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$2\r\nab\r\n$1\r\n3\r\n",
    );
    check(
        &mut r,
        &["HSCAN", "h", "0", "MATCH", "a*"],
        "*2\r\n$1\r\n0\r\n*4\r\n$1\r\na\r\n$1\r\n1\r\n$2\r\nab\r\n$1\r\n3\r\n",
    );
    check(
        &mut r,
        &["HSCAN", "h", "0", "match", "z*", "count", "5"],
        "*2\r\n$1\r\n0\r\n*0\r\n",
    );
    // A negative cursor wraps like strtoul; a small hash ignores it anyway.
    check(
        &mut r,
        &["HSCAN", "h", "-1", "MATCH", "b"],
        "*2\r\n$1\r\n0\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n",
    );
    check(&mut r, &["HSCAN", "h", "0", "COUNT", "0"], SYNTAX);
    check(&mut r, &["HSCAN", "h", "0", "COUNT", "x"], NOT_INT);
    check(&mut r, &["HSCAN", "h", "0", "COUNT"], SYNTAX);
    check(&mut r, &["HSCAN", "h", "0", "MATCH"], SYNTAX);
    check(&mut r, &["HSCAN", "h", "0", "TYPE", "string"], SYNTAX);
    check(&mut r, &["HSCAN", "h", "0", "NOVALUES"], SYNTAX);
    check(&mut r, &["HSCAN", "h", "x"], "-ERR invalid cursor\r\n");
    check(
        &mut r,
        &["HSCAN", "h", "18446744073709551616"],
        "-ERR invalid cursor\r\n",
    );
    // A missing key: an empty scan, options unchecked (as Redis).
    check(
        &mut r,
        &["HSCAN", "nokey", "0", "COUNT", "0"],
        "*2\r\n$1\r\n0\r\n*0\r\n",
    );

    // A hashtable: iterate with the cursor; every field comes back, about
    // COUNT pairs per call, while other fields come and go.
    for i in 0..2000 {
        r.cmd(&["HSET", "big", &format!("f{i}"), &format!("v{i}")]);
    }
    assert_eq!(encoding(&mut r, "big"), "hashtable");
    let mut seen = HashMap::new();
    let mut cursor = "0".to_string();
    let mut calls = 0;
    loop {
        let v = cmd(&mut r, &["HSCAN", "big", &cursor, "COUNT", "20"]);
        let items = v.items();
        cursor = String::from_utf8(items[0].bytes()).unwrap();
        let pairs = items[1].items();
        assert!(pairs.len().is_multiple_of(2));
        for p in pairs.chunks(2) {
            seen.insert(p[0].bytes(), p[1].bytes());
        }
        // Grow the table a lot mid-iteration, then shrink it back.
        calls += 1;
        if calls == 5 {
            for i in 0..5000 {
                r.cmd(&["HSET", "big", &format!("tmp{i}"), "x"]);
            }
        }
        if calls == 60 {
            for i in 0..5000 {
                r.cmd(&["HDEL", "big", &format!("tmp{i}")]);
            }
        }
        if cursor == "0" {
            break;
        }
    }
    assert!(calls > 20, "{calls} calls");
    for i in 0..2000 {
        assert_eq!(
            seen.get(format!("f{i}").as_bytes()),
            Some(&format!("v{i}").into_bytes()),
            "f{i}"
        );
    }
    // MATCH filters what a step returns.
    let mut matched = HashSet::new();
    let mut cursor = "0".to_string();
    loop {
        let v = cmd(
            &mut r,
            &["HSCAN", "big", &cursor, "MATCH", "f1?", "COUNT", "100"],
        );
        cursor = String::from_utf8(v.items()[0].bytes()).unwrap();
        for p in v.items()[1].items().chunks(2) {
            matched.insert(String::from_utf8(p[0].bytes()).unwrap());
        }
        if cursor == "0" {
            break;
        }
    }
    let expected: HashSet<String> = (10..20).map(|i| format!("f{i}")).collect();
    assert_eq!(matched, expected);
}

#[test]
fn encoding_transitions() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    let v64 = "v".repeat(64);
    let v65 = "v".repeat(65);
    check(&mut r, &["HSET", "h", "f", &v64], ":1\r\n");
    check(&mut r, &["HSET", "h", &"k".repeat(64), "x"], ":1\r\n");
    assert_eq!(encoding(&mut r, "h"), "listpack");
    // One 65-byte value converts, for good.
    check(&mut r, &["HSET", "h", "g", &v65], ":1\r\n");
    assert_eq!(encoding(&mut r, "h"), "hashtable");
    check(&mut r, &["HDEL", "h", "g"], ":1\r\n");
    assert_eq!(encoding(&mut r, "h"), "hashtable");
    check(&mut r, &["HGET", "h", "f"], &format!("$64\r\n{v64}\r\n"));
    // A 65-byte field too.
    check(&mut r, &["HSET", "h2", &"k".repeat(65), "x"], ":1\r\n");
    assert_eq!(encoding(&mut r, "h2"), "hashtable");
    // Any long argument of HSET converts before the writes.
    check(&mut r, &["HSET", "h3", "a", "1", "b", &v65], ":2\r\n");
    assert_eq!(encoding(&mut r, "h3"), "hashtable");
    // HSETNX converts only when it writes.
    check(&mut r, &["HSET", "h4", "a", "1"], ":1\r\n");
    check(&mut r, &["HSETNX", "h4", "a", &v65], ":0\r\n");
    assert_eq!(encoding(&mut r, "h4"), "listpack");
    check(&mut r, &["HSETNX", "h4", "b", &v65], ":1\r\n");
    assert_eq!(encoding(&mut r, "h4"), "hashtable");
    // HINCRBYFLOAT whose result is too long converts.
    check(&mut r, &["HSET", "h5", "a", "1"], ":1\r\n");
    r.cmd(&["HINCRBYFLOAT", "h5", "a", "1e63"]);
    assert_eq!(encoding(&mut r, "h5"), "listpack");
    r.cmd(&["HINCRBYFLOAT", "h5", "a", "1e70"]);
    assert_eq!(encoding(&mut r, "h5"), "hashtable");
    // 512 fields are a listpack, the 513th converts.
    let mut args: Vec<String> = vec!["HSET".into(), "h6".into()];
    for i in 0..512 {
        args.push(format!("f{i}"));
        args.push("v".into());
    }
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    check(&mut r, &refs, ":512\r\n");
    assert_eq!(encoding(&mut r, "h6"), "listpack");
    check(&mut r, &["HSET", "h6", "f0", "updated"], ":0\r\n");
    assert_eq!(encoding(&mut r, "h6"), "listpack");
    check(&mut r, &["HSET", "h6", "f512", "v"], ":1\r\n");
    assert_eq!(encoding(&mut r, "h6"), "hashtable");
    check(&mut r, &["HLEN", "h6"], ":513\r\n");
    check(&mut r, &["HGET", "h6", "f0"], "$7\r\nupdated\r\n");

    // The thresholds are configurable, under both names.
    check(
        &mut r,
        &["CONFIG", "SET", "hash-max-ziplist-entries", "2"],
        "+OK\r\n",
    );
    check(
        &mut r,
        &["CONFIG", "GET", "hash-max-listpack-entries"],
        "*2\r\n$25\r\nhash-max-listpack-entries\r\n$1\r\n2\r\n",
    );
    check(&mut r, &["HSET", "c", "a", "1", "b", "2"], ":2\r\n");
    assert_eq!(encoding(&mut r, "c"), "listpack");
    check(&mut r, &["HSET", "c", "c", "3"], ":1\r\n");
    assert_eq!(encoding(&mut r, "c"), "hashtable");
    check(
        &mut r,
        &["CONFIG", "SET", "hash-max-listpack-value", "1kb"],
        "+OK\r\n",
    );
    check(&mut r, &["HSET", "d", "a", &"x".repeat(1024)], ":1\r\n");
    assert_eq!(encoding(&mut r, "d"), "listpack");
    check(
        &mut r,
        &["CONFIG", "SET", "hash-max-listpack-value", "-1"],
        "-ERR CONFIG SET failed (possibly related to argument 'hash-max-listpack-value') - argument must be a memory value\r\n",
    );
    check(
        &mut r,
        &["CONFIG", "SET", "hash-max-listpack-entries", "0"],
        "+OK\r\n",
    );
    check(&mut r, &["HSET", "e", "a", "1"], ":1\r\n");
    assert_eq!(encoding(&mut r, "e"), "hashtable");
}

#[test]
fn thresholds_from_the_command_line() {
    let srv = Server::start(&[
        "--hash-max-listpack-entries",
        "1",
        "--hash-max-listpack-value",
        "4",
    ]);
    let mut r = srv.raw();
    check(&mut r, &["HSET", "a", "f", "1234"], ":1\r\n");
    assert_eq!(encoding(&mut r, "a"), "listpack");
    check(&mut r, &["HSET", "b", "f", "12345"], ":1\r\n");
    assert_eq!(encoding(&mut r, "b"), "hashtable");
    check(&mut r, &["HSET", "a", "g", "1"], ":1\r\n");
    assert_eq!(encoding(&mut r, "a"), "hashtable");
}

#[test]
fn binary_safe_fields_and_values_in_both_encodings() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    let field: &[u8] = b"f\x00\r\n\xff";
    let value: &[u8] = b"\x00v\r\n";
    for key in [&b"small"[..], b"large"] {
        r.send(&frame(&[b"HSET", key, field, value]));
        assert_eq!(r.reply(), b":1\r\n");
        if key == b"large" {
            r.send(&frame(&[b"HSET", key, b"long", &[b'x'; 100]]));
            assert_eq!(r.reply(), b":1\r\n");
        }
        r.send(&frame(&[b"HGET", key, field]));
        assert_eq!(r.reply(), b"$4\r\n\x00v\r\n\r\n");
        r.send(&frame(&[b"HSTRLEN", key, field]));
        assert_eq!(r.reply(), b":4\r\n");
        r.send(&frame(&[b"HEXISTS", key, b"f"]));
        assert_eq!(r.reply(), b":0\r\n");
    }
    // The redis crate reads the same bytes back.
    let mut con = srv.client();
    let got: HashMap<Vec<u8>, Vec<u8>> =
        redis::cmd("HGETALL").arg("small").query(&mut con).unwrap();
    assert_eq!(got, HashMap::from([(field.to_vec(), value.to_vec())]));
}

#[test]
fn random_operations_match_a_model() {
    let srv = Server::start(&["--hash-max-listpack-entries", "16"]);
    let mut r = srv.raw();
    let mut model: HashMap<String, HashMap<Vec<u8>, Vec<u8>>> = HashMap::new();
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for _ in 0..3000 {
        let x = next();
        let key = format!("k{}", x % 3);
        let field = format!("f{}", (x >> 8) % 40);
        let value = "v".repeat(((x >> 16) % 70) as usize);
        let h = model.entry(key.clone()).or_default();
        match (x >> 32) % 4 {
            0 => {
                let existed = h.remove(field.as_bytes()).is_some();
                check(
                    &mut r,
                    &["HDEL", &key, &field],
                    &format!(":{}\r\n", existed as i32),
                );
            }
            1 => {
                let n = ((x >> 40) % 100) as i64;
                let old = h
                    .get(field.as_bytes())
                    .map(|v| std::str::from_utf8(v).unwrap().parse::<i64>());
                match old {
                    None | Some(Ok(_)) => {
                        let new = old.map_or(0, Result::unwrap) + n;
                        h.insert(field.clone().into_bytes(), new.to_string().into_bytes());
                        check(
                            &mut r,
                            &["HINCRBY", &key, &field, &n.to_string()],
                            &format!(":{new}\r\n"),
                        );
                    }
                    Some(Err(_)) => check(
                        &mut r,
                        &["HINCRBY", &key, &field, &n.to_string()],
                        "-ERR hash value is not an integer\r\n",
                    ),
                }
            }
            _ => {
                let created = h
                    .insert(field.clone().into_bytes(), value.clone().into_bytes())
                    .is_none();
                check(
                    &mut r,
                    &["HSET", &key, &field, &value],
                    &format!(":{}\r\n", created as i32),
                );
            }
        }
    }
    for (key, h) in &model {
        if h.is_empty() {
            check(&mut r, &["EXISTS", key], ":0\r\n");
        } else {
            assert_eq!(&hgetall(&mut r, key), h);
            check(&mut r, &["HLEN", key], &format!(":{}\r\n", h.len()));
        }
    }
}

#[test]
fn copy_and_expire_work_on_hashes() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    for i in 0..1000 {
        r.cmd(&["HSET", "big", &format!("f{i}"), "v"]);
    }
    check(&mut r, &["HSET", "small", "a", "1"], ":1\r\n");
    check(&mut r, &["COPY", "big", "big2"], ":1\r\n");
    check(&mut r, &["COPY", "small", "small2"], ":1\r\n");
    check(&mut r, &["HDEL", "big", "f1"], ":1\r\n");
    check(&mut r, &["HSET", "small", "a", "2"], ":0\r\n");
    check(&mut r, &["HLEN", "big2"], ":1000\r\n");
    check(&mut r, &["HGET", "big2", "f1"], "$1\r\nv\r\n");
    check(&mut r, &["HGET", "small2", "a"], "$1\r\n1\r\n");
    assert_eq!(encoding(&mut r, "big2"), "hashtable");
    assert_eq!(encoding(&mut r, "small2"), "listpack");
    check(&mut r, &["PEXPIRE", "small2", "50"], ":1\r\n");
    // Writing a field keeps the TTL.
    check(&mut r, &["HSET", "small2", "b", "2"], ":1\r\n");
    support::wait_until("the hash to expire", || {
        r.cmd(&["EXISTS", "small2"]) == b":0\r\n"
    });
}
