//! Commands: the table, the dispatch checks, and one file per family.
//!
//! A command travels: `server::connection` parses a frame → [`dispatch::execute`]
//! looks it up in [`table`] and runs the checks once (unknown command, arity,
//! auth, maxmemory) → the family's handler reads/writes the `Store` and appends
//! its reply to `ctx.out`. Handlers never touch sockets.

pub mod args;
pub mod client_cmd;
pub mod command_cmd;
pub mod config_cmd;
pub mod connection;
pub mod dispatch;
pub mod errors;
pub mod info;
pub mod keys;
pub mod long_double;
pub mod server_cmd;
pub mod strings;
pub mod table;
pub mod zsets;

use crate::resp::Reply;
use crate::server::{Client, ServerState};
use crate::store::Store;
use slab::Slab;

/// Everything a handler may touch while it runs.
pub struct Ctx<'a> {
    /// The dataset.
    pub store: &'a mut Store,
    /// The calling client's reply buffer.
    pub out: &'a mut Reply,
    /// The calling client's selected database.
    pub db: usize,
    /// Configuration, statistics and server-wide state.
    pub server: &'a mut ServerState,
    /// Every connected client (CLIENT LIST/KILL, MONITOR).
    pub clients: &'a mut Slab<Client>,
    /// The calling client's slab key.
    pub me: usize,
}

impl Ctx<'_> {
    /// The calling client.
    pub fn client(&mut self) -> &mut Client {
        &mut self.clients[self.me]
    }
}

/// Every command family's table, in COMMAND's order.
pub static FAMILIES: &[&[table::CommandSpec]] = &[
    connection::COMMANDS,
    strings::COMMANDS,
    keys::COMMANDS,
    server_cmd::COMMANDS,
    zsets::COMMANDS,
];
