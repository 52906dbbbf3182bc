//! The audit trail: every governance decision, by block time.

use super::{GovEnv, be, corrupt};
use crate::{Overlay, Result, read};
use citychain_types::{
    Decode, Encode, layout,
    proposal::{AuditEntry, MAX_OUTCOME_LEN},
};

/// Appends an entry to the audit trail.
pub(crate) fn audit(
    overlay: &mut Overlay,
    env: &GovEnv,
    event: &str,
    proposal: Option<u64>,
    action: &str,
    detail: String,
) -> Result<()> {
    let seq = read::read_u64(overlay, &layout::audit_sequence_key(), "audit sequence")?;
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
