//! Exercise E02: split the words into train, dev and test sets, reproducibly.

use crate::data::pyrandom::PyRandom;
use crate::data::words::WordList;
use crate::error::{Error, Result};

/// Percentages of the words for train, dev and test, e.g. `80/10/10`.
///
/// ```
/// let s: makemore::Split = "80/10/10".parse()?;
/// assert_eq!(s.percent, [80, 10, 10]);
/// assert!("80/10".parse::<makemore::Split>().is_err());
/// assert!("80/30/-10".parse::<makemore::Split>().is_err());
/// # Ok::<(), makemore::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Split {
    /// Train, dev, test; each at least 1, summing to 100.
    pub percent: [u32; 3],
}

impl Split {
    /// The split `tune` uses unless told otherwise: 80/10/10, as in the lecture's series.
    pub const DEFAULT: Split = Split { percent: [80, 10, 10] };
    /// The seed of the shuffle before splitting unless told otherwise.
    pub const DEFAULT_SEED: u64 = 42;
}

impl std::str::FromStr for Split {
    type Err = Error;
    fn from_str(s: &str) -> Result<Split> {
        let bad = || Error::BadParameter {
            name: "split",
            value: s.to_string(),
            expected: "three whole percentages TRAIN/DEV/TEST, each at least 1, summing to 100 (e.g. 80/10/10)",
        };
        let parts: Vec<u32> =
            s.split('/').map(|p| p.trim().parse::<u32>()).collect::<std::result::Result<_, _>>().map_err(|_| bad())?;
        match parts[..] {
            [a, b, c] if a >= 1 && b >= 1 && c >= 1 && a + b + c == 100 => Ok(Split { percent: [a, b, c] }),
            _ => Err(bad()),
        }
    }
}

impl std::fmt::Display for Split {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let [a, b, c] = self.percent;
        write!(f, "{a}/{b}/{c}")
    }
}

/// Train, dev and test words.
#[derive(Debug, Clone)]
pub struct Splits {
    /// For fitting the model.
    pub train: WordList,
    /// For choosing hyperparameters (smoothing, regularization).
    pub dev: WordList,
    /// For the final, once-only evaluation.
    pub test: WordList,
}

impl Split {
    /// Shuffle the words as CPython's `random.seed(seed); random.shuffle(words)` does
    /// ([`PyRandom`](crate::PyRandom)) and cut them as the later makemore lectures do: the
    /// first `n1 = int(0.8*n)` words train, up to `n2 = int(0.9*n)` dev, the rest test,
    /// with 0.8 = train/100 and 0.9 = (train+dev)/100 as float64 products, as in Python.
    /// The same seed gives Python's split, on every run and platform. Each part must get a
    /// word.
    ///
    /// ```
    /// let words = makemore::WordList::parse("a\nb\nc\nd\ne\nf\ng\nh\ni\nj", "w")?;
    /// let s = "80/10/10".parse::<makemore::Split>()?.apply(&words, 42)?;
    /// assert_eq!((s.train.len(), s.dev.len(), s.test.len()), (8, 1, 1));
    /// // python3 -c "import random; w = list('abcdefghij'); random.seed(42); random.shuffle(w); print(w)"
    /// assert_eq!(&s.train[..3], ["h", "d", "c"]);
    /// let few = makemore::WordList::parse("ab\nba", "w")?;
    /// assert!("80/10/10".parse::<makemore::Split>()?.apply(&few, 42).is_err());
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn apply(&self, words: &WordList, seed: u64) -> Result<Splits> {
        let n = words.len();
        let mut order: Vec<usize> = (0..n).collect();
        PyRandom::new(seed).shuffle(&mut order);
        let cut = |percent: u32| (percent as f64 / 100.0 * n as f64) as usize; // int(0.8*n)
        let (n1, n2) = (cut(self.percent[0]), cut(self.percent[0] + self.percent[1]));
        if n1 == 0 || n2 == n1 || n2 == n {
            return Err(Error::BadParameter {
                name: "split",
                value: format!("{self} of {n} words"),
                expected: "every part needs at least one word: use more words or other percentages",
            });
        }
        let part = |range: std::ops::Range<usize>, name: &str| {
            words.select(&order[range], &format!("{} ({name} split)", words.origin()))
        };
        Ok(Splits { train: part(0..n1, "train"), dev: part(n1..n2, "dev"), test: part(n2..n, "test") })
    }
}
