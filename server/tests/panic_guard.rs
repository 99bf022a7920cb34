//! A panic inside a handler never reaches the client as a dropped
//! connection: it gets a 500 carrying a request id (a page for browsers,
//! JSON for the API and the protocol endpoints), and the server logs the
//! panic with the same id. The panicking routes exist only with the
//! test-only switch `MASQUERADE_TEST_ROUTES=1`.

mod common;

use std::time::{Duration, Instant};

use common::*;
use reqwest::StatusCode;
use serde_json::Value;

const TEST_ROUTES: &[(&str, &str)] = &[("MASQUERADE_TEST_ROUTES", "1")];

#[tokio::test]
async fn a_panicking_handler_answers_500_with_a_logged_request_id() {
    let s = logged_sqlite_server(TEST_ROUTES).await;
    let mut ids = Vec::new();
    for (path, json_error_key) in [
        ("/test-only/panic", None),
        ("/api/test-only/panic", Some("message")),
        ("/oauth/test-only/panic", Some("error_description")),
    ] {
        let res = client()
            .get(format!("{}{path}", s.base))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{path}: the connection failed: {e}"));
        assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR, "{path}");
        let id = res.headers()["x-request-id"].to_str().unwrap().to_string();
        assert!(id.len() >= 16, "{path}: request id {id:?}");
        let content_type = res.headers()["content-type"].to_str().unwrap().to_string();
        let body = res.text().await.unwrap();
        match json_error_key {
            None => {
                assert!(
                    content_type.starts_with("text/html"),
                    "{path}: {content_type}"
                );
                assert!(body.contains(&id), "{path}: {body}");
            }
            Some(key) => {
                assert_eq!(content_type, "application/json", "{path}");
                let v: Value = serde_json::from_str(&body).unwrap();
                assert_eq!(v["error"], "server_error", "{path}: {v}");
                assert_eq!(v["request_id"], id.as_str(), "{path}: {v}");
                assert!(v[key].as_str().unwrap().contains(&id), "{path}: {v}");
            }
        }
        ids.push(id);
    }
    // The server is still up, and every response carries its own id.
    let res = client()
        .get(format!("{}/healthz", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers().contains_key("x-request-id"));

    for id in &ids {
        let line = logged_line(&s, id).await;
        assert!(
            line.contains("panicked") && line.contains("the test-only panic route was called"),
            "{line}"
        );
    }
}

#[tokio::test]
async fn without_the_switch_there_is_no_panic_route() {
    let s = sqlite_server().await;
    for path in [
        "/test-only/panic",
        "/api/test-only/panic",
        "/oauth/test-only/panic",
    ] {
        let res = client()
            .get(format!("{}{path}", s.base))
            .send()
            .await
            .unwrap();
        assert_ne!(res.status(), StatusCode::INTERNAL_SERVER_ERROR, "{path}");
    }
}

/// The log line that names `id`; the log is written as it happens, so it
/// may take a moment to appear.
async fn logged_line(s: &Server, id: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if let Some(line) = s.log().lines().find(|l| l.contains(id)) {
            return line.to_string();
        }
        assert!(
            Instant::now() < deadline,
            "no log line with request id {id}:\n{}",
            s.log()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
