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

use tch::{Device, Kind, Tensor};

use crate::data::input::read_limited;
use crate::data::vocab::Vocab;
use crate::error::{Error, Result};
use crate::models::backprop::batchnorm_mlp::BatchNormBackprop;
use crate::models::kind::{LanguageModel, ModelKind};
use crate::models::mlp::MlpConfig;
use crate::models::network::{self, AutogradStep, Network, on_one_thread};
use crate::models::stored::{MAX_MODEL_BYTES, Stored, StoredFile};
use crate::nn::Sgd;
use crate::rng::seed;
use crate::train::examples::Examples;
use crate::train::trainer::{EvalEvery, Event, TrainingRun};

/// The running statistics' momentum: the lecture's 0.999 and 0.001.
pub(crate) const KEEP: f64 = 0.999;
pub(crate) const MOMENTUM: f64 = 0.001;

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
            let mut step = BatchNormBackprop::new(&self.params, &self.running, &xs, &examples.ys, cfg.batch)?;
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

/// `embcat @ W1` for `xs` (n × context), with the parameters `[C, W1, ...]`.
pub(crate) fn hpreact([c, w1, ..]: &[Tensor; 6], xs: &Tensor) -> Result<Tensor> {
    let emb = c.f_index(&[Some(xs)])?;
    Ok(emb.f_view([emb.size()[0], -1])?.f_matmul(w1)?)
}

/// `tanh(bngain * (hpreact - mean) / std + bnbias) @ W2 + b2`, with the parameters
/// `[C, W1, W2, b2, bngain, bnbias]`.
pub(crate) fn output(
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
pub(crate) fn zero_std_check(bnstdi: &Tensor, batch: i64) -> Result<()> {
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
