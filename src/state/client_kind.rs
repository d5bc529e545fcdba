//! What a connection is to this server: replies, limits and CLIENT LIST
//! flags follow the kind, not whether it has a socket.

/// The kind of a connection.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ClientKind {
    /// A client that sent commands (or the AOF loader, which has no socket).
    #[default]
    Normal,
    /// The link to this replica's leader: it applies the replication stream,
    /// gets no replies (but REPLCONF ACK), and no limit, timeout, OOM or
    /// -READONLY refusal applies to it (CLIENT LIST flags=M, TYPE master).
    Master,
}

impl ClientKind {
    /// The CLIENT LIST / CLIENT KILL `TYPE` name of this kind.
    pub fn type_name(self) -> &'static [u8] {
        match self {
            ClientKind::Normal => b"normal",
            ClientKind::Master => b"master",
        }
    }
}
