//! JSON shapes of the API's parameters and results.
//!
//! Bytes are `0x`-prefixed hex, 128-bit amounts are decimal strings, heights and nonces are
//! numbers. Everything hashed or signed is also available as its canonical bytes, so clients
//! can check hashes themselves.

mod asset;

pub use asset::*;

use citychain_crypto::{Address, Hash};
use citychain_types::{Account, BlockHeader, Receipt, SignedTransaction, Suite, proof::StateProof};
use serde::{Deserialize, Serialize};
use std::{fmt, str::FromStr};

/// A block by height, by hash, or the latest committed one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockId {
    Height(u64),
    Hash(Hash),
    Latest,
}

impl fmt::Display for BlockId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BlockId::Height(h) => write!(f, "{h}"),
            BlockId::Hash(h) => write!(f, "{h}"),
            BlockId::Latest => f.write_str("latest"),
        }
    }
}

impl FromStr for BlockId {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if s == "latest" {
            return Ok(BlockId::Latest);
        }
        if let Ok(h) = s.parse::<u64>() {
            return Ok(BlockId::Height(h));
        }
        s.parse::<Hash>()
            .map(BlockId::Hash)
            .map_err(|_| format!("{s:?} is not a block height, a 32-byte block hash or \"latest\""))
    }
}

impl Serialize for BlockId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            BlockId::Height(h) => s.serialize_u64(*h),
            other => s.serialize_str(&other.to_string()),
        }
    }
}

impl<'de> Deserialize<'de> for BlockId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Number(u64),
            Text(String),
        }
        // On the wire a height is a JSON number and a hash is 0x-prefixed: a digit string is
        // neither, rather than whichever it happens to parse as.
        match Raw::deserialize(d)? {
            Raw::Number(h) => Ok(BlockId::Height(h)),
            Raw::Text(t) if t == "latest" => Ok(BlockId::Latest),
            Raw::Text(t) if t.starts_with("0x") => {
                t.parse::<Hash>().map(BlockId::Hash).map_err(|_| {
                    serde::de::Error::custom(format!("{t:?} is not a 32-byte block hash"))
                })
            }
            Raw::Text(t) => Err(serde::de::Error::custom(format!(
                "{t:?}: a block id is a height (a JSON number), a 0x-prefixed 32-byte hash or \
                 \"latest\""
            ))),
        }
    }
}

/// `chain_status`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct StatusInfo {
    pub chain_id: String,
    pub suite: Suite,
    pub genesis_hash: Hash,
    /// Height of the newest committed (final and durable) block.
    pub height: u64,
    pub head_hash: Hash,
    pub state_root: Hash,
    pub head_timestamp_ms: u64,
    /// Newest height consensus has finalized (may be ahead of `height` while committing).
    pub finalized_tip: u64,
    pub pending_txs: usize,
    pub validators: usize,
    /// Peers this node has an open connection to.
    pub peers: usize,
    pub node_version: String,
}

/// A block: header, hash, and either whole transactions or their hashes.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct BlockInfo {
    pub hash: Hash,
    pub header: BlockHeader,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transactions: Vec<SignedTransaction>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tx_hashes: Vec<Hash>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipts: Option<Vec<Receipt>>,
}

/// Evidence that a header is final: a finalization certificate, plus the headers linking the
/// requested one to the finalized one when the block was finalized through a descendant.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FinalityInfo {
    /// The finalized block's hash (the certificate's payload).
    pub finalized_hash: Hash,
    pub finalized_height: u64,
    pub epoch: u64,
    pub view: u64,
    pub parent_view: u64,
    /// Indices (in the sorted validator set) of the validators that signed.
    pub signers: Vec<u32>,
    /// Their Ed25519 signatures, in the same order.
    pub signatures: Vec<citychain_crypto::Signature>,
    /// The certificate in commonware's encoding, for clients that decode it directly.
    pub certificate: String,
    /// Headers from the requested height + 1 up to the finalized one (empty if the requested
    /// block itself carries the certificate).
    pub descendants: Vec<BlockHeader>,
}

/// `chain_getHeader`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct HeaderInfo {
    pub hash: Hash,
    pub header: BlockHeader,
    /// The canonical header bytes; `hash = H(framed("citychain/header/v1", header_bytes))`.
    pub header_bytes: String,
    pub finality: Option<FinalityInfo>,
}

/// Where a committed transaction is.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Inclusion {
    pub height: u64,
    pub index: u32,
    pub block_hash: Hash,
}

/// A transaction's place in the chain: its block's height and its index in the block.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TxPosition {
    pub height: u64,
    pub index: u32,
}

/// One transaction of an account's history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AccountTxEntry {
    pub hash: Hash,
    pub height: u64,
    pub index: u32,
}

/// `tx_listByAccount`: one page of an account's history, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AccountTxPage {
    pub address: Address,
    pub transactions: Vec<AccountTxEntry>,
    /// Where the next (older) page starts; null on the last page.
    pub next: Option<TxPosition>,
    /// The index holds every block from this height on (it was off before, or this node
    /// started with it later): older history is not listed.
    pub indexed_from: u64,
}

/// Default and most entries of one `tx_listByAccount` page.
pub const ACCOUNT_TXS_DEFAULT: u32 = 50;
pub const ACCOUNT_TXS_MAX: u32 = 500;

/// `tx_get`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TxInfo {
    pub hash: Hash,
    /// `pending` (in the mempool) or `committed`.
    pub status: String,
    pub transaction: SignedTransaction,
    pub inclusion: Option<Inclusion>,
}

/// `tx_getReceipt` and the receipt subscription.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ReceiptInfo {
    pub tx_hash: Hash,
    pub receipt: Receipt,
    pub inclusion: Inclusion,
}

/// `state_getAccount`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AccountInfo {
    pub address: Address,
    pub nonce: u64,
    pub balance: citychain_types::Amount,
    /// Height of the state read.
    pub height: u64,
}

/// `state_getProof`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ProofInfo {
    /// The state key proven (`0x01 || address` for an account).
    pub key: String,
    /// The value's canonical bytes, or null if the key is absent.
    pub value: Option<String>,
    /// The decoded account, for account keys that are present.
    pub account: Option<Account>,
    pub height: u64,
    pub state_root: Hash,
    pub proof: StateProof,
}

/// `tx_submit`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SubmitResult {
    pub hash: Hash,
}

/// One entry of `tx_submitBatch`: a hash, or why the transaction was rejected.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct BatchEntry {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hash: Option<Hash>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<Rejected>,
}

/// A rejected transaction: a stable code and a message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Rejected {
    pub code: String,
    pub message: String,
}

/// Notification of `chain_subscribeFinalized`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FinalizedHeader {
    pub hash: Hash,
    pub header: BlockHeader,
}

/// `chain_getValidators`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EpochValidators {
    pub epoch: u64,
    /// Heights of the epoch's first and last blocks.
    pub first_height: u64,
    pub last_height: u64,
    pub validators: Vec<ValidatorInfo>,
    /// The set the next epoch starts with as governance has left it so far (it is fixed when
    /// the current epoch's last block commits).
    pub next: Vec<ValidatorInfo>,
}

/// `chain_getEpochRecords`: proof of one epoch's validator set.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EpochRecord {
    pub epoch: u64,
    /// The last block of the epoch before, with its certificate.
    pub header: HeaderInfo,
    /// The value and proof of `0x02 || "epoch" || epoch` at that block.
    pub proof: ProofInfo,
}

/// Most records one `chain_getEpochRecords` call returns.
pub const MAX_EPOCH_RECORDS: u32 = 64;

/// One validator of an epoch.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ValidatorInfo {
    pub name: String,
    pub consensus_key: citychain_types::ValidatorKey,
    /// Position in the sorted validator set (the signer index in certificates).
    pub index: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_ids_parse_from_json() {
        assert_eq!(
            serde_json::from_str::<BlockId>("7").expect("number"),
            BlockId::Height(7)
        );
        assert_eq!(
            serde_json::from_str::<BlockId>("\"latest\"").expect("latest"),
            BlockId::Latest
        );
        let h = format!("\"0x{}\"", "ab".repeat(32));
        assert!(matches!(
            serde_json::from_str::<BlockId>(&h).expect("hash"),
            BlockId::Hash(_)
        ));
        assert!(serde_json::from_str::<BlockId>("\"bogus\"").is_err());
        // Ambiguous forms are refused: digits in a string, a hash without its prefix.
        assert!(serde_json::from_str::<BlockId>("\"42\"").is_err());
        let bare = format!("\"{}\"", "12".repeat(32));
        let err = serde_json::from_str::<BlockId>(&bare).expect_err("no prefix");
        assert!(err.to_string().contains("0x-prefixed"), "{err}");
    }
}

/// `contract_query`: what a read-only call returned. Nothing it wrote was kept.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct QueryResult {
    pub status: citychain_types::Status,
    pub code: u16,
    /// Empty on success; the revert reason or failure otherwise.
    pub reason: String,
    /// The call's return value (hex).
    pub output: String,
    pub gas_used: u64,
    pub events: Vec<citychain_types::Event>,
    /// Height of the state the query ran on.
    pub height: u64,
}

/// `contract_getInfo`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ContractView {
    pub address: Address,
    pub code_hash: Hash,
    pub code_size: usize,
    pub admin: Address,
    pub deployer: Address,
    pub deployed_at: u64,
    pub status: citychain_types::ContractStatus,
    /// The exported entry points, sorted.
    pub entry_points: Vec<String>,
    /// The contract's native balance.
    pub balance: citychain_types::Amount,
    /// What the contract says about itself (methods, events, revert reasons), with each
    /// method's `writes` found in its code; `null` if the code carries no metadata.
    pub metadata: Option<citychain_types::metadata::ContractMetadata>,
    /// Height of the state read.
    pub height: u64,
}

/// `gov_getProposal` and `gov_listProposals`: a proposal with its status as of now (an open
/// proposal past its deadline is `expired`).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ProposalView {
    #[serde(flatten)]
    pub proposal: citychain_types::Proposal,
    pub effective_status: citychain_types::ProposalStatus,
}

/// `org_getMember`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MemberView {
    pub address: Address,
    /// Null for an account outside every organization (a citizen).
    pub member: Option<citychain_types::Member>,
    pub frozen: bool,
    pub height: u64,
}

/// `gov_getPolicy`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PolicyView {
    pub policy: citychain_types::Policy,
    pub thresholds: citychain_types::Thresholds,
    pub height: u64,
}

/// `audit_listFrozen`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FrozenAccount {
    pub address: Address,
    pub since_height: u64,
}

/// `multisig_getAccount`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MultisigView {
    pub address: Address,
    #[serde(flatten)]
    pub account: citychain_types::multisig::MultisigAccount,
    pub balance: citychain_types::Amount,
}

/// Most transactions one `tx_submitBatch` request may carry.
pub const MAX_SUBMIT_BATCH: usize = 10_000;

/// The transactions of a `tx_submitBatch` request (hex strings): a list of at most
/// [`MAX_SUBMIT_BATCH`], refused while it is read, before anything is allocated for the rest.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct TxBatch(pub Vec<String>);

impl From<Vec<String>> for TxBatch {
    fn from(txs: Vec<String>) -> Self {
        TxBatch(txs)
    }
}

impl<'de> Deserialize<'de> for TxBatch {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Bounded;
        impl<'de> serde::de::Visitor<'de> for Bounded {
            type Value = TxBatch;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "a list of at most {MAX_SUBMIT_BATCH} hex transactions")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<TxBatch, A::Error> {
                let mut txs =
                    Vec::with_capacity(seq.size_hint().unwrap_or(0).min(MAX_SUBMIT_BATCH));
                while let Some(tx) = seq.next_element::<String>()? {
                    if txs.len() == MAX_SUBMIT_BATCH {
                        return Err(serde::de::Error::custom(format!(
                            "a batch holds at most {MAX_SUBMIT_BATCH} transactions; split it"
                        )));
                    }
                    txs.push(tx);
                }
                Ok(TxBatch(txs))
            }
        }
        d.deserialize_seq(Bounded)
    }
}

impl FromIterator<String> for TxBatch {
    fn from_iter<I: IntoIterator<Item = String>>(iter: I) -> Self {
        TxBatch(iter.into_iter().collect())
    }
}

#[cfg(feature = "schema")]
mod schema {
    use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
    use std::borrow::Cow;

    impl JsonSchema for super::BlockId {
        fn schema_name() -> Cow<'static, str> {
            "BlockId".into()
        }
        fn json_schema(_: &mut SchemaGenerator) -> Schema {
            json_schema!({
                "description": "a block: its height (a JSON number), its 0x-prefixed 32-byte hash, or \"latest\"",
                "oneOf": [
                    { "type": "integer", "minimum": 0 },
                    { "type": "string", "pattern": "^0x[0-9a-fA-F]{64}$" },
                    { "const": "latest" },
                ],
            })
        }
    }

    impl JsonSchema for super::TxBatch {
        fn schema_name() -> Cow<'static, str> {
            "TxBatch".into()
        }
        fn json_schema(_: &mut SchemaGenerator) -> Schema {
            json_schema!({
                "description": "signed transactions, each its canonical bytes as 0x-prefixed hex",
                "type": "array",
                "maxItems": super::MAX_SUBMIT_BATCH,
                "items": { "type": "string", "pattern": "^0x([0-9a-fA-F]{2})*$" },
            })
        }
    }
}
