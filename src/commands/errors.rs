//! Redis's error texts that client libraries match on, in one place.

pub const SYNTAX: &str = "ERR syntax error";
pub const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";
pub const NOT_INTEGER: &str = "ERR value is not an integer or out of range";
pub const NOT_FLOAT: &str = "ERR value is not a valid float";
pub const NO_SUCH_KEY: &str = "ERR no such key";
pub const OVERFLOW: &str = "ERR increment or decrement would overflow";
pub const DB_INDEX: &str = "ERR DB index is out of range";
pub const INVALID_EXPIRE: &str = "ERR invalid expire time in '{}' command";
pub const NOAUTH: &str = "NOAUTH Authentication required.";
pub const OOM: &str = "OOM command not allowed when used memory > 'maxmemory'.";
pub const STRING_TOO_LONG: &str = "ERR string exceeds maximum allowed size (proto-max-bulk-len)";

/// `ERR wrong number of arguments for 'name' command`.
pub fn arity(full_name: &str) -> String {
    format!("ERR wrong number of arguments for '{full_name}' command")
}

/// `ERR invalid expire time in 'set' command`.
pub fn invalid_expire(command: &str) -> String {
    INVALID_EXPIRE.replace("{}", command)
}

/// A command other than INFO & co. while the dataset loads.
pub const LOADING: &str = "LOADING Redis is loading the dataset in memory";
