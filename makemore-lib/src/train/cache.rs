//! Networks trained before, read back instead of trained again: [`TrainedCache`].

use std::fmt;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use tch::{Kind, Tensor};

use crate::data::output::write_atomic;
use crate::error::{Error, Result};
use crate::models::stored::{StoredData, StoredTensor, safetensors_bytes};
use crate::train::examples::Examples;
use crate::train::trainer::Trainer;

/// Networks trained before, read back instead of trained again.
///
/// Training one of the library's networks ([`crate::Mlp::trained`],
/// [`crate::WaveNet::trained`]) is a function of what decides it: the settings seed the
/// global generator, the parameters are drawn, and the steps run on one thread. So a
/// notebook run a second time, or with one setting changed, need train only what changed.
/// The cache keeps each trained network (its parameters, buffers and every step's
/// loss) in a folder, under a SHA-256 of everything that decides it:
///
/// - the kind and its settings, written out;
/// - the examples it learns from;
/// - its parameters as drawn, before the first step;
/// - the library's source (`makemore-lib/src`, hashed when it is built) and libtorch's version
///   (the torch wheel's `version.py`, beside the libtorch it builds against), libtorch's
///   vectorized kernels (`ATEN_CPU_CAPABILITY`) and the CPU's model name: each can round
///   float32 differently.
///
/// Not in the key: tch and the other crates (Cargo.lock pins them). After changing those, or
/// to train everything again, delete the folder.
///
/// Reading a network back also makes the training's draws from the global generator again
/// (the minibatches' `randint`s, without any step), so that whatever is drawn next is what
/// would have been drawn after training. A file that cannot be read back (another shape, cut
/// short) is trained again and written over.
///
/// The notebooks keep theirs in `target/trained`, which `cargo clean` empties.
///
/// ```
/// use makemore::{Examples, Mlp, MlpConfig, TrainedCache, Vocab, WordList};
/// let words = WordList::parse("emma\nolivia\nava", "names")?;
/// let vocab = Vocab::from_words(&words)?;
/// let examples = Examples::with_context(&words, &vocab, 3)?;
/// let cfg = MlpConfig { hidden: 20, steps: 50, ..MlpConfig::DEFAULT };
/// let cache = TrainedCache::at(std::env::temp_dir().join(format!("doc-trained-{}", std::process::id())));
/// let (first, trained) = Mlp::trained(&vocab, &cfg, &examples, &cache)?;
/// tch::Tensor::randn([1], (tch::Kind::Float, tch::Device::Cpu)); // moves the generator
/// let next = tch::Tensor::randn([1], (tch::Kind::Float, tch::Device::Cpu));
/// let (again, read_back) = Mlp::trained(&vocab, &cfg, &examples, &cache)?;
/// tch::Tensor::randn([1], (tch::Kind::Float, tch::Device::Cpu));
/// assert!(!trained.read_back && read_back.read_back);
/// assert_eq!(trained.losses, read_back.losses);
/// assert!(first.parameters().iter().zip(again.parameters()).all(|(a, b)| a.equal(&b)));
/// // the generator is where training leaves it
/// assert!(next.equal(&tch::Tensor::randn([1], (tch::Kind::Float, tch::Device::Cpu))));
/// # std::fs::remove_dir_all(cache.dir()).unwrap();
/// # Ok::<(), makemore::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct TrainedCache {
    dir: PathBuf,
}

/// What a training through a [`TrainedCache`] gave: every step's loss, and whether the
/// network was read back rather than trained now.
#[derive(Debug, Clone, PartialEq)]
pub struct Trained {
    /// Every step's minibatch loss, in order.
    pub losses: Vec<f32>,
    /// The network was trained before with the same settings, examples and library, and
    /// read back from the cache.
    pub read_back: bool,
}

impl fmt::Display for Trained {
    /// One line for a notebook: whether the steps ran now or were read back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let steps = self.losses.len();
        if self.read_back {
            write!(f, "{steps} steps, read back: trained before with the same settings, examples and library")
        } else {
            write!(f, "{steps} steps, trained now")
        }
    }
}

impl TrainedCache {
    /// The cache in folder `dir` (made when the first network is written).
    pub fn at(dir: impl Into<PathBuf>) -> TrainedCache {
        TrainedCache { dir: dir.into() }
    }

    /// Its folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The network whose tensors are `tensors` (its parameters as drawn and its buffers, in
    /// a fixed order; they are updated in place), trained by `train` with `trainer` on
    /// `examples`, or read back. `what` names the kind and its settings.
    pub(crate) fn train(
        &self,
        what: &str,
        examples: &Examples,
        tensors: &[Tensor],
        trainer: &Trainer,
        train: impl FnOnce() -> Result<Vec<f32>>,
    ) -> Result<Trained> {
        let path = self.dir.join(format!("{}.safetensors", key(what, examples, tensors)?));
        if let Some(losses) = read_back(&path, tensors, trainer.steps) {
            trainer.replay_draws(examples.len())?;
            return Ok(Trained { losses, read_back: true });
        }
        let losses = train()?;
        self.write(&path, tensors, &losses)?;
        Ok(Trained { losses, read_back: false })
    }

    /// Write a trained network, as model files are written ([`write_atomic`]: a run cut
    /// short leaves no half-written file under the key).
    fn write(&self, path: &Path, tensors: &[Tensor], losses: &[f32]) -> Result<()> {
        let failed = |e: std::io::Error| Error::Write { path: self.dir.clone(), reason: e.to_string() };
        std::fs::create_dir_all(&self.dir).map_err(failed)?;
        let mut stored = Vec::with_capacity(tensors.len() + 1);
        for (i, t) in tensors.iter().enumerate() {
            let shape = t.size().iter().map(|&d| d as usize).collect();
            stored.push(StoredTensor { name: format!("t{i}"), shape, data: StoredData::Floats(floats(t)?) });
        }
        let data = StoredData::Floats(losses.to_vec());
        stored.push(StoredTensor { name: "losses".into(), shape: vec![losses.len()], data });
        write_atomic(path, &safetensors_bytes(serde_json::Map::new(), &stored))
    }
}

/// The losses of the network at `path`, its values copied into `tensors`; None when there
/// is none there, or it does not fit (then nothing is copied).
fn read_back(path: &Path, tensors: &[Tensor], steps: usize) -> Option<Vec<f32>> {
    let mut stored: std::collections::HashMap<String, Tensor> =
        Tensor::read_safetensors(path).ok()?.into_iter().collect();
    let losses = Vec::<f32>::try_from(stored.remove("losses")?).ok()?;
    let values: Vec<Tensor> = (0..tensors.len()).map(|i| stored.remove(&format!("t{i}"))).collect::<Option<_>>()?;
    let fits = |(t, v): (&Tensor, &Tensor)| t.size() == v.size() && t.kind() == v.kind();
    if losses.len() != steps || !stored.is_empty() || !tensors.iter().zip(&values).all(fits) {
        return None;
    }
    tch::no_grad(|| {
        for (t, v) in tensors.iter().zip(&values) {
            t.shallow_clone().copy_(v);
        }
    });
    Some(losses)
}

/// The SHA-256, in hex, of everything that decides a trained network (see [`TrainedCache`]).
fn key(what: &str, examples: &Examples, tensors: &[Tensor]) -> Result<String> {
    let mut h = Sha256::new();
    let mut part = |bytes: &[u8]| {
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(bytes);
    };
    part(b"makemore trained network 1");
    part(env!("MAKEMORE_SOURCE_HASH").as_bytes());
    part(std::env::var("ATEN_CPU_CAPABILITY").unwrap_or_default().as_bytes());
    part(cpu_model().as_bytes());
    part(what.as_bytes());
    for t in [&examples.xs, &examples.ys] {
        part(format!("{:?}", t.size()).as_bytes());
        let values = Vec::<i64>::try_from(t.f_to_kind(Kind::Int64)?.f_flatten(0, -1)?)?;
        part(&values.iter().flat_map(|v| v.to_le_bytes()).collect::<Vec<u8>>());
    }
    for t in tensors {
        part(format!("{:?} {:?}", t.size(), t.kind()).as_bytes());
        part(&floats(t)?.iter().flat_map(|v| v.to_le_bytes()).collect::<Vec<u8>>());
    }
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// A tensor's values as float32, row by row.
fn floats(t: &Tensor) -> Result<Vec<f32>> {
    Ok(Vec::<f32>::try_from(t.f_detach()?.f_to_kind(Kind::Float)?.f_flatten(0, -1)?)?)
}

/// The CPU's model name from /proc/cpuinfo (empty where there is none).
fn cpu_model() -> String {
    let info = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    info.lines().find(|l| l.starts_with("model name")).unwrap_or_default().to_string()
}
