//! Writing output files safely: to a temporary file beside the target, then renamed
//! over it, so a failure never leaves a half-written or clobbered file.

use std::ffi::OsStr;
use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};

/// Check, before any long work, that `path` can be an output file: it names a regular
/// file, or nothing yet, in a folder that exists (not a folder, not a device such as
/// `/dev/null`). Returns that folder and the file name.
///
/// ```
/// use std::path::Path;
/// assert!(makemore::check_writable(Path::new("model.safetensors")).is_ok());
/// let err = makemore::check_writable(Path::new("/no/such/dir/m.safetensors")).unwrap_err();
/// assert!(err.to_string().contains("does not exist"));
/// assert!(makemore::check_writable(Path::new("/dev/null")).is_err());
/// ```
pub fn check_writable(path: &Path) -> Result<(&Path, &OsStr)> {
    let fail = |reason: String| Error::Write { path: path.into(), reason };
    if path.is_dir() {
        return Err(fail("it is a directory".into()));
    }
    if let Ok(meta) = std::fs::metadata(path)
        && !meta.is_file()
    {
        // a device, pipe or socket (/dev/null, /dev/stdout...): renaming a file over it
        // would replace it
        return Err(fail("it is not a regular file".into()));
    }
    let name = path.file_name().ok_or_else(|| fail("it does not name a file".into()))?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        return Err(fail(format!("the folder '{}' does not exist", dir.display())));
    }
    Ok((dir, name))
}

/// Write `bytes` to `path` atomically. The folder must exist; `path` must not be a folder.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let fail = |reason: String| Error::Write { path: path.into(), reason };
    // through a symbolic link to a file, replace the file and keep the link
    let target = std::fs::canonicalize(path).ok().filter(|_| path.is_symlink());
    let path = target.as_deref().unwrap_or(path);
    let (dir, name) = check_writable(path)?;
    let tmp = dir.join(format!(".{}.{}.tmp", name.to_string_lossy(), std::process::id()));
    let written = std::fs::File::create(&tmp)
        .and_then(|mut f| f.write_all(bytes).and_then(|_| f.sync_all()))
        .and_then(|_| std::fs::rename(&tmp, path));
    written.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        fail(e.to_string())
    })
}

/// Refuse to write over the input: a typo in an output path must not replace the word
/// list it was made from. `flag` names the output as the message shows it (`"--out"`).
///
/// ```
/// use std::path::Path;
/// let here = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
/// let err = makemore::not_the_input("--out", &here, &here).unwrap_err();
/// assert!(err.to_string().contains("is the input file"));
/// assert!(makemore::not_the_input("--out", Path::new("new.svg"), &here).is_ok());
/// ```
pub fn not_the_input(flag: &str, out: &Path, input: &Path) -> Result<()> {
    if let (Ok(a), Ok(b)) = (std::fs::canonicalize(out), std::fs::canonicalize(input))
        && a == b
    {
        return Err(Error::Usage(format!("{flag} '{}' is the input file: choose another name", out.display())));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn atomic_writes_refuse_a_folder() -> crate::Result<()> {
        let dir = std::env::temp_dir();
        let path = dir.join(format!("makemore-doc-{}.txt", std::process::id()));
        super::write_atomic(&path, b"emma\n")?;
        assert_eq!(std::fs::read(&path).unwrap(), b"emma\n");
        assert!(super::write_atomic(&dir, b"x").is_err()); // a folder
        std::fs::remove_file(&path).unwrap();
        Ok(())
    }
}
