//! Bad input at `/authorize` and `/oauth/token`, against the real binary.
//!
//! Seeded, deterministic property-style tests generate a few hundred
//! requests each — duplicated, empty, oversized, unknown, NUL-bearing and
//! non-UTF-8 parameters, unknown clients, foreign redirect URIs, wrong PKCE
//! verifiers, replayed codes and refresh tokens, wrong secrets, wrong
//! content types, garbage bodies — and check every response against a small
//! model of the specifications:
//!
//! * RFC 6749 §4.1.2.1 / OIDC Core §3.1.2.6: a bad client or redirect URI is
//!   shown on our own page, never redirected; every other error goes back
//!   to the registered redirect URI with its RFC code, `state` echoed and
//!   `iss` (RFC 9207) added, in the query for query mode and in the
//!   fragment whenever tokens are involved. Tokens never travel in a query.
//! * RFC 6749 §5.2: token errors are JSON with the right code, 400 (401 for
//!   `invalid_client`, with `WWW-Authenticate` when Basic was used) and
//!   `Cache-Control: no-store`. A replayed code or rotated refresh token
//!   revokes what was issued from the grant (RFC 9700 §4.5, §4.14).
//! * Never a 5xx. (A handler panic shows up as a failed request.)
//!
//! `/authorize` runs on SQLite; `/oauth/token` on SQLite and, shorter, on
//! PostgreSQL, which refuses some strings SQLite stores. `token_scenarios`
//! walks the same ground one named case at a time, including an expired
//! code planted in the store.
//!
//! `MASQUERADE_FUZZ_SEED` and `MASQUERADE_FUZZ_CASES` change the seed and
//! the number of generated requests; a failure prints the seed, the case
//! number and the request.

#[path = "../common/mod.rs"]
mod common;

mod authorize;
mod scenarios;
mod token;

use std::collections::{HashMap, HashSet};

use base64::{engine::general_purpose::STANDARD, Engine};
use common::*;
use masquerade::oidc::params::{MAX_PARAMS, MAX_PARAM_LEN};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use reqwest::header::{HeaderMap, AUTHORIZATION, CONTENT_TYPE, COOKIE, LOCATION};
use reqwest::StatusCode;
use serde_json::Value;

const SAMPLE_SECRET: &str = "sample-app-demo-secret-change-me";
const BOOT_ID: &str = "bootstrap-test";
const BOOT_SECRET: &str = "bootstrap-test-secret-0123456789";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const WRONG_VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXK";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
const SPA_CALLBACK: &str = "http://localhost:5173/callback";
const ORDERS_API: &str = "https://api.orders.example/";
/// axum's default body limit for the protocol endpoints.
const BODY_LIMIT: usize = 2 * 1024 * 1024;
const FORM: &str = "application/x-www-form-urlencoded";

const AUTHORIZE_ERRORS: &[&str] = &[
    // RFC 6749 §4.1.2.1 / §4.2.2.1
    "invalid_request",
    "unauthorized_client",
    "access_denied",
    "unsupported_response_type",
    "invalid_scope",
    // OIDC Core §3.1.2.6
    "login_required",
    "interaction_required",
    "consent_required",
    "account_selection_required",
    "request_not_supported",
    "request_uri_not_supported",
    // RFC 8707
    "invalid_target",
];

const TOKEN_ERRORS: &[&str] = &[
    // RFC 6749 §5.2
    "invalid_request",
    "invalid_client",
    "invalid_grant",
    "unauthorized_client",
    "unsupported_grant_type",
    "invalid_scope",
    // RFC 8707
    "invalid_target",
];

const BOOT_ENV: &[(&str, &str)] = &[
    ("MASQUERADE_BOOTSTRAP_CLIENT_ID", BOOT_ID),
    ("MASQUERADE_BOOTSTRAP_CLIENT_SECRET", BOOT_SECRET),
];

async fn server() -> Server {
    sqlite_server_with_env(BOOT_ENV).await
}

fn seed() -> u64 {
    std::env::var("MASQUERADE_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x6d61_7371)
}

fn case_count(default: usize) -> usize {
    std::env::var("MASQUERADE_FUZZ_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

// ---------------------------------------------------------------------------
// The registered clients, as far as the tests need to know them.

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Secret {
    Known(&'static str),
    /// Confidential, but with a random secret the tests do not know.
    Unknown,
    Public,
}

struct Client {
    id: &'static str,
    secret: Secret,
    callbacks: Vec<String>,
    grants: &'static [&'static str],
    apis: Vec<String>,
}

impl Client {
    fn confidential(&self) -> bool {
        self.secret != Secret::Public
    }
    fn allows(&self, grant: &str) -> bool {
        self.grants.contains(&grant)
    }
}

fn clients(base: &str) -> Vec<Client> {
    vec![
        Client {
            id: "sample-app",
            secret: Secret::Known(SAMPLE_SECRET),
            callbacks: vec![format!("{base}/sample-app/callback")],
            grants: &["authorization_code", "implicit", "refresh_token"],
            apis: vec![ORDERS_API.into()],
        },
        Client {
            id: "orders-spa",
            secret: Secret::Public,
            callbacks: vec![SPA_CALLBACK.into()],
            grants: &["authorization_code", "refresh_token"],
            apis: vec![ORDERS_API.into()],
        },
        Client {
            id: "reporting-service",
            secret: Secret::Unknown,
            callbacks: vec![],
            grants: &["client_credentials"],
            apis: vec![ORDERS_API.into()],
        },
        Client {
            id: BOOT_ID,
            secret: Secret::Known(BOOT_SECRET),
            callbacks: vec![],
            grants: &["client_credentials"],
            apis: vec![format!("{base}/api/v1/")],
        },
    ]
}

fn find<'a>(clients: &'a [Client], id: &str) -> Option<&'a Client> {
    clients.iter().find(|c| c.id == id)
}

// ---------------------------------------------------------------------------
// Encoding, pools of values and the form rules of RFC 6749 §3.1 / §3.2.

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A value from a generator pool, percent-encoded for the wire. `raw:` is
/// sent as written (invalid UTF-8 escapes and the like); `~4k`, `~4k+1`,
/// `~10k` and `~100k` are long runs of one letter.
fn val(spec: &str) -> String {
    if let Some(raw) = spec.strip_prefix("raw:") {
        return raw.to_string();
    }
    match spec {
        "~4k" => "y".repeat(MAX_PARAM_LEN),
        "~4k+1" => "y".repeat(MAX_PARAM_LEN + 1),
        "~10k" => "x".repeat(10 * 1024),
        "~100k" => "z".repeat(100 * 1024),
        _ => enc(spec),
    }
}

fn seg(k: &str, v: &str) -> String {
    format!("{}={}", enc(k), val(v))
}

fn pick<'a, T: ?Sized>(rng: &mut StdRng, pool: &[&'a T]) -> &'a T {
    pool[rng.gen_range(0..pool.len())]
}

fn short(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let head: String = s.chars().take(n).collect();
        format!("{head}…[{} bytes]", s.len())
    }
}

fn describe(body: &[u8]) -> String {
    String::from_utf8_lossy(body)
        .split('&')
        .map(|p| short(p, 100))
        .collect::<Vec<_>>()
        .join("&")
}

/// Random damage a client or attacker might do to a token request.
fn mutate(rng: &mut StdRng, segs: &mut Vec<String>, unknown: &[&str]) {
    for _ in 0..rng.gen_range(0..=2) {
        if rng.gen_bool(0.25) {
            segs.push(val(pick(rng, unknown)));
        }
    }
    if !segs.is_empty() && rng.gen_bool(0.12) {
        // A repeated parameter, with the same or another value.
        let s = segs[rng.gen_range(0..segs.len())].clone();
        let key = s.split('=').next().unwrap_or("").to_string();
        segs.push(if rng.gen_bool(0.5) {
            s
        } else {
            format!("{key}=other")
        });
    }
    if !segs.is_empty() && rng.gen_bool(0.06) {
        // An empty value: the same as leaving the parameter out.
        let i = rng.gen_range(0..segs.len());
        let key = segs[i].split('=').next().unwrap_or("").to_string();
        segs[i] = format!("{key}=");
    }
    if !segs.is_empty() && rng.gen_bool(0.05) {
        let i = rng.gen_range(0..segs.len());
        let key = segs[i].split('=').next().unwrap_or("").to_string();
        let v = pick(rng, &["~4k+1", "~10k", "~100k"]);
        segs[i] = format!("{key}={}", val(v));
    }
    if rng.gen_bool(0.02) {
        segs.extend((0..MAX_PARAMS + 5).map(|i| format!("extra{i}=1")));
    }
    if rng.gen_bool(0.02) {
        // An over-long parameter name.
        segs.push(format!("{}=1", "k".repeat(200)));
    }
    segs.shuffle(rng);
}

/// The request's parameters as the server must read them: repeated,
/// over-long or too many parameters make the request malformed; empty
/// values count as absent (RFC 6749 §3.1).
struct Form {
    map: HashMap<String, String>,
    bad: HashSet<String>,
    too_many: bool,
}

impl Form {
    fn parse(raw: &[u8]) -> Form {
        let pairs: Vec<(String, String)> = url::form_urlencoded::parse(raw).into_owned().collect();
        let mut values: HashMap<String, Vec<String>> = HashMap::new();
        let mut bad = HashSet::new();
        for (k, v) in &pairs {
            // RFC 6749 Appendix A: no parameter allows NUL.
            if k.len() > 128 || v.len() > MAX_PARAM_LEN || k.contains('\0') || v.contains('\0') {
                bad.insert(k.clone());
            }
            if !v.is_empty() {
                values.entry(k.clone()).or_default().push(v.clone());
            }
        }
        let mut map = HashMap::new();
        for (k, mut vs) in values {
            if vs.len() > 1 {
                bad.insert(k);
            } else if !bad.contains(&k) {
                map.insert(k, vs.remove(0));
            }
        }
        Form {
            map,
            bad,
            too_many: pairs.len() > MAX_PARAMS,
        }
    }
    fn malformed(&self) -> bool {
        self.too_many || !self.bad.is_empty()
    }
    fn get(&self, k: &str) -> Option<&str> {
        self.map.get(k).map(String::as_str)
    }
}

fn words(s: Option<&str>) -> Vec<&str> {
    s.unwrap_or("")
        .split(' ')
        .filter(|w| !w.is_empty())
        .collect()
}

fn query_pairs(q: &str) -> HashMap<String, String> {
    url::form_urlencoded::parse(q.as_bytes())
        .into_owned()
        .collect()
}

fn header(h: &HeaderMap, name: impl reqwest::header::AsHeaderName) -> String {
    h.get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

fn finish(what: &str, seed: u64, n: usize, failures: &[String], tally: &HashMap<String, usize>) {
    let mut t: Vec<_> = tally.iter().collect();
    t.sort();
    eprintln!("{what}: {n} cases (seed {seed}); outcomes: {t:?}");
    assert!(
        failures.is_empty(),
        "{} of {n} {what} cases failed (seed {seed}; set MASQUERADE_FUZZ_SEED to replay):\n\n{}",
        failures.len(),
        failures
            .iter()
            .take(25)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n\n")
    );
}
