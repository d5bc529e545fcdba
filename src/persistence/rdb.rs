//! Placeholder with the codec's API until the RDB codec lands.
use crate::store::db::DbView;
use crate::store::entry::Entry;
use std::io::{Read, Write};

pub struct RdbMeta {
    pub used_mem: u64,
    pub aof_base: bool,
}
#[derive(Debug)]
pub struct RdbError {
    pub offset: u64,
    pub message: String,
}
impl std::fmt::Display for RdbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} at offset {}", self.message, self.offset)
    }
}
#[derive(Default, Debug)]
pub struct RdbSummary {
    pub keys: u64,
}
pub fn write_rdb<W: Write>(
    _out: W,
    _dbs: &[DbView],
    _meta: &RdbMeta,
    _compress: bool,
    _checksum: bool,
) -> std::io::Result<u64> {
    Err(std::io::Error::other("rdb writer not merged yet"))
}
pub fn read_rdb<R: Read>(
    _input: R,
    _limits: &crate::types::TypeLimits,
    _clock: u32,
    _sink: &mut dyn FnMut(usize, Entry),
    _progress: &mut dyn FnMut(u64),
) -> Result<RdbSummary, RdbError> {
    Err(RdbError { offset: 0, message: "rdb reader not merged yet".into() })
}
