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
//! | `kind` | the kind's name in the registry: `counts`, `neural` or `mlp` |
//! | `context` | how many previous characters the model sees (absent: 1, the lecture's bigram) |
//! | `vocab` | the vocabulary as a JSON array of one-character strings, `"."` first |
//! | the kind's own keys | `smoothing` for counts models (the `k` added to every count); `embedding` and `hidden` for the MLP (its sizes), and `batchnorm` for lecture 3's |
//! | `training` | optional: how the model was trained, a JSON object (e.g. `{"steps":200000,"lr":0.1,...,"split":{"percent":[80,10,10],"seed":42}}`), written by [`save_with_training`] and not needed to load |
//!
//! and the kind's tensors, each int64 or float32, of one or two dimensions (V =
//! vocabulary size, n = context, C = contexts seen, E = embedding, H = hidden):
//!
//! | model | tensors |
//! |---|---|
//! | counts, n = 1 | `N`: int64 V×V bigram counts |
//! | neural, n = 1 | `W`: float32 V×V weights |
//! | counts, n ≥ 2 | `contexts`: int64 C×n token indices; `N`: int64 C×V next-token counts |
//! | neural, n ≥ 2 | `W`: float32 (n·V)×V weights |
//! | mlp, any n | lecture 2's names and shapes, all float32: `C` V×E embeddings; `W1` (n·E)×H, `b1` H; `W2` H×V, `b2` V |
//! | mlp with `batchnorm`, any n | lecture 3's: `C` V×E; `W1` (n·E)×H; `W2` H×V, `b2` V; `bngain`, `bnbias`, `bnmean_running`, `bnstd_running` 1×H |
//!
//! A kind writes its part through [`LanguageModel::stored`] and reads it back in its
//! [`ModelKind::load`](crate::models::kind::ModelKind::load) through a
//! [`StoredFile`](crate::models::stored::StoredFile), which checks each tensor's type and
//! shape as the kind asks.
//!
//! Files of the first release (`format` `makemore-bigram`, `version` `1`, n-gram models
//! included despite the name) have exactly this layout and load as they are; they are
//! never written any more.
//!
//! Loading checks every one of these, and that the model can be sampled and evaluated
//! (the checks of each model's constructor), and refuses anything else with a message
//! that names the problem, so a truncated, corrupt or foreign file never becomes a model.
//! The same model always gives the same bytes (the header's keys are sorted). Saving runs
//! the same checks on the bytes before writing them, so a file is never written that
//! loading would refuse (a network whose training diverged, say).

use std::path::Path;

use crate::data::input::read_limited;
use crate::data::output::write_atomic;
use crate::error::{Error, Result};
use crate::models::kind::LanguageModel;
use crate::models::registry::load_kind;
use crate::models::stored::{MAX_MODEL_BYTES, Stored, StoredFile, file_bytes};

/// Write any model to `path` (atomically: a failed write leaves any old file intact).
///
/// ```
/// use makemore::{CountsModel, WordList, load_model, save_model};
/// let words = WordList::parse("emma\nava", "names")?;
/// let model = CountsModel::bigram(&words, 1.0)?;
/// let path = std::env::temp_dir().join(format!("doc-model-{}.safetensors", std::process::id()));
/// save_model(&model, &path)?;
/// let back = load_model(&path)?;
/// assert_eq!(makemore::sample(&*back, 5, 42)?, makemore::sample(&model, 5, 42)?);
/// assert!(save_model(&model, "/no/such/folder/m.safetensors").is_err());
/// # std::fs::remove_file(&path).unwrap();
/// # Ok::<(), makemore::Error>(())
/// ```
pub fn save<M: LanguageModel + ?Sized>(model: &M, path: impl AsRef<Path>) -> Result<()> {
    write_checked(model, path.as_ref(), model.stored().map_err(unusable)?)
}

/// [`save`], recording how the model was trained (`training`, a JSON object: steps,
/// learning rate, seed, ...) under the metadata key `training`; loading does not need it.
///
/// ```
/// use makemore::{CountsModel, WordList, save_with_training};
/// let model = CountsModel::bigram(&WordList::parse("emma", "names")?, 1.0)?;
/// let path = std::env::temp_dir().join(format!("doc-training-{}.safetensors", std::process::id()));
/// save_with_training(&model, &path, &serde_json::json!({ "split": null }))?;
/// assert!(String::from_utf8_lossy(&std::fs::read(&path).unwrap()).contains(r#""training":"{\"split\":null}""#));
/// assert_eq!(makemore::load_model(&path)?.kind(), "counts");
/// # std::fs::remove_file(&path).unwrap();
/// # Ok::<(), makemore::Error>(())
/// ```
pub fn save_with_training<M: LanguageModel + ?Sized>(
    model: &M,
    path: impl AsRef<Path>,
    training: &serde_json::Value,
) -> Result<()> {
    let mut stored = model.stored().map_err(unusable)?;
    stored.meta.push(("training", training.to_string()));
    write_checked(model, path.as_ref(), stored)
}

/// A trained model that a file could not hold: what loading would say of it.
fn unusable(e: Error) -> Error {
    match e {
        Error::BadModel { reason, .. } => Error::Unusable(reason),
        Error::BadWeights(_) => Error::Unusable(e.to_string()),
        e => e,
    }
}

/// Write the file of `model` holding `stored`, after reading its bytes back as [`load`]
/// does: a model that loading refuses is [`Error::Unusable`], and nothing is written.
fn write_checked<M: LanguageModel + ?Sized>(model: &M, path: &Path, stored: Stored) -> Result<()> {
    let bytes = file_bytes(model.kind(), model.vocab(), model.context_len(), stored);
    let (kind, file) = StoredFile::open(path, &bytes).map_err(unusable)?;
    load_kind(&kind, &file).map_err(unusable)?;
    write_atomic(path, &bytes)
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
    let (kind, file) = StoredFile::open(path, &bytes)?;
    load_kind(&kind, &file)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::vocab::Vocab;
    use crate::data::words::WordList;
    use crate::models::counts::{CountsModel, NgramConfig};
    use crate::models::stored::{OLD_FORMAT, safetensors_bytes};

    /// A file as the first release wrote it: the same layout, format `makemore-bigram` version 1.
    #[test]
    fn first_release_files_still_load() {
        let words = WordList::parse("emma\nava\nanna", "w").unwrap();
        let vocab = Vocab::from_words(&words).unwrap();
        let cfg = NgramConfig { context_len: 2, smoothing: 0.5 };
        let model = CountsModel::fit(&words, &vocab, cfg).unwrap();
        let mut meta = serde_json::Map::new();
        meta.insert("format".into(), OLD_FORMAT.0.into());
        meta.insert("version".into(), OLD_FORMAT.1.into());
        meta.insert("kind".into(), "counts".into());
        meta.insert("context".into(), "2".into());
        meta.insert("smoothing".into(), "0.5".into());
        let itos: Vec<String> = vocab.chars().iter().map(|c| c.to_string()).collect();
        meta.insert("vocab".into(), serde_json::to_string(&itos).unwrap().into());
        let path = std::env::temp_dir().join(format!("makemore-v1-{}.safetensors", std::process::id()));
        std::fs::write(&path, safetensors_bytes(meta, &model.stored().unwrap().tensors)).unwrap();
        let back = load(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!((back.kind(), back.context_len()), ("counts", 2));
        assert_eq!(back.stored().unwrap(), model.stored().unwrap());
        let start = [0, 0];
        assert!(back.probs(&start).unwrap().equal(&model.probs(&start).unwrap()));
    }
}
