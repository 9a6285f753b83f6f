//! The registry of model kinds: one line per kind in `kinds!` makes [`ModelSpec`] (one
//! variant per kind, holding that kind's hyper-parameters), [`KindFlags`] (every kind's
//! command-line flags, a group each) and the only `match`es on kinds, used by [`fit`],
//! `tune`, loading and the CLI.

use crate::data::vocab::Vocab;
use crate::data::words::WordList;
use crate::error::{Error, Result};
use crate::models::kind::{Fitting, LanguageModel, ModelKind, Sizes, Training};
use crate::models::stored::StoredFile;
use crate::models::{counts, mlp, neural, wavenet};

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
            pub const NAMES: &'static [&'static str] = &[$(<$config as ModelKind>::NAME),*];

            /// The kind named `name` with its default hyper-parameters.
            pub fn named(name: &str) -> Result<ModelSpec> {
                $(if name == <$config as ModelKind>::NAME {
                    return Ok(ModelSpec::$variant(<$config>::default()));
                })*
                Err(unknown_kind(name))
            }

            /// The kind's name.
            pub fn name(&self) -> &'static str {
                match self { $(ModelSpec::$variant(_) => <$config as ModelKind>::NAME),* }
            }

            /// The kind's training settings ([`ModelKind::training`]; None: not trained).
            pub fn training(&self) -> Option<Training> {
                match self { $(ModelSpec::$variant(c) => c.training()),* }
            }

            /// The same spec with `settings` laid over its training settings
            /// ([`ModelKind::set_training`]).
            pub fn with_training(mut self, settings: &Training) -> ModelSpec {
                match &mut self { $(ModelSpec::$variant(c) => c.set_training(settings)),* }
                self
            }

            /// The kind's layer sizes ([`ModelKind::sizes`]; None: no layers).
            pub fn sizes(&self) -> Option<Sizes> {
                match self { $(ModelSpec::$variant(c) => c.sizes()),* }
            }

            /// The same spec with `sizes` laid over its own ([`ModelKind::set_sizes`]).
            pub fn with_sizes(mut self, sizes: &Sizes) -> ModelSpec {
                match &mut self { $(ModelSpec::$variant(c) => c.set_sizes(sizes)),* }
                self
            }

            /// What `tune` sweeps: `"smoothing"`, `"regularization"`, ...
            pub fn tuned(&self) -> &'static str {
                match self { $(ModelSpec::$variant(_) => <$config as ModelKind>::TUNED),* }
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

            /// Whether training can evaluate held-out words every K steps ([`ModelKind::EVALUATES`]).
            pub fn evaluates(&self) -> bool {
                match self { $(ModelSpec::$variant(_) => <$config as ModelKind>::EVALUATES),* }
            }

            /// How many training steps fitting reports (None: fitted in one go).
            pub fn steps(&self) -> Option<usize> {
                match self { $(ModelSpec::$variant(c) => c.steps()),* }
            }

            /// What a log line says of the fit, e.g. `"smoothing 1"`.
            pub fn summary(&self) -> String {
                match self { $(ModelSpec::$variant(c) => c.summary()),* }
            }

            /// The kind's hyper-parameters but the context, as a JSON object.
            pub fn settings(&self) -> serde_json::Value {
                match self { $(ModelSpec::$variant(c) => c.settings()),* }
            }

            /// The regularization term of `model`'s training loss (None for kinds without one).
            pub fn penalty(&self, model: &dyn LanguageModel) -> Result<Option<f64>> {
                match self { $(ModelSpec::$variant(c) => c.penalty(model)),* }
            }

            /// Refuse hyper-parameters that cannot make a model.
            pub fn validate(&self) -> Result<()> {
                match self { $(ModelSpec::$variant(c) => c.validate()),* }
            }

            /// The long flags of this kind's CLI group (from its `clap::Args`).
            pub fn flags(&self) -> Vec<String> {
                match self { $(ModelSpec::$variant(_) => long_flags::<$config>()),* }
            }

            fn fit_dyn(&self, words: &WordList, vocab: &Vocab, fitting: &mut Fitting) -> Result<Box<dyn LanguageModel>> {
                match self { $(ModelSpec::$variant(c) => c.fit(words, vocab, fitting)),* }
            }
        }

        /// Every kind's command-line flags: one group per kind (its hyper-parameters type's
        /// `clap::Args`, under its [`ModelKind::HEADING`]), each holding the values given or
        /// the kind's defaults.
        ///
        /// ```
        /// use clap::{Args, FromArgMatches};
        /// let cmd = makemore::KindFlags::augment_args(clap::Command::new("train"));
        /// let flags = makemore::KindFlags::from_arg_matches(&cmd.get_matches_from(["train", "--batchnorm"]))?;
        /// assert_eq!(flags.spec("mlp")?.settings()["batchnorm"], true);
        /// assert_eq!(flags.spec("counts")?, makemore::ModelSpec::default());
        /// # Ok::<(), Box<dyn std::error::Error>>(())
        /// ```
        #[derive(Debug, Clone, clap::Args)]
        #[allow(non_snake_case)]
        pub struct KindFlags {
            $(
                #[command(flatten, next_help_heading = <$config as ModelKind>::HEADING)]
                $variant: $config,
            )*
        }

        impl KindFlags {
            /// The spec of the kind named `name`, with its group's values.
            pub fn spec(&self, name: &str) -> Result<ModelSpec> {
                $(if name == <$config as ModelKind>::NAME {
                    return Ok(ModelSpec::$variant(self.$variant.clone()));
                })*
                Err(unknown_kind(name))
            }
        }

        /// Read the model of kind `name` from a model file.
        pub(crate) fn load_kind(name: &str, file: &StoredFile) -> Result<Box<dyn LanguageModel>> {
            $(if name == <$config as ModelKind>::NAME {
                return <$config>::load(file);
            })*
            // karpathy/makemore's types, which `makemore run` trains (not `train`)
            if name == crate::zoo::KIND {
                return Ok(Box::new(crate::zoo::ZooNet::load(file)?));
            }
            Err(file.bad(format!("unknown kind {name:?}")))
        }
    };
}

kinds! {
    Counts(counts::NgramConfig),
    Neural(neural::NeuralConfig),
    Mlp(mlp::MlpConfig),
    WaveNet(wavenet::WaveNetConfig),
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
    spec.fit_dyn(words, vocab, &mut Fitting::progress(&mut on_step, &mut |_, _, _| {}))
}

/// [`fit`] with everything a [`Fitting`] offers: progress, evaluation every K steps keeping
/// the best model, a stop flag.
pub fn fit_run(
    spec: &ModelSpec,
    words: &WordList,
    vocab: &Vocab,
    fitting: &mut Fitting,
) -> Result<Box<dyn LanguageModel>> {
    spec.validate()?;
    spec.fit_dyn(words, vocab, fitting)
}
