//! Proofs that a key has (or has no) value in the authenticated state, and how to check them.
//!
//! The state is a Jellyfish Merkle tree: a sparse Merkle tree over `H(key)` (256 bits, most
//! significant bit first) whose leaves are `H("JMT::LeafNode" || H(key) || H(value))`, whose
//! internal nodes are `H("JMT::IntrnalNode" || left || right)`, and whose empty subtrees hash to
//! the 32 ASCII bytes `SPARSE_MERKLE_PLACEHOLDER_HASH__`. A subtree holding a single key is
//! replaced by that key's leaf. `H` is the chain's hash (SHA-256 or SM3).

use crate::codec::{Decode, DecodeError, Encode, Reader, Writer};
use citychain_crypto::{Hash, Suite};
use serde::{Deserialize, Serialize};

/// Hash of an empty subtree (and the root of an empty state).
pub const PLACEHOLDER_HASH: Hash = Hash(*b"SPARSE_MERKLE_PLACEHOLDER_HASH__");
/// Domain prefix of leaf hashes.
pub const LEAF_DOMAIN: &[u8] = b"JMT::LeafNode";
/// Domain prefix of internal node hashes.
pub const INTERNAL_DOMAIN: &[u8] = b"JMT::IntrnalNode";
/// Most siblings a proof can have (one per bit of the key hash).
pub const MAX_SIBLINGS: usize = 256;

/// The leaf a proof ends at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ProofLeaf {
    /// The hash of the leaf's key.
    pub key_hash: Hash,
    /// The hash of the leaf's value.
    pub value_hash: Hash,
}

impl ProofLeaf {
    /// The leaf's node hash in the tree.
    pub fn hash(&self, suite: Suite) -> Hash {
        let mut h = suite.hasher();
        h.update(LEAF_DOMAIN);
        h.update(&self.key_hash.0);
        h.update(&self.value_hash.0);
        h.finalize()
    }
}

/// A proof of inclusion (the leaf is the key's) or exclusion (no leaf, or another key's leaf
/// occupying the subtree where the key would be).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct StateProof {
    /// The leaf the path ends at (`None`: an empty subtree).
    pub leaf: Option<ProofLeaf>,
    /// Sibling hashes from the leaf's level up to just below the root.
    pub siblings: Vec<Hash>,
}

/// Why a proof did not check out.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    #[error("proof has {0} siblings; at most 256 are possible")]
    /// The path is longer than the tree is deep.
    TooManySiblings(usize),
    #[error("expected an inclusion proof for this key, but the proof's leaf is for another key")]
    /// An inclusion proof that ends at another key's leaf.
    WrongKey,
    #[error("expected an inclusion proof, but the proof shows the key is absent")]
    /// An inclusion proof that shows absence.
    NotIncluded,
    #[error("the value does not match the value hash in the proof")]
    /// The value is not the one the leaf commits to.
    WrongValue,
    #[error("the proof shows the key is present, so it cannot prove absence")]
    /// An exclusion proof that shows the key.
    KeyPresent,
    #[error("the other key in this exclusion proof does not share the path, so it proves nothing")]
    /// An exclusion proof whose other leaf is off the key's path.
    InvalidExclusion,
    #[error("the proof leads to root {computed}, not to the expected state root {expected}")]
    /// The path leads to another root.
    RootMismatch {
        /// The root the proof leads to.
        computed: Hash,
        /// The root it should lead to.
        expected: Hash,
    },
}

/// `H("JMT::IntrnalNode" || left || right)`.
pub fn internal_hash(suite: Suite, left: &Hash, right: &Hash) -> Hash {
    let mut h = suite.hasher();
    h.update(INTERNAL_DOMAIN);
    h.update(&left.0);
    h.update(&right.0);
    h.finalize()
}

fn bit(hash: &Hash, index: usize) -> bool {
    hash.0[index / 8] & (0x80 >> (index % 8)) != 0
}

fn common_prefix_bits(a: &Hash, b: &Hash) -> usize {
    (0..256).take_while(|&i| bit(a, i) == bit(b, i)).count()
}

impl StateProof {
    /// Checks that `key` maps to `value` (or, with `None`, to nothing) in the state with root
    /// `root`.
    ///
    /// 1. `key_hash = H(key)`.
    /// 2. For a value: the leaf must be `(key_hash, H(value))`. For absence: either no leaf, or
    ///    a leaf for another key whose hash shares at least `len(siblings)` leading bits with
    ///    `key_hash` (it occupies the subtree the key would be in).
    /// 3. Start from the leaf hash (or the placeholder when there is no leaf) and, for each
    ///    sibling `i` (0 = lowest), combine with it on the side given by bit
    ///    `len(siblings) - 1 - i` of `key_hash`: bit 1 means the running hash is the right child.
    /// 4. The result must equal `root`.
    pub fn verify(
        &self,
        suite: Suite,
        root: &Hash,
        key: &[u8],
        value: Option<&[u8]>,
    ) -> Result<(), ProofError> {
        let n = self.siblings.len();
        if n > MAX_SIBLINGS {
            return Err(ProofError::TooManySiblings(n));
        }
        let key_hash = suite.hash(key);
        match (value, &self.leaf) {
            (Some(v), Some(leaf)) => {
                if leaf.key_hash != key_hash {
                    return Err(ProofError::WrongKey);
                }
                if leaf.value_hash != suite.hash(v) {
                    return Err(ProofError::WrongValue);
                }
            }
            (Some(_), None) => return Err(ProofError::NotIncluded),
            (None, Some(leaf)) => {
                if leaf.key_hash == key_hash {
                    return Err(ProofError::KeyPresent);
                }
                if common_prefix_bits(&leaf.key_hash, &key_hash) < n {
                    return Err(ProofError::InvalidExclusion);
                }
            }
            (None, None) => {}
        }
        let mut current = self.leaf.map_or(PLACEHOLDER_HASH, |l| l.hash(suite));
        for (i, sibling) in self.siblings.iter().enumerate() {
            current = if bit(&key_hash, n - 1 - i) {
                internal_hash(suite, sibling, &current)
            } else {
                internal_hash(suite, &current, sibling)
            };
        }
        if current != *root {
            return Err(ProofError::RootMismatch {
                computed: current,
                expected: *root,
            });
        }
        Ok(())
    }
}

/// Encoding: `option(leaf: key_hash || value_hash) || list(siblings)`.
impl Encode for StateProof {
    fn encode_to(&self, w: &mut Writer) {
        w.option(self.leaf.as_ref(), |w, l| {
            w.put(&l.key_hash).put(&l.value_hash);
        })
        .list(&self.siblings, |w, s| {
            w.put(s);
        });
    }
}

impl Decode for StateProof {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(StateProof {
            leaf: r.option("proof leaf", |r| {
                Ok(ProofLeaf {
                    key_hash: Hash::decode_from(r)?,
                    value_hash: Hash::decode_from(r)?,
                })
            })?,
            siblings: r.list("proof siblings", MAX_SIBLINGS, Hash::decode_from)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_leaf_tree() {
        let suite = Suite::Sm2;
        let leaf = ProofLeaf {
            key_hash: suite.hash(b"k"),
            value_hash: suite.hash(b"v"),
        };
        let root = leaf.hash(suite);
        let proof = StateProof {
            leaf: Some(leaf),
            siblings: vec![],
        };
        proof
            .verify(suite, &root, b"k", Some(b"v"))
            .expect("included");
        assert_eq!(
            proof.verify(suite, &root, b"k", Some(b"w")),
            Err(ProofError::WrongValue)
        );
        // The same proof shows any other key absent (the single leaf occupies the whole tree).
        proof
            .verify(suite, &root, b"other", None)
            .expect("excluded");
        assert_eq!(
            proof.verify(suite, &root, b"k", None),
            Err(ProofError::KeyPresent)
        );
        let empty = StateProof {
            leaf: None,
            siblings: vec![],
        };
        empty
            .verify(suite, &PLACEHOLDER_HASH, b"k", None)
            .expect("empty tree");
        assert!(matches!(
            empty.verify(suite, &root, b"k", None),
            Err(ProofError::RootMismatch { .. })
        ));
    }

    #[test]
    fn proofs_round_trip() {
        let p = StateProof {
            leaf: Some(ProofLeaf {
                key_hash: Hash([1; 32]),
                value_hash: Hash([2; 32]),
            }),
            siblings: vec![Hash([3; 32]), PLACEHOLDER_HASH],
        };
        assert_eq!(StateProof::decode(&p.encode()).expect("decodes"), p);
    }
}
