//! String commands over real sockets: every option, exact reply bytes and
//! error texts (checked against redis-server 7.0.15), RESP3 shapes, expiry.

mod support;
use support::{check, frame};
use support::{wait_until, Raw, Server};

/// Waits until `key` is gone (GET replies null).
fn wait_gone(r: &mut Raw, key: &str) {
    wait_until(&format!("{key} to expire"), || {
        r.cmd(&["GET", key]) == b"$-1\r\n"
    });
}

const SYNTAX: &str = "-ERR syntax error\r\n";
const NOT_INT: &str = "-ERR value is not an integer or out of range\r\n";
const NOT_FLOAT: &str = "-ERR value is not a valid float\r\n";
const TOO_BIG: &str = "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n";

#[test]
fn get_set_and_binary_safe_values() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    check(&mut r, &["GET", "k"], "$-1\r\n");
    check(&mut r, &["SET", "k", "v"], "+OK\r\n");
    check(&mut r, &["GET", "k"], "$1\r\nv\r\n");
    check(&mut r, &["SET", "", ""], "+OK\r\n");
    check(&mut r, &["GET", ""], "$0\r\n\r\n");

    let value: &[u8] = b"\x00\xff\r\n\x01 bin";
    r.send(&frame(&[b"SET", b"b\x00k", value]));
    assert_eq!(r.reply(), b"+OK\r\n");
    r.send(&frame(&[b"GET", b"b\x00k"]));
    assert_eq!(r.reply(), b"$9\r\n\x00\xff\r\n\x01 bin\r\n");
    r.send(&frame(&[b"STRLEN", b"b\x00k"]));
    assert_eq!(r.reply(), b":9\r\n");
    r.send(&frame(&[b"APPEND", b"b\x00k", b"\x00"]));
    assert_eq!(r.reply(), b":10\r\n");

    // The redis crate sees the same bytes.
    let mut con = srv.client();
    let got: Vec<u8> = redis::cmd("GET")
        .arg(&b"b\x00k"[..])
        .query(&mut con)
        .unwrap();
    assert_eq!(got, b"\x00\xff\r\n\x01 bin\x00");

    check(
        &mut r,
        &["SET", "k"],
        "-ERR wrong number of arguments for 'set' command\r\n",
    );
}

#[test]
fn set_conditions_get_and_syntax_errors() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    check(&mut r, &["SET", "k", "v", "XX"], "$-1\r\n");
    check(&mut r, &["GET", "k"], "$-1\r\n");
    check(&mut r, &["SET", "k", "v", "nx"], "+OK\r\n");
    check(&mut r, &["SET", "k", "w", "NX"], "$-1\r\n");
    check(&mut r, &["SET", "k", "w", "XX"], "+OK\r\n");
    check(&mut r, &["SET", "k", "x", "GET"], "$1\r\nw\r\n");
    check(&mut r, &["SET", "new", "x", "GET"], "$-1\r\n");
    check(&mut r, &["GET", "new"], "$1\r\nx\r\n");
    // GET with NX replies the old value and sets nothing when the key exists.
    check(&mut r, &["SET", "k", "y", "NX", "GET"], "$1\r\nx\r\n");
    check(&mut r, &["GET", "k"], "$1\r\nx\r\n");
    check(&mut r, &["SET", "k2", "y", "XX", "GET"], "$-1\r\n");
    check(&mut r, &["GET", "k2"], "$-1\r\n");
    // Repeating an option is accepted; conflicting ones are not.
    check(&mut r, &["SET", "k", "v", "NX", "NX"], "$-1\r\n");
    check(&mut r, &["SET", "k", "v", "GET", "GET"], "$1\r\nx\r\n");
    check(
        &mut r,
        &["SET", "k", "v", "EX", "10", "EX", "20"],
        "+OK\r\n",
    );
    for bad in [
        &["SET", "k", "v", "NX", "XX"][..],
        &["SET", "k", "v", "XX", "NX"],
        &["SET", "k", "v", "KEEPTTL", "EX", "10"],
        &["SET", "k", "v", "PX", "10", "KEEPTTL"],
        &["SET", "k", "v", "EX", "10", "PX", "10"],
        &["SET", "k", "v", "EXAT", "10", "PXAT", "10"],
        &["SET", "k", "v", "EX"],
        &["SET", "k", "v", "PERSIST"],
        &["SET", "k", "v", "foo"],
    ] {
        check(&mut r, bad, SYNTAX);
    }
    check(&mut r, &["GET", "k"], "$1\r\nv\r\n");
}

#[test]
fn set_expire_arguments_are_validated() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    let invalid = "-ERR invalid expire time in 'set' command\r\n";
    check(&mut r, &["SET", "k", "v", "EX", "0"], invalid);
    check(&mut r, &["SET", "k", "v", "PX", "-1"], invalid);
    check(&mut r, &["SET", "k", "v", "EXAT", "0"], invalid);
    // Overflow of seconds → ms, and of now + ms.
    check(
        &mut r,
        &["SET", "k", "v", "EX", "9223372036854775"],
        invalid,
    );
    check(
        &mut r,
        &["SET", "k", "v", "PX", "9223372036854775807"],
        invalid,
    );
    check(&mut r, &["SET", "k", "v", "EX", "ten"], NOT_INT);
    check(&mut r, &["SET", "k", "v", "PX", "1.5"], NOT_INT);
    check(&mut r, &["GET", "k"], "$-1\r\n");
    check(&mut r, &["SET", "k", "v", "EX", "9223372036854"], "+OK\r\n");
    check(
        &mut r,
        &["SET", "k", "v", "PXAT", "99999999999999"],
        "+OK\r\n",
    );
    check(&mut r, &["GET", "k"], "$1\r\nv\r\n");
    // An absolute time already past: OK, and the key is gone.
    check(&mut r, &["SET", "k", "v", "EXAT", "1"], "+OK\r\n");
    check(&mut r, &["GET", "k"], "$-1\r\n");
    check(&mut r, &["SET", "k", "v"], "+OK\r\n");
    check(
        &mut r,
        &["SET", "k", "w", "PXAT", "1", "GET"],
        "$1\r\nv\r\n",
    );
    check(&mut r, &["GET", "k"], "$-1\r\n");
}

#[test]
fn set_ttl_keepttl_and_clearing() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    check(&mut r, &["SET", "px", "v", "PX", "250"], "+OK\r\n");
    check(&mut r, &["GET", "px"], "$1\r\nv\r\n");
    wait_gone(&mut r, "px");

    let far = (std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis()
        + 250)
        .to_string();
    check(&mut r, &["SET", "pxat", "v", "PXAT", &far], "+OK\r\n");
    wait_gone(&mut r, "pxat");

    // KEEPTTL keeps the TTL; a plain SET (or GETSET, MSET) clears it. The
    // witness key, set last with the same TTL, shows when the others' time
    // is up.
    for key in ["keep", "plain", "getset", "mset", "append", "incr"] {
        check(&mut r, &["SET", key, "1", "PX", "250"], "+OK\r\n");
    }
    // GET proves the key was still there, so its TTL was the one kept.
    check(
        &mut r,
        &["SET", "keep", "2", "KEEPTTL", "GET"],
        "$1\r\n1\r\n",
    );
    check(&mut r, &["SET", "plain", "2"], "+OK\r\n");
    check(&mut r, &["GETSET", "getset", "2"], "$1\r\n1\r\n");
    check(&mut r, &["MSET", "mset", "2"], "+OK\r\n");
    check(&mut r, &["APPEND", "append", "2"], ":2\r\n");
    check(&mut r, &["INCR", "incr"], ":2\r\n");
    check(&mut r, &["SET", "witness", "1", "PX", "250"], "+OK\r\n");
    wait_gone(&mut r, "witness");
    check(&mut r, &["GET", "keep"], "$-1\r\n");
    check(&mut r, &["GET", "append"], "$-1\r\n");
    check(&mut r, &["GET", "incr"], "$-1\r\n");
    check(&mut r, &["GET", "plain"], "$1\r\n2\r\n");
    check(&mut r, &["GET", "getset"], "$1\r\n2\r\n");
    check(&mut r, &["GET", "mset"], "$1\r\n2\r\n");
}

#[test]
fn setnx_setex_psetex() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    check(&mut r, &["SETNX", "k", "1"], ":1\r\n");
    check(&mut r, &["SETNX", "k", "2"], ":0\r\n");
    check(&mut r, &["GET", "k"], "$1\r\n1\r\n");

    check(&mut r, &["SETEX", "k", "100", "v"], "+OK\r\n");
    check(&mut r, &["GET", "k"], "$1\r\nv\r\n");
    check(
        &mut r,
        &["SETEX", "k", "0", "v"],
        "-ERR invalid expire time in 'setex' command\r\n",
    );
    check(
        &mut r,
        &["SETEX", "k", "9223372036854776", "v"],
        "-ERR invalid expire time in 'setex' command\r\n",
    );
    check(&mut r, &["SETEX", "k", "ten", "v"], NOT_INT);
    check(
        &mut r,
        &["PSETEX", "k", "-5", "v"],
        "-ERR invalid expire time in 'psetex' command\r\n",
    );
    check(&mut r, &["PSETEX", "k", "250", "w"], "+OK\r\n");
    check(&mut r, &["GET", "k"], "$1\r\nw\r\n");
    wait_gone(&mut r, "k");
}

#[test]
fn getset_and_getdel() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    check(&mut r, &["GETSET", "k", "1"], "$-1\r\n");
    check(&mut r, &["GETSET", "k", "2"], "$1\r\n1\r\n");
    check(&mut r, &["GETDEL", "k"], "$1\r\n2\r\n");
    check(&mut r, &["GETDEL", "k"], "$-1\r\n");
    check(&mut r, &["EXISTS", "k"], ":0\r\n");
}

#[test]
fn getex_options() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    // A missing key replies null before the expire time is even looked at.
    check(&mut r, &["GETEX", "nokey", "EX", "abc"], "$-1\r\n");
    check(&mut r, &["SET", "k", "v"], "+OK\r\n");
    check(&mut r, &["GETEX", "k"], "$1\r\nv\r\n");
    check(&mut r, &["GETEX", "k", "EX", "abc"], NOT_INT);
    let invalid = "-ERR invalid expire time in 'getex' command\r\n";
    check(&mut r, &["GETEX", "k", "EX", "0"], invalid);
    check(
        &mut r,
        &["GETEX", "k", "PX", "9223372036854775807"],
        invalid,
    );
    check(&mut r, &["GETEX", "k", "EXAT", "9223372036854776"], invalid);
    for bad in [
        &["GETEX", "k", "PERSIST", "EX", "10"][..],
        &["GETEX", "k", "EX", "10", "PX", "10"],
        &["GETEX", "k", "NX"],
        &["GETEX", "k", "KEEPTTL"],
        &["GETEX", "k", "EX"],
    ] {
        check(&mut r, bad, SYNTAX);
    }
    check(&mut r, &["GETEX", "k", "PERSIST", "PERSIST"], "$1\r\nv\r\n");

    // PX sets a TTL; PERSIST removes it (the witness expires, k stays).
    check(&mut r, &["GETEX", "k", "PX", "250"], "$1\r\nv\r\n");
    wait_gone(&mut r, "k");
    check(&mut r, &["SET", "k", "v", "PX", "250"], "+OK\r\n");
    check(&mut r, &["GETEX", "k", "PERSIST"], "$1\r\nv\r\n");
    check(&mut r, &["SET", "witness", "1", "PX", "250"], "+OK\r\n");
    wait_gone(&mut r, "witness");
    check(&mut r, &["GET", "k"], "$1\r\nv\r\n");

    // An absolute time already past replies the value, then deletes the key.
    check(&mut r, &["GETEX", "k", "EXAT", "1"], "$1\r\nv\r\n");
    check(&mut r, &["EXISTS", "k"], ":0\r\n");
    check(&mut r, &["SET", "k", "v"], "+OK\r\n");
    check(&mut r, &["GETEX", "k", "PXAT", "1"], "$1\r\nv\r\n");
    check(&mut r, &["GET", "k"], "$-1\r\n");
}

#[test]
fn mget_mset_msetnx() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    check(&mut r, &["MSET", "a", "1", "b", "2", "a", "3"], "+OK\r\n");
    check(
        &mut r,
        &["MGET", "a", "b", "c"],
        "*3\r\n$1\r\n3\r\n$1\r\n2\r\n$-1\r\n",
    );
    check(
        &mut r,
        &["MSET", "a", "1", "b"],
        "-ERR wrong number of arguments for 'mset' command\r\n",
    );
    check(
        &mut r,
        &["MSETNX", "x", "1", "y"],
        "-ERR wrong number of arguments for 'msetnx' command\r\n",
    );
    check(&mut r, &["MSETNX", "x", "1", "a", "9"], ":0\r\n");
    check(&mut r, &["EXISTS", "x"], ":0\r\n");
    check(&mut r, &["MSETNX", "x", "1", "y", "2"], ":1\r\n");
    check(&mut r, &["MGET", "x", "y"], "*2\r\n$1\r\n1\r\n$1\r\n2\r\n");
    check(
        &mut r,
        &["MSET"],
        "-ERR wrong number of arguments for 'mset' command\r\n",
    );
}

#[test]
fn append_and_strlen() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    check(&mut r, &["STRLEN", "k"], ":0\r\n");
    check(&mut r, &["APPEND", "k", "Hello"], ":5\r\n");
    check(&mut r, &["APPEND", "k", " World"], ":11\r\n");
    check(&mut r, &["APPEND", "k", ""], ":11\r\n");
    check(&mut r, &["GET", "k"], "$11\r\nHello World\r\n");
    check(&mut r, &["STRLEN", "k"], ":11\r\n");
    check(&mut r, &["APPEND", "e", ""], ":0\r\n");
    check(&mut r, &["EXISTS", "e"], ":1\r\n");
}

#[test]
fn incr_decr_family() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    check(&mut r, &["INCR", "n"], ":1\r\n");
    check(&mut r, &["INCRBY", "n", "41"], ":42\r\n");
    check(&mut r, &["DECR", "n"], ":41\r\n");
    check(&mut r, &["DECRBY", "n", "50"], ":-9\r\n");
    check(&mut r, &["INCRBY", "n", "-1"], ":-10\r\n");
    check(&mut r, &["GET", "n"], "$3\r\n-10\r\n");
    check(&mut r, &["DECR", "fresh"], ":-1\r\n");
    check(&mut r, &["INCRBY", "n", "1.5"], NOT_INT);
    check(&mut r, &["DECRBY", "n", "x"], NOT_INT);
    check(
        &mut r,
        &["DECRBY", "n", "-9223372036854775808"],
        "-ERR decrement would overflow\r\n",
    );
    for bad in ["1.5", "-0", "007", " 1", "1 ", "+1", "abc", ""] {
        check(&mut r, &["SET", "s", bad], "+OK\r\n");
        check(&mut r, &["INCR", "s"], NOT_INT);
    }
    let overflow = "-ERR increment or decrement would overflow\r\n";
    check(&mut r, &["SET", "max", "9223372036854775807"], "+OK\r\n");
    check(&mut r, &["INCR", "max"], overflow);
    check(&mut r, &["DECR", "max"], ":9223372036854775806\r\n");
    check(&mut r, &["SET", "min", "-9223372036854775808"], "+OK\r\n");
    check(&mut r, &["DECR", "min"], overflow);
    check(&mut r, &["INCRBY", "min", "-1"], overflow);
    check(&mut r, &["INCRBY", "min", "9223372036854775807"], ":-1\r\n");
}

#[test]
fn incrbyfloat_matches_redis_long_double_formatting() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    check(&mut r, &["INCRBYFLOAT", "f", "10.5"], "$4\r\n10.5\r\n");
    check(&mut r, &["INCRBYFLOAT", "f", "0.1"], "$4\r\n10.6\r\n");
    check(&mut r, &["INCRBYFLOAT", "f", "-5.6"], "$1\r\n5\r\n");
    check(&mut r, &["INCR", "f"], ":6\r\n");
    check(&mut r, &["INCRBYFLOAT", "g", "0.1"], "$3\r\n0.1\r\n");
    check(&mut r, &["INCRBYFLOAT", "g", "0.2"], "$3\r\n0.3\r\n");
    // %.17Lf of an 80-bit long double: fixed notation, binary artefacts.
    for (incr, expected) in [
        ("1000.1", "1000.09999999999999998"),
        ("12345.6789", "12345.67889999999999961"),
        ("1e20", "100000000000000000000"),
        ("1e30", "1000000000000000000024696061952"),
        ("1e-20", "0"),
        ("-0.0", "0"),
        ("5.0e3", "5000"),
        ("0x10", "16"),
        ("+.5", "0.5"),
    ] {
        let key = format!("k{incr}");
        let bulk = format!("${}\r\n{expected}\r\n", expected.len());
        check(&mut r, &["INCRBYFLOAT", &key, incr], &bulk);
        check(&mut r, &["GET", &key], &bulk);
    }
    let nan_inf = "-ERR increment would produce NaN or Infinity\r\n";
    check(&mut r, &["INCRBYFLOAT", "i", "inf"], nan_inf);
    // Near the top of the long double range (far beyond f64's).
    let huge = r.cmd(&["INCRBYFLOAT", "i", "1.1e4932"]);
    assert!(huge.starts_with(b"$4933\r\n1099999999999999999974"));
    check(&mut r, &["INCRBYFLOAT", "i", "1e4932"], nan_inf);
    for bad in ["abc", " 1", "1e", "nan", "", "1e5000", "1e-5000"] {
        check(&mut r, &["INCRBYFLOAT", "j", bad], NOT_FLOAT);
    }
    check(&mut r, &["SET", "s", "abc"], "+OK\r\n");
    check(&mut r, &["INCRBYFLOAT", "s", "1"], NOT_FLOAT);
}

#[test]
fn getrange_substr_and_setrange() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    check(&mut r, &["GETRANGE", "missing", "0", "-1"], "$0\r\n\r\n");
    check(&mut r, &["SET", "s", "Hello World"], "+OK\r\n");
    for (start, end, expected) in [
        ("0", "4", "Hello"),
        ("-3", "-1", "rld"),
        ("0", "-1", "Hello World"),
        ("10", "100", "d"),
        ("100", "200", ""),
        ("-100", "2", "Hel"),
        // Both ends clamp to 0: Redis replies the first byte.
        ("-100", "-50", "H"),
        ("5", "3", ""),
        ("-1", "-5", ""),
        ("-9223372036854775808", "9223372036854775807", "Hello World"),
    ] {
        let bulk = format!("${}\r\n{expected}\r\n", expected.len());
        check(&mut r, &["GETRANGE", "s", start, end], &bulk);
        check(&mut r, &["SUBSTR", "s", start, end], &bulk);
    }
    check(&mut r, &["GETRANGE", "s", "a", "1"], NOT_INT);
    check(&mut r, &["GETRANGE", "s", "0", "b"], NOT_INT);

    check(&mut r, &["SETRANGE", "s", "6", "Redis"], ":11\r\n");
    check(&mut r, &["GET", "s"], "$11\r\nHello Redis\r\n");
    check(&mut r, &["SETRANGE", "s", "0", ""], ":11\r\n");
    check(&mut r, &["SETRANGE", "p", "3", "ab"], ":5\r\n");
    check(&mut r, &["GET", "p"], "$5\r\n\0\0\0ab\r\n");
    check(&mut r, &["SETRANGE", "none", "5", ""], ":0\r\n");
    check(&mut r, &["EXISTS", "none"], ":0\r\n");
    check(
        &mut r,
        &["SETRANGE", "s", "-1", "x"],
        "-ERR offset is out of range\r\n",
    );
    check(&mut r, &["SETRANGE", "s", "x", "x"], NOT_INT);
    check(&mut r, &["SETRANGE", "s", "536870912", "x"], TOO_BIG);
    check(
        &mut r,
        &["SETRANGE", "s", "9223372036854775807", "x"],
        TOO_BIG,
    );
    check(&mut r, &["GET", "s"], "$11\r\nHello Redis\r\n");
}

#[test]
fn lcs_in_resp2_and_resp3() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    check(
        &mut r,
        &["MSET", "key1", "ohmytext", "key2", "mynewtext"],
        "+OK\r\n",
    );
    check(&mut r, &["LCS", "key1", "key2"], "$6\r\nmytext\r\n");
    check(&mut r, &["LCS", "key1", "key2", "LEN"], ":6\r\n");
    check(
        &mut r,
        &["LCS", "key1", "key2", "IDX"],
        "*4\r\n$7\r\nmatches\r\n*2\r\n\
         *2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n\
         *2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n\
         $3\r\nlen\r\n:6\r\n",
    );
    check(
        &mut r,
        &[
            "LCS",
            "key1",
            "key2",
            "IDX",
            "MINMATCHLEN",
            "4",
            "WITHMATCHLEN",
        ],
        "*4\r\n$7\r\nmatches\r\n*1\r\n\
         *3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n\
         $3\r\nlen\r\n:6\r\n",
    );
    check(
        &mut r,
        &["LCS", "nokey1", "nokey2", "IDX"],
        "*4\r\n$7\r\nmatches\r\n*0\r\n$3\r\nlen\r\n:0\r\n",
    );
    check(&mut r, &["LCS", "nokey1", "key1"], "$0\r\n\r\n");
    check(
        &mut r,
        &["LCS", "key1", "key2", "IDX", "LEN"],
        "-ERR If you want both the length and indexes, please just use IDX.\r\n",
    );
    check(&mut r, &["LCS", "key1", "key2", "MINMATCHLEN"], SYNTAX);
    check(
        &mut r,
        &["LCS", "key1", "key2", "MINMATCHLEN", "x"],
        NOT_INT,
    );
    check(&mut r, &["LCS", "key1", "key2", "foo"], SYNTAX);

    r.cmd(&["HELLO", "3"]);
    check(
        &mut r,
        &["LCS", "key1", "key2", "IDX", "WITHMATCHLEN"],
        "%2\r\n$7\r\nmatches\r\n*2\r\n\
         *3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n\
         *3\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n:2\r\n\
         $3\r\nlen\r\n:6\r\n",
    );
    check(&mut r, &["LCS", "key1", "key2"], "$6\r\nmytext\r\n");
    check(&mut r, &["GET", "nokey"], "_\r\n");
    check(
        &mut r,
        &["MGET", "key1", "nokey"],
        "*2\r\n$8\r\nohmytext\r\n_\r\n",
    );
    check(&mut r, &["GETEX", "nokey"], "_\r\n");
}

#[test]
fn arity_and_command_table() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    for (cmd, args) in [
        ("get", 0),
        ("setnx", 1),
        ("setex", 2),
        ("psetex", 2),
        ("getset", 1),
        ("getdel", 0),
        ("getex", 0),
        ("mget", 0),
        ("mset", 1),
        ("msetnx", 1),
        ("append", 1),
        ("strlen", 0),
        ("incr", 0),
        ("decr", 0),
        ("incrby", 1),
        ("decrby", 1),
        ("incrbyfloat", 1),
        ("getrange", 2),
        ("substr", 2),
        ("setrange", 2),
        ("lcs", 1),
    ] {
        let mut argv = vec![cmd];
        argv.extend(std::iter::repeat_n("k", args));
        check(
            &mut r,
            &argv,
            &format!("-ERR wrong number of arguments for '{cmd}' command\r\n"),
        );
    }
}
