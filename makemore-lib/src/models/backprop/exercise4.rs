//! Lecture 4's exercise 4: the training step of [`ManualMlp`](crate::ManualMlp) with the
//! backward pass the lecture derives by hand, one line per gradient, under the lecture's names
//! and in its order (the formulas are in manual_mlp.rs's documentation). The products,
//! reductions, `tanh`, `softmax` and the loss are libtorch's calls, as the lecture's are; each
//! elementwise line is one IEEE float32 operation per value, written here in Rust and rounded as
//! libtorch's kernel rounds it, so the values are the lecture's loop's, bit for bit.

use tch::{Kind, Reduction, Tensor};

use super::{Minibatch, aliases, buffer, minibatch_indices, sgd_in_place, values, values_mut};
use crate::error::Result;
use crate::train::trainer::Step;

/// BatchNorm's ε: `(bnvar + 1e-5)**-0.5`.
const EPS: f32 = 1e-5;

/// Exercise 4's step on buffers allocated once, named as the lecture names its tensors.
pub(crate) struct Exercise4 {
    mb: Minibatch,
    /// `[C, W1, b1, W2, b2, bngain, bnbias]` (detached aliases of the network's: updated in place).
    p: [Tensor; 7],
    /// `W1.T`, `W2.T`, `embcat.T`, `h.T` (views).
    w1t: Tensor,
    w2t: Tensor,
    embcatt: Tensor,
    ht: Tensor,
    /// batch × hidden.
    hprebn: Tensor,
    bnraw: Tensor,
    h: Tensor,
    dh: Tensor,
    dhpreact: Tensor,
    dhprebn: Tensor,
    work: Tensor,
    /// 1 × hidden: `bnvar_inv`.
    bnvar_inv: Tensor,
    /// batch × vocabulary: the logits, `log_softmax(logits)` (the loss), `dlogits`.
    logits: Tensor,
    logprobs: Tensor,
    dlogits: Tensor,
    /// batch × (context · embedding): `dembcat`, which is `demb` viewed as batch × context × embedding.
    dembcat: Tensor,
    /// `[dC, dW1, db1, dW2, db2, dbngain, dbnbias]`, shaped as the parameters.
    grads: [Tensor; 7],
}

impl Exercise4 {
    /// A step for the parameters `[C, W1, b1, W2, b2, bngain, bnbias]` (contiguous float32), on
    /// minibatches of `batch` of the examples `xs` (n × context) and `ys`.
    pub(crate) fn new(params: &[Tensor; 7], xs: &Tensor, ys: &Tensor, batch: usize) -> Result<Exercise4> {
        let p = aliases(params)?;
        let (e, h) = (p[0].size()[1], p[1].size()[1]);
        let (b, v, k) = (batch as i64, p[0].size()[0], p[1].size()[0]);
        let f = buffer;
        let mb = Minibatch::new(xs, ys, batch, e as usize)?;
        let h_buf = f(&[b, h])?;
        Ok(Exercise4 {
            w1t: p[1].f_tr()?,
            w2t: p[3].f_tr()?,
            embcatt: mb.emb.f_tr()?,
            mb,
            ht: h_buf.f_tr()?,
            h: h_buf,
            hprebn: f(&[b, h])?,
            bnraw: f(&[b, h])?,
            dh: f(&[b, h])?,
            dhpreact: f(&[b, h])?,
            dhprebn: f(&[b, h])?,
            work: f(&[b, h])?,
            bnvar_inv: f(&[1, h])?,
            logits: f(&[b, v])?,
            logprobs: f(&[b, v])?,
            dlogits: f(&[b, v])?,
            dembcat: f(&[b, k])?,
            grads: [f(&[v, e])?, f(&[k, h])?, f(&[h])?, f(&[h, v])?, f(&[v])?, f(&[1, h])?, f(&[1, h])?],
            p,
        })
    }

    /// One step on the minibatch `ix` at learning rate `lr`; returns the loss. (Each `let _ =`
    /// drops a second handle to a buffer the call wrote into.)
    fn minibatch(&mut self, ix: &Tensor, lr: f64) -> Result<f32> {
        let [c, w1, b1, w2, b2, bngain, bnbias] = &self.p;
        let hidden = bngain.numel();
        let n = self.mb.ix.len();
        // Xb, Yb = Xtr[ix], Ytr[ix]; emb = C[Xb]; embcat = emb.view(emb.shape[0], -1)
        self.mb.gather(ix, c)?;
        // hprebn = embcat @ W1 + b1
        let _ = self.mb.emb.f_mm_out(&self.hprebn, w1)?;
        let _ = self.hprebn.f_add_(b1)?;
        // bnmean = hprebn.mean(0, keepdim=True); bnvar = hprebn.var(0, keepdim=True, unbiased=True)
        let bnmean = self.hprebn.f_mean_dim(0, true, None::<Kind>)?;
        let bnvar = self.hprebn.f_var_dim(0, true, true)?;
        // SAFETY (every block below): these are contiguous float32 CPU tensors, allocated in
        // `new` or just returned by libtorch (the parameters checked in `new`), of the sizes the
        // loops assume; the slices written are of buffers nothing else reads meanwhile.
        unsafe {
            // bnvar_inv = (bnvar + 1e-5)**-0.5   (libtorch's pow(-0.5) is 1 / sqrt)
            for (inv, &var) in values_mut::<f32>(&mut self.bnvar_inv).iter_mut().zip(values::<f32>(&bnvar)) {
                *inv = 1.0 / (var + EPS).sqrt();
            }
            let (mean, inv) = (values::<f32>(&bnmean), values::<f32>(&self.bnvar_inv));
            let (gain, bias) = (values::<f32>(bngain), values::<f32>(bnbias));
            let hprebn = values::<f32>(&self.hprebn);
            let (bnraw, h) = (values_mut::<f32>(&mut self.bnraw), values_mut::<f32>(&mut self.h));
            for i in 0..hprebn.len() {
                let k = i % hidden;
                bnraw[i] = (hprebn[i] - mean[k]) * inv[k]; // bnraw = (hprebn - bnmean) * bnvar_inv
                h[i] = gain[k] * bnraw[i] + bias[k]; // hpreact = bngain * bnraw + bnbias
            }
        }
        // h = torch.tanh(hpreact); logits = h @ W2 + b2; loss = F.cross_entropy(logits, Yb)
        let _ = self.h.f_tanh_()?;
        let _ = self.h.f_mm_out(&self.logits, w2)?;
        let _ = self.logits.f_add_(b2)?;
        let _ = self.logits.f_internal_log_softmax_out(&self.logprobs, 1, false)?;
        let loss = self.logprobs.f_nll_loss::<Tensor>(&self.mb.yb, None, Reduction::Mean, -100)?;

        let [dc, dw1, db1, dw2, db2, dbngain, dbnbias] = &mut self.grads;
        // dlogits = F.softmax(logits, 1); dlogits[range(n), Yb] -= 1; dlogits /= n
        let _ = self.logits.f_internal_softmax_out(&self.dlogits, 1, false)?;
        unsafe {
            let vocab = self.dlogits.size()[1] as usize;
            let (dlogits, yb) = (values_mut::<f32>(&mut self.dlogits), values::<i64>(&self.mb.yb));
            for (row, &y) in yb.iter().enumerate() {
                dlogits[row * vocab + y as usize] -= 1.0;
            }
            let n = n as f32;
            dlogits.iter_mut().for_each(|d| *d /= n);
        }
        // dh = dlogits @ W2.T; dW2 = h.T @ dlogits; db2 = dlogits.sum(0)
        let _ = self.dlogits.f_mm_out(&self.dh, &self.w2t)?;
        let _ = self.ht.f_mm_out(&*dw2, &self.dlogits)?;
        let _ = self.dlogits.f_sum_intlist_out(&*db2, [0i64].as_slice(), false, None::<Kind>)?;
        // dhpreact = (1.0 - h**2) * dh; and bnraw * dhpreact, to sum
        unsafe {
            let (h, dh, bnraw) = (values::<f32>(&self.h), values::<f32>(&self.dh), values::<f32>(&self.bnraw));
            let (dhpreact, work) = (values_mut::<f32>(&mut self.dhpreact), values_mut::<f32>(&mut self.work));
            for i in 0..h.len() {
                dhpreact[i] = (1.0 - h[i] * h[i]) * dh[i];
                work[i] = bnraw[i] * dhpreact[i];
            }
        }
        // dbngain = (bnraw * dhpreact).sum(0, keepdim=True); dbnbias = dhpreact.sum(0, keepdim=True)
        let sum_rows = |t: &Tensor, out: &Tensor| t.f_sum_intlist_out(out, [0i64].as_slice(), true, None::<Kind>);
        let _ = sum_rows(&self.work, dbngain)?;
        let _ = sum_rows(&self.dhpreact, dbnbias)?;
        // dhprebn = bngain*bnvar_inv/n * (n*dhpreact - dhpreact.sum(0) - n/(n-1)*bnraw*(dhpreact*bnraw).sum(0)):
        // dhpreact.sum(0) is dbnbias's sum and (dhpreact*bnraw).sum(0) dbngain's (the same
        // products, the same reduction); n/(n-1) is a Python float, which libtorch rounds to float32
        unsafe {
            let (gain, inv) = (values::<f32>(bngain), values::<f32>(&self.bnvar_inv));
            let (sum_d, sum_dr) = (values::<f32>(dbnbias), values::<f32>(dbngain));
            let (dhpreact, bnraw) = (values::<f32>(&self.dhpreact), values::<f32>(&self.bnraw));
            let (nf, bessel) = (n as f32, (n as f64 / (n as f64 - 1.0)) as f32);
            for (i, d) in values_mut::<f32>(&mut self.dhprebn).iter_mut().enumerate() {
                let k = i % hidden;
                *d = (gain[k] * inv[k] / nf) * ((nf * dhpreact[i] - sum_d[k]) - (bessel * bnraw[i]) * sum_dr[k]);
            }
        }
        // dembcat = dhprebn @ W1.T; dW1 = embcat.T @ dhprebn; db1 = dhprebn.sum(0)
        let _ = self.dhprebn.f_mm_out(&self.dembcat, &self.w1t)?;
        let _ = self.embcatt.f_mm_out(&*dw1, &self.dhprebn)?;
        let _ = self.dhprebn.f_sum_intlist_out(&*db1, [0i64].as_slice(), false, None::<Kind>)?;
        // demb = dembcat.view(emb.shape); dC = zeros_like(C); dC[Xb[k, j]] += demb[k, j], in order
        unsafe {
            let embedding = self.mb.shape3[2] as usize;
            let (dc, demb) = (values_mut::<f32>(dc), values::<f32>(&self.dembcat));
            dc.fill(0.0);
            for (row, &token) in demb.chunks_exact(embedding).zip(values::<i64>(&self.mb.xb)) {
                let t = token as usize * embedding;
                dc[t..t + embedding].iter_mut().zip(row).for_each(|(g, &d)| *g += d);
            }
        }
        // for p, grad in zip(parameters, grads): p.data += -lr * grad
        sgd_in_place(&mut self.p, &self.grads, lr);
        Ok(loss.f_double_value(&[])? as f32)
    }
}

impl Step for Exercise4 {
    fn step(&mut self, ix: Option<&Tensor>, lr: f64) -> Result<f32> {
        let ix = minibatch_indices(ix, "exercise 4's network trains on minibatches")?;
        tch::no_grad(|| self.minibatch(ix, lr))
    }
    fn parameters(&self) -> Vec<Tensor> {
        self.p.iter().map(Tensor::shallow_clone).collect()
    }
}
