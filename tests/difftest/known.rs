//! Known differences between ferrocache and redis-server 7.0 that a run
//! steers around (each with its reason), so it finds the next difference
//! instead of the same one again. `DIFFTEST_NO_SKIP=1` turns the list off
//! to check whether an entry is still needed. Remove an entry once the
//! difference is fixed.
//!
//! Also known, and normalized in normalize.rs (`StringEncoding`): OBJECT
//! ENCODING of a string follows how it was written in Redis (`raw` after
//! PFADD, SETBIT, BITFIELD, BITOP, APPEND, SETRANGE; `embstr` after
//! INCRBYFLOAT 3e2) and its value alone in ferrocache (`embstr`, `int`).

/// Why `cmd` is not generated, when it matches a known difference.
pub fn known_difference(cmd: &[String]) -> Option<&'static str> {
    let name = cmd[0].to_ascii_uppercase();
    match name.as_str() {
        "SWAPDB" => Some(
            "SWAPDB fails the EXEC of every client WATCHing a key of either database \
             (Redis only when the key exists in one of them: WATCH set:2, MULTI; other \
             client SWAPDB 0 1; EXEC: redis [], ferrocache nil), and a SWAPDB that \
             brings a list to a blocked client's key serves it differently (blocking, \
             WATCH: other helpers' areas)",
        ),
        "ZMPOP" | "LMPOP" => Some(
            "a ZMPOP or LMPOP that pops does not fail the EXEC of a client WATCHing the \
             key: their keys follow numkeys, which the modified-key path does not read \
             (RPUSH list:3 h; WATCH list:3, MULTI; other client LMPOP 2 list:3 list:3 \
             RIGHT; EXEC: redis nil, ferrocache []) (WATCH: another helper's area)",
        ),
        _ => None,
    }
}

/// How the keyspace pushes of a turn holding a known-different command are compared.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub enum PushRule {
    /// As a multiset: the event order is the known difference.
    Unordered,
    /// Not at all: which events are sent is the known difference.
    Ignored,
}

/// The push rule for a turn holding `cmd`, with the reason, when its
/// keyspace events are a known difference (keyspace notifications are
/// another helper's area).
pub fn push_rule(cmd: &[String]) -> Option<(PushRule, &'static str)> {
    match cmd[0].to_ascii_uppercase().as_str() {
        "LMOVE" | "RPOPLPUSH" | "BLMOVE" | "BRPOPLPUSH" => Some((
            PushRule::Unordered,
            "Redis notifies the push on the destination (lpush/rpush) before the pop \
             on the source (lpop/rpop); ferrocache the other way round",
        )),
        "SMOVE" => Some((
            PushRule::Ignored,
            "when the destination already holds the member, Redis sends no `sadd` \
             event for it; ferrocache does",
        )),
        _ => None,
    }
}

/// Why `cmd` is not generated while some client WATCHes keys, when it
/// touches keys it only reads (WATCH: another helper's area).
pub fn watch_difference(cmd: &[String]) -> Option<&'static str> {
    let name = cmd[0].to_ascii_uppercase();
    if name == "FLUSHDB" || name == "FLUSHALL" {
        return Some(
            "FLUSHDB fails the EXEC of every client WATCHing a key of that database; \
             Redis only when the key existed (SELECT 1; WATCH hash:3, MULTI; other \
             client SELECT 1, FLUSHDB; EXEC: redis [], ferrocache nil)",
        );
    }
    if name == "LTRIM" {
        return Some(
            "an LTRIM that removes nothing does not fail the EXEC of a client WATCHing \
             the list; Redis always marks the key modified (LPUSH list:3 x; WATCH list:3, \
             MULTI; other client LTRIM list:3 -3 0; EXEC: redis nil, ferrocache [])",
        );
    }
    let touches_sources = name.ends_with("STORE")
        || matches!(name.as_str(), "BITOP" | "PFMERGE" | "COPY")
        || (matches!(name.as_str(), "DEL" | "UNLINK") && cmd.len() > 2);
    touches_sources.then_some(
        "a write command marks every key it names as modified, so a client WATCHing \
         one of its source keys has its EXEC fail; Redis touches only the destination \
         and a multi-key DEL deletes one key but touches all (e.g. WATCH str:3, MULTI; \
         other client BITOP AND str:1 str:2 str:3, or DEL str:3 str:2 with only str:2 \
         present; EXEC: redis [], ferrocache nil)",
    )
}

/// Why a blocking command is not generated, when it matches a known difference.
pub fn blocking_difference(cmd: &[String], timeout: f64) -> Option<&'static str> {
    let name = cmd[0].to_ascii_uppercase();
    (timeout > 0.0 && matches!(name.as_str(), "BLMOVE" | "BRPOPLPUSH")).then_some(
        "when it times out, Redis 7.0 answers a RESP2 null array (*-1), ferrocache a null \
         bulk ($-1) (blocking: another helper's area)",
    )
}

/// Steered around by key naming (blocking pops wait only on `blist:*` and
/// `bzset:*`, which only list or zset commands write): when the key a client
/// is blocked on gets another type (SWAPDB, PFMERGE, SET ...), Redis 7.0
/// keeps the client blocked; ferrocache unblocks it (INFO blocked_clients
/// drops to 0). Blocking is another helper's area.
#[allow(dead_code)]
pub const BLOCKED_KEY_CHANGES_TYPE: &str = "blocked client released when its key changes type";
