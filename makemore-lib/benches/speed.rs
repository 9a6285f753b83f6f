//! Timings of the lecture's steps in Rust, one JSON object per line:
//! `{"case": "...", "seconds": median, "runs": n}`. `make bench` runs this next to the
//! PyTorch baseline (scripts/bench_pytorch.py) and writes BENCHMARKS.md.
//!
//!     cargo bench --bench speed            (2 libtorch threads, as the baseline)

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use makemore::*;

const THREADS: i32 = 2;

/// Median wall time of `runs` calls (after one warm-up call).
fn time(case: &str, runs: usize, mut f: impl FnMut()) {
    f();
    let mut times: Vec<f64> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(f64::total_cmp);
    println!("{{\"case\": \"{case}\", \"seconds\": {:.9}, \"runs\": {runs}}}", times[runs / 2]);
}

/// Wall time of one call, for runs too long to repeat (the MLP's 200,000 steps).
fn time_once(case: &str, f: impl FnOnce()) {
    let t = Instant::now();
    f();
    println!("{{\"case\": \"{case}\", \"seconds\": {:.9}, \"runs\": 1}}", t.elapsed().as_secs_f64());
}

fn main() -> anyhow::Result<()> {
    tch::set_num_threads(THREADS);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let words = WordList::read(root.join("data/names.txt"))?;
    let vocab = Vocab::from_words(&words)?;

    time("count: lecture loop, N[ix1, ix2] += 1", 3, || {
        BigramCounts::from_words_loop(&words, &vocab).unwrap();
    });
    time("count: vectorised", 50, || {
        BigramCounts::from_words(&words, &vocab).unwrap();
    });

    let examples = Examples::new(&words, &vocab)?;
    let mut net = NeuralModel::bigram(&vocab, LECTURE_SEED);
    keep_freed_memory_for_reuse(); // as the one-hot training does
    time("one step: lecture one-hot", 10, || {
        net.step(&examples, 50.0, 0.01).unwrap();
    });
    // the case names are those in BENCHMARKS.md ("through the counts": the exact gradient)
    for (case, method) in
        [("100 steps: one-hot", Method::OneHot), ("100 steps: through the counts", Method::ExactGradient)]
    {
        time(case, 3, || {
            let mut net = NeuralModel::bigram(&vocab, LECTURE_SEED);
            let cfg = TrainConfig { steps: 100, method, ..Default::default() };
            net.train(&words, cfg).unwrap();
        });
    }

    let model = CountsModel::bigram(&words, 1.0)?;
    for n in [1_000, 10_000] {
        time(&format!("sample {n}: lecture loop"), 3, || {
            sample(&model, n, LECTURE_SEED).unwrap();
        });
        time(&format!("sample {n}: all words at once"), 5, || {
            sample_fast(&model, n, LECTURE_SEED).unwrap();
        });
    }

    // lecture 2: the MLP's minibatch steps, the lecture's computation (same ATen calls)
    let split = "80/10/10".parse::<Split>()?.apply(&words, 42)?;
    let train = Examples::with_context(&split.train, &vocab, 3)?;
    let cfg = MlpConfig::default();
    time("mlp: 1000 steps", 5, || {
        let mut mlp = Mlp::new(&vocab, &cfg).unwrap();
        mlp.train_examples(&train, &MlpConfig { steps: 1000, ..cfg }, |_, _| {}).unwrap();
    });
    time_once("mlp: 200000 steps, the lecture's run", || {
        let mut mlp = Mlp::new(&vocab, &cfg).unwrap();
        mlp.train_examples(&train, &cfg, |_, _| {}).unwrap();
    });

    // lecture 3: the BatchNorm MLP (cells 6-7) through the trainer, its backward pass written out
    let bn_cfg = MlpConfig { batchnorm: true, ..cfg };
    time("bn mlp: 1000 steps", 5, || {
        let mut net = BatchNormMlp::new(&vocab, &bn_cfg).unwrap();
        net.train_run(&train, &MlpConfig { steps: 1000, ..bn_cfg }, |_| {}, None, None).unwrap();
    });
    time_once("bn mlp: 200000 steps, the lecture's run", || {
        let mut net = BatchNormMlp::new(&vocab, &bn_cfg).unwrap();
        net.train_run(&train, &bn_cfg, |_| {}, None, None).unwrap();
    });

    // lecture 5: the WaveNet (the lecture's final network) through the trainer, its backward pass written out
    let train8 = Examples::with_context(&split.train, &vocab, 8)?;
    let wn_cfg = WaveNetConfig::DEFAULT;
    time("wavenet: 1000 steps", 5, || {
        let mut net = WaveNet::new(&vocab, &wn_cfg).unwrap();
        net.train_run(&train8, &WaveNetConfig { steps: 1000, ..wn_cfg }, |_| {}, None, None).unwrap();
    });
    time_once("wavenet: 200000 steps, the lecture's run", || {
        let mut net = WaveNet::new(&vocab, &wn_cfg).unwrap();
        net.train_run(&train8, &wn_cfg, |_| {}, None, None).unwrap();
    });

    // a whole process: start, load a model, first tensor op (one multinomial draw)
    let dir = std::env::temp_dir().join(format!("makemore-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("counts.safetensors");
    save_model(&CountsModel::bigram(&words, 1.0)?, &path)?;
    let exe = env!("CARGO_BIN_EXE_makemore");
    time("start-up: process start to first tensor op", 10, || {
        let out = Command::new(exe).args(["sample", "--num", "1", "--model"]).arg(&path).output().unwrap();
        assert!(out.status.success());
    });
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
