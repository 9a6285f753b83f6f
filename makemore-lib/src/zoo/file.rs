//! A model of makemore.py's zoo as a makemore model ([`ZooNet`]): what `makemore run`
//! saves, and what `makemore sample` and `makemore eval` load.
//!
//! The file is the other kinds' (metadata `format`, `version`, `kind` = `makemore.py`,
//! `vocab`, `context` = the block size) with the type and sizes as metadata (`type`,
//! `n_layer`, `n_head`, `n_embd`, `n_embd2`) and the tensors under PyTorch's names, so that
//! makemore.py's own model loads them with `load_state_dict(safetensors.torch.load_file(...))`.
//!
//! A context of the other kinds is `block_size` tokens, '.' (token 0) before the start; here
//! the sequence a model reads is the start token and what follows it (from the last 0 of the
//! context on: a word holds no 0), as makemore.py feeds its models, and the distribution is
//! that of its last position.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::Path;

use tch::{Kind, Tensor};

use crate::MAX_CONTEXT;
use crate::data::output::write_atomic;
use crate::data::vocab::Vocab;
use crate::data::words::BOUNDARY;
use crate::error::{Error, Result};
use crate::models::kind::LanguageModel;
use crate::models::network::{self, Network, finite_values};
use crate::models::stored::{Stored, StoredData, StoredFile, StoredTensor, file_bytes};
use crate::nn::named_tensors;
use crate::zoo::{Init, ZooConfig, ZooModel, build_with};

/// The `kind` of these model files.
pub const KIND: &str = "makemore.py";

/// A trained model of makemore.py's zoo, with its vocabulary: a [`LanguageModel`].
#[derive(Debug)]
pub struct ZooNet {
    model: RefCell<Box<dyn ZooModel>>,
    kind: String,
    cfg: ZooConfig,
    vocab: Vocab,
}

impl ZooNet {
    /// `model`, of type `kind` and sizes `cfg`, over the tokens 0 (start and stop) and
    /// `chars` (sorted). Fails when a character is '.', which the other commands reserve.
    pub fn new(model: Box<dyn ZooModel>, kind: &str, cfg: ZooConfig, chars: &[char]) -> Result<ZooNet> {
        Ok(ZooNet { model: RefCell::new(model), kind: kind.into(), cfg, vocab: vocab_of(chars)? })
    }

    /// The model in a file written by `makemore run` (nothing drawn from the generator).
    pub(crate) fn load(file: &StoredFile) -> Result<ZooNet> {
        let size = |key: &str| -> Result<usize> {
            let v = file.meta_f64(key)?;
            match v.fract() == 0.0 && (1.0..=4096.0).contains(&v) {
                true => Ok(v as usize),
                false => Err(file.bad(format!("{key} {v} is not a size from 1 to 4096"))),
            }
        };
        let kind = file.meta("type")?.to_string();
        let cfg = ZooConfig {
            block_size: file.context_len(),
            vocab_size: file.vocab().len(),
            n_layer: size("n_layer")?,
            n_head: size("n_head")?,
            n_embd: size("n_embd")?,
            n_embd2: size("n_embd2")?,
        };
        let model = build_with(&kind, &cfg, Init::Zeros).map_err(|e| file.bad(e))?;
        let chars = file.vocab().chars()[1..].to_vec();
        let net = ZooNet::new(model, &kind, cfg, &chars)?;
        network::load_parameters(&net, file)?;
        Ok(net)
    }

    /// The type (`bigram`, ..., `transformer`).
    pub fn zoo_type(&self) -> &str {
        &self.kind
    }
}

impl Network for ZooNet {
    fn vocab(&self) -> &Vocab {
        &self.vocab
    }
    fn context_len(&self) -> usize {
        self.cfg.block_size
    }
    /// Each context from its last start token on, grouped by length, through the model; the
    /// logits of each one's last position, in the contexts' order.
    fn logits(&self, xs: &Tensor) -> Result<Tensor> {
        let rows = Vec::<i64>::try_from(&xs.f_flatten(0, -1)?)?;
        let n = self.cfg.block_size;
        let mut by_length: BTreeMap<usize, Vec<(usize, &[i64])>> = BTreeMap::new();
        for (i, context) in rows.chunks(n).enumerate() {
            let start = context.iter().rposition(|&t| t == 0).unwrap_or(0);
            by_length.entry(n - start).or_default().push((i, &context[start..]));
        }
        let mut out =
            Tensor::f_zeros([(rows.len() / n) as i64, self.vocab.len() as i64], (Kind::Float, tch::Device::Cpu))?;
        let mut model = self.model.borrow_mut();
        for (len, group) in by_length {
            let tokens: Vec<i64> = group.iter().flat_map(|(_, seq)| seq.iter().copied()).collect();
            let idx = Tensor::from_slice(&tokens).f_view([group.len() as i64, len as i64])?;
            let last = model.forward(&idx)?.f_select(1, len as i64 - 1)?;
            let at = Tensor::from_slice(&group.iter().map(|(i, _)| *i as i64).collect::<Vec<_>>());
            out = out.f_index_copy(0, &at, &last)?;
        }
        Ok(out)
    }
    fn named_parameters(&self) -> Vec<(String, Tensor)> {
        self.model.borrow().parameters()
    }
    fn named_buffers(&self) -> Vec<(String, Tensor)> {
        self.model.borrow().buffers()
    }
}

impl LanguageModel for ZooNet {
    fn vocab(&self) -> &Vocab {
        &self.vocab
    }
    fn context_len(&self) -> usize {
        self.cfg.block_size
    }
    fn kind(&self) -> &'static str {
        KIND
    }
    fn parameter_count(&self) -> Option<usize> {
        Some(Network::n_parameters(self))
    }
    /// A context's activations, roughly: every position's features through every layer.
    fn cells_per_context(&self) -> usize {
        let width = 4 * self.cfg.n_embd.max(self.cfg.n_embd2) + self.vocab.len();
        self.cfg.block_size * width * (self.cfg.n_layer + 2)
    }
    fn probs(&self, contexts: &[i64]) -> Result<Tensor> {
        network::probs(self, contexts)
    }
    fn log_probs(&self, contexts: &[i64]) -> Result<Tensor> {
        network::log_probs(self, contexts)
    }
    /// The parameters and buffers under PyTorch's names; the type and sizes as metadata.
    fn stored(&self) -> Result<Stored> {
        stored(&**self.model.borrow(), &self.kind, &self.cfg)
    }
}

/// The vocabulary of the tokens 0 ('.', start and stop) and `chars` (sorted); refused when a
/// character is '.', which makemore's other commands reserve.
fn vocab_of(chars: &[char]) -> Result<Vocab> {
    if chars.contains(&BOUNDARY) {
        return Err(Error::BadVocab(
            "the words hold '.', which makemore's other commands reserve for the start and the end".into(),
        ));
    }
    Vocab::from_itos(std::iter::once(BOUNDARY).chain(chars.iter().copied()).collect())
}

/// A model's named tensors on the CPU, where a file is written from (a model trained on a
/// GPU, makemore run --device cuda, is copied; on the CPU nothing is).
fn cpu_tensors(model: &dyn ZooModel) -> Vec<(String, Tensor)> {
    named_tensors(model).into_iter().map(|(n, t)| (n, t.to_device(tch::Device::Cpu))).collect()
}

/// What a file holds of a model of type `kind` and sizes `cfg` besides the common metadata.
fn stored(model: &dyn ZooModel, kind: &str, cfg: &ZooConfig) -> Result<Stored> {
    let meta = vec![
        ("type", kind.to_string()),
        ("n_layer", cfg.n_layer.to_string()),
        ("n_head", cfg.n_head.to_string()),
        ("n_embd", cfg.n_embd.to_string()),
        ("n_embd2", cfg.n_embd2.to_string()),
    ];
    let mut tensors = Vec::new();
    for (name, t) in cpu_tensors(model) {
        let data = StoredData::Floats(finite_values(&name, &t)?);
        tensors.push(StoredTensor { shape: t.size().iter().map(|&d| d as usize).collect(), name, data });
    }
    Ok(Stored { meta, tensors })
}

/// Write `model` (of type `kind`, sizes `cfg`, over the tokens 0 and `chars`) to `path`,
/// atomically: a makemore model file that `sample` and `eval` load. When the characters
/// hold '.' or the block is longer than [`MAX_CONTEXT`], which those commands cannot take,
/// the tensors alone (what makemore.py and `makemore run` need).
pub(crate) fn save(model: &dyn ZooModel, kind: &str, cfg: &ZooConfig, chars: &[char], path: &Path) -> Result<()> {
    match vocab_of(chars).ok().filter(|_| cfg.block_size <= MAX_CONTEXT) {
        Some(vocab) => write_atomic(path, &file_bytes(KIND, &vocab, cfg.block_size, stored(model, kind, cfg)?)),
        None => Tensor::write_safetensors(&cpu_tensors(model), path)
            .map_err(|e| Error::Write { path: path.into(), reason: e.to_string() }),
    }
}

/// The type a model file of `makemore run` says it holds (its `type` metadata), if it says.
pub(crate) fn saved_type(path: &Path) -> Option<String> {
    let bytes = std::fs::read(path).ok()?;
    let (_, header) = safetensors::SafeTensors::read_metadata(&bytes).ok()?;
    let meta = header.metadata().as_ref()?;
    (meta.get("kind").map(String::as_str) == Some(KIND)).then(|| meta.get("type").cloned())?
}
