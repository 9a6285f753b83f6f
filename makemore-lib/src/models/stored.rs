//! The model file's contents, between the kinds and the file: what a kind stores
//! ([`Stored`]: its metadata and named tensors, 1-D or 2-D, int64 or float32) and how it
//! reads them back ([`StoredFile`], which checks each tensor's type and shape as the kind
//! asks). The layout on disk is described in [`crate::models::file`].

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use safetensors::tensor::{Dtype, SafeTensors};

use crate::counting::ngrams::MAX_CONTEXT;
use crate::data::vocab::Vocab;
use crate::error::{Error, Result};

/// The format name written in every model file.
pub(crate) const FORMAT: &str = "makemore";
/// The format version written in every model file.
pub(crate) const VERSION: &str = "2";
/// The first release's name and version for the same layout, still read.
pub(crate) const OLD_FORMAT: (&str, &str) = ("makemore-bigram", "1");
/// The largest model file read: 1 GiB (the largest table a model may hold is 2^26 cells
/// of 8 bytes, plus its contexts).
pub const MAX_MODEL_BYTES: u64 = 1 << 30;

/// A tensor's values as a model file stores them: little-endian int64 or float32.
#[derive(Debug, Clone, PartialEq)]
pub enum StoredData {
    /// Counts and token indices.
    Ints(Vec<i64>),
    /// Weights.
    Floats(Vec<f32>),
}

/// One named tensor of a model file: one or two dimensions.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredTensor {
    /// Its name in the file, e.g. `"W"`.
    pub name: String,
    /// Its shape.
    pub shape: Vec<usize>,
    /// Its values, row by row.
    pub data: StoredData,
}

/// What a model file holds of one model besides its kind, vocabulary and context: the
/// kind's metadata and tensors.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Stored {
    /// The kind's own metadata keys and values, e.g. `("smoothing", "1")`.
    pub meta: Vec<(&'static str, String)>,
    /// The kind's tensors.
    pub tensors: Vec<StoredTensor>,
}

/// A model file being read, for a kind's [`ModelKind::load`](crate::models::kind::ModelKind::load): its
/// vocabulary and context (already checked), its metadata, and its tensors, each checked
/// for type and shape as asked.
pub struct StoredFile<'a> {
    path: PathBuf,
    vocab: Vocab,
    context_len: usize,
    meta: HashMap<String, String>,
    tensors: SafeTensors<'a>,
}

impl StoredFile<'_> {
    /// The file's vocabulary.
    pub fn vocab(&self) -> &Vocab {
        &self.vocab
    }

    /// The file's context length (1 when absent).
    pub fn context_len(&self) -> usize {
        self.context_len
    }

    /// The refusal of this file for `reason`: "'PATH' is not a usable makemore model: REASON".
    pub fn bad(&self, reason: impl std::fmt::Display) -> Error {
        Error::BadModel { path: self.path.clone(), reason: reason.to_string() }
    }

    /// A metadata value of the kind.
    pub fn meta(&self, key: &str) -> Result<&str> {
        self.meta.get(key).map(String::as_str).ok_or_else(|| self.bad(format!("no '{key}' in its metadata")))
    }

    /// A metadata value that must be a number.
    pub fn meta_f64(&self, key: &str) -> Result<f64> {
        self.meta(key)?.parse().map_err(|_| self.bad(format!("its {key} is not a number")))
    }

    /// Refuse a file whose tensors are not exactly `names`.
    pub fn expect_tensors(&self, names: &[&str]) -> Result<()> {
        let mut have: Vec<&str> = self.tensors.names().into_iter().map(String::as_str).collect();
        have.sort();
        let mut want = names.to_vec();
        want.sort();
        if have != want {
            return Err(self.bad(format!("it holds tensors {have:?}, expected {want:?}")));
        }
        Ok(())
    }

    fn tensor(&self, name: &str, dtype: Dtype, shape: &[Option<usize>]) -> Result<(&[u8], Vec<usize>)> {
        let t = self.tensors.tensor(name).map_err(|_| self.bad(format!("no tensor '{name}'")))?;
        let fits = t.shape().len() == shape.len()
            && shape.iter().zip(t.shape()).all(|(want, &got)| want.is_none_or(|w| w == got));
        if t.dtype() != dtype || !fits {
            let want: Vec<String> = shape.iter().map(|d| d.map_or("any".into(), |d| d.to_string())).collect();
            return Err(self.bad(format!(
                "tensor '{name}' is {:?} {:?}, expected {dtype:?} [{}]",
                t.dtype(),
                t.shape(),
                want.join(", ")
            )));
        }
        Ok((t.data(), t.shape().to_vec()))
    }

    /// An int64 tensor of the given shape (`None`: any size in that dimension), with its shape.
    pub fn ints(&self, name: &str, shape: &[Option<usize>]) -> Result<(Vec<i64>, Vec<usize>)> {
        let (bytes, shape) = self.tensor(name, Dtype::I64, shape)?;
        Ok((bytes.chunks_exact(8).map(|c| i64::from_le_bytes(c.try_into().expect("8 bytes"))).collect(), shape))
    }

    /// A float32 tensor of the given shape (`None`: any size in that dimension), as a
    /// tensor of that shape.
    pub fn floats(&self, name: &str, shape: &[Option<usize>]) -> Result<tch::Tensor> {
        let (bytes, shape) = self.tensor(name, Dtype::F32, shape)?;
        let values: Vec<f32> =
            bytes.chunks_exact(4).map(|c| f32::from_le_bytes(c.try_into().expect("4 bytes"))).collect();
        let shape: Vec<i64> = shape.iter().map(|&d| d as i64).collect();
        Ok(tch::Tensor::from_slice(&values).f_view(shape.as_slice())?)
    }
}

impl<'a> StoredFile<'a> {
    /// Read the common part of a model file's `bytes` (from `path`): format, version,
    /// vocabulary, context. Returns the kind's name and the file for that kind's `load`.
    pub(crate) fn open(path: &Path, bytes: &'a [u8]) -> Result<(String, StoredFile<'a>)> {
        let bad = |reason: String| Error::BadModel { path: path.into(), reason };
        let (_, header) = SafeTensors::read_metadata(bytes)
            .map_err(|e| bad(format!("not a safetensors file, or damaged ({e:?})")))?;
        let tensors = SafeTensors::deserialize(bytes).map_err(|e| bad(format!("damaged data ({e:?})")))?;
        let meta = header.metadata().clone().unwrap_or_default();
        let field = |key: &str| meta.get(key).cloned().ok_or_else(|| bad(format!("no '{key}' in its metadata")));
        // no format: most likely PyTorch's tensors alone, which `makemore run` writes for some lists
        let format = meta.get("format").cloned().ok_or_else(|| {
            bad("no 'format' in its metadata: not a model file of makemore's train or run (a `makemore run` model \
                 of a word list with '.' or words of 64 characters or more holds PyTorch's tensors alone, which only \
                 `makemore run --sample-only` and `--resume` read)"
                .into())
        })?;
        let version = field("version")?;
        if format != FORMAT && format != OLD_FORMAT.0 {
            return Err(bad(format!("its format is not '{FORMAT}'")));
        }
        if (format.as_str(), version.as_str()) != (FORMAT, VERSION) && (format.as_str(), version.as_str()) != OLD_FORMAT
        {
            return Err(bad(format!(
                "{format} version {version:?}: this makemore reads {FORMAT} version {VERSION} (and {} version {})",
                OLD_FORMAT.0, OLD_FORMAT.1
            )));
        }
        let vocab = parse_vocab(&field("vocab")?).map_err(bad)?;
        let context_len: usize = match meta.get("context") {
            None => 1,
            Some(c) => c
                .parse()
                .ok()
                .filter(|&c| (1..=MAX_CONTEXT).contains(&c))
                .ok_or_else(|| bad(format!("context {c:?} is not 1 to {MAX_CONTEXT}")))?,
        };
        let kind = field("kind")?;
        Ok((kind, StoredFile { path: path.into(), vocab, context_len, meta, tensors }))
    }
}

/// The bytes of a model file: the common metadata (format, version, kind, vocabulary,
/// context when not 1) and the kind's [`Stored`] part.
pub(crate) fn file_bytes(kind: &str, vocab: &Vocab, context_len: usize, stored: Stored) -> Vec<u8> {
    let chars: Vec<String> = vocab.chars().iter().map(|c| c.to_string()).collect();
    let mut meta = serde_json::Map::new();
    meta.insert("format".into(), FORMAT.into());
    meta.insert("version".into(), VERSION.into());
    meta.insert("kind".into(), kind.into());
    meta.insert("vocab".into(), serde_json::to_string(&chars).expect("strings serialize").into());
    if context_len > 1 {
        meta.insert("context".into(), context_len.to_string().into());
    }
    for (key, value) in stored.meta {
        meta.insert(key.into(), value.into());
    }
    safetensors_bytes(meta, &stored.tensors)
}

fn parse_vocab(json: &str) -> std::result::Result<Vocab, String> {
    let itos: Vec<String> = serde_json::from_str(json).map_err(|e| format!("its vocab is not a JSON list: {e}"))?;
    let chars = itos
        .iter()
        .map(|s| {
            let mut it = s.chars();
            match (it.next(), it.next()) {
                (Some(c), None) => Ok(c),
                _ => Err(format!("vocab entry {s:?} is not one character")),
            }
        })
        .collect::<std::result::Result<Vec<char>, String>>()?;
    Vocab::from_itos(chars).map_err(|e| e.to_string())
}

/// The safetensors layout: 8-byte little-endian header length, the JSON header (keys
/// sorted, so the same model always gives the same bytes) padded with spaces to a
/// multiple of 8, then the tensors' data one after another.
pub(crate) fn safetensors_bytes(meta: serde_json::Map<String, serde_json::Value>, tensors: &[StoredTensor]) -> Vec<u8> {
    let mut header = BTreeMap::new();
    header.insert("__metadata__".to_string(), serde_json::Value::Object(meta));
    let mut data = Vec::new();
    for t in tensors {
        let (dtype, bytes): (&str, Vec<u8>) = match &t.data {
            StoredData::Ints(v) => ("I64", v.iter().flat_map(|x| x.to_le_bytes()).collect()),
            StoredData::Floats(v) => ("F32", v.iter().flat_map(|x| x.to_le_bytes()).collect()),
        };
        let offsets = [data.len(), data.len() + bytes.len()];
        header.insert(
            t.name.to_string(),
            serde_json::json!({ "dtype": dtype, "shape": t.shape, "data_offsets": offsets }),
        );
        data.extend_from_slice(&bytes);
    }
    let mut header = serde_json::to_string(&header).expect("JSON").into_bytes();
    header.resize(header.len().next_multiple_of(8), b' ');
    let mut out = (header.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(&header);
    out.extend_from_slice(&data);
    out
}
