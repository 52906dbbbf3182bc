//! Putting a node together on any runtime: the finalizer, consensus and the transaction relay.
//!
//! The process runner (`process`) and the deterministic simulator (the `sim` crate) both call
//! [`start`], so a simulated network exercises exactly the code a real one runs; only the
//! runtime, the network and the thread pool differ.

use crate::{Error, Result};
use crate::{
    app::{
        Chain, Finalizer,
        chain::{CommittedChain, genesis_block},
    },
    consensus::{
        ConsensusBlock, ConsensusKey, Scheme,
        engine::{self, Channels, EngineConfig},
        epochs::{Monitor, PeerBlocker, Runtime},
    },
    relay::{self, RelayHandle},
};
use citychain_crypto::Hash;
use citychain_mempool::{Mempool, MempoolConfig};
use citychain_storage::{ChainStore, StoreOptions};
use citychain_types::{Genesis, Height};
use commonware_consensus::{marshal, marshal::standard::Standard};
use commonware_p2p::{Provider, Receiver, Sender};
use commonware_parallel::Strategy;
use commonware_runtime::Handle;
use std::path::Path;
use std::sync::{Arc, atomic::AtomicU64};
use tracing::{info, warn};

/// Blocks between progress lines while the block log is re-executed.
const REPLAY_PROGRESS_EVERY: usize = 1_000;

/// Builds `genesis`'s genesis block and state in a store at `scratch` (made, not cleaned up)
/// and returns the block's hash and state root: what `citychain genesis hash` checks before a
/// network starts, so that a genesis whose contracts cannot be deployed fails there.
pub fn check_genesis(
    genesis: &Genesis,
    scratch: &Path,
) -> std::result::Result<(Hash, Hash), String> {
    genesis.validate()?;
    let opened = ChainStore::open_with(
        scratch,
        genesis.suite,
        genesis.hash(),
        StoreOptions {
            no_sync: true,
            faults: None,
            no_account_index: true,
        },
    )
    .map_err(|e| e.to_string())?;
    let (block, _) = genesis_block(genesis, &opened.store)?;
    Ok((block.hash(), block.header.state_root))
}

/// Opens the store, commits genesis if needed and replays logged blocks. Returns the chain.
pub fn open_chain<S: Strategy>(
    data_dir: &std::path::Path,
    genesis: &Genesis,
    mempool_config: MempoolConfig,
    strategy: S,
    store_options: StoreOptions,
) -> Result<(Arc<Chain<S>>, ConsensusBlock)> {
    genesis.validate().map_err(Error::InvalidGenesis)?;
    let opened = ChainStore::open_with(
        &data_dir.join("chain"),
        genesis.suite,
        genesis.hash(),
        store_options,
    )
    .map_err(|e| Error::Storage(explain_open_error(e, data_dir)))?;
    if let Some(bad) = &opened.repaired_tail {
        warn!(file = %bad.file.display(), offset = bad.offset, problem = %bad.problem, "repaired the block log: cut off an incomplete final record");
    }
    let store = Arc::new(opened.store);
    let mut unexecuted = opened.unexecuted;
    let (genesis_block, genesis_state) = genesis_block(genesis, &store).map_err(Error::Storage)?;
    match store.head() {
        // The block log holds blocks the index does not know, from genesis on: the index (and
        // the state in it) was lost. Both are derived from the log, so rebuild them from it;
        // never write the log before the state it extends is there again.
        None if !unexecuted.is_empty() => {
            let (logged, location) = unexecuted.remove(0);
            if logged.block.header.height.0 != 0 || logged.block.hash() != genesis_block.hash() {
                return Err(Error::Storage(format!(
                    "the block log in {} starts with block {} at height {}, not this chain's \
                     genesis block {}: this data directory belongs to another chain; move it \
                     away or point --data-dir elsewhere",
                    data_dir.join("chain/blocks").display(),
                    logged.block.hash(),
                    logged.block.header.height,
                    genesis_block.hash()
                )));
            }
            store
                .commit_logged(&genesis_block, &genesis_state, location)
                .map_err(|e| {
                    Error::Storage(format!("cannot index the logged genesis block: {e}"))
                })?;
            warn!(
                index = %data_dir.join("chain/index").display(),
                blocks = unexecuted.len(),
                "the index holds no chain but the block log does (the index was removed or \
                 lost): rebuilding the index and the state by re-executing the block log"
            );
        }
        None => {
            store
                .commit(
                    &Arc::new(genesis_block.clone()),
                    &Arc::default(),
                    &genesis_state,
                )
                .map_err(|e| Error::Storage(format!("cannot store genesis: {e}")))?;
            info!(hash = %genesis_block.hash(), "committed the genesis block");
        }
        Some(_) => {
            let stored = store
                .block(Height(0))
                .map_err(|e| Error::Storage(e.to_string()))?
                .ok_or_else(|| {
                    Error::Storage("the genesis block is missing from storage".into())
                })?;
            if stored.hash() != genesis_block.hash() {
                return Err(Error::Storage(format!(
                    "this data directory holds genesis block {}, not {}",
                    stored.hash(),
                    genesis_block.hash()
                )));
            }
        }
    }

    let ctx = citychain_execution::BlockContext::of(genesis);
    let mempool = Arc::new(Mempool::new(
        mempool_config,
        ctx,
        genesis.params.clone(),
        Arc::new(CommittedChain::new(store.clone())),
        strategy.clone(),
    ));
    let chain = Arc::new(Chain::new(genesis.clone(), store, mempool, strategy));
    if !unexecuted.is_empty() {
        let total = unexecuted.len();
        info!(blocks = total, "re-executing blocks from the block log");
        for (done, (stored, location)) in unexecuted.iter().enumerate() {
            chain.replay(stored, *location).map_err(Error::Commit)?;
            if (done + 1) % REPLAY_PROGRESS_EVERY == 0 {
                info!(done = done + 1, of = total, height = %stored.block.header.height, "re-executing the block log");
            }
        }
        info!(height = %chain.store.head().map_or(Height(0), |h| h.height), "the index and state match the block log");
    }
    let genesis_block = ConsensusBlock::new(genesis_block).map_err(Error::Storage)?;
    Ok((chain, genesis_block))
}

/// What a store that cannot be opened means, and what to do about it.
fn explain_open_error(e: citychain_storage::Error, data_dir: &std::path::Path) -> String {
    use citychain_storage::Error;
    let index = data_dir.join("chain/index");
    let blocks = data_dir.join("chain/blocks");
    match e {
        Error::Db(_) | Error::State(_) | Error::Decode { .. } => format!(
            "the index database {index} is damaged ({e}). It holds only what the block log \
             {blocks} derives, so it can be rebuilt: stop the node, move it away (mv {index} \
             {index}.damaged) and start the node again; it re-executes the block log, logging \
             its progress",
            index = index.display(),
            blocks = blocks.display(),
        ),
        Error::Corrupt { .. } if !e.to_string().contains("backup") => format!(
            "the block log is damaged: {e}. Acknowledged blocks cannot be recovered from this \
             data directory alone: restore {} from a backup, or move the data directory away \
             and let the node sync the chain from its peers",
            blocks.display()
        ),
        other => other.to_string(),
    }
}

/// A started node's handles.
pub struct Started {
    /// Consensus actors; any of them finishing means the node stopped.
    pub consensus: Vec<Handle<()>>,
    /// Finishes (with an error) if committing a finalized block failed.
    pub finalizer: Handle<Result<()>>,
    pub relay_task: Handle<()>,
    /// Sends admitted transactions to peers.
    pub relay: RelayHandle,
    pub marshal: marshal::core::Mailbox<Scheme, Standard<ConsensusBlock>>,
    /// Highest height consensus reported final.
    pub finalized_tip: Arc<AtomicU64>,
}

/// Starts the finalizer, consensus and the relay for `chain`.
pub async fn start<E, P, B, S, R, T, M>(
    context: E,
    chain: Arc<Chain<T>>,
    genesis_block: ConsensusBlock,
    engine_config: EngineConfig<P, B, T, M>,
    channels: Channels<S, R>,
    transactions: (S, R),
) -> Result<Started>
where
    E: Runtime,
    P: Provider<PublicKey = ConsensusKey> + Clone,
    B: PeerBlocker,
    S: Sender<PublicKey = ConsensusKey>,
    R: Receiver<PublicKey = ConsensusKey>,
    T: Strategy,
    M: Monitor,
{
    let (finalizer, updates) = Finalizer::new();
    let finalized_tip = finalizer.finalized_tip.clone();
    let (boundaries, committed_boundaries) = futures::channel::mpsc::unbounded();
    let finalizer_task = {
        let chain = chain.clone();
        let tip = finalized_tip.clone();
        context
            .child("finalizer")
            .spawn(move |context| Finalizer::run(context, chain, updates, tip, boundaries))
    };
    let running = engine::start(
        context.child("consensus"),
        engine_config,
        chain.clone(),
        finalizer,
        genesis_block,
        channels,
        committed_boundaries,
    )
    .await?;
    let (relay, relay_queue) = RelayHandle::new();
    let relay_task = {
        let mempool = chain.mempool.clone();
        context
            .child("relay")
            .spawn(move |context| relay::run(context, mempool, relay_queue, transactions))
    };
    Ok(Started {
        consensus: running.handles,
        finalizer: finalizer_task,
        relay_task,
        relay,
        marshal: running.marshal,
        finalized_tip,
    })
}

/// Admits raw transactions to the node's mempool and relays the admitted ones, as the API does.
pub async fn submit<T: Strategy>(
    chain: &Chain<T>,
    relay: &RelayHandle,
    raws: Vec<Vec<u8>>,
) -> Vec<Result<citychain_crypto::Hash, citychain_mempool::Rejection>> {
    let results = chain.mempool.submit(raws.clone()).await;
    relay.forward(
        raws.into_iter()
            .zip(&results)
            .filter(|(_, r)| r.is_ok())
            .map(|(raw, _)| raw)
            .collect(),
    );
    results
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn damaged_storage_is_explained_with_the_file_and_the_remedy() {
        let dir = std::path::Path::new("/var/lib/citychain");
        let index = explain_open_error(
            citychain_storage::Error::Decode {
                what: "head",
                detail: "bad length".into(),
            },
            dir,
        );
        assert!(
            index.contains("/var/lib/citychain/chain/index is damaged"),
            "{index}"
        );
        assert!(
            index.contains("mv /var/lib/citychain/chain/index"),
            "{index}"
        );
        let log = explain_open_error(
            citychain_storage::Error::Corrupt {
                file: dir.join("chain/blocks/00000000.log"),
                offset: 4096,
                problem: "checksum mismatch".into(),
            },
            dir,
        );
        assert!(
            log.contains("byte 4096") && log.contains("restore"),
            "{log}"
        );
    }
}
