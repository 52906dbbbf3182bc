//! Describing a simulation: the network, the faults and when they happen, the load.

use citychain_crypto::Suite;
use citychain_storage::CommitPoint;
use std::time::Duration;

/// One thing that happens during a run, at a simulated time.
#[derive(Clone, Debug, PartialEq)]
pub enum Fault {
    /// Split the nodes into groups that cannot reach each other (indices of validators).
    Partition(Vec<Vec<usize>>),
    /// Messages from `from` to `to` are lost (the other direction still works).
    OneWay { from: usize, to: usize },
    /// All links work again (with the scenario's latency and loss).
    Heal,
    /// Change the delivery probability of every link.
    Loss(f64),
    /// Kill a node (its tasks stop at once; its storage stays).
    Crash(usize),
    /// Start a crashed (or not yet started) node from its storage.
    Restart(usize),
    /// Kill every node.
    CrashAll,
    /// Start every crashed node.
    RestartAll,
    /// Kill a node and damage its consensus journal of the epoch it last voted in, as a bad
    /// disk would (its vote record survives); `Restart` starts it again.
    CorruptJournal(usize),
    /// Shift a node's wall clock by this many milliseconds (negative: behind).
    Skew { node: usize, millis: i64 },
    /// Make a node's next commit fail at `point`, as if it crashed there; the harness restarts it.
    CommitCrash { node: usize, point: CommitPoint },
    /// The consortium votes node `0` (running as a full node until then) into the validator
    /// set; it votes from the next epoch on.
    AddValidator(usize),
    /// The consortium votes validator `0` out; from the next epoch its votes do not count.
    RemoveValidator(usize),
}

/// Link characteristics between every pair of nodes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LinkSpec {
    pub latency: Duration,
    pub jitter: Duration,
    /// Probability that a message is delivered.
    pub delivery: f64,
}

impl Default for LinkSpec {
    fn default() -> Self {
        LinkSpec {
            latency: Duration::from_millis(20),
            jitter: Duration::from_millis(5),
            delivery: 1.0,
        }
    }
}

/// Transactions submitted during the run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Load {
    /// Transfers per second, in total.
    pub rate: u32,
    /// Distinct sending accounts.
    pub senders: usize,
}

/// A complete, seeded description of a run. The same scenario always replays identically.
#[derive(Clone, Debug)]
pub struct Scenario {
    pub name: String,
    pub seed: u64,
    pub validators: usize,
    /// Validators run as two instances sharing one key (Byzantine equivocators).
    pub twins: Vec<usize>,
    pub link: LinkSpec,
    pub faults: Vec<(Duration, Fault)>,
    pub load: Option<Load>,
    /// How long faults may run; afterwards the network heals and crashed nodes restart.
    pub duration: Duration,
    /// How long the healed network gets to converge before the checks.
    pub settle: Duration,
    /// The deliberately broken build: two halves of the validators each believe they are the
    /// whole validator set, so quorums no longer intersect. The checkers must report a fork.
    pub canary: bool,
    pub suite: Suite,
    pub empty_block_interval_ms: u64,
    /// Blocks per consensus epoch. Short, so that every scenario crosses several epoch
    /// boundaries while its faults happen.
    pub epoch_blocks: u64,
    /// A non-voting full node (index `validators`) that starts this long into the run and syncs
    /// from genesis; it must be started before `duration` ends.
    pub full_node_joins: Option<Duration>,
    /// A validator whose answers to the full node's sync requests arrive corrupted (as if it
    /// served bad blocks); the full node must reject and block it, and still sync.
    pub liar: Option<usize>,
    /// A validator that keeps signing votes after it was voted out, as if still a validator.
    /// The others must not count its votes.
    pub stale: Option<usize>,
    /// The load mixes native assets in: sender 0 (an issuer) creates an asset and mints it to
    /// every sender, who then transfer it, make offers and take each other's.
    pub assets: bool,
}

impl Scenario {
    /// Four validators, moderate links, a little load, twenty seconds.
    pub fn new(name: &str, seed: u64) -> Self {
        Scenario {
            name: name.into(),
            seed,
            validators: 4,
            twins: Vec::new(),
            link: LinkSpec::default(),
            faults: Vec::new(),
            load: Some(Load {
                rate: 40,
                senders: 8,
            }),
            duration: Duration::from_secs(20),
            settle: Duration::from_secs(20),
            canary: false,
            suite: Suite::Ed25519,
            empty_block_interval_ms: 200,
            epoch_blocks: 30,
            full_node_joins: None,
            liar: None,
            stale: None,
            assets: false,
        }
    }

    /// Mixes asset operations into the load (see [`Scenario::assets`]).
    pub fn with_assets(mut self) -> Self {
        self.assets = true;
        self
    }

    pub fn validators(mut self, n: usize) -> Self {
        self.validators = n;
        self
    }

    pub fn twin(mut self, validator: usize) -> Self {
        self.twins.push(validator);
        self
    }

    pub fn link(mut self, link: LinkSpec) -> Self {
        self.link = link;
        self
    }

    pub fn at(mut self, time: Duration, fault: Fault) -> Self {
        self.faults.push((time, fault));
        self
    }

    pub fn load(mut self, load: Option<Load>) -> Self {
        self.load = load;
        self
    }

    pub fn duration(mut self, duration: Duration) -> Self {
        self.duration = duration;
        self
    }

    pub fn settle(mut self, settle: Duration) -> Self {
        self.settle = settle;
        self
    }

    pub fn canary(mut self) -> Self {
        self.canary = true;
        self
    }

    pub fn full_node(mut self, joins: Duration) -> Self {
        self.full_node_joins = Some(joins);
        self
    }

    pub fn liar(mut self, validator: usize) -> Self {
        self.liar = Some(validator);
        self
    }

    pub fn stale(mut self, validator: usize) -> Self {
        self.stale = Some(validator);
        self
    }

    /// Validators plus the full node, if any.
    pub fn nodes(&self) -> usize {
        self.validators + usize::from(self.full_node_joins.is_some())
    }

    pub fn suite(mut self, suite: Suite) -> Self {
        self.suite = suite;
        self
    }
}
