//! WATCH, EXEC refusals and CLIENT REPLY OFF/SKIP with pushes, checked
//! against the replies Redis 7.0 gives (and, when redis-server is
//! installed, against a live one running the same steps).

#[path = "support/reference.rs"]
mod reference;
mod support;
use reference::Reference;
use std::io::Read;
use support::{Raw, Server};

/// One WATCH scenario: `setup` by another client, WATCH `keys` (in db
/// `db`), `action` by the other client, then MULTI/PING/EXEC: true when
/// the EXEC ran (the watch held), false when it returned a null array.
struct Scenario {
    setup: &'static [&'static [&'static str]],
    db: &'static str,
    keys: &'static [&'static str],
    action: &'static [&'static [&'static str]],
    holds: bool,
}

const fn sc(
    setup: &'static [&'static [&'static str]],
    db: &'static str,
    keys: &'static [&'static str],
    action: &'static [&'static [&'static str]],
    holds: bool,
) -> Scenario {
    Scenario {
        setup,
        db,
        keys,
        action,
        holds,
    }
}

/// What Redis 7.0.15 does for each (observed on redis-server).
const SCENARIOS: &[Scenario] = &[
    // Flushes and SWAPDB touch only watched keys that exist.
    sc(&[], "0", &["k"], &[&["FLUSHALL"]], true),
    sc(&[&["SET", "k", "v"]], "0", &["k"], &[&["FLUSHALL"]], false),
    sc(&[&["SET", "o", "v"]], "0", &["k"], &[&["FLUSHDB"]], true),
    sc(&[&["SET", "k", "v"]], "0", &["k"], &[&["FLUSHDB"]], false),
    sc(&[], "0", &["k"], &[&["SWAPDB", "0", "1"]], true),
    sc(
        &[&["SET", "k", "v"]],
        "1",
        &["k"],
        &[&["SWAPDB", "0", "1"]],
        false,
    ),
    sc(
        &[&["SET", "k", "v"]],
        "0",
        &["k"],
        &[&["SWAPDB", "0", "1"]],
        false,
    ),
    sc(
        &[&["SET", "k", "v"]],
        "2",
        &["k"],
        &[&["SWAPDB", "0", "1"]],
        true,
    ),
    // Multi-key pops and cross-database writes touch the right key and db.
    sc(
        &[&["RPUSH", "k", "a"]],
        "0",
        &["k"],
        &[&["LMPOP", "2", "x", "k", "LEFT"]],
        false,
    ),
    sc(
        &[&["ZADD", "k", "1", "a"]],
        "0",
        &["k"],
        &[&["ZMPOP", "2", "x", "k", "MIN"]],
        false,
    ),
    sc(
        &[&["RPUSH", "k", "a"]],
        "0",
        &["k"],
        &[&["BLMPOP", "0", "2", "x", "k", "LEFT"]],
        false,
    ),
    sc(
        &[&["ZADD", "k", "1", "a"]],
        "0",
        &["k"],
        &[&["BZMPOP", "0", "2", "x", "k", "MIN"]],
        false,
    ),
    sc(
        &[&["SET", "k", "v"]],
        "1",
        &["k"],
        &[&["MOVE", "k", "1"]],
        false,
    ),
    sc(
        &[&["SET", "k", "v"]],
        "1",
        &["c"],
        &[&["COPY", "k", "c", "DB", "1"]],
        false,
    ),
    sc(
        &[&["SET", "k", "v"]],
        "0",
        &["c"],
        &[&["COPY", "k", "c", "DB", "1"]],
        true,
    ),
    sc(
        &[&["SET", "k", "v"]],
        "0",
        &["k"],
        &[&["COPY", "k", "c"]],
        true,
    ),
    // A *STORE changes its destination only, not its sources.
    sc(
        &[&["SADD", "a", "x"], &["SADD", "b", "y"]],
        "0",
        &["a"],
        &[&["SINTERSTORE", "d", "a", "b"]],
        true,
    ),
    sc(
        &[&["SADD", "a", "x"], &["SADD", "b", "y"]],
        "0",
        &["d"],
        &[&["SINTERSTORE", "d", "a", "b"]],
        true,
    ),
    sc(
        &[&["SADD", "a", "x"], &["SET", "d", "1"]],
        "0",
        &["d"],
        &[&["SINTERSTORE", "d", "a", "b"]],
        false,
    ),
    sc(
        &[&["ZADD", "a", "1", "x"]],
        "0",
        &["a"],
        &[&["ZRANGESTORE", "d", "a", "0", "-1"]],
        true,
    ),
    sc(
        &[&["SET", "a", "1"]],
        "0",
        &["a"],
        &[&["BITOP", "OR", "d", "a"]],
        true,
    ),
    // SMOVE changes the destination only when it gains the member.
    sc(
        &[&["SADD", "a", "x"], &["SADD", "b", "x"]],
        "0",
        &["b"],
        &[&["SMOVE", "a", "b", "x"]],
        true,
    ),
    sc(
        &[&["SADD", "a", "x"]],
        "0",
        &["b"],
        &[&["SMOVE", "a", "b", "x"]],
        false,
    ),
    // PFCOUNT storing the cardinality it computed changes the key.
    sc(
        &[&["PFADD", "k", "a"]],
        "0",
        &["k"],
        &[&["PFCOUNT", "k"]],
        false,
    ),
    sc(
        &[&["PFADD", "k", "a"], &["PFCOUNT", "k"]],
        "0",
        &["k"],
        &[&["PFCOUNT", "k"]],
        true,
    ),
    // A key already expired when watched counts as missing.
    sc(
        &[&["SET", "k", "v", "PXAT", "1"]],
        "0",
        &["k"],
        &[&["FLUSHALL"]],
        true,
    ),
    sc(
        &[&["SET", "k", "v", "PXAT", "1"]],
        "0",
        &["k"],
        &[&["GET", "k"]],
        true,
    ),
    sc(
        &[&["SET", "k", "v", "PXAT", "1"]],
        "0",
        &["k"],
        &[&["DEL", "k"]],
        true,
    ),
    sc(
        &[&["SET", "k", "v", "PXAT", "1"]],
        "0",
        &["k"],
        &[&["SET", "k", "2"]],
        false,
    ),
    sc(
        &[&["SET", "k", "v", "PXAT", "1"]],
        "0",
        &["k"],
        &[&["SWAPDB", "0", "1"]],
        true,
    ),
];

/// Runs every scenario on the server at `port`; the outcomes in order.
fn run_scenarios(port: u16) -> Vec<bool> {
    let mut watcher = Raw::connect(port);
    let mut other = Raw::connect(port);
    SCENARIOS
        .iter()
        .map(|s| {
            other.cmd(&["FLUSHALL"]);
            for c in s.setup {
                other.cmd(c);
            }
            watcher.cmd(&["SELECT", s.db]);
            let mut watch = vec!["WATCH"];
            watch.extend_from_slice(s.keys);
            assert_eq!(watcher.cmd(&watch), b"+OK\r\n");
            for c in s.action {
                other.cmd(c);
            }
            watcher.cmd(&["MULTI"]);
            watcher.cmd(&["PING"]);
            match watcher.cmd(&["EXEC"]).as_slice() {
                b"*1\r\n+PONG\r\n" => true,
                b"*-1\r\n" => false,
                other => panic!("EXEC replied {:?}", String::from_utf8_lossy(other)),
            }
        })
        .collect()
}

#[test]
fn watch_breaks_exactly_where_redis_does() {
    let expected: Vec<bool> = SCENARIOS.iter().map(|s| s.holds).collect();
    let srv = Server::start(&[]);
    let got = run_scenarios(srv.port);
    for (i, s) in SCENARIOS.iter().enumerate() {
        assert_eq!(
            got[i], s.holds,
            "setup {:?} watch {:?} in db {} action {:?}",
            s.setup, s.keys, s.db, s.action
        );
    }
    if let Some(redis) = Reference::start() {
        assert_eq!(
            run_scenarios(redis.port),
            expected,
            "redis-server disagrees"
        );
    }
}

/// Steps on two connections (0 runs the transaction, 1 changes the
/// configuration); each step's exact reply.
fn exec_refusals(port: u16) -> Vec<Vec<u8>> {
    let mut c = [Raw::connect(port), Raw::connect(port)];
    let steps: &[(usize, &[&str])] = &[
        (0, &["MULTI"]),
        (0, &["SET", "a", "1"]),
        (1, &["CONFIG", "SET", "maxmemory", "1"]),
        (0, &["EXEC"]),
        (0, &["GET", "a"]),
        (0, &["MULTI"]),
        (0, &["GET", "a"]),
        (0, &["EXEC"]),
        (1, &["CONFIG", "SET", "maxmemory", "0"]),
        (0, &["MULTI"]),
        (0, &["GET", "a"]),
        (1, &["CONFIG", "SET", "maxmemory", "1"]),
        (0, &["EXEC"]),
        (1, &["CONFIG", "SET", "maxmemory", "0"]),
        (0, &["MULTI"]),
        (0, &["SET", "a", "2"]),
        (0, &["EXEC", "extra"]),
        (0, &["EXEC"]),
        (0, &["MULTI"]),
        (0, &["MONITOR"]),
        (0, &["SSUBSCRIBE", "s"]),
        (0, &["EXEC"]),
        (0, &["MULTI"]),
        (0, &["SUBSCRIBE", "c"]),
        (0, &["EXEC"]),
        (0, &["EXEC"]),
    ];
    steps.iter().map(|(i, args)| c[*i].cmd(args)).collect()
}

#[test]
fn exec_is_refused_with_redis_reasons() {
    let srv = Server::start(&[]);
    let got = exec_refusals(srv.port);
    let oom = "-OOM command not allowed when used memory > 'maxmemory'.\r\n";
    let expected: Vec<String> = [
        "+OK\r\n",
        "+QUEUED\r\n",
        "+OK\r\n",
        "-EXECABORT Transaction discarded because of: OOM command not allowed when used memory > 'maxmemory'.\r\n",
        "$-1\r\n",
        "+OK\r\n",
        oom,
        "-EXECABORT Transaction discarded because of previous errors.\r\n",
        "+OK\r\n",
        "+OK\r\n",
        "+QUEUED\r\n",
        "+OK\r\n",
        "*1\r\n$-1\r\n",
        "+OK\r\n",
        "+OK\r\n",
        "+QUEUED\r\n",
        "-EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command\r\n",
        "-ERR EXEC without MULTI\r\n",
        "+OK\r\n",
        "+QUEUED\r\n",
        "+QUEUED\r\n",
        "*2\r\n-ERR MONITOR isn't allowed for DENY BLOCKING client\r\n-ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client\r\n",
        "+OK\r\n",
        "+QUEUED\r\n",
        "*1\r\n*3\r\n$9\r\nsubscribe\r\n$1\r\nc\r\n:1\r\n",
        "-EXECABORT Transaction discarded because of: Can't execute 'exec': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let text = |v: Vec<Vec<u8>>| -> Vec<String> {
        v.into_iter()
            .map(|r| String::from_utf8_lossy(&r).into_owned())
            .collect()
    };
    assert_eq!(text(got), expected);
    if let Some(redis) = Reference::start() {
        assert_eq!(text(exec_refusals(redis.port)), expected, "redis-server");
    }
}

/// CLIENT REPLY OFF/SKIP in RESP2 and RESP3: replies dropped, pushes
/// (messages and (un)subscribe confirmations) still delivered.
fn reply_off_session(port: u16, protocol: &str) -> Vec<u8> {
    let mut s = Raw::connect(port);
    let mut publisher = Raw::connect(port);
    s.cmd(&["HELLO", protocol]);
    s.send(&support::frame(&[b"CLIENT", b"REPLY", b"OFF"]));
    s.send(&support::frame(&[b"SUBSCRIBE", b"ch"]));
    s.send(&support::frame(&[b"CLIENT", b"REPLY", b"SKIP"])); // stays OFF
    let mut got = s.reply(); // the subscribe confirmation
    if protocol == "3" {
        // (RESP2 refuses PUBLISH in subscriber mode.)
        s.send(&support::frame(&[b"PUBLISH", b"ch", b"self"]));
        got.extend(s.reply()); // its own message
    }
    assert_eq!(publisher.cmd(&["PUBLISH", "ch", "m1"]), b":1\r\n");
    s.send(&support::frame(&[b"UNSUBSCRIBE", b"ch"]));
    if protocol == "3" {
        s.send(&support::frame(&[b"GET", b"x"])); // dropped
    }
    s.send(&support::frame(&[b"CLIENT", b"REPLY", b"ON"]));
    // Everything up to and including CLIENT REPLY ON's +OK.
    while !got.ends_with(b"+OK\r\n") {
        got.extend(s.reply());
    }
    got
}

#[test]
fn pushes_get_through_client_reply_off() {
    let srv = Server::start(&[]);
    let push = |h: char| {
        let own = if h == '>' {
            ">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$4\r\nself\r\n"
        } else {
            ""
        };
        format!(
            "{h}3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n{own}\
             {h}3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nm1\r\n\
             {h}3\r\n$11\r\nunsubscribe\r\n$2\r\nch\r\n:0\r\n+OK\r\n"
        )
    };
    for (protocol, h) in [("2", '*'), ("3", '>')] {
        let got = reply_off_session(srv.port, protocol);
        assert_eq!(String::from_utf8_lossy(&got), push(h), "RESP{protocol}");
    }
    if let Some(redis) = Reference::start() {
        for (protocol, h) in [("2", '*'), ("3", '>')] {
            let got = reply_off_session(redis.port, protocol);
            assert_eq!(
                String::from_utf8_lossy(&got),
                push(h),
                "redis RESP{protocol}"
            );
        }
    }
}

/// CLIENT REPLY SKIP and OFF inside MULTI act when EXEC runs them.
fn reply_mode_in_exec(port: u16) -> Vec<u8> {
    let mut s = Raw::connect(port);
    for args in [
        &["MULTI"][..],
        &["CLIENT", "REPLY", "SKIP"],
        &["PING", "a"],
        &["EXEC"],
        &["PING", "skipped"],
        &["MULTI"],
        &["PING", "b"],
        &["CLIENT", "REPLY", "OFF"],
        &["PING", "dropped"],
        &["EXEC"],
        &["PING", "off"],
        &["CLIENT", "REPLY", "ON"],
    ] {
        let args: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
        s.send(&support::frame(&args));
    }
    // Raw bytes: EXEC's array announces replies that OFF then drops.
    let mut got = Vec::new();
    let mut chunk = [0u8; 4096];
    while !got.ends_with(b"*3\r\n$1\r\nb\r\n+OK\r\n") {
        let n = s.s.read(&mut chunk).expect("read");
        assert!(n > 0, "closed after {:?}", String::from_utf8_lossy(&got));
        got.extend_from_slice(&chunk[..n]);
    }
    got
}

#[test]
fn client_reply_inside_exec_acts_as_redis() {
    let srv = Server::start(&[]);
    let expected = "+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n$1\r\na\r\n\
                    +OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n*3\r\n$1\r\nb\r\n+OK\r\n";
    assert_eq!(
        String::from_utf8_lossy(&reply_mode_in_exec(srv.port)),
        expected
    );
    if let Some(redis) = Reference::start() {
        assert_eq!(
            String::from_utf8_lossy(&reply_mode_in_exec(redis.port)),
            expected
        );
    }
}
