//! `makemore`: train, sample, evaluate, tune and draw character-level models of any word list.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand, ValueEnum};
use makemore::{
    BigramCounts, CountsModel, Examples, Figure, Heatmap, LECTURE_SEED, Method, Model, NeuralBigram, NeuralNgram,
    NgramModel, Split, Splits, TrainConfig, Tuning, Vocab, WordList, check_writable,
};

/// Make more of whatever word list you give it: character-level language models from
/// Karpathy's makemore lecture (bigram counts and a one-layer network, and their n-gram
/// extensions), on libtorch.
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
    /// Try several smoothing (counts) or regularization (neural) strengths on a dev
    /// split, pick the best, and report its test loss.
    Tune(TuneArgs),
    /// Draw the bigram count matrix of a word list as the lecture's heatmap
    /// (or its probabilities, or one row as a bar chart).
    Heatmap(HeatmapArgs),
}

#[derive(Clone, Copy, PartialEq, ValueEnum)]
enum Kind {
    /// Count n-grams and normalize the counts (smoothed).
    Counts,
    /// One linear layer trained by gradient descent.
    Neural,
}

/// Splitting the words into train/dev/test (exercise E02).
#[derive(clap::Args, Clone)]
struct SplitArgs {
    /// Split the words into train/dev/test percentages, e.g. 80/10/10: train on the first
    /// part only, and report the loss of each part.
    #[arg(long)]
    split: Option<Split>,
    /// Seed for shuffling the words before splitting.
    #[arg(long, default_value_t = 42, requires = "split")]
    split_seed: u64,
}

impl SplitArgs {
    fn apply(&self, words: &WordList) -> Result<Option<Splits>> {
        Ok(match self.split {
            Some(split) => Some(split.apply(words, self.split_seed)?),
            None => None,
        })
    }
}

#[derive(clap::Args)]
struct TrainArgs {
    /// Word list to train on.
    #[arg(long)]
    input: PathBuf,
    /// Which model to train.
    #[arg(long, value_enum)]
    model: Kind,
    /// How many previous characters predict the next (1: bigram, 2: trigram, ...).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=64), allow_negative_numbers = true)]
    context: u16,
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
    /// Neural bigram: train the lecture's way, one-hot encoding every example each step
    /// (O(n·V) per step), instead of the default exact shortcut through the bigram
    /// counts (O(V²) per step). Both give the same losses and weights to float32 rounding.
    #[arg(long)]
    one_hot: bool,
    /// Neural model: seed for the initial weights.
    #[arg(long, default_value_t = LECTURE_SEED, value_parser = parse_seed, allow_negative_numbers = true)]
    seed: i64,
    #[command(flatten)]
    split: SplitArgs,
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
    /// Bigram models only.
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
    #[command(flatten)]
    split: SplitArgs,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
struct TuneArgs {
    /// Word list to split and tune on.
    #[arg(long)]
    input: PathBuf,
    /// Which model to tune: counts (tunes the smoothing) or neural (the regularization).
    #[arg(long, value_enum)]
    model: Kind,
    /// How many previous characters predict the next.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=64), allow_negative_numbers = true)]
    context: u16,
    /// The strengths to try, comma-separated (each finite and 0 or more).
    #[arg(long, value_delimiter = ',', required = true, allow_negative_numbers = true)]
    values: Vec<f64>,
    /// Train/dev/test percentages.
    #[arg(long, default_value = "80/10/10")]
    split: Split,
    /// Seed for shuffling the words before splitting.
    #[arg(long, default_value_t = 42)]
    split_seed: u64,
    /// Neural model: gradient descent steps for each value.
    #[arg(long, default_value_t = 100, allow_negative_numbers = true)]
    steps: usize,
    /// Neural model: learning rate.
    #[arg(long, default_value_t = 50.0, allow_negative_numbers = true)]
    lr: f64,
    /// Neural model: seed for the initial weights.
    #[arg(long, default_value_t = LECTURE_SEED, value_parser = parse_seed, allow_negative_numbers = true)]
    seed: i64,
    /// Also draw train and dev loss against the strength: FILE.svg or FILE.png.
    #[arg(long)]
    plot: Option<PathBuf>,
}

#[derive(clap::Args)]
struct HeatmapArgs {
    /// Word list whose bigrams to count.
    #[arg(long)]
    input: PathBuf,
    /// Output figure: FILE.svg or FILE.png (SVG cells show a tooltip on hover), or FILE.html:
    /// the interactive explorer page (hover, rows, smoothing, NLL, sampling), self-contained,
    /// for vocabularies of at most 200 tokens.
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
    /// Instead of the grid, a bar chart of what follows this one character.
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
        Command::Tune(args) => tune(args),
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

/// Refuse to write over the input: a typo in `--out` must not replace the word list.
fn not_the_input(out: &std::path::Path, input: &std::path::Path) -> Result<()> {
    if let (Ok(a), Ok(b)) = (std::fs::canonicalize(out), std::fs::canonicalize(input))
        && a == b
    {
        bail!("--out '{}' is the input file: choose another name", out.display());
    }
    Ok(())
}

fn train(args: TrainArgs) -> Result<()> {
    check_writable(&args.out)?;
    not_the_input(&args.out, &args.input)?;
    let context = args.context as usize;
    let all = WordList::read(&args.input)?;
    // the vocabulary of all the words, so that dev and test words can be scored
    let vocab = Vocab::from_words(&all);
    let splits = args.split.apply(&all)?;
    let words = splits.as_ref().map_or(&all, |s| &s.train);
    let model = match args.model {
        Kind::Counts => {
            if args.steps.is_some() || args.lr.is_some() || args.reg.is_some() || args.one_hot {
                bail!("--steps, --lr, --reg and --one-hot apply to --model neural only");
            }
            let k = args.smoothing.unwrap_or(1.0);
            let model = if context == 1 {
                Model::Counts(CountsModel::new(BigramCounts::from_words(words, &vocab)?, k)?)
            } else {
                Model::NgramCounts(NgramModel::fit_with_vocab(words, &vocab, context, k)?)
            };
            eprintln!(
                "counted the {context}-character contexts of {} words ({} tokens), smoothing {k}",
                words.len(),
                vocab.len()
            );
            model
        }
        Kind::Neural => {
            if args.smoothing.is_some() {
                bail!("--smoothing applies to --model counts only");
            }
            if args.one_hot && context > 1 {
                bail!("--one-hot is the lecture's bigram path: it applies to --context 1 only");
            }
            let defaults = TrainConfig::default();
            let cfg = TrainConfig {
                steps: args.steps.unwrap_or(defaults.steps),
                lr: args.lr.unwrap_or(defaults.lr),
                reg: args.reg.unwrap_or(defaults.reg),
                method: if args.one_hot { Method::OneHot } else { Method::Counts },
            };
            cfg.validate()?;
            eprintln!("training on {} words ({} tokens, context {context})", words.len(), vocab.len());
            let every = (cfg.steps / 10).max(1);
            let progress = |k: usize, loss: f32| {
                if (k + 1).is_multiple_of(every) || k == 0 {
                    eprintln!(
                        "step {:>width$}/{}  loss {loss:.4}",
                        k + 1,
                        cfg.steps,
                        width = cfg.steps.to_string().len()
                    );
                }
            };
            let (model, losses) = if context == 1 {
                let mut net = NeuralBigram::new(vocab.clone(), args.seed);
                let losses = net.train(&Examples::new(words, &vocab)?, cfg, progress)?;
                (Model::Neural(net), losses)
            } else {
                let mut net = NeuralNgram::new(vocab.clone(), context, args.seed);
                let losses = net.train(words, cfg, progress)?;
                (Model::NgramNeural(net), losses)
            };
            eprintln!("final loss {:.4}", losses.last().copied().unwrap_or(f32::NAN));
            model
        }
    };
    if let Some(splits) = &splits {
        for (name, part) in parts(splits) {
            let e = model.evaluate(part)?;
            eprintln!("{name:<5} nll {:.6}  ({} words)", e.nll, e.words);
        }
    }
    model.save(&args.out)?;
    eprintln!("saved {} model to {}", model.kind(), args.out.display());
    Ok(())
}

fn parts(s: &Splits) -> [(&'static str, &WordList); 3] {
    [("train", &s.train), ("dev", &s.dev), ("test", &s.test)]
}

fn sample_words(args: SampleArgs) -> Result<()> {
    let model = Model::load(&args.model)?;
    let words = if args.fast {
        model.sample_fast(args.num as usize, args.seed)?
    } else {
        model.sample(args.num as usize, args.seed)
    };
    let mut out = std::io::stdout().lock();
    for word in words {
        match writeln!(out, "{word}") {
            // `makemore sample | head` closes the pipe early: stop quietly
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => break,
            Err(e) => return Err(e).context("writing to stdout"),
            Ok(()) => {}
        }
    }
    Ok(())
}

fn eval(args: EvalArgs) -> Result<()> {
    let model = Model::load(&args.model)?;
    let words = WordList::read(&args.input)?;
    let report = |e: makemore::Evaluation| {
        let nll = if e.nll.is_finite() { serde_json::json!(e.nll) } else { serde_json::Value::Null };
        serde_json::json!({ "nll": nll, "n": e.n, "words": e.words, "zero_prob_bigrams": e.zero_prob })
    };
    let text = |name: &str, e: makemore::Evaluation| {
        println!("{name}nll {:.6}  ({} n-grams of {} words)", e.nll, e.n, e.words);
        if e.zero_prob > 0 {
            println!("{name}{} of them have probability 0 under this model (train with smoothing > 0)", e.zero_prob);
        }
    };
    match args.split.apply(&words)? {
        None => {
            let e = model.evaluate(&words)?;
            if args.json {
                let mut json = report(e);
                json["model"] = model.kind().into();
                json["context"] = model.context().into();
                println!("{json}");
            } else {
                text("", e);
            }
        }
        Some(splits) => {
            let mut json = serde_json::json!({ "model": model.kind(), "context": model.context() });
            for (name, part) in parts(&splits) {
                let e = model.evaluate(part)?;
                if args.json {
                    json[name] = report(e);
                } else {
                    text(&format!("{name:<5} "), e);
                }
            }
            if args.json {
                println!("{json}");
            }
        }
    }
    Ok(())
}

fn tune(args: TuneArgs) -> Result<()> {
    if let Some(plot) = &args.plot {
        check_writable(plot)?;
        not_the_input(plot, &args.input)?;
        Heatmap::check_path(plot)?;
    }
    let words = WordList::read(&args.input)?;
    let vocab = Vocab::from_words(&words);
    let splits = args.split.apply(&words, args.split_seed)?;
    let context = args.context as usize;
    for &v in &args.values {
        if !v.is_finite() || v < 0.0 {
            bail!("invalid value {v} in --values: each must be a finite number, 0 or more");
        }
    }
    let what = match args.model {
        Kind::Counts => "smoothing",
        Kind::Neural => "regularization",
    };
    eprintln!(
        "tuning the {what} on {}/{}/{} train/dev/test words",
        splits.train.len(),
        splits.dev.len(),
        splits.test.len()
    );
    let t: Tuning = match (args.model, context) {
        (Kind::Counts, _) => makemore::tune_counts(&splits, &vocab, context, &args.values)?,
        (Kind::Neural, 1) => {
            let cfg = TrainConfig { steps: args.steps, lr: args.lr, ..TrainConfig::default() };
            cfg.validate()?;
            makemore::tune_neural(&splits, &vocab, cfg, args.seed, &args.values)?
        }
        (Kind::Neural, _) => bail!("tune --model neural works on bigrams (--context 1)"),
    };
    println!("{what:>14}  {:>10}  {:>10}", "train nll", "dev nll");
    for (i, row) in t.rows.iter().enumerate() {
        let mark = if i == t.best { "  <- lowest dev loss" } else { "" };
        println!("{:>14}  {:>10.5}  {:>10.5}{mark}", row.value, row.train, row.dev);
    }
    println!("chosen {what} {}: test nll {:.5}", t.rows[t.best].value, t.test);
    if let Some(plot) = &args.plot {
        Figure::tuning(&t, what)?.save(plot)?;
        eprintln!("wrote {}", plot.display());
    }
    Ok(())
}

fn heatmap(args: HeatmapArgs) -> Result<()> {
    check_writable(&args.out)?;
    not_the_input(&args.out, &args.input)?;
    if makemore::explorer::is_page(&args.out) {
        return explorer_page(args);
    }
    if args.smoothing.is_some() && args.view != View::Probs && args.row.is_none() {
        bail!("--smoothing applies to --view probs and --row only");
    }
    if args.row.is_some() && args.log_scale {
        bail!("--log-scale applies to the grid, not to --row");
    }
    Heatmap::check_path(&args.out).context("heatmap writes .svg, .png, or .html (the explorer page)")?;
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

/// `heatmap --out FILE.html`: the interactive explorer page (see makemore::explorer).
fn explorer_page(args: HeatmapArgs) -> Result<()> {
    if args.row.is_some() {
        bail!("--row applies to .svg and .png figures: the explorer page shows a row when you click it");
    }
    let words = WordList::read(&args.input)?;
    let counts = BigramCounts::from_words(&words, &Vocab::from_words(&words))?;
    let title = args.input.file_name().map_or_else(|| args.input.display().to_string(), |n| n.to_string_lossy().into());
    let view = match (args.view, args.log_scale) {
        (_, true) => makemore::explorer::View::Log,
        (View::Counts, false) => makemore::explorer::View::Counts,
        (View::Probs, false) => makemore::explorer::View::Probs,
    };
    let page = makemore::Explorer::new(&counts, &title)?.smoothing(args.smoothing.unwrap_or(1.0))?.view(view);
    page.save(&args.out)?;
    eprintln!("wrote {}", args.out.display());
    Ok(())
}
