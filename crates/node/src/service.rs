//! The node's JSON-RPC service: reads committed storage, admits transactions, streams events.

use crate::{
    app::{Chain, FinalizedBlock},
    consensus::{ConsensusBlock, Finalization, Scheme, hash_of},
    relay::RelayHandle,
};
use citychain_crypto::{Address, Hash};
use citychain_execution::read;
use citychain_execution::{
    contracts,
    native::{governance, multisig},
};
use citychain_rpc::{
    CitychainApiServer, error,
    jsonrpsee::{
        PendingSubscriptionSink,
        core::{SubscriptionResult, async_trait},
        types::ErrorObjectOwned,
    },
    types::*,
};
use citychain_types::{Account, Block, Decode, Encode, Genesis, Height, layout};
use commonware_codec::Encode as _;
use commonware_consensus::{marshal, marshal::standard::Standard, types::Height as CHeight};
use futures::StreamExt;
use std::sync::{
    Arc,
    atomic::{AtomicU64, Ordering},
};

type RpcResult<T> = Result<T, ErrorObjectOwned>;

/// How far past a block the service looks for a finalization that covers it.
const MAX_FINALITY_SEARCH: u64 = 256;

/// Serves the API from the node's chain state.
#[derive(Clone)]
pub struct NodeService {
    chain: Arc<Chain>,
    marshal: marshal::core::Mailbox<Scheme, Standard<ConsensusBlock>>,
    finalized_tip: Arc<AtomicU64>,
    /// Counts connected peers.
    peers: Arc<dyn Fn() -> usize + Send + Sync>,
    /// Sends admitted transactions to the other nodes' mempools.
    relay: RelayHandle,
    /// Contract queries running at once: each may burn up to `max_tx_gas` of CPU, so a flood of
    /// them queues here instead of starving consensus.
    queries: Arc<tokio::sync::Semaphore>,
    /// The genesis document's hash, computed once (it encodes the whole document).
    genesis_hash: citychain_crypto::Hash,
    /// The committed head's height and timestamp, so `chain_status` reads the head block once
    /// per block rather than once per request.
    head_time: Arc<parking_lot::Mutex<Option<(u64, u64)>>>,
}

/// How long a contract query waits for a free slot before the node answers that it is busy.
const QUERY_WAIT_LIMIT: std::time::Duration = std::time::Duration::from_secs(2);

/// Contract queries that may run at the same time.
const CONCURRENT_QUERIES: usize = 2;

impl NodeService {
    pub fn new(
        chain: Arc<Chain>,
        marshal: marshal::core::Mailbox<Scheme, Standard<ConsensusBlock>>,
        finalized_tip: Arc<AtomicU64>,
        peers: Arc<dyn Fn() -> usize + Send + Sync>,
        relay: RelayHandle,
    ) -> Self {
        NodeService {
            genesis_hash: chain.genesis.hash(),
            head_time: Arc::new(parking_lot::Mutex::new(None)),
            chain,
            marshal,
            finalized_tip,
            peers,
            relay,
            queries: Arc::new(tokio::sync::Semaphore::new(CONCURRENT_QUERIES)),
        }
    }

    pub fn chain(&self) -> &Arc<Chain> {
        &self.chain
    }

    /// The epoch of the next block.
    fn current_epoch(&self) -> u64 {
        let next = self.chain.store.head().map_or(0, |h| h.height.0 + 1);
        layout::epoch_of(Height(next), self.chain.genesis.epoch_blocks)
    }

    /// A stored validator set, sorted as certificates index it.
    fn validator_set(&self, key: &[u8]) -> RpcResult<Option<Vec<ValidatorInfo>>> {
        let Some(raw) = Self::storage(self.chain.store.state().get(key).map_err(Into::into))?
        else {
            return Ok(None);
        };
        let mut set = citychain_types::ValidatorSet::decode(&raw)
            .map_err(|e| error::internal(format!("stored validator set: {e}")))?
            .0;
        set.sort_by_key(|v| v.consensus_key);
        Ok(Some(
            set.into_iter()
                .enumerate()
                .map(|(i, v)| ValidatorInfo {
                    name: v.name,
                    consensus_key: v.consensus_key,
                    index: i as u32,
                })
                .collect(),
        ))
    }

    fn storage<T>(r: Result<T, citychain_storage::Error>) -> RpcResult<T> {
        r.map_err(|e| error::internal(format!("storage: {e}")))
    }

    fn resolve(&self, id: BlockId) -> RpcResult<Height> {
        let head = self
            .chain
            .store
            .head()
            .ok_or_else(|| error::unavailable("the node has no committed block yet"))?;
        match id {
            BlockId::Latest => Ok(head.height),
            BlockId::Height(h) if h <= head.height.0 => Ok(Height(h)),
            BlockId::Height(h) => Err(error::not_found(format!(
                "no block at height {h}; the latest is {}",
                head.height
            ))),
            BlockId::Hash(hash) => Self::storage(self.chain.store.height_of(&hash))?
                .ok_or_else(|| error::not_found(format!("no block with hash {hash}"))),
        }
    }

    fn block_at(&self, height: Height) -> RpcResult<citychain_storage::StoredBlock> {
        Self::storage(self.chain.store.stored_block(height))?
            .ok_or_else(|| error::not_found(format!("no block at height {height}")))
    }

    fn inclusion(
        &self,
        hash: &Hash,
    ) -> RpcResult<Option<(Inclusion, citychain_storage::StoredBlock)>> {
        let Some(loc) = Self::storage(self.chain.store.tx_location(hash))? else {
            return Ok(None);
        };
        let stored = self.block_at(loc.height)?;
        let inclusion = Inclusion {
            height: loc.height.0,
            index: loc.index,
            block_hash: stored.block.hash(),
        };
        Ok(Some((inclusion, stored)))
    }

    fn receipt_info(&self, hash: &Hash) -> RpcResult<Option<ReceiptInfo>> {
        let Some((inclusion, stored)) = self.inclusion(hash)? else {
            return Ok(None);
        };
        let receipt = stored
            .receipts
            .get(inclusion.index as usize)
            .cloned()
            .ok_or_else(|| error::internal("receipt missing from its block"))?;
        Ok(Some(ReceiptInfo {
            tx_hash: *hash,
            receipt,
            inclusion,
        }))
    }

    fn finality_info(
        &self,
        finalization: &Finalization,
        height: u64,
        descendants: Vec<citychain_types::BlockHeader>,
    ) -> FinalityInfo {
        let p = &finalization.proposal;
        let cert = &finalization.certificate;
        FinalityInfo {
            finalized_hash: hash_of(&p.payload),
            finalized_height: height,
            epoch: p.round.epoch().get(),
            view: commonware_consensus::Viewable::view(&p.round).get(),
            parent_view: p.parent.get(),
            signers: cert.signers.iter().map(|s| s.get()).collect(),
            signatures: cert
                .signatures
                .iter()
                .filter_map(|s| s.get())
                .map(|s| {
                    let mut raw = [0u8; 64];
                    raw.copy_from_slice(s.as_ref());
                    citychain_crypto::Signature(raw)
                })
                .collect(),
            certificate: citychain_crypto::hex::encode(finalization.encode()),
            descendants,
        }
    }

    fn submit_results(results: Vec<Result<Hash, citychain_mempool::Rejection>>) -> Vec<BatchEntry> {
        results
            .into_iter()
            .map(|r| match r {
                Ok(hash) => BatchEntry {
                    hash: Some(hash),
                    error: None,
                },
                Err(e) => BatchEntry {
                    hash: None,
                    error: Some(Rejected {
                        code: e.code().into(),
                        message: e.to_string(),
                    }),
                },
            })
            .collect()
    }

    /// The latest committed state, its height and header.
    fn latest_view(
        &self,
    ) -> RpcResult<(
        citychain_state::StateView,
        u64,
        citychain_types::BlockHeader,
    )> {
        let head = self
            .chain
            .store
            .head()
            .ok_or_else(|| error::unavailable("the node has no committed block yet"))?;
        let header = self.block_at(head.height)?.block.header;
        let view = citychain_state::StateView::committed(
            self.chain.store.state().clone(),
            Some(head.height.0),
        );
        Ok((view, head.height.0, header))
    }

    fn proof(&self, key: Vec<u8>, height: Option<u64>) -> RpcResult<ProofInfo> {
        let head = self
            .chain
            .store
            .head()
            .ok_or_else(|| error::unavailable("the node has no committed block yet"))?;
        let height = height.unwrap_or(head.height.0);
        if height > head.height.0 {
            return Err(error::not_found(format!(
                "height {height} is not committed yet; the latest is {}",
                head.height
            )));
        }
        let header = self.block_at(Height(height))?.block.header;
        let (value, proof) = self
            .chain
            .store
            .state()
            .prove(&key, height)
            .map_err(|e| error::internal(format!("cannot build the proof: {e}")))?;
        let account = match (key.first(), &value) {
            (Some(&layout::prefix::ACCOUNT), Some(v)) => Account::decode(v).ok(),
            _ => None,
        };
        Ok(ProofInfo {
            key: citychain_crypto::hex::encode(&key),
            value: value.as_ref().map(citychain_crypto::hex::encode),
            account,
            height,
            state_root: header.state_root,
            proof,
        })
    }
}

fn decode_hex(what: &str, text: &str) -> RpcResult<Vec<u8>> {
    citychain_crypto::hex::decode_prefixed(text)
        .map_err(|e| error::invalid_params(format!("{what}: {e}")))
}

#[async_trait]
impl CitychainApiServer for NodeService {
    async fn chain_status(&self) -> RpcResult<StatusInfo> {
        let head = self
            .chain
            .store
            .head()
            .ok_or_else(|| error::unavailable("the node has no committed block yet"))?;
        let cached = *self.head_time.lock();
        let head_timestamp_ms = match cached {
            Some((height, ms)) if height == head.height.0 => ms,
            _ => {
                let ms = self.block_at(head.height)?.block.header.timestamp.0;
                *self.head_time.lock() = Some((head.height.0, ms));
                ms
            }
        };
        Ok(StatusInfo {
            chain_id: self.chain.genesis.chain_id.to_string(),
            suite: self.chain.genesis.suite,
            genesis_hash: self.genesis_hash,
            height: head.height.0,
            head_hash: head.hash,
            state_root: head.state_root,
            head_timestamp_ms,
            finalized_tip: self
                .finalized_tip
                .load(Ordering::Relaxed)
                .max(head.height.0),
            pending_txs: self.chain.mempool.len(),
            validators: self
                .validator_set(&layout::epoch_validators_key(self.current_epoch()))?
                .map_or(0, |v| v.len()),
            peers: (self.peers)(),
            node_version: env!("CARGO_PKG_VERSION").into(),
        })
    }

    async fn chain_get_block(&self, block: BlockId, full: Option<bool>) -> RpcResult<BlockInfo> {
        let height = self.resolve(block)?;
        let stored = self.block_at(height)?;
        let hash = stored.block.hash();
        let Block {
            header,
            transactions,
        } = stored.block;
        Ok(if full.unwrap_or(false) {
            BlockInfo {
                hash,
                header,
                transactions,
                tx_hashes: Vec::new(),
                receipts: Some(stored.receipts),
            }
        } else {
            BlockInfo {
                hash,
                header,
                tx_hashes: transactions.iter().map(|t| t.hash()).collect(),
                transactions: Vec::new(),
                receipts: None,
            }
        })
    }

    async fn chain_get_header(&self, block: BlockId) -> RpcResult<HeaderInfo> {
        let height = self.resolve(block)?;
        let header = self.block_at(height)?.block.header;
        let hash = header.hash();
        // The block's own finalization, or the nearest descendant's with the linking headers.
        let mut finality = None;
        let mut descendants = Vec::new();
        let head = self.chain.store.head().map_or(0, |h| h.height.0);
        for h in height.0..=head.min(height.0 + MAX_FINALITY_SEARCH) {
            if h > height.0 {
                descendants.push(self.block_at(Height(h))?.block.header);
            }
            if let Some(f) = self.marshal.get_finalization(CHeight::new(h)).await {
                finality = Some(self.finality_info(&f, h, std::mem::take(&mut descendants)));
                break;
            }
        }
        Ok(HeaderInfo {
            hash,
            header_bytes: citychain_crypto::hex::encode(header.encode()),
            header,
            finality,
        })
    }

    async fn chain_get_validators(&self, epoch: Option<u64>) -> RpcResult<EpochValidators> {
        let blocks = self.chain.genesis.epoch_blocks;
        let current = self.current_epoch();
        let epoch = epoch.unwrap_or(current);
        let validators = self
            .validator_set(&layout::epoch_validators_key(epoch))?
            .ok_or_else(|| {
                error::not_found(format!(
                    "epoch {epoch} has not started (the current epoch is {current})"
                ))
            })?;
        let next = self
            .validator_set(&layout::validators_key())?
            .unwrap_or_default();
        Ok(EpochValidators {
            epoch,
            first_height: epoch.saturating_mul(blocks),
            last_height: epoch.saturating_add(1).saturating_mul(blocks) - 1,
            validators,
            next,
        })
    }

    async fn chain_get_epoch_records(
        &self,
        from: u64,
        count: Option<u32>,
    ) -> RpcResult<Vec<EpochRecord>> {
        if from == 0 {
            return Err(error::invalid_params(
                "epoch 0's validators are the genesis document's; records start at epoch 1",
            ));
        }
        let count = count.unwrap_or(MAX_EPOCH_RECORDS);
        if count == 0 || count > MAX_EPOCH_RECORDS {
            return Err(error::invalid_params(format!(
                "count is 1 to {MAX_EPOCH_RECORDS} epochs per request, not {count}"
            )));
        }
        let blocks = self.chain.genesis.epoch_blocks;
        let head = self.chain.store.head().map_or(0, |h| h.height.0);
        let mut records = Vec::new();
        for epoch in from..from.saturating_add(u64::from(count)) {
            let Some(height) = epoch.checked_mul(blocks).and_then(|h| h.checked_sub(1)) else {
                break;
            };
            if height > head {
                break;
            }
            records.push(EpochRecord {
                epoch,
                header: self.chain_get_header(BlockId::Height(height)).await?,
                proof: self.proof(layout::epoch_validators_key(epoch), Some(height))?,
            });
        }
        Ok(records)
    }

    async fn chain_get_genesis(&self) -> RpcResult<Genesis> {
        Ok(self.chain.genesis.clone())
    }

    async fn tx_submit(&self, tx: String) -> RpcResult<SubmitResult> {
        let raw = decode_hex("transaction", &tx)?;
        let mut results = crate::assemble::submit(&self.chain, &self.relay, vec![raw]).await;
        match results.pop().expect("one result per transaction") {
            Ok(hash) => Ok(SubmitResult { hash }),
            Err(e) => Err(error::rejected(e.code(), e.to_string())),
        }
    }

    async fn tx_submit_batch(&self, txs: TxBatch) -> RpcResult<Vec<BatchEntry>> {
        let txs = txs.0;
        let mut raws = Vec::with_capacity(txs.len());
        let mut bad = Vec::new();
        for (i, t) in txs.iter().enumerate() {
            match citychain_crypto::hex::decode_prefixed(t) {
                Ok(raw) => raws.push(raw),
                Err(e) => {
                    bad.push((i, e.to_string()));
                    raws.push(Vec::new());
                }
            }
        }
        let results = crate::assemble::submit(&self.chain, &self.relay, raws).await;
        let mut entries = Self::submit_results(results);
        for (i, message) in bad {
            entries[i] = BatchEntry {
                hash: None,
                error: Some(Rejected {
                    code: "malformed".into(),
                    message,
                }),
            };
        }
        Ok(entries)
    }

    async fn tx_get(&self, hash: Hash) -> RpcResult<Option<TxInfo>> {
        if let Some((inclusion, stored)) = self.inclusion(&hash)? {
            let tx = stored.block.transactions[inclusion.index as usize].clone();
            return Ok(Some(TxInfo {
                hash,
                status: "committed".into(),
                transaction: tx,
                inclusion: Some(inclusion),
            }));
        }
        Ok(self.chain.mempool.get(&hash).map(|t| TxInfo {
            hash,
            status: "pending".into(),
            transaction: (*t).clone(),
            inclusion: None,
        }))
    }

    async fn tx_get_receipt(&self, hash: Hash) -> RpcResult<Option<ReceiptInfo>> {
        self.receipt_info(&hash)
    }

    async fn state_get_account(&self, address: Address) -> RpcResult<AccountInfo> {
        let head = self
            .chain
            .store
            .head()
            .ok_or_else(|| error::unavailable("the node has no committed block yet"))?;
        let account = match self.chain.store.state().get(&layout::account_key(&address)) {
            Ok(Some(raw)) => Account::decode(&raw)
                .map_err(|e| error::internal(format!("stored account: {e}")))?,
            Ok(None) => Account::default(),
            Err(e) => return Err(error::internal(format!("state: {e}"))),
        };
        Ok(AccountInfo {
            address,
            nonce: account.nonce.0,
            balance: account.balance,
            height: head.height.0,
        })
    }

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
            height,
        })
    }

    async fn org_list(&self) -> RpcResult<Vec<citychain_types::Organization>> {
        let (view, _, _) = self.latest_view()?;
        governance::organizations(&citychain_execution::Overlay::new(&view)).map_err(state_error)
    }

    async fn org_get_member(&self, address: Address) -> RpcResult<MemberView> {
        let (view, height, _) = self.latest_view()?;
        Ok(MemberView {
            address,
            member: read::member(&view, &address).map_err(state_error)?,
            frozen: read::is_frozen(&view, &address).map_err(state_error)?,
            height,
        })
    }

    async fn gov_get_policy(&self) -> RpcResult<PolicyView> {
        let (view, height, _) = self.latest_view()?;
        Ok(PolicyView {
            policy: read::policy(&view).map_err(state_error)?,
            thresholds: governance::thresholds(&view).map_err(state_error)?,
            height,
        })
    }

    async fn gov_get_proposal(&self, id: u64) -> RpcResult<ProposalView> {
        let (view, _, header) = self.latest_view()?;
        let proposal = governance::load_proposal(&view, id)
            .map_err(state_error)?
            .ok_or_else(|| error::not_found(format!("no proposal {id}")))?;
        Ok(ProposalView {
            effective_status: governance::effective_status(&proposal, header.timestamp.0),
            proposal,
        })
    }

    async fn gov_list_proposals(
        &self,
        from_id: Option<u64>,
        limit: Option<u32>,
    ) -> RpcResult<Vec<ProposalView>> {
        let (view, _, header) = self.latest_view()?;
        let limit = limit.unwrap_or(100).min(100) as usize;
        let list =
            governance::proposals(&view, from_id.unwrap_or(0), limit).map_err(state_error)?;
        Ok(list
            .into_iter()
            .map(|proposal| ProposalView {
                effective_status: governance::effective_status(&proposal, header.timestamp.0),
                proposal,
            })
            .collect())
    }

    async fn audit_get_trail(
        &self,
        from_ms: Option<u64>,
        to_ms: Option<u64>,
        limit: Option<u32>,
    ) -> RpcResult<Vec<citychain_types::proposal::AuditEntry>> {
        let (view, _, _) = self.latest_view()?;
        let limit = limit.unwrap_or(1_000).min(1_000) as usize;
        governance::audit_trail(
            &view,
            from_ms.unwrap_or(0),
            to_ms.unwrap_or(u64::MAX),
            limit,
        )
        .map_err(state_error)
    }

    async fn audit_list_frozen(&self) -> RpcResult<Vec<FrozenAccount>> {
        let (view, _, _) = self.latest_view()?;
        Ok(governance::frozen_accounts(&view)
            .map_err(state_error)?
            .into_iter()
            .map(|(address, h)| FrozenAccount {
                address,
                since_height: h.0,
            })
            .collect())
    }

    async fn multisig_get_account(&self, address: Address) -> RpcResult<MultisigView> {
        let (view, _, _) = self.latest_view()?;
        let account = multisig::load_account(&view, &address)
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
        multisig::load_pending(&view, &address, id)
            .map_err(state_error)?
            .ok_or_else(|| error::not_found(format!("multisig {address} has no transaction {id}")))
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

    async fn chain_subscribe_finalized(
        &self,
        pending: PendingSubscriptionSink,
    ) -> SubscriptionResult {
        let mut events = self.chain.subscribe(SUBSCRIBER_BACKLOG);
        let sink = pending.accept().await?;
        while let Some(FinalizedBlock { block, .. }) = next_or_closed(&mut events, &sink).await {
            let item = FinalizedHeader {
                hash: block.hash(),
                header: block.header.clone(),
            };
            let msg = serde_json::value::to_raw_value(&item)?;
            deliver(&sink, msg).await?;
        }
        Ok(())
    }

    async fn tx_subscribe_receipt(
        &self,
        pending: PendingSubscriptionSink,
        hash: Hash,
    ) -> SubscriptionResult {
        // Subscribe first, then look: a commit in between is seen by one or the other.
        let mut events = self.chain.subscribe(SUBSCRIBER_BACKLOG);
        let sink = pending.accept().await?;
        if let Ok(Some(info)) = self.receipt_info(&hash) {
            deliver(&sink, serde_json::value::to_raw_value(&info)?).await?;
            return Ok(());
        }
        while let Some(FinalizedBlock { block, receipts }) =
            next_or_closed(&mut events, &sink).await
        {
            if let Some(index) = block.transactions.iter().position(|t| t.hash() == hash) {
                let info = ReceiptInfo {
                    tx_hash: hash,
                    receipt: receipts[index].clone(),
                    inclusion: Inclusion {
                        height: block.header.height.0,
                        index: index as u32,
                        block_hash: block.hash(),
                    },
                };
                deliver(&sink, serde_json::value::to_raw_value(&info)?).await?;
                break;
            }
        }
        Ok(())
    }
}

/// Blocks a subscription may fall behind by before the node drops it.
const SUBSCRIBER_BACKLOG: usize = 256;
/// How long a notification may wait for a client that does not read before the subscription
/// is closed (with a notification saying why, when the connection can still carry one).
const SLOW_SUBSCRIBER: std::time::Duration = std::time::Duration::from_secs(10);

/// The next finalized block for a subscription, or `None` once it fell too far behind (the
/// chain dropped it) or its client went away: either way the subscription ends and frees what
/// it held.
async fn next_or_closed(
    events: &mut futures::channel::mpsc::Receiver<FinalizedBlock>,
    sink: &citychain_rpc::jsonrpsee::SubscriptionSink,
) -> Option<FinalizedBlock> {
    let closed = Box::pin(sink.closed());
    match futures::future::select(events.next(), closed).await {
        futures::future::Either::Left((event, _)) => event,
        futures::future::Either::Right(_) => None,
    }
}

/// Sends one notification, ending the subscription if the client does not read it in time.
async fn deliver(
    sink: &citychain_rpc::jsonrpsee::SubscriptionSink,
    msg: Box<serde_json::value::RawValue>,
) -> Result<(), citychain_rpc::jsonrpsee::core::SubscriptionError> {
    use citychain_rpc::jsonrpsee::core::server::SendTimeoutError;
    match sink.send_timeout(msg, SLOW_SUBSCRIBER).await {
        Ok(()) | Err(SendTimeoutError::Closed(_)) => Ok(()),
        Err(SendTimeoutError::Timeout(_)) => Err(format!(
            "subscription closed: the client read no notification for {} s",
            SLOW_SUBSCRIBER.as_secs()
        )
        .into()),
    }
}

fn state_error(e: citychain_execution::BlockError) -> ErrorObjectOwned {
    error::internal(format!("state: {e}"))
}

/// The native balance of `address` in `view`.
fn balance_in(
    view: &citychain_state::StateView,
    address: &Address,
) -> RpcResult<citychain_types::Amount> {
    match view.get(&layout::account_key(address)) {
        Ok(Some(raw)) => Ok(Account::decode(&raw)
            .map_err(|e| error::internal(format!("stored account: {e}")))?
            .balance),
        Ok(None) => Ok(citychain_types::Amount(0)),
        Err(e) => Err(error::internal(format!("state: {e}"))),
    }
}
