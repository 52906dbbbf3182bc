//! `audit_*`: the audit trail of governance and the frozen accounts.

use super::RpcResult;
use crate::types::*;
use jsonrpsee::proc_macros::rpc;

#[rpc(server, client)]
pub trait AuditApi {
    /// The audit trail (proposals, votes, outcomes, admin rotations, regulator freezes) with
    /// block times in `[from_ms, to_ms)`, oldest first, at most `limit` (default and cap 1000).
    #[method(name = "audit_getTrail")]
    async fn audit_get_trail(
        &self,
        from_ms: Option<u64>,
        to_ms: Option<u64>,
        limit: Option<u32>,
    ) -> RpcResult<Vec<citychain_types::proposal::AuditEntry>>;

    /// Every frozen account.
    #[method(name = "audit_listFrozen")]
    async fn audit_list_frozen(&self) -> RpcResult<Vec<FrozenAccount>>;
}
