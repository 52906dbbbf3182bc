//! On-chain governance: proposals, organization votes, automatic execution of approved actions,
//! admin key rotation, regulator freezes, and the audit trail of all of it.
//!
//! Who may send each operation is checked before it runs (`permissions`); what is checked here
//! is whether the operation makes sense now (the proposal is open, the organization has not
//! voted, the action is valid). Changes of parameters, policy and thresholds apply from the next
//! block; membership, freezes and contract status apply at once.

mod actions;
mod audit;
mod propose;
mod queries;
mod vote;

pub use actions::ActionError;
pub(crate) use audit::audit;
pub use audit::audit_trail;
pub use queries::{effective_status, frozen_accounts, organizations, proposals};

use super::{Env, NativeModule, Outcome, PayloadOutcome, Step};
use crate::{
    BlockError, InvalidTx, Overlay, Result,
    gas::GasMeter,
    permissions::{self, Rules},
    read,
    read::StateRead,
};
use actions::{set_admins, set_frozen};
use citychain_crypto::{Address, Suite};
use citychain_types::{Encode, Event, GovTx, Height, Roles, Status, TimestampMs};
use propose::propose;
use vote::vote;

/// The longest a proposal may stay open.
pub const MAX_VOTING_PERIOD_MS: u64 = 90 * 24 * 3600 * 1000;

/// The governance module: `Payload::Governance`.
pub struct Governance;

impl NativeModule for Governance {
    fn tags(&self) -> &'static [u8] {
        &[citychain_types::Payload::TAG_GOVERNANCE]
    }

    fn permit(
        &self,
        state: &dyn StateRead,
        rules: &Rules,
        sender: &Address,
        payload: &citychain_types::Payload,
    ) -> Result<std::result::Result<(), InvalidTx>> {
        let citychain_types::Payload::Governance { op } = payload else {
            return Err(super::not_mine("governance", payload));
        };
        match op {
            GovTx::Propose { .. } => {
                permissions::require_roles(state, sender, "propose", rules.policy.propose)
            }
            // Only an admin listed by its organization acts for it.
            GovTx::Vote { .. } | GovTx::RotateAdmins { .. } => admin_of_own_org(state, sender, op),
            GovTx::Regulate { .. } => {
                permissions::require_regulator(state, rules, sender, "regulate")
            }
        }
    }

    fn execute(
        &self,
        overlay: &mut Overlay,
        env: &Env<'_>,
        meter: &mut GasMeter,
        payload: &citychain_types::Payload,
    ) -> Result<Step> {
        let citychain_types::Payload::Governance { op } = payload else {
            return Err(super::not_mine("governance", payload));
        };
        if let Err(failure) = super::charge_flat(meter, env.params, "a governance operation") {
            return Ok(failure.into());
        }
        let frozen_before = read::frozen_count(overlay)?;
        let result = execute(
            overlay,
            &GovEnv {
                suite: env.suite,
                height: env.height,
                time: env.time,
                sender: env.sender,
            },
            op,
        )?;
        let freezes_changed = matches!(result, PayloadOutcome::Success { .. })
            && read::frozen_count(overlay)? != frozen_before;
        Ok(Step::Done(Outcome {
            result,
            freezes_changed,
        }))
    }
}

fn admin_of_own_org(
    state: &dyn StateRead,
    sender: &Address,
    op: &GovTx,
) -> Result<std::result::Result<(), InvalidTx>> {
    let action = match op {
        GovTx::Vote { .. } => "vote",
        _ => "rotate admins",
    };
    let denied = |has: Roles, detail: String| {
        Ok(Err(InvalidTx::PermissionDenied {
            action,
            needed: Roles::ADMIN,
            has,
            detail,
        }))
    };
    let Some(m) = read::member(state, sender)? else {
        return denied(Roles::NONE, "the sender belongs to no organization".into());
    };
    if !m.roles.intersects(Roles::ADMIN) {
        return denied(m.roles, String::new());
    }
    match read::organization(state, &m.org)? {
        Some(org) if org.admins.contains(sender) => Ok(Ok(())),
        _ => denied(
            m.roles,
            format!("the sender is not an admin key of organization {}", m.org),
        ),
    }
}

/// Where and when a governance operation runs.
pub struct GovEnv {
    pub suite: Suite,
    pub height: Height,
    pub time: TimestampMs,
    pub sender: Address,
}

fn fail(reason: impl Into<String>) -> Result<PayloadOutcome> {
    Ok(PayloadOutcome::Failure {
        status: Status::Reverted,
        reason: reason.into(),
    })
}

fn event(topic: &str, data: Vec<u8>) -> Event {
    Event {
        emitter: Address::ZERO,
        topic: topic.into(),
        data,
    }
}

fn be(v: u64) -> Vec<u8> {
    v.to_be_bytes().to_vec()
}

fn corrupt(what: &'static str, e: impl ToString) -> BlockError {
    BlockError::CorruptState {
        what,
        detail: e.to_string(),
    }
}

/// Runs a governance operation.
fn execute(overlay: &mut Overlay, env: &GovEnv, op: &GovTx) -> Result<PayloadOutcome> {
    match op {
        GovTx::Propose {
            title,
            action,
            deadline_ms,
        } => propose(overlay, env, title, action, *deadline_ms),
        GovTx::Vote { proposal, approve } => vote(overlay, env, *proposal, *approve),
        GovTx::RotateAdmins { admins } => {
            let Some(m) = read::member(overlay, &env.sender)? else {
                return fail("the sender belongs to no organization");
            };
            match set_admins(overlay, &m.org, admins)? {
                Ok(detail) => {
                    audit(
                        overlay,
                        env,
                        "rotated_admins",
                        None,
                        "rotate_admins",
                        detail,
                    )?;
                    Ok(PayloadOutcome::Success {
                        events: vec![event("admins_rotated", m.org.encode())],
                        output: Vec::new(),
                    })
                }
                Err(reason) => fail(reason.to_string()),
            }
        }
        GovTx::Regulate { account, freeze } => {
            let frozen = read::is_frozen(overlay, account)?;
            if frozen == *freeze {
                return fail(format!(
                    "account {account} is already {}",
                    if frozen { "frozen" } else { "not frozen" }
                ));
            }
            set_frozen(overlay, env, account, *freeze)?;
            let what = if *freeze {
                "regulator_freeze"
            } else {
                "regulator_unfreeze"
            };
            audit(overlay, env, what, None, what, account.to_string())?;
            Ok(PayloadOutcome::Success {
                events: vec![event(what, account.0.to_vec())],
                output: Vec::new(),
            })
        }
    }
}
