//! Pub/Sub: subscriptions, delivery, patterns, shard channels, RESP2
//! subscriber mode and RESP3 push frames, PUBSUB introspection, slow
//! subscribers cut off by client-output-buffer-limit.

mod support;
use support::{wait_until, Server};

#[test]
fn subscribe_publish_and_patterns_in_resp2() {
    let srv = Server::start(&[]);
    let mut sub = srv.raw();
    let mut publisher = srv.raw();
    sub.send(b"SUBSCRIBE news sport\r\n");
    assert_eq!(
        sub.reply(),
        b"*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n"
    );
    assert_eq!(
        sub.reply(),
        b"*3\r\n$9\r\nsubscribe\r\n$5\r\nsport\r\n:2\r\n"
    );
    sub.send(b"PSUBSCRIBE n*\r\n");
    assert_eq!(
        sub.reply(),
        b"*3\r\n$10\r\npsubscribe\r\n$2\r\nn*\r\n:3\r\n"
    );
    assert_eq!(publisher.cmd(&["PUBLISH", "news", "hello"]), b":2\r\n");
    assert_eq!(
        sub.reply(),
        b"*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$5\r\nhello\r\n"
    );
    assert_eq!(
        sub.reply(),
        b"*4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$4\r\nnews\r\n$5\r\nhello\r\n"
    );
    assert_eq!(publisher.cmd(&["PUBLISH", "nobody", "x"]), b":1\r\n");
    sub.reply();
    assert_eq!(publisher.cmd(&["PUBLISH", "void", "x"]), b":0\r\n");
}

#[test]
fn resp2_subscriber_mode_allows_only_pubsub_commands() {
    let srv = Server::start(&[]);
    let mut sub = srv.raw();
    sub.cmd(&["SUBSCRIBE", "a"]);
    assert_eq!(sub.cmd(&["PING"]), b"*2\r\n$4\r\npong\r\n$0\r\n\r\n");
    assert_eq!(sub.cmd(&["PING", "x"]), b"*2\r\n$4\r\npong\r\n$1\r\nx\r\n");
    assert_eq!(
        sub.cmd(&["GET", "a"]),
        &b"-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n"[..]
    );
    assert_eq!(
        sub.cmd(&["UNSUBSCRIBE"]),
        b"*3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:0\r\n"
    );
    assert_eq!(
        sub.cmd(&["PUNSUBSCRIBE"]),
        b"*3\r\n$12\r\npunsubscribe\r\n$-1\r\n:0\r\n"
    );
    assert_eq!(sub.cmd(&["GET", "a"]), b"$-1\r\n");
}

#[test]
fn resp3_gets_push_frames_and_may_run_anything() {
    let srv = Server::start(&[]);
    let mut sub = srv.raw();
    let mut publisher = srv.raw();
    sub.cmd(&["HELLO", "3"]);
    assert_eq!(
        sub.cmd(&["SUBSCRIBE", "a"]),
        b">3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n"
    );
    assert_eq!(sub.cmd(&["PING"]), b"+PONG\r\n");
    assert_eq!(sub.cmd(&["GET", "k"]), b"_\r\n");
    publisher.cmd(&["PUBLISH", "a", "m"]);
    assert_eq!(
        sub.reply(),
        b">3\r\n$7\r\nmessage\r\n$1\r\na\r\n$1\r\nm\r\n"
    );
}

#[test]
fn shard_channels_and_introspection() {
    let srv = Server::start(&[]);
    let mut a = srv.raw();
    let mut b = srv.raw();
    let mut q = srv.raw();
    a.cmd(&["SUBSCRIBE", "c1", "c2"]);
    a.reply(); // the second confirmation
    b.cmd(&["SUBSCRIBE", "c1"]);
    b.cmd(&["PSUBSCRIBE", "x*"]);
    assert_eq!(
        a.cmd(&["SSUBSCRIBE", "s"]),
        b"*3\r\n$10\r\nssubscribe\r\n$1\r\ns\r\n:1\r\n"
    );
    assert_eq!(
        q.cmd(&["PUBSUB", "NUMSUB", "c1", "c2", "none"]),
        b"*6\r\n$2\r\nc1\r\n:2\r\n$2\r\nc2\r\n:1\r\n$4\r\nnone\r\n:0\r\n"
    );
    assert_eq!(q.cmd(&["PUBSUB", "NUMPAT"]), b":1\r\n");
    assert_eq!(q.cmd(&["PUBSUB", "CHANNELS", "c2"]), b"*1\r\n$2\r\nc2\r\n");
    assert_eq!(q.cmd(&["PUBSUB", "SHARDCHANNELS"]), b"*1\r\n$1\r\ns\r\n");
    assert_eq!(
        q.cmd(&["PUBSUB", "SHARDNUMSUB", "s"]),
        b"*2\r\n$1\r\ns\r\n:1\r\n"
    );
    assert_eq!(q.cmd(&["SPUBLISH", "s", "hi"]), b":1\r\n");
    assert_eq!(
        a.reply(),
        b"*3\r\n$8\r\nsmessage\r\n$1\r\ns\r\n$2\r\nhi\r\n"
    );
    // A disconnecting subscriber leaves the tables.
    drop(b);
    wait_until("the closed subscriber to be removed", || {
        q.cmd(&["PUBSUB", "NUMSUB", "c1"]) == b"*2\r\n$2\r\nc1\r\n:1\r\n"
    });
    assert_eq!(q.cmd(&["PUBSUB", "NUMPAT"]), b":0\r\n");
}

#[test]
fn slow_subscriber_is_disconnected_others_keep_receiving() {
    let srv = Server::start(&[
        "--client-output-buffer-limit",
        "pubsub",
        "1mb",
        "512kb",
        "60",
    ]);
    let mut slow = srv.raw();
    let mut fast = srv.raw();
    let mut publisher = srv.raw();
    slow.cmd(&["SUBSCRIBE", "firehose"]);
    fast.cmd(&["SUBSCRIBE", "firehose"]);
    let payload = "x".repeat(64 * 1024);
    // The slow subscriber never reads; the fast one reads everything.
    let mut cut_off = false;
    for i in 0..400 {
        let receivers = publisher.cmd(&["PUBLISH", "firehose", &payload]);
        let got = fast.reply();
        assert!(
            got.ends_with(format!("{payload}\r\n").as_bytes()),
            "message {i}"
        );
        if receivers == b":1\r\n" {
            cut_off = true;
            break;
        }
    }
    assert!(cut_off, "the slow subscriber must be disconnected");
    assert_eq!(
        publisher.cmd(&["PUBSUB", "NUMSUB", "firehose"]),
        b"*2\r\n$8\r\nfirehose\r\n:1\r\n"
    );
}
