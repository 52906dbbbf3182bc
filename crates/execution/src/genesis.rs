//! The genesis state.

use citychain_state::WriteSet;
use citychain_types::{Account, Encode, Genesis, Nonce, layout};

/// The writes that make up the state at height 0: parameters, validator set and funded accounts.
pub fn genesis_writes(genesis: &Genesis) -> WriteSet {
    let mut writes = WriteSet::new();
    writes.insert(layout::params_key(), Some(genesis.params.encode()));
    writes.insert(
        layout::validators_key(),
        Some(genesis.validator_set().encode()),
    );
    for a in &genesis.accounts {
        let account = Account {
            nonce: Nonce(0),
            balance: a.balance,
        };
        writes.insert(layout::account_key(&a.address), Some(account.encode()));
    }
    writes
}
