//! `org_*`, `gov_*` and `audit_*`: the consortium, its policy and proposals, the audit trail.

use super::*;
use citychain_execution::native::governance;

#[async_trait]
impl OrgApiServer for NodeService {
    async fn org_list(&self) -> RpcResult<Vec<citychain_types::Organization>> {
        let (view, _, _) = self.latest_view()?;
        governance::organizations(&citychain_execution::Overlay::new(&view)).map_err(state_error)
    }

    async fn org_get_member(&self, address: Address) -> RpcResult<MemberView> {
        let (view, height, _) = self.latest_view()?;
        Ok(MemberView {
            address,
            member: read::member(&view, &address).map_err(state_error)?,
            frozen: read::is_frozen(&view, &address).map_err(state_error)?,
            height,
        })
    }
}

#[async_trait]
impl GovApiServer for NodeService {
    async fn gov_get_policy(&self) -> RpcResult<PolicyView> {
        let (view, height, _) = self.latest_view()?;
        Ok(PolicyView {
            policy: read::policy(&view).map_err(state_error)?,
            thresholds: read::thresholds(&view).map_err(state_error)?,
            height,
        })
    }

    async fn gov_get_proposal(&self, id: u64) -> RpcResult<ProposalView> {
        let (view, _, header) = self.latest_view()?;
        let proposal = read::proposal(&view, id)
            .map_err(state_error)?
            .ok_or_else(|| error::not_found(format!("no proposal {id}")))?;
        Ok(ProposalView {
            effective_status: governance::effective_status(&proposal, header.timestamp.0),
            proposal,
        })
    }

    async fn gov_list_proposals(
        &self,
        from_id: Option<u64>,
        limit: Option<u32>,
    ) -> RpcResult<Vec<ProposalView>> {
        let (view, _, header) = self.latest_view()?;
        let limit = limit.unwrap_or(100).min(100) as usize;
        let list =
            governance::proposals(&view, from_id.unwrap_or(0), limit).map_err(state_error)?;
        Ok(list
            .into_iter()
            .map(|proposal| ProposalView {
                effective_status: governance::effective_status(&proposal, header.timestamp.0),
                proposal,
            })
            .collect())
    }
}

#[async_trait]
impl AuditApiServer for NodeService {
    async fn audit_get_trail(
        &self,
        from_ms: Option<u64>,
        to_ms: Option<u64>,
        limit: Option<u32>,
    ) -> RpcResult<Vec<citychain_types::proposal::AuditEntry>> {
        let (view, _, _) = self.latest_view()?;
        let limit = limit.unwrap_or(1_000).min(1_000) as usize;
        governance::audit_trail(
            &view,
            from_ms.unwrap_or(0),
            to_ms.unwrap_or(u64::MAX),
            limit,
        )
        .map_err(state_error)
    }

    async fn audit_list_frozen(&self) -> RpcResult<Vec<FrozenAccount>> {
        let (view, _, _) = self.latest_view()?;
        Ok(governance::frozen_accounts(&view)
            .map_err(state_error)?
            .into_iter()
            .map(|(address, h)| FrozenAccount {
                address,
                since_height: h.0,
            })
            .collect())
    }
}
