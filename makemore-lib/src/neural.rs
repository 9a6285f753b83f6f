//! The lecture's second model: one linear layer, `probs = softmax(one_hot(x) @ W)`,
//! trained by gradient descent on the average NLL plus `reg·mean(W²)`.

use tch::{Device, Kind, Tensor};

use crate::error::{Result, check_param};
use crate::model::BigramModel;
use crate::vocab::Vocab;
use crate::words::WordList;

/// The training set: every bigram of the words as (input index, target index).
///
/// ```
/// let words = makemore::WordList::parse("emma", "names")?;
/// let vocab = makemore::Vocab::from_words(&words);
/// let ex = makemore::Examples::new(&words, &vocab)?;
/// assert_eq!(ex.len(), 5);
/// assert_eq!(Vec::<i64>::try_from(&ex.xs).unwrap(), [0, 2, 3, 3, 1]); // . e m m a
/// # Ok::<(), makemore::Error>(())
/// ```
#[derive(Debug)]
pub struct Examples {
    /// Input indices (int64, length n).
    pub xs: Tensor,
    /// Target indices (int64, length n).
    pub ys: Tensor,
}

impl Examples {
    /// Turn words into (xs, ys) with the vocabulary's indices.
    ///
    /// ```
    /// let words = makemore::WordList::parse("ab", "w")?;
    /// let other = makemore::Vocab::from_itos(vec!['.', 'a'])?;
    /// assert!(makemore::Examples::new(&words, &other).is_err()); // 'b' is unknown
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn new(words: &WordList, vocab: &Vocab) -> Result<Examples> {
        let (xs, ys) = vocab.bigram_indices(words)?;
        Ok(Examples { xs: Tensor::from_slice(&xs), ys: Tensor::from_slice(&ys) })
    }

    /// Number of examples.
    ///
    /// ```
    /// let words = makemore::WordList::parse("ab", "w")?;
    /// let ex = makemore::Examples::new(&words, &makemore::Vocab::from_words(&words))?;
    /// assert_eq!(ex.len(), 3);
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn len(&self) -> usize {
        self.xs.size()[0] as usize
    }

    /// Always false for examples built from a [`WordList`] (it holds at least one word).
    ///
    /// ```
    /// let words = makemore::WordList::parse("a", "w")?;
    /// assert!(!makemore::Examples::new(&words, &makemore::Vocab::from_words(&words))?.is_empty());
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// How a training step computes the loss and its gradient. Both give the same losses
/// and weights (to float32 rounding, ≤ 1e-5).
///
/// ```
/// assert_eq!(makemore::Method::default(), makemore::Method::Counts);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Method {
    /// The lecture's way: one-hot encode all n inputs, `xenc @ W`, softmax, pick each
    /// example's target. O(n·V) per step (228,146 × 27 for names.txt).
    OneHot,
    /// The loss depends on the data only through the bigram counts `N`:
    /// `L = −(1/n)·Σᵢⱼ Nᵢⱼ·log softmax(W)ᵢⱼ + reg·mean(W²)`, the same value and gradient
    /// in O(V²) per step, whatever the size of the data.
    #[default]
    Counts,
}

/// More steps than anyone waits for: a typo, refused rather than run for days.
const MAX_STEPS: usize = 10_000_000;

/// Gradient-descent settings, with the lecture's values as defaults.
///
/// ```
/// let cfg = makemore::TrainConfig::default();
/// assert_eq!((cfg.steps, cfg.lr, cfg.reg), (100, 50.0, 0.01));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrainConfig {
    /// Number of full-batch steps.
    pub steps: usize,
    /// Learning rate (the lecture's 50).
    pub lr: f64,
    /// Regularization strength on `mean(W²)` (the lecture's 0.01).
    pub reg: f64,
    /// How each step is computed (fast counts by default; `OneHot` is the lecture's).
    pub method: Method,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig { steps: 100, lr: 50.0, reg: 0.01, method: Method::Counts }
    }
}

impl TrainConfig {
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
        if !(1..=MAX_STEPS).contains(&self.steps) {
            return Err(crate::Error::BadParameter {
                name: "steps",
                value: self.steps.to_string(),
                expected: "must be from 1 to 10,000,000",
            });
        }
        check_param("learning rate", self.lr, 0.0, true)?;
        check_param("regularization", self.reg, 0.0, false)?;
        Ok(())
    }
}

/// Largest weight a model may hold: `exp(60)·V` stays far inside float32.
const MAX_WEIGHT: f64 = 60.0;

/// The neural bigram: a V×V weight matrix `W`, read as log-counts.
///
/// ```
/// use makemore::{BigramModel, Examples, NeuralBigram, TrainConfig, Vocab, WordList};
/// let words = WordList::parse("ab\nab\nb", "w")?;
/// let vocab = Vocab::from_words(&words);
/// let ex = Examples::new(&words, &vocab)?;
/// let mut model = NeuralBigram::new(vocab, makemore::LECTURE_SEED);
/// let cfg = TrainConfig { steps: 20, lr: 10.0, reg: 0.0, ..Default::default() };
/// let losses = model.train(&ex, cfg, |_, _| {})?;
/// assert!(losses[19] < losses[0]);
/// # Ok::<(), makemore::Error>(())
/// ```
#[derive(Debug)]
pub struct NeuralBigram {
    vocab: Vocab,
    w: Tensor,
}

impl NeuralBigram {
    /// `W = torch.randn((V, V), generator=g, requires_grad=True)` after seeding with `seed`.
    ///
    /// ```
    /// let vocab = makemore::Vocab::from_itos(vec!['.', 'a'])?;
    /// let model = makemore::NeuralBigram::new(vocab, 42);
    /// assert_eq!(model.w().size(), [2, 2]);
    /// assert!(model.w().requires_grad());
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn new(vocab: Vocab, seed: i64) -> NeuralBigram {
        crate::seed(seed);
        let v = vocab.len() as i64;
        let w = Tensor::randn([v, v], (Kind::Float, Device::Cpu)).set_requires_grad(true);
        NeuralBigram { vocab, w }
    }

    /// A model from given weights (V×V, finite), e.g. read back from a file.
    ///
    /// ```
    /// let vocab = makemore::Vocab::from_itos(vec!['.', 'a'])?;
    /// let w = tch::Tensor::zeros([2, 2], (tch::Kind::Float, tch::Device::Cpu));
    /// assert!(makemore::NeuralBigram::from_weights(vocab.clone(), w).is_ok());
    /// let w = tch::Tensor::zeros([3, 2], (tch::Kind::Float, tch::Device::Cpu));
    /// assert!(makemore::NeuralBigram::from_weights(vocab, w).is_err());
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn from_weights(vocab: Vocab, w: Tensor) -> Result<NeuralBigram> {
        let v = vocab.len() as i64;
        if w.size() != [v, v] {
            return Err(crate::Error::BadCounts(format!(
                "weights are {:?}, the vocabulary needs [{v}, {v}]",
                w.size()
            )));
        }
        let w = w.to_kind(Kind::Float);
        if w.isfinite().all().int64_value(&[]) == 0 {
            return Err(crate::Error::BadCounts("weights hold NaN or infinite values".into()));
        }
        // the lecture's softmax exponentiates W directly: above this, exp overflows float32
        // (large negative weights are harmless: exp gives 0)
        if w.max().double_value(&[]) > MAX_WEIGHT {
            return Err(crate::Error::BadCounts(format!("weights above {MAX_WEIGHT} overflow exp()")));
        }
        Ok(NeuralBigram { vocab, w: w.set_requires_grad(true) })
    }

    /// The weights `W`.
    ///
    /// ```
    /// let vocab = makemore::Vocab::from_itos(vec!['.', 'a'])?;
    /// assert_eq!(makemore::NeuralBigram::new(vocab, 1).w().kind(), tch::Kind::Float);
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn w(&self) -> &Tensor {
        &self.w
    }

    /// The lecture's `xenc = F.one_hot(xs, num_classes=V).float()`.
    ///
    /// ```
    /// let vocab = makemore::Vocab::from_itos(vec!['.', 'a', 'b'])?;
    /// let model = makemore::NeuralBigram::new(vocab, 1);
    /// let xenc = model.one_hot(&tch::Tensor::from_slice(&[2i64]));
    /// assert_eq!(Vec::<f32>::try_from(&xenc.get(0)).unwrap(), [0.0, 0.0, 1.0]);
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn one_hot(&self, xs: &Tensor) -> Tensor {
        xs.one_hot(self.vocab.len() as i64).to_kind(Kind::Float)
    }

    /// Forward pass: `xenc = one_hot(xs)`, `logits = xenc @ W`, `counts = logits.exp()`,
    /// `probs = counts / counts.sum(1, keepdim=True)` (softmax, written out).
    ///
    /// ```
    /// let vocab = makemore::Vocab::from_itos(vec!['.', 'a'])?;
    /// let model = makemore::NeuralBigram::new(vocab, 1);
    /// let probs = model.forward(&tch::Tensor::from_slice(&[0i64, 1, 1]));
    /// assert_eq!(probs.size(), [3, 2]);
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn forward(&self, xs: &Tensor) -> Tensor {
        self.forward_encoded(&self.one_hot(xs))
    }

    fn forward_encoded(&self, xenc: &Tensor) -> Tensor {
        let logits = xenc.matmul(&self.w);
        let counts = logits.exp();
        &counts / counts.sum_dim_intlist([1i64].as_slice(), true, None)
    }

    /// `loss = -probs[arange(n), ys].log().mean() + reg * (W**2).mean()`.
    ///
    /// ```
    /// let vocab = makemore::Vocab::from_itos(vec!['.', 'a'])?;
    /// let w = tch::Tensor::zeros([2, 2], (tch::Kind::Float, tch::Device::Cpu));
    /// let model = makemore::NeuralBigram::from_weights(vocab, w)?;
    /// let xs = tch::Tensor::from_slice(&[0i64]);
    /// let ys = tch::Tensor::from_slice(&[1i64]);
    /// let loss = model.loss(&xs, &ys, 0.01).double_value(&[]);
    /// assert!((loss - 2f64.ln()).abs() < 1e-6); // uniform over 2 tokens
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn loss(&self, xs: &Tensor, ys: &Tensor, reg: f64) -> Tensor {
        self.loss_encoded(&Batch::new(self, xs, ys), reg)
    }

    /// Exercise E04: the same loss without one-hot vectors. `one_hot(x) @ W` is just row
    /// `x` of `W`, so the logits are `W[xs]`: an index, not an n×V matrix product.
    /// Same loss and gradient as [`NeuralBigram::loss`] (to float32 rounding).
    ///
    /// ```
    /// let vocab = makemore::Vocab::from_itos(vec!['.', 'a', 'b'])?;
    /// let model = makemore::NeuralBigram::new(vocab, 3);
    /// let (xs, ys) = (tch::Tensor::from_slice(&[0i64, 1, 2]), tch::Tensor::from_slice(&[1i64, 2, 0]));
    /// let a = model.loss(&xs, &ys, 0.01).double_value(&[]);
    /// let b = model.loss_indexed(&xs, &ys, 0.01).double_value(&[]);
    /// assert!((a - b).abs() < 1e-6);
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn loss_indexed(&self, xs: &Tensor, ys: &Tensor, reg: f64) -> Tensor {
        let logits = self.w.index_select(0, xs);
        let counts = logits.exp();
        let probs = &counts / counts.sum_dim_intlist([1i64].as_slice(), true, None);
        let picked = probs.gather(1, &ys.unsqueeze(1), false);
        -picked.log().mean(None) + reg * self.w.pow_tensor_scalar(2).mean(None)
    }

    /// Exercise E05: the loss through PyTorch's fused cross-entropy, `F.cross_entropy`
    /// (`log_softmax` then `nll_loss`), on the indexed logits. Same value as the lecture's
    /// exp → normalize → log → mean; preferred because it never forms `exp(logits)`
    /// (no overflow for large logits, no `log(0)` for tiny probabilities) and it runs
    /// fewer, fused kernels with a simpler backward pass.
    ///
    /// ```
    /// let vocab = makemore::Vocab::from_itos(vec!['.', 'a', 'b'])?;
    /// let model = makemore::NeuralBigram::new(vocab, 3);
    /// let (xs, ys) = (tch::Tensor::from_slice(&[0i64, 1, 2]), tch::Tensor::from_slice(&[1i64, 2, 0]));
    /// let a = model.loss(&xs, &ys, 0.01).double_value(&[]);
    /// let b = model.loss_cross_entropy(&xs, &ys, 0.01).double_value(&[]);
    /// assert!((a - b).abs() < 1e-6);
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn loss_cross_entropy(&self, xs: &Tensor, ys: &Tensor, reg: f64) -> Tensor {
        let logits = self.w.index_select(0, xs);
        logits.cross_entropy_for_logits(ys) + reg * self.w.pow_tensor_scalar(2).mean(None)
    }

    /// The gradient of a loss with respect to `W` (for comparing loss formulations).
    ///
    /// ```
    /// let vocab = makemore::Vocab::from_itos(vec!['.', 'a'])?;
    /// let model = makemore::NeuralBigram::new(vocab, 3);
    /// let (xs, ys) = (tch::Tensor::from_slice(&[0i64]), tch::Tensor::from_slice(&[1i64]));
    /// let g = model.gradient(&model.loss(&xs, &ys, 0.0));
    /// assert_eq!(g.size(), [2, 2]);
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn gradient(&self, loss: &Tensor) -> Tensor {
        let grads = Tensor::run_backward(&[loss], &[&self.w], false, false);
        grads.into_iter().next().expect("one input, one gradient")
    }

    fn loss_encoded(&self, batch: &Batch, reg: f64) -> Tensor {
        let probs = self.forward_encoded(&batch.xenc);
        let picked = probs.index(&[Some(batch.rows.shallow_clone()), Some(batch.ys.shallow_clone())]);
        -picked.log().mean(None) + reg * self.w.pow_tensor_scalar(2).mean(None)
    }

    /// One step of gradient descent: forward, backward, `W -= lr * W.grad` without
    /// tracking gradients, clear the gradient. Returns the loss before the update.
    ///
    /// ```
    /// use makemore::{Examples, NeuralBigram, Vocab, WordList};
    /// let words = WordList::parse("ab", "w")?;
    /// let vocab = Vocab::from_words(&words);
    /// let ex = Examples::new(&words, &vocab)?;
    /// let mut model = NeuralBigram::new(vocab, 1);
    /// let first = model.step(&ex, 10.0, 0.0);
    /// assert!(model.step(&ex, 10.0, 0.0) < first);
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn step(&mut self, examples: &Examples, lr: f64, reg: f64) -> f32 {
        let batch = Batch::new(self, &examples.xs, &examples.ys);
        self.step_encoded(&batch, lr, reg)
    }

    fn step_encoded(&mut self, batch: &Batch, lr: f64, reg: f64) -> f32 {
        let loss = self.loss_encoded(batch, reg);
        self.descend(&loss, lr);
        loss.double_value(&[]) as f32
    }

    /// Train for `cfg.steps` steps, calling `on_step(step, loss)` after each (for
    /// progress); returns every step's loss. With [`Method::OneHot`] the one-hot inputs
    /// are encoded once (the lecture re-encodes them every step; the numbers are equal);
    /// with [`Method::Counts`] each step costs O(V²) whatever the size of the data.
    ///
    /// ```
    /// use makemore::{Examples, NeuralBigram, TrainConfig, Vocab, WordList};
    /// let words = WordList::parse("ab", "w")?;
    /// let vocab = Vocab::from_words(&words);
    /// let ex = Examples::new(&words, &vocab)?;
    /// let mut model = NeuralBigram::new(vocab, 1);
    /// let mut seen = 0;
    /// let losses = model.train(&ex, TrainConfig { steps: 3, ..Default::default() }, |_, _| seen += 1)?;
    /// assert_eq!((losses.len(), seen), (3, 3));
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn train(
        &mut self,
        examples: &Examples,
        cfg: TrainConfig,
        mut on_step: impl FnMut(usize, f32),
    ) -> Result<Vec<f32>> {
        cfg.validate()?;
        let mut losses = Vec::new();
        match cfg.method {
            Method::OneHot => {
                let batch = Batch::new(self, &examples.xs, &examples.ys);
                for k in 0..cfg.steps {
                    let loss = self.step_encoded(&batch, cfg.lr, cfg.reg);
                    check_finite(k, loss)?;
                    on_step(k, loss);
                    losses.push(loss);
                }
            }
            Method::Counts => {
                let v = self.vocab.len();
                let table = BigramTable::new(v, examples);
                let mut w = Vec::<f32>::try_from(&self.w.detach().flatten(0, 1)).expect("1-D");
                for k in 0..cfg.steps {
                    let loss = table.step(&mut w, cfg.lr, cfg.reg);
                    check_finite(k, loss)?;
                    on_step(k, loss);
                    losses.push(loss);
                }
                self.w = Tensor::from_slice(&w).view([v as i64, v as i64]).set_requires_grad(true);
            }
        }
        Ok(losses)
    }

    /// backward, then `W -= lr * W.grad` without tracking gradients, then the lecture's
    /// `W.grad = None` (continue with a fresh leaf that has no gradient).
    fn descend(&mut self, loss: &Tensor, lr: f64) {
        loss.backward();
        tch::no_grad(|| {
            let update = self.w.grad() * (-lr);
            let _ = self.w.f_add_(&update);
        });
        self.w = self.w.detach().set_requires_grad(true);
    }
}

fn check_finite(step: usize, loss: f32) -> Result<()> {
    if loss.is_finite() { Ok(()) } else { Err(crate::Error::Diverged { step: step + 1, loss }) }
}

/// [`Method::Counts`]: the examples summed up as bigram counts `N` (V×V), and one
/// gradient-descent step on them in plain loops. With `P = softmax(W)` row by row,
/// `Rᵢ = Σⱼ Nᵢⱼ` and `n = Σ N`:
///
/// - loss `L = −(1/n)·Σᵢⱼ Nᵢⱼ·log Pᵢⱼ + reg·mean(W²)`
/// - gradient `∂L/∂Wᵢⱼ = (Rᵢ·Pᵢⱼ − Nᵢⱼ)/n + 2·reg·Wᵢⱼ/V²`
///
/// the same value and gradient autograd computes through the one-hot path (tested),
/// in O(V²) per step whatever the size of the data.
struct BigramTable {
    v: usize,
    n: Vec<f64>,
    row_totals: Vec<f64>,
    total: f64,
}

impl BigramTable {
    fn new(v: usize, examples: &Examples) -> BigramTable {
        let xs = Vec::<i64>::try_from(&examples.xs).expect("1-D");
        let ys = Vec::<i64>::try_from(&examples.ys).expect("1-D");
        let mut n = vec![0f64; v * v];
        for (&x, &y) in xs.iter().zip(&ys) {
            n[x as usize * v + y as usize] += 1.0;
        }
        let row_totals = n.chunks(v).map(|row| row.iter().sum()).collect();
        BigramTable { v, n, row_totals, total: xs.len() as f64 }
    }

    /// One step on the weights `w` (V×V, row-major float32, as the lecture stores W);
    /// returns the loss before the update. Sums are taken in float64.
    fn step(&self, w: &mut [f32], lr: f64, reg: f64) -> f32 {
        let v = self.v;
        let mut loss = 0.0;
        let mut grad = vec![0f64; v * v];
        for i in 0..v {
            let row = &w[i * v..(i + 1) * v];
            let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max) as f64;
            let exps: Vec<f64> = row.iter().map(|&x| (x as f64 - max).exp()).collect();
            let sum: f64 = exps.iter().sum();
            for j in 0..v {
                let p = exps[j] / sum;
                let nij = self.n[i * v + j];
                if nij > 0.0 {
                    loss -= nij * p.ln();
                }
                grad[i * v + j] = (self.row_totals[i] * p - nij) / self.total;
            }
        }
        let cells = (v * v) as f64;
        let mean_sq: f64 = w.iter().map(|&x| (x as f64).powi(2)).sum::<f64>() / cells;
        let loss = loss / self.total + reg * mean_sq;
        for (wij, g) in w.iter_mut().zip(&grad) {
            let g = g + 2.0 * reg * *wij as f64 / cells;
            *wij = (*wij as f64 - lr * g) as f32;
        }
        loss as f32
    }
}

/// Each one-hot step allocates and frees tens of megabytes of temporaries (n × V floats).
/// glibc's default is to hand such blocks back to the OS at once and map them again on
/// the next step, which costs more than the arithmetic (measured: 64 ms a step instead of
/// 49 ms on names.txt). Raising its thresholds keeps the memory for reuse. Process-wide
/// and done once; only the thresholds for giving memory back change.
fn keep_large_buffers() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, 256 << 20);
            libc::mallopt(libc::M_TRIM_THRESHOLD, 512 << 20);
            libc::mallopt(libc::M_TOP_PAD, 64 << 20);
        });
    }
}

/// What a training step needs besides `W`: one-hot inputs, targets, and the row
/// numbers `arange(n)` that pick each example's target probability.
struct Batch {
    xenc: Tensor,
    ys: Tensor,
    rows: Tensor,
}

impl Batch {
    fn new(model: &NeuralBigram, xs: &Tensor, ys: &Tensor) -> Batch {
        keep_large_buffers();
        let rows = Tensor::arange(ys.size()[0], (Kind::Int64, Device::Cpu));
        Batch { xenc: model.one_hot(xs), ys: ys.shallow_clone(), rows }
    }
}

impl BigramModel for NeuralBigram {
    fn vocab(&self) -> &Vocab {
        &self.vocab
    }
    /// The lecture's sampling: `one_hot([ix]) @ W`, exponentiate, normalize.
    fn next_probs(&self, ix: i64) -> Tensor {
        tch::no_grad(|| self.forward(&Tensor::from_slice(&[ix])).get(0))
    }
    fn probs(&self) -> Tensor {
        let v = self.vocab.len() as i64;
        tch::no_grad(|| self.forward(&Tensor::arange(v, (Kind::Int64, Device::Cpu))))
    }
}
