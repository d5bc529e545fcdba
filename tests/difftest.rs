//! Differential test: the same seeded workload against redis-server 7.0 and
//! ferrocache, stopping at the first reply or push that differs and
//! printing the seed and a shrunk command history.
//!
//! Environment: `DIFFTEST_SEED` (run only this seed), `DIFFTEST_COMMANDS`
//! (commands per seed), `DIFFTEST_CLIENTS` (concurrent clients, at least 4),
//! `DIFFTEST_SHRINK_SECS` (time for shrinking, 60 by default),
//! `DIFFTEST_NO_SKIP=1` (generate the known differences too). Without a
//! seed, a fixed seed and one random seed run briefly (part of `cargo test`);
//! `make difftest SEED=.. N=..` runs long on the release build.

#[path = "difftest/mod.rs"]
mod difftest;
#[path = "support/reference.rs"]
mod reference;
mod support;

use difftest::generate::Generator;
use difftest::run::{Run, Target};
use difftest::shrink::{replay, report, shrink};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().map(|v| {
        v.trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name} must be a number, not {v:?}"))
    })
}

/// Runs `commands` commands of `seed`; on a difference, the shrunk report.
fn run_seed(target: Target, seed: u64, commands: usize) -> Result<(), String> {
    let started = Instant::now();
    let mut gen = Generator::new(seed, target.clients, target.skip_known);
    let mut run = Run::new(target);
    let mut next_progress = 100_000;
    while run.commands < commands {
        let turn = gen.next_turn(&run.blocked);
        if let Err(diff) = run.run_turn(&turn) {
            let turns = run.executed[..=diff.turn].to_vec();
            eprintln!(
                "difftest: seed {seed} differs after {} commands; shrinking {} turns",
                run.commands,
                turns.len()
            );
            let secs = env_u64("DIFFTEST_SHRINK_SECS").unwrap_or(60);
            // The shrinker starts from a replay, so a difference that does
            // not replay from scratch is reported as it first showed.
            let (turns, diff) = match replay(target, &turns) {
                Some((d, upto)) => shrink(target, upto, d, Duration::from_secs(secs)),
                None => (turns, diff),
            };
            return Err(report(seed, target.clients, &turns, &diff));
        }
        if run.commands >= next_progress {
            eprintln!(
                "difftest: seed {seed}: {} commands, {:.0}/s",
                run.commands,
                run.commands as f64 / started.elapsed().as_secs_f64()
            );
            next_progress += 100_000;
        }
    }
    eprintln!(
        "difftest: seed {seed}: {} commands over {} clients agree ({:.1}s)",
        run.commands,
        target.clients,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

#[test]
fn redis_and_ferrocache_agree_on_random_workloads() {
    let Some(redis) = reference::Reference::start() else {
        return;
    };
    let ferrocache = support::Server::start(&[]);
    let clients = env_u64("DIFFTEST_CLIENTS").unwrap_or(4).max(4) as usize;
    let target = Target {
        reference: redis.port,
        ferrocache: ferrocache.port,
        clients,
        skip_known: std::env::var("DIFFTEST_NO_SKIP").map_or(true, |v| v != "1"),
        wait: Duration::from_secs(5),
    };
    let seeds = match env_u64("DIFFTEST_SEED") {
        Some(seed) => vec![seed],
        None => {
            let random = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64;
            vec![1, random % 1_000_000_000]
        }
    };
    let commands = env_u64("DIFFTEST_COMMANDS").unwrap_or(3_000) as usize;
    for seed in seeds {
        eprintln!("difftest: seed {seed}, {commands} commands, {clients} clients");
        if let Err(report) = run_seed(target, seed, commands) {
            panic!("{report}");
        }
    }
}
