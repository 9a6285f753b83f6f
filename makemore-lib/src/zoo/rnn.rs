//! `makemore.py`'s `RNN` with its two cells: the vanilla recurrence (Mikolov et al. 2010,
//! `--type rnn`) and the GRU (Cho et al. 2014, `--type gru`).

use tch::{Device, Kind, Tensor};

use crate::error::Result;
use crate::nn::{Embedding, Layer, Linear};
use crate::zoo::rnn_backprop::{GruStep, RnnStep};
use crate::zoo::{Init, WrittenStep, ZooConfig, ZooModel, ZooType, embedding, linear, prefixed};

/// `--type rnn` in the registry: `start`, `wte`, one cell Linear, `lm_head`; one thread.
pub(crate) const RNN: ZooType = ZooType {
    name: "rnn",
    n_params: |c| n_params(c, 1),
    build: |c, init| Ok(Box::new(Rnn::with_cell(c, init, false)?)),
    refuse: ZooType::ANY_SIZES,
    threaded: false,
};

/// `--type gru` in the registry: as the RNN with three cell Linears; one thread.
pub(crate) const GRU: ZooType = ZooType {
    name: "gru",
    n_params: |c| n_params(c, 3),
    build: |c, init| Ok(Box::new(Rnn::with_cell(c, init, true)?)),
    refuse: ZooType::ANY_SIZES,
    threaded: false,
};

/// The parameters of a recurrent network whose cell has `linears` Linears of
/// (n_embd + n_embd2) → n_embd2.
fn n_params(c: &ZooConfig, linears: u128) -> u128 {
    let [v, e, e2] = [c.vocab_size, c.n_embd, c.n_embd2].map(|x| x as u128);
    e2 + v * e + linears * ((e + e2) * e2 + e2) + e2 * v + v
}

/// The recurrence: from the input at step t and the previous hidden state to the next.
#[derive(Debug)]
pub enum Cell {
    /// `RNNCell`: `h_t = tanh(xh_to_h([x_t, h_{t-1}]))`.
    Rnn {
        /// `xh_to_h`: n_embd + n_embd2 → n_embd2.
        xh_to_h: Linear,
    },
    /// `GRUCell`: a reset gate `r`, a candidate `hbar` from the reset state, and a switch
    /// `z` between the previous state and the candidate.
    Gru {
        /// `xh_to_z`, the switch gate.
        xh_to_z: Linear,
        /// `xh_to_r`, the reset gate.
        xh_to_r: Linear,
        /// `xh_to_hbar`, the candidate.
        xh_to_hbar: Linear,
    },
}

impl Cell {
    /// The cell's Linears as the steps of one forward pass apply them ([`StepLinear`]):
    /// `xh_to_h`, or `xh_to_z`, `xh_to_r`, `xh_to_hbar`.
    fn for_steps(&self) -> Result<Vec<StepLinear>> {
        match self {
            Cell::Rnn { xh_to_h } => Ok(vec![StepLinear::of(xh_to_h)?]),
            Cell::Gru { xh_to_z, xh_to_r, xh_to_hbar } => {
                [xh_to_z, xh_to_r, xh_to_hbar].into_iter().map(StepLinear::of).collect()
            }
        }
    }

    /// One step: `forward(xt, hprev)` of makemore.py's `RNNCell` or `GRUCell`, with the
    /// cell's Linears from [`for_steps`](Self::for_steps).
    fn forward(linears: &[StepLinear], xt: &Tensor, hprev: &Tensor) -> Result<Tensor> {
        let xh = Tensor::f_cat(&[xt, hprev], 1)?;
        match linears {
            [xh_to_h] => Ok(xh_to_h.forward(&xh)?.f_tanh()?),
            [xh_to_z, xh_to_r, xh_to_hbar] => {
                // first use the reset gate to wipe some channels of the hidden state to zero
                let r = xh_to_r.forward(&xh)?.f_sigmoid()?;
                let hprev_reset = r.f_mul(hprev)?;
                // the candidate new hidden state
                let xhr = Tensor::f_cat(&[xt, &hprev_reset], 1)?;
                let hbar = xh_to_hbar.forward(&xhr)?.f_tanh()?;
                // the switch gate: how much of each channel to update
                let z = xh_to_z.forward(&xh)?.f_sigmoid()?;
                Ok(z.f_rsub_scalar(1.0)?.f_mul(hprev)?.f_add(&z.f_mul(&hbar)?)?)
            }
            _ => unreachable!("a cell has one Linear (RNN) or three (GRU)"),
        }
    }

    fn parameters(&self) -> Vec<(String, Tensor)> {
        match self {
            Cell::Rnn { xh_to_h } => prefixed("xh_to_h", xh_to_h.parameters()),
            Cell::Gru { xh_to_z, xh_to_r, xh_to_hbar } => {
                let mut params = prefixed("xh_to_z", xh_to_z.parameters());
                params.extend(prefixed("xh_to_r", xh_to_r.parameters()));
                params.extend(prefixed("xh_to_hbar", xh_to_hbar.parameters()));
                params
            }
        }
    }
}

/// A cell's `nn.Linear` as every step of one forward pass applies it: `F.linear`'s own
/// `addmm(b, x, W.T)` for a 2-D input, with `W.T` taken once per pass instead of once per
/// step. The same numbers; one transpose in the autograd graph where there were 16.
struct StepLinear {
    weight_t: Tensor,
    bias: Tensor,
}

impl StepLinear {
    fn of(linear: &Linear) -> Result<StepLinear> {
        let bias = linear.bias.as_ref().expect("the cells' Linears have a bias").shallow_clone();
        Ok(StepLinear { weight_t: linear.weight.f_tr()?, bias })
    }

    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        Ok(self.bias.f_addmm(x, &self.weight_t)?)
    }
}

/// `start` (the first hidden state, zeros, learnt), `wte = nn.Embedding(vocab_size,
/// n_embd)`, the cell, and `lm_head = nn.Linear(n_embd2, vocab_size)`: the hidden state
/// is updated token by token and each one decoded to the next token's logits.
///
/// ```
/// use makemore::nn::{Layer, n_parameters};
/// let cfg = makemore::zoo::ZooConfig::default();
/// tch::manual_seed(3407);
/// assert_eq!(n_parameters(&makemore::zoo::Rnn::vanilla(&cfg)?), 11_803);
/// let mut gru = makemore::zoo::Rnn::gru(&cfg)?;
/// assert_eq!(n_parameters(&gru), 28_315);
/// let idx = tch::Tensor::zeros([2, 16], (tch::Kind::Int64, tch::Device::Cpu));
/// assert_eq!(gru.forward(&idx)?.size(), [2, 16, 27]);
/// # Ok::<(), makemore::Error>(())
/// ```
#[derive(Debug)]
pub struct Rnn {
    start: Tensor,
    wte: Embedding,
    cell: Cell,
    lm_head: Linear,
    block_size: usize,
}

impl Rnn {
    /// `RNN(config, cell_type='rnn')`.
    pub fn vanilla(cfg: &ZooConfig) -> Result<Rnn> {
        Rnn::with_cell(cfg, Init::Draw, false)
    }

    /// `RNN(config, cell_type='gru')`.
    pub fn gru(cfg: &ZooConfig) -> Result<Rnn> {
        Rnn::with_cell(cfg, Init::Draw, true)
    }

    /// The modules in makemore.py's order (the embedding's draws, then the cell's, then the
    /// head's), drawn or zeros; the GRU's cell or the vanilla one.
    pub fn with_cell(cfg: &ZooConfig, init: Init, gru: bool) -> Result<Rnn> {
        let start = Tensor::f_zeros([1, cfg.n_embd2 as i64], (Kind::Float, Device::Cpu))?.f_set_requires_grad(true)?;
        let wte = embedding(init, cfg.vocab_size, cfg.n_embd)?;
        let (n_in, n_out) = (cfg.n_embd + cfg.n_embd2, cfg.n_embd2);
        let cell = match gru {
            false => Cell::Rnn { xh_to_h: linear(init, n_in, n_out, true)? },
            true => Cell::Gru {
                xh_to_z: linear(init, n_in, n_out, true)?,
                xh_to_r: linear(init, n_in, n_out, true)?,
                xh_to_hbar: linear(init, n_in, n_out, true)?,
            },
        };
        let lm_head = linear(init, cfg.n_embd2, cfg.vocab_size, true)?;
        Ok(Rnn { start, wte, cell, lm_head, block_size: cfg.block_size })
    }
}

impl Layer for Rnn {
    fn forward(&mut self, idx: &Tensor) -> Result<Tensor> {
        let (b, t) = (idx.size()[0], idx.size()[1]);
        let emb = self.wte.forward(idx)?; // (b, t, n_embd), all at once
        // emb[:, i, :] for every i at once: the same views, and one backward node for all of
        // them (a stack) where 16 selects would each add a gradient of emb's full size
        let xs = emb.f_unbind(1)?;
        let mut hprev = self.start.f_expand([b, -1], false)?;
        let linears = self.cell.for_steps()?;
        let mut hiddens = Vec::with_capacity(t as usize);
        for xt in &xs {
            let ht = Cell::forward(&linears, xt, &hprev)?; // (b, n_embd2)
            hiddens.push(ht.shallow_clone());
            hprev = ht;
        }
        self.lm_head.forward(&Tensor::f_stack(&hiddens, 1)?)
    }

    fn parameters(&self) -> Vec<(String, Tensor)> {
        let mut params = vec![("start".to_string(), self.start.shallow_clone())];
        params.extend(prefixed("wte", self.wte.parameters()));
        params.extend(prefixed("cell", self.cell.parameters()));
        params.extend(prefixed("lm_head", self.lm_head.parameters()));
        params
    }
}

impl ZooModel for Rnn {
    fn block_size(&self) -> usize {
        self.block_size
    }
    /// The written-out step of the cell (the RNN's or the GRU's, in `zoo/rnn_backprop.rs`).
    fn written_step(&self) -> Option<Box<dyn WrittenStep>> {
        match self.cell {
            Cell::Rnn { .. } => Some(Box::new(RnnStep::default())),
            Cell::Gru { .. } => Some(Box::new(GruStep::default())),
        }
    }
}
