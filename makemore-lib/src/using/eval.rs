//! How good is a model? The average negative log likelihood of the data's n-grams:
//! [`evaluate`] for any model, and the lecture's bigram loop and per-word look.

use std::collections::HashMap;

use crate::counting::ngrams::NgramTable;
use crate::data::words::WordList;
use crate::error::Result;
use crate::item::Item;
use crate::models::kind::LanguageModel;

/// Contexts whose log-probabilities [`evaluate`] asks a model for at once are limited to
/// this many cells (contexts × [`LanguageModel::cells_per_context`]): 4M float32 values, 16 MB.
const EVAL_CHUNK_CELLS: usize = 1 << 22;

/// The lecture's NLL loop, summed in float32 exactly as the video's Python does
/// (`log_likelihood += torch.log(P[ix1, ix2])`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LoopNll {
    /// `-Σ log P[x, y]`, accumulated in float32.
    pub total: f32,
    /// `total / n`, in float32.
    pub average: f32,
    /// Number of bigrams.
    pub n: usize,
}

/// Negative log likelihood with the lecture's loop: one `torch.log` per bigram,
/// accumulated in float32, so the digits match the video's printout.
///
/// ```
/// let words = makemore::WordList::parse("ab", "w")?;
/// let model = makemore::CountsModel::bigram(&words, 0.0)?;
/// let nll = makemore::nll_loop(&model, &words)?;
/// assert_eq!((nll.total, nll.n), (0.0, 3)); // every bigram had probability 1
/// # Ok::<(), makemore::Error>(())
/// ```
pub fn nll_loop<M: LanguageModel + ?Sized>(model: &M, words: &WordList) -> Result<LoopNll> {
    let p = model.probs_matrix()?;
    let (xs, ys) = model.vocab().bigram_indices(words)?;
    // torch.log of each distinct P[x, y] once, as the 0-dim tensor op the lecture runs
    let mut logs: HashMap<(i64, i64), f32> = HashMap::new();
    let mut log_likelihood = 0.0f32;
    for (&x, &y) in xs.iter().zip(&ys) {
        let logp = *logs.entry((x, y)).or_insert_with(|| p.get(x).get(y).log().item() as f32);
        log_likelihood += logp;
    }
    let total = -log_likelihood;
    Ok(LoopNll { total, average: total / xs.len() as f32, n: xs.len() })
}

/// The result of evaluating a model on a word list.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Evaluation {
    /// Average negative log likelihood per n-gram (infinite when one has probability 0).
    pub nll: f64,
    /// Number of n-grams (characters plus one end token per word).
    pub ngrams: usize,
    /// Number of words.
    pub words: usize,
    /// N-grams the model gives probability 0 (only possible without smoothing).
    pub zero_prob: usize,
}

/// Average NLL over all n-grams of `words` under any model: `−(1/n)·Σ_cj N[c, j]·log P[c, j]`,
/// where `N` counts what follows each context in the words ([`NgramTable`]) and the
/// model's float32 log-probabilities are summed in float64, context by context in index
/// order. Fails on a character outside the model's vocabulary, naming the line.
///
/// ```
/// use makemore::{CountsModel, WordList, evaluate};
/// let train = WordList::parse("ab\nab\nb", "train")?;
/// let model = CountsModel::bigram(&train, 0.0)?;
/// let eval = evaluate(&model, &WordList::parse("ab", "test")?)?;
/// assert_eq!((eval.ngrams, eval.zero_prob), (3, 0));
/// // P(.→a) = 2/3, P(a→b) = 1, P(b→.) = 1
/// assert!((eval.nll - -(2.0f64 / 3.0).ln() / 3.0).abs() < 1e-6);
/// let unseen = evaluate(&model, &WordList::parse("ba", "test")?)?;
/// assert!(unseen.nll.is_infinite() && unseen.zero_prob == 2); // b→a and a→. never happen
/// # Ok::<(), makemore::Error>(())
/// ```
pub fn evaluate<M: LanguageModel + ?Sized>(model: &M, words: &WordList) -> Result<Evaluation> {
    let (v, context) = (model.vocab().len(), model.context_len());
    let table = NgramTable::from_words(words, model.vocab(), context)?;
    let chunk = (EVAL_CHUNK_CELLS / model.cells_per_context().max(v)).max(1);
    let mut sum = 0.0f64;
    let mut zero_prob = 0;
    for start in (0..table.len()).step_by(chunk) {
        let end = (start + chunk).min(table.len());
        let contexts: Vec<i64> = table.contexts()[start * context..end * context].iter().map(|&t| t as i64).collect();
        let log_p = Vec::<f32>::try_from(&model.log_probs(&contexts)?.f_flatten(0, -1)?)?;
        for (i, log_p) in (start..end).zip(log_p.chunks(v)) {
            for (&c, &lp) in table.row(i).iter().zip(log_p) {
                if c > 0 {
                    sum += c as f64 * lp as f64;
                    if lp == f32::NEG_INFINITY {
                        zero_prob += c as usize;
                    }
                }
            }
        }
    }
    let n = table.total() as usize;
    Ok(Evaluation { nll: -sum / n as f64, ngrams: n, words: words.len(), zero_prob })
}

/// One bigram of a word with its probability under a model.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoredBigram {
    /// The character before ('.' at the start).
    pub from: char,
    /// The character after ('.' at the end).
    pub to: char,
    /// `P[from, to]`.
    pub prob: f32,
    /// `log P[from, to]`.
    pub log_prob: f32,
}

/// The lecture's per-word look: each bigram's probability and log probability, and the
/// word's average NLL. "andrejq" is infinitely unlikely without smoothing ('jq' never
/// occurs) and merely unlikely with it.
///
/// ```
/// let words = makemore::WordList::parse("ab", "w")?;
/// let model = makemore::CountsModel::bigram(&words, 0.0)?;
/// let (bigrams, nll) = makemore::word_nll(&model, "ab")?;
/// assert_eq!(bigrams.len(), 3);
/// assert_eq!(nll, 0.0);
/// assert!(makemore::word_nll(&model, "ba")?.1.is_infinite());
/// # Ok::<(), makemore::Error>(())
/// ```
pub fn word_nll<M: LanguageModel + ?Sized>(model: &M, word: &str) -> Result<(Vec<ScoredBigram>, f32)> {
    let list = WordList::parse(word, "word")?;
    let (xs, ys) = model.vocab().bigram_indices(&list)?;
    let p = model.probs_matrix()?;
    let vocab = model.vocab();
    let bigrams: Vec<ScoredBigram> = xs
        .iter()
        .zip(&ys)
        .map(|(&x, &y)| {
            let prob = p.get(x).get(y);
            ScoredBigram {
                from: vocab.itos(x as usize),
                to: vocab.itos(y as usize),
                prob: prob.item() as f32,
                log_prob: prob.log().item() as f32,
            }
        })
        .collect();
    let log_likelihood: f32 = bigrams.iter().map(|b| b.log_prob).sum();
    let nll = -log_likelihood / bigrams.len() as f32;
    Ok((bigrams, nll))
}
