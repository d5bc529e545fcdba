//! CONFIG GET / SET / REWRITE / RESETSTAT / HELP over the parameter table of
//! `config`.

use super::table::{flags::*, CommandSpec};
use super::Ctx;
use crate::command;
use crate::config::find_param;
use crate::resp::Argv;

/// The CONFIG container.
pub const CONFIG: CommandSpec = CommandSpec {
    name: "config",
    arity: -2,
    flags: 0,
    first_key: 0,
    last_key: 0,
    step: 0,
    group: "server",
    summary: "A container for server configuration commands.",
    since: "2.0.0",
    handler: help,
    subcommands: SUBCOMMANDS,
};

static SUBCOMMANDS: &[CommandSpec] = &[
    command!(
        "get",
        -3,
        ADMIN | NOSCRIPT | LOADING | STALE,
        (0, 0, 0),
        "server",
        "Returns the effective values of configuration parameters.",
        "2.0.0",
        get
    ),
    command!(
        "set",
        -4,
        ADMIN | NOSCRIPT | LOADING | STALE,
        (0, 0, 0),
        "server",
        "Sets configuration parameters in-flight.",
        "2.0.0",
        set
    ),
    command!(
        "rewrite",
        2,
        ADMIN | NOSCRIPT | LOADING | STALE,
        (0, 0, 0),
        "server",
        "Rewrite the configuration file with the in memory configuration",
        "2.8.0",
        rewrite
    ),
    command!(
        "resetstat",
        2,
        ADMIN | NOSCRIPT | LOADING | STALE,
        (0, 0, 0),
        "server",
        "Resets the server's statistics.",
        "2.0.0",
        resetstat
    ),
    command!(
        "help",
        2,
        LOADING | STALE,
        (0, 0, 0),
        "server",
        "Returns helpful text about the different subcommands.",
        "5.0.0",
        help
    ),
];

/// `CONFIG GET parameter [parameter ...]`
fn get(ctx: &mut Ctx, argv: Argv) {
    let mut pairs: Vec<(&'static str, String)> = Vec::new();
    for pattern in argv.iter_from(2) {
        for (name, value) in ctx.server.config.matching(pattern) {
            if !pairs.iter().any(|(n, _)| *n == name) {
                pairs.push((name, value));
            }
        }
    }
    ctx.out.map(pairs.len());
    for (name, value) in pairs {
        ctx.out.bulk(name.as_bytes());
        ctx.out.bulk(value.as_bytes());
    }
}

/// `CONFIG SET parameter value [parameter value ...]`: all or nothing.
fn set(ctx: &mut Ctx, argv: Argv) {
    if !argv.len().is_multiple_of(2) {
        return ctx.out.error(&super::errors::arity("config|set"));
    }
    let mut updated = ctx.server.config.clone();
    for i in (2..argv.len()).step_by(2) {
        let name = String::from_utf8_lossy(argv.get(i)).into_owned();
        let value = String::from_utf8_lossy(argv.get(i + 1)).into_owned();
        let Some(param) = find_param(&name) else {
            return ctx.out.error(&format!(
                "ERR Unknown option or number of arguments for CONFIG SET - '{name}'"
            ));
        };
        let result = if !param.mutable {
            Err("can't set immutable config".to_string())
        } else if ctx.server.persist.loading.is_some() && DENY_LOADING.contains(&param.name) {
            Err("loading flag is set".to_string())
        } else if crate::config::PROTECTED.contains(&param.name) && !protected_allowed(ctx) {
            Err("can't set protected config".to_string())
        } else {
            (param.set)(&mut updated, &value)
        };
        if let Err(e) = result {
            return ctx.out.error(&format!(
                "ERR CONFIG SET failed (possibly related to argument '{name}') - {e}"
            ));
        }
    }
    if updated.loglevel != ctx.server.config.loglevel {
        crate::logging::set_level(&updated.loglevel);
    }
    let appendonly = updated.appendonly;
    let appendonly_changed = appendonly != ctx.server.config.appendonly;
    ctx.server.set_config(updated);
    // Turning the AOF on writes its base from the current data.
    if !appendonly_changed {
        return ctx.out.ok();
    }
    if let Err(e) = ctx.server.set_appendonly(ctx.store, appendonly) {
        ctx.server.config.appendonly = ctx.server.persist.aof.is_some();
        return ctx.out.error(&format!(
            "ERR CONFIG SET failed (possibly related to argument 'appendonly') - {e}"
        ));
    }
    ctx.out.ok();
}

/// Parameters that cannot change while the dataset loads (Redis's
/// DENY_LOADING_CONFIG): they decide where and whether data is written.
const DENY_LOADING: &[&str] = &["appendonly", "dir", "dbfilename"];

/// enable-protected-configs: yes, or local and the client is on loopback.
fn protected_allowed(ctx: &mut Ctx) -> bool {
    let setting = ctx.server.config.enable_protected_configs.clone();
    allowed_by(&setting, ctx.client())
}

/// Redis's allowProtectedAction: a protected setting (enable-protected-
/// configs, enable-debug-command) of `yes` allows `client`, `local` allows
/// it from a loopback address only, `no` refuses it.
pub fn allowed_by(setting: &str, client: &crate::state::Client) -> bool {
    match setting {
        "yes" => true,
        "local" => client
            .addr
            .parse::<std::net::SocketAddr>()
            .is_ok_and(|a| crate::state::is_loopback(a.ip())),
        _ => false,
    }
}

/// `CONFIG REWRITE`: the running configuration back into the start file.
fn rewrite(ctx: &mut Ctx, _argv: Argv) {
    match ctx.server.config.rewrite() {
        Ok(()) => {
            log::info!(target: "config", "rewritten file={}", ctx.server.config.config_file);
            ctx.out.ok();
        }
        Err(e) => {
            log::warn!(target: "config", "rewrite_failed error=\"{e}\"");
            ctx.out.error(&format!("ERR {e}"));
        }
    }
}

/// `CONFIG RESETSTAT`
fn resetstat(ctx: &mut Ctx, _argv: Argv) {
    let s = &mut *ctx.server;
    s.commands_processed = 0;
    s.connections_received = 0;
    s.rejected_connections = 0;
    s.net_input_bytes = 0;
    s.net_output_bytes = 0;
    s.total_error_replies = 0;
    s.error_stats.clear();
    for st in &mut s.cmd_stats {
        *st = Default::default();
    }
    s.peak_memory = crate::alloc::used_memory();
    ctx.store.hits = 0;
    ctx.store.misses = 0;
    ctx.store.expired_active = 0;
    ctx.store.evicted = 0;
    for db in &mut ctx.store.dbs {
        db.expired_on_access = 0;
    }
    ctx.out.ok();
}

/// `CONFIG HELP`
fn help(ctx: &mut Ctx, _argv: Argv) {
    ctx.reply_help(&[
        "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "GET <pattern>",
        "    Return parameters matching the glob-like <pattern> and their values.",
        "SET <directive> <value>",
        "    Set the configuration <directive> to <value>.",
        "RESETSTAT",
        "    Reset statistics reported by the INFO command.",
        "REWRITE",
        "    Rewrite the configuration file.",
        "HELP",
        "    Prints this help.",
    ]);
}
