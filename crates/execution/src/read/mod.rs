//! Reading state: the [`StateRead`] trait every reader of state goes through (the executor's
//! overlay, a committed view), and typed readers of the values native modules keep, so no
//! caller outside execution decodes raw state values. The assets module's readers are in
//! [`assets`].

pub mod assets;

use crate::{BlockError, Result};
use citychain_crypto::Address;
use citychain_types::{
    Account, ContractInfo, Decode, Member, OrgId, Organization, Policy, Proposal, Thresholds,
    ValidatorSet, layout,
    multisig::{MultisigAccount, MultisigPending},
};

/// Reads the state (the executor's overlay, or a committed view for admission and queries).
pub trait StateRead {
    fn read(&self, key: &[u8]) -> Result<Option<Vec<u8>>>;

    /// The first key with `prefix` after `after` that has a value, with the value. Readers
    /// that hold only some keys (test doubles) cannot scan and say so.
    fn next_key(
        &self,
        _prefix: &[u8],
        _after: Option<&[u8]>,
    ) -> Result<Option<(Vec<u8>, Vec<u8>)>> {
        Err(BlockError::CorruptState {
            what: "state reader",
            detail: "this reader cannot scan keys".into(),
        })
    }
}

impl StateRead for crate::Overlay {
    fn read(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        self.get(key)
    }

    fn next_key(&self, prefix: &[u8], after: Option<&[u8]>) -> Result<Option<(Vec<u8>, Vec<u8>)>> {
        crate::Overlay::next_key(self, prefix, after)
    }
}

impl StateRead for citychain_state::StateView {
    fn read(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        Ok(self.get(key)?)
    }

    fn next_key(&self, prefix: &[u8], after: Option<&[u8]>) -> Result<Option<(Vec<u8>, Vec<u8>)>> {
        Ok(citychain_state::StateView::next_key(self, prefix, after)?)
    }
}

/// Decodes a stored value; a value that does not decode is corrupt state.
pub fn decode<T: Decode>(raw: Option<Vec<u8>>, what: &'static str) -> Result<Option<T>> {
    raw.map(|r| T::decode(&r))
        .transpose()
        .map_err(|e| BlockError::CorruptState {
            what,
            detail: e.to_string(),
        })
}

/// An account (absent: the empty account, nonce 0 and no balance).
pub fn account(state: &(impl StateRead + ?Sized), address: &Address) -> Result<Account> {
    Ok(decode(state.read(&layout::account_key(address))?, "account")?.unwrap_or_default())
}

pub fn policy(state: &(impl StateRead + ?Sized)) -> Result<Policy> {
    Ok(decode(state.read(&layout::policy_key())?, "policy")?.unwrap_or_default())
}

/// A big-endian `u64` counter under `key` (absent: 0).
pub fn read_u64(state: &(impl StateRead + ?Sized), key: &[u8], what: &'static str) -> Result<u64> {
    match state.read(key)? {
        None => Ok(0),
        Some(raw) => raw
            .as_slice()
            .try_into()
            .map(u64::from_be_bytes)
            .map_err(|_| BlockError::CorruptState {
                what,
                detail: format!("{} bytes, not 8", raw.len()),
            }),
    }
}

/// How many accounts are frozen.
pub fn frozen_count(state: &(impl StateRead + ?Sized)) -> Result<u64> {
    read_u64(state, &layout::frozen_count_key(), "frozen count")
}

pub fn is_frozen(state: &(impl StateRead + ?Sized), account: &Address) -> Result<bool> {
    Ok(state.read(&layout::frozen_key(account))?.is_some())
}

pub fn member(state: &(impl StateRead + ?Sized), account: &Address) -> Result<Option<Member>> {
    decode(state.read(&layout::member_key(account))?, "member")
}

pub fn organization(
    state: &(impl StateRead + ?Sized),
    org: &OrgId,
) -> Result<Option<Organization>> {
    decode(state.read(&layout::organization_key(org))?, "organization")
}

pub fn proposal(state: &(impl StateRead + ?Sized), id: u64) -> Result<Option<Proposal>> {
    decode(state.read(&layout::proposal_key(id))?, "proposal")
}

/// The vote thresholds (absent: the defaults).
pub fn thresholds(state: &(impl StateRead + ?Sized)) -> Result<Thresholds> {
    Ok(decode(state.read(&layout::thresholds_key())?, "thresholds")?.unwrap_or_default())
}

/// The validator set as governance has left it so far (the next epoch's set); every chain has
/// one from genesis, so its absence is corrupt state.
pub fn next_validators(state: &(impl StateRead + ?Sized)) -> Result<ValidatorSet> {
    decode(state.read(&layout::validators_key())?, "validator set")?.ok_or_else(|| {
        BlockError::CorruptState {
            what: "validator set",
            detail: "missing".into(),
        }
    })
}

/// The validator set of `epoch`, once the block that fixes it is in the state.
pub fn epoch_validators(
    state: &(impl StateRead + ?Sized),
    epoch: u64,
) -> Result<Option<ValidatorSet>> {
    decode(
        state.read(&layout::epoch_validators_key(epoch))?,
        "epoch validator set",
    )
}

pub fn multisig_account(
    state: &(impl StateRead + ?Sized),
    account: &Address,
) -> Result<Option<MultisigAccount>> {
    decode(
        state.read(&layout::multisig_key(account))?,
        "multisig account",
    )
}

/// A multisig account's proposed transaction `id`.
pub fn multisig_pending(
    state: &(impl StateRead + ?Sized),
    account: &Address,
    id: u64,
) -> Result<Option<MultisigPending>> {
    decode(
        state.read(&layout::multisig_tx_key(account, id))?,
        "multisig transaction",
    )
}

/// A deployed contract's metadata (code hash, admin, status).
pub fn contract_info(
    state: &(impl StateRead + ?Sized),
    contract: &Address,
) -> Result<Option<ContractInfo>> {
    decode(state.read(&layout::contract_key(contract))?, "contract")
}

/// The account a proven value at an account key holds, if it is one.
pub fn account_value(key: &[u8], value: &[u8]) -> Option<Account> {
    (key.first() == Some(&layout::prefix::ACCOUNT))
        .then(|| Account::decode(value).ok())
        .flatten()
}
