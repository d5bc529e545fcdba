//! The follower's parameters (issue 11): whom to replicate from, how to
//! authenticate and announce itself, and how to serve clients meanwhile.
//! The leader's parameters (repl-backlog-*, repl-diskless-sync*, ...) are
//! elsewhere; repl-timeout is shared and read from there.

use super::{one_of, parse_bool, parse_int, yes_no, Config, Param};

/// What the follower side reads from the configuration.
#[derive(Clone, Debug)]
pub struct ReplicaConfig {
    /// replicaof / slaveof: the leader's host and port; None on a leader.
    pub replicaof: Option<(String, u16)>,
    /// masterauth: the password sent with AUTH during the handshake.
    pub masterauth: String,
    /// masteruser: the user for AUTH (empty: `AUTH <password>` alone).
    pub masteruser: String,
    /// replica-announce-ip: sent as `REPLCONF ip-address` when set.
    pub announce_ip: String,
    /// replica-announce-port: sent as `REPLCONF listening-port` when not 0.
    pub announce_port: u16,
    /// replica-priority (INFO slave_priority).
    pub priority: i64,
    /// replica-read-only: normal clients' writes get -READONLY.
    pub read_only: bool,
    /// replica-serve-stale-data: while the link is down, serve the old data
    /// (yes) or answer -MASTERDOWN (no).
    pub serve_stale_data: bool,
    /// repl-diskless-load: accepted and shown. Whatever its value a full
    /// sync is staged in a temporary file and loaded on a thread while the
    /// old data keeps serving (as `swapdb` promises, without its memory cost
    /// of two in-memory copies at parse time).
    pub diskless_load: String,
}

impl Default for ReplicaConfig {
    fn default() -> Self {
        ReplicaConfig {
            replicaof: None,
            masterauth: String::new(),
            masteruser: String::new(),
            announce_ip: String::new(),
            announce_port: 0,
            priority: 100,
            read_only: true,
            serve_stale_data: true,
            diskless_load: "disabled".into(),
        }
    }
}

/// Parses a `replicaof` value: `<host> <port>`, or `no one` / empty for none.
pub fn parse_replicaof(v: &str) -> Result<Option<(String, u16)>, String> {
    let words: Vec<&str> = v.split_whitespace().collect();
    match words.as_slice() {
        [] => Ok(None),
        [no, one] if no.eq_ignore_ascii_case("no") && one.eq_ignore_ascii_case("one") => Ok(None),
        [host, port] => {
            let port = parse_int(port, 0, 65535)? as u16;
            Ok(Some((host.to_string(), port)))
        }
        _ => Err("wrong number of arguments".into()),
    }
}

fn show_replicaof(c: &Config) -> String {
    c.replica
        .replicaof
        .as_ref()
        .map_or(String::new(), |(h, p)| format!("{h} {p}"))
}

fn set_replicaof(c: &mut Config, v: &str) -> Result<(), String> {
    c.replica.replicaof = parse_replicaof(v)?;
    Ok(())
}

fn set_announce_port(c: &mut Config, v: &str) -> Result<(), String> {
    c.replica.announce_port = parse_int(v, 0, 65535)? as u16;
    Ok(())
}

fn set_priority(c: &mut Config, v: &str) -> Result<(), String> {
    c.replica.priority = parse_int(v, 0, i32::MAX as i64)?;
    Ok(())
}

fn set_read_only(c: &mut Config, v: &str) -> Result<(), String> {
    c.replica.read_only = parse_bool(v)?;
    Ok(())
}

fn set_serve_stale(c: &mut Config, v: &str) -> Result<(), String> {
    c.replica.serve_stale_data = parse_bool(v)?;
    Ok(())
}

fn set_announce_ip(c: &mut Config, v: &str) -> Result<(), String> {
    c.replica.announce_ip = v.to_string();
    Ok(())
}

/// The follower's parameters, with Redis's `slave-*` aliases.
pub static REPLICA_PARAMS: &[Param] = &[
    Param {
        name: "replicaof",
        mutable: false,
        get: show_replicaof,
        set: set_replicaof,
    },
    Param {
        name: "slaveof",
        mutable: false,
        get: show_replicaof,
        set: set_replicaof,
    },
    Param {
        name: "masterauth",
        mutable: true,
        get: |c| c.replica.masterauth.clone(),
        set: |c, v| {
            c.replica.masterauth = v.to_string();
            Ok(())
        },
    },
    Param {
        name: "masteruser",
        mutable: true,
        get: |c| c.replica.masteruser.clone(),
        set: |c, v| {
            c.replica.masteruser = v.to_string();
            Ok(())
        },
    },
    Param {
        name: "replica-announce-ip",
        mutable: true,
        get: |c| c.replica.announce_ip.clone(),
        set: set_announce_ip,
    },
    Param {
        name: "slave-announce-ip",
        mutable: true,
        get: |c| c.replica.announce_ip.clone(),
        set: set_announce_ip,
    },
    Param {
        name: "replica-announce-port",
        mutable: true,
        get: |c| c.replica.announce_port.to_string(),
        set: set_announce_port,
    },
    Param {
        name: "slave-announce-port",
        mutable: true,
        get: |c| c.replica.announce_port.to_string(),
        set: set_announce_port,
    },
    Param {
        name: "replica-priority",
        mutable: true,
        get: |c| c.replica.priority.to_string(),
        set: set_priority,
    },
    Param {
        name: "slave-priority",
        mutable: true,
        get: |c| c.replica.priority.to_string(),
        set: set_priority,
    },
    Param {
        name: "replica-read-only",
        mutable: true,
        get: |c| yes_no(c.replica.read_only),
        set: set_read_only,
    },
    Param {
        name: "slave-read-only",
        mutable: true,
        get: |c| yes_no(c.replica.read_only),
        set: set_read_only,
    },
    Param {
        name: "replica-serve-stale-data",
        mutable: true,
        get: |c| yes_no(c.replica.serve_stale_data),
        set: set_serve_stale,
    },
    Param {
        name: "slave-serve-stale-data",
        mutable: true,
        get: |c| yes_no(c.replica.serve_stale_data),
        set: set_serve_stale,
    },
    Param {
        name: "repl-diskless-load",
        mutable: true,
        get: |c| c.replica.diskless_load.clone(),
        set: |c, v| {
            c.replica.diskless_load = one_of(v, &["disabled", "on-empty-db", "swapdb"])?;
            Ok(())
        },
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replicaof_parses_host_port_and_no_one() {
        assert_eq!(
            parse_replicaof("127.0.0.1 6380").unwrap(),
            Some(("127.0.0.1".into(), 6380))
        );
        assert_eq!(parse_replicaof("NO one").unwrap(), None);
        assert_eq!(parse_replicaof("").unwrap(), None);
        assert!(parse_replicaof("h 70000").is_err());
        assert!(parse_replicaof("h").is_err());
        let mut c = Config::default();
        c.set("slaveof", "localhost 7000").unwrap();
        let get = crate::config::find_param("replicaof").unwrap().get;
        assert_eq!(get(&c), "localhost 7000");
        c.set("slave-read-only", "no").unwrap();
        assert!(!c.replica.read_only);
    }
}
