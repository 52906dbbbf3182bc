//! Where things live in the authenticated state: the key layout (namespaces and key builders),
//! the derivation of addresses things are created at, and epoch arithmetic. The values stored
//! under the keys are typed in their domain's module (`account`, `validator`, `contract`,
//! `governance`, `proposal`, `multisig`).
//!
//! Every key starts with a one-byte namespace. The tree itself stores `H(key)` and `H(value)`
//! (see `docs/protocol.md`), so keys may be any length.

use crate::{Height, Nonce};
use citychain_crypto::{Address, Hash, Suite, framed};

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

/// The key marking contract code approved for deployment by governance.
pub fn approved_code_key(code_hash: &Hash) -> Vec<u8> {
    [&[prefix::APPROVED_CODE][..], &code_hash.0].concat()
}

/// The key of a multisig account.
pub fn multisig_key(account: &Address) -> Vec<u8> {
    [&[prefix::MULTISIG][..], &account.0].concat()
}

/// The key of a multisig account's proposed transaction `id`.
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

/// The key of an organization.
pub fn organization_key(org: &crate::OrgId) -> Vec<u8> {
    [&[prefix::ORGANIZATION][..], org.as_str().as_bytes()].concat()
}

/// The key of an account's membership (organization and roles).
pub fn member_key(account: &Address) -> Vec<u8> {
    [&[prefix::MEMBER][..], &account.0].concat()
}

/// The key marking an account frozen (its value: the height it was frozen at).
pub fn frozen_key(account: &Address) -> Vec<u8> {
    [&[prefix::FROZEN][..], &account.0].concat()
}

/// The key of governance proposal `id`.
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

#[cfg(test)]
mod tests {
    use super::*;

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
