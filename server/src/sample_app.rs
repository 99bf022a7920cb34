//! The bundled sample application: an ordinary confidential OpenID Connect
//! client living under /sample-app/. It talks to Masquerade only over HTTP
//! (authorization redirect, token endpoint, JWKS), exactly as a third-party
//! application would, and shows who is signed in with the decoded tokens.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Query, RawQuery, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use http::{header, HeaderMap, HeaderValue, StatusCode};
use rand::RngCore;
use serde_json::Value;
use sha2::{Digest, Sha256};

const COOKIE: &str = "sample_session";
const TX_COOKIE: &str = "sample_tx";

#[derive(Clone)]
pub struct SampleApp {
    issuer: String,
    client_id: String,
    secret: String,
    http: reqwest::Client,
    /// Pending sign-ins by state: (nonce, PKCE verifier).
    pending: Arc<Mutex<HashMap<String, (String, String)>>>,
    sessions: Arc<Mutex<HashMap<String, Signed>>>,
}

#[derive(Clone)]
struct Signed {
    id_token: String,
    access_token: String,
    id_claims: Value,
    access_claims: Value,
    state: String,
}

impl Signed {
    /// Impersonated sign-ins are recognised by the `act` claim alone.
    fn impersonator(&self) -> Option<&str> {
        let act = self.id_claims.get("act")?;
        act.get("email")
            .or_else(|| act.get("sub"))
            .and_then(Value::as_str)
    }
}

fn random() -> String {
    let mut b = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut b);
    URL_SAFE_NO_PAD.encode(b)
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    app::functions::ctx::cookie_value(headers, name)
}

pub fn router(issuer: &str, client_id: &str, secret: &str) -> Router {
    let state = SampleApp {
        issuer: issuer.trim_end_matches('/').to_string(),
        client_id: client_id.to_string(),
        secret: secret.to_string(),
        http: reqwest::Client::new(),
        pending: Default::default(),
        sessions: Default::default(),
    };
    Router::new()
        .route("/", get(home))
        .route("/login", get(login))
        .route("/callback", get(callback_get).post(callback_post))
        .route("/logout", get(logout))
        .route("/end-impersonation", axum::routing::post(end_impersonation))
        .route("/{*page}", get(home))
        .with_state(state)
}

fn page(body: &str) -> Response {
    let html = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Sample App</title><link rel=\"stylesheet\" href=\"/pkg/masquerade.css\"></head>\
         <body class=\"min-h-screen bg-emerald-50 font-sans text-slate-900\"><header class=\"bg-emerald-700 px-6 py-4 text-white\">\
         <span class=\"text-lg font-semibold\">Sample App</span> <span class=\"text-emerald-200 text-sm\">a relying party of Masquerade</span></header>\
         <main class=\"mx-auto max-w-4xl p-6\">{body}</main></body></html>"
    );
    (
        StatusCode::OK,
        [(header::CACHE_CONTROL, "no-store")],
        Html(html),
    )
        .into_response()
}

fn esc(s: &str) -> String {
    crate::oidc::escape(s)
}

async fn home(
    State(app): State<SampleApp>,
    headers: HeaderMap,
    uri: http::Uri,
    RawQuery(q): RawQuery,
) -> Response {
    let signed = cookie(&headers, COOKIE).and_then(|c| app.sessions.lock().ok()?.get(&c).cloned());
    let Some(s) = signed else {
        let ended = if q.as_deref() == Some("ended=1") {
            "<p role=\"status\" class=\"mt-4 rounded-md bg-white p-3 text-sm ring-1 ring-emerald-200\">Impersonation ended. Its tokens were revoked.</p>"
        } else {
            ""
        };
        return page(&format!(
            "<h1 class=\"text-2xl font-semibold\">Welcome</h1><p class=\"mt-2 text-slate-700\">You are not signed in.</p>{ended}\
             <a class=\"mt-6 inline-block rounded-md bg-emerald-700 px-4 py-2 font-semibold text-white\" href=\"/sample-app/login\">Sign in</a>"
        ));
    };
    let path = uri
        .path()
        .strip_prefix("/sample-app")
        .unwrap_or(uri.path())
        .to_string();
    let banner = match s.impersonator() {
        Some(admin) => {
            let user = s
                .id_claims
                .get("email")
                .or_else(|| s.id_claims.get("sub"))
                .and_then(Value::as_str)
                .unwrap_or("this user");
            let reason = s.id_claims["impersonation"]["reason"]
                .as_str()
                .filter(|r| !r.is_empty())
                .map(|r| format!(" (reason: {})", esc(r)))
                .unwrap_or_default();
            // What a real application would do with impersonation.mode:
            // say so, and offer no writes.
            let read_only = if s.id_claims["impersonation"]["mode"] == "read_only" {
                "<span data-testid=\"read-only\" class=\"mr-2 rounded bg-amber-900 px-2 py-0.5 text-xs font-semibold uppercase tracking-wide text-white\">Read-only</span>"
            } else {
                ""
            };
            format!(
                "<div role=\"status\" data-testid=\"impersonation-banner\" class=\"flex flex-wrap items-center justify-between gap-3 bg-amber-100 px-6 py-3 text-amber-950 ring-1 ring-amber-300\">\
                 <p class=\"text-sm\">{read_only}Signed in as <strong>{}</strong>, impersonated by <strong>{}</strong>{reason}</p>\
                 <form method=\"post\" action=\"/sample-app/end-impersonation\"><button class=\"rounded-md bg-amber-900 px-3 py-1.5 text-sm font-semibold text-white\">End impersonation</button></form></div>",
                esc(user),
                esc(admin),
            )
        }
        None => String::new(),
    };
    let who = s
        .id_claims
        .get("name")
        .or_else(|| s.id_claims.get("email"))
        .or_else(|| s.id_claims.get("sub"));
    let who = who.and_then(Value::as_str).unwrap_or("someone");
    let pretty = |v: &Value| esc(&serde_json::to_string_pretty(v).unwrap_or_default());
    page(&format!(
        "{banner}<h1 class=\"mt-4 text-2xl font-semibold\">Signed in as {}</h1>\
         <p class=\"mt-1 text-sm text-slate-600\">Page: <code data-testid=\"page\">{}</code> · State returned: <code data-testid=\"state\">{}</code></p>\
         <a class=\"mt-4 inline-block rounded-md bg-white px-3 py-2 text-sm font-semibold ring-1 ring-slate-300\" href=\"/sample-app/logout\">Sign out</a>\
         <div class=\"mt-6 grid gap-4 md:grid-cols-2\">\
         <section><h2 class=\"font-semibold\">ID token claims</h2><pre data-testid=\"id-token\" class=\"mt-2 overflow-auto rounded bg-white p-3 text-xs ring-1 ring-slate-200\">{}</pre></section>\
         <section><h2 class=\"font-semibold\">Access token claims</h2><pre data-testid=\"access-token\" class=\"mt-2 overflow-auto rounded bg-white p-3 text-xs ring-1 ring-slate-200\">{}</pre></section></div>\
         <details class=\"mt-4\"><summary class=\"cursor-pointer text-sm font-semibold\">Raw access token</summary>\
         <pre data-testid=\"raw-access-token\" class=\"mt-2 whitespace-pre-wrap break-all rounded bg-white p-3 text-xs ring-1 ring-slate-200\">{}</pre></details>",
        esc(who),
        esc(&path),
        esc(&s.state),
        pretty(&s.id_claims),
        pretty(&s.access_claims),
        esc(&s.access_token),
    ))
}

/// Starts a sign-in. Also the initiate-login URI (OIDC Core §4): `iss`,
/// `login_hint` and `target_link_uri` are honoured when they come from our
/// own provider.
async fn login(State(app): State<SampleApp>, Query(q): Query<HashMap<String, String>>) -> Response {
    if q.get("iss")
        .is_some_and(|i| i.trim_end_matches('/') != app.issuer)
    {
        return (StatusCode::BAD_REQUEST, "Unknown issuer").into_response();
    }
    let state = random();
    let nonce = random();
    let verifier = random();
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    if let Ok(mut p) = app.pending.lock() {
        if p.len() > 10_000 {
            p.clear();
        }
        p.insert(state.clone(), (nonce.clone(), verifier));
    }
    let mut url = url::Url::parse(&format!("{}/authorize", app.issuer)).expect("issuer is a URL");
    url.query_pairs_mut()
        .append_pair("client_id", &app.client_id)
        .append_pair("response_type", "code")
        .append_pair("scope", "openid profile email")
        .append_pair(
            "redirect_uri",
            &format!("{}/sample-app/callback", app.issuer),
        )
        .append_pair("state", &state)
        .append_pair("nonce", &nonce)
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256");
    if let Some(h) = q.get("login_hint") {
        url.query_pairs_mut().append_pair("login_hint", h);
    }
    let mut res = Redirect::to(url.as_str()).into_response();
    let c = format!("{TX_COOKIE}={state}; Path=/sample-app; HttpOnly; SameSite=Lax; Max-Age=600");
    if let Ok(v) = HeaderValue::from_str(&c) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

async fn callback_get(
    State(app): State<SampleApp>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let params: HashMap<String, String> =
        url::form_urlencoded::parse(q.unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    if params.is_empty() {
        return fragment_relay();
    }
    finish(app, headers, params).await
}

/// Tokens in the fragment never reach a server; this page posts them back
/// to the callback so the server side can validate them.
fn fragment_relay() -> Response {
    let nonce = random();
    let html = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Signing in…</title></head><body>\
         <form method=\"post\" action=\"/sample-app/callback\"></form><p>Signing in…</p>\
         <script nonce=\"{nonce}\">const f=document.forms[0];\
         for(const [k,v] of new URLSearchParams(location.hash.slice(1))){{const i=document.createElement('input');i.type='hidden';i.name=k;i.value=v;f.appendChild(i);}}\
         history.replaceState(null,'',location.pathname);f.submit();</script></body></html>"
    );
    let mut res = (StatusCode::OK, Html(html)).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!(
        "default-src 'none'; script-src 'nonce-{nonce}'; form-action 'self'"
    )) {
        res.headers_mut().insert(header::CONTENT_SECURITY_POLICY, v);
    }
    res
}

async fn callback_post(
    State(app): State<SampleApp>,
    headers: HeaderMap,
    Form(params): Form<HashMap<String, String>>,
) -> Response {
    finish(app, headers, params).await
}

fn failure(message: &str) -> Response {
    let mut res = page(&format!(
        "<h1 class=\"text-xl font-semibold\">Sign-in failed</h1><p role=\"alert\" class=\"mt-2 text-red-700\">{}</p>\
         <a class=\"mt-4 inline-block underline\" href=\"/sample-app/\">Back</a>",
        esc(message)
    ));
    *res.status_mut() = StatusCode::BAD_REQUEST;
    res
}

async fn finish(app: SampleApp, headers: HeaderMap, params: HashMap<String, String>) -> Response {
    if let Some(e) = params.get("error") {
        return failure(&format!(
            "{e}: {}",
            params
                .get("error_description")
                .map(String::as_str)
                .unwrap_or("")
        ));
    }
    let Some(state) = params.get("state") else {
        return failure("The response has no state.");
    };
    if params.get("iss").is_some_and(|i| i != &app.issuer) {
        return failure("The response came from an unexpected issuer (RFC 9207).");
    }
    // A response to a sign-in this browser started: its state is in our
    // cookie (login CSRF) and we hold its nonce and PKCE verifier.
    let started = cookie(&headers, TX_COOKIE).as_deref() == Some(state.as_str());
    let pending = if started {
        app.pending.lock().ok().and_then(|mut p| p.remove(state))
    } else {
        None
    };
    if started && pending.is_none() {
        return failure("Unknown or already used state.");
    }
    // A state we issued, arriving in a browser that did not start it, is a
    // forged or misdirected response: refuse it before touching the code.
    let foreign = !started
        && app
            .pending
            .lock()
            .map(|p| p.contains_key(state.as_str()))
            .unwrap_or(true);
    if foreign {
        return failure("The state does not match the sign-in this browser started.");
    }
    // Otherwise it is unsolicited: a Sign in as User link, where `state`
    // carries a landing path. Accepted only with the `act` claim below.
    let (nonce, verifier) = match pending {
        Some((n, v)) => (Some(n), Some(v)),
        None => (None, None),
    };
    let landing = if started {
        "/".to_string()
    } else {
        landing_path(state)
    };
    let body: Value = match (params.get("code"), params.get("id_token")) {
        (Some(code), _) => match exchange(&app, code, verifier.as_deref()).await {
            Ok(b) => b,
            Err(m) => return failure(&m),
        },
        (None, Some(id_token)) => serde_json::json!({
            "id_token": id_token,
            "access_token": params.get("access_token").cloned().unwrap_or_default(),
        }),
        (None, None) => return failure("The response has neither a code nor an ID token."),
    };
    complete(&app, body, nonce.as_deref(), state, &landing).await
}

/// A local path to land on, from an unsolicited response's state.
fn landing_path(state: &str) -> String {
    if state.starts_with('/') && !state.starts_with("//") && !state.contains('\\') {
        state.to_string()
    } else {
        "/".to_string()
    }
}

async fn exchange(app: &SampleApp, code: &str, verifier: Option<&str>) -> Result<Value, String> {
    let redirect_uri = format!("{}/sample-app/callback", app.issuer);
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", redirect_uri.as_str()),
    ];
    if let Some(v) = verifier {
        form.push(("code_verifier", v));
    }
    let token = app
        .http
        .post(format!("{}/oauth/token", app.issuer))
        .basic_auth(&app.client_id, Some(&app.secret))
        .form(&form)
        .send()
        .await;
    let body: Value = match token {
        Ok(r) => r
            .json()
            .await
            .map_err(|e| format!("Token response was not JSON: {e}"))?,
        Err(e) => return Err(format!("Token endpoint unreachable: {e}")),
    };
    if let Some(e) = body.get("error").and_then(Value::as_str) {
        return Err(format!(
            "Token endpoint said {e}: {}",
            body["error_description"].as_str().unwrap_or("")
        ));
    }
    Ok(body)
}

/// Validates the tokens and starts the local session.
async fn complete(
    app: &SampleApp,
    body: Value,
    nonce: Option<&str>,
    state: &str,
    landing: &str,
) -> Response {
    let (Some(id_token), Some(access_token)) =
        (body["id_token"].as_str(), body["access_token"].as_str())
    else {
        return failure("The response lacks an ID token or access token.");
    };
    let id_claims = match validate_id_token(app, id_token, nonce).await {
        Ok(c) => c,
        Err(m) => return failure(&m),
    };
    if nonce.is_none() && id_claims.get("act").is_none() {
        return failure(
            "Unsolicited sign-in refused: only impersonation links (with an act claim) may sign in without starting here.",
        );
    }
    // The access token is for the provider's APIs; the sample app only shows it.
    let access_claims = decode_unverified(access_token);
    let sid = random();
    if let Ok(mut s) = app.sessions.lock() {
        s.insert(
            sid.clone(),
            Signed {
                id_token: id_token.to_string(),
                access_token: access_token.to_string(),
                id_claims,
                access_claims,
                state: state.to_string(),
            },
        );
    }
    let mut res = Redirect::to(&format!("/sample-app{landing}")).into_response();
    for c in [
        format!("{COOKIE}={sid}; Path=/sample-app; HttpOnly; SameSite=Lax"),
        format!("{TX_COOKIE}=; Path=/sample-app; Max-Age=0"),
    ] {
        if let Ok(v) = HeaderValue::from_str(&c) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
}

fn decode_unverified(token: &str) -> Value {
    token
        .split('.')
        .nth(1)
        .and_then(|p| URL_SAFE_NO_PAD.decode(p).ok())
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or(Value::Null)
}

/// Checks the ID token against the provider's JWKS, fetched over HTTP, with
/// the algorithm taken from the key (not from the token).
async fn validate_id_token(
    app: &SampleApp,
    token: &str,
    nonce: Option<&str>,
) -> Result<Value, String> {
    let header =
        jsonwebtoken::decode_header(token).map_err(|e| format!("Malformed ID token: {e}"))?;
    let kid = header.kid.ok_or("The ID token has no kid.")?;
    let jwks: jsonwebtoken::jwk::JwkSet = app
        .http
        .get(format!("{}/.well-known/jwks.json", app.issuer))
        .send()
        .await
        .map_err(|e| format!("JWKS unreachable: {e}"))?
        .json()
        .await
        .map_err(|e| format!("JWKS is not valid: {e}"))?;
    let jwk = jwks
        .find(&kid)
        .ok_or("The ID token's key is not in the JWKS.")?;
    let alg = match jwk.common.key_algorithm {
        Some(jsonwebtoken::jwk::KeyAlgorithm::ES256) => jsonwebtoken::Algorithm::ES256,
        Some(jsonwebtoken::jwk::KeyAlgorithm::RS256) => jsonwebtoken::Algorithm::RS256,
        Some(jsonwebtoken::jwk::KeyAlgorithm::EdDSA) => jsonwebtoken::Algorithm::EdDSA,
        _ => return Err("Unsupported key algorithm.".into()),
    };
    let key = jsonwebtoken::DecodingKey::from_jwk(jwk).map_err(|e| format!("Bad JWK: {e}"))?;
    let mut v = jsonwebtoken::Validation::new(alg);
    v.set_audience(&[&app.client_id]);
    v.set_issuer(&[&app.issuer]);
    let data = jsonwebtoken::decode::<Value>(token, &key, &v)
        .map_err(|e| format!("ID token rejected: {e}"))?;
    if data.claims.get("nonce").and_then(Value::as_str) != nonce {
        return Err("The ID token's nonce does not match.".into());
    }
    Ok(data.claims)
}

async fn revoke(app: &SampleApp, s: &Signed) {
    let revoked = app
        .http
        .post(format!("{}/oauth/revoke", app.issuer))
        .basic_auth(&app.client_id, Some(&app.secret))
        .form(&[
            ("token", s.access_token.as_str()),
            ("token_type_hint", "access_token"),
        ])
        .send()
        .await;
    if let Err(e) = revoked {
        tracing::warn!(error = %e, "sample app: token revocation failed");
    }
}

/// Ends an impersonated session: revokes its tokens at the provider (RFC
/// 7009) and forgets it here. No RP-initiated logout: the provider made no
/// SSO session for it, and the administrator stays signed in there.
async fn end_impersonation(State(app): State<SampleApp>, headers: HeaderMap) -> Response {
    let removed = cookie(&headers, COOKIE).and_then(|c| app.sessions.lock().ok()?.remove(&c));
    if let Some(s) = removed {
        revoke(&app, &s).await;
    }
    let mut res = Redirect::to("/sample-app/?ended=1").into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("{COOKIE}=; Path=/sample-app; Max-Age=0")) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

/// Ends the local session, then asks the provider to end its own
/// (RP-initiated logout) and come back here.
async fn logout(State(app): State<SampleApp>, headers: HeaderMap) -> Response {
    let removed = cookie(&headers, COOKIE).and_then(|c| app.sessions.lock().ok()?.remove(&c));
    let target = match removed {
        Some(s) if s.impersonator().is_some() => {
            // The provider holds no SSO session for an impersonation.
            revoke(&app, &s).await;
            "/sample-app/?ended=1".to_string()
        }
        Some(s) => {
            let mut u =
                url::Url::parse(&format!("{}/oidc/logout", app.issuer)).expect("issuer is a URL");
            u.query_pairs_mut()
                .append_pair("id_token_hint", &s.id_token)
                .append_pair(
                    "post_logout_redirect_uri",
                    &format!("{}/sample-app/", app.issuer),
                );
            u.to_string()
        }
        None => "/sample-app/".to_string(),
    };
    let mut res = Redirect::to(&target).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("{COOKIE}=; Path=/sample-app; Max-Age=0")) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}
