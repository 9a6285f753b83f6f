//! CPython's `random.seed(S); random.shuffle(words)`, the later makemore lectures'
//! shuffle before the train/dev/test split, reproduced draw for draw.
//!
//! The generator is MT19937 (the kept crate `rand_mt`). What is CPython's own is written
//! here:
//! - `random.seed(S)` for an int `S` calls `init_by_array` with the 32-bit words of `|S|`,
//!   least significant first (`[0]` for 0), so seed 42 is the key `[42]`;
//! - `shuffle(x)` runs `for i in reversed(range(1, len(x))): j = _randbelow(i + 1)` and
//!   swaps `x[i]`, `x[j]`;
//! - `_randbelow(m)` draws `getrandbits(m.bit_length())` until the value is below `m`;
//! - `getrandbits(k)` for `k ≤ 32` is the next 32-bit output shifted right by `32 − k`.
//!
//! So a split made here is the split a Python user gets from the same two lines:
//!
//! ```python
//! import random
//! random.seed(42); random.shuffle(words)
//! ```

use rand_mt::Mt;

/// CPython's `random.Random(seed)`: MT19937 seeded by `init_by_array` with the 32-bit
/// words of the seed.
///
/// ```
/// // python3 -c "import random; random.seed(42); print(random.getrandbits(32))"
/// assert_eq!(makemore::PyRandom::new(42).getrandbits(32), 2746317213);
/// ```
#[derive(Debug, Clone)]
pub struct PyRandom {
    mt: Mt,
}

impl PyRandom {
    /// `random.seed(seed)` for a non-negative int (a negative int seeds as its absolute value).
    pub fn new(seed: u64) -> PyRandom {
        let (low, high) = (seed as u32, (seed >> 32) as u32);
        let key: &[u32] = if high == 0 { &[low] } else { &[low, high] };
        PyRandom { mt: Mt::new_with_key(key.iter().copied()) }
    }

    /// `random.getrandbits(k)` for `1 ≤ k ≤ 32`: the top `k` bits of the next output.
    pub fn getrandbits(&mut self, k: u32) -> u32 {
        assert!((1..=32).contains(&k), "getrandbits({k}): only 1 to 32 bits are needed here");
        self.mt.next_u32() >> (32 - k)
    }

    /// `random._randbelow(m)` for `1 ≤ m < 2^32`: a uniform integer below `m` by rejection.
    pub fn randbelow(&mut self, m: u32) -> u32 {
        assert!(m >= 1, "randbelow(0)");
        let k = u32::BITS - m.leading_zeros(); // m.bit_length()
        loop {
            let r = self.getrandbits(k);
            if r < m {
                return r;
            }
        }
    }

    /// `random.shuffle(items)`, in place, for fewer than 2^32 items (a word list is
    /// bounded far below that by [`crate::MAX_INPUT_BYTES`]).
    ///
    /// ```
    /// // python3 -c "import random; x = list(range(10)); random.seed(0); random.shuffle(x); print(x)"
    /// let mut x: Vec<u32> = (0..10).collect();
    /// makemore::PyRandom::new(0).shuffle(&mut x);
    /// assert_eq!(x, [7, 8, 1, 5, 3, 4, 2, 0, 9, 6]);
    /// ```
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        assert!(items.len() < 1 << 32, "shuffle: fewer than 2^32 items");
        for i in (1..items.len()).rev() {
            let j = self.randbelow(i as u32 + 1) as usize;
            items.swap(i, j);
        }
    }
}
