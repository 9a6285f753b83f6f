//! The vocabulary: '.' at index 0, then every distinct character of the data in
//! code-point order (Python's `sorted(set(''.join(words)))`). Any script works, up to
//! [`MAX_VOCAB`] tokens.

use std::collections::HashMap;

use crate::data::words::{BOUNDARY, WordList};
use crate::error::{Error, Result};

/// The most tokens a vocabulary may hold ('.' included): 2000. A bigram table is V×V, so
/// this keeps every table under 4 million cells (16 MB of int32 counts or float32
/// weights); names.txt needs 27, a list in any one script a few hundred at most.
pub const MAX_VOCAB: usize = 2000;

/// Character ↔ index maps: the lecture's `stoi` and `itos`.
///
/// ```
/// let words = makemore::WordList::parse("emma\nava", "names")?;
/// let vocab = makemore::Vocab::from_words(&words)?;
/// assert_eq!(vocab.chars(), ['.', 'a', 'e', 'm', 'v']);
/// assert_eq!(vocab.stoi('m'), Some(3));
/// assert_eq!(vocab.itos(4), 'v');
/// # Ok::<(), makemore::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Vocab {
    itos: Vec<char>,
    stoi: HashMap<char, usize>,
    /// `stoi` for ASCII characters, by code (`NONE` when absent): the common case, fast.
    ascii: [u32; 128],
}

const NONE: u32 = u32::MAX;

impl Vocab {
    /// Build the vocabulary of a word list ([`WordList`] already refuses words with '.').
    /// More than [`MAX_VOCAB`] tokens is an error, found before any table is made.
    ///
    /// ```
    /// let words = makemore::WordList::parse("zoë\nchloé", "names")?;
    /// let vocab = makemore::Vocab::from_words(&words)?;
    /// assert_eq!(vocab.len(), 8);
    /// assert_eq!(vocab.itos(7), 'ë');
    /// let huge: String = (0x4e00..0x4e00 + 2000).filter_map(char::from_u32).collect();
    /// let err = makemore::Vocab::from_words(&makemore::WordList::parse(&huge, "cjk")?).unwrap_err();
    /// assert!(err.to_string().contains("2001 tokens, more than the 2000 makemore allows"));
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn from_words(words: &WordList) -> Result<Vocab> {
        let distinct: std::collections::HashSet<char> = words.iter().flat_map(|w| w.chars()).collect();
        let mut chars: Vec<char> = distinct.into_iter().collect();
        chars.sort_unstable();
        chars.insert(0, BOUNDARY);
        if chars.len() > MAX_VOCAB {
            return Err(Error::TooLarge(format!(
                "the words use {} different characters: with '.' that is {} tokens, more than the {MAX_VOCAB} \
                 makemore allows (its tables are V×V)",
                chars.len() - 1,
                chars.len()
            )));
        }
        Ok(Vocab::build(chars))
    }

    /// Rebuild a vocabulary from its `itos` list (as stored in a model file), checking it.
    ///
    /// ```
    /// assert!(makemore::Vocab::from_itos(vec!['.', 'a', 'b']).is_ok());
    /// assert!(makemore::Vocab::from_itos(vec!['.', 'b', 'a']).is_err());
    /// assert!(makemore::Vocab::from_itos(vec!['a', 'b']).is_err());
    /// ```
    pub fn from_itos(itos: Vec<char>) -> Result<Vocab> {
        if itos.first() != Some(&BOUNDARY) {
            return Err(Error::BadVocab("it must start with '.'".into()));
        }
        if itos.len() < 2 {
            return Err(Error::BadVocab("it has no characters besides '.'".into()));
        }
        if !itos[1..].windows(2).all(|p| p[0] < p[1]) || itos[1] == BOUNDARY {
            return Err(Error::BadVocab("characters after '.' must be distinct and in code-point order".into()));
        }
        check_size(itos.len())?;
        Ok(Vocab::build(itos))
    }

    fn build(itos: Vec<char>) -> Vocab {
        let stoi: HashMap<char, usize> = itos.iter().enumerate().map(|(i, &c)| (c, i)).collect();
        let mut ascii = [NONE; 128];
        for (&c, &i) in &stoi {
            if c.is_ascii() {
                ascii[c as usize] = i as u32;
            }
        }
        Vocab { itos, stoi, ascii }
    }

    /// Number of tokens, '.' included (27 for names.txt).
    ///
    /// ```
    /// let vocab = makemore::Vocab::from_itos(vec!['.', 'a'])?;
    /// assert_eq!(vocab.len(), 2);
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn len(&self) -> usize {
        self.itos.len()
    }

    /// Always false: a vocabulary holds at least '.' and one character.
    ///
    /// ```
    /// assert!(!makemore::Vocab::from_itos(vec!['.', 'a'])?.is_empty());
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.itos.is_empty()
    }

    /// Index of a character, if it is in the vocabulary.
    ///
    /// ```
    /// let vocab = makemore::Vocab::from_itos(vec!['.', 'a'])?;
    /// assert_eq!(vocab.stoi('.'), Some(0));
    /// assert_eq!(vocab.stoi('q'), None);
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn stoi(&self, ch: char) -> Option<usize> {
        if ch.is_ascii() {
            let i = self.ascii[ch as usize];
            (i != NONE).then_some(i as usize)
        } else {
            self.stoi.get(&ch).copied()
        }
    }

    /// Character at an index. Panics when `i >= len()`, like indexing a slice.
    ///
    /// ```
    /// let vocab = makemore::Vocab::from_itos(vec!['.', 'a'])?;
    /// assert_eq!(vocab.itos(1), 'a');
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn itos(&self, i: usize) -> char {
        self.itos[i]
    }

    /// All tokens in index order.
    ///
    /// ```
    /// let vocab = makemore::Vocab::from_itos(vec!['.', 'a'])?;
    /// assert_eq!(vocab.chars(), ['.', 'a']);
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn chars(&self) -> &[char] {
        &self.itos
    }

    /// The bigrams of every word as index pairs, each word framed by '.' on both sides:
    /// the lecture's `xs` and `ys`. Fails on a character outside the vocabulary, naming
    /// the line.
    ///
    /// ```
    /// let words = makemore::WordList::parse("emma", "names")?;
    /// let vocab = makemore::Vocab::from_words(&words)?;
    /// let (xs, ys) = vocab.bigram_indices(&words)?;
    /// assert_eq!(vocab.chars(), ['.', 'a', 'e', 'm']);
    /// assert_eq!(xs, [0, 2, 3, 3, 1]); // . e m m a
    /// assert_eq!(ys, [2, 3, 3, 1, 0]); // e m m a .
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn bigram_indices(&self, words: &WordList) -> Result<(Vec<i64>, Vec<i64>)> {
        let mut xs = Vec::new();
        let mut ys = Vec::new();
        self.for_each_bigram(words, |x, y| {
            xs.push(x as i64);
            ys.push(y as i64);
        })?;
        Ok((xs, ys))
    }

    /// Call `f(x, y)` for every bigram of every word, in order, each word framed by '.'
    /// (index 0). Fails on a character outside the vocabulary, naming the line.
    ///
    /// ```
    /// let words = makemore::WordList::parse("ab\nb", "w")?;
    /// let vocab = makemore::Vocab::from_words(&words)?;
    /// let mut n = 0;
    /// vocab.for_each_bigram(&words, |_, _| n += 1)?;
    /// assert_eq!(n, 5);
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn for_each_bigram(&self, words: &WordList, mut f: impl FnMut(usize, usize)) -> Result<()> {
        for (i, word) in words.iter().enumerate() {
            let mut prev = 0;
            for ch in word.chars() {
                let ix = self.stoi(ch).ok_or_else(|| Error::UnknownChar {
                    origin: words.origin().to_string(),
                    line: words.line_of(i),
                    word: crate::error::shorten(word),
                    ch,
                })?;
                f(prev, ix);
                prev = ix;
            }
            f(prev, 0);
        }
        Ok(())
    }
}

fn check_size(len: usize) -> Result<()> {
    if len > MAX_VOCAB {
        return Err(Error::BadVocab(format!(
            "{len} tokens, more than the {MAX_VOCAB} makemore allows (its tables are V×V)"
        )));
    }
    Ok(())
}
