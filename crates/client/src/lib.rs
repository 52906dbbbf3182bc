//! Rust SDK for citychain: typed RPC client, transaction building, key files, and offline
//! verification of finality and state proofs.
//!
//! ```no_run
//! # async fn demo() -> Result<(), citychain_client::ClientError> {
//! use citychain_client::Client;
//! use citychain_rpc::CitychainApiClient;
//! let client = Client::connect("http://127.0.0.1:8545")?;
//! let status = client.rpc().chain_status().await?;
//! println!("height {}", status.height);
//! # Ok(()) }
//! ```

pub mod abi;
mod client;
pub mod keys;
pub mod verify;

pub use citychain_rpc::{CitychainApiClient, types};
pub use client::{ChainInfo, Client, ClientError};
