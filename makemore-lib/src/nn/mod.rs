//! The network core: the layers lectures 3 and 5 write as classes, and the optimizers.
//!
//! Each layer is one file and implements [`Layer`]: a forward pass and its parameters under
//! PyTorch's names. The lectures' classes are reproduced call for call (the same libtorch
//! operations in the same order), so that on one machine a network built from them gives
//! PyTorch's numbers bit for bit:
//!
//! | lecture (makemore_part3_bn, makemore_part5_cnn1) | here |
//! |---|---|
//! | `Linear(fan_in, fan_out, bias=True)`: `randn((fan_in, fan_out)) / fan_in**0.5` | [`Linear::new`] |
//! | `torch.nn.Linear` (karpathy/makemore's models) | [`Linear::torch`] |
//! | `BatchNorm1d(dim, eps=1e-5, momentum=0.1)` | [`BatchNorm1d`] |
//! | `Tanh()` | [`Tanh`] |
//! | `Embedding(num_embeddings, embedding_dim)` | [`Embedding`] |
//! | `FlattenConsecutive(n)` | [`FlattenConsecutive`] |
//! | `Sequential([...])`, `model.parameters()` | [`Sequential`], [`Layer::parameters`] |
//! | `sum(p.nelement() for p in parameters)` | [`n_parameters`] |
//! | `layer.training = False` | [`Layer::set_training`] |
//! | `p.data += -lr * p.grad`, `lr = 0.1 if i < 150000 else 0.01` | [`Sgd`], [`StepDecay`] |
//! | `torch.nn.Embedding`, `torch.nn.LayerNorm` (karpathy/makemore's models) | [`Embedding::torch`], [`LayerNorm`] |
//! | `torch.optim.AdamW(..., betas=(0.9, 0.99), eps=1e-8)` (karpathy/makemore) | [`AdamW`] |
//!
//! ```
//! use makemore::nn::{self, BatchNorm1d, Embedding, FlattenConsecutive, Layer, Linear, Sequential, Tanh};
//! tch::manual_seed(42);
//! let mut model = Sequential::new(vec![
//!     Box::new(Embedding::new(27, 10)?),
//!     Box::new(FlattenConsecutive::new(8)?),
//!     Box::new(Linear::new(80, 200, false)?),
//!     Box::new(BatchNorm1d::new(200)?),
//!     Box::new(Tanh),
//!     Box::new(Linear::new(200, 27, true)?),
//! ]);
//! assert_eq!(nn::n_parameters(&model), 22_097);
//! let names: Vec<String> = model.parameters().into_iter().map(|(name, _)| name).collect();
//! assert_eq!(names, ["0.weight", "2.weight", "3.gamma", "3.beta", "5.weight", "5.bias"]);
//! let xs = tch::Tensor::zeros([32, 8], (tch::Kind::Int64, tch::Device::Cpu));
//! assert_eq!(model.forward(&xs)?.size(), [32, 27]);
//! # Ok::<(), makemore::Error>(())
//! ```
//!
//! [`Layer`]: crate::nn::Layer
//! [`Linear::new`]: crate::nn::Linear::new
//! [`Linear::torch`]: crate::nn::Linear::torch
//! [`BatchNorm1d`]: crate::nn::BatchNorm1d
//! [`Tanh`]: crate::nn::Tanh
//! [`Embedding`]: crate::nn::Embedding
//! [`FlattenConsecutive`]: crate::nn::FlattenConsecutive
//! [`Sequential`]: crate::nn::Sequential
//! [`Layer::parameters`]: crate::nn::Layer::parameters
//! [`n_parameters`]: crate::nn::n_parameters
//! [`Layer::set_training`]: crate::nn::Layer::set_training
//! [`Sgd`]: crate::nn::Sgd
//! [`StepDecay`]: crate::StepDecay
//! [`AdamW`]: crate::nn::AdamW
//! [`Embedding::torch`]: crate::nn::Embedding::torch
//! [`LayerNorm`]: crate::nn::LayerNorm

mod batchnorm;
mod embedding;
mod flatten;
mod layer;
mod layernorm;
mod linear;
mod optim;
mod sequential;
mod tanh;

pub use batchnorm::{BATCHNORM_EPS, BATCHNORM_MOMENTUM, BatchNorm1d};
pub use embedding::Embedding;
pub use flatten::FlattenConsecutive;
pub use layer::{Layer, load_named, n_parameters, named_tensors};
pub use layernorm::LayerNorm;
pub use linear::Linear;
pub use optim::adamw::AdamW;
pub use optim::sgd::Sgd;
pub use optim::{Optimizer, zero_grad};
pub use sequential::Sequential;
pub use tanh::Tanh;
