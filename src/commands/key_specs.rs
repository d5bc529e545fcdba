//! Which arguments of a command are keys: Redis 7.0's key specs (one
//! interpreter over the generated table, `key_specs_table.rs`) with the
//! command-specific extractors of `getkeys.rs` as the fallback. [`command_keys`]
//! is the one answer for every user: dispatch (WATCH, blocked clients),
//! COMMAND GETKEYS, and later ACL key rules, cluster routing and scripts.

use super::getkeys::{self, GetKeysFn};
use super::table::{registry, CommandId, CommandSpec};
use crate::resp::Argv;

/// Key-spec flags (Redis's `CMD_KEY_*`), in the order COMMAND prints them.
pub mod flags {
    pub const RO: u32 = 1 << 0;
    pub const RW: u32 = 1 << 1;
    pub const OW: u32 = 1 << 2;
    pub const RM: u32 = 1 << 3;
    pub const ACCESS: u32 = 1 << 4;
    pub const UPDATE: u32 = 1 << 5;
    pub const INSERT: u32 = 1 << 6;
    pub const DELETE: u32 = 1 << 7;
    pub const NOT_KEY: u32 = 1 << 8;
    pub const INCOMPLETE: u32 = 1 << 9;
    pub const VARIABLE_FLAGS: u32 = 1 << 10;

    /// Flag names as COMMAND GETKEYSANDFLAGS and key specs print them.
    pub const NAMES: [(u32, &str); 11] = [
        (RO, "RO"),
        (RW, "RW"),
        (OW, "OW"),
        (RM, "RM"),
        (ACCESS, "access"),
        (UPDATE, "update"),
        (INSERT, "insert"),
        (DELETE, "delete"),
        (NOT_KEY, "not_key"),
        (INCOMPLETE, "incomplete"),
        (VARIABLE_FLAGS, "variable_flags"),
    ];
}

/// Where the search for a spec's keys begins.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BeginSearch {
    /// At a fixed argument index.
    Index(usize),
    /// After the first `keyword` found from `startfrom` (negative: from the
    /// end, searching backwards).
    Keyword {
        keyword: &'static str,
        startfrom: i32,
    },
    /// Not describable: the command's extractor must be used.
    Unknown,
}

/// How the keys follow the beginning.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FindKeys {
    /// Keys up to `lastkey` (relative to the beginning; negative: from the
    /// end), every `keystep`; with `limit` > 0 and `lastkey` -1, the first
    /// 1/limit of the remaining arguments.
    Range {
        lastkey: i32,
        keystep: usize,
        limit: usize,
    },
    /// The argument at `keynumidx` (relative) counts the keys, which start at
    /// `firstkey` (relative), every `keystep`.
    Keynum {
        keynumidx: usize,
        firstkey: usize,
        keystep: usize,
    },
    /// Not describable: the command's extractor must be used.
    Unknown,
}

/// One key spec: flags, where to begin, how to find the keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeySpec {
    pub flags: u32,
    pub begin: BeginSearch,
    pub find: FindKeys,
}

/// One key argument: its index in argv and how the command uses it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyRef {
    pub pos: usize,
    /// Bitwise-or of [`flags`] (0 when the extractor does not say).
    pub flags: u32,
}

/// How one command's keys are found: its specs (None for a command Redis
/// 7.0 lacks: the legacy first/last/step then) and its extractor, if any.
#[derive(Clone, Copy)]
pub struct KeyRules {
    pub specs: Option<&'static [KeySpec]>,
    pub getkeys: Option<GetKeysFn>,
}

impl KeyRules {
    /// The rules of command `full_name` (`get`, `client|kill`).
    pub fn of(full_name: &str) -> KeyRules {
        KeyRules {
            specs: super::key_specs_table::lookup(full_name),
            getkeys: getkeys::extractor(full_name),
        }
    }

    /// Redis's `doesCommandHaveKeys`: an extractor, or a spec for a real key.
    pub fn has_keys(&self, spec: &CommandSpec) -> bool {
        match self.specs {
            Some(specs) => {
                self.getkeys.is_some() || specs.iter().any(|s| s.flags & flags::NOT_KEY == 0)
            }
            None => spec.first_key > 0,
        }
    }
}

/// The keys of command `id` called with `argv` (argv[0] is the command
/// name), in Redis 7.0's order: the key specs when they describe the keys
/// exactly, else the command's extractor. Empty when the arguments are too
/// malformed to tell (the command will reply a syntax error).
pub fn command_keys(id: CommandId, argv: Argv) -> Vec<KeyRef> {
    let reg = registry();
    let rules = reg.key_rules[id];
    let Some(specs) = rules.specs else {
        return legacy_range(reg.specs[id], argv.len());
    };
    let reliable = specs.iter().any(|s| s.flags & flags::NOT_KEY == 0)
        && specs.iter().all(|s| s.flags & flags::VARIABLE_FLAGS == 0);
    if reliable {
        if let Some(keys) = keys_from_specs(specs, argv) {
            return keys;
        }
    }
    match rules.getkeys {
        Some(extract) => extract(argv),
        None => Vec::new(),
    }
}

/// Redis's `getKeysUsingKeySpecs`: every spec's keys in turn; None when a
/// spec cannot be followed (unknown, incomplete, or out of bounds).
pub fn keys_from_specs(specs: &[KeySpec], argv: Argv) -> Option<Vec<KeyRef>> {
    let argc = argv.len() as i64;
    let mut keys = Vec::new();
    for spec in specs {
        if spec.flags & flags::NOT_KEY != 0 {
            continue;
        }
        let mut first = match spec.begin {
            BeginSearch::Index(i) => i as i64,
            BeginSearch::Keyword { keyword, startfrom } => {
                match find_keyword(argv, keyword, startfrom) {
                    Some(i) => i as i64 + 1,
                    None => continue, // the keyword is absent: no keys here
                }
            }
            BeginSearch::Unknown => return None,
        };
        let (last, step) = match spec.find {
            FindKeys::Range {
                lastkey,
                keystep,
                limit,
            } => {
                let last = if lastkey >= 0 {
                    first + lastkey as i64
                } else if limit == 0 {
                    argc + lastkey as i64
                } else {
                    first + ((argc - first) / limit as i64 + lastkey as i64)
                };
                (last, keystep as i64)
            }
            FindKeys::Keynum {
                keynumidx,
                firstkey,
                keystep,
            } => {
                let at = first + keynumidx as i64;
                if keynumidx as i64 >= argc || at >= argc {
                    return None;
                }
                let numkeys =
                    crate::numbers::parse_i64(argv.get(at as usize)).filter(|&n| n >= 0)?;
                first += firstkey as i64;
                (first + numkeys - 1, keystep as i64)
            }
            FindKeys::Unknown => return None,
        };
        if last >= argc || last < first || first >= argc {
            return None;
        }
        let mut i = first;
        while i <= last {
            keys.push(KeyRef {
                pos: i as usize,
                flags: spec.flags,
            });
            i += step.max(1);
        }
        if spec.flags & flags::INCOMPLETE != 0 {
            return None;
        }
    }
    Some(keys)
}

/// Index of `keyword` (any case) searched from `startfrom` towards the end,
/// or, when negative, from `argc + startfrom` back towards argument 1.
fn find_keyword(argv: Argv, keyword: &str, startfrom: i32) -> Option<usize> {
    let argc = argv.len() as i64;
    let is_kw = |i: i64| {
        argv.get(i as usize)
            .eq_ignore_ascii_case(keyword.as_bytes())
    };
    if startfrom > 0 {
        (startfrom as i64..argc - 1)
            .find(|&i| is_kw(i))
            .map(|i| i as usize)
    } else {
        let start = argc + startfrom as i64;
        let mut i = start;
        while i > 1 && i < argc {
            if is_kw(i) {
                return Some(i as usize);
            }
            i -= 1;
        }
        None
    }
}

/// The keys from the table's first/last/step (commands Redis 7.0 lacks).
fn legacy_range(spec: &CommandSpec, argc: usize) -> Vec<KeyRef> {
    spec.key_positions(argc)
        .into_iter()
        .map(|pos| KeyRef { pos, flags: 0 })
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::ops::Range;

    /// Runs `f` on an Argv made of `args`.
    pub(crate) fn with_argv<T>(args: &[&str], f: impl FnOnce(Argv) -> T) -> T {
        let mut buf = Vec::new();
        let mut ranges: Vec<Range<usize>> = Vec::new();
        for a in args {
            ranges.push(buf.len()..buf.len() + a.len());
            buf.extend_from_slice(a.as_bytes());
        }
        f(Argv::new(&buf, &ranges))
    }

    /// The keys Redis 7.0's specs and extractors find in `line` (any
    /// command, implemented or not), as strings.
    pub(crate) fn keys_of(line: &str) -> Vec<String> {
        let args: Vec<&str> = line.split(' ').collect();
        let name = args[0].to_ascii_lowercase();
        let rules = KeyRules::of(&name);
        let specs = rules.specs.expect("a Redis 7.0 command");
        with_argv(&args, |argv| {
            let reliable = specs.iter().all(|s| s.flags & flags::VARIABLE_FLAGS == 0);
            let keys = reliable
                .then(|| keys_from_specs(specs, argv))
                .flatten()
                .or_else(|| rules.getkeys.map(|g| g(argv)))
                .unwrap_or_default();
            keys.iter()
                .map(|k| String::from_utf8_lossy(argv.get(k.pos)).into_owned())
                .collect()
        })
    }

    #[test]
    fn numkeys_commands_take_their_counted_keys() {
        assert_eq!(keys_of("LMPOP 2 a b LEFT COUNT 3"), ["a", "b"]);
        assert_eq!(keys_of("BLMPOP 0 2 a b RIGHT"), ["a", "b"]);
        assert_eq!(keys_of("ZMPOP 1 z MIN"), ["z"]);
        assert_eq!(keys_of("BZMPOP 1.5 3 x y z MAX"), ["x", "y", "z"]);
        assert_eq!(keys_of("SINTERCARD 2 s1 s2 LIMIT 5"), ["s1", "s2"]);
        assert_eq!(keys_of("ZINTERCARD 2 s1 s2"), ["s1", "s2"]);
        assert_eq!(keys_of("ZUNION 2 a b WEIGHTS 1 2"), ["a", "b"]);
        assert_eq!(keys_of("ZDIFF 1 a"), ["a"]);
        assert_eq!(keys_of("ZUNIONSTORE d 2 a b"), ["d", "a", "b"]);
        assert_eq!(keys_of("ZINTERSTORE d 1 a AGGREGATE MAX"), ["d", "a"]);
        assert_eq!(keys_of("ZDIFFSTORE d 2 a b"), ["d", "a", "b"]);
    }

    #[test]
    fn scripts_streams_and_migrate_find_their_keys() {
        assert_eq!(keys_of("EVAL script 2 k1 k2 a1"), ["k1", "k2"]);
        assert_eq!(keys_of("EVALSHA sha 0 a1").len(), 0);
        assert_eq!(keys_of("EVAL_RO script 1 k"), ["k"]);
        assert_eq!(keys_of("FCALL f 1 k a"), ["k"]);
        assert_eq!(keys_of("FCALL_RO f 2 k1 k2"), ["k1", "k2"]);
        assert_eq!(keys_of("XREAD COUNT 2 STREAMS s1 s2 0 0"), ["s1", "s2"]);
        assert_eq!(keys_of("XREADGROUP GROUP g c STREAMS s1 >"), ["s1"]);
        assert_eq!(keys_of("MIGRATE h 6379 k 0 1000"), ["k"]);
        assert_eq!(
            keys_of("MIGRATE h 6379  0 1000 COPY AUTH pw KEYS a b"),
            ["a", "b"]
        );
    }

    #[test]
    fn sort_keys_are_the_key_and_the_store_destination() {
        assert_eq!(keys_of("SORT k"), ["k"]);
        assert_eq!(keys_of("SORT k BY w_* GET o_* STORE d"), ["k", "d"]);
        assert_eq!(keys_of("SORT k LIMIT 0 1 STORE a STORE b"), ["k", "b"]);
        assert_eq!(keys_of("SORT_RO k BY x"), ["k"]);
    }

    #[test]
    fn malformed_counts_give_no_keys() {
        assert!(keys_of("ZUNION 0 a").is_empty());
        assert!(keys_of("ZUNION 3 a b").is_empty());
        assert!(keys_of("LMPOP x a LEFT").is_empty());
        // Redis's fallback parses with atoi: a numeric prefix counts.
        assert_eq!(keys_of("ZUNION 2x a b"), ["a", "b"]);
    }

    #[test]
    fn fixed_positions_follow_the_specs() {
        assert_eq!(keys_of("MSET a 1 b 2"), ["a", "b"]);
        assert_eq!(keys_of("SET k v GET"), ["k"]);
        assert_eq!(keys_of("RENAME a b"), ["a", "b"]);
        assert_eq!(keys_of("BLPOP a b 0"), ["a", "b"]);
        assert_eq!(keys_of("SMOVE a b m"), ["a", "b"]);
    }
}
