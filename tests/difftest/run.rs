//! Drives the same turns against the reference (redis-server) and
//! ferrocache in one deterministic global order and stops at the first
//! reply, push frame or blocked state that differs.
//!
//! Order: a turn's commands go to both servers as one pipeline and every
//! reply is read before the next turn starts, so each server sees the same
//! sequence. A blocking command with timeout 0 waits until it either
//! replies or shows in INFO `blocked_clients`; after each turn the blocked
//! clients that were served (the count went down) are read. The keyspace
//! subscribers get a PING after each turn: every push before its answer
//! belongs to that turn.

use crate::difftest::client::{encode, Conn, Value};
use crate::difftest::generate::{block_timeout, is_blocking, Turn};
use crate::difftest::normalize::{norm_for, same, same_exec, Norm};
use std::time::{Duration, Instant};

/// How long setup replies may take.
const WAIT: Duration = Duration::from_secs(5);

/// The first difference of a run.
#[derive(Debug)]
pub struct Diff {
    /// Index of the turn in the executed history.
    pub turn: usize,
    pub client: usize,
    /// What was compared ("reply to ...", "keyspace pushes", ...).
    pub what: String,
    /// The command whose reply differs (empty for pushes).
    pub command: Vec<String>,
    pub reference: Value,
    pub got: Value,
}

/// What the runner knows of one client's connection state.
#[derive(Default, Clone)]
struct Track {
    in_multi: bool,
    queued: Vec<Norm>,
    reply_off: bool,
    skip_next: bool,
}

/// One server's connections.
struct Side {
    clients: Vec<Conn>,
    control: Conn,
    /// Keyspace and `chan` subscribers: RESP2 and RESP3.
    subs: Vec<Conn>,
    blocked: i64,
}

/// The two servers' ports, the client count and whether the
/// known-differences list applies.
#[derive(Clone, Copy)]
pub struct Target {
    pub reference: u16,
    pub ferrocache: u16,
    pub clients: usize,
    pub skip_known: bool,
    /// How long a reply may take before it counts as missing.
    pub wait: Duration,
}

/// A run in progress against two servers (index 0 is the reference).
pub struct Run {
    wait: Duration,
    sides: [Side; 2],
    track: Vec<Track>,
    /// Clients blocked on both servers; their turns are skipped.
    pub blocked: Vec<bool>,
    /// The turns run so far (skipped ones left out).
    pub executed: Vec<Turn>,
    /// Commands sent so far.
    pub commands: usize,
}

/// The value standing for "the client is blocked" in a report.
fn blocked_value() -> Value {
    Value::Simple("<client blocked>".into())
}

fn info_field(conn: &mut Conn, field: &str) -> i64 {
    match conn.call(&["INFO", "clients"], WAIT) {
        Value::Bulk(Some(b)) | Value::Verbatim(_, b) => {
            let text = String::from_utf8_lossy(&b).into_owned();
            let prefix = format!("{field}:");
            text.lines()
                .find_map(|l| l.strip_prefix(&prefix))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(-1)
        }
        _ => -1,
    }
}

impl Side {
    fn connect(port: u16, clients: usize) -> Side {
        let mut control = Conn::connect(port);
        // Clients of an earlier run (a replay) must not linger, blocked.
        control.call(&["CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"], WAIT);
        control.call(&["CLIENT", "KILL", "TYPE", "pubsub", "SKIPME", "yes"], WAIT);
        control.call(&["FLUSHALL"], WAIT);
        control.call(&["CONFIG", "SET", "notify-keyspace-events", "KEA"], WAIT);
        // Clients of an earlier run may still be closing.
        let deadline = Instant::now() + WAIT;
        while info_field(&mut control, "blocked_clients") != 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(2));
        }
        let clients = (0..clients)
            .map(|i| {
                let mut c = Conn::connect(port);
                if i % 2 == 1 {
                    c.call(&["HELLO", "3"], WAIT);
                }
                c
            })
            .collect();
        let subs = (0..2)
            .map(|i| {
                let mut c = Conn::connect(port);
                if i == 1 {
                    c.call(&["HELLO", "3"], WAIT);
                }
                c.call(&["PSUBSCRIBE", "__key*__:*"], WAIT);
                c.call(&["SUBSCRIBE", "chan"], WAIT);
                c
            })
            .collect();
        Side {
            clients,
            control,
            subs,
            blocked: 0,
        }
    }
}

impl Run {
    /// Connects `clients` clients (odd ones speak RESP3) plus two keyspace
    /// subscribers and a control connection to each server, after FLUSHALL.
    pub fn new(target: Target) -> Run {
        let clients = target.clients;
        Run {
            sides: [
                Side::connect(target.reference, clients),
                Side::connect(target.ferrocache, clients),
            ],
            wait: target.wait,
            track: vec![Track::default(); clients],
            blocked: vec![false; clients],
            executed: Vec::new(),
            commands: 0,
        }
    }

    /// Runs one turn (skipped when its client is blocked); Err at the first difference.
    pub fn run_turn(&mut self, turn: &Turn) -> Result<(), Box<Diff>> {
        if self.blocked[turn.client] {
            return Ok(());
        }
        self.executed.push(turn.clone());
        let mut batch = Vec::new();
        for cmd in &turn.cmds {
            if cmd[0] == "SCANALL" || is_blocking(cmd) {
                self.run_batch(turn.client, &batch)?;
                batch.clear();
                let t = &self.track[turn.client];
                if cmd[0] == "SCANALL" && (t.in_multi || t.reply_off || t.skip_next) {
                    // A cursor walk needs its replies: left out when they
                    // are queued or switched off.
                } else if t.in_multi {
                    // Queued: a blocking command will not block.
                    self.run_batch(turn.client, std::slice::from_ref(cmd))?;
                } else if cmd[0] == "SCANALL" {
                    self.run_scan(turn.client, cmd)?;
                } else {
                    // Clients served by this turn's earlier commands leave
                    // the count first, so a new block shows as +1.
                    self.refresh_blocked()?;
                    self.run_blocking(turn.client, cmd)?;
                }
            } else {
                batch.push(cmd.clone());
            }
        }
        self.run_batch(turn.client, &batch)?;
        self.after_turn()
    }

    fn diff(&self, client: usize, what: &str, cmd: &[String], r: Value, g: Value) -> Box<Diff> {
        Box::new(Diff {
            turn: self.executed.len() - 1,
            client,
            what: what.into(),
            command: cmd.to_vec(),
            reference: r,
            got: g,
        })
    }

    /// Whether a command gets a reply under CLIENT REPLY, updating the mode.
    fn expects_reply(&mut self, client: usize, cmd: &[String]) -> bool {
        let t = &mut self.track[client];
        let is_reply = cmd.len() == 3
            && cmd[0].eq_ignore_ascii_case("CLIENT")
            && cmd[1].eq_ignore_ascii_case("REPLY")
            && !t.in_multi;
        if is_reply {
            match cmd[2].to_ascii_uppercase().as_str() {
                "OFF" => {
                    t.reply_off = true;
                    return false;
                }
                "SKIP" => {
                    t.skip_next = !t.reply_off;
                    return false;
                }
                "ON" => {
                    t.reply_off = false;
                    t.skip_next = false;
                    return true;
                }
                _ => {}
            }
        }
        let replies = !t.reply_off && !t.skip_next;
        t.skip_next = false;
        replies
    }

    /// Pipelines `cmds` on `client` to both servers and compares the replies.
    fn run_batch(&mut self, client: usize, cmds: &[Vec<String>]) -> Result<(), Box<Diff>> {
        if cmds.is_empty() {
            return Ok(());
        }
        self.commands += cmds.len();
        let mut out = Vec::new();
        for cmd in cmds {
            let args: Vec<Vec<u8>> = cmd.iter().map(|a| a.as_bytes().to_vec()).collect();
            encode(&args, &mut out);
        }
        for side in &mut self.sides {
            side.clients[client].send(&out);
        }
        for cmd in cmds {
            if !self.expects_reply(client, cmd) {
                continue;
            }
            let r = self.sides[0].clients[client].read(self.wait);
            let g = self.sides[1].clients[client].read(self.wait);
            self.compare(client, cmd, r, g)?;
        }
        Ok(())
    }

    /// Compares one reply under the command's rule and follows MULTI state.
    fn compare(
        &mut self,
        client: usize,
        cmd: &[String],
        r: Value,
        g: Value,
    ) -> Result<(), Box<Diff>> {
        let lost = |v: &Value| matches!(v, Value::Timeout | Value::Broken(_));
        if lost(&r) || lost(&g) {
            // A reply that never came (on either side) is never "the same".
            return Err(self.diff(client, "reply (missing)", cmd, r, g));
        }
        let name = cmd[0].to_ascii_uppercase();
        let t = &mut self.track[client];
        let ok = if t.in_multi && r == Value::Simple("QUEUED".into()) {
            t.queued.push(norm_for(cmd));
            r == g
        } else {
            match name.as_str() {
                "EXEC" => {
                    let queued = std::mem::take(&mut t.queued);
                    t.in_multi = false;
                    same_exec(&queued, &r, &g)
                }
                "DISCARD" => {
                    t.queued.clear();
                    t.in_multi = false;
                    r == g
                }
                "MULTI" => {
                    if r == Value::Simple("OK".into()) {
                        t.in_multi = true;
                    }
                    r == g
                }
                _ => same(&norm_for(cmd), &r, &g),
            }
        };
        if ok {
            Ok(())
        } else {
            Err(self.diff(client, "reply", cmd, r, g))
        }
    }

    /// A whole SCAN/HSCAN/SSCAN/ZSCAN iteration; the elements seen, as a set.
    fn run_scan(&mut self, client: usize, cmd: &[String]) -> Result<(), Box<Diff>> {
        self.commands += 1;
        let results: Vec<Value> = (0..2).map(|s| self.scan_side(s, client, cmd)).collect();
        let mut it = results.into_iter();
        let (r, g) = (it.next().unwrap(), it.next().unwrap());
        self.compare(client, cmd, r, g)
    }

    fn scan_side(&mut self, side: usize, client: usize, cmd: &[String]) -> Value {
        let conn = &mut self.sides[side].clients[client];
        let (head, rest) = if cmd[1] == "SCAN" {
            (&cmd[1..2], &cmd[2..])
        } else {
            (&cmd[1..3], &cmd[3..])
        };
        let pairs = cmd[1] != "SCAN" && cmd[1] != "SSCAN";
        let mut seen: Vec<Value> = Vec::new();
        let mut cursor = "0".to_string();
        for _ in 0..10_000 {
            let mut args: Vec<Vec<u8>> = head.iter().map(|a| a.as_bytes().to_vec()).collect();
            args.push(cursor.as_bytes().to_vec());
            args.extend(rest.iter().map(|a| a.as_bytes().to_vec()));
            let mut out = Vec::new();
            encode(&args, &mut out);
            conn.send(&out);
            let reply = conn.read(self.wait);
            let (next, items) = match reply.items() {
                Some([Value::Bulk(Some(next)), page]) => {
                    (next.clone(), page.items().unwrap_or_default().to_vec())
                }
                _ => return reply,
            };
            if pairs {
                seen.extend(items.chunks(2).map(|c| Value::Array(Some(c.to_vec()))));
            } else {
                seen.extend(items);
            }
            cursor = String::from_utf8_lossy(&next).into_owned();
            if cursor == "0" {
                break;
            }
        }
        seen.sort();
        seen.dedup();
        Value::Array(Some(seen))
    }

    /// Sends a blocking command; with timeout 0 outside MULTI the client
    /// may stay blocked, which both servers must agree on.
    fn run_blocking(&mut self, client: usize, cmd: &[String]) -> Result<(), Box<Diff>> {
        self.commands += 1;
        let _ = self.expects_reply(client, cmd);
        let args: Vec<Vec<u8>> = cmd.iter().map(|a| a.as_bytes().to_vec()).collect();
        let mut out = Vec::new();
        encode(&args, &mut out);
        for side in &mut self.sides {
            side.clients[client].send(&out);
        }
        if block_timeout(cmd) > 0.0 {
            let wait = self.wait + Duration::from_secs_f64(block_timeout(cmd));
            let r = self.sides[0].clients[client].read(wait);
            let g = self.sides[1].clients[client].read(wait);
            return self.compare(client, cmd, r, g);
        }
        let mut outcome = Vec::new();
        for side in &mut self.sides {
            let deadline = Instant::now() + self.wait;
            let v = loop {
                if side.clients[client].ready() {
                    break side.clients[client].read(self.wait);
                }
                let now_blocked = info_field(&mut side.control, "blocked_clients");
                if now_blocked == side.blocked + 1 {
                    break blocked_value();
                }
                if Instant::now() > deadline {
                    break Value::Broken(format!(
                        "no reply, and INFO blocked_clients is {now_blocked}, not {}",
                        side.blocked + 1
                    ));
                }
            };
            outcome.push(v);
        }
        let g = outcome.pop().unwrap();
        let r = outcome.pop().unwrap();
        if r == blocked_value() && g == blocked_value() {
            self.blocked[client] = true;
            for side in &mut self.sides {
                side.blocked += 1;
            }
            return Ok(());
        }
        if r == blocked_value() || g == blocked_value() {
            return Err(self.diff(client, "blocked state after", cmd, r, g));
        }
        self.compare(client, cmd, r, g)
    }

    /// After a turn: blocked clients served meanwhile, and keyspace pushes.
    fn after_turn(&mut self) -> Result<(), Box<Diff>> {
        let check_blocked = self.blocked.iter().any(|&b| b);
        let ping = {
            let mut out = Vec::new();
            encode(&[b"PING".to_vec()], &mut out);
            out
        };
        let info = {
            let mut out = Vec::new();
            encode(&[b"INFO".to_vec(), b"clients".to_vec()], &mut out);
            out
        };
        for side in &mut self.sides {
            for sub in &mut side.subs {
                sub.send(&ping);
            }
            if check_blocked {
                side.control.send(&info);
            }
        }
        // The pushes of this turn, per subscriber, on both servers.
        let mut pushes: Vec<Vec<Vec<Value>>> = Vec::new();
        for side in &mut self.sides {
            let mut per_sub = Vec::new();
            for (i, sub) in side.subs.iter_mut().enumerate() {
                let mut got = Vec::new();
                loop {
                    let v = sub.read(self.wait);
                    let pong = match i {
                        0 => matches!(v.items(), Some([Value::Bulk(Some(p)), _]) if p == b"pong"),
                        _ => v == Value::Simple("PONG".into()),
                    };
                    if pong {
                        break;
                    }
                    let stop = matches!(v, Value::Timeout | Value::Broken(_));
                    got.push(v);
                    if stop {
                        break;
                    }
                }
                per_sub.push(got);
            }
            pushes.push(per_sub);
        }
        let (reference, ferrocache) = (&pushes[0], &pushes[1]);
        for (i, (r, g)) in reference.iter().zip(ferrocache).enumerate() {
            if r != g {
                let at = r.iter().zip(g).take_while(|(a, b)| a == b).count();
                let pick = |l: &Vec<Value>| l.get(at).cloned().unwrap_or(Value::Null);
                let what = format!(
                    "keyspace/pubsub push #{at} of this turn to the RESP{} subscriber (reference pushes: {}; ferrocache: {})",
                    i + 2,
                    r.len(),
                    g.len()
                );
                let client = self.executed.last().unwrap().client;
                return Err(self.diff(client, &what, &[], pick(r), pick(g)));
            }
        }
        if check_blocked {
            self.serve_blocked()?;
        }
        Ok(())
    }

    /// Reads the replies of blocked clients served so far (INFO blocked_clients).
    fn refresh_blocked(&mut self) -> Result<(), Box<Diff>> {
        if !self.blocked.iter().any(|&b| b) {
            return Ok(());
        }
        let mut info = Vec::new();
        encode(&[b"INFO".to_vec(), b"clients".to_vec()], &mut info);
        for side in &mut self.sides {
            side.control.send(&info);
        }
        self.serve_blocked()
    }

    /// Reads the INFO answers sent by `after_turn` and the replies of the
    /// blocked clients that were served.
    fn serve_blocked(&mut self) -> Result<(), Box<Diff>> {
        let mut counts = Vec::new();
        for side in &mut self.sides {
            let v = side.control.read(self.wait);
            let n = match &v {
                Value::Bulk(Some(b)) | Value::Verbatim(_, b) => String::from_utf8_lossy(b)
                    .lines()
                    .find_map(|l| l.strip_prefix("blocked_clients:"))
                    .and_then(|n| n.trim().parse::<i64>().ok())
                    .unwrap_or(-1),
                _ => -1,
            };
            counts.push(n);
        }
        let client = self.executed.last().unwrap().client;
        if counts[0] != counts[1] {
            return Err(self.diff(
                client,
                "INFO blocked_clients after this turn",
                &[],
                Value::Int(counts[0]),
                Value::Int(counts[1]),
            ));
        }
        let served = self.sides[0].blocked - counts[0];
        if served <= 0 {
            return Ok(());
        }
        let waiting: Vec<usize> = (0..self.blocked.len())
            .filter(|&c| self.blocked[c])
            .collect();
        let mut ready_sets = Vec::new();
        for side in &mut self.sides {
            let deadline = Instant::now() + self.wait;
            let ready = loop {
                let ready: Vec<usize> = waiting
                    .iter()
                    .copied()
                    .filter(|&c| side.clients[c].ready())
                    .collect();
                if ready.len() as i64 >= served || Instant::now() > deadline {
                    break ready;
                }
            };
            side.blocked = counts[0];
            ready_sets.push(ready);
        }
        if ready_sets[0] != ready_sets[1] {
            let show = |s: &Vec<usize>| Value::Simple(format!("served clients {s:?}"));
            return Err(self.diff(
                client,
                "which blocked clients were served",
                &[],
                show(&ready_sets[0]),
                show(&ready_sets[1]),
            ));
        }
        for c in ready_sets[0].clone() {
            self.blocked[c] = false;
            let r = self.sides[0].clients[c].read(self.wait);
            let g = self.sides[1].clients[c].read(self.wait);
            if r != g {
                let what = format!("reply to the blocked client c{c}");
                return Err(self.diff(client, &what, &[], r, g));
            }
        }
        Ok(())
    }
}
