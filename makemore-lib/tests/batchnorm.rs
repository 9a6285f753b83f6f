//! Lecture 3's BatchNorm MLP (cells 6 to 10), built on the network core, against PyTorch's
//! own run of the lecture's code (scripts/make_reference_bn.py, fixtures
//! tests/fixtures/<vendor>/{names,accents}-bn.json): the parameters at initialization, the
//! loss before training, the first 1,000 minibatch losses, and after 200,000 steps the
//! parameters and running statistics, the train/dev/test losses and 20 sampled names.
//!
//! On the fixture's kind of machine ([`Reference::native`]) every number is compared bit for
//! bit: the network is its forward pass, trained by the core's `AutogradStep` with `Sgd` and
//! the `Trainer`'s minibatches. Elsewhere the bounds are those of the MLP
//! (docs/tolerances.md, "The MLP"): the same steps, with one BatchNorm layer more.

mod common;

use std::sync::OnceLock;

use common::*;
use makemore::check::{self, Bound};
use makemore::{BatchNormMlp, Examples, MlpConfig, Network, Reference, Split, Vocab, WordList, sample};
use sha2::{Digest, Sha256};

/// What the tests compare, for one word list.
struct Run {
    n_params: usize,
    sizes: [usize; 3],
    init: Vec<(String, String)>,
    initial_loss: [f32; 2],
    losses: Vec<f32>,
    trained: Vec<(String, String)>,
    loss: [f32; 3],
    calibrated_loss: [f32; 2],
    samples: Vec<String>,
}

fn sha256(t: &tch::Tensor) -> String {
    let values = Vec::<f32>::try_from(&t.detach().flatten(0, -1)).unwrap();
    let bytes: Vec<u8> = values.iter().flat_map(|x| x.to_le_bytes()).collect();
    Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Every parameter and buffer: name and sha256 of its float32 bytes.
fn hashes(net: &BatchNormMlp) -> Vec<(String, String)> {
    net.named_parameters().into_iter().chain(net.named_buffers()).map(|(n, t)| (n, sha256(&t))).collect()
}

fn run(list: &'static str) -> &'static Run {
    static NAMES: OnceLock<Run> = OnceLock::new();
    static ACCENTS: OnceLock<Run> = OnceLock::new();
    let cell = if list == "names" { &NAMES } else { &ACCENTS };
    cell.get_or_init(|| {
        let words = match list {
            "names" => WordList::read(names_txt()).unwrap(),
            _ => WordList::read(fixture("accents.txt")).unwrap(),
        };
        let vocab = Vocab::from_words(&words).unwrap();
        let s = "80/10/10".parse::<Split>().unwrap().apply(&words, 42).unwrap();
        let parts = [&s.train, &s.dev, &s.test].map(|p| Examples::with_context(p, &vocab, 3).unwrap());
        let cfg = MlpConfig::default();
        let _rng = rng_lock();
        let mut net = BatchNormMlp::new(&vocab, &cfg).unwrap();
        let (init, n_params) = (hashes(&net), net.n_parameters());
        let initial_loss = [0, 1].map(|i| makemore::mean_loss(&net, &parts[i]).unwrap());
        let t = std::time::Instant::now();
        let losses = net.train_run(&parts[0], &cfg, |_| {}, None, None).unwrap().losses;
        eprintln!("{list}: {} steps in {:.1} s", cfg.steps, t.elapsed().as_secs_f64());
        let loss = [0, 1, 2].map(|i| makemore::mean_loss(&net, &parts[i]).unwrap());
        let [mean, std] = net.calibrate(&parts[0]).unwrap();
        let calibrated_loss = [0, 1].map(|i| {
            makemore::on_one_thread(|| {
                let logits = tch::no_grad(|| net.logits_with(&parts[i].xs, [&mean, &std])).unwrap();
                let ys = &parts[i].ys;
                logits.cross_entropy_loss::<tch::Tensor>(ys, None, tch::Reduction::Mean, -100, 0.0).double_value(&[])
                    as f32
            })
        });
        Run {
            n_params,
            sizes: [0, 1, 2].map(|i| parts[i].len()),
            init,
            initial_loss,
            losses,
            trained: hashes(&net),
            loss,
            calibrated_loss,
            samples: sample(&net, 20, makemore::LECTURE_SEED + 10).unwrap(),
        }
    })
}

fn reference(list: &str) -> Reference {
    Reference::load(&format!("{list}-bn.json")).unwrap()
}

/// libtorch's scalar kernels draw other normals than its vectorized ones (README: AVX2).
fn scalar_kernels() -> bool {
    std::env::var("ATEN_CPU_CAPABILITY").is_ok_and(|c| c.eq_ignore_ascii_case("default"))
}

fn before_training(list: &'static str) {
    let (run, r) = (run(list), reference(list));
    assert_eq!(run.n_params as f64, r.num("final.n_params"));
    assert_eq!(run.sizes.map(|x| x as f64).to_vec(), r.nums("split.sizes"));
    if !scalar_kernels() {
        for (name, hash) in &run.init {
            assert_eq!(&r.text(&format!("final.init.{name}.sha256")), hash, "{name} at init: the same draws");
        }
    }
    check::close(run.initial_loss[0], r.num("final.initial_loss.train"), r.same_run());
    check::close(run.initial_loss[1], r.num("final.initial_loss.dev"), r.same_run());
}

fn training(list: &'static str, final_bound: f64) {
    let (run, r) = (run(list), reference(list));
    let losses: Vec<f64> = run.losses.iter().map(|&x| x as f64).collect();
    r.check_run(&losses[..1000], "final.losses_first1000");
    let bound = if r.native() { Bound::Exact } else { Bound::Absolute(final_bound) };
    for (got, part) in run.loss.iter().zip(["train", "dev", "test"]) {
        eprintln!("{list} {part}: {got} against PyTorch's {}", r.num(&format!("final.loss.{part}")));
        check::close(*got, r.num(&format!("final.loss.{part}")), bound);
    }
    for (got, part) in run.calibrated_loss.iter().zip(["train", "dev"]) {
        check::close(*got, r.num(&format!("final.calibrated.loss.{part}")), bound);
    }
    if r.native() {
        let every: Vec<f64> = losses.iter().step_by(100).copied().collect();
        assert_eq!(every, r.nums("final.losses_every_100"));
        for (name, hash) in &run.trained {
            assert_eq!(&r.text(&format!("final.params.{name}.sha256")), hash, "{name} after training");
        }
        let want: Vec<String> = r.strings("final.samples20").iter().map(|w| w.trim_end_matches('.').into()).collect();
        assert_eq!(run.samples, want, "20 names with 2147483647 + 10, through the running statistics");
    } else {
        assert_eq!(run.samples.len(), 20);
    }
}

#[test]
fn names_before_training() {
    before_training("names");
}

#[test]
fn names_after_200000_steps() {
    training("names", MLP_NAMES_FINAL_BOUND);
}

#[test]
fn accents_before_training() {
    before_training("accents");
}

#[test]
fn accents_after_200000_steps() {
    training("accents", MLP_ACCENTS_FINAL_BOUND);
}
