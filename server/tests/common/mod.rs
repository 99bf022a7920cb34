//! Shared harness: starts the real `masquerade` binary on a throwaway database.
#![allow(dead_code)]

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::header::{COOKIE, ORIGIN, SET_COOKIE};
use reqwest::{redirect, Client, StatusCode};
use serde_json::Value;

pub const ADMIN: (&str, &str) = ("http-admin@masquerade.test", "http-admin-password");

pub struct Server {
    child: Child,
    pub base: String,
    /// The database the server runs on, for tests that reach into the store.
    pub database_url: String,
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
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let child = Command::new(env!("CARGO_BIN_EXE_masquerade"))
        .arg("--demo")
        .envs(extra_env.iter().copied())
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
        database_url,
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

pub async fn postgres_server() -> Server {
    postgres_server_with_env(&[]).await
}

pub async fn postgres_server_with_env(env: &[(&str, &str)]) -> Server {
    start(masquerade::testing::fresh_pg_url().await, None, env).await
}

pub fn client() -> Client {
    Client::builder()
        .redirect(redirect::Policy::none())
        .build()
        .unwrap()
}

impl Server {
    /// Calls a server function the way the browser does (same-origin form post).
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
