//! Exercises E04 and E05: the neural bigram's loss without the one-hot product (an
//! index), and through PyTorch's fused cross-entropy. Same value and gradient as the
//! lecture's [`NeuralBigram::loss`] (to float32 rounding).

use tch::{Kind, Tensor};

use crate::error::Result;
use crate::models::neural::NeuralBigram;

impl NeuralBigram {
    /// Exercise E04: `one_hot(x) @ W` is just row `x` of `W`, so the logits are `W[xs]`:
    /// an index, not an n×V matrix product. Then the lecture's exp → normalize → log → mean.
    ///
    /// ```
    /// use makemore::Item;
    /// let vocab = makemore::Vocab::from_itos(vec!['.', 'a', 'b'])?;
    /// let model = makemore::NeuralBigram::new(&vocab, 3);
    /// let (xs, ys) = (tch::Tensor::from_slice(&[0i64, 1, 2]), tch::Tensor::from_slice(&[1i64, 2, 0]));
    /// let a = model.loss(&xs, &ys, 0.01)?.item();
    /// let b = model.loss_indexed(&xs, &ys, 0.01)?.item();
    /// assert!((a - b).abs() < 1e-6);
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn loss_indexed(&self, xs: &Tensor, ys: &Tensor, reg: f64) -> Result<Tensor> {
        let logits = self.w().f_index_select(0, xs)?;
        let counts = logits.f_exp()?;
        let probs = counts.f_div(&counts.f_sum_dim_intlist([1i64].as_slice(), true, None::<Kind>)?)?;
        let picked = probs.f_gather(1, &ys.f_unsqueeze(1)?, false)?;
        Ok(picked.f_log()?.f_mean(None::<Kind>)?.f_neg()?.f_add(&self.regularization(reg)?)?)
    }

    /// Exercise E05: the loss through `F.cross_entropy` (`log_softmax` then `nll_loss`) on
    /// the indexed logits. Preferred because it never forms `exp(logits)` (no overflow for
    /// large logits, no `log(0)` for tiny probabilities) and it runs fewer, fused kernels
    /// with a simpler backward pass.
    ///
    /// ```
    /// use makemore::Item;
    /// let vocab = makemore::Vocab::from_itos(vec!['.', 'a', 'b'])?;
    /// let model = makemore::NeuralBigram::new(&vocab, 3);
    /// let (xs, ys) = (tch::Tensor::from_slice(&[0i64, 1, 2]), tch::Tensor::from_slice(&[1i64, 2, 0]));
    /// let a = model.loss(&xs, &ys, 0.01)?.item();
    /// let b = model.loss_cross_entropy(&xs, &ys, 0.01)?.item();
    /// assert!((a - b).abs() < 1e-6);
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn loss_cross_entropy(&self, xs: &Tensor, ys: &Tensor, reg: f64) -> Result<Tensor> {
        let logits = self.w().f_index_select(0, xs)?;
        let cross_entropy =
            logits.f_log_softmax(-1, Kind::Float)?.f_nll_loss::<Tensor>(ys, None, tch::Reduction::Mean, -100)?;
        Ok(cross_entropy.f_add(&self.regularization(reg)?)?)
    }

    /// `reg * (W**2).mean()`.
    fn regularization(&self, reg: f64) -> Result<Tensor> {
        Ok(self.w().f_pow_tensor_scalar(2)?.f_mean(None::<Kind>)?.f_mul_scalar(reg)?)
    }
}
