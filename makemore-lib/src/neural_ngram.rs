//! Exercise E01 for the network: the next character from the previous `context`
//! characters. Each position has its own V×V block of weights, so `W` is (context·V)×V:
//! the input is `context` one-hot vectors side by side, and `one_hot @ W` is the sum of
//! the rows the context picks. With context 1 this is the lecture's network. It trains
//! with the lecture's step ([`crate::neural::train_network`]).

use tch::{Device, Kind, Tensor};

use crate::contexts::{MAX_TABLE_CELLS, check_context};
use crate::error::{Error, Result};
use crate::model::{LanguageModel, ModelKind, Parameters, StoredData, check_contexts};
use crate::neural::{TrainConfig, check_weights, forward, one_hot, train_network};
use crate::vocab::Vocab;
use crate::words::WordList;

/// A one-layer network over `context` previous characters: `W` is (context·V)×V.
///
/// ```
/// use makemore::{NeuralNgram, TrainConfig, Vocab, WordList};
/// let words = WordList::parse(&"abc\nabd\n".repeat(5), "w")?;
/// let mut net = NeuralNgram::new(&Vocab::from_words(&words)?, 2, 1)?;
/// let losses = net.train(&words, TrainConfig { steps: 30, lr: 5.0, reg: 0.0, ..Default::default() })?;
/// assert!(losses[29] < losses[0]);
/// # Ok::<(), makemore::Error>(())
/// ```
#[derive(Debug)]
pub struct NeuralNgram {
    vocab: Vocab,
    context: usize,
    w: Tensor,
}

fn check_size(context: usize, v: usize) -> Result<()> {
    check_context(context)?;
    if context * v * v > MAX_TABLE_CELLS {
        return Err(Error::TooLarge(format!(
            "a network over {context} tokens of a {v}-token vocabulary needs {} weights, more than {MAX_TABLE_CELLS}",
            context * v * v
        )));
    }
    Ok(())
}

impl NeuralNgram {
    /// `W = randn((context·V, V))` after seeding with `seed`.
    ///
    /// ```
    /// let vocab = makemore::Vocab::from_itos(vec!['.', 'a', 'b'])?;
    /// assert_eq!(makemore::NeuralNgram::new(&vocab, 2, 1)?.w().size(), [6, 3]);
    /// assert!(makemore::NeuralNgram::new(&vocab, 0, 1).is_err());
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn new(vocab: &Vocab, context: usize, seed: i64) -> Result<NeuralNgram> {
        check_size(context, vocab.len())?;
        crate::seed(seed);
        let v = vocab.len() as i64;
        let w = Tensor::f_randn([context as i64 * v, v], (Kind::Float, Device::Cpu))?.set_requires_grad(true);
        Ok(NeuralNgram { vocab: vocab.clone(), context, w })
    }

    /// From stored weights ((context·V)×V, finite, at most 1e30 in size).
    ///
    /// ```
    /// let vocab = makemore::Vocab::from_itos(vec!['.', 'a'])?;
    /// let w = tch::Tensor::zeros([4, 2], (tch::Kind::Float, tch::Device::Cpu));
    /// assert!(makemore::NeuralNgram::from_weights(&vocab, 2, w).is_ok());
    /// let w = tch::Tensor::zeros([3, 2], (tch::Kind::Float, tch::Device::Cpu));
    /// assert!(makemore::NeuralNgram::from_weights(&vocab, 2, w).is_err());
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn from_weights(vocab: &Vocab, context: usize, w: Tensor) -> Result<NeuralNgram> {
        check_size(context, vocab.len())?;
        let w = check_weights(&w, context, vocab.len())?;
        Ok(NeuralNgram { vocab: vocab.clone(), context, w: w.set_requires_grad(true) })
    }

    /// The weights.
    ///
    /// ```
    /// let vocab = makemore::Vocab::from_itos(vec!['.', 'a'])?;
    /// assert!(makemore::NeuralNgram::new(&vocab, 1, 1)?.w().requires_grad());
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn w(&self) -> &Tensor {
        &self.w
    }

    /// The lecture's forward pass on n × context inputs: one-hot, `@ W`, exp, normalize.
    ///
    /// ```
    /// let vocab = makemore::Vocab::from_itos(vec!['.', 'a'])?;
    /// let net = makemore::NeuralNgram::new(&vocab, 2, 1)?;
    /// let xs = tch::Tensor::from_slice(&[0i64, 1]).view([1, 2]);
    /// assert_eq!(net.forward(&xs)?.size(), [1, 2]);
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn forward(&self, xs: &Tensor) -> Result<Tensor> {
        forward(&one_hot(xs, self.vocab.len())?, &self.w)
    }

    /// The logits of contexts (C × context indices): the sum of the rows of `W` each
    /// picks, by index (exercise E04: no one-hot product).
    fn logits(&self, contexts: &[i64]) -> Result<Tensor> {
        let v = self.vocab.len() as i64;
        let rows: Vec<i64> =
            contexts.chunks(self.context).flat_map(|ctx| (0..).zip(ctx).map(move |(k, &t)| k * v + t)).collect();
        let picked = self.w.f_index_select(0, &Tensor::from_slice(&rows))?;
        Ok(picked.f_view([-1, self.context as i64, v])?.f_sum_dim_intlist([1i64].as_slice(), false, None::<Kind>)?)
    }

    /// Full-batch gradient descent on `words` ([`train_network`]); returns every step's loss.
    ///
    /// ```
    /// let words = makemore::WordList::parse("ab", "w")?;
    /// let mut net = makemore::NeuralNgram::new(&makemore::Vocab::from_words(&words)?, 2, 1)?;
    /// let cfg = makemore::TrainConfig { lr: f64::NAN, ..Default::default() };
    /// assert!(net.train(&words, cfg).is_err());
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn train(&mut self, words: &WordList, cfg: TrainConfig) -> Result<Vec<f32>> {
        self.train_with(words, cfg, |_, _| {})
    }

    /// [`train`](Self::train), calling `on_step(step, loss)` after each step.
    ///
    /// ```
    /// use makemore::{Method, NeuralNgram, TrainConfig, Vocab, WordList};
    /// let words = WordList::parse("abc\nabd", "w")?;
    /// let vocab = Vocab::from_words(&words)?;
    /// let mut last = [0.0; 2];
    /// for (i, method) in [Method::OneHot, Method::ExactGradient].into_iter().enumerate() {
    ///     let mut net = NeuralNgram::new(&vocab, 2, 5)?;
    ///     net.train_with(&words, TrainConfig { steps: 5, method, ..Default::default() }, |_, loss| last[i] = loss)?;
    /// }
    /// assert!((last[0] - last[1]).abs() < 1e-5); // autograd and the closed form agree
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn train_with(
        &mut self,
        words: &WordList,
        cfg: TrainConfig,
        on_step: impl FnMut(usize, f32),
    ) -> Result<Vec<f32>> {
        train_network(&mut self.w, &self.vocab, self.context, words, cfg, on_step)
    }
}

impl LanguageModel for NeuralNgram {
    fn vocab(&self) -> &Vocab {
        &self.vocab
    }
    fn context(&self) -> usize {
        self.context
    }
    fn kind(&self) -> ModelKind {
        ModelKind::Neural
    }
    /// `softmax(logits)`, the stable softmax.
    fn probs(&self, contexts: &[i64]) -> Result<Tensor> {
        check_contexts(contexts, self.context, self.vocab.len())?;
        tch::no_grad(|| Ok(self.logits(contexts)?.f_softmax(1, Kind::Float)?))
    }
    fn log_probs(&self, contexts: &[i64]) -> Result<Tensor> {
        check_contexts(contexts, self.context, self.vocab.len())?;
        tch::no_grad(|| Ok(self.logits(contexts)?.f_log_softmax(1, Kind::Float)?))
    }
    fn parameters(&self) -> Parameters {
        let v = self.vocab.len();
        let w = Vec::<f32>::try_from(&self.w.detach().flatten(0, 1)).unwrap_or_default();
        Parameters { smoothing: None, tensors: vec![("W", [self.context * v, v], StoredData::Floats(w))] }
    }
}
