//! Seeded scenarios of RELIABILITY.md, each checked for forks, lost acknowledgements,
//! conflicting votes and convergence.

use citychain_testing::{Fault, Scenario, run_and_check};
use std::time::Duration;

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn assert_passes(scenario: &Scenario) -> citychain_testing::Observations {
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
    let chain = |o: &citychain_testing::Observations| {
        o.nodes
            .iter()
            .map(|n| n.blocks.iter().map(|b| b.0).collect::<Vec<_>>())
            .collect::<Vec<_>>()
    };
    assert_eq!(chain(&a), chain(&b));
    let other = assert_passes(&Scenario { seed: 8, ..s });
    assert_ne!(a.audit, other.audit, "another seed is another execution");
}

use citychain_testing::{Violation, catalog};

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
fn everyone_crashes_and_restarts() {
    campaign(catalog::all_crash, 2);
}

#[test]
fn a_full_node_syncs_from_genesis_past_a_lying_peer() {
    for seed in 0..2 {
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
        let liar = format!("v{}", scenario.liar.expect("a liar"));
        assert!(
            obs.blocked.contains(&("full".into(), liar.clone())),
            "seed {seed}: {liar} served corrupt blocks and was not blocked: {:?}",
            obs.blocked
        );
    }
}
