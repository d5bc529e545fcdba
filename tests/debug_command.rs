//! DEBUG is refused unless enable-debug-command (a start-up setting, `no`
//! by default as in Redis 7) is `yes`, or `local` for loopback clients.

#[path = "support/reference.rs"]
mod reference;
mod support;
use support::{Raw, Server};

/// What a client sees of DEBUG and of the setting.
fn session(port: u16) -> Vec<String> {
    let mut r = Raw::connect(port);
    let mut out = Vec::new();
    for args in [
        &["DEBUG", "SLEEP", "0"][..],
        &["DEBUG", "HELP"],
        &["CONFIG", "GET", "enable-debug-command"],
        &["CONFIG", "SET", "enable-debug-command", "yes"],
        &["MULTI"],
        &["DEBUG", "SLEEP", "0"],
        &["EXEC"],
    ] {
        out.push(String::from_utf8_lossy(&r.cmd(args)).into_owned());
    }
    out
}

#[test]
fn debug_is_refused_by_default_as_redis_refuses_it() {
    let srv = Server::start(&[]);
    let ours = session(srv.port);
    assert!(ours[0].starts_with("-ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.\r\n"));
    assert_eq!(
        ours[6],
        "-EXECABORT Transaction discarded because of previous errors.\r\n"
    );
    if let Some(redis) = reference::Reference::start() {
        assert_eq!(ours, session(redis.port));
    }
}

#[test]
fn debug_runs_when_enabled_or_local() {
    for setting in ["yes", "local"] {
        let srv = Server::start(&["--enable-debug-command", setting]);
        let mut r = srv.raw();
        assert_eq!(r.cmd(&["DEBUG", "SLEEP", "0"]), b"+OK\r\n", "{setting}");
    }
}
