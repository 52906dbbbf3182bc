//! The JSON-RPC methods. One definition gives both the server trait and a typed client.

use crate::types::*;
use citychain_crypto::{Address, Hash};
use jsonrpsee::{core::SubscriptionResult, proc_macros::rpc, types::ErrorObjectOwned};

type RpcResult<T> = Result<T, ErrorObjectOwned>;

#[rpc(server, client)]
pub trait CitychainApi {
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

    /// The consortium's organizations.
    #[method(name = "org_list")]
    async fn org_list(&self) -> RpcResult<Vec<citychain_types::Organization>>;

    /// An account's organization and roles, and whether it is frozen.
    #[method(name = "org_getMember")]
    async fn org_get_member(&self, address: Address) -> RpcResult<MemberView>;

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

    /// The audit trail (proposals, votes, outcomes, admin rotations, regulator freezes) with
    /// block times in `[from_ms, to_ms)`, oldest first, at most `limit` (default and cap 1000).
    #[method(name = "audit_getTrail")]
    async fn audit_get_trail(
        &self,
        from_ms: Option<u64>,
        to_ms: Option<u64>,
        limit: Option<u32>,
    ) -> RpcResult<Vec<citychain_types::proposal::AuditEntry>>;

    /// Every frozen account.
    #[method(name = "audit_listFrozen")]
    async fn audit_list_frozen(&self) -> RpcResult<Vec<FrozenAccount>>;

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

    /// Every newly committed block's header.
    #[subscription(name = "chain_subscribeFinalized" => "chain_finalized", unsubscribe = "chain_unsubscribeFinalized", item = FinalizedHeader)]
    async fn chain_subscribe_finalized(&self) -> SubscriptionResult;

    /// The receipt of one transaction, sent once when it is committed.
    #[subscription(name = "tx_subscribeReceipt" => "tx_receipt", unsubscribe = "tx_unsubscribeReceipt", item = ReceiptInfo)]
    async fn tx_subscribe_receipt(&self, hash: Hash) -> SubscriptionResult;
}
