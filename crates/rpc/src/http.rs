//! Plain HTTP routes beside JSON-RPC on the same port.
//!
//! JSON-RPC owns `POST` requests and WebSocket upgrades; every other request goes to an axum
//! [`Router`], so pages and other routes mount beside [`plain_routes`] (`GET /health`: is the
//! node making or following progress; `GET /live`: does the process answer; `GET /metrics`)
//! with `Router::merge`, as the console does (`crate::console`).

use axum::{
    Router,
    http::{StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use jsonrpsee::server::{HttpBody, HttpRequest, HttpResponse};
use std::{
    future::Future,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
};
use tower::{Layer, Service, ServiceExt as _};

/// What the plain endpoints report.
pub trait Endpoints: Send + Sync + 'static {
    /// Prometheus text exposition of the node's metrics.
    fn metrics(&self) -> String;
    /// Whether the node is healthy, and a JSON body saying why.
    fn health(&self) -> (bool, serde_json::Value);
}

/// `/health`, `/live` and `/metrics`, answered from `endpoints`.
pub fn plain_routes(endpoints: Arc<dyn Endpoints>) -> Router {
    let for_metrics = endpoints.clone();
    Router::new()
        .route(
            "/metrics",
            get(move || async move {
                (
                    [(
                        header::CONTENT_TYPE,
                        "text/plain; version=0.0.4; charset=utf-8",
                    )],
                    for_metrics.metrics(),
                )
            }),
        )
        // Liveness for process supervisors: the process answers.
        .route(
            "/live",
            get(|| async { json(StatusCode::OK, r#"{"live":true}"#.into()) }),
        )
        .route(
            "/health",
            get(move || async move {
                let (healthy, body) = endpoints.health();
                let status = if healthy {
                    StatusCode::OK
                } else {
                    StatusCode::SERVICE_UNAVAILABLE
                };
                json(status, body.to_string())
            }),
        )
}

fn json(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// What a request no route takes gets.
async fn no_route(uri: axum::http::Uri) -> Response {
    (StatusCode::NOT_FOUND, format!("no route {}\n", uri.path())).into_response()
}

/// Whether a request is for JSON-RPC rather than the router.
fn is_rpc<B>(req: &HttpRequest<B>) -> bool {
    req.method() == http::Method::POST || req.headers().contains_key(http::header::UPGRADE)
}

/// Sends JSON-RPC requests on to the server and the rest to the router.
#[derive(Clone)]
pub(crate) struct RoutesLayer {
    router: Router,
}

impl RoutesLayer {
    pub(crate) fn new(routes: Router) -> Self {
        RoutesLayer {
            router: routes.fallback(no_route),
        }
    }
}

impl<S> Layer<S> for RoutesLayer {
    type Service = RoutesService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RoutesService {
            inner,
            router: self.router.clone(),
        }
    }
}

#[derive(Clone)]
pub(crate) struct RoutesService<S> {
    inner: S,
    router: Router,
}

impl<S, B> Service<HttpRequest<B>> for RoutesService<S>
where
    S: Service<HttpRequest<B>, Response = HttpResponse>,
    S::Future: Send + 'static,
    B: http_body::Body<Data = bytes::Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    type Response = HttpResponse;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, S::Error>> + Send + 'static>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: HttpRequest<B>) -> Self::Future {
        if is_rpc(&req) {
            return Box::pin(self.inner.call(req));
        }
        let router = self.router.clone();
        Box::pin(async move {
            let response = match router.oneshot(req).await {
                Ok(response) => response,
                Err(never) => match never {},
            };
            Ok(response.map(HttpBody::new))
        })
    }
}
