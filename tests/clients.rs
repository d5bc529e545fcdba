//! Real client libraries against the real binary: redis-py (through
//! scripts/redis_py_check.py, RESP2 and RESP3) and the `redis` crate.

mod support;
use std::process::Command;
use support::Server;

#[test]
fn redis_py_works_unchanged_in_resp2_and_resp3() {
    let srv = Server::start(&[]);
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/redis_py_check.py");
    let out = Command::new("timeout")
        .args(["60", "python3", script, "--port", &srv.port.to_string()])
        .output()
        .expect("python3 must be installed (make test installs redis-py)");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "redis-py check failed:\n{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("all redis-py checks passed"), "{text}");
}

#[test]
fn redis_crate_strings_keys_and_pipelines() {
    let srv = Server::start(&[]);
    let mut con = srv.client();
    let _: () = redis::cmd("SET").arg("a").arg("1").query(&mut con).unwrap();
    let v: String = redis::cmd("GET").arg("a").query(&mut con).unwrap();
    assert_eq!(v, "1");
    let mut pipe = redis::pipe();
    for i in 0..100 {
        pipe.cmd("SET").arg(format!("p{i}")).arg(i).ignore();
    }
    pipe.cmd("DBSIZE");
    let (n,): (i64,) = pipe.query(&mut con).unwrap();
    assert_eq!(n, 101);
    let bin: Vec<u8> = vec![0, 1, 2, 255, b'\r', b'\n'];
    let _: () = redis::cmd("SET")
        .arg(&bin[..])
        .arg(&bin[..])
        .query(&mut con)
        .unwrap();
    let back: Vec<u8> = redis::cmd("GET").arg(&bin[..]).query(&mut con).unwrap();
    assert_eq!(back, bin);
}

#[test]
fn redis_py_job_queue_delivers_every_message_exactly_once() {
    let srv = Server::start(&[]);
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/queue_check.py");
    let out = Command::new("timeout")
        .args([
            "240",
            "python3",
            script,
            "--port",
            &srv.port.to_string(),
            "--messages",
            "100000",
        ])
        .output()
        .expect("python3 with redis-py (make test installs it)");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && text.contains("lost=0 duplicated=0 unacked=0"),
        "queue check failed:\n{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn redis_py_pubsub_transactions_and_notifications() {
    let srv = Server::start(&[]);
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scripts/redis_py_pubsub_check.py"
    );
    let out = Command::new("timeout")
        .args(["120", "python3", script, "--port", &srv.port.to_string()])
        .output()
        .expect("python3 with redis-py (make test installs it)");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && text.contains("all redis-py pub/sub and transaction checks passed"),
        "redis-py pub/sub check failed:\n{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
