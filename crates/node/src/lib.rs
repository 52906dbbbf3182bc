//! A citychain node: consensus, p2p, execution, storage and the RPC server wired together.
//!
//! - [`app`]: the chain state machine consensus drives (build, verify, finalize).
//! - [`consensus`]: commonware simplex + marshal, over authenticated p2p.
//! - [`api`]: the JSON-RPC API (one file per namespace) and the plain routes' answers, backed by
//!   the node's storage, mempool and consensus.
//! - [`wiring`]: the node's parts started on any runtime (the process and the simulator share it).
//! - [`process`]: running a node as an operating-system process.

pub mod api;
pub mod app;
pub mod config;
pub mod consensus;
mod error;
pub mod process;
pub mod relay;
pub mod wiring;

pub use error::{Error, Result};
pub use process::{NodeConfig, Ready, consensus_namespace, p2p_namespace, run};
