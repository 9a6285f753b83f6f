//! The neural kind: one linear layer, `probs = softmax(one_hot(x) @ W)`, trained by
//! gradient descent on the average NLL plus `reg·mean(W²)`. The lecture's second model
//! is context 1 (V×V weights); longer contexts (exercise E01) give each position its own
//! V×V block ((context·V)×V weights). One type, [`NeuralModel`], holds either.
//!
//! A training step is written the way tch's examples write one: forward, `zero_grad`,
//! `backward`, then the update under `no_grad` ([`descend`]).

use tch::{Device, Kind as DType, Tensor};

use crate::allocator::keep_freed_memory_for_reuse;
use crate::counting::ngrams::{MAX_TABLE_CELLS, NgramTable, check_context_len};
use crate::data::vocab::MAX_VOCAB;
use crate::data::vocab::Vocab;
use crate::data::words::WordList;
use crate::error::{Error, Result, check_nonnegative};
use crate::models::exact_gradient::ExactGradient;
use crate::models::kind::{Fitting, LanguageModel, ModelKind, Training, count_contexts};
use crate::models::stored::{Stored, StoredData, StoredFile, StoredTensor};
use crate::nn::{Optimizer, Sgd};
use crate::rng::{self, LECTURE_SEED};
use crate::train::examples::Examples;
use crate::train::trainer::{Event, Step, StepDecay, Trainer};

/// The neural kind's hyper-parameters: the context length, how gradient descent runs,
/// and the seed of the initial weights. Its own flags are the CLI's `--reg` and `--one-hot`;
/// the steps, learning rate and seed are the CLI's training group ([`ModelKind::training`]),
/// and the context is the CLI's `--context`.
///
/// ```
/// let cfg = makemore::NeuralConfig::default();
/// assert_eq!((cfg.context_len, cfg.train.steps, cfg.seed), (1, 100, makemore::LECTURE_SEED));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, clap::Args)]
pub struct NeuralConfig {
    /// How many previous characters predict the next (1: bigram, 2: trigram, ...).
    #[arg(skip = NeuralConfig::DEFAULT.context_len)]
    pub context_len: usize,
    /// How gradient descent runs.
    #[command(flatten)]
    pub train: TrainConfig,
    /// The seed of the initial weights (the CLI's training group sets it).
    #[arg(skip = NeuralConfig::DEFAULT.seed)]
    pub seed: i64,
}

impl NeuralConfig {
    /// The lecture's choices: a bigram, [`TrainConfig::DEFAULT`], weights seeded with [`LECTURE_SEED`].
    pub const DEFAULT: NeuralConfig = NeuralConfig { context_len: 1, train: TrainConfig::DEFAULT, seed: LECTURE_SEED };
}

impl Default for NeuralConfig {
    fn default() -> Self {
        NeuralConfig::DEFAULT
    }
}

impl ModelKind for NeuralConfig {
    const NAME: &'static str = "neural";
    const TUNED: &'static str = "regularization";
    const HEADING: &'static str = "Neural model";
    fn context_len(&self) -> usize {
        self.context_len
    }
    fn set_context_len(&mut self, context_len: usize) {
        self.context_len = context_len;
    }
    fn set_tuned(&mut self, value: f64) {
        self.train.reg = value;
    }
    fn steps(&self) -> Option<usize> {
        Some(self.train.steps)
    }
    /// Steps, learning rate and seed (it trains on every example at once: no minibatch,
    /// and a constant learning rate).
    fn training(&self) -> Option<Training> {
        Some(Training {
            steps: Some(self.train.steps),
            lr: Some(self.train.lr),
            seed: Some(self.seed),
            ..Training::default()
        })
    }
    fn set_training(&mut self, t: &Training) {
        self.train.steps = t.steps.unwrap_or(self.train.steps);
        self.train.lr = t.lr.unwrap_or(self.train.lr);
        self.seed = t.seed.unwrap_or(self.seed);
    }
    fn summary(&self) -> String {
        format!("{} steps at learning rate {}, regularization {}", self.train.steps, self.train.lr, self.train.reg)
    }
    fn settings(&self) -> serde_json::Value {
        let method = match self.train.method {
            Method::ExactGradient => "exact-gradient",
            Method::OneHot => "one-hot",
        };
        let t = &self.train;
        serde_json::json!({ "steps": t.steps, "lr": t.lr, "reg": t.reg, "method": method, "seed": self.seed })
    }
    /// `reg·mean(W²)` of the model's weights, in float64.
    fn penalty(&self, model: &dyn LanguageModel) -> Result<Option<f64>> {
        let stored = model.stored()?;
        let w = stored.tensors.iter().find(|t| t.name == "W").map(|t| &t.data);
        let Some(StoredData::Floats(w)) = w else {
            return Err(Error::BadParameter {
                name: "model",
                value: model.kind().into(),
                expected: "must be a network",
            });
        };
        let mean_sq = w.iter().map(|&x| x as f64 * x as f64).sum::<f64>() / w.len().max(1) as f64;
        Ok(Some(self.train.reg * mean_sq))
    }
    /// Also refuses [`Method::OneHot`] beyond context 1: the one-hot inputs are the
    /// lecture's bigram path, and longer contexts train from the counts.
    fn validate(&self) -> Result<()> {
        check_context_len(self.context_len)?;
        self.train.validate()?;
        if self.train.method == Method::OneHot && self.context_len > 1 {
            return Err(Error::BadParameter {
                name: "one-hot",
                value: "inputs".into(),
                expected: "the one-hot inputs are the lecture's bigram path: they need context 1",
            });
        }
        Ok(())
    }

    /// Full-batch descent: it cannot evaluate held-out words on the way (refused), and stops
    /// early only between fits.
    fn fit(&self, words: &WordList, vocab: &Vocab, fitting: &mut Fitting) -> Result<Box<dyn LanguageModel>> {
        if fitting.eval.is_some() {
            return Err(Error::BadParameter {
                name: "evaluation steps",
                value: "given".into(),
                expected: "applies to networks trained on minibatches: the one-layer network trains on all examples",
            });
        }
        let on_step = &mut *fitting.on_step;
        let mut net = NeuralModel::new(vocab, self.context_len, self.seed)?;
        net.train_with(words, self.train, on_step)?;
        Ok(Box::new(net))
    }
    /// `W`: (n·V)×V (V×V for the lecture's context 1).
    fn load(file: &StoredFile) -> Result<Box<dyn LanguageModel>> {
        let (vocab, v, n) = (file.vocab(), file.vocab().len(), file.context_len());
        file.expect_tensors(&["W"])?;
        let w = file.floats("W", &[Some(n * v), Some(v)])?;
        Ok(Box::new(NeuralModel::from_weights(vocab, n, w).map_err(|e| file.bad(e))?))
    }
}

/// How a training step computes the loss and its gradient. Both give the same losses
/// and weights (to float32 rounding, ≤ 1e-5).
///
/// ```
/// assert_eq!(makemore::Method::default(), makemore::Method::ExactGradient);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Method {
    /// The lecture's way: one-hot encode all n inputs, `xenc @ W`, softmax, pick each
    /// example's target, and let autograd find the gradient. O(n·V) per step (228,146 × 27
    /// for names.txt).
    OneHot,
    /// The same loss and gradient in closed form from the n-gram counts
    /// ([`ExactGradient`]): O(V²) per step for the bigram, whatever the size of
    /// the data.
    #[default]
    ExactGradient,
}

/// Gradient-descent settings, with the lecture's values as defaults ([`TrainConfig::DEFAULT`]).
/// Its flags are the CLI's `--reg` and `--one-hot` (the steps and learning rate are the
/// CLI's training group).
///
/// ```
/// let cfg = makemore::TrainConfig::default();
/// assert_eq!((cfg.steps, cfg.lr, cfg.reg), (100, 50.0, 0.01));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, clap::Args)]
pub struct TrainConfig {
    /// Full-batch gradient descent steps (the CLI's training group sets them).
    #[arg(skip = TrainConfig::DEFAULT.steps)]
    pub steps: usize,
    /// The learning rate (the CLI's training group sets it).
    #[arg(skip = TrainConfig::DEFAULT.lr)]
    pub lr: f64,
    /// Regularization strength on mean(W²).
    #[arg(long, default_value_t = TrainConfig::DEFAULT.reg, allow_negative_numbers = true)]
    pub reg: f64,
    /// Bigram only: train the lecture's way, one-hot encoding every example each step
    /// (O(n·V) per step), instead of the default exact gradient from the bigram counts
    /// (O(V²) per step). Both give the same losses and weights to float32 rounding.
    #[arg(long = "one-hot", action = clap::ArgAction::SetTrue, value_parser = one_hot_flag)]
    pub method: Method,
}

/// `--one-hot` given or not.
fn one_hot_flag(given: &str) -> std::result::Result<Method, String> {
    match given {
        "true" => Ok(Method::OneHot),
        "false" => Ok(Method::ExactGradient),
        other => Err(format!("'{other}' is not true or false")),
    }
}

impl TrainConfig {
    /// The defaults: 100 steps at learning rate 50, regularization 0.01, exact gradient.
    pub const DEFAULT: TrainConfig = TrainConfig { steps: 100, lr: 50.0, reg: 0.01, method: Method::ExactGradient };

    /// Refuse settings that cannot train: no steps (or over ten million), a learning rate that is not a
    /// positive finite number, a negative or non-finite regularization.
    ///
    /// ```
    /// use makemore::TrainConfig;
    /// assert!(TrainConfig { lr: f64::NAN, ..TrainConfig::default() }.validate().is_err());
    /// assert!(TrainConfig { steps: 0, ..TrainConfig::default() }.validate().is_err());
    /// assert!(TrainConfig { steps: usize::MAX, ..TrainConfig::default() }.validate().is_err());
    /// assert!(TrainConfig { reg: 0.0, ..TrainConfig::default() }.validate().is_ok());
    /// ```
    pub fn validate(&self) -> Result<()> {
        self.trainer().validate()?;
        check_nonnegative("regularization", self.reg)?;
        Ok(())
    }

    /// Full-batch gradient descent: every step on every example, at a constant rate.
    pub fn trainer(&self) -> Trainer {
        Trainer { steps: self.steps, batch: None, schedule: StepDecay::constant(self.lr) }
    }
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig::DEFAULT
    }
}

/// The inputs as the network sees them: `context` one-hot vectors of V side by side,
/// one row of n·V per example (the lecture's `F.one_hot(xs, V).float()` for context 1).
///
/// ```
/// let xs = tch::Tensor::from_slice(&[2i64]);
/// let xenc = makemore::one_hot(&xs, 3)?;
/// assert_eq!(Vec::<f32>::try_from(&xenc.get(0)).unwrap(), [0.0, 0.0, 1.0]);
/// let xs = tch::Tensor::from_slice(&[0i64, 2]).view([1, 2]); // context 2: ". b"
/// let xenc = makemore::one_hot(&xs, 3)?;
/// assert_eq!(Vec::<f32>::try_from(&xenc.get(0)).unwrap(), [1.0, 0.0, 0.0, 0.0, 0.0, 1.0]);
/// # Ok::<(), makemore::Error>(())
/// ```
pub fn one_hot(xs: &Tensor, v: usize) -> Result<Tensor> {
    let v = v as i64;
    if xs.dim() == 1 {
        return Ok(xs.f_one_hot(v)?.f_to_kind(DType::Float)?);
    }
    let (n, context) = (xs.size()[0], xs.size()[1]);
    let columns = weight_rows_of(xs, v)?;
    Ok(Tensor::f_zeros([n, context * v], (DType::Float, Device::Cpu))?.f_scatter_value(1, &columns, 1.0)?)
}

/// For n × context inputs, the rows of `W` each picks (as `exact_gradient`'s `weight_rows`: token `t` at
/// position `k` picks row `k·V + t`), which are also the columns of its one-hot input.
fn weight_rows_of(xs: &Tensor, v: i64) -> Result<Tensor> {
    let offsets = Tensor::f_arange(xs.size()[1], (DType::Int64, Device::Cpu))?.f_mul_scalar(v)?;
    Ok(xs.f_add(&offsets)?)
}

/// The forward pass on encoded inputs: `logits = xenc @ W`, `counts = logits.exp()`,
/// `probs = counts / counts.sum(1, keepdim=True)` (softmax, written out).
///
/// ```
/// let xenc = tch::Tensor::from_slice(&[1.0f32, 0.0]).view([1, 2]);
/// let w = tch::Tensor::zeros([2, 2], (tch::Kind::Float, tch::Device::Cpu));
/// let probs = makemore::forward(&xenc, &w)?;
/// assert_eq!(Vec::<f32>::try_from(&probs.get(0)).unwrap(), [0.5, 0.5]);
/// # Ok::<(), makemore::Error>(())
/// ```
pub fn forward(xenc: &Tensor, w: &Tensor) -> Result<Tensor> {
    let logits = xenc.f_matmul(w)?;
    let counts = logits.f_exp()?;
    let sums = counts.f_sum_dim_intlist([1i64].as_slice(), true, None::<DType>)?;
    Ok(counts.f_div(&sums)?)
}

/// The lecture's loss: the NLL plus the penalty on the weights,
/// `-probs[arange(n), ys].log().mean() + reg * (W**2).mean()`.
///
/// ```
/// let probs = tch::Tensor::from_slice(&[0.5f32, 0.5]).view([1, 2]);
/// let w = tch::Tensor::zeros([2, 2], (tch::Kind::Float, tch::Device::Cpu));
/// let loss = makemore::loss_with_penalty(&probs, &tch::Tensor::from_slice(&[1i64]), &w, 0.01)?;
/// assert!((makemore::Item::item(&loss) - 2f64.ln()).abs() < 1e-6);
/// # Ok::<(), makemore::Error>(())
/// ```
pub fn loss_with_penalty(probs: &Tensor, ys: &Tensor, w: &Tensor, reg: f64) -> Result<Tensor> {
    let rows = Tensor::f_arange(ys.size()[0], (DType::Int64, Device::Cpu))?;
    let picked = probs.f_index(&[Some(rows), Some(ys.shallow_clone())])?;
    let data_loss = picked.f_log()?.f_mean(None::<DType>)?.f_neg()?;
    Ok(data_loss.f_add(&w.f_pow_tensor_scalar(2)?.f_mean(None::<DType>)?.f_mul_scalar(reg)?)?)
}

/// One update: `W.grad = 0`, `loss.backward()`, then `W += -lr * W.grad` under `no_grad`.
pub(crate) fn descend(w: &mut Tensor, loss: &Tensor, lr: f64) -> Result<()> {
    let params = [w.shallow_clone()];
    Sgd.zero_grad(&params);
    loss.f_backward()?;
    Sgd.step(&params, lr)
}

/// The most float32 values the one-hot inputs may take: 2^28, 1 GB (names.txt needs
/// 228,146 × 27, about 6 million).
pub(crate) const MAX_ONE_HOT_CELLS: usize = 1 << 28;

/// The largest weight the lecture's bigram may hold: its softmax exponentiates `W`
/// directly, and `exp(88.7)` is float32's limit; `exp(60)·V` stays far inside it.
pub(crate) const MAX_WEIGHT: f64 = 60.0;

/// The largest weight magnitude of an n-gram network: its logits are sums of `context`
/// (at most 64) rows, which stay finite far below float32's 3.4e38.
pub(crate) const MAX_NGRAM_WEIGHT: f64 = 1e30;

// A bigram network of the largest vocabulary is within the size limit: `bigram` need not check.
const _: () = assert!(MAX_VOCAB * MAX_VOCAB <= MAX_TABLE_CELLS);

fn check_size(context: usize, v: usize) -> Result<()> {
    check_context_len(context)?;
    if context * v * v > MAX_TABLE_CELLS {
        return Err(Error::TooLarge(format!(
            "a network over {context} tokens of a {v}-token vocabulary needs {} weights, more than {MAX_TABLE_CELLS}",
            context * v * v
        )));
    }
    Ok(())
}

/// Check weights for a network over `context` tokens: the shape, finite values, and a
/// softmax that float32 can compute. The bigram's written-out softmax `exp(W)/Σexp(W)`
/// needs every weight at most [`MAX_WEIGHT`] (no overflow) and in every row one weight at
/// least `-MAX_WEIGHT` (so the sum does not underflow to 0); longer contexts use the
/// stable softmax and need only logits that stay finite.
fn check_weights(w: &Tensor, context: usize, v: usize) -> Result<Tensor> {
    let want = [(context * v) as i64, v as i64];
    if w.size() != want {
        return Err(Error::BadWeights(format!("they are {:?}, context {context} needs {want:?}", w.size())));
    }
    let w = w.f_to_kind(DType::Float)?;
    let values = Vec::<f32>::try_from(&w.f_flatten(0, -1)?)?;
    if values.iter().any(|x| !x.is_finite()) {
        return Err(Error::BadWeights("they hold NaN or infinite values".into()));
    }
    if context > 1 {
        if let Some(x) = values.iter().find(|&&x| (x as f64).abs() > MAX_NGRAM_WEIGHT) {
            return Err(Error::BadWeights(format!(
                "a weight of {x:e} is beyond ±{MAX_NGRAM_WEIGHT:e}: sums of {context} of them could overflow float32"
            )));
        }
        return Ok(w);
    }
    if let Some(x) = values.iter().find(|&&x| x as f64 > MAX_WEIGHT) {
        return Err(Error::BadWeights(format!("a weight of {x:e} is above {MAX_WEIGHT}: it would overflow exp()")));
    }
    for (i, row) in values.chunks(v).enumerate() {
        let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max) as f64;
        if max < -MAX_WEIGHT {
            return Err(Error::BadWeights(format!(
                "row {i} has no weight above -{MAX_WEIGHT}: exp() would underflow to 0 for all of it"
            )));
        }
    }
    Ok(w)
}

/// The neural model: one linear layer over `context` previous characters, its weights `W`
/// read as log-counts. The lecture's network is context 1 (`W` is V×V); a longer context
/// gives each position its own V×V block (`W` is (context·V)×V, exercise E01).
///
/// ```
/// use makemore::{NeuralModel, TrainConfig, Vocab, WordList};
/// let words = WordList::parse("ab\nab\nb", "w")?;
/// let vocab = Vocab::from_words(&words)?;
/// let mut model = NeuralModel::bigram(&vocab, makemore::LECTURE_SEED);
/// let losses = model.train(&words, TrainConfig { steps: 20, lr: 10.0, reg: 0.0, ..Default::default() })?;
/// assert!(losses[19] < losses[0]);
///
/// let words = WordList::parse(&"abc\nabd\n".repeat(5), "w")?;
/// let mut trigram = NeuralModel::new(&Vocab::from_words(&words)?, 2, 1)?;
/// let losses = trigram.train(&words, TrainConfig { steps: 30, lr: 5.0, reg: 0.0, ..Default::default() })?;
/// assert!(losses[29] < losses[0]);
/// # Ok::<(), makemore::Error>(())
/// ```
#[derive(Debug)]
pub struct NeuralModel {
    vocab: Vocab,
    context: usize,
    w: Tensor,
}

impl NeuralModel {
    /// The lecture's network: `W = torch.randn((V, V), generator=g, requires_grad=True)`
    /// after seeding with `seed` (context 1).
    ///
    /// ```
    /// let vocab = makemore::Vocab::from_itos(vec!['.', 'a'])?;
    /// let model = makemore::NeuralModel::bigram(&vocab, 42);
    /// assert_eq!(model.w().size(), [2, 2]);
    /// assert!(model.w().requires_grad());
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn bigram(vocab: &Vocab, seed: i64) -> NeuralModel {
        NeuralModel::random(vocab, 1, seed)
    }

    /// `W = randn((context·V, V))` after seeding with `seed`.
    ///
    /// ```
    /// let vocab = makemore::Vocab::from_itos(vec!['.', 'a', 'b'])?;
    /// assert_eq!(makemore::NeuralModel::new(&vocab, 2, 1)?.w().size(), [6, 3]);
    /// assert!(makemore::NeuralModel::new(&vocab, 0, 1).is_err());
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn new(vocab: &Vocab, context: usize, seed: i64) -> Result<NeuralModel> {
        check_size(context, vocab.len())?;
        Ok(NeuralModel::random(vocab, context, seed))
    }

    fn random(vocab: &Vocab, context: usize, seed: i64) -> NeuralModel {
        rng::seed(seed);
        let v = vocab.len() as i64;
        let w = Tensor::randn([context as i64 * v, v], (DType::Float, Device::Cpu)).set_requires_grad(true);
        NeuralModel { vocab: vocab.clone(), context, w }
    }

    /// A model from given weights, e.g. read back from a file: (context·V)×V, finite, and
    /// a softmax float32 can compute (`MAX_WEIGHT`, 60, for the lecture's context 1).
    ///
    /// ```
    /// let vocab = makemore::Vocab::from_itos(vec!['.', 'a'])?;
    /// let zeros = |rows| tch::Tensor::zeros([rows, 2], (tch::Kind::Float, tch::Device::Cpu));
    /// assert!(makemore::NeuralModel::from_weights(&vocab, 1, zeros(2)).is_ok());
    /// assert!(makemore::NeuralModel::from_weights(&vocab, 2, zeros(4)).is_ok());
    /// assert!(makemore::NeuralModel::from_weights(&vocab, 2, zeros(3)).is_err());
    /// let w = tch::Tensor::full([2, 2], -200.0, (tch::Kind::Float, tch::Device::Cpu));
    /// assert!(makemore::NeuralModel::from_weights(&vocab, 1, w).is_err()); // exp underflows
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn from_weights(vocab: &Vocab, context: usize, w: Tensor) -> Result<NeuralModel> {
        check_size(context, vocab.len())?;
        let w = check_weights(&w, context, vocab.len())?;
        Ok(NeuralModel { vocab: vocab.clone(), context, w: w.set_requires_grad(true) })
    }

    /// The weights `W`.
    pub fn w(&self) -> &Tensor {
        &self.w
    }

    /// The lecture's `xenc = F.one_hot(xs, num_classes=V).float()` ([`one_hot`]; inputs of
    /// n, or n × context).
    ///
    /// ```
    /// let vocab = makemore::Vocab::from_itos(vec!['.', 'a', 'b'])?;
    /// let model = makemore::NeuralModel::bigram(&vocab, 1);
    /// let xenc = model.one_hot(&tch::Tensor::from_slice(&[2i64]))?;
    /// assert_eq!(Vec::<f32>::try_from(&xenc.get(0)).unwrap(), [0.0, 0.0, 1.0]);
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn one_hot(&self, xs: &Tensor) -> Result<Tensor> {
        one_hot(xs, self.vocab.len())
    }

    /// Forward pass: `xenc = one_hot(xs)`, `logits = xenc @ W`, `counts = logits.exp()`,
    /// `probs = counts / counts.sum(1, keepdim=True)` (softmax, written out).
    ///
    /// ```
    /// let vocab = makemore::Vocab::from_itos(vec!['.', 'a'])?;
    /// let model = makemore::NeuralModel::bigram(&vocab, 1);
    /// assert_eq!(model.forward(&tch::Tensor::from_slice(&[0i64, 1, 1]))?.size(), [3, 2]);
    /// let trigram = makemore::NeuralModel::new(&vocab, 2, 1)?;
    /// let xs = tch::Tensor::from_slice(&[0i64, 1]).view([1, 2]);
    /// assert_eq!(trigram.forward(&xs)?.size(), [1, 2]);
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn forward(&self, xs: &Tensor) -> Result<Tensor> {
        forward(&self.one_hot(xs)?, &self.w)
    }

    /// `loss = -probs[arange(n), ys].log().mean() + reg * (W**2).mean()`.
    ///
    /// ```
    /// use makemore::Item;
    /// let vocab = makemore::Vocab::from_itos(vec!['.', 'a'])?;
    /// let w = tch::Tensor::zeros([2, 2], (tch::Kind::Float, tch::Device::Cpu));
    /// let model = makemore::NeuralModel::from_weights(&vocab, 1, w)?;
    /// let xs = tch::Tensor::from_slice(&[0i64]);
    /// let ys = tch::Tensor::from_slice(&[1i64]);
    /// let loss = model.loss(&xs, &ys, 0.01)?.item();
    /// assert!((loss - 2f64.ln()).abs() < 1e-6); // uniform over 2 tokens
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn loss(&self, xs: &Tensor, ys: &Tensor, reg: f64) -> Result<Tensor> {
        loss_with_penalty(&self.forward(xs)?, ys, &self.w, reg)
    }

    /// The gradient of a loss with respect to `W` (for comparing loss formulations).
    ///
    /// ```
    /// let vocab = makemore::Vocab::from_itos(vec!['.', 'a'])?;
    /// let model = makemore::NeuralModel::bigram(&vocab, 3);
    /// let (xs, ys) = (tch::Tensor::from_slice(&[0i64]), tch::Tensor::from_slice(&[1i64]));
    /// let g = model.gradient(&model.loss(&xs, &ys, 0.0)?)?;
    /// assert_eq!(g.size(), [2, 2]);
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn gradient(&self, loss: &Tensor) -> Result<Tensor> {
        let grads = Tensor::f_run_backward(&[loss], &[&self.w], false, false)?;
        grads.into_iter().next().ok_or_else(|| Error::Torch(tch::TchError::Torch("no gradient for W".into())))
    }

    /// One step of the lecture's gradient descent on `examples`: forward, backward,
    /// `W += -lr * W.grad`. Returns the loss before the update.
    ///
    /// ```
    /// use makemore::{Examples, NeuralModel, Vocab, WordList};
    /// let words = WordList::parse("ab", "w")?;
    /// let vocab = Vocab::from_words(&words)?;
    /// let ex = Examples::new(&words, &vocab)?;
    /// let mut model = NeuralModel::bigram(&vocab, 1);
    /// let first = model.step(&ex, 10.0, 0.0)?;
    /// assert!(model.step(&ex, 10.0, 0.0)? < first);
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn step(&mut self, examples: &Examples, lr: f64, reg: f64) -> Result<f32> {
        let loss = self.loss(&examples.xs, &examples.ys, reg)?;
        descend(&mut self.w, &loss, lr)?;
        Ok(loss.f_double_value(&[])? as f32)
    }

    /// The logits of n × context inputs by index, without the one-hot product (exercise
    /// E04): the sum of the rows of `W` each input picks; for context 1 (inputs of n),
    /// just `W[xs]`.
    pub(crate) fn indexed_logits(&self, xs: &Tensor) -> Result<Tensor> {
        if self.context == 1 {
            return Ok(self.w.f_index_select(0, &xs.f_flatten(0, -1)?)?);
        }
        let v = self.vocab.len() as i64;
        let rows = weight_rows_of(&xs.f_view([-1, self.context as i64])?, v)?;
        let picked = self.w.f_index_select(0, &rows.f_flatten(0, -1)?)?;
        Ok(picked.f_view([-1, self.context as i64, v])?.f_sum_dim_intlist([1i64].as_slice(), false, None::<DType>)?)
    }

    /// Full-batch gradient descent on `words` for `cfg.steps` steps; returns every step's
    /// loss.
    ///
    /// ```
    /// use makemore::{NeuralModel, TrainConfig, Vocab, WordList};
    /// let words = WordList::parse("ab", "w")?;
    /// let mut model = NeuralModel::bigram(&Vocab::from_words(&words)?, 1);
    /// assert_eq!(model.train(&words, TrainConfig { steps: 3, ..Default::default() })?.len(), 3);
    /// let cfg = TrainConfig { lr: f64::NAN, ..Default::default() };
    /// assert!(model.train(&words, cfg).is_err());
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn train(&mut self, words: &WordList, cfg: TrainConfig) -> Result<Vec<f32>> {
        self.train_with(words, cfg, |_, _| {})
    }

    /// [`train`](Self::train) with [`TrainConfig::method`], calling `on_step(step, loss)`
    /// after each step (for progress).
    ///
    /// - [`Method::OneHot`]: the lecture's loop. The inputs are one-hot encoded once (the
    ///   lecture re-encodes them every step; the numbers are equal), at most
    ///   `MAX_ONE_HOT_CELLS` (2^28) values, and glibc is told to keep the step's large temporaries
    ///   ([`keep_freed_memory_for_reuse`]).
    /// - [`Method::ExactGradient`]: the words are counted once into a [`NgramTable`] table,
    ///   `W` is copied out once, stepped in plain Rust, and copied back at the end.
    ///
    /// ```
    /// use makemore::{Method, NeuralModel, TrainConfig, Vocab, WordList};
    /// let words = WordList::parse("abc\nabd", "w")?;
    /// let vocab = Vocab::from_words(&words)?;
    /// let mut last = [0.0; 2];
    /// for (i, method) in [Method::OneHot, Method::ExactGradient].into_iter().enumerate() {
    ///     let mut net = NeuralModel::new(&vocab, 2, 5)?;
    ///     net.train_with(&words, TrainConfig { steps: 5, method, ..Default::default() }, |_, loss| last[i] = loss)?;
    /// }
    /// assert!((last[0] - last[1]).abs() < 1e-5); // autograd and the closed form agree
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn train_with(
        &mut self,
        words: &WordList,
        cfg: TrainConfig,
        mut on_step: impl FnMut(usize, f32),
    ) -> Result<Vec<f32>> {
        cfg.validate()?;
        let (vocab, context) = (&self.vocab, self.context);
        let trainer = cfg.trainer();
        let observe = |e: &Event| {
            if let Event::Step { step, loss, .. } = *e {
                on_step(step, loss)
            }
        };
        let n = words.num_examples();
        let run = match cfg.method {
            Method::OneHot => {
                let cells = n.saturating_mul(context * vocab.len());
                if cells > MAX_ONE_HOT_CELLS {
                    return Err(Error::TooLarge(format!(
                        "one-hot inputs of {n} examples × {} columns are more than {MAX_ONE_HOT_CELLS} floats \
                         (train with Method::ExactGradient, which needs no one-hot inputs)",
                        context * vocab.len()
                    )));
                }
                keep_freed_memory_for_reuse();
                let examples = Examples::with_context(words, vocab, context)?;
                let xenc = one_hot(&examples.xs, vocab.len())?;
                let mut step = OneHotStep { xenc, ys: examples.ys, w: &mut self.w, reg: cfg.reg };
                trainer.run(n, &mut step, observe, None, None)?
            }
            Method::ExactGradient => {
                let exact = ExactGradient::new(&NgramTable::from_words(words, vocab, context)?, vocab.len());
                let shape = self.w.size();
                let values = Vec::<f32>::try_from(&self.w.f_detach()?.f_flatten(0, -1)?)?;
                let mut step = ExactStep { exact, values, reg: cfg.reg };
                let run = trainer.run(n, &mut step, observe, None, None)?;
                self.w = Tensor::from_slice(&step.values).f_view(shape.as_slice())?.set_requires_grad(true);
                run
            }
        };
        Ok(run.losses)
    }
}

/// The lecture's full-batch step: forward on every one-hot input, the loss with its
/// regularization, backward, `W += -lr * W.grad`.
struct OneHotStep<'a> {
    xenc: Tensor,
    ys: Tensor,
    w: &'a mut Tensor,
    reg: f64,
}

impl Step for OneHotStep<'_> {
    fn step(&mut self, _all: Option<&Tensor>, lr: f64) -> Result<f32> {
        let probs = forward(&self.xenc, self.w)?;
        let loss = loss_with_penalty(&probs, &self.ys, self.w, self.reg)?;
        descend(self.w, &loss, lr)?;
        Ok(loss.f_double_value(&[])? as f32)
    }
}

/// The same step in closed form from the counts, on the weights as plain floats.
struct ExactStep {
    exact: ExactGradient,
    values: Vec<f32>,
    reg: f64,
}

impl Step for ExactStep {
    fn step(&mut self, _all: Option<&Tensor>, lr: f64) -> Result<f32> {
        Ok(self.exact.step(&mut self.values, lr, self.reg))
    }
}

impl LanguageModel for NeuralModel {
    fn vocab(&self) -> &Vocab {
        &self.vocab
    }
    fn context_len(&self) -> usize {
        self.context
    }
    fn kind(&self) -> &'static str {
        NeuralConfig::NAME
    }
    fn parameter_count(&self) -> Option<usize> {
        Some(self.w.numel())
    }
    /// Context 1, as the lecture samples: `one_hot(contexts) @ W`, exponentiate,
    /// normalize. Longer contexts: `softmax` of the indexed logits, the stable softmax.
    fn probs(&self, contexts: &[i64]) -> Result<Tensor> {
        count_contexts(contexts, self.context, self.vocab.len())?;
        let xs = Tensor::from_slice(contexts);
        if self.context == 1 {
            return tch::no_grad(|| self.forward(&xs));
        }
        tch::no_grad(|| Ok(self.indexed_logits(&xs)?.f_softmax(1, DType::Float)?))
    }
    /// `log_softmax` of the indexed logits (`W[contexts]` for context 1): the same values
    /// as `log(probs)` where those are representable, and finite where `probs` underflows.
    fn log_probs(&self, contexts: &[i64]) -> Result<Tensor> {
        count_contexts(contexts, self.context, self.vocab.len())?;
        let logits = tch::no_grad(|| self.indexed_logits(&Tensor::from_slice(contexts)))?;
        Ok(logits.f_log_softmax(1, DType::Float)?)
    }
    /// Its weights `W`, float32, as they are shaped.
    /// Refuses weights a file could not be loaded with (a diverged training's).
    fn stored(&self) -> Result<Stored> {
        let w = check_weights(&self.w.f_detach()?, self.context, self.vocab.len())?;
        let shape = w.size().iter().map(|&d| d as usize).collect();
        let values = Vec::<f32>::try_from(&w.f_flatten(0, -1)?)?;
        Ok(Stored {
            meta: vec![],
            tensors: vec![StoredTensor { name: "W".into(), shape, data: StoredData::Floats(values) }],
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn one_update_steps_against_the_gradient() -> crate::Result<()> {
        let mut w = tch::Tensor::ones([1], (tch::Kind::Float, tch::Device::Cpu)).set_requires_grad(true);
        let loss = (&w * &w).sum(tch::Kind::Float); // gradient 2·w = 2
        super::descend(&mut w, &loss, 0.25)?;
        assert_eq!(crate::Item::item(&w), 0.5);
        Ok(())
    }
}
