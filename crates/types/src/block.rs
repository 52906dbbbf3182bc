//! Blocks and their headers.

use crate::{
    ChainId, Gas, Height, TimestampMs, ValidatorKey,
    codec::{Decode, DecodeError, Encode, Reader, Writer},
    merkle,
    receipt::Receipt,
    transaction::SignedTransaction,
};
use citychain_crypto::{Hash, Suite, framed};
use serde::{Deserialize, Serialize};

/// Namespace under which headers are hashed.
pub const HEADER_NAMESPACE: &[u8] = b"citychain/header/v1";

pub use crate::limits::MAX_BLOCK_TXS_HARD;

/// The most bytes of encoded transactions one block may carry (its header and framing fit in
/// the rest of the 32 MiB a block may take on the wire).
pub const MAX_BLOCK_TX_BYTES: usize = 30 << 20;

/// Everything a light client needs to trust about a block; its hash is the block's id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct BlockHeader {
    /// The chain the block belongs to (from the genesis document).
    pub chain_id: ChainId,
    /// 0 for the genesis block, then one more than the parent.
    pub height: Height,
    /// Hash of the previous block's header (all zero for the genesis block).
    pub parent: Hash,
    /// When the proposer built the block; strictly increasing along the chain.
    pub timestamp: TimestampMs,
    /// Consensus epoch and view in which the block was proposed, and the view of its parent.
    pub epoch: u64,
    /// The view in which it was proposed.
    pub view: u64,
    /// The view of its parent.
    pub parent_view: u64,
    /// The consensus key of the validator that proposed the block (all zero for genesis).
    pub proposer: ValidatorKey,
    /// Merkle root of the block's transactions, and how many there are.
    pub tx_root: Hash,
    /// How many transactions the block holds.
    pub tx_count: u32,
    /// Root of the authenticated state after executing this block.
    pub state_root: Hash,
    /// Merkle root of the receipts, in transaction order.
    pub receipts_root: Hash,
    /// Total gas used by the block's transactions.
    pub gas_used: Gas,
    /// The chain's crypto suite (hash function of every root in this header).
    pub suite: Suite,
}

impl Encode for BlockHeader {
    fn encode_to(&self, w: &mut Writer) {
        w.put(&self.chain_id)
            .put(&self.height)
            .put(&self.parent)
            .put(&self.timestamp)
            .u64(self.epoch)
            .u64(self.view)
            .u64(self.parent_view)
            .put(&self.proposer)
            .put(&self.tx_root)
            .u32(self.tx_count)
            .put(&self.state_root)
            .put(&self.receipts_root)
            .put(&self.gas_used)
            .u8(self.suite.tag());
    }
}

impl Decode for BlockHeader {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(BlockHeader {
            chain_id: ChainId::decode_from(r)?,
            height: Height::decode_from(r)?,
            parent: Hash::decode_from(r)?,
            timestamp: TimestampMs::decode_from(r)?,
            epoch: r.u64("epoch")?,
            view: r.u64("view")?,
            parent_view: r.u64("parent view")?,
            proposer: ValidatorKey::decode_from(r)?,
            tx_root: Hash::decode_from(r)?,
            tx_count: r.u32("transaction count")?,
            state_root: Hash::decode_from(r)?,
            receipts_root: Hash::decode_from(r)?,
            gas_used: Gas::decode_from(r)?,
            suite: {
                let tag = r.u8("suite")?;
                Suite::from_tag(tag).map_err(|e| r.error("suite", e.to_string()))?
            },
        })
    }
}

impl BlockHeader {
    /// The block's id: `H(framed(HEADER_NAMESPACE, encode(header)))` in the header's suite.
    pub fn hash(&self) -> Hash {
        self.suite.hash(&framed(HEADER_NAMESPACE, &self.encode()))
    }
}

/// A header and the transactions it commits to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Block {
    /// What the block commits to.
    pub header: BlockHeader,
    /// The transactions, in execution order.
    pub transactions: Vec<SignedTransaction>,
}

impl Encode for Block {
    fn encode_to(&self, w: &mut Writer) {
        w.put(&self.header).list(&self.transactions, |w, tx| {
            w.put(tx);
        });
    }
}

impl Decode for Block {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Block {
            header: BlockHeader::decode_from(r)?,
            transactions: r.list(
                "transactions",
                MAX_BLOCK_TXS_HARD,
                SignedTransaction::decode_from,
            )?,
        })
    }
}

impl Block {
    /// The block's id: its header's hash.
    pub fn hash(&self) -> Hash {
        self.header.hash()
    }

    /// Checks that the header's transaction root and count match the body.
    pub fn body_matches_header(&self) -> bool {
        self.header.tx_count as usize == self.transactions.len()
            && self.header.tx_root == tx_root(self.header.suite, &self.transactions)
    }
}

/// Merkle root of a block's transactions (leaves over each signed transaction's encoding).
pub fn tx_root(suite: Suite, txs: &[SignedTransaction]) -> Hash {
    let leaves: Vec<Hash> = txs
        .iter()
        .map(|tx| merkle::leaf_hash(suite, &tx.encode()))
        .collect();
    merkle::root(suite, &leaves)
}

/// Merkle root of a block's receipts (leaves over each receipt's encoding).
pub fn receipts_root(suite: Suite, receipts: &[Receipt]) -> Hash {
    let leaves: Vec<Hash> = receipts
        .iter()
        .map(|r| merkle::leaf_hash(suite, &r.encode()))
        .collect();
    merkle::root(suite, &leaves)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Amount, Nonce, Payload, Transaction};
    use citychain_crypto::SecretKey;

    pub(crate) fn sample_block(suite: Suite, n: usize) -> Block {
        let key = SecretKey::insecure_from_label(suite, "alice");
        let chain_id = ChainId::new("citychain-test").expect("valid");
        let txs: Vec<_> = (0..n)
            .map(|i| {
                Transaction {
                    chain_id: chain_id.clone(),
                    sender: key.public_key(),
                    nonce: Nonce(i as u64),
                    gas_limit: Gas(50_000),
                    payload: Payload::Transfer {
                        to: Default::default(),
                        amount: Amount(i as u128),
                    },
                }
                .sign(&key)
            })
            .collect();
        Block {
            header: BlockHeader {
                chain_id,
                height: Height(5),
                parent: Hash([9; 32]),
                timestamp: TimestampMs(1_700_000_000_000),
                epoch: 0,
                view: 6,
                parent_view: 5,
                proposer: ValidatorKey([3; 32]),
                tx_root: tx_root(suite, &txs),
                tx_count: n as u32,
                state_root: Hash([4; 32]),
                receipts_root: Hash([5; 32]),
                gas_used: Gas(123),
                suite,
            },
            transactions: txs,
        }
    }

    #[test]
    fn blocks_round_trip_and_check_their_body() {
        for suite in Suite::ALL {
            let block = sample_block(suite, 3);
            assert!(block.body_matches_header());
            let bytes = block.encode();
            let back = Block::decode(&bytes).expect("decodes");
            assert_eq!(back, block);
            assert_eq!(back.hash(), block.hash());

            let mut dropped = block.clone();
            dropped.transactions.pop();
            assert!(!dropped.body_matches_header());
        }
    }

    #[test]
    fn every_header_field_changes_the_hash() {
        let base = sample_block(Suite::Ed25519, 1).header;
        let h = base.hash();
        let mut variants = Vec::new();
        let mut v = base.clone();
        v.height = Height(6);
        variants.push(v);
        let mut v = base.clone();
        v.parent = Hash([8; 32]);
        variants.push(v);
        let mut v = base.clone();
        v.timestamp = TimestampMs(1);
        variants.push(v);
        let mut v = base.clone();
        v.view = 7;
        variants.push(v);
        let mut v = base.clone();
        v.state_root = Hash([0; 32]);
        variants.push(v);
        let mut v = base.clone();
        v.receipts_root = Hash([0; 32]);
        variants.push(v);
        let mut v = base.clone();
        v.suite = Suite::Sm2;
        variants.push(v);
        for v in variants {
            assert_ne!(v.hash(), h);
        }
    }
}
