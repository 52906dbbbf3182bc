//! Proofs from the committed state, in the wire format of `citychain_types::proof`.

use crate::{Error, Result, StateStore, hasher::with_hasher};
use citychain_crypto::Hash;
use citychain_types::proof::{
    INTERNAL_DOMAIN, LEAF_DOMAIN, PLACEHOLDER_HASH, ProofLeaf, StateProof,
};
use jmt::{JellyfishMerkleTree, KeyHash, SimpleHasher};

impl StateStore {
    /// The value of `key` at committed `version`, with a proof against that version's root.
    pub fn prove(&self, key: &[u8], version: u64) -> Result<(Option<Vec<u8>>, StateProof)> {
        let suite = self.suite();
        with_hasher!(suite, H => {
            let tree = JellyfishMerkleTree::<_, H>::new(self);
            let (value, proof) = tree
                .get_with_proof(KeyHash(suite.hash(key).0), version)
                .map_err(|e| match e.downcast_ref::<jmt::MissingRootError>() {
                    Some(_) => Error::MissingVersion(version),
                    None => Error::from(e),
                })?;
            // jmt keeps the sibling nodes private; its borsh encoding is the documented way out.
            let raw = borsh::to_vec(&proof).expect("in-memory borsh encoding cannot fail");
            Ok((value, convert::<H>(&raw)?))
        })
    }
}

/// Reads jmt's borsh proof layout: `option(leaf) || u32le count || nodes`, where a node is
/// `0` (empty), `1 || left || right` (internal) or `2 || key_hash || value_hash` (leaf).
fn convert<H: SimpleHasher>(raw: &[u8]) -> Result<StateProof> {
    let corrupt = |detail: &str| Error::Corrupt {
        what: "state proof",
        detail: detail.into(),
    };
    let mut pos = 0usize;
    let mut take = |n: usize| -> Result<&[u8]> {
        let out = raw.get(pos..pos + n).ok_or_else(|| corrupt("truncated"))?;
        pos += n;
        Ok(out)
    };
    let hash32 = |b: &[u8]| -> Hash {
        let mut h = [0u8; 32];
        h.copy_from_slice(b);
        Hash(h)
    };
    let leaf = match take(1)?[0] {
        0 => None,
        1 => Some(ProofLeaf {
            key_hash: hash32(take(32)?),
            value_hash: hash32(take(32)?),
        }),
        _ => return Err(corrupt("bad leaf tag")),
    };
    let count = u32::from_le_bytes(take(4)?.try_into().map_err(|_| corrupt("count"))?) as usize;
    let mut siblings = Vec::with_capacity(count.min(256));
    for _ in 0..count {
        let node = match take(1)?[0] {
            0 => PLACEHOLDER_HASH,
            1 => hash_parts::<H>(INTERNAL_DOMAIN, take(32)?, take(32)?),
            2 => hash_parts::<H>(LEAF_DOMAIN, take(32)?, take(32)?),
            _ => return Err(corrupt("bad node tag")),
        };
        siblings.push(node);
    }
    if pos != raw.len() {
        return Err(corrupt("trailing bytes"));
    }
    Ok(StateProof { leaf, siblings })
}

fn hash_parts<H: SimpleHasher>(domain: &[u8], a: &[u8], b: &[u8]) -> Hash {
    let mut h = H::new();
    h.update(domain);
    h.update(a);
    h.update(b);
    Hash(h.finalize())
}
