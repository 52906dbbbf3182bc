//! An organization's vote, and executing or rejecting the proposal once decided.

use super::{GovEnv, actions::apply, audit::audit, be, event, fail, queries::organizations};
use crate::{Overlay, Result, native::PayloadOutcome, read};
use citychain_types::{
    Encode, ProposalStatus,
    governance::passes,
    layout,
    proposal::{ThresholdKind, Vote},
};

pub(super) fn vote(
    overlay: &mut Overlay,
    env: &GovEnv,
    id: u64,
    approve: bool,
) -> Result<PayloadOutcome> {
    let Some(mut proposal) = read::proposal(overlay, id)? else {
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
    let Some(member) = read::member(overlay, &env.sender)? else {
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
    let t = read::thresholds(overlay)?;
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
                proposal.outcome = reason.to_string();
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
