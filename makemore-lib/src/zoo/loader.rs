//! The order in which `makemore.py`'s data loaders hand out words, draw for draw.
//!
//! A `DataLoader`'s iterator first draws a base seed from the global generator
//! (`torch.empty((), dtype=torch.int64).random_()`, for its workers); at the first batch its
//! `RandomSampler` draws one more the same way and seeds a generator of its own with it.
//! That generator is PyTorch's CPU generator, MT19937 seeded with the low 32 bits, which tch
//! does not expose; it is written here, as PyTorch computes:
//!
//! - training (`InfiniteDataLoader`, sampling with replacement): each batch of 32 is
//!   `torch.randint(high=n, size=(32,), generator=g)`, i.e. `g.random() % n` for each;
//! - evaluation (`shuffle=True`): `torch.randperm(n, generator=g)`, whose CPU kernel swaps
//!   `r[i]` and `r[i + g.random() % (n − i)]` for `i` in `0..n−1`.
//!
//! Workers (`--num-workers`) change nothing: the sampler runs in the main process.

use rand_mt::Mt;
use tch::{Device, Kind, Tensor};

use crate::error::Result;

/// One draw of `torch.empty((), dtype=torch.int64).random_()` from the global generator:
/// a 64-bit draw, modulo 2^63.
pub fn global_seed() -> Result<u64> {
    let mut t = Tensor::f_empty([], (Kind::Int64, Device::Cpu))?;
    let _ = t.f_random_()?;
    Ok(t.f_int64_value(&[])? as u64)
}

/// `torch.Generator().manual_seed(seed)` on the CPU: MT19937 from the seed's low 32 bits.
#[derive(Debug, Clone)]
pub struct TorchGenerator {
    mt: Mt,
}

impl TorchGenerator {
    /// A generator seeded as `manual_seed(seed)` seeds one.
    ///
    /// ```
    /// // python: g = torch.Generator(); g.manual_seed(5); torch.randint(high=29000, size=(3,), generator=g)
    /// let mut g = makemore::zoo::TorchGenerator::new(5);
    /// assert_eq!(g.randint(29000, 3), [20411, 8814, 13767]);
    /// ```
    pub fn new(seed: u64) -> TorchGenerator {
        TorchGenerator { mt: Mt::new(seed as u32) }
    }

    /// `torch.randint(high=n, size=(k,), generator=g)` for n below 2^32.
    pub fn randint(&mut self, n: usize, k: usize) -> Vec<usize> {
        (0..k).map(|_| (self.mt.next_u32() as u64 % n as u64) as usize).collect()
    }

    /// `torch.randperm(n, generator=g)` for n below 2^32.
    ///
    /// ```
    /// // python: g = torch.Generator(); g.manual_seed(5); torch.randperm(3000, generator=g)[:5]
    /// let mut g = makemore::zoo::TorchGenerator::new(5);
    /// assert_eq!(g.randperm(3000)[..5], [2411, 840, 1609, 1986, 2390]);
    /// ```
    pub fn randperm(&mut self, n: usize) -> Vec<usize> {
        let mut r: Vec<usize> = (0..n).collect();
        for i in 0..n.saturating_sub(1) {
            let z = (self.mt.next_u32() as u64 % (n - i) as u64) as usize;
            r.swap(i, i + z);
        }
        r
    }
}

/// `InfiniteDataLoader(train_dataset, batch_size=…)`: batches of word indices drawn with
/// replacement. Creating it draws the iterator's base seed; the first batch draws the
/// sampler's seed (both from the global generator).
#[derive(Debug)]
pub struct TrainLoader {
    n: usize,
    batch: usize,
    generator: Option<TorchGenerator>,
    /// What the sampler drew and the loader has not handed out yet.
    pending: std::collections::VecDeque<usize>,
}

impl TrainLoader {
    /// `iter(DataLoader(...))` over `n` words: draws the base seed now.
    pub fn new(n: usize, batch: usize) -> Result<TrainLoader> {
        let _base_seed = global_seed()?;
        Ok(TrainLoader { n, batch, generator: None, pending: Default::default() })
    }

    /// The next batch's word indices. The sampler draws `randint` chunks of 32 whatever the
    /// batch size, and the loader takes `batch` indices at a time across them.
    pub fn next_batch(&mut self) -> Result<Vec<usize>> {
        if self.generator.is_none() {
            self.generator = Some(TorchGenerator::new(global_seed()?));
        }
        let g = self.generator.as_mut().expect("seeded above");
        while self.pending.len() < self.batch {
            self.pending.extend(g.randint(self.n, 32));
        }
        Ok(self.pending.drain(..self.batch).collect())
    }
}
