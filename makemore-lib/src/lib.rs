//! # makemore
//!
//! Character-level language models from Andrej Karpathy's makemore lectures, in Rust over
//! libtorch via `tch`, reproducing PyTorch 2.13 number for number: lecture 1 ("The
//! spelled-out intro to language modeling": bigram counts and a one-layer network, and
//! their n-gram extensions), lecture 2 ("Building makemore Part 2: MLP") and lecture 3's
//! BatchNorm MLP, with karpathy/makemore's ways of saving, sampling and evaluating, on a
//! network core (layers, optimizers, one trainer) that makes each model its forward pass.
//!
//! A notebook starts with `use makemore::prelude::*;` ([`prelude`]); its numbers are
//! checked against PyTorch's with [`check`] and [`Reference`].
//!
//! One lecture step per item:
//!
//! | lecture | here |
//! |---|---|
//! | `words = open('names.txt').read().splitlines()` | [`WordList::read`] |
//! | `b = {}` bigram dictionary, `sorted(b.items(), ...)` | [`BigramDict`], [`BigramDict::most_common`] |
//! | `stoi`, `itos` | [`Vocab`] |
//! | `N[ix1, ix2] += 1` | [`BigramCounts::from_words_loop`] (and the fast [`BigramCounts::from_words`]) |
//! | `plt.imshow(N, cmap='Blues')` with labels | [`Heatmap::counts`] |
//! | `P = (N+1).float(); P /= P.sum(1, keepdims=True)` | [`normalize_rows`], [`CountsModel::bigram`], [`LanguageModel::probs_matrix`] |
//! | the `keepdim=False` bug | [`normalize_rows_keepdim_bug`] |
//! | `g = torch.Generator().manual_seed(2147483647)` | [`seed`], [`LECTURE_SEED`] |
//! | `torch.multinomial` sampling loop | [`sample()`] (any model, through [`LanguageModel`]) |
//! | `log_likelihood += torch.log(prob)` | [`nll_loop`], [`evaluate`], [`word_nll`] |
//! | `xs`, `ys`, `W = torch.randn(...)`, one-hot, softmax | [`Examples`], [`NeuralModel::bigram`], [`NeuralModel::forward`], [`NeuralModel::loss`] |
//! | `-probs[arange(n), ys].log().mean() + 0.01*(W**2).mean()` | [`loss_with_penalty`] |
//! | `W.grad = None`, `loss.backward()`, `W.data += -50 * W.grad` | [`NeuralModel::train`] |
//! | the same training in closed form from the counts, O(V²) a step | [`Method::ExactGradient`], [`ExactGradient`] |
//! | many names at once | [`sample_fast`] |
//! | E01 trigrams and longer contexts | [`CountsModel::fit`], [`NeuralModel::new`] (any context), [`NgramTable`] |
//! | E02 train/dev/test splits | [`Split`] |
//! | E03 tuning on dev | [`tune()`], [`Figure::tuning`] |
//! | E04 index instead of one-hot, E05 cross-entropy | [`NeuralModel::loss_indexed`], [`NeuralModel::loss_cross_entropy`] |
//! | any model from a description (one variant per kind; a kind is one file) | [`ModelSpec`], [`ModelKind`], [`fit()`] |
//! | saving and loading | [`save_model`], [`load_model`] |
//! | lecture 2: `random.seed(42); random.shuffle(words)`, `n1 = int(0.8*len(words))` | [`Split::apply`], [`PyRandom`] |
//! | `build_dataset` with `block_size = 3` | [`Examples::with_context`] |
//! | `g = torch.Generator().manual_seed(2147483647)`; `C`, `W1`, `b1`, `W2`, `b2` | [`Mlp::new`], [`MlpConfig`] |
//! | `emb = C[X]`, `h = torch.tanh(emb.view(-1, 30) @ W1 + b1)`, `logits = h @ W2 + b2` | [`Mlp::logits`] |
//! | `F.cross_entropy`, `loss.backward()`, `p.data += -lr * p.grad` | [`Mlp::step`], [`Mlp::train_examples`] |
//! | `plt.plot(stepi, lossi)`, `plt.scatter(C[:,0], C[:,1])` | [`Figure::line`], [`Figure::scatter`]: SVG, PNG, a file or a notebook's display through [`Drawable`] |
//! | lecture 3: `W1 * (5/3)/30**0.5`, `bngain * (hpreact - bnmeani) / bnstdi + bnbias`, running statistics | [`BatchNormMlp`] (`--model mlp --batchnorm`) |
//! | lecture 4: exercise 4, the backward pass by hand (`dlogits = F.softmax(logits, 1)`, ..., `dhprebn = bngain*bnvar_inv/n * (...)`) with no autograd; calibrating BatchNorm after training | [`ManualMlp`] |
//! | lecture 5: `Embedding`, `FlattenConsecutive(2)`, `Linear(bias=False)`, `BatchNorm1d` over dims (0, 1), `Tanh`, in a `Sequential`; `model.layers[-1].weight *= 0.1` | [`WaveNet`], [`WaveNetConfig`] (`--model wavenet`), [`nn`] |
//! | the lectures' classes: `Linear`, `BatchNorm1d`, `Tanh`, `Embedding`, `FlattenConsecutive`, `Sequential` | [`nn`] |
//! | `p.data += -lr * p.grad`; `torch.optim.AdamW` | [`nn::Sgd`], [`nn::AdamW`] |
//! | the training loop: `ix = torch.randint(...)`, `lr = 0.1 if i < 100000 else 0.01`, evaluation every K steps keeping the best | [`Trainer`], [`StepDecay`], [`EvalEvery`] |
//! | `ud.append(((lr*p.grad).std() / p.data.std()).log10())` | [`update_to_data`] |
//! | any network: logits, parameters, then sampling, evaluation, saving written once | [`Network`], [`AutogradStep`] |
//! | checking a number against PyTorch's | [`check::close`], [`check::Bound`], [`Reference`] |
//!
//! ```
//! use makemore::{CountsModel, WordList, evaluate, sample, LECTURE_SEED};
//! let words = WordList::parse("emma\nolivia\nava\nisabella\nsophia", "names")?;
//! let model = CountsModel::bigram(&words, 1.0)?;
//! let names = sample(&model, 3, LECTURE_SEED)?;
//! assert_eq!(names.len(), 3);
//! let eval = evaluate(&model, &words)?;
//! assert!(eval.nll > 0.0 && eval.ngrams == 32); // 27 letters + 5 end tokens
//! # Ok::<(), makemore::Error>(())
//! ```

// The layout follows the data: each folder imports only from the ones before it, and
// the error type, `Item`, the allocator hint, `rng` and `check` sit under all of them.
//   data → counting → nn → train → models → using → drawing
// (nn: the layers and optimizers; train: the examples and the one training loop; models:
// the kinds, and the Network trait that ties a network to sampling, evaluation and files)
// The folders are private: their public items are re-exported here, at the root
// (`makemore::Item`), apart from the modules `check`, `reference`, `plot` and `display`,
// whose items keep their module's name (`makemore::check::close`); `prelude` repeats
// what a notebook uses.
mod allocator;
// Checking numbers against PyTorch's, one line each. Under everything, like `error`: it
// uses only tch.
pub mod check;
mod counting;
mod data;
mod drawing;
mod error;
mod item;
mod models;
/// The network core: the layers of lectures 3 and 5 (`Linear`, `BatchNorm1d`, `Tanh`, `Embedding`,
/// `FlattenConsecutive`, `Sequential`) and the optimizers (`Sgd`, `AdamW`). Uses only tch and `error`.
pub mod nn;
pub mod prelude;
/// PyTorch's reference numbers for the notebooks' checks, read from the project's fixtures
/// (uses only `check` and `error`).
pub mod reference;
mod rng;
mod train;
mod using;
/// karpathy/makemore's `makemore.py`: its data, model types and training run (`makemore run`).
pub mod zoo;

pub use allocator::keep_freed_memory_for_reuse;
pub use counting::bigram::{BigramCounts, BigramDict, Token};
pub use counting::ngrams::{MAX_CONTEXT, MAX_TABLE_CELLS, NgramTable};
pub use data::output::{check_writable, not_the_input};
pub use data::pyrandom::PyRandom;
pub use data::split::{Split, Splits};
pub use data::vocab::{MAX_VOCAB, Vocab};
pub use data::words::{BOUNDARY, MAX_INPUT_BYTES, WordList};
/// Showing figures and pages in a notebook (evcxr's display protocol).
pub use drawing::bigram_figure::{BigramFigure, CellView};
pub use drawing::display;
pub use drawing::drawable::{Drawable, TipArea, Tooltip};
pub use drawing::explorer::{Explorer, MAX_TOKENS as EXPLORER_MAX_TOKENS, View as ExplorerView};
pub use drawing::figure::Figure;
pub use drawing::heatmap::{CellText, Heatmap, MAX_HEATMAP_SIDE};
/// The plotting pieces the figures share: colours, fonts, formats, saving.
pub use drawing::plot;
pub use error::{Error, Result};
pub use item::Item;
pub use models::ExactGradient;
pub use models::batchnorm_mlp::BatchNormMlp;
pub use models::counts::{CountsModel, NgramConfig, SMOOTHING_RANGE, normalize_rows, normalize_rows_keepdim_bug};
pub use models::file::{load as load_model, save as save_model, save_with_training};
pub use models::kind::{Fitting, LanguageModel, ModelKind, OnStep, Sizes, Training};
pub use models::manual_mlp::ManualMlp;
pub use models::mlp::{MAX_BATCH, MAX_BATCH_CELLS, MAX_EMBEDDING, MAX_HIDDEN, MAX_PARAMETERS, Mlp, MlpConfig};
pub use models::network::{
    AutogradStep, Network, load_parameters as load_network, log_probs as network_log_probs, mean_loss, on_one_thread,
    on_threads, probs as network_probs, stored as stored_network,
};
// `TrainConfig` is the one-layer network's training (the MLP has its own `MlpConfig`).
pub use models::neural::{Method, NeuralConfig, NeuralModel, TrainConfig, forward, loss_with_penalty, one_hot};
pub use models::registry::{KindFlags, ModelSpec, fit, fit_run, fit_with};
pub use models::stored::{MAX_MODEL_BYTES, Stored, StoredData, StoredFile, StoredTensor};
pub use models::wavenet::{MAX_FLATTEN, WAVENET_SEED, WaveNet, WaveNetConfig};
pub use reference::Reference;
pub use rng::{LECTURE_SEED, parse_seed, seed};
/// The `tch` crate this library is built on, for notebooks and examples.
pub use tch;
pub use train::cache::{Trained, TrainedCache};
pub use train::examples::Examples;
pub use train::trainer::{
    EvalEvery, Event, MAX_STEPS, MAX_STEPS as MLP_MAX_STEPS, Step, StepDecay, Trainer, TrainingRun, update_to_data,
};
pub use using::eval::{Evaluation, LoopNll, ScoredBigram, evaluate, nll_loop, word_nll};
pub use using::sample::{MAX_WORD_CHARS, draw, sample, sample_fast};
pub use using::tune::{TuneRow, Tuning, check_tune_values, tune, tune_with};
