//! `Tanh`: the lectures' non-linearity as a layer.

use tch::Tensor;

use crate::error::Result;
use crate::nn::layer::Layer;

/// `torch.tanh(x)`, element by element; no parameters.
///
/// ```
/// use makemore::nn::{Layer, Tanh};
/// let out = Tanh.forward(&tch::Tensor::from_slice(&[0.0f32, 100.0]))?;
/// assert_eq!(Vec::<f32>::try_from(out)?, [0.0, 1.0]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Tanh;

impl Layer for Tanh {
    fn forward(&mut self, x: &Tensor) -> Result<Tensor> {
        Ok(x.f_tanh()?)
    }

    fn parameters(&self) -> Vec<(String, Tensor)> {
        Vec::new()
    }
}
