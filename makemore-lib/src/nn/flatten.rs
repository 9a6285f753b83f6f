//! `FlattenConsecutive`: lecture 5's grouping of n consecutive elements into one vector.

use tch::Tensor;

use crate::error::{Error, Result};
use crate::nn::layer::{Layer, bad_input};

/// `FlattenConsecutive(n)`: (B, T, C) → `x.view(B, T/n, C·n)`, each n consecutive vectors
/// side by side; when that leaves one group, `squeeze(1)` gives (B, C·n). No parameters.
///
/// ```
/// use makemore::nn::{FlattenConsecutive, Layer};
/// let x = tch::Tensor::arange(2 * 8 * 3, tch::kind::FLOAT_CPU).view([2, 8, 3]);
/// assert_eq!(FlattenConsecutive::new(2)?.forward(&x)?.size(), [2, 4, 6]);
/// assert_eq!(FlattenConsecutive::new(8)?.forward(&x)?.size(), [2, 24]);
/// let err = FlattenConsecutive::new(3)?.forward(&x).unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "invalid input length 8 (dimension 1 of [2, 8, 3]) for FlattenConsecutive(3): must be a multiple of n"
/// );
/// # Ok::<(), makemore::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct FlattenConsecutive {
    n: i64,
}

impl FlattenConsecutive {
    /// Flatten groups of `n` consecutive elements (1 or more).
    pub fn new(n: usize) -> Result<FlattenConsecutive> {
        let n = crate::nn::layer::check_size("FlattenConsecutive n", n)?;
        Ok(FlattenConsecutive { n })
    }

    /// The number of consecutive elements flattened together.
    pub fn n(&self) -> usize {
        self.n as usize
    }
}

impl Layer for FlattenConsecutive {
    fn forward(&mut self, x: &Tensor) -> Result<Tensor> {
        let n = self.n;
        let &[b, t, c] = x.size().as_slice() else {
            return Err(bad_input(x, format!("FlattenConsecutive({n})"), "the input must be 3-D (B, T, C)"));
        };
        if t % n != 0 {
            return Err(Error::BadParameter {
                name: "input",
                value: format!("length {t} (dimension 1 of {:?}) for FlattenConsecutive({n})", x.size()),
                expected: "must be a multiple of n",
            });
        }
        let out = x.f_view([b, t / n, c * n])?;
        Ok(if t / n == 1 { out.f_squeeze_dim(1)? } else { out })
    }

    fn parameters(&self) -> Vec<(String, Tensor)> {
        Vec::new()
    }
}
