//! The backward passes written by hand: training steps that compute the gradients without
//! autograd, on buffers allocated once.
//!
//! - [`mlp`] (lecture 2's MLP), [`batchnorm_mlp`] (lecture 3's BatchNorm MLP) and [`wavenet`]
//!   (lecture 5's WaveNet) make the libtorch calls that `loss.backward()` makes for the lecture's
//!   graph, with PyTorch's own formulas (`derivatives.yaml`), in autograd's order: their values are
//!   autograd's bit for bit, and they skip autograd's bookkeeping (the graph, saved tensors, the
//!   engine), most of a small network's step.
//! - [`exercise4`] is lecture 4's exercise 4: the gradients the lecture derives by hand, one line each
//!   under the lecture's names (`dlogits`, `dh`, `dW2`, `dhpreact`, `dhprebn`, `dembcat`, `dC`, ...),
//!   for [`ManualMlp`](crate::ManualMlp). Its values are the lecture's loop's, bit for bit.
//!
//! All four read as exercise 4 does: a forward pass, then each gradient from the one after it,
//! named `d` + the tensor, then `p += -lr * grad`. They share what is here: the minibatch's gathers
//! and the update, which are exact whoever computes them and so are done in Rust, and the loss with
//! its first two backward nodes, as `loss.backward()` calls them.

pub(crate) mod batchnorm_mlp;
pub(crate) mod exercise4;
pub(crate) mod mlp;
pub(crate) mod wavenet;

use tch::kind::Element;
use tch::{Device, Kind, Reduction, Tensor};

use crate::error::{Error, Result};

/// The values of a contiguous CPU tensor, to write in place.
///
/// # Safety
/// `t` must be contiguous, on the CPU, of element type `T`, and nothing else may read or
/// write its storage while the slice lives.
pub(crate) unsafe fn values_mut<T: Element>(t: &mut Tensor) -> &mut [T] {
    debug_assert!(t.is_contiguous() && t.device() == Device::Cpu && t.kind() == T::KIND);
    // SAFETY: the caller's guarantees; numel elements of T start at data_ptr
    unsafe { std::slice::from_raw_parts_mut(t.data_ptr() as *mut T, t.numel()) }
}

/// The values of a contiguous CPU tensor, to read.
///
/// # Safety
/// As for [`values_mut`]: contiguous, on the CPU, of element type `T`, and not written
/// while the slice lives.
pub(crate) unsafe fn values<T: Element>(t: &Tensor) -> &[T] {
    debug_assert!(t.is_contiguous() && t.device() == Device::Cpu && t.kind() == T::KIND);
    // SAFETY: the caller's guarantees
    unsafe { std::slice::from_raw_parts(t.data_ptr() as *const T, t.numel()) }
}

/// A detached alias of a network's tensor, which a written-out step reads and updates in
/// place: it must be a contiguous float32 CPU tensor (the loops read and write its storage).
pub(crate) fn alias(t: &Tensor) -> Result<Tensor> {
    let alias = t.f_detach()?;
    if !alias.is_contiguous() || alias.kind() != Kind::Float || alias.device() != Device::Cpu {
        return Err(Error::BadWeights("the parameters must be contiguous float32 CPU tensors".into()));
    }
    Ok(alias)
}

/// [`alias`] of each tensor.
pub(crate) fn aliases<const N: usize>(tensors: &[Tensor; N]) -> Result<[Tensor; N]> {
    let aliases = tensors.iter().map(alias).collect::<Result<Vec<_>>>()?;
    Ok(aliases.try_into().unwrap_or_else(|_| unreachable!("N tensors")))
}

/// `x.sum(dims, keepdim=True)` into `out`: autograd's `sum_to` of a gradient to a bias's or a
/// statistic's shape (`out` has the kept dimensions' shape; a parameter's view has its own).
pub(crate) fn sum_into(x: &Tensor, dims: &[i64], out: &Tensor) -> Result<()> {
    let _ = x.f_sum_intlist_out(out, dims, true, None::<Kind>)?; // the handle of `out`
    Ok(())
}

/// [`sum_into`] over the rows (dimension 0).
pub(crate) fn sum_rows(x: &Tensor, out: &Tensor) -> Result<()> {
    sum_into(x, &[0], out)
}

/// `running = keep * running + momentum * batch` (each product rounded, then the sum), the
/// lectures' update of a running statistic under `no_grad`.
///
/// # Safety
/// `running` must be a contiguous float32 CPU tensor of `batch.len()` values that nothing else
/// uses meanwhile.
pub(crate) unsafe fn update_running(running: &mut Tensor, batch: &[f32], keep: f32, momentum: f32) {
    // SAFETY: the caller's guarantees
    let running = unsafe { values_mut::<f32>(running) };
    for (r, &x) in running.iter_mut().zip(batch) {
        *r = *r * keep + x * momentum;
    }
}

/// A float32 buffer of `shape`, allocated once, which the step writes into.
pub(crate) fn buffer(shape: &[i64]) -> Result<Tensor> {
    Ok(Tensor::f_empty(shape, (Kind::Float, Device::Cpu))?)
}

/// A minibatch's `Xtr[ix]`, `Ytr[ix]` and `emb = C[Xb]`, in buffers allocated once.
#[derive(Debug)]
pub(crate) struct Minibatch {
    /// The examples' inputs (n × context, row by row) and targets, as Rust sees them.
    xs: Vec<i64>,
    ys: Vec<i64>,
    /// The minibatch's indices `ix`, inputs (batch × context) and targets.
    pub ix: Vec<i64>,
    pub xb: Tensor,
    pub yb: Tensor,
    /// `C[Xb]` as batch × (context·embedding) (the lecture's `emb.view(emb.shape[0], -1)`).
    pub emb: Tensor,
    /// batch × context × embedding, the shape of `C[Xb]`.
    pub shape3: [i64; 3],
    /// `loss.backward()`'s seed: a float32 1; and nll_loss's total weight: the number of
    /// examples (no weights, none ignored).
    one: Tensor,
    total_weight: Tensor,
}

impl Minibatch {
    /// Buffers for minibatches of `batch` examples of the inputs `xs` (n × context) and
    /// targets `ys`, embedded in `embedding` numbers each.
    pub fn new(xs: &Tensor, ys: &Tensor, batch: usize, embedding: usize) -> Result<Minibatch> {
        let (b, c, e) = (batch as i64, xs.size()[1], embedding as i64);
        Ok(Minibatch {
            xs: Vec::<i64>::try_from(&xs.f_flatten(0, -1)?)?,
            ys: Vec::<i64>::try_from(ys)?,
            ix: vec![0; batch],
            xb: Tensor::f_empty([b, c], (Kind::Int64, Device::Cpu))?,
            yb: Tensor::f_empty([b], (Kind::Int64, Device::Cpu))?,
            emb: Tensor::f_empty([b, c * e], (Kind::Float, Device::Cpu))?,
            shape3: [b, c, e],
            one: Tensor::from(1.0f32),
            total_weight: Tensor::from(batch as f32),
        })
    }

    /// Gather the minibatch `ix` (drawn by libtorch's `randint`) and embed it with the
    /// table `c` (a contiguous float32 CPU tensor, vocabulary × embedding). An index outside the
    /// examples, or a token outside the table, is an error (as indexing's is).
    pub fn gather(&mut self, ix: &Tensor, c: &Tensor) -> Result<()> {
        let (context, embedding) = (self.shape3[1] as usize, self.shape3[2] as usize);
        let batch = self.ix.len();
        ix.f_copy_data(&mut self.ix, batch)?;
        let (examples, rows) = (self.ys.len() as i64, c.size()[0]);
        let outside = |what: &'static str, value: i64| Error::BadParameter {
            name: what,
            value: value.to_string(),
            expected: "must index the examples and the embedding table",
        };
        if let Some(&i) = self.ix.iter().find(|&&i| !(0..examples).contains(&i)) {
            return Err(outside("example index", i));
        }
        if let Some(&t) = self
            .ix
            .iter()
            .flat_map(|&i| &self.xs[i as usize * context..(i as usize + 1) * context])
            .find(|&&t| !(0..rows).contains(&t))
        {
            return Err(outside("token", t));
        }
        // SAFETY: xb, yb, emb and C are contiguous CPU tensors of these types (allocated
        // in `new`, or checked by the caller), and no other handle uses them during this block.
        unsafe {
            let (xb, yb) = (values_mut::<i64>(&mut self.xb), values_mut::<i64>(&mut self.yb));
            let (emb, table) = (values_mut::<f32>(&mut self.emb), values::<f32>(c));
            for (r, &i) in self.ix.iter().enumerate() {
                let i = i as usize;
                xb[r * context..(r + 1) * context].copy_from_slice(&self.xs[i * context..(i + 1) * context]);
                yb[r] = self.ys[i];
            }
            for (row, &t) in emb.chunks_exact_mut(embedding).zip(xb.iter()) {
                row.copy_from_slice(&table[t as usize * embedding..(t as usize + 1) * embedding]);
            }
        }
        Ok(())
    }

    /// `F.cross_entropy(logits, Yb)` and its first backward nodes ([`cross_entropy`]): returns
    /// the loss.
    pub fn cross_entropy(&self, logits: &Tensor, lsm: &Tensor, dlsm: &Tensor, dlogits: &Tensor) -> Result<Tensor> {
        let targets = Targets { ys: &self.yb, ignore_index: -100, total_weight: &self.total_weight, one: &self.one };
        cross_entropy(logits, &targets, [lsm, dlsm, dlogits])
    }

    /// IndexBackward0 of `C[Xb]` into `gc`: zeros, then `index_put_` with accumulate (the
    /// same kernel adds the rows in the same order).
    pub fn embedding_grad(&self, gc: &mut Tensor, demb: &Tensor) -> Result<()> {
        let _ = gc.f_zero_()?;
        let _ = gc.f_index_put_(&[Some(&self.xb)], &demb.f_view(self.shape3)?, true)?;
        Ok(())
    }
}

/// The targets of a loss: their indices, the one ignored (PyTorch's default -100, or makemore.py's
/// -1), nll_loss's total weight (the number not ignored, as float32), and `loss.backward()`'s
/// seed (a float32 1).
pub(crate) struct Targets<'a> {
    pub ys: &'a Tensor,
    pub ignore_index: i64,
    pub total_weight: &'a Tensor,
    pub one: &'a Tensor,
}

/// `F.cross_entropy(logits, targets)` (`nll_loss(log_softmax(logits))`) into `lsm`, and its
/// first backward nodes, NllLossBackward0 and LogSoftmaxBackward0, into `dlsm` and `dlogits`:
/// returns the loss.
pub(crate) fn cross_entropy(logits: &Tensor, t: &Targets, [lsm, dlsm, dlogits]: [&Tensor; 3]) -> Result<Tensor> {
    let _ = logits.f_internal_log_softmax_out(lsm, 1, false)?;
    let loss = lsm.f_nll_loss::<Tensor>(t.ys, None, Reduction::Mean, t.ignore_index)?;
    let _ = lsm.f_nll_loss_backward_grad_input::<Tensor>(
        dlsm,
        t.one,
        t.ys,
        None,
        Reduction::Mean,
        t.ignore_index,
        t.total_weight,
    )?;
    let _ = Tensor::f_internal_log_softmax_backward_data_out(dlogits, dlsm, lsm, 1, Kind::Float)?;
    Ok(loss)
}

/// The minibatch a written-out step trains on; a full-batch trainer (no minibatch) is refused
/// with `expected`, which says what the network trains on.
pub(crate) fn minibatch_indices<'a>(ix: Option<&'a Tensor>, expected: &'static str) -> Result<&'a Tensor> {
    ix.ok_or_else(|| Error::BadParameter { name: "minibatch", value: "none".into(), expected })
}

/// `for p in parameters: p.data += -lr * p.grad`: libtorch casts the scalar to float32, then
/// one float32 multiplication and one addition per value.
///
/// Each parameter and its gradient must be contiguous float32 CPU tensors of as many elements, with
/// distinct storages that nothing else uses meanwhile (checked or allocated by the caller).
pub(crate) fn sgd_in_place(params: &mut [Tensor], grads: &[Tensor], lr: f64) {
    let step = -lr as f32;
    for (p, g) in params.iter_mut().zip(grads) {
        // SAFETY: the caller's guarantees (above)
        let (p, g) = unsafe { (values_mut::<f32>(p), values::<f32>(g)) };
        for (p, &g) in p.iter_mut().zip(g.iter()) {
            *p += g * step;
        }
    }
}

/// `x.var(0)` (unbiased), or `x.std(0)` when `sqrt`, of a row-major rows × `cols` matrix, into
/// `out`: libtorch's CPU reduction for a float32 variance over one dimension (or over the
/// leading ones, which it folds into one), Welford's algorithm in float64 over the rows in
/// order, the result rounded to float32 (`WelfordOps` in ATen's SharedReduceOps.h), so the same
/// bits (the test below, on lectures 3 and 5's shapes and one more; checked with every CPU
/// capability), in a fraction of its time (its generic reduction was a third of lecture 3's step).
pub(crate) fn column_variance(x: &[f32], cols: usize, out: &mut [f32], sqrt: bool) {
    let (mut mean, mut m2) = (vec![0f64; cols], vec![0f64; cols]);
    for (r, row) in x.chunks_exact(cols).enumerate() {
        let n = (r + 1) as f64;
        for ((&v, mean), m2) in row.iter().zip(&mut mean).zip(&mut m2) {
            let v = v as f64;
            let delta = v - *mean;
            *mean += delta / n;
            *m2 += delta * (v - *mean);
        }
    }
    let rows = (x.len() / cols) as f64;
    for (out, &m2) in out.iter_mut().zip(&m2) {
        let var = m2 / (rows - 1.0);
        *out = if sqrt { var.sqrt() } else { var } as f32;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Normal draws from a generator of the test's own (xorshift64 and Box-Muller): libtorch's
    /// global generator is shared with the other tests, which run at the same time and some of
    /// which check the draws they get from it.
    fn normals(state: &mut u64, n: usize) -> Vec<f32> {
        let mut uniform = || {
            *state ^= *state << 13;
            *state ^= *state >> 7;
            *state ^= *state << 17;
            ((*state >> 11) as f64 + 0.5) / (1u64 << 53) as f64
        };
        (0..n).map(|_| ((-2.0 * uniform().ln()).sqrt() * (std::f64::consts::TAU * uniform()).cos()) as f32).collect()
    }

    /// Lecture 3's std over the batch (32 × 200), lecture 5's variances over the batch and the
    /// groups ((32, 4, 128), (32, 2, 128), (32, 128)), and (64, 16, 24): libtorch's bits.
    #[test]
    fn column_variance_is_libtorchs_var_and_std_bit_for_bit() {
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let shapes: [&[i64]; 5] = [&[32, 200], &[32, 4, 128], &[32, 2, 128], &[32, 128], &[64, 16, 24]];
        for (trial, scale) in [1e-3, 1.0, 5.0, 300.0].into_iter().cycle().take(200).enumerate() {
            let shape = shapes[trial % shapes.len()];
            let (numel, cols) = (shape.iter().product::<i64>(), shape[shape.len() - 1]);
            let x = Tensor::from_slice(&normals(&mut state, numel as usize)).view(shape) * scale + (trial % 7) as f64;
            let dims: Vec<i64> = (0..shape.len() as i64 - 1).collect();
            let values = Vec::<f32>::try_from(&x.flatten(0, -1)).unwrap();
            for sqrt in [false, true] {
                let want = match sqrt {
                    true => x.std_dim(dims.as_slice(), true, true),
                    false => x.var_dim(dims.as_slice(), true, true),
                };
                let want = Vec::<f32>::try_from(&want.flatten(0, -1)).unwrap();
                let mut got = vec![0f32; cols as usize];
                column_variance(&values, cols as usize, &mut got, sqrt);
                assert!(got.iter().zip(&want).all(|(a, b)| a.to_bits() == b.to_bits()), "trial {trial} {shape:?}");
            }
        }
    }
}
