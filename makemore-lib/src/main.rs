//! `makemore`: train, sample, evaluate and draw bigram models of any word list.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand, ValueEnum};
use makemore::{
    BigramCounts, CountsModel, Examples, Figure, Heatmap, LECTURE_SEED, Method, Model, NeuralBigram, TrainConfig,
    Vocab, WordList, check_writable, evaluate,
};

/// Make more of whatever word list you give it: character-level bigram language
/// models from Karpathy's makemore lecture, on libtorch.
#[derive(Parser)]
#[command(name = "makemore", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Train a model on a word list (one word per line, UTF-8) and save it.
    Train(TrainArgs),
    /// Print words sampled from a trained model, one per line.
    Sample(SampleArgs),
    /// Average negative log likelihood of a word list under a trained model.
    Eval(EvalArgs),
    /// Draw the bigram count matrix of a word list as the lecture's heatmap
    /// (or its probabilities, or one row as a bar chart).
    Heatmap(HeatmapArgs),
}

#[derive(Clone, Copy, PartialEq, ValueEnum)]
enum Kind {
    /// Count bigrams and normalize the counts (smoothed).
    Counts,
    /// One linear layer trained by gradient descent.
    Neural,
}

#[derive(clap::Args)]
struct TrainArgs {
    /// Word list to train on.
    #[arg(long)]
    input: PathBuf,
    /// Which model to train.
    #[arg(long, value_enum)]
    model: Kind,
    /// Counts model: added to every count before normalizing [default: 1].
    #[arg(long, allow_negative_numbers = true)]
    smoothing: Option<f64>,
    /// Neural model: full-batch gradient descent steps [default: 100].
    #[arg(long, allow_negative_numbers = true)]
    steps: Option<usize>,
    /// Neural model: learning rate [default: 50].
    #[arg(long, allow_negative_numbers = true)]
    lr: Option<f64>,
    /// Neural model: regularization strength on mean(W²) [default: 0.01].
    #[arg(long, allow_negative_numbers = true)]
    reg: Option<f64>,
    /// Neural model: train the lecture's way, one-hot encoding every example each step
    /// (O(n·V) per step), instead of the default exact shortcut through the bigram
    /// counts (O(V²) per step). Both give the same losses and weights to float32 rounding.
    #[arg(long)]
    one_hot: bool,
    /// Neural model: seed for the initial weights.
    #[arg(long, default_value_t = LECTURE_SEED, value_parser = parse_seed, allow_negative_numbers = true)]
    seed: i64,
    /// Where to write the model (safetensors).
    #[arg(long)]
    out: PathBuf,
}

#[derive(clap::Args)]
struct SampleArgs {
    /// A model written by `makemore train`.
    #[arg(long)]
    model: PathBuf,
    /// How many words to make.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=1_000_000), allow_negative_numbers = true)]
    num: u32,
    /// Seed for the sampler (the lecture's by default).
    #[arg(long, default_value_t = LECTURE_SEED, value_parser = parse_seed, allow_negative_numbers = true)]
    seed: i64,
    /// Make all words at once (one draw per position for every word): much faster for
    /// thousands of words, same distribution, but not the lecture's words for the seed.
    #[arg(long)]
    fast: bool,
}

#[derive(clap::Args)]
struct EvalArgs {
    /// A model written by `makemore train`.
    #[arg(long)]
    model: PathBuf,
    /// Word list to score.
    #[arg(long)]
    input: PathBuf,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
struct HeatmapArgs {
    /// Word list whose bigrams to count.
    #[arg(long)]
    input: PathBuf,
    /// Output figure: FILE.svg or FILE.png (SVG cells show a tooltip on hover).
    #[arg(long)]
    out: PathBuf,
    /// What the cells show: the counts N, or the probabilities P = (N + smoothing) / row sums.
    #[arg(long, value_enum, default_value_t = View::Counts)]
    view: View,
    /// With --view probs: added to every count before normalizing.
    #[arg(long, allow_negative_numbers = true)]
    smoothing: Option<f64>,
    /// Colour on a log scale (log(1 + count) for counts), so that rare bigrams show too.
    #[arg(long)]
    log_scale: bool,
    /// Instead of the grid, a bar chart of what follows this one character (SVG only).
    #[arg(long, value_name = "CHAR")]
    row: Option<char>,
}

#[derive(Clone, Copy, PartialEq, ValueEnum)]
enum View {
    /// Bigram counts.
    Counts,
    /// Next-character probabilities.
    Probs,
}

/// Seeds as PyTorch takes them here: 0 to 2^63 - 1.
fn parse_seed(s: &str) -> std::result::Result<i64, String> {
    s.parse::<i64>()
        .ok()
        .filter(|&v| v >= 0)
        .ok_or_else(|| format!("'{s}' is not a seed (a whole number from 0 to {})", i64::MAX))
}

fn main() -> ExitCode {
    // A bug must still end in one line, not a backtrace.
    std::panic::set_hook(Box::new(|info| {
        eprintln!("makemore: internal error: {info}");
    }));
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Train(args) => train(args),
        Command::Sample(args) => sample_words(args),
        Command::Eval(args) => eval(args),
        Command::Heatmap(args) => heatmap(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("makemore: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn train(args: TrainArgs) -> Result<()> {
    check_writable(&args.out)?;
    let words = WordList::read(&args.input)?;
    let vocab = Vocab::from_words(&words);
    let model = match args.model {
        Kind::Counts => {
            if args.steps.is_some() || args.lr.is_some() || args.reg.is_some() || args.one_hot {
                bail!("--steps, --lr, --reg and --one-hot apply to --model neural only");
            }
            let counts = BigramCounts::from_words(&words, &vocab)?;
            let model = CountsModel::new(counts, args.smoothing.unwrap_or(1.0))?;
            eprintln!(
                "counted {} bigrams of {} words ({} tokens), smoothing {}",
                model.counts().total(),
                words.len(),
                vocab.len(),
                model.smoothing()
            );
            Model::Counts(model)
        }
        Kind::Neural => {
            if args.smoothing.is_some() {
                bail!("--smoothing applies to --model counts only");
            }
            let defaults = TrainConfig::default();
            let cfg = TrainConfig {
                steps: args.steps.unwrap_or(defaults.steps),
                lr: args.lr.unwrap_or(defaults.lr),
                reg: args.reg.unwrap_or(defaults.reg),
                method: if args.one_hot { Method::OneHot } else { Method::Counts },
            };
            cfg.validate()?;
            let examples = Examples::new(&words, &vocab)?;
            eprintln!("training on {} bigrams of {} words ({} tokens)", examples.len(), words.len(), vocab.len());
            let mut model = NeuralBigram::new(vocab, args.seed);
            let every = (cfg.steps / 10).max(1);
            let losses = model.train(&examples, cfg, |k, loss| {
                if (k + 1) % every == 0 || k == 0 {
                    eprintln!("step {:>width$}/{}  loss {loss:.4}", k + 1, cfg.steps, width = digits(cfg.steps));
                }
            })?;
            eprintln!("final loss {:.4}", losses.last().copied().unwrap_or(f32::NAN));
            Model::Neural(model)
        }
    };
    model.save(&args.out)?;
    eprintln!("saved {} model to {}", model.kind(), args.out.display());
    Ok(())
}

fn digits(n: usize) -> usize {
    n.to_string().len()
}

fn sample_words(args: SampleArgs) -> Result<()> {
    let model = Model::load(&args.model)?;
    let mut out = std::io::stdout().lock();
    let mut print = |word: &str| match writeln!(out, "{word}") {
        // `makemore sample | head` closes the pipe early: stop quietly
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(false),
        Err(e) => Err(e).context("writing to stdout"),
        Ok(()) => Ok(true),
    };
    if args.fast {
        for word in makemore::sample_fast(&model, args.num as usize, args.seed) {
            if !print(&word)? {
                break;
            }
        }
    } else {
        makemore::seed(args.seed);
        for _ in 0..args.num {
            if !print(&makemore::sample_one(&model))? {
                break;
            }
        }
    }
    Ok(())
}

fn eval(args: EvalArgs) -> Result<()> {
    let model = Model::load(&args.model)?;
    let words = WordList::read(&args.input)?;
    let e = evaluate(&model, &words)?;
    if args.json {
        let nll = if e.nll.is_finite() { serde_json::json!(e.nll) } else { serde_json::Value::Null };
        let json = serde_json::json!({
            "nll": nll, "n": e.n, "words": e.words, "zero_prob_bigrams": e.zero_prob, "model": model.kind(),
        });
        println!("{json}");
    } else {
        println!("nll {:.6}  ({} bigrams of {} words)", e.nll, e.n, e.words);
        if e.zero_prob > 0 {
            println!("{} bigrams have probability 0 under this model (train with smoothing > 0)", e.zero_prob);
        }
    }
    Ok(())
}

fn heatmap(args: HeatmapArgs) -> Result<()> {
    check_writable(&args.out)?;
    if args.smoothing.is_some() && args.view != View::Probs && args.row.is_none() {
        bail!("--smoothing applies to --view probs and --row only");
    }
    if args.row.is_some() && args.log_scale {
        bail!("--log-scale applies to the grid, not to --row");
    }
    if args.row.is_none() {
        Heatmap::check_path(&args.out)?;
    } else if !args.out.extension().is_some_and(|e| e.eq_ignore_ascii_case("svg")) {
        bail!("--row draws a bar chart, written as .svg");
    }
    let words = WordList::read(&args.input)?;
    let counts = BigramCounts::from_words(&words, &Vocab::from_words(&words))?;
    if let Some(ch) = args.row {
        let model = CountsModel::new(counts, args.smoothing.unwrap_or(0.0))?;
        Figure::next_char(&model, ch)?.save(&args.out)?;
    } else {
        let map = match args.view {
            View::Counts => Heatmap::counts(&counts),
            View::Probs => Heatmap::probs(&CountsModel::new(counts, args.smoothing.unwrap_or(1.0))?),
        };
        let map = if args.log_scale { map.log_scale() } else { map };
        map.save(&args.out)?;
    }
    eprintln!("wrote {}", args.out.display());
    Ok(())
}
