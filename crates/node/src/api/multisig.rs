//! `multisig_*`: multisig accounts and their proposed transactions.

use super::*;

#[async_trait]
impl MultisigApiServer for NodeService {
    async fn multisig_get_account(&self, address: Address) -> RpcResult<MultisigView> {
        let (view, _, _) = self.latest_view()?;
        let account = read::multisig_account(&view, &address)
            .map_err(state_error)?
            .ok_or_else(|| error::not_found(format!("no multisig account at {address}")))?;
        let balance = balance_in(&view, &address)?;
        Ok(MultisigView {
            address,
            account,
            balance,
        })
    }

    async fn multisig_get_transaction(
        &self,
        address: Address,
        id: u64,
    ) -> RpcResult<citychain_types::multisig::MultisigPending> {
        let (view, _, _) = self.latest_view()?;
        read::multisig_pending(&view, &address, id)
            .map_err(state_error)?
            .ok_or_else(|| error::not_found(format!("multisig {address} has no transaction {id}")))
    }
}
