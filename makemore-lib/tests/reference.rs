//! Every step of lecture 1 against PyTorch 2.13's own numbers (scripts/make_reference.py):
//! on names.txt, and on a word list of our own with non-ASCII letters, against the
//! reference set of every CPU vendor in tests/fixtures (PyTorch's float32 results differ
//! in the last bits between vendors). Tolerances follow docs/tolerances.md.

mod common;

use common::*;
use makemore::check::{Bound, Order, Training, U, assert_close, assert_close_each};
use makemore::*;
use tch::{Device, Kind, Tensor};

/// The reference and the word list it was made from.
const CASES: [(&str, &str); 2] = [("names-reference.json", ""), ("accents-reference.json", "accents.txt")];

fn case(i: usize) -> (Reference, WordList) {
    let (json, words) = CASES[i];
    let path = if words.is_empty() { names_txt() } else { fixture(words) };
    (reference(json), WordList::read(path).expect("word list"))
}

/// Every word list against every vendor's reference set.
fn each_case(mut check: impl FnMut(&Reference, &WordList, &Vocab)) {
    for (json, words) in CASES {
        let path = if words.is_empty() { names_txt() } else { fixture(words) };
        let words = WordList::read(path).expect("word list");
        let vocab = Vocab::from_words(&words).unwrap();
        for r in reference_sets(json) {
            check(&r, &words, &vocab);
        }
    }
}

/// Every word list once, with every vendor's reference set for it (for the slow checks:
/// compute once, compare with each set).
fn each_list(mut check: impl FnMut(&[Reference], &WordList, &Vocab)) {
    for (json, words) in CASES {
        let path = if words.is_empty() { names_txt() } else { fixture(words) };
        let words = WordList::read(path).expect("word list");
        let vocab = Vocab::from_words(&words).unwrap();
        check(&reference_sets(json), &words, &vocab);
    }
}

/// The most examples that share one input character (the '.' row: one per word), and
/// the number of examples: the longest reduction in a gradient, and the mean's length.
fn row_sizes(words: &WordList, vocab: &Vocab) -> (usize, usize) {
    let mut rows = vec![0usize; vocab.len()];
    vocab.for_each_bigram(words, |x, _| rows[x] += 1).unwrap();
    (rows.iter().copied().max().unwrap(), rows.iter().sum())
}

/// The lecture's full-batch training at `lr` on these words, as far as its float32 error
/// goes (`check::Training`: the longest reduction in a gradient is the '.' row's, one
/// example per word).
fn training(words: &WordList, vocab: &Vocab, lr: f64) -> Training {
    let (n_i, n) = row_sizes(words, vocab);
    Training { lr, vocab: vocab.len(), n, per_input: n_i, hot: 1 }
}

fn float_rows(t: &Tensor) -> Vec<Vec<f64>> {
    Vec::<Vec<f64>>::try_from(&t.to_kind(Kind::Double)).unwrap()
}

#[test]
fn word_statistics() {
    each_case(|r, words, _| {
        assert_eq!(words.len() as u64, r["n_words"].as_u64().unwrap());
        assert_eq!(words[..10.min(words.len())], r.strings("first10")[..]);
        let lens: Vec<usize> = words.iter().map(|w| w.chars().count()).collect();
        assert_eq!(*lens.iter().min().unwrap() as u64, r["min_len"].as_u64().unwrap());
        assert_eq!(*lens.iter().max().unwrap() as u64, r["max_len"].as_u64().unwrap());
    });
}

#[test]
fn bigram_dict_and_top10() {
    each_case(|r, words, _| {
        let b = BigramDict::from_words(words);
        assert_eq!(b.len() as u64, r["n_distinct_bigrams"].as_u64().unwrap());
        let top: Vec<(String, String, u64)> =
            b.most_common(10).into_iter().map(|((a, c), n)| (a.to_string(), c.to_string(), n as u64)).collect();
        let want: Vec<(String, String, u64)> = r["top10_bigrams"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| (t[0].as_str().unwrap().into(), t[1].as_str().unwrap().into(), t[2].as_u64().unwrap()))
            .collect();
        assert_eq!(top, want);
    });
}

#[test]
fn vocabulary() {
    each_case(|r, _, vocab| {
        let itos: Vec<String> = vocab.chars().iter().map(|c| c.to_string()).collect();
        assert_eq!(itos, r.strings("itos"));
        assert_eq!(vocab.len() as u64, r["vocab_size"].as_u64().unwrap());
    });
}

#[test]
fn count_matrix_fast_and_loop() {
    each_case(|r, words, vocab| {
        let want: Vec<Vec<i64>> = r["N"]
            .as_array()
            .unwrap()
            .iter()
            .map(|row| row.as_array().unwrap().iter().map(|x| x.as_i64().unwrap()).collect())
            .collect();
        let fast = BigramCounts::from_words(words, vocab).unwrap();
        assert_eq!(fast.to_rows(), want);
        assert_eq!(fast.total(), r["N_total"].as_i64().unwrap());
        let slow = BigramCounts::from_words_loop(words, vocab).unwrap();
        assert_eq!(slow.to_rows(), want);
    });
}

#[test]
fn first_row_probabilities_and_first_draw() {
    let _rng = rng_lock();
    each_case(|r, words, vocab| {
        let counts = BigramCounts::from_words(words, vocab).unwrap();
        let p = normalize_rows(counts.n(), 0.0).get(0);
        assert_close(
            "p",
            &Vec::<f64>::try_from(&p.to_kind(Kind::Double)).unwrap(),
            &r.nums("N0_probs"),
            Bound::Exact,
            "integer counts below 2^24 sum exactly in float32, then one correctly rounded division",
        );
        seed(LECTURE_SEED);
        let ix = draw(&p).unwrap();
        assert_eq!(ix, r["N0_first_sample"][0].as_i64().unwrap());
        assert_eq!(vocab.itos(ix as usize).to_string(), r["N0_first_sample"][1].as_str().unwrap());
    });
}

#[test]
fn rand_then_multinomial() {
    let _rng = rng_lock();
    let (r, _) = case(0);
    seed(LECTURE_SEED);
    let p = Tensor::rand([3], (Kind::Float, Device::Cpu));
    let p = &p / p.sum(Kind::Float);
    assert_close(
        "rand(3) / sum",
        &Vec::<f64>::try_from(&p.to_kind(Kind::Double)).unwrap(),
        &r.nums("rand3_normalized"),
        Bound::Ulps(3.0).both_sides(),
        "the same random bits; a sum of 3 floats (2u) and a division (u) on each side",
    );
    let draws = Vec::<i64>::try_from(&p.multinomial(100, true)).unwrap();
    let want: Vec<i64> = r["multinomial100"].as_array().unwrap().iter().map(|x| x.as_i64().unwrap()).collect();
    assert_eq!(draws, want);
}

#[test]
fn smoothed_probabilities_are_bit_exact() {
    each_case(|r, words, _| {
        let model = CountsModel::bigram(words, 1.0).unwrap();
        let (got, want) = (float_rows(&model.probs_matrix().unwrap()), r.rows("P_smoothed"));
        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
            assert_close(
                &format!("P[{i}]"),
                g,
                w,
                Bound::Exact,
                "integer counts below 2^24 sum exactly in float32, then one correctly rounded division",
            );
        }
    });
}

#[test]
fn keepdim_bug_breaks_row_sums() {
    let (_, words) = case(0);
    let counts = BigramCounts::from_words(&words, &Vocab::from_words(&words).unwrap()).unwrap();
    let right = normalize_rows(counts.n(), 1.0).sum_dim_intlist([1i64].as_slice(), false, Kind::Float);
    let wrong = normalize_rows_keepdim_bug(counts.n(), 1.0).sum_dim_intlist([1i64].as_slice(), false, Kind::Float);
    let ones = vec![1.0; 27];
    // each probability is within u of its exact value (one division), so they add up to
    // within u of 1, and the float32 row sum of 27 of them adds at most 26u: 27u
    assert_close(
        "rows with keepdim",
        &Vec::<f64>::try_from(&right.to_kind(Kind::Double)).unwrap(),
        &ones,
        Bound::RowOfProbs(27),
        "a float32 sum of 27 correctly rounded probabilities",
    );
    // without keepdim, row 0 ('.') is divided column by column: it sums to about 2.9, not 1
    let row0 = wrong.double_value(&[0]);
    assert!((row0 - 1.0).abs() > 0.5, "row 0 sums to {row0}");
}

#[test]
fn counts_samples_equal_pytorch() {
    let _rng = rng_lock();
    each_case(|r, words, _| {
        let model = CountsModel::bigram(words, 1.0).unwrap();
        assert_eq!(sample(&model, 20, LECTURE_SEED).unwrap(), names_without_end(&r["samples20_counts_smoothed"]));
    });
}

#[test]
fn negative_log_likelihood_loop_and_vectorised() {
    let mut native = 0;
    each_case(|r, words, _| {
        for (key, k) in [("nll_smoothed", 1.0), ("nll_unsmoothed", 0.0)] {
            let model = CountsModel::bigram(words, k).unwrap();
            let looped = nll_loop(&model, words).unwrap();
            let want = &r[key];
            let n = r["n_examples"].as_u64().unwrap();
            assert_eq!(looped.n as u64, n);
            let got = [looped.total as f64, looped.average as f64];
            let wanted = [want["total_f32_loop"].as_f64().unwrap(), want["avg_f32_loop"].as_f64().unwrap()];
            let what = format!("{key} loop ({} set)", r.vendor());
            if r.same_vendor() {
                // The lecture's loop is a sequential float32 sum (IEEE additions are
                // deterministic) of float32 logs that libtorch computes the same way on
                // a CPU of one vendor, whatever ATEN_CPU_CAPABILITY or the thread count.
                assert_close(&what, &got, &wanted, Bound::Exact, "same vendor: the same logs, added in the same order");
            } else {
                // Another vendor's logs may differ by an ulp each (measured: the total on
                // accents.txt unsmoothed differs by 1 ulp between Intel and AMD). Each
                // differing term moves the sum by ≤ 2 ulps of itself (≤ 4u·|x|, ≤ 4u·|total|
                // in all) and may flip the rounding of each later addition by ≤ 1 ulp of
                // the partial sum (≤ 2u·|total|, n times). Loose for long lists: the exact
                // check is against this vendor's own set (`make reference`).
                let total = (4.0 + 2.0 * n as f64) * U * wanted[0].abs();
                let avg = Bound::Derived(total / n as f64).plus(Bound::Ulps(1.0));
                let why = "another vendor's float32 logs, summed in order";
                assert_close(&what, &got[..1], &wanted[..1], Bound::Derived(total), why);
                assert_close(&what, &got[1..], &wanted[1..], avg, "the total's bound over n, and one division");
            }
            let exact = evaluate(&model, words).unwrap();
            // Both sides take float32 logs (≤ 1 ulp each from the true log, so ≤ 2 ulps
            // apart: PyTorch of 228,146 gathered values, we of the V×V matrix; libtorch's
            // log differs between vendors) and average them in float64; the terms all have
            // one sign, so the mean's error is 2 ulps of the mean, plus the float64 sums.
            let tol = Bound::MeanOfLogs(n as usize);
            assert_close(
                &format!("{key} vectorised ({} set)", r.vendor()),
                &[exact.nll],
                &[want["avg_exact"].as_f64().unwrap()],
                tol,
                "float32 logs within 1 ulp on each side, averaged in float64",
            );
            native += r.same_vendor() as usize;
        }
    });
    if native == 0 {
        eprintln!(
            "note: no reference set for this CPU vendor ({}): the loop was checked within the cross-vendor bound only; `make reference` makes one",
            makemore::reference::machine_vendor()
        );
    }
}

#[test]
fn andrejq_is_infinitely_unlikely_without_smoothing() {
    let (_, words) = case(0);
    let raw = CountsModel::bigram(&words, 0.0).unwrap();
    let (bigrams, nll) = word_nll(&raw, "andrejq").unwrap();
    assert_eq!(bigrams.len(), 8);
    let jq = &bigrams[6];
    assert_eq!((jq.from, jq.to, jq.prob), ('j', 'q', 0.0));
    assert!(nll.is_infinite());
    let smoothed = CountsModel::bigram(&words, 1.0).unwrap();
    let (_, nll) = word_nll(&smoothed, "andrejq").unwrap();
    assert!(nll.is_finite() && nll > 3.0, "smoothed nll {nll}");
}

/// The lecture's training: W seeded, 200 steps at learning rate 50 and regularization
/// 0.01. Returns the losses, W, and the model.
fn train_200(vocab: &Vocab, words: &WordList, method: Method) -> (Vec<f64>, Vec<Vec<f64>>, NeuralModel) {
    let mut model = NeuralModel::bigram(vocab, LECTURE_SEED);
    let cfg = TrainConfig { steps: 200, lr: 50.0, reg: 0.01, method };
    let losses = model.train(words, cfg).unwrap().iter().map(|&l| l as f64).collect();
    let w = float_rows(&model.w().detach());
    (losses, w, model)
}

/// The bounds of the lecture's 200-step training (`check::Training`): the loss at step t
/// is off by one evaluation's error plus the effect of W being off by ≤ t·δ (|∂L/∂W|
/// summed over W's entries is ≤ 2 per example, so a change of ε in every weight moves the
/// loss by ≤ 2ε); each weight by 200·δ.
fn check_training(
    what: &str,
    words: &WordList,
    vocab: &Vocab,
    (losses, w): (&[f64], &[Vec<f64>]),
    (want_losses, want_w): (&[f64], &[Vec<f64>]),
) {
    let run = training(words, vocab, 50.0);
    let reason = "one loss evaluation's float32 error, plus 2·(weight error after t steps)";
    assert_close_each(&format!("{what} loss"), losses, want_losses, |t| run.loss_at(t), reason);
    for (i, (g, e)) in w.iter().zip(want_w).enumerate() {
        let reason = "200 steps, each adding ≤ lr·(float32 gradient reduction error) to every weight";
        assert_close(&format!("{what} W[{i}]"), g, e, run.weights_after(200), reason);
    }
}

#[test]
fn neural_training_losses_weights_and_samples() {
    let _rng = rng_lock();
    each_list(|sets, words, vocab| {
        let examples = Examples::new(words, vocab).unwrap();
        let (losses, w, model) = train_200(vocab, words, Method::OneHot);
        let names = sample(&model, 20, LECTURE_SEED).unwrap();
        for r in sets {
            assert_eq!(examples.len() as u64, r["n_examples"].as_u64().unwrap());
            let what = format!("PyTorch ({} set)", r.vendor());
            let want = (&r.nums("train_losses_200")[..], &r.rows("W_after_200")[..]);
            check_training(&what, words, vocab, (&losses, &w), want);
            assert_eq!(names, names_without_end(&r["samples20_nn_after200"]));
        }
    });
}

#[test]
fn training_through_the_counts_equals_the_one_hot_lecture() {
    let _rng = rng_lock();
    each_list(|sets, words, vocab| {
        let (fast_losses, fast_w, fast) = train_200(vocab, words, Method::ExactGradient);
        let (slow_losses, slow_w, _) = train_200(vocab, words, Method::OneHot);
        // the counts path adds the same terms grouped by bigram: the same bounds apply
        check_training("fast vs one-hot", words, vocab, (&fast_losses, &fast_w), (&slow_losses, &slow_w));
        let names = sample(&fast, 20, LECTURE_SEED).unwrap();
        for r in sets {
            let what = format!("fast vs PyTorch ({} set)", r.vendor());
            let want = (&r.nums("train_losses_200")[..], &r.rows("W_after_200")[..]);
            check_training(&what, words, vocab, (&fast_losses, &fast_w), want);
            assert_eq!(names, names_without_end(&r["samples20_nn_after200"]));
        }
    });
}

#[test]
fn index_and_cross_entropy_losses_equal_the_one_hot_loss() {
    let _rng = rng_lock();
    each_list(|_, words, vocab| {
        let examples = Examples::new(words, vocab).unwrap();
        let net = NeuralModel::bigram(vocab, LECTURE_SEED);
        let (xs, ys) = (&examples.xs, &examples.ys);
        let one_hot = net.loss(xs, ys, 0.01).unwrap();
        let grad = float_rows(&net.gradient(&one_hot).unwrap());
        // every example with input i has the same probabilities p_i = softmax(W[i]), so
        // the gradient of W[i, j] is a sum of n_i terms whose sizes add up to
        // (N_ij·(1 − p_ij) + (n_i − N_ij)·p_ij) / n
        let counts = BigramCounts::from_words(words, vocab).unwrap().to_rows();
        let p = float_rows(&net.forward(&Tensor::arange(vocab.len() as i64, (Kind::Int64, Device::Cpu))).unwrap());
        let (v, n) = (vocab.len(), examples.len() as f64);
        let eval = Bound::Loss { vocab: v, n: examples.len() };
        for (name, loss) in [
            ("E04 index", net.loss_indexed(xs, ys, 0.01).unwrap()),
            ("E05 cross-entropy", net.loss_cross_entropy(xs, ys, 0.01).unwrap()),
        ] {
            let reference = one_hot.double_value(&[]);
            assert_close(name, &[loss.double_value(&[])], &[reference], eval.clone(), "one loss evaluation, two ways");
            // the index path's backward adds its n_i terms one by one (sequential), the
            // one-hot matmul in blocks; each term is off by ≤ (V+3)u·(its size + p)
            for (i, (g, e)) in float_rows(&net.gradient(&loss).unwrap()).iter().zip(&grad).enumerate() {
                let n_i: i64 = counts[i].iter().sum();
                let tol = |j: usize| {
                    let (c, pij) = (counts[i][j] as f64, p[i][j]);
                    let abs_sum = (c * (1.0 - pij) + (n_i as f64 - c) * pij) / n;
                    let seq = Bound::Sum { n: n_i as usize, abs_sum, order: Order::Sequential, unit: U };
                    let blocked = Bound::Sum { n: n_i as usize, abs_sum, order: Order::Pairwise, unit: U };
                    let terms = Bound::Derived(2.0 * (v as f64 + 3.0) * U * (abs_sum + n_i as f64 * pij / n));
                    // plus the regularization's 2·reg·W/V² (a few ulps of a tiny number)
                    seq.plus(blocked).plus(terms).plus(Bound::Derived(4.0 * U * 0.02 * 8.0 / (v * v) as f64))
                };
                assert_close_each(
                    &format!("{name} grad[{i}]"),
                    g,
                    e,
                    tol,
                    "a float32 reduction of n_i terms, two orders",
                );
            }
        }
    });
}

/// libtorch uses the thread count `OMP_NUM_THREADS` asks for (scripts/test.sh runs these
/// tests again with `OMP_NUM_THREADS=1`), and without it at least one and at most the
/// machine's.
#[test]
fn libtorch_uses_the_thread_count_asked_for() {
    let threads = tch::get_num_threads();
    let asked = std::env::var("OMP_NUM_THREADS").ok();
    eprintln!(
        "libtorch threads: {threads}; OMP_NUM_THREADS={asked:?}; ATEN_CPU_CAPABILITY={:?}; CPU vendor: {}",
        std::env::var("ATEN_CPU_CAPABILITY").ok(),
        makemore::reference::machine_vendor()
    );
    match asked.and_then(|v| v.parse::<i32>().ok()) {
        Some(want) => assert_eq!(threads, want, "OMP_NUM_THREADS={want}"),
        None => {
            let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as i32;
            assert!((1..=cores).contains(&threads), "{threads} threads on {cores} cores");
        }
    }
}
