//! Lecture 5's WaveNet trained with its backward pass written out: the libtorch calls that
//! `loss.backward()` makes for the lecture's graph, with the formulas of PyTorch's
//! `derivatives.yaml`, in autograd's order, so the values are autograd's bit for bit
//! (the doctest of [`WaveNet::autograd_run`](crate::WaveNet::autograd_run), tests/wavenet.rs).
//!
//! Each level of the tree is `FlattenConsecutive(n)` (a view), `Linear` without bias,
//! `BatchNorm1d` over the batch and the groups, `Tanh`; named as lecture 5's `BatchNorm1d` class
//! names its tensors (`xmean`, `xvar`, `xhat`), with `z`, `num` and `den` for the rest:
//!
//! ```text
//! x = h_below.view(rows, n * width)       # FlattenConsecutive: the level below's h, n at a time
//! z = x @ W                                # (rows, hidden), rows = batch * groups
//! xmean = z.mean((0, 1)); xvar = z.var((0, 1))    # dims (0,) at the top, where one group is left
//! num = z - xmean;  den = torch.sqrt(xvar + eps);  xhat = num / den;  h = torch.tanh(gamma * xhat + beta)
//! ...
//! dout = (1 - h**2) * dh                   TanhBackward0
//! dbeta = dout.sum((0, 1)); dgamma = (dout * xhat).sum((0, 1)); dxhat = dout * gamma
//! dnum = dxhat / den;  dden = (-dxhat * ((num / den) / den)).sum((0, 1))   DivBackward0
//! dxvar = dden / (2 * den)                 SqrtBackward0 (and AddBackward1 passes it on)
//! dxmean = (-dnum).sum((0, 1))             SubBackward0
//! dz = dnum + 2/(rows-1) * dxvar * num + dxmean / rows     (the sub's, then VarBackward0's, then MeanBackward1's)
//! dx = dz @ W.T;  dW = x.T @ dz            MmBackward0 (the matmul folds (B, G, n·width) to rows)
//! ```
//!
//! Libtorch's calls, on buffers allocated once: the matrix products, the mean and the sums, `sqrt`
//! (whose vectorized float32 square root is not always the correctly rounded one), `tanh` and its
//! backward, the last Linear's bias, the loss and its first backward nodes, and the embedding's
//! gradient. Done here in Rust: the variance (ATen's Welford reduction, [`column_variance`]), the
//! other elementwise arithmetic (one IEEE float32 operation per value, which libtorch's kernels
//! round the same way), the gathers and the update.

use tch::{Kind, Tensor};

use super::{
    Minibatch, alias, buffer, column_variance, minibatch_indices, sgd_in_place, sum_into, sum_rows, update_running,
    values, values_mut,
};
use crate::error::{Error, Result};
use crate::models::network::{self, Network};
use crate::models::wavenet::WaveNet;
use crate::nn::{BATCHNORM_EPS, BATCHNORM_MOMENTUM};
use crate::train::examples::Examples;
use crate::train::trainer::Step;

/// One level of the tree: its parameters, running statistics, activations and gradients.
struct Level {
    /// The level's input, the one below's output viewed n at a time (rows × n·width), its
    /// transpose, and its gradient (a view of the level below's `dh`, or of `dembcat`).
    x: Tensor,
    xt: Tensor,
    dx: Tensor,
    /// `W` (n·width × hidden) and its transpose, `gamma`, `beta` (hidden), and the running
    /// statistics (detached aliases of the network's: updated in place).
    w: Tensor,
    wt: Tensor,
    gamma: Tensor,
    beta: Tensor,
    running_mean: Tensor,
    running_var: Tensor,
    /// The BatchNorm's input shape, (batch, groups, hidden) or (batch, hidden) at the top, and
    /// the dimensions it reduces ((0, 1) or (0,)).
    dims: Vec<i64>,
    /// In that shape: `z` and its 2-D view (rows × hidden), `num`, `xhat`, `h` (the
    /// pre-activation, then its tanh, in place), and the backward pass's `dh`, `dout`, `dz`
    /// (`dxhat`, then `dnum`, then `dz`, in place) and `dz`'s 2-D view, and what a reduction sums.
    z: Tensor,
    z2: Tensor,
    num: Tensor,
    xhat: Tensor,
    h: Tensor,
    dh: Tensor,
    dout: Tensor,
    dz: Tensor,
    dz2: Tensor,
    work: Tensor,
    /// The statistics, kept-dimension shaped ((1, 1, hidden) or (1, hidden)): `xmean`, `xvar`,
    /// `den`, and the gradients `dden` and `dxmean`.
    xmean: Tensor,
    xvar: Tensor,
    den: Tensor,
    dden: Tensor,
    dxmean: Tensor,
    /// `dW`, `dgamma`, `dbeta` (the last two kept-dimension shaped: the sums' shape, with the
    /// parameters' number of elements).
    grads: [Tensor; 3],
    /// var_backward's factor 2 / (rows − 1) and mean_backward's divisor, as libtorch rounds them.
    var_scale: f32,
    rows: f32,
}

/// Lecture 5's training step, its backward pass written out.
pub(crate) struct WaveNetBackprop<'a> {
    /// The network (for evaluation, in evaluation mode, and the tensors the trainer keeps).
    net: &'a WaveNet,
    mb: Minibatch,
    /// The embedding table `C` and its gradient.
    table: Tensor,
    dtable: Tensor,
    /// batch × (context · embedding): `dembcat`, the gradient of the embeddings.
    dembcat: Tensor,
    levels: Vec<Level>,
    /// The last Linear's weight (hidden × vocabulary) and its transpose, its bias, and their
    /// gradients (the bias's 1 × vocabulary).
    w: Tensor,
    wt: Tensor,
    b: Tensor,
    dw: Tensor,
    db: Tensor,
    /// Every parameter (aliases) and its gradient, in the network's order, for the update.
    params: Vec<Tensor>,
    grads: Vec<Tensor>,
    /// The top level's `h.T` (a view), and batch × vocabulary: the logits, log_softmax, and their gradients.
    ht: Tensor,
    logits: Tensor,
    logprobs: Tensor,
    dlogprobs: Tensor,
    dlogits: Tensor,
    /// BatchNorm's eps, and the running statistics' weights of the old value and of the batch's.
    eps: f32,
    keep: f32,
    momentum: f32,
}

impl<'a> WaveNetBackprop<'a> {
    /// A step for `net` on minibatches of `batch` of the examples `xs` (n × context) and `ys`;
    /// refused for a network with lecture 5's BatchNorm bug (its statistics are per position) and
    /// for a minibatch too small for a variance at the top level.
    pub(crate) fn new(net: &'a WaveNet, xs: &Tensor, ys: &Tensor, batch: usize) -> Result<WaveNetBackprop<'a>> {
        let cfg = net.config();
        if cfg.batchnorm_bug || batch < 2 {
            return Err(Error::Usage(format!(
                "the written-out WaveNet step takes BatchNorm over the batch and the groups, on minibatches of 2 or more \
                 (batchnorm_bug {}, batch {batch}): train such a network through autograd",
                cfg.batchnorm_bug
            )));
        }
        let all = |named: Vec<(String, Tensor)>| named.iter().map(|(_, t)| alias(t)).collect::<Result<Vec<_>>>();
        let (params, running) = (all(net.named_parameters())?, all(net.named_buffers())?);
        let [table, level_params @ .., w, b] = &params[..] else {
            return Err(Error::Usage("a WaveNet's parameters: the embedding, the levels', the last Linear's".into()));
        };
        let (v, e, h, n) = (table.size()[0], table.size()[1], cfg.hidden as i64, cfg.flatten as i64);
        let bsz = batch as i64;
        let mb = Minibatch::new(xs, ys, batch, e as usize)?;
        let dembcat = buffer(&[bsz, cfg.context_len as i64 * e])?;
        let mut levels: Vec<Level> = Vec::new();
        let (mut groups, mut width) = (cfg.context_len as i64, e);
        for (p, r) in level_params.chunks_exact(3).zip(running.chunks_exact(2)) {
            groups /= n;
            let rows = bsz * groups;
            let (below, dbelow) = match levels.last() {
                Some(l) => (&l.h, &l.dh),
                None => (&mb.emb, &dembcat),
            };
            let x = below.f_view([rows, n * width])?;
            let (shape, dims) = if groups > 1 { (vec![bsz, groups, h], vec![0, 1]) } else { (vec![bsz, h], vec![0]) };
            let stat: Vec<i64> =
                shape.iter().enumerate().map(|(d, &s)| if d + 1 < shape.len() { 1 } else { s }).collect();
            let f = buffer;
            let (z, dz) = (f(&shape)?, f(&shape)?);
            levels.push(Level {
                xt: x.f_tr()?,
                dx: dbelow.f_view([rows, n * width])?,
                x,
                wt: p[0].f_tr()?,
                w: p[0].shallow_clone(),
                gamma: p[1].shallow_clone(),
                beta: p[2].shallow_clone(),
                running_mean: r[0].shallow_clone(),
                running_var: r[1].shallow_clone(),
                dims,
                z2: z.f_view([rows, h])?,
                z,
                num: f(&shape)?,
                xhat: f(&shape)?,
                h: f(&shape)?,
                dh: f(&shape)?,
                dout: f(&shape)?,
                dz2: dz.f_view([rows, h])?,
                dz,
                work: f(&shape)?,
                xmean: f(&stat)?,
                xvar: f(&stat)?,
                den: f(&stat)?,
                dden: f(&stat)?,
                dxmean: f(&stat)?,
                grads: [f(&p[0].size())?, f(&stat)?, f(&stat)?],
                var_scale: (2.0 / (rows as f64 - 1.0)) as f32,
                rows: rows as f32,
            });
            width = h;
        }
        let top = levels.last().map(|l| l.h.f_tr()).expect("a level or more (WaveNetConfig::levels)")?;
        let (dtable, dw, db) = (buffer(&table.size())?, buffer(&w.size())?, buffer(&[1, v])?);
        let mut grads = vec![dtable.shallow_clone()];
        for l in &levels {
            grads.extend(l.grads.iter().map(Tensor::shallow_clone));
        }
        grads.extend([&dw, &db].map(Tensor::shallow_clone));
        Ok(WaveNetBackprop {
            net,
            mb,
            dtable,
            table: table.shallow_clone(),
            dembcat,
            levels,
            wt: w.f_tr()?,
            dw,
            db,
            w: w.shallow_clone(),
            b: b.shallow_clone(),
            grads,
            ht: top,
            logits: buffer(&[bsz, v])?,
            logprobs: buffer(&[bsz, v])?,
            dlogprobs: buffer(&[bsz, v])?,
            dlogits: buffer(&[bsz, v])?,
            eps: BATCHNORM_EPS as f32,
            keep: (1.0 - BATCHNORM_MOMENTUM) as f32,
            momentum: BATCHNORM_MOMENTUM as f32,
            params,
        })
    }

    /// One step on the minibatch `ix` at learning rate `lr`; returns the loss.
    fn minibatch(&mut self, ix: &Tensor, lr: f64) -> Result<f32> {
        // Xb, Yb = Xtr[ix], Ytr[ix]; the Embedding: C[Xb]
        self.mb.gather(ix, &self.table)?;
        for level in &mut self.levels {
            level.forward(self.eps, self.keep, self.momentum)?;
        }
        // logits = h @ W + b; loss = F.cross_entropy(logits, Yb)
        let top = self.levels.last().map(|l| &l.h).expect("a level or more (new)");
        let _ = top.f_mm_out(&self.logits, &self.w)?;
        let _ = self.logits.f_add_(&self.b)?;
        let loss = self.mb.cross_entropy(&self.logits, &self.logprobs, &self.dlogprobs, &self.dlogits)?;
        // AddBackward0 (+ b): sum_to the bias's shape; MmBackward0 (h @ W)
        sum_rows(&self.dlogits, &self.db)?;
        let top = self.levels.last().map(|l| &l.dh).expect("a level or more (new)");
        let _ = self.dlogits.f_mm_out(top, &self.wt)?;
        let _ = self.ht.f_mm_out(&self.dw, &self.dlogits)?;
        for level in self.levels.iter_mut().rev() {
            level.backward()?;
        }
        // ViewBackward0, IndexBackward0 (C[Xb])
        self.mb.embedding_grad(&mut self.dtable, &self.dembcat)?;
        // for p in parameters: p.data += -lr * p.grad
        sgd_in_place(&mut self.params, &self.grads, lr);
        Ok(loss.f_double_value(&[])? as f32)
    }
}

impl Level {
    /// `h = tanh(gamma * (z - xmean) / sqrt(xvar + eps) + beta)` for `z = x @ W`, with the
    /// minibatch's statistics; the running ones moved towards them.
    fn forward(&mut self, eps: f32, keep: f32, momentum: f32) -> Result<()> {
        // z = x @ W (the matmul folds the groups into the rows); xmean = z.mean(dims, keepdim=True)
        let _ = self.x.f_mm_out(&self.z2, &self.w)?;
        let _ = self.z.f_mean_out(&self.xmean, self.dims.as_slice(), true, None::<Kind>)?;
        let hidden = self.xmean.numel();
        // SAFETY (this block and `backward`'s): these are contiguous float32 CPU tensors,
        // allocated in `new` or checked there (the parameters), of the sizes the loops assume
        // (rows × hidden, and hidden); the slices written are of buffers nothing else reads meanwhile.
        unsafe {
            // xvar = z.var(dims, keepdim=True) (unbiased); xvar + eps
            column_variance(values::<f32>(&self.z), hidden, values_mut::<f32>(&mut self.xvar), false);
            for (d, &var) in values_mut::<f32>(&mut self.den).iter_mut().zip(values::<f32>(&self.xvar)) {
                *d = var + eps;
            }
        }
        // den = torch.sqrt(...): libtorch's, whose vectorized float32 square root is not always
        // the correctly rounded one
        let _ = self.den.f_sqrt_()?;
        unsafe {
            let (xmean, xvar, den) = (values::<f32>(&self.xmean), values::<f32>(&self.xvar), values::<f32>(&self.den));
            let (gamma, beta) = (values::<f32>(&self.gamma), values::<f32>(&self.beta));
            let rows = values::<f32>(&self.z).chunks_exact(hidden);
            let num = values_mut::<f32>(&mut self.num).chunks_exact_mut(hidden);
            let xhat = values_mut::<f32>(&mut self.xhat).chunks_exact_mut(hidden);
            let h = values_mut::<f32>(&mut self.h).chunks_exact_mut(hidden);
            for (((z, num), xhat), h) in rows.zip(num).zip(xhat).zip(h) {
                for k in 0..hidden {
                    num[k] = z[k] - xmean[k]; // x - xmean
                    xhat[k] = num[k] / den[k]; // (...) / torch.sqrt(xvar + eps)
                    h[k] = gamma[k] * xhat[k] + beta[k]; // gamma * xhat + beta (two roundings)
                }
            }
            // running = (1 - momentum) * running + momentum * batch statistic
            update_running(&mut self.running_mean, xmean, keep, momentum);
            update_running(&mut self.running_var, xvar, keep, momentum);
        }
        let _ = self.h.f_tanh_()?;
        Ok(())
    }

    /// From `dh` (the gradient of `h`): the parameters' gradients, and `dx`, the input's.
    fn backward(&mut self) -> Result<()> {
        let hidden = self.xmean.numel();
        let [dw, dgamma, dbeta] = &self.grads;
        // TanhBackward0; AddBackward0 (+ beta): sum_to beta's shape
        let _ = Tensor::f_tanh_backward_grad_input(&self.dout, &self.dh, &self.h)?;
        sum_into(&self.dout, &self.dims, dbeta)?;
        // MulBackward0 (gamma * xhat): grad * xhat summed to gamma's shape, and grad * gamma for xhat
        unsafe {
            let (dout, xhat, gamma) =
                (values::<f32>(&self.dout), values::<f32>(&self.xhat), values::<f32>(&self.gamma));
            let work = values_mut::<f32>(&mut self.work).chunks_exact_mut(hidden);
            let dxhat = values_mut::<f32>(&mut self.dz).chunks_exact_mut(hidden);
            for (((dout, xhat), work), dxhat) in
                dout.chunks_exact(hidden).zip(xhat.chunks_exact(hidden)).zip(work).zip(dxhat)
            {
                for k in 0..hidden {
                    work[k] = dout[k] * xhat[k];
                    dxhat[k] = dout[k] * gamma[k];
                }
            }
        }
        sum_into(&self.work, &self.dims, dgamma)?;
        // DivBackward0 (num / den): grad / den for num; -grad * ((num / den) / den), summed to
        // den's shape, for den (num / den is xhat, the same operation)
        unsafe {
            let (xhat, den) = (values::<f32>(&self.xhat), values::<f32>(&self.den));
            let work = values_mut::<f32>(&mut self.work).chunks_exact_mut(hidden);
            let dz = values_mut::<f32>(&mut self.dz).chunks_exact_mut(hidden);
            for ((xhat, work), dnum) in xhat.chunks_exact(hidden).zip(work).zip(dz) {
                for k in 0..hidden {
                    let dxhat = dnum[k];
                    work[k] = -dxhat * (xhat[k] / den[k]);
                    dnum[k] = dxhat / den[k];
                }
            }
        }
        sum_into(&self.work, &self.dims, &self.dden)?;
        // SubBackward0 (z - xmean): -grad summed to xmean's shape
        unsafe {
            let dnum = values::<f32>(&self.dz);
            for (w, &d) in values_mut::<f32>(&mut self.work).iter_mut().zip(dnum) {
                *w = -d;
            }
        }
        sum_into(&self.work, &self.dims, &self.dxmean)?;
        // SqrtBackward0: grad / (2 * result); AddBackward1 (+ eps) passes it on; VarBackward0:
        // (2 / (rows - 1)) * grad * (z - z.mean(dims)); MeanBackward1: grad expanded, / rows.
        // z's gradient is the subtraction's, plus the variance's, plus the mean's.
        unsafe {
            let (den, dden, dxmean) =
                (values::<f32>(&self.den), values::<f32>(&self.dden), values::<f32>(&self.dxmean));
            let scaled: Vec<f32> = dden.iter().zip(den).map(|(&g, &d)| self.var_scale * (g / (2.0 * d))).collect();
            let num = values::<f32>(&self.num).chunks_exact(hidden);
            for (num, dz) in num.zip(values_mut::<f32>(&mut self.dz).chunks_exact_mut(hidden)) {
                for k in 0..hidden {
                    dz[k] = (dz[k] + scaled[k] * num[k]) + dxmean[k] / self.rows;
                }
            }
        }
        // MmBackward0 (x @ W): dx = dz @ W.T, dW = x.T @ dz
        let _ = self.dz2.f_mm_out(&self.dx, &self.wt)?;
        let _ = self.xt.f_mm_out(dw, &self.dz2)?;
        Ok(())
    }
}

impl Step for WaveNetBackprop<'_> {
    fn step(&mut self, ix: Option<&Tensor>, lr: f64) -> Result<f32> {
        let ix = minibatch_indices(ix, "the WaveNet trains on minibatches")?;
        tch::no_grad(|| self.minibatch(ix, lr))
    }
    /// In evaluation mode (the running statistics).
    fn loss(&self, examples: &Examples) -> Result<f32> {
        network::mean_loss(self.net, examples)
    }
    /// The parameters and the running statistics: the best network is all of them.
    fn parameters(&self) -> Vec<Tensor> {
        let named = self.net.named_parameters().into_iter().chain(self.net.named_buffers());
        named.map(|(_, t)| t).collect()
    }
}
