//! States of executed blocks that are not yet finalized, layered over the committed store.
//!
//! Consensus may build and verify a block on a parent that is itself not final yet, so each
//! executed block leaves a [`PendingState`] pointing at its parent's. A [`StateView`] reads through
//! that chain and then the committed store. When a block is finalized its pending state is written
//! to the store and the chain below it is cut, so memory holds only the unfinalized suffix.

use crate::{Error, Result, StateStore, hasher::with_hasher};
use citychain_crypto::Hash;
use jmt::{
    JellyfishMerkleTree, KeyHash, OwnedValue, Version,
    storage::{LeafNode, Node, NodeBatch, NodeKey, TreeReader},
};
use parking_lot::RwLock;
use std::{collections::BTreeMap, sync::Arc};

/// The key-value changes of one block: `None` deletes a key.
pub type WriteSet = BTreeMap<Vec<u8>, Option<Vec<u8>>>;

/// The state after an executed, not yet committed block.
pub struct PendingState {
    version: Version,
    root: Hash,
    node_batch: NodeBatch,
    writes: WriteSet,
    parent: RwLock<Option<Arc<PendingState>>>,
}

impl PendingState {
    /// The tree version (the block height).
    pub fn version(&self) -> Version {
        self.version
    }

    /// The state root after this block.
    pub fn root(&self) -> Hash {
        self.root
    }

    pub fn writes(&self) -> &WriteSet {
        &self.writes
    }

    pub(crate) fn node_batch(&self) -> &NodeBatch {
        &self.node_batch
    }

    /// Called once this state is committed: its ancestors are in the store now, so drop them.
    pub fn detach_parent(&self) {
        self.parent.write().take();
    }

    fn parent(&self) -> Option<Arc<PendingState>> {
        self.parent.read().clone()
    }
}

/// The state as of some block: committed store plus the pending chain ending at `tip`.
#[derive(Clone)]
pub struct StateView {
    store: StateStore,
    tip: Option<Arc<PendingState>>,
    /// Version the view reads at when there is no pending tip.
    base_version: Option<Version>,
}

impl StateView {
    /// The committed state at `version` (`None` for the empty pre-genesis state).
    pub fn committed(store: StateStore, version: Option<Version>) -> Self {
        StateView {
            store,
            tip: None,
            base_version: version,
        }
    }

    /// The state after the pending block `tip`.
    pub fn pending(store: StateStore, tip: Arc<PendingState>) -> Self {
        StateView {
            store,
            tip: Some(tip),
            base_version: None,
        }
    }

    /// The state after `tip`, a pending block built on this view (same store).
    pub fn then(&self, tip: Arc<PendingState>) -> Self {
        StateView::pending(self.store.clone(), tip)
    }

    /// The version this view reads at, if any state exists.
    pub fn version(&self) -> Option<Version> {
        self.tip.as_ref().map(|t| t.version).or(self.base_version)
    }

    /// The current value of `key`.
    pub fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        let mut level = self.tip.clone();
        let mut bottom = None;
        while let Some(p) = level {
            if let Some(v) = p.writes.get(key) {
                return Ok(v.clone());
            }
            bottom = Some(p.version);
            level = p.parent();
        }
        if self.on_empty_base(bottom) {
            return Ok(None);
        }
        self.store.get(key)
    }

    /// Whether this view stands on the empty pre-genesis state rather than on the store: a
    /// committed view at no version, or pending blocks whose oldest is the genesis (version 0).
    /// Then the store is not read, even if it holds a chain already (a node recomputing its
    /// genesis on restart must see what a fresh node sees).
    fn on_empty_base(&self, bottom: Option<Version>) -> bool {
        match bottom {
            Some(version) => version == 0,
            None => self.base_version.is_none(),
        }
    }

    /// The first key that starts with `prefix` and sorts after `after` (or is the first with the
    /// prefix, if `after` is `None`), with its value. Deleted keys are skipped.
    pub fn next_key(
        &self,
        prefix: &[u8],
        after: Option<&[u8]>,
    ) -> Result<Option<(Vec<u8>, Vec<u8>)>> {
        Ok(self.scan(&[], prefix, after, u64::MAX)?.found)
    }

    /// [`scan_layers`] over `newer` (write sets above this view, newest first), this view's
    /// pending blocks and the committed state, which is read in runs of entries so that
    /// stepping over deleted keys costs no seek per key.
    pub fn scan(
        &self,
        newer: &[&WriteSet],
        prefix: &[u8],
        after: Option<&[u8]>,
        max_skips: u64,
    ) -> Result<Scan> {
        const RUN: usize = 64;
        let pending = self.pending_levels();
        let mut layers: Vec<&WriteSet> = newer.to_vec();
        layers.extend(pending.iter().map(|p| &p.writes));
        let mut run: std::collections::VecDeque<Entry> = std::collections::VecDeque::new();
        let mut exhausted = self.on_empty_base(pending.last().map(|p| p.version));
        scan_layers(&layers, prefix, after, max_skips, |cursor| {
            loop {
                while run.front().is_some_and(|(k, _)| !past(k, prefix, cursor)) {
                    run.pop_front();
                }
                if let Some(e) = run.front() {
                    return Ok(Some(e.clone()));
                }
                if exhausted {
                    return Ok(None);
                }
                let fetched = self.store.entries(prefix, cursor, RUN)?;
                exhausted = fetched.len() < RUN;
                run.extend(fetched);
            }
        })
    }

    /// The pending blocks under this view, newest first.
    fn pending_levels(&self) -> Vec<Arc<PendingState>> {
        let mut pending = Vec::new();
        let mut level = self.tip.clone();
        while let Some(p) = level {
            level = p.parent();
            pending.push(p);
        }
        pending
    }

    /// The state root of this view.
    pub fn root(&self) -> Result<Hash> {
        if let Some(tip) = &self.tip {
            return Ok(tip.root);
        }
        match self.base_version {
            None => Ok(citychain_types::proof::PLACEHOLDER_HASH),
            Some(v) => with_hasher!(self.store.suite(), H => {
                let tree = JellyfishMerkleTree::<_, H>::new(self);
                tree.get_root_hash_option(v)?
                    .map(|r| Hash(r.0))
                    .ok_or(Error::MissingVersion(v))
            }),
        }
    }

    /// Applies `writes` as the next version and returns the resulting pending state.
    pub fn apply(&self, writes: WriteSet) -> Result<Arc<PendingState>> {
        let version = self.version().map_or(0, |v| v + 1);
        let suite = self.store.suite();
        let (root, batch) = with_hasher!(suite, H => {
            let tree = JellyfishMerkleTree::<_, H>::new(self);
            let has_deletes = writes.values().any(Option::is_none);
            if writes.is_empty() || has_deletes {
                let updates: Vec<(KeyHash, Option<OwnedValue>)> = writes
                    .iter()
                    .map(|(k, v)| (KeyHash(suite.hash(k).0), v.clone()))
                    .collect();
                tree.put_value_set(updates, version)?
            } else {
                // Inserts only: the batched path hashes each touched node once instead of once
                // per key below it. It yields the same tree (property-tested).
                let updates: Vec<(KeyHash, OwnedValue)> = writes
                    .iter()
                    .filter_map(|(k, v)| v.clone().map(|v| (KeyHash(suite.hash(k).0), v)))
                    .collect();
                let (roots, batch) = tree.batch_put_value_sets(vec![updates], None, version)?;
                (roots[0], batch)
            }
        });
        Ok(Arc::new(PendingState {
            version,
            root: Hash(root.0),
            node_batch: batch.node_batch,
            writes,
            parent: RwLock::new(self.tip.clone()),
        }))
    }
}

impl TreeReader for StateView {
    fn get_node_option(&self, node_key: &NodeKey) -> anyhow::Result<Option<Node>> {
        let mut level = self.tip.clone();
        while let Some(p) = level {
            if let Some(node) = p.node_batch.get_node(node_key) {
                return Ok(Some(node.clone()));
            }
            level = p.parent();
        }
        self.store.get_node_option(node_key)
    }

    fn get_value_option(
        &self,
        max_version: Version,
        key_hash: KeyHash,
    ) -> anyhow::Result<Option<OwnedValue>> {
        let mut level = self.tip.clone();
        while let Some(p) = level {
            if p.version <= max_version
                && let Some(v) = p.node_batch.values().get(&(p.version, key_hash))
            {
                return Ok(v.clone());
            }
            level = p.parent();
        }
        self.store.get_value_option(max_version, key_hash)
    }

    fn get_rightmost_leaf(&self) -> anyhow::Result<Option<(NodeKey, LeafNode)>> {
        self.store.get_rightmost_leaf()
    }
}

/// A key and its newest record: a value, or `None` for a deletion.
pub type Entry = (Vec<u8>, Option<Vec<u8>>);

/// What [`scan_layers`] found, and how much it looked at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scan {
    /// The first live key after the cursor, with its value; `None` at the end or when
    /// `complete` is false.
    pub found: Option<(Vec<u8>, Vec<u8>)>,
    /// Deleted keys stepped over.
    pub skipped: u64,
    /// False when the scan stopped at `max_skips` before finding an answer.
    pub complete: bool,
}

/// The first live key with `prefix` after `after`, looking through write-set `layers` (newest
/// first) and then `base` (the first entry with the prefix after a cursor, deletions included,
/// in the state below the layers), stepping over at most `max_skips` deleted keys.
///
/// A newer layer's write or deletion hides older records of the same key, and each deleted
/// key counts once however many layers record it. The committed state keeps a record of every
/// deletion (`StateStore`), so the count is the same whether a node has committed the blocks
/// below or holds them pending: a contract can be charged for it. Each layer's and the base's
/// next candidate are kept between steps, so a deleted key costs one ordered-map lookup per
/// layer and at most one base read.
pub fn scan_layers<E>(
    layers: &[&WriteSet],
    prefix: &[u8],
    after: Option<&[u8]>,
    max_skips: u64,
    mut base: impl FnMut(Option<&[u8]>) -> std::result::Result<Option<Entry>, E>,
) -> std::result::Result<Scan, E> {
    let mut cursor: Option<Vec<u8>> = after.map(<[u8]>::to_vec);
    // The base's first entry after the cursor; refreshed only once the cursor passes it.
    let mut base_next: Option<Option<Entry>> = None;
    let mut skipped = 0u64;
    loop {
        let stale = match &base_next {
            None => true,
            Some(None) => false,
            Some(Some((k, _))) => !past(k, prefix, cursor.as_deref()),
        };
        if stale {
            base_next = Some(base(cursor.as_deref())?);
        }
        let base_entry = base_next.as_ref().and_then(Option::as_ref);
        match first_entry(layers, prefix, cursor.as_deref(), base_entry) {
            None => {
                return Ok(Scan {
                    found: None,
                    skipped,
                    complete: true,
                });
            }
            Some((k, Some(v))) => {
                return Ok(Scan {
                    found: Some((k, v)),
                    skipped,
                    complete: true,
                });
            }
            // Deleted: look past it.
            Some((k, None)) => {
                if skipped >= max_skips {
                    return Ok(Scan {
                        found: None,
                        skipped,
                        complete: false,
                    });
                }
                skipped += 1;
                cursor = Some(k);
            }
        }
    }
}

/// Whether `key` sorts after the cursor (every key with the prefix does when there is none).
fn past(key: &[u8], prefix: &[u8], cursor: Option<&[u8]>) -> bool {
    match cursor {
        Some(c) if c >= prefix => key > c,
        _ => true,
    }
}

/// The smallest entry with `prefix` after `cursor` in `layers` or `base` (the base's first
/// entry after the cursor); the newest record of that key decides.
fn first_entry(
    layers: &[&WriteSet],
    prefix: &[u8],
    cursor: Option<&[u8]>,
    base: Option<&Entry>,
) -> Option<Entry> {
    use std::ops::Bound;
    let start: Bound<&[u8]> = match cursor {
        Some(a) if a >= prefix => Bound::Excluded(a),
        _ => Bound::Included(prefix),
    };
    let mut best: Option<(&Vec<u8>, &Option<Vec<u8>>)> = None;
    for layer in layers {
        if layer.is_empty() {
            continue;
        }
        if let Some((k, v)) = layer
            .range::<[u8], _>((start, Bound::Unbounded))
            .next()
            .filter(|(k, _)| k.starts_with(prefix))
            && best.is_none_or(|(b, _)| k < b)
        {
            best = Some((k, v));
        }
    }
    if let Some((k, v)) = base
        && best.is_none_or(|(b, _)| k < b)
    {
        best = Some((k, v));
    }
    best.map(|(k, v)| (k.clone(), v.clone()))
}
