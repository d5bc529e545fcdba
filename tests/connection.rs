//! Connection-level behaviour: PING/ECHO, HELLO and RESP3, protocol errors,
//! inline commands, pipelining.

mod support;
use support::{check, Server};

#[test]
fn ping_echo_inline_and_multibulk() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    assert_eq!(r.cmd(&["PING"]), b"+PONG\r\n");
    assert_eq!(r.cmd(&["ping", "hi"]), b"$2\r\nhi\r\n");
    assert_eq!(r.cmd(&["ECHO", "a\r\nb"]), b"$4\r\na\r\nb\r\n");
    r.send(b"PING\r\n");
    assert_eq!(r.reply(), b"+PONG\r\n");
    r.send(b"echo \"two words\"\n");
    assert_eq!(r.reply(), b"$9\r\ntwo words\r\n");
}

#[test]
fn unknown_command_and_arity_errors_match_redis() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    assert_eq!(
        r.cmd(&["foo", "bar"]),
        b"-ERR unknown command 'foo', with args beginning with: 'bar' \r\n"
    );
    assert_eq!(
        r.cmd(&["GET"]),
        b"-ERR wrong number of arguments for 'get' command\r\n"
    );
    assert_eq!(
        r.cmd(&["client"]),
        b"-ERR wrong number of arguments for 'client' command\r\n"
    );
    assert_eq!(
        r.cmd(&["client", "foo"]),
        b"-ERR unknown subcommand 'foo'. Try CLIENT HELP.\r\n"
    );
    assert_eq!(
        r.cmd(&["client", "kill"]),
        b"-ERR wrong number of arguments for 'client|kill' command\r\n"
    );
}

#[test]
fn pipelined_commands_all_run_in_order() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    let mut batch = Vec::new();
    for i in 0..1000 {
        batch.extend_from_slice(
            format!("*2\r\n$4\r\nECHO\r\n${}\r\n{}\r\n", i.to_string().len(), i).as_bytes(),
        );
    }
    r.send(&batch);
    for i in 0..1000 {
        let s = i.to_string();
        assert_eq!(r.reply(), format!("${}\r\n{}\r\n", s.len(), s).as_bytes());
    }
}

#[test]
fn hello_switches_protocol_and_shapes_replies() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    let hello = r.cmd(&["HELLO", "3"]);
    assert!(
        hello.starts_with(b"%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n"),
        "{:?}",
        String::from_utf8_lossy(&hello)
    );
    assert_eq!(r.cmd(&["GET", "missing"]), b"_\r\n");
    let cfg = r.cmd(&["CONFIG", "GET", "maxmemory"]);
    assert_eq!(cfg, b"%1\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n");
    r.cmd(&["HELLO", "2"]);
    assert_eq!(r.cmd(&["GET", "missing"]), b"$-1\r\n");
    assert_eq!(
        r.cmd(&["HELLO", "4"]),
        b"-NOPROTO unsupported protocol version\r\n"
    );
}

#[test]
fn protocol_errors_reply_then_close() {
    let srv = Server::start(&[]);
    for (input, expected) in [
        (
            &b"*1\r\n$-5\r\n"[..],
            &b"-ERR Protocol error: invalid bulk length\r\n"[..],
        ),
        (
            b"*1\r\nx\r\n",
            b"-ERR Protocol error: expected '$', got 'x'\r\n",
        ),
        (
            b"*3000000000\r\n",
            b"-ERR Protocol error: invalid multibulk length\r\n",
        ),
        (
            b"set \"a b\r\n",
            b"-ERR Protocol error: unbalanced quotes in request\r\n",
        ),
    ] {
        assert_error_then_close(&srv, input, expected);
    }
    let mut r = srv.raw();
    assert_eq!(r.cmd(&["PING"]), b"+PONG\r\n");
}

/// On a new connection, `input` gets exactly `expected`, then the server
/// closes the connection.
#[track_caller]
fn assert_error_then_close(srv: &Server, input: &[u8], expected: &[u8]) {
    let mut r = srv.raw();
    r.send(input);
    assert_eq!(r.reply(), expected, "reply to {input:?}");
    assert!(r.closed(), "connection must close after {input:?}");
}

#[test]
fn length_caps_follow_authentication_and_proto_max_bulk_len() {
    let srv = Server::start(&["--requirepass", "pw"]);
    // Before AUTH, Redis's caps: 10 arguments, 16 KB bulks.
    assert_error_then_close(
        &srv,
        b"*11\r\n",
        b"-ERR Protocol error: unauthenticated multibulk length\r\n",
    );
    assert_error_then_close(
        &srv,
        b"*2\r\n$4\r\nAUTH\r\n$20000\r\n",
        b"-ERR Protocol error: unauthenticated bulk length\r\n",
    );
    // After AUTH on the same connection, a 20 KB argument is fine.
    let mut r = srv.raw();
    assert_eq!(r.cmd(&["AUTH", "pw"]), b"+OK\r\n");
    let big = "x".repeat(20_000);
    assert_eq!(r.cmd(&["SET", "k", &big]), b"+OK\r\n");
    // CONFIG SET proto-max-bulk-len applies to the next request.
    assert_eq!(
        r.cmd(&["CONFIG", "SET", "proto-max-bulk-len", "1mb"]),
        b"+OK\r\n"
    );
    r.send(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2000000\r\n");
    assert_eq!(r.reply(), b"-ERR Protocol error: invalid bulk length\r\n");
}

#[test]
fn unknown_command_errors_echo_raw_bytes_cut_at_nul_like_redis() {
    // Byte for byte what redis-server 7.0.15 replies (it formats arguments
    // with %s: a NUL ends them, other bytes go out as they came, CR/LF
    // become spaces).
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    for (input, expected) in [
        (
            &b"*1\r\n$4\r\nPI\x00G\r\n"[..],
            &b"-ERR unknown command 'PI', with args beginning with: \r\n"[..],
        ),
        (
            b"*3\r\n$3\r\nFOO\r\n$2\r\n\x80\xff\r\n$4\r\na\x00bc\r\n",
            b"-ERR unknown command 'FOO', with args beginning with: '\x80\xff' 'a' \r\n",
        ),
        (
            b"*1\r\n$4\r\nA\r\nB\r\n",
            b"-ERR unknown command 'A  B', with args beginning with: \r\n",
        ),
        (
            b"*2\r\n$6\r\nCONFIG\r\n$3\r\n\xffx\x00\r\n",
            b"-ERR unknown subcommand '\xffx'. Try CONFIG HELP.\r\n",
        ),
    ] {
        r.send(input);
        assert_eq!(r.reply(), expected, "{input:?}");
    }
}

#[test]
fn random_and_truncated_input_leaves_server_up() {
    let mut srv = Server::start(&[]);
    let mut other = srv.raw();
    let mut seed = 0x1234_5678_9abc_def0u64;
    for round in 0..200 {
        let mut r = srv.raw();
        let mut junk = Vec::new();
        for _ in 0..(seed % 300) {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            junk.push(match seed % 6 {
                0 => b'*',
                1 => b'$',
                2 => b'\r',
                3 => b'\n',
                _ => (seed >> 16) as u8,
            });
        }
        r.send(&junk);
        if round % 20 == 0 {
            assert_eq!(other.cmd(&["PING"]), b"+PONG\r\n");
        }
    }
    assert!(srv.is_running());
    assert_eq!(other.cmd(&["PING"]), b"+PONG\r\n");
}

#[test]
fn quit_replies_ok_and_closes() {
    let srv = Server::start(&[]);
    let mut r = srv.raw();
    assert_eq!(r.cmd(&["QUIT"]), b"+OK\r\n");
    assert!(r.closed());
}

#[test]
fn redis_crate_round_trip() {
    let srv = Server::start(&[]);
    let mut con = srv.client();
    let pong: String = redis::cmd("PING").query(&mut con).unwrap();
    assert_eq!(pong, "PONG");
}

#[test]
fn clearing_requirepass_frees_waiting_connections_as_redis_does() {
    // redis-server 7.0.15: authentication is required per request, so a
    // connection that never authenticated runs commands once requirepass
    // is cleared, and is refused again once it is set again.
    let srv = Server::start(&["--requirepass", "pw"]);
    let mut waiting = srv.raw();
    let mut admin = srv.raw();
    check(
        &mut waiting,
        &["PING"],
        "-NOAUTH Authentication required.\r\n",
    );
    check(&mut admin, &["AUTH", "pw"], "+OK\r\n");
    check(&mut admin, &["CONFIG", "SET", "requirepass", ""], "+OK\r\n");
    check(&mut waiting, &["PING"], "+PONG\r\n");
    // And the parser's pre-AUTH caps are lifted with it.
    let eleven: Vec<&str> = std::iter::repeat_n("x", 11).collect();
    check(
        &mut waiting,
        &eleven,
        "-ERR unknown command 'x', with args beginning with: 'x' 'x' 'x' 'x' 'x' 'x' 'x' 'x' 'x' 'x' \r\n",
    );
    check(
        &mut admin,
        &["CONFIG", "SET", "requirepass", "pw"],
        "+OK\r\n",
    );
    check(
        &mut waiting,
        &["PING"],
        "-NOAUTH Authentication required.\r\n",
    );
}
