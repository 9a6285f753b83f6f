//! What a crate using makemore adds (besides LIBTORCH, see README.md): libtorch's library
//! folder as an rpath of its binaries, so they find libtorch_cpu.so with no LD_LIBRARY_PATH.
//! makemore hands the folder on to the crates that depend on it (`links = "makemore"`).
fn main() {
    if let Ok(lib) = std::env::var("DEP_MAKEMORE_LIBTORCH_LIB") {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{lib}");
    }
}
