//! Bad input at every server function (`POST /api/<name>`), against the
//! real binary on SQLite.
//!
//! The functions come from the server's own registry (a test-only route),
//! so a new function without an entry in `functions.rs` fails this test.
//! For each one, seeded generated requests, with an administrator's session
//! and without one, carry missing, extra, repeated and mistyped arguments,
//! NUL and control characters, 100 KiB and 1 MiB strings, invalid UTF-8
//! (raw, and behind `%` or `\u` escapes), the wrong content type (JSON,
//! form, multipart, text/plain, XML, none), an empty body or the wrong
//! method. Each answer must be:
//!
//! * never a 5xx or a dropped connection;
//! * the status the damage decides (405, 415, 413, then 400 for what does
//!   not decode), else 401 without a session, else a 4xx for a function
//!   that writes (its base arguments are refused by design);
//! * for every refusal, the functions' JSON error with a readable message;
//! * and nothing changes: the audit chain's head is the same after every
//!   request, and every table's rows after each function.
//!
//! `MASQUERADE_FUZZ_SEED` changes the seed, `MASQUERADE_FUZZ_CASES` the
//! number of requests per function and caller (default 24).

#[path = "../common/mod.rs"]
mod common;

mod encode;
mod functions;
mod generate;
mod oracle;
mod snapshot;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use common::*;
use rand::rngs::StdRng;
use rand::SeedableRng;
use reqwest::header::{CONTENT_TYPE, COOKIE, ORIGIN};
use serde_json::Value;

use functions::{Kind, FUNCTIONS};

fn seed() -> u64 {
    std::env::var("MASQUERADE_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x6d61_7371)
}

fn cases_per_function() -> usize {
    std::env::var("MASQUERADE_FUZZ_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(24)
}

pub fn short(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let head: String = s.chars().take(n).collect();
        format!("{head}…[{} bytes]", s.len())
    }
}

#[tokio::test]
async fn every_server_function_refuses_bad_input_and_changes_nothing() {
    let s = sqlite_server_with_env(&[("MASQUERADE_TEST_ROUTES", "1")]).await;
    covers_every_registered_function(&s).await;
    let cookie = s.sign_in(ADMIN.0, ADMIN.1).await;
    let db = snapshot::Db::open(&s.database_url).await;
    let seed = seed();
    let n = cases_per_function();
    let started = Instant::now();
    let mut failures = Vec::new();
    let mut tally: BTreeMap<String, usize> = BTreeMap::new();
    for (i, fun) in FUNCTIONS.iter().enumerate() {
        for signed_in in [true, false] {
            let mut rng = StdRng::seed_from_u64(seed ^ ((i as u64) << 1 | signed_in as u64));
            let before = db.snapshot().await;
            for k in 0..n {
                let case = generate::generate(&mut rng, fun);
                let head = db.audit_head().await;
                let outcome = run(&s, fun, &case, signed_in.then_some(cookie.as_str())).await;
                let moved = db.audit_head().await != head;
                let who = if signed_in { "admin" } else { "anonymous" };
                let what = format!(
                    "{} #{k} as {who}: {} {:?} [{}] {}",
                    fun.name,
                    case.method,
                    case.content_type.as_deref().unwrap_or("no content type"),
                    case.damage.join("; "),
                    short(&String::from_utf8_lossy(&case.body), 160)
                );
                match outcome {
                    Ok(label) => *tally.entry(label).or_default() += 1,
                    Err(m) => failures.push(format!("{what}\n    {m}")),
                }
                if moved && fun.kind != Kind::Records {
                    failures.push(format!("{what}\n    the audit chain moved"));
                }
            }
            let mut changed = snapshot::changes(&before, &db.snapshot().await);
            if fun.kind == Kind::Records {
                // Its own events, and the head they moved.
                changed
                    .retain(|c| !c.starts_with("audit_events:") && !c.starts_with("audit_head:"));
            }
            if !changed.is_empty() {
                failures.push(format!(
                    "{} as {}: the database changed: {changed:?}",
                    fun.name,
                    if signed_in { "admin" } else { "anonymous" }
                ));
            }
        }
    }
    let total = FUNCTIONS.len() * 2 * n;
    eprintln!(
        "{total} cases over {} functions in {:.1?} (seed {seed}); outcomes: {tally:?}",
        FUNCTIONS.len(),
        started.elapsed()
    );
    assert!(
        failures.is_empty(),
        "{} of {total} cases failed (seed {seed}; set MASQUERADE_FUZZ_SEED to replay):\n\n{}",
        failures.len(),
        failures
            .iter()
            .take(30)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n\n")
    );
}

/// The functions the server has and the ones described here are the same.
async fn covers_every_registered_function(s: &Server) {
    let listed: Value = client()
        .get(format!("{}/test-only/server-functions", s.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .expect("the test-only list of server functions");
    let registered: BTreeSet<String> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            assert_eq!(f["method"], "POST", "{f}");
            f["path"].as_str().unwrap().to_string()
        })
        .collect();
    let described: BTreeSet<String> = FUNCTIONS.iter().map(|f| f.path()).collect();
    assert_eq!(
        registered.difference(&described).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "server functions without an entry in server_fn_bad_input/functions.rs"
    );
    assert_eq!(
        described.difference(&registered).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "entries in server_fn_bad_input/functions.rs the server does not have"
    );
}

async fn run(
    s: &Server,
    fun: &functions::Fun,
    case: &generate::Case,
    cookie: Option<&str>,
) -> Result<String, String> {
    let expect = oracle::expect(fun, case, cookie.is_some());
    let mut req = client()
        .request(case.method.clone(), format!("{}{}", s.base, fun.path()))
        .header(ORIGIN, &s.base)
        .body(case.body.clone());
    if let Some(ct) = &case.content_type {
        req = req.header(CONTENT_TYPE, ct);
    }
    if let Some(c) = cookie {
        req = req.header(COOKIE, c);
    }
    let res = req
        .send()
        .await
        .map_err(|e| format!("the request failed (dropped connection?): {e}"))?;
    let status = res.status();
    let headers = res.headers().clone();
    let body = res
        .text()
        .await
        .map_err(|e| format!("{status}, and the body could not be read: {e}"))?;
    oracle::check(expect, status, &headers, &body)
}
