//! TEST ONLY. With `MASQUERADE_TEST_ROUTES=1` at start-up the server adds
//! routes that exist for the HTTP tests alone; without it (exactly `1`)
//! there are none. Never set it in a deployment.
//!
//! - `GET /test-only/panic`, `/api/test-only/panic`, `/oauth/test-only/panic`
//!   panic on purpose, so a test can watch the panic guard answer for a
//!   browser, the API and the protocol endpoints.
//! - `GET /test-only/server-functions` lists every registered server
//!   function, so the bad-input test covers each one and notices a new one.

use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    if std::env::var("MASQUERADE_TEST_ROUTES").as_deref() != Ok("1") {
        return Router::new();
    }
    tracing::warn!("MASQUERADE_TEST_ROUTES=1: test-only routes are served");
    Router::new()
        .route("/test-only/panic", get(panic_on_purpose))
        .route("/api/test-only/panic", get(panic_on_purpose))
        .route("/oauth/test-only/panic", get(panic_on_purpose))
        .route("/test-only/server-functions", get(server_functions))
}

async fn panic_on_purpose() -> &'static str {
    panic!("the test-only panic route was called")
}

async fn server_functions() -> Json<Value> {
    let mut all: Vec<_> = crate::server_fns::registered()
        .iter()
        .map(|(path, method)| json!({"path": path, "method": method.as_str()}))
        .collect();
    all.sort_by_key(|v| v["path"].as_str().unwrap_or_default().to_string());
    Json(json!(all))
}
