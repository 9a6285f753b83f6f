//! Lecture 4's exercise 4: [`ManualMlp`], the BatchNorm MLP trained with the backward pass by
//! hand, against the lecture's loop written with tch's tensor operations (bit for bit, at two
//! minibatch sizes) and against PyTorch's own run of the lecture's code
//! (scripts/make_reference_backprop.py, fixture tests/fixtures/<vendor>/names-backprop.json):
//! the first 1,000 losses, then 200,000 steps: every 10,000th loss, train and val after
//! calibrating BatchNorm, and the 20 names the lecture samples.
//!
//! On the fixture's kind of machine ([`Reference::native`]) every number is compared bit for
//! bit. Elsewhere the losses have the MLP's bounds (docs/tolerances.md, "The MLP").

mod common;

use common::*;
use makemore::check;
use makemore::tch::{self, Device, IndexOp, Kind, Tensor};
use makemore::{Examples, ManualMlp, MlpConfig, Network, Reference, Split, Vocab, WordList, network_probs};

/// The vocabulary and CPython's 80/10/10 split of names.txt, as examples of context 3.
fn data() -> (Vocab, [Examples; 2]) {
    let words = WordList::read(names_txt()).unwrap();
    let vocab = Vocab::from_words(&words).unwrap();
    let s = "80/10/10".parse::<Split>().unwrap().apply(&words, 42).unwrap();
    (vocab.clone(), [&s.train, &s.dev].map(|p| Examples::with_context(p, &vocab, 3).unwrap()))
}

/// Exercise 4's loop as the lecture writes it, one tensor operation per line, on copies of
/// `net`'s parameters; the minibatches from the global generator as it stands.
fn lecture_loop(net: &ManualMlp, ex: &Examples, cfg: &MlpConfig) -> (Vec<f32>, Vec<Tensor>) {
    let mut params: Vec<Tensor> = net.parameters().iter().map(|p| p.copy()).collect();
    let n = cfg.batch as i64;
    let mut losses = Vec::new();
    tch::no_grad(|| {
        for i in 0..cfg.steps {
            let ix = Tensor::randint(ex.len() as i64, [n], (Kind::Int64, Device::Cpu));
            let (xb, yb) = (ex.xs.index(&[Some(&ix)]), ex.ys.index(&[Some(&ix)]));
            let [c, w1, b1, w2, b2, bngain, bnbias] = [0, 1, 2, 3, 4, 5, 6].map(|k| params[k].shallow_clone());
            let emb = c.index(&[Some(&xb)]);
            let embcat = emb.view([n, -1]);
            let hprebn = embcat.matmul(&w1) + &b1;
            let bnmean = hprebn.mean_dim(0, true, None::<Kind>);
            let bnvar = hprebn.var_dim(0, true, true);
            let bnvar_inv = (&bnvar + 1e-5).pow_tensor_scalar(-0.5);
            let bnraw = (&hprebn - &bnmean) * &bnvar_inv;
            let hpreact = &bngain * &bnraw + &bnbias;
            let h = hpreact.tanh();
            let logits = h.matmul(&w2) + &b2;
            let loss = logits.cross_entropy_for_logits(&yb);
            let mut dlogits = logits.softmax(1, Kind::Float);
            let rows = Tensor::arange(n, (Kind::Int64, Device::Cpu));
            let _ =
                dlogits.index_put_(&[Some(&rows), Some(&yb)], &(dlogits.index(&[Some(&rows), Some(&yb)]) - 1.0), false);
            dlogits /= n;
            let dh = dlogits.matmul(&w2.tr());
            let dw2 = h.tr().matmul(&dlogits);
            let db2 = dlogits.sum_dim_intlist(0, false, None::<Kind>);
            let dhpreact = (1.0 - h.pow_tensor_scalar(2)) * &dh;
            let dbngain = (&bnraw * &dhpreact).sum_dim_intlist(0, true, None::<Kind>);
            let dbnbias = dhpreact.sum_dim_intlist(0, true, None::<Kind>);
            let dhprebn = &bngain * &bnvar_inv / n
                * (n * &dhpreact
                    - dhpreact.sum_dim_intlist(0, false, None::<Kind>)
                    - n as f64 / (n as f64 - 1.0)
                        * &bnraw
                        * (&dhpreact * &bnraw).sum_dim_intlist(0, false, None::<Kind>));
            let dembcat = dhprebn.matmul(&w1.tr());
            let dw1 = embcat.tr().matmul(&dhprebn);
            let db1 = dhprebn.sum_dim_intlist(0, false, None::<Kind>);
            let demb = dembcat.view([-1, c.size()[1]]);
            let dc = c.zeros_like().index_add(0, &xb.view([-1]), &demb);
            let lr = if i < cfg.decay_at.unwrap() { 0.1 } else { 0.01 };
            for (p, g) in params.iter_mut().zip([dc, dw1, db1, dw2, db2, dbngain, dbnbias]) {
                *p += g * -lr;
            }
            losses.push(loss.double_value(&[]) as f32);
        }
    });
    (losses, params)
}

#[test]
fn the_library_step_is_the_lecture_loop_bit_for_bit() {
    let (vocab, [train, _]) = data();
    let _rng = rng_lock();
    for batch in [32, 20] {
        let cfg = MlpConfig { batch, steps: 60, decay_at: Some(30), ..MlpConfig::DEFAULT };
        let mut fast = ManualMlp::new(&vocab, &cfg).unwrap();
        let fast_losses = fast.train_run(&train, &cfg, |_| {}, None).unwrap().losses;
        let slow = ManualMlp::new(&vocab, &cfg).unwrap(); // the same seed: the same draws, then minibatches
        // on one thread, as the library's training computes
        let (slow_losses, slow_params) = makemore::on_one_thread(|| lecture_loop(&slow, &train, &cfg));
        assert_eq!(fast_losses, slow_losses, "batch {batch}");
        for (name, (a, b)) in
            ["C", "W1", "b1", "W2", "b2", "bngain", "bnbias"].iter().zip(fast.parameters().iter().zip(&slow_params))
        {
            assert!(a.equal(b), "{name} after 60 steps of batch {batch}");
        }
    }
}

#[test]
fn names_against_pytorch() {
    let (vocab, [train, dev]) = data();
    let _rng = rng_lock();
    // the reference is native at one thread, as the library's training computes: load it there
    makemore::on_one_thread(|| names_against(&vocab, &train, &dev));
}

fn names_against(vocab: &Vocab, train: &Examples, dev: &Examples) {
    let r = Reference::load("names-backprop.json").unwrap();
    let cfg = MlpConfig::DEFAULT;
    let mut net = ManualMlp::new(vocab, &cfg).unwrap();
    assert_eq!(net.n_parameters() as f64, r.num("ex4.n_params"));
    let losses: Vec<f64> = net.train_run(train, &cfg, |_| {}, None).unwrap().losses.iter().map(|&l| l as f64).collect();
    r.assert_run(&losses[..1000], "ex4.losses_first");
    let every: Vec<f64> = losses.iter().step_by(10_000).copied().collect();
    let bound = r.same_run();
    check::assert_close(
        "every 10,000th loss",
        &every,
        &r.nums("ex4.losses_every_10000"),
        bound.clone(),
        "the same run",
    );
    let [mean, var] = net.calibrate(train).unwrap();
    check::close(
        mean.to_kind(Kind::Double).sum(Kind::Double).double_value(&[]),
        r.num("ex4.bnmean_sum"),
        bound.clone(),
    );
    check::close(var.to_kind(Kind::Double).sum(Kind::Double).double_value(&[]), r.num("ex4.bnvar_sum"), bound.clone());
    for (ex, key) in [(train, "ex4.train"), (dev, "ex4.val")] {
        let loss = makemore::mean_loss(&net, ex).unwrap();
        check::close(loss, r.num(key), bound.clone());
    }
    // the lecture's sampling loop, through the calibrated statistics
    makemore::seed(2147483647 + 10);
    let itos = vocab.chars();
    let names: Vec<String> = (0..20)
        .map(|_| {
            let (mut context, mut out) = (vec![0i64; 3], String::new());
            loop {
                let probs = network_probs(&net, &context).unwrap();
                let ix = probs.multinomial(1, false).i(0).int64_value(&[0]);
                context = [&context[1..], &[ix]].concat();
                out.push(itos[ix as usize]);
                if ix == 0 {
                    break out;
                }
            }
        })
        .collect();
    if r.native() {
        assert_eq!(names, r.strings("ex4.samples20"));
    }
    eprintln!("compared on a machine like the reference's (bit for bit): {}", r.native());
    assert!(net.logits(&dev.xs).is_ok());
}

#[test]
fn evaluating_before_calibrating_is_an_error_that_says_so() {
    let (vocab, [_, dev]) = data();
    let _rng = rng_lock();
    let net = ManualMlp::new(&vocab, &MlpConfig { hidden: 8, ..MlpConfig::DEFAULT }).unwrap();
    let err = net.logits(&dev.xs).unwrap_err().to_string();
    assert!(err.contains("calibrate"), "{err}");
}
