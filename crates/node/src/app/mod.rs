//! The application consensus drives: builds blocks from the mempool, verifies others' blocks by
//! executing them, and commits finalized blocks.

pub mod chain;
mod finalizer;
mod verdict;

pub use chain::{Chain, Executed, FinalizedBlock};
pub use finalizer::Finalizer;
pub use verdict::{InvalidBlock, VerifyError};

use crate::consensus::{ConsensusBlock, Context, Scheme, validator_key};
use citychain_types::Block;
use commonware_consensus::{Application, Viewable, marshal::ancestry::Ancestry};
use commonware_cryptography::Digested;
use commonware_parallel::{Rayon, Strategy};
use commonware_runtime::{Clock, Metrics, Spawner};
use futures::{StreamExt, future::Either};
use std::{
    sync::Arc,
    time::{Duration, SystemTime, UNIX_EPOCH},
};
use tracing::{debug, warn};

/// How far ahead of this node's clock a block timestamp may be before verification waits.
const MAX_FUTURE_DRIFT: Duration = Duration::from_secs(3);
/// Timestamps further ahead than this are rejected outright.
const MAX_FUTURE_REJECT: Duration = Duration::from_secs(600);
/// How many unexecuted ancestors verification will execute to catch up (after a restart).
const MAX_CATCH_UP: usize = 1024;

/// The citychain application, as commonware's marshal wants it.
#[derive(Clone)]
pub struct ConsensusApp<S: Strategy = Rayon> {
    chain: Arc<Chain<S>>,
}

impl<S: Strategy> ConsensusApp<S> {
    pub fn new(chain: Arc<Chain<S>>) -> Self {
        ConsensusApp { chain }
    }

    /// This node's wall-clock time (shifted by the test-only clock skew).
    fn now<E: Clock>(&self, runtime: &E) -> SystemTime {
        shift(runtime.current(), self.chain.clock_skew_ms())
    }

    /// The runtime time at which this node's clock reads `t`.
    fn local(&self, t: SystemTime) -> SystemTime {
        shift(t, -self.chain.clock_skew_ms())
    }
}

fn shift(t: SystemTime, millis: i64) -> SystemTime {
    if millis >= 0 {
        t + Duration::from_millis(millis as u64)
    } else {
        t.checked_sub(Duration::from_millis(millis.unsigned_abs()))
            .unwrap_or(UNIX_EPOCH)
    }
}

fn millis(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Runs CPU-heavy chain work off the async executor.
pub(crate) async fn blocking<E: Spawner, T: Send + 'static>(
    runtime: &E,
    f: impl FnOnce() -> T + Send + 'static,
) -> Option<T> {
    runtime
        .child("execute")
        .shared(true)
        .spawn(move |_| async move { f() })
        .await
        .ok()
}

impl<S: Strategy> ConsensusApp<S> {
    /// Makes sure the state after `parent` is known, executing unexecuted ancestors (newest
    /// first in `ancestry`) forward from the newest known state.
    async fn ensure_executed<E: Spawner>(
        &self,
        runtime: &E,
        parent: &Arc<Block>,
        mut ancestry: impl Ancestry<ConsensusBlock>,
    ) -> Result<(), VerifyError> {
        if self.chain.state_after(&parent.hash()).is_some() {
            return Ok(());
        }
        let head = self
            .chain
            .store
            .head()
            .ok_or_else(|| VerifyError::Unavailable("no committed head".into()))?;
        let mut missing: Vec<Arc<Block>> = vec![parent.clone()];
        loop {
            let oldest = missing.last().expect("non-empty").clone();
            if oldest.header.height <= head.height {
                return Err(InvalidBlock::ConflictsWithFinalized {
                    block: oldest.hash(),
                    height: oldest.header.height,
                }
                .into());
            }
            if missing.len() > MAX_CATCH_UP {
                return Err(VerifyError::Unavailable(
                    "too many unexecuted ancestors".into(),
                ));
            }
            let Some(next) = ancestry.next().await else {
                return Err(VerifyError::Unavailable(
                    "ancestry ended before a known state".into(),
                ));
            };
            let next = next.inner().shared();
            if next.hash() != oldest.header.parent {
                return Err(InvalidBlock::BrokenAncestry.into());
            }
            if self.chain.state_after(&next.hash()).is_some() {
                break;
            }
            missing.push(next);
        }
        // Execute oldest first; each one's parent state is now known.
        while let Some(block) = missing.pop() {
            let parent_hash = block.header.parent;
            let chain = self.chain.clone();
            let parent_block = match missing_parent(&chain, &parent_hash) {
                Some(p) => p,
                None => {
                    return Err(VerifyError::Unavailable(format!(
                        "parent {parent_hash} vanished"
                    )));
                }
            };
            let outcome = blocking(runtime, move || chain.verify(&block, &parent_block))
                .await
                .ok_or_else(|| VerifyError::Internal("task failed".into()))?;
            outcome?;
        }
        Ok(())
    }
}

/// The parent block of a known state: the committed head or an executed block.
fn missing_parent<S: Strategy>(
    chain: &Chain<S>,
    hash: &citychain_crypto::Hash,
) -> Option<Arc<Block>> {
    if let Some(e) = chain.executed(hash) {
        return Some(e.block.clone());
    }
    let head = chain.store.head()?;
    if head.hash == *hash {
        return chain.store.block(head.height).ok().flatten();
    }
    None
}

impl<E, S> Application<E> for ConsensusApp<S>
where
    E: Spawner + Metrics + Clock,
    S: Strategy,
{
    type SigningScheme = Scheme;
    type Context = Context;
    type Block = ConsensusBlock;
    type Input = ();

    async fn propose(
        &mut self,
        (runtime, context): (E, Context),
        mut ancestry: impl Ancestry<ConsensusBlock>,
        _: (),
    ) -> Option<Digested<ConsensusBlock>> {
        let parent = ancestry.next().await?;
        let parent_block = parent.inner().shared();
        if let Err(e) = self
            .ensure_executed(&runtime, &parent_block, ancestry)
            .await
        {
            warn!(error = %e, "cannot build on the parent");
            return None;
        }

        // Propose when there is something to include, or an empty block once the interval has
        // passed; never spin out empty blocks while the mempool holds only unincludable ones.
        let interval = Duration::from_millis(self.chain.genesis.params.empty_block_interval_ms);
        let due = UNIX_EPOCH + Duration::from_millis(parent_block.header.timestamp.0) + interval;
        let proposer = validator_key(&context.leader);
        let (epoch, view, parent_view) = (
            context.round.epoch().get(),
            context.view().get(),
            context.parent.0.get(),
        );
        loop {
            let seen = self.chain.mempool.arrivals();
            if self.chain.mempool.is_empty() && self.now(&runtime) < due {
                let wait = self.chain.mempool.wait_for_transactions();
                let sleep = runtime.sleep_until(self.local(due));
                futures::pin_mut!(wait, sleep);
                if let Either::Left(_) = futures::future::select(wait, sleep).await {
                    // Let a burst of submissions land in the same block.
                    runtime.sleep(Duration::from_millis(2)).await;
                }
            }
            let chain = self.chain.clone();
            let parent = parent_block.clone();
            let now = millis(self.now(&runtime));
            let executed = match blocking(&runtime, move || {
                chain.build(&parent, proposer, epoch, view, parent_view, now)
            })
            .await?
            {
                Ok(e) => e,
                Err(e) => {
                    warn!(error = %e, "cannot build a block");
                    return None;
                }
            };
            if !executed.block.transactions.is_empty() || self.now(&runtime) >= due {
                debug!(height = %executed.block.header.height, txs = executed.block.transactions.len(), "proposing");
                let block = ConsensusBlock::new((*executed.block).clone()).ok()?;
                let digest = commonware_cryptography::Digestible::digest(&block);
                return Some(Digested::precomputed(block, digest));
            }
            let new = self.chain.mempool.wait_for_new(seen);
            let sleep = runtime.sleep_until(self.local(due));
            futures::pin_mut!(new, sleep);
            futures::future::select(new, sleep).await;
        }
    }

    async fn verify(
        &mut self,
        (runtime, _context): (E, Context),
        mut ancestry: impl Ancestry<ConsensusBlock>,
    ) -> bool {
        let Some(block) = ancestry.next().await else {
            return false;
        };
        let Some(parent) = ancestry.next().await else {
            return false;
        };
        let block = block.inner().shared();
        let parent = parent.inner().shared();

        // A timestamp from the future waits for our clock (a skewed proposer stalls only its
        // own view); an absurd one is invalid.
        let ts = UNIX_EPOCH + Duration::from_millis(block.header.timestamp.0);
        if ts > self.now(&runtime) + MAX_FUTURE_REJECT {
            warn!(height = %block.header.height, "block timestamp is absurdly far in the future");
            return false;
        }
        if ts > self.now(&runtime) + MAX_FUTURE_DRIFT {
            runtime.sleep_until(self.local(ts - MAX_FUTURE_DRIFT)).await;
        }

        if let Err(e) = self.ensure_executed(&runtime, &parent, ancestry).await {
            return match e {
                VerifyError::Invalid(m) => {
                    warn!(reason = %m, "rejecting block");
                    false
                }
                // Keep the request pending: consensus times the view out if this never resolves.
                other => {
                    warn!(error = %other, "cannot verify the block's parent yet");
                    futures::future::pending().await
                }
            };
        }
        let chain = self.chain.clone();
        let height = block.header.height;
        match blocking(&runtime, move || chain.verify(&block, &parent)).await {
            Some(Ok(_)) => true,
            Some(Err(VerifyError::Invalid(reason))) => {
                warn!(%height, %reason, "rejecting invalid block");
                false
            }
            Some(Err(e)) => {
                warn!(%height, error = %e, "cannot verify block");
                futures::future::pending().await
            }
            None => futures::future::pending().await,
        }
    }
}
