//! The fast sampler draws from the same distribution as the lecture's loop: a
//! chi-square test of the next-character frequencies in 10,000 names against `P`.
//!
//! Tolerance policy (docs/tolerances.md): samples are compared exactly where a reference
//! exists; here the criterion is statistical, the chi-square's 99.9% point (a correct
//! sampler fails it with probability 0.001 for a random seed). The seeds are fixed, so
//! the outcome is deterministic, and the transposed `P` shows the test can fail.

mod common;

use common::*;
use makemore::*;
use tch::Kind;

/// Pearson's chi-square of observed transition counts against the model's `P`, over
/// every (row, next) cell whose expected count is at least 5; returns (statistic, df).
fn chi_square(names: &[String], vocab: &Vocab, p: &[Vec<f64>]) -> (f64, usize) {
    let v = vocab.len();
    let mut observed = vec![vec![0f64; v]; v];
    for name in names {
        let mut prev = 0;
        for ch in name.chars().chain(std::iter::once('.')) {
            let ix = vocab.stoi(ch).unwrap();
            observed[prev][ix] += 1.0;
            prev = ix;
        }
    }
    let (mut stat, mut df) = (0.0, 0);
    for (row, probs) in observed.iter().zip(p) {
        let total: f64 = row.iter().sum();
        let cells: Vec<(f64, f64)> =
            row.iter().zip(probs).map(|(&o, &q)| (o, q * total)).filter(|&(_, e)| e >= 5.0).collect();
        if cells.len() < 2 {
            continue;
        }
        stat += cells.iter().map(|(o, e)| (o - e).powi(2) / e).sum::<f64>();
        df += cells.len() - 1;
    }
    (stat, df)
}

/// The 99.9% point of the chi-square distribution (Wilson–Hilferty approximation).
fn critical(df: usize) -> f64 {
    let (k, z) = (df as f64, 3.090);
    k * (1.0 - 2.0 / (9.0 * k) + z * (2.0 / (9.0 * k)).sqrt()).powi(3)
}

#[test]
fn fast_sampler_follows_the_model() {
    let _rng = rng_lock();
    let words = WordList::read(names_txt()).unwrap();
    let model = CountsModel::bigram(&words, 1.0).unwrap();
    let p = Vec::<Vec<f64>>::try_from(&model.probs_matrix().unwrap().to_kind(Kind::Double)).unwrap();
    let names = sample_fast(&model, 10_000, 12345).unwrap();
    assert_eq!(names.len(), 10_000);
    let (stat, df) = chi_square(&names, model.vocab(), &p);
    assert!(df > 300, "df {df}");
    assert!(stat < critical(df), "chi-square {stat:.0} with {df} degrees of freedom, 99.9% point {:.0}", critical(df));
    // the test can tell a wrong distribution: the same names against the transpose of P
    // are rejected outright
    let wrong =
        Vec::<Vec<f64>>::try_from(&model.probs_matrix().unwrap().transpose(0, 1).to_kind(Kind::Double)).unwrap();
    let (bad, bad_df) = chi_square(&names, model.vocab(), &wrong);
    assert!(bad > 10.0 * critical(bad_df), "a wrong P gives {bad:.0} only");
    // and the lecture's exact sampler passes the same test
    let exact = sample(&model, 3_000, 99).unwrap();
    let (stat, df) = chi_square(&exact, model.vocab(), &p);
    assert!(stat < critical(df), "exact sampler: {stat:.0} with {df} df");
}

#[test]
fn fast_sampler_is_reproducible_and_seed_dependent() {
    let _rng = rng_lock();
    let words = WordList::read(fixture("accents.txt")).unwrap();
    let model = CountsModel::bigram(&words, 1.0).unwrap();
    assert_eq!(sample_fast(&model, 500, 1).unwrap(), sample_fast(&model, 500, 1).unwrap());
    assert_ne!(sample_fast(&model, 500, 1).unwrap(), sample_fast(&model, 500, 2).unwrap());
}
