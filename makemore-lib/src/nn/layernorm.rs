//! `LayerNorm`: each vector normalised over its features, then scaled and shifted.

use tch::{Device, Kind, Tensor};

use crate::error::Result;
use crate::nn::layer::{Layer, bad_input, check_size};

/// `torch.nn.LayerNorm(dim)` (karpathy/makemore's Transformer): `F.layer_norm(x, (dim,),
/// weight, bias, eps=1e-5)` over the last dimension, `weight` ones and `bias` zeros at
/// first (nothing drawn).
///
/// ```
/// use makemore::nn::{Layer, LayerNorm};
/// let mut ln = LayerNorm::new(4)?;
/// let out = ln.forward(&tch::Tensor::from_slice(&[1.0f32, 2.0, 3.0, 4.0]).view([1, 4]))?;
/// assert!(out.mean(tch::Kind::Float).abs().double_value(&[]) < 1e-6);
/// let names: Vec<String> = ln.parameters().into_iter().map(|(name, _)| name).collect();
/// assert_eq!(names, ["weight", "bias"]);
/// # Ok::<(), makemore::Error>(())
/// ```
#[derive(Debug)]
pub struct LayerNorm {
    /// The scale (dim), ones at first.
    pub weight: Tensor,
    /// The shift (dim), zeros at first.
    pub bias: Tensor,
}

impl LayerNorm {
    /// A LayerNorm over `dim` features.
    pub fn new(dim: usize) -> Result<LayerNorm> {
        let dim = check_size("normalized_shape", dim)?;
        let weight = Tensor::f_ones([dim], (Kind::Float, Device::Cpu))?.f_set_requires_grad(true)?;
        let bias = Tensor::f_zeros([dim], (Kind::Float, Device::Cpu))?.f_set_requires_grad(true)?;
        Ok(LayerNorm { weight, bias })
    }
}

impl Layer for LayerNorm {
    fn forward(&mut self, x: &Tensor) -> Result<Tensor> {
        let dim = self.weight.size()[0];
        if x.size().last() != Some(&dim) {
            return Err(bad_input(x, format!("LayerNorm({dim})"), "its last dimension must be the layer's"));
        }
        Ok(x.f_layer_norm([dim], Some(&self.weight), Some(&self.bias), 1e-5, true)?)
    }

    fn parameters(&self) -> Vec<(String, Tensor)> {
        vec![("weight".into(), self.weight.shallow_clone()), ("bias".into(), self.bias.shallow_clone())]
    }
}
