//! Reading governance state: proposals, thresholds, organizations, freezes.

use super::corrupt;
use crate::{Overlay, Result};
use citychain_crypto::Address;
use citychain_types::{Decode, Height, Organization, Proposal, ProposalStatus, layout};

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
