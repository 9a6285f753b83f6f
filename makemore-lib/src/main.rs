//! `makemore`: train, sample, evaluate, tune and draw character-level models of any word list.
//!
//! Each command parses its flags, calls the library, and prints. Defaults come from the
//! library ([`ModelSpec::DEFAULT`], [`DEFAULT_SMOOTHING`]).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::parser::ValueSource;
use clap::{ArgMatches, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use makemore::{
    BigramCounts, CountsModel, DEFAULT_SMOOTHING, Evaluation, Figure, Heatmap, MAX_CONTEXT, MAX_WORD_CHARS, Method,
    ModelKind, ModelSpec, Split, Splits, TrainConfig, Vocab, WordList, check_writable, evaluate, fit, fit_with,
    model_file, sample, sample_fast, tune, tuned_parameter,
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

impl From<Kind> for ModelKind {
    fn from(kind: Kind) -> ModelKind {
        match kind {
            Kind::Counts => ModelKind::Counts,
            Kind::Neural => ModelKind::Neural,
        }
    }
}

/// Which model: its kind and context (train and tune).
#[derive(clap::Args)]
struct ModelArgs {
    /// Which model.
    #[arg(long, value_enum)]
    model: Kind,
    /// How many previous characters predict the next (1: bigram, 2: trigram, ...).
    #[arg(long, default_value_t = ModelSpec::DEFAULT.context as u16, allow_negative_numbers = true,
          value_parser = clap::value_parser!(u16).range(1..=MAX_CONTEXT as i64))]
    context: u16,
}

/// How a network trains (train and tune).
#[derive(clap::Args)]
struct NeuralArgs {
    /// Neural model: full-batch gradient descent steps.
    #[arg(long, default_value_t = TrainConfig::DEFAULT.steps, allow_negative_numbers = true)]
    steps: usize,
    /// Neural model: learning rate.
    #[arg(long, default_value_t = TrainConfig::DEFAULT.lr, allow_negative_numbers = true)]
    lr: f64,
    /// Neural bigram: train the lecture's way, one-hot encoding every example each step
    /// (O(n·V) per step), instead of the default exact gradient from the bigram counts
    /// (O(V²) per step). Both give the same losses and weights to float32 rounding.
    #[arg(long)]
    one_hot: bool,
    /// Neural model: seed for the initial weights.
    #[arg(long, default_value_t = ModelSpec::DEFAULT.seed, value_parser = parse_seed, allow_negative_numbers = true)]
    seed: i64,
}

impl NeuralArgs {
    fn config(&self, reg: f64) -> TrainConfig {
        let method = if self.one_hot { Method::OneHot } else { Method::ExactGradient };
        TrainConfig { steps: self.steps, lr: self.lr, reg, method }
    }
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
    #[command(flatten)]
    model: ModelArgs,
    /// Counts model: added to every count before normalizing (0, or 1e-6 to 1e6).
    #[arg(long, default_value_t = DEFAULT_SMOOTHING, allow_negative_numbers = true)]
    smoothing: f64,
    #[command(flatten)]
    neural: NeuralArgs,
    /// Neural model: regularization strength on mean(W²).
    #[arg(long, default_value_t = TrainConfig::DEFAULT.reg, allow_negative_numbers = true)]
    reg: f64,
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
    #[arg(long, default_value_t = makemore::LECTURE_SEED, value_parser = parse_seed, allow_negative_numbers = true)]
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
    #[command(flatten)]
    model: ModelArgs,
    /// The strengths to try, comma-separated (each finite and 0 or more): the smoothing
    /// of a counts model, the regularization of a neural one.
    #[arg(long, value_delimiter = ',', required = true, allow_negative_numbers = true)]
    values: Vec<f64>,
    /// Train/dev/test percentages.
    #[arg(long, default_value = "80/10/10")]
    split: Split,
    /// Seed for shuffling the words before splitting.
    #[arg(long, default_value_t = 42)]
    split_seed: u64,
    #[command(flatten)]
    neural: NeuralArgs,
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
    /// With --view probs (default 1) or --row (default 0): added to every count before normalizing.
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
    let matches = Cli::command().get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    let flags = matches.subcommand().map(|(_, m)| m.clone()).unwrap_or_default();
    let result = match cli.command {
        Command::Train(args) => train(args, &flags),
        Command::Sample(args) => sample_words(args),
        Command::Eval(args) => eval(args),
        Command::Tune(args) => tune_values(args, &flags),
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

/// Whether the user typed any of these flags (not just left their defaults).
fn given(flags: &ArgMatches, ids: &[&str]) -> bool {
    ids.iter().any(|id| flags.value_source(id) == Some(ValueSource::CommandLine))
}

/// Refuse to write over the input: a typo in `--out` must not replace the word list.
fn not_the_input(out: &Path, input: &Path) -> Result<()> {
    if let (Ok(a), Ok(b)) = (std::fs::canonicalize(out), std::fs::canonicalize(input))
        && a == b
    {
        bail!("--out '{}' is the input file: choose another name", out.display());
    }
    Ok(())
}

/// "bigrams", "trigrams", "4-grams", ... for a context length.
fn ngrams(context: usize) -> String {
    match context {
        1 => "bigrams".into(),
        2 => "trigrams".into(),
        n => format!("{}-grams", n + 1),
    }
}

/// Progress lines: the first step, then every tenth of the way.
fn progress(steps: usize) -> impl FnMut(usize, f32) {
    let every = (steps / 10).max(1);
    let width = steps.to_string().len();
    move |k, loss| {
        if (k + 1).is_multiple_of(every) || k == 0 {
            eprintln!("step {:>width$}/{steps}  loss {loss:.4}", k + 1);
        }
    }
}

fn train(args: TrainArgs, flags: &ArgMatches) -> Result<()> {
    check_writable(&args.out)?;
    not_the_input(&args.out, &args.input)?;
    let kind = ModelKind::from(args.model.model);
    let context = args.model.context as usize;
    match kind {
        ModelKind::Counts if given(flags, &["steps", "lr", "reg", "one_hot"]) => {
            bail!("--steps, --lr, --reg and --one-hot apply to --model neural only")
        }
        ModelKind::Neural if given(flags, &["smoothing"]) => bail!("--smoothing applies to --model counts only"),
        ModelKind::Neural if args.neural.one_hot && context > 1 => {
            bail!("--one-hot is the lecture's bigram path: it applies to --context 1 only")
        }
        _ => {}
    }
    let spec = ModelSpec {
        kind,
        context,
        smoothing: args.smoothing,
        train: args.neural.config(args.reg),
        seed: args.neural.seed,
    };
    let all = WordList::read(&args.input)?;
    // the vocabulary of all the words, so that dev and test words can be scored
    let vocab = Vocab::from_words(&all)?;
    let splits = args.split.apply(&all)?;
    let words = splits.as_ref().map_or(&all, |s| &s.train);
    let what =
        format!("{} {} of {} words ({} tokens)", words.num_examples(), ngrams(context), words.len(), vocab.len());
    let model = match kind {
        ModelKind::Counts => {
            let model = fit(&spec, words, &vocab)?;
            eprintln!("counted {what}, smoothing {}", spec.smoothing);
            model
        }
        ModelKind::Neural | ModelKind::Mlp => {
            spec.train.validate()?;
            eprintln!("training on {what}");
            let mut last = f32::NAN;
            let mut show = progress(spec.train.steps);
            let model = fit_with(&spec, words, &vocab, |k, loss| {
                show(k, loss);
                last = loss;
            })?;
            eprintln!("final loss {last:.4}");
            model
        }
    };
    if let Some(splits) = &splits {
        for (name, part) in parts(splits) {
            let e = evaluate(&*model, part)?;
            eprintln!("{name:<5} nll {:.6}  ({} words)", e.nll, e.words);
        }
    }
    model_file::save(&*model, &args.out)?;
    eprintln!("saved {} model to {}", model.kind().name(), args.out.display());
    Ok(())
}

fn parts(s: &Splits) -> [(&'static str, &WordList); 3] {
    [("train", &s.train), ("dev", &s.dev), ("test", &s.test)]
}

fn sample_words(args: SampleArgs) -> Result<()> {
    let model = model_file::load(&args.model)?;
    let words = if args.fast {
        sample_fast(&*model, args.num as usize, args.seed)?
    } else {
        sample(&*model, args.num as usize, args.seed)?
    };
    let mut out = std::io::stdout().lock();
    for word in &words {
        match writeln!(out, "{word}") {
            // `makemore sample | head` closes the pipe early: stop quietly
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(()),
            Err(e) => return Err(e).context("writing to stdout"),
            Ok(()) => {}
        }
    }
    let cut = words.iter().filter(|w| w.chars().count() == MAX_WORD_CHARS).count();
    if cut > 0 {
        eprintln!("makemore: note: {cut} of the words reached {MAX_WORD_CHARS} characters and were cut there");
    }
    Ok(())
}

fn eval(args: EvalArgs) -> Result<()> {
    let model = model_file::load(&args.model)?;
    let words = WordList::read(&args.input)?;
    let report = |e: Evaluation| {
        let nll = if e.nll.is_finite() { serde_json::json!(e.nll) } else { serde_json::Value::Null };
        serde_json::json!({ "nll": nll, "n": e.n, "words": e.words, "zero_prob_bigrams": e.zero_prob })
    };
    let text = |name: &str, e: Evaluation| {
        println!("{name}nll {:.6}  ({} n-grams of {} words)", e.nll, e.n, e.words);
        if e.zero_prob > 0 {
            println!("{name}{} of them have probability 0 under this model (train with smoothing > 0)", e.zero_prob);
        }
    };
    let mut json = serde_json::json!({ "model": model.kind().name(), "context": model.context() });
    match args.split.apply(&words)? {
        None => {
            let e = evaluate(&*model, &words)?;
            if args.json {
                let mut one = report(e);
                one["model"] = json["model"].take();
                one["context"] = json["context"].take();
                println!("{one}");
            } else {
                text("", e);
            }
        }
        Some(splits) => {
            for (name, part) in parts(&splits) {
                let e = evaluate(&*model, part)?;
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

fn tune_values(args: TuneArgs, flags: &ArgMatches) -> Result<()> {
    if let Some(plot) = &args.plot {
        check_writable(plot)?;
        not_the_input(plot, &args.input)?;
        Heatmap::check_path(plot)?;
    }
    let kind = ModelKind::from(args.model.model);
    if kind == ModelKind::Counts && given(flags, &["steps", "lr", "one_hot", "seed"]) {
        bail!("--steps, --lr, --one-hot and --seed apply to --model neural only");
    }
    for &v in &args.values {
        if !v.is_finite() || v < 0.0 {
            bail!("invalid value {v} in --values: each must be a finite number, 0 or more");
        }
    }
    let spec = ModelSpec {
        kind,
        context: args.model.context as usize,
        train: args.neural.config(TrainConfig::DEFAULT.reg),
        seed: args.neural.seed,
        ..ModelSpec::DEFAULT
    };
    spec.train.validate()?;
    let words = WordList::read(&args.input)?;
    let vocab = Vocab::from_words(&words)?;
    let splits = args.split.apply(&words, args.split_seed)?;
    let what = tuned_parameter(kind);
    eprintln!(
        "tuning the {what} on {}/{}/{} train/dev/test words",
        splits.train.len(),
        splits.dev.len(),
        splits.test.len()
    );
    let t = tune(&splits, &vocab, &spec, &args.values)?;
    println!("{what:>14}  {:>10}  {:>10}", "train nll", "dev nll");
    for (i, row) in t.rows.iter().enumerate() {
        let mark = if i == t.best { "  <- lowest dev loss" } else { "" };
        println!("{:>14}  {:>10.5}  {:>10.5}{mark}", row.value, row.train, row.dev);
    }
    println!("chosen {what} {}: test nll {:.5}", t.rows[t.best].value, t.test);
    if let Some(plot) = &args.plot {
        Figure::tuning(&t)?.save(plot)?;
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
    if Heatmap::check_path(&args.out).is_err() {
        bail!("--out '{}': heatmap writes FILE.svg, FILE.png or FILE.html (the explorer page)", args.out.display());
    }
    let words = WordList::read(&args.input)?;
    let vocab = Vocab::from_words(&words)?;
    if args.row.is_none() {
        Heatmap::check_side(vocab.len())?; // before counting anything
    }
    let counts = BigramCounts::from_words(&words, &vocab)?;
    if let Some(ch) = args.row {
        let model = CountsModel::new(counts, args.smoothing.unwrap_or(0.0))?;
        Figure::next_char(&model, ch)?.save(&args.out)?;
    } else {
        let map = match args.view {
            View::Counts => Heatmap::counts(&counts)?,
            View::Probs => Heatmap::probs(&CountsModel::new(counts, args.smoothing.unwrap_or(DEFAULT_SMOOTHING))?)?,
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
    let counts = BigramCounts::from_words(&words, &Vocab::from_words(&words)?)?;
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
