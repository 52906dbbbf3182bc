//! Making a proposal.

use super::{GovEnv, MAX_VOTING_PERIOD_MS, actions::precheck, audit::audit, be, event, fail};
use crate::{Overlay, Result, native::PayloadOutcome, read};
use citychain_types::{
    Encode, GovAction, Proposal, ProposalStatus, TimestampMs, layout, proposal::MAX_TITLE_LEN,
};

pub(super) fn propose(
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
    let id = read::read_u64(overlay, &layout::next_proposal_key(), "next proposal")?;
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
