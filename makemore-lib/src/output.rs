//! Writing output files safely: to a temporary file beside the target, then renamed
//! over it, so a failure never leaves a half-written or clobbered file.

use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};

/// Write `bytes` to `path` atomically. The folder must exist; `path` must not be a folder.
///
/// ```
/// let dir = std::env::temp_dir();
/// let path = dir.join(format!("makemore-doc-{}.txt", std::process::id()));
/// makemore::write_atomic(&path, b"emma\n")?;
/// assert_eq!(std::fs::read(&path).unwrap(), b"emma\n");
/// assert!(makemore::write_atomic(&dir, b"x").is_err()); // a folder
/// # std::fs::remove_file(&path).unwrap();
/// # Ok::<(), makemore::Error>(())
/// ```
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let fail = |reason: String| Error::Write { path: path.into(), reason };
    if path.is_dir() {
        return Err(fail("it is a directory".into()));
    }
    let name = path.file_name().ok_or_else(|| fail("it does not name a file".into()))?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        return Err(fail(format!("the folder '{}' does not exist", dir.display())));
    }
    let tmp = dir.join(format!(".{}.{}.tmp", name.to_string_lossy(), std::process::id()));
    let written = std::fs::File::create(&tmp)
        .and_then(|mut f| f.write_all(bytes).and_then(|_| f.sync_all()))
        .and_then(|_| std::fs::rename(&tmp, path));
    written.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        fail(e.to_string())
    })
}
