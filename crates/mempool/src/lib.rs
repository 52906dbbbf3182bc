//! Transaction admission (cheapest checks first, batched signature verification) and ordering.
//!
//! Admission of a batch of raw transactions, in order of cost:
//! 1. size against the chain's limit, before decoding;
//! 2. bounded decoding;
//! 3. chain id, suite, gas limit (the stateless validity rules of execution);
//! 4. nonce window against the sender's committed nonce (replays and far-future nonces),
//!    duplicates, per-sender and pool capacity, fee balance;
//! 5. signatures, verified for the whole batch at once on the verification thread pool
//!    (Ed25519 under ZIP-215 rules, so batch and single verification agree on every node).
//!
//! Every rejection has a stable code and a message naming the values involved.

mod pool;

pub use pool::{CommittedState, Mempool, MempoolConfig, MempoolStats, Rejection};
