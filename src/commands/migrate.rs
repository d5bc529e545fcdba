//! MIGRATE: moves keys to another server with DUMP payloads and RESTORE,
//! as Redis 7.0's migrateCommand does, without blocking the loop.
//!
//! The command runs twice. First it checks its arguments, captures each
//! existing key's payload and remaining TTL, queues a job for the loop
//! (`server::migrate` sends it on a cached connection) and blocks the
//! client. When the target answered (or failed), the loop runs it again:
//! it deletes the keys the target acknowledged (without COPY; propagated
//! as one `DEL`) and replies as Redis would.
//!
//! A key written by another client while its migration was in flight is
//! not deleted (its value no longer matches the captured payload): the
//! target holds the older value and the source keeps the newer one, which
//! a later MIGRATE (with REPLACE) can move. Redis cannot meet this case: it
//! blocks everyone while it migrates.

use super::table::{flags::*, CommandSpec};
use super::{args, errors, Ctx};
use crate::command;
use crate::config::event_class;
use crate::persistence::rdb::dump_value;
use crate::resp::Argv;
use crate::state::migrations::{CapturedKey, Finished, Job, Verdict};
use crate::state::{BlockedOn, ServerState};
use std::time::Duration;

/// MIGRATE.
pub static COMMANDS: &[CommandSpec] = &[command!(
    "migrate",
    -6,
    WRITE,
    (3, 3, 1),
    "generic",
    "Atomically transfer a key from a Redis instance to another one.",
    "2.6.0",
    migrate
)];

const KEYS_NEED_EMPTY_KEY: &str =
    "ERR When using MIGRATE KEYS option, the key argument must be set to the empty string";
const NOT_IN_EXEC: &str = "ERR MIGRATE is not supported inside MULTI/EXEC";

/// MIGRATE's options, as parsed.
#[derive(Debug, Default, PartialEq, Eq)]
struct Options {
    copy: bool,
    replace: bool,
    auth: Option<(Option<Vec<u8>>, Vec<u8>)>,
    /// Index of the first key in argv and how many.
    first_key: usize,
    num_keys: usize,
}

/// Parses the options after `timeout` in Redis's order; the error reply
/// text when they are wrong.
fn parse_options(argv: Argv) -> Result<Options, &'static str> {
    let mut o = Options {
        first_key: 3,
        num_keys: 1,
        ..Options::default()
    };
    let mut j = 6;
    while j < argv.len() {
        let more = argv.len() - 1 - j;
        let arg = argv.get(j);
        if args::is(arg, "copy") {
            o.copy = true;
        } else if args::is(arg, "replace") {
            o.replace = true;
        } else if args::is(arg, "auth") {
            if more == 0 {
                return Err(errors::SYNTAX);
            }
            j += 1;
            o.auth = Some((None, argv.get(j).to_vec()));
        } else if args::is(arg, "auth2") {
            if more < 2 {
                return Err(errors::SYNTAX);
            }
            o.auth = Some((Some(argv.get(j + 1).to_vec()), argv.get(j + 2).to_vec()));
            j += 2;
        } else if args::is(arg, "keys") {
            if !argv.get(3).is_empty() {
                return Err(KEYS_NEED_EMPTY_KEY);
            }
            o.first_key = j + 1;
            o.num_keys = argv.len() - j - 1;
            break;
        } else {
            return Err(errors::SYNTAX);
        }
        j += 1;
    }
    Ok(o)
}

/// The restore command for the target: `RESTORE`, or `RESTORE-ASKING` when
/// this node runs in cluster mode (the hook for cluster mode: nothing
/// enables it yet).
fn restore_command(_server: &ServerState) -> &'static [u8] {
    b"RESTORE"
}

/// `MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE]
/// [AUTH password | AUTH2 username password] [KEYS key [key ...]]`.
fn migrate(ctx: &mut Ctx, argv: Argv) {
    if ctx.clients[ctx.me].blocked.is_some() {
        return finish(ctx);
    }
    let o = match parse_options(argv) {
        Ok(o) => o,
        Err(e) => return ctx.out.error(e),
    };
    let Some(mut timeout) = args::int(ctx.out, argv.get(5)) else {
        return;
    };
    let Some(db) = args::int(ctx.out, argv.get(4)) else {
        return;
    };
    if timeout <= 0 {
        timeout = 1000;
    }
    let compress = ctx.server.config.rdbcompression;
    let now = ctx.store.now_ms;
    let mut keys = Vec::new();
    for key in argv.iter_from(o.first_key).take(o.num_keys) {
        let Some(entry) = ctx.store.read(ctx.db, key) else {
            continue;
        };
        let ttl_ms = match entry.expire_at() {
            Some(at) => (at as i64 - now as i64).max(1),
            None => 0,
        };
        keys.push(CapturedKey {
            key: key.into(),
            ttl_ms,
            payload: dump_value(entry.value(), compress),
        });
    }
    if keys.is_empty() {
        return ctx.out.simple("NOKEY");
    }
    if ctx.clients[ctx.me].in_exec {
        return ctx.out.error(NOT_IN_EXEC);
    }
    let client = &ctx.clients[ctx.me];
    let job = Job {
        client: ctx.me,
        client_id: client.id,
        host: String::from_utf8_lossy(argv.get(1)).into_owned(),
        port: String::from_utf8_lossy(argv.get(2)).into_owned(),
        db,
        timeout: Duration::from_millis(timeout as u64),
        auth: o.auth,
        copy: o.copy,
        replace: o.replace,
        restore_command: restore_command(ctx.server),
        keys,
        retried: false,
    };
    let on = BlockedOn {
        keys: Vec::new(),
        deadline: None,
        kind: crate::types::Kind::String,
        command: crate::resp::OwnedArgv::from_argv(argv),
        command_id: client.last_cmd,
    };
    ctx.server.blocking.block(ctx.me, &on);
    ctx.clients[ctx.me].blocked = Some(Box::new(on));
    ctx.server.migrations.pending.push(job);
}

/// The second run, once the loop finished the job: deletes the keys the
/// target acknowledged (without COPY, and only those unchanged since they
/// were captured) and replies the verdict.
fn finish(ctx: &mut Ctx) {
    let Some(Finished {
        job,
        acked,
        verdict,
    }) = ctx.server.migrations.finished.remove(&ctx.me)
    else {
        return ctx
            .out
            .error("IOERR error or timeout reading to target instance");
    };
    if !job.copy {
        let compress = ctx.server.config.rdbcompression;
        let now = ctx.store.now_ms;
        let mut deleted: Vec<&[u8]> = vec![b"DEL"];
        for (k, _) in job.keys.iter().zip(&acked).filter(|(_, &a)| a) {
            let unchanged = ctx.store.dbs[ctx.db]
                .peek(&k.key)
                .filter(|e| !e.is_expired(now))
                .is_some_and(|e| dump_value(e.value(), compress) == k.payload);
            if !unchanged {
                continue;
            }
            ctx.store.dbs[ctx.db].remove(&k.key);
            ctx.notify(event_class::GENERIC, "del", &k.key);
            ctx.server.dirty += 1;
            deleted.push(&k.key);
        }
        if deleted.len() > 1 {
            ctx.propagate(&deleted);
        }
    }
    match verdict {
        Verdict::Ok => ctx.out.ok(),
        Verdict::TargetError(text) => {
            let mut msg = b"ERR Target instance replied with error: ".to_vec();
            msg.extend_from_slice(&text);
            ctx.out.error_bytes(&msg);
        }
        Verdict::IoError("connecting") => ctx
            .out
            .error("IOERR error or timeout connecting to the client"),
        Verdict::IoError(what) => ctx
            .out
            .error(&format!("IOERR error or timeout {what} to target instance")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> Result<Options, &'static str> {
        let mut ranges = Vec::new();
        let mut at = 0;
        for word in line.split(' ') {
            ranges.push(at..at + word.len());
            at += word.len() + 1;
        }
        parse_options(Argv::new(line.as_bytes(), &ranges))
    }

    #[test]
    fn options_parse_as_redis() {
        let o = parse("MIGRATE h p k 0 5 COPY replace AUTH2 u pw").unwrap();
        assert!(o.copy && o.replace);
        assert_eq!(o.auth, Some((Some(b"u".to_vec()), b"pw".to_vec())));
        assert_eq!((o.first_key, o.num_keys), (3, 1));
        let o = parse("MIGRATE h p  0 5 AUTH pw KEYS a b").unwrap();
        assert_eq!(o.auth, Some((None, b"pw".to_vec())));
        assert_eq!((o.first_key, o.num_keys), (9, 2));
        assert_eq!(parse("MIGRATE h p k 0 5 KEYS a"), Err(KEYS_NEED_EMPTY_KEY));
        assert_eq!(parse("MIGRATE h p k 0 5 AUTH"), Err(errors::SYNTAX));
        assert_eq!(parse("MIGRATE h p k 0 5 AUTH2 u"), Err(errors::SYNTAX));
        assert_eq!(parse("MIGRATE h p k 0 5 FOO"), Err(errors::SYNTAX));
    }
}
