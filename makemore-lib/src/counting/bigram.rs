//! Counting bigrams: first in a dictionary with `<S>`/`<E>` tokens, then into the
//! V×V count matrix `N` that the rest of the lecture uses.

use std::collections::HashMap;
use std::fmt;

use tch::{Device, Kind, Tensor};

use crate::data::vocab::Vocab;
use crate::data::words::WordList;
use crate::error::{Error, Result};

/// One side of a dictionary bigram: the start token, the end token, or a character.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Token {
    /// `<S>`: before the first character.
    Start,
    /// `<E>`: after the last character.
    End,
    /// A character of the word.
    Char(char),
}

impl fmt::Display for Token {
    /// `<S>`, `<E>`, or the character itself.
    ///
    /// ```
    /// use makemore::Token;
    /// assert_eq!(format!("{} {} {}", Token::Start, Token::Char('a'), Token::End), "<S> a <E>");
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Token::Start => f.write_str("<S>"),
            Token::End => f.write_str("<E>"),
            Token::Char(c) => write!(f, "{c}"),
        }
    }
}

/// The lecture's `b = {}` dictionary of bigram counts, remembering first-seen order.
///
/// ```
/// use makemore::{BigramDict, Token::*};
/// let words = makemore::WordList::parse("emma\nava", "names")?;
/// let b = BigramDict::from_words(&words);
/// assert_eq!(b.len(), 8);
/// assert_eq!(b.get(Char('m'), Char('m')), 1);
/// assert_eq!(b.most_common(1), [((Char('a'), End), 2)]);
/// # Ok::<(), makemore::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct BigramDict {
    order: Vec<(Token, Token)>,
    counts: HashMap<(Token, Token), usize>,
}

impl BigramDict {
    /// Count every bigram of `<S> w₁ … wₙ <E>` over all words.
    ///
    /// ```
    /// let words = makemore::WordList::parse("ab", "w")?;
    /// assert_eq!(makemore::BigramDict::from_words(&words).len(), 3);
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn from_words(words: &WordList) -> BigramDict {
        let mut dict = BigramDict::default();
        for word in words.iter() {
            let chs: Vec<Token> = std::iter::once(Token::Start)
                .chain(word.chars().map(Token::Char))
                .chain(std::iter::once(Token::End))
                .collect();
            for pair in chs.windows(2) {
                let key = (pair[0], pair[1]);
                let count = dict.counts.entry(key).or_insert(0);
                if *count == 0 {
                    dict.order.push(key);
                }
                *count += 1;
            }
        }
        dict
    }

    /// Number of distinct bigrams.
    ///
    /// ```
    /// let words = makemore::WordList::parse("aa", "w")?;
    /// assert_eq!(makemore::BigramDict::from_words(&words).len(), 3);
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// True when no bigram was counted.
    ///
    /// ```
    /// assert!(makemore::BigramDict::default().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// How often `a` was followed by `b` (0 if never).
    ///
    /// ```
    /// use makemore::Token::*;
    /// let words = makemore::WordList::parse("ab\nab", "w")?;
    /// assert_eq!(makemore::BigramDict::from_words(&words).get(Start, Char('a')), 2);
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn get(&self, a: Token, b: Token) -> usize {
        self.counts.get(&(a, b)).copied().unwrap_or(0)
    }

    /// The `k` most common bigrams, count descending; ties keep first-seen order
    /// (Python's stable `sorted(b.items(), key=lambda kv: -kv[1])`).
    ///
    /// ```
    /// use makemore::Token::*;
    /// let words = makemore::WordList::parse("ab", "w")?;
    /// let top = makemore::BigramDict::from_words(&words).most_common(2);
    /// assert_eq!(top, [((Start, Char('a')), 1), ((Char('a'), Char('b')), 1)]);
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn most_common(&self, k: usize) -> Vec<((Token, Token), usize)> {
        let mut items: Vec<_> = self.order.iter().map(|&key| (key, self.counts[&key])).collect();
        items.sort_by_key(|&(_, n)| std::cmp::Reverse(n)); // stable: ties keep first-seen order
        items.truncate(k);
        items
    }
}

/// The count matrix `N`: `N[i, j]` is how often token `j` follows token `i`,
/// with '.' (index 0) standing for both start and end. An `int32` V×V tensor.
///
/// ```
/// let words = makemore::WordList::parse("emma\nava", "names")?;
/// let vocab = makemore::Vocab::from_words(&words)?;
/// let counts = makemore::BigramCounts::from_words(&words, &vocab)?;
/// assert_eq!(counts.get('m', 'm'), 1);
/// assert_eq!(counts.get('a', '.'), 2);
/// assert_eq!(counts.total(), 9);
/// # Ok::<(), makemore::Error>(())
/// ```
#[derive(Debug)]
pub struct BigramCounts {
    vocab: Vocab,
    n: Tensor,
}

impl Clone for BigramCounts {
    /// A deep copy: the counts are copied, not shared.
    fn clone(&self) -> Self {
        BigramCounts { vocab: self.vocab.clone(), n: self.n.copy() }
    }
}

impl BigramCounts {
    /// Count in plain Rust, then make one tensor: the fast way.
    ///
    /// ```
    /// let words = makemore::WordList::parse("ab", "w")?;
    /// let vocab = makemore::Vocab::from_words(&words)?;
    /// let counts = makemore::BigramCounts::from_words(&words, &vocab)?;
    /// assert_eq!(counts.n().size(), [3, 3]);
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn from_words(words: &WordList, vocab: &Vocab) -> Result<BigramCounts> {
        let v = vocab.len();
        let mut n = vec![0i32; v * v];
        vocab.for_each_bigram(words, |x, y| n[x * v + y] += 1)?;
        let n = Tensor::from_slice(&n).view([v as i64, v as i64]);
        Ok(BigramCounts { vocab: vocab.clone(), n })
    }

    /// The lecture's loop: `N[ix1, ix2] += 1`, one tensor element at a time.
    /// Slow (about half a second on names.txt) but exactly what the video types.
    ///
    /// ```
    /// let words = makemore::WordList::parse("emma\nava", "names")?;
    /// let vocab = makemore::Vocab::from_words(&words)?;
    /// let fast = makemore::BigramCounts::from_words(&words, &vocab)?;
    /// let slow = makemore::BigramCounts::from_words_loop(&words, &vocab)?;
    /// assert!(fast.n().equal(slow.n()));
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn from_words_loop(words: &WordList, vocab: &Vocab) -> Result<BigramCounts> {
        let v = vocab.len() as i64;
        let n = Tensor::zeros([v, v], (Kind::Int, Device::Cpu));
        let (xs, ys) = vocab.bigram_indices(words)?;
        for (&ix1, &ix2) in xs.iter().zip(&ys) {
            // `get` returns a view into `n`, not a copy, so adding to the view adds to
            // `N[ix1, ix2]` itself, as the lecture's indexing assignment does
            let mut cell = n.get(ix1).get(ix2);
            cell += 1;
        }
        Ok(BigramCounts { vocab: vocab.clone(), n })
    }

    /// Wrap an existing count tensor (V×V, integer, no negative counts).
    ///
    /// ```
    /// let vocab = makemore::Vocab::from_itos(vec!['.', 'a'])?;
    /// let n = tch::Tensor::from_slice(&[0i64, 3, 3, 1]).view([2, 2]);
    /// let counts = makemore::BigramCounts::from_tensor(&vocab, n)?;
    /// assert_eq!(counts.get('a', 'a'), 1);
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn from_tensor(vocab: &Vocab, n: Tensor) -> Result<BigramCounts> {
        let v = vocab.len() as i64;
        if n.size() != [v, v] {
            return Err(Error::BadCounts(format!("count matrix is {:?}, the vocabulary needs [{v}, {v}]", n.size())));
        }
        if n.lt(0).any().int64_value(&[]) != 0 {
            return Err(Error::BadCounts("it has negative counts".into()));
        }
        let n = n.to_kind(Kind::Int);
        Ok(BigramCounts { vocab: vocab.clone(), n })
    }

    /// The vocabulary the rows and columns follow.
    ///
    /// ```
    /// let words = makemore::WordList::parse("ab", "w")?;
    /// let vocab = makemore::Vocab::from_words(&words)?;
    /// let counts = makemore::BigramCounts::from_words(&words, &vocab)?;
    /// assert_eq!(counts.vocab(), &vocab);
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn vocab(&self) -> &Vocab {
        &self.vocab
    }

    /// The count tensor `N` (int32, V×V).
    ///
    /// ```
    /// let words = makemore::WordList::parse("ab", "w")?;
    /// let counts = makemore::BigramCounts::from_words(&words, &makemore::Vocab::from_words(&words)?)?;
    /// assert_eq!(counts.n().kind(), tch::Kind::Int);
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn n(&self) -> &Tensor {
        &self.n
    }

    /// How often `b` follows `a` ('.' for start/end); 0 for characters outside the vocabulary.
    ///
    /// ```
    /// let words = makemore::WordList::parse("ab", "w")?;
    /// let counts = makemore::BigramCounts::from_words(&words, &makemore::Vocab::from_words(&words)?)?;
    /// assert_eq!(counts.get('.', 'a'), 1);
    /// assert_eq!(counts.get('x', 'a'), 0);
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn get(&self, a: char, b: char) -> i64 {
        match (self.vocab.stoi(a), self.vocab.stoi(b)) {
            (Some(i), Some(j)) => self.n.int64_value(&[i as i64, j as i64]),
            _ => 0,
        }
    }

    /// Total number of bigrams counted (228,146 for names.txt).
    ///
    /// ```
    /// let words = makemore::WordList::parse("ab\nc", "w")?;
    /// let counts = makemore::BigramCounts::from_words(&words, &makemore::Vocab::from_words(&words)?)?;
    /// assert_eq!(counts.total(), 5);
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn total(&self) -> i64 {
        self.n.sum(Kind::Int64).int64_value(&[])
    }

    /// The matrix as rows of plain numbers.
    ///
    /// ```
    /// let words = makemore::WordList::parse("a", "w")?;
    /// let counts = makemore::BigramCounts::from_words(&words, &makemore::Vocab::from_words(&words)?)?;
    /// assert_eq!(counts.to_rows(), [[0, 1], [1, 0]]);
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn to_rows(&self) -> Vec<Vec<i64>> {
        Vec::<Vec<i64>>::try_from(&self.n.to_kind(Kind::Int64)).expect("a 2-D tensor")
    }
}
