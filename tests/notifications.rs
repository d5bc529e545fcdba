//! Keyspace notifications: set, expire, del, expired and evicted events on
//! __keyspace@<db>__ and __keyevent@<db>__ channels, filtered by class.

mod support;
use support::{pmessage, Server};

#[test]
fn set_expire_del_and_expired_events() {
    let srv = Server::start(&["--notify-keyspace-events", "KEA"]);
    let mut sub = srv.raw();
    let mut r = srv.raw();
    assert_eq!(
        r.cmd(&["CONFIG", "GET", "notify-keyspace-events"]),
        b"*2\r\n$22\r\nnotify-keyspace-events\r\n$3\r\nAKE\r\n"
    );
    sub.cmd(&["PSUBSCRIBE", "__key*__:*"]);
    let p = "__key*__:*";
    r.cmd(&["SET", "k", "v"]);
    assert_eq!(sub.reply(), pmessage(p, "__keyspace@0__:k", "set"));
    assert_eq!(sub.reply(), pmessage(p, "__keyevent@0__:set", "k"));
    r.cmd(&["EXPIRE", "k", "100"]);
    assert_eq!(sub.reply(), pmessage(p, "__keyspace@0__:k", "expire"));
    assert_eq!(sub.reply(), pmessage(p, "__keyevent@0__:expire", "k"));
    r.cmd(&["DEL", "k", "missing"]);
    assert_eq!(sub.reply(), pmessage(p, "__keyspace@0__:k", "del"));
    assert_eq!(sub.reply(), pmessage(p, "__keyevent@0__:del", "k"));
    // Expired by the active cycle without anyone touching it.
    r.cmd(&["SET", "t", "v", "PX", "20"]);
    assert_eq!(sub.reply(), pmessage(p, "__keyspace@0__:t", "set"));
    assert_eq!(sub.reply(), pmessage(p, "__keyevent@0__:set", "t"));
    assert_eq!(sub.reply(), pmessage(p, "__keyspace@0__:t", "expire"));
    assert_eq!(sub.reply(), pmessage(p, "__keyevent@0__:expire", "t"));
    assert_eq!(sub.reply(), pmessage(p, "__keyspace@0__:t", "expired"));
    assert_eq!(sub.reply(), pmessage(p, "__keyevent@0__:expired", "t"));
}

#[test]
fn classes_filter_and_evicted_events() {
    let srv = Server::start(&[
        "--notify-keyspace-events",
        "Ee",
        "--maxmemory",
        "2mb",
        "--maxmemory-policy",
        "allkeys-random",
    ]);
    let mut sub = srv.raw();
    let mut r = srv.raw();
    assert_eq!(
        sub.cmd(&["SUBSCRIBE", "__keyevent@0__:evicted"]),
        b"*3\r\n$9\r\nsubscribe\r\n$22\r\n__keyevent@0__:evicted\r\n:1\r\n"
    );
    let value = "x".repeat(1000);
    let mut i = 0;
    loop {
        r.cmd(&["SET", &format!("fill:{i}"), &value]);
        i += 1;
        let stats = String::from_utf8(r.cmd(&["INFO", "stats"])).unwrap();
        if !stats.contains("evicted_keys:0\r\n") {
            break;
        }
        assert!(i < 100_000, "nothing was evicted");
    }
    let msg = String::from_utf8(sub.reply()).unwrap();
    assert!(
        msg.starts_with("*3\r\n$7\r\nmessage\r\n$22\r\n__keyevent@0__:evicted\r\n"),
        "{msg}"
    );
    assert!(msg.contains("fill:"), "{msg}");
    assert_eq!(
        r.cmd(&["CONFIG", "SET", "notify-keyspace-events", "foo"]),
        &b"-ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - Invalid event class character. Use 'Ag$lshzxeKEtmdn'.\r\n"[..]
    );
}

#[test]
fn collection_events_and_del_when_emptied() {
    let srv = Server::start(&["--notify-keyspace-events", "Elhsg"]);
    let mut sub = srv.raw();
    let mut r = srv.raw();
    sub.cmd(&["PSUBSCRIBE", "__keyevent@0__:*"]);
    let p = "__keyevent@0__:*";
    r.cmd(&["RPUSH", "l", "a"]);
    assert_eq!(sub.reply(), pmessage(p, "__keyevent@0__:rpush", "l"));
    r.cmd(&["LPOP", "l"]);
    assert_eq!(sub.reply(), pmessage(p, "__keyevent@0__:lpop", "l"));
    assert_eq!(sub.reply(), pmessage(p, "__keyevent@0__:del", "l"));
    r.cmd(&["HSET", "h", "f", "v"]);
    assert_eq!(sub.reply(), pmessage(p, "__keyevent@0__:hset", "h"));
    r.cmd(&["HDEL", "h", "f"]);
    assert_eq!(sub.reply(), pmessage(p, "__keyevent@0__:hdel", "h"));
    assert_eq!(sub.reply(), pmessage(p, "__keyevent@0__:del", "h"));
    r.cmd(&["SADD", "s", "m"]);
    assert_eq!(sub.reply(), pmessage(p, "__keyevent@0__:sadd", "s"));
    r.cmd(&["SADD", "s", "m"]);
    r.cmd(&["SREM", "s", "m"]);
    assert_eq!(sub.reply(), pmessage(p, "__keyevent@0__:srem", "s"));
    assert_eq!(sub.reply(), pmessage(p, "__keyevent@0__:del", "s"));
}

#[test]
fn new_key_and_key_miss_events() {
    let srv = Server::start(&["--notify-keyspace-events", "Enm"]);
    let mut sub = srv.raw();
    let mut r = srv.raw();
    sub.cmd(&["PSUBSCRIBE", "__keyevent@0__:*"]);
    let p = "__keyevent@0__:*";
    r.cmd(&["SET", "fresh", "v"]);
    assert_eq!(sub.reply(), pmessage(p, "__keyevent@0__:new", "fresh"));
    r.cmd(&["SET", "fresh", "w"]); // not new any more: no event
    r.cmd(&["GET", "absent"]);
    assert_eq!(sub.reply(), pmessage(p, "__keyevent@0__:keymiss", "absent"));
    r.cmd(&["RPUSH", "list", "a"]);
    assert_eq!(sub.reply(), pmessage(p, "__keyevent@0__:new", "list"));
}
