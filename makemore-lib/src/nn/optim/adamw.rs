//! AdamW, as `torch.optim.AdamW` computes it on the CPU.

use tch::{Kind, Tensor};

use crate::error::{Error, Result};
use crate::nn::optim::Optimizer;

/// `torch.optim.AdamW(params, lr, betas, eps, weight_decay)` with karpathy/makemore's
/// settings as defaults: betas (0.9, 0.99), eps 1e-8, weight decay 0.01 on every parameter.
///
/// On the CPU PyTorch 2.13 takes its single-tensor path (neither `foreach` nor `fused`:
/// torch/optim/adam.py, `_single_tensor_adam`). For each parameter with a gradient, in
/// order, under `no_grad`, this makes the same libtorch calls with the same scalars
/// (scalars in float64 as Python's floats, `**` as `pow`):
///
/// ```text
/// step += 1
/// param.mul_(1 - lr * weight_decay)
/// exp_avg.lerp_(grad, 1 - beta1)
/// exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
/// bias_correction1 = 1 - beta1 ** step;  bias_correction2 = 1 - beta2 ** step
/// step_size = lr / bias_correction1;     bias_correction2_sqrt = bias_correction2 ** 0.5
/// denom = (exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(eps)
/// param.addcdiv_(exp_avg, denom, value=-step_size)
/// ```
///
/// tch's `addcmul_` and `addcdiv_` have no `value` argument (it is 1), so the scalar goes
/// into the first factor: `addcmul_(grad * (1 - beta2), grad)` and `addcdiv_(exp_avg *
/// -step_size, denom)`. libtorch's kernels compute `self + value * t1 * t2` and `self +
/// value * t1 / t2` with `value` rounded to float32 and the products from the left, so
/// `value * t1` is the same float32 multiply either way, and `1 * x` is exact: the results
/// are the same bits (tests/nn.rs checks 50 steps against PyTorch's).
///
/// **One update for many parameters.** Every operation above is elementwise, so it gives each
/// number the same bits whether it runs over one parameter or over several laid end to end.
/// When every parameter has a gradient and all have taken the same steps, the first step lays
/// consecutive parameters out in groups of up to 32,768 numbers (ATen's grain size: each call
/// then stays on one thread, as it does for one parameter), each group one tensor (each
/// parameter's data becomes a view of it, with `set_data`), and their running averages
/// likewise. Each step then gathers the gradients group by group and makes the calls above once
/// per group, not once per parameter: 11 calls a group where makemore.py's RNN made 60, its
/// Transformer 530. The numbers are the per-parameter loop's (tests/nn.rs checks both against
/// PyTorch; tests/zoo.rs every makemore.py type). A parameter whose data has moved since (a
/// model loaded anew) makes the next step lay them out again.
///
/// Its state, per parameter index `i` as in PyTorch's `optimizer.state_dict()`: `"{i}.step"`
/// (a float32 scalar, as PyTorch keeps it), `"{i}.exp_avg"`, `"{i}.exp_avg_sq"`.
///
/// ```
/// use makemore::nn::{AdamW, Optimizer};
/// let w = tch::Tensor::from_slice(&[1.0f32, -2.0]).set_requires_grad(true);
/// (&w * &w).sum(tch::Kind::Float).backward();
/// let mut adamw = AdamW::default();
/// adamw.step(&[w.shallow_clone()], 0.1)?;
/// // the first step moves each weight by about lr against its gradient's sign (and decays it)
/// let moved = Vec::<f32>::try_from(&w.detach())?;
/// assert!((moved[0] - (1.0 * (1.0 - 0.1 * 0.01) - 0.1)).abs() < 1e-6);
/// assert!((moved[1] - (-2.0 * (1.0 - 0.1 * 0.01) + 0.1)).abs() < 1e-6);
/// let names: Vec<String> = adamw.state().into_iter().map(|(name, _)| name).collect();
/// assert_eq!(names, ["0.step", "0.exp_avg", "0.exp_avg_sq"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct AdamW {
    /// The decay rates of the running averages of the gradient and its square.
    pub betas: (f64, f64),
    /// Added to the denominator.
    pub eps: f64,
    /// Decoupled weight decay: each step multiplies a parameter by 1 − lr · weight_decay.
    pub weight_decay: f64,
    states: Vec<Option<State>>,
    /// The parameters and their running averages laid end to end in groups, when they step
    /// together: the tensors of `states` (and the parameters' data) are then views of these.
    layout: Option<Layout>,
}

/// The parameters in groups of consecutive ones, each group's data and running averages one
/// tensor each (see [`AdamW`]).
#[derive(Debug)]
struct Layout {
    groups: Vec<Group>,
    /// Where each parameter's data starts: the layout holds while the parameters' data is
    /// still there.
    data_ptrs: Vec<usize>,
}

/// Consecutive parameters laid end to end: at most [`GROUP_NUMEL`] numbers, or one parameter.
#[derive(Debug)]
struct Group {
    params: std::ops::Range<usize>,
    param: Tensor,
    exp_avg: Tensor,
    exp_avg_sq: Tensor,
}

/// The most numbers one group holds: ATen's grain size (`at::internal::GRAIN_SIZE`), up to
/// which an elementwise call runs on the calling thread. Each call over a group stays on one
/// thread, as over one parameter (a call over a Transformer's 204,544 numbers at once would
/// run on every thread, and crawl while another program holds a core).
const GROUP_NUMEL: i64 = 32_768;

/// One parameter's running averages.
#[derive(Debug)]
struct State {
    /// Steps taken, a float32 in PyTorch (exact up to 2^24 steps).
    step: f64,
    exp_avg: Tensor,
    exp_avg_sq: Tensor,
}

impl Default for AdamW {
    /// karpathy/makemore's: `betas=(0.9, 0.99), eps=1e-8, weight_decay=0.01`.
    fn default() -> AdamW {
        AdamW::new((0.9, 0.99), 1e-8, 0.01)
    }
}

impl AdamW {
    /// An AdamW with these settings and no state yet (created at each parameter's first step).
    pub fn new(betas: (f64, f64), eps: f64, weight_decay: f64) -> AdamW {
        AdamW { betas, eps, weight_decay, states: Vec::new(), layout: None }
    }

    /// Resume from a [`state`](Optimizer::state) saved earlier for `params` (the same
    /// parameters in the same order): every tensor must be there, of its parameter's shape.
    pub fn load_state(&mut self, params: &[Tensor], named: &[(String, Tensor)]) -> Result<()> {
        let find = |name: String, shape: &[i64]| -> Result<Option<Tensor>> {
            let Some((_, t)) = named.iter().find(|(n, _)| *n == name) else { return Ok(None) };
            if t.size() != shape {
                return Err(Error::BadWeights(format!("'{name}' has shape {:?}, expected {shape:?}", t.size())));
            }
            Ok(Some(t.f_to_kind(Kind::Float)?.detach().copy()))
        };
        let mut states = Vec::with_capacity(params.len());
        for (i, p) in params.iter().enumerate() {
            let step = find(format!("{i}.step"), &[])?;
            let exp_avg = find(format!("{i}.exp_avg"), &p.size())?;
            let exp_avg_sq = find(format!("{i}.exp_avg_sq"), &p.size())?;
            states.push(match (step, exp_avg, exp_avg_sq) {
                (Some(step), Some(exp_avg), Some(exp_avg_sq)) => {
                    Some(State { step: step.f_double_value(&[])?, exp_avg, exp_avg_sq })
                }
                (None, None, None) => None,
                _ => return Err(Error::BadWeights(format!("parameter {i}'s AdamW state is incomplete"))),
            });
        }
        self.states = states;
        self.layout = None; // laid out again, with these averages, at the next step
        Ok(())
    }
}

impl AdamW {
    /// Whether all parameters can step as one: more than one, each with a gradient, float32,
    /// the same number of steps taken, and no two sharing their data.
    fn can_step_together(&self, params: &[Tensor], grads: &[Tensor]) -> bool {
        let steps: Vec<Option<f64>> =
            self.states.iter().take(params.len()).map(|s| s.as_ref().map(|s| s.step)).collect();
        let mut ptrs: Vec<usize> = params.iter().map(|p| p.data_ptr() as usize).collect();
        ptrs.sort_unstable();
        ptrs.dedup();
        params.len() > 1
            && grads.iter().all(Tensor::defined)
            && params.iter().all(|p| p.kind() == Kind::Float && p.device() == params[0].device())
            && steps.iter().all(|s| *s == steps[0])
            && ptrs.len() == params.len()
    }

    /// Lay the parameters and their running averages out end to end, in groups ([`Layout`]),
    /// unless they are already.
    fn lay_out(&mut self, params: &[Tensor]) -> Result<()> {
        let data_ptrs: Vec<usize> = params.iter().map(|p| p.data_ptr() as usize).collect();
        if self.layout.as_ref().is_some_and(|l| l.data_ptrs == data_ptrs) {
            return Ok(());
        }
        let mut ranges: Vec<std::ops::Range<usize>> = Vec::new();
        let mut numel = 0;
        for (i, p) in params.iter().enumerate() {
            let n = p.numel() as i64;
            match ranges.last_mut() {
                Some(range) if numel + n <= GROUP_NUMEL => range.end = i + 1,
                _ => {
                    ranges.push(i..i + 1);
                    numel = 0;
                }
            }
            numel += n;
        }
        let mut groups = Vec::with_capacity(ranges.len());
        for range in ranges {
            let ps = &params[range.clone()];
            let states = &self.states[range.clone()];
            let average = |sq: bool| -> Result<Tensor> {
                let pieces = ps.iter().zip(states).map(|(p, s)| -> Result<Tensor> {
                    let t = match s {
                        Some(s) => (if sq { &s.exp_avg_sq } else { &s.exp_avg }).f_detach()?,
                        None => p.f_zeros_like()?,
                    };
                    Ok(t.f_reshape([-1])?)
                });
                Ok(Tensor::f_cat(&pieces.collect::<Result<Vec<_>>>()?, 0)?)
            };
            let pieces = ps.iter().map(|p| p.f_detach()?.f_reshape([-1]));
            let param = Tensor::f_cat(&pieces.collect::<std::result::Result<Vec<_>, _>>()?, 0)?;
            let (exp_avg, exp_avg_sq) = (average(false)?, average(true)?);
            let mut offset = 0;
            for (i, p) in range.clone().zip(ps) {
                let (n, shape) = (p.numel() as i64, p.size());
                let view = |t: &Tensor| -> Result<Tensor> { Ok(t.f_narrow(0, offset, n)?.f_view(shape.as_slice())?) };
                p.shallow_clone().f_set_data(&view(&param)?)?;
                let step = self.states[i].as_ref().map_or(0.0, |s| s.step);
                self.states[i] = Some(State { step, exp_avg: view(&exp_avg)?, exp_avg_sq: view(&exp_avg_sq)? });
                offset += n;
            }
            groups.push(Group { params: range, param, exp_avg, exp_avg_sq });
        }
        let data_ptrs = params.iter().map(|p| p.data_ptr() as usize).collect();
        self.layout = Some(Layout { groups, data_ptrs });
        Ok(())
    }

    /// PyTorch's update of one parameter (or of all of them laid out as one) after its
    /// `step`-th gradient.
    #[allow(clippy::too_many_arguments)]
    fn update(
        &self,
        param: &Tensor,
        exp_avg: &mut Tensor,
        exp_avg_sq: &mut Tensor,
        grad: &Tensor,
        step: f64,
        lr: f64,
    ) -> Result<()> {
        let (beta1, beta2) = self.betas;
        let mut param = param.shallow_clone();
        if self.weight_decay != 0.0 {
            let _ = param.f_mul_scalar_(1.0 - lr * self.weight_decay)?;
        }
        let _ = exp_avg.f_lerp_(grad, 1.0 - beta1)?;
        let _ = exp_avg_sq.f_mul_scalar_(beta2)?.f_addcmul_(&grad.f_mul_scalar(1.0 - beta2)?, grad)?;
        let bias_correction1 = 1.0 - beta1.powf(step);
        let bias_correction2 = 1.0 - beta2.powf(step);
        let step_size = lr / bias_correction1;
        let bias_correction2_sqrt = bias_correction2.powf(0.5);
        let mut denom = exp_avg_sq.f_sqrt()?.f_div_scalar(bias_correction2_sqrt)?;
        let _ = denom.f_add_scalar_(self.eps)?; // every `let _` here: an in-place call's returned handle
        let _ = param.f_addcdiv_(&exp_avg.f_mul_scalar(-step_size)?, &denom)?;
        Ok(())
    }
}

impl AdamW {
    /// [`Optimizer::step`] with the gradients given (`grads[i]` for `params[i]`; undefined:
    /// none), as a step with its backward pass written out computes them.
    pub fn step_with(&mut self, params: &[Tensor], grads: &[Tensor], lr: f64) -> Result<()> {
        // checked before anything moves: a refused step leaves the optimizer as it was
        let fits = |(p, g): (&Tensor, &Tensor)| !g.defined() || g.numel() == p.numel();
        if grads.len() != params.len() || !params.iter().zip(grads).all(fits) {
            return Err(Error::BadParameter {
                name: "gradients",
                value: format!("{} for {} parameters", grads.len(), params.len()),
                expected: "one per parameter, of its number of elements (or undefined)",
            });
        }
        if self.states.len() < params.len() {
            self.states.resize_with(params.len(), || None);
        }
        tch::no_grad(|| -> Result<()> {
            if self.can_step_together(params, grads) {
                self.lay_out(params)?;
                let mut step = 0.0;
                for state in self.states.iter_mut().take(params.len()).flatten() {
                    state.step += 1.0;
                    step = state.step;
                }
                let mut layout = self.layout.take().expect("laid out above");
                let mut updated = Ok(());
                for g in &mut layout.groups {
                    let pieces = grads[g.params.clone()].iter().map(|g| g.f_reshape([-1]));
                    let grad = Tensor::f_cat(&pieces.collect::<std::result::Result<Vec<_>, _>>()?, 0)?;
                    updated = updated.and(self.update(&g.param, &mut g.exp_avg, &mut g.exp_avg_sq, &grad, step, lr));
                }
                self.layout = Some(layout);
                return updated;
            }
            for (i, (param, grad)) in params.iter().zip(grads).enumerate() {
                if !grad.defined() {
                    continue;
                }
                if self.states[i].is_none() {
                    self.states[i] =
                        Some(State { step: 0.0, exp_avg: param.f_zeros_like()?, exp_avg_sq: param.f_zeros_like()? });
                }
                let Some(state) = self.states[i].as_mut() else { continue };
                state.step += 1.0;
                let (step, mut exp_avg, mut exp_avg_sq) =
                    (state.step, state.exp_avg.shallow_clone(), state.exp_avg_sq.shallow_clone());
                self.update(param, &mut exp_avg, &mut exp_avg_sq, grad, step, lr)?;
            }
            Ok(())
        })
    }
}

impl Optimizer for AdamW {
    /// One step for every parameter with a gradient: all at once when they can step together
    /// (see [`AdamW`]), else one by one.
    fn step(&mut self, params: &[Tensor], lr: f64) -> Result<()> {
        let grads = params.iter().map(Tensor::f_grad).collect::<std::result::Result<Vec<_>, _>>()?;
        self.step_with(params, &grads, lr)
    }

    fn state(&self) -> Vec<(String, Tensor)> {
        let mut named = Vec::new();
        for (i, state) in self.states.iter().enumerate() {
            if let Some(s) = state {
                named.push((format!("{i}.step"), Tensor::from(s.step as f32)));
                named.push((format!("{i}.exp_avg"), s.exp_avg.shallow_clone()));
                named.push((format!("{i}.exp_avg_sq"), s.exp_avg_sq.shallow_clone()));
            }
        }
        named
    }
}
