//! Wires commonware's consensus stack around the citychain application.
//!
//! ```text
//!   p2p ─ votes, certificates, fetches ─▶ epochs ─▶ simplex (the epoch's) ─▶ Deferred(ConsensusApp) ─▶ marshal
//!   p2p ─ block gossip ─────────────────▶ buffered ───────────────────────────────────────▶ marshal
//!   p2p ─ block backfill ───────────────▶ resolver ───────────────────────────────────────▶ marshal
//!   marshal ─ finalized blocks ─▶ Finalizer ─ an epoch's last block committed ─▶ epochs
//! ```
//!
//! Simplex orders blocks and produces finality certificates; the `Deferred` wrapper lets a
//! validator vote once a block is available and its context checks out, and withholds the
//! finalize vote until the application has executed it; marshal stores finalized blocks and
//! certificates, fetches what is missing from peers, and delivers blocks to the
//! [`Finalizer`](crate::app::Finalizer) in height order, at least once. The epoch orchestrator
//! ([`epochs`]) runs one simplex engine per epoch with the validator set the state records.

use super::{
    ConsensusBlock, ConsensusKey, ConsensusSecret, Scheme,
    epochs::{self, EpochSchemes, EpochsConfig, Monitor, PeerBlocker, PeerSets, Runtime},
    guard::{VoteRecord, VotingProblem},
};
use crate::{
    Error,
    app::{Chain, ConsensusApp, Finalizer},
};
use commonware_broadcast::buffered;
use commonware_consensus::{
    marshal::{
        self,
        core::Actor as Marshal,
        resolver::p2p as marshal_resolver,
        standard::{Deferred, Standard},
    },
    simplex,
    types::{FixedEpocher, ViewDelta},
};
use commonware_cryptography::{Digested, certificate::Verifier as _};
use commonware_p2p::{Provider, Receiver, Sender};
use commonware_parallel::Strategy;
use commonware_runtime::{Handle, buffer::paged::CacheRef};
use commonware_storage::archive::immutable;
use commonware_utils::{NZDuration, NZU16, NZU64, NZUsize};
use futures::channel::mpsc;
use std::{num::NonZeroU64, sync::Arc, time::Duration};

/// Timing and sizing of consensus.
#[derive(Clone, Debug)]
pub struct Timeouts {
    pub leader: Duration,
    pub certification: Duration,
    pub timeout_retry: Duration,
    pub fetch: Duration,
}

impl Timeouts {
    /// Timeouts for a chain whose empty blocks come every `empty_block_interval`: a leader
    /// waiting for transactions must not be mistaken for a dead one.
    pub fn for_interval(empty_block_interval: Duration) -> Self {
        let leader = empty_block_interval + Duration::from_millis(1_000);
        Timeouts {
            leader,
            certification: leader + Duration::from_millis(1_000),
            timeout_retry: Duration::from_secs(5),
            fetch: Duration::from_secs(2),
        }
    }
}

/// What the engine needs besides the network.
pub struct EngineConfig<P, B, T, M> {
    pub signer: ConsensusSecret,
    /// Test-only deliberate misbehaviour; `None` in production.
    pub misbehaviour: Option<Misbehaviour>,
    /// Separates this chain's votes from any other's (derived from the genesis hash).
    pub namespace: Vec<u8>,
    /// Prefix of the storage partitions consensus and marshal use.
    pub partition_prefix: String,
    pub timeouts: Timeouts,
    pub peer_provider: P,
    pub blocker: B,
    /// Where certificate and signature checks run (a thread pool, or inline in simulation).
    pub strategy: T,
    /// Also receives every consensus activity (votes, certificates), e.g. to check for
    /// conflicting votes in tests.
    pub monitor: Option<M>,
    /// Makes each epoch's validators the p2p layer's primary peers.
    pub peer_sets: Box<dyn PeerSets>,
    /// The newest view this validator voted in, kept outside consensus storage.
    pub vote_record: VoteRecord,
    /// Set when this validator abstains or consensus stopped, with the reason.
    pub problem: VotingProblem,
    /// Where consensus storage lives, for messages (a directory, or a simulated partition).
    pub storage_location: String,
}

/// Deliberately broken behaviours, for the simulation's adversarial scenarios.
#[derive(Clone, Debug)]
pub enum Misbehaviour {
    /// Every epoch runs with this validator set, whatever the state says (the canary build,
    /// whose halves each believe they are the whole set).
    FixedValidators(Vec<ConsensusKey>),
    /// Once voted out, keep signing votes as if still a validator.
    VoteWhenRemoved,
}

/// A monitor that ignores everything (the production default).
#[derive(Clone, Debug, Default)]
pub struct NoMonitor;

impl commonware_consensus::Reporter for NoMonitor {
    type Activity = simplex::types::Activity<Scheme, super::ConsensusDigest>;

    fn report(&mut self, _: Self::Activity) -> commonware_actor::Feedback {
        commonware_actor::Feedback::Ok
    }
}

/// The five p2p channels consensus uses, as (sender, receiver) pairs.
pub struct Channels<S, R> {
    pub votes: (S, R),
    pub certificates: (S, R),
    pub consensus_fetch: (S, R),
    pub blocks: (S, R),
    pub backfill: (S, R),
}

/// Channel numbers on the p2p network.
pub mod channel {
    pub const VOTES: u64 = 0;
    pub const CERTIFICATES: u64 = 1;
    pub const CONSENSUS_FETCH: u64 = 2;
    pub const BLOCKS: u64 = 3;
    pub const BACKFILL: u64 = 4;
    /// Transactions relayed between mempools (not consensus; see `relay`).
    pub const TRANSACTIONS: u64 = 5;
}

/// Handles to a running engine.
pub struct Running {
    /// Finishes when any consensus actor stops.
    pub handles: Vec<Handle<()>>,
    /// For RPC: finality certificates and blocks marshal holds.
    pub marshal: marshal::core::Mailbox<Scheme, Standard<ConsensusBlock>>,
}

/// Builds and starts marshal, block gossip, backfill and the epoch orchestrator (which runs
/// simplex). `committed_boundaries` carries the heights of epochs' last blocks as the finalizer
/// commits them.
#[allow(clippy::too_many_arguments)]
pub async fn start<E, P, B, S, R, T, M>(
    context: E,
    config: EngineConfig<P, B, T, M>,
    chain: Arc<Chain<T>>,
    finalizer: Finalizer,
    genesis: ConsensusBlock,
    channels: Channels<S, R>,
    committed_boundaries: mpsc::UnboundedReceiver<u64>,
) -> crate::Result<Running>
where
    E: Runtime,
    P: Provider<PublicKey = ConsensusKey> + Clone,
    B: PeerBlocker,
    S: Sender<PublicKey = ConsensusKey>,
    R: Receiver<PublicKey = ConsensusKey>,
    T: Strategy,
    M: Monitor,
{
    let me = commonware_cryptography::Signer::public_key(&config.signer);
    let schemes = EpochSchemes::new(
        &config.namespace,
        config.signer.clone(),
        chain.store.clone(),
        match &config.misbehaviour {
            Some(Misbehaviour::FixedValidators(set)) => Some(set.clone()),
            _ => None,
        },
    );
    let strategy = config.strategy.clone();
    let page_cache = CacheRef::new(NZU16!(4096), NZUsize!(4096));
    let prefix = config.partition_prefix.clone();
    let mailbox_size = NZUsize!(16_384);

    // Block gossip.
    let (buffer_engine, buffer) = buffered::Engine::new(
        context.child("blocks"),
        buffered::Config {
            public_key: me.clone(),
            mailbox_size,
            deque_size: 64,
            priority: false,
            codec_config: (),
            peer_provider: config.peer_provider.clone(),
            strategy: strategy.clone(),
        },
    );

    // Backfill of missing finalized blocks.
    let resolver = marshal_resolver::init(
        context.child("backfill"),
        marshal_resolver::Config {
            public_key: me.clone(),
            peer_provider: config.peer_provider.clone(),
            blocker: config.blocker.clone(),
            mailbox_size,
            fetch_timeout: NZDuration!(Duration::from_secs(2)),
            fetch_retry_delay: Duration::from_millis(200),
            priority_requests: false,
            priority_responses: false,
        },
        channels.backfill,
    );

    // Marshal's archives of finalized blocks and certificates.
    fn archive<C>(
        prefix: &str,
        name: &str,
        page_cache: &CacheRef,
        codec_config: C,
    ) -> immutable::Config<C> {
        immutable::Config {
            metadata_partition: format!("{prefix}-{name}-metadata"),
            freezer_table_partition: format!("{prefix}-{name}-freezer-table"),
            freezer_table_initial_size: 65_536,
            freezer_table_resize_frequency: 4,
            freezer_table_resize_chunk_size: 1 << 16,
            freezer_key_partition: format!("{prefix}-{name}-freezer-key"),
            freezer_key_page_cache: page_cache.clone(),
            freezer_value_partition: format!("{prefix}-{name}-freezer-value"),
            freezer_value_target_size: 1 << 30,
            freezer_value_compression: None,
            ordinal_partition: format!("{prefix}-{name}-ordinal"),
            items_per_section: NZU64!(65_536),
            freezer_key_write_buffer: NZUsize!(1 << 20),
            freezer_value_write_buffer: NZUsize!(1 << 20),
            ordinal_write_buffer: NZUsize!(1 << 20),
            replay_buffer: NZUsize!(8 << 20),
            codec_config,
        }
    }
    let finalizations = immutable::Archive::init(
        context.child("finalizations"),
        archive(
            &prefix,
            "finalizations",
            &page_cache,
            Scheme::certificate_codec_config_unbounded(),
        ),
    )
    .await
    .map_err(|e| Error::Storage(format!("cannot open the finalization archive: {e}")))?;
    let blocks = immutable::Archive::init(
        context.child("finalized_blocks"),
        archive(&prefix, "finalized-blocks", &page_cache, ()),
    )
    .await
    .map_err(|e| Error::Storage(format!("cannot open the block archive: {e}")))?;

    let epocher = FixedEpocher::new(
        NonZeroU64::new(chain.genesis.epoch_blocks)
            .ok_or_else(|| Error::InvalidGenesis("the genesis sets no epoch length".into()))?,
    );
    let genesis_digest = commonware_cryptography::Digestible::digest(&genesis);
    let (marshal_actor, marshal, _floor) = Marshal::init(
        context.child("marshal"),
        finalizations,
        blocks,
        marshal::Config {
            provider: schemes.clone(),
            epocher: epocher.clone(),
            start: marshal::Start::Genesis(Digested::precomputed(genesis, genesis_digest)),
            partition_prefix: format!("{prefix}-marshal"),
            mailbox_size,
            view_retention: ViewDelta::new(1_024),
            prunable_items_per_section: NZU64!(4_096),
            page_cache: page_cache.clone(),
            replay_buffer: NZUsize!(8 << 20),
            key_write_buffer: NZUsize!(1 << 20),
            value_write_buffer: NZUsize!(1 << 20),
            block_codec_config: (),
            max_repair: NZUsize!(64),
            max_pending_acks: NZUsize!(16),
            strategy: strategy.clone(),
        },
    )
    .await;

    let application = Deferred::new(
        context.child("application"),
        ConsensusApp::new(chain.clone()),
        marshal.clone(),
        epocher.clone(),
    );
    let epochs = EpochsConfig {
        schemes,
        epocher,
        store: chain.store.clone(),
        genesis_digest,
        marshal: marshal.clone(),
        application,
        blocker: config.blocker.clone(),
        strategy,
        monitor: config.monitor,
        timeouts: config.timeouts,
        partition_prefix: prefix,
        page_cache,
        peer_sets: config.peer_sets,
        vote_when_removed: matches!(config.misbehaviour, Some(Misbehaviour::VoteWhenRemoved)),
        vote_record: config.vote_record,
        problem: config.problem,
    };

    // Marshal first, so consensus' replayed events find it running.
    let mut handles = vec![buffer_engine.start(channels.blocks)];
    handles.push(marshal_actor.start(finalizer, buffer, resolver));
    if let Err(e) = check_consensus_records(&chain, &marshal, &config.storage_location).await {
        for handle in &handles {
            handle.abort();
        }
        return Err(Error::ConsensusRecords(e));
    }
    let consensus_channels = (
        channels.votes,
        channels.certificates,
        channels.consensus_fetch,
    );
    handles.push(context.child("epochs").spawn(move |context| {
        epochs::run(context, epochs, consensus_channels, committed_boundaries)
    }));
    Ok(Running { handles, marshal })
}

/// Consensus storage must know every block the chain store committed: marshal archives each
/// finalized block before the chain commits it. If it does not (its directory was removed or
/// replaced), marshal would ask peers for the whole chain again, and simplex would restart the
/// epoch from its first view, proposing over blocks already final: refuse to start instead.
async fn check_consensus_records<T: Strategy>(
    chain: &Chain<T>,
    marshal: &marshal::core::Mailbox<Scheme, Standard<ConsensusBlock>>,
    storage: &str,
) -> Result<(), String> {
    let Some(head) = chain.store.head() else {
        return Ok(());
    };
    if head.height.0 == 0 {
        return Ok(());
    }
    let known = marshal
        .get_info(commonware_consensus::types::Height::new(head.height.0))
        .await;
    match known {
        Some((_, digest)) if digest == super::digest_of(head.hash) => Ok(()),
        Some((_, digest)) => Err(format!(
            "consensus storage ({storage}) holds block {} at height {}, but the chain store \
             committed {} there: the two belong to different chains. Put back the consensus \
             directory that belongs to this chain, or move both away and let the node sync \
             from its peers",
            super::hash_of(&digest),
            head.height,
            head.hash
        )),
        None => {
            let finalized = marshal
                .get_info(marshal::Identifier::Latest)
                .await
                .map_or(0, |(h, _)| h.get());
            Err(format!(
                "consensus storage ({storage}) knows finalized blocks only up to height \
                 {finalized}, but the chain store committed up to {}: consensus records were \
                 removed or replaced. They hold this validator's votes and the finality \
                 certificates, which the block log cannot rebuild, and a validator voting \
                 without them could sign twice. Restore the consensus directory from a backup \
                 taken with the chain; or move the chain and consensus directories away (keep \
                 the vote record) and start again, and the node syncs the chain from its \
                 peers (a chain of one validator has none: start it on an empty data \
                 directory). The chain store is unchanged",
                head.height
            ))
        }
    }
}
