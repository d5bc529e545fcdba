//! The append-only file, black-box: acknowledged writes survive a SIGKILL
//! (appendfsync always, and everysec within its window), a torn or corrupt
//! file is handled as Redis does, effects replay to the same data, and
//! INFO persistence / -LOADING report it. RDB-based behaviour (rewrites,
//! snapshots) is in tests/rdb_persistence.rs.

mod support;
use std::fs;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use support::aof_files::{aof_dir, copy_dir, last_incr, read_commands, truncate, AofCommand};
use support::dataset::{assert_same, snapshot};
use support::{check, frame, wait_until, Server, TempDir, DEADLINE};

/// A server on the AOF (everysec), no snapshots.
const AOF: &[&str] = &["--appendonly", "yes", "--save", ""];
/// The same with appendfsync always.
const ALWAYS_AOF: &[&str] = &[
    "--appendonly",
    "yes",
    "--appendfsync",
    "always",
    "--save",
    "",
];
/// The same refusing a truncated AOF.
const STRICT_AOF: &[&str] = &[
    "--appendonly",
    "yes",
    "--save",
    "",
    "--aof-load-truncated",
    "no",
];

/// Client threads per crash round.
const WORKERS: usize = 4;
/// Crash rounds per fsync policy.
const ROUNDS: usize = 20;
/// A worker stops after this many operations in one round, killed or not.
const MAX_OPS_PER_ROUND: usize = 200_000;

/// A small xorshift generator: the random kill delays, reproducible from
/// the seed the test prints.
struct Rng(u64);

impl Rng {
    fn from_clock() -> Rng {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64;
        let seed = nanos | 1;
        eprintln!("rng seed {seed}");
        Rng(seed)
    }

    /// A number in `range`.
    fn between(&mut self, range: std::ops::Range<u64>) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        range.start + self.0 % (range.end - range.start)
    }
}

/// A write one worker sends.
#[derive(Clone, Debug)]
enum Op {
    Incr,
    Set(String),
    Push(String),
}

/// A write and when its reply arrived (None: sent, never acknowledged).
struct Sent {
    op: Op,
    acked_at: Option<Instant>,
}

/// What one worker's three keys hold.
#[derive(Clone, Debug, Default, PartialEq)]
struct WorkerKeys {
    counter: i64,
    string: Option<String>,
    list: Vec<String>,
}

impl WorkerKeys {
    /// Reads worker `w`'s keys from the server.
    fn read(con: &mut redis::Connection, w: usize) -> WorkerKeys {
        let counter: Option<i64> = redis::cmd("GET").arg(counter_key(w)).query(con).unwrap();
        WorkerKeys {
            counter: counter.unwrap_or(0),
            string: redis::cmd("GET").arg(string_key(w)).query(con).unwrap(),
            list: redis::cmd("LRANGE")
                .arg(list_key(w))
                .arg(0)
                .arg(-1)
                .query(con)
                .unwrap(),
        }
    }
}

fn counter_key(w: usize) -> String {
    format!("counter:{w}")
}
fn string_key(w: usize) -> String {
    format!("string:{w}")
}
fn list_key(w: usize) -> String {
    format!("list:{w}")
}

/// Worker `w`'s loop: INCR its counter, SET its string, RPUSH to its list,
/// in turn, each with a value unique to (round, i), one at a time, until
/// the connection fails (the server was killed) or `stop`.
fn worker(
    port: u16,
    w: usize,
    round: usize,
    pause: Duration,
    stop: Arc<AtomicBool>,
    progress: Arc<AtomicUsize>,
) -> Vec<Sent> {
    let client = redis::Client::open(format!("redis://127.0.0.1:{port}/")).unwrap();
    let mut con = client.get_connection_with_timeout(DEADLINE).unwrap();
    con.set_read_timeout(Some(DEADLINE)).unwrap();
    let mut sent = Vec::new();
    for i in 0..MAX_OPS_PER_ROUND {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let unique = format!("r{round}-w{w}-{i}");
        let (op, result) = match i % 3 {
            0 => (
                Op::Incr,
                redis::cmd("INCR")
                    .arg(counter_key(w))
                    .query::<i64>(&mut con)
                    .map(drop),
            ),
            1 => (
                Op::Set(unique.clone()),
                redis::cmd("SET")
                    .arg(string_key(w))
                    .arg(&unique)
                    .query::<()>(&mut con),
            ),
            _ => (
                Op::Push(unique.clone()),
                redis::cmd("RPUSH")
                    .arg(list_key(w))
                    .arg(&unique)
                    .query::<i64>(&mut con)
                    .map(drop),
            ),
        };
        let acked = result.is_ok();
        sent.push(Sent {
            op,
            acked_at: acked.then(Instant::now),
        });
        if !acked {
            break;
        }
        progress.fetch_add(1, Ordering::Relaxed);
        if !pause.is_zero() {
            std::thread::sleep(pause);
        }
    }
    sent
}

/// Checks that `actual` is `before` with the first `p` writes of `sent`
/// applied, for some `p >= must_have`: nothing acknowledged early enough
/// is missing, nothing unsent appears, and the writes kept are a prefix
/// (the AOF is a log).
fn check_recovered(
    before: &WorkerKeys,
    sent: &[Sent],
    must_have: usize,
    actual: &WorkerKeys,
) -> Result<(), String> {
    let pushes: Vec<&String> = sent
        .iter()
        .filter_map(|s| match &s.op {
            Op::Push(v) => Some(v),
            _ => None,
        })
        .collect();
    let old = before.list.len();
    if actual.list.len() < old || actual.list[..old] != before.list[..] {
        return Err("the list lost elements from earlier rounds".into());
    }
    let kept_pushes = actual.list.len() - old;
    if kept_pushes > pushes.len()
        || actual.list[old..]
            .iter()
            .ne(pushes[..kept_pushes].iter().copied())
    {
        return Err(format!(
            "the list's new elements are not a prefix of those pushed: {:?}",
            &actual.list[old..]
        ));
    }
    let (mut counter, mut string, mut pushed) = (before.counter, before.string.clone(), 0);
    for p in 0..=sent.len() {
        if p >= must_have
            && counter == actual.counter
            && string == actual.string
            && pushed == kept_pushes
        {
            return Ok(());
        }
        if let Some(s) = sent.get(p) {
            match &s.op {
                Op::Incr => counter += 1,
                Op::Set(v) => string = Some(v.clone()),
                Op::Push(_) => pushed += 1,
            }
        }
    }
    Err(format!(
        "no prefix of at least {must_have} of the {} writes gives counter {} string {:?} pushes {kept_pushes} (started from counter {} string {:?})",
        sent.len(),
        actual.counter,
        actual.string,
        before.counter,
        before.string
    ))
}

/// One crash test: `ROUNDS` times, `WORKERS` clients write under load, the
/// server is SIGKILLed after a random delay in `kill_after_ms` and restarted
/// on the same directory. Every acknowledged write must be there, or with
/// `loss_window`, every write acknowledged that long before the kill.
/// Returns (writes acknowledged, writes that had to survive) over all rounds.
fn crash_rounds(
    appendfsync: &str,
    kill_after_ms: std::ops::Range<u64>,
    loss_window: Option<Duration>,
    pause: Duration,
) -> (usize, usize) {
    let dir = TempDir::new("aof-crash");
    let args = [
        "--appendonly",
        "yes",
        "--appendfsync",
        appendfsync,
        "--save",
        "",
    ];
    let mut rng = Rng::from_clock();
    let mut srv = Server::start_in(&dir.path, &args);
    let mut model = vec![WorkerKeys::default(); WORKERS];
    let (mut acked_total, mut required_total) = (0, 0);
    for round in 0..ROUNDS {
        let stop = Arc::new(AtomicBool::new(false));
        let progress = Arc::new(AtomicUsize::new(0));
        let workers: Vec<JoinHandle<Vec<Sent>>> = (0..WORKERS)
            .map(|w| {
                let (stop, progress, port) = (stop.clone(), progress.clone(), srv.port);
                std::thread::spawn(move || worker(port, w, round, pause, stop, progress))
            })
            .collect();
        wait_until("the workers to get going", || {
            progress.load(Ordering::Relaxed) >= 4 * WORKERS
        });
        std::thread::sleep(Duration::from_millis(rng.between(kill_after_ms.clone())));
        let killed_at = Instant::now();
        srv.kill();
        stop.store(true, Ordering::Relaxed);
        let logs: Vec<Vec<Sent>> = workers.into_iter().map(|h| h.join().unwrap()).collect();

        srv = Server::start_in(&dir.path, &args);
        srv.wait_loaded();
        let mut con = srv.client();
        for (w, sent) in logs.iter().enumerate() {
            let must_have = sent
                .iter()
                .take_while(|s| match (s.acked_at, loss_window) {
                    (Some(acked_at), Some(window)) => acked_at + window <= killed_at,
                    (acked_at, None) => acked_at.is_some(),
                    (None, Some(_)) => false,
                })
                .count();
            acked_total += sent.iter().filter(|s| s.acked_at.is_some()).count();
            required_total += must_have;
            let actual = WorkerKeys::read(&mut con, w);
            if let Err(e) = check_recovered(&model[w], sent, must_have, &actual) {
                panic!("appendfsync {appendfsync}, round {round}, worker {w}: {e}");
            }
            model[w] = actual;
        }
    }
    srv.kill();
    eprintln!("appendfsync {appendfsync}: {acked_total} writes acknowledged, {required_total} had to survive");
    (acked_total, required_total)
}

#[test]
fn appendfsync_always_keeps_every_acknowledged_write_across_sigkill() {
    let (acked, required) = crash_rounds("always", 50..400, None, Duration::ZERO);
    assert!(required > 0 && required == acked);
}

#[test]
fn appendfsync_everysec_loses_at_most_the_last_two_seconds_across_sigkill() {
    // Rounds longer than the window, so every round has writes that must
    // survive; workers pause between writes to keep the CPU use modest.
    let window = Duration::from_millis(2500);
    let pause = Duration::from_millis(2);
    let (_, required) = crash_rounds("everysec", 2600..2800, Some(window), pause);
    assert!(required > 0);
}

/// Runs each command, asserting none gets an error reply.
fn run_all(r: &mut support::Raw, commands: &[&[&str]]) {
    for c in commands {
        let reply = r.cmd(c);
        let text = String::from_utf8_lossy(&reply);
        assert!(!text.starts_with('-'), "{c:?}: {text}");
    }
}

/// Starts a server with appendonly on in a fresh directory, runs
/// `commands` through it, stops it gracefully and returns the directory
/// and the commands of its AOF.
fn aof_written_by(commands: &[&[&str]]) -> (TempDir, Vec<AofCommand>) {
    let dir = TempDir::new("aof-src");
    let mut srv = Server::start_in(&dir.path, AOF);
    let mut r = srv.raw();
    run_all(&mut r, commands);
    srv.stop();
    let written = read_commands(&dir.path);
    (dir, written)
}

/// A copy of `source` whose newest incremental file is cut to `len` bytes.
fn truncated_copy(source: &Path, len: usize) -> TempDir {
    let copy = TempDir::new("aof-cut");
    copy_dir(source, &copy.path);
    truncate(&last_incr(&copy.path), len);
    copy
}

/// The start-up error names the file and the offset.
#[track_caller]
fn assert_names_file_and_offset(stderr: &str, file: &Path, offset: usize) {
    let name = file.file_name().unwrap().to_str().unwrap();
    assert!(stderr.contains(name), "the error names {name}: {stderr}");
    assert!(
        stderr.contains(&format!("offset {offset}")),
        "the error names offset {offset}: {stderr}"
    );
}

#[test]
fn a_torn_last_command_is_cut_off_at_every_byte_and_appending_continues() {
    let (source, written) = aof_written_by(&[
        &["SET", "k1", "v1"],
        &["RPUSH", "list", "a", "b"],
        &["INCR", "n"],
        &["SET", "last", "the-last-value"],
    ]);
    let last = written.last().unwrap().clone();
    assert_eq!(last.text(), ["SET", "last", "the-last-value"]);
    let args = AOF;
    for cut in last.start + 1..last.end {
        let copy = truncated_copy(&source.path, cut);
        let file = last_incr(&copy.path);
        let mut srv = Server::start_in(&copy.path, args);
        srv.wait_loaded();
        let mut r = srv.raw();
        check(&mut r, &["GET", "k1"], "$2\r\nv1\r\n");
        check(
            &mut r,
            &["LRANGE", "list", "0", "-1"],
            "*2\r\n$1\r\na\r\n$1\r\nb\r\n",
        );
        check(&mut r, &["GET", "n"], "$1\r\n1\r\n");
        check(&mut r, &["EXISTS", "last"], ":0\r\n");
        let len = fs::metadata(&file).unwrap().len() as usize;
        assert_eq!(
            len, last.start,
            "cut at {cut}: the file is cut back to its valid length"
        );
        // Later writes append to a clean file and load again.
        check(&mut r, &["SET", "after", "x"], "+OK\r\n");
        srv.stop();
        let mut srv = Server::start_in(&copy.path, args);
        srv.wait_loaded();
        let mut r = srv.raw();
        check(&mut r, &["GET", "after"], "$1\r\nx\r\n");
        check(&mut r, &["GET", "k1"], "$2\r\nv1\r\n");
        check(&mut r, &["EXISTS", "last"], ":0\r\n");
        srv.kill();

        // With aof-load-truncated off the same file stops start-up.
        let copy = truncated_copy(&source.path, cut);
        let failure = Server::start_failure(&copy.path, STRICT_AOF);
        assert_ne!(failure.code, Some(0), "cut at {cut}: start-up must fail");
        assert_names_file_and_offset(&failure.stderr, &file, last.start);
        let len = fs::metadata(last_incr(&copy.path)).unwrap().len() as usize;
        assert_eq!(len, cut, "a failed start leaves the file as it was");
    }
}

#[test]
fn corruption_before_the_tail_stops_start_up_naming_file_and_offset() {
    let (source, written) = aof_written_by(&[
        &["SET", "k1", "v1"],
        &["SET", "k2", "v2"],
        &["SET", "k3", "v3"],
    ]);
    let middle = &written[2]; // SELECT, SET k1, [SET k2], SET k3
    assert_eq!(middle.text(), ["SET", "k2", "v2"]);
    let original = fs::read(last_incr(&source.path)).unwrap();
    // Not a multibulk where a command starts; a bulk length that is not a number.
    for (at, byte) in [(middle.start, b'?'), (middle.start + 5, b'x')] {
        let copy = TempDir::new("aof-corrupt");
        copy_dir(&source.path, &copy.path);
        let file = last_incr(&copy.path);
        let mut damaged = original.clone();
        damaged[at] = byte;
        fs::write(&file, &damaged).unwrap();
        for truncated_ok in ["yes", "no"] {
            let failure = Server::start_failure(
                &copy.path,
                &[
                    "--appendonly",
                    "yes",
                    "--save",
                    "",
                    "--aof-load-truncated",
                    truncated_ok,
                ],
            );
            assert_ne!(
                failure.code,
                Some(0),
                "byte {at} damaged: start-up must fail"
            );
            assert_names_file_and_offset(&failure.stderr, &file, middle.start);
            assert_eq!(
                fs::read(&file).unwrap(),
                damaged,
                "the damaged file is left alone"
            );
        }
    }
}

#[test]
fn an_unknown_command_stops_start_up_instead_of_being_skipped() {
    let (source, written) = aof_written_by(&[&["SET", "k1", "v1"], &["SET", "k2", "v2"]]);
    let file = last_incr(&source.path);
    let mut bytes = fs::read(&file).unwrap();
    let at = written[2].start; // SELECT, SET k1, [SET k2]
    bytes.splice(at..at, frame(&[b"XNOSUCH", b"k", b"v"]));
    fs::write(&file, &bytes).unwrap();
    let failure = Server::start_failure(&source.path, AOF);
    assert_ne!(failure.code, Some(0));
    assert!(failure.stderr.contains("XNOSUCH"), "{}", failure.stderr);
    assert_names_file_and_offset(&failure.stderr, &file, at);
}

#[test]
fn a_transaction_without_its_exec_is_dropped() {
    let (source, written) = aof_written_by(&[
        &["SET", "before", "1"],
        &["MULTI"],
        &["INCR", "n"],
        &["SET", "inside", "2"],
        &["EXEC"],
    ]);
    let names: Vec<String> = written.iter().map(AofCommand::name).collect();
    assert_eq!(names, ["SELECT", "SET", "MULTI", "INCR", "SET", "EXEC"]);
    let (multi, exec) = (&written[2], &written[5]);
    let args = AOF;
    // No EXEC at all, or a torn one: the whole transaction goes.
    for cut in exec.start..exec.end {
        let copy = truncated_copy(&source.path, cut);
        let mut srv = Server::start_in(&copy.path, args);
        srv.wait_loaded();
        let mut r = srv.raw();
        check(&mut r, &["GET", "before"], "$1\r\n1\r\n");
        check(&mut r, &["EXISTS", "n", "inside"], ":0\r\n");
        let len = fs::metadata(last_incr(&copy.path)).unwrap().len() as usize;
        assert_eq!(len, multi.start, "cut at {cut}: the file ends before MULTI");
        srv.kill();
    }
    let copy = truncated_copy(&source.path, exec.start);
    let failure = Server::start_failure(&copy.path, STRICT_AOF);
    assert_ne!(failure.code, Some(0));
    assert_names_file_and_offset(&failure.stderr, &last_incr(&copy.path), multi.start);
}

/// Sends a blocking command on its own connection and waits until the
/// server reports it blocked; the reply is read later.
fn block(srv: &Server, blocked_before: usize, args: &[&str]) -> support::Raw {
    let mut r = srv.raw();
    let args: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
    r.send(&frame(&args));
    wait_until("the client to block", || {
        srv.info_field("clients", "blocked_clients") == (blocked_before + 1).to_string()
    });
    r
}

#[test]
fn effects_replay_to_the_same_data_with_absolute_deadlines() {
    let dir = TempDir::new("aof-effects");
    let args = AOF;
    let mut srv = Server::start_in(&dir.path, args);
    let mut r = srv.raw();
    let writes: &[&[&str]] = &[
        &["SET", "set-ex", "v", "EX", "1000"],
        &["SET", "set-px", "v", "PX", "2000000"],
        &["SET", "expire", "v"],
        &["EXPIRE", "expire", "3000"],
        &["SET", "pexpire", "v"],
        &["PEXPIRE", "pexpire", "3500000"],
        &["SETEX", "setex", "4000", "v"],
        &["PSETEX", "psetex", "4500000", "v"],
        &["SET", "getex", "v"],
        &["GETEX", "getex", "EX", "5000"],
        &["SET", "float", "10.5"],
        &["EXPIRE", "float", "6000"],
        &["INCRBYFLOAT", "float", "0.1"],
        &["HSET", "hash", "f", "1", "g", "x"],
        &["HINCRBYFLOAT", "hash", "f", "2.25"],
        &["SADD", "set", "a", "b", "c", "d", "e", "f", "g", "h"],
        &["SPOP", "set"],
        &["SPOP", "set", "3"],
        &["SADD", "whole", "a", "b"],
        &["SPOP", "whole", "5"],
        &["RPUSH", "lmpop", "a", "b", "c", "d"],
        &["LMPOP", "1", "lmpop", "LEFT", "COUNT", "2"],
        &["ZADD", "zset", "1", "a", "2.5", "b"],
        &["SELECT", "2"],
        &["SET", "in-db-2", "v", "EX", "7000"],
        &["SELECT", "0"],
    ];
    run_all(&mut r, writes);
    // Blocking commands served later by a push propagate the pop they did.
    let mut blpop = block(&srv, 0, &["BLPOP", "blpop", "10"]);
    let mut blmove = block(&srv, 1, &["BLMOVE", "src", "dst", "LEFT", "RIGHT", "10"]);
    let mut bzpopmin = block(&srv, 2, &["BZPOPMIN", "bz", "10"]);
    let mut blmpop = block(
        &srv,
        3,
        &["BLMPOP", "10", "1", "blmpop", "RIGHT", "COUNT", "2"],
    );
    check(&mut r, &["RPUSH", "blpop", "x", "y"], ":2\r\n");
    check(&mut r, &["RPUSH", "src", "1", "2", "3"], ":3\r\n");
    check(&mut r, &["ZADD", "bz", "1", "a", "2", "b"], ":2\r\n");
    check(&mut r, &["RPUSH", "blmpop", "1", "2", "3"], ":3\r\n");
    assert_eq!(blpop.reply(), b"*2\r\n$5\r\nblpop\r\n$1\r\nx\r\n");
    assert_eq!(blmove.reply(), b"$1\r\n1\r\n");
    assert_eq!(
        bzpopmin.reply(),
        b"*3\r\n$2\r\nbz\r\n$1\r\na\r\n$1\r\n1\r\n"
    );
    assert_eq!(
        blmpop.reply(),
        b"*2\r\n$6\r\nblmpop\r\n*2\r\n$1\r\n3\r\n$1\r\n2\r\n"
    );
    // A transaction with effects that need rewriting inside it.
    check(&mut r, &["MULTI"], "+OK\r\n");
    for c in [
        &["INCR", "tx-counter"][..],
        &["SET", "tx-ex", "v", "EX", "8000"],
        &["SADD", "tx-set", "a", "b", "c"],
        &["SPOP", "tx-set"],
        &["INCRBYFLOAT", "tx-float", "1.5"],
    ] {
        check(&mut r, c, "+QUEUED\r\n");
    }
    let exec = r.cmd(&["EXEC"]);
    assert!(
        exec.starts_with(b"*5\r\n"),
        "{}",
        String::from_utf8_lossy(&exec)
    );

    let mut con = srv.client();
    let before = snapshot(&mut con, &[0, 2]);
    assert_eq!(before.len(), 22, "{before:#?}");
    for key in ["set-ex", "expire", "setex", "getex", "float", "tx-ex"] {
        assert!(
            before[&(0, key.as_bytes().to_vec())].expire_at_ms > 0,
            "{key} has a deadline"
        );
    }
    srv.stop();

    // The file holds effects, never relative or random commands.
    let commands = read_commands(&dir.path);
    for c in &commands {
        let name = c.name();
        assert!(
            ![
                "EXPIRE",
                "PEXPIRE",
                "SETEX",
                "PSETEX",
                "GETEX",
                "INCRBYFLOAT",
                "HINCRBYFLOAT",
                "SPOP",
                "BLPOP",
                "BRPOP",
                "BLMOVE",
                "BZPOPMIN",
                "BLMPOP",
            ]
            .contains(&name.as_str()),
            "{:?} in the AOF",
            c.text()
        );
        if name == "SET" {
            let options: Vec<String> = c.text()[3..]
                .iter()
                .map(|o| o.to_ascii_uppercase())
                .collect();
            assert!(
                !options
                    .iter()
                    .any(|o| o == "EX" || o == "PX" || o == "EXAT"),
                "{:?} in the AOF",
                c.text()
            );
        }
    }
    let names: Vec<String> = commands.iter().map(AofCommand::name).collect();
    assert!(names.iter().any(|n| n == "PEXPIREAT"), "{names:?}");
    assert!(
        commands
            .iter()
            .any(|c| c.name() == "SET" && c.text().iter().any(|a| a.eq_ignore_ascii_case("PXAT"))),
        "{names:?}"
    );
    let multi = names.iter().position(|n| n == "MULTI").expect("a MULTI");
    let exec = multi
        + names[multi..]
            .iter()
            .position(|n| n == "EXEC")
            .expect("its EXEC");
    let unit: Vec<String> = commands[multi + 1..exec]
        .iter()
        .map(|c| c.text().join(" "))
        .collect();
    assert_eq!(unit.len(), 5, "{unit:?}");
    assert_eq!(unit[0], "INCR tx-counter");
    assert!(unit[1].starts_with("SET tx-ex v PXAT "), "{unit:?}");

    let mut srv = Server::start_in(&dir.path, args);
    srv.wait_loaded();
    let after = snapshot(&mut srv.client(), &[0, 2]);
    assert_same(&after, &before);
    srv.kill();
}

/// Runs `commands` (none may fail) on a server with appendonly on, restarts
/// it on the same directory and asserts the data of `dbs` came back equal.
fn assert_replays_to_the_same_data(commands: &[&[&str]], dbs: &[i64]) {
    let dir = TempDir::new("aof-replay");
    let args = AOF;
    let mut srv = Server::start_in(&dir.path, args);
    let mut r = srv.raw();
    run_all(&mut r, commands);
    let before = snapshot(&mut srv.client(), dbs);
    srv.stop();
    let mut srv = Server::start_in(&dir.path, args);
    srv.wait_loaded();
    assert_same(&snapshot(&mut srv.client(), dbs), &before);
    srv.kill();
}

#[test]
fn keyspace_and_multi_database_commands_replay_to_the_same_data() {
    assert_replays_to_the_same_data(
        &[
            &["SET", "ttl", "v", "EX", "1000"],
            &["RENAME", "ttl", "renamed"],
            &["COPY", "renamed", "copied", "DB", "1"],
            &["SET", "moved", "v", "PX", "2000000"],
            &["MOVE", "moved", "2"],
            &["SELECT", "3"],
            &["RPUSH", "in-3", "a", "b"],
            &["SELECT", "4"],
            &["SADD", "in-4", "x"],
            &["SWAPDB", "3", "4"],
            &["SELECT", "5"],
            &["SET", "flushed", "v"],
            &["FLUSHDB"],
            &["SELECT", "0"],
            &["MULTI"],
            &["SELECT", "1"],
            &["SET", "tx-in-1", "v"],
            &["SELECT", "0"],
            &["SET", "tx-in-0", "v"],
            &["EXEC"],
            &["SET", "past", "v"],
            &["EXPIRE", "past", "-1"],
            &["SET", "persisted", "v", "EX", "100"],
            &["PERSIST", "persisted"],
            &["SET", "getex-persist", "v", "EX", "100"],
            &["GETEX", "getex-persist", "PERSIST"],
            &["SET", "keepttl", "v", "EX", "3000"],
            &["SET", "keepttl", "w", "KEEPTTL"],
            &["SET", "gt", "v", "EX", "100"],
            &["EXPIRE", "gt", "5000", "GT"],
            &["EXPIREAT", "at", "4000000000"],
            &["SET", "at", "v"],
            &["SET", "at2", "v"],
            &["EXPIREAT", "at2", "4000000000"],
            &["APPEND", "appended", "abc"],
            &["SETRANGE", "appended", "5", "xyz"],
            &["SETBIT", "bits", "77", "1"],
            &["BITOP", "NOT", "notbits", "bits"],
            &[
                "BITFIELD", "bf", "OVERFLOW", "SAT", "INCRBY", "i8", "0", "200",
            ],
            &["PFADD", "hll", "a", "b", "c"],
            &["PFCOUNT", "hll"],
            &["ZADD", "z1", "1.5", "a", "2", "b"],
            &["ZINCRBY", "z1", "0.1", "a"],
            &["ZADD", "z2", "3", "a", "4", "c"],
            &["ZUNIONSTORE", "zu", "2", "z1", "z2", "WEIGHTS", "0.5", "3"],
            &["ZPOPMAX", "z2"],
            &["ZRANGESTORE", "zr", "z1", "0", "0"],
            &["SADD", "s1", "1", "2", "3"],
            &["SADD", "s2", "2", "3", "4"],
            &["SINTERSTORE", "si", "s1", "s2"],
            &["SMOVE", "s1", "s2", "1"],
            &["RPUSH", "l1", "a", "b", "c"],
            &["LMOVE", "l1", "l2", "LEFT", "RIGHT"],
            &["RPOPLPUSH", "l1", "l2"],
            &["LINSERT", "l2", "BEFORE", "a", "z"],
            &["LSET", "l2", "0", "y"],
            &["HSET", "h", "n", "1"],
            &["HINCRBY", "h", "n", "41"],
            &["GETSET", "gs", "v"],
            &["SET", "gd", "v"],
            &["GETDEL", "gd"],
            &["MSETNX", "m1", "1", "m2", "2"],
        ],
        &[0, 1, 2, 3, 4, 5],
    );
}

#[test]
fn commands_bigger_than_a_read_chunk_replay() {
    let big = "v".repeat(3 << 20);
    let items: Vec<String> = (0..100_000).map(|i| format!("item-{i}")).collect();
    let mut rpush: Vec<&str> = vec!["RPUSH", "big-list"];
    rpush.extend(items.iter().map(String::as_str));
    assert_replays_to_the_same_data(
        &[&["SET", "big-string", &big], &rpush, &["SET", "after", "v"]],
        &[0],
    );
}

#[test]
fn expired_keys_are_written_as_del_and_stay_gone() {
    let dir = TempDir::new("aof-expired");
    let args = AOF;
    let mut srv = Server::start_in(&dir.path, args);
    let mut r = srv.raw();
    check(&mut r, &["SET", "kept", "v"], "+OK\r\n");
    check(&mut r, &["SET", "active", "v", "PX", "30"], "+OK\r\n");
    // Never read: only active expiry can delete it.
    let has_del = |key: &str| {
        read_commands(&dir.path)
            .iter()
            .any(|c| c.text() == ["DEL", key])
    };
    wait_until("DEL active in the AOF", || has_del("active"));
    check(&mut r, &["SET", "lazy", "v", "PX", "30"], "+OK\r\n");
    std::thread::sleep(Duration::from_millis(60)); // lets its deadline pass
    check(&mut r, &["GET", "lazy"], "$-1\r\n");
    wait_until("DEL lazy in the AOF", || has_del("lazy"));
    srv.stop();
    let mut srv = Server::start_in(&dir.path, args);
    srv.wait_loaded();
    let mut r = srv.raw();
    check(&mut r, &["EXISTS", "active", "lazy"], ":0\r\n");
    check(&mut r, &["GET", "kept"], "$1\r\nv\r\n");
    srv.kill();
}

#[test]
fn evicted_keys_are_written_as_del() {
    let dir = TempDir::new("aof-evicted");
    let mut srv = Server::start_in(
        &dir.path,
        &[
            "--appendonly",
            "yes",
            "--save",
            "",
            "--maxmemory",
            "4mb",
            "--maxmemory-policy",
            "allkeys-random",
        ],
    );
    let mut r = srv.raw();
    let value = "x".repeat(1000);
    for i in 0..8000 {
        check(&mut r, &["SET", &format!("key:{i}"), &value], "+OK\r\n");
    }
    // Any command may evict while over the limit: stop it before reading.
    check(&mut r, &["CONFIG", "SET", "maxmemory", "0"], "+OK\r\n");
    let evicted: usize = srv.info_field("stats", "evicted_keys").parse().unwrap();
    assert!(evicted > 0, "the test must evict");
    let before = snapshot(&mut srv.client(), &[0]);
    assert_eq!(before.len() + evicted, 8000);
    srv.stop();
    let dels = read_commands(&dir.path)
        .iter()
        .filter(|c| c.name() == "DEL")
        .count();
    assert_eq!(dels, evicted, "one DEL per evicted key");
    // Without maxmemory nothing more is evicted: the replay alone decides.
    let mut srv = Server::start_in(&dir.path, AOF);
    srv.wait_loaded();
    assert_same(&snapshot(&mut srv.client(), &[0]), &before);
    srv.kill();
}

#[test]
fn info_persistence_uses_redis_field_names() {
    let dir = TempDir::new("aof-info");
    let mut srv = Server::start_in(&dir.path, AOF);
    let mut r = srv.raw();
    check(&mut r, &["SET", "a", "1"], "+OK\r\n");
    check(&mut r, &["SET", "b", "2"], "+OK\r\n");
    for (field, value) in [
        ("loading", Some("0")),
        ("aof_enabled", Some("1")),
        ("aof_last_write_status", Some("ok")),
        ("aof_rewrite_in_progress", Some("0")),
        ("aof_last_bgrewrite_status", Some("ok")),
        ("rdb_bgsave_in_progress", Some("0")),
        ("rdb_last_bgsave_status", Some("ok")),
        ("rdb_changes_since_last_save", Some("2")),
        ("rdb_last_save_time", None),
        ("aof_current_size", None),
        ("aof_base_size", None),
        ("aof_pending_bio_fsync", None),
        ("aof_delayed_fsync", None),
    ] {
        let got = srv.info_field("persistence", field);
        if let Some(value) = value {
            assert_eq!(got, value, "{field}");
        }
    }
    let size: u64 = srv
        .info_field("persistence", "aof_current_size")
        .parse()
        .unwrap();
    assert_eq!(size, fs::metadata(last_incr(&dir.path)).unwrap().len());
    srv.kill();

    let plain = Server::start(&["--save", ""]);
    assert_eq!(plain.info_field("persistence", "aof_enabled"), "0");
}

/// Writes an AOF of `commands` SETs (key:i → value:i) into `dir`.
fn write_big_aof(dir: &Path, commands: usize) {
    let aof = aof_dir(dir);
    fs::create_dir_all(&aof).unwrap();
    fs::write(
        aof.join("appendonly.aof.manifest"),
        "file appendonly.aof.1.incr.aof seq 1 type i\n",
    )
    .unwrap();
    let file = fs::File::create(aof.join("appendonly.aof.1.incr.aof")).unwrap();
    let mut out = BufWriter::new(file);
    out.write_all(&frame(&[b"SELECT", b"0"])).unwrap();
    for i in 0..commands {
        let (k, v) = (format!("key:{i}"), format!("value:{i}"));
        out.write_all(&frame(&[b"SET", k.as_bytes(), v.as_bytes()]))
            .unwrap();
    }
    out.flush().unwrap();
}

#[test]
fn clients_get_loading_while_a_big_aof_replays() {
    // The load must outlast the first request; double the file until it
    // does (a release build replays much faster than a debug one).
    let mut commands = 200_000;
    for _attempt in 0..4 {
        let dir = TempDir::new("aof-loading");
        write_big_aof(&dir.path, commands);
        // DEBUG needs enable-debug-command (Redis 7 refuses it by default).
        let args = [AOF, &["--enable-debug-command", "yes"]].concat();
        let mut srv = Server::start_in(&dir.path, &args);
        let mut r = srv.raw();
        // One write: both run in the same pass of the loop.
        r.send(
            &[
                frame(&[b"INFO", b"persistence"]),
                frame(&[b"GET", b"key:0"]),
                // Settings that may change while loading do; those that
                // decide where data is written do not; nothing is saved.
                frame(&[b"CONFIG", b"SET", b"maxmemory", b"0"]),
                frame(&[b"CONFIG", b"SET", b"appendonly", b"no"]),
                frame(&[b"DEBUG", b"RELOAD"]),
            ]
            .concat(),
        );
        let info = String::from_utf8(r.reply()).unwrap();
        let get = r.reply();
        let (config, appendonly, reload) = (r.reply(), r.reply(), r.reply());
        if info.contains("loading:1\r\n") {
            assert_eq!(get, b"-LOADING Redis is loading the dataset in memory\r\n");
            assert!(info.contains("loading_total_bytes:"), "{info}");
            assert_eq!(config, b"+OK\r\n");
            assert_eq!(
                String::from_utf8_lossy(&appendonly),
                "-ERR CONFIG SET failed (possibly related to argument 'appendonly') - loading flag is set\r\n"
            );
            assert_eq!(
                reload,
                b"-LOADING Redis is loading the dataset in memory\r\n"
            );
            // A pipeline bigger than one read budget is served while the
            // load goes on, not parked until it ends.
            const PIPELINE: usize = 1000;
            r.send(&frame(&[b"GET", b"key:0"]).repeat(PIPELINE));
            let loading_replies = (0..PIPELINE)
                .filter(|_| r.reply() == b"-LOADING Redis is loading the dataset in memory\r\n")
                .count();
            if srv.info_field("persistence", "loading") != "1" {
                srv.kill(); // the load ended meanwhile: try a longer one
                commands *= 2;
                continue;
            }
            assert_eq!(loading_replies, PIPELINE);
            srv.wait_loaded();
            let last = format!("key:{}", commands - 1);
            let value = format!("value:{}", commands - 1);
            check(
                &mut r,
                &["GET", &last],
                &format!("${}\r\n{value}\r\n", value.len()),
            );
            check(&mut r, &["DBSIZE"], &format!(":{commands}\r\n"));
            // The AOF is intact: the same data after a crash.
            check(&mut r, &["SET", "after", "1"], "+OK\r\n");
            srv.kill();
            let srv = Server::start_in(&dir.path, AOF);
            srv.wait_loaded();
            check(
                &mut srv.raw(),
                &["DBSIZE"],
                &format!(":{}\r\n", commands + 1),
            );
            return;
        }
        srv.kill();
        commands *= 2;
    }
    panic!("the load never lasted long enough to be observed");
}

/// A full disk, simulated by an incremental file that is a symlink to
/// /dev/full (every write fails with ENOSPC): the next file a rewrite opens.
/// The disk then "recovers": a regular file takes the symlink's place.
#[test]
fn a_full_disk_refuses_writes_holds_unsynced_replies_and_recovers() {
    let dir = TempDir::new("aof-full-disk");
    let args = ALWAYS_AOF;
    let mut srv = Server::start_in(&dir.path, args);
    let mut writer = srv.raw();
    check(&mut writer, &["SET", "before", "0"], "+OK\r\n");
    let incr = aof_dir(&dir.path).join("appendonly.aof.2.incr.aof");
    std::os::unix::fs::symlink("/dev/full", &incr).unwrap();
    check(
        &mut writer,
        &["BGREWRITEAOF"],
        "+Background append only file rewriting started\r\n",
    );
    wait_until("the rewrite to finish", || {
        srv.info_field("persistence", "aof_rewrite_in_progress") == "0"
    });

    // The write cannot reach the disk: its reply is held, not acknowledged.
    writer.send(&frame(&[b"SET", b"a", b"1"]));
    wait_until("the failed AOF write in INFO", || {
        srv.info_field("persistence", "aof_last_write_status") == "err"
    });
    // Other clients are served: writes (and PING) get Redis's MISCONF.
    let misconf = "-MISCONF Errors writing to the AOF file: No space left on device\r\n";
    let mut other = srv.raw();
    check(&mut other, &["SET", "b", "2"], misconf);
    check(&mut other, &["PING"], misconf);
    check(&mut other, &["EXISTS", "b"], ":0\r\n");
    // Still no reply for the write that is not on disk.
    writer.s.set_nonblocking(true).unwrap();
    let mut byte = [0u8; 1];
    let unread = std::io::Read::read(&mut writer.s, &mut byte);
    assert!(
        matches!(&unread, Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
        "a write that is not on disk was answered: {unread:?}"
    );
    writer.s.set_nonblocking(false).unwrap();

    // The disk recovers: the held write is written, then acknowledged.
    fs::remove_file(&incr).unwrap();
    fs::write(&incr, b"").unwrap();
    assert_eq!(writer.reply(), b"+OK\r\n");
    wait_until("writes to be accepted again", || {
        srv.info_field("persistence", "aof_last_write_status") == "ok"
    });
    check(&mut other, &["SET", "b", "2"], "+OK\r\n");
    srv.kill();

    let srv = Server::start_in(&dir.path, args);
    srv.wait_loaded();
    let mut r = srv.raw();
    check(
        &mut r,
        &["MGET", "before", "a", "b"],
        "*3\r\n$1\r\n0\r\n$1\r\n1\r\n$1\r\n2\r\n",
    );
}

/// Replay does not expire keys as it goes, and an AOF base keeps expired
/// keys: a command after the expiry applies to the key as it was, and the
/// key with its TTL is then removed, never resurrected without one.
#[test]
fn expired_keys_are_not_resurrected_by_replay() {
    let dir = TempDir::new("aof-expired-replay");
    let args = AOF;
    let mut srv = Server::start_in(&dir.path, args);
    let mut r = srv.raw();
    check(&mut r, &["RPUSH", "in-base", "a"], ":1\r\n");
    check(&mut r, &["PEXPIRE", "in-base", "1000"], ":1\r\n");
    check(
        &mut r,
        &["BGREWRITEAOF"],
        "+Background append only file rewriting started\r\n",
    );
    wait_until("the rewrite to finish", || {
        srv.info_field("persistence", "aof_rewrite_in_progress") == "0"
            && srv.info_field("persistence", "aof_rewrites") == "1"
    });
    check(&mut r, &["RPUSH", "in-base", "b"], ":2\r\n");
    check(&mut r, &["SET", "in-incr", "v", "PX", "1000"], "+OK\r\n");
    check(&mut r, &["APPEND", "in-incr", "x"], ":2\r\n");
    // Killed before the keys expire (no DEL written); restarted after.
    srv.kill();
    std::thread::sleep(Duration::from_millis(1100));
    let srv = Server::start_in(&dir.path, args);
    srv.wait_loaded();
    check(&mut srv.raw(), &["EXISTS", "in-base", "in-incr"], ":0\r\n");
}

/// BGREWRITEAOF inside MULTI waits for the transaction to be written whole.
#[test]
fn a_rewrite_asked_inside_a_transaction_does_not_split_it() {
    let dir = TempDir::new("aof-rewrite-in-multi");
    let args = AOF;
    let mut srv = Server::start_in(&dir.path, args);
    let mut r = srv.raw();
    check(&mut r, &["MULTI"], "+OK\r\n");
    check(&mut r, &["SET", "a", "1"], "+QUEUED\r\n");
    check(&mut r, &["BGREWRITEAOF"], "+QUEUED\r\n");
    check(&mut r, &["SET", "b", "2"], "+QUEUED\r\n");
    check(
        &mut r,
        &["EXEC"],
        "*3\r\n+OK\r\n+Background append only file rewriting scheduled\r\n+OK\r\n",
    );
    wait_until("the scheduled rewrite", || {
        srv.info_field("persistence", "aof_rewrites") == "1"
    });
    srv.kill();
    let srv = Server::start_in(&dir.path, args);
    srv.wait_loaded();
    check(
        &mut srv.raw(),
        &["MGET", "a", "b"],
        "*2\r\n$1\r\n1\r\n$1\r\n2\r\n",
    );
}

/// MOVE into a database where the target key had expired: its DEL goes out
/// before the MOVE, not after it.
#[test]
fn an_expired_key_found_in_another_database_is_deleted_before_the_move() {
    let dir = TempDir::new("aof-move-expired");
    let args = ["--appendonly", "yes", "--save", "", "--hz", "1"];
    let mut srv = Server::start_in(&dir.path, &args);
    let mut r = srv.raw();
    check(&mut r, &["SELECT", "1"], "+OK\r\n");
    check(&mut r, &["SET", "k", "old", "PX", "50"], "+OK\r\n");
    std::thread::sleep(Duration::from_millis(100));
    check(&mut r, &["SELECT", "0"], "+OK\r\n");
    check(&mut r, &["SET", "k", "moved"], "+OK\r\n");
    check(&mut r, &["MOVE", "k", "1"], ":1\r\n");
    check(&mut r, &["SELECT", "1"], "+OK\r\n");
    check(&mut r, &["GET", "unrelated"], "$-1\r\n");
    srv.kill();
    let srv = Server::start_in(&dir.path, &args);
    srv.wait_loaded();
    let mut r = srv.raw();
    check(&mut r, &["SELECT", "1"], "+OK\r\n");
    check(&mut r, &["GET", "k"], "$5\r\nmoved\r\n");
}

/// maxmemory does not apply while the AOF replays: every key loads.
#[test]
fn maxmemory_does_not_drop_replayed_writes() {
    let dir = TempDir::new("aof-maxmemory");
    let mut srv = Server::start_in(&dir.path, AOF);
    let mut r = srv.raw();
    support::set_keys(&mut r, 20_000, &"v".repeat(200));
    srv.kill();
    let args = ["--appendonly", "yes", "--save", "", "--maxmemory", "1mb"];
    let srv = Server::start_in(&dir.path, &args);
    srv.wait_loaded();
    check(&mut srv.raw(), &["DBSIZE"], ":20000\r\n");
}

/// A single-file AOF as Redis 6 wrote it (an RDB preamble, then RESP
/// commands) in `dir`: loaded, then moved into the AOF directory as the
/// base of a multi-part AOF (as Redis 7 upgrades it), so later writes are
/// in the AOF from the first one on.
#[test]
fn a_redis_6_single_file_aof_with_an_rdb_preamble_loads_and_converts() {
    let dir = TempDir::new("aof-legacy");
    let mut srv = Server::start_in(&dir.path, &["--save", ""]);
    let mut r = srv.raw();
    check(&mut r, &["RPUSH", "l", "a", "b"], ":2\r\n");
    check(&mut r, &["SAVE"], "+OK\r\n");
    srv.kill();
    let mut legacy = fs::read(dir.path.join("dump.rdb")).unwrap();
    fs::remove_file(dir.path.join("dump.rdb")).unwrap();
    legacy.extend_from_slice(&frame(&[b"SELECT", b"0"]));
    legacy.extend_from_slice(&frame(&[b"RPUSH", b"l", b"c"]));
    fs::write(dir.path.join("appendonly.aof"), &legacy).unwrap();

    let mut srv = Server::start_in(&dir.path, AOF);
    srv.wait_loaded();
    let mut r = srv.raw();
    let list = "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n";
    check(&mut r, &["LRANGE", "l", "0", "-1"], list);
    assert!(!dir.path.join("appendonly.aof").exists());
    let manifest = fs::read_to_string(aof_dir(&dir.path).join("appendonly.aof.manifest")).unwrap();
    assert!(
        manifest.starts_with("file appendonly.aof.1.base.aof seq 1 type b\n"),
        "{manifest}"
    );
    check(&mut r, &["RPUSH", "l", "d"], ":4\r\n");
    srv.kill();
    let srv = Server::start_in(&dir.path, AOF);
    srv.wait_loaded();
    check(&mut srv.raw(), &["LLEN", "l"], ":4\r\n");
}

/// appendonly turned on in the config with only dump.rdb on disk: the
/// snapshot is loaded and becomes the AOF's base at once (a crash right
/// after loses no acknowledged write), and dump.rdb stays.
#[test]
fn a_snapshot_becomes_the_first_aof_base_when_appendonly_is_turned_on() {
    let dir = TempDir::new("aof-from-rdb");
    let mut srv = Server::start_in(&dir.path, &["--save", ""]);
    check(&mut srv.raw(), &["SET", "from-rdb", "1"], "+OK\r\n");
    check(&mut srv.raw(), &["SAVE"], "+OK\r\n");
    srv.kill();
    let mut srv = Server::start_in(&dir.path, ALWAYS_AOF);
    srv.wait_loaded();
    check(&mut srv.raw(), &["SET", "acked", "1"], "+OK\r\n");
    srv.kill();
    assert!(dir.path.join("dump.rdb").exists());
    let srv = Server::start_in(&dir.path, ALWAYS_AOF);
    srv.wait_loaded();
    check(&mut srv.raw(), &["EXISTS", "from-rdb", "acked"], ":2\r\n");
}
