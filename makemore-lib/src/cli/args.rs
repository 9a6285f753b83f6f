//! The flags of each command (clap's derive). The model kinds' flags are the library's
//! [`KindFlags`] (the registry writes one group per kind, under the kind's heading), and
//! one training group ([`TrainingArgs`]) lies over every trained kind's own defaults, which
//! its help lists from the registry ([`command`]).

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::parser::ValueSource;
use clap::{ArgMatches, CommandFactory, FromArgMatches, Parser, Subcommand};
use makemore::{
    BigramFigure, KindFlags, MAX_CONTEXT, MAX_EMBEDDING, MAX_HIDDEN, ModelSpec, Sizes, Split, Training, parse_seed,
};

use crate::cli::errors::{FlagError, Flags, flag_list};

/// Make more of whatever word list you give it: character-level language models from
/// Karpathy's makemore lectures (bigram counts and a one-layer network, and their n-gram
/// extensions; the MLP of lecture 2, and with --batchnorm lecture 3's; lecture 5's WaveNet),
/// and karpathy/makemore's six model types (`makemore run`), on libtorch.
#[derive(Parser)]
#[command(name = "makemore", version)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Train a model on a word list (one word per line, UTF-8) and save it.
    Train(TrainArgs),
    /// Print words sampled from a trained model, one per line.
    Sample(SampleArgs),
    /// Average negative log likelihood of a word list under a trained model.
    Eval(EvalArgs),
    /// Try several values of what a kind tunes (see --values) on a dev split, pick the
    /// lowest dev loss, and report its test loss.
    Tune(TuneArgs),
    /// Draw the bigram count matrix of a word list as the lecture's heatmap
    /// (or its probabilities, or one row as a bar chart).
    Heatmap(HeatmapArgs),
    /// karpathy/makemore's `python makemore.py ...` with the same flags, defaults, numbers
    /// and output: `makemore run -i names.txt -o names --type mlp`.
    Run(RunArgs),
}

/// makemore.py's flags, its help texts and defaults (`run` is the one word more).
#[derive(clap::Args)]
pub struct RunArgs {
    /// input file with things one per line
    #[arg(long, short = 'i', default_value = "names.txt")]
    pub input_file: PathBuf,
    /// output working directory (the best model is kept there as model.safetensors)
    #[arg(long, short = 'o', default_value = "out")]
    pub work_dir: PathBuf,
    /// when this flag is used, we will resume optimization from existing model in the workdir
    #[arg(long)]
    pub resume: bool,
    /// just sample from the model and quit, don't train
    #[arg(long)]
    pub sample_only: bool,
    /// number of data workers for both train/test: accepted and ignored (the batches are
    /// the same with any number; there are no worker processes here)
    #[arg(long, short = 'n', default_value_t = 4, allow_negative_numbers = true)]
    pub num_workers: i64,
    /// max number of optimization steps to run for, or -1 for infinite.
    #[arg(long, default_value_t = -1, allow_negative_numbers = true,
          value_parser = clap::value_parser!(i64).range(-1..))]
    pub max_steps: i64,
    /// device to use for compute, examples: cpu|cuda|cuda:2 (cuda where libtorch sees a GPU;
    /// untested, our machines have none)
    #[arg(long, default_value = "cpu")]
    pub device: String,
    /// seed
    #[arg(long, default_value_t = 3407, value_parser = run_seed, allow_negative_numbers = true)]
    pub seed: u64,
    /// top-k for sampling, -1 means no top-k
    #[arg(long, default_value_t = -1, allow_negative_numbers = true,
          value_parser = clap::value_parser!(i64).range(-1..))]
    pub top_k: i64,
    // makemore.py's help, "model class type to use, bigram|mlp|rnn|gru|bow|transformer", with
    // the names of the registry (zoo::REGISTRY)
    #[arg(long = "type", default_value = "transformer", value_name = "TYPE",
          help = format!("model class type to use, {}", makemore::zoo::type_names().join("|")),
          value_parser = clap::builder::PossibleValuesParser::new(makemore::zoo::type_names()))]
    pub kind: String,
    /// number of layers
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64),
          allow_negative_numbers = true)]
    pub n_layer: u16,
    /// number of heads (in a transformer)
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=4096),
          allow_negative_numbers = true)]
    pub n_head: u16,
    /// number of feature channels in the model
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u16).range(1..=4096),
          allow_negative_numbers = true)]
    pub n_embd: u16,
    /// number of feature channels elsewhere in the model
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u16).range(1..=4096),
          allow_negative_numbers = true)]
    pub n_embd2: u16,
    /// batch size during optimization
    #[arg(long, short = 'b', default_value_t = 32, value_parser = clap::value_parser!(u32).range(1..=65536),
          allow_negative_numbers = true)]
    pub batch_size: u32,
    /// learning rate
    #[arg(long, short = 'l', default_value_t = 5e-4, value_parser = finite_at_least_zero,
          allow_negative_numbers = true)]
    pub learning_rate: f64,
    /// weight decay
    #[arg(long, short = 'w', default_value_t = 0.01, value_parser = finite_at_least_zero,
          allow_negative_numbers = true)]
    pub weight_decay: f64,
    /// libtorch threads (ours, not makemore.py's) [default: one per core for mlp and
    /// transformer, as makemore.py computes; one for the other types, which a second thread
    /// does not speed up]
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1024), allow_negative_numbers = true)]
    pub threads: Option<u16>,
    /// the Transformer on fused kernels (ours, not makemore.py's): libtorch's
    /// scaled_dot_product_attention and its tanh GELU, 1.25 to 1.6 times faster; the same model
    /// and file, but its losses leave makemore.py's in the last digits (README, "Fast")
    #[arg(long)]
    pub fast: bool,
}

/// `makemore run`'s seed: what `torch.manual_seed` takes from makemore.py, 0 to 2^64 - 1.
fn run_seed(s: &str) -> Result<u64, String> {
    s.parse::<u64>().map_err(|_| format!("'{s}' is not a seed (a whole number from 0 to {})", u64::MAX))
}

/// A finite number, 0 or more (a learning rate, a weight decay).
fn finite_at_least_zero(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(x) if x.is_finite() && x >= 0.0 => Ok(x),
        _ => Err(format!("'{s}' is not a finite number of 0 or more")),
    }
}

/// Which model: its kind and context (train and tune), the training group, and every
/// kind's flags. (Last in a command: the kinds' headings hold every flag after them.)
#[derive(clap::Args)]
pub struct ModelArgs {
    /// Which kind of model (`--type` is the same flag; karpathy/makemore's model types train
    /// with `makemore run --type`).
    #[arg(long, visible_alias = "type", value_name = "KIND",
          value_parser = clap::builder::PossibleValuesParser::new(ModelSpec::NAMES.iter().copied()))]
    model: String,
    /// How many previous characters predict the next (1: bigram, 2: trigram, ...);
    /// by default the kind's own.
    #[arg(long, allow_negative_numbers = true,
          value_parser = clap::value_parser!(u16).range(1..=MAX_CONTEXT as i64))]
    context: Option<u16>,
    #[command(flatten, next_help_heading = "Network sizes (the kinds with layers; each has its own defaults)")]
    sizes: SizeArgs,
    #[command(flatten, next_help_heading = "Training (the kinds that train; each has its own defaults)")]
    training: TrainingArgs,
    #[command(flatten)]
    kinds: KindFlags,
}

/// The settings of every trained kind: what is typed lies over the kind's defaults, and
/// the kind checks the result (its ranges are its own).
#[derive(clap::Args)]
pub struct TrainingArgs {
    /// Training steps.
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    steps: Option<usize>,
    /// The learning rate (of the steps before --decay-at, where the learning rate decays).
    #[arg(long, value_name = "F", allow_negative_numbers = true)]
    lr: Option<f64>,
    /// Examples per minibatch.
    #[arg(long, value_name = "B", allow_negative_numbers = true)]
    batch: Option<usize>,
    /// Seed of the initial parameters (and then of the minibatches).
    #[arg(long, value_name = "S", value_parser = parse_seed, allow_negative_numbers = true)]
    seed: Option<i64>,
    /// The step from which the learning rate is a tenth of --lr (up to --steps, which
    /// keeps it constant).
    #[arg(long = "decay-at", value_name = "STEP", allow_negative_numbers = true)]
    decay_at: Option<usize>,
}

/// The sizes of every kind with layers: what is typed lies over the kind's defaults, and the
/// kind checks the result.
#[derive(clap::Args)]
pub struct SizeArgs {
    /// The length of each character's learned vector (1 to 4096).
    #[arg(long, value_name = "E", allow_negative_numbers = true,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=MAX_EMBEDDING as u64))]
    embedding: Option<usize>,
    /// The number of tanh units in each hidden layer (1 to 65536).
    #[arg(long, value_name = "H", allow_negative_numbers = true,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=MAX_HIDDEN as u64))]
    hidden: Option<usize>,
}

impl SizeArgs {
    fn sizes(&self) -> Sizes {
        Sizes { embedding: self.embedding, hidden: self.hidden }
    }
}

/// A setting's value in a kind's `T` ([`Training`] or [`Sizes`]), as help shows it (None:
/// the kind has no such setting).
type Setting<T> = fn(&T) -> Option<String>;

/// The sizes group's flags, each with its size in [`Sizes`].
const SIZE_FLAGS: [(&str, Setting<Sizes>); 2] =
    [("embedding", |s| s.embedding.map(|x| x.to_string())), ("hidden", |s| s.hidden.map(|x| x.to_string()))];

/// The training group's flags, each with its setting in [`Training`].
const TRAINING_FLAGS: [(&str, Setting<Training>); 5] = [
    ("steps", |t| t.steps.map(|x| x.to_string())),
    ("lr", |t| t.lr.map(|x| x.to_string())),
    ("batch", |t| t.batch.map(|x| x.to_string())),
    ("seed", |t| t.seed.map(|x| x.to_string())),
    ("decay-at", |t| t.decay_at.map(|x| x.to_string())),
];

impl TrainingArgs {
    fn settings(&self) -> Training {
        Training { steps: self.steps, lr: self.lr, batch: self.batch, seed: self.seed, decay_at: self.decay_at }
    }
}

impl ModelArgs {
    /// The spec of the kind asked for, the training group laid over its own settings;
    /// `typed` are the long flags on the command line, refused when they belong to another
    /// kind or are training settings this kind does not have. Checked before any work.
    pub fn spec(&self, typed: &[String], flags: &Flags) -> Result<ModelSpec> {
        let spec = self.kinds.spec(&self.model)?;
        refuse_other_kinds_flags(&spec, typed)?;
        refuse_lacking(&spec, typed, &SIZE_FLAGS, spec.sizes(), "it has no layers", "its sizes are")?;
        refuse_lacking(
            &spec,
            typed,
            &TRAINING_FLAGS,
            spec.training(),
            "it is not trained",
            "its training settings are",
        )?;
        let spec = spec.with_sizes(&self.sizes.sizes());
        let spec = spec.with_training(&self.training.settings());
        let spec = match self.context {
            Some(n) => spec.with_context_len(n as usize),
            None => spec,
        };
        spec.validate().map_err(|e| flags.name_flag(e.into()))?;
        Ok(spec)
    }
}

/// Refuse the flags of a shared group (`table`) typed for a kind that lacks their setting in
/// its `own` values (None: it has none of the group's).
fn refuse_lacking<T>(
    spec: &ModelSpec,
    typed: &[String],
    table: &[(&str, Setting<T>)],
    own: Option<T>,
    has_none: &str,
    has: &str,
) -> Result<()> {
    let lacking: Vec<String> = table
        .iter()
        .filter(|(flag, setting)| typed.iter().any(|t| t == flag) && own.as_ref().and_then(setting).is_none())
        .map(|(flag, _)| flag.to_string())
        .collect();
    if lacking.is_empty() {
        return Ok(());
    }
    let (list, verb) = flag_list(&lacking, "does", "do");
    let what = match &own {
        None => has_none.to_string(),
        Some(t) => {
            let flags: Vec<String> = table.iter().filter(|(_, s)| s(t).is_some()).map(|(f, _)| f.to_string()).collect();
            format!("{has} {}", flag_list(&flags, "", "").0)
        }
    };
    Err(FlagError(format!("{list} {verb} not apply to --model {} ({what})", spec.name())).into())
}

/// Refuse the flags of other kinds' groups that `spec`'s kind does not have.
fn refuse_other_kinds_flags(spec: &ModelSpec, typed: &[String]) -> Result<()> {
    let own = spec.flags();
    for name in ModelSpec::NAMES.iter().filter(|&&n| n != spec.name()) {
        let other: Vec<String> = ModelSpec::named(name)?.flags().into_iter().filter(|f| !own.contains(f)).collect();
        let given: Vec<String> = typed.iter().filter(|t| other.contains(t)).cloned().collect();
        if !given.is_empty() {
            let (list, verb) = flag_list(&given, "applies", "apply");
            return Err(FlagError(format!("{list} {verb} to --model {name} only")).into());
        }
    }
    Ok(())
}

/// Splitting the words into train/dev/test (exercise E02).
#[derive(clap::Args, Clone)]
pub struct SplitArgs {
    /// Split the words into train/dev/test percentages, e.g. 80/10/10 (shuffled with
    /// --split-seed), and report the loss of each part. train fits on the train part only;
    /// eval scores the same three parts as a train with the same percentages and seed.
    #[arg(long)]
    pub split: Option<Split>,
    /// Seed for shuffling the words before splitting.
    #[arg(long, default_value_t = Split::DEFAULT_SEED, requires = "split", allow_negative_numbers = true,
          value_parser = split_seed)]
    pub split_seed: u64,
}

/// A `--split-seed`: 0 to 2^64 - 1, as CPython's `random.seed` takes it here.
fn split_seed(s: &str) -> std::result::Result<u64, String> {
    s.parse::<u64>().map_err(|_| format!("'{s}' is not a seed (a whole number from 0 to {})", u64::MAX))
}

#[derive(clap::Args)]
pub struct TrainArgs {
    /// Word list to train on (`-`: standard input).
    #[arg(long)]
    pub input: PathBuf,
    /// Where to write the model (safetensors: a file, not `-`).
    #[arg(long)]
    pub out: PathBuf,
    #[command(flatten)]
    pub split: SplitArgs,
    /// Evaluate on the dev words every STEPS steps (and at the last step) and keep the model
    /// with the lowest dev loss, as karpathy/makemore does; Ctrl-C then saves the best so far.
    /// Needs --split; networks trained on minibatches only.
    #[arg(long, value_name = "STEPS", requires = "split", allow_negative_numbers = true,
          value_parser = clap::value_parser!(u64).range(1..=makemore::MAX_STEPS as u64))]
    pub eval_every: Option<u64>,
    /// Print one JSON object (the shape the README describes) instead of text.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub model: ModelArgs,
}

#[derive(clap::Args)]
pub struct SampleArgs {
    /// A model file written by `makemore train --out FILE`.
    #[arg(long, value_name = "FILE")]
    pub model: PathBuf,
    /// How many words to make.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=1_000_000),
          allow_negative_numbers = true)]
    pub num: u32,
    /// Seed for the sampler: by default lecture 1's, 2147483647 (lecture 2 samples with
    /// 2147483647 + 10, `--seed 2147483657`).
    #[arg(long, default_value_t = makemore::LECTURE_SEED, value_parser = parse_seed, allow_negative_numbers = true)]
    pub seed: i64,
    /// Make all words at once (one draw per position for every word): much faster for
    /// thousands of words, same distribution, but not the lecture's words for the seed.
    /// Bigram models (context 1) only.
    #[arg(long)]
    pub fast: bool,
}

#[derive(clap::Args)]
pub struct EvalArgs {
    /// A model file written by `makemore train --out FILE`.
    #[arg(long, value_name = "FILE")]
    pub model: PathBuf,
    /// Word list to score (`-`: standard input).
    #[arg(long)]
    pub input: PathBuf,
    #[command(flatten)]
    pub split: SplitArgs,
    /// Print one JSON object (the shape the README describes) instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args)]
pub struct TuneArgs {
    /// Word list to split and tune on (`-`: standard input).
    #[arg(long)]
    pub input: PathBuf,
    /// The values to try, comma-separated, of what the kind tunes. All are checked before
    /// tuning.
    #[arg(long, value_delimiter = ',', required = true, allow_negative_numbers = true)]
    pub values: Vec<f64>,
    /// Train/dev/test percentages.
    #[arg(long, default_value_t = Split::DEFAULT)]
    pub split: Split,
    /// Seed for shuffling the words before splitting.
    #[arg(long, default_value_t = Split::DEFAULT_SEED, allow_negative_numbers = true, value_parser = split_seed)]
    pub split_seed: u64,
    /// Also draw train and dev loss against the tuned value: FILE.svg or FILE.png.
    #[arg(long)]
    pub plot: Option<PathBuf>,
    /// Print one JSON object (the shape the README describes) instead of text.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub model: ModelArgs,
}

#[derive(clap::Args)]
pub struct HeatmapArgs {
    /// Word list whose bigrams to count (`-`: standard input).
    #[arg(long)]
    pub input: PathBuf,
    /// Output figure: FILE.svg or FILE.png (SVG cells show a tooltip on hover), or FILE.html:
    /// the interactive explorer page (hover, rows, smoothing, NLL, sampling), self-contained,
    /// for vocabularies of at most 200 tokens.
    #[arg(long)]
    pub out: PathBuf,
    #[command(flatten)]
    pub figure: BigramFigure,
}

/// Every kind with its default spec, in registry order.
fn kinds() -> Vec<ModelSpec> {
    ModelSpec::NAMES.iter().filter_map(|n| ModelSpec::named(n).ok()).collect()
}

/// The parser, with the help texts that come from the registry: each training flag lists
/// the defaults of the kinds that have it, `--values` what each kind tunes, `--model` the
/// kinds.
pub fn command() -> clap::Command {
    let kinds = kinds();
    let with_training = |c: clap::Command| {
        let c = with_defaults(c, &kinds, &SIZE_FLAGS, ModelSpec::sizes, |_, _| false);
        // the decay's default is half of the steps, whatever they are
        let half = |flag: &str, t: &Training| flag == "decay-at" && t.decay_at == t.steps.map(|s| s / 2);
        with_defaults(c, &kinds, &TRAINING_FLAGS, ModelSpec::training, half)
    };
    let tuned: Vec<String> = kinds.iter().map(|k| format!("{}: the {}", k.name(), k.tuned())).collect();
    Cli::command().mut_subcommand("train", with_training).mut_subcommand("tune", |c| {
        with_training(c).mut_arg("values", |a| {
            let help = a.get_help().map(|h| h.to_string()).unwrap_or_default();
            a.help(format!("{help} [{}]", tuned.join("; ")))
        })
    })
}

/// Each flag of `table` with the defaults of the kinds that have its setting in its help,
/// e.g. "[mlp: 200, wavenet: 128]" (`half`: the setting is "half of --steps").
fn with_defaults<T>(
    c: clap::Command,
    kinds: &[ModelSpec],
    table: &[(&str, Setting<T>)],
    own: fn(&ModelSpec) -> Option<T>,
    half: impl Fn(&str, &T) -> bool,
) -> clap::Command {
    table.iter().fold(c, |c, (flag, setting)| {
        let defaults: Vec<String> = kinds
            .iter()
            .filter_map(|k| {
                let t = own(k)?;
                let value = if half(flag, &t) { "half of --steps".into() } else { setting(&t)? };
                Some(format!("{}: {value}", k.name()))
            })
            .collect();
        c.mut_arg(flag.replace('-', "_"), |a| {
            let help = a.get_help().map(|h| h.to_string()).unwrap_or_default();
            a.help(format!("{help} [{}]", defaults.join(", ")))
        })
    })
}

/// The parsed command line, the long flags typed (without `--`), and the flags of the
/// command (to name a flag in an error); or the parser's error.
pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<(Cli, Vec<String>, Flags), clap::Error> {
    let cmd = command();
    let matches = cmd.clone().try_get_matches_from(args)?;
    let cli = Cli::from_arg_matches(&matches)?;
    let (name, sub) = matches.subcommand().expect("a subcommand is required");
    let sub_cmd = cmd.find_subcommand(name).expect("the parsed subcommand");
    Ok((cli, typed(sub_cmd, sub), Flags::of(sub_cmd)))
}

/// The long flags typed on the command line (not defaults).
fn typed(cmd: &clap::Command, matches: &ArgMatches) -> Vec<String> {
    cmd.get_arguments()
        .filter(|a| matches.value_source(a.get_id().as_str()) == Some(ValueSource::CommandLine))
        .filter_map(|a| a.get_long().map(String::from))
        .collect()
}

/// The flag whose value in `args` is not UTF-8 though it is not a file name (clap's error
/// names none): `--flag VALUE` or `--flag=VALUE`; else "argument N".
pub fn not_utf8(args: &[OsString]) -> String {
    let cmd = command();
    let sub = args.get(1).and_then(|a| a.to_str()).and_then(|name| cmd.find_subcommand(name));
    let takes_path = |flag: &str| {
        let arg = sub.and_then(|c| c.get_arguments().find(|a| a.get_long() == flag.strip_prefix("--")));
        arg.is_some_and(|a| a.get_value_parser().type_id() == std::any::TypeId::of::<PathBuf>())
    };
    for (i, arg) in args.iter().enumerate().skip(1).filter(|(_, a)| a.to_str().is_none()) {
        let bytes = arg.as_encoded_bytes();
        let flag = if bytes.starts_with(b"--") {
            let name = bytes.split(|&b| b == b'=').next().unwrap_or_default();
            Some(String::from_utf8_lossy(name).into_owned())
        } else {
            args[i - 1].to_str().filter(|a| a.starts_with("--")).map(String::from)
        };
        match flag {
            Some(flag) if takes_path(&flag) => continue,
            Some(flag) => return flag,
            None => return format!("argument {i}"),
        }
    }
    "argument".into()
}

/// The argument parser's errors: a value that does not parse or is out of range is one
/// line naming the flag and what it takes; the rest (an unknown or missing flag, help)
/// as clap prints them. Exit code 2 (0 for help and version).
pub fn clap_error(e: clap::Error, args: &[OsString]) -> ExitCode {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if !matches!(e.kind(), ErrorKind::InvalidValue | ErrorKind::ValueValidation | ErrorKind::InvalidUtf8) {
        let _ = e.print();
        return ExitCode::from(e.exit_code() as u8);
    }
    let text = |kind| match e.get(kind) {
        Some(ContextValue::String(s)) => s.clone(),
        Some(ContextValue::Strings(v)) => v.join(", "),
        _ => String::new(),
    };
    if e.kind() == ErrorKind::InvalidUtf8 {
        // clap names no flag here
        let what = not_utf8(args);
        eprintln!("makemore: error: invalid {what}: not valid UTF-8 (only file names may have other bytes)");
        return ExitCode::from(2);
    }
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
    let hint = if flag != "--model" || ModelSpec::named(&value).is_ok() {
        String::new()
    } else if value.contains(['.', '/']) {
        " (train and tune take a model kind; `makemore sample` and `makemore eval` read model files)".into()
    } else if makemore::zoo::zoo_type(&value).is_some() {
        format!(" (makemore.py's --type {value} trains with `makemore run --type {value} -i FILE -o DIR`)")
    } else {
        String::new()
    };
    eprintln!("makemore: error: invalid {flag} '{value}': {why}{hint}");
    ExitCode::from(2)
}
