//! The signed tokens: access tokens (RFC 9068) and ID tokens.

use super::*;

pub(super) struct Issued {
    pub access_token: String,
    pub expires_in: i64,
}

#[allow(clippy::too_many_arguments)]
pub(super) fn access_token(
    svc: &Services,
    app: &Application,
    subject: &str,
    scope: &[String],
    api: Option<&Api>,
    grant_id: &str,
    auth_time: Option<i64>,
    actor: Option<&Actor>,
    now: i64,
) -> Result<Issued, OAuthError> {
    let issuer = &svc.config.public_url;
    let userinfo = format!("{issuer}/userinfo");
    let (aud, lifetime, alg) = match api {
        Some(a) if scope.iter().any(|s| s == "openid") => (
            json!([a.identifier, userinfo]),
            a.token_lifetime_secs,
            alg_of(&a.signing_alg),
        ),
        Some(a) => (
            json!(a.identifier),
            a.token_lifetime_secs,
            alg_of(&a.signing_alg),
        ),
        None => (json!(userinfo), USERINFO_TOKEN_LIFETIME_SECS, Alg::ES256),
    };
    let lifetime = cap(actor, lifetime, now);
    let mut extra = Map::new();
    if let Some(a) = actor {
        extra.insert("act".into(), a.act_claim());
        extra.insert(
            "impersonation".into(),
            json!({"id": a.impersonation_id, "mode": a.mode()}),
        );
    }
    if let Some(a) = api.filter(|a| a.permissions_in_token) {
        let permissions: Vec<&String> = scope.iter().filter(|s| a.defines(s)).collect();
        extra.insert("permissions".into(), json!(permissions));
    }
    let claims = AccessTokenClaims {
        iss: issuer.clone(),
        sub: subject.to_string(),
        aud,
        client_id: app.client_id.clone(),
        iat: now,
        exp: now + lifetime,
        jti: new_id("at"),
        scope: scope.join(" "),
        gid: grant_id.to_string(),
        auth_time,
        extra,
    };
    let token = svc
        .keys
        .sign(alg, "at+jwt", &claims)
        .map_err(server_error)?;
    Ok(Issued {
        access_token: token,
        expires_in: lifetime,
    })
}

#[allow(clippy::too_many_arguments)]
pub(super) fn id_token(
    svc: &Services,
    app: &Application,
    user: &User,
    scope: &[String],
    nonce: Option<&str>,
    auth_time: i64,
    access_token: Option<&str>,
    code: Option<&str>,
    actor: Option<&Actor>,
    now: i64,
) -> Result<String, OAuthError> {
    let alg = alg_of(&app.tokens.signing_alg);
    let mut claims = profile_claims(scope, user);
    claims.insert("iss".into(), json!(svc.config.public_url));
    claims.insert("sub".into(), json!(user.id));
    claims.insert("aud".into(), json!(app.client_id));
    claims.insert("azp".into(), json!(app.client_id));
    claims.insert("iat".into(), json!(now));
    claims.insert(
        "exp".into(),
        json!(now + cap(actor, app.tokens.id_token_lifetime_secs, now)),
    );
    if let Some(a) = actor {
        for (k, v) in a.identity_claims() {
            claims.insert(k.into(), v);
        }
        // For the application's banner and its own audit trail.
        claims.insert(
            "impersonation".into(),
            json!({"id": a.impersonation_id, "reason": a.reason, "expires_at": a.session_expires_at, "mode": a.mode()}),
        );
    }
    claims.insert("auth_time".into(), json!(auth_time));
    if let Some(n) = nonce {
        claims.insert("nonce".into(), json!(n));
    }
    if let Some(at) = access_token {
        claims.insert("at_hash".into(), json!(half_hash(alg, at)));
    }
    if let Some(c) = code {
        claims.insert("c_hash".into(), json!(half_hash(alg, c)));
    }
    svc.keys
        .sign(alg, "JWT", &Value::Object(claims))
        .map_err(server_error)
}
