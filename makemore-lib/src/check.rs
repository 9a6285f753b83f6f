//! Checking computed numbers against PyTorch's, one readable line per check: the one
//! checking module of the project, used by the notebooks and the tests alike.
//!
//! ```
//! use makemore::check::{self, Bound};
//! check::close(2.4543562, 2.4543561935424805, Bound::Ulps(1.0)); // passes
//! assert!(check::within(2.46, 2.4543561935424805, Bound::Ulps(1.0)).is_err());
//! ```
//!
//! The names say what a failure does:
//! - [`close`], [`close_all`], [`assert_close`], [`assert_close_each`] and the
//!   `assert_*` methods of [`Training`] and [`crate::Reference`] panic (like `assert!`), with
//!   the two numbers, their difference, the bound's name and width, and the line of the
//!   caller: in a notebook run by the tests that stops the run; in a test it fails the test.
//!   That is the [`Mode::Strict`] mode, the default.
//! - [`within`] makes the same comparison and returns a `Result` (a [`Mismatch`]), for code
//!   that goes on after a difference.
//! - [`all`] chains several of them in one line (`check::all().close(..).eq(..)`), for the
//!   end of a notebook's cell: one line of checks, however many numbers it checks.
//!
//! **Two modes.** A learner changes things: another learning rate, more steps. The numbers
//! then differ from the lecture's run, rightly, and a check that stops the cell would throw
//! away what the cell computed. In [`Mode::Lenient`] (the kernel of `make lab`:
//! `MAKEMORE_CHECKS=lenient`) a check whose number differs prints one line and the cell
//! goes on:
//!
//! ```text
//! note: final.loss.dev differs from the lecture's run (PyTorch: 2.1655; here: 2.1402), because an input changed
//! ```
//!
//! A genuine error still stops the cell in both modes: a NaN or an infinity where PyTorch's
//! number is finite (a training that diverged), or tensors of different lengths where
//! numbers are compared one for one. A run of another length is not an error: the checks of
//! a training's losses ([`Training::assert_losses`], [`crate::Reference::assert_run`]) then
//! compare the steps both runs have and say so. The mode is read once from the environment
//! variable `MAKEMORE_CHECKS` (`lenient`; unset, empty or `strict`: strict) and can be set
//! with [`set_mode`]; [`with_mode`] sets it for one closure on this thread.
//!
//! Every bound is named after the computation that made the number; its derivation is here,
//! in one place, and in `docs/tolerances.md`. No bound is a number tuned until a check passes.
//!
//! u = 2⁻²⁴ is float32's unit roundoff: a correctly rounded float32 operation is within
//! u·|x| of the exact result, and one ulp of x is at most 2u·|x|.

use std::cell::Cell;
use std::sync::atomic::{AtomicU8, Ordering};

use tch::{Kind, Tensor};

/// What a check does when its number is beyond its bound (see the module's docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Panic, stopping the cell (the tests; the default).
    Strict,
    /// Print one line and go on, unless the difference is a genuine error (a learner's kernel).
    Lenient,
}

/// The process's mode: 0 not read yet, else 1 + the mode's index.
static MODE: AtomicU8 = AtomicU8::new(0);

thread_local! {
    /// [`with_mode`]'s mode for this thread, over the process's.
    static SCOPED: Cell<Option<Mode>> = const { Cell::new(None) };
}

impl Mode {
    /// The mode `MAKEMORE_CHECKS` names: `lenient` (any case) is lenient; anything else,
    /// unset included, is strict (a typo must not turn the tests' checks into notes).
    pub fn from_env_value(value: Option<&str>) -> Mode {
        match value {
            Some(v) if v.trim().eq_ignore_ascii_case("lenient") => Mode::Lenient,
            _ => Mode::Strict,
        }
    }
}

/// The mode checks fail in: [`with_mode`]'s on this thread, else the process's ([`set_mode`],
/// or `MAKEMORE_CHECKS`, read once).
pub fn mode() -> Mode {
    if let Some(mode) = SCOPED.with(Cell::get) {
        return mode;
    }
    match MODE.load(Ordering::Relaxed) {
        1 => Mode::Strict,
        2 => Mode::Lenient,
        _ => {
            let mode = Mode::from_env_value(std::env::var("MAKEMORE_CHECKS").ok().as_deref());
            // a set_mode between the read and here wins
            let _ = MODE.compare_exchange(0, code_of(mode), Ordering::Relaxed, Ordering::Relaxed);
            mode
        }
    }
}

fn code_of(mode: Mode) -> u8 {
    match mode {
        Mode::Strict => 1,
        Mode::Lenient => 2,
    }
}

/// Set the process's mode (over `MAKEMORE_CHECKS`), e.g. `check::set_mode(Mode::Strict)` in a
/// notebook's cell to make every check after it stop the run again.
pub fn set_mode(mode: Mode) {
    MODE.store(code_of(mode), Ordering::Relaxed);
}

/// Run `f` with checks in `mode` on this thread only (other threads keep the process's).
///
/// ```
/// use makemore::check::{self, Bound, Mode};
/// // prints "note: a check differs from the lecture's run (PyTorch: 2.1655; here: 2.1402), ..."
/// check::with_mode(Mode::Lenient, || check::close(2.1402, 2.1655, Bound::Exact));
/// let strict = std::panic::catch_unwind(|| check::with_mode(Mode::Strict, || check::close(2.1402, 2.1655, Bound::Exact)));
/// assert!(strict.is_err());
/// ```
pub fn with_mode<R>(mode: Mode, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<Mode>);
    impl Drop for Restore {
        fn drop(&mut self) {
            SCOPED.with(|s| s.set(self.0));
        }
    }
    let _restore = Restore(SCOPED.with(|s| s.replace(Some(mode))));
    f()
}

/// The one way a check fails. `what` names the number (a fixture's key, `at step 17`, or
/// empty), `miss` is the difference. Strict: panic with `strict_message` (the wording the
/// tests have always printed). Lenient: a NaN or infinity against a finite number panics
/// (a genuine error); anything else prints one line and returns.
#[track_caller]
pub(crate) fn fail(what: &str, miss: &Mismatch, strict_message: std::fmt::Arguments<'_>) {
    if mode() == Mode::Strict {
        panic!("{strict_message}");
    }
    if !miss.got.is_finite() && miss.want.is_finite() {
        let what = crate::reference::named(what, miss.want);
        panic!(
            "check failed: {} is {} here where PyTorch's is {}: a genuine error (did the training diverge?), not a changed input",
            name_or(&what, "the number"),
            miss.got,
            miss.want
        );
    }
    let line = lenient_note(what, miss.got, miss.want);
    println!("{line}");
    #[cfg(test)]
    NOTES.with(|n| n.borrow_mut().push(line));
}

/// A genuine error in both modes (a length that must match): panic with `message`.
#[track_caller]
pub(crate) fn genuine(message: std::fmt::Arguments<'_>) -> ! {
    panic!("{message}")
}

/// A note of lenient mode that is not about one number (a run of another length): printed
/// as one line; in strict mode the caller panics instead.
pub(crate) fn note(line: String) {
    println!("{line}");
    #[cfg(test)]
    NOTES.with(|n| n.borrow_mut().push(line));
}

#[cfg(test)]
thread_local! {
    /// The lines lenient checks printed on this thread, for the tests.
    pub(crate) static NOTES: std::cell::RefCell<Vec<String>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn name_or<'a>(what: &'a str, default: &'a str) -> &'a str {
    if what.is_empty() { default } else { what }
}

/// "note: final.loss.dev differs from the lecture's run (PyTorch: 2.1655; here: 2.1402),
/// because an input changed", the two numbers with as many decimals (4 at least) as it
/// takes to tell them apart.
pub fn lenient_note(what: &str, got: f64, want: f64) -> String {
    let (g, w) = apart(got, want);
    let what = crate::reference::named(what, want);
    format!(
        "note: {} differs from the lecture's run (PyTorch: {w}; here: {g}), because an input changed",
        name_or(&what, "a check")
    )
}

/// `got` and `want` printed with 4 decimals, or more until they differ (up to 17).
fn apart(got: f64, want: f64) -> (String, String) {
    for decimals in 4..=17 {
        let (g, w) = (format!("{got:.decimals$}"), format!("{want:.decimals$}"));
        if g != w || decimals == 17 {
            return (g, w);
        }
    }
    unreachable!()
}

/// float32's unit roundoff, 2⁻²⁴.
pub const U: f64 = 5.960_464_477_539_063e-8;
/// float64's unit roundoff, 2⁻⁵³.
pub const U64: f64 = 1.110_223_024_625_156_5e-16;

/// How a reduction adds its terms, which decides its worst-case error ([`Bound::Sum`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// One after another: within (n−1)·u·Σ|x| of the exact sum.
    Sequential,
    /// Pairwise, cascaded or blocked (libtorch's sums, BLAS): within ⌈log2 n⌉·u·Σ|x|.
    Pairwise,
}

/// How far a computed number may be from PyTorch's, named after the computation.
///
/// Bounds add up: [`Bound::plus`] for errors of independent sources, [`Bound::both_sides`]
/// for two computations that each meet a bound against the exact value.
#[derive(Debug, Clone, PartialEq)]
pub enum Bound {
    /// Bit for bit: integers, samples, draws, one correctly rounded division of exact
    /// integers, a sequential float32 loop that no platform reorders.
    Exact,
    /// `n` float32 ulps of the reference value: n·2u·|want|.
    Ulps(f64),
    /// `ulps` float32 ulps of a number of size `of` (not of the result): roundings made
    /// at that size, e.g. log-softmax of logits near 100 whose result is 50.
    UlpsOf { ulps: f64, of: f64 },
    /// A sequential float32 sum of `n` terms of one sign, each already a float32:
    /// (n−1) additions, each within u of the partial sum: (n−1)·u·|want|.
    Float32Sum(usize),
    /// A float32 sum of `n` float32 logs: each log within 1 ulp of the true log (2u of
    /// it), then (n−1) additions: (n+1)·u·|want|.
    SumOfLogs(usize),
    /// The sum of a row of `n` probabilities (exact value 1), each within u (one
    /// division): a float32 sum (n−1)u, plus Σ u·p = u: n·u.
    RowOfProbs(usize),
    /// The sum of a softmax row over `vocab` outputs (exact value 1): per element an exp
    /// (1 ulp: 2u), a row sum of V ((V−1)u) and a division (u): (V+3)u (as in
    /// docs/tolerances.md).
    SoftmaxRow { vocab: usize },
    /// One softmax probability over `vocab` outputs, computed twice (PyTorch's and ours):
    /// a side rounds an exp (1 ulp: 2u), sums the row's V exps ((V−1)u, on top of their
    /// own 2u) and divides (u): (V+4)u of the value; 2(V+4)u for the two sides.
    SoftmaxProb { vocab: usize },
    /// The gradient of a mean NLL over n examples with respect to a logit that is not the
    /// target's, p/n, as autograd computes it, twice: c_j/s from the forward pass, (V+3)u
    /// (an exp, 2u, over a row sum, (V+1)u), then seven roundings: 1/n, p_t = c_t/s,
    /// g/p_t (log backward), c_t/s, /s and ·g (division backward), ·c_j (exp backward);
    /// the one-hot product adds one non-zero term, exactly: (V+10)u a side, 2(V+10)u.
    SoftmaxGrad { vocab: usize },
    /// A vectorised average NLL: float32 logs within 1 ulp of the true log on either
    /// side (2 ulps of the mean: 4u·|want|, every term of one sign), averaged over `n`
    /// terms in float64 on both sides (a sequential sum, 2·(n−1)·u64·|want|).
    MeanOfLogs(usize),
    /// The average NLL of a counts model over `n` examples, computed twice (PyTorch's
    /// float32 against ours in float32 or float64): a float32 side rounds N + k (u), sums
    /// a row of `vocab` ((V−1)u), divides (u) and takes a float32 log (1 ulp), so each
    /// log-probability is within (V+1)u + 2u·|log p| of exact; all of one sign, so the
    /// mean is within (V+1)u + 2u·|want|; twice that for two sides, plus the float64
    /// sums of `n` terms on both sides, 2·n·u64·|want|.
    CountsNll { vocab: usize, n: usize },
    /// [`Bound::CountsNll`] with one float32 side: PyTorch's float32 NLL of a counts model
    /// against ours computed in float64: (V+1)u + 2u·|want| (PyTorch's rounding), plus the
    /// float64 sums of `n` terms on both sides, 2·(n−1)·u64·|want|.
    CountsNllVsF64 { vocab: usize, n: usize },
    /// One loss evaluation at a fixed W, computed two ways (one-hot, index, fused
    /// cross-entropy, another machine): per example an exp, a row sum of `vocab`, a
    /// division and a log, (V+3)u, then a pairwise mean of `n`, (⌈log2 n⌉+2)·u·L; both
    /// sides: 2·((V+3)u + (⌈log2 n⌉+2)·u·|want|).
    Loss { vocab: usize, n: usize },
    /// The loss at `step` (0 = before any update) of a float32 training against another
    /// one of the same network: [`Bound::Loss`] plus 2·t·δ (|∂L/∂W| summed over W is ≤ 2
    /// per example), where δ bounds how far one step may move a weight apart (see
    /// [`Training`]).
    TrainingLoss { step: usize, run: Training },
    /// A weight after `steps` updates of a float32 training against another one: t·δ.
    /// (A softmax moves each probability by at most half the largest change of its
    /// logits, so probabilities computed from such weights are within this too.)
    Weights { steps: usize, run: Training },
    /// An absolute width, for a number that no rounding analysis bounds (a long training
    /// compared with another CPU vendor's, whose runs drift apart chaotically): the
    /// justification must be stated next to the check and in docs/tolerances.md.
    Absolute(f64),
    /// A number the video prints with `decimals` decimals: half a unit of the last
    /// digit, plus `ulps` float32 ulps of the value for what the video's machine may
    /// have rounded differently.
    Printed { decimals: i32, ulps: f64 },
    /// One computed sum of `n` terms whose absolute values add up to `abs_sum`, added in
    /// `order` at unit roundoff `unit` ([`U`] or [`U64`]), against the exact sum:
    /// (n−1)·unit·abs_sum (sequential) or ⌈log2 n⌉·unit·abs_sum (pairwise).
    Sum { n: usize, abs_sum: f64, order: Order, unit: f64 },
    /// An absolute width derived where the check is written, from the computation: the
    /// derivation must sit next to it (unlike [`Bound::Absolute`], which is measured).
    Derived(f64),
    /// Both bounds at once: errors of independent sources add up (see [`Bound::plus`]).
    Plus(Box<Bound>, Box<Bound>),
}

/// A full-batch gradient-descent training, as far as its float32 error goes.
///
/// Each step's gradient of W\[i, j] is a reduction of the n_i examples whose input
/// selects row i, each term of size ≤ 1/n: computed in blocks (matmul) or one by one
/// (index backward) it is within (⌈log2 n_i⌉ + V + 3 + h − 1)·u·n_i/n of exact, where h
/// is the number of ones in an input (1 for a one-hot, 2 for two one-hots side by side:
/// one more addition per logit). Times the learning rate, on both sides, plus the
/// update's own rounding (16u, a weight being below 8 in size): δ =
/// lr·2(⌈log2 n_i⌉ + V + 2 + h)·u·n_i/n + 16u. Gradient descent on this convex loss at
/// this step size is non-expansive, so the per-step differences add up at most
/// linearly: t·δ after t steps. A worst case: the two vendors' trainings differ four
/// orders of magnitude less (docs/tolerances.md).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Training {
    /// the learning rate
    pub lr: f64,
    /// outputs of the network (the vocabulary)
    pub vocab: usize,
    /// examples in the batch
    pub n: usize,
    /// the largest number of examples sharing one input row (n_i)
    pub per_input: usize,
    /// ones per input (h)
    pub hot: usize,
}

impl Training {
    /// The training on inputs `xs` (one index per example, or `[n, h]` indices, each
    /// selecting one row of W) towards `vocab` outputs, at learning rate `lr`.
    pub fn new(xs: &Tensor, vocab: usize, lr: f64) -> Training {
        let size = xs.size();
        let n = size[0] as usize;
        let hot = if size.len() > 1 { size[1] as usize } else { 1 };
        let flat = xs.flatten(0, -1).to_kind(Kind::Int64);
        let per_input = if n == 0 { 0 } else { flat.bincount::<Tensor>(None, 0).max().int64_value(&[]) as usize };
        Training { lr, vocab, n, per_input, hot }
    }

    /// δ: how far one step may move a weight of two float32 trainings apart.
    pub fn delta(&self) -> f64 {
        let (ni, n, v, h) = (self.per_input as f64, self.n.max(1) as f64, self.vocab as f64, self.hot as f64);
        let blocks = if ni > 1.0 { ni.log2().ceil() } else { 0.0 };
        self.lr * 2.0 * (blocks + v + 2.0 + h) * U * ni / n + 16.0 * U
    }

    /// The bound on the loss at `step` (0: before any update).
    pub fn loss_at(&self, step: usize) -> Bound {
        Bound::TrainingLoss { step, run: *self }
    }

    /// The bound on a weight (or a probability) after `steps` updates.
    pub fn weights_after(&self, steps: usize) -> Bound {
        Bound::Weights { steps, run: *self }
    }

    /// Check this training's `losses` (one per step, from step 0; f32 or f64) against PyTorch's at
    /// some steps, `want` = [(step, loss)], each within [`Training::loss_at`] its step; panic
    /// if one is not: one line in a notebook for what is otherwise a loop of [`close`].
    #[track_caller]
    pub fn assert_losses(&self, losses: &[impl Copy + Into<f64>], want: &[(usize, f64)]) {
        for &(step, want) in want {
            if step >= losses.len() {
                if mode() == Mode::Strict {
                    panic!("check failed: no loss at step {step} ({} steps ran)", losses.len());
                }
                note(format!(
                    "note: no loss at step {step} here ({} steps ran), so it is not compared with the lecture's run",
                    losses.len()
                ));
                continue;
            }
            close_at(step, losses[step].into(), want, self.loss_at(step));
        }
    }

    /// Check that two runs of this training (the same loop written two ways, or by the
    /// library) have the same losses, step by step, each within [`Training::loss_at`]; panic
    /// if not.
    #[track_caller]
    pub fn assert_same_losses<T: Copy + Into<f64>>(&self, got: &[T], want: &[T]) {
        if got.len() != want.len() {
            if mode() == Mode::Strict {
                panic!("check failed: {} losses, want {}", got.len(), want.len());
            }
            note(format!(
                "note: {} losses here, {} in the run compared with: the first {} are compared",
                got.len(),
                want.len(),
                got.len().min(want.len())
            ));
        }
        for (step, (&g, &w)) in got.iter().zip(want).enumerate() {
            if let Err(miss) = within(g.into(), w.into(), self.loss_at(step)) {
                fail(&format!("the loss at step {step}"), &miss, format_args!("check failed at [{step}]: {miss}"));
                return; // lenient: one line for the run, not one per step
            }
        }
    }

    /// The old name of [`Training::assert_losses`].
    #[doc(hidden)]
    #[deprecated(note = "renamed to `assert_losses`: it panics, as the `assert_*` checks do")]
    #[track_caller]
    pub fn check_losses(&self, losses: &[impl Copy + Into<f64>], want: &[(usize, f64)]) {
        self.assert_losses(losses, want)
    }

    /// The old name of [`Training::assert_same_losses`].
    #[doc(hidden)]
    #[deprecated(note = "renamed to `assert_same_losses`: it panics, as the `assert_*` checks do")]
    #[track_caller]
    pub fn check_same_losses<T: Copy + Into<f64>>(&self, got: &[T], want: &[T]) {
        self.assert_same_losses(got, want)
    }
}

fn ceil_log2(n: usize) -> f64 {
    if n > 1 { (n as f64).log2().ceil() } else { 0.0 }
}

impl Bound {
    /// This bound plus another: errors of independent sources add up.
    ///
    /// ```
    /// use makemore::check::{Bound, U};
    /// assert_eq!(Bound::Ulps(1.0).plus(Bound::Derived(U)).width(1.0), 3.0 * U);
    /// ```
    pub fn plus(self, other: Bound) -> Bound {
        Bound::Plus(Box::new(self), Box::new(other))
    }

    /// Two computations that each meet this bound against the exact value differ by at
    /// most twice it.
    pub fn both_sides(self) -> Bound {
        self.clone().plus(self)
    }

    /// The largest |got − want| this bound allows around `want`.
    pub fn width(&self, want: f64) -> f64 {
        let w = want.abs();
        match *self {
            Bound::Exact => 0.0,
            Bound::Ulps(n) => n * 2.0 * U * w,
            Bound::UlpsOf { ulps, of } => ulps * 2.0 * U * of.abs(),
            Bound::Float32Sum(n) => n.saturating_sub(1) as f64 * U * w,
            Bound::SumOfLogs(n) => (n as f64 + 1.0) * U * w,
            Bound::RowOfProbs(n) => n as f64 * U,
            Bound::SoftmaxRow { vocab } => (vocab as f64 + 3.0) * U,
            Bound::SoftmaxProb { vocab } => 2.0 * (vocab as f64 + 4.0) * U * w,
            Bound::SoftmaxGrad { vocab } => 2.0 * (vocab as f64 + 10.0) * U * w,
            Bound::MeanOfLogs(n) => 4.0 * U * w + 2.0 * n.saturating_sub(1) as f64 * U64 * w,
            Bound::CountsNll { vocab, n } => 2.0 * ((vocab as f64 + 1.0) * U + 2.0 * U * w) + 2.0 * n as f64 * U64 * w,
            Bound::CountsNllVsF64 { vocab, n } => {
                (vocab as f64 + 1.0) * U + 2.0 * U * w + 2.0 * n.saturating_sub(1) as f64 * U64 * w
            }
            Bound::Loss { vocab, n } => 2.0 * ((vocab as f64 + 3.0) * U + (ceil_log2(n) + 2.0) * U * w),
            Bound::TrainingLoss { step, run } => {
                Bound::Loss { vocab: run.vocab, n: run.n }.width(want) + 2.0 * step as f64 * run.delta()
            }
            Bound::Weights { steps, run } => steps as f64 * run.delta(),
            Bound::Absolute(width) => width,
            Bound::Printed { decimals, ulps } => 0.5 * 10f64.powi(-decimals) + ulps * 2.0 * U * w,
            Bound::Sum { n, abs_sum, order, unit } => {
                let steps = match order {
                    Order::Sequential => n.saturating_sub(1) as f64,
                    Order::Pairwise => ceil_log2(n),
                };
                steps * unit * abs_sum
            }
            Bound::Derived(width) => width,
            Bound::Plus(ref a, ref b) => a.width(want) + b.width(want),
        }
    }
}

/// A number outside its bound: what [`within`] returns, and what the panicking checks print.
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    /// the computed number
    pub got: f64,
    /// the reference number
    pub want: f64,
    /// the bound it is beyond
    pub bound: Bound,
}

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (got, want, bound) = (self.got, self.want, &self.bound);
        write!(
            f,
            "got {got}, want {want}: difference {:.3e} is beyond {bound:?} = {:.3e}",
            (got - want).abs(),
            bound.width(want)
        )
    }
}

impl std::error::Error for Mismatch {}

/// Is `got` within `bound` of the reference `want`? `Bound::Exact` asks for the same
/// number (or the same bits, for a NaN).
///
/// ```
/// use makemore::check::{self, Bound};
/// assert!(check::within(1.0, 1.0, Bound::Exact).is_ok());
/// let miss = check::within(1.5, 1.0, Bound::Derived(0.1)).unwrap_err();
/// assert!(miss.to_string().starts_with("got 1.5, want 1"));
/// ```
pub fn within(got: impl Into<f64>, want: f64, bound: Bound) -> Result<(), Mismatch> {
    let got = got.into();
    let ok = match bound {
        Bound::Exact => got == want || got.to_bits() == want.to_bits(),
        _ => (got - want).abs() <= bound.width(want),
    };
    if ok { Ok(()) } else { Err(Mismatch { got, want, bound }) }
}

/// Check that `got` is within `bound` of PyTorch's `want`; panic (stopping a notebook
/// run) with both numbers and the bound if not.
#[track_caller]
pub fn close(got: impl Into<f64>, want: f64, bound: Bound) {
    if let Err(miss) = within(got, want, bound) {
        fail("", &miss, format_args!("check failed: {miss}"));
    }
}

/// [`close`], saying where a failed check was (a step, an index). Lenient mode names the
/// step of a training's loss.
#[track_caller]
fn close_at(at: usize, got: f64, want: f64, bound: Bound) {
    if let Err(miss) = within(got, want, bound) {
        fail(&format!("the loss at step {at}"), &miss, format_args!("check failed at [{at}]: {miss}"));
    }
}

/// [`close`] for every element of a tensor (read as float64), against `want`. Tensors of
/// different sizes stop the cell in both modes (a genuine error); in lenient mode the first
/// element beyond its bound prints the one line.
#[track_caller]
pub fn close_all(got: &Tensor, want: &[f64], bound: Bound) {
    let got = Vec::<f64>::try_from(got.to_kind(Kind::Double).flatten(0, -1)).expect("a numeric tensor");
    if got.len() != want.len() {
        genuine(format_args!("check failed: {} numbers, want {}", got.len(), want.len()));
    }
    let what = crate::reference::named_all(want);
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        if let Err(miss) = within(g, w, bound.clone()) {
            let name = if what.is_empty() { format!("element {i}") } else { format!("{what}.{i}") };
            fail(&name, &miss, format_args!("check failed at [{i}]: {miss}"));
            return;
        }
    }
}

/// The tests' form of [`close_all`]: every element of `got` within `bound` of `want`'s;
/// a failure names `what` and the element, and prints `reason` (where the bound comes from).
///
/// ```
/// use makemore::check::{self, Bound};
/// check::assert_close("row sums", &[1.0, 1.0], &[1.0, 1.0], Bound::RowOfProbs(27), "27 divisions");
/// ```
#[track_caller]
pub fn assert_close(what: &str, got: &[f64], want: &[f64], bound: Bound, reason: &str) {
    assert_close_each(what, got, want, |_| bound.clone(), reason);
}

/// [`assert_close`] with a bound per element (e.g. growing with the training step).
#[track_caller]
pub fn assert_close_each(what: &str, got: &[f64], want: &[f64], bound: impl Fn(usize) -> Bound, reason: &str) {
    if got.len() != want.len() {
        genuine(format_args!("{what}: {} numbers, want {}", got.len(), want.len()));
    }
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        if let Err(miss) = within(g, w, bound(i)) {
            fail(&format!("{what}[{i}]"), &miss, format_args!("check failed: {what}[{i}]: {miss} ({reason})"));
            return;
        }
    }
}

/// Several checks in one line, for the end of a notebook's cell: `check::all()`, then one
/// method per check, each doing what the check of its name does (and failing as it fails,
/// in either [`Mode`]): a lesson cell ends with one line of checks, however many numbers it
/// checks.
///
/// ```
/// use makemore::check::{self, Bound};
/// use makemore::tch::Tensor;
/// let (nll, probs) = (2.4543562f32, Tensor::from_slice(&[0.25f32, 0.75]));
/// check::all().close(nll, 2.4543561935424805, Bound::Ulps(1.0)).close_all(&probs, &[0.25, 0.75], Bound::Exact).eq(27, 27).that(nll > 0.0, "a positive loss");
/// ```
///
/// In lenient mode each `close` beyond its bound prints its one line and the chain goes on;
/// `eq` and `that` stop the cell as `assert_eq!` and `assert!` do.
pub fn all() -> Checks {
    Checks
}

/// Check that `got` equals PyTorch's `want` when neither is a number with a bound: sampled
/// names, a minibatch's indices, a count, an `exact` flag. Strict mode panics with both; lenient
/// mode ([`Mode`]) prints one note naming `what` and goes on: a changed input changes them.
///
/// ```
/// makemore::check::same("the 20 names", vec!["emma"], vec!["emma"]);
/// ```
#[track_caller]
pub fn same<T: PartialEq + std::fmt::Debug>(what: &str, got: T, want: T) {
    if got == want {
        return;
    }
    if mode() == Mode::Strict {
        panic!("check failed: {what}: got {got:?}, want {want:?}");
    }
    note(format!("note: {what}: different from the lecture's run, because an input changed"));
}

/// [`all`]'s chain of checks: each method checks, then returns the chain for the next.
#[derive(Debug, Clone, Copy, Default)]
pub struct Checks;

impl Checks {
    /// [`close`]: `got` within `bound` of PyTorch's `want`.
    #[track_caller]
    pub fn close(self, got: impl Into<f64>, want: f64, bound: Bound) -> Checks {
        close(got, want, bound);
        self
    }

    /// [`close_all`]: every element of a tensor within `bound` of `want`'s.
    #[track_caller]
    pub fn close_all(self, got: &Tensor, want: &[f64], bound: Bound) -> Checks {
        close_all(got, want, bound);
        self
    }

    /// `assert_eq!(got, want)`: integers, names, draws, sizes, and anything else compared
    /// exactly (a failure shows both, and stops the cell in either mode).
    #[track_caller]
    pub fn eq<A: PartialEq<B> + std::fmt::Debug, B: std::fmt::Debug>(self, got: A, want: B) -> Checks {
        assert_eq!(got, want);
        self
    }

    /// [`same`]: equal to PyTorch's, or one note in lenient mode.
    #[track_caller]
    pub fn same<T: PartialEq + std::fmt::Debug>(self, what: &str, got: T, want: T) -> Checks {
        same(what, got, want);
        self
    }

    /// [`Reference::assert_run`](crate::Reference::assert_run): a run's losses against PyTorch's
    /// at `key`.
    #[track_caller]
    pub fn run(self, r: &crate::Reference, got: &[f64], key: &str) -> Checks {
        r.assert_run(got, key);
        self
    }

    /// [`assert_close`] without a reason: every element of `got` within `bound` of `want`'s.
    #[track_caller]
    pub fn close_each(self, what: &str, got: &[f64], want: &[f64], bound: Bound) -> Checks {
        assert_close(what, got, want, bound, "");
        self
    }

    /// `assert!(holds, "check failed: {what}")`: a fact that is true or not (a loss that falls at
    /// every step, a tensor equal to another); `what` says which fact.
    #[track_caller]
    pub fn that(self, holds: bool, what: &str) -> Checks {
        assert!(holds, "check failed: {what}");
        self
    }

    /// The checks of `f` on a machine like the fixture's ([`Reference::native`](crate::Reference::native))
    /// and nowhere else: what a long run leaves (a trained network's numbers, its sampled names)
    /// parts across CPUs, without a bound to check it against (docs/tolerances.md).
    ///
    /// `check::all().run(&r, &losses, "losses").if_native(&r, |c| c.same("the 20 names", names, r.strings("names")))`
    pub fn if_native(self, r: &crate::Reference, f: impl FnOnce(Checks) -> Checks) -> Checks {
        if r.native() { f(self) } else { self }
    }

    /// [`Training::assert_losses`]: a training's losses at some steps against PyTorch's.
    #[track_caller]
    pub fn losses(self, run: Training, losses: &[impl Copy + Into<f64>], want: &[(usize, f64)]) -> Checks {
        run.assert_losses(losses, want);
        self
    }

    /// [`Training::assert_same_losses`]: two runs of one training, step by step.
    #[track_caller]
    pub fn same_losses<T: Copy + Into<f64>>(self, run: Training, got: &[T], want: &[T]) -> Checks {
        run.assert_same_losses(got, want);
        self
    }
}

/// A bound on the difference of two computations of an MLP's mean loss `loss` on `n`
/// examples (ours and PyTorch's on any CPU, or two batch shapes), from its parameters
/// `[C, W1, b1, W2, b2]` (lecture 2's shapes: C is [V, E], W1 [K1, H], W2 [H, V]). Derived
/// (docs/tolerances.md): per example, the pre-activation `a = emb·W1 + b1` is a dot product
/// of K1 = context·embedding terms, within (K1+1)·u·Σ|emb_i·W1_ik| (+u|b1_k|) of the exact
/// value on each side; tanh (1-Lipschitz) adds ≤ 2 ulps of 1; the logit
/// `z_j = h·W2_j + b2_j` is a dot product of K2 = hidden terms, within (K2+1)·u·Σ|W2_kj| of
/// exact (|h_k| ≤ 1) plus Σ_k |W2_kj|·|Δh_k|. Cross-entropy moves by at most
/// Σ_j |p_j − y_j|·|Δz_j| ≤ 2·max_j |Δz_j|, and log_softmax itself by (V + 2)·u·(|z|max +
/// log V); the mean of n such terms, pairwise, by ⌈log2 n⌉·u·L. Each side is within the
/// bound of the exact value, so the two differ by at most twice it.
///
/// When the parameters themselves may differ by `delta` each (other normals), the
/// pre-activation moves by a further δ·(Σ_i |W1_ik| + K1·max|C| + 1) and the logit by
/// δ·(K2 + 1).
pub fn mlp_loss(parameters: [&Tensor; 5], n: usize, loss: f64, delta: f64) -> Bound {
    let values = |t: &Tensor| Vec::<f32>::try_from(&t.detach().to_kind(Kind::Float).flatten(0, -1)).unwrap_or_default();
    let [c, w1, b1, w2, b2] = parameters;
    let (k1, h, v) = (w1.size()[0] as usize, w1.size()[1] as usize, w2.size()[1] as usize);
    let cmax = values(c).iter().fold(0f64, |m, &x| m.max(x.abs() as f64));
    let (w1, b1, w2, b2) = (values(w1), values(b1), values(w2), values(b2));
    // |Δa_k| ≤ (K1+1)·u·(max|C|·Σ_i |W1_ik| + |b1_k|), then |Δh_k| ≤ |Δa_k| + 2u
    let dh: Vec<f64> = (0..h)
        .map(|k| {
            let col: f64 = (0..k1).map(|i| w1[i * h + k].abs() as f64).sum();
            (k1 as f64 + 1.0) * U * (cmax * col + b1[k].abs() as f64) + 2.0 * U + delta * (col + k1 as f64 * cmax + 1.0)
        })
        .collect();
    let (mut dz, mut zmax) = (0f64, 0f64);
    for j in 0..v {
        let col: f64 = (0..h).map(|k| w2[k * v + j].abs() as f64).sum();
        let spread: f64 = (0..h).map(|k| w2[k * v + j].abs() as f64 * dh[k]).sum();
        dz = dz.max((h as f64 + 1.0) * U * (col + b2[j].abs() as f64) + spread + delta * (h as f64 + 1.0));
        zmax = zmax.max(col + b2[j].abs() as f64);
    }
    let per_example = 2.0 * dz + (v as f64 + 2.0) * U * (zmax + (v as f64).ln());
    Bound::Derived(2.0 * (per_example + (n as f64).log2().ceil() * U * loss))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_follow_their_derivations() {
        assert_eq!(Bound::Exact.width(3.0), 0.0);
        assert_eq!(Bound::Ulps(2.0).width(-1.0), 4.0 * U);
        assert_eq!(Bound::UlpsOf { ulps: 4.0, of: 100.0 }.width(50.0), 800.0 * U);
        assert_eq!(Bound::RowOfProbs(27).width(1.0), 27.0 * U);
        assert_eq!(Bound::SoftmaxRow { vocab: 27 }.width(1.0), 30.0 * U);
        assert_eq!(Bound::SoftmaxProb { vocab: 27 }.width(-0.5), 31.0 * U);
        assert_eq!(Bound::SoftmaxGrad { vocab: 27 }.width(0.5), 37.0 * U);
        assert_eq!(Bound::Printed { decimals: 4, ulps: 0.0 }.width(38.7856), 5e-5);
        assert_eq!(Bound::Absolute(0.01).width(2.1), 0.01);
        assert_eq!(Bound::MeanOfLogs(3).width(2.0), 8.0 * U + 8.0 * U64);
        assert_eq!(Bound::CountsNllVsF64 { vocab: 27, n: 3 }.width(2.0), 28.0 * U + 4.0 * U + 8.0 * U64);
        let sum = |order| Bound::Sum { n: 9, abs_sum: 2.0, order, unit: U };
        assert_eq!(sum(Order::Sequential).width(100.0), 16.0 * U);
        assert_eq!(sum(Order::Pairwise).width(100.0), 8.0 * U);
        assert_eq!(Bound::Derived(0.5).plus(Bound::Ulps(1.0)).width(-1.0), 0.5 + 2.0 * U);
        assert_eq!(Bound::Ulps(3.0).both_sides().width(1.0), 12.0 * U);
        // the lecture's training: 228,146 examples, 'a' is the input of 33,885, lr 50
        let run = Training { lr: 50.0, vocab: 27, n: 228146, per_input: 33885, hot: 1 };
        let delta = 50.0 * 2.0 * (16.0 + 27.0 + 3.0) * U * 33885.0 / 228146.0 + 16.0 * U;
        assert!((run.delta() - delta).abs() < 1e-18);
        let fixed = 2.0 * (30.0 * U + 20.0 * U * 2.5);
        assert!((run.loss_at(10).width(2.5) - (fixed + 20.0 * delta)).abs() < 1e-15);
        assert_eq!(run.weights_after(200).width(1.0), 200.0 * delta);
    }

    #[test]
    fn training_reads_its_inputs() {
        let xs = Tensor::from_slice(&[0i64, 1, 1, 2, 1]);
        let run = Training::new(&xs, 27, 50.0);
        assert_eq!((run.n, run.per_input, run.hot), (5, 3, 1));
        let pairs = Tensor::from_slice(&[0i64, 1, 1, 1, 2, 3]).view([3, 2]);
        let run = Training::new(&pairs, 27, 30.0);
        assert_eq!((run.n, run.per_input, run.hot), (3, 3, 2));
    }

    #[test]
    fn close_passes_inside_and_panics_outside() {
        close(1.0f32, 1.0 + 2.0 * U, Bound::Ulps(1.0));
        close(2.0f64, 2.0, Bound::Exact);
        close_all(&Tensor::from_slice(&[1.0f32, 2.0]), &[1.0, 2.0], Bound::Exact);
        let outside = std::panic::catch_unwind(|| close(1.0f64, 1.0 + 3.0 * U, Bound::Ulps(1.0)));
        assert!(outside.is_err());
        let inexact = std::panic::catch_unwind(|| close(1.0f64, 1.0 + U, Bound::Exact));
        assert!(inexact.is_err());
        assert!(within(f64::NAN, f64::NAN, Bound::Exact).is_ok(), "the same bits");
        assert!(within(f64::NAN, 1.0, Bound::Derived(1.0)).is_err());
        let miss = within(1.0f32, 1.0 + 3.0 * U, Bound::Ulps(1.0)).unwrap_err();
        assert_eq!((miss.got, miss.bound), (1.0, Bound::Ulps(1.0)));
        assert_close("pair", &[1.0, 2.0], &[1.0, 2.0 + U], Bound::Ulps(1.0), "one division");
        let each = std::panic::catch_unwind(|| {
            assert_close_each("pair", &[1.0, 2.1], &[1.0, 2.0], |i| Bound::Derived(0.05 * i as f64), "grows")
        });
        assert!(each.unwrap_err().downcast_ref::<String>().unwrap().contains("pair[1]"));
        let one_off =
            std::panic::catch_unwind(|| close_all(&Tensor::from_slice(&[1.0f32, 2.5]), &[1.0, 2.0], Bound::Ulps(1.0)));
        assert!(one_off.is_err());
    }

    #[test]
    fn a_training_checks_its_losses_step_by_step() {
        let run = Training { lr: 50.0, vocab: 27, n: 228146, per_input: 33885, hot: 1 };
        let losses = [3.7589533f32, 3.3711004, 3.1];
        run.assert_losses(&losses, &[(0, 3.758953332901001), (1, 3.371100425720215)]);
        run.assert_same_losses(&losses, &losses);
        // one step later the bound is wider: a difference step 0 rejects, step 2 allows
        let d = run.loss_at(1).width(3.1);
        assert!(std::panic::catch_unwind(|| run.assert_losses(&losses, &[(0, 3.7589533 + d)])).is_err());
        run.assert_losses(&losses, &[(2, 3.1f32 as f64 + d)]);
        assert!(std::panic::catch_unwind(|| run.assert_losses(&losses, &[(3, 3.0)])).is_err());
        let apart = [3.7589533f32, 3.3711004, 3.2];
        assert!(std::panic::catch_unwind(|| run.assert_same_losses(&losses, &apart)).is_err());
        assert!(std::panic::catch_unwind(|| run.assert_same_losses(&losses, &losses[..2])).is_err());
    }
    #[test]
    fn the_mode_comes_from_makemore_checks() {
        assert_eq!(Mode::from_env_value(None), Mode::Strict);
        assert_eq!(Mode::from_env_value(Some("")), Mode::Strict);
        assert_eq!(Mode::from_env_value(Some("strict")), Mode::Strict);
        assert_eq!(Mode::from_env_value(Some("Lenient")), Mode::Lenient);
        assert_eq!(Mode::from_env_value(Some("lenint")), Mode::Strict, "a typo stays strict");
        assert_eq!(with_mode(Mode::Lenient, mode), Mode::Lenient);
        let outer = mode();
        let _ = std::panic::catch_unwind(|| with_mode(Mode::Lenient, || panic!("inside")));
        assert_eq!(mode(), outer, "with_mode restores the mode after a panic");
    }

    fn notes() -> Vec<String> {
        NOTES.with(|n| std::mem::take(&mut *n.borrow_mut()))
    }

    #[test]
    fn lenient_checks_print_one_line_and_go_on() {
        let strict = |f: fn()| std::panic::catch_unwind(|| with_mode(Mode::Strict, f)).is_err();
        let lenient = |f: fn()| std::panic::catch_unwind(|| with_mode(Mode::Lenient, f)).is_err();
        notes();
        // a number beyond its bound: strict panics, lenient prints one line
        let differs = || close(2.1402, 2.1655, Bound::Exact);
        assert!(strict(differs));
        assert!(notes().is_empty());
        assert!(!lenient(differs));
        assert_eq!(
            notes(),
            ["note: a check differs from the lecture's run (PyTorch: 2.1655; here: 2.1402), because an input changed"]
        );
        // as many decimals as tell the two apart
        with_mode(Mode::Lenient, || close(1.000001, 1.0, Bound::Exact));
        assert!(notes()[0].contains("(PyTorch: 1.000000; here: 1.000001)"));
        // a NaN or an infinity where PyTorch's number is finite is an error in both modes
        assert!(strict(|| close(f64::NAN, 2.0, Bound::Absolute(1.0))));
        assert!(lenient(|| close(f64::NAN, 2.0, Bound::Absolute(1.0))));
        assert!(lenient(|| close(f64::INFINITY, 2.0, Bound::Absolute(1.0))));
        // ... and so are tensors of other sizes
        assert!(lenient(|| close_all(&Tensor::from_slice(&[1.0f32]), &[1.0, 2.0], Bound::Exact)));
        assert!(lenient(|| assert_close("pair", &[1.0], &[1.0, 2.0], Bound::Exact, "")));
        assert!(notes().is_empty(), "errors print no note");
        // a tensor: one line for the first element beyond its bound
        assert!(!lenient(|| close_all(&Tensor::from_slice(&[1.0f32, 3.0, 4.0]), &[1.0, 2.0, 3.0], Bound::Exact)));
        assert_eq!(
            notes(),
            [
                "note: element 1 differs from the lecture's run (PyTorch: 2.0000; here: 3.0000), because an input changed"
            ]
        );
        assert!(!lenient(|| assert_close("pair", &[1.0, 2.5], &[1.0, 2.0], Bound::Exact, "why")));
        assert!(notes()[0].starts_with("note: pair[1] differs"));
    }

    #[test]
    fn same_fails_strict_and_notes_lenient() {
        notes();
        assert!(std::panic::catch_unwind(|| with_mode(Mode::Strict, || same("the names", ["a"], ["b"]))).is_err());
        with_mode(Mode::Lenient, || same("the names", ["a"], ["b"]));
        with_mode(Mode::Lenient, || same("the count", 3, 3));
        assert_eq!(notes(), ["note: the names: different from the lecture's run, because an input changed"]);
    }

    #[test]
    fn all_chains_checks_that_fail_as_their_functions_do() {
        let run = Training { lr: 50.0, vocab: 27, n: 228146, per_input: 33885, hot: 1 };
        let losses = [3.7589533f32, 3.3711004, 3.1];
        all()
            .close(1.0f32, 1.0 + 2.0 * U, Bound::Ulps(1.0))
            .close_all(&Tensor::from_slice(&[1.0f32, 2.0]), &[1.0, 2.0], Bound::Exact)
            .eq(&["emma".to_string()][..], ["emma"])
            .that(true, "true")
            .losses(run, &losses, &[(0, 3.758953332901001)])
            .same_losses(run, &losses, &losses);
        let strict = |f: fn()| std::panic::catch_unwind(|| with_mode(Mode::Strict, f)).is_err();
        let lenient = |f: fn()| std::panic::catch_unwind(|| with_mode(Mode::Lenient, f)).is_err();
        // each check stops the chain where its function stops: the second close here
        assert!(strict(|| {
            all().close(1.0, 1.0, Bound::Exact).close(2.0, 1.0, Bound::Exact);
        }));
        let said =
            std::panic::catch_unwind(|| with_mode(Mode::Strict, || all().eq(1, 1).that(false, "the loss falls")));
        assert!(said.unwrap_err().downcast_ref::<String>().unwrap().contains("check failed: the loss falls"));
        assert!(strict(|| {
            all().eq(1, 2);
        }));
        // lenient: every close beyond its bound prints its line and the chain goes on; eq and that still stop
        notes();
        assert!(!lenient(|| {
            all().close(2.0, 1.0, Bound::Exact).close(3.0, 1.0, Bound::Exact).eq(1, 1);
        }));
        assert_eq!(notes().len(), 2);
        assert!(lenient(|| {
            all().close(2.0, 1.0, Bound::Exact).eq(1, 2);
        }));
        // if_native: its checks on the fixture's kind of machine only
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.json");
        std::fs::write(&path, r#"{"loss": 2.5}"#).unwrap();
        let (native, elsewhere) =
            (crate::Reference::from_file(&path, true).unwrap(), crate::Reference::from_file(&path, false).unwrap());
        let ran = |r: &crate::Reference| {
            let mut ran = false;
            all().if_native(r, |c| {
                ran = true;
                c.close(2.5, r.num("loss"), Bound::Exact)
            });
            ran
        };
        assert_eq!((ran(&native), ran(&elsewhere)), (true, false));
        assert!(
            std::panic::catch_unwind(|| with_mode(Mode::Strict, || all().if_native(&native, |c| c.eq(1, 2)))).is_err()
        );
        assert_eq!(notes().len(), 1);
        assert!(lenient(|| {
            all().that(false, "a fact");
        }));
    }

    #[test]
    fn a_lenient_training_check_compares_the_steps_both_runs_have() {
        let run = Training { lr: 50.0, vocab: 27, n: 228146, per_input: 33885, hot: 1 };
        let losses = [3.7589533f32, 3.3711004, 3.1];
        notes();
        // a longer run: strict stops, lenient compares the first steps (equal here) and says so
        assert!(std::panic::catch_unwind(|| run.assert_same_losses(&losses, &losses[..2])).is_err());
        with_mode(Mode::Lenient, || run.assert_same_losses(&losses, &losses[..2]));
        assert_eq!(notes(), ["note: 3 losses here, 2 in the run compared with: the first 2 are compared"]);
        with_mode(Mode::Lenient, || run.assert_losses(&losses, &[(0, 3.7589533), (7, 2.0)]));
        assert_eq!(
            notes(),
            ["note: no loss at step 7 here (3 steps ran), so it is not compared with the lecture's run"]
        );
        // a run that differs: one line for the run, not one per step
        let apart = [3.0f32, 3.0, 3.0];
        with_mode(Mode::Lenient, || run.assert_same_losses(&apart, &losses));
        let lines = notes();
        assert_eq!(lines.len(), 1);
        assert!(
            lines[0]
                .starts_with("note: the loss at step 0 differs from the lecture's run (PyTorch: 3.7590; here: 3.0000)"),
            "{lines:?}"
        );
        // a diverged run is an error in both modes
        let diverged = [f32::NAN, 3.3711004, 3.1];
        assert!(
            std::panic::catch_unwind(|| with_mode(Mode::Lenient, || run.assert_same_losses(&diverged, &losses)))
                .is_err()
        );
    }
}
