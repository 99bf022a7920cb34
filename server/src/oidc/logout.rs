//! RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0).

use axum::extract::{RawQuery, State};
use axum::response::{Html, IntoResponse, Response};
use http::{header, HeaderMap, HeaderValue, StatusCode};
use masquerade::oidc::params::single_valued;
use serde_json::Value;

use super::pages::{error_page, hidden_inputs, page};
use super::{pairs, FormBody, BODY_UNREADABLE};
use crate::request_audit::RequestAudit;
use app::functions::ctx::{cookie_value, SESSION_COOKIE};
use app::state::AppState;
use masquerade::store::AuditContext;

pub async fn get(
    State(state): State<AppState>,
    RequestAudit(audit): RequestAudit,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let raw = pairs(q.as_deref().unwrap_or(""));
    handle(&state, &audit, &headers, raw, false).await
}

/// RP-Initiated Logout 1.0 §2 requires POST as well as GET, and an
/// application's POST comes from its own origin, so the console's CSRF
/// guard lets this path through and the origin is weighed here instead: a
/// same-origin POST is our own confirmation form; a cross-site one counts
/// only as a request, exactly like a GET.
pub async fn post(
    State(state): State<AppState>,
    RequestAudit(audit): RequestAudit,
    headers: HeaderMap,
    body: FormBody,
) -> Response {
    let Ok(body) = body else {
        return invalid(BODY_UNREADABLE);
    };
    let confirmed = crate::guard::same_origin(&headers);
    handle(&state, &audit, &headers, pairs(&body), confirmed).await
}

fn invalid(detail: &str) -> Response {
    error_page(
        StatusCode::BAD_REQUEST,
        "This sign-out request is not valid",
        detail,
    )
}

async fn handle(
    state: &AppState,
    audit: &AuditContext,
    headers: &HeaderMap,
    raw: Vec<(String, String)>,
    confirmed: bool,
) -> Response {
    let svc = &state.services;
    let now = masquerade::unix_now();
    let params = match single_valued(&raw) {
        Ok(p) => p,
        Err(m) => return invalid(&m),
    };
    // Only an ID token we issued identifies the client and the user, even
    // once expired. Access tokens (`at+jwt`) are refused: they are handed
    // to APIs, so anyone holding one could use it as a sign-out link.
    let hint: Option<Value> = match params.get("id_token_hint") {
        Some(t) => match svc.keys.verify::<Value>(t, Some("JWT"), 0).await {
            Ok(c) if c["iss"] == svc.config.public_url.as_str() && c["sub"].is_string() => Some(c),
            _ => return invalid("The id_token_hint is not an ID token issued here."),
        },
        None => None,
    };
    let hinted_client = hint
        .as_ref()
        .and_then(|c| c["aud"].as_str().map(String::from));
    let client_id = match (params.get("client_id"), &hinted_client) {
        (Some(a), Some(b)) if a != b => {
            return invalid("client_id does not match the id_token_hint.");
        }
        (Some(a), _) => Some(a.clone()),
        (None, b) => b.clone(),
    };
    let redirect =
        match params.get("post_logout_redirect_uri") {
            None => None,
            Some(uri) => {
                let app = match &client_id {
                    Some(id) => svc.store.get_application(id).await.ok(),
                    None => None,
                };
                match app {
                    Some(a) if a.allowed_logout_urls.iter().any(|u| u == uri) => Some(uri.clone()),
                    _ => return invalid(
                        "post_logout_redirect_uri is not an allowed logout URL of the application.",
                    ),
                }
            }
        };
    let impersonation = hint
        .as_ref()
        .and_then(|c| c["impersonation"]["id"].as_str().map(String::from));
    let session_token = cookie_value(headers, SESSION_COOKIE);
    if let Some(id) = impersonation {
        // Signing out of an impersonated session ends that impersonation.
        // The session in this browser is the administrator's own: it stays,
        // and so does its cookie.
        end_impersonation(svc, audit, hint.as_ref(), &id, now).await;
        return finish(redirect, params.get("state"), None);
    }
    if !confirmed {
        // Without proof that the request comes from an application this
        // very user signed in to, ask first: neither a bare link nor a link
        // carrying someone else's ID token may sign anyone out.
        let signed_in = match &session_token {
            Some(t) => svc
                .store
                .console_session(t, svc.config.sessions, now)
                .await
                .ok()
                .flatten()
                .map(|s| s.user_id),
            None => None,
        };
        let hinted_sub = hint.as_ref().and_then(|c| c["sub"].as_str());
        let same_user = match (&signed_in, hinted_sub) {
            (Some(user), Some(sub)) => user == sub,
            (None, Some(_)) => true,
            _ => false,
        };
        if !same_user {
            return confirmation(&raw);
        }
    }
    if let Some(token) = &session_token {
        let ctx = AuditContext {
            actor_id: None,
            ..audit.clone()
        };
        let _ = svc.store.end_console_session(&ctx, token, now).await;
    }
    finish(
        redirect,
        params.get("state"),
        Some(svc.config.secure_cookies),
    )
}

/// The answer once done: back to the application, or our own page. With
/// `clear_cookie` (whether the cookie is `Secure`), the console cookie is
/// removed as well.
fn finish(
    redirect: Option<String>,
    state: Option<&String>,
    clear_cookie: Option<bool>,
) -> Response {
    let mut res = match redirect {
        Some(uri) => {
            let mut target = url::Url::parse(&uri).map(|u| u.to_string()).unwrap_or(uri);
            if let Some(s) = state {
                target.push(if target.contains('?') { '&' } else { '?' });
                target.push_str(
                    &url::form_urlencoded::Serializer::new(String::new())
                        .append_pair("state", s)
                        .finish(),
                );
            }
            let mut r = StatusCode::FOUND.into_response();
            if let Ok(v) = HeaderValue::from_str(&target) {
                r.headers_mut().insert(header::LOCATION, v);
            }
            r
        }
        None if clear_cookie.is_none() => error_page(
            StatusCode::OK,
            "The impersonated session has ended",
            "You are still signed in to the Masquerade console.",
        ),
        None => error_page(
            StatusCode::OK,
            "You are signed out",
            "You have been signed out of Masquerade.",
        ),
    };
    if let Some(secure) = clear_cookie {
        let clear = format!(
            "{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{}",
            if secure { "; Secure" } else { "" }
        );
        if let Ok(v) = HeaderValue::from_str(&clear) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
}

fn confirmation(raw: &[(String, String)]) -> Response {
    let body = format!(
        "<h1 class=\"text-xl font-semibold\">Sign out?</h1>\
         <p class=\"mt-2 text-sm text-slate-600\">An application asked to sign you out of Masquerade.</p>\
         <form method=\"post\" action=\"/oidc/logout\" class=\"mt-6\">{}\
         <button type=\"submit\" class=\"rounded-md bg-indigo-600 px-4 py-2 text-sm font-semibold text-white\">Sign out</button></form>",
        hidden_inputs(raw)
    );
    (
        StatusCode::OK,
        [(header::CACHE_CONTROL, "no-store")],
        Html(page("Sign out", &body)),
    )
        .into_response()
}

async fn end_impersonation(
    svc: &masquerade::Services,
    audit: &AuditContext,
    hint: Option<&Value>,
    id: &str,
    now: i64,
) {
    let ctx = AuditContext {
        actor_id: hint.and_then(|c| c["act"]["sub"].as_str().map(String::from)),
        ..audit.clone()
    };
    if let Err(e) = masquerade::impersonation::end(svc, &ctx, id, now).await {
        tracing::warn!(error = %e, "ending an impersonation at logout failed");
    }
}
