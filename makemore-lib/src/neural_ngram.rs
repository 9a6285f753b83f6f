//! Exercise E01 for the network: the next character from the previous `context`
//! characters. Each position has its own V×V block of weights; the logits are the sum
//! of the rows the context picks (exercise E04: indexing, no one-hot), and the loss is
//! the fused cross-entropy (E05). With context 1 this is the lecture's network.

use tch::{Device, Kind, Tensor};

use crate::error::{Error, Result};
use crate::loss::Evaluation;
use crate::neural::TrainConfig;
use crate::ngram::for_each_ngram;
use crate::vocab::Vocab;
use crate::words::WordList;

/// A one-layer network over `context` previous characters: `W` is (context·V)×V.
///
/// ```
/// use makemore::{NeuralNgram, TrainConfig, WordList};
/// let words = WordList::parse(&"abc\nabd\n".repeat(5), "w")?;
/// let mut net = NeuralNgram::new(makemore::Vocab::from_words(&words), 2, 1);
/// let losses = net.train(&words, TrainConfig { steps: 30, lr: 5.0, reg: 0.0, ..Default::default() }, |_, _| {})?;
/// assert!(losses[29] < losses[0]);
/// # Ok::<(), makemore::Error>(())
/// ```
#[derive(Debug)]
pub struct NeuralNgram {
    vocab: Vocab,
    context: usize,
    w: Tensor,
}

impl NeuralNgram {
    /// `W = randn((context·V, V))` after seeding with `seed`.
    ///
    /// ```
    /// let vocab = makemore::Vocab::from_itos(vec!['.', 'a', 'b'])?;
    /// assert_eq!(makemore::NeuralNgram::new(vocab, 2, 1).w().size(), [6, 3]);
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn new(vocab: Vocab, context: usize, seed: i64) -> NeuralNgram {
        crate::seed(seed);
        let v = vocab.len() as i64;
        let w = Tensor::randn([context as i64 * v, v], (Kind::Float, Device::Cpu)).set_requires_grad(true);
        NeuralNgram { vocab, context, w }
    }

    /// From stored weights ((context·V)×V, finite).
    ///
    /// ```
    /// let vocab = makemore::Vocab::from_itos(vec!['.', 'a'])?;
    /// let w = tch::Tensor::zeros([4, 2], (tch::Kind::Float, tch::Device::Cpu));
    /// assert!(makemore::NeuralNgram::from_weights(vocab.clone(), 2, w).is_ok());
    /// let w = tch::Tensor::zeros([3, 2], (tch::Kind::Float, tch::Device::Cpu));
    /// assert!(makemore::NeuralNgram::from_weights(vocab, 2, w).is_err());
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn from_weights(vocab: Vocab, context: usize, w: Tensor) -> Result<NeuralNgram> {
        let v = vocab.len() as i64;
        if context == 0 || w.size() != [context as i64 * v, v] {
            return Err(Error::BadCounts(format!(
                "weights are {:?}, context {context} needs [{}, {v}]",
                w.size(),
                context as i64 * v
            )));
        }
        let w = w.to_kind(Kind::Float);
        if w.isfinite().all().int64_value(&[]) == 0 {
            return Err(Error::BadCounts("weights hold NaN or infinite values".into()));
        }
        Ok(NeuralNgram { vocab, context, w: w.set_requires_grad(true) })
    }

    /// The vocabulary.
    ///
    /// ```
    /// let vocab = makemore::Vocab::from_itos(vec!['.', 'a'])?;
    /// assert_eq!(makemore::NeuralNgram::new(vocab, 2, 1).vocab().len(), 2);
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn vocab(&self) -> &Vocab {
        &self.vocab
    }

    /// How many previous characters the network sees.
    ///
    /// ```
    /// let vocab = makemore::Vocab::from_itos(vec!['.', 'a'])?;
    /// assert_eq!(makemore::NeuralNgram::new(vocab, 3, 1).context(), 3);
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn context(&self) -> usize {
        self.context
    }

    /// The weights.
    ///
    /// ```
    /// let vocab = makemore::Vocab::from_itos(vec!['.', 'a'])?;
    /// assert!(makemore::NeuralNgram::new(vocab, 1, 1).w().requires_grad());
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn w(&self) -> &Tensor {
        &self.w
    }

    /// Rows of `W` to add up for each example: context position `k`, token `t` → `k·V + t`.
    fn rows(&self, words: &WordList) -> Result<(Tensor, Tensor)> {
        let v = self.vocab.len() as i64;
        let (mut rows, mut ys) = (Vec::new(), Vec::new());
        for_each_ngram(&self.vocab, words, self.context, |ctx, y| {
            rows.extend(ctx.iter().enumerate().map(|(k, &t)| k as i64 * v + t as i64));
            ys.push(y as i64);
        })?;
        Ok((Tensor::from_slice(&rows).view([-1, self.context as i64]), Tensor::from_slice(&ys)))
    }

    fn logits(&self, rows: &Tensor) -> Tensor {
        let v = self.vocab.len() as i64;
        self.w.index_select(0, &rows.flatten(0, 1)).view([-1, self.context as i64, v]).sum_dim_intlist(
            [1i64].as_slice(),
            false,
            None,
        )
    }

    /// Full-batch gradient descent on the cross-entropy plus `reg·mean(W²)`; calls
    /// `on_step(step, loss)` after each step and returns the losses.
    ///
    /// ```
    /// let words = makemore::WordList::parse("ab", "w")?;
    /// let mut net = makemore::NeuralNgram::new(makemore::Vocab::from_words(&words), 2, 1);
    /// let cfg = makemore::TrainConfig { lr: f64::NAN, ..Default::default() };
    /// assert!(net.train(&words, cfg, |_, _| {}).is_err());
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn train(
        &mut self,
        words: &WordList,
        cfg: TrainConfig,
        mut on_step: impl FnMut(usize, f32),
    ) -> Result<Vec<f32>> {
        cfg.validate()?;
        let (rows, ys) = self.rows(words)?;
        let mut losses = Vec::new();
        for k in 0..cfg.steps {
            let loss =
                self.logits(&rows).cross_entropy_for_logits(&ys) + cfg.reg * self.w.pow_tensor_scalar(2).mean(None);
            loss.backward();
            tch::no_grad(|| {
                let update = self.w.grad() * (-cfg.lr);
                let _ = self.w.f_add_(&update);
            });
            self.w = self.w.detach().set_requires_grad(true);
            let loss = loss.double_value(&[]) as f32;
            if !loss.is_finite() {
                return Err(Error::Diverged { step: k + 1, loss });
            }
            on_step(k, loss);
            losses.push(loss);
        }
        Ok(losses)
    }

    /// Average NLL per n-gram of `words`.
    ///
    /// ```
    /// let words = makemore::WordList::parse("ab", "w")?;
    /// let vocab = makemore::Vocab::from_words(&words);
    /// let w = tch::Tensor::zeros([6, 3], (tch::Kind::Float, tch::Device::Cpu));
    /// let net = makemore::NeuralNgram::from_weights(vocab, 2, w)?;
    /// assert!((net.evaluate(&words)?.nll - 3f64.ln()).abs() < 1e-6); // uniform
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn evaluate(&self, words: &WordList) -> Result<Evaluation> {
        let (rows, ys) = self.rows(words)?;
        let nll =
            tch::no_grad(|| self.logits(&rows).to_kind(Kind::Double).cross_entropy_for_logits(&ys).double_value(&[]));
        Ok(Evaluation { nll, n: ys.size()[0] as usize, words: words.len(), zero_prob: 0 })
    }

    /// Make `num` words after seeding with `seed`, one multinomial draw per character.
    ///
    /// ```
    /// let vocab = makemore::Vocab::from_itos(vec!['.', 'a'])?;
    /// let net = makemore::NeuralNgram::new(vocab, 2, 1);
    /// assert_eq!(net.sample(5, 3), net.sample(5, 3));
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn sample(&self, num: usize, seed: i64) -> Vec<String> {
        let v = self.vocab.len() as i64;
        tch::no_grad(|| {
            crate::sample::sample_with_context(&self.vocab, self.context, num, seed, |ctx| {
                let rows: Vec<i64> = ctx.iter().enumerate().map(|(k, &t)| k as i64 * v + t as i64).collect();
                self.logits(&Tensor::from_slice(&rows).view([1, -1])).softmax(1, Kind::Float).get(0)
            })
        })
    }
}
