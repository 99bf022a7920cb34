//! POST /oauth/token (RFC 6749 §3.2, §5).

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use base64::{engine::general_purpose::STANDARD, Engine};
use http::{header, HeaderMap, HeaderValue, StatusCode};
use masquerade::oidc::issue::{authenticate_client, token_request, ClientAuth};
use masquerade::oidc::params::single_valued;
use masquerade::oidc::OAuthError;

use super::{json_response, pairs, FormBody, BODY_UNREADABLE};
use crate::request_audit::RequestAudit;
use app::state::AppState;

pub async fn token(
    State(state): State<AppState>,
    RequestAudit(audit): RequestAudit,
    headers: HeaderMap,
    body: FormBody,
) -> Response {
    let now = masquerade::unix_now();
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return error(
            OAuthError::invalid_request("Send the request as application/x-www-form-urlencoded."),
            false,
        );
    }
    let Ok(body) = body else {
        return error(OAuthError::invalid_request(BODY_UNREADABLE), false);
    };
    let params = match single_valued(&pairs(&body)) {
        Ok(p) => p,
        Err(m) => return error(OAuthError::invalid_request(m), false),
    };
    let (auth, used_basic) = match client_auth(&headers, &params) {
        Ok(a) => a,
        Err(e) => return error(e, true),
    };
    let app = match authenticate_client(&state.services, &auth).await {
        Ok(a) => a,
        Err(e) => return error(e, used_basic),
    };
    match token_request(&state.services, &app, &params, &audit, now).await {
        Ok(body) => {
            let mut res = json_response(StatusCode::OK, body.to_string(), "no-store");
            res.headers_mut()
                .insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
            res
        }
        Err(e) => error(e, used_basic),
    }
}

/// The client's credentials from the Basic header or the body (never both),
/// and whether the Basic header was used.
pub fn client_auth(
    headers: &HeaderMap,
    params: &std::collections::HashMap<String, String>,
) -> Result<(ClientAuth, bool), OAuthError> {
    let basic = basic_credentials(headers)?;
    match (basic, params.get("client_id"), params.get("client_secret")) {
        (Some(_), _, Some(_)) => Err(OAuthError::invalid_request(
            "Use one client authentication method, not two.",
        )),
        (Some((id, secret)), body_id, None) => {
            if body_id.is_some_and(|b| *b != id) {
                return Err(OAuthError::invalid_request(
                    "client_id does not match the Authorization header.",
                ));
            }
            Ok((
                ClientAuth {
                    client_id: id,
                    secret: Some(secret),
                },
                true,
            ))
        }
        (None, Some(id), secret) => Ok((
            ClientAuth {
                client_id: id.clone(),
                secret: secret.cloned(),
            },
            false,
        )),
        (None, None, _) => Err(OAuthError::invalid_client(
            "Client authentication is required.",
        )),
    }
}

/// `Authorization: Basic base64(urlencode(id):urlencode(secret))` (RFC 6749 §2.3.1).
fn basic_credentials(headers: &HeaderMap) -> Result<Option<(String, String)>, OAuthError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let bad = || OAuthError::invalid_client("Malformed Basic credentials.");
    let value = value.to_str().map_err(|_| bad())?;
    let Some(encoded) = value
        .strip_prefix("Basic ")
        .or_else(|| value.strip_prefix("basic "))
    else {
        return Err(bad());
    };
    let decoded = STANDARD.decode(encoded.trim()).map_err(|_| bad())?;
    let text = String::from_utf8(decoded).map_err(|_| bad())?;
    let (id, secret) = text.split_once(':').ok_or_else(bad)?;
    let unescape = |s: &str| {
        url::form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
    };
    let (id, secret) = (
        unescape(id).ok_or_else(bad)?,
        unescape(secret).ok_or_else(bad)?,
    );
    // Like any other parameter (see `single_valued`), never NUL.
    if id.contains('\0') || secret.contains('\0') {
        return Err(bad());
    }
    Ok(Some((id, secret)))
}

pub fn error(e: OAuthError, basic: bool) -> Response {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST);
    let body =
        serde_json::json!({"error": e.error, "error_description": e.error_description}).to_string();
    let mut res = json_response(status, body, "no-store");
    if status == StatusCode::UNAUTHORIZED && basic {
        res.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"masquerade\""),
        );
    }
    res.into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_basic_with_urlencoding() {
        let mut h = HeaderMap::new();
        let v = format!("Basic {}", STANDARD.encode("my%20app:s%3Acret"));
        h.insert(header::AUTHORIZATION, HeaderValue::from_str(&v).unwrap());
        assert_eq!(
            basic_credentials(&h).unwrap(),
            Some(("my app".into(), "s:cret".into()))
        );
        let v = format!("Basic {}", STANDARD.encode("app%00:secret"));
        h.insert(header::AUTHORIZATION, HeaderValue::from_str(&v).unwrap());
        assert_eq!(basic_credentials(&h).unwrap_err().error, "invalid_client");
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic !!!"));
        assert_eq!(basic_credentials(&h).unwrap_err().error, "invalid_client");
    }
}
