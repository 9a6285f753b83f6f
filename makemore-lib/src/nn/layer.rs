//! What every layer provides ([`Layer`]), and what is written once for all of them: the
//! number of parameters, the named tensors a model file holds, and loading them back.

use tch::{Kind, Tensor};

use crate::error::{Error, Result};

/// A layer of a network, as the lectures' classes are: a forward pass and named parameters.
///
/// ```
/// use makemore::nn::{Layer, Linear};
/// tch::manual_seed(42);
/// let mut layer = Linear::new(3, 2, true)?;
/// let out = layer.forward(&tch::Tensor::ones([4, 3], (tch::Kind::Float, tch::Device::Cpu)))?;
/// assert_eq!(out.size(), [4, 2]);
/// let names: Vec<String> = layer.parameters().into_iter().map(|(name, _)| name).collect();
/// assert_eq!(names, ["weight", "bias"]);
/// # Ok::<(), makemore::Error>(())
/// ```
pub trait Layer: std::fmt::Debug {
    /// The forward pass (`&mut`: BatchNorm1d updates its running statistics when training).
    fn forward(&mut self, x: &Tensor) -> Result<Tensor>;
    /// Trainable parameters under PyTorch's names, in creation order (shallow clones:
    /// the same tensors, so their .grad() and in-place updates are the layer's).
    fn parameters(&self) -> Vec<(String, Tensor)>;
    /// Non-trainable state saved with the model (BatchNorm's running statistics).
    fn buffers(&self) -> Vec<(String, Tensor)> {
        Vec::new()
    }
    /// Training or evaluation mode (the lecture's `layer.training = False`).
    fn set_training(&mut self, _training: bool) {}
}

/// The number of trainable values: the lecture's `sum(p.nelement() for p in parameters)`.
///
/// ```
/// tch::manual_seed(42);
/// let layer = makemore::nn::Linear::new(30, 200, true)?;
/// assert_eq!(makemore::nn::n_parameters(&layer), 30 * 200 + 200);
/// # Ok::<(), makemore::Error>(())
/// ```
pub fn n_parameters(layer: &(impl Layer + ?Sized)) -> usize {
    layer.parameters().iter().map(|(_, p)| p.numel()).sum()
}

/// Everything a model file holds of a layer: its parameters, then its buffers, under their
/// names: the keys of PyTorch's `state_dict()` (which lists a `Sequential`'s layer by layer,
/// here all parameters come first); shallow clones of the layer's own tensors. Written with
/// `tch::Tensor::write_safetensors`, a PyTorch user reads them with `safetensors.torch.load_file`.
///
/// ```
/// let bn = makemore::nn::BatchNorm1d::new(4)?;
/// let names: Vec<String> = makemore::nn::named_tensors(&bn).into_iter().map(|(name, _)| name).collect();
/// assert_eq!(names, ["gamma", "beta", "running_mean", "running_var"]);
/// # Ok::<(), makemore::Error>(())
/// ```
pub fn named_tensors(layer: &(impl Layer + ?Sized)) -> Vec<(String, Tensor)> {
    let mut all = layer.parameters();
    all.extend(layer.buffers());
    all
}

/// Copy `tensors` (e.g. read from a safetensors file) into the layer's parameters and
/// buffers, by name. Every tensor of [`named_tensors`] must be there, float32 and of its
/// shape, and no other: otherwise [`Error::BadWeights`] names the tensor, its shape and the
/// expected shape, and nothing is changed. The copies are made without gradient tracking
/// (the tensors stay the layer's, leaves of the graph).
///
/// ```
/// use makemore::nn::{Linear, load_named, named_tensors};
/// tch::manual_seed(42);
/// let trained = Linear::new(3, 2, true)?;
/// let mut fresh = Linear::new(3, 2, true)?;
/// load_named(&mut fresh, &named_tensors(&trained))?;
/// assert!(fresh.weight.equal(&trained.weight));
/// let wrong = vec![("weight".to_string(), tch::Tensor::zeros([2, 3], tch::kind::FLOAT_CPU))];
/// let err = load_named(&mut fresh, &wrong).unwrap_err();
/// assert_eq!(err.to_string(), "invalid weights: 'weight' has shape [2, 3], expected [3, 2]");
/// # Ok::<(), makemore::Error>(())
/// ```
pub fn load_named(layer: &mut (impl Layer + ?Sized), tensors: &[(String, Tensor)]) -> Result<()> {
    let targets = named_tensors(layer);
    let mut pairs = Vec::with_capacity(targets.len());
    for (name, target) in &targets {
        let want = target.size();
        let source = tensors
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, t)| t)
            .ok_or_else(|| Error::BadWeights(format!("no tensor named '{name}' (expected shape {want:?})")))?;
        if source.size() != want {
            return Err(Error::BadWeights(format!("'{name}' has shape {:?}, expected {want:?}", source.size())));
        }
        if source.kind() != Kind::Float {
            return Err(Error::BadWeights(format!("'{name}' holds {:?} values, expected float32", source.kind())));
        }
        pairs.push((target.shallow_clone(), source));
    }
    if let Some((name, t)) = tensors.iter().find(|(n, _)| !targets.iter().any(|(m, _)| m == n)) {
        return Err(Error::BadWeights(format!("unexpected tensor '{name}' of shape {:?}", t.size())));
    }
    tch::no_grad(|| -> Result<()> {
        for (mut target, source) in pairs {
            target.f_copy_(source)?;
        }
        Ok(())
    })
}

/// The error for an input a layer cannot take: "invalid input of shape [4, 5] for
/// Linear(3, 2): …".
pub(crate) fn bad_input(x: &Tensor, layer: String, expected: &'static str) -> Error {
    Error::BadParameter { name: "input", value: format!("of shape {:?} for {layer}", x.size()), expected }
}

/// The error for a layer size of 0 (no features, no embeddings...).
pub(crate) fn check_size(name: &'static str, value: usize) -> Result<i64> {
    match i64::try_from(value) {
        Ok(v) if v > 0 => Ok(v),
        _ => Err(Error::BadParameter { name, value: value.to_string(), expected: "must be from 1 to 2^63 - 1" }),
    }
}
