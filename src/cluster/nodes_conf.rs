//! Redis 7.0's nodes.conf: one line per node
//! `<id> <ip>:<port>@<cport>[,<hostname>] <flags> <master-id|-> <ping-sent>
//! <pong-received> <config-epoch> <connected|disconnected> <slots...>`,
//! where myself's line also lists `[slot->-id]` (migrating) and
//! `[slot-<-id]` (importing), then `vars currentEpoch N lastVoteEpoch M`.
//! CLUSTER NODES prints the same node lines ([`node_line`]).

use super::node::{Flags, Node, NodeId};
use super::state::ClusterState;
use crate::persistence::durable::replace_file;
use crate::store::slot::SLOTS;
use std::fmt::{self, Write as _};
use std::io::{self, Write as _};
use std::path::Path;

/// The description of `node` as Redis's clusterGenNodeDescription writes
/// it, without the final newline.
pub(crate) fn node_line(state: &ClusterState, node: &Node) -> String {
    let mut line = format!("{} {}:{}@{}", node.id, node.ip, node.port, node.cport);
    if !node.hostname.is_empty() {
        let _ = write!(line, ",{}", node.hostname);
    }
    let master = match node.replica_of {
        Some(m) if state.node(&m).is_some() => m.to_string(),
        _ => "-".to_string(),
    };
    let link = if node.link_connected || node.is_myself() {
        "connected"
    } else {
        "disconnected"
    };
    let _ = write!(
        line,
        " {} {} {} {} {} {}",
        node.flags.render(),
        master,
        node.ping_sent,
        node.pong_received,
        state.shown_epoch(node),
        link
    );
    for (start, end) in node.slots.ranges() {
        if start == end {
            let _ = write!(line, " {start}");
        } else {
            let _ = write!(line, " {start}-{end}");
        }
    }
    if node.is_myself() {
        for slot in 0..SLOTS {
            if let Some(to) = state.migrating_to.get(&slot) {
                let _ = write!(line, " [{slot}->-{to}]");
            } else if let Some(from) = state.importing_from.get(&slot) {
                let _ = write!(line, " [{slot}-<-{from}]");
            }
        }
    }
    line
}

/// Every node's line, each ending in `\n`, skipping nodes with a flag of
/// `skip` (Redis's clusterGenNodesDescription).
pub(crate) fn node_lines(state: &ClusterState, skip: Flags) -> String {
    let mut out = String::new();
    for node in state.nodes() {
        if skip != Flags::NONE && node.flags.has(skip) {
            continue;
        }
        out.push_str(&node_line(state, node));
        out.push('\n');
    }
    out
}

/// The whole nodes.conf text: the nodes but those in handshake, then the
/// epochs line.
pub(crate) fn render(state: &ClusterState) -> String {
    let mut out = node_lines(state, Flags::HANDSHAKE);
    let _ = writeln!(
        out,
        "vars currentEpoch {} lastVoteEpoch {}",
        state.current_epoch, state.last_vote_epoch
    );
    out
}

/// Writes `state` to `path` durably: a temporary file beside it, fsync,
/// rename, directory fsync (Redis 7.0 rewrites in place; this never leaves
/// a torn file).
pub(crate) fn save(state: &ClusterState, path: &Path) -> io::Result<()> {
    let text = render(state);
    let mut temp = path.as_os_str().to_owned();
    temp.push(format!(".tmp-{}", std::process::id()));
    replace_file(path, Path::new(&temp), |out| {
        out.write_all(text.as_bytes())?;
        Ok(text.len() as u64)
    })
    .map(|_| ())
}

/// A nodes.conf that cannot be loaded: the 1-based line and what is wrong.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct ConfError {
    /// 0 when the problem is the file as a whole.
    pub(crate) line: usize,
    pub(crate) message: String,
}

impl fmt::Display for ConfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "corrupted cluster config file: {}", self.message)
        } else {
            write!(
                f,
                "corrupted cluster config file, line {}: {}",
                self.line, self.message
            )
        }
    }
}

/// Reads nodes.conf text into a state (Redis's clusterLoadConfig). Node
/// order follows the lines; nodes named only as a master or in a slot
/// migration are added after. Heartbeat times and link states are kept as
/// written: call [`ClusterState::after_load`] before serving. Unknown
/// `vars` names are skipped, as Redis does; anything else malformed is an
/// error naming its line. The file must have a `myself` line.
pub(crate) fn parse(text: &str) -> Result<ClusterState, ConfError> {
    let err = |line: usize, message: String| ConfError { line, message };
    let lines: Vec<(usize, Vec<&str>)> = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.split_whitespace().collect::<Vec<_>>()))
        .filter(|(_, words)| !words.is_empty())
        .collect();

    // Pass 1: ids in line order, and which one is myself.
    let mut ids: Vec<(usize, NodeId)> = Vec::new();
    let mut myself = None;
    for (n, words) in &lines {
        if words[0] == "vars" {
            continue;
        }
        if words.len() < 8 {
            return Err(err(
                *n,
                format!("{} fields, at least 8 expected", words.len()),
            ));
        }
        let id =
            parse_id(words[0]).ok_or_else(|| err(*n, format!("invalid node id '{}'", words[0])))?;
        if ids.iter().any(|(_, known)| *known == id) {
            return Err(err(*n, format!("node {id} listed twice")));
        }
        let flags = Flags::parse(words[2])
            .ok_or_else(|| err(*n, format!("unknown flag in '{}'", words[2])))?;
        if flags.has(Flags::MYSELF) {
            if myself.is_some() {
                return Err(err(*n, "a second 'myself' node".into()));
            }
            myself = Some(id);
        }
        ids.push((*n, id));
    }
    let myself = myself.ok_or_else(|| err(0, "no 'myself' node".into()))?;
    let mut state = ClusterState::new(myself);
    for (_, id) in &ids {
        state.add_node(Node::new(*id, Flags::NONE));
    }
    let order: Vec<NodeId> = ids.iter().map(|(_, id)| *id).collect();
    state.order_nodes_like(&order);

    // Pass 2: fields.
    for (n, words) in &lines {
        let n = *n;
        if words[0] == "vars" {
            parse_vars(&mut state, &words[1..]).map_err(|m| err(n, m))?;
            continue;
        }
        let id = parse_id(words[0]).expect("checked in pass 1");
        let (ip, port, cport, hostname) = parse_address(words[1]).map_err(|m| err(n, m))?;
        let master = match words[3] {
            "-" => None,
            text => {
                let m =
                    parse_id(text).ok_or_else(|| err(n, format!("invalid master id '{text}'")))?;
                state.add_node(Node::new(m, Flags::NONE));
                Some(m)
            }
        };
        let number = |i: usize, what: &str| {
            words[i]
                .parse::<u64>()
                .map_err(|_| err(n, format!("invalid {what} '{}'", words[i])))
        };
        let (ping_sent, pong_received, config_epoch) = (
            number(4, "ping-sent time")?,
            number(5, "pong-received time")?,
            number(6, "config epoch")?,
        );
        let link_connected = match words[7] {
            "connected" => true,
            "disconnected" => false,
            other => return Err(err(n, format!("invalid link state '{other}'"))),
        };
        let node = state.node_mut(&id).expect("added in pass 1");
        node.ip = ip;
        node.port = port;
        node.cport = cport;
        node.hostname = hostname;
        node.flags = Flags::parse(words[2]).expect("checked in pass 1");
        node.replica_of = master;
        node.ping_sent = ping_sent;
        node.pong_received = pong_received;
        node.config_epoch = config_epoch;
        node.link_connected = link_connected;
        for word in &words[8..] {
            parse_slot_entry(&mut state, &id, word).map_err(|m| err(n, m))?;
        }
    }
    Ok(state)
}

/// `text` as a node id, with the message Redis's checks imply.
fn parse_id(text: &str) -> Option<NodeId> {
    NodeId::parse(text.as_bytes())
}

/// `ip:port@cport[,hostname]`; without `@cport` the bus port is port+10000
/// (files from before Redis 4).
fn parse_address(text: &str) -> Result<(String, u16, u16, String), String> {
    let (address, hostname) = match text.split_once(',') {
        Some((a, h)) => (a, h.to_string()),
        None => (text, String::new()),
    };
    let (ip, ports) = address
        .rsplit_once(':')
        .ok_or_else(|| format!("address '{text}' has no ':port'"))?;
    let bad = || format!("invalid port in address '{text}'");
    let (port, cport) = match ports.split_once('@') {
        Some((p, c)) => (
            p.parse::<u16>().map_err(|_| bad())?,
            c.parse::<u16>().map_err(|_| bad())?,
        ),
        None => {
            let p = ports.parse::<u16>().map_err(|_| bad())?;
            (p, p.checked_add(10000).ok_or_else(bad)?)
        }
    };
    Ok((ip.to_string(), port, cport, hostname))
}

/// `currentEpoch N lastVoteEpoch M` (any order; unknown names skipped).
fn parse_vars(state: &mut ClusterState, words: &[&str]) -> Result<(), String> {
    if !words.len().is_multiple_of(2) {
        return Err("'vars' needs name value pairs".into());
    }
    for pair in words.chunks(2) {
        let value = || {
            pair[1]
                .parse::<u64>()
                .map_err(|_| format!("invalid {} '{}'", pair[0], pair[1]))
        };
        match pair[0] {
            "currentEpoch" => state.current_epoch = value()?,
            "lastVoteEpoch" => state.last_vote_epoch = value()?,
            _ => {}
        }
    }
    Ok(())
}

/// One slot field of node `id`: `N`, `A-B`, `[N->-target]` or
/// `[N-<-source]`.
fn parse_slot_entry(state: &mut ClusterState, id: &NodeId, word: &str) -> Result<(), String> {
    let slot_number = |text: &str| {
        text.parse::<usize>()
            .ok()
            .filter(|&s| s < SLOTS)
            .ok_or_else(|| format!("invalid slot '{word}'"))
    };
    if let Some(inner) = word.strip_prefix('[') {
        let inner = inner
            .strip_suffix(']')
            .ok_or_else(|| format!("invalid slot migration '{word}'"))?;
        let (slot, other, migrating) = if let Some((s, o)) = inner.split_once("->-") {
            (s, o, true)
        } else if let Some((s, o)) = inner.split_once("-<-") {
            (s, o, false)
        } else {
            return Err(format!("invalid slot migration '{word}'"));
        };
        let slot = slot_number(slot)?;
        let other = parse_id(other).ok_or_else(|| format!("invalid node id in '{word}'"))?;
        state.add_node(Node::new(other, Flags::NONE));
        if migrating {
            state.migrating_to.insert(slot, other);
        } else {
            state.importing_from.insert(slot, other);
        }
        return Ok(());
    }
    let (start, end) = match word.split_once('-') {
        Some((a, b)) => (slot_number(a)?, slot_number(b)?),
        None => {
            let s = slot_number(word)?;
            (s, s)
        }
    };
    if start > end {
        return Err(format!("invalid slot range '{word}'"));
    }
    for slot in start..=end {
        if !state.add_slot(slot, id) && state.owner(slot) != Some(*id) {
            return Err(format!("slot {slot} already belongs to another node"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// nodes.conf of node 30101 of a 3 masters + 3 replicas redis-server
    /// 7.0.15 cluster (`redis-cli --cluster create ... --cluster-replicas 1`,
    /// cluster-announce-hostname hostN.example), slot 100 migrating to
    /// 30102 (`CLUSTER SETSLOT 100 MIGRATING`).
    pub(crate) const REDIS_MIGRATING: &str = include_str!("testdata/nodes-30101.conf");
    /// The importing side of the same migration (node 30102).
    pub(crate) const REDIS_IMPORTING: &str = include_str!("testdata/nodes-30102.conf");
    /// A replica's file (node 30104).
    pub(crate) const REDIS_REPLICA: &str = include_str!("testdata/nodes-30104.conf");
    /// A fresh node without hostname, after CLUSTER MEET of another node,
    /// turned replica (empty ip in 7.0 until a peer tells it).
    pub(crate) const REDIS_SMALL: &str = include_str!("testdata/nodes-small.conf");

    #[test]
    fn redis_files_round_trip_byte_for_byte() {
        for (name, text) in [
            ("migrating", REDIS_MIGRATING),
            ("importing", REDIS_IMPORTING),
            ("replica", REDIS_REPLICA),
            ("small", REDIS_SMALL),
        ] {
            let state = parse(text).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(render(&state), text, "{name}");
        }
    }

    #[test]
    fn parsed_fields_are_redis_ones() {
        let state = parse(REDIS_MIGRATING).unwrap();
        assert_eq!(
            state.myself.as_str(),
            "d0f1b2232090911e4c1c660f20990fa78b50c004"
        );
        assert_eq!((state.current_epoch, state.last_vote_epoch), (6, 0));
        assert_eq!(state.nodes().len(), 6);
        let me = state.me();
        assert_eq!(
            (me.ip.as_str(), me.port, me.cport),
            ("127.0.0.1", 30101, 40101)
        );
        assert_eq!(me.hostname, "host0.example");
        assert_eq!(me.slots.ranges(), vec![(0, 5460)]);
        let target = NodeId::parse(b"527c27d45ad74dc970dc24a6ed4b83ca08aaa037").unwrap();
        assert_eq!(state.migrating_to.get(&100), Some(&target));
        assert_eq!(state.owner(5461), Some(target));
        let replica = state
            .lookup(b"7fb9a817f8e72d396f0148782f3860e71dd5ecc8")
            .unwrap();
        assert!(replica.is_replica() && replica.replica_of == Some(target));
        let slots = state.slot_health();
        assert_eq!((slots.assigned, slots.ok), (16384, 16384));
    }

    #[test]
    fn errors_name_the_line() {
        let me = "d0f1b2232090911e4c1c660f20990fa78b50c004 127.0.0.1:30101@40101 myself,master - 0 0 1 connected";
        let cases = [
            (
                format!("{me}\nabc 1:2@3 master - 0 0 0 connected\n"),
                2,
                "invalid node id 'abc'",
            ),
            (format!("\n{me} 0-5460 9-9x\n"), 2, "invalid slot '9-9x'"),
            (format!("{me} 16384\n"), 1, "invalid slot '16384'"),
            (format!("{me} 10-5\n"), 1, "invalid slot range '10-5'"),
            (
                format!("{me} [5->x]\n"),
                1,
                "invalid slot migration '[5->x]'",
            ),
            (
                format!("{me}\nvars currentEpoch\n"),
                2,
                "'vars' needs name value pairs",
            ),
            (
                format!("{me}\nvars currentEpoch x lastVoteEpoch 0\n"),
                2,
                "invalid currentEpoch 'x'",
            ),
            (
                format!("{me}\n{me}\n"),
                2,
                "node d0f1b2232090911e4c1c660f20990fa78b50c004 listed twice",
            ),
            (
                me.replace("myself,master", "myself,boss"),
                1,
                "unknown flag in 'myself,boss'",
            ),
            (
                me.replace("127.0.0.1:30101@40101", "127.0.0.1"),
                1,
                "address '127.0.0.1' has no ':port'",
            ),
            (
                me.replace(" connected", ""),
                1,
                "7 fields, at least 8 expected",
            ),
            (me.replace("myself,", ""), 0, "no 'myself' node"),
        ];
        for (text, line, message) in cases {
            let e = parse(&text)
                .err()
                .unwrap_or_else(|| panic!("accepted: {text}"));
            assert_eq!((e.line, e.message.as_str()), (line, message), "{text}");
        }
    }

    #[test]
    fn legacy_address_and_unknown_vars_load() {
        let text = "d0f1b2232090911e4c1c660f20990fa78b50c004 10.0.0.1:7000 myself,master - 0 0 3 connected 1 3-4\nvars currentEpoch 3 lastVoteEpoch 2 futureThing 9\n";
        let state = parse(text).unwrap();
        assert_eq!((state.me().port, state.me().cport), (7000, 17000));
        assert_eq!(state.me().slots.ranges(), vec![(1, 1), (3, 4)]);
        assert_eq!(state.last_vote_epoch, 2);
    }

    #[test]
    fn handshake_nodes_are_not_saved_but_are_shown() {
        let mut state = parse(REDIS_SMALL).unwrap();
        let mut stranger = Node::new(NodeId::random(), Flags::NONE);
        stranger.flags.insert(Flags::HANDSHAKE);
        stranger.flags.insert(Flags::MASTER);
        state.add_node(stranger);
        assert_eq!(render(&state), REDIS_SMALL);
        assert!(node_lines(&state, Flags::NONE).contains(" master,handshake - "));
    }

    #[test]
    fn save_writes_atomically_and_reads_back() {
        let dir = std::env::temp_dir().join(format!("ferrocache-nodesconf-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("nodes.conf");
        std::fs::write(
            &path,
            "old contents, much longer than the new ones ".repeat(100),
        )
        .unwrap();
        let state = parse(REDIS_REPLICA).unwrap();
        save(&state, &path).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), REDIS_REPLICA);
        let names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(
            names,
            vec![std::ffi::OsString::from("nodes.conf")],
            "no temporary file left"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
