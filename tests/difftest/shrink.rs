//! Replays a history against fresh state and shrinks it to a small one that
//! still shows the same difference (ddmin over whole turns, then over
//! single commands), and renders the report.

use crate::difftest::generate::Turn;
use crate::difftest::run::{Diff, Run, Target};
use std::time::{Duration, Instant};

/// Runs `turns` from an empty dataset; the first difference, if any, and
/// the turns actually run up to it.
pub fn replay(target: Target, turns: &[Turn]) -> Option<(Box<Diff>, Vec<Turn>)> {
    let mut run = Run::new(target);
    for t in turns {
        if let Err(d) = run.run_turn(t) {
            let upto = run.executed[..=d.turn].to_vec();
            return Some((d, upto));
        }
    }
    None
}

/// What makes two differences "the same": the command (or kind of check).
fn signature(d: &Diff) -> String {
    match d.command.first() {
        Some(name) => format!("reply to {}", name.to_ascii_uppercase()),
        None if d.what.starts_with("keyspace") => format!("push {}", d.reference.show()),
        None => d.what.clone(),
    }
}

/// The smallest history found within `budget` that reproduces `diff`.
pub fn shrink(
    target: Target,
    turns: Vec<Turn>,
    diff: Box<Diff>,
    budget: Duration,
) -> (Vec<Turn>, Box<Diff>) {
    // A reply a candidate never gets should not cost seconds.
    let target = Target {
        wait: Duration::from_secs(1),
        ..target
    };
    let deadline = Instant::now() + budget;
    let sig = signature(&diff);
    let mut best = (turns, diff);
    let try_it = |cand: &[Turn]| -> Option<(Vec<Turn>, Box<Diff>)> {
        if Instant::now() > deadline {
            return None;
        }
        match replay(target, cand) {
            Some((d, upto)) if signature(&d) == sig => Some((upto, d)),
            _ => None,
        }
    };
    // Whole turns: drop chunks, halving the chunk size when none can go.
    let mut chunks = 2;
    while Instant::now() < deadline && best.0.len() > 1 {
        let len = best.0.len();
        let size = len.div_ceil(chunks);
        let mut reduced = false;
        for start in (0..len).step_by(size) {
            let cand: Vec<Turn> = best.0[..start]
                .iter()
                .chain(best.0[(start + size).min(len)..].iter())
                .cloned()
                .collect();
            if let Some(found) = try_it(&cand) {
                best = found;
                reduced = true;
                break;
            }
        }
        if reduced {
            chunks = (chunks - 1).max(2);
        } else if size == 1 {
            break;
        } else {
            chunks = (chunks * 2).min(len);
        }
    }
    // Single commands inside the remaining turns.
    let mut i = 0;
    while i < best.0.len() && Instant::now() < deadline {
        let mut j = 0;
        while j < best.0[i].cmds.len() && best.0[i].cmds.len() > 1 {
            let mut cand = best.0.clone();
            cand[i].cmds.remove(j);
            match try_it(&cand) {
                Some(found) if found.0.len() == best.0.len() => best = found,
                _ => j += 1,
            }
        }
        i += 1;
    }
    best
}

/// One argument as redis-cli would accept it.
fn quote(arg: &str) -> String {
    let plain = !arg.is_empty()
        && arg
            .chars()
            .all(|c| c.is_ascii_graphic() && c != '"' && c != '\'' && c != '\\');
    if plain {
        arg.into()
    } else {
        format!("{arg:?}")
    }
}

/// A command as one line.
pub fn show_command(cmd: &[String]) -> String {
    cmd.iter().map(|a| quote(a)).collect::<Vec<_>>().join(" ")
}

/// The report: the difference, then the history in global order (each
/// line tagged with its client) and per client.
pub fn report(seed: u64, clients: usize, turns: &[Turn], diff: &Diff) -> String {
    let mut s = format!(
        "difftest: seed {seed}, {clients} clients (odd-numbered clients speak RESP3; \
         keyspace subscribers on `__key*__:*` and `chan`, RESP2 and RESP3)\n\
         first difference: {}{} on client c{}\n  redis-server: {}\n  ferrocache:   {}\n\
         history up to it ({} turns), in global order:\n",
        diff.what,
        if diff.command.is_empty() {
            String::new()
        } else {
            format!(" `{}`", show_command(&diff.command))
        },
        diff.client,
        diff.reference.show(),
        diff.got.show(),
        turns.len()
    );
    for (n, t) in turns.iter().enumerate() {
        for cmd in &t.cmds {
            s += &format!("  [{n}] c{}> {}\n", t.client, show_command(cmd));
        }
    }
    s += "per client:\n";
    for c in 0..clients {
        let mine: Vec<String> = turns
            .iter()
            .enumerate()
            .filter(|(_, t)| t.client == c)
            .flat_map(|(n, t)| {
                t.cmds
                    .iter()
                    .map(move |cmd| format!("[{n}] {}", show_command(cmd)))
            })
            .collect();
        if !mine.is_empty() {
            s += &format!("  c{c}: {}\n", mine.join(" | "));
        }
    }
    s
}
