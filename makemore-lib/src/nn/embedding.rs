//! `Embedding`: a lookup table of learnt vectors, one row per token.

use tch::{Device, Kind, Tensor};

use crate::error::Result;
use crate::nn::layer::{Layer, bad_input, check_size};

/// The lecture's `Embedding(num_embeddings, embedding_dim)`: `weight = torch.randn((num,
/// dim))` from the global generator, forward `weight[IX]` (an index: any shape of int64
/// token indices, each row picked; a (B, T) batch gives (B, T, dim)). The parameter is
/// `weight`.
///
/// `torch.nn.Embedding` draws its weight with `normal_()` on an empty tensor, which is how
/// libtorch's `randn` fills its result: after the same seed the two weights are the same
/// bits (tests/nn.rs checks it against PyTorch).
///
/// ```
/// use makemore::nn::{Embedding, Layer};
/// tch::manual_seed(42);
/// let mut emb = Embedding::new(27, 10)?;
/// let ix = tch::Tensor::from_slice(&[0i64, 5, 26, 5]).view([2, 2]);
/// let out = emb.forward(&ix)?;
/// assert_eq!(out.size(), [2, 2, 10]);
/// assert!(out.get(0).get(1).equal(&emb.weight.get(5)));
/// assert!(emb.forward(&tch::Tensor::from_slice(&[27i64])).is_err()); // no row 27
/// # Ok::<(), makemore::Error>(())
/// ```
#[derive(Debug)]
pub struct Embedding {
    /// (num_embeddings, embedding_dim).
    pub weight: Tensor,
    /// Forward by `F.embedding` (torch.nn.Embedding's) rather than by indexing.
    functional: bool,
}

impl Embedding {
    /// `num` vectors of `dim` numbers, drawn from the standard normal.
    pub fn new(num: usize, dim: usize) -> Result<Embedding> {
        let (num, dim) = (check_size("num_embeddings", num)?, check_size("embedding_dim", dim)?);
        let weight = Tensor::f_randn([num, dim], (Kind::Float, Device::Cpu))?.f_set_requires_grad(true)?;
        Ok(Embedding { weight, functional: false })
    }

    /// `torch.nn.Embedding(num, dim)` (karpathy/makemore's models): the same draws as
    /// [`Embedding::new`], and the forward pass `F.embedding(idx, weight)`, whose backward
    /// adds each row's gradients with `embedding_dense_backward` rather than indexing's
    /// `index_put_`: PyTorch's kernels, so PyTorch's bits.
    ///
    /// ```
    /// use makemore::nn::{Embedding, Layer};
    /// tch::manual_seed(42);
    /// let mut lecture = Embedding::new(5, 3)?;
    /// tch::manual_seed(42);
    /// let mut torch = Embedding::torch(5, 3)?;
    /// let ix = tch::Tensor::from_slice(&[4i64, 0, 4]);
    /// assert!(torch.forward(&ix)?.equal(&lecture.forward(&ix)?));
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn torch(num: usize, dim: usize) -> Result<Embedding> {
        Ok(Embedding::new(num, dim)?.into_torch())
    }

    /// The same table, its forward pass `F.embedding`'s (see [`Embedding::torch`]): a
    /// [`zeroed`](Embedding::zeroed) one to load a karpathy/makemore model into, say.
    pub fn into_torch(self) -> Embedding {
        Embedding { functional: true, ..self }
    }

    /// The same sizes holding zeros, drawing nothing from the generator: what a model file's
    /// values are loaded into.
    pub fn zeroed(num: usize, dim: usize) -> Result<Embedding> {
        let (num, dim) = (check_size("num_embeddings", num)?, check_size("embedding_dim", dim)?);
        let weight = Tensor::f_zeros([num, dim], (Kind::Float, Device::Cpu))?.f_set_requires_grad(true)?;
        Ok(Embedding { weight, functional: false })
    }
}

impl Layer for Embedding {
    /// `weight[IX]`; the indices must be int64 and from 0 to num_embeddings − 1.
    fn forward(&mut self, x: &Tensor) -> Result<Tensor> {
        let num = self.weight.size()[0];
        let layer = || format!("Embedding({num}, {})", self.weight.size()[1]);
        if x.kind() != Kind::Int64 {
            return Err(bad_input(x, layer(), "the indices must be int64"));
        }
        if x.numel() > 0 {
            let (lo, hi) = (x.f_min()?.f_int64_value(&[])?, x.f_max()?.f_int64_value(&[])?);
            if lo < 0 || hi >= num {
                return Err(bad_input(x, layer(), "every index must be from 0 to num_embeddings - 1"));
            }
        }
        if self.functional {
            return Ok(Tensor::f_embedding(&self.weight, x, -1, false, false)?);
        }
        Ok(self.weight.f_index(&[Some(x)])?)
    }

    fn parameters(&self) -> Vec<(String, Tensor)> {
        vec![("weight".into(), self.weight.shallow_clone())]
    }
}
