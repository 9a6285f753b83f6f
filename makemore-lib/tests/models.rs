//! Model files written before the registry of kinds (one of each kind, by the `makemore`
//! of commit 63f82cd, from tests/fixtures/models/words.txt) still load, sample the same
//! words, score the same loss, and are written back byte for byte.
//!
//! They were made with:
//! ```text
//! makemore train --input words.txt --model counts --out counts-bigram.safetensors
//! makemore train --input words.txt --model counts --context 2 --smoothing 0.5 --out counts-trigram.safetensors
//! makemore train --input words.txt --model neural --steps 20 --out neural-bigram.safetensors
//! makemore train --input words.txt --model neural --context 2 --steps 20 --lr 5 --seed 7 --out neural-trigram.safetensors
//! ```
//! and the MLP's by the first `makemore` that had the kind (branch mlp, after the registry):
//! ```text
//! makemore train --input words.txt --model mlp --steps 200 --hidden 20 --embedding 4 --out mlp.safetensors
//! ```
//! and the values below are what that binary printed for `sample --num 5 --seed 42` and
//! `eval --input words.txt --json`.

mod common;

use common::*;
use makemore::check::{self, Bound, assert_close};
use makemore::{WordList, evaluate, load_model, sample, save_model};

struct Fixture {
    file: &'static str,
    kind: &'static str,
    context_len: usize,
    sampled: [&'static str; 5],
    nll: f64,
}

const FIXTURES: [Fixture; 5] = [
    Fixture {
        file: "counts-bigram",
        kind: "counts",
        context_len: 1,
        sampled: [
            "amcnlcootylvlvrecmelrrihiblterlnlcprhselynpppolrihethill",
            "irprnrevovla",
            "a",
            "isymelbaiosiia",
            "cectpnihnap",
        ],
        nll: 2.158941010930645,
    },
    Fixture {
        file: "counts-trigram",
        kind: "counts",
        context_len: 2,
        sampled: [
            "amcnlcooeylvlvrecmelrrihiblterlnlcprhsebnepppolrihethill",
            "irprnrevovla",
            "amesymelbaiosiipv",
            "ectpnihnap",
            "l",
        ],
        nll: 1.8738436627743849,
    },
    Fixture {
        file: "neural-bigram",
        kind: "neural",
        context_len: 1,
        sampled: ["amellloliammliver", "elrliviallopeviarlisolyn", "a", "oliarpeviar", "erpharper"],
        nll: 1.3197953851142925,
    },
    Fixture {
        file: "neural-trigram",
        kind: "neural",
        context_len: 2,
        sampled: ["amenhcontllvlibelmelrlitia", "lerlopcmnrpelynppporria", "ihia", "harlynrovovia", "amesymelyaia"],
        nll: 1.45650490495696,
    },
    Fixture {
        file: "mlp",
        kind: "mlp",
        context_len: 3,
        sampled: ["mma", "lsa", "eliviarattelyn", "hisaberlmb", "crcbebeerpbtrlit"],
        nll: 1.254738350996553,
    },
];

#[test]
fn model_files_from_before_the_registry_load_sample_and_score_the_same() {
    let _rng = rng_lock();
    let words = WordList::read(fixture("models/words.txt")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for f in &FIXTURES {
        let path = fixture(&format!("models/{}.safetensors", f.file));
        let model = load_model(&path).unwrap();
        assert_eq!((model.kind(), model.context_len(), model.vocab().len()), (f.kind, f.context_len, 17), "{}", f.file);
        assert_eq!(sample(&*model, 5, 42).unwrap(), f.sampled, "{}: sampled words", f.file);
        let e = evaluate(&*model, &words).unwrap();
        assert_eq!((e.ngrams, e.words, e.zero_prob), (67, 10, 0), "{}", f.file);
        // the same float32 log-probabilities summed in float64 in the same order; another
        // CPU's log/exp kernels may differ by a few float32 ulps per term, and a mean of
        // terms of one sign keeps that relative bound; the MLP's logits are dot products,
        // bounded from its weights (`check::mlp_loss`)
        let (tol, reason) = match f.kind {
            "mlp" => {
                let parameters = stored_parameters(&*model);
                (check::mlp_loss(parameters.each_ref(), 67, f.nll, 0.0), "dot products, tanh, log_softmax")
            }
            _ => (Bound::Ulps(8.0), "float32 log-probabilities of another CPU's kernels"),
        };
        assert_close(f.file, &[e.nll], &[f.nll], tol, reason);
        let again = dir.path().join(format!("{}.safetensors", f.file));
        save_model(&*model, &again).unwrap();
        assert_eq!(std::fs::read(&again).unwrap(), std::fs::read(&path).unwrap(), "{}: written back", f.file);
    }
}
