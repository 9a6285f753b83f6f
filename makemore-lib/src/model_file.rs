//! Saving and loading trained models.
//!
//! The file is [safetensors](https://huggingface.co/docs/safetensors): a JSON header
//! then raw little-endian tensor data. makemore writes exactly one tensor and this
//! header metadata:
//!
//! | key | value |
//! |---|---|
//! | `format` | `makemore-bigram` |
//! | `version` | `1` |
//! | `kind` | `counts` (tensor `N`, int64 V×V counts) or `neural` (tensor `W`, float32 V×V weights) |
//! | `vocab` | the vocabulary as a JSON array of one-character strings, `"."` first |
//! | `smoothing` | counts models only: the `k` added to every count |
//!
//! Loading checks every one of these and refuses anything else with a message that
//! names the problem, so a truncated, corrupt or foreign file never becomes a model.

use std::path::Path;

use safetensors::tensor::{Dtype, SafeTensors};
use tch::{Kind, Tensor};

use crate::bigram::BigramCounts;
use crate::error::{Error, Result};
use crate::model::{BigramModel, CountsModel};
use crate::neural::NeuralBigram;
use crate::output::write_atomic;
use crate::vocab::Vocab;

const FORMAT: &str = "makemore-bigram";
const VERSION: &str = "1";

/// A trained model of either kind, as stored in a model file.
///
/// ```
/// use makemore::{BigramModel, CountsModel, Model, WordList};
/// let words = WordList::parse("emma\nava", "names")?;
/// let model = Model::Counts(CountsModel::fit(&words, 1.0)?);
/// let path = std::env::temp_dir().join(format!("doc-model-{}.safetensors", std::process::id()));
/// model.save(&path)?;
/// let back = Model::load(&path)?;
/// assert!(back.probs().equal(&model.probs()));
/// # std::fs::remove_file(&path).unwrap();
/// # Ok::<(), makemore::Error>(())
/// ```
#[derive(Debug)]
pub enum Model {
    /// Smoothed bigram counts.
    Counts(CountsModel),
    /// The one-layer neural network.
    Neural(NeuralBigram),
}

impl Model {
    /// `"counts"` or `"neural"`.
    ///
    /// ```
    /// let words = makemore::WordList::parse("ab", "w")?;
    /// let model = makemore::Model::Counts(makemore::CountsModel::fit(&words, 1.0)?);
    /// assert_eq!(model.kind(), "counts");
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn kind(&self) -> &'static str {
        match self {
            Model::Counts(_) => "counts",
            Model::Neural(_) => "neural",
        }
    }

    fn inner(&self) -> &dyn BigramModel {
        match self {
            Model::Counts(m) => m,
            Model::Neural(m) => m,
        }
    }

    /// Write the model to `path` (atomically: a failed write leaves any old file intact).
    ///
    /// ```
    /// let words = makemore::WordList::parse("ab", "w")?;
    /// let model = makemore::Model::Counts(makemore::CountsModel::fit(&words, 1.0)?);
    /// assert!(model.save("/no/such/folder/m.safetensors").is_err());
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let vocab: Vec<String> = self.vocab().chars().iter().map(|c| c.to_string()).collect();
        let mut meta = serde_json::Map::new();
        meta.insert("format".into(), FORMAT.into());
        meta.insert("version".into(), VERSION.into());
        meta.insert("kind".into(), self.kind().into());
        meta.insert("vocab".into(), serde_json::to_string(&vocab).expect("strings serialize").into());
        let (name, dtype, bytes) = match self {
            Model::Counts(m) => {
                meta.insert("smoothing".into(), m.smoothing().to_string().into());
                let n = Vec::<i64>::try_from(&m.counts().n().to_kind(Kind::Int64).flatten(0, 1)).expect("1-D");
                ("N", "I64", n.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>())
            }
            Model::Neural(m) => {
                let w = Vec::<f32>::try_from(&m.w().detach().flatten(0, 1)).expect("1-D");
                ("W", "F32", w.iter().flat_map(|x| x.to_le_bytes()).collect())
            }
        };
        let data = safetensors_bytes(meta, name, dtype, self.vocab().len(), &bytes);
        write_atomic(path.as_ref(), &data)
    }

    /// Read a model file, validating everything in it.
    ///
    /// ```
    /// let path = std::env::temp_dir().join(format!("doc-bad-{}.safetensors", std::process::id()));
    /// std::fs::write(&path, b"not a model").unwrap();
    /// let err = makemore::Model::load(&path).unwrap_err();
    /// assert!(err.to_string().contains("not a usable makemore model"));
    /// # std::fs::remove_file(&path).unwrap();
    /// ```
    pub fn load(path: impl AsRef<Path>) -> Result<Model> {
        let path = path.as_ref();
        if path.is_dir() {
            return Err(Error::IsDirectory { path: path.into() });
        }
        let bytes = std::fs::read(path).map_err(|io| Error::Read { path: path.into(), io })?;
        let bad = |reason: String| Error::BadModel { path: path.into(), reason };
        let (_, header) = SafeTensors::read_metadata(&bytes)
            .map_err(|e| bad(format!("not a safetensors file, or damaged ({e:?})")))?;
        let tensors = SafeTensors::deserialize(&bytes).map_err(|e| bad(format!("damaged data ({e:?})")))?;
        let meta = header.metadata().clone().unwrap_or_default();
        let field = |key: &str| meta.get(key).cloned().ok_or_else(|| bad(format!("no '{key}' in its metadata")));
        if field("format")? != FORMAT {
            return Err(bad(format!("its format is not '{FORMAT}'")));
        }
        let version = field("version")?;
        if version != VERSION {
            return Err(bad(format!("version {version:?}, this makemore reads version {VERSION}")));
        }
        let itos: Vec<String> =
            serde_json::from_str(&field("vocab")?).map_err(|e| bad(format!("its vocab is not a JSON list: {e}")))?;
        let chars = itos
            .iter()
            .map(|s| {
                let mut it = s.chars();
                match (it.next(), it.next()) {
                    (Some(c), None) => Ok(c),
                    _ => Err(bad(format!("vocab entry {s:?} is not one character"))),
                }
            })
            .collect::<Result<Vec<char>>>()?;
        let vocab = Vocab::from_itos(chars).map_err(|e| bad(e.to_string()))?;
        let v = vocab.len();
        let tensor = |name: &str, dtype: Dtype| -> Result<Vec<u8>> {
            if tensors.len() != 1 {
                return Err(bad(format!("it holds {} tensors, expected only '{name}'", tensors.len())));
            }
            let t = tensors.tensor(name).map_err(|_| bad(format!("no tensor '{name}'")))?;
            if t.dtype() != dtype || t.shape() != [v, v] {
                return Err(bad(format!(
                    "tensor '{name}' is {:?} {:?}, expected {dtype:?} [{v}, {v}]",
                    t.dtype(),
                    t.shape()
                )));
            }
            Ok(t.data().to_vec())
        };
        match field("kind")?.as_str() {
            "counts" => {
                let smoothing: f64 =
                    field("smoothing")?.parse().map_err(|_| bad("its smoothing is not a number".into()))?;
                let n: Vec<i64> = tensor("N", Dtype::I64)?
                    .chunks_exact(8)
                    .map(|b| i64::from_le_bytes(b.try_into().unwrap()))
                    .collect();
                if n.iter().any(|&c| !(0..=i32::MAX as i64).contains(&c)) {
                    return Err(bad("its counts are negative or too large".into()));
                }
                let counts = BigramCounts::from_tensor(&vocab, Tensor::from_slice(&n).view([v as i64, v as i64]))
                    .map_err(|e| bad(e.to_string()))?;
                Ok(Model::Counts(CountsModel::new(counts, smoothing).map_err(|e| bad(e.to_string()))?))
            }
            "neural" => {
                let w: Vec<f32> = tensor("W", Dtype::F32)?
                    .chunks_exact(4)
                    .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
                    .collect();
                let w = Tensor::from_slice(&w).view([v as i64, v as i64]);
                Ok(Model::Neural(NeuralBigram::from_weights(vocab, w).map_err(|e| bad(e.to_string()))?))
            }
            other => Err(bad(format!("unknown kind {other:?}"))),
        }
    }
}

/// One tensor in the safetensors layout: 8-byte little-endian header length, the JSON
/// header (keys sorted, so the same model always gives the same bytes), padded with
/// spaces to a multiple of 8, then the data.
fn safetensors_bytes(
    meta: serde_json::Map<String, serde_json::Value>,
    name: &str,
    dtype: &str,
    v: usize,
    data: &[u8],
) -> Vec<u8> {
    let header = serde_json::json!({
        "__metadata__": meta,
        name: { "dtype": dtype, "shape": [v, v], "data_offsets": [0, data.len()] },
    });
    let mut header = header.to_string().into_bytes();
    header.resize(header.len().next_multiple_of(8), b' ');
    let mut out = (header.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(&header);
    out.extend_from_slice(data);
    out
}

impl BigramModel for Model {
    fn vocab(&self) -> &Vocab {
        self.inner().vocab()
    }
    fn next_probs(&self, ix: i64) -> Tensor {
        self.inner().next_probs(ix)
    }
    fn probs(&self) -> Tensor {
        self.inner().probs()
    }
}
