//! Server-level behaviour: configuration (file, overrides, CONFIG), INFO,
//! CLIENT, AUTH, limits, MONITOR, SHUTDOWN and signals, eviction.

mod support;
use std::process::Command;
use support::{wait_until, Server};

fn ferrocache(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_ferrocache"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn bad_configuration_exits_nonzero_naming_the_field() {
    for (args, field) in [
        (&["--portt", "1"][..], "'portt \""),
        (&["--port", "99999"], "'port \""),
        (&["--maxmemory", "lots"], "'maxmemory \""),
        (&["--maxmemory-policy", "lru"], "'maxmemory-policy \""),
        (&["--save", "3600"], "'save \""),
        (&["--appendonly", "sometimes"], "'appendonly \""),
        (&["--appendfsync", "hourly"], "'appendfsync \""),
        (&["--dbfilename", "../dump.rdb"], "'dbfilename \""),
    ] {
        let out = ferrocache(args);
        assert!(!out.status.success(), "{args:?} must fail");
        // redis-server's block quotes the option as a config line.
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("*** FATAL CONFIG FILE ERROR"),
            "{args:?}: {err}"
        );
        assert!(err.contains(&format!(">>> {field}")), "{args:?}: {err}");
    }
    let dir = std::env::temp_dir().join(format!("ferrocache-badyaml-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("bad.yaml");
    std::fs::write(&file, "port: 7000\nmaxclient: 5\n").unwrap();
    let out = ferrocache(&[file.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("'maxclient'"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn unusable_port_is_an_error() {
    let srv = Server::start(&[]);
    let out = ferrocache(&["--port", &srv.port.to_string(), "--bind", "127.0.0.1"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("'port'"));
}

#[test]
fn yaml_file_and_overrides_apply() {
    let dir = std::env::temp_dir().join(format!("ferrocache-yaml-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("conf.yaml");
    std::fs::write(
        &file,
        "maxmemory: 10mb\nmaxmemory-policy: allkeys-lru\ntimeout: 7\n",
    )
    .unwrap();
    let srv = Server::start(&[file.to_str().unwrap(), "--timeout", "9"]);
    let mut r = srv.raw();
    assert_eq!(
        r.cmd(&["CONFIG", "GET", "maxmemory"]),
        b"*2\r\n$9\r\nmaxmemory\r\n$8\r\n10485760\r\n"
    );
    assert_eq!(
        r.cmd(&["CONFIG", "GET", "maxmemory-policy"]),
        b"*2\r\n$16\r\nmaxmemory-policy\r\n$11\r\nallkeys-lru\r\n"
    );
    assert_eq!(
        r.cmd(&["CONFIG", "GET", "timeout"]),
        b"*2\r\n$7\r\ntimeout\r\n$1\r\n9\r\n"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn config_set_validates_like_redis() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    assert_eq!(r.cmd(&["CONFIG", "SET", "maxmemory", "1gb"]), b"+OK\r\n");
    assert_eq!(
        r.cmd(&["CONFIG", "GET", "maxmemory"]),
        b"*2\r\n$9\r\nmaxmemory\r\n$10\r\n1073741824\r\n"
    );
    assert_eq!(
        r.cmd(&["CONFIG", "SET", "maxmemory", "abc"]),
        &b"-ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value\r\n"[..]
    );
    assert_eq!(
        r.cmd(&["CONFIG", "SET", "foo", "bar"]),
        &b"-ERR Unknown option or number of arguments for CONFIG SET - 'foo'\r\n"[..]
    );
    assert_eq!(
        r.cmd(&["CONFIG", "SET", "databases", "4"]),
        &b"-ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable config\r\n"[..]
    );
    assert_eq!(
        r.cmd(&["CONFIG", "SET", "protected-mode", "maybe"]),
        &b"-ERR CONFIG SET failed (possibly related to argument 'protected-mode') - argument must be 'yes' or 'no'\r\n"[..]
    );
    // All or nothing: the valid first pair is not applied when the second fails.
    r.cmd(&["CONFIG", "SET", "timeout", "5", "maxmemory-samples", "0"]);
    assert_eq!(
        r.cmd(&["CONFIG", "GET", "timeout"]),
        b"*2\r\n$7\r\ntimeout\r\n$1\r\n0\r\n"
    );
    assert_eq!(r.cmd(&["CONFIG", "SET", "loglevel", "debug"]), b"+OK\r\n");
    assert_eq!(
        r.cmd(&["CONFIG", "SET", "proto-max-bulk-len", "1000"]),
        &b"-ERR CONFIG SET failed (possibly related to argument 'proto-max-bulk-len') - argument must be between 1048576 and 9223372036854775807 inclusive\r\n"[..]
    );
    assert_eq!(
        r.cmd(&["CONFIG", "SET", "dir", "/tmp"]),
        &b"-ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config\r\n"[..]
    );
    let save = r.cmd(&["CONFIG", "GET", "save"]);
    assert_eq!(
        save,
        b"*2\r\n$4\r\nsave\r\n$23\r\n3600 1 300 100 60 10000\r\n"
    );
    assert_eq!(
        r.cmd(&["CONFIG", "SET", "save", "100"]),
        &b"-ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters\r\n"[..]
    );
}

#[test]
fn info_has_redis_sections_and_fields() {
    let srv = Server::start(&[]);
    let mut con = srv.client();
    let _: () = redis::cmd("SET").arg("k").arg("v").query(&mut con).unwrap();
    let _: Option<String> = redis::cmd("GET").arg("nokey").query(&mut con).unwrap();
    let _: redis::RedisResult<()> = redis::cmd("NOSUCH").query(&mut con);
    let info: String = redis::cmd("INFO").query(&mut con).unwrap();
    for field in [
        "# Server",
        "redis_version:",
        "tcp_port:",
        "uptime_in_seconds:",
        "# Clients",
        "connected_clients:1",
        "# Memory",
        "used_memory:",
        "maxmemory_policy:noeviction",
        "# Stats",
        "total_commands_processed:",
        "keyspace_misses:1",
        "# Errorstats",
        "errorstat_ERR:count=1",
        "# Keyspace",
        "db0:keys=1,expires=0",
    ] {
        assert!(info.contains(field), "INFO lacks {field}:\n{info}");
    }
    assert!(!info.contains("# Commandstats"));
    let stats: String = redis::cmd("INFO")
        .arg("commandstats")
        .query(&mut con)
        .unwrap();
    assert!(stats.contains("cmdstat_set:calls=1,"), "{stats}");
    assert!(!stats.contains("# Server"));
}

#[test]
fn client_subcommands() {
    let srv = Server::start(&[]);
    let mut a = srv.raw();
    let mut b = srv.raw();
    assert_eq!(a.cmd(&["CLIENT", "SETNAME", "alpha"]), b"+OK\r\n");
    assert_eq!(a.cmd(&["CLIENT", "GETNAME"]), b"$5\r\nalpha\r\n");
    assert_eq!(b.cmd(&["CLIENT", "GETNAME"]), b"$-1\r\n");
    assert_eq!(
        a.cmd(&["CLIENT", "SETNAME", "a b"]),
        &b"-ERR Client names cannot contain spaces, newlines or special characters.\r\n"[..]
    );
    assert_eq!(
        a.cmd(&["CLIENT", "SETINFO", "LIB-NAME", "redis-py"]),
        b"+OK\r\n"
    );
    let id_a = a.cmd(&["CLIENT", "ID"]);
    let list = String::from_utf8(b.cmd(&["CLIENT", "LIST"])).unwrap();
    assert!(list.contains("name=alpha"), "{list}");
    assert!(list.contains("lib-name=redis-py"), "{list}");
    assert_eq!(list.matches("id=").count(), 2);
    let info = String::from_utf8(a.cmd(&["CLIENT", "INFO"])).unwrap();
    assert!(info.contains("cmd=client|info"), "{info}");
    // Kill a by id from b.
    let id = String::from_utf8_lossy(&id_a[1..id_a.len() - 2]).to_string();
    assert_eq!(b.cmd(&["CLIENT", "KILL", "ID", &id]), b":1\r\n");
    assert!(a.closed());
    assert_eq!(b.cmd(&["CLIENT", "KILL", "ID", "999999"]), b":0\r\n");
    assert_eq!(
        b.cmd(&["CLIENT", "KILL", "1.2.3.4:5"]),
        b"-ERR No such client\r\n"
    );
}

#[test]
fn client_reply_off_and_skip() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    r.send(b"CLIENT REPLY SKIP\r\nECHO skipped\r\nECHO shown\r\n");
    assert_eq!(r.reply(), b"$5\r\nshown\r\n");
    r.send(b"CLIENT REPLY OFF\r\nECHO a\r\nECHO b\r\nCLIENT REPLY ON\r\n");
    assert_eq!(r.reply(), b"+OK\r\n");
    assert_eq!(r.cmd(&["ECHO", "c"]), b"$1\r\nc\r\n");
}

#[test]
fn requirepass_and_auth() {
    let srv = Server::start(&["--requirepass", "s3cret"]);
    let mut r = srv.raw();
    assert_eq!(
        r.cmd(&["GET", "k"]),
        b"-NOAUTH Authentication required.\r\n"
    );
    assert_eq!(
        r.cmd(&["AUTH", "wrong"]),
        &b"-WRONGPASS invalid username-password pair or user is disabled.\r\n"[..]
    );
    assert_eq!(r.cmd(&["AUTH", "s3cret"]), b"+OK\r\n");
    assert_eq!(r.cmd(&["GET", "k"]), b"$-1\r\n");
    let mut h = srv.raw();
    let hello = h.cmd(&["HELLO", "3", "AUTH", "default", "s3cret", "SETNAME", "x"]);
    assert!(hello.starts_with(b"%7\r\n"));
    assert_eq!(h.cmd(&["CLIENT", "GETNAME"]), b"$1\r\nx\r\n");
}

#[test]
fn maxclients_rejects_with_redis_error() {
    let srv = Server::start(&["--maxclients", "2"]);
    let mut a = srv.raw();
    // The harness's start-up probe may still count until the server sees it close.
    wait_until("only this client to be connected", || {
        String::from_utf8_lossy(&a.cmd(&["INFO", "clients"])).contains("connected_clients:1\r\n")
    });
    let mut b = srv.raw();
    assert_eq!(b.cmd(&["PING"]), b"+PONG\r\n");
    let mut c = srv.raw();
    assert_eq!(c.reply(), b"-ERR max number of clients reached\r\n");
}

#[test]
fn idle_clients_time_out_and_disconnected_ones_are_freed() {
    let srv = Server::start(&["--timeout", "1"]);
    let mut idle = srv.raw();
    assert_eq!(idle.cmd(&["PING"]), b"+PONG\r\n");
    assert!(
        idle.closed(),
        "idle client must be closed after the timeout"
    );
    let mut watcher = srv.raw();
    {
        let mut gone = srv.raw();
        gone.send(b"PING\r\n");
    }
    wait_until("the disconnected client to be freed", || {
        let list = watcher.cmd(&["CLIENT", "LIST"]);
        String::from_utf8_lossy(&list).matches("id=").count() == 1
    });
}

#[test]
fn monitor_streams_other_clients_commands() {
    let srv = Server::start(&[]);
    let mut m = srv.raw();
    assert_eq!(m.cmd(&["MONITOR"]), b"+OK\r\n");
    let mut r = srv.raw();
    r.cmd(&["SET", "k", "v\"1"]);
    let line = String::from_utf8(m.reply()).unwrap();
    assert!(line.starts_with('+'), "{line}");
    assert!(line.ends_with("\"SET\" \"k\" \"v\\\"1\"\r\n"), "{line}");
}

/// The database in each line is the client's after the command ran (as
/// redis-server 7.0: `SELECT 3` shows 3), EXEC follows the commands it ran,
/// and a blocked command served later is shown once.
#[test]
fn monitor_shows_the_database_after_the_command_and_exec_last() {
    let srv = Server::start(&[]);
    let mut m = srv.raw();
    assert_eq!(m.cmd(&["MONITOR"]), b"+OK\r\n");
    let mut r = srv.raw();
    r.cmd(&["SELECT", "3"]);
    r.cmd(&["SET", "a", "b"]);
    r.cmd(&["MULTI"]);
    r.cmd(&["GET", "a"]);
    r.cmd(&["EXEC"]);
    r.cmd(&["SELECT", "0"]);
    let mut blocked = srv.raw();
    blocked.send(b"BLPOP q 5\r\n");
    wait_until("BLPOP to block", || {
        srv.info_field("clients", "blocked_clients") == "1"
    });
    r.cmd(&["RPUSH", "q", "x"]);
    assert_eq!(blocked.reply(), b"*2\r\n$1\r\nq\r\n$1\r\nx\r\n");
    r.cmd(&["PING"]);
    let expected = [
        "[3 ] \"SELECT\" \"3\"",
        "[3 ] \"SET\" \"a\" \"b\"",
        "[3 ] \"MULTI\"",
        "[3 ] \"GET\" \"a\"",
        "[3 ] \"EXEC\"",
        "[0 ] \"SELECT\" \"0\"",
        "[0 ] \"BLPOP\" \"q\" \"5\"",
        "[0 ] \"RPUSH\" \"q\" \"x\"",
        "[0 ] \"PING\"",
    ];
    let mut seen = Vec::new();
    while seen.len() < expected.len() {
        let line = String::from_utf8(m.reply()).unwrap();
        // `+<secs>.<usecs> [<db> <addr>] args`: the address varies.
        let (time, rest) = line.split_once(" [").unwrap();
        assert!(time.starts_with('+') && time.contains('.'), "{line}");
        let (db, rest) = rest.split_once(' ').unwrap();
        let args = rest.split_once("] ").unwrap().1.trim_end();
        if !args.starts_with("\"INFO\"") {
            // (the test's own polling for the blocked client)
            seen.push(format!("[{db} ] {args}"));
        }
    }
    assert_eq!(seen, expected);
}

#[test]
fn shutdown_command_and_sigterm_stop_the_server() {
    let mut srv = Server::start(&[]);
    let mut r = srv.raw();
    r.send(b"SHUTDOWN NOSAVE\r\n");
    assert!(r.closed());
    assert_eq!(srv.wait_exit(), Some(0));

    let mut srv = Server::start(&[]);
    Command::new("kill")
        .args(["-TERM", &srv.pid().to_string()])
        .status()
        .unwrap();
    assert_eq!(srv.wait_exit(), Some(0));

    let mut srv = Server::start(&[]);
    Command::new("kill")
        .args(["-INT", &srv.pid().to_string()])
        .status()
        .unwrap();
    assert_eq!(srv.wait_exit(), Some(0));
}

#[test]
fn databases_select_flush_swap() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    r.cmd(&["SET", "a", "1"]);
    assert_eq!(r.cmd(&["SELECT", "1"]), b"+OK\r\n");
    assert_eq!(r.cmd(&["GET", "a"]), b"$-1\r\n");
    r.cmd(&["SET", "b", "2"]);
    assert_eq!(r.cmd(&["DBSIZE"]), b":1\r\n");
    assert_eq!(
        r.cmd(&["SELECT", "16"]),
        b"-ERR DB index is out of range\r\n"
    );
    assert_eq!(
        r.cmd(&["SELECT", "x"]),
        b"-ERR value is not an integer or out of range\r\n"
    );
    assert_eq!(r.cmd(&["SWAPDB", "0", "1"]), b"+OK\r\n");
    assert_eq!(r.cmd(&["GET", "a"]), b"$1\r\n1\r\n");
    assert_eq!(r.cmd(&["SELECT", "0"]), b"+OK\r\n");
    assert_eq!(r.cmd(&["GET", "b"]), b"$1\r\n2\r\n");
    assert_eq!(r.cmd(&["FLUSHDB", "ASYNC"]), b"+OK\r\n");
    assert_eq!(r.cmd(&["DBSIZE"]), b":0\r\n");
    assert_eq!(r.cmd(&["FLUSHALL", "bogus"]), b"-ERR syntax error\r\n");
    assert_eq!(r.cmd(&["FLUSHALL"]), b"+OK\r\n");
    assert_eq!(r.cmd(&["SELECT", "1"]), b"+OK\r\n");
    assert_eq!(r.cmd(&["DBSIZE"]), b":0\r\n");
    let time = r.cmd(&["TIME"]);
    assert!(time.starts_with(b"*2\r\n$10\r\n"), "{time:?}");
}

#[test]
fn maxmemory_noeviction_refuses_writes_with_oom() {
    let srv = Server::start(&["--maxmemory", "2mb"]);
    let mut r = srv.raw();
    let value = "x".repeat(1000);
    let mut refused = false;
    for i in 0..10_000 {
        let reply = r.cmd(&["SET", &format!("key:{i}"), &value]);
        if reply.starts_with(b"-OOM") {
            assert_eq!(
                reply,
                &b"-OOM command not allowed when used memory > 'maxmemory'.\r\n"[..]
            );
            refused = true;
            break;
        }
    }
    assert!(refused, "writes must be refused once maxmemory is reached");
    assert_eq!(
        r.cmd(&["GET", "key:0"]),
        format!("$1000\r\n{value}\r\n").as_bytes()
    );
}

#[test]
fn maxmemory_allkeys_lru_evicts_and_stays_under_the_limit() {
    let srv = Server::start(&["--maxmemory", "4mb", "--maxmemory-policy", "allkeys-lru"]);
    let mut r = srv.raw();
    let value = "x".repeat(1000);
    for i in 0..20_000 {
        assert_eq!(r.cmd(&["SET", &format!("key:{i}"), &value]), b"+OK\r\n");
    }
    let info = String::from_utf8(r.cmd(&["INFO", "memory"])).unwrap();
    let used: usize = info
        .lines()
        .find_map(|l| l.strip_prefix("used_memory:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(used <= 4 * 1024 * 1024 + 64 * 1024, "used_memory {used}");
    let stats = String::from_utf8(r.cmd(&["INFO", "stats"])).unwrap();
    assert!(!stats.contains("evicted_keys:0\r\n"), "{stats}");
    // The most recent key survives.
    assert_eq!(
        r.cmd(&["GET", "key:19999"]),
        format!("$1000\r\n{value}\r\n").as_bytes()
    );
}

#[test]
fn redis_cli_interactive_style_and_pipe() {
    let srv = Server::start(&[]);
    assert_eq!(srv.cli(&["PING"]).trim(), "PONG");
    assert_eq!(srv.cli(&["SET", "greeting", "hello world"]).trim(), "OK");
    assert_eq!(srv.cli(&["GET", "greeting"]).trim(), "hello world");
    let mut child = Command::new("redis-cli")
        .args(["-p", &srv.port.to_string(), "--pipe"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let stdin = child.stdin.as_mut().unwrap();
        for i in 0..1000 {
            write!(
                stdin,
                "*3\r\n$3\r\nSET\r\n${}\r\npipe{}\r\n$1\r\nv\r\n",
                4 + i.to_string().len(),
                i
            )
            .unwrap();
        }
    }
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("errors: 0, replies: 1000"), "{text}");
    assert_eq!(srv.cli(&["DBSIZE"]).trim(), "1001");
}

#[test]
fn slowlog_records_slow_commands_newest_first() {
    let srv = Server::start(&["--slowlog-log-slower-than", "0", "--slowlog-max-len", "3"]);
    let mut r = srv.raw();
    r.cmd(&["CLIENT", "SETNAME", "me"]);
    r.cmd(&["SLOWLOG", "RESET"]);
    r.cmd(&["SET", "a", "b"]);
    let log = String::from_utf8(r.cmd(&["SLOWLOG", "GET", "2"])).unwrap();
    // The newest entry is SET; before it, SLOWLOG RESET itself (as Redis).
    assert!(log.starts_with("*2\r\n*6\r\n:"), "{log}");
    assert!(
        log.contains("*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\nb\r\n"),
        "{log}"
    );
    assert!(log.contains("$2\r\nme\r\n"), "{log}");
    assert!(
        log.find("SET").unwrap() < log.find("RESET").unwrap(),
        "{log}"
    );
    r.cmd(&["PING"]);
    r.cmd(&["PING"]);
    assert_eq!(r.cmd(&["SLOWLOG", "LEN"]), b":3\r\n");
    assert_eq!(
        r.cmd(&["SLOWLOG", "GET", "-2"]),
        &b"-ERR count should be greater than or equal to -1\r\n"[..]
    );
    r.cmd(&["CONFIG", "SET", "slowlog-log-slower-than", "-1"]);
    r.cmd(&["SLOWLOG", "RESET"]);
    r.cmd(&["PING"]);
    assert_eq!(r.cmd(&["SLOWLOG", "LEN"]), b":0\r\n");
}

#[test]
fn latency_monitor_histogram_and_latencystats() {
    let srv = Server::start(&[
        "--latency-monitor-threshold",
        "1",
        "--enable-debug-command",
        "yes",
    ]);
    let mut r = srv.raw();
    r.cmd(&["SET", "a", "b"]);
    r.cmd(&["SET", "a", "c"]);
    let hist = String::from_utf8(r.cmd(&["LATENCY", "HISTOGRAM", "set"])).unwrap();
    assert!(
        hist.starts_with(
            "*2\r\n$3\r\nset\r\n*4\r\n$5\r\ncalls\r\n:2\r\n$14\r\nhistogram_usec\r\n*"
        ),
        "{hist}"
    );
    r.cmd(&["DEBUG", "SLEEP", "0.02"]);
    let latest = String::from_utf8(r.cmd(&["LATENCY", "LATEST"])).unwrap();
    assert!(
        latest.starts_with("*1\r\n*4\r\n$7\r\ncommand\r\n:"),
        "{latest}"
    );
    let history = String::from_utf8(r.cmd(&["LATENCY", "HISTORY", "command"])).unwrap();
    assert!(history.starts_with("*1\r\n*2\r\n:"), "{history}");
    assert_eq!(r.cmd(&["LATENCY", "RESET"]), b":1\r\n");
    assert_eq!(r.cmd(&["LATENCY", "LATEST"]), b"*0\r\n");
    let stats = String::from_utf8(r.cmd(&["INFO", "latencystats"])).unwrap();
    assert!(
        stats.contains("latency_percentiles_usec_set:p50="),
        "{stats}"
    );
}
