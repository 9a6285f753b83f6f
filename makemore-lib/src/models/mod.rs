//! The models: what every model shares ([`LanguageModel`]), the registry of model kinds
//! ([`ModelSpec`], one variant per kind), and the model file ([`file`]).
//!
//! A kind is one file here: [`counts`] (n-gram counts, smoothed; the lecture's bigram is
//! context 1) and [`neural`] (one linear layer trained by gradient descent). Each kind's
//! file holds its hyper-parameters type (defaults, validation, and its CLI flags through
//! clap's `Args` derive), its [`Kind`] impl (`fit`, `load`), its model type and that
//! type's [`LanguageModel`] impl, whose [`stored`](LanguageModel::stored) writes exactly
//! the tensors and metadata its `load` reads back (see [`file::Stored`] and [`file::StoredFile`]).
//!
//! **Adding a kind** (say `mlp`):
//! 1. write `models/mlp.rs`: `MlpConfig` (`Default`, `clap::Args`, a `context_len` field
//!    with `#[arg(skip = ..)]`), `impl Kind for MlpConfig` (`NAME = "mlp"`, `TUNED`,
//!    `fit`, `load`), the model type with `impl LanguageModel` (`kind()` returns `NAME`;
//!    `stored()` names its tensors, 1-D or 2-D, int64 or float32, plus string metadata);
//! 2. add `pub mod mlp;` and one line `Mlp(mlp::MlpConfig),` to `kinds!` below;
//! 3. add its flag group to the CLI (`KindFlags` in main.rs: one flattened field and one
//!    entry in `KindFlags::specs`);
//! 4. docs (the lib.rs table, the README) and tests.
//!
//! Nothing else matches on kinds: fitting, tuning, saving, loading and the CLI go
//! through [`ModelSpec`] and [`Kind`].

use std::fmt::Debug;

use tch::Tensor;

use crate::data::vocab::Vocab;
use crate::data::words::WordList;
use crate::error::{Error, Result};

pub mod counts;
mod exact_gradient;
pub use exact_gradient::ExactGradient;
pub mod file;
mod indexed_loss;
pub mod neural;

use file::{Stored, StoredFile};

/// A language model over characters: for a context of [`context_len()`](Self::context_len)
/// token indices, a distribution over the next token.
///
/// Every kind's model implements it, and [`crate::sample()`], [`crate::evaluate`],
/// [`crate::Heatmap::probs`] and [`crate::save_model`] take any of them.
///
/// ```
/// use makemore::{CountsModel, LanguageModel, Item};
/// let words = makemore::WordList::parse("ab", "w")?;
/// let model = CountsModel::fit(&words, 1.0)?;
/// let p = model.next_probs(&[0])?; // what follows the start token '.'
/// assert!((p.sum(tch::Kind::Float).item() - 1.0).abs() < 1e-6);
/// # Ok::<(), makemore::Error>(())
/// ```
pub trait LanguageModel: Debug {
    /// The model's vocabulary.
    fn vocab(&self) -> &Vocab;
    /// How many previous tokens the model looks at (1 for the lecture's bigrams).
    fn context_len(&self) -> usize;
    /// The kind's name in the registry ([`Kind::NAME`]): `"counts"`, `"neural"`, ...
    fn kind(&self) -> &'static str;
    /// Next-token probabilities for `contexts`: C contexts of `context_len()` token
    /// indices each, one after the other. Returns a C×V float32 tensor, each row summing to 1.
    fn probs(&self, contexts: &[i64]) -> Result<Tensor>;
    /// `log` of [`probs`](Self::probs); the networks compute it with `log_softmax`, which
    /// never takes the log of an underflowed 0.
    fn log_probs(&self, contexts: &[i64]) -> Result<Tensor> {
        Ok(self.probs(contexts)?.f_log()?)
    }
    /// What a model file stores of this model besides its kind, vocabulary and context:
    /// the kind's metadata and named tensors, read back by its [`Kind::load`].
    fn stored(&self) -> Stored;

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
    if !contexts.len().is_multiple_of(context_len) || contexts.iter().any(|&t| t < 0 || t as usize >= v) {
        return Err(Error::BadParameter {
            name: "contexts",
            value: format!("{} indices", contexts.len()),
            expected: "must be whole contexts of token indices within the vocabulary",
        });
    }
    Ok(contexts.len() / context_len)
}

/// A kind of model, implemented by its hyper-parameters type: everything the registry
/// needs to fit, tune, load and offer it on the command line.
pub trait Kind: Debug + Clone + PartialEq + Default + clap::Args {
    /// The kind's name, as `--model` takes it and model files store it.
    const NAME: &'static str;
    /// What `tune` sweeps for this kind, e.g. `"smoothing"`.
    const TUNED: &'static str;
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
    /// Refuse hyper-parameters that cannot make a model, before any work.
    fn validate(&self) -> Result<()>;
    /// Fit a model on `words` with the vocabulary `vocab`, calling `on_step(step, loss)`
    /// after each training step.
    fn fit(
        &self,
        words: &WordList,
        vocab: &Vocab,
        on_step: &mut dyn FnMut(usize, f32),
    ) -> Result<Box<dyn LanguageModel>>;
    /// The model a file holds (its kind is this one); every refusal through
    /// [`StoredFile::bad`].
    fn load(file: &StoredFile) -> Result<Box<dyn LanguageModel>>;
}

/// The registry: one line per kind, `Variant(hyper-parameters type)`. It writes the
/// [`ModelSpec`] enum and the only `match`es on kinds.
macro_rules! kinds {
    ($($variant:ident($config:ty)),* $(,)?) => {
        /// Everything that decides a model: its kind, and that kind's hyper-parameters.
        /// The defaults are the lecture's ([`ModelSpec::default`]: bigram counts,
        /// smoothing 1).
        ///
        /// ```
        /// use makemore::{ModelSpec, NeuralConfig};
        /// let spec = ModelSpec::Neural(NeuralConfig { context_len: 2, ..Default::default() });
        /// assert_eq!((spec.name(), spec.context_len()), ("neural", 2));
        /// assert_eq!(ModelSpec::named("counts")?, ModelSpec::default());
        /// # Ok::<(), makemore::Error>(())
        /// ```
        #[derive(Debug, Clone, PartialEq)]
        pub enum ModelSpec {
            $(
                #[doc = concat!("A `", stringify!($config), "` model.")]
                $variant($config),
            )*
        }

        impl ModelSpec {
            /// Every kind's name, in registry order.
            pub const NAMES: &'static [&'static str] = &[$(<$config as Kind>::NAME),*];

            /// The kind named `name` with its default hyper-parameters.
            pub fn named(name: &str) -> Result<ModelSpec> {
                $(if name == <$config as Kind>::NAME {
                    return Ok(ModelSpec::$variant(<$config>::default()));
                })*
                Err(unknown_kind(name))
            }

            /// The kind's name.
            pub fn name(&self) -> &'static str {
                match self { $(ModelSpec::$variant(_) => <$config as Kind>::NAME),* }
            }

            /// What `tune` sweeps: `"smoothing"`, `"regularization"`, ...
            pub fn tuned(&self) -> &'static str {
                match self { $(ModelSpec::$variant(_) => <$config as Kind>::TUNED),* }
            }

            /// How many previous characters predict the next.
            pub fn context_len(&self) -> usize {
                match self { $(ModelSpec::$variant(c) => c.context_len()),* }
            }

            /// The same spec with context length `n`.
            pub fn with_context_len(mut self, n: usize) -> ModelSpec {
                match &mut self { $(ModelSpec::$variant(c) => c.set_context_len(n)),* }
                self
            }

            /// The same spec with the tuned hyper-parameter set to `value`.
            pub fn with_tuned(mut self, value: f64) -> ModelSpec {
                match &mut self { $(ModelSpec::$variant(c) => c.set_tuned(value)),* }
                self
            }

            /// How many training steps fitting reports (None: fitted in one go).
            pub fn steps(&self) -> Option<usize> {
                match self { $(ModelSpec::$variant(c) => c.steps()),* }
            }

            /// What a log line says of the fit, e.g. `"smoothing 1"`.
            pub fn summary(&self) -> String {
                match self { $(ModelSpec::$variant(c) => c.summary()),* }
            }

            /// Refuse hyper-parameters that cannot make a model.
            pub fn validate(&self) -> Result<()> {
                match self { $(ModelSpec::$variant(c) => c.validate()),* }
            }

            /// The long flags of this kind's CLI group (from its `clap::Args`).
            pub fn flags(&self) -> Vec<String> {
                match self { $(ModelSpec::$variant(_) => long_flags::<$config>()),* }
            }

            fn fit_dyn(
                &self,
                words: &WordList,
                vocab: &Vocab,
                on_step: &mut dyn FnMut(usize, f32),
            ) -> Result<Box<dyn LanguageModel>> {
                match self { $(ModelSpec::$variant(c) => c.fit(words, vocab, on_step)),* }
            }
        }

        /// Read the model of kind `name` from a model file.
        pub(crate) fn load_kind(name: &str, file: &StoredFile) -> Result<Box<dyn LanguageModel>> {
            $(if name == <$config as Kind>::NAME {
                return <$config>::load(file);
            })*
            Err(file.bad(format!("unknown kind {name:?}")))
        }
    };
}

kinds! {
    Counts(counts::NgramConfig),
    Neural(neural::NeuralConfig),
}

impl Default for ModelSpec {
    /// The lecture's first model: bigram counts, smoothing 1.
    fn default() -> Self {
        ModelSpec::Counts(counts::NgramConfig::default())
    }
}

impl std::str::FromStr for ModelSpec {
    type Err = Error;
    /// A kind by its name, with its default hyper-parameters.
    fn from_str(name: &str) -> Result<ModelSpec> {
        ModelSpec::named(name)
    }
}

fn unknown_kind(name: &str) -> Error {
    Error::BadParameter { name: "model kind", value: format!("{name:?}"), expected: "must be a kind of the registry" }
}

fn long_flags<A: clap::Args>() -> Vec<String> {
    A::augment_args(clap::Command::new("flags"))
        .get_arguments()
        .filter_map(|a| a.get_long().map(String::from))
        .collect()
}

impl ModelSpec {
    /// Refuse the flags of other kinds: `typed` are the long flags given on the command
    /// line (without `--`), `groups` every kind's spec; a flag of another kind's group
    /// that this kind does not share is an error naming that kind.
    ///
    /// ```
    /// use makemore::ModelSpec;
    /// let all = [ModelSpec::named("counts")?, ModelSpec::named("neural")?];
    /// let err = all[0].refuse_foreign_flags(&["steps".into()], &all).unwrap_err();
    /// assert!(err.to_string().contains("apply to --model neural only"));
    /// assert!(all[1].refuse_foreign_flags(&["steps".into()], &all).is_ok());
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn refuse_foreign_flags(&self, typed: &[String], groups: &[ModelSpec]) -> Result<()> {
        let own = self.flags();
        for other in groups.iter().filter(|g| g.name() != self.name()) {
            let foreign: Vec<String> = other.flags().into_iter().filter(|f| !own.contains(f)).collect();
            if typed.iter().any(|t| foreign.contains(t)) {
                let list: Vec<String> = foreign.iter().map(|f| format!("--{f}")).collect();
                let (verb, list) = match list.split_last() {
                    Some((last, rest)) if !rest.is_empty() => ("apply", format!("{} and {last}", rest.join(", "))),
                    _ => ("applies", list.join("")),
                };
                return Err(Error::Usage(format!("{list} {verb} to --model {} only", other.name())));
            }
        }
        Ok(())
    }
}

/// Fit the model `spec` describes on `words`, with the vocabulary `vocab` (that of all
/// the words, when fitting on a split, so that other splits can be scored).
///
/// ```
/// use makemore::{LanguageModel, ModelSpec, Vocab, WordList, fit};
/// let words = WordList::parse("emma\nava", "names")?;
/// let vocab = Vocab::from_words(&words)?;
/// let model = fit(&ModelSpec::default().with_context_len(2), &words, &vocab)?;
/// assert_eq!((model.kind(), model.context_len()), ("counts", 2));
/// # Ok::<(), makemore::Error>(())
/// ```
pub fn fit(spec: &ModelSpec, words: &WordList, vocab: &Vocab) -> Result<Box<dyn LanguageModel>> {
    fit_with(spec, words, vocab, |_, _| {})
}

/// [`fit`], calling `on_step(step, loss)` after each training step.
///
/// ```
/// use makemore::{ModelSpec, NeuralConfig, TrainConfig, Vocab, WordList, fit_with};
/// let words = WordList::parse("emma\nava", "names")?;
/// let cfg = NeuralConfig { train: TrainConfig { steps: 5, ..TrainConfig::DEFAULT }, ..Default::default() };
/// let mut losses = Vec::new();
/// fit_with(&ModelSpec::Neural(cfg), &words, &Vocab::from_words(&words)?, |_, loss| losses.push(loss))?;
/// assert_eq!(losses.len(), 5);
/// # Ok::<(), makemore::Error>(())
/// ```
pub fn fit_with(
    spec: &ModelSpec,
    words: &WordList,
    vocab: &Vocab,
    mut on_step: impl FnMut(usize, f32),
) -> Result<Box<dyn LanguageModel>> {
    spec.validate()?;
    spec.fit_dyn(words, vocab, &mut on_step)
}
