//! A citychain node: consensus, p2p, execution, storage and the RPC server wired together.
//!
//! - [`app`]: the chain state machine consensus drives (build, verify, finalize).
//! - [`consensus`]: commonware simplex + marshal, over authenticated p2p.
//! - [`api`]: the JSON-RPC API (one file per namespace) and the plain routes' answers, backed by
//!   the node's storage, mempool and consensus.
//! - [`run`]: running a node as a process.

pub mod api;
pub mod app;
pub mod assemble;
pub mod config;
pub mod consensus;
mod error;
pub mod relay;
pub mod run;

pub use error::{Error, Result};
pub use run::{NodeConfig, Ready, consensus_namespace, p2p_namespace, run};
