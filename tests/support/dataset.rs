//! A comparable picture of a server's data: every key of the given
//! databases with its type, its value in a canonical form and its absolute
//! expiry. DUMP is not implemented, so restart tests compare these instead.

use std::collections::BTreeMap;

/// One key as the server reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyState {
    /// TYPE's answer: string, list, hash, set, zset.
    pub kind: String,
    /// The value, canonical: a string is one item; a list its items in
    /// order; a hash its field/value pairs sorted by field; a set its sorted
    /// members; a sorted set member/score pairs in rank order.
    pub value: Vec<Vec<u8>>,
    /// PEXPIRETIME: unix ms of the deadline, -1 without one.
    pub expire_at_ms: i64,
}

/// Every key of the listed databases: (db, key) → state.
pub type Dataset = BTreeMap<(i64, Vec<u8>), KeyState>;

/// Reads every key of `dbs` through SCAN and type-specific reads (pipelined
/// per SCAN batch). Leaves the connection in database 0.
pub fn snapshot(con: &mut redis::Connection, dbs: &[i64]) -> Dataset {
    let mut data = Dataset::new();
    for &db in dbs {
        let () = redis::cmd("SELECT").arg(db).query(con).unwrap();
        let keys = all_keys(con);
        for batch in keys.chunks(1000) {
            for (key, state) in batch.iter().zip(read_keys(con, batch)) {
                data.insert((db, key.clone()), state);
            }
        }
    }
    let () = redis::cmd("SELECT").arg(0).query(con).unwrap();
    data
}

/// The keys of the selected database (SCAN until the cursor returns to 0).
fn all_keys(con: &mut redis::Connection) -> Vec<Vec<u8>> {
    let mut keys = std::collections::BTreeSet::new();
    let mut cursor = 0u64;
    for _ in 0..1_000_000 {
        let (next, batch): (u64, Vec<Vec<u8>>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("COUNT")
            .arg(1000)
            .query(con)
            .unwrap();
        keys.extend(batch);
        if next == 0 {
            return keys.into_iter().collect();
        }
        cursor = next;
    }
    panic!("SCAN did not finish");
}

/// The state of each of `keys`: one pipeline of TYPEs, then one of reads.
fn read_keys(con: &mut redis::Connection, keys: &[Vec<u8>]) -> Vec<KeyState> {
    let mut types = redis::pipe();
    for key in keys {
        types.cmd("TYPE").arg(key);
    }
    let kinds: Vec<String> = types.query(con).unwrap();
    let mut reads = redis::pipe();
    for (key, kind) in keys.iter().zip(&kinds) {
        match kind.as_str() {
            "string" => reads.cmd("GET").arg(key),
            "list" => reads.cmd("LRANGE").arg(key).arg(0).arg(-1),
            "hash" => reads.cmd("HGETALL").arg(key),
            "set" => reads.cmd("SMEMBERS").arg(key),
            "zset" => reads
                .cmd("ZRANGE")
                .arg(key)
                .arg(0)
                .arg(-1)
                .arg("WITHSCORES"),
            other => panic!("snapshot: unexpected type {other} of key {key:?}"),
        };
        reads.cmd("PEXPIRETIME").arg(key);
    }
    let replies: Vec<redis::Value> = reads.query(con).unwrap();
    kinds
        .into_iter()
        .zip(replies.chunks(2))
        .map(|(kind, reply)| {
            let value = canonical(&kind, &reply[0]);
            let expire_at_ms = redis::from_redis_value(&reply[1]).unwrap();
            KeyState {
                kind,
                value,
                expire_at_ms,
            }
        })
        .collect()
}

/// A read's reply in the canonical form [`KeyState::value`] describes.
fn canonical(kind: &str, reply: &redis::Value) -> Vec<Vec<u8>> {
    if kind == "string" {
        return vec![redis::from_redis_value(reply).unwrap()];
    }
    let mut items: Vec<Vec<u8>> = redis::from_redis_value(reply).unwrap();
    match kind {
        "hash" => {
            let mut pairs: Vec<[Vec<u8>; 2]> = items
                .chunks(2)
                .map(|p| [p[0].clone(), p[1].clone()])
                .collect();
            pairs.sort();
            pairs.into_iter().flatten().collect()
        }
        "set" => {
            items.sort();
            items
        }
        _ => items,
    }
}

/// Asserts two datasets are equal, listing only the keys that differ (as
/// text) when they are not.
#[track_caller]
pub fn assert_same(actual: &Dataset, expected: &Dataset) {
    let text = |(db, key): &(i64, Vec<u8>)| format!("db {db} key {}", String::from_utf8_lossy(key));
    let mut differences = Vec::new();
    for (key, want) in expected {
        match actual.get(key) {
            None => differences.push(format!("{}: missing", text(key))),
            Some(got) if got != want => {
                differences.push(format!("{}: {got:?}, expected {want:?}", text(key)))
            }
            Some(_) => {}
        }
    }
    for key in actual.keys().filter(|k| !expected.contains_key(*k)) {
        differences.push(format!("{}: unexpected", text(key)));
    }
    assert!(
        differences.is_empty(),
        "datasets differ ({} keys vs {} expected):\n{}",
        actual.len(),
        expected.len(),
        differences.join("\n")
    );
}
