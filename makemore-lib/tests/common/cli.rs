//! Running the `makemore` command in tests: temporary folders for inputs and outputs, and
//! the one judgement of a failed run (shared by cli.rs and hostile.rs).

use std::path::{Path, PathBuf};

/// A temporary folder that is removed with its files when dropped.
pub struct Dir(tempfile::TempDir);

impl Dir {
    pub fn new() -> Dir {
        Dir(tempfile::tempdir().unwrap())
    }
    /// The folder itself.
    pub fn root(&self) -> &Path {
        self.0.path()
    }
    /// The path of `name` in the folder.
    pub fn path(&self, name: &str) -> PathBuf {
        self.0.path().join(name)
    }
    /// The path of `name` in the folder, as a command-line argument.
    pub fn arg(&self, name: &str) -> String {
        s(&self.path(name))
    }
    /// Write `bytes` to `name` in the folder; returns its path as an argument.
    pub fn file(&self, name: &str, bytes: &[u8]) -> String {
        let p = self.path(name);
        std::fs::write(&p, bytes).unwrap();
        s(&p)
    }
}

/// A path as a command-line argument.
pub fn s(p: &Path) -> String {
    p.to_str().unwrap().to_string()
}

/// The last lines of an output, for a failure message.
pub fn tail(s: &str) -> String {
    let lines: Vec<&str> = s.lines().collect();
    lines[lines.len().saturating_sub(5)..].join("\n").chars().take(1500).collect()
}

/// Assert a clean failure: exit 1 (our errors) or 2 (clap's usage errors), nothing on
/// stdout, `needle` in the message, no panic or backtrace; and for exit 1, one
/// `makemore: error:` line, the last (progress lines may come first), that says the
/// needle once and is a line a person can read (a message that quotes a
/// 100,000-character word whole is not one).
pub fn assert_clean_failure(args: &[&str], code: Option<i32>, stdout: &str, stderr: &str, needle: &str) {
    for bad in ["panicked", "backtrace", "internal error", "memory allocation of"] {
        assert!(!stderr.contains(bad), "{args:?}: {}", tail(stderr));
    }
    assert!(matches!(code, Some(1 | 2)), "{args:?}: exit {code:?}, stderr {}", tail(stderr));
    assert!(stdout.is_empty(), "{args:?}: printed {}", tail(stdout));
    assert!(stderr.contains(needle), "{args:?}: {:?} does not mention {needle:?}", tail(stderr));
    if code == Some(1) {
        let last = stderr.trim_end().lines().last().unwrap_or_default();
        assert!(last.starts_with("makemore: error: ") && last.contains(needle), "{args:?}: {}", tail(stderr));
        assert_eq!(stderr.matches("makemore: error").count(), 1, "{}", tail(stderr));
        if !needle.is_empty() {
            assert_eq!(last.matches(needle).count(), 1, "said twice: {}", tail(stderr));
        }
        assert!(last.chars().count() <= 1000, "{args:?}: a message of {} characters", last.chars().count());
    }
}
