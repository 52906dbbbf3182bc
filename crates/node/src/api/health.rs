//! What `/health` and `/metrics` answer: the node's progress, storage and peers, its
//! voting state, and the Prometheus text of its metrics.

use crate::{app::Chain, consensus::guard::VotingProblem};
use citychain_rpc::http::Endpoints;
use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

/// The node's answers to the plain endpoints.
pub struct NodeEndpoints {
    pub chain: Arc<Chain>,
    pub metrics: Box<dyn Fn() -> String + Send + Sync>,
    pub finalized_tip: Arc<AtomicU64>,
    pub peers: Arc<dyn Fn() -> usize + Send + Sync>,
    /// Other validators and full nodes in the configuration (0 for a one-node chain).
    pub configured_peers: usize,
    pub height: commonware_runtime::telemetry::metrics::Gauge,
    pub pending: commonware_runtime::telemetry::metrics::Gauge,
    /// Set while this validator abstains (its vote journal lost votes).
    pub voting_problem: VotingProblem,
}

impl Endpoints for NodeEndpoints {
    fn metrics(&self) -> String {
        if let Some(head) = self.chain.store.head() {
            self.height.set(head.height.0 as i64);
        }
        self.pending.set(self.chain.mempool.len() as i64);
        (self.metrics)()
    }

    fn health(&self) -> (bool, serde_json::Value) {
        let mut problems: Vec<String> = Vec::new();
        let head = self.chain.store.head();
        let height = head.as_ref().map_or(0, |h| h.height.0);
        let tip = self.finalized_tip.load(Ordering::Relaxed).max(height);
        // Storage: the newest block must be readable.
        match &head {
            None => problems.push("no block is committed yet".into()),
            Some(h) => match self.chain.store.block(h.height) {
                Ok(Some(_)) => {}
                Ok(None) => problems.push(format!("block {} is missing from storage", h.height)),
                Err(e) => problems.push(format!("block {} cannot be read: {e}", h.height)),
            },
        }
        // Progress: a chain makes at least an empty block every interval; far longer without
        // a commit means no quorum, or this node cannot follow.
        let interval = Duration::from_millis(self.chain.genesis.params.empty_block_interval_ms);
        let stall = (interval * HEALTH_STALL_INTERVALS).max(HEALTH_MIN_STALL);
        let quiet = self.chain.since_last_commit();
        if quiet > stall {
            problems.push(format!(
                "no block committed for {} s (expected one every {} ms): the network has no \
                 quorum, or this node cannot follow it",
                quiet.as_secs(),
                interval.as_millis()
            ));
        }
        // Committing keeps up with what consensus finalized.
        if tip.saturating_sub(height) >= 64 {
            problems.push(format!(
                "committing lags consensus: finalized {tip}, committed {height}"
            ));
        }
        if let Some(why) = self.voting_problem.get() {
            problems.push(format!("not voting: {why}"));
        }
        let peers = (self.peers)();
        if self.configured_peers > 0 && peers == 0 {
            problems.push(format!(
                "no peer connected (of {} configured)",
                self.configured_peers
            ));
        }
        let healthy = problems.is_empty();
        (
            healthy,
            serde_json::json!({
                "healthy": healthy,
                "problems": problems,
                "height": height,
                "finalized_tip": tip,
                "seconds_since_last_commit": quiet.as_secs(),
                "peers": peers,
            }),
        )
    }
}

/// `/health` reports a stall after this many empty-block intervals without a commit...
const HEALTH_STALL_INTERVALS: u32 = 10;
/// ...and never sooner than this (a restarted node catches up first).
const HEALTH_MIN_STALL: Duration = Duration::from_secs(30);
