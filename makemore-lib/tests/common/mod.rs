//! Helpers shared by the integration tests: the PyTorch reference values (one set per
//! CPU vendor), the tolerance policy (docs/tolerances.md), and a lock around libtorch's
//! global random generator (tests run in parallel threads).

#![allow(dead_code)]

use std::path::PathBuf;

pub mod cli;
use std::sync::{Mutex, MutexGuard};

use serde_json::Value;

/// Tests that seed and draw from libtorch's one global generator take this first.
pub fn rng_lock() -> MutexGuard<'static, ()> {
    static RNG: Mutex<()> = Mutex::new(());
    RNG.lock().unwrap_or_else(|e| e.into_inner())
}

pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

pub fn names_txt() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../data/names.txt")
}

/// This machine's CPU vendor as the fixture folders name it: `intel`, `amd`, or the
/// lower-cased `vendor_id` of /proc/cpuinfo (the same rule as scripts/make_reference.py).
pub fn machine_vendor() -> String {
    makemore::reference::machine_vendor()
}

/// Every reference set present for `name` (e.g. "names-reference.json"), one per CPU
/// vendor folder under tests/fixtures, in folder order. Each value gets a
/// `"fixture_set"` key holding its folder name (the vendor).
pub fn reference_sets(name: &str) -> Vec<Value> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(fixture(""))
        .expect("tests/fixtures")
        .map(|e| e.expect("fixture entry").path())
        .filter(|p| p.join(name).is_file())
        .collect();
    dirs.sort();
    assert!(!dirs.is_empty(), "no tests/fixtures/<vendor>/{name}: run `make reference`");
    dirs.iter()
        .map(|d| {
            let text = std::fs::read_to_string(d.join(name)).expect("reference fixture");
            let mut v: Value = serde_json::from_str(&text).expect("reference JSON");
            v["fixture_set"] = d.file_name().unwrap().to_str().unwrap().into();
            v
        })
        .collect()
}

/// One reference set for `name`: this machine's vendor's if present, else the first.
/// For what agrees across vendors (counts, vocabularies, samples) any set will do.
pub fn reference(name: &str) -> Value {
    let mut sets = reference_sets(name);
    let native = sets.iter().position(is_native).unwrap_or(0);
    sets.swap_remove(native)
}

/// Was this reference set made on a CPU of this machine's vendor?
pub fn is_native(r: &Value) -> bool {
    r["fixture_set"].as_str() == Some(machine_vendor().as_str())
}

pub fn f64s(v: &Value) -> Vec<f64> {
    v.as_array().expect("array").iter().map(|x| x.as_f64().expect("number")).collect()
}

pub fn f64_rows(v: &Value) -> Vec<Vec<f64>> {
    v.as_array().expect("array").iter().map(f64s).collect()
}

pub fn strings(v: &Value) -> Vec<String> {
    v.as_array().expect("array").iter().map(|x| x.as_str().expect("string").to_string()).collect()
}

/// Sampled names as the reference prints them, without the trailing '.'.
pub fn names_without_end(v: &Value) -> Vec<String> {
    strings(v).into_iter().map(|s| s.strip_suffix('.').expect("ends in '.'").to_string()).collect()
}

/// float32's unit roundoff u = 2^-24: a correctly rounded operation is within u·|x|.
pub const U32: f64 = 5.960_464_477_539_063e-8;
/// float64's unit roundoff 2^-53.
pub const U64: f64 = 1.110_223_024_625_156_5e-16;

/// How a reduction adds its terms, which decides its worst-case error.
#[derive(Debug, Clone, Copy)]
pub enum Order {
    /// one after another: within (n-1)·u·Σ|x| of the exact sum
    Sequential,
    /// pairwise, cascaded or blocked (libtorch's sums, BLAS): within ⌈log2 n⌉·u·Σ|x|
    Pairwise,
}

/// The tolerance policy (docs/tolerances.md): integers, vocabularies, samples and
/// argmaxes are compared exactly; a float result gets a bound derived from the
/// computation that made it, never a number tuned until the test passes.
#[derive(Debug, Clone)]
pub enum Tol {
    /// bit for bit
    Exact,
    /// within `n` float32 ulps of the reference value (ulp(x) ≤ 2u·|x|)
    Ulps(f64),
    /// one computed sum of `n` terms, Σ|x| = `abs_sum`, in `order`, with unit roundoff
    /// `unit` (U32 or U64), against the exact sum
    Sum { n: usize, abs_sum: f64, order: Order, unit: f64 },
    /// an absolute bound derived where it is built (the caller's comment shows how)
    Derived(f64),
    /// both bounds at once (errors of independent sources add up)
    Plus(Box<Tol>, Box<Tol>),
}

impl Tol {
    /// The largest |got − want| this tolerance allows around `want`.
    pub fn bound(&self, want: f64) -> f64 {
        match self {
            Tol::Exact => 0.0,
            Tol::Ulps(n) => n * 2.0 * U32 * want.abs(),
            Tol::Sum { n, abs_sum, order, unit } => {
                let steps = match order {
                    Order::Sequential => n.saturating_sub(1) as f64,
                    Order::Pairwise => (*n as f64).log2().ceil().max(0.0),
                };
                steps * unit * abs_sum
            }
            Tol::Derived(b) => *b,
            Tol::Plus(a, b) => a.bound(want) + b.bound(want),
        }
    }

    /// This tolerance plus another.
    pub fn plus(self, other: Tol) -> Tol {
        Tol::Plus(Box::new(self), Box::new(other))
    }

    /// Two computations that each meet this bound against the exact value differ by at
    /// most twice it.
    pub fn both_sides(self) -> Tol {
        self.clone().plus(self)
    }
}

/// Compare `got` with the reference `want` element by element under `tol`; `reason`
/// says where the bound comes from and is printed with any failure.
pub fn assert_close(what: &str, got: &[f64], want: &[f64], tol: &Tol, reason: &str) {
    assert_close_each(what, got, want, |_| tol.clone(), reason);
}

/// As [`assert_close`] with a tolerance per element (e.g. growing with the training step).
pub fn assert_close_each(what: &str, got: &[f64], want: &[f64], tol: impl Fn(usize) -> Tol, reason: &str) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        let t = tol(i);
        let ok = match t {
            Tol::Exact => g.to_bits() == w.to_bits() || g == w,
            _ => (g - w).abs() <= t.bound(*w),
        };
        assert!(
            ok,
            "{what}[{i}]: got {g}, reference {w}, difference {:e} > bound {:e} ({t:?}; {reason})",
            (g - w).abs(),
            t.bound(*w)
        );
    }
}

/// PyTorch's float32 NLL of a count model against ours, which computes in float64
/// (docs/tolerances.md): PyTorch rounds N + k (u), sums a row of V of them ((V−1)u),
/// divides (u) and takes a float32 log (1 ulp), so each log-probability is off by
/// ≤ (V+1)u + 2u·|log p|; the mean of n of them (all of one sign) by as much, plus the
/// float64 sums on both sides.
pub fn count_model_nll_tol(v: usize, n: usize, nll: f64) -> Tol {
    Tol::Derived((v as f64 + 1.0) * U32)
        .plus(Tol::Ulps(1.0))
        .plus(Tol::Sum { n, abs_sum: nll, order: Order::Sequential, unit: U64 }.both_sides())
}

/// The vectorised NLL (`avg_exact`) of a bigram counts model, ours against PyTorch's:
/// float32 logs within 1 ulp on each side, averaged over `n` terms of one sign in float64.
pub fn nll_tol(n: usize, nll: f64) -> Tol {
    Tol::Ulps(2.0).plus(Tol::Sum { n, abs_sum: nll, order: Order::Sequential, unit: U64 }.both_sides())
}
