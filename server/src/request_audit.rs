//! The client's address and user agent for audit events recorded by plain
//! axum handlers (the console's server functions get theirs from context).

use axum::extract::FromRequestParts;
use http::header;
use http::request::Parts;
use masquerade::store::AuditContext;

use app::functions::ctx::client_ip;
use app::state::AppState;

/// An `AuditContext` with no actor yet; the core fills in who acted.
pub struct RequestAudit(pub AuditContext);

impl FromRequestParts<AppState> for RequestAudit {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(RequestAudit(AuditContext {
            actor_id: None,
            ip: client_ip(parts, state.services.config.trusted_proxy_hops),
            user_agent: parts
                .headers
                .get(header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .chars()
                .take(300)
                .collect(),
            ..Default::default()
        }))
    }
}
