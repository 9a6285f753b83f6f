//! The network core (`makemore::nn`) against PyTorch 2.13 (scripts/make_reference_nn.py,
//! fixture tests/fixtures/<vendor>/nn-layers.json): each layer's parameters as created, its
//! output and the gradients of a fixed scalar loss, BatchNorm1d in both modes on 2-D and 3-D
//! input, lecture 5's network, and 40 steps of SGD and 50 of AdamW.
//!
//! On a machine like the fixture's (`Reference::native`: the same CPU model, capability and
//! one libtorch thread) our calls are PyTorch's calls and everything is compared bit for bit.
//! Elsewhere each comparison has a bound, stated next to it, with u = 2⁻²⁴: derived from the
//! computation for one layer (a bound "ulps n of S" is n·2u·S: per side n roundings at the size
//! S, both sides), measured for the trainings (see `drift`). The layer checks load PyTorch's
//! parameters (`load_named`) before the forward pass, so that another machine's draws (checked
//! first, on their own) do not enter them.

use std::sync::{Mutex, MutexGuard};

use makemore::check::{self, Bound, U};
use makemore::nn::{
    AdamW, BatchNorm1d, Embedding, FlattenConsecutive, Layer, Linear, Optimizer, Sequential, Sgd, Tanh, load_named,
    n_parameters, named_tensors,
};
use makemore::{Error, Reference};
use serde_json::Value;
use tch::{Kind, Tensor};

/// Normals drawn by libtorch's scalar kernel on one side only (`ATEN_CPU_CAPABILITY=default`,
/// or a tensor of fewer than 16 values against a machine that vectorizes differently): within
/// 5.77·17.3u + u of each other (docs/tolerances.md, "parameters at init": libm's log and cos
/// against the vectorized ones, r = sqrt(−2 ln u1) ≤ 5.77). The lectures' `/ fan_in**0.5` and
/// `* 0.1` shrink that and add a rounding (u·|w| ≤ 2.9u for |w| ≤ 5.77/2), still inside it.
const OTHER_NORMALS: f64 = 5.77 * 17.3 * U + U;

static RNG: Mutex<()> = Mutex::new(());

/// The global generator, for one test at a time (tests run on parallel threads).
fn rng() -> MutexGuard<'static, ()> {
    RNG.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The fixture, on one libtorch thread as it was made.
fn fixture() -> Reference {
    tch::set_num_threads(1);
    let r = Reference::load("nn-layers.json").unwrap();
    eprintln!("nn-layers.json: {} machine", if r.native() { "the fixture's kind of" } else { "another kind of" });
    r
}

/// A tensor's shape as nested JSON arrays give it.
fn shape(v: &Value) -> Vec<i64> {
    let mut shape = Vec::new();
    let mut v = v;
    while let Some(items) = v.as_array() {
        shape.push(items.len() as i64);
        match items.first() {
            Some(first) => v = first,
            None => break,
        }
    }
    shape
}

/// The largest value of a tensor.
fn max(t: &Tensor) -> f64 {
    t.max().double_value(&[])
}

/// A float32 tensor's values in float64, detached, for computing a bound's size.
fn wide(t: &Tensor) -> Tensor {
    t.detach().to_kind(Kind::Double)
}

/// One case of the fixture: its keys read under `at`.
struct Case<'a> {
    r: &'a Reference,
    at: String,
}

impl Case<'_> {
    fn new(r: &Reference, at: impl Into<String>) -> Case<'_> {
        Case { r, at: at.into() }
    }

    fn key(&self, key: &str) -> String {
        format!("{}.{key}", self.at)
    }

    fn num(&self, key: &str) -> f64 {
        self.r.num(&self.key(key))
    }

    /// A float32 tensor, in its shape.
    fn floats(&self, key: &str) -> Tensor {
        let values: Vec<f32> = self.r.nums(&self.key(key)).into_iter().map(|x| x as f32).collect();
        Tensor::from_slice(&values).view(shape(self.r.get(&self.key(key))).as_slice())
    }

    /// An int64 tensor, in its shape.
    fn ints(&self, key: &str) -> Tensor {
        Tensor::from_slice(&self.r.ints(&self.key(key))).view(shape(self.r.get(&self.key(key))).as_slice())
    }

    /// The largest |value| (the size S of a bound).
    fn max_abs(&self, key: &str) -> f64 {
        self.r.nums(&self.key(key)).iter().fold(0.0, |m, x| m.max(x.abs()))
    }

    /// `got` against `key`: its shape, then each value, bit for bit on a machine like the
    /// fixture's, else within `other`.
    #[track_caller]
    fn same(&self, got: &Tensor, key: &str, other: Bound) {
        let key = self.key(key);
        assert_eq!(got.size(), shape(self.r.get(&key)), "{key}: shape");
        check::close_all(got, &self.r.nums(&key), if self.r.native() { Bound::Exact } else { other });
    }

    /// A long computation on another machine: within 1e-5 of the quantity's largest |value|.
    /// Measured, not derived (as the MLP's training bounds in docs/tolerances.md): PyTorch's
    /// reference rerun with its scalar kernels (`ATEN_CPU_CAPABILITY=default`, whose roundings
    /// differ as another CPU's do; its AVX2 kernels give the AVX512 bits here) differs from the
    /// fixture by at most 6.4e-7 of that size (lecture 5's network's logits and gradients),
    /// 3.5e-7 (SGD's parameters after 40 steps), 3.0e-7 (AdamW's state after 50 steps), though
    /// its initial parameters differ too: the bound is 15 to 40 times that.
    fn drift(&self, key: &str) -> Bound {
        Bound::Absolute(1e-5 * self.max_abs(key))
    }

    /// Load the fixture's tensors under `key` (a list, in the order of `layer`'s parameters)
    /// into the layer's parameters; its buffers stay as they are.
    fn load_parameters(&self, layer: &mut dyn Layer, key: &str) {
        let names = layer.parameters().into_iter().map(|(name, _)| name);
        let mut named: Vec<(String, Tensor)> =
            names.enumerate().map(|(i, name)| (name, self.floats(&format!("{key}.{i}")))).collect();
        named.extend(layer.buffers());
        load_named(layer, &named).unwrap();
    }
}

/// `(out * R).sum()`, the fixed scalar loss of the layer cases: its gradient at `out` is R.
fn backward_through(out: &Tensor, rr: &Tensor) {
    (out * rr).sum(Kind::Float).backward();
}

#[test]
fn the_lectures_linear_matches_pytorch() {
    let r = fixture();
    for (at, bias) in [("linear", true), ("linear_nobias_3d", false)] {
        let c = Case::new(&r, at);
        let mut layer = {
            let _rng = rng();
            tch::manual_seed(c.num("seed") as i64);
            Linear::new(4, 3, bias).unwrap()
        };
        assert_eq!(layer.weight.size(), [4, 3]);
        c.same(&layer.weight, "params.0", Bound::Absolute(OTHER_NORMALS));
        if bias {
            c.same(layer.bias.as_ref().unwrap(), "params.1", Bound::Exact); // zeros
        }
        c.load_parameters(&mut layer, "params");
        let x = c.floats("x").set_requires_grad(true);
        let out = layer.forward(&x).unwrap();
        // each output: 4 products and 3 additions, and the bias: per side 5u·S, S the largest
        // Σ|x_k w_k| + |b|
        let (xa, w) = (wide(&x).abs(), wide(&layer.weight).abs());
        let b = layer.bias.as_ref().map(|b| wide(b).abs()).unwrap_or_else(|| Tensor::from(0.0f64));
        c.same(&out, "out", Bound::UlpsOf { ulps: 5.0, of: max(&(xa.matmul(&w) + &b)) });
        let rr = c.floats("R");
        backward_through(&out, &rr);
        // dL/dx = R·Wᵀ (3 products a value), dL/dW = xᵀ·R and dL/db = Σ R over the n rows
        let rows = x.numel() as i64 / 4;
        let (x2, r2) = (xa.view([rows, 4]), wide(&rr).abs().view([rows, 3]));
        c.same(&x.grad(), "grad_x", Bound::UlpsOf { ulps: 3.0, of: max(&r2.matmul(&w.tr())) });
        let ulps = rows as f64;
        c.same(&layer.weight.grad(), "grad_params.0", Bound::UlpsOf { ulps, of: max(&x2.tr().matmul(&r2)) });
        if bias {
            let of = max(&r2.sum_dim_intlist([0i64].as_slice(), false, None::<Kind>));
            c.same(&layer.bias.as_ref().unwrap().grad(), "grad_params.1", Bound::UlpsOf { ulps, of });
        }
    }
}

#[test]
fn pytorchs_linear_draws_and_computes_as_nn_linear() {
    let r = fixture();
    let c = Case::new(&r, "linear_torch");
    let mut layer = {
        let _rng = rng();
        tch::manual_seed(c.num("seed") as i64);
        Linear::torch(4, 3, true).unwrap()
    };
    // uniform_(-b, b): a 24-bit draw times (to - from) plus from, one multiply-add a value
    // (fused or not, by the kernel's build): ≤ 3u·b apart; b = 1/sqrt(4) for both tensors
    // (kaiming_uniform_ with a = sqrt(5): sqrt(3)·sqrt(1/3)/sqrt(4))
    c.same(&layer.weight, "params.0", Bound::UlpsOf { ulps: 2.0, of: 0.5 });
    c.same(layer.bias.as_ref().unwrap(), "params.1", Bound::UlpsOf { ulps: 2.0, of: 0.5 });
    assert!(max(&wide(&layer.weight).abs()) <= 0.5);
    c.load_parameters(&mut layer, "params");
    let x = c.floats("x").set_requires_grad(true);
    let out = layer.forward(&x).unwrap();
    let (xa, w, b) = (wide(&x).abs(), wide(&layer.weight).abs(), wide(layer.bias.as_ref().unwrap()).abs());
    c.same(&out, "out", Bound::UlpsOf { ulps: 5.0, of: max(&(xa.matmul(&w.tr()) + &b)) });
    let rr = c.floats("R");
    backward_through(&out, &rr);
    let ra = wide(&rr).abs();
    c.same(&x.grad(), "grad_x", Bound::UlpsOf { ulps: 3.0, of: max(&ra.matmul(&w)) });
    // dL/dW = Rᵀ·x and dL/db = Σ R, sums over the rows
    let rows = x.size()[0] as f64;
    c.same(&layer.weight.grad(), "grad_params.0", Bound::UlpsOf { ulps: rows, of: max(&ra.tr().matmul(&xa)) });
    let of = max(&ra.sum_dim_intlist([0i64].as_slice(), false, None::<Kind>));
    c.same(&layer.bias.as_ref().unwrap().grad(), "grad_params.1", Bound::UlpsOf { ulps: rows, of });
}

#[test]
fn embedding_draws_as_nn_embedding_and_indexes() {
    let r = fixture();
    let c = Case::new(&r, "embedding");
    let mut layer = {
        let _rng = rng();
        tch::manual_seed(c.num("seed") as i64);
        Embedding::new(7, 3).unwrap()
    };
    c.same(&layer.weight, "params.0", Bound::Absolute(OTHER_NORMALS));
    // the lecture's randn and nn.Embedding's normal_ are the same draws, on every machine
    check::close_all(
        &layer.weight,
        &r.nums("embedding.torch_weight"),
        if r.native() { Bound::Exact } else { Bound::Absolute(OTHER_NORMALS) },
    );
    assert_eq!(r.nums("embedding.params.0"), r.nums("embedding.torch_weight"));
    c.load_parameters(&mut layer, "params");
    let ix = c.ints("x");
    let out = layer.forward(&ix).unwrap();
    c.same(&out, "out", Bound::Exact); // rows copied: no rounding anywhere
    let rr = c.floats("R");
    backward_through(&out, &rr);
    // each row of the gradient sums R over the (at most 8) places its token is picked
    c.same(&layer.weight.grad(), "grad_params.0", Bound::UlpsOf { ulps: 8.0, of: 8.0 * c.max_abs("R") });
}

#[test]
fn tanh_matches_pytorch() {
    let r = fixture();
    let c = Case::new(&r, "tanh");
    let x = c.floats("x").set_requires_grad(true);
    let out = Tanh.forward(&x).unwrap();
    // Sleef's vectorized tanhf is within 1 ulp, glibc's tanhf 2 (its libm-test-ulps): 4 ulps
    c.same(&out, "out", Bound::Ulps(4.0));
    let rr = c.floats("R");
    backward_through(&out, &rr);
    // R·(1 − y²) with y within 2 ulps (4u): 1 − y² within 2|y|·4u|y| + u + u, the product u:
    // ≤ 11u·|R| a side
    c.same(&x.grad(), "grad_x", Bound::UlpsOf { ulps: 11.0, of: c.max_abs("R") });
    assert!(Tanh.parameters().is_empty());
}

#[test]
fn flatten_consecutive_groups_as_the_lecture() {
    let r = fixture();
    let c = Case::new(&r, "flatten");
    let x = c.floats("x");
    // views: the same numbers moved, on every machine
    c.same(&FlattenConsecutive::new(2).unwrap().forward(&x).unwrap(), "n2", Bound::Exact);
    c.same(&FlattenConsecutive::new(8).unwrap().forward(&x).unwrap(), "n8", Bound::Exact);
    let err = FlattenConsecutive::new(3).unwrap().forward(&x).unwrap_err();
    assert!(matches!(err, Error::BadParameter { name: "input", .. }), "{err}");
    assert!(err.to_string().contains("length 8") && err.to_string().contains("FlattenConsecutive(3)"), "{err}");
    let flat = x.view([2, 24]);
    assert!(matches!(FlattenConsecutive::new(2).unwrap().forward(&flat), Err(Error::BadParameter { .. })));
    assert!(matches!(FlattenConsecutive::new(0), Err(Error::BadParameter { .. })));
}

/// The sizes a BatchNorm1d bound needs, from the fixture's input `x` (over `dims`): the count
/// n per channel, the largest |x|, the smallest sqrt(var + eps) and the largest |x̂|.
struct BatchStats {
    n: f64,
    a: f64,
    s: f64,
    xhat: f64,
    var: f64,
}

fn batch_stats(x: &Tensor, dims: &[i64]) -> BatchStats {
    let x = wide(x);
    let n = dims.iter().map(|&d| x.size()[d as usize]).product::<i64>() as f64;
    let mean = x.mean_dim(dims, true, None::<Kind>);
    let var = x.var_dim(dims, true, true);
    let s = (&var + 1e-5).sqrt();
    let xhat = ((&x - &mean) / &s).abs();
    BatchStats { n, a: max(&x.abs()), s: -max(&(-&s)), xhat: max(&xhat), var: max(&var) }
}

fn check_batchnorm(at: &str, dims: &[i64]) {
    let r = fixture();
    let c = Case::new(&r, at);
    let mut bn = BatchNorm1d::new(3).unwrap();
    let names: Vec<String> = named_tensors(&bn).into_iter().map(|(name, _)| name).collect();
    assert_eq!(names, ["gamma", "beta", "running_mean", "running_var"]);
    // bounds, per side (u each): the mean n·u·A (a sum of n, a division); the unbiased
    // variance (n+4)u·var (n squares of deviations summed, a division); s = sqrt(var + eps)
    // (n/2 + 4)u relative; x̂ = (x − μ)/s within n·u·A/s + |x̂|(n/2 + 8)u; γ = 1, β = 0 add
    // nothing. Running statistics, after k updates 0.9·r + 0.1·b: each adds a tenth of the
    // batch statistic's error and 3u of its size.
    let (mut mean_err, mut var_err) = (0.0, 0.0);
    for k in 0..3 {
        let x = c.floats(&format!("xs.{k}")).set_requires_grad(true);
        let st = batch_stats(&x, dims);
        let out = bn.forward(&x).unwrap();
        let at_k = |key: &str| format!("train.{k}.{key}");
        let ulps = st.n * st.a / st.s + st.xhat * (st.n / 2.0 + 8.0);
        c.same(&out, &at_k("out"), Bound::UlpsOf { ulps, of: 1.0 });
        mean_err += 0.1 * st.n * st.a + 3.0 * c.max_abs(&at_k("running_mean"));
        var_err += 0.1 * (st.n + 4.0) * st.var + 3.0 * c.max_abs(&at_k("running_var"));
        c.same(&bn.running_mean, &at_k("running_mean"), Bound::UlpsOf { ulps: mean_err, of: 1.0 });
        c.same(&bn.running_var, &at_k("running_var"), Bound::UlpsOf { ulps: var_err, of: 1.0 });
        if k == 0 {
            let rr = c.floats(&at_k("R"));
            backward_through(&out, &rr);
            let ra = c.max_abs(&at_k("R"));
            // dx: autograd through the mean and the variance: the forward's roundings (2n + 12)
            // and two backward sums over n plus ~10 element-wise steps, each at the size of a
            // term |R|(1 + x̂²)/s: (4n + 22)u·|R|(1 + x̂²)/s a side
            let ulps = (4.0 * st.n + 22.0) * ra * (1.0 + st.xhat * st.xhat) / st.s;
            c.same(&x.grad(), &at_k("grad_x"), Bound::UlpsOf { ulps, of: 1.0 });
            // dγ = Σ R·x̂ over n: each x̂ within its forward bound, then the sum
            let ulps = st.n * ra * (st.n * st.a / st.s + st.xhat * (st.n / 2.0 + 9.0));
            c.same(&bn.gamma.grad(), &at_k("grad_gamma"), Bound::UlpsOf { ulps, of: 1.0 });
            c.same(&bn.beta.grad(), &at_k("grad_beta"), Bound::UlpsOf { ulps: st.n, of: st.n * ra });
            makemore::nn::zero_grad(&[bn.gamma.shallow_clone(), bn.beta.shallow_clone()]);
        }
    }
    // evaluation: the running statistics (those PyTorch's class ends with), no update
    load_named(
        &mut bn,
        &[
            ("gamma".into(), Tensor::ones([3], tch::kind::FLOAT_CPU)),
            ("beta".into(), Tensor::zeros([3], tch::kind::FLOAT_CPU)),
            ("running_mean".into(), c.floats("train.2.running_mean")),
            ("running_var".into(), c.floats("train.2.running_var")),
        ],
    )
    .unwrap();
    bn.set_training(false);
    let x = c.floats("xs.3").set_requires_grad(true);
    let out = bn.forward(&x).unwrap();
    let s = -max(&(-(wide(&bn.running_var) + 1e-5).sqrt()));
    let (a, m) = (c.max_abs("xs.3"), c.max_abs("train.2.running_mean"));
    // (x − m)/sqrt(v + eps): a subtraction, an addition, a square root, a division: per side
    // u(|x| + |m|)/s + 3u·|out|
    c.same(&out, "eval.out", Bound::UlpsOf { ulps: (a + m) / s + 3.0 * c.max_abs("eval.out"), of: 1.0 });
    assert!(bn.running_mean.equal(&c.floats("train.2.running_mean")), "evaluation leaves the statistics");
    let rr = c.floats("eval.R");
    backward_through(&out, &rr);
    let (ra, n) = (c.max_abs("eval.R"), x.numel() as f64 / 3.0);
    c.same(&x.grad(), "eval.grad_x", Bound::UlpsOf { ulps: 3.0 * ra / s, of: 1.0 });
    let of = n * ra * c.max_abs("eval.out");
    c.same(&bn.gamma.grad(), "eval.grad_gamma", Bound::UlpsOf { ulps: n + 3.0 + (a + m) / s, of });
    c.same(&bn.beta.grad(), "eval.grad_beta", Bound::UlpsOf { ulps: n, of: n * ra });
}

#[test]
fn batchnorm_2d_matches_the_lecture_in_both_modes() {
    check_batchnorm("batchnorm_2d", &[0]);
}

#[test]
fn batchnorm_3d_matches_the_lecture_in_both_modes() {
    check_batchnorm("batchnorm_3d", &[0, 1]);
}

#[test]
fn batchnorm_refuses_what_it_cannot_normalise() {
    let mut bn = BatchNorm1d::new(3).unwrap();
    for bad in [Tensor::zeros([3], tch::kind::FLOAT_CPU), Tensor::zeros([2, 2, 2, 3], tch::kind::FLOAT_CPU)] {
        let err = bn.forward(&bad).unwrap_err();
        assert!(matches!(err, Error::BadParameter { name: "input", .. }), "{err}");
        assert!(err.to_string().contains("2-D (N, C) or 3-D (N, L, C)"), "{err}");
    }
    let err = bn.forward(&Tensor::zeros([4, 5], tch::kind::FLOAT_CPU)).unwrap_err();
    assert!(err.to_string().contains("number of channels"), "{err}");
    let err = bn.forward(&Tensor::zeros([1, 3], tch::kind::FLOAT_CPU)).unwrap_err();
    assert!(err.to_string().contains("more than one value per channel"), "{err}");
    bn.set_training(false); // one example is fine in evaluation mode
    assert_eq!(bn.forward(&Tensor::zeros([1, 3], tch::kind::FLOAT_CPU)).unwrap().size(), [1, 3]);
    assert!(BatchNorm1d::with(3, -1.0, 0.1).is_err() && BatchNorm1d::with(3, 1e-5, f64::NAN).is_err());
    assert!(BatchNorm1d::new(0).is_err());
}

/// Lecture 5's hierarchical network as the script builds it (vocabulary 7, block 4,
/// embedding 3, hidden 5), the last layer's weight scaled by 0.1.
fn wavenet() -> Sequential {
    let (v, e, h) = (7, 3, 5);
    let model = Sequential::new(vec![
        Box::new(Embedding::new(v, e).unwrap()),
        Box::new(FlattenConsecutive::new(2).unwrap()),
        Box::new(Linear::new(e * 2, h, false).unwrap()),
        Box::new(BatchNorm1d::new(h).unwrap()),
        Box::new(Tanh),
        Box::new(FlattenConsecutive::new(2).unwrap()),
        Box::new(Linear::new(h * 2, h, false).unwrap()),
        Box::new(BatchNorm1d::new(h).unwrap()),
        Box::new(Tanh),
        Box::new(Linear::new(h, v, true).unwrap()),
    ]);
    let (_, last) = model.parameters().into_iter().find(|(name, _)| name == "9.weight").unwrap();
    tch::no_grad(|| {
        let _ = last.shallow_clone().f_mul_scalar_(0.1).unwrap();
    });
    model
}

fn cross_entropy(logits: &Tensor, ys: &Tensor) -> Tensor {
    logits.cross_entropy_loss::<Tensor>(ys, None, tch::Reduction::Mean, -100, 0.0)
}

fn values(named: &[(String, Tensor)]) -> Vec<Tensor> {
    named.iter().map(|(_, t)| t.shallow_clone()).collect()
}

#[test]
fn lecture_5s_network_names_counts_and_computes_as_pytorch() {
    let r = fixture();
    let c = Case::new(&r, "sequential");
    let mut model = {
        let _rng = rng();
        tch::manual_seed(c.num("seed") as i64);
        wavenet()
    };
    let named = model.parameters();
    let names: Vec<&str> = named.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names, r.strings("sequential.names"));
    assert_eq!(n_parameters(&model) as f64, c.num("n_parameters"));
    for (i, p) in values(&named).iter().enumerate() {
        c.same(p, &format!("created.{i}"), Bound::Absolute(OTHER_NORMALS));
    }
    c.load_parameters(&mut model, "created");
    let logits = model.forward(&c.ints("X")).unwrap();
    c.same(&logits, "logits", c.drift("logits"));
    let loss = cross_entropy(&logits, &c.ints("Y"));
    c.same(&loss, "loss", c.drift("loss"));
    loss.backward();
    for (i, p) in values(&named).iter().enumerate() {
        c.same(&p.grad(), &format!("grads.{i}"), c.drift("grads"));
    }
}

#[test]
fn sgd_with_step_decay_trains_as_the_lectures_loop() {
    let r = fixture();
    let c = Case::new(&r, "sgd");
    let mut model = {
        let _rng = rng();
        tch::manual_seed(c.num("seed") as i64);
        wavenet()
    };
    c.load_parameters(&mut model, "created");
    // the script's `0.1 if i < decay_at else 0.01`, the lectures' schedule
    assert_eq!(c.num("factor"), 0.1);
    let schedule = makemore::StepDecay::lecture(c.num("lr"), c.num("decay_at") as usize);
    let (xs, ys) = (c.ints("X"), c.ints("Y"));
    let params = values(&model.parameters());
    let mut sgd = Sgd;
    let mut losses = Vec::new();
    for step in 0..c.num("steps") as usize {
        let loss = cross_entropy(&model.forward(&xs).unwrap(), &ys);
        sgd.zero_grad(&params);
        loss.backward();
        sgd.step(&params, schedule.lr_at(step)).unwrap();
        losses.push(loss.double_value(&[]));
    }
    c.same(&Tensor::from_slice(&losses), "losses", c.drift("losses"));
    for (i, p) in params.iter().enumerate() {
        c.same(p, &format!("params.{i}"), c.drift("params"));
    }
    let running: Vec<Tensor> = ["3.running_mean", "7.running_mean", "3.running_var", "7.running_var"]
        .iter()
        .map(|name| model.buffers().into_iter().find(|(n, _)| n == name).unwrap().1)
        .collect();
    for (i, t) in running.iter().enumerate() {
        c.same(t, &format!("running.{i}"), c.drift("running"));
    }
    model.set_training(false);
    let eval = tch::no_grad(|| cross_entropy(&model.forward(&xs).unwrap(), &ys));
    c.same(&eval, "eval_loss", c.drift("losses"));
}

#[test]
fn adamw_steps_as_torch_optim_adamw() {
    // the optimizer alone: three steps on one tensor with given gradients (1e-3 to 1e2)
    let r = fixture();
    let c = Case::new(&r, "adamw_steps");
    let p = c.floats("param").set_requires_grad(true);
    let lr = c.num("lr");
    let mut adamw = AdamW::default();
    assert_eq!((adamw.betas, adamw.eps, adamw.weight_decay), ((0.9, 0.99), 1e-8, 0.01));
    // bounds on another machine, per element, per side, carried from step to step: exp_avg's
    // lerp (fused multiply-add or not) 3u(|m| + |g|), exp_avg_sq's multiply and addcmul 3u(|v|
    // + g²), both decaying by their beta; the parameter's decay and addcdiv 2u|p| plus the
    // update step_size·m/d, d = sqrt(v)/sqrt(bc2) + eps, moved by δm/d + |m|·δd/d² and 4u of it
    let (mut dm, mut dv, mut dp) = (vec![0.0; 12], vec![0.0; 12], vec![0.0; 12]);
    for t in 0..3 {
        let step = |key: &str| format!("steps.{t}.{key}");
        let grad = c.floats(&step("grad"));
        (&p * &grad).sum(Kind::Float).backward(); // p.grad = grad exactly
        adamw.step(&[p.shallow_clone()], lr).unwrap();
        p.shallow_clone().zero_grad();
        let (g, m, v, pn) = (
            r.nums(&c.key(&step("grad"))),
            r.nums(&c.key(&step("state.0.exp_avg"))),
            r.nums(&c.key(&step("state.0.exp_avg_sq"))),
            r.nums(&c.key(&step("param"))),
        );
        let tt = (t + 1) as f64;
        let (bc1, bc2) = (1.0 - 0.9f64.powf(tt), 1.0 - 0.99f64.powf(tt));
        for i in 0..12 {
            dm[i] = 0.9 * dm[i] + 3.0 * U * (m[i].abs() + g[i].abs());
            dv[i] = 0.99 * dv[i] + 3.0 * U * (v[i].abs() + g[i] * g[i]);
            let d = v[i].sqrt() / bc2.sqrt() + 1e-8;
            let dd = dv[i] / (2.0 * v[i].sqrt() * bc2.sqrt()) + 3.0 * U * d;
            let update = lr / bc1 * m[i].abs() / d;
            dp[i] += 2.0 * U * pn[i].abs() + lr / bc1 * (dm[i] / d + m[i].abs() * dd / (d * d)) + 4.0 * U * update;
        }
        let each = |errs: &[f64], key: &str, got: &Tensor| {
            let got = Vec::<f64>::try_from(wide(got).flatten(0, -1)).unwrap();
            for (i, (&x, &want)) in got.iter().zip(&r.nums(&c.key(&step(key)))).enumerate() {
                let bound = if r.native() { Bound::Exact } else { Bound::Absolute(2.0 * errs[i]) };
                check::close(x, want, bound);
            }
        };
        let state = adamw.state();
        assert_eq!(state.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(), ["0.step", "0.exp_avg", "0.exp_avg_sq"]);
        assert_eq!(state[0].1.double_value(&[]), c.num(&step("state.0.step")));
        each(&dm, "state.0.exp_avg", &state[1].1);
        each(&dv, "state.0.exp_avg_sq", &state[2].1);
        each(&dp, "param", &p);
    }
}

/// The softmax regression the script trains with AdamW: the lecture's Embedding(7, 3),
/// FlattenConsecutive(2), PyTorch's nn.Linear(6, 7).
fn regression() -> Sequential {
    Sequential::new(vec![
        Box::new(Embedding::new(7, 3).unwrap()),
        Box::new(FlattenConsecutive::new(2).unwrap()),
        Box::new(Linear::torch(6, 7, true).unwrap()),
    ])
}

#[test]
fn adamw_trains_as_torch_optim_adamw() {
    let r = fixture();
    let c = Case::new(&r, "adamw");
    let mut model = {
        let _rng = rng();
        tch::manual_seed(c.num("seed") as i64);
        regression()
    };
    let params = values(&model.parameters());
    // the embedding's normals, and nn.Linear's uniforms (of size ≤ 1/sqrt(6))
    c.same(&params[0], "created.0", Bound::Absolute(OTHER_NORMALS));
    c.same(&params[1], "created.1", Bound::UlpsOf { ulps: 2.0, of: 0.5 });
    c.same(&params[2], "created.2", Bound::UlpsOf { ulps: 2.0, of: 0.5 });
    c.load_parameters(&mut model, "created");
    let (xs, ys) = (c.ints("X"), c.ints("Y"));
    let mut adamw = AdamW::default();
    let mut losses = Vec::new();
    for _ in 0..c.num("steps") as usize {
        let loss = cross_entropy(&model.forward(&xs).unwrap(), &ys);
        adamw.zero_grad(&params);
        loss.backward();
        adamw.step(&params, c.num("lr")).unwrap();
        losses.push(loss.double_value(&[]));
    }
    c.same(&Tensor::from_slice(&losses), "losses", c.drift("losses"));
    let final_loss = tch::no_grad(|| cross_entropy(&model.forward(&xs).unwrap(), &ys));
    c.same(&final_loss, "final_loss", c.drift("losses"));
    for (i, p) in params.iter().enumerate() {
        c.same(p, &format!("params.{i}"), c.drift("params"));
    }
    let state = adamw.state();
    assert_eq!(state.len(), 9);
    for (i, _) in params.iter().enumerate() {
        let named = |what: &str| &state.iter().find(|(n, _)| *n == format!("{i}.{what}")).unwrap().1;
        assert_eq!(named("step").double_value(&[]), c.num(&format!("state.{i}.step")));
        c.same(named("exp_avg"), &format!("state.{i}.exp_avg"), c.drift(&format!("state.{i}.exp_avg")));
        c.same(named("exp_avg_sq"), &format!("state.{i}.exp_avg_sq"), c.drift(&format!("state.{i}.exp_avg_sq")));
    }
    // resuming from the saved state continues the same run
    let mut resumed = AdamW::default();
    resumed.load_state(&params, &state).unwrap();
    assert_eq!(resumed.state().len(), 9);
    let wrong = vec![("0.exp_avg".to_string(), Tensor::zeros([2], tch::kind::FLOAT_CPU))];
    assert!(matches!(AdamW::default().load_state(&params, &wrong), Err(Error::BadWeights(_))));
}

#[test]
fn loading_checks_names_and_shapes() {
    let _rng = rng();
    tch::manual_seed(1);
    let mut model = regression();
    let good = named_tensors(&model);
    assert!(load_named(&mut model, &good).is_ok());
    let mut missing = named_tensors(&model);
    let _weight = missing.remove(1);
    let err = load_named(&mut model, &missing).unwrap_err();
    assert_eq!(err.to_string(), "invalid weights: no tensor named '2.weight' (expected shape [7, 6])");
    let mut wrong = named_tensors(&model);
    wrong[2].1 = Tensor::zeros([6], tch::kind::FLOAT_CPU);
    let err = load_named(&mut model, &wrong).unwrap_err();
    assert_eq!(err.to_string(), "invalid weights: '2.bias' has shape [6], expected [7]");
    let mut extra = named_tensors(&model);
    extra.push(("9.weight".into(), Tensor::zeros([1], tch::kind::FLOAT_CPU)));
    assert!(
        matches!(load_named(&mut model, &extra), Err(Error::BadWeights(m)) if m.contains("unexpected tensor '9.weight"))
    );
    // through a safetensors file and back, as a model file holds them
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.safetensors");
    Tensor::write_safetensors(&good, &path).unwrap();
    let mut fresh = regression();
    load_named(&mut fresh, &Tensor::read_safetensors(&path).unwrap()).unwrap();
    for ((name, a), (_, b)) in named_tensors(&fresh).iter().zip(&good) {
        assert!(a.equal(b), "{name}");
    }
    let mut ints = named_tensors(&model);
    ints[0].1 = Tensor::zeros([7, 3], (Kind::Int64, tch::Device::Cpu));
    assert!(matches!(load_named(&mut model, &ints), Err(Error::BadWeights(m)) if m.contains("float32")));
}

#[test]
fn layers_refuse_inputs_they_cannot_take() {
    let _rng = rng();
    tch::manual_seed(1);
    let mut linear = Linear::new(4, 3, true).unwrap();
    let err = linear.forward(&Tensor::zeros([2, 5], tch::kind::FLOAT_CPU)).unwrap_err();
    assert!(matches!(err, Error::BadParameter { name: "input", .. }) && err.to_string().contains("Linear(4, 3)"));
    let mut torch = Linear::torch(4, 3, false).unwrap();
    assert!(torch.forward(&Tensor::zeros([2, 3], tch::kind::FLOAT_CPU)).is_err());
    let mut emb = Embedding::new(7, 3).unwrap();
    for bad in [Tensor::from_slice(&[7i64]), Tensor::from_slice(&[-1i64]), Tensor::from_slice(&[1.0f32])] {
        assert!(matches!(emb.forward(&bad), Err(Error::BadParameter { name: "input", .. })));
    }
    assert!(matches!(Linear::new(0, 3, true), Err(Error::BadParameter { .. })));
    assert!(matches!(Embedding::new(7, 0), Err(Error::BadParameter { .. })));
    let mut model = regression();
    assert!(model.forward(&Tensor::zeros([4, 3], (Kind::Int64, tch::Device::Cpu))).is_err()); // T = 3, n = 2
}
