//! An escrow of native assets, showing how a contract holds, receives and moves them: anyone
//! deposits fungible assets by calling `deposit` with the asset operation `call` (the assets
//! come with the call); the escrow credits the depositor; a depositor withdraws its credit to
//! any account. Transfer rules and freezes apply to the escrow like to any holder: a frozen
//! asset cannot be withdrawn until unfrozen.
//!
//! Storage: the credit of `(depositor, asset)` under `b"c" || depositor || asset`.
//! Events: `deposited (depositor, asset, amount)`, `withdrawn (depositor, asset, amount, to)`.

#![cfg_attr(target_arch = "wasm32", no_std)]

extern crate alloc;

use citychain_sdk::{
    Address, Error, Map,
    assets::{self, AssetError, AssetId, Value},
    contract, env, events, fail, require,
};

const CREDIT: Map<(Address, [u8; 20]), u128> = Map::new(b"c");

events! {
    /// `depositor` was credited `amount` of `asset`, which came with its call.
    deposited(depositor: Address, asset: [u8; 20], amount: u128);
    /// `depositor` sent `amount` of its credit in `asset` to `to`.
    withdrawn(depositor: Address, asset: [u8; 20], amount: u128, to: Address);
}

contract! {
    /// Credits the caller with every fungible asset the call brought; returns how many.
    fn deposit() -> Result<u32, Error> {
        let depositor = env::caller();
        let mut count = 0u32;
        for value in assets::attached() {
            let Value::Token(asset, amount) = value else {
                fail!("the escrow takes fungible assets only");
            };
            let key = (depositor, asset.0);
            let credit = CREDIT.get(&key).unwrap_or(0);
            let Some(sum) = credit.checked_add(amount) else {
                fail!("the credit would overflow");
            };
            CREDIT.set(&key, &sum);
            events::deposited(depositor, asset.0, amount);
            count += 1;
        }
        require!(count > 0, "nothing was attached: deposit with the asset operation call");
        Ok(count)
    }

    /// Sends `amount` of the caller's credit in `asset` to `to`.
    fn withdraw(asset: [u8; 20], amount: u128, to: Address) -> Result<(), Error> {
        let depositor = env::caller();
        let key = (depositor, asset);
        let credit = CREDIT.get(&key).unwrap_or(0);
        require!(amount <= credit, "the credit is {}; {} was asked", credit, amount);
        CREDIT.set(&key, &(credit - amount));
        match assets::transfer(&AssetId(asset), &to, amount) {
            Ok(()) => {}
            Err(AssetError::Frozen) => fail!("the asset is frozen"),
            Err(AssetError::Restricted) => fail!("the recipient may not hold this asset"),
            Err(e) => fail!("the transfer failed: {:?}", e),
        }
        events::withdrawn(depositor, asset, amount, to);
        Ok(())
    }

    /// The caller's credit in `asset`.
    fn credit(depositor: Address, asset: [u8; 20]) -> u128 {
        CREDIT.get(&(depositor, asset)).unwrap_or(0)
    }

    /// What the escrow itself holds of `asset` (the sum of every credit in it).
    fn held(asset: [u8; 20]) -> u128 {
        assets::balance(&AssetId(asset), &env::self_address())
    }
}
