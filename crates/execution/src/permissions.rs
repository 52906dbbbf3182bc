//! Who may send what: the permission policy, applied identically at mempool admission and in
//! execution. A transaction that fails these checks is invalid: it costs nothing and changes
//! nothing, and the error names the roles it lacked.

use crate::{BlockError, InvalidTx, Result};
use citychain_crypto::Address;
use citychain_types::{
    Decode, Member, Organization, Payload, Policy, Roles, SignedTransaction, layout,
};

/// Reads the state (the executor's overlay, or the committed store for the mempool).
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

fn decode<T: Decode>(raw: Option<Vec<u8>>, what: &'static str) -> Result<Option<T>> {
    raw.map(|r| T::decode(&r))
        .transpose()
        .map_err(|e| BlockError::CorruptState {
            what,
            detail: e.to_string(),
        })
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

/// What permission checks need from the state besides per-account reads, read once per block.
#[derive(Clone, Debug)]
pub struct Rules {
    pub policy: Policy,
    /// The chain's suite (code approvals are by code hash).
    pub suite: citychain_crypto::Suite,
    /// Whether any account is frozen (if not, no per-transaction frozen lookup is needed).
    pub any_frozen: bool,
}

impl Rules {
    pub fn read(
        state: &(impl StateRead + ?Sized),
        suite: citychain_crypto::Suite,
    ) -> Result<Rules> {
        Ok(Rules {
            policy: policy(state)?,
            suite,
            any_frozen: frozen_count(state)? > 0,
        })
    }
}

pub fn member(state: &(impl StateRead + ?Sized), account: &Address) -> Result<Option<Member>> {
    decode(state.read(&layout::member_key(account))?, "member")
}

pub fn organization(
    state: &(impl StateRead + ?Sized),
    org: &citychain_types::OrgId,
) -> Result<Option<Organization>> {
    decode(state.read(&layout::organization_key(org))?, "organization")
}

pub fn is_frozen(state: &(impl StateRead + ?Sized), account: &Address) -> Result<bool> {
    Ok(state.read(&layout::frozen_key(account))?.is_some())
}

/// Checks that the sender of `tx` may send it under `rules`.
pub fn check(
    state: &dyn StateRead,
    rules: &Rules,
    tx: &SignedTransaction,
) -> Result<std::result::Result<(), InvalidTx>> {
    check_payload(state, rules, &tx.sender(), &tx.transaction().payload)
}

/// Checks that `sender` (a signer, or a multisig account) may send `payload`: not frozen, and
/// allowed by the rule of the payload's module.
pub fn check_payload(
    state: &dyn StateRead,
    rules: &Rules,
    sender: &Address,
    payload: &Payload,
) -> Result<std::result::Result<(), InvalidTx>> {
    if rules.any_frozen && is_frozen(state, sender)? {
        return Ok(Err(InvalidTx::AccountFrozen { account: *sender }));
    }
    crate::native::module_of(payload).permit(state, rules, sender, payload)
}

/// Allows `action` when `needed` is empty or the sender's member roles meet it.
pub fn require_roles(
    state: &(impl StateRead + ?Sized),
    sender: &Address,
    action: &'static str,
    needed: Roles,
) -> Result<std::result::Result<(), InvalidTx>> {
    if needed.is_empty() {
        return Ok(Ok(()));
    }
    let has = member(state, sender)?.map_or(Roles::NONE, |m| m.roles);
    if has.intersects(needed) {
        Ok(Ok(()))
    } else {
        Ok(Err(InvalidTx::PermissionDenied {
            action,
            needed,
            has,
            detail: String::new(),
        }))
    }
}
