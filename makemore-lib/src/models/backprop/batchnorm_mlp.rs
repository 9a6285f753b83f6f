//! Lecture 3's BatchNorm MLP trained with its backward pass written out: the libtorch calls that
//! `loss.backward()` makes for cell 7's graph, with the formulas of PyTorch's `derivatives.yaml`,
//! in autograd's order, so the values are autograd's bit for bit (the doctest of
//! [`BatchNormMlp::autograd_run`](crate::BatchNormMlp::autograd_run), tests/batchnorm.rs). Each
//! gradient is named as lecture 4 names it.
//!
//! ```text
//! hprebn = embcat @ W1;  bnmeani = hprebn.mean(0);  bnstdi = hprebn.std(0)
//! bndiff = hprebn - bnmeani;  hpreact = bngain * bndiff / bnstdi + bnbias;  h = torch.tanh(hpreact)
//! logits = h @ W2 + b2;  loss = F.cross_entropy(logits, Yb)
//! dlogits                                         NllLossBackward0, LogSoftmaxBackward0
//! db2 = dlogits.sum(0); dh = dlogits @ W2.T; dW2 = h.T @ dlogits
//! dhpreact = (1 - h**2) * dh;  dbnbias = dhpreact.sum(0)
//! dscaled = dhpreact / bnstdi;  dbnstdi = (-dhpreact * bngain * bndiff / bnstdi**2).sum(0)
//! dbngain = (dscaled * bndiff).sum(0);  dbndiff = dscaled * bngain;  dbnmeani = (-dbndiff).sum(0)
//! dhprebn = dbndiff + dbnstdi / (2 bnstdi) * 2/(n-1) * bndiff + dbnmeani / n   StdBackward0, MeanBackward1
//! dembcat = dhprebn @ W1.T; dW1 = embcat.T @ dhprebn; dC[Xb[k, j]] += demb[k, j]
//! ```
//!
//! Reductions, matrix products, `tanh` and the loss are libtorch's calls; the elementwise
//! arithmetic (one IEEE float32 operation per value, which libtorch's kernels round the same way)
//! is done here in Rust, on buffers allocated once, as are the gathers and the update.

use tch::{Kind, Reduction, Tensor};

use super::{
    Minibatch, aliases, buffer, column_variance, minibatch_indices, sgd_in_place, sum_rows, update_running, values,
    values_mut,
};
use crate::error::Result;
use crate::models::batchnorm_mlp::{KEEP, MOMENTUM, hpreact, output, zero_std_check};
use crate::models::network::on_one_thread;
use crate::train::examples::Examples;
use crate::train::trainer::Step;

/// Lecture 3's training step, its backward pass written out (the engine runs the node created
/// last first, so `hprebn`'s gradient adds the subtraction's contribution, then the std's, then
/// the mean's).
pub(crate) struct BatchNormBackprop {
    mb: Minibatch,
    /// `[C, W1, W2, b2, bngain, bnbias]` and `[bnmean_running, bnstd_running]` (detached
    /// aliases of the network's: updated in place).
    p: [Tensor; 6],
    running: [Tensor; 2],
    /// `W1.T`, `W2.T`, `embcat.T`, `h.T` (views).
    w1t: Tensor,
    w2t: Tensor,
    embcatt: Tensor,
    ht: Tensor,
    /// batch × hidden: `hprebn`, `bndiff = hprebn - bnmeani`, `scaled = bngain * bndiff`, `h`
    /// (`hpreact`, then its tanh, in place), and the backward pass's `dh`, `dhpreact`, `dscaled`,
    /// `dhprebn`, and a buffer for what a reduction sums.
    hprebn: Tensor,
    bndiff: Tensor,
    scaled: Tensor,
    h: Tensor,
    dh: Tensor,
    dhpreact: Tensor,
    dscaled: Tensor,
    dhprebn: Tensor,
    work: Tensor,
    /// batch × vocabulary: the logits, log_softmax, and their gradients.
    logits: Tensor,
    logprobs: Tensor,
    dlogprobs: Tensor,
    dlogits: Tensor,
    /// batch × (context · embedding): `dembcat`, which is `demb` viewed as the embeddings.
    dembcat: Tensor,
    /// `[dC, dW1, dW2, db2, dbngain, dbnbias]` (the biases' as 1 × n, as `sum_to` leaves them),
    /// and `dbnstdi`, `dbnmeani` (1 × hidden).
    grads: [Tensor; 6],
    dbnstdi: Tensor,
    dbnmeani: Tensor,
    /// The minibatch's std (1 × hidden), `hprebn.std(0, keepdim=True)`.
    bnstdi: Tensor,
    /// var_backward's factor 2 / (n − 1), n the batch, as libtorch rounds it (float32).
    var_scale: f32,
}

impl BatchNormBackprop {
    /// A step for the parameters `[C, W1, W2, b2, bngain, bnbias]` and the running statistics
    /// `[bnmean_running, bnstd_running]` (contiguous float32), on minibatches of `batch` of the
    /// examples `xs` (n × context) and `ys`.
    pub(crate) fn new(
        params: &[Tensor; 6],
        running: &[Tensor; 2],
        xs: &Tensor,
        ys: &Tensor,
        batch: usize,
    ) -> Result<BatchNormBackprop> {
        let (p, running) = (aliases(params)?, aliases(running)?);
        let (e, h) = (p[0].size()[1], p[1].size()[1]);
        let (b, v, k) = (batch as i64, p[0].size()[0], p[1].size()[0]);
        let f = buffer;
        let mb = Minibatch::new(xs, ys, batch, e as usize)?;
        let hbuf = f(&[b, h])?;
        Ok(BatchNormBackprop {
            w1t: p[1].f_tr()?,
            w2t: p[2].f_tr()?,
            embcatt: mb.emb.f_tr()?,
            mb,
            ht: hbuf.f_tr()?,
            h: hbuf,
            hprebn: f(&[b, h])?,
            bndiff: f(&[b, h])?,
            scaled: f(&[b, h])?,
            dh: f(&[b, h])?,
            dhpreact: f(&[b, h])?,
            dscaled: f(&[b, h])?,
            dhprebn: f(&[b, h])?,
            work: f(&[b, h])?,
            logits: f(&[b, v])?,
            logprobs: f(&[b, v])?,
            dlogprobs: f(&[b, v])?,
            dlogits: f(&[b, v])?,
            dembcat: f(&[b, k])?,
            grads: [f(&[v, e])?, f(&[k, h])?, f(&[h, v])?, f(&[1, v])?, f(&[1, h])?, f(&[1, h])?],
            dbnstdi: f(&[1, h])?,
            dbnmeani: f(&[1, h])?,
            bnstdi: f(&[1, h])?,
            var_scale: (2.0 / (batch as f64 - 1.0)) as f32,
            p,
            running,
        })
    }

    /// One step on the minibatch `ix` at learning rate `lr`; returns the loss.
    fn minibatch(&mut self, ix: &Tensor, lr: f64) -> Result<f32> {
        let [c, w1, w2, b2, bngain, bnbias] = &self.p;
        self.mb.gather(ix, c)?;
        // hpreact = embcat @ W1; bnmeani = hpreact.mean(0, keepdim=True); bnstdi = hpreact.std(0, keepdim=True)
        let _ = self.mb.emb.f_mm_out(&self.hprebn, w1)?;
        let bnmeani = self.hprebn.f_mean_dim(0, true, None::<Kind>)?;
        let hidden = bnmeani.numel();
        // SAFETY: hprebn (batch × hidden) and bnstdi (1 × hidden) are contiguous float32 buffers of `new`
        unsafe { column_variance(values::<f32>(&self.hprebn), hidden, values_mut::<f32>(&mut self.bnstdi), true) };
        let bnstdi = &self.bnstdi;
        zero_std_check(bnstdi, self.mb.ix.len() as i64)?;
        // SAFETY (every block below): these are contiguous float32 CPU tensors, allocated in
        // `new` or just returned by libtorch (the parameters checked in `new`), of the sizes
        // the loops assume; the slices written are of buffers nothing else reads meanwhile.
        unsafe {
            let (mean, std) = (values::<f32>(&bnmeani), values::<f32>(bnstdi));
            let (gain, bias) = (values::<f32>(bngain), values::<f32>(bnbias));
            let hprebn = values::<f32>(&self.hprebn);
            let (bndiff, scaled) = (values_mut::<f32>(&mut self.bndiff), values_mut::<f32>(&mut self.scaled));
            let h = values_mut::<f32>(&mut self.h);
            for i in 0..hprebn.len() {
                let k = i % hidden;
                bndiff[i] = hprebn[i] - mean[k]; // hpreact - bnmeani
                scaled[i] = gain[k] * bndiff[i]; // bngain * (...)
                h[i] = scaled[i] / std[k] + bias[k]; // ... / bnstdi + bnbias
            }
            // bnmean_running = 0.999 * bnmean_running + 0.001 * bnmeani (and the std)
            for (running, batch) in self.running.iter_mut().zip([mean, std]) {
                update_running(running, batch, KEEP as f32, MOMENTUM as f32);
            }
        }
        // h = torch.tanh(hpreact); logits = h @ W2 + b2; loss = F.cross_entropy(logits, Yb)
        let _ = self.h.f_tanh_()?;
        let _ = self.h.f_mm_out(&self.logits, w2)?;
        let _ = self.logits.f_add_(b2)?;
        let loss = self.mb.cross_entropy(&self.logits, &self.logprobs, &self.dlogprobs, &self.dlogits)?;
        let [dc, dw1, dw2, db2, dbngain, dbnbias] = &mut self.grads;
        // AddBackward0 (+ b2): sum_to the bias's shape; MmBackward0 (h @ W2)
        sum_rows(&self.dlogits, db2)?;
        let _ = self.dlogits.f_mm_out(&self.dh, &self.w2t)?;
        let _ = self.ht.f_mm_out(&*dw2, &self.dlogits)?;
        // TanhBackward0; AddBackward0 (+ bnbias): sum_to (1, hidden)
        let _ = Tensor::f_tanh_backward_grad_input(&self.dhpreact, &self.dh, &self.h)?;
        sum_rows(&self.dhpreact, dbnbias)?;
        // DivBackward0 (scaled / bnstdi): grad / other for self; -grad * ((self / other) / other),
        // summed to (1, hidden), for other
        unsafe {
            let std = values::<f32>(bnstdi);
            let (dhpreact, scaled) = (values::<f32>(&self.dhpreact), values::<f32>(&self.scaled));
            let (dscaled, work) = (values_mut::<f32>(&mut self.dscaled), values_mut::<f32>(&mut self.work));
            for i in 0..dhpreact.len() {
                let k = i % hidden;
                dscaled[i] = dhpreact[i] / std[k];
                work[i] = -dhpreact[i] * ((scaled[i] / std[k]) / std[k]);
            }
        }
        sum_rows(&self.work, &self.dbnstdi)?;
        // MulBackward0 (bngain * bndiff): grad * other, summed to (1, hidden), for bngain
        unsafe {
            let (dscaled, bndiff) = (values::<f32>(&self.dscaled), values::<f32>(&self.bndiff));
            for (w, (&d, &c)) in values_mut::<f32>(&mut self.work).iter_mut().zip(dscaled.iter().zip(bndiff)) {
                *w = d * c;
            }
        }
        sum_rows(&self.work, dbngain)?;
        // ... and grad * self for bndiff; SubBackward0 (hpreact - bnmeani): grad for hpreact,
        // -grad summed to (1, hidden) for bnmeani
        unsafe {
            let (gain, dscaled) = (values::<f32>(bngain), values::<f32>(&self.dscaled));
            let (dbndiff, work) = (values_mut::<f32>(&mut self.dhprebn), values_mut::<f32>(&mut self.work));
            for i in 0..dscaled.len() {
                dbndiff[i] = dscaled[i] * gain[i % hidden];
                work[i] = -dbndiff[i];
            }
        }
        sum_rows(&self.work, &self.dbnmeani)?;
        // StdBackward0: var_backward(grad / (result * 2)) = (2/(n-1) * grad_var) * (x - x.mean(0));
        // MeanBackward1: grad expanded over the batch, divided by n. hpreact's gradient is
        // the subtraction's, plus the std's, plus the mean's.
        unsafe {
            let (std, dbnstdi, dbnmeani) =
                (values::<f32>(bnstdi), values::<f32>(&self.dbnstdi), values::<f32>(&self.dbnmeani));
            let bndiff = values::<f32>(&self.bndiff);
            let n = self.mb.ix.len() as f32;
            for (i, d) in values_mut::<f32>(&mut self.dhprebn).iter_mut().enumerate() {
                let k = i % hidden;
                let grad_var = dbnstdi[k] / (std[k] * 2.0);
                *d = (*d + grad_var * self.var_scale * bndiff[i]) + dbnmeani[k] / n;
            }
        }
        // MmBackward0 (embcat @ W1); ViewBackward0, IndexBackward0
        let _ = self.embcatt.f_mm_out(&*dw1, &self.dhprebn)?;
        let _ = self.dhprebn.f_mm_out(&self.dembcat, &self.w1t)?;
        self.mb.embedding_grad(dc, &self.dembcat)?;
        // for p in parameters: p.data += -lr * p.grad
        sgd_in_place(&mut self.p, &self.grads, lr);
        Ok(loss.f_double_value(&[])? as f32)
    }
}

impl Step for BatchNormBackprop {
    fn step(&mut self, ix: Option<&Tensor>, lr: f64) -> Result<f32> {
        let ix = minibatch_indices(ix, "the BatchNorm MLP trains on minibatches")?;
        tch::no_grad(|| self.minibatch(ix, lr))
    }
    fn loss(&self, examples: &Examples) -> Result<f32> {
        let [mean, std] = &self.running;
        on_one_thread(|| {
            tch::no_grad(|| {
                let xs = examples.xs.f_view([-1, self.mb.shape3[1]])?;
                let logits = output(&self.p, &hpreact(&self.p, &xs)?, mean, std)?;
                let loss = logits.f_cross_entropy_loss::<Tensor>(&examples.ys, None, Reduction::Mean, -100, 0.0)?;
                Ok(loss.f_double_value(&[])? as f32)
            })
        })
    }
    /// The parameters and the running statistics: the best network is all of them.
    fn parameters(&self) -> Vec<Tensor> {
        self.p.iter().chain(&self.running).map(Tensor::shallow_clone).collect()
    }
}
