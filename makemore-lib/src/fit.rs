//! Building a model from a description: which kind, how much context, and how to fit it.
//! The CLI's `train` and `tune` and a notebook cell all build models here, so one spec
//! always gives the same model.

use crate::bigram::BigramCounts;
use crate::error::Result;
use crate::model::{CountsModel, DEFAULT_SMOOTHING, LanguageModel, ModelKind};
use crate::neural::{NeuralBigram, TrainConfig};
use crate::neural_ngram::NeuralNgram;
use crate::ngram::{CountsConfig, NgramModel};
use crate::sample::LECTURE_SEED;
use crate::vocab::Vocab;
use crate::words::WordList;

/// Everything that decides a model: its kind and context, the smoothing of a counts
/// model, and the training of a network. The defaults ([`ModelSpec::DEFAULT`]) are the
/// lecture's: a bigram, smoothing 1, 100 steps at learning rate 50 with regularization
/// 0.01, weights seeded with [`LECTURE_SEED`].
///
/// ```
/// use makemore::{ModelKind, ModelSpec};
/// let spec = ModelSpec { kind: ModelKind::Neural, context: 2, ..ModelSpec::DEFAULT };
/// assert_eq!((spec.smoothing, spec.train.steps), (1.0, 100));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ModelSpec {
    /// Counted or trained.
    pub kind: ModelKind,
    /// How many previous characters predict the next (1: bigram, 2: trigram, ...).
    pub context: usize,
    /// Counts models: added to every count before normalizing.
    pub smoothing: f64,
    /// Networks: how gradient descent runs.
    pub train: TrainConfig,
    /// Networks: the seed for the initial weights.
    pub seed: i64,
}

impl ModelSpec {
    /// The lecture's choices (see [`ModelSpec`]).
    pub const DEFAULT: ModelSpec = ModelSpec {
        kind: ModelKind::Counts,
        context: 1,
        smoothing: DEFAULT_SMOOTHING,
        train: TrainConfig::DEFAULT,
        seed: LECTURE_SEED,
    };
}

impl Default for ModelSpec {
    fn default() -> Self {
        ModelSpec::DEFAULT
    }
}

/// Fit the model `spec` describes on `words`, with the vocabulary `vocab` (that of all
/// the words, when fitting on a split, so that other splits can be scored). Context 1
/// gives the lecture's [`CountsModel`] or [`NeuralBigram`], longer contexts an
/// [`NgramModel`] or [`NeuralNgram`].
///
/// ```
/// use makemore::{LanguageModel, ModelKind, ModelSpec, Vocab, WordList, fit};
/// let words = WordList::parse("emma\nava", "names")?;
/// let vocab = Vocab::from_words(&words)?;
/// let model = fit(&ModelSpec { context: 2, ..ModelSpec::DEFAULT }, &words, &vocab)?;
/// assert_eq!((model.kind(), model.context()), (ModelKind::Counts, 2));
/// # Ok::<(), makemore::Error>(())
/// ```
pub fn fit(spec: &ModelSpec, words: &WordList, vocab: &Vocab) -> Result<Box<dyn LanguageModel>> {
    fit_with(spec, words, vocab, |_, _| {})
}

/// [`fit`], calling `on_step(step, loss)` after each training step of a network.
///
/// ```
/// use makemore::{ModelKind, ModelSpec, TrainConfig, Vocab, WordList, fit_with};
/// let words = WordList::parse("emma\nava", "names")?;
/// let spec = ModelSpec { kind: ModelKind::Neural, train: TrainConfig { steps: 5, ..TrainConfig::DEFAULT }, ..ModelSpec::DEFAULT };
/// let mut losses = Vec::new();
/// fit_with(&spec, &words, &Vocab::from_words(&words)?, |_, loss| losses.push(loss))?;
/// assert_eq!(losses.len(), 5);
/// # Ok::<(), makemore::Error>(())
/// ```
pub fn fit_with(
    spec: &ModelSpec,
    words: &WordList,
    vocab: &Vocab,
    on_step: impl FnMut(usize, f32),
) -> Result<Box<dyn LanguageModel>> {
    crate::contexts::check_context(spec.context)?;
    Ok(match (spec.kind, spec.context) {
        (ModelKind::Counts, 1) => Box::new(CountsModel::new(BigramCounts::from_words(words, vocab)?, spec.smoothing)?),
        (ModelKind::Counts, context) => {
            Box::new(NgramModel::fit(words, vocab, CountsConfig { context, smoothing: spec.smoothing })?)
        }
        (ModelKind::Neural, 1) => {
            spec.train.validate()?;
            let mut net = NeuralBigram::new(vocab, spec.seed);
            net.train_with(words, spec.train, on_step)?;
            Box::new(net)
        }
        (ModelKind::Neural, context) => {
            spec.train.validate()?;
            let mut net = NeuralNgram::new(vocab, context, spec.seed)?;
            net.train_with(words, spec.train, on_step)?;
            Box::new(net)
        }
        (ModelKind::Mlp, _) => {
            return Err(crate::Error::BadParameter {
                name: "kind",
                value: "mlp".into(),
                expected: "a ModelSpec holds no MLP settings: train an MLP with Mlp::new and Mlp::train",
            });
        }
    })
}
