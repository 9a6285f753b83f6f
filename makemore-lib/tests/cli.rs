//! The `makemore` command as users and scripts meet it: reference results on
//! names.txt and on a non-ASCII list, and a clear one-line error for every kind of
//! bad input, with no panic and no half-written or clobbered output.

mod common;

use std::process::{Command, Output};

use common::cli::*;
use common::*;

fn makemore(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_makemore")).args(args).output().expect("run makemore")
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// Run and expect success.
fn ok(args: &[&str]) -> String {
    let out = makemore(args);
    assert!(out.status.success(), "{args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    stdout(&out)
}

/// Run and expect a clean failure ([`assert_clean_failure`]).
fn fails(args: &[&str], needle: &str) -> String {
    let out = makemore(args);
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_clean_failure(args, out.status.code(), &String::from_utf8_lossy(&out.stdout), &err, needle);
    err
}

fn train(input: &str, model: &str, extra: &[&str], out: &str) -> String {
    let mut args = vec!["train", "--input", input, "--model", model, "--out", out];
    args.extend_from_slice(extra);
    let out = makemore(&args);
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stderr).to_string()
}

fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::to_string).collect()
}

#[test]
fn counts_model_samples_and_nll_on_names() {
    let dir = Dir::new();
    let (names, model) = (s(&names_txt()), s(&dir.path("counts.safetensors")));
    train(&names, "counts", &[], &model);
    let r = reference("names-reference.json");
    assert_eq!(lines(&ok(&["sample", "--model", &model])), names_without_end(&r["samples20_counts_smoothed"]));
    let json: serde_json::Value =
        serde_json::from_str(&ok(&["eval", "--model", &model, "--input", &names, "--json"])).unwrap();
    assert_eq!(json["n"], 228146);
    assert_eq!(json["words"], 32033);
    let want = r["nll_smoothed"]["avg_exact"].as_f64().unwrap();
    let reason = "float32 logs within 1 ulp on each side, averaged in float64";
    assert_close("eval --json nll", &[json["nll"].as_f64().unwrap()], &[want], &nll_tol(228146, want), reason);
    // another seed gives other names, the same seed the same ones
    let other = ok(&["sample", "--model", &model, "--seed", "42", "--num", "5"]);
    assert_ne!(lines(&other), names_without_end(&r["samples20_counts_smoothed"])[..5]);
    assert_eq!(other, ok(&["sample", "--model", &model, "--seed", "42", "--num", "5"]));
    // the fast sampler: as many words as asked, reproducible, none empty
    let fast = ok(&["sample", "--model", &model, "--fast", "--num", "1000", "--seed", "3"]);
    assert_eq!(fast.lines().count(), 1000);
    assert!(fast.lines().all(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_lowercase())));
    assert_eq!(fast, ok(&["sample", "--model", &model, "--fast", "--num", "1000", "--seed", "3"]));
}

#[test]
fn neural_model_samples_after_200_steps_and_shows_progress() {
    let dir = Dir::new();
    let model = s(&dir.path("nn.safetensors"));
    let log = train(&s(&names_txt()), "neural", &["--steps", "200"], &model);
    assert!(log.contains("step 100/200") && log.contains("final loss 2.4830"), "{log}");
    let r = reference("names-reference.json");
    assert_eq!(lines(&ok(&["sample", "--model", &model])), names_without_end(&r["samples20_nn_after200"]));
}

#[test]
fn non_ascii_list_matches_pytorch() {
    let dir = Dir::new();
    let words = s(&fixture("accents.txt"));
    let r = reference("accents-reference.json");
    let counts = s(&dir.path("c.safetensors"));
    train(&words, "counts", &[], &counts);
    assert_eq!(lines(&ok(&["sample", "--model", &counts])), names_without_end(&r["samples20_counts_smoothed"]));
    let json: serde_json::Value =
        serde_json::from_str(&ok(&["eval", "--model", &counts, "--input", &words, "--json"])).unwrap();
    assert_eq!(json["n"], r["n_examples"]);
    let want = r["nll_smoothed"]["avg_exact"].as_f64().unwrap();
    let n = r["n_examples"].as_u64().unwrap() as usize;
    let reason = "float32 logs within 1 ulp on each side, averaged in float64";
    assert_close("eval --json nll (accents)", &[json["nll"].as_f64().unwrap()], &[want], &nll_tol(n, want), reason);
    // the default shortcut through the counts, and the lecture's one-hot path
    for extra in [vec!["--steps", "200"], vec!["--steps", "200", "--one-hot"]] {
        let nn = s(&dir.path("n.safetensors"));
        train(&words, "neural", &extra, &nn);
        assert_eq!(
            lines(&ok(&["sample", "--model", &nn])),
            names_without_end(&r["samples20_nn_after200"]),
            "{extra:?}"
        );
    }
}

#[test]
fn unsmoothed_model_reports_impossible_bigrams() {
    let dir = Dir::new();
    let train_list = dir.file("train.txt", b"ab\nba\n");
    let model = s(&dir.path("m.safetensors"));
    train(&train_list, "counts", &["--smoothing", "0"], &model);
    let unseen = dir.file("unseen.txt", b"aa\n");
    let json: serde_json::Value =
        serde_json::from_str(&ok(&["eval", "--model", &model, "--input", &unseen, "--json"])).unwrap();
    assert!(json["nll"].is_null(), "{json}");
    assert_eq!(json["zero_prob_bigrams"], 1);
    assert!(ok(&["eval", "--model", &model, "--input", &unseen]).contains("nll inf"));
}

#[test]
fn heatmap_writes_svg_and_png() {
    let dir = Dir::new();
    let (svg, png) = (dir.path("n.svg"), dir.path("n.png"));
    ok(&["heatmap", "--input", &s(&names_txt()), "--out", &s(&svg)]);
    ok(&["heatmap", "--input", &s(&names_txt()), "--out", &s(&png)]);
    let svg = std::fs::read_to_string(svg).unwrap();
    // every cell has its bigram and count: "n." 6763 and "an" 5438 among them
    for text in ["n.", "6763", "an", "5438", "..", "zz"] {
        assert!(svg.contains(&format!(">\n{text}\n</text>")), "no {text} in the figure");
    }
    assert_eq!(svg.matches("<title>").count(), 27 * 27); // a tooltip per cell
    assert!(svg.contains("<title>n.: 6763 of 18327 after 'n' (P = 0.3690)</title>"));
    let png = std::fs::read(png).unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
    assert_eq!(&png[16..24], [0, 0, 4, 180, 0, 0, 4, 180]); // 1204 x 1204
}

#[test]
fn heatmap_views() {
    let dir = Dir::new();
    let names = s(&names_txt());
    let probs = dir.path("p.svg");
    ok(&["heatmap", "--input", &names, "--out", &s(&probs), "--view", "probs", "--log-scale"]);
    let svg = std::fs::read_to_string(probs).unwrap();
    // P[n, .] with smoothing 1 is (6763 + 1) / (18327 + 27) = 0.3685
    assert!(svg.contains(">\n0.369\n</text>") && svg.contains("<title>P(. | n) = 0.368530</title>"), "probs view");
    let row = dir.path("q.svg");
    ok(&["heatmap", "--input", &names, "--out", &s(&row), "--row", "q"]);
    assert!(std::fs::read_to_string(row).unwrap().contains("what comes after &apos;q&apos;"));
}

#[test]
fn bad_word_lists() {
    let dir = Dir::new();
    let out = s(&dir.path("m.safetensors"));
    let train_on =
        |input: &str, needle: &str| fails(&["train", "--input", input, "--model", "counts", "--out", &out], needle);
    train_on(&s(&dir.path("missing.txt")), "cannot read");
    train_on(&s(dir.root()), "is a directory");
    train_on(&dir.file("empty.txt", b""), "no words");
    train_on(&dir.file("blank.txt", b"\n\r\n\n"), "no words");
    train_on(&dir.file("latin1.txt", b"emma\nzo\xeb\n"), "line 2: not valid UTF-8");
    train_on(&dir.file("dot.txt", b"emma\nmr.x\n"), "line 2: \"mr.x\" contains '.'");
    train_on(
        &dir.file("tab.txt", b"emma\tolivia\n"),
        "line 1: \"emma\\tolivia\" contains the control character U+0009",
    );
    train_on(&dir.file("nul.txt", b"ab\n\0\n"), "U+0000");
    train_on(&dir.file("space.txt", b"emma\n   \nava\n"), "line 2: the line holds only whitespace");
    train_on(&dir.file("cr.txt", b"emma\rolivia\n"), "U+000D");
    assert!(!dir.path("m.safetensors").exists(), "no model written from bad input");
    // and the same checks guard eval and heatmap
    let good = dir.file("good.txt", b"emma\r\nava\n\n");
    train(&good, "counts", &[], &out);
    fails(
        &["eval", "--model", &out, "--input", &dir.file("x.txt", b"ava\nmax\n")],
        "line 2: \"max\" contains 'x', which is not in the model's vocabulary",
    );
    fails(&["heatmap", "--input", &s(&dir.path("none.txt")), "--out", &s(&dir.path("h.svg"))], "cannot read");
}

#[test]
fn bad_numbers_in_flags() {
    let dir = Dir::new();
    let names = dir.file("w.txt", b"emma\nava\n");
    let out = s(&dir.path("m.safetensors"));
    let with = |model: &str, flag: &str, v: &str, needle: &str| {
        fails(&["train", "--input", &names, "--model", model, "--out", &out, flag, v], needle)
    };
    let counts = |flag: &str, v: &str, needle: &str| with("counts", flag, v, needle);
    let neural = |flag: &str, v: &str, needle: &str| with("neural", flag, v, needle);
    counts("--smoothing", "-1", "invalid smoothing -1");
    counts("--smoothing", "NaN", "invalid smoothing NaN");
    counts("--smoothing", "inf", "invalid smoothing inf");
    counts("--smoothing", "lots", "invalid value 'lots'");
    counts("--steps", "10", "apply to --model neural only");
    fails(
        &["train", "--input", &names, "--model", "counts", "--out", &out, "--one-hot"],
        "apply to --model neural only",
    );
    neural("--steps", "0", "invalid steps 0");
    neural("--steps", "-3", "invalid value '-3'");
    neural("--steps", "99999999999", "invalid steps 99999999999");
    neural("--steps", "99999999999999999999999", "invalid value");
    neural("--lr", "0", "invalid learning rate 0");
    neural("--lr", "-1", "invalid learning rate -1");
    neural("--lr", "nan", "invalid learning rate NaN");
    neural("--lr", "inf", "invalid learning rate inf");
    neural("--reg", "-0.5", "invalid regularization -0.5");
    neural("--reg", "NaN", "invalid regularization NaN");
    neural("--smoothing", "1", "applies to --model counts only");
    neural("--seed", "-1", "is not a seed");
    neural("--lr", "1e30", "training diverged at step");
    assert!(!dir.path("m.safetensors").exists());
    train(&names, "counts", &[], &out);
    fails(&["sample", "--model", &out, "--num", "0"], "invalid value '0'");
    fails(&["sample", "--model", &out, "--num", "-5"], "invalid value '-5'");
    fails(&["sample", "--model", &out, "--seed", "abc"], "is not a seed");
    fails(&["train", "--input", &names, "--model", "trigram", "--out", &out], "invalid value 'trigram'");
}

#[test]
fn bad_model_files() {
    let dir = Dir::new();
    let names = dir.file("w.txt", b"emma\nava\n");
    let sample = |path: &str, needle: &str| fails(&["sample", "--model", path], needle);
    sample(&s(&dir.path("missing.safetensors")), "cannot read");
    sample(&s(dir.root()), "is a directory");
    sample(&dir.file("text.safetensors", b"emma\nava\n"), "not a safetensors file");
    sample(&dir.file("empty.safetensors", b""), "not a safetensors file");
    // a real model, cut short
    let good = s(&dir.path("good.safetensors"));
    train(&names, "neural", &["--steps", "3"], &good);
    let bytes = std::fs::read(&good).unwrap();
    sample(&dir.file("cut.safetensors", &bytes[..bytes.len() - 10]), "not a usable makemore model");
    // a valid safetensors file that is not ours
    let data = [0u8; 16];
    let view = safetensors::tensor::TensorView::new(safetensors::Dtype::F32, vec![2, 2], &data).unwrap();
    let foreign = safetensors::serialize([("weight", view)], &None).unwrap();
    sample(&dir.file("foreign.safetensors", &foreign), "no 'format' in its metadata");
    // ours, with its metadata tampered with
    let tamper = |from: &str, to: &str, needle: &str| {
        assert_eq!(from.len(), to.len(), "same length keeps the header's size right");
        let at = bytes.windows(from.len()).position(|w| w == from.as_bytes()).expect("in the header");
        let mut changed = bytes.clone();
        changed[at..at + to.len()].copy_from_slice(to.as_bytes());
        sample(&dir.file("tampered.safetensors", &changed), needle);
    };
    tamper("\"neural\"", "\"neuraX\"", "unknown kind \"neuraX\"");
    tamper("\"version\":\"2\"", "\"version\":\"9\"", "version \"9\"");
    tamper("[\\\".\\\",", "[\\\"x\\\",", "vocabulary: it must start with '.'");
    // weights too large for the lecture's exp()
    let mut huge = bytes.clone();
    let n = huge.len();
    huge[n - 4..].copy_from_slice(&1e30f32.to_le_bytes());
    sample(&dir.file("huge.safetensors", &huge), "overflow exp()");
    // weights that are not finite
    let mut nan = bytes.clone();
    let n = nan.len();
    nan[n - 4..].copy_from_slice(&f32::NAN.to_le_bytes());
    sample(&dir.file("nan.safetensors", &nan), "NaN or infinite");
}

#[test]
fn bad_output_paths_leave_files_alone() {
    let dir = Dir::new();
    let names = dir.file("w.txt", b"emma\nava\n");
    let missing_dir = s(&dir.path("no/such/dir/m.safetensors"));
    fails(&["train", "--input", &names, "--model", "counts", "--out", &missing_dir], "does not exist");
    fails(&["train", "--input", &names, "--model", "counts", "--out", &s(dir.root())], "it is a directory");
    fails(
        &["heatmap", "--input", &names, "--out", &s(&dir.path("h.jpg"))],
        "heatmap writes FILE.svg, FILE.png or FILE.html",
    );
    fails(&["heatmap", "--input", &names, "--out", &s(&dir.path("nodir/h.svg"))], "does not exist");
    fails(
        &["heatmap", "--input", &names, "--out", &s(&dir.path("q.gif")), "--row", "q"],
        "heatmap writes FILE.svg, FILE.png or FILE.html",
    );
    fails(
        &["heatmap", "--input", &names, "--out", &s(&dir.path("q.svg")), "--row", "q"],
        "invalid character 'q': it is not in the vocabulary",
    );
    fails(
        &["heatmap", "--input", &names, "--out", &s(&dir.path("h.svg")), "--smoothing", "-1", "--view", "probs"],
        "invalid smoothing -1",
    );
    fails(
        &["heatmap", "--input", &names, "--out", &s(&dir.path("h.svg")), "--smoothing", "1"],
        "applies to --view probs",
    );
    // devices are never replaced by a file
    fails(&["train", "--input", &names, "--model", "counts", "--out", "/dev/null"], "not a regular file");
    fails(&["heatmap", "--input", &names, "--out", "/dev/stdout"], "not a regular file");
    // a link to a file: the file is written, the link kept
    let real = dir.path("real.safetensors");
    std::fs::write(&real, b"old").unwrap();
    let link = dir.path("link.safetensors");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    train(&names, "counts", &[], &s(&link));
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
    assert!(std::fs::read(&real).unwrap().len() > 100);
    std::fs::remove_file(&link).unwrap();
    std::fs::remove_file(&real).unwrap();
    // the input is never the output
    fails(&["train", "--input", &names, "--model", "counts", "--out", &names], "is the input file");
    assert_eq!(std::fs::read(&names).unwrap(), b"emma\nava\n");
    // a failed run never clobbers an existing output
    let keep = dir.file("keep.safetensors", b"precious");
    fails(&["train", "--input", &dir.file("bad.txt", b"a.b\n"), "--model", "counts", "--out", &keep], "contains '.'");
    fails(&["train", "--input", &names, "--model", "neural", "--lr", "1e30", "--out", &keep], "diverged");
    assert_eq!(std::fs::read(&keep).unwrap(), b"precious");
    let figure = dir.file("keep.svg", b"<svg/>");
    fails(&["heatmap", "--input", &s(&dir.path("none.txt")), "--out", &figure], "cannot read");
    assert_eq!(std::fs::read(&figure).unwrap(), b"<svg/>");
    // and nothing is left behind in the folder but what we put there
    let mut left: Vec<String> =
        std::fs::read_dir(dir.root()).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    left.sort();
    assert_eq!(left, ["bad.txt", "keep.safetensors", "keep.svg", "w.txt"]);
}

#[test]
fn model_files_are_reproducible() {
    let dir = Dir::new();
    let words = s(&fixture("accents.txt"));
    for (kind, extra) in [("counts", vec!["--smoothing", "0.5"]), ("neural", vec!["--steps", "20", "--seed", "7"])] {
        let (a, b) = (s(&dir.path("a.safetensors")), s(&dir.path("b.safetensors")));
        train(&words, kind, &extra, &a);
        train(&words, kind, &extra, &b);
        assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap(), "{kind}: same input, same seed, same bytes");
    }
}

#[test]
fn trigram_split_eval_and_tune() {
    let dir = Dir::new();
    let names = s(&names_txt());
    let model = s(&dir.path("tri.safetensors"));
    // trigram counts on all of names.txt: the PyTorch reference NLL
    train(&names, "counts", &["--context", "2"], &model);
    let json: serde_json::Value =
        serde_json::from_str(&ok(&["eval", "--model", &model, "--input", &names, "--json"])).unwrap();
    // (the sets made by `make reference` hold PyTorch's trigram NLLs)
    let sets: Vec<_> =
        reference_sets("names-reference.json").into_iter().filter(|r| r.get("trigram_nll").is_some()).collect();
    assert!(!sets.is_empty(), "no reference set has trigram NLLs: run `make reference`");
    for r in sets {
        let t = r["trigram_nll"].as_array().unwrap().iter().find(|t| t["smoothing"] == 1.0).unwrap();
        let (want, n) = (t["avg_exact"].as_f64().unwrap(), t["n"].as_u64().unwrap() as usize);
        let tol = count_model_nll_tol(27, n, want);
        let reason = "PyTorch's float32 probabilities and logs, ours in float64";
        assert_close("trigram eval --json nll", &[json["nll"].as_f64().unwrap()], &[want], &tol, reason);
    }
    assert_eq!(json["context"], 2);
    assert_eq!(lines(&ok(&["sample", "--model", &model, "--num", "3", "--seed", "5"])).len(), 3);
    fails(&["sample", "--model", &model, "--fast"], "fast sampling is for bigram models");
    // trained on the train split, reported per split
    let log = train(&names, "counts", &["--context", "2", "--split", "80/10/10", "--split-seed", "42"], &model);
    assert!(log.contains("dev   nll") && log.contains("(3203 words)"), "{log}");
    let json: serde_json::Value =
        serde_json::from_str(&ok(&["eval", "--model", &model, "--input", &names, "--split", "80/10/10", "--json"]))
            .unwrap();
    assert_eq!(
        (json["train"]["words"].as_u64(), json["dev"]["words"].as_u64(), json["test"]["words"].as_u64()),
        (Some(25626), Some(3203), Some(3204))
    );
    assert!(json["train"]["nll"].as_f64() < json["dev"]["nll"].as_f64());
    // tuning picks the lowest dev loss and draws it
    let plot = dir.path("tune.svg");
    let table = ok(&[
        "tune",
        "--input",
        &names,
        "--model",
        "counts",
        "--context",
        "2",
        "--values",
        "0.01,0.1,1",
        "--plot",
        &s(&plot),
    ]);
    assert!(
        table.contains("0.1") && table.lines().filter(|l| l.contains("<- lowest dev loss")).count() == 1,
        "{table}"
    );
    assert!(table.contains("chosen smoothing 0.1: test nll"), "{table}");
    assert!(std::fs::read_to_string(plot).unwrap().contains("train and dev loss"));
}

#[test]
fn neural_context_and_tuning_on_a_non_ascii_list() {
    let dir = Dir::new();
    let words = s(&fixture("accents.txt"));
    let model = s(&dir.path("nn3.safetensors"));
    train(&words, "neural", &["--context", "3", "--steps", "30", "--lr", "5"], &model);
    let sampled = ok(&["sample", "--model", &model, "--num", "5"]);
    assert_eq!(sampled.lines().count(), 5);
    assert_eq!(sampled, ok(&["sample", "--model", &model, "--num", "5"]), "reproducible");
    let table = ok(&[
        "tune", "--input", &words, "--model", "neural", "--values", "0,0.1", "--steps", "20", "--split", "60/20/20",
    ]);
    assert!(table.contains("chosen regularization"), "{table}");
    // counts with context, split, per-split eval and tuning on the same list
    let counts = s(&dir.path("c2.safetensors"));
    let log = train(&words, "counts", &["--context", "2", "--split", "60/20/20"], &counts);
    assert!(log.contains("(36 words)") && log.contains("(12 words)"), "{log}");
    let json: serde_json::Value =
        serde_json::from_str(&ok(&["eval", "--model", &counts, "--input", &words, "--split", "60/20/20", "--json"]))
            .unwrap();
    assert_eq!((json["train"]["words"].as_u64(), json["dev"]["words"].as_u64()), (Some(36), Some(12)));
    let plot = dir.path("t.png");
    let args =
        ["tune", "--input", &words, "--model", "counts", "--context", "3", "--values", "0.1,1", "--split", "60/20/20"];
    let table = ok(&[&args[..], &["--plot", &s(&plot)]].concat());
    assert!(table.contains("chosen smoothing"), "{table}");
    assert!(std::fs::read(plot).unwrap().starts_with(b"\x89PNG"));
}

#[test]
fn bad_exercise_flags() {
    let dir = Dir::new();
    let names = dir.file("w.txt", "emma\nava\nolivia\nmia\nzoë\n".repeat(4).as_bytes());
    let out = s(&dir.path("m.safetensors"));
    let train_with = |extra: &[&str], needle: &str| {
        let mut args = vec!["train", "--input", &names, "--model", "counts", "--out", &out];
        args.extend_from_slice(extra);
        fails(&args, needle)
    };
    train_with(&["--context", "0"], "invalid value '0'");
    train_with(&["--context", "-2"], "invalid value '-2'");
    train_with(&["--context", "65"], "invalid value '65'");
    train_with(&["--split", "80/10"], "three whole percentages");
    train_with(&["--split", "90/20/-10"], "three whole percentages");
    train_with(&["--split", "98/1/1"], "every part needs at least one word");
    train_with(&["--split-seed", "3"], "--split");
    fails(
        &["train", "--input", &names, "--model", "neural", "--context", "2", "--one-hot", "--out", &out],
        "--context 1 only",
    );
    let tune = |extra: &[&str], needle: &str| {
        let mut args = vec!["tune", "--input", &names, "--model", "counts"];
        args.extend_from_slice(extra);
        fails(&args, needle)
    };
    tune(&[], "--values");
    tune(&["--values", "0.1,NaN"], "invalid value NaN in the values to try");
    tune(&["--values", "0.1,-1"], "invalid value -1 in the values to try");
    tune(&["--values", "0.1,abc"], "invalid value 'abc'");
    tune(&["--values", "1", "--plot", &s(&dir.path("t.jpg"))], "must end in .svg or .png");
    tune(&["--values", "1", "--plot", &s(&dir.path("no/t.svg"))], "does not exist");
    fails(
        &["tune", "--input", &names, "--model", "neural", "--values", "1", "--lr", "nan"],
        "invalid learning rate NaN",
    );
    assert!(!dir.path("m.safetensors").exists());
}
