//! A fungible token: fixed supply minted to the deployer, transfers, allowances.
//!
//! Storage: `b"meta"` holds `(name, symbol, decimals, total_supply)`; balances live under
//! `b"b" || address` and allowances under `b"a" || owner || spender`, so a holder's balance
//! can be proven from the state root. Events: `transfer (from, to, amount)` and
//! `approval (owner, spender, amount)`.

#![cfg_attr(target_arch = "wasm32", no_std)]

extern crate alloc;

use alloc::string::String;
use citychain_sdk::{Address, Error, Item, Map, contract, env, events, require, revert};

/// `(name, symbol, decimals, total supply)`.
const META: Item<(String, String, u8, u128)> = Item::new(b"meta");
const BALANCES: Map<Address, u128> = Map::new(b"b");
const ALLOWANCES: Map<(Address, Address), u128> = Map::new(b"a");

events! {
    /// Tokens moved (from the zero address: created).
    transfer(from: Address, to: Address, amount: u128);
    /// `owner` let `spender` move up to `amount` of its tokens.
    approval(owner: Address, spender: Address, amount: u128);
}

fn balance(of: &Address) -> u128 {
    BALANCES.get(of).unwrap_or(0)
}

fn move_tokens(from: &Address, to: &Address, amount: u128) -> Result<(), Error> {
    let have = balance(from);
    require!(have >= amount, "balance {} is below {}", have, amount);
    if from != to {
        BALANCES.set(from, &(have - amount));
        // Cannot overflow: the total supply is a u128 and this is part of it.
        BALANCES.set(to, &(balance(to) + amount));
    }
    events::transfer(*from, *to, amount);
    Ok(())
}

contract! {
    /// Creates the token and gives the whole supply to the deployer.
    fn init(name: String, symbol: String, decimals: u8, supply: u128) -> Result<(), Error> {
        require!(!name.is_empty() && name.len() <= 64, "the name must be 1 to 64 bytes");
        require!(!symbol.is_empty() && symbol.len() <= 16, "the symbol must be 1 to 16 bytes");
        require!(decimals <= 30, "at most 30 decimals");
        META.set(&(name, symbol, decimals, supply));
        let owner = env::caller();
        BALANCES.set(&owner, &supply);
        events::transfer(Address::default(), owner, supply);
        Ok(())
    }

    /// `(name, symbol, decimals, total_supply)`.
    fn info() -> (String, String, u8, u128) {
        META.get().unwrap_or_else(|| revert!("not initialised"))
    }

    fn balance_of(owner: Address) -> u128 {
        balance(&owner)
    }

    fn transfer(to: Address, amount: u128) -> Result<(), Error> {
        move_tokens(&env::caller(), &to, amount)
    }

    /// Lets `spender` move up to `amount` of the caller's tokens.
    fn approve(spender: Address, amount: u128) {
        let owner = env::caller();
        ALLOWANCES.set(&(owner, spender), &amount);
        events::approval(owner, spender, amount);
    }

    fn allowance(owner: Address, spender: Address) -> u128 {
        ALLOWANCES.get(&(owner, spender)).unwrap_or(0)
    }

    fn transfer_from(owner: Address, to: Address, amount: u128) -> Result<(), Error> {
        let spender = env::caller();
        let allowed = ALLOWANCES.get(&(owner, spender)).unwrap_or(0);
        require!(allowed >= amount, "allowance {} is below {}", allowed, amount);
        ALLOWANCES.set(&(owner, spender), &(allowed - amount));
        move_tokens(&owner, &to, amount)
    }
}
