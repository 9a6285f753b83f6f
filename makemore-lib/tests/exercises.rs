//! The lecture's exercises E01–E03: n-gram counts, train/dev/test splits, tuning.

mod common;

use common::*;
use makemore::check::{Bound, assert_close};
use makemore::*;

fn names() -> WordList {
    WordList::read(names_txt()).unwrap()
}

#[test]
fn trigram_nll_equals_pytorch() {
    // PyTorch (scripts/make_reference.py): all of the list for training and evaluation,
    // start padded with two '.', smoothing 1, 0.1 and 0.01; every vendor's set
    let mut checked = 0;
    for (json, words) in
        [("names-reference.json", names()), ("accents-reference.json", WordList::read(fixture("accents.txt")).unwrap())]
    {
        for r in reference_sets(json).iter().filter(|r| r.has("trigram_nll")) {
            for t in r["trigram_nll"].as_array().unwrap() {
                let (k, want) = (t["smoothing"].as_f64().unwrap(), t["avg_exact"].as_f64().unwrap());
                let vocab = Vocab::from_words(&words).unwrap();
                let m = CountsModel::fit(&words, &vocab, NgramConfig { context_len: 2, smoothing: k }).unwrap();
                let e = evaluate(&m, &words).unwrap();
                assert_eq!(e.ngrams as u64, t["n"].as_u64().unwrap());
                let tol = Bound::CountsNllVsF64 { vocab: m.vocab().len(), n: e.ngrams };
                let what = format!("{json} trigram smoothing {k} ({} set)", r.vendor());
                assert_close(
                    &what,
                    &[e.nll],
                    &[want],
                    tol,
                    "PyTorch's float32 probabilities and logs, ours in float64",
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 6, "no reference set has trigram NLLs: run `make reference`");
}

#[test]
fn ngram_counts_sum_to_the_number_of_ngrams() {
    let words = names();
    let chars: usize = words.iter().map(|w| w.chars().count()).sum();
    for context in 1..=4 {
        let m = CountsModel::fit(
            &words,
            &Vocab::from_words(&words).unwrap(),
            NgramConfig { context_len: context, smoothing: 1.0 },
        )
        .unwrap();
        assert_eq!(m.table().total() as usize, chars + words.len(), "context {context}");
        assert_eq!(evaluate(&m, &words).unwrap().ngrams, chars + words.len());
    }
    let m =
        CountsModel::fit(&words, &Vocab::from_words(&words).unwrap(), NgramConfig { context_len: 2, smoothing: 0.0 })
            .unwrap();
    assert_eq!(m.count("..", 'a'), 4410); // as the bigram '.a': a trigram '..a' starts each name
    assert!(m.table().len() < 27 * 27);
}

#[test]
fn bigram_as_ngram_equals_the_lecture_model() {
    let _rng = rng_lock();
    let words = names();
    let m =
        CountsModel::fit(&words, &Vocab::from_words(&words).unwrap(), NgramConfig { context_len: 1, smoothing: 1.0 })
            .unwrap();
    let nll = evaluate(&m, &words).unwrap().nll;
    for r in reference_sets("names-reference.json") {
        let want = r["nll_smoothed"]["avg_exact"].as_f64().unwrap();
        let tol = Bound::CountsNllVsF64 { vocab: 27, n: 228146 };
        let what = format!("bigram as n-gram ({} set)", r.vendor());
        assert_close(&what, &[nll], &[want], tol, "PyTorch's float32 probabilities and logs, ours in float64");
        assert_eq!(sample(&m, 20, LECTURE_SEED).unwrap(), names_without_end(&r["samples20_counts_smoothed"]));
    }
}

#[test]
fn large_vocabulary_long_context_stays_small() {
    // ~60 symbols and context 3: dense V^4 would be 13 million cells; sparse rows follow the data
    let text: String = (0..3000)
        .map(|i| {
            let w: String = (0..6).map(|j| char::from_u32(0x3b1 + ((i * 7 + j * 13) % 58) as u32).unwrap()).collect();
            w + "\n"
        })
        .collect();
    let words = WordList::parse(&text, "greek").unwrap();
    let m =
        CountsModel::fit(&words, &Vocab::from_words(&words).unwrap(), NgramConfig { context_len: 3, smoothing: 0.1 })
            .unwrap();
    assert!(m.vocab().len() > 50);
    assert!(m.table().len() <= 3000 * 7);
    assert!(evaluate(&m, &words).unwrap().nll.is_finite());
}

#[test]
fn splits_are_disjoint_complete_sized_and_stable() {
    let words = names();
    let split: Split = "80/10/10".parse().unwrap();
    let s = split.apply(&words, 42).unwrap();
    assert_eq!((s.train.len(), s.dev.len(), s.test.len()), (25626, 3203, 3204));
    let mut lines: Vec<usize> =
        [&s.train, &s.dev, &s.test].iter().flat_map(|p| (0..p.len()).map(|i| p.line_of(i))).collect();
    lines.sort();
    assert_eq!(lines, (1..=32033).collect::<Vec<_>>(), "every word exactly once");
    let again = split.apply(&words, 42).unwrap();
    assert_eq!(&s.dev[..], &again.dev[..]);
    assert_ne!(&s.dev[..], &split.apply(&words, 43).unwrap().dev[..]);
    // pinned: CPython's `random.seed(42); random.shuffle(words)`, whatever the platform
    // or dependency versions (tests/split.rs checks the whole order)
    assert_eq!(&s.train[..3], ["yuheng", "diondre", "xavien"]);
    assert_eq!(&s.test[..3], ["mustafa", "reuben", "kahlel"]);
}

#[test]
fn tuning_picks_the_smoothing_with_the_lowest_dev_loss() {
    let words = names();
    let s: Splits = "80/10/10".parse::<Split>().unwrap().apply(&words, 42).unwrap();
    let values = [0.001, 0.01, 0.1, 1.0, 10.0, 100.0];
    let t = tune(&s, &Vocab::from_words(&words).unwrap(), &ModelSpec::default().with_context_len(2), &values).unwrap();
    let best = t.rows.iter().map(|r| r.dev).fold(f64::INFINITY, f64::min);
    assert_eq!(t.rows[t.best].dev, best);
    assert_eq!(t.rows.len(), values.len());
    assert!(t.rows.iter().all(|r| r.train <= r.dev), "fits train better than dev");
    assert!(t.test.is_finite() && t.test > 2.0);
}
