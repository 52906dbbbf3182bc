//! The authenticated state: a Jellyfish Merkle tree over fjall, with pending overlays and proofs.
//!
//! - [`StateStore`]: the committed state (one tree version per finalized block).
//! - [`StateView`]: reads and updates at some block, through the chain of [`PendingState`]s of
//!   executed but unfinalized blocks.
//! - [`StateStore::prove`]: inclusion and exclusion proofs, checked by
//!   [`citychain_types::proof::StateProof::verify`].

mod error;
mod hasher;
mod pending;
mod proof;
mod store;

pub use error::{Error, Result};
pub use pending::{Entry, PendingState, Scan, StateView, WriteSet, scan_layers};
pub use store::StateStore;
