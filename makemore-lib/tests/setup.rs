//! The set-up's pins agree with what the tch crate needs.

use std::path::{Path, PathBuf};

/// The libtorch version torch-sys (tch's build crate) was written for, read from its build
/// script: the version Cargo.lock pins, in cargo's registry sources (where building the
/// tests has unpacked it; no `cargo metadata`, which needs every dev-dependency's index).
fn torch_sys_expects() -> String {
    let lock = repo_file("Cargo.lock");
    let version = lock
        .split("[[package]]")
        .find(|p| p.contains("name = \"torch-sys\""))
        .and_then(|p| p.lines().find_map(|l| l.strip_prefix("version = \"")))
        .expect("torch-sys in Cargo.lock")
        .trim_end_matches('"')
        .to_string();
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").expect("HOME")).join(".cargo"));
    let sources = cargo_home.join("registry/src");
    let build = std::fs::read_dir(&sources)
        .unwrap_or_else(|e| panic!("{}: {e}", sources.display()))
        .filter_map(|index| {
            std::fs::read_to_string(index.ok()?.path().join(format!("torch-sys-{version}/build.rs"))).ok()
        })
        .next()
        .unwrap_or_else(|| panic!("torch-sys-{version}/build.rs under {}", sources.display()));
    let line = build.lines().find(|l| l.starts_with("const TORCH_VERSION")).expect("TORCH_VERSION in build.rs");
    line.split('"').nth(1).unwrap().to_string()
}

fn repo_file(name: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(name)).unwrap()
}

#[test]
fn torch_pins_match_what_tch_expects() {
    let expected = torch_sys_expects();
    assert_eq!(expected, "2.13.0", "tch was upgraded: update the pins below and the README");
    assert!(repo_file("environment.yml").contains(&format!("torch=={expected}\n")), "environment.yml torch pin");
    assert!(repo_file("scripts/setup.sh").contains(&format!("TORCH_PIN={expected} ")), "setup.sh torch pin");
}

#[test]
fn installed_libtorch_is_the_pinned_one() {
    let version = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../.libtorch/version.py"))
        .expect(".libtorch/version.py: run scripts/setup.sh");
    assert!(version.contains(&format!("__version__ = '{}", torch_sys_expects())), "{version}");
}
