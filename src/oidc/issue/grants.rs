//! The token endpoint's grants: authorization_code, refresh_token and
//! client_credentials (RFC 6749 §4, §6).

use super::*;

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
        "refresh_token" if allowed("refresh_token") => refresh(svc, app, params, ctx, now).await,
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
    // RFC 6749 §4.1.3: required, and identical, when the authorization
    // request had it; a request without it (one registered callback) leaves
    // it optional here, and if sent it must still be a registered one.
    let sent = params.get("redirect_uri");
    let redirect_ok = if rec.redirect_uri.is_empty() {
        sent.is_none_or(|r| app.callback_urls.contains(r))
    } else {
        sent == Some(&rec.redirect_uri)
    };
    if !redirect_ok {
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
    let imp = impersonation_for(
        svc,
        rec.impersonation_id.as_deref(),
        ctx,
        "code_exchange",
        now,
    )
    .await?;
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
    ctx: &AuditContext,
    stage: &str,
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
    // The whole policy again, as things are now: a rule changed, a role
    // taken away or someone blocked since the link was opened ends it here.
    let settings = crate::impersonation::settings::load(&svc.store)
        .await
        .map_err(server_error)?;
    match crate::impersonation::recheck(svc, &rec, &settings, now).await {
        Ok(Ok(_)) => Ok(Some(rec)),
        Ok(Err(d)) => {
            let ctx = AuditContext {
                actor_id: Some(rec.actor_id.clone()),
                ..ctx.clone()
            };
            let mut data = rec.audit_data();
            data["denied"] = json!(d.code());
            data["stage"] = json!(stage);
            svc.store
                .record_impersonation_denied(&ctx, None, &rec.target_id, d.code(), data, now)
                .await
                .map_err(server_error)?;
            crate::impersonation::end(svc, &ctx, &rec.id, now)
                .await
                .map_err(server_error)?;
            Err(OAuthError::invalid_grant(format!(
                "The impersonation is no longer allowed: {}",
                d.message()
            )))
        }
        Err(e) => Err(server_error(e)),
    }
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
    ctx: &AuditContext,
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
    let imp =
        impersonation_for(svc, grant.impersonation_id.as_deref(), ctx, "refresh", now).await?;
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
    // Permissions taken away since the sign-in stay out of new tokens.
    let held = held_permissions(svc, &user.id, app, api.as_deref()).await?;
    let scope = granted_scope(&scope, api.as_deref(), &held, actor.as_ref());
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
    // Every token an impersonation yields is on the record, not only the
    // first: a long session shows up as its refreshes.
    if let Some(imp) = &imp {
        let ctx = AuditContext {
            actor_id: Some(imp.actor_id.clone()),
            ..ctx.clone()
        };
        let mut data = imp.audit_data();
        data["scope"] = json!(scope.join(" "));
        data["grant_id"] = json!(grant.id);
        svc.store
            .append_event(
                &ctx,
                "impersonation.refreshed",
                Some(&imp.target_id),
                data,
                now,
            )
            .await
            .map_err(server_error)?;
    }
    Ok(body)
}

fn not_authorized() -> OAuthError {
    OAuthError::new(
        "invalid_target",
        "This application is not authorized for that API.",
    )
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
        .ok_or_else(not_authorized)?;
    let granted = api.granted_to(&app.client_id).ok_or_else(not_authorized)?;
    // Only what the client was granted on this API; asking for more is an
    // error that names what is not granted (RFC 6749 §5.2 invalid_scope).
    let scope: Vec<String> = match params
        .get("scope")
        .map(|s| crate::oidc::params::space_list(s))
    {
        Some(requested) => {
            let refused: Vec<&str> = requested
                .iter()
                .filter(|s| !granted.contains(s))
                .map(String::as_str)
                .collect();
            if !refused.is_empty() {
                let named: Vec<String> = refused
                    .iter()
                    .take(10)
                    .map(|s| format!("\"{}\"", s.chars().take(100).collect::<String>()))
                    .collect();
                return Err(OAuthError::invalid_scope(format!(
                    "This application is not granted {} on this API.",
                    named.join(", ")
                )));
            }
            requested
        }
        None => granted.to_vec(),
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
