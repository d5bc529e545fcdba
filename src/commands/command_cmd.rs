//! COMMAND and its subcommands: the command table as clients see it
//! (COUNT, INFO, DOCS, LIST, GETKEYS, HELP). redis-cli and cluster-aware
//! client libraries read these.

use super::table::{flags, flags::*, registry, CommandId, CommandSpec};
use super::{args, errors, Ctx};
use crate::command;
use crate::resp::{Argv, Reply};
use crate::store::glob::glob_match;

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
        -3,
        LOADING | STALE | SENTINEL,
        (0, 0, 0),
        "server",
        "Extracts the key names from an arbitrary command.",
        "2.8.13",
        getkeys
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

/// `COMMAND INFO [command-name [command-name ...]]`
fn info(ctx: &mut Ctx, argv: Argv) {
    if argv.len() == 2 {
        return all(ctx, argv);
    }
    ctx.out.array(argv.len() - 2);
    for name in argv.iter_from(2) {
        match find(name) {
            Some(id) => write_info(ctx.out, id),
            None => ctx.out.null_array(),
        }
    }
}

/// Redis's ACL categories for a command, derived from its flags and group.
fn acl_categories(spec: &CommandSpec) -> Vec<&'static str> {
    let mut cats = Vec::new();
    if spec.has(WRITE) {
        cats.push("@write");
    }
    if spec.has(READONLY) {
        cats.push("@read");
    }
    match spec.group {
        "string" => cats.push("@string"),
        "generic" => cats.push("@keyspace"),
        "connection" => cats.push("@connection"),
        "bitmap" => cats.push("@bitmap"),
        "hyperloglog" => cats.push("@hyperloglog"),
        "list" => cats.push("@list"),
        _ => {}
    }
    if spec.has(ADMIN) {
        cats.push("@admin");
        cats.push("@dangerous");
    }
    cats.push(if spec.has(FAST) { "@fast" } else { "@slow" });
    cats
}

fn write_info(out: &mut Reply, id: CommandId) {
    let reg = registry();
    let spec = reg.specs[id];
    out.array(10);
    out.bulk(reg.full_names[id].as_bytes());
    out.int(spec.arity as i64);
    let names: Vec<&str> = flags::NAMES
        .iter()
        .filter(|(f, _)| spec.has(*f))
        .map(|(_, n)| *n)
        .collect();
    out.set(names.len());
    for n in names {
        out.simple(n);
    }
    out.int(spec.first_key as i64);
    out.int(spec.last_key as i64);
    out.int(spec.step as i64);
    let cats = acl_categories(spec);
    out.set(cats.len());
    for c in cats {
        out.simple(c);
    }
    out.set(0); // tips
    write_key_specs(out, spec);
    out.array(spec.subcommands.len());
    for sub in spec.subcommands {
        if let Some(sid) = reg.id_of(sub) {
            write_info(out, sid);
        }
    }
}

/// One key spec from first/last/step: begin at an index, then a range.
fn write_key_specs(out: &mut Reply, spec: &CommandSpec) {
    if spec.first_key <= 0 {
        out.array(0);
        return;
    }
    out.array(1);
    out.map(3);
    out.bulk(b"flags");
    let key_flags: &[&str] = if spec.has(WRITE) {
        &["RW", "update"]
    } else {
        &["RO", "access"]
    };
    out.set(key_flags.len());
    for f in key_flags {
        out.simple(f);
    }
    out.bulk(b"begin_search");
    out.map(2);
    out.bulk(b"type");
    out.bulk(b"index");
    out.bulk(b"spec");
    out.map(1);
    out.bulk(b"index");
    out.int(spec.first_key as i64);
    out.bulk(b"find_keys");
    out.map(2);
    out.bulk(b"type");
    out.bulk(b"range");
    out.bulk(b"spec");
    out.map(3);
    out.bulk(b"lastkey");
    out.int(if spec.last_key < 0 {
        spec.last_key as i64
    } else {
        (spec.last_key - spec.first_key) as i64
    });
    out.bulk(b"keystep");
    out.int(spec.step as i64);
    out.bulk(b"limit");
    out.int(0);
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

fn write_doc(out: &mut Reply, id: CommandId) {
    let reg = registry();
    let spec = reg.specs[id];
    let has_subs = !spec.subcommands.is_empty();
    out.map(3 + has_subs as usize);
    out.bulk(b"summary");
    out.bulk(spec.summary.as_bytes());
    out.bulk(b"since");
    out.bulk(spec.since.as_bytes());
    out.bulk(b"group");
    out.bulk(spec.group.as_bytes());
    if has_subs {
        out.bulk(b"subcommands");
        out.map(spec.subcommands.len());
        for sub in spec.subcommands {
            if let Some(sid) = reg.id_of(sub) {
                out.bulk(reg.full_names[sid].as_bytes());
                write_doc(out, sid);
            }
        }
    }
}

/// `COMMAND LIST [FILTERBY <MODULE module-name | ACLCAT category | PATTERN pattern>]`
fn list(ctx: &mut Ctx, argv: Argv) {
    let reg = registry();
    let mut names: Vec<&str> = Vec::new();
    let filter = match argv.len() {
        2 => None,
        5 if args::is(argv.get(2), "filterby") => Some((argv.get(3), argv.get(4))),
        _ => return ctx.out.error(errors::SYNTAX),
    };
    for id in 0..reg.specs.len() {
        let name = reg.full_names[id].as_str();
        let keep = match filter {
            None => true,
            Some((kind, value)) if args::is(kind, "pattern") => glob_match(value, name.as_bytes()),
            Some((kind, value)) if args::is(kind, "aclcat") => {
                let cat = format!("@{}", String::from_utf8_lossy(value).to_ascii_lowercase());
                acl_categories(reg.specs[id]).contains(&cat.as_str())
            }
            Some((kind, _)) if args::is(kind, "module") => false,
            Some(_) => return ctx.out.error(errors::SYNTAX),
        };
        if keep {
            names.push(name);
        }
    }
    ctx.out.array(names.len());
    for n in names {
        ctx.out.bulk(n.as_bytes());
    }
}

/// `COMMAND GETKEYS command [arg [arg ...]]`
fn getkeys(ctx: &mut Ctx, argv: Argv) {
    let reg = registry();
    let cmd = argv.tail(2);
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
    let argc = cmd.len() as i32;
    if (spec.arity > 0 && argc != spec.arity) || argc < -spec.arity {
        return ctx
            .out
            .error("ERR Invalid number of arguments specified for command");
    }
    let keys = spec.key_positions(cmd.len());
    if keys.is_empty() {
        return ctx.out.error("ERR The command has no key arguments");
    }
    ctx.out.array(keys.len());
    for k in keys {
        ctx.out.bulk(cmd.get(k));
    }
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
        "HELP",
        "    Prints this help.",
    ];
    super::server_cmd::reply_help(ctx, LINES);
}
