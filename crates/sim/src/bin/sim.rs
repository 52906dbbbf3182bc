//! Runs simulation campaigns: many seeds of the RELIABILITY.md scenarios, reporting any seed that
//! breaks a property, with the command that replays it.
//!
//! ```sh
//! cargo run --release -p citychain-sim --bin citychain-sim -- --scenario twins --seeds 500
//! cargo run --release -p citychain-sim --bin citychain-sim -- --scenario all --seeds 100 --first 1000
//! cargo run --release -p citychain-sim --bin citychain-sim -- --scenario crashes --seed 42 --verbose
//! ```

use citychain_sim::{catalog, run_and_check};
use clap::Parser;
use std::{process::ExitCode, time::Instant};

/// Deterministic simulation campaigns.
#[derive(Parser)]
struct Args {
    /// A scenario (twins, canary, partitions, lossy, skew, crashes, corrupt-journal, all-crash, sync,
    /// reconfigure, assets) or "all".
    #[arg(long, default_value = "all")]
    scenario: String,
    /// How many seeds to run per scenario.
    #[arg(long, default_value_t = 20)]
    seeds: u64,
    /// The first seed.
    #[arg(long, default_value_t = 0)]
    first: u64,
    /// Run exactly this seed (replay).
    #[arg(long)]
    seed: Option<u64>,
    /// Log what the nodes do.
    #[arg(long)]
    verbose: bool,
    /// Print a JSON line per run.
    #[arg(long)]
    json: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    if args.verbose {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(std::env::var("RUST_LOG").unwrap_or_else(|_| "info".into()))
            .with_writer(std::io::stderr)
            .try_init();
    }
    let names: Vec<&str> = if args.scenario == "all" {
        catalog::NAMES.to_vec()
    } else {
        vec![args.scenario.as_str()]
    };
    let seeds: Vec<u64> = match args.seed {
        Some(s) => vec![s],
        None => (args.first..args.first + args.seeds).collect(),
    };
    let mut failures = 0;
    let mut runs = 0;
    for name in names {
        let started = Instant::now();
        let mut passed = 0;
        for &seed in &seeds {
            let Some(scenario) = catalog::by_name(name, seed) else {
                eprintln!(
                    "unknown scenario {name:?}; known: {}",
                    catalog::NAMES.join(", ")
                );
                return ExitCode::FAILURE;
            };
            let (obs, violations) = run_and_check(&scenario);
            runs += 1;
            // The canary must break; everything else must not.
            let ok = if name == "canary" {
                !violations.is_empty()
            } else {
                violations.is_empty()
            };
            if args.json {
                println!(
                    "{}",
                    serde_json::json!({
                        "scenario": name, "seed": seed, "ok": ok, "height": obs.final_height,
                        "committed_txs": obs.acked.len(), "faults": scenario.faults.len(),
                        "longest_block_gap_ms": obs.nodes.iter().find(|n| n.honest).map(|n| {
                            n.timestamps.windows(2).map(|w| (w[1].saturating_sub(w[0]), w[1])).max()
                        }),
                        "epochs": obs.epoch_sets.len(),
                        "violations": violations.iter().map(|v| v.to_string()).collect::<Vec<_>>(),
                    })
                );
            }
            if ok {
                passed += 1;
            } else {
                failures += 1;
                eprintln!(
                    "FAIL {name} seed {seed}: {}",
                    if violations.is_empty() {
                        "the canary was not caught".to_string()
                    } else {
                        violations
                            .iter()
                            .map(|v| v.to_string())
                            .collect::<Vec<_>>()
                            .join("; ")
                    }
                );
                eprintln!(
                    "  replay: cargo run --release -p citychain-sim --bin citychain-sim -- --scenario {name} --seed {seed} --verbose"
                );
            }
        }
        if !args.json {
            println!(
                "{name:<11} {passed}/{} seeds passed in {:.1} s",
                seeds.len(),
                started.elapsed().as_secs_f64()
            );
        }
    }
    if failures > 0 {
        eprintln!("{failures} of {runs} runs failed");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
