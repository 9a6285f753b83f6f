//! The seed of libtorch's one global generator, which every random draw of the library
//! takes (tch has no `Generator`: `tch::manual_seed` and then the same calls give the same
//! numbers as PyTorch).

/// The lecture's seed: `torch.Generator().manual_seed(2147483647)`.
pub const LECTURE_SEED: i64 = 2147483647;

/// Seed libtorch's global generator, as the lecture seeds its `g`.
///
/// ```
/// makemore::seed(makemore::LECTURE_SEED);
/// let a = tch::Tensor::rand([3], (tch::Kind::Float, tch::Device::Cpu));
/// makemore::seed(makemore::LECTURE_SEED);
/// let b = tch::Tensor::rand([3], (tch::Kind::Float, tch::Device::Cpu));
/// assert!(a.equal(&b));
/// ```
pub fn seed(seed: i64) {
    tch::manual_seed(seed);
}

/// A seed as PyTorch takes them here, from text (a command-line flag): 0 to 2^63 - 1.
///
/// ```
/// assert_eq!(makemore::parse_seed("42"), Ok(42));
/// assert!(makemore::parse_seed("-1").unwrap_err().contains("is not a seed"));
/// ```
pub fn parse_seed(s: &str) -> std::result::Result<i64, String> {
    s.parse::<i64>()
        .ok()
        .filter(|&v| v >= 0)
        .ok_or_else(|| format!("'{s}' is not a seed (a whole number from 0 to {})", i64::MAX))
}
