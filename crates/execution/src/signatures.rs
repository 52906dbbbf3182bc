//! Signature checks for a block's transactions.

use citychain_crypto::{BatchItem, verify_batch};
use citychain_types::{SignedTransaction, transaction::TX_NAMESPACE};
use commonware_parallel::Strategy;

/// Verifies every signature, in batches; returns the index of the first bad one.
pub fn first_bad_signature<S: Strategy>(strategy: &S, txs: &[SignedTransaction]) -> Option<usize> {
    let messages: Vec<Vec<u8>> = txs
        .iter()
        .map(|tx| citychain_types::Encode::encode(tx.transaction()))
        .collect();
    let items: Vec<BatchItem<'_>> = txs
        .iter()
        .zip(&messages)
        .map(|(tx, m)| BatchItem {
            public_key: &tx.transaction().sender,
            message: m,
            signature: tx.signature(),
        })
        .collect();
    verify_batch(strategy, TX_NAMESPACE, &items)
        .iter()
        .position(|ok| !ok)
}
