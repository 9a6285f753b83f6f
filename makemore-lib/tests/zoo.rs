//! `makemore run` (karpathy/makemore's command line) against makemore.py itself:
//! scripts/make_reference_zoo.py runs scripts/makemore_py/makemore.py unchanged (fixtures
//! tests/fixtures/<vendor>/{names,accents}-zoo.json). For each of the six types on two word
//! lists: 510 steps (every 10th loss printed, samples at steps 200 and 400, the evaluation
//! at 500 and the model it saves), then `--sample-only` and `--resume --max-steps 30` from
//! that model.
//!
//! On the fixture's kind of machine, at the fixture's libtorch threads (one; the MLP and the
//! Transformer two: each type's `threads`, passed to `run --threads`), every printed line is makemore.py's
//! and the saved model's tensors are its state_dict's, bit for bit. Elsewhere the lines that do not hang on rounding (the data, the split, the sizes,
//! the parameter count, the step numbers) are the same, and each printed loss is within the
//! minibatch envelope of PyTorch's (docs/tolerances.md, "makemore.py's model types").

mod common;

use std::process::Command;

use common::cli::{Dir, assert_clean_failure, list_path};
use common::sha256;
use makemore::reference::run_envelope;
use makemore::{Reference, check};
use serde_json::Value;

/// The fixture, for results computed on one libtorch thread.
fn reference(list: &str) -> Reference {
    Reference::load(&format!("{list}-zoo.json")).unwrap().at_threads(1)
}

/// The libtorch threads the fixture computed `kind` on (`--threads` for `run`).
fn threads(kind: &str) -> String {
    reference("names")["types"][kind]["threads"].as_i64().expect("the fixture's threads of a type").to_string()
}

/// `makemore run ARGS`, which must succeed: its standard output.
fn run(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_makemore")).arg("run").args(args).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "run {args:?}: {err}");
    String::from_utf8(out.stdout).unwrap()
}

/// What makemore.py printed as the reference script records it: without the argument
/// dictionary, the step times and the saved model's path.
fn printed(out: &str) -> Vec<String> {
    let best = "is the best so far, saving model to ";
    out.lines()
        .filter(|l| !l.starts_with("{'input_file'"))
        .map(|l| l.split(" | step time ").next().unwrap_or(l))
        .map(|l| match l.find(best) {
            Some(i) => format!("{}WORKDIR", &l[..i + best.len()]),
            None => l.to_string(),
        })
        .collect()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_string()).collect()
}

/// Printed lines against makemore.py's: all of them on the fixture's machine; elsewhere the
/// lines before the first step, each `step N | loss X` within the envelope of loss N, and
/// as many lines.
fn compare(r: &Reference, got: &[String], want: &[String], losses: &Value, what: &str) {
    if r.native() {
        assert_eq!(got, want, "{what}: makemore.py's lines");
        return;
    }
    assert_eq!(got.len(), want.len(), "{what}: as many lines as makemore.py's");
    let head = want.iter().position(|l| l.starts_with("step ")).unwrap_or(want.len());
    assert_eq!(got[..head], want[..head], "{what}: the data and the model");
    // the evaluation's means over 11 batches (measured under scalar kernels: 2.4e-7 apart)
    for (line, want) in got.iter().zip(want).filter(|(l, _)| l.contains(" train loss: ")) {
        let numbers = |l: &str| -> Vec<f64> { l.split(' ').filter_map(|w| w.parse().ok()).skip(1).collect() };
        let (got, want) = (numbers(line), numbers(want));
        check::assert_close(line, &got, &want, check::Bound::Absolute(makemore::reference::ACROSS_VENDORS), "measured");
    }
    for line in got.iter().filter(|l| l.contains(" | loss ")) {
        let (step, loss) = line.strip_prefix("step ").unwrap().split_once(" | loss ").unwrap();
        let (step, loss): (usize, f64) = (step.parse().unwrap(), loss.parse().unwrap());
        let want = losses[step].as_f64().unwrap();
        // the envelope, and half a unit of the 4 printed decimals
        let bound = run_envelope(step, want).plus(check::Bound::Absolute(5e-5));
        check::close(loss, want, bound);
    }
}

fn makemore_py(list: &str, kind: &str) {
    let (r, dir) = (reference(list), Dir::new());
    let want = &r["types"][kind];
    let (input, work) = (list_path(list), dir.arg("work"));
    let threads = want["threads"].as_i64().expect("the fixture's threads").to_string();
    let common =
        ["-i", input.as_str(), "-o", work.as_str(), "--type", kind, "--num-workers", "0", "--threads", &threads];
    // 510 steps
    let out = run(&[&common[..], &["--max-steps", "510"]].concat());
    let first = out.lines().next().unwrap();
    assert!(first.starts_with("{'input_file': ") && first.contains(&format!("'type': '{kind}'")), "{first}");
    let params = format!("model #params: {}", want["n_params"]);
    assert!(out.contains(&params), "{params:?} not in {out}");
    compare(&r, &printed(&out), &strings(&want["printed"]), &want["losses"], kind);
    // the best model, saved at step 500 under the state_dict's names (buffers too)
    let saved = tch::Tensor::read_safetensors(dir.path("work").join("model.safetensors")).unwrap();
    let mut names: Vec<&str> = saved.iter().map(|(n, _)| n.as_str()).collect();
    names.sort();
    let mut expected: Vec<&str> = want["saved"].as_object().unwrap().keys().map(String::as_str).collect();
    expected.sort();
    assert_eq!(names, expected, "{kind}: the state_dict's names");
    for (name, t) in &saved {
        assert_eq!(
            t.size(),
            want["saved"][name]["shape"].as_array().unwrap().iter().map(|d| d.as_i64().unwrap()).collect::<Vec<_>>()
        );
        if r.native() {
            assert_eq!(
                sha256(t),
                want["saved"][name]["sha256"].as_str().unwrap(),
                "{kind}: {name} as saved at step 500"
            );
        }
    }
    // --sample-only: 50 names from the saved model
    let sampled = printed(&run(&[&common[..], &["--sample-only"]].concat()));
    let want_sampled = strings(&want["sample_only"]);
    if r.native() {
        assert_eq!(sampled, want_sampled, "{kind}: --sample-only");
    } else {
        let counts: usize = sampled
            .iter()
            .filter_map(|l| l.split_once(" samples that are "))
            .map(|(n, _)| n.parse::<usize>().unwrap())
            .sum();
        assert_eq!(counts, 50, "{kind}: --sample-only makes 50 names");
    }
    // --resume: 30 more steps from it
    let resumed = printed(&run(&[&common[..], &["--resume", "--max-steps", "30"]].concat()));
    compare(&r, &resumed, &strings(&want["resume"]["printed"]), &want["resume"]["losses"], &format!("{kind} --resume"));
}

#[test]
fn names_bigram() {
    makemore_py("names", "bigram");
}

#[test]
fn names_mlp() {
    makemore_py("names", "mlp");
}

#[test]
fn names_rnn() {
    makemore_py("names", "rnn");
}

#[test]
fn names_gru() {
    makemore_py("names", "gru");
}

#[test]
fn names_bow() {
    makemore_py("names", "bow");
}

#[test]
fn names_transformer() {
    makemore_py("names", "transformer");
}

#[test]
fn accents_bigram() {
    makemore_py("accents", "bigram");
}

#[test]
fn accents_mlp() {
    makemore_py("accents", "mlp");
}

#[test]
fn accents_rnn() {
    makemore_py("accents", "rnn");
}

#[test]
fn accents_gru() {
    makemore_py("accents", "gru");
}

#[test]
fn accents_bow() {
    makemore_py("accents", "bow");
}

#[test]
fn accents_transformer() {
    makemore_py("accents", "transformer");
}

/// `makemore run ARGS`, which must fail cleanly with `needle` in its one line.
fn fails(args: &[&str], needle: &str) {
    let out = Command::new(env!("CARGO_BIN_EXE_makemore")).arg("run").args(args).output().unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert_clean_failure(args, out.status.code(), &stdout, &stderr, needle);
}

/// Bad input of every kind: one line naming the file or the flag and what to do, before
/// anything is printed.
#[test]
fn bad_input_is_one_line() {
    let dir = Dir::new();
    let ok = dir.file("ok.txt", (0..20).map(|i| format!("w{i}\n")).collect::<String>().as_bytes());
    let work = dir.arg("work");
    fails(&["-i", &dir.arg("missing.txt")], "missing.txt");
    fails(&["-i", &dir.file("empty.txt", b" \n\n")], "no words");
    fails(&["-i", &dir.file("few.txt", b"a\nb\nc\n")], "3 words; makemore.py's split needs at least 10");
    fails(&["-i", &dir.file("latin1.txt", b"caf\xe9\n")], "not valid UTF-8");
    fails(&["-i", &ok, "-o", &work, "--resume", "--type", "mlp"], "no model there to resume from");
    fails(&["-i", &ok, "-o", &work, "--sample-only"], "train one first");
    fails(&["-i", &ok, "-o", &ok], "not a folder");
    fails(&["-i", &ok, "--top-k", "0"], "invalid --top-k 0: sampling keeps the k likeliest of the 12 tokens");
    fails(&["-i", &ok, "--device", "tpu"], "invalid --device \"tpu\"");
    fails(&["-i", &ok, "--n-embd", "10", "--n-head", "3"], "invalid --n-embd 10");
    fails(&["-i", &ok, "--type", "lstm"], "invalid --type 'lstm'");
    fails(&["-i", &ok, "-l", "nan"], "invalid --learning-rate 'nan'");
    // a negative number is the flag's value, as for makemore.py's argparse, and refused as such
    fails(
        &["-i", &ok, "--learning-rate", "-1"],
        "invalid --learning-rate '-1': '-1' is not a finite number of 0 or more",
    );
    fails(&["-i", &ok, "-w", "-0.5"], "invalid --weight-decay '-0.5'");
    fails(&["-i", &ok, "--batch-size", "-3"], "invalid --batch-size '-3': -3 is not in 1..=65536");
    fails(&["-i", &ok, "--n-layer", "-2"], "invalid --n-layer '-2': -2 is not in 1..=64");
    fails(&["-i", &ok, "--max-steps", "-2"], "--max-steps");
    fails(&["-i", &ok, "--threads", "0"], "invalid --threads '0': 0 is not in 1..=1024");
    fails(&["-i", &ok, "--type", "gru", "--fast"], "invalid --fast: --type gru has no fused kernels");
    fails(&["-i", &ok, "--seed", "-1"], "'-1' is not a seed (a whole number from 0 to");
    fails(&["-i", &ok, "--device", "cuda:x"], "invalid --device \"cuda:x\": cpu, cuda or cuda:N");
    fails(&["-i", "-"], "reads its words from a file (-i FILE)");
    fails(
        &["-i", &ok, "--n-embd", "4096", "--n-layer", "64"],
        "parameters, more than 67108864: use a smaller --n-embd",
    );
    // a model of another type, or not a model at all
    run(&["-i", &ok, "-o", &work, "--type", "bigram", "--max-steps", "501", "--num-workers", "0"]);
    fails(
        &["-i", &ok, "-o", &work, "--type", "mlp", "--sample-only"],
        "it is a --type bigram model: run with --type bigram",
    );
    let junk = dir.path("junk");
    std::fs::create_dir(&junk).unwrap();
    std::fs::write(junk.join("model.safetensors"), [7u8; 300]).unwrap();
    fails(&["-i", &ok, "-o", &dir.arg("junk"), "--sample-only"], "not a safetensors file");
    // a model whose values are NaN (a run that diverged), and the tensors alone, which the
    // other commands cannot take
    let tensors = tch::Tensor::read_safetensors(dir.path("work").join("model.safetensors")).unwrap();
    let nan: Vec<(String, tch::Tensor)> = tensors.iter().map(|(n, t)| (n.clone(), t * f64::NAN)).collect();
    std::fs::create_dir(dir.path("nan")).unwrap();
    tch::Tensor::write_safetensors(&nan, dir.path("nan").join("model.safetensors")).unwrap();
    fails(&["-i", &ok, "-o", &dir.arg("nan"), "--type", "bigram", "--sample-only"], "holds NaN or infinite values");
    let plain = dir.path("nan").join("model.safetensors");
    let out = Command::new(env!("CARGO_BIN_EXE_makemore")).args(["sample", "--model"]).arg(&plain).output().unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert_clean_failure(&["sample"], out.status.code(), &stdout, &stderr, "only `makemore run --sample-only`");
    // training that diverges: the lines so far, then one line (makemore.py prints `loss nan`
    // on and fails in sampling)
    let out = Command::new(env!("CARGO_BIN_EXE_makemore"))
        .args(["run", "-i", &ok, "-o", &dir.arg("diverged"), "--type", "rnn", "-l", "1e30", "--max-steps", "50"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with("makemore: error: training diverged at step ") && stderr.lines().count() == 1,
        "{stderr}"
    );
    assert!(String::from_utf8_lossy(&out.stdout).lines().last().unwrap().starts_with("step 0 | loss "));
}

/// The `step N | loss X` lines of a run: (N, X).
fn step_losses(out: &str) -> Vec<(u64, f64)> {
    let parse = |l: &str| {
        let (step, rest) = l.strip_prefix("step ")?.split_once(" | loss ")?;
        Some((step.parse().ok()?, rest.split(" | ").next()?.parse().ok()?))
    };
    out.lines().filter_map(parse).collect()
}

/// `--fast` (ours): the Transformer on libtorch's fused attention and GELU computes the same
/// function as the written-out one, rounded otherwise. From the same start on the same
/// batches, its 501 steps print the exact run's losses within 2 units of their 4th decimal
/// (measured: all 51 the same), and end in parameters within 1e-5 of the exact run's
/// (measured: 1e-6; the attention's key bias 1e-3, measured 4e-4) but not equal to them
/// (docs/tolerances.md). Attention that saw the future leaves the first bound at step 0,
/// the erf GELU the second.
#[test]
fn fast_transformer_tracks_the_exact_run() {
    let dir = Dir::new();
    let names = list_path("names");
    let run_in = |name: &str, fast: &[&str]| {
        let work = dir.arg(name);
        let args = [&["-i", &names, "-o", &work, "--max-steps", "501", "--num-workers", "0"][..], fast].concat();
        (step_losses(&run(&args)), tch::Tensor::read_safetensors(dir.path(name).join("model.safetensors")).unwrap())
    };
    let (exact, exact_model) = run_in("exact", &[]);
    let (fast, fast_model) = run_in("fast", &["--fast"]);
    assert_eq!(exact.len(), 51);
    assert_eq!(exact.iter().map(|(s, _)| s).collect::<Vec<_>>(), fast.iter().map(|(s, _)| s).collect::<Vec<_>>());
    for ((step, e), (_, f)) in exact.iter().zip(&fast) {
        assert!((e - f).abs() <= 2e-4, "step {step}: loss {f} with --fast, {e} without");
    }
    let mut largest = 0.0f64;
    let fast_model: std::collections::HashMap<_, _> = fast_model.into_iter().collect();
    assert_eq!(exact_model.len(), fast_model.len());
    for (name, e) in &exact_model {
        let diff = (e - &fast_model[name]).abs();
        // the attention's key bias (c_attn's bias holds the query's, the key's and the value's,
        // 64 each): its gradient is 0 in exact arithmetic (it adds the same number to a query's
        // every score), so AdamW steps on rounding noise
        let parts = if name.ends_with("attn.c_attn.bias") {
            vec![("query", 0, 64, 1e-5), ("key", 64, 64, 1e-3), ("value", 128, 64, 1e-5)]
        } else {
            vec![("", 0, diff.size()[0], 1e-5)]
        };
        for (part, start, len, bound) in parts {
            let d = diff.narrow(0, start, len).max().double_value(&[]);
            assert!(d <= bound, "{name} {part}: {d} apart");
            largest = largest.max(d);
        }
    }
    assert!(largest > 0.0, "--fast trained exactly the same numbers: is it on?");
}

/// `--top-k 1` samples the likeliest token each time: the same word ten times over.
#[test]
fn top_k_one_is_greedy() {
    let dir = Dir::new();
    let out = run(&[
        "-i",
        &list_path("names"),
        "-o",
        &dir.arg("w"),
        "--type",
        "bigram",
        "--max-steps",
        "201",
        "--top-k",
        "1",
    ]);
    let samples: Vec<&str> =
        out.lines().skip_while(|l| !l.starts_with("---")).skip(1).take_while(|l| !l.starts_with("---")).collect();
    let words: Vec<&&str> = samples.iter().filter(|l| !l.contains(" samples that are ")).collect();
    assert_eq!(words.len(), 10, "{samples:?}");
    assert!(words.iter().all(|w| w == &words[0]), "{samples:?}");
}

/// A PyTorch user's view: makemore.py's own model loads our `model.safetensors` with
/// `load_state_dict(safetensors.torch.load_file(...))` (strict: every name and shape) and
/// its `--sample-only` prints what ours prints (the same machine, the same draws).
#[test]
fn makemore_py_loads_our_files() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/pytorch-python.sh");
    let reference = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/make_reference_zoo.py");
    let (dir, names) = (Dir::new(), list_path("names"));
    for kind in ["gru", "transformer"] {
        let work = dir.arg(kind);
        let threads = threads(kind); // as the script computes
        run(&["-i", &names, "-o", &work, "--type", kind, "--max-steps", "501", "--threads", &threads]);
        let ours = printed(&run(&["-i", &names, "-o", &work, "--type", kind, "--sample-only", "--threads", &threads]));
        let model = format!("{work}/model.safetensors");
        let out = Command::new(script).args([reference, "--sample-only", &names, kind, &model]).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(String::from_utf8_lossy(&out.stdout).lines().collect::<Vec<_>>(), ours, "{kind}");
    }
}

/// Ctrl-C: training stops at the next step with exit code 130, and one line says where the
/// best model so far is (or that this run saved none yet).
#[test]
fn ctrl_c_keeps_the_best_model() {
    let (dir, names) = (Dir::new(), list_path("names"));
    for (until, saved) in [("step 510 |", true), ("step 10 |", false)] {
        let work = dir.arg(if saved { "late" } else { "early" });
        let mut child = Command::new(env!("CARGO_BIN_EXE_makemore"))
            .args(["run", "-i", &names, "-o", &work, "--type", "bigram"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        while !line.starts_with(until) {
            line.clear();
            assert!(std::io::BufRead::read_line(&mut out, &mut line).unwrap() > 0, "the run ended before {until:?}");
        }
        // SAFETY: kill(2) on our own child's pid
        assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGINT) }, 0);
        std::io::Read::read_to_end(&mut out, &mut Vec::new()).unwrap();
        let result = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&result.stderr);
        assert_eq!(result.status.code(), Some(130), "{err}");
        let last = err.lines().last().unwrap_or_default();
        assert!(last.starts_with("makemore: interrupted after "), "{err}");
        let model = dir.path(if saved { "late" } else { "early" }).join("model.safetensors");
        if saved {
            assert!(last.contains("the best model so far (step 500, test loss "), "{last}");
            assert!(last.ends_with("model.safetensors") && model.is_file(), "{last}");
        } else {
            assert!(last.contains("nothing saved by this run (the first evaluation is at step 500)"), "{last}");
            assert!(!model.exists());
        }
    }
}

/// The saved file is a makemore model: `sample` draws names from it and `eval` scores a word
/// list with it, each position predicted from the start token and what follows it, as
/// makemore.py's loss predicts it from the whole padded sequence.
#[test]
fn sample_and_eval_take_the_file() {
    let (dir, names) = (Dir::new(), list_path("names"));
    for kind in ["bigram", "transformer"] {
        let work = dir.arg(kind);
        run(&["-i", &names, "-o", &work, "--type", kind, "--max-steps", "501", "--num-workers", "0"]);
        let file = format!("{work}/model.safetensors");
        let model = makemore::load_model(&file).unwrap();
        assert_eq!((model.kind(), model.context_len()), ("makemore.py", 16));
        let want_params = if kind == "bigram" { 729 } else { 204_544 };
        assert_eq!(model.parameter_count(), Some(want_params));
        let sampled = common::cli::makemore_ok(&["sample", "--model", &file, "--num", "20", "--seed", "7"]);
        let vocab = model.vocab();
        let words: Vec<&str> = sampled.lines().collect();
        assert_eq!(words.len(), 20, "{sampled}");
        assert!(words.iter().all(|w| w.chars().all(|c| c != '.' && vocab.chars().contains(&c))), "{sampled}");
        // eval: the mean NLL of every position of every word, against the same model run on
        // whole sequences (X and Y as makemore.py's CharDataset makes them)
        let list = makemore::WordList::read(&names).unwrap();
        let got = makemore::evaluate(&*model, &list).unwrap();
        let cfg = makemore::zoo::ZooConfig { block_size: 16, vocab_size: 27, ..Default::default() };
        let mut net = makemore::zoo::build_with(kind, &cfg, makemore::zoo::Init::Zeros).unwrap();
        makemore::nn::load_named(&mut *net, &tch::Tensor::read_safetensors(&file).unwrap()).unwrap();
        let data = {
            let _rng = common::rng_lock();
            makemore::zoo::Datasets::new(list.iter().map(String::from).collect(), "names").unwrap()
        };
        let all: Vec<String> = data.train.iter().chain(&data.test).cloned().collect();
        let (x, y) = data.batch(&all, &(0..all.len()).collect::<Vec<_>>()).unwrap();
        let want = makemore::on_one_thread(|| {
            let logits = tch::no_grad(|| net.forward(&x)).unwrap();
            let log_p = logits.log_softmax(-1, tch::Kind::Float).to_kind(tch::Kind::Double);
            let mask = y.ge(0);
            let picked = log_p.gather(-1, &y.clamp_min(0).unsqueeze(-1), false).squeeze_dim(-1);
            -(picked * mask.to_kind(tch::Kind::Double)).sum(tch::Kind::Double).double_value(&[])
                / mask.sum(tch::Kind::Int64).int64_value(&[]) as f64
        });
        assert_eq!(got.ngrams, 228_146, "{kind}: every position of every word");
        eprintln!("{kind}: eval {} whole sequences {want} difference {:e}", got.nll, (got.nll - want).abs());
        // measured: 0 for the bigram, 9.8e-9 for the transformer (docs/tolerances.md)
        check::assert_close(kind, &[got.nll], &[want], check::Bound::Absolute(1e-6), "measured");
    }
}

/// A pseudo-terminal: (the side a program writes to, as its stdout or stderr; the side we
/// read what a terminal would show from).
fn pty() -> (std::fs::File, std::fs::File) {
    use std::os::fd::FromRawFd;
    let (mut main, mut sub) = (0, 0);
    // SAFETY: openpty(3) writes two new descriptors, each then owned by one File
    let done = unsafe { libc::openpty(&mut main, &mut sub, std::ptr::null_mut(), std::ptr::null(), std::ptr::null()) };
    assert_eq!(done, 0, "openpty: {}", std::io::Error::last_os_error());
    unsafe { (std::fs::File::from_raw_fd(sub), std::fs::File::from_raw_fd(main)) }
}

/// Everything written to a pseudo-terminal until its last writer is gone (Linux then reports
/// EIO on reading).
fn read_terminal(mut main: std::fs::File) -> String {
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match std::io::Read::read(&mut main, &mut buf) {
            Ok(0) => break,
            Ok(n) => seen.extend_from_slice(&buf[..n]),
            Err(e) if e.raw_os_error() == Some(libc::EIO) => break,
            Err(e) => panic!("reading the terminal: {e}"),
        }
    }
    String::from_utf8_lossy(&seen).into_owned()
}

/// With `--max-steps` and stderr a terminal, a progress bar sits under makemore.py's lines:
/// on one terminal the lines stay whole (each written with the bar cleared, the bar drawn
/// again under it), and the bar is gone at the end; with stdout piped, stdout holds the
/// lines alone.
#[test]
fn a_progress_bar_on_a_terminal() {
    let (dir, names) = (Dir::new(), list_path("names"));
    // the RNN: 300 steps take about half a second, time for the bar to be drawn several times
    let args = ["run", "-i", &names, "-o", &dir.arg("w"), "--type", "rnn", "--max-steps", "300"];
    // stdout and stderr on one terminal
    let (sub, main) = pty();
    let mut child = Command::new(env!("CARGO_BIN_EXE_makemore"))
        .args(args)
        .stdout(sub.try_clone().unwrap())
        .stderr(sub)
        .spawn()
        .unwrap();
    let shown = read_terminal(main);
    assert!(child.wait().unwrap().success(), "{shown}");
    assert!(shown.contains("/300 [") && shown.contains(" steps/s"), "no bar: {shown:?}");
    // what stays on the screen: each line's text after the last clearing of that line
    let screen: Vec<&str> = shown.split("\r\n").map(|l| l.rsplit("\x1b[2K").next().unwrap()).collect();
    for step in (0..300).step_by(10) {
        let line = screen.iter().find(|l| l.starts_with(&format!("step {step} | loss "))).unwrap_or_else(|| {
            panic!("step {step}'s line is not whole on the terminal: {shown:?}");
        });
        assert!(line.ends_with("ms"), "{line:?}");
    }
    assert!(screen.last().unwrap().trim().is_empty(), "the bar is cleared at the end: {:?}", screen.last());
    // stdout piped: the lines alone, the bar on the terminal
    let (sub, main) = pty();
    let child = Command::new(env!("CARGO_BIN_EXE_makemore"))
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(sub)
        .spawn()
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let shown = read_terminal(main);
    let lines = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success() && !lines.contains('\x1b') && lines.lines().count() > 30, "{lines}");
    assert!(shown.contains("/300 [") && shown.contains(" steps/s"), "no bar: {shown:?}");
}
