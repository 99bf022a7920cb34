//! POST /oauth/revoke (RFC 7009) and POST /oauth/introspect (RFC 7662).

use axum::extract::State;
use axum::response::Response;
use http::{HeaderMap, StatusCode};
use masquerade::oidc::claims::AccessTokenClaims;
use masquerade::oidc::issue::authenticate_client;
use masquerade::oidc::params::single_valued;
use masquerade::oidc::OAuthError;
use masquerade::secrets::hash_secret;

use super::token::{client_auth, error};
use super::{json_response, pairs, FormBody, BODY_UNREADABLE};
use crate::request_audit::RequestAudit;
use app::state::AppState;

/// Revokes a refresh token or an access token: either way the grant behind
/// it, so every token from the same sign-in stops working. Unknown tokens
/// are not an error (RFC 7009 §2.2).
pub async fn revoke(
    State(state): State<AppState>,
    RequestAudit(audit): RequestAudit,
    headers: HeaderMap,
    body: FormBody,
) -> Response {
    let svc = &state.services;
    let now = masquerade::unix_now();
    let Ok(body) = body else {
        return error(OAuthError::invalid_request(BODY_UNREADABLE), false);
    };
    let params = match single_valued(&pairs(&body)) {
        Ok(p) => p,
        Err(m) => return error(OAuthError::invalid_request(m), false),
    };
    let (auth, basic) = match client_auth(&headers, &params) {
        Ok(a) => a,
        Err(e) => return error(e, true),
    };
    let app = match authenticate_client(svc, &auth).await {
        Ok(a) => a,
        Err(e) => return error(e, basic),
    };
    let Some(token) = params.get("token") else {
        return error(OAuthError::invalid_request("token is required."), basic);
    };
    let grant_id = match svc.store.grant_of_refresh(&hash_secret(token)).await {
        Ok(Some(g)) => Some(g),
        Ok(None) => svc
            .keys
            .verify::<AccessTokenClaims>(token, Some("at+jwt"), now)
            .await
            .ok()
            .map(|c| c.gid)
            .filter(|g| !g.is_empty()),
        Err(_) => return error(OAuthError::server_error(), basic),
    };
    if let Some(gid) = grant_id {
        // Only the client the tokens were issued to may revoke them.
        if let Ok(Some(g)) = svc.store.get_grant(&gid).await {
            if g.client_id == app.client_id {
                let ctx = masquerade::store::AuditContext {
                    actor_id: Some(format!("{}@clients", app.client_id)),
                    ..audit
                };
                let done = match &g.impersonation_id {
                    // The application ended an impersonated session: the
                    // impersonation ends with it, visibly in the console.
                    Some(imp) => masquerade::impersonation::end(svc, &ctx, imp, now).await,
                    None => svc.store.revoke_grant(&gid, now).await,
                };
                if done.is_err() {
                    return error(OAuthError::server_error(), basic);
                }
            }
        }
    }
    json_response(StatusCode::OK, "{}".into(), "no-store")
}

/// Tells a resource server whether an access token is active, with its
/// claims (RFC 7662). Callers authenticate as confidential clients.
pub async fn introspect(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: FormBody,
) -> Response {
    let svc = &state.services;
    let now = masquerade::unix_now();
    let Ok(body) = body else {
        return error(OAuthError::invalid_request(BODY_UNREADABLE), false);
    };
    let params = match single_valued(&pairs(&body)) {
        Ok(p) => p,
        Err(m) => return error(OAuthError::invalid_request(m), false),
    };
    let (auth, basic) = match client_auth(&headers, &params) {
        Ok(a) => a,
        Err(e) => return error(e, true),
    };
    let caller = match authenticate_client(svc, &auth).await {
        Ok(a) if a.app_type.is_confidential() => a,
        Ok(_) => {
            return error(
                OAuthError::invalid_client("Only confidential clients may introspect tokens."),
                basic,
            )
        }
        Err(e) => return error(e, basic),
    };
    let Some(token) = params.get("token") else {
        return error(OAuthError::invalid_request("token is required."), basic);
    };
    let body = masquerade::oidc::introspect::introspect(svc, &caller, token, now).await;
    json_response(StatusCode::OK, body.to_string(), "no-store")
}
