//! Shared harness: starts the real `masquerade` binary on a throwaway database.
#![allow(dead_code)]

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::header::{COOKIE, ORIGIN, SET_COOKIE};
use reqwest::{redirect, Client, StatusCode};
use serde_json::Value;

pub const ADMIN: (&str, &str) = ("http-admin@masquerade.test", "http-admin-password");

/// Runs each named `async fn(Server)` once on SQLite and once on PostgreSQL.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $(#[tokio::test] async fn $name() { super::$name(super::sqlite_server().await).await; })* }
        mod postgres { $(#[tokio::test] async fn $name() { super::$name(super::postgres_server().await).await; })* }
    };
}

/// The machine-to-machine client every test server creates at start-up.
pub const BOOTSTRAP: (&str, &str) = ("http-bootstrap", "http-bootstrap-secret-0123456789");

pub struct Server {
    child: Child,
    pub base: String,
    /// The database the server runs on, for tests that reach into the store.
    pub database_url: String,
    /// Where the server's log goes, for servers started with `logged_sqlite_server`.
    log: Option<std::path::PathBuf>,
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

async fn start(
    database_url: String,
    dir: Option<tempfile::TempDir>,
    extra_env: &[(&str, &str)],
) -> Server {
    start_logged(database_url, dir, extra_env, None).await
}

/// `start`, with the server's log (tracing writes to stdout) kept in `log`.
async fn start_logged(
    database_url: String,
    dir: Option<tempfile::TempDir>,
    extra_env: &[(&str, &str)],
    log: Option<std::path::PathBuf>,
) -> Server {
    let stdout = match &log {
        Some(path) => Stdio::from(std::fs::File::create(path).expect("create the server log")),
        None => Stdio::null(),
    };
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
        .env("MASQUERADE_BOOTSTRAP_CLIENT_ID", BOOTSTRAP.0)
        .env("MASQUERADE_BOOTSTRAP_CLIENT_SECRET", BOOTSTRAP.1)
        .env("RUST_LOG", "warn")
        // Last, so a test can override any of the above.
        .envs(extra_env.iter().copied())
        .stdout(stdout)
        .spawn()
        .expect("start masquerade");
    let server = Server {
        child,
        base,
        database_url,
        log,
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

pub async fn sqlite_server() -> Server {
    sqlite_server_with_env(&[]).await
}

/// A SQLite server with extra environment, e.g. the MASQUERADE_BOOTSTRAP_* client.
pub async fn sqlite_server_with_env(env: &[(&str, &str)]) -> Server {
    let (url, dir) = masquerade::testing::fresh_sqlite_url();
    start(url, Some(dir), env).await
}

/// A SQLite server whose log a test can read with `Server::log`.
pub async fn logged_sqlite_server(env: &[(&str, &str)]) -> Server {
    let (url, dir) = masquerade::testing::fresh_sqlite_url();
    let log = dir.path().join("server.log");
    start_logged(url, Some(dir), env, Some(log)).await
}

pub async fn postgres_server() -> Server {
    postgres_server_with_env(&[]).await
}

pub async fn postgres_server_with_env(env: &[(&str, &str)]) -> Server {
    start(masquerade::testing::fresh_pg_url().await, None, env).await
}

impl Server {
    /// The sample app's code flow for the signed-in browser `cookie`: the
    /// token response. `audience` asks for an API's access token.
    pub async fn sample_app_tokens(
        &self,
        cookie: &str,
        scope: &str,
        audience: Option<&str>,
    ) -> Value {
        let callback = format!("{}/sample-app/callback", self.base);
        let mut url = format!(
            "{}/authorize?client_id=sample-app&response_type=code&state=st&nonce=n&scope={}&redirect_uri={}",
            self.base,
            encode(scope),
            encode(&callback)
        );
        if let Some(a) = audience {
            url.push_str(&format!("&audience={}", encode(a)));
        }
        let res = client()
            .get(url)
            .header(COOKIE, cookie)
            .send()
            .await
            .unwrap();
        let location = res.headers()[reqwest::header::LOCATION]
            .to_str()
            .unwrap()
            .to_string();
        let code = params_of(&location)
            .remove("code")
            .unwrap_or_else(|| panic!("no code in {location}"));
        let (status, tokens) = self.sample_app_exchange(&code, &callback, None).await;
        assert_eq!(status, StatusCode::OK, "{tokens}");
        tokens
    }

    /// A new machine-to-machine application, made with `token`: its
    /// client id and secret.
    pub async fn m2m_app(&self, token: &str, name: &str) -> (String, String) {
        let (status, created) = self
            .rest(
                reqwest::Method::POST,
                "/applications",
                Some(token),
                Some(serde_json::json!({"name": name, "app_type": "m2m", "grant_types": ["client_credentials"]})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        (
            created["application"]["client_id"]
                .as_str()
                .unwrap()
                .to_string(),
            created["client_secret"].as_str().unwrap().to_string(),
        )
    }

    /// Another instance on the same database, as behind a load balancer:
    /// the same public URL (so tokens from either are good at both), its own
    /// port, its own caches.
    pub async fn second_instance(&self) -> Server {
        start(
            self.database_url.clone(),
            None,
            &[("MASQUERADE_PUBLIC_URL", self.base.as_str())],
        )
        .await
    }
}

pub fn client() -> Client {
    Client::builder()
        .redirect(redirect::Policy::none())
        .build()
        .unwrap()
}

impl Server {
    /// What the server has logged so far (`logged_sqlite_server` only),
    /// without terminal colours.
    pub fn log(&self) -> String {
        let path = self
            .log
            .as_ref()
            .expect("a server started with logged_sqlite_server");
        let raw = std::fs::read_to_string(path).unwrap_or_default();
        strip_ansi(&raw)
    }
}

fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // CSI: ESC [ parameters final-byte
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

impl Server {
    /// Calls a server function the way the browser does (same-origin form post).
    /// The Users list as the console asks for it: a search with every
    /// filter and the sort at their defaults.
    pub async fn search_users(
        &self,
        cookie: Option<&str>,
        q: &str,
    ) -> (StatusCode, Value, reqwest::header::HeaderMap) {
        let form = [
            ("q", q),
            ("connection", ""),
            ("status", ""),
            ("sort", "email"),
            ("desc", "false"),
        ];
        self.call("search_users", cookie, &form).await
    }

    pub async fn call(
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

    pub async fn sign_in(&self, email: &str, password: &str) -> String {
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

impl Server {
    /// A client_credentials access token for `audience`, optionally narrowed
    /// to `scope`.
    pub async fn m2m_token(
        &self,
        creds: (&str, &str),
        audience: &str,
        scope: Option<&str>,
    ) -> String {
        let (status, body) = self.client_credentials(creds, audience, scope).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["access_token"].as_str().unwrap().to_string()
    }

    /// The raw client_credentials exchange (client_secret_basic).
    pub async fn client_credentials(
        &self,
        (id, secret): (&str, &str),
        audience: &str,
        scope: Option<&str>,
    ) -> (StatusCode, Value) {
        let mut form = vec![("grant_type", "client_credentials"), ("audience", audience)];
        if let Some(s) = scope {
            form.push(("scope", s));
        }
        let res = client()
            .post(format!("{}/oauth/token", self.base))
            .basic_auth(id, Some(secret))
            .form(&form)
            .send()
            .await
            .unwrap();
        (res.status(), res.json().await.unwrap())
    }

    /// A token for the Management API with every permission.
    pub async fn management_token(&self) -> String {
        let aud = format!("{}/api/v1/", self.base);
        self.m2m_token(BOOTSTRAP, &aud, None).await
    }

    /// Calls the management REST API; returns status and JSON (or text).
    pub async fn rest(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = client().request(method, format!("{}/api/v1{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        let text = res.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }
}

/// The demo sample app's client secret (the server's default).
pub const SAMPLE_APP_SECRET: &str = "sample-app-demo-secret-change-me";
/// RFC 7636 Appendix B.
pub const PKCE_VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
pub const PKCE_CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

/// Parameters from a redirect's query or fragment.
pub fn params_of(location: &str) -> std::collections::HashMap<String, String> {
    let q = location.split_once(['?', '#']).map(|x| x.1).unwrap_or("");
    url::form_urlencoded::parse(q.as_bytes())
        .into_owned()
        .collect()
}

/// A JWT's payload, unverified (the tests check signatures elsewhere).
pub fn jwt_claims(jwt: &str) -> Value {
    use base64::Engine;
    let payload = jwt.split('.').nth(1).expect("a JWT");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("base64url payload");
    serde_json::from_slice(&bytes).expect("JSON payload")
}

/// A `form_post` answer's page, once it is a 200 whose script runs under
/// the nonce its Content-Security-Policy names.
pub async fn form_post_page(res: reqwest::Response) -> String {
    assert_eq!(res.status(), StatusCode::OK);
    let csp = res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    let html = res.text().await.unwrap();
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .unwrap_or_else(|| panic!("no nonce in {csp}"));
    assert!(html.contains(&format!("nonce=\"{nonce}\"")), "{html}");
    html
}

/// The value of a hidden field of a `form_post` page.
pub fn form_field(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in {html}"))
        + marker.len();
    html[start..start + html[start..].find('"').unwrap()].to_string()
}

pub fn encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

impl Server {
    /// A user's id, found through the management API.
    pub async fn user_id(&self, token: &str, email: &str) -> String {
        let (status, page) = self
            .rest(
                reqwest::Method::GET,
                &format!("/users?q={}", encode(email)),
                Some(token),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{page}");
        page["users"]
            .as_array()
            .and_then(|u| u.iter().find(|u| u["email"] == email))
            .and_then(|u| u["id"].as_str())
            .unwrap_or_else(|| panic!("no user {email}: {page}"))
            .to_string()
    }

    /// Exchanges a code for the sample app.
    pub async fn sample_app_exchange(
        &self,
        code: &str,
        redirect_uri: &str,
        verifier: Option<&str>,
    ) -> (StatusCode, Value) {
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect_uri),
        ];
        if let Some(v) = verifier {
            form.push(("code_verifier", v));
        }
        let res = client()
            .post(format!("{}/oauth/token", self.base))
            .basic_auth("sample-app", Some(SAMPLE_APP_SECRET))
            .form(&form)
            .send()
            .await
            .unwrap();
        (res.status(), res.json().await.unwrap())
    }
}

impl Server {
    /// GET /userinfo with a bearer token: status and JSON body.
    pub async fn userinfo(&self, access_token: &str) -> (StatusCode, Value) {
        let res = client()
            .get(format!("{}/userinfo", self.base))
            .bearer_auth(access_token)
            .send()
            .await
            .unwrap();
        (res.status(), res.json().await.unwrap_or(Value::Null))
    }

    /// RFC 7662 introspection, authenticated as the sample app.
    pub async fn introspect(&self, token: &str) -> Value {
        self.introspect_as(("sample-app", SAMPLE_APP_SECRET), token)
            .await
    }

    /// RFC 7662 introspection, authenticated as the client `(id, secret)`.
    pub async fn introspect_as(&self, (id, secret): (&str, &str), token: &str) -> Value {
        client()
            .post(format!("{}/oauth/introspect", self.base))
            .basic_auth(id, Some(secret))
            .form(&[("token", token)])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// Replaces an application's settings through the REST API, starting
    /// from what it has now; `change` edits the body before the PUT.
    pub async fn update_application(
        &self,
        token: &str,
        client_id: &str,
        change: impl FnOnce(&mut Value),
    ) -> Value {
        let path = format!("/applications/{client_id}");
        let (_, app) = self
            .rest(reqwest::Method::GET, &path, Some(token), None)
            .await;
        let mut body = serde_json::json!({});
        for k in [
            "name",
            "description",
            "app_type",
            "callback_urls",
            "allowed_logout_urls",
            "allowed_web_origins",
            "grant_types",
            "connection_ids",
            "allow_impersonation",
            "initiate_login_uri",
            "tokens",
        ] {
            body[k] = app[k].clone();
        }
        change(&mut body);
        let (status, updated) = self
            .rest(reqwest::Method::PUT, &path, Some(token), Some(body))
            .await;
        assert_eq!(status, StatusCode::OK, "{updated}");
        updated
    }
}
