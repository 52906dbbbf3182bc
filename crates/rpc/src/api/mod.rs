//! The JSON-RPC methods, one trait per namespace (the method names' prefix). Each definition
//! gives both a server trait the node implements and a typed client trait implemented for
//! jsonrpsee's HTTP and WebSocket clients, so the CLI and tests call the same methods.
//!
//! A new namespace is a new file here with its trait, re-exported below and merged in the
//! node's `api::methods`.

mod asset;
mod audit;
mod chain;
mod contract;
mod gov;
mod multisig;
mod org;
mod state;
mod tx;

pub use asset::{AssetApiClient, AssetApiServer};
pub use audit::{AuditApiClient, AuditApiServer};
pub use chain::{ChainApiClient, ChainApiServer};
pub use contract::{ContractApiClient, ContractApiServer};
pub use gov::{GovApiClient, GovApiServer};
pub use multisig::{MultisigApiClient, MultisigApiServer};
pub use org::{OrgApiClient, OrgApiServer};
pub use state::{StateApiClient, StateApiServer};
pub use tx::{TxApiClient, TxApiServer};

type RpcResult<T> = Result<T, jsonrpsee::types::ErrorObjectOwned>;

/// Every namespace's client trait, for `use citychain_rpc::client::*`.
pub mod client {
    pub use super::{
        AssetApiClient, AuditApiClient, ChainApiClient, ContractApiClient, GovApiClient,
        MultisigApiClient, OrgApiClient, StateApiClient, TxApiClient,
    };
}
