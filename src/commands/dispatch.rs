//! The dispatch checks, run once per command in Redis's order: unknown command
//! or subcommand → arity → authentication → cluster redirection →
//! maxmemory → MULTI queueing →
//! call, then statistics, the keys it modified (blocked clients to serve,
//! WATCHes to break) and the MONITOR feed.

use super::errors;
use super::table::{flags, registry, CommandId};
use super::Ctx;
use crate::config::event_class;
use crate::resp::{Argv, OwnedArgv};
use crate::state::ClientKind;
use std::panic::{self, AssertUnwindSafe};
use std::time::Instant;

/// Runs one command from `argv` for the client `ctx.me`: checks it, then
/// queues it (inside MULTI) or calls it.
pub fn execute(ctx: &mut Ctx, argv: Argv) {
    execute_checked(ctx, argv);
    // ASKING holds for the next command only (for the whole transaction
    // inside MULTI), as Redis's resetClient has it.
    let client = ctx.client();
    if client.asking && client.multi.is_none() && !argv.get(0).eq_ignore_ascii_case(b"asking") {
        client.asking = false;
    }
}

/// [`execute`] but for the end of ASKING.
fn execute_checked(ctx: &mut Ctx, argv: Argv) {
    let mode_before = begin_reply_mode(ctx);
    let id = match resolve(argv) {
        Ok(id) => id,
        Err((id, err)) => {
            reject(ctx, id, &err);
            end_reply_mode(ctx, mode_before);
            return;
        }
    };
    ctx.client().last_cmd = id;

    if let Some(err) = access_error(ctx, id) {
        reject(ctx, Some(id), err.as_bytes());
        end_reply_mode(ctx, mode_before);
        return;
    }
    if let Some(err) = super::cluster_redirect::redirect_error(ctx, id, argv) {
        redirect(ctx, id, err.as_bytes());
        end_reply_mode(ctx, mode_before);
        return;
    }
    if let Some(err) = precondition_error(ctx, id) {
        reject(ctx, Some(id), err.as_bytes());
        end_reply_mode(ctx, mode_before);
        return;
    }

    let spec = registry().specs[id];
    if ctx.clients[ctx.me].multi.is_some() && !controls_transaction(spec.name) {
        let queued = OwnedArgv::from_argv(argv);
        let tx = ctx.client().multi.as_mut().expect("in MULTI");
        tx.queued.push((id, queued));
        ctx.out.simple("QUEUED");
        end_reply_mode(ctx, mode_before);
        return;
    }

    call(ctx, id, argv);
    end_reply_mode(ctx, mode_before);
}

/// Commands that run even inside MULTI instead of being queued.
fn controls_transaction(name: &str) -> bool {
    matches!(
        name,
        "exec" | "discard" | "multi" | "watch" | "quit" | "reset"
    )
}

/// A command refused before running (`err`: the error text, code first).
/// Counted as rejected; inside MULTI it makes EXEC fail with EXECABORT. A
/// refused EXEC itself discards the transaction and says why, as Redis's
/// `execCommandAbort` does (the `ERR` code dropped from the reason).
fn reject(ctx: &mut Ctx, id: Option<CommandId>, err: &[u8]) {
    if let Some(id) = id {
        ctx.server.cmd_stats[id].rejected_calls += 1;
    }
    if id.is_some_and(|id| registry().specs[id].name == "exec") {
        ctx.client().multi = None;
        super::transactions::unwatch(ctx);
        let reason = err.strip_prefix(b"ERR ").unwrap_or(err);
        let mut text = b"EXECABORT Transaction discarded because of: ".to_vec();
        text.extend_from_slice(reason);
        ctx.out.error_bytes(&text);
    } else {
        ctx.out.error_bytes(err);
        if let Some(tx) = ctx.clients[ctx.me].multi.as_mut() {
            tx.aborted = true;
        }
    }
    ctx.server.record_error(ctx.out);
}

/// A command not served by this cluster node (`err`: the redirection or
/// refusal, code first), as Redis's processCommand handles it: counted as
/// rejected; a redirected EXEC discards its transaction and replies the
/// redirection itself; a command queued inside MULTI makes EXEC fail.
fn redirect(ctx: &mut Ctx, id: CommandId, err: &[u8]) {
    if registry().specs[id].name == "exec" {
        ctx.server.cmd_stats[id].rejected_calls += 1;
        ctx.client().multi = None;
        super::transactions::unwatch(ctx);
        ctx.out.error_bytes(err);
        ctx.server.record_error(ctx.out);
    } else {
        reject(ctx, Some(id), err);
    }
}

/// Calls command `id` (already checked): the handler, then waking blocked
/// clients and failing WATCHes on the keys it modified, statistics, and the
/// MONITOR feed. EXEC calls this for each queued command.
pub fn call(ctx: &mut Ctx, id: CommandId, argv: Argv) {
    let spec = registry().specs[id];
    // Decided before the call: a blocked client's command runs again when
    // a key gets ready, and MONITOR showed it the first time. The cheap
    // test first: nobody monitors, nothing else is looked at.
    let rerun = ctx.clients[ctx.me].blocked.is_some();
    let monitored = !ctx.server.monitors.is_empty()
        && !spec.has(flags::SKIP_MONITOR | flags::ADMIN)
        && ctx.server.persist.loading.is_none()
        && !rerun;

    let events = ctx.server.config.notify_keyspace_events;
    ctx.store.log_misses = events & event_class::KEY_MISS != 0;
    ctx.store.dbs[ctx.db].log_new_keys = events & event_class::NEW != 0;

    let dirty_before = ctx.server.dirty;
    let started = Instant::now();
    // A replica hides expired keys but leaves their deletion to its leader.
    ctx.store.dbs[ctx.db].hold_expired =
        ctx.server.pause.is_on(started) || ctx.server.follower.is_replica();
    call_guarded(ctx, argv, spec.handler, id);
    let usec = started.elapsed().as_micros() as u64;

    // `new` and `keymiss` keyspace events, logged by the store while it ran.
    if events & (event_class::KEY_MISS | event_class::NEW) != 0 {
        for key in std::mem::take(&mut ctx.store.dbs[ctx.db].new_keys) {
            ctx.publish_event(event_class::NEW, "new", &key);
        }
        for key in std::mem::take(&mut ctx.store.missed_keys) {
            ctx.publish_event(event_class::KEY_MISS, "keymiss", &key);
        }
    }

    // Keys the lookups found expired and deleted count as modified by the
    // server; their DEL goes out before the command's own effect. (Lookups
    // in another database report theirs at once: keys::lookup_write.)
    ctx.report_lazily_expired();

    // A write that changed something goes to the effect stream (AOF), and
    // may feed a blocked client. (WATCHes break on each key the handler
    // reports changed: `Ctx::notify`.)
    let modified = ctx.server.dirty != dirty_before && spec.has(flags::WRITE);
    if ctx.server.propagation.enabled() {
        let stream_len = ctx.server.propagation.buf.len();
        ctx.server
            .propagation
            .after_command(ctx.db, modified, || argv.iter_from(0).collect());
        // With appendfsync always, this client's reply waits for the fsync.
        if ctx.server.propagation.buf.len() != stream_len
            && ctx.server.config.appendfsync == crate::config::AppendFsync::Always
        {
            ctx.server.awaiting_durability.push(ctx.me);
        }
        crate::replication::leader::feed_for(ctx.server, ctx.clients, ctx.me);
    }
    if modified && !ctx.server.blocking.is_empty() {
        for key_ref in super::key_specs::command_keys(id, argv) {
            ctx.server.blocking.signal(ctx.db, argv.get(key_ref.pos));
        }
    }
    ctx.server.blocking.end_command();

    // A command that just blocked goes to the slow log when it is served
    // (with the time it ran then added), as Redis 7.0 logs it.
    let just_blocked = !rerun && ctx.clients[ctx.me].blocked.is_some();
    let threshold = ctx.server.config.slowlog_log_slower_than;
    if threshold >= 0 && usec >= threshold as u64 && !spec.has(flags::SKIP_SLOWLOG) && !just_blocked
    {
        let client = &ctx.clients[ctx.me];
        let max_len = ctx.server.config.slowlog_max_len;
        let now = crate::state::unix_ms() / 1000;
        ctx.server
            .slowlog
            .record(argv, usec, now, &client.addr, &client.name, max_len);
    }

    let latency_threshold_ms = ctx.server.config.latency_monitor_threshold;
    if latency_threshold_ms > 0 && usec / 1000 >= latency_threshold_ms {
        let event = if spec.has(flags::FAST) {
            "fast-command"
        } else {
            "command"
        };
        let now = crate::state::unix_ms() / 1000;
        ctx.server.latency.add(event, now, usec / 1000);
    }

    // A served blocked command was counted when it blocked: it adds its
    // time, not a call.
    let stats = &mut ctx.server.cmd_stats[id];
    if !rerun {
        stats.calls += 1;
        ctx.server.commands_processed += 1;
    }
    stats.usec += usec;
    stats.record_latency(usec);
    if ctx.out.last_error.is_some() {
        stats.failed_calls += 1;
        ctx.server.record_error(ctx.out);
    }

    // After the call, as Redis 7.0 does: the line shows the database the
    // client is in once the command ran (SELECT 3 shows 3), and EXEC follows
    // the commands it ran.
    if monitored {
        ctx.server.feed_monitors(ctx.clients, ctx.me, ctx.db, argv);
    }
}

/// Runs again the command of a blocked client (`ctx.me`) whose key got
/// ready: no dispatch check runs again (no OOM or MISCONF refusal at this
/// point, as in Redis), and it is not counted as a new call. True when it
/// was served (it replied); false when it found nothing and stays blocked.
pub fn serve_blocked(ctx: &mut Ctx, id: CommandId, argv: Argv) -> bool {
    let reply_start = ctx.out.buf.len();
    ctx.client().last_cmd = id;
    call(ctx, id, argv);
    let served = ctx.out.buf.len() > reply_start;
    if ctx.clients[ctx.me].reply_mode == crate::state::ReplyMode::Off {
        ctx.out.buf.truncate(reply_start);
    }
    served
}

/// Runs a handler; a panic (a bug) becomes an error reply for this client
/// instead of taking the whole server down.
fn call_guarded(ctx: &mut Ctx, argv: Argv, handler: super::table::Handler, id: CommandId) {
    let result = panic::catch_unwind(AssertUnwindSafe(|| handler(ctx, argv)));
    if result.is_err() {
        log::error!(
            target: "command",
            "handler_panicked command={} reply=error",
            registry().full_names[id]
        );
        ctx.out
            .error("ERR internal error while running the command (see the server log)");
    }
}

/// Finds the command (and subcommand), or the unknown/arity error and the
/// command it concerns.
fn resolve(argv: Argv) -> Result<CommandId, (Option<CommandId>, Vec<u8>)> {
    let reg = registry();
    let name = argv.get(0);
    let Some(mut id) = reg.lookup(name) else {
        return Err((None, unknown_command(argv)));
    };
    let spec = reg.specs[id];
    if !spec.subcommands.is_empty() && argv.len() >= 2 {
        match reg.lookup_sub(id, argv.get(1)) {
            Some(sub) => id = sub,
            None => {
                let mut text = b"ERR unknown subcommand '".to_vec();
                text.extend_from_slice(c_string(argv.get(1), 128));
                text.extend_from_slice(b"'. Try ");
                text.extend_from_slice(spec.name.to_ascii_uppercase().as_bytes());
                text.extend_from_slice(b" HELP.");
                return Err((None, text));
            }
        }
    }
    let spec = reg.specs[id];
    let argc = argv.len() as i32;
    if (spec.arity > 0 && argc != spec.arity) || argc < -spec.arity {
        return Err((Some(id), errors::arity(&reg.full_names[id]).into_bytes()));
    }
    Ok(id)
}

/// The first checks on command `id`, in Redis's order: DEBUG allowed,
/// authentication, a command MULTI refuses. (Then the cluster's, then
/// [`precondition_error`]. EXEC is judged there by what it would run:
/// refused when out of memory if a queued command may use more (denyoom),
/// and on a disk error if one writes.)
fn access_error(ctx: &mut Ctx, id: CommandId) -> Option<String> {
    let spec = registry().specs[id];
    if spec.name == "debug" && !debug_allowed(ctx) {
        return Some(DEBUG_NOT_ALLOWED.into());
    }
    let client = &ctx.clients[ctx.me];
    if ctx.server.auth_required(client) && !spec.has(flags::NO_AUTH) {
        return Some(errors::NOAUTH.into());
    }
    if client.multi.is_some() && spec.has(flags::NO_MULTI) {
        return Some("ERR Command not allowed inside a transaction".into());
    }
    None
}

/// The rest of the checks, after the cluster's (`cluster_redirect`), in
/// Redis's order: maxmemory, a disk error, min-replicas, read-only
/// replica, subscriber mode (RESP2), stale data, loading.
fn precondition_error(ctx: &mut Ctx, id: CommandId) -> Option<String> {
    let spec = registry().specs[id];
    let client = &ctx.clients[ctx.me];
    let in_multi = client.multi.is_some();
    let loading = ctx.server.persist.loading.is_some();
    // The leader's link and the AOF loader run what they are given.
    let obeyed = client.kind == ClientKind::Master || client.stream.is_none();
    let replica = ctx.server.follower.is_replica();
    // Loading: no eviction (the data is not all there), no MISCONF. A
    // replica leaves eviction to its leader (replica-ignore-maxmemory).
    if !loading && !replica && ctx.server.config.maxmemory > 0 {
        // Queueing may take memory without bound: inside MULTI anything but
        // ending the transaction is refused when out of memory.
        let refused_on_oom = would_run(client, id, flags::DENYOOM)
            || (in_multi && !matches!(spec.name, "exec" | "discard" | "quit" | "reset"));
        let out_of_memory = !ctx.server.free_memory_if_needed(ctx.store, ctx.clients);
        if out_of_memory && refused_on_oom {
            return Some(errors::OOM.into());
        }
    }
    if let Some(err) = ctx.server.misconf_error().filter(|_| !loading && !obeyed) {
        if would_run(&ctx.clients[ctx.me], id, flags::WRITE) || spec.name == "ping" {
            return Some(err);
        }
    }
    if crate::replication::leader::not_enough_good_replicas(ctx.server)
        && would_run(&ctx.clients[ctx.me], id, flags::WRITE)
    {
        return Some(crate::replication::leader::NOREPLICAS.into());
    }
    let client = &ctx.clients[ctx.me];
    if replica
        && ctx.server.config.replica.read_only
        && !obeyed
        && would_run(client, id, flags::WRITE)
    {
        return Some(READONLY.into());
    }
    if !ctx.out.resp3 && client.subs.any() && !super::pubsub::allowed_in_subscriber_mode(spec.name)
    {
        return Some(format!(
            "ERR Can't execute '{}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context",
            registry().full_names[id]
        ));
    }
    if replica
        && !ctx.server.follower.link_up()
        && !ctx.server.config.replica.serve_stale_data
        && denied_when_stale(client, id)
    {
        return Some(MASTERDOWN.into());
    }
    if loading {
        // The replay client runs everything, others only what may run now.
        let loader = ctx.server.persist.loading.as_ref().and_then(|l| l.loader);
        if loader != Some(ctx.me) && !spec.has(flags::LOADING) {
            return Some(errors::LOADING.into());
        }
    }
    None
}

/// True when a CLIENT PAUSE of `mode` holds this command of `client`:
/// every command with ALL; with WRITE, those that may write (EXEC of a
/// transaction that does included). Unknown commands and bad arity are
/// not held (they fail at once), nor is the AOF loader.
pub fn held_by_pause(
    mode: crate::state::PauseMode,
    client: &crate::state::Client,
    argv: Argv,
) -> bool {
    use crate::state::PauseMode;
    let reg = registry();
    let Some(id) = reg.lookup(argv.get(0)) else {
        return false;
    };
    let spec = reg.specs[id];
    let argc = argv.len() as i32;
    if client.stream.is_none() || (spec.arity > 0 && argc != spec.arity) || argc < -spec.arity {
        return false;
    }
    match mode {
        PauseMode::All => true,
        PauseMode::Write => would_run(client, id, flags::WRITE | flags::MAY_REPLICATE),
    }
}

/// Redis 7.0's refusal of DEBUG when enable-debug-command does not allow it.
const DEBUG_NOT_ALLOWED: &str = "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.";

/// enable-debug-command (a start-up setting, `no` by default) lets the
/// calling client run DEBUG. The AOF loader runs what the file holds.
fn debug_allowed(ctx: &Ctx) -> bool {
    let client = &ctx.clients[ctx.me];
    let setting = ctx.server.config.inert.get("enable-debug-command");
    client.stream.is_none() || super::config::allowed_by(setting.map_or("no", |s| s), client)
}

/// Redis 7.0's refusal of a write on a read-only replica.
const READONLY: &str = "READONLY You can't write against a read only replica.";

/// Redis 7.0's refusal while the link to the leader is down and
/// replica-serve-stale-data is off.
const MASTERDOWN: &str =
    "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.";

/// Command `id` may not serve stale data: it lacks the `stale` flag, or is
/// EXEC and one of the queued commands lacks it.
fn denied_when_stale(client: &crate::state::Client, id: CommandId) -> bool {
    let specs = &registry().specs;
    !specs[id].has(flags::STALE)
        || (specs[id].name == "exec"
            && client.multi.as_ref().is_some_and(|tx| {
                tx.queued
                    .iter()
                    .any(|(queued, _)| !specs[*queued].has(flags::STALE))
            }))
}

/// Command `id` has any of `flags`, or is EXEC and one of the client's
/// queued commands has (Redis judges EXEC by what it would run).
fn would_run(client: &crate::state::Client, id: CommandId, flags: u32) -> bool {
    let specs = &registry().specs;
    specs[id].has(flags)
        || (specs[id].name == "exec"
            && client.multi.as_ref().is_some_and(|tx| {
                tx.queued
                    .iter()
                    .any(|(queued, _)| specs[*queued].has(flags))
            }))
}

/// Redis's `unknown command 'x', with args beginning with: 'a' 'b' `, the
/// arguments' bytes as they came (cut as C's `%.*s` cuts them).
fn unknown_command(argv: Argv) -> Vec<u8> {
    let mut args = Vec::new();
    for arg in argv.iter_from(1) {
        if args.len() >= 128 {
            break;
        }
        let remaining = 128 - args.len();
        args.push(b'\'');
        args.extend_from_slice(c_string(arg, remaining));
        args.extend_from_slice(b"' ");
    }
    let mut text = b"ERR unknown command '".to_vec();
    text.extend_from_slice(c_string(argv.get(0), 128));
    text.extend_from_slice(b"', with args beginning with: ");
    text.extend_from_slice(&args);
    text
}

/// `arg` as C's `%.<max>s` prints it: up to its first NUL, at most `max`
/// bytes (Redis formats client arguments into errors that way).
fn c_string(arg: &[u8], max: usize) -> &[u8] {
    let end = arg.iter().position(|&b| b == 0).unwrap_or(arg.len());
    &arg[..end.min(max)]
}

/// CLIENT REPLY OFF/SKIP, before a command: its replies will be dropped
/// (pushes still go out). Returns the mode it ran under.
fn begin_reply_mode(ctx: &mut Ctx) -> crate::state::ReplyMode {
    use crate::state::ReplyMode;
    let mode = ctx.clients[ctx.me].reply_mode;
    // A replica gets the replication stream, never replies.
    let replica = crate::replication::leader::replica_of(&ctx.clients[ctx.me]).is_some();
    if matches!(mode, ReplyMode::Off | ReplyMode::Skip) || replica {
        ctx.out.mute();
    }
    mode
}

/// After a command: drops what it replied while muted, and moves SKIP on
/// (CLIENT REPLY SKIP just ran: skip the next; the skipped one ran: back
/// on), as Redis does once per top-level command (EXEC counts as one).
fn end_reply_mode(ctx: &mut Ctx, before: crate::state::ReplyMode) {
    use crate::state::ReplyMode;
    ctx.out.unmute();
    let client = &mut ctx.clients[ctx.me];
    client.reply_mode = match client.reply_mode {
        ReplyMode::SkipNext => ReplyMode::Skip,
        ReplyMode::Skip if before == ReplyMode::Skip => ReplyMode::On,
        mode => mode,
    };
}
