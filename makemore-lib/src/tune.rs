//! Exercise E03: choose the smoothing (counts) or the regularization (neural) on the
//! dev split, then evaluate the chosen model once on test.

use crate::error::{Error, Result};
use crate::evaluate;
use crate::neural::{Examples, NeuralBigram, TrainConfig};
use crate::ngram::NgramModel;
use crate::split::Splits;
use crate::vocab::Vocab;
use crate::words::WordList;

/// One tried value: its train and dev loss.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TuneRow {
    /// The smoothing or regularization strength.
    pub value: f64,
    /// Average NLL on the train split.
    pub train: f64,
    /// Average NLL on the dev split.
    pub dev: f64,
}

/// A sweep: every value's losses, the index of the best (lowest dev loss), and the
/// test loss of the model with that value.
#[derive(Debug, Clone, PartialEq)]
pub struct Tuning {
    /// One row per value, in the order given.
    pub rows: Vec<TuneRow>,
    /// Index into `rows` of the lowest dev loss.
    pub best: usize,
    /// Test loss of the chosen model.
    pub test: f64,
}

/// Fit one model per value, keep the one with the lowest dev loss and score it on test
/// (the models are kept, so the winner is not trained twice).
fn sweep<M>(
    values: &[f64],
    splits: &Splits,
    fit: impl Fn(f64) -> Result<M>,
    nll: impl Fn(&M, &WordList) -> Result<f64>,
) -> Result<Tuning> {
    let mut rows = Vec::new();
    let mut models = Vec::new();
    for &value in values {
        let m = fit(value)?;
        rows.push(TuneRow { value, train: nll(&m, &splits.train)?, dev: nll(&m, &splits.dev)? });
        models.push(m);
    }
    let best = (0..rows.len()).min_by(|&a, &b| rows[a].dev.total_cmp(&rows[b].dev)).ok_or(Error::BadParameter {
        name: "values",
        value: "none".into(),
        expected: "give at least one value",
    })?;
    let test = nll(&models[best], &splits.test)?;
    Ok(Tuning { rows, best, test })
}

/// Sweep the smoothing of an n-gram counts model (`context` 1 is the lecture's bigram).
/// The vocabulary should be that of all the words, so that dev and test characters
/// are known.
///
/// ```
/// let words = makemore::WordList::parse(&"emma\nava\nanna\nmia\n".repeat(5), "w")?;
/// let splits = "60/20/20".parse::<makemore::Split>()?.apply(&words, 1)?;
/// let t = makemore::tune_counts(&splits, &makemore::Vocab::from_words(&words), 1, &[0.1, 1.0])?;
/// assert_eq!(t.rows.len(), 2);
/// # Ok::<(), makemore::Error>(())
/// ```
pub fn tune_counts(splits: &Splits, vocab: &Vocab, context: usize, values: &[f64]) -> Result<Tuning> {
    sweep(
        values,
        splits,
        |k| NgramModel::fit_with_vocab(&splits.train, vocab, context, k),
        |m, words| Ok(m.evaluate(words)?.nll),
    )
}

/// Sweep the regularization strength of the neural bigram (each value trains from the
/// same seeded initial weights with `cfg`'s steps, learning rate and method).
///
/// ```
/// let words = makemore::WordList::parse(&"emma\nava\nanna\nmia\n".repeat(5), "w")?;
/// let splits = "60/20/20".parse::<makemore::Split>()?.apply(&words, 1)?;
/// let cfg = makemore::TrainConfig { steps: 20, ..Default::default() };
/// let vocab = makemore::Vocab::from_words(&words);
/// let t = makemore::tune_neural(&splits, &vocab, cfg, 7, &[0.0, 0.1])?;
/// assert!(t.best < 2);
/// # Ok::<(), makemore::Error>(())
/// ```
pub fn tune_neural(splits: &Splits, vocab: &Vocab, cfg: TrainConfig, seed: i64, values: &[f64]) -> Result<Tuning> {
    let examples = Examples::new(&splits.train, vocab)?;
    let fit = |reg: f64| -> Result<NeuralBigram> {
        let mut net = NeuralBigram::new(vocab.clone(), seed);
        net.train(&examples, TrainConfig { reg, ..cfg }, |_, _| {})?;
        Ok(net)
    };
    sweep(values, splits, fit, |net, words| Ok(evaluate(net, words)?.nll))
}
