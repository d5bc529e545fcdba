//! COMMAND INFO / DOCS / LIST / COUNT / GETKEYS / GETKEYSANDFLAGS compared
//! byte for byte with a real redis-server 7.0, in RESP2 and RESP3, for every
//! command ferrocache implements; and the keys dispatch takes from movable-key
//! commands (WATCH, blocked clients).

#[path = "support/reference.rs"]
mod reference;
mod support;

use reference::Reference;
use support::{Raw, Server};

/// A parsed RESP reply, for comparisons that must ignore an order.
#[derive(Clone, PartialEq)]
enum V {
    Line(u8, Vec<u8>),
    Bulk(Option<Vec<u8>>),
    Agg(u8, Vec<V>),
}

/// Shown as text, one value per line, nested values indented.
impl std::fmt::Debug for V {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        fn show(v: &V, depth: usize, out: &mut String) {
            let pad = "  ".repeat(depth);
            match v {
                V::Line(k, t) => out.push_str(&format!(
                    "{pad}{}{}\n",
                    *k as char,
                    String::from_utf8_lossy(t)
                )),
                V::Bulk(None) => out.push_str(&format!("{pad}(nil)\n")),
                V::Bulk(Some(t)) => {
                    out.push_str(&format!("{pad}\"{}\"\n", String::from_utf8_lossy(t)))
                }
                V::Agg(k, items) => {
                    out.push_str(&format!("{pad}{}{}\n", *k as char, items.len()));
                    items.iter().for_each(|i| show(i, depth + 1, out));
                }
            }
        }
        let mut out = String::from("\n");
        show(self, 0, &mut out);
        f.write_str(&out)
    }
}

impl V {
    fn parse(buf: &[u8], pos: &mut usize) -> V {
        let end = *pos + buf[*pos..].windows(2).position(|w| w == b"\r\n").unwrap();
        let kind = buf[*pos];
        let line = buf[*pos + 1..end].to_vec();
        *pos = end + 2;
        let n = || std::str::from_utf8(&line).unwrap().parse::<i64>().unwrap();
        match kind {
            b'$' if n() < 0 => V::Bulk(None),
            b'$' => {
                let len = n() as usize;
                let data = buf[*pos..*pos + len].to_vec();
                *pos += len + 2;
                V::Bulk(Some(data))
            }
            b'*' | b'~' | b'%' if n() >= 0 => {
                let count = if kind == b'%' { 2 * n() } else { n() };
                V::Agg(kind, (0..count).map(|_| V::parse(buf, pos)).collect())
            }
            _ => V::Line(kind, line),
        }
    }

    fn from(reply: &[u8]) -> V {
        let mut pos = 0;
        let v = V::parse(reply, &mut pos);
        assert_eq!(pos, reply.len(), "one reply");
        v
    }

    fn items(&self) -> &[V] {
        match self {
            V::Agg(_, items) => items,
            _ => panic!("not an aggregate: {self:?}"),
        }
    }

    fn text(&self) -> &[u8] {
        match self {
            V::Line(_, t) | V::Bulk(Some(t)) => t,
            _ => panic!("not a string: {self:?}"),
        }
    }
}

/// A connection in RESP `proto` (2 or 3).
fn connect(port: u16, proto: u8) -> Raw {
    let mut r = Raw::connect(port);
    if proto == 3 {
        let hello = r.cmd(&["HELLO", "3"]);
        assert!(
            hello.starts_with(b"%"),
            "{}",
            String::from_utf8_lossy(&hello)
        );
    }
    r
}

/// Every name (subcommands too) in the server's COMMAND LIST.
fn names(r: &mut Raw) -> Vec<String> {
    V::from(&r.cmd(&["COMMAND", "LIST"]))
        .items()
        .iter()
        .map(|n| String::from_utf8(n.text().to_vec()).unwrap())
        .collect()
}

/// The names both servers have: every command ferrocache implements except
/// the few newer than Redis 7.0 (CLIENT SETINFO).
fn shared_names(ours: &mut Raw, theirs: &mut Raw) -> Vec<String> {
    let redis = names(theirs);
    let shared: Vec<String> = names(ours)
        .into_iter()
        .filter(|n| redis.contains(n))
        .collect();
    assert!(shared.len() > 150, "{}", shared.len());
    shared
}

/// An INFO entry with its subcommands (field 9) sorted by name and limited
/// to the names in `keep`.
fn normalize_info(entry: &V, keep: &[String]) -> V {
    let mut fields = entry.items().to_vec();
    let V::Agg(kind, subs) = &fields[9] else {
        panic!("subcommands")
    };
    let mut subs: Vec<V> = subs
        .iter()
        .filter(|s| keep.iter().any(|k| k.as_bytes() == s.items()[0].text()))
        .map(|s| normalize_info(s, keep))
        .collect();
    subs.sort_by(|a, b| a.items()[0].text().cmp(b.items()[0].text()));
    fields[9] = V::Agg(*kind, subs);
    V::Agg(b'*', fields)
}

/// A DOCS map (as a flat list of pairs) with its `subcommands` limited to
/// `keep` and sorted by name.
fn normalize_doc(doc: &V, keep: &[String]) -> V {
    let V::Agg(kind, flat) = doc else {
        panic!("doc")
    };
    let mut out = flat.clone();
    for i in (0..out.len()).step_by(2) {
        if out[i].text() == b"subcommands" {
            let V::Agg(sub_kind, sub_flat) = &out[i + 1] else {
                panic!("subcommands")
            };
            let mut pairs: Vec<(V, V)> = sub_flat
                .chunks(2)
                .filter(|p| keep.iter().any(|k| k.as_bytes() == p[0].text()))
                .map(|p| (p[0].clone(), normalize_doc(&p[1], keep)))
                .collect();
            pairs.sort_by(|a, b| a.0.text().cmp(b.0.text()));
            let flat = pairs.into_iter().flat_map(|(k, v)| [k, v]).collect();
            out[i + 1] = V::Agg(*sub_kind, flat);
        }
    }
    V::Agg(*kind, out)
}

#[test]
fn command_info_matches_redis_for_every_implemented_command() {
    let Some(reference) = Reference::start() else {
        return;
    };
    let srv = Server::start(&[]);
    for proto in [2, 3] {
        let mut ours = connect(srv.port, proto);
        let mut theirs = connect(reference.port, proto);
        let names = shared_names(&mut ours, &mut theirs);
        for name in &names {
            let expected = V::from(&theirs.cmd(&["COMMAND", "INFO", name]));
            let got = V::from(&ours.cmd(&["COMMAND", "INFO", name]));
            assert_eq!(
                normalize_info(&got.items()[0], &names),
                normalize_info(&expected.items()[0], &names),
                "COMMAND INFO {name} (RESP{proto})"
            );
        }
    }
}

#[test]
fn command_docs_match_redis_for_every_implemented_command() {
    let Some(reference) = Reference::start() else {
        return;
    };
    let srv = Server::start(&[]);
    for proto in [2, 3] {
        let mut ours = connect(srv.port, proto);
        let mut theirs = connect(reference.port, proto);
        let names = shared_names(&mut ours, &mut theirs);
        for name in &names {
            let expected = V::from(&theirs.cmd(&["COMMAND", "DOCS", name]));
            let got = V::from(&ours.cmd(&["COMMAND", "DOCS", name]));
            assert_eq!(got.items()[0], expected.items()[0], "{name}");
            assert_eq!(
                normalize_doc(&got.items()[1], &names),
                normalize_doc(&expected.items()[1], &names),
                "COMMAND DOCS {name} (RESP{proto})"
            );
        }
    }
}

#[test]
fn command_without_arguments_lists_every_command_once() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    let all = V::from(&r.cmd(&["COMMAND"]));
    let count = String::from_utf8(r.cmd(&["COMMAND", "COUNT"])).unwrap();
    assert_eq!(count, format!(":{}\r\n", all.items().len()));
    let docs = V::from(&r.cmd(&["COMMAND", "DOCS"]));
    assert_eq!(docs.items().len(), 2 * all.items().len());
    for entry in all.items().iter().step_by(37) {
        let name = String::from_utf8(entry.items()[0].text().to_vec()).unwrap();
        let one = V::from(&r.cmd(&["COMMAND", "INFO", &name]));
        assert_eq!(&one.items()[0], entry, "{name}");
    }
}

/// Command lines whose GETKEYS / GETKEYSANDFLAGS replies must equal Redis's.
const GETKEYS_LINES: &[&str] = &[
    "GET k",
    "SET k v",
    "SET k v GET",
    "SET k v EX 10 get",
    "MSET a 1 b 2",
    "DEL a b c",
    "RENAME a b",
    "BLPOP a b 0",
    "BLMOVE a b LEFT RIGHT 0",
    "LMPOP 2 a b LEFT COUNT 2",
    "LMPOP 0 a LEFT",
    "LMPOP 3 a LEFT",
    "BLMPOP 0 2 a b RIGHT",
    "ZMPOP 1 z MIN",
    "BZMPOP 0.5 2 y z MAX",
    "SINTERCARD 2 s t LIMIT 1",
    "SINTERCARD x s",
    "ZINTERCARD 1 s",
    "ZUNION 2 a b WEIGHTS 1 2",
    "ZUNION 0 a",
    "ZUNION 2x a b",
    "ZINTER 1 a",
    "ZDIFF 2 a b",
    "ZUNIONSTORE d 2 a b",
    "ZINTERSTORE d 1 a AGGREGATE MIN",
    "ZDIFFSTORE d 2 a b",
    "ZDIFFSTORE d -1 a",
    "BITFIELD k GET u8 0",
    "BITFIELD k GET u8 0 INCRBY u8 0 1",
    "BITFIELD k FOO",
    "BITFIELD_RO k GET u8 0",
    "BITOP AND d a b",
    "PFMERGE d a b",
    "SMOVE a b m",
    "OBJECT ENCODING k",
    "OBJECT HELP",
    "PING",
    "PING x",
    "GET",
    "GET a b",
    "NOSUCH a",
    "CLIENT KILL x",
    "CLIENT",
    "CLIENT NOSUCH",
    "COMMAND INFO get",
    "SPUBLISH ch msg",
    "PUBLISH ch msg",
    "EXPIRE k 10",
    "COPY a b DB 1",
    "LCS a b",
    "MSETNX a 1 b",
    "ZRANGESTORE d s 0 -1",
    "GETEX k PERSIST",
    "TOUCH a b",
];

#[test]
fn command_getkeys_matches_redis() {
    let Some(reference) = Reference::start() else {
        return;
    };
    let srv = Server::start(&[]);
    for proto in [2, 3] {
        let mut ours = connect(srv.port, proto);
        let mut theirs = connect(reference.port, proto);
        for line in GETKEYS_LINES {
            for sub in ["GETKEYS", "GETKEYSANDFLAGS"] {
                let mut args = vec!["COMMAND", sub];
                args.extend(line.split(' '));
                let expected = theirs.cmd(&args);
                let got = ours.cmd(&args);
                assert_eq!(
                    String::from_utf8_lossy(&got),
                    String::from_utf8_lossy(&expected),
                    "COMMAND {sub} {line} (RESP{proto})"
                );
            }
        }
    }
}

#[test]
fn command_list_count_info_edges_match_redis() {
    let Some(reference) = Reference::start() else {
        return;
    };
    let srv = Server::start(&[]);
    for proto in [2, 3] {
        let mut ours = connect(srv.port, proto);
        let mut theirs = connect(reference.port, proto);
        let names = shared_names(&mut ours, &mut theirs);
        let exact: &[&[&str]] = &[
            &["COMMAND", "INFO", "nosuch", "get"],
            &["COMMAND", "INFO", "get|x"],
            &["COMMAND", "DOCS", "nosuch"],
            &["COMMAND", "LIST", "FILTERBY", "MODULE", "x"],
            &["COMMAND", "LIST", "FILTERBY", "ACLCAT", "nosuch"],
            &["COMMAND", "LIST", "FILTERBY", "x", "y"],
            &["COMMAND", "LIST", "FILTERBY", "PATTERN"],
            &[
                "COMMAND", "LIST", "FILTERBY", "PATTERN", "a", "FILTERBY", "PATTERN", "b",
            ],
            &["COMMAND", "LIST", "x"],
            &["COMMAND", "GETKEYS"],
            &["COMMAND", "GETKEYS", "get"],
            &["COMMAND", "GETKEYSANDFLAGS", "ping"],
            &["COMMAND", "HELP"],
            &["COMMAND", "COUNT", "x"],
        ];
        for args in exact {
            let expected = theirs.cmd(args);
            let got = ours.cmd(args);
            assert_eq!(
                String::from_utf8_lossy(&got),
                String::from_utf8_lossy(&expected),
                "{args:?} (RESP{proto})"
            );
        }
        // Filters: Redis's answer restricted to the commands ferrocache has.
        for (kind, value) in [
            ("ACLCAT", "sortedset"),
            ("ACLCAT", "WRITE"),
            ("ACLCAT", "keyspace"),
            ("ACLCAT", "dangerous"),
            ("PATTERN", "z*"),
            ("PATTERN", "CLIENT|*"),
            ("PATTERN", "*get*"),
        ] {
            let args = ["COMMAND", "LIST", "FILTERBY", kind, value];
            let set = |r: &mut Raw| {
                let mut v: Vec<Vec<u8>> = V::from(&r.cmd(&args))
                    .items()
                    .iter()
                    .map(|n| n.text().to_vec())
                    .filter(|n| names.iter().any(|k| k.as_bytes() == n))
                    .collect();
                v.sort();
                v
            };
            let got = set(&mut ours);
            assert!(!got.is_empty(), "{args:?}");
            assert_eq!(got, set(&mut theirs), "{args:?}");
        }
    }
}

#[test]
fn writes_by_movable_key_commands_break_watch() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    let mut other = srv.raw();
    let cases: &[(&str, &[&str])] = &[
        ("d", &["ZUNIONSTORE", "d", "1", "za"]),
        ("a", &["LMPOP", "1", "a", "LEFT"]),
        ("z", &["ZMPOP", "2", "nosuch", "z", "MIN"]),
    ];
    for (watched, write) in cases {
        support::check(&mut other, &["RPUSH", "a", "x", "y"], ":2\r\n");
        support::check(&mut other, &["ZADD", "z", "1", "m"], ":1\r\n");
        let zadd = other.cmd(&["ZADD", "za", "1", "m"]);
        assert!(zadd.starts_with(b":"));
        support::check(&mut r, &["WATCH", watched], "+OK\r\n");
        let write_reply = other.cmd(write);
        assert!(!write_reply.starts_with(b"-"), "{write:?}");
        support::check(&mut r, &["MULTI"], "+OK\r\n");
        support::check(&mut r, &["PING"], "+QUEUED\r\n");
        support::check(&mut r, &["EXEC"], "*-1\r\n");
        support::check(&mut other, &["FLUSHALL"], "+OK\r\n");
    }
}

#[test]
fn zunionstore_wakes_a_client_blocked_on_its_destination() {
    let srv = Server::start(&[]);
    let mut blocked = srv.raw();
    let mut writer = srv.raw();
    blocked.send(&support::frame(&[b"BZPOPMIN", b"d", b"0"]));
    support::wait_until("the client blocks", || {
        srv.info_field("clients", "blocked_clients") == "1"
    });
    support::check(&mut writer, &["ZADD", "a", "5", "m"], ":1\r\n");
    support::check(&mut writer, &["ZUNIONSTORE", "d", "1", "a"], ":1\r\n");
    assert_eq!(
        String::from_utf8_lossy(&blocked.reply()),
        "*3\r\n$1\r\nd\r\n$1\r\nm\r\n$1\r\n5\r\n"
    );
}
