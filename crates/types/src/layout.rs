//! Where things live in the authenticated state: the key layout (namespaces and key builders),
//! the derivation of addresses things are created at, and epoch arithmetic. The values stored
//! under the keys are typed in their domain's module (`account`, `validator`, `contract`,
//! `governance`, `proposal`, `multisig`).
//!
//! Every key starts with a one-byte namespace. The tree itself stores `H(key)` and `H(value)`
//! (see `docs/protocol.md`), so keys may be any length.

use crate::asset::{AssetId, CollectionId, Denom, OfferId};
use crate::{Height, Nonce};
use citychain_crypto::{Address, Hash, Suite};

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
    /// Fungible asset classes (`0x0e || asset id`).
    pub const ASSET: u8 = 0x0e;
    /// Holdings of them (`0x0f || asset id || holder`).
    pub const HOLDING: u8 = 0x0f;
    /// Balances at past record points (`0x10 || asset id || holder || last record (u64)`).
    pub const CHECKPOINT: u8 = 0x10;
    /// Allow-lists (`0x11 || asset or collection id || account`, value `0x01`).
    pub const ALLOWED: u8 = 0x11;
    /// Collections of unique items (`0x12 || collection id`).
    pub const COLLECTION: u8 = 0x12;
    /// Items (`0x13 || collection id || item (u64)`).
    pub const ITEM: u8 = 0x13;
    /// Their ownership histories (`0x14 || collection id || item (u64) || n (u64)`).
    pub const ITEM_HISTORY: u8 = 0x14;
    /// Vaults (`0x15 || vault id`).
    pub const VAULT: u8 = 0x15;
    /// Votes cast on a vault's reserve proposals (`0x16 || vault id || record (u64) || voter`).
    pub const VAULT_VOTE: u8 = 0x16;
    /// Distributions (`0x17 || asset id || record (u64)`).
    pub const DISTRIBUTION: u8 = 0x17;
    /// Claims made of them (`0x18 || asset id || record (u64) || holder`).
    pub const CLAIM: u8 = 0x18;
    /// Offers (`0x19 || offer id`).
    pub const OFFER: u8 = 0x19;
    /// Open offers by maker (`0x1a || maker || offer id`, value `0x01`).
    pub const OFFER_BY_MAKER: u8 = 0x1a;
    /// Open offers by what they give or want (`0x1b || denom key || offer id`, value `0x01`).
    pub const OFFER_BY_DENOM: u8 = 0x1b;
    /// The asset classes an account holds (`0x1c || holder || asset id`, value `0x01`).
    pub const HELD: u8 = 0x1c;
    /// The items an account owns (`0x1d || owner || collection id || item (u64)`, value `0x01`).
    pub const OWNED: u8 = 0x1d;
}

/// Value of index and marker keys (allow-lists, offer indexes, holdings by account).
pub const PRESENT: &[u8] = &[1];

/// The key of an asset class.
pub fn asset_key(asset: &AssetId) -> Vec<u8> {
    [&[prefix::ASSET][..], &asset.0].concat()
}

/// The key of `holder`'s holding of `asset`.
pub fn holding_key(asset: &AssetId, holder: &Address) -> Vec<u8> {
    [&[prefix::HOLDING][..], &asset.0, &holder.0].concat()
}

/// The prefix of every holding of `asset` (its holders, in address order).
pub fn holdings_prefix(asset: &AssetId) -> Vec<u8> {
    [&[prefix::HOLDING][..], &asset.0].concat()
}

/// The key of the checkpoint of `holder`'s balance of `asset` ending at record point `last`.
pub fn checkpoint_key(asset: &AssetId, holder: &Address, last: u64) -> Vec<u8> {
    [
        &[prefix::CHECKPOINT][..],
        &asset.0,
        &holder.0,
        &last.to_be_bytes(),
    ]
    .concat()
}

/// The prefix of every checkpoint of `holder`'s balance of `asset`.
pub fn checkpoints_prefix(asset: &AssetId, holder: &Address) -> Vec<u8> {
    [&[prefix::CHECKPOINT][..], &asset.0, &holder.0].concat()
}

/// The key marking `account` allowed to hold the asset or items of the class `class_id`.
pub fn allowed_key(class_id: &[u8; 20], account: &Address) -> Vec<u8> {
    [&[prefix::ALLOWED][..], class_id, &account.0].concat()
}

/// The key of a collection.
pub fn collection_key(collection: &CollectionId) -> Vec<u8> {
    [&[prefix::COLLECTION][..], &collection.0].concat()
}

/// The key of item `item` of `collection`.
pub fn item_key(collection: &CollectionId, item: u64) -> Vec<u8> {
    [&[prefix::ITEM][..], &collection.0, &item.to_be_bytes()].concat()
}

/// The prefix of every item of `collection`.
pub fn items_prefix(collection: &CollectionId) -> Vec<u8> {
    [&[prefix::ITEM][..], &collection.0].concat()
}

/// The key of entry `n` of an item's ownership history.
pub fn item_history_key(collection: &CollectionId, item: u64, n: u64) -> Vec<u8> {
    [
        &[prefix::ITEM_HISTORY][..],
        &collection.0,
        &item.to_be_bytes(),
        &n.to_be_bytes(),
    ]
    .concat()
}

/// The key of a vault.
pub fn vault_key(vault: &AssetId) -> Vec<u8> {
    [&[prefix::VAULT][..], &vault.0].concat()
}

/// The key marking that `voter` voted on the reserve proposal of `vault` at record `record`.
pub fn vault_vote_key(vault: &AssetId, record: u64, voter: &Address) -> Vec<u8> {
    [
        &[prefix::VAULT_VOTE][..],
        &vault.0,
        &record.to_be_bytes(),
        &voter.0,
    ]
    .concat()
}

/// The key of the distribution to holders of `asset` at record point `record`.
pub fn distribution_key(asset: &AssetId, record: u64) -> Vec<u8> {
    [&[prefix::DISTRIBUTION][..], &asset.0, &record.to_be_bytes()].concat()
}

/// The prefix of every distribution to holders of `asset`.
pub fn distributions_prefix(asset: &AssetId) -> Vec<u8> {
    [&[prefix::DISTRIBUTION][..], &asset.0].concat()
}

/// The key marking that `holder` was paid its part of a distribution.
pub fn claim_key(asset: &AssetId, record: u64, holder: &Address) -> Vec<u8> {
    [
        &[prefix::CLAIM][..],
        &asset.0,
        &record.to_be_bytes(),
        &holder.0,
    ]
    .concat()
}

/// The key of an offer.
pub fn offer_key(offer: &OfferId) -> Vec<u8> {
    [&[prefix::OFFER][..], &offer.0].concat()
}

/// The index key of an open offer by its maker.
pub fn offer_by_maker_key(maker: &Address, offer: &OfferId) -> Vec<u8> {
    [&[prefix::OFFER_BY_MAKER][..], &maker.0, &offer.0].concat()
}

/// The prefix of the open offers of `maker`.
pub fn offers_by_maker_prefix(maker: &Address) -> Vec<u8> {
    [&[prefix::OFFER_BY_MAKER][..], &maker.0].concat()
}

/// The index key of an open offer by something it gives or wants.
pub fn offer_by_denom_key(denom: &Denom, offer: &OfferId) -> Vec<u8> {
    [&[prefix::OFFER_BY_DENOM][..], &denom.index_key(), &offer.0].concat()
}

/// The prefix of the open offers that give or want `denom` (every item of a collection
/// shares one prefix).
pub fn offers_by_denom_prefix(denom: &Denom) -> Vec<u8> {
    [&[prefix::OFFER_BY_DENOM][..], &denom.index_key()].concat()
}

/// The index key of an asset class `holder` holds.
pub fn held_key(holder: &Address, asset: &AssetId) -> Vec<u8> {
    [&[prefix::HELD][..], &holder.0, &asset.0].concat()
}

/// The prefix of the asset classes `holder` holds.
pub fn held_prefix(holder: &Address) -> Vec<u8> {
    [&[prefix::HELD][..], &holder.0].concat()
}

/// The index key of an item `owner` owns.
pub fn owned_key(owner: &Address, collection: &CollectionId, item: u64) -> Vec<u8> {
    [
        &[prefix::OWNED][..],
        &owner.0,
        &collection.0,
        &item.to_be_bytes(),
    ]
    .concat()
}

/// The prefix of the items `owner` owns.
pub fn owned_prefix(owner: &Address) -> Vec<u8> {
    [&[prefix::OWNED][..], &owner.0].concat()
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

pub use crate::primitives::derived_address;

/// The address of the genesis contract called `name`: the first 20 bytes of
/// `H(framed("citychain/genesis-contract/v1", name))`, known from the name alone.
pub fn genesis_contract_address(suite: Suite, name: &str) -> Address {
    let hash = suite.hash(&citychain_crypto::framed(
        b"citychain/genesis-contract/v1",
        name.as_bytes(),
    ));
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
