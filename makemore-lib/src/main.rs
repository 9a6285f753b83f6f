//! `makemore`: train, sample, evaluate, tune and draw character-level models of any word list.
//!
//! Each command parses its flags, calls the library, and prints. The flags of each model
//! kind are that kind's hyper-parameters type (clap's `Args` derive in the library), so
//! their defaults and checks are the library's.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use makemore::{
    BigramFigure, Evaluation, Figure, LanguageModel, MAX_CONTEXT, MAX_WORD_CHARS, MlpConfig, ModelKind, ModelSpec,
    NeuralConfig, NgramConfig, Split, Splits, TrainingProgress, Vocab, WordList, check_tune_values, check_writable,
    evaluate, fit, fit_with, load_model, not_the_input, parse_seed, sample, sample_fast, save_model, tune,
};
use serde_json::{Value, json};

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
    /// Which kind of model (karpathy/makemore's `--type` is the same flag).
    #[arg(long, visible_alias = "type", value_name = "KIND",
          value_parser = clap::builder::PossibleValuesParser::new(ModelSpec::NAMES.iter().copied()))]
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
    /// Its values checked before any work (a value error, exit code 2).
    fn spec(self, typed: &[String]) -> Result<ModelSpec> {
        let specs = self.kinds.specs(typed);
        let spec = match specs.iter().find(|s| s.name() == self.model) {
            Some(spec) => spec.clone(),
            None => ModelSpec::named(&self.model)?,
        };
        spec.refuse_foreign_flags(typed, &specs)?;
        let spec = match self.context {
            Some(n) => spec.with_context_len(n as usize),
            None => spec,
        };
        spec.validate().map_err(value_error)?;
        Ok(spec)
    }
}

/// Splitting the words into train/dev/test (exercise E02).
#[derive(clap::Args, Clone)]
struct SplitArgs {
    /// Split the words into train/dev/test percentages, e.g. 80/10/10 (shuffled with
    /// --split-seed), and report the loss of each part. train fits on the train part only;
    /// eval scores the same three parts as a train with the same percentages and seed.
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

    fn json(&self) -> Value {
        self.split.map_or(Value::Null, |s| split_json(s, self.split_seed))
    }
}

fn split_json(split: Split, seed: u64) -> Value {
    json!({ "percent": split.percent, "seed": seed })
}

#[derive(clap::Args)]
struct TrainArgs {
    /// Word list to train on (`-`: standard input).
    #[arg(long)]
    input: PathBuf,
    #[command(flatten)]
    model: ModelArgs,
    #[command(flatten)]
    split: SplitArgs,
    /// Where to write the model (safetensors: a file, not `-`).
    #[arg(long)]
    out: PathBuf,
    /// Print one JSON object (the shape the README describes) instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
struct SampleArgs {
    /// A model file written by `makemore train --out FILE`.
    #[arg(long, value_name = "FILE")]
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
    /// A model file written by `makemore train --out FILE`.
    #[arg(long, value_name = "FILE")]
    model: PathBuf,
    /// Word list to score (`-`: standard input).
    #[arg(long)]
    input: PathBuf,
    #[command(flatten)]
    split: SplitArgs,
    /// Print one JSON object (the shape the README describes) instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
struct TuneArgs {
    /// Word list to split and tune on (`-`: standard input).
    #[arg(long)]
    input: PathBuf,
    #[command(flatten)]
    model: ModelArgs,
    /// The strengths to try, comma-separated, in place of --smoothing (counts: each 0, or
    /// 1e-6 to 1e6) or --reg (neural: each finite, 0 or more). All are checked before tuning.
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
    /// Print one JSON object (the shape the README describes) instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
struct HeatmapArgs {
    /// Word list whose bigrams to count (`-`: standard input).
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
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return clap_error(e),
    };
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
            // a flag's value, or flags that do not go together: exit 2, like the parser's errors
            let usage = matches!(e.downcast_ref::<makemore::Error>(), Some(makemore::Error::Usage(_)));
            if e.is::<ValueError>() || usage { ExitCode::from(2) } else { ExitCode::FAILURE }
        }
    }
}

/// A flag's value out of its range: one line and exit code 2, like the parser's own.
#[derive(Debug)]
struct ValueError(String);

impl std::fmt::Display for ValueError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ValueError {}

/// The library's refusal of a hyper-parameter, naming the flag that set it.
fn value_error(e: makemore::Error) -> anyhow::Error {
    const FLAGS: [(&str, &str); 7] = [
        ("smoothing", "--smoothing"),
        ("steps", "--steps"),
        ("learning rate", "--lr"),
        ("regularization", "--reg"),
        ("embedding", "--embedding"),
        ("hidden", "--hidden"),
        ("batch", "--batch"),
    ];
    let text = match &e {
        makemore::Error::BadParameter { name, value, expected } => match FLAGS.iter().find(|(n, _)| n == name) {
            Some((_, flag)) => format!("invalid {flag} {value}: {expected}"),
            None => e.to_string(),
        },
        _ => e.to_string(),
    };
    ValueError(text).into()
}

/// The argument parser's errors: a value that does not parse or is out of range is one
/// line naming the flag and what it takes; the rest (an unknown or missing flag, help)
/// as clap prints them. Exit code 2 (0 for help and version).
fn clap_error(e: clap::Error) -> ExitCode {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if !matches!(e.kind(), ErrorKind::InvalidValue | ErrorKind::ValueValidation) {
        let _ = e.print();
        return ExitCode::from(e.exit_code() as u8);
    }
    let text = |kind| match e.get(kind) {
        Some(ContextValue::String(s)) => s.clone(),
        Some(ContextValue::Strings(v)) => v.join(", "),
        _ => String::new(),
    };
    let flag = text(ContextKind::InvalidArg).split([' ', '=']).next().unwrap_or_default().to_string();
    let value = text(ContextKind::InvalidValue);
    let why = match std::error::Error::source(&e) {
        // the library's "invalid split 80/10/20: ..." says again what this line says
        Some(source) => {
            let why = source.to_string();
            match why.strip_prefix(&format!("invalid {} {value}: ", flag.trim_start_matches('-'))) {
                Some(rest) => rest.to_string(),
                None => why,
            }
        }
        None => format!("must be one of {}", text(ContextKind::ValidValue)),
    };
    let hint = if flag == "--model" && ModelSpec::named(&value).is_err() && value.contains(['.', '/']) {
        " (train and tune take a model kind; `makemore sample` and `makemore eval` read model files)"
    } else {
        ""
    };
    eprintln!("makemore: error: invalid {flag} '{value}': {why}{hint}");
    ExitCode::from(2)
}

/// "1 word", "2 words".
fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// "bigrams", "trigrams", "4-grams", ... for a context length.
fn ngrams(context: usize) -> String {
    match context {
        1 => "bigrams".into(),
        2 => "trigrams".into(),
        n => format!("{}-grams", n + 1),
    }
}

/// The word list at `path` (`-`: standard input), with a note on stderr when
/// whitespace was stripped from some lines.
fn read_words(path: &Path) -> Result<WordList> {
    let words = if path == Path::new("-") {
        WordList::from_reader(std::io::stdin().lock(), "<stdin>")?
    } else {
        WordList::read(path)?
    };
    if let Some(&first) = words.stripped().first() {
        eprintln!(
            "makemore: note: stripped leading/trailing whitespace from {} of {} (the first: line {first})",
            plural(words.stripped().len(), "line", "lines"),
            words.origin()
        );
    }
    Ok(words)
}

/// Refuse `-` for an output that is a file (a model, a figure): stdout is for results.
fn not_stdout(flag: &str, out: &Path, what: &str) -> Result<()> {
    if out == Path::new("-") {
        return Err(ValueError(format!("invalid {flag} '-': {what} is written to a file; give a file name")).into());
    }
    Ok(())
}

/// The output checks of a file written from `input`.
fn check_output(flag: &str, out: &Path, input: &Path, what: &str) -> Result<()> {
    not_stdout(flag, out, what)?;
    check_writable(out)?;
    if input != Path::new("-") {
        not_the_input(flag, out, input)?;
    }
    Ok(())
}

/// Load the model file of `--model`; a kind's name in its place gets a hint.
fn load_model_file(path: &Path, command: &str) -> Result<Box<dyn LanguageModel>> {
    let name = path.to_string_lossy();
    if !path.exists() && ModelSpec::named(&name).is_ok() {
        return Err(ValueError(format!(
            "invalid --model '{name}': '{name}' is a model kind; {command} reads a model file written by \
             `makemore train --out FILE`"
        ))
        .into());
    }
    Ok(load_model(path)?)
}

/// One part's result as `--json` reports it.
fn part_json(name: &str, e: &Evaluation) -> Value {
    let nll = if e.nll.is_finite() { json!(e.nll) } else { Value::Null };
    json!({ "part": name, "words": e.words, "ngrams": e.ngrams, "nll": nll, "zero_prob_ngrams": e.zero_prob })
}

/// The one `--json` shape of train, eval and tune (the README describes it).
struct Report<'a> {
    command: &'a str,
    input: &'a Path,
    kind: &'a str,
    context: usize,
    settings: Value,
    file: Option<&'a Path>,
    split: Value,
    parts: Vec<(&'a str, Evaluation)>,
    training: Value,
    tuning: Value,
}

impl Report<'_> {
    fn print(&self) {
        let parts: Vec<Value> = self.parts.iter().map(|(name, e)| part_json(name, e)).collect();
        let report = json!({
            "command": self.command,
            "input": self.input.display().to_string(),
            "model": {
                "kind": self.kind,
                "context": self.context,
                "settings": self.settings,
                "file": self.file.map(|f| f.display().to_string()),
            },
            "split": self.split,
            "parts": parts,
            "training": self.training,
            "tuning": self.tuning,
        });
        println!("{report}");
    }
}

/// The text line of one part: "train nll 2.454577  (228146 n-grams of 32033 words)".
fn part_text(name: &str, e: &Evaluation) {
    let name = if name == "all" { String::new() } else { format!("{name:<5} ") };
    println!(
        "{name}nll {:.6}  ({} of {})",
        e.nll,
        plural(e.ngrams, "n-gram", "n-grams"),
        plural(e.words, "word", "words")
    );
    if e.zero_prob > 0 {
        let verb = if e.zero_prob == 1 { "has" } else { "have" };
        println!("{name}{} of them {verb} probability 0 under this model (train with smoothing > 0)", e.zero_prob);
    }
}

fn train(args: TrainArgs, typed: &[String]) -> Result<()> {
    check_output("--out", &args.out, &args.input, "a model")?;
    let spec = args.model.spec(typed)?;
    let all = read_words(&args.input)?;
    // the vocabulary of all the words, so that dev and test words can be scored
    let vocab = Vocab::from_words(&all)?;
    let splits = args.split.apply(&all)?;
    let words = splits.as_ref().map_or(&all, |s| &s.train);
    let what = format!(
        "{} {} of {} ({} tokens)",
        words.num_examples(),
        ngrams(spec.context_len()),
        plural(words.len(), "word", "words"),
        vocab.len()
    );
    let mut training = Value::Null;
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
            // the trained weights' loss, measured: the data's NLL (what eval reports) plus
            // the regularization term
            let nll = evaluate(&*model, words)?.nll;
            let penalty = spec.penalty(&*model)?;
            eprintln!(
                "final loss {:.4} = nll {nll:.4} + regularization {penalty:.4} (of the trained weights; eval reports the nll)",
                nll + penalty
            );
            training = json!({ "steps": steps, "last_step_loss": last, "loss": nll + penalty, "nll": nll, "penalty": penalty });
            model
        }
    };
    let parts: Vec<(&str, Evaluation)> = match &splits {
        Some(splits) => {
            parts(splits).into_iter().map(|(n, p)| Ok((n, evaluate(&*model, p)?))).collect::<Result<_>>()?
        }
        None if args.json => vec![("all", evaluate(&*model, &all)?)],
        None => Vec::new(),
    };
    save_model(&*model, &args.out)?;
    eprintln!("saved {} model to {}", model.kind(), args.out.display());
    if args.json {
        Report {
            command: "train",
            input: &args.input,
            kind: spec.name(),
            context: spec.context_len(),
            settings: spec.settings(),
            file: Some(&args.out),
            split: args.split.json(),
            parts,
            training,
            tuning: Value::Null,
        }
        .print();
    } else {
        for (name, e) in &parts {
            part_text(name, e);
        }
    }
    Ok(())
}

fn parts(s: &Splits) -> [(&'static str, &WordList); 3] {
    [("train", &s.train), ("dev", &s.dev), ("test", &s.test)]
}

fn sample_words(args: SampleArgs) -> Result<()> {
    let model = load_model_file(&args.model, "sample")?;
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
        let verb = if cut == 1 { "was" } else { "were" };
        eprintln!("makemore: note: {cut} of the words reached {MAX_WORD_CHARS} characters and {verb} cut there");
    }
    Ok(())
}

/// What a model file records of its kind's settings (e.g. the smoothing), numbers as numbers.
fn file_settings(model: &dyn LanguageModel) -> Value {
    let meta = model.stored().meta;
    let map = meta.into_iter().map(|(k, v)| (k.to_string(), v.parse::<f64>().map_or_else(|_| json!(v), |x| json!(x))));
    Value::Object(map.collect())
}

fn eval(args: EvalArgs) -> Result<()> {
    let model = load_model_file(&args.model, "eval")?;
    let words = read_words(&args.input)?;
    let parts: Vec<(&str, Evaluation)> = match args.split.apply(&words)? {
        None => vec![("all", evaluate(&*model, &words)?)],
        Some(splits) => {
            parts(&splits).into_iter().map(|(n, p)| Ok((n, evaluate(&*model, p)?))).collect::<Result<_>>()?
        }
    };
    if args.json {
        Report {
            command: "eval",
            input: &args.input,
            kind: model.kind(),
            context: model.context_len(),
            settings: file_settings(&*model),
            file: Some(&args.model),
            split: args.split.json(),
            parts,
            training: Value::Null,
            tuning: Value::Null,
        }
        .print();
    } else {
        for (name, e) in &parts {
            part_text(name, e);
        }
    }
    Ok(())
}

fn tune_values(args: TuneArgs, typed: &[String]) -> Result<()> {
    if let Some(plot) = &args.plot {
        check_output("--plot", plot, &args.input, "a plot")?;
        makemore::plot::check_figure_path(plot)?;
    }
    let spec = args.model.spec(typed)?;
    check_tune_values(&spec, &args.values).map_err(|e| ValueError(format!("invalid --values: {e}")))?;
    let words = read_words(&args.input)?;
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
    let chosen = t.rows[t.best].value;
    if args.json {
        let rows: Vec<Value> = t
            .rows
            .iter()
            .map(|r| {
                let finite = |x: f64| if x.is_finite() { json!(x) } else { Value::Null };
                json!({ "value": r.value, "train_nll": finite(r.train), "dev_nll": finite(r.dev) })
            })
            .collect();
        Report {
            command: "tune",
            input: &args.input,
            kind: spec.name(),
            context: spec.context_len(),
            settings: spec.clone().with_tuned(chosen).settings(),
            file: None,
            split: split_json(args.split, args.split_seed),
            parts: ["train", "dev", "test"].into_iter().zip(t.chosen).collect(),
            training: Value::Null,
            tuning: json!({ "tuned": what, "values": rows, "chosen": chosen }),
        }
        .print();
    } else {
        println!("{what:>14}  {:>10}  {:>10}", "train nll", "dev nll");
        for (i, row) in t.rows.iter().enumerate() {
            let mark = if i == t.best { "  <- lowest dev loss" } else { "" };
            println!("{:>14}  {:>10.5}  {:>10.5}{mark}", row.value, row.train, row.dev);
        }
        println!("chosen {what} {chosen}: test nll {:.5}", t.test);
    }
    if let Some(plot) = &args.plot {
        Figure::tuning(&t)?.save(plot)?;
        eprintln!("wrote {}", plot.display());
    }
    Ok(())
}

fn heatmap(args: HeatmapArgs) -> Result<()> {
    check_output("--out", &args.out, &args.input, "a figure")?;
    args.figure.check(&args.out)?;
    let words = read_words(&args.input)?;
    let title = args.input.file_name().map_or_else(|| args.input.display().to_string(), |n| n.to_string_lossy().into());
    args.figure.draw(&words, &args.out, &title)?;
    eprintln!("wrote {}", args.out.display());
    Ok(())
}
