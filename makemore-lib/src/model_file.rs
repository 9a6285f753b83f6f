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
//! | `kind` | `counts` or `neural` |
//! | `context` | how many previous characters the model sees (absent: 1, the lecture's bigram) |
//! | `vocab` | the vocabulary as a JSON array of one-character strings, `"."` first |
//! | `smoothing` | counts models only: the `k` added to every count |
//!
//! and these tensors (V = vocabulary size, n = context, C = contexts seen):
//!
//! | model | tensors |
//! |---|---|
//! | counts, n = 1 | `N`: int64 V×V bigram counts |
//! | neural, n = 1 | `W`: float32 V×V weights |
//! | counts, n ≥ 2 | `contexts`: int64 C×n token indices; `N`: int64 C×V next-token counts |
//! | neural, n ≥ 2 | `W`: float32 (n·V)×V weights |
//!
//! Files of the first release (`format` `makemore-bigram`, `version` `1`, n-gram models
//! included despite the name) have exactly this layout and load as they are; they are
//! never written any more.
//!
//! Loading checks every one of these, and that the model can be sampled and evaluated
//! (the checks of each model's constructor), and refuses anything else with a message
//! that names the problem, so a truncated, corrupt or foreign file never becomes a model.
//! The same model always gives the same bytes (the header's keys are sorted).

use std::collections::BTreeMap;
use std::path::Path;

use safetensors::tensor::{Dtype, SafeTensors};
use tch::Tensor;

use crate::bigram::BigramCounts;
use crate::contexts::{ContextCounts, MAX_CONTEXT};
use crate::error::{Error, Result};
use crate::input::read_limited;
use crate::model::{CountsModel, LanguageModel, ModelKind, StoredData};
use crate::neural::NeuralBigram;
use crate::neural_ngram::NeuralNgram;
use crate::ngram::NgramModel;
use crate::output::write_atomic;
use crate::vocab::Vocab;

/// The format name written in every model file.
pub const FORMAT: &str = "makemore";
/// The format version written in every model file.
pub const VERSION: &str = "2";
/// The first release's name and version for the same layout, still read.
const OLD_FORMAT: (&str, &str) = ("makemore-bigram", "1");
/// The largest model file read: 1 GiB (the largest table a model may hold is 2^26 cells
/// of 8 bytes, plus its contexts).
pub const MAX_MODEL_BYTES: u64 = 1 << 30;

/// Write any model to `path` (atomically: a failed write leaves any old file intact).
///
/// ```
/// use makemore::{CountsModel, WordList, model_file};
/// let words = WordList::parse("emma\nava", "names")?;
/// let model = CountsModel::fit(&words, 1.0)?;
/// let path = std::env::temp_dir().join(format!("doc-model-{}.safetensors", std::process::id()));
/// model_file::save(&model, &path)?;
/// let back = model_file::load(&path)?;
/// assert_eq!(makemore::sample(&*back, 5, 42)?, makemore::sample(&model, 5, 42)?);
/// assert!(model_file::save(&model, "/no/such/folder/m.safetensors").is_err());
/// # std::fs::remove_file(&path).unwrap();
/// # Ok::<(), makemore::Error>(())
/// ```
pub fn save<M: LanguageModel + ?Sized>(model: &M, path: impl AsRef<Path>) -> Result<()> {
    let vocab: Vec<String> = model.vocab().chars().iter().map(|c| c.to_string()).collect();
    let mut meta = serde_json::Map::new();
    meta.insert("format".into(), FORMAT.into());
    meta.insert("version".into(), VERSION.into());
    meta.insert("kind".into(), model.kind().name().into());
    meta.insert("vocab".into(), serde_json::to_string(&vocab).expect("strings serialize").into());
    if model.context() > 1 {
        meta.insert("context".into(), model.context().to_string().into());
    }
    let params = model.parameters();
    if let Some(k) = params.smoothing {
        meta.insert("smoothing".into(), k.to_string().into());
    }
    write_atomic(path.as_ref(), &safetensors_bytes(meta, &params.tensors))
}

/// Read a model file of any kind, validating everything in it.
///
/// ```
/// let path = std::env::temp_dir().join(format!("doc-bad-{}.safetensors", std::process::id()));
/// std::fs::write(&path, b"not a model").unwrap();
/// let err = makemore::model_file::load(&path).unwrap_err();
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
    let v = vocab.len();
    let context: usize = match meta.get("context") {
        None => 1,
        Some(c) => c
            .parse()
            .ok()
            .filter(|&c| (1..=MAX_CONTEXT).contains(&c))
            .ok_or_else(|| bad(format!("context {c:?} is not 1 to {MAX_CONTEXT}")))?,
    };
    let kind = match field("kind")?.as_str() {
        "counts" => ModelKind::Counts,
        "neural" => ModelKind::Neural,
        other => return Err(bad(format!("unknown kind {other:?}"))),
    };
    let smoothing =
        || -> Result<f64> { field("smoothing")?.parse().map_err(|_| bad("its smoothing is not a number".into())) };
    // the tensors this kind must hold, and nothing else
    let expected: &[&str] = match (kind, context) {
        (ModelKind::Counts, 1) => &["N"],
        (ModelKind::Counts, _) => &["N", "contexts"],
        (ModelKind::Neural, _) => &["W"],
        (ModelKind::Mlp, _) => return Err(bad("MLP files are not read yet".into())),
    };
    let mut names: Vec<&str> = tensors.names().into_iter().map(String::as_str).collect();
    names.sort();
    if names != expected {
        return Err(bad(format!("it holds tensors {names:?}, expected {expected:?}")));
    }
    let tensor = |name: &str, dtype: Dtype, shape: [Option<usize>; 2]| -> Result<(&[u8], [usize; 2])> {
        let t = tensors.tensor(name).map_err(|_| bad(format!("no tensor '{name}'")))?;
        let fits =
            t.shape().len() == 2 && shape.iter().zip(t.shape()).all(|(want, &got)| want.is_none_or(|w| w == got));
        if t.dtype() != dtype || !fits {
            return Err(bad(format!(
                "tensor '{name}' is {:?} {:?}, expected {dtype:?} {shape:?}",
                t.dtype(),
                t.shape()
            )));
        }
        Ok((t.data(), [t.shape()[0], t.shape()[1]]))
    };
    let ints =
        |b: &[u8]| -> Vec<i64> { b.chunks_exact(8).map(|c| i64::from_le_bytes(c.try_into().unwrap())).collect() };
    let floats = |b: &[u8]| -> Tensor {
        let w: Vec<f32> = b.chunks_exact(4).map(|c| f32::from_le_bytes(c.try_into().unwrap())).collect();
        Tensor::from_slice(&w)
    };
    let counts_ok = |n: &[i64]| n.iter().all(|&c| (0..=i32::MAX as i64).contains(&c));
    let model: Box<dyn LanguageModel> = match (kind, context) {
        (ModelKind::Counts, 1) => {
            let n = ints(tensor("N", Dtype::I64, [Some(v), Some(v)])?.0);
            if !counts_ok(&n) {
                return Err(bad("its counts are negative or too large".into()));
            }
            let counts = BigramCounts::from_tensor(&vocab, Tensor::from_slice(&n).view([v as i64, v as i64]))
                .map_err(|e| bad(e.to_string()))?;
            Box::new(CountsModel::new(counts, smoothing()?).map_err(|e| bad(e.to_string()))?)
        }
        (ModelKind::Neural, 1) => {
            let w = floats(tensor("W", Dtype::F32, [Some(v), Some(v)])?.0).view([v as i64, v as i64]);
            Box::new(NeuralBigram::from_weights(&vocab, w).map_err(|e| bad(e.to_string()))?)
        }
        (ModelKind::Counts, n) => {
            let (ctx, [c, _]) = tensor("contexts", Dtype::I64, [None, Some(n)])?;
            let (counts, _) = tensor("N", Dtype::I64, [Some(c), Some(v)])?;
            let (ctx, counts) = (ints(ctx), ints(counts));
            if !counts_ok(&counts) || !counts_ok(&ctx) {
                return Err(bad("its contexts or counts are negative or too large".into()));
            }
            let rows = ctx
                .chunks(n)
                .zip(counts.chunks(v))
                .map(|(c, r)| (c.iter().map(|&t| t as u32).collect(), r.iter().map(|&x| x as u32).collect()))
                .collect();
            let table = ContextCounts::from_rows(v, n, rows).map_err(|e| bad(e.to_string()))?;
            Box::new(NgramModel::new(&vocab, table, smoothing()?).map_err(|e| bad(e.to_string()))?)
        }
        (ModelKind::Neural, n) => {
            let w = floats(tensor("W", Dtype::F32, [Some(n * v), Some(v)])?.0).view([(n * v) as i64, v as i64]);
            Box::new(NeuralNgram::from_weights(&vocab, n, w).map_err(|e| bad(e.to_string()))?)
        }
        (ModelKind::Mlp, _) => return Err(bad("MLP files are not read yet".into())),
    };
    Ok(model)
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
fn safetensors_bytes(
    meta: serde_json::Map<String, serde_json::Value>,
    tensors: &[(&'static str, [usize; 2], StoredData)],
) -> Vec<u8> {
    let mut header = BTreeMap::new();
    header.insert("__metadata__".to_string(), serde_json::Value::Object(meta));
    let mut data = Vec::new();
    for (name, shape, values) in tensors {
        let (dtype, bytes): (&str, Vec<u8>) = match values {
            StoredData::Ints(v) => ("I64", v.iter().flat_map(|x| x.to_le_bytes()).collect()),
            StoredData::Floats(v) => ("F32", v.iter().flat_map(|x| x.to_le_bytes()).collect()),
        };
        let offsets = [data.len(), data.len() + bytes.len()];
        header.insert(name.to_string(), serde_json::json!({ "dtype": dtype, "shape": shape, "data_offsets": offsets }));
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
    use crate::words::WordList;

    /// A file as the first release wrote it: the same layout, format `makemore-bigram` version 1.
    #[test]
    fn first_release_files_still_load() {
        let words = WordList::parse("emma\nava\nanna", "w").unwrap();
        let vocab = Vocab::from_words(&words).unwrap();
        let cfg = crate::ngram::CountsConfig { context: 2, smoothing: 0.5 };
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
        std::fs::write(&path, safetensors_bytes(meta, &model.parameters().tensors)).unwrap();
        let back = load(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!((back.kind(), back.context()), (ModelKind::Counts, 2));
        assert_eq!(back.parameters(), model.parameters());
        assert_eq!(crate::sample(&*back, 5, 3).unwrap(), crate::sample(&model, 5, 3).unwrap());
    }
}
