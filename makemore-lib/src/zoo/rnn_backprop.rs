//! `makemore.py`'s RNN and GRU (`--type rnn`, `--type gru`) trained with their backward pass
//! written out: the libtorch calls that `loss.backward()` makes for the graph, with the formulas
//! of PyTorch's `derivatives.yaml`, in the order autograd's engine runs them (the node created
//! last first), so the gradients are autograd's bit for bit (tests/zoo.rs: makemore.py's
//! printed losses and saved model, on two word lists).
//!
//! ```text
//! emb = wte(idx); hprev = start.expand(b, -1)            # (b, t, n_embd), (b, n_embd2)
//! for i in range(t): hprev = cell(emb[:, i], hprev); hiddens.append(hprev)
//! logits = lm_head(stack(hiddens, 1)); loss = F.cross_entropy(logits.view(-1, V), targets.view(-1), ignore_index=-1)
//!
//! dlogits                                     NllLossBackward0, LogSoftmaxBackward0
//! dbh = dlogits.sum(0); dhidden = dlogits @ Wh; dWh = dlogits.T @ hidden      AddmmBackward0
//! for i from t-1 down to 0:                   each step's nodes were created after the one before's
//!     dh = dhidden[:, i] + (step i+1's gradients of hprev)   StackBackward0 runs before them all
//!     the cell's backward, below; each Linear's bias and weight gradients summed over the
//!     steps in this order, as their AccumulateGrad and TBackward0 nodes receive them
//! dstart = (step 0's gradient of hprev).sum(0)               ExpandBackward0
//! dwte = embedding_dense_backward(demb, idx)                 UnbindBackward0, EmbeddingBackward0
//! ```
//!
//! The RNN's cell, `h = tanh(xh_to_h(cat([x, hprev])))`:
//!
//! ```text
//! da = (1 - h**2) * dh                        TanhBackward0
//! dbias += da.sum(0); dW += da.T @ xh; dxh = da @ W          AddmmBackward0
//! dx = dxh[:, :n_embd]; dhprev = dxh[:, n_embd:]             CatBackward0
//! ```
//!
//! The GRU's, `r = sigmoid(xh_to_r(xh)); hbar = tanh(xh_to_hbar(cat([x, r * hprev])));
//! z = sigmoid(xh_to_z(xh)); h = (1 - z) * hprev + z * hbar`, its nodes in the engine's order:
//!
//! ```text
//! dz = dh * hbar; dhbar = dh * z              MulBackward0 (z * hbar)
//! dhprev = dh * (1 - z); d1mz = dh * hprev    MulBackward0 ((1 - z) * hprev)
//! dz = dz + -d1mz                             RsubBackward1
//! daz = dz * (1 - z) * z, then xh_to_z's AddmmBackward0: dxh = daz @ Wz    SigmoidBackward0
//! dahbar = (1 - hbar**2) * dhbar, then xh_to_hbar's: dxhr = dahbar @ Whbar; dx = dxhr[:, :n_embd]
//! dr = dxhr[:, n_embd:] * hprev; dhprev += dxhr[:, n_embd:] * r        MulBackward0 (r * hprev)
//! dar = dr * (1 - r) * r, then xh_to_r's: dxh += dar @ Wr
//! dx += dxh[:, :n_embd]; dhprev += dxh[:, n_embd:]           CatBackward0 (xh)
//! ```
//!
//! Libtorch's calls, on buffers allocated once: the matrix products (with the biases: `addmm`),
//! `tanh`, `sigmoid` and their backward, the sums over the batch, the loss and its first backward
//! nodes, and the embedding's gradient (`embedding_dense_backward`, copied into its buffer). Done
//! here in Rust: the copies (the embedding's rows, `cat`, `stack`), the GRU's elementwise forward
//! (`r * hprev`, `(1 - z) * hprev + z * hbar`) and the products and sums of gradients, one IEEE
//! float32 operation per value, as libtorch's kernels and autograd's accumulation round them.

use tch::{Kind, Tensor};

use crate::error::{Error, Result};
use crate::models::backprop::{Targets, alias, buffer, cross_entropy, sum_rows, values, values_mut};
use crate::zoo::WrittenStep;

/// The sizes a step's buffers were allocated for: batch, time steps, `n_embd`, `n_embd2`,
/// vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub(crate) struct Sizes {
    b: i64,
    t: i64,
    e: i64,
    e2: i64,
    v: i64,
}

impl Sizes {
    /// The sizes of the batch `x` (b, t) for the parameters `params` (`start` (1, n_embd2) and
    /// `wte.weight` (vocabulary, n_embd) first).
    fn of(x: &Tensor, params: &[Tensor]) -> Result<Sizes> {
        let bad = |value: String| Error::BadParameter {
            name: "batch",
            value,
            expected: "tokens (B ≥ 1, T ≥ 1) for the model's parameters",
        };
        let [start, wte, ..] = params else { return Err(bad(format!("{} parameters", params.len()))) };
        match (x.size().as_slice(), start.size().as_slice(), wte.size().as_slice()) {
            (&[b, t], &[1, e2], &[v, e]) if b >= 1 && t >= 1 => Ok(Sizes { b, t, e, e2, v }),
            _ => Err(bad(format!("{:?} for start {:?} and wte {:?}", x.size(), start.size(), wte.size()))),
        }
    }
}

/// The parameters as a step reads them: aliases ([`alias`]), each of the expected shape.
fn parameters<const N: usize>(params: &[Tensor], shapes: &[Vec<i64>; N]) -> Result<[Tensor; N]> {
    if params.len() != N {
        return Err(Error::BadWeights(format!("expected {N} parameters, got {}", params.len())));
    }
    let mut out = Vec::with_capacity(N);
    for (p, shape) in params.iter().zip(shapes) {
        if p.size() != *shape {
            return Err(Error::BadWeights(format!("a parameter of shape {:?}, expected {shape:?}", p.size())));
        }
        out.push(alias(p)?);
    }
    Ok(out.try_into().unwrap_or_else(|_| unreachable!("N parameters, checked above")))
}

/// What both cells share: the embedding, the stacked hidden states, `lm_head` and the loss.
struct Sequence {
    sizes: Sizes,
    /// The batch's tokens as Rust sees them, and `wte(idx)` (b, t, n_embd) and its gradient.
    idx: Vec<i64>,
    emb: Tensor,
    demb: Tensor,
    /// `stack(hiddens, 1)` viewed (b·t, n_embd2), and its gradient.
    hidden: Tensor,
    dhidden: Tensor,
    /// (b·t, vocabulary): the logits, log_softmax, and their gradients.
    logits: Tensor,
    logprobs: Tensor,
    dlogprobs: Tensor,
    dlogits: Tensor,
    /// `loss.backward()`'s seed, a float32 1.
    one: Tensor,
}

impl Sequence {
    fn new(s: Sizes) -> Result<Sequence> {
        let Sizes { b, t, e, e2, v } = s;
        Ok(Sequence {
            sizes: s,
            idx: vec![0; (b * t) as usize],
            emb: buffer(&[b, t, e])?,
            demb: buffer(&[b, t, e])?,
            hidden: buffer(&[b * t, e2])?,
            dhidden: buffer(&[b * t, e2])?,
            logits: buffer(&[b * t, v])?,
            logprobs: buffer(&[b * t, v])?,
            dlogprobs: buffer(&[b * t, v])?,
            dlogits: buffer(&[b * t, v])?,
            one: Tensor::from(1.0f32),
        })
    }

    /// `emb = self.wte(idx)`: the table's rows (F.embedding), each token checked.
    fn embed(&mut self, x: &Tensor, wte: &Tensor) -> Result<()> {
        let (e, v) = (self.sizes.e as usize, self.sizes.v);
        let n = self.idx.len();
        x.f_contiguous()?.f_copy_data(&mut self.idx, n)?;
        if let Some(bad) = self.idx.iter().find(|&&i| !(0..v).contains(&i)) {
            return Err(Error::BadParameter {
                name: "token",
                value: bad.to_string(),
                expected: "must be below the vocabulary's size",
            });
        }
        // SAFETY (here and in the copies below): contiguous float32 CPU tensors allocated in `new` or checked
        // by `parameters`, of the sizes the loops assume; the slices written are of buffers
        // nothing else reads meanwhile.
        unsafe {
            let (table, emb) = (values::<f32>(wte), values_mut::<f32>(&mut self.emb));
            for (row, &i) in emb.chunks_exact_mut(e).zip(&self.idx) {
                row.copy_from_slice(&table[i as usize * e..(i as usize + 1) * e]);
            }
        }
        Ok(())
    }

    /// `cat([emb[:, i], h], 1)` into `out` (b, n_embd + n_embd2); `h` is (b, n_embd2), or
    /// `start` (1, n_embd2) expanded over the batch.
    fn cat(&self, i: usize, h: &Tensor, out: &mut Tensor) {
        let Sizes { t, e, e2, .. } = self.sizes;
        let (t, e, e2) = (t as usize, e as usize, e2 as usize);
        // SAFETY: as in `embed`: buffers of `new`, `h` (b, n_embd2) or `start` (1, n_embd2)
        unsafe {
            let (emb, h, out) = (values::<f32>(&self.emb), values::<f32>(h), values_mut::<f32>(out));
            let expanded = h.len() == e2;
            for (r, row) in out.chunks_exact_mut(e + e2).enumerate() {
                let at = (r * t + i) * e;
                row[..e].copy_from_slice(&emb[at..at + e]);
                let hr = if expanded { 0 } else { r * e2 };
                row[e..].copy_from_slice(&h[hr..hr + e2]);
            }
        }
    }

    /// `hiddens.append(h)`: step `i`'s state into `stack(hiddens, 1)`.
    fn stack(&mut self, i: usize, h: &Tensor) {
        let (t, e2) = (self.sizes.t as usize, self.sizes.e2 as usize);
        // SAFETY: as in `embed`
        unsafe {
            let (h, hidden) = (values::<f32>(h), values_mut::<f32>(&mut self.hidden));
            for (r, row) in h.chunks_exact(e2).enumerate() {
                let at = (r * t + i) * e2;
                hidden[at..at + e2].copy_from_slice(row);
            }
        }
    }

    /// `logits = self.lm_head(hidden)` (F.linear of a contiguous 3-D input: `addmm` on its b·t
    /// rows) and the loss; then its backward pass to `dhidden`, `dWh` and `dbh`. Returns the loss.
    fn head(&mut self, [wh, bh]: [&Tensor; 2], y: &Tensor, [dwh, dbh]: [&Tensor; 2]) -> Result<f64> {
        let _ = bh.f_addmm_out(&self.logits, &self.hidden, &wh.f_tr()?)?;
        // F.cross_entropy(logits.view(-1, V), targets.view(-1), ignore_index=-1)
        let ys = y.f_reshape([-1])?;
        let total_weight = ys.f_ne(-1)?.f_sum(Kind::Float)?;
        let targets = Targets { ys: &ys, ignore_index: -1, total_weight: &total_weight, one: &self.one };
        let loss = cross_entropy(&self.logits, &targets, [&self.logprobs, &self.dlogprobs, &self.dlogits])?;
        // AddmmBackward0: the bias's gradient summed to its shape; mat2 (W.T, column-major):
        // grad.t().mm(mat1).t(), which TBackward0 turns back; mat1: grad.mm(mat2.t())
        sum_rows(&self.dlogits, &dbh.f_view([1, -1])?)?;
        let _ = self.dlogits.f_tr()?.f_mm_out(dwh, &self.hidden)?;
        let _ = self.dlogits.f_mm_out(&self.dhidden, wh)?;
        Ok(loss.f_double_value(&[])?)
    }

    /// StackBackward0's part of step `i`'s state gradient into `dh` (b, n_embd2).
    fn dhidden(&self, i: usize, dh: &mut Tensor) {
        let (t, e2) = (self.sizes.t as usize, self.sizes.e2 as usize);
        // SAFETY: as in `embed`
        unsafe {
            let (dhidden, dh) = (values::<f32>(&self.dhidden), values_mut::<f32>(dh));
            for (r, row) in dh.chunks_exact_mut(e2).enumerate() {
                let at = (r * t + i) * e2;
                row.copy_from_slice(&dhidden[at..at + e2]);
            }
        }
    }

    /// CatBackward0: the input's part of `dxh` (b, n_embd + n_embd2) into `demb[:, i]`, or
    /// added to it (a second use of the same input).
    fn demb(&mut self, i: usize, dxh: &Tensor, add: bool) {
        let Sizes { t, e, e2, .. } = self.sizes;
        let (t, e, e2) = (t as usize, e as usize, e2 as usize);
        // SAFETY: as in `embed`
        unsafe {
            let (dxh, demb) = (values::<f32>(dxh), values_mut::<f32>(&mut self.demb));
            for (r, row) in dxh.chunks_exact(e + e2).enumerate() {
                let at = (r * t + i) * e;
                let (to, from) = (&mut demb[at..at + e], &row[..e]);
                match add {
                    false => to.copy_from_slice(from),
                    true => to.iter_mut().zip(from).for_each(|(d, &g)| *d += g),
                }
            }
        }
    }

    /// ExpandBackward0 of `start.expand(b, -1)`: `dhprev` summed over the batch into `dstart`
    /// (`sum_to`, which leaves a batch of one as it is); then EmbeddingBackward0 into `dwte`.
    fn finish(&self, x: &Tensor, dhprev: &Tensor, grads: &mut [Tensor]) -> Result<()> {
        let [dstart, dwte, ..] = grads else { unreachable!("start's and wte's gradients first") };
        match self.sizes.b {
            1 => dstart.f_copy_(dhprev)?,
            _ => sum_rows(dhprev, dstart)?,
        }
        let grad = Tensor::f_embedding_dense_backward(&self.demb, x, self.sizes.v, -1, false)?;
        dwte.f_copy_(&grad)?;
        Ok(())
    }
}

/// Row `row` of a (b, n) state, or of `start` (1, n) expanded over the batch.
fn row_of(h: &[f32], row: usize, n: usize) -> &[f32] {
    if h.len() == n { h } else { &h[row * n..(row + 1) * n] }
}

/// `a += b`, elementwise: one float32 addition per value (autograd's accumulation).
fn add_into(a: &mut Tensor, b: &Tensor) {
    unsafe { values_mut::<f32>(a).iter_mut().zip(values::<f32>(b)).for_each(|(a, &b)| *a += b) }
}

/// `dh += dxh[:, n_embd:]`: CatBackward0's hprev part of `dxh` (b, n_embd + n_embd2) added to
/// `dh` (b, n_embd2), one float32 addition per value.
fn add_hprev_part(dh: &mut Tensor, dxh: &Tensor) {
    let (e2, width) = (dh.size()[1] as usize, dxh.size()[1] as usize);
    // SAFETY: contiguous float32 buffers of `new`, of as many rows
    unsafe {
        let (dh, dxh) = (values_mut::<f32>(dh), values::<f32>(dxh));
        for (row, from) in dh.chunks_exact_mut(e2).zip(dxh.chunks_exact(width)) {
            row.iter_mut().zip(&from[width - e2..]).for_each(|(d, &g)| *d += g);
        }
    }
}

/// A cell Linear's parameters (`weight` (n_embd2, n_embd + n_embd2) and `bias`), and its
/// gradients summed over the steps.
struct CellLinear {
    w: Tensor,
    wt: Tensor,
    bias: Tensor,
    dw: Tensor,
    db: Tensor,
}

impl CellLinear {
    fn new([w, bias]: [Tensor; 2], [dw, db]: [&Tensor; 2]) -> Result<CellLinear> {
        Ok(CellLinear { wt: w.f_tr()?, w, bias, dw: dw.shallow_clone(), db: db.f_view([1, -1])? })
    }

    /// `F.linear(x, W, b)` for a 2-D input: `addmm(b, x, W.T)`, into `out`.
    fn forward(&self, x: &Tensor, out: &Tensor) -> Result<()> {
        let _ = self.bias.f_addmm_out(out, x, &self.wt)?;
        Ok(())
    }

    /// AddmmBackward0 of the step whose input was `x`, from `da`: the bias's and the weight's
    /// gradients (into the sums, or starting them at the last step), and `dx` (`da @ W`).
    /// `db_step` (1, n_embd2) and `dw_step` (n_embd2, n_embd + n_embd2) are scratch.
    fn backward(
        &mut self,
        da: &Tensor,
        x: &Tensor,
        dx: &Tensor,
        last: bool,
        [db_step, dw_step]: [&mut Tensor; 2],
    ) -> Result<()> {
        if last {
            sum_rows(da, &self.db)?;
            let _ = da.f_tr()?.f_mm_out(&self.dw, x)?;
        } else {
            sum_rows(da, db_step)?;
            let _ = da.f_tr()?.f_mm_out(dw_step, x)?;
            add_into(&mut self.db, db_step);
            add_into(&mut self.dw, dw_step);
        }
        let _ = da.f_mm_out(dx, &self.w)?;
        Ok(())
    }
}

/// The GRU cell's Linears for one batch: `xh_to_z`, `xh_to_r` and `xh_to_hbar`.
struct Gates {
    z: CellLinear,
    r: CellLinear,
    hbar: CellLinear,
}

/// A recurrent network's step for one batch's sizes: its buffers, its forward and backward pass.
pub(crate) trait Recurrent: Sized {
    /// Buffers for batches of these sizes.
    fn new(s: Sizes) -> Result<Self>;
    /// The forward and backward passes for the batch `x` with targets `y`: the loss; the
    /// gradients in [`grads`](Self::grads).
    fn minibatch(&mut self, params: &[Tensor], x: &Tensor, y: &Tensor) -> Result<f64>;
    /// The gradients, in the parameters' order.
    fn grads(&self) -> &[Tensor];
}

/// The written-out step of `makemore run --type rnn` ([`RnnStep`]) or `gru` ([`GruStep`]): the
/// buffers are allocated by the first batch, and again for a batch of other sizes.
pub(crate) struct Written<C> {
    sizes: Sizes,
    cell: Option<C>,
}

/// The vanilla RNN's written-out step.
pub(crate) type RnnStep = Written<RnnBackprop>;
/// The GRU's written-out step.
pub(crate) type GruStep = Written<GruBackprop>;

impl<C> Default for Written<C> {
    fn default() -> Self {
        Written { sizes: Sizes::default(), cell: None }
    }
}

impl<C: Recurrent> WrittenStep for Written<C> {
    fn step(&mut self, params: &[Tensor], x: &Tensor, y: &Tensor) -> Result<(f64, &[Tensor])> {
        let sizes = Sizes::of(x, params)?;
        if self.cell.is_none() || self.sizes != sizes {
            self.cell = Some(C::new(sizes)?);
            self.sizes = sizes;
        }
        let cell = self.cell.as_mut().expect("allocated above");
        let loss = tch::no_grad(|| cell.minibatch(params, x, y))?;
        Ok((loss, cell.grads()))
    }
}

/// `steps` buffers of `shape`, one per time step.
fn per_step(steps: i64, shape: &[i64]) -> Result<Vec<Tensor>> {
    (0..steps).map(|_| buffer(shape)).collect()
}

/// The vanilla RNN's training step, its backward pass written out.
pub(crate) struct RnnBackprop {
    seq: Sequence,
    /// For each step, `xh = cat([emb[:, i], hprev], 1)` (b, n_embd + n_embd2) and `h` (b, n_embd2).
    xh: Vec<Tensor>,
    h: Vec<Tensor>,
    /// One step's pre-activation, `dh`, `da` (b, n_embd2) and `dxh` (b, n_embd + n_embd2);
    /// scratch for a step's bias and weight gradients.
    a: Tensor,
    dh: Tensor,
    da: Tensor,
    dxh: Tensor,
    db_step: Tensor,
    dw_step: Tensor,
    /// The gradients in the parameters' order: `start`, `wte.weight`, `cell.xh_to_h.weight`,
    /// `cell.xh_to_h.bias`, `lm_head.weight`, `lm_head.bias`.
    grads: Vec<Tensor>,
}

impl RnnBackprop {
    /// The parameters' shapes: `start`, `wte.weight`, `cell.xh_to_h`'s weight and bias,
    /// `lm_head`'s.
    fn shapes(s: Sizes) -> [Vec<i64>; 6] {
        let Sizes { e, e2, v, .. } = s;
        [vec![1, e2], vec![v, e], vec![e2, e + e2], vec![e2], vec![v, e2], vec![v]]
    }
}

impl Recurrent for RnnBackprop {
    fn new(s: Sizes) -> Result<RnnBackprop> {
        let Sizes { b, t, e, e2, .. } = s;
        Ok(RnnBackprop {
            seq: Sequence::new(s)?,
            xh: per_step(t, &[b, e + e2])?,
            h: per_step(t, &[b, e2])?,
            a: buffer(&[b, e2])?,
            dh: buffer(&[b, e2])?,
            da: buffer(&[b, e2])?,
            dxh: buffer(&[b, e + e2])?,
            db_step: buffer(&[1, e2])?,
            dw_step: buffer(&[e2, e + e2])?,
            grads: RnnBackprop::shapes(s).iter().map(|s| buffer(s)).collect::<Result<_>>()?,
        })
    }

    fn grads(&self) -> &[Tensor] {
        &self.grads
    }

    fn minibatch(&mut self, params: &[Tensor], x: &Tensor, y: &Tensor) -> Result<f64> {
        let Sizes { t, e, e2, .. } = self.seq.sizes;
        let [start, wte, w, bias, wh, bh] = parameters(params, &RnnBackprop::shapes(self.seq.sizes))?;
        let (e, t) = (e as usize, t as usize);
        let mut cell = CellLinear::new([w, bias], [&self.grads[2], &self.grads[3]])?;
        self.seq.embed(x, &wte)?;
        for i in 0..t {
            // xh = torch.cat([xt, hprev], dim=1); ht = F.tanh(self.xh_to_h(xh))
            self.seq.cat(i, if i == 0 { &start } else { &self.h[i - 1] }, &mut self.xh[i]);
            cell.forward(&self.xh[i], &self.a)?;
            let _ = self.a.f_tanh_out(&self.h[i])?;
            self.seq.stack(i, &self.h[i]);
        }
        let loss = self.seq.head([&wh, &bh], y, [&self.grads[4], &self.grads[5]])?;
        for i in (0..t).rev() {
            // h's gradient: the stack's, plus the next step's (CatBackward0's hprev part)
            self.seq.dhidden(i, &mut self.dh);
            if i + 1 < t {
                add_hprev_part(&mut self.dh, &self.dxh);
            }
            let _ = Tensor::f_tanh_backward_grad_input(&self.da, &self.dh, &self.h[i])?;
            cell.backward(&self.da, &self.xh[i], &self.dxh, i + 1 == t, [&mut self.db_step, &mut self.dw_step])?;
            self.seq.demb(i, &self.dxh, false);
        }
        self.seq.finish(x, &self.dxh.f_narrow(1, e as i64, e2)?, &mut self.grads)?;
        Ok(loss)
    }
}

/// The GRU's training step, its backward pass written out.
pub(crate) struct GruBackprop {
    seq: Sequence,
    /// For each step: `xh = cat([x, hprev])`, `xhr = cat([x, r * hprev])` (b, n_embd + n_embd2),
    /// the gates `r`, `z`, the candidate `hbar` and the new state `h` (b, n_embd2).
    xh: Vec<Tensor>,
    xhr: Vec<Tensor>,
    r: Vec<Tensor>,
    z: Vec<Tensor>,
    hbar: Vec<Tensor>,
    h: Vec<Tensor>,
    /// (b, n_embd2): a pre-activation, `r * hprev`; `dh` (the state's gradient), `dprev` (the
    /// previous state's, being summed), `dz`, `dhbar`, `dr` and the pre-activations' `daz`,
    /// `dahbar`, `dar`.
    a: Tensor,
    hr: Tensor,
    dh: Tensor,
    dprev: Tensor,
    dz: Tensor,
    dhbar: Tensor,
    dr: Tensor,
    daz: Tensor,
    dahbar: Tensor,
    dar: Tensor,
    /// (b, n_embd + n_embd2): `dxh` (the z gate's part, then the r gate's added), the r gate's
    /// part, and `dxhr`; scratch for a step's bias and weight gradients.
    dxh: Tensor,
    dxh_r: Tensor,
    dxhr: Tensor,
    db_step: Tensor,
    dw_step: Tensor,
    /// The gradients in the parameters' order: `start`, `wte.weight`, then `weight` and `bias`
    /// of `cell.xh_to_z`, `cell.xh_to_r`, `cell.xh_to_hbar` and `lm_head`.
    grads: Vec<Tensor>,
}

impl GruBackprop {
    /// The parameters' shapes: `start`, `wte.weight`, the weight and bias of `cell.xh_to_z`,
    /// `cell.xh_to_r`, `cell.xh_to_hbar` and `lm_head`.
    fn shapes(s: Sizes) -> [Vec<i64>; 10] {
        let Sizes { e, e2, v, .. } = s;
        let (w, b) = (vec![e2, e + e2], vec![e2]);
        [vec![1, e2], vec![v, e], w.clone(), b.clone(), w.clone(), b.clone(), w, b, vec![v, e2], vec![v]]
    }

    /// Step `i` of the forward pass, from the state before it (`start` for the first).
    fn forward(&mut self, i: usize, start: &Tensor, gates: &Gates) -> Result<()> {
        let e2 = self.seq.sizes.e2 as usize;
        let hprev = if i == 0 { start } else { &self.h[i - 1] };
        // xh = torch.cat([xt, hprev], dim=1); r = F.sigmoid(self.xh_to_r(xh)); hprev_reset = r * hprev
        self.seq.cat(i, hprev, &mut self.xh[i]);
        gates.r.forward(&self.xh[i], &self.a)?;
        let _ = self.a.f_sigmoid_out(&self.r[i])?;
        // SAFETY (this block, the one below, and those of `backward`): contiguous float32
        // buffers of `new` (or `start`, 1 × n_embd2, read for every row), each (b, n_embd2);
        // those written are read by nothing else meanwhile.
        unsafe {
            let (r, hp, hr) = (values::<f32>(&self.r[i]), values::<f32>(hprev), values_mut::<f32>(&mut self.hr));
            for (row, (hr, r)) in hr.chunks_exact_mut(e2).zip(r.chunks_exact(e2)).enumerate() {
                let hp = row_of(hp, row, e2);
                (0..e2).for_each(|k| hr[k] = r[k] * hp[k]);
            }
        }
        // xhr = torch.cat([xt, hprev_reset], dim=1); hbar = F.tanh(self.xh_to_hbar(xhr))
        self.seq.cat(i, &self.hr, &mut self.xhr[i]);
        gates.hbar.forward(&self.xhr[i], &self.a)?;
        let _ = self.a.f_tanh_out(&self.hbar[i])?;
        // z = F.sigmoid(self.xh_to_z(xh)); hnext = (1 - z) * hprev + z * hbar
        gates.z.forward(&self.xh[i], &self.a)?;
        let _ = self.a.f_sigmoid_out(&self.z[i])?;
        let (before, from_here) = self.h.split_at_mut(i);
        let hprev = if i == 0 { start } else { &before[i - 1] };
        unsafe {
            let (z, hbar, hp) = (values::<f32>(&self.z[i]), values::<f32>(&self.hbar[i]), values::<f32>(hprev));
            let h = values_mut::<f32>(&mut from_here[0]);
            for (row, h) in h.chunks_exact_mut(e2).enumerate() {
                let (hp, at) = (row_of(hp, row, e2), row * e2);
                (0..e2).for_each(|k| h[k] = (1.0 - z[at + k]) * hp[k] + z[at + k] * hbar[at + k]);
            }
        }
        self.seq.stack(i, &self.h[i]);
        Ok(())
    }

    /// Step `i` of the backward pass, from the gradient of its state in `dh`: the gradients of
    /// its gates (added into their sums), of its input's embeddings, and of the state before
    /// it, left in `dh` for step `i - 1`.
    fn backward(&mut self, i: usize, start: &Tensor, gates: &mut Gates) -> Result<()> {
        let Sizes { t, e, e2, .. } = self.seq.sizes;
        let (t, e, e2) = (t as usize, e as usize, e2 as usize);
        let last = i + 1 == t;
        let hprev = if i == 0 { start } else { &self.h[i - 1] };
        // the previous state's gradient: the stack's first (StackBackward0 runs before all)
        if i > 0 {
            self.seq.dhidden(i - 1, &mut self.dprev);
        }
        // MulBackward0 (z * hbar): dz = dh * hbar, dhbar = dh * z; MulBackward0 ((1 - z) * hprev):
        // d(1 - z) = dh * hprev, dhprev (+)= dh * (1 - z); RsubBackward1: dz += -d(1 - z)
        // (SAFETY, here and below: as in `forward`)
        unsafe {
            let (dh, z, hbar, hp) = (
                values::<f32>(&self.dh),
                values::<f32>(&self.z[i]),
                values::<f32>(&self.hbar[i]),
                values::<f32>(hprev),
            );
            let (dz, dhbar) = (values_mut::<f32>(&mut self.dz), values_mut::<f32>(&mut self.dhbar));
            let dprev = values_mut::<f32>(&mut self.dprev);
            for row in 0..dh.len() / e2 {
                let hp = row_of(hp, row, e2);
                for (k, &hp) in (row * e2..(row + 1) * e2).zip(hp) {
                    dz[k] = dh[k] * hbar[k];
                    dhbar[k] = dh[k] * z[k];
                    let from_prev = dh[k] * (1.0 - z[k]);
                    dprev[k] = if i > 0 { dprev[k] + from_prev } else { from_prev };
                    dz[k] += -(dh[k] * hp);
                }
            }
        }
        // SigmoidBackward0 and xh_to_z's AddmmBackward0 (dxh: its part first)
        let _ = Tensor::f_sigmoid_backward_grad_input(&self.daz, &self.dz, &self.z[i])?;
        gates.z.backward(&self.daz, &self.xh[i], &self.dxh, last, [&mut self.db_step, &mut self.dw_step])?;
        // TanhBackward0 and xh_to_hbar's AddmmBackward0; CatBackward0 (xhr): x's first part
        let _ = Tensor::f_tanh_backward_grad_input(&self.dahbar, &self.dhbar, &self.hbar[i])?;
        gates.hbar.backward(&self.dahbar, &self.xhr[i], &self.dxhr, last, [&mut self.db_step, &mut self.dw_step])?;
        self.seq.demb(i, &self.dxhr, false);
        // MulBackward0 (r * hprev): dr = dhr * hprev, dhprev += dhr * r
        unsafe {
            let (dxhr, r, hp) = (values::<f32>(&self.dxhr), values::<f32>(&self.r[i]), values::<f32>(hprev));
            let (dr, dprev) = (values_mut::<f32>(&mut self.dr), values_mut::<f32>(&mut self.dprev));
            let width = e + e2;
            for row in 0..dr.len() / e2 {
                let (hp, dhr) = (row_of(hp, row, e2), &dxhr[row * width + width - e2..(row + 1) * width]);
                for ((k, &hp), &dhr) in (row * e2..(row + 1) * e2).zip(hp).zip(dhr) {
                    dr[k] = dhr * hp;
                    dprev[k] += dhr * r[k];
                }
            }
        }
        // SigmoidBackward0 and xh_to_r's AddmmBackward0 (dxh: its part added); CatBackward0 (xh)
        let _ = Tensor::f_sigmoid_backward_grad_input(&self.dar, &self.dr, &self.r[i])?;
        gates.r.backward(&self.dar, &self.xh[i], &self.dxh_r, last, [&mut self.db_step, &mut self.dw_step])?;
        add_into(&mut self.dxh, &self.dxh_r);
        self.seq.demb(i, &self.dxh, true);
        add_hprev_part(&mut self.dprev, &self.dxh);
        std::mem::swap(&mut self.dh, &mut self.dprev);
        Ok(())
    }
}

impl Recurrent for GruBackprop {
    fn new(s: Sizes) -> Result<GruBackprop> {
        let Sizes { b, t, e, e2, .. } = s;
        let f = buffer;
        Ok(GruBackprop {
            seq: Sequence::new(s)?,
            xh: per_step(t, &[b, e + e2])?,
            xhr: per_step(t, &[b, e + e2])?,
            r: per_step(t, &[b, e2])?,
            z: per_step(t, &[b, e2])?,
            hbar: per_step(t, &[b, e2])?,
            h: per_step(t, &[b, e2])?,
            a: f(&[b, e2])?,
            hr: f(&[b, e2])?,
            dh: f(&[b, e2])?,
            dprev: f(&[b, e2])?,
            dz: f(&[b, e2])?,
            dhbar: f(&[b, e2])?,
            dr: f(&[b, e2])?,
            daz: f(&[b, e2])?,
            dahbar: f(&[b, e2])?,
            dar: f(&[b, e2])?,
            dxh: f(&[b, e + e2])?,
            dxh_r: f(&[b, e + e2])?,
            dxhr: f(&[b, e + e2])?,
            db_step: f(&[1, e2])?,
            dw_step: f(&[e2, e + e2])?,
            grads: GruBackprop::shapes(s).iter().map(|s| f(s)).collect::<Result<_>>()?,
        })
    }

    fn grads(&self) -> &[Tensor] {
        &self.grads
    }

    fn minibatch(&mut self, params: &[Tensor], x: &Tensor, y: &Tensor) -> Result<f64> {
        let t = self.seq.sizes.t as usize;
        let [start, wte, wz, bz, wr, br, whbar, bhbar, wh, bh] =
            parameters(params, &GruBackprop::shapes(self.seq.sizes))?;
        let g = &self.grads;
        let mut gates = Gates {
            z: CellLinear::new([wz, bz], [&g[2], &g[3]])?,
            r: CellLinear::new([wr, br], [&g[4], &g[5]])?,
            hbar: CellLinear::new([whbar, bhbar], [&g[6], &g[7]])?,
        };
        self.seq.embed(x, &wte)?;
        for i in 0..t {
            self.forward(i, &start, &gates)?;
        }
        let loss = self.seq.head([&wh, &bh], y, [&self.grads[8], &self.grads[9]])?;
        self.seq.dhidden(t - 1, &mut self.dh);
        for i in (0..t).rev() {
            self.backward(i, &start, &mut gates)?;
        }
        self.seq.finish(x, &self.dh, &mut self.grads)?;
        Ok(loss)
    }
}

#[cfg(test)]
mod tests {
    use tch::{Device, Kind, Reduction, Tensor};

    use crate::nn::Layer;
    use crate::zoo::{Init, Rnn, ZooConfig, ZooModel};

    /// The written-out steps against autograd (the model's forward pass and `loss.backward()`),
    /// bit for bit: the loss and every gradient, on small sizes (a batch of 1 and 3, a state of 1
    /// and 5, 1 and 4 steps, targets past the end ignored).
    #[test]
    fn the_written_steps_give_autograds_gradients() {
        let options = (Kind::Int64, Device::Cpu);
        for gru in [false, true] {
            for (b, e2, t) in [(1, 1, 1), (1, 5, 4), (3, 1, 4), (3, 5, 1), (3, 5, 4)] {
                let cfg = ZooConfig { block_size: t, vocab_size: 6, n_layer: 1, n_embd: 2, n_embd2: e2, n_head: 1 };
                let mut model = Rnn::with_cell(&cfg, Init::Draw, gru).unwrap();
                let x = Tensor::randint(6, [b, t as i64], options);
                let y = Tensor::randint(6, [b, t as i64], options);
                if t > 1 {
                    let _ = y.narrow(1, t as i64 - 1, 1).narrow(0, 0, 1).fill_(-1);
                }
                let logits = model.forward(&x).unwrap().view([-1, 6]);
                let loss = logits.cross_entropy_loss::<Tensor>(&y.view([-1]), None, Reduction::Mean, -1, 0.0);
                loss.backward();
                let params: Vec<Tensor> = model.parameters().into_iter().map(|(_, p)| p).collect();
                let mut step = model.written_step().unwrap();
                let (written_loss, grads) = step.step(&params, &x, &y).unwrap();
                let what = format!("gru {gru}, b {b}, n_embd2 {e2}, t {t}");
                assert_eq!(written_loss, loss.double_value(&[]), "{what}: the loss");
                for ((name, p), g) in model.parameters().iter().zip(grads) {
                    let bits = |t: &Tensor| {
                        Vec::<f32>::try_from(t.flatten(0, -1)).unwrap().iter().map(|x| x.to_bits()).collect::<Vec<_>>()
                    };
                    assert_eq!(bits(g), bits(&p.grad()), "{what}: {name}'s gradient");
                }
            }
        }
    }
}
