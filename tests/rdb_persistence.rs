//! Persistence through RDB files, black-box: SAVE/BGSAVE and loading
//! dump.rdb, SHUTDOWN's save, a damaged dump, MISCONF after a failed
//! background save, and the AOF paths that write an RDB base (CONFIG SET
//! appendonly yes, BGREWRITEAOF).

mod support;
use std::collections::BTreeSet;
use std::fs;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{SystemTime, UNIX_EPOCH};
use support::aof_files::{aof_dir, manifest_files};
use support::dataset::{assert_same, snapshot, Dataset};
use support::{check, wait_until, Server, TempDir};

/// Redis's reply to a write while the last background save failed.
const MISCONF: &str = "-MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.\r\n";

/// Fills the server with one key of each type (some with deadlines) plus
/// `bulk` plain strings, pipelined.
fn fill(con: &mut redis::Connection, bulk: usize) {
    let mut pipe = redis::pipe();
    pipe.cmd("SET").arg("string").arg("v").ignore();
    pipe.cmd("SET")
        .arg("with-ttl")
        .arg("v")
        .arg("EX")
        .arg(5000)
        .ignore();
    pipe.cmd("SET").arg("number").arg(12345).ignore();
    pipe.cmd("RPUSH").arg("list").arg(&["a", "b", "c"]).ignore();
    pipe.cmd("HSET")
        .arg("hash")
        .arg(&["f", "1", "g", "2"])
        .ignore();
    pipe.cmd("PEXPIRE").arg("hash").arg(6_000_000).ignore();
    pipe.cmd("SADD").arg("set").arg(&["x", "y", "z"]).ignore();
    pipe.cmd("SADD").arg("intset").arg(&[1, 2, 3]).ignore();
    pipe.cmd("ZADD")
        .arg("zset")
        .arg(&["1", "a", "2.5", "b"])
        .ignore();
    pipe.cmd("SELECT").arg(3).ignore();
    pipe.cmd("SET").arg("in-db-3").arg("v").ignore();
    pipe.cmd("SELECT").arg(0).ignore();
    for i in 0..bulk {
        pipe.cmd("SET")
            .arg(format!("bulk:{i}"))
            .arg(format!("value:{i}"))
            .ignore();
    }
    let () = pipe.query(con).unwrap();
}

/// The databases `fill` writes to.
const DBS: &[i64] = &[0, 3];

/// Unix seconds now.
fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Writes `during:<i>` keys while INFO persistence `flag` is 1; returns how
/// many were answered between two INFOs that both still saw it at 1 (writes
/// provably served while the background job ran).
fn writes_served_while(srv: &Server, r: &mut support::Raw, flag: &str) -> usize {
    let running = || srv.info_field("persistence", flag) == "1";
    let mut served = 0;
    for i in 0..100_000 {
        if !running() {
            break;
        }
        check(r, &["SET", &format!("during:{i}"), "v"], "+OK\r\n");
        if running() {
            served += 1;
        }
    }
    served
}

/// A client thread that INCRs `counter` and RPUSHes unique values to
/// `pushed` until `stop`; returns the values whose RPUSH was acknowledged.
fn writer(srv: &Server, stop: Arc<AtomicBool>) -> JoinHandle<Vec<String>> {
    let mut con = srv.client();
    std::thread::spawn(move || {
        let mut acked = Vec::new();
        for i in 0..1_000_000 {
            if stop.load(Ordering::Relaxed) {
                break;
            }
            let value = format!("w{i}");
            let _: i64 = redis::cmd("INCR").arg("counter").query(&mut con).unwrap();
            let _: i64 = redis::cmd("RPUSH")
                .arg("pushed")
                .arg(&value)
                .query(&mut con)
                .unwrap();
            acked.push(value);
        }
        acked
    })
}

#[test]
fn save_then_restart_loads_the_snapshot() {
    let dir = TempDir::new("rdb-save");
    let args = ["--save", ""];
    let mut srv = Server::start_in(&dir.path, &args);
    let mut con = srv.client();
    fill(&mut con, 1000);
    let before = snapshot(&mut con, DBS);
    let mut r = srv.raw();
    check(&mut r, &["SAVE"], "+OK\r\n");
    assert_eq!(
        srv.info_field("persistence", "rdb_changes_since_last_save"),
        "0"
    );
    check(&mut r, &["SET", "after-save", "lost"], "+OK\r\n");
    srv.kill(); // only dump.rdb carries the data over
    assert!(dir.path.join("dump.rdb").exists());

    let mut srv = Server::start_in(&dir.path, &args);
    srv.wait_loaded();
    let after = snapshot(&mut srv.client(), DBS);
    assert_same(&after, &before);
    assert_eq!(
        srv.info_field("persistence", "rdb_last_load_keys_loaded"),
        before.len().to_string()
    );
    srv.kill();
}

#[test]
fn bgsave_serves_writes_meanwhile_and_moves_lastsave() {
    let dir = TempDir::new("rdb-bgsave");
    let args = ["--save", ""];
    let mut srv = Server::start_in(&dir.path, &args);
    let mut con = srv.client();
    fill(&mut con, 200_000);
    let before = snapshot(&mut con, DBS);
    let lastsave_at_start: u64 = redis::cmd("LASTSAVE").query(&mut con).unwrap();
    // LASTSAVE counts seconds: let one pass so a save shows.
    wait_until("the next second", || unix_now() > lastsave_at_start);

    let mut r = srv.raw();
    check(&mut r, &["BGSAVE"], "+Background saving started\r\n");
    let served = writes_served_while(&srv, &mut r, "rdb_bgsave_in_progress");
    assert!(served > 0, "no write was seen served during the save");
    wait_until("LASTSAVE to move", || {
        let lastsave: u64 = redis::cmd("LASTSAVE").query(&mut con).unwrap();
        lastsave > lastsave_at_start
    });
    assert_eq!(
        srv.info_field("persistence", "rdb_last_bgsave_status"),
        "ok"
    );
    assert_eq!(srv.info_field("persistence", "rdb_bgsave_in_progress"), "0");
    srv.kill();

    // The snapshot holds what was there when BGSAVE started, not later writes.
    let mut srv = Server::start_in(&dir.path, &args);
    srv.wait_loaded();
    assert_same(&snapshot(&mut srv.client(), DBS), &before);
    srv.kill();
}

#[test]
fn shutdown_saves_with_save_rules_and_nosave_does_not() {
    let dir = TempDir::new("rdb-shutdown");
    let args = ["--save", "3600 1"];
    let mut srv = Server::start_in(&dir.path, &args);
    let mut r = srv.raw();
    check(&mut r, &["SET", "a", "1"], "+OK\r\n");
    r.send(b"SHUTDOWN\r\n");
    assert!(r.closed());
    assert_eq!(srv.wait_exit(), Some(0));

    let mut srv = Server::start_in(&dir.path, &args);
    srv.wait_loaded();
    let mut r = srv.raw();
    check(&mut r, &["GET", "a"], "$1\r\n1\r\n");
    check(&mut r, &["SET", "b", "2"], "+OK\r\n");
    r.send(b"SHUTDOWN NOSAVE\r\n");
    assert!(r.closed());
    assert_eq!(srv.wait_exit(), Some(0));

    // SIGTERM saves as SHUTDOWN does.
    let mut srv = Server::start_in(&dir.path, &args);
    srv.wait_loaded();
    let mut r = srv.raw();
    check(&mut r, &["EXISTS", "b"], ":0\r\n");
    check(&mut r, &["GET", "a"], "$1\r\n1\r\n");
    check(&mut r, &["SET", "c", "3"], "+OK\r\n");
    srv.stop();

    let mut srv = Server::start_in(&dir.path, &args);
    srv.wait_loaded();
    check(
        &mut srv.raw(),
        &["MGET", "a", "b", "c"],
        "*3\r\n$1\r\n1\r\n$-1\r\n$1\r\n3\r\n",
    );
    srv.kill();
}

#[test]
fn a_damaged_dump_stops_start_up_naming_file_and_offset() {
    let dir = TempDir::new("rdb-damaged");
    let mut srv = Server::start_in(&dir.path, &["--save", ""]);
    fill(&mut srv.client(), 100);
    check(&mut srv.raw(), &["SAVE"], "+OK\r\n");
    srv.kill();
    let file = dir.path.join("dump.rdb");
    let mut bytes = fs::read(&file).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x5a;
    fs::write(&file, &bytes).unwrap();
    let failure = Server::start_failure(&dir.path, &["--save", ""]);
    assert_ne!(failure.code, Some(0));
    assert!(failure.stderr.contains("dump.rdb"), "{}", failure.stderr);
    assert!(failure.stderr.contains("offset"), "{}", failure.stderr);
}

#[test]
fn a_failed_bgsave_refuses_writes_until_a_save_succeeds() {
    // CONFIG SET dir is a protected config, as in Redis.
    let mut srv = Server::start(&["--save", "3600 1", "--enable-protected-configs", "local"]);
    let target = TempDir::new("rdb-misconf");
    let target_path = target.path.to_str().unwrap().to_string();
    let mut r = srv.raw();
    check(&mut r, &["SET", "a", "1"], "+OK\r\n");
    check(&mut r, &["CONFIG", "SET", "dir", &target_path], "+OK\r\n");
    fs::remove_dir_all(&target.path).unwrap();
    let reply = r.cmd(&["BGSAVE"]);
    assert!(
        reply.starts_with(b"+") || reply.starts_with(b"-"),
        "{reply:?}"
    );
    wait_until("the background save to fail", || {
        srv.info_field("persistence", "rdb_last_bgsave_status") == "err"
    });
    check(&mut r, &["SET", "b", "2"], MISCONF);
    check(&mut r, &["GET", "a"], "$1\r\n1\r\n");

    fs::create_dir_all(&target.path).unwrap();
    // Redis needs the directory set again (its cwd was the removed one).
    check(&mut r, &["CONFIG", "SET", "dir", &target_path], "+OK\r\n");
    check(&mut r, &["BGSAVE"], "+Background saving started\r\n");
    wait_until("the background save to succeed", || {
        srv.info_field("persistence", "rdb_last_bgsave_status") == "ok"
    });
    check(&mut r, &["SET", "b", "2"], "+OK\r\n");
    assert!(target.path.join("dump.rdb").exists());
    srv.kill();
}

#[test]
fn a_signal_does_not_stop_the_server_while_its_final_save_fails() {
    let dir = TempDir::new("rdb-sigterm");
    let args = [
        "--save",
        "3600 1",
        "--logfile",
        "server.log",
        "--enable-protected-configs",
        "yes",
    ];
    let mut srv = Server::start_in(&dir.path, &args);
    let data = dir.path.join("data");
    let data_path = data.to_str().unwrap().to_string();
    fs::create_dir_all(&data).unwrap();
    let mut r = srv.raw();
    check(&mut r, &["SET", "a", "1"], "+OK\r\n");
    check(&mut r, &["CONFIG", "SET", "dir", &data_path], "+OK\r\n");
    fs::remove_dir_all(&data).unwrap();
    check(
        &mut r,
        &["SHUTDOWN"],
        "-ERR Errors trying to SHUTDOWN. Check logs.\r\n",
    );
    srv.signal("TERM");
    let log = dir.path.join("server.log");
    wait_until("the refused shutdown in the log", || {
        fs::read_to_string(&log).is_ok_and(|text| text.contains("shutdown_refused"))
    });
    check(&mut srv.raw(), &["GET", "a"], "$1\r\n1\r\n");
    assert!(srv.is_running());

    // Once the save can succeed, the next signal stops it with the data saved.
    fs::create_dir_all(&data).unwrap();
    check(&mut r, &["CONFIG", "SET", "dir", &data_path], "+OK\r\n");
    srv.stop();
    let mut srv = Server::start_in(&dir.path, &["--save", "", "--dir", &data_path]);
    srv.wait_loaded();
    check(&mut srv.raw(), &["GET", "a"], "$1\r\n1\r\n");
    srv.kill();
}

/// The files in the AOF directory equal the manifest's list (plus the
/// manifest itself); returns the manifest's list.
fn assert_aof_dir_matches_manifest(dir: &Path) -> Vec<String> {
    let listed = manifest_files(dir);
    let mut expected: BTreeSet<String> = listed.iter().cloned().collect();
    expected.insert("appendonly.aof.manifest".into());
    let present: BTreeSet<String> = fs::read_dir(aof_dir(dir))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(present, expected);
    listed
}

/// Waits until the running AOF rewrite finished, and checks it succeeded.
fn wait_rewrite_done(srv: &Server, rewrites_before: u64) {
    wait_until("the AOF rewrite to finish", || {
        srv.info_field("persistence", "aof_rewrite_in_progress") == "0"
            && srv
                .info_field("persistence", "aof_rewrites")
                .parse::<u64>()
                .unwrap()
                > rewrites_before
    });
    assert_eq!(
        srv.info_field("persistence", "aof_last_bgrewrite_status"),
        "ok"
    );
}

#[test]
fn config_set_appendonly_writes_a_base_of_the_existing_data() {
    let dir = TempDir::new("rdb-aof-on");
    let mut srv = Server::start_in(&dir.path, &["--save", ""]);
    let mut con = srv.client();
    fill(&mut con, 1000);
    let mut r = srv.raw();
    check(&mut r, &["CONFIG", "SET", "appendonly", "yes"], "+OK\r\n");
    wait_rewrite_done(&srv, 0);
    check(&mut r, &["SET", "after-switch", "v"], "+OK\r\n");
    check(&mut r, &["RPUSH", "list", "d"], ":4\r\n");
    let before = snapshot(&mut con, DBS);
    let files = assert_aof_dir_matches_manifest(&dir.path);
    assert!(files[0].ends_with(".base.rdb"), "{files:?}");
    srv.stop();

    let mut srv = Server::start_in(&dir.path, &["--save", "", "--appendonly", "yes"]);
    srv.wait_loaded();
    assert_same(&snapshot(&mut srv.client(), DBS), &before);
    srv.kill();
}

#[test]
fn bgrewriteaof_keeps_writes_made_during_the_rewrite() {
    let dir = TempDir::new("rdb-rewrite");
    let args = [
        "--appendonly",
        "yes",
        "--appendfsync",
        "always",
        "--save",
        "",
    ];
    let mut srv = Server::start_in(&dir.path, &args);
    let mut con = srv.client();
    fill(&mut con, 100_000);
    let stop = Arc::new(AtomicBool::new(false));
    let writing = writer(&srv, stop.clone());
    let mut r = srv.raw();
    for rewrites_before in 0..2 {
        check(
            &mut r,
            &["BGREWRITEAOF"],
            "+Background append only file rewriting started\r\n",
        );
        let served = writes_served_while(&srv, &mut r, "aof_rewrite_in_progress");
        assert!(served > 0, "no write was seen served during the rewrite");
        wait_rewrite_done(&srv, rewrites_before);
    }
    check(&mut r, &["SET", "after-rewrites", "v"], "+OK\r\n");
    stop.store(true, Ordering::Relaxed);
    let acked = writing.join().unwrap();
    let before: Dataset = snapshot(&mut con, DBS);
    let files = assert_aof_dir_matches_manifest(&dir.path);
    assert!(files[0].ends_with(".base.rdb"), "{files:?}");
    srv.kill(); // appendfsync always: every acknowledged write is on disk

    let mut srv = Server::start_in(&dir.path, &args);
    srv.wait_loaded();
    let after = snapshot(&mut srv.client(), DBS);
    assert_same(&after, &before);
    let pushed = &after[&(0, b"pushed".to_vec())].value;
    assert_eq!(pushed.len(), acked.len());
    srv.kill();
}

/// DEBUG RELOAD saves and loads the file back; NOSAVE loads what the file
/// holds, dropping later writes.
#[test]
fn debug_reload_round_trips_through_the_snapshot() {
    let srv = Server::start(&["--save", "", "--enable-debug-command", "local"]);
    let mut r = srv.raw();
    check(&mut r, &["RPUSH", "l", "a", "b"], ":2\r\n");
    check(&mut r, &["SET", "s", "v", "EXAT", "4000000000"], "+OK\r\n");
    check(&mut r, &["DEBUG", "RELOAD"], "+OK\r\n");
    check(
        &mut r,
        &["LRANGE", "l", "0", "-1"],
        "*2\r\n$1\r\na\r\n$1\r\nb\r\n",
    );
    check(&mut r, &["EXPIRETIME", "s"], ":4000000000\r\n");
    check(&mut r, &["SET", "later", "1"], "+OK\r\n");
    check(&mut r, &["DEBUG", "RELOAD", "NOSAVE"], "+OK\r\n");
    check(&mut r, &["EXISTS", "later", "l", "s"], ":2\r\n");
}

/// FLUSHALL during a BGSAVE stops it (its snapshot is obsolete) without
/// counting a failure, and the empty dataset is what the file holds.
#[test]
fn flushall_cancels_a_running_bgsave() {
    let dir = TempDir::new("rdb-flushall");
    let args = ["--save", "3600 1"];
    let mut srv = Server::start_in(&dir.path, &args);
    let mut r = srv.raw();
    support::set_keys(&mut r, 100_000, &"v".repeat(100));
    check(&mut r, &["BGSAVE"], "+Background saving started\r\n");
    check(&mut r, &["FLUSHALL"], "+OK\r\n");
    assert_eq!(srv.info_field("persistence", "rdb_bgsave_in_progress"), "0");
    assert_eq!(
        srv.info_field("persistence", "rdb_last_bgsave_status"),
        "ok"
    );
    let leftovers: Vec<_> = fs::read_dir(&dir.path)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with("temp-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    srv.kill();
    let srv = Server::start_in(&dir.path, &args);
    srv.wait_loaded();
    check(&mut srv.raw(), &["DBSIZE"], ":0\r\n");
}

/// CONFIG SET appendonly yes while a BGSAVE runs answers at once: the AOF's
/// first base follows the save. Off and on again right away works too, and
/// nothing written meanwhile is lost.
#[test]
fn appendonly_switches_during_background_jobs_without_waiting() {
    let dir = TempDir::new("rdb-aof-switch");
    let mut srv = Server::start_in(&dir.path, &["--save", ""]);
    fill(&mut srv.client(), 50_000);
    let mut r = srv.raw();
    check(&mut r, &["BGSAVE"], "+Background saving started\r\n");
    check(&mut r, &["CONFIG", "SET", "appendonly", "yes"], "+OK\r\n");
    check(&mut r, &["SET", "during", "1"], "+OK\r\n");
    wait_until("the AOF's first base", || {
        srv.info_field("persistence", "aof_rewrites") == "1"
    });
    check(&mut r, &["CONFIG", "SET", "appendonly", "no"], "+OK\r\n");
    check(&mut r, &["CONFIG", "SET", "appendonly", "yes"], "+OK\r\n");
    check(&mut r, &["SET", "after", "1"], "+OK\r\n");
    wait_until("the second AOF's base", || {
        srv.info_field("persistence", "aof_rewrites") == "2"
            && srv.info_field("persistence", "aof_rewrite_in_progress") == "0"
    });
    // keys= and expires= (avg_ttl is a live estimate, not data).
    let counts = |srv: &Server| {
        let line = srv.info_field("keyspace", "db0");
        line.split(",avg_ttl=").next().unwrap().to_string()
    };
    let keys = counts(&srv);
    srv.kill();
    let srv = Server::start_in(&dir.path, &["--save", "", "--appendonly", "yes"]);
    srv.wait_loaded();
    assert_eq!(counts(&srv), keys);
    check(&mut srv.raw(), &["EXISTS", "during", "after"], ":2\r\n");
}
