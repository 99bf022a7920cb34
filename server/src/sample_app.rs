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
    id_claims: Value,
    access_claims: Value,
    state: String,
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

async fn home(State(app): State<SampleApp>, headers: HeaderMap) -> Response {
    let signed = cookie(&headers, COOKIE).and_then(|c| app.sessions.lock().ok()?.get(&c).cloned());
    let Some(s) = signed else {
        return page(
            "<h1 class=\"text-2xl font-semibold\">Welcome</h1><p class=\"mt-2 text-slate-700\">You are not signed in.</p>\
             <a class=\"mt-6 inline-block rounded-md bg-emerald-700 px-4 py-2 font-semibold text-white\" href=\"/sample-app/login\">Sign in</a>",
        );
    };
    let who = s
        .id_claims
        .get("name")
        .or_else(|| s.id_claims.get("email"))
        .or_else(|| s.id_claims.get("sub"));
    let who = who.and_then(Value::as_str).unwrap_or("someone");
    let pretty = |v: &Value| esc(&serde_json::to_string_pretty(v).unwrap_or_default());
    page(&format!(
        "<h1 class=\"text-2xl font-semibold\">Signed in as {}</h1>\
         <p class=\"mt-1 text-sm text-slate-600\">State returned: <code data-testid=\"state\">{}</code></p>\
         <a class=\"mt-4 inline-block rounded-md bg-white px-3 py-2 text-sm font-semibold ring-1 ring-slate-300\" href=\"/sample-app/logout\">Sign out</a>\
         <div class=\"mt-6 grid gap-4 md:grid-cols-2\">\
         <section><h2 class=\"font-semibold\">ID token claims</h2><pre data-testid=\"id-token\" class=\"mt-2 overflow-auto rounded bg-white p-3 text-xs ring-1 ring-slate-200\">{}</pre></section>\
         <section><h2 class=\"font-semibold\">Access token claims</h2><pre data-testid=\"access-token\" class=\"mt-2 overflow-auto rounded bg-white p-3 text-xs ring-1 ring-slate-200\">{}</pre></section></div>",
        esc(who),
        esc(&s.state),
        pretty(&s.id_claims),
        pretty(&s.access_claims),
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
    finish(app, headers, params).await
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
    // The state must be the one this browser started with (login CSRF).
    if cookie(&headers, TX_COOKIE).as_deref() != Some(state.as_str()) {
        return failure("The state does not match the sign-in this browser started.");
    }
    let Some((nonce, verifier)) = app.pending.lock().ok().and_then(|mut p| p.remove(state)) else {
        return failure("Unknown or already used state.");
    };
    if params.get("iss").is_some_and(|i| i != &app.issuer) {
        return failure("The response came from an unexpected issuer (RFC 9207).");
    }
    let Some(code) = params.get("code") else {
        return failure("The response has no code.");
    };
    let token = app
        .http
        .post(format!("{}/oauth/token", app.issuer))
        .basic_auth(&app.client_id, Some(&app.secret))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            (
                "redirect_uri",
                &format!("{}/sample-app/callback", app.issuer),
            ),
            ("code_verifier", &verifier),
        ])
        .send()
        .await;
    let body: Value = match token {
        Ok(r) => match r.json().await {
            Ok(v) => v,
            Err(e) => return failure(&format!("Token response was not JSON: {e}")),
        },
        Err(e) => return failure(&format!("Token endpoint unreachable: {e}")),
    };
    if let Some(e) = body.get("error").and_then(Value::as_str) {
        return failure(&format!(
            "Token endpoint said {e}: {}",
            body["error_description"].as_str().unwrap_or("")
        ));
    }
    let (Some(id_token), Some(access_token)) =
        (body["id_token"].as_str(), body["access_token"].as_str())
    else {
        return failure("The token response lacks an ID token or access token.");
    };
    let id_claims = match validate_id_token(&app, id_token, &nonce).await {
        Ok(c) => c,
        Err(m) => return failure(&m),
    };
    // The access token is for the provider's APIs; the sample app only shows it.
    let access_claims = decode_unverified(access_token);
    let sid = random();
    if let Ok(mut s) = app.sessions.lock() {
        s.insert(
            sid.clone(),
            Signed {
                id_token: id_token.to_string(),
                id_claims,
                access_claims,
                state: state.clone(),
            },
        );
    }
    let mut res = Redirect::to("/sample-app/").into_response();
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
async fn validate_id_token(app: &SampleApp, token: &str, nonce: &str) -> Result<Value, String> {
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
    if data.claims.get("nonce").and_then(Value::as_str) != Some(nonce) {
        return Err("The ID token's nonce does not match.".into());
    }
    Ok(data.claims)
}

/// Ends the local session, then asks the provider to end its own
/// (RP-initiated logout) and come back here.
async fn logout(State(app): State<SampleApp>, headers: HeaderMap) -> Response {
    let removed = cookie(&headers, COOKIE).and_then(|c| app.sessions.lock().ok()?.remove(&c));
    let target = match removed {
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
