//! SORT and SORT_RO: exact replies and errors, STORE's effects (list
//! creation, deletion, keyspace events, blocked clients, WATCH), and a
//! randomized comparison with redis-server 7.0 over many variants.

#[path = "support/reference.rs"]
mod reference;
mod support;

use reference::{Reference, Rng};
use support::{check, Server};

#[test]
fn numeric_alpha_limit_and_patterns() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    r.cmd(&["RPUSH", "l", "3", "1", "2", "10", "-5", "2.5"]);
    check(
        &mut r,
        &["SORT", "l", "LIMIT", "1", "2"],
        "*2\r\n$1\r\n1\r\n$1\r\n2\r\n",
    );
    check(
        &mut r,
        &["SORT", "l", "ALPHA", "DESC", "LIMIT", "0", "2"],
        "*2\r\n$1\r\n3\r\n$3\r\n2.5\r\n",
    );
    check(
        &mut r,
        &["SORT", "l", "BY", "nosort", "DESC", "LIMIT", "1", "2"],
        "*2\r\n$2\r\n-5\r\n$2\r\n10\r\n",
    );
    r.cmd(&["MSET", "w_3", "1", "w_1", "9"]);
    r.cmd(&["HSET", "h_3", "f", "three"]);
    // Missing weights count as 0; equal weights order by the element.
    check(
        &mut r,
        &[
            "SORT", "l", "BY", "w_*", "GET", "#", "GET", "h_*->f", "LIMIT", "3", "3",
        ],
        "*6\r\n$3\r\n2.5\r\n$-1\r\n$1\r\n3\r\n$5\r\nthree\r\n$1\r\n1\r\n$-1\r\n",
    );
    r.cmd(&["RPUSH", "words", "b", "a"]);
    check(
        &mut r,
        &["SORT", "words"],
        "-ERR One or more scores can't be converted into double\r\n",
    );
    check(
        &mut r,
        &["SORT", "words", "ALPHA"],
        "*2\r\n$1\r\na\r\n$1\r\nb\r\n",
    );
    check(
        &mut r,
        &["SORT", "l", "LIMIT", "1"],
        "-ERR syntax error\r\n",
    );
    check(
        &mut r,
        &["SORT", "l", "LIMIT", "x", "1"],
        "-ERR value is not an integer or out of range\r\n",
    );
    check(
        &mut r,
        &["SORT_RO", "l", "STORE", "d"],
        "-ERR syntax error\r\n",
    );
    r.cmd(&["SET", "s", "x"]);
    check(
        &mut r,
        &["SORT", "s"],
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
    );
    check(&mut r, &["SORT", "missing"], "*0\r\n");
    // A sorted set keeps its order with BY nosort; SORT converts it, as Redis 7.0.
    r.cmd(&["ZADD", "z", "3", "a", "1", "b", "2", "c"]);
    check(
        &mut r,
        &["SORT", "z", "BY", "nosort", "DESC"],
        "*3\r\n$1\r\na\r\n$1\r\nc\r\n$1\r\nb\r\n",
    );
    check(&mut r, &["OBJECT", "ENCODING", "z"], "$8\r\nskiplist\r\n");
}

#[test]
fn store_replaces_or_deletes_the_destination_and_tells_everyone() {
    let srv = Server::start(&["--notify-keyspace-events", "KA"]);
    let mut r = srv.raw();
    r.cmd(&["SADD", "set", "c", "a", "b"]);
    r.cmd(&["SET", "dst", "old", "EX", "100"]);
    let mut events = srv.raw();
    events.cmd(&["PSUBSCRIBE", "__keyspace@0__:dst"]);
    // A set sorted with BY nosort is stored sorted (ALPHA).
    check(
        &mut r,
        &["SORT", "set", "BY", "nosort", "STORE", "dst"],
        ":3\r\n",
    );
    check(
        &mut r,
        &["LRANGE", "dst", "0", "-1"],
        "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n",
    );
    check(&mut r, &["TTL", "dst"], ":-1\r\n");
    assert_eq!(
        events.reply(),
        support::pmessage("__keyspace@0__:dst", "__keyspace@0__:dst", "sortstore")
    );
    check(&mut r, &["SORT", "nothing", "STORE", "dst"], ":0\r\n");
    check(&mut r, &["EXISTS", "dst"], ":0\r\n");
    assert_eq!(
        events.reply(),
        support::pmessage("__keyspace@0__:dst", "__keyspace@0__:dst", "del")
    );
    // GET patterns that find nothing store empty strings.
    check(
        &mut r,
        &["SORT", "set", "ALPHA", "GET", "none_*", "STORE", "dst"],
        ":3\r\n",
    );
    check(&mut r, &["LRANGE", "dst", "0", "0"], "*1\r\n$0\r\n\r\n");

    // STORE serves a client blocked on the destination and breaks a WATCH.
    let mut blocked = srv.raw();
    blocked.send(&support::frame(&[b"BLPOP", b"q", b"0"]));
    support::wait_until("BLPOP blocks", || {
        srv.info_field("clients", "blocked_clients") == "1"
    });
    let mut watcher = srv.raw();
    watcher.cmd(&["WATCH", "q"]);
    watcher.cmd(&["MULTI"]);
    watcher.cmd(&["PING"]);
    check(&mut r, &["SORT", "set", "ALPHA", "STORE", "q"], ":3\r\n");
    assert_eq!(blocked.reply(), b"*2\r\n$1\r\nq\r\n$1\r\na\r\n");
    check(&mut watcher, &["EXEC"], "*-1\r\n");
}

/// Random data: numeric and word lists, an intset, a set of words, a
/// sorted set; numeric weights (w_*), unique word weights (aw_*) and hashes
/// (h_*: f numeric, g a unique word).
fn fill(con: &mut redis::Connection, rng: &mut Rng) {
    let mut cmds: Vec<Vec<String>> = Vec::new();
    let mut elements = Vec::new();
    let mut numeric = vec!["RPUSH".to_string(), "nums".into()];
    for _ in 0..rng.range(0, 40) {
        let e = match rng.below(4) {
            0 => format!("{}.{}", rng.range(-50, 50), rng.below(10)),
            _ => rng.range(-30, 30).to_string(),
        };
        elements.push(e.clone());
        numeric.push(e);
    }
    cmds.push(numeric);
    let mut words = vec!["RPUSH".to_string(), "words".into()];
    let mut set_words = vec!["SADD".to_string(), "wset".into()];
    for _ in 0..rng.range(1, 30) {
        let e = format!("w{}", rng.below(60));
        elements.push(e.clone());
        words.push(e.clone());
        set_words.push(e);
    }
    cmds.push(words);
    cmds.push(set_words);
    let mut ints = vec!["SADD".to_string(), "ints".into()];
    let mut zset = vec!["ZADD".to_string(), "z".into()];
    for _ in 0..rng.range(1, 30) {
        let e = rng.range(-100, 100).to_string();
        elements.push(e.clone());
        ints.push(e.clone());
        zset.push(rng.range(-5, 5).to_string());
        zset.push(e);
    }
    cmds.push(ints);
    cmds.push(zset);
    elements.sort();
    elements.dedup();
    for (i, e) in elements.iter().enumerate() {
        if rng.below(5) > 0 {
            cmds.push(vec![
                "SET".into(),
                format!("w_{e}"),
                rng.range(-20, 20).to_string(),
            ]);
        }
        cmds.push(vec![
            "SET".into(),
            format!("aw_{e}"),
            format!("{}-{i}", rng.below(1000)),
        ]);
        if rng.below(3) > 0 {
            cmds.push(vec![
                "HSET".into(),
                format!("h_{e}"),
                "f".into(),
                rng.range(-9, 9).to_string(),
                "g".into(),
                format!("g{}-{i}", rng.below(100)),
            ]);
        }
    }
    for c in &cmds {
        let args: Vec<&[u8]> = c.iter().map(|a| a.as_bytes()).collect();
        reference::run(con, &args);
    }
}

/// One random SORT command, within the variants whose order Redis defines.
fn random_sort(rng: &mut Rng) -> Vec<String> {
    let (key, alpha) = match rng.below(5) {
        0 => ("nums", rng.below(3) == 0),
        1 => ("words", true),
        2 => ("wset", true),
        3 => ("ints", rng.below(2) == 0),
        _ => ("z", rng.below(2) == 0),
    };
    let store = rng.below(3) == 0;
    let ro = !store && rng.below(4) == 0;
    let mut c = vec![if ro { "SORT_RO" } else { "SORT" }.to_string(), key.into()];
    let by = match (alpha, rng.below(4)) {
        (_, 0) => None,
        // A set of words has no defined order without sorting.
        (_, 1) if key != "wset" || store => Some("nosort"),
        (false, 2) => Some("w_*"),
        (false, _) => Some("h_*->f"),
        (true, _) => Some("aw_*"),
    };
    if let Some(by) = by {
        c.extend(["BY".into(), by.into()]);
    }
    if rng.below(2) == 0 {
        c.extend([
            "LIMIT".into(),
            rng.range(-2, 12).to_string(),
            rng.range(-2, 12).to_string(),
        ]);
    }
    for _ in 0..rng.below(3) {
        let pattern = ["#", "w_*", "h_*->g", "none_*", "h_*->none"][rng.below(5) as usize];
        c.extend(["GET".into(), pattern.into()]);
    }
    if rng.below(2) == 0 {
        c.push(if rng.below(2) == 0 { "DESC" } else { "ASC" }.into());
    }
    if alpha {
        c.push("ALPHA".into());
    }
    if store {
        c.extend(["STORE".into(), "dst".into()]);
    }
    c
}

#[test]
fn random_sorts_match_redis() {
    let Some(reference) = Reference::start() else {
        return;
    };
    let srv = Server::start(&[]);
    let (mut ours, mut theirs) = (srv.client(), reference.client());
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    eprintln!("seed {seed}");
    let mut rng = Rng(seed);
    for round in 0..8 {
        for con in [&mut ours, &mut theirs] {
            reference::run(con, &[b"FLUSHALL"]);
        }
        let mut data_rng = Rng(rng.next() | 1);
        fill(&mut ours, &mut Rng(data_rng.0));
        fill(&mut theirs, &mut data_rng);
        for i in 0..150 {
            let cmd = random_sort(&mut rng);
            let args: Vec<&[u8]> = cmd.iter().map(|a| a.as_bytes()).collect();
            let expected = reference::run(&mut theirs, &args);
            let what = format!("round {round} #{i}: {cmd:?} (seed {seed})");
            assert_eq!(reference::run(&mut ours, &args), expected, "{what}");
            if cmd.last().map(String::as_str) == Some("dst") {
                let lrange: [&[u8]; 4] = [b"LRANGE", b"dst", b"0", b"-1"];
                let expected = reference::run(&mut theirs, &lrange);
                assert_eq!(reference::run(&mut ours, &lrange), expected, "{what}");
            }
        }
    }
}
