//! `state_*`: accounts and any state key, with Merkle proofs against a committed header.

use super::RpcResult;
use crate::types::*;
use citychain_crypto::Address;
use jsonrpsee::proc_macros::rpc;

#[rpc(server, client)]
pub trait StateApi {
    /// An account at the latest committed height.
    #[method(name = "state_getAccount")]
    async fn state_get_account(&self, address: Address) -> RpcResult<AccountInfo>;

    /// An account's value with a Merkle proof against the state root of `height` (default:
    /// latest).
    #[method(name = "state_getProof")]
    async fn state_get_proof(&self, address: Address, height: Option<u64>) -> RpcResult<ProofInfo>;

    /// Any state key (hex) with a proof.
    #[method(name = "state_getKeyProof")]
    async fn state_get_key_proof(&self, key: String, height: Option<u64>) -> RpcResult<ProofInfo>;
}
