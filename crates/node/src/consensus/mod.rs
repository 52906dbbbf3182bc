//! Consensus types and wiring: commonware simplex with marshal, over authenticated p2p links.

mod block;
pub mod engine;
pub mod epochs;
pub mod guard;

pub use block::{ConsensusBlock, MAX_BLOCK_BYTES};

use citychain_types::ValidatorKey;
use commonware_codec::ReadExt;
use commonware_consensus::simplex;

/// Digest type of consensus payloads: the block hash (SHA-256 or SM3 output, 32 bytes).
pub type ConsensusDigest = commonware_cryptography::sha256::Digest;
/// A validator's consensus key.
pub type ConsensusKey = commonware_cryptography::ed25519::PublicKey;
/// A validator's consensus secret.
pub type ConsensusSecret = commonware_cryptography::ed25519::PrivateKey;
/// Vote and certificate scheme: individual Ed25519 signatures (attributable, checkable by any
/// light client that knows the validator set).
pub type Scheme = simplex::scheme::ed25519::Scheme;
/// Consensus context of a proposal.
pub type Context = simplex::types::Context<ConsensusDigest, ConsensusKey>;
/// A finalization certificate.
pub type Finalization = simplex::types::Finalization<Scheme, ConsensusDigest>;

/// Parses a validator key, if it is a valid Ed25519 point encoding.
pub fn consensus_key(key: &ValidatorKey) -> Option<ConsensusKey> {
    ConsensusKey::read(&mut commonware_codec::Copying(&key.0)).ok()
}

/// The validator key of a consensus key.
pub fn validator_key(key: &ConsensusKey) -> ValidatorKey {
    let mut out = [0u8; 32];
    out.copy_from_slice(key.as_ref());
    ValidatorKey(out)
}

/// The consensus digest of a block hash (the same 32 bytes).
pub fn digest_of(hash: citychain_crypto::Hash) -> ConsensusDigest {
    commonware_cryptography::sha256::Digest(hash.0)
}

/// The block hash of a consensus digest.
pub fn hash_of(digest: &ConsensusDigest) -> citychain_crypto::Hash {
    citychain_crypto::Hash(digest.0)
}
