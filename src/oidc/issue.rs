//! Issuing tokens: the authorization response, and the token endpoint's
//! grants (authorization_code, refresh_token, client_credentials).

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
}

impl Actor {
    pub fn of(rec: &Impersonation) -> Actor {
        Actor {
            impersonation_id: rec.id.clone(),
            sub: rec.actor_id.clone(),
            email: rec.actor_email.clone(),
            reason: rec.reason.clone(),
            session_expires_at: rec.session_expires_at,
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

/// Scopes granted for an API: OIDC scopes pass through, API permissions only
/// if the API defines them. (Roles narrow this further in a later issue.)
fn granted_scope(requested: &[String], api: Option<&Api>) -> Vec<String> {
    const OIDC: [&str; 4] = ["openid", "profile", "email", "offline_access"];
    requested
        .iter()
        .filter(|s| {
            OIDC.contains(&s.as_str())
                || api.is_some_and(|a| a.permissions.iter().any(|p| &p.value == *s))
        })
        .cloned()
        .collect()
}

struct Issued {
    access_token: String,
    expires_in: i64,
}

#[allow(clippy::too_many_arguments)]
fn access_token(
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
fn id_token(
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
            json!({"id": a.impersonation_id, "reason": a.reason, "expires_at": a.session_expires_at}),
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
    let scope = granted_scope(&req.scope, api);
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
        redirect_uri: req.redirect_uri.clone(),
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
        .map_err(server_error)?;

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

fn param<'a>(
    params: &'a std::collections::HashMap<String, String>,
    name: &str,
) -> Result<&'a str, OAuthError> {
    params
        .get(name)
        .map(String::as_str)
        .ok_or_else(|| OAuthError::invalid_request(format!("{name} is required.")))
}

/// The token endpoint (RFC 6749 §3.2), after client authentication.
pub async fn token_request(
    svc: &Services,
    app: &Application,
    params: &std::collections::HashMap<String, String>,
    ctx: &AuditContext,
    now: i64,
) -> Result<Value, OAuthError> {
    let grant_type = param(params, "grant_type")?;
    let allowed = |g: &str| app.grant_types.iter().any(|x| x == g);
    match grant_type {
        "authorization_code" if allowed("authorization_code") => {
            exchange_code(svc, app, params, ctx, now).await
        }
        "refresh_token" if allowed("refresh_token") => refresh(svc, app, params, now).await,
        "client_credentials" if allowed("client_credentials") && app.app_type.is_confidential() => {
            client_credentials(svc, app, params, now).await
        }
        "authorization_code" | "refresh_token" | "client_credentials" => {
            Err(OAuthError::unauthorized_client(format!(
                "This application may not use the {grant_type} grant."
            )))
        }
        other => Err(OAuthError::unsupported_grant_type(format!(
            "Unsupported grant_type \"{}\".",
            other.chars().take(60).collect::<String>()
        ))),
    }
}

/// Maps a redemption outcome to the token endpoint's `invalid_grant` errors.
fn redeemed<T>(r: Redeem<T>, what: &str, replayed: &str) -> Result<T, OAuthError> {
    match r {
        Redeem::Ok(v) => Ok(v),
        Redeem::Unknown => Err(OAuthError::invalid_grant(format!("The {what} is invalid."))),
        Redeem::Expired => Err(OAuthError::invalid_grant(format!(
            "The {what} has expired or was revoked."
        ))),
        Redeem::Replayed => Err(OAuthError::invalid_grant(replayed.to_string())),
    }
}

async fn load_user(svc: &Services, id: &str) -> Result<User, OAuthError> {
    match svc.store.get_user(id).await {
        Ok(u) if !u.blocked => Ok(u),
        Ok(_) => Err(OAuthError::invalid_grant("The user is blocked.")),
        Err(crate::CoreError::NotFound(_)) => {
            Err(OAuthError::invalid_grant("The user no longer exists."))
        }
        Err(e) => Err(server_error(e)),
    }
}

async fn api_for(
    svc: &Services,
    audience: Option<&str>,
) -> Result<Option<std::sync::Arc<Api>>, OAuthError> {
    match audience {
        Some(a) => svc.store.api_for_token(a).await.map_err(server_error),
        None => Ok(None),
    }
}

async fn exchange_code(
    svc: &Services,
    app: &Application,
    params: &std::collections::HashMap<String, String>,
    ctx: &AuditContext,
    now: i64,
) -> Result<Value, OAuthError> {
    let code = param(params, "code")?;
    let rec = redeemed(
        svc.store
            .redeem_code(&hash_secret(code), now)
            .await
            .map_err(server_error)?,
        "authorization code",
        "The authorization code was already used; tokens issued from it are revoked.",
    )?;
    if rec.client_id != app.client_id {
        return Err(OAuthError::invalid_grant(
            "The authorization code was issued to another client.",
        ));
    }
    if params.get("redirect_uri").map(String::as_str) != Some(rec.redirect_uri.as_str()) {
        return Err(OAuthError::invalid_grant(
            "redirect_uri does not match the authorization request.",
        ));
    }
    match (&rec.code_challenge, params.get("code_verifier")) {
        (Some(ch), Some(v)) if pkce::verify(v, ch) => {}
        (Some(_), _) => {
            return Err(OAuthError::invalid_grant(
                "The PKCE code_verifier does not match.",
            ))
        }
        (None, Some(_)) => {
            return Err(OAuthError::invalid_grant(
                "No code_challenge was sent, so no code_verifier is expected.",
            ))
        }
        (None, None) if !app.app_type.is_confidential() => {
            return Err(OAuthError::invalid_grant("Public clients must use PKCE."))
        }
        (None, None) => {}
    }
    let user = load_user(svc, &rec.user_id).await?;
    let imp = impersonation_for(svc, rec.impersonation_id.as_deref(), now).await?;
    let actor = imp.as_ref().map(Actor::of);
    let api = api_for(svc, rec.audience.as_deref()).await?;
    let scope: Vec<String> = crate::oidc::params::space_list(&rec.scope);
    let issued = access_token(
        svc,
        app,
        &user.id,
        &scope,
        api.as_deref(),
        &rec.grant_id,
        Some(rec.auth_time),
        actor.as_ref(),
        now,
    )?;
    let mut body = json!({
        "access_token": issued.access_token,
        "token_type": "Bearer",
        "expires_in": issued.expires_in,
        "scope": rec.scope,
    });
    if scope.iter().any(|s| s == "openid") {
        body["id_token"] = json!(id_token(
            svc,
            app,
            &user,
            &scope,
            rec.nonce.as_deref(),
            rec.auth_time,
            Some(&issued.access_token),
            None,
            actor.as_ref(),
            now
        )?);
    }
    if let Some(rt) =
        new_refresh_token(svc, app, &rec.grant_id, &scope, actor.as_ref(), now).await?
    {
        body["refresh_token"] = json!(rt);
    }
    if let Some(imp) = &imp {
        let ctx = AuditContext {
            actor_id: Some(imp.actor_id.clone()),
            ..ctx.clone()
        };
        svc.store
            .record_impersonation_tokens(&ctx, imp, imp.audit_data(), now)
            .await
            .map_err(server_error)?;
    }
    Ok(body)
}

/// The impersonation behind a grant, refused once it was revoked or its
/// session cap has passed.
async fn impersonation_for(
    svc: &Services,
    id: Option<&str>,
    now: i64,
) -> Result<Option<Impersonation>, OAuthError> {
    let Some(id) = id else { return Ok(None) };
    let rec = svc
        .store
        .get_impersonation(id)
        .await
        .map_err(server_error)?;
    if rec.revoked_at > 0 || rec.session_expires_at <= now {
        return Err(OAuthError::invalid_grant(
            "The impersonated session has ended.",
        ));
    }
    Ok(Some(rec))
}

/// A refresh token when the application uses them and `offline_access` was granted.
async fn new_refresh_token(
    svc: &Services,
    app: &Application,
    grant_id: &str,
    scope: &[String],
    actor: Option<&Actor>,
    now: i64,
) -> Result<Option<String>, OAuthError> {
    if !app.tokens.refresh_tokens
        || !app.grant_types.iter().any(|g| g == "refresh_token")
        || !scope.iter().any(|s| s == "offline_access")
        || (actor.is_some() && !app.tokens.impersonation_refresh)
    {
        return Ok(None);
    }
    let token = new_secret();
    svc.store
        .insert_refresh_token(
            &hash_secret(&token),
            grant_id,
            now + cap(actor, app.tokens.refresh_lifetime_secs, now),
            now,
        )
        .await
        .map_err(server_error)?;
    Ok(Some(token))
}

async fn refresh(
    svc: &Services,
    app: &Application,
    params: &std::collections::HashMap<String, String>,
    now: i64,
) -> Result<Value, OAuthError> {
    let token = param(params, "refresh_token")?;
    let grant = redeemed(
        svc.store
            .use_refresh_token(&hash_secret(token), app.tokens.refresh_rotation, now)
            .await
            .map_err(server_error)?,
        "refresh token",
        "The refresh token was already used; the session is revoked.",
    )?;
    if grant.client_id != app.client_id {
        return Err(OAuthError::invalid_grant(
            "The refresh token was issued to another client.",
        ));
    }
    let user_id = grant
        .user_id
        .clone()
        .ok_or_else(|| OAuthError::invalid_grant("The refresh token has no user."))?;
    let user = load_user(svc, &user_id).await?;
    let imp = impersonation_for(svc, grant.impersonation_id.as_deref(), now).await?;
    let actor = imp.as_ref().map(Actor::of);
    let granted = crate::oidc::params::space_list(&grant.scope);
    // A refresh may narrow the scope, never widen it (RFC 6749 §6).
    let scope = match params.get("scope") {
        Some(s) => {
            let asked = crate::oidc::params::space_list(s);
            if let Some(extra) = asked.iter().find(|x| !granted.contains(x)) {
                return Err(OAuthError::invalid_scope(format!(
                    "\"{extra}\" was not granted originally."
                )));
            }
            asked
        }
        None => granted.clone(),
    };
    let api = api_for(svc, grant.audience.as_deref()).await?;
    let issued = access_token(
        svc,
        app,
        &user.id,
        &scope,
        api.as_deref(),
        &grant.id,
        Some(grant.auth_time),
        actor.as_ref(),
        now,
    )?;
    let mut body = json!({
        "access_token": issued.access_token,
        "token_type": "Bearer",
        "expires_in": issued.expires_in,
        "scope": scope.join(" "),
    });
    if scope.iter().any(|s| s == "openid") {
        body["id_token"] = json!(id_token(
            svc,
            app,
            &user,
            &scope,
            None,
            grant.auth_time,
            Some(&issued.access_token),
            None,
            actor.as_ref(),
            now
        )?);
    }
    if app.tokens.refresh_rotation {
        if let Some(rt) =
            new_refresh_token(svc, app, &grant.id, &granted, actor.as_ref(), now).await?
        {
            body["refresh_token"] = json!(rt);
        }
    }
    Ok(body)
}

async fn client_credentials(
    svc: &Services,
    app: &Application,
    params: &std::collections::HashMap<String, String>,
    now: i64,
) -> Result<Value, OAuthError> {
    let audience = params
        .get("audience")
        .or_else(|| params.get("resource"))
        .ok_or_else(|| {
            OAuthError::invalid_request("audience is required for client_credentials.")
        })?;
    let api = svc
        .store
        .api_for_token(audience)
        .await
        .map_err(server_error)?
        .filter(|a| a.client_ids.contains(&app.client_id))
        .ok_or_else(|| {
            OAuthError::new(
                "invalid_target",
                "This application is not authorized for that API.",
            )
        })?;
    let requested = params
        .get("scope")
        .map(|s| crate::oidc::params::space_list(s));
    let scope: Vec<String> = match requested {
        Some(r) => {
            if let Some(bad) = r
                .iter()
                .find(|s| !api.permissions.iter().any(|p| &&p.value == s))
            {
                return Err(OAuthError::invalid_scope(format!(
                    "The API has no permission \"{bad}\"."
                )));
            }
            r
        }
        None => api.permissions.iter().map(|p| p.value.clone()).collect(),
    };
    // No grant row: a client_credentials token lives and dies by its expiry.
    let issued = access_token(
        svc,
        app,
        &format!("{}@clients", app.client_id),
        &scope,
        Some(&*api),
        "",
        None,
        None,
        now,
    )?;
    Ok(json!({
        "access_token": issued.access_token,
        "token_type": "Bearer",
        "expires_in": issued.expires_in,
        "scope": scope.join(" "),
    }))
}
