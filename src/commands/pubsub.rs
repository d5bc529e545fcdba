//! Pub/Sub commands: (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PUBLISH, SPUBLISH and
//! PUBSUB's introspection. Routing lives in `state::pubsub`.

use super::table::{flags::*, CommandSpec};
use super::Ctx;
use crate::command;
use crate::resp::Argv;
use crate::state::Scope;

/// Every Pub/Sub command.
pub static COMMANDS: &[CommandSpec] = &[
    command!(
        "subscribe",
        -2,
        PUBSUB | NOSCRIPT | LOADING | STALE,
        (0, 0, 0),
        "pubsub",
        "Listens for messages published to channels.",
        "2.0.0",
        subscribe
    ),
    command!(
        "unsubscribe",
        -1,
        PUBSUB | NOSCRIPT | LOADING | STALE,
        (0, 0, 0),
        "pubsub",
        "Stops listening to messages posted to channels.",
        "2.0.0",
        unsubscribe
    ),
    command!(
        "psubscribe",
        -2,
        PUBSUB | NOSCRIPT | LOADING | STALE,
        (0, 0, 0),
        "pubsub",
        "Listens for messages published to channels that match one or more patterns.",
        "2.0.0",
        psubscribe
    ),
    command!(
        "punsubscribe",
        -1,
        PUBSUB | NOSCRIPT | LOADING | STALE,
        (0, 0, 0),
        "pubsub",
        "Stops listening to messages published to channels that match one or more patterns.",
        "2.0.0",
        punsubscribe
    ),
    command!(
        "ssubscribe",
        -2,
        PUBSUB | NOSCRIPT | LOADING | STALE,
        (1, -1, 1),
        "pubsub",
        "Listens for messages published to shard channels.",
        "7.0.0",
        ssubscribe
    ),
    command!(
        "sunsubscribe",
        -1,
        PUBSUB | NOSCRIPT | LOADING | STALE,
        (1, -1, 1),
        "pubsub",
        "Stops listening to messages posted to shard channels.",
        "7.0.0",
        sunsubscribe
    ),
    command!(
        "publish",
        3,
        PUBSUB | LOADING | STALE | FAST | MAY_REPLICATE,
        (0, 0, 0),
        "pubsub",
        "Posts a message to a channel.",
        "2.0.0",
        publish
    ),
    command!(
        "spublish",
        3,
        PUBSUB | LOADING | STALE | FAST | MAY_REPLICATE,
        (1, 1, 1),
        "pubsub",
        "Post a message to a shard channel",
        "7.0.0",
        spublish
    ),
    PUBSUB_CONTAINER,
];

const PUBSUB_CONTAINER: CommandSpec = CommandSpec {
    name: "pubsub",
    arity: -2,
    flags: 0,
    first_key: 0,
    last_key: 0,
    step: 0,
    group: "pubsub",
    summary: "A container for Pub/Sub commands.",
    since: "2.8.0",
    handler: help,
    subcommands: &[
        command!(
            "channels",
            -2,
            PUBSUB | LOADING | STALE,
            (0, 0, 0),
            "pubsub",
            "Returns the active channels.",
            "2.8.0",
            channels
        ),
        command!(
            "numsub",
            -2,
            PUBSUB | LOADING | STALE,
            (0, 0, 0),
            "pubsub",
            "Returns a count of subscribers to channels.",
            "2.8.0",
            numsub
        ),
        command!(
            "numpat",
            2,
            PUBSUB | LOADING | STALE,
            (0, 0, 0),
            "pubsub",
            "Returns a count of unique pattern subscriptions.",
            "2.8.0",
            numpat
        ),
        command!(
            "shardchannels",
            -2,
            PUBSUB | LOADING | STALE,
            (0, 0, 0),
            "pubsub",
            "Returns the active shard channels.",
            "7.0.0",
            shardchannels
        ),
        command!(
            "shardnumsub",
            -2,
            PUBSUB | LOADING | STALE,
            (0, 0, 0),
            "pubsub",
            "Returns the count of subscribers of shard channels.",
            "7.0.0",
            shardnumsub
        ),
        command!(
            "help",
            2,
            LOADING | STALE,
            (0, 0, 0),
            "pubsub",
            "Returns helpful text about the different subcommands.",
            "6.2.0",
            help
        ),
    ],
};

/// The (un)subscribe confirmation: `[kind, name, count]` as a push frame
/// (an array in RESP2); `name` None is a null.
/// A push: CLIENT REPLY OFF/SKIP does not drop it.
fn confirm(ctx: &mut Ctx, kind: &str, name: Option<&[u8]>, count: usize) {
    ctx.out.push_frame(|out| {
        out.push(3);
        out.bulk(kind.as_bytes());
        match name {
            Some(n) => out.bulk(n),
            None => out.null(),
        }
        out.int(count as i64);
    });
}

/// The count a confirmation carries: shard subscriptions count apart.
fn count_for(ctx: &mut Ctx, scope: Scope) -> usize {
    let subs = &ctx.clients[ctx.me].subs;
    match scope {
        Scope::Shard => subs.shard_channels.len(),
        _ => subs.count(),
    }
}

fn subscribe_generic(ctx: &mut Ctx, argv: Argv, scope: Scope, kind: &str) {
    let me = ctx.me;
    for name in argv.iter_from(1) {
        if ctx.server.pubsub.subscribe(scope, name, me) {
            ctx.clients[me].subs.list(scope).push(name.into());
        }
        let count = count_for(ctx, scope);
        confirm(ctx, kind, Some(name), count);
    }
}

fn unsubscribe_generic(ctx: &mut Ctx, argv: Argv, scope: Scope, kind: &str) {
    let me = ctx.me;
    let names: Vec<Box<[u8]>> = if argv.len() > 1 {
        argv.iter_from(1).map(Box::from).collect()
    } else {
        ctx.clients[me].subs.list(scope).clone()
    };
    if names.is_empty() {
        let count = count_for(ctx, scope);
        return confirm(ctx, kind, None, count);
    }
    for name in names {
        if ctx.server.pubsub.unsubscribe(scope, &name, me) {
            ctx.clients[me].subs.list(scope).retain(|n| *n != name);
        }
        let count = count_for(ctx, scope);
        confirm(ctx, kind, Some(&name), count);
    }
}

/// `SUBSCRIBE channel [channel ...]`
fn subscribe(ctx: &mut Ctx, argv: Argv) {
    subscribe_generic(ctx, argv, Scope::Channel, "subscribe");
}

/// `UNSUBSCRIBE [channel [channel ...]]`
fn unsubscribe(ctx: &mut Ctx, argv: Argv) {
    unsubscribe_generic(ctx, argv, Scope::Channel, "unsubscribe");
}

/// `PSUBSCRIBE pattern [pattern ...]`
fn psubscribe(ctx: &mut Ctx, argv: Argv) {
    subscribe_generic(ctx, argv, Scope::Pattern, "psubscribe");
}

/// `PUNSUBSCRIBE [pattern [pattern ...]]`
fn punsubscribe(ctx: &mut Ctx, argv: Argv) {
    unsubscribe_generic(ctx, argv, Scope::Pattern, "punsubscribe");
}

/// `SSUBSCRIBE shardchannel [shardchannel ...]`
fn ssubscribe(ctx: &mut Ctx, argv: Argv) {
    if ctx.client().in_exec {
        // Redis 7.0 refuses it to a client that expects one reply per command.
        return ctx
            .out
            .error("ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client");
    }
    subscribe_generic(ctx, argv, Scope::Shard, "ssubscribe");
}

/// `SUNSUBSCRIBE [shardchannel [shardchannel ...]]`
fn sunsubscribe(ctx: &mut Ctx, argv: Argv) {
    unsubscribe_generic(ctx, argv, Scope::Shard, "sunsubscribe");
}

/// Leaves every subscription without replying (RESET).
pub fn unsubscribe_all_silently(ctx: &mut Ctx) {
    let me = ctx.me;
    let subs = std::mem::take(&mut ctx.clients[me].subs);
    ctx.server.pubsub.unsubscribe_all(me, &subs);
}

fn publish_generic(ctx: &mut Ctx, argv: Argv, scope: Scope) {
    let (receivers, written) = ctx.server.pubsub.publish(
        scope,
        argv.get(1),
        argv.get(2),
        ctx.clients,
        ctx.me,
        ctx.out,
    );
    ctx.server.wrote_to.extend(written);
    ctx.out.int(receivers as i64);
}

/// `PUBLISH channel message`
fn publish(ctx: &mut Ctx, argv: Argv) {
    publish_generic(ctx, argv, Scope::Channel);
}

/// `SPUBLISH shardchannel message`
fn spublish(ctx: &mut Ctx, argv: Argv) {
    publish_generic(ctx, argv, Scope::Shard);
}

fn list_active(ctx: &mut Ctx, argv: Argv, scope: Scope) {
    let pattern = (argv.len() > 2).then(|| argv.get(2));
    let names = ctx.server.pubsub.active(scope, pattern);
    ctx.out.array(names.len());
    for n in names {
        ctx.out.bulk(n);
    }
}

fn count_subscribers(ctx: &mut Ctx, argv: Argv, scope: Scope) {
    ctx.out.array((argv.len() - 2) * 2);
    for name in argv.iter_from(2) {
        ctx.out.bulk(name);
        let n = ctx.server.pubsub.subscribers(scope, name);
        ctx.out.int(n as i64);
    }
}

/// `PUBSUB CHANNELS [pattern]`
fn channels(ctx: &mut Ctx, argv: Argv) {
    if argv.len() > 3 {
        return ctx.out.error(&super::errors::arity("pubsub|channels"));
    }
    list_active(ctx, argv, Scope::Channel);
}

/// `PUBSUB SHARDCHANNELS [pattern]`
fn shardchannels(ctx: &mut Ctx, argv: Argv) {
    if argv.len() > 3 {
        return ctx.out.error(&super::errors::arity("pubsub|shardchannels"));
    }
    list_active(ctx, argv, Scope::Shard);
}

/// `PUBSUB NUMSUB [channel [channel ...]]`
fn numsub(ctx: &mut Ctx, argv: Argv) {
    count_subscribers(ctx, argv, Scope::Channel);
}

/// `PUBSUB SHARDNUMSUB [shardchannel [shardchannel ...]]`
fn shardnumsub(ctx: &mut Ctx, argv: Argv) {
    count_subscribers(ctx, argv, Scope::Shard);
}

/// `PUBSUB NUMPAT`
fn numpat(ctx: &mut Ctx, _argv: Argv) {
    let n = ctx.server.pubsub.pattern_count();
    ctx.out.int(n as i64);
}

/// `PUBSUB HELP`
fn help(ctx: &mut Ctx, _argv: Argv) {
    ctx.reply_help(&[
        "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CHANNELS [<pattern>]",
        "    Return the currently active channels matching a <pattern> (default: '*').",
        "NUMPAT",
        "    Return number of subscriptions to patterns.",
        "NUMSUB [<channel> ...]",
        "    Return the number of subscribers for the specified channels, excluding",
        "    pattern subscriptions(default: no channels).",
        "SHARDCHANNELS [<pattern>]",
        "    Return the currently active shard level channels matching a <pattern> (default: '*').",
        "SHARDNUMSUB [<shardchannel> ...]",
        "    Return the number of subscribers for the specified shard level channel(s)",
        "HELP",
        "    Prints this help.",
    ]);
}

/// True for the commands a RESP2 client in subscriber mode may still run.
pub fn allowed_in_subscriber_mode(name: &str) -> bool {
    matches!(
        name,
        "subscribe"
            | "ssubscribe"
            | "unsubscribe"
            | "sunsubscribe"
            | "psubscribe"
            | "punsubscribe"
            | "ping"
            | "quit"
            | "reset"
    )
}
