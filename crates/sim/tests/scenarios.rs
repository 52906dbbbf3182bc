//! Seeded scenarios of RELIABILITY.md, each checked for forks, lost acknowledgements,
//! conflicting votes and convergence.

use citychain_sim::{Fault, Scenario, run_and_check};
use std::time::Duration;

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn assert_passes(scenario: &Scenario) -> citychain_sim::Observations {
    let (obs, violations) = run_and_check(scenario);
    assert!(
        violations.is_empty(),
        "{} seed {} broke: {}",
        scenario.name,
        scenario.seed,
        violations
            .iter()
            .map(|v| v.to_string())
            .collect::<Vec<_>>()
            .join("; ")
    );
    obs
}

#[test]
fn healthy_network_makes_progress_and_commits_the_load() {
    let obs = assert_passes(
        &Scenario::new("healthy", 1)
            .duration(secs(10))
            .settle(secs(10)),
    );
    assert!(obs.final_height >= 20, "only {} blocks", obs.final_height);
    assert!(
        obs.acked.len() >= 300,
        "only {} transactions committed",
        obs.acked.len()
    );
}

#[test]
fn a_seed_replays_exactly() {
    let s = Scenario::new("replay", 7)
        .duration(secs(6))
        .settle(secs(4))
        .at(secs(2), Fault::Crash(1))
        .at(secs(4), Fault::Restart(1));
    let a = assert_passes(&s);
    let b = assert_passes(&s);
    assert_eq!(
        a.audit, b.audit,
        "the runtime's event digest differs between two runs of one seed"
    );
    let chain = |o: &citychain_sim::Observations| {
        o.nodes
            .iter()
            .map(|n| n.blocks.iter().map(|b| b.0).collect::<Vec<_>>())
            .collect::<Vec<_>>()
    };
    assert_eq!(chain(&a), chain(&b));
    let other = assert_passes(&Scenario { seed: 8, ..s });
    assert_ne!(a.audit, other.audit, "another seed is another execution");
}

use citychain_sim::{Violation, catalog};

/// Seeds CI runs per scenario; `citychain-sim --seeds N` runs campaigns.
const CI_SEEDS: u64 = 3;

fn campaign(make: fn(u64) -> Scenario, seeds: u64) {
    for seed in 0..seeds {
        assert_passes(&make(seed));
    }
}

#[test]
fn twins_never_fork() {
    campaign(catalog::twins, CI_SEEDS);
}

#[test]
fn the_canary_is_caught() {
    for seed in 0..2 {
        let (_, violations) = run_and_check(&catalog::canary(seed));
        assert!(
            violations
                .iter()
                .any(|v| matches!(v, Violation::Fork { .. })),
            "the broken build went unnoticed on seed {seed}: {violations:?}"
        );
    }
}

#[test]
fn partitions_heal_without_forks_or_lost_transactions() {
    campaign(catalog::partitions, CI_SEEDS);
}

#[test]
fn message_loss_and_reordering() {
    campaign(catalog::lossy, 2);
}

#[test]
fn a_skewed_clock_keeps_timestamps_monotone() {
    campaign(catalog::skew, 2);
}

#[test]
fn crashes_at_persistence_points() {
    campaign(catalog::crashes, CI_SEEDS);
}

#[test]
fn assets_add_up_on_every_node_across_crashes() {
    // Two seeds here (each about a minute); `citychain-sim --scenario assets --seeds N` runs more.
    for seed in 0..2 {
        let obs = assert_passes(&catalog::assets(seed));
        assert!(!obs.asset_books.is_empty(), "seed {seed}: no node observed");
        for (node, book) in &obs.asset_books {
            let (supply, _) = book.unwrap_or_else(|| panic!("seed {seed}: {node} has no asset"));
            assert!(supply > 0, "seed {seed}: {node}: nothing was minted");
        }
    }
}

#[test]
fn a_validator_whose_journal_is_damaged_never_votes_twice_and_votes_again_later() {
    for seed in 0..CI_SEEDS {
        let scenario = catalog::corrupt_journal(seed);
        let obs = assert_passes(&scenario);
        assert_eq!(obs.lost_votes.len(), 1, "seed {seed}: no journal damaged");
        for lost in &obs.lost_votes {
            // No vote in the forgotten views (checked by assert_passes), and voting again after.
            assert!(
                lost.voted_after.is_some(),
                "seed {seed}: {} never voted again after losing views up to {} of epoch {}",
                lost.validator,
                lost.through,
                lost.epoch
            );
        }
    }
}

#[test]
fn everyone_crashes_and_restarts() {
    campaign(catalog::all_crash, 2);
}

#[test]
fn a_full_node_syncs_from_genesis_past_a_lying_peer() {
    // Seeds 0 and 2 have a liar (within one epoch); seed 1 crosses several epochs while syncing.
    let mut lied = 0;
    for seed in 0..3 {
        let scenario = catalog::sync(seed);
        let obs = assert_passes(&scenario);
        let full = obs
            .nodes
            .iter()
            .find(|n| n.label == "full")
            .expect("the full node ran");
        assert!(
            full.height() + 4 >= obs.final_height && obs.final_height >= 60,
            "seed {seed}: full node at {} of {}",
            full.height(),
            obs.final_height
        );
        if scenario.liar.is_none() {
            assert!(
                obs.epoch_sets.len() >= 3,
                "seed {seed}: {:?}",
                obs.epoch_sets.keys()
            );
        }
        // Whether the liar gets to answer depends on the schedule; where its corrupt answers
        // arrived it must be blocked (the checker enforces that), and that must happen.
        if !obs.must_block.is_empty() {
            lied += 1;
            let liar = format!("v{}", scenario.liar.expect("a liar"));
            assert!(
                obs.blocked.contains(&("full".into(), liar.clone())),
                "seed {seed}: {liar} served corrupt blocks and was not blocked: {:?}",
                obs.blocked
            );
        }
    }
    assert!(
        lied >= 1,
        "the liar's corrupt answers reached the full node on no seed"
    );
}

#[test]
fn validators_join_and_leave_by_vote_under_load() {
    let mut stale_seen = false;
    for seed in 0..3 {
        let scenario = catalog::reconfigure(seed);
        let obs = assert_passes(&scenario);
        let removed = scenario
            .faults
            .iter()
            .find_map(|(_, f)| match f {
                Fault::RemoveValidator(v) => Some(format!("v{v}")),
                _ => None,
            })
            .expect("a removal");
        // The state records the joiner ("full", node 4) in a later epoch's set and the removed
        // validator out of an even later one.
        let joined = obs
            .epoch_sets
            .iter()
            .find(|(_, set)| set.contains("full"))
            .map(|(e, _)| *e)
            .expect("the new validator never joined");
        let left = obs
            .epoch_sets
            .iter()
            .find(|(e, set)| **e > joined && !set.contains(&removed))
            .map(|(e, _)| *e)
            .expect("the removed validator never left");
        assert!(joined >= 1, "seed {seed}: joined in epoch {joined}");
        // The newcomer's votes count from its first epoch on; the removed validator's never
        // after it left (the checker also holds every counted vote to its epoch's set).
        assert!(
            obs.voters
                .iter()
                .any(|(e, v)| *e >= joined && v.contains("full")),
            "seed {seed}: the new validator's votes never counted: {:?}",
            obs.voters
        );
        assert!(
            obs.voters.range(left..).all(|(_, v)| !v.contains(&removed)),
            "seed {seed}: {removed} still counted after epoch {left}"
        );
        // The chain kept going for more than one epoch after the removal.
        assert!(
            obs.epoch_sets.keys().any(|e| *e > left),
            "seed {seed}: no epoch after {left}: {:?}",
            obs.epoch_sets.keys()
        );
        // A removed validator that keeps voting is refused, and its peers stop listening to it.
        if scenario.stale.is_some() {
            stale_seen = true;
            assert!(
                obs.blocked.iter().any(|(_, peer)| *peer == removed),
                "seed {seed}: nobody blocked {removed}, which voted after its removal: {:?}",
                obs.blocked
            );
        }
    }
    assert!(stale_seen, "no seed let the removed validator keep voting");
}
