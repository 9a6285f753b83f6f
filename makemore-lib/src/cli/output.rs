//! Where results go: every line of stdout through [`print`], which turns a closed pipe
//! (`makemore sample | head`) into [`PipeClosed`], a quiet stop of any command; and the one
//! `--json` shape of train, eval and tune ([`Report`]).

use std::fmt::Display;
use std::io::Write as _;
use std::path::Path;

use anyhow::{Context, Result};
use makemore::Evaluation;
use serde_json::{Value, json};

/// Stdout was closed by its reader: the command stops quietly, with success.
#[derive(Debug)]
pub struct PipeClosed;

impl Display for PipeClosed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("stdout was closed")
    }
}

impl std::error::Error for PipeClosed {}

/// Print `line` and a newline on stdout; a closed pipe is [`PipeClosed`].
pub fn print(line: impl Display) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{line}") {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(PipeClosed.into()),
        Err(e) => Err(e).context("writing to stdout"),
        Ok(()) => Ok(()),
    }
}

/// A path as messages and `--json` show it (a name that is not UTF-8 with U+FFFD in place
/// of its bad bytes).
pub fn shown(path: &Path) -> String {
    path.display().to_string()
}

/// One part's result as `--json` reports it.
fn part_json(name: &str, e: &Evaluation) -> Value {
    let nll = if e.nll.is_finite() { json!(e.nll) } else { Value::Null };
    json!({ "part": name, "words": e.words, "ngrams": e.ngrams, "nll": nll, "zero_prob_ngrams": e.zero_prob })
}

/// The one `--json` shape of train, eval and tune (the README describes it).
pub struct Report<'a> {
    pub command: &'a str,
    pub input: &'a Path,
    pub kind: &'a str,
    pub context: usize,
    pub settings: Value,
    pub file: Option<&'a Path>,
    pub split: Value,
    pub parts: Vec<(&'a str, Evaluation)>,
    pub training: Value,
    pub tuning: Value,
}

impl Report<'_> {
    /// Print the report as one line of JSON.
    pub fn print(&self) -> Result<()> {
        let parts: Vec<Value> = self.parts.iter().map(|(name, e)| part_json(name, e)).collect();
        let report = json!({
            "command": self.command,
            "input": shown(self.input),
            "model": {
                "kind": self.kind,
                "context": self.context,
                "settings": self.settings,
                "file": self.file.map(shown),
            },
            "split": self.split,
            "parts": parts,
            "training": self.training,
            "tuning": self.tuning,
        });
        print(report)
    }
}

/// "1 word", "2 words".
pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The text line of one part: "train nll 2.454577  (228146 n-grams of 32033 words)".
pub fn part_text(name: &str, e: &Evaluation) -> Result<()> {
    let name = if name == "all" { String::new() } else { format!("{name:<5} ") };
    print(format_args!(
        "{name}nll {:.6}  ({} of {})",
        e.nll,
        plural(e.ngrams, "n-gram", "n-grams"),
        plural(e.words, "word", "words")
    ))?;
    if e.zero_prob > 0 {
        let verb = if e.zero_prob == 1 { "has" } else { "have" };
        print(format_args!(
            "{name}{} of them {verb} probability 0 under this model (train with smoothing > 0)",
            e.zero_prob
        ))?;
    }
    Ok(())
}
