//! `org_*`: the consortium's organizations and their members.

use super::RpcResult;
use crate::types::*;
use citychain_crypto::Address;
use jsonrpsee::proc_macros::rpc;

#[rpc(server, client)]
pub trait OrgApi {
    /// The consortium's organizations.
    #[method(name = "org_list")]
    async fn org_list(&self) -> RpcResult<Vec<citychain_types::Organization>>;

    /// An account's organization and roles, and whether it is frozen.
    #[method(name = "org_getMember")]
    async fn org_get_member(&self, address: Address) -> RpcResult<MemberView>;
}
