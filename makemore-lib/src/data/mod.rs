//! The data: word lists read and checked ([`words`]), their vocabulary ([`vocab`]),
//! bounded reads and atomic writes ([`input`], [`output`]), and train/dev/test splits
//! ([`split`], shuffled by CPython's generator: [`pyrandom`]). The ground floor above the error type: nothing here knows of models.

pub mod input;
pub mod output;
pub mod pyrandom;
pub mod split;
pub mod vocab;
pub mod words;
