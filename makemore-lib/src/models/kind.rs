//! What a kind provides: its models implement [`LanguageModel`] (what sampling,
//! evaluation, drawing and saving use), its hyper-parameters type implements [`ModelKind`]
//! (what the registry uses to fit, tune, load and offer it on the command line).

use std::fmt::Debug;
use std::sync::atomic::AtomicBool;

use tch::Tensor;

use crate::data::vocab::Vocab;
use crate::data::words::WordList;
use crate::error::{Error, Result};
use crate::models::stored::{Stored, StoredFile};
use crate::train::examples::Examples;
use crate::train::trainer::{EvalEvery, Event};

/// A language model over characters: for a context of [`context_len()`](Self::context_len)
/// token indices, a distribution over the next token.
///
/// Every kind's model implements it, and [`crate::sample()`], [`crate::evaluate`],
/// [`crate::Heatmap::probs`] and [`crate::save_model`] take any of them.
///
/// ```
/// use makemore::{CountsModel, LanguageModel, Item};
/// let words = makemore::WordList::parse("ab", "w")?;
/// let model = CountsModel::bigram(&words, 1.0)?;
/// let p = model.next_probs(&[0])?; // what follows the start token '.'
/// assert!((p.sum(tch::Kind::Float).item() - 1.0).abs() < 1e-6);
/// # Ok::<(), makemore::Error>(())
/// ```
pub trait LanguageModel: Debug {
    /// The model's vocabulary.
    fn vocab(&self) -> &Vocab;
    /// How many previous tokens the model looks at (1 for the lecture's bigrams).
    fn context_len(&self) -> usize;
    /// The kind's name in the registry ([`ModelKind::NAME`]): `"counts"`, `"neural"`, ...
    fn kind(&self) -> &'static str;
    /// Next-token probabilities for `contexts`: C contexts of `context_len()` token
    /// indices each, one after the other. Returns a C×V float32 tensor, each row summing to 1.
    fn probs(&self, contexts: &[i64]) -> Result<Tensor>;
    /// `log` of [`probs`](Self::probs); the networks compute it with `log_softmax`, which
    /// never takes the log of an underflowed 0.
    fn log_probs(&self, contexts: &[i64]) -> Result<Tensor> {
        Ok(self.probs(contexts)?.f_log()?)
    }
    /// How many float32 values computing one context's distribution holds at once: the
    /// vocabulary for a table, a network's activations too. [`crate::evaluate`] sizes its
    /// batches of contexts by it, so that scoring a list needs a bounded amount of memory.
    fn cells_per_context(&self) -> usize {
        self.vocab().len()
    }
    /// How many trainable parameters the model has (None: a table of counts, not trained).
    fn parameter_count(&self) -> Option<usize> {
        None
    }
    /// What a model file stores of this model besides its kind, vocabulary and context:
    /// the kind's metadata and named tensors, read back by its [`ModelKind::load`]. Fails
    /// for what loading would refuse (a diverged network's values), so no such file is written.
    fn stored(&self) -> Result<Stored>;

    /// The distribution of the next token after one context (a float32 vector of V).
    fn next_probs(&self, context: &[i64]) -> Result<Tensor> {
        if context.len() != self.context_len() {
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
        check_bigram(self.context_len(), "a V×V probability matrix needs a bigram model (context 1)")?;
        let all: Vec<i64> = (0..self.vocab().len() as i64).collect();
        self.probs(&all)
    }
}

/// Refuse a context length other than 1 for what only a bigram model has.
pub(crate) fn check_bigram(context_len: usize, expected: &'static str) -> Result<()> {
    if context_len != 1 {
        return Err(Error::BadParameter { name: "context", value: context_len.to_string(), expected });
    }
    Ok(())
}

/// Check that `contexts` holds whole contexts of `context_len` indices below `v`;
/// returns how many contexts it holds.
pub(crate) fn count_contexts(contexts: &[i64], context_len: usize, v: usize) -> Result<usize> {
    if contexts.len() % context_len != 0 || contexts.iter().any(|&t| t < 0 || t as usize >= v) {
        return Err(Error::BadParameter {
            name: "contexts",
            value: format!("{} indices", contexts.len()),
            expected: "must be whole contexts of token indices within the vocabulary",
        });
    }
    Ok(contexts.len() / context_len)
}

/// The settings of gradient-descent training that kinds share: a kind's values
/// ([`ModelKind::training`]), or values to lay over them ([`ModelKind::set_training`]),
/// each None where absent.
///
/// ```
/// use makemore::{ModelKind, MlpConfig, Training};
/// let mut cfg = MlpConfig::default();
/// assert_eq!(cfg.training().unwrap().steps, Some(200_000));
/// cfg.set_training(&Training { steps: Some(500), ..Training::default() });
/// assert_eq!((cfg.steps, cfg.lr), (500, 0.1)); // the rest is the kind's
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Training {
    /// Training steps.
    pub steps: Option<usize>,
    /// The learning rate (of the first steps, when it decays).
    pub lr: Option<f64>,
    /// Examples per minibatch.
    pub batch: Option<usize>,
    /// The seed of the initial parameters (and of the minibatches).
    pub seed: Option<i64>,
    /// The step from which the learning rate is a tenth of `lr`.
    pub decay_at: Option<usize>,
}

/// The sizes of a network's layers that kinds share on the command line (`--embedding`,
/// `--hidden`): a kind's values ([`ModelKind::sizes`]), or values to lay over them
/// ([`ModelKind::set_sizes`]), each None where absent.
///
/// ```
/// use makemore::{ModelKind, MlpConfig, Sizes};
/// let mut cfg = MlpConfig::default();
/// assert_eq!(cfg.sizes(), Some(Sizes { embedding: Some(10), hidden: Some(200) }));
/// cfg.set_sizes(&Sizes { hidden: Some(64), ..Sizes::default() });
/// assert_eq!((cfg.embedding, cfg.hidden), (10, 64)); // the rest is the kind's
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Sizes {
    /// The length of each token's learned vector.
    pub embedding: Option<usize>,
    /// The width of each hidden layer.
    pub hidden: Option<usize>,
}

/// What fitting calls after each training step with the step's number and loss (for progress).
pub type OnStep<'a> = &'a mut dyn FnMut(usize, f32);

/// What a fit reports and obeys besides the words: progress after each step, evaluation
/// on held-out words every K steps keeping the best parameters (karpathy/makemore's
/// habit), and a flag that stops training early, keeping what was done (Ctrl-C).
pub struct Fitting<'a> {
    /// Called with each step's number (from 0) and minibatch loss.
    pub on_step: OnStep<'a>,
    /// Every `.0` steps, the mean loss on the words `.1`; the model fitted is then the one
    /// with the lowest of those losses. Only kinds trained on minibatches evaluate.
    pub eval: Option<(usize, &'a WordList)>,
    /// Called after each evaluation with the steps done, the loss, and whether it is the
    /// best yet.
    pub on_eval: &'a mut dyn FnMut(usize, f32, bool),
    /// Raised (e.g. by Ctrl-C): training stops before its next step.
    pub stop: Option<&'a AtomicBool>,
}

impl<'a> Fitting<'a> {
    /// Progress only: no evaluation, no stop flag.
    pub fn progress(on_step: OnStep<'a>, on_eval: &'a mut dyn FnMut(usize, f32, bool)) -> Fitting<'a> {
        Fitting { on_step, eval: None, on_eval, stop: None }
    }

    /// Train with `train` on the examples of `words` (contexts of `context_len`), passing it
    /// what this fitting asks for: an observer of the trainer's events (progress and
    /// evaluations), the held-out examples to evaluate every K steps, the stop flag.
    pub(crate) fn train<T>(
        &mut self,
        words: &WordList,
        vocab: &Vocab,
        context_len: usize,
        train: impl FnOnce(&Examples, &mut dyn FnMut(&Event), Option<EvalEvery>, Option<&AtomicBool>) -> Result<T>,
    ) -> Result<T> {
        let examples = Examples::with_context(words, vocab, context_len)?;
        let held_out = match self.eval {
            Some((every, words)) => Some((every, Examples::with_context(words, vocab, context_len)?)),
            None => None,
        };
        let eval = held_out.as_ref().map(|(every, examples)| EvalEvery { every: *every, examples });
        let (on_step, on_eval) = (&mut *self.on_step, &mut *self.on_eval);
        let mut observe = |e: &Event| match *e {
            Event::Step { step, loss, .. } => on_step(step, loss),
            Event::Eval { steps_done, loss, best } => on_eval(steps_done, loss, best),
        };
        train(&examples, &mut observe, eval, self.stop)
    }
}

/// A kind of model, implemented by its hyper-parameters type: everything the registry
/// needs to fit, tune, load and offer it on the command line.
pub trait ModelKind: Debug + Clone + PartialEq + Default + clap::Args {
    /// The kind's name, as `--model` takes it and model files store it.
    const NAME: &'static str;
    /// What `tune` sweeps for this kind, e.g. `"smoothing"`.
    const TUNED: &'static str;
    /// The title of the kind's group of settings in a help text, e.g. `"MLP model"`.
    const HEADING: &'static str;
    /// Whether its training can evaluate held-out words every K steps and keep the best
    /// model ([`Fitting::eval`]): kinds trained on minibatches.
    const EVALUATES: bool = false;
    /// How many previous characters predict the next.
    fn context_len(&self) -> usize;
    /// The same hyper-parameters with another context length.
    fn set_context_len(&mut self, context_len: usize);
    /// The same hyper-parameters with another value of [`TUNED`](Self::TUNED).
    fn set_tuned(&mut self, value: f64);
    /// How many training steps [`fit`](Self::fit) reports (None: fitted in one go).
    fn steps(&self) -> Option<usize>;
    /// What a log line says of the fit, e.g. `"smoothing 1"`.
    fn summary(&self) -> String;
    /// Every hyper-parameter but the context, as a JSON object (what `--json` reports
    /// as the model's `settings`), e.g. `{"smoothing": 1.0}`.
    fn settings(&self) -> serde_json::Value;
    /// The part of the training loss that is not the data's NLL (a regularization term),
    /// for `model` as fitted with these hyper-parameters: None for kinds without one.
    fn penalty(&self, _model: &dyn LanguageModel) -> Result<Option<f64>> {
        Ok(None)
    }
    /// The training settings this kind has, with its values (None: the kind is fitted in
    /// one go, not trained); a setting it does not have is None.
    fn training(&self) -> Option<Training> {
        None
    }
    /// Lay `settings` over this kind's own: each one given (Some) replaces the kind's. Only
    /// settings the kind has ([`training`](Self::training)) are given.
    fn set_training(&mut self, _settings: &Training) {}
    /// The layer sizes this kind has, with its values (None: the kind has no layers); a size
    /// it does not have is None.
    fn sizes(&self) -> Option<Sizes> {
        None
    }
    /// Lay `sizes` over this kind's own: each one given (Some) replaces the kind's. Only
    /// sizes the kind has ([`sizes`](Self::sizes)) are given.
    fn set_sizes(&mut self, _sizes: &Sizes) {}
    /// Refuse hyper-parameters that cannot make a model, before any work.
    fn validate(&self) -> Result<()>;
    /// Fit a model on `words` with the vocabulary `vocab`, reporting to `fitting` (progress,
    /// evaluations) and stopping when its flag is raised; calling `on_step(step, loss)`
    /// after each training step.
    fn fit(&self, words: &WordList, vocab: &Vocab, fitting: &mut Fitting) -> Result<Box<dyn LanguageModel>>;
    /// The model a file holds (its kind is this one); every refusal through
    /// [`StoredFile::bad`].
    fn load(file: &StoredFile) -> Result<Box<dyn LanguageModel>>;
}
