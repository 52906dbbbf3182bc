//! Commits finalized blocks, in order, and acknowledges them to marshal once they are durable.

use super::Chain;
use crate::consensus::ConsensusBlock;
use citychain_types::layout;
use commonware_actor::Feedback;
use commonware_consensus::{Reporter, marshal::Update};
use commonware_utils::{Acknowledgement, acknowledgement::Exact};
use futures::{StreamExt, channel::mpsc};
use std::sync::{
    Arc,
    atomic::{AtomicU64, Ordering},
};
use tracing::{error, info};

/// Receives marshal's updates without blocking it; [`Finalizer::run`] does the work.
#[derive(Clone)]
pub struct Finalizer {
    sender: mpsc::UnboundedSender<Update<ConsensusBlock, Exact>>,
    /// Highest finalized height consensus has reported (it may not be committed here yet).
    pub finalized_tip: Arc<AtomicU64>,
}

impl Finalizer {
    pub fn new() -> (Self, mpsc::UnboundedReceiver<Update<ConsensusBlock, Exact>>) {
        let (sender, receiver) = mpsc::unbounded();
        (
            Finalizer {
                sender,
                finalized_tip: Arc::new(AtomicU64::new(0)),
            },
            receiver,
        )
    }

    /// Commits each delivered block, then acknowledges it, and reports the last block of each
    /// epoch to `boundaries` once it is committed (consensus then moves to the next epoch).
    /// Stops the node (by returning) on a storage or execution failure: acknowledging a block
    /// that is not durable would lose it.
    pub async fn run<E: commonware_runtime::Spawner, S: commonware_parallel::Strategy>(
        runtime: E,
        chain: Arc<Chain<S>>,
        mut updates: mpsc::UnboundedReceiver<Update<ConsensusBlock, Exact>>,
        tip: Arc<AtomicU64>,
        boundaries: mpsc::UnboundedSender<u64>,
    ) -> crate::Result<()> {
        while let Some(update) = updates.next().await {
            match update {
                Update::Tip(_, height, _) => {
                    tip.fetch_max(height.get(), Ordering::Relaxed);
                }
                Update::Block(block, ack) => {
                    let block = block.inner().shared();
                    let height = block.header.height;
                    let txs = block.transactions.len();
                    // Storage writes and any catch-up execution stay off the async executor.
                    let committer = chain.clone();
                    let committed = super::blocking(&runtime, move || committer.finalize(block))
                        .await
                        .unwrap_or_else(|| Err("the commit task failed".into()));
                    if let Err(e) = committed {
                        error!(error = %e, "cannot commit a finalized block; stopping");
                        return Err(crate::Error::Commit(e));
                    }
                    tip.fetch_max(height.0, Ordering::Relaxed);
                    if layout::epoch_starting_after(height, chain.genesis.epoch_blocks).is_some() {
                        let _ = boundaries.unbounded_send(height.0);
                    }
                    if txs > 0 || height.0 % 100 == 0 {
                        info!(%height, txs, "finalized");
                    }
                    ack.acknowledge();
                }
            }
        }
        Ok(())
    }
}

impl Reporter for Finalizer {
    type Activity = Update<ConsensusBlock, Exact>;

    fn report(&mut self, activity: Self::Activity) -> Feedback {
        match self.sender.unbounded_send(activity) {
            Ok(()) => Feedback::Ok,
            Err(_) => Feedback::Closed,
        }
    }
}
