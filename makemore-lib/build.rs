//! Embed libtorch's library folder as an rpath, so that `makemore`, the tests and the
//! examples run without `LD_LIBRARY_PATH` (tch's most common pitfall).
//! torch-sys (`links = "tch"`) tells its dependents where libtorch lives; makemore
//! (`links = "makemore"`) tells its own dependents in turn, as `DEP_MAKEMORE_LIBTORCH_LIB`,
//! for their binaries' rpath (examples/own-crate/build.rs).
//!
//! It also hashes the library's sources and libtorch's version into `MAKEMORE_SOURCE_HASH`: a
//! network trained by other code is not read back from the cache of trained networks
//! (src/train/cache.rs).
use std::hash::{Hash, Hasher};
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=src");
    let mut files = Vec::new();
    sources(Path::new("src"), &mut files);
    files.sort();
    // and libtorch's version, where its folder tells it (the wheel's torch/version.py)
    println!("cargo:rerun-if-env-changed=DEP_TCH_LIBTORCH_LIB");
    let lib = std::env::var("DEP_TCH_LIBTORCH_LIB")
        .ok()
        .map(|lib| std::fs::canonicalize(&lib).unwrap_or_else(|_| lib.into()));
    if let Some(version) = lib.as_ref().and_then(|lib| lib.parent()).map(|torch| torch.join("version.py")) {
        println!("cargo:rerun-if-changed={}", version.display());
        files.push(version);
    }
    let mut hasher = std::hash::DefaultHasher::new();
    for file in &files {
        file.hash(&mut hasher);
        std::fs::read(file).unwrap_or_default().hash(&mut hasher);
    }
    println!("cargo:rustc-env=MAKEMORE_SOURCE_HASH={:016x}", hasher.finish());
    if let Some(lib) = lib {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{}", lib.display());
        println!("cargo:libtorch_lib={}", lib.display());
    }
}

/// Every file under `dir`.
fn sources(dir: &Path, files: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            sources(&path, files);
        } else {
            files.push(path);
        }
    }
}
