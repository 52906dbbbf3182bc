//! A notary: anchors a document's hash with who submitted it and when, so anyone can later
//! show the document existed, unchanged, at that time.
//!
//! Storage: each record lives under `b"d" || document hash` as
//! `(submitter, block time ms, block height, note)`. A client proves a record to someone who
//! trusts only a block header by asking for the state proof of key
//! `0x05 || notary address || b"d" || document hash` (`citychain query proof --key`).
//! Event: `anchored (document hash, submitter, time ms)`.

#![cfg_attr(target_arch = "wasm32", no_std)]

extern crate alloc;

use alloc::string::String;
use citychain_sdk::{Address, Error, Item, Map, contract, env, events, fail, require};

/// `(submitter, time ms, height, note)` (written out in full where a method returns it, so the
/// contract's metadata can describe it).
const RECORDS: Map<[u8; 32], (Address, u64, u64, String)> = Map::new(b"d");
const COUNT: Item<u64> = Item::new(b"count");

events! {
    /// A document hash was anchored by `submitter` at `time_ms`.
    anchored(document_hash: [u8; 32], submitter: Address, time_ms: u64);
}

contract! {
    /// Anchors `document_hash`; a hash can be anchored only once.
    fn anchor(document_hash: [u8; 32], note: String) -> Result<(), Error> {
        require!(note.len() <= 256, "the note is {} bytes; at most 256", note.len());
        if let Some((by, at, _, _)) = RECORDS.get(&document_hash) {
            fail!("already anchored by {} at {} ms", by, at);
        }
        let submitter = env::caller();
        let time = env::block_time_ms();
        RECORDS.set(&document_hash, &(submitter, time, env::block_height(), note));
        COUNT.set(&(COUNT.get().unwrap_or(0) + 1));
        events::anchored(document_hash, submitter, time);
        Ok(())
    }

    /// The record of `document_hash`, if anchored.
    fn lookup(document_hash: [u8; 32]) -> Option<(Address, u64, u64, String)> {
        RECORDS.get(&document_hash)
    }

    /// Anchors the hash (in the chain's suite) of `document` itself.
    fn anchor_document(document: alloc::vec::Vec<u8>, note: String) -> Result<[u8; 32], Error> {
        let h = env::hash(&document);
        if RECORDS.contains(&h) {
            fail!("already anchored");
        }
        let submitter = env::caller();
        let time = env::block_time_ms();
        RECORDS.set(&h, &(submitter, time, env::block_height(), note));
        COUNT.set(&(COUNT.get().unwrap_or(0) + 1));
        events::anchored(h, submitter, time);
        Ok(h)
    }

    /// How many documents are anchored.
    fn count() -> u64 {
        COUNT.get().unwrap_or(0)
    }
}
