//! Consensus epochs: which validators vote in each epoch, and one simplex engine per epoch.
//!
//! Epoch `e`'s validator set is in the state under `epoch_validators_key(e)`: the genesis wrote
//! epoch 0's, and the last block of epoch `e - 1` wrote epoch `e`'s (a copy of the set as
//! governance left it). So every node derives the same sets from the chain it has committed, and
//! a light client can prove them.
//!
//! The orchestrator runs the engine of the epoch after the committed head. When the finalizer
//! commits the last block of an epoch, the orchestrator stops that epoch's engine and starts the
//! next epoch's on the boundary block (simplex's genesis for the epoch). Votes, certificates and
//! consensus fetches travel on per-epoch subchannels of the same p2p channels, so a validator
//! removed from the set is simply not a participant of the new engine: its votes no longer count
//! and it follows the chain as a full node. A message from a later epoch tells a node it is
//! behind: it asks marshal for the finalization of its epoch's last block from that peer.

use super::{
    ConsensusBlock, ConsensusDigest, ConsensusKey, ConsensusSecret, Scheme, engine,
    guard::{self, FinalizedPast, RecordingSender, VoteRecord, VotingProblem},
};
use crate::app::ConsensusApp;
use citychain_execution::read;
use citychain_storage::ChainStore;
use citychain_types::Height;
use commonware_consensus::{
    marshal::{
        self,
        standard::{Deferred, Standard},
    },
    simplex::{self, elector::RoundRobin},
    types::{Epoch, Epocher, FixedEpocher, ViewDelta},
};
use commonware_cryptography::certificate::{Provider, Scoped};
use commonware_p2p::{
    Blocker, Receiver, Sender,
    utils::mux::{Builder as _, MuxHandle, Muxer},
};
use commonware_parallel::Strategy;
use commonware_runtime::{
    Clock, Handle, IoBuf, Metrics, Spawner, Storage, buffer::paged::CacheRef,
};
use commonware_utils::{NZDuration, NZUsize, ordered::Set, vec::NonEmptyVec};
use futures::{StreamExt, channel::mpsc};
use parking_lot::Mutex;
use rand_core::CryptoRng;
use std::{collections::BTreeMap, sync::Arc, time::Duration};
use tracing::{debug, error, info};

/// The validators of `epoch`, in the order consensus indexes them (sorted), once the chain has
/// committed the block that fixes them; `None` before.
pub fn epoch_participants(store: &ChainStore, epoch: u64) -> Option<Vec<ConsensusKey>> {
    // The latest committed state (a view at no version would be the empty pre-genesis state).
    let head = store.head()?;
    let state = citychain_state::StateView::committed(store.state().clone(), Some(head.height.0));
    let set = match read::epoch_validators(&state, epoch) {
        Ok(set) => set?,
        Err(e) => {
            error!(epoch, error = %e, "the stored validator set cannot be read");
            return None;
        }
    };
    let keys: Option<Vec<ConsensusKey>> = set
        .0
        .iter()
        .map(|v| super::consensus_key(&v.consensus_key))
        .collect();
    let Some(keys) = keys else {
        error!(epoch, "the stored validator set holds an invalid key");
        return None;
    };
    Some(Set::from_iter_dedup(keys).into_iter().collect())
}

/// Most schemes kept in memory (a syncing node walks epochs in order).
const CACHED_SCHEMES: usize = 16;

/// Each epoch's signing scheme, built from the state: signing for an epoch this node votes in,
/// verifying otherwise. Marshal uses it to check certificates of any epoch.
#[derive(Clone)]
pub struct EpochSchemes {
    namespace: Arc<[u8]>,
    signer: ConsensusSecret,
    store: Arc<ChainStore>,
    /// Test-only: every epoch uses this set, whatever the state says (the canary build).
    fixed: Option<Arc<Vec<ConsensusKey>>>,
    cache: Arc<Mutex<BTreeMap<u64, Arc<Scheme>>>>,
}

impl EpochSchemes {
    pub fn new(
        namespace: &[u8],
        signer: ConsensusSecret,
        store: Arc<ChainStore>,
        fixed: Option<Vec<ConsensusKey>>,
    ) -> Self {
        EpochSchemes {
            namespace: namespace.into(),
            signer,
            store,
            fixed: fixed.map(Arc::new),
            cache: Arc::default(),
        }
    }

    /// The participants of `epoch`, if known yet.
    pub fn participants(&self, epoch: u64) -> Option<Vec<ConsensusKey>> {
        match &self.fixed {
            Some(fixed) => Some(
                Set::from_iter_dedup(fixed.iter().cloned())
                    .into_iter()
                    .collect(),
            ),
            None => epoch_participants(&self.store, epoch),
        }
    }

    /// The scheme of `epoch`, if its set is known yet.
    pub fn get(&self, epoch: u64) -> Option<Arc<Scheme>> {
        if let Some(hit) = self.cache.lock().get(&epoch) {
            return Some(hit.clone());
        }
        let participants = Set::from_iter_dedup(self.participants(epoch)?);
        let scheme = Arc::new(
            Scheme::signer(&self.namespace, participants.clone(), self.signer.clone())
                .unwrap_or_else(|| Scheme::verifier(&self.namespace, participants)),
        );
        let mut cache = self.cache.lock();
        if cache.len() >= CACHED_SCHEMES
            && let Some(&oldest) = cache.keys().next()
        {
            cache.remove(&oldest);
        }
        cache.insert(epoch, scheme.clone());
        Some(scheme)
    }
}

impl Provider for EpochSchemes {
    type Scope = Epoch;
    type Scheme = Scheme;

    fn scoped(&self, epoch: Epoch) -> Option<Scoped<Scheme>> {
        self.get(epoch.get()).map(Scoped::scheme)
    }
}

/// What consensus needs of the runtime.
pub trait Runtime: Clock + CryptoRng + Spawner + Storage + Metrics + rand_core::Rng {}
impl<E: Clock + CryptoRng + Spawner + Storage + Metrics + rand_core::Rng> Runtime for E {}

/// Blocks misbehaving peers.
pub trait PeerBlocker: Blocker<PublicKey = ConsensusKey> + Clone {}
impl<B: Blocker<PublicKey = ConsensusKey> + Clone> PeerBlocker for B {}

/// Receives every consensus activity of every epoch (tests watch votes with it).
pub trait Monitor:
    commonware_consensus::Reporter<Activity = simplex::types::Activity<Scheme, ConsensusDigest>> + Clone
{
}
impl<M> Monitor for M where
    M: commonware_consensus::Reporter<Activity = simplex::types::Activity<Scheme, ConsensusDigest>>
        + Clone
{
}

/// Tells the p2p layer who an epoch's validators are: they become its primary peers (whose
/// blocks and votes are buffered and whose connections are kept), everyone else allowed stays
/// secondary. Called with increasing epochs.
pub trait PeerSets: Send + 'static {
    fn enter_epoch(&mut self, epoch: u64, validators: &[ConsensusKey]);
}

/// What the orchestrator needs to build each epoch's engine.
pub(super) struct EpochsConfig<B, T: Strategy, M, E: Runtime> {
    pub schemes: EpochSchemes,
    pub epocher: FixedEpocher,
    pub store: Arc<ChainStore>,
    pub genesis_digest: ConsensusDigest,
    pub marshal: marshal::core::Mailbox<Scheme, Standard<ConsensusBlock>>,
    pub application: Deferred<E, Scheme, ConsensusApp<T>, ConsensusBlock, FixedEpocher>,
    pub blocker: B,
    pub strategy: T,
    pub monitor: Option<M>,
    pub timeouts: engine::Timeouts,
    pub partition_prefix: String,
    pub page_cache: CacheRef,
    pub peer_sets: Box<dyn PeerSets>,
    /// Test-only misbehaviour: sign votes in epochs this node was voted out of.
    pub vote_when_removed: bool,
    /// The newest view this validator voted in, kept outside the journal.
    pub vote_record: VoteRecord,
    /// Why this validator does not vote (or stopped), for `/health` and the exit message.
    pub problem: VotingProblem,
}

/// The muxed consensus channels, one subchannel per epoch.
struct Subchannels<S: Sender> {
    votes: MuxHandle<S>,
    certificates: MuxHandle<S>,
    fetch: MuxHandle<S>,
    /// Votes and certificates for epochs without an engine here.
    votes_backup: commonware_utils::channel::mpsc::Receiver<(u64, (ConsensusKey, IoBuf))>,
    certificates_backup: commonware_utils::channel::mpsc::Receiver<(u64, (ConsensusKey, IoBuf))>,
}

struct Active {
    epoch: u64,
    handle: Handle<()>,
    /// The engine signs nothing until the network finalizes past this view: the journal lost
    /// this validator's votes up to it.
    abstains_through: Option<u64>,
}

/// Runs one simplex engine at a time, moving to the next epoch when its first block's parent
/// (the previous epoch's last block) is committed. Returns when an engine stops by itself or
/// the channels close.
pub(super) async fn run<E, B, T, M, S, R>(
    context: E,
    config: EpochsConfig<B, T, M, E>,
    (votes, certificates, fetch): ((S, R), (S, R), (S, R)),
    mut committed_boundaries: mpsc::UnboundedReceiver<u64>,
) where
    E: Runtime,
    B: PeerBlocker,
    T: Strategy,
    M: Monitor,
    S: Sender<PublicKey = ConsensusKey>,
    R: Receiver<PublicKey = ConsensusKey>,
{
    let mut channels = {
        let (mux, votes_handle, votes_backup) =
            Muxer::builder(context.child("votes_mux"), votes.0, votes.1)
                .with_backup()
                .build();
        mux.start();
        let (mux, certificates_handle, certificates_backup) = Muxer::builder(
            context.child("certificates_mux"),
            certificates.0,
            certificates.1,
        )
        .with_backup()
        .build();
        mux.start();
        let (mux, fetch_handle) = Muxer::new(context.child("fetch_mux"), fetch.0, fetch.1);
        mux.start();
        Subchannels {
            votes: votes_handle,
            certificates: certificates_handle,
            fetch: fetch_handle,
            votes_backup,
            certificates_backup,
        }
    };

    let (finalized_past, mut finalized_past_events) = mpsc::unbounded();
    let first = current_epoch(&config);
    let (mut config, active) = enter(
        &context,
        config,
        &mut channels,
        first,
        &finalized_past,
        None,
    )
    .await;
    let Some(mut active) = active else {
        return;
    };
    // Journals of stopped engines, removed once a later engine runs (an epoch that ended before
    // a restart included).
    let mut retired: Vec<u64> = first.checked_sub(1).into_iter().collect();
    loop {
        let event = futures::select_biased! {
            boundary = committed_boundaries.next() => match boundary {
                Some(_) => Event::Committed,
                None => Event::Closed("the finalizer stopped"),
            },
            message = futures::FutureExt::fuse(channels.votes_backup.recv()) => match message {
                Some((epoch, (from, _))) => Event::Unrouted { epoch, from },
                None => Event::Closed("the vote channel closed"),
            },
            message = futures::FutureExt::fuse(channels.certificates_backup.recv()) => match message {
                Some((epoch, (from, _))) => Event::Unrouted { epoch, from },
                None => Event::Closed("the certificate channel closed"),
            },
            view = finalized_past_events.next() => match view {
                Some(view) => Event::FinalizedPast(view),
                None => Event::Closed("the finality watch closed"),
            },
            stopped = futures::FutureExt::fuse(&mut active.handle) => {
                error!(epoch = active.epoch, result = ?stopped, "the consensus engine stopped");
                return;
            },
        };
        match event {
            Event::Closed(why) => {
                debug!(why, "stopping consensus");
                return;
            }
            Event::Committed => {
                let target = current_epoch(&config);
                if target <= active.epoch {
                    continue;
                }
                active.handle.abort();
                retired.push(active.epoch);
                let next;
                (config, next) = enter(
                    &context,
                    config,
                    &mut channels,
                    target,
                    &finalized_past,
                    None,
                )
                .await;
                let Some(next) = next else {
                    return;
                };
                active = next;
                // Engines stopped before the previous one have had an epoch to wind down.
                let keep = retired.len().saturating_sub(1);
                for epoch in retired.drain(..keep) {
                    let partition = journal_partition(&config.partition_prefix, epoch);
                    if let Err(e) = context.remove(&partition, None).await {
                        debug!(epoch, error = %e, "no consensus journal to remove");
                    }
                }
            }
            // A message from a later epoch: this node has not seen its epoch end. Ask the
            // sender for the finalization of the epoch's last block (marshal then fetches the
            // blocks, the finalizer commits them, and the next engine starts).
            Event::Unrouted { epoch, from } if epoch > active.epoch => {
                if let Some(last) = config.epocher.last(Epoch::new(active.epoch)) {
                    debug!(
                        their_epoch = epoch,
                        our_epoch = active.epoch,
                        "a peer is in a later epoch"
                    );
                    config.marshal.hint_finalized(last, NonEmptyVec::new(from));
                }
            }
            // Stragglers of an epoch that ended here.
            Event::Unrouted { .. } => {}
            // The network finalized past the views whose votes this validator lost: every one
            // of them is settled, so it can vote again. Restart the epoch's engine signing.
            Event::FinalizedPast(view) => {
                if active
                    .abstains_through
                    .is_none_or(|through| view <= through)
                {
                    continue;
                }
                info!(
                    epoch = active.epoch,
                    finalized_view = view,
                    "the network finalized past the views whose votes were lost: voting again"
                );
                active.handle.abort();
                let _ = (&mut active.handle).await;
                let next;
                (config, next) = enter(
                    &context,
                    config,
                    &mut channels,
                    active.epoch,
                    &finalized_past,
                    Some(view),
                )
                .await;
                let Some(next) = next else {
                    return;
                };
                active = next;
            }
        }
    }
}

/// What woke the orchestrator.
enum Event {
    /// The finalizer committed the last block of an epoch.
    Committed,
    /// A vote or certificate for an epoch without an engine here.
    Unrouted {
        epoch: u64,
        from: ConsensusKey,
    },
    /// The network finalized this view (reported only while the engine abstains).
    FinalizedPast(u64),
    Closed(&'static str),
}

/// The storage partition of `epoch`'s consensus journal.
pub fn journal_partition(prefix: &str, epoch: u64) -> String {
    format!("{prefix}-simplex-epoch-{epoch}")
}

/// The epoch of the block after the committed head.
fn current_epoch<B, T: Strategy, M, E: Runtime>(config: &EpochsConfig<B, T, M, E>) -> u64 {
    let next = config.store.head().map_or(0, |h| h.height.0 + 1);
    config
        .epocher
        .containing(commonware_consensus::types::Height::new(next))
        .map_or(0, |info| info.epoch().get())
}

type Subchannel<S> = (
    commonware_p2p::utils::mux::SubSender<S>,
    commonware_p2p::utils::mux::SubReceiver<ConsensusKey>,
);

/// Opens `epoch`'s subchannels (votes, certificates, fetches).
async fn register<S: Sender<PublicKey = ConsensusKey>>(
    channels: &mut Subchannels<S>,
    epoch: u64,
) -> Option<(Subchannel<S>, Subchannel<S>, Subchannel<S>)> {
    Some((
        channels.votes.register(epoch).await.ok()?,
        channels.certificates.register(epoch).await.ok()?,
        channels.fetch.register(epoch).await.ok()?,
    ))
}

/// Opens `epoch`'s subchannels and starts its engine on them. `finalized` is a view the network
/// is known to have finalized in `epoch` (when restarting an engine that abstained).
async fn enter<
    E: Runtime,
    B: PeerBlocker,
    T: Strategy,
    M: Monitor,
    S: Sender<PublicKey = ConsensusKey>,
>(
    context: &E,
    config: EpochsConfig<B, T, M, E>,
    channels: &mut Subchannels<S>,
    epoch: u64,
    finalized_past: &mpsc::UnboundedSender<u64>,
    finalized: Option<u64>,
) -> (EpochsConfig<B, T, M, E>, Option<Active>) {
    // An engine just stopped for the same epoch releases its subchannels as its tasks wind down.
    let mut subchannels = None;
    for _ in 0..REGISTER_ATTEMPTS {
        subchannels = register(channels, epoch).await;
        if subchannels.is_some() || finalized.is_none() {
            break;
        }
        context.sleep(Duration::from_millis(10)).await;
    }
    let Some(subchannels) = subchannels else {
        debug!(epoch, "the consensus channels closed");
        return (config, None);
    };
    let mut config = config;
    let active = start_engine(
        context,
        &mut config,
        subchannels,
        epoch,
        finalized_past,
        finalized,
    )
    .await;
    (config, active)
}

/// Tries to open an epoch's subchannels again while a stopped engine of that epoch lets go.
const REGISTER_ATTEMPTS: usize = 500;

/// Starts the engine of `epoch`: signing if this node is one of its validators and its journal
/// kept its votes (or the network finalized past the lost ones), verifying otherwise.
async fn start_engine<
    E: Runtime,
    B: PeerBlocker,
    T: Strategy,
    M: Monitor,
    S: Sender<PublicKey = ConsensusKey>,
>(
    context: &E,
    config: &mut EpochsConfig<B, T, M, E>,
    (votes, certificates, fetch): (Subchannel<S>, Subchannel<S>, Subchannel<S>),
    epoch: u64,
    finalized_past: &mpsc::UnboundedSender<u64>,
    finalized: Option<u64>,
) -> Option<Active> {
    let (Some(mut scheme), Some(participants)) = (
        config.schemes.get(epoch),
        config.schemes.participants(epoch),
    ) else {
        error!(
            epoch,
            "the validator set of the epoch is not in the committed state"
        );
        return None;
    };
    config.peer_sets.enter_epoch(epoch, &participants);
    let me = commonware_cryptography::Signer::public_key(&config.schemes.signer);
    if config.vote_when_removed && !participants.contains(&me) {
        let mut claimed = participants.clone();
        claimed.push(me.clone());
        scheme = Arc::new(
            Scheme::signer(
                &config.schemes.namespace,
                Set::from_iter_dedup(claimed),
                config.schemes.signer.clone(),
            )
            .expect("a member of its own set"),
        );
    }
    // The epoch starts on the previous epoch's last block (genesis for epoch 0).
    let floor = match epoch.checked_sub(1) {
        None => config.genesis_digest,
        Some(previous) => {
            let last = config.epocher.last(Epoch::new(previous)).map(|h| h.get())?;
            match config.store.block(Height(last)) {
                Ok(Some(block)) => super::digest_of(block.hash()),
                other => {
                    error!(epoch, height = last, result = ?other.map(|_| ()), "the epoch's first parent is not committed");
                    return None;
                }
            }
        }
    };
    // Start from the newest finalization of the epoch marshal holds, if any: the journal
    // holds the same or a later one when intact, and without it (lost, or removed with the
    // votes) the engine must still not propose over blocks already final.
    let marshal = config.marshal.clone();
    let floor = match newest_finalization(&marshal, epoch).await {
        Some(finalization) => simplex::Floor::Finalized(finalization),
        None => simplex::Floor::Genesis(floor),
    };
    let abstains_through = if participants.contains(&me) && !config.vote_when_removed {
        let mut checked = Err(String::new());
        // Restarting the epoch's engine, the stopped one may still hold its journal open.
        let attempts = if finalized.is_some() {
            REGISTER_ATTEMPTS
        } else {
            1
        };
        for _ in 0..attempts {
            checked = abstain_through(
                context,
                journal_partition(&config.partition_prefix, epoch),
                config.page_cache.clone(),
                &config.vote_record,
                &scheme,
                epoch,
                &participants,
                finalized,
            )
            .await;
            if checked.is_ok() {
                break;
            }
            context.sleep(Duration::from_millis(10)).await;
        }
        match checked {
            Ok(None) => {
                config.problem.set(None);
                None
            }
            Ok(Some((view, why))) => {
                config.problem.set(Some(why));
                scheme = Arc::new(Scheme::verifier(
                    &config.schemes.namespace,
                    Set::from_iter_dedup(participants.clone()),
                ));
                Some(view)
            }
            Err(fatal) => {
                error!(epoch, "{fatal}");
                config.problem.set(Some(fatal));
                return None;
            }
        }
    } else {
        None
    };
    let watch = abstains_through.map(|view| FinalizedPast {
        view,
        notify: finalized_past.clone(),
    });
    let votes = (
        RecordingSender {
            inner: votes.0,
            epoch,
            record: config.vote_record.clone(),
        },
        votes.1,
    );
    let timeouts = &config.timeouts;
    let engine = simplex::Engine::new(
        context.child("simplex").with_attribute("epoch", epoch),
        simplex::Config {
            scheme: (*scheme).clone(),
            elector: RoundRobin::<commonware_cryptography::Sha256>::default(),
            blocker: config.blocker.clone(),
            automaton: config.application.clone(),
            relay: config.application.clone(),
            reporter: commonware_consensus::Reporters::<_, FinalizedPast>::from((
                commonware_consensus::Reporters::<_, M>::from((
                    config.application.clone(),
                    config.monitor.clone(),
                )),
                watch,
            )),
            track_historical_votes: false,
            strategy: config.strategy.clone(),
            partition: journal_partition(&config.partition_prefix, epoch),
            mailbox_size: NZUsize!(16_384),
            epoch: Epoch::new(epoch),
            floor,
            replay_buffer: NZUsize!(8 << 20),
            write_buffer: NZUsize!(1 << 20),
            page_cache: config.page_cache.clone(),
            leader_timeout: timeouts.leader,
            certification_timeout: timeouts.certification,
            timeout_retry: timeouts.timeout_retry,
            view_retention: ViewDelta::new(256),
            skip: simplex::SkipPolicy::Enabled {
                timeout: timeouts.certification + Duration::from_secs(5),
                budget: simplex::SkipBudget::Participants,
            },
            fetch_timeout: NZDuration!(timeouts.fetch),
            fetch_retry_delay: Duration::from_millis(200),
            forward: simplex::ForwardPolicy::SilentLeader,
        },
    );
    let handle = engine.start(votes, certificates, fetch);
    let voting = participants.contains(&me) && abstains_through.is_none();
    info!(epoch, validators = participants.len(), voting, node = %super::validator_key(&me), "entered epoch");
    Some(Active {
        epoch,
        handle,
        abstains_through,
    })
}

/// The newest finalization marshal holds, if it is of `epoch` (and past its first view).
async fn newest_finalization(
    marshal: &marshal::core::Mailbox<Scheme, Standard<ConsensusBlock>>,
    epoch: u64,
) -> Option<super::Finalization> {
    let (height, _) = marshal.get_info(marshal::Identifier::Latest).await?;
    let finalization = marshal.get_finalization(height).await?;
    (commonware_consensus::Epochable::epoch(&finalization).get() == epoch
        && !commonware_consensus::Viewable::view(&finalization).is_zero())
    .then_some(finalization)
}

/// Whether this validator must abstain in `epoch`, through which view and why: `Some` when the
/// journal lost votes up to a view the network has not finalized past (`finalized`).
/// An error when the others cannot make progress without it: stopping, with the reason, beats
/// a validator that silently never votes.
#[allow(clippy::too_many_arguments)]
async fn abstain_through<E: Runtime>(
    context: &E,
    partition: String,
    page_cache: CacheRef,
    vote_record: &VoteRecord,
    scheme: &Scheme,
    epoch: u64,
    participants: &[ConsensusKey],
    finalized: Option<u64>,
) -> Result<Option<(u64, String)>, String> {
    let journaled = guard::newest_journaled_vote(
        context.child("vote_check"),
        &partition,
        scheme,
        page_cache,
        NZUsize!(1 << 20),
    )
    .await?;
    let record = vote_record.newest();
    let Some(through) = guard::lost_votes(record, epoch, journaled) else {
        return Ok(None);
    };
    if finalized.is_some_and(|view| view > through) {
        return Ok(None);
    }
    let lost = format!(
        "the consensus journal {partition} lost this validator's votes of epoch {epoch}: the \
         vote record says it voted up to view {through}, the journal keeps {}. Voting again \
         in those views could sign two conflicting votes",
        journaled.map_or("none".to_string(), |v| format!("votes up to view {v}")),
    );
    let others = participants.len() - 1;
    let quorum = <commonware_utils::N3f1 as commonware_utils::Faults>::quorum(participants.len());
    if (others as u32) < quorum {
        return Err(format!(
            "{lost}, and the other {others} validator(s) of the epoch cannot finalize without \
             this one, so the chain cannot go on. Restore the consensus directory from a \
             backup taken with the chain; only if no copy of this validator's votes can be \
             presented by anyone (a development chain), remove the vote record ({}) and \
             start again",
            vote_record.path().display()
        ));
    }
    let why = format!(
        "{lost}; it signs nothing until the network finalizes a view past {through}, then votes again"
    );
    error!(epoch, "{why}");
    Ok(Some(why).map(|why| (through, why)))
}
