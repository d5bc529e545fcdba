//! The effect stream: what the dataset went through, as RESP commands, in a
//! deterministic form that replays to the same data (the AOF and the
//! replication stream are fed from here).
//!
//! Dispatch records each write after its handler ran: by default the command
//! as the client sent it, or the form the handler asked for with
//! [`Propagation::rewrite`] (a relative TTL as `PXAT`, `INCRBYFLOAT` as `SET`,
//! a blocking pop as the pop it did). Keys the server deletes by itself
//! (expired, evicted) go out as `DEL`. A transaction goes out as one
//! `MULTI ... EXEC` unit. A `SELECT` is inserted whenever the database changes.

use crate::numbers::format_i64;

/// The pending effect stream and its bookkeeping. Two sinks consume it,
/// each with its own selected database: the AOF (`buf`, written before the
/// replies go out) and the replication stream (`repl_buf`, drained into the
/// backlog and the replicas by `replication::leader`). A sink that is off
/// gets nothing, and with both off nothing is encoded at all.
#[derive(Default)]
pub struct Propagation {
    /// Encoded commands not yet handed to the AOF writer.
    pub buf: Vec<u8>,
    /// Encoded commands not yet fed to the replication stream.
    pub repl_buf: Vec<u8>,
    /// The AOF sink is on (appendonly).
    aof: bool,
    /// The replication sink is on (a backlog exists).
    replication: bool,
    /// The database each sink last SELECTed (None: none yet).
    aof_db: Option<usize>,
    repl_db: Option<usize>,
    /// Inside EXEC: its effects, gathered until it ends. Two or more go
    /// out as one MULTI ... EXEC unit, a single one alone, none at all
    /// when the transaction changed nothing (as Redis 7.0 does).
    exec: Option<Vec<(usize, Vec<Vec<u8>>)>>,
    /// Effects the running command's handler asked for instead of its argv.
    rewritten: Vec<Vec<Vec<u8>>>,
}

impl Propagation {
    /// Whether any sink consumes the stream: when false nothing is encoded.
    #[inline]
    pub fn enabled(&self) -> bool {
        self.aof | self.replication
    }

    /// Turns the AOF sink on or off (appendonly). Off drops what it held.
    pub fn set_aof(&mut self, on: bool) {
        self.aof = on;
        if !on {
            self.buf.clear();
        }
    }

    /// Turns the replication sink on or off (a backlog exists or not). Off
    /// drops what it held; on starts with a SELECT.
    pub fn set_replication(&mut self, on: bool) {
        self.replication = on;
        self.repl_db = None;
        if !on {
            self.repl_buf.clear();
        }
    }

    /// Appends one command (`args`, run in `db`) to the stream.
    pub fn command<A: AsRef<[u8]>>(&mut self, db: usize, args: &[A]) {
        if !self.enabled() {
            return;
        }
        if let Some(unit) = self.exec.as_mut() {
            unit.push((db, args.iter().map(|a| a.as_ref().to_vec()).collect()));
            return;
        }
        self.emit(db, args);
    }

    /// Encodes one command into every sink that is on.
    fn emit<A: AsRef<[u8]>>(&mut self, db: usize, args: &[A]) {
        self.each_sink(|buf, selected| {
            select(buf, selected, db);
            encode(buf, args);
        });
    }

    /// Runs `f` on each sink that is on: its buffer and selected database.
    fn each_sink(&mut self, mut f: impl FnMut(&mut Vec<u8>, &mut Option<usize>)) {
        if self.aof {
            f(&mut self.buf, &mut self.aof_db);
        }
        if self.replication {
            f(&mut self.repl_buf, &mut self.repl_db);
        }
    }

    /// A key the server removed by itself (expired, evicted): `DEL key`.
    pub fn deleted(&mut self, db: usize, key: &[u8]) {
        self.command(db, &[b"DEL".as_slice(), key]);
    }

    /// EXEC begins: what its commands propagate forms one MULTI ... EXEC unit.
    pub fn begin_exec(&mut self) {
        self.exec = Some(Vec::new());
    }

    /// True while EXEC runs its queued commands.
    pub fn in_exec(&self) -> bool {
        self.exec.is_some()
    }

    /// EXEC ends: its effects go out, wrapped in MULTI ... EXEC when there
    /// are several.
    pub fn end_exec(&mut self) {
        let unit = self.exec.take().unwrap_or_default();
        let wrap = unit.len() > 1;
        if wrap {
            let first_db = unit[0].0;
            self.each_sink(|buf, selected| {
                select(buf, selected, first_db);
                encode(buf, &[b"MULTI".as_slice()]);
            });
        }
        for (db, args) in &unit {
            self.emit(*db, args);
        }
        if wrap {
            self.each_sink(|buf, _| encode(buf, &[b"EXEC".as_slice()]));
        }
    }

    /// The running command propagates `args` (may be called several times
    /// for several commands) instead of its own argv.
    pub fn rewrite<A: AsRef<[u8]>>(&mut self, args: &[A]) {
        if self.enabled() {
            self.rewritten
                .push(args.iter().map(|a| a.as_ref().to_vec()).collect());
        }
    }

    /// Called by dispatch after a handler ran (when the stream is enabled):
    /// propagates what it asked for, else `argv` when `modified` (a write
    /// that changed the data).
    pub fn after_command<'a>(
        &mut self,
        db: usize,
        modified: bool,
        argv: impl FnOnce() -> Vec<&'a [u8]>,
    ) {
        let rewritten = std::mem::take(&mut self.rewritten);
        if !rewritten.is_empty() {
            for args in &rewritten {
                self.command(db, args);
            }
        } else if modified {
            self.command(db, &argv());
        }
    }

    /// The next command goes to the AOF with a SELECT first (a new AOF
    /// file starts).
    pub fn forget_selected_db(&mut self) {
        self.aof_db = None;
    }

    /// The next command goes to the replication stream with a SELECT first
    /// (a full sync starts: its replicas know no database yet).
    pub fn forget_replication_db(&mut self) {
        self.repl_db = None;
    }
}

/// Appends a SELECT to `buf` when `db` is not the one `selected` says.
fn select(buf: &mut Vec<u8>, selected: &mut Option<usize>, db: usize) {
    if *selected != Some(db) {
        *selected = Some(db);
        let n = db.to_string();
        encode(buf, &[b"SELECT".as_slice(), n.as_bytes()]);
    }
}

/// Appends `args` as a RESP multibulk.
pub fn encode<A: AsRef<[u8]>>(buf: &mut Vec<u8>, args: &[A]) {
    push_header(buf, b'*', args.len());
    for arg in args {
        let arg = arg.as_ref();
        push_header(buf, b'$', arg.len());
        buf.extend_from_slice(arg);
        buf.extend_from_slice(b"\r\n");
    }
}

fn push_header(buf: &mut Vec<u8>, kind: u8, n: usize) {
    let mut digits = [0u8; 20];
    buf.push(kind);
    buf.extend_from_slice(format_i64(n as i64, &mut digits));
    buf.extend_from_slice(b"\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream() -> Propagation {
        let mut p = Propagation::default();
        p.set_aof(true);
        p
    }

    #[test]
    fn selects_the_database_once_per_change() {
        let mut p = stream();
        p.command(0, &["SET", "a", "1"]);
        p.command(0, &["DEL", "a"]);
        p.command(3, &["SET", "b", "2"]);
        assert_eq!(
            String::from_utf8(p.buf).unwrap(),
            "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\n1\r\n\
             *2\r\n$3\r\nDEL\r\n$1\r\na\r\n\
             *2\r\n$6\r\nSELECT\r\n$1\r\n3\r\n*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$1\r\n2\r\n"
        );
    }

    #[test]
    fn a_transaction_is_one_unit_and_an_empty_one_writes_nothing() {
        let mut p = stream();
        p.begin_exec();
        p.end_exec();
        assert!(p.buf.is_empty());
        p.begin_exec();
        p.command(1, &["INCR", "x"]);
        p.command(1, &["INCR", "y"]);
        assert!(p.buf.is_empty(), "held until EXEC ends");
        p.end_exec();
        let text = String::from_utf8(std::mem::take(&mut p.buf)).unwrap();
        assert!(text.starts_with("*2\r\n$6\r\nSELECT\r\n$1\r\n1\r\n*1\r\n$5\r\nMULTI\r\n"));
        assert!(text.ends_with("$1\r\ny\r\n*1\r\n$4\r\nEXEC\r\n"), "{text}");
        // A single effect goes out alone.
        p.begin_exec();
        p.command(1, &["INCR", "x"]);
        p.end_exec();
        assert_eq!(p.buf, b"*2\r\n$4\r\nINCR\r\n$1\r\nx\r\n");
    }

    #[test]
    fn rewrites_replace_the_argv_and_nothing_is_encoded_when_disabled() {
        let mut p = stream();
        p.rewrite(&["PEXPIREAT", "k", "1000"]);
        p.after_command(0, true, || vec![b"EXPIRE".as_slice(), b"k", b"1"]);
        assert!(String::from_utf8_lossy(&p.buf).contains("PEXPIREAT"));
        assert!(!String::from_utf8_lossy(&p.buf).contains("EXPIRE\r"));
        let mut off = Propagation::default();
        off.command(0, &["SET", "a", "1"]);
        off.rewrite(&["SET", "a", "1"]);
        off.after_command(0, true, || vec![b"SET".as_slice()]);
        assert!(off.buf.is_empty());
    }

    #[test]
    fn each_sink_has_its_own_selected_db_and_either_alone_keeps_going() {
        let mut p = stream();
        p.command(2, &["SET", "a", "1"]);
        p.set_replication(true);
        p.command(2, &["SET", "b", "2"]);
        assert!(!String::from_utf8_lossy(&p.buf[30..]).contains("SELECT"));
        assert!(p
            .repl_buf
            .starts_with(b"*2\r\n$6\r\nSELECT\r\n$1\r\n2\r\n*3"));
        p.set_aof(false);
        assert!(p.enabled() && p.buf.is_empty());
        p.repl_buf.clear();
        p.begin_exec();
        p.command(2, &["INCR", "x"]);
        p.command(2, &["INCR", "x"]);
        p.end_exec();
        assert_eq!(
            String::from_utf8(std::mem::take(&mut p.repl_buf)).unwrap(),
            "*1\r\n$5\r\nMULTI\r\n*2\r\n$4\r\nINCR\r\n$1\r\nx\r\n\
             *2\r\n$4\r\nINCR\r\n$1\r\nx\r\n*1\r\n$4\r\nEXEC\r\n"
        );
        p.forget_replication_db();
        p.command(2, &["DEL", "x"]);
        assert!(p.repl_buf.starts_with(b"*2\r\n$6\r\nSELECT"));
        assert!(p.buf.is_empty());
        p.set_replication(false);
        assert!(!p.enabled());
    }
}
