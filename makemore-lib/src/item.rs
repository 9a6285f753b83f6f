//! `t.item()`: PyTorch's way to read a one-element tensor, for tch's `double_value(&[])`.

use tch::Tensor;

/// Read a one-element tensor as a number, like PyTorch's `tensor.item()`.
///
/// ```
/// use makemore::Item;
/// let loss = tch::Tensor::from_slice(&[2.5f32]).mean(tch::Kind::Float);
/// assert_eq!(loss.item(), 2.5);
/// ```
pub trait Item {
    /// The value as `f64` (`double_value(&[])`: tch panics if the tensor has more than one element).
    fn item(&self) -> f64;
}

impl Item for Tensor {
    fn item(&self) -> f64 {
        self.double_value(&[])
    }
}
