//! Configuration: one table of parameters drives the YAML file, the
//! command-line overrides (`--port 7000`) and CONFIG GET/SET, so that all three
//! accept the same names and values and reject bad ones with the same message.
//!
//! Every parameter, with its default, is documented in `conf/ferrocache.yaml`.

use crate::store::evict::Policy;
use crate::store::glob::glob_match_nocase;

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
    /// Most fields a hash keeps in its compact listpack encoding.
    pub hash_max_listpack_entries: usize,
    /// Longest field or value (bytes) a hash keeps in its listpack encoding.
    pub hash_max_listpack_value: usize,
    /// Most members a set of integers keeps in its intset encoding.
    pub set_max_intset_entries: usize,
    /// The YAML file the server started from, if any (INFO config_file).
    pub config_file: String,
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
            hash_max_listpack_entries: 512,
            hash_max_listpack_value: 64,
            set_max_intset_entries: 512,
            config_file: String::new(),
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
            Ok(SaveRule {
                seconds: n(pair[0])?,
                changes: n(pair[1])?,
            })
        })
        .collect()
}

fn render_save_rules(rules: &[SaveRule]) -> String {
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

fn parse_int(v: &str, min: i64, max: i64) -> Result<i64, String> {
    match v.parse::<i64>() {
        Ok(n) if n >= min && n <= max => Ok(n),
        _ => Err(format!(
            "argument must be between {min} and {max} inclusive"
        )),
    }
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
    let n: u64 = num.parse().map_err(|_| err())?;
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
            c.loglevel = one_of(
                v,
                &[
                    "debug", "verbose", "notice", "warning", "info", "warn", "error",
                ],
            )?;
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
    int_param!("hz", hz, u32, 1, 500, true),
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
            c.appendfsync = match one_of(v, &["always", "everysec", "no"])?.as_str() {
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
        i64::MAX,
        true
    ),
    memory_u64_param!("auto-aof-rewrite-min-size", auto_aof_rewrite_min_size),
    bool_param!("aof-load-truncated", aof_load_truncated, true),
    bool_param!("aof-use-rdb-preamble", aof_use_rdb_preamble, true),
    Param {
        name: "dir",
        mutable: true,
        get: |c| c.dir.clone(),
        set: |c, v| {
            if !std::path::Path::new(v).is_dir() {
                return Err("No such file or directory".into());
            }
            c.dir = v.to_string();
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
        get: |c| crate::server::notify_flags_to_string(c.notify_keyspace_events),
        set: |c, v| {
            c.notify_keyspace_events = crate::server::parse_notify_flags(v)?;
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
    Param {
        name: "daemonize",
        mutable: false,
        get: |c| yes_no(c.daemonize),
        set: |c, v| {
            if parse_bool(v)? {
                return Err("daemonize is not supported: run ferrocache under a supervisor".into());
            }
            c.daemonize = false;
            Ok(())
        },
    },
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

/// The parameter called `name` (case-insensitive).
pub fn find_param(name: &str) -> Option<&'static Param> {
    PARAMS.iter().find(|p| p.name.eq_ignore_ascii_case(name))
}

impl Config {
    /// Sets `name` to `value` as the file or the command line would.
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), String> {
        let p = find_param(name).ok_or_else(|| format!("unknown field '{name}'"))?;
        (p.set)(self, value).map_err(|e| format!("field '{}': {e}", p.name))
    }

    /// Every (name, value) whose name matches the glob `pattern` (CONFIG GET).
    pub fn matching(&self, pattern: &[u8]) -> Vec<(&'static str, String)> {
        PARAMS
            .iter()
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
        self.config_file = std::fs::canonicalize(path)
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| path.to_string());
        Ok(())
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

    /// Applies redis-server-style overrides: `--name value [value ...]`.
    pub fn apply_overrides(&mut self, args: &[String]) -> Result<(), String> {
        let mut i = 0;
        while i < args.len() {
            let Some(name) = args[i].strip_prefix("--") else {
                return Err(format!("unexpected argument '{}'", args[i]));
            };
            i += 1;
            let mut values = Vec::new();
            while i < args.len() && !(args[i].starts_with("--") && args[i].len() > 2) {
                values.push(args[i].as_str());
                i += 1;
            }
            self.set(name, &values.join(" "))?;
        }
        Ok(())
    }
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
        let mut c = Config::default();
        c.apply_overrides(&[
            "--port".into(),
            "7000".into(),
            "--maxmemory".into(),
            "100mb".into(),
            "--save".into(),
            "".into(),
            "--appendonly".into(),
            "no".into(),
        ])
        .unwrap();
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
