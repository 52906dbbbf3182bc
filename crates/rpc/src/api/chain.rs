//! `chain_*`: blocks, headers with their finality, validator sets and epoch records, the genesis document; new blocks as they commit.

use super::RpcResult;
use crate::types::*;
use jsonrpsee::{core::SubscriptionResult, proc_macros::rpc};

#[rpc(server, client)]
pub trait ChainApi {
    /// Chain id, head, finalized tip, mempool size.
    #[method(name = "chain_status")]
    async fn chain_status(&self) -> RpcResult<StatusInfo>;

    /// A block by height or hash; `full` includes transactions and receipts.
    #[method(name = "chain_getBlock")]
    async fn chain_get_block(&self, block: BlockId, full: Option<bool>) -> RpcResult<BlockInfo>;

    /// A header with the certificate that makes it final.
    #[method(name = "chain_getHeader")]
    async fn chain_get_header(&self, block: BlockId) -> RpcResult<HeaderInfo>;

    /// An epoch's validator set, in the order its certificates index it (default: the epoch of
    /// the next block), and the set governance has chosen for the epoch after the current one.
    #[method(name = "chain_getValidators")]
    async fn chain_get_validators(&self, epoch: Option<u64>) -> RpcResult<EpochValidators>;

    /// What a light client needs to learn the validators of epochs `from`, `from + 1`, … (up to
    /// `count`, at most 64, and only epochs that have started): for each, the header of the
    /// block before the epoch with its certificate, and the proof of the epoch's record.
    #[method(name = "chain_getEpochRecords")]
    async fn chain_get_epoch_records(
        &self,
        from: u64,
        count: Option<u32>,
    ) -> RpcResult<Vec<EpochRecord>>;

    /// The genesis document.
    #[method(name = "chain_getGenesis")]
    async fn chain_get_genesis(&self) -> RpcResult<citychain_types::Genesis>;

    /// Every newly committed block's header.
    #[subscription(name = "chain_subscribeFinalized" => "chain_finalized", unsubscribe = "chain_unsubscribeFinalized", item = FinalizedHeader)]
    async fn chain_subscribe_finalized(&self) -> SubscriptionResult;
}
