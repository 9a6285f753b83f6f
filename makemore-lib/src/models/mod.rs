//! The models, from the bottom up: the model file's contents ([`stored`]: what a kind
//! stores and reads back), what a kind provides ([`kind`]: the [`LanguageModel`](kind::LanguageModel)
//! and [`ModelKind`](kind::ModelKind) traits), the kinds themselves, one file each ([`counts`]: n-gram
//! counts, smoothed, the lecture's bigram being context 1; [`neural`]: one linear layer
//! trained by gradient descent, with its helpers `exact_gradient` and `indexed_loss`;
//! [`mlp`]: lecture 2's multi-layer perceptron), the
//! registry ([`registry`]: `ModelSpec`, one variant per kind, and `fit`), and saving and
//! loading ([`file`]).
//!
//! Each kind's file holds its hyper-parameters type (defaults, validation, and its own CLI
//! flags through clap's `Args` derive), its `ModelKind` impl (`fit`, `load`, its help heading,
//! its training settings), its model types and their `LanguageModel` impl, whose `stored()`
//! writes exactly the tensors and metadata its `load` reads back through a
//! [`StoredFile`](stored::StoredFile).
//!
//! **Adding a kind** (say `mlp`):
//! 1. write `models/mlp.rs`: `MlpConfig` (`Default`, `clap::Args` whose fields are its own
//!    flags; the context and the training settings with `#[arg(skip = ..)]`, as the CLI's
//!    `--context` and training group set them), `impl ModelKind for MlpConfig` (`NAME = "mlp"`,
//!    `TUNED`, `HEADING`, `steps` for progress, `training` and `set_training` for the shared
//!    training flags, `validate`, `fit`, `load`), and the model type with
//!    `impl LanguageModel` (`kind()` returns `MlpConfig::NAME`; `stored()` names its tensors,
//!    1-D or 2-D, int64 or float32, and its string metadata);
//! 2. declare it here (`pub mod mlp;`) and add one line `Mlp(mlp::MlpConfig),` to `kinds!`
//!    in `registry.rs` (the CLI's flag group comes with it: `KindFlags`), and its public
//!    items to the `pub use` of lib.rs;
//! 3. docs (the lib.rs table, the README) and tests.
//!
//! Nothing else matches on kinds: fitting, tuning, saving, loading and the CLI go through
//! `ModelSpec`, `KindFlags` and `ModelKind`.

pub mod batchnorm_mlp;
pub mod counts;
mod exact_gradient;
pub mod file;
mod indexed_loss;
pub mod kind;
pub mod mlp;
pub mod network;
pub mod neural;
pub mod registry;
pub mod stored;

pub use exact_gradient::ExactGradient;
