//! File-system steps shared by every persistence writer: a file replaces its
//! previous version only once it is complete and on disk.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::Path;

/// Writes `target` through a temporary file `temp` in the same directory:
/// `write` fills it, then it is flushed, fsynced, renamed over `target`, and
/// the directory is fsynced so the rename survives a crash. On error the
/// temporary file is removed and `target` is untouched. Returns bytes written.
pub fn replace_file(
    target: &Path,
    temp: &Path,
    write: impl FnOnce(&mut BufWriter<File>) -> io::Result<u64>,
) -> io::Result<u64> {
    let result = (|| {
        let mut out = BufWriter::with_capacity(1 << 20, File::create(temp)?);
        let written = write(&mut out)?;
        out.flush()?;
        out.get_ref().sync_all()?;
        drop(out);
        fs::rename(temp, target)?;
        sync_dir(target)?;
        Ok(written)
    })();
    if result.is_err() {
        let _ = fs::remove_file(temp);
    }
    result
}

/// Fsyncs the directory holding `path` (makes a create or rename durable).
pub fn sync_dir(path: &Path) -> io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_only_when_complete() {
        let dir = std::env::temp_dir().join(format!("ferrocache-durable-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let target = dir.join("data");
        let temp = dir.join("temp-data");
        fs::write(&target, b"old").unwrap();
        let failed = replace_file(&target, &temp, |out| {
            out.write_all(b"partial")?;
            Err(io::Error::other("disk full"))
        });
        assert!(failed.is_err());
        assert_eq!(fs::read(&target).unwrap(), b"old");
        assert!(!temp.exists());
        let n = replace_file(&target, &temp, |out| out.write_all(b"new").map(|_| 3)).unwrap();
        assert_eq!((n, fs::read(&target).unwrap()), (3, b"new".to_vec()));
        fs::remove_dir_all(&dir).unwrap();
    }
}
