//! `contract_*`: deployed contracts: read-only queries and their metadata.

use super::RpcResult;
use crate::types::*;
use citychain_crypto::Address;
use jsonrpsee::proc_macros::rpc;

#[rpc(server, client)]
pub trait ContractApi {
    /// Runs a contract method read-only on the latest committed state (no transaction, nothing
    /// kept). `args` is hex; `caller` defaults to the zero address; `gas_limit` defaults to and
    /// is capped at the chain's per-transaction maximum.
    #[method(name = "contract_query")]
    async fn contract_query(
        &self,
        contract: Address,
        method: String,
        args: Option<String>,
        caller: Option<Address>,
        gas_limit: Option<u64>,
    ) -> RpcResult<QueryResult>;

    /// A deployed contract's metadata and entry points.
    #[method(name = "contract_getInfo")]
    async fn contract_get_info(&self, contract: Address) -> RpcResult<ContractView>;
}
