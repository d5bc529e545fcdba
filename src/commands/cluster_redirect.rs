//! The cluster check of the dispatcher (Redis 7.0 processCommand's call of
//! getNodeByQuery): with cluster mode on, a command whose keys this node
//! does not serve gets a redirection (-MOVED, -ASK) or a refusal
//! (-CROSSSLOT, -TRYAGAIN, -CLUSTERDOWN) instead of running. EXEC is judged
//! by the keys of every queued command together.

use super::key_specs::command_keys;
use super::table::{flags, registry, CommandId};
use super::Ctx;
use crate::cluster::routing::{route, DownPolicy, Query};
use crate::resp::Argv;
use crate::state::ClientKind;

/// The error (code first) that replaces command `id` here, if any. The
/// leader's link and the AOF loader are never redirected; neither is EXEC
/// outside MULTI (it fails by itself).
pub(crate) fn redirect_error(ctx: &Ctx, id: CommandId, argv: Argv) -> Option<String> {
    let cluster = ctx.server.cluster.as_ref()?;
    let client = &ctx.clients[ctx.me];
    if client.kind == ClientKind::Master || client.stream.is_none() {
        return None;
    }
    let specs = &registry().specs;
    let spec = specs[id];
    let mut write = spec.has(flags::WRITE);
    // The common case, one command with one key, borrows its key in place:
    // no list is built for it on the request path.
    let single: [&[u8]; 1];
    let mut many: Vec<&[u8]> = Vec::new();
    let keys: &[&[u8]] = if spec.name == "exec" {
        for (queued, queued_argv) in &client.multi.as_ref()?.queued {
            let queued_argv = queued_argv.as_argv();
            write |= specs[*queued].has(flags::WRITE);
            let found = command_keys(*queued, queued_argv);
            many.extend(found.iter().map(|k| queued_argv.get(k.pos)));
        }
        &many
    } else {
        match command_keys(id, argv).as_slice() {
            [] => return None,
            [only] => {
                single = [argv.get(only.pos)];
                &single
            }
            found => {
                many.extend(found.iter().map(|k| argv.get(k.pos)));
                &many
            }
        }
    };
    if keys.is_empty() {
        return None;
    }
    let query = Query {
        write,
        shard_pubsub: matches!(spec.name, "spublish" | "ssubscribe" | "sunsubscribe"),
        migrate: spec.name == "migrate",
        asking: client.asking,
        readonly: client.cluster_readonly,
    };
    let config = &ctx.server.config.cluster;
    let down = DownPolicy {
        allow_reads: config.allow_reads_when_down,
        allow_pubsubshard: config.allow_pubsubshard_when_down,
    };
    let db = &ctx.store.dbs[0];
    let now = ctx.store.now_ms;
    let has_key = |key: &[u8]| db.peek(key).is_some_and(|e| !e.is_expired(now));
    route(cluster, keys, query, down, &has_key)
        .err()
        .map(|r| r.message(cluster, config.preferred_endpoint_type))
}
