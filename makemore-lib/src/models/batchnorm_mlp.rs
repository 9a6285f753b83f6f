//! Lecture 3: the MLP of lecture 2 made trainable from the start, then batch-normalised
//! (karpathy/nn-zero-to-hero, makemore_part3_bn.ipynb, cells 6 to 10). Its forward pass is
//! what this file writes, with its training step written out as the calls autograd makes
//! (faster, the same bits; [`BatchNormMlp::autograd_run`] trains through autograd itself);
//! training, sampling, evaluation and saving are the core's ([`Network`], [`AutogradStep`],
//! [`Trainer`]).
//!
//! ```text
//! C  = torch.randn((vocab_size, n_embd),            generator=g)
//! W1 = torch.randn((n_embd * block_size, n_hidden), generator=g) * (5/3)/((n_embd * block_size)**0.5)
//! W2 = torch.randn((n_hidden, vocab_size),          generator=g) * 0.01
//! b2 = torch.randn(vocab_size,                      generator=g) * 0
//! bngain, bnbias = torch.ones((1, n_hidden)), torch.zeros((1, n_hidden))
//! bnmean_running, bnstd_running = torch.zeros((1, n_hidden)), torch.ones((1, n_hidden))
//!
//! hpreact = emb.view(emb.shape[0], -1) @ W1                       # no b1: BatchNorm removes it
//! bnmeani = hpreact.mean(0, keepdim=True)
//! bnstdi = hpreact.std(0, keepdim=True)                           # unbiased, no eps
//! hpreact = bngain * (hpreact - bnmeani) / bnstdi + bnbias
//! with torch.no_grad():
//!     bnmean_running = 0.999 * bnmean_running + 0.001 * bnmeani
//!     bnstd_running = 0.999 * bnstd_running + 0.001 * bnstdi
//! logits = torch.tanh(hpreact) @ W2 + b2
//! ```
//!
//! Evaluation and sampling normalise with the running statistics (the lecture's
//! `split_loss`). The minibatches come from the generator after the parameters, as the
//! lecture's own loop draws them (`torch.randint(..., generator=g)`), so PyTorch's run of the
//! lecture and this file agree step for step.

use std::path::Path;
use std::sync::atomic::AtomicBool;

use tch::{Device, Kind, Reduction, Tensor};

use crate::data::input::read_limited;
use crate::data::vocab::Vocab;
use crate::error::{Error, Result};
use crate::models::kind::{LanguageModel, ModelKind};
use crate::models::mlp::MlpConfig;
use crate::models::network::{self, AutogradStep, Network, on_one_thread};
use crate::models::stored::{MAX_MODEL_BYTES, Stored, StoredFile};
use crate::models::written_out::{Minibatch, minibatch_indices, sgd_in_place, values, values_mut};
use crate::nn::Sgd;
use crate::rng::seed;
use crate::train::examples::Examples;
use crate::train::trainer::{EvalEvery, Event, Step, TrainingRun};

/// The running statistics' momentum: the lecture's 0.999 and 0.001.
const KEEP: f64 = 0.999;
const MOMENTUM: f64 = 0.001;

/// The parameters' names, in the lecture's order (`parameters = [C, W1, W2, b2, bngain,
/// bnbias]`), then the buffers'.
pub const PARAMETER_NAMES: [&str; 6] = ["C", "W1", "W2", "b2", "bngain", "bnbias"];
/// The running statistics, saved with the parameters.
pub const BUFFER_NAMES: [&str; 2] = ["bnmean_running", "bnstd_running"];

/// Lecture 3's network: lecture 2's MLP with a kaiming-initialised `W1`, no `b1`, a small
/// output layer, and a BatchNorm layer before the tanh.
///
/// ```
/// use makemore::{BatchNormMlp, MlpConfig, Network, Vocab};
/// let vocab = Vocab::from_itos(('a'..='z').fold(vec!['.'], |mut v, c| { v.push(c); v }))?;
/// let net = BatchNormMlp::new(&vocab, &MlpConfig::DEFAULT)?;
/// assert_eq!(net.n_parameters(), 12_097); // the lecture's 12,297 counted b1, which it then left out
/// # Ok::<(), makemore::Error>(())
/// ```
#[derive(Debug)]
pub struct BatchNormMlp {
    vocab: Vocab,
    context_len: usize,
    /// `[C, W1, W2, b2, bngain, bnbias]`.
    params: [Tensor; 6],
    /// `[bnmean_running, bnstd_running]`, updated in place.
    running: [Tensor; 2],
}

impl BatchNormMlp {
    /// Seed the generator with `cfg.seed` and draw the parameters as cell 6 does. Of `cfg`
    /// the context, embedding and hidden sizes are used.
    pub fn new(vocab: &Vocab, cfg: &MlpConfig) -> Result<BatchNormMlp> {
        cfg.validate()?;
        cfg.n_parameters(vocab.len())?;
        let (v, e, h) = (vocab.len() as i64, cfg.embedding as i64, cfg.hidden as i64);
        let fan_in = cfg.context_len as i64 * e;
        let opts = (Kind::Float, Device::Cpu);
        seed(cfg.seed);
        let c = Tensor::f_randn([v, e], opts)?;
        // `randn(...) * (5/3) / (fan_in**0.5)`: Python's float scalars, applied left to right
        let w1 =
            Tensor::f_randn([fan_in, h], opts)?.f_mul_scalar(5.0 / 3.0)?.f_div_scalar((fan_in as f64).powf(0.5))?;
        let w2 = Tensor::f_randn([h, v], opts)?.f_mul_scalar(0.01)?;
        let b2 = Tensor::f_randn([v], opts)?.f_mul_scalar(0)?;
        let bngain = Tensor::f_ones([1, h], opts)?;
        let bnbias = Tensor::f_zeros([1, h], opts)?;
        let params = [c, w1, w2, b2, bngain, bnbias].map(|p| p.set_requires_grad(true));
        let running = [Tensor::f_zeros([1, h], opts)?, Tensor::f_ones([1, h], opts)?];
        Ok(BatchNormMlp { vocab: vocab.clone(), context_len: cfg.context_len, params, running })
    }

    /// `embcat @ W1` for `xs` (n × context).
    fn hpreact(&self, xs: &Tensor) -> Result<Tensor> {
        hpreact(&self.params, xs)
    }

    /// `tanh(bngain * (hpreact - mean) / std + bnbias) @ W2 + b2`.
    fn output(&self, hpreact: &Tensor, mean: &Tensor, std: &Tensor) -> Result<Tensor> {
        output(&self.params, hpreact, mean, std)
    }

    /// The network a model file holds: the sizes its metadata gives, then every parameter
    /// and running statistic under its name and shape ([`network::load_parameters`]).
    pub fn load(file: &StoredFile) -> Result<BatchNormMlp> {
        let cfg = MlpConfig::from_file(file)?;
        if !cfg.batchnorm {
            return Err(file.bad("its metadata does not say batchnorm: it holds lecture 2's MLP"));
        }
        // the ranges and the minibatches' activations of a training at the default batch
        let cfg = MlpConfig { batch: MlpConfig::DEFAULT.batch, ..cfg };
        cfg.validate().map_err(|e| file.bad(e))?;
        cfg.n_parameters(file.vocab().len()).map_err(|e| file.bad(e))?;
        let (v, n, e, h) = (file.vocab().len() as i64, cfg.context_len as i64, cfg.embedding as i64, cfg.hidden as i64);
        let zeros = |shape: &[i64]| Tensor::f_zeros(shape, (Kind::Float, Device::Cpu));
        let params =
            [zeros(&[v, e])?, zeros(&[n * e, h])?, zeros(&[h, v])?, zeros(&[v])?, zeros(&[1, h])?, zeros(&[1, h])?];
        let net = BatchNormMlp {
            vocab: file.vocab().clone(),
            context_len: cfg.context_len,
            params: params.map(|p| p.set_requires_grad(true)),
            running: [zeros(&[1, h])?, zeros(&[1, h])?],
        };
        network::load_parameters(&net, file)?;
        // the running std divides: every value must be a std, greater than 0
        let std = &net.running[1];
        let smallest = std.f_min()?.f_double_value(&[])?;
        if smallest <= 0.0 {
            return Err(file.bad(format!("bnstd_running holds {smallest}: a standard deviation is greater than 0")));
        }
        Ok(net)
    }

    /// The network of a model file written by `makemore train --model mlp --batchnorm`.
    ///
    /// ```
    /// let path = std::env::temp_dir().join(format!("doc-bn-{}.safetensors", std::process::id()));
    /// let words = makemore::WordList::parse("emma\nava", "names")?;
    /// makemore::save_model(&makemore::CountsModel::bigram(&words, 1.0)?, &path)?;
    /// let err = makemore::BatchNormMlp::load_file(&path).unwrap_err();
    /// assert!(err.to_string().contains("not an MLP with BatchNorm"), "{err}");
    /// # std::fs::remove_file(&path).unwrap();
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn load_file(path: impl AsRef<Path>) -> Result<BatchNormMlp> {
        let path = path.as_ref();
        let bytes = read_limited(path, MAX_MODEL_BYTES)?;
        let (kind, file) = StoredFile::open(path, &bytes)?;
        if kind != MlpConfig::NAME || !MlpConfig::file_batchnorm(&file)? {
            return Err(file.bad(format!("it holds a {kind} model, not an MLP with BatchNorm")));
        }
        BatchNormMlp::load(&file)
    }

    /// The running mean and std (1 × hidden).
    pub fn running(&self) -> [&Tensor; 2] {
        [&self.running[0], &self.running[1]]
    }

    /// The statistics over the whole training set, as cell 9 calibrates them after training:
    /// the mean and unbiased std of `embcat @ W1` over every example.
    pub fn calibrate(&self, examples: &Examples) -> Result<[Tensor; 2]> {
        on_one_thread(|| {
            tch::no_grad(|| {
                let h = self.hpreact(&examples.xs)?;
                Ok([h.f_mean_dim(0, true, None::<Kind>)?, h.f_std_dim(0, true, true)?])
            })
        })
    }

    /// The logits of `xs` normalised with the given statistics (cell 10 with the calibrated
    /// ones, say).
    pub fn logits_with(&self, xs: &Tensor, [mean, std]: [&Tensor; 2]) -> Result<Tensor> {
        self.output(&self.hpreact(xs)?, mean, std)
    }

    /// `cfg.steps` minibatch steps of the lecture's loop (cell 7) through the [`Trainer`]:
    /// the forward pass, `loss.backward()` and `p.data += -lr * p.grad`, with
    /// [`MlpConfig::trainer`]'s schedule. The backward pass is written out as the libtorch
    /// calls autograd makes for this graph (the same values, bit for bit, several times
    /// faster: the doctest of [`BatchNormMlp::autograd_run`] compares them).
    ///
    /// [`Trainer`]: crate::Trainer
    pub fn train_run(
        &mut self,
        examples: &Examples,
        cfg: &MlpConfig,
        observe: impl FnMut(&Event),
        eval: Option<EvalEvery>,
        stop: Option<&AtomicBool>,
    ) -> Result<TrainingRun> {
        let trainer = cfg.trainer();
        trainer.validate()?;
        let xs = network::inputs(self.context_len, examples)?;
        on_one_thread(|| {
            let mut step = Backprop::new(self, &xs, &examples.ys, cfg.batch)?;
            trainer.run(examples.len(), &mut step, observe, eval, stop)
        })
    }

    /// [`BatchNormMlp::train_run`] through autograd (`loss.backward()` and [`Sgd`]): the
    /// lecture's loop as it reads, slower.
    ///
    /// ```
    /// use makemore::{BatchNormMlp, Examples, MlpConfig, Vocab, WordList};
    /// let words = WordList::parse("emma\nolivia\nava\nisabella\nsophia\ncharlotte\nmia\namelia", "w")?;
    /// let vocab = Vocab::from_words(&words)?;
    /// let ex = Examples::with_context(&words, &vocab, 3)?;
    /// let cfg = MlpConfig { batchnorm: true, hidden: 20, steps: 60, decay_at: Some(30), ..MlpConfig::DEFAULT };
    /// // the written-out backward pass and autograd: the same losses and parameters, bit for bit
    /// let mut fast = BatchNormMlp::new(&vocab, &cfg)?; // seeds the generator: the same draws
    /// let fast_losses = fast.train_run(&ex, &cfg, |_| {}, None, None)?.losses;
    /// let mut slow = BatchNormMlp::new(&vocab, &cfg)?;
    /// assert_eq!(fast_losses, slow.autograd_run(&ex, &cfg)?.losses);
    /// use makemore::Network;
    /// for ((_, a), (_, b)) in fast.named_parameters().iter().chain(&fast.named_buffers()).zip(slow.named_parameters().iter().chain(&slow.named_buffers())) {
    ///     assert!(a.equal(b));
    /// }
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn autograd_run(&mut self, examples: &Examples, cfg: &MlpConfig) -> Result<TrainingRun> {
        let trainer = cfg.trainer();
        trainer.validate()?;
        let mut step = AutogradStep::new(self, examples, Sgd)?;
        trainer.run(examples.len(), &mut step, |_| {}, None, None)
    }
}

/// One training step of the BatchNorm MLP with the backward pass written out: the libtorch
/// calls that `loss.backward()` makes for cell 7's graph, with the formulas of PyTorch's
/// `derivatives.yaml`, in autograd's order (the engine runs the node created last first, so
/// `hpreact`'s gradient adds the subtraction's contribution, then the std's, then the mean's).
/// Reductions, matrix products, `tanh` and the loss are libtorch's calls; the elementwise
/// arithmetic (one IEEE float32 operation per value, which libtorch's kernels round the same
/// way) is done here in Rust, on buffers allocated once, as are the gathers and the update
/// ([`written_out`](crate::models::written_out)).
struct Backprop {
    mb: Minibatch,
    /// `[C, W1, W2, b2, bngain, bnbias]` and `[bnmean_running, bnstd_running]` (detached
    /// aliases of the network's: updated in place).
    p: [Tensor; 6],
    running: [Tensor; 2],
    /// `W1.t()`, `W2.t()`, `emb.t()`, `h.t()` (views).
    w1t: Tensor,
    w2t: Tensor,
    embt: Tensor,
    ht: Tensor,
    /// batch × hidden: `hpreact`, `hpreact - bnmeani`, `bngain * (...)`, `h` (the normalised
    /// pre-activation, then its tanh, in place), and the backward pass's `dh`, `dhp` (through
    /// tanh), `dscaled`, `dhpreact`, and a buffer for what a reduction sums.
    hpre: Tensor,
    centred: Tensor,
    scaled: Tensor,
    h: Tensor,
    dh: Tensor,
    dhp: Tensor,
    dscaled: Tensor,
    dhpre: Tensor,
    work: Tensor,
    /// batch × vocabulary: the logits, log_softmax, and their gradients.
    logits: Tensor,
    lsm: Tensor,
    dlsm: Tensor,
    dlogits: Tensor,
    /// batch × (context · embedding): the gradient of `emb`.
    demb: Tensor,
    /// The gradients of `[C, W1, W2, b2, bngain, bnbias]` (the biases' as 1 × n, as `sum_to`
    /// leaves them), and of `bnstdi` and `bnmeani` (1 × hidden).
    grads: [Tensor; 6],
    dstd: Tensor,
    dmean: Tensor,
    /// The minibatch's std (1 × hidden), `hpreact.std(0, keepdim=True)`.
    bnstd: Tensor,
    /// var_backward's factor 2 / (n − 1), n the batch, as libtorch rounds it (float32).
    var_scale: f32,
}

impl Backprop {
    fn new(net: &BatchNormMlp, xs: &Tensor, ys: &Tensor, batch: usize) -> Result<Backprop> {
        let p = net.params.each_ref().map(Tensor::detach);
        let running = net.running.each_ref().map(Tensor::detach);
        if p.iter().chain(&running).any(|t| !t.is_contiguous() || t.kind() != Kind::Float) {
            return Err(Error::BadWeights("the parameters must be contiguous float32 tensors".into()));
        }
        let (e, h) = (p[0].size()[1], p[1].size()[1]);
        let (b, v, k) = (batch as i64, net.vocab.len() as i64, p[1].size()[0]);
        let f = |shape: &[i64]| Tensor::f_empty(shape, (Kind::Float, Device::Cpu));
        let mb = Minibatch::new(xs, ys, batch, e as usize)?;
        let hbuf = f(&[b, h])?;
        Ok(Backprop {
            w1t: p[1].f_tr()?,
            w2t: p[2].f_tr()?,
            embt: mb.emb.f_tr()?,
            mb,
            ht: hbuf.f_tr()?,
            h: hbuf,
            hpre: f(&[b, h])?,
            centred: f(&[b, h])?,
            scaled: f(&[b, h])?,
            dh: f(&[b, h])?,
            dhp: f(&[b, h])?,
            dscaled: f(&[b, h])?,
            dhpre: f(&[b, h])?,
            work: f(&[b, h])?,
            logits: f(&[b, v])?,
            lsm: f(&[b, v])?,
            dlsm: f(&[b, v])?,
            dlogits: f(&[b, v])?,
            demb: f(&[b, k])?,
            grads: [f(&[v, e])?, f(&[k, h])?, f(&[h, v])?, f(&[1, v])?, f(&[1, h])?, f(&[1, h])?],
            dstd: f(&[1, h])?,
            dmean: f(&[1, h])?,
            bnstd: f(&[1, h])?,
            var_scale: (2.0 / (batch as f64 - 1.0)) as f32,
            p,
            running,
        })
    }

    /// One step on the minibatch `ix` at learning rate `lr`; returns the loss.
    fn minibatch(&mut self, ix: &Tensor, lr: f64) -> Result<f32> {
        let [c, w1, w2, b2, bngain, bnbias] = &self.p;
        self.mb.gather(ix, c)?;
        // hpreact = embcat @ W1; bnmeani = hpreact.mean(0, keepdim=True); bnstdi = hpreact.std(0, keepdim=True)
        let _ = self.mb.emb.f_mm_out(&self.hpre, w1)?;
        let bnmeani = self.hpre.f_mean_dim(0, true, None::<Kind>)?;
        let hidden = bnmeani.numel();
        // SAFETY: hpre (batch × hidden) and bnstd (1 × hidden) are contiguous float32 buffers of `new`
        unsafe { column_std(values::<f32>(&self.hpre), hidden, values_mut::<f32>(&mut self.bnstd)) };
        let bnstdi = &self.bnstd;
        zero_std_check(bnstdi, self.mb.ix.len() as i64)?;
        // SAFETY (every block below): these are contiguous float32 CPU tensors, allocated in
        // `new` or just returned by libtorch (the parameters checked in `new`), of the sizes
        // the loops assume; the slices written are of buffers nothing else reads meanwhile.
        unsafe {
            let (mean, std) = (values::<f32>(&bnmeani), values::<f32>(bnstdi));
            let (gain, bias) = (values::<f32>(bngain), values::<f32>(bnbias));
            let hpre = values::<f32>(&self.hpre);
            let (centred, scaled) = (values_mut::<f32>(&mut self.centred), values_mut::<f32>(&mut self.scaled));
            let h = values_mut::<f32>(&mut self.h);
            for i in 0..hpre.len() {
                let k = i % hidden;
                centred[i] = hpre[i] - mean[k]; // hpreact - bnmeani
                scaled[i] = gain[k] * centred[i]; // bngain * (...)
                h[i] = scaled[i] / std[k] + bias[k]; // ... / bnstdi + bnbias
            }
            // bnmean_running = 0.999 * bnmean_running + 0.001 * bnmeani (and the std)
            for (running, batch) in self.running.iter_mut().zip([mean, std]) {
                for (r, &x) in values_mut::<f32>(running).iter_mut().zip(batch) {
                    *r = *r * KEEP as f32 + x * MOMENTUM as f32;
                }
            }
        }
        // h = torch.tanh(hpreact); logits = h @ W2 + b2; loss = F.cross_entropy(logits, Yb)
        let _ = self.h.f_tanh_()?;
        let _ = self.h.f_mm_out(&self.logits, w2)?;
        let _ = self.logits.f_add_(b2)?;
        let loss = self.mb.cross_entropy(&self.logits, &self.lsm, &self.dlsm, &self.dlogits)?;
        let [gc, gw1, gw2, gb2, ggain, gbias] = &mut self.grads;
        let sum_rows = |t: &Tensor, out: &Tensor| t.f_sum_intlist_out(out, [0i64].as_slice(), true, None::<Kind>);
        // AddBackward0 (+ b2): sum_to the bias's shape; MmBackward0 (h @ W2)
        let _ = sum_rows(&self.dlogits, gb2)?;
        let _ = self.dlogits.f_mm_out(&self.dh, &self.w2t)?;
        let _ = self.ht.f_mm_out(&*gw2, &self.dlogits)?;
        // TanhBackward0; AddBackward0 (+ bnbias): sum_to (1, hidden)
        let _ = Tensor::f_tanh_backward_grad_input(&self.dhp, &self.dh, &self.h)?;
        let _ = sum_rows(&self.dhp, gbias)?;
        // DivBackward0 (scaled / bnstdi): grad / other for self; -grad * ((self / other) / other),
        // summed to (1, hidden), for other
        unsafe {
            let std = values::<f32>(bnstdi);
            let (dhp, scaled) = (values::<f32>(&self.dhp), values::<f32>(&self.scaled));
            let (dscaled, work) = (values_mut::<f32>(&mut self.dscaled), values_mut::<f32>(&mut self.work));
            for i in 0..dhp.len() {
                let k = i % hidden;
                dscaled[i] = dhp[i] / std[k];
                work[i] = -dhp[i] * ((scaled[i] / std[k]) / std[k]);
            }
        }
        let _ = sum_rows(&self.work, &self.dstd)?;
        // MulBackward0 (bngain * centred): grad * other, summed to (1, hidden), for bngain
        unsafe {
            let (dscaled, centred) = (values::<f32>(&self.dscaled), values::<f32>(&self.centred));
            for (w, (&d, &c)) in values_mut::<f32>(&mut self.work).iter_mut().zip(dscaled.iter().zip(centred)) {
                *w = d * c;
            }
        }
        let _ = sum_rows(&self.work, ggain)?;
        // ... and grad * self for centred; SubBackward0 (hpreact - bnmeani): grad for hpreact,
        // -grad summed to (1, hidden) for bnmeani
        unsafe {
            let (gain, dscaled) = (values::<f32>(bngain), values::<f32>(&self.dscaled));
            let (dcentred, work) = (values_mut::<f32>(&mut self.dhpre), values_mut::<f32>(&mut self.work));
            for i in 0..dscaled.len() {
                dcentred[i] = dscaled[i] * gain[i % hidden];
                work[i] = -dcentred[i];
            }
        }
        let _ = sum_rows(&self.work, &self.dmean)?;
        // StdBackward0: var_backward(grad / (result * 2)) = (2/(n-1) * grad_var) * (x - x.mean(0));
        // MeanBackward1: grad expanded over the batch, divided by n. hpreact's gradient is
        // the subtraction's, plus the std's, plus the mean's.
        unsafe {
            let (std, dstd, dmean) = (values::<f32>(bnstdi), values::<f32>(&self.dstd), values::<f32>(&self.dmean));
            let centred = values::<f32>(&self.centred);
            let n = self.mb.ix.len() as f32;
            for (i, d) in values_mut::<f32>(&mut self.dhpre).iter_mut().enumerate() {
                let k = i % hidden;
                let grad_var = dstd[k] / (std[k] * 2.0);
                *d = (*d + grad_var * self.var_scale * centred[i]) + dmean[k] / n;
            }
        }
        // MmBackward0 (embcat @ W1); ViewBackward0, IndexBackward0
        let _ = self.embt.f_mm_out(&*gw1, &self.dhpre)?;
        let _ = self.dhpre.f_mm_out(&self.demb, &self.w1t)?;
        self.mb.embedding_grad(gc, &self.demb)?;
        // for p in parameters: p.data += -lr * p.grad
        sgd_in_place(&mut self.p, &self.grads, lr);
        Ok(loss.f_double_value(&[])? as f32)
    }
}

/// `x.std(0)` (unbiased) of a row-major batch × `cols` matrix, into `out`: libtorch's CPU
/// reduction for a float32 std over one dimension, Welford's algorithm in float64 over the rows in
/// order, the result rounded to float32 (`WelfordOps` in ATen's SharedReduceOps.h), so the same
/// bits (checked against `std_dim` on 600,000 columns, with every CPU capability), in a tenth of
/// its time (its generic reduction was a third of the step).
fn column_std(x: &[f32], cols: usize, out: &mut [f32]) {
    let rows = x.len() / cols;
    for (k, out) in out.iter_mut().enumerate() {
        let (mut mean, mut m2) = (0f64, 0f64);
        for r in 0..rows {
            let v = x[r * cols + k] as f64;
            let delta = v - mean;
            mean += delta / (r + 1) as f64;
            m2 += delta * (v - mean);
        }
        *out = (m2 / (rows as f64 - 1.0)).sqrt() as f32;
    }
}

impl Step for Backprop {
    fn step(&mut self, ix: Option<&Tensor>, lr: f64) -> Result<f32> {
        let ix = minibatch_indices(ix, "the BatchNorm MLP trains on minibatches")?;
        tch::no_grad(|| self.minibatch(ix, lr))
    }
    fn loss(&self, examples: &Examples) -> Result<f32> {
        let [mean, std] = &self.running;
        on_one_thread(|| {
            tch::no_grad(|| {
                let xs = examples.xs.f_view([-1, self.mb.shape3[1]])?;
                let logits = output(&self.p, &hpreact(&self.p, &xs)?, mean, std)?;
                let loss = logits.f_cross_entropy_loss::<Tensor>(&examples.ys, None, Reduction::Mean, -100, 0.0)?;
                Ok(loss.f_double_value(&[])? as f32)
            })
        })
    }
    /// The parameters and the running statistics: the best network is all of them.
    fn parameters(&self) -> Vec<Tensor> {
        self.p.iter().chain(&self.running).map(Tensor::shallow_clone).collect()
    }
}

/// `embcat @ W1` for `xs` (n × context), with the parameters `[C, W1, ...]`.
fn hpreact([c, w1, ..]: &[Tensor; 6], xs: &Tensor) -> Result<Tensor> {
    let emb = c.f_index(&[Some(xs)])?;
    Ok(emb.f_view([emb.size()[0], -1])?.f_matmul(w1)?)
}

/// `tanh(bngain * (hpreact - mean) / std + bnbias) @ W2 + b2`, with the parameters
/// `[C, W1, W2, b2, bngain, bnbias]`.
fn output(
    [_, _, w2, b2, bngain, bnbias]: &[Tensor; 6],
    hpreact: &Tensor,
    mean: &Tensor,
    std: &Tensor,
) -> Result<Tensor> {
    let hpreact = bngain.f_mul(&hpreact.f_sub(mean)?)?.f_div(std)?.f_add(bnbias)?;
    Ok(hpreact.f_tanh()?.f_matmul(w2)?.f_add(b2)?)
}

/// Refuse a minibatch's std of 0 for some unit: the lecture divides by it, and the loss would
/// be NaN from there on.
fn zero_std_check(bnstdi: &Tensor, batch: i64) -> Result<()> {
    if bnstdi.f_min()?.f_double_value(&[])? == 0.0 {
        return Err(Error::BadParameter {
            name: "batch",
            value: batch.to_string(),
            expected: "BatchNorm met a minibatch in which a hidden unit does not vary (its std is 0): \
                       train with larger minibatches",
        });
    }
    Ok(())
}

/// `bnmean_running = 0.999 * bnmean_running + 0.001 * bnmeani` (and the std), in place.
fn update_running(running: &mut [Tensor; 2], bnmeani: &Tensor, bnstdi: &Tensor) -> Result<()> {
    for (running, batch) in running.iter_mut().zip([bnmeani, bnstdi]) {
        let next = running.f_mul_scalar(KEEP)?.f_add(&batch.f_mul_scalar(MOMENTUM)?)?;
        running.f_copy_(&next)?;
    }
    Ok(())
}

impl Network for BatchNormMlp {
    fn vocab(&self) -> &Vocab {
        &self.vocab
    }
    fn context_len(&self) -> usize {
        self.context_len
    }
    /// Normalised with the running statistics (the lecture's `split_loss` and sampling).
    fn logits(&self, xs: &Tensor) -> Result<Tensor> {
        self.logits_with(xs, self.running())
    }
    /// Normalised with the minibatch's own statistics, which also move the running ones.
    fn train_logits(&mut self, xs: &Tensor) -> Result<Tensor> {
        let hpreact = self.hpreact(xs)?;
        let bnmeani = hpreact.f_mean_dim(0, true, None::<Kind>)?;
        let bnstdi = hpreact.f_std_dim(0, true, true)?;
        zero_std_check(&bnstdi, xs.size()[0])?;
        let logits = self.output(&hpreact, &bnmeani, &bnstdi)?;
        tch::no_grad(|| update_running(&mut self.running, &bnmeani, &bnstdi))?;
        Ok(logits)
    }
    fn named_parameters(&self) -> Vec<(String, Tensor)> {
        PARAMETER_NAMES.iter().zip(&self.params).map(|(n, p)| (n.to_string(), p.shallow_clone())).collect()
    }
    fn named_buffers(&self) -> Vec<(String, Tensor)> {
        BUFFER_NAMES.iter().zip(&self.running).map(|(n, b)| (n.to_string(), b.shallow_clone())).collect()
    }
}

impl LanguageModel for BatchNormMlp {
    fn vocab(&self) -> &Vocab {
        &self.vocab
    }
    fn context_len(&self) -> usize {
        self.context_len
    }
    /// An MLP (`--model mlp --batchnorm`): its file says `batchnorm` in its metadata.
    fn kind(&self) -> &'static str {
        MlpConfig::NAME
    }
    fn parameter_count(&self) -> Option<usize> {
        Some(Network::n_parameters(self))
    }
    /// The batch's activations of one context, as the MLP's.
    fn cells_per_context(&self) -> usize {
        let [c, w1, ..] = &self.params;
        self.context_len * c.size()[1] as usize + w1.size()[1] as usize + 2 * self.vocab.len()
    }
    /// `F.softmax(logits, dim=1)` with the running statistics, as cell 20 samples.
    fn probs(&self, contexts: &[i64]) -> Result<Tensor> {
        network::probs(self, contexts)
    }
    fn log_probs(&self, contexts: &[i64]) -> Result<Tensor> {
        network::log_probs(self, contexts)
    }
    /// `C`, `W1`, `W2`, `b2`, `bngain`, `bnbias`, `bnmean_running`, `bnstd_running` under the
    /// lecture's names and shapes, the sizes as metadata `embedding` and `hidden`, and
    /// `batchnorm`.
    fn stored(&self) -> Result<Stored> {
        let [c, w1, ..] = &self.params;
        let meta = vec![
            ("embedding", c.size()[1].to_string()),
            ("hidden", w1.size()[1].to_string()),
            ("batchnorm", "true".to_string()),
        ];
        network::stored(self, meta)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_std_is_libtorchs_std_bit_for_bit() {
        for (trial, scale) in [1e-3, 1.0, 5.0, 300.0].into_iter().cycle().take(200).enumerate() {
            let x = Tensor::randn([32, 200], (Kind::Float, Device::Cpu)) * scale + (trial % 7) as f64;
            let want = Vec::<f32>::try_from(&x.std_dim(0, true, true).flatten(0, -1)).unwrap();
            let mut got = vec![0f32; 200];
            column_std(&Vec::<f32>::try_from(&x.flatten(0, -1)).unwrap(), 200, &mut got);
            assert!(got.iter().zip(&want).all(|(a, b)| a.to_bits() == b.to_bits()), "trial {trial}");
        }
    }
}
