//! The committed state in fjall: tree nodes, versioned values and a flat copy of the latest values.

use crate::{Error, Result, pending::PendingState};
use borsh::BorshDeserialize;
use citychain_crypto::Suite;
use fjall::{Database, Keyspace, KeyspaceCreateOptions, OwnedWriteBatch};
use jmt::{
    KeyHash, OwnedValue, Version,
    storage::{LeafNode, Node, NodeKey, TreeReader},
};

/// The flat copy's keyspace: `1 || value` per live key, `0` per deleted key.
const FLAT: &str = "state_latest";
/// The flat copy of earlier versions: plain values, deleted keys removed.
const OLD_FLAT: &str = "state_flat";

/// The committed authenticated state.
///
/// Three keyspaces: `state_nodes` (tree nodes by node key), `state_values` (every version of
/// every value, for proofs at past heights) and `state_latest` (the latest value of each key, or
/// a record of its deletion, for fast reads and scans during execution).
#[derive(Clone)]
pub struct StateStore {
    suite: Suite,
    nodes: Keyspace,
    values: Keyspace,
    flat: Keyspace,
}

impl StateStore {
    pub fn open(db: &Database, suite: Suite) -> Result<Self> {
        let store = StateStore {
            suite,
            nodes: db.keyspace("state_nodes", KeyspaceCreateOptions::default)?,
            values: db.keyspace("state_values", KeyspaceCreateOptions::default)?,
            flat: db.keyspace(FLAT, KeyspaceCreateOptions::default)?,
        };
        store.upgrade_flat(db)?;
        Ok(store)
    }

    /// Moves a flat copy written before deletions were recorded (`state_flat`, plain values,
    /// deleted keys removed) into the current one, then drops it.
    fn upgrade_flat(&self, db: &Database) -> Result<()> {
        if !db.keyspace_exists(OLD_FLAT) {
            return Ok(());
        }
        let old = db.keyspace(OLD_FLAT, KeyspaceCreateOptions::default)?;
        let mut batch = db.batch();
        for guard in old.iter() {
            let (k, v) = guard.into_inner()?;
            batch.insert(&self.flat, k.as_ref(), encode_value(Some(v.as_ref())));
        }
        batch.commit()?;
        db.persist(fjall::PersistMode::SyncAll)?;
        db.delete_keyspace(old)?;
        Ok(())
    }

    pub fn suite(&self) -> Suite {
        self.suite
    }

    /// The latest committed value of `key`.
    pub fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        match self.flat.get(key)? {
            None => Ok(None),
            Some(raw) => decode_value(&raw),
        }
    }

    /// Up to `max` committed entries with `prefix` after `after`, in order: values, or `None`
    /// for keys that were deleted (deletions stay recorded, so scans over them can be counted).
    pub fn entries(
        &self,
        prefix: &[u8],
        after: Option<&[u8]>,
        max: usize,
    ) -> Result<Vec<crate::Entry>> {
        use std::ops::Bound;
        let start = match after {
            Some(a) if a >= prefix => Bound::Excluded(a.to_vec()),
            _ => Bound::Included(prefix.to_vec()),
        };
        let mut out = Vec::new();
        for guard in self.flat.range::<Vec<u8>, _>((start, Bound::Unbounded)) {
            let (k, v) = guard.into_inner()?;
            if !k.starts_with(prefix) || out.len() >= max {
                break;
            }
            out.push((k.to_vec(), decode_value(&v)?));
        }
        Ok(out)
    }

    /// Adds a pending state's changes to `batch`; the caller commits the batch atomically with
    /// the block that produced them.
    pub fn write_pending(&self, batch: &mut OwnedWriteBatch, pending: &PendingState) {
        for (key, node) in pending.node_batch().nodes() {
            batch.insert(
                &self.nodes,
                node_key_bytes(key),
                borsh::to_vec(node).expect("in-memory borsh encoding cannot fail"),
            );
        }
        for ((version, key_hash), value) in pending.node_batch().values() {
            batch.insert(
                &self.values,
                value_key(key_hash, *version),
                encode_value(value.as_deref()),
            );
        }
        for (key, value) in pending.writes() {
            // A deletion is recorded, not removed: an LSM removal leaves a tombstone that
            // every later scan pays to skip, and no node could count those alike.
            batch.insert(&self.flat, key.as_slice(), encode_value(value.as_deref()));
        }
    }
}

fn node_key_bytes(key: &NodeKey) -> Vec<u8> {
    borsh::to_vec(key).expect("in-memory borsh encoding cannot fail")
}

/// `key_hash || (u64::MAX - version)`: the newest version of a key sorts first.
fn value_key(key_hash: &KeyHash, version: Version) -> [u8; 40] {
    let mut k = [0u8; 40];
    k[..32].copy_from_slice(&key_hash.0);
    k[32..].copy_from_slice(&(u64::MAX - version).to_be_bytes());
    k
}

fn encode_value(value: Option<&[u8]>) -> Vec<u8> {
    match value {
        None => vec![0],
        Some(v) => {
            let mut out = Vec::with_capacity(v.len() + 1);
            out.push(1);
            out.extend_from_slice(v);
            out
        }
    }
}

fn decode_value(raw: &[u8]) -> Result<Option<Vec<u8>>> {
    match raw.split_first() {
        Some((0, [])) => Ok(None),
        Some((1, v)) => Ok(Some(v.to_vec())),
        _ => Err(Error::Corrupt {
            what: "state value",
            detail: "bad tag".into(),
        }),
    }
}

impl TreeReader for StateStore {
    fn get_node_option(&self, node_key: &NodeKey) -> anyhow::Result<Option<Node>> {
        match self.nodes.get(node_key_bytes(node_key))? {
            None => Ok(None),
            Some(raw) => Ok(Some(Node::try_from_slice(&raw).map_err(|e| {
                Error::Corrupt {
                    what: "state tree node",
                    detail: e.to_string(),
                }
            })?)),
        }
    }

    fn get_value_option(
        &self,
        max_version: Version,
        key_hash: KeyHash,
    ) -> anyhow::Result<Option<OwnedValue>> {
        let start = value_key(&key_hash, max_version);
        let end = value_key(&key_hash, 0);
        match self.values.range(start..=end).next() {
            None => Ok(None),
            Some(guard) => {
                let raw = guard.value()?;
                Ok(decode_value(&raw)?)
            }
        }
    }

    fn get_rightmost_leaf(&self) -> anyhow::Result<Option<(NodeKey, LeafNode)>> {
        anyhow::bail!("state restore from snapshots is not supported")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newer_versions_sort_first() {
        let kh = KeyHash([7; 32]);
        assert!(value_key(&kh, 9) < value_key(&kh, 3));
        assert_eq!(
            decode_value(&encode_value(Some(b"x"))).expect("valid"),
            Some(b"x".to_vec())
        );
        assert_eq!(decode_value(&encode_value(None)).expect("valid"), None);
        assert!(decode_value(&[2]).is_err());
    }
}
