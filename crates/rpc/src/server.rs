//! Starting the API server: JSON-RPC over HTTP and WebSocket, `/health` and `/metrics`, one port.

use crate::{
    CitychainApiServer,
    http::{Endpoints, EndpointsLayer},
};
use jsonrpsee::server::{ServerBuilder, ServerHandle};
use std::{net::SocketAddr, sync::Arc};

/// Limits of the API server.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    /// Largest request body; a bigger one gets an error before it is parsed.
    pub max_request_bytes: u32,
    pub max_response_bytes: u32,
    pub max_connections: u32,
    pub max_subscriptions_per_connection: u32,
}

impl ServerConfig {
    pub fn new(listen: SocketAddr) -> Self {
        ServerConfig {
            listen,
            max_request_bytes: 16 << 20,
            max_response_bytes: 64 << 20,
            max_connections: 1_000,
            max_subscriptions_per_connection: 10_000,
        }
    }
}

/// Starts serving; returns the bound address (useful with port 0) and a handle that stops it.
pub async fn serve(
    config: ServerConfig,
    api: impl CitychainApiServer,
    endpoints: Arc<dyn Endpoints>,
) -> std::io::Result<(SocketAddr, ServerHandle)> {
    let limits = jsonrpsee::server::ServerConfig::builder()
        .max_request_body_size(config.max_request_bytes)
        .max_response_body_size(config.max_response_bytes)
        .max_connections(config.max_connections)
        .max_subscriptions_per_connection(config.max_subscriptions_per_connection)
        .build();
    let server = ServerBuilder::with_config(limits)
        .set_http_middleware(tower::ServiceBuilder::new().layer(EndpointsLayer::new(endpoints)))
        .build(config.listen)
        .await?;
    let addr = server.local_addr()?;
    let handle = server.start(api.into_rpc());
    Ok((addr, handle))
}
