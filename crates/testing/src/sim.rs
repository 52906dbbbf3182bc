//! Running a [`Scenario`] on commonware's deterministic runtime and simulated network.
//!
//! Every node is the production node (`citychain_node::assemble`): the same application,
//! consensus wiring, finalizer, storage and relay; only the runtime (seeded, single-threaded,
//! simulated time), the network (simulated links) and the thread pool (inline) differ. Each node
//! keeps its chain store in its own directory, so a crash and restart reopens real storage.
//!
//! 1. Build keys and a genesis from the seed; start the simulated network and every node.
//! 2. Drive the load and apply the scheduled faults until `duration`.
//! 3. Heal the network and restart crashed nodes; let it settle.
//! 4. Read every node's committed chain and return the observations.

use crate::{
    check::{NodeChain, Observations},
    scenario::{Fault, Scenario},
};
use citychain_crypto::{Address, Hash, SecretKey, Suite};
use citychain_mempool::MempoolConfig;
use citychain_node::{
    app::Chain,
    assemble,
    consensus::{
        self, ConsensusDigest, ConsensusKey, ConsensusSecret, Scheme,
        engine::{Channels, EngineConfig, Misbehaviour, Timeouts, channel},
        epochs::{self, EpochSchemes},
        guard::{VOTE_RECORD_FILE, VoteRecord, VotingProblem},
    },
    relay::RelayHandle,
};
use citychain_storage::{CommitPoint, StoreOptions};
use citychain_types::{
    Amount, ChainId, ChainParams, Encode, Gas, Genesis, GenesisAccount, GenesisMember, GovAction,
    GovTx, Height, Nonce, OrgId, Organization, Payload, Roles, TimestampMs, Transaction, Validator,
};
use commonware_actor::Feedback;
use commonware_consensus::{Reporter, simplex::types::Activity};
use commonware_cryptography::Signer as _;
use commonware_p2p::{
    Receiver, Recipients, Sender,
    simulated::{self, Link, Network, Oracle, SplitOrigin, SplitTarget},
};
use commonware_parallel::Sequential;
use commonware_runtime::{
    Clock, Handle, IoBuf, Quota, Runner as _, Spawner, Supervisor as _, deterministic,
};
use commonware_utils::{NZU32, NZUsize};
use parking_lot::Mutex;
use std::{
    collections::{BTreeMap, BTreeSet, HashMap},
    path::PathBuf,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, UNIX_EPOCH},
};
use tracing::{debug, info};

/// Simulated wall-clock time at which every run starts (and the chain's genesis time).
const START_MS: u64 = 1_767_225_600_000; // 2026-01-01T00:00:00Z

type Ctx = deterministic::Context;
type Marshal = commonware_consensus::marshal::core::Mailbox<
    Scheme,
    commonware_consensus::marshal::standard::Standard<consensus::ConsensusBlock>,
>;
type SimOracle = Oracle<ConsensusKey, Ctx>;

/// Which half of a twin pair an instance is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Side {
    Primary,
    Secondary,
}

/// One node instance: a validator, or half of a twin.
struct Slot {
    label: String,
    validator: usize,
    side: Option<Side>,
    dir: PathBuf,
    running: Option<Running>,
    /// A commit crash armed by the schedule, consumed by the next commit.
    commit_crash: Arc<Mutex<Option<CommitPoint>>>,
    skew_ms: i64,
    /// Started at least once (a full node waits for its joining time).
    started: bool,
}

struct Running {
    chain: Arc<Chain<Sequential>>,
    relay: RelayHandle,
    marshal: Marshal,
    root: Handle<()>,
    /// Set when the node stopped by itself (a commit crash).
    stopped: Arc<AtomicBool>,
}

/// Votes seen by every node's consensus, to catch an honest validator signing twice.
#[derive(Clone, Default)]
struct VoteBook {
    votes: Arc<Mutex<BTreeMap<VoteSlot, ConsensusDigest>>>,
    conflicts: Arc<Mutex<BTreeSet<VoteSlot>>>,
    byzantine: Arc<BTreeSet<ConsensusKey>>,
    /// Per epoch, whose votes the consensus of nodes that follow governance accepted.
    voters: Arc<Mutex<BTreeMap<u64, BTreeSet<ConsensusKey>>>>,
    /// Validators whose journal a fault damaged, with the views of an epoch they voted in
    /// before (their vote record): they must not vote in any of those again.
    lost: Arc<Mutex<Vec<LostVotes>>>,
}

/// A validator restarted without the votes it had signed in `epoch` up to view `through`.
#[derive(Clone, Debug)]
struct LostVotes {
    key: ConsensusKey,
    epoch: u64,
    through: u64,
    /// Armed when the node restarts (votes sent before the damage may still be in flight).
    armed: bool,
    /// Votes it signed again in those views (must stay empty).
    revotes: BTreeSet<(&'static str, u64)>,
    /// The newest (epoch, view) past the lost ones it voted in after restarting.
    voted_after: Option<(u64, u64)>,
}

/// Who voted for what, and where: (validator, vote kind, epoch, view).
type VoteSlot = (ConsensusKey, &'static str, u64, u64);

/// One node's view into the vote book: it resolves signer indices with the validator set of
/// each vote's epoch, as its consensus does.
#[derive(Clone)]
struct NodeVotes {
    book: VoteBook,
    schemes: EpochSchemes,
}

impl VoteBook {
    /// Notes a vote against the views whose votes a validator lost.
    fn check_lost(&self, key: &ConsensusKey, kind: &'static str, epoch: u64, view: u64) {
        for lost in self.lost.lock().iter_mut() {
            if !lost.armed || lost.key != *key {
                continue;
            }
            if (epoch, view) <= (lost.epoch, lost.through) {
                if epoch == lost.epoch {
                    lost.revotes.insert((kind, view));
                }
            } else {
                lost.voted_after = lost.voted_after.max(Some((epoch, view)));
            }
        }
    }

    fn record(&self, slot: VoteSlot, payload: ConsensusDigest) {
        if self.byzantine.contains(&slot.0) {
            return;
        }
        let mut votes = self.votes.lock();
        match votes.get(&slot) {
            Some(previous) if *previous != payload => {
                self.conflicts.lock().insert(slot);
            }
            Some(_) => {}
            None => {
                votes.insert(slot, payload);
            }
        }
    }
}

impl Reporter for NodeVotes {
    type Activity = Activity<Scheme, ConsensusDigest>;

    fn report(&mut self, activity: Self::Activity) -> Feedback {
        let (signer, kind, round, payload) = match &activity {
            Activity::Notarize(n) => (
                n.attestation.signer.get(),
                "notarize",
                n.proposal.round,
                n.proposal.payload,
            ),
            Activity::Finalize(f) => (
                f.attestation.signer.get(),
                "finalize",
                f.proposal.round,
                f.proposal.payload,
            ),
            Activity::Nullify(n) => {
                let epoch = n.round.epoch().get();
                if let Some(key) = self
                    .schemes
                    .participants(epoch)
                    .and_then(|p| p.get(n.attestation.signer.get() as usize).cloned())
                {
                    self.book
                        .check_lost(&key, "nullify", epoch, n.round.view().get());
                }
                return Feedback::Ok;
            }
            _ => return Feedback::Ok,
        };
        let epoch = round.epoch().get();
        if let Some(key) = self
            .schemes
            .participants(epoch)
            .and_then(|p| p.get(signer as usize).cloned())
        {
            self.book
                .voters
                .lock()
                .entry(epoch)
                .or_default()
                .insert(key.clone());
            self.book.check_lost(&key, kind, epoch, round.view().get());
            self.book
                .record((key, kind, epoch, round.view().get()), payload);
        }
        Feedback::Ok
    }
}

/// What every node shares.
struct World {
    scenario: Scenario,
    genesis: Genesis,
    keys: Vec<ConsensusSecret>,
    root_dir: tempfile::TempDir,
    oracle: SimOracle,
    votes: VoteBook,
    /// Twin routing: which validators each half of a twin talks to.
    twin_groups: (BTreeSet<usize>, BTreeSet<usize>),
    /// Messages from the liar that reached the full node corrupted.
    corrupted: Arc<std::sync::atomic::AtomicUsize>,
    /// The consortium admin's governance transactions.
    governance: Mutex<Governance>,
}

/// The admin of the simulated consortium (one organization, `city`, owning every validator).
#[derive(Default)]
struct Governance {
    nonce: u64,
    next_proposal: u64,
    /// Signed and not yet seen committed: resubmitted with the load until they are.
    unconfirmed: Vec<(Vec<u8>, Hash)>,
}

fn admin_key(scenario: &Scenario) -> SecretKey {
    SecretKey::insecure_from_label(scenario.suite, &format!("sim {} admin", scenario.seed))
}

/// Proposes `action` as the admin and approves it (one organization: one vote decides).
fn govern(world: &World, action: GovAction) {
    let key = admin_key(&world.scenario);
    let mut g = world.governance.lock();
    let id = g.next_proposal;
    g.next_proposal += 1;
    let deadline = TimestampMs(START_MS + 24 * 3600 * 1000);
    let ops = [
        GovTx::Propose {
            title: format!("sim: {}", action.kind()),
            action,
            deadline_ms: deadline,
        },
        GovTx::Vote {
            proposal: id,
            approve: true,
        },
    ];
    for op in ops {
        let tx = Transaction {
            chain_id: world.genesis.chain_id.clone(),
            sender: key.public_key(),
            nonce: Nonce(g.nonce),
            gas_limit: Gas(1_000_000),
            payload: Payload::Governance { op },
        }
        .sign(&key);
        g.nonce += 1;
        g.unconfirmed.push((tx.encode(), tx.hash()));
    }
}

fn derive_secret(seed: u64, what: &str) -> [u8; 32] {
    Suite::Ed25519
        .hash(format!("citychain-sim {seed} {what}").as_bytes())
        .0
}

fn link_of(s: &Scenario) -> Link {
    Link {
        latency: s.link.latency,
        jitter: s.link.jitter,
        success_rate: commonware_utils::Probability::from_f64(s.link.delivery.clamp(0.0, 1.0))
            .expect("a probability"),
    }
}

/// Runs the scenario and returns what it observed.
pub fn run(scenario: &Scenario) -> Observations {
    let cfg = deterministic::Config::new()
        .with_seed(scenario.seed)
        .with_start_time(UNIX_EPOCH + Duration::from_millis(START_MS))
        .with_timeout(Some(
            scenario.duration + scenario.settle + Duration::from_secs(600),
        ));
    let runner = deterministic::Runner::new(cfg);
    let scenario = scenario.clone();
    runner.start(|context| async move { simulate(context, scenario).await })
}

async fn simulate(context: Ctx, scenario: Scenario) -> Observations {
    let world = Arc::new(build_world(&context, &scenario).await);
    let mut slots = make_slots(&world);
    for v in 0..scenario.validators {
        start_validator(&context, &world, &mut slots, v).await;
    }
    link_all(&world, &scenario, &slots, None).await;

    // Load: senders with their next nonce and unconfirmed transactions (resubmitted until acked).
    let mut load = LoadState::new(&world);
    let mut acks = Acks::default();

    let mut faults = scenario.faults.clone();
    if let Some(joins) = scenario.full_node_joins {
        assert!(
            joins < scenario.duration,
            "the full node must join before the faults end"
        );
        faults.push((joins, Fault::Restart(scenario.validators)));
    }
    faults.sort_by_key(|(t, _)| *t);
    let mut faults = faults.into_iter().peekable();
    let tick = Duration::from_millis(250);
    let start = context.current();
    let elapsed = |ctx: &Ctx| ctx.current().duration_since(start).unwrap_or_default();

    // Phase 2: faults and load.
    while elapsed(&context) < scenario.duration {
        while let Some((_, fault)) = faults.next_if(|(t, _)| *t <= elapsed(&context)) {
            apply(&context, &world, &mut slots, &fault).await;
        }
        restart_dead(&context, &world, &mut slots, false).await;
        load.step(&context, &world, &slots, &acks, tick).await;
        context.sleep(tick).await;
        acks.watch(&slots);
    }

    // Phase 3: heal, restart, settle (load keeps resubmitting what is unconfirmed).
    info!(seed = scenario.seed, "healing");
    link_all(&world, &scenario, &slots, None).await;
    restart_dead(&context, &world, &mut slots, true).await;
    for slot in slots.iter_mut() {
        slot.skew_ms = 0;
        if let Some(r) = &slot.running {
            r.chain.set_clock_skew_ms(0);
        }
    }
    let settle_end = scenario.duration + scenario.settle;
    while elapsed(&context) < settle_end {
        restart_dead(&context, &world, &mut slots, true).await;
        load.step(&context, &world, &slots, &acks, tick).await;
        context.sleep(tick).await;
        acks.watch(&slots);
    }
    // Stop submitting; give the last transactions time to finish.
    for _ in 0..40 {
        context.sleep(tick).await;
        acks.watch(&slots);
    }

    let blocked = world.oracle.blocked().await.unwrap_or_default();
    let unprovable = unprovable_epochs(&world, &slots).await;
    let mut obs = observe(&context, &world, &slots, &acks, &blocked);
    obs.unprovable_epochs = unprovable;
    obs
}

async fn build_world(context: &Ctx, scenario: &Scenario) -> World {
    let n = scenario.validators;
    let keys: Vec<ConsensusSecret> = (0..scenario.nodes())
        .map(|i| {
            let what = if i < n { "validator" } else { "full node" };
            let secret = derive_secret(scenario.seed, &format!("{what} {i}"));
            let SecretKey::Ed25519(k) = SecretKey::from_bytes(Suite::Ed25519, &secret)
                .expect("any 32 bytes are an ed25519 seed")
            else {
                unreachable!("ed25519")
            };
            k
        })
        .collect();
    let senders = scenario.load.map_or(0, |l| l.senders);
    let genesis = Genesis {
        chain_id: ChainId::new("citychain-sim").expect("valid id"),
        suite: scenario.suite,
        genesis_time_ms: TimestampMs(START_MS),
        params: ChainParams {
            empty_block_interval_ms: scenario.empty_block_interval_ms,
            ..ChainParams::default()
        },
        validators: keys[..n]
            .iter()
            .enumerate()
            .map(|(i, k)| Validator {
                name: format!("v{i}"),
                consensus_key: consensus::validator_key(&k.public_key()),
            })
            .collect(),
        accounts: (0..senders)
            .map(|i| GenesisAccount {
                address: sender_key(scenario, i).public_key().address(),
                balance: Amount(1_000_000_000),
            })
            .collect(),
        organizations: vec![Organization {
            id: OrgId::new("city").expect("valid id"),
            name: "The city".into(),
            admins: vec![admin_key(scenario).public_key().address()],
            validators: keys[..n]
                .iter()
                .map(|k| consensus::validator_key(&k.public_key()))
                .collect(),
        }],
        members: vec![GenesisMember {
            account: admin_key(scenario).public_key().address(),
            org: OrgId::new("city").expect("valid id"),
            roles: Roles::ADMIN,
        }],
        policy: citychain_types::Policy::default(),
        thresholds: citychain_types::Thresholds::default(),
        epoch_blocks: scenario.epoch_blocks,
    };
    // Validators are primary peers, the full node secondary (as in `citychain node`).
    let (network, oracle) = Network::new_with_split_peers(
        context.child("network"),
        simulated::Config {
            max_size: 8 << 20,
            max_peers_per_set: NZUsize!(keys.len().max(1)),
            disconnect_on_block: false,
            tracked_peer_sets: NZUsize!(1),
        },
        keys[..n].iter().map(|k| k.public_key()),
        keys[n..].iter().map(|k| k.public_key()),
    )
    .await;
    network.start();

    // Each half of a twin talks to a seed-chosen group; the groups overlap or not.
    let mut twin_groups = (BTreeSet::new(), BTreeSet::new());
    let mut bits = derive_secret(scenario.seed, "twin groups")
        .into_iter()
        .cycle();
    for i in 0..n {
        match bits.next().unwrap_or(0) % 3 {
            0 => {
                twin_groups.0.insert(i);
            }
            1 => {
                twin_groups.1.insert(i);
            }
            _ => {
                twin_groups.0.insert(i);
                twin_groups.1.insert(i);
            }
        }
    }
    let byzantine: BTreeSet<ConsensusKey> = scenario
        .twins
        .iter()
        .map(|&v| keys[v].public_key())
        .collect();
    World {
        scenario: scenario.clone(),
        genesis,
        keys,
        root_dir: tempfile::tempdir().expect("temporary directory"),
        oracle,
        votes: VoteBook {
            byzantine: Arc::new(byzantine),
            ..Default::default()
        },
        twin_groups,
        corrupted: Arc::default(),
        governance: Mutex::default(),
    }
}

fn sender_key(scenario: &Scenario, i: usize) -> SecretKey {
    SecretKey::insecure_from_label(scenario.suite, &format!("sim {} sender {i}", scenario.seed))
}

fn make_slots(world: &World) -> Vec<Slot> {
    let mut slots = Vec::new();
    for v in 0..world.scenario.nodes() {
        let sides: Vec<Option<Side>> = if world.scenario.twins.contains(&v) {
            vec![Some(Side::Primary), Some(Side::Secondary)]
        } else {
            vec![None]
        };
        for side in sides {
            let label = match side {
                None if v >= world.scenario.validators => "full".to_string(),
                None => format!("v{v}"),
                Some(Side::Primary) => format!("v{v}-twin-a"),
                Some(Side::Secondary) => format!("v{v}-twin-b"),
            };
            slots.push(Slot {
                dir: world.root_dir.path().join(&label),
                label,
                validator: v,
                side,
                running: None,
                commit_crash: Arc::default(),
                skew_ms: 0,
                started: false,
            });
        }
    }
    slots
}

/// Sets every link, leaving out pairs `cut` says are partitioned.
async fn link_all(
    world: &World,
    scenario: &Scenario,
    slots: &[Slot],
    cut: Option<&dyn Fn(usize, usize) -> bool>,
) {
    let n = scenario.nodes();
    let _ = slots;
    for a in 0..n {
        for b in 0..n {
            if a == b {
                continue;
            }
            let (ka, kb) = (world.keys[a].public_key(), world.keys[b].public_key());
            let _ = world.oracle.remove_link(ka.clone(), kb.clone()).await;
            if cut.is_some_and(|c| c(a, b)) {
                continue;
            }
            let _ = world.oracle.add_link(ka, kb, link_of(scenario)).await;
        }
    }
}

/// The canary's broken validator set: each node believes its half is the whole set.
fn canary_validators(world: &World, validator: usize) -> Vec<ConsensusKey> {
    let n = world.scenario.validators;
    let all = world.keys[..n].iter().map(|k| k.public_key());
    let half = n / 2;
    let mine = validator < half;
    all.enumerate()
        .filter(|(i, _)| (*i < half) == mine)
        .map(|(_, k)| k)
        .collect()
}

/// Opens a slot's chain (with its armed commit crash and clock skew).
fn open(
    world: &World,
    slot: &Slot,
) -> (
    Arc<Chain<Sequential>>,
    citychain_node::consensus::ConsensusBlock,
) {
    let crash = slot.commit_crash.clone();
    let options = StoreOptions {
        no_sync: true,
        faults: Some(Arc::new(move |point| {
            let mut armed = crash.lock();
            if *armed == Some(point) {
                *armed = None;
                return true;
            }
            false
        })),
    };
    let (chain, genesis_block) = assemble::open_chain(
        &slot.dir,
        &world.genesis,
        MempoolConfig::default(),
        Sequential,
        options,
    )
    .expect("open the node's chain");
    chain.set_clock_skew_ms(slot.skew_ms);
    (chain, genesis_block)
}

type SimEngineConfig = EngineConfig<
    simulated::Manager<ConsensusKey, Ctx>,
    simulated::Control<ConsensusKey, Ctx>,
    Sequential,
    NodeVotes,
>;

fn engine_config(world: &World, slot: &Slot, chain: &Chain<Sequential>) -> SimEngineConfig {
    let key = world.keys[slot.validator].clone();
    let me = key.public_key();
    let stale = world.scenario.stale == Some(slot.validator);
    let canary = world
        .scenario
        .canary
        .then(|| canary_validators(world, slot.validator));
    let misbehaviour = if stale {
        Some(Misbehaviour::VoteWhenRemoved)
    } else {
        canary.clone().map(Misbehaviour::FixedValidators)
    };
    let namespace = citychain_node::consensus_namespace(&world.genesis);
    EngineConfig {
        signer: key.clone(),
        misbehaviour,
        namespace: namespace.clone(),
        partition_prefix: slot.label.clone(),
        timeouts: Timeouts::for_interval(Duration::from_millis(
            world.scenario.empty_block_interval_ms,
        )),
        peer_provider: world.oracle.manager(),
        blocker: world.oracle.control(me),
        strategy: Sequential,
        peer_sets: Box::new(SimPeers {
            manager: world.oracle.manager(),
            everyone: world.keys.iter().map(|k| k.public_key()).collect(),
        }),
        vote_record: VoteRecord::open(&slot.dir.join(VOTE_RECORD_FILE), false)
            .expect("open the node's vote record"),
        problem: VotingProblem::default(),
        storage_location: format!("partitions {}-*", slot.label),
        // The stale node's engine indexes votes by its own claimed sets: its view is not
        // recorded.
        monitor: (!stale).then(|| NodeVotes {
            book: world.votes.clone(),
            schemes: EpochSchemes::new(&namespace, key, chain.store.clone(), canary),
        }),
    }
}

/// Tracks each epoch's validators as the simulated network's primary peers (the network is
/// shared: the first node to enter an epoch registers its set; epoch 0's is registered at start).
struct SimPeers {
    manager: simulated::Manager<ConsensusKey, Ctx>,
    everyone: Vec<ConsensusKey>,
}

impl epochs::PeerSets for SimPeers {
    fn enter_epoch(&mut self, epoch: u64, validators: &[ConsensusKey]) {
        if epoch == 0 {
            return;
        }
        let secondary = self
            .everyone
            .iter()
            .filter(|k| !validators.contains(k))
            .cloned();
        let _ = commonware_p2p::Manager::track(
            &mut self.manager,
            epoch,
            commonware_p2p::TrackedPeers::new(
                commonware_utils::ordered::Set::from_iter_dedup(validators.iter().cloned()),
                commonware_utils::ordered::Set::from_iter_dedup(secondary),
            ),
        );
    }
}

/// Registers a validator's six channels (replacing any earlier registration of its key).
async fn register(
    world: &World,
    validator: usize,
) -> Vec<(
    simulated::Sender<ConsensusKey, Ctx>,
    simulated::Receiver<ConsensusKey>,
)> {
    let control = world.oracle.control(world.keys[validator].public_key());
    let quota = Quota::per_second(NZU32!(100_000));
    let mut registered = Vec::new();
    for c in [
        channel::VOTES,
        channel::CERTIFICATES,
        channel::CONSENSUS_FETCH,
        channel::BLOCKS,
        channel::BACKFILL,
        channel::TRANSACTIONS,
    ] {
        registered.push(
            control
                .register(c, quota)
                .await
                .expect("register a simulated channel"),
        );
    }
    registered
}

/// A receiver that delivers what `liar` sends with its last byte flipped, as if the liar had
/// served corrupt data.
#[derive(Debug)]
struct Tampered<R> {
    inner: R,
    liar: Option<ConsensusKey>,
    corrupted: Arc<std::sync::atomic::AtomicUsize>,
}

impl<R: Receiver<PublicKey = ConsensusKey>> Receiver for Tampered<R> {
    type Error = R::Error;
    type PublicKey = ConsensusKey;

    async fn recv(&mut self) -> Result<(ConsensusKey, IoBuf), R::Error> {
        let (from, message) = self.inner.recv().await?;
        if self.liar.as_ref() != Some(&from) || message.is_empty() {
            return Ok((from, message));
        }
        let mut bytes = message.as_ref().to_vec();
        if let Some(last) = bytes.last_mut() {
            *last ^= 0x01;
        }
        self.corrupted
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Ok((from, bytes.into()))
    }

    fn capacity(&self) -> std::num::NonZeroUsize {
        self.inner.capacity()
    }
}

/// Starts an honest node.
async fn start(context: &Ctx, world: &Arc<World>, slot: &mut Slot) {
    assert!(slot.side.is_none(), "twin halves start in pairs");
    let (chain, genesis_block) = open(world, slot);
    slot.started = true;
    // The full node hears the liar's answers to its sync requests corrupted.
    let liar = world
        .scenario
        .liar
        .filter(|_| slot.validator >= world.scenario.validators)
        .map(|v| world.keys[v].public_key());
    let it = register(world, slot.validator)
        .await
        .into_iter()
        .zip([
            channel::VOTES,
            channel::CERTIFICATES,
            channel::CONSENSUS_FETCH,
            channel::BLOCKS,
            channel::BACKFILL,
            channel::TRANSACTIONS,
        ])
        .map(|((sender, inner), c)| {
            let liar = liar.clone().filter(|_| c == channel::BACKFILL);
            (
                sender,
                Tampered {
                    inner,
                    liar,
                    corrupted: world.corrupted.clone(),
                },
            )
        });
    run_slot(context, world, slot, chain, genesis_block, it).await;
}

/// Launches `slot`'s node on its six registered channels (consensus five, then transactions).
async fn run_slot<S, R>(
    context: &Ctx,
    world: &Arc<World>,
    slot: &mut Slot,
    chain: Arc<Chain<Sequential>>,
    genesis_block: citychain_node::consensus::ConsensusBlock,
    channels: impl IntoIterator<Item = (S, R)>,
) where
    S: Sender<PublicKey = ConsensusKey>,
    R: Receiver<PublicKey = ConsensusKey>,
{
    let mut it = channels.into_iter();
    let mut next = || it.next().expect("six channels");
    let channels = Channels {
        votes: next(),
        certificates: next(),
        consensus_fetch: next(),
        blocks: next(),
        backfill: next(),
    };
    let transactions = next();
    let ((relay, marshal), root, stopped) = launch(
        context.child("node"),
        chain.clone(),
        genesis_block,
        engine_config(world, slot, &chain),
        channels,
        transactions,
        slot.label.clone(),
    )
    .await;
    slot.running = Some(Running {
        chain,
        relay,
        marshal,
        root,
        stopped,
    });
}

/// Starts both halves of a twin: one registration of the shared key, split by recipient group.
async fn start_twins(context: &Ctx, world: &Arc<World>, slots: &mut [Slot], validator: usize) {
    let (group_a, group_b) = world.twin_groups.clone();
    let keys: Vec<ConsensusKey> = world.keys.iter().map(|k| k.public_key()).collect();
    let to_keys = |g: &BTreeSet<usize>| g.iter().map(|&i| keys[i].clone()).collect::<Vec<_>>();
    let (a_keys, b_keys) = (to_keys(&group_a), to_keys(&group_b));
    let forward = move |origin: SplitOrigin, _: &Recipients<ConsensusKey>, _: &IoBuf| match origin {
        SplitOrigin::Primary => Some(Recipients::Some(a_keys.clone())),
        SplitOrigin::Secondary => Some(Recipients::Some(b_keys.clone())),
    };
    let route_keys = keys.clone();
    let route = move |(sender, _): &(ConsensusKey, IoBuf)| {
        let i = route_keys.iter().position(|k| k == sender);
        match i.map(|i| (group_a.contains(&i), group_b.contains(&i))) {
            Some((true, true)) => SplitTarget::Both,
            Some((true, false)) => SplitTarget::Primary,
            Some((false, true)) => SplitTarget::Secondary,
            _ => SplitTarget::None,
        }
    };
    let (mut primary, mut secondary) = (Vec::new(), Vec::new());
    for (i, (s, r)) in register(world, validator).await.into_iter().enumerate() {
        let (sa, sb) = s.split_with(forward.clone());
        let (ra, rb) = r.split_with(
            context.child("twin_split").with_attribute("channel", i),
            route.clone(),
        );
        primary.push((sa, ra));
        secondary.push((sb, rb));
    }
    for (side, halves) in [(Side::Primary, primary), (Side::Secondary, secondary)] {
        let slot = slots
            .iter_mut()
            .find(|s| s.validator == validator && s.side == Some(side))
            .expect("twin slot");
        let (chain, genesis_block) = open(world, slot);
        slot.started = true;
        run_slot(context, world, slot, chain, genesis_block, halves).await;
    }
}

/// Starts every stopped node of `validator` (a twin restarts as a pair).
async fn start_validator(context: &Ctx, world: &Arc<World>, slots: &mut [Slot], validator: usize) {
    if world.scenario.twins.contains(&validator) {
        for slot in slots.iter_mut().filter(|s| s.validator == validator) {
            crash(slot).await;
        }
        start_twins(context, world, slots, validator).await;
    } else if let Some(slot) = slots
        .iter_mut()
        .find(|s| s.validator == validator && s.running.is_none())
    {
        start(context, world, slot).await;
    }
}

/// Starts a node under one root task: when it stops (a commit crash), everything it runs stops.
async fn launch<S, R, M>(
    context: Ctx,
    chain: Arc<Chain<Sequential>>,
    genesis_block: citychain_node::consensus::ConsensusBlock,
    engine_config: EngineConfig<
        simulated::Manager<ConsensusKey, Ctx>,
        simulated::Control<ConsensusKey, Ctx>,
        Sequential,
        M,
    >,
    channels: Channels<S, R>,
    transactions: (S, R),
    label: String,
) -> ((RelayHandle, Marshal), Handle<()>, Arc<AtomicBool>)
where
    S: Sender<PublicKey = ConsensusKey>,
    R: Receiver<PublicKey = ConsensusKey>,
    M: Reporter<Activity = Activity<Scheme, ConsensusDigest>>,
{
    let (relay_tx, relay_rx) = futures::channel::oneshot::channel();
    let stopped = Arc::new(AtomicBool::new(false));
    let stopped_flag = stopped.clone();
    let root = context.spawn(move |context| async move {
        let started = match assemble::start(
            context,
            chain,
            genesis_block,
            engine_config,
            channels,
            transactions,
        )
        .await
        {
            Ok(s) => s,
            Err(e) => panic!("{label} failed to start: {e}"),
        };
        let _ = relay_tx.send((started.relay.clone(), started.marshal.clone()));
        // A commit crash ends the finalizer; the node dies with it and the harness restarts it.
        let result = started.finalizer.await;
        debug!(node = %label, ?result, "node stopped");
        stopped_flag.store(true, Ordering::Release);
    });
    let relay = relay_rx.await.expect("the node starts");
    (relay, root, stopped)
}

async fn apply(context: &Ctx, world: &Arc<World>, slots: &mut [Slot], fault: &Fault) {
    info!(?fault, time = ?context.current(), "fault");
    let s = &world.scenario;
    match fault {
        Fault::Partition(groups) => {
            let group_of = |v: usize| groups.iter().position(|g| g.contains(&v));
            link_all(world, s, slots, Some(&|a, b| group_of(a) != group_of(b))).await;
        }
        Fault::OneWay { from, to } => {
            let _ = world
                .oracle
                .remove_link(world.keys[*from].public_key(), world.keys[*to].public_key())
                .await;
        }
        Fault::Heal => link_all(world, s, slots, None).await,
        Fault::Loss(delivery) => {
            let mut spec = s.clone();
            spec.link.delivery = *delivery;
            link_all(world, &spec, slots, None).await;
        }
        Fault::Crash(v) => {
            for slot in slots.iter_mut().filter(|x| x.validator == *v) {
                crash(slot).await;
            }
        }
        Fault::CrashAll => {
            for slot in slots.iter_mut() {
                crash(slot).await;
            }
        }
        Fault::Restart(v) => {
            let key = world.keys[*v].public_key();
            for lost in world.votes.lost.lock().iter_mut() {
                lost.armed |= lost.key == key;
            }
            start_validator(context, world, slots, *v).await
        }
        Fault::CorruptJournal(v) => {
            for slot in slots
                .iter_mut()
                .filter(|x| x.validator == *v && x.side.is_none())
            {
                crash(slot).await;
                let record = VoteRecord::open(&slot.dir.join(VOTE_RECORD_FILE), false)
                    .expect("read the vote record");
                let Some((epoch, through)) = record.newest() else {
                    continue;
                };
                let partition = epochs::journal_partition(&slot.label, epoch);
                let damaged = damage_blobs(context, &partition).await;
                info!(node = %slot.label, epoch, through, damaged, "damaged the consensus journal");
                world.votes.lost.lock().push(LostVotes {
                    key: world.keys[*v].public_key(),
                    epoch,
                    through,
                    armed: false,
                    revotes: BTreeSet::new(),
                    voted_after: None,
                });
            }
        }
        Fault::RestartAll => {
            for v in 0..world.scenario.nodes() {
                if slots
                    .iter()
                    .any(|x| x.validator == v && x.started && x.running.is_none())
                {
                    start_validator(context, world, slots, v).await;
                }
            }
        }
        Fault::Skew { node, millis } => {
            for slot in slots.iter_mut().filter(|x| x.validator == *node) {
                slot.skew_ms = *millis;
                if let Some(r) = &slot.running {
                    r.chain.set_clock_skew_ms(*millis);
                }
            }
        }
        Fault::CommitCrash { node, point } => {
            for slot in slots.iter_mut().filter(|x| x.validator == *node) {
                *slot.commit_crash.lock() = Some(*point);
            }
        }
        Fault::AddValidator(node) => govern(
            world,
            GovAction::AddValidator {
                org: OrgId::new("city").expect("valid id"),
                validator: Validator {
                    name: format!("node{node}"),
                    consensus_key: consensus::validator_key(&world.keys[*node].public_key()),
                },
            },
        ),
        Fault::RemoveValidator(node) => govern(
            world,
            GovAction::RemoveValidator {
                validator: consensus::validator_key(&world.keys[*node].public_key()),
            },
        ),
    }
}

/// Overwrites the second half of every blob in `partition` with garbage, as a damaged disk
/// would; returns how many blobs it damaged.
async fn damage_blobs(context: &Ctx, partition: &str) -> usize {
    use commonware_runtime::{Blob as _, BlobVersion, Storage as _, WriteOptions};
    let names = context.scan(partition).await.unwrap_or_default();
    for name in &names {
        let (blob, size, _) = context
            .open_versioned(
                partition,
                name,
                BlobVersion::new(0)..=BlobVersion::new(u16::MAX),
            )
            .await
            .expect("open a journal blob");
        let half = size / 2;
        blob.write_at(half, vec![0xA5; (size - half) as usize], WriteOptions::SYNC)
            .await
            .expect("damage a journal blob");
    }
    names.len()
}

async fn crash(slot: &mut Slot) {
    if let Some(r) = slot.running.take() {
        r.root.abort();
        let _ = r.root.await;
        // The root's descendants are dropped as the runtime next polls them; the node is gone
        // (its storage unlocked) once nothing else holds its chain. Something that never lets
        // go would be a task outliving its node.
        for _ in 0..1_000 {
            if Arc::strong_count(&r.chain) == 1 {
                return;
            }
            commonware_runtime::utils::reschedule().await;
        }
        panic!(
            "{}: {} references to the chain outlive the crashed node",
            slot.label,
            Arc::strong_count(&r.chain) - 1
        );
    }
}

/// Restarts nodes whose root task ended (a commit crash); with `all`, also crashed ones.
async fn restart_dead(context: &Ctx, world: &Arc<World>, slots: &mut [Slot], all: bool) {
    for v in 0..world.scenario.nodes() {
        let mut restart = false;
        for slot in slots.iter_mut().filter(|s| s.validator == v) {
            if slot
                .running
                .as_ref()
                .is_some_and(|r| r.stopped.load(Ordering::Acquire))
            {
                crash(slot).await;
                restart = true;
            }
            restart |= all && slot.started && slot.running.is_none();
        }
        if restart {
            start_validator(context, world, slots, v).await;
        }
    }
}

/// Records every committed transaction as acknowledged (with the first node and height).
#[derive(Default)]
struct Acks {
    acked: BTreeMap<Hash, (String, u64)>,
    scanned: HashMap<String, u64>,
}

impl Acks {
    fn watch(&mut self, slots: &[Slot]) {
        for slot in slots.iter().filter(|s| s.side.is_none()) {
            let Some(r) = &slot.running else { continue };
            let Some(head) = r.chain.store.head() else {
                continue;
            };
            let from = self.scanned.get(&slot.label).map_or(0, |h| h + 1);
            for h in from..=head.height.0 {
                if let Ok(Some(block)) = r.chain.store.block(Height(h)) {
                    for tx in &block.transactions {
                        self.acked
                            .entry(tx.hash())
                            .or_insert_with(|| (slot.label.clone(), h));
                    }
                }
            }
            self.scanned.insert(slot.label.clone(), head.height.0);
        }
    }
}

/// The load generator's senders.
struct LoadState {
    next_nonce: Vec<u64>,
    /// Signed but not yet seen committed, per sender: (nonce, bytes).
    unconfirmed: Vec<Vec<(u64, Vec<u8>, Hash)>>,
    owed: f64,
    turn: usize,
}

impl LoadState {
    fn new(world: &World) -> Self {
        let senders = world.scenario.load.map_or(0, |l| l.senders);
        LoadState {
            next_nonce: vec![0; senders],
            unconfirmed: vec![Vec::new(); senders],
            owed: 0.0,
            turn: 0,
        }
    }

    async fn step(
        &mut self,
        context: &Ctx,
        world: &World,
        slots: &[Slot],
        acks: &Acks,
        tick: Duration,
    ) {
        let live: Vec<&Running> = slots
            .iter()
            .filter(|s| s.side.is_none())
            .filter_map(|s| s.running.as_ref())
            .collect();
        if live.is_empty() {
            return;
        }
        for u in self.unconfirmed.iter_mut() {
            u.retain(|(_, _, h)| !acks.acked.contains_key(h));
        }
        world
            .governance
            .lock()
            .unconfirmed
            .retain(|(_, h)| !acks.acked.contains_key(h));
        // New transfers, at the configured rate.
        let load = world.scenario.load.unwrap_or(crate::Load {
            rate: 0,
            senders: 0,
        });
        self.owed += f64::from(load.rate) * tick.as_secs_f64();
        while self.owed >= 1.0 {
            self.owed -= 1.0;
            let i = self.turn % load.senders;
            self.turn += 1;
            let key = sender_key(&world.scenario, i);
            let to: Address = sender_key(&world.scenario, (i + 1) % load.senders)
                .public_key()
                .address();
            let tx = Transaction {
                chain_id: world.genesis.chain_id.clone(),
                sender: key.public_key(),
                nonce: Nonce(self.next_nonce[i]),
                gas_limit: Gas(100_000),
                payload: Payload::Transfer {
                    to,
                    amount: Amount(1),
                },
            }
            .sign(&key);
            self.unconfirmed[i].push((self.next_nonce[i], tx.encode(), tx.hash()));
            self.next_nonce[i] += 1;
        }
        // Submit everything unconfirmed to a node chosen by turn (resubmission is idempotent),
        // as a client would retry against another node.
        let pick = (context
            .current()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis() as usize
            / 250)
            % live.len();
        let node = live[pick];
        let raws: Vec<Vec<u8>> = self
            .unconfirmed
            .iter()
            .flatten()
            .map(|(_, raw, _)| raw.clone())
            .chain(
                world
                    .governance
                    .lock()
                    .unconfirmed
                    .iter()
                    .map(|(raw, _)| raw.clone()),
            )
            .collect();
        if !raws.is_empty() {
            let _ = assemble::submit(&node.chain, &node.relay, raws).await;
        }
    }
}

/// Epoch boundaries each honest node cannot prove: the last block of epoch `e - 1` records
/// epoch `e`'s validators, and a light client needs that block's own certificate (of epoch
/// `e - 1`) to learn them. Returns (node, height) pairs.
async fn unprovable_epochs(world: &World, slots: &[Slot]) -> Vec<(String, u64)> {
    let blocks = world.genesis.epoch_blocks;
    let mut missing = Vec::new();
    for slot in slots
        .iter()
        .filter(|s| s.side.is_none() && world.scenario.stale != Some(s.validator))
    {
        let Some(r) = &slot.running else { continue };
        let head = r.chain.store.head().map_or(0, |h| h.height.0);
        let mut epoch = 1;
        while epoch * blocks - 1 <= head {
            let height = epoch * blocks - 1;
            let own = r
                .marshal
                .get_finalization(commonware_consensus::types::Height::new(height))
                .await
                .is_some_and(|f| commonware_consensus::Epochable::epoch(&f).get() == epoch - 1);
            if !own {
                missing.push((slot.label.clone(), height));
            }
            epoch += 1;
        }
    }
    missing
}

fn observe(
    context: &Ctx,
    world: &World,
    slots: &[Slot],
    acks: &Acks,
    blocked: &[(ConsensusKey, ConsensusKey)],
) -> Observations {
    let label = |key: &ConsensusKey| {
        slots
            .iter()
            .find(|s| world.keys[s.validator].public_key() == *key)
            .map_or_else(|| "?".to_string(), |s| s.label.clone())
    };
    let mut nodes = Vec::new();
    for slot in slots {
        let Some(r) = &slot.running else { continue };
        let (mut blocks, mut timestamps) = (Vec::new(), Vec::new());
        let head = r.chain.store.head().map_or(0, |h| h.height.0);
        for h in 0..=head {
            if let Ok(Some(b)) = r.chain.store.block(Height(h)) {
                timestamps.push(b.header.timestamp.0);
                blocks.push((
                    b.hash(),
                    b.header.state_root,
                    b.transactions.iter().map(|t| t.hash()).collect(),
                ));
            }
        }
        nodes.push(NodeChain {
            label: slot.label.clone(),
            honest: slot.side.is_none() && world.scenario.stale != Some(slot.validator),
            blocks,
            timestamps,
        });
    }
    let final_height = nodes
        .iter()
        .filter(|n| n.honest)
        .map(|n| n.height())
        .min()
        .unwrap_or(0);
    let conflicts = world.votes.conflicts.lock().clone();
    let vote_conflicts = conflicts
        .into_iter()
        .map(|(key, kind, epoch, view)| {
            let v = world
                .keys
                .iter()
                .position(|k| k.public_key() == key)
                .unwrap_or(usize::MAX);
            (format!("v{v}"), kind, epoch, view)
        })
        .collect();
    let lost_votes = world
        .votes
        .lost
        .lock()
        .iter()
        .map(|l| crate::check::LostVotes {
            validator: label(&l.key),
            epoch: l.epoch,
            through: l.through,
            revotes: l.revotes.iter().cloned().collect(),
            voted_after: l.voted_after,
        })
        .collect();
    // Only a liar whose corrupt answers actually reached the full node must be blocked.
    let corrupted = world.corrupted.load(std::sync::atomic::Ordering::Relaxed);
    tracing::info!(
        corrupted,
        "liar messages corrupted on the way to the full node"
    );
    let must_block = world
        .scenario
        .liar
        .filter(|_| world.scenario.full_node_joins.is_some() && corrupted > 0)
        .map(|v| ("full".to_string(), format!("v{v}")));
    let voters = world
        .votes
        .voters
        .lock()
        .iter()
        .map(|(epoch, keys)| (*epoch, keys.iter().map(label).collect()))
        .collect();
    // The epoch sets as the furthest honest node's state records them.
    let mut epoch_sets = BTreeMap::new();
    if let Some(r) = slots
        .iter()
        .filter(|s| s.side.is_none())
        .filter_map(|s| s.running.as_ref())
        .max_by_key(|r| r.chain.store.head().map_or(0, |h| h.height.0))
    {
        let mut epoch = 0;
        while let Some(keys) = epochs::epoch_participants(&r.chain.store, epoch) {
            epoch_sets.insert(epoch, keys.iter().map(label).collect());
            epoch += 1;
        }
    }
    Observations {
        unprovable_epochs: Vec::new(),
        voters,
        epoch_sets,
        nodes,
        acked: acks.acked.clone(),
        blocked: blocked.iter().map(|(a, b)| (label(a), label(b))).collect(),
        must_block: must_block.into_iter().collect(),
        vote_conflicts,
        lost_votes,
        final_height,
        audit: context.auditor().state(),
    }
}
