//! `makemore.py`'s `MLP` (Bengio et al. 2003): the embeddings of the previous block-size
//! tokens, concatenated, through one hidden tanh layer.

use tch::Tensor;

use crate::error::Result;
use crate::nn::{Embedding, Layer, Linear};
use crate::zoo::{Init, ZooConfig, ZooModel, ZooType, embedding, linear};

/// `--type mlp` in the registry; its matrix products gain from a second thread.
pub(crate) const TYPE: ZooType = ZooType {
    name: "mlp",
    n_params: |c| {
        let [v, b, e, e2] = [c.vocab_size, c.block_size, c.n_embd, c.n_embd2].map(|x| x as u128);
        (v + 1) * e + b * e * e2 + e2 + e2 * v + v
    },
    build: |c, init| Ok(Box::new(Mlp::with_init(c, init)?)),
    refuse: ZooType::ANY_SIZES,
    threaded: true,
};

/// `wte = nn.Embedding(vocab_size + 1, n_embd)` (the extra row is a `<BLANK>` token for
/// positions before the start), then `nn.Sequential(nn.Linear(block_size · n_embd, n_embd2),
/// nn.Tanh(), nn.Linear(n_embd2, vocab_size))`. For every position of a (B, T) input it
/// reads that token and the block size − 1 before it, rolling the input right one place at a
/// time and writing `<BLANK>` into the first column.
///
/// ```
/// use makemore::nn::Layer;
/// let cfg = makemore::zoo::ZooConfig { vocab_size: 27, block_size: 16, ..Default::default() };
/// tch::manual_seed(3407);
/// let mut model = makemore::zoo::Mlp::new(&cfg)?;
/// assert_eq!(makemore::nn::n_parameters(&model), 69_147);
/// let idx = tch::Tensor::zeros([2, 16], (tch::Kind::Int64, tch::Device::Cpu));
/// assert_eq!(model.forward(&idx)?.size(), [2, 16, 27]);
/// # Ok::<(), makemore::Error>(())
/// ```
#[derive(Debug)]
pub struct Mlp {
    wte: Embedding,
    hidden: Linear,
    output: Linear,
    block_size: usize,
    blank: i64,
}

impl Mlp {
    /// The layers, drawn from the global generator in makemore.py's order.
    pub fn new(cfg: &ZooConfig) -> Result<Mlp> {
        Mlp::with_init(cfg, Init::Draw)
    }

    /// The layers, drawn or zeros.
    pub fn with_init(cfg: &ZooConfig, init: Init) -> Result<Mlp> {
        let wte = embedding(init, cfg.vocab_size + 1, cfg.n_embd)?;
        let hidden = linear(init, cfg.block_size * cfg.n_embd, cfg.n_embd2, true)?;
        let output = linear(init, cfg.n_embd2, cfg.vocab_size, true)?;
        Ok(Mlp { wte, hidden, output, block_size: cfg.block_size, blank: cfg.vocab_size as i64 })
    }
}

impl Layer for Mlp {
    fn forward(&mut self, idx: &Tensor) -> Result<Tensor> {
        let mut idx = idx.shallow_clone();
        let mut embs = Vec::with_capacity(self.block_size);
        for _ in 0..self.block_size {
            embs.push(self.wte.forward(&idx)?); // (b, t, n_embd)
            idx = idx.f_roll([1], [1])?;
            let _ = idx.f_select(1, 0)?.f_fill_(self.blank)?;
        }
        let x = Tensor::f_cat(&embs, -1)?; // (b, t, n_embd * block_size)
        self.output.forward(&self.hidden.forward(&x)?.f_tanh()?)
    }

    fn parameters(&self) -> Vec<(String, Tensor)> {
        let mut params = crate::zoo::prefixed("wte", self.wte.parameters());
        params.extend(crate::zoo::prefixed("mlp.0", self.hidden.parameters()));
        params.extend(crate::zoo::prefixed("mlp.2", self.output.parameters()));
        params
    }
}

impl ZooModel for Mlp {
    fn block_size(&self) -> usize {
        self.block_size
    }
}
