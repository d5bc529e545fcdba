//! Known differences between ferrocache and redis-server 7.0 that a run
//! steers around (each with its reason), so it finds the next difference
//! instead of the same one again. `DIFFTEST_NO_SKIP=1` turns the list off
//! to check whether an entry is still needed. Remove an entry once the
//! difference is fixed.

/// Why `cmd` is not generated, when it matches a known difference.
pub fn known_difference(cmd: &[String]) -> Option<&'static str> {
    let name = cmd[0].to_ascii_uppercase();
    #[allow(clippy::match_single_binding)]
    match name.as_str() {
        _ => None,
    }
}

/// Why the keyspace pushes of a turn holding `cmd` are compared as a
/// multiset (order ignored), when its event order is a known difference.
pub fn unordered_pushes(cmd: &[String]) -> Option<&'static str> {
    match cmd[0].to_ascii_uppercase().as_str() {
        "LMOVE" | "RPOPLPUSH" | "BLMOVE" | "BRPOPLPUSH" => Some(
            "Redis notifies the push on the destination (lpush/rpush) before the pop \
             on the source (lpop/rpop); ferrocache the other way round \
             (keyspace notifications: another helper's area)",
        ),
        _ => None,
    }
}
