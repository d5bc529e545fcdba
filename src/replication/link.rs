//! The follower's link before it carries the stream, as bytes in and bytes
//! out (no socket here, so every step is testable): the handshake, then the
//! full-sync payload.
//!
//! ```text
//! -> PING                                  <- +PONG (or -NOAUTH: alive too)
//! -> AUTH [user] pass                      <- +OK          (when masterauth)
//! -> REPLCONF listening-port <port>        <- +OK          (errors: not fatal)
//! -> REPLCONF ip-address <ip>              <- +OK          (replica-announce-ip)
//! -> REPLCONF capa eof capa psync2         <- +OK
//! -> PSYNC <replid> <offset+1> | PSYNC ? -1
//!                                          <- +FULLRESYNC <replid> <offset>
//!                                             \n ... $<len>\r\n<rdb>
//!                                             or $EOF:<40 chars>\r\n<rdb><40 chars>
//!                                          <- +CONTINUE [<replid>]  (then the stream)
//! ```
//! AUTH and the REPLCONFs go out together (pipelined), as Redis 7.0 sends
//! them; their replies are read in order.

use super::replid::Replid;
use crate::state::propagate::encode;
use std::collections::VecDeque;

/// What the handshake sends.
#[derive(Clone, Debug, Default)]
pub(crate) struct HandshakeConfig {
    /// masteruser (if any) and masterauth, when masterauth is set.
    pub auth: Option<(Option<String>, String)>,
    /// REPLCONF listening-port.
    pub listening_port: u16,
    /// REPLCONF ip-address, when replica-announce-ip is set.
    pub announce_ip: Option<String>,
    /// PSYNC's arguments: the cached history and the next offset wanted, or
    /// None for `PSYNC ? -1`.
    pub psync_from: Option<(Replid, i64)>,
}

/// A reply the handshake waits for, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    Ping,
    Auth,
    Port,
    Ip,
    Capa,
    Psync,
    /// The `$<len>` or `$EOF:<mark>` line opening the payload.
    Preamble,
}

/// What the handshake got to.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Event {
    /// Needs more input.
    Wait,
    /// `+FULLRESYNC <replid> <offset>`: a payload comes next.
    FullResync { replid: Replid, offset: i64 },
    /// `+CONTINUE [<replid>]`: the stream follows at once.
    Continue { replid: Option<Replid> },
    /// The payload begins (what follows in the input is payload bytes).
    Payload(Payload),
}

/// The handshake's state: which replies are still due.
pub(crate) struct Handshake {
    config: HandshakeConfig,
    expect: VecDeque<Expect>,
}

impl Handshake {
    /// A handshake that will send what `config` says.
    pub(crate) fn new(config: HandshakeConfig) -> Handshake {
        Handshake {
            config,
            expect: VecDeque::new(),
        }
    }

    /// The connection is up: sends PING.
    pub(crate) fn start(&mut self, out: &mut Vec<u8>) {
        encode(out, &["PING"]);
        self.expect.push_back(Expect::Ping);
    }

    /// Consumes the complete reply lines at the front of `input`, writing
    /// what to send next into `out`. Stops at the first event that changes
    /// the link's phase; bytes after it stay in `input`. Errors say why the
    /// link must be dropped (and retried), as Redis logs it.
    pub(crate) fn advance(
        &mut self,
        input: &mut Vec<u8>,
        out: &mut Vec<u8>,
    ) -> Result<Event, String> {
        loop {
            let Some(&expect) = self.expect.front() else {
                return Ok(Event::Wait);
            };
            // Keepalive newlines come before the PSYNC reply and the payload
            // (all of them at once: a leader may send megabytes of them).
            if matches!(expect, Expect::Psync | Expect::Preamble) {
                let newlines = input.iter().take_while(|&&b| b == b'\n').count();
                input.drain(..newlines);
            }
            let Some(end) = input.windows(2).position(|w| w == b"\r\n") else {
                if input.len() > 64 * 1024 {
                    return Err("Reply from master too long".into());
                }
                return Ok(Event::Wait);
            };
            let line = String::from_utf8_lossy(&input[..end]).into_owned();
            input.drain(..end + 2);
            self.expect.pop_front();
            match expect {
                Expect::Ping => {
                    let alive = line.starts_with('+')
                        || line.starts_with("-NOAUTH")
                        || line.starts_with("-NOPERM")
                        || line.starts_with("-ERR operation not permitted");
                    if !alive {
                        return Err(format!("Error reply to PING from master: '{line}'"));
                    }
                    log::info!(target: "replication", "handshake step=ping_reply msg=\"Master replied to PING, replication can continue...\"");
                    self.send_handshake(out);
                }
                Expect::Auth => {
                    if line.starts_with('-') {
                        return Err(format!("Unable to AUTH to MASTER: {line}"));
                    }
                }
                Expect::Port | Expect::Ip | Expect::Capa => {
                    if line.starts_with('-') {
                        log::info!(target: "replication", "handshake_non_critical step={expect:?} reply=\"{line}\"");
                    }
                    if expect == Expect::Capa {
                        self.send_psync(out);
                    }
                }
                Expect::Psync => return self.psync_reply(&line),
                Expect::Preamble => return preamble(&line).map(Event::Payload),
            }
        }
    }

    fn send_handshake(&mut self, out: &mut Vec<u8>) {
        if let Some((user, pass)) = &self.config.auth {
            match user {
                Some(user) => encode(out, &["AUTH", user.as_str(), pass.as_str()]),
                None => encode(out, &["AUTH", pass.as_str()]),
            }
            self.expect.push_back(Expect::Auth);
        }
        let port = self.config.listening_port.to_string();
        encode(out, &["REPLCONF", "listening-port", port.as_str()]);
        self.expect.push_back(Expect::Port);
        if let Some(ip) = &self.config.announce_ip {
            encode(out, &["REPLCONF", "ip-address", ip.as_str()]);
            self.expect.push_back(Expect::Ip);
        }
        encode(out, &["REPLCONF", "capa", "eof", "capa", "psync2"]);
        self.expect.push_back(Expect::Capa);
    }

    fn send_psync(&mut self, out: &mut Vec<u8>) {
        match &self.config.psync_from {
            Some((replid, offset)) => {
                let next = (offset + 1).to_string();
                log::info!(target: "replication", "psync_request replid={} offset={next} msg=\"Trying a partial resynchronization\"", replid.as_str());
                encode(out, &["PSYNC", replid.as_str(), next.as_str()]);
            }
            None => {
                log::info!(target: "replication", "psync_request replid=? offset=-1 msg=\"Partial resynchronization not possible (no cached master)\"");
                encode(out, &["PSYNC", "?", "-1"]);
            }
        }
        self.expect.push_back(Expect::Psync);
    }

    fn psync_reply(&mut self, line: &str) -> Result<Event, String> {
        if let Some(rest) = line.strip_prefix("+FULLRESYNC") {
            let mut words = rest.split_whitespace();
            let replid = words.next().and_then(|w| Replid::parse(w.as_bytes()));
            let offset = words.next().and_then(|w| w.parse::<i64>().ok());
            let (Some(replid), Some(offset)) = (replid, offset) else {
                return Err(format!(
                    "Master replied with wrong +FULLRESYNC syntax: {line}"
                ));
            };
            self.expect.push_back(Expect::Preamble);
            return Ok(Event::FullResync { replid, offset });
        }
        if let Some(rest) = line.strip_prefix("+CONTINUE") {
            let replid = Replid::parse(rest.trim().as_bytes());
            return Ok(Event::Continue { replid });
        }
        if line.starts_with("-NOMASTERLINK") || line.starts_with("-LOADING") {
            return Err(format!(
                "Master is currently unable to PSYNC but should be in the future: {line}"
            ));
        }
        Err(format!("Unexpected reply to PSYNC from master: {line}"))
    }
}

/// The line opening the payload: `$<len>` (disk) or `$EOF:<40 chars>`
/// (diskless).
fn preamble(line: &str) -> Result<Payload, String> {
    if let Some(rest) = line.strip_prefix('-') {
        return Err(format!("MASTER aborted replication with an error: {rest}"));
    }
    let Some(spec) = line.strip_prefix('$') else {
        return Err(format!(
            "Bad protocol from MASTER, the first byte is not '$' (we received '{line}'), are you sure the host and port are right?"
        ));
    };
    if let Some(mark) = spec.strip_prefix("EOF:") {
        let mark: [u8; 40] = mark
            .as_bytes()
            .try_into()
            .map_err(|_| format!("Bad EOF mark from MASTER: '{line}'"))?;
        return Ok(Payload::eof(mark));
    }
    let len = spec
        .parse::<u64>()
        .map_err(|_| format!("Bad payload length from MASTER: '{line}'"))?;
    Ok(Payload::sized(len))
}

/// A full-sync payload being received.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Payload {
    /// The announced length (disk form); None for the diskless form.
    pub total: Option<u64>,
    /// The diskless form's end mark.
    mark: Option<[u8; 40]>,
    /// Payload bytes taken so far (the mark included).
    pub read: u64,
    /// The last 40 bytes taken (diskless form).
    tail: Vec<u8>,
}

impl Payload {
    fn sized(len: u64) -> Payload {
        Payload {
            total: Some(len),
            mark: None,
            read: 0,
            tail: Vec::new(),
        }
    }

    fn eof(mark: [u8; 40]) -> Payload {
        Payload {
            total: None,
            mark: Some(mark),
            read: 0,
            tail: Vec::new(),
        }
    }

    /// Takes payload bytes from the front of `data`: returns how many
    /// belong to the payload and whether it is complete (what is left of
    /// `data` is the stream's first bytes).
    pub(crate) fn take(&mut self, data: &[u8]) -> (usize, bool) {
        match (self.total, &self.mark) {
            (Some(total), _) => {
                let n = data.len().min((total - self.read) as usize);
                self.read += n as u64;
                (n, self.read == total)
            }
            (None, Some(mark)) => {
                // The payload ends at the first mark, wherever the reads
                // split it: bytes after it in `data` are not taken.
                let n = match mark_end(&self.tail, data, mark) {
                    Some(end) => end,
                    None => data.len(),
                };
                let taken = &data[..n];
                self.read += n as u64;
                self.tail.extend_from_slice(taken);
                let excess = self.tail.len().saturating_sub(40);
                self.tail.drain(..excess);
                (n, self.tail == mark[..])
            }
            (None, None) => (data.len(), false),
        }
    }

    /// Bytes at the end of what was taken that are not RDB (the end mark).
    pub(crate) fn trailer_len(&self) -> u64 {
        if self.mark.is_some() {
            40
        } else {
            0
        }
    }
}

/// Where the first `mark` ends in `data`, given the last bytes taken
/// before it (`tail`, at most 40): how many bytes of `data` go up to and
/// including the mark, if it is there.
fn mark_end(tail: &[u8], data: &[u8], mark: &[u8; 40]) -> Option<usize> {
    // A mark starting in the tail and ending in `data`.
    let head = &data[..data.len().min(39)];
    let straddling: Vec<u8> = [tail, head].concat();
    for start in 0..tail.len() {
        if straddling.get(start..start + 40) == Some(&mark[..]) {
            return Some(start + 40 - tail.len());
        }
    }
    // One inside `data` (found by its first byte: a payload is megabytes).
    let mut from = 0;
    while let Some(i) = data[from..].iter().position(|&b| b == mark[0]) {
        let start = from + i;
        if data[start..].starts_with(mark) {
            return Some(start + 40);
        }
        from = start + 1;
    }
    None
}

/// `REPLCONF ACK <offset>`, as a replica reports what it processed.
pub(crate) fn ack_frame(offset: i64) -> Vec<u8> {
    let mut out = Vec::new();
    let off = offset.to_string();
    encode(&mut out, &["REPLCONF", "ACK", off.as_str()]);
    out
}

#[cfg(test)]
#[path = "link_fuzz_tests.rs"]
mod fuzz_tests;

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "42c234f65d23e4fbac4cc13e45179908772580b3";

    fn step(h: &mut Handshake, input: &[u8]) -> (Event, Vec<u8>, Vec<u8>) {
        let mut buf = input.to_vec();
        let mut out = Vec::new();
        let ev = h.advance(&mut buf, &mut out).unwrap();
        (ev, out, buf)
    }

    #[test]
    fn the_handshake_sends_what_redis_sends_and_reads_a_fullresync() {
        let mut h = Handshake::new(HandshakeConfig {
            auth: Some((None, "secret".into())),
            listening_port: 34645,
            announce_ip: None,
            psync_from: Some((Replid::parse(ID.as_bytes()).unwrap(), 988)),
        });
        let mut out = Vec::new();
        h.start(&mut out);
        assert_eq!(out, b"*1\r\n$4\r\nPING\r\n");
        let (ev, out, _) = step(&mut h, b"-NOAUTH Authentication required.\r\n");
        assert_eq!(ev, Event::Wait);
        assert_eq!(
            out,
            b"*2\r\n$4\r\nAUTH\r\n$6\r\nsecret\r\n*3\r\n$8\r\nREPLCONF\r\n$14\r\nlistening-port\r\n$5\r\n34645\r\n*5\r\n$8\r\nREPLCONF\r\n$4\r\ncapa\r\n$3\r\neof\r\n$4\r\ncapa\r\n$6\r\npsync2\r\n"
        );
        let (ev, out, _) = step(&mut h, b"+OK\r\n+OK\r\n+OK\r\n");
        assert_eq!(ev, Event::Wait);
        assert_eq!(
            out,
            format!("*3\r\n$5\r\nPSYNC\r\n$40\r\n{ID}\r\n$3\r\n989\r\n").as_bytes()
        );
        let (ev, _, rest) = step(
            &mut h,
            format!("\n\n+FULLRESYNC {ID} 7\r\n\n\n$5\r\nREDIS*1").as_bytes(),
        );
        assert_eq!(
            ev,
            Event::FullResync {
                replid: Replid::parse(ID.as_bytes()).unwrap(),
                offset: 7
            }
        );
        let (ev, _, rest) = step(&mut h, &rest);
        let Event::Payload(mut p) = ev else {
            panic!("{ev:?}")
        };
        assert_eq!(p.total, Some(5));
        assert_eq!(p.take(&rest), (5, true));
    }

    #[test]
    fn psync_without_history_and_continue_with_a_new_id() {
        let mut h = Handshake::new(HandshakeConfig::default());
        let mut out = Vec::new();
        h.start(&mut out);
        let (_, out, _) = step(&mut h, b"+PONG\r\n+OK\r\n+OK\r\n");
        assert!(out.ends_with(b"*3\r\n$5\r\nPSYNC\r\n$1\r\n?\r\n$2\r\n-1\r\n"));
        let (ev, _, rest) = step(&mut h, format!("+CONTINUE {ID}\r\n*1\r\n").as_bytes());
        assert_eq!(
            ev,
            Event::Continue {
                replid: Replid::parse(ID.as_bytes())
            }
        );
        assert_eq!(rest, b"*1\r\n");
    }

    #[test]
    fn errors_that_drop_the_link() {
        let mut h = Handshake::new(HandshakeConfig::default());
        h.start(&mut Vec::new());
        let mut input = b"-ERR bad\r\n".to_vec();
        assert!(h.advance(&mut input, &mut Vec::new()).is_err());
        let mut h = Handshake::new(HandshakeConfig::default());
        h.start(&mut Vec::new());
        let mut input =
            b"+PONG\r\n+OK\r\n+OK\r\n-NOMASTERLINK Can't SYNC while not connected with my master\r\n"
                .to_vec();
        let err = h.advance(&mut input, &mut Vec::new()).unwrap_err();
        assert!(
            err.contains("unable to PSYNC but should be in the future"),
            "{err}"
        );
    }

    #[test]
    fn a_diskless_payload_ends_at_its_mark() {
        let mark = [b'a'; 40];
        let mut p = Payload::eof(mark);
        assert_eq!(p.take(b"REDIS0010xxxx"), (13, false));
        assert_eq!(p.take(&[b'a'; 30]), (30, false));
        assert_eq!(p.take(&[b'a'; 10]), (10, true));
        assert_eq!(p.trailer_len(), 40);
        // Bytes after the mark in the same read are the stream's, however
        // the mark was split.
        for cut in 0..40 {
            let mut p = Payload::eof(mark);
            let mut data = b"REDIS".to_vec();
            data.extend_from_slice(&mark[..cut]);
            assert_eq!(p.take(&data), (data.len(), false), "cut {cut}");
            let mut rest = mark[cut..].to_vec();
            rest.extend_from_slice(b"*1\r\n");
            assert_eq!(p.take(&rest), (40 - cut, true), "cut {cut}");
            assert_eq!(p.read, 45);
        }
        assert_eq!(
            preamble(&format!("$EOF:{}", "a".repeat(40))).unwrap(),
            Payload::eof(mark)
        );
        assert!(preamble("+what").is_err());
    }

    #[test]
    fn ack_frame_is_a_multibulk() {
        assert_eq!(
            ack_frame(28),
            b"*3\r\n$8\r\nREPLCONF\r\n$3\r\nACK\r\n$2\r\n28\r\n"
        );
    }
}
