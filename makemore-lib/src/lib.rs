//! # makemore
//!
//! Character-level bigram language models from Andrej Karpathy's makemore lecture
//! ("The spelled-out intro to language modeling"), in Rust over libtorch via `tch`,
//! reproducing PyTorch 2.13 number for number.
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
//! | `P = (N+1).float(); P /= P.sum(1, keepdims=True)` | [`normalize_rows`], [`CountsModel`] |
//! | the `keepdim=False` bug | [`normalize_rows_keepdim_bug`] |
//! | `g = torch.Generator().manual_seed(2147483647)` | [`seed`], [`LECTURE_SEED`] |
//! | `torch.multinomial` sampling loop | [`sample()`] (any model, through [`LanguageModel`]) |
//! | `log_likelihood += torch.log(prob)` | [`nll_loop`], [`evaluate`], [`word_nll`] |
//! | `xs`, `ys`, `W = torch.randn(...)`, one-hot, softmax | [`Examples`], [`NeuralBigram::forward`], [`NeuralBigram::loss`] |
//! | `W.grad = None`, `loss.backward()`, `W.data += -50 * W.grad` | [`neural::descend`], [`NeuralBigram::train`] |
//! | the same training in closed form from the counts, O(V²) a step | [`Method::ExactGradient`], [`ExactGradient`] |
//! | many names at once | [`sample_fast`] |
//! | E01 trigrams and longer contexts | [`NgramModel`], [`NeuralNgram`], [`ContextCounts`] |
//! | E02 train/dev/test splits | [`Split`] |
//! | E03 tuning on dev | [`tune()`], [`Figure::tuning`] |
//! | E04 index instead of one-hot, E05 cross-entropy | [`NeuralBigram::loss_indexed`], [`NeuralBigram::loss_cross_entropy`] |
//! | any model from a description | [`ModelSpec`], [`fit()`] |
//! | saving and loading | [`model_file::save`], [`model_file::load`] |
//! | lecture 2: `random.seed(42); random.shuffle(words)`, `n1 = int(0.8*len(words))` | [`Split::apply`], [`pyrandom::PyRandom`] |
//! | `build_dataset` with `block_size = 3` | [`Examples::with_context`] |
//! | `g = torch.Generator().manual_seed(2147483647)`; `C`, `W1`, `b1`, `W2`, `b2` | [`Mlp::new`], [`MlpConfig`] |
//! | `emb = C[X]`, `h = torch.tanh(emb.view(-1, 30) @ W1 + b1)`, `logits = h @ W2 + b2` | [`Mlp::logits`] |
//! | `F.cross_entropy`, `loss.backward()`, `p.data += -lr * p.grad` | [`Mlp::step`], [`Mlp::train_examples`] |
//!
//! ```
//! use makemore::{CountsModel, WordList, evaluate, sample, LECTURE_SEED};
//! let words = WordList::parse("emma\nolivia\nava\nisabella\nsophia", "names")?;
//! let model = CountsModel::fit(&words, 1.0)?;
//! let names = sample(&model, 3, LECTURE_SEED)?;
//! assert_eq!(names.len(), 3);
//! let eval = evaluate(&model, &words)?;
//! assert!(eval.nll > 0.0 && eval.n == 32); // 27 letters + 5 end tokens
//! # Ok::<(), makemore::Error>(())
//! ```

pub mod allocator;
pub mod bigram;
pub mod check;
pub mod contexts;
pub mod display;
pub mod draw;
pub mod error;
pub mod exact_gradient;
pub mod explorer;
pub mod figure;
pub mod fit;
pub mod heatmap;
mod indexed_loss;
pub mod input;
pub mod item;
pub mod loss;
pub mod mlp;
pub mod model;
pub mod model_file;
pub mod neural;
pub mod neural_ngram;
pub mod ngram;
pub mod output;
pub mod progress;
pub mod pyrandom;
mod reachable;
pub mod reference;
pub mod sample;
pub mod split;
pub mod tune;
pub mod vocab;
pub mod words;

pub use allocator::keep_freed_memory_for_reuse;
pub use bigram::{BigramCounts, BigramDict, Token};
pub use contexts::{ContextCounts, MAX_CONTEXT, MAX_TABLE_CELLS};
pub use error::{Error, Result};
pub use exact_gradient::ExactGradient;
pub use explorer::Explorer;
pub use figure::Figure;
pub use fit::{ModelSpec, fit, fit_with};
pub use heatmap::{CellText, Heatmap, MAX_HEATMAP_SIDE};
pub use item::Item;
pub use loss::{Evaluation, LoopNll, ScoredBigram, evaluate, nll_loop, word_nll};
pub use mlp::{Mlp, MlpConfig};
pub use model::{
    CountsModel, DEFAULT_SMOOTHING, LanguageModel, ModelKind, SMOOTHING_RANGE, normalize_rows,
    normalize_rows_keepdim_bug,
};
pub use neural::{Examples, Method, NeuralBigram, TrainConfig};
pub use neural_ngram::NeuralNgram;
pub use ngram::{CountsConfig, NgramModel};
pub use output::{check_writable, write_atomic};
pub use reference::Reference;
pub use sample::{LECTURE_SEED, MAX_WORD_CHARS, draw, sample, sample_fast, sample_one, seed};
pub use split::{Split, Splits};
/// The `tch` crate this library is built on, for notebooks and examples.
pub use tch;
pub use tune::{TuneRow, Tuning, tune, tuned_parameter};
pub use vocab::{MAX_VOCAB, Vocab};
pub use words::{BOUNDARY, MAX_INPUT_BYTES, WordList};
