//! What a run observed, and the properties every run must satisfy.
//!
//! - **Fork-free**: every honest node has the same block (hash and state root) at every height.
//! - **No lost acknowledgements**: every transaction some node reported committed is present
//!   exactly once on every honest node (which must have caught up to it).
//! - **No conflicting votes**: no honest validator signed two different payloads for one round,
//!   across crashes and restarts.
//! - **Convergence**: once the network heals, honest nodes end within a few blocks of each other.
//! - **Corrupt peers rejected**: a node served corrupt data blocks the peer that served it.
//! - **Assets add up**: with the asset load, every honest node's holdings of the asset sum to
//!   its supply.

use citychain_crypto::Hash;
use std::{
    collections::{BTreeMap, BTreeSet},
    fmt,
};

/// One node's committed chain at the end of a run.
#[derive(Clone, Debug)]
pub struct NodeChain {
    pub label: String,
    /// False for the instances of a Byzantine twin.
    pub honest: bool,
    /// Per height: block hash, state root, transaction hashes.
    pub blocks: Vec<(Hash, Hash, Vec<Hash>)>,
    /// Per height: the block's timestamp (milliseconds).
    pub timestamps: Vec<u64>,
}

impl NodeChain {
    pub fn height(&self) -> u64 {
        self.blocks.len().saturating_sub(1) as u64
    }
}

/// Everything the checkers look at.
#[derive(Clone, Debug, Default)]
pub struct Observations {
    pub nodes: Vec<NodeChain>,
    /// Transactions reported committed, with the node and height first reporting them.
    pub acked: BTreeMap<Hash, (String, u64)>,
    /// Conflicting votes seen by the vote monitor: (validator, kind, view).
    pub vote_conflicts: Vec<(String, &'static str, u64, u64)>,
    /// Validators restarted with a damaged consensus journal, and how they voted after.
    pub lost_votes: Vec<LostVotes>,
    /// Blocks finalized during the run on the first honest node (progress).
    pub final_height: u64,
    /// The runtime's audit digest: equal digests mean identical executions.
    pub audit: String,
    /// Peers blocked by the network layer: (blocker, blocked).
    pub blocked: Vec<(String, String)>,
    /// Blocks that must have happened (a node that was served corrupt data blocks the server).
    pub must_block: Vec<(String, String)>,
    /// Per epoch, the validators whose votes honest nodes' consensus accepted.
    pub voters: BTreeMap<u64, BTreeSet<String>>,
    /// Per epoch, the validator set the first honest node's committed state records.
    pub epoch_sets: BTreeMap<u64, BTreeSet<String>>,
    /// (node, height): an epoch's last block for which the node holds no certificate of that
    /// epoch, so a light client asking it could not learn the next epoch's validators.
    pub unprovable_epochs: Vec<(String, u64)>,
    /// With the asset load, per honest node: the asset's supply and the sum of its holdings
    /// (absent if the asset does not exist there).
    pub asset_books: Vec<(String, Option<(u128, u128)>)>,
}

/// A validator whose journal lost its votes of `epoch` up to view `through`.
#[derive(Clone, Debug)]
pub struct LostVotes {
    pub validator: String,
    pub epoch: u64,
    pub through: u64,
    /// (kind, view) of votes it signed again in those views: a validator that cannot remember
    /// its votes must not vote there at all.
    pub revotes: Vec<(&'static str, u64)>,
    /// The newest (epoch, view) past the lost views it voted in after restarting.
    pub voted_after: Option<(u64, u64)>,
}

/// A broken property.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Violation {
    Fork {
        height: u64,
        a: String,
        b: String,
    },
    LostAck {
        tx: Hash,
        node: String,
    },
    Duplicate {
        tx: Hash,
        node: String,
        count: usize,
    },
    NotCaughtUp {
        node: String,
        height: u64,
        needed: u64,
    },
    Diverged {
        lowest: u64,
        highest: u64,
    },
    ConflictingVotes {
        validator: String,
        kind: &'static str,
        epoch: u64,
        view: u64,
    },
    VotedWithoutRecord {
        validator: String,
        kind: &'static str,
        epoch: u64,
        view: u64,
        through: u64,
    },
    TimeWentBack {
        node: String,
        height: u64,
    },
    CorruptPeerKept {
        node: String,
        peer: String,
    },
    VoteOutsideSet {
        validator: String,
        epoch: u64,
    },
    EpochUnprovable {
        node: String,
        height: u64,
    },
    AssetBooks {
        node: String,
        supply: u128,
        holdings: u128,
    },
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Violation::Fork { height, a, b } => {
                write!(f, "fork at height {height} between {a} and {b}")
            }
            Violation::LostAck { tx, node } => {
                write!(f, "acknowledged transaction {tx} is missing on {node}")
            }
            Violation::Duplicate { tx, node, count } => {
                write!(f, "transaction {tx} appears {count} times on {node}")
            }
            Violation::NotCaughtUp {
                node,
                height,
                needed,
            } => {
                write!(
                    f,
                    "{node} ended at height {height}, below acknowledged height {needed}"
                )
            }
            Violation::Diverged { lowest, highest } => write!(
                f,
                "honest nodes ended {lowest}..{highest} apart after healing"
            ),
            Violation::ConflictingVotes {
                validator,
                kind,
                epoch,
                view,
            } => {
                write!(
                    f,
                    "{validator} signed two different {kind} votes in epoch {epoch}, view {view}"
                )
            }
            Violation::VotedWithoutRecord {
                validator,
                kind,
                epoch,
                view,
                through,
            } => write!(
                f,
                "{validator} lost its votes of epoch {epoch} up to view {through} and signed a \
                 {kind} vote in view {view} again"
            ),
            Violation::TimeWentBack { node, height } => {
                write!(f, "{node}: block {height} is not later than its parent")
            }
            Violation::EpochUnprovable { node, height } => write!(
                f,
                "{node} has no certificate of its own epoch for block {height}, which records the next epoch's validators"
            ),
            Violation::VoteOutsideSet { validator, epoch } => {
                write!(
                    f,
                    "a vote of {validator} counted in epoch {epoch}, whose validator set it is not in"
                )
            }
            Violation::CorruptPeerKept { node, peer } => {
                write!(
                    f,
                    "{node} was served corrupt data by {peer} but did not block it"
                )
            }
            Violation::AssetBooks {
                node,
                supply,
                holdings,
            } => write!(
                f,
                "{node}'s holdings of the load asset sum to {holdings}, its supply is {supply}"
            ),
        }
    }
}

/// How far apart honest nodes may end after the network healed.
pub const MAX_END_SPREAD: u64 = 4;

/// Checks every property; an empty list means the run passed.
pub fn check(obs: &Observations) -> Vec<Violation> {
    let mut violations = Vec::new();
    let honest: Vec<&NodeChain> = obs.nodes.iter().filter(|n| n.honest).collect();

    // Fork-free.
    let max_height = honest.iter().map(|n| n.height()).max().unwrap_or(0);
    for h in 0..=max_height {
        let mut seen: Option<(&NodeChain, (Hash, Hash))> = None;
        for n in &honest {
            let Some((hash, root, _)) = n.blocks.get(h as usize) else {
                continue;
            };
            match seen {
                None => seen = Some((n, (*hash, *root))),
                Some((first, id)) if id != (*hash, *root) => {
                    violations.push(Violation::Fork {
                        height: h,
                        a: first.label.clone(),
                        b: n.label.clone(),
                    });
                    break;
                }
                Some(_) => {}
            }
        }
        if violations
            .iter()
            .any(|v| matches!(v, Violation::Fork { .. }))
        {
            break;
        }
    }

    // No lost acknowledgements.
    for n in &honest {
        let mut count: BTreeMap<Hash, usize> = BTreeMap::new();
        for (_, _, txs) in &n.blocks {
            for t in txs {
                *count.entry(*t).or_default() += 1;
            }
        }
        let mut needed = 0;
        for (tx, (_, height)) in &obs.acked {
            needed = needed.max(*height);
            match count.get(tx).copied().unwrap_or(0) {
                1 => {}
                0 if n.height() < *height => {}
                0 => violations.push(Violation::LostAck {
                    tx: *tx,
                    node: n.label.clone(),
                }),
                c => violations.push(Violation::Duplicate {
                    tx: *tx,
                    node: n.label.clone(),
                    count: c,
                }),
            }
        }
        if n.height() < needed {
            violations.push(Violation::NotCaughtUp {
                node: n.label.clone(),
                height: n.height(),
                needed,
            });
        }
    }

    // Convergence.
    let lowest = honest.iter().map(|n| n.height()).min().unwrap_or(0);
    if max_height - lowest > MAX_END_SPREAD {
        violations.push(Violation::Diverged {
            lowest,
            highest: max_height,
        });
    }

    // Block timestamps strictly increase.
    for n in &honest {
        if let Some(h) = n.timestamps.windows(2).position(|w| w[1] <= w[0]) {
            violations.push(Violation::TimeWentBack {
                node: n.label.clone(),
                height: h as u64 + 1,
            });
        }
    }

    // Every node can prove every epoch's validator set to a light client.
    for (node, height) in &obs.unprovable_epochs {
        violations.push(Violation::EpochUnprovable {
            node: node.clone(),
            height: *height,
        });
    }

    // Only the epoch's validators' votes count.
    for (epoch, voters) in &obs.voters {
        let set = obs.epoch_sets.get(epoch);
        for v in voters {
            if !set.is_some_and(|s| s.contains(v)) {
                violations.push(Violation::VoteOutsideSet {
                    validator: v.clone(),
                    epoch: *epoch,
                });
            }
        }
    }

    for (node, book) in &obs.asset_books {
        if let Some((supply, holdings)) = book
            && supply != holdings
        {
            violations.push(Violation::AssetBooks {
                node: node.clone(),
                supply: *supply,
                holdings: *holdings,
            });
        }
    }

    for (node, peer) in &obs.must_block {
        if !obs.blocked.contains(&(node.clone(), peer.clone())) {
            violations.push(Violation::CorruptPeerKept {
                node: node.clone(),
                peer: peer.clone(),
            });
        }
    }

    for lost in &obs.lost_votes {
        for (kind, view) in &lost.revotes {
            violations.push(Violation::VotedWithoutRecord {
                validator: lost.validator.clone(),
                kind,
                epoch: lost.epoch,
                view: *view,
                through: lost.through,
            });
        }
    }

    for (validator, kind, epoch, view) in &obs.vote_conflicts {
        violations.push(Violation::ConflictingVotes {
            validator: validator.clone(),
            kind,
            epoch: *epoch,
            view: *view,
        });
    }
    violations
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(label: &str, ids: &[u8]) -> NodeChain {
        NodeChain {
            label: label.into(),
            honest: true,
            blocks: ids
                .iter()
                .map(|i| (Hash([*i; 32]), Hash([*i; 32]), vec![Hash([100 + *i; 32])]))
                .collect(),
            timestamps: (0..ids.len() as u64).collect(),
        }
    }

    #[test]
    fn the_checkers_can_fail() {
        let mut obs = Observations {
            lost_votes: Vec::new(),
            nodes: vec![chain("a", &[0, 1, 2]), chain("b", &[0, 1, 3])],
            ..Default::default()
        };
        assert!(matches!(check(&obs)[0], Violation::Fork { height: 2, .. }));

        obs.nodes = vec![chain("a", &[0, 1, 2]), chain("b", &[0, 1, 2])];
        obs.acked.insert(Hash([101; 32]), ("a".into(), 1));
        assert!(check(&obs).is_empty());
        obs.acked.insert(Hash([7; 32]), ("a".into(), 1));
        assert_eq!(
            check(&obs).len(),
            2,
            "the unknown acknowledged transaction is lost on both"
        );

        obs.acked.clear();
        obs.nodes = vec![chain("a", &[0, 1, 2, 3, 4, 5, 6, 7]), chain("b", &[0, 1])];
        assert!(
            check(&obs)
                .iter()
                .any(|v| matches!(v, Violation::Diverged { .. }))
        );

        obs.nodes.clear();
        obs.must_block = vec![("full".into(), "v2".into())];
        obs.blocked = vec![("full".into(), "v1".into())];
        assert!(matches!(
            check(&obs)[..],
            [Violation::CorruptPeerKept { .. }]
        ));
        obs.blocked.push(("full".into(), "v2".into()));
        assert!(check(&obs).is_empty());

        obs.asset_books = vec![("v0".into(), Some((10, 10))), ("v1".into(), None)];
        assert!(check(&obs).is_empty());
        obs.asset_books.push(("v2".into(), Some((10, 9))));
        assert!(matches!(
            check(&obs)[..],
            [Violation::AssetBooks { holdings: 9, .. }]
        ));
    }
}
