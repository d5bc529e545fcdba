//! Reading and damaging a server's files from the outside: the multi-part
//! AOF (manifest, incremental files of RESP commands) and directory copies,
//! so a test can cut or corrupt a copy and start a server on it.

use std::fs;
use std::path::{Path, PathBuf};

/// `appenddirname` under a server's `dir` (the default `appendonlydir`).
pub fn aof_dir(dir: &Path) -> PathBuf {
    dir.join("appendonlydir")
}

/// The file names the manifest lists, in its order.
pub fn manifest_files(dir: &Path) -> Vec<String> {
    let manifest = aof_dir(dir).join("appendonly.aof.manifest");
    let text =
        fs::read_to_string(&manifest).unwrap_or_else(|e| panic!("{}: {e}", manifest.display()));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let words: Vec<&str> = l.split_whitespace().collect();
            assert_eq!(words.first(), Some(&"file"), "manifest line {l:?}");
            words[1].to_string()
        })
        .collect()
}

/// The newest incremental file (the one the server appends to).
pub fn last_incr(dir: &Path) -> PathBuf {
    let name = manifest_files(dir)
        .into_iter()
        .rfind(|f| f.ends_with(".incr.aof"))
        .expect("the manifest lists an incremental file");
    aof_dir(dir).join(name)
}

/// One RESP command of an AOF file and where it lies.
#[derive(Clone, Debug)]
pub struct AofCommand {
    /// Byte offset of its first byte (`*`).
    pub start: usize,
    /// Byte offset just past it.
    pub end: usize,
    pub args: Vec<Vec<u8>>,
}

impl AofCommand {
    /// The command name, upper case.
    pub fn name(&self) -> String {
        String::from_utf8_lossy(&self.args[0]).to_ascii_uppercase()
    }

    /// The arguments as text, for messages and comparisons.
    pub fn text(&self) -> Vec<String> {
        self.args
            .iter()
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect()
    }
}

/// Every complete command of an AOF file's bytes, in order. Panics on
/// anything that is not a sequence of RESP multibulks (a partial last
/// command ends the list).
pub fn parse_commands(bytes: &[u8]) -> Vec<AofCommand> {
    let mut commands = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        match parse_one(bytes, at) {
            Some((args, end)) => {
                commands.push(AofCommand {
                    start: at,
                    end,
                    args,
                });
                at = end;
            }
            None => break,
        }
    }
    commands
}

/// The commands of a server's newest incremental file.
pub fn read_commands(dir: &Path) -> Vec<AofCommand> {
    parse_commands(&fs::read(last_incr(dir)).unwrap())
}

/// Parses `*N\r\n` then N `$len\r\nbytes\r\n` at `at`; None when incomplete.
fn parse_one(bytes: &[u8], at: usize) -> Option<(Vec<Vec<u8>>, usize)> {
    let (count, mut pos) = header(bytes, at, b'*')?;
    let mut args = Vec::with_capacity(count);
    for _ in 0..count {
        let (len, body) = header(bytes, pos, b'$')?;
        let end = body + len;
        if bytes.len() < end + 2 {
            return None;
        }
        assert_eq!(&bytes[end..end + 2], b"\r\n", "bulk end at {end}");
        args.push(bytes[body..end].to_vec());
        pos = end + 2;
    }
    Some((args, pos))
}

/// Reads `<kind><decimal>\r\n` at `at`: (number, offset after the line).
fn header(bytes: &[u8], at: usize, kind: u8) -> Option<(usize, usize)> {
    let rest = bytes.get(at..)?;
    let line = rest.windows(2).position(|w| w == b"\r\n")?;
    assert_eq!(rest[0], kind, "expected {:?} at offset {at}", kind as char);
    let n = std::str::from_utf8(&rest[1..line])
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| panic!("bad length at offset {at}"));
    Some((n, at + line + 2))
}

/// Copies the directory tree `from` into `to` (created if needed).
pub fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Cuts `file` to its first `len` bytes.
pub fn truncate(file: &Path, len: usize) {
    fs::OpenOptions::new()
        .write(true)
        .open(file)
        .unwrap()
        .set_len(len as u64)
        .unwrap();
}
