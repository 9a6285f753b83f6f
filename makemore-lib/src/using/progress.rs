//! Progress of long training on stderr: a line at the first step and at every tenth of
//! the way (`step  20/200  loss 2.5887`), and, when stderr is a terminal, a progress bar
//! under them with the step, the running loss and the rate (indicatif hides it otherwise,
//! so logs and tests see only the lines).

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Steps between updates of the bar: cheap enough for 50 µs steps.
const UPDATE_EVERY: usize = 100;

/// The running loss is the mean of this many recent steps' losses.
const WINDOW: usize = 1000;

/// A training progress report. Call [`step`](Self::step) after each step (counting from
/// 0, in order), then [`finish`](Self::finish).
///
/// ```
/// let mut progress = makemore::TrainingProgress::new(1000);
/// for k in 0..1000 {
///     progress.step(k, 2.5); // prints "step    1/1000  loss 2.5000", then every 100th
/// }
/// assert_eq!(progress.running_loss(), 2.5);
/// progress.finish();
/// ```
#[derive(Debug)]
pub struct TrainingProgress {
    bar: ProgressBar,
    steps: usize,
    recent: Vec<f32>,
    sum: f64,
}

impl TrainingProgress {
    /// A report for `steps` steps on stderr.
    pub fn new(steps: usize) -> TrainingProgress {
        let bar = ProgressBar::with_draw_target(Some(steps as u64), ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template(
            "step {pos:>7}/{len} [{bar:30}] running loss {msg} · {per_sec} · {elapsed} (eta {eta})",
        )
        .expect("a valid template")
        .progress_chars("=> ");
        bar.set_style(style);
        TrainingProgress { bar, steps, recent: Vec::with_capacity(WINDOW), sum: 0.0 }
    }

    /// Record step `k`'s loss.
    pub fn step(&mut self, k: usize, loss: f32) {
        if self.recent.len() == WINDOW {
            self.sum -= self.recent[k % WINDOW] as f64;
            self.recent[k % WINDOW] = loss;
        } else {
            self.recent.push(loss);
        }
        self.sum += loss as f64;
        if (k + 1).is_multiple_of((self.steps / 10).max(1)) || k == 0 {
            let width = self.steps.to_string().len();
            let line = format!("step {:>width$}/{}  loss {loss:.4}", k + 1, self.steps);
            if self.bar.is_hidden() { eprintln!("{line}") } else { self.bar.println(line) }
        }
        if (k + 1).is_multiple_of(UPDATE_EVERY) {
            self.bar.set_message(format!("{:.4}", self.running_loss()));
            self.bar.set_position(k as u64 + 1);
        }
    }

    /// The mean loss of the last 1,000 steps (fewer at the start).
    pub fn running_loss(&self) -> f64 {
        self.sum / self.recent.len().max(1) as f64
    }

    /// Remove the bar from the terminal (the lines stay).
    pub fn finish(self) {
        self.bar.finish_and_clear();
    }
}
