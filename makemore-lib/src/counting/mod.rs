//! Counting what follows what: the lecture's bigram dictionary and matrix ([`bigram`]),
//! the n-gram tables of longer contexts ([`ngrams`]), and whether a table can ever end a
//! word ([`reachable`]). Built on the data; the models are built on these.

pub mod bigram;
pub mod ngrams;
pub mod reachable;
