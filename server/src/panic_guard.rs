//! The outermost layer. Every response carries an `x-request-id`; a panic in
//! any handler becomes a 500 that shows that id (a page for browsers, JSON
//! for machine endpoints) instead of a dropped connection, and the panic is
//! logged with the same id, so a user's report can be found in the log.

use std::any::Any;
use std::panic::AssertUnwindSafe;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::FutureExt;
use http::{header, HeaderValue, StatusCode};
use serde_json::json;

pub const REQUEST_ID_HEADER: &str = "x-request-id";

pub async fn catch_panics(req: Request, next: Next) -> Response {
    let id = format!("{:016x}", rand::random::<u64>());
    let kind = Audience::of(req.uri().path());
    // The handler's state is dropped with the panic and nothing of it is
    // used afterwards, so unwinding through it is safe.
    let mut res = match AssertUnwindSafe(next.run(req)).catch_unwind().await {
        Ok(res) => res,
        Err(panic) => {
            tracing::error!(
                request_id = %id,
                panic = panic_message(panic.as_ref()),
                "a request handler panicked"
            );
            failure(&id, kind)
        }
    };
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(REQUEST_ID_HEADER, v);
    }
    res
}

/// Who reads the answer: a person in a browser, or a program that expects
/// the error shape of the endpoint it called.
#[derive(Clone, Copy)]
enum Audience {
    Browser,
    /// The Management API and server functions: `error` and `message`.
    Api,
    /// OAuth and OIDC endpoints: RFC 6749 §5.2 `error` and `error_description`.
    Protocol,
}

impl Audience {
    fn of(path: &str) -> Audience {
        if path.starts_with("/api/") {
            Audience::Api
        } else if path.starts_with("/oauth/")
            || path.starts_with("/.well-known/")
            || path == "/userinfo"
        {
            Audience::Protocol
        } else {
            Audience::Browser
        }
    }
}

const APOLOGY: &str = "Something went wrong on our side. Try again; if it keeps happening, \
                       report this request id";

fn failure(id: &str, kind: Audience) -> Response {
    let (content_type, body) = match kind {
        Audience::Browser => (
            "text/html; charset=utf-8",
            format!(
                "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
                 <title>Something went wrong · Masquerade</title></head><body><main>\
                 <h1>Something went wrong</h1><p>{APOLOGY}: <code>{id}</code>.</p>\
                 </main></body></html>"
            ),
        ),
        Audience::Api => (
            "application/json",
            json!({"error": "server_error", "message": format!("{APOLOGY}: {id}."), "request_id": id})
                .to_string(),
        ),
        Audience::Protocol => (
            "application/json",
            json!({"error": "server_error", "error_description": format!("{APOLOGY}: {id}."), "request_id": id})
                .to_string(),
        ),
    };
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-store"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        body,
    )
        .into_response()
}

fn panic_message(panic: &(dyn Any + Send)) -> &str {
    panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)")
}
