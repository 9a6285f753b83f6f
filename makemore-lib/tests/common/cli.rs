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

/// The word list a reference test trains on: `"names"` (data/names.txt) or `"accents"`
/// (tests/fixtures/accents.txt, non-ASCII), as a command-line argument.
pub fn list_path(list: &str) -> String {
    s(&if list == "names" { crate::common::names_txt() } else { crate::common::fixture("accents.txt") })
}

/// Run the `makemore` binary, which must succeed: its stdout, then its stderr.
pub fn makemore_ok(args: &[&str]) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_makemore")).args(args).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{args:?}: {}", tail(&err));
    String::from_utf8_lossy(&out.stdout).to_string() + &err
}

/// The first 20 names `makemore sample --model MODEL --num 20 --seed SEED` prints.
pub fn sampled20(model: &str, seed: &str) -> Vec<String> {
    let out = makemore_ok(&["sample", "--model", model, "--num", "20", "--seed", seed]);
    let names: Vec<String> = out.lines().take(20).map(str::to_string).collect();
    assert_eq!(names.len(), 20, "{out}");
    names
}

/// A model the CLI trained, once per test binary and word list: its folder (removed when the
/// tests end), the model file, and what the run printed.
pub struct Trained {
    pub dir: Dir,
    pub model: String,
    pub log: String,
}

/// `makemore train ARGS --split 80/10/10 --split-seed 42 --input LIST --out FILE`, run the first
/// time a test asks for it (`cell` keeps it for the others).
pub fn trained_once(cell: &'static std::sync::OnceLock<Trained>, list: &str, args: &[&str]) -> &'static Trained {
    cell.get_or_init(|| {
        let dir = Dir::new();
        let model = dir.arg("model.safetensors");
        let split = ["--split", "80/10/10", "--split-seed", "42", "--input", &list_path(list), "--out", &model];
        let log = makemore_ok(&["train"].iter().chain(args).chain(&split).copied().collect::<Vec<_>>());
        Trained { dir, model, log }
    })
}

/// The last lines of an output, for a failure message.
pub fn tail(s: &str) -> String {
    let lines: Vec<&str> = s.lines().collect();
    lines[lines.len().saturating_sub(5)..].join("\n").chars().take(1500).collect()
}

/// Assert a clean failure: exit 1 (bad data, files, training) or 2 (bad flags), nothing
/// on stdout, `needle` in the message, no panic or backtrace; and unless it is clap's own
/// usage text (an unknown or missing flag, exit 2), one `makemore: error:` line, the last
/// (progress lines may come first), that says the needle once and is a line a person can
/// read (a message that quotes a 100,000-character word whole is not one).
pub fn assert_clean_failure(args: &[&str], code: Option<i32>, stdout: &str, stderr: &str, needle: &str) {
    for bad in ["panicked", "backtrace", "internal error", "memory allocation of"] {
        assert!(!stderr.contains(bad), "{args:?}: {}", tail(stderr));
    }
    assert!(matches!(code, Some(1 | 2)), "{args:?}: exit {code:?}, stderr {}", tail(stderr));
    assert!(stdout.is_empty(), "{args:?}: printed {}", tail(stdout));
    assert!(stderr.contains(needle), "{args:?}: {:?} does not mention {needle:?}", tail(stderr));
    if code == Some(1) || stderr.starts_with("makemore: error: ") {
        let last = stderr.trim_end().lines().last().unwrap_or_default();
        assert!(last.starts_with("makemore: error: ") && last.contains(needle), "{args:?}: {}", tail(stderr));
        assert_eq!(stderr.matches("makemore: error").count(), 1, "{}", tail(stderr));
        if !needle.is_empty() {
            assert_eq!(last.matches(needle).count(), 1, "said twice: {}", tail(stderr));
        }
        assert!(last.chars().count() <= 1000, "{args:?}: a message of {} characters", last.chars().count());
    }
}

/// Assert a value error: exit 2, and stderr exactly one line,
/// `makemore: error: invalid --FLAG VALUE: ...`, holding `needle` (the flag, the value and
/// the allowed range), as the README's "Errors" paragraph promises.
pub fn assert_value_error(args: &[&str], code: Option<i32>, stdout: &str, stderr: &str, needle: &str) {
    assert_clean_failure(args, code, stdout, stderr, needle);
    assert_eq!(code, Some(2), "{args:?}: {stderr}");
    assert!(stderr.starts_with("makemore: error: invalid --"), "{args:?}: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
}

/// Assert a usage error: flags that do not go together (another kind's flag, `--out` the
/// input file). Exit 2 like a value error, and one line `makemore: error: …` naming them.
pub fn assert_usage_error(args: &[&str], code: Option<i32>, stdout: &str, stderr: &str, needle: &str) {
    assert_clean_failure(args, code, stdout, stderr, needle);
    assert_eq!(code, Some(2), "{args:?}: {stderr}");
    assert!(stderr.starts_with("makemore: error: "), "{args:?}: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
}

/// Assert the one `--json` shape of train, eval and tune (the README's "JSON output"):
/// exactly these keys, `command`, the model's kind/context/settings/file, and one entry
/// per part with these names and word counts, each with exactly its five keys.
pub fn assert_json_shape(json: &serde_json::Value, command: &str, parts: &[(&str, u64)]) {
    let keys = |v: &serde_json::Value| {
        let mut k: Vec<String> =
            v.as_object().unwrap_or_else(|| panic!("not an object: {v}")).keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(keys(json), ["command", "input", "model", "parts", "split", "training", "tuning"], "{json}");
    assert_eq!(json["command"], command, "{json}");
    assert!(json["input"].is_string(), "{json}");
    assert_eq!(keys(&json["model"]), ["context", "file", "kind", "settings"], "{json}");
    assert!(json["model"]["settings"].is_object() && json["model"]["context"].is_u64(), "{json}");
    assert!(json["split"].is_null() || keys(&json["split"]) == ["percent", "seed"], "{json}");
    let got = json["parts"].as_array().unwrap_or_else(|| panic!("no parts: {json}"));
    let names: Vec<(&str, u64)> =
        got.iter().map(|p| (p["part"].as_str().unwrap(), p["words"].as_u64().unwrap())).collect();
    assert_eq!(names, parts, "{json}");
    for p in got {
        assert_eq!(keys(p), ["ngrams", "nll", "part", "words", "zero_prob_ngrams"], "{json}");
        assert!(p["nll"].is_f64() || p["nll"].is_null(), "{json}");
    }
    assert_eq!(json["tuning"].is_null(), command != "tune", "{json}");
    if command != "train" {
        assert!(json["training"].is_null(), "{json}");
    }
}
