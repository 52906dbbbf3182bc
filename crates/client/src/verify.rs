//! Checking, without trusting a node, that a header is final and that a state value is in it.
//!
//! Trust starts from the genesis document (the first validator set, the epoch length and the
//! consensus namespace). A header is final if a quorum of its epoch's validators signed a
//! finalization of it, or of a descendant that links back to it by parent hashes. A state value
//! is proven by a Merkle proof against the state root in a final header. Epoch `e`'s validator
//! set is a state value of the last block of epoch `e - 1`, so the sets of later epochs are
//! learned one epoch at a time ([`TrustRoot::learn_epoch`]).

use citychain_crypto::Address;
use citychain_crypto::{Hash, PublicKey, Suite};
use citychain_rpc::types::{FinalityInfo, HeaderInfo, ProofInfo};
use citychain_types::{Account, BlockHeader, Decode, Genesis, ValidatorKey, ValidatorSet, layout};
use std::collections::BTreeMap;

/// What verification trusts: derived from a genesis document, extended epoch by epoch.
#[derive(Clone, Debug)]
pub struct TrustRoot {
    /// The hash of the genesis document trusted.
    pub genesis_hash: Hash,
    /// The chain's suite.
    pub suite: Suite,
    /// Blocks per epoch (from the genesis).
    pub epoch_blocks: u64,
    /// Each known epoch's validator keys sorted by bytes: a certificate's signer index points
    /// into its epoch's list.
    epochs: BTreeMap<u64, Vec<ValidatorKey>>,
    /// `citychain/consensus/v1/ || genesis hash`.
    pub consensus_namespace: Vec<u8>,
}

impl TrustRoot {
    /// Trust in the genesis validators (epoch 0) of `genesis`.
    pub fn from_genesis(genesis: &Genesis) -> Self {
        let mut validators = genesis.validator_keys();
        validators.sort();
        let genesis_hash = genesis.hash();
        TrustRoot {
            genesis_hash,
            suite: genesis.suite,
            epoch_blocks: genesis.epoch_blocks,
            epochs: BTreeMap::from([(0, validators)]),
            consensus_namespace: [b"citychain/consensus/v1/".as_slice(), &genesis_hash.0].concat(),
        }
    }

    /// The validators of `epoch`, if learned.
    pub fn validators(&self, epoch: u64) -> Option<&[ValidatorKey]> {
        self.epochs.get(&epoch).map(Vec::as_slice)
    }

    /// The latest epoch whose validators are known.
    pub fn latest_epoch(&self) -> u64 {
        self.epochs.keys().next_back().copied().unwrap_or(0)
    }

    /// The height of the block that records `epoch`'s validator set: the last block of the
    /// epoch before (`None` for epoch 0, which the genesis defines).
    pub fn epoch_record_height(&self, epoch: u64) -> Option<u64> {
        epoch.checked_sub(1)?;
        epoch.checked_mul(self.epoch_blocks)?.checked_sub(1)
    }

    /// Learns the validators of `epoch` (the next unknown one) from the header of the block
    /// that records them and a proof of the record against it.
    pub fn learn_epoch(
        &mut self,
        epoch: u64,
        header: &HeaderInfo,
        proof: &ProofInfo,
    ) -> Result<(), VerifyError> {
        if epoch != self.latest_epoch() + 1 {
            return Err(VerifyError::Malformed(format!(
                "expected the record of epoch {}, got one of epoch {epoch}",
                self.latest_epoch() + 1
            )));
        }
        let verified = verify_header(self, header)?;
        let expected = self.epoch_record_height(epoch).unwrap_or(0);
        if verified.height.0 != expected {
            return Err(VerifyError::HeightMismatch {
                proof: expected,
                header: verified.height.0,
            });
        }
        let value = verify_key(self, &verified, &layout::epoch_validators_key(epoch), proof)?
            .ok_or_else(|| {
                VerifyError::Malformed(format!("block {expected} records no set for epoch {epoch}"))
            })?;
        let set =
            ValidatorSet::decode(&value).map_err(|e| VerifyError::Malformed(e.to_string()))?;
        let mut keys: Vec<ValidatorKey> = set.0.iter().map(|v| v.consensus_key).collect();
        keys.sort();
        keys.dedup();
        self.epochs.insert(epoch, keys);
        Ok(())
    }
}

/// Signatures a finalization by `n` validators needs: `n - floor((n - 1) / 3)`.
pub fn quorum(n: usize) -> usize {
    n - (n.saturating_sub(1)) / 3
}

/// Why verification failed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum VerifyError {
    #[error("the header's fields hash to {computed}, not to the claimed {claimed}")]
    /// The header does not hash to the hash the node gave.
    HeaderHash {
        /// What the fields hash to.
        computed: Hash,
        /// What the node claimed.
        claimed: Hash,
    },
    #[error("the header is for another chain or suite")]
    /// The header names another chain id or suite.
    WrongChain,
    #[error("the node sent no finality certificate for this header")]
    /// No finality evidence came with the header.
    NoCertificate,
    #[error("descendant header {0} does not link to the previous one")]
    /// A descendant header does not name the previous one as its parent.
    BrokenLink(usize),
    #[error("the certificate finalizes {certified}, but the header chain ends at {chain_end}")]
    /// The certificate is for another block than the header chain ends at.
    WrongBlock {
        /// The block the certificate finalizes.
        certified: Hash,
        /// The block the header chain ends at.
        chain_end: Hash,
    },
    #[error("the certificate's round does not match the finalized header")]
    /// The certificate's epoch or view differ from the header's.
    WrongRound,
    #[error("{signed} distinct validators signed; {needed} are needed")]
    /// Too few validators signed.
    NoQuorum {
        /// Distinct valid signers.
        signed: usize,
        /// The quorum of the epoch.
        needed: usize,
    },
    #[error(
        "the certificate is from epoch {0}, whose validators are not known yet (learn the epochs before it first)"
    )]
    /// The certificate is from an epoch whose validators this trust root has not learned.
    UnknownEpoch(u64),
    #[error("signer index {0} is not in the validator set")]
    /// A signer index past the end of the validator set.
    UnknownSigner(u32),
    #[error("the signature of validator {0} does not verify")]
    /// A signature that does not verify.
    BadSignature(u32),
    #[error("the proof does not check out: {0}")]
    /// The state proof does not check out.
    Proof(citychain_types::proof::ProofError),
    #[error("the proof is for height {proof} but the header is at height {header}")]
    /// The proof and the header are for different heights.
    HeightMismatch {
        /// The proof's height.
        proof: u64,
        /// The header's height.
        header: u64,
    },
    #[error("malformed value: {0}")]
    /// A value the node sent does not decode.
    Malformed(String),
}

/// LEB128, as commonware encodes epochs and views.
fn varint(mut v: u64, out: &mut Vec<u8>) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// The bytes validators sign to finalize a block:
/// `varint(epoch) || varint(view) || varint(parent_view) || block_hash`.
pub fn finalize_message(epoch: u64, view: u64, parent_view: u64, block_hash: &Hash) -> Vec<u8> {
    let mut out = Vec::with_capacity(62);
    varint(epoch, &mut out);
    varint(view, &mut out);
    varint(parent_view, &mut out);
    out.extend_from_slice(&block_hash.0);
    out
}

/// Checks that `info.header` is final under `trust`. Returns the verified header.
pub fn verify_header(trust: &TrustRoot, info: &HeaderInfo) -> Result<BlockHeader, VerifyError> {
    let header = &info.header;
    let computed = header.hash();
    if computed != info.hash {
        return Err(VerifyError::HeaderHash {
            computed,
            claimed: info.hash,
        });
    }
    if header.suite != trust.suite {
        return Err(VerifyError::WrongChain);
    }
    let finality = info.finality.as_ref().ok_or(VerifyError::NoCertificate)?;
    let finalized = verify_chain(header, finality)?;
    verify_certificate(trust, &finalized, finality)?;
    Ok(header.clone())
}

/// Follows the descendants from `header` to the finalized header.
fn verify_chain(header: &BlockHeader, finality: &FinalityInfo) -> Result<BlockHeader, VerifyError> {
    let mut last = header.clone();
    for (i, next) in finality.descendants.iter().enumerate() {
        if next.parent != last.hash()
            || next.height.0 != last.height.0 + 1
            || next.suite != last.suite
        {
            return Err(VerifyError::BrokenLink(i));
        }
        last = next.clone();
    }
    if last.hash() != finality.finalized_hash {
        return Err(VerifyError::WrongBlock {
            certified: finality.finalized_hash,
            chain_end: last.hash(),
        });
    }
    Ok(last)
}

fn verify_certificate(
    trust: &TrustRoot,
    finalized: &BlockHeader,
    f: &FinalityInfo,
) -> Result<(), VerifyError> {
    if (f.epoch, f.view, f.parent_view) != (finalized.epoch, finalized.view, finalized.parent_view)
    {
        return Err(VerifyError::WrongRound);
    }
    let mut signers: Vec<u32> = f.signers.clone();
    signers.sort_unstable();
    signers.dedup();
    if signers.len() != f.signers.len() || f.signatures.len() != f.signers.len() {
        return Err(VerifyError::Malformed(
            "signers and signatures do not pair up".into(),
        ));
    }
    let validators = trust
        .validators(f.epoch)
        .ok_or(VerifyError::UnknownEpoch(f.epoch))?;
    if signers.len() < quorum(validators.len()) {
        return Err(VerifyError::NoQuorum {
            signed: signers.len(),
            needed: quorum(validators.len()),
        });
    }
    let namespace = [trust.consensus_namespace.as_slice(), b"_FINALIZE"].concat();
    let message = finalize_message(f.epoch, f.view, f.parent_view, &f.finalized_hash);
    for (index, signature) in f.signers.iter().zip(&f.signatures) {
        let key = validators
            .get(*index as usize)
            .ok_or(VerifyError::UnknownSigner(*index))?;
        let key = PublicKey::from_bytes(Suite::Ed25519, &key.0)
            .map_err(|_| VerifyError::UnknownSigner(*index))?;
        if !key.verify(&namespace, &message, signature) {
            return Err(VerifyError::BadSignature(*index));
        }
    }
    Ok(())
}

/// Checks an account proof against a verified header; returns the account (default if absent).
pub fn verify_account(
    trust: &TrustRoot,
    header: &BlockHeader,
    address: &Address,
    proof: &ProofInfo,
) -> Result<Account, VerifyError> {
    if proof.height != header.height.0 {
        return Err(VerifyError::HeightMismatch {
            proof: proof.height,
            header: header.height.0,
        });
    }
    let value = verify_key(trust, header, &layout::account_key(address), proof)?;
    match value {
        None => Ok(Account::default()),
        Some(v) => Account::decode(&v).map_err(|e| VerifyError::Malformed(e.to_string())),
    }
}

/// Checks that `proof` proves the value (or absence) of state key `key` under `header`'s state
/// root, and returns the value. Contract storage keys are `0x05 || contract || key`.
pub fn verify_key(
    trust: &TrustRoot,
    header: &BlockHeader,
    key: &[u8],
    proof: &ProofInfo,
) -> Result<Option<Vec<u8>>, VerifyError> {
    if proof.height != header.height.0 {
        return Err(VerifyError::HeightMismatch {
            proof: proof.height,
            header: header.height.0,
        });
    }
    let value = match &proof.value {
        None => None,
        Some(hex) => Some(
            citychain_crypto::hex::decode(hex)
                .map_err(|e| VerifyError::Malformed(e.to_string()))?,
        ),
    };
    proof
        .proof
        .verify(trust.suite, &header.state_root, key, value.as_deref())
        .map_err(VerifyError::Proof)?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_are_leb128() {
        let mut out = Vec::new();
        varint(0, &mut out);
        varint(127, &mut out);
        varint(128, &mut out);
        varint(300, &mut out);
        assert_eq!(out, vec![0x00, 0x7f, 0x80, 0x01, 0xac, 0x02]);
    }

    fn trust(epoch_blocks: u64) -> TrustRoot {
        TrustRoot {
            genesis_hash: Hash::ZERO,
            suite: Suite::Ed25519,
            epoch_blocks,
            epochs: BTreeMap::from([(0, vec![ValidatorKey::default()])]),
            consensus_namespace: vec![],
        }
    }

    #[test]
    fn epoch_records_sit_on_the_block_before_the_epoch() {
        let t = trust(600);
        assert_eq!(t.epoch_record_height(0), None);
        assert_eq!(t.epoch_record_height(1), Some(599));
        assert_eq!(t.epoch_record_height(2), Some(1_199));
        assert_eq!(t.epoch_record_height(u64::MAX), None);
    }

    #[test]
    fn epochs_are_learned_in_order_only() {
        let mut t = trust(10);
        let header = HeaderInfo {
            hash: Hash::ZERO,
            header_bytes: String::new(),
            header: BlockHeader {
                chain_id: citychain_types::ChainId::new("test").expect("id"),
                height: citychain_types::Height(9),
                parent: Hash::ZERO,
                timestamp: citychain_types::TimestampMs(1),
                epoch: 0,
                view: 9,
                parent_view: 8,
                proposer: ValidatorKey::default(),
                tx_root: Hash::ZERO,
                tx_count: 0,
                state_root: Hash::ZERO,
                receipts_root: Hash::ZERO,
                gas_used: citychain_types::Gas(0),
                suite: Suite::Ed25519,
            },
            finality: None,
        };
        let proof = ProofInfo {
            key: String::new(),
            value: None,
            account: None,
            height: 9,
            state_root: Hash::ZERO,
            proof: citychain_types::proof::StateProof {
                leaf: None,
                siblings: Vec::new(),
            },
        };
        let err = t
            .learn_epoch(2, &header, &proof)
            .expect_err("epoch 1 is not known yet");
        assert!(
            err.to_string().contains("expected the record of epoch 1"),
            "{err}"
        );
        // Epoch 1 with a header that does not even hash to its claimed hash.
        assert!(matches!(
            t.learn_epoch(1, &header, &proof),
            Err(VerifyError::HeaderHash { .. })
        ));
        assert_eq!(t.latest_epoch(), 0);
        // Nothing was learned.
        assert!(t.validators(1).is_none());
    }

    #[test]
    fn quorum_is_two_thirds_plus_one() {
        for (n, q) in [(1, 1), (3, 3), (4, 3), (5, 4), (7, 5), (10, 7)] {
            assert_eq!(quorum(n), q, "n = {n}");
        }
    }
}
