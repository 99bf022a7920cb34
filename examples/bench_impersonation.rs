//! Full Sign in as User flows per second against a running server, run by
//! `make bench` (scripts/bench):
//!
//! ```text
//! bench_impersonation --base URL --bootstrap ID:SECRET --sample-secret SECRET
//!                     [--concurrency 32] [--warmup 2] [--duration 10]
//! ```
//!
//! One flow is what a support engineer's click costs the server: mint a link
//! through the REST API (`POST /api/v1/users/{id}/impersonation`), open it
//! (`GET /impersonate/{ticket}`, which answers with a code for the sample
//! app), and exchange the code at `/oauth/token` for an ID token and an
//! access token carrying `act`. Every step must succeed or the run stops.
//! Prints one JSON line: flows per second and flow latency percentiles.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

struct Opts {
    base: String,
    bootstrap: (String, String),
    sample_secret: String,
    concurrency: usize,
    warmup: Duration,
    duration: Duration,
}

fn opts() -> Opts {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut m = HashMap::new();
    for pair in args.chunks(2) {
        if let [k, v] = pair {
            m.insert(k.trim_start_matches("--").to_string(), v.clone());
        }
    }
    let get = |k: &str, d: &str| m.get(k).cloned().unwrap_or_else(|| d.to_string());
    let bootstrap = get("bootstrap", "");
    let (id, secret) = bootstrap
        .split_once(':')
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .unwrap_or_else(|| fail("--bootstrap ID:SECRET is required"));
    Opts {
        base: get("base", "http://127.0.0.1:3000"),
        bootstrap: (id, secret),
        sample_secret: get("sample-secret", "sample-app-demo-secret-change-me"),
        concurrency: get("concurrency", "32").parse().unwrap_or(32),
        warmup: Duration::from_secs(get("warmup", "2").parse().unwrap_or(2)),
        duration: Duration::from_secs(get("duration", "10").parse().unwrap_or(10)),
    }
}

fn fail(msg: &str) -> ! {
    eprintln!("bench_impersonation: {msg}");
    std::process::exit(1)
}

struct Shared {
    o: Opts,
    http: reqwest::Client,
    token: String,
    admin: String,
    targets: Vec<String>,
}

async fn setup(o: Opts) -> Shared {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(o.concurrency * 2)
        .build()
        .unwrap_or_else(|e| fail(&format!("client: {e}")));
    let res: Value = http
        .post(format!("{}/oauth/token", o.base))
        .basic_auth(&o.bootstrap.0, Some(&o.bootstrap.1))
        .form(&[
            ("grant_type", "client_credentials"),
            ("audience", &format!("{}/api/v1/", o.base)),
        ])
        .send()
        .await
        .unwrap_or_else(|e| fail(&format!("token: {e}")))
        .json()
        .await
        .unwrap_or_else(|e| fail(&format!("token: {e}")));
    let token = res["access_token"]
        .as_str()
        .unwrap_or_else(|| fail(&format!("no management token: {res}")))
        .to_string();
    let users: Value = http
        .get(format!("{}/api/v1/users?blocked=false&limit=100", o.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap_or_else(|e| fail(&format!("users: {e}")))
        .json()
        .await
        .unwrap_or_else(|e| fail(&format!("users: {e}")));
    let list = users["users"].as_array().cloned().unwrap_or_default();
    let admin = list
        .iter()
        .find(|u| u["email"] == "admin@masquerade.test")
        .and_then(|u| u["id"].as_str())
        .unwrap_or_else(|| fail("the demo administrator is missing (start with --demo)"))
        .to_string();
    let targets: Vec<String> = list
        .iter()
        .filter(|u| {
            // Ordinary: no staff role (demo customers hold "Customer").
            u["roles"].as_array().is_some_and(|r| {
                r.iter().all(|id| {
                    !["rol_admin", "rol_support", "rol_auditor"]
                        .contains(&id.as_str().unwrap_or(""))
                })
            }) && u["connection_name"] == "Username-Password-Authentication"
        })
        .filter_map(|u| u["id"].as_str().map(String::from))
        .collect();
    if targets.is_empty() {
        fail("no ordinary demo users");
    }
    Shared {
        o,
        http,
        token,
        admin,
        targets,
    }
}

/// The response if it has `status`, else its status and body as the error.
async fn expect(
    res: reqwest::Response,
    status: u16,
    step: &str,
) -> Result<reqwest::Response, String> {
    if res.status() == status {
        return Ok(res);
    }
    Err(format!(
        "{step}: {} {}",
        res.status(),
        res.text().await.unwrap_or_default()
    ))
}

/// One mint → open → exchange. Returns an error message on any failure.
async fn flow(s: &Shared, target: &str) -> Result<(), String> {
    let o = &s.o;
    let callback = format!("{}/sample-app/callback", o.base);
    let res = s
        .http
        .post(format!("{}/api/v1/users/{target}/impersonation", o.base))
        .bearer_auth(&s.token)
        .json(&json!({
            "impersonator_id": s.admin,
            "client_id": "sample-app",
            "reason": "benchmark",
            "response_type": "code",
            "response_mode": "query",
            "scope": "openid",
            "state": "/bench",
            "callback_url": callback,
        }))
        .send()
        .await
        .map_err(|e| format!("mint: {e}"))?;
    let res = expect(res, 201, "mint").await?;
    let link: Value = res.json().await.map_err(|e| format!("mint: {e}"))?;
    let url = link["url"].as_str().ok_or("mint: no url")?;
    let res = s
        .http
        .get(url)
        .send()
        .await
        .map_err(|e| format!("open: {e}"))?;
    let location = res
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| format!("open: {} without a redirect", res.status()))?;
    let code = url::form_urlencoded::parse(
        location
            .split_once('?')
            .map(|x| x.1)
            .unwrap_or("")
            .as_bytes(),
    )
    .find(|(k, _)| k == "code")
    .map(|(_, v)| v.into_owned())
    .ok_or_else(|| format!("open: no code in {location}"))?;
    let res = s
        .http
        .post(format!("{}/oauth/token", o.base))
        .basic_auth("sample-app", Some(&o.sample_secret))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", callback.as_str()),
        ])
        .send()
        .await
        .map_err(|e| format!("exchange: {e}"))?;
    let res = expect(res, 200, "exchange").await?;
    let body: Value = res.json().await.map_err(|e| format!("exchange: {e}"))?;
    if body["id_token"].as_str().is_none() {
        return Err(format!("exchange: no ID token in {body}"));
    }
    Ok(())
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let shared = Arc::new(setup(opts()).await);
    let start = Instant::now();
    let measure_from = start + shared.o.warmup;
    let stop_at = measure_from + shared.o.duration;
    let stop = Arc::new(AtomicBool::new(false));
    let latencies = Arc::new(Mutex::new(Vec::<Duration>::new()));
    let mut workers = Vec::new();
    for w in 0..shared.o.concurrency {
        let (s, stop, lat) = (shared.clone(), stop.clone(), latencies.clone());
        workers.push(tokio::spawn(async move {
            let mut i = w;
            while !stop.load(Ordering::Relaxed) && Instant::now() < stop_at {
                let target = &s.targets[i % s.targets.len()];
                i += s.o.concurrency;
                let t0 = Instant::now();
                if let Err(e) = flow(&s, target).await {
                    stop.store(true, Ordering::Relaxed);
                    return Err(e);
                }
                if t0 >= measure_from && Instant::now() <= stop_at {
                    if let Ok(mut l) = lat.lock() {
                        l.push(t0.elapsed());
                    }
                }
            }
            Ok(())
        }));
    }
    for w in workers {
        match w.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => fail(&e),
            Err(e) => fail(&format!("worker: {e}")),
        }
    }
    let mut l = latencies.lock().map(|l| l.clone()).unwrap_or_default();
    l.sort();
    let secs = shared.o.duration.as_secs_f64();
    println!(
        "{}",
        json!({
            "label": "impersonation_flow",
            "concurrency": shared.o.concurrency,
            "flows": l.len(),
            "flows_per_sec": (l.len() as f64 / secs).round(),
            "p50_ms": (percentile(&l, 0.50) * 100.0).round() / 100.0,
            "p99_ms": (percentile(&l, 0.99) * 100.0).round() / 100.0,
            "max_ms": (percentile(&l, 1.0) * 100.0).round() / 100.0,
        })
    );
}
