//! Plumbing shared by the integration tests: fixture paths, a lock around libtorch's
//! global random generator (tests run in parallel threads), and running the CLI
//! ([`cli`]). Numbers are compared with the library's checking module,
//! `makemore::check`, and PyTorch's numbers are read with `makemore::Reference`.

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

/// SHA-256 of a float32 tensor's little-endian bytes, as the reference scripts record it.
pub fn sha256(t: &tch::Tensor) -> String {
    use sha2::{Digest, Sha256};
    let values = Vec::<f32>::try_from(&t.detach().flatten(0, -1)).unwrap();
    let bytes: Vec<u8> = values.iter().flat_map(|x| x.to_le_bytes()).collect();
    Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Every parameter and buffer of a network: its name and [`sha256`].
pub fn hashes(net: &dyn makemore::Network) -> Vec<(String, String)> {
    net.named_parameters().into_iter().chain(net.named_buffers()).map(|(n, t)| (n, sha256(&t))).collect()
}

pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

pub fn names_txt() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../data/names.txt")
}

/// Every vendor's reference set of `name` (e.g. "names-reference.json").
pub fn reference_sets(name: &str) -> Vec<makemore::Reference> {
    makemore::Reference::load_all(name).expect("tests/fixtures/<vendor>/: run `make reference`")
}

/// One reference set of `name`: this machine's vendor's if present, else the first. For
/// what agrees across vendors (counts, vocabularies, samples) any set will do.
pub fn reference(name: &str) -> makemore::Reference {
    makemore::Reference::load(name).expect("tests/fixtures/<vendor>/: run `make reference`")
}

/// Sampled names as the reference prints them, without the trailing '.'.
pub fn names_without_end(v: &Value) -> Vec<String> {
    let names = v.as_array().expect("array").iter().map(|x| x.as_str().expect("string"));
    names.map(|s| s.strip_suffix('.').expect("ends in '.'").to_string()).collect()
}

/// The parameters [C, W1, b1, W2, b2] of an MLP read from a model file (for the loss
/// bound, `makemore::check::mlp_loss`).
pub fn stored_parameters(model: &dyn makemore::LanguageModel) -> [tch::Tensor; 5] {
    let stored = model.stored().unwrap();
    let tensors: Vec<tch::Tensor> = stored
        .tensors
        .iter()
        .map(|t| match &t.data {
            makemore::StoredData::Floats(v) => {
                let shape: Vec<i64> = t.shape.iter().map(|&d| d as i64).collect();
                tch::Tensor::from_slice(v).view(shape.as_slice())
            }
            makemore::StoredData::Ints(_) => panic!("an MLP stores floats"),
        })
        .collect();
    tensors.try_into().expect("C, W1, b1, W2, b2")
}
