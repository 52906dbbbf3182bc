//! `tx_*`: submitting transactions and following them to their receipts.

use super::RpcResult;
use crate::types::*;
use citychain_crypto::{Address, Hash};
use jsonrpsee::{core::SubscriptionResult, proc_macros::rpc};

#[rpc(server, client)]
pub trait TxApi {
    /// Submits one signed transaction (canonical bytes, hex).
    #[method(name = "tx_submit")]
    async fn tx_submit(&self, tx: String) -> RpcResult<SubmitResult>;

    /// Submits many; each entry gets a hash or a rejection.
    #[method(name = "tx_submitBatch")]
    async fn tx_submit_batch(&self, txs: TxBatch) -> RpcResult<Vec<BatchEntry>>;

    /// A pending or committed transaction.
    #[method(name = "tx_get")]
    async fn tx_get(&self, hash: Hash) -> RpcResult<Option<TxInfo>>;

    /// The receipt of a committed transaction (null while pending or unknown).
    #[method(name = "tx_getReceipt")]
    async fn tx_get_receipt(&self, hash: Hash) -> RpcResult<Option<ReceiptInfo>>;

    /// The committed transactions that concern an account (it sent them, or they name it as
    /// recipient, called contract or multisig account), newest first: at most `limit` (default
    /// 50, at most 500) before the position `before` (default: the newest). Pass the page's
    /// `next` as `before` for older ones. Needs the node's account index (on by default).
    #[method(name = "tx_listByAccount")]
    async fn tx_list_by_account(
        &self,
        address: Address,
        before: Option<TxPosition>,
        limit: Option<u32>,
    ) -> RpcResult<AccountTxPage>;

    /// The receipt of one transaction, sent once when it is committed.
    #[subscription(name = "tx_subscribeReceipt" => "tx_receipt", unsubscribe = "tx_unsubscribeReceipt", item = ReceiptInfo)]
    async fn tx_subscribe_receipt(&self, hash: Hash) -> SubscriptionResult;
}
