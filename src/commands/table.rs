//! The declarative command table: name, arity, flags and legacy key range
//! (first/last/step) of every command. It is the authority for which commands
//! exist and drives the dispatch checks (one place). Which arguments are keys
//! comes from `key_specs::command_keys` (Redis 7.0's key specs, with the
//! extractors of `getkeys.rs`), found by full name when the registry is built:
//! a new table entry (SORT...) gets its keys without more code.

use super::key_specs::KeyRules;
use super::Ctx;
use crate::resp::Argv;
use std::collections::HashMap;

/// Command names are fixed at start-up: a fast hash is enough here.
type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;
use std::sync::OnceLock;

/// A command handler: reads `argv`, works on `ctx`, appends one reply.
pub type Handler = fn(&mut Ctx, Argv);

/// Command flags (Redis's names).
pub mod flags {
    pub const WRITE: u32 = 1 << 0;
    pub const READONLY: u32 = 1 << 1;
    pub const DENYOOM: u32 = 1 << 2;
    pub const ADMIN: u32 = 1 << 3;
    pub const PUBSUB: u32 = 1 << 4;
    pub const NOSCRIPT: u32 = 1 << 5;
    pub const BLOCKING: u32 = 1 << 6;
    pub const LOADING: u32 = 1 << 7;
    pub const STALE: u32 = 1 << 8;
    pub const SKIP_MONITOR: u32 = 1 << 9;
    pub const SKIP_SLOWLOG: u32 = 1 << 10;
    pub const FAST: u32 = 1 << 11;
    pub const NO_AUTH: u32 = 1 << 12;
    pub const MAY_REPLICATE: u32 = 1 << 13;
    pub const NO_MULTI: u32 = 1 << 14;
    pub const ALLOW_BUSY: u32 = 1 << 15;
    pub const SENTINEL: u32 = 1 << 16;

    /// Flags COMMAND INFO never prints (Redis 7.0 hides them on purpose).
    pub const HIDDEN: u32 = MAY_REPLICATE | SENTINEL;

    /// Flag names as COMMAND INFO prints them, in Redis's order.
    pub const NAMES: [(u32, &str); 17] = [
        (WRITE, "write"),
        (READONLY, "readonly"),
        (DENYOOM, "denyoom"),
        (ADMIN, "admin"),
        (PUBSUB, "pubsub"),
        (NOSCRIPT, "noscript"),
        (BLOCKING, "blocking"),
        (LOADING, "loading"),
        (STALE, "stale"),
        (SKIP_MONITOR, "skip_monitor"),
        (SKIP_SLOWLOG, "skip_slowlog"),
        (FAST, "fast"),
        (NO_AUTH, "no_auth"),
        (MAY_REPLICATE, "may_replicate"),
        (NO_MULTI, "no_multi"),
        (ALLOW_BUSY, "allow_busy"),
        (SENTINEL, "sentinel"),
    ];
}

/// One command (or subcommand) as the server knows it.
pub struct CommandSpec {
    /// Lower-case name (`get`, or `kill` under `client`).
    pub name: &'static str,
    /// Redis arity: exact argument count, or -N for "at least N" (name included).
    pub arity: i32,
    /// Bitwise-or of [`flags`].
    pub flags: u32,
    /// Index of the first key argument (0: no keys).
    pub first_key: i32,
    /// Index of the last key argument (-1: the last argument).
    pub last_key: i32,
    /// Distance between keys.
    pub step: i32,
    /// Redis's documentation group: string, generic, connection, server, ...
    pub group: &'static str,
    /// One-line description (COMMAND DOCS).
    pub summary: &'static str,
    /// Redis version that introduced the command.
    pub since: &'static str,
    /// The handler; containers (CLIENT, CONFIG...) dispatch to subcommands.
    pub handler: Handler,
    /// Subcommands of a container command.
    pub subcommands: &'static [CommandSpec],
}

impl CommandSpec {
    /// True when the command has flag `f`.
    #[inline]
    pub fn has(&self, f: u32) -> bool {
        self.flags & f != 0
    }

    /// Positions in an argv of length `argc` given by first/last/step alone
    /// (the legacy range). Callers want `key_specs::command_keys`, which also
    /// knows movable keys; this is its fallback for commands Redis 7.0 lacks.
    pub fn key_positions(&self, argc: usize) -> Vec<usize> {
        if self.first_key <= 0 {
            return Vec::new();
        }
        let last = if self.last_key < 0 {
            argc as i32 + self.last_key
        } else {
            self.last_key.min(argc as i32 - 1)
        };
        (self.first_key..=last)
            .step_by(self.step.max(1) as usize)
            .map(|i| i as usize)
            .collect()
    }
}

/// Declares a [`CommandSpec`] concisely:
/// `command!("get", 2, READONLY | FAST, (1, 1, 1), "string", "Get a value", "1.0.0", handler)`.
#[macro_export]
macro_rules! command {
    ($name:literal, $arity:expr, $flags:expr, ($first:expr, $last:expr, $step:expr), $group:literal, $summary:literal, $since:literal, $handler:expr) => {
        $crate::commands::table::CommandSpec {
            name: $name,
            arity: $arity,
            flags: $flags,
            first_key: $first,
            last_key: $last,
            step: $step,
            group: $group,
            summary: $summary,
            since: $since,
            handler: $handler,
            subcommands: &[],
        }
    };
}

/// Index of a command (or subcommand) in the registry; stats are kept by it.
pub(crate) use crate::state::CommandId;

/// All commands, looked up by name.
pub struct Registry {
    /// Every top-level command and every subcommand, by id.
    pub specs: Vec<&'static CommandSpec>,
    /// Full names (`get`, `client|kill`), by id.
    pub full_names: Vec<String>,
    /// The container of each subcommand, by id.
    pub parent: Vec<Option<CommandId>>,
    /// How each command's keys are found (`key_specs::command_keys`), by id.
    pub key_rules: Vec<KeyRules>,
    by_name: FastMap<&'static [u8], CommandId>,
    sub_by_name: FastMap<(CommandId, &'static [u8]), CommandId>,
}

impl Registry {
    fn build() -> Registry {
        let mut r = Registry {
            specs: Vec::new(),
            full_names: Vec::new(),
            parent: Vec::new(),
            key_rules: Vec::new(),
            by_name: FastMap::default(),
            sub_by_name: FastMap::default(),
        };
        for family in super::FAMILIES {
            for spec in family.iter() {
                let id = r.specs.len();
                r.specs.push(spec);
                r.full_names.push(spec.name.to_string());
                r.parent.push(None);
                r.key_rules.push(KeyRules::of(spec.name));
                r.by_name.insert(spec.name.as_bytes(), id);
                for sub in spec.subcommands {
                    let sid = r.specs.len();
                    r.specs.push(sub);
                    let full_name = format!("{}|{}", spec.name, sub.name);
                    r.key_rules.push(KeyRules::of(&full_name));
                    r.full_names.push(full_name);
                    r.parent.push(Some(id));
                    r.sub_by_name.insert((id, sub.name.as_bytes()), sid);
                }
            }
        }
        r
    }

    /// The command called `name` (any case).
    #[inline]
    pub fn lookup(&self, name: &[u8]) -> Option<CommandId> {
        let mut buf = [0u8; 32];
        let lower = lowercase(name, &mut buf)?;
        self.by_name.get(lower).copied()
    }

    /// The subcommand `name` of container `parent` (any case).
    pub fn lookup_sub(&self, parent: CommandId, name: &[u8]) -> Option<CommandId> {
        let mut buf = [0u8; 32];
        let lower = lowercase(name, &mut buf)?;
        self.sub_by_name.get(&(parent, lower)).copied()
    }

    /// Ids of the top-level commands.
    pub fn top_level(&self) -> impl Iterator<Item = CommandId> + '_ {
        (0..self.specs.len()).filter(|&i| self.parent[i].is_none())
    }
}

fn lowercase<'b>(name: &[u8], buf: &'b mut [u8; 32]) -> Option<&'b [u8]> {
    if name.len() > buf.len() {
        return None;
    }
    for (d, s) in buf.iter_mut().zip(name) {
        *d = s.to_ascii_lowercase();
    }
    Some(&buf[..name.len()])
}

/// The one registry, built on first use.
pub fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(Registry::build)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_lowercase_and_arities_sane() {
        let r = registry();
        let mut seen = std::collections::HashSet::new();
        for (id, spec) in r.specs.iter().enumerate() {
            assert_eq!(spec.name, spec.name.to_ascii_lowercase());
            assert!(
                seen.insert(r.full_names[id].clone()),
                "{}",
                r.full_names[id]
            );
            assert!(spec.arity != 0, "{}", spec.name);
            assert!(
                !(spec.has(flags::WRITE) && spec.has(flags::READONLY)),
                "{}",
                spec.name
            );
        }
        assert!(r.lookup(b"GeT").is_some());
        assert!(r.lookup(b"nosuchcommand").is_none());
    }

    #[test]
    fn key_positions_follow_first_last_step() {
        let r = registry();
        let mset = r.specs[r.lookup(b"mset").unwrap()];
        assert_eq!(mset.key_positions(5), vec![1, 3]);
        let del = r.specs[r.lookup(b"del").unwrap()];
        assert_eq!(del.key_positions(4), vec![1, 2, 3]);
        let ping = r.specs[r.lookup(b"ping").unwrap()];
        assert!(ping.key_positions(2).is_empty());
    }
}
