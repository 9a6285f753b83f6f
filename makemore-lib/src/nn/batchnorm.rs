//! `BatchNorm1d` as lectures 3 and 5 write it (not `torch.nn.BatchNorm1d`: see the type).

use tch::{Device, Kind, Tensor};

use crate::error::{Result, check_nonnegative};
use crate::nn::layer::{Layer, bad_input, check_size};

/// The lecture's `eps`, added to the variance before its square root.
pub const BATCHNORM_EPS: f64 = 1e-5;
/// The lecture's `momentum`, the weight of a batch's statistics in the running ones.
pub const BATCHNORM_MOMENTUM: f64 = 0.1;

/// Batch normalization over the last dimension, the lecture's class:
///
/// ```text
/// if training: xmean = x.mean(dim, keepdim=True); xvar = x.var(dim, keepdim=True)  # unbiased
/// else:        xmean, xvar = running_mean, running_var
/// xhat = (x - xmean) / torch.sqrt(xvar + eps)
/// out = gamma * xhat + beta
/// if training, under no_grad: running = (1 - momentum) * running + momentum * batch_stat
/// ```
///
/// `dim` is 0 for a 2-D input (N, C) and (0, 1) for a 3-D one (N, L, C), lecture 5's fix for
/// the WaveNet's (batch, groups, channels) activations. The parameters are `gamma` (ones) and
/// `beta` (zeros), the buffers `running_mean` (zeros) and `running_var` (ones), all of
/// shape (C).
///
/// `torch.nn.BatchNorm1d` differs in three ways the lecture does not follow: it calls its
/// parameters `weight` and `bias` (and has a `num_batches_tracked` buffer), it normalises a
/// training batch with the **biased** variance (it keeps the unbiased one for the running
/// statistic), and it reads a 3-D input as (N, C, L). The lecture's buffers, assigned from
/// `keepdim` statistics, turn (1, C) after the first update; here they stay (C), with the
/// same values.
///
/// [`BatchNorm1d::per_position`] keeps lecture 5's bug, to show it: on a 3-D input the
/// statistics over dimension 0 alone, one per position and channel, its buffers (L, C).
///
/// ```
/// use makemore::nn::{BatchNorm1d, Layer};
/// let mut bn = BatchNorm1d::new(2)?;
/// let x = tch::Tensor::from_slice(&[1.0f32, 10.0, 3.0, 30.0]).view([2, 2]);
/// let out = Vec::<f32>::try_from(bn.forward(&x)?.flatten(0, -1))?;
/// // each column to mean 0 and unbiased variance 1 (eps aside): ±1/√2
/// let half = std::f32::consts::FRAC_1_SQRT_2;
/// for (got, want) in out.iter().zip([-half, -half, half, half]) {
///     assert!((got - want).abs() < 1e-5);
/// }
/// // 0.9 · 0 + 0.1 · the batch means (2, 20)
/// assert_eq!(Vec::<f32>::try_from(&bn.running_mean)?, [0.2, 2.0]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct BatchNorm1d {
    /// Added to the variance before its square root (1e-5).
    pub eps: f64,
    /// The weight of a batch's statistics in the running ones (0.1).
    pub momentum: f64,
    /// The learnt scale, ones at first.
    pub gamma: Tensor,
    /// The learnt shift, zeros at first.
    pub beta: Tensor,
    /// The running mean (a buffer), zeros at first.
    pub running_mean: Tensor,
    /// The running unbiased variance (a buffer), ones at first.
    pub running_var: Tensor,
    training: bool,
    /// Lecture 5's bug: statistics over the batch alone, per position ([`Self::per_position`]).
    per_position: bool,
}

impl BatchNorm1d {
    /// The lecture's `BatchNorm1d(dim)`: eps 1e-5, momentum 0.1, in training mode.
    pub fn new(dim: usize) -> Result<BatchNorm1d> {
        let dim = check_size("BatchNorm1d dim", dim)?;
        let options = (Kind::Float, Device::Cpu);
        Ok(BatchNorm1d {
            eps: BATCHNORM_EPS,
            momentum: BATCHNORM_MOMENTUM,
            gamma: Tensor::f_ones([dim], options)?.f_set_requires_grad(true)?,
            beta: Tensor::f_zeros([dim], options)?.f_set_requires_grad(true)?,
            running_mean: Tensor::f_zeros([dim], options)?,
            running_var: Tensor::f_ones([dim], options)?,
            training: true,
            per_position: false,
        })
    }

    /// Lecture 5's BatchNorm before its fix, kept to show the bug: for a 3-D input (N, L, C)
    /// of `positions` positions the statistics are taken over dimension 0 alone, so each
    /// position and channel gets a mean and a variance of its own from N numbers, and the
    /// running statistics are (L, C) (the lecture's turn (1, L, C) after the first update:
    /// the same values). It takes only such inputs.
    ///
    /// ```
    /// use makemore::nn::{BatchNorm1d, Layer};
    /// let mut bn = BatchNorm1d::per_position(68, 4)?;
    /// bn.forward(&tch::Tensor::randn([32, 4, 68], (tch::Kind::Float, tch::Device::Cpu)))?;
    /// assert_eq!(bn.running_mean.size(), [4, 68]);
    /// assert!(bn.forward(&tch::Tensor::zeros([32, 2, 68], (tch::Kind::Float, tch::Device::Cpu))).is_err());
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn per_position(dim: usize, positions: usize) -> Result<BatchNorm1d> {
        let mut bn = BatchNorm1d::new(dim)?;
        let shape = [check_size("BatchNorm1d positions", positions)?, bn.gamma.size()[0]];
        bn.running_mean = Tensor::f_zeros(shape, (Kind::Float, Device::Cpu))?;
        bn.running_var = Tensor::f_ones(shape, (Kind::Float, Device::Cpu))?;
        bn.per_position = true;
        Ok(bn)
    }

    /// The same with another `eps` and `momentum` (each a finite number, 0 or more).
    pub fn with(dim: usize, eps: f64, momentum: f64) -> Result<BatchNorm1d> {
        let mut bn = BatchNorm1d::new(dim)?;
        bn.eps = check_nonnegative("eps", eps)?;
        bn.momentum = check_nonnegative("momentum", momentum)?;
        Ok(bn)
    }

    /// Is the layer in training mode (batch statistics, running ones updated)?
    pub fn training(&self) -> bool {
        self.training
    }

    fn check_input(&self, x: &Tensor) -> Result<Vec<i64>> {
        let size = x.size();
        let layer = || format!("BatchNorm1d({})", self.gamma.size()[0]);
        if size.len() != 2 && size.len() != 3 {
            return Err(bad_input(x, layer(), "BatchNorm1d normalises a 2-D (N, C) or 3-D (N, L, C) input"));
        }
        if size[size.len() - 1] != self.gamma.size()[0] {
            return Err(bad_input(x, layer(), "its last dimension must be the layer's number of channels"));
        }
        if self.per_position && (size.len() != 3 || size[1] != self.running_mean.size()[0]) {
            let why = "this BatchNorm1d keeps statistics per position (lecture 5's bug): its input must be (N, L, C), L its running statistics' first dimension";
            return Err(bad_input(x, layer(), why));
        }
        let dims: Vec<i64> = if size.len() == 2 || self.per_position { vec![0] } else { vec![0, 1] };
        if self.training && dims.iter().map(|&d| size[d as usize]).product::<i64>() < 2 {
            return Err(bad_input(x, layer(), "training needs more than one value per channel (for a variance)"));
        }
        Ok(dims)
    }
}

impl Layer for BatchNorm1d {
    fn forward(&mut self, x: &Tensor) -> Result<Tensor> {
        let dims = self.check_input(x)?;
        let (xmean, xvar) = if self.training {
            (x.f_mean_dim(dims.as_slice(), true, None::<Kind>)?, x.f_var_dim(dims.as_slice(), true, true)?)
        } else {
            (self.running_mean.shallow_clone(), self.running_var.shallow_clone())
        };
        let xhat = x.f_sub(&xmean)?.f_div(&xvar.f_add_scalar(self.eps)?.f_sqrt()?)?;
        let out = self.gamma.f_mul(&xhat)?.f_add(&self.beta)?;
        if self.training {
            let m = self.momentum;
            tch::no_grad(|| -> Result<()> {
                for (running, batch) in [(&mut self.running_mean, &xmean), (&mut self.running_var, &xvar)] {
                    let batch = batch.f_view(running.size().as_slice())?;
                    let updated = running.f_mul_scalar(1.0 - m)?.f_add(&batch.f_mul_scalar(m)?)?;
                    running.f_copy_(&updated)?;
                }
                Ok(())
            })?;
        }
        Ok(out)
    }

    fn parameters(&self) -> Vec<(String, Tensor)> {
        vec![("gamma".into(), self.gamma.shallow_clone()), ("beta".into(), self.beta.shallow_clone())]
    }

    fn buffers(&self) -> Vec<(String, Tensor)> {
        vec![
            ("running_mean".into(), self.running_mean.shallow_clone()),
            ("running_var".into(), self.running_var.shallow_clone()),
        ]
    }

    fn set_training(&mut self, training: bool) {
        self.training = training;
    }
}
