//! The models, from the bottom up: the model file's contents ([`stored`]: what a kind
//! stores and reads back), what a kind provides ([`kind`]: the [`LanguageModel`](kind::LanguageModel)
//! and [`ModelKind`](kind::ModelKind) traits), what a network provides ([`network`]: the
//! [`Network`](network::Network) trait, and what is written once for every network: its
//! probabilities, evaluation, stored tensors, loading, and its training step by autograd,
//! [`AutogradStep`](network::AutogradStep)), the kinds themselves, one file each ([`counts`]:
//! n-gram counts, smoothed, the lecture's bigram being context 1; [`neural`]: one linear layer
//! trained by gradient descent, with its helpers `exact_gradient` and `indexed_loss`; [`mlp`]:
//! lecture 2's multi-layer perceptron, and [`batchnorm_mlp`], lecture 3's, behind `mlp
//! --batchnorm`; [`manual_mlp`], lecture 4's, trained by exercise 4; [`wavenet`], lecture 5's
//! hierarchical network, a `Sequential` of the core's layers), the backward passes written
//! by hand for those three (`backprop`: one file each, with the lecture's names for the
//! gradients), the registry ([`registry`]: `ModelSpec`, one variant per kind, and `fit`),
//! and saving and loading ([`file`]).
//!
//! Each kind's file holds its hyper-parameters type (defaults, validation, and its own CLI
//! flags through clap's `Args` derive), its `ModelKind` impl (`fit`, `load`, its help heading,
//! its training settings), its model types and their `LanguageModel` impl, whose `stored()`
//! writes exactly the tensors and metadata its `load` reads back through a
//! [`StoredFile`](stored::StoredFile).
//!
//! **Adding a network kind** (say an RNN): the files it touches are its own, one registry
//! line, and its docs and tests.
//! 1. write `models/rnn.rs`:
//!    - the network: its parameters (built from [`crate::nn`]'s layers, or tensors of its own,
//!      drawn in its recipe's order after seeding), `impl Network` (`logits` for a batch of
//!      contexts, `named_parameters`, and `train_logits`/`named_buffers` if it has batch
//!      statistics);
//!    - `impl LanguageModel`: `probs`, `log_probs` and `stored` call the [`network`] functions
//!      of the same names; `load` reads its file with [`network::load_parameters`];
//!    - its config (`Default`, `clap::Args` whose fields are its own flags; the context, the
//!      sizes and the training settings with `#[arg(skip = ..)]`, as the CLI's `--context`, sizes
//!      group (`--embedding`, `--hidden`: [`ModelKind::sizes`](kind::ModelKind::sizes)) and
//!      training group set them) and `impl ModelKind` (`NAME`, `TUNED`, `HEADING`, `steps`, `training` and
//!      `set_training`, `validate`, `fit`: an [`AutogradStep`](network::AutogradStep) with its
//!      optimizer, [`crate::nn::Sgd`] or [`crate::nn::AdamW`], run by the one
//!      [`Trainer`](crate::Trainer) with the [`Fitting`](kind::Fitting)'s progress, evaluation
//!      and stop flag (`EVALUATES = true` offers the CLI's `--eval-every`), `load`);
//! 2. declare it here (`pub mod rnn;`) and add one line `Rnn(rnn::RnnConfig),` to `kinds!` in
//!    `registry.rs` (the CLI's flag group comes with it: `KindFlags`), and its public items to
//!    the `pub use` of lib.rs;
//! 3. docs (the lib.rs table, the README) and tests against the project's PyTorch reference.
//!
//! Nothing else matches on kinds: fitting, tuning, saving, loading and the CLI go through
//! `ModelSpec`, `KindFlags` and `ModelKind`.

pub(crate) mod backprop;
pub mod batchnorm_mlp;
pub mod counts;
mod exact_gradient;
pub mod file;
mod indexed_loss;
pub mod kind;
pub mod manual_mlp;
pub mod mlp;
mod mlp_kind;
pub mod network;
pub mod neural;
pub mod registry;
pub mod stored;
pub mod wavenet;

pub use exact_gradient::ExactGradient;
