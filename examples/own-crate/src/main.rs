use makemore::{CountsModel, Explorer, Heatmap, NeuralModel, TrainConfig, Vocab, WordList};

fn main() -> makemore::Result<()> {
    let words = WordList::read("data/names.txt")?;
    let counts = CountsModel::bigram(&words, 1.0)?; // P = (N + 1) / row sums
    println!("{:?}", makemore::sample(&counts, 5, makemore::LECTURE_SEED)?);
    println!("nll {:.6}", makemore::evaluate(&counts, &words)?.nll); // 2.454577

    let vocab = Vocab::from_words(&words)?;
    let mut net = NeuralModel::bigram(&vocab, makemore::LECTURE_SEED);
    let losses = net.train(&words, TrainConfig { steps: 200, ..Default::default() })?;
    println!("loss {:.4} after {} steps", losses[losses.len() - 1], losses.len()); // 2.4830
    println!("{:?}", makemore::sample(&net, 5, makemore::LECTURE_SEED)?);

    let n = counts.bigram_counts()?; // the lecture's N
    Heatmap::counts(&n)?.save("bigrams.svg")?;
    Explorer::new(&n, "names.txt")?.save("bigrams.html")?;
    Ok(())
}
