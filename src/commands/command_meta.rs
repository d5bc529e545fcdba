//! Redis 7.0's COMMAND INFO and COMMAND DOCS entries, captured from a real
//! redis-server by `scripts/gen_command_meta.py` into `meta/*.resp` (RESP3)
//! and parsed on first use (not at start-up). Entries are kept per full
//! name with their subcommands taken out, so a container is written with
//! only the subcommands ferrocache implements.

use crate::resp::Reply;
use std::collections::HashMap;
use std::sync::OnceLock;

/// One RESP3 value of the captured replies.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Simple(Box<str>),
    Bulk(Box<[u8]>),
    Int(i64),
    Array(Vec<Value>),
    Set(Vec<Value>),
    Map(Vec<(Value, Value)>),
}

impl Value {
    /// Appends the value to `out` (maps and sets become arrays in RESP2).
    pub fn write(&self, out: &mut Reply) {
        match self {
            Value::Simple(s) => out.simple(s),
            Value::Bulk(b) => out.bulk(b),
            Value::Int(n) => out.int(*n),
            Value::Array(items) => {
                out.array(items.len());
                items.iter().for_each(|item| item.write(out));
            }
            Value::Set(items) => {
                out.set(items.len());
                items.iter().for_each(|item| item.write(out));
            }
            Value::Map(pairs) => {
                out.map(pairs.len());
                for (k, v) in pairs {
                    k.write(out);
                    v.write(out);
                }
            }
        }
    }

    /// The text of a simple or bulk string (empty for other values).
    pub fn text(&self) -> &[u8] {
        match self {
            Value::Simple(s) => s.as_bytes(),
            Value::Bulk(b) => b,
            _ => b"",
        }
    }

    /// The elements of an array or set (empty for other values).
    pub fn items(&self) -> &[Value] {
        match self {
            Value::Array(items) | Value::Set(items) => items,
            _ => &[],
        }
    }
}

/// Every Redis 7.0 command's INFO and DOCS entry, by full name
/// (`get`, `client|kill`), subcommands left out of both.
pub struct Meta {
    /// COMMAND INFO's first 9 fields (name .. key specs).
    pub info: HashMap<String, Vec<Value>>,
    /// COMMAND DOCS's map pairs, without `subcommands`.
    pub docs: HashMap<String, Vec<(Value, Value)>>,
}

/// The captured metadata, parsed on first call.
pub fn meta() -> &'static Meta {
    static META: OnceLock<Meta> = OnceLock::new();
    META.get_or_init(|| {
        let mut meta = Meta {
            info: HashMap::new(),
            docs: HashMap::new(),
        };
        if let Value::Array(entries) = parse_file(include_bytes!("meta/info.resp")) {
            entries
                .into_iter()
                .for_each(|e| add_info(&mut meta.info, e));
        }
        if let Value::Map(pairs) = parse_file(include_bytes!("meta/docs.resp")) {
            for (name, doc) in pairs {
                add_doc(&mut meta.docs, &name, doc);
            }
        }
        meta
    })
}

fn add_info(into: &mut HashMap<String, Vec<Value>>, entry: Value) {
    let Value::Array(mut fields) = entry else {
        return;
    };
    let subs = fields.pop();
    let name = String::from_utf8_lossy(fields[0].text()).into_owned();
    into.insert(name, fields);
    if let Some(Value::Array(subs)) = subs {
        subs.into_iter().for_each(|sub| add_info(into, sub));
    }
}

fn add_doc(into: &mut HashMap<String, Vec<(Value, Value)>>, name: &Value, doc: Value) {
    let Value::Map(mut pairs) = doc else {
        return;
    };
    let subs = pairs
        .iter()
        .position(|(k, _)| k.text() == b"subcommands")
        .map(|i| pairs.remove(i).1);
    into.insert(String::from_utf8_lossy(name.text()).into_owned(), pairs);
    if let Some(Value::Map(subs)) = subs {
        for (sub_name, sub_doc) in subs {
            add_doc(into, &sub_name, sub_doc);
        }
    }
}

/// Parses a captured file: a `#` comment line, then one RESP3 value.
fn parse_file(data: &[u8]) -> Value {
    let mut pos = 0;
    if data.first() == Some(&b'#') {
        pos = data
            .windows(2)
            .position(|w| w == b"\r\n")
            .map_or(0, |i| i + 2);
    }
    parse(data, &mut pos).expect("src/commands/meta holds valid RESP3")
}

/// Parses the RESP3 value at `*pos` (the subset the capture holds); None
/// for anything malformed or truncated.
pub fn parse(data: &[u8], pos: &mut usize) -> Option<Value> {
    let end = *pos + data.get(*pos..)?.windows(2).position(|w| w == b"\r\n")?;
    let kind = data[*pos];
    let line = std::str::from_utf8(&data[*pos + 1..end]).ok()?;
    *pos = end + 2;
    let count = || line.parse::<usize>().ok();
    Some(match kind {
        b'+' => Value::Simple(line.into()),
        b':' => Value::Int(line.parse().ok()?),
        b'$' => {
            let len = count()?;
            let bytes = data.get(*pos..*pos + len)?;
            *pos += len + 2;
            Value::Bulk(bytes.into())
        }
        b'*' | b'~' => {
            let items = (0..count()?)
                .map(|_| parse(data, pos))
                .collect::<Option<Vec<_>>>()?;
            if kind == b'*' {
                Value::Array(items)
            } else {
                Value::Set(items)
            }
        }
        b'%' => {
            let mut pairs = Vec::new();
            for _ in 0..count()? {
                let k = parse(data, pos)?;
                pairs.push((k, parse(data, pos)?));
            }
            Value::Map(pairs)
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_in_resp3_and_flatten_in_resp2() {
        let raw = b"%2\r\n+a\r\n~2\r\n:1\r\n$2\r\nxy\r\n$1\r\nb\r\n*0\r\n";
        let v = parse(raw, &mut 0).unwrap();
        let mut out = Reply::new(true);
        v.write(&mut out);
        assert_eq!(out.buf, raw);
        let mut out = Reply::new(false);
        v.write(&mut out);
        assert_eq!(
            out.buf,
            b"*4\r\n+a\r\n*2\r\n:1\r\n$2\r\nxy\r\n$1\r\nb\r\n*0\r\n"
        );
    }

    #[test]
    fn truncated_input_is_refused() {
        assert!(parse(b"*2\r\n:1\r\n", &mut 0).is_none());
        assert!(parse(b"$5\r\nab\r\n", &mut 0).is_none());
        assert!(parse(b"?1\r\n", &mut 0).is_none());
    }

    /// Command flags Redis derives or ferrocache's table does not model.
    const UNMODELED: &[&str] = &[
        "movablekeys",
        "no_mandatory_keys",
        "no_async_loading",
        "only_sentinel",
        "touches_arbitrary_keys",
        "module",
    ];

    /// Commands ferrocache has that Redis 7.0 does not.
    const NEWER: &[&str] = &["client|setinfo"];

    #[test]
    fn the_command_table_agrees_with_redis_70() {
        use crate::commands::table::{flags, registry};
        let reg = registry();
        let mut diffs = Vec::new();
        for (id, spec) in reg.specs.iter().enumerate() {
            let name = &reg.full_names[id];
            let Some(info) = meta().info.get(name) else {
                // Newer than 7.0 (CLIENT SETINFO): INFO comes from the table.
                assert!(
                    NEWER.contains(&name.as_str()),
                    "{name}: no Redis 7.0 metadata"
                );
                continue;
            };
            let ours: Vec<&str> = flags::NAMES
                .iter()
                .filter(|(f, _)| spec.has(*f) && f & flags::HIDDEN == 0)
                .map(|(_, n)| *n)
                .collect();
            let theirs: Vec<&str> = info[2]
                .items()
                .iter()
                .map(|f| std::str::from_utf8(f.text()).unwrap())
                .filter(|f| !UNMODELED.contains(f))
                .collect();
            let table = (
                spec.arity as i64,
                spec.first_key as i64,
                spec.last_key as i64,
                spec.step as i64,
            );
            let redis = (&info[1], &info[3], &info[4], &info[5]);
            let redis = match redis {
                (Value::Int(a), Value::Int(f), Value::Int(l), Value::Int(s)) => (*a, *f, *l, *s),
                _ => panic!("{name}: malformed info"),
            };
            if ours != theirs || table != redis {
                diffs.push(format!(
                    "{name}: table {table:?} {ours:?} vs redis {redis:?} {theirs:?}"
                ));
            }
        }
        assert!(diffs.is_empty(), "{}", diffs.join("\n"));
    }

    #[test]
    fn every_command_and_subcommand_has_info_and_docs() {
        let m = meta();
        assert_eq!(m.info.len(), m.docs.len());
        assert!(m.info.contains_key("client|kill"));
        assert_eq!(m.info["get"][1], Value::Int(2));
        assert!(m.docs["get"].iter().any(|(k, _)| k.text() == b"arguments"));
    }
}
