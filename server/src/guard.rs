//! Request-level protections around the console: CSRF origin checks on
//! state-changing requests, the sign-in redirect for pages, and security
//! headers on every response.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use http::{header, HeaderValue, Method, StatusCode};

use app::functions::ctx::{cookie_value, SESSION_COOKIE};
use app::state::AppState;

/// Paths served without a console session.
fn is_public(path: &str) -> bool {
    path == "/login"
        || path == "/healthz"
        || path == "/authorize"
        || path == "/userinfo"
        || path.starts_with("/oauth/")
        || path.starts_with("/.well-known/")
        || path.starts_with("/sample-app")
        || path == "/oidc/logout"
        || path.starts_with("/impersonate/")
        || path.starts_with("/pkg/")
        || path.starts_with("/api/")
        || path == "/favicon.svg"
        || path == "/favicon.ico"
}

/// Refuses cross-site state-changing requests. Browsers send `Origin` on
/// every POST; it must name this host. Requests without it (non-browser
/// clients) carry no ambient cookies worth forging, but a console cookie
/// together with a foreign or missing origin is refused.
pub async fn csrf(req: Request, next: Next) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    // Protocol endpoints are cross-site by design and carry their own
    // credentials (client authentication, bearer tokens, the PKCE-bound
    // code). RP-initiated logout weighs the origin itself: an application's
    // POST is cross-site by nature (RP-Initiated Logout 1.0 §2).
    let p = req.uri().path();
    if safe
        || p.starts_with("/api/v1/")
        || p.starts_with("/oauth/")
        || p == "/authorize"
        || p == "/userinfo"
        || p == "/oidc/logout"
    {
        return next.run(req).await;
    }
    if same_origin(req.headers()) {
        next.run(req).await
    } else {
        (
            StatusCode::FORBIDDEN,
            [(header::CONTENT_TYPE, "application/json")],
            r#"{"error":"csrf_rejected","message":"Cross-site request refused: the Origin header does not match this site."}"#,
        )
            .into_response()
    }
}

/// Whether a state-changing request comes from this site: `Origin` names
/// this host, or, without `Origin`, `Sec-Fetch-Site` says same-origin (or a
/// request the user typed). Requests with neither (non-browser clients)
/// pass only when they carry no console cookie worth forging.
pub fn same_origin(headers: &http::HeaderMap) -> bool {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    match headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) {
        Some(origin) => url_host(origin).is_some_and(|h| h.eq_ignore_ascii_case(host)),
        None => {
            let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
            let has_cookie = cookie_value(headers, SESSION_COOKIE).is_some();
            match fetch_site {
                Some(site) => site == "same-origin" || site == "none",
                None => !has_cookie,
            }
        }
    }
}

fn url_host(origin: &str) -> Option<String> {
    let rest = origin.split_once("://")?.1;
    Some(rest.trim_end_matches('/').to_string())
}

/// Sends signed-out visitors of console pages to the sign-in page, before
/// any HTML is rendered.
pub async fn require_session(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    if req.method() != Method::GET || is_public(&path) {
        return next.run(req).await;
    }
    let token = cookie_value(req.headers(), SESSION_COOKIE);
    let live = match token {
        Some(t) => {
            let svc = &state.services;
            matches!(
                svc.store
                    .console_session(&t, svc.config.sessions, masquerade::unix_now())
                    .await,
                Ok(Some(_))
            )
        }
        None => false,
    };
    if live {
        return next.run(req).await;
    }
    let target = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/users");
    let next_param: String = url_encode(target);
    Redirect::to(&format!("/login?next={next_param}")).into_response()
}

fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub async fn security_headers(req: Request<Body>, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_host_extraction() {
        assert_eq!(
            url_host("http://127.0.0.1:3000").as_deref(),
            Some("127.0.0.1:3000")
        );
        assert_eq!(url_host("null"), None);
    }

    #[test]
    fn public_paths() {
        assert!(is_public("/login"));
        assert!(is_public("/pkg/masquerade.js"));
        assert!(!is_public("/users"));
        assert!(!is_public("/applications/new"));
    }
}
