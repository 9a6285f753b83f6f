//! Reading input files safely: never more than a limit (a word list or model file is
//! refused before `/dev/zero` fills the memory), and never waiting forever on a named
//! pipe that nobody writes to.

use std::io::Read;
use std::path::Path;

use crate::error::{Error, Result};

/// The bytes of the file at `path`, refusing a file larger than `limit` bytes after
/// reading at most one byte past it. A named pipe (FIFO) with no writer reads as empty
/// instead of blocking: it is opened without waiting, then read as usual, so pipes that
/// do have a writer (`--input /dev/stdin` under `cat words.txt |`) still work.
pub(crate) fn read_limited(path: impl AsRef<Path>, limit: u64) -> Result<Vec<u8>> {
    let path = path.as_ref();
    if path.is_dir() {
        return Err(Error::IsDirectory { path: path.into() });
    }
    let read_err = |io| Error::Read { path: path.into(), io };
    let file = open_without_waiting(path).map_err(read_err)?;
    read_limited_from(file, limit, &path.display().to_string())
}

/// The bytes `reader` gives (standard input, say), refusing more than `limit` after
/// reading at most one byte past it; `origin` names it in errors.
pub(crate) fn read_limited_from(reader: impl Read, limit: u64, origin: &str) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    reader.take(limit + 1).read_to_end(&mut bytes).map_err(|io| Error::Read { path: origin.into(), io })?;
    if bytes.len() as u64 > limit {
        return Err(Error::InputTooLarge { path: origin.into(), limit });
    }
    Ok(bytes)
}

/// Open for reading with `O_NONBLOCK` (opening a FIFO then does not wait for a writer),
/// then switch back to blocking reads.
#[cfg(unix)]
fn open_without_waiting(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    use std::os::unix::io::AsRawFd;
    let file = std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK).open(path)?;
    let fd = file.as_raw_fd();
    // SAFETY: fcntl on a descriptor this function owns, with flags it just read
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    if flags < 0 || unsafe { libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK) } < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(file)
}

#[cfg(not(unix))]
fn open_without_waiting(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::File::open(path)
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_are_bounded() -> crate::Result<()> {
        let path = std::env::temp_dir().join(format!("makemore-input-doc-{}", std::process::id()));
        std::fs::write(&path, b"emma\n").unwrap();
        assert_eq!(super::read_limited(&path, 5)?, b"emma\n");
        assert!(super::read_limited(&path, 4).is_err());
        assert!(super::read_limited("/dev/zero", 1 << 20).is_err());
        std::fs::remove_file(&path).unwrap();
        Ok(())
    }
}
