//! Runs the example as a user would, from a folder holding `data/names.txt`, with no
//! LD_LIBRARY_PATH: the binary must find libtorch by itself (build.rs), and print PyTorch's
//! numbers from makemore-lib's reference fixtures.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// Every reference set of the lecture (one per CPU vendor) in makemore-lib's fixtures.
fn reference_sets() -> Vec<Value> {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../makemore-lib/tests/fixtures");
    let mut sets = Vec::new();
    for entry in std::fs::read_dir(&fixtures).expect("makemore-lib/tests/fixtures") {
        let file = entry.unwrap().path().join("names-reference.json");
        if file.is_file() {
            sets.push(serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap());
        }
    }
    assert!(!sets.is_empty(), "no names-reference.json in {}", fixtures.display());
    sets
}

/// The first five names of a reference sample, as `{:?}` prints a Vec<String>.
fn five_names(v: &Value) -> String {
    let names: Vec<&str> =
        v.as_array().unwrap()[..5].iter().map(|n| n.as_str().unwrap().trim_end_matches('.')).collect();
    format!("{names:?}")
}

#[test]
fn the_example_prints_pytorchs_numbers_and_writes_its_figures() {
    let dir = std::env::temp_dir().join(format!("own-crate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let data = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data");
    std::os::unix::fs::symlink(data.canonicalize().unwrap(), dir.join("data")).unwrap();

    let out =
        Command::new(env!("CARGO_BIN_EXE_own-crate")).current_dir(&dir).env_remove("LD_LIBRARY_PATH").output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "the example failed:\n{stdout}{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<&str> = stdout.lines().collect();

    // Names compare exactly. The NLL and the loss are printed rounded (6 and 4 decimals); the
    // library's values are within 1e-6 of PyTorch's (tests/reference.rs), far from a rounding
    // boundary here (2.4545768, 2.4829957), so the printed digits must be PyTorch's digits.
    for r in reference_sets() {
        let want = [
            five_names(&r["samples20_counts_smoothed"]),
            format!("nll {:.6}", r["nll_smoothed"]["avg_exact"].as_f64().unwrap()),
            format!("loss {:.4} after 200 steps", r["train_losses_200"][199].as_f64().unwrap()),
            five_names(&r["samples20_nn_after200"]),
        ];
        assert_eq!(lines, want, "the example's output against PyTorch's reference");
    }
    let svg = std::fs::read_to_string(dir.join("bigrams.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("6763"), "bigrams.svg: the heatmap with the count of n -> .");
    let html = std::fs::read_to_string(dir.join("bigrams.html")).unwrap();
    assert!(html.contains("names.txt") && html.contains("<script"), "bigrams.html: the explorer page");
    std::fs::remove_dir_all(&dir).unwrap();
}
