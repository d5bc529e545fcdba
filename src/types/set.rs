//! A set: intset or listpack while small, hashtable beyond (set-max-intset-entries).
//!
//! Placeholder until the data-types work lands: the type exists so the
//! keyspace, TYPE, OBJECT ENCODING and eviction handle every kind.

/// A set: intset or listpack while small, hashtable beyond (set-max-intset-entries).
#[derive(Clone, Debug, Default)]
pub struct Set {
    len: usize,
}

impl Set {
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
