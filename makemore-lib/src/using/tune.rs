//! Exercise E03: choose a kind's tuned hyper-parameter on the dev split (the smoothing
//! of counts, the regularization of the one-layer network, the learning rate of the MLP:
//! [`ModelSpec::tuned`]), then evaluate the chosen model once on test.

use crate::data::split::Splits;
use crate::data::vocab::Vocab;
use crate::error::{Error, Result};
use crate::models::registry::{ModelSpec, fit_with};
use crate::using::eval::{Evaluation, evaluate};

/// One tried value: its train and dev loss.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TuneRow {
    /// The tried value of the tuned hyper-parameter.
    pub value: f64,
    /// Average NLL on the train split (NaN: training with this value diverged).
    pub train: f64,
    /// Average NLL on the dev split (NaN: training with this value diverged).
    pub dev: f64,
}

/// A sweep: every value's losses, the index of the best (lowest dev loss), and the
/// test loss of the model with that value.
#[derive(Debug, Clone, PartialEq)]
pub struct Tuning {
    /// What was tuned ([`ModelSpec::tuned`]): `"smoothing"`, `"regularization"` or
    /// `"learning rate"`.
    pub what: &'static str,
    /// One row per value, in the order given.
    pub rows: Vec<TuneRow>,
    /// Index into `rows` of the lowest dev loss.
    pub best: usize,
    /// Test loss of the chosen model.
    pub test: f64,
    /// The chosen model on the train, dev and test splits.
    pub chosen: [Evaluation; 3],
}

/// Refuse the values to try before any work: each must make a valid `spec` as its tuned
/// hyper-parameter ([`ModelSpec::with_tuned`], then [`ModelSpec::validate`]: the
/// smoothing of counts is 0 or 1e-6 to 1e6, a regularization finite and 0 or more, a
/// learning rate finite and above 0), and
/// there must be at least one.
///
/// ```
/// use makemore::{ModelSpec, check_tune_values};
/// assert!(check_tune_values(&ModelSpec::default(), &[0.0, 0.1, 1.0]).is_ok());
/// let err = check_tune_values(&ModelSpec::default(), &[1.0, 1e-9]).unwrap_err();
/// assert!(err.to_string().contains("1e-9"));
/// assert!(check_tune_values(&ModelSpec::default(), &[]).is_err());
/// ```
pub fn check_tune_values(spec: &ModelSpec, values: &[f64]) -> Result<()> {
    if values.is_empty() {
        return Err(Error::BadParameter { name: "values", value: "none".into(), expected: "give at least one value" });
    }
    for &value in values {
        spec.clone().with_tuned(value).validate()?;
    }
    Ok(())
}

/// Fit one model per value on the train split (the value as `spec`'s tuned
/// hyper-parameter, [`ModelSpec::tuned`]: the smoothing of counts, the regularization of
/// the one-layer network, the learning rate of the MLP; everything else from `spec`),
/// keep the one with the lowest dev loss and score it on test (the models are kept, so the winner is not
/// trained twice). The vocabulary should be that of all the words, so that dev and test
/// characters are known. A value whose training diverges is a row of NaN losses and is never
/// chosen; only when every value diverges is the sweep an error.
///
/// ```
/// use makemore::{ModelSpec, Split, Training, Vocab, WordList, tune};
/// let words = WordList::parse(&"emma\nava\nanna\nmia\n".repeat(5), "w")?;
/// let splits = "60/20/20".parse::<Split>()?.apply(&words, 1)?;
/// let vocab = Vocab::from_words(&words)?;
/// let t = tune(&splits, &vocab, &ModelSpec::default(), &[0.1, 1.0])?;
/// assert_eq!((t.what, t.rows.len()), ("smoothing", 2));
/// // a regularization of 1e30 makes the weights overflow: that row is NaN, the other is chosen
/// let neural = ModelSpec::named("neural")?.with_training(&Training { steps: Some(5), ..Default::default() });
/// let t = tune(&splits, &vocab, &neural, &[0.01, 1e30])?;
/// assert!(t.rows[1].dev.is_nan() && t.best == 0 && t.test.is_finite());
/// let err = tune(&splits, &vocab, &neural, &[1e30]).unwrap_err();
/// assert!(matches!(err, makemore::Error::Diverged { .. }), "{err}");
/// # Ok::<(), makemore::Error>(())
/// ```
pub fn tune(splits: &Splits, vocab: &Vocab, spec: &ModelSpec, values: &[f64]) -> Result<Tuning> {
    tune_with(splits, vocab, spec, values, |_, _, _| {})
}

/// [`tune`], calling `on_step(i, step, loss)` after each training step of the model of
/// `values[i]` (for progress).
///
/// ```
/// use makemore::{ModelSpec, Split, Vocab, WordList, tune_with};
/// let words = WordList::parse(&"emma\nava\nanna\nmia\n".repeat(5), "w")?;
/// let splits = "60/20/20".parse::<Split>()?.apply(&words, 1)?;
/// let spec = ModelSpec::named("neural")?.with_training(&makemore::Training { steps: Some(3), ..Default::default() });
/// let mut steps = Vec::new();
/// tune_with(&splits, &Vocab::from_words(&words)?, &spec, &[0.0, 1.0], |i, k, _| steps.push((i, k)))?;
/// assert_eq!(steps, [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2)]);
/// # Ok::<(), makemore::Error>(())
/// ```
pub fn tune_with(
    splits: &Splits,
    vocab: &Vocab,
    spec: &ModelSpec,
    values: &[f64],
    mut on_step: impl FnMut(usize, usize, f32),
) -> Result<Tuning> {
    check_tune_values(spec, values)?;
    let mut rows = Vec::new();
    let mut models = Vec::new();
    let mut first_divergence = None;
    for (i, &value) in values.iter().enumerate() {
        let spec = spec.clone().with_tuned(value);
        // a value whose training diverges (a learning rate too large) is a row of NaN, never
        // chosen: the other values still count
        match fit_with(&spec, &splits.train, vocab, |k, loss| on_step(i, k, loss)) {
            Ok(m) => {
                let (train, dev) = (evaluate(&*m, &splits.train)?.nll, evaluate(&*m, &splits.dev)?.nll);
                rows.push(TuneRow { value, train, dev });
                models.push(Some(m));
            }
            Err(e @ Error::Diverged { .. }) => {
                first_divergence.get_or_insert(e);
                rows.push(TuneRow { value, train: f64::NAN, dev: f64::NAN });
                models.push(None);
            }
            Err(e) => return Err(e),
        }
    }
    let trained = (0..rows.len()).filter(|&i| models[i].is_some());
    let Some(best) = trained.min_by(|&a, &b| rows[a].dev.total_cmp(&rows[b].dev)) else {
        return Err(first_divergence.expect("every value diverged"));
    };
    let m = models[best].as_deref().expect("a trained model");
    let chosen = [evaluate(m, &splits.train)?, evaluate(m, &splits.dev)?, evaluate(m, &splits.test)?];
    Ok(Tuning { what: spec.tuned(), rows, best, test: chosen[2].nll, chosen })
}
