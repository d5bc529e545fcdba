//! Key extractors for commands whose key specs cannot give every key with
//! exact flags (Redis's `*GetKeys` functions): options to parse (SORT
//! STORE, MIGRATE KEYS, XREAD STREAMS), flags that depend on the arguments
//! (SET GET, BITFIELD GET), or a key count to read. `key_specs::command_keys`
//! calls them when the specs fall short; they also work for commands
//! ferrocache does not implement yet, so they plug in with the table entry.

use super::key_specs::flags::*;
use super::key_specs::KeyRef;
use crate::numbers::atoi;
use crate::resp::Argv;

/// Extracts a command's keys from its full argv (argv[0] is the name).
pub type GetKeysFn = fn(Argv) -> Vec<KeyRef>;

/// The extractor of command `full_name`, if Redis 7.0 declares one.
pub fn extractor(full_name: &str) -> Option<GetKeysFn> {
    Some(match full_name {
        "sintercard" | "zunion" | "zinter" | "zdiff" | "zintercard" | "lmpop" | "zmpop" => {
            counted_at_1
        }
        "blmpop" | "bzmpop" | "eval" | "evalsha" | "eval_ro" | "evalsha_ro" | "fcall"
        | "fcall_ro" => counted_at_2,
        "zunionstore" | "zinterstore" | "zdiffstore" => store_then_counted,
        "sort" => sort,
        "sort_ro" => sort_ro,
        "migrate" => migrate,
        "georadius" | "georadiusbymember" => georadius,
        "xread" | "xreadgroup" => xread,
        "set" => set,
        "bitfield" => bitfield,
        _ => return None,
    })
}

fn key(pos: usize, flags: u32) -> KeyRef {
    KeyRef { pos, flags }
}

/// Redis's `genericGetKeys`: the count at `count_at`, that many keys from
/// `first`, then the destination at `store_at` (0: none). No keys when the
/// count is out of range (the command replies a syntax error).
fn counted(argv: Argv, store_at: usize, count_at: usize, first: usize) -> Vec<KeyRef> {
    let argc = argv.len();
    let num = atoi(argv.get(count_at));
    if num < 1 || num > argc.saturating_sub(first) as i64 {
        return Vec::new();
    }
    let mut keys: Vec<KeyRef> = (0..num as usize).map(|i| key(first + i, 0)).collect();
    if store_at > 0 {
        keys.push(key(store_at, 0));
    }
    keys
}

/// `CMD numkeys key [key ...] ...` (ZUNION, SINTERCARD, LMPOP, ZMPOP...).
fn counted_at_1(argv: Argv) -> Vec<KeyRef> {
    counted(argv, 0, 1, 2)
}

/// `CMD arg numkeys key [key ...] ...` (EVAL, FCALL, BLMPOP, BZMPOP).
fn counted_at_2(argv: Argv) -> Vec<KeyRef> {
    counted(argv, 0, 2, 3)
}

/// `CMD destination numkeys key [key ...] ...` (ZUNIONSTORE...): the
/// sources, then the destination.
fn store_then_counted(argv: Argv) -> Vec<KeyRef> {
    counted(argv, 1, 2, 3)
}

/// `SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC]
/// [ALPHA] [STORE destination]`: the key, and the last STORE's destination.
fn sort(argv: Argv) -> Vec<KeyRef> {
    let argc = argv.len();
    let mut keys = vec![key(1, RO | ACCESS)];
    let mut store = None;
    let mut i = 2;
    while i < argc {
        let arg = argv.get(i);
        if arg.eq_ignore_ascii_case(b"limit") {
            i += 2;
        } else if arg.eq_ignore_ascii_case(b"get") || arg.eq_ignore_ascii_case(b"by") {
            i += 1;
        } else if arg.eq_ignore_ascii_case(b"store") && i + 1 < argc {
            store = Some(i + 1);
        }
        i += 1;
    }
    if let Some(pos) = store {
        keys.push(key(pos, OW | UPDATE));
    }
    keys
}

/// `SORT_RO key ...`: only the sorted key.
fn sort_ro(_argv: Argv) -> Vec<KeyRef> {
    vec![key(1, RO | ACCESS)]
}

/// `MIGRATE host port <key | ""> db timeout [COPY] [REPLACE] [AUTH pw |
/// AUTH2 user pw] [KEYS key [key ...]]`: the key, or every key after KEYS
/// (none when both are given: a syntax error).
fn migrate(argv: Argv) -> Vec<KeyRef> {
    let argc = argv.len();
    let (mut first, mut num) = (3, 1);
    let mut i = 6;
    while i < argc {
        let arg = argv.get(i);
        if arg.eq_ignore_ascii_case(b"keys") {
            if argv.get(3).is_empty() {
                first = i + 1;
                num = argc - first;
            } else {
                num = 0;
            }
            break;
        }
        if arg.eq_ignore_ascii_case(b"auth") {
            i += 1;
        } else if arg.eq_ignore_ascii_case(b"auth2") {
            i += 2;
        }
        i += 1;
    }
    (first..first + num)
        .map(|pos| key(pos, RW | ACCESS | DELETE))
        .collect()
}

/// `GEORADIUS key ... [STORE key | STOREDIST key]`: the key and the last
/// destination.
fn georadius(argv: Argv) -> Vec<KeyRef> {
    let mut keys = vec![key(1, 0)];
    let mut stored = None;
    let mut i = 5;
    while i < argv.len() {
        let arg = argv.get(i);
        let is_store = arg.eq_ignore_ascii_case(b"store") || arg.eq_ignore_ascii_case(b"storedist");
        if is_store && i + 1 < argv.len() {
            stored = Some(i + 1);
            i += 1;
        }
        i += 1;
    }
    keys.extend(stored.map(|pos| key(pos, 0)));
    keys
}

/// `XREAD [COUNT n] [BLOCK ms] STREAMS key [key ...] id [id ...]` and
/// `XREADGROUP GROUP g c [COUNT n] [BLOCK ms] [NOACK] STREAMS ...`: the
/// first half of what follows STREAMS.
fn xread(argv: Argv) -> Vec<KeyRef> {
    let argc = argv.len();
    let mut streams = None;
    let mut i = 1;
    while i < argc {
        let arg = argv.get(i);
        if arg.eq_ignore_ascii_case(b"block") || arg.eq_ignore_ascii_case(b"count") {
            i += 1;
        } else if arg.eq_ignore_ascii_case(b"group") {
            i += 2;
        } else if arg.eq_ignore_ascii_case(b"streams") {
            streams = Some(i);
            break;
        } else if !arg.eq_ignore_ascii_case(b"noack") {
            break;
        }
        i += 1;
    }
    let Some(at) = streams else {
        return Vec::new();
    };
    let num = argc - at - 1;
    if num == 0 || !num.is_multiple_of(2) {
        return Vec::new();
    }
    (at + 1..at + 1 + num / 2).map(|pos| key(pos, 0)).collect()
}

/// `SET key value [... GET ...]`: the key, read as well when GET is given.
fn set(argv: Argv) -> Vec<KeyRef> {
    let get = argv.iter_from(3).any(|a| a.eq_ignore_ascii_case(b"get"));
    let flags = if get {
        RW | ACCESS | UPDATE
    } else {
        OW | UPDATE
    };
    vec![key(1, flags)]
}

/// `BITFIELD key [GET ...] [SET ...] [INCRBY ...] [OVERFLOW ...]`: the key,
/// read-only when only GET (and OVERFLOW) operations are given.
fn bitfield(argv: Argv) -> Vec<KeyRef> {
    let argc = argv.len();
    let mut readonly = true;
    let mut i = 2;
    while i < argc {
        let remaining = argc - i - 1;
        let arg = argv.get(i);
        if arg.eq_ignore_ascii_case(b"get") && remaining >= 2 {
            i += 2;
        } else if (arg.eq_ignore_ascii_case(b"set") || arg.eq_ignore_ascii_case(b"incrby"))
            && remaining >= 3
        {
            readonly = false;
            break;
        } else if arg.eq_ignore_ascii_case(b"overflow") && remaining >= 1 {
            i += 1;
        } else {
            readonly = false; // a syntax error: assume a write
            break;
        }
        i += 1;
    }
    let flags = if readonly {
        RO | ACCESS
    } else {
        RW | ACCESS | UPDATE
    };
    vec![key(1, flags)]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::key_specs::tests::with_argv;

    fn run(f: GetKeysFn, line: &str) -> Vec<(usize, u32)> {
        let args: Vec<&str> = line.split(' ').collect();
        with_argv(&args, |argv| {
            f(argv).iter().map(|k| (k.pos, k.flags)).collect()
        })
    }

    #[test]
    fn counted_keys_put_the_destination_last() {
        assert_eq!(
            run(store_then_counted, "ZUNIONSTORE d 2 a b"),
            [(3, 0), (4, 0), (1, 0)]
        );
        assert_eq!(run(counted_at_2, "EVAL s 1 k a"), [(3, 0)]);
        assert!(run(counted_at_2, "EVAL s 0").is_empty());
        assert!(run(counted_at_1, "LMPOP 3 a b").is_empty());
    }

    #[test]
    fn sort_flags_the_sorted_key_read_and_the_destination_written() {
        assert_eq!(
            run(sort, "SORT k STORE d"),
            [(1, RO | ACCESS), (3, OW | UPDATE)]
        );
        // "STORE" as the argument of GET or BY is a pattern, not the option.
        assert_eq!(run(sort, "SORT k GET store BY store"), [(1, RO | ACCESS)]);
        assert_eq!(run(sort, "SORT k STORE"), [(1, RO | ACCESS)]);
        assert_eq!(run(sort_ro, "SORT_RO k STORE d"), [(1, RO | ACCESS)]);
    }

    #[test]
    fn migrate_takes_one_key_or_the_keys_list() {
        let rwd = RW | ACCESS | DELETE;
        assert_eq!(run(migrate, "MIGRATE h p k 0 5"), [(3, rwd)]);
        assert_eq!(
            run(migrate, "MIGRATE h p  0 5 AUTH2 u keys KEYS a b"),
            [(10, rwd), (11, rwd)]
        );
        assert!(run(migrate, "MIGRATE h p k 0 5 KEYS a").is_empty());
    }

    #[test]
    fn xread_takes_half_of_what_follows_streams() {
        assert_eq!(
            run(xread, "XREAD BLOCK 0 STREAMS a b 1 2"),
            [(4, 0), (5, 0)]
        );
        assert_eq!(
            run(xread, "XREADGROUP GROUP streams c NOACK STREAMS s >"),
            [(6, 0)]
        );
        assert!(run(xread, "XREAD STREAMS a b 1").is_empty());
        assert!(run(xread, "XREAD FOO STREAMS a 1").is_empty());
    }

    #[test]
    fn set_and_bitfield_flags_follow_their_options() {
        assert_eq!(run(set, "SET k v"), [(1, OW | UPDATE)]);
        assert_eq!(run(set, "SET k v get"), [(1, RW | ACCESS | UPDATE)]);
        assert_eq!(run(bitfield, "BITFIELD k GET u8 0"), [(1, RO | ACCESS)]);
        assert_eq!(
            run(bitfield, "BITFIELD k GET u8 0 SET u8 0 1"),
            [(1, RW | ACCESS | UPDATE)]
        );
        assert_eq!(
            run(georadius, "GEORADIUS k 0 0 1 km STORE a STOREDIST b"),
            [(1, 0), (9, 0)]
        );
    }
}
