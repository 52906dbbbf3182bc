//! The node's view of the chain: committed storage plus blocks executed but not yet final.
//!
//! Building and verifying a block both execute it on its parent's state and keep the result
//! ([`Executed`]) keyed by block hash, so that finalizing it later commits exactly what was
//! computed. A block finalized without having been executed here (the node was catching up)
//! is executed at commit time instead.

use super::{InvalidBlock, VerifyError};
use citychain_crypto::Hash;
use citychain_execution::read::StateRead;
use citychain_execution::{
    BlockContext, BlockInfo, Executor, InvalidTx, execute_block, first_bad_signature,
    genesis_writes,
};
use citychain_mempool::{CommittedState, Mempool};
use citychain_state::{PendingState, StateView};
use citychain_storage::ChainStore;
use citychain_types::{
    Block, BlockHeader, Gas, Genesis, Height, Receipt, SignedTransaction, TimestampMs,
    ValidatorKey,
    block::{receipts_root, tx_root},
};
use commonware_parallel::{Rayon, Strategy};
use futures::channel::mpsc;
use parking_lot::Mutex;
use std::{
    collections::{HashMap, HashSet},
    sync::{
        Arc,
        atomic::{AtomicI64, AtomicU64, Ordering},
    },
};

/// Rejected blocks remembered (by hash) so that a retried verification does not re-execute.
const MAX_REMEMBERED_REJECTIONS: usize = 1_024;

/// A block and what executing it produced.
pub struct Executed {
    pub block: Arc<Block>,
    pub receipts: Arc<Vec<Receipt>>,
    pub pending: Arc<PendingState>,
}

/// A finalized, durable block, as announced to subscribers.
#[derive(Clone, Debug)]
pub struct FinalizedBlock {
    pub block: Arc<Block>,
    pub receipts: Arc<Vec<Receipt>>,
}

/// The committed state, for the mempool's admission checks.
pub struct CommittedChain {
    store: Arc<ChainStore>,
}

impl CommittedChain {
    pub fn new(store: Arc<ChainStore>) -> Self {
        CommittedChain { store }
    }
}

impl CommittedState for CommittedChain {
    fn latest(&self) -> Option<(u64, Box<dyn StateRead + Send + Sync>)> {
        let head = self.store.head()?;
        let view = StateView::committed(self.store.state().clone(), Some(head.height.0));
        Some((head.height.0, Box::new(view)))
    }
}

/// The genesis block (height 0) and its state.
pub fn genesis_block(
    genesis: &Genesis,
    store: &ChainStore,
) -> Result<(Block, Arc<PendingState>), String> {
    let empty = StateView::committed(store.state().clone(), None);
    let pending = empty
        .apply(genesis_writes(genesis, &empty)?)
        .map_err(|e| format!("cannot build the genesis state: {e}"))?;
    let header = BlockHeader {
        chain_id: genesis.chain_id.clone(),
        height: Height(0),
        parent: Hash::ZERO,
        timestamp: genesis.genesis_time_ms,
        epoch: 0,
        view: 0,
        parent_view: 0,
        proposer: genesis.validators[0].consensus_key,
        tx_root: tx_root(genesis.suite, &[]),
        tx_count: 0,
        state_root: pending.root(),
        receipts_root: receipts_root(genesis.suite, &[]),
        gas_used: Gas(0),
        suite: genesis.suite,
    };
    Ok((
        Block {
            header,
            transactions: Vec::new(),
        },
        pending,
    ))
}

/// Shared chain state of a node.
pub struct Chain<S: Strategy = Rayon> {
    pub genesis: Genesis,
    pub ctx: BlockContext,
    pub store: Arc<ChainStore>,
    pub mempool: Arc<Mempool<S>>,
    strategy: S,
    executed: Mutex<HashMap<Hash, Arc<Executed>>>,
    /// Blocks being verified now: a second request for one waits for the first's result
    /// instead of executing it again.
    verifying: Mutex<HashMap<Hash, Arc<Mutex<()>>>>,
    /// Blocks found invalid, with the reason (a retried request gets it without re-executing).
    rejected: Mutex<HashMap<Hash, InvalidBlock>>,
    /// Blocks this node has executed to check them (verification, commit, replay).
    executions: AtomicU64,
    /// When this node last committed a block (or started): what health reports progress by.
    last_commit: Mutex<std::time::Instant>,
    subscribers: Mutex<Vec<mpsc::Sender<FinalizedBlock>>>,
    /// Test-only offset of this node's wall clock (simulating a skewed clock).
    clock_skew_ms: AtomicI64,
}

impl<S: Strategy> Chain<S> {
    pub fn new(
        genesis: Genesis,
        store: Arc<ChainStore>,
        mempool: Arc<Mempool<S>>,
        strategy: S,
    ) -> Self {
        let ctx = BlockContext::of(&genesis);
        Chain {
            genesis,
            ctx,
            store,
            mempool,
            strategy,
            executed: Mutex::new(HashMap::new()),
            verifying: Mutex::new(HashMap::new()),
            rejected: Mutex::new(HashMap::new()),
            executions: AtomicU64::new(0),
            last_commit: Mutex::new(std::time::Instant::now()),
            subscribers: Mutex::new(Vec::new()),
            clock_skew_ms: AtomicI64::new(0),
        }
    }

    /// The state after block `hash`, if it is the committed head or an executed pending block.
    pub fn state_after(&self, hash: &Hash) -> Option<StateView> {
        if let Some(head) = self.store.head()
            && head.hash == *hash
        {
            return Some(StateView::committed(
                self.store.state().clone(),
                Some(head.height.0),
            ));
        }
        self.executed
            .lock()
            .get(hash)
            .map(|e| StateView::pending(self.store.state().clone(), e.pending.clone()))
    }

    pub fn executed(&self, hash: &Hash) -> Option<Arc<Executed>> {
        self.executed.lock().get(hash).cloned()
    }

    /// Builds and executes a block on `parent` from the mempool.
    pub fn build(
        &self,
        parent: &Block,
        proposer: ValidatorKey,
        epoch: u64,
        view: u64,
        parent_view: u64,
        now_ms: u64,
    ) -> Result<Arc<Executed>, VerifyError> {
        let parent_hash = parent.hash();
        let view_state = self.state_after(&parent_hash).ok_or_else(|| {
            VerifyError::Unavailable(format!("parent {parent_hash} is not executed"))
        })?;
        let height = parent.header.height.next();
        let timestamp = TimestampMs(now_ms.max(parent.header.timestamp.0 + 1));
        let mut exec = Executor::new(
            &view_state,
            self.ctx.clone(),
            BlockInfo { height, timestamp },
        )
        .map_err(|e| VerifyError::Internal(e.to_string()))?;
        let max_txs = exec.params().max_block_txs as usize;
        let mut included: Vec<SignedTransaction> = Vec::new();
        let mut gapped: HashSet<citychain_crypto::Address> = HashSet::new();
        let (mut too_low, mut too_high, mut unpayable, mut dropped) =
            (0usize, 0usize, 0usize, 0usize);
        let candidates = self.mempool.candidates(max_txs.saturating_mul(2));
        let considered = candidates.len();
        for tx in candidates {
            if exec.tx_count() >= max_txs {
                break;
            }
            if !exec.has_room_for(&tx) || gapped.contains(&tx.sender()) {
                continue;
            }
            match exec
                .apply(&tx)
                .map_err(|e| VerifyError::Internal(e.to_string()))?
            {
                Ok(_) => included.push((*tx).clone()),
                // Already in an ancestor that is not final yet: leave it for removal on commit.
                Err(InvalidTx::NonceTooLow { .. }) => too_low += 1,
                // A nonce gap: skip this sender's later nonces too for this block.
                Err(InvalidTx::NonceTooHigh { .. }) => {
                    too_high += 1;
                    gapped.insert(tx.sender());
                }
                // May become payable after a transfer to the sender.
                Err(InvalidTx::CannotPayFee { .. }) => unpayable += 1,
                Err(_) => {
                    dropped += 1;
                    self.mempool.remove(&tx.hash());
                }
            }
        }
        tracing::debug!(
            considered,
            included = included.len(),
            too_low,
            too_high,
            unpayable,
            dropped,
            "built block"
        );
        let outcome = exec
            .finish()
            .map_err(|e| VerifyError::Internal(e.to_string()))?;
        let pending = view_state
            .apply(outcome.writes)
            .map_err(|e| VerifyError::Internal(e.to_string()))?;
        let suite = self.genesis.suite;
        let header = BlockHeader {
            chain_id: self.genesis.chain_id.clone(),
            height,
            parent: parent_hash,
            timestamp,
            epoch,
            view,
            parent_view,
            proposer,
            tx_root: tx_root(suite, &included),
            tx_count: included.len() as u32,
            state_root: pending.root(),
            receipts_root: receipts_root(suite, &outcome.receipts),
            gas_used: outcome.gas_used,
            suite,
        };
        let executed = Arc::new(Executed {
            block: Arc::new(Block {
                header,
                transactions: included,
            }),
            receipts: Arc::new(outcome.receipts),
            pending,
        });
        self.executed
            .lock()
            .insert(executed.block.hash(), executed.clone());
        Ok(executed)
    }

    /// Checks a block built by someone else and executes it on its parent's state.
    ///
    /// Each block is executed at most once: concurrent requests for the same block wait for
    /// the first, and later ones get its result (the executed state, or the rejection).
    pub fn verify(&self, block: &Arc<Block>, parent: &Block) -> Result<Arc<Executed>, VerifyError> {
        let hash = block.hash();
        if let Some(done) = self.executed(&hash) {
            return Ok(done);
        }
        if let Some(reason) = self.rejected.lock().get(&hash) {
            return Err(VerifyError::Invalid(reason.clone()));
        }
        let slot = self.verifying.lock().entry(hash).or_default().clone();
        let _only_one = slot.lock();
        // A request that waited for the first one takes its result.
        let earlier = match (self.executed(&hash), self.rejected.lock().get(&hash)) {
            (Some(done), _) => Some(Ok(done)),
            (None, Some(reason)) => Some(Err(VerifyError::Invalid(reason.clone()))),
            (None, None) => None,
        };
        if let Some(result) = earlier {
            self.verifying.lock().remove(&hash);
            return result;
        }
        let result = self.verify_once(block, parent);
        if let Err(VerifyError::Invalid(reason)) = &result {
            let mut rejected = self.rejected.lock();
            if rejected.len() >= MAX_REMEMBERED_REJECTIONS {
                rejected.clear();
            }
            rejected.insert(hash, reason.clone());
        }
        self.verifying.lock().remove(&hash);
        result
    }

    fn verify_once(
        &self,
        block: &Arc<Block>,
        parent: &Block,
    ) -> Result<Arc<Executed>, VerifyError> {
        let hash = block.hash();
        let h = &block.header;
        let invalid = |why: InvalidBlock| Err(VerifyError::Invalid(why));
        if h.chain_id != self.genesis.chain_id {
            return invalid(InvalidBlock::WrongChain {
                block: h.chain_id.clone(),
                chain: self.genesis.chain_id.clone(),
            });
        }
        if h.suite != self.genesis.suite {
            return invalid(InvalidBlock::WrongSuite {
                block: h.suite,
                chain: self.genesis.suite,
            });
        }
        if h.parent != parent.hash() || h.height != parent.header.height.next() {
            return invalid(InvalidBlock::NotOnParent);
        }
        if h.timestamp <= parent.header.timestamp {
            return invalid(InvalidBlock::TimestampNotAfterParent {
                timestamp: h.timestamp,
                parent: parent.header.timestamp,
            });
        }
        if !block.body_matches_header() {
            return invalid(InvalidBlock::BodyMismatch);
        }
        let unverified: Vec<SignedTransaction> = block
            .transactions
            .iter()
            .filter(|tx| !self.mempool.contains_verified(tx))
            .cloned()
            .collect();
        if let Some(i) = first_bad_signature(&self.strategy, &unverified) {
            return invalid(InvalidBlock::BadSignature(unverified[i].hash()));
        }
        let view_state = self.state_after(&parent.hash()).ok_or_else(|| {
            VerifyError::Unavailable(format!("parent {} is not executed", parent.hash()))
        })?;
        let executed = self.execute_checked(block.clone(), &view_state)?;
        self.executed.lock().insert(hash, executed.clone());
        Ok(executed)
    }

    /// How long ago this node last committed a block (or started, if it has not since).
    pub fn since_last_commit(&self) -> std::time::Duration {
        self.last_commit.lock().elapsed()
    }

    /// How many blocks this node has executed to check them.
    pub fn executions(&self) -> u64 {
        self.executions.load(Ordering::Relaxed)
    }

    /// Executes `block` on `state` and checks the results against its header.
    fn execute_checked(
        &self,
        block: Arc<Block>,
        state: &StateView,
    ) -> Result<Arc<Executed>, VerifyError> {
        self.executions.fetch_add(1, Ordering::Relaxed);
        let info = BlockInfo {
            height: block.header.height,
            timestamp: block.header.timestamp,
        };
        let outcome = execute_block(state, self.ctx.clone(), info, &block.transactions).map_err(
            |e| match e {
                citychain_execution::BlockError::State(_)
                | citychain_execution::BlockError::CorruptState { .. } => {
                    VerifyError::Internal(e.to_string())
                }
                other => InvalidBlock::Execution(other.to_string()).into(),
            },
        )?;
        let h = &block.header;
        if outcome.gas_used != h.gas_used {
            return Err(InvalidBlock::GasUsed {
                computed: outcome.gas_used,
                header: h.gas_used,
            }
            .into());
        }
        let receipts_root = receipts_root(h.suite, &outcome.receipts);
        if receipts_root != h.receipts_root {
            return Err(InvalidBlock::ReceiptsRoot {
                computed: receipts_root,
                header: h.receipts_root,
            }
            .into());
        }
        let pending = state
            .apply(outcome.writes)
            .map_err(|e| VerifyError::Internal(e.to_string()))?;
        if pending.root() != h.state_root {
            return Err(InvalidBlock::StateRoot {
                computed: pending.root(),
                header: h.state_root,
            }
            .into());
        }
        Ok(Arc::new(Executed {
            block,
            receipts: Arc::new(outcome.receipts),
            pending,
        }))
    }

    /// Commits a finalized block (executing it first if this node has not). Idempotent for
    /// blocks at or below the head.
    pub fn finalize(&self, block: Arc<Block>) -> Result<(), String> {
        let head = self.store.head();
        if head
            .as_ref()
            .is_some_and(|h| block.header.height <= h.height)
        {
            return Ok(());
        }
        let hash = block.hash();
        let executed = match self.executed(&hash) {
            Some(e) => e,
            None => {
                let head = head.ok_or("no genesis committed")?;
                if block.header.parent != head.hash {
                    return Err(format!(
                        "finalized block {} at height {} does not extend the head {}",
                        hash, block.header.height, head.hash
                    ));
                }
                let state = StateView::committed(self.store.state().clone(), Some(head.height.0));
                self.execute_checked(block.clone(), &state).map_err(|e| {
                    format!("finalized block {hash} at height {} fails local execution: {e}; this node's state has diverged or its software differs", block.header.height)
                })?
            }
        };
        self.store
            .commit(&executed.block, &executed.receipts, &executed.pending)
            .map_err(|e| format!("cannot store block {}: {e}", block.header.height))?;
        *self.last_commit.lock() = std::time::Instant::now();
        self.mempool.remove_committed(&executed.block.transactions);
        let expired = self.mempool.expire(block.header.height.0);
        if expired > 0 {
            tracing::info!(
                expired,
                "dropped transactions that waited too long in the pool"
            );
        }
        let height = block.header.height;
        self.executed
            .lock()
            .retain(|_, e| e.block.header.height > height);
        self.announce(FinalizedBlock {
            block: executed.block.clone(),
            receipts: executed.receipts.clone(),
        });
        Ok(())
    }

    /// Re-executes a block found in the log above the committed head (after a crash).
    pub fn replay(
        &self,
        stored: &citychain_storage::StoredBlock,
        location: citychain_storage::Location,
    ) -> Result<(), String> {
        let head = self.store.head().ok_or("cannot replay before genesis")?;
        let state = StateView::committed(self.store.state().clone(), Some(head.height.0));
        let block = stored.block.clone();
        let executed = self.execute_checked(block, &state).map_err(|e| {
            format!(
                "block {} from the log fails re-execution: {e}",
                stored.block.header.height
            )
        })?;
        if *executed.receipts != *stored.receipts {
            return Err(format!(
                "block {} from the log re-executes to different receipts",
                stored.block.header.height
            ));
        }
        self.store
            .commit_logged(&executed.block, &executed.pending, location)
            .map_err(|e| e.to_string())?;
        Ok(())
    }

    /// Shifts this node's wall clock (simulations of clock skew only).
    pub fn set_clock_skew_ms(&self, millis: i64) {
        self.clock_skew_ms.store(millis, Ordering::Relaxed);
    }

    pub fn clock_skew_ms(&self) -> i64 {
        self.clock_skew_ms.load(Ordering::Relaxed)
    }

    /// Registers a subscriber to finalized blocks.
    pub fn subscribe(&self, capacity: usize) -> mpsc::Receiver<FinalizedBlock> {
        let (tx, rx) = mpsc::channel(capacity);
        self.subscribers.lock().push(tx);
        rx
    }

    fn announce(&self, event: FinalizedBlock) {
        // A subscriber that cannot keep up is dropped rather than slowing the chain down.
        self.subscribers
            .lock()
            .retain_mut(|s| s.try_send(event.clone()).is_ok());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use citychain_crypto::{SecretKey, Suite};
    use citychain_mempool::MempoolConfig;
    use citychain_types::{
        Amount, ChainId, ChainParams, GenesisAccount, OrgId, Organization, Validator,
    };
    use commonware_parallel::Sequential;

    fn genesis() -> Genesis {
        let validator = SecretKey::insecure_from_label(Suite::Ed25519, "validator");
        let key = ValidatorKey(
            validator
                .public_key()
                .as_bytes()
                .try_into()
                .expect("32 bytes"),
        );
        Genesis {
            chain_id: ChainId::new("verify-once").expect("id"),
            suite: Suite::Ed25519,
            genesis_time_ms: TimestampMs(1_764_000_000_000),
            params: ChainParams::default(),
            validators: vec![Validator {
                name: "v0".into(),
                consensus_key: key,
            }],
            accounts: vec![GenesisAccount {
                address: validator.public_key().address(),
                balance: Amount(1_000),
            }],
            organizations: vec![Organization {
                id: OrgId::new("city").expect("id"),
                name: "The city".into(),
                admins: vec![validator.public_key().address()],
                validators: vec![key],
            }],
            members: vec![citychain_types::GenesisMember {
                account: validator.public_key().address(),
                org: OrgId::new("city").expect("id"),
                roles: citychain_types::Roles::ADMIN,
            }],
            policy: citychain_types::Policy::default(),
            thresholds: citychain_types::Thresholds::default(),
            epoch_blocks: citychain_types::DEFAULT_EPOCH_BLOCKS,
            contracts: Vec::new(),
        }
    }

    fn node(dir: &std::path::Path, genesis: &Genesis) -> (Arc<Chain<Sequential>>, Arc<Block>) {
        let (chain, genesis_block) = crate::wiring::open_chain(
            dir,
            genesis,
            MempoolConfig::default(),
            Sequential,
            Default::default(),
        )
        .expect("open");
        (chain, Arc::new(genesis_block.block().clone()))
    }

    #[test]
    fn a_block_is_executed_once_however_often_it_is_verified() {
        let genesis = genesis();
        let (dir_a, dir_b) = (
            tempfile::tempdir().expect("dir"),
            tempfile::tempdir().expect("dir"),
        );
        let (leader, parent) = node(dir_a.path(), &genesis);
        let (verifier, _) = node(dir_b.path(), &genesis);
        let proposer = genesis.validators[0].consensus_key;
        let now = genesis.genesis_time_ms.0 + 1_000;
        let built = leader
            .build(&parent, proposer, 0, 1, 0, now)
            .expect("build");

        // Four requests at once, and one more later: one execution, one answer.
        let results: Vec<Arc<Executed>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..4)
                .map(|_| s.spawn(|| verifier.verify(&built.block, &parent).expect("valid")))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("thread"))
                .collect()
        });
        let again = verifier.verify(&built.block, &parent).expect("valid");
        assert_eq!(verifier.executions(), 1);
        for r in results.iter().chain([&again]) {
            assert!(Arc::ptr_eq(r, &results[0]));
        }

        // An invalid block is rejected every time it is asked about, executed once.
        let mut bad = (*built.block).clone();
        bad.header.state_root = Hash([7; 32]);
        bad.header.view = 2;
        let bad = Arc::new(bad);
        for _ in 0..3 {
            match verifier.verify(&bad, &parent) {
                Err(VerifyError::Invalid(InvalidBlock::StateRoot { header, .. })) => {
                    assert_eq!(header, Hash([7; 32]))
                }
                other => panic!("expected a rejection, got {:?}", other.map(|_| ())),
            }
        }
        assert_eq!(verifier.executions(), 2);
    }
}
