//! The token plan of the one `mio::Poll`: every socket and waker is a token
//! of the same loop, told apart by range.

/// Token plan: clients use their slab keys (small numbers); metrics HTTP
/// connections start at HTTP_TOKEN_BASE; listeners sit at the very top.
pub(super) const HTTP_TOKEN_BASE: usize = usize::MAX / 2;
pub(super) const LISTENER_TOKEN_BASE: usize = usize::MAX - 64;
pub(super) const METRICS_LISTENER_BASE: usize = usize::MAX - 32;
/// The loop's one `mio::Waker`: background threads (a diskless full sync)
/// wake the loop with it; the work is found before sleeping.
pub(super) const WAKER_TOKEN: usize = LISTENER_TOKEN_BASE - 1;
