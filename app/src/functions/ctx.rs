//! Server-side plumbing shared by the server functions: state, the caller's
//! session, permission checks, and mapping core errors to HTTP statuses.

use http::request::Parts;
use http::{header, HeaderValue};
use leptos::prelude::*;
use leptos_axum::ResponseOptions;
use masquerade::authz::{Permission, Principal};
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

/// The client IP: the socket peer, or behind `trusted_hops` proxies the
/// X-Forwarded-For entry they added (`masquerade::client_ip`).
pub fn client_ip(parts: &Parts, trusted_hops: usize) -> String {
    let forwarded: Vec<&str> = parts
        .headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    let peer = parts
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip());
    masquerade::client_ip::client_ip(peer, &forwarded, trusted_hops)
}

pub fn audit_context(actor_id: Option<String>) -> AuditContext {
    let trust = state()
        .map(|s| s.services.config.trusted_proxy_hops)
        .unwrap_or(0);
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
            ..Default::default()
        },
        None => AuditContext {
            actor_id,
            ..Default::default()
        },
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

/// Everything a console server function needs: the state, the caller's
/// session, the audit context, and the principal the one authorization
/// decision (`masquerade::authz`) is asked about.
pub struct Console {
    pub state: AppState,
    pub session: ConsoleSession,
    pub audit: AuditContext,
    pub principal: Principal,
}

impl Console {
    /// Asks the core whether the caller may act on the application
    /// `client_id` with `permission` (e.g. impersonate into it).
    pub fn require_for_app(&self, permission: Permission, client_id: &str) -> Result<(), AppError> {
        masquerade::authz::require_for_app(&self.principal, permission, client_id).map_err(fail)
    }
}

/// The signed-in console user, whatever they hold; 401 without a session.
pub async fn console() -> Result<Console, AppError> {
    let session = current_session()
        .await?
        .ok_or_else(|| fail(AppError::Unauthenticated))?;
    let st = state()?;
    let holdings = st
        .services
        .store
        .holdings(&session.user_id)
        .await
        .map_err(fail)?
        .ok_or_else(|| fail(AppError::Unauthenticated))?;
    let principal = Principal::User {
        holdings,
        scope: None,
    };
    Ok(Console {
        audit: AuditContext {
            grantable: principal.permissions(),
            ..audit_context(Some(session.user_id.clone()))
        },
        principal,
        state: st,
        session,
    })
}

/// Whoever the request acts for, from the console session cookie alone:
/// that person (`Principal::User`, no token scope), or `Anonymous` without
/// a live session. Server functions never take bearer tokens, so neither a
/// machine client nor an impersonated token is ever anyone here.
pub async fn session_principal() -> Result<Principal, AppError> {
    let Some(session) = current_session().await? else {
        return Ok(Principal::Anonymous);
    };
    let holdings = state()?
        .services
        .store
        .holdings(&session.user_id)
        .await
        .map_err(fail)?;
    Ok(match holdings {
        Some(holdings) => Principal::User {
            holdings,
            scope: None,
        },
        None => Principal::Anonymous,
    })
}

/// The console user, when they hold `permission` for the tenant or for
/// at least one application (through a scoped role).
pub async fn require_somewhere(permission: Permission) -> Result<Console, AppError> {
    let c = console().await?;
    masquerade::authz::require_somewhere(&c.principal, permission).map_err(fail)?;
    Ok(c)
}

/// The console user, when they hold `permission`: 401 without a session,
/// 403 naming the permission otherwise.
pub async fn require(permission: Permission) -> Result<Console, AppError> {
    let c = console().await?;
    masquerade::authz::require(&c.principal, permission).map_err(fail)?;
    Ok(c)
}

/// Redirects the browser to `path`. `leptos_axum::redirect` panics on a
/// value that is not a valid header; this refuses such a value instead
/// (sending the browser to the console's start) so no input can panic it.
pub fn redirect(path: &str) {
    let target = if HeaderValue::from_str(path).is_ok() {
        path
    } else {
        tracing::warn!("refused a redirect target that is not a header value");
        masquerade::navigation::DEFAULT_NEXT
    };
    leptos_axum::redirect(target);
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
