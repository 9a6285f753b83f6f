//! `makemore.py`'s `__main__`: seed, read and split the words, build the model, then train
//! it with AdamW, printing what makemore.py prints, evaluating every 500 steps (keeping the
//! best model in the work directory) and sampling every 200.

use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use tch::{Device, Kind, Reduction, Tensor};

use crate::error::{Error, Result};
use crate::nn::{AdamW, Optimizer, load_named, named_tensors};
use crate::zoo::loader::{TorchGenerator, TrainLoader, global_seed};
use crate::zoo::{Datasets, Init, ZooConfig, ZooModel};

/// Every flag of `makemore.py`, with its default, and two of ours (`threads`, `fast`).
#[derive(Debug, Clone, PartialEq)]
pub struct RunConfig {
    /// `--input-file/-i`: the words, one per line.
    pub input_file: PathBuf,
    /// `--work-dir/-o`: where the best model is kept (`model.safetensors`).
    pub work_dir: PathBuf,
    /// `--resume`: start from the work directory's model.
    pub resume: bool,
    /// `--sample-only`: print 50 samples of the work directory's model and stop.
    pub sample_only: bool,
    /// `--num-workers/-n`: accepted and ignored (the batches are the same).
    pub num_workers: i64,
    /// `--max-steps`: −1 for no end.
    pub max_steps: i64,
    /// `--device`: `cpu`, or `cuda` (`cuda:N`) where libtorch sees a CUDA device (untested:
    /// our machines have none).
    pub device: String,
    /// `--seed`.
    pub seed: u64,
    /// `--top-k`: −1 for none.
    pub top_k: i64,
    /// `--type`.
    pub kind: String,
    /// `--n-layer`.
    pub n_layer: usize,
    /// `--n-head`.
    pub n_head: usize,
    /// `--n-embd`.
    pub n_embd: usize,
    /// `--n-embd2`.
    pub n_embd2: usize,
    /// `--batch-size/-b`.
    pub batch_size: usize,
    /// `--learning-rate/-l`.
    pub learning_rate: f64,
    /// `--weight-decay/-w`.
    pub weight_decay: f64,
    /// `--threads` (ours, not makemore.py's): libtorch threads; None for the type's
    /// [`default_threads`](crate::zoo::default_threads).
    pub threads: Option<i32>,
    /// `--fast` (ours, not makemore.py's): the type's fused kernels ([`ZooModel::fuse`]),
    /// faster but not makemore.py's numbers bit for bit; only the Transformer has them.
    pub fast: bool,
}

impl Default for RunConfig {
    /// makemore.py's defaults.
    fn default() -> RunConfig {
        RunConfig {
            input_file: "names.txt".into(),
            work_dir: "out".into(),
            resume: false,
            sample_only: false,
            num_workers: 4,
            max_steps: -1,
            device: "cpu".into(),
            seed: 3407,
            top_k: -1,
            kind: "transformer".into(),
            n_layer: 4,
            n_head: 4,
            n_embd: 64,
            n_embd2: 64,
            batch_size: 32,
            learning_rate: 5e-4,
            weight_decay: 0.01,
            threads: None,
            fast: false,
        }
    }
}

impl RunConfig {
    /// `print(vars(args))`: the settings as a Python dict.
    pub fn python_dict(&self) -> String {
        let b = |x: bool| if x { "True" } else { "False" };
        format!(
            "{{'input_file': {}, 'work_dir': {}, 'resume': {}, 'sample_only': {}, 'num_workers': {}, \
             'max_steps': {}, 'device': {}, 'seed': {}, 'top_k': {}, 'type': {}, 'n_layer': {}, 'n_head': {}, \
             'n_embd': {}, 'n_embd2': {}, 'batch_size': {}, 'learning_rate': {}, 'weight_decay': {}}}",
            py_str(&self.input_file.to_string_lossy()),
            py_str(&self.work_dir.to_string_lossy()),
            b(self.resume),
            b(self.sample_only),
            self.num_workers,
            self.max_steps,
            py_str(&self.device),
            self.seed,
            self.top_k,
            py_str(&self.kind),
            self.n_layer,
            self.n_head,
            self.n_embd,
            self.n_embd2,
            self.batch_size,
            py_float(self.learning_rate),
            py_float(self.weight_decay),
        )
    }

    /// The model file in the work directory.
    pub fn model_path(&self) -> PathBuf {
        self.work_dir.join("model.safetensors")
    }
}

/// Python's `repr` of a str (quotes and backslashes escaped; enough for paths and names).
fn py_str(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') { '"' } else { '\'' };
    let mut out = String::from(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// Python's `repr` (and `str`, `f"{x}"`) of a float: the shortest digits that read back
/// to it, in positional notation from 1e-4 up to 1e16 (with at least one decimal) and in
/// scientific notation (`1e-05`, `1.5e+16`) outside.
///
/// ```
/// use makemore::zoo::py_float;
/// assert_eq!(py_float(2.1234567), "2.1234567");
/// assert_eq!(py_float(2.0), "2.0");
/// assert_eq!(py_float(0.0005), "0.0005");
/// assert_eq!(py_float(0.00001), "1e-05");
/// assert_eq!(py_float(1.5e16), "1.5e+16");
/// assert_eq!(py_float(2.3299999237060547), "2.3299999237060547");
/// ```
pub fn py_float(x: f64) -> String {
    if !x.is_finite() {
        return if x.is_nan() {
            "nan".into()
        } else if x > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        };
    }
    let sci = format!("{x:e}"); // shortest round-trip digits: "-2.1234567e0"
    let (mantissa, exp) = sci.split_once('e').expect("LowerExp has an exponent");
    let exp: i32 = exp.parse().expect("an integer exponent");
    let (sign, mantissa) = mantissa.strip_prefix('-').map_or(("", mantissa), |m| ("-", m));
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    if (-4..16).contains(&exp) {
        let point = exp + 1; // digits before the decimal point
        let (int, frac) = if point <= 0 {
            ("0".to_string(), format!("{}{digits}", "0".repeat(-point as usize)))
        } else if point as usize >= digits.len() {
            (format!("{digits}{}", "0".repeat(point as usize - digits.len())), String::new())
        } else {
            (digits[..point as usize].to_string(), digits[point as usize..].to_string())
        };
        let frac = if frac.is_empty() { "0".to_string() } else { frac };
        format!("{sign}{int}.{frac}")
    } else {
        let mantissa = if digits.len() > 1 { format!("{}.{}", &digits[..1], &digits[1..]) } else { digits };
        format!("{sign}{mantissa}e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs())
    }
}

/// The mean loss over (B, T) positions, those whose target is −1 left out:
/// `F.cross_entropy(logits.view(-1, V), targets.view(-1), ignore_index=-1)`.
fn loss_of(logits: &Tensor, targets: &Tensor) -> Result<Tensor> {
    let v = logits.size()[2];
    Ok(logits.f_view([-1, v])?.f_cross_entropy_loss::<Tensor>(
        &targets.f_view([-1])?,
        None,
        Reduction::Mean,
        -1,
        0.0,
    )?)
}

/// makemore.py's `evaluate(model, dataset, batch_size, max_batches)`: a shuffled
/// `DataLoader` (its two seeds from the global generator, then `randperm` from its own), the
/// loss of batches 0 to `max_batches`, and their float32 mean.
fn evaluate(
    model: &mut dyn ZooModel,
    data: &Datasets,
    words: &[String],
    batch: usize,
    max_batches: usize,
) -> Result<f64> {
    let _base_seed = global_seed()?;
    let order = TorchGenerator::new(global_seed()?).randperm(words.len());
    let (device, mut losses) = (device_of_model(model), Vec::new());
    for (i, ix) in order.chunks(batch).enumerate() {
        let (x, y) = on_device(data.batch(words, ix)?, device)?;
        let loss = tch::no_grad(|| -> Result<f64> { Ok(loss_of(&model.forward(&x)?, &y)?.f_double_value(&[])?) })?;
        losses.push(loss as f32);
        if i >= max_batches {
            break;
        }
    }
    Ok(Tensor::from_slice(&losses).f_mean(Kind::Float)?.f_double_value(&[])?)
}

/// makemore.py's `generate(model, idx, max_new_tokens, do_sample=True, top_k)`: each new
/// token drawn with `multinomial` from the softmax of the last position's logits, the
/// input cropped to the model's block size.
fn generate(model: &mut dyn ZooModel, num: usize, steps: usize, top_k: Option<i64>) -> Result<Tensor> {
    tch::no_grad(|| {
        let mut idx = Tensor::f_zeros([num as i64, 1], (Kind::Int64, device_of_model(model)))?;
        let block = model.block_size() as i64;
        for _ in 0..steps {
            let t = idx.size()[1];
            let cond = if t <= block { idx.shallow_clone() } else { idx.f_narrow(1, t - block, block)? };
            let mut logits = model.forward(&cond)?.f_select(1, -1)?;
            if let Some(k) = top_k {
                let (v, _) = logits.f_topk(k, -1, true, true)?;
                let kth = v.f_narrow(1, k - 1, 1)?;
                let _ = logits.f_masked_fill_(&logits.f_lt_tensor(&kth)?, f64::NEG_INFINITY)?;
            }
            let probs = logits.f_softmax(-1, Kind::Float)?;
            let next = probs.f_multinomial(1, false)?;
            idx = Tensor::f_cat(&[idx, next], 1)?;
        }
        Ok(idx.f_to_device(Device::Cpu)?)
    })
}

/// makemore.py's `print_samples(num)`: `num` words, grouped by whether they are training
/// words, test words or new.
fn print_samples(out: &mut dyn Write, model: &mut dyn ZooModel, data: &Datasets, num: usize, top_k: i64) -> Result<()> {
    let top_k = (top_k != -1).then_some(top_k);
    let rows = generate(model, num, data.block_size() - 1, top_k)?;
    let (mut train, mut test, mut new) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..num {
        let row = Vec::<i64>::try_from(&rows.f_get(i as i64)?)?;
        let row = &row[1..];
        let end = row.iter().position(|&t| t == 0).unwrap_or(row.len());
        let word = data.decode(&row[..end]);
        if data.in_train(&word) {
            train.push(word);
        } else if data.in_test(&word) {
            test.push(word);
        } else {
            new.push(word);
        }
    }
    let rule = "-".repeat(80);
    let mut text = format!("{rule}\n");
    for (list, desc) in [(train, "in train"), (test, "in test"), (new, "new")] {
        text += &format!("{} samples that are {desc}:\n", list.len());
        for word in list {
            text += &word;
            text.push('\n');
        }
    }
    writeln!(out, "{text}{rule}").map_err(write_error)
}

fn write_error(io: std::io::Error) -> Error {
    Error::Write { path: "<stdout>".into(), reason: io.to_string() }
}

/// makemore.py's run with `cfg`, printing what it prints to `out`, on `cfg.threads` libtorch
/// threads, by default the type's ([`default_threads`](crate::zoo::default_threads): one but
/// for the MLP and the Transformer). `stop` (set by Ctrl-C, say) ends the training after the current
/// step; the best model so far is already saved.
pub fn run(cfg: &RunConfig, out: &mut dyn Write, stop: Option<&AtomicBool>) -> Result<RunEnd> {
    run_with(cfg, out, stop, &mut |_, _| {})
}

/// [`run`], calling `on_step(step, loss)` after each training step (counting from 0): the
/// CLI's progress bar.
pub fn run_with(
    cfg: &RunConfig,
    out: &mut dyn Write,
    stop: Option<&AtomicBool>,
    on_step: &mut dyn FnMut(usize, f32),
) -> Result<RunEnd> {
    let threads = cfg.threads.unwrap_or_else(|| crate::zoo::default_threads(&cfg.kind));
    if !(1..=1024).contains(&threads) {
        return Err(invalid("threads", threads, "libtorch threads: from 1 to 1024"));
    }
    crate::on_threads(threads, || run_here(cfg, out, stop, on_step))
}

/// The device `--device` names: `cpu`, or `cuda` or `cuda:N` where libtorch sees that CUDA
/// device (makemore.py passes the name to `torch`).
fn device_named(name: &str) -> Result<Device> {
    if name == "cpu" {
        return Ok(Device::Cpu);
    }
    let index = match name.strip_prefix("cuda:") {
        _ if name == "cuda" => Some(0),
        Some(i) if !i.is_empty() && i.bytes().all(|b| b.is_ascii_digit()) => i.parse::<usize>().ok(),
        _ => None,
    };
    let Some(index) = index else {
        return Err(invalid("device", format!("{name:?}"), "cpu, cuda or cuda:N (N a GPU's number from 0)"));
    };
    if !load_libtorch_cuda() || !tch::Cuda::is_available() {
        return Err(invalid("device", name, "libtorch sees no CUDA device here; use --device cpu"));
    }
    let count = tch::Cuda::device_count().max(1) as usize;
    match index < count {
        true => Ok(Device::Cuda(index)),
        false => Err(invalid("device", name, &format!("libtorch sees CUDA devices cuda:0 to cuda:{}", count - 1))),
    }
}

/// Load libtorch's CUDA half (`libtorch_cuda.so`, from the rpath), which the linker leaves
/// out of the binary because no symbol of ours names it, so that libtorch registers its CUDA
/// kernels and `tch::Cuda::is_available` can say yes. False where it cannot be loaded (a
/// CPU-only libtorch). Loaded only for `--device cuda`: it is half a gigabyte.
fn load_libtorch_cuda() -> bool {
    // SAFETY: dlopen with a NUL-terminated name; the handle is kept open for the process.
    !unsafe { libc::dlopen(c"libtorch_cuda.so".as_ptr(), libc::RTLD_NOW | libc::RTLD_GLOBAL) }.is_null()
}

/// `model.to(device)`: the data of each parameter and buffer moved, the tensors the same
/// (as PyTorch's `param.data = param.data.to(device)`). On the CPU nothing moves.
fn to_device(model: &dyn ZooModel, device: Device) -> Result<()> {
    for (_, mut t) in named_tensors(model) {
        let moved = t.f_to_device(device)?;
        t.f_set_data(&moved)?;
    }
    Ok(())
}

/// The device a model's parameters are on.
fn device_of_model(model: &dyn ZooModel) -> Device {
    model.parameters().first().map_or(Device::Cpu, |(_, p)| p.device())
}

/// A batch (inputs, targets) on `device`.
fn on_device((x, y): (Tensor, Tensor), device: Device) -> Result<(Tensor, Tensor)> {
    Ok((x.f_to_device(device)?, y.f_to_device(device)?))
}

/// A flag's value that cannot be used: one line naming it (exit code 2 from the CLI).
fn invalid(flag: &str, value: impl std::fmt::Display, why: &str) -> Error {
    Error::Usage(format!("invalid --{flag} {value}: {why}"))
}

fn run_here(
    cfg: &RunConfig,
    out: &mut dyn Write,
    stop: Option<&AtomicBool>,
    on_step: &mut dyn FnMut(usize, f32),
) -> Result<RunEnd> {
    macro_rules! say {
        ($($arg:tt)*) => { writeln!(out, $($arg)*).map_err(write_error)? };
    }
    // everything that can fail on bad input comes before the first line is printed
    let device = device_named(&cfg.device)?;
    if cfg.input_file == std::path::Path::new("-") {
        return Err(Error::Usage(
            "makemore run reads its words from a file (-i FILE), as makemore.py does, not from standard input".into(),
        ));
    }
    tch::manual_seed(cfg.seed as i64);
    let data = Datasets::read(&cfg.input_file)?;
    let (vocab_size, block_size) = (data.vocab_size(), data.block_size());
    let zoo = ZooConfig {
        block_size,
        vocab_size,
        n_layer: cfg.n_layer,
        n_embd: cfg.n_embd,
        n_embd2: cfg.n_embd2,
        n_head: cfg.n_head,
    };
    let zoo_type = crate::zoo::check(&cfg.kind, &zoo)?;
    if cfg.top_k != -1 && !(1..=vocab_size as i64).contains(&cfg.top_k) {
        let why =
            format!("sampling keeps the k likeliest of the {vocab_size} tokens: from 1 to {vocab_size}, or -1 for all");
        return Err(invalid("top-k", cfg.top_k, &why));
    }
    let mut model = (zoo_type.build)(&zoo, Init::Draw)?;
    if cfg.fast && !model.fuse() {
        let why = format!("invalid --fast: --type {} has no fused kernels; only --type transformer does", cfg.kind);
        return Err(Error::Usage(why));
    }
    let folder = |io: std::io::Error| {
        let what = if cfg.work_dir.exists() && !cfg.work_dir.is_dir() {
            "not a folder"
        } else {
            "the work directory cannot be created or written there"
        };
        Error::Write { path: cfg.work_dir.clone(), reason: format!("{what} ({io})") }
    };
    std::fs::create_dir_all(&cfg.work_dir).map_err(folder)?;
    if !cfg.sample_only {
        // the best model is written at step 500: find out now whether it can be
        let probe = cfg.work_dir.join(format!(".makemore-write-check-{}", std::process::id()));
        std::fs::write(&probe, b"").and_then(|()| std::fs::remove_file(&probe)).map_err(folder)?;
    }
    let path = cfg.model_path();
    if cfg.resume || cfg.sample_only {
        if !path.is_file() {
            let why = "no model there to resume from: train one first (makemore run without --resume or --sample-only)";
            return Err(Error::Read { path, io: std::io::Error::new(std::io::ErrorKind::NotFound, why) });
        }
        let bad = |reason: String| Error::BadModel { path: path.clone(), reason };
        let tensors = Tensor::read_safetensors(&path).map_err(|e| bad(format!("not a safetensors file ({e})")))?;
        let why = |e| match crate::zoo::file::saved_type(&path).filter(|t| *t != cfg.kind) {
            Some(t) => bad(format!("it is a --type {t} model: run with --type {t}")),
            None => bad(format!("{e}; is it a --type {} model of this word list, with these sizes?", cfg.kind)),
        };
        load_named(&mut *model, &tensors).map_err(why)?;
        for (name, t) in &tensors {
            if !bool::try_from(t.f_isfinite()?.f_all()?)? {
                return Err(bad(format!("'{name}' holds NaN or infinite values (a run that diverged?)")));
            }
        }
    }
    to_device(&*model, device)?;
    say!("{}", cfg.python_dict());
    say!("number of examples in the dataset: {}", data.train.len() + data.test.len());
    say!("max word length: {}", data.max_word_length);
    say!("number of unique characters in the vocabulary: {}", data.chars.len());
    say!("vocabulary:");
    say!("{}", data.chars.iter().collect::<String>());
    say!("split up the dataset into {} training examples and {} test examples", data.train.len(), data.test.len());
    say!("dataset determined that: vocab_size={vocab_size}, block_size={block_size}");
    if let Some(line) = model.announce() {
        say!("{line}");
    }
    say!("model #params: {}", crate::nn::n_parameters(&*model));
    if cfg.resume || cfg.sample_only {
        say!("resuming from existing model in the workdir");
    }
    if cfg.sample_only {
        print_samples(out, &mut *model, &data, 50, cfg.top_k)?;
        return Ok(RunEnd { steps: 0, interrupted: false, best: None });
    }
    let params: Vec<Tensor> = model.parameters().into_iter().map(|(_, p)| p).collect();
    let mut optimizer = AdamW::new((0.9, 0.99), 1e-8, cfg.weight_decay);
    // the backward pass written out where the type has one (on the CPU), else autograd's
    let mut written = if device == Device::Cpu { model.written_step() } else { None };
    let mut loader = TrainLoader::new(data.train.len(), cfg.batch_size)?;
    // a Transformer's step frees its temporaries (megabytes) and glibc would hand them back
    // to the OS each time, to be mapped again at the next step: 1,200 page faults a step
    crate::keep_freed_memory_for_reuse();
    let mut best: Option<(i64, f64)> = None;
    let mut step: i64 = 0;
    loop {
        let t0 = Instant::now();
        let (x, y) = on_device(data.batch(&data.train, &loader.next_batch()?)?, device)?;
        let loss = match written.as_mut() {
            Some(written) => {
                let (loss, grads) = written.step(&params, &x, &y)?;
                optimizer.step_with(&params, grads, cfg.learning_rate)?;
                loss
            }
            None => {
                let loss = loss_of(&model.forward(&x)?, &y)?;
                optimizer.zero_grad(&params);
                loss.f_backward()?;
                optimizer.step(&params, cfg.learning_rate)?;
                loss.f_double_value(&[])?
            }
        };
        let ms = t0.elapsed().as_secs_f64() * 1000.0;
        if !loss.is_finite() {
            // makemore.py prints `loss nan` on, then fails in sampling: one line instead (the
            // best model so far, if any, stays saved)
            return Err(Error::Diverged { step: step as usize, loss: loss as f32 });
        }
        on_step(step as usize, loss as f32);
        if step % 10 == 0 {
            say!("step {step} | loss {loss:.4} | step time {ms:.2}ms");
        }
        if step > 0 && step % 500 == 0 {
            let train_loss = evaluate(&mut *model, &data, &data.train, 100, 10)?;
            let test_loss = evaluate(&mut *model, &data, &data.test, 100, 10)?;
            say!("step {step} train loss: {} test loss: {}", py_float(train_loss), py_float(test_loss));
            if best.is_none_or(|(_, b)| test_loss < b) {
                say!("test loss {} is the best so far, saving model to {}", py_float(test_loss), path.display());
                crate::zoo::save(&*model, &cfg.kind, &zoo, &data.chars, &path)?;
                best = Some((step, test_loss));
            }
        }
        if step > 0 && step % 200 == 0 {
            print_samples(out, &mut *model, &data, 10, cfg.top_k)?;
        }
        step += 1;
        if cfg.max_steps >= 0 && step >= cfg.max_steps {
            return Ok(RunEnd { steps: step, interrupted: false, best });
        }
        if stop.is_some_and(|s| s.load(Ordering::Relaxed)) {
            return Ok(RunEnd { steps: step, interrupted: true, best });
        }
    }
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunEnd {
    /// The training steps taken (0 for `--sample-only`).
    pub steps: i64,
    /// Whether `stop` ended it (before `--max-steps`).
    pub interrupted: bool,
    /// The step and test loss of the model saved in the work directory, if this run saved one.
    pub best: Option<(i64, f64)>,
}
