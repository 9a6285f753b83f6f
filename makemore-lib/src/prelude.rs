//! What a notebook uses, in one line: `use makemore::prelude::*;`.
//!
//! The lectures' steps (word lists, counts, models, sampling, evaluation, figures), the
//! checks against PyTorch ([`check`], [`Bound`], [`Training`], [`Reference`]), the traits
//! whose methods the cells call ([`LanguageModel`], [`Item`]'s `.item()`, [`Drawable`]'s
//! `svg`, `png` and `save` of a figure), and the `tch`
//! names every cell needs. The notebooks' first cells `use` exactly these.
//!
//! ```
//! use makemore::prelude::*;
//! let words = WordList::parse("emma\nava", "names")?;
//! let model = CountsModel::bigram(&words, 1.0)?;
//! let p = model.probs_matrix()?;
//! check::close_all(&p.sum_dim_intlist(1, false, Kind::Float), &[1.0; 5], Bound::RowOfProbs(5));
//! check::close(Tensor::from(2.5f32).item(), 2.5, Bound::Exact);
//! assert_eq!(sample(&model, 3, LECTURE_SEED)?.len(), 3);
//! # Ok::<(), makemore::Error>(())
//! ```

pub use crate::check::{self, Bound, Training};
pub use crate::reference::Reference;
pub use crate::tch::{self, Device, IndexOp, Kind, Tensor};
pub use crate::{
    BigramCounts, CellText, CountsModel, Drawable, ExactGradient, Examples, Explorer, Figure, Heatmap, Item,
    LECTURE_SEED, LanguageModel, Method, Mlp, MlpConfig, ModelSpec, NeuralModel, NgramConfig, PyRandom, Split, Splits,
    Token, TrainConfig, TuneRow, Tuning, Vocab, WordList, draw, evaluate, fit, keep_freed_memory_for_reuse, nll_loop,
    normalize_rows, normalize_rows_keepdim_bug, sample, sample_fast, seed, tune, word_nll,
};
