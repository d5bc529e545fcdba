//! CONFIG GET/SET against redis-server 7.0's parameter set: every name it
//! lists is accepted, the inert ones with Redis's defaults and validation,
//! hz clamps as Redis's, tcp-backlog reaches listen().

mod support;

use std::process::Command;
use support::{check, Server, TempDir};

/// Every name `redis-cli CONFIG GET '*'` lists on redis-server 7.0.15.
const REDIS_7_0_PARAMS: &[&str] = &[
    "acl-pubsub-default",
    "aclfile",
    "acllog-max-len",
    "active-defrag-cycle-max",
    "active-defrag-cycle-min",
    "active-defrag-ignore-bytes",
    "active-defrag-max-scan-fields",
    "active-defrag-threshold-lower",
    "active-defrag-threshold-upper",
    "active-expire-effort",
    "activedefrag",
    "activerehashing",
    "always-show-logo",
    "aof-disable-auto-gc",
    "aof-load-truncated",
    "aof-rewrite-incremental-fsync",
    "aof-timestamp-enabled",
    "aof-use-rdb-preamble",
    "aof_rewrite_cpulist",
    "appenddirname",
    "appendfilename",
    "appendfsync",
    "appendonly",
    "auto-aof-rewrite-min-size",
    "auto-aof-rewrite-percentage",
    "bgsave_cpulist",
    "bind",
    "bind-source-addr",
    "bio_cpulist",
    "busy-reply-threshold",
    "client-output-buffer-limit",
    "client-query-buffer-limit",
    "cluster-allow-pubsubshard-when-down",
    "cluster-allow-reads-when-down",
    "cluster-allow-replica-migration",
    "cluster-announce-bus-port",
    "cluster-announce-hostname",
    "cluster-announce-ip",
    "cluster-announce-port",
    "cluster-announce-tls-port",
    "cluster-config-file",
    "cluster-enabled",
    "cluster-link-sendbuf-limit",
    "cluster-migration-barrier",
    "cluster-node-timeout",
    "cluster-port",
    "cluster-preferred-endpoint-type",
    "cluster-replica-no-failover",
    "cluster-replica-validity-factor",
    "cluster-require-full-coverage",
    "cluster-slave-no-failover",
    "cluster-slave-validity-factor",
    "crash-log-enabled",
    "crash-memcheck-enabled",
    "daemonize",
    "databases",
    "dbfilename",
    "dir",
    "disable-thp",
    "dynamic-hz",
    "enable-debug-command",
    "enable-module-command",
    "enable-protected-configs",
    "hash-max-listpack-entries",
    "hash-max-listpack-value",
    "hash-max-ziplist-entries",
    "hash-max-ziplist-value",
    "hll-sparse-max-bytes",
    "hz",
    "ignore-warnings",
    "io-threads",
    "io-threads-do-reads",
    "jemalloc-bg-thread",
    "latency-monitor-threshold",
    "latency-tracking",
    "latency-tracking-info-percentiles",
    "lazyfree-lazy-eviction",
    "lazyfree-lazy-expire",
    "lazyfree-lazy-server-del",
    "lazyfree-lazy-user-del",
    "lazyfree-lazy-user-flush",
    "lfu-decay-time",
    "lfu-log-factor",
    "list-compress-depth",
    "list-max-listpack-size",
    "list-max-ziplist-size",
    "logfile",
    "loglevel",
    "lua-time-limit",
    "masterauth",
    "masteruser",
    "maxclients",
    "maxmemory",
    "maxmemory-clients",
    "maxmemory-eviction-tenacity",
    "maxmemory-policy",
    "maxmemory-samples",
    "min-replicas-max-lag",
    "min-replicas-to-write",
    "min-slaves-max-lag",
    "min-slaves-to-write",
    "no-appendfsync-on-rewrite",
    "notify-keyspace-events",
    "oom-score-adj",
    "oom-score-adj-values",
    "pidfile",
    "port",
    "proc-title-template",
    "propagation-error-behavior",
    "protected-mode",
    "proto-max-bulk-len",
    "rdb-del-sync-files",
    "rdb-save-incremental-fsync",
    "rdbchecksum",
    "rdbcompression",
    "repl-backlog-size",
    "repl-backlog-ttl",
    "repl-disable-tcp-nodelay",
    "repl-diskless-load",
    "repl-diskless-sync",
    "repl-diskless-sync-delay",
    "repl-diskless-sync-max-replicas",
    "repl-ping-replica-period",
    "repl-ping-slave-period",
    "repl-timeout",
    "replica-announce-ip",
    "replica-announce-port",
    "replica-announced",
    "replica-ignore-disk-write-errors",
    "replica-ignore-maxmemory",
    "replica-lazy-flush",
    "replica-priority",
    "replica-read-only",
    "replica-serve-stale-data",
    "replicaof",
    "requirepass",
    "sanitize-dump-payload",
    "save",
    "server_cpulist",
    "set-max-intset-entries",
    "set-proc-title",
    "shutdown-on-sigint",
    "shutdown-on-sigterm",
    "shutdown-timeout",
    "slave-announce-ip",
    "slave-announce-port",
    "slave-ignore-maxmemory",
    "slave-lazy-flush",
    "slave-priority",
    "slave-read-only",
    "slave-serve-stale-data",
    "slaveof",
    "slowlog-log-slower-than",
    "slowlog-max-len",
    "socket-mark-id",
    "stop-writes-on-bgsave-error",
    "stream-node-max-bytes",
    "stream-node-max-entries",
    "supervised",
    "syslog-enabled",
    "syslog-facility",
    "syslog-ident",
    "tcp-backlog",
    "tcp-keepalive",
    "timeout",
    "tls-auth-clients",
    "tls-ca-cert-dir",
    "tls-ca-cert-file",
    "tls-cert-file",
    "tls-ciphers",
    "tls-ciphersuites",
    "tls-client-cert-file",
    "tls-client-key-file",
    "tls-client-key-file-pass",
    "tls-cluster",
    "tls-dh-params-file",
    "tls-key-file",
    "tls-key-file-pass",
    "tls-port",
    "tls-prefer-server-ciphers",
    "tls-protocols",
    "tls-replication",
    "tls-session-cache-size",
    "tls-session-cache-timeout",
    "tls-session-caching",
    "tracking-table-max-keys",
    "unixsocket",
    "unixsocketperm",
    "zset-max-listpack-entries",
    "zset-max-listpack-value",
    "zset-max-ziplist-entries",
    "zset-max-ziplist-value",
];

/// The (name, value) pairs of a CONFIG GET reply (RESP2 flat array).
fn config_get(srv: &Server, pattern: &str) -> Vec<(String, String)> {
    let mut c = srv.client();
    let flat: Vec<String> = redis::cmd("CONFIG")
        .arg("GET")
        .arg(pattern)
        .query(&mut c)
        .unwrap();
    flat.chunks(2)
        .map(|p| (p[0].clone(), p[1].clone()))
        .collect()
}

#[test]
fn config_get_lists_and_returns_every_redis_parameter() {
    let srv = Server::start(&[]);
    let all = config_get(&srv, "*");
    let names: Vec<&str> = all.iter().map(|(n, _)| n.as_str()).collect();
    for name in REDIS_7_0_PARAMS {
        assert!(names.contains(name), "CONFIG GET * lacks {name}");
        let one = config_get(&srv, name);
        assert_eq!(one.len(), 1, "CONFIG GET {name}: {one:?}");
        assert_eq!(one[0].0, *name);
    }
    // Only ferrocache's own metrics-port is extra.
    let extra: Vec<&&str> = names
        .iter()
        .filter(|n| !REDIS_7_0_PARAMS.contains(n))
        .collect();
    assert_eq!(extra, [&"metrics-port"]);
}

#[test]
fn inert_parameters_have_redis_defaults_and_validation() {
    let srv = Server::start(&[]);
    let get = |name: &str| config_get(&srv, name)[0].1.clone();
    // Redis 7.0.15's defaults.
    for (name, value) in [
        ("tcp-backlog", "511"),
        ("io-threads", "1"),
        ("maxmemory-clients", "0"),
        ("maxmemory-eviction-tenacity", "10"),
        ("lazyfree-lazy-eviction", "no"),
        ("supervised", "no"),
        ("repl-backlog-size", "1048576"),
        ("oom-score-adj-values", "0 200 800"),
        ("latency-tracking-info-percentiles", "50 99 99.9"),
        ("proc-title-template", "{title} {listen-addr} {server-mode}"),
        ("shutdown-on-sigterm", "default"),
        ("replicaof", ""),
    ] {
        assert_eq!(get(name), value, "{name}");
    }
    let mut r = srv.raw();
    let failed = |name: &str, why: &str| {
        format!("-ERR CONFIG SET failed (possibly related to argument '{name}') - {why}\r\n")
    };
    // Replies as redis-server 7.0.15 gives them.
    check(
        &mut r,
        &["CONFIG", "SET", "tcp-backlog", "100"],
        &failed("tcp-backlog", "can't set immutable config"),
    );
    check(
        &mut r,
        &["CONFIG", "SET", "list-compress-depth", "01"],
        &failed(
            "list-compress-depth",
            "argument couldn't be parsed into an integer",
        ),
    );
    check(
        &mut r,
        &["CONFIG", "SET", "maxmemory-eviction-tenacity", "101"],
        &failed(
            "maxmemory-eviction-tenacity",
            "argument must be between 0 and 100 inclusive",
        ),
    );
    check(
        &mut r,
        &["CONFIG", "SET", "activerehashing", "maybe"],
        &failed("activerehashing", "argument must be 'yes' or 'no'"),
    );
    check(
        &mut r,
        &["CONFIG", "SET", "repl-diskless-load", "bad"],
        &failed(
            "repl-diskless-load",
            "argument(s) must be one of the following: disabled, on-empty-db, swapdb",
        ),
    );
    check(
        &mut r,
        &["CONFIG", "SET", "maxmemory-clients", "101%"],
        &failed(
            "maxmemory-clients",
            "argument must be a memory or percent value",
        ),
    );
    check(
        &mut r,
        &["CONFIG", "SET", "shutdown-on-sigint", "save nosave"],
        &failed(
            "shutdown-on-sigint",
            "shutdown options SAVE and NOSAVE can't be used simultaneously",
        ),
    );
    // Accepted values read back as Redis shows them; aliases share a value.
    check(
        &mut r,
        &[
            "CONFIG",
            "SET",
            "maxmemory-clients",
            "10%",
            "repl-backlog-size",
            "1",
            "slave-read-only",
            "NO",
            "oom-score-adj",
            "relative",
        ],
        "+OK\r\n",
    );
    assert_eq!(get("maxmemory-clients"), "10%");
    assert_eq!(get("repl-backlog-size"), "16384");
    assert_eq!(get("replica-read-only"), "no");
    assert_eq!(get("oom-score-adj"), "yes");
    check(
        &mut r,
        &["CONFIG", "SET", "shutdown-on-sigint", "now NOSAVE"],
        "+OK\r\n",
    );
    assert_eq!(get("shutdown-on-sigint"), "nosave now");
}

#[test]
fn hz_is_clamped_like_redis() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    // redis-server 7.0.15: OK, then CONFIG GET hz says 500 (and 1 for 0).
    check(&mut r, &["CONFIG", "SET", "hz", "1000"], "+OK\r\n");
    assert_eq!(
        config_get(&srv, "hz"),
        [("hz".to_string(), "500".to_string())]
    );
    assert_eq!(srv.info_field("server", "hz"), "500");
    check(&mut r, &["CONFIG", "SET", "hz", "0"], "+OK\r\n");
    assert_eq!(config_get(&srv, "hz")[0].1, "1");
    check(
        &mut r,
        &["CONFIG", "SET", "hz", "-1"],
        "-ERR CONFIG SET failed (possibly related to argument 'hz') - argument must be between 0 and 2147483647 inclusive\r\n",
    );
    let srv = Server::start(&["--hz", "100000"]);
    assert_eq!(config_get(&srv, "hz")[0].1, "500");
}

/// The listen queue length of the socket listening on `port`, from `ss`
/// (Send-Q of a listening socket is its backlog).
fn listen_backlog(port: u16) -> u32 {
    let out = Command::new("ss")
        .args(["-ltnH", &format!("sport = :{port}")])
        .output()
        .expect("ss (iproute2) is needed for this test");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let line = text
        .lines()
        .next()
        .unwrap_or_else(|| panic!("no listener on {port}"));
    line.split_whitespace().nth(2).unwrap().parse().unwrap()
}

#[test]
fn tcp_backlog_reaches_listen_and_flags_take_inert_parameters() {
    let srv = Server::start(&[]);
    assert_eq!(listen_backlog(srv.port), 511);
    let srv = Server::start(&[
        "--tcp-backlog",
        "37",
        "--io-threads",
        "4",
        "--supervised",
        "systemd",
    ]);
    assert_eq!(listen_backlog(srv.port), 37);
    assert_eq!(config_get(&srv, "io-threads")[0].1, "4");
    assert_eq!(config_get(&srv, "supervised")[0].1, "systemd");
    // A bad value stops start-up with redis-server's message, which quotes
    // the option as a config line.
    let dir = TempDir::new("config");
    let failure = Server::start_failure(&dir.path, &["--io-threads", "129"]);
    assert_ne!(failure.code, Some(0));
    assert!(
        failure
            .stderr
            .contains(">>> 'io-threads \"129\"'\nargument must be between 1 and 128 inclusive\n"),
        "{}",
        failure.stderr
    );
}

#[test]
fn parameters_of_features_not_built_yet_refuse_all_but_their_default() {
    // Ignoring them would leave a user believing the server shards or
    // encrypts: start-up fails naming the field.
    let dir = TempDir::new("not-built");
    for (args, field) in [
        (&["--tls-port", "6380"][..], "'tls-port'"),
        (&["--aclfile", "/etc/users.acl"], "'aclfile'"),
        (&["--unixsocket", "/tmp/ferrocache.sock"], "'unixsocket'"),
    ] {
        let failure = Server::start_failure(&dir.path, args);
        assert_ne!(failure.code, Some(0), "{args:?} must fail");
        assert!(
            failure.stderr.contains(field) && failure.stderr.contains("not available"),
            "{args:?}: {}",
            failure.stderr
        );
    }
    // Their defaults are still accepted, and CONFIG GET shows them.
    let srv = Server::start(&["--replicaof", "no one", "--cluster-enabled", "no"]);
    assert_eq!(
        config_get(&srv, "cluster-enabled"),
        [("cluster-enabled".to_string(), "no".to_string())]
    );
    let mut r = srv.raw();
    check(
        &mut r,
        &["CONFIG", "SET", "tls-replication", "yes"],
        "-ERR CONFIG SET failed (possibly related to argument 'tls-replication') - TLS is not available in ferrocache yet: 'tls-replication' only takes its default\r\n",
    );
}
