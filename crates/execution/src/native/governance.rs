//! On-chain governance: proposals, organization votes, automatic execution of approved actions,
//! admin key rotation, regulator freezes, and the audit trail of all of it.
//!
//! Who may send each operation is checked before it runs (`permissions`); what is checked here
//! is whether the operation makes sense now (the proposal is open, the organization has not
//! voted, the action is valid). Changes of parameters, policy and thresholds apply from the next
//! block; membership, freezes and contract status apply at once.

use super::{Env, NativeModule, Outcome, PayloadOutcome, Step};
use crate::{
    BlockError, InvalidTx, Overlay, Result, contracts,
    gas::GasMeter,
    permissions::{self, Rules, StateRead},
};
use citychain_crypto::{Address, Suite};
use citychain_types::{
    ContractStatus, Decode, Encode, Event, GovAction, GovTx, Height, Member, OrgId, Organization,
    Proposal, ProposalStatus, Roles, Status, Thresholds, TimestampMs, ValidatorSet,
    governance::{MAX_ORG_ADMINS, passes},
    layout::{self, MAX_VALIDATORS},
    proposal::{AuditEntry, ContractOp, MAX_OUTCOME_LEN, MAX_TITLE_LEN, ThresholdKind, Vote},
};

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
                if !rules.policy.regulator_can_freeze {
                    return Ok(Err(InvalidTx::PermissionDenied {
                        action: "regulate",
                        needed: Roles::REGULATOR,
                        has: Roles::NONE,
                        detail: "the policy gives regulators no direct freeze".into(),
                    }));
                }
                permissions::require_roles(state, sender, "regulate", Roles::REGULATOR)
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
        let frozen_before = permissions::frozen_count(overlay)?;
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
            && permissions::frozen_count(overlay)? != frozen_before;
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
    let Some(m) = permissions::member(state, sender)? else {
        return denied(Roles::NONE, "the sender belongs to no organization".into());
    };
    if !m.roles.intersects(Roles::ADMIN) {
        return denied(m.roles, String::new());
    }
    match permissions::organization(state, &m.org)? {
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

pub fn load_proposal(state: &(impl StateRead + ?Sized), id: u64) -> Result<Option<Proposal>> {
    state
        .read(&layout::proposal_key(id))?
        .map(|raw| Proposal::decode(&raw).map_err(|e| corrupt("proposal", e)))
        .transpose()
}

pub fn thresholds(state: &(impl StateRead + ?Sized)) -> Result<Thresholds> {
    state
        .read(&layout::thresholds_key())?
        .map(|raw| Thresholds::decode(&raw).map_err(|e| corrupt("thresholds", e)))
        .transpose()
        .map(Option::unwrap_or_default)
}

/// Every organization, in id order.
pub fn organizations(overlay: &Overlay) -> Result<Vec<Organization>> {
    let prefix = [layout::prefix::ORGANIZATION];
    let mut out = Vec::new();
    let mut cursor: Option<Vec<u8>> = None;
    while let Some((k, v)) = overlay.next_key(&prefix, cursor.as_deref())? {
        out.push(Organization::decode(&v).map_err(|e| corrupt("organization", e))?);
        cursor = Some(k);
    }
    Ok(out)
}

/// Appends an entry to the audit trail.
fn audit(
    overlay: &mut Overlay,
    env: &GovEnv,
    event: &str,
    proposal: Option<u64>,
    action: &str,
    detail: String,
) -> Result<()> {
    let seq = permissions::read_u64(overlay, &layout::audit_sequence_key(), "audit sequence")?;
    overlay.set(layout::audit_sequence_key(), be(seq + 1));
    let mut detail = detail;
    if detail.len() > MAX_OUTCOME_LEN {
        let mut cut = MAX_OUTCOME_LEN;
        while !detail.is_char_boundary(cut) {
            cut -= 1;
        }
        detail.truncate(cut);
    }
    let entry = AuditEntry {
        time_ms: env.time,
        height: env.height,
        event: event.into(),
        actor: env.sender,
        proposal,
        action: action.into(),
        detail,
    };
    overlay.set(layout::audit_key(env.time.0, seq), entry.encode());
    Ok(())
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
            let Some(m) = permissions::member(overlay, &env.sender)? else {
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
                Err(reason) => fail(reason),
            }
        }
        GovTx::Regulate { account, freeze } => {
            let frozen = permissions::is_frozen(overlay, account)?;
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

fn set_frozen(overlay: &mut Overlay, env: &GovEnv, account: &Address, freeze: bool) -> Result<()> {
    let was = permissions::is_frozen(overlay, account)?;
    if was == freeze {
        return Ok(());
    }
    let count = permissions::frozen_count(overlay)?;
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

fn propose(
    overlay: &mut Overlay,
    env: &GovEnv,
    title: &str,
    action: &GovAction,
    deadline: TimestampMs,
) -> Result<PayloadOutcome> {
    if title.is_empty() || title.len() > MAX_TITLE_LEN {
        return fail(format!("a title is 1 to {MAX_TITLE_LEN} bytes"));
    }
    if deadline.0 <= env.time.0 || deadline.0 - env.time.0 > MAX_VOTING_PERIOD_MS {
        return fail(format!(
            "the deadline must be after the block time {} and at most 90 days later",
            env.time.0
        ));
    }
    if let Err(reason) = precheck(overlay, action)? {
        return fail(format!("the action cannot apply: {reason}"));
    }
    let id = permissions::read_u64(overlay, &layout::next_proposal_key(), "next proposal")?;
    overlay.set(layout::next_proposal_key(), be(id + 1));
    let proposal = Proposal {
        id,
        title: title.into(),
        action: action.clone(),
        proposer: env.sender,
        created_height: env.height,
        created_ms: env.time,
        deadline_ms: deadline,
        votes: Vec::new(),
        status: ProposalStatus::Open,
        outcome: String::new(),
        decided_ms: None,
    };
    overlay.set(layout::proposal_key(id), proposal.encode());
    audit(
        overlay,
        env,
        "proposed",
        Some(id),
        action.kind(),
        title.into(),
    )?;
    Ok(PayloadOutcome::Success {
        events: vec![event("proposal_created", be(id))],
        output: be(id),
    })
}

fn vote(overlay: &mut Overlay, env: &GovEnv, id: u64, approve: bool) -> Result<PayloadOutcome> {
    let Some(mut proposal) = load_proposal(overlay, id)? else {
        return fail(format!("no proposal {id}"));
    };
    if proposal.status != ProposalStatus::Open {
        return fail(format!("proposal {id} is {:?}, not open", proposal.status).to_lowercase());
    }
    if env.time.0 > proposal.deadline_ms.0 {
        return fail(format!(
            "proposal {id} expired at {} ms (block time {})",
            proposal.deadline_ms.0, env.time.0
        ));
    }
    let Some(member) = permissions::member(overlay, &env.sender)? else {
        return fail("the sender belongs to no organization");
    };
    if proposal.votes.iter().any(|v| v.org == member.org) {
        return fail(format!(
            "organization {} already voted on proposal {id}",
            member.org
        ));
    }
    proposal.votes.push(Vote {
        org: member.org.clone(),
        voter: env.sender,
        approve,
        height: env.height,
        time_ms: env.time,
    });
    audit(
        overlay,
        env,
        "voted",
        Some(id),
        proposal.action.kind(),
        format!(
            "{} voted {}",
            member.org,
            if approve { "yes" } else { "no" }
        ),
    )?;

    // Count the votes of organizations that exist now.
    let orgs = organizations(overlay)?;
    let counts = |yes: bool| {
        proposal
            .votes
            .iter()
            .filter(|v| v.approve == yes && orgs.iter().any(|o| o.id == v.org))
            .count()
    };
    let (yes, no, total) = (counts(true), counts(false), orgs.len());
    let t = thresholds(overlay)?;
    let percent = match proposal.action.threshold_kind() {
        ThresholdKind::Default => t.default_percent,
        ThresholdKind::Validators => t.validators_percent,
        ThresholdKind::Rules => t.rules_percent,
    };
    let mut events = vec![event("vote", be(id))];
    if passes(yes, total, percent) {
        overlay.checkpoint();
        match apply(overlay, env, &proposal.action)? {
            Ok(detail) => {
                overlay.commit_checkpoint();
                proposal.status = ProposalStatus::Executed;
                proposal.outcome = detail;
                events.push(event("proposal_executed", be(id)));
            }
            Err(reason) => {
                overlay.revert_checkpoint();
                proposal.status = ProposalStatus::Failed;
                proposal.outcome = reason;
                events.push(event("proposal_failed", be(id)));
            }
        }
    } else if !passes(total - no, total, percent) {
        proposal.status = ProposalStatus::Rejected;
        proposal.outcome = format!("{no} of {total} organizations voted no");
        events.push(event("proposal_rejected", be(id)));
    }
    if proposal.status != ProposalStatus::Open {
        proposal.decided_ms = Some(env.time);
        let what = match proposal.status {
            ProposalStatus::Executed => "executed",
            ProposalStatus::Failed => "failed",
            _ => "rejected",
        };
        audit(
            overlay,
            env,
            what,
            Some(id),
            proposal.action.kind(),
            proposal.outcome.clone(),
        )?;
    }
    overlay.set(layout::proposal_key(id), proposal.encode());
    Ok(PayloadOutcome::Success {
        events,
        output: vec![proposal.status.code()],
    })
}

/// What can be checked when the proposal is made (the state may change before it executes).
fn precheck(overlay: &Overlay, action: &GovAction) -> Result<std::result::Result<(), String>> {
    Ok(match action {
        GovAction::AddOrganization { organization } => organization.validate(),
        GovAction::SetParams { params } => params.validate(),
        GovAction::SetThresholds { thresholds } => thresholds.validate(),
        GovAction::AddValidator { org, validator } => {
            let set = validator_set(overlay)?;
            if let Err(e) = validator.validate() {
                Err(e)
            } else if permissions::organization(overlay, org)?.is_none() {
                Err(format!("no organization {org}"))
            } else if set.contains(&validator.consensus_key) {
                Err(format!(
                    "{} is already a validator",
                    validator.consensus_key
                ))
            } else if set.0.len() >= MAX_VALIDATORS {
                Err(format!("the validator set is full ({MAX_VALIDATORS})"))
            } else {
                Ok(())
            }
        }
        GovAction::RemoveValidator { validator } => {
            let set = validator_set(overlay)?;
            if !set.contains(validator) {
                Err(format!("{validator} is not a validator"))
            } else if set.0.len() == 1 {
                Err("the last validator cannot be removed".into())
            } else {
                Ok(())
            }
        }
        GovAction::Contract { contract, .. } => {
            if contracts::contract_info(overlay, contract)?.is_none() {
                Err(format!("no contract at {contract}"))
            } else {
                Ok(())
            }
        }
        _ => Ok(()),
    })
}

/// Applies an approved action; `Err(reason)` if it cannot apply now.
fn apply(
    overlay: &mut Overlay,
    env: &GovEnv,
    action: &GovAction,
) -> Result<std::result::Result<String, String>> {
    if let Err(reason) = precheck(overlay, action)? {
        return Ok(Err(reason));
    }
    Ok(match action {
        GovAction::AddOrganization { organization } => add_organization(overlay, organization)?,
        GovAction::RemoveOrganization { org } => remove_organization(overlay, org)?,
        GovAction::SetMember { account, member } => set_member(overlay, account, member)?,
        GovAction::RemoveMember { account } => {
            if let Some(m) = permissions::member(overlay, account)? {
                let org = permissions::organization(overlay, &m.org)?;
                if org.is_some_and(|o| o.admins.contains(account)) {
                    return Ok(Err(format!(
                        "{account} is an admin key of {}; rotate the admins first",
                        m.org
                    )));
                }
                overlay.remove(layout::member_key(account));
                Ok(format!("removed member {account} of {}", m.org))
            } else {
                Err(format!("{account} is not a member"))
            }
        }
        GovAction::AddValidator { org, validator } => {
            let mut set = validator_set(overlay)?;
            set.0.push(validator.clone());
            overlay.set(layout::validators_key(), set.encode());
            if let Some(mut o) = permissions::organization(overlay, org)? {
                o.validators.push(validator.consensus_key);
                overlay.set(layout::organization_key(org), o.encode());
            }
            Ok(format!(
                "validator {} ({}) of {org} joins when the next epoch starts",
                validator.name, validator.consensus_key
            ))
        }
        GovAction::RemoveValidator { validator } => {
            let mut set = validator_set(overlay)?;
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

/// The validator set as governance has left it (the next epoch's set).
fn validator_set(overlay: &Overlay) -> Result<ValidatorSet> {
    let raw = overlay
        .get(&layout::validators_key())?
        .ok_or_else(|| BlockError::CorruptState {
            what: "validator set",
            detail: "missing".into(),
        })?;
    ValidatorSet::decode(&raw).map_err(|e| corrupt("validator set", e))
}

fn add_organization(
    overlay: &mut Overlay,
    org: &Organization,
) -> Result<std::result::Result<String, String>> {
    if permissions::organization(overlay, &org.id)?.is_some() {
        return Ok(Err(format!("organization {} exists already", org.id)));
    }
    if !org.validators.is_empty() {
        return Ok(Err(
            "add an organization without validators, then add its validators by vote".into(),
        ));
    }
    for admin in &org.admins {
        if let Some(m) = permissions::member(overlay, admin)? {
            return Ok(Err(format!("{admin} is already a member of {}", m.org)));
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

fn remove_organization(
    overlay: &mut Overlay,
    id: &OrgId,
) -> Result<std::result::Result<String, String>> {
    let Some(org) = permissions::organization(overlay, id)? else {
        return Ok(Err(format!("no organization {id}")));
    };
    if !org.validators.is_empty() {
        return Ok(Err(format!("remove the validators of {id} first")));
    }
    if organizations(overlay)?.len() == 1 {
        return Ok(Err("the last organization cannot be removed".into()));
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

fn set_member(
    overlay: &mut Overlay,
    account: &Address,
    member: &Member,
) -> Result<std::result::Result<String, String>> {
    let Some(org) = permissions::organization(overlay, &member.org)? else {
        return Ok(Err(format!("no organization {}", member.org)));
    };
    if member.roles.is_empty() {
        return Ok(Err("a member needs at least one role".into()));
    }
    if let Some(current) = permissions::member(overlay, account)?
        && current.org != member.org
    {
        let old = permissions::organization(overlay, &current.org)?;
        if old.is_some_and(|o| o.admins.contains(account)) {
            return Ok(Err(format!(
                "{account} is an admin key of {}; rotate its admins first",
                current.org
            )));
        }
    }
    if org.admins.contains(account) && !member.roles.intersects(Roles::ADMIN) {
        return Ok(Err(format!(
            "{account} is an admin key of {}; it keeps the admin role",
            member.org
        )));
    }
    overlay.set(layout::member_key(account), member.encode());
    Ok(Ok(format!(
        "{account} is a member of {} with roles {}",
        member.org, member.roles
    )))
}

/// Replaces an organization's admin keys, moving the admin role with them.
fn set_admins(
    overlay: &mut Overlay,
    id: &OrgId,
    admins: &[Address],
) -> Result<std::result::Result<String, String>> {
    let Some(mut org) = permissions::organization(overlay, id)? else {
        return Ok(Err(format!("no organization {id}")));
    };
    let unique: std::collections::BTreeSet<_> = admins.iter().collect();
    if admins.is_empty() || admins.len() > MAX_ORG_ADMINS || unique.len() != admins.len() {
        return Ok(Err(format!("1 to {MAX_ORG_ADMINS} distinct admin keys")));
    }
    for a in admins {
        if citychain_crypto::small_order_addresses().contains(a) {
            return Ok(Err(format!(
                "{a} is the address of a small-order key, whose signatures anyone can forge"
            )));
        }
        if let Some(m) = permissions::member(overlay, a)?
            && m.org != *id
        {
            return Ok(Err(format!("{a} is a member of {}", m.org)));
        }
    }
    for old in &org.admins {
        if !admins.contains(old)
            && let Some(mut m) = permissions::member(overlay, old)?
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
        let roles = permissions::member(overlay, new)?
            .map_or(Roles::ADMIN, |m| m.roles.union(Roles::ADMIN));
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

fn contract_action(
    overlay: &mut Overlay,
    env: &GovEnv,
    contract: &Address,
    op: &ContractOp,
) -> Result<std::result::Result<String, String>> {
    let Some(mut info) = contracts::contract_info(overlay, contract)? else {
        return Ok(Err(format!("no contract at {contract}")));
    };
    if info.status == ContractStatus::Revoked {
        return Ok(Err(format!("contract {contract} is revoked for good")));
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
                return Ok(Err(format!(
                    "the new code is not a valid contract: {reason}"
                )));
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

/// Audit entries with `from_ms <= time < to_ms`, oldest first, at most `limit`.
pub fn audit_trail(
    view: &citychain_state::StateView,
    from_ms: u64,
    to_ms: u64,
    limit: usize,
) -> Result<Vec<AuditEntry>> {
    let prefix = [layout::prefix::AUDIT];
    let mut out = Vec::new();
    // Start just before the first key at `from_ms`.
    let mut cursor: Option<Vec<u8>> = from_ms
        .checked_sub(1)
        .map(|t| layout::audit_key(t, u64::MAX));
    while out.len() < limit {
        let Some((k, v)) = view.next_key(&prefix, cursor.as_deref())? else {
            break;
        };
        let entry = AuditEntry::decode(&v).map_err(|e| corrupt("audit entry", e))?;
        if entry.time_ms.0 >= to_ms {
            break;
        }
        out.push(entry);
        cursor = Some(k);
    }
    Ok(out)
}

/// Proposals by id, starting at `from_id`, at most `limit`.
pub fn proposals(
    view: &citychain_state::StateView,
    from_id: u64,
    limit: usize,
) -> Result<Vec<Proposal>> {
    let prefix = [layout::prefix::PROPOSAL];
    let mut out = Vec::new();
    let mut cursor: Option<Vec<u8>> = from_id.checked_sub(1).map(layout::proposal_key);
    while out.len() < limit {
        let Some((k, v)) = view.next_key(&prefix, cursor.as_deref())? else {
            break;
        };
        out.push(Proposal::decode(&v).map_err(|e| corrupt("proposal", e))?);
        cursor = Some(k);
    }
    Ok(out)
}

/// Frozen accounts and the height each was frozen at.
pub fn frozen_accounts(view: &citychain_state::StateView) -> Result<Vec<(Address, Height)>> {
    let prefix = [layout::prefix::FROZEN];
    let mut out = Vec::new();
    let mut cursor: Option<Vec<u8>> = None;
    while let Some((k, v)) = view.next_key(&prefix, cursor.as_deref())? {
        let mut a = [0u8; 20];
        if k.len() == 21 {
            a.copy_from_slice(&k[1..]);
        }
        out.push((
            Address(a),
            Height::decode(&v).map_err(|e| corrupt("frozen", e))?,
        ));
        cursor = Some(k);
    }
    Ok(out)
}

/// A proposal's status as of `now_ms`: an open proposal past its deadline is expired.
pub fn effective_status(p: &Proposal, now_ms: u64) -> ProposalStatus {
    if p.status == ProposalStatus::Open && now_ms > p.deadline_ms.0 {
        ProposalStatus::Expired
    } else {
        p.status
    }
}
