//! Lecture 2's MLP trained with its backward pass written out: the libtorch calls that
//! `loss.backward()` makes for the lecture's graph, on buffers allocated once, so the values
//! are those of [`Mlp::step`](crate::Mlp::step), bit for bit (tests/mlp.rs). Each gradient
//! is named as lecture 4 names it, and each line names the autograd node it stands for.
//!
//! ```text
//! hpreact = embcat @ W1 + b1;  h = torch.tanh(hpreact);  logits = h @ W2 + b2
//! loss = F.cross_entropy(logits, Yb)
//! dlogits                                     NllLossBackward0, LogSoftmaxBackward0
//! db2 = dlogits.sum(0); dh = dlogits @ W2.T; dW2 = h.T @ dlogits
//! dhpreact = (1 - h**2) * dh                  TanhBackward0 (1 - h**2 rounded once)
//! db1 = dhpreact.sum(0); dembcat = dhpreact @ W1.T; dW1 = embcat.T @ dhpreact
//! dC[Xb[k, j]] += demb[k, j]                  IndexBackward0
//! p.data += -lr * grad
//! ```
//!
//! What is exact whoever computes it is done in Rust, without a libtorch call: the gathers
//! `Xtr[ix]`, `Ytr[ix]`, `C[Xb]` (copies), and the update (one float32 multiplication and
//! one addition per value, IEEE-rounded as libtorch's kernels round them; Rust never fuses
//! them into an FMA).

use tch::{Kind, Reduction, Tensor};

use super::{Minibatch, aliases, buffer, minibatch_indices, sgd_in_place};
use crate::error::Result;
use crate::models::mlp::forward;
use crate::train::examples::Examples;
use crate::train::trainer::Step;

/// Lecture 2's training step, its backward pass written out.
pub(crate) struct MlpBackprop {
    /// The minibatch's gathers (`Xb`, `Yb`, `embcat`), the loss and its first backward nodes.
    mb: Minibatch,
    /// The parameters `[C, W1, b1, W2, b2]` (detached aliases of the network's, so updated
    /// in place, as `p.data += ...` does).
    p: [Tensor; 5],
    /// `W1.T`, `W2.T`, `embcat.T` (views: they follow the updates and the gathers).
    w1t: Tensor,
    w2t: Tensor,
    embcatt: Tensor,
    /// `tanh(embcat @ W1 + b1)`, and its transpose (a view).
    h: Tensor,
    ht: Tensor,
    logits: Tensor,
    /// `log_softmax(logits)` (cross_entropy is `nll_loss(log_softmax(logits), Yb)`) and its gradient.
    logprobs: Tensor,
    dlogprobs: Tensor,
    dlogits: Tensor,
    dh: Tensor,
    dhpreact: Tensor,
    dembcat: Tensor,
    /// `[dC, dW1, db1, dW2, db2]` (the biases' as 1 × n, as `sum_to` leaves them).
    grads: [Tensor; 5],
}

impl MlpBackprop {
    /// A step for the parameters `[C, W1, b1, W2, b2]` (contiguous float32), on minibatches of
    /// `batch` of the examples `xs` (n × context) and `ys`.
    pub(crate) fn new(params: [&Tensor; 5], xs: &Tensor, ys: &Tensor, batch: usize) -> Result<MlpBackprop> {
        let p = aliases(&params.map(Tensor::shallow_clone))?;
        let (v, e) = (p[0].size()[0], p[0].size()[1]);
        let (b, k, h) = (batch as i64, p[1].size()[0], p[1].size()[1]);
        let f = buffer;
        let mb = Minibatch::new(xs, ys, batch, e as usize)?;
        let h_buf = f(&[b, h])?;
        Ok(MlpBackprop {
            w1t: p[1].f_tr()?,
            w2t: p[3].f_tr()?,
            embcatt: mb.emb.f_tr()?,
            mb,
            ht: h_buf.f_tr()?,
            h: h_buf,
            logits: f(&[b, v])?,
            logprobs: f(&[b, v])?,
            dlogprobs: f(&[b, v])?,
            dlogits: f(&[b, v])?,
            dh: f(&[b, h])?,
            dhpreact: f(&[b, h])?,
            dembcat: f(&[b, k])?,
            grads: [f(&[v, e])?, f(&[k, h])?, f(&[1, h])?, f(&[h, v])?, f(&[1, v])?],
            p,
        })
    }

    /// One step on the minibatch `ix` (drawn by libtorch's `randint`) at learning rate
    /// `lr`; returns the loss. (Each `let _ =` drops a second handle to a buffer the call
    /// wrote into.)
    fn minibatch(&mut self, ix: &Tensor, lr: f64) -> Result<f32> {
        let [c, w1, b1, w2, b2] = &self.p;
        // Xb, Yb = Xtr[ix], Ytr[ix]; embcat = C[Xb].view(n, -1)
        self.mb.gather(ix, c)?;
        // h = torch.tanh(embcat @ W1 + b1)   (matmul of 2-D is mm)
        let _ = self.mb.emb.f_mm_out(&self.h, w1)?;
        let _ = self.h.f_add_(b1)?;
        let _ = self.h.f_tanh_()?;
        // logits = h @ W2 + b2; loss = F.cross_entropy(logits, Yb)
        let _ = self.h.f_mm_out(&self.logits, w2)?;
        let _ = self.logits.f_add_(b2)?;
        // loss.backward(): NllLossBackward0, LogSoftmaxBackward0 give dlogits
        let loss = self.mb.cross_entropy(&self.logits, &self.logprobs, &self.dlogprobs, &self.dlogits)?;
        let [dc, dw1, db1, dw2, db2] = &mut self.grads;
        // db2 = dlogits.sum(0) (AddBackward0: sum_to the bias's shape); dh = dlogits @ W2.T and
        // dW2 = h.T @ dlogits (MmBackward0)
        let _ = self.dlogits.f_sum_intlist_out(&*db2, [0i64].as_slice(), true, None::<Kind>)?;
        let _ = self.dlogits.f_mm_out(&self.dh, &self.w2t)?;
        let _ = self.ht.f_mm_out(&*dw2, &self.dlogits)?;
        // dhpreact = (1 - h**2) * dh (TanhBackward0); db1 = dhpreact.sum(0) (AddBackward0);
        // dembcat = dhpreact @ W1.T and dW1 = embcat.T @ dhpreact (MmBackward0)
        let _ = Tensor::f_tanh_backward_grad_input(&self.dhpreact, &self.dh, &self.h)?;
        let _ = self.dhpreact.f_sum_intlist_out(&*db1, [0i64].as_slice(), true, None::<Kind>)?;
        let _ = self.dhpreact.f_mm_out(&self.dembcat, &self.w1t)?;
        let _ = self.embcatt.f_mm_out(&*dw1, &self.dhpreact)?;
        // dC[Xb[k, j]] += demb[k, j] (ViewBackward0, IndexBackward0)
        self.mb.embedding_grad(dc, &self.dembcat)?;
        // for p, grad in zip(parameters, grads): p.data += -lr * grad
        sgd_in_place(&mut self.p, &self.grads, lr);
        Ok(loss.f_double_value(&[])? as f32)
    }
}

impl Step for MlpBackprop {
    fn step(&mut self, ix: Option<&Tensor>, lr: f64) -> Result<f32> {
        let ix = minibatch_indices(ix, "the MLP trains on minibatches")?;
        tch::no_grad(|| self.minibatch(ix, lr))
    }
    fn loss(&self, examples: &Examples) -> Result<f32> {
        let xs = examples.xs.f_view([-1, self.mb.shape3[1]])?;
        let [c, w1, b1, w2, b2] = &self.p;
        let loss = tch::no_grad(|| -> Result<Tensor> {
            Ok(forward([c, w1, b1, w2, b2], &xs)?.f_cross_entropy_loss::<Tensor>(
                &examples.ys,
                None,
                Reduction::Mean,
                -100,
                0.0,
            )?)
        })?;
        Ok(loss.f_double_value(&[])? as f32)
    }
    fn parameters(&self) -> Vec<Tensor> {
        self.p.iter().map(Tensor::shallow_clone).collect()
    }
}
