//! Bitmap commands over real sockets: every option, exact reply bytes and
//! error texts (checked against redis-server 7.0.15), and a randomized
//! comparison with redis-server when it is installed.

#[path = "support/reference.rs"]
mod reference;
mod support;
use support::{check, frame};

use reference::{Reference, Rng};
use support::{Raw, Server};

/// Sets `key` to binary `value`.
fn set_bytes(r: &mut Raw, key: &str, value: &[u8]) {
    r.send(&frame(&[b"SET", key.as_bytes(), value]));
    assert_eq!(r.reply(), b"+OK\r\n");
}

/// The exact bytes of GET `key`'s reply.
fn get_reply(r: &mut Raw, key: &str) -> Vec<u8> {
    r.cmd(&["GET", key])
}

const SYNTAX: &str = "-ERR syntax error\r\n";
const NOT_INT: &str = "-ERR value is not an integer or out of range\r\n";
const BIT_OFFSET: &str = "-ERR bit offset is not an integer or out of range\r\n";
const BIT_VALUE: &str = "-ERR bit is not an integer or out of range\r\n";
const FIELD_TYPE: &str = "-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n";

#[test]
fn setbit_getbit_grow_zero_padded_and_keep_the_ttl() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    check(&mut r, &["SETBIT", "k", "7", "1"], ":0\r\n");
    check(&mut r, &["GET", "k"], "$1\r\n\x01\r\n");
    check(&mut r, &["SETBIT", "k", "7", "1"], ":1\r\n");
    check(&mut r, &["SETBIT", "k", "7", "0"], ":1\r\n");
    check(&mut r, &["SETBIT", "k", "0", "1"], ":0\r\n");
    check(&mut r, &["SETBIT", "k", "23", "1"], ":0\r\n");
    assert_eq!(get_reply(&mut r, "k"), b"$3\r\n\x80\x00\x01\r\n");
    check(&mut r, &["GETBIT", "k", "0"], ":1\r\n");
    check(&mut r, &["GETBIT", "k", "1"], ":0\r\n");
    check(&mut r, &["GETBIT", "k", "23"], ":1\r\n");
    check(&mut r, &["GETBIT", "k", "10000"], ":0\r\n");
    check(&mut r, &["GETBIT", "nokey", "0"], ":0\r\n");
    // Clearing a bit past the end still grows the string.
    check(&mut r, &["SETBIT", "z", "100", "0"], ":0\r\n");
    check(&mut r, &["STRLEN", "z"], ":13\r\n");
    // On an existing string: the bits of its bytes, growth keeps the TTL.
    check(&mut r, &["SET", "s", "a"], "+OK\r\n");
    check(&mut r, &["GETBIT", "s", "1"], ":1\r\n");
    check(&mut r, &["EXPIRE", "s", "1000"], ":1\r\n");
    check(&mut r, &["SETBIT", "s", "6", "1"], ":0\r\n");
    check(&mut r, &["SETBIT", "s", "31", "1"], ":0\r\n");
    assert_eq!(get_reply(&mut r, "s"), b"$4\r\nc\x00\x00\x01\r\n");
    check(&mut r, &["TTL", "s"], ":1000\r\n");
    // Integers are strings too.
    check(&mut r, &["SET", "n", "1"], "+OK\r\n");
    check(&mut r, &["GETBIT", "n", "7"], ":1\r\n");
    check(&mut r, &["SETBIT", "n", "6", "1"], ":0\r\n");
    check(&mut r, &["GET", "n"], "$1\r\n3\r\n");
}

#[test]
fn bit_offsets_and_values_are_checked_before_anything_is_allocated() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    for bad in [
        "-1",
        "x",
        "",
        " 1",
        "1.5",
        "4294967296",
        "99999999999999999999",
    ] {
        check(&mut r, &["SETBIT", "k", bad, "1"], BIT_OFFSET);
        check(&mut r, &["GETBIT", "k", bad], BIT_OFFSET);
    }
    for bad in ["2", "-1", "x", ""] {
        check(&mut r, &["SETBIT", "k", "1", bad], BIT_VALUE);
    }
    check(&mut r, &["EXISTS", "k"], ":0\r\n");
    // The largest offset under the default 512mb proto-max-bulk-len.
    check(&mut r, &["SETBIT", "big", "4294967295", "1"], ":0\r\n");
    check(&mut r, &["STRLEN", "big"], ":536870912\r\n");
    check(&mut r, &["GETBIT", "big", "4294967295"], ":1\r\n");
    check(&mut r, &["BITCOUNT", "big", "-1", "-1"], ":1\r\n");
    check(&mut r, &["BITPOS", "big", "1", "-1"], ":4294967295\r\n");
    check(&mut r, &["DEL", "big"], ":1\r\n");
    // The limit follows proto-max-bulk-len.
    check(
        &mut r,
        &["CONFIG", "SET", "proto-max-bulk-len", "1mb"],
        "+OK\r\n",
    );
    check(&mut r, &["SETBIT", "k", "8388608", "1"], BIT_OFFSET);
    check(&mut r, &["SETBIT", "k", "8388607", "1"], ":0\r\n");
    check(&mut r, &["STRLEN", "k"], ":1048576\r\n");
    // BITFIELD checks the offset, and may write a few bytes past it.
    check(
        &mut r,
        &["BITFIELD", "f", "SET", "i64", "8388607", "-1"],
        "*1\r\n:0\r\n",
    );
    check(&mut r, &["STRLEN", "f"], ":1048584\r\n");
    check(
        &mut r,
        &["BITFIELD", "f", "GET", "u8", "#1048576"],
        BIT_OFFSET,
    );
    check(
        &mut r,
        &["BITFIELD", "k", "GET", "i64", "#131071"],
        "*1\r\n:1\r\n",
    );
    check(
        &mut r,
        &["BITFIELD", "f", "GET", "i64", "#131072"],
        BIT_OFFSET,
    );
}

#[test]
fn bitcount_ranges_units_and_errors() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    check(&mut r, &["SET", "s", "foobar"], "+OK\r\n");
    check(&mut r, &["BITCOUNT", "s"], ":26\r\n");
    check(&mut r, &["BITCOUNT", "s", "0", "0"], ":4\r\n");
    check(&mut r, &["BITCOUNT", "s", "1", "1"], ":6\r\n");
    check(&mut r, &["BITCOUNT", "s", "1", "1", "BYTE"], ":6\r\n");
    check(&mut r, &["BITCOUNT", "s", "5", "30", "BIT"], ":17\r\n");
    check(&mut r, &["BITCOUNT", "s", "0", "-1", "bit"], ":26\r\n");
    check(&mut r, &["BITCOUNT", "s", "-2", "-1", "BIT"], ":1\r\n");
    check(&mut r, &["BITCOUNT", "s", "3", "3", "BIT"], ":0\r\n");
    check(&mut r, &["BITCOUNT", "s", "-100", "100"], ":26\r\n");
    check(&mut r, &["BITCOUNT", "s", "-1", "-5"], ":0\r\n");
    check(&mut r, &["BITCOUNT", "s", "5", "1"], ":0\r\n");
    check(&mut r, &["BITCOUNT", "s", "6", "100"], ":0\r\n");
    check(&mut r, &["SET", "e", ""], "+OK\r\n");
    check(&mut r, &["BITCOUNT", "e"], ":0\r\n");
    check(&mut r, &["BITCOUNT", "e", "0", "-1"], ":0\r\n");
    // Errors, in Redis 7.0's order: the key first (missing counts 0).
    check(&mut r, &["BITCOUNT", "nokey", "1"], ":0\r\n");
    check(&mut r, &["BITCOUNT", "nokey", "a", "b", "c"], ":0\r\n");
    check(&mut r, &["BITCOUNT", "s", "1"], SYNTAX);
    check(&mut r, &["BITCOUNT", "s", "0", "1", "2", "3"], SYNTAX);
    check(&mut r, &["BITCOUNT", "s", "a", "1"], NOT_INT);
    check(&mut r, &["BITCOUNT", "s", "0", "x", "foo"], NOT_INT);
    check(&mut r, &["BITCOUNT", "s", "0", "0", "bits"], SYNTAX);
    check(
        &mut r,
        &["BITCOUNT"],
        "-ERR wrong number of arguments for 'bitcount' command\r\n",
    );
}

#[test]
fn bitpos_ranges_units_and_the_clear_bit_past_the_end() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    set_bytes(&mut r, "k", b"\xff\xf0\x00");
    check(&mut r, &["BITPOS", "k", "0"], ":12\r\n");
    check(&mut r, &["BITPOS", "k", "1"], ":0\r\n");
    check(&mut r, &["BITPOS", "k", "1", "2"], ":-1\r\n");
    check(&mut r, &["BITPOS", "k", "0", "2"], ":16\r\n");
    check(&mut r, &["BITPOS", "k", "1", "1", "-1"], ":8\r\n");
    check(&mut r, &["BITPOS", "k", "0", "0", "0"], ":-1\r\n");
    check(&mut r, &["BITPOS", "k", "1", "7", "15", "BIT"], ":7\r\n");
    check(&mut r, &["BITPOS", "k", "0", "7", "15", "BIT"], ":12\r\n");
    check(&mut r, &["BITPOS", "k", "0", "2", "11", "bit"], ":-1\r\n");
    check(&mut r, &["BITPOS", "k", "1", "12", "-1", "BIT"], ":-1\r\n");
    check(&mut r, &["BITPOS", "k", "1", "-12", "-1", "BYTE"], ":0\r\n");
    // All ones: with no end, the first clear bit is the one past the end...
    set_bytes(&mut r, "ones", b"\xff\xff");
    check(&mut r, &["BITPOS", "ones", "0"], ":16\r\n");
    check(&mut r, &["BITPOS", "ones", "0", "1"], ":16\r\n");
    check(&mut r, &["BITPOS", "ones", "0", "-1"], ":16\r\n");
    // ...but with an end, the range holds no clear bit.
    check(&mut r, &["BITPOS", "ones", "0", "0", "-1"], ":-1\r\n");
    check(
        &mut r,
        &["BITPOS", "ones", "0", "0", "15", "BIT"],
        ":-1\r\n",
    );
    check(&mut r, &["BITPOS", "ones", "0", "2"], ":-1\r\n");
    check(&mut r, &["SET", "e", ""], "+OK\r\n");
    check(&mut r, &["BITPOS", "e", "0"], ":-1\r\n");
    check(&mut r, &["BITPOS", "e", "1"], ":-1\r\n");
    // A missing key is an endless run of zeros.
    check(&mut r, &["BITPOS", "nokey", "0"], ":0\r\n");
    check(&mut r, &["BITPOS", "nokey", "1"], ":-1\r\n");
    check(&mut r, &["BITPOS", "nokey", "1", "a", "b", "c"], ":-1\r\n");
    // Errors: the bit first, then the key, then the range (start, unit, end).
    let bit_arg = "-ERR The bit argument must be 1 or 0.\r\n";
    check(&mut r, &["BITPOS", "nokey", "2"], bit_arg);
    check(&mut r, &["BITPOS", "k", "x"], NOT_INT);
    check(&mut r, &["BITPOS", "k", "-1"], bit_arg);
    check(&mut r, &["BITPOS", "k", "1", "x"], NOT_INT);
    check(&mut r, &["BITPOS", "k", "1", "0", "x"], NOT_INT);
    check(&mut r, &["BITPOS", "k", "1", "0", "x", "foo"], SYNTAX);
    check(&mut r, &["BITPOS", "k", "1", "x", "1", "foo"], NOT_INT);
    check(&mut r, &["BITPOS", "k", "1", "0", "1", "BIT", "x"], SYNTAX);
}

#[test]
fn bitop_and_or_xor_not() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    set_bytes(&mut r, "a", b"\xff\x0f\xaa");
    set_bytes(&mut r, "b", b"\x0f\xf0");
    check(&mut r, &["BITOP", "AND", "d", "a", "b"], ":3\r\n");
    assert_eq!(get_reply(&mut r, "d"), b"$3\r\n\x0f\x00\x00\r\n");
    check(&mut r, &["BITOP", "or", "d", "a", "b"], ":3\r\n");
    assert_eq!(get_reply(&mut r, "d"), b"$3\r\n\xff\xff\xaa\r\n");
    check(&mut r, &["BITOP", "Xor", "d", "a", "b", "nokey"], ":3\r\n");
    assert_eq!(get_reply(&mut r, "d"), b"$3\r\n\xf0\xff\xaa\r\n");
    check(&mut r, &["BITOP", "NOT", "d", "a"], ":3\r\n");
    assert_eq!(get_reply(&mut r, "d"), b"$3\r\n\x00\xf0\x55\r\n");
    check(&mut r, &["BITOP", "AND", "d", "a", "nokey"], ":3\r\n");
    assert_eq!(get_reply(&mut r, "d"), b"$3\r\n\x00\x00\x00\r\n");
    // The destination may be a source; its TTL goes with the old value.
    check(&mut r, &["EXPIRE", "a", "100"], ":1\r\n");
    check(&mut r, &["BITOP", "OR", "a", "a", "b"], ":3\r\n");
    check(&mut r, &["TTL", "a"], ":-1\r\n");
    // An empty result deletes the destination.
    check(&mut r, &["BITOP", "OR", "d", "nokey", "nokey2"], ":0\r\n");
    check(&mut r, &["EXISTS", "d"], ":0\r\n");
    check(&mut r, &["SET", "empty", ""], "+OK\r\n");
    check(&mut r, &["BITOP", "NOT", "d", "empty"], ":0\r\n");
    check(&mut r, &["EXISTS", "d"], ":0\r\n");
    // Long operands (past any word-sized fast path).
    let long_a: Vec<u8> = (0..100u8).collect();
    let long_b: Vec<u8> = (0..37u8).map(|i| i.wrapping_mul(7)).collect();
    r.send(&frame(&[b"SET", b"la", &long_a]));
    r.reply();
    r.send(&frame(&[b"SET", b"lb", &long_b]));
    r.reply();
    check(&mut r, &["BITOP", "XOR", "d", "la", "lb"], ":100\r\n");
    let mut want = long_a.clone();
    for (w, b) in want.iter_mut().zip(&long_b) {
        *w ^= b;
    }
    let mut expected = b"$100\r\n".to_vec();
    expected.extend_from_slice(&want);
    expected.extend_from_slice(b"\r\n");
    assert_eq!(get_reply(&mut r, "d"), expected);
    // Errors.
    check(&mut r, &["BITOP", "NAND", "d", "a"], SYNTAX);
    check(
        &mut r,
        &["BITOP", "NOT", "d", "a", "b"],
        "-ERR BITOP NOT must be called with a single source key.\r\n",
    );
    check(
        &mut r,
        &["BITOP", "AND", "d"],
        "-ERR wrong number of arguments for 'bitop' command\r\n",
    );
}

#[test]
fn bitfield_get_set_incrby_and_overflow_modes() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    check(
        &mut r,
        &["BITFIELD", "f", "SET", "u8", "0", "255", "GET", "u8", "0"],
        "*2\r\n:0\r\n:255\r\n",
    );
    // WRAP (default), SAT, FAIL; each OVERFLOW applies to what follows.
    check(
        &mut r,
        &[
            "BITFIELD", "f", "INCRBY", "u8", "0", "10", "OVERFLOW", "SAT", "INCRBY", "u8", "0",
            "1000", "OVERFLOW", "FAIL", "INCRBY", "u8", "0", "1", "GET", "u8", "0",
        ],
        "*4\r\n:9\r\n:255\r\n$-1\r\n:255\r\n",
    );
    check(
        &mut r,
        &[
            "BITFIELD", "f", "SET", "i8", "8", "-128", "INCRBY", "i8", "8", "-1", "OVERFLOW",
            "sat", "INCRBY", "i8", "8", "-1000", "overflow", "wrap", "incrby", "i8", "8", "-1",
        ],
        "*4\r\n:0\r\n:127\r\n:-128\r\n:127\r\n",
    );
    // `#n` offsets count in fields of the type's width.
    check(
        &mut r,
        &[
            "BITFIELD", "g", "SET", "u4", "#1", "15", "GET", "u8", "0", "GET", "i4", "#1",
        ],
        "*3\r\n:0\r\n:15\r\n:-1\r\n",
    );
    assert_eq!(get_reply(&mut r, "g"), b"$1\r\n\x0f\r\n");
    // The extreme widths.
    check(
        &mut r,
        &[
            "BITFIELD",
            "w",
            "SET",
            "i64",
            "0",
            "-9223372036854775808",
            "GET",
            "i64",
            "0",
            "INCRBY",
            "i64",
            "0",
            "-1",
            "SET",
            "u63",
            "64",
            "9223372036854775807",
            "GET",
            "u63",
            "64",
            "INCRBY",
            "u63",
            "64",
            "1",
            "SET",
            "i1",
            "200",
            "-1",
            "GET",
            "u1",
            "200",
        ],
        "*8\r\n:0\r\n:-9223372036854775808\r\n:9223372036854775807\r\n:0\r\n\
         :9223372036854775807\r\n:0\r\n:0\r\n:1\r\n",
    );
    // SET of values that do not fit: wrapped, saturated or refused.
    check(
        &mut r,
        &[
            "BITFIELD", "v", "SET", "u4", "0", "-1", "GET", "u4", "0", "OVERFLOW", "SAT", "SET",
            "u4", "0", "100", "SET", "i4", "0", "-100", "OVERFLOW", "FAIL", "SET", "i4", "0", "8",
            "GET", "i4", "0",
        ],
        "*6\r\n:0\r\n:15\r\n:15\r\n:-1\r\n$-1\r\n:-8\r\n",
    );
    // GET past the end reads zeros; an unaligned field spans bytes.
    set_bytes(&mut r, "s", b"\x12\x34\x56");
    check(
        &mut r,
        &[
            "BITFIELD", "s", "GET", "u12", "4", "GET", "i16", "16", "GET", "u8", "100",
        ],
        "*3\r\n:564\r\n:22016\r\n:0\r\n",
    );
    // A failed write still creates (zero-filled) the key, as in Redis.
    check(
        &mut r,
        &[
            "BITFIELD", "nf", "OVERFLOW", "FAIL", "INCRBY", "u2", "100", "4",
        ],
        "*1\r\n$-1\r\n",
    );
    check(&mut r, &["STRLEN", "nf"], ":13\r\n");
    // Only GETs: a missing key is not created, no subcommand is an empty array.
    check(
        &mut r,
        &["BITFIELD", "nokey", "GET", "u8", "0"],
        "*1\r\n:0\r\n",
    );
    check(&mut r, &["BITFIELD", "nokey"], "*0\r\n");
    check(&mut r, &["EXISTS", "nokey"], ":0\r\n");
    // Writes keep the TTL.
    check(&mut r, &["EXPIRE", "s", "500"], ":1\r\n");
    check(
        &mut r,
        &["BITFIELD", "s", "SET", "u8", "100", "1"],
        "*1\r\n:0\r\n",
    );
    check(&mut r, &["TTL", "s"], ":500\r\n");
    check(&mut r, &["STRLEN", "s"], ":14\r\n");
}

#[test]
fn bitfield_errors_and_bitfield_ro() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    for ty in ["u64", "i65", "u0", "x8", "I8", "i", "i8x"] {
        check(&mut r, &["BITFIELD", "k", "GET", ty, "0"], FIELD_TYPE);
    }
    check(&mut r, &["BITFIELD", "k", "GET", "i8"], SYNTAX);
    check(&mut r, &["BITFIELD", "k", "SET", "i8", "0"], SYNTAX);
    check(&mut r, &["BITFIELD", "k", "FOO"], SYNTAX);
    check(&mut r, &["BITFIELD", "k", "OVERFLOW"], SYNTAX);
    check(
        &mut r,
        &["BITFIELD", "k", "OVERFLOW", "FOO"],
        "-ERR Invalid OVERFLOW type specified\r\n",
    );
    check(&mut r, &["BITFIELD", "k", "SET", "i8", "0", "x"], NOT_INT);
    check(
        &mut r,
        &["BITFIELD", "k", "INCRBY", "i8", "0", "1.5"],
        NOT_INT,
    );
    for offset in ["-1", "#-1", "#x", "x", "", "#"] {
        check(&mut r, &["BITFIELD", "k", "GET", "i8", offset], BIT_OFFSET);
    }
    // A bad subcommand anywhere stops everything before any write.
    check(
        &mut r,
        &["BITFIELD", "k", "SET", "u8", "0", "1", "GET", "u64", "0"],
        FIELD_TYPE,
    );
    check(&mut r, &["EXISTS", "k"], ":0\r\n");
    // BITFIELD_RO: GET only, parsed like BITFIELD.
    set_bytes(&mut r, "k", b"\xff");
    check(
        &mut r,
        &["BITFIELD_RO", "k", "GET", "i8", "0", "GET", "u4", "4"],
        "*2\r\n:-1\r\n:15\r\n",
    );
    check(
        &mut r,
        &["BITFIELD_RO", "k", "GET", "u8", "0", "OVERFLOW", "SAT"],
        "*1\r\n:255\r\n",
    );
    check(&mut r, &["BITFIELD_RO", "k"], "*0\r\n");
    let ro = "-ERR BITFIELD_RO only supports the GET subcommand\r\n";
    check(&mut r, &["BITFIELD_RO", "k", "SET", "i8", "0", "1"], ro);
    check(&mut r, &["BITFIELD_RO", "k", "INCRBY", "i8", "0", "1"], ro);
    check(
        &mut r,
        &["BITFIELD_RO", "k", "INCRBY", "i8", "0", "x"],
        NOT_INT,
    );
    check(
        &mut r,
        &["BITFIELD_RO"],
        "-ERR wrong number of arguments for 'bitfield_ro' command\r\n",
    );
}

#[test]
fn resp3_null_for_a_refused_bitfield_write() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    r.cmd(&["HELLO", "3"]);
    check(
        &mut r,
        &[
            "BITFIELD", "k", "OVERFLOW", "FAIL", "SET", "u2", "0", "9", "GET", "u2", "0",
        ],
        "*2\r\n_\r\n:0\r\n",
    );
}

#[test]
fn command_table_entries() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    check(
        &mut r,
        &["COMMAND", "GETKEYS", "BITOP", "AND", "dest", "a", "b"],
        "*3\r\n$4\r\ndest\r\n$1\r\na\r\n$1\r\nb\r\n",
    );
    let info = String::from_utf8(r.cmd(&["COMMAND", "INFO", "setbit", "bitfield_ro"])).unwrap();
    assert!(info.contains("$6\r\nsetbit\r\n:4\r\n"), "{info}");
    assert!(info.contains("$11\r\nbitfield_ro\r\n:-2\r\n"), "{info}");
}

/// A random small bitmap: runs of zeros and ones, and random bytes.
fn random_value(rng: &mut Rng) -> Vec<u8> {
    let len = rng.below(12) as usize;
    (0..len)
        .map(|_| match rng.below(4) {
            0 => 0x00,
            1 => 0xff,
            _ => rng.next() as u8,
        })
        .collect()
}

/// One random bitmap command over keys `k0`..`k3`.
fn random_command(rng: &mut Rng) -> Vec<Vec<u8>> {
    let key = |rng: &mut Rng| format!("k{}", rng.below(4)).into_bytes();
    let num = |rng: &mut Rng, lo: i64, hi: i64| rng.range(lo, hi).to_string().into_bytes();
    let unit = |rng: &mut Rng| {
        match rng.below(3) {
            0 => "BIT",
            1 => "BYTE",
            _ => "bit",
        }
        .as_bytes()
        .to_vec()
    };
    let mut cmd: Vec<Vec<u8>> = Vec::new();
    match rng.below(9) {
        0 => {
            cmd.push(b"SET".to_vec());
            cmd.push(key(rng));
            cmd.push(random_value(rng));
        }
        1 => {
            cmd.push(b"SETBIT".to_vec());
            cmd.push(key(rng));
            cmd.push(num(rng, 0, 120));
            cmd.push(num(rng, 0, 1));
        }
        2 | 3 => {
            cmd.push(b"BITCOUNT".to_vec());
            cmd.push(key(rng));
            if rng.below(5) > 0 {
                cmd.push(num(rng, -100, 100));
                cmd.push(num(rng, -100, 100));
                if rng.below(2) == 0 {
                    cmd.push(unit(rng));
                }
            }
        }
        4 | 5 => {
            cmd.push(b"BITPOS".to_vec());
            cmd.push(key(rng));
            cmd.push(num(rng, 0, 1));
            let extra = rng.below(4);
            if extra >= 1 {
                cmd.push(num(rng, -100, 100));
            }
            if extra >= 2 {
                cmd.push(num(rng, -100, 100));
            }
            if extra >= 3 {
                cmd.push(unit(rng));
            }
        }
        6 => {
            let ops = ["AND", "OR", "XOR", "NOT"];
            let op = ops[rng.below(4) as usize];
            cmd.push(b"BITOP".to_vec());
            cmd.push(op.as_bytes().to_vec());
            cmd.push(key(rng));
            let n = if op == "NOT" { 1 } else { 1 + rng.below(3) };
            for _ in 0..n {
                cmd.push(key(rng));
            }
        }
        _ => {
            cmd.push(if rng.below(4) == 0 {
                b"BITFIELD_RO".to_vec()
            } else {
                b"BITFIELD".to_vec()
            });
            cmd.push(key(rng));
            for _ in 0..1 + rng.below(4) {
                let signed = rng.below(2) == 0;
                let bits = if signed {
                    rng.range(1, 64)
                } else {
                    rng.range(1, 63)
                };
                let ty = format!("{}{bits}", if signed { 'i' } else { 'u' }).into_bytes();
                let offset = if rng.below(3) == 0 {
                    format!("#{}", rng.below(4)).into_bytes()
                } else {
                    num(rng, 0, 90)
                };
                let value = match rng.below(3) {
                    0 => num(rng, -300, 300),
                    1 => (rng.next() as i64).to_string().into_bytes(),
                    _ => num(rng, -3, 3),
                };
                match rng.below(5) {
                    0 => {
                        cmd.push(b"OVERFLOW".to_vec());
                        cmd.push(["WRAP", "SAT", "FAIL"][rng.below(3) as usize].into());
                    }
                    1 => cmd.extend([b"GET".to_vec(), ty, offset]),
                    2 => cmd.extend([b"SET".to_vec(), ty, offset, value]),
                    _ => cmd.extend([b"INCRBY".to_vec(), ty, offset, value]),
                }
            }
        }
    }
    cmd
}

#[test]
fn random_commands_match_redis_server() {
    let Some(reference) = Reference::start() else {
        return;
    };
    let srv = Server::start(&[]);
    let mut ours = srv.client();
    let mut theirs = reference.client();
    let mut rng = Rng(0x00c0_ffee_1234_5678);
    for i in 0..4000 {
        let cmd = random_command(&mut rng);
        let args: Vec<&[u8]> = cmd.iter().map(Vec::as_slice).collect();
        let expected = reference::run(&mut theirs, &args);
        let got = reference::run(&mut ours, &args);
        let shown: Vec<_> = cmd.iter().map(|a| String::from_utf8_lossy(a)).collect();
        assert_eq!(got, expected, "command #{i}: {shown:?}");
        if i % 50 == 0 {
            for k in ["k0", "k1", "k2", "k3"] {
                let args: [&[u8]; 2] = [b"GET", k.as_bytes()];
                assert_eq!(
                    reference::run(&mut ours, &args),
                    reference::run(&mut theirs, &args),
                    "value of {k} after command #{i}"
                );
            }
        }
    }
}
