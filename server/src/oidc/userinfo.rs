//! GET/POST /userinfo (OIDC Core §5.3) with Bearer access tokens (RFC 6750).

use axum::extract::State;
use axum::response::Response;
use http::{header, HeaderMap, HeaderValue, StatusCode};
use masquerade::oidc::claims::{profile_claims, AccessTokenClaims};
use serde_json::{json, Value};

use super::json_response;
use app::state::AppState;

pub async fn userinfo(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let svc = &state.services;
    let now = masquerade::unix_now();
    let Some(token) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
    else {
        return bearer_error(StatusCode::UNAUTHORIZED, None);
    };
    let claims: AccessTokenClaims = match svc.keys.verify(token.trim(), Some("at+jwt"), now).await {
        Ok(c) => c,
        Err(_) => {
            return bearer_error(
                StatusCode::UNAUTHORIZED,
                Some(("invalid_token", "The access token is invalid or expired.")),
            )
        }
    };
    let userinfo_aud = format!("{}/userinfo", svc.config.public_url);
    let aud_ok = match &claims.aud {
        Value::String(a) => *a == userinfo_aud,
        Value::Array(v) => v.iter().any(|a| a.as_str() == Some(userinfo_aud.as_str())),
        _ => false,
    };
    if claims.iss != svc.config.public_url || !aud_ok {
        return bearer_error(
            StatusCode::UNAUTHORIZED,
            Some(("invalid_token", "The access token is not for /userinfo.")),
        );
    }
    if !masquerade::oidc::bearer::grant_live(svc, &claims, now).await
        || !masquerade::oidc::bearer::impersonation_live(svc, &claims, now).await
    {
        return bearer_error(
            StatusCode::UNAUTHORIZED,
            Some(("invalid_token", "The access token has been revoked.")),
        );
    }
    let scope: Vec<String> = claims
        .scope
        .split(' ')
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect();
    if !scope.iter().any(|s| s == "openid") {
        return bearer_error(
            StatusCode::FORBIDDEN,
            Some(("insufficient_scope", "The openid scope is required.")),
        );
    }
    let user = match svc.store.get_user(&claims.sub).await {
        Ok(u) if !u.blocked => u,
        _ => {
            return bearer_error(
                StatusCode::UNAUTHORIZED,
                Some(("invalid_token", "The user is no longer active.")),
            )
        }
    };
    let mut body = profile_claims(&scope, &user);
    body.insert("sub".into(), json!(user.id));
    if let Some(act) = claims.extra.get("act") {
        for (k, v) in masquerade::oidc::issue::identity_claims(act) {
            body.insert(k.into(), v);
        }
    }
    json_response(StatusCode::OK, Value::Object(body).to_string(), "no-store")
}

fn bearer_error(status: StatusCode, err: Option<(&str, &str)>) -> Response {
    let (challenge, body) = match err {
        Some((code, desc)) => (
            format!("Bearer realm=\"masquerade\", error=\"{code}\", error_description=\"{desc}\""),
            json!({"error": code, "error_description": desc}).to_string(),
        ),
        None => ("Bearer realm=\"masquerade\"".to_string(), json!({"error": "invalid_request", "error_description": "A Bearer access token is required."}).to_string()),
    };
    let mut res = json_response(status, body, "no-store");
    if let Ok(v) = HeaderValue::from_str(&challenge) {
        res.headers_mut().insert(header::WWW_AUTHENTICATE, v);
    }
    res
}
