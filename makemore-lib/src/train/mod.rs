//! Training networks: the examples they learn from ([`examples`]) and the one training loop
//! ([`trainer`]: minibatches, the learning-rate schedule, divergence, evaluation every K
//! steps keeping the best parameters). What a network provides to be trained, sampled,
//! evaluated and saved is `models::network`.

pub mod examples;
pub mod trainer;
