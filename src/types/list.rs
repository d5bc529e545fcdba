//! A list: listpack while small, quicklist beyond (list-max-listpack-size).
//!
//! Placeholder until the data-types work lands: the type exists so the
//! keyspace, TYPE, OBJECT ENCODING and eviction handle every kind.

/// A list: listpack while small, quicklist beyond (list-max-listpack-size).
#[derive(Clone, Debug, Default)]
pub struct List {
    len: usize,
}

impl List {
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
