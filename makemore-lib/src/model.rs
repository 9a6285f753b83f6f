//! What every model shares: a vocabulary, a context length, and for any context the
//! distribution of the next token. Sampling, evaluation, the probability heatmap and
//! saving are written once, against this trait. And the lecture's first model: bigram
//! counts, smoothed and normalized into `P`.

use tch::{Kind, Tensor};

use crate::bigram::BigramCounts;
use crate::error::{Error, Result, check_nonnegative};
use crate::vocab::Vocab;

/// The two families of models: counted and smoothed, or trained by gradient descent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ModelKind {
    /// Count what follows each context and normalize the (smoothed) counts.
    #[default]
    Counts,
    /// One linear layer trained by gradient descent.
    Neural,
    /// Lecture 2's multi-layer perceptron ([`crate::Mlp`]).
    Mlp,
}

impl ModelKind {
    /// `"counts"` or `"neural"`, as the CLI and model files spell it.
    ///
    /// ```
    /// assert_eq!(makemore::ModelKind::Neural.name(), "neural");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            ModelKind::Counts => "counts",
            ModelKind::Neural => "neural",
            ModelKind::Mlp => "mlp",
        }
    }
}

/// A tensor as a model file stores it: little-endian int64 or float32, two dimensions.
#[derive(Debug, Clone, PartialEq)]
pub enum StoredData {
    /// Counts and token indices.
    Ints(Vec<i64>),
    /// Weights.
    Floats(Vec<f32>),
}

/// What a model file holds besides the vocabulary and context: the smoothing (counts
/// models) and the named tensors (see [`crate::model_file`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Parameters {
    /// The `k` added to every count (counts models only).
    pub smoothing: Option<f64>,
    /// Name, shape and data of each tensor.
    pub tensors: Vec<(&'static str, [usize; 2], StoredData)>,
}

/// A language model over characters: for a context of [`context()`](Self::context)
/// token indices, a distribution over the next token.
///
/// All four models implement it ([`CountsModel`], [`crate::NgramModel`],
/// [`crate::NeuralBigram`], [`crate::NeuralNgram`]), and [`crate::sample()`],
/// [`crate::evaluate`], [`crate::Heatmap::probs`] and [`crate::model_file::save`] take any of them.
///
/// ```
/// use makemore::{CountsModel, LanguageModel, Item};
/// let words = makemore::WordList::parse("ab", "w")?;
/// let model = CountsModel::fit(&words, 1.0)?;
/// let p = model.next_probs(&[0])?; // what follows the start token '.'
/// assert!((p.sum(tch::Kind::Float).item() - 1.0).abs() < 1e-6);
/// # Ok::<(), makemore::Error>(())
/// ```
pub trait LanguageModel: std::fmt::Debug {
    /// The model's vocabulary.
    fn vocab(&self) -> &Vocab;
    /// How many previous tokens the model looks at (1 for the lecture's bigrams).
    fn context(&self) -> usize;
    /// Counted or trained.
    fn kind(&self) -> ModelKind;
    /// Next-token probabilities for `contexts`: C contexts of `context()` token indices
    /// each, one after the other. Returns a C×V float32 tensor, each row summing to 1.
    fn probs(&self, contexts: &[i64]) -> Result<Tensor>;
    /// `log` of [`probs`](Self::probs); the networks compute it with `log_softmax`, which
    /// never takes the log of an underflowed 0.
    fn log_probs(&self, contexts: &[i64]) -> Result<Tensor> {
        Ok(self.probs(contexts)?.f_log()?)
    }
    /// What a model file stores of this model.
    fn parameters(&self) -> Parameters;

    /// The distribution of the next token after one context (a float32 vector of V).
    fn next_probs(&self, context: &[i64]) -> Result<Tensor> {
        if context.len() != self.context() {
            return Err(Error::BadParameter {
                name: "context length",
                value: context.len().to_string(),
                expected: "must equal the model's context",
            });
        }
        Ok(self.probs(context)?.get(0))
    }

    /// A bigram model's whole V×V matrix `P` (row `i`: what follows token `i`).
    /// Fails for longer contexts, whose table would be V^context × V.
    fn probs_matrix(&self) -> Result<Tensor> {
        if self.context() != 1 {
            return Err(Error::BadParameter {
                name: "context",
                value: self.context().to_string(),
                expected: "a V×V probability matrix needs a bigram model (context 1)",
            });
        }
        let all: Vec<i64> = (0..self.vocab().len() as i64).collect();
        self.probs(&all)
    }
}

/// Check that `contexts` holds whole contexts of `context` indices below `v`; returns
/// how many contexts it holds.
pub(crate) fn check_contexts(contexts: &[i64], context: usize, v: usize) -> Result<usize> {
    if !contexts.len().is_multiple_of(context) || contexts.iter().any(|&t| t < 0 || t as usize >= v) {
        return Err(Error::BadParameter {
            name: "contexts",
            value: format!("{} indices", contexts.len()),
            expected: "must be whole contexts of token indices within the vocabulary",
        });
    }
    Ok(contexts.len() / context)
}

/// `P = (N + k) / N.sum(1, keepdim=True)`: each row of counts, smoothed by `k`,
/// divided by its own sum (broadcasting a V×1 column over V×V). Float32, as the lecture.
///
/// ```
/// let n = tch::Tensor::from_slice(&[0i32, 3, 1, 1]).view([2, 2]);
/// let p = makemore::normalize_rows(&n, 1.0);
/// assert_eq!(Vec::<f32>::try_from(&p.flatten(0, 1)).unwrap(), [0.2, 0.8, 0.5, 0.5]);
/// ```
pub fn normalize_rows(n: &Tensor, smoothing: f64) -> Tensor {
    let p = n.to_kind(Kind::Float) + smoothing;
    let sums = p.sum_dim_intlist([1i64].as_slice(), true, Kind::Float);
    p / sums
}

/// The lecture's broadcasting bug: `N / N.sum(1)` without `keepdim`. The row sums
/// (shape `[V]`) broadcast as a row `[1, V]`, so every *column* `j` is divided by
/// row `j`'s sum and the rows no longer sum to 1.
///
/// ```
/// let n = tch::Tensor::from_slice(&[0i32, 3, 1, 1]).view([2, 2]);
/// let wrong = makemore::normalize_rows_keepdim_bug(&n, 0.0);
/// // row 0 is [0/3, 3/2]: it sums to 1.5, not 1
/// assert_eq!(Vec::<f32>::try_from(&wrong.flatten(0, 1)).unwrap(), [0.0, 1.5, 1.0 / 3.0, 0.5]);
/// ```
pub fn normalize_rows_keepdim_bug(n: &Tensor, smoothing: f64) -> Tensor {
    let p = n.to_kind(Kind::Float) + smoothing;
    let sums = p.sum_dim_intlist([1i64].as_slice(), false, Kind::Float);
    p / sums
}

/// The default smoothing: the lecture's `N + 1`.
pub const DEFAULT_SMOOTHING: f64 = 1.0;

/// The range of smoothing a counts model accepts: 0, or from 1e-6 to 1e6.
///
/// The probabilities are float32, `(c + k) / (Σc + k·V)`, and outside this range the
/// smoothing stops meaning what it says. Float32 keeps 24 bits, so `c + k` is just `c`
/// once `k` is below half a unit in the last place of `c`: at 1e-6 every count from 32
/// up already absorbs it, and below 1e-45 `k` itself rounds to 0, leaving an unsmoothed
/// model that was never checked as one. Above 1e6 the smoothing swamps any row of
/// names.txt (largest row sum 18,327) to uniform within 0.1%, and towards 3e38 the row
/// sums overflow to infinity and every probability becomes 0 or NaN.
pub const SMOOTHING_RANGE: (f64, f64) = (1e-6, 1e6);

/// Check a smoothing against [`SMOOTHING_RANGE`].
pub(crate) fn check_smoothing(k: f64) -> Result<f64> {
    let k = check_nonnegative("smoothing", k)?;
    if k != 0.0 && !(SMOOTHING_RANGE.0..=SMOOTHING_RANGE.1).contains(&k) {
        return Err(Error::BadParameter {
            name: "smoothing",
            value: crate::error::show(k),
            expected: "must be 0 or from 1e-6 to 1e6 (float32 loses it outside)",
        });
    }
    Ok(k)
}

/// The counting model: bigram counts plus smoothing `k`, normalized into `P`.
///
/// ```
/// use makemore::{CountsModel, Item, LanguageModel};
/// let words = makemore::WordList::parse("ab\nab", "w")?;
/// let model = CountsModel::fit(&words, 0.0)?;
/// assert_eq!(model.p().get(1).get(2).item(), 1.0); // 'a' is always followed by 'b'
/// # Ok::<(), makemore::Error>(())
/// ```
#[derive(Debug)]
pub struct CountsModel {
    counts: BigramCounts,
    smoothing: f64,
    p: Tensor,
}

impl CountsModel {
    /// Count the bigrams of `words` (with their own vocabulary) and normalize with
    /// smoothing `k`: 0 (the raw frequencies) or from 1e-6 to 1e6 ([`SMOOTHING_RANGE`];
    /// the lecture uses 1).
    ///
    /// ```
    /// let words = makemore::WordList::parse("ab", "w")?;
    /// assert!(makemore::CountsModel::fit(&words, -1.0).is_err());
    /// assert!(makemore::CountsModel::fit(&words, f64::NAN).is_err());
    /// assert!(makemore::CountsModel::fit(&words, 1e38).is_err());
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn fit(words: &crate::WordList, smoothing: f64) -> Result<CountsModel> {
        let vocab = Vocab::from_words(words)?;
        CountsModel::new(BigramCounts::from_words(words, &vocab)?, smoothing)
    }

    /// A model from counts already made. Without smoothing, every row must have a count
    /// (else it has no probabilities), and a word must be able to end.
    ///
    /// ```
    /// let words = makemore::WordList::parse("ab", "w")?;
    /// let counts = makemore::BigramCounts::from_words(&words, &makemore::Vocab::from_words(&words)?)?;
    /// let model = makemore::CountsModel::new(counts, 1.0)?;
    /// assert_eq!(model.smoothing(), 1.0);
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn new(counts: BigramCounts, smoothing: f64) -> Result<CountsModel> {
        let smoothing = check_smoothing(smoothing)?;
        if smoothing == 0.0 {
            let rows = counts.to_rows();
            if let Some(i) = rows.iter().position(|row| row.iter().all(|&c| c == 0)) {
                let ch = counts.vocab().itos(i);
                return Err(Error::BadCounts(format!(
                    "nothing ever follows {ch:?}, so its row has no probabilities without smoothing (use smoothing > 0)"
                )));
            }
            let next =
                |ctx: &[u32]| (0..rows.len() as u32).filter(|&j| rows[ctx[0] as usize][j as usize] > 0).collect();
            crate::reachable::check_can_end(1, next)?;
        }
        let p = normalize_rows(counts.n(), smoothing);
        Ok(CountsModel { counts, smoothing, p })
    }

    /// The counts behind the model.
    ///
    /// ```
    /// let words = makemore::WordList::parse("ab", "w")?;
    /// let model = makemore::CountsModel::fit(&words, 1.0)?;
    /// assert_eq!(model.counts().total(), 3);
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn counts(&self) -> &BigramCounts {
        &self.counts
    }

    /// The smoothing `k` added to every count.
    ///
    /// ```
    /// let words = makemore::WordList::parse("ab", "w")?;
    /// assert_eq!(makemore::CountsModel::fit(&words, 0.5)?.smoothing(), 0.5);
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn smoothing(&self) -> f64 {
        self.smoothing
    }

    /// The lecture's `P`: V×V float32, row `i` the distribution after token `i`.
    ///
    /// ```
    /// let words = makemore::WordList::parse("ab", "w")?;
    /// assert_eq!(makemore::CountsModel::fit(&words, 1.0)?.p().size(), [3, 3]);
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn p(&self) -> &Tensor {
        &self.p
    }
}

impl LanguageModel for CountsModel {
    fn vocab(&self) -> &Vocab {
        self.counts.vocab()
    }
    fn context(&self) -> usize {
        1
    }
    fn kind(&self) -> ModelKind {
        ModelKind::Counts
    }
    /// Rows of `P`.
    fn probs(&self, contexts: &[i64]) -> Result<Tensor> {
        check_contexts(contexts, 1, self.vocab().len())?;
        Ok(self.p.f_index_select(0, &Tensor::from_slice(contexts))?)
    }
    fn parameters(&self) -> Parameters {
        let v = self.vocab().len();
        let n = Vec::<i64>::try_from(&self.counts.n().to_kind(Kind::Int64).flatten(0, 1)).unwrap_or_default();
        Parameters { smoothing: Some(self.smoothing), tensors: vec![("N", [v, v], StoredData::Ints(n))] }
    }
}
