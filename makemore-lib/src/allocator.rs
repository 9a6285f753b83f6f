//! Tuning glibc's allocator for training loops that free large temporaries every step.
//!
//! Each one-hot step allocates and frees tens of megabytes of temporaries (n × V floats:
//! 228,146 × 27 for names.txt). glibc's default hands such blocks back to the OS at once
//! and maps them again on the next step, which costs more than the arithmetic (measured:
//! 64 ms a step instead of 49 ms on names.txt, twice PyTorch's page faults). Raising its
//! thresholds keeps that memory for reuse. `makemore.py`'s types ([`crate::zoo::run`]) gain
//! too: the Transformer's step frees a few megabytes of activations and gradients, which
//! glibc mapped again at every step (1,200 page faults a step, ~10% of its time).

/// Tell glibc to keep freed blocks of up to 256 MB for reuse instead of returning them to
/// the OS (`mallopt` of `M_MMAP_THRESHOLD`, `M_TRIM_THRESHOLD` and `M_TOP_PAD`).
///
/// Process-wide and done once; only when memory is given back changes, never what a
/// computation returns. Called by the one-hot training ([`crate::Method::OneHot`]) and by
/// `makemore.py`'s training ([`crate::zoo::run`]); call it yourself before timing single
/// steps. Does nothing outside Linux with glibc.
///
/// ```
/// makemore::keep_freed_memory_for_reuse();
/// makemore::keep_freed_memory_for_reuse(); // the second call does nothing
/// ```
pub fn keep_freed_memory_for_reuse() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        // SAFETY: mallopt only sets glibc's tuning parameters; it is called once, before
        // the large allocations it is meant for, and any value is valid for these options.
        ONCE.call_once(|| unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, 256 << 20);
            libc::mallopt(libc::M_TRIM_THRESHOLD, 512 << 20);
            libc::mallopt(libc::M_TOP_PAD, 64 << 20);
        });
    }
}
