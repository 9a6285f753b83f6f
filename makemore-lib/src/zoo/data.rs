//! `makemore.py`'s data: `create_datasets` and `CharDataset`.
//!
//! - The file's lines (Python's `str.splitlines`), each stripped of whitespace (`str.strip`),
//!   the empty ones dropped; nothing else is refused, so any character can be a token.
//! - The vocabulary is the sorted set of the characters (by code point); token 0 is both
//!   the start and the stop, character `i` of the vocabulary is token `i + 1`.
//! - The block size is the longest word (in characters) plus one.
//! - The test set is `min(1000, int(0.1 · n))` words, the last of `torch.randperm(n)`, drawn
//!   from the global generator right after `manual_seed(seed)`; the train set is the rest,
//!   in the permutation's order.
//! - Word `w` gives `x = [0, w…, 0…]` and `y = [w…, 0, −1…]` of the block size: every
//!   position predicts the next character, the position after the word predicts the stop,
//!   and the rest (−1) is ignored by the loss.

use std::collections::{BTreeSet, HashSet};
use std::path::Path;

use tch::{Device, Kind, Tensor};

use crate::data::input::read_limited;
use crate::data::words::MAX_INPUT_BYTES;
use crate::error::{Error, Result};

/// Python's `str.isspace`: Unicode's White_Space, and the four separators U+001C to U+001F.
fn py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Python's `str.splitlines` boundaries (`\r\n` counts once).
fn py_line_break(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{0b}' | '\u{0c}' | '\u{1c}' | '\u{1d}' | '\u{1e}' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// The words of a text as `makemore.py` reads them: split into lines, stripped, the empty
/// ones dropped.
///
/// ```
/// let words = makemore::zoo::words_of("emma\r\n  olivia \n\n\tava\u{2028}mia");
/// assert_eq!(words, ["emma", "olivia", "ava", "mia"]);
/// ```
pub fn words_of(text: &str) -> Vec<String> {
    text.replace("\r\n", "\n")
        .split(py_line_break)
        .map(|w| w.trim_matches(py_space))
        .filter(|w| !w.is_empty())
        .map(String::from)
        .collect()
}

/// A word list, its vocabulary and its split, as `create_datasets` makes them.
#[derive(Debug, Clone)]
pub struct Datasets {
    /// The sorted characters: token `i + 1` is `chars[i]`.
    pub chars: Vec<char>,
    /// The longest word, in characters.
    pub max_word_length: usize,
    /// The training words, in `randperm`'s order.
    pub train: Vec<String>,
    /// The test words, in `randperm`'s order.
    pub test: Vec<String>,
    train_set: HashSet<String>,
    test_set: HashSet<String>,
}

/// The fewest words a list may have: with fewer than 10, `makemore.py`'s test set
/// (`int(0.1 · n)` words) is empty and `rp[:-0]` leaves no training words.
pub const MIN_WORDS: usize = 10;

impl Datasets {
    /// Read the word list at `path` (UTF-8, at most [`MAX_INPUT_BYTES`]) and split it with
    /// `torch.randperm` from the global generator (seed it first).
    pub fn read(path: &Path) -> Result<Datasets> {
        let bytes = read_limited(path, MAX_INPUT_BYTES)?;
        let text = std::str::from_utf8(&bytes).map_err(|e| {
            let line = bytes[..e.valid_up_to()].iter().filter(|&&b| b == b'\n').count() + 1;
            Error::NotUtf8 { origin: path.display().to_string(), line, byte: e.valid_up_to() }
        })?;
        Datasets::new(words_of(text), &path.display().to_string())
    }

    /// Split `words` (already stripped, none empty) with `torch.randperm` from the global
    /// generator; `origin` names them in errors.
    ///
    /// ```
    /// let words: Vec<String> = (0..20).map(|i| format!("w{i}")).collect();
    /// tch::manual_seed(3407);
    /// let d = makemore::zoo::Datasets::new(words, "list")?;
    /// assert_eq!((d.train.len(), d.test.len(), d.block_size(), d.vocab_size()), (18, 2, 4, 12));
    /// assert!(makemore::zoo::Datasets::new(vec!["a".into(); 9], "list").is_err());
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn new(words: Vec<String>, origin: &str) -> Result<Datasets> {
        if words.is_empty() {
            return Err(Error::NoWords { origin: origin.into() });
        }
        if words.len() < MIN_WORDS {
            return Err(Error::TooFewWords { origin: origin.into(), count: words.len(), min: MIN_WORDS });
        }
        let chars: Vec<char> = words.iter().flat_map(|w| w.chars()).collect::<BTreeSet<char>>().into_iter().collect();
        let max_word_length = words.iter().map(|w| w.chars().count()).max().unwrap_or(0);
        let test_size = 1000.min(words.len() / 10);
        let perm = Vec::<i64>::try_from(&Tensor::f_randperm(words.len() as i64, (Kind::Int64, Device::Cpu))?)?;
        let (train_ix, test_ix) = perm.split_at(perm.len() - test_size);
        let pick = |ix: &[i64]| ix.iter().map(|&i| words[i as usize].clone()).collect::<Vec<_>>();
        let (train, test) = (pick(train_ix), pick(test_ix));
        let (train_set, test_set) = (train.iter().cloned().collect(), test.iter().cloned().collect());
        Ok(Datasets { chars, max_word_length, train, test, train_set, test_set })
    }

    /// The number of tokens: the characters and the start/stop token 0.
    pub fn vocab_size(&self) -> usize {
        self.chars.len() + 1
    }

    /// The block size: the start token followed by the longest word.
    pub fn block_size(&self) -> usize {
        self.max_word_length + 1
    }

    /// The tokens of a word (every character must be in the vocabulary).
    pub fn encode(&self, word: &str) -> Vec<i64> {
        word.chars().map(|c| self.chars.binary_search(&c).map_or(-1, |i| i as i64 + 1)).collect()
    }

    /// The word of a row of tokens (token 0 and unknown tokens are left out).
    pub fn decode(&self, tokens: &[i64]) -> String {
        tokens.iter().filter_map(|&t| self.chars.get((t as usize).wrapping_sub(1))).collect()
    }

    /// Is `word` one of the training words?
    pub fn in_train(&self, word: &str) -> bool {
        self.train_set.contains(word)
    }

    /// Is `word` one of the test words?
    pub fn in_test(&self, word: &str) -> bool {
        self.test_set.contains(word)
    }

    /// `CharDataset[i]` for each of `ix` (indices into `words`), stacked: `(X, Y)`, each
    /// `len(ix)` × block size, int64.
    pub fn batch(&self, words: &[String], ix: &[usize]) -> Result<(Tensor, Tensor)> {
        let t = self.block_size();
        let (mut x, mut y) = (vec![0i64; ix.len() * t], vec![0i64; ix.len() * t]);
        for (row, &i) in ix.iter().enumerate() {
            let tokens = self.encode(&words[i]);
            let (x, y) = (&mut x[row * t..(row + 1) * t], &mut y[row * t..(row + 1) * t]);
            x[1..=tokens.len()].copy_from_slice(&tokens);
            y[..tokens.len()].copy_from_slice(&tokens);
            y[tokens.len() + 1..].fill(-1);
        }
        let shape = [ix.len() as i64, t as i64];
        Ok((Tensor::from_slice(&x).f_view(shape)?, Tensor::from_slice(&y).f_view(shape)?))
    }
}
