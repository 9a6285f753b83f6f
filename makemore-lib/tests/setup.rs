//! The set-up's pins agree with what the tch crate needs.

use std::path::Path;
use std::process::Command;

/// The libtorch version torch-sys (tch's build crate) was written for, read from its build script.
fn torch_sys_expects() -> String {
    let out = Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--offline"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata");
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).expect("metadata JSON");
    let manifest = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "torch-sys")
        .expect("torch-sys among the dependencies")["manifest_path"]
        .as_str()
        .unwrap()
        .to_string();
    let build = std::fs::read_to_string(Path::new(&manifest).with_file_name("build.rs")).unwrap();
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
