//! Lecture 5: the WaveNet (karpathy/nn-zero-to-hero, makemore_part5_cnn1.ipynb), the
//! lecture's final network built from the network core's layers ([`crate::nn`]) and trained by
//! its loop (`--model wavenet`):
//!
//! ```text
//! torch.manual_seed(42)
//! model = Sequential([
//!   Embedding(vocab_size, n_embd),
//!   FlattenConsecutive(2), Linear(n_embd * 2, n_hidden, bias=False), BatchNorm1d(n_hidden), Tanh(),
//!   FlattenConsecutive(2), Linear(n_hidden*2, n_hidden, bias=False), BatchNorm1d(n_hidden), Tanh(),
//!   FlattenConsecutive(2), Linear(n_hidden*2, n_hidden, bias=False), BatchNorm1d(n_hidden), Tanh(),
//!   Linear(n_hidden, vocab_size),
//! ])
//! with torch.no_grad(): model.layers[-1].weight *= 0.1   # last layer make less confident
//!
//! for i in range(max_steps):
//!   ix = torch.randint(0, Xtr.shape[0], (batch_size,))
//!   logits = model(Xtr[ix]); loss = F.cross_entropy(logits, Ytr[ix])
//!   for p in parameters: p.grad = None
//!   loss.backward()
//!   lr = 0.1 if i < 150000 else 0.01
//!   for p in parameters: p.data += -lr * p.grad
//! ```
//!
//! The tree has one level (`FlattenConsecutive(n)`, a `Linear` without bias, `BatchNorm1d`,
//! `Tanh`) per factor `n` of the context: the lecture's context 8 and `n` 2 make three
//! levels, a context of 16 four (the lecture's squeeze, at one group left, is
//! [`FlattenConsecutive`]'s; it only ever removes the group dimension). The parameters are
//! drawn from the global generator after seeding it ([`WaveNetConfig::seed`], the lecture's
//! 42), and the minibatches from the same generator after them, as the lecture's loop draws
//! them; so PyTorch's run of the lecture's code and this file agree step for step. The
//! learning rate is a tenth from three quarters of the steps on (the lecture's 150,000 of
//! 200,000).
//!
//! Evaluation and sampling put the layers in evaluation mode (the lecture's
//! `layer.training = False`): BatchNorm normalises with its running statistics, which the
//! model file holds.

use std::cell::RefCell;
use std::path::Path;

use tch::Tensor;

use crate::data::input::read_limited;
use crate::data::vocab::Vocab;
use crate::data::words::WordList;
use crate::error::{Error, Result, show};
use crate::models::backprop::wavenet::WaveNetBackprop;
use crate::models::kind::{Fitting, LanguageModel, ModelKind, Sizes, Training};
use crate::models::mlp::{MAX_BATCH_CELLS, MAX_PARAMETERS, MlpConfig};
use crate::models::network::{self, AutogradStep, Network, on_one_thread};
use crate::models::stored::{MAX_MODEL_BYTES, Stored, StoredFile};
use crate::nn::{BatchNorm1d, Embedding, FlattenConsecutive, Layer, Linear, Sequential, Sgd, Tanh};
use crate::rng::seed;
use crate::train::cache::{Trained, TrainedCache};
use crate::train::examples::Examples;
use crate::train::trainer::{EvalEvery, Event, StepDecay, Trainer};

/// The lecture's seed, `torch.manual_seed(42)`.
pub const WAVENET_SEED: i64 = 42;

/// The largest flatten factor: 64, the longest context (one level).
pub const MAX_FLATTEN: usize = 64;

/// The WaveNet's hyper-parameters, with the lecture's final values as defaults. Its own flag
/// is `--flatten`; its sizes are the CLI's sizes group (`--embedding`, `--hidden`), the
/// training settings the CLI's training group, and the context the CLI's `--context`.
///
/// ```
/// let cfg = makemore::WaveNetConfig::default();
/// assert_eq!((cfg.context_len, cfg.embedding, cfg.hidden, cfg.flatten), (8, 24, 128, 2));
/// assert_eq!((cfg.steps, cfg.levels()?), (200_000, 3));
/// assert_eq!(cfg.trainer().schedule.decay_at, 150_000);
/// assert_eq!(cfg.n_parameters(27)?, 76_579); // the lecture's
/// # Ok::<(), makemore::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, clap::Args)]
pub struct WaveNetConfig {
    /// How many previous tokens the network reads (the lecture's `block_size`, 8): a power of
    /// [`flatten`](Self::flatten).
    #[arg(skip = WaveNetConfig::DEFAULT.context_len)]
    pub context_len: usize,
    /// The length of each character's learned vector (`n_embd`, 24).
    #[arg(skip = WaveNetConfig::DEFAULT.embedding)]
    pub embedding: usize,
    /// The width of each level (`n_hidden`, 128).
    #[arg(skip = WaveNetConfig::DEFAULT.hidden)]
    pub hidden: usize,
    /// How many consecutive vectors each level of the tree joins (FlattenConsecutive's n);
    /// --context must be a power of it (2 to 64).
    #[arg(long, value_name = "N", default_value_t = WaveNetConfig::DEFAULT.flatten, allow_negative_numbers = true,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(2..=MAX_FLATTEN as u64))]
    pub flatten: usize,
    /// Examples per minibatch (32).
    #[arg(skip = WaveNetConfig::DEFAULT.batch)]
    pub batch: usize,
    /// Minibatch steps (200,000).
    #[arg(skip = WaveNetConfig::DEFAULT.steps)]
    pub steps: usize,
    /// The learning rate until [`decay_at`](Self::decay_at) (0.1); a tenth of it after.
    #[arg(skip = WaveNetConfig::DEFAULT.lr)]
    pub lr: f64,
    /// The step from which the learning rate is a tenth of `lr` (None: three quarters of the
    /// steps).
    #[arg(skip)]
    pub decay_at: Option<usize>,
    /// The seed of the global generator, for the parameters and then the minibatches (42).
    #[arg(skip = WaveNetConfig::DEFAULT.seed)]
    pub seed: i64,
    /// Lecture 5's BatchNorm bug, kept to show it (false): every level but the last
    /// normalises per position ([`BatchNorm1d::per_position`]). The lecture's "flat →
    /// hierarchical" row; such a network is not saved.
    #[arg(skip)]
    pub batchnorm_bug: bool,
}

impl WaveNetConfig {
    /// The lecture's final network and training.
    pub const DEFAULT: WaveNetConfig = WaveNetConfig {
        context_len: 8,
        embedding: 24,
        hidden: 128,
        flatten: 2,
        batch: 32,
        steps: 200_000,
        lr: 0.1,
        decay_at: None,
        seed: WAVENET_SEED,
        batchnorm_bug: false,
    };

    /// The number of levels: k for a context of flatten^k. Fails for a context that is not
    /// such a power (k ≥ 1).
    ///
    /// ```
    /// use makemore::WaveNetConfig;
    /// let cfg = WaveNetConfig { context_len: 16, ..WaveNetConfig::DEFAULT };
    /// assert_eq!(cfg.levels()?, 4);
    /// let err = WaveNetConfig { context_len: 6, ..WaveNetConfig::DEFAULT }.levels().unwrap_err();
    /// assert_eq!(err.to_string(), "invalid --context 6 for --flatten 2: the context must be a power of the flatten factor (2, 4, 8, 16, 32 or 64)");
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn levels(&self) -> Result<usize> {
        let (c, n) = (self.context_len, self.flatten);
        if (2..=MAX_FLATTEN).contains(&n) {
            let (mut groups, mut levels) = (c, 0);
            while groups > 1 && groups % n == 0 {
                groups /= n;
                levels += 1;
            }
            if groups == 1 && levels >= 1 {
                return Ok(levels);
            }
        }
        let powers: Vec<String> = if n >= 2 {
            std::iter::successors(Some(n), |p| Some(p * n))
                .take_while(|&p| p <= crate::MAX_CONTEXT)
                .map(|p| p.to_string())
                .collect()
        } else {
            Vec::new()
        };
        let list = match powers.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
            Some((last, _)) => last.clone(),
            None => "a flatten factor from 2 to 64".into(),
        };
        Err(Error::Usage(format!(
            "invalid --context {c} for --flatten {n}: the context must be a power of the flatten factor ({list})"
        )))
    }

    /// Refuse settings that cannot train: the MLP's ranges for the context, sizes, minibatch
    /// (2 or more, for BatchNorm), steps, learning rate and decay step ([`MlpConfig::validate`]),
    /// a context that is not a power of the flatten factor, a network or minibatch too large
    /// ([`n_parameters`](Self::n_parameters)).
    pub fn validate(&self) -> Result<()> {
        self.as_mlp().validate()?;
        self.levels()?;
        Ok(())
    }

    /// The MLP with the same ranges to check: its sizes, its training, BatchNorm.
    fn as_mlp(&self) -> MlpConfig {
        MlpConfig {
            context_len: self.context_len,
            embedding: self.embedding,
            hidden: self.hidden,
            batch: self.batch,
            steps: self.steps,
            lr: self.lr,
            decay_at: self.decay_at,
            seed: self.seed,
            batchnorm: true,
        }
    }

    /// The lecture's training: [`steps`](Self::steps) minibatches of [`batch`](Self::batch)
    /// at [`lr`](Self::lr), a tenth of it from [`decay_at`](Self::decay_at) (three quarters of
    /// the steps by default).
    pub fn trainer(&self) -> Trainer {
        Trainer {
            steps: self.steps,
            batch: Some(self.batch),
            schedule: StepDecay::lecture(self.lr, self.decay_at.unwrap_or(self.steps * 3 / 4)),
        }
    }

    /// The number of parameters for a vocabulary of `v` tokens (the lecture's 76,579 for 27),
    /// refused when they would be more than [`MAX_PARAMETERS`] or one minibatch's activations
    /// more than [`MAX_BATCH_CELLS`]: checked before anything is allocated.
    pub fn n_parameters(&self, v: usize) -> Result<usize> {
        let levels = self.levels()?;
        let (e, h, n) = (self.embedding, self.hidden, self.flatten);
        let mut params = v.checked_mul(e);
        let mut cells = self.context_len.checked_mul(e);
        let (mut width, mut groups) = (e, self.context_len);
        for _ in 0..levels {
            groups /= n;
            // Linear(width·n, h, bias=False), BatchNorm1d(h): weight, gamma, beta
            let level = width.checked_mul(n).and_then(|x| x.checked_mul(h)).and_then(|x| x.checked_add(2 * h));
            params = params.zip(level).and_then(|(p, l)| p.checked_add(l));
            // its input, pre-activation, normalised and tanh outputs
            let acts = groups.checked_mul(h).and_then(|x| x.checked_mul(4));
            cells = cells.zip(acts).and_then(|(c, a)| c.checked_add(a));
            width = h;
        }
        params = params.zip(h.checked_mul(v)).and_then(|(p, w)| p.checked_add(w)?.checked_add(v));
        let cells = cells.and_then(|c| c.checked_add(2 * v)?.checked_mul(self.batch));
        match (params, cells) {
            (Some(p), Some(c)) if p <= MAX_PARAMETERS && c <= MAX_BATCH_CELLS => Ok(p),
            _ => Err(Error::TooLarge(format!(
                "a WaveNet of context {}, embedding {e}, hidden {h}, flatten {n} and {v} tokens, trained on minibatches \
                 of {}: at most {MAX_PARAMETERS} parameters and {MAX_BATCH_CELLS} activations a minibatch",
                self.context_len, self.batch
            ))),
        }
    }

    /// The sizes a model file gives (its context, metadata `embedding`, `hidden`, `flatten`),
    /// refused when they make no network or one too large: checked before anything is allocated.
    fn from_file(file: &StoredFile) -> Result<WaveNetConfig> {
        let size = |key: &str| -> Result<usize> {
            file.meta(key)?.parse().ok().filter(|&x| x >= 1).ok_or_else(|| file.bad(format!("its {key} is not a size")))
        };
        let cfg = WaveNetConfig {
            context_len: file.context_len(),
            embedding: size("embedding")?,
            hidden: size("hidden")?,
            flatten: size("flatten")?,
            ..WaveNetConfig::DEFAULT
        };
        cfg.validate().map_err(|e| file.bad(e))?;
        cfg.n_parameters(file.vocab().len()).map_err(|e| file.bad(e))?;
        Ok(cfg)
    }
}

impl Default for WaveNetConfig {
    fn default() -> Self {
        WaveNetConfig::DEFAULT
    }
}

/// The lecture's hierarchical network: a [`Sequential`] of the core's layers, whose
/// parameters and running statistics are named as PyTorch's `nn.Sequential` names them
/// (`"0.weight"`, `"2.weight"`, `"3.gamma"`, ..., `"3.running_mean"`).
///
/// ```
/// use makemore::{Network, Vocab, WaveNet, WaveNetConfig};
/// let vocab = Vocab::from_itos(('a'..='z').fold(vec!['.'], |mut v, c| { v.push(c); v }))?;
/// let net = WaveNet::new(&vocab, &WaveNetConfig::DEFAULT)?;
/// assert_eq!(net.n_parameters(), 76_579);
/// let xs = tch::Tensor::zeros([4, 8], (tch::Kind::Int64, tch::Device::Cpu));
/// assert_eq!(net.logits(&xs)?.size(), [4, 27]);
/// # Ok::<(), makemore::Error>(())
/// ```
#[derive(Debug)]
pub struct WaveNet {
    vocab: Vocab,
    cfg: WaveNetConfig,
    /// In training mode but while [`Network::logits`] runs (the forward pass needs `&mut`:
    /// BatchNorm moves its running statistics when training).
    model: RefCell<Sequential>,
}

impl WaveNet {
    /// Seed the global generator with `cfg.seed` and build the lecture's network: the
    /// layers' parameters drawn in order, the last layer's weight scaled by 0.1. Of `cfg`
    /// the context, sizes, flatten factor and seed are used.
    pub fn new(vocab: &Vocab, cfg: &WaveNetConfig) -> Result<WaveNet> {
        cfg.validate()?;
        cfg.n_parameters(vocab.len())?;
        seed(cfg.seed);
        WaveNet::build(vocab, cfg, true)
    }

    /// The layers, drawn from the generator as it stands (`draw`), or zeros to load values into.
    fn build(vocab: &Vocab, cfg: &WaveNetConfig, draw: bool) -> Result<WaveNet> {
        let (v, n) = (vocab.len(), cfg.flatten);
        let linear = if draw { Linear::new } else { Linear::zeroed };
        let embedding = if draw { Embedding::new } else { Embedding::zeroed };
        let mut layers: Vec<Box<dyn Layer>> = vec![Box::new(embedding(v, cfg.embedding)?)];
        let (mut width, mut positions) = (cfg.embedding, cfg.context_len);
        for _ in 0..cfg.levels()? {
            positions /= n;
            layers.push(Box::new(FlattenConsecutive::new(n)?));
            layers.push(Box::new(linear(width * n, cfg.hidden, false)?));
            layers.push(Box::new(match cfg.batchnorm_bug && positions > 1 {
                true => BatchNorm1d::per_position(cfg.hidden, positions)?,
                false => BatchNorm1d::new(cfg.hidden)?,
            }));
            layers.push(Box::new(Tanh));
            width = cfg.hidden;
        }
        let last = linear(cfg.hidden, v, true)?;
        // `model.layers[-1].weight *= 0.1`: last layer make less confident
        let _ = tch::no_grad(|| last.weight.shallow_clone().f_mul_scalar_(0.1))?;
        layers.push(Box::new(last));
        Ok(WaveNet { vocab: vocab.clone(), cfg: *cfg, model: RefCell::new(Sequential::new(layers)) })
    }

    /// The network's sizes and training settings (those it was made with).
    pub fn config(&self) -> &WaveNetConfig {
        &self.cfg
    }

    /// The layers' output shapes for one batch of contexts, as the lecture prints them
    /// (`for layer in model.layers: print(layer.__class__.__name__, ':', tuple(layer.out.shape))`),
    /// in evaluation mode.
    pub fn shapes(&self, xs: &Tensor) -> Result<Vec<(String, Vec<i64>)>> {
        let mut model = self.model.borrow_mut();
        model.set_training(false);
        let mut x = xs.shallow_clone();
        let mut out = Vec::new();
        let result = (|| {
            for layer in model.layers_mut() {
                x = tch::no_grad(|| layer.forward(&x))?;
                let name = format!("{layer:?}");
                let name = name.split([' ', '(', '{']).next().unwrap_or_default().to_string();
                out.push((name, x.size()));
            }
            Ok(out)
        })();
        model.set_training(true);
        result
    }

    /// `cfg.steps` minibatch steps of the lecture's loop through the [`Trainer`]: the forward
    /// pass, `loss.backward()` and `p.data += -lr * p.grad`, with [`WaveNetConfig::trainer`]'s
    /// schedule, on one libtorch thread ([`on_one_thread`]). The backward pass is written out
    /// as the libtorch calls autograd makes for this graph (the same values, bit for bit, in less
    /// than half the time: the doctest of [`WaveNet::autograd_run`] compares them); a network
    /// with lecture 5's BatchNorm bug trains through autograd. Settings that cannot train
    /// ([`WaveNetConfig::validate`]: a minibatch of one, say) are refused.
    pub fn train_run(
        &mut self,
        examples: &Examples,
        cfg: &WaveNetConfig,
        observe: impl FnMut(&Event),
        eval: Option<EvalEvery>,
        stop: Option<&std::sync::atomic::AtomicBool>,
    ) -> Result<crate::TrainingRun> {
        let autograd = self.cfg.batchnorm_bug;
        self.train(examples, cfg, (observe, eval, stop), autograd)
    }

    /// [`WaveNet::train_run`] through autograd (`loss.backward()` and [`Sgd`]): the lecture's
    /// loop as it reads, slower.
    ///
    /// ```
    /// use makemore::{Examples, Network, Vocab, WaveNet, WaveNetConfig, WordList};
    /// let words = WordList::parse("emma\nolivia\nava\nisabella\nsophia\ncharlotte\nmia\namelia", "w")?;
    /// let vocab = Vocab::from_words(&words)?;
    /// for (context, flatten) in [(8, 2), (16, 4), (4, 4)] {
    ///     let cfg = WaveNetConfig { context_len: context, flatten, hidden: 20, embedding: 5, steps: 60, ..Default::default() };
    ///     let ex = Examples::with_context(&words, &vocab, context)?;
    ///     // the written-out backward pass and autograd: the same losses and parameters, bit for bit
    ///     let mut fast = WaveNet::new(&vocab, &cfg)?; // seeds the generator: the same draws
    ///     let fast_losses = fast.train_run(&ex, &cfg, |_| {}, None, None)?.losses;
    ///     let mut slow = WaveNet::new(&vocab, &cfg)?;
    ///     assert_eq!(fast_losses, slow.autograd_run(&ex, &cfg)?.losses);
    ///     let all = |n: &WaveNet| n.named_parameters().into_iter().chain(n.named_buffers()).map(|(_, t)| t).collect::<Vec<_>>();
    ///     assert!(all(&fast).iter().zip(all(&slow)).all(|(a, b)| a.equal(&b)));
    /// }
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn autograd_run(&mut self, examples: &Examples, cfg: &WaveNetConfig) -> Result<crate::TrainingRun> {
        self.train(examples, cfg, (|_: &Event| {}, None, None), true)
    }

    /// `cfg.steps` steps of the lecture's loop through the [`Trainer`], on one libtorch thread,
    /// observed, evaluated and stopped as the trainer is told: through autograd, or with the
    /// backward pass written out.
    fn train(
        &mut self,
        examples: &Examples,
        cfg: &WaveNetConfig,
        (observe, eval, stop): (impl FnMut(&Event), Option<EvalEvery>, Option<&std::sync::atomic::AtomicBool>),
        autograd: bool,
    ) -> Result<crate::TrainingRun> {
        cfg.validate()?;
        let trainer = cfg.trainer();
        trainer.validate()?;
        if autograd {
            return on_one_thread(|| {
                let mut step = AutogradStep::new(self, examples, Sgd)?;
                trainer.run(examples.len(), &mut step, observe, eval, stop)
            });
        }
        let xs = network::inputs(self.cfg.context_len, examples)?;
        on_one_thread(|| {
            let mut step = WaveNetBackprop::new(self, &xs, &examples.ys, cfg.batch)?;
            trainer.run(examples.len(), &mut step, observe, eval, stop)
        })
    }

    /// [`WaveNet::new`], then [`train_run`](Self::train_run) on `examples` (no evaluation);
    /// or, when `cache` holds the network these would make, that network read back, its
    /// BatchNorm statistics too (the [`TrainedCache`] says when, and leaves the generator as
    /// training would).
    pub fn trained(
        vocab: &Vocab,
        cfg: &WaveNetConfig,
        examples: &Examples,
        cache: &TrainedCache,
    ) -> Result<(WaveNet, Trained)> {
        let mut net = WaveNet::new(vocab, cfg)?;
        let what = format!("wavenet {cfg:?} {:?}", vocab.chars());
        let tensors: Vec<Tensor> =
            net.named_parameters().into_iter().chain(net.named_buffers()).map(|(_, t)| t).collect();
        let trained = cache.train(&what, examples, &tensors, &cfg.trainer(), || {
            Ok(net.train_run(examples, cfg, |_| {}, None, None)?.losses)
        })?;
        Ok((net, trained))
    }

    /// The WaveNet in a model file that `makemore train --model wavenet` wrote, as a
    /// [`Network`] (for [`network::mean_loss`], say); an error naming the file if it holds
    /// another kind of model.
    ///
    /// ```
    /// let path = std::env::temp_dir().join(format!("doc-wavenet-{}.safetensors", std::process::id()));
    /// let words = makemore::WordList::parse("emma\nava", "names")?;
    /// makemore::save_model(&makemore::CountsModel::bigram(&words, 1.0)?, &path)?;
    /// let err = makemore::WaveNet::load_file(&path).unwrap_err();
    /// assert!(err.to_string().contains("not a WaveNet"), "{err}");
    /// # std::fs::remove_file(&path).unwrap();
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn load_file(path: impl AsRef<Path>) -> Result<WaveNet> {
        let path = path.as_ref();
        let bytes = read_limited(path, MAX_MODEL_BYTES)?;
        let (kind, file) = StoredFile::open(path, &bytes)?;
        if kind != <WaveNetConfig as ModelKind>::NAME {
            return Err(file.bad(format!("it holds a {kind} model, not a WaveNet")));
        }
        WaveNet::load(&file)
    }

    /// The network a model file holds: the sizes its metadata gives, then every parameter and
    /// running statistic under its name and shape (nothing is drawn from the generator).
    fn load(file: &StoredFile) -> Result<WaveNet> {
        let cfg = WaveNetConfig::from_file(file)?;
        let net = WaveNet::build(file.vocab(), &cfg, false)?;
        network::load_parameters(&net, file)?;
        // `sqrt(running_var + eps)` divides: a variance is 0 or more
        for (name, t) in net.named_buffers().iter().filter(|(n, _)| n.ends_with("running_var")) {
            let smallest = t.f_min()?.f_double_value(&[])?;
            if smallest < 0.0 {
                return Err(file.bad(format!("{name} holds {smallest}: a variance is 0 or more")));
            }
        }
        Ok(net)
    }
}

impl Network for WaveNet {
    fn vocab(&self) -> &Vocab {
        &self.vocab
    }
    fn context_len(&self) -> usize {
        self.cfg.context_len
    }
    /// In evaluation mode: BatchNorm normalises with its running statistics.
    fn logits(&self, xs: &Tensor) -> Result<Tensor> {
        let mut model = self.model.borrow_mut();
        model.set_training(false);
        let logits = model.forward(xs);
        model.set_training(true);
        logits
    }
    /// In training mode: each BatchNorm normalises with the minibatch's statistics and moves
    /// its running ones.
    fn train_logits(&mut self, xs: &Tensor) -> Result<Tensor> {
        self.model.get_mut().forward(xs)
    }
    fn named_parameters(&self) -> Vec<(String, Tensor)> {
        self.model.borrow().parameters()
    }
    fn named_buffers(&self) -> Vec<(String, Tensor)> {
        self.model.borrow().buffers()
    }
}

impl LanguageModel for WaveNet {
    fn vocab(&self) -> &Vocab {
        &self.vocab
    }
    fn context_len(&self) -> usize {
        self.cfg.context_len
    }
    fn kind(&self) -> &'static str {
        WaveNetConfig::NAME
    }
    fn parameter_count(&self) -> Option<usize> {
        Some(Network::n_parameters(self))
    }
    /// One context's activations, as [`WaveNetConfig::n_parameters`] counts them.
    fn cells_per_context(&self) -> usize {
        let (c, e, h) = (self.cfg.context_len, self.cfg.embedding, self.cfg.hidden);
        c * e + 4 * h * c + 2 * self.vocab.len()
    }
    fn probs(&self, contexts: &[i64]) -> Result<Tensor> {
        network::probs(self, contexts)
    }
    fn log_probs(&self, contexts: &[i64]) -> Result<Tensor> {
        network::log_probs(self, contexts)
    }
    /// Every layer's parameters and running statistics under `nn.Sequential`'s names, the
    /// sizes as metadata `embedding`, `hidden` and `flatten`.
    fn stored(&self) -> Result<Stored> {
        if self.cfg.batchnorm_bug {
            return Err(Error::Usage(
                "a WaveNet with lecture 5's BatchNorm bug is not saved: it is there to show the bug".into(),
            ));
        }
        let meta = vec![
            ("embedding", self.cfg.embedding.to_string()),
            ("hidden", self.cfg.hidden.to_string()),
            ("flatten", self.cfg.flatten.to_string()),
        ];
        network::stored(self, meta)
    }
}

impl ModelKind for WaveNetConfig {
    const NAME: &'static str = "wavenet";
    const TUNED: &'static str = "learning rate";
    const HEADING: &'static str = "WaveNet model";
    const EVALUATES: bool = true;
    fn context_len(&self) -> usize {
        self.context_len
    }
    fn set_context_len(&mut self, context_len: usize) {
        self.context_len = context_len;
    }
    fn set_tuned(&mut self, value: f64) {
        self.lr = value;
    }
    fn steps(&self) -> Option<usize> {
        Some(self.steps)
    }
    fn sizes(&self) -> Option<Sizes> {
        Some(Sizes { embedding: Some(self.embedding), hidden: Some(self.hidden) })
    }
    fn set_sizes(&mut self, s: &Sizes) {
        self.embedding = s.embedding.unwrap_or(self.embedding);
        self.hidden = s.hidden.unwrap_or(self.hidden);
    }
    fn training(&self) -> Option<Training> {
        Some(Training {
            steps: Some(self.steps),
            lr: Some(self.lr),
            batch: Some(self.batch),
            seed: Some(self.seed),
            decay_at: Some(self.trainer().schedule.decay_at),
        })
    }
    fn set_training(&mut self, t: &Training) {
        self.steps = t.steps.unwrap_or(self.steps);
        self.lr = t.lr.unwrap_or(self.lr);
        self.batch = t.batch.unwrap_or(self.batch);
        self.seed = t.seed.unwrap_or(self.seed);
        self.decay_at = t.decay_at.or(self.decay_at);
    }
    fn summary(&self) -> String {
        format!(
            "embedding {}, hidden {}, flatten {} ({} levels), {} steps of minibatch {} at learning rate {} then {} from step {}",
            self.embedding,
            self.hidden,
            self.flatten,
            self.levels().unwrap_or(0),
            self.steps,
            self.batch,
            show(self.lr),
            show(self.lr / 10.0),
            self.trainer().schedule.decay_at
        )
    }
    fn settings(&self) -> serde_json::Value {
        serde_json::json!({
            "embedding": self.embedding, "hidden": self.hidden, "flatten": self.flatten, "batch": self.batch,
            "steps": self.steps, "lr": self.lr, "decay_at": self.trainer().schedule.decay_at, "seed": self.seed,
        })
    }
    fn validate(&self) -> Result<()> {
        WaveNetConfig::validate(self)
    }
    /// Seed, build the network ([`WaveNet::new`]), and train it on the examples of `words`
    /// through the [`Trainer`], evaluating and stopping as `fitting` asks.
    fn fit(&self, words: &WordList, vocab: &Vocab, fitting: &mut Fitting) -> Result<Box<dyn LanguageModel>> {
        fitting.train(words, vocab, self.context_len, |examples, observe, eval, stop| {
            let mut net = WaveNet::new(vocab, self)?;
            net.train_run(examples, self, observe, eval, stop)?;
            Ok(Box::new(net) as Box<dyn LanguageModel>)
        })
    }
    fn load(file: &StoredFile) -> Result<Box<dyn LanguageModel>> {
        Ok(Box::new(WaveNet::load(file)?))
    }
}
