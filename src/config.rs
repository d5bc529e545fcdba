//! Configuration: one table of parameters drives the YAML file, the
//! command-line overrides (`--port 7000`) and CONFIG GET/SET, so that all three
//! accept the same names and values and reject bad ones with the same message.
//!
//! Every parameter, with its default, is documented in `conf/ferrocache.yaml`.

pub mod cluster;
mod notify_events;
pub(crate) mod replica;
pub(crate) use notify_events::class as event_class;
pub use replica::ReplicaConfig;
mod redis_conf;
pub mod replication;
pub use redis_conf::ConfError;
mod rewrite;
mod splitargs;
mod yaml_rewrite;

use crate::store::evict::Policy;
use crate::store::glob::glob_match_nocase;
use std::collections::BTreeMap;

/// The server's settings. Field names are Redis's, with `_` for `-`.
#[derive(Clone, Debug)]
pub struct Config {
    pub port: u16,
    pub bind: String,
    pub protected_mode: bool,
    pub requirepass: String,
    pub databases: usize,
    pub maxclients: usize,
    pub timeout: u64,
    pub tcp_keepalive: u64,
    pub loglevel: String,
    pub logfile: String,
    pub maxmemory: u64,
    pub maxmemory_policy: Policy,
    pub maxmemory_samples: usize,
    pub lfu_log_factor: u32,
    pub lfu_decay_time: u32,
    pub hz: u32,
    /// Snapshot rules: save after `seconds` if at least `changes` writes.
    pub save: Vec<SaveRule>,
    pub appendonly: bool,
    pub appendfsync: AppendFsync,
    /// Base name of the AOF files (`appendonly.aof` → `appendonly.aof.1.incr.aof`).
    pub appendfilename: String,
    /// Directory (under `dir`) holding the AOF files and their manifest.
    pub appenddirname: String,
    /// Rewrite the AOF when it grew by this percentage over its size after
    /// the last rewrite (0 = never automatically)...
    pub auto_aof_rewrite_percentage: u64,
    /// ...and is at least this big.
    pub auto_aof_rewrite_min_size: u64,
    /// Load an AOF whose last command is cut short (crash mid-write).
    pub aof_load_truncated: bool,
    /// The rewritten AOF base is an RDB file (the only kind ferrocache writes).
    pub aof_use_rdb_preamble: bool,
    pub dir: String,
    pub dbfilename: String,
    /// LZF-compress strings in RDB files.
    pub rdbcompression: bool,
    /// Write and check the CRC64 at the end of RDB files.
    pub rdbchecksum: bool,
    /// Refuse writes (MISCONF) while the last background save failed.
    pub stop_writes_on_bgsave_error: bool,
    /// Whether CONFIG SET may change protected parameters (dir,
    /// dbfilename): no, yes, or local (from loopback clients only).
    pub enable_protected_configs: String,
    pub proto_max_bulk_len: u64,
    pub client_query_buffer_limit: u64,
    pub daemonize: bool,
    pub active_expire_effort: u32,
    /// Sorted sets stay listpack-encoded up to this many members...
    pub zset_max_listpack_entries: usize,
    /// ...each of at most this many bytes.
    pub zset_max_listpack_value: usize,
    pub client_output_buffer_limit: OutputBufferLimits,
    pub slowlog_log_slower_than: i64,
    pub slowlog_max_len: usize,
    pub metrics_port: u16,
    pub notify_keyspace_events: u32,
    pub latency_monitor_threshold: u64,
    /// Largest sparse HyperLogLog value in bytes before it turns dense.
    pub hll_sparse_max_bytes: u64,
    /// List node size: negative -1..-5 = 4..64 KB per node, positive = entries
    /// per node (Redis's list-max-listpack-size, alias list-max-ziplist-size).
    pub list_max_listpack_size: i32,
    /// List nodes kept uncompressed at each end; inner nodes are LZF
    /// compressed (0: none). Redis's list-compress-depth.
    pub list_compress_depth: i32,
    /// Most fields a hash keeps in its compact listpack encoding.
    pub hash_max_listpack_entries: usize,
    /// Longest field or value (bytes) a hash keeps in its listpack encoding.
    pub hash_max_listpack_value: usize,
    /// Most members a set of integers keeps in its intset encoding.
    pub set_max_intset_entries: usize,
    /// listen() backlog of the client listeners (tcp-backlog).
    pub tcp_backlog: i32,
    /// Values of the parameters in [`INERT`] that were set, by primary name
    /// (unset ones read as their Redis default).
    pub inert: BTreeMap<&'static str, String>,
    /// The leader's replication parameters (repl-backlog-size, ...).
    pub repl_leader: replication::LeaderConfig,
    /// The file the server started from, absolute, if any (INFO
    /// config_file, the file CONFIG REWRITE writes).
    pub config_file: String,
    /// The format of `config_file`.
    pub config_format: ConfigFormat,
    /// Where the process id is written at start-up ("" = nowhere unless
    /// daemonized, then /var/run/redis.pid as Redis).
    pub pidfile: String,
    /// The follower's parameters (replicaof, masterauth, replica-*).
    pub replica: ReplicaConfig,
    /// Redis Cluster's parameters (cluster-*).
    pub cluster: cluster::ClusterConfig,
}

/// The format of the start-up configuration file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ConfigFormat {
    /// ferrocache's YAML mapping (`.yaml` / `.yml`).
    #[default]
    Yaml,
    /// redis.conf directives (any other name).
    RedisConf,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            port: 6379,
            bind: "127.0.0.1 -::1".into(),
            protected_mode: true,
            requirepass: String::new(),
            databases: 16,
            maxclients: 10000,
            timeout: 0,
            tcp_keepalive: 300,
            loglevel: "notice".into(),
            logfile: String::new(),
            maxmemory: 0,
            maxmemory_policy: Policy::NoEviction,
            maxmemory_samples: 5,
            lfu_log_factor: 10,
            lfu_decay_time: 1,
            hz: 10,
            save: vec![
                SaveRule {
                    seconds: 3600,
                    changes: 1,
                },
                SaveRule {
                    seconds: 300,
                    changes: 100,
                },
                SaveRule {
                    seconds: 60,
                    changes: 10000,
                },
            ],
            appendonly: false,
            appendfsync: AppendFsync::EverySec,
            appendfilename: "appendonly.aof".into(),
            appenddirname: "appendonlydir".into(),
            auto_aof_rewrite_percentage: 100,
            auto_aof_rewrite_min_size: 64 * 1024 * 1024,
            aof_load_truncated: true,
            aof_use_rdb_preamble: true,
            dir: ".".into(),
            dbfilename: "dump.rdb".into(),
            rdbcompression: true,
            rdbchecksum: true,
            stop_writes_on_bgsave_error: true,
            enable_protected_configs: "no".into(),
            proto_max_bulk_len: 512 * 1024 * 1024,
            client_query_buffer_limit: 1024 * 1024 * 1024,
            daemonize: false,
            active_expire_effort: 1,
            zset_max_listpack_entries: 128,
            zset_max_listpack_value: 64,
            client_output_buffer_limit: OutputBufferLimits::default(),
            slowlog_log_slower_than: 10_000,
            slowlog_max_len: 128,
            metrics_port: 0,
            notify_keyspace_events: 0,
            latency_monitor_threshold: 0,
            hll_sparse_max_bytes: 3000,
            list_max_listpack_size: -2,
            list_compress_depth: 0,
            hash_max_listpack_entries: 512,
            hash_max_listpack_value: 64,
            set_max_intset_entries: 512,
            tcp_backlog: 511,
            inert: BTreeMap::new(),
            repl_leader: Default::default(),
            config_file: String::new(),
            config_format: ConfigFormat::Yaml,
            pidfile: String::new(),
            replica: ReplicaConfig::default(),
            cluster: cluster::ClusterConfig::default(),
        }
    }
}

/// One `save <seconds> <changes>` rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SaveRule {
    pub seconds: u64,
    pub changes: u64,
}

/// When the AOF is fsynced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppendFsync {
    /// Before replying to the writes of each loop iteration.
    Always,
    /// Once a second, on a background thread.
    EverySec,
    /// When the kernel decides.
    No,
}

impl AppendFsync {
    /// The config value.
    pub fn name(self) -> &'static str {
        match self {
            AppendFsync::Always => "always",
            AppendFsync::EverySec => "everysec",
            AppendFsync::No => "no",
        }
    }
}

/// Parses `save`: pairs of `seconds changes`; "" disables snapshots.
fn parse_save_rules(v: &str) -> Result<Vec<SaveRule>, String> {
    let words: Vec<&str> = v.split_whitespace().collect();
    if !words.len().is_multiple_of(2) {
        return Err("Invalid save parameters".into());
    }
    words
        .chunks(2)
        .map(|pair| {
            let n = |w: &str| {
                w.parse::<u64>()
                    .map_err(|_| "Invalid save parameters".to_string())
            };
            let seconds = n(pair[0])?;
            if seconds == 0 {
                return Err("Invalid save parameters".into());
            }
            Ok(SaveRule {
                seconds,
                changes: n(pair[1])?,
            })
        })
        .collect()
}

pub(crate) fn render_save_rules(rules: &[SaveRule]) -> String {
    rules
        .iter()
        .map(|r| format!("{} {}", r.seconds, r.changes))
        .collect::<Vec<_>>()
        .join(" ")
}

type Getter = fn(&Config) -> String;
type Setter = fn(&mut Config, &str) -> Result<(), String>;

/// One configuration parameter.
pub struct Param {
    /// Redis's name for it.
    pub name: &'static str,
    /// False for parameters only the file or command line may set.
    pub mutable: bool,
    /// Current value as CONFIG GET shows it.
    pub get: Getter,
    /// Parses and stores a value, or says why it is refused.
    pub set: Setter,
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.into()
}

fn parse_bool(v: &str) -> Result<bool, String> {
    match v.to_ascii_lowercase().as_str() {
        "yes" => Ok(true),
        "no" => Ok(false),
        _ => Err("argument must be 'yes' or 'no'".into()),
    }
}

/// Parses an integer parameter with Redis's rules and messages: digits
/// with an optional `-`, no `+`, spaces or leading zeros (string2ll), then
/// the range check.
fn parse_int(v: &str, min: i64, max: i64) -> Result<i64, String> {
    let Some(n) = crate::numbers::parse_canonical_i128(v) else {
        return Err("argument couldn't be parsed into an integer".into());
    };
    if n < min as i128 || n > max as i128 {
        return Err(format!(
            "argument must be between {min} and {max} inclusive"
        ));
    }
    Ok(n as i64)
}

/// Parses a memory amount: `100`, `100b`, `1k`, `1kb`, `100mb`, `1gb` (k = 1000,
/// kb = 1024, as in redis.conf; case-insensitive).
pub fn parse_memory(v: &str) -> Result<u64, String> {
    let err = || "argument must be a memory value".to_string();
    let lower = v.to_ascii_lowercase();
    let digits_end = lower
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(lower.len());
    let (num, unit) = lower.split_at(digits_end);
    // As Redis's memtoull: an empty value is 0.
    let n: u64 = if num.is_empty() && unit.is_empty() {
        0
    } else {
        num.parse().map_err(|_| err())?
    };
    let mul: u64 = match unit {
        "" | "b" => 1,
        "k" => 1000,
        "kb" => 1024,
        "m" => 1000 * 1000,
        "mb" => 1024 * 1024,
        "g" => 1000 * 1000 * 1000,
        "gb" => 1024 * 1024 * 1024,
        _ => return Err(err()),
    };
    n.checked_mul(mul).ok_or_else(err)
}

fn one_of(v: &str, options: &[&str]) -> Result<String, String> {
    options
        .iter()
        .find(|o| o.eq_ignore_ascii_case(v))
        .map(|o| o.to_string())
        .ok_or_else(|| {
            format!(
                "argument(s) must be one of the following: {}",
                options.join(", ")
            )
        })
}

macro_rules! int_param {
    ($name:literal, $field:ident, $ty:ty, $min:expr, $max:expr, $mutable:expr) => {
        Param {
            name: $name,
            mutable: $mutable,
            get: |c| c.$field.to_string(),
            set: |c, v| {
                c.$field = parse_int(v, $min, $max)? as $ty;
                Ok(())
            },
        }
    };
}

macro_rules! string_param {
    ($name:literal, $field:ident, $mutable:expr) => {
        Param {
            name: $name,
            mutable: $mutable,
            get: |c| c.$field.clone(),
            set: |c, v| {
                c.$field = v.to_string();
                Ok(())
            },
        }
    };
}

macro_rules! bool_param {
    ($name:literal, $field:ident, $mutable:expr) => {
        Param {
            name: $name,
            mutable: $mutable,
            get: |c| yes_no(c.$field),
            set: |c, v| {
                c.$field = parse_bool(v)?;
                Ok(())
            },
        }
    };
}

/// A file name inside a directory: no path separators, as Redis requires.
macro_rules! file_name_param {
    ($name:literal, $field:ident, $mutable:expr) => {
        Param {
            name: $name,
            mutable: $mutable,
            get: |c| c.$field.clone(),
            set: |c, v| {
                if v.is_empty() || v.contains('/') || v == "." || v == ".." {
                    return Err(format!("{} can't be a path, just a filename", $name));
                }
                c.$field = v.to_string();
                Ok(())
            },
        }
    };
}

/// A `u64` size in bytes that takes memory units (`64`, `1kb`), from `$min`
/// (default 0) to i64::MAX, refused with Redis's messages.
macro_rules! memory_u64_param {
    ($name:literal, $field:ident) => {
        memory_u64_param!($name, $field, 0)
    };
    ($name:literal, $field:ident, $min:expr) => {
        Param {
            name: $name,
            mutable: true,
            get: |c| c.$field.to_string(),
            set: |c, v| {
                let n = parse_memory(v)?;
                if n > i64::MAX as u64 {
                    return Err("argument must be a memory value".into());
                }
                let min: u64 = $min;
                if n < min {
                    return Err(format!(
                        "argument must be between {min} and {} inclusive",
                        i64::MAX
                    ));
                }
                c.$field = n;
                Ok(())
            },
        }
    };
}

/// A size in bytes that takes memory units (`64`, `1kb`), capped at i64::MAX.
macro_rules! memory_param {
    ($name:literal, $field:ident) => {
        Param {
            name: $name,
            mutable: true,
            get: |c| c.$field.to_string(),
            set: |c, v| {
                let n = parse_memory(v)?;
                if n > i64::MAX as u64 {
                    return Err("argument must be a memory value".into());
                }
                c.$field = n as usize;
                Ok(())
            },
        }
    };
}

/// hash-max-listpack-value (and its ziplist alias): a memory value in Redis,
/// so "1kb" works too.
fn set_hash_max_listpack_value(c: &mut Config, v: &str) -> Result<(), String> {
    let n = parse_memory(v)?;
    c.hash_max_listpack_value = usize::try_from(n.min(i64::MAX as u64)).unwrap_or(usize::MAX);
    Ok(())
}

/// hz bounds: CONFIG SET hz takes any non-negative int and clamps it, as
/// Redis's CONFIG_MIN_HZ / CONFIG_MAX_HZ.
const MIN_HZ: i64 = 1;
const MAX_HZ: i64 = 500;

/// A Redis 7.0 parameter that ferrocache accepts and shows, with Redis's
/// default and validation, but that has no effect here (replication,
/// cluster, TLS, defrag, lazy freeing, threads, syslog, ...). Listed in the
/// README's "Accepted, no effect" section. Values are kept as CONFIG GET
/// shows them.
pub enum Inert {
    /// yes / no.
    Bool(bool),
    /// An integer in `min..=max`.
    Int { default: i64, min: i64, max: i64 },
    /// A byte count with memory units (`1mb`) in `min..=max`.
    Memory { default: u64, min: u64, max: u64 },
    /// One of `options` (case-insensitive).
    Enum {
        default: &'static str,
        options: &'static [&'static str],
    },
    /// Any string.
    Str(&'static str),
    /// maxmemory-clients: a memory value or a percentage up to 100%.
    MemoryOrPercent,
    /// unixsocketperm: octal permissions, 0 to 0777.
    Octal,
    /// oom-score-adj-values: three integers in -2000..=2000.
    OomScoreAdjValues,
    /// latency-tracking-info-percentiles: numbers in 0..=100.
    Percentiles,
    /// shutdown-on-sigint/-sigterm: a set of SHUTDOWN flags (`default`,
    /// `save`, `nosave`, `now`, `force`).
    ShutdownFlags,
    /// repl-backlog-size: a memory value, raised to 16 KB as Redis does.
    ReplBacklogSize,
    /// cluster-announce-hostname: letters, digits, `-` and `.` only.
    Hostname,
    /// proc-title-template: `{variable}`s Redis knows, not empty.
    ProcTitle,
    /// activedefrag: `no` only, as a Redis built without its own jemalloc.
    NoDefrag,
}

/// The flags of shutdown-on-sigint/-sigterm, in Redis's order.
const SHUTDOWN_FLAGS: &[&str] = &["default", "save", "nosave", "now", "force"];

impl Inert {
    /// The value Redis 7.0 starts with, as CONFIG GET shows it.
    fn default_text(&self) -> String {
        match self {
            Inert::Bool(b) => yes_no(*b),
            Inert::Int { default, .. } => default.to_string(),
            Inert::Memory { default, .. } => default.to_string(),
            Inert::Enum { default, .. } => default.to_string(),
            Inert::Str(s) => s.to_string(),
            Inert::MemoryOrPercent | Inert::Octal => "0".into(),
            Inert::OomScoreAdjValues => "0 200 800".into(),
            Inert::Percentiles => "50 99 99.9".into(),
            Inert::ShutdownFlags => "default".into(),
            Inert::ReplBacklogSize => "1048576".into(),
            Inert::Hostname => String::new(),
            Inert::ProcTitle => "{title} {listen-addr} {server-mode}".into(),
            Inert::NoDefrag => "no".into(),
        }
    }

    /// Validates `v` with Redis's rules and messages; returns it as CONFIG
    /// GET will show it.
    fn parse(&self, v: &str) -> Result<String, String> {
        match self {
            Inert::Bool(_) => parse_bool(v).map(yes_no),
            Inert::Int { min, max, .. } => parse_int(v, *min, *max).map(|n| n.to_string()),
            Inert::Memory { min, max, .. } => {
                let n = parse_memory(v)?;
                if n < *min || n > *max {
                    return Err(format!(
                        "argument must be between {min} and {max} inclusive"
                    ));
                }
                Ok(n.to_string())
            }
            // Redis shows the first name of the value (oom-score-adj relative -> yes).
            Inert::Enum { options, .. } => {
                one_of(v, options).map(|o| if o == "relative" { "yes".into() } else { o })
            }
            Inert::Str(_) => Ok(v.to_string()),
            Inert::MemoryOrPercent => {
                let err = || "argument must be a memory or percent value".to_string();
                if let Some(p) = v.strip_suffix('%') {
                    let n = parse_int(p, 0, 100).map_err(|_| err())?;
                    return Ok(if n == 0 { "0".into() } else { format!("{n}%") });
                }
                let n = parse_memory(v).map_err(|_| err())?;
                if n > i64::MAX as u64 {
                    return Err(err());
                }
                Ok(n.to_string())
            }
            Inert::Octal => match u32::from_str_radix(v, 8) {
                Ok(n) if n <= 0o777 => Ok(format!("{n:o}")),
                _ => Err("argument must be between 0 and 511 inclusive".into()),
            },
            Inert::OomScoreAdjValues => {
                let words: Vec<&str> = v.split_whitespace().collect();
                if words.len() != 3 {
                    return Err("wrong number of arguments".into());
                }
                let values: Vec<i64> = words
                    .iter()
                    .map(|w| parse_int(w, -2000, 2000))
                    .collect::<Result<_, _>>()
                    .map_err(|_| {
                        "Invalid oom-score-adj-values, elements must be between -2000 and 2000."
                            .to_string()
                    })?;
                Ok(values
                    .iter()
                    .map(i64::to_string)
                    .collect::<Vec<_>>()
                    .join(" "))
            }
            Inert::Percentiles => {
                let mut shown = Vec::new();
                for w in v.split_whitespace() {
                    let p: f64 = w.parse().map_err(|_| {
                        "Invalid latency-tracking-info-percentiles parameters".to_string()
                    })?;
                    if !(0.0..=100.0).contains(&p) {
                        return Err("latency-tracking-info-percentiles parameters should sit between [0.0,100.0]".into());
                    }
                    shown.push(p.to_string());
                }
                Ok(shown.join(" "))
            }
            Inert::ReplBacklogSize => {
                let n = parse_memory(v)?;
                if !(1..=i64::MAX as u64).contains(&n) {
                    return Err(format!(
                        "argument must be between 1 and {} inclusive",
                        i64::MAX
                    ));
                }
                Ok(n.max(16 * 1024).to_string())
            }
            Inert::Hostname => {
                if !v
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
                {
                    return Err(
                        "Hostnames may only contain alphanumeric characters, hyphens or dots"
                            .into(),
                    );
                }
                Ok(v.to_string())
            }
            Inert::ProcTitle => {
                if !valid_proc_title(v) {
                    return Err("template format is invalid or contains unknown variables".into());
                }
                Ok(v.to_string())
            }
            Inert::NoDefrag => {
                if parse_bool(v)? {
                    return Err("Active defragmentation cannot be enabled: it requires a Redis server compiled with a modified Jemalloc like the one shipped by default with the Redis source distribution".into());
                }
                Ok("no".into())
            }
            Inert::ShutdownFlags => {
                if v.split_whitespace().next().is_none() {
                    return Err(one_of("", SHUTDOWN_FLAGS).unwrap_err());
                }
                let mut chosen = Vec::new();
                for w in v.split_whitespace() {
                    chosen.push(one_of(w, SHUTDOWN_FLAGS)?);
                }
                let has = |f: &str| chosen.iter().any(|c| c == f);
                if has("save") && has("nosave") {
                    return Err(
                        "shutdown options SAVE and NOSAVE can't be used simultaneously".into(),
                    );
                }
                let shown: Vec<&str> = SHUTDOWN_FLAGS[1..]
                    .iter()
                    .copied()
                    .filter(|f| has(f))
                    .collect();
                Ok(if shown.is_empty() {
                    "default".into()
                } else {
                    shown.join(" ")
                })
            }
        }
    }
}

/// A process title template Redis accepts: not blank, braces balanced,
/// only the variables Redis knows.
fn valid_proc_title(v: &str) -> bool {
    const VARS: &[&str] = &[
        "title",
        "listen-addr",
        "server-mode",
        "port",
        "tls-port",
        "unixsocket",
        "config-file",
    ];
    if v.trim().is_empty() {
        return false;
    }
    let mut rest = v;
    while let Some(open) = rest.find(['{', '}']) {
        if rest.as_bytes()[open] == b'}' {
            return false;
        }
        let Some(close) = rest[open..].find('}') else {
            return false;
        };
        if !VARS.contains(&&rest[open + 1..open + close]) {
            return false;
        }
        rest = &rest[open + close + 1..];
    }
    true
}

impl Config {
    /// The current value of inert parameter `key` (its default if never set).
    fn inert_get(&self, key: &'static str, kind: &Inert) -> String {
        self.inert
            .get(key)
            .cloned()
            .unwrap_or_else(|| kind.default_text())
    }

    /// Validates and stores a value of inert parameter `key`.
    fn inert_set(&mut self, key: &'static str, kind: &Inert, v: &str) -> Result<(), String> {
        let value = kind.parse(v)?;
        if let Some((_, feature)) = NOT_BUILT_YET.iter().find(|(name, _)| *name == key) {
            if value != kind.default_text() {
                return Err(format!(
                    "{feature} is not available in ferrocache yet: '{key}' only takes its default"
                ));
            }
        }
        self.inert.insert(key, value);
        Ok(())
    }
}

/// Inert parameters that turn on a feature ferrocache does not have yet:
/// accepted at their default only, since ignoring `replicaof host port` or
/// `tls-port 6380` would leave a user believing the server replicates or
/// encrypts. Each with the feature's name for the refusal.
const NOT_BUILT_YET: &[(&str, &str)] = &[
    ("tls-port", "TLS"),
    ("tls-replication", "TLS"),
    ("tls-cluster", "TLS"),
    ("aclfile", "ACL"),
    ("unixsocket", "listening on a unix socket"),
];

/// A parameter of [`Inert`] kind `$kind`; `"alias" => "primary"` shares the
/// primary's value, as Redis's aliases do.
macro_rules! inert {
    ($name:literal, $mutable:expr, $kind:expr) => {
        inert!($name => $name, $mutable, $kind)
    };
    ($name:literal => $key:literal, $mutable:expr, $kind:expr) => {
        Param {
            name: $name,
            mutable: $mutable,
            get: |c| c.inert_get($key, &$kind),
            set: |c, v| c.inert_set($key, &$kind, v),
        }
    };
}

/// Every parameter, in CONFIG GET order.
pub static PARAMS: &[Param] = &[
    int_param!("port", port, u16, 0, 65535, false),
    Param {
        name: "bind",
        mutable: false,
        get: |c| c.bind.clone(),
        set: |c, v| {
            if v.split_whitespace().next().is_none() {
                return Err("bind needs at least one address".into());
            }
            c.bind = v.split_whitespace().collect::<Vec<_>>().join(" ");
            Ok(())
        },
    },
    Param {
        name: "protected-mode",
        mutable: true,
        get: |c| yes_no(c.protected_mode),
        set: |c, v| {
            c.protected_mode = parse_bool(v)?;
            Ok(())
        },
    },
    string_param!("requirepass", requirepass, true),
    int_param!("databases", databases, usize, 1, 1_000_000, false),
    int_param!("maxclients", maxclients, usize, 1, 1_000_000, true),
    int_param!("timeout", timeout, u64, 0, i32::MAX as i64, true),
    int_param!(
        "tcp-keepalive",
        tcp_keepalive,
        u64,
        0,
        i32::MAX as i64,
        true
    ),
    Param {
        name: "loglevel",
        mutable: true,
        get: |c| c.loglevel.clone(),
        set: |c, v| {
            // The usual names (info, warn, error) work too; the message
            // lists Redis's.
            const REDIS_LEVELS: &[&str] = &["debug", "verbose", "notice", "warning"];
            c.loglevel = one_of(v, &[REDIS_LEVELS, &["info", "warn", "error"]].concat())
                .map_err(|_| one_of(v, REDIS_LEVELS).unwrap_err())?;
            Ok(())
        },
    },
    string_param!("logfile", logfile, false),
    Param {
        name: "maxmemory",
        mutable: true,
        get: |c| c.maxmemory.to_string(),
        set: |c, v| {
            c.maxmemory = parse_memory(v)?;
            Ok(())
        },
    },
    Param {
        name: "maxmemory-policy",
        mutable: true,
        get: |c| c.maxmemory_policy.name().into(),
        set: |c, v| {
            c.maxmemory_policy = Policy::parse(v).ok_or_else(|| {
                "argument(s) must be one of the following: volatile-lru, volatile-lfu, \
                 volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, \
                 noeviction"
                    .to_string()
            })?;
            Ok(())
        },
    },
    int_param!("maxmemory-samples", maxmemory_samples, usize, 1, 64, true),
    int_param!(
        "lfu-log-factor",
        lfu_log_factor,
        u32,
        0,
        i32::MAX as i64,
        true
    ),
    int_param!(
        "lfu-decay-time",
        lfu_decay_time,
        u32,
        0,
        i32::MAX as i64,
        true
    ),
    Param {
        name: "hz",
        mutable: true,
        get: |c| c.hz.to_string(),
        set: |c, v| {
            // As Redis's updateHZ: any int is accepted, then clamped to 1..=500.
            c.hz = parse_int(v, 0, i32::MAX as i64)?.clamp(MIN_HZ, MAX_HZ) as u32;
            Ok(())
        },
    },
    int_param!("tcp-backlog", tcp_backlog, i32, 0, i32::MAX as i64, false),
    int_param!(
        "active-expire-effort",
        active_expire_effort,
        u32,
        1,
        10,
        true
    ),
    int_param!(
        "zset-max-listpack-entries",
        zset_max_listpack_entries,
        usize,
        0,
        i64::MAX,
        true
    ),
    // Redis's older name, kept as an alias.
    int_param!(
        "zset-max-ziplist-entries",
        zset_max_listpack_entries,
        usize,
        0,
        i64::MAX,
        true
    ),
    memory_param!("zset-max-listpack-value", zset_max_listpack_value),
    memory_param!("zset-max-ziplist-value", zset_max_listpack_value),
    int_param!(
        "list-max-listpack-size",
        list_max_listpack_size,
        i32,
        i32::MIN as i64,
        i32::MAX as i64,
        true
    ),
    int_param!(
        "list-max-ziplist-size",
        list_max_listpack_size,
        i32,
        i32::MIN as i64,
        i32::MAX as i64,
        true
    ),
    int_param!(
        "list-compress-depth",
        list_compress_depth,
        i32,
        0,
        i32::MAX as i64,
        true
    ),
    Param {
        name: "save",
        mutable: true,
        get: |c| render_save_rules(&c.save),
        set: |c, v| {
            c.save = parse_save_rules(v)?;
            Ok(())
        },
    },
    bool_param!("appendonly", appendonly, true),
    Param {
        name: "appendfsync",
        mutable: true,
        get: |c| c.appendfsync.name().into(),
        set: |c, v| {
            c.appendfsync = match one_of(v, &["everysec", "always", "no"])?.as_str() {
                "always" => AppendFsync::Always,
                "everysec" => AppendFsync::EverySec,
                _ => AppendFsync::No,
            };
            Ok(())
        },
    },
    file_name_param!("appendfilename", appendfilename, false),
    file_name_param!("appenddirname", appenddirname, false),
    int_param!(
        "auto-aof-rewrite-percentage",
        auto_aof_rewrite_percentage,
        u64,
        0,
        i32::MAX as i64,
        true
    ),
    memory_u64_param!("auto-aof-rewrite-min-size", auto_aof_rewrite_min_size),
    bool_param!("aof-load-truncated", aof_load_truncated, true),
    bool_param!("aof-use-rdb-preamble", aof_use_rdb_preamble, true),
    Param {
        name: "dir",
        mutable: true,
        // Absolute, as Redis shows its working directory (default ".").
        get: |c| absolute_path(&c.dir),
        set: |c, v| {
            if !std::path::Path::new(v).is_dir() {
                return Err("No such file or directory".into());
            }
            c.dir = absolute_path(v);
            Ok(())
        },
    },
    file_name_param!("dbfilename", dbfilename, true),
    bool_param!("rdbcompression", rdbcompression, true),
    bool_param!("rdbchecksum", rdbchecksum, false),
    bool_param!(
        "stop-writes-on-bgsave-error",
        stop_writes_on_bgsave_error,
        true
    ),
    Param {
        name: "enable-protected-configs",
        mutable: false,
        get: |c| c.enable_protected_configs.clone(),
        set: |c, v| {
            c.enable_protected_configs = one_of(v, &["no", "yes", "local"])?;
            Ok(())
        },
    },
    memory_u64_param!("proto-max-bulk-len", proto_max_bulk_len, 1024 * 1024),
    memory_u64_param!(
        "client-query-buffer-limit",
        client_query_buffer_limit,
        1024 * 1024
    ),
    int_param!(
        "slowlog-log-slower-than",
        slowlog_log_slower_than,
        i64,
        i64::MIN,
        i64::MAX,
        true
    ),
    int_param!("slowlog-max-len", slowlog_max_len, usize, 0, i64::MAX, true),
    int_param!("metrics-port", metrics_port, u16, 0, 65535, false),
    int_param!(
        "latency-monitor-threshold",
        latency_monitor_threshold,
        u64,
        0,
        i64::MAX,
        true
    ),
    int_param!(
        "hash-max-listpack-entries",
        hash_max_listpack_entries,
        usize,
        0,
        i64::MAX,
        true
    ),
    Param {
        name: "notify-keyspace-events",
        mutable: true,
        get: |c| notify_events::flags_to_string(c.notify_keyspace_events),
        set: |c, v| {
            c.notify_keyspace_events = notify_events::parse_flags(v)?;
            Ok(())
        },
    },
    Param {
        name: "client-output-buffer-limit",
        mutable: true,
        get: |c| c.client_output_buffer_limit.render(),
        set: |c, v| c.client_output_buffer_limit.apply(v),
    },
    memory_u64_param!("hll-sparse-max-bytes", hll_sparse_max_bytes),
    Param {
        name: "hash-max-listpack-value",
        mutable: true,
        get: |c| c.hash_max_listpack_value.to_string(),
        set: set_hash_max_listpack_value,
    },
    // Redis's older names for the two above, still accepted.
    int_param!(
        "hash-max-ziplist-entries",
        hash_max_listpack_entries,
        usize,
        0,
        i64::MAX,
        true
    ),
    Param {
        name: "hash-max-ziplist-value",
        mutable: true,
        get: |c| c.hash_max_listpack_value.to_string(),
        set: set_hash_max_listpack_value,
    },
    int_param!(
        "set-max-intset-entries",
        set_max_intset_entries,
        usize,
        0,
        i64::MAX,
        true
    ),
    bool_param!("daemonize", daemonize, false),
    string_param!("pidfile", pidfile, false),
];

/// Redis 7.0's parameters that are accepted and shown but change nothing
/// here (see [`Inert`]; the README's "Accepted, no effect" lists them), in
/// CONFIG GET order after [`PARAMS`].
pub static INERT_PARAMS: &[Param] = &[
    inert!(
        "acl-pubsub-default",
        true,
        Inert::Enum {
            default: "resetchannels",
            options: &["allchannels", "resetchannels"]
        }
    ),
    inert!("aclfile", false, Inert::Str("")),
    inert!(
        "acllog-max-len",
        true,
        Inert::Int {
            default: 128,
            min: 0,
            max: i64::MAX
        }
    ),
    inert!(
        "active-defrag-cycle-max",
        true,
        Inert::Int {
            default: 25,
            min: 1,
            max: 99
        }
    ),
    inert!(
        "active-defrag-cycle-min",
        true,
        Inert::Int {
            default: 1,
            min: 1,
            max: 99
        }
    ),
    inert!(
        "active-defrag-ignore-bytes",
        true,
        Inert::Memory {
            default: 104857600,
            min: 1,
            max: i64::MAX as u64
        }
    ),
    inert!(
        "active-defrag-max-scan-fields",
        true,
        Inert::Int {
            default: 1000,
            min: 1,
            max: i64::MAX
        }
    ),
    inert!(
        "active-defrag-threshold-lower",
        true,
        Inert::Int {
            default: 10,
            min: 0,
            max: 1000
        }
    ),
    inert!(
        "active-defrag-threshold-upper",
        true,
        Inert::Int {
            default: 100,
            min: 0,
            max: 1000
        }
    ),
    inert!("activedefrag", true, Inert::NoDefrag),
    inert!("activerehashing", true, Inert::Bool(true)),
    inert!("always-show-logo", false, Inert::Bool(false)),
    inert!("aof-disable-auto-gc", true, Inert::Bool(false)),
    inert!("aof-rewrite-incremental-fsync", true, Inert::Bool(true)),
    inert!("aof-timestamp-enabled", true, Inert::Bool(false)),
    inert!("aof_rewrite_cpulist", false, Inert::Str("")),
    inert!("bgsave_cpulist", false, Inert::Str("")),
    inert!("bind-source-addr", true, Inert::Str("")),
    inert!("bio_cpulist", false, Inert::Str("")),
    inert!(
        "busy-reply-threshold",
        true,
        Inert::Int {
            default: 5000,
            min: 0,
            max: i64::MAX
        }
    ),
    inert!(
        "cluster-announce-tls-port",
        true,
        Inert::Int {
            default: 0,
            min: 0,
            max: 65535
        }
    ),
    inert!("crash-log-enabled", true, Inert::Bool(true)),
    inert!("crash-memcheck-enabled", true, Inert::Bool(true)),
    inert!("disable-thp", false, Inert::Bool(true)),
    inert!("dynamic-hz", true, Inert::Bool(true)),
    inert!(
        "enable-debug-command",
        false,
        Inert::Enum {
            default: "no",
            options: &["no", "yes", "local"]
        }
    ),
    inert!(
        "enable-module-command",
        false,
        Inert::Enum {
            default: "no",
            options: &["no", "yes", "local"]
        }
    ),
    inert!("ignore-warnings", true, Inert::Str("")),
    inert!(
        "io-threads",
        false,
        Inert::Int {
            default: 1,
            min: 1,
            max: 128
        }
    ),
    inert!("io-threads-do-reads", false, Inert::Bool(false)),
    inert!("jemalloc-bg-thread", true, Inert::Bool(true)),
    inert!("latency-tracking", true, Inert::Bool(true)),
    inert!(
        "latency-tracking-info-percentiles",
        true,
        Inert::Percentiles
    ),
    inert!("lazyfree-lazy-eviction", true, Inert::Bool(false)),
    inert!("lazyfree-lazy-expire", true, Inert::Bool(false)),
    inert!("lazyfree-lazy-server-del", true, Inert::Bool(false)),
    inert!("lazyfree-lazy-user-del", true, Inert::Bool(false)),
    inert!("lazyfree-lazy-user-flush", true, Inert::Bool(false)),
    inert!("lua-time-limit" => "busy-reply-threshold", true, Inert::Int { default: 5000, min: 0, max: i64::MAX }),
    inert!("maxmemory-clients", true, Inert::MemoryOrPercent),
    inert!(
        "maxmemory-eviction-tenacity",
        true,
        Inert::Int {
            default: 10,
            min: 0,
            max: 100
        }
    ),
    inert!("no-appendfsync-on-rewrite", true, Inert::Bool(false)),
    inert!(
        "oom-score-adj",
        true,
        Inert::Enum {
            default: "no",
            options: &["no", "yes", "relative", "absolute"]
        }
    ),
    inert!("oom-score-adj-values", true, Inert::OomScoreAdjValues),
    inert!(
        "propagation-error-behavior",
        true,
        Inert::Enum {
            default: "ignore",
            options: &["ignore", "panic", "panic-on-replicas"]
        }
    ),
    inert!("proc-title-template", true, Inert::ProcTitle),
    inert!("rdb-del-sync-files", true, Inert::Bool(false)),
    inert!("rdb-save-incremental-fsync", true, Inert::Bool(true)),
    inert!("repl-disable-tcp-nodelay", true, Inert::Bool(false)),
    inert!("replica-announced", true, Inert::Bool(true)),
    inert!("replica-ignore-disk-write-errors", true, Inert::Bool(false)),
    inert!("replica-ignore-maxmemory", true, Inert::Bool(true)),
    inert!("replica-lazy-flush", true, Inert::Bool(false)),
    inert!(
        "sanitize-dump-payload",
        true,
        Inert::Enum {
            default: "no",
            options: &["no", "yes", "clients"]
        }
    ),
    inert!("server_cpulist", false, Inert::Str("")),
    inert!("set-proc-title", false, Inert::Bool(true)),
    inert!("shutdown-on-sigint", true, Inert::ShutdownFlags),
    inert!("shutdown-on-sigterm", true, Inert::ShutdownFlags),
    inert!(
        "shutdown-timeout",
        true,
        Inert::Int {
            default: 10,
            min: 0,
            max: i32::MAX as i64
        }
    ),
    inert!("slave-ignore-maxmemory" => "replica-ignore-maxmemory", true, Inert::Bool(true)),
    inert!("slave-lazy-flush" => "replica-lazy-flush", true, Inert::Bool(false)),
    inert!(
        "socket-mark-id",
        false,
        Inert::Int {
            default: 0,
            min: 0,
            max: u32::MAX as i64
        }
    ),
    inert!(
        "stream-node-max-bytes",
        true,
        Inert::Memory {
            default: 4096,
            min: 0,
            max: i64::MAX as u64
        }
    ),
    inert!(
        "stream-node-max-entries",
        true,
        Inert::Int {
            default: 100,
            min: 0,
            max: i64::MAX
        }
    ),
    inert!(
        "supervised",
        false,
        Inert::Enum {
            default: "no",
            options: &["upstart", "systemd", "auto", "no"]
        }
    ),
    inert!("syslog-enabled", false, Inert::Bool(false)),
    inert!(
        "syslog-facility",
        false,
        Inert::Enum {
            default: "local0",
            options: &[
                "user", "local0", "local1", "local2", "local3", "local4", "local5", "local6",
                "local7"
            ]
        }
    ),
    inert!("syslog-ident", false, Inert::Str("redis")),
    inert!(
        "tls-auth-clients",
        true,
        Inert::Enum {
            default: "yes",
            options: &["no", "yes", "optional"]
        }
    ),
    inert!("tls-ca-cert-dir", true, Inert::Str("")),
    inert!("tls-ca-cert-file", true, Inert::Str("")),
    inert!("tls-cert-file", true, Inert::Str("")),
    inert!("tls-ciphers", true, Inert::Str("")),
    inert!("tls-ciphersuites", true, Inert::Str("")),
    inert!("tls-client-cert-file", true, Inert::Str("")),
    inert!("tls-client-key-file", true, Inert::Str("")),
    inert!("tls-client-key-file-pass", true, Inert::Str("")),
    inert!("tls-cluster", true, Inert::Bool(false)),
    inert!("tls-dh-params-file", true, Inert::Str("")),
    inert!("tls-key-file", true, Inert::Str("")),
    inert!("tls-key-file-pass", true, Inert::Str("")),
    inert!(
        "tls-port",
        true,
        Inert::Int {
            default: 0,
            min: 0,
            max: 65535
        }
    ),
    inert!("tls-prefer-server-ciphers", true, Inert::Bool(false)),
    inert!("tls-protocols", true, Inert::Str("")),
    inert!("tls-replication", true, Inert::Bool(false)),
    inert!(
        "tls-session-cache-size",
        true,
        Inert::Int {
            default: 20480,
            min: 0,
            max: i32::MAX as i64
        }
    ),
    inert!(
        "tls-session-cache-timeout",
        true,
        Inert::Int {
            default: 300,
            min: 0,
            max: i32::MAX as i64
        }
    ),
    inert!("tls-session-caching", true, Inert::Bool(true)),
    inert!(
        "tracking-table-max-keys",
        true,
        Inert::Int {
            default: 1000000,
            min: 0,
            max: i64::MAX
        }
    ),
    inert!("unixsocket", false, Inert::Str("")),
    inert!("unixsocketperm", false, Inert::Octal),
];

/// One client class's output limits: disconnect beyond `hard` bytes, or
/// beyond `soft` bytes for more than `soft_seconds` (0 = no limit).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutputLimit {
    pub hard: u64,
    pub soft: u64,
    pub soft_seconds: u64,
}

/// client-output-buffer-limit: per class (normal, replica, pubsub).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutputBufferLimits {
    pub normal: OutputLimit,
    pub replica: OutputLimit,
    pub pubsub: OutputLimit,
}

impl Default for OutputBufferLimits {
    fn default() -> Self {
        const MB: u64 = 1024 * 1024;
        OutputBufferLimits {
            normal: OutputLimit {
                hard: 0,
                soft: 0,
                soft_seconds: 0,
            },
            replica: OutputLimit {
                hard: 256 * MB,
                soft: 64 * MB,
                soft_seconds: 60,
            },
            pubsub: OutputLimit {
                hard: 32 * MB,
                soft: 8 * MB,
                soft_seconds: 60,
            },
        }
    }
}

impl OutputBufferLimits {
    /// As CONFIG GET shows it: `normal 0 0 0 slave 268435456 67108864 60 pubsub ...`.
    pub fn render(&self) -> String {
        let f = |l: &OutputLimit| format!("{} {} {}", l.hard, l.soft, l.soft_seconds);
        format!(
            "normal {} slave {} pubsub {}",
            f(&self.normal),
            f(&self.replica),
            f(&self.pubsub)
        )
    }

    /// Applies `class hard soft seconds` groups (any subset of classes).
    pub fn apply(&mut self, v: &str) -> Result<(), String> {
        let words: Vec<&str> = v.split_whitespace().collect();
        if words.is_empty() || !words.len().is_multiple_of(4) {
            return Err("Wrong number of arguments in buffer limit configuration.".into());
        }
        let mut updated = *self;
        for group in words.chunks(4) {
            let limit = OutputLimit {
                hard: parse_memory(group[1]).map_err(|_| {
                    "Error in hard, soft or soft_seconds setting in buffer limit configuration."
                        .to_string()
                })?,
                soft: parse_memory(group[2]).map_err(|_| {
                    "Error in hard, soft or soft_seconds setting in buffer limit configuration."
                        .to_string()
                })?,
                soft_seconds: group[3].parse().map_err(|_| {
                    "Error in hard, soft or soft_seconds setting in buffer limit configuration."
                        .to_string()
                })?,
            };
            match group[0].to_ascii_lowercase().as_str() {
                "normal" => updated.normal = limit,
                "slave" | "replica" => updated.replica = limit,
                "pubsub" => updated.pubsub = limit,
                other => {
                    return Err(format!(
                        "Invalid client class specified in buffer limit configuration.: '{other}'"
                    ))
                }
            }
        }
        *self = updated;
        Ok(())
    }
}

/// Parameters CONFIG SET changes only when enable-protected-configs allows
/// (they pick where the server writes files).
pub const PROTECTED: &[&str] = &["dir", "dbfilename"];

/// Every parameter: the working ones, then the inert ones.
pub fn all_params() -> impl Iterator<Item = &'static Param> {
    PARAMS
        .iter()
        .chain(replication::LEADER_PARAMS)
        .chain(replica::REPLICA_PARAMS)
        .chain(cluster::CLUSTER_PARAMS)
        .chain(INERT_PARAMS)
}

/// The parameter called `name` (case-insensitive).
pub fn find_param(name: &str) -> Option<&'static Param> {
    all_params().find(|p| p.name.eq_ignore_ascii_case(name))
}

impl Config {
    /// Sets `name` to `value` as the file or the command line would.
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), String> {
        let p = find_param(name).ok_or_else(|| format!("unknown field '{name}'"))?;
        (p.set)(self, value).map_err(|e| format!("field '{}': {e}", p.name))
    }

    /// Every (name, value) whose name matches the glob `pattern` (CONFIG GET).
    pub fn matching(&self, pattern: &[u8]) -> Vec<(&'static str, String)> {
        all_params()
            .filter(|p| glob_match_nocase(pattern, p.name.as_bytes(), true))
            .map(|p| (p.name, (p.get)(self)))
            .collect()
    }

    /// Loads a YAML file: a mapping of parameter names to scalars (or lists,
    /// joined by spaces, for `bind` and `save`).
    pub fn load_yaml(&mut self, path: &str) -> Result<(), String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("config file {path}: {e}"))?;
        self.apply_yaml(&text)
            .map_err(|e| format!("config file {path}: {e}"))?;
        self.config_file = absolute_path(path);
        self.config_format = ConfigFormat::Yaml;
        Ok(())
    }

    /// Loads the start-up configuration as `redis-server [file] [--name
    /// value ...]` does: `file` (ferrocache's YAML when named `.yaml` or
    /// `.yml`, redis.conf otherwise), then the options as more redis.conf
    /// lines. Returns the configuration and the names of the directives
    /// read that have no effect in ferrocache; an error says how to print
    /// it (Redis's "FATAL CONFIG FILE ERROR" block for redis.conf lines).
    pub fn load_start(
        file: Option<&str>,
        options: &[String],
    ) -> Result<(Config, Vec<String>), ConfError> {
        let mut config = Config::default();
        let mut lines_before = 0;
        let is_yaml = file.is_some_and(|f| f.ends_with(".yaml") || f.ends_with(".yml"));
        if let (Some(path), true) = (file, is_yaml) {
            config.load_yaml(path)?;
            lines_before =
                std::fs::read(path).map_or(0, |t| t.iter().filter(|&&b| b == b'\n').count());
        }
        let mut loader = redis_conf::Loader::new(&mut config);
        if let (Some(path), false) = (file, is_yaml) {
            loader.load_file(path)?;
            lines_before =
                std::fs::read(path).map_or(0, |t| t.iter().filter(|&&b| b == b'\n').count());
        }
        loader.load_options(options, lines_before)?;
        let inert = std::mem::take(&mut loader.inert_seen);
        if let (Some(path), false) = (file, is_yaml) {
            config.config_file = absolute_path(path);
            config.config_format = ConfigFormat::RedisConf;
        }
        Ok((config, inert))
    }

    /// CONFIG REWRITE: writes the running configuration back to the start
    /// file in its format (see `rewrite` and `yaml_rewrite`). Errors carry
    /// Redis's texts, without the `ERR ` prefix.
    pub fn rewrite(&self) -> Result<(), String> {
        if self.config_file.is_empty() {
            return Err("The server is running without a config file".into());
        }
        let io_err =
            |e: std::io::Error| format!("Rewriting config file: {}", redis_conf::os_error(&e));
        let old = match std::fs::read(&self.config_file) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(io_err(e)),
        };
        let new = match self.config_format {
            ConfigFormat::RedisConf => rewrite::rewrite_redis_conf(&old, self),
            ConfigFormat::Yaml => {
                yaml_rewrite::rewrite_yaml(&String::from_utf8_lossy(&old), self).into_bytes()
            }
        };
        rewrite::write_atomically(&self.config_file, &new).map_err(io_err)
    }

    /// Applies YAML text (see `load_yaml`).
    pub fn apply_yaml(&mut self, text: &str) -> Result<(), String> {
        let value: serde_yaml::Value = serde_yaml::from_str(text).map_err(|e| e.to_string())?;
        let map = match value {
            serde_yaml::Value::Null => return Ok(()),
            serde_yaml::Value::Mapping(m) => m,
            _ => return Err("expected a mapping of parameter names to values".into()),
        };
        for (k, v) in map {
            let name = match k {
                serde_yaml::Value::String(s) => s,
                other => return Err(format!("field name {other:?} is not a string")),
            };
            let value = yaml_scalar(&v).map_err(|e| format!("field '{name}': {e}"))?;
            self.set(&name, &value)?;
        }
        Ok(())
    }
}

/// `path` made absolute, as Redis keeps its config file's name.
fn absolute_path(path: &str) -> String {
    std::fs::canonicalize(path)
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| path.to_string())
}

fn yaml_scalar(v: &serde_yaml::Value) -> Result<String, String> {
    use serde_yaml::Value as Y;
    Ok(match v {
        Y::Null => String::new(),
        Y::Bool(b) => yes_no(*b),
        Y::Number(n) => n.to_string(),
        Y::String(s) => s.clone(),
        Y::Sequence(items) => items
            .iter()
            .map(yaml_scalar)
            .collect::<Result<Vec<_>, _>>()?
            .join(" "),
        _ => return Err("expected a scalar or a list".into()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_units() {
        assert_eq!(parse_memory("100"), Ok(100));
        assert_eq!(parse_memory("1kb"), Ok(1024));
        assert_eq!(parse_memory("1k"), Ok(1000));
        assert_eq!(parse_memory("100mb"), Ok(100 * 1024 * 1024));
        assert_eq!(parse_memory("1GB"), Ok(1024 * 1024 * 1024));
        assert!(parse_memory("abc").is_err());
        assert!(parse_memory("-1").is_err());
        assert!(parse_memory("10tb").is_err());
    }

    #[test]
    fn overrides_and_errors_name_the_field() {
        let options: Vec<String> = [
            "--port",
            "7000",
            "--maxmemory",
            "100mb",
            "--save",
            "",
            "--appendonly",
            "no",
        ]
        .map(String::from)
        .to_vec();
        let (mut c, _) = Config::load_start(None, &options).unwrap();
        assert_eq!(c.port, 7000);
        assert_eq!(c.maxmemory, 100 * 1024 * 1024);
        let e = c.set("port", "99999").unwrap_err();
        assert!(e.contains("'port'"), "{e}");
        let e = c.set("nosuch", "1").unwrap_err();
        assert!(e.contains("'nosuch'"), "{e}");
        let e = c.set("save", "3600").unwrap_err();
        assert!(e.contains("save"), "{e}");
        c.set("save", "3600 1 60 1000").unwrap();
        let save = find_param("save").unwrap().get;
        assert_eq!(save(&Config::default()), "3600 1 300 100 60 10000");
        assert_eq!(save(&c), "3600 1 60 1000");
        let e = c.set("dbfilename", "../x.rdb").unwrap_err();
        assert!(e.contains("filename"), "{e}");
    }

    #[test]
    fn the_shipped_yaml_file_loads_and_documents_every_parameter() {
        let text = include_str!("../conf/ferrocache.yaml");
        let mut c = Config::default();
        c.apply_yaml(text).unwrap();
        for p in PARAMS {
            // Redis's old *-ziplist-* names are mentioned as aliases.
            let documented = text.contains(p.name) || p.name.contains("ziplist");
            assert!(documented, "{} is not in conf/ferrocache.yaml", p.name);
        }
    }

    #[test]
    fn output_buffer_limits_parse_and_render() {
        let mut c = Config::default();
        assert_eq!(
            c.client_output_buffer_limit.render(),
            "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"
        );
        c.set("client-output-buffer-limit", "pubsub 1mb 512kb 10")
            .unwrap();
        assert_eq!(c.client_output_buffer_limit.pubsub.hard, 1024 * 1024);
        assert_eq!(c.client_output_buffer_limit.pubsub.soft, 512 * 1024);
        assert!(c.set("client-output-buffer-limit", "pubsub 1mb").is_err());
        assert!(c.set("client-output-buffer-limit", "weird 1 1 1").is_err());
    }

    #[test]
    fn yaml_file_fields() {
        let mut c = Config::default();
        c.apply_yaml("port: 7001\nprotected-mode: no\nmaxmemory: 1gb\nbind: [127.0.0.1, \"::1\"]\nsave: \"\"\n")
            .unwrap();
        assert_eq!(c.port, 7001);
        assert!(!c.protected_mode);
        assert_eq!(c.bind, "127.0.0.1 ::1");
        let e = c.apply_yaml("portt: 1\n").unwrap_err();
        assert!(e.contains("'portt'"), "{e}");
        let e = c.apply_yaml("maxmemory-policy: lru\n").unwrap_err();
        assert!(e.contains("'maxmemory-policy'"), "{e}");
    }

    #[test]
    fn config_get_globs() {
        let c = Config::default();
        let names: Vec<_> = c
            .matching(b"maxmemory*")
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        assert!(names.contains(&"maxmemory-policy"));
        assert!(names.contains(&"maxmemory"));
    }

    #[test]
    fn encoding_thresholds_and_their_aliases() {
        let mut c = Config::default();
        assert_eq!(
            (
                c.hash_max_listpack_entries,
                c.hash_max_listpack_value,
                c.set_max_intset_entries
            ),
            (512, 64, 512)
        );
        c.set("hash-max-ziplist-entries", "5").unwrap();
        c.set("hash-max-ziplist-value", "9").unwrap();
        c.set("set-max-intset-entries", "0").unwrap();
        assert_eq!(
            (
                c.hash_max_listpack_entries,
                c.hash_max_listpack_value,
                c.set_max_intset_entries
            ),
            (5, 9, 0)
        );
        let names: Vec<_> = c.matching(b"hash-max-*").into_iter().collect();
        assert_eq!(names.len(), 4);
        assert!(names.contains(&("hash-max-listpack-entries", "5".to_string())));
        assert!(c.set("hash-max-listpack-value", "-1").is_err());
        c.set("hash-max-listpack-value", "1kb").unwrap();
        assert_eq!(c.hash_max_listpack_value, 1024);
        assert!(c.set("set-max-intset-entries", "x").is_err());
    }
}
