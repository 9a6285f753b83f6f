//! Saving and loading trained models.
//!
//! The file is [safetensors](https://huggingface.co/docs/safetensors): an 8-byte header
//! length, a JSON header, then raw little-endian tensor data. makemore writes this
//! header metadata:
//!
//! | key | value |
//! |---|---|
//! | `format` | `makemore-bigram` |
//! | `version` | `1` |
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
//! Loading checks every one of these and refuses anything else with a message that
//! names the problem, so a truncated, corrupt or foreign file never becomes a model.
//! The same model always gives the same bytes (the header's keys are sorted).

use std::collections::BTreeMap;
use std::path::Path;

use safetensors::tensor::{Dtype, SafeTensors};
use tch::Tensor;

use crate::bigram::BigramCounts;
use crate::error::{Error, Result};
use crate::loss::{Evaluation, evaluate};
use crate::model::{BigramModel, CountsModel};
use crate::neural::NeuralBigram;
use crate::neural_ngram::NeuralNgram;
use crate::ngram::NgramModel;
use crate::output::write_atomic;
use crate::vocab::Vocab;

const FORMAT: &str = "makemore-bigram";
const VERSION: &str = "1";

/// A trained model of any kind, as stored in a model file.
///
/// ```
/// use makemore::{CountsModel, Model, WordList};
/// let words = WordList::parse("emma\nava", "names")?;
/// let model = Model::Counts(CountsModel::fit(&words, 1.0)?);
/// let path = std::env::temp_dir().join(format!("doc-model-{}.safetensors", std::process::id()));
/// model.save(&path)?;
/// let back = Model::load(&path)?;
/// assert_eq!(back.sample(5, 42), model.sample(5, 42));
/// # std::fs::remove_file(&path).unwrap();
/// # Ok::<(), makemore::Error>(())
/// ```
#[derive(Debug)]
pub enum Model {
    /// Smoothed bigram counts (the lecture's first model).
    Counts(CountsModel),
    /// The one-layer neural network (the lecture's second model).
    Neural(NeuralBigram),
    /// Smoothed counts over a longer context (exercise E01).
    NgramCounts(NgramModel),
    /// The network over a longer context (exercise E01).
    NgramNeural(NeuralNgram),
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
            Model::Counts(_) | Model::NgramCounts(_) => "counts",
            Model::Neural(_) | Model::NgramNeural(_) => "neural",
        }
    }

    /// How many previous characters the model sees (1 for the lecture's bigram models).
    ///
    /// ```
    /// let words = makemore::WordList::parse("ab", "w")?;
    /// let model = makemore::Model::NgramCounts(makemore::NgramModel::fit(&words, 3, 1.0)?);
    /// assert_eq!(model.context(), 3);
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn context(&self) -> usize {
        match self {
            Model::Counts(_) | Model::Neural(_) => 1,
            Model::NgramCounts(m) => m.context(),
            Model::NgramNeural(m) => m.context(),
        }
    }

    /// The model's vocabulary.
    ///
    /// ```
    /// let words = makemore::WordList::parse("ab", "w")?;
    /// let model = makemore::Model::Counts(makemore::CountsModel::fit(&words, 1.0)?);
    /// assert_eq!(model.vocab().len(), 3);
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn vocab(&self) -> &Vocab {
        match self {
            Model::Counts(m) => m.vocab(),
            Model::Neural(m) => m.vocab(),
            Model::NgramCounts(m) => m.vocab(),
            Model::NgramNeural(m) => m.vocab(),
        }
    }

    /// Make `num` words after seeding with `seed`, one draw per character (for the
    /// lecture's models, exactly the lecture's words).
    ///
    /// ```
    /// let words = makemore::WordList::parse("ab", "w")?;
    /// let model = makemore::Model::Counts(makemore::CountsModel::fit(&words, 0.0)?);
    /// assert_eq!(model.sample(2, 1), ["ab", "ab"]);
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn sample(&self, num: usize, seed: i64) -> Vec<String> {
        match self {
            Model::Counts(m) => crate::sample(m, num, seed),
            Model::Neural(m) => crate::sample(m, num, seed),
            Model::NgramCounts(m) => m.sample(num, seed),
            Model::NgramNeural(m) => m.sample(num, seed),
        }
    }

    /// All words at once ([`crate::sample_fast`]); for the bigram models only.
    ///
    /// ```
    /// let words = makemore::WordList::parse("ab", "w")?;
    /// let model = makemore::Model::NgramCounts(makemore::NgramModel::fit(&words, 2, 1.0)?);
    /// assert!(model.sample_fast(3, 1).is_err());
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn sample_fast(&self, num: usize, seed: i64) -> Result<Vec<String>> {
        match self {
            Model::Counts(m) => Ok(crate::sample_fast(m, num, seed)),
            Model::Neural(m) => Ok(crate::sample_fast(m, num, seed)),
            _ => Err(Error::BadParameter {
                name: "context",
                value: self.context().to_string(),
                expected: "fast sampling is for bigram models (context 1)",
            }),
        }
    }

    /// Average negative log likelihood of `words` under the model.
    ///
    /// ```
    /// let words = makemore::WordList::parse("ab", "w")?;
    /// let model = makemore::Model::Counts(makemore::CountsModel::fit(&words, 0.0)?);
    /// assert_eq!(model.evaluate(&words)?.nll, 0.0);
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn evaluate(&self, words: &crate::WordList) -> Result<Evaluation> {
        match self {
            Model::Counts(m) => evaluate(m, words),
            Model::Neural(m) => evaluate(m, words),
            Model::NgramCounts(m) => m.evaluate(words),
            Model::NgramNeural(m) => m.evaluate(words),
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
        if self.context() > 1 {
            meta.insert("context".into(), self.context().to_string().into());
        }
        let v = self.vocab().len();
        let mut tensors = Vec::new();
        match self {
            Model::Counts(m) => {
                meta.insert("smoothing".into(), m.smoothing().to_string().into());
                tensors.push(("N", I64s(to_vec(m.counts().n())), [v, v]));
            }
            Model::Neural(m) => tensors.push(("W", F32s(to_vec(m.w())), [v, v])),
            Model::NgramCounts(m) => {
                meta.insert("smoothing".into(), m.smoothing().to_string().into());
                let rows = m.rows();
                let contexts = rows.iter().flat_map(|(c, _)| c.iter().map(|&t| t as i64)).collect();
                let counts = rows.iter().flat_map(|(_, r)| r.iter().map(|&c| c as i64)).collect();
                tensors.push(("contexts", I64s(contexts), [rows.len(), m.context()]));
                tensors.push(("N", I64s(counts), [rows.len(), v]));
            }
            Model::NgramNeural(m) => tensors.push(("W", F32s(to_vec(m.w())), [m.context() * v, v])),
        }
        write_atomic(path.as_ref(), &safetensors_bytes(meta, &tensors))
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
        let vocab = parse_vocab(&field("vocab")?).map_err(bad)?;
        let v = vocab.len();
        let context: usize = match meta.get("context") {
            None => 1,
            Some(c) => c
                .parse()
                .ok()
                .filter(|&c| (1..=64).contains(&c))
                .ok_or_else(|| bad(format!("context {c:?} is not 1 to 64")))?,
        };
        let kind = field("kind")?;
        let smoothing =
            || -> Result<f64> { field("smoothing")?.parse().map_err(|_| bad("its smoothing is not a number".into())) };
        // the tensors this kind must hold, and nothing else
        let expected: &[&str] = match (kind.as_str(), context) {
            ("counts", 1) | ("neural", _) => {
                if kind == "counts" {
                    &["N"]
                } else {
                    &["W"]
                }
            }
            ("counts", _) => &["N", "contexts"],
            (other, _) => return Err(bad(format!("unknown kind {other:?}"))),
        };
        let mut names: Vec<&str> = tensors.names().into_iter().map(String::as_str).collect();
        names.sort();
        if names != expected {
            return Err(bad(format!("it holds tensors {names:?}, expected {expected:?}")));
        }
        let tensor = |name: &str, dtype: Dtype, shape: [Option<usize>; 2]| -> Result<(Vec<u8>, [usize; 2])> {
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
            Ok((t.data().to_vec(), [t.shape()[0], t.shape()[1]]))
        };
        let ints =
            |b: Vec<u8>| -> Vec<i64> { b.chunks_exact(8).map(|c| i64::from_le_bytes(c.try_into().unwrap())).collect() };
        let floats = |b: Vec<u8>| -> Tensor {
            let w: Vec<f32> = b.chunks_exact(4).map(|c| f32::from_le_bytes(c.try_into().unwrap())).collect();
            Tensor::from_slice(&w)
        };
        let counts_ok = |n: &[i64]| n.iter().all(|&c| (0..=i32::MAX as i64).contains(&c));
        let model = match (kind.as_str(), context) {
            ("counts", 1) => {
                let (n, _) = tensor("N", Dtype::I64, [Some(v), Some(v)])?;
                let n = ints(n);
                if !counts_ok(&n) {
                    return Err(bad("its counts are negative or too large".into()));
                }
                let counts = BigramCounts::from_tensor(&vocab, Tensor::from_slice(&n).view([v as i64, v as i64]))
                    .map_err(|e| bad(e.to_string()))?;
                Model::Counts(CountsModel::new(counts, smoothing()?).map_err(|e| bad(e.to_string()))?)
            }
            ("neural", 1) => {
                let (w, _) = tensor("W", Dtype::F32, [Some(v), Some(v)])?;
                let w = floats(w).view([v as i64, v as i64]);
                Model::Neural(NeuralBigram::from_weights(vocab, w).map_err(|e| bad(e.to_string()))?)
            }
            ("counts", n) => {
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
                let m = NgramModel::from_rows(vocab, n, smoothing()?, rows).map_err(|e| bad(e.to_string()))?;
                Model::NgramCounts(m)
            }
            (_, n) => {
                let (w, _) = tensor("W", Dtype::F32, [Some(n * v), Some(v)])?;
                let w = floats(w).view([(n * v) as i64, v as i64]);
                Model::NgramNeural(NeuralNgram::from_weights(vocab, n, w).map_err(|e| bad(e.to_string()))?)
            }
        };
        Ok(model)
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

fn to_vec<T: tch::kind::Element + Copy>(t: &Tensor) -> Vec<T> {
    Vec::<T>::try_from(&t.detach().to_kind(T::KIND).flatten(0, -1)).expect("a tensor of numbers")
}

/// Tensor data as stored: little-endian int64 or float32.
enum Data {
    I64s(Vec<i64>),
    F32s(Vec<f32>),
}
use Data::{F32s, I64s};

/// The safetensors layout: 8-byte little-endian header length, the JSON header (keys
/// sorted, so the same model always gives the same bytes) padded with spaces to a
/// multiple of 8, then the tensors' data one after another.
fn safetensors_bytes(
    meta: serde_json::Map<String, serde_json::Value>,
    tensors: &[(&str, Data, [usize; 2])],
) -> Vec<u8> {
    let mut header = BTreeMap::new();
    header.insert("__metadata__".to_string(), serde_json::Value::Object(meta));
    let mut data = Vec::new();
    for (name, values, shape) in tensors {
        let (dtype, bytes): (&str, Vec<u8>) = match values {
            I64s(v) => ("I64", v.iter().flat_map(|x| x.to_le_bytes()).collect()),
            F32s(v) => ("F32", v.iter().flat_map(|x| x.to_le_bytes()).collect()),
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
