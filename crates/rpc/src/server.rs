//! Starting the API server: JSON-RPC over HTTP and WebSocket and the plain routes, one port.

use crate::{conform::ConformLayer, http::RoutesLayer};
use jsonrpsee::{
    Methods,
    server::{ServerBuilder, ServerHandle},
};
use std::net::SocketAddr;

/// Limits of the API server.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    /// Largest request body; a bigger one gets an error before it is parsed.
    pub max_request_bytes: u32,
    pub max_response_bytes: u32,
    pub max_connections: u32,
    pub max_subscriptions_per_connection: u32,
    /// Most calls in one JSON-RPC batch (a longer batch gets one error, and no call runs).
    pub max_batch_len: u32,
    /// Messages (answers and notifications) buffered per connection for a client that is slow
    /// to read; past it the server reads no more requests from that connection.
    pub message_buffer: u32,
}

/// Default of [`ServerConfig::max_subscriptions_per_connection`].
pub const MAX_SUBSCRIPTIONS_PER_CONNECTION: u32 = 128;
/// Default of [`ServerConfig::max_batch_len`].
pub const MAX_BATCH_LEN: u32 = 100;
/// Default of [`ServerConfig::message_buffer`].
pub const MESSAGE_BUFFER: u32 = 256;

impl ServerConfig {
    pub fn new(listen: SocketAddr) -> Self {
        ServerConfig {
            listen,
            max_request_bytes: 16 << 20,
            max_response_bytes: 64 << 20,
            max_connections: 1_000,
            max_subscriptions_per_connection: MAX_SUBSCRIPTIONS_PER_CONNECTION,
            max_batch_len: MAX_BATCH_LEN,
            message_buffer: MESSAGE_BUFFER,
        }
    }
}

/// Starts serving `methods` (every namespace's, merged) and `routes` (the plain HTTP routes,
/// such as [`crate::http::plain_routes`]); returns the bound address (useful with port 0) and a
/// handle that stops it.
pub async fn serve(
    config: ServerConfig,
    methods: impl Into<Methods>,
    routes: axum::Router,
) -> std::io::Result<(SocketAddr, ServerHandle)> {
    let limits = jsonrpsee::server::ServerConfig::builder()
        .max_request_body_size(config.max_request_bytes)
        .max_response_body_size(config.max_response_bytes)
        .max_connections(config.max_connections)
        .max_subscriptions_per_connection(config.max_subscriptions_per_connection)
        .set_batch_request_config(jsonrpsee::server::BatchRequestConfig::Limit(
            config.max_batch_len,
        ))
        .set_message_buffer_capacity(config.message_buffer.max(1))
        .build();
    let server = ServerBuilder::with_config(limits)
        .set_http_middleware(
            tower::ServiceBuilder::new()
                .layer(RoutesLayer::new(routes))
                .layer(ConformLayer {
                    max_request_bytes: config.max_request_bytes,
                    max_batch_len: config.max_batch_len,
                }),
        )
        .build(config.listen)
        .await?;
    let addr = server.local_addr()?;
    let handle = server.start(methods);
    Ok((addr, handle))
}
