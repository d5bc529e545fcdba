//! INFO fields checked against redis-server 7.0's: field order of the stats
//! and cpu sections, instantaneous rates, keyspace avg_ttl.

mod support;

use support::{frame, wait_until, Raw, Server};

/// The field names of an INFO section, in order.
fn field_names(srv: &Server, section: &str) -> Vec<String> {
    let reply = srv.raw().cmd(&["INFO", section]);
    String::from_utf8_lossy(&reply)
        .lines()
        .filter_map(|l| l.split_once(':').map(|(name, _)| name.to_string()))
        .filter(|name| !name.starts_with('$') && !name.starts_with('='))
        .collect()
}

/// Sends `n` pipelined PINGs and reads their replies.
fn pings(r: &mut Raw, n: usize) {
    r.send(&frame(&[b"PING"]).repeat(n));
    for _ in 0..n {
        assert_eq!(r.reply(), b"+PONG\r\n");
    }
}

#[test]
fn instantaneous_rates_follow_the_load_and_fall_back_to_zero() {
    let srv = Server::start(&[]);
    let mut load = srv.raw();
    let ops = |srv: &Server| -> u64 {
        srv.info_field("stats", "instantaneous_ops_per_sec")
            .parse()
            .unwrap()
    };
    let kbps = |srv: &Server, field: &str| -> f64 {
        let v = srv.info_field("stats", field);
        // Redis's format: two decimals.
        assert_eq!(v.split_once('.').map(|(_, d)| d.len()), Some(2), "{v}");
        v.parse().unwrap()
    };
    // Under load (1000 PINGs per poll, 10 ms apart): well above 5000/s.
    wait_until("instantaneous_ops_per_sec to show the load", || {
        pings(&mut load, 1000);
        ops(&srv) > 5000
    });
    // 7 bytes per PING in and out: 5000/s is over 30 KB/s each way.
    assert!(kbps(&srv, "instantaneous_input_kbps") > 30.0);
    assert!(kbps(&srv, "instantaneous_output_kbps") > 30.0);
    assert_eq!(
        srv.info_field("stats", "instantaneous_input_repl_kbps"),
        "0.00"
    );
    // Idle: the 16 samples of 100 ms fall back within ~1.6 s (polled every
    // 200 ms so that the INFO polls themselves stay a few commands per second).
    wait_until("the rates to fall back", || {
        std::thread::sleep(std::time::Duration::from_millis(200));
        ops(&srv) < 50 && kbps(&srv, "instantaneous_input_kbps") < 5.0
    });
}

/// redis-server 7.0.15's INFO stats fields, in order (from `redis-cli INFO
/// stats`), without the I/O-path counters ferrocache does not report yet.
const REDIS_STATS_FIELDS: &[&str] = &[
    "total_connections_received",
    "total_commands_processed",
    "instantaneous_ops_per_sec",
    "total_net_input_bytes",
    "total_net_output_bytes",
    "total_net_repl_input_bytes",
    "total_net_repl_output_bytes",
    "instantaneous_input_kbps",
    "instantaneous_output_kbps",
    "instantaneous_input_repl_kbps",
    "instantaneous_output_repl_kbps",
    "rejected_connections",
    "sync_full",
    "sync_partial_ok",
    "sync_partial_err",
    "expired_keys",
    "expired_stale_perc",
    "expired_time_cap_reached_count",
    "expire_cycle_cpu_milliseconds",
    "evicted_keys",
    "evicted_clients",
    "total_eviction_exceeded_time",
    "current_eviction_exceeded_time",
    "keyspace_hits",
    "keyspace_misses",
    "pubsub_channels",
    "pubsub_patterns",
    "pubsubshard_channels",
    "latest_fork_usec",
    "total_forks",
    "migrate_cached_sockets",
    "slave_expires_tracked_keys",
    "active_defrag_hits",
    "active_defrag_misses",
    "active_defrag_key_hits",
    "active_defrag_key_misses",
    "total_active_defrag_time",
    "current_active_defrag_time",
    "tracking_total_keys",
    "tracking_total_items",
    "tracking_total_prefixes",
    "unexpected_error_replies",
    "total_error_replies",
    "dump_payload_sanitizations",
    "total_reads_processed",
    "total_writes_processed",
    "io_threaded_reads_processed",
    "io_threaded_writes_processed",
    // Not here: reply_buffer_shrinks/expands (Redis 7.0's resizable
    // 16 KB reply buffer; ferrocache's reply buffer is one growable vector).
];

#[test]
fn stats_fields_come_in_redis_order() {
    let srv = Server::start(&[]);
    assert_eq!(field_names(&srv, "stats"), REDIS_STATS_FIELDS);
    // pubsub_channels counts channels with subscribers.
    let mut sub = srv.raw();
    sub.cmd(&["SUBSCRIBE", "a"]);
    sub.cmd(&["SUBSCRIBE", "b"]);
    assert_eq!(srv.info_field("stats", "pubsub_channels"), "2");
    // Each budgeted read and write of a client counts once.
    let reads: u64 = srv
        .info_field("stats", "total_reads_processed")
        .parse()
        .unwrap();
    let writes: u64 = srv
        .info_field("stats", "total_writes_processed")
        .parse()
        .unwrap();
    assert!(reads >= 3 && writes >= 3, "reads {reads} writes {writes}");
}

/// The `avg_ttl` of `INFO keyspace`'s line for database `db` (None if absent).
fn avg_ttl(srv: &Server, db: usize) -> Option<u64> {
    let reply = srv.raw().cmd(&["INFO", "keyspace"]);
    let text = String::from_utf8_lossy(&reply).into_owned();
    let line = text
        .lines()
        .find(|l| l.starts_with(&format!("db{db}:")))?
        .to_string();
    let value = line.rsplit_once("avg_ttl=")?.1;
    Some(value.trim().parse().unwrap())
}

#[test]
fn keyspace_avg_ttl_estimates_the_ttls_of_each_database() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    let mut batch = Vec::new();
    for i in 0..500 {
        let key = format!("k{i}");
        // db 0: 100 s; db 2: 10 s; plus keys without TTL that do not count.
        batch.extend(frame(&[b"SET", key.as_bytes(), b"v", b"EX", b"100"]));
        batch.extend(frame(&[b"SET", format!("p{i}").as_bytes(), b"v"]));
    }
    batch.extend(frame(&[b"SELECT", b"2"]));
    for i in 0..500 {
        let key = format!("k{i}");
        batch.extend(frame(&[b"SET", key.as_bytes(), b"v", b"PX", b"10000"]));
    }
    r.send(&batch);
    for _ in 0..1501 {
        assert_eq!(r.reply(), b"+OK\r\n");
    }
    // The active expire cycle (10 times a second) samples the live TTLs.
    wait_until("avg_ttl estimates", || {
        avg_ttl(&srv, 0).is_some_and(|t| t > 0) && avg_ttl(&srv, 2).is_some_and(|t| t > 0)
    });
    let (db0, db2) = (avg_ttl(&srv, 0).unwrap(), avg_ttl(&srv, 2).unwrap());
    assert!((90_000..=100_000).contains(&db0), "db0 avg_ttl={db0}");
    assert!((5_000..=10_000).contains(&db2), "db2 avg_ttl={db2}");
    // SWAPDB moves the estimate with the data (as Redis); FLUSHDB drops it.
    r.cmd(&["SWAPDB", "0", "2"]);
    let swapped = avg_ttl(&srv, 0).unwrap();
    assert!(swapped <= 10_000, "db0 after SWAPDB: {swapped}");
    // (this client is in db 2, which now holds the 100 s keys)
    assert!(avg_ttl(&srv, 2).unwrap() > 50_000);
    r.cmd(&["FLUSHDB"]);
    r.cmd(&["SET", "x", "1"]);
    assert_eq!(avg_ttl(&srv, 2), Some(0));
}

#[test]
fn cpu_section_has_redis_fields_and_the_loop_thread_time() {
    let srv = Server::start(&[]);
    // Some work for the loop thread to account for.
    pings(&mut srv.raw(), 20_000);
    assert_eq!(
        field_names(&srv, "cpu"),
        [
            "used_cpu_sys",
            "used_cpu_user",
            "used_cpu_sys_children",
            "used_cpu_user_children",
            "used_cpu_sys_main_thread",
            "used_cpu_user_main_thread",
        ]
    );
    let secs = |field: &str| -> f64 {
        let v = srv.info_field("cpu", field);
        // Redis's format: seconds with six decimals.
        assert_eq!(v.split_once('.').map(|(_, d)| d.len()), Some(6), "{v}");
        v.parse().unwrap()
    };
    let main = secs("used_cpu_sys_main_thread") + secs("used_cpu_user_main_thread");
    let process = secs("used_cpu_sys") + secs("used_cpu_user");
    assert!(main > 0.0, "the loop thread ran 20,000 commands");
    // (the kernel samples thread and process times separately: a tick of slack)
    assert!(
        main <= process + 0.01,
        "main thread {main} > process {process}"
    );
}
