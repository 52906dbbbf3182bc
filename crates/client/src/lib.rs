#![warn(missing_docs, unreachable_pub)]
//! Rust SDK for citychain: typed RPC client, transaction building, key files, and offline
//! verification of finality and state proofs.
//!
//! ```no_run
//! # async fn demo() -> Result<(), citychain_client::ClientError> {
//! use citychain_client::Client;
//! use citychain_client::api::*;
//! let client = Client::connect("http://127.0.0.1:8545")?;
//! let status = client.rpc().chain_status().await?;
//! println!("height {}", status.height);
//! # Ok(()) }
//! ```

pub mod abi;
pub mod certificates;
mod client;
pub mod keys;
pub mod time;
pub mod trace;
pub mod verify;

/// Every namespace's client trait (`ChainApiClient`, `TxApiClient`, …): `use
/// citychain_client::api::*` to call the node's methods on [`Client::rpc`].
pub use citychain_rpc::client as api;
pub use citychain_rpc::types;
pub use client::{ChainInfo, Client, ClientError};
