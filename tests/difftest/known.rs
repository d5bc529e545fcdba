//! Known differences between ferrocache and redis-server 7.0 that a run
//! steers around (each with its reason), so it finds the next difference
//! instead of the same one again. `DIFFTEST_NO_SKIP=1` turns the list off
//! to check whether an entry is still needed. Remove an entry once the
//! difference is fixed.

/// Why `cmd` is not generated, when it matches a known difference.
pub fn known_difference(cmd: &[String]) -> Option<&'static str> {
    let name = cmd[0].to_ascii_uppercase();
    match name.as_str() {
        "ZMPOP" => Some(
            "a ZMPOP that pops does not fail the EXEC of a client WATCHing the key \
             (redis: nil; ferrocache: the transaction runs) (WATCH: another helper's area)",
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
