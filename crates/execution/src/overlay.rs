//! Buffered reads and writes over a state view, with per-transaction and per-call rollback.

use crate::{
    BlockError, Result,
    contracts::{Loaded, Runtime},
};
use citychain_crypto::{Address, Hash};
use citychain_state::{Scan, StateView, WriteSet};
use citychain_types::{Account, ChainParams, ContractInfo, Decode, Encode, layout};
use std::{cell::RefCell, collections::HashMap};

/// The block's view of the state: the parent state plus this block's writes so far.
///
/// Writes go to the innermost open layer. A transaction is one layer; a contract call opens
/// another with [`Overlay::checkpoint`] and ends it with [`Overlay::commit_checkpoint`] or
/// [`Overlay::revert_checkpoint`], so a failed nested call leaves no trace. [`Overlay::commit_tx`]
/// folds the transaction into the block and [`Overlay::revert_tx`] drops it.
pub struct Overlay {
    base: StateView,
    block: WriteSet,
    /// Open layers of the current transaction, innermost last; never empty.
    tx: Vec<WriteSet>,
    /// Contract code this block has run or deployed, compiled: later runs in the block pay no
    /// load price, and are never compiled again whatever the engine's cache does.
    loaded: HashMap<Hash, Loaded>,
    /// The block's WASM store, between contract calls.
    runtime: Option<Runtime>,
    /// Contract records read from the base state (which does not change during the block):
    /// every call reads its contract's.
    contracts: RefCell<HashMap<Address, Option<ContractInfo>>>,
}

impl Overlay {
    pub fn new(base: &StateView) -> Self {
        Overlay {
            base: base.clone(),
            block: WriteSet::new(),
            tx: vec![WriteSet::new()],
            loaded: HashMap::new(),
            runtime: None,
            contracts: RefCell::new(HashMap::new()),
        }
    }

    /// The record of `contract`: this block's writes first, then the base state, read once.
    pub(crate) fn contract_info(&self, contract: &Address) -> Result<Option<ContractInfo>> {
        let key = layout::contract_key(contract);
        for layer in self.layers() {
            if let Some(value) = layer.get(&key) {
                return crate::read::decode(value.clone(), "contract");
            }
        }
        if let Some(info) = self.contracts.borrow().get(contract) {
            return Ok(info.clone());
        }
        let info = crate::read::decode(self.base.get(&key)?, "contract")?;
        self.contracts.borrow_mut().insert(*contract, info.clone());
        Ok(info)
    }

    /// The compiled code `code_hash` if this block already ran or deployed it.
    pub(crate) fn loaded(&self, code_hash: &Hash) -> Option<Loaded> {
        self.loaded.get(code_hash).cloned()
    }

    /// Records that this block has loaded `code_hash`.
    pub(crate) fn loaded_in_block(&mut self, code_hash: Hash, loaded: Loaded) {
        self.loaded.insert(code_hash, loaded);
    }

    /// The block's WASM store, if a call left one.
    pub(crate) fn take_runtime(&mut self) -> Option<Runtime> {
        self.runtime.take()
    }

    /// Keeps the block's WASM store for the next call.
    pub(crate) fn keep_runtime(&mut self, runtime: Runtime) {
        self.runtime = Some(runtime);
    }

    /// Moves the overlay out, leaving an empty one over the same base (a contract call owns the
    /// overlay while it runs).
    pub fn take(&mut self) -> Overlay {
        let fresh = Overlay::new(&self.base);
        std::mem::replace(self, fresh)
    }

    fn layers(&self) -> impl Iterator<Item = &WriteSet> {
        self.tx.iter().rev().chain(std::iter::once(&self.block))
    }

    pub fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        for layer in self.layers() {
            if let Some(v) = layer.get(key) {
                return Ok(v.clone());
            }
        }
        Ok(self.base.get(key)?)
    }

    /// The first key with `prefix` after `after` that has a value, with the value.
    pub fn next_key(
        &self,
        prefix: &[u8],
        after: Option<&[u8]>,
    ) -> Result<Option<(Vec<u8>, Vec<u8>)>> {
        Ok(self.scan(prefix, after, u64::MAX)?.found)
    }

    /// [`Overlay::next_key`], stepping over at most `max_skips` deleted keys (a count that
    /// is the same on every node, so a contract can pay for it).
    pub fn scan(&self, prefix: &[u8], after: Option<&[u8]>, max_skips: u64) -> Result<Scan> {
        let layers: Vec<&WriteSet> = self.layers().collect();
        Ok(self.base.scan(&layers, prefix, after, max_skips)?)
    }

    pub fn set(&mut self, key: Vec<u8>, value: Vec<u8>) {
        self.top().insert(key, Some(value));
    }

    pub fn remove(&mut self, key: Vec<u8>) {
        self.top().insert(key, None);
    }

    fn top(&mut self) -> &mut WriteSet {
        self.tx
            .last_mut()
            .expect("the transaction layer is never popped")
    }

    /// Opens a layer for a nested call.
    pub fn checkpoint(&mut self) {
        self.tx.push(WriteSet::new());
    }

    /// Keeps the innermost layer's writes, folding them into the layer below.
    pub fn commit_checkpoint(&mut self) {
        if self.tx.len() > 1 {
            let top = self.tx.pop().expect("checked");
            self.top().extend(top);
        }
    }

    /// Drops the innermost layer's writes.
    pub fn revert_checkpoint(&mut self) {
        if self.tx.len() > 1 {
            self.tx.pop();
        } else {
            self.top().clear();
        }
    }

    /// Keeps the current transaction's writes.
    pub fn commit_tx(&mut self) {
        for layer in std::mem::replace(&mut self.tx, vec![WriteSet::new()]) {
            self.block.extend(layer);
        }
    }

    /// Drops the current transaction's writes.
    pub fn revert_tx(&mut self) {
        self.tx = vec![WriteSet::new()];
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

#[cfg(test)]
mod tests {
    use super::*;
    use citychain_state::StateStore;

    fn empty_view() -> (tempfile::TempDir, StateView) {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = fjall::Database::builder(dir.path()).open().expect("open");
        let store = StateStore::open(&db, citychain_crypto::Suite::Ed25519).expect("store");
        (dir, StateView::committed(store, None))
    }

    #[test]
    fn nested_layers_commit_and_revert_independently() {
        let (_dir, view) = empty_view();
        let mut o = Overlay::new(&view);
        o.set(b"k1".to_vec(), b"tx".to_vec());
        o.checkpoint();
        o.set(b"k2".to_vec(), b"inner".to_vec());
        o.checkpoint();
        o.set(b"k1".to_vec(), b"innermost".to_vec());
        o.remove(b"k2".to_vec());
        assert_eq!(o.get(b"k1").expect("get"), Some(b"innermost".to_vec()));
        assert_eq!(
            o.next_key(b"k", None).expect("next").map(|kv| kv.0),
            Some(b"k1".to_vec())
        );
        assert_eq!(o.next_key(b"k", Some(b"k1")).expect("next"), None);
        o.revert_checkpoint();
        assert_eq!(o.get(b"k1").expect("get"), Some(b"tx".to_vec()));
        assert_eq!(o.get(b"k2").expect("get"), Some(b"inner".to_vec()));
        o.commit_checkpoint();
        o.commit_tx();
        o.set(b"k3".to_vec(), b"dropped".to_vec());
        o.revert_tx();
        let writes = o.into_writes();
        assert_eq!(writes.len(), 2);
        assert_eq!(writes.get(b"k2".as_slice()), Some(&Some(b"inner".to_vec())));
    }
}
