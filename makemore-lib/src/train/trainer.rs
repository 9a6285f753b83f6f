//! The one training loop every network shares: draw a minibatch, take a step at the
//! schedule's learning rate, stop with a clear error when the loss is no longer a number,
//! report progress, and, when asked, evaluate every K steps and keep the best parameters.
//!
//! ```text
//! for k in range(steps):
//!     ix = torch.randint(0, n, (batch,))      # the minibatch (none: every example)
//!     lr = lr0 if k < decay_at else lr0 / 10   # the lectures' schedule
//!     loss = step(ix, lr)                      # forward, backward, update: the network's
//!     if k % every == 0: evaluate, keep the best
//! ```
//!
//! The network's part is one [`Step`]: the MLP's is its written-out backward pass
//! ([`crate::Mlp`]), a generic network's is autograd and an optimizer
//! ([`crate::AutogradStep`]), the one-layer net's is its full-batch gradient descent.
//!
//! **Order of random draws.** The trainer draws one `randint(0, n, (batch,))` per step from
//! libtorch's global generator, and nothing else, so a recipe that seeds that generator and
//! then creates its parameters (the lectures: `g = torch.Generator().manual_seed(2147483647)`,
//! then `C, W1, b1, W2, b2`, then every minibatch from `g`) gets the same minibatches as
//! PyTorch's run of the same recipe. Evaluations draw nothing.

use std::sync::atomic::{AtomicBool, Ordering};

use tch::{Device, Kind, Tensor};

use crate::error::{Error, Result, check_positive};
use crate::train::examples::Examples;

/// The most training steps: ten million, an hour or more; a typo beyond it is refused.
pub const MAX_STEPS: usize = 10_000_000;

/// The lectures' learning-rate schedule: `lr` until step `decay_at`, then `lr_after`
/// (lectures 2 and 3: 0.1, then 0.01 from half the steps; lecture 5: from three quarters).
///
/// ```
/// let s = makemore::StepDecay::lecture(0.1, 100_000);
/// assert_eq!((s.lr_at(99_999), s.lr_at(100_000)), (0.1, 0.1 / 10.0));
/// assert_eq!(makemore::StepDecay::constant(50.0).lr_at(usize::MAX - 1), 50.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepDecay {
    /// The learning rate of the first steps.
    pub lr: f64,
    /// The first step (from 0) at the decayed rate; `usize::MAX`: never.
    pub decay_at: usize,
    /// The learning rate from `decay_at` on.
    pub lr_after: f64,
}

impl StepDecay {
    /// A constant learning rate.
    pub fn constant(lr: f64) -> StepDecay {
        StepDecay { lr, decay_at: usize::MAX, lr_after: lr }
    }

    /// The lectures' decay: `lr`, then `lr / 10` from step `decay_at`.
    pub fn lecture(lr: f64, decay_at: usize) -> StepDecay {
        StepDecay { lr, decay_at, lr_after: lr / 10.0 }
    }

    /// The learning rate at step `step` (from 0).
    pub fn lr_at(&self, step: usize) -> f64 {
        if step < self.decay_at { self.lr } else { self.lr_after }
    }
}

/// One training step of a network, as the trainer drives it.
pub trait Step {
    /// One step on the examples `ix` (a minibatch of indices drawn by the trainer; `None`:
    /// every example) at learning rate `lr`: forward, backward, update. Returns the loss
    /// before the update.
    fn step(&mut self, ix: Option<&Tensor>, lr: f64) -> Result<f32>;
    /// The mean loss on `examples`, without gradients and without drawing random numbers
    /// (for evaluation every K steps; by default a step cannot evaluate).
    fn loss(&self, _examples: &Examples) -> Result<f32> {
        Err(Error::Usage("this training cannot evaluate held-out examples".into()))
    }
    /// The tensors that hold the parameters as the step updates them (aliases), to copy the
    /// best ones out and back in (by default none: evaluation keeps nothing).
    fn parameters(&self) -> Vec<Tensor> {
        Vec::new()
    }
}

/// Evaluation every `every` steps on `examples`, keeping the parameters with the lowest loss
/// (karpathy/makemore evaluates every 500 steps and saves the best model).
#[derive(Debug, Clone, Copy)]
pub struct EvalEvery<'a> {
    /// Steps between evaluations (the first after `every` steps); the last step is always
    /// evaluated.
    pub every: usize,
    /// The held-out examples.
    pub examples: &'a Examples,
}

/// What the trainer reports to its observer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Event {
    /// Step `step` (from 0) of `steps` ran at learning rate `lr`, with minibatch loss `loss`.
    Step { step: usize, steps: usize, loss: f32, lr: f64 },
    /// After `steps_done` steps the held-out loss was `loss`; `best` when it is the lowest yet.
    Eval { steps_done: usize, loss: f32, best: bool },
}

/// What a training run did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrainingRun {
    /// Every step's minibatch loss, in order.
    pub losses: Vec<f32>,
    /// Every evaluation: (steps done, held-out loss).
    pub evals: Vec<(usize, f32)>,
    /// The evaluation whose parameters the network holds at the end, when evaluating.
    pub best: Option<(usize, f32)>,
    /// The run stopped early because the stop flag was raised (e.g. Ctrl-C).
    pub interrupted: bool,
}

/// How to train: how many steps, the minibatch size, the learning-rate schedule.
///
/// ```
/// use makemore::{StepDecay, Trainer};
/// let t = Trainer { steps: 200_000, batch: Some(32), schedule: StepDecay::lecture(0.1, 100_000) };
/// assert!(t.validate().is_ok());
/// assert!(Trainer { steps: 0, ..t }.validate().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Trainer {
    /// Training steps.
    pub steps: usize,
    /// Examples per minibatch (`None`: every step on every example, full-batch descent).
    pub batch: Option<usize>,
    /// The learning rate at each step.
    pub schedule: StepDecay,
}

impl Trainer {
    /// Refuse settings that cannot train: no steps or more than [`MAX_STEPS`], an empty
    /// minibatch, a learning rate that is not a positive finite number.
    pub fn validate(&self) -> Result<()> {
        if !(1..=MAX_STEPS).contains(&self.steps) {
            return Err(Error::BadParameter {
                name: "steps",
                value: self.steps.to_string(),
                expected: "must be from 1 to 10,000,000",
            });
        }
        if self.batch == Some(0) {
            return Err(Error::BadParameter {
                name: "batch",
                value: "0".into(),
                expected: "a minibatch needs at least 1 example",
            });
        }
        check_positive("learning rate", self.schedule.lr)?;
        Ok(())
    }

    /// Train `net` on `n` examples: [`steps`](Self::steps) calls of [`Step::step`], each on
    /// a fresh `randint(0, n, (batch,))` minibatch, calling `observe` after each step and
    /// each evaluation. Stops with [`Error::Diverged`] at the first loss that is not finite;
    /// stops early, keeping what was done, when `stop` is raised.
    pub fn run(
        &self,
        n: usize,
        net: &mut dyn Step,
        mut observe: impl FnMut(&Event),
        eval: Option<EvalEvery>,
        stop: Option<&AtomicBool>,
    ) -> Result<TrainingRun> {
        self.validate()?;
        if n == 0 {
            return Err(Error::BadParameter { name: "examples", value: "0".into(), expected: "must not be empty" });
        }
        let mut run = TrainingRun { losses: Vec::with_capacity(self.steps), ..TrainingRun::default() };
        let mut best: Option<Vec<Tensor>> = None;
        for k in 0..self.steps {
            if stop.is_some_and(|s| s.load(Ordering::Relaxed)) {
                run.interrupted = true;
                break;
            }
            let ix = self.minibatch(n)?;
            let lr = self.schedule.lr_at(k);
            let loss = net.step(ix.as_ref(), lr)?;
            if !loss.is_finite() {
                return Err(Error::Diverged { step: k + 1, loss });
            }
            run.losses.push(loss);
            observe(&Event::Step { step: k, steps: self.steps, loss, lr });
            if let Some(e) = eval
                && ((k + 1) % e.every.max(1) == 0 || k + 1 == self.steps)
            {
                let loss = net.loss(e.examples)?;
                let is_best = loss.is_finite() && run.best.is_none_or(|(_, b)| loss < b);
                if is_best {
                    run.best = Some((k + 1, loss));
                    best = Some(copy_of(&net.parameters())?);
                }
                run.evals.push((k + 1, loss));
                observe(&Event::Eval { steps_done: k + 1, loss, best: is_best });
            }
        }
        if let Some(best) = best {
            tch::no_grad(|| -> Result<()> {
                for (p, b) in net.parameters().iter_mut().zip(&best) {
                    p.f_copy_(b)?;
                }
                Ok(())
            })?;
        }
        Ok(run)
    }

    /// What [`run`](Self::run) draws from the global generator on `n` examples, drawn and
    /// thrown away: no step is computed. A network read back from the cache of trained
    /// networks leaves the generator where its training would have left it.
    pub(crate) fn replay_draws(&self, n: usize) -> Result<()> {
        for _ in 0..self.steps {
            self.minibatch(n)?;
        }
        Ok(())
    }

    /// One step's minibatch of `n` examples, `randint(0, n, (batch,))` (None: every example).
    fn minibatch(&self, n: usize) -> Result<Option<Tensor>> {
        Ok(match self.batch {
            Some(b) => Some(Tensor::f_randint(n as i64, [b as i64], (Kind::Int64, Device::Cpu))?),
            None => None,
        })
    }
}

fn copy_of(params: &[Tensor]) -> Result<Vec<Tensor>> {
    params.iter().map(|p| Ok(p.f_detach()?.copy())).collect()
}

/// The lecture-3 diagnostic of one update: for each parameter, `log10(std(lr · grad) /
/// std(data))`, the update's size relative to the values (the lecture's `ud` list; about
/// −3 is healthy). Reads each parameter's `.grad()` as autograd left it.
///
/// ```
/// let p = tch::Tensor::from_slice(&[1.0f32, 3.0]).set_requires_grad(true);
/// (&p * &p).sum(tch::Kind::Float).backward(); // grad 2·p = [2, 6]
/// let r = makemore::update_to_data(&[p], 0.1)?;
/// // std(0.1 · [2, 6]) / std([1, 3]) = 0.4 / 2
/// assert!((r[0] - 0.2f64.log10()).abs() < 1e-6);
/// # Ok::<(), makemore::Error>(())
/// ```
pub fn update_to_data(params: &[Tensor], lr: f64) -> Result<Vec<f64>> {
    tch::no_grad(|| {
        params
            .iter()
            .map(|p| {
                let update = p.f_grad()?.f_mul_scalar(lr)?.f_std(true)?.f_double_value(&[])?;
                let data = p.f_std(true)?.f_double_value(&[])?;
                Ok((update / data).log10())
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A step whose loss is the step number, and whose one parameter counts the steps.
    struct Counter {
        p: Tensor,
        fail_at: Option<usize>,
        seen: Vec<Option<Vec<i64>>>,
    }

    impl Step for Counter {
        fn step(&mut self, ix: Option<&Tensor>, _lr: f64) -> Result<f32> {
            self.seen.push(ix.map(|t| Vec::<i64>::try_from(t).unwrap()));
            let _ = self.p.f_add_scalar_(1.0)?;
            let k = self.seen.len() - 1;
            Ok(if Some(k) == self.fail_at { f32::NAN } else { k as f32 })
        }
        fn loss(&self, _: &Examples) -> Result<f32> {
            // lowest after 4 steps
            Ok((self.p.double_value(&[]) - 4.0).abs() as f32)
        }
        fn parameters(&self) -> Vec<Tensor> {
            vec![self.p.shallow_clone()]
        }
    }

    fn counter() -> Counter {
        Counter { p: Tensor::from(0.0f32), fail_at: None, seen: vec![] }
    }

    #[test]
    fn draws_the_lectures_minibatches_and_keeps_the_best() {
        let t = Trainer { steps: 6, batch: Some(3), schedule: StepDecay::lecture(1.0, 3) };
        let mut net = counter();
        let ex = Examples {
            xs: Tensor::zeros([1], (Kind::Int64, Device::Cpu)),
            ys: Tensor::zeros([1], (Kind::Int64, Device::Cpu)),
        };
        let mut lrs = vec![];
        tch::manual_seed(7);
        let run = t
            .run(
                10,
                &mut net,
                |e| {
                    if let Event::Step { lr, .. } = e {
                        lrs.push(*lr)
                    }
                },
                Some(EvalEvery { every: 2, examples: &ex }),
                None,
            )
            .unwrap();
        tch::manual_seed(7);
        for seen in &net.seen {
            let want = Tensor::randint(10, [3], (Kind::Int64, Device::Cpu));
            assert_eq!(seen.as_deref().unwrap(), Vec::<i64>::try_from(&want).unwrap());
        }
        assert_eq!(lrs, [1.0, 1.0, 1.0, 0.1, 0.1, 0.1]);
        assert_eq!(run.losses, [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
        assert_eq!(run.evals, [(2, 2.0), (4, 0.0), (6, 2.0)]);
        assert_eq!(run.best, Some((4, 0.0)));
        assert_eq!(net.p.double_value(&[]), 4.0, "the best parameters are restored");
    }

    #[test]
    fn a_loss_that_is_not_a_number_stops_with_the_step() {
        let t = Trainer { steps: 5, batch: None, schedule: StepDecay::constant(1.0) };
        let mut net = Counter { fail_at: Some(2), ..counter() };
        let err = t.run(4, &mut net, |_| {}, None, None).unwrap_err();
        assert!(matches!(err, Error::Diverged { step: 3, .. }), "{err}");
        assert_eq!(net.seen, [None, None, None], "full batch: no minibatches drawn");
    }

    #[test]
    fn a_raised_stop_flag_ends_the_run_early() {
        let t = Trainer { steps: 5, batch: None, schedule: StepDecay::constant(1.0) };
        let stop = AtomicBool::new(false);
        let mut net = counter();
        let run = t
            .run(
                4,
                &mut net,
                |e| {
                    if matches!(e, Event::Step { step: 1, .. }) {
                        stop.store(true, Ordering::Relaxed)
                    }
                },
                None,
                Some(&stop),
            )
            .unwrap();
        assert!(run.interrupted);
        assert_eq!(run.losses.len(), 2);
    }
}
