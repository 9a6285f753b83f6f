//! The data as a count-based model sees it: for every context of `context` tokens that
//! occurs, how often each next token follows it. Each word is padded with `context`
//! boundary tokens '.' in front and ends with one '.'. Only contexts that occur are
//! stored, so memory follows the data, not V^context.
//!
//! Counted once from the words, this one table serves the n-gram counts model, the exact
//! gradient of the networks and the evaluation of every model.

use std::collections::HashMap;

use crate::data::vocab::Vocab;
use crate::data::words::WordList;
use crate::error::{Error, Result};

/// The longest context a model may look at.
pub const MAX_CONTEXT: usize = 64;

/// The most cells (contexts seen × vocabulary size) a count table may hold: 2^26, i.e.
/// 256 MB of counts. Larger tables are refused while counting, before they are allocated.
pub const MAX_TABLE_CELLS: usize = 1 << 26;

/// Up to this many cells (V^(context+1)) counting uses a dense array: 16 MB of counts.
const DENSE_CELLS: usize = 1 << 22;

/// Next-token counts for every context that occurs, sorted by context.
///
/// ```
/// use makemore::{NgramTable, Vocab, WordList};
/// let words = WordList::parse("ab\nb", "w")?;
/// let vocab = Vocab::from_words(&words)?; // . a b
/// let t = NgramTable::from_words(&words, &vocab, 1)?;
/// assert_eq!(t.len(), 3);
/// assert_eq!((t.context_at(0), t.row(0)), (&[0][..], &[0, 1, 1][..])); // after '.': a once, b once
/// assert_eq!(t.total(), 5);
/// # Ok::<(), makemore::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct NgramTable {
    context: usize,
    v: usize,
    /// C × context token indices, sorted.
    contexts: Vec<u32>,
    /// C × V counts, row `i` following `contexts[i]`.
    counts: Vec<u32>,
}

/// Refuse a context length outside 1..=[`MAX_CONTEXT`].
pub(crate) fn check_context_len(context: usize) -> Result<usize> {
    if (1..=MAX_CONTEXT).contains(&context) {
        return Ok(context);
    }
    Err(Error::BadParameter { name: "context", value: context.to_string(), expected: "must be from 1 to 64" })
}

fn too_large(contexts: usize, v: usize) -> Error {
    Error::TooLarge(format!(
        "{contexts} distinct contexts × {v} tokens is more than the {MAX_TABLE_CELLS} cells a count table may hold \
         (use a shorter context or a smaller vocabulary)"
    ))
}

impl NgramTable {
    /// Count the n-grams of `words` with the vocabulary's indices.
    ///
    /// ```
    /// let words = makemore::WordList::parse("abc", "w")?;
    /// let vocab = makemore::Vocab::from_words(&words)?;
    /// let t = makemore::NgramTable::from_words(&words, &vocab, 2)?;
    /// assert_eq!(t.find(&[2, 3]).map(|i| t.row(i)[0]), Some(1)); // "bc" then the end
    /// assert!(makemore::NgramTable::from_words(&words, &vocab, 0).is_err());
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn from_words(words: &WordList, vocab: &Vocab, context: usize) -> Result<NgramTable> {
        check_context_len(context)?;
        let v = vocab.len();
        let dense_cells = (v as u64).checked_pow(context as u32 + 1).filter(|&c| c <= DENSE_CELLS as u64);
        if dense_cells.is_some() {
            return NgramTable::count_dense(words, vocab, context);
        }
        let mut index: HashMap<Vec<u32>, usize> = HashMap::new();
        let mut rows: Vec<Vec<u32>> = Vec::new();
        let mut full = false;
        for_each_ngram(vocab, words, context, |ctx, y| {
            let i = match index.get(ctx) {
                Some(&i) => i,
                None => {
                    if (rows.len() + 1) * v > MAX_TABLE_CELLS {
                        full = true;
                        return;
                    }
                    index.insert(ctx.to_vec(), rows.len());
                    rows.push(vec![0; v]);
                    rows.len() - 1
                }
            };
            rows[i][y as usize] += 1;
        })?;
        if full {
            return Err(too_large(rows.len() + 1, v));
        }
        let mut pairs: Vec<(Vec<u32>, Vec<u32>)> =
            index.into_iter().map(|(c, i)| (c, std::mem::take(&mut rows[i]))).collect();
        pairs.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        Ok(NgramTable::from_sorted(context, v, pairs))
    }

    /// Counting into a dense V^context × V array, indexed by the context read as a number
    /// in base V (first token most significant, so index order is context order): the
    /// fast way for short contexts, as fast as the lecture's `N[ix1, ix2] += 1` in Rust.
    fn count_dense(words: &WordList, vocab: &Vocab, context: usize) -> Result<NgramTable> {
        let v = vocab.len();
        let mut dense = vec![0u32; v.pow(context as u32 + 1)];
        let mut at = 0; // the current context's number
        let modulus = v.pow(context as u32 - 1); // dropping the oldest token
        vocab.for_each_bigram(words, |_, y| {
            dense[at * v + y] += 1;
            at = if y == 0 { 0 } else { (at % modulus) * v + y };
        })?;
        let mut contexts = Vec::new();
        let mut counts = Vec::new();
        for (i, row) in dense.chunks(v).enumerate() {
            if row.iter().any(|&c| c > 0) {
                let mut ctx = vec![0u32; context];
                let mut rest = i;
                for t in ctx.iter_mut().rev() {
                    *t = (rest % v) as u32;
                    rest /= v;
                }
                contexts.extend(ctx);
                counts.extend_from_slice(row);
            }
        }
        Ok(NgramTable { context, v, contexts, counts })
    }

    fn from_sorted(context: usize, v: usize, pairs: Vec<(Vec<u32>, Vec<u32>)>) -> NgramTable {
        let contexts = pairs.iter().flat_map(|(c, _)| c.iter().copied()).collect();
        let counts = pairs.into_iter().flat_map(|(_, r)| r).collect();
        NgramTable { context, v, contexts, counts }
    }

    /// Rebuild from stored rows (as in a model file), checking that every context has
    /// `context` tokens below `v`, every row `v` counts, and no context appears twice.
    ///
    /// ```
    /// let t = makemore::NgramTable::from_rows(2, 1, vec![(vec![1], vec![1, 0]), (vec![0], vec![0, 3])])?;
    /// assert_eq!(t.context_at(0), [0]); // sorted
    /// assert!(makemore::NgramTable::from_rows(2, 1, vec![(vec![0], vec![1]), (vec![0], vec![1])]).is_err());
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn from_rows(v: usize, context: usize, mut rows: Vec<(Vec<u32>, Vec<u32>)>) -> Result<NgramTable> {
        check_context_len(context)?;
        if rows.len().saturating_mul(v) > MAX_TABLE_CELLS {
            return Err(too_large(rows.len(), v));
        }
        for (ctx, row) in &rows {
            if ctx.len() != context || row.len() != v || ctx.iter().any(|&t| t as usize >= v) {
                return Err(Error::BadCounts(format!(
                    "a row does not fit {context} context tokens and {v} next tokens"
                )));
            }
        }
        rows.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        if rows.windows(2).any(|p| p[0].0 == p[1].0) {
            return Err(Error::BadCounts("a context appears twice".into()));
        }
        Ok(NgramTable::from_sorted(context, v, rows))
    }

    /// How many previous tokens each context holds.
    pub fn context_len(&self) -> usize {
        self.context
    }

    /// Number of distinct contexts.
    ///
    /// ```
    /// let words = makemore::WordList::parse("ab", "w")?;
    /// let t = makemore::NgramTable::from_words(&words, &makemore::Vocab::from_words(&words)?, 2)?;
    /// assert_eq!(t.len(), 3); // .. .a ab
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn len(&self) -> usize {
        self.contexts.len() / self.context
    }

    /// True when no context was counted.
    pub fn is_empty(&self) -> bool {
        self.contexts.is_empty()
    }

    /// All contexts, one after the other (C × context token indices).
    ///
    /// ```
    /// let t = makemore::NgramTable::from_rows(2, 1, vec![(vec![1], vec![1, 0]), (vec![0], vec![0, 3])])?;
    /// assert_eq!(t.contexts(), [0, 1]);
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn contexts(&self) -> &[u32] {
        &self.contexts
    }

    /// Context number `i`.
    ///
    /// ```
    /// let t = makemore::NgramTable::from_rows(2, 2, vec![(vec![0, 1], vec![1, 0])])?;
    /// assert_eq!(t.context_at(0), [0, 1]);
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn context_at(&self, i: usize) -> &[u32] {
        &self.contexts[i * self.context..(i + 1) * self.context]
    }

    /// The next-token counts after context number `i`.
    ///
    /// ```
    /// let t = makemore::NgramTable::from_rows(2, 1, vec![(vec![0], vec![0, 3])])?;
    /// assert_eq!(t.row(0), [0, 3]);
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn row(&self, i: usize) -> &[u32] {
        &self.counts[i * self.v..(i + 1) * self.v]
    }

    /// The number of a context, if it occurs (binary search).
    ///
    /// ```
    /// let t = makemore::NgramTable::from_rows(2, 1, vec![(vec![1], vec![1, 0])])?;
    /// assert_eq!((t.find(&[1]), t.find(&[0])), (Some(0), None));
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn find(&self, ctx: &[u32]) -> Option<usize> {
        if ctx.len() != self.context {
            return None;
        }
        let (mut lo, mut hi) = (0, self.len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            match self.context_at(mid).cmp(ctx) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Some(mid),
            }
        }
        None
    }

    /// Total number of n-grams counted.
    ///
    /// ```
    /// let t = makemore::NgramTable::from_rows(2, 1, vec![(vec![0], vec![2, 3])])?;
    /// assert_eq!(t.total(), 5);
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn total(&self) -> u64 {
        self.counts.iter().map(|&c| c as u64).sum()
    }
}

/// Call `f(context, next)` for every n-gram of every word: the word is padded with
/// `context` tokens '.' (index 0) in front and one '.' at the end.
pub(crate) fn for_each_ngram(
    vocab: &Vocab,
    words: &WordList,
    context: usize,
    mut f: impl FnMut(&[u32], u32),
) -> Result<()> {
    check_context_len(context)?;
    let mut ctx = vec![0u32; context];
    vocab.for_each_bigram(words, |_, y| {
        f(&ctx, y as u32);
        if y == 0 {
            ctx.iter_mut().for_each(|t| *t = 0); // the word ended: the next one starts padded
        } else {
            shift(&mut ctx, y as u32);
        }
    })
}

/// Slide a context window one token on: drop the oldest token, append `next`.
pub(crate) fn shift<T: Copy>(window: &mut [T], next: T) {
    window.rotate_left(1);
    if let Some(last) = window.last_mut() {
        *last = next;
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_ngram_of_a_padded_word() -> crate::Result<()> {
        let words = crate::WordList::parse("ab", "w")?;
        let vocab = crate::Vocab::from_words(&words)?;
        let mut seen = Vec::new();
        super::for_each_ngram(&vocab, &words, 2, |ctx, y| seen.push((ctx.to_vec(), y)))?;
        assert_eq!(seen, [(vec![0, 0], 1), (vec![0, 1], 2), (vec![1, 2], 0)]);
        Ok(())
    }

    #[test]
    fn a_window_slides_one_token() {
        let mut window = [0, 5, 7];
        super::shift(&mut window, 9);
        assert_eq!(window, [5, 7, 9]);
    }
}
