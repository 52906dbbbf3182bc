//! Deterministic simulation of citychain networks: seeded faults, Byzantine twins, and checkers
//! for forks and lost acknowledgements.
//!
//! A [`Scenario`] describes the validators, the links, a schedule of [`Fault`]s and the load;
//! [`run`] plays it on commonware's deterministic runtime (one thread, simulated time and
//! network, every choice drawn from the seed) with production nodes, and [`check`] judges what
//! happened. The same seed replays the same execution, audit digest included.

pub mod catalog;
pub mod check;
pub mod proxy;
pub mod scenario;
mod sim;

pub use check::{Observations, Violation, check};
pub use scenario::{Fault, LinkSpec, Load, Scenario};
pub use sim::run;

/// Runs a scenario and checks it; returns the observations and any violations.
pub fn run_and_check(scenario: &Scenario) -> (Observations, Vec<Violation>) {
    let obs = run(scenario);
    let violations = check(&obs);
    (obs, violations)
}
