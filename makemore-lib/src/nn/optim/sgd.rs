//! Plain gradient descent, the lectures' update, and their step-decay schedule.

use tch::Tensor;

use crate::error::Result;
use crate::nn::optim::Optimizer;

/// The lectures' update, under `torch.no_grad()`: `p.data += -lr * p.grad`, as one multiply
/// of the gradient by the scalar −lr and one in-place add (the calls of the MLP's step).
#[derive(Debug, Clone, Copy, Default)]
pub struct Sgd;

impl Optimizer for Sgd {
    fn step(&mut self, params: &[Tensor], lr: f64) -> Result<()> {
        tch::no_grad(|| -> Result<()> {
            for p in params {
                let grad = p.f_grad()?;
                if !grad.defined() {
                    continue;
                }
                let update = grad.f_mul_scalar(-lr)?;
                let _p = p.shallow_clone().f_add_(&update)?; // in place: p is updated
            }
            Ok(())
        })
    }
}

/// The lectures' learning-rate schedule: `lr` until step `decay_at` (counted from 0), then
/// `lr · factor` (lecture 2: 0.1, then 0.01 from step 100,000 of 200,000; lecture 5: from
/// step 150,000).
///
/// `lr · factor` is computed in float64: 0.1 · 0.1 is 0.010000000000000002, not the lecture's
/// literal 0.01, but the update multiplies the float32 gradient by the scalar rounded to
/// float32, and both round to the same float32, so the updates are the same bits.
///
/// ```
/// let schedule = makemore::nn::StepDecay { lr: 0.1, decay_at: 100_000, factor: 0.1 };
/// assert_eq!(schedule.lr_at(99_999), 0.1);
/// assert_eq!(schedule.lr_at(100_000) as f32, 0.01f32);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepDecay {
    /// The learning rate before `decay_at`.
    pub lr: f64,
    /// The first step at the decayed rate.
    pub decay_at: usize,
    /// The decayed rate's multiple of `lr` (the lectures: 0.1).
    pub factor: f64,
}

impl StepDecay {
    /// The learning rate at `step` (from 0).
    pub fn lr_at(&self, step: usize) -> f64 {
        if step < self.decay_at { self.lr } else { self.lr * self.factor }
    }
}
