//! `multisig_*`: multisig accounts and their proposed transactions.

use super::RpcResult;
use crate::types::*;
use citychain_crypto::Address;
use jsonrpsee::proc_macros::rpc;

#[rpc(server, client)]
pub trait MultisigApi {
    /// A multisig account: signers, threshold, the next transaction id, balance.
    #[method(name = "multisig_getAccount")]
    async fn multisig_get_account(&self, address: Address) -> RpcResult<MultisigView>;

    /// A multisig account's proposed transaction with its approvals and outcome.
    #[method(name = "multisig_getTransaction")]
    async fn multisig_get_transaction(
        &self,
        address: Address,
        id: u64,
    ) -> RpcResult<citychain_types::multisig::MultisigPending>;
}
