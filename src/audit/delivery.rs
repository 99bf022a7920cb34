//! Sending log-stream records: appending to the stream's file, or POSTing
//! a signed batch to its webhook. Used by the background worker and by
//! "Send test event" (console and REST alike).

use std::io::Write;
use std::time::Duration;

use serde_json::{json, Value};

use super::streams::{self, Stream, Target};
use crate::authz::Principal;
use crate::error::CoreResult;
use crate::Services;

/// The HTTP client for webhooks: a 10 s limit, and no redirects (a
/// receiver cannot bounce the batch elsewhere).
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap_or_default()
}

/// Sends one test record to the stream `id` now: Ok(Err(words)) when the
/// target refused or could not be reached.
pub async fn send_test(
    svc: &Services,
    principal: &Principal,
    id: &str,
    now: i64,
) -> CoreResult<Result<(), String>> {
    let stream = streams::stream(svc, principal, id).await?;
    let record = streams::test_record(&stream, now);
    Ok(send(svc, &client(), &stream, &[record], now).await)
}

/// Sends records to the stream's target; the error in words.
pub async fn send(
    svc: &Services,
    http: &reqwest::Client,
    stream: &Stream,
    records: &[Value],
    now: i64,
) -> Result<(), String> {
    match &stream.target {
        Target::File { file } => {
            let path = streams::file_path(svc, file).map_err(|_| {
                "file streams are off on this server (MASQUERADE_AUDIT_STREAM_DIR)".to_string()
            })?;
            let path = path.display().to_string();
            let mut lines = String::new();
            for r in records {
                lines.push_str(&r.to_string());
                lines.push('\n');
            }
            tokio::task::spawn_blocking(move || {
                let mut f = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&path)
                    .map_err(|e| format!("cannot open {path}: {e}"))?;
                f.write_all(lines.as_bytes())
                    .and_then(|_| f.sync_data())
                    .map_err(|e| format!("cannot write {path}: {e}"))
            })
            .await
            .map_err(|_| "the file write was interrupted".to_string())?
        }
        Target::Webhook { url, secret } => {
            let body = json!({ "records": records }).to_string();
            let res = http
                .post(url)
                .header("content-type", "application/json")
                .header("x-masquerade-timestamp", now.to_string())
                .header(
                    "x-masquerade-signature",
                    streams::signature(secret, now, &body),
                )
                .body(body)
                .send()
                .await
                .map_err(|e| format!("cannot reach {url}: {}", without_url(&e)))?;
            if res.status().is_success() {
                Ok(())
            } else {
                Err(format!("{url} answered {}", res.status()))
            }
        }
    }
}

fn without_url(e: &reqwest::Error) -> String {
    let e = e.to_string();
    e.split(" for url").next().unwrap_or(&e).to_string()
}
