//! The log: Redis's phrases tools grep for, fixed-width timestamps, why a
//! save ran, eviction start/stop, rate-limited protocol errors.

mod support;

use support::{frame, wait_until, Server};

/// The server's log file so far.
fn log_text(srv: &Server) -> String {
    std::fs::read_to_string(srv.dir.join("server.log")).unwrap_or_default()
}

fn wait_for_log(srv: &Server, needle: &str) {
    wait_until(needle, || log_text(srv).contains(needle));
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ `, then `[LEVEL]`.
fn assert_fixed_width_time(line: &str) {
    let b = line.as_bytes();
    let digits = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 22];
    assert!(b.len() > 26, "{line}");
    for i in digits {
        assert!(b[i].is_ascii_digit(), "{line}");
    }
    assert_eq!(&line[23..26], "Z [", "{line}");
}

#[test]
fn ready_line_and_fixed_width_timestamps() {
    let srv = Server::start(&["--logfile", "server.log"]);
    wait_for_log(&srv, "Ready to accept connections");
    for line in log_text(&srv).lines() {
        assert_fixed_width_time(line);
    }
}

#[test]
fn the_log_says_why_each_save_ran() {
    let mut srv = Server::start(&[
        "--logfile",
        "server.log",
        "--save",
        "1 1",
        "--enable-debug-command",
        "yes",
    ]);
    let mut r = srv.raw();
    r.cmd(&["SET", "k", "v"]);
    // The rule fires within a second or two, in Redis's words.
    wait_for_log(&srv, "1 changes in 1 seconds. Saving...");
    wait_for_log(&srv, "bgsave_started reason=save_rule");
    wait_for_log(&srv, "Background saving terminated with success");
    r.cmd(&["SAVE"]);
    wait_for_log(&srv, "saved reason=save_command");
    assert!(log_text(&srv).contains("DB saved on disk"));
    r.cmd(&["FLUSHALL"]);
    wait_for_log(&srv, "saved reason=flushall");
    r.cmd(&["SET", "k", "v"]);
    r.cmd(&["DEBUG", "RELOAD"]);
    wait_for_log(&srv, "saved reason=debug_reload");
    r.send(b"SHUTDOWN\r\n");
    assert_eq!(srv.wait_exit(), Some(0));
    let log = log_text(&srv);
    assert!(
        log.contains("Saving the final RDB snapshot before exiting."),
        "{log}"
    );
    assert!(log.contains("saved reason=shutdown"), "{log}");
}

#[test]
fn eviction_start_and_stop_are_logged_once() {
    let srv = Server::start(&[
        "--logfile",
        "server.log",
        "--maxmemory-policy",
        "allkeys-random",
    ]);
    let mut r = srv.raw();
    let used: u64 = srv.info_field("memory", "used_memory").parse().unwrap();
    let limit = (used + 2 * 1024 * 1024).to_string();
    r.cmd(&["CONFIG", "SET", "maxmemory", &limit]);
    // ~6 MB of values against a 2 MB allowance, 100 keys per pipeline.
    let value = "x".repeat(1000);
    for batch in 0..60 {
        let mut bytes = Vec::new();
        for i in 0..100 {
            let key = format!("key:{batch}:{i}");
            bytes.extend(frame(&[b"SET", key.as_bytes(), value.as_bytes()]));
        }
        r.send(&bytes);
        for _ in 0..100 {
            assert_eq!(r.reply(), b"+OK\r\n");
        }
    }
    wait_for_log(&srv, "eviction_started");
    let evicted: u64 = srv.info_field("stats", "evicted_keys").parse().unwrap();
    assert!(evicted > 100, "evicted {evicted}");
    let log = log_text(&srv);
    assert_eq!(log.matches("eviction_started").count(), 1, "{log}");
    assert!(log.contains(&format!("maxmemory={limit}")), "{log}");
    assert!(!log.contains("eviction_stopped"), "{log}");
    // Room again: the timer notices without a write.
    r.cmd(&["CONFIG", "SET", "maxmemory", "0"]);
    wait_for_log(&srv, "eviction_stopped");
}

#[test]
fn protocol_errors_are_rate_limited_with_a_count() {
    let srv = Server::start(&["--logfile", "server.log"]);
    for _ in 0..20 {
        let mut r = srv.raw();
        r.send(b"*abc\r\n");
        assert!(r.reply().starts_with(b"-ERR Protocol error"));
    }
    wait_for_log(&srv, "protocol_error");
    let first = log_text(&srv).matches("protocol_error").count();
    assert!(
        first <= 2,
        "20 errors in well under 2 s logged {first} lines"
    );
    // After the period, the next one is logged with the count it stood for.
    wait_until("the rate limit period to pass", || {
        std::thread::sleep(std::time::Duration::from_millis(100));
        let mut r = srv.raw();
        r.send(b"*abc\r\n");
        r.reply();
        log_text(&srv).contains("suppressed=")
    });
}
