//! Who is calling the Management API, and with which permissions.

use axum::extract::FromRequestParts;
use http::request::Parts;
use http::{header, StatusCode};
use masquerade::domain::role::ADMIN_ROLE;
use masquerade::domain::MANAGEMENT_API_PATH;
use masquerade::oidc::bearer::{self, BearerError};
use masquerade::store::AuditContext;

use super::ApiError;
use app::functions::ctx::client_ip;
use app::state::AppState;

pub struct Caller {
    /// `<client_id>@clients` for machine-to-machine tokens, else a user id.
    pub subject: String,
    pub audit: AuditContext,
    scopes: Vec<String>,
}

impl Caller {
    pub fn require(&self, permission: &str) -> Result<(), ApiError> {
        if self.scopes.iter().any(|s| s == permission) {
            Ok(())
        } else {
            Err(BearerError::InsufficientScope(permission.to_string()).into())
        }
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let svc = &state.services;
        let now = masquerade::unix_now();
        let token = bearer::from_header(
            parts
                .headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok()),
        )?;
        let audience = format!("{}{MANAGEMENT_API_PATH}", svc.config.public_url);
        let claims = bearer::verify(svc, token, &audience, now).await?;
        // A user's token for the Management API is only as good as the
        // user's standing right now: an administrator, not blocked.
        if !claims.sub.ends_with("@clients") {
            let admin = svc
                .store
                .get_user(&claims.sub)
                .await
                .map(|u| !u.blocked && u.roles.iter().any(|r| r == ADMIN_ROLE))
                .unwrap_or(false);
            if !admin {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "forbidden",
                    "Only administrators may use the Management API.",
                ));
            }
        }
        let audit = AuditContext {
            actor_id: Some(claims.sub.clone()),
            ip: client_ip(parts, svc.config.trust_proxy_headers),
            user_agent: parts
                .headers
                .get(header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .chars()
                .take(300)
                .collect(),
        };
        Ok(Caller {
            scopes: bearer::scopes(&claims)
                .into_iter()
                .map(String::from)
                .collect(),
            subject: claims.sub,
            audit,
        })
    }
}
