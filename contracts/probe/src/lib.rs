//! A test contract that exposes each host function through an entry point, so the tests can
//! check the host API end to end through the SDK. Not a city contract.

#![cfg_attr(target_arch = "wasm32", no_std)]

extern crate alloc;

use alloc::vec::Vec;
use citychain_sdk::{Address, Error, Map, contract, env, require};

const NOTES: Map<u64, Vec<u8>> = Map::new(b"n");

contract! {
    /// `(caller, origin, self, value, height, time_ms, gas_left > 0)`.
    fn whoami() -> (Address, Address, Address, u128, u64, u64, bool) {
        (
            env::caller(),
            env::origin(),
            env::self_address(),
            env::value(),
            env::block_height(),
            env::block_time_ms(),
            env::gas_left() > 0,
        )
    }

    /// Calls `target.whoami` and returns its answer (so callers and origins can be compared).
    fn relay(target: Address) -> Result<Vec<u8>, Error> {
        env::call(&target, "whoami", &(), 0, 0)
            .map_err(|e| Error(alloc::format!("relay failed ({}): {}", e.status, e.reason)))
    }

    fn balance_of(who: Address) -> u128 {
        env::balance(&who)
    }

    /// Pays `amount` of the native currency from this contract.
    fn pay(to: Address, amount: u128) -> Result<(), Error> {
        env::transfer(&to, amount)
            .map_err(|e| Error(alloc::format!("cannot pay {amount}: {e:?}")))
    }

    fn hash(data: Vec<u8>) -> [u8; 32] {
        env::hash(&data)
    }

    fn verify(public_key: Vec<u8>, message: Vec<u8>, signature: [u8; 64]) -> bool {
        env::verify(&public_key, &message, &signature)
    }

    fn put(id: u64, note: Vec<u8>) {
        NOTES.set(&id, &note);
    }

    fn remove(id: u64) {
        NOTES.remove(&id);
    }

    /// Writes `extra` (then iterates in the same call) and lists every note in key order.
    fn list_with(extra: u64) -> Vec<(u64, Vec<u8>)> {
        NOTES.set(&extra, &Vec::from(*b"extra"));
        NOTES.iter().collect()
    }

    fn list_after(after: u64, limit: u32) -> Result<Vec<u64>, Error> {
        require!(limit <= 100, "at most 100");
        Ok(NOTES.iter_from(Some(&after)).take(limit as usize).map(|(k, _)| k).collect())
    }
}
