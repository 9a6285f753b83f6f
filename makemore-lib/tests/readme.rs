//! The README's CLI transcripts are real: every ```text block in README.md whose first
//! line starts with `$ makemore` is run, command by command, in a fresh folder holding
//! `data/names.txt`, and each command's output must be the lines shown under it.
//!
//! Rules for a transcript: the lines under a `$ makemore ...` line are what the command
//! prints, stderr and stdout interleaved as a terminal shows them (each stream in its own
//! order); a line `...` stands for any number of lines left out. Commands are split on
//! spaces (no quoting), and run one after the other in the same folder, so later commands
//! see the files earlier ones wrote.

use std::path::Path;
use std::process::Command;

/// The transcript blocks of README.md: each a list of (command, expected lines).
fn transcripts(readme: &str) -> Vec<Vec<(String, Vec<String>)>> {
    let mut blocks = Vec::new();
    let mut lines = readme.lines();
    while let Some(line) = lines.next() {
        if line.trim() != "```text" {
            continue;
        }
        let body: Vec<&str> = lines.by_ref().take_while(|l| l.trim() != "```").collect();
        if !body.first().is_some_and(|l| l.starts_with("$ makemore ")) {
            continue;
        }
        let mut block: Vec<(String, Vec<String>)> = Vec::new();
        for l in body {
            match l.strip_prefix("$ makemore ") {
                Some(cmd) => block.push((cmd.to_string(), Vec::new())),
                None => block.last_mut().expect("a command first").1.push(l.to_string()),
            }
        }
        blocks.push(block);
    }
    blocks
}

/// Whether `expected` (with `...` elisions) is an interleaving of all of `out` and `err`.
fn matches(expected: &[String], out: &[&str], err: &[&str]) -> bool {
    match expected.split_first() {
        None => out.is_empty() && err.is_empty(),
        Some((first, rest)) if first == "..." => {
            // skip any number of lines of either stream
            (0..=out.len()).any(|i| (0..=err.len()).any(|j| matches(rest, &out[i..], &err[j..])))
        }
        Some((first, rest)) => {
            (out.first() == Some(&first.as_str()) && matches(rest, &out[1..], err))
                || (err.first() == Some(&first.as_str()) && matches(rest, out, &err[1..]))
        }
    }
}

#[test]
fn matches_interleaves_and_elides() {
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    assert!(matches(&s(&["a", "x", "b"]), &["a", "b"], &["x"]));
    assert!(matches(&s(&["a", "...", "d"]), &["a", "b", "c", "d"], &[]));
    assert!(!matches(&s(&["a", "b"]), &["b", "a"], &[]));
    assert!(!matches(&s(&["a"]), &["a", "b"], &[]));
    assert!(!matches(&s(&["a", "...", "z"]), &["a", "b"], &[]));
}

#[test]
fn readme_transcripts_are_what_the_cli_prints() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let blocks = transcripts(&readme);
    assert!(blocks.len() >= 2, "README.md lost its CLI transcripts");
    for block in blocks {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("data")).unwrap();
        std::fs::copy(root.join("data/names.txt"), dir.path().join("data/names.txt")).unwrap();
        for (cmd, expected) in block {
            let out = Command::new(env!("CARGO_BIN_EXE_makemore"))
                .args(cmd.split_whitespace())
                .current_dir(dir.path())
                .output()
                .unwrap();
            let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
            assert!(out.status.success(), "makemore {cmd}: {stderr}");
            let (o, e): (Vec<&str>, Vec<&str>) = (stdout.lines().collect(), stderr.lines().collect());
            assert!(
                matches(&expected, &o, &e),
                "README.md shows for `makemore {cmd}`:\n{}\nbut it printed\n--- stdout\n{stdout}--- stderr\n{stderr}",
                expected.join("\n")
            );
        }
    }
}

/// The README's table of limits names each limit's constant and value: they must agree.
#[test]
fn readme_limits_are_the_library_constants() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    let mib = |bytes: u64| match bytes {
        b if b >= 1 << 30 && b % (1 << 30) == 0 => format!("{} GiB", b >> 30),
        b => format!("{} MiB", b >> 20),
    };
    let (lo, hi) = makemore::SMOOTHING_RANGE;
    let expected = [
        ("MAX_INPUT_BYTES", mib(makemore::MAX_INPUT_BYTES)),
        ("MAX_MODEL_BYTES", mib(makemore::MAX_MODEL_BYTES)),
        ("MAX_VOCAB", makemore::MAX_VOCAB.to_string()),
        ("MAX_CONTEXT", makemore::MAX_CONTEXT.to_string()),
        ("MAX_TABLE_CELLS", makemore::MAX_TABLE_CELLS.to_string()),
        ("SMOOTHING_RANGE", format!("0, or {lo:e} to {hi}").replace("1e-6", "1e-06")),
        ("MAX_WORD_CHARS", makemore::MAX_WORD_CHARS.to_string()),
        ("MAX_HEATMAP_SIDE", makemore::MAX_HEATMAP_SIDE.to_string()),
        ("EXPLORER_MAX_TOKENS", makemore::EXPLORER_MAX_TOKENS.to_string()),
        ("MAX_PARAMETERS", makemore::MAX_PARAMETERS.to_string()),
        ("MAX_BATCH_CELLS", makemore::MAX_BATCH_CELLS.to_string()),
        ("MLP_MAX_STEPS", makemore::MLP_MAX_STEPS.to_string()),
        ("MAX_EMBEDDING", makemore::MAX_EMBEDDING.to_string()),
        ("MAX_HIDDEN", makemore::MAX_HIDDEN.to_string()),
        ("MAX_BATCH", makemore::MAX_BATCH.to_string()),
    ];
    for (constant, value) in expected {
        let row = readme
            .lines()
            .find(|l| l.starts_with('|') && l.trim_end().ends_with(&format!("| `{constant}` |")))
            .unwrap_or_else(|| panic!("README has no limits row for {constant}"));
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        assert_eq!(cells[2], value, "README limit {constant}: {row}");
    }
}

/// The README's library example is examples/own-crate/src/main.rs, word for word: `make test`
/// builds and runs that crate, so the example compiles and prints what it should.
#[test]
fn readme_library_example_is_the_example_crate() {
    let root = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let section = &readme[readme.find("\n## The library\n").expect("README has a section `## The library`")..];
    let start = section.find("```rust\n").expect("a rust block in `## The library`") + "```rust\n".len();
    let block = &section[start..start + section[start..].find("```").unwrap()];
    let main = std::fs::read_to_string(root.join("examples/own-crate/src/main.rs")).unwrap();
    assert_eq!(block, main, "README's library example and examples/own-crate/src/main.rs differ");
}
