//! citychain's JSON-RPC 2.0 API: method definitions by namespace, wire types, errors and the
//! HTTP/WebSocket server with its router for plain routes.
//!
//! The node implements the `*ApiServer` traits of [`api`]; the `*ApiClient` traits (all in
//! [`client`]) are implemented for jsonrpsee's HTTP and WebSocket clients, so the CLI and tests
//! call the same typed methods.

pub mod api;
mod conform;
pub mod console;
pub mod error;
pub mod http;
#[cfg(feature = "schema")]
pub mod openrpc;
mod server;
pub mod types;

pub use api::client;
pub use jsonrpsee;
pub use server::{ServerConfig, serve};
