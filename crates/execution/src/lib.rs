//! Deterministic block execution: validity rules, gas, native accounts and transfers, contracts.
//!
//! Execution is a pure function of (parent state, block): no clock, no randomness, no iteration
//! over unordered maps. It reads through an [`Overlay`] and returns the block's write set and
//! receipts; the caller turns the write set into a new state root.

pub mod admission;
pub mod contracts;
mod error;
mod executor;
pub mod gas;
mod genesis;
pub mod native;
mod overlay;
pub mod permissions;
pub mod read;
mod signatures;

pub use admission::check_stateless;
pub use error::{BlockError, InvalidTx, Result};
pub use executor::{BlockContext, BlockInfo, BlockOutcome, Executor, execute_block};
pub use genesis::genesis_writes;
pub use overlay::Overlay;
pub use signatures::first_bad_signature;
