//! A sorted set: listpack while small, skiplist beyond (zset-max-listpack-entries/-value).
//!
//! Placeholder until the data-types work lands: the type exists so the
//! keyspace, TYPE, OBJECT ENCODING and eviction handle every kind.

/// A sorted set: listpack while small, skiplist beyond (zset-max-listpack-entries/-value).
#[derive(Clone, Debug, Default)]
pub struct ZSet {
    len: usize,
}

impl ZSet {
    /// Number of elements.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// OBJECT ENCODING's name for the current representation.
    pub fn encoding(&self) -> &'static str {
        "listpack"
    }
}
