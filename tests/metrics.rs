//! The Prometheus responder: GET /metrics and /health over real HTTP on the
//! metrics port, errors for bad requests, idle HTTP clients dropped; the
//! replication series of a leader and its replica equal their INFO fields;
//! promtool accepts the expositions; the Grafana dashboard queries only
//! exposed series.

mod support;
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;
use support::{free_port, wait_until, Raw, Server};

fn http(port: u16, request: &[u8]) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(support::DEADLINE)).unwrap();
    s.write_all(request).unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn metrics_and_health_over_http() {
    let mport = free_port();
    let srv = Server::start(&["--metrics-port", &mport.to_string()]);
    let mut r = srv.raw();
    r.cmd(&["SET", "k", "v"]);
    r.cmd(&["GET", "k"]);
    r.cmd(&["GET", "missing"]);
    r.cmd(&["NOSUCH"]);
    let resp = http(mport, b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(resp.starts_with("HTTP/1.1 200 OK\r\n"), "{resp}");
    assert!(resp.contains("text/plain; version=0.0.4"));
    for needle in [
        "redis_up 1\n",
        "redis_connected_clients 1\n",
        "redis_keyspace_hits_total 1\n",
        "redis_keyspace_misses_total 1\n",
        "redis_db_keys{db=\"db0\"} 1\n",
        "redis_commands_total{cmd=\"get\"} 2\n",
        "redis_errors_total{err=\"ERR\"} 1\n",
        "redis_commands_latencies_usec_count{cmd=\"set\"} 1\n",
        "# TYPE redis_commands_latencies_usec histogram\n",
        "# TYPE redis_instantaneous_commands_per_second gauge\n",
        "# TYPE redis_instantaneous_input_bytes_per_second gauge\n",
        "# TYPE redis_instantaneous_output_bytes_per_second gauge\n",
    ] {
        assert!(resp.contains(needle), "missing {needle:?} in\n{resp}");
    }
    let health = http(mport, b"GET /health HTTP/1.0\r\n\r\n");
    assert!(
        health.starts_with("HTTP/1.1 200 OK") && health.ends_with("OK\n"),
        "{health}"
    );
}

#[test]
fn bad_requests_get_errors_and_idle_clients_are_dropped() {
    let mport = free_port();
    let srv = Server::start(&["--metrics-port", &mport.to_string()]);
    assert!(http(mport, b"BREW /coffee HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 405"));
    assert!(http(mport, b"GET /nope HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 404"));
    assert!(http(mport, b"nonsense\r\n\r\n").starts_with("HTTP/1.1 400"));
    // An oversized request gets a 400 or is cut off (reset) — never served.
    let mut s = TcpStream::connect(("127.0.0.1", mport)).unwrap();
    s.set_read_timeout(Some(support::DEADLINE)).unwrap();
    let _ = s.write_all(&vec![b'a'; 20_000]);
    let mut out = Vec::new();
    match s.read_to_end(&mut out) {
        Ok(_) => assert!(
            out.is_empty() || out.starts_with(b"HTTP/1.1 400"),
            "{out:?}"
        ),
        Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::ConnectionReset),
    }
    // An idle HTTP client is dropped within the responder's deadline, and the
    // data port keeps serving meanwhile.
    let mut idle = TcpStream::connect(("127.0.0.1", mport)).unwrap();
    idle.set_read_timeout(Some(Duration::from_secs(9))).unwrap();
    let mut r = srv.raw();
    assert_eq!(r.cmd(&["PING"]), b"+PONG\r\n");
    let mut buf = [0u8; 16];
    assert_eq!(
        idle.read(&mut buf).unwrap(),
        0,
        "idle client must be closed"
    );
}

#[test]
fn promtool_accepts_the_exposition() {
    let mport = free_port();
    let srv = Server::start(&["--metrics-port", &mport.to_string()]);
    let mut r = srv.raw();
    r.cmd(&["SET", "k", "v"]);
    r.cmd(&["GET", "k"]);
    r.cmd(&["NOSUCH"]);
    r.cmd(&["HELLO", "3"]);
    r.cmd(&["SUBSCRIBE", "c"]);
    promtool_check(&scrape(mport));
}

/// The body of GET /metrics on metrics port `mport`.
fn scrape(mport: u16) -> String {
    let resp = http(mport, b"GET /metrics HTTP/1.1\r\n\r\n");
    assert!(resp.starts_with("HTTP/1.1 200 OK\r\n"), "{resp}");
    resp.split_once("\r\n\r\n").unwrap().1.to_string()
}

/// Fails unless `promtool check metrics` accepts `body`.
fn promtool_check(body: &str) {
    let mut child = std::process::Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("promtool (Debian package prometheus; make test installs it)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(body.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "promtool rejected the metrics:\n{}{}\n{body}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A leader and one ferrocache replica of it, each with a metrics port,
/// once the replica's link is up.
struct Pair {
    leader: Server,
    leader_mport: u16,
    replica: Server,
    replica_mport: u16,
}

fn start_pair() -> Pair {
    let leader_mport = free_port();
    let leader = Server::start(&["--metrics-port", &leader_mport.to_string()]);
    let replica_mport = free_port();
    let leader_port = leader.port.to_string();
    let replica = Server::start(&[
        "--metrics-port",
        &replica_mport.to_string(),
        "--replicaof",
        "127.0.0.1",
        &leader_port,
    ]);
    wait_until("the replica's link to be up", || {
        replica.info_field("replication", "master_link_status") == "up"
    });
    Pair {
        leader,
        leader_mport,
        replica,
        replica_mport,
    }
}

/// `INFO` of the server behind `r`, as field → value (`slaveN` lines kept
/// whole).
fn info_fields(r: &mut Raw) -> HashMap<String, String> {
    let reply = r.cmd(&["INFO", "everything"]);
    String::from_utf8_lossy(&reply)
        .lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The value of the sample `series` (name and labels, exactly as exposed).
fn sample<'a>(body: &'a str, series: &str) -> Option<&'a str> {
    body.lines()
        .find_map(|l| l.strip_prefix(series).and_then(|v| v.strip_prefix(' ')))
}

/// A scrape taken between two INFOs that agree on every field in `exact`,
/// with the first INFO (retried until the state holds still).
fn scrape_between_infos(
    r: &mut Raw,
    mport: u16,
    exact: &[&str],
) -> (HashMap<String, String>, String, HashMap<String, String>) {
    for _ in 0..100 {
        let before = info_fields(r);
        let body = scrape(mport);
        let after = info_fields(r);
        if exact.iter().all(|f| before.get(*f) == after.get(*f)) {
            return (before, body, after);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("INFO never held still over a scrape");
}

/// A field of a `slaveN:ip=..,port=..` value.
fn slave_field<'a>(line: &'a str, key: &str) -> &'a str {
    line.split(',')
        .find_map(|kv| kv.strip_prefix(key).and_then(|v| v.strip_prefix('=')))
        .unwrap_or_else(|| panic!("no {key} in {line}"))
}

/// `series` carries a seconds value between what the INFO fields before
/// and after the scrape showed (a boundary may pass in between).
fn assert_seconds_between(body: &str, series: &str, before: &str, after: &str) {
    let got: i64 = sample(body, series)
        .unwrap_or_else(|| panic!("no {series} in\n{body}"))
        .parse()
        .unwrap();
    let (a, b): (i64, i64) = (before.parse().unwrap(), after.parse().unwrap());
    assert!(
        got >= a.min(b) && got <= a.max(b) + 1,
        "{series} {got}, INFO said {a} then {b}"
    );
}

/// The replication series of a leader and of its replica equal the INFO
/// fields they are named after, and promtool accepts both expositions.
#[test]
fn replication_series_equal_info_on_the_leader_and_its_replica() {
    let pair = start_pair();
    let mut lr = pair.leader.raw();
    for i in 0..20 {
        lr.cmd(&["SET", &format!("k{i}"), "v"]);
    }
    // The replica acknowledged everything the leader streamed.
    wait_until("the replica's acknowledgement of the writes", || {
        let info = info_fields(&mut lr);
        info.get("slave0")
            .is_some_and(|l| slave_field(l, "offset") == info["master_repl_offset"])
    });

    // The leader.
    let history = [
        "master_repl_offset",
        "second_repl_offset",
        "repl_backlog_active",
        "repl_backlog_size",
        "repl_backlog_first_byte_offset",
        "repl_backlog_histlen",
    ];
    let mut exact = history.to_vec();
    exact.extend([
        "connected_clients",
        "connected_slaves",
        "sync_full",
        "sync_partial_ok",
        "sync_partial_err",
    ]);
    let (info, body, after) = scrape_between_infos(&mut lr, pair.leader_mport, &exact);
    let slave0 = &info["slave0"];
    let replica_port = pair.replica.port.to_string();
    assert_eq!(slave_field(slave0, "ip"), "127.0.0.1");
    assert_eq!(slave_field(slave0, "port"), replica_port);
    assert_eq!(slave_field(slave0, "state"), "online");
    assert_eq!(info["sync_full"], "1");
    let slave_labels =
        format!("{{slave_ip=\"127.0.0.1\",slave_port=\"{replica_port}\",slave_state=\"online\"}}");
    let mut expected: Vec<(String, String)> = vec![
        (
            "redis_connected_clients".into(),
            info["connected_clients"].clone(),
        ),
        (
            "redis_connected_slaves".into(),
            info["connected_slaves"].clone(),
        ),
        (
            format!("redis_connected_slave_offset_bytes{slave_labels}"),
            slave_field(slave0, "offset").into(),
        ),
        (
            "redis_replica_resyncs_full".into(),
            info["sync_full"].clone(),
        ),
        (
            "redis_replica_partial_resync_accepted".into(),
            info["sync_partial_ok"].clone(),
        ),
        (
            "redis_replica_partial_resync_denied".into(),
            info["sync_partial_err"].clone(),
        ),
    ];
    let history_series = |info: &HashMap<String, String>| -> Vec<(String, String)> {
        [
            ("redis_master_repl_offset", "master_repl_offset"),
            ("redis_second_repl_offset", "second_repl_offset"),
            ("redis_repl_backlog_is_active", "repl_backlog_active"),
            ("redis_replication_backlog_bytes", "repl_backlog_size"),
            (
                "redis_repl_backlog_first_byte_offset",
                "repl_backlog_first_byte_offset",
            ),
            ("redis_repl_backlog_history_bytes", "repl_backlog_histlen"),
        ]
        .iter()
        .map(|(series, field)| (series.to_string(), info[*field].clone()))
        .collect()
    };
    expected.extend(history_series(&info));
    for (series, value) in &expected {
        assert_eq!(
            sample(&body, series),
            Some(value.as_str()),
            "{series} on the leader:\n{body}"
        );
    }
    assert_seconds_between(
        &body,
        &format!("redis_connected_slave_lag_seconds{slave_labels}"),
        slave_field(slave0, "lag"),
        slave_field(&after["slave0"], "lag"),
    );
    assert!(!body.contains("redis_master_link_up"), "{body}");
    promtool_check(&body);

    // The replica.
    let mut rr = pair.replica.raw();
    let mut exact = history.to_vec();
    exact.extend([
        "connected_slaves",
        "master_link_status",
        "master_sync_in_progress",
        "slave_repl_offset",
        "slave_priority",
        "slave_read_only",
    ]);
    let (info, body, after) = scrape_between_infos(&mut rr, pair.replica_mport, &exact);
    assert_eq!(info["master_link_status"], "up");
    let leader = format!(
        "{{master_host=\"127.0.0.1\",master_port=\"{}\"}}",
        pair.leader.port
    );
    let mut expected: Vec<(String, String)> = vec![
        (
            "redis_connected_slaves".into(),
            info["connected_slaves"].clone(),
        ),
        (format!("redis_master_link_up{leader}"), "1".into()),
        (
            format!("redis_master_sync_in_progress{leader}"),
            info["master_sync_in_progress"].clone(),
        ),
        (
            format!("redis_slave_repl_offset{leader}"),
            info["slave_repl_offset"].clone(),
        ),
        (
            "redis_slave_priority".into(),
            info["slave_priority"].clone(),
        ),
        (
            format!(
                "redis_slave_info{},read_only=\"{}\"}}",
                leader.trim_end_matches('}'),
                info["slave_read_only"]
            ),
            "1".into(),
        ),
    ];
    expected.extend(history_series(&info));
    for (series, value) in &expected {
        assert_eq!(
            sample(&body, series),
            Some(value.as_str()),
            "{series} on the replica:\n{body}"
        );
    }
    assert_eq!(
        info["master_repl_offset"], info["slave_repl_offset"],
        "a caught-up replica's history is its leader's"
    );
    assert_seconds_between(
        &body,
        &format!("redis_master_last_io_seconds_ago{leader}"),
        &info["master_last_io_seconds_ago"],
        &after["master_last_io_seconds_ago"],
    );
    promtool_check(&body);
}

/// Every series the shipped Grafana dashboard queries is one a leader or
/// its replica exposes (a renamed metric would leave a panel silently
/// empty).
#[test]
fn the_grafana_dashboard_queries_exposed_series() {
    let pair = start_pair();
    let mut r = pair.leader.raw();
    r.cmd(&["SET", "k", "v"]);
    r.cmd(&["NOSUCH"]);
    wait_until("the replica to list itself on the leader", || {
        scrape(pair.leader_mport).contains("\nredis_connected_slave_lag_seconds{")
    });
    let exposed = scrape(pair.leader_mport) + &scrape(pair.replica_mport);
    let dashboard = include_str!("../conf/grafana-dashboard.json");
    let mut names: Vec<&str> = dashboard
        .match_indices("redis_")
        .map(|(at, _)| {
            let rest = &dashboard[at..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            &rest[..end]
        })
        .collect();
    names.sort();
    names.dedup();
    assert!(names.len() >= 10, "{names:?}");
    for name in names {
        assert!(
            exposed.contains(&format!("\n{name} ")) || exposed.contains(&format!("\n{name}{{")),
            "the dashboard queries {name}, which /metrics does not expose"
        );
    }
}
