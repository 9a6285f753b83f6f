//! Progress of long training on stderr: a line at the first step and at every tenth of
//! the way (`step  20/200  loss 2.5887`), and, when stderr is a terminal, a bar under them
//! with the step, the running loss, the rate and the time left, as wide as the terminal
//! (indicatif hides it otherwise, so logs and tests see only the lines).

use std::io::{IsTerminal as _, Write as _};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

use crate::cli::interrupt;

/// Steps between updates of the bar: cheap enough for 50 µs steps.
const UPDATE_EVERY: usize = 100;

/// Steps between updates of `makemore run`'s bar, whose steps take milliseconds.
const RUN_UPDATE_EVERY: usize = 10;

/// The running loss is the mean of this many recent steps' losses.
const WINDOW: usize = 1000;

/// A training progress report. Call [`step`](Self::step) after each step (counting from
/// 0, in order), then [`finish`](Self::finish).
pub struct Progress {
    /// Hidden until the first step is done (then on stderr, when it is a terminal).
    bar: ProgressBar,
    terminal: bool,
    steps: usize,
    /// Print the lines at every tenth (train), or only show the bar (tune: one per value).
    lines: bool,
    /// Tell Ctrl-C's line the step reached (train, tune; `run` says its own).
    interrupt: bool,
    /// Steps between updates of the bar.
    every: usize,
    recent: Vec<f32>,
    sum: f64,
}

impl Progress {
    /// A report for `steps` steps on stderr; `label` comes before the bar (e.g. the value
    /// `tune` trains with), and `lines` prints a line at the first step and every tenth.
    pub fn new(steps: usize, label: &str, lines: bool) -> Progress {
        Progress::with(steps, label, lines, true, UPDATE_EVERY)
    }

    /// Only the bar, for `makemore run` (whose own lines go to stdout, through the bar's
    /// `suspend` on a terminal, and whose Ctrl-C says what was kept).
    pub fn bar_only(steps: usize) -> Progress {
        Progress::with(steps, "", false, false, RUN_UPDATE_EVERY)
    }

    fn with(steps: usize, label: &str, lines: bool, interrupt: bool, every: usize) -> Progress {
        let bar = ProgressBar::with_draw_target(Some(steps as u64), ProgressDrawTarget::hidden());
        // the label, the steps (8+1+8), the loss (12), the rate (14) and the time left (at
        // most 12), and the bar takes what the terminal has left: the line fits its width
        let style = ProgressStyle::with_template("{prefix}{pos}/{len} [{wide_bar}] loss {msg}{rate}")
            .expect("a valid template")
            .with_key("rate", move |state: &ProgressState, w: &mut dyn std::fmt::Write| {
                // no rate or time left before there is one to show
                if state.pos() >= every as u64 {
                    let eta = indicatif::HumanDuration(state.eta());
                    let _ = write!(w, " {:.0} steps/s eta {eta:#}", state.per_sec());
                }
            })
            .progress_chars("=> ");
        bar.set_style(style);
        bar.set_prefix(label.to_string());
        if interrupt {
            interrupt::training(0, steps);
        }
        let terminal = std::io::stderr().is_terminal();
        Progress { bar, terminal, steps, lines, interrupt, every, recent: Vec::with_capacity(WINDOW), sum: 0.0 }
    }

    /// A handle on the bar: lines written through its `suspend` land above it.
    pub fn bar(&self) -> ProgressBar {
        self.bar.clone()
    }

    /// Record step `k`'s loss.
    pub fn step(&mut self, k: usize, loss: f32) {
        if self.interrupt {
            interrupt::training(k + 1, self.steps);
        }
        if self.recent.len() == WINDOW {
            self.sum -= self.recent[k % WINDOW] as f64;
            self.recent[k % WINDOW] = loss;
        } else {
            self.recent.push(loss);
        }
        self.sum += loss as f64;
        if self.lines && ((k + 1) % (self.steps / 10).max(1) == 0 || k == 0) {
            let width = self.steps.to_string().len();
            let line = format!("step {:>width$}/{}  loss {loss:.4}", k + 1, self.steps);
            if self.bar.is_hidden() {
                // one write, so that Ctrl-C's line never lands inside it
                let _ = std::io::stderr().write_all(format!("{line}\n").as_bytes());
            } else {
                self.bar.println(line)
            }
        }
        if k == 0 || (k + 1) % self.every == 0 || k + 1 == self.steps {
            self.bar.set_message(format!("{:.4}", self.running_loss()));
            self.bar.set_position(k as u64 + 1);
        }
        if k == 0 && self.terminal {
            // shown from the first step done, never at step 0
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_running_loss_is_the_mean_of_the_last_thousand_steps() {
        let mut p = Progress::new(3000, "", false);
        for k in 0..3000 {
            p.step(k, if k < 2000 { 9.0 } else { 2.5 });
        }
        assert_eq!(p.running_loss(), 2.5);
        p.finish();
    }
}
