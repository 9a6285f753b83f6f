//! The `makemore` command as users and scripts meet it: reference results on
//! names.txt and on a non-ASCII list, and a clear one-line error for every kind of
//! bad input, with no panic and no half-written or clobbered output.

mod common;

use std::process::{Command, Output};

use common::cli::*;
use common::*;
use makemore::check::{Bound, assert_close};

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

/// Run and expect a value error: one line, exit 2 ([`assert_value_error`]).
fn bad_value(args: &[&str], needle: &str) {
    let out = makemore(args);
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_value_error(args, out.status.code(), &String::from_utf8_lossy(&out.stdout), &err, needle);
}

/// Run and expect a usage error: one line, exit 2 ([`assert_usage_error`]).
fn bad_usage(args: &[&str], needle: &str) {
    let out = makemore(args);
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_usage_error(args, out.status.code(), &String::from_utf8_lossy(&out.stdout), &err, needle);
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
    assert_json_shape(&json, "eval", &[("all", 32033)]);
    assert_eq!((&json["model"]["kind"], &json["model"]["context"]), (&"counts".into(), &1.into()));
    assert_eq!(json["model"]["settings"], serde_json::json!({ "smoothing": 1.0 }));
    assert_eq!(json["model"]["file"].as_str(), Some(model.as_str()));
    assert_eq!(json["parts"][0]["ngrams"], 228146);
    let json = json["parts"][0].clone();
    let want = r["nll_smoothed"]["avg_exact"].as_f64().unwrap();
    let reason = "float32 logs within 1 ulp on each side, averaged in float64";
    assert_close("eval --json nll", &[json["nll"].as_f64().unwrap()], &[want], Bound::MeanOfLogs(228146), reason);
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
    let json = json["parts"][0].clone();
    assert_eq!(json["ngrams"], r["n_examples"]);
    let want = r["nll_smoothed"]["avg_exact"].as_f64().unwrap();
    let n = r["n_examples"].as_u64().unwrap() as usize;
    let reason = "float32 logs within 1 ulp on each side, averaged in float64";
    assert_close("eval --json nll (accents)", &[json["nll"].as_f64().unwrap()], &[want], Bound::MeanOfLogs(n), reason);
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
    let part = &json["parts"][0];
    assert!(part["nll"].is_null(), "{json}");
    assert_eq!(part["zero_prob_ngrams"], 1);
    let text = ok(&["eval", "--model", &model, "--input", &unseen]);
    assert_eq!(
        text,
        "nll inf  (3 n-grams of 1 word)\n1 of them has probability 0 under this model (train with smoothing > 0)\n"
    );
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
    assert!(svg.contains("<title>n.: 6763 of 18327 after &#39;n&#39; (P = 0.3690)</title>")); // escaped as HTML
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
        let args = ["train", "--input", &names, "--model", model, "--out", &out, flag, v];
        if needle.starts_with("invalid --") {
            bad_value(&args, needle)
        } else if needle.contains("--model") {
            bad_usage(&args, needle)
        } else {
            drop(fails(&args, needle))
        }
    };
    let counts = |flag: &str, v: &str, needle: &str| with("counts", flag, v, needle);
    let neural = |flag: &str, v: &str, needle: &str| with("neural", flag, v, needle);
    counts("--smoothing", "-1", "invalid --smoothing -1: must be 0 or from 1e-6 to 1e6");
    counts("--smoothing", "NaN", "invalid --smoothing NaN: must be 0 or from 1e-6 to 1e6");
    counts("--smoothing", "inf", "invalid --smoothing inf: must be 0 or from 1e-6 to 1e6");
    counts("--smoothing", "lots", "invalid --smoothing 'lots': invalid float literal");
    // one message for every training flag on a kind that is not trained
    for flag in ["--steps", "--lr", "--batch", "--seed", "--decay-at"] {
        counts(flag, "10", &format!("{flag} does not apply to --model counts (it is not trained)"));
    }
    bad_usage(
        &["train", "--input", &names, "--model", "counts", "--out", &out, "--one-hot"],
        "--one-hot applies to --model neural only",
    );
    // the sizes of the kinds with layers on the other kinds: the same message from either
    counts("--hidden", "5", "--hidden does not apply to --model counts (it has no layers)");
    neural("--embedding", "5", "--embedding does not apply to --model neural (it has no layers)");
    // a kind's own flag on another kind
    bad_usage(
        &["train", "--input", &names, "--model", "wavenet", "--out", &out, "--batchnorm"],
        "--batchnorm applies to --model mlp only",
    );
    with("mlp", "--flatten", "4", "--flatten applies to --model wavenet only");
    // training settings a trained kind does not have
    neural(
        "--batch",
        "5",
        "--batch does not apply to --model neural (its training settings are --steps, --lr and --seed)",
    );
    neural("--steps", "0", "invalid --steps 0: must be from 1 to 10,000,000");
    neural("--steps", "-3", "invalid --steps '-3'");
    neural("--steps", "99999999999", "invalid --steps 99999999999: must be from 1 to 10,000,000");
    neural("--steps", "99999999999999999999999", "invalid --steps '99999999999999999999999'");
    neural("--lr", "0", "invalid --lr 0: must be a finite number greater than 0");
    neural("--lr", "-1", "invalid --lr -1: must be a finite number greater than 0");
    neural("--lr", "nan", "invalid --lr NaN: must be a finite number greater than 0");
    neural("--lr", "inf", "invalid --lr inf: must be a finite number greater than 0");
    neural("--reg", "-0.5", "invalid --reg -0.5: must be a finite number, 0 or more");
    neural("--reg", "NaN", "invalid --reg NaN: must be a finite number, 0 or more");
    neural("--smoothing", "1", "applies to --model counts only");
    neural("--seed", "-1", "invalid --seed '-1': '-1' is not a seed (a whole number from 0 to 9223372036854775807)");
    neural("--lr", "1e30", "training diverged at step");
    neural(
        "--split-seed",
        "-3",
        "invalid --split-seed '-3': '-3' is not a seed (a whole number from 0 to 18446744073709551615)",
    );
    assert!(!dir.path("m.safetensors").exists());
    train(&names, "counts", &[], &out);
    bad_value(&["sample", "--model", &out, "--num", "0"], "invalid --num '0': 0 is not in 1..=1000000");
    bad_value(&["sample", "--model", &out, "--num", "-5"], "invalid --num '-5': -5 is not in 1..=1000000");
    bad_value(&["sample", "--model", &out, "--seed", "abc"], "invalid --seed 'abc': 'abc' is not a seed");
    bad_value(
        &["train", "--input", &names, "--model", "trigram", "--out", &out],
        "invalid --model 'trigram': must be one of counts, neural",
    );
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
        "invalid --smoothing -1: must be 0 or from 1e-6 to 1e6",
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
    bad_usage(&["train", "--input", &names, "--model", "counts", "--out", &names], "is the input file");
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
    let sets: Vec<_> = reference_sets("names-reference.json").into_iter().filter(|r| r.has("trigram_nll")).collect();
    assert!(!sets.is_empty(), "no reference set has trigram NLLs: run `make reference`");
    for r in sets {
        let t = r["trigram_nll"].as_array().unwrap().iter().find(|t| t["smoothing"] == 1.0).unwrap();
        let (want, n) = (t["avg_exact"].as_f64().unwrap(), t["n"].as_u64().unwrap() as usize);
        let tol = Bound::CountsNllVsF64 { vocab: 27, n };
        let reason = "PyTorch's float32 probabilities and logs, ours in float64";
        let got = json["parts"][0]["nll"].as_f64().unwrap();
        assert_close("trigram eval --json nll", &[got], &[want], tol, reason);
    }
    assert_json_shape(&json, "eval", &[("all", 32033)]);
    assert_eq!(json["model"]["context"], 2);
    assert_eq!(lines(&ok(&["sample", "--model", &model, "--num", "3", "--seed", "5"])).len(), 3);
    bad_usage(
        &["sample", "--model", &model, "--fast"],
        "--fast is for bigram models (context 1); this model's context is 2",
    );
    // trained on the train split, reported per split
    let split = ["--context", "2", "--split", "80/10/10", "--split-seed", "42"];
    let table = ok(&[&["train", "--input", &names, "--model", "counts", "--out", &model][..], &split].concat());
    let table: Vec<&str> = table.lines().collect();
    assert_eq!(table.len(), 3, "{table:?}");
    assert!(table[1].starts_with("dev   nll") && table[1].ends_with("of 3203 words)"), "{table:?}");
    let json: serde_json::Value =
        serde_json::from_str(&ok(&["eval", "--model", &model, "--input", &names, "--split", "80/10/10", "--json"]))
            .unwrap();
    assert_json_shape(&json, "eval", &[("train", 25626), ("dev", 3203), ("test", 3204)]);
    assert_eq!(json["split"], serde_json::json!({ "percent": [80, 10, 10], "seed": 42 }));
    assert!(json["parts"][0]["nll"].as_f64() < json["parts"][1]["nll"].as_f64());
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
    let args =
        ["train", "--input", &words, "--model", "counts", "--out", &counts, "--context", "2", "--split", "60/20/20"];
    let table = ok(&args);
    assert!(table.contains("of 36 words)") && table.contains("of 12 words)"), "{table}");
    let json: serde_json::Value =
        serde_json::from_str(&ok(&["eval", "--model", &counts, "--input", &words, "--split", "60/20/20", "--json"]))
            .unwrap();
    assert_json_shape(&json, "eval", &[("train", 36), ("dev", 12), ("test", 12)]);
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
    train_with(&["--context", "0"], "invalid --context '0': 0 is not in 1..=64");
    train_with(&["--context", "-2"], "invalid --context '-2': -2 is not in 1..=64");
    train_with(&["--context", "65"], "invalid --context '65': 65 is not in 1..=64");
    train_with(&["--split", "80/10"], "three whole percentages");
    train_with(&["--split", "90/20/-10"], "three whole percentages");
    train_with(&["--split", "98/1/1"], "every part needs at least one word");
    train_with(&["--split-seed", "3"], "--split");
    fails(
        &["train", "--input", &names, "--model", "neural", "--context", "2", "--one-hot", "--out", &out],
        "invalid --one-hot: the one-hot inputs are the lecture's bigram path: they need context 1",
    );
    let tune = |extra: &[&str], needle: &str| {
        let mut args = vec!["tune", "--input", &names, "--model", "counts"];
        args.extend_from_slice(extra);
        fails(&args, needle)
    };
    tune(&[], "--values");
    tune(&["--values", "0.1,NaN"], "invalid --values: invalid smoothing NaN: must be 0 or from 1e-6 to 1e6");
    tune(&["--values", "0.1,-1"], "invalid --values: invalid smoothing -1: must be 0 or from 1e-6 to 1e6");
    tune(&["--values", "1e-9"], "invalid --values: invalid smoothing 1e-9: must be 0 or from 1e-6 to 1e6");
    tune(&["--values", "0.1,abc"], "invalid --values 'abc': invalid float literal");
    tune(&["--values", "1", "--plot", &s(&dir.path("t.jpg"))], "must end in .svg or .png");
    tune(&["--values", "1", "--plot", &s(&dir.path("no/t.svg"))], "does not exist");
    fails(
        &["tune", "--input", &names, "--model", "neural", "--values", "1", "--lr", "nan"],
        "invalid --lr NaN: must be a finite number greater than 0",
    );
    assert!(!dir.path("m.safetensors").exists());
}

/// Run with `stdin` as standard input; returns (exit code, stdout, stderr).
fn run_with_stdin(args: &[&str], stdin: &[u8]) -> (Option<i32>, String, String) {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_makemore"))
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let out = child.wait_with_output().unwrap();
    (out.status.code(), stdout(&out), String::from_utf8_lossy(&out.stderr).to_string())
}

#[test]
fn json_has_one_shape_for_train_eval_and_tune() {
    let dir = Dir::new();
    let words = s(&fixture("accents.txt"));
    let json = |args: &[&str]| -> serde_json::Value {
        let out = makemore(args);
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| panic!("{args:?}: {e}: {}", stdout(&out)))
    };
    let counts = dir.arg("c.safetensors");
    let t = json(&["train", "--input", &words, "--model", "counts", "--smoothing", "0.5", "--out", &counts, "--json"]);
    assert_json_shape(&t, "train", &[("all", 60)]);
    assert_eq!(t["model"]["settings"], serde_json::json!({ "smoothing": 0.5 }));
    assert_eq!(t["model"]["file"].as_str(), Some(counts.as_str()));
    assert!(t["training"].is_null() && t["split"].is_null(), "{t}");
    // eval of the same file on the same words: the same part, the settings the file records
    let e = json(&["eval", "--model", &counts, "--input", &words, "--json"]);
    assert_json_shape(&e, "eval", &[("all", 60)]);
    assert_eq!((&e["parts"], &e["model"]["settings"]), (&t["parts"], &t["model"]["settings"]));
    // a network with a split: its training settings, and its loss measured in two terms
    let nn = dir.arg("n.safetensors");
    let args = ["train", "--input", &words, "--model", "neural", "--steps", "20", "--lr", "5", "--out", &nn];
    let n = json(&[&args[..], &["--split", "60/20/20", "--json"]].concat());
    assert_json_shape(&n, "train", &[("train", 36), ("dev", 12), ("test", 12)]);
    assert_eq!(
        n["model"]["settings"],
        serde_json::json!({ "steps": 20, "lr": 5.0, "reg": 0.01, "method": "exact-gradient", "seed": makemore::LECTURE_SEED })
    );
    assert_eq!(n["split"], serde_json::json!({ "percent": [60, 20, 20], "seed": 42 }));
    let tr = &n["training"];
    let (loss, nll, penalty) =
        (tr["loss"].as_f64().unwrap(), tr["nll"].as_f64().unwrap(), tr["penalty"].as_f64().unwrap());
    assert_eq!(tr["steps"], 20);
    // the data term is what eval reports on the train part, the sum is the loss
    assert_eq!(nll, n["parts"][0]["nll"].as_f64().unwrap());
    assert!(penalty > 0.0 && loss == nll + penalty, "{tr}");
    // the last step's loss is of the weights before its update: within a step of the end
    assert!((tr["last_step_loss"].as_f64().unwrap() - loss).abs() < 0.05, "{tr}");
    // tune: the chosen model's parts, every value's losses
    let tu =
        json(&["tune", "--input", &words, "--model", "counts", "--values", "0.1,1", "--split", "60/20/20", "--json"]);
    assert_json_shape(&tu, "tune", &[("train", 36), ("dev", 12), ("test", 12)]);
    assert!(tu["model"]["file"].is_null(), "{tu}");
    let rows = tu["tuning"]["values"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    let chosen = tu["tuning"]["chosen"].as_f64().unwrap();
    assert_eq!(tu["model"]["settings"]["smoothing"].as_f64(), Some(chosen));
    let best = rows.iter().find(|r| r["value"].as_f64() == Some(chosen)).unwrap();
    assert_eq!(best["dev_nll"], tu["parts"][1]["nll"]);
    assert_eq!(tu["tuning"]["tuned"], "smoothing");
}

#[test]
fn results_go_to_stdout_and_progress_to_stderr() {
    let dir = Dir::new();
    let words = s(&fixture("accents.txt"));
    let model = dir.arg("n.safetensors");
    let out = makemore(&[
        "train", "--input", &words, "--model", "neural", "--steps", "20", "--lr", "5", "--split", "60/20/20", "--out",
        &model,
    ]);
    assert!(out.status.success());
    let (table, log) = (stdout(&out), String::from_utf8_lossy(&out.stderr).to_string());
    // the table is the same as eval's on the same parts
    assert_eq!(table, ok(&["eval", "--model", &model, "--input", &words, "--split", "60/20/20"]));
    assert!(table.lines().count() == 3 && table.starts_with("train nll"), "{table}");
    assert!(log.contains("step 20/20") && log.contains("saved neural model") && !log.contains("nll 2."), "{log}");
    // the final loss names its regularization term, and its nll is the train part's
    let last = log.lines().find(|l| l.starts_with("final loss")).unwrap();
    let train_nll: f64 = table.split_whitespace().nth(2).unwrap().parse().unwrap();
    assert!(last.contains(&format!("= nll {train_nll:.4} + regularization 0.0")), "{last} / {table}");
    // counts without a split: nothing on stdout
    let out = makemore(&["train", "--input", &words, "--model", "counts", "--out", &dir.arg("c.safetensors")]);
    assert!(out.status.success() && out.stdout.is_empty());
}

#[test]
fn word_lists_as_users_have_them() {
    let dir = Dir::new();
    let model = dir.arg("m.safetensors");
    // leading and trailing whitespace is stripped, with a note: never a ' ' token
    let list = dir.file("w.txt", b"emma \n\tava\nmia\r\n  zoe  \n");
    let log = train(&list, "counts", &[], &model);
    assert!(
        log.starts_with(&format!(
            "makemore: note: stripped leading/trailing whitespace from 3 lines of '{list}' (the first: line 1)\n"
        )),
        "{log}"
    );
    let e: serde_json::Value =
        serde_json::from_str(&ok(&["eval", "--model", &model, "--input", &list, "--json"])).unwrap();
    // 17 n-grams: emma ava mia zoe and their ends, no spaces
    assert_eq!((e["parts"][0]["ngrams"].as_u64(), e["parts"][0]["words"].as_u64()), (Some(17), Some(4)));
    let out = makemore(&["eval", "--model", &model, "--input", &dir.file("clean.txt", b"emma\nava\n")]);
    assert!(out.status.success() && out.stderr.is_empty(), "no note when nothing changed");
    // one line: singular
    let log = train(&dir.file("one.txt", b"emma\nava \n"), "counts", &[], &model);
    assert!(log.contains("from 1 line of"), "{log}");
    // case is kept: 'E' is its own token, and a model without it refuses it
    train(&dir.file("lower.txt", b"emma\n"), "counts", &[], &model);
    fails(&["eval", "--model", &model, "--input", &dir.file("upper.txt", b"Emma\n")], "contains 'E', which is not in");
    // --input - reads standard input, for every command that reads words
    let (code, _, log) =
        run_with_stdin(&["train", "--input", "-", "--model", "counts", "--out", &model], b"emma\nava\n");
    assert_eq!(code, Some(0), "{log}");
    assert!(log.contains("of 2 words"), "{log}");
    let (code, text, _) = run_with_stdin(&["eval", "--model", &model, "--input", "-"], b"ava\n");
    // smoothing 1 over . a e m v: P(.a) = 2/7, P(av) = 2/8, P(va) = 2/6, P(a.) = 3/8
    let want = -[2.0f64 / 7.0, 2.0 / 8.0, 2.0 / 6.0, 3.0 / 8.0].iter().map(|p| p.ln()).sum::<f64>() / 4.0;
    assert_eq!((code, text), (Some(0), format!("nll {want:.6}  (4 n-grams of 1 word)\n")));
    let (code, _, err) = run_with_stdin(&["eval", "--model", &model, "--input", "-"], b"a.b\n");
    assert_eq!(code, Some(1));
    assert_eq!(
        err,
        "makemore: error: '<stdin>' line 1: \"a.b\" contains '.', which makemore reserves as the start/end token\n"
    );
    // --out - is refused: model files and figures are files
    bad_value(
        &["train", "--input", &list, "--model", "counts", "--out", "-"],
        "invalid --out '-': a model is written to a file",
    );
    bad_value(&["heatmap", "--input", &list, "--out", "-"], "invalid --out '-': a figure is written to a file");
    let tune = ["tune", "--input", &list, "--model", "counts", "--values", "1", "--plot", "-"];
    bad_value(&tune, "invalid --plot '-': a plot is written to a file");
    assert!(!dir.path("-").exists());
}

#[test]
fn model_kinds_and_model_files_are_told_apart() {
    let dir = Dir::new();
    let list = dir.file("w.txt", b"emma\nava\n");
    for kind in ["counts", "neural", "mlp"] {
        bad_value(
            &["sample", "--model", kind],
            &format!(
                "invalid --model '{kind}': '{kind}' is a model kind; sample reads a model file written by `makemore train --out FILE`"
            ),
        );
        bad_value(
            &["eval", "--model", kind, "--input", &list],
            "eval reads a model file written by `makemore train --out FILE`",
        );
    }
    bad_value(
        &["train", "--input", &list, "--model", "m.safetensors", "--out", &dir.arg("m.safetensors")],
        "invalid --model 'm.safetensors': must be one of counts, neural, mlp, wavenet (train and tune take a model kind; \
         `makemore sample` and `makemore eval` read model files)",
    );
    bad_value(
        &["tune", "--input", &list, "--type", "gru", "--values", "0.1"],
        "invalid --model 'gru': must be one of counts, neural, mlp, wavenet (makemore.py's --type gru trains with \
         `makemore run --type gru -i FILE -o DIR`)",
    );
    // karpathy/makemore's --type is the same flag
    let model = dir.arg("m.safetensors");
    ok(&["train", "--input", &list, "--type", "counts", "--out", &model]);
    assert!(ok(&["eval", "--model", &model, "--input", &list]).starts_with("nll "));
    // flags of another kind, in train and in tune
    bad_usage(
        &["train", "--input", &list, "--model", "counts", "--reg", "1", "--one-hot", "--out", &model],
        "--reg and --one-hot apply to --model neural only",
    );
    bad_usage(
        &["tune", "--input", &list, "--model", "counts", "--seed", "1", "--values", "1"],
        "--seed does not apply to --model counts (it is not trained)",
    );
}

#[test]
fn tune_refuses_its_values_before_it_starts() {
    let list = s(&fixture("accents.txt"));
    // nothing printed but the error line (assert_value_error checks the one line)
    bad_value(
        &["tune", "--input", &list, "--model", "counts", "--values", "1,2e6"],
        "invalid --values: invalid smoothing 2e6: must be 0 or from 1e-6 to 1e6",
    );
    bad_value(
        &["tune", "--input", &list, "--model", "neural", "--values", "0.1,-1"],
        "invalid --values: invalid regularization -1: must be a finite number, 0 or more",
    );
}

/// The help of `train` and `tune`: the flags that belong to no group before the kinds'
/// headings, each kind's flags under its heading, the training group listing each trained
/// kind's default once (no second `[default: ...]`), and what each kind tunes.
#[test]
fn help_lists_each_kinds_flags_and_defaults_once() {
    let help = ok(&["train", "--help"]);
    let at = |text: &str| help.find(text).unwrap_or_else(|| panic!("{text:?} not in\n{help}"));
    let first_heading = at("Counts model:");
    for flag in ["--input", "--out", "--split <", "--split-seed", "--json", "--model", "--context"] {
        assert!(at(flag) < first_heading, "{flag} is under a kind's heading:\n{help}");
    }
    assert!(at("Counts model:") < at("--smoothing") && at("--smoothing") < at("Neural model:"), "{help}");
    assert!(at("Neural model:") < at("--reg") && at("--one-hot") < at("MLP model:"), "{help}");
    assert!(at("MLP model:") < at("--batchnorm") && at("--batchnorm") < at("WaveNet model:"), "{help}");
    assert!(at("WaveNet model:") < at("--flatten"), "{help}");
    assert!(at("Network sizes") < at("--embedding") && at("--hidden") < at("Training"), "{help}");
    let line = |flag: &str| help.lines().find(|l| l.trim_start().starts_with(flag)).unwrap().to_string();
    assert!(
        line("--steps").ends_with("Training steps [neural: 100, mlp: 200000, wavenet: 200000]"),
        "{}",
        line("--steps")
    );
    assert!(line("--lr").ends_with("[neural: 50, mlp: 0.1, wavenet: 0.1]"), "{}", line("--lr"));
    assert!(line("--batch <").ends_with("[mlp: 32, wavenet: 32]"), "{}", line("--batch <"));
    assert!(line("--decay-at").ends_with("[mlp: half of --steps, wavenet: 150000]"), "{}", line("--decay-at"));
    assert!(line("--embedding").ends_with("[mlp: 10, wavenet: 24]"), "{}", line("--embedding"));
    assert!(line("--hidden").ends_with("[mlp: 200, wavenet: 128]"), "{}", line("--hidden"));
    assert!(line("--hidden").contains("(1 to 65536)") && line("--embedding").contains("(1 to 4096)"), "{help}");
    for flag in ["--steps", "--lr", "--batch <", "--seed", "--decay-at"] {
        assert!(!line(flag).contains("[default:"), "{}", line(flag));
    }
    let tune = ok(&["tune", "--help"]);
    assert!(
        tune.contains(
            "[counts: the smoothing; neural: the regularization; mlp: the learning rate; wavenet: the learning rate]"
        ),
        "{tune}"
    );
    assert!(!tune.contains("smoothing or regularization"), "{tune}");
    let sample = ok(&["sample", "--help"]);
    assert!(sample.contains("lecture 1's, 2147483647 (lecture 2 samples with 2147483647 + 10"), "{sample}");
}

/// `tune` varies one setting; its flag is refused there, not silently ignored.
#[test]
fn tune_refuses_the_flag_of_what_it_varies() {
    let list = s(&fixture("accents.txt"));
    bad_usage(
        &["tune", "--input", &list, "--model", "mlp", "--values", "0.1", "--lr", "1"],
        "--lr is what tune varies for --model mlp: give the values to try with --values",
    );
    bad_usage(
        &["tune", "--input", &list, "--model", "neural", "--values", "0.1", "--reg", "1"],
        "--reg is what tune varies for --model neural",
    );
    bad_usage(
        &["tune", "--input", &list, "--model", "counts", "--values", "0.1", "--smoothing", "1"],
        "--smoothing is what tune varies for --model counts",
    );
}

/// Every command stops quietly when its reader closes stdout (`| head`), not only sample:
/// exit 0, nothing on stderr.
#[test]
fn a_closed_pipe_stops_every_command_quietly() {
    let dir = Dir::new();
    let list = dir.file("w.txt", b"emma\nava\nanna\nmia\nella\nsofia\n");
    let model = dir.arg("m.safetensors");
    train(&list, "counts", &[], &model);
    let (names, work) = (s(&names_txt()), dir.arg("work"));
    for args in [
        vec!["run", "-i", &names, "-o", &work, "--type", "bigram", "--max-steps", "20"],
        vec!["eval", "--model", &model, "--input", &list],
        vec!["eval", "--model", &model, "--input", &list, "--json"],
        vec!["train", "--input", &list, "--model", "counts", "--out", &model, "--json"],
        vec!["tune", "--input", &list, "--model", "counts", "--values", "1", "--split", "34/33/33"],
        vec!["sample", "--model", &model, "--num", "1000"],
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_makemore"))
            .args(&args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take()); // closed before the command writes
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {err}");
        assert!(!err.contains("error"), "{args:?}: {err}");
    }
}

/// File names are bytes on Unix: one that is not UTF-8 works as an output and a model
/// file; missing, it is a one-line error; in a flag that takes no file, it is a one-line
/// refusal (exit 2). Never a panic.
#[test]
fn file_names_that_are_not_utf8_work_or_get_one_line() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let dir = Dir::new();
    let list = dir.file("w.txt", b"emma\nava\nanna\n");
    let model = dir.path("m").join(OsStr::from_bytes(b"\xff.st"));
    std::fs::create_dir(dir.path("m")).unwrap();
    let run = |args: &[&OsStr]| Command::new(env!("CARGO_BIN_EXE_makemore")).args(args).output().unwrap();
    let o = |s: &'static str| OsStr::new(s);
    let out = run(&[o("train"), o("--input"), list.as_ref(), o("--model"), o("counts"), o("--out"), model.as_os_str()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(model.exists());
    let out = run(&[o("sample"), o("--model"), model.as_os_str(), o("--num"), o("3")]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 3);
    let missing = dir.path("m").join(OsStr::from_bytes(b"\xfe.st"));
    let out = run(&[o("sample"), o("--model"), missing.as_os_str()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_clean_failure(&["sample"], out.status.code(), "", &err, "cannot read '");
    assert!(err.contains("\u{fffd}.st"), "{err}");
    for (args, needle) in [
        (
            vec![o("train"), o("--input"), list.as_ref(), o("--model"), OsStr::from_bytes(b"\xff"), o("--out"), o("x")],
            "invalid --model: not valid UTF-8",
        ),
        (
            vec![o("train"), o("--input"), list.as_ref(), OsStr::from_bytes(b"--model=\xff"), o("--out"), o("x")],
            "invalid --model: not valid UTF-8",
        ),
        (
            vec![o("sample"), o("--model"), model.as_os_str(), o("--num"), OsStr::from_bytes(b"\xff")],
            "invalid --num: not valid UTF-8",
        ),
    ] {
        let out = run(&args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_usage_error(&["(not UTF-8)"], out.status.code(), &String::from_utf8_lossy(&out.stdout), &err, needle);
    }
}

/// Ctrl-C during training: one line saying the step reached and that nothing was saved,
/// exit 130, no file.
#[test]
fn an_interrupted_training_says_what_was_kept() {
    let dir = Dir::new();
    let model = dir.arg("m.safetensors");
    let names = s(&names_txt());
    let mut child = Command::new(env!("CARGO_BIN_EXE_makemore"))
        .args(["train", "--input", &names, "--model", "mlp", "--out", &model])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // wait for the first step's line, then interrupt
    let mut err = child.stderr.take().unwrap();
    let mut seen = Vec::new();
    let mut buf = [0u8; 256];
    while !String::from_utf8_lossy(&seen).contains("step      1/200000") {
        let n = std::io::Read::read(&mut err, &mut buf).unwrap();
        assert!(n > 0, "{}", String::from_utf8_lossy(&seen));
        seen.extend_from_slice(&buf[..n]);
    }
    // SAFETY: kill(2) on our own child's pid
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGINT) }, 0);
    std::io::Read::read_to_end(&mut err, &mut seen).unwrap();
    let status = child.wait().unwrap();
    let text = String::from_utf8_lossy(&seen);
    assert_eq!(status.code(), Some(130), "{text}");
    let last = text.lines().last().unwrap();
    let step: usize = last
        .strip_prefix("makemore: interrupted at step ")
        .and_then(|r| r.strip_suffix(" of 200000: nothing saved"))
        .unwrap_or_else(|| panic!("{last:?}"))
        .parse()
        .unwrap();
    assert!((1..200_000).contains(&step), "{last}");
    assert!(!std::path::Path::new(&model).exists());
}

/// `--eval-every K` (with --split): the dev loss every K steps, the model kept is the one
/// with the lowest, and the first Ctrl-C saves the best so far (exit 130); kinds that
/// cannot evaluate are refused before any work.
#[test]
fn evaluation_every_k_steps_keeps_the_best_model_even_on_ctrl_c() {
    let dir = Dir::new();
    let names = s(&names_txt());
    let model = dir.arg("best.safetensors");
    let args = ["train", "--input", &names, "--model", "mlp", "--split", "80/10/10", "--steps", "600"];
    let out = makemore(&[&args[..], &["--eval-every", "200", "--lr", "1", "--out", &model]].concat());
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{err}");
    let evals: Vec<(usize, f64, bool)> = err
        .lines()
        .filter_map(|l| l.strip_prefix("after "))
        .map(|l| {
            let (steps, rest) = l.split_once(" steps: dev loss ").unwrap();
            let loss: f64 = rest.split_whitespace().next().unwrap().parse().unwrap();
            (steps.parse().unwrap(), loss, rest.contains("(the best so far: kept)"))
        })
        .collect();
    assert_eq!(evals.iter().map(|e| e.0).collect::<Vec<_>>(), [200, 400, 600], "{err}");
    // the kept model is the lowest of them, and eval scores it so (4 printed decimals)
    let lowest = evals.iter().map(|e| e.1).fold(f64::INFINITY, f64::min);
    assert!(evals.iter().filter(|e| e.2).all(|e| e.1 >= lowest) && evals.iter().any(|e| e.2 && e.1 == lowest));
    let eval = String::from_utf8_lossy(
        &makemore(&["eval", "--model", &model, "--input", &names, "--split", "80/10/10"]).stdout,
    )
    .to_string();
    let dev: f64 = eval
        .lines()
        .find_map(|l| l.strip_prefix("dev   nll "))
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!((dev - lowest).abs() < 1e-3, "dev nll {dev} of the kept model, lowest printed {lowest}");
    // kinds that cannot evaluate, and no dev words: refused before any work
    bad_usage(
        &[
            "train",
            "--input",
            "/no/such/list",
            "--model",
            "neural",
            "--split",
            "80/10/10",
            "--eval-every",
            "5",
            "--out",
            &model,
        ],
        "--eval-every does not apply to --model neural (it trains on all examples at once)",
    );
    bad_usage(
        &[
            "train",
            "--input",
            "/no/such/list",
            "--model",
            "counts",
            "--split",
            "80/10/10",
            "--eval-every",
            "5",
            "--out",
            &model,
        ],
        "--eval-every does not apply to --model counts (it is not trained)",
    );
    // Ctrl-C after the first evaluation: the best so far is saved
    let kept = dir.arg("kept.safetensors");
    let mut child = Command::new(env!("CARGO_BIN_EXE_makemore"))
        .args([
            "train",
            "--input",
            &names,
            "--model",
            "mlp",
            "--split",
            "80/10/10",
            "--eval-every",
            "500",
            "--out",
            &kept,
        ])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = child.stderr.take().unwrap();
    let (mut seen, mut buf) = (Vec::new(), [0u8; 256]);
    while !String::from_utf8_lossy(&seen).contains("after 500 steps: dev loss") {
        let n = std::io::Read::read(&mut err, &mut buf).unwrap();
        assert!(n > 0, "{}", String::from_utf8_lossy(&seen));
        seen.extend_from_slice(&buf[..n]);
    }
    // SAFETY: kill(2) on our own child's pid
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGINT) }, 0);
    std::io::Read::read_to_end(&mut err, &mut seen).unwrap();
    let status = child.wait().unwrap();
    let text = String::from_utf8_lossy(&seen);
    assert_eq!(status.code(), Some(130), "{text}");
    let last = text.lines().last().unwrap();
    assert!(
        last.starts_with("makemore: interrupted at step ") && last.contains(": saved the best model so far (after "),
        "{last}"
    );
    assert_eq!(makemore::load_model(&kept).unwrap().kind(), "mlp");
}

/// `tune` says which value it trains, one line each (and a bar on a terminal): no silence
/// of a whole training per value.
#[test]
fn tune_shows_progress_per_value() {
    let list = s(&fixture("accents.txt"));
    for (model, what) in [("neural", "regularization"), ("mlp", "learning rate")] {
        let args = ["tune", "--input", &list, "--model", model, "--values", "0.1,0.2", "--steps", "5"];
        let out = makemore(&args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{err}");
        let lines: Vec<&str> = err.lines().filter(|l| l.starts_with("training with")).collect();
        assert_eq!(lines, [format!("training with {what} 0.1 (1/2)"), format!("training with {what} 0.2 (2/2)")]);
    }
}
