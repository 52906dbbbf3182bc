//! Reading state: the [`StateRead`] trait every reader of state goes through (the executor's
//! overlay, a committed view), and typed readers of the values native modules keep, so no
//! caller outside execution decodes raw state values.

use crate::{BlockError, Result};
use citychain_crypto::Address;
use citychain_types::{Account, Decode, Member, OrgId, Organization, Policy, layout};

/// Reads the state (the executor's overlay, or a committed view for admission and queries).
pub trait StateRead {
    fn read(&self, key: &[u8]) -> Result<Option<Vec<u8>>>;
}

impl StateRead for crate::Overlay {
    fn read(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        self.get(key)
    }
}

impl StateRead for citychain_state::StateView {
    fn read(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        Ok(self.get(key)?)
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
