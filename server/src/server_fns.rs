//! The front door of the console's server functions (`POST /api/<name>`).
//! Leptos decodes their arguments loosely: any content type is read as the
//! function's own encoding, invalid UTF-8 behind `%` escapes turns into
//! U+FFFD (and in JSON fields it skips goes unread), a wrong method gets an
//! empty 405 and an over-long body a 400.
//! Here each of those is refused first, in the functions' JSON error shape.

use std::collections::HashMap;
use std::sync::OnceLock;

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::{header, HeaderValue, Method, StatusCode};

use app::error::AppError;

use crate::body_limit::BodyError;

/// The largest body a server function reads, as for the REST API; the
/// console's biggest form (an application) is a few KiB.
pub const MAX_BODY: usize = 256 * 1024;

/// Every registered server function's path and method.
pub fn registered() -> &'static HashMap<&'static str, Method> {
    static PATHS: OnceLock<HashMap<&'static str, Method>> = OnceLock::new();
    PATHS.get_or_init(|| leptos::server_fn::axum::server_fn_paths().collect())
}

pub async fn front_door(req: Request, next: Next) -> Response {
    let Some(method) = registered().get(req.uri().path()) else {
        return next.run(req).await;
    };
    if req.method() != method {
        let mut res = refuse(
            StatusCode::METHOD_NOT_ALLOWED,
            format!("Call this function with {method}."),
        );
        if let Ok(allow) = HeaderValue::from_str(method.as_str()) {
            res.headers_mut().insert(header::ALLOW, allow);
        }
        return res;
    }
    let form = match media_type(&req).as_deref() {
        Some("application/x-www-form-urlencoded") => true,
        Some("application/json") => false,
        _ => {
            return refuse(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Send the arguments as application/x-www-form-urlencoded or application/json."
                    .into(),
            )
        }
    };
    let (parts, body) = req.into_parts();
    let bytes = match read(body).await {
        Ok(b) => b,
        Err(res) => return res,
    };
    // JSON is UTF-8 (RFC 8259 §8.1), and serde_json skips unknown fields
    // without looking; form data must decode to UTF-8 escapes and all.
    if std::str::from_utf8(&bytes).is_err() || (form && !form_is_utf8(&bytes)) {
        return refuse(
            StatusCode::BAD_REQUEST,
            "The request could not be read: it is not valid UTF-8.".into(),
        );
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

fn media_type(req: &Request) -> Option<String> {
    let v = req.headers().get(header::CONTENT_TYPE)?.to_str().ok()?;
    Some(v.split(';').next()?.trim().to_ascii_lowercase())
}

async fn read(body: Body) -> Result<Bytes, Response> {
    crate::body_limit::read_within(body, MAX_BODY)
        .await
        .map_err(|e| match e {
            BodyError::TooLarge => refuse(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("The request is larger than {} KiB.", MAX_BODY / 1024),
            ),
            BodyError::Unreadable => refuse(
                StatusCode::BAD_REQUEST,
                "The request body could not be read.".into(),
            ),
        })
}

/// Whether every name and value of a form body decodes to UTF-8, escapes
/// included.
fn form_is_utf8(body: &[u8]) -> bool {
    body.split(|b| *b == b'&')
        .flat_map(|pair| pair.splitn(2, |b| *b == b'='))
        .all(|piece| std::str::from_utf8(&percent_decode(piece)).is_ok())
}

fn percent_decode(s: &[u8]) -> Vec<u8> {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        let escaped = (s[i] == b'%')
            .then(|| Some(hex(*s.get(i + 1)?)? << 4 | hex(*s.get(i + 2)?)?))
            .flatten();
        match escaped {
            Some(b) => {
                out.push(b);
                i += 3;
            }
            None => {
                out.push(s[i]);
                i += 1;
            }
        }
    }
    out
}

fn refuse(status: StatusCode, message: String) -> Response {
    let body = serde_json::to_string(&AppError::BadRequest(message)).unwrap_or_default();
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_utf8() {
        assert!(form_is_utf8(b"a=1&b=%C3%A9&c=%zz&d=%&e"));
        assert!(!form_is_utf8(b"a=%FF"));
        assert!(!form_is_utf8(b"%C3=1"));
        assert!(!form_is_utf8(b"a=%ED%A0%80"));
    }
}
