//! Any bytes a peer relays as a transaction batch: the decoder never panics, keeps its bounds,
//! and accepts only the canonical encoding.
#![no_main]

use citychain_node::relay::{decode_batch, encode_batch};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(txs) = decode_batch(data) {
        assert!(txs.len() <= citychain_node::relay::MAX_BATCH_TXS);
        assert_eq!(
            encode_batch(&txs),
            data,
            "a decoded batch re-encodes differently"
        );
    }
});
