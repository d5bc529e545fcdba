//! What counts as "the same reply". Only what is inherently nondeterministic
//! is normalized; everything else must match byte for byte (as parsed
//! frames, RESP type included). Each rule, and why:
//!
//! - `Unordered`: SMEMBERS, SINTER, SUNION, SDIFF, HKEYS, HVALS, KEYS and
//!   the full SCAN iterations: Redis promises no order, so the elements are
//!   compared as multisets (sorted).
//! - `UnorderedPairs`: HGETALL (a flat array in RESP2, a map in RESP3): the
//!   field/value pairs are compared as a multiset of pairs.
//! - `Sample`: SPOP, SRANDMEMBER, HRANDFIELD, ZRANDMEMBER, RANDOMKEY pick
//!   at random: only the shape is compared (RESP types, the number of
//!   elements, errors exactly), not which members came out.
//! - `Tolerance(n)`: TTL and EXPIRETIME (n = 1 second), PTTL and
//!   PEXPIRETIME (n = 250 ms): the two servers read their clocks at
//!   slightly different moments. Negative answers (-1, -2) must be equal.
//! - `Hello`: the HELLO reply's `version` and `id` values are the server's
//!   own; the other fields must match.
//! - `StringEncoding`: OBJECT ENCODING `raw`, `embstr` and `int` are taken as
//!   one answer, a known difference (see known.rs): Redis answers by how the
//!   string was written (`raw` after PFADD, SETBIT, BITFIELD, BITOP, APPEND,
//!   SETRANGE; `embstr` after INCRBYFLOAT), ferrocache by the value alone.
//!
//! Keyspace-notification pushes and blocked clients' replies are compared
//! exactly; EXEC's array applies each queued command's rule to its element.

use crate::difftest::client::Value;

/// How one command's replies are compared.
#[derive(Clone, Debug, PartialEq)]
pub enum Norm {
    Exact,
    Unordered,
    UnorderedPairs,
    Sample,
    Tolerance(i64),
    Hello,
    /// OBJECT ENCODING: the string encodings count as one (a known difference).
    StringEncoding,
}

/// The comparison rule for a command (its arguments as sent).
pub fn norm_for(cmd: &[String]) -> Norm {
    let name = cmd[0].to_ascii_uppercase();
    match name.as_str() {
        "SMEMBERS" | "SINTER" | "SUNION" | "SDIFF" | "HKEYS" | "HVALS" | "KEYS" | "SCANALL" => {
            Norm::Unordered
        }
        "HGETALL" => Norm::UnorderedPairs,
        "SPOP" | "SRANDMEMBER" | "HRANDFIELD" | "ZRANDMEMBER" | "RANDOMKEY" => Norm::Sample,
        "TTL" | "EXPIRETIME" => Norm::Tolerance(1),
        "PTTL" | "PEXPIRETIME" => Norm::Tolerance(250),
        "HELLO" => Norm::Hello,
        "OBJECT" => Norm::StringEncoding,
        _ => Norm::Exact,
    }
}

/// True when `reference` and `got` are the same reply under `norm`.
pub fn same(norm: &Norm, reference: &Value, got: &Value) -> bool {
    match (norm, reference, got) {
        (Norm::Tolerance(t), Value::Int(a), Value::Int(b)) if *a >= 0 && *b >= 0 => {
            (a - b).abs() <= *t
        }
        _ => normalize(norm, reference) == normalize(norm, got),
    }
}

/// True when two EXEC replies match, each element under the rule of the
/// command queued at its position.
pub fn same_exec(queued: &[Norm], reference: &Value, got: &Value) -> bool {
    match (reference, got) {
        (Value::Array(Some(a)), Value::Array(Some(b))) if a.len() == b.len() => a
            .iter()
            .zip(b)
            .enumerate()
            .all(|(i, (x, y))| same(queued.get(i).unwrap_or(&Norm::Exact), x, y)),
        _ => reference == got,
    }
}

/// The reply with the nondeterministic part removed.
fn normalize(norm: &Norm, v: &Value) -> Value {
    match norm {
        Norm::Exact | Norm::Tolerance(_) => v.clone(),
        Norm::Unordered => match v {
            Value::Array(Some(items)) => Value::Array(Some(sorted(items))),
            Value::Set(items) => Value::Set(sorted(items)),
            _ => v.clone(),
        },
        Norm::UnorderedPairs => match v {
            Value::Array(Some(items)) => {
                let mut pairs: Vec<Vec<Value>> = items.chunks(2).map(|c| c.to_vec()).collect();
                pairs.sort();
                Value::Array(Some(pairs.concat()))
            }
            Value::Map(pairs) => {
                let mut pairs = pairs.clone();
                pairs.sort();
                Value::Map(pairs)
            }
            _ => v.clone(),
        },
        Norm::Sample => shape(v),
        Norm::StringEncoding => match v {
            Value::Bulk(Some(b)) if [&b"raw"[..], b"embstr", b"int"].contains(&b.as_slice()) => {
                Value::Bulk(Some(b"string".to_vec()))
            }
            _ => v.clone(),
        },
        Norm::Hello => match v {
            Value::Map(pairs) => Value::Map(hello_fields(pairs)),
            Value::Array(Some(items)) => {
                let pairs: Vec<(Value, Value)> = items
                    .chunks(2)
                    .map(|c| (c[0].clone(), c.get(1).cloned().unwrap_or(Value::Null)))
                    .collect();
                Value::Map(hello_fields(&pairs))
            }
            _ => v.clone(),
        },
    }
}

fn sorted(items: &[Value]) -> Vec<Value> {
    let mut items = items.to_vec();
    items.sort();
    items
}

/// Types and sizes only: every string, number and double becomes a placeholder.
fn shape(v: &Value) -> Value {
    match v {
        Value::Bulk(Some(_)) => Value::Bulk(Some(b"?".to_vec())),
        Value::Int(_) => Value::Int(0),
        Value::Double(_) => Value::Double("?".into()),
        Value::Array(Some(items)) => Value::Array(Some(items.iter().map(shape).collect())),
        Value::Set(items) => Value::Set(items.iter().map(shape).collect()),
        Value::Map(pairs) => Value::Map(pairs.iter().map(|(k, v)| (shape(k), shape(v))).collect()),
        _ => v.clone(),
    }
}

/// HELLO's fields with the server-specific values (`version`, `id`) blanked.
fn hello_fields(pairs: &[(Value, Value)]) -> Vec<(Value, Value)> {
    pairs
        .iter()
        .map(|(k, v)| {
            let own = matches!(k, Value::Bulk(Some(b)) if b == b"version" || b == b"id");
            (k.clone(), if own { Value::Null } else { v.clone() })
        })
        .collect()
}
