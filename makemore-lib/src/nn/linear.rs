//! `Linear`: a matrix product and an optional bias, with the lectures' initialization or
//! PyTorch's `nn.Linear`'s.

use tch::{Device, Kind, Tensor};

use crate::error::Result;
use crate::nn::layer::{Layer, bad_input, check_size};

/// A fully connected layer. Its parameters are `weight` and, if it has one, `bias`.
///
/// Two layouts, as the two sources write it:
/// - the lectures' ([`Linear::new`], makemore_part3_bn and part5_cnn1): `weight` is
///   (fan_in, fan_out), the forward pass `x @ weight + bias`;
/// - PyTorch's `nn.Linear` ([`Linear::torch`], karpathy/makemore's models): `weight` is
///   (out_features, in_features), the forward pass `F.linear(x, weight, bias)`, i.e.
///   `x @ weight.T + bias` (for a 2-D input one fused `addmm`, as PyTorch computes it).
#[derive(Debug)]
pub struct Linear {
    /// (fan_in, fan_out) in the lectures' layout, (out, in) in PyTorch's.
    pub weight: Tensor,
    /// (fan_out), or none.
    pub bias: Option<Tensor>,
    torch_layout: bool,
}

impl Linear {
    /// The lectures' layer: `weight = torch.randn((fan_in, fan_out)) / fan_in**0.5` from
    /// the global generator ([`crate::seed`] / `tch::manual_seed`), `bias = torch.zeros(fan_out)`
    /// when `bias`.
    ///
    /// ```
    /// tch::manual_seed(42);
    /// let layer = makemore::nn::Linear::new(4, 3, false)?;
    /// assert_eq!(layer.weight.size(), [4, 3]);
    /// assert!(layer.bias.is_none());
    /// assert!(makemore::nn::Linear::new(0, 3, true).is_err());
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn new(fan_in: usize, fan_out: usize, bias: bool) -> Result<Linear> {
        let (fan_in, fan_out) = (check_size("fan_in", fan_in)?, check_size("fan_out", fan_out)?);
        // fan_in**0.5 in Python is pow(fan_in, 0.5), as here; the division is by that scalar
        let weight = Tensor::f_randn([fan_in, fan_out], (Kind::Float, Device::Cpu))?
            .f_div_scalar((fan_in as f64).powf(0.5))?
            .f_set_requires_grad(true)?;
        let bias = match bias {
            true => Some(Tensor::f_zeros([fan_out], (Kind::Float, Device::Cpu))?.f_set_requires_grad(true)?),
            false => None,
        };
        Ok(Linear { weight, bias, torch_layout: false })
    }

    /// The lectures' layer of those sizes holding zeros, drawing nothing from the generator:
    /// what a model file's values are loaded into.
    pub fn zeroed(fan_in: usize, fan_out: usize, bias: bool) -> Result<Linear> {
        let (fan_in, fan_out) = (check_size("fan_in", fan_in)?, check_size("fan_out", fan_out)?);
        let zeros = |shape: &[i64]| Tensor::f_zeros(shape, (Kind::Float, Device::Cpu))?.f_set_requires_grad(true);
        let bias = if bias { Some(zeros(&[fan_out])?) } else { None };
        Ok(Linear { weight: zeros(&[fan_in, fan_out])?, bias, torch_layout: false })
    }

    /// PyTorch's `nn.Linear(in_features, out_features, bias)`, with the same draws from the
    /// global generator: `weight` (out, in) by `kaiming_uniform_(a=sqrt(5))`, i.e.
    /// `uniform_(-b, b)` with b = sqrt(3) · sqrt(2 / (1 + a²)) / sqrt(in), then `bias` by
    /// `uniform_(-1/sqrt(in), 1/sqrt(in))`: the bounds computed in float64 in the order of
    /// torch/nn/init.py, so the values are bit-identical.
    ///
    /// ```
    /// tch::manual_seed(42);
    /// let layer = makemore::nn::Linear::torch(4, 3, true)?;
    /// assert_eq!(layer.weight.size(), [3, 4]);
    /// assert!(layer.weight.abs().max().double_value(&[]) <= 0.5); // 1/sqrt(4)
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn torch(in_features: usize, out_features: usize, bias: bool) -> Result<Linear> {
        let (fan_in, fan_out) = (check_size("in_features", in_features)?, check_size("out_features", out_features)?);
        // init.kaiming_uniform_: gain = calculate_gain('leaky_relu', a) = sqrt(2 / (1 + a**2)),
        // std = gain / sqrt(fan), bound = sqrt(3) * std
        let a = 5f64.sqrt();
        let gain = (2.0 / (1.0 + a.powf(2.0))).sqrt();
        let std = gain / (fan_in as f64).sqrt();
        let bound = 3f64.sqrt() * std;
        let mut weight = Tensor::f_empty([fan_out, fan_in], (Kind::Float, Device::Cpu))?;
        let _weight = weight.f_uniform_(-bound, bound)?; // in place (not yet a parameter: no graph)
        let weight = weight.f_set_requires_grad(true)?;
        let bias = match bias {
            true => {
                let bound = 1.0 / (fan_in as f64).sqrt();
                let mut b = Tensor::f_empty([fan_out], (Kind::Float, Device::Cpu))?;
                let _b = b.f_uniform_(-bound, bound)?; // in place
                Some(b.f_set_requires_grad(true)?)
            }
            false => None,
        };
        Ok(Linear { weight, bias, torch_layout: true })
    }

    /// [`Linear::torch`]'s layer holding zeros, drawing nothing: what a model file's values
    /// are loaded into.
    pub fn torch_zeroed(in_features: usize, out_features: usize, bias: bool) -> Result<Linear> {
        let (fan_in, fan_out) = (check_size("in_features", in_features)?, check_size("out_features", out_features)?);
        let zeros = |shape: &[i64]| Tensor::f_zeros(shape, (Kind::Float, Device::Cpu))?.f_set_requires_grad(true);
        let bias = if bias { Some(zeros(&[fan_out])?) } else { None };
        Ok(Linear { weight: zeros(&[fan_out, fan_in])?, bias, torch_layout: true })
    }

    /// The number of input features the layer takes.
    pub fn fan_in(&self) -> i64 {
        self.weight.size()[if self.torch_layout { 1 } else { 0 }]
    }

    /// The number of outputs.
    pub fn fan_out(&self) -> i64 {
        self.weight.size()[if self.torch_layout { 0 } else { 1 }]
    }
}

impl Layer for Linear {
    /// `x @ weight + bias` (the lectures'), or `F.linear(x, weight, bias)` (PyTorch's), over
    /// the last dimension of `x`, which must be the layer's fan_in.
    fn forward(&mut self, x: &Tensor) -> Result<Tensor> {
        let size = x.size();
        if size.is_empty() || size[size.len() - 1] != self.fan_in() {
            let layer = format!("Linear({}, {})", self.fan_in(), self.fan_out());
            return Err(bad_input(x, layer, "its last dimension must be the layer's fan_in"));
        }
        if self.torch_layout {
            return Ok(x.f_linear(&self.weight, self.bias.as_ref())?);
        }
        let out = x.f_matmul(&self.weight)?;
        Ok(match &self.bias {
            Some(bias) => out.f_add(bias)?,
            None => out,
        })
    }

    fn parameters(&self) -> Vec<(String, Tensor)> {
        let mut params = vec![("weight".to_string(), self.weight.shallow_clone())];
        if let Some(bias) = &self.bias {
            params.push(("bias".to_string(), bias.shallow_clone()));
        }
        params
    }
}
