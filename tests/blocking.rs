//! Blocking pops: clients wait without polling, are served in FIFO order when
//! a push (or a MULTI/EXEC, or a rename) makes data available, time out on
//! time, may block on several keys, and are cleaned up when they disconnect.

mod support;
use std::time::{Duration, Instant};
use support::{wait_until, Raw, Server};

fn blocked_clients(r: &mut Raw) -> usize {
    let info = String::from_utf8(r.cmd(&["INFO", "clients"])).unwrap();
    info.lines()
        .find_map(|l| l.strip_prefix("blocked_clients:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

#[test]
fn waiters_are_served_in_fifo_order() {
    let srv = Server::start(&[]);
    let mut ctl = srv.raw();
    let mut waiters: Vec<Raw> = (0..3).map(|_| srv.raw()).collect();
    for (i, w) in waiters.iter_mut().enumerate() {
        w.send(b"BLPOP q 0\r\n");
        wait_until("the waiter to block", || blocked_clients(&mut ctl) == i + 1);
    }
    ctl.cmd(&["RPUSH", "q", "a", "b", "c"]);
    assert_eq!(waiters[0].reply(), b"*2\r\n$1\r\nq\r\n$1\r\na\r\n");
    assert_eq!(waiters[1].reply(), b"*2\r\n$1\r\nq\r\n$1\r\nb\r\n");
    assert_eq!(waiters[2].reply(), b"*2\r\n$1\r\nq\r\n$1\r\nc\r\n");
    assert_eq!(blocked_clients(&mut ctl), 0);
    assert_eq!(ctl.cmd(&["EXISTS", "q"]), b":0\r\n");
}

#[test]
fn timeouts_are_on_time_and_fractional() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    let started = Instant::now();
    assert_eq!(r.cmd(&["BLPOP", "nothing", "0.3"]), b"*-1\r\n");
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(290), "{waited:?}");
    assert!(waited < Duration::from_millis(1500), "{waited:?}");
    r.cmd(&["HELLO", "3"]);
    assert_eq!(r.cmd(&["BLPOP", "nothing", "0.05"]), b"_\r\n");
    assert_eq!(
        r.cmd(&["BLMOVE", "nothing", "dst", "LEFT", "RIGHT", "0.05"]),
        b"_\r\n"
    );
    r.cmd(&["HELLO", "2"]);
    // A null array, as Redis 7.0 times out every blocked list command.
    assert_eq!(
        r.cmd(&["BLMOVE", "nothing", "dst", "LEFT", "RIGHT", "0.05"]),
        b"*-1\r\n"
    );
    assert_eq!(
        r.cmd(&["BLPOP", "k", "-1"]),
        &b"-ERR timeout is negative\r\n"[..]
    );
    assert_eq!(
        r.cmd(&["BLPOP", "k", "abc"]),
        &b"-ERR timeout is not a float or out of range\r\n"[..]
    );
}

#[test]
fn several_keys_multi_exec_and_rename_wake_waiters() {
    let srv = Server::start(&[]);
    let mut ctl = srv.raw();
    let mut w = srv.raw();
    w.send(b"BRPOP a b c 0\r\n");
    wait_until("the waiter to block", || blocked_clients(&mut ctl) == 1);
    ctl.cmd(&["MULTI"]);
    ctl.cmd(&["LPUSH", "c", "1"]);
    ctl.cmd(&["LPUSH", "c", "2"]);
    ctl.cmd(&["EXEC"]);
    assert_eq!(w.reply(), b"*2\r\n$1\r\nc\r\n$1\r\n1\r\n");

    w.send(b"BLPOP target 0\r\n");
    wait_until("the waiter to block", || blocked_clients(&mut ctl) == 1);
    ctl.cmd(&["RPUSH", "source", "x"]);
    ctl.cmd(&["RENAME", "source", "target"]);
    assert_eq!(w.reply(), b"*2\r\n$6\r\ntarget\r\n$1\r\nx\r\n");
}

#[test]
fn blocking_inside_multi_does_not_block() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    r.cmd(&["MULTI"]);
    r.cmd(&["BLPOP", "empty", "0"]);
    assert_eq!(r.cmd(&["EXEC"]), b"*1\r\n*-1\r\n");
}

#[test]
fn disconnected_waiters_are_forgotten_and_pipelines_resume() {
    let srv = Server::start(&[]);
    let mut ctl = srv.raw();
    {
        let mut gone = srv.raw();
        gone.send(b"BLPOP q 0\r\n");
        wait_until("the waiter to block", || blocked_clients(&mut ctl) == 1);
    }
    wait_until("the closed waiter to be removed", || {
        blocked_clients(&mut ctl) == 0
    });
    let mut w = srv.raw();
    // Commands pipelined behind a blocking one run once it is served.
    w.send(b"BLPOP q 0\r\nECHO after\r\n");
    wait_until("the waiter to block", || blocked_clients(&mut ctl) == 1);
    ctl.cmd(&["LPUSH", "q", "v"]);
    assert_eq!(w.reply(), b"*2\r\n$1\r\nq\r\n$1\r\nv\r\n");
    assert_eq!(w.reply(), b"$5\r\nafter\r\n");
    // The push was consumed by the waiter: nothing is left.
    assert_eq!(ctl.cmd(&["LLEN", "q"]), b":0\r\n");
}

#[test]
fn blmove_and_sorted_set_pops_block_too() {
    let srv = Server::start(&[]);
    let mut ctl = srv.raw();
    let mut w = srv.raw();
    w.send(b"BLMOVE src dst RIGHT LEFT 0\r\n");
    wait_until("the waiter to block", || blocked_clients(&mut ctl) == 1);
    ctl.cmd(&["RPUSH", "src", "1", "2"]);
    assert_eq!(w.reply(), b"$1\r\n2\r\n");
    assert_eq!(ctl.cmd(&["LRANGE", "dst", "0", "-1"]), b"*1\r\n$1\r\n2\r\n");

    w.send(b"BZPOPMIN z 0\r\n");
    wait_until("the waiter to block", || blocked_clients(&mut ctl) == 1);
    ctl.cmd(&["ZADD", "z", "2", "b", "1", "a"]);
    assert_eq!(w.reply(), b"*3\r\n$1\r\nz\r\n$1\r\na\r\n$1\r\n1\r\n");
}

#[path = "support/reference.rs"]
mod reference;

/// Runs `scenario` against ferrocache and, when installed, redis-server
/// 7.0; both must see the same bytes. Returns ferrocache's.
fn same_as_redis(args: &[&str], scenario: impl Fn(u16) -> Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    let srv = Server::start(args);
    let ours = scenario(srv.port);
    if let Some(redis) = reference::Reference::start() {
        let mut r = Raw::connect(redis.port);
        for pair in args.chunks(2) {
            let name = pair[0].trim_start_matches("--");
            r.cmd(&["CONFIG", "SET", name, pair[1]]);
        }
        let theirs = scenario(redis.port);
        let show = |v: &Vec<Vec<u8>>| {
            v.iter()
                .map(|r| String::from_utf8_lossy(r).into_owned())
                .collect::<Vec<_>>()
        };
        assert_eq!(show(&ours), show(&theirs), "ferrocache vs redis-server");
    }
    ours
}

/// Polls INFO until `n` clients are blocked on the server at `port`.
fn wait_blocked(port: u16, n: usize) {
    let mut ctl = Raw::connect(port);
    wait_until("clients to block", || blocked_clients(&mut ctl) == n);
}

#[test]
fn a_transaction_that_leaves_no_data_wakes_nobody() {
    let replies = same_as_redis(&[], |port| {
        let mut ctl = Raw::connect(port);
        let commands: [&[u8]; 5] = [
            b"BLPOP k 0\r\n",
            b"BLMPOP 0 1 k LEFT\r\n",
            b"BLMOVE k dst LEFT RIGHT 0\r\n",
            b"BZPOPMIN k 0\r\n",
            b"BZMPOP 0 1 k MIN\r\n",
        ];
        let mut waiters: Vec<Raw> = Vec::new();
        for (i, c) in commands.iter().enumerate() {
            let mut w = Raw::connect(port);
            w.send(c);
            wait_blocked(port, i + 1);
            waiters.push(w);
        }
        let mut out = Vec::new();
        for tx in [
            ["LPUSH k x", "DEL k", "SET k foo"],
            ["ZADD k 1 a", "DEL k", "SET k foo"],
            ["DEL k", "LPUSH k x", "DEL k"],
        ] {
            out.push(ctl.cmd(&["MULTI"]));
            for c in tx {
                out.push(ctl.cmd(&c.split(' ').collect::<Vec<_>>()));
            }
            out.push(ctl.cmd(&["EXEC"]));
        }
        // A sentinel in each connection: had a reply come first, it would
        // be read instead of PONG.
        for w in &mut waiters {
            w.s.set_read_timeout(Some(Duration::from_millis(200)))
                .unwrap();
            let mut byte = [0u8; 1];
            let got = std::io::Read::read(&mut w.s, &mut byte);
            assert!(got.is_err(), "a waiter got a reply: {byte:?}");
            w.s.set_read_timeout(Some(support::DEADLINE)).unwrap();
        }
        out.push(format!("blocked={}", blocked_clients(&mut ctl)).into_bytes());
        // Data of the right type serves them in order, each its own type.
        out.push(ctl.cmd(&["DEL", "k"]));
        out.push(ctl.cmd(&["RPUSH", "k", "1", "2", "3"]));
        for w in &mut waiters[..3] {
            out.push(w.reply());
        }
        out.push(ctl.cmd(&["ZADD", "k", "1", "a", "2", "b"]));
        for w in &mut waiters[3..] {
            out.push(w.reply());
        }
        out
    });
    assert_eq!(replies[15], b"blocked=5");
    assert_eq!(replies[17], b":3\r\n");
    assert_eq!(replies[18], b"*2\r\n$1\r\nk\r\n$1\r\n1\r\n");
    assert_eq!(replies[20], b"$1\r\n3\r\n");
    assert_eq!(replies[22], b"*3\r\n$1\r\nk\r\n$1\r\na\r\n$1\r\n1\r\n");
}

/// `field=value` of `section`'s line starting with `prefix` in INFO.
fn info_stat(r: &mut Raw, section: &str, prefix: &str, field: &str) -> String {
    let info = String::from_utf8(r.cmd(&["INFO", section])).unwrap();
    let line = info.lines().find(|l| l.starts_with(prefix)).unwrap_or("");
    line.split([',', ':'])
        .find_map(|kv| kv.strip_prefix(&format!("{field}=")))
        .unwrap_or("")
        .to_string()
}

#[test]
fn a_served_command_counts_once_and_skips_the_oom_check() {
    let out = same_as_redis(&[], |port| {
        let mut ctl = Raw::connect(port);
        let mut monitor = Raw::connect(port);
        let mut w = Raw::connect(port);
        let mut out = Vec::new();
        ctl.cmd(&["CONFIG", "SET", "slowlog-log-slower-than", "0"]);
        ctl.cmd(&["CONFIG", "RESETSTAT"]);
        ctl.cmd(&["SLOWLOG", "RESET"]);
        monitor.cmd(&["MONITOR"]);
        w.send(b"BLPOP k 0\r\n");
        wait_blocked(port, 1);
        out.push(ctl.cmd(&["RPUSH", "k", "a"]));
        out.push(w.reply());
        out.push(info_stat(&mut ctl, "commandstats", "cmdstat_blpop", "calls").into_bytes());
        let slowlog = ctl.cmd(&["SLOWLOG", "GET", "100"]);
        let logged = slowlog.windows(5).filter(|w| w == b"BLPOP").count();
        out.push(format!("slowlog blpop entries={logged}").into_bytes());
        ctl.cmd(&["PING", "end"]);
        let mut seen = Vec::new();
        loop {
            let line = monitor.reply();
            if line.ends_with(b"\"end\"\r\n") {
                break;
            }
            seen.push(line);
        }
        let blpops = seen
            .iter()
            .filter(|l| l.windows(7).any(|w| w == b"\"BLPOP\""))
            .count();
        out.push(format!("monitor BLPOP lines={blpops}").into_bytes());

        // Out of memory by the time the data comes: a served BLMOVE is
        // not refused (Redis checks OOM when a command arrives only).
        ctl.cmd(&["RPUSH", "tmp", "x"]);
        w.send(b"BLMOVE src dst LEFT LEFT 0\r\n");
        wait_blocked(port, 1);
        out.push(ctl.cmd(&["CONFIG", "SET", "maxmemory", "1"]));
        out.push(ctl.cmd(&["RENAME", "tmp", "src"]));
        out.push(w.reply());
        out.push(ctl.cmd(&["RPUSH", "other", "x"]));
        out.push(ctl.cmd(&["CONFIG", "SET", "maxmemory", "0"]));
        out
    });
    assert_eq!(out[2], b"1");
    assert_eq!(out[3], b"slowlog blpop entries=1");
    assert_eq!(out[4], b"monitor BLPOP lines=1");
    assert_eq!(out[7], b"$1\r\nx\r\n");
}

#[test]
fn timeouts_round_up_to_milliseconds_as_redis_does() {
    let out = same_as_redis(&[], |port| {
        let mut r = Raw::connect(port);
        let mut out = Vec::new();
        for t in ["0.0001", "0.001", "1e-10", "1e-4000", "0x0.01"] {
            let started = Instant::now();
            out.push(r.cmd(&["BLPOP", "nothing", t]));
            assert!(started.elapsed() < Duration::from_secs(2), "{t} waited");
        }
        for t in [
            "-0.002",
            "-1",
            "1e30",
            "9223372036854776",
            "inf",
            "-inf",
            "nan",
            " 1",
            "1x",
            "",
        ] {
            out.push(r.cmd(&["BZPOPMIN", "nothing", t]));
        }
        // These wait forever: a tiny negative rounds up to 0, and a
        // deadline past the clock's range never comes.
        for t in ["-0.0001", "9223372036854775"] {
            let mut w = Raw::connect(port);
            w.send(&support::frame(&[b"BLPOP", b"nothing", t.as_bytes()]));
            wait_blocked(port, 1);
            drop(w);
            wait_blocked(port, 0);
        }
        out
    });
    assert_eq!(out[0], b"*-1\r\n");
    assert_eq!(out[5], b"-ERR timeout is negative\r\n");
}

#[test]
fn blocking_commands_inside_multi_reply_their_timeout_value() {
    same_as_redis(&[], |port| {
        let mut r = Raw::connect(port);
        let mut out = Vec::new();
        for proto in ["2", "3"] {
            r.cmd(&["HELLO", proto]);
            r.cmd(&["MULTI"]);
            for c in [
                "BLPOP l 0",
                "BRPOP l 0",
                "BLMOVE l d LEFT LEFT 0",
                "BRPOPLPUSH l d 0",
                "BLMPOP 0 1 l LEFT",
                "BZPOPMIN z 0",
                "BZPOPMAX z 0",
                "BZMPOP 0 1 z MAX",
            ] {
                r.cmd(&c.split(' ').collect::<Vec<_>>());
            }
            out.push(r.cmd(&["EXEC"]));
        }
        out
    });
}

#[test]
fn client_unblock_releases_with_the_timeout_reply_or_an_error() {
    let out = same_as_redis(&[], |port| {
        let mut ctl = Raw::connect(port);
        let mut w = Raw::connect(port);
        let id = String::from_utf8(w.cmd(&["CLIENT", "ID"])).unwrap();
        let id = id.trim_start_matches(':').trim_end().to_string();
        let mut out = Vec::new();
        ctl.cmd(&["CONFIG", "RESETSTAT"]);
        for (block, reason) in [
            ("BLPOP k 0\r\nECHO after\r\n", None),
            ("BLMOVE k d LEFT LEFT 0\r\n", Some("TIMEOUT")),
            ("BZPOPMAX k 0\r\n", Some("error")),
            ("HELLO 3\r\nBLMPOP 0 1 k LEFT\r\n", Some("TIMEOUT")),
            ("BZMPOP 0 1 k MIN\r\n", Some("ERROR")),
        ] {
            w.send(block.as_bytes());
            if block.starts_with("HELLO") {
                out.push(format!("hello {}", w.reply().len()).into_bytes());
            }
            wait_blocked(port, 1);
            let mut args = vec!["CLIENT", "UNBLOCK", &id];
            args.extend(reason);
            out.push(ctl.cmd(&args));
            out.push(w.reply());
            if block.contains("ECHO") {
                out.push(w.reply());
            }
        }
        out.push(ctl.cmd(&["CLIENT", "UNBLOCK", &id]));
        out.push(ctl.cmd(&["CLIENT", "UNBLOCK", "999999", "ERROR"]));
        out.push(ctl.cmd(&["CLIENT", "UNBLOCK", &id, "maybe"]));
        out.push(ctl.cmd(&["CLIENT", "UNBLOCK", "x", "maybe"]));
        out.push(ctl.cmd(&["CLIENT", "UNBLOCK", "x"]));
        out.push(ctl.cmd(&["CLIENT", "UNBLOCK", &id, "ERROR", "x"]));
        out.push(ctl.cmd(&["CLIENT", "UNBLOCK"]));
        let errors = String::from_utf8(ctl.cmd(&["INFO", "errorstats"])).unwrap();
        let unblocked = errors
            .lines()
            .find(|l| l.starts_with("errorstat_UNBLOCKED"));
        out.push(unblocked.unwrap_or("none").as_bytes().to_vec());
        out
    });
    assert_eq!(out[0], b":1\r\n");
    assert_eq!(out[1], b"*-1\r\n");
    assert_eq!(out[2], b"$5\r\nafter\r\n");
    assert_eq!(
        out[6],
        b"-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n"
    );
}

#[test]
fn client_pause_holds_writes_or_everything_until_it_ends() {
    let out = same_as_redis(&[], |port| {
        let mut ctl = Raw::connect(port);
        let mut writer = Raw::connect(port);
        let mut reader = Raw::connect(port);
        let mut out = Vec::new();
        out.push(ctl.cmd(&["SET", "k", "old"]));
        out.push(ctl.cmd(&["CLIENT", "PAUSE", "100000", "WRITE"]));
        writer.send(b"SET k new\r\nGET k\r\n");
        wait_blocked(port, 1);
        // Reads of other clients go on and see the old value.
        out.push(reader.cmd(&["GET", "k"]));
        let list = String::from_utf8(ctl.cmd(&["CLIENT", "LIST"])).unwrap();
        out.push(format!("held flags: {}", list.matches("flags=b ").count()).into_bytes());
        out.push(ctl.cmd(&["CLIENT", "UNPAUSE"]));
        out.push(writer.reply());
        out.push(writer.reply());
        // ALL holds reads too, until the deadline.
        out.push(ctl.cmd(&["CLIENT", "PAUSE", "300", "ALL"]));
        let started = Instant::now();
        out.push(reader.cmd(&["GET", "k"]));
        assert!(started.elapsed() >= Duration::from_millis(250));
        for bad in [
            &["CLIENT", "PAUSE", "x"][..],
            &["CLIENT", "PAUSE", "-1"],
            &["CLIENT", "PAUSE", "10", "foo"],
            &["CLIENT", "PAUSE", "10", "write", "x"],
            &["CLIENT", "UNPAUSE", "x"],
        ] {
            out.push(ctl.cmd(bad));
        }
        out
    });
    assert_eq!(out[2], b"$3\r\nold\r\n");
    assert_eq!(out[3], b"held flags: 1");
    assert_eq!(out[6], b"$3\r\nnew\r\n");
}

#[test]
fn a_pause_deletes_no_expired_key() {
    let out = same_as_redis(&[], |port| {
        let mut r = Raw::connect(port);
        let mut out = Vec::new();
        out.push(r.cmd(&["SET", "k", "v", "PX", "100"]));
        out.push(r.cmd(&["SET", "k2", "v", "PX", "100"]));
        out.push(r.cmd(&["CLIENT", "PAUSE", "100000", "WRITE"]));
        // Past the TTL and several active expiry cycles.
        std::thread::sleep(Duration::from_millis(400));
        out.push(r.cmd(&["GET", "k"]));
        out.push(r.cmd(&["EXISTS", "k2"]));
        out.push(r.cmd(&["DBSIZE"]));
        out.push(r.cmd(&["CLIENT", "UNPAUSE"]));
        out.push(r.cmd(&["GET", "k"]));
        out
    });
    assert_eq!(out[5], b":2\r\n");
}

#[test]
fn move_copy_and_swapdb_wake_waiters_in_the_target_database() {
    same_as_redis(&[], |port| {
        let mut ctl = Raw::connect(port);
        let mut w = Raw::connect(port);
        let mut out = Vec::new();
        w.cmd(&["SELECT", "1"]);
        for setup in [
            ["RPUSH src a", "MOVE src 1"],
            ["RPUSH src b", "COPY src src DB 1"],
            ["SELECT 2", "RPUSH src c"],
        ] {
            w.send(b"BLPOP src 0\r\n");
            wait_blocked(port, 1);
            for c in setup {
                out.push(ctl.cmd(&c.split(' ').collect::<Vec<_>>()));
            }
            if setup[1] == "RPUSH src c" {
                out.push(ctl.cmd(&["SWAPDB", "1", "2"]));
            }
            out.push(w.reply());
            ctl.cmd(&["SELECT", "0"]);
        }
        out
    });
}

#[test]
fn a_waiter_is_served_from_the_key_that_got_ready() {
    // Redis serves a waiter from the key that was signalled, whatever its
    // other keys hold (here an earlier key of another type), and in the
    // order the keys got ready (here the second key first).
    let out = same_as_redis(&[], |port| {
        let mut ctl = Raw::connect(port);
        let mut w = Raw::connect(port);
        let mut out = Vec::new();
        for (block, wrong, push) in [
            ("BLPOP z l 0", "ZADD z 1 m", "RPUSH l a b"),
            (
                "BLMPOP 0 2 z l RIGHT COUNT 2",
                "ZADD z 1 m",
                "RPUSH l a b c",
            ),
            ("BZPOPMIN l z 0", "RPUSH l x", "ZADD z 1 a"),
            ("BZMPOP 0 2 l z MAX", "RPUSH l x", "ZADD z 1 a 2 b"),
        ] {
            ctl.cmd(&["FLUSHALL"]);
            w.send(&support::frame(
                &block.split(' ').map(str::as_bytes).collect::<Vec<_>>(),
            ));
            wait_blocked(port, 1);
            out.push(ctl.cmd(&wrong.split(' ').collect::<Vec<_>>()));
            out.push(ctl.cmd(&push.split(' ').collect::<Vec<_>>()));
            out.push(w.reply());
        }
        ctl.cmd(&["FLUSHALL"]);
        w.send(b"BLPOP k1 k2 0\r\n");
        wait_blocked(port, 1);
        out.push(ctl.cmd(&["MULTI"]));
        out.push(ctl.cmd(&["RPUSH", "k2", "two"]));
        out.push(ctl.cmd(&["RPUSH", "k1", "one"]));
        out.push(ctl.cmd(&["EXEC"]));
        out.push(w.reply());
        out
    });
    assert_eq!(out[2], b"*2\r\n$1\r\nl\r\n$1\r\na\r\n");
    assert_eq!(out[16], b"*2\r\n$2\r\nk2\r\n$3\r\ntwo\r\n");
}

#[test]
fn a_stored_result_overwriting_a_key_wakes_nobody() {
    // Redis 7.0 serves a waiter when a key is created (dbAdd), not when
    // SORT ... STORE, Z*STORE or ZRANGESTORE overwrite an existing key in
    // place; RENAME and COPY ... REPLACE delete then add, so they wake.
    let out = same_as_redis(&[], |port| {
        let mut ctl = Raw::connect(port);
        let mut out = Vec::new();
        let mut waiters = Vec::new();
        for (i, (block, store)) in [
            ("BLPOP k1 0", "SORT src STORE k1"),
            ("BZPOPMIN k2 0", "ZUNIONSTORE k2 1 zs"),
            ("BZPOPMIN k3 0", "ZRANGESTORE k3 zs 0 -1"),
        ]
        .into_iter()
        .enumerate()
        {
            let mut w = Raw::connect(port);
            w.send(&support::frame(
                &block.split(' ').map(str::as_bytes).collect::<Vec<_>>(),
            ));
            wait_blocked(port, i + 1);
            waiters.push(w);
            let key = block.split(' ').nth(1).unwrap();
            out.push(ctl.cmd(&["SET", key, "string"]));
            out.push(ctl.cmd(&["RPUSH", "src", "2", "1"]));
            out.push(ctl.cmd(&["ZADD", "zs", "1", "a"]));
            out.push(ctl.cmd(&store.split(' ').collect::<Vec<_>>()));
        }
        out.push(format!("blocked={}", blocked_clients(&mut ctl)).into_bytes());
        out.push(ctl.cmd(&["RENAME", "src", "k1"]));
        out.push(waiters[0].reply());
        out.push(ctl.cmd(&["COPY", "zs", "k2", "REPLACE"]));
        out.push(waiters[1].reply());
        out.push(format!("blocked={}", blocked_clients(&mut ctl)).into_bytes());
        out
    });
    assert_eq!(out[12], b"blocked=3");
    assert_eq!(out[17], b"blocked=1");
}
