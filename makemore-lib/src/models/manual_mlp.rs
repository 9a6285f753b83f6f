//! Lecture 4, exercise 4: the BatchNorm MLP trained with a backward pass written by hand
//! (karpathy/nn-zero-to-hero, makemore_part4_backprop.ipynb). No autograd: each gradient is
//! the lecture's one line, under the lecture's name, in the lecture's order.
//!
//! ```text
//! hprebn = embcat @ W1 + b1
//! bnmean = hprebn.mean(0, keepdim=True)
//! bnvar = hprebn.var(0, keepdim=True, unbiased=True)
//! bnvar_inv = (bnvar + 1e-5)**-0.5
//! bnraw = (hprebn - bnmean) * bnvar_inv
//! hpreact = bngain * bnraw + bnbias
//! h = torch.tanh(hpreact)
//! logits = h @ W2 + b2
//! loss = F.cross_entropy(logits, Yb)
//!
//! dlogits = F.softmax(logits, 1); dlogits[range(n), Yb] -= 1; dlogits /= n
//! dh = dlogits @ W2.T;  dW2 = h.T @ dlogits;  db2 = dlogits.sum(0)
//! dhpreact = (1.0 - h**2) * dh
//! dbngain = (bnraw * dhpreact).sum(0, keepdim=True);  dbnbias = dhpreact.sum(0, keepdim=True)
//! dhprebn = bngain*bnvar_inv/n * (n*dhpreact - dhpreact.sum(0) - n/(n-1)*bnraw*(dhpreact*bnraw).sum(0))
//! dembcat = dhprebn @ W1.T;  dW1 = embcat.T @ dhprebn;  db1 = dhprebn.sum(0)
//! dC[Xb[k, j]] += demb[k, j]   for every k, j
//! p.data += -lr * grad
//! ```
//!
//! This is the library's fast path for the lecture's loop: the matrix products, the
//! reductions, `tanh`, `softmax` and the loss are libtorch's calls, as the lecture's are; the
//! elementwise arithmetic (one IEEE float32 operation per value, rounded as libtorch's kernels
//! round it) is done in Rust on buffers allocated once. So the same minibatches give the same
//! losses and parameters as the lecture's loop run in PyTorch or in tch, bit for bit
//! (`tests/backprop.rs` compares with PyTorch's run; the lecture-4 notebook with its own loop).
//!
//! The lecture draws `bngain` and `bnbias` from the unseeded global generator; here, as in the
//! notebook and the project's PyTorch reference, every parameter comes from the seeded one.

use std::sync::atomic::AtomicBool;

use tch::{Device, Kind, Tensor};

use crate::data::vocab::Vocab;
use crate::error::{Error, Result};
use crate::models::backprop::exercise4::Exercise4;
use crate::models::mlp::MlpConfig;
use crate::models::network::{self, Network, on_one_thread};
use crate::rng::seed;
use crate::train::examples::Examples;
use crate::train::trainer::{EvalEvery, Event, TrainingRun};

/// The parameters' names in the lecture's order (`parameters = [C, W1, b1, W2, b2, bngain,
/// bnbias]`).
pub const PARAMETER_NAMES: [&str; 7] = ["C", "W1", "b1", "W2", "b2", "bngain", "bnbias"];

/// Lecture 4's network: lecture 3's BatchNorm MLP with `b1` ("just for fun, it's useless
/// because of BN"), BatchNorm's variance with ε, and the lecture's non-standard initialisation
/// (so that no wrong gradient hides behind a zero). It has no running statistics: after
/// training, [`ManualMlp::calibrate`] measures them over the training set, as the lecture does.
///
/// ```
/// use makemore::{ManualMlp, MlpConfig, Network, Vocab};
/// let vocab = Vocab::from_itos(('a'..='z').fold(vec!['.'], |mut v, c| { v.push(c); v }))?;
/// assert_eq!(ManualMlp::new(&vocab, &MlpConfig::DEFAULT)?.n_parameters(), 12_297);
/// # Ok::<(), makemore::Error>(())
/// ```
#[derive(Debug)]
pub struct ManualMlp {
    vocab: Vocab,
    context_len: usize,
    /// `[C, W1, b1, W2, b2, bngain, bnbias]`.
    params: [Tensor; 7],
    /// `[bnmean, bnvar]` over the training set, once calibrated.
    calibrated: Option<[Tensor; 2]>,
}

impl ManualMlp {
    /// Seed the generator with `cfg.seed` and draw the parameters in the lecture's order:
    /// `C = randn`, `W1 = randn * (5/3)/sqrt(fan_in)`, `b1`, `W2`, `b2 = randn * 0.1`,
    /// `bngain = randn*0.1 + 1.0`, `bnbias = randn*0.1`. Of `cfg` the context, embedding and
    /// hidden sizes are used.
    pub fn new(vocab: &Vocab, cfg: &MlpConfig) -> Result<ManualMlp> {
        cfg.validate()?;
        cfg.n_parameters(vocab.len())?;
        let (v, e, h) = (vocab.len() as i64, cfg.embedding as i64, cfg.hidden as i64);
        let fan_in = cfg.context_len as i64 * e;
        let randn = |shape: &[i64]| Tensor::f_randn(shape, (Kind::Float, Device::Cpu));
        seed(cfg.seed);
        let c = randn(&[v, e])?;
        let w1 = randn(&[fan_in, h])?.f_mul_scalar(5.0 / 3.0)?.f_div_scalar((fan_in as f64).powf(0.5))?;
        let b1 = randn(&[h])?.f_mul_scalar(0.1)?;
        let w2 = randn(&[h, v])?.f_mul_scalar(0.1)?;
        let b2 = randn(&[v])?.f_mul_scalar(0.1)?;
        let bngain = randn(&[1, h])?.f_mul_scalar(0.1)?.f_add_scalar(1.0)?;
        let bnbias = randn(&[1, h])?.f_mul_scalar(0.1)?;
        Ok(ManualMlp {
            vocab: vocab.clone(),
            context_len: cfg.context_len,
            params: [c, w1, b1, w2, b2, bngain, bnbias],
            calibrated: None,
        })
    }

    /// The parameters `[C, W1, b1, W2, b2, bngain, bnbias]`.
    pub fn parameters(&self) -> [&Tensor; 7] {
        self.params.each_ref()
    }

    /// `cfg.steps` minibatch steps of exercise 4's loop through the [`Trainer`], with
    /// [`MlpConfig::trainer`]'s schedule (0.1, then 0.01 from half the steps): each step
    /// draws `randint(0, n, (batch,))` from the generator [`ManualMlp::new`] seeded.
    /// Clears the calibration.
    ///
    /// [`Trainer`]: crate::Trainer
    pub fn train_run(
        &mut self,
        examples: &Examples,
        cfg: &MlpConfig,
        observe: impl FnMut(&Event),
        stop: Option<&AtomicBool>,
    ) -> Result<TrainingRun> {
        let trainer = cfg.trainer();
        trainer.validate()?;
        if cfg.batch < 2 {
            return Err(Error::BadParameter {
                name: "batch",
                value: cfg.batch.to_string(),
                expected: "at least 2: BatchNorm's variance divides by n - 1",
            });
        }
        self.calibrated = None;
        let xs = network::inputs(self.context_len, examples)?;
        on_one_thread(|| {
            let mut step = Exercise4::new(&self.params, &xs, &examples.ys, cfg.batch)?;
            trainer.run(examples.len(), &mut step, observe, None::<EvalEvery>, stop)
        })
    }

    /// Calibrate BatchNorm at the end of training, as the lecture does: the mean and the
    /// unbiased variance of `embcat @ W1 + b1` over every example; the logits use them from
    /// then on. Returns `[bnmean, bnvar]`.
    pub fn calibrate(&mut self, examples: &Examples) -> Result<[Tensor; 2]> {
        let stats = on_one_thread(|| {
            tch::no_grad(|| -> Result<[Tensor; 2]> {
                let h = hprebn(&self.params, &examples.xs)?;
                Ok([h.f_mean_dim(0, true, None::<Kind>)?, h.f_var_dim(0, true, true)?])
            })
        })?;
        self.calibrated = Some(stats.each_ref().map(Tensor::shallow_clone));
        Ok(stats)
    }

    /// The lecture's `split_loss` and sampling: `hpreact = bngain * (hprebn - bnmean) *
    /// (bnvar + 1e-5)**-0.5 + bnbias`, then `tanh(hpreact) @ W2 + b2`.
    pub fn logits_with(&self, xs: &Tensor, [bnmean, bnvar]: [&Tensor; 2]) -> Result<Tensor> {
        let [_, _, _, w2, b2, bngain, bnbias] = &self.params;
        let hpreact = bngain
            .f_mul(&hprebn(&self.params, xs)?.f_sub(bnmean)?)?
            .f_mul(&bnvar.f_add_scalar(1e-5)?.f_pow_tensor_scalar(-0.5)?)?
            .f_add(bnbias)?;
        Ok(hpreact.f_tanh()?.f_matmul(w2)?.f_add(b2)?)
    }
}

/// `embcat @ W1 + b1` for `xs` (n × context).
fn hprebn([c, w1, b1, ..]: &[Tensor; 7], xs: &Tensor) -> Result<Tensor> {
    let emb = c.f_index(&[Some(xs)])?;
    Ok(emb.f_view([emb.size()[0], -1])?.f_matmul(w1)?.f_add(b1)?)
}

impl Network for ManualMlp {
    fn vocab(&self) -> &Vocab {
        &self.vocab
    }
    fn context_len(&self) -> usize {
        self.context_len
    }
    /// With the calibrated statistics ([`ManualMlp::calibrate`] first).
    fn logits(&self, xs: &Tensor) -> Result<Tensor> {
        let [mean, var] = self.calibrated.as_ref().ok_or_else(|| {
            Error::Usage("calibrate BatchNorm over the training set (ManualMlp::calibrate) before evaluating".into())
        })?;
        self.logits_with(xs, [mean, var])
    }
    fn named_parameters(&self) -> Vec<(String, Tensor)> {
        PARAMETER_NAMES.iter().zip(&self.params).map(|(n, p)| (n.to_string(), p.shallow_clone())).collect()
    }
}
