//! SLOWLOG: the most recent commands that ran longer than
//! slowlog-log-slower-than microseconds, newest first, at most slowlog-max-len.

use crate::resp::Argv;
use std::collections::VecDeque;

/// Redis keeps at most this many arguments of a logged command...
const MAX_ARGS: usize = 32;
/// ...and at most this many bytes of each.
const MAX_ARG_BYTES: usize = 128;

/// One logged command.
pub struct SlowEntry {
    pub id: u64,
    /// Unix time (seconds) when it ran.
    pub time: u64,
    /// Microseconds it took.
    pub duration: u64,
    /// Its arguments, trimmed as Redis trims them.
    pub args: Vec<Vec<u8>>,
    pub client_addr: String,
    pub client_name: Vec<u8>,
}

/// The slow log.
#[derive(Default)]
pub struct SlowLog {
    entries: VecDeque<SlowEntry>,
    next_id: u64,
}

impl SlowLog {
    /// Records a command, keeping at most `max_len` entries.
    pub fn record(
        &mut self,
        argv: Argv,
        duration: u64,
        time: u64,
        client_addr: &str,
        client_name: &[u8],
        max_len: usize,
    ) {
        let mut args = Vec::with_capacity(argv.len().min(MAX_ARGS));
        for (i, arg) in argv.iter_from(0).enumerate() {
            if i == MAX_ARGS - 1 && argv.len() > MAX_ARGS {
                let more = argv.len() - MAX_ARGS + 1;
                args.push(format!("... ({more} more arguments)").into_bytes());
                break;
            }
            if arg.len() > MAX_ARG_BYTES {
                let mut a = arg[..MAX_ARG_BYTES].to_vec();
                a.extend_from_slice(
                    format!("... ({} more bytes)", arg.len() - MAX_ARG_BYTES).as_bytes(),
                );
                args.push(a);
            } else {
                args.push(arg.to_vec());
            }
        }
        self.entries.push_front(SlowEntry {
            id: self.next_id,
            time,
            duration,
            args,
            client_addr: client_addr.to_string(),
            client_name: client_name.to_vec(),
        });
        self.next_id += 1;
        self.entries.truncate(max_len);
    }

    /// The newest `count` entries (all when None).
    pub fn newest(&self, count: Option<usize>) -> impl Iterator<Item = &SlowEntry> {
        self.entries.iter().take(count.unwrap_or(usize::MAX))
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Forgets every entry (ids keep increasing, as in Redis).
    pub fn reset(&mut self) {
        self.entries.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_arguments_and_length_like_redis() {
        let mut log = SlowLog::default();
        let long = vec![b'x'; 200];
        let mut buf = Vec::new();
        let mut ranges = Vec::new();
        for i in 0..40 {
            let arg: &[u8] = if i == 1 { &long } else { b"a" };
            ranges.push(buf.len()..buf.len() + arg.len());
            buf.extend_from_slice(arg);
        }
        log.record(Argv::new(&buf, &ranges), 5, 1, "127.0.0.1:1", b"", 2);
        let e = log.newest(None).next().unwrap();
        assert_eq!(e.args.len(), 32);
        assert_eq!(e.args[31], b"... (9 more arguments)");
        assert!(e.args[1].ends_with(b"... (72 more bytes)"));
        log.record(Argv::new(&buf, &ranges[..1]), 5, 1, "a", b"", 2);
        log.record(Argv::new(&buf, &ranges[..1]), 5, 1, "a", b"", 2);
        assert_eq!(log.len(), 2);
        assert_eq!(log.newest(Some(1)).next().unwrap().id, 2);
    }
}
