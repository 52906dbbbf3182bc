//! Where things live in the authenticated state: key layout and value encodings.
//!
//! Every key starts with a one-byte namespace. The tree itself stores `H(key)` and `H(value)`
//! (see `docs/protocol.md`), so keys may be any length.

use crate::{
    Amount, Height, Nonce,
    block::ValidatorKey,
    codec::{Decode, DecodeError, Encode, Reader, Writer},
};
use citychain_crypto::{Address, Hash, Suite, framed};
use serde::{Deserialize, Serialize};

/// Key namespaces. Values not listed are reserved for later modules.
pub mod prefix {
    /// Chain-wide settings (`0x00 || name`).
    pub const CHAIN: u8 = 0x00;
    /// Native accounts (`0x01 || address`).
    pub const ACCOUNT: u8 = 0x01;
    /// Consensus (`0x02 || name`).
    pub const CONSENSUS: u8 = 0x02;
    /// Contract metadata (`0x03 || contract address`).
    pub const CONTRACT: u8 = 0x03;
    /// Contract code by hash (`0x04 || code hash`), shared by every contract deployed with it.
    pub const CODE: u8 = 0x04;
    /// Contract storage (`0x05 || contract address || the contract's own key`).
    pub const CONTRACT_STORAGE: u8 = 0x05;
    /// Organizations (`0x06 || organization id`).
    pub const ORGANIZATION: u8 = 0x06;
    /// Members: an account's organization and roles (`0x07 || address`).
    pub const MEMBER: u8 = 0x07;
    /// Frozen accounts (`0x08 || address`, value: the height it was frozen at).
    pub const FROZEN: u8 = 0x08;
    /// Proposals (`0x09 || id (u64)`).
    pub const PROPOSAL: u8 = 0x09;
    /// The audit trail (`0x0a || time ms (u64) || sequence (u64)`).
    pub const AUDIT: u8 = 0x0a;
    /// Multisig accounts (`0x0b || address`).
    pub const MULTISIG: u8 = 0x0b;
    /// Their proposed transactions (`0x0c || address || id (u64)`).
    pub const MULTISIG_TX: u8 = 0x0c;
    /// Code approved for deployment by vote (`0x0d || code hash`, value: the height approved).
    pub const APPROVED_CODE: u8 = 0x0d;
}

pub fn approved_code_key(code_hash: &Hash) -> Vec<u8> {
    [&[prefix::APPROVED_CODE][..], &code_hash.0].concat()
}

pub fn multisig_key(account: &Address) -> Vec<u8> {
    [&[prefix::MULTISIG][..], &account.0].concat()
}

pub fn multisig_tx_key(account: &Address, id: u64) -> Vec<u8> {
    [&[prefix::MULTISIG_TX][..], &account.0, &id.to_be_bytes()].concat()
}

/// The key of the permission policy.
pub fn policy_key() -> Vec<u8> {
    [&[prefix::CHAIN][..], b"policy"].concat()
}

/// The key of the vote thresholds.
pub fn thresholds_key() -> Vec<u8> {
    [&[prefix::CHAIN][..], b"thresholds"].concat()
}

/// The key of the next proposal id (`u64`).
pub fn next_proposal_key() -> Vec<u8> {
    [&[prefix::CHAIN][..], b"next_proposal"].concat()
}

/// The key of the number of frozen accounts (`u64`), so that chains with none skip the
/// per-transaction frozen check.
pub fn frozen_count_key() -> Vec<u8> {
    [&[prefix::CHAIN][..], b"frozen_count"].concat()
}

/// The key of the audit trail's next sequence number (`u64`).
pub fn audit_sequence_key() -> Vec<u8> {
    [&[prefix::CHAIN][..], b"audit_sequence"].concat()
}

pub fn organization_key(org: &crate::OrgId) -> Vec<u8> {
    [&[prefix::ORGANIZATION][..], org.as_str().as_bytes()].concat()
}

pub fn member_key(account: &Address) -> Vec<u8> {
    [&[prefix::MEMBER][..], &account.0].concat()
}

pub fn frozen_key(account: &Address) -> Vec<u8> {
    [&[prefix::FROZEN][..], &account.0].concat()
}

pub fn proposal_key(id: u64) -> Vec<u8> {
    [&[prefix::PROPOSAL][..], &id.to_be_bytes()].concat()
}

/// The key of audit entry `sequence` recorded at `time_ms`: entries sort by time.
pub fn audit_key(time_ms: u64, sequence: u64) -> Vec<u8> {
    [
        &[prefix::AUDIT][..],
        &time_ms.to_be_bytes(),
        &sequence.to_be_bytes(),
    ]
    .concat()
}

/// Domain of contract address derivation.
pub const CONTRACT_ADDRESS_DOMAIN: &[u8] = b"citychain/contract-address/v1";

/// The address of the contract deployed by `deployer` with the transaction nonce `nonce`:
/// the first 20 bytes of `H(framed(CONTRACT_ADDRESS_DOMAIN, deployer || nonce))`.
pub fn contract_address(suite: Suite, deployer: &Address, nonce: Nonce) -> Address {
    derived_address(suite, CONTRACT_ADDRESS_DOMAIN, deployer, nonce)
}

/// The first 20 bytes of `H(framed(domain, creator || nonce))`: addresses of things an account
/// creates (contracts, multisig accounts), known before the transaction runs.
pub fn derived_address(suite: Suite, domain: &[u8], creator: &Address, nonce: Nonce) -> Address {
    let mut msg = Vec::with_capacity(28);
    msg.extend_from_slice(&creator.0);
    msg.extend_from_slice(&nonce.0.to_be_bytes());
    let hash = suite.hash(&framed(domain, &msg));
    let mut a = [0u8; 20];
    a.copy_from_slice(&hash.0[..20]);
    Address(a)
}

/// The key of a contract's metadata.
pub fn contract_key(contract: &Address) -> Vec<u8> {
    [&[prefix::CONTRACT][..], &contract.0].concat()
}

/// The key of contract code.
pub fn code_key(code_hash: &Hash) -> Vec<u8> {
    [&[prefix::CODE][..], &code_hash.0].concat()
}

/// The state key under which `contract` stores its key `key`.
pub fn contract_storage_key(contract: &Address, key: &[u8]) -> Vec<u8> {
    let mut k = Vec::with_capacity(21 + key.len());
    k.push(prefix::CONTRACT_STORAGE);
    k.extend_from_slice(&contract.0);
    k.extend_from_slice(key);
    k
}

/// Whether a contract may run. Governance (a later module) moves contracts between these.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContractStatus {
    Active,
    /// Calls are refused until unfrozen; storage is kept.
    Frozen,
    /// Calls are refused for good.
    Revoked,
}

impl ContractStatus {
    pub const fn code(self) -> u8 {
        match self {
            ContractStatus::Active => 0,
            ContractStatus::Frozen => 1,
            ContractStatus::Revoked => 2,
        }
    }
}

/// A deployed contract, stored under [`contract_key`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractInfo {
    /// Hash (in the chain's suite) of the WASM code, stored under [`code_key`].
    pub code_hash: Hash,
    /// The account allowed to propose upgrades and lifecycle changes (the deployer at first).
    pub admin: Address,
    pub deployer: Address,
    pub deployed_at: Height,
    pub status: ContractStatus,
}

/// Encoding: `code_hash || admin || deployer || deployed_at (u64) || status (u8)`.
impl Encode for ContractInfo {
    fn encode_to(&self, w: &mut Writer) {
        w.put(&self.code_hash)
            .put(&self.admin)
            .put(&self.deployer)
            .put(&self.deployed_at)
            .u8(self.status.code());
    }
}

impl Decode for ContractInfo {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(ContractInfo {
            code_hash: Hash::decode_from(r)?,
            admin: Address::decode_from(r)?,
            deployer: Address::decode_from(r)?,
            deployed_at: Height::decode_from(r)?,
            status: match r.u8("contract status")? {
                0 => ContractStatus::Active,
                1 => ContractStatus::Frozen,
                2 => ContractStatus::Revoked,
                other => {
                    return Err(r.error("contract status", format!("unknown status {other}")));
                }
            },
        })
    }
}

/// The key of an account.
pub fn account_key(address: &Address) -> Vec<u8> {
    let mut key = Vec::with_capacity(21);
    key.push(prefix::ACCOUNT);
    key.extend_from_slice(&address.0);
    key
}

/// The key of the chain parameters.
pub fn params_key() -> Vec<u8> {
    [&[prefix::CHAIN][..], b"params"].concat()
}

/// The key of the validator set.
pub fn validators_key() -> Vec<u8> {
    [&[prefix::CONSENSUS][..], b"validators"].concat()
}

/// The key of the validator set that runs consensus in `epoch` (`0x02 || "epoch" || epoch`):
/// written once, when the last block of the previous epoch executes (at genesis for epoch 0),
/// as a copy of [`validators_key`]'s value at that point.
pub fn epoch_validators_key(epoch: u64) -> Vec<u8> {
    [&[prefix::CONSENSUS][..], b"epoch", &epoch.to_be_bytes()].concat()
}

/// The epoch of the block at `height` when epochs are `epoch_blocks` long: epoch `e` holds
/// heights `e * epoch_blocks ..= (e + 1) * epoch_blocks - 1` (genesis is in epoch 0).
pub fn epoch_of(height: Height, epoch_blocks: u64) -> u64 {
    height.0 / epoch_blocks
}

/// If `height` is the last block of its epoch, the epoch that starts after it.
pub fn epoch_starting_after(height: Height, epoch_blocks: u64) -> Option<u64> {
    let next = height.0.checked_add(1)?;
    (next % epoch_blocks == 0).then_some(next / epoch_blocks)
}

/// A native account. Absent accounts read as nonce 0 and balance 0.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub nonce: Nonce,
    pub balance: Amount,
}

/// Encoding: `nonce (u64) || balance (u128)`, 24 bytes.
impl Encode for Account {
    fn encode_to(&self, w: &mut Writer) {
        w.put(&self.nonce).put(&self.balance);
    }
}

impl Decode for Account {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Account {
            nonce: Nonce::decode_from(r)?,
            balance: Amount::decode_from(r)?,
        })
    }
}

/// A member of the validator set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Validator {
    /// A label for humans (an organization's node name).
    pub name: String,
    /// The Ed25519 key the validator votes with.
    pub consensus_key: ValidatorKey,
}

/// Longest validator name, in bytes.
pub const MAX_VALIDATOR_NAME_LEN: usize = 64;
/// Most validators in one set.
pub const MAX_VALIDATORS: usize = 256;

impl Validator {
    /// The name is 1 to [`MAX_VALIDATOR_NAME_LEN`] bytes and the key an Ed25519 point not of
    /// small order.
    pub fn validate(&self) -> Result<(), String> {
        if self.name.is_empty() || self.name.len() > MAX_VALIDATOR_NAME_LEN {
            return Err(format!(
                "validator name {:?} must be 1 to {MAX_VALIDATOR_NAME_LEN} bytes",
                self.name
            ));
        }
        citychain_crypto::PublicKey::from_bytes(Suite::Ed25519, &self.consensus_key.0).map_err(
            |e| {
                format!(
                    "validator {}: key {} is not an Ed25519 public key ({e})",
                    self.name, self.consensus_key
                )
            },
        )?;
        if citychain_crypto::ed25519_small_order(&self.consensus_key.0) {
            return Err(format!(
                "validator {}: key {} is a point of small order, whose signatures anyone can \
                 forge",
                self.name, self.consensus_key
            ));
        }
        Ok(())
    }
}

impl ValidatorSet {
    pub fn contains(&self, key: &ValidatorKey) -> bool {
        self.0.iter().any(|v| v.consensus_key == *key)
    }
}

impl Encode for Validator {
    fn encode_to(&self, w: &mut Writer) {
        w.string(&self.name).put(&self.consensus_key);
    }
}

impl Decode for Validator {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Validator {
            name: r.string("validator name", MAX_VALIDATOR_NAME_LEN)?,
            consensus_key: ValidatorKey::decode_from(r)?,
        })
    }
}

/// The validator set, stored under [`validators_key`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidatorSet(pub Vec<Validator>);

impl Encode for ValidatorSet {
    fn encode_to(&self, w: &mut Writer) {
        w.list(&self.0, |w, v| {
            w.put(v);
        });
    }
}

impl Decode for ValidatorSet {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        r.list("validators", MAX_VALIDATORS, Validator::decode_from)
            .map(ValidatorSet)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_are_24_bytes() {
        let a = Account {
            nonce: Nonce(3),
            balance: Amount(10),
        };
        let bytes = a.encode();
        assert_eq!(bytes.len(), 24);
        assert_eq!(Account::decode(&bytes).expect("decodes"), a);
        assert!(Account::decode(&bytes[..23]).is_err());
    }

    #[test]
    fn keys_are_prefixed() {
        let k = account_key(&Address([7; 20]));
        assert_eq!(k[0], prefix::ACCOUNT);
        assert_eq!(k.len(), 21);
        assert_eq!(params_key()[0], prefix::CHAIN);
        assert_eq!(validators_key()[0], prefix::CONSENSUS);
        assert_eq!(epoch_validators_key(1)[0], prefix::CONSENSUS);
    }

    #[test]
    fn epochs_end_on_their_last_height() {
        assert_eq!(epoch_of(Height(0), 10), 0);
        assert_eq!(epoch_of(Height(9), 10), 0);
        assert_eq!(epoch_of(Height(10), 10), 1);
        assert_eq!(epoch_starting_after(Height(9), 10), Some(1));
        assert_eq!(epoch_starting_after(Height(19), 10), Some(2));
        assert_eq!(epoch_starting_after(Height(10), 10), None);
        assert_eq!(epoch_starting_after(Height(u64::MAX), 10), None);
    }
}
