//! HRANDFIELD, SRANDMEMBER and ZRANDMEMBER with huge negative counts:
//! Redis's range errors where Redis replies them; where Redis would build
//! a reply of 2^63 elements until memory runs out, a range error too.

#[path = "support/reference.rs"]
mod reference;
mod support;
use std::time::{Duration, Instant};
use support::{Raw, Server};

const SETUP: [&[&str]; 4] = [
    &["HSET", "h", "f", "v"],
    &["SADD", "s", "m"],
    &["ZADD", "z", "1", "m"],
    &["SET", "str", "x"],
];

/// Counts Redis 7.0.15 refuses (it never builds these replies).
fn refused_by_redis(port: u16) -> Vec<String> {
    let mut r = Raw::connect(port);
    for c in SETUP {
        r.cmd(c);
    }
    let min = "-9223372036854775808";
    let half = "-4611686018427387904";
    let mut out = Vec::new();
    for key in ["h", "s", "z", "missing", "str"] {
        for args in [
            vec!["HRANDFIELD", key, min],
            vec!["HRANDFIELD", key, min, "WITHVALUES"],
            vec!["HRANDFIELD", key, half, "WITHVALUES"],
            vec!["SRANDMEMBER", key, min],
            vec!["ZRANDMEMBER", key, min],
            vec!["ZRANDMEMBER", key, min, "WITHSCORES"],
            vec!["ZRANDMEMBER", key, half, "WITHSCORES"],
            vec!["ZRANDMEMBER", key, "-2", "WITHSCORES"],
        ] {
            out.push(String::from_utf8_lossy(&r.cmd(&args)).into_owned());
        }
    }
    out
}

#[test]
fn counts_redis_refuses_get_its_errors() {
    let srv = Server::start(&[]);
    let ours = refused_by_redis(srv.port);
    assert_eq!(
        ours[0],
        "-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n"
    );
    assert_eq!(ours[2], "-ERR value is out of range\r\n");
    if let Some(redis) = reference::Reference::start() {
        assert_eq!(ours, refused_by_redis(redis.port));
    }
}

#[test]
fn counts_redis_would_never_finish_are_refused_at_once() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    for c in SETUP {
        r.cmd(c);
    }
    let started = Instant::now();
    for args in [
        &["HRANDFIELD", "h", "-9223372036854775807"][..],
        &["HRANDFIELD", "h", "-4611686018427387903", "WITHVALUES"],
        &["SRANDMEMBER", "s", "-9223372036854775807"],
        &["ZRANDMEMBER", "z", "-9223372036854775807"],
        &["ZRANDMEMBER", "z", "-4611686018427387903", "WITHSCORES"],
        &["SRANDMEMBER", "s", "-134217729"],
    ] {
        assert_eq!(r.cmd(args), b"-ERR value is out of range\r\n", "{args:?}");
    }
    assert!(started.elapsed() < Duration::from_secs(5));
    // A missing key is still an empty array, a wrong type WRONGTYPE, and
    // positive counts are bounded by the collection.
    assert_eq!(
        r.cmd(&["SRANDMEMBER", "nokey", "-9223372036854775807"]),
        b"*0\r\n"
    );
    assert!(r
        .cmd(&["HRANDFIELD", "str", "-9223372036854775807"])
        .starts_with(b"-WRONGTYPE"));
    assert_eq!(
        r.cmd(&["SRANDMEMBER", "s", "9223372036854775807"]),
        b"*1\r\n$1\r\nm\r\n"
    );
    assert_eq!(
        r.cmd(&["SRANDMEMBER", "s", "-3"]),
        b"*3\r\n$1\r\nm\r\n$1\r\nm\r\n$1\r\nm\r\n"
    );
}
