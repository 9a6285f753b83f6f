//! Training networks: the examples they learn from ([`examples`]), the one training loop
//! ([`trainer`]: minibatches, the learning-rate schedule, divergence, evaluation every K
//! steps keeping the best parameters), and the networks trained before ([`cache`]). What a network provides to be trained, sampled,
//! evaluated and saved is `models::network`.

pub mod cache;
pub mod examples;
pub mod trainer;
