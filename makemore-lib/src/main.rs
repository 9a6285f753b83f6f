//! `makemore`: train, sample, evaluate, tune and draw character-level models of any word list.
//!
//! Each command parses its flags, calls the library, and prints. The flags of each model
//! kind are that kind's hyper-parameters type (clap's `Args` derive in the library), so
//! their defaults and checks are the library's.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use makemore::{
    BigramFigure, Evaluation, Figure, Heatmap, MAX_CONTEXT, MAX_WORD_CHARS, MlpConfig, ModelKind, ModelSpec,
    NeuralConfig, NgramConfig, Split, Splits, TrainingProgress, Vocab, WordList, check_writable, evaluate, fit,
    fit_with, load_model, not_the_input, parse_seed, sample, sample_fast, save_model, tune,
};

/// Make more of whatever word list you give it: character-level language models from
/// Karpathy's makemore lectures (bigram counts and a one-layer network, and their n-gram
/// extensions; the MLP of lecture 2), on libtorch.
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

/// Which model: its kind and context (train and tune), and every kind's flags.
#[derive(clap::Args)]
struct ModelArgs {
    /// Which model.
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(ModelSpec::NAMES.iter().copied()))]
    model: String,
    /// How many previous characters predict the next (1: bigram, 2: trigram, ...);
    /// by default the kind's own (1 for counts and neural, 3 for mlp).
    #[arg(long, allow_negative_numbers = true,
          value_parser = clap::value_parser!(u16).range(1..=MAX_CONTEXT as i64))]
    context: Option<u16>,
    #[command(flatten)]
    kinds: KindFlags,
}

/// Every kind's flags: one group per kind, its hyper-parameters type.
#[derive(clap::Args)]
struct KindFlags {
    #[command(flatten, next_help_heading = "Counts model (--model counts)")]
    counts: NgramConfig,
    #[command(flatten, next_help_heading = "Neural model (--model neural)")]
    neural: NeuralConfig,
    #[command(flatten, next_help_heading = "MLP model (--model mlp; also --steps, --lr, --seed)")]
    mlp: MlpConfig,
}

impl KindFlags {
    /// One spec per kind, each holding its flags (the library's defaults where not given);
    /// `typed` are the long flags on the command line.
    fn specs(self, typed: &[String]) -> Vec<ModelSpec> {
        // the MLP reads --steps, --lr and --seed of the neural group when they are typed
        // (MlpConfig::SHARED_FLAGS), and keeps its own defaults otherwise
        let mut mlp = self.mlp;
        let given = |flag: &str| MlpConfig::SHARED_FLAGS.contains(&flag) && typed.iter().any(|t| t == flag);
        if given("steps") {
            mlp.steps = self.neural.train.steps;
        }
        if given("lr") {
            mlp.lr = self.neural.train.lr;
        }
        if given("seed") {
            mlp.seed = self.neural.seed;
        }
        vec![ModelSpec::Counts(self.counts), ModelSpec::Neural(self.neural), ModelSpec::Mlp(mlp)]
    }
}

impl ModelArgs {
    /// The spec of the kind asked for; `typed` are the long flags on the command line,
    /// refused when they belong to another kind.
    fn spec(self, typed: &[String]) -> Result<ModelSpec> {
        let specs = self.kinds.specs(typed);
        let spec = match specs.iter().find(|s| s.name() == self.model) {
            Some(spec) => spec.clone(),
            None => ModelSpec::named(&self.model)?,
        };
        spec.refuse_foreign_flags(typed, &specs)?;
        Ok(match self.context {
            Some(n) => spec.with_context_len(n as usize),
            None => spec,
        })
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
    #[arg(long, default_value_t = Split::DEFAULT_SEED, requires = "split")]
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
    /// of a counts model, the regularization of a neural one (in place of --smoothing or --reg).
    #[arg(long, value_delimiter = ',', required = true, allow_negative_numbers = true)]
    values: Vec<f64>,
    /// Train/dev/test percentages.
    #[arg(long, default_value_t = Split::DEFAULT)]
    split: Split,
    /// Seed for shuffling the words before splitting.
    #[arg(long, default_value_t = Split::DEFAULT_SEED)]
    split_seed: u64,
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
    #[command(flatten)]
    figure: BigramFigure,
}

fn main() -> ExitCode {
    // A bug must still end in one line, not a backtrace.
    std::panic::set_hook(Box::new(|info| {
        eprintln!("makemore: internal error: {info}");
    }));
    let cli = Cli::parse();
    // the long flags typed (clap has checked them): a kind refuses another kind's flags
    let typed: Vec<String> = std::env::args()
        .skip(1)
        .filter_map(|a| a.strip_prefix("--").map(|f| f.split('=').next().unwrap_or_default().to_string()))
        .collect();
    let result = match cli.command {
        Command::Train(args) => train(args, &typed),
        Command::Sample(args) => sample_words(args),
        Command::Eval(args) => eval(args),
        Command::Tune(args) => tune_values(args, &typed),
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

/// "bigrams", "trigrams", "4-grams", ... for a context length.
fn ngrams(context: usize) -> String {
    match context {
        1 => "bigrams".into(),
        2 => "trigrams".into(),
        n => format!("{}-grams", n + 1),
    }
}

fn train(args: TrainArgs, typed: &[String]) -> Result<()> {
    check_writable(&args.out)?;
    not_the_input("--out", &args.out, &args.input)?;
    let spec = args.model.spec(typed)?;
    spec.validate()?;
    let all = WordList::read(&args.input)?;
    // the vocabulary of all the words, so that dev and test words can be scored
    let vocab = Vocab::from_words(&all)?;
    let splits = args.split.apply(&all)?;
    let words = splits.as_ref().map_or(&all, |s| &s.train);
    let what = format!(
        "{} {} of {} words ({} tokens)",
        words.num_examples(),
        ngrams(spec.context_len()),
        words.len(),
        vocab.len()
    );
    let model = match spec.steps() {
        None => {
            let model = fit(&spec, words, &vocab)?;
            eprintln!("counted {what}, {}", spec.summary());
            model
        }
        Some(steps) => {
            eprintln!("training on {what}");
            let mut last = f32::NAN;
            let mut progress = TrainingProgress::new(steps);
            let model = fit_with(&spec, words, &vocab, |k, loss| {
                progress.step(k, loss);
                last = loss;
            })?;
            progress.finish();
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
    save_model(&*model, &args.out)?;
    eprintln!("saved {} model to {}", model.kind(), args.out.display());
    Ok(())
}

fn parts(s: &Splits) -> [(&'static str, &WordList); 3] {
    [("train", &s.train), ("dev", &s.dev), ("test", &s.test)]
}

fn sample_words(args: SampleArgs) -> Result<()> {
    let model = load_model(&args.model)?;
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
    let model = load_model(&args.model)?;
    let words = WordList::read(&args.input)?;
    let report = |e: Evaluation| {
        let nll = if e.nll.is_finite() { serde_json::json!(e.nll) } else { serde_json::Value::Null };
        serde_json::json!({ "nll": nll, "n": e.ngrams, "words": e.words, "zero_prob_bigrams": e.zero_prob })
    };
    let text = |name: &str, e: Evaluation| {
        println!("{name}nll {:.6}  ({} n-grams of {} words)", e.nll, e.ngrams, e.words);
        if e.zero_prob > 0 {
            println!("{name}{} of them have probability 0 under this model (train with smoothing > 0)", e.zero_prob);
        }
    };
    let mut json = serde_json::json!({ "model": model.kind(), "context": model.context_len() });
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

fn tune_values(args: TuneArgs, typed: &[String]) -> Result<()> {
    if let Some(plot) = &args.plot {
        check_writable(plot)?;
        not_the_input("--plot", plot, &args.input)?;
        Heatmap::check_path(plot)?;
    }
    let spec = args.model.spec(typed)?;
    spec.validate()?;
    let words = WordList::read(&args.input)?;
    let vocab = Vocab::from_words(&words)?;
    let splits = args.split.apply(&words, args.split_seed)?;
    let what = spec.tuned();
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
    not_the_input("--out", &args.out, &args.input)?;
    args.figure.check(&args.out)?;
    let words = WordList::read(&args.input)?;
    let title = args.input.file_name().map_or_else(|| args.input.display().to_string(), |n| n.to_string_lossy().into());
    args.figure.draw(&words, &args.out, &title)?;
    eprintln!("wrote {}", args.out.display());
    Ok(())
}
