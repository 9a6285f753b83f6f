//! `makemore.py`'s `Transformer`: GPT-2 as in minGPT, without dropout.

use tch::{Kind, Tensor};

use crate::error::Result;
use crate::nn::{Embedding, Layer, LayerNorm, Linear};
use crate::zoo::{Init, ZooConfig, ZooModel, ZooType, causal_mask, embedding, linear, positions, prefixed};

/// `--type transformer` in the registry. Its heads split the embedding's features, so
/// `n_embd` must be a multiple of `n_head`; its matrix products gain from a second thread.
pub(crate) const TYPE: ZooType = ZooType {
    name: "transformer",
    n_params: |c| {
        let [v, b, e, l] = [c.vocab_size, c.block_size, c.n_embd, c.n_layer].map(|x| x as u128);
        v * e + b * e + l * (12 * e * e + 13 * e) + 2 * e + e * v
    },
    build: |c, init| Ok(Box::new(Transformer::with_init(c, init)?)),
    refuse: |c| {
        let heads = c.n_head;
        (c.n_embd % heads != 0).then(|| {
            format!(
                "--n-embd {}: each of the {heads} heads takes n_embd / n_head features: a multiple of --n-head",
                c.n_embd
            )
        })
    },
    threaded: true,
};

/// `NewGELU`: the tanh approximation of GELU used by BERT and GPT,
/// `0.5 · x · (1 + tanh(sqrt(2/π) · (x + 0.044715 · x³)))`, its operations made in Python's
/// order: `x` feeds three of them, and autograd adds their gradients in the reverse order
/// of their making, so another order rounds `x`'s gradient differently.
fn new_gelu(x: &Tensor) -> Result<Tensor> {
    let half = x.f_mul_scalar(0.5)?;
    let inner = x.f_add(&x.f_pow_tensor_scalar(3.0)?.f_mul_scalar(0.044715)?)?;
    let tanh = inner.f_mul_scalar((2.0 / std::f64::consts::PI).sqrt())?.f_tanh()?;
    Ok(half.f_mul(&tanh.f_add_scalar(1.0)?)?)
}

/// `CausalSelfAttention`: multi-head masked self-attention and a projection.
#[derive(Debug)]
struct CausalSelfAttention {
    /// Query, key and value projections of all heads at once.
    c_attn: Linear,
    /// The output projection.
    c_proj: Linear,
    /// `bias`: the lower triangle of ones, (1, 1, block, block).
    mask: Tensor,
    n_head: i64,
    n_embd: i64,
}

impl CausalSelfAttention {
    fn new(cfg: &ZooConfig, init: Init) -> Result<CausalSelfAttention> {
        let c_attn = linear(init, cfg.n_embd, 3 * cfg.n_embd, true)?;
        let c_proj = linear(init, cfg.n_embd, cfg.n_embd, true)?;
        let n = cfg.block_size as i64;
        let mask = causal_mask(cfg.block_size)?.f_view([1, 1, n, n])?;
        let (n_head, n_embd) = (cfg.n_head as i64, cfg.n_embd as i64);
        Ok(CausalSelfAttention { c_attn, c_proj, mask, n_head, n_embd })
    }

    /// `fused`: libtorch's attention in one kernel (`--fast`) instead of the written-out one.
    fn forward(&mut self, x: &Tensor, fused: bool) -> Result<Tensor> {
        let (b, t, c) = (x.size()[0], x.size()[1], x.size()[2]);
        let hs = c / self.n_head;
        // query, key and value of every head, the head moved forward to be a batch dimension
        let qkv = self.c_attn.forward(x)?.f_split(self.n_embd, 2)?;
        let heads = |t_: &Tensor| t_.f_view([b, t, self.n_head, hs])?.f_transpose(1, 2);
        let (k, q, v) = (heads(&qkv[1])?, heads(&qkv[0])?, heads(&qkv[2])?); // (b, nh, t, hs)
        let y = if fused {
            // the same attention in one kernel (and one backward): causal, scaled by 1/sqrt(hs)
            Tensor::f_scaled_dot_product_attention(&q, &k, &v, None::<Tensor>, 0.0, true, None, false)?
        } else {
            self.attend(&q, &k, &v, t, hs)?
        };
        let y = y.f_transpose(1, 2)?.f_contiguous()?.f_view([b, t, c])?; // the heads side by side
        self.c_proj.forward(&y)
    }

    /// minGPT's attention, written out: softmax(q kᵀ / sqrt(hs), masked causally) v.
    fn attend(&self, q: &Tensor, k: &Tensor, v: &Tensor, t: i64, hs: i64) -> Result<Tensor> {
        // causal self-attention: (b, nh, t, hs) x (b, nh, hs, t) -> (b, nh, t, t)
        let att = q.f_matmul(&k.f_transpose(-2, -1)?)?.f_mul_scalar(1.0 / (hs as f64).sqrt())?;
        let blocked = self.mask.f_narrow(2, 0, t)?.f_narrow(3, 0, t)?.f_eq(0)?;
        let att = att.f_masked_fill(&blocked, f64::NEG_INFINITY)?.f_softmax(-1, Kind::Float)?;
        Ok(att.f_matmul(v)?) // (b, nh, t, hs)
    }
}

/// `Block`: `x = x + attn(ln_1(x))`, then `x = x + c_proj(gelu(c_fc(ln_2(x))))`.
#[derive(Debug)]
struct Block {
    ln_1: LayerNorm,
    attn: CausalSelfAttention,
    ln_2: LayerNorm,
    c_fc: Linear,
    c_proj: Linear,
    /// Attention and GELU each one libtorch kernel (`--fast`): `scaled_dot_product_attention`
    /// and the tanh GELU instead of minGPT's written-out attention and `NewGELU`.
    fused: bool,
}

impl Block {
    fn new(cfg: &ZooConfig, init: Init) -> Result<Block> {
        Ok(Block {
            ln_1: LayerNorm::new(cfg.n_embd)?,
            attn: CausalSelfAttention::new(cfg, init)?,
            ln_2: LayerNorm::new(cfg.n_embd)?,
            c_fc: linear(init, cfg.n_embd, 4 * cfg.n_embd, true)?,
            c_proj: linear(init, 4 * cfg.n_embd, cfg.n_embd, true)?,
            fused: false,
        })
    }

    fn forward(&mut self, x: &Tensor) -> Result<Tensor> {
        let x = x.f_add(&self.attn.forward(&self.ln_1.forward(x)?, self.fused)?)?;
        let a = self.c_fc.forward(&self.ln_2.forward(&x)?)?;
        let mlp = self.c_proj.forward(&if self.fused { a.f_gelu("tanh")? } else { new_gelu(&a)? })?;
        Ok(x.f_add(&mlp)?)
    }

    fn parameters(&self) -> Vec<(String, Tensor)> {
        let mut params = prefixed("ln_1", self.ln_1.parameters());
        params.extend(prefixed("attn.c_attn", self.attn.c_attn.parameters()));
        params.extend(prefixed("attn.c_proj", self.attn.c_proj.parameters()));
        params.extend(prefixed("ln_2", self.ln_2.parameters()));
        params.extend(prefixed("mlp.c_fc", self.c_fc.parameters()));
        params.extend(prefixed("mlp.c_proj", self.c_proj.parameters()));
        params
    }
}

/// The Transformer language model, as in GPT-2: token and position embeddings (`wte`,
/// `wpe`), `n_layer` blocks, a last LayerNorm (`ln_f`) and `lm_head` (no bias).
///
/// ```
/// use makemore::nn::{Layer, n_parameters};
/// tch::manual_seed(3407);
/// let mut gpt = makemore::zoo::Transformer::new(&makemore::zoo::ZooConfig::default())?;
/// assert_eq!(n_parameters(&gpt), 204_544);
/// assert_eq!(gpt.n_params_without_head(), 202_816); // what it prints: 0.20M
/// let idx = tch::Tensor::zeros([2, 5], (tch::Kind::Int64, tch::Device::Cpu));
/// assert_eq!(gpt.forward(&idx)?.size(), [2, 5, 27]);
/// # Ok::<(), makemore::Error>(())
/// ```
#[derive(Debug)]
pub struct Transformer {
    wte: Embedding,
    wpe: Embedding,
    h: Vec<Block>,
    ln_f: LayerNorm,
    lm_head: Linear,
    block_size: usize,
}

impl Transformer {
    /// The modules in makemore.py's order.
    pub fn new(cfg: &ZooConfig) -> Result<Transformer> {
        Transformer::with_init(cfg, Init::Draw)
    }

    /// The modules, drawn or zeros.
    pub fn with_init(cfg: &ZooConfig, init: Init) -> Result<Transformer> {
        let wte = embedding(init, cfg.vocab_size, cfg.n_embd)?;
        let wpe = embedding(init, cfg.block_size, cfg.n_embd)?;
        let h = (0..cfg.n_layer).map(|_| Block::new(cfg, init)).collect::<Result<Vec<_>>>()?;
        let ln_f = LayerNorm::new(cfg.n_embd)?;
        let lm_head = linear(init, cfg.n_embd, cfg.vocab_size, false)?;
        Ok(Transformer { wte, wpe, h, ln_f, lm_head, block_size: cfg.block_size })
    }

    /// The parameters makemore.py reports ("number of parameters: 0.20M"): all but
    /// `lm_head`'s.
    pub fn n_params_without_head(&self) -> usize {
        self.parameters().iter().filter(|(n, _)| !n.starts_with("lm_head")).map(|(_, p)| p.numel()).sum()
    }
}

impl Layer for Transformer {
    fn forward(&mut self, idx: &Tensor) -> Result<Tensor> {
        let pos = positions(idx)?;
        let mut x = self.wte.forward(idx)?.f_add(&self.wpe.forward(&pos)?)?;
        for block in &mut self.h {
            x = block.forward(&x)?;
        }
        self.lm_head.forward(&self.ln_f.forward(&x)?)
    }

    fn parameters(&self) -> Vec<(String, Tensor)> {
        let mut params = prefixed("transformer.wte", self.wte.parameters());
        params.extend(prefixed("transformer.wpe", self.wpe.parameters()));
        for (i, block) in self.h.iter().enumerate() {
            params.extend(prefixed(&format!("transformer.h.{i}"), block.parameters()));
        }
        params.extend(prefixed("transformer.ln_f", self.ln_f.parameters()));
        params.extend(prefixed("lm_head", self.lm_head.parameters()));
        params
    }

    fn buffers(&self) -> Vec<(String, Tensor)> {
        let masks = self.h.iter().enumerate();
        masks.map(|(i, b)| (format!("transformer.h.{i}.attn.bias"), b.attn.mask.shallow_clone())).collect()
    }
}

impl ZooModel for Transformer {
    fn block_size(&self) -> usize {
        self.block_size
    }
    /// Attention and GELU each one libtorch kernel (`--fast`): `scaled_dot_product_attention`
    /// and `gelu(approximate="tanh")`, the same functions as minGPT's written-out ones.
    fn fuse(&mut self) -> bool {
        self.h.iter_mut().for_each(|block| block.fused = true);
        true
    }
    /// minGPT's `Transformer.__init__` prints its parameters but `lm_head`'s.
    fn announce(&self) -> Option<String> {
        Some(format!("number of parameters: {:.2}M", self.n_params_without_head() as f64 / 1e6))
    }
}
