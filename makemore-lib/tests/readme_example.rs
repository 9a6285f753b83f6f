//! The library example in README.md, kept compiling and correct.

mod common;

use common::{names_without_end, reference};
use makemore::{CountsModel, NeuralModel, TrainConfig, Vocab, WordList};

#[test]
fn readme_library_example() -> Result<(), makemore::Error> {
    let _ = std::env::set_current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    // --- as in README.md ---
    let words = WordList::read("data/names.txt")?;
    let counts = CountsModel::bigram(&words, 1.0)?; // P = (N + 1) / row sums
    println!("{:?}", makemore::sample(&counts, 5, makemore::LECTURE_SEED)?);
    println!("nll {}", makemore::evaluate(&counts, &words)?.nll); // 2.454577

    let vocab = Vocab::from_words(&words)?;
    let mut net = NeuralModel::bigram(&vocab, makemore::LECTURE_SEED);
    let losses = net.train(&words, TrainConfig { steps: 200, ..Default::default() })?;
    let out = std::env::temp_dir().join(format!("readme-bigrams-{}.svg", std::process::id()));
    makemore::Heatmap::counts(&counts.bigram_counts()?)?.save(&out)?;
    // --- end ---
    // the trained network samples PyTorch's names after 200 steps (names compare exactly)
    assert_eq!(losses.len(), 200);
    let want = names_without_end(&reference("names-reference.json")["samples20_nn_after200"]);
    assert_eq!(makemore::sample(&net, 20, makemore::LECTURE_SEED)?, want);
    assert!(std::fs::read_to_string(&out).unwrap().starts_with("<svg"));
    std::fs::remove_file(out).unwrap();
    Ok(())
}
