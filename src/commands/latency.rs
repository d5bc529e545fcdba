//! LATENCY LATEST / HISTORY / RESET / HISTOGRAM / DOCTOR / HELP.

use super::table::{flags::*, registry, CommandSpec};
use super::Ctx;
use crate::command;
use crate::resp::Argv;
use crate::state::LATENCY_BUCKETS;

/// The LATENCY container.
pub const LATENCY: CommandSpec = CommandSpec {
    name: "latency",
    arity: -2,
    flags: 0,
    first_key: 0,
    last_key: 0,
    step: 0,
    group: "server",
    summary: "A container for latency diagnostics commands.",
    since: "2.8.13",
    handler: help,
    subcommands: &[
        command!(
            "latest",
            2,
            ADMIN | NOSCRIPT | LOADING | STALE,
            (0, 0, 0),
            "server",
            "Returns the latest latency samples for all events.",
            "2.8.13",
            latest
        ),
        command!(
            "history",
            3,
            ADMIN | NOSCRIPT | LOADING | STALE,
            (0, 0, 0),
            "server",
            "Returns timestamp-latency samples for an event.",
            "2.8.13",
            history
        ),
        command!(
            "reset",
            -2,
            ADMIN | NOSCRIPT | LOADING | STALE,
            (0, 0, 0),
            "server",
            "Resets the latency data for one or more events.",
            "2.8.13",
            reset
        ),
        command!(
            "histogram",
            -2,
            ADMIN | NOSCRIPT | LOADING | STALE,
            (0, 0, 0),
            "server",
            "Returns the cumulative distribution of latencies of a subset or all commands.",
            "7.0.0",
            histogram
        ),
        command!(
            "doctor",
            2,
            ADMIN | NOSCRIPT | LOADING | STALE,
            (0, 0, 0),
            "server",
            "Returns a human-readable latency analysis report.",
            "2.8.13",
            doctor
        ),
        command!(
            "help",
            2,
            LOADING | STALE,
            (0, 0, 0),
            "server",
            "Returns helpful text about the different subcommands.",
            "2.8.13",
            help
        ),
    ],
};

/// `LATENCY LATEST`
fn latest(ctx: &mut Ctx, _argv: Argv) {
    let out = &mut *ctx.out;
    let events = &ctx.server.latency.events;
    out.array(events.len());
    for (name, series) in events {
        let (time, ms) = series.samples.back().copied().unwrap_or((0, 0));
        out.array(4);
        out.bulk(name.as_bytes());
        out.int(time as i64);
        out.int(ms as i64);
        out.int(series.max as i64);
    }
}

/// `LATENCY HISTORY event`
fn history(ctx: &mut Ctx, argv: Argv) {
    let out = &mut *ctx.out;
    let series = ctx
        .server
        .latency
        .events
        .iter()
        .find(|(name, _)| name.as_bytes() == argv.get(2))
        .map(|(_, s)| s);
    let samples: Vec<(u64, u64)> = series
        .map(|s| s.samples.iter().copied().collect())
        .unwrap_or_default();
    out.array(samples.len());
    for (time, ms) in samples {
        out.array(2);
        out.int(time as i64);
        out.int(ms as i64);
    }
}

/// `LATENCY RESET [event [event ...]]`
fn reset(ctx: &mut Ctx, argv: Argv) {
    let names: Vec<&[u8]> = argv.iter_from(2).collect();
    let n = ctx.server.latency.reset(&names);
    ctx.out.int(n as i64);
}

/// `LATENCY HISTOGRAM [command [command ...]]`: per command, its calls and
/// the cumulative count at each power-of-two microsecond bucket.
fn histogram(ctx: &mut Ctx, argv: Argv) {
    let reg = registry();
    let stats = &ctx.server.cmd_stats;
    let wanted: Vec<usize> = (0..stats.len())
        .filter(|&id| stats[id].calls > 0)
        .filter(|&id| {
            argv.len() == 2
                || argv
                    .iter_from(2)
                    .any(|n| n.eq_ignore_ascii_case(reg.full_names[id].as_bytes()))
        })
        .collect();
    let out = &mut *ctx.out;
    out.map(wanted.len());
    for id in wanted {
        let st = &stats[id];
        out.bulk(reg.full_names[id].as_bytes());
        out.map(2);
        out.bulk(b"calls");
        out.int(st.calls as i64);
        out.bulk(b"histogram_usec");
        let first = st.latency_buckets.iter().position(|&c| c > 0).unwrap_or(0);
        let last = st.latency_buckets.iter().rposition(|&c| c > 0).unwrap_or(0);
        out.map(last + 1 - first);
        let mut cumulative: u64 = st.latency_buckets[..first].iter().sum();
        for (i, &count) in st
            .latency_buckets
            .iter()
            .enumerate()
            .take(last + 1)
            .skip(first)
        {
            cumulative += count;
            let upper = if i == LATENCY_BUCKETS - 1 {
                i64::MAX
            } else {
                1i64 << i
            };
            out.int(upper);
            out.int(cumulative as i64);
        }
    }
}

/// `LATENCY DOCTOR`
fn doctor(ctx: &mut Ctx, _argv: Argv) {
    let text = if ctx.server.config.latency_monitor_threshold == 0 {
        "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in a deep space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n".to_string()
    } else if ctx.server.latency.events.is_empty() {
        "Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sleep better tonight.\n".to_string()
    } else {
        let mut t =
            String::from("Dave, I have observed latency spikes in this Redis instance.\n\n");
        for (i, (name, s)) in ctx.server.latency.events.iter().enumerate() {
            let avg = s.samples.iter().map(|x| x.1).sum::<u64>() / s.samples.len().max(1) as u64;
            t.push_str(&format!(
                "{}. {}: {} latency spikes (average {}ms, worst {}ms).\n",
                i + 1,
                name,
                s.samples.len(),
                avg,
                s.max
            ));
        }
        t
    };
    ctx.out.verbatim(text.as_bytes());
}

/// `LATENCY HELP`
fn help(ctx: &mut Ctx, _argv: Argv) {
    ctx.reply_help(&[
            "LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "DOCTOR",
            "    Return a human readable latency analysis report.",
            "HISTORY <event>",
            "    Return time-latency samples for the <event> class.",
            "LATEST",
            "    Return the latest latency samples for all events.",
            "RESET [<event> ...]",
            "    Reset latency data of one or more <event> classes.",
            "    (default: reset all data for all event classes)",
            "HISTOGRAM [COMMAND ...]",
            "    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
            "    If no commands are specified then all histograms are replied.",
            "HELP",
            "    Prints this help.",
        ],
    );
}
