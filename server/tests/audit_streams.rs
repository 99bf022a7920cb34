//! Log streams over HTTP on both databases (issue 13): a JSON Lines file
//! and a webhook receive every event in order with its seq and id, and the
//! signed checkpoints; the webhook's signature checks out; a failing
//! receiver is retried with backoff, its error shown, and catches up when
//! it recovers; a test record; the secret is never shown or logged.

mod common;

use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::HeaderMap;
use common::*;
use masquerade::testing::strings;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const SECRET: &str = "stream-secret-0123456789";

#[derive(Clone, Default)]
struct Receiver {
    got: Arc<Mutex<Vec<(String, String, String)>>>,
    status: Arc<AtomicU16>,
}

async fn receive(State(r): State<Receiver>, headers: HeaderMap, body: String) -> StatusCode {
    let h = |n: &str| {
        headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let status = StatusCode::from_u16(r.status.load(Ordering::SeqCst)).unwrap_or(StatusCode::OK);
    if status.is_success() {
        r.got.lock().unwrap().push((
            h("x-masquerade-timestamp"),
            h("x-masquerade-signature"),
            body,
        ));
    }
    status
}

async fn receiver() -> (Receiver, String) {
    let r = Receiver::default();
    r.status.store(200, Ordering::SeqCst);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/in", listener.local_addr().unwrap());
    let app = axum::Router::new()
        .route("/in", axum::routing::post(receive))
        .with_state(r.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (r, url)
}

async fn send_test(s: &Server, token: &str, id: &str) -> (StatusCode, Value) {
    let path = format!("/settings/audit/streams/{id}/test");
    s.rest(Method::POST, &path, Some(token), None).await
}

/// Waits (up to 20 s) until `done` says so.
async fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn records(r: &Receiver) -> Vec<Value> {
    r.got
        .lock()
        .unwrap()
        .iter()
        .flat_map(|(_, _, body)| {
            serde_json::from_str::<Value>(body).unwrap()["records"]
                .as_array()
                .unwrap()
                .clone()
        })
        .collect()
}

async fn streams_deliver_everything_at_least_once(s: Server, dir: tempfile::TempDir) {
    let token = s.management_token().await;
    let (rx, url) = receiver().await;
    let (status, saved) = s
        .rest(
            Method::PUT,
            "/settings/audit",
            Some(&token),
            Some(json!({"retention_days": 0, "streams": [
                {"name": "Archive", "kind": "file", "file": "audit.jsonl"},
                {"name": "SIEM", "kind": "webhook", "url": url, "secret": SECRET},
            ]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert!(
        !saved.to_string().contains(SECRET),
        "the secret is not shown: {saved}"
    );
    assert_eq!(saved["streams"][1]["secret_set"], true);
    let siem = saved["streams"][1]["id"].as_str().unwrap().to_string();
    let logged = strings(
        &s.database_url,
        "SELECT data FROM audit_events WHERE event_type = 'settings.updated'",
    )
    .await;
    assert!(
        logged.iter().all(|d| !d.contains(SECRET)),
        "nor recorded: {logged:?}"
    );

    // Everything written so far arrives, in order, on both.
    let (_, head) = s
        .rest(Method::GET, "/audit/events?limit=1", Some(&token), None)
        .await;
    let newest = head["events"][0]["seq"].as_i64().unwrap();
    eventually("the webhook to catch up", || {
        records(&rx)
            .iter()
            .any(|r| r["type"] == "event" && r["seq"].as_i64() >= Some(newest))
    })
    .await;
    let got = records(&rx);
    let seqs: Vec<i64> = got
        .iter()
        .filter(|r| r["type"] == "event")
        .map(|r| r["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(
        seqs,
        (1..=seqs.len() as i64).collect::<Vec<_>>(),
        "every event from the first, in order"
    );
    assert!(got
        .iter()
        .all(|r| r["type"] != "event" || r["id"].as_str().is_some_and(|i| i.starts_with("evt_"))));
    let file = dir.path().join("audit.jsonl");
    eventually("the file to catch up", || {
        std::fs::read_to_string(&file).is_ok_and(|t| {
            t.lines()
                .filter(|l| l.contains("\"type\":\"event\""))
                .count()
                >= seqs.len()
        })
    })
    .await;

    // The signature over "<timestamp>.<body>" checks out with the secret
    // (computed here with openssl, independently of the server).
    let (ts, sig, body) = rx.got.lock().unwrap()[0].clone();
    let mut openssl = std::process::Command::new("openssl")
        .args(["dgst", "-sha256", "-hmac", SECRET])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("openssl");
    use std::io::Write;
    openssl
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{ts}.{body}").as_bytes())
        .unwrap();
    let out = String::from_utf8(openssl.wait_with_output().unwrap().stdout).unwrap();
    let hex = out.trim().rsplit(' ').next().unwrap();
    assert_eq!(sig, format!("v1={hex}"));
    assert!(
        (masquerade::unix_now() - ts.parse::<i64>().unwrap()).abs() < 60,
        "a fresh timestamp"
    );

    // The receiver fails: the error shows, and nothing is lost.
    rx.status.store(503, Ordering::SeqCst);
    let before = records(&rx).len();
    let (status, _) = s
        .rest(
            Method::POST,
            "/users",
            Some(&token),
            Some(json!({"email": "while-down@stream.test", "password": "a-long-test-password-1"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let mut error = String::new();
    for _ in 0..100 {
        let (_, v) = s
            .rest(Method::GET, "/settings/audit", Some(&token), None)
            .await;
        error = v["streams"][1]["status"]["last_error"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        if !error.is_empty() {
            assert!(
                v["streams"][1]["status"]["lag"].as_i64().unwrap() > 0,
                "{v}"
            );
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(error.contains("503"), "{error}");
    assert_eq!(records(&rx).len(), before);
    rx.status.store(200, Ordering::SeqCst);
    eventually("the webhook to recover", || {
        records(&rx)
            .iter()
            .any(|r| r["action"] == "user.created" && r["target_name"] == "while-down@stream.test")
    })
    .await;

    // Checkpoints travel with the events (the first is made within seconds).
    eventually("a checkpoint", || {
        records(&rx).iter().any(|r| r["type"] == "checkpoint")
    })
    .await;
    let cp = records(&rx)
        .into_iter()
        .find(|r| r["type"] == "checkpoint")
        .unwrap();
    assert!(
        cp["token"].as_str().unwrap().split('.').count() == 3,
        "a JWS: {cp}"
    );

    // Send test event.
    let (status, test) = send_test(&s, &token, &siem).await;
    assert_eq!(
        (status, test["delivered"].as_bool()),
        (StatusCode::OK, Some(true)),
        "{test}"
    );
    assert!(records(&rx).iter().any(|r| r["type"] == "test"));
    let (status, _) = s
        .rest(
            Method::POST,
            "/settings/audit/streams/lst_nothing/test",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Bad settings are refused with their field; the saved ones stay.
    for (body, field) in [
        (
            json!({"streams": [{"name": "x", "kind": "file", "file": "../../etc/passwd"}]}),
            "streams[0].file",
        ),
        (
            json!({"streams": [{"name": "x", "kind": "webhook", "url": url, "secret": "short"}]}),
            "streams[0].secret",
        ),
        (json!({"retention_days": -3}), "retention_days"),
    ] {
        let (status, answer) = s
            .rest(Method::PUT, "/settings/audit", Some(&token), Some(body))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
        assert_eq!(answer["fields"][0]["field"], field, "{answer}");
    }
    let (_, kept) = s
        .rest(Method::GET, "/settings/audit", Some(&token), None)
        .await;
    assert_eq!(kept["streams"].as_array().unwrap().len(), 2);
    // Saving the webhook without its secret keeps the secret.
    let mut again = kept.clone();
    for st in again["streams"].as_array_mut().unwrap() {
        st.as_object_mut()
            .unwrap()
            .retain(|k, _| !["status", "secret_set"].contains(&k.as_str()));
    }
    let (status, body) = s
        .rest(Method::PUT, "/settings/audit", Some(&token), Some(again))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, test) = send_test(&s, &token, &siem).await;
    assert_eq!(test["delivered"], true);
    let (ts, sig, body) = rx.got.lock().unwrap().last().unwrap().clone();
    assert_eq!(
        sig,
        masquerade::audit::streams::signature(SECRET, ts.parse().unwrap(), &body),
        "the same secret"
    );
}

#[tokio::test]
async fn sqlite_streams_deliver_everything_at_least_once() {
    let dir = tempfile::tempdir().unwrap();
    let s =
        sqlite_server_with_env(&[("MASQUERADE_AUDIT_STREAM_DIR", dir.path().to_str().unwrap())])
            .await;
    streams_deliver_everything_at_least_once(s, dir).await;
}

#[tokio::test]
async fn postgres_streams_deliver_everything_at_least_once() {
    let dir = tempfile::tempdir().unwrap();
    let s =
        postgres_server_with_env(&[("MASQUERADE_AUDIT_STREAM_DIR", dir.path().to_str().unwrap())])
            .await;
    streams_deliver_everything_at_least_once(s, dir).await;
}
