//! `makemore.py`'s `Bigram`: a table of logits for the next token, one row per token.

use tch::{Device, Kind, Tensor};

use crate::error::Result;
use crate::nn::Layer;
use crate::zoo::{ZooConfig, ZooModel, ZooType};

/// `--type bigram` in the registry: V × V logits, no draws (zeros either way), one thread.
pub(crate) const TYPE: ZooType = ZooType {
    name: "bigram",
    n_params: |c| (c.vocab_size * c.vocab_size) as u128,
    build: |c, _| Ok(Box::new(Bigram::new(c)?)),
    refuse: ZooType::ANY_SIZES,
    threaded: false,
};

/// `self.logits = nn.Parameter(torch.zeros((n, n)))`, forward `self.logits[idx]`: (B, T)
/// tokens give (B, T, V) logits, each from the previous token alone (block size 1).
///
/// ```
/// use makemore::nn::Layer;
/// let cfg = makemore::zoo::ZooConfig { vocab_size: 27, block_size: 16, ..Default::default() };
/// let mut model = makemore::zoo::Bigram::new(&cfg)?;
/// let idx = tch::Tensor::zeros([4, 16], (tch::Kind::Int64, tch::Device::Cpu));
/// assert_eq!(model.forward(&idx)?.size(), [4, 16, 27]);
/// assert_eq!(makemore::nn::n_parameters(&model), 729);
/// # Ok::<(), makemore::Error>(())
/// ```
#[derive(Debug)]
pub struct Bigram {
    /// V × V: row `i` holds the logits of what follows token `i`.
    pub logits: Tensor,
}

impl Bigram {
    /// A table of zeros: every next token equally likely (no draws).
    pub fn new(cfg: &ZooConfig) -> Result<Bigram> {
        let n = cfg.vocab_size as i64;
        Ok(Bigram { logits: Tensor::f_zeros([n, n], (Kind::Float, Device::Cpu))?.f_set_requires_grad(true)? })
    }
}

impl Layer for Bigram {
    fn forward(&mut self, idx: &Tensor) -> Result<Tensor> {
        Ok(self.logits.f_index(&[Some(idx)])?)
    }

    fn parameters(&self) -> Vec<(String, Tensor)> {
        vec![("logits".into(), self.logits.shallow_clone())]
    }
}

impl ZooModel for Bigram {
    /// One previous token is all it reads.
    fn block_size(&self) -> usize {
        1
    }
}
