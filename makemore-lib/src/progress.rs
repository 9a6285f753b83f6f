//! A progress bar for long training on stderr: the step, the running loss and the rate.
//! It draws only when stderr is a terminal (indicatif hides it otherwise), so logs and
//! tests see nothing of it.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Steps between updates of the bar: cheap enough for 5 µs steps.
const UPDATE_EVERY: usize = 100;

/// The running loss is the mean of this many recent steps' losses.
const WINDOW: usize = 1000;

/// A training progress bar. Call [`step`](Self::step) after each step, then
/// [`finish`](Self::finish).
///
/// ```
/// let mut bar = makemore::progress::TrainingProgress::new(1000);
/// for k in 0..1000 {
///     bar.step(k, 2.5);
/// }
/// assert_eq!(bar.running_loss(), 2.5);
/// bar.finish();
/// ```
#[derive(Debug)]
pub struct TrainingProgress {
    bar: ProgressBar,
    recent: Vec<f32>,
    sum: f64,
}

impl TrainingProgress {
    /// A bar for `steps` steps on stderr (hidden unless stderr is a terminal).
    pub fn new(steps: usize) -> TrainingProgress {
        let bar = ProgressBar::with_draw_target(Some(steps as u64), ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template(
            "step {pos:>7}/{len} [{bar:30}] loss {msg} · {per_sec} · {elapsed} (eta {eta})",
        )
        .expect("a valid template")
        .progress_chars("=> ");
        bar.set_style(style);
        TrainingProgress { bar, recent: Vec::with_capacity(WINDOW), sum: 0.0 }
    }

    /// Record step `k`'s loss (steps count from 0).
    pub fn step(&mut self, k: usize, loss: f32) {
        if self.recent.len() == WINDOW {
            self.sum -= self.recent[k % WINDOW] as f64;
            self.recent[k % WINDOW] = loss;
        } else {
            self.recent.push(loss);
        }
        self.sum += loss as f64;
        if (k + 1).is_multiple_of(UPDATE_EVERY) {
            self.bar.set_message(format!("{:.4}", self.running_loss()));
            self.bar.set_position(k as u64 + 1);
        }
    }

    /// The mean loss of the last 1,000 steps (fewer at the start).
    pub fn running_loss(&self) -> f64 {
        self.sum / self.recent.len().max(1) as f64
    }

    /// Remove the bar from the terminal.
    pub fn finish(self) {
        self.bar.finish_and_clear();
    }
}
