//! Lecture 2: the multi-layer perceptron of Bengio et al. (2003). Each token gets a
//! learned vector (a row of the lookup table `C`); a hidden tanh layer reads the vectors
//! of the last `context` tokens side by side; a softmax over the vocabulary gives the
//! next token.
//!
//! The computation is the lecture's, with the same libtorch calls in the same order, so
//! that on one machine it gives PyTorch's numbers bit for bit:
//!
//! ```text
//! emb = C[X]                                   # (batch, context, embedding)
//! h = torch.tanh(emb.view(-1, context * embedding) @ W1 + b1)
//! logits = h @ W2 + b2
//! loss = F.cross_entropy(logits, Y)
//! for p in parameters: p.grad = None
//! loss.backward()
//! for p in parameters: p.data += -lr * p.grad
//! ```
//!
//! The parameters are drawn from one seeded generator in the lecture's order `C`, `W1`,
//! `b1`, `W2`, `b2`, and the minibatches `torch.randint(0, n, (batch,), generator=g)` from
//! the same generator after them. (The lecture draws its minibatches from the unseeded
//! global generator, so its run cannot be repeated; with the minibatches seeded too,
//! PyTorch and this file agree step for step.)
//!
//! The MLP is a [`Network`]: sampling, evaluation and saving are the core's
//! ([`crate::models::network`]), and it computes on one libtorch thread as every network does
//! ([`on_one_thread`]). Its training is the one [`Trainer`]'s loop with the MLP's own
//! [`Step`]: the backward pass written out as the calls autograd makes.

use std::sync::atomic::AtomicBool;

use tch::{Device, Kind, Tensor};

use crate::counting::ngrams::check_context_len;
use crate::data::vocab::Vocab;
use crate::data::words::WordList;
use crate::error::{Error, Result, check_positive};
use crate::models::backprop::mlp::MlpBackprop;
use crate::models::kind::{LanguageModel, ModelKind};
use crate::models::network::{self, Network, finite_values, inputs, on_one_thread};
use crate::models::stored::{Stored, StoredFile};
use crate::nn::{Optimizer, Sgd};
use crate::rng::{LECTURE_SEED, seed};
use crate::train::cache::{Trained, TrainedCache};
use crate::train::examples::Examples;
use crate::train::trainer::{EvalEvery, Event, StepDecay, Trainer, TrainingRun};

/// The most parameters an MLP may have: 2^26 float32 values (256 MB; with their
/// gradients and update temporaries about 1 GB). The lecture's has 11,897.
pub const MAX_PARAMETERS: usize = 1 << 26;

/// The most float32 values one training step's activations may hold (batch × (context ×
/// embedding + hidden + vocabulary)): 2^26, 256 MB.
pub const MAX_BATCH_CELLS: usize = 1 << 26;

/// The longest embedding: 4096 numbers per token (the lecture's is 10).
pub const MAX_EMBEDDING: usize = 4096;

/// The widest hidden layer: 65,536 units (the lecture's has 200).
pub const MAX_HIDDEN: usize = 1 << 16;

/// The largest minibatch: 65,536 examples (the lecture's is 32).
pub const MAX_BATCH: usize = 1 << 16;

/// The MLP's hyper-parameters, with the lecture's final values as defaults. Its own flag is
/// `--batchnorm`; its sizes are the CLI's sizes group (`--embedding`, `--hidden`,
/// [`ModelKind::sizes`]); the steps, learning rate and its decay,
/// minibatch and seed are the CLI's training group ([`ModelKind::training`]), and the
/// context is the CLI's `--context`.
///
/// ```
/// let cfg = makemore::MlpConfig::default();
/// assert_eq!((cfg.context_len, cfg.embedding, cfg.hidden, cfg.batch), (3, 10, 200, 32));
/// assert_eq!((cfg.steps, cfg.lr_at(99_999), cfg.lr_at(100_000)), (200_000, 0.1, 0.01));
/// assert_eq!(cfg.n_parameters(27)?, 11_897);
/// # Ok::<(), makemore::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, clap::Args)]
pub struct MlpConfig {
    /// How many previous tokens the network reads (the lecture's `block_size`, 3).
    #[arg(skip = MlpConfig::DEFAULT.context_len)]
    pub context_len: usize,
    /// The length of each character's learned vector, a row of C (1 to 4096; the CLI's
    /// sizes group sets it).
    #[arg(skip = MlpConfig::DEFAULT.embedding)]
    pub embedding: usize,
    /// The number of tanh units in the hidden layer (1 to 65536; the CLI's sizes group sets it).
    #[arg(skip = MlpConfig::DEFAULT.hidden)]
    pub hidden: usize,
    /// Examples per minibatch (the CLI's training group sets it).
    #[arg(skip = MlpConfig::DEFAULT.batch)]
    pub batch: usize,
    /// Minibatch steps (200,000).
    #[arg(skip = MlpConfig::DEFAULT.steps)]
    pub steps: usize,
    /// The learning rate until [`decay_at`](Self::decay_at) (0.1); a tenth of it after.
    #[arg(skip = MlpConfig::DEFAULT.lr)]
    pub lr: f64,
    /// The step from which the learning rate is a tenth of `lr` (None: half of the steps;
    /// the number of steps keeps it constant). The CLI's training group sets it.
    #[arg(skip)]
    pub decay_at: Option<usize>,
    /// The seed of the generator for the parameters and then the minibatches.
    #[arg(skip = MlpConfig::DEFAULT.seed)]
    pub seed: i64,
    /// Lecture 3's network: W1 kaiming-initialised, no b1, a small output layer, and a
    /// BatchNorm layer before the tanh (its running statistics are saved with the model).
    #[arg(long)]
    pub batchnorm: bool,
}

impl MlpConfig {
    /// The lecture's final model: context 3, embedding 10, hidden 200, minibatches of 32,
    /// 200,000 steps at 0.1 and 0.01 after 100,000, seeded with [`LECTURE_SEED`].
    pub const DEFAULT: MlpConfig = MlpConfig {
        context_len: 3,
        embedding: 10,
        hidden: 200,
        batch: 32,
        steps: 200_000,
        lr: 0.1,
        decay_at: None,
        seed: LECTURE_SEED,
        batchnorm: false,
    };

    /// Refuse settings that cannot train: a context outside 1 to 64, an embedding, hidden
    /// layer or minibatch of 0 or beyond [`MAX_EMBEDDING`], [`MAX_HIDDEN`], [`MAX_BATCH`],
    /// no steps (or more than [`MAX_STEPS`](crate::MAX_STEPS)), a learning rate that is not a positive finite
    /// number, a decay step outside 1 to the number of steps, minibatches of one example for
    /// BatchNorm.
    ///
    /// ```
    /// use makemore::MlpConfig;
    /// assert!(MlpConfig { context_len: 0, ..MlpConfig::DEFAULT }.validate().is_err());
    /// assert!(MlpConfig { batch: 0, ..MlpConfig::DEFAULT }.validate().is_err());
    /// assert!(MlpConfig { lr: f64::INFINITY, ..MlpConfig::DEFAULT }.validate().is_err());
    /// assert!(MlpConfig { hidden: 1_000_000, ..MlpConfig::DEFAULT }.validate().is_err());
    /// assert!(MlpConfig { decay_at: Some(0), ..MlpConfig::DEFAULT }.validate().is_err());
    /// assert!(MlpConfig { steps: 100, decay_at: Some(500), ..MlpConfig::DEFAULT }.validate().is_err());
    /// assert!(MlpConfig { steps: 100, decay_at: Some(100), ..MlpConfig::DEFAULT }.validate().is_ok());
    /// assert!(MlpConfig { batchnorm: true, batch: 1, ..MlpConfig::DEFAULT }.validate().is_err());
    /// assert!(MlpConfig::DEFAULT.validate().is_ok());
    /// ```
    pub fn validate(&self) -> Result<()> {
        let in_range = |name: &'static str, value: usize, max: usize, expected: &'static str| {
            if !(1..=max).contains(&value) {
                return Err(Error::BadParameter { name, value: value.to_string(), expected });
            }
            Ok(())
        };
        check_context_len(self.context_len)?;
        in_range("embedding", self.embedding, MAX_EMBEDDING, "must be from 1 to 4096")?;
        in_range("hidden", self.hidden, MAX_HIDDEN, "must be from 1 to 65536")?;
        in_range("batch", self.batch, MAX_BATCH, "must be from 1 to 65536")?;
        if self.batchnorm && self.batch == 1 {
            let expected = "BatchNorm needs minibatches of 2 or more (the std of one example is undefined)";
            return Err(Error::BadParameter { name: "batch", value: "1".into(), expected });
        }
        in_range("steps", self.steps, crate::train::trainer::MAX_STEPS, "must be from 1 to 10,000,000")?;
        check_positive("learning rate", self.lr)?;
        match self.decay_at {
            Some(0) => in_range("decay step", 0, 1, "must be from 1 to the number of steps")?,
            Some(at) if at > self.steps => {
                let why = "(the number of steps)".into();
                return Err(Error::TooLargeFor { name: "decay step", value: at.to_string(), max: self.steps, why });
            }
            _ => {}
        }
        Ok(())
    }

    /// The learning rate at step `step` (from 0): `lr`, then `lr / 10` from
    /// [`decay_at`](Self::decay_at) on.
    pub fn lr_at(&self, step: usize) -> f64 {
        self.trainer().schedule.lr_at(step)
    }

    /// The lecture's training: [`steps`](Self::steps) minibatches of
    /// [`batch`](Self::batch) at [`lr`](Self::lr), a tenth of it from
    /// [`decay_at`](Self::decay_at) (half the steps by default).
    pub fn trainer(&self) -> Trainer {
        Trainer {
            steps: self.steps,
            batch: Some(self.batch),
            schedule: StepDecay::lecture(self.lr, self.decay_at.unwrap_or(self.steps / 2)),
        }
    }

    /// The number of parameters for a vocabulary of `v` tokens: `C` (v × embedding),
    /// `W1` (context·embedding × hidden), `b1`, `W2` (hidden × v), `b2`. Fails when they
    /// or one step's activations would not fit ([`MAX_PARAMETERS`], [`MAX_BATCH_CELLS`]):
    /// checked before anything is allocated.
    /// Whether a model file holds lecture 3's network: its metadata `batchnorm` is `"true"`
    /// (absent: lecture 2's; any other value is refused).
    pub(crate) fn file_batchnorm(file: &StoredFile) -> Result<bool> {
        match file.meta("batchnorm") {
            Err(_) => Ok(false),
            Ok("true") => Ok(true),
            Ok(other) => Err(file.bad(format!("its batchnorm is {other:?}: an MLP with BatchNorm says \"true\""))),
        }
    }

    /// The sizes a model file gives (its context, metadata `embedding` and `hidden`, each at
    /// least 1), refused when such a network would not fit ([`n_parameters`](Self::n_parameters),
    /// for minibatches of one): checked before anything is allocated.
    pub(crate) fn from_file(file: &StoredFile) -> Result<MlpConfig> {
        let size = |key: &str| -> Result<usize> {
            file.meta(key)?.parse().ok().filter(|&x| x >= 1).ok_or_else(|| file.bad(format!("its {key} is not a size")))
        };
        let cfg = MlpConfig {
            context_len: file.context_len(),
            embedding: size("embedding")?,
            hidden: size("hidden")?,
            batch: 1,
            batchnorm: MlpConfig::file_batchnorm(file)?,
            ..MlpConfig::DEFAULT
        };
        cfg.n_parameters(file.vocab().len()).map_err(|err| file.bad(err))?;
        Ok(cfg)
    }

    pub fn n_parameters(&self, v: usize) -> Result<usize> {
        let (c, e, h) = (self.context_len, self.embedding, self.hidden);
        let params =
            [v.checked_mul(e), c.checked_mul(e).and_then(|x| x.checked_mul(h)), Some(h), h.checked_mul(v), Some(v)]
                .into_iter()
                .try_fold(0usize, |sum, x| x.and_then(|x| sum.checked_add(x)));
        let cells = c
            .checked_mul(e)
            .and_then(|x| x.checked_add(h))
            .and_then(|x| x.checked_add(v))
            .and_then(|x| x.checked_mul(self.batch));
        if let (Some(p), Some(b)) = (params, cells)
            && p <= MAX_PARAMETERS
            && b <= MAX_BATCH_CELLS
        {
            return Ok(p);
        }
        // the size to blame, and its largest value with the others as they are: the
        // parameters grow linearly in the hidden size and in the embedding, the activations
        // in the minibatch
        let (name, value, max, limit, what) = match params {
            Some(p) if p <= MAX_PARAMETERS => {
                let per_example = c.saturating_mul(e).saturating_add(h).saturating_add(v);
                let max = MAX_BATCH_CELLS / per_example.max(1);
                ("batch", self.batch, max, MAX_BATCH_CELLS, "activations of one minibatch")
            }
            _ if h >= e => {
                let fixed = v.saturating_mul(e).saturating_add(v);
                let per_unit = c.saturating_mul(e).saturating_add(1).saturating_add(v);
                ("hidden", h, MAX_PARAMETERS.saturating_sub(fixed) / per_unit, MAX_PARAMETERS, "parameters")
            }
            _ => {
                let fixed = h.saturating_add(h.saturating_mul(v)).saturating_add(v);
                let per_number = v.saturating_add(c.saturating_mul(h)).max(1);
                ("embedding", e, MAX_PARAMETERS.saturating_sub(fixed) / per_number, MAX_PARAMETERS, "parameters")
            }
        };
        let why = format!(
            "for context {c}, embedding {e}, hidden {h}, batch {} and {v} tokens (at most {limit} {what})",
            self.batch
        );
        Err(Error::TooLargeFor { name, value: value.to_string(), max, why })
    }
}

impl Default for MlpConfig {
    fn default() -> Self {
        MlpConfig::DEFAULT
    }
}

/// The lecture's MLP: the lookup table `C`, the hidden layer `W1`, `b1`, the output layer
/// `W2`, `b2`.
///
/// ```
/// use makemore::{Mlp, MlpConfig, Vocab, WordList};
/// let words = WordList::parse(&"emma\nolivia\nava\n".repeat(20), "names")?;
/// let cfg = MlpConfig { hidden: 20, steps: 300, ..MlpConfig::DEFAULT };
/// let mut mlp = Mlp::new(&Vocab::from_words(&words)?, &cfg)?;
/// let losses = mlp.train(&words, &cfg)?;
/// assert!(losses[299] < losses[0] / 2.0);
/// assert_eq!(makemore::sample(&mlp, 3, 1)?.len(), 3);
/// # Ok::<(), makemore::Error>(())
/// ```
#[derive(Debug)]
pub struct Mlp {
    vocab: Vocab,
    context_len: usize,
    c: Tensor,
    w1: Tensor,
    b1: Tensor,
    w2: Tensor,
    b2: Tensor,
}

/// The names of the parameters, in the lecture's order (and in model files).
pub const PARAMETER_NAMES: [&str; 5] = ["C", "W1", "b1", "W2", "b2"];

impl Mlp {
    /// Seed the generator with `cfg.seed`, then draw `C = randn((V, embedding))`,
    /// `W1 = randn((context·embedding, hidden))`, `b1 = randn(hidden)`,
    /// `W2 = randn((hidden, V))`, `b2 = randn(V)`, as the lecture does.
    ///
    /// ```
    /// let vocab = makemore::Vocab::from_itos(vec!['.', 'a', 'b'])?;
    /// let cfg = makemore::MlpConfig { hidden: 4, ..Default::default() };
    /// let mlp = makemore::Mlp::new(&vocab, &cfg)?;
    /// assert_eq!(mlp.w1().size(), [30, 4]);
    /// let huge = makemore::MlpConfig { hidden: 1 << 40, ..Default::default() };
    /// assert!(makemore::Mlp::new(&vocab, &huge).is_err()); // refused before allocating
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn new(vocab: &Vocab, cfg: &MlpConfig) -> Result<Mlp> {
        cfg.validate()?;
        cfg.n_parameters(vocab.len())?;
        let (v, c, e, h) = (vocab.len() as i64, cfg.context_len as i64, cfg.embedding as i64, cfg.hidden as i64);
        seed(cfg.seed);
        let randn = |shape: &[i64]| -> Result<Tensor> {
            Ok(Tensor::f_randn(shape, (Kind::Float, Device::Cpu))?.set_requires_grad(true))
        };
        Ok(Mlp {
            vocab: vocab.clone(),
            context_len: cfg.context_len,
            c: randn(&[v, e])?,
            w1: randn(&[c * e, h])?,
            b1: randn(&[h])?,
            w2: randn(&[h, v])?,
            b2: randn(&[v])?,
        })
    }

    /// A network from stored parameters `[C, W1, b1, W2, b2]`: float32, shapes that fit
    /// together (`C` V×E, `W1` (context·E)×H, `b1` H, `W2` H×V, `b2` V), finite values of
    /// magnitude at most 1e15.
    ///
    /// ```
    /// use tch::{Kind, Tensor};
    /// let vocab = makemore::Vocab::from_itos(vec!['.', 'a'])?;
    /// let z = |s: &[i64]| Tensor::zeros(s, (Kind::Float, tch::Device::Cpu));
    /// let ok = [z(&[2, 3]), z(&[6, 4]), z(&[4]), z(&[4, 2]), z(&[2])];
    /// assert!(makemore::Mlp::from_parameters(&vocab, 2, ok).is_ok());
    /// let bad = [z(&[2, 3]), z(&[5, 4]), z(&[4]), z(&[4, 2]), z(&[2])];
    /// assert!(makemore::Mlp::from_parameters(&vocab, 2, bad).is_err());
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn from_parameters(vocab: &Vocab, context_len: usize, params: [Tensor; 5]) -> Result<Mlp> {
        let context = context_len;
        let bad = |reason: String| Err(Error::BadWeights(reason));
        let shapes: Vec<Vec<i64>> = params.iter().map(Tensor::size).collect();
        let (v, e, h) =
            (vocab.len() as i64, shapes[0].get(1).copied().unwrap_or(-1), shapes[2].first().copied().unwrap_or(-1));
        let want = [vec![v, e], vec![context as i64 * e, h], vec![h], vec![h, v], vec![v]];
        if check_context_len(context).is_ok() && e >= 1 && h >= 1 {
            for ((name, got), want) in PARAMETER_NAMES.iter().zip(&shapes).zip(&want) {
                if got != want {
                    return bad(format!("{name} is {got:?}, expected {want:?} (vocabulary {v}, context {context})"));
                }
            }
        } else {
            return bad(format!("shapes {shapes:?} do not make an MLP of context {context} over {v} tokens"));
        }
        let cfg = MlpConfig {
            context_len: context,
            embedding: e as usize,
            hidden: h as usize,
            batch: 1,
            ..MlpConfig::DEFAULT
        };
        cfg.n_parameters(vocab.len())?;
        let mut out = Vec::with_capacity(5);
        for (name, p) in PARAMETER_NAMES.iter().zip(params) {
            finite_values(name, &p)?;
            out.push(p.f_detach()?.f_contiguous()?.set_requires_grad(true));
        }
        let [c, w1, b1, w2, b2]: [Tensor; 5] = out.try_into().expect("five parameters");
        Ok(Mlp { vocab: vocab.clone(), context_len, c, w1, b1, w2, b2 })
    }

    /// The parameters in the lecture's order `[C, W1, b1, W2, b2]`.
    pub fn parameters(&self) -> [&Tensor; 5] {
        [&self.c, &self.w1, &self.b1, &self.w2, &self.b2]
    }

    /// The lookup table `C`: one row of `embedding` numbers per token.
    pub fn c(&self) -> &Tensor {
        &self.c
    }

    /// The hidden layer's weights `W1`.
    pub fn w1(&self) -> &Tensor {
        &self.w1
    }

    /// The embedding size (columns of `C`).
    pub fn embedding(&self) -> usize {
        self.c.size()[1] as usize
    }

    /// The number of hidden units.
    pub fn hidden(&self) -> usize {
        self.b1.size()[0] as usize
    }

    /// The number of parameters (the lecture's `sum(p.nelement() for p in parameters)`).
    pub fn n_parameters(&self) -> usize {
        self.parameters().iter().map(|p| p.numel()).sum()
    }

    /// The forward pass on `xs` (n × context token indices): `emb = C[X]`,
    /// `h = tanh(emb.view(-1, context·embedding) @ W1 + b1)`, `logits = h @ W2 + b2`.
    pub fn logits(&self, xs: &Tensor) -> Result<Tensor> {
        forward(self.parameters(), xs)
    }

    /// The mean cross-entropy on examples, without gradients: the lecture's evaluation
    /// `F.cross_entropy(logits, Y).item()` on a whole split, in float32.
    ///
    /// ```
    /// let words = makemore::WordList::parse("ab", "w")?;
    /// let vocab = makemore::Vocab::from_words(&words)?;
    /// let mlp = makemore::Mlp::new(&vocab, &makemore::MlpConfig::default())?;
    /// let ex = makemore::Examples::with_context(&words, &vocab, 3)?;
    /// assert!(mlp.loss(&ex)? > 0.0);
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn loss(&self, examples: &Examples) -> Result<f32> {
        network::mean_loss(self, examples)
    }

    /// One step on a minibatch: forward, the loss, zero the gradients, backward, and
    /// `p.data += -lr * p.grad` under `no_grad`. Returns the minibatch's loss (before
    /// the update).
    pub fn step(&mut self, xs: &Tensor, ys: &Tensor, lr: f64) -> Result<f32> {
        on_one_thread(|| self.step_here(xs, ys, lr))
    }

    fn step_here(&mut self, xs: &Tensor, ys: &Tensor, lr: f64) -> Result<f32> {
        let loss = network::cross_entropy(self, xs, ys)?;
        let params = self.parameters().map(Tensor::shallow_clone);
        Sgd.zero_grad(&params);
        loss.f_backward()?;
        Sgd.step(&params, lr)?;
        Ok(loss.f_double_value(&[])? as f32)
    }

    /// Train on the examples of `words` ([`train_examples`](Self::train_examples)).
    pub fn train(&mut self, words: &WordList, cfg: &MlpConfig) -> Result<Vec<f32>> {
        let examples = Examples::with_context(words, &self.vocab, self.context_len)?;
        self.train_examples(&examples, cfg, |_, _| {})
    }

    /// `cfg.steps` minibatch steps on `examples`: each draws `randint(0, n, (batch,))`
    /// from the generator (seeded by [`Mlp::new`]: the minibatches continue after the
    /// parameters), steps at [`MlpConfig::lr_at`], and calls `on_step(step, loss)`.
    /// Returns every step's minibatch loss. Stops with [`Error::Diverged`] on a NaN or
    /// infinite loss. The parameters' shapes come from the network; of `cfg` only the
    /// batch, steps and learning rates are used.
    ///
    /// Each step computes what [`step`](Self::step) computes, with the same libtorch
    /// kernels on the same values, so the losses and parameters are the same bit for bit
    /// (tests/mlp.rs checks it, and checks both against PyTorch): the backward pass is
    /// written out as the calls autograd makes, into buffers allocated once, which skips
    /// the autograd graph and the allocations of every step (about half the time).
    ///
    /// ```
    /// use makemore::{Examples, Mlp, MlpConfig, Vocab, WordList};
    /// let words = WordList::parse(&"emma\nolivia\nava\n".repeat(20), "names")?;
    /// let vocab = Vocab::from_words(&words)?;
    /// let ex = Examples::with_context(&words, &vocab, 3)?;
    /// let cfg = MlpConfig { hidden: 20, steps: 50, ..MlpConfig::DEFAULT };
    /// let fast = Mlp::new(&vocab, &cfg)?.train_examples(&ex, &cfg, |_, _| {})?;
    /// // the lecture's loop through autograd: the same seed, parameters, then minibatches
    /// let mut b = Mlp::new(&vocab, &cfg)?;
    /// let n = ex.len() as i64;
    /// let slow: Vec<f32> = (0..50).map(|k| {
    ///     let ix = tch::Tensor::randint(n, [32], (tch::Kind::Int64, tch::Device::Cpu));
    ///     b.step(&ex.xs.index(&[Some(&ix)]), &ex.ys.index(&[Some(&ix)]), cfg.lr_at(k)).unwrap()
    /// }).collect();
    /// assert_eq!(fast, slow);
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn train_examples(
        &mut self,
        examples: &Examples,
        cfg: &MlpConfig,
        mut on_step: impl FnMut(usize, f32),
    ) -> Result<Vec<f32>> {
        let observe = |e: &Event| {
            if let Event::Step { step, loss, .. } = *e {
                on_step(step, loss)
            }
        };
        Ok(self.train_run(examples, cfg, observe, None, None)?.losses)
    }

    /// [`train_examples`](Self::train_examples) with everything the [`Trainer`] offers:
    /// every event (steps, evaluations) to `observe`, evaluation every K steps keeping the
    /// best parameters, and a stop flag (Ctrl-C).
    pub fn train_run(
        &mut self,
        examples: &Examples,
        cfg: &MlpConfig,
        observe: impl FnMut(&Event),
        eval: Option<EvalEvery>,
        stop: Option<&AtomicBool>,
    ) -> Result<TrainingRun> {
        let cfg =
            MlpConfig { context_len: self.context_len, embedding: self.embedding(), hidden: self.hidden(), ..*cfg };
        cfg.validate()?;
        cfg.n_parameters(self.vocab.len())?;
        let xs = inputs(self.context_len, examples)?;
        on_one_thread(|| {
            let mut backprop = MlpBackprop::new(self.parameters(), &xs, &examples.ys, cfg.batch)?;
            cfg.trainer().run(examples.len(), &mut backprop, observe, eval, stop)
        })
    }

    /// [`Mlp::new`], then [`train_examples`](Self::train_examples) on `examples`; or, when
    /// `cache` holds the network these would make, that network read back (the
    /// [`TrainedCache`] says when, and leaves the generator as training would).
    pub fn trained(
        vocab: &Vocab,
        cfg: &MlpConfig,
        examples: &Examples,
        cache: &TrainedCache,
    ) -> Result<(Mlp, Trained)> {
        let mut net = Mlp::new(vocab, cfg)?;
        let what = format!("mlp {cfg:?} {:?}", vocab.chars());
        let tensors: Vec<Tensor> = net.parameters().iter().map(|t| t.shallow_clone()).collect();
        let trained =
            cache.train(&what, examples, &tensors, &cfg.trainer(), || net.train_examples(examples, cfg, |_, _| {}))?;
        Ok((net, trained))
    }
}

/// The lecture's forward pass with the parameters `[C, W1, b1, W2, b2]` on `xs` (n ×
/// context): `emb = C[X]`, `h = tanh(emb.view(-1, context·embedding) @ W1 + b1)`,
/// `logits = h @ W2 + b2`.
pub(crate) fn forward([c, w1, b1, w2, b2]: [&Tensor; 5], xs: &Tensor) -> Result<Tensor> {
    let emb = c.f_index(&[Some(xs)])?;
    let h = emb.f_view([-1, w1.size()[0]])?.f_matmul(w1)?.f_add(b1)?.f_tanh()?;
    Ok(h.f_matmul(w2)?.f_add(b2)?)
}

impl Network for Mlp {
    fn vocab(&self) -> &Vocab {
        &self.vocab
    }
    fn context_len(&self) -> usize {
        self.context_len
    }
    fn logits(&self, xs: &Tensor) -> Result<Tensor> {
        Mlp::logits(self, xs)
    }
    /// `C`, `W1`, `b1`, `W2`, `b2`: the lecture's names, in its order.
    fn named_parameters(&self) -> Vec<(String, Tensor)> {
        PARAMETER_NAMES.iter().zip(self.parameters()).map(|(n, p)| (n.to_string(), p.shallow_clone())).collect()
    }
}

impl LanguageModel for Mlp {
    fn vocab(&self) -> &Vocab {
        &self.vocab
    }
    fn context_len(&self) -> usize {
        self.context_len
    }
    fn kind(&self) -> &'static str {
        MlpConfig::NAME
    }
    /// The embeddings, the hidden layer and the logits (and softmax's output) of a context.
    fn cells_per_context(&self) -> usize {
        self.context_len * self.embedding() + self.hidden() + 2 * self.vocab.len()
    }
    fn parameter_count(&self) -> Option<usize> {
        Some(Network::n_parameters(self))
    }
    /// `F.softmax(logits, dim=1)`, as the lecture's sampling loop computes it.
    fn probs(&self, contexts: &[i64]) -> Result<Tensor> {
        network::probs(self, contexts)
    }
    fn log_probs(&self, contexts: &[i64]) -> Result<Tensor> {
        network::log_probs(self, contexts)
    }
    /// The lecture's tensors `C`, `W1`, `b1`, `W2`, `b2` under its names and shapes (the
    /// biases 1-D), and the sizes as metadata `embedding` and `hidden`: a PyTorch user
    /// loads them with `safetensors.torch.load_file` and samples with the lecture's loop.
    fn stored(&self) -> Result<Stored> {
        let meta = vec![("embedding", self.embedding().to_string()), ("hidden", self.hidden().to_string())];
        network::stored(self, meta)
    }
}
