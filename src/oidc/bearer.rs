//! Bearer access tokens presented to our own resource servers (/userinfo,
//! the Management API): RFC 6750 checks plus revocation of the grant.

use serde_json::Value;

use super::claims::AccessTokenClaims;
use crate::services::Services;

/// Why a bearer token was refused; maps to RFC 6750 §3.1 codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BearerError {
    /// No `Authorization: Bearer` header at all.
    Missing,
    /// Bad signature, expired, wrong issuer or audience, or revoked.
    InvalidToken(&'static str),
    /// A valid token without the permission the call needs.
    InsufficientScope(String),
}

impl BearerError {
    pub fn code(&self) -> &'static str {
        match self {
            BearerError::Missing => "unauthorized",
            BearerError::InvalidToken(_) => "invalid_token",
            BearerError::InsufficientScope(_) => "insufficient_scope",
        }
    }

    pub fn message(&self) -> String {
        match self {
            BearerError::Missing => "Send an access token: Authorization: Bearer <token>.".into(),
            BearerError::InvalidToken(m) => (*m).into(),
            BearerError::InsufficientScope(p) => {
                format!("The access token lacks the \"{p}\" permission.")
            }
        }
    }
}

/// Extracts the token from an `Authorization` header value.
pub fn from_header(value: Option<&str>) -> Result<&str, BearerError> {
    let v = value.ok_or(BearerError::Missing)?;
    let (scheme, token) = v.split_once(' ').ok_or(BearerError::Missing)?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(BearerError::Missing);
    }
    Ok(token.trim())
}

/// The values of an `aud` claim, which may be one string or an array.
pub fn audiences(aud: &Value) -> Vec<&str> {
    match aud {
        Value::String(a) => vec![a.as_str()],
        Value::Array(v) => v.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

fn has_audience(aud: &Value, wanted: &str) -> bool {
    audiences(aud).contains(&wanted)
}

/// Verifies an access token for `audience`: signature pinned to the key id,
/// `typ: at+jwt`, expiry, issuer, audience, and that its grant is still live.
pub async fn verify(
    svc: &Services,
    token: &str,
    audience: &str,
    now: i64,
) -> Result<AccessTokenClaims, BearerError> {
    let claims: AccessTokenClaims = svc
        .keys
        .verify(token, Some("at+jwt"), now)
        .await
        .map_err(|_| BearerError::InvalidToken("The access token is invalid or expired."))?;
    if claims.iss != svc.config.public_url || !has_audience(&claims.aud, audience) {
        return Err(BearerError::InvalidToken(
            "The access token was not issued for this API.",
        ));
    }
    if !grant_live(svc, &claims, now).await {
        return Err(BearerError::InvalidToken(
            "The access token has been revoked.",
        ));
    }
    Ok(claims)
}

/// For a token issued under an impersonation (it carries `act`): whether
/// the impersonation is still live and its impersonator still may sign in
/// to the application. Blocking the impersonator or taking away their role
/// thus ends the tokens at /userinfo and introspection, not only at the
/// next refresh. Other tokens pass.
pub async fn impersonation_live(svc: &Services, claims: &AccessTokenClaims, now: i64) -> bool {
    if !claims.extra.contains_key("act") {
        return true;
    }
    let Ok(Some(grant)) = svc.store.get_grant(&claims.gid).await else {
        return false;
    };
    let Some(id) = grant.impersonation_id else {
        return false;
    };
    let Ok(rec) = svc.store.get_impersonation(&id).await else {
        return false;
    };
    rec.revoked_at == 0
        && rec.session_expires_at > now
        && crate::impersonation::impersonator_still_may(svc, &rec)
            .await
            .unwrap_or(false)
}

/// Whether the grant a token came from is still live (unrevoked and
/// unexpired). Tokens without a grant (client_credentials) have nothing to
/// revoke. A store that cannot answer counts as revoked: refusing a valid
/// token for a moment is better than accepting a revoked one.
pub async fn grant_live(svc: &Services, claims: &AccessTokenClaims, now: i64) -> bool {
    claims.gid.is_empty()
        || svc
            .store
            .grant_active(&claims.gid, now)
            .await
            .unwrap_or(false)
}

/// The permissions (scope values) a token carries.
pub fn scopes(claims: &AccessTokenClaims) -> Vec<&str> {
    claims.scope.split(' ').filter(|s| !s.is_empty()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_parsing() {
        assert_eq!(from_header(Some("Bearer abc")), Ok("abc"));
        assert_eq!(from_header(Some("bearer  abc ")), Ok("abc"));
        assert_eq!(from_header(Some("Basic abc")), Err(BearerError::Missing));
        assert_eq!(from_header(Some("Bearer ")), Err(BearerError::Missing));
        assert_eq!(from_header(None), Err(BearerError::Missing));
    }

    #[test]
    fn audience_forms() {
        assert!(has_audience(&serde_json::json!("a"), "a"));
        assert!(has_audience(&serde_json::json!(["b", "a"]), "a"));
        assert!(!has_audience(&serde_json::json!(["b"]), "a"));
        assert!(!has_audience(&serde_json::json!(1), "a"));
    }
}
