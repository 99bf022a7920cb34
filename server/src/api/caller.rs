//! Who is calling the Management API: the principal the one authorization
//! decision (`masquerade::authz`) is asked about.

use axum::extract::FromRequestParts;
use http::header;
use http::request::Parts;
use masquerade::authz::{self, PermSet, Permission, Principal};
use masquerade::domain::MANAGEMENT_API_PATH;
use masquerade::oidc::bearer::{self, BearerError};
use masquerade::store::AuditContext;

use super::ApiError;
use crate::request_audit::RequestAudit;
use app::state::AppState;

pub struct Caller {
    pub principal: Principal,
    pub audit: AuditContext,
    /// For a user's token, when they last signed in (its `auth_time`), for
    /// the step-up setting; `None` for a machine client.
    pub authenticated_at: Option<i64>,
}

impl Caller {
    pub fn require(&self, permission: Permission) -> Result<(), ApiError> {
        authz::require(&self.principal, permission).map_err(ApiError::from)
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
        let scope = PermSet::from_scope(&claims.scope);
        let principal = if let Some(act) = claims.extra.get("act") {
            // Issued under an impersonation: never the Management API.
            Principal::Impersonated {
                user_id: claims.sub.clone(),
                actor_id: act["sub"].as_str().unwrap_or_default().to_string(),
            }
        } else if claims.sub.ends_with("@clients") {
            // What the client was granted then, and still is now: a grant
            // taken away stops working within the hot cache's second.
            let now_granted = svc
                .store
                .api_for_token(&audience)
                .await
                .ok()
                .flatten()
                .and_then(|api| {
                    api.granted_to(&claims.client_id)
                        .map(|g| g.iter().filter_map(|p| Permission::parse(p)).collect())
                })
                .unwrap_or(PermSet::EMPTY);
            Principal::Client {
                client_id: claims.client_id.clone(),
                granted: scope.intersect(now_granted),
            }
        } else {
            // A user's token is only as good as the user's standing now:
            // what their roles give them, unblocked.
            match svc.store.holdings(&claims.sub).await {
                Ok(Some(holdings)) => Principal::User {
                    holdings,
                    scope: Some(scope),
                },
                Ok(None) => {
                    return Err(
                        BearerError::InvalidToken("The token's user no longer exists.").into(),
                    )
                }
                Err(e) => return Err(e.into()),
            }
        };
        let Ok(RequestAudit(request)) = RequestAudit::from_request_parts(parts, state).await;
        let audit = AuditContext {
            actor_id: principal.actor_id(),
            grantable: principal.permissions(),
            ..request
        };
        let authenticated_at =
            matches!(principal, Principal::User { .. }).then(|| claims.auth_time.unwrap_or(0));
        Ok(Caller {
            principal,
            audit,
            authenticated_at,
        })
    }
}
