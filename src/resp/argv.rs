//! A parsed command's arguments as slices of the buffer they arrived in.

use std::ops::{Index, Range};

/// The arguments of one command: borrowed slices, no copy per argument.
#[derive(Clone, Copy)]
pub struct Argv<'a> {
    buf: &'a [u8],
    ranges: &'a [Range<usize>],
}

impl<'a> Argv<'a> {
    /// Arguments `ranges` within `buf`.
    pub fn new(buf: &'a [u8], ranges: &'a [Range<usize>]) -> Self {
        Argv { buf, ranges }
    }

    /// Number of arguments, the command name included.
    pub fn len(&self) -> usize {
        self.ranges.len()
    }

    /// True when there is no argument at all.
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// Argument `i` (0 is the command name).
    #[inline]
    pub fn get(&self, i: usize) -> &'a [u8] {
        &self.buf[self.ranges[i].clone()]
    }

    /// Every argument from `start` on.
    pub fn iter_from(&self, start: usize) -> impl Iterator<Item = &'a [u8]> + '_ {
        self.ranges[start.min(self.ranges.len())..]
            .iter()
            .map(move |r| &self.buf[r.clone()])
    }

    /// The arguments from `start` on, as a new `Argv` (for subcommands).
    pub fn tail(&self, start: usize) -> Argv<'a> {
        Argv {
            buf: self.buf,
            ranges: &self.ranges[start.min(self.ranges.len())..],
        }
    }
}

impl Index<usize> for Argv<'_> {
    type Output = [u8];
    fn index(&self, i: usize) -> &[u8] {
        &self.buf[self.ranges[i].clone()]
    }
}

/// An owned copy of a command's arguments (a queued MULTI command, a blocked
/// client's command to run again).
#[derive(Clone, Debug, Default)]
pub struct OwnedArgv {
    bytes: Vec<u8>,
    ranges: Vec<Range<usize>>,
}

impl OwnedArgv {
    /// Copies `argv`.
    pub fn from_argv(argv: Argv) -> OwnedArgv {
        let total = argv.iter_from(0).map(<[u8]>::len).sum();
        let mut bytes = Vec::with_capacity(total);
        let mut ranges = Vec::with_capacity(argv.len());
        for arg in argv.iter_from(0) {
            ranges.push(bytes.len()..bytes.len() + arg.len());
            bytes.extend_from_slice(arg);
        }
        OwnedArgv { bytes, ranges }
    }

    /// A borrowed view.
    pub fn as_argv(&self) -> Argv<'_> {
        Argv::new(&self.bytes, &self.ranges)
    }

    /// Heap bytes held (argument bytes and their ranges), for the client
    /// memory that INFO and CLIENT LIST report.
    pub fn heap_size(&self) -> usize {
        self.bytes.capacity() + self.ranges.capacity() * std::mem::size_of::<Range<usize>>()
    }
}
