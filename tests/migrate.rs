//! MIGRATE: the same runs on a redis-server 7.0 source and on a ferrocache
//! source, against a redis-server and a ferrocache target, give the same
//! reply bytes and leave the same data; a stalled target does not stall
//! the loop; the connection to a target is cached and reused.

#[path = "support/reference.rs"]
mod reference;
mod support;

use reference::Reference;
use std::time::{Duration, Instant};
use support::proxy::Proxy;
use support::{free_port, info_field, Raw, Server};

/// A server of either kind.
enum Node {
    Ferro(Server),
    Redis(Reference),
}

impl Node {
    fn start(redis: bool, args: &[&str]) -> Node {
        if redis {
            Node::Redis(Reference::start_args(args))
        } else {
            Node::Ferro(Server::start(args))
        }
    }

    fn port(&self) -> u16 {
        match self {
            Node::Ferro(s) => s.port,
            Node::Redis(r) => r.port,
        }
    }

    fn raw(&self) -> Raw {
        Raw::connect(self.port())
    }
}

fn text(reply: Vec<u8>) -> String {
    String::from_utf8_lossy(&reply).into_owned()
}

/// One key per type and encoding.
const FILL: &[&[&str]] = &[
    &["SET", "int", "12345"],
    &["SET", "embstr", "hello"],
    &["SET", "ttl", "v", "PX", "100000"],
    &["RPUSH", "list", "a", "1", "b"],
    &["SADD", "intset", "1", "2", "3"],
    &["SADD", "set", "a", "b", "c"],
    &["HSET", "hash", "f", "v", "g", "1"],
    &["ZADD", "zset", "1", "a", "2.5", "b"],
    &["PFADD", "hll", "a", "b", "c"],
];

/// Fills `r` with [`FILL`] and bigger values (quicklist, hashtable, skiplist, raw string).
fn fill(r: &mut Raw) {
    for cmd in FILL {
        r.cmd(cmd);
    }
    let big = "x".repeat(100);
    r.cmd(&["SET", "raw", &big]);
    for i in 0..200 {
        let m = format!("m{i}");
        r.cmd(&["RPUSH", "biglist", &big]);
        r.cmd(&["SADD", "bigset", &m]);
        r.cmd(&["HSET", "bighash", &m, &big]);
        r.cmd(&["ZADD", "bigzset", &i.to_string(), &m]);
    }
}

const ALL_KEYS: &[&str] = &[
    "int", "embstr", "ttl", "list", "intset", "set", "hash", "zset", "hll", "raw", "biglist",
    "bigset", "bighash", "bigzset",
];

/// Runs the MIGRATE script from a source of kind `redis_source` to a
/// fresh target of kind `redis_target`: every reply, then what each key
/// looks like on the source and the target.
fn script(redis_source: bool, redis_target: bool) -> Vec<String> {
    let source = Node::start(redis_source, &[]);
    let target = Node::start(redis_target, &[]);
    let (mut s, mut t) = (source.raw(), target.raw());
    fill(&mut s);
    let host = "127.0.0.1";
    let port = target.port().to_string();
    let mut out = Vec::new();
    let mut m = |s: &mut Raw, args: &[&str]| {
        let mut full = vec!["MIGRATE", host, &port];
        full.extend_from_slice(args);
        out.push(text(s.cmd(&full)));
    };
    m(&mut s, &["int", "0", "5000"]);
    m(&mut s, &["missing", "0", "5000"]);
    m(
        &mut s,
        &["", "0", "5000", "COPY", "KEYS", "embstr", "list", "nokey"],
    );
    m(&mut s, &["", "0", "5000", "KEYS", "embstr", "set"]);
    m(
        &mut s,
        &["", "0", "5000", "REPLACE", "KEYS", "embstr", "set"],
    );
    m(&mut s, &["ttl", "3", "5000"]);
    m(
        &mut s,
        &["", "5", "5000", "KEYS", "intset", "hash", "zset", "hll"],
    );
    let rest = ["raw", "biglist", "bigset", "bighash", "bigzset", "list"];
    let mut keys_form = vec!["", "0", "0", "REPLACE", "KEYS"];
    keys_form.extend_from_slice(&rest);
    m(&mut s, &keys_form);
    m(&mut s, &["x", "0", "5000", "KEYS", "a"]);
    m(&mut s, &["", "0", "5000", "AUTH"]);
    m(&mut s, &["", "0", "5000", "AUTH2", "u"]);
    m(&mut s, &["", "0", "5000", "BOGUS", "KEYS", "a"]);
    m(&mut s, &["int", "0", "notanumber"]);
    m(&mut s, &["int", "notadb", "100"]);
    m(&mut s, &["int", "0"]);
    for db in ["0", "3", "5"] {
        out.push(format!("select {db}: {}", text(s.cmd(&["SELECT", db]))));
        t.cmd(&["SELECT", db]);
        for key in ALL_KEYS {
            let on_source = text(s.cmd(&["EXISTS", key]));
            let kind = text(t.cmd(&["TYPE", key]));
            let encoding = text(t.cmd(&["OBJECT", "ENCODING", key]));
            // A hashtable's payload follows its iteration order: its size stands in.
            let value = match kind.as_str() {
                "+set\r\n" => text(t.cmd(&["SCARD", key])),
                "+hash\r\n" => text(t.cmd(&["HLEN", key])),
                _ => text(t.cmd(&["DUMP", key])),
            };
            let has_ttl = text(t.cmd(&["PTTL", key])).starts_with(":-");
            out.push(format!(
                "db {db} {key}: source {on_source:?} target {kind:?} {encoding:?} {value:?} no-ttl {has_ttl}"
            ));
        }
    }
    t.cmd(&["SELECT", "3"]);
    let pttl: i64 = text(t.cmd(&["PTTL", "ttl"]))[1..].trim().parse().unwrap();
    assert!(
        (90_000..=100_000).contains(&pttl),
        "the TTL travels: {pttl}"
    );
    out
}

#[test]
fn replies_and_data_match_redis_for_both_targets() {
    for redis_target in [true, false] {
        let expected = script(true, redis_target);
        let actual = script(false, redis_target);
        assert_eq!(actual, expected, "target is redis-server: {redis_target}");
    }
}

/// MIGRATE from both kinds of sources, with `extra` after the timeout;
/// the two replies.
fn both_sources(target_port: u16, timeout: &str, extra: &[&str]) -> (String, String) {
    let mut replies = Vec::new();
    for redis in [true, false] {
        let source = Node::start(redis, &[]);
        let mut s = source.raw();
        s.cmd(&["SET", "k", "v"]);
        let port = target_port.to_string();
        let mut args = vec!["MIGRATE", "127.0.0.1", &port, "k", "0", timeout];
        args.extend_from_slice(extra);
        replies.push(text(s.cmd(&args)));
        // Copy or not, a failed migration leaves the key.
        if !replies.last().unwrap().starts_with("+OK") {
            assert_eq!(text(s.cmd(&["EXISTS", "k"])), ":1\r\n");
        }
    }
    (replies[0].clone(), replies[1].clone())
}

#[test]
fn auth_and_auth2_errors_and_successes_as_redis() {
    for redis_target in [true, false] {
        let target = Node::start(redis_target, &[]);
        target
            .raw()
            .cmd(&["CONFIG", "SET", "requirepass", "secret"]);
        let port = target.port();
        let (want, got) = both_sources(port, "2000", &["COPY"]);
        assert_eq!(got, want);
        assert!(
            got.starts_with("-ERR Target instance replied with error: NOAUTH"),
            "{got}"
        );
        let (want, got) = both_sources(port, "2000", &["REPLACE", "AUTH", "secret"]);
        assert_eq!((want.as_str(), got.as_str()), ("+OK\r\n", "+OK\r\n"));
        let (want, got) = both_sources(port, "2000", &["AUTH", "wrong"]);
        assert_eq!(got, want);
        assert!(
            got.starts_with("-ERR Target instance replied with error: WRONGPASS"),
            "{got}"
        );
    }
    let target = Node::Redis(Reference::start_args(&[]));
    let mut t = target.raw();
    t.cmd(&["ACL", "SETUSER", "mover", "on", ">pw2", "~*", "+@all"]);
    let (want, got) = both_sources(target.port(), "2000", &["REPLACE", "AUTH2", "mover", "pw2"]);
    assert_eq!((want.as_str(), got.as_str()), ("+OK\r\n", "+OK\r\n"));
    let (want, got) = both_sources(target.port(), "2000", &["REPLACE", "AUTH2", "mover", "no"]);
    assert_eq!(got, want);
    assert!(got.contains("WRONGPASS"), "{got}");
}

#[test]
fn unreachable_targets_reply_ioerr_as_redis() {
    // Nobody listens: the connect is refused (Redis then fails its write).
    let closed = free_port();
    let (want, got) = both_sources(closed, "500", &[]);
    assert_eq!(got, want);
    assert_eq!(
        got,
        "-IOERR error or timeout writing to target instance\r\n"
    );
    // A timeout too long for the clock changes nothing.
    let (want, got) = both_sources(closed, "9223372036854775807", &[]);
    assert_eq!(got, want);
    // A host that does not resolve.
    let mut replies = Vec::new();
    for redis in [true, false] {
        let source = Node::start(redis, &[]);
        let mut s = source.raw();
        s.cmd(&["SET", "k", "v"]);
        replies.push(text(s.cmd(&[
            "MIGRATE",
            "no-such-host.invalid",
            "1",
            "k",
            "0",
            "500",
        ])));
    }
    assert_eq!(replies[1], replies[0]);
    assert_eq!(
        replies[1],
        "-IOERR error or timeout connecting to the client\r\n"
    );
}

#[test]
fn a_stalled_target_times_out_while_the_loop_serves_others() {
    let target = Node::Redis(Reference::start_args(&[]));
    let proxy = Proxy::start(target.port());
    proxy.block();
    let (want, _) = both_sources(proxy.port, "300", &[]);
    assert_eq!(
        want,
        "-IOERR error or timeout reading to target instance\r\n"
    );

    let source = Server::start(&[]);
    let mut s = Raw::connect(source.port);
    s.cmd(&["SET", "k", "v"]);
    let port = proxy.port.to_string();
    let started = Instant::now();
    s.send(&support::frame(&[
        b"MIGRATE",
        b"127.0.0.1",
        port.as_bytes(),
        b"k",
        b"0",
        b"1500",
    ]));
    // Sent right behind MIGRATE: answered once MIGRATE is.
    s.send(&support::frame(&[b"PING", b"after"]));
    let mut other = Raw::connect(source.port);
    let mut pings = 0;
    while started.elapsed() < Duration::from_millis(1200) {
        let at = Instant::now();
        assert_eq!(other.cmd(&["PING"]), b"+PONG\r\n");
        assert!(
            at.elapsed() < Duration::from_millis(100),
            "PING took {:?} during a stalled MIGRATE",
            at.elapsed()
        );
        pings += 1;
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(pings > 10);
    assert_eq!(text(s.reply()), want);
    assert!(started.elapsed() >= Duration::from_millis(1500));
    assert_eq!(s.reply(), b"$5\r\nafter\r\n");
    assert_eq!(text(s.cmd(&["EXISTS", "k"])), ":1\r\n");
    // The failed connection was closed, not cached.
    assert_eq!(
        info_field(source.port, "stats", "migrate_cached_sockets").as_deref(),
        Some("0")
    );
}

#[test]
fn the_target_connection_is_cached_and_reused() {
    for redis_target in [true, false] {
        let target = Node::start(redis_target, &[]);
        let source = Server::start(&[]);
        let mut s = Raw::connect(source.port);
        let port = target.port().to_string();
        for key in ["a", "b", "c"] {
            s.cmd(&["SET", key, "v"]);
        }
        let mut info = target.raw();
        let mut connections = || {
            let stats = text(info.cmd(&["INFO", "stats"]));
            let line = stats
                .lines()
                .find(|l| l.starts_with("total_connections_received:"))
                .map(str::to_string);
            line.expect("total_connections_received")
        };
        assert_eq!(
            text(s.cmd(&["MIGRATE", "127.0.0.1", &port, "a", "0", "1000"])),
            "+OK\r\n"
        );
        let after_first = connections();
        assert_eq!(
            text(s.cmd(&["MIGRATE", "127.0.0.1", &port, "b", "4", "1000"])),
            "+OK\r\n"
        );
        assert_eq!(
            text(s.cmd(&["MIGRATE", "127.0.0.1", &port, "c", "0", "1000"])),
            "+OK\r\n"
        );
        assert_eq!(connections(), after_first, "no new connection");
        assert_eq!(
            info_field(source.port, "stats", "migrate_cached_sockets").as_deref(),
            Some("1")
        );
        let mut t = target.raw();
        assert_eq!(text(t.cmd(&["EXISTS", "a", "c"])), ":2\r\n");
        t.cmd(&["SELECT", "4"]);
        assert_eq!(text(t.cmd(&["EXISTS", "b"])), ":1\r\n");
        // The target closing it: the next MIGRATE retries on a new one.
        t.cmd(&["CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"]);
        s.cmd(&["SET", "d", "v"]);
        assert_eq!(
            text(s.cmd(&["MIGRATE", "127.0.0.1", &port, "d", "0", "1000"])),
            "+OK\r\n"
        );
    }
}

#[test]
fn deletions_are_propagated_and_notified() {
    let target = Node::Redis(Reference::start_args(&[]));
    let source = Server::start(&[]);
    let replica = Reference::start_args(&[]);
    let mut r = Raw::connect(replica.port);
    r.cmd(&["REPLICAOF", "127.0.0.1", &source.port.to_string()]);
    let mut s = Raw::connect(source.port);
    s.cmd(&["CONFIG", "SET", "notify-keyspace-events", "Eg"]);
    s.cmd(&["SET", "moved", "v"]);
    s.cmd(&["SET", "copied", "v"]);
    support::wait_until("the replica has both keys", || {
        text(r.cmd(&["DBSIZE"])) == ":2\r\n"
    });
    let mut sub = Raw::connect(source.port);
    sub.cmd(&["SUBSCRIBE", "__keyevent@0__:del"]);
    let port = target.port().to_string();
    let copy = ["MIGRATE", "127.0.0.1", &port, "copied", "0", "1000", "COPY"];
    assert_eq!(text(s.cmd(&copy)), "+OK\r\n");
    let mv = ["MIGRATE", "127.0.0.1", &port, "moved", "0", "1000"];
    assert_eq!(text(s.cmd(&mv)), "+OK\r\n");
    assert!(text(sub.reply()).contains("moved"));
    support::wait_until("the replica deleted the moved key", || {
        text(r.cmd(&["EXISTS", "moved"])) == ":0\r\n"
    });
    assert_eq!(text(r.cmd(&["EXISTS", "copied"])), ":1\r\n");
}

#[test]
fn a_key_written_during_its_migration_stays_and_unblock_cannot_cut_in() {
    let target = Node::Redis(Reference::start_args(&[]));
    let proxy = Proxy::start(target.port());
    let source = Server::start(&[]);
    let mut s = Raw::connect(source.port);
    s.cmd(&["SET", "changed", "old"]);
    s.cmd(&["SET", "same", "v"]);
    let id = text(s.cmd(&["CLIENT", "ID"]))[1..].trim().to_string();
    proxy.block();
    let port = proxy.port.to_string();
    s.send(&support::frame(&[
        b"MIGRATE",
        b"127.0.0.1",
        port.as_bytes(),
        b"",
        b"0",
        b"5000",
        b"KEYS",
        b"changed",
        b"same",
    ]));
    let mut other = Raw::connect(source.port);
    support::wait_until("MIGRATE is in flight", || {
        proxy.connections() == 1
            && text(other.cmd(&["INFO", "stats"])).contains("migrate_cached_sockets:1")
    });
    assert_eq!(text(other.cmd(&["SET", "changed", "new"])), "+OK\r\n");
    // As for a client that is not blocked (Redis runs MIGRATE to its end).
    assert_eq!(text(other.cmd(&["CLIENT", "UNBLOCK", &id])), ":0\r\n");
    proxy.unblock();
    assert_eq!(text(s.reply()), "+OK\r\n");
    assert_eq!(text(s.cmd(&["GET", "changed"])), "$3\r\nnew\r\n");
    assert_eq!(text(s.cmd(&["EXISTS", "same"])), ":0\r\n");
    let mut t = target.raw();
    assert_eq!(
        text(t.cmd(&["MGET", "changed", "same"])),
        "*2\r\n$3\r\nold\r\n$1\r\nv\r\n"
    );
}

#[test]
fn pipelined_migrates_a_client_gone_meanwhile_and_exec() {
    let target = Node::start(false, &[]);
    let proxy = Proxy::start(target.port());
    let source = Server::start(&[]);
    let port = proxy.port.to_string();
    let migrate = |key: &str| {
        let args: Vec<&[u8]> = vec![
            b"MIGRATE",
            b"127.0.0.1",
            port.as_bytes(),
            key.as_bytes(),
            b"0",
            b"5000",
        ];
        support::frame(&args)
    };
    // Two MIGRATEs in one write: each runs once the one before is over.
    let mut s = Raw::connect(source.port);
    for key in ["a", "b", "gone"] {
        s.cmd(&["SET", key, "v"]);
    }
    let mut both = migrate("a");
    both.extend_from_slice(&migrate("b"));
    s.send(&both);
    assert_eq!(text(s.reply()), "+OK\r\n");
    assert_eq!(text(s.reply()), "+OK\r\n");
    assert_eq!(text(s.cmd(&["EXISTS", "a", "b"])), ":0\r\n");

    // The caller leaves while its target stalls: the server carries on,
    // and the key stays (nobody is told it moved).
    proxy.block();
    let mut leaver = Raw::connect(source.port);
    leaver.send(&migrate("gone"));
    support::wait_until("the migration is in flight", || {
        text(s.cmd(&["INFO", "clients"])).contains("blocked_clients:1")
    });
    drop(leaver);
    support::wait_until("the caller is gone", || {
        text(s.cmd(&["INFO", "clients"])).contains("connected_clients:1")
    });
    proxy.unblock();
    let mut t = target.raw();
    support::wait_until("the target got the key", || {
        text(t.cmd(&["EXISTS", "gone"])) == ":1\r\n"
    });
    assert_eq!(text(s.cmd(&["PING"])), "+PONG\r\n");
    assert_eq!(text(s.cmd(&["EXISTS", "gone"])), ":1\r\n");

    // Inside a transaction MIGRATE cannot wait for its target (a difference
    // from Redis, documented): its error; a missing key is still NOKEY.
    s.cmd(&["MULTI"]);
    s.cmd(&["MIGRATE", "127.0.0.1", &port, "gone", "0", "1000"]);
    s.cmd(&["MIGRATE", "127.0.0.1", &port, "nothing", "0", "1000"]);
    assert_eq!(
        text(s.cmd(&["EXEC"])),
        "*2\r\n-ERR MIGRATE is not supported inside MULTI/EXEC\r\n+NOKEY\r\n"
    );
}
