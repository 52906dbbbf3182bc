//! The node's JSON-RPC API: [`NodeService`] implements every namespace's server trait of
//! `citychain_rpc::api` (one file per namespace here) from committed storage, the mempool and
//! consensus; [`NodeService::methods`] merges them for the server. `health` holds the plain
//! routes' answers.

mod asset;
mod chain;
mod contract;
mod gov;
pub mod health;
mod multisig;
mod state;
mod subscribe;
mod tx;

use subscribe::{SUBSCRIBER_BACKLOG, deliver, next_or_closed};

use crate::{
    app::{Chain, FinalizedBlock},
    consensus::{ConsensusBlock, Finalization, Scheme, hash_of},
    relay::RelayHandle,
};
use citychain_crypto::{Address, Hash};
use citychain_execution::read;
use citychain_rpc::{
    api::*,
    error,
    jsonrpsee::{
        PendingSubscriptionSink, RpcModule,
        core::{SubscriptionResult, async_trait},
        types::ErrorObjectOwned,
    },
    types::*,
};
use citychain_types::{Encode, Genesis, Height, layout};
use commonware_codec::Encode as _;
use commonware_consensus::{marshal, marshal::standard::Standard, types::Height as CHeight};
use std::sync::{
    Arc,
    atomic::{AtomicU64, Ordering},
};

type RpcResult<T> = Result<T, ErrorObjectOwned>;

/// The API's description (OpenRPC), generated from the method definitions; `rpc.discover`
/// returns it.
const OPENRPC_DOCUMENT: &str = include_str!("../../../../docs/openrpc.json");

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

    /// Every namespace's methods, merged for the server.
    pub fn methods(self) -> RpcModule<()> {
        let mut methods = RpcModule::new(());
        let namespaces = [
            ChainApiServer::into_rpc(self.clone()),
            TxApiServer::into_rpc(self.clone()),
            StateApiServer::into_rpc(self.clone()),
            ContractApiServer::into_rpc(self.clone()),
            OrgApiServer::into_rpc(self.clone()),
            GovApiServer::into_rpc(self.clone()),
            AuditApiServer::into_rpc(self.clone()),
            MultisigApiServer::into_rpc(self.clone()),
            AssetApiServer::into_rpc(self),
        ];
        for namespace in namespaces {
            methods
                .merge(namespace)
                .expect("namespaces define disjoint method names");
        }
        methods
            .register_method("rpc.discover", |_, _, _| {
                serde_json::value::RawValue::from_string(OPENRPC_DOCUMENT.to_string())
                    .map_err(|e| error::internal(format!("the API description: {e}")))
            })
            .expect("rpc.discover is not a namespace's method");
        methods
    }

    /// The epoch of the next block.
    fn current_epoch(&self) -> u64 {
        let next = self.chain.store.head().map_or(0, |h| h.height.0 + 1);
        layout::epoch_of(Height(next), self.chain.genesis.epoch_blocks)
    }

    /// The validators of `epoch` (`None`: the set governance has chosen for the next epoch so
    /// far), sorted as certificates index them; `None` if that epoch has not started.
    fn validator_set(&self, epoch: Option<u64>) -> RpcResult<Option<Vec<ValidatorInfo>>> {
        let state = self.committed_view();
        let set = match epoch {
            Some(epoch) => read::epoch_validators(&state, epoch),
            None => read::next_validators(&state).map(Some),
        }
        .map_err(state_error)?;
        Ok(set.map(|set| {
            let mut set = set.0;
            set.sort_by_key(|v| v.consensus_key);
            set.into_iter()
                .enumerate()
                .map(|(i, v)| ValidatorInfo {
                    name: v.name,
                    consensus_key: v.consensus_key,
                    index: i as u32,
                })
                .collect()
        }))
    }

    /// The newest committed state (empty before the genesis block is committed).
    fn committed_view(&self) -> citychain_state::StateView {
        citychain_state::StateView::committed(
            self.chain.store.state().clone(),
            self.chain.store.head().map(|h| h.height.0),
        )
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

    /// The header at `height`, read without decoding the block's transactions.
    fn header_at(&self, height: Height) -> RpcResult<citychain_types::BlockHeader> {
        Self::storage(self.chain.store.header(height))?
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
        let header = self.header_at(head.height)?;
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
        let header = self.header_at(Height(height))?;
        let (value, proof) = self
            .chain
            .store
            .state()
            .prove(&key, height)
            .map_err(|e| error::internal(format!("cannot build the proof: {e}")))?;
        let account = value.as_ref().and_then(|v| read::account_value(&key, v));
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

fn state_error(e: citychain_execution::BlockError) -> ErrorObjectOwned {
    error::internal(format!("state: {e}"))
}

/// The native balance of `address` in `view`.
fn balance_in(
    view: &citychain_state::StateView,
    address: &Address,
) -> RpcResult<citychain_types::Amount> {
    Ok(read::account(view, address).map_err(state_error)?.balance)
}
