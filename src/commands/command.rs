//! COMMAND and its subcommands: the command table as clients see it
//! (COUNT, INFO, DOCS, LIST, GETKEYS, HELP). redis-cli and cluster-aware
//! client libraries read these.

use super::command_meta::{meta, Value};
use super::key_specs::{command_keys, flags as key_flags};
use super::table::{flags, flags::*, registry, CommandId, CommandSpec};
use super::{args, errors, Ctx};
use crate::command;
use crate::resp::{Argv, Reply};
use crate::store::glob::glob_match_nocase;

/// The COMMAND container (without subcommand: every command's INFO).
pub const COMMAND: CommandSpec = CommandSpec {
    name: "command",
    arity: -1,
    flags: LOADING | STALE | SENTINEL,
    first_key: 0,
    last_key: 0,
    step: 0,
    group: "server",
    summary: "Returns detailed information about all commands.",
    since: "2.8.13",
    handler: all,
    subcommands: SUBCOMMANDS,
};

static SUBCOMMANDS: &[CommandSpec] = &[
    command!(
        "count",
        2,
        LOADING | STALE | SENTINEL,
        (0, 0, 0),
        "server",
        "Returns a count of commands.",
        "2.8.13",
        count
    ),
    command!(
        "info",
        -2,
        LOADING | STALE | SENTINEL,
        (0, 0, 0),
        "server",
        "Returns information about one, multiple or all commands.",
        "2.8.13",
        info
    ),
    command!(
        "docs",
        -2,
        LOADING | STALE | SENTINEL,
        (0, 0, 0),
        "server",
        "Returns documentary information about one, multiple or all commands.",
        "7.0.0",
        docs
    ),
    command!(
        "list",
        -2,
        LOADING | STALE | SENTINEL,
        (0, 0, 0),
        "server",
        "Returns a list of command names.",
        "7.0.0",
        list
    ),
    command!(
        "getkeys",
        -4,
        LOADING | STALE | SENTINEL,
        (0, 0, 0),
        "server",
        "Extracts the key names from an arbitrary command.",
        "2.8.13",
        getkeys
    ),
    command!(
        "getkeysandflags",
        -4,
        LOADING | STALE | SENTINEL,
        (0, 0, 0),
        "server",
        "Extracts the key names and access flags for an arbitrary command.",
        "7.0.0",
        getkeysandflags
    ),
    command!(
        "help",
        2,
        LOADING | STALE | SENTINEL,
        (0, 0, 0),
        "server",
        "Returns helpful text about the different subcommands.",
        "5.0.0",
        help
    ),
];

/// `COMMAND`
fn all(ctx: &mut Ctx, _argv: Argv) {
    let reg = registry();
    let ids: Vec<CommandId> = reg.top_level().collect();
    ctx.out.array(ids.len());
    for id in ids {
        write_info(ctx.out, id);
    }
}

/// `COMMAND COUNT`
fn count(ctx: &mut Ctx, _argv: Argv) {
    ctx.out.int(registry().top_level().count() as i64);
}

/// Looks up `cmd` or `container|sub`.
fn find(name: &[u8]) -> Option<CommandId> {
    let reg = registry();
    match name.iter().position(|&b| b == b'|') {
        Some(bar) => reg.lookup_sub(reg.lookup(&name[..bar])?, &name[bar + 1..]),
        None => reg.lookup(name),
    }
}

/// Ids of the subcommands ferrocache implements under container `id`.
fn subcommands(id: CommandId) -> Vec<CommandId> {
    let reg = registry();
    (0..reg.specs.len())
        .filter(|&sub| reg.parent[sub] == Some(id))
        .collect()
}

/// `COMMAND INFO [command-name [command-name ...]]`
fn info(ctx: &mut Ctx, argv: Argv) {
    if argv.len() == 2 {
        return all(ctx, argv);
    }
    ctx.out.array(argv.len() - 2);
    for name in argv.iter_from(2) {
        match find(name) {
            Some(id) => write_info(ctx.out, id),
            None => ctx.out.null(),
        }
    }
}

/// One command's INFO entry: Redis 7.0's (captured in `command_meta`), with
/// only the subcommands ferrocache implements.
fn write_info(out: &mut Reply, id: CommandId) {
    let reg = registry();
    out.array(10);
    match meta().info.get(&reg.full_names[id]) {
        Some(fields) => fields.iter().for_each(|f| f.write(out)),
        None => write_table_info(out, reg.specs[id], &reg.full_names[id]),
    }
    // As Redis 7.0: an empty set without subcommands, else an array.
    let subs = subcommands(id);
    if subs.is_empty() {
        out.set(0);
    } else {
        out.array(subs.len());
    }
    for sub in subs {
        write_info(out, sub);
    }
}

/// The first 9 INFO fields from the command table alone (a command Redis
/// 7.0 does not have: no categories, tips or key specs to show).
fn write_table_info(out: &mut Reply, spec: &CommandSpec, full_name: &str) {
    out.bulk(full_name.as_bytes());
    out.int(spec.arity as i64);
    let names: Vec<&str> = flags::NAMES
        .iter()
        .filter(|(f, _)| spec.has(*f) && f & flags::HIDDEN == 0)
        .map(|(_, n)| *n)
        .collect();
    out.set(names.len());
    names.iter().for_each(|n| out.simple(n));
    out.int(spec.first_key as i64);
    out.int(spec.last_key as i64);
    out.int(spec.step as i64);
    out.set(0); // ACL categories
    out.set(0); // tips
    out.set(0); // key specs
}

/// `COMMAND DOCS [command-name [command-name ...]]`
fn docs(ctx: &mut Ctx, argv: Argv) {
    let reg = registry();
    let ids: Vec<CommandId> = if argv.len() == 2 {
        reg.top_level().collect()
    } else {
        argv.iter_from(2).filter_map(find).collect()
    };
    ctx.out.map(ids.len());
    for id in ids {
        ctx.out.bulk(reg.full_names[id].as_bytes());
        write_doc(ctx.out, id);
    }
}

/// One command's DOCS map: Redis 7.0's, with only the subcommands
/// ferrocache implements.
fn write_doc(out: &mut Reply, id: CommandId) {
    let reg = registry();
    let spec = reg.specs[id];
    let subs = subcommands(id);
    let has_subs = !subs.is_empty() as usize;
    match meta().docs.get(&reg.full_names[id]) {
        Some(pairs) => {
            out.map(pairs.len() + has_subs);
            for (k, v) in pairs {
                k.write(out);
                v.write(out);
            }
        }
        None => {
            out.map(3 + has_subs);
            for (k, v) in [
                ("summary", spec.summary),
                ("since", spec.since),
                ("group", spec.group),
            ] {
                out.bulk(k.as_bytes());
                out.bulk(v.as_bytes());
            }
        }
    }
    if has_subs == 1 {
        out.bulk(b"subcommands");
        out.map(subs.len());
        for sub in subs {
            out.bulk(reg.full_names[sub].as_bytes());
            write_doc(out, sub);
        }
    }
}

/// Redis 7.0's ACL categories of command `full_name` (`@read`, ...).
fn acl_categories(full_name: &str) -> &'static [Value] {
    meta()
        .info
        .get(full_name)
        .map_or(&[], |fields| fields[6].items())
}

/// `COMMAND LIST [FILTERBY <MODULE module-name | ACLCAT category | PATTERN pattern>]`
fn list(ctx: &mut Ctx, argv: Argv) {
    let reg = registry();
    let filter = match argv.len() {
        2 => None,
        5 if args::is(argv.get(2), "filterby") => Some((argv.get(3), argv.get(4))),
        _ => return ctx.out.error(errors::SYNTAX),
    };
    let keep = |id: CommandId| -> bool {
        let name = reg.full_names[id].as_str();
        match filter {
            None => true,
            Some((kind, value)) if args::is(kind, "pattern") => {
                glob_match_nocase(value, name.as_bytes(), true)
            }
            Some((_, value)) => acl_categories(name).iter().any(|c| {
                c.text()
                    .strip_prefix(b"@")
                    .unwrap_or(b"")
                    .eq_ignore_ascii_case(value)
            }),
        }
    };
    if let Some((kind, _)) = filter {
        if !["pattern", "aclcat", "module"]
            .iter()
            .any(|k| args::is(kind, k))
        {
            return ctx.out.error(errors::SYNTAX);
        }
        if args::is(kind, "module") {
            return ctx.out.array(0); // no modules
        }
    }
    let names: Vec<&str> = (0..reg.specs.len())
        .filter(|&id| keep(id))
        .map(|id| reg.full_names[id].as_str())
        .collect();
    ctx.out.array(names.len());
    for n in names {
        ctx.out.bulk(n.as_bytes());
    }
}

/// `COMMAND GETKEYS command [arg [arg ...]]`
fn getkeys(ctx: &mut Ctx, argv: Argv) {
    reply_keys(ctx, argv.tail(2), false);
}

/// `COMMAND GETKEYSANDFLAGS command [arg [arg ...]]`
fn getkeysandflags(ctx: &mut Ctx, argv: Argv) {
    reply_keys(ctx, argv.tail(2), true);
}

/// The keys of the command line `cmd` (with their flags when `with_flags`),
/// or Redis's error for it.
fn reply_keys(ctx: &mut Ctx, cmd: Argv, with_flags: bool) {
    let reg = registry();
    let Some(mut id) = reg.lookup(cmd.get(0)) else {
        return ctx.out.error("ERR Invalid command specified");
    };
    if !reg.specs[id].subcommands.is_empty() && cmd.len() >= 2 {
        match reg.lookup_sub(id, cmd.get(1)) {
            Some(sub) => id = sub,
            None => return ctx.out.error("ERR Invalid command specified"),
        }
    }
    let spec = reg.specs[id];
    if !reg.key_rules[id].has_keys(spec) {
        return ctx.out.error("ERR The command has no key arguments");
    }
    let argc = cmd.len() as i32;
    if (spec.arity > 0 && argc != spec.arity) || argc < -spec.arity {
        return ctx
            .out
            .error("ERR Invalid number of arguments specified for command");
    }
    let keys = command_keys(id, cmd);
    if keys.is_empty() {
        let optional = acl_flag(&reg.full_names[id], "no_mandatory_keys");
        if !optional {
            return ctx.out.error("ERR Invalid arguments specified for command");
        }
    }
    ctx.out.array(keys.len());
    for k in keys {
        if with_flags {
            ctx.out.array(2);
        }
        ctx.out.bulk(cmd.get(k.pos));
        if with_flags {
            let names: Vec<&str> = key_flags::NAMES
                .iter()
                .filter(|(f, _)| k.flags & f != 0)
                .map(|(_, n)| *n)
                .collect();
            ctx.out.set(names.len());
            names.iter().for_each(|n| ctx.out.simple(n));
        }
    }
}

/// True when Redis 7.0 gives command `full_name` the command flag `name`
/// (flags ferrocache's table does not model, like `no_mandatory_keys`).
fn acl_flag(full_name: &str, name: &str) -> bool {
    meta().info.get(full_name).is_some_and(|fields| {
        fields[2]
            .items()
            .iter()
            .any(|f| f.text() == name.as_bytes())
    })
}

/// `COMMAND HELP`
fn help(ctx: &mut Ctx, _argv: Argv) {
    const LINES: &[&str] = &[
        "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "(no subcommand)",
        "    Return details about all Redis commands.",
        "COUNT",
        "    Return the total number of commands in this Redis server.",
        "LIST",
        "    Return a list of all commands in this Redis server.",
        "INFO [<command-name> ...]",
        "    Return details about multiple Redis commands.",
        "    If no command names are given, documentation details for all",
        "    commands are returned.",
        "DOCS [<command-name> ...]",
        "    Return documentation details about multiple Redis commands.",
        "    If no command names are given, documentation details for all",
        "    commands are returned.",
        "GETKEYS <full-command>",
        "    Return the keys from a full Redis command.",
        "GETKEYSANDFLAGS <full-command>",
        "    Return the keys and the access flags from a full Redis command.",
        "HELP",
        "    Prints this help.",
    ];
    ctx.reply_help(LINES);
}
