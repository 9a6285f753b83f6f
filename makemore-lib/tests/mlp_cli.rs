//! The CLI on lecture 2's MLP: `makemore train --model mlp` with the lecture's defaults and
//! split, then `sample` and `eval`, reproduce PyTorch's reference (tests/fixtures/<vendor>/
//! {names,accents}-mlp.json) on names.txt and accents.txt; a PyTorch user loads the file
//! with `safetensors.torch.load_file` and samples the CLI's names with the lecture's loop
//! (scripts/sample_mlp_file.py, with the full torch: scripts/pytorch-python.sh); and wrong
//! flags, sizes and files fail with one line. Each word list is trained once (200,000
//! steps) per run of this file.

mod common;

use std::process::{Command, Output};
use std::sync::OnceLock;

use common::cli::*;
use common::*;
use makemore::check::{self, Bound, assert_close};
use makemore::reference::{ACROSS_VENDORS, ACROSS_VENDORS_ACCENTS};
use serde_json::Value;

/// Run the CLI (its MLP computes on one libtorch thread, whatever the machine).
fn makemore(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_makemore")).args(args).output().unwrap()
}

fn ok(args: &[&str]) -> (String, String) {
    let out = makemore(args);
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{args:?}: {}", tail(&err));
    (String::from_utf8_lossy(&out.stdout).to_string(), err)
}

fn fails(args: &[&str], needle: &str) {
    let out = makemore(args);
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert_clean_failure(args, out.status.code(), &stdout, &stderr, needle);
}

fn bad_usage(args: &[&str], needle: &str) {
    let out = makemore(args);
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert_usage_error(args, out.status.code(), &stdout, &stderr, needle);
}

/// A model trained by the CLI with the lecture's settings, and what training printed.
struct Trained {
    _dir: Dir,
    model: String,
    input: String,
    log: String,
}

fn input(list: &str) -> String {
    s(&if list == "names" { names_txt() } else { fixture("accents.txt") })
}

/// `makemore train --model mlp --split 80/10/10 --split-seed 42` (every other setting the
/// lecture's default), once per word list.
fn trained(list: &'static str) -> &'static Trained {
    static NAMES: OnceLock<Trained> = OnceLock::new();
    static ACCENTS: OnceLock<Trained> = OnceLock::new();
    let cell = if list == "names" { &NAMES } else { &ACCENTS };
    cell.get_or_init(|| {
        let dir = Dir::new();
        let (model, input) = (dir.arg("mlp.safetensors"), input(list));
        let args = ["train", "--model", "mlp", "--input", &input, "--split", "80/10/10", "--split-seed", "42"];
        let (_, log) = ok(&[&args[..], &["--out", model.as_str()]].concat());
        Trained { _dir: dir, model, input, log }
    })
}

fn f64_of(v: &Value) -> f64 {
    v.as_f64().expect("number")
}

fn reproduces_the_reference(list: &'static str, final_bound: f64) {
    let t = trained(list);
    for r in reference_sets(&format!("{list}-mlp.json")) {
        let fin = &r["final"];
        let sizes = &r["split"]["sizes"];
        let exact = r.native_at(1); // the MLP computes on one libtorch thread
        // what training printed: the examples, every tenth step's loss, the three parts
        let n_train = sizes[0].as_u64().unwrap();
        let first = format!("training on {n_train} 4-grams of {} words ({} tokens)", r["split"]["n1"], r["vocab_size"]);
        assert!(t.log.contains(&first), "{first:?} not in {}", tail(&t.log));
        let step1 = format!("step      1/200000  loss {:.4}", f64_of(&fin["losses_first1000"][0]));
        assert!(t.log.contains(&step1), "{step1:?} not in {}", tail(&t.log));
        if exact {
            // the last minibatch's loss, then the trained model's loss on the train words
            let (last, train) = (f64_of(&fin["losses_last100"][99]), f64_of(&fin["loss_f64_mean"]["train"]));
            // no regularization term: the MLP has none
            let params = fin["n_params"].as_u64().unwrap();
            let end = format!(
                "step 200000/200000  loss {last:.4}\nfinal loss {train:.4} (the nll of the trained weights, as eval reports it)\nmodel #params: {params}"
            );
            assert!(t.log.contains(&end), "{end:?} not in {}", t.log);
        }
        // sample: the lecture's 20 names with 2147483647 + 10
        let (names, _) = ok(&["sample", "--model", &t.model, "--num", "20", "--seed", "2147483657"]);
        let names: Vec<String> = names.lines().map(str::to_string).collect();
        assert_eq!(names.len(), 20);
        if exact {
            assert_eq!(names, names_without_end(&fin["samples20"]), "{}", r.vendor());
        }
        // eval --json on the same split: the examples exactly, the losses within bounds
        let (json, _) = ok(&["eval", "--model", &t.model, "--input", &t.input, "--split", "80/10/10", "--json"]);
        let json: Value = serde_json::from_str(&json).unwrap();
        assert_eq!((json["model"]["kind"].as_str(), json["model"]["context"].as_u64()), (Some("mlp"), Some(3)));
        // integers, as train --json gives them
        assert_eq!(json["model"]["settings"], serde_json::json!({ "embedding": 10, "hidden": 200 }));
        let model = makemore::load_model(&t.model).unwrap();
        let parameters = stored_parameters(&*model);
        for (i, part) in ["train", "dev", "test"].into_iter().enumerate() {
            let row = &json["parts"][i];
            assert_eq!((row["part"].as_str(), &row["ngrams"]), (Some(part), &sizes[i]), "{part} examples");
            let (got, want) = (f64_of(&row["nll"]), f64_of(&fin["loss_f64_mean"][part]));
            let n = sizes[i].as_u64().unwrap() as usize;
            let (tol, reason) = if exact {
                // the same parameters; each context's logits from a batch of another shape
                (check::mlp_loss(parameters.each_ref(), n, want, 0.0), "dot products, tanh, log_softmax, both sides")
            } else {
                (Bound::Absolute(final_bound), "measured spread of the final losses (docs/tolerances.md)")
            };
            assert_close(&format!("eval {part} nll"), &[got], &[want], tol, reason);
        }
    }
}

#[test]
fn names_train_sample_eval_reproduce_pytorch() {
    reproduces_the_reference("names", ACROSS_VENDORS);
}

#[test]
fn accents_train_sample_eval_reproduce_pytorch() {
    reproduces_the_reference("accents", ACROSS_VENDORS_ACCENTS);
}

/// A PyTorch user's view: `safetensors.torch.load_file` and the lecture's sampling loop on
/// our file give the CLI's names (the same machine, the same draws).
#[test]
fn pytorch_samples_the_clis_names_from_the_file() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/pytorch-python.sh");
    let sampler = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/sample_mlp_file.py");
    for list in ["names", "accents"] {
        let t = trained(list);
        for seed in ["2147483657", "7"] {
            let (ours, _) = ok(&["sample", "--model", &t.model, "--num", "20", "--seed", seed]);
            let out = Command::new(script).args([sampler, &t.model, "20", seed]).output().unwrap();
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            assert_eq!(String::from_utf8_lossy(&out.stdout), ours, "{list}, seed {seed}");
        }
    }
}

#[test]
fn wrong_flags_sizes_and_lists_fail_with_one_line() {
    let dir = Dir::new();
    let names = s(&names_txt());
    let out = dir.arg("m.safetensors");
    // a flag's value: one line naming it and its range, before the input is read, exit 2
    let value = |extra: &[&str], needle: &str| {
        let args = [&["train", "--model", "mlp", "--input", "/no/such/list.txt", "--out", &out][..], extra].concat();
        let o = makemore(&args);
        let (stdout, stderr) = (String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
        assert_value_error(&args, o.status.code(), &stdout, &stderr, needle);
    };
    let other_kind = |extra: &[&str], needle: &str| {
        bad_usage(&[&["train", "--model", "mlp", "--input", &names, "--out", &out][..], extra].concat(), needle)
    };
    other_kind(&["--smoothing", "1"], "--smoothing applies to --model counts only");
    other_kind(&["--reg", "0.1"], "--reg applies to --model neural only");
    other_kind(&["--one-hot"], "--one-hot applies to --model neural only");
    value(&["--context", "0"], "invalid --context '0'");
    value(&["--batch", "0"], "invalid --batch 0: must be from 1 to 65536");
    value(&["--batchnorm", "--batch", "1"], "invalid --batch 1: BatchNorm needs minibatches of 2 or more");
    value(&["--embedding", "0"], "invalid --embedding '0': 0 is not in 1..=4096");
    value(&["--hidden", "0"], "invalid --hidden '0': 0 is not in 1..=65536");
    value(&["--steps", "0"], "invalid --steps 0: must be from 1 to 10,000,000");
    value(&["--lr", "-1"], "invalid --lr -1: must be a finite number greater than 0");
    value(&["--lr", "nan"], "invalid --lr NaN");
    value(&["--hidden", "100000000"], "invalid --hidden '100000000': 100000000 is not in 1..=65536");
    value(&["--hidden", "1000000"], "invalid --hidden '1000000': 1000000 is not in 1..=65536");
    value(&["--embedding", "100000000"], "invalid --embedding '100000000': 100000000 is not in 1..=4096");
    value(&["--embedding", "18446744073709551615"], "is not in 1..=4096");
    value(&["--batch", "1000000000"], "invalid --batch 1000000000: must be from 1 to 65536");
    value(&["--hidden", "-3"], "invalid --hidden '-3'");
    value(&["--decay-at", "0"], "invalid --decay-at 0: must be from 1 to the number of steps");
    value(
        &["--decay-at", "500", "--steps", "100"],
        "invalid --decay-at 500: must be from 1 to 100 (the number of steps)",
    );
    value(&["--seed", "-1"], "invalid --seed '-1'");
    value(&["--split", "80/10/10", "--split-seed", "-3"], "invalid --split-seed '-3': '-3' is not a seed");
    // sizes within their ranges whose network is too large for this vocabulary: one line
    // naming the flag and its largest value here, exit 2 (after the input is read)
    let args =
        ["train", "--model", "mlp", "--input", &names, "--out", &out, "--hidden", "65536", "--embedding", "4096"];
    let o = makemore(&args);
    let (stdout, stderr) = (String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    // (67108864 - 27·4096 - 27) / (3·4096 + 1 + 27): the largest hidden layer of 2^26 parameters
    let max = (67_108_864 - 27 * 4096 - 27) / (3 * 4096 + 1 + 27);
    let needle = format!("invalid --hidden 65536: must be from 1 to {max} for context 3, embedding 4096, hidden 65536");
    assert_clean_failure(&args, o.status.code(), &stdout, &stderr, &needle);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    let tiny = dir.file("tiny.txt", b"ab\nba\n");
    let args = ["train", "--model", "mlp", "--input", &tiny, "--split", "80/10/10", "--out", &out];
    fails(&args, "every part needs at least one word");
    // the network sizes on the kinds without layers
    for (model, flag) in [("neural", "--hidden"), ("counts", "--embedding")] {
        let args = ["train", "--model", model, "--input", &names, "--out", &out, flag, "3"];
        bad_usage(&args, &format!("{flag} does not apply to --model {model} (it has no layers)"));
    }
    // the training group's flags a kind does not have
    for (model, flag, has) in [
        ("neural", "--batch", "its training settings are --steps, --lr and --seed"),
        ("neural", "--decay-at", "its training settings are --steps, --lr and --seed"),
        ("counts", "--batch", "it is not trained"),
    ] {
        let args = ["train", "--model", model, "--input", &names, "--out", &out, flag, "3"];
        bad_usage(&args, &format!("{flag} does not apply to --model {model} ({has})"));
    }
    assert!(!std::path::Path::new(&out).exists());
    // the training group's flags lie over the MLP's defaults: a short run with them trains
    let args = ["train", "--model", "mlp", "--input", &tiny, "--steps", "30", "--lr", "0.5", "--seed", "3"];
    let (_, log) =
        ok(&[&args[..], &["--hidden", "8", "--decay-at", "30", "--context", "2", "--out", out.as_str()]].concat());
    assert!(log.contains("step 30/30") && log.contains("saved mlp model"), "{log}");
    assert!(log.contains("model #params: 225\n"), "{log}"); // C 3·10, W1 20·8, b1 8, W2 8·3, b2 3 ('.', a, b)
    bad_usage(
        &["sample", "--model", &out, "--fast"],
        "--fast is for bigram models (context 1); this model's context is 2",
    );
}

#[test]
fn model_files_with_wrong_shapes_or_sizes_are_refused() {
    let dir = Dir::new();
    let words = dir.file("w.txt", b"ab\nba\nabba\n");
    let good = dir.arg("good.safetensors");
    let args = ["train", "--model", "mlp", "--input", &words, "--steps", "5", "--hidden", "4", "--embedding", "2"];
    ok(&[&args[..], &["--out", good.as_str()]].concat());
    let bytes = std::fs::read(&good).unwrap();
    let header_len = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let header = std::str::from_utf8(&bytes[8..8 + header_len]).unwrap().to_string();
    // the same file with its header edited (the sizes kept to the byte)
    let edited = |name: &str, from: &str, to: &str| {
        assert!(header.contains(from), "{from} not in {header}");
        assert_eq!(from.len(), to.len());
        let mut b = bytes.clone();
        b[8..8 + header_len].copy_from_slice(header.replacen(from, to, 1).as_bytes());
        dir.file(name, &b)
    };
    let cases = [
        (edited("hidden.safetensors", r#""hidden":"4""#, r#""hidden":"5""#), "tensor 'W1' is F32 [6, 4]"),
        (edited("embedding.safetensors", r#""embedding":"2""#, r#""embedding":"0""#), "its embedding is not a size"),
        (edited("b1.safetensors", r#""shape":[4]"#, r#""shape":[2]"#), "not a usable makemore model"),
        (edited("kind.safetensors", r#""kind":"mlp""#, r#""kind":"mlx""#), "unknown kind"),
    ];
    for (file, needle) in &cases {
        fails(&["sample", "--model", file], needle);
        fails(&["eval", "--model", file, "--input", &words], needle);
    }
    ok(&["sample", "--model", &good, "--num", "3"]);
}

/// `train --lr 1e30` diverges without a NaN (the loss stays finite, the parameters reach
/// 1e30): train refuses the parameters that `sample` and `eval` would refuse, exit 1, and
/// writes nothing.
#[test]
fn a_diverged_network_is_never_saved() {
    let dir = Dir::new();
    let (names, out) = (s(&names_txt()), dir.arg("m.safetensors"));
    let args = ["train", "--model", "mlp", "--input", &names, "--steps", "50", "--lr", "1e30", "--out", &out];
    let o = makemore(&args);
    let (stdout, stderr) = (String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    let needle = "the trained model is not usable: invalid weights: ";
    assert_clean_failure(&args, o.status.code(), &stdout, &stderr, needle);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("every parameter must be finite and within ±1e15; nothing saved"), "{stderr}");
    assert!(!std::path::Path::new(&out).exists());
    assert_eq!(std::fs::read_dir(dir.root()).unwrap().count(), 0, "no temporary file left");
}

/// The model file records how it was trained (the settings typed and the kind's defaults,
/// and the split) under the metadata key `training`; loading does not need it.
#[test]
fn the_model_file_records_the_training_settings() {
    let dir = Dir::new();
    let (names, out) = (s(&names_txt()), dir.arg("m.safetensors"));
    let args = ["train", "--model", "mlp", "--input", &names, "--steps", "5", "--hidden", "4", "--lr", "0.2"];
    ok(&[&args[..], &["--batch", "16", "--split", "80/10/10", "--split-seed", "7", "--out", &out]].concat());
    let bytes = std::fs::read(&out).unwrap();
    let header_len = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let header: Value = serde_json::from_slice(&bytes[8..8 + header_len]).unwrap();
    let training: Value = serde_json::from_str(header["__metadata__"]["training"].as_str().unwrap()).unwrap();
    let want = serde_json::json!({
        "steps": 5, "lr": 0.2, "batch": 16, "seed": 2147483647_i64, "decay_at": 2,
        "split": { "percent": [80, 10, 10], "seed": 7 },
    });
    assert_eq!(training, want);
    ok(&["sample", "--model", &out, "--num", "2"]);
}
