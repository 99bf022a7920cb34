//! What the server must answer, and whether an answer is one: never a 5xx,
//! the status the damage decides, and for every refusal the functions' own
//! JSON error (`AppError`) with a message a person can read.

use reqwest::header::{HeaderMap, CONTENT_TYPE};
use reqwest::StatusCode;
use serde_json::Value;

use super::functions::{Fun, Kind};
use super::generate::{Case, Decisive};

#[derive(Debug, Clone, Copy)]
pub enum Expect {
    Exactly(StatusCode),
    /// Any 4xx: base arguments of a function that writes.
    ClientError,
    /// A function that only reads may answer what it was asked.
    NotServerError,
}

pub fn expect(fun: &Fun, case: &Case, signed_in: bool) -> Expect {
    use Decisive::*;
    match case.decisive {
        // The front door's order: method, content type, size, UTF-8; then
        // Leptos decodes the arguments, then the function runs.
        Some(WrongMethod) => Expect::Exactly(StatusCode::METHOD_NOT_ALLOWED),
        Some(UnsupportedType) => Expect::Exactly(StatusCode::UNSUPPORTED_MEDIA_TYPE),
        Some(TooLarge) => Expect::Exactly(StatusCode::PAYLOAD_TOO_LARGE),
        Some(NotUtf8) | Some(Undecodable) => Expect::Exactly(StatusCode::BAD_REQUEST),
        None if fun.admin_only && !signed_in => Expect::Exactly(StatusCode::UNAUTHORIZED),
        None => match fun.kind {
            Kind::Reads | Kind::Records => Expect::NotServerError,
            Kind::Writes => Expect::ClientError,
            Kind::Session => unreachable!("{}: every case carries decisive damage", fun.name),
        },
    }
}

/// Checks one answer; returns a label for the tally.
pub fn check(
    expect: Expect,
    status: StatusCode,
    headers: &HeaderMap,
    body: &str,
) -> Result<String, String> {
    if status.is_server_error() {
        return Err(format!(
            "server error {status}: {}",
            super::short(body, 300)
        ));
    }
    let fits = match expect {
        Expect::Exactly(want) => status == want,
        Expect::ClientError => status.is_client_error(),
        Expect::NotServerError => status.is_success() || status.is_client_error(),
    };
    if !fits {
        return Err(format!(
            "{status}, expected {expect:?}: {}",
            super::short(body, 300)
        ));
    }
    if status.is_success() {
        return Ok(status.as_u16().to_string());
    }
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !content_type.starts_with("application/json") {
        return Err(format!(
            "{status} as {content_type:?}, not JSON: {}",
            super::short(body, 200)
        ));
    }
    let value: Value = serde_json::from_str(body).map_err(|_| {
        format!(
            "{status} with a body that is not JSON: {}",
            super::short(body, 200)
        )
    })?;
    let variant = app_error(&value).map_err(|e| format!("{status} {e}: {value}"))?;
    let fitting: &[u16] = match variant.as_str() {
        "Unauthenticated" => &[401],
        "Forbidden" => &[403],
        "NotFound" => &[404],
        "Invalid" => &[422],
        "Denied" => &[429],
        "BadRequest" => &[400, 405, 413, 415],
        _ => &[],
    };
    if !fitting.contains(&status.as_u16()) {
        return Err(format!("{status} does not fit the error {value}"));
    }
    Ok(format!("{}:{variant}", status.as_u16()))
}

/// The variant of an `AppError` as the server sends it, if the message (or
/// each field's message) is there to read.
fn app_error(v: &Value) -> Result<String, String> {
    if v == "Unauthenticated" {
        return Ok("Unauthenticated".into());
    }
    let Some((variant, inner)) = v
        .as_object()
        .filter(|m| m.len() == 1)
        .and_then(|m| m.iter().next())
    else {
        return Err("is not an AppError".into());
    };
    let readable = |s: &Value| s.as_str().is_some_and(|t| t.trim().len() >= 8);
    let ok = match variant.as_str() {
        "Forbidden" | "NotFound" | "Denied" | "BadRequest" => readable(inner),
        "Invalid" => inner.as_array().is_some_and(|fields| {
            !fields.is_empty() && fields.iter().all(|f| readable(&f["message"]))
        }),
        _ => false,
    };
    if ok {
        Ok(variant.clone())
    } else {
        Err("is not an AppError with a readable message".into())
    }
}
