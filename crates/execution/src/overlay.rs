//! Buffered reads and writes over a state view, with per-transaction rollback.

use crate::{BlockError, Result};
use citychain_crypto::Address;
use citychain_state::{StateView, WriteSet};
use citychain_types::{Account, ChainParams, Decode, Encode, layout};

/// The block's view of the state: the parent state plus this block's writes so far.
///
/// Writes go to the current transaction's layer first; [`Overlay::commit_tx`] folds them into the
/// block's layer and [`Overlay::revert_tx`] drops them, so a failed transaction leaves no trace
/// beyond what the rules charge.
pub struct Overlay<'a> {
    base: &'a StateView,
    block: WriteSet,
    tx: WriteSet,
}

impl<'a> Overlay<'a> {
    pub fn new(base: &'a StateView) -> Self {
        Overlay {
            base,
            block: WriteSet::new(),
            tx: WriteSet::new(),
        }
    }

    pub fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        if let Some(v) = self.tx.get(key) {
            return Ok(v.clone());
        }
        if let Some(v) = self.block.get(key) {
            return Ok(v.clone());
        }
        Ok(self.base.get(key)?)
    }

    pub fn set(&mut self, key: Vec<u8>, value: Vec<u8>) {
        self.tx.insert(key, Some(value));
    }

    pub fn remove(&mut self, key: Vec<u8>) {
        self.tx.insert(key, None);
    }

    /// Keeps the current transaction's writes.
    pub fn commit_tx(&mut self) {
        let tx = std::mem::take(&mut self.tx);
        self.block.extend(tx);
    }

    /// Drops the current transaction's writes.
    pub fn revert_tx(&mut self) {
        self.tx.clear();
    }

    /// The block's writes (the current transaction must be committed or reverted).
    pub fn into_writes(mut self) -> WriteSet {
        self.commit_tx();
        self.block
    }

    pub fn account(&self, address: &Address) -> Result<Account> {
        match self.get(&layout::account_key(address))? {
            None => Ok(Account::default()),
            Some(raw) => Account::decode(&raw).map_err(|e| BlockError::CorruptState {
                what: "account",
                detail: format!("{address}: {e}"),
            }),
        }
    }

    pub fn set_account(&mut self, address: &Address, account: &Account) {
        self.set(layout::account_key(address), account.encode());
    }

    pub fn params(&self) -> Result<ChainParams> {
        let raw = self
            .get(&layout::params_key())?
            .ok_or(BlockError::MissingParams)?;
        ChainParams::decode(&raw).map_err(|e| BlockError::CorruptState {
            what: "chain params",
            detail: e.to_string(),
        })
    }
}
