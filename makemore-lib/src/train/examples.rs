//! The examples a network trains on: every (context, next token) pair of a word list,
//! the lecture's `X` and `Y` (`build_dataset`).

use tch::Tensor;

use crate::counting::ngrams::for_each_ngram;
use crate::data::vocab::Vocab;
use crate::data::words::WordList;
use crate::error::Result;

/// The training set: every example of the words as (input, target) indices. For the
/// lecture's bigram `xs` is 1-D; with a longer context it is n × context.
///
/// ```
/// let words = makemore::WordList::parse("emma", "names")?;
/// let vocab = makemore::Vocab::from_words(&words)?;
/// let ex = makemore::Examples::new(&words, &vocab)?;
/// assert_eq!(ex.len(), 5);
/// assert_eq!(Vec::<i64>::try_from(&ex.xs).unwrap(), [0, 2, 3, 3, 1]); // . e m m a
/// # Ok::<(), makemore::Error>(())
/// ```
#[derive(Debug)]
pub struct Examples {
    /// Input indices (int64: n, or n × context).
    pub xs: Tensor,
    /// Target indices (int64, length n).
    pub ys: Tensor,
}

impl Examples {
    /// The lecture's `xs` and `ys`: every bigram, with the vocabulary's indices.
    ///
    /// ```
    /// let words = makemore::WordList::parse("ab", "w")?;
    /// let other = makemore::Vocab::from_itos(vec!['.', 'a'])?;
    /// assert!(makemore::Examples::new(&words, &other).is_err()); // 'b' is unknown
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn new(words: &WordList, vocab: &Vocab) -> Result<Examples> {
        let (xs, ys) = vocab.bigram_indices(words)?;
        Ok(Examples { xs: Tensor::from_slice(&xs), ys: Tensor::from_slice(&ys) })
    }

    /// Every n-gram: `xs` is n × `context` (each word padded with `context` '.').
    ///
    /// ```
    /// let words = makemore::WordList::parse("ab", "w")?;
    /// let ex = makemore::Examples::with_context(&words, &makemore::Vocab::from_words(&words)?, 2)?;
    /// assert_eq!(ex.xs.size(), [3, 2]);
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn with_context(words: &WordList, vocab: &Vocab, context: usize) -> Result<Examples> {
        if context == 1 {
            return Examples::new(words, vocab);
        }
        let (mut xs, mut ys) = (Vec::new(), Vec::new());
        for_each_ngram(vocab, words, context, |ctx, y| {
            xs.extend(ctx.iter().map(|&t| t as i64));
            ys.push(y as i64);
        })?;
        Ok(Examples { xs: Tensor::from_slice(&xs).view([-1, context as i64]), ys: Tensor::from_slice(&ys) })
    }

    /// Number of examples.
    pub fn len(&self) -> usize {
        self.ys.size()[0] as usize
    }

    /// Always false for examples built from a [`WordList`] (it holds at least one word).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
