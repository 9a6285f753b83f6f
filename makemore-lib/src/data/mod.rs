//! The data: word lists read and checked ([`words`]), their vocabulary ([`vocab`]),
//! bounded reads and atomic writes ([`input`], [`output`]), and train/dev/test splits
//! ([`split`]). The ground floor above the error type: nothing here knows of models.

pub mod input;
pub mod output;
pub mod split;
pub mod vocab;
pub mod words;
