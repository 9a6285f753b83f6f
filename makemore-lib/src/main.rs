//! `makemore`: train, sample, evaluate, tune and draw character-level models of any word list.
//!
//! Each command parses its flags, calls the library, and prints. The CLI's own pieces (its
//! flags, error texts, output, progress) are in `cli/`; the model kinds' flags, defaults
//! and checks are the library's, through its registry.

mod cli;

use std::io::IsTerminal as _;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use makemore::{
    Evaluation, Figure, Fitting, LanguageModel, MAX_WORD_CHARS, ModelSpec, Splits, Vocab, WordList, check_tune_values,
    check_writable, evaluate, fit, fit_run, load_model, not_the_input, sample, sample_fast, save_with_training,
    tune_with,
};
use serde_json::{Value, json};

use cli::args::{Command, EvalArgs, HeatmapArgs, RunArgs, SampleArgs, SplitArgs, TrainArgs, TuneArgs};
use cli::errors::{FlagError, Flags};
use cli::output::{PipeClosed, Report, part_text, plural, print, shown};
use cli::progress::Progress;

fn main() -> ExitCode {
    // A bug must still end in one line, not a backtrace.
    std::panic::set_hook(Box::new(|info| {
        eprintln!("makemore: internal error: {info}");
    }));
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let (cli, typed, flags) = match cli::args::parse(args.iter().cloned()) {
        Ok(parsed) => parsed,
        Err(e) => return cli::args::clap_error(e, &args),
    };
    let result = match cli.command {
        Command::Train(args) => train(args, &typed, &flags),
        Command::Sample(args) => sample_words(args),
        Command::Eval(args) => eval(args),
        Command::Tune(args) => tune_values(args, &typed, &flags),
        Command::Heatmap(args) => heatmap(args),
        Command::Run(args) => run_makemore_py(args),
    };
    cli::errors::exit(result.map_err(|e| flags.name_flag(e)))
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

fn split_json(split: makemore::Split, seed: u64) -> Value {
    json!({ "percent": split.percent, "seed": seed })
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

/// The output checks of a file written from `input`: not `-` (stdout is for results),
/// writable, not the input.
fn check_output(flag: &str, out: &Path, input: &Path, what: &str) -> Result<()> {
    if out == Path::new("-") {
        return Err(FlagError(format!("invalid {flag} '-': {what} is written to a file; give a file name")).into());
    }
    check_writable(out)?;
    if input != Path::new("-") {
        not_the_input(flag, out, input)?;
    }
    Ok(())
}

/// Load the model file of `--model`; a kind's name in its place gets a hint.
fn load_model_file(path: &Path, command: &str) -> Result<Box<dyn LanguageModel>> {
    let name = shown(path);
    if !path.exists() && ModelSpec::named(&name).is_ok() {
        return Err(FlagError(format!(
            "invalid --model '{name}': '{name}' is a model kind; {command} reads a model file written by \
             `makemore train --out FILE`"
        ))
        .into());
    }
    Ok(load_model(path)?)
}

fn train(args: TrainArgs, typed: &[String], flags: &Flags) -> Result<()> {
    check_output("--out", &args.out, &args.input, "a model")?;
    let spec = args.model.spec(typed, flags)?;
    let eval_every = args.eval_every.map(|k| k as usize);
    if eval_every.is_some() && !spec.evaluates() {
        let why = if spec.steps().is_some() { "it trains on all examples at once" } else { "it is not trained" };
        return Err(FlagError(format!("--eval-every does not apply to --model {} ({why})", spec.name())).into());
    }
    // with evaluation, the first Ctrl-C stops training and the best model so far is saved
    let stop = match eval_every {
        Some(_) => Some(cli::interrupt::keep_the_best_on_sigint()),
        None => {
            cli::interrupt::say_what_was_kept();
            None
        }
    };
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
            let (mut last, mut done) = (f32::NAN, 0);
            let mut best: Option<(usize, f32)> = None;
            let mut progress = Progress::new(steps, "", true);
            let mut on_step = |k: usize, loss: f32| {
                progress.step(k, loss);
                (last, done) = (loss, k + 1);
            };
            let mut on_eval = |steps_done: usize, loss: f32, is_best: bool| {
                let mark = if is_best { "  (the best so far: kept)" } else { "" };
                eprintln!("after {steps_done} steps: dev loss {loss:.4}{mark}");
                if is_best {
                    best = Some((steps_done, loss));
                }
            };
            let dev = splits.as_ref().map(|s| &s.dev);
            let mut fitting = Fitting { on_step: &mut on_step, eval: eval_every.zip(dev), on_eval: &mut on_eval, stop };
            let model = fit_run(&spec, words, &vocab, &mut fitting)?;
            progress.finish();
            if stop.is_some_and(|s| s.load(std::sync::atomic::Ordering::Relaxed)) {
                let Some((at, loss)) = best else {
                    eprintln!("makemore: interrupted at step {done} of {steps}: nothing saved (no evaluation yet)");
                    std::process::exit(130);
                };
                save_with_training(&*model, &args.out, &json!({ "interrupted_at": done, "kept": at }))?;
                eprintln!(
                    "makemore: interrupted at step {done} of {steps}: saved the best model so far (after {at} steps, \
                     dev loss {loss:.4}) to {}",
                    shown(&args.out)
                );
                std::process::exit(130);
            }
            // the trained weights' loss, measured: the data's NLL (what eval reports) plus
            // the regularization term, for kinds that have one
            let nll = evaluate(&*model, words)?.nll;
            let penalty = spec.penalty(&*model)?;
            match penalty {
                Some(p) => eprintln!(
                    "final loss {:.4} = nll {nll:.4} + regularization {p:.4} (of the trained weights; eval reports the nll)",
                    nll + p
                ),
                None => eprintln!("final loss {nll:.4} (the nll of the trained weights, as eval reports it)"),
            }
            let params = model.parameter_count();
            if let Some(n) = params {
                eprintln!("model #params: {n}");
            }
            let loss = nll + penalty.unwrap_or(0.0);
            training = json!({ "steps": steps, "last_step_loss": last, "loss": loss, "nll": nll, "penalty": penalty, "params": params });
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
    // how it was trained, in the file: the kind's training settings and the split
    let mut recorded = serde_json::Map::new();
    if let Some(t) = spec.training() {
        let settings = [
            ("steps", t.steps.map(|x| json!(x))),
            ("lr", t.lr.map(|x| json!(x))),
            ("batch", t.batch.map(|x| json!(x))),
            ("seed", t.seed.map(|x| json!(x))),
            ("decay_at", t.decay_at.map(|x| json!(x))),
        ];
        recorded.extend(settings.into_iter().filter_map(|(k, v)| Some((k.to_string(), v?))));
    }
    recorded.insert("split".into(), args.split.json());
    save_with_training(&*model, &args.out, &Value::Object(recorded))?;
    eprintln!("saved {} model to {}", model.kind(), shown(&args.out));
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
        .print()?;
    } else {
        for (name, e) in &parts {
            part_text(name, e)?;
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
        if model.context_len() != 1 {
            return Err(FlagError(format!(
                "--fast is for bigram models (context 1); this model's context is {}",
                model.context_len()
            ))
            .into());
        }
        sample_fast(&*model, args.num as usize, args.seed)?
    } else {
        sample(&*model, args.num as usize, args.seed)?
    };
    for word in &words {
        print(word)?;
    }
    let cut = words.iter().filter(|w| w.chars().count() == MAX_WORD_CHARS).count();
    if cut > 0 {
        let verb = if cut == 1 { "was" } else { "were" };
        eprintln!("makemore: note: {cut} of the words reached {MAX_WORD_CHARS} characters and {verb} cut there");
    }
    Ok(())
}

/// What a model file records of its kind's settings (e.g. the smoothing), each a number of
/// the type the kind's settings have (an integer where the kind's is one).
fn file_settings(model: &dyn LanguageModel) -> Result<Value> {
    let defaults = ModelSpec::named(model.kind()).map(|s| s.settings()).unwrap_or_default();
    let value = |key: &str, text: String| {
        let integer = defaults.get(key).is_some_and(|d| d.is_i64() || d.is_u64());
        let boolean = defaults.get(key).is_some_and(Value::is_boolean);
        match (integer, text.parse::<i64>(), text.parse::<f64>()) {
            _ if boolean && (text == "true" || text == "false") => json!(text == "true"),
            (true, Ok(n), _) => json!(n),
            (_, _, Ok(x)) => json!(x),
            _ => json!(text),
        }
    };
    Ok(Value::Object(model.stored()?.meta.into_iter().map(|(k, v)| (k.to_string(), value(k, v))).collect()))
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
            settings: file_settings(&*model)?,
            file: Some(&args.model),
            split: args.split.json(),
            parts,
            training: Value::Null,
            tuning: Value::Null,
        }
        .print()?;
    } else {
        for (name, e) in &parts {
            part_text(name, e)?;
        }
    }
    Ok(())
}

fn tune_values(args: TuneArgs, typed: &[String], flags: &Flags) -> Result<()> {
    if let Some(plot) = &args.plot {
        check_output("--plot", plot, &args.input, "a plot")?;
        makemore::plot::check_figure_path(plot)?;
    }
    let spec = args.model.spec(typed, flags)?;
    let what = spec.tuned();
    // the flag of what tune varies is --values
    if let Some(flag) = flags.flag_of(what).filter(|f| typed.iter().any(|t| format!("--{t}") == *f)) {
        return Err(FlagError(format!(
            "{flag} is what tune varies for --model {}: give the values to try with --values",
            spec.name()
        ))
        .into());
    }
    check_tune_values(&spec, &args.values).map_err(|e| FlagError(format!("invalid --values: {e}")))?;
    cli::interrupt::say_what_was_kept();
    let words = read_words(&args.input)?;
    let vocab = Vocab::from_words(&words)?;
    let splits = args.split.apply(&words, args.split_seed)?;
    eprintln!(
        "tuning the {what} on {}/{}/{} train/dev/test words",
        splits.train.len(),
        splits.dev.len(),
        splits.test.len()
    );
    let n = args.values.len();
    let mut progress: Option<(usize, Progress)> = None;
    let t = tune_with(&splits, &vocab, &spec, &args.values, |i, k, loss| {
        if progress.as_ref().is_none_or(|(j, _)| *j != i) {
            if let Some((_, p)) = progress.take() {
                p.finish();
            }
            // a line per value, and a bar while it trains (on a terminal)
            let label = format!("{what} {} ({}/{n}) ", args.values[i], i + 1);
            eprintln!("training with {}", label.trim_end());
            progress = Some((i, Progress::new(spec.steps().unwrap_or(0), &label, false)));
        }
        if let Some((_, p)) = progress.as_mut() {
            p.step(k, loss);
        }
    })?;
    if let Some((_, p)) = progress.take() {
        p.finish();
    }
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
        .print()?;
    } else {
        print(format_args!("{what:>14}  {:>10}  {:>10}", "train nll", "dev nll"))?;
        for (i, row) in t.rows.iter().enumerate() {
            let mark = match () {
                _ if i == t.best => "  <- lowest dev loss",
                _ if row.dev.is_nan() => "  (training diverged)",
                _ => "",
            };
            print(format_args!("{:>14}  {:>10.5}  {:>10.5}{mark}", row.value, row.train, row.dev))?;
        }
        print(format_args!("chosen {what} {chosen}: test nll {:.5}", t.test))?;
    }
    if let Some(plot) = &args.plot {
        Figure::tuning(&t)?.save(plot)?;
        eprintln!("wrote {}", shown(plot));
    }
    Ok(())
}

/// `makemore run`: makemore.py's run, its lines on stdout; the first Ctrl-C stops
/// training at the next step, the best model so far already in the work directory.
fn run_makemore_py(args: RunArgs) -> Result<()> {
    let cfg = makemore::zoo::RunConfig {
        input_file: args.input_file,
        work_dir: args.work_dir,
        resume: args.resume,
        sample_only: args.sample_only,
        num_workers: args.num_workers,
        max_steps: args.max_steps,
        device: args.device,
        seed: args.seed,
        top_k: args.top_k,
        kind: args.kind,
        n_layer: args.n_layer.into(),
        n_head: args.n_head.into(),
        n_embd: args.n_embd.into(),
        n_embd2: args.n_embd2.into(),
        batch_size: args.batch_size as usize,
        learning_rate: args.learning_rate,
        weight_decay: args.weight_decay,
        threads: args.threads.map(i32::from),
        fast: args.fast,
    };
    let stop = cli::interrupt::keep_the_best_on_sigint();
    // a bar on stderr when it is a terminal and the run has an end (--max-steps): the lines
    // on stdout are written above it
    let mut progress = (cfg.max_steps > 0 && !cfg.sample_only).then(|| Progress::bar_only(cfg.max_steps as usize));
    let mut out = Stdout::new(progress.as_ref().map(Progress::bar));
    let mut on_step = |k: usize, loss: f32| {
        if let Some(p) = progress.as_mut() {
            p.step(k, loss)
        }
    };
    let end = makemore::zoo::run_with(&cfg, &mut out, Some(stop), &mut on_step);
    if let Some(p) = progress {
        p.finish();
    }
    let end = match end {
        Err(_) if out.closed => return Err(PipeClosed.into()),
        end => end?,
    };
    if end.interrupted {
        let steps = end.steps;
        match end.best {
            Some((at, loss)) => eprintln!(
                "makemore: interrupted after {steps} steps: the best model so far (step {at}, test loss {loss:.4}) is in {}",
                cfg.model_path().display()
            ),
            None => eprintln!(
                "makemore: interrupted after {steps} steps: nothing saved by this run (the first evaluation is at step 500){}",
                if cfg.resume { "; the model it resumed from is unchanged" } else { "" }
            ),
        }
        std::process::exit(130);
    }
    Ok(())
}

/// Standard output for `run`, which remembers whether its reader closed it (`makemore run |
/// head`: a quiet stop, as for every command).
struct Stdout {
    closed: bool,
    /// The progress bar, when stdout and stderr are the same terminal: whole lines are
    /// written with the bar hidden, so that it stays under them.
    bar: Option<indicatif::ProgressBar>,
    /// What came after the last whole line (while there is a bar).
    pending: Vec<u8>,
}

impl Stdout {
    fn new(bar: Option<indicatif::ProgressBar>) -> Stdout {
        let bar = bar.filter(|_| std::io::stdout().is_terminal());
        Stdout { closed: false, bar, pending: Vec::new() }
    }

    fn written<T>(&mut self, result: std::io::Result<T>) -> std::io::Result<T> {
        self.closed |= matches!(&result, Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe);
        result
    }
}

impl std::io::Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let Some(bar) = self.bar.clone().filter(|b| !b.is_hidden()) else {
            let result = std::io::stdout().write(buf);
            return self.written(result);
        };
        self.pending.extend_from_slice(buf);
        if let Some(end) = self.pending.iter().rposition(|&b| b == b'\n') {
            let lines: Vec<u8> = self.pending.drain(..=end).collect();
            let result = bar.suspend(|| {
                let mut out = std::io::stdout().lock();
                out.write_all(&lines).and_then(|()| out.flush())
            });
            self.written(result)?;
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        let rest = std::mem::take(&mut self.pending);
        let result = std::io::stdout().write_all(&rest).and_then(|()| std::io::stdout().flush());
        self.written(result)
    }
}

fn heatmap(args: HeatmapArgs) -> Result<()> {
    check_output("--out", &args.out, &args.input, "a figure")?;
    args.figure.check(&args.out)?;
    let words = read_words(&args.input)?;
    let title = args.input.file_name().map_or_else(|| shown(&args.input), |n| n.to_string_lossy().into());
    args.figure.draw(&words, &args.out, &title)?;
    eprintln!("wrote {}", shown(&args.out));
    Ok(())
}
