//! The Prometheus responder: GET /metrics and /health over real HTTP on the
//! metrics port, errors for bad requests, idle HTTP clients dropped.

mod support;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;
use support::{free_port, Server};

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
    let resp = http(mport, b"GET /metrics HTTP/1.1\r\n\r\n");
    let body = resp.split_once("\r\n\r\n").unwrap().1.to_string();
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
        "promtool rejected the metrics:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Every series the shipped Grafana dashboard queries is one the server
/// exposes (a renamed metric would leave a panel silently empty).
#[test]
fn the_grafana_dashboard_queries_exposed_series() {
    let mport = free_port();
    let srv = Server::start(&["--metrics-port", &mport.to_string()]);
    let mut r = srv.raw();
    r.cmd(&["SET", "k", "v"]);
    r.cmd(&["NOSUCH"]);
    let exposed = http(mport, b"GET /metrics HTTP/1.0\r\n\r\n");
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
            exposed.contains(&format!("\n{name}")) || exposed.contains(&format!("\n{name}{{")),
            "the dashboard queries {name}, which /metrics does not expose"
        );
    }
}
