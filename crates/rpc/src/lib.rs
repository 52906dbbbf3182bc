//! citychain's JSON-RPC 2.0 API: method definitions, wire types, errors and the HTTP/WebSocket server.
//!
//! [`CitychainApiServer`] is implemented by the node; [`CitychainApiClient`] is implemented for
//! jsonrpsee's HTTP and WebSocket clients, so the CLI and tests call the same typed methods.

mod api;
mod conform;
pub mod error;
pub mod http;
mod server;
pub mod types;

pub use api::{CitychainApiClient, CitychainApiServer};
pub use jsonrpsee;
pub use server::{ServerConfig, serve};
