//! Embed libtorch's library folder as an rpath, so that `makemore`, the tests and the
//! examples run without `LD_LIBRARY_PATH` (tch's most common pitfall).
//! torch-sys (`links = "tch"`) tells its dependents where libtorch lives; makemore
//! (`links = "makemore"`) tells its own dependents in turn, as `DEP_MAKEMORE_LIBTORCH_LIB`,
//! for their binaries' rpath (examples/own-crate/build.rs).
fn main() {
    println!("cargo:rerun-if-env-changed=DEP_TCH_LIBTORCH_LIB");
    if let Ok(lib) = std::env::var("DEP_TCH_LIBTORCH_LIB") {
        let lib = std::fs::canonicalize(&lib).unwrap_or_else(|_| lib.into());
        println!("cargo:rustc-link-arg=-Wl,-rpath,{}", lib.display());
        println!("cargo:libtorch_lib={}", lib.display());
    }
}
