//! Server-side plumbing shared by the server functions: state, the caller's
//! session, permission checks, and mapping core errors to HTTP statuses.

use http::request::Parts;
use http::{header, HeaderValue};
use leptos::prelude::*;
use leptos_axum::ResponseOptions;
use masquerade::store::{AuditContext, ConsoleSession};

use crate::error::AppError;
use crate::state::AppState;

pub const SESSION_COOKIE: &str = "masq_session";

pub fn state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or(AppError::Internal)
}

/// Sets the response status for `err` and hands it back, so a failing server
/// function answers 4xx with its reason rather than a generic 500.
pub fn fail(err: impl Into<AppError>) -> AppError {
    let err = err.into();
    if let Some(res) = use_context::<ResponseOptions>() {
        res.set_status(err.status());
    }
    err
}

fn parts() -> Option<Parts> {
    use_context::<Parts>()
}

pub fn cookie_value(headers: &http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// The client IP: the socket peer, or the first X-Forwarded-For hop when the
/// deployment says a trusted proxy sets it.
pub fn client_ip(parts: &Parts, trust_proxy: bool) -> String {
    if trust_proxy {
        if let Some(ip) = parts
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
        {
            return ip.trim().to_string();
        }
    }
    parts
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_default()
}

pub fn audit_context(actor_id: Option<String>) -> AuditContext {
    let trust = state()
        .map(|s| s.services.config.trust_proxy_headers)
        .unwrap_or(false);
    match parts() {
        Some(p) => AuditContext {
            actor_id,
            ip: client_ip(&p, trust),
            user_agent: p
                .headers
                .get(header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string(),
        },
        None => AuditContext {
            actor_id,
            ..Default::default()
        },
    }
}

/// The audit context of a plain axum request (outside server functions).
pub fn audit_context_from(headers: &http::HeaderMap) -> AuditContext {
    AuditContext {
        actor_id: None,
        ip: String::new(),
        user_agent: headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string(),
    }
}

pub fn session_token() -> Option<String> {
    parts().and_then(|p| cookie_value(&p.headers, SESSION_COOKIE))
}

pub async fn current_session() -> Result<Option<ConsoleSession>, AppError> {
    let Some(token) = session_token() else {
        return Ok(None);
    };
    let st = state()?;
    st.services
        .store
        .console_session(&token, st.services.config.sessions, masquerade::unix_now())
        .await
        .map_err(fail)
}

/// Everything an administrator-only server function needs. Anyone else gets
/// 401 (no session) or 403 (signed in without the administrator role).
pub struct Admin {
    pub state: AppState,
    pub session: ConsoleSession,
    pub audit: AuditContext,
}

pub async fn require_admin() -> Result<Admin, AppError> {
    let session = current_session()
        .await?
        .ok_or_else(|| fail(AppError::Unauthenticated))?;
    if !session.is_admin {
        return Err(fail(AppError::Forbidden(
            "Your account has no console access.".into(),
        )));
    }
    Ok(Admin {
        state: state()?,
        audit: audit_context(Some(session.user_id.clone())),
        session,
    })
}

pub fn set_session_cookie(token: &str, secure: bool, max_age: i64) {
    let cookie = format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{}",
        if secure { "; Secure" } else { "" }
    );
    if let (Some(res), Ok(v)) = (
        use_context::<ResponseOptions>(),
        HeaderValue::from_str(&cookie),
    ) {
        res.append_header(header::SET_COOKIE, v);
    }
}

pub fn clear_session_cookie(secure: bool) {
    set_session_cookie("", secure, 0);
}
