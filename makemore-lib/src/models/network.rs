//! What a network provides: logits for a batch of contexts, its parameters under their
//! names, its context and vocabulary ([`Network`]). Everything else is written once here
//! for every network: the next-token probabilities sampling uses ([`probs`],
//! [`log_probs`]), the mean loss evaluation reports ([`mean_loss`]), and what a model file
//! stores ([`stored`]: every parameter and buffer under its name, checked finite).
//!
//! Networks compute on **one libtorch thread** ([`on_one_thread`]), and the project's
//! PyTorch references do too (`torch.set_num_threads(1)`). Their tensors are small (a
//! lecture-2 minibatch is 32 × 200): a second thread only adds the cost of handing it each
//! operation, which measured on a 2-core virtual machine 12 times slower with sleeping
//! OpenMP threads and up to 25 ms a step with spinning ones when other work shared the
//! cores. And some kernels split their work by the thread count, so one thread gives the
//! same numbers on a machine of any size.

use std::fmt::Debug;

use tch::{Kind, Reduction, Tensor};

use crate::data::vocab::Vocab;
use crate::error::{Error, Result};
use crate::models::kind::count_contexts;
use crate::models::stored::{Stored, StoredData, StoredFile, StoredTensor};
use crate::nn::Optimizer;
use crate::train::examples::Examples;
use crate::train::trainer::Step;

/// The largest magnitude a stored parameter may have: products of two stay below 1e30,
/// and sums of up to 2^26 of them far below float32's 3.4e38, so the logits are finite.
pub const MAX_WEIGHT: f32 = 1e15;

/// A network over characters: `context_len()` token indices in, logits over the
/// vocabulary out.
pub trait Network: Debug {
    /// The network's vocabulary (its output size).
    fn vocab(&self) -> &Vocab;
    /// How many previous tokens it reads (the lectures' `block_size`).
    fn context_len(&self) -> usize;
    /// The logits of `xs`, n × context token indices (n for context 1): n × V, with
    /// autograd recording. Inference: a network with batch statistics uses its running ones.
    fn logits(&self, xs: &Tensor) -> Result<Tensor>;
    /// The logits of a training minibatch: by default [`logits`](Self::logits); a network
    /// with batch statistics uses the batch's and updates its running ones.
    fn train_logits(&mut self, xs: &Tensor) -> Result<Tensor> {
        self.logits(xs)
    }
    /// The trainable parameters under their names, in the order they were created: the
    /// tensors themselves (shallow clones), so `.grad()` and in-place updates are the
    /// network's.
    fn named_parameters(&self) -> Vec<(String, Tensor)>;
    /// State saved with the parameters that training does not descend on (BatchNorm's
    /// running statistics).
    fn named_buffers(&self) -> Vec<(String, Tensor)> {
        Vec::new()
    }

    /// The number of parameters (the lectures' `sum(p.nelement() for p in parameters)`).
    fn n_parameters(&self) -> usize {
        self.named_parameters().iter().map(|(_, p)| p.numel()).sum()
    }
}

/// Run `f` with libtorch on one thread, then give the caller back its thread count.
/// Networks do all their work so (see the module's documentation); a notebook or program
/// that writes the lecture's loop itself calls `tch::set_num_threads(1)` to get the same
/// numbers.
///
/// The count is the calling thread's: libtorch's OpenMP keeps one per OS thread, and a
/// thread's first computation takes the count last set by any thread. So a thread that starts
/// computing while another is inside `on_one_thread` computes on one thread from then on
/// (tests that run beside each other meet this: they say which count their results are for,
/// [`crate::Reference::at_threads`], rather than reading it).
///
/// ```
/// tch::set_num_threads(2);
/// assert_eq!(makemore::on_one_thread(tch::get_num_threads), 1);
/// assert_eq!(tch::get_num_threads(), 2);
/// ```
pub fn on_one_thread<T>(f: impl FnOnce() -> T) -> T {
    on_threads(1, f)
}

/// Run `f` with libtorch on `threads` threads, then give the caller back its thread count
/// (per OS thread, as [`on_one_thread`] explains).
///
/// ```
/// tch::set_num_threads(1);
/// assert_eq!(makemore::on_threads(2, tch::get_num_threads), 2);
/// assert_eq!(tch::get_num_threads(), 1);
/// ```
pub fn on_threads<T>(threads: i32, f: impl FnOnce() -> T) -> T {
    struct Restore(i32);
    impl Drop for Restore {
        fn drop(&mut self) {
            tch::set_num_threads(self.0);
        }
    }
    let _restore = Restore(tch::get_num_threads());
    tch::set_num_threads(threads);
    f()
}

/// The logits of C contexts given as C·context token indices, checked against the
/// network's context and vocabulary.
fn context_logits<N: Network + ?Sized>(net: &N, contexts: &[i64]) -> Result<Tensor> {
    count_contexts(contexts, net.context_len(), net.vocab().len())?;
    let xs = Tensor::from_slice(contexts).f_view([-1, net.context_len() as i64])?;
    net.logits(&xs)
}

/// `F.softmax(logits, dim=1)` of C contexts (C·context indices), as the lectures' sampling
/// loops compute it: C×V, without gradients, on one thread.
pub fn probs<N: Network + ?Sized>(net: &N, contexts: &[i64]) -> Result<Tensor> {
    on_one_thread(|| tch::no_grad(|| Ok(context_logits(net, contexts)?.f_softmax(1, Kind::Float)?)))
}

/// `F.log_softmax(logits, dim=1)` of C contexts: finite where [`probs`] underflows to 0.
pub fn log_probs<N: Network + ?Sized>(net: &N, contexts: &[i64]) -> Result<Tensor> {
    on_one_thread(|| tch::no_grad(|| Ok(context_logits(net, contexts)?.f_log_softmax(1, Kind::Float)?)))
}

/// `F.cross_entropy(logits, Y)` of the examples, with autograd recording (the caller's
/// thread count).
pub fn cross_entropy<N: Network + ?Sized>(net: &N, xs: &Tensor, ys: &Tensor) -> Result<Tensor> {
    Ok(net.logits(xs)?.f_cross_entropy_loss::<Tensor>(ys, None, Reduction::Mean, -100, 0.0)?)
}

/// The mean cross-entropy on examples, without gradients: the lectures' evaluation
/// `F.cross_entropy(logits, Y).item()` on a whole split, in float32, on one thread.
pub fn mean_loss<N: Network + ?Sized>(net: &N, examples: &Examples) -> Result<f32> {
    let xs = inputs(net.context_len(), examples)?;
    on_one_thread(|| tch::no_grad(|| Ok(cross_entropy(net, &xs, &examples.ys)?.f_double_value(&[])? as f32)))
}

/// The examples' inputs as n × context, refused when they are not contexts of that length.
pub(crate) fn inputs(context_len: usize, examples: &Examples) -> Result<Tensor> {
    let xs = examples.xs.f_view([-1, context_len as i64])?;
    if xs.size()[0] != examples.ys.size()[0] {
        return Err(Error::BadParameter {
            name: "examples",
            value: format!("{:?} inputs", examples.xs.size()),
            expected: "must be contexts of the model's length, one per target",
        });
    }
    Ok(xs)
}

/// The step of any [`Network`] trained by autograd, as the lectures write it: the
/// minibatch `Xtr[ix], Ytr[ix]`, the forward pass and `F.cross_entropy`, the gradients
/// zeroed, `loss.backward()`, and the optimizer's update ([`crate::nn::Sgd`]:
/// `p.data += -lr * p.grad`; [`crate::nn::AdamW`]). Everything on one libtorch thread.
///
/// ```
/// use makemore::{AutogradStep, Examples, Mlp, MlpConfig, Step, Vocab, WordList, nn::Sgd};
/// let words = WordList::parse(&"emma\nolivia\nava\n".repeat(20), "names")?;
/// let vocab = Vocab::from_words(&words)?;
/// let ex = Examples::with_context(&words, &vocab, 3)?;
/// let cfg = MlpConfig { hidden: 20, steps: 30, ..MlpConfig::DEFAULT };
/// // the MLP's written-out backward pass, and autograd with SGD: the same losses, bit for bit
/// let fast = Mlp::new(&vocab, &cfg)?.train_examples(&ex, &cfg, |_, _| {})?;
/// let mut mlp = Mlp::new(&vocab, &cfg)?;
/// let mut step = AutogradStep::new(&mut mlp, &ex, Sgd)?;
/// let slow = cfg.trainer().run(ex.len(), &mut step, |_| {}, None, None)?.losses;
/// assert_eq!(fast, slow);
/// # Ok::<(), makemore::Error>(())
/// ```
#[derive(Debug)]
pub struct AutogradStep<'a, N: Network + ?Sized, O: Optimizer> {
    net: &'a mut N,
    xs: Tensor,
    ys: Tensor,
    optimizer: O,
    params: Vec<Tensor>,
}

impl<'a, N: Network + ?Sized, O: Optimizer> AutogradStep<'a, N, O> {
    /// Train `net` on `examples` (contexts of the network's length) with `optimizer`.
    pub fn new(net: &'a mut N, examples: &Examples, optimizer: O) -> Result<Self> {
        let xs = inputs(net.context_len(), examples)?;
        let params = net.named_parameters().into_iter().map(|(_, p)| p).collect();
        Ok(AutogradStep { xs, ys: examples.ys.shallow_clone(), net, optimizer, params })
    }

    /// The optimizer, with its state (e.g. to save it).
    pub fn optimizer(&self) -> &O {
        &self.optimizer
    }
}

impl<N: Network + ?Sized, O: Optimizer> Step for AutogradStep<'_, N, O> {
    fn step(&mut self, ix: Option<&Tensor>, lr: f64) -> Result<f32> {
        on_one_thread(|| {
            let (xb, yb) = match ix {
                Some(ix) => (self.xs.f_index(&[Some(ix)])?, self.ys.f_index(&[Some(ix)])?),
                None => (self.xs.shallow_clone(), self.ys.shallow_clone()),
            };
            let loss =
                self.net.train_logits(&xb)?.f_cross_entropy_loss::<Tensor>(&yb, None, Reduction::Mean, -100, 0.0)?;
            self.optimizer.zero_grad(&self.params);
            loss.f_backward()?;
            self.optimizer.step(&self.params, lr)?;
            Ok(loss.f_double_value(&[])? as f32)
        })
    }
    fn loss(&self, examples: &Examples) -> Result<f32> {
        mean_loss(&*self.net, examples)
    }
    /// The parameters and the buffers (running statistics): the best network is all of them.
    fn parameters(&self) -> Vec<Tensor> {
        let named = self.net.named_parameters().into_iter().chain(self.net.named_buffers());
        named.map(|(_, t)| t).collect()
    }
}

/// What a model file stores of a network: every parameter, then every buffer, under its
/// name and shape, as float32, with `meta`. Fails (rather than save what loading would
/// refuse) when a value is not finite or beyond ±1e15: a diverged training.
///
/// ```
/// use makemore::{Mlp, MlpConfig, Network, Vocab};
/// let mlp = Mlp::new(&Vocab::from_itos(vec!['.', 'a'])?, &MlpConfig { hidden: 3, ..Default::default() })?;
/// let stored = makemore::stored_network(&mlp, vec![])?;
/// let names: Vec<&str> = stored.tensors.iter().map(|t| t.name.as_str()).collect();
/// assert_eq!(names, ["C", "W1", "b1", "W2", "b2"]);
/// # Ok::<(), makemore::Error>(())
/// ```
pub fn stored<N: Network + ?Sized>(net: &N, meta: Vec<(&'static str, String)>) -> Result<Stored> {
    let mut tensors = Vec::new();
    for (name, t) in net.named_parameters().into_iter().chain(net.named_buffers()) {
        let values = finite_values(&name, &t)?;
        tensors.push(StoredTensor {
            name,
            shape: t.size().iter().map(|&d| d as usize).collect(),
            data: StoredData::Floats(values),
        });
    }
    Ok(Stored { meta, tensors })
}

/// A float32 tensor's values, refused when one is not finite or beyond ±[`MAX_WEIGHT`].
pub(crate) fn finite_values(name: &str, t: &Tensor) -> Result<Vec<f32>> {
    if t.kind() != Kind::Float {
        return Err(Error::BadWeights(format!("{name} is {:?}, expected float32", t.kind())));
    }
    let values = Vec::<f32>::try_from(&t.f_detach()?.f_flatten(0, -1)?)?;
    if let Some(x) = values.iter().find(|x| !x.is_finite() || x.abs() > MAX_WEIGHT) {
        return Err(Error::BadWeights(format!(
            "{name} holds {x:e}: every parameter must be finite and within ±{MAX_WEIGHT:e}"
        )));
    }
    Ok(values)
}

/// Read a network's parameters and buffers back from a model file, each under its name with
/// the shape the network has (a file with other names or shapes is refused, naming the
/// tensor), finite and within ±1e15, copied into the network's own tensors.
pub fn load_parameters<N: Network + ?Sized>(net: &N, file: &StoredFile) -> Result<()> {
    let named: Vec<(String, Tensor)> = net.named_parameters().into_iter().chain(net.named_buffers()).collect();
    let names: Vec<&str> = named.iter().map(|(n, _)| n.as_str()).collect();
    file.expect_tensors(&names)?;
    for (name, t) in &named {
        let shape: Vec<Option<usize>> = t.size().iter().map(|&d| Some(d as usize)).collect();
        let values = file.floats(name, &shape)?;
        finite_values(name, &values).map_err(|e| file.bad(e))?;
        tch::no_grad(|| t.shallow_clone().f_copy_(&values))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::stored::{StoredFile, file_bytes};

    /// A bigram network of one weight matrix, `logits = W[x]`.
    #[derive(Debug)]
    struct Table {
        vocab: Vocab,
        w: Tensor,
    }

    impl Network for Table {
        fn vocab(&self) -> &Vocab {
            &self.vocab
        }
        fn context_len(&self) -> usize {
            1
        }
        fn logits(&self, xs: &Tensor) -> Result<Tensor> {
            Ok(self.w.f_index(&[Some(&xs.f_flatten(0, -1)?)])?)
        }
        fn named_parameters(&self) -> Vec<(String, Tensor)> {
            vec![("table.weight".into(), self.w.shallow_clone())]
        }
    }

    fn table(fill: f64) -> Table {
        let vocab = Vocab::from_itos(vec!['.', 'a', 'b']).unwrap();
        let w = Tensor::full([3, 3], fill, (Kind::Float, tch::Device::Cpu)).set_requires_grad(true);
        Table { vocab, w }
    }

    fn bytes_of(net: &Table) -> Vec<u8> {
        file_bytes("table", &net.vocab, 1, stored(net, vec![]).unwrap())
    }

    #[test]
    fn parameters_go_to_a_file_under_their_names_and_come_back() {
        let mut from = table(0.0);
        tch::no_grad(|| from.w.f_copy_(&Tensor::arange(9, (Kind::Float, tch::Device::Cpu)).view([3, 3]))).unwrap();
        let bytes = bytes_of(&from);
        let (_, file) = StoredFile::open(std::path::Path::new("t.safetensors"), &bytes).unwrap();
        let to = table(7.0);
        load_parameters(&to, &file).unwrap();
        assert!(to.w.equal(&from.w));
        // the same values the probabilities are made of
        assert!(probs(&to, &[2]).unwrap().equal(&probs(&from, &[2]).unwrap()));
        assert!(to.w.requires_grad(), "still a parameter");
    }

    #[test]
    fn a_diverged_network_is_not_stored_and_a_wrong_shape_is_refused() {
        let net = table(f64::NAN);
        let err = stored(&net, vec![]).unwrap_err().to_string();
        assert!(err.contains("table.weight holds NaN"), "{err}");

        let bytes = bytes_of(&table(1.0));
        let (_, file) = StoredFile::open(std::path::Path::new("t.safetensors"), &bytes).unwrap();
        let mut bigger = table(0.0);
        bigger.w = Tensor::zeros([3, 4], (Kind::Float, tch::Device::Cpu));
        let err = load_parameters(&bigger, &file).unwrap_err().to_string();
        assert!(err.contains("tensor 'table.weight' is F32 [3, 3], expected F32 [3, 4]"), "{err}");
    }
}
