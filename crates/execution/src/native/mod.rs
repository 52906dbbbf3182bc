//! Native modules: state transitions built into the chain rather than deployed as contracts.

pub mod bank;
pub mod governance;
pub mod multisig;

use citychain_types::{Event, Status};

/// How a payload ended. Failures are recorded in the receipt; the transaction still costs gas.
pub enum PayloadOutcome {
    Success { events: Vec<Event>, output: Vec<u8> },
    Failure { status: Status, reason: String },
}
