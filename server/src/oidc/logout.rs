//! RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0).

use axum::extract::{RawQuery, State};
use axum::response::{Html, IntoResponse, Response};
use http::{header, HeaderMap, HeaderValue, StatusCode};
use masquerade::oidc::params::single_valued;
use serde_json::Value;

use super::pages::{error_page, hidden_inputs, page};
use super::pairs;
use app::functions::ctx::{cookie_value, SESSION_COOKIE};
use app::state::AppState;

pub async fn get(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    handle(&state, &headers, pairs(q.as_deref().unwrap_or("")), false).await
}

/// The confirmation form posts here (same-origin, so the CSRF guard applies).
pub async fn post(State(state): State<AppState>, headers: HeaderMap, body: String) -> Response {
    handle(&state, &headers, pairs(&body), true).await
}

async fn handle(
    state: &AppState,
    headers: &HeaderMap,
    raw: Vec<(String, String)>,
    confirmed: bool,
) -> Response {
    let svc = &state.services;
    let now = masquerade::unix_now();
    let params = match single_valued(&raw) {
        Ok(p) => p,
        Err(m) => {
            return error_page(
                StatusCode::BAD_REQUEST,
                "This sign-out request is not valid",
                &m,
            )
        }
    };
    // An ID token we issued identifies the client, even once expired.
    let hint: Option<Value> = match params.get("id_token_hint") {
        Some(t) => match svc.keys.verify::<Value>(t, None, 0).await {
            Ok(c) => Some(c),
            Err(_) => {
                return error_page(
                    StatusCode::BAD_REQUEST,
                    "This sign-out request is not valid",
                    "The id_token_hint was not issued here.",
                )
            }
        },
        None => None,
    };
    let hinted_client = hint
        .as_ref()
        .and_then(|c| c["aud"].as_str().map(String::from));
    let client_id = match (params.get("client_id"), &hinted_client) {
        (Some(a), Some(b)) if a != b => {
            return error_page(
                StatusCode::BAD_REQUEST,
                "This sign-out request is not valid",
                "client_id does not match the id_token_hint.",
            )
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
                    _ => return error_page(
                        StatusCode::BAD_REQUEST,
                        "This sign-out request is not valid",
                        "post_logout_redirect_uri is not an allowed logout URL of the application.",
                    ),
                }
            }
        };
    // Without proof that the request comes from an application the user
    // signed in to, ask first: a bare link must not sign anyone out.
    if hint.is_none() && !confirmed {
        return confirmation(&raw);
    }
    let impersonation = hint
        .as_ref()
        .and_then(|c| c["impersonation"]["id"].as_str().map(String::from));
    if let Some(id) = impersonation {
        // Signing out of an impersonated session ends that impersonation. The
        // SSO session in this browser is the administrator's own: it stays.
        end_impersonation(svc, headers, hint.as_ref(), &id, now).await;
    } else if let Some(token) = cookie_value(headers, SESSION_COOKIE) {
        let _ = svc
            .store
            .end_console_session(
                &app::functions::ctx::audit_context_from(headers),
                &token,
                now,
            )
            .await;
    }
    let mut res = match redirect {
        Some(uri) => {
            let mut target = url::Url::parse(&uri).map(|u| u.to_string()).unwrap_or(uri);
            if let Some(s) = params.get("state") {
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
        None => error_page(
            StatusCode::OK,
            "You are signed out",
            "You have been signed out of Masquerade.",
        ),
    };
    let clear = format!(
        "{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{}",
        if svc.config.secure_cookies {
            "; Secure"
        } else {
            ""
        }
    );
    if let Ok(v) = HeaderValue::from_str(&clear) {
        res.headers_mut().append(header::SET_COOKIE, v);
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
    headers: &HeaderMap,
    hint: Option<&Value>,
    id: &str,
    now: i64,
) {
    let ctx = masquerade::store::AuditContext {
        actor_id: hint.and_then(|c| c["act"]["sub"].as_str().map(String::from)),
        ..app::functions::ctx::audit_context_from(headers)
    };
    if let Err(e) = masquerade::impersonation::end(svc, &ctx, id, now).await {
        tracing::warn!(error = %e, "ending an impersonation at logout failed");
    }
}
