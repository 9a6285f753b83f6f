//! The optimizers: what one training step does with the gradients.

pub mod adamw;
pub mod sgd;

use tch::Tensor;

use crate::error::Result;

/// An update rule: after `loss.backward()`, `step` moves the parameters by their gradients.
/// Parameters whose gradient is undefined (never reached by a backward pass) are skipped,
/// as PyTorch's optimizers skip a `p.grad` of `None`.
///
/// ```
/// use makemore::nn::{Optimizer, Sgd};
/// let w = tch::Tensor::from_slice(&[1.0f32, 2.0]).set_requires_grad(true);
/// (&w * &w).sum(tch::Kind::Float).backward(); // grad = 2w
/// Sgd.step(&[w.shallow_clone()], 0.25)?;
/// assert_eq!(Vec::<f32>::try_from(&w.detach())?, [0.5, 1.0]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait Optimizer {
    /// One update of `params` (the same tensors, in the same order, at every step) at the
    /// learning rate `lr`, without gradient tracking.
    fn step(&mut self, params: &[Tensor], lr: f64) -> Result<()>;

    /// Zero the gradients before the next backward pass (the lecture's `p.grad = None`:
    /// the next backward adds to exact zeros, so the result is the same).
    fn zero_grad(&mut self, params: &[Tensor]) {
        zero_grad(params);
    }

    /// The optimizer's state under names (what a trainer saves to resume): none for SGD.
    fn state(&self) -> Vec<(String, Tensor)> {
        Vec::new()
    }
}

/// Zero the gradients of `params` that have one.
pub fn zero_grad(params: &[Tensor]) {
    for p in params {
        p.shallow_clone().zero_grad();
    }
}
