//! The counts kind: count what follows each context of `context_len` characters, add a
//! smoothing `k` to every count and normalize each row, `P(y | ctx) = (c + k) / (Σc + k·V)`.
//! One type, [`CountsModel`], for every context: the lecture's first model is context 1
//! (its `P` the lecture's V×V matrix, [`LanguageModel::probs_matrix`]); longer contexts are
//! exercise E01. The counts are kept in an [`NgramTable`], which holds only the contexts
//! that occur.

use tch::{Kind as DType, Tensor};

use crate::counting::bigram::BigramCounts;
use crate::counting::ngrams::{NgramTable, check_context_len, shift};
use crate::counting::reachable::check_can_end;
use crate::data::vocab::Vocab;
use crate::data::words::WordList;
use crate::error::{Error, Result, show};
use crate::models::kind::{Fitting, LanguageModel, ModelKind, check_bigram, count_contexts};
use crate::models::stored::{Stored, StoredData, StoredFile, StoredTensor};

/// The counts kind's hyper-parameters: the context length and the smoothing `k`. Its
/// fields are the CLI's `--smoothing` (the context is the CLI's `--context`).
///
/// ```
/// let cfg = makemore::NgramConfig { context_len: 2, ..Default::default() };
/// assert_eq!(cfg.smoothing, 1.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, clap::Args)]
pub struct NgramConfig {
    /// How many previous characters predict the next (1: bigram, 2: trigram, ...).
    #[arg(skip = NgramConfig::DEFAULT.context_len)]
    pub context_len: usize,
    /// Added to every count before normalizing (0, or 1e-6 to 1e6).
    #[arg(long, default_value_t = NgramConfig::DEFAULT.smoothing, allow_negative_numbers = true)]
    pub smoothing: f64,
}

impl NgramConfig {
    /// The lecture's choices: a bigram, smoothing 1 (the lecture's `N + 1`).
    pub const DEFAULT: NgramConfig = NgramConfig { context_len: 1, smoothing: DEFAULT_SMOOTHING };
}

impl Default for NgramConfig {
    fn default() -> Self {
        NgramConfig::DEFAULT
    }
}

impl ModelKind for NgramConfig {
    const NAME: &'static str = "counts";
    const TUNED: &'static str = "smoothing";
    const HEADING: &'static str = "Counts model";
    fn context_len(&self) -> usize {
        self.context_len
    }
    fn set_context_len(&mut self, context_len: usize) {
        self.context_len = context_len;
    }
    fn set_tuned(&mut self, value: f64) {
        self.smoothing = value;
    }
    fn steps(&self) -> Option<usize> {
        None
    }
    fn summary(&self) -> String {
        format!("smoothing {}", self.smoothing)
    }
    fn settings(&self) -> serde_json::Value {
        serde_json::json!({ "smoothing": self.smoothing })
    }
    fn validate(&self) -> Result<()> {
        check_context_len(self.context_len)?;
        check_smoothing(self.smoothing)?;
        Ok(())
    }
    fn fit(&self, words: &WordList, vocab: &Vocab, _: &mut Fitting) -> Result<Box<dyn LanguageModel>> {
        Ok(Box::new(CountsModel::fit(words, vocab, *self)?))
    }
    /// `smoothing`, and `N` (V×V) for context 1, `contexts` (C×n) and `N` (C×V) for longer ones.
    fn load(file: &StoredFile) -> Result<Box<dyn LanguageModel>> {
        let (vocab, v, n) = (file.vocab(), file.vocab().len(), file.context_len());
        // the counts are u32 and the lecture's `N` int32: a count above i32::MAX fits neither
        let counts_ok = |c: &[i64]| c.iter().all(|&c| (0..=i32::MAX as i64).contains(&c));
        let to_u32 = |c: &[i64]| c.iter().map(|&x| x as u32).collect::<Vec<u32>>();
        let rows: Vec<(Vec<u32>, Vec<u32>)> = if n == 1 {
            // the lecture's dense V×V `N`: row `i` follows token `i`; rows of zeros were never seen
            file.expect_tensors(&["N"])?;
            let (counts, _) = file.ints("N", &[Some(v), Some(v)])?;
            if !counts_ok(&counts) {
                return Err(file.bad("its counts are negative or too large"));
            }
            let seen = counts.chunks(v).enumerate().filter(|(_, r)| r.iter().any(|&c| c > 0));
            seen.map(|(i, r)| (vec![i as u32], to_u32(r))).collect()
        } else {
            file.expect_tensors(&["N", "contexts"])?;
            let (contexts, shape) = file.ints("contexts", &[None, Some(n)])?;
            let (counts, _) = file.ints("N", &[Some(shape[0]), Some(v)])?;
            if !counts_ok(&counts) || !counts_ok(&contexts) {
                return Err(file.bad("its contexts or counts are negative or too large"));
            }
            contexts.chunks(n).zip(counts.chunks(v)).map(|(c, r)| (to_u32(c), to_u32(r))).collect()
        };
        let table = NgramTable::from_rows(v, n, rows).map_err(|e| file.bad(e))?;
        Ok(Box::new(CountsModel::new(vocab, table, file.meta_f64("smoothing")?).map_err(|e| file.bad(e))?))
    }
}

/// `P = (N + k) / N.sum(1, keepdim=True)`: each row of counts, smoothed by `k`,
/// divided by its own sum (broadcasting a V×1 column over V×V). Float32, as the lecture.
///
/// ```
/// let n = tch::Tensor::from_slice(&[0i32, 3, 1, 1]).view([2, 2]);
/// let p = makemore::normalize_rows(&n, 1.0);
/// assert_eq!(Vec::<f32>::try_from(&p.flatten(0, 1)).unwrap(), [0.2, 0.8, 0.5, 0.5]);
/// ```
pub fn normalize_rows(n: &Tensor, smoothing: f64) -> Tensor {
    let p = n.to_kind(DType::Float) + smoothing;
    let sums = p.sum_dim_intlist([1i64].as_slice(), true, DType::Float);
    p / sums
}

/// The lecture's broadcasting bug: `N / N.sum(1)` without `keepdim`. The row sums
/// (shape `[V]`) broadcast as a row `[1, V]`, so every *column* `j` is divided by
/// row `j`'s sum and the rows no longer sum to 1.
///
/// ```
/// let n = tch::Tensor::from_slice(&[0i32, 3, 1, 1]).view([2, 2]);
/// let wrong = makemore::normalize_rows_keepdim_bug(&n, 0.0);
/// // row 0 is [0/3, 3/2]: it sums to 1.5, not 1
/// assert_eq!(Vec::<f32>::try_from(&wrong.flatten(0, 1)).unwrap(), [0.0, 1.5, 1.0 / 3.0, 0.5]);
/// ```
pub fn normalize_rows_keepdim_bug(n: &Tensor, smoothing: f64) -> Tensor {
    let p = n.to_kind(DType::Float) + smoothing;
    let sums = p.sum_dim_intlist([1i64].as_slice(), false, DType::Float);
    p / sums
}

/// The default smoothing: the lecture's `N + 1`.
pub(crate) const DEFAULT_SMOOTHING: f64 = 1.0;

/// The range of smoothing a counts model accepts: 0, or from 1e-6 to 1e6.
///
/// The probabilities are float32, `(c + k) / (Σc + k·V)`, and outside this range the
/// smoothing stops meaning what it says. Float32 keeps 24 bits, so `c + k` is just `c`
/// once `k` is below half a unit in the last place of `c`: at 1e-6 every count from 32
/// up already absorbs it, and below 1e-45 `k` itself rounds to 0, leaving an unsmoothed
/// model that was never checked as one. Above 1e6 the smoothing swamps any row of
/// names.txt (largest row sum 18,327) to uniform within 0.1%, and towards 3e38 the row
/// sums overflow to infinity and every probability becomes 0 or NaN.
pub const SMOOTHING_RANGE: (f64, f64) = (1e-6, 1e6);

/// Check a smoothing against [`SMOOTHING_RANGE`].
pub(crate) fn check_smoothing(k: f64) -> Result<f64> {
    // NaN is in no range, so it is refused too
    if k != 0.0 && !(SMOOTHING_RANGE.0..=SMOOTHING_RANGE.1).contains(&k) {
        return Err(Error::BadParameter {
            name: "smoothing",
            value: show(k),
            expected: "must be 0 or from 1e-6 to 1e6 (float32 loses it outside)",
        });
    }
    Ok(k)
}

/// The counts model: for each context seen in training, the counts of the next token,
/// smoothed by `k` and normalized: `P(y | ctx) = (c + k) / (Σc + k·V)`. A context never
/// seen is uniform when smoothing (it has only the `k`s), and all zeros without. Context 1
/// is the lecture's bigram model, `P = (N + k) / N.sum(1, keepdim=True)`.
///
/// ```
/// use makemore::{CountsModel, LanguageModel, Item};
/// let words = makemore::WordList::parse("ab\nab", "w")?;
/// let model = CountsModel::bigram(&words, 0.0)?;
/// assert_eq!(model.probs_matrix()?.get(1).get(2).item(), 1.0); // 'a' is always followed by 'b'
/// # Ok::<(), makemore::Error>(())
/// ```
///
/// ```
/// use makemore::{CountsModel, NgramConfig, Vocab, WordList, evaluate};
/// let words = WordList::parse("ab", "w")?;
/// let m = CountsModel::fit(&words, &Vocab::from_words(&words)?, NgramConfig { context_len: 2, smoothing: 0.0 })?;
/// let e = evaluate(&m, &WordList::parse("ba", "test")?)?; // ".b" was never seen
/// assert!(e.nll.is_infinite() && e.zero_prob == 3);
/// # Ok::<(), makemore::Error>(())
/// ```
///
/// ```
/// use makemore::{CountsModel, NgramConfig, Vocab, WordList};
/// let words = WordList::parse("emma\nava", "names")?;
/// let trigram = CountsModel::fit(&words, &Vocab::from_words(&words)?, NgramConfig { context_len: 2, smoothing: 0.0 })?;
/// assert_eq!(trigram.count("em", 'm'), 1);
/// assert_eq!(trigram.count("..", 'e'), 1);
/// assert_eq!(trigram.table().total(), 9);
/// # Ok::<(), makemore::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct CountsModel {
    vocab: Vocab,
    smoothing: f64,
    table: NgramTable,
}

impl CountsModel {
    /// The lecture's model: count the bigrams of `words` (with their own vocabulary) and
    /// normalize with smoothing `k`: 0 (the raw frequencies) or from 1e-6 to 1e6
    /// ([`SMOOTHING_RANGE`]; the lecture uses 1).
    ///
    /// ```
    /// let words = makemore::WordList::parse("ab", "w")?;
    /// assert_eq!(makemore::CountsModel::bigram(&words, 1.0)?.table().total(), 3);
    /// assert!(makemore::CountsModel::bigram(&words, -1.0).is_err());
    /// assert!(makemore::CountsModel::bigram(&words, f64::NAN).is_err());
    /// assert!(makemore::CountsModel::bigram(&words, 1e38).is_err());
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn bigram(words: &WordList, smoothing: f64) -> Result<CountsModel> {
        CountsModel::fit(words, &Vocab::from_words(words)?, NgramConfig { context_len: 1, smoothing })
    }

    /// Count the n-grams of `words` with the vocabulary's indices (e.g. that of all the
    /// words, when fitting on a split).
    ///
    /// ```
    /// use makemore::{CountsModel, NgramConfig, Vocab, WordList};
    /// let words = WordList::parse("ab", "w")?;
    /// let vocab = Vocab::from_words(&words)?;
    /// assert!(CountsModel::fit(&words, &vocab, NgramConfig { context_len: 0, smoothing: 1.0 }).is_err());
    /// assert!(CountsModel::fit(&words, &vocab, NgramConfig { context_len: 2, smoothing: -1.0 }).is_err());
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn fit(words: &WordList, vocab: &Vocab, cfg: NgramConfig) -> Result<CountsModel> {
        cfg.validate()?;
        CountsModel::new(vocab, NgramTable::from_words(words, vocab, cfg.context_len)?, cfg.smoothing)
    }

    /// A model from a count table (as read from a model file). Without smoothing, a
    /// stored row of zeros, or a context that a stored count leads to but that has no
    /// row, would have no probabilities: refused, as is a table that can never end a word.
    ///
    /// ```
    /// use makemore::{CountsModel, NgramTable, Vocab};
    /// let vocab = Vocab::from_itos(vec!['.', 'a'])?;
    /// let rows = vec![(vec![0, 0], vec![0, 3]), (vec![0, 1], vec![3, 0])];
    /// let m = CountsModel::new(&vocab, NgramTable::from_rows(2, 2, rows)?, 1.0)?;
    /// assert_eq!(m.count("..", 'a'), 3);
    /// // without smoothing, ".a" leads to "aa" after 'a', which has no counts... here it never does:
    /// let loops = vec![(vec![0, 0], vec![0, 3]), (vec![0, 1], vec![0, 3]), (vec![1, 1], vec![0, 3])];
    /// let err = CountsModel::new(&vocab, NgramTable::from_rows(2, 2, loops)?, 0.0).unwrap_err();
    /// assert!(err.to_string().contains("never end"));
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn new(vocab: &Vocab, table: NgramTable, smoothing: f64) -> Result<CountsModel> {
        let smoothing = check_smoothing(smoothing)?;
        let v = vocab.len();
        if !table.is_empty() && table.row(0).len() != v {
            return Err(Error::BadCounts(format!("its rows do not have {v} next tokens")));
        }
        let context_len = table.context_len();
        if smoothing == 0.0 {
            let name = |ctx: &[u32]| ctx.iter().map(|&t| vocab.itos(t as usize)).collect::<String>();
            if table.find(&vec![0; context_len]).is_none() {
                return Err(Error::BadCounts("the start context has no counts, so no word can begin".into()));
            }
            for i in 0..table.len() {
                let (ctx, row) = (table.context_at(i), table.row(i));
                if row.iter().all(|&c| c == 0) {
                    return Err(Error::BadCounts(format!(
                        "the context {:?} has only zero counts, so no probabilities without smoothing",
                        name(ctx)
                    )));
                }
                for (y, _) in row.iter().enumerate().filter(|&(y, &c)| y > 0 && c > 0) {
                    let mut after = ctx.to_vec();
                    shift(&mut after, y as u32);
                    if table.find(&after).is_none() {
                        return Err(Error::BadCounts(format!(
                            "{:?} can follow {:?}, but the context {:?} it makes has no counts",
                            vocab.itos(y),
                            name(ctx),
                            name(&after)
                        )));
                    }
                }
            }
            let next = |ctx: &[u32]| match table.find(ctx) {
                Some(i) => (0..v as u32).filter(|&y| table.row(i)[y as usize] > 0).collect(),
                None => vec![],
            };
            check_can_end(context_len, next)?;
        }
        Ok(CountsModel { vocab: vocab.clone(), smoothing, table })
    }

    /// The smoothing `k`.
    pub fn smoothing(&self) -> f64 {
        self.smoothing
    }

    /// The count table.
    pub fn table(&self) -> &NgramTable {
        &self.table
    }

    /// The lecture's `N` (V×V) of a bigram model (context 1); longer contexts are refused.
    ///
    /// ```
    /// let words = makemore::WordList::parse("ab", "w")?;
    /// let model = makemore::CountsModel::bigram(&words, 1.0)?;
    /// assert_eq!(model.bigram_counts()?.get('a', 'b'), 1);
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn bigram_counts(&self) -> Result<BigramCounts> {
        check_bigram(self.context_len(), "the bigram counts N need a bigram model (context 1)")?;
        let v = self.vocab.len() as i64;
        let n = Tensor::from_slice(&self.dense_counts()).view([v, v]);
        BigramCounts::from_tensor(&self.vocab, n)
    }

    /// The counts of every context the table holds, in context order, with a row of zeros
    /// for each context it does not (V^context × V: only for context 1).
    fn dense_counts(&self) -> Vec<i64> {
        let v = self.vocab.len();
        let mut n = vec![0i64; v * v];
        for i in 0..self.table.len() {
            let at = self.table.context_at(i)[0] as usize * v;
            n[at..at + v].iter_mut().zip(self.table.row(i)).for_each(|(x, &c)| *x = c as i64);
        }
        n
    }

    /// How often `next` followed the context `ctx` (a string of `context` characters,
    /// '.' for padding); 0 for anything unseen.
    ///
    /// ```
    /// use makemore::{CountsModel, NgramConfig, Vocab, WordList};
    /// let words = WordList::parse("abc", "w")?;
    /// let m = CountsModel::fit(&words, &Vocab::from_words(&words)?, NgramConfig { context_len: 2, smoothing: 1.0 })?;
    /// assert_eq!((m.count("ab", 'c'), m.count("bc", '.'), m.count("zz", 'a')), (1, 1, 0));
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn count(&self, ctx: &str, next: char) -> u32 {
        let ids: Option<Vec<u32>> = ctx.chars().map(|c| self.vocab.stoi(c).map(|i| i as u32)).collect();
        match (ids.and_then(|ids| self.table.find(&ids)), self.vocab.stoi(next)) {
            (Some(i), Some(y)) => self.table.row(i)[y],
            _ => 0,
        }
    }
}

impl LanguageModel for CountsModel {
    fn vocab(&self) -> &Vocab {
        &self.vocab
    }
    fn context_len(&self) -> usize {
        self.table.context_len()
    }
    fn kind(&self) -> &'static str {
        NgramConfig::NAME
    }
    /// Each row as the lecture computes `P`: `(N + k)` in float32, divided by its sum.
    fn probs(&self, contexts: &[i64]) -> Result<Tensor> {
        let (v, n) = (self.vocab.len(), self.context_len());
        let c = count_contexts(contexts, n, v)?;
        let k = self.smoothing as f32;
        let mut rows = Vec::with_capacity(c * v);
        for ctx in contexts.chunks(n) {
            let ctx: Vec<u32> = ctx.iter().map(|&t| t as u32).collect();
            match self.table.find(&ctx) {
                Some(i) => rows.extend(self.table.row(i).iter().map(|&x| x as f32 + k)),
                None => rows.extend(std::iter::repeat_n(k, v)),
            }
        }
        let rows = Tensor::from_slice(&rows).view([c as i64, v as i64]);
        let sums = rows.f_sum_dim_intlist([1i64].as_slice(), true, DType::Float)?;
        // an unseen context without smoothing is all zeros: keep it 0, not 0/0
        Ok(rows.f_div(&sums.f_clamp_min(f64::from(f32::MIN_POSITIVE))?)?)
    }
    /// Context 1: the lecture's `N`, V×V; longer contexts: the `contexts` seen, C×n, and
    /// their counts `N`, C×V.
    fn stored(&self) -> Result<Stored> {
        let (v, n, c) = (self.vocab.len(), self.context_len(), self.table.len());
        let meta = vec![("smoothing", self.smoothing.to_string())];
        if n == 1 {
            let counts =
                StoredTensor { name: "N".into(), shape: vec![v, v], data: StoredData::Ints(self.dense_counts()) };
            return Ok(Stored { meta, tensors: vec![counts] });
        }
        let contexts = self.table.contexts().iter().map(|&t| t as i64).collect();
        let counts = (0..c).flat_map(|i| self.table.row(i).iter().map(|&x| x as i64)).collect();
        Ok(Stored {
            meta,
            tensors: vec![
                StoredTensor { name: "contexts".into(), shape: vec![c, n], data: StoredData::Ints(contexts) },
                StoredTensor { name: "N".into(), shape: vec![c, v], data: StoredData::Ints(counts) },
            ],
        })
    }
}
