//! Helpers shared by the integration tests: the PyTorch reference values and a lock
//! around libtorch's global random generator (tests run in parallel threads).

#![allow(dead_code)]

use std::path::PathBuf;
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

/// A reference file written by `make_reference.py` (PyTorch 2.13).
pub fn reference(name: &str) -> Value {
    let text = std::fs::read_to_string(fixture(name)).expect("reference fixture");
    serde_json::from_str(&text).expect("reference JSON")
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

pub fn assert_close(what: &str, got: &[f64], want: &[f64], tol: f64) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!((g - w).abs() <= tol, "{what}[{i}]: got {g}, PyTorch {w} (tolerance {tol})");
    }
}
