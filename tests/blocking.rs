//! Blocking pops: clients wait without polling, are served in FIFO order when
//! a push (or a MULTI/EXEC, or a rename) makes data available, time out on
//! time, may block on several keys, and are cleaned up when they disconnect.

mod support;
use std::time::{Duration, Instant};
use support::{wait_until, Raw, Server};

fn blocked_clients(r: &mut Raw) -> usize {
    let info = String::from_utf8(r.cmd(&["INFO", "clients"])).unwrap();
    info.lines()
        .find_map(|l| l.strip_prefix("blocked_clients:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

#[test]
fn waiters_are_served_in_fifo_order() {
    let srv = Server::start(&[]);
    let mut ctl = srv.raw();
    let mut waiters: Vec<Raw> = (0..3).map(|_| srv.raw()).collect();
    for (i, w) in waiters.iter_mut().enumerate() {
        w.send(b"BLPOP q 0\r\n");
        wait_until("the waiter to block", || blocked_clients(&mut ctl) == i + 1);
    }
    ctl.cmd(&["RPUSH", "q", "a", "b", "c"]);
    assert_eq!(waiters[0].reply(), b"*2\r\n$1\r\nq\r\n$1\r\na\r\n");
    assert_eq!(waiters[1].reply(), b"*2\r\n$1\r\nq\r\n$1\r\nb\r\n");
    assert_eq!(waiters[2].reply(), b"*2\r\n$1\r\nq\r\n$1\r\nc\r\n");
    assert_eq!(blocked_clients(&mut ctl), 0);
    assert_eq!(ctl.cmd(&["EXISTS", "q"]), b":0\r\n");
}

#[test]
fn timeouts_are_on_time_and_fractional() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    let started = Instant::now();
    assert_eq!(r.cmd(&["BLPOP", "nothing", "0.3"]), b"*-1\r\n");
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(290), "{waited:?}");
    assert!(waited < Duration::from_millis(1500), "{waited:?}");
    r.cmd(&["HELLO", "3"]);
    assert_eq!(r.cmd(&["BLPOP", "nothing", "0.05"]), b"_\r\n");
    assert_eq!(
        r.cmd(&["BLMOVE", "nothing", "dst", "LEFT", "RIGHT", "0.05"]),
        b"_\r\n"
    );
    r.cmd(&["HELLO", "2"]);
    assert_eq!(
        r.cmd(&["BLMOVE", "nothing", "dst", "LEFT", "RIGHT", "0.05"]),
        b"$-1\r\n"
    );
    assert_eq!(
        r.cmd(&["BLPOP", "k", "-1"]),
        &b"-ERR timeout is negative\r\n"[..]
    );
    assert_eq!(
        r.cmd(&["BLPOP", "k", "abc"]),
        &b"-ERR timeout is not a float or out of range\r\n"[..]
    );
}

#[test]
fn several_keys_multi_exec_and_rename_wake_waiters() {
    let srv = Server::start(&[]);
    let mut ctl = srv.raw();
    let mut w = srv.raw();
    w.send(b"BRPOP a b c 0\r\n");
    wait_until("the waiter to block", || blocked_clients(&mut ctl) == 1);
    ctl.cmd(&["MULTI"]);
    ctl.cmd(&["LPUSH", "c", "1"]);
    ctl.cmd(&["LPUSH", "c", "2"]);
    ctl.cmd(&["EXEC"]);
    assert_eq!(w.reply(), b"*2\r\n$1\r\nc\r\n$1\r\n1\r\n");

    w.send(b"BLPOP target 0\r\n");
    wait_until("the waiter to block", || blocked_clients(&mut ctl) == 1);
    ctl.cmd(&["RPUSH", "source", "x"]);
    ctl.cmd(&["RENAME", "source", "target"]);
    assert_eq!(w.reply(), b"*2\r\n$6\r\ntarget\r\n$1\r\nx\r\n");
}

#[test]
fn blocking_inside_multi_does_not_block() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    r.cmd(&["MULTI"]);
    r.cmd(&["BLPOP", "empty", "0"]);
    assert_eq!(r.cmd(&["EXEC"]), b"*1\r\n*-1\r\n");
}

#[test]
fn disconnected_waiters_are_forgotten_and_pipelines_resume() {
    let srv = Server::start(&[]);
    let mut ctl = srv.raw();
    {
        let mut gone = srv.raw();
        gone.send(b"BLPOP q 0\r\n");
        wait_until("the waiter to block", || blocked_clients(&mut ctl) == 1);
    }
    wait_until("the closed waiter to be removed", || {
        blocked_clients(&mut ctl) == 0
    });
    let mut w = srv.raw();
    // Commands pipelined behind a blocking one run once it is served.
    w.send(b"BLPOP q 0\r\nECHO after\r\n");
    wait_until("the waiter to block", || blocked_clients(&mut ctl) == 1);
    ctl.cmd(&["LPUSH", "q", "v"]);
    assert_eq!(w.reply(), b"*2\r\n$1\r\nq\r\n$1\r\nv\r\n");
    assert_eq!(w.reply(), b"$5\r\nafter\r\n");
    // The push was consumed by the waiter: nothing is left.
    assert_eq!(ctl.cmd(&["LLEN", "q"]), b":0\r\n");
}

#[test]
fn blmove_and_sorted_set_pops_block_too() {
    let srv = Server::start(&[]);
    let mut ctl = srv.raw();
    let mut w = srv.raw();
    w.send(b"BLMOVE src dst RIGHT LEFT 0\r\n");
    wait_until("the waiter to block", || blocked_clients(&mut ctl) == 1);
    ctl.cmd(&["RPUSH", "src", "1", "2"]);
    assert_eq!(w.reply(), b"$1\r\n2\r\n");
    assert_eq!(ctl.cmd(&["LRANGE", "dst", "0", "-1"]), b"*1\r\n$1\r\n2\r\n");

    w.send(b"BZPOPMIN z 0\r\n");
    wait_until("the waiter to block", || blocked_clients(&mut ctl) == 1);
    ctl.cmd(&["ZADD", "z", "2", "b", "1", "a"]);
    assert_eq!(w.reply(), b"*3\r\n$1\r\nz\r\n$1\r\na\r\n$1\r\n1\r\n");
}
