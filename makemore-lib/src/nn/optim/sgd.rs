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
