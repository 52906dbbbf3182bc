//! Plain HTTP endpoints beside JSON-RPC on the same port: `GET /health` (is the node making or
//! following progress), `GET /live` (does the process answer) and `GET /metrics`.

use jsonrpsee::server::{HttpBody, HttpRequest, HttpResponse};
use std::{
    future::Future,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
};
use tower::{Layer, Service};

/// What the plain endpoints report.
pub trait Endpoints: Send + Sync + 'static {
    /// Prometheus text exposition of the node's metrics.
    fn metrics(&self) -> String;
    /// Whether the node is healthy, and a JSON body saying why.
    fn health(&self) -> (bool, serde_json::Value);
}

/// Serves the plain endpoints and passes everything else to JSON-RPC.
#[derive(Clone)]
pub struct EndpointsLayer {
    endpoints: Arc<dyn Endpoints>,
}

impl EndpointsLayer {
    pub fn new(endpoints: Arc<dyn Endpoints>) -> Self {
        EndpointsLayer { endpoints }
    }
}

impl<S> Layer<S> for EndpointsLayer {
    type Service = EndpointsService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        EndpointsService {
            inner,
            endpoints: self.endpoints.clone(),
        }
    }
}

#[derive(Clone)]
pub struct EndpointsService<S> {
    inner: S,
    endpoints: Arc<dyn Endpoints>,
}

fn response(status: http::StatusCode, content_type: &'static str, body: String) -> HttpResponse {
    http::Response::builder()
        .status(status)
        .header(http::header::CONTENT_TYPE, content_type)
        .body(HttpBody::from(body))
        .expect("static status and header are valid")
}

impl<S, B> Service<HttpRequest<B>> for EndpointsService<S>
where
    S: Service<HttpRequest<B>, Response = HttpResponse>,
    S::Future: Send + 'static,
{
    type Response = HttpResponse;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, S::Error>> + Send + 'static>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: HttpRequest<B>) -> Self::Future {
        if req.method() == http::Method::GET {
            match req.uri().path() {
                "/metrics" => {
                    let body = self.endpoints.metrics();
                    return Box::pin(async move {
                        Ok(response(
                            http::StatusCode::OK,
                            "text/plain; version=0.0.4; charset=utf-8",
                            body,
                        ))
                    });
                }
                // Liveness for process supervisors: the process answers.
                "/live" => {
                    return Box::pin(async move {
                        Ok(response(
                            http::StatusCode::OK,
                            "application/json",
                            r#"{"live":true}"#.into(),
                        ))
                    });
                }
                "/health" => {
                    let (healthy, body) = self.endpoints.health();
                    let status = if healthy {
                        http::StatusCode::OK
                    } else {
                        http::StatusCode::SERVICE_UNAVAILABLE
                    };
                    return Box::pin(async move {
                        Ok(response(status, "application/json", body.to_string()))
                    });
                }
                _ => {}
            }
        }
        Box::pin(self.inner.call(req))
    }
}
