//! MEMORY: USAGE, STATS, DOCTOR, PURGE, MALLOC-STATS and HELP, with Redis
//! 7.0's reply shapes. The figures are ferrocache's own: the counting
//! allocator's totals (as INFO memory) and per-key estimates of what the
//! allocator charges for an entry and its value.

use super::info::MemoryOverview;
use super::table::{flags::*, CommandSpec};
use super::{args, errors, Ctx};
use crate::command;
use crate::resp::Argv;

/// The MEMORY container.
pub static COMMANDS: &[CommandSpec] = &[CommandSpec {
    name: "memory",
    arity: -2,
    flags: 0,
    first_key: 0,
    last_key: 0,
    step: 0,
    group: "server",
    summary: "A container for memory diagnostics commands",
    since: "4.0.0",
    handler: memory_help,
    subcommands: SUBCOMMANDS,
}];

static SUBCOMMANDS: &[CommandSpec] = &[
    command!(
        "doctor",
        2,
        0,
        (0, 0, 0),
        "server",
        "Outputs memory problems report",
        "4.0.0",
        memory_doctor
    ),
    command!(
        "help",
        2,
        LOADING | STALE,
        (0, 0, 0),
        "server",
        "Show helpful text about the different subcommands",
        "4.0.0",
        memory_help
    ),
    command!(
        "malloc-stats",
        2,
        0,
        (0, 0, 0),
        "server",
        "Show allocator internal stats",
        "4.0.0",
        memory_malloc_stats
    ),
    command!(
        "purge",
        2,
        0,
        (0, 0, 0),
        "server",
        "Ask the allocator to release memory",
        "4.0.0",
        memory_purge
    ),
    command!(
        "stats",
        2,
        0,
        (0, 0, 0),
        "server",
        "Show memory usage details",
        "4.0.0",
        memory_stats
    ),
    command!(
        "usage",
        -3,
        READONLY,
        (2, 2, 1),
        "server",
        "Estimate the memory usage of a key",
        "4.0.0",
        memory_usage
    ),
];

/// Elements of a collection MEMORY USAGE measures by default.
const DEFAULT_SAMPLES: usize = 5;

/// `MEMORY USAGE key [SAMPLES count]`: the bytes the allocator is charged
/// for the key's entry and value (null for a missing key); collections are
/// measured on `count` elements and extrapolated (0: all).
fn memory_usage(ctx: &mut Ctx, argv: Argv) {
    let mut samples = DEFAULT_SAMPLES;
    let mut j = 3;
    while j < argv.len() {
        if args::is(argv.get(j), "samples") && j + 1 < argv.len() {
            let Some(n) = args::int(ctx.out, argv.get(j + 1)) else {
                return;
            };
            samples = match n {
                0 => usize::MAX,
                n if n < 0 => return ctx.out.error(errors::SYNTAX),
                n => usize::try_from(n).unwrap_or(usize::MAX),
            };
            j += 2;
        } else {
            return ctx.out.error(errors::SYNTAX);
        }
    }
    match ctx.store.read_notouch(ctx.db, argv.get(2)) {
        Some(entry) => {
            let usage = entry.memory_usage(samples);
            ctx.out.int(usage as i64);
        }
        None => ctx.out.null(),
    }
}

/// `MEMORY STATS`: Redis 7.0's map of memory figures, one `db.N` map per
/// database holding keys.
fn memory_stats(ctx: &mut Ctx, _argv: Argv) {
    let m = MemoryOverview::of(ctx);
    let dbs: Vec<(usize, usize)> = ctx
        .store
        .dbs
        .iter()
        .enumerate()
        .filter(|(_, db)| !db.is_empty())
        .map(|(i, db)| (i, db.table_overhead()))
        .collect();
    let keys = ctx.store.total_keys();
    let startup = ctx.server.startup_memory;
    let out = &mut *ctx.out;
    out.map(27 + dbs.len());
    let field = |out: &mut crate::resp::Reply, name: &str, value: usize| {
        out.bulk(name.as_bytes());
        out.int(value as i64);
    };
    field(out, "peak.allocated", m.peak);
    field(out, "total.allocated", m.used);
    field(out, "startup.allocated", startup);
    field(out, "replication.backlog", 0);
    field(out, "clients.slaves", 0);
    field(out, "clients.normal", m.clients);
    field(out, "cluster.links", 0);
    field(out, "aof.buffer", m.aof_buffer);
    field(out, "lua.caches", 0);
    field(out, "functions.caches", 0);
    for (i, overhead) in dbs {
        out.bulk(format!("db.{i}").as_bytes());
        out.map(3);
        field(out, "overhead.hashtable.main", overhead);
        // Expire times live in the entries: no second table.
        field(out, "overhead.hashtable.expires", 0);
        field(out, "overhead.hashtable.slot-to-keys", 0);
    }
    field(out, "overhead.total", m.overhead);
    field(out, "keys.count", keys);
    field(
        out,
        "keys.bytes-per-key",
        m.net.checked_div(keys).unwrap_or(0),
    );
    field(out, "dataset.bytes", m.dataset);
    let ratio = |a: usize, b: usize| a as f64 / b.max(1) as f64;
    out.bulk(b"dataset.percentage");
    out.double(ratio(m.dataset, m.net) * 100.0);
    out.bulk(b"peak.percentage");
    out.double(ratio(m.used, m.peak) * 100.0);
    // The allocator's own view: what it holds is what was allocated.
    field(out, "allocator.allocated", m.used);
    field(out, "allocator.active", m.used);
    field(out, "allocator.resident", m.rss);
    out.bulk(b"allocator-fragmentation.ratio");
    out.double(1.0);
    field(out, "allocator-fragmentation.bytes", 0);
    out.bulk(b"allocator-rss.ratio");
    out.double(ratio(m.rss, m.used));
    out.bulk(b"allocator-rss.bytes");
    out.int(m.rss as i64 - m.used as i64);
    out.bulk(b"rss-overhead.ratio");
    out.double(1.0);
    field(out, "rss-overhead.bytes", 0);
    out.bulk(b"fragmentation");
    out.double(ratio(m.rss, m.used));
    out.bulk(b"fragmentation.bytes");
    out.int(m.rss as i64 - m.used as i64);
}

/// Bytes under which MEMORY DOCTOR calls the instance empty (Redis: 5 MB).
const DOCTOR_EMPTY_BELOW: usize = 5 << 20;
/// Average client buffer MEMORY DOCTOR finds too big (Redis: 200 KB).
const DOCTOR_BIG_CLIENT: usize = 200 << 10;

const NO_ISSUES: &str = "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n";
const EMPTY: &str = "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n";
const ISSUES_HEADER: &str =
    "Sam, I detected a few issues in this Redis instance memory implants:\n\n";
const ISSUES_FOOTER: &str = "I'm here to keep you safe, Sam. I want to help you.\n";
const BIG_PEAK: &str = " * Peak memory: In the past this instance used more than 150% the memory that is currently using. The allocator is normally not able to release memory after a peak, so you can expect to see a big fragmentation ratio, however this is actually harmless and is only due to the memory peak, and if the Redis instance Resident Set Size (RSS) is currently bigger than expected, the memory will be used as soon as you fill the Redis instance with more data. If the memory peak was only occasional and you want to try to reclaim memory, please try the MEMORY PURGE command, otherwise the only other option is to shutdown and restart the instance.\n\n";
const HIGH_FRAG: &str = " * High total RSS: This instance has a memory fragmentation and RSS overhead greater than 1.4 (this means that the Resident Set Size of the Redis process is much larger than the sum of the logical allocations Redis performed). This problem is usually due either to a large peak memory (check if there is a peak memory entry above in the report) or may result from a workload that causes the allocator to fragment memory a lot. If the problem is a large peak memory, then there is no issue. Otherwise, make sure you are using the Jemalloc allocator and not the default libc malloc. Note: The currently used allocator is \"libc\".\n\n";
const BIG_CLIENTS: &str = " * Big client buffers: The clients output buffers in this instance are greater than 200K per client (on average). This may result from different causes, like Pub/Sub clients subscribed to channels bot not receiving data fast enough, so that data piles on the Redis instance output buffer, or clients sending commands with large replies or very large sequences of commands in the same pipeline. Please use the CLIENT LIST command in order to investigate the issue if it causes problems in your instance, or to understand better why certain clients are using a big amount of memory.\n\n";

/// `MEMORY DOCTOR`: Redis's report, from the checks that apply here (an
/// almost empty instance, a past peak, RSS far above the allocations,
/// big client buffers).
fn memory_doctor(ctx: &mut Ctx, _argv: Argv) {
    let m = MemoryOverview::of(ctx);
    let clients = ctx.clients.len().max(1);
    let report = doctor_report(&m, clients);
    ctx.out.verbatim(report.as_bytes());
}

/// The MEMORY DOCTOR text for figures `m` and `clients` connected clients.
fn doctor_report(m: &MemoryOverview, clients: usize) -> String {
    if m.used < DOCTOR_EMPTY_BELOW {
        return EMPTY.to_string();
    }
    let mut issues = Vec::new();
    if m.peak as f64 / m.used as f64 > 1.5 {
        issues.push(BIG_PEAK);
    }
    let frag_bytes = m.rss.saturating_sub(m.used);
    if m.rss as f64 / m.used as f64 > 1.4 && frag_bytes > 10 << 20 {
        issues.push(HIGH_FRAG);
    }
    if m.clients / clients > DOCTOR_BIG_CLIENT {
        issues.push(BIG_CLIENTS);
    }
    if issues.is_empty() {
        return NO_ISSUES.to_string();
    }
    let mut report = ISSUES_HEADER.to_string();
    issues.iter().for_each(|i| report.push_str(i));
    report.push_str(ISSUES_FOOTER);
    report
}

/// `MEMORY PURGE`: nothing to purge with libc malloc (as Redis without
/// jemalloc): OK.
fn memory_purge(ctx: &mut Ctx, _argv: Argv) {
    ctx.out.ok();
}

/// `MEMORY MALLOC-STATS`: Redis's reply when not built with jemalloc.
fn memory_malloc_stats(ctx: &mut Ctx, _argv: Argv) {
    ctx.out
        .bulk(b"Stats not supported for the current allocator");
}

/// `MEMORY HELP`
fn memory_help(ctx: &mut Ctx, _argv: Argv) {
    ctx.reply_help(&[
        "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "DOCTOR",
        "    Return memory problems reports.",
        "MALLOC-STATS",
        "    Return internal statistics report from the memory allocator.",
        "PURGE",
        "    Attempt to purge dirty pages for reclamation by the allocator.",
        "STATS",
        "    Return information about the memory usage of the server.",
        "USAGE <key> [SAMPLES <count>]",
        "    Return memory in bytes used by <key> and its value. Nested values are",
        "    sampled up to <count> times (default: 5, 0 means sample all).",
        "HELP",
        "    Prints this help.",
    ]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn overview(used: usize, peak: usize, rss: usize, clients: usize) -> MemoryOverview {
        MemoryOverview {
            used,
            rss,
            peak,
            clients,
            aof_buffer: 0,
            overhead: 0,
            dataset: used,
            net: used,
        }
    }

    #[test]
    fn the_doctor_reports_like_redis() {
        assert_eq!(
            doctor_report(&overview(1 << 20, 1 << 20, 1 << 20, 0), 1),
            EMPTY
        );
        assert_eq!(
            doctor_report(&overview(8 << 20, 8 << 20, 9 << 20, 0), 1),
            NO_ISSUES
        );
        let peak = doctor_report(&overview(8 << 20, 20 << 20, 9 << 20, 0), 1);
        assert!(peak.starts_with(ISSUES_HEADER) && peak.contains("Peak memory"));
        assert!(peak.ends_with(ISSUES_FOOTER));
        let frag = doctor_report(&overview(8 << 20, 8 << 20, 40 << 20, 3 << 20), 2);
        assert!(frag.contains("High total RSS") && frag.contains("Big client buffers"));
    }
}
