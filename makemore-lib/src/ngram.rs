//! Exercise E01: count models with a longer context. The next character depends on
//! the previous `context` characters (1: bigram, 2: trigram, ...); each word starts
//! padded with `context` boundary tokens '.'. Only contexts that occur are stored, so
//! memory follows the data, not V^context.

use std::collections::HashMap;

use tch::Tensor;

use crate::error::{Error, Result, check_param};
use crate::loss::Evaluation;
use crate::vocab::Vocab;
use crate::words::WordList;

/// An n-gram counts model: for each context seen in training, the counts of the next
/// token, smoothed by `k` and normalized: `P(y | ctx) = (c + k) / (Σc + k·V)`.
///
/// ```
/// use makemore::{NgramModel, WordList};
/// let words = WordList::parse("emma\nava", "names")?;
/// let trigram = NgramModel::fit(&words, 2, 0.0)?;
/// assert_eq!(trigram.count("em", 'm'), 1);
/// assert_eq!(trigram.count("..", 'e'), 1);
/// assert_eq!(trigram.total(), 9);
/// # Ok::<(), makemore::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct NgramModel {
    vocab: Vocab,
    context: usize,
    smoothing: f64,
    counts: HashMap<Vec<u32>, Vec<u32>>,
}

impl NgramModel {
    /// Count the n-grams of `words` with its own vocabulary.
    ///
    /// ```
    /// let words = makemore::WordList::parse("ab", "w")?;
    /// assert!(makemore::NgramModel::fit(&words, 0, 1.0).is_err());
    /// assert!(makemore::NgramModel::fit(&words, 2, -1.0).is_err());
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn fit(words: &WordList, context: usize, smoothing: f64) -> Result<NgramModel> {
        NgramModel::fit_with_vocab(words, &Vocab::from_words(words), context, smoothing)
    }

    /// Count with a given vocabulary (e.g. that of all the words, when fitting on a split).
    ///
    /// ```
    /// let all = makemore::WordList::parse("ab\nc", "w")?;
    /// let vocab = makemore::Vocab::from_words(&all);
    /// let part = makemore::WordList::parse("ab", "w")?;
    /// let m = makemore::NgramModel::fit_with_vocab(&part, &vocab, 2, 1.0)?;
    /// assert_eq!(m.vocab().len(), 4);
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn fit_with_vocab(words: &WordList, vocab: &Vocab, context: usize, smoothing: f64) -> Result<NgramModel> {
        let smoothing = check_param("smoothing", smoothing, 0.0, false)?;
        let mut counts: HashMap<Vec<u32>, Vec<u32>> = HashMap::new();
        let v = vocab.len();
        for_each_ngram(vocab, words, context, |ctx, y| {
            counts.entry(ctx.to_vec()).or_insert_with(|| vec![0; v])[y as usize] += 1;
        })?;
        Ok(NgramModel { vocab: vocab.clone(), context, smoothing, counts })
    }

    /// Rebuild from stored rows (as in a model file): each context with its counts.
    ///
    /// ```
    /// let vocab = makemore::Vocab::from_itos(vec!['.', 'a'])?;
    /// let m = makemore::NgramModel::from_rows(vocab, 2, 1.0, vec![(vec![0, 0], vec![0, 3])])?;
    /// assert_eq!(m.count("..", 'a'), 3);
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn from_rows(
        vocab: Vocab,
        context: usize,
        smoothing: f64,
        rows: Vec<(Vec<u32>, Vec<u32>)>,
    ) -> Result<NgramModel> {
        let smoothing = check_param("smoothing", smoothing, 0.0, false)?;
        let v = vocab.len();
        let bad = |why: String| Error::BadCounts(why);
        if context == 0 {
            return Err(bad("the context must be at least 1".into()));
        }
        let mut counts = HashMap::new();
        for (ctx, row) in rows {
            if ctx.len() != context || row.len() != v || ctx.iter().any(|&t| t as usize >= v) {
                return Err(bad(format!("a row does not fit {context} context tokens and {v} next tokens")));
            }
            if counts.insert(ctx, row).is_some() {
                return Err(bad("a context appears twice".into()));
            }
        }
        Ok(NgramModel { vocab, context, smoothing, counts })
    }

    /// The vocabulary.
    ///
    /// ```
    /// let words = makemore::WordList::parse("ab", "w")?;
    /// assert_eq!(makemore::NgramModel::fit(&words, 2, 1.0)?.vocab().len(), 3);
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn vocab(&self) -> &Vocab {
        &self.vocab
    }

    /// How many previous tokens the model looks at.
    ///
    /// ```
    /// let words = makemore::WordList::parse("ab", "w")?;
    /// assert_eq!(makemore::NgramModel::fit(&words, 3, 1.0)?.context(), 3);
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn context(&self) -> usize {
        self.context
    }

    /// The smoothing `k`.
    ///
    /// ```
    /// let words = makemore::WordList::parse("ab", "w")?;
    /// assert_eq!(makemore::NgramModel::fit(&words, 2, 0.1)?.smoothing(), 0.1);
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn smoothing(&self) -> f64 {
        self.smoothing
    }

    /// The stored rows, sorted by context: what a model file holds.
    ///
    /// ```
    /// let words = makemore::WordList::parse("a", "w")?;
    /// let rows = makemore::NgramModel::fit(&words, 1, 0.0)?.rows();
    /// assert_eq!(rows, [(vec![0], vec![0, 1]), (vec![1], vec![1, 0])]);
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn rows(&self) -> Vec<(Vec<u32>, Vec<u32>)> {
        let mut rows: Vec<_> = self.counts.iter().map(|(c, r)| (c.clone(), r.clone())).collect();
        rows.sort();
        rows
    }

    /// How often `next` followed the context `ctx` (a string of `context` characters,
    /// '.' for padding); 0 for anything unseen.
    ///
    /// ```
    /// let words = makemore::WordList::parse("abc", "w")?;
    /// let m = makemore::NgramModel::fit(&words, 2, 1.0)?;
    /// assert_eq!((m.count("ab", 'c'), m.count("bc", '.'), m.count("zz", 'a')), (1, 1, 0));
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn count(&self, ctx: &str, next: char) -> u32 {
        let ids: Option<Vec<u32>> = ctx.chars().map(|c| self.vocab.stoi(c).map(|i| i as u32)).collect();
        match (ids, self.vocab.stoi(next)) {
            (Some(ids), Some(y)) => self.counts.get(&ids).map_or(0, |row| row[y]),
            _ => 0,
        }
    }

    /// Number of n-grams counted (characters plus one end token per word).
    ///
    /// ```
    /// let words = makemore::WordList::parse("ab\nc", "w")?;
    /// assert_eq!(makemore::NgramModel::fit(&words, 3, 1.0)?.total(), 5);
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn total(&self) -> u64 {
        self.counts.values().flatten().map(|&c| c as u64).sum()
    }

    /// Number of distinct contexts seen.
    ///
    /// ```
    /// let words = makemore::WordList::parse("ab", "w")?;
    /// assert_eq!(makemore::NgramModel::fit(&words, 2, 1.0)?.num_contexts(), 3); // .. .a ab
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn num_contexts(&self) -> usize {
        self.counts.len()
    }

    /// `P(· | ctx)` over the vocabulary, float64. An unseen context is uniform when
    /// smoothing, all zero without.
    ///
    /// ```
    /// let words = makemore::WordList::parse("ab", "w")?;
    /// let m = makemore::NgramModel::fit(&words, 2, 0.0)?;
    /// assert_eq!(m.next_probs(&[0, 1]), [0.0, 0.0, 1.0]); // after ".a" always 'b'
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn next_probs(&self, ctx: &[u32]) -> Vec<f64> {
        let v = self.vocab.len();
        let k = self.smoothing;
        match self.counts.get(ctx) {
            Some(row) => {
                let total: f64 = row.iter().map(|&c| c as f64).sum::<f64>() + k * v as f64;
                row.iter().map(|&c| (c as f64 + k) / total).collect()
            }
            None if k > 0.0 => vec![1.0 / v as f64; v],
            None => vec![0.0; v],
        }
    }

    /// Average NLL per n-gram of `words` (infinite if some n-gram has probability 0).
    ///
    /// ```
    /// let words = makemore::WordList::parse("ab\nab", "w")?;
    /// let m = makemore::NgramModel::fit(&words, 2, 0.0)?;
    /// assert_eq!(m.evaluate(&words)?.nll, 0.0); // every trigram was certain
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn evaluate(&self, words: &WordList) -> Result<Evaluation> {
        let mut cache: HashMap<Vec<u32>, Vec<f64>> = HashMap::new();
        let (mut sum, mut n, mut zero_prob) = (0.0f64, 0usize, 0usize);
        for_each_ngram(&self.vocab, words, self.context, |ctx, y| {
            let p = cache.entry(ctx.to_vec()).or_insert_with(|| self.next_probs(ctx))[y as usize];
            if p == 0.0 {
                zero_prob += 1;
            }
            sum += p.ln();
            n += 1;
        })?;
        Ok(Evaluation { nll: -sum / n as f64, n, words: words.len(), zero_prob })
    }

    /// Make `num` words after seeding with `seed`: one `multinomial` draw per character
    /// from the float32 probabilities of the current context. With context 1 and a whole
    /// number as smoothing these are exactly the [`crate::CountsModel`]'s words.
    ///
    /// ```
    /// let words = makemore::WordList::parse("abc\nabd", "w")?;
    /// let m = makemore::NgramModel::fit(&words, 2, 0.0)?;
    /// let names = m.sample(10, 1);
    /// assert!(names.iter().all(|n| n == "abc" || n == "abd"));
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn sample(&self, num: usize, seed: i64) -> Vec<String> {
        let mut rows: HashMap<Vec<u32>, Tensor> = HashMap::new();
        crate::sample::sample_with_context(&self.vocab, self.context, num, seed, |ctx| {
            rows.entry(ctx.to_vec()).or_insert_with(|| self.probs_f32(ctx)).shallow_clone()
        })
    }

    /// The row as the lecture computes `P`: `(N + k)` in float32, divided by its float32 sum.
    fn probs_f32(&self, ctx: &[u32]) -> Tensor {
        let v = self.vocab.len();
        let row: Vec<f32> = match self.counts.get(ctx) {
            Some(row) => row.iter().map(|&c| c as f32 + self.smoothing as f32).collect(),
            None => vec![1.0; v],
        };
        let row = Tensor::from_slice(&row);
        &row / row.sum(tch::Kind::Float)
    }
}

/// Call `f(context, next)` for every n-gram of every word: the word is padded with
/// `context` tokens '.' (index 0) in front and one '.' at the end.
///
/// ```
/// let words = makemore::WordList::parse("ab", "w")?;
/// let vocab = makemore::Vocab::from_words(&words);
/// let mut seen = Vec::new();
/// makemore::ngram::for_each_ngram(&vocab, &words, 2, |ctx, y| seen.push((ctx.to_vec(), y)))?;
/// assert_eq!(seen, [(vec![0, 0], 1), (vec![0, 1], 2), (vec![1, 2], 0)]);
/// # Ok::<(), makemore::Error>(())
/// ```
pub fn for_each_ngram(vocab: &Vocab, words: &WordList, context: usize, mut f: impl FnMut(&[u32], u32)) -> Result<()> {
    if context == 0 {
        return Err(Error::BadParameter { name: "context", value: "0".into(), expected: "must be at least 1" });
    }
    let mut ctx = vec![0u32; context];
    let mut first = true;
    vocab.for_each_bigram(words, |x, y| {
        if first {
            ctx.iter_mut().for_each(|t| *t = 0);
            first = false;
        }
        debug_assert_eq!(ctx[context - 1] as usize, x);
        f(&ctx, y as u32);
        if y == 0 {
            first = true; // the word ended: the next bigram starts a new word
        } else {
            ctx.remove(0);
            ctx.push(y as u32);
        }
    })
}
