//! Sampling names the lecture's way: start at '.', draw the next index from that
//! row of `P` with `torch.multinomial`, stop when '.' comes out.

use tch::Tensor;

use crate::model::BigramModel;

/// The lecture's seed, `torch.Generator().manual_seed(2147483647)`.
pub const LECTURE_SEED: i64 = 2147483647;

/// Seed libtorch's global generator: tch's stand-in for a fresh
/// `torch.Generator().manual_seed(seed)`. The same seed and the same sequence of
/// random calls give the same numbers as PyTorch.
///
/// ```
/// makemore::seed(makemore::LECTURE_SEED);
/// let a = tch::Tensor::rand([3], (tch::Kind::Float, tch::Device::Cpu));
/// makemore::seed(makemore::LECTURE_SEED);
/// let b = tch::Tensor::rand([3], (tch::Kind::Float, tch::Device::Cpu));
/// assert!(a.equal(&b));
/// ```
pub fn seed(seed: i64) {
    tch::manual_seed(seed);
}

/// Draw one index from the probabilities `p` (`torch.multinomial(p, 1, replacement=True)`).
///
/// ```
/// let p = tch::Tensor::from_slice(&[0.0f32, 1.0, 0.0]);
/// assert_eq!(makemore::draw(&p), 1);
/// ```
pub fn draw(p: &Tensor) -> i64 {
    p.multinomial(1, true).int64_value(&[0])
}

/// Make `num` words from a model after seeding with `seed`, one multinomial draw per
/// character, exactly as the lecture's loop (so the words equal PyTorch's for the same
/// seed). The end token is not included in the words.
///
/// ```
/// let words = makemore::WordList::parse("ab\nba", "w")?;
/// let model = makemore::CountsModel::fit(&words, 0.0)?;
/// let names = makemore::sample(&model, 5, makemore::LECTURE_SEED);
/// assert_eq!(names.len(), 5);
/// // after 'a' comes 'b' or the end, after 'b' comes 'a' or the end
/// assert!(names.iter().all(|n| !n.is_empty() && !n.contains("aa") && !n.contains("bb")));
/// # Ok::<(), makemore::Error>(())
/// ```
pub fn sample<M: BigramModel + ?Sized>(model: &M, num: usize, seed: i64) -> Vec<String> {
    self::seed(seed);
    (0..num).map(|_| sample_one(model)).collect()
}

/// Make one word from the generator's current state (no seeding).
///
/// ```
/// let words = makemore::WordList::parse("ab", "w")?;
/// let model = makemore::CountsModel::fit(&words, 0.0)?;
/// assert_eq!(makemore::sample_one(&model), "ab");
/// # Ok::<(), makemore::Error>(())
/// ```
pub fn sample_one<M: BigramModel + ?Sized>(model: &M) -> String {
    let vocab = model.vocab();
    let mut out = String::new();
    let mut ix = 0;
    loop {
        ix = draw(&model.next_probs(ix));
        if ix == 0 {
            return out;
        }
        out.push(vocab.itos(ix as usize));
    }
}

/// Make `num` words at once: all words advance together, one `multinomial` call per
/// position draws the next character of every unfinished word. Far faster than
/// [`sample`] for many words, reproducible for a seed, and drawn from the same
/// distribution — but not the same words as the lecture's one-word-at-a-time loop.
///
/// ```
/// let words = makemore::WordList::parse("ab\nba", "w")?;
/// let model = makemore::CountsModel::fit(&words, 0.0)?;
/// let names = makemore::sample_fast(&model, 100, 7);
/// assert_eq!(names.len(), 100);
/// assert!(names.iter().all(|n| !n.is_empty() && !n.contains("aa") && !n.contains("bb")));
/// assert_eq!(names, makemore::sample_fast(&model, 100, 7)); // same seed, same words
/// # Ok::<(), makemore::Error>(())
/// ```
pub fn sample_fast<M: BigramModel + ?Sized>(model: &M, num: usize, seed: i64) -> Vec<String> {
    self::seed(seed);
    let vocab = model.vocab();
    let p = model.probs();
    let mut words = vec![String::new(); num];
    let mut alive: Vec<usize> = (0..num).collect(); // words not yet ended
    let mut current = vec![0i64; num]; // the last token of each of them
    while !alive.is_empty() {
        let rows = p.index_select(0, &Tensor::from_slice(&current));
        let next = Vec::<i64>::try_from(&rows.multinomial(1, true).squeeze_dim(1)).expect("1-D");
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
    words
}

/// The lecture's loop for models that look at the last `context` tokens: start from
/// `context` boundary tokens, draw the next token from `probs(window)`, slide the
/// window, stop when '.' comes out. Seeds first, so the words are reproducible.
pub(crate) fn sample_with_context(
    vocab: &crate::Vocab,
    context: usize,
    num: usize,
    seed: i64,
    mut probs: impl FnMut(&[u32]) -> Tensor,
) -> Vec<String> {
    self::seed(seed);
    (0..num)
        .map(|_| {
            let mut window = vec![0u32; context];
            let mut word = String::new();
            loop {
                let ix = draw(&probs(&window)) as u32;
                if ix == 0 {
                    return word;
                }
                word.push(vocab.itos(ix as usize));
                window.remove(0);
                window.push(ix);
            }
        })
        .collect()
}
