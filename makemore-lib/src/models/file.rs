//! Saving and loading trained models: [`save`] any [`LanguageModel`], [`load`] one back.
//!
//! The file is [safetensors](https://huggingface.co/docs/safetensors): an 8-byte header
//! length, a JSON header, then raw little-endian tensor data. makemore writes this
//! header metadata:
//!
//! | key | value |
//! |---|---|
//! | `format` | `makemore` |
//! | `version` | `2` |
//! | `kind` | the kind's name in the registry: `counts` or `neural` |
//! | `context` | how many previous characters the model sees (absent: 1, the lecture's bigram) |
//! | `vocab` | the vocabulary as a JSON array of one-character strings, `"."` first |
//! | the kind's own keys | e.g. `smoothing` for counts models: the `k` added to every count |
//!
//! and the kind's tensors, each int64 or float32, of one or two dimensions (V =
//! vocabulary size, n = context, C = contexts seen):
//!
//! | model | tensors |
//! |---|---|
//! | counts, n = 1 | `N`: int64 V×V bigram counts |
//! | neural, n = 1 | `W`: float32 V×V weights |
//! | counts, n ≥ 2 | `contexts`: int64 C×n token indices; `N`: int64 C×V next-token counts |
//! | neural, n ≥ 2 | `W`: float32 (n·V)×V weights |
//!
//! A kind writes its part through [`LanguageModel::stored`] and reads it back in its
//! [`Kind::load`](crate::models::Kind::load) through a [`StoredFile`], which checks each
//! tensor's type and shape as the kind asks.
//!
//! Files of the first release (`format` `makemore-bigram`, `version` `1`, n-gram models
//! included despite the name) have exactly this layout and load as they are; they are
//! never written any more.
//!
//! Loading checks every one of these, and that the model can be sampled and evaluated
//! (the checks of each model's constructor), and refuses anything else with a message
//! that names the problem, so a truncated, corrupt or foreign file never becomes a model.
//! The same model always gives the same bytes (the header's keys are sorted).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use safetensors::tensor::{Dtype, SafeTensors};

use crate::counting::ngrams::MAX_CONTEXT;
use crate::data::input::read_limited;
use crate::data::output::write_atomic;
use crate::data::vocab::Vocab;
use crate::error::{Error, Result};
use crate::models::{LanguageModel, load_kind};

/// The format name written in every model file.
pub const FORMAT: &str = "makemore";
/// The format version written in every model file.
pub const VERSION: &str = "2";
/// The first release's name and version for the same layout, still read.
const OLD_FORMAT: (&str, &str) = ("makemore-bigram", "1");
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
    pub name: &'static str,
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

/// Write any model to `path` (atomically: a failed write leaves any old file intact).
///
/// ```
/// use makemore::{CountsModel, WordList, load_model, save_model};
/// let words = WordList::parse("emma\nava", "names")?;
/// let model = CountsModel::fit(&words, 1.0)?;
/// let path = std::env::temp_dir().join(format!("doc-model-{}.safetensors", std::process::id()));
/// save_model(&model, &path)?;
/// let back = load_model(&path)?;
/// assert_eq!(makemore::sample(&*back, 5, 42)?, makemore::sample(&model, 5, 42)?);
/// assert!(save_model(&model, "/no/such/folder/m.safetensors").is_err());
/// # std::fs::remove_file(&path).unwrap();
/// # Ok::<(), makemore::Error>(())
/// ```
pub fn save<M: LanguageModel + ?Sized>(model: &M, path: impl AsRef<Path>) -> Result<()> {
    let vocab: Vec<String> = model.vocab().chars().iter().map(|c| c.to_string()).collect();
    let mut meta = serde_json::Map::new();
    meta.insert("format".into(), FORMAT.into());
    meta.insert("version".into(), VERSION.into());
    meta.insert("kind".into(), model.kind().into());
    meta.insert("vocab".into(), serde_json::to_string(&vocab).expect("strings serialize").into());
    if model.context_len() > 1 {
        meta.insert("context".into(), model.context_len().to_string().into());
    }
    let stored = model.stored();
    for (key, value) in stored.meta {
        meta.insert(key.into(), value.into());
    }
    write_atomic(path.as_ref(), &safetensors_bytes(meta, &stored.tensors))
}

/// Read a model file of any kind, validating everything in it.
///
/// ```
/// let path = std::env::temp_dir().join(format!("doc-bad-{}.safetensors", std::process::id()));
/// std::fs::write(&path, b"not a model").unwrap();
/// let err = makemore::load_model(&path).unwrap_err();
/// assert!(err.to_string().contains("not a usable makemore model"));
/// # std::fs::remove_file(&path).unwrap();
/// ```
pub fn load(path: impl AsRef<Path>) -> Result<Box<dyn LanguageModel>> {
    let path = path.as_ref();
    let bytes = read_limited(path, MAX_MODEL_BYTES)?;
    let bad = |reason: String| Error::BadModel { path: path.into(), reason };
    let (_, header) =
        SafeTensors::read_metadata(&bytes).map_err(|e| bad(format!("not a safetensors file, or damaged ({e:?})")))?;
    let tensors = SafeTensors::deserialize(&bytes).map_err(|e| bad(format!("damaged data ({e:?})")))?;
    let meta = header.metadata().clone().unwrap_or_default();
    let field = |key: &str| meta.get(key).cloned().ok_or_else(|| bad(format!("no '{key}' in its metadata")));
    let (format, version) = (field("format")?, field("version")?);
    if format != FORMAT && format != OLD_FORMAT.0 {
        return Err(bad(format!("its format is not '{FORMAT}'")));
    }
    if (format.as_str(), version.as_str()) != (FORMAT, VERSION) && (format.as_str(), version.as_str()) != OLD_FORMAT {
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
    let file = StoredFile { path: path.into(), vocab, context_len, meta, tensors };
    load_kind(&kind, &file)
}

/// A model file being read, for a kind's [`Kind::load`](crate::models::Kind::load): its
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
            return Err(self.bad(format!(
                "tensor '{name}' is {:?} {:?}, expected {dtype:?} {shape:?}",
                t.dtype(),
                t.shape()
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
fn safetensors_bytes(meta: serde_json::Map<String, serde_json::Value>, tensors: &[StoredTensor]) -> Vec<u8> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::words::WordList;
    use crate::models::counts::{NgramConfig, NgramModel};

    /// A file as the first release wrote it: the same layout, format `makemore-bigram` version 1.
    #[test]
    fn first_release_files_still_load() {
        let words = WordList::parse("emma\nava\nanna", "w").unwrap();
        let vocab = Vocab::from_words(&words).unwrap();
        let cfg = NgramConfig { context_len: 2, smoothing: 0.5 };
        let model = NgramModel::fit(&words, &vocab, cfg).unwrap();
        let mut meta = serde_json::Map::new();
        meta.insert("format".into(), OLD_FORMAT.0.into());
        meta.insert("version".into(), OLD_FORMAT.1.into());
        meta.insert("kind".into(), "counts".into());
        meta.insert("context".into(), "2".into());
        meta.insert("smoothing".into(), "0.5".into());
        let itos: Vec<String> = vocab.chars().iter().map(|c| c.to_string()).collect();
        meta.insert("vocab".into(), serde_json::to_string(&itos).unwrap().into());
        let path = std::env::temp_dir().join(format!("makemore-v1-{}.safetensors", std::process::id()));
        std::fs::write(&path, safetensors_bytes(meta, &model.stored().tensors)).unwrap();
        let back = load(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!((back.kind(), back.context_len()), ("counts", 2));
        assert_eq!(back.stored(), model.stored());
        assert_eq!(crate::sample(&*back, 5, 3).unwrap(), crate::sample(&model, 5, 3).unwrap());
    }
}
