//! HyperLogLog commands over real sockets: replies and error texts (checked
//! against redis-server 7.0.15), the sparse → dense switch, and, when
//! redis-server is installed, byte-identical values and equal counts in both
//! directions.

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

/// The value of `key` (which must exist).
fn get_bytes(r: &mut Raw, key: &str) -> Vec<u8> {
    let reply = r.cmd(&["GET", key]);
    let header_end = reply.windows(2).position(|w| w == b"\r\n").unwrap();
    assert_eq!(
        reply[0],
        b'$',
        "GET {key}: {:?}",
        String::from_utf8_lossy(&reply)
    );
    reply[header_end + 2..reply.len() - 2].to_vec()
}

/// A sparse empty HyperLogLog as Redis writes it, with the cache byte `card7`.
fn empty_hll(card7: u8) -> Vec<u8> {
    let mut v = b"HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x7f\xff".to_vec();
    v[15] = card7;
    v
}

const NOT_HLL: &str = "-WRONGTYPE Key is not a valid HyperLogLog string value.\r\n";
const CORRUPT: &str = "-INVALIDOBJ Corrupted HLL object detected\r\n";

#[test]
fn pfadd_pfcount_and_the_cached_cardinality() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    check(&mut r, &["PFCOUNT", "h"], ":0\r\n");
    check(&mut r, &["PFADD", "h"], ":1\r\n");
    assert_eq!(
        get_bytes(&mut r, "h"),
        empty_hll(0x80),
        "created, cache stale"
    );
    check(&mut r, &["PFADD", "h"], ":0\r\n");
    check(&mut r, &["PFCOUNT", "h"], ":0\r\n");
    assert_eq!(
        get_bytes(&mut r, "h"),
        empty_hll(0),
        "PFCOUNT stored the cache"
    );
    check(&mut r, &["PFADD", "h", "a", "b", "c"], ":1\r\n");
    // The exact bytes redis-server 7.0.15 holds after the same commands.
    let mut expected = b"HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80".to_vec();
    expected.extend_from_slice(b"\x60\xf3\x80\x50\xb1\x84\x4b\xfb\x80\x42\x5a");
    assert_eq!(get_bytes(&mut r, "h"), expected);
    check(&mut r, &["PFADD", "h", "a", "b"], ":0\r\n");
    check(&mut r, &["PFCOUNT", "h"], ":3\r\n");
    expected[8] = 3;
    expected[15] = 0;
    assert_eq!(get_bytes(&mut r, "h"), expected);
    // A valid cache is trusted as it is (Redis does not recount).
    let mut cached = empty_hll(0);
    cached[8] = 42;
    set_bytes(&mut r, "c", &cached);
    check(&mut r, &["PFCOUNT", "c"], ":42\r\n");
    // Binary elements, and many of them.
    r.send(&frame(&[b"PFADD", b"bin", b"\x00", b"\xff\r\n", b""]));
    assert_eq!(r.reply(), b":1\r\n");
    check(&mut r, &["PFCOUNT", "bin"], ":3\r\n");
    check(
        &mut r,
        &["PFADD"],
        "-ERR wrong number of arguments for 'pfadd' command\r\n",
    );
    check(
        &mut r,
        &["PFCOUNT"],
        "-ERR wrong number of arguments for 'pfcount' command\r\n",
    );
}

#[test]
fn pfcount_of_several_keys_is_the_union_and_writes_nothing() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    let mut a = vec!["PFADD".to_string(), "a".into()];
    a.extend((0..1000).map(|i| format!("x{i}")));
    let mut b = vec!["PFADD".to_string(), "b".into()];
    b.extend((500..1500).map(|i| format!("x{i}")));
    r.cmd(&a.iter().map(String::as_str).collect::<Vec<_>>());
    r.cmd(&b.iter().map(String::as_str).collect::<Vec<_>>());
    let before_a = get_bytes(&mut r, "a");
    let union = String::from_utf8(r.cmd(&["PFCOUNT", "a", "b", "nokey"])).unwrap();
    let n: i64 = union.trim_start_matches(':').trim().parse().unwrap();
    assert!((1470..=1530).contains(&n), "union of 1500: {n}");
    assert_eq!(get_bytes(&mut r, "a"), before_a, "no cache written");
    check(&mut r, &["PFCOUNT", "nokey", "nokey2"], ":0\r\n");
    check(&mut r, &["EXISTS", "nokey"], ":0\r\n");
}

#[test]
fn pfmerge_unions_into_the_destination_and_keeps_its_ttl() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    check(&mut r, &["PFADD", "a", "1", "2", "3"], ":1\r\n");
    check(&mut r, &["PFADD", "b", "3", "4", "5"], ":1\r\n");
    check(&mut r, &["PFMERGE", "d", "a", "b", "nokey"], "+OK\r\n");
    check(&mut r, &["PFCOUNT", "d"], ":5\r\n");
    // The destination is one of the sources.
    check(&mut r, &["PFADD", "e", "6"], ":1\r\n");
    check(&mut r, &["EXPIRE", "e", "1000"], ":1\r\n");
    check(&mut r, &["PFMERGE", "e", "d"], "+OK\r\n");
    check(&mut r, &["PFCOUNT", "e"], ":6\r\n");
    check(&mut r, &["TTL", "e"], ":1000\r\n");
    // No source at all: an empty HyperLogLog.
    check(&mut r, &["PFMERGE", "empty"], "+OK\r\n");
    assert_eq!(get_bytes(&mut r, "empty"), empty_hll(0x80));
    check(
        &mut r,
        &["PFMERGE"],
        "-ERR wrong number of arguments for 'pfmerge' command\r\n",
    );
}

#[test]
fn sparse_turns_dense_at_hll_sparse_max_bytes() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    check(
        &mut r,
        &["CONFIG", "GET", "hll-sparse-max-bytes"],
        "*2\r\n$20\r\nhll-sparse-max-bytes\r\n$4\r\n3000\r\n",
    );
    check(&mut r, &["PFADD", "h", "a"], ":1\r\n");
    check(&mut r, &["PFDEBUG", "ENCODING", "h"], "+sparse\r\n");
    let mut i = 0;
    while get_bytes(&mut r, "h").len() < 2900 {
        let mut cmd = vec!["PFADD".to_string(), "h".into()];
        cmd.extend((i..i + 50).map(|j| format!("e{j}")));
        r.cmd(&cmd.iter().map(String::as_str).collect::<Vec<_>>());
        i += 50;
    }
    let mut cmd = vec!["PFADD".to_string(), "h".into()];
    cmd.extend((i..i + 1000).map(|j| format!("e{j}")));
    r.cmd(&cmd.iter().map(String::as_str).collect::<Vec<_>>());
    check(&mut r, &["PFDEBUG", "ENCODING", "h"], "+dense\r\n");
    assert_eq!(get_bytes(&mut r, "h").len(), 16 + 12288);
    // A small limit turns the next value dense at once; 0 after one element.
    check(
        &mut r,
        &["CONFIG", "SET", "hll-sparse-max-bytes", "0"],
        "+OK\r\n",
    );
    check(&mut r, &["PFADD", "small", "x"], ":1\r\n");
    check(&mut r, &["PFDEBUG", "ENCODING", "small"], "+dense\r\n");
    check(&mut r, &["PFCOUNT", "small"], ":1\r\n");
    // PFDEBUG TODENSE converts once; GETREG shows the registers.
    check(
        &mut r,
        &["CONFIG", "SET", "hll-sparse-max-bytes", "3kb"],
        "+OK\r\n",
    );
    check(
        &mut r,
        &["CONFIG", "GET", "hll-sparse-max-bytes"],
        "*2\r\n$20\r\nhll-sparse-max-bytes\r\n$4\r\n3072\r\n",
    );
    check(&mut r, &["PFADD", "t", "a", "b", "c"], ":1\r\n");
    check(
        &mut r,
        &["PFDEBUG", "DECODE", "t"],
        "$44\r\nZ:8436 v:1,1 Z:4274 v:2,1 Z:3068 v:1,1 Z:603\r\n",
    );
    check(&mut r, &["PFDEBUG", "TODENSE", "t"], ":1\r\n");
    check(&mut r, &["PFDEBUG", "TODENSE", "t"], ":0\r\n");
    check(&mut r, &["PFDEBUG", "ENCODING", "t"], "+dense\r\n");
    check(
        &mut r,
        &["PFDEBUG", "DECODE", "t"],
        "-ERR HLL encoding is not sparse\r\n",
    );
    let regs = r.cmd(&["PFDEBUG", "GETREG", "t"]);
    assert!(regs.starts_with(b"*16384\r\n:0\r\n"));
    assert_eq!(regs.windows(4).filter(|w| w == b":1\r\n").count(), 2);
    assert_eq!(regs.windows(4).filter(|w| w == b":2\r\n").count(), 1);
    check(&mut r, &["PFCOUNT", "t"], ":3\r\n");
    check(
        &mut r,
        &["PFDEBUG", "FOO", "t"],
        "-ERR Unknown PFDEBUG subcommand 'FOO'\r\n",
    );
    check(
        &mut r,
        &["PFDEBUG", "ENCODING", "nokey"],
        "-ERR The specified key does not exist\r\n",
    );
}

#[test]
fn strings_that_are_not_hyperloglogs_and_corrupt_ones() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    check(&mut r, &["SET", "s", "foobar"], "+OK\r\n");
    check(&mut r, &["SET", "n", "12345"], "+OK\r\n");
    let mut wrong_encoding = empty_hll(0);
    wrong_encoding[4] = 2;
    set_bytes(&mut r, "enc", &wrong_encoding);
    let mut short_dense = empty_hll(0);
    short_dense[4] = 0;
    set_bytes(&mut r, "short", &short_dense);
    for key in ["s", "n", "enc", "short"] {
        check(&mut r, &["PFADD", key, "a"], NOT_HLL);
        check(&mut r, &["PFCOUNT", key], NOT_HLL);
        check(&mut r, &["PFCOUNT", "nokey", key], NOT_HLL);
        check(&mut r, &["PFMERGE", "dest", key], NOT_HLL);
        check(&mut r, &["PFDEBUG", "GETREG", key], NOT_HLL);
    }
    check(&mut r, &["EXISTS", "dest"], ":0\r\n");
    check(&mut r, &["GET", "s"], "$6\r\nfoobar\r\n");
    // Sparse opcodes covering 16383 registers instead of 16384.
    let mut short_run = empty_hll(0x80);
    short_run[17] = 0xfe;
    set_bytes(&mut r, "bad", &short_run);
    check(&mut r, &["PFCOUNT", "bad"], CORRUPT);
    check(&mut r, &["PFCOUNT", "bad", "nokey"], CORRUPT);
    check(&mut r, &["PFMERGE", "dest", "bad"], CORRUPT);
    check(&mut r, &["EXISTS", "dest"], ":0\r\n");
    check(&mut r, &["PFDEBUG", "TODENSE", "bad"], CORRUPT);
    // No opcode at all: PFADD cannot find the register.
    set_bytes(&mut r, "hollow", &empty_hll(0x80)[..16]);
    check(&mut r, &["PFADD", "hollow", "a"], CORRUPT);
    check(&mut r, &["PFCOUNT", "hollow"], CORRUPT);
    // A stale cache over valid registers is recomputed.
    set_bytes(&mut r, "stale", &empty_hll(0x80));
    check(&mut r, &["PFCOUNT", "stale"], ":0\r\n");
}

/// PFADD `elements` to `key`, in batches of 500 per command.
fn pfadd_all(con: &mut redis::Connection, key: &str, elements: &[Vec<u8>]) {
    for batch in elements.chunks(500) {
        let mut cmd = redis::cmd("PFADD");
        cmd.arg(key);
        for e in batch {
            cmd.arg(e.as_slice());
        }
        let _: i64 = cmd.query(con).unwrap();
    }
}

fn get(con: &mut redis::Connection, key: &str) -> Vec<u8> {
    redis::cmd("GET").arg(key).query(con).unwrap()
}

fn set(con: &mut redis::Connection, key: &str, value: &[u8]) {
    let _: () = redis::cmd("SET").arg(key).arg(value).query(con).unwrap();
}

fn pfcount(con: &mut redis::Connection, keys: &[&str]) -> i64 {
    redis::cmd("PFCOUNT").arg(keys).query(con).unwrap()
}

#[test]
fn values_are_byte_identical_with_redis_server_both_ways() {
    let Some(reference) = Reference::start() else {
        return;
    };
    let srv = Server::start(&[]);
    let mut ours = srv.client();
    let mut theirs = reference.client();
    // Sizes that stay sparse, cross hll-sparse-max-bytes, and go far dense.
    for (n, name) in [
        (1usize, "one"),
        (50, "small"),
        (1200, "mid"),
        (3000, "over"),
        (60_000, "big"),
    ] {
        let elements: Vec<Vec<u8>> = (0..n).map(|i| format!("{name}:{i}").into_bytes()).collect();
        pfadd_all(&mut ours, name, &elements);
        pfadd_all(&mut theirs, name, &elements);
        let value = get(&mut theirs, name);
        assert_eq!(get(&mut ours, name), value, "PFADD of {n}: same bytes");
        // Their value counted here, ours counted there, and the cache bytes.
        set(&mut ours, "from_redis", &value);
        set(&mut theirs, "from_ferrocache", &get(&mut ours, name));
        let card = pfcount(&mut theirs, &[name]);
        assert_eq!(pfcount(&mut ours, &["from_redis"]), card, "{name}");
        assert_eq!(pfcount(&mut theirs, &["from_ferrocache"]), card, "{name}");
        assert_eq!(pfcount(&mut ours, &[name]), card, "{name}");
        assert_eq!(
            get(&mut ours, name),
            get(&mut theirs, name),
            "cached {name}"
        );
        if n >= 1000 {
            let err = (card - n as i64).abs() as f64 / n as f64;
            assert!(err < 0.03, "{name}: {card} for {n}");
        }
    }
    // PFMERGE (sparse and dense destinations) and PFCOUNT of several keys.
    let merges: [&[&str]; 4] = [
        &["m1", "one", "small"],
        &["m2", "small", "mid", "nokey"],
        &["m3", "mid", "big"],
        &["small", "mid"],
    ];
    for args in merges {
        let _: () = redis::cmd("PFMERGE").arg(args).query(&mut ours).unwrap();
        let _: () = redis::cmd("PFMERGE").arg(args).query(&mut theirs).unwrap();
        assert_eq!(
            get(&mut ours, args[0]),
            get(&mut theirs, args[0]),
            "{args:?}"
        );
        assert_eq!(
            pfcount(&mut ours, &args[1..]),
            pfcount(&mut theirs, &args[1..]),
            "{args:?}"
        );
    }
}

#[test]
fn random_pfadd_and_pfmerge_match_redis_server() {
    let Some(reference) = Reference::start() else {
        return;
    };
    let srv = Server::start(&[]);
    let mut ours = srv.client();
    let mut theirs = reference.client();
    let mut rng = Rng(0x4859_4c4c_2024_0001);
    let keys = ["h0", "h1", "h2", "h3"];
    for i in 0..400 {
        let key = keys[rng.below(4) as usize];
        let args: Vec<Vec<u8>> = match rng.below(6) {
            0 => {
                let mut a = vec![b"PFMERGE".to_vec(), key.into()];
                for _ in 0..rng.below(3) {
                    a.push(keys[rng.below(4) as usize].into());
                }
                a
            }
            1 => {
                let mut a = vec![b"PFCOUNT".to_vec(), key.into()];
                for _ in 0..rng.below(3) {
                    a.push(keys[rng.below(4) as usize].into());
                }
                a
            }
            _ => {
                let mut a = vec![b"PFADD".to_vec(), key.into()];
                // Mostly small batches, sometimes big ones (dense values).
                let n = if rng.below(20) == 0 {
                    3000
                } else {
                    rng.below(40)
                };
                let space = 1 + rng.below(50_000);
                for _ in 0..n {
                    a.push(rng.below(space).to_string().into_bytes());
                }
                a
            }
        };
        let args: Vec<&[u8]> = args.iter().map(Vec::as_slice).collect();
        let expected = reference::run(&mut theirs, &args);
        assert_eq!(reference::run(&mut ours, &args), expected, "command #{i}");
        for k in keys {
            let get: [&[u8]; 2] = [b"GET", k.as_bytes()];
            assert_eq!(
                reference::run(&mut ours, &get),
                reference::run(&mut theirs, &get),
                "{k} after command #{i}: {:?}",
                String::from_utf8_lossy(args[0])
            );
        }
    }
}
