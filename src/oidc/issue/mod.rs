//! Issuing tokens: the authorization response and client authentication
//! here, the signed tokens in `tokens`, the token endpoint's grants
//! (authorization_code, refresh_token, client_credentials) in `grants`.

mod grants;
mod tokens;

pub use grants::token_request;
use tokens::{access_token, id_token};

use serde_json::{json, Map, Value};

use super::authorize::AuthorizeRequest;
use super::claims::{half_hash, profile_claims, AccessTokenClaims};
use super::error::OAuthError;
use super::pkce;
use crate::domain::impersonation::Impersonation;
use crate::domain::{Api, Application, User};
use crate::keys::Alg;
use crate::secrets::{hash_secret, new_id, new_secret, new_sortable_id};
use crate::services::Services;
use crate::store::oauth::{CodeRecord, Grant, Redeem};
use crate::store::AuditContext;

pub const CODE_LIFETIME_SECS: i64 = 60;
pub const USERINFO_TOKEN_LIFETIME_SECS: i64 = 3600;

/// How the client authenticated at the token endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientAuth {
    pub client_id: String,
    pub secret: Option<String>,
}

/// The administrator behind an impersonated grant. Every token from such a
/// grant names them in `act` (RFC 8693 §4.1) and ends by the session cap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub impersonation_id: String,
    pub sub: String,
    pub email: String,
    pub reason: String,
    pub session_expires_at: i64,
    /// Read-only impersonation: tokens carry only the target's permissions
    /// that are safe to read.
    pub read_only: bool,
}

impl Actor {
    pub fn of(rec: &Impersonation) -> Actor {
        Actor {
            impersonation_id: rec.id.clone(),
            sub: rec.actor_id.clone(),
            email: rec.actor_email.clone(),
            reason: rec.reason.clone(),
            session_expires_at: rec.session_expires_at,
            read_only: rec.read_only(),
        }
    }

    /// "full" or "read_only", as tokens say it.
    pub fn mode(&self) -> &'static str {
        if self.read_only {
            crate::domain::impersonation::MODE_READ_ONLY
        } else {
            crate::domain::impersonation::MODE_FULL
        }
    }

    pub fn act_claim(&self) -> Value {
        json!({"sub": self.sub, "email": self.email})
    }

    /// Claims for the ID token and /userinfo: `act`, plus what Auth0's
    /// impersonation put there, for applications written against it.
    pub fn identity_claims(&self) -> [(&'static str, Value); 3] {
        identity_claims(&self.act_claim())
    }

    /// A lifetime cut short so nothing outlives the impersonated session.
    fn cap(&self, lifetime: i64, now: i64) -> i64 {
        lifetime.min(self.session_expires_at - now).max(0)
    }
}

/// `act` plus Auth0's `impersonated`/`impersonator`, from an `act` claim
/// (as found in an access token presented to /userinfo).
pub fn identity_claims(act: &Value) -> [(&'static str, Value); 3] {
    [
        ("act", act.clone()),
        ("impersonated", json!(true)),
        (
            "impersonator",
            json!({"user_id": act["sub"], "email": act["email"]}),
        ),
    ]
}

fn cap(actor: Option<&Actor>, lifetime: i64, now: i64) -> i64 {
    actor.map_or(lifetime, |a| a.cap(lifetime, now))
}

fn server_error(e: crate::CoreError) -> OAuthError {
    tracing::error!(error = %e, "token issuance failed");
    OAuthError::server_error()
}

fn alg_of(s: &str) -> Alg {
    Alg::parse(s).unwrap_or(Alg::ES256)
}

/// Scopes granted: OIDC scopes pass through; an API's permissions only if
/// the API defines them and the user holds them (`held`), so a token never
/// carries more than both the request and the user's roles allow.
fn granted_scope(
    requested: &[String],
    api: Option<&Api>,
    held: &std::collections::BTreeSet<String>,
    actor: Option<&Actor>,
) -> Vec<String> {
    const OIDC: [&str; 4] = ["openid", "profile", "email", "offline_access"];
    let read_only = actor.is_some_and(|a| a.read_only);
    requested
        .iter()
        .filter(|s| {
            OIDC.contains(&s.as_str())
                || api.is_some_and(|a| {
                    a.defines(s) && held.contains(s.as_str()) && (!read_only || a.safe_to_read(s))
                })
        })
        .cloned()
        .collect()
}

/// The permissions of `api` that `user_id` holds through their roles, for
/// tokens issued to `app`: for the Management API its permissions, for a
/// customer API the permissions its roles give (those of a role scoped to
/// another application excluded).
async fn held_permissions(
    svc: &Services,
    user_id: &str,
    app: &Application,
    api: Option<&Api>,
) -> Result<std::collections::BTreeSet<String>, OAuthError> {
    let Some(api) = api else {
        return Ok(Default::default());
    };
    let Some(h) = svc.store.holdings(user_id).await.map_err(server_error)? else {
        return Ok(Default::default());
    };
    Ok(if api.builtin {
        h.management_for_app(&app.client_id)
            .iter()
            .map(|p| p.as_str().to_string())
            .collect()
    } else {
        h.api_permissions(&api.id, &app.client_id)
    })
}

/// Who the authorization is for: the user, when they authenticated, and the
/// administrator acting as them, if any.
pub struct Subject<'a> {
    pub user: &'a User,
    pub auth_time: i64,
    pub actor: Option<&'a Actor>,
}

/// Everything the authorization endpoint sends back to the client.
pub async fn authorization_response(
    svc: &Services,
    req: &AuthorizeRequest,
    app: &Application,
    subject: Subject<'_>,
    api: Option<&Api>,
    now: i64,
) -> Result<Vec<(String, String)>, OAuthError> {
    let Subject {
        user,
        auth_time,
        actor,
    } = subject;
    let held = held_permissions(svc, &user.id, app, api).await?;
    let scope = granted_scope(&req.scope, api, &held, actor);
    let lifetime = app
        .tokens
        .refresh_lifetime_secs
        .max(USERINFO_TOKEN_LIFETIME_SECS);
    let grant = Grant {
        id: new_sortable_id("grt", now),
        client_id: app.client_id.clone(),
        user_id: Some(user.id.clone()),
        scope: scope.join(" "),
        audience: api.map(|a| a.identifier.clone()),
        auth_time,
        created_at: now,
        expires_at: now + cap(actor, lifetime, now),
        revoked_at: 0,
        impersonation_id: actor.map(|a| a.impersonation_id.clone()),
    };
    let code = req.response_type.code.then(new_secret);
    let record = code.as_ref().map(|_| CodeRecord {
        grant_id: grant.id.clone(),
        client_id: app.client_id.clone(),
        user_id: user.id.clone(),
        // Empty: the token request need not name one (RFC 6749 §4.1.3).
        redirect_uri: if req.redirect_uri_omitted {
            String::new()
        } else {
            req.redirect_uri.clone()
        },
        scope: grant.scope.clone(),
        audience: grant.audience.clone(),
        nonce: req.nonce.clone(),
        code_challenge: req.code_challenge.clone(),
        auth_time,
        expires_at: now + CODE_LIFETIME_SECS,
        used_at: 0,
        impersonation_id: grant.impersonation_id.clone(),
    });
    let code_hash = code.as_deref().map(hash_secret);
    svc.store
        .create_grant(&grant, code_hash.as_deref().zip(record.as_ref()))
        .await
        .map_err(|e| match e {
            crate::CoreError::Conflict { .. } => {
                OAuthError::new("access_denied", "The impersonated session has ended.")
            }
            other => server_error(other),
        })?;

    let mut out = Vec::new();
    let mut at = None;
    if let Some(c) = &code {
        out.push(("code".into(), c.clone()));
    }
    if req.response_type.token {
        let issued = access_token(
            svc,
            app,
            &user.id,
            &scope,
            api,
            &grant.id,
            Some(auth_time),
            actor,
            now,
        )?;
        out.push(("token_type".into(), "Bearer".into()));
        out.push(("expires_in".into(), issued.expires_in.to_string()));
        at = Some(issued.access_token.clone());
        out.push(("access_token".into(), issued.access_token));
        out.push(("scope".into(), scope.join(" ")));
    }
    if req.response_type.id_token {
        let t = id_token(
            svc,
            app,
            user,
            &scope,
            req.nonce.as_deref(),
            auth_time,
            at.as_deref(),
            code.as_deref(),
            actor,
            now,
        )?;
        out.push(("id_token".into(), t));
    }
    if let Some(s) = &req.state {
        out.push(("state".into(), s.clone()));
    }
    out.push(("iss".into(), svc.config.public_url.clone()));
    Ok(out)
}

/// Authenticates the client: confidential clients by secret, public clients
/// by having none (they prove possession with PKCE instead).
pub async fn authenticate_client(
    svc: &Services,
    auth: &ClientAuth,
) -> Result<Application, OAuthError> {
    let bad = || OAuthError::invalid_client("Client authentication failed.");
    let client = match svc.store.client_for_auth(&auth.client_id).await {
        Ok(Some(c)) => c,
        Ok(None) => return Err(bad()),
        Err(e) => return Err(server_error(e)),
    };
    if client.app.app_type.is_confidential() {
        let secret = auth.secret.as_deref().ok_or_else(bad)?;
        if !client.secret_matches(secret) {
            return Err(bad());
        }
    } else if auth.secret.is_some() {
        return Err(OAuthError::invalid_client(
            "Public clients have no secret; authenticate with PKCE.",
        ));
    }
    Ok(client.app.clone())
}
