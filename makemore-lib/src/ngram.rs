//! Exercise E01: count models with a longer context. The next character depends on
//! the previous `context` characters (1: bigram, 2: trigram, ...), counted in a
//! [`ContextCounts`] table and normalized like the lecture's `P`.

use tch::Tensor;

use crate::contexts::{ContextCounts, check_context};
use crate::error::{Error, Result};
use crate::model::{
    DEFAULT_SMOOTHING, LanguageModel, ModelKind, Parameters, StoredData, check_contexts, check_smoothing,
};
use crate::vocab::Vocab;
use crate::words::WordList;

/// How an n-gram counts model is fitted: the context length and the smoothing `k`.
///
/// ```
/// let cfg = makemore::CountsConfig { context: 2, ..Default::default() };
/// assert_eq!(cfg.smoothing, 1.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CountsConfig {
    /// How many previous characters predict the next (1: bigram, 2: trigram, ...).
    pub context: usize,
    /// Added to every count before normalizing: 0 or from 1e-6 to 1e6
    /// ([`crate::SMOOTHING_RANGE`]).
    pub smoothing: f64,
}

impl Default for CountsConfig {
    fn default() -> Self {
        CountsConfig { context: 1, smoothing: DEFAULT_SMOOTHING }
    }
}

/// An n-gram counts model: for each context seen in training, the counts of the next
/// token, smoothed by `k` and normalized: `P(y | ctx) = (c + k) / (Σc + k·V)`. A context
/// never seen is uniform when smoothing (it has only the `k`s).
///
/// ```
/// use makemore::{CountsConfig, NgramModel, Vocab, WordList};
/// let words = WordList::parse("emma\nava", "names")?;
/// let trigram = NgramModel::fit(&words, &Vocab::from_words(&words)?, CountsConfig { context: 2, smoothing: 0.0 })?;
/// assert_eq!(trigram.count("em", 'm'), 1);
/// assert_eq!(trigram.count("..", 'e'), 1);
/// assert_eq!(trigram.counts().total(), 9);
/// # Ok::<(), makemore::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct NgramModel {
    vocab: Vocab,
    smoothing: f64,
    counts: ContextCounts,
}

impl NgramModel {
    /// Count the n-grams of `words` with the vocabulary's indices (e.g. that of all the
    /// words, when fitting on a split).
    ///
    /// ```
    /// use makemore::{CountsConfig, NgramModel, Vocab, WordList};
    /// let words = WordList::parse("ab", "w")?;
    /// let vocab = Vocab::from_words(&words)?;
    /// assert!(NgramModel::fit(&words, &vocab, CountsConfig { context: 0, smoothing: 1.0 }).is_err());
    /// assert!(NgramModel::fit(&words, &vocab, CountsConfig { context: 2, smoothing: -1.0 }).is_err());
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn fit(words: &WordList, vocab: &Vocab, cfg: CountsConfig) -> Result<NgramModel> {
        check_smoothing(cfg.smoothing)?;
        check_context(cfg.context)?;
        NgramModel::new(vocab, ContextCounts::from_words(words, vocab, cfg.context)?, cfg.smoothing)
    }

    /// A model from a count table (as read from a model file). Without smoothing, a
    /// stored row of zeros, or a context that a stored count leads to but that has no
    /// row, would have no probabilities: refused, as is a table that can never end a word.
    ///
    /// ```
    /// use makemore::{ContextCounts, NgramModel, Vocab};
    /// let vocab = Vocab::from_itos(vec!['.', 'a'])?;
    /// let rows = vec![(vec![0, 0], vec![0, 3]), (vec![0, 1], vec![3, 0])];
    /// let m = NgramModel::new(&vocab, ContextCounts::from_rows(2, 2, rows)?, 1.0)?;
    /// assert_eq!(m.count("..", 'a'), 3);
    /// // without smoothing, ".a" leads to "aa" after 'a', which has no counts... here it never does:
    /// let loops = vec![(vec![0, 0], vec![0, 3]), (vec![0, 1], vec![0, 3]), (vec![1, 1], vec![0, 3])];
    /// let err = NgramModel::new(&vocab, ContextCounts::from_rows(2, 2, loops)?, 0.0).unwrap_err();
    /// assert!(err.to_string().contains("never end"));
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn new(vocab: &Vocab, counts: ContextCounts, smoothing: f64) -> Result<NgramModel> {
        let smoothing = check_smoothing(smoothing)?;
        let v = vocab.len();
        if !counts.is_empty() && counts.row(0).len() != v {
            return Err(Error::BadCounts(format!("its rows do not have {v} next tokens")));
        }
        let context = counts.context();
        if smoothing == 0.0 {
            let name = |ctx: &[u32]| ctx.iter().map(|&t| vocab.itos(t as usize)).collect::<String>();
            if counts.find(&vec![0; context]).is_none() {
                return Err(Error::BadCounts("the start context has no counts, so no word can begin".into()));
            }
            for i in 0..counts.len() {
                let (ctx, row) = (counts.context_at(i), counts.row(i));
                if row.iter().all(|&c| c == 0) {
                    return Err(Error::BadCounts(format!(
                        "the context {:?} has only zero counts, so no probabilities without smoothing",
                        name(ctx)
                    )));
                }
                for (y, _) in row.iter().enumerate().filter(|&(y, &c)| y > 0 && c > 0) {
                    let mut after = ctx.to_vec();
                    after.rotate_left(1);
                    after[context - 1] = y as u32;
                    if counts.find(&after).is_none() {
                        return Err(Error::BadCounts(format!(
                            "{:?} can follow {:?}, but the context {:?} it makes has no counts",
                            vocab.itos(y),
                            name(ctx),
                            name(&after)
                        )));
                    }
                }
            }
            let next = |ctx: &[u32]| match counts.find(ctx) {
                Some(i) => (0..v as u32).filter(|&y| counts.row(i)[y as usize] > 0).collect(),
                None => vec![],
            };
            crate::reachable::check_can_end(context, next)?;
        }
        Ok(NgramModel { vocab: vocab.clone(), smoothing, counts })
    }

    /// The smoothing `k`.
    ///
    /// ```
    /// use makemore::{CountsConfig, NgramModel, Vocab, WordList};
    /// let words = WordList::parse("ab", "w")?;
    /// let m = NgramModel::fit(&words, &Vocab::from_words(&words)?, CountsConfig { context: 2, smoothing: 0.1 })?;
    /// assert_eq!(m.smoothing(), 0.1);
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn smoothing(&self) -> f64 {
        self.smoothing
    }

    /// The count table.
    ///
    /// ```
    /// use makemore::{CountsConfig, NgramModel, Vocab, WordList};
    /// let words = WordList::parse("ab", "w")?;
    /// let m = NgramModel::fit(&words, &Vocab::from_words(&words)?, CountsConfig { context: 2, smoothing: 1.0 })?;
    /// assert_eq!(m.counts().len(), 3); // .. .a ab
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn counts(&self) -> &ContextCounts {
        &self.counts
    }

    /// How often `next` followed the context `ctx` (a string of `context` characters,
    /// '.' for padding); 0 for anything unseen.
    ///
    /// ```
    /// use makemore::{CountsConfig, NgramModel, Vocab, WordList};
    /// let words = WordList::parse("abc", "w")?;
    /// let m = NgramModel::fit(&words, &Vocab::from_words(&words)?, CountsConfig { context: 2, smoothing: 1.0 })?;
    /// assert_eq!((m.count("ab", 'c'), m.count("bc", '.'), m.count("zz", 'a')), (1, 1, 0));
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn count(&self, ctx: &str, next: char) -> u32 {
        let ids: Option<Vec<u32>> = ctx.chars().map(|c| self.vocab.stoi(c).map(|i| i as u32)).collect();
        match (ids.and_then(|ids| self.counts.find(&ids)), self.vocab.stoi(next)) {
            (Some(i), Some(y)) => self.counts.row(i)[y],
            _ => 0,
        }
    }
}

impl LanguageModel for NgramModel {
    fn vocab(&self) -> &Vocab {
        &self.vocab
    }
    fn context(&self) -> usize {
        self.counts.context()
    }
    fn kind(&self) -> ModelKind {
        ModelKind::Counts
    }
    /// Each row as the lecture computes `P`: `(N + k)` in float32, divided by its sum.
    fn probs(&self, contexts: &[i64]) -> Result<Tensor> {
        let (v, n) = (self.vocab.len(), self.context());
        let c = check_contexts(contexts, n, v)?;
        let k = self.smoothing as f32;
        let mut rows = Vec::with_capacity(c * v);
        for ctx in contexts.chunks(n) {
            let ctx: Vec<u32> = ctx.iter().map(|&t| t as u32).collect();
            match self.counts.find(&ctx) {
                Some(i) => rows.extend(self.counts.row(i).iter().map(|&x| x as f32 + k)),
                None => rows.extend(std::iter::repeat_n(k, v)),
            }
        }
        let rows = Tensor::from_slice(&rows).view([c as i64, v as i64]);
        let sums = rows.f_sum_dim_intlist([1i64].as_slice(), true, tch::Kind::Float)?;
        Ok(rows.f_div(&sums)?)
    }
    fn parameters(&self) -> Parameters {
        let (v, n, c) = (self.vocab.len(), self.context(), self.counts.len());
        let contexts = self.counts.contexts().iter().map(|&t| t as i64).collect();
        let counts = (0..c).flat_map(|i| self.counts.row(i).iter().map(|&x| x as i64)).collect();
        Parameters {
            smoothing: Some(self.smoothing),
            tensors: vec![("contexts", [c, n], StoredData::Ints(contexts)), ("N", [c, v], StoredData::Ints(counts))],
        }
    }
}
