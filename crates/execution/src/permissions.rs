//! Who may send what: the permission policy, applied identically at mempool admission and in
//! execution. A transaction that fails these checks is invalid: it costs nothing and changes
//! nothing, and the error names the roles it lacked.

use crate::{
    InvalidTx, Result,
    read::{StateRead, frozen_count, is_frozen, member, policy},
};
use citychain_crypto::Address;
use citychain_types::{Payload, Policy, Roles, SignedTransaction};

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

/// Allows a direct freeze (`action`) by a `regulator`, if the policy lets regulators freeze.
pub fn require_regulator(
    state: &(impl StateRead + ?Sized),
    rules: &Rules,
    sender: &Address,
    action: &'static str,
) -> Result<std::result::Result<(), InvalidTx>> {
    if !rules.policy.regulator_can_freeze {
        return Ok(Err(InvalidTx::PermissionDenied {
            action,
            needed: Roles::REGULATOR,
            has: Roles::NONE,
            detail: "the policy gives regulators no direct freeze".into(),
        }));
    }
    require_roles(state, sender, action, Roles::REGULATOR)
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
