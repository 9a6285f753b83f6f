//! `makemore.py`'s `BoW`: token and position embeddings, the causal average of every
//! position up to each one added in, an MLP, and a linear head.

use tch::{Kind, Tensor};

use crate::error::Result;
use crate::nn::{Embedding, Layer, Linear};
use crate::zoo::{Init, ZooConfig, ZooModel, ZooType, causal_mask, embedding, linear, positions, prefixed};

/// `--type bow` in the registry; one thread (a second makes its small operations slower).
pub(crate) const TYPE: ZooType = ZooType {
    name: "bow",
    n_params: |c| {
        let [v, b, e, e2] = [c.vocab_size, c.block_size, c.n_embd, c.n_embd2].map(|x| x as u128);
        v * e + b * e + e * e2 + e2 + e2 * e + e + e * v + v
    },
    build: |c, init| Ok(Box::new(Bow::with_init(c, init)?)),
    refuse: ZooType::ANY_SIZES,
    threaded: false,
};

/// `wte`, `wpe` (`nn.Embedding`s of the tokens and of the positions), a `BoWBlock`
/// (`x = x + cbow(x)`, where `cbow` averages the positions up to each one with a masked
/// softmax of zeros; then `x = x + c_proj(tanh(c_fc(x)))`), and `lm_head`.
///
/// ```
/// use makemore::nn::{Layer, n_parameters};
/// tch::manual_seed(3407);
/// let mut bow = makemore::zoo::Bow::new(&makemore::zoo::ZooConfig::default())?;
/// assert_eq!(n_parameters(&bow), 12_827);
/// let idx = tch::Tensor::zeros([2, 5], (tch::Kind::Int64, tch::Device::Cpu));
/// assert_eq!(bow.forward(&idx)?.size(), [2, 5, 27]);
/// # Ok::<(), makemore::Error>(())
/// ```
#[derive(Debug)]
pub struct Bow {
    wte: Embedding,
    wpe: Embedding,
    c_fc: Linear,
    c_proj: Linear,
    lm_head: Linear,
    /// `context_block.cbow.bias`: the lower triangle of ones, (1, block, block).
    mask: Tensor,
    block_size: usize,
}

impl Bow {
    /// The modules in makemore.py's order.
    pub fn new(cfg: &ZooConfig) -> Result<Bow> {
        Bow::with_init(cfg, Init::Draw)
    }

    /// The modules, drawn or zeros.
    pub fn with_init(cfg: &ZooConfig, init: Init) -> Result<Bow> {
        let wte = embedding(init, cfg.vocab_size, cfg.n_embd)?;
        let wpe = embedding(init, cfg.block_size, cfg.n_embd)?;
        let c_fc = linear(init, cfg.n_embd, cfg.n_embd2, true)?;
        let c_proj = linear(init, cfg.n_embd2, cfg.n_embd, true)?;
        let lm_head = linear(init, cfg.n_embd, cfg.vocab_size, true)?;
        let n = cfg.block_size as i64;
        let mask = causal_mask(cfg.block_size)?.f_view([1, n, n])?;
        Ok(Bow { wte, wpe, c_fc, c_proj, lm_head, mask, block_size: cfg.block_size })
    }

    /// `CausalBoW`: each position the average of the positions up to it.
    fn cbow(&self, x: &Tensor) -> Result<Tensor> {
        let (b, t) = (x.size()[0], x.size()[1]);
        let att = Tensor::f_zeros([b, t, t], (Kind::Float, x.device()))?;
        let blocked = self.mask.f_narrow(1, 0, t)?.f_narrow(2, 0, t)?.f_eq(0)?;
        let att = att.f_masked_fill(&blocked, f64::NEG_INFINITY)?.f_softmax(-1, Kind::Float)?;
        Ok(att.f_matmul(x)?)
    }
}

impl Layer for Bow {
    fn forward(&mut self, idx: &Tensor) -> Result<Tensor> {
        let pos = positions(idx)?;
        let x = self.wte.forward(idx)?.f_add(&self.wpe.forward(&pos)?)?;
        let x = x.f_add(&self.cbow(&x)?)?;
        let x = x.f_add(&self.c_proj.forward(&self.c_fc.forward(&x)?.f_tanh()?)?)?;
        self.lm_head.forward(&x)
    }

    fn parameters(&self) -> Vec<(String, Tensor)> {
        let mut params = prefixed("wte", self.wte.parameters());
        params.extend(prefixed("wpe", self.wpe.parameters()));
        params.extend(prefixed("context_block.mlp.c_fc", self.c_fc.parameters()));
        params.extend(prefixed("context_block.mlp.c_proj", self.c_proj.parameters()));
        params.extend(prefixed("lm_head", self.lm_head.parameters()));
        params
    }

    fn buffers(&self) -> Vec<(String, Tensor)> {
        vec![("context_block.cbow.bias".into(), self.mask.shallow_clone())]
    }
}

impl ZooModel for Bow {
    fn block_size(&self) -> usize {
        self.block_size
    }
}
