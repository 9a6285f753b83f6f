//! `Sequential`: layers applied in order, the lectures' model container.

use tch::Tensor;

use crate::error::Result;
use crate::nn::layer::Layer;

/// The lecture's `Sequential([...])`: each layer's output is the next one's input. Its
/// parameters and buffers are the layers' in order, named `"{i}.{name}"` with `i` the
/// layer's index, as PyTorch's `nn.Sequential` names them in its `state_dict` (so a layer
/// without parameters still takes up an index). [`Layer::set_training`] reaches every layer.
///
/// ```
/// use makemore::nn::{Layer, Linear, Sequential, Tanh};
/// tch::manual_seed(42);
/// let mut mlp =
///     Sequential::new(vec![Box::new(Linear::new(3, 4, true)?), Box::new(Tanh), Box::new(Linear::new(4, 2, true)?)]);
/// let names: Vec<String> = mlp.parameters().into_iter().map(|(name, _)| name).collect();
/// assert_eq!(names, ["0.weight", "0.bias", "2.weight", "2.bias"]);
/// assert_eq!(mlp.forward(&tch::Tensor::ones([5, 3], tch::kind::FLOAT_CPU))?.size(), [5, 2]);
/// # Ok::<(), makemore::Error>(())
/// ```
#[derive(Debug, Default)]
pub struct Sequential {
    layers: Vec<Box<dyn Layer>>,
}

impl Sequential {
    /// The layers, first to last.
    pub fn new(layers: Vec<Box<dyn Layer>>) -> Sequential {
        Sequential { layers }
    }

    /// The layers (the lecture's `model.layers`).
    pub fn layers(&self) -> &[Box<dyn Layer>] {
        &self.layers
    }

    /// The layers, to change one. (The lecture's `model.layers[-1].weight *= 0.1` is an
    /// in-place multiply of that parameter from [`Layer::parameters`], under `tch::no_grad`.)
    pub fn layers_mut(&mut self) -> &mut [Box<dyn Layer>] {
        &mut self.layers
    }
}

impl Layer for Sequential {
    fn forward(&mut self, x: &Tensor) -> Result<Tensor> {
        let mut x = x.shallow_clone();
        for layer in &mut self.layers {
            x = layer.forward(&x)?;
        }
        Ok(x)
    }

    fn parameters(&self) -> Vec<(String, Tensor)> {
        numbered(&self.layers, |layer| layer.parameters())
    }

    fn buffers(&self) -> Vec<(String, Tensor)> {
        numbered(&self.layers, |layer| layer.buffers())
    }

    fn set_training(&mut self, training: bool) {
        for layer in &mut self.layers {
            layer.set_training(training);
        }
    }
}

/// Every layer's tensors, each name prefixed with the layer's index.
fn numbered(layers: &[Box<dyn Layer>], tensors: impl Fn(&dyn Layer) -> Vec<(String, Tensor)>) -> Vec<(String, Tensor)> {
    let mut all = Vec::new();
    for (i, layer) in layers.iter().enumerate() {
        all.extend(tensors(layer.as_ref()).into_iter().map(|(name, t)| (format!("{i}.{name}"), t)));
    }
    all
}
