//! Any bytes given to the transaction decoder: it never panics, and what it accepts is
//! canonical (re-encoding gives the same bytes, so one transaction has one hash).
#![no_main]

use citychain_types::{Block, Decode, Encode, SignedTransaction};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(tx) = SignedTransaction::decode(data) {
        assert_eq!(
            tx.encode(),
            data,
            "a decoded transaction re-encodes differently"
        );
        let _ = tx.verify_signature();
    }
    if let Ok(block) = Block::decode(data) {
        assert_eq!(
            block.encode(),
            data,
            "a decoded block re-encodes differently"
        );
    }
});
