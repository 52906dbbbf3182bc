//! The web console and explorer (`console/`), served on the API port: `GET /` is its page,
//! `/console/*` its script and styles. They are built from `console/src` into `console/dist`,
//! which is committed and embedded here, so a node needs no npm; a test checks that `dist`
//! matches its sources.

use axum::{
    Router,
    http::header,
    response::{IntoResponse, Response},
    routing::get,
};

const INDEX: &str = include_str!("../../../console/dist/index.html");
const SCRIPT: &str = include_str!("../../../console/dist/console.js");
const STYLE: &str = include_str!("../../../console/dist/style.css");

/// The page may load only its own script and styles and talk only to this node (its API over
/// HTTP and WebSocket): an on-chain string that got into the page as markup could still not
/// run or load anything.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; connect-src 'self' ws: wss:; base-uri 'none'; form-action 'none'; \
    frame-ancestors 'none'";

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        ],
        body,
    )
        .into_response()
}

/// `GET /`, `GET /console/console.js` and `GET /console/style.css`.
pub fn routes() -> Router {
    Router::new()
        .route(
            "/",
            get(|| async { asset("text/html; charset=utf-8", INDEX) }),
        )
        .route(
            "/console/console.js",
            get(|| async { asset("text/javascript; charset=utf-8", SCRIPT) }),
        )
        .route(
            "/console/style.css",
            get(|| async { asset("text/css; charset=utf-8", STYLE) }),
        )
}
