//! The library's typed errors: every way real input can be wrong gets its own variant,
//! with the file and line where that makes sense.

use std::path::PathBuf;

/// Everything that can go wrong in `makemore`.
///
/// ```
/// let err = makemore::WordList::parse("ann\nmr.x\n", "names").unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "names line 2: \"mr.x\" contains '.', which makemore reserves as the start/end token"
/// );
/// ```
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file could not be opened or read.
    #[error("cannot read '{}': {io}", path.display())]
    Read { path: PathBuf, io: std::io::Error },
    /// The path names a directory, not a file.
    #[error("'{}' is a directory, not a file", path.display())]
    IsDirectory { path: PathBuf },
    /// A file larger than the library reads (see [`crate::MAX_INPUT_BYTES`]).
    #[error("'{}' is larger than {limit} bytes, the most makemore reads", path.display())]
    InputTooLarge { path: PathBuf, limit: u64 },
    /// A line is not valid UTF-8.
    #[error("{origin} line {line}: not valid UTF-8 (byte {byte} of the line)")]
    NotUtf8 { origin: String, line: usize, byte: usize },
    /// The list holds no words (empty, or only blank lines).
    #[error("{origin}: no words (the file is empty or has only blank lines)")]
    NoWords { origin: String },
    /// Fewer words than a split needs (makemore.py's test set is a tenth, rounded down).
    #[error(
        "{origin}: {count} words; makemore.py's split needs at least {min} (its test set is a tenth of them, rounded down)"
    )]
    TooFewWords { origin: String, count: usize, min: usize },
    /// A word contains the boundary token '.'.
    #[error("{origin} line {line}: {word:?} contains '.', which makemore reserves as the start/end token")]
    BoundaryInWord { origin: String, line: usize, word: String },
    /// A word contains a control character (a tab, a NUL, a stray carriage return...).
    #[error("{origin} line {line}: {word:?} contains the control character U+{code:04X}")]
    ControlChar { origin: String, line: usize, word: String, code: u32 },
    /// A word contains a Unicode noncharacter (U+FFFE, U+FFFF, U+FDD0..U+FDEF, ...), which
    /// no text format may carry (XML, so SVG, forbids them).
    #[error("{origin} line {line}: {word:?} contains the noncharacter U+{code:04X}")]
    NonCharacter { origin: String, line: usize, word: String, code: u32 },
    /// A line holds only spaces: most likely a mistake, so it is not silently skipped.
    #[error("{origin} line {line}: the line holds only whitespace")]
    WhitespaceLine { origin: String, line: usize },
    /// A word uses a character the model's vocabulary does not know.
    #[error("{origin} line {line}: {word:?} contains {ch:?}, which is not in the model's vocabulary")]
    UnknownChar { origin: String, line: usize, word: String, ch: char },
    /// A vocabulary that is not '.' followed by distinct characters in code-point order,
    /// or one larger than [`crate::MAX_VOCAB`].
    #[error("invalid vocabulary: {0}")]
    BadVocab(String),
    /// A count table of the wrong shape, with negative counts, or with a row that has
    /// no probabilities.
    #[error("invalid counts: {0}")]
    BadCounts(String),
    /// Network weights of the wrong shape, or that make softmax overflow or underflow.
    #[error("invalid weights: {0}")]
    BadWeights(String),
    /// A model that could never end a word: no chain of possible next tokens leads from
    /// the start to the end token.
    #[error("the model can never end a word: {0}")]
    NeverEnds(String),
    /// A parameter outside its valid range (NaN, infinite, negative, zero where it must not be).
    #[error("invalid {name} {value}: {expected}")]
    BadParameter { name: &'static str, value: String, expected: &'static str },
    /// A setting beyond the largest value the other settings and the data allow (an MLP's
    /// hidden layer over a large vocabulary, a learning-rate decay after the last step): the
    /// parameter, its value, and its largest value with everything else as it is.
    #[error("invalid {name} {value}: must be from 1 to {max} {why}")]
    TooLargeFor { name: &'static str, value: String, max: usize, why: String },
    /// The trained model is not one that loading accepts (its parameters overflowed: the
    /// training diverged); nothing was written.
    #[error("the trained model is not usable: {0}; nothing saved (if training diverged, try a smaller learning rate)")]
    Unusable(String),
    /// A table that would be too large to allocate (a huge vocabulary or context).
    #[error("too large: {0}")]
    TooLarge(String),
    /// Training produced a NaN or infinite loss (usually a learning rate far too high).
    #[error("training diverged at step {step}: the loss became {loss} (try a smaller learning rate)")]
    Diverged { step: usize, loss: f32 },
    /// A file that is not a makemore model (or is damaged).
    #[error("'{}' is not a usable makemore model: {reason}", path.display())]
    BadModel { path: PathBuf, reason: String },
    /// An output path that cannot be written.
    #[error("cannot write '{}': {reason}", path.display())]
    Write { path: PathBuf, reason: String },
    /// A command-line flag that does not apply to what was asked for (e.g. a flag of
    /// another model kind).
    #[error("{0}")]
    Usage(String),
    /// Drawing a figure failed.
    #[error("drawing failed: {0}")]
    Draw(String),
    /// libtorch reported an error (shown as its first line: the C++ frames after it are
    /// libtorch's, not the user's).
    #[error("libtorch: {}", first_line(&.0.to_string()))]
    Torch(#[from] tch::TchError),
}

/// A libtorch message without the C++ backtrace that follows it ("Exception raised from ...").
pub(crate) fn first_line(message: &str) -> &str {
    message.lines().next().unwrap_or(message).trim_end()
}

/// `Result` with the library's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

/// A word as error messages quote it: whole when short, else its first 40 characters and
/// "…", so that a 100,000-character line does not become a 100,000-character message.
pub(crate) fn shorten(word: &str) -> String {
    const KEEP: usize = 40;
    // cutting a word only a few characters longer would save less than the "…" costs to
    // read: up to 8 more characters are shown whole
    if word.chars().count() <= KEEP + 8 {
        return word.to_string();
    }
    let mut short: String = word.chars().take(KEEP).collect();
    short.push('…');
    short
}

/// A parameter's value as a message shows it: plain for ordinary numbers (`-1`, `0.5`,
/// `NaN`), in exponent form for very large or small ones (`1e38`, not 39 digits).
pub(crate) fn show(value: f64) -> String {
    let a = value.abs();
    if a.is_finite() && a != 0.0 && !(1e-4..1e6).contains(&a) { format!("{value:e}") } else { value.to_string() }
}

/// Check that a float parameter is finite and 0 or more.
pub(crate) fn check_nonnegative(name: &'static str, value: f64) -> Result<f64> {
    if value.is_finite() && value >= 0.0 {
        return Ok(value);
    }
    Err(Error::BadParameter { name, value: show(value), expected: "must be a finite number, 0 or more" })
}

/// Check that a float parameter is finite and greater than 0.
pub(crate) fn check_positive(name: &'static str, value: f64) -> Result<f64> {
    if value.is_finite() && value > 0.0 {
        return Ok(value);
    }
    Err(Error::BadParameter { name, value: show(value), expected: "must be a finite number greater than 0" })
}

#[cfg(test)]
mod tests {
    #[test]
    fn long_words_are_shortened_in_messages() {
        assert_eq!(super::shorten("emma"), "emma");
        let long = "é".repeat(100_000);
        assert_eq!(super::shorten(&long), format!("{}…", "é".repeat(40)));
    }

    #[test]
    fn a_libtorch_error_is_its_first_line() {
        let message = "probability tensor contains either `inf`, `nan` or element < 0\nException raised from multinomial at /pytorch/aten/src/ATen/native/Distributions.cpp:641 (most recent call first):\nframe #0: c10::Error::Error(...)";
        let e = super::Error::from(tch::TchError::Torch(message.into()));
        assert_eq!(
            e.to_string(),
            "libtorch: Internal torch error: probability tensor contains either `inf`, `nan` or element < 0"
        );
    }
}
