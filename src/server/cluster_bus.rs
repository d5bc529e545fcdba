//! The cluster bus in the loop (Redis 7.0 cluster.c, the handshake part):
//! the bus listener (cluster-port, else port + 10000), one inbound link per
//! peer that dialed us (answered with PONG) and one outbound link per known
//! node (MEET first for a node given to CLUSTER MEET, then PING; its PONGs
//! complete the handshake and keep the node reachable). Gossip, failure
//! detection, failover and UPDATE are not handled yet.

use super::tokens::{BUS_LINK_BASE, BUS_LISTENER_BASE};
use super::Server;
use crate::cluster::bus::{decode, encode, Body, FrameReader, Message, PingBody};
use crate::cluster::handshake::{my_header, node_id, on_epochs, on_pong};
use crate::cluster::node::{Flags, Node, NodeId};
use crate::state::unix_ms;
use mio::net::TcpStream;
use mio::{Interest, Token};
use std::io::{self, Read, Write};

/// Largest bus frame accepted from a peer (a PING with every gossip entry
/// of a large cluster is far below this).
const MAX_FRAME: usize = 8 << 20;

/// Interval between PINGs to a node (ms) while its last PONG is fresh.
const PING_EVERY_MS: u64 = 1000;

/// One bus connection.
pub(super) struct BusLink {
    stream: TcpStream,
    reader: FrameReader,
    out: Vec<u8>,
    /// Outbound: the node this link was opened for. None: inbound.
    to: Option<NodeId>,
}

impl Server {
    /// Accepts the peers dialing the bus listener `index`.
    pub(super) fn accept_bus(&mut self, index: usize) {
        loop {
            let (mut stream, _) = match self.bus_listeners[index].accept() {
                Ok(x) => x,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => return,
            };
            let entry = self.bus_links.vacant_entry();
            let token = Token(BUS_LINK_BASE + entry.key());
            if self
                .poll
                .registry()
                .register(&mut stream, token, Interest::READABLE)
                .is_ok()
            {
                entry.insert(BusLink {
                    stream,
                    reader: FrameReader::new(MAX_FRAME),
                    out: Vec::new(),
                    to: None,
                });
            }
        }
    }

    /// A readiness event on bus link `key`.
    pub(super) fn handle_bus_link(&mut self, key: usize, readable: bool, writable: bool) {
        if !self.bus_links.contains(key) {
            return;
        }
        if writable && !self.flush_bus_link(key) {
            return self.close_bus_link(key);
        }
        if !readable {
            return;
        }
        let mut buf = [0u8; 16 * 1024];
        loop {
            let link = &mut self.bus_links[key];
            match link.stream.read(&mut buf) {
                Ok(0) => return self.close_bus_link(key),
                Ok(n) => link.reader.push(&buf[..n]),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => return self.close_bus_link(key),
            }
        }
        let mut frames = Vec::new();
        loop {
            match self.bus_links[key].reader.next_frame() {
                Ok(Some(frame)) => frames.push(frame.to_vec()),
                Ok(None) => break,
                Err(_) => return self.close_bus_link(key),
            }
        }
        for frame in frames {
            if let Ok(msg) = decode(&frame) {
                self.process_bus_message(key, msg);
            }
            if !self.bus_links.contains(key) {
                return;
            }
        }
    }

    /// Redis's clusterProcessPacket, handshake subset.
    fn process_bus_message(&mut self, key: usize, msg: Message) {
        let now = unix_ms();
        let Some(sender) = node_id(&msg.header.sender) else {
            return;
        };
        let local_ip = self.bus_links[key]
            .stream
            .local_addr()
            .map(|a| a.ip().to_string());
        let peer_ip = self.bus_links[key]
            .stream
            .peer_addr()
            .map(|a| a.ip().to_string());
        let to = self.bus_links[key].to;
        let Some(cluster) = self.state.cluster.as_mut() else {
            return;
        };
        if on_epochs(cluster, &sender, &msg.header) {
            let _ = self.state.save_cluster_config();
        }
        let Some(cluster) = self.state.cluster.as_mut() else {
            return;
        };
        match &msg.body {
            Body::Meet(_) | Body::Ping(_) => {
                let is_meet = matches!(msg.body, Body::Meet(_));
                if is_meet && cluster.me().ip.is_empty() {
                    if let Ok(ip) = local_ip {
                        cluster.me_mut().ip = ip;
                    }
                }
                if is_meet && cluster.node(&sender).is_none() {
                    if let Ok(ip) = peer_ip {
                        let mut node = Node::new(NodeId::random(), Flags::MASTER);
                        node.flags.insert(Flags::HANDSHAKE);
                        node.ip = ip;
                        node.port = msg.header.port;
                        node.cport = msg.header.cport;
                        cluster.add_node(node);
                    }
                }
                self.send_bus(key, Body::Pong(PingBody::default()));
            }
            Body::Pong(_) => {
                if let Some(node) = to {
                    let was_handshake = cluster
                        .node(&node)
                        .is_some_and(|n| n.flags.has(Flags::HANDSHAKE));
                    let known = on_pong(cluster, &node, &msg.header, now);
                    self.bus_links[key].to = known;
                    if known.is_none() {
                        return self.close_bus_link(key);
                    }
                    self.state.refresh_cluster_state();
                    if was_handshake {
                        let _ = self.state.save_cluster_config();
                    }
                }
            }
            _ => {}
        }
    }

    /// Queues `body` with this node's header on link `key` and writes what
    /// the socket takes now.
    fn send_bus(&mut self, key: usize, body: Body) {
        let Some(cluster) = self.state.cluster.as_ref() else {
            return;
        };
        let offset = self.state.repl.offset.max(0) as u64;
        let header = my_header(cluster, offset, &self.state.config.cluster.announce_ip);
        let bytes = encode(&Message { header, body });
        self.bus_links[key].out.extend_from_slice(&bytes);
        if !self.flush_bus_link(key) {
            self.close_bus_link(key);
        }
    }

    /// Writes what link `key` has queued; false when the link failed.
    fn flush_bus_link(&mut self, key: usize) -> bool {
        let link = &mut self.bus_links[key];
        while !link.out.is_empty() {
            match link.stream.write(&link.out) {
                Ok(0) => return false,
                Ok(n) => {
                    link.out.drain(..n);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::NotConnected => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => return false,
            }
        }
        let interest = if link.out.is_empty() {
            Interest::READABLE
        } else {
            Interest::READABLE | Interest::WRITABLE
        };
        let token = Token(BUS_LINK_BASE + key);
        self.poll
            .registry()
            .reregister(&mut link.stream, token, interest)
            .is_ok()
    }

    fn close_bus_link(&mut self, key: usize) {
        let mut link = self.bus_links.remove(key);
        let _ = self.poll.registry().deregister(&mut link.stream);
        if let (Some(id), Some(cluster)) = (link.to, self.state.cluster.as_mut()) {
            if let Some(node) = cluster.node_mut(&id) {
                node.link_connected = false;
            }
        }
    }

    /// The bus part of the timer (Redis's clusterCron, handshake subset):
    /// dials every known node that has no outbound link (MEET for a node
    /// given to CLUSTER MEET, else PING), PINGs the others every second,
    /// and drops a link whose PONG is late by half the node timeout.
    pub(super) fn cluster_bus_cron(&mut self) {
        let Some(cluster) = self.state.cluster.as_ref() else {
            return;
        };
        let now = unix_ms();
        let linked: Vec<(NodeId, usize)> = self
            .bus_links
            .iter()
            .filter_map(|(key, l)| l.to.map(|id| (id, key)))
            .collect();
        let node_timeout = self.state.config.cluster.node_timeout;
        let mut dial = Vec::new();
        let mut ping = Vec::new();
        let mut stale = Vec::new();
        for node in cluster.nodes() {
            if node.is_myself() || node.ip.is_empty() || node.cport == 0 {
                continue;
            }
            match linked.iter().find(|(id, _)| *id == node.id) {
                None => dial.push((node.id, node.ip.clone(), node.cport)),
                Some(&(_, key)) => {
                    // No PONG for half the node timeout: Redis drops the
                    // link and dials again.
                    if node.ping_sent != 0 && now.saturating_sub(node.ping_sent) > node_timeout / 2
                    {
                        stale.push(key);
                    } else if node.ping_sent == 0
                        && now.saturating_sub(node.pong_received) >= PING_EVERY_MS
                    {
                        ping.push((node.id, key));
                    }
                }
            }
        }
        for key in stale {
            self.close_bus_link(key);
        }
        for (id, ip, cport) in dial {
            let Ok(addr) = format!("{ip}:{cport}").parse() else {
                continue;
            };
            let Ok(mut stream) = TcpStream::connect(addr) else {
                continue;
            };
            let entry = self.bus_links.vacant_entry();
            let key = entry.key();
            let token = Token(BUS_LINK_BASE + key);
            let interest = Interest::READABLE | Interest::WRITABLE;
            if self
                .poll
                .registry()
                .register(&mut stream, token, interest)
                .is_err()
            {
                continue;
            }
            entry.insert(BusLink {
                stream,
                reader: FrameReader::new(MAX_FRAME),
                out: Vec::new(),
                to: Some(id),
            });
            let meet = self.state.cluster_meet.remove(&id);
            let body = if meet {
                Body::Meet(PingBody::default())
            } else {
                Body::Ping(PingBody::default())
            };
            self.mark_ping_sent(&id, now);
            self.send_bus(key, body);
        }
        for (id, key) in ping {
            self.mark_ping_sent(&id, now);
            self.send_bus(key, Body::Ping(PingBody::default()));
        }
    }

    fn mark_ping_sent(&mut self, id: &NodeId, now: u64) {
        if let Some(node) = self.state.cluster.as_mut().and_then(|c| c.node_mut(id)) {
            node.ping_sent = now;
        }
    }
}

/// Whether `token` is a bus listener's.
pub(super) fn is_bus_listener(token: usize) -> bool {
    (BUS_LISTENER_BASE..BUS_LISTENER_BASE + 32).contains(&token)
}
