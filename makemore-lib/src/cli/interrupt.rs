//! What Ctrl-C says during `train` and `tune`: one line, the step reached and that nothing
//! was saved (a model file is written only at the end, atomically), then exit code 130 as
//! the shell expects of SIGINT. When training evaluates every K steps
//! ([`keep_the_best_on_sigint`]), the first Ctrl-C only raises a flag: training stops at its
//! next step and the best model so far is saved; a second Ctrl-C ends at once.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Raised by the first Ctrl-C when the best model so far is to be kept.
static STOP: AtomicBool = AtomicBool::new(false);
/// Whether the first Ctrl-C raises [`STOP`] instead of ending the process.
static KEEP: AtomicBool = AtomicBool::new(false);

/// From now on the first Ctrl-C stops training gracefully (the returned flag is raised),
/// so that the best model so far can be saved; a second one ends the process.
pub fn keep_the_best_on_sigint() -> &'static AtomicBool {
    KEEP.store(true, Ordering::Relaxed);
    say_what_was_kept();
    &STOP
}

/// The step reached and the steps of the training running (0 of 0: not training yet).
static STEP: AtomicUsize = AtomicUsize::new(0);
static STEPS: AtomicUsize = AtomicUsize::new(0);

/// Say what was kept when SIGINT comes, from now on.
pub fn say_what_was_kept() {
    // SAFETY: `on_sigint` only does what a signal handler may (atomic loads, write(2),
    // _exit(2)), and it is installed as a plain handler.
    unsafe {
        libc::signal(libc::SIGINT, on_sigint as *const () as libc::sighandler_t);
    }
}

/// Record that training is at `step` of `steps`.
pub fn training(step: usize, steps: usize) {
    STEP.store(step, Ordering::Relaxed);
    STEPS.store(steps, Ordering::Relaxed);
}

/// The line Ctrl-C prints, into `buf`; returns its length. No allocation: it runs in a
/// signal handler.
fn message(step: usize, steps: usize, buf: &mut [u8; 128]) -> usize {
    let mut len = 0;
    let mut put = |bytes: &[u8]| {
        let n = bytes.len().min(buf.len() - len);
        buf[len..len + n].copy_from_slice(&bytes[..n]);
        len += n;
    };
    put(b"makemore: interrupted");
    if steps > 0 {
        let mut digits = [0u8; 20];
        put(b" at step ");
        put(decimal(step, &mut digits));
        put(b" of ");
        put(decimal(steps, &mut digits));
    }
    put(b": nothing saved\n");
    len
}

/// `n` in decimal, in `digits`.
fn decimal(mut n: usize, digits: &mut [u8; 20]) -> &[u8] {
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return &digits[i..];
        }
    }
}

extern "C" fn on_sigint(_: libc::c_int) {
    if KEEP.load(Ordering::Relaxed) && !STOP.swap(true, Ordering::Relaxed) {
        return;
    }
    let mut buf = [0u8; 128];
    let len = message(STEP.load(Ordering::Relaxed), STEPS.load(Ordering::Relaxed), &mut buf);
    // SAFETY: write(2) and _exit(2) are async-signal-safe; buf lives until they return.
    unsafe {
        // on a terminal, start from the first column, over the progress bar
        if libc::isatty(2) == 1 {
            libc::write(2, b"\r\x1b[K".as_ptr().cast(), 4);
        }
        libc::write(2, buf.as_ptr().cast(), len);
        libc::_exit(130);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_line_says_the_step_and_that_nothing_was_saved() {
        let mut buf = [0u8; 128];
        let n = super::message(1234, 200000, &mut buf);
        assert_eq!(&buf[..n], b"makemore: interrupted at step 1234 of 200000: nothing saved\n");
        let n = super::message(0, 0, &mut buf);
        assert_eq!(&buf[..n], b"makemore: interrupted: nothing saved\n");
    }
}
