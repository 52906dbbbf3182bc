//! `gov_*`: the permission policy, vote thresholds and proposals.

use super::RpcResult;
use crate::types::*;
use jsonrpsee::proc_macros::rpc;

#[rpc(server, client)]
pub trait GovApi {
    /// The permission policy and the vote thresholds.
    #[method(name = "gov_getPolicy")]
    async fn gov_get_policy(&self) -> RpcResult<PolicyView>;

    /// One proposal with its votes and outcome.
    #[method(name = "gov_getProposal")]
    async fn gov_get_proposal(&self, id: u64) -> RpcResult<ProposalView>;

    /// Proposals by id from `from_id` (default 0), at most `limit` (default and cap 100).
    #[method(name = "gov_listProposals")]
    async fn gov_list_proposals(
        &self,
        from_id: Option<u64>,
        limit: Option<u32>,
    ) -> RpcResult<Vec<ProposalView>>;
}
