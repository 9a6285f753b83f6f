//! karpathy/makemore's `makemore.py`: its data, its model types and its training run, as
//! `makemore run` runs them (the same command line, the same numbers).
//!
//! Each type is one file: a [`ZooModel`] (a [`Layer`] whose forward pass takes (B, T) token
//! indices to (B, T, V) logits, with the block size it reads) and its [`ZooType`], the type's
//! one line in the registry, [`REGISTRY`]. [`build`] makes one, drawing its parameters from
//! the global generator in the order of makemore.py's modules (`nn.Linear`'s kaiming-uniform,
//! `nn.Embedding`'s normal).
//!
//! | `--type` | makemore.py | here |
//! |---|---|---|
//! | `bigram` | `Bigram` | [`Bigram`] |
//! | `mlp` | `MLP` | [`Mlp`] |
//! | `rnn` | `RNN(config, cell_type='rnn')` | [`Rnn::vanilla`] |
//! | `gru` | `RNN(config, cell_type='gru')` | [`Rnn::gru`] |
//! | `bow` | `BoW` | [`Bow`] |
//! | `transformer` | `Transformer` | [`Transformer`] |
//!
//! The order of everything drawn from the global generator is makemore.py's:
//! `manual_seed(seed)`, the split's `randperm` ([`Datasets`]), the model's parameters, the
//! training loader's two seeds ([`TrainLoader`]), then, interleaved as the steps reach them,
//! each evaluation's two seeds and each sampling's `multinomial` draws.
//!
//! [`ZooModel`]: crate::zoo::ZooModel
//! [`Layer`]: crate::nn::Layer
//! [`ZooType`]: crate::zoo::ZooType
//! [`REGISTRY`]: crate::zoo::REGISTRY
//! [`build`]: crate::zoo::build
//! [`Bigram`]: crate::zoo::Bigram
//! [`Mlp`]: crate::zoo::Mlp
//! [`Rnn::vanilla`]: crate::zoo::Rnn::vanilla
//! [`Rnn::gru`]: crate::zoo::Rnn::gru
//! [`Bow`]: crate::zoo::Bow
//! [`Transformer`]: crate::zoo::Transformer
//! [`Datasets`]: crate::zoo::Datasets
//! [`TrainLoader`]: crate::zoo::TrainLoader

mod bigram;
mod bow;
mod data;
pub(crate) mod file;
mod loader;
mod mlp;
mod rnn;
mod rnn_backprop;
mod run;
mod transformer;

pub use bigram::Bigram;
pub use bow::Bow;
pub use data::{Datasets, MIN_WORDS, words_of};
pub(crate) use file::save;
pub use file::{KIND, ZooNet};
pub use loader::{TorchGenerator, TrainLoader, global_seed};
pub use mlp::Mlp;
pub use rnn::{Cell, Rnn};
pub use run::{RunConfig, RunEnd, py_float, run, run_with};
pub use transformer::Transformer;

use tch::{Device, Kind, Tensor};

use crate::error::{Error, Result};
use crate::nn::{Embedding, Layer, Linear};

/// makemore.py's `ModelConfig`: the data's sizes and the network's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ZooConfig {
    /// The length of the input sequences: the longest word + 1.
    pub block_size: usize,
    /// The tokens: the characters and the start/stop token 0.
    pub vocab_size: usize,
    /// Transformer blocks.
    pub n_layer: usize,
    /// Feature channels of the embeddings.
    pub n_embd: usize,
    /// Feature channels elsewhere (hidden layers, recurrent state).
    pub n_embd2: usize,
    /// Attention heads.
    pub n_head: usize,
}

impl Default for ZooConfig {
    /// makemore.py's defaults (`n_layer` 4, `n_embd` 64, `n_embd2` 64, `n_head` 4), for 27
    /// tokens and a block of 16 (names.txt's).
    fn default() -> ZooConfig {
        ZooConfig { block_size: 16, vocab_size: 27, n_layer: 4, n_embd: 64, n_embd2: 64, n_head: 4 }
    }
}

/// A model of makemore.py's zoo: (B, T) tokens in, (B, T, V) logits out
/// ([`Layer::forward`]), its parameters under PyTorch's names ([`Layer::parameters`]).
pub trait ZooModel: Layer {
    /// How many previous tokens it reads (`get_block_size()`): sampling crops to it.
    fn block_size(&self) -> usize;
    /// A training step with the backward pass written out, for a type that has one (by default
    /// none: the run trains through autograd).
    fn written_step(&self) -> Option<Box<dyn WrittenStep>> {
        None
    }
    /// Switch to the type's fused kernels (`makemore run --fast`): the same parameters and
    /// the same function, computed by fewer, larger libtorch kernels whose rounding differs
    /// from makemore.py's. False (and nothing changes) for a type that has none.
    fn fuse(&mut self) -> bool {
        false
    }
    /// What makemore.py's constructor of this type prints, if anything (the Transformer:
    /// "number of parameters: 0.20M").
    fn announce(&self) -> Option<String> {
        None
    }
}

/// A training step whose backward pass is written out: the libtorch calls `loss.backward()`
/// makes for the type's graph, in the engine's order, so the gradients are autograd's bit for
/// bit, without the graph's bookkeeping.
pub trait WrittenStep {
    /// The forward and backward passes for the batch `x` (B, T) with targets `y` (−1: none),
    /// the model's parameters `params` in [`Layer::parameters`]' order: the loss, and the
    /// gradients in that order (for the optimizer).
    fn step(&mut self, params: &[Tensor], x: &Tensor, y: &Tensor) -> Result<(f64, &[Tensor])>;
}

/// One of makemore.py's model types: its `--type` name and what the zoo asks of it. Each
/// type's file defines its own (`TYPE`); [`REGISTRY`] lists them.
#[derive(Debug, Clone, Copy)]
pub struct ZooType {
    /// The `--type` name, e.g. `"gru"`.
    pub name: &'static str,
    /// How many parameters a model of these sizes has, from the sizes alone (before
    /// anything is allocated, so that too large a model is refused first).
    pub n_params: fn(&ZooConfig) -> u128,
    /// A model of these sizes, its parameters drawn or zeros.
    pub build: fn(&ZooConfig, Init) -> Result<Box<dyn ZooModel>>,
    /// Why these sizes cannot make this type, as `--flag value: reason` (None: they can).
    pub refuse: fn(&ZooConfig) -> Option<String>,
    /// Whether `makemore run` trains it on libtorch's default thread count (one per core,
    /// as makemore.py computes) rather than on one: the types whose matrix products gain
    /// from a second thread ([`default_threads`]).
    pub threaded: bool,
}

impl ZooType {
    /// What [`ZooType::refuse`] is for the types that take any sizes.
    pub const ANY_SIZES: fn(&ZooConfig) -> Option<String> = |_| None;
}

/// The registry: makemore.py's model types, one line each, in its `--type` help order.
/// Everything else that names a type (the command line's values, [`build`], [`n_params`],
/// [`default_threads`], reading a model file) reads it from here.
pub const REGISTRY: [ZooType; 6] = [bigram::TYPE, mlp::TYPE, rnn::RNN, rnn::GRU, bow::TYPE, transformer::TYPE];

/// The type named `name`, from [`REGISTRY`].
///
/// ```
/// assert_eq!(makemore::zoo::zoo_type("gru").map(|t| t.name), Some("gru"));
/// assert!(makemore::zoo::zoo_type("lstm").is_none());
/// ```
pub fn zoo_type(name: &str) -> Option<&'static ZooType> {
    REGISTRY.iter().find(|t| t.name == name)
}

/// The types' names, in [`REGISTRY`] order: `["bigram", "mlp", ...]`.
pub fn type_names() -> Vec<&'static str> {
    REGISTRY.iter().map(|t| t.name).collect()
}

/// How many libtorch threads `makemore run` trains a type on when `--threads` is not given:
/// the caller's count (libtorch's default, one per core, as makemore.py computes) for the
/// [`threaded`](ZooType::threaded) types, the MLP and the Transformer, whose matrix products
/// gain from a second thread (on a 2-core AMD EPYC: 4.4 ms a step against 5.8, and 14.7
/// against 20.6); one for the other types, whose small operations do not (the BoW loses:
/// 1.56 ms against 1.28). The numbers of the types on one thread, and the MLP's, are the same
/// at one thread and two; the Transformer's are not (some of its reductions split by
/// thread), and the fixtures record two for both.
///
/// ```
/// tch::set_num_threads(2);
/// assert_eq!(makemore::zoo::default_threads("transformer"), 2);
/// assert_eq!(makemore::zoo::default_threads("mlp"), 2);
/// assert_eq!(makemore::zoo::default_threads("gru"), 1);
/// ```
pub fn default_threads(kind: &str) -> i32 {
    if zoo_type(kind).is_some_and(|t| t.threaded) { tch::get_num_threads() } else { 1 }
}

/// A model of `kind` (a type of [`REGISTRY`]) for `cfg`, its parameters drawn from the
/// global generator.
///
/// ```
/// tch::manual_seed(3407);
/// let model = makemore::zoo::build("bigram", &makemore::zoo::ZooConfig::default())?;
/// assert_eq!(makemore::nn::n_parameters(&*model), 729);
/// assert!(makemore::zoo::build("lstm", &makemore::zoo::ZooConfig::default()).is_err());
/// # Ok::<(), makemore::Error>(())
/// ```
pub fn build(kind: &str, cfg: &ZooConfig) -> Result<Box<dyn ZooModel>> {
    build_with(kind, cfg, Init::Draw)
}

/// How many parameters a model of `kind` and sizes `cfg` has, computed from the sizes
/// (before anything is allocated); None for an unknown type.
///
/// ```
/// use makemore::zoo::{ZooConfig, n_params};
/// let cfg = ZooConfig::default();
/// let counts = ["bigram", "mlp", "rnn", "gru", "bow", "transformer"].map(|k| n_params(k, &cfg));
/// assert_eq!(counts.map(Option::unwrap), [729, 69_147, 11_803, 28_315, 12_827, 204_544]);
/// ```
pub fn n_params(kind: &str, cfg: &ZooConfig) -> Option<u128> {
    zoo_type(kind).map(|t| (t.n_params)(cfg))
}

/// The most parameters a model may have: 2^26 float32 values (256 MB, and AdamW's two
/// averages and the gradients as much again each). makemore.py's transformer has 204,544.
pub const MAX_PARAMS: u128 = 1 << 26;

/// [`build`], its parameters drawn or zeros. Refuses an unknown type, sizes the type cannot
/// take ([`ZooType::refuse`]), and sizes whose model would have more than [`MAX_PARAMS`]
/// parameters, before allocating anything.
///
/// ```
/// use makemore::zoo::{Init, ZooConfig, build_with};
/// let odd = ZooConfig { n_embd: 30, ..ZooConfig::default() }; // 4 heads of 7.5 features
/// let err = build_with("transformer", &odd, Init::Zeros).unwrap_err().to_string();
/// assert!(err.contains("--n-embd 30"), "{err}");
/// assert!(build_with("gru", &odd, Init::Zeros).is_ok());
/// ```
pub fn build_with(kind: &str, cfg: &ZooConfig, init: Init) -> Result<Box<dyn ZooModel>> {
    (check(kind, cfg)?.build)(cfg, init)
}

/// The type `kind` of [`REGISTRY`] if it can make a model of sizes `cfg`: what
/// [`build_with`] refuses, found without building.
pub fn check(kind: &str, cfg: &ZooConfig) -> Result<&'static ZooType> {
    let Some(t) = zoo_type(kind) else {
        return Err(Error::Usage(format!(
            "no model type {kind:?}: makemore.py's types are {}",
            type_names().join(", ")
        )));
    };
    if let Some(why) = (t.refuse)(cfg) {
        return Err(Error::Usage(format!("invalid {why}")));
    }
    let n = (t.n_params)(cfg);
    if n > MAX_PARAMS {
        return Err(Error::TooLarge(format!(
            "a {kind} of these sizes has {n} parameters, more than {MAX_PARAMS}: use a smaller --n-embd, --n-embd2 or --n-layer"
        )));
    }
    Ok(t)
}

/// How a model's parameters begin: drawn from the global generator as PyTorch draws them,
/// or zeros, drawing nothing (what a model file's values are loaded into).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Init {
    /// `nn.Linear`'s kaiming-uniform, `nn.Embedding`'s normal, in makemore.py's order.
    Draw,
    /// Zeros (LayerNorm's ones and zeros either way).
    Zeros,
}

/// `nn.Linear(i, o, bias)`, drawn or zeros.
pub(crate) fn linear(init: Init, i: usize, o: usize, bias: bool) -> Result<Linear> {
    match init {
        Init::Draw => Linear::torch(i, o, bias),
        Init::Zeros => Linear::torch_zeroed(i, o, bias),
    }
}

/// `nn.Embedding(n, d)`, drawn or zeros.
pub(crate) fn embedding(init: Init, n: usize, d: usize) -> Result<Embedding> {
    match init {
        Init::Draw => Embedding::torch(n, d),
        Init::Zeros => Ok(Embedding::zeroed(n, d)?.into_torch()),
    }
}

/// `torch.arange(0, t, device=idx.device).unsqueeze(0)` for a (B, t) input: the
/// positions, (1, t).
pub(crate) fn positions(idx: &Tensor) -> Result<Tensor> {
    Ok(Tensor::f_arange(idx.size()[1], (Kind::Int64, idx.device()))?.f_unsqueeze(0)?)
}

/// `torch.tril(torch.ones(n, n))`: 1 where a position may look (itself and before).
pub(crate) fn causal_mask(n: usize) -> Result<Tensor> {
    Ok(Tensor::f_ones([n as i64, n as i64], (Kind::Float, Device::Cpu))?.f_tril(0)?)
}

/// A sub-module's parameters under its name: `prefix.name`.
pub(crate) fn prefixed(prefix: &str, params: Vec<(String, Tensor)>) -> Vec<(String, Tensor)> {
    params.into_iter().map(|(name, t)| (format!("{prefix}.{name}"), t)).collect()
}
