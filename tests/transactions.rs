//! MULTI / EXEC / DISCARD / WATCH / UNWATCH, compared with Redis 7.0's replies.

mod support;
use support::Server;

#[test]
fn multi_exec_queues_and_runs_in_order() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    assert_eq!(r.cmd(&["MULTI"]), b"+OK\r\n");
    assert_eq!(r.cmd(&["MULTI"]), b"-ERR MULTI calls can not be nested\r\n");
    assert_eq!(r.cmd(&["SET", "a", "1"]), b"+QUEUED\r\n");
    assert_eq!(r.cmd(&["INCR", "a"]), b"+QUEUED\r\n");
    assert_eq!(r.cmd(&["GET", "a"]), b"+QUEUED\r\n");
    assert_eq!(r.cmd(&["EXEC"]), b"*3\r\n+OK\r\n:2\r\n$1\r\n2\r\n");
    assert_eq!(r.cmd(&["EXEC"]), b"-ERR EXEC without MULTI\r\n");
    assert_eq!(r.cmd(&["DISCARD"]), b"-ERR DISCARD without MULTI\r\n");
}

#[test]
fn runtime_errors_stay_inside_the_exec_reply() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    r.cmd(&["SET", "s", "text"]);
    r.cmd(&["MULTI"]);
    r.cmd(&["INCR", "s"]);
    r.cmd(&["SET", "b", "2"]);
    assert_eq!(
        r.cmd(&["EXEC"]),
        &b"*2\r\n-ERR value is not an integer or out of range\r\n+OK\r\n"[..]
    );
}

#[test]
fn queueing_errors_abort_the_transaction() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    r.cmd(&["MULTI"]);
    r.cmd(&["SET", "a", "1"]);
    assert_eq!(
        r.cmd(&["FOO"]),
        &b"-ERR unknown command 'FOO', with args beginning with: \r\n"[..]
    );
    assert_eq!(
        r.cmd(&["GET"]),
        b"-ERR wrong number of arguments for 'get' command\r\n"
    );
    assert_eq!(
        r.cmd(&["WATCH", "x"]),
        b"-ERR WATCH inside MULTI is not allowed\r\n"
    );
    assert_eq!(
        r.cmd(&["EXEC"]),
        &b"-EXECABORT Transaction discarded because of previous errors.\r\n"[..]
    );
    assert_eq!(r.cmd(&["GET", "a"]), b"$-1\r\n");
    r.cmd(&["MULTI"]);
    assert_eq!(
        r.cmd(&["SHUTDOWN"]),
        &b"-ERR Command not allowed inside a transaction\r\n"[..]
    );
    assert!(r.cmd(&["EXEC"]).starts_with(b"-EXECABORT"));
}

#[test]
fn discard_drops_the_queue() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    r.cmd(&["MULTI"]);
    r.cmd(&["SET", "a", "1"]);
    assert_eq!(r.cmd(&["DISCARD"]), b"+OK\r\n");
    assert_eq!(r.cmd(&["GET", "a"]), b"$-1\r\n");
}

#[test]
fn watch_fails_exec_when_another_client_writes() {
    let srv = Server::start(&[]);
    let mut a = srv.raw();
    let mut b = srv.raw();
    a.cmd(&["SET", "k", "1"]);
    assert_eq!(a.cmd(&["WATCH", "k"]), b"+OK\r\n");
    b.cmd(&["SET", "k", "2"]);
    a.cmd(&["MULTI"]);
    a.cmd(&["SET", "k", "3"]);
    assert_eq!(a.cmd(&["EXEC"]), b"*-1\r\n");
    assert_eq!(a.cmd(&["GET", "k"]), b"$1\r\n2\r\n");
    // Watches end with EXEC: the next transaction succeeds.
    a.cmd(&["MULTI"]);
    a.cmd(&["SET", "k", "3"]);
    assert_eq!(a.cmd(&["EXEC"]), b"*1\r\n+OK\r\n");
}

#[test]
fn watch_survives_writes_that_change_nothing_and_unwatch() {
    let srv = Server::start(&[]);
    let mut a = srv.raw();
    let mut b = srv.raw();
    a.cmd(&["SET", "k", "1"]);
    a.cmd(&["WATCH", "k", "other"]);
    // SET NX on an existing key modifies nothing: the transaction still runs.
    assert_eq!(b.cmd(&["SET", "k", "9", "NX"]), b"$-1\r\n");
    a.cmd(&["MULTI"]);
    a.cmd(&["GET", "k"]);
    assert_eq!(a.cmd(&["EXEC"]), b"*1\r\n$1\r\n1\r\n");
    a.cmd(&["WATCH", "k"]);
    assert_eq!(a.cmd(&["UNWATCH"]), b"+OK\r\n");
    b.cmd(&["SET", "k", "2"]);
    a.cmd(&["MULTI"]);
    a.cmd(&["GET", "k"]);
    assert_eq!(a.cmd(&["EXEC"]), b"*1\r\n$1\r\n2\r\n");
}

#[test]
fn watch_fails_on_flush_and_on_expiry_in_resp3() {
    let srv = Server::start(&[]);
    let mut a = srv.raw();
    let mut b = srv.raw();
    a.cmd(&["HELLO", "3"]);
    a.cmd(&["SET", "k", "1"]);
    a.cmd(&["WATCH", "k"]);
    b.cmd(&["FLUSHALL"]);
    a.cmd(&["MULTI"]);
    a.cmd(&["PING"]);
    assert_eq!(a.cmd(&["EXEC"]), b"_\r\n");

    a.cmd(&["SET", "t", "1", "PX", "30"]);
    a.cmd(&["WATCH", "t"]);
    support::wait_until("the watched key to expire", || {
        b.cmd(&["PTTL", "t"]) == b":-2\r\n"
    });
    // The spec (stricter than redis-server 7.0.15, which lets a lazily
    // deleted key pass): a watched key that expired fails the transaction.
    a.cmd(&["MULTI"]);
    a.cmd(&["PING"]);
    assert_eq!(a.cmd(&["EXEC"]), b"_\r\n");

    // Expired and removed by the active cycle, nobody touching it.
    a.cmd(&["SET", "u", "1", "PX", "20"]);
    a.cmd(&["WATCH", "u"]);
    support::wait_until("the active cycle to remove the key", || {
        b.cmd(&["DBSIZE"]) == b":0\r\n"
    });
    a.cmd(&["MULTI"]);
    a.cmd(&["PING"]);
    assert_eq!(a.cmd(&["EXEC"]), b"_\r\n");
}

#[test]
fn watch_fails_when_the_key_is_evicted() {
    let srv = Server::start(&["--maxmemory", "3mb", "--maxmemory-policy", "allkeys-random"]);
    let mut a = srv.raw();
    let mut b = srv.raw();
    a.cmd(&["SET", "watched", "v"]);
    a.cmd(&["WATCH", "watched"]);
    let value = "x".repeat(1000);
    let mut i = 0;
    while b.cmd(&["EXISTS", "watched"]) == b":1\r\n" {
        b.cmd(&["SET", &format!("filler:{i}"), &value]);
        i += 1;
        assert!(i < 100_000, "the watched key was never evicted");
    }
    a.cmd(&["MULTI"]);
    a.cmd(&["PING"]);
    assert_eq!(a.cmd(&["EXEC"]), b"*-1\r\n");
}

#[test]
fn reset_leaves_multi() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    r.cmd(&["MULTI"]);
    assert_eq!(r.cmd(&["RESET"]), b"+RESET\r\n");
    assert_eq!(r.cmd(&["EXEC"]), b"-ERR EXEC without MULTI\r\n");
}
