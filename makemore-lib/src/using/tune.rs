//! Exercise E03: choose the smoothing (counts) or the regularization (neural) on the
//! dev split, then evaluate the chosen model once on test.

use crate::data::split::Splits;
use crate::data::vocab::Vocab;
use crate::error::{Error, Result, show};
use crate::models::registry::{ModelSpec, fit};
use crate::using::eval::evaluate;

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
    /// What was tuned: `"smoothing"` or `"regularization"`.
    pub what: &'static str,
    /// One row per value, in the order given.
    pub rows: Vec<TuneRow>,
    /// Index into `rows` of the lowest dev loss.
    pub best: usize,
    /// Test loss of the chosen model.
    pub test: f64,
}

/// Fit one model per value on the train split (the value as `spec`'s tuned
/// hyper-parameter, [`ModelSpec::tuned`]: the smoothing of counts, the regularization of a network; everything else from `spec`), keep the one with the
/// lowest dev loss and score it on test (the models are kept, so the winner is not
/// trained twice). The vocabulary should be that of all the words, so that dev and test
/// characters are known.
///
/// ```
/// use makemore::{ModelSpec, Split, Vocab, WordList, tune};
/// let words = WordList::parse(&"emma\nava\nanna\nmia\n".repeat(5), "w")?;
/// let splits = "60/20/20".parse::<Split>()?.apply(&words, 1)?;
/// let t = tune(&splits, &Vocab::from_words(&words)?, &ModelSpec::default(), &[0.1, 1.0])?;
/// assert_eq!((t.what, t.rows.len()), ("smoothing", 2));
/// # Ok::<(), makemore::Error>(())
/// ```
pub fn tune(splits: &Splits, vocab: &Vocab, spec: &ModelSpec, values: &[f64]) -> Result<Tuning> {
    if let Some(&v) = values.iter().find(|v| !v.is_finite() || **v < 0.0) {
        return Err(Error::BadParameter {
            name: "value",
            value: format!("{} in the values to try", show(v)),
            expected: "each must be a finite number, 0 or more",
        });
    }
    let mut rows = Vec::new();
    let mut models = Vec::new();
    for &value in values {
        let spec = spec.clone().with_tuned(value);
        let m = fit(&spec, &splits.train, vocab)?;
        rows.push(TuneRow { value, train: evaluate(&*m, &splits.train)?.nll, dev: evaluate(&*m, &splits.dev)?.nll });
        models.push(m);
    }
    let best = (0..rows.len()).min_by(|&a, &b| rows[a].dev.total_cmp(&rows[b].dev)).ok_or(Error::BadParameter {
        name: "values",
        value: "none".into(),
        expected: "give at least one value",
    })?;
    let test = evaluate(&*models[best], &splits.test)?.nll;
    Ok(Tuning { what: spec.tuned(), rows, best, test })
}
