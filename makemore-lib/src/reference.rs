//! PyTorch's numbers for the notebooks' checks: one of the project's reference fixtures
//! (`makemore-lib/tests/fixtures/<vendor>/<name>.json`, written by the project's PyTorch
//! scripts), read by dotted key.
//!
//! PyTorch's float32 results differ in their last bits between CPU vendors, so each
//! vendor has its own set. [`Reference::load`] takes this machine's vendor's set when
//! there is one (then the same ATen calls give PyTorch's numbers bit for bit), else
//! another vendor's, and [`Reference::same_run`] widens a check accordingly.
//!
//! ```no_run
//! use makemore::check::{self, Bound};
//! let r = makemore::Reference::load("names-mlp.json")?;
//! check::close(2.1655, r.num("final.loss.dev"), Bound::Printed { decimals: 4, ulps: 0.0 });
//! # Ok::<(), makemore::Error>(())
//! ```

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::check::Bound;
use crate::error::{Error, Result};

/// One reference fixture, parsed.
#[derive(Debug, Clone)]
pub struct Reference {
    value: Value,
    path: PathBuf,
    native: bool,
}

/// This machine's CPU vendor as the fixture folders name it: `intel`, `amd`, or the
/// lower-cased `vendor_id` of /proc/cpuinfo (the rule of the reference scripts).
///
/// ```
/// assert!(!makemore::reference::machine_vendor().is_empty());
/// ```
pub fn machine_vendor() -> String {
    let info = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let id = info
        .lines()
        .find_map(|l| l.strip_prefix("vendor_id").map(|v| v.trim_start_matches([' ', '\t', ':']).trim().to_string()))
        .unwrap_or_else(|| "unknown".into());
    match id.as_str() {
        "GenuineIntel" => "intel".into(),
        "AuthenticAMD" => "amd".into(),
        other => other.to_lowercase(),
    }
}

/// The folder of the project's reference fixtures.
pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("fixtures")
}

impl Reference {
    /// The fixture `name` of this machine's vendor, or of the first vendor (in name
    /// order) that has one.
    ///
    /// ```
    /// assert!(makemore::Reference::load("no-such-reference.json").is_err());
    /// ```
    pub fn load(name: &str) -> Result<Reference> {
        let dir = fixtures_dir();
        let native = dir.join(machine_vendor()).join(name);
        let path = if native.is_file() {
            native.clone()
        } else {
            let mut sets: Vec<PathBuf> = std::fs::read_dir(&dir)
                .map_err(|io| Error::Read { path: dir.clone(), io })?
                .filter_map(|e| e.ok().map(|e| e.path().join(name)))
                .filter(|p| p.is_file())
                .collect();
            sets.sort();
            sets.into_iter().next().ok_or_else(|| Error::Read {
                path: native.clone(),
                io: std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "no vendor folder holds it: run `make reference`",
                ),
            })?
        };
        Reference::from_file(&path, path == native)
    }

    /// A fixture file; `native`: made on a CPU of this machine's vendor.
    pub fn from_file(path: &Path, native: bool) -> Result<Reference> {
        let text = std::fs::read_to_string(path).map_err(|io| Error::Read { path: path.into(), io })?;
        let value = serde_json::from_str(&text).map_err(|e| Error::BadParameter {
            name: "reference",
            value: format!("{}: {e}", path.display()),
            expected: "JSON",
        })?;
        Ok(Reference { value, path: path.into(), native })
    }

    /// Was the fixture made on a CPU of this machine's vendor?
    pub fn native(&self) -> bool {
        self.native
    }

    /// The bound for a number PyTorch computed with the same libtorch calls in the same
    /// order as the notebook: `Bound::Exact` when the fixture is this vendor's; on
    /// another vendor, [`ACROSS_VENDORS`] (a training run's float32 roundings then
    /// differ, and the runs drift apart).
    pub fn same_run(&self) -> Bound {
        if self.native {
            Bound::Exact
        } else {
            Bound::UlpsOf { ulps: ACROSS_VENDORS / (2.0 * crate::check::U), of: 1.0 }
        }
    }

    /// The value at a dotted key, e.g. `"final.dev"` or `"losses.17"` (an array index).
    #[track_caller]
    pub fn get(&self, key: &str) -> &Value {
        let mut v = &self.value;
        for part in key.split('.').filter(|p| !p.is_empty()) {
            let next = match part.parse::<usize>() {
                Ok(i) if v.is_array() => v.get(i),
                _ => v.get(part),
            };
            v = next.unwrap_or_else(|| panic!("{}: no key {key:?}", self.path.display()));
        }
        v
    }

    /// A number (`null`, how the reference scripts write a NaN, reads as NaN).
    #[track_caller]
    pub fn num(&self, key: &str) -> f64 {
        let v = self.get(key);
        number(v).unwrap_or_else(|| panic!("{}: {key:?} is not a number: {v}", self.path.display()))
    }

    /// The numbers of an array, nested arrays flattened in row-major order (a matrix
    /// written as a list of rows reads as its elements).
    #[track_caller]
    pub fn nums(&self, key: &str) -> Vec<f64> {
        let mut out = Vec::new();
        flatten(self.get(key), &mut out)
            .unwrap_or_else(|v| panic!("{}: {key:?} holds {v}, not a number", self.path.display()));
        out
    }

    /// An array of integers (indices, sizes).
    #[track_caller]
    pub fn ints(&self, key: &str) -> Vec<i64> {
        self.nums(key).into_iter().map(|x| x as i64).collect()
    }

    /// A string.
    #[track_caller]
    pub fn text(&self, key: &str) -> String {
        let v = self.get(key);
        v.as_str()
            .map(str::to_string)
            .unwrap_or_else(|| panic!("{}: {key:?} is not a string: {v}", self.path.display()))
    }

    /// An array of strings (words, names).
    #[track_caller]
    pub fn strings(&self, key: &str) -> Vec<String> {
        self.items(key).iter().map(|item| item.text("")).collect()
    }

    /// The elements of an array, each readable by key (rows of a table).
    #[track_caller]
    pub fn items(&self, key: &str) -> Vec<Reference> {
        let v = self.get(key);
        let items = v.as_array().unwrap_or_else(|| panic!("{}: {key:?} is not an array", self.path.display()));
        items.iter().map(|x| Reference { value: x.clone(), path: self.path.clone(), native: self.native }).collect()
    }
}

/// How far a loss after training may be from PyTorch's when the reference was made on
/// another CPU vendor's machine: 0.01, the issue's own figure for a run that does not
/// reproduce PyTorch's roundings (docs/tolerances.md). Not derived: measured runs differ
/// far less; it is a sanity bound, and the exact check needs the vendor's own fixture.
pub const ACROSS_VENDORS: f64 = 0.01;

fn number(v: &Value) -> Option<f64> {
    if v.is_null() { Some(f64::NAN) } else { v.as_f64() }
}

fn flatten<'a>(v: &'a Value, out: &mut Vec<f64>) -> std::result::Result<(), &'a Value> {
    match v.as_array() {
        Some(items) => items.iter().try_for_each(|x| flatten(x, out)),
        None => number(v).map(|x| out.push(x)).ok_or(v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotted_keys_reach_into_objects_and_arrays() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.json");
        std::fs::write(&path, r#"{"a": {"b": [1.5, 2, 3]}, "w": ["emma", "ava"], "m": [[1, 2], [3, null]]}"#).unwrap();
        let r = Reference::from_file(&path, true).unwrap();
        assert_eq!((r.num("a.b.0"), r.nums("a.b"), r.ints("a.b")), (1.5, vec![1.5, 2.0, 3.0], vec![1, 2, 3]));
        assert_eq!(r.strings("w"), ["emma", "ava"]);
        assert_eq!(r.nums("m")[..3], [1.0, 2.0, 3.0]);
        assert!(r.nums("m")[3].is_nan() && r.num("m.1.1").is_nan(), "null is how the scripts write a NaN");
        assert_eq!(r.items("w")[1].text(""), "ava");
        assert_eq!(r.same_run(), Bound::Exact);
        let other = Reference::from_file(&path, false).unwrap();
        assert!((other.same_run().width(2.0) - ACROSS_VENDORS).abs() < 1e-12);
        let missing = std::panic::catch_unwind(|| r.num("a.c")).unwrap_err();
        assert!(missing.downcast_ref::<String>().unwrap().contains("no key \"a.c\""));
        std::fs::write(&path, "not json").unwrap();
        assert!(Reference::from_file(&path, true).is_err());
    }
}
