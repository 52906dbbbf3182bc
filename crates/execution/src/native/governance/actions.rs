//! What an approved proposal does, and admin rotation and freezes, which governance
//! operations share with it.

use super::{GovEnv, be, corrupt, queries::organizations};
use crate::{Overlay, Result, contracts, read};
use citychain_crypto::Address;
use citychain_types::{
    ContractStatus, Decode, Encode, GovAction, Member, OrgId, Organization, Roles, ValidatorKey,
    governance::MAX_ORG_ADMINS, layout, proposal::ContractOp, validator::MAX_VALIDATORS,
};

/// Why an approved action (or an admin rotation) cannot apply. The text is what the proposal's
/// outcome, the receipt and the audit trail record, so each message is part of the chain's
/// history and must not change.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ActionError {
    /// A value the action carries fails its own validation (organization, parameters,
    /// thresholds, validator).
    #[error("{0}")]
    Invalid(String),
    #[error("no organization {0}")]
    NoOrganization(OrgId),
    #[error("organization {0} exists already")]
    OrganizationExists(OrgId),
    #[error("add an organization without validators, then add its validators by vote")]
    NewOrganizationWithValidators,
    #[error("remove the validators of {0} first")]
    OrganizationHasValidators(OrgId),
    #[error("the last organization cannot be removed")]
    LastOrganization,
    #[error("{account} is already a member of {org}")]
    AlreadyMember { account: Address, org: OrgId },
    #[error("{0} is not a member")]
    NotAMember(Address),
    #[error("a member needs at least one role")]
    NoRoles,
    #[error("{account} is an admin key of {org}; rotate the admins first")]
    RemovingAnAdmin { account: Address, org: OrgId },
    #[error("{account} is an admin key of {org}; rotate its admins first")]
    MovingAnAdmin { account: Address, org: OrgId },
    #[error("{account} is an admin key of {org}; it keeps the admin role")]
    AdminKeepsRole { account: Address, org: OrgId },
    #[error("1 to {MAX_ORG_ADMINS} distinct admin keys")]
    AdminCount,
    #[error("{0} is the address of a small-order key, whose signatures anyone can forge")]
    WeakAdminKey(Address),
    #[error("{account} is a member of {org}")]
    MemberElsewhere { account: Address, org: OrgId },
    #[error("{0} is already a validator")]
    AlreadyValidator(ValidatorKey),
    #[error("the validator set is full ({MAX_VALIDATORS})")]
    ValidatorSetFull,
    #[error("{0} is not a validator")]
    NotAValidator(ValidatorKey),
    #[error("the last validator cannot be removed")]
    LastValidator,
    #[error("no contract at {0}")]
    NoContract(Address),
    #[error("contract {0} is revoked for good")]
    ContractRevoked(Address),
    #[error("the new code is not a valid contract: {0}")]
    InvalidCode(String),
    /// A court order that cannot apply (the text is the asset module's reason).
    #[error("{0}")]
    CourtOrder(String),
}

pub(super) fn set_frozen(
    overlay: &mut Overlay,
    env: &GovEnv,
    account: &Address,
    freeze: bool,
) -> Result<()> {
    let was = read::is_frozen(overlay, account)?;
    if was == freeze {
        return Ok(());
    }
    let count = read::frozen_count(overlay)?;
    let count = if freeze {
        count + 1
    } else {
        count.saturating_sub(1)
    };
    overlay.set(layout::frozen_count_key(), be(count));
    if freeze {
        overlay.set(layout::frozen_key(account), env.height.encode());
    } else {
        overlay.remove(layout::frozen_key(account));
    }
    Ok(())
}

/// What can be checked when the proposal is made (the state may change before it executes).
pub(super) fn precheck(
    overlay: &Overlay,
    action: &GovAction,
) -> Result<std::result::Result<(), ActionError>> {
    Ok(match action {
        GovAction::AddOrganization { organization } => {
            organization.validate().map_err(ActionError::Invalid)
        }
        GovAction::SetParams { params } => params.validate().map_err(ActionError::Invalid),
        GovAction::SetThresholds { thresholds } => {
            thresholds.validate().map_err(ActionError::Invalid)
        }
        GovAction::CourtOrder { order } => order.validate().map_err(ActionError::Invalid),
        GovAction::AddValidator { org, validator } => {
            let set = read::next_validators(overlay)?;
            if let Err(e) = validator.validate() {
                Err(ActionError::Invalid(e))
            } else if read::organization(overlay, org)?.is_none() {
                Err(ActionError::NoOrganization(org.clone()))
            } else if set.contains(&validator.consensus_key) {
                Err(ActionError::AlreadyValidator(validator.consensus_key))
            } else if set.0.len() >= MAX_VALIDATORS {
                Err(ActionError::ValidatorSetFull)
            } else {
                Ok(())
            }
        }
        GovAction::RemoveValidator { validator } => {
            let set = read::next_validators(overlay)?;
            if !set.contains(validator) {
                Err(ActionError::NotAValidator(*validator))
            } else if set.0.len() == 1 {
                Err(ActionError::LastValidator)
            } else {
                Ok(())
            }
        }
        GovAction::Contract { contract, .. } => {
            if read::contract_info(overlay, contract)?.is_none() {
                Err(ActionError::NoContract(*contract))
            } else {
                Ok(())
            }
        }
        _ => Ok(()),
    })
}

/// Applies an approved action: what it did, or why it cannot apply now.
pub(super) fn apply(
    overlay: &mut Overlay,
    env: &GovEnv,
    action: &GovAction,
) -> Result<std::result::Result<String, ActionError>> {
    if let Err(reason) = precheck(overlay, action)? {
        return Ok(Err(reason));
    }
    Ok(match action {
        GovAction::AddOrganization { organization } => add_organization(overlay, organization)?,
        GovAction::RemoveOrganization { org } => remove_organization(overlay, org)?,
        GovAction::SetMember { account, member } => set_member(overlay, account, member)?,
        GovAction::RemoveMember { account } => {
            if let Some(m) = read::member(overlay, account)? {
                let org = read::organization(overlay, &m.org)?;
                if org.is_some_and(|o| o.admins.contains(account)) {
                    return Ok(Err(ActionError::RemovingAnAdmin {
                        account: *account,
                        org: m.org,
                    }));
                }
                overlay.remove(layout::member_key(account));
                Ok(format!("removed member {account} of {}", m.org))
            } else {
                Err(ActionError::NotAMember(*account))
            }
        }
        GovAction::AddValidator { org, validator } => {
            let mut set = read::next_validators(overlay)?;
            set.0.push(validator.clone());
            overlay.set(layout::validators_key(), set.encode());
            if let Some(mut o) = read::organization(overlay, org)? {
                o.validators.push(validator.consensus_key);
                overlay.set(layout::organization_key(org), o.encode());
            }
            Ok(format!(
                "validator {} ({}) of {org} joins when the next epoch starts",
                validator.name, validator.consensus_key
            ))
        }
        GovAction::RemoveValidator { validator } => {
            let mut set = read::next_validators(overlay)?;
            set.0.retain(|v| v.consensus_key != *validator);
            overlay.set(layout::validators_key(), set.encode());
            for mut o in organizations(overlay)? {
                if o.validators.contains(validator) {
                    o.validators.retain(|k| k != validator);
                    overlay.set(layout::organization_key(&o.id), o.encode());
                }
            }
            Ok(format!(
                "validator {validator} leaves when the next epoch starts"
            ))
        }
        GovAction::SetParams { params } => {
            overlay.set(layout::params_key(), params.encode());
            Ok("chain parameters replaced (from the next block)".into())
        }
        GovAction::SetPolicy { policy } => {
            overlay.set(layout::policy_key(), policy.encode());
            Ok("permission policy replaced (from the next block)".into())
        }
        GovAction::SetThresholds { thresholds } => {
            overlay.set(layout::thresholds_key(), thresholds.encode());
            Ok("vote thresholds replaced".into())
        }
        GovAction::Contract { contract, action } => {
            contract_action(overlay, env, contract, action)?
        }
        GovAction::FreezeAccount { account } => {
            set_frozen(overlay, env, account, true)?;
            Ok(format!("froze {account}"))
        }
        GovAction::UnfreezeAccount { account } => {
            set_frozen(overlay, env, account, false)?;
            Ok(format!("unfroze {account}"))
        }
        GovAction::SetOrgAdmins { org, admins } => set_admins(overlay, org, admins)?,
        GovAction::CourtOrder { order } => {
            crate::native::assets::court::apply(overlay, env.height, order)?
                .map_err(|e| ActionError::CourtOrder(e.to_string()))
        }
        GovAction::ApproveCode {
            code_hash,
            approved,
        } => {
            if *approved {
                overlay.set(layout::approved_code_key(code_hash), env.height.encode());
                Ok(format!("code {code_hash} approved for deployment"))
            } else {
                overlay.remove(layout::approved_code_key(code_hash));
                Ok(format!("approval of code {code_hash} withdrawn"))
            }
        }
    })
}

pub(super) fn add_organization(
    overlay: &mut Overlay,
    org: &Organization,
) -> Result<std::result::Result<String, ActionError>> {
    if read::organization(overlay, &org.id)?.is_some() {
        return Ok(Err(ActionError::OrganizationExists(org.id.clone())));
    }
    if !org.validators.is_empty() {
        return Ok(Err(ActionError::NewOrganizationWithValidators));
    }
    for admin in &org.admins {
        if let Some(m) = read::member(overlay, admin)? {
            return Ok(Err(ActionError::AlreadyMember {
                account: *admin,
                org: m.org,
            }));
        }
    }
    overlay.set(layout::organization_key(&org.id), org.encode());
    for admin in &org.admins {
        let m = Member {
            org: org.id.clone(),
            roles: Roles::ADMIN,
        };
        overlay.set(layout::member_key(admin), m.encode());
    }
    Ok(Ok(format!("added organization {} ({})", org.id, org.name)))
}

pub(super) fn remove_organization(
    overlay: &mut Overlay,
    id: &OrgId,
) -> Result<std::result::Result<String, ActionError>> {
    let Some(org) = read::organization(overlay, id)? else {
        return Ok(Err(ActionError::NoOrganization(id.clone())));
    };
    if !org.validators.is_empty() {
        return Ok(Err(ActionError::OrganizationHasValidators(id.clone())));
    }
    if organizations(overlay)?.len() == 1 {
        return Ok(Err(ActionError::LastOrganization));
    }
    overlay.remove(layout::organization_key(id));
    // Its members lose their membership.
    let prefix = [layout::prefix::MEMBER];
    let mut cursor: Option<Vec<u8>> = None;
    let mut removed = 0;
    while let Some((k, v)) = overlay.next_key(&prefix, cursor.as_deref())? {
        let m = Member::decode(&v).map_err(|e| corrupt("member", e))?;
        if m.org == *id {
            overlay.remove(k.clone());
            removed += 1;
        }
        cursor = Some(k);
    }
    Ok(Ok(format!(
        "removed organization {id} and its {removed} members"
    )))
}

pub(super) fn set_member(
    overlay: &mut Overlay,
    account: &Address,
    member: &Member,
) -> Result<std::result::Result<String, ActionError>> {
    let Some(org) = read::organization(overlay, &member.org)? else {
        return Ok(Err(ActionError::NoOrganization(member.org.clone())));
    };
    if member.roles.is_empty() {
        return Ok(Err(ActionError::NoRoles));
    }
    if let Some(current) = read::member(overlay, account)?
        && current.org != member.org
    {
        let old = read::organization(overlay, &current.org)?;
        if old.is_some_and(|o| o.admins.contains(account)) {
            return Ok(Err(ActionError::MovingAnAdmin {
                account: *account,
                org: current.org,
            }));
        }
    }
    if org.admins.contains(account) && !member.roles.intersects(Roles::ADMIN) {
        return Ok(Err(ActionError::AdminKeepsRole {
            account: *account,
            org: member.org.clone(),
        }));
    }
    overlay.set(layout::member_key(account), member.encode());
    Ok(Ok(format!(
        "{account} is a member of {} with roles {}",
        member.org, member.roles
    )))
}

/// Replaces an organization's admin keys, moving the admin role with them.
pub(super) fn set_admins(
    overlay: &mut Overlay,
    id: &OrgId,
    admins: &[Address],
) -> Result<std::result::Result<String, ActionError>> {
    let Some(mut org) = read::organization(overlay, id)? else {
        return Ok(Err(ActionError::NoOrganization(id.clone())));
    };
    let unique: std::collections::BTreeSet<_> = admins.iter().collect();
    if admins.is_empty() || admins.len() > MAX_ORG_ADMINS || unique.len() != admins.len() {
        return Ok(Err(ActionError::AdminCount));
    }
    for a in admins {
        if citychain_crypto::small_order_addresses().contains(a) {
            return Ok(Err(ActionError::WeakAdminKey(*a)));
        }
        if let Some(m) = read::member(overlay, a)?
            && m.org != *id
        {
            return Ok(Err(ActionError::MemberElsewhere {
                account: *a,
                org: m.org,
            }));
        }
    }
    for old in &org.admins {
        if !admins.contains(old)
            && let Some(mut m) = read::member(overlay, old)?
        {
            m.roles = citychain_types::Roles(m.roles.0 & !Roles::ADMIN.0);
            if m.roles.is_empty() {
                overlay.remove(layout::member_key(old));
            } else {
                overlay.set(layout::member_key(old), m.encode());
            }
        }
    }
    for new in admins {
        let roles =
            read::member(overlay, new)?.map_or(Roles::ADMIN, |m| m.roles.union(Roles::ADMIN));
        let m = Member {
            org: id.clone(),
            roles,
        };
        overlay.set(layout::member_key(new), m.encode());
    }
    org.admins = admins.to_vec();
    overlay.set(layout::organization_key(id), org.encode());
    Ok(Ok(format!(
        "admins of {id}: {}",
        admins
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    )))
}

pub(super) fn contract_action(
    overlay: &mut Overlay,
    env: &GovEnv,
    contract: &Address,
    op: &ContractOp,
) -> Result<std::result::Result<String, ActionError>> {
    let Some(mut info) = read::contract_info(overlay, contract)? else {
        return Ok(Err(ActionError::NoContract(*contract)));
    };
    if info.status == ContractStatus::Revoked {
        return Ok(Err(ActionError::ContractRevoked(*contract)));
    }
    let detail = match op {
        ContractOp::Freeze => {
            info.status = ContractStatus::Frozen;
            format!("froze contract {contract}")
        }
        ContractOp::Unfreeze => {
            info.status = ContractStatus::Active;
            format!("unfroze contract {contract}")
        }
        ContractOp::Revoke => {
            info.status = ContractStatus::Revoked;
            format!("revoked contract {contract}")
        }
        ContractOp::SetAdmin { admin } => {
            info.admin = *admin;
            format!("admin of {contract} is now {admin}")
        }
        ContractOp::Upgrade { code } => {
            let params = overlay.params()?;
            let vm = contracts::Vm::for_params(&params.wasm);
            if let Err(reason) = vm.validate(code) {
                return Ok(Err(ActionError::InvalidCode(reason.to_string())));
            }
            let hash = env.suite.hash(code);
            let key = layout::code_key(&hash);
            if overlay.get(&key)?.is_none() {
                overlay.set(key, code.clone());
            }
            info.code_hash = hash;
            format!("upgraded contract {contract} to code {hash}")
        }
    };
    overlay.set(layout::contract_key(contract), info.encode());
    Ok(Ok(detail))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The texts are recorded on chain (proposal outcomes, receipts, the audit trail): a typed
    /// error must print exactly what the chain recorded before it.
    #[test]
    fn action_errors_print_the_texts_the_chain_records() {
        let org = OrgId::new("city").expect("valid id");
        let account = Address([0x11; 20]);
        assert_eq!(
            ActionError::NoOrganization(org.clone()).to_string(),
            "no organization city"
        );
        assert_eq!(
            ActionError::RemovingAnAdmin {
                account,
                org: org.clone()
            }
            .to_string(),
            format!("{account} is an admin key of city; rotate the admins first")
        );
        assert_eq!(
            ActionError::MovingAnAdmin { account, org }.to_string(),
            format!("{account} is an admin key of city; rotate its admins first")
        );
        assert_eq!(
            ActionError::ValidatorSetFull.to_string(),
            format!("the validator set is full ({MAX_VALIDATORS})")
        );
        assert_eq!(
            ActionError::AdminCount.to_string(),
            format!("1 to {MAX_ORG_ADMINS} distinct admin keys")
        );
    }
}
