//! Listening sockets and the token plan: binding, accepting connections
//! (protected mode, maxclients), socket options.

use super::tokens::CLIENT_TOKEN_LIMIT;
use super::Server;
use crate::state::Client;
use log::warn;
use mio::net::TcpListener;
use mio::{Interest, Poll, Token};
use std::io::{self, Write};
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

/// Redis 7.0's protected-mode refusal, word for word (its typo included).
const DENIED: &str = "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Setup a an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n";

impl Server {
    pub(super) fn accept(&mut self, index: usize) {
        loop {
            let (mut stream, peer) = match self.listeners[index].accept() {
                Ok(x) => x,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    warn!(target: "net", "accept_failed error=\"{e}\"");
                    return;
                }
            };
            self.state.connections_received += 1;
            let cfg = &self.state.config;
            if self.clients.len() >= cfg.maxclients {
                let _ = stream.write(b"-ERR max number of clients reached\r\n");
                self.state.rejected_connections += 1;
                continue;
            }
            if cfg.protected_mode
                && cfg.requirepass.is_empty()
                && !crate::state::is_loopback(peer.ip())
            {
                let _ = stream.write(DENIED.as_bytes());
                self.state.rejected_connections += 1;
                continue;
            }
            let _ = stream.set_nodelay(true);
            set_keepalive(&stream, self.state.config.tcp_keepalive);
            let id = self.state.next_client_id;
            self.state.next_client_id += 1;
            let entry = self.clients.vacant_entry();
            let key = entry.key();
            if key >= CLIENT_TOKEN_LIMIT {
                continue;
            }
            if let Err(e) =
                self.poll
                    .registry()
                    .register(&mut stream, Token(key), Interest::READABLE)
            {
                warn!(target: "net", "register_failed error=\"{e}\"");
                continue;
            }
            let authenticated = self.state.config.requirepass.is_empty();
            log::debug!(target: "net", "client_connected id={id} addr={peer}");
            entry.insert(Client::new(id, stream, authenticated));
        }
    }
}

/// tcp-keepalive: probes after `seconds` idle, then every seconds/3, as Redis.
pub(super) fn set_keepalive(stream: &mio::net::TcpStream, seconds: u64) {
    if seconds == 0 {
        return;
    }
    let period = Duration::from_secs(seconds);
    let keepalive = socket2::TcpKeepalive::new()
        .with_time(period)
        .with_interval(Duration::from_secs((seconds / 3).max(1)));
    if let Err(e) = socket2::SockRef::from(stream).set_tcp_keepalive(&keepalive) {
        log::debug!(target: "net", "keepalive_failed error=\"{e}\"");
    }
}

/// Binds `port` on every address of a bind spec (`127.0.0.1 -::1`; a
/// leading `-` makes an address optional) with a listen queue of
/// `backlog`. Errors name `field`.
pub(super) fn bind_all(
    bind: &str,
    port: u16,
    field: &str,
    backlog: i32,
) -> Result<Vec<TcpListener>, String> {
    let mut listeners = Vec::new();
    for spec in bind.split_whitespace() {
        let (optional, addr) = match spec.strip_prefix('-') {
            Some(a) => (true, a),
            None => (false, spec),
        };
        let ip: IpAddr = match addr {
            "*" => "0.0.0.0".parse().unwrap(),
            "::*" => "::".parse().unwrap(),
            _ => addr
                .parse()
                .map_err(|_| format!("field 'bind': invalid address '{addr}'"))?,
        };
        match bind_listener(SocketAddr::new(ip, port), backlog) {
            Ok(l) => listeners.push(l),
            Err(e) if optional => {
                warn!(target: "net", "bind_skipped addr={addr} port={port} error=\"{e}\"")
            }
            Err(e) => {
                return Err(format!(
                    "field '{field}': could not listen on {addr}:{port}: {e}"
                ))
            }
        }
    }
    if listeners.is_empty() {
        return Err(format!("field 'bind': no address could be bound ({bind})"));
    }
    Ok(listeners)
}

pub(super) fn register_all(
    poll: &Poll,
    listeners: &mut [TcpListener],
    token_base: usize,
) -> Result<(), String> {
    for (i, l) in listeners.iter_mut().enumerate() {
        poll.registry()
            .register(l, Token(token_base + i), Interest::READABLE)
            .map_err(|e| format!("cannot register listener: {e}"))?;
    }
    Ok(())
}

/// A non-blocking listener on `addr` with SO_REUSEADDR (IPV6_V6ONLY for IPv6
/// addresses) and a listen queue of `backlog` connections, as Redis's
/// anetTcpServer sets it up (std's bind would use a backlog of 128).
pub(super) fn bind_listener(addr: SocketAddr, backlog: i32) -> io::Result<TcpListener> {
    use socket2::{Domain, Protocol, Socket, Type};
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    socket.set_reuse_address(true)?;
    if addr.is_ipv6() {
        socket.set_only_v6(true)?;
    }
    socket.set_nonblocking(true)?;
    socket.bind(&addr.into())?;
    socket.listen(backlog)?;
    Ok(TcpListener::from_std(socket.into()))
}
