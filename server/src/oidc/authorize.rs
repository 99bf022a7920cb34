//! GET/POST /authorize.

use std::collections::HashMap;

use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Redirect, Response};
use http::{HeaderMap, StatusCode};
use masquerade::domain::Application;
use masquerade::impersonation::redeem::{self, HintRefusal};
use masquerade::oidc::authorize::AuthorizeRequest;
use masquerade::oidc::authorize::{
    check_client, error_target, session_satisfies, validate, ErrorTarget, ResponseMode,
};
use masquerade::oidc::issue::{authorization_response, Subject};
use masquerade::oidc::params::{single_valued, usable_params};
use masquerade::oidc::AuthorizeError;
use masquerade::store::AuditContext;

use super::pages::{error_page, form_post};
use super::{pairs, FormBody, BODY_UNREADABLE};
use crate::request_audit::RequestAudit;
use app::functions::ctx::{cookie_value, SESSION_COOKIE};
use app::state::AppState;

/// Set when we send the browser to sign in because of prompt=login: the
/// resumed request then needs a sign-in no older than this. A client can
/// only make the rule stricter by sending it, never weaker.
const AUTH_AFTER: &str = "mq_auth_after";

pub async fn get(
    State(state): State<AppState>,
    RequestAudit(audit): RequestAudit,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    handle(&state, &audit, &headers, pairs(q.as_deref().unwrap_or(""))).await
}

pub async fn post(
    State(state): State<AppState>,
    RequestAudit(audit): RequestAudit,
    headers: HeaderMap,
    body: FormBody,
) -> Response {
    match body {
        Ok(body) => handle(&state, &audit, &headers, pairs(&body)).await,
        Err(_) => invalid(BODY_UNREADABLE),
    }
}

fn invalid(message: &str) -> Response {
    error_page(
        StatusCode::BAD_REQUEST,
        "This sign-in request is not valid",
        message,
    )
}

async fn handle(
    state: &AppState,
    audit: &AuditContext,
    headers: &HeaderMap,
    raw: Vec<(String, String)>,
) -> Response {
    let svc = &state.services;
    let now = masquerade::unix_now();
    let params = match single_valued(&raw) {
        Ok(p) => p,
        Err(m) => return malformed(state, &raw, &m).await,
    };
    let app = match params.get("client_id") {
        Some(id) => svc.store.get_application(id).await.ok(),
        None => None,
    };
    let (app, redirect_uri) = match check_client(&params, app.as_ref()) {
        Ok(x) => x,
        Err(e) => return invalid(&e.to_string()),
    };
    let target = error_target(&params, &redirect_uri);
    let issuer = svc.config.public_url.clone();
    let audiences = match svc.store.audiences_for_client(&app.client_id).await {
        Ok(a) => a,
        Err(_) => return deliver_error(&target, "server_error", "Try again later.", &issuer),
    };
    let req = match validate(&params, app, redirect_uri, &audiences) {
        Ok(r) => r,
        Err(AuthorizeError::Redirect { error, description }) => {
            return deliver_error(&target, error, &description, &issuer)
        }
        Err(AuthorizeError::ShowToUser(m)) => return invalid(&m),
    };
    if let Some(hint) = req.login_hint.as_deref().filter(|h| redeem::is_hint(h)) {
        return impersonated(svc, audit, &req, app, hint, &target, now).await;
    }

    let session = match cookie_value(headers, SESSION_COOKIE) {
        Some(t) => svc
            .store
            .console_session(&t, svc.config.sessions, now)
            .await
            .ok()
            .flatten(),
        None => None,
    };
    let auth_after = params.get(AUTH_AFTER).and_then(|v| v.parse::<i64>().ok());
    let session = session.filter(|s| {
        session_satisfies(&req, s.created_at, now) && auth_after.is_none_or(|t| s.created_at >= t)
    });
    let Some(session) = session else {
        if req.prompt_none {
            return deliver_error(
                &target,
                "login_required",
                "The user is not signed in.",
                &issuer,
            );
        }
        return Redirect::to(&login_url(&params, req.prompt_login, now)).into_response();
    };
    let user = match svc.store.get_user(&session.user_id).await {
        Ok(u) if !u.blocked => u,
        _ => {
            return deliver_error(
                &target,
                "access_denied",
                "The account cannot sign in.",
                &issuer,
            )
        }
    };
    if !app.connection_ids.contains(&user.connection_id) {
        return deliver_error(
            &target,
            "access_denied",
            "This account's connection is not enabled for the application.",
            &issuer,
        );
    }
    let api = match &req.audience {
        Some(a) => svc.store.api_by_identifier(a).await.ok().flatten(),
        None => None,
    };
    let subject = Subject {
        user: &user,
        auth_time: session.created_at,
        actor: None,
    };
    match authorization_response(svc, &req, app, subject, api.as_ref(), now).await {
        Ok(resp) => deliver(&req.redirect_uri, req.response_mode, &resp),
        Err(e) => deliver_error(&target, e.error, &e.error_description, &issuer),
    }
}

/// App-initiated Sign in as User: the application came back with the opaque
/// login_hint from /impersonate. The request is satisfied from the
/// impersonation, with the application's own state, nonce and PKCE, without
/// a login prompt and without touching this browser's SSO session.
async fn impersonated(
    svc: &masquerade::Services,
    audit: &AuditContext,
    req: &AuthorizeRequest,
    app: &Application,
    hint: &str,
    target: &ErrorTarget,
    now: i64,
) -> Response {
    let issuer = &svc.config.public_url;
    let (user, actor, rec) = match redeem::from_hint(svc, audit, hint, app, now).await {
        Ok(Ok(x)) => x,
        Ok(Err(HintRefusal::Denied(d))) => {
            return deliver_error(target, "access_denied", &d.message(), issuer)
        }
        Ok(Err(_)) => {
            return deliver_error(
                target,
                "access_denied",
                "The impersonation sign-in is invalid, expired or already used.",
                issuer,
            )
        }
        Err(_) => return deliver_error(target, "server_error", "Try again later.", issuer),
    };
    let audience = req
        .audience
        .clone()
        .or_else(|| Some(rec.audience.clone()).filter(|a| !a.is_empty()));
    let api = match &audience {
        Some(a) => svc.store.api_by_identifier(a).await.ok().flatten(),
        None => None,
    };
    let req = AuthorizeRequest {
        audience,
        ..req.clone()
    };
    let subject = Subject {
        user: &user,
        auth_time: now,
        actor: Some(&actor),
    };
    match authorization_response(svc, &req, app, subject, api.as_ref(), now).await {
        Ok(resp) => {
            if req.response_type.returns_tokens() {
                let ctx = AuditContext {
                    actor_id: Some(rec.actor_id.clone()),
                    ..audit.clone()
                };
                if svc
                    .store
                    .record_impersonation_tokens(&ctx, &rec, rec.audit_data(), now)
                    .await
                    .is_err()
                {
                    return deliver_error(target, "server_error", "Try again later.", issuer);
                }
            }
            deliver(&req.redirect_uri, req.response_mode, &resp)
        }
        Err(e) => deliver_error(target, e.error, &e.error_description, issuer),
    }
}

/// A request with repeated or over-long parameters is `invalid_request`.
/// It goes back to the client like any other error when the client_id and
/// redirect_uri are themselves unambiguous and valid; otherwise it is shown
/// here (RFC 6749 §4.1.2.1).
async fn malformed(state: &AppState, raw: &[(String, String)], message: &str) -> Response {
    let svc = &state.services;
    let (usable, bad) = usable_params(raw);
    if bad.contains("client_id") || bad.contains("redirect_uri") {
        return invalid(message);
    }
    let app = match usable.get("client_id") {
        Some(id) => svc.store.get_application(id).await.ok(),
        None => None,
    };
    match check_client(&usable, app.as_ref()) {
        Ok((_, redirect_uri)) => deliver_error(
            &error_target(&usable, &redirect_uri),
            "invalid_request",
            message,
            &svc.config.public_url,
        ),
        Err(_) => invalid(message),
    }
}

/// Sends the browser to sign in, then back to this same request.
fn login_url(params: &HashMap<String, String>, prompt_login: bool, now: i64) -> String {
    let mut resume = url::form_urlencoded::Serializer::new(String::new());
    let mut keys: Vec<&String> = params.keys().collect();
    keys.sort();
    for k in keys {
        if k == "prompt" && prompt_login {
            continue;
        }
        if k != AUTH_AFTER {
            resume.append_pair(k, &params[k]);
        }
    }
    if prompt_login {
        resume.append_pair(AUTH_AFTER, &now.to_string());
    }
    let next = format!("/authorize?{}", resume.finish());
    let mut login = url::form_urlencoded::Serializer::new(String::new());
    login.append_pair("next", &next);
    if let Some(hint) = params.get("login_hint") {
        login.append_pair("login_hint", hint);
    }
    format!("/login?{}", login.finish())
}

fn deliver_error(target: &ErrorTarget, error: &str, description: &str, issuer: &str) -> Response {
    let mut p = vec![
        ("error".to_string(), error.to_string()),
        ("error_description".to_string(), description.to_string()),
    ];
    if let Some(s) = &target.state {
        p.push(("state".into(), s.clone()));
    }
    p.push(("iss".into(), issuer.to_string()));
    deliver(&target.redirect_uri, target.mode, &p)
}

/// Returns the response to the client's redirect URI in the chosen mode.
pub fn deliver(redirect_uri: &str, mode: ResponseMode, params: &[(String, String)]) -> Response {
    let encoded = {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in params {
            s.append_pair(k, v);
        }
        s.finish()
    };
    match mode {
        ResponseMode::FormPost => form_post(redirect_uri, params),
        ResponseMode::Query => {
            let sep = if redirect_uri.contains('?') { '&' } else { '?' };
            found(&format!("{redirect_uri}{sep}{encoded}"))
        }
        ResponseMode::Fragment => found(&format!("{redirect_uri}#{encoded}")),
    }
}

pub fn found(location: &str) -> Response {
    let mut res = StatusCode::FOUND.into_response();
    if let Ok(v) = http::HeaderValue::from_str(location) {
        res.headers_mut().insert(http::header::LOCATION, v);
    }
    res.headers_mut().insert(
        http::header::CACHE_CONTROL,
        http::HeaderValue::from_static("no-store"),
    );
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_url_resumes_and_replaces_prompt_login() {
        let p: HashMap<String, String> =
            [("client_id", "c"), ("prompt", "login"), ("state", "a b")]
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect();
        let u = login_url(&p, true, 42);
        assert!(u.starts_with("/login?next=%2Fauthorize%3F"));
        let next: String = url::form_urlencoded::parse(u.trim_start_matches("/login?").as_bytes())
            .find(|(k, _)| k == "next")
            .map(|(_, v)| v.into_owned())
            .unwrap();
        assert!(!next.contains("prompt="));
        assert!(next.contains("mq_auth_after=42"));
        assert!(next.contains("state=a+b"));
    }

    #[test]
    fn modes() {
        let p = vec![("code".to_string(), "x y".to_string())];
        let q = deliver("https://a.example/cb?k=1", ResponseMode::Query, &p);
        assert_eq!(q.headers()["location"], "https://a.example/cb?k=1&code=x+y");
        let f = deliver("https://a.example/cb", ResponseMode::Fragment, &p);
        assert_eq!(f.headers()["location"], "https://a.example/cb#code=x+y");
    }
}
