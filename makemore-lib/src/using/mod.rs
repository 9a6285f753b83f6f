//! Using any model through [`LanguageModel`](crate::LanguageModel): sampling words
//! ([`sample`]), scoring a word list ([`eval`]), and tuning a kind's hyper-parameter on a
//! dev split ([`tune`]).

pub mod eval;
pub mod sample;
pub mod tune;
