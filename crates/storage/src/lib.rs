//! Durable chain storage: an append-only block log with checksums, indexes and the committed state.

pub mod blocklog;
mod error;
mod store;

pub use blocklog::{BadRecord, Location};
pub use error::{Error, Result};
pub use store::{
    AccountTx, ChainStore, CommitPoint, FaultInjector, Head, Opened, StoreOptions, StoredBlock,
    TxLocation,
};
