//! Training networks: the examples they learn from ([`examples`]), the one training loop
//! ([`trainer`]: minibatches, the learning-rate schedule, divergence, evaluation every K
//! steps keeping the best parameters), and what a network provides to be trained, sampled,
//! evaluated and saved ([`network`]).

pub mod examples;
pub mod network;
pub mod trainer;
