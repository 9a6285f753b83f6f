//! Lecture 3's BatchNorm MLP (cells 6 to 10), built on the network core and trained by
//! `makemore train --model mlp --batchnorm`, against PyTorch's own run of the lecture's code
//! (scripts/make_reference_bn.py, fixtures tests/fixtures/<vendor>/{names,accents}-bn.json):
//! the parameters at initialization, the loss before training and the first 1,000 minibatch
//! losses (through the library), then the CLI's 200,000 steps: the model file's parameters
//! and running statistics, the train/dev/test losses, the losses with statistics calibrated
//! over the training set, and the 20 names `sample` draws.
//!
//! On the fixture's kind of machine ([`Reference::native`]) every number is compared bit for
//! bit: the network is its forward pass, trained by the core's `AutogradStep` with `Sgd` and
//! the `Trainer`'s minibatches. Elsewhere the losses have the MLP's bounds
//! (docs/tolerances.md, "The MLP"): the same steps, with one BatchNorm layer more.

mod common;

use std::sync::OnceLock;

use common::cli::{Dir, Trained, list_path, makemore_ok, sampled20, tail, trained_once};
use common::*;
use makemore::check::{self, Bound};
use makemore::{BatchNormMlp, Examples, MlpConfig, Network, Reference, Split, Vocab, WordList, evaluate, mean_loss};

/// The word list, its vocabulary, and CPython's 80/10/10 split as examples of context 3.
fn data(list: &str) -> (Vocab, [WordList; 3], [Examples; 3]) {
    let words = WordList::read(list_path(list)).unwrap();
    let vocab = Vocab::from_words(&words).unwrap();
    let s = "80/10/10".parse::<Split>().unwrap().apply(&words, 42).unwrap();
    let parts = [&s.train, &s.dev, &s.test].map(|p| Examples::with_context(p, &vocab, 3).unwrap());
    (vocab, [s.train, s.dev, s.test], parts)
}

/// The fixture, for results computed on one libtorch thread, as the BatchNorm MLP computes.
fn reference(list: &str) -> Reference {
    Reference::load(&format!("{list}-bn.json")).unwrap().at_threads(1)
}

/// `makemore train --model mlp --batchnorm --split 80/10/10 --split-seed 42`, once per list.
fn trained(list: &'static str) -> &'static Trained {
    static NAMES: OnceLock<Trained> = OnceLock::new();
    static ACCENTS: OnceLock<Trained> = OnceLock::new();
    trained_once(if list == "names" { &NAMES } else { &ACCENTS }, list, &["--model", "mlp", "--batchnorm"])
}

/// libtorch's scalar kernels draw other normals than its vectorized ones (README: AVX2).
fn scalar_kernels() -> bool {
    std::env::var("ATEN_CPU_CAPABILITY").is_ok_and(|c| c.eq_ignore_ascii_case("default"))
}

fn before_training(list: &'static str) {
    let (r, (vocab, _, parts)) = (reference(list), data(list));
    let cfg = MlpConfig { batchnorm: true, ..MlpConfig::DEFAULT };
    let _rng = rng_lock();
    let mut net = BatchNormMlp::new(&vocab, &cfg).unwrap();
    assert_eq!(net.n_parameters() as f64, r.num("final.n_params"));
    assert_eq!(parts.each_ref().map(|p| p.len() as f64).to_vec(), r.nums("split.sizes"));
    if !scalar_kernels() {
        for (name, hash) in hashes(&net) {
            assert_eq!(r.text(&format!("final.init.{name}.sha256")), hash, "{name} at init: the same draws");
        }
    }
    check::close(mean_loss(&net, &parts[0]).unwrap(), r.num("final.initial_loss.train"), r.same_run());
    check::close(mean_loss(&net, &parts[1]).unwrap(), r.num("final.initial_loss.dev"), r.same_run());
    let first = MlpConfig { steps: 1000, decay_at: Some(1000), ..cfg };
    let losses = net.train_run(&parts[0], &first, |_| {}, None, None).unwrap().losses;
    r.assert_run(&losses.iter().map(|&x| x as f64).collect::<Vec<_>>(), "final.losses_first1000");
}

fn after_training(list: &'static str, final_bound: f64) {
    let (t, r, (_, words, parts)) = (trained(list), reference(list), data(list));
    let step1 = format!("step      1/200000  loss {:.4}", r.num("final.losses_first1000.0"));
    assert!(t.log.contains(&step1), "{step1:?} not in {}", tail(&t.log));
    assert!(t.log.contains("model #params: "), "{}", tail(&t.log));
    // the file: PyTorch's trained network, running statistics included
    let model = makemore::load_model(&t.model).unwrap();
    assert_eq!(model.kind(), "mlp");
    let net = BatchNormMlp::load_file(&t.model).unwrap();
    assert_eq!(model.parameter_count(), Some(r.num("final.n_params") as usize));
    if r.native() {
        for (name, hash) in hashes(&net) {
            assert_eq!(r.text(&format!("final.params.{name}.sha256")), hash, "{name} after 200,000 steps");
        }
    }
    let bound = if r.native() { Bound::Exact } else { Bound::Absolute(final_bound) };
    for (i, part) in ["train", "dev", "test"].into_iter().enumerate() {
        check::close(mean_loss(&net, &parts[i]).unwrap(), r.num(&format!("final.loss.{part}")), bound.clone());
    }
    let [mean, std] = net.calibrate(&parts[0]).unwrap();
    for (i, part) in ["train", "dev"].into_iter().enumerate() {
        let logits = tch::no_grad(|| net.logits_with(&parts[i].xs, [&mean, &std])).unwrap();
        let loss = makemore::on_one_thread(|| {
            logits.cross_entropy_loss::<tch::Tensor>(&parts[i].ys, None, tch::Reduction::Mean, -100, 0.0)
        });
        check::close(loss.double_value(&[]), r.num(&format!("final.calibrated.loss.{part}")), bound.clone());
    }
    // the CLI's eval reports the library's evaluation of the file, part by part
    let json =
        makemore_ok(&["eval", "--model", &t.model, "--input", &list_path(list), "--split", "80/10/10", "--json"]);
    let json: serde_json::Value = serde_json::from_str(json.lines().next().unwrap()).unwrap();
    assert_eq!(json["model"]["settings"]["batchnorm"], true);
    for (i, words) in words.iter().enumerate() {
        let row = &json["parts"][i];
        let want = evaluate(&*model, words).unwrap();
        assert_eq!((row["ngrams"].as_u64(), row["nll"].as_f64()), (Some(want.ngrams as u64), Some(want.nll)));
    }
    // the lecture's 20 names, drawn through the running statistics
    let names = sampled20(&t.model, "2147483657");
    if r.native() {
        let want = names_without_end(&r["final"]["samples20"]);
        assert_eq!(names, want, "20 names with 2147483647 + 10, through the running statistics");
    }
}

#[test]
fn names_before_training() {
    before_training("names");
}

#[test]
fn names_after_200000_steps() {
    after_training("names", makemore::reference::ACROSS_VENDORS);
}

#[test]
fn accents_before_training() {
    before_training("accents");
}

#[test]
fn accents_after_200000_steps() {
    after_training("accents", makemore::reference::ACROSS_VENDORS_ACCENTS);
}

/// What loading refuses of a BatchNorm MLP's file, and what training never writes: a running
/// std that is not greater than 0 (the forward pass divides by it), a `batchnorm` metadata
/// value other than "true".
#[test]
fn files_a_batchnorm_mlp_cannot_be_made_of_are_refused() {
    let vocab = Vocab::from_itos(vec!['.', 'a', 'b']).unwrap();
    let cfg = MlpConfig { hidden: 4, batchnorm: true, ..MlpConfig::DEFAULT };
    let net = {
        let _rng = rng_lock();
        BatchNormMlp::new(&vocab, &cfg).unwrap()
    };
    let dir = Dir::new();
    let path = dir.path("bn.safetensors");
    makemore::save_model(&net, &path).unwrap();
    assert_eq!(makemore::load_model(&path).unwrap().kind(), "mlp");
    // the metadata says "true" or it is not this network's file (same length: the header stays valid)
    let mut bytes = std::fs::read(&path).unwrap();
    let key = br#""batchnorm":"true""#;
    let at = bytes.windows(key.len()).position(|w| w == key).expect("the metadata key");
    bytes[at..at + key.len()].copy_from_slice(br#""batchnorm":"fals""#);
    std::fs::write(&path, &bytes).unwrap();
    let err = makemore::load_model(&path).unwrap_err().to_string();
    assert!(err.contains(r#"its batchnorm is "fals""#), "{err}");
    // a running std of 0: refused before anything is written
    let [_, std] = net.running();
    let _ = tch::no_grad(|| std.shallow_clone().zero_());
    let err = makemore::save_model(&net, dir.path("zero.safetensors")).unwrap_err().to_string();
    assert!(err.contains("bnstd_running holds 0: a standard deviation is greater than 0"), "{err}");
    assert!(!dir.path("zero.safetensors").exists());
}

/// A minibatch in which a hidden unit does not vary has a std of 0, which the lecture divides
/// by: training stops there with a message that says so, not with a NaN loss.
#[test]
fn a_minibatch_without_variation_stops_training_with_its_cause() {
    let words = WordList::parse("ab\nab\nab\nab", "w").unwrap();
    let vocab = Vocab::from_words(&words).unwrap();
    let examples = Examples::with_context(&words, &vocab, 1).unwrap();
    // one context only ('.' then 'a' then 'b'): minibatches of 2 often repeat one example
    let cfg = MlpConfig { context_len: 1, hidden: 3, batch: 2, steps: 200, batchnorm: true, ..MlpConfig::DEFAULT };
    let _rng = rng_lock();
    let mut net = BatchNormMlp::new(&vocab, &cfg).unwrap();
    let err = net.train_run(&examples, &cfg, |_| {}, None, None).unwrap_err().to_string();
    assert!(err.contains("does not vary (its std is 0)"), "{err}");
}
