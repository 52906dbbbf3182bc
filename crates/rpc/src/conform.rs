//! Answers the requests jsonrpsee gets wrong the way JSON-RPC 2.0 and HTTP say, before they
//! reach it:
//!
//! - a request whose `id` is not a string, a non-negative integer below 2^64 or null (an
//!   array, an object, a fraction, a huge or negative number) gets `-32600` with `id` null
//!   (jsonrpsee answers such a request with a bare `null`);
//! - a subscription method called over HTTP gets `-32601` saying it needs a WebSocket
//!   (jsonrpsee answers `-32603 Internal error` and logs a warning per request);
//! - a WebSocket upgrade request missing what the handshake needs gets HTTP 400 naming it
//!   (jsonrpsee answers 200 with a text body).
//!
//! In a batch, the faulty calls get their error objects and the others run as usual.

use bytes::Bytes;
use http_body_util::{BodyExt as _, Limited};
use jsonrpsee::server::{HttpBody, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::{
    future::Future,
    pin::Pin,
    task::{Context, Poll},
};
use tower::{Layer, Service};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Methods that exist only on a WebSocket connection.
const SUBSCRIPTION_METHODS: [&str; 4] = [
    "chain_subscribeFinalized",
    "chain_unsubscribeFinalized",
    "tx_subscribeReceipt",
    "tx_unsubscribeReceipt",
];

#[derive(Clone)]
pub struct ConformLayer {
    /// Largest request body (a bigger one is left to the server, which refuses it).
    pub max_request_bytes: u32,
    /// Longest batch (a longer one is left to the server, which refuses it whole).
    pub max_batch_len: u32,
}

impl<S> Layer<S> for ConformLayer {
    type Service = ConformService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        ConformService {
            inner,
            limits: self.clone(),
        }
    }
}

#[derive(Clone)]
pub struct ConformService<S> {
    inner: S,
    limits: ConformLayer,
}

/// What is wrong with one call, if anything.
enum Fault {
    /// Answer with this error object (`id` null when the id itself is the fault).
    Answer(serde_json::Value),
    /// A notification (no id) that cannot be served: answer nothing.
    Silent,
}

#[derive(Deserialize)]
struct Peek<'a> {
    #[serde(borrow, default)]
    id: Option<&'a RawValue>,
    #[serde(default)]
    method: Option<std::borrow::Cow<'a, str>>,
}

/// Whether `id` is one jsonrpsee keeps: a string, an integer in `0..2^64`, or null.
fn valid_id(id: &RawValue) -> bool {
    let text = id.get();
    text == "null"
        || text.starts_with('"')
        || (text.bytes().all(|b| b.is_ascii_digit()) && text.parse::<u64>().is_ok())
}

fn error(id: &str, code: i64, message: &str) -> serde_json::Value {
    let id: serde_json::Value = serde_json::from_str(id).unwrap_or(serde_json::Value::Null);
    serde_json::json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}})
}

/// The fault of one call (a JSON object), if any.
fn fault(call: &str) -> Option<Fault> {
    // Not an object, or not shaped like a call: the server answers those correctly.
    let peek: Peek<'_> = serde_json::from_str(call).ok()?;
    match peek.id {
        Some(id) if !valid_id(id) => {
            return Some(Fault::Answer(error(
                "null",
                -32600,
                "Invalid request: id must be a string, an integer from 0 to 2^64 - 1, or null",
            )));
        }
        _ => {}
    }
    let method = peek.method?;
    if !SUBSCRIPTION_METHODS.contains(&method.as_ref()) {
        return None;
    }
    let Some(id) = peek.id else {
        return Some(Fault::Silent);
    };
    Some(Fault::Answer(error(
        id.get(),
        -32601,
        &format!(
            "{method} is a subscription: call it over a WebSocket connection to this port \
             (ws://), not over HTTP"
        ),
    )))
}

fn json_response(body: String) -> HttpResponse {
    http::Response::builder()
        .status(http::StatusCode::OK)
        .header(
            http::header::CONTENT_TYPE,
            "application/json; charset=utf-8",
        )
        .body(HttpBody::from(body))
        .expect("static status and header are valid")
}

fn text_response(status: http::StatusCode, body: String) -> HttpResponse {
    http::Response::builder()
        .status(status)
        .header(http::header::CONTENT_TYPE, "text/plain; charset=utf-8")
        .body(HttpBody::from(body))
        .expect("static status and header are valid")
}

/// What a WebSocket upgrade request lacks, if it asks for one.
fn bad_upgrade<B>(req: &HttpRequest<B>) -> Option<String> {
    let header = |name: http::header::HeaderName| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_ascii_lowercase)
    };
    if !header(http::header::UPGRADE).is_some_and(|u| u.contains("websocket")) {
        return None;
    }
    if req.method() != http::Method::GET {
        return Some(format!(
            "a WebSocket upgrade must be a GET request, not {}",
            req.method()
        ));
    }
    if !header(http::header::CONNECTION).is_some_and(|c| c.contains("upgrade")) {
        return Some("a WebSocket upgrade needs the header Connection: Upgrade".into());
    }
    if header(http::header::SEC_WEBSOCKET_KEY).is_none() {
        return Some("a WebSocket upgrade needs the header Sec-WebSocket-Key".into());
    }
    if header(http::header::SEC_WEBSOCKET_VERSION).as_deref() != Some("13") {
        return Some("a WebSocket upgrade needs the header Sec-WebSocket-Version: 13".into());
    }
    None
}

impl<S, B> Service<HttpRequest<B>> for ConformService<S>
where
    S: Service<HttpRequest<HttpBody>, Response = HttpResponse> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    type Response = HttpResponse;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, BoxError>> + Send + 'static>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, req: HttpRequest<B>) -> Self::Future {
        if let Some(why) = bad_upgrade(&req) {
            let mut response = text_response(http::StatusCode::BAD_REQUEST, why + "\n");
            // A failed handshake ends the connection, as after any refused upgrade.
            response.headers_mut().insert(
                http::header::CONNECTION,
                http::HeaderValue::from_static("close"),
            );
            return Box::pin(async move { Ok(response) });
        }
        let declared = req
            .headers()
            .get(http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        let is_call = req.method() == http::Method::POST
            && declared.is_none_or(|n| n <= u64::from(self.limits.max_request_bytes));
        let mut inner = self.inner.clone();
        if !is_call {
            let fut = inner.call(req.map(HttpBody::new));
            return Box::pin(async move { fut.await.map_err(Into::into) });
        }
        let limit = self.limits.max_request_bytes as usize;
        let max_batch = self.limits.max_batch_len as usize;
        Box::pin(async move {
            let (parts, body) = req.into_parts();
            let bytes = match Limited::new(body, limit).collect().await {
                Ok(collected) => collected.to_bytes(),
                Err(_) => {
                    return Ok(text_response(
                        http::StatusCode::PAYLOAD_TOO_LARGE,
                        format!("a request body holds at most {limit} bytes\n"),
                    ));
                }
            };
            // Each plan forwards at most once, and the body is handed on without a copy.
            let forward = move |body: Bytes| {
                http::Request::from_parts(parts, HttpBody::new(http_body_util::Full::new(body)))
            };
            match answer(&bytes, max_batch) {
                Plan::Forward => inner.call(forward(bytes)).await.map_err(Into::into),
                Plan::Answer(body) => Ok(json_response(body)),
                Plan::Split {
                    forward: calls,
                    answers,
                } => {
                    if calls.is_empty() {
                        return Ok(json_response(serde_json::Value::Array(answers).to_string()));
                    }
                    let body = format!("[{}]", calls.join(","));
                    let response = inner
                        .call(forward(Bytes::from(body)))
                        .await
                        .map_err(Into::into)?;
                    let (head, body) = response.into_parts();
                    let served = body.collect().await?.to_bytes();
                    let mut merged = match serde_json::from_slice(&served) {
                        Ok(serde_json::Value::Array(served)) => served,
                        Ok(one) => vec![one],
                        Err(_) => Vec::new(),
                    };
                    merged.extend(answers);
                    let mut out = json_response(serde_json::Value::Array(merged).to_string());
                    *out.status_mut() = head.status;
                    Ok(out)
                }
            }
        })
    }
}

/// What to do with a request body.
#[derive(Debug, PartialEq)]
enum Plan {
    /// Nothing to correct: the server answers it.
    Forward,
    /// Answer this body instead of the server.
    Answer(String),
    /// A batch with faulty calls: the server runs `forward`, whose answers join `answers`.
    Split {
        forward: Vec<String>,
        answers: Vec<serde_json::Value>,
    },
}

fn answer(body: &[u8], max_batch: usize) -> Plan {
    // Peeking costs one pass over the body (two for a batch), without copying its parameters.
    let Some(first) = body.iter().find(|b| !b.is_ascii_whitespace()) else {
        return Plan::Forward;
    };
    if *first != b'[' {
        let Ok(call) = std::str::from_utf8(body) else {
            return Plan::Forward;
        };
        return match fault(call) {
            None => Plan::Forward,
            Some(Fault::Answer(a)) => Plan::Answer(a.to_string()),
            Some(Fault::Silent) => Plan::Answer(String::new()),
        };
    }
    let Ok(calls) = serde_json::from_slice::<Vec<&RawValue>>(body) else {
        return Plan::Forward;
    };
    if calls.len() > max_batch {
        return Plan::Forward;
    }
    let faults: Vec<Option<Fault>> = calls.iter().map(|c| fault(c.get())).collect();
    if faults.iter().all(Option::is_none) {
        return Plan::Forward;
    }
    let mut forward = Vec::new();
    let mut answers = Vec::new();
    for (call, fault) in calls.iter().zip(faults) {
        match fault {
            None => forward.push(call.get().to_string()),
            Some(Fault::Answer(a)) => answers.push(a),
            Some(Fault::Silent) => {}
        }
    }
    Plan::Split { forward, answers }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(body: &str) -> Plan {
        answer(body.as_bytes(), 100)
    }

    #[test]
    fn ids_jsonrpsee_cannot_keep_get_invalid_request_with_a_null_id() {
        for id in [
            "[1]",
            "{\"a\":1}",
            "1.5",
            "1e3",
            "-1",
            "123456789012345678901234567890",
        ] {
            let body = format!(r#"{{"jsonrpc":"2.0","id":{id},"method":"chain_status"}}"#);
            let Plan::Answer(answer) = plan(&body) else {
                panic!("id {id} was passed on");
            };
            let answer: serde_json::Value = serde_json::from_str(&answer).expect("json");
            assert_eq!(answer["id"], serde_json::Value::Null, "{id}");
            assert_eq!(answer["error"]["code"], -32600, "{id}");
        }
        for id in ["1", "0", "18446744073709551615", "\"x\"", "null"] {
            let body = format!(r#"{{"jsonrpc":"2.0","id":{id},"method":"chain_status"}}"#);
            assert_eq!(plan(&body), Plan::Forward, "{id}");
        }
    }

    #[test]
    fn subscriptions_over_http_say_they_need_a_websocket() {
        let Plan::Answer(answer) =
            plan(r#"{"jsonrpc":"2.0","id":7,"method":"chain_subscribeFinalized"}"#)
        else {
            panic!("passed on");
        };
        let answer: serde_json::Value = serde_json::from_str(&answer).expect("json");
        assert_eq!(answer["id"], 7);
        assert_eq!(answer["error"]["code"], -32601);
        assert!(
            answer["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("WebSocket")),
            "{answer}"
        );
        // A notification gets no answer.
        assert_eq!(
            plan(r#"{"jsonrpc":"2.0","method":"tx_subscribeReceipt","params":["0x00"]}"#),
            Plan::Answer(String::new())
        );
    }

    #[test]
    fn a_batch_keeps_its_good_calls_and_answers_the_faulty_ones() {
        let Plan::Split { forward, answers } = plan(
            r#"[{"jsonrpc":"2.0","id":1,"method":"chain_status"},
                {"jsonrpc":"2.0","id":[2],"method":"chain_status"},
                {"jsonrpc":"2.0","id":3,"method":"chain_subscribeFinalized"}]"#,
        ) else {
            panic!("not split");
        };
        assert_eq!(forward.len(), 1);
        assert!(forward[0].contains(r#""id":1"#));
        assert_eq!(answers.len(), 2);
        assert_eq!(answers[0]["error"]["code"], -32600);
        assert_eq!(answers[1]["id"], 3);
        // Garbage and well-formed requests go to the server unchanged.
        assert_eq!(plan("{not json"), Plan::Forward);
        assert_eq!(
            plan(r#"[{"jsonrpc":"2.0","id":1,"method":"chain_status"}]"#),
            Plan::Forward
        );
    }
}
