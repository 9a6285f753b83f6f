//! Lecture 5's WaveNet, built from the network core's layers and trained by
//! `makemore train --model wavenet`, against PyTorch's own run of the lecture's code
//! (scripts/make_reference_wavenet.py, fixtures tests/fixtures/<vendor>/{names,accents}-wavenet.json):
//! the parameter names and count, the parameters at initialization, the loss before training
//! and the first 1,000 minibatch losses (through the library), then the CLI's 200,000 steps:
//! the model file's parameters and running statistics, the train/dev/test losses in
//! evaluation mode, and the 20 names `sample` draws.
//!
//! On the fixture's kind of machine ([`Reference::native`]) every number is compared bit for
//! bit. Elsewhere the losses have the BatchNorm MLP's bounds (docs/tolerances.md, "The
//! WaveNet").

mod common;

use std::sync::OnceLock;

use common::cli::{Dir, Trained, list_path, makemore_ok, sampled20, tail, trained_once};
use common::*;
use makemore::check::{self, Bound};
use makemore::{Examples, Network, Reference, Split, Vocab, WaveNet, WaveNetConfig, WordList, evaluate, mean_loss};

/// The word list, its vocabulary, and CPython's 80/10/10 split as examples of context 8.
fn data(list: &str) -> (Vocab, [WordList; 3], [Examples; 3]) {
    let words = WordList::read(list_path(list)).unwrap();
    let vocab = Vocab::from_words(&words).unwrap();
    let s = "80/10/10".parse::<Split>().unwrap().apply(&words, 42).unwrap();
    let parts = [&s.train, &s.dev, &s.test].map(|p| Examples::with_context(p, &vocab, 8).unwrap());
    (vocab, [s.train, s.dev, s.test], parts)
}

/// The fixture, for results computed on one libtorch thread, as the WaveNet computes.
fn reference(list: &str) -> Reference {
    Reference::load(&format!("{list}-wavenet.json")).unwrap().at_threads(1)
}

/// `makemore train --model wavenet --split 80/10/10 --split-seed 42`, once per list.
fn trained(list: &'static str) -> &'static Trained {
    static NAMES: OnceLock<Trained> = OnceLock::new();
    static ACCENTS: OnceLock<Trained> = OnceLock::new();
    trained_once(if list == "names" { &NAMES } else { &ACCENTS }, list, &["--model", "wavenet"])
}

/// libtorch's scalar kernels draw other normals than its vectorized ones (README: AVX2).
fn scalar_kernels() -> bool {
    std::env::var("ATEN_CPU_CAPABILITY").is_ok_and(|c| c.eq_ignore_ascii_case("default"))
}

fn before_training(list: &'static str) {
    let (r, (vocab, _, parts)) = (reference(list), data(list));
    let _rng = rng_lock();
    let mut net = WaveNet::new(&vocab, &WaveNetConfig::DEFAULT).unwrap();
    assert_eq!(net.n_parameters() as f64, r.num("final.n_params"));
    let names: Vec<String> = net.named_parameters().into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, r.strings("final.names"), "nn.Sequential's names");
    assert_eq!(parts.each_ref().map(|p| p.len() as f64).to_vec(), r.nums("split.sizes"));
    if !scalar_kernels() {
        for (name, hash) in hashes(&net) {
            assert_eq!(r["final"]["init"][&name]["sha256"], hash.as_str(), "{name} at init: the same draws");
        }
    }
    check::close(mean_loss(&net, &parts[0]).unwrap(), r.num("final.initial_loss.train"), r.same_run());
    check::close(mean_loss(&net, &parts[1]).unwrap(), r.num("final.initial_loss.dev"), r.same_run());
    let first = WaveNetConfig { steps: 1000, decay_at: Some(1000), ..WaveNetConfig::DEFAULT };
    let losses = net.train_run(&parts[0], &first, |_| {}, None, None).unwrap().losses;
    r.assert_run(&losses.iter().map(|&x| x as f64).collect::<Vec<_>>(), "final.losses_first1000");
}

fn after_training(list: &'static str, final_bound: f64) {
    let (t, r, (vocab, words, parts)) = (trained(list), reference(list), data(list));
    let step1 = format!("step      1/200000  loss {:.4}", r.num("final.losses_first1000.0"));
    assert!(t.log.contains(&step1), "{step1:?} not in {}", tail(&t.log));
    let params = format!("model #params: {}", r.num("final.n_params"));
    assert!(t.log.contains(&params), "{params:?} not in {}", tail(&t.log));
    // the file: PyTorch's trained network, running statistics included
    let model = makemore::load_model(&t.model).unwrap();
    assert_eq!((model.kind(), model.context_len()), ("wavenet", 8));
    assert_eq!(model.parameter_count(), Some(r.num("final.n_params") as usize));
    let tensors = tch::Tensor::read_safetensors(&t.model).unwrap();
    assert_eq!(tensors.len(), r["final"]["params"].as_object().unwrap().len(), "every parameter and statistic");
    if r.native() {
        for (name, t) in &tensors {
            let want =
                r["final"]["params"][name]["sha256"].as_str().unwrap_or_else(|| panic!("{name} not in the fixture"));
            assert_eq!(sha256(t), want, "{name} after 200,000 steps");
        }
    }
    let bound = if r.native() { Bound::Exact } else { Bound::Absolute(final_bound) };
    // the lecture's split_loss: F.cross_entropy over each part in evaluation mode (float32)
    let net = WaveNet::load_file(&t.model).unwrap();
    let split_loss = parts.each_ref().map(|p| mean_loss(&net, p).unwrap() as f64);
    for (loss, part) in split_loss.iter().zip(["train", "dev", "test"]) {
        check::close(*loss, r.num(&format!("final.loss.{part}")), bound.clone());
    }
    // the CLI's eval: the library's evaluation of the file, part by part, which averages the
    // same log-probabilities in float64 (the logits of a context do not depend on its batch)
    let json =
        makemore_ok(&["eval", "--model", &t.model, "--input", &list_path(list), "--split", "80/10/10", "--json"]);
    let json: serde_json::Value = serde_json::from_str(json.lines().next().unwrap()).unwrap();
    assert_eq!(json["model"]["settings"]["flatten"], 2);
    let logits = |xs: &tch::Tensor| makemore::on_one_thread(|| tch::no_grad(|| net.logits(xs))).unwrap();
    let some = (parts[1].len() / 2).min(100) as i64;
    let all = logits(&parts[1].xs).narrow(0, 0, some);
    assert!(logits(&parts[1].xs.narrow(0, 0, some)).equal(&all), "the logits of {some} contexts, alone and in dev");
    for (i, part) in ["train", "dev", "test"].into_iter().enumerate() {
        let row = &json["parts"][i];
        assert_eq!(row["ngrams"].as_u64(), Some(parts[i].len() as u64));
        let want = evaluate(&*model, &words[i]).unwrap();
        assert_eq!(row["nll"].as_f64(), Some(want.nll));
        let float32_mean = Bound::Loss { vocab: vocab.len(), n: parts[i].len() };
        check::assert_close(part, &[want.nll], &[split_loss[i]], float32_mean, "float64 and float32 means");
    }
    // the 20 names `sample` draws by default, through the running statistics
    let names = sampled20(&t.model, "2147483647");
    if r.native() {
        let want = names_without_end(&r["final"]["samples20"]);
        assert_eq!(names, want, "20 names after manual_seed(2147483647), through the running statistics");
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

/// A context of 16 makes four levels (no squeeze bug) and trains; its file loads back to the
/// same probabilities; a negative running variance (which no file may hold) is refused.
#[test]
fn four_levels_train_and_a_negative_variance_is_refused() {
    let words = WordList::parse(&"emma\nolivia\nava\nisabella\nsophia\n".repeat(4), "w").unwrap();
    let vocab = Vocab::from_words(&words).unwrap();
    let cfg = WaveNetConfig { context_len: 16, embedding: 4, hidden: 8, steps: 30, ..WaveNetConfig::DEFAULT };
    let ex = Examples::with_context(&words, &vocab, 16).unwrap();
    let net = {
        let _rng = rng_lock();
        let mut net = WaveNet::new(&vocab, &cfg).unwrap();
        let run = net.train_run(&ex, &cfg, |_| {}, None, None).unwrap();
        assert!(run.losses[29] < run.losses[0], "{:?}", run.losses);
        net
    };
    let shapes = net.shapes(&ex.xs.view([-1, 16]).narrow(0, 0, 4)).unwrap();
    let flatten: Vec<Vec<i64>> =
        shapes.iter().filter(|(n, _)| n == "FlattenConsecutive").map(|(_, s)| s.clone()).collect();
    assert_eq!(flatten, [vec![4, 8, 8], vec![4, 4, 16], vec![4, 2, 16], vec![4, 16]]);
    assert_eq!(shapes.last().unwrap().1, [4, vocab.len() as i64]);
    let dir = Dir::new();
    let path = dir.path("w.safetensors");
    makemore::save_model(&net, &path).unwrap();
    let loaded = makemore::load_model(&path).unwrap();
    assert!(loaded.probs(&[0; 16]).unwrap().equal(&makemore::LanguageModel::probs(&net, &[0; 16]).unwrap()));
    let (_, var) = net.named_buffers().into_iter().find(|(n, _)| n == "3.running_var").unwrap();
    let _ = tch::no_grad(|| var.shallow_clone().fill_(-1.0));
    let err = makemore::save_model(&net, dir.path("bad.safetensors")).unwrap_err().to_string();
    assert!(err.contains("3.running_var holds -1: a variance is 0 or more"), "{err}");
}

/// A WaveNet read back from the cache of trained networks is the one its training makes:
/// the same parameters, BatchNorm statistics and losses, and the global generator where the
/// training leaves it. A file cut short is trained again; other settings are another network.
#[test]
fn the_cache_reads_back_what_training_makes() {
    let (vocab, _, [train, ..]) = data("names");
    let _rng = rng_lock();
    let cfg = WaveNetConfig { steps: 40, ..WaveNetConfig::DEFAULT };
    let dir = Dir::new();
    let cache = makemore::TrainedCache::at(dir.path("trained"));
    let tensors = |n: &WaveNet| n.named_parameters().into_iter().chain(n.named_buffers()).map(|(_, t)| t).collect();
    let draw = || tch::Tensor::randint(1000, [8], (tch::Kind::Int64, tch::Device::Cpu));
    let (now, first) = WaveNet::trained(&vocab, &cfg, &train, &cache).unwrap();
    let after_training = draw();
    let (again, second) = WaveNet::trained(&vocab, &cfg, &train, &cache).unwrap();
    let after_reading = draw();
    assert!(!first.read_back && second.read_back, "{first} / {second}");
    assert_eq!(first.losses, second.losses);
    let (a, b): (Vec<tch::Tensor>, Vec<tch::Tensor>) = (tensors(&now), tensors(&again));
    assert!(a.iter().zip(&b).all(|(a, b)| a.equal(b)), "the parameters and running statistics");
    assert!(after_training.equal(&after_reading), "the generator after the training");
    let mut by_hand = WaveNet::new(&vocab, &cfg).unwrap();
    assert_eq!(by_hand.train_run(&train, &cfg, |_| {}, None, None).unwrap().losses, first.losses);

    let files: Vec<_> = std::fs::read_dir(cache.dir()).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(files.len(), 1, "{files:?}");
    std::fs::write(&files[0], b"cut short").unwrap();
    let (_, third) = WaveNet::trained(&vocab, &cfg, &train, &cache).unwrap();
    assert!(!third.read_back);
    assert_eq!(third.losses, first.losses);
    let (_, other) = WaveNet::trained(&vocab, &WaveNetConfig { lr: 0.05, ..cfg }, &train, &cache).unwrap();
    assert!(!other.read_back);
    assert_eq!(std::fs::read_dir(cache.dir()).unwrap().count(), 2);
}

/// Lecture 5's "flat → hierarchical" row through the library: `batchnorm_bug` builds the
/// network whose BatchNorm normalises per position, and its first 1,000 losses are PyTorch's
/// run of the lecture's buggy class (names-wavenet-notebook.json); the running statistics
/// are per position, as the lecture's; such a network is not saved.
#[test]
fn the_batchnorm_bug_is_the_lectures() {
    let (vocab, _, [train, ..]) = data("names");
    let _rng = rng_lock();
    let rx = Reference::load("names-wavenet-notebook.json").unwrap().at_threads(1);
    // the first 1,000 steps of 200,000: lr 0.1 throughout (by default a run of 1,000 decays at 750)
    let cfg = WaveNetConfig {
        embedding: 10,
        hidden: 68,
        steps: 1_000,
        decay_at: Some(1_000),
        batchnorm_bug: true,
        ..WaveNetConfig::DEFAULT
    };
    let mut net = WaveNet::new(&vocab, &cfg).unwrap();
    assert_eq!(net.n_parameters() as f64, rx.num("rows.hierarchical.n_params"));
    let losses = net.train_run(&train, &cfg, |_| {}, None, None).unwrap().losses;
    rx.assert_run(&losses.iter().map(|&l| l as f64).collect::<Vec<_>>(), "rows.hierarchical.losses_first1000");
    let running: Vec<Vec<i64>> =
        net.named_buffers().iter().filter(|(n, _)| n.ends_with("running_mean")).map(|(_, t)| t.size()).collect();
    let lecture = rx.ints("walk.hierarchical.running_mean_shape"); // (1, 4, 68) after one update
    assert_eq!(running, [lecture[1..].to_vec(), vec![2, 68], vec![68]]);
    let err = makemore::save_model(&net, Dir::new().path("bug.safetensors")).unwrap_err();
    assert!(err.to_string().contains("BatchNorm bug is not saved"), "{err}");
}
