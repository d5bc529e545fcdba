//! Generic key commands: exact replies and error texts (compared with Redis
//! 7.0), expiry (lazy and active), SCAN's guarantee, OBJECT, and how keys
//! move between databases.

mod support;
use std::collections::HashSet;
use support::{wait_until, Raw, Server};

/// `:n\r\n`
fn int(n: i64) -> Vec<u8> {
    format!(":{n}\r\n").into_bytes()
}

/// `-text\r\n`
fn err(text: &str) -> Vec<u8> {
    format!("-{text}\r\n").into_bytes()
}

/// `$len\r\ntext\r\n`
fn bulk(text: &str) -> Vec<u8> {
    format!("${}\r\n{text}\r\n", text.len()).into_bytes()
}

/// Parses an integer reply.
fn as_int(reply: &[u8]) -> i64 {
    assert_eq!(reply[0], b':', "{:?}", String::from_utf8_lossy(reply));
    std::str::from_utf8(&reply[1..reply.len() - 2])
        .unwrap()
        .parse()
        .unwrap()
}

/// Sends many commands at once, then reads (and returns) all replies.
fn pipeline(r: &mut Raw, cmds: &[Vec<String>]) -> Vec<Vec<u8>> {
    let mut frame = Vec::new();
    for args in cmds {
        frame.extend_from_slice(format!("*{}\r\n", args.len()).as_bytes());
        for a in args {
            frame.extend_from_slice(format!("${}\r\n{a}\r\n", a.len()).as_bytes());
        }
    }
    r.send(&frame);
    cmds.iter().map(|_| r.reply()).collect()
}

fn set_many(r: &mut Raw, keys: impl IntoIterator<Item = String>) {
    let cmds: Vec<Vec<String>> = keys
        .into_iter()
        .map(|k| vec!["SET".into(), k, "v".into()])
        .collect();
    for reply in pipeline(r, &cmds) {
        assert_eq!(reply, b"+OK\r\n");
    }
}

/// One SCAN call: (next cursor, keys).
fn scan(r: &mut Raw, args: &[&str]) -> (String, Vec<String>) {
    let mut cmd = vec!["SCAN"];
    cmd.extend_from_slice(args);
    let reply = String::from_utf8(r.cmd(&cmd)).unwrap();
    let lines: Vec<&str> = reply.split("\r\n").collect();
    assert_eq!(lines[0], "*2", "{reply}");
    let cursor = lines[2].to_string();
    let n: usize = lines[3][1..].parse().unwrap();
    let keys = (0..n).map(|i| lines[5 + 2 * i].to_string()).collect();
    (cursor, keys)
}

#[test]
fn del_unlink_exists_touch_type() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    r.cmd(&["SET", "a", "1"]);
    r.cmd(&["SET", "b", "2"]);
    assert_eq!(r.cmd(&["EXISTS", "a", "a", "nokey", "b"]), int(3));
    assert_eq!(r.cmd(&["TOUCH", "a", "a", "nokey"]), int(2));
    assert_eq!(r.cmd(&["TYPE", "a"]), b"+string\r\n");
    assert_eq!(r.cmd(&["TYPE", "nokey"]), b"+none\r\n");
    assert_eq!(r.cmd(&["DEL", "a", "a", "nokey"]), int(1));
    assert_eq!(r.cmd(&["UNLINK", "b", "nokey"]), int(1));
    assert_eq!(r.cmd(&["DBSIZE"]), int(0));
    assert_eq!(
        r.cmd(&["UNLINK"]),
        err("ERR wrong number of arguments for 'unlink' command")
    );
    assert_eq!(
        r.cmd(&["TYPE", "a", "b"]),
        err("ERR wrong number of arguments for 'type' command")
    );
}

#[test]
fn expire_options_and_errors() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    r.cmd(&["SET", "k", "v"]);
    let nx_err = err("ERR NX and XX, GT or LT options at the same time are not compatible");
    assert_eq!(r.cmd(&["EXPIRE", "k", "10", "nx", "xx"]), nx_err);
    assert_eq!(r.cmd(&["EXPIRE", "k", "10", "NX", "GT"]), nx_err);
    assert_eq!(r.cmd(&["PEXPIRE", "k", "10", "lt", "nx"]), nx_err);
    assert_eq!(
        r.cmd(&["EXPIRE", "k", "10", "gt", "lt"]),
        err("ERR GT and LT options at the same time are not compatible")
    );
    assert_eq!(
        r.cmd(&["EXPIRE", "k", "10", "foo"]),
        err("ERR Unsupported option foo")
    );
    // Options are checked before the time.
    assert_eq!(
        r.cmd(&["EXPIRE", "k", "abc", "foo"]),
        err("ERR Unsupported option foo")
    );
    assert_eq!(
        r.cmd(&["EXPIRE", "k", "abc"]),
        err("ERR value is not an integer or out of range")
    );
    assert_eq!(
        r.cmd(&["EXPIRE", "k"]),
        err("ERR wrong number of arguments for 'expire' command")
    );
    // Overflow of the unit conversion or of the addition of now.
    for (cmd, t) in [
        ("EXPIRE", "9223372036854775807"),
        ("EXPIRE", "-9223372036854775808"),
        ("EXPIRE", "9223372036854775"),
        ("PEXPIRE", "9223372036854775807"),
        ("EXPIREAT", "9223372036854775807"),
    ] {
        let name = cmd.to_ascii_lowercase();
        assert_eq!(
            r.cmd(&[cmd, "k", t]),
            err(&format!("ERR invalid expire time in '{name}' command")),
            "{cmd} {t}"
        );
    }
    assert_eq!(r.cmd(&["TTL", "k"]), int(-1));
    assert_eq!(r.cmd(&["EXPIREAT", "k", "9223372036854775"]), int(1));
    assert_eq!(r.cmd(&["PEXPIREAT", "k", "9223372036854775807"]), int(1));
    assert_eq!(r.cmd(&["PERSIST", "k"]), int(1));
    assert_eq!(r.cmd(&["PERSIST", "k"]), int(0));

    // NX / XX.
    assert_eq!(r.cmd(&["EXPIRE", "k", "100", "XX"]), int(0));
    assert_eq!(r.cmd(&["EXPIRE", "k", "100", "NX"]), int(1));
    assert_eq!(r.cmd(&["EXPIRE", "k", "200", "NX"]), int(0));
    assert_eq!(r.cmd(&["EXPIRE", "k", "200", "XX"]), int(1));
    assert_eq!(r.cmd(&["TTL", "k"]), int(200));
    // GT / LT: no expire time is an infinite TTL.
    assert_eq!(r.cmd(&["EXPIRE", "k", "300", "LT"]), int(0));
    assert_eq!(r.cmd(&["EXPIRE", "k", "100", "LT"]), int(1));
    // 99 s, not 100: a millisecond passing between the commands must not
    // make the new time greater.
    assert_eq!(r.cmd(&["EXPIRE", "k", "99", "GT"]), int(0));
    assert_eq!(r.cmd(&["EXPIRE", "k", "150", "gt", "xx"]), int(1));
    assert_eq!(r.cmd(&["TTL", "k"]), int(150));
    assert_eq!(r.cmd(&["PERSIST", "k"]), int(1));
    assert_eq!(r.cmd(&["EXPIRE", "k", "100", "GT"]), int(0));
    assert_eq!(r.cmd(&["EXPIRE", "k", "100", "LT"]), int(1));
    assert_eq!(r.cmd(&["EXPIRE", "k", "10", "nx", "NX"]), int(0));

    // A missing key: 0.
    assert_eq!(r.cmd(&["EXPIRE", "nokey", "10"]), int(0));
    assert_eq!(r.cmd(&["PERSIST", "nokey"]), int(0));

    // A time in the past deletes the key and replies 1.
    assert_eq!(r.cmd(&["EXPIRE", "k", "-1"]), int(1));
    assert_eq!(r.cmd(&["EXISTS", "k"]), int(0));
    r.cmd(&["SET", "k", "v"]);
    assert_eq!(r.cmd(&["PEXPIREAT", "k", "1"]), int(1));
    assert_eq!(r.cmd(&["GET", "k"]), b"$-1\r\n");
    r.cmd(&["SET", "k", "v"]);
    assert_eq!(r.cmd(&["EXPIREAT", "k", "0"]), int(1));
    assert_eq!(r.cmd(&["DBSIZE"]), int(0));
}

#[test]
fn ttl_family() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    for cmd in ["TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"] {
        assert_eq!(r.cmd(&[cmd, "nokey"]), int(-2), "{cmd}");
    }
    r.cmd(&["SET", "k", "v"]);
    for cmd in ["TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"] {
        assert_eq!(r.cmd(&[cmd, "k"]), int(-1), "{cmd}");
    }
    // EXPIRETIME rounds to the nearest second, like TTL.
    assert_eq!(r.cmd(&["PEXPIREAT", "k", "4000000000600"]), int(1));
    assert_eq!(r.cmd(&["PEXPIRETIME", "k"]), int(4_000_000_000_600));
    assert_eq!(r.cmd(&["EXPIRETIME", "k"]), int(4_000_000_001));
    assert_eq!(r.cmd(&["PEXPIREAT", "k", "4000000000400"]), int(1));
    assert_eq!(r.cmd(&["EXPIRETIME", "k"]), int(4_000_000_000));
    assert_eq!(r.cmd(&["EXPIREAT", "k", "4000000000"]), int(1));
    assert_eq!(r.cmd(&["PEXPIRETIME", "k"]), int(4_000_000_000_000));

    assert_eq!(r.cmd(&["EXPIRE", "k", "100"]), int(1));
    assert_eq!(r.cmd(&["TTL", "k"]), int(100));
    let pttl = as_int(&r.cmd(&["PTTL", "k"]));
    assert!((90_000..=100_000).contains(&pttl), "{pttl}");
    assert_eq!(r.cmd(&["PEXPIRE", "k", "5000"]), int(1));
    assert_eq!(r.cmd(&["TTL", "k"]), int(5));
    // The absolute time is now + the relative one.
    let at = as_int(&r.cmd(&["PEXPIRETIME", "k"]));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    assert!((now..=now + 5000).contains(&at), "{at} vs {now}");
    assert_eq!(
        r.cmd(&["TTL", "k", "x"]),
        err("ERR wrong number of arguments for 'ttl' command")
    );
}

#[test]
fn keys_expire_lazily_and_actively() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    // Lazily: observed on access.
    r.cmd(&["SET", "lazy", "v"]);
    assert_eq!(r.cmd(&["PEXPIRE", "lazy", "50"]), int(1));
    wait_until("lazy to expire", || r.cmd(&["GET", "lazy"]) == b"$-1\r\n");
    assert_eq!(r.cmd(&["TTL", "lazy"]), int(-2));

    // Actively: DBSIZE (which reads no key) drops on its own.
    set_many(&mut r, (0..200).map(|i| format!("short:{i}")));
    r.cmd(&["SET", "forever", "v"]);
    let cmds: Vec<Vec<String>> = (0..200)
        .map(|i| vec!["PEXPIRE".into(), format!("short:{i}"), "30".into()])
        .collect();
    for reply in pipeline(&mut r, &cmds) {
        assert_eq!(reply, int(1));
    }
    assert_eq!(r.cmd(&["DBSIZE"]), int(201));
    wait_until("the active cycle to remove the keys", || {
        r.cmd(&["DBSIZE"]) == int(1)
    });
    assert_eq!(r.cmd(&["KEYS", "*"]), b"*1\r\n$7\r\nforever\r\n");
}

#[test]
fn rename_and_renamenx() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    assert_eq!(r.cmd(&["RENAME", "nokey", "x"]), err("ERR no such key"));
    assert_eq!(r.cmd(&["RENAME", "nokey", "nokey"]), err("ERR no such key"));
    assert_eq!(r.cmd(&["RENAMENX", "nokey", "x"]), err("ERR no such key"));
    r.cmd(&["SET", "a", "1"]);
    assert_eq!(r.cmd(&["RENAME", "a", "a"]), b"+OK\r\n");
    assert_eq!(r.cmd(&["RENAMENX", "a", "a"]), int(0));

    // The TTL goes with the value.
    r.cmd(&["EXPIRE", "a", "100"]);
    assert_eq!(r.cmd(&["RENAME", "a", "b"]), b"+OK\r\n");
    assert_eq!(r.cmd(&["EXISTS", "a"]), int(0));
    assert_eq!(r.cmd(&["GET", "b"]), bulk("1"));
    assert_eq!(r.cmd(&["TTL", "b"]), int(100));

    // RENAME overwrites (dropping the target's TTL), RENAMENX does not.
    r.cmd(&["SET", "c", "3"]);
    r.cmd(&["EXPIRE", "c", "50"]);
    assert_eq!(r.cmd(&["RENAMENX", "b", "c"]), int(0));
    assert_eq!(r.cmd(&["GET", "c"]), bulk("3"));
    r.cmd(&["PERSIST", "b"]);
    assert_eq!(r.cmd(&["RENAME", "b", "c"]), b"+OK\r\n");
    assert_eq!(r.cmd(&["GET", "c"]), bulk("1"));
    assert_eq!(r.cmd(&["TTL", "c"]), int(-1));
    assert_eq!(r.cmd(&["RENAMENX", "c", "d"]), int(1));
    assert_eq!(r.cmd(&["KEYS", "*"]), b"*1\r\n$1\r\nd\r\n");
    assert_eq!(
        r.cmd(&["RENAME", "d"]),
        err("ERR wrong number of arguments for 'rename' command")
    );
}

#[test]
fn copy_move_select_and_swapdb() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    let same = err("ERR source and destination objects are the same");
    assert_eq!(r.cmd(&["COPY", "a", "a"]), same);
    assert_eq!(r.cmd(&["COPY", "nokey", "b"]), int(0));
    r.cmd(&["SET", "a", "1"]);
    r.cmd(&["EXPIRE", "a", "100"]);

    // COPY's option errors, in Redis's order.
    assert_eq!(r.cmd(&["COPY", "a", "b", "db"]), err("ERR syntax error"));
    assert_eq!(r.cmd(&["COPY", "a", "b", "foo"]), err("ERR syntax error"));
    assert_eq!(
        r.cmd(&["COPY", "a", "b", "foo", "db", "x"]),
        err("ERR syntax error")
    );
    assert_eq!(
        r.cmd(&["COPY", "a", "b", "db", "x", "foo"]),
        err("ERR value is not an integer or out of range")
    );
    assert_eq!(
        r.cmd(&["COPY", "a", "b", "db", "4294967296"]),
        err("ERR value is out of range, value must between -2147483648 and 2147483647")
    );
    assert_eq!(
        r.cmd(&["COPY", "a", "b", "db", "16"]),
        err("ERR DB index is out of range")
    );

    // Same database: value and TTL copied; REPLACE needed to overwrite.
    assert_eq!(r.cmd(&["COPY", "a", "b"]), int(1));
    assert_eq!(r.cmd(&["TTL", "b"]), int(100));
    r.cmd(&["SET", "a", "2"]);
    assert_eq!(r.cmd(&["COPY", "a", "b"]), int(0));
    assert_eq!(r.cmd(&["GET", "b"]), bulk("1"));
    assert_eq!(r.cmd(&["COPY", "a", "b", "REPLACE"]), int(1));
    assert_eq!(r.cmd(&["GET", "b"]), bulk("2"));
    assert_eq!(r.cmd(&["TTL", "b"]), int(-1));

    // To another database, same name allowed.
    assert_eq!(r.cmd(&["COPY", "a", "a", "DB", "1"]), int(1));
    assert_eq!(r.cmd(&["COPY", "a", "a", "db", "1"]), int(0));
    assert_eq!(r.cmd(&["COPY", "a", "a", "db", "1", "replace"]), int(1));
    assert_eq!(r.cmd(&["SELECT", "1"]), b"+OK\r\n");
    assert_eq!(r.cmd(&["GET", "a"]), bulk("2"));
    assert_eq!(r.cmd(&["DBSIZE"]), int(1));
    assert_eq!(r.cmd(&["SELECT", "0"]), b"+OK\r\n");

    // MOVE.
    assert_eq!(r.cmd(&["MOVE", "a", "0"]), same);
    assert_eq!(r.cmd(&["MOVE", "nokey", "0"]), same);
    assert_eq!(
        r.cmd(&["MOVE", "a", "16"]),
        err("ERR DB index is out of range")
    );
    assert_eq!(
        r.cmd(&["MOVE", "a", "-1"]),
        err("ERR DB index is out of range")
    );
    assert_eq!(
        r.cmd(&["MOVE", "a", "x"]),
        err("ERR value is not an integer or out of range")
    );
    assert_eq!(r.cmd(&["MOVE", "nokey", "2"]), int(0));
    assert_eq!(r.cmd(&["MOVE", "a", "1"]), int(0)); // exists there
    r.cmd(&["EXPIRE", "b", "100"]);
    assert_eq!(r.cmd(&["MOVE", "b", "2"]), int(1));
    assert_eq!(r.cmd(&["EXISTS", "b"]), int(0));
    assert_eq!(r.cmd(&["SELECT", "2"]), b"+OK\r\n");
    assert_eq!(r.cmd(&["GET", "b"]), bulk("2"));
    assert_eq!(r.cmd(&["TTL", "b"]), int(100));

    // SWAPDB exchanges what each database index sees.
    assert_eq!(r.cmd(&["SWAPDB", "0", "2"]), b"+OK\r\n");
    assert_eq!(r.cmd(&["KEYS", "*"]), b"*1\r\n$1\r\na\r\n");
    assert_eq!(r.cmd(&["SELECT", "0"]), b"+OK\r\n");
    assert_eq!(r.cmd(&["KEYS", "*"]), b"*1\r\n$1\r\nb\r\n");
    assert_eq!(r.cmd(&["TTL", "b"]), int(100));
    assert_eq!(r.cmd(&["MOVE", "b", "2"]), int(1));
    assert_eq!(r.cmd(&["DBSIZE"]), int(0));
}

#[test]
fn randomkey_and_keys() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    assert_eq!(r.cmd(&["RANDOMKEY"]), b"$-1\r\n");
    assert_eq!(r.cmd(&["KEYS", "*"]), b"*0\r\n");
    for k in ["hello", "hallo", "hxllo", "hllo", "heeeello", "h[l"] {
        r.cmd(&["SET", k, "v"]);
    }
    let keys = |r: &mut Raw, pattern: &str| -> Vec<String> {
        let reply = String::from_utf8(r.cmd(&["KEYS", pattern])).unwrap();
        let mut v: Vec<String> = reply
            .split("\r\n")
            .skip(2)
            .step_by(2)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect();
        v.sort();
        v
    };
    assert_eq!(keys(&mut r, "h?llo"), ["hallo", "hello", "hxllo"]);
    assert_eq!(
        keys(&mut r, "h*llo"),
        ["hallo", "heeeello", "hello", "hllo", "hxllo"]
    );
    assert_eq!(keys(&mut r, "h[ae]llo"), ["hallo", "hello"]);
    assert_eq!(keys(&mut r, "h[^e]llo"), ["hallo", "hxllo"]);
    assert_eq!(keys(&mut r, "h[a-b]llo"), ["hallo"]);
    assert_eq!(keys(&mut r, "h\\[l"), ["h[l"]);
    assert_eq!(keys(&mut r, "*").len(), 6);
    let all: HashSet<String> = keys(&mut r, "*").into_iter().collect();
    let mut picked = HashSet::new();
    for _ in 0..300 {
        let reply = String::from_utf8(r.cmd(&["RANDOMKEY"])).unwrap();
        let key = reply.split("\r\n").nth(1).unwrap().to_string();
        assert!(all.contains(&key), "{key}");
        picked.insert(key);
    }
    assert_eq!(picked, all, "RANDOMKEY picks every key");
    // Expired keys are neither listed nor picked.
    for k in &all {
        r.cmd(&["PEXPIRE", k, "1"]);
    }
    r.cmd(&["SET", "live", "v"]);
    wait_until("the short keys to expire", || {
        r.cmd(&["KEYS", "h*"]) == b"*0\r\n"
    });
    assert_eq!(r.cmd(&["RANDOMKEY"]), bulk("live"));
    assert_eq!(
        r.cmd(&["KEYS"]),
        err("ERR wrong number of arguments for 'keys' command")
    );
}

#[test]
fn scan_options_and_errors() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    assert_eq!(r.cmd(&["SCAN", "0"]), b"*2\r\n$1\r\n0\r\n*0\r\n");
    for cursor in ["abc", "-", " 0", "18446744073709551616"] {
        assert_eq!(
            r.cmd(&["SCAN", cursor]),
            err("ERR invalid cursor"),
            "{cursor}"
        );
    }
    let syntax = err("ERR syntax error");
    assert_eq!(r.cmd(&["SCAN", "0", "COUNT", "0"]), syntax);
    assert_eq!(r.cmd(&["SCAN", "0", "count", "-1"]), syntax);
    assert_eq!(r.cmd(&["SCAN", "0", "MATCH"]), syntax);
    assert_eq!(r.cmd(&["SCAN", "0", "TYPE"]), syntax);
    assert_eq!(r.cmd(&["SCAN", "0", "foo", "bar"]), syntax);
    assert_eq!(
        r.cmd(&["SCAN", "0", "COUNT", "x"]),
        err("ERR value is not an integer or out of range")
    );
    assert_eq!(
        r.cmd(&["SCAN"]),
        err("ERR wrong number of arguments for 'scan' command")
    );

    set_many(&mut r, (0..300).map(|i| format!("key:{i}")));
    // A cursor past the end, or a huge one, finishes.
    assert_eq!(r.cmd(&["SCAN", "-1"]), b"*2\r\n$1\r\n0\r\n*0\r\n");
    assert_eq!(r.cmd(&["SCAN", "99999"]), b"*2\r\n$1\r\n0\r\n*0\r\n");

    let full_scan = |r: &mut Raw, extra: &[&str]| -> Vec<String> {
        let mut cursor = "0".to_string();
        let mut all = Vec::new();
        loop {
            let mut args = vec![cursor.as_str()];
            args.extend_from_slice(extra);
            let (next, keys) = scan(r, &args);
            all.extend(keys);
            if next == "0" {
                return all;
            }
            cursor = next;
        }
    };
    let mut everything = full_scan(&mut r, &["COUNT", "7"]);
    everything.sort();
    everything.dedup();
    assert_eq!(everything.len(), 300);
    let matched = full_scan(&mut r, &["MATCH", "key:1?", "COUNT", "50"]);
    let set: HashSet<String> = matched.into_iter().collect();
    let expected: HashSet<String> = (10..20).map(|i| format!("key:{i}")).collect();
    assert_eq!(set, expected);
    assert_eq!(
        full_scan(&mut r, &["TYPE", "STRING", "COUNT", "1000"]).len(),
        300
    );
    assert!(full_scan(&mut r, &["TYPE", "hash"]).is_empty());
    // The last COUNT wins; a big COUNT returns everything in one call.
    let (cursor, keys) = scan(&mut r, &["0", "COUNT", "1", "COUNT", "100000"]);
    assert_eq!((cursor.as_str(), keys.len()), ("0", 300));
}

/// Redis's SCAN guarantee: a key present during the whole iteration is
/// returned, even while other keys are added and removed between calls.
#[test]
fn scan_returns_every_key_present_throughout() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    set_many(&mut r, (0..2000).map(|i| format!("stable:{i}")));
    let mut seen = HashSet::new();
    let mut cursor = "0".to_string();
    let mut round = 0;
    loop {
        let (next, keys) = scan(&mut r, &[&cursor, "COUNT", "25"]);
        seen.extend(keys);
        // Grow the table a lot, and shrink it, between calls.
        set_many(&mut r, (0..100).map(|j| format!("churn:{round}:{j}")));
        if round > 0 {
            let dels: Vec<Vec<String>> = (0..100)
                .map(|j| vec!["DEL".into(), format!("churn:{}:{j}", round - 1)])
                .collect();
            pipeline(&mut r, &dels);
        }
        round += 1;
        if next == "0" {
            break;
        }
        cursor = next;
    }
    assert!(round > 10, "the scan took {round} calls");
    for i in 0..2000 {
        assert!(seen.contains(&format!("stable:{i}")), "stable:{i} missed");
    }
}

#[test]
fn object_subcommands() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    assert_eq!(
        r.cmd(&["OBJECT"]),
        err("ERR wrong number of arguments for 'object' command")
    );
    assert_eq!(
        r.cmd(&["OBJECT", "foo"]),
        err("ERR unknown subcommand 'foo'. Try OBJECT HELP.")
    );
    assert_eq!(
        r.cmd(&["OBJECT", "encoding"]),
        err("ERR wrong number of arguments for 'object|encoding' command")
    );
    let help = r.cmd(&["OBJECT", "HELP"]);
    assert!(help.starts_with(
        b"*15\r\n+OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n"
    ));
    assert!(help.ends_with(b"+HELP\r\n+    Prints this help.\r\n"));
    for sub in ["ENCODING", "REFCOUNT", "IDLETIME", "FREQ"] {
        assert_eq!(r.cmd(&["OBJECT", sub, "nokey"]), b"$-1\r\n", "{sub}");
    }

    let long = "x".repeat(45);
    for (value, encoding) in [
        ("123", "int"),
        ("-9223372036854775808", "int"),
        ("12345678901234567890", "embstr"),
        ("0123", "embstr"),
        ("-0", "embstr"),
        ("hello", "embstr"),
        (&long[..44], "embstr"),
        (&long, "raw"),
    ] {
        r.cmd(&["SET", "k", value]);
        assert_eq!(
            r.cmd(&["OBJECT", "ENCODING", "k"]),
            bulk(encoding),
            "{value}"
        );
    }
    // Redis shares the integers 0..9999.
    for (value, refcount) in [("9999", 2147483647), ("10000", 1), ("-1", 1), ("v", 1)] {
        r.cmd(&["SET", "k", value]);
        assert_eq!(
            r.cmd(&["OBJECT", "REFCOUNT", "k"]),
            int(refcount),
            "{value}"
        );
    }
    assert_eq!(
        r.cmd(&["OBJECT", "FREQ", "k"]),
        err("ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.")
    );
    assert_eq!(r.cmd(&["OBJECT", "IDLETIME", "k"]), int(0));

    r.cmd(&["CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"]);
    r.cmd(&["SET", "f", "v"]);
    assert_eq!(r.cmd(&["OBJECT", "FREQ", "f"]), int(5));
    assert_eq!(
        r.cmd(&["OBJECT", "IDLETIME", "f"]),
        err("ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.")
    );
    r.cmd(&["CONFIG", "SET", "maxmemory-policy", "noeviction"]);
}

/// OBJECT, TTL, TYPE and EXISTS leave the access clock alone; GET and TOUCH
/// reset it.
#[test]
fn idle_time_grows_until_a_real_access() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    r.cmd(&["SET", "k", "v"]);
    wait_until("the idle time to reach a second", || {
        r.cmd(&["TTL", "k"]);
        r.cmd(&["TYPE", "k"]);
        r.cmd(&["EXISTS", "k"]);
        r.cmd(&["OBJECT", "ENCODING", "k"]);
        as_int(&r.cmd(&["OBJECT", "IDLETIME", "k"])) >= 1
    });
    r.cmd(&["TOUCH", "k"]);
    assert_eq!(r.cmd(&["OBJECT", "IDLETIME", "k"]), int(0));
}
