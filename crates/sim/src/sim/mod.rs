//! Running a [`Scenario`] on commonware's deterministic runtime and simulated network.
//!
//! Every node is the production node (`citychain_node::wiring`): the same application,
//! consensus wiring, finalizer, storage and relay; only the runtime (seeded, single-threaded,
//! simulated time), the network (simulated links) and the thread pool (inline) differ. Each node
//! keeps its chain store in its own directory, so a crash and restart reopens real storage.
//!
//! 1. Build keys and a genesis from the seed; start the simulated network and every node.
//! 2. Drive the load and apply the scheduled faults until `duration`.
//! 3. Heal the network and restart crashed nodes; let it settle.
//! 4. Read every node's committed chain and return the observations.

mod faults;
mod load;
mod nodes;
mod observe;
mod votes;
mod world;

use faults::*;
use load::*;
use nodes::*;
use observe::*;
use votes::*;
use world::*;

use crate::{
    check::{NodeChain, Observations},
    scenario::{Fault, Scenario},
};
use citychain_crypto::{Hash, SecretKey, Suite};
use citychain_mempool::MempoolConfig;
use citychain_node::{
    app::Chain,
    consensus::{
        self, ConsensusDigest, ConsensusKey, ConsensusSecret, Scheme,
        engine::{Channels, EngineConfig, Misbehaviour, Timeouts, channel},
        epochs::{self, EpochSchemes},
        guard::{VOTE_RECORD_FILE, VoteRecord, VotingProblem},
    },
    relay::RelayHandle,
    wiring,
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
