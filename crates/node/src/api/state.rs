//! `state_*`: accounts and state keys with proofs.

use super::*;

#[async_trait]
impl StateApiServer for NodeService {
    async fn state_get_account(&self, address: Address) -> RpcResult<AccountInfo> {
        let head = self
            .chain
            .store
            .head()
            .ok_or_else(|| error::unavailable("the node has no committed block yet"))?;
        let account = read::account(&self.committed_view(), &address).map_err(state_error)?;
        Ok(AccountInfo {
            address,
            nonce: account.nonce.0,
            balance: account.balance,
            height: head.height.0,
        })
    }

    async fn state_get_proof(&self, address: Address, height: Option<u64>) -> RpcResult<ProofInfo> {
        self.proof(layout::account_key(&address), height)
    }

    async fn state_get_key_proof(&self, key: String, height: Option<u64>) -> RpcResult<ProofInfo> {
        let key = decode_hex("key", &key)?;
        if key.is_empty() || key.len() > 1024 {
            return Err(error::invalid_params("a state key is 1 to 1024 bytes"));
        }
        self.proof(key, height)
    }
}
