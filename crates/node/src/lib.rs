//! A citychain node: consensus, p2p, execution, storage and the RPC server wired together.
//!
//! - [`app`]: the chain state machine consensus drives (build, verify, finalize).
//! - [`consensus`]: commonware simplex + marshal, over authenticated p2p.
//! - [`service`]: the JSON-RPC API backed by the node's storage and mempool.
//! - [`run`]: running a node as a process.

pub mod app;
pub mod assemble;
pub mod config;
pub mod consensus;
mod error;
pub mod relay;
pub mod run;
pub mod service;

pub use error::{Error, Result};
pub use run::{NodeConfig, Ready, consensus_namespace, p2p_namespace, run};
