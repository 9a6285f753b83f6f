//! What a hostile user can do to the `makemore` command (issue 8, "What a hostile user
//! finds today", items 1-7), one test each: the command must end in bounded time and
//! memory with either a sane result or a clean failure (exit 1 with one
//! `makemore: error:` line, or clap's exit 2), never a panic, an abort or a hang.
//! Every run has a watchdog: a regression fails the test instead of hanging it.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod common;

use common::cli::*;

/// What a run did: its exit code (None: killed by a signal or by the watchdog), output,
/// peak resident memory seen, and time.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    peak_mb: u64,
    secs: f64,
    killed: Option<String>,
}

/// Run makemore with a time and memory watchdog: over either, it is killed and the run
/// says why.
fn run<A: AsRef<std::ffi::OsStr>>(args: &[A], limit: Duration, max_mb: u64) -> Run {
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_makemore"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run makemore");
    let (mut out, mut err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let out = std::thread::spawn(move || {
        let mut b = Vec::new();
        out.read_to_end(&mut b).ok();
        b
    });
    let err = std::thread::spawn(move || {
        let mut b = Vec::new();
        err.read_to_end(&mut b).ok();
        b
    });
    let (mut peak_mb, mut killed) = (0, None);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        let rss = rss_mb(child.id());
        peak_mb = peak_mb.max(rss);
        if started.elapsed() > limit || rss > max_mb {
            killed = Some(format!(
                "killed after {:.1} s at {rss} MB (limits {limit:?}, {max_mb} MB)",
                started.elapsed().as_secs_f64()
            ));
            child.kill().ok();
            break child.wait().unwrap();
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Run {
        code: status.code(),
        stdout: String::from_utf8_lossy(&out.join().unwrap()).into_owned(),
        stderr: String::from_utf8_lossy(&err.join().unwrap()).into_owned(),
        peak_mb,
        secs: started.elapsed().as_secs_f64(),
        killed,
    }
}

fn rss_mb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb / 1024)
}

/// Default limits: 20 s and 2 GB (the whole lecture runs in 1.2 GB).
const LIMIT: Duration = Duration::from_secs(20);
const MAX_MB: u64 = 2048;

/// Assert the run ended by itself, without a panic, an abort or a backtrace.
fn no_crash(args: &[&str], r: &Run) {
    assert!(r.killed.is_none(), "{args:?}: {} (stderr: {})", r.killed.as_deref().unwrap_or(""), tail(&r.stderr));
    assert!(r.code.is_some(), "{args:?}: killed by a signal (abort?): {}", tail(&r.stderr));
    for bad in ["panicked", "backtrace", "internal error", "memory allocation of"] {
        assert!(!r.stderr.contains(bad), "{args:?}: {}", tail(&r.stderr));
    }
}

/// Assert a clean failure: exit 1 with one `makemore: error:` line last (or clap's exit
/// 2), nothing on stdout, and `needle` in the message.
fn clean_failure(args: &[&str], r: &Run, needle: &str) {
    no_crash(args, r);
    assert_clean_failure(args, r.code, &r.stdout, &r.stderr, needle);
}

/// Run and expect a clean failure mentioning `needle`, within the limits.
fn fails(args: &[&str], needle: &str) -> Run {
    let r = run(args, LIMIT, MAX_MB);
    clean_failure(args, &r, needle);
    r
}

/// Run: it may succeed (then `check` judges the output) or fail cleanly; never crash.
fn ok_or_clean_failure(args: &[&str], check: impl Fn(&str)) -> Run {
    let r = run(args, LIMIT, MAX_MB);
    no_crash(args, &r);
    if r.code == Some(0) {
        check(&r.stdout);
    } else {
        clean_failure(args, &r, "");
    }
    r
}

/// `n` distinct characters that a word may hold (no controls, whitespace, '.' or
/// Unicode noncharacters such as U+FDD0 and U+FFFE, which a word list may refuse).
fn distinct_chars(n: usize) -> String {
    let nonchar = |c: char| matches!(c as u32, 0xfdd0..=0xfdef) || (c as u32 & 0xfffe) == 0xfffe;
    (0xa1u32..)
        .filter_map(char::from_u32)
        .filter(|&c| !c.is_control() && !c.is_whitespace() && !nonchar(c))
        .take(n)
        .collect()
}

/// Every sampled word: non-empty lines made of characters of `alphabet`.
fn words_from(alphabet: &str) -> impl Fn(&str) + '_ {
    move |out: &str| {
        assert!(!out.is_empty(), "no words");
        for w in out.lines() {
            assert!(w.chars().all(|c| alphabet.contains(c)), "sampled {w:?}");
            assert!(w.chars().count() <= makemore::MAX_WORD_CHARS, "a word over the cap: {}", w.chars().count());
        }
    }
}

/// A safetensors file in makemore's format with the given metadata and tensors.
fn model_file(
    dir: &Dir,
    name: &str,
    meta: &[(&str, &str)],
    tensors: &[(&str, safetensors::Dtype, Vec<usize>, Vec<u8>)],
) -> String {
    let views: Vec<(String, safetensors::tensor::TensorView)> = tensors
        .iter()
        .map(|(n, dtype, shape, data)| {
            (n.to_string(), safetensors::tensor::TensorView::new(*dtype, shape.clone(), data).unwrap())
        })
        .collect();
    let mut m: std::collections::HashMap<String, String> =
        [("format", "makemore-bigram"), ("version", "1")].iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    m.extend(meta.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let bytes = safetensors::serialize(views, &Some(m)).unwrap();
    dir.file(name, &bytes)
}

fn f32s(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn i64s(v: &[i64]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

const VOCAB3: &str = r#"[".","a","b"]"#;

/// An MLP file over VOCAB3 with context 2, embedding 1, hidden 2, with the given `C`, `b2`
/// and `W2` (2×3: the four values given, then the first two again); `W1` and `b1` fixed.
fn mlp_file(dir: &Dir, name: &str, c: [f32; 3], w2: [f32; 4], b2: [f32; 3]) -> String {
    use safetensors::Dtype::F32;
    let w2 = [w2[0], w2[1], w2[2], w2[3], w2[0], w2[1]];
    model_file(
        dir,
        name,
        &[("kind", "mlp"), ("vocab", VOCAB3), ("context", "2"), ("embedding", "1"), ("hidden", "2")],
        &[
            ("C", F32, vec![3, 1], f32s(&c)),
            ("W1", F32, vec![2, 2], f32s(&[1.0, -1.0, 0.5, 2.0])),
            ("b1", F32, vec![2], f32s(&[0.0, 0.1])),
            ("W2", F32, vec![2, 3], f32s(&w2)),
            ("b2", F32, vec![3], f32s(&b2)),
        ],
    )
}

/// Item 1: a one-line file of 100,000 distinct characters: refused before a 40 GB table
/// is allocated.
#[test]
fn huge_alphabet_is_refused_before_allocating() {
    let dir = Dir::new();
    let input = dir.file("wide.txt", (distinct_chars(100_000) + "\n").as_bytes());
    let out = dir.arg("m.safetensors");
    for model in ["counts", "neural", "mlp"] {
        fails(&["train", "--input", &input, "--model", model, "--out", &out], "characters");
    }
    fails(&["train", "--input", &input, "--model", "counts", "--context", "3", "--out", &out], "characters");
    fails(&["heatmap", "--input", &input, "--out", &dir.arg("h.svg")], "");
    assert!(!Path::new(&out).exists());
}

/// Item 2: smoothing that training accepts must not break sampling and evaluation, and
/// `heatmap --view probs` must not draw NaN.
#[test]
fn extreme_smoothing_gives_clean_errors_or_valid_results() {
    let dir = Dir::new();
    let input = dir.file("w.txt", b"emma\nava\nolivia\n");
    let out = dir.arg("m.safetensors");
    for k in ["1e38", "1e308", "1e-50"] {
        let train = ["train", "--input", &input, "--model", "counts", "--smoothing", k, "--out", &out];
        let r = ok_or_clean_failure(&train, |_| {});
        if r.code != Some(0) {
            continue;
        }
        ok_or_clean_failure(&["sample", "--model", &out, "--num", "5"], words_from("emavoli"));
        ok_or_clean_failure(&["sample", "--model", &out, "--num", "5", "--fast"], words_from("emavoli"));
        ok_or_clean_failure(&["eval", "--model", &out, "--input", &input, "--json"], |json| {
            let v: serde_json::Value = serde_json::from_str(json).unwrap();
            let nll = v["parts"][0]["nll"].as_f64().unwrap_or(f64::NAN);
            // every bigram of the training list has a probability > 0 with smoothing > 0
            assert!(nll.is_finite() && nll > 0.0, "smoothing {k}: {json}");
            assert_eq!(v["parts"][0]["zero_prob_ngrams"], 0, "smoothing {k}: {json}");
        });
    }
    let svg = dir.arg("p.svg");
    for k in ["1e38", "1e308"] {
        let args = ["heatmap", "--input", &input, "--out", &svg, "--view", "probs", "--smoothing", k];
        let r = ok_or_clean_failure(&args, |_| {});
        if r.code == Some(0) {
            let text = std::fs::read_to_string(&svg).unwrap();
            assert!(!text.contains("NaN") && !text.contains("inf"), "smoothing {k}: the figure shows NaN or inf");
        }
    }
}

/// Item 3: model files that could load but not be sampled: each is refused or samples.
#[test]
fn tampered_models_that_load_sample_cleanly_or_are_refused() {
    use safetensors::Dtype::{F32, I64};
    let dir = Dir::new();
    let words = dir.file("w.txt", b"ab\nba\n");
    let cases = [
        // all weights ≤ -200: exp underflows to 0 in every row
        model_file(
            &dir,
            "low.safetensors",
            &[("kind", "neural"), ("vocab", VOCAB3)],
            &[("W", F32, vec![3, 3], f32s(&[-300.0; 9]))],
        ),
        // trigram weights of ±3e38
        model_file(
            &dir,
            "huge.safetensors",
            &[("kind", "neural"), ("vocab", VOCAB3), ("context", "2")],
            &[(
                "W",
                F32,
                vec![6, 3],
                f32s(&[
                    3e38, -3e38, 3e38, -3e38, 3e38, -3e38, 3e38, 3e38, -3e38, 3e38, -3e38, 3e38, 3e38, -3e38, 3e38,
                    -3e38, 3e38, 3e38,
                ]),
            )],
        ),
        // an n-gram context row of zeros, smoothing 0
        model_file(
            &dir,
            "zero-row.safetensors",
            &[("kind", "counts"), ("vocab", VOCAB3), ("context", "2"), ("smoothing", "0")],
            &[("contexts", I64, vec![1, 2], i64s(&[0, 0])), ("N", I64, vec![1, 3], i64s(&[0, 0, 0]))],
        ),
        // smoothing 1e-50 (0 in float32) with unseen transitions
        model_file(
            &dir,
            "tiny-k.safetensors",
            &[("kind", "counts"), ("vocab", VOCAB3), ("context", "2"), ("smoothing", "1e-50")],
            &[("contexts", I64, vec![1, 2], i64s(&[0, 0])), ("N", I64, vec![1, 3], i64s(&[0, 1, 0]))],
        ),
        // a bigram counts model whose row for 'a' is all zeros, smoothing 0
        model_file(
            &dir,
            "bigram-zero-row.safetensors",
            &[("kind", "counts"), ("vocab", VOCAB3), ("smoothing", "0")],
            &[("N", I64, vec![3, 3], i64s(&[0, 1, 0, 0, 0, 0, 1, 0, 0]))],
        ),
        // MLPs (context 2, embedding 1, hidden 2): the end token at -1e15 (never drawn:
        // words stop at the length cap), every weight at ±1e15 (logits of 1e30), NaN, 3e38
        mlp_file(&dir, "mlp-no-end.safetensors", [1.0; 3], [0.5; 4], [-1e15, 0.0, 0.0]),
        mlp_file(&dir, "mlp-huge.safetensors", [1e15, -1e15, 1e15], [-1e15, 1e15, 1e15, -1e15], [1e15; 3]),
        mlp_file(&dir, "mlp-nan.safetensors", [f32::NAN, 0.0, 0.0], [0.5; 4], [0.0; 3]),
        mlp_file(&dir, "mlp-3e38.safetensors", [1.0; 3], [3e38; 4], [0.0; 3]),
    ];
    for model in &cases {
        ok_or_clean_failure(&["sample", "--model", model, "--num", "3"], words_from("ab"));
        ok_or_clean_failure(&["eval", "--model", model, "--input", &words], |_| {});
    }
}

/// Item 4: sampling that never ends. A model file in which no context leads to the end
/// token must be refused (or sampling must stop at the documented length cap), and a
/// model trained on one 100,000-character word must sample in bounded time.
#[test]
fn sampling_always_ends() {
    use safetensors::Dtype::{F32, I64};
    let dir = Dir::new();
    let no_end = [
        model_file(
            &dir,
            "counts.safetensors",
            &[("kind", "counts"), ("vocab", VOCAB3), ("smoothing", "0")],
            &[("N", I64, vec![3, 3], i64s(&[0, 5, 5, 0, 5, 5, 0, 5, 5]))],
        ),
        model_file(
            &dir,
            "trigram.safetensors",
            &[("kind", "counts"), ("vocab", VOCAB3), ("context", "2"), ("smoothing", "0")],
            &[("contexts", I64, vec![1, 2], i64s(&[0, 0])), ("N", I64, vec![1, 3], i64s(&[0, 1, 1]))],
        ),
        model_file(
            &dir,
            "neural.safetensors",
            &[("kind", "neural"), ("vocab", VOCAB3)],
            &[("W", F32, vec![3, 3], f32s(&[-150.0, 0.0, 0.0, -150.0, 0.0, 0.0, -150.0, 0.0, 0.0]))],
        ),
    ];
    for model in &no_end {
        for extra in [&[][..], &["--fast"][..]] {
            let args = [&["sample", "--model", model, "--num", "3"][..], extra].concat();
            ok_or_clean_failure(&args, words_from("ab"));
        }
    }
    let long = dir.file("long.txt", ("ab".repeat(50_000) + "\n").as_bytes());
    let out = dir.arg("long.safetensors");
    let r = run(&["train", "--input", &long, "--model", "counts", "--smoothing", "0", "--out", &out], LIMIT, MAX_MB);
    no_crash(&["train"], &r);
    ok_or_clean_failure(&["sample", "--model", &out, "--num", "3"], words_from("ab"));
}

/// The characters XML 1.0 allows in a document.
fn xml_char(c: char) -> bool {
    matches!(c as u32, 0x9 | 0xa | 0xd | 0x20..=0xd7ff | 0xe000..=0xfffd | 0x10000..=0x10ffff)
}

/// Item 5: a word with U+FFFF (`printf 'emma\n\xef\xbf\xbfx\n'`): `heatmap` must not
/// write an SVG that no XML parser reads.
#[test]
fn heatmap_of_xml_forbidden_characters_is_valid_svg_or_refused() {
    let dir = Dir::new();
    let input = dir.file("w.txt", b"emma\n\xef\xbf\xbfx\n");
    for view in [&[][..], &["--view", "probs"][..], &["--row", "x"][..]] {
        let svg = dir.arg("h.svg");
        let args = [&["heatmap", "--input", &input, "--out", &svg][..], view].concat();
        let r = ok_or_clean_failure(&args, |_| {});
        if r.code == Some(0) {
            let text = std::fs::read_to_string(&svg).unwrap();
            assert!(text.chars().all(xml_char), "{view:?}: the SVG holds a character XML forbids");
            for bad in ["&#xffff;", "&#xFFFF;", "&#65535;", "&#xfffe;", "&#xFFFE;", "&#0;"] {
                assert!(!text.contains(bad), "{view:?}: the SVG refers to a character XML forbids: {bad}");
            }
        }
    }
}

/// Item 6: unbounded reads: `--input /dev/zero` or `/dev/urandom` must fail fast.
#[test]
fn endless_inputs_fail_fast() {
    let dir = Dir::new();
    for input in ["/dev/zero", "/dev/urandom"] {
        for args in [
            vec!["train", "--input", input, "--model", "counts", "--out", &dir.arg("m.safetensors")],
            vec!["heatmap", "--input", input, "--out", &dir.arg("h.svg")],
        ] {
            let r = run(&args, Duration::from_secs(20), 1024);
            clean_failure(&args, &r, "");
        }
    }
}

/// Item 7: `heatmap` checks its 1,000-token limit only after building everything: 3,001
/// characters take 2.3 GB and 3.4 s before the error. Limits come first.
#[test]
fn heatmap_limit_is_checked_before_building() {
    let dir = Dir::new();
    let input = dir.file("wide.txt", (distinct_chars(3001) + "\n").as_bytes());
    let args = ["heatmap", "--input", &input, "--out", &dir.arg("h.svg")];
    // libtorch and the binary alone take about 120 MB: a check before building stays far
    // below 600 MB and a second
    let r = run(&args, Duration::from_secs(10), 600);
    clean_failure(&args, &r, "");
    assert!(r.peak_mb < 600 && r.secs < 5.0, "{:.1} s, {} MB", r.secs, r.peak_mb);
}

/// Tried while looking for odd flags: `tune` with 20,000 `--values` trains one model per
/// value, in seconds. Kept as a guard on time and memory.
#[test]
fn tune_with_a_very_long_value_list_is_bounded() {
    let dir = Dir::new();
    let input = dir.file("w.txt", "emma\nava\nolivia\nmia\nzoë\n".repeat(4).as_bytes());
    let values = vec!["1"; 20_000].join(",");
    let args = ["tune", "--input", &input, "--model", "counts", "--values", &values, "--split", "60/20/20"];
    ok_or_clean_failure(&args, |out| assert!(out.contains("chosen smoothing"), "{}", tail(out)));
}

/// Found on the fixed branch: an error that quotes the offending word quotes all of it,
/// so a 100,000-character line gives a 400 KB "one-line" message.
#[test]
fn errors_quote_long_words_shortened() {
    let dir = Dir::new();
    let out = dir.arg("m.safetensors");
    let long = "a".repeat(100_000);
    for (name, line) in [("dot.txt", format!("{long}.b\n")), ("tab.txt", format!("{long}\tb\n"))] {
        let input = dir.file(name, line.as_bytes());
        fails(&["train", "--input", &input, "--model", "counts", "--out", &out], "line 1");
    }
    let model = dir.arg("c.safetensors");
    let good = dir.file("good.txt", b"ab\n");
    let r = run(&["train", "--input", &good, "--model", "counts", "--out", &model], LIMIT, MAX_MB);
    no_crash(&["train"], &r);
    let unknown = dir.file("unknown.txt", format!("{long}x\n").as_bytes());
    fails(&["eval", "--model", &model, "--input", &unknown], "line 1");
}

/// Found while trying odd paths: `--input` (or `--model`) a FIFO nobody writes to used to
/// block forever. It now reads as empty ("no words", "not a usable makemore model"), while
/// a pipe with a writer (`cat words.txt | makemore train --input /dev/stdin`) still works.
#[test]
fn odd_paths_fail_cleanly() {
    let dir = Dir::new();
    let out = dir.arg("m.safetensors");
    fails(&["train", "--input", "", "--model", "counts", "--out", &out], "");
    let fifo = dir.arg("fifo");
    let made = Command::new("mkfifo").arg(&fifo).status().map(|s| s.success()).unwrap_or(false);
    if made {
        let args = ["train", "--input", &fifo, "--model", "counts", "--out", &out];
        let r = run(&args, Duration::from_secs(10), MAX_MB);
        clean_failure(&args, &r, "no words");
        let args = ["sample", "--model", &fifo];
        let r = run(&args, Duration::from_secs(10), MAX_MB);
        clean_failure(&args, &r, "not a usable makemore model");
    }
}

/// File names are bytes: a name that is not UTF-8 works wherever a file goes (`--out`,
/// `--model`, `--plot`), a missing one is a clean failure, and in a flag that is not a
/// file it is one line with exit 2 (issue 26: `std::env::args()` panicked on them).
#[test]
fn file_names_that_are_not_utf8_never_panic() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let dir = Dir::new();
    let input = dir.file("w.txt", b"emma\nava\nanna\nmia\nella\nsofia\n");
    let name = |bytes: &[u8]| dir.root().join(OsStr::from_bytes(bytes)).into_os_string();
    let (model, figure, plot, missing) = (name(b"\xff.st"), name(b"\xff.svg"), name(b"t\xfe.png"), name(b"\xfe"));
    let o = |s: &str| std::ffi::OsString::from(s);
    let ok = [
        vec![o("train"), o("--input"), o(&input), o("--model"), o("counts"), o("--out"), model.clone()],
        vec![o("sample"), o("--model"), model.clone(), o("--num"), o("2")],
        vec![o("eval"), o("--model"), model.clone(), o("--input"), o(&input), o("--json")],
        vec![o("heatmap"), o("--input"), o(&input), o("--out"), figure.clone()],
        vec![o("tune"), o("--input"), o(&input), o("--model"), o("counts"), o("--values"), o("1"), o("--plot"), plot],
    ];
    for args in &ok {
        let r = run(args, LIMIT, MAX_MB);
        no_crash(&["(a file name that is not UTF-8)"], &r);
        assert_eq!(r.code, Some(0), "{args:?}: {}", r.stderr);
    }
    assert!(Path::new(&model).exists() && Path::new(&figure).exists());
    let r = run(&[o("eval"), o("--model"), model.clone(), o("--input"), missing.clone()], LIMIT, MAX_MB);
    clean_failure(&["eval --input (missing, not UTF-8)"], &r, "cannot read '");
    let r = run(&[o("sample"), o("--model"), missing], LIMIT, MAX_MB);
    clean_failure(&["sample --model (missing, not UTF-8)"], &r, "cannot read '");
    let bad = OsStr::from_bytes(b"\xff").to_os_string();
    let r = run(&[o("train"), o("--input"), o(&input), o("--model"), bad.clone(), o("--out"), o("x")], LIMIT, MAX_MB);
    no_crash(&["train --model \\xff"], &r);
    assert_usage_error(&["train --model \\xff"], r.code, &r.stdout, &r.stderr, "invalid --model: not valid UTF-8");
    let r = run(&[o("sample"), o("--model"), model, o("--seed"), bad], LIMIT, MAX_MB);
    assert_usage_error(&["sample --seed \\xff"], r.code, &r.stdout, &r.stderr, "invalid --seed: not valid UTF-8");
}

/// What a size costs is bounded in evaluation too: the widest hidden layer (65,536 units)
/// trains and scores names.txt in little memory, as `evaluate` sizes its batches of
/// contexts by the network's activations (it took every distinct context at once: 2.4 GB
/// of hidden activations here).
#[test]
fn the_widest_hidden_layer_trains_and_evaluates_in_bounded_memory() {
    let dir = Dir::new();
    let names = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/names.txt");
    let model = dir.arg("wide.safetensors");
    let args = ["train", "--input", names, "--model", "mlp", "--hidden", "65536", "--embedding", "1", "--steps", "2"];
    let r =
        run(&[&args[..], &["--batch", "8", "--lr", "0.001", "--out", &model]].concat(), Duration::from_secs(60), 1024);
    no_crash(&args, &r);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let args = ["eval", "--model", &model, "--input", names];
    let r = run(&args, Duration::from_secs(60), 1024);
    no_crash(&args, &r);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    eprintln!("eval of a 65,536-unit hidden layer: peak {} MB, {:.1} s", r.peak_mb, r.secs);
}
