//! What both lecture models share: a vocabulary and a table of next-character
//! probabilities. Sampling and evaluation are written once, against this trait.

use tch::{Kind, Tensor};

use crate::bigram::BigramCounts;
use crate::error::{Result, check_param};
use crate::vocab::Vocab;

/// A bigram language model: for each token, a distribution over the next one.
///
/// ```
/// use makemore::{BigramModel, CountsModel};
/// let words = makemore::WordList::parse("ab", "w")?;
/// let model = CountsModel::fit(&words, 1.0)?;
/// let p = model.next_probs(0); // what follows the start token
/// assert!((p.sum(tch::Kind::Float).double_value(&[]) - 1.0).abs() < 1e-6);
/// # Ok::<(), makemore::Error>(())
/// ```
pub trait BigramModel {
    /// The model's vocabulary.
    fn vocab(&self) -> &Vocab;
    /// Probabilities of each next token after token `ix` (one row of `P`), float32.
    fn next_probs(&self, ix: i64) -> Tensor;
    /// The whole V×V matrix `P` of next-token probabilities, float32.
    fn probs(&self) -> Tensor;
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

/// The counting model: bigram counts plus smoothing `k`, normalized into `P`.
///
/// ```
/// use makemore::{BigramModel, CountsModel};
/// let words = makemore::WordList::parse("ab\nab", "w")?;
/// let model = CountsModel::fit(&words, 0.0)?;
/// assert_eq!(model.probs().double_value(&[1, 2]), 1.0); // 'a' is always followed by 'b'
/// # Ok::<(), makemore::Error>(())
/// ```
#[derive(Debug)]
pub struct CountsModel {
    counts: BigramCounts,
    smoothing: f64,
    p: Tensor,
}

impl CountsModel {
    /// Count the bigrams of `words` and normalize with smoothing `k ≥ 0`
    /// (the lecture uses 1; 0 gives the raw frequencies).
    ///
    /// ```
    /// let words = makemore::WordList::parse("ab", "w")?;
    /// assert!(makemore::CountsModel::fit(&words, -1.0).is_err());
    /// assert!(makemore::CountsModel::fit(&words, f64::NAN).is_err());
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn fit(words: &crate::WordList, smoothing: f64) -> Result<CountsModel> {
        let vocab = Vocab::from_words(words);
        CountsModel::new(BigramCounts::from_words(words, &vocab)?, smoothing)
    }

    /// A model from counts already made.
    ///
    /// ```
    /// let words = makemore::WordList::parse("ab", "w")?;
    /// let counts = makemore::BigramCounts::from_words(&words, &makemore::Vocab::from_words(&words))?;
    /// let model = makemore::CountsModel::new(counts, 1.0)?;
    /// assert_eq!(model.smoothing(), 1.0);
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn new(counts: BigramCounts, smoothing: f64) -> Result<CountsModel> {
        let smoothing = check_param("smoothing", smoothing, 0.0, false)?;
        if smoothing == 0.0 {
            let row_sums = Vec::<i64>::try_from(&counts.n().sum_dim_intlist([1i64].as_slice(), false, Kind::Int64))
                .expect("a 1-D tensor");
            if let Some(i) = row_sums.iter().position(|&s| s == 0) {
                let ch = counts.vocab().itos(i);
                return Err(crate::Error::BadCounts(format!(
                    "nothing ever follows {ch:?}, so its row has no probabilities without smoothing (use smoothing > 0)"
                )));
            }
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
}

impl BigramModel for CountsModel {
    fn vocab(&self) -> &Vocab {
        self.counts.vocab()
    }
    fn next_probs(&self, ix: i64) -> Tensor {
        self.p.get(ix)
    }
    fn probs(&self) -> Tensor {
        self.p.shallow_clone()
    }
}
