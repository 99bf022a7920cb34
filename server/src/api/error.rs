//! JSON errors with a stable `error` code and a readable `message`; internal
//! detail never leaves the server.

use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::response::{IntoResponse, Response};
use http::request::Parts;
use http::{header, HeaderValue, StatusCode};
use masquerade::error::{CoreError, FieldError};
use masquerade::oidc::bearer::BearerError;
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::body_limit::{read_within, BodyError};

/// Bodies above this are refused before parsing.
const MAX_BODY: usize = 256 * 1024;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub fields: Vec<FieldError>,
    /// RFC 6750 challenge for 401/403 on bearer problems.
    pub challenge: Option<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            fields: Vec::new(),
            challenge: None,
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", message)
    }
}

impl From<CoreError> for ApiError {
    fn from(e: CoreError) -> Self {
        let code = e.code();
        match e {
            CoreError::Validation(fields) => ApiError {
                message: fields
                    .first()
                    .map(|f| f.message.clone())
                    .unwrap_or_else(|| "Invalid input.".into()),
                fields,
                ..ApiError::new(StatusCode::BAD_REQUEST, code, "")
            },
            CoreError::NotFound(what) => {
                ApiError::new(StatusCode::NOT_FOUND, code, format!("No such {what}."))
            }
            CoreError::Conflict { field, message } => ApiError {
                fields: vec![FieldError::new(field, message.clone())],
                ..ApiError::new(StatusCode::CONFLICT, code, message)
            },
            CoreError::Unauthenticated => {
                ApiError::new(StatusCode::UNAUTHORIZED, code, "Not authenticated.")
            }
            CoreError::Forbidden(m) => ApiError::new(StatusCode::FORBIDDEN, code, m),
            // As RFC 6750 §3.1 has it for a token without the scope.
            CoreError::NeedsPermission(p) => {
                BearerError::InsufficientScope(p.as_str().to_string()).into()
            }
            CoreError::Throttled { retry_after_secs } => ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                code,
                format!("Too many attempts; try again in {retry_after_secs} seconds."),
            ),
            CoreError::Internal(_) => ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                code,
                "Something went wrong on our side. Try again.",
            ),
        }
    }
}

impl From<BearerError> for ApiError {
    fn from(e: BearerError) -> Self {
        let status = match e {
            BearerError::InsufficientScope(_) => StatusCode::FORBIDDEN,
            _ => StatusCode::UNAUTHORIZED,
        };
        let challenge = match &e {
            BearerError::Missing => "Bearer realm=\"masquerade\"".to_string(),
            other => format!(
                "Bearer realm=\"masquerade\", error=\"{}\", error_description=\"{}\"",
                other.code(),
                other.message().replace('"', "'")
            ),
        };
        ApiError {
            challenge: Some(challenge),
            ..ApiError::new(status, e.code(), e.message())
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({"error": self.code, "message": self.message});
        if !self.fields.is_empty() {
            body["fields"] = json!(self.fields);
        }
        let mut res = (
            self.status,
            [
                (header::CONTENT_TYPE, "application/json"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            body.to_string(),
        )
            .into_response();
        if let Some(c) = self.challenge.and_then(|c| HeaderValue::from_str(&c).ok()) {
            res.headers_mut().insert(header::WWW_AUTHENTICATE, c);
        }
        res
    }
}

/// A JSON request body whose problems come back as our JSON errors rather
/// than axum's plain-text rejections.
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, ApiError> {
        let json_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
        if !json_type {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "Send a JSON body with Content-Type: application/json.",
            ));
        }
        let bytes = read_within(req.into_body(), MAX_BODY)
            .await
            .map_err(|e| match e {
                BodyError::TooLarge => ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "payload_too_large",
                    "The request body is larger than 256 KiB.",
                ),
                BodyError::Unreadable => {
                    ApiError::bad_request("The request body could not be read.")
                }
            })?;
        serde_json::from_slice(&bytes)
            .map(JsonBody)
            .map_err(|e| ApiError::bad_request(format!("The JSON body is not valid: {e}.")))
    }
}

/// Path parameters whose problems come back as our JSON errors rather than
/// axum's plain-text 400. A segment that does not decode (not UTF-8) can
/// name nothing that exists: 404, as for any unknown id.
pub struct PathParams<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for PathParams<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(t)| PathParams(t))
            .map_err(|_| ApiError::new(StatusCode::NOT_FOUND, "not_found", "Nothing has that id."))
    }
}

pub async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "There is no such endpoint. See /api/v1/openapi.json.",
    )
}

pub async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "This endpoint does not support that method. See /api/v1/openapi.json.",
    )
}
