//! Loading a word list: one word per line, UTF-8.
//!
//! Rules (the lecture's `open(...).read().splitlines()`, made strict where a silent
//! wrong answer would otherwise follow):
//! - lines end in `\n` or `\r\n`; a UTF-8 byte-order mark at the start is ignored;
//! - empty lines are skipped (a trailing newline, or a blank line between words);
//! - a line of only whitespace, a word containing '.', a control character or a Unicode
//!   noncharacter (U+FFFE, U+FFFF, ...: XML, so SVG, forbids them) is an error naming the
//!   line; inner spaces are kept as ordinary characters;
//! - a file is read up to [`MAX_INPUT_BYTES`] and refused beyond, so `/dev/zero` or
//!   `/dev/urandom` fail fast instead of filling memory.

use std::ops::Deref;
use std::path::Path;

use crate::data::input::read_limited;
use crate::error::{Error, Result, shorten};

/// The start/end token. Words may not contain it.
pub const BOUNDARY: char = '.';

/// The largest word list [`WordList::read`] accepts: 64 MiB (names.txt is 228 kB).
pub const MAX_INPUT_BYTES: u64 = 64 << 20;

/// The words of a list, with the line each came from (for error messages).
///
/// Derefs to `[String]`, so it reads like the lecture's `words`.
///
/// ```
/// let words = makemore::WordList::parse("emma\r\nolivia\n\nava\n", "names")?;
/// assert_eq!(words.len(), 3);
/// assert_eq!(&words[..2], ["emma", "olivia"]);
/// assert_eq!(words.line_of(2), 4);
/// # Ok::<(), makemore::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct WordList {
    origin: String,
    words: Vec<String>,
    lines: Vec<usize>,
}

impl WordList {
    /// Read a word list from a file of at most [`MAX_INPUT_BYTES`].
    ///
    /// ```no_run
    /// let words = makemore::WordList::read("data/names.txt")?;
    /// assert_eq!(words.len(), 32033);
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn read(path: impl AsRef<Path>) -> Result<WordList> {
        let path = path.as_ref();
        let bytes = read_limited(path, MAX_INPUT_BYTES)?;
        let text = utf8_or_line_error(&bytes, &path.display().to_string())?;
        WordList::parse(text, &format!("'{}'", path.display()))
    }

    /// Parse words from text; `origin` names the source in error messages.
    ///
    /// ```
    /// let err = makemore::WordList::parse("\n\n", "empty.txt").unwrap_err();
    /// assert!(err.to_string().contains("no words"));
    /// ```
    pub fn parse(text: &str, origin: &str) -> Result<WordList> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut list = WordList { origin: origin.to_string(), words: Vec::new(), lines: Vec::new() };
        for (i, line) in text.split('\n').enumerate() {
            let line_no = i + 1;
            let word = line.strip_suffix('\r').unwrap_or(line);
            if word.is_empty() {
                continue;
            }
            list.check_word(word, line_no)?;
            list.words.push(word.to_string());
            list.lines.push(line_no);
        }
        if list.words.is_empty() {
            return Err(Error::NoWords { origin: list.origin });
        }
        Ok(list)
    }

    fn check_word(&self, word: &str, line: usize) -> Result<()> {
        let origin = || self.origin.clone();
        if word.trim().is_empty() {
            return Err(Error::WhitespaceLine { origin: origin(), line });
        }
        if word.contains(BOUNDARY) {
            return Err(Error::BoundaryInWord { origin: origin(), line, word: shorten(word) });
        }
        if let Some(c) = word.chars().find(|c| c.is_control()) {
            return Err(Error::ControlChar { origin: origin(), line, word: shorten(word), code: c as u32 });
        }
        if let Some(c) = word.chars().find(|&c| is_noncharacter(c)) {
            return Err(Error::NonCharacter { origin: origin(), line, word: shorten(word), code: c as u32 });
        }
        Ok(())
    }

    /// Where the words came from (a quoted path, or the name given to [`WordList::parse`]).
    ///
    /// ```
    /// let words = makemore::WordList::parse("ab", "mine")?;
    /// assert_eq!(words.origin(), "mine");
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The words at `indices` (in that order), keeping their line numbers.
    ///
    /// ```
    /// let words = makemore::WordList::parse("ab\ncd\nef", "w")?;
    /// let some = words.select(&[2, 0], "some");
    /// assert_eq!((&some[..], some.line_of(0)), (&["ef".to_string(), "ab".to_string()][..], 3));
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn select(&self, indices: &[usize], origin: &str) -> WordList {
        WordList {
            origin: origin.to_string(),
            words: indices.iter().map(|&i| self.words[i].clone()).collect(),
            lines: indices.iter().map(|&i| self.lines[i]).collect(),
        }
    }

    /// The 1-based line number of word `i`.
    ///
    /// ```
    /// let words = makemore::WordList::parse("\nab\ncd", "mine")?;
    /// assert_eq!(words.line_of(1), 3);
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn line_of(&self, i: usize) -> usize {
        self.lines[i]
    }

    /// How many next tokens the words hold for a model to predict: every character plus
    /// one end token per word (the number of bigrams, or of n-grams for any context).
    ///
    /// ```
    /// let words = makemore::WordList::parse("emma\nava", "names")?;
    /// assert_eq!(words.num_examples(), 9);
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn num_examples(&self) -> usize {
        self.words.iter().map(|w| w.chars().count() + 1).sum()
    }
}

impl Deref for WordList {
    type Target = [String];
    fn deref(&self) -> &[String] {
        &self.words
    }
}

/// Decode UTF-8, or say on which line the first bad byte is.
fn utf8_or_line_error<'a>(bytes: &'a [u8], origin: &str) -> Result<&'a str> {
    std::str::from_utf8(bytes).map_err(|e| {
        let good = &bytes[..e.valid_up_to()];
        let line = good.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = good.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
        Error::NotUtf8 { origin: format!("'{origin}'"), line, byte: e.valid_up_to() - line_start + 1 }
    })
}

/// Unicode's 66 noncharacters: U+FDD0..=U+FDEF and the last two code points of every plane.
fn is_noncharacter(c: char) -> bool {
    let c = c as u32;
    (0xFDD0..=0xFDEF).contains(&c) || (c & 0xFFFE) == 0xFFFE
}

#[cfg(test)]
mod tests {
    #[test]
    fn errors_quote_long_words_shortened() {
        let long = "é".repeat(100_000);
        let err = super::WordList::parse(&format!("{long}.x"), "names").unwrap_err().to_string();
        assert!(err.len() < 200, "{err}");
    }
}
