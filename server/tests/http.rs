//! HTTP tests against the real `masquerade` binary, on SQLite and PostgreSQL.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::header::{COOKIE, LOCATION, ORIGIN, SET_COOKIE};
use reqwest::{redirect, Client, StatusCode};
use serde_json::Value;

const ADMIN: (&str, &str) = ("http-admin@masquerade.test", "http-admin-password");

struct Server {
    child: Child,
    base: String,
    _dir: Option<tempfile::TempDir>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn start(database_url: String, dir: Option<tempfile::TempDir>) -> Server {
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let child = Command::new(env!("CARGO_BIN_EXE_masquerade"))
        .arg("--demo")
        .env("MASQUERADE_DATABASE_URL", &database_url)
        .env("MASQUERADE_LISTEN", format!("127.0.0.1:{port}"))
        .env("MASQUERADE_PUBLIC_URL", &base)
        .env("MASQUERADE_ADMIN_EMAIL", ADMIN.0)
        .env("MASQUERADE_ADMIN_PASSWORD", ADMIN.1)
        .env(
            "MASQUERADE_MASTER_KEY",
            "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
        )
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .expect("start masquerade");
    let server = Server {
        child,
        base,
        _dir: dir,
    };
    let client = Client::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(r) = client.get(format!("{}/healthz", server.base)).send().await {
            if r.status().is_success() {
                return server;
            }
        }
        assert!(Instant::now() < deadline, "server did not become healthy");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn sqlite_server() -> Server {
    let (url, dir) = masquerade::testing::fresh_sqlite_url();
    start(url, Some(dir)).await
}

async fn postgres_server() -> Server {
    start(masquerade::testing::fresh_pg_url().await, None).await
}

fn client() -> Client {
    Client::builder()
        .redirect(redirect::Policy::none())
        .build()
        .unwrap()
}

impl Server {
    /// Calls a server function the way the browser does (same-origin form post).
    async fn call(
        &self,
        name: &str,
        cookie: Option<&str>,
        form: &[(&str, &str)],
    ) -> (StatusCode, Value, reqwest::header::HeaderMap) {
        let mut req = client()
            .post(format!("{}/api/{name}", self.base))
            .header(ORIGIN, &self.base)
            .form(form);
        if let Some(c) = cookie {
            req = req.header(COOKIE, c);
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let text = res.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
            headers,
        )
    }

    async fn sign_in(&self, email: &str, password: &str) -> String {
        let (status, body, headers) = self
            .call("sign_in", None, &[("email", email), ("password", password)])
            .await;
        assert!(
            status.is_success() || status.is_redirection(),
            "sign in failed: {status} {body}"
        );
        let cookie = headers
            .get(SET_COOKIE)
            .expect("session cookie")
            .to_str()
            .unwrap()
            .to_string();
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
            "{cookie}"
        );
        cookie.split(';').next().unwrap().to_string()
    }
}

macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $(#[tokio::test] async fn $name() { super::$name(super::sqlite_server().await).await; })* }
        mod postgres { $(#[tokio::test] async fn $name() { super::$name(super::postgres_server().await).await; })* }
    };
}

both_backends!(
    console_requires_sign_in,
    sign_in_and_permissions,
    bad_input_gets_field_errors_not_500s,
    cross_site_posts_are_refused,
);

async fn console_requires_sign_in(s: Server) {
    let res = client()
        .get(format!("{}/users?q=ada", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()[LOCATION], "/login?next=/users%3Fq%3Dada");
    let login = client()
        .get(format!("{}/login", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::OK);
    let html = login.text().await.unwrap();
    assert!(html.contains("Sign in") && html.contains("Email") && html.contains("Password"));
    let expired = client()
        .get(format!("{}/users", s.base))
        .header(COOKIE, "masq_session=forged")
        .send()
        .await
        .unwrap();
    assert_eq!(
        expired.status(),
        StatusCode::SEE_OTHER,
        "an unknown or expired session is sent to sign in"
    );
    let missing = client()
        .get(format!("{}/no/such/page", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::SEE_OTHER);
}

async fn sign_in_and_permissions(s: Server) {
    let (status, body, _) = s
        .call(
            "sign_in",
            None,
            &[("email", ADMIN.0), ("password", "wrong")],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["Forbidden"], "Wrong email or password.");

    let (status, _, _) = s
        .call(
            "search_users",
            None,
            &[
                ("q", ""),
                ("connection", ""),
                ("status", ""),
                ("sort", ""),
                ("desc", "false"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let support = s
        .sign_in("support@masquerade.test", "masquerade-demo")
        .await;
    let (status, body, _) = s
        .call(
            "search_users",
            Some(&support),
            &[
                ("q", ""),
                ("connection", ""),
                ("status", ""),
                ("sort", ""),
                ("desc", "false"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, _, _) = s
        .call(
            "create_user",
            Some(&support),
            &[
                ("email", "x@example.com"),
                ("name", ""),
                ("connection_id", "x"),
                ("password", ""),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let admin = s.sign_in(ADMIN.0, ADMIN.1).await;
    let (status, body, _) = s
        .call(
            "search_users",
            Some(&admin),
            &[
                ("q", ""),
                ("connection", ""),
                ("status", ""),
                ("sort", "email"),
                ("desc", "false"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["total"], 203,
        "200 demo users, the demo admin and support agent, and the configured admin"
    );
    assert_eq!(body["users"].as_array().unwrap().len(), 25);
    let page = client()
        .get(format!("{}/users", s.base))
        .header(COOKIE, &admin)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        page.text().await.unwrap().contains("203 users"),
        "the first page is rendered on the server"
    );

    let (status, _, headers) = s.call("sign_out", Some(&admin), &[]).await;
    assert!(status.is_success() || status.is_redirection());
    assert!(headers
        .get(SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap()
        .contains("Max-Age=0"));
    let (status, _, _) = s
        .call(
            "search_users",
            Some(&admin),
            &[
                ("q", ""),
                ("connection", ""),
                ("status", ""),
                ("sort", ""),
                ("desc", "false"),
            ],
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "signed-out sessions are dead on the server too"
    );
}

async fn bad_input_gets_field_errors_not_500s(s: Server) {
    let admin = s.sign_in(ADMIN.0, ADMIN.1).await;
    let (_, conns, _) = s.call("list_connections", Some(&admin), &[]).await;
    let conn = conns[0]["id"].as_str().unwrap().to_string();

    let (status, body, _) = s
        .call(
            "create_user",
            Some(&admin),
            &[
                ("email", "not an email"),
                ("name", ""),
                ("connection_id", &conn),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = body["Invalid"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["email", "password"]);

    let (status, body, _) = s
        .call(
            "create_user",
            Some(&admin),
            &[
                ("email", "ADMIN@masquerade.test"),
                ("name", ""),
                ("connection_id", &conn),
                ("password", ""),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        body["Invalid"][0]["message"],
        "A user with this email already exists."
    );

    let long = "x".repeat(5000);
    let (status, _, _) = s
        .call(
            "create_user",
            Some(&admin),
            &[
                ("email", "ok@example.com"),
                ("name", &long),
                ("connection_id", &conn),
                ("password", ""),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    let (status, body, _) = s
        .call("get_user", Some(&admin), &[("id", "usr_doesnotexist")])
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");

    let (status, _, _) = s
        .call(
            "search_users",
            Some(&admin),
            &[
                ("q", ""),
                ("connection", ""),
                ("status", ""),
                ("sort", ""),
                ("desc", "false"),
                ("after", "%%%garbage"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    let (status, _, _) = s.call("search_users", Some(&admin), &[("q", "")]).await;
    assert!(
        status.is_client_error(),
        "missing arguments are a client error, got {status}"
    );

    let res = client()
        .post(format!("{}/api/create_application", s.base))
        .header(ORIGIN, &s.base)
        .header(COOKIE, &admin)
        .header("content-type", "application/json")
        .body(r#"{"form":{"name":"Bad","app_type":"regular_web","callback_urls":"https://*.example.com/cb"}}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = res.json().await.unwrap();
    assert!(body["Invalid"][0]["message"]
        .as_str()
        .unwrap()
        .contains("wildcards are not allowed"));
    let (_, apps, _) = s.call("list_applications", Some(&admin), &[]).await;
    assert_eq!(apps.as_array().unwrap().len(), 3, "nothing half-written");
}

async fn cross_site_posts_are_refused(s: Server) {
    let admin = s.sign_in(ADMIN.0, ADMIN.1).await;
    let res = client()
        .post(format!("{}/api/create_user", s.base))
        .header(ORIGIN, "http://evil.example")
        .header(COOKIE, &admin)
        .form(&[
            ("email", "csrf@example.com"),
            ("name", ""),
            ("connection_id", "x"),
            ("password", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "csrf_rejected");
    let res = client()
        .post(format!("{}/api/delete_user", s.base))
        .header(COOKIE, &admin)
        .form(&[("id", "usr_x")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::FORBIDDEN,
        "a session cookie without any origin information is refused"
    );
}

mod oidc {
    use super::*;

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

        let info: Value = client()
            .get(format!("{}/userinfo", s.base))
            .bearer_auth(&at)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
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
        let revoked = client()
            .get(format!("{}/userinfo", s.base))
            .bearer_auth(&at)
            .send()
            .await
            .unwrap();
        assert_eq!(
            revoked.status(),
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
        assert_eq!(res.status(), StatusCode::OK);
        let csp = res.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_string();
        let html = res.text().await.unwrap();
        assert!(html.contains("name=\"id_token\"") && html.contains("name=\"access_token\""));
        let nonce = csp
            .split("'nonce-")
            .nth(1)
            .unwrap()
            .split('\'')
            .next()
            .unwrap();
        assert!(html.contains(&format!("nonce=\"{nonce}\"")));
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
}
