//! HTTP tests of the OpenID Connect endpoints and the sample app.

mod common;

use common::*;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use reqwest::StatusCode;
use serde_json::Value;

const SAMPLE_SECRET: &str = "sample-app-demo-secret-change-me";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

fn query_of(location: &str) -> std::collections::HashMap<String, String> {
    let q = location.split_once(['?', '#']).map(|x| x.1).unwrap_or("");
    url::form_urlencoded::parse(q.as_bytes())
        .into_owned()
        .collect()
}

async fn code_flow(s: Server) {
    let disco: Value = client()
        .get(format!("{}/.well-known/openid-configuration", s.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(disco["issuer"], s.base.as_str());
    let jwks: Value = client()
        .get(disco["jwks_uri"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(jwks["keys"].as_array().unwrap().len(), 6);

    let callback = format!("{}/sample-app/callback", s.base);
    let authorize = format!(
        "{}/authorize?client_id=sample-app&response_type=code&scope=openid%20email%20offline_access&state=xyz&nonce=n1&code_challenge={CHALLENGE}&code_challenge_method=S256&redirect_uri={}",
        s.base,
        url::form_urlencoded::byte_serialize(callback.as_bytes()).collect::<String>()
    );
    // Signed out: off to the hosted login page, which will resume this request.
    let res = client().get(&authorize).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let login = res.headers()[LOCATION].to_str().unwrap().to_string();
    assert!(login.starts_with("/login?next=%2Fauthorize%3F"), "{login}");
    let page = client()
        .get(format!("{}{login}", s.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Sign in to continue to Sample App"),
        "the login page names the application"
    );
    // The resume target is in the server-rendered form itself, so a sign-in
    // submitted before hydration (or without JavaScript) still comes back.
    assert!(
        page.contains("name=\"next\" value=\"/authorize?client_id=sample-app&amp;"),
        "{page}"
    );

    let cookie = s.sign_in(ADMIN.0, ADMIN.1).await;
    let res = client()
        .get(&authorize)
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FOUND);
    let loc = res.headers()[LOCATION].to_str().unwrap().to_string();
    assert!(loc.starts_with(&callback));
    let q = query_of(&loc);
    assert_eq!(q["state"], "xyz");
    assert_eq!(q["iss"], s.base);

    let token = |code: String| {
        client()
            .post(format!("{}/oauth/token", s.base))
            .basic_auth("sample-app", Some(SAMPLE_SECRET))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
                ("redirect_uri", callback.as_str()),
                ("code_verifier", VERIFIER),
            ])
            .send()
    };
    let res = token(q["code"].clone()).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let body: Value = res.json().await.unwrap();
    assert!(body["id_token"].is_string() && body["refresh_token"].is_string());
    let at = body["access_token"].as_str().unwrap().to_string();

    let (_, info) = s.userinfo(&at).await;
    assert_eq!(info["email"], ADMIN.0);
    let bad = client()
        .get(format!("{}/userinfo", s.base))
        .bearer_auth("garbage")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::UNAUTHORIZED);
    assert!(bad.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .contains("invalid_token"));

    let replay = token(q["code"].clone()).await.unwrap();
    assert_eq!(replay.status(), StatusCode::BAD_REQUEST);
    let err: Value = replay.json().await.unwrap();
    assert_eq!(err["error"], "invalid_grant");
    assert_eq!(
        s.userinfo(&at).await.0,
        StatusCode::UNAUTHORIZED,
        "a replayed code revokes what it issued"
    );

    let wrong_secret = client()
        .post(format!("{}/oauth/token", s.base))
        .basic_auth("sample-app", Some("nope"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_secret.status(), StatusCode::UNAUTHORIZED);
    assert!(wrong_secret.headers().contains_key("www-authenticate"));

    // Introspection and revocation (RFC 7662, RFC 7009).
    let res = client()
        .get(&authorize)
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    let q2 = query_of(res.headers()[LOCATION].to_str().unwrap());
    let fresh: Value = token(q2["code"].clone())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let at2 = fresh["access_token"].as_str().unwrap().to_string();
    let introspect = |t: String| {
        client()
            .post(format!("{}/oauth/introspect", s.base))
            .basic_auth("sample-app", Some(SAMPLE_SECRET))
            .form(&[("token", t)])
            .send()
    };
    let active: Value = introspect(at2.clone()).await.unwrap().json().await.unwrap();
    assert_eq!(active["active"], true);
    assert_eq!(active["client_id"], "sample-app");
    let revoke = client()
        .post(format!("{}/oauth/revoke", s.base))
        .basic_auth("sample-app", Some(SAMPLE_SECRET))
        .form(&[("token", fresh["refresh_token"].as_str().unwrap())])
        .send()
        .await
        .unwrap();
    assert_eq!(revoke.status(), StatusCode::OK);
    let inactive: Value = introspect(at2.clone()).await.unwrap().json().await.unwrap();
    assert_eq!(
        inactive,
        serde_json::json!({"active": false}),
        "revoking the refresh token ends the access token too"
    );
    let unknown: Value = introspect("not-a-token".into())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(unknown["active"], false);

    // A redirect_uri that is not registered is shown, never followed.
    let evil = format!("{}/authorize?client_id=sample-app&response_type=code&redirect_uri=https%3A%2F%2Fevil.example%2Fcb", s.base);
    let res = client()
        .get(&evil)
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.headers().get(LOCATION).is_none());

    // Tokens are never put in a query string.
    let implicit = format!(
        "{}/authorize?client_id=sample-app&response_type=id_token%20token&nonce=n&scope=openid&response_mode=query&redirect_uri={}",
        s.base,
        url::form_urlencoded::byte_serialize(callback.as_bytes()).collect::<String>()
    );
    let res = client()
        .get(&implicit)
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    let loc = res.headers()[LOCATION].to_str().unwrap().to_string();
    assert!(loc.contains("#error=invalid_request"), "{loc}");

    // form_post: an auto-submitting form under a CSP nonce.
    let fp = implicit.replace("response_mode=query", "response_mode=form_post");
    let res = client()
        .get(&fp)
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    let html = form_post_page(res).await;
    assert!(html.contains("name=\"id_token\"") && html.contains("name=\"access_token\""));
}

fn set_cookie(res: &reqwest::Response, name: &str) -> String {
    res.headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .and_then(|v| v.split(';').next())
        .unwrap_or_default()
        .to_string()
}

/// The bundled sample app signs in through the front door, exchanges the
/// code over HTTP and validates the ID token against the JWKS.
async fn sample_app(s: Server) {
    let start = client()
        .get(format!("{}/sample-app/login", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(start.status(), StatusCode::SEE_OTHER);
    let tx = set_cookie(&start, "sample_tx");
    let authorize = start.headers()[LOCATION].to_str().unwrap().to_string();
    assert!(authorize.starts_with(&format!("{}/authorize?", s.base)));
    let admin = s.sign_in(ADMIN.0, ADMIN.1).await;
    let res = client()
        .get(&authorize)
        .header(COOKIE, &admin)
        .send()
        .await
        .unwrap();
    let callback = res.headers()[LOCATION].to_str().unwrap().to_string();

    let forged = client()
        .get(&callback)
        .header(COOKIE, "sample_tx=other")
        .send()
        .await
        .unwrap();
    assert_eq!(
        forged.status(),
        StatusCode::BAD_REQUEST,
        "a state this browser did not start is refused"
    );

    let done = client()
        .get(&callback)
        .header(COOKIE, &tx)
        .send()
        .await
        .unwrap();
    assert_eq!(
        done.status(),
        StatusCode::SEE_OTHER,
        "{}",
        done.text().await.unwrap_or_default()
    );
    let session = set_cookie(&done, "sample_session");
    let home = client()
        .get(format!("{}/sample-app/", s.base))
        .header(COOKIE, &session)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(home.contains("Signed in as Administrator"), "{home}");
    assert!(home.contains(ADMIN.0));

    // RP-initiated logout ends the provider session and returns to the app.
    let out = client()
        .get(format!("{}/sample-app/logout", s.base))
        .header(COOKIE, &session)
        .send()
        .await
        .unwrap();
    let provider_logout = out.headers()[LOCATION].to_str().unwrap().to_string();
    assert!(provider_logout.starts_with(&format!("{}/oidc/logout?id_token_hint=", s.base)));
    let back = client()
        .get(&provider_logout)
        .header(COOKIE, &admin)
        .send()
        .await
        .unwrap();
    assert_eq!(back.status(), StatusCode::FOUND);
    assert_eq!(
        back.headers()[LOCATION],
        format!("{}/sample-app/", s.base).as_str()
    );
    let (status, _, _) = s.call("current_user", Some(&admin), &[]).await;
    assert!(status.is_success());
    let res = client()
        .get(format!("{}/users", s.base))
        .header(COOKIE, &admin)
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::SEE_OTHER,
        "the provider session is gone"
    );
    let evil = client()
        .get(format!("{}/oidc/logout?client_id=sample-app&post_logout_redirect_uri=https%3A%2F%2Fevil.example%2F", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(
        evil.status(),
        StatusCode::BAD_REQUEST,
        "unregistered logout redirects are refused"
    );
    let bare = client()
        .get(format!("{}/oidc/logout", s.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        bare.contains("Sign out?"),
        "without an id_token_hint the user is asked first"
    );
}

#[tokio::test]
async fn sqlite_sample_app() {
    sample_app(sqlite_server().await).await;
}

#[tokio::test]
async fn sqlite_code_flow() {
    code_flow(sqlite_server().await).await;
}

#[tokio::test]
async fn postgres_code_flow() {
    code_flow(postgres_server().await).await;
}

/// The hosted login form resumes the authorization request exactly, even
/// posted without JavaScript: a state full of reserved characters survives.
#[tokio::test]
async fn login_form_resumes_the_request_without_javascript() {
    let s = sqlite_server().await;
    let callback = format!("{}/sample-app/callback", s.base);
    let state = "a&b+c d%/?#=";
    let authorize = format!(
        "{}/authorize?client_id=sample-app&response_type=code&scope=openid&nonce=n&state={}&redirect_uri={}",
        s.base,
        encode(state),
        encode(&callback)
    );
    let res = client().get(&authorize).send().await.unwrap();
    let login = res.headers()[LOCATION].to_str().unwrap().to_string();
    let page = client()
        .get(format!("{}{login}", s.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let next = page
        .split("name=\"next\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("a next field")
        .replace("&amp;", "&");
    // The form as the browser submits it before hydration.
    let res = client()
        .post(format!("{}/api/sign_in", s.base))
        .header(reqwest::header::ORIGIN, &s.base)
        .header(reqwest::header::ACCEPT, "text/html")
        .form(&[("email", ADMIN.0), ("password", ADMIN.1), ("next", &next)])
        .send()
        .await
        .unwrap();
    assert!(res.status().is_redirection(), "{}", res.status());
    let cookie = res.headers()[SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let resume = res.headers()[LOCATION].to_str().unwrap().to_string();
    assert!(resume.starts_with("/authorize?"), "{resume}");
    let res = client()
        .get(format!("{}{resume}", s.base))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    let back = params_of(res.headers()[LOCATION].to_str().unwrap());
    assert_eq!(back["state"], state);
    assert!(back.contains_key("code"));
}
