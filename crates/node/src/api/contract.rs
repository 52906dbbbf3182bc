//! `contract_*`: read-only queries (a few at a time, off the async workers) and metadata.

use super::*;
use citychain_execution::contracts;

#[async_trait]
impl ContractApiServer for NodeService {
    async fn contract_query(
        &self,
        contract: Address,
        method: String,
        args: Option<String>,
        caller: Option<Address>,
        gas_limit: Option<u64>,
    ) -> RpcResult<QueryResult> {
        let args = match args {
            Some(a) => decode_hex("args", &a)?,
            None => Vec::new(),
        };
        if method.is_empty() || method.len() > citychain_types::transaction::MAX_METHOD_LEN {
            return Err(error::invalid_params(format!(
                "a method name is 1 to {} bytes",
                citychain_types::transaction::MAX_METHOD_LEN
            )));
        }
        let (view, height, header) = self.latest_view()?;
        let env = contracts::Env {
            suite: self.chain.genesis.suite,
            height: height + 1,
            timestamp_ms: header.timestamp.0,
            origin: caller.unwrap_or(Address::ZERO),
            attached: Vec::new(),
        };
        let gas = citychain_types::Gas(gas_limit.unwrap_or(u64::MAX));
        // Contract code is CPU-bound: keep it off the API's async workers, a few at a time.
        let permit = tokio::time::timeout(QUERY_WAIT_LIMIT, self.queries.acquire()).await;
        let _permit = match permit {
            Ok(Ok(p)) => p,
            Ok(Err(_)) => return Err(error::unavailable("the node is shutting down")),
            Err(_) => {
                return Err(error::unavailable(format!(
                    "the node is busy with other contract queries (waited {} ms for one of \
                     {CONCURRENT_QUERIES} slots); try again",
                    QUERY_WAIT_LIMIT.as_millis()
                )));
            }
        };
        let out = tokio::task::spawn_blocking(move || {
            contracts::query(&view, env, &contract, &method, &args, gas)
        })
        .await
        .map_err(|e| error::internal(format!("query task: {e}")))?
        .map_err(|e| error::internal(format!("state: {e}")))?;
        Ok(QueryResult {
            status: out.status,
            code: out.status.code(),
            reason: out.reason,
            output: citychain_crypto::hex::encode(&out.output),
            gas_used: out.gas_used.0,
            events: out.events,
            height,
        })
    }

    async fn contract_get_info(&self, contract: Address) -> RpcResult<ContractView> {
        let (view, height, _) = self.latest_view()?;
        let details = contracts::details(&view, &contract)
            .map_err(|e| error::internal(format!("state: {e}")))?
            .ok_or_else(|| error::not_found(format!("no contract at {contract}")))?;
        let balance = balance_in(&view, &contract)?;
        Ok(ContractView {
            address: contract,
            code_hash: details.info.code_hash,
            code_size: details.code_size,
            admin: details.info.admin,
            deployer: details.info.deployer,
            deployed_at: details.info.deployed_at.0,
            status: details.info.status,
            entry_points: details.entry_points,
            balance,
            metadata: details.metadata,
            height,
        })
    }
}
