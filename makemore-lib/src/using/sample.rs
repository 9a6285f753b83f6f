//! Sampling names the lecture's way: start at '.', draw the next index from that
//! row of `P` with `torch.multinomial`, stop when '.' comes out. For any model.

use std::collections::HashMap;

use tch::Tensor;

use crate::counting::ngrams::shift;
use crate::error::{Error, Result};
use crate::models::kind::{LanguageModel, check_bigram};
use crate::rng;

/// The longest word the samplers make: 1000 characters. A word that reaches it is cut
/// there (no end token is drawn), so every word of exactly this length was cut. Without
/// it a model whose chance of ending is tiny (trained on one 100,000-character word,
/// say) would sample for ever.
pub const MAX_WORD_CHARS: usize = 1000;

/// Distinct contexts whose next-token rows the sampler keeps; beyond this it starts afresh.
const MAX_CACHED_ROWS: usize = 1 << 16;

/// Draw one index from the probabilities `p` (`torch.multinomial(p, 1, replacement=True)`).
/// Fails cleanly (a libtorch error) when `p` is not a distribution.
///
/// ```
/// let p = tch::Tensor::from_slice(&[0.0f32, 1.0, 0.0]);
/// assert_eq!(makemore::draw(&p)?, 1);
/// assert!(makemore::draw(&tch::Tensor::from_slice(&[0.0f32, 0.0])).is_err());
/// # Ok::<(), makemore::Error>(())
/// ```
pub fn draw(p: &Tensor) -> Result<i64> {
    // multinomial refuses NaN, infinite or negative entries with a C++ backtrace: say it in one line
    let sum = p.f_sum(tch::Kind::Double)?.f_double_value(&[])?;
    if !sum.is_finite() || p.f_min()?.f_double_value(&[])? < 0.0 {
        return Err(Error::BadWeights(format!(
            "the model's next-token probabilities are not a distribution (they sum to {sum})"
        )));
    }
    Ok(p.f_multinomial(1, true)?.f_int64_value(&[0])?)
}

/// Make `num` words from any model after seeding with `seed`: start from `context`
/// tokens '.', draw the next token from the model's distribution for the last `context`
/// tokens with `torch.multinomial`, stop when '.' comes out (or at [`MAX_WORD_CHARS`]).
/// Exactly the lecture's loop, so for the lecture's models the words equal PyTorch's for
/// the same seed. The end token is not included in the words.
///
/// ```
/// let words = makemore::WordList::parse("ab\nba", "w")?;
/// let model = makemore::CountsModel::bigram(&words, 0.0)?;
/// let names = makemore::sample(&model, 5, makemore::LECTURE_SEED)?;
/// assert_eq!(names.len(), 5);
/// // after 'a' comes 'b' or the end, after 'b' comes 'a' or the end
/// assert!(names.iter().all(|n| !n.is_empty() && !n.contains("aa") && !n.contains("bb")));
/// # Ok::<(), makemore::Error>(())
/// ```
pub fn sample<M: LanguageModel + ?Sized>(model: &M, num: usize, seed: i64) -> Result<Vec<String>> {
    rng::seed(seed);
    let mut sampler = Sampler { model, rows: HashMap::new() };
    (0..num).map(|_| sampler.word()).collect()
}

/// The lecture's sampling loop, remembering the distribution of each context it has met
/// (the model gives the same row every time, so the draws are the same).
struct Sampler<'a, M: ?Sized> {
    model: &'a M,
    rows: HashMap<Vec<i64>, Tensor>,
}

impl<M: LanguageModel + ?Sized> Sampler<'_, M> {
    fn word(&mut self) -> Result<String> {
        let vocab = self.model.vocab();
        let mut window = vec![0i64; self.model.context_len()];
        let mut out = String::new();
        for _ in 0..MAX_WORD_CHARS {
            if self.rows.len() >= MAX_CACHED_ROWS {
                self.rows.clear();
            }
            if !self.rows.contains_key(&window) {
                let p = self.model.next_probs(&window)?;
                self.rows.insert(window.clone(), p);
            }
            let ix = draw(&self.rows[&window])?;
            if ix == 0 {
                return Ok(out);
            }
            out.push(vocab.itos(ix as usize));
            shift(&mut window, ix);
        }
        Ok(out)
    }
}

/// Make `num` words at once from a bigram model: all words advance together, one
/// `multinomial` call per position draws the next character of every unfinished word.
/// Far faster than [`sample`] for many words, reproducible for a seed, and drawn from the
/// same distribution — but not the same words as the lecture's one-word-at-a-time loop.
/// Words are cut at [`MAX_WORD_CHARS`] too. Longer contexts are refused.
///
/// ```
/// let words = makemore::WordList::parse("ab\nba", "w")?;
/// let model = makemore::CountsModel::bigram(&words, 0.0)?;
/// let names = makemore::sample_fast(&model, 100, 7)?;
/// assert_eq!(names.len(), 100);
/// assert!(names.iter().all(|n| !n.is_empty() && !n.contains("aa") && !n.contains("bb")));
/// assert_eq!(names, makemore::sample_fast(&model, 100, 7)?); // same seed, same words
/// # Ok::<(), makemore::Error>(())
/// ```
pub fn sample_fast<M: LanguageModel + ?Sized>(model: &M, num: usize, seed: i64) -> Result<Vec<String>> {
    check_bigram(model.context_len(), "fast sampling is for bigram models (context 1)")?;
    let p = model.probs_matrix()?;
    rng::seed(seed);
    let vocab = model.vocab();
    let mut words = vec![String::new(); num];
    let mut alive: Vec<usize> = (0..num).collect(); // words not yet ended
    let mut current = vec![0i64; num]; // the last token of each of them
    for _ in 0..MAX_WORD_CHARS {
        if alive.is_empty() {
            break;
        }
        let rows = p.f_index_select(0, &Tensor::from_slice(&current))?;
        let next = Vec::<i64>::try_from(&rows.f_multinomial(1, true)?.f_squeeze_dim(1)?)?;
        let (mut still, mut last) = (Vec::with_capacity(alive.len()), Vec::with_capacity(alive.len()));
        for (&w, &ix) in alive.iter().zip(&next) {
            if ix != 0 {
                words[w].push(vocab.itos(ix as usize));
                still.push(w);
                last.push(ix);
            }
        }
        alive = still;
        current = last;
    }
    Ok(words)
}
