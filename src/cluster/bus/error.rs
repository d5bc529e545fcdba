//! Why a cluster bus frame or message was refused.

use std::fmt;

/// A frame-level error means the link must be closed (the stream can no
/// longer be split into frames); a message-level error means Redis would
/// ignore that one message and keep reading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BusError {
    /// The first four bytes are not `RCmb` (frame level).
    BadSignature,
    /// `totlen` is below the 2256-byte header (frame level).
    TooShort { totlen: u64 },
    /// `totlen` is above the reader's cap (frame level).
    TooLong { totlen: u64, max: usize },
    /// The slice given to `decode` is not exactly `totlen` bytes.
    LengthMismatch { totlen: u64, actual: usize },
    /// `ver` is not 1 (Redis ignores such messages).
    BadVersion(u16),
    /// `totlen` differs from what the type, `count` and the body's own
    /// lengths add up to (Redis logs "Received invalid ... packet").
    BadBodyLength {
        msg_type: u16,
        expected: u64,
        totlen: u64,
    },
    /// A ping extension whose length is under 8, not a multiple of 8, or
    /// runs past the end of the frame.
    BadExtension { index: usize, length: u32 },
}

impl fmt::Display for BusError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BusError::BadSignature => write!(f, "cluster bus frame without the RCmb signature"),
            BusError::TooShort { totlen } => {
                write!(
                    f,
                    "cluster bus frame length {totlen} is below the header size"
                )
            }
            BusError::TooLong { totlen, max } => {
                write!(
                    f,
                    "cluster bus frame length {totlen} is above the limit {max}"
                )
            }
            BusError::LengthMismatch { totlen, actual } => {
                write!(f, "cluster bus frame says {totlen} bytes but has {actual}")
            }
            BusError::BadVersion(ver) => write!(f, "cluster bus protocol version {ver} (want 1)"),
            BusError::BadBodyLength {
                msg_type,
                expected,
                totlen,
            } => write!(
                f,
                "cluster bus message type {msg_type} of length {totlen} but expected {expected}"
            ),
            BusError::BadExtension { index, length } => {
                write!(
                    f,
                    "cluster bus ping extension {index} has bad length {length}"
                )
            }
        }
    }
}

impl std::error::Error for BusError {}
