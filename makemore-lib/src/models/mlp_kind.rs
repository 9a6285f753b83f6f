//! The MLP kind (`--model mlp`): fitting and loading either of its networks, lecture 2's
//! [`Mlp`] or, with `--batchnorm`, lecture 3's [`BatchNormMlp`]. Both networks read their
//! sizes from [`MlpConfig`] (mlp.rs); this file, above both, is the only one that knows both.

use crate::data::vocab::Vocab;
use crate::data::words::WordList;
use crate::error::{Result, show};
use crate::models::batchnorm_mlp::BatchNormMlp;
use crate::models::kind::{Fitting, LanguageModel, ModelKind, Sizes, Training};
use crate::models::mlp::{Mlp, MlpConfig, PARAMETER_NAMES};
use crate::models::stored::StoredFile;

impl ModelKind for MlpConfig {
    const NAME: &'static str = "mlp";
    const TUNED: &'static str = "learning rate";
    const HEADING: &'static str = "MLP model";
    const EVALUATES: bool = true;
    fn context_len(&self) -> usize {
        self.context_len
    }
    fn set_context_len(&mut self, context_len: usize) {
        self.context_len = context_len;
    }
    fn set_tuned(&mut self, value: f64) {
        self.lr = value;
    }
    fn steps(&self) -> Option<usize> {
        Some(self.steps)
    }
    fn training(&self) -> Option<Training> {
        Some(Training {
            steps: Some(self.steps),
            lr: Some(self.lr),
            batch: Some(self.batch),
            seed: Some(self.seed),
            decay_at: Some(self.decay_at.unwrap_or(self.steps / 2)),
        })
    }
    fn set_training(&mut self, t: &Training) {
        self.steps = t.steps.unwrap_or(self.steps);
        self.lr = t.lr.unwrap_or(self.lr);
        self.batch = t.batch.unwrap_or(self.batch);
        self.seed = t.seed.unwrap_or(self.seed);
        self.decay_at = t.decay_at.or(self.decay_at);
    }
    fn sizes(&self) -> Option<Sizes> {
        Some(Sizes { embedding: Some(self.embedding), hidden: Some(self.hidden) })
    }
    fn set_sizes(&mut self, s: &Sizes) {
        self.embedding = s.embedding.unwrap_or(self.embedding);
        self.hidden = s.hidden.unwrap_or(self.hidden);
    }
    fn summary(&self) -> String {
        format!(
            "{}embedding {}, hidden {}, {} steps of minibatch {} at learning rate {} then {} from step {}",
            if self.batchnorm { "BatchNorm, " } else { "" },
            self.embedding,
            self.hidden,
            self.steps,
            self.batch,
            show(self.lr),
            show(self.lr / 10.0),
            self.decay_at.unwrap_or(self.steps / 2)
        )
    }
    fn settings(&self) -> serde_json::Value {
        serde_json::json!({
            "embedding": self.embedding, "hidden": self.hidden, "batch": self.batch, "steps": self.steps,
            "lr": self.lr, "decay_at": self.decay_at.unwrap_or(self.steps / 2), "seed": self.seed,
            "batchnorm": self.batchnorm,
        })
    }
    fn validate(&self) -> Result<()> {
        MlpConfig::validate(self)
    }
    /// Seed, draw the parameters ([`Mlp::new`], or [`BatchNormMlp::new`] with
    /// [`batchnorm`](MlpConfig::batchnorm)), and train on the examples of `words` through the
    /// [`Trainer`](crate::Trainer), evaluating and stopping as `fitting` asks.
    fn fit(&self, words: &WordList, vocab: &Vocab, fitting: &mut Fitting) -> Result<Box<dyn LanguageModel>> {
        fitting.train(words, vocab, self.context_len, |examples, observe, eval, stop| {
            if self.batchnorm {
                let mut net = BatchNormMlp::new(vocab, self)?;
                net.train_run(examples, self, observe, eval, stop)?;
                return Ok(Box::new(net) as Box<dyn LanguageModel>);
            }
            let mut mlp = Mlp::new(vocab, self)?;
            mlp.train_run(examples, self, observe, eval, stop)?;
            Ok(Box::new(mlp))
        })
    }
    /// `C` V×E, `W1` (context·E)×H, `b1` H, `W2` H×V, `b2` V, with E and H as the metadata
    /// says; or, with the metadata `batchnorm`, lecture 3's tensors ([`BatchNormMlp::load`]).
    fn load(file: &StoredFile) -> Result<Box<dyn LanguageModel>> {
        let (v, n) = (file.vocab().len(), file.context_len());
        if MlpConfig::file_batchnorm(file)? {
            return Ok(Box::new(BatchNormMlp::load(file)?));
        }
        file.expect_tensors(&PARAMETER_NAMES)?;
        let MlpConfig { embedding: e, hidden: h, .. } = MlpConfig::from_file(file)?;
        let c = file.floats("C", &[Some(v), Some(e)])?;
        let w1 = file.floats("W1", &[Some(n * e), Some(h)])?;
        let b1 = file.floats("b1", &[Some(h)])?;
        let w2 = file.floats("W2", &[Some(h), Some(v)])?;
        let b2 = file.floats("b2", &[Some(v)])?;
        Ok(Box::new(Mlp::from_parameters(file.vocab(), n, [c, w1, b1, w2, b2]).map_err(|err| file.bad(err))?))
    }
}
