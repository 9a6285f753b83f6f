//! [`Method::ExactGradient`](crate::Method::ExactGradient): the networks' loss and
//! gradient in closed form from the n-gram counts, instead of autograd over every example.
//!
//! The logits of an example depend only on its context, so the loss depends on the data
//! only through the counts `N[c, j]` (how often token `j` follows context `c`). With
//! `P[c] = softmax(logits(c))`, `R[c] = Σⱼ N[c, j]` and `n = Σ N`:
//!
//! - loss `L = −(1/n)·Σ_cj N[c, j]·log P[c, j] + reg·mean(W²)`
//! - gradient with respect to the logits of `c`: `(R[c]·P[c, j] − N[c, j]) / n`, added to
//!   every row of `W` that context `c` picks (row `k·V + t` for token `t` at position `k`),
//!   plus `2·reg·W / |W|`.
//!
//! The same value and gradient autograd computes through the one-hot path (tested), in
//! O(C·context·V) per step for C distinct contexts, whatever the size of the data. For the
//! lecture's bigram that is O(V²): 27 × 27 instead of 228,146 × 27.

use crate::counting::ngrams::NgramTable;

/// The rows of the networks' `W` that a context picks: its `k`-th token `t` picks row
/// `k·V + t` (each position has its own V×V block; context 1 is the lecture's `W[t]`).
pub(crate) fn weight_rows(ctx: impl IntoIterator<Item = usize>, v: usize) -> impl Iterator<Item = usize> {
    ctx.into_iter().enumerate().map(move |(k, t)| k * v + t)
}

/// The counts as float64, ready for gradient steps on a weight matrix of
/// `(context·V) × V` float32 values (row-major, as libtorch stores `W`).
///
/// ```
/// use makemore::{NgramTable, ExactGradient, Vocab, WordList};
/// let words = WordList::parse("ab\nab\nb", "w")?;
/// let vocab = Vocab::from_words(&words)?;
/// let exact = ExactGradient::new(&NgramTable::from_words(&words, &vocab, 1)?, vocab.len());
/// let mut w = vec![0.0f32; 9];
/// let first = exact.step(&mut w, 10.0, 0.0);
/// assert!((first - 3f32.ln()).abs() < 1e-6); // all weights 0: uniform over 3 tokens
/// assert!(exact.step(&mut w, 10.0, 0.0) < first);
/// # Ok::<(), makemore::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct ExactGradient {
    v: usize,
    context: usize,
    /// C × context token indices.
    contexts: Vec<usize>,
    /// C × V counts.
    n: Vec<f64>,
    /// Σⱼ N[c, j] for each context.
    row_totals: Vec<f64>,
    total: f64,
}

impl ExactGradient {
    /// Take the counts of a table over a vocabulary of `v` tokens.
    ///
    /// ```
    /// let t = makemore::NgramTable::from_rows(2, 1, vec![(vec![0], vec![1, 2])])?;
    /// assert_eq!(makemore::ExactGradient::new(&t, 2).examples(), 3);
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn new(table: &NgramTable, v: usize) -> ExactGradient {
        let contexts = table.contexts().iter().map(|&t| t as usize).collect();
        let n: Vec<f64> = (0..table.len()).flat_map(|i| table.row(i).iter().map(|&c| c as f64)).collect();
        let row_totals = n.chunks(v).map(|row| row.iter().sum()).collect();
        ExactGradient { v, context: table.context_len(), contexts, n, row_totals, total: table.total() as f64 }
    }

    /// How many examples (n-grams) the counts hold.
    ///
    /// ```
    /// let t = makemore::NgramTable::from_rows(2, 1, vec![])?;
    /// assert_eq!(makemore::ExactGradient::new(&t, 2).examples(), 0);
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn examples(&self) -> usize {
        self.total as usize
    }

    /// One gradient-descent step on `w` (`W -= lr·∂L/∂W`); returns the loss before the
    /// update. Sums are taken in float64, the weights stay float32.
    ///
    /// ```
    /// let t = makemore::NgramTable::from_rows(2, 1, vec![(vec![0], vec![0, 4]), (vec![1], vec![4, 0])])?;
    /// let exact = makemore::ExactGradient::new(&t, 2);
    /// let mut w = vec![0.0f32; 4];
    /// exact.step(&mut w, 1.0, 0.0);
    /// assert!(w[1] > w[0] && w[2] > w[3]); // towards '.'→a and a→'.'
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn step(&self, w: &mut [f32], lr: f64, reg: f64) -> f32 {
        let (v, n) = (self.v, self.context);
        let mut loss = 0.0;
        let mut grad = vec![0f64; w.len()];
        let mut logits = vec![0f64; v];
        for (c, ctx) in self.contexts.chunks(n).enumerate() {
            // where the rows this context picks start in `w`
            let starts: Vec<usize> = weight_rows(ctx.iter().copied(), v).map(|row| row * v).collect();
            logits.iter_mut().for_each(|l| *l = 0.0);
            for &start in &starts {
                logits.iter_mut().zip(&w[start..start + v]).for_each(|(l, &x)| *l += x as f64);
            }
            let max = logits.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let exps: Vec<f64> = logits.iter().map(|&x| (x - max).exp()).collect();
            let sum: f64 = exps.iter().sum();
            let counts = &self.n[c * v..(c + 1) * v];
            for j in 0..v {
                let p = exps[j] / sum;
                let ncj = counts[j];
                // 0·ln 0 counts as 0: an unseen pair adds nothing, even where `p`
                // underflowed to 0 and `ln` would give -inf (and 0·-inf NaN)
                if ncj > 0.0 {
                    loss -= ncj * p.ln();
                }
                let g = (self.row_totals[c] * p - ncj) / self.total;
                for &start in &starts {
                    grad[start + j] += g;
                }
            }
        }
        let cells = w.len() as f64;
        let mean_sq: f64 = w.iter().map(|&x| (x as f64).powi(2)).sum::<f64>() / cells;
        let loss = loss / self.total + reg * mean_sq;
        for (wij, g) in w.iter_mut().zip(&grad) {
            let g = g + 2.0 * reg * *wij as f64 / cells;
            *wij = (*wij as f64 - lr * g) as f32;
        }
        loss as f32
    }
}
