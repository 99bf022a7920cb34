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

mod common;

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

// ---------------------------------------------------------------------------
// /authorize

#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
struct Rt {
    code: bool,
    id_token: bool,
    token: bool,
}

impl Rt {
    fn parse(s: &str) -> Option<Rt> {
        let mut rt = Rt::default();
        let parts = words(Some(s));
        for p in &parts {
            match *p {
                "code" => rt.code = true,
                "id_token" => rt.id_token = true,
                "token" => rt.token = true,
                _ => return None,
            }
        }
        (!parts.is_empty()).then_some(rt)
    }
    fn tokens(self) -> bool {
        self.id_token || self.token
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    Query,
    Fragment,
    FormPost,
}

impl Mode {
    fn parse(s: &str) -> Option<Mode> {
        match s {
            "query" => Some(Mode::Query),
            "fragment" => Some(Mode::Fragment),
            "form_post" => Some(Mode::FormPost),
            _ => None,
        }
    }
    fn default_for(rt: Rt) -> Mode {
        if rt.tokens() {
            Mode::Fragment
        } else {
            Mode::Query
        }
    }
}

struct AzCase {
    post: bool,
    content_type: Option<&'static str>,
    session: bool,
    body: Vec<u8>,
}

impl AzCase {
    fn describe(&self) -> String {
        format!(
            "{} /authorize{} [{}{}] {}",
            if self.post { "POST" } else { "GET" },
            if self.post { "" } else { "?" },
            if self.session {
                "signed in"
            } else {
                "signed out"
            },
            self.content_type
                .map(|c| format!(", Content-Type: {c}"))
                .unwrap_or_default(),
            describe(&self.body)
        )
    }
}

/// Parameters with their values already percent-encoded.
#[derive(Default)]
struct Params(Vec<(String, String)>);

impl Params {
    fn set(&mut self, k: &str, spec: &str) {
        let v = val(spec);
        match self.0.iter_mut().find(|p| p.0 == k) {
            Some(p) => p.1 = v,
            None => self.0.push((k.to_string(), v)),
        }
    }
    fn remove(&mut self, k: &str) {
        self.0.retain(|p| p.0 != k);
    }
}

/// A valid request for sample-app or orders-spa, then up to four random
/// faults.
fn gen_authorize(rng: &mut StdRng, base: &str, clients: &[Client]) -> AzCase {
    let spa = rng.gen_bool(0.35);
    let c = if spa { &clients[1] } else { &clients[0] };
    let mut p = Params::default();
    p.set("client_id", c.id);
    p.set("redirect_uri", &c.callbacks[0]);
    let rt = if spa {
        // Now and then one the SPA may not use: unauthorized_client.
        if rng.gen_bool(0.9) {
            "code"
        } else {
            pick(rng, &["token", "id_token", "code id_token"])
        }
    } else {
        pick(
            rng,
            &[
                "code",
                "code",
                "code",
                "code",
                "id_token",
                "token",
                "code id_token",
                "id_token token",
                "code id_token token",
                "code token",
            ],
        )
    };
    p.set("response_type", rt);
    p.set(
        "scope",
        pick(
            rng,
            &[
                "openid",
                "openid email",
                "openid email profile offline_access",
                "openid read:orders",
            ],
        ),
    );
    if rt.contains("id_token") || rng.gen_bool(0.3) {
        p.set("nonce", "n1");
    }
    if rng.gen_bool(0.8) {
        p.set(
            "state",
            pick(
                rng,
                &[
                    "xyz",
                    "a b&c=d#e?f",
                    "ünï-ćödé",
                    "<script>alert(1)</script>\"'",
                ],
            ),
        );
    }
    if spa || rng.gen_bool(0.3) {
        p.set("code_challenge", CHALLENGE);
        p.set("code_challenge_method", "S256");
    }
    if rng.gen_bool(0.35) {
        let modes: &[&str] = if rt.contains("token") {
            &["fragment", "form_post"]
        } else {
            &["query", "fragment", "form_post"]
        };
        p.set("response_mode", pick(rng, modes));
    }
    if rng.gen_bool(0.15) {
        p.set(
            "prompt",
            pick(rng, &["login", "consent", "select_account", "none", "none"]),
        );
    }
    if rng.gen_bool(0.08) {
        p.set("max_age", "3600");
    }
    if rng.gen_bool(0.1) {
        p.set(pick(rng, &["audience", "resource"]), ORDERS_API);
    }
    if rng.gen_bool(0.05) {
        p.set("login_hint", "someone@example.com");
    }
    let mut extra: Vec<String> = Vec::new();
    let faults = *[0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 4]
        .choose(rng)
        .unwrap();
    for _ in 0..faults {
        authorize_fault(rng, base, &mut p, &mut extra);
    }
    let mut segs: Vec<String> = p.0.iter().map(|(k, v)| format!("{k}={v}")).collect();
    segs.extend(extra);
    segs.shuffle(rng);
    let mut body = segs.join("&").into_bytes();
    let post = rng.gen_bool(0.4);
    if post && rng.gen_bool(0.02) {
        body = vec![b'a'; BODY_LIMIT + 1024];
    } else if post && rng.gen_bool(0.03) {
        body.extend_from_slice(b"&\xff\xfe=\xc3");
    }
    AzCase {
        post,
        content_type: post.then(|| {
            *[FORM, FORM, FORM, FORM, FORM, FORM, "text/plain"]
                .choose(rng)
                .unwrap()
        }),
        session: rng.gen_bool(0.6),
        body,
    }
}

fn authorize_fault(rng: &mut StdRng, base: &str, p: &mut Params, extra: &mut Vec<String>) {
    let mgmt = format!("{base}/api/v1/");
    let sample_cb = format!("{base}/sample-app/callback");
    let kind = rng.gen_range(0..20);
    let remove = rng.gen_bool(0.15);
    let mut set = |p: &mut Params, k: &str, pool: &[&str]| {
        if remove {
            p.remove(k);
        } else {
            p.set(k, pick(rng, pool));
        }
    };
    match kind {
        0 => set(
            p,
            "client_id",
            &[
                "sample-app",
                "orders-spa",
                "reporting-service",
                "nope",
                "Sample-App",
                "sample-app ",
                "raw:%FF%FEsample",
                "raw:sample-app%00",
                "~10k",
            ],
        ),
        1 => set(
            p,
            "redirect_uri",
            &[
                "https://evil.example/cb",
                &format!("{sample_cb}/"),
                &format!("{sample_cb}?x=1"),
                &sample_cb.to_uppercase(),
                SPA_CALLBACK,
                &sample_cb,
                "javascript:alert(1)",
                "raw:%FF",
                "raw:http%3A%2F%2Flocalhost%3A5173%2Fcallback%FF",
                "~10k",
            ],
        ),
        2 => set(
            p,
            "response_type",
            &[
                "code",
                "token",
                "id_token",
                "code id_token token",
                "token code",
                "code code",
                "banana",
                "none",
                "CODE",
                "code\tid_token",
                "raw:code%FF",
            ],
        ),
        3 => set(
            p,
            "response_mode",
            &["query", "fragment", "form_post", "jwt", "Query", "raw:%FF"],
        ),
        4 => set(
            p,
            "scope",
            &[
                "profile",
                "openid unknown:scope",
                "  openid  ",
                "raw:openid%FF",
                "~4k",
            ],
        ),
        5 => set(p, "state", &["~4k", "raw:%FF%FE", "xyz"]),
        6 => set(p, "nonce", &["n-ü", "~4k"]),
        7 => set(
            p,
            "code_challenge",
            &[
                CHALLENGE,
                "short",
                "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw+cM",
            ],
        ),
        8 => set(p, "code_challenge_method", &["S256", "plain", "s256"]),
        9 => set(
            p,
            "prompt",
            &["none", "login", "none login", "login consent", "bogus"],
        ),
        10 => set(
            p,
            "max_age",
            &["0", "-1", "abc", "99999999999999999999", "1.5"],
        ),
        11 => {
            let k = pick(rng, &["audience", "resource"]);
            let v = pick(rng, &[ORDERS_API, "https://unknown.example/", &mgmt]);
            p.set(k, v);
        }
        12 => extra.push(val(pick(
            rng,
            &[
                "raw:foo=bar",
                "raw:claims=%7B%22userinfo%22%3Anull%7D",
                "raw:x%FF=1",
                "raw:registration=abc",
                "raw:mq_auth_after=abc",
                "raw:mq_auth_after=99999999999",
                "raw:bare",
                "raw:",
                "raw:ui_locales=fr",
                "raw:%26%3D=%3D%26",
                "raw:%%%",
            ],
        ))),
        13 if !p.0.is_empty() => {
            // A repeated parameter, with the same or another value.
            let (k, v) = p.0[rng.gen_range(0..p.0.len())].clone();
            extra.push(if rng.gen_bool(0.5) {
                format!("{k}={v}")
            } else {
                format!("{k}=other")
            });
        }
        14 if !p.0.is_empty() => {
            // An empty value counts as absent.
            let i = rng.gen_range(0..p.0.len());
            p.0[i].1.clear();
        }
        15 if !p.0.is_empty() => {
            let i = rng.gen_range(0..p.0.len());
            p.0[i].1 = val(pick(rng, &["~4k+1", "~10k", "~100k"]));
        }
        16 => extra.extend((0..MAX_PARAMS + 5).map(|i| format!("extra{i}=1"))),
        17 => extra.push(format!("{}=1", "k".repeat(200))),
        18 => extra.push(val(pick(
            rng,
            &[
                "raw:request=eyJhbGciOiJub25lIn0.e30.",
                "raw:request_uri=https%3A%2F%2Fevil.example%2Fr",
            ],
        ))),
        _ => p.set("login_hint", "~4k"),
    }
}

/// What the specifications call for.
enum AzExpect {
    /// Our own error page: the client or its redirect URI cannot be trusted.
    Page,
    /// Back to the client with one of these codes.
    Error(Vec<&'static str>),
    /// A valid request: a code and/or tokens, or a trip to the login page.
    Valid(Rt),
}

struct AzOracle {
    expect: AzExpect,
    redirect_uri: String,
    mode: Mode,
    state: Option<String>,
}

fn authorize_oracle(form: &Form, clients: &[Client], too_big: bool) -> AzOracle {
    let page = AzOracle {
        expect: AzExpect::Page,
        redirect_uri: String::new(),
        mode: Mode::Query,
        state: None,
    };
    if too_big || form.bad.contains("client_id") || form.bad.contains("redirect_uri") {
        return page;
    }
    let Some(client) = form.get("client_id").and_then(|id| find(clients, id)) else {
        return page;
    };
    let redirect_uri = match form.get("redirect_uri") {
        Some(r) => r.to_string(),
        None if client.callbacks.len() == 1
            && !form.get("scope").is_some_and(|s| s.contains("openid")) =>
        {
            client.callbacks[0].clone()
        }
        None => return page,
    };
    if !client.callbacks.contains(&redirect_uri) {
        return page;
    }
    let rt = form.get("response_type").and_then(Rt::parse);
    let rt0 = rt.unwrap_or_default();
    let mode = match form.get("response_mode").and_then(Mode::parse) {
        Some(Mode::Query) if rt0.tokens() => Mode::default_for(rt0),
        Some(m) => m,
        None => Mode::default_for(rt0),
    };
    let mut errors = Vec::new();
    if form.malformed() {
        errors.push("invalid_request");
    }
    if form.get("request").is_some() {
        errors.push("request_not_supported");
    }
    if form.get("request_uri").is_some() {
        errors.push("request_uri_not_supported");
    }
    match (form.get("response_type"), rt) {
        (None, _) => errors.push("invalid_request"),
        (Some(_), None) => errors.push("unsupported_response_type"),
        (Some(_), Some(rt)) => {
            if rt.code && !client.allows("authorization_code")
                || rt.tokens() && !client.allows("implicit")
            {
                errors.push("unauthorized_client");
            }
            match form.get("response_mode").map(Mode::parse) {
                Some(None) => errors.push("invalid_request"),
                Some(Some(Mode::Query)) if rt.tokens() => errors.push("invalid_request"),
                _ => {}
            }
            let scope = words(form.get("scope"));
            if rt.id_token && !scope.contains(&"openid") {
                errors.push("invalid_scope");
            }
            if rt.id_token && form.get("nonce").is_none() {
                errors.push("invalid_request");
            }
            if rt.code && !client.confidential() && form.get("code_challenge").is_none() {
                errors.push("invalid_request");
            }
        }
    }
    match (
        form.get("code_challenge"),
        form.get("code_challenge_method"),
    ) {
        (Some(c), Some("S256"))
            if c.len() == 43
                && c.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') => {}
        (None, None) => {}
        _ => errors.push("invalid_request"),
    }
    let prompt = words(form.get("prompt"));
    if prompt.contains(&"none") && prompt.len() > 1
        || prompt
            .iter()
            .any(|p| !["none", "login", "consent", "select_account"].contains(p))
    {
        errors.push("invalid_request");
    }
    if form
        .get("max_age")
        .is_some_and(|m| !m.parse::<i64>().is_ok_and(|n| n >= 0))
    {
        errors.push("invalid_request");
    }
    match (form.get("audience"), form.get("resource")) {
        (Some(a), Some(r)) if a != r => errors.push("invalid_target"),
        (Some(a), _) | (None, Some(a)) if !client.apis.iter().any(|x| x == a) => {
            errors.push("invalid_target")
        }
        _ => {}
    }
    AzOracle {
        expect: match (errors.is_empty(), rt) {
            (true, Some(rt)) => AzExpect::Valid(rt),
            _ => AzExpect::Error(errors),
        },
        redirect_uri,
        mode,
        state: form.get("state").map(str::to_string),
    }
}

fn html_unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// The action and fields of a form_post page.
fn form_post_fields(html: &str) -> Option<(String, HashMap<String, String>)> {
    let action = html
        .split("<form method=\"post\" action=\"")
        .nth(1)?
        .split('"')
        .next()?;
    let mut fields = HashMap::new();
    for input in html.split("<input type=\"hidden\" name=\"").skip(1) {
        let (name, rest) = input.split_once("\" value=\"")?;
        let value = rest.split_once("\">")?.0;
        fields.insert(html_unescape(name), html_unescape(value));
    }
    Some((html_unescape(action), fields))
}

enum AzOutcome {
    Page,
    Login(String),
    Back(Mode, HashMap<String, String>),
}

/// Reads the response into an outcome, checking what holds for every one.
fn az_outcome(
    oracle: &AzOracle,
    status: StatusCode,
    h: &HeaderMap,
    body: &str,
) -> Result<AzOutcome, String> {
    if status.is_server_error() {
        return Err(format!("server error {status}: {}", short(body, 300)));
    }
    let location = header(h, LOCATION);
    if status == StatusCode::BAD_REQUEST {
        if !location.is_empty() {
            return Err(format!("an error page with a Location: {location}"));
        }
        if !header(h, CONTENT_TYPE).starts_with("text/html")
            || !body.contains("This sign-in request is not valid")
        {
            return Err(format!(
                "400 that is not our error page: {}",
                short(body, 300)
            ));
        }
        if header(h, "cache-control") != "no-store" {
            return Err("error page without Cache-Control: no-store".into());
        }
        return Ok(AzOutcome::Page);
    }
    if status == StatusCode::SEE_OTHER && location.starts_with("/login?next=%2Fauthorize%3F") {
        return Ok(AzOutcome::Login(location));
    }
    if status == StatusCode::FOUND {
        if header(h, "cache-control") != "no-store" {
            return Err("authorization response without Cache-Control: no-store".into());
        }
        let Some(rest) = location.strip_prefix(oracle.redirect_uri.as_str()) else {
            return Err(format!(
                "redirect to {} (expected {:?})",
                short(&location, 200),
                oracle.redirect_uri
            ));
        };
        if oracle.redirect_uri.is_empty() {
            return Err(format!("redirect to {}", short(&location, 200)));
        }
        if let Some(q) = rest.strip_prefix('?') {
            if q.contains('#') {
                return Err(format!("query and fragment at once: {location}"));
            }
            return Ok(AzOutcome::Back(Mode::Query, query_pairs(q)));
        }
        if let Some(f) = rest.strip_prefix('#') {
            return Ok(AzOutcome::Back(Mode::Fragment, query_pairs(f)));
        }
        return Err(format!("redirect to {}", short(&location, 200)));
    }
    if status == StatusCode::OK {
        let Some((action, fields)) = form_post_fields(body) else {
            return Err(format!("200 that is not a form_post: {}", short(body, 300)));
        };
        if action != oracle.redirect_uri {
            return Err(format!("form_post to {action}"));
        }
        if !header(h, "content-security-policy").contains("script-src 'nonce-") {
            return Err("form_post without a CSP nonce".into());
        }
        return Ok(AzOutcome::Back(Mode::FormPost, fields));
    }
    Err(format!(
        "unexpected {status} Location={location:?} {}",
        short(body, 200)
    ))
}

/// Checks a response against the oracle; returns a short outcome label.
fn check_authorize(
    base: &str,
    case: &AzCase,
    oracle: &AzOracle,
    outcome: AzOutcome,
) -> Result<String, String> {
    let form = Form::parse(&case.body);
    let (mode, params) = match (&oracle.expect, outcome) {
        (AzExpect::Page, AzOutcome::Page) => return Ok("page".into()),
        (AzExpect::Page, _) => {
            return Err("expected our own error page (untrusted client or redirect_uri)".into())
        }
        (_, AzOutcome::Page) => {
            return Err(format!(
                "our error page, though the client and redirect_uri are valid (expected {})",
                match &oracle.expect {
                    AzExpect::Error(e) => format!("error in {e:?}"),
                    _ => "success or login".into(),
                }
            ))
        }
        (AzExpect::Error(e), AzOutcome::Login(_)) => {
            return Err(format!("sent to log in, expected error in {e:?}"))
        }
        (AzExpect::Valid(_), AzOutcome::Login(l)) => {
            let prompt = words(form.get("prompt"));
            let may_relogin = prompt.contains(&"login")
                || form.get("max_age").is_some()
                || form.get("mq_auth_after").is_some();
            if prompt.contains(&"none") {
                return Err("prompt=none must never show the login page".into());
            }
            if case.session && !may_relogin {
                return Err(format!("signed in, yet sent to log in: {l}"));
            }
            return Ok("login".into());
        }
        (_, AzOutcome::Back(mode, params)) => (mode, params),
    };
    if mode != oracle.mode {
        return Err(format!(
            "response in {mode:?} mode, expected {:?}: {params:?}",
            oracle.mode
        ));
    }
    if mode == Mode::Query
        && (params.contains_key("access_token") || params.contains_key("id_token"))
    {
        return Err("tokens in a query string".into());
    }
    if params.get("state").map(String::as_str) != oracle.state.as_deref() {
        return Err(format!(
            "state {:?}, expected {:?}",
            params.get("state").map(|s| short(s, 60)),
            oracle.state.as_deref().map(|s| short(s, 60))
        ));
    }
    if params.get("iss").map(String::as_str) != Some(base) {
        return Err(format!("iss {:?}, expected {base}", params.get("iss")));
    }
    let error = params.get("error").map(String::as_str);
    if let Some(e) = error {
        if !AUTHORIZE_ERRORS.contains(&e) {
            return Err(format!("error {e:?} is not an RFC error code"));
        }
        if ["code", "access_token", "id_token"]
            .iter()
            .any(|k| params.contains_key(*k))
        {
            return Err(format!(
                "an error response with a code or token: {params:?}"
            ));
        }
    }
    match (&oracle.expect, error) {
        (AzExpect::Error(codes), Some(e)) if codes.contains(&e) => Ok(format!("error:{e}")),
        (AzExpect::Error(codes), e) => Err(format!(
            "error {e:?}, expected one of {codes:?} ({:?})",
            params.get("error_description")
        )),
        (AzExpect::Valid(_), Some("login_required")) => {
            let prompt = words(form.get("prompt"));
            let stale = form.get("max_age").is_some() || form.get("mq_auth_after").is_some();
            if prompt.contains(&"none") && (!case.session || stale) {
                Ok("error:login_required".into())
            } else {
                Err("login_required without prompt=none and a missing or stale session".into())
            }
        }
        (AzExpect::Valid(_), Some(e)) => Err(format!(
            "error {e:?} for a valid request ({:?})",
            params.get("error_description")
        )),
        (AzExpect::Valid(rt), None) => {
            if !case.session {
                return Err("a code or tokens without a session".into());
            }
            for (key, wanted) in [
                ("code", rt.code),
                ("id_token", rt.id_token),
                ("access_token", rt.token),
            ] {
                if params.contains_key(key) != wanted {
                    return Err(format!("{key} present: {}, expected {wanted}", !wanted));
                }
            }
            Ok(format!("success:{mode:?}"))
        }
        (AzExpect::Page, _) => unreachable!(),
    }
}

async fn run_authorize_case(
    s: &Server,
    cookie: &str,
    clients: &[Client],
    case: &AzCase,
) -> Result<String, String> {
    let url = format!("{}/authorize", s.base);
    if !case.post && case.body.len() > 65_000 {
        // Longer than an `http::Uri` may be: reqwest cannot send it, and
        // the server's HTTP layer must refuse it before our code runs.
        let q = String::from_utf8_lossy(&case.body);
        let status = raw_get(&s.base, &format!("/authorize?{q}"));
        return match status {
            Some(400 | 414 | 431) => Ok("uri-too-long".into()),
            other => Err(format!("a {} byte URI got {other:?}", case.body.len())),
        };
    }
    let mut req = if case.post {
        let mut r = client().post(&url).body(case.body.clone());
        if let Some(ct) = case.content_type {
            r = r.header(CONTENT_TYPE, ct);
        }
        r
    } else {
        let q = String::from_utf8(case.body.clone()).expect("GET cases are ASCII");
        client().get(format!("{url}?{q}"))
    };
    if case.session {
        req = req.header(COOKIE, cookie);
    }
    let res = req
        .send()
        .await
        .map_err(|e| format!("request failed: {e}"))?;
    let status = res.status();
    let headers = res.headers().clone();
    let body = res.text().await.unwrap_or_default();
    let form = Form::parse(&case.body);
    let oracle = authorize_oracle(&form, clients, case.body.len() > BODY_LIMIT);
    let outcome = az_outcome(&oracle, status, &headers, &body)?;
    if let AzOutcome::Login(l) = &outcome {
        // The login page itself must cope with whatever it is asked to resume.
        let page = client()
            .get(format!("{}{l}", s.base))
            .send()
            .await
            .map_err(|e| format!("login page: {e}"))?;
        let status = page.status();
        // Read it all, as a browser would.
        let _ = page.text().await;
        if status.is_server_error() {
            return Err(format!("the login page answers {status}"));
        }
    }
    check_authorize(&s.base, case, &oracle, outcome)
}

/// The status of a GET sent over a plain socket.
fn raw_get(base: &str, target: &str) -> Option<u16> {
    use std::io::{Read, Write};
    let addr = base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(addr).ok()?;
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .ok()?;
    let req = format!("GET {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    // The server may answer and close before reading everything.
    let _ = stream.write_all(req.as_bytes());
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).ok()?;
    std::str::from_utf8(&head[9..12]).ok()?.parse().ok()
}

#[tokio::test]
async fn authorize_property() {
    let s = server().await;
    let cookie = s.sign_in(ADMIN.0, ADMIN.1).await;
    let clients = clients(&s.base);
    let seed = seed();
    let n = case_count(400);
    let mut rng = StdRng::seed_from_u64(seed);
    let mut failures = Vec::new();
    let mut tally: HashMap<String, usize> = HashMap::new();
    for i in 0..n {
        let case = gen_authorize(&mut rng, &s.base, &clients);
        match run_authorize_case(&s, &cookie, &clients, &case).await {
            Ok(label) => *tally.entry(label).or_default() += 1,
            Err(m) => failures.push(format!("#{i}: {}\n    {m}", case.describe())),
        }
    }
    finish("/authorize", seed, n, &failures, &tally);
    // The generator must actually reach every kind of outcome.
    if n >= 400 {
        for label in [
            "page",
            "login",
            "error:invalid_scope",
            "error:request_not_supported",
            "success:Query",
            "success:Fragment",
            "success:FormPost",
            "error:invalid_request",
            "error:unsupported_response_type",
            "error:unauthorized_client",
            "error:login_required",
            "error:invalid_target",
        ] {
            assert!(
                tally.get(label).copied().unwrap_or(0) >= 2,
                "the generator rarely produces {label}: {tally:?}"
            );
        }
    }
}

// ---------------------------------------------------------------------------
// /oauth/token

struct CodeInfo {
    client: &'static str,
    redirect_uri: String,
    pkce: bool,
    used: bool,
    grant: usize,
}

struct RefreshInfo {
    client: &'static str,
    used: bool,
    grant: usize,
}

struct GrantInfo {
    client: &'static str,
    revoked: bool,
    scope: Vec<String>,
    access_tokens: Vec<String>,
}

/// What the server should know: codes, refresh tokens and their grants.
#[derive(Default)]
struct Model {
    codes: Vec<(String, CodeInfo)>,
    refresh: Vec<(String, RefreshInfo)>,
    grants: Vec<GrantInfo>,
}

/// A fresh authorization code for `client` (sample-app or orders-spa).
async fn mint(s: &Server, cookie: &str, c: &Client, pkce: bool, model: &mut Model) -> String {
    let redirect_uri = c.callbacks[0].clone();
    let mut url = format!(
        "{}/authorize?client_id={}&response_type=code&scope=openid%20offline_access&state=m&redirect_uri={}",
        s.base,
        c.id,
        enc(&redirect_uri)
    );
    if pkce {
        url.push_str(&format!(
            "&code_challenge={CHALLENGE}&code_challenge_method=S256"
        ));
    }
    let res = client()
        .get(&url)
        .header(COOKIE, cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FOUND, "minting a code: {url}");
    let loc = header(res.headers(), LOCATION);
    let code = query_pairs(loc.split_once('?').map(|x| x.1).unwrap_or(""))
        .remove("code")
        .unwrap_or_else(|| panic!("no code in {loc}"));
    model.grants.push(GrantInfo {
        client: c.id,
        revoked: false,
        scope: vec!["openid".into(), "offline_access".into()],
        access_tokens: vec![],
    });
    model.codes.push((
        code.clone(),
        CodeInfo {
            client: c.id,
            redirect_uri,
            pkce,
            used: false,
            grant: model.grants.len() - 1,
        },
    ));
    code
}

struct TokenCase {
    content_type: Option<String>,
    authorization: Option<String>,
    body: Vec<u8>,
}

impl TokenCase {
    fn describe(&self) -> String {
        format!(
            "POST /oauth/token [Content-Type: {:?}; Authorization: {:?}] {}",
            self.content_type,
            self.authorization.as_deref().map(|a| short(a, 80)),
            describe(&self.body)
        )
    }
}

fn basic(id: &str, secret: &str) -> String {
    format!(
        "Basic {}",
        STANDARD.encode(format!("{}:{}", enc(id), enc(secret)))
    )
}

async fn gen_token(
    rng: &mut StdRng,
    s: &Server,
    cookie: &str,
    clients: &[Client],
    model: &mut Model,
) -> TokenCase {
    let client_id = pick(
        rng,
        &[
            "sample-app",
            "sample-app",
            "sample-app",
            "sample-app",
            "sample-app",
            "sample-app",
            "sample-app",
            "orders-spa",
            "orders-spa",
            "orders-spa",
            "orders-spa",
            BOOT_ID,
            BOOT_ID,
            BOOT_ID,
            BOOT_ID,
            "reporting-service",
            "reporting-service",
            "nope",
            "nope",
            "raw:%FFx",
            "raw:sample-app%00",
        ],
    );
    let known = find(clients, client_id);
    let machine = known.is_some_and(|c| c.allows("client_credentials"));
    let mut segs: Vec<String> = Vec::new();
    let r: f64 = rng.gen();
    let grant_type = match (machine, r) {
        (true, r) if r < 0.6 => "client_credentials",
        (false, r) if r < 0.5 => "authorization_code",
        (false, r) if r < 0.75 => "refresh_token",
        (_, r) if r < 0.85 => *["authorization_code", "refresh_token", "client_credentials"]
            .choose(rng)
            .unwrap(),
        (_, r) if r < 0.95 => pick(
            rng,
            &[
                "password",
                "implicit",
                "urn:ietf:params:oauth:grant-type:device_code",
                "AUTHORIZATION_CODE",
                "raw:authorization_code%FF",
                "~10k",
            ],
        ),
        _ => "",
    };
    if !grant_type.is_empty() {
        segs.push(seg("grant_type", grant_type));
    }
    let base = &s.base;
    match grant_type {
        "authorization_code" => {
            let roll: f64 = rng.gen();
            let used = model.codes.iter().filter(|c| c.1.used).count();
            let code_idx = if roll < 0.55 || (roll < 0.7 && used == 0) {
                let c = match known {
                    Some(c) if !c.callbacks.is_empty() => c,
                    _ => &clients[0],
                };
                let pkce = !c.confidential() || rng.gen_bool(0.5);
                mint(s, cookie, c, pkce, model).await;
                Some(model.codes.len() - 1)
            } else if roll < 0.7 {
                let used: Vec<usize> = (0..model.codes.len())
                    .filter(|&i| model.codes[i].1.used)
                    .collect();
                used.choose(rng).copied()
            } else {
                None
            };
            match code_idx {
                Some(i) => segs.push(format!("code={}", enc(&model.codes[i].0))),
                None if rng.gen_bool(0.8) => segs.push(seg(
                    "code",
                    pick(rng, &["garbage", "~4k", "~10k", "raw:%FF%FE", "raw:%00"]),
                )),
                None => {}
            }
            let (redirect, pkce) = match code_idx {
                Some(i) => (model.codes[i].1.redirect_uri.clone(), model.codes[i].1.pkce),
                None => (format!("{base}/sample-app/callback"), false),
            };
            if rng.gen_bool(0.8) {
                segs.push(seg("redirect_uri", &redirect));
            } else if rng.gen_bool(0.7) {
                let wrong = pick(rng, &["https://evil.example/cb", SPA_CALLBACK, "raw:%FF"]);
                segs.push(seg("redirect_uri", wrong));
            }
            let verifier = if pkce && rng.gen_bool(0.75) || !pkce && rng.gen_bool(0.1) {
                Some(VERIFIER)
            } else if pkce && rng.gen_bool(0.7) {
                Some(pick(rng, &[WRONG_VERIFIER, "short", "~10k", "raw:%FF"]))
            } else {
                None
            };
            if let Some(v) = verifier {
                segs.push(seg("code_verifier", v));
            }
        }
        "refresh_token" => {
            let roll: f64 = rng.gen();
            let mine: Vec<usize> = (0..model.refresh.len())
                .filter(|&i| !model.refresh[i].1.used && model.refresh[i].1.client == client_id)
                .collect();
            let used: Vec<usize> = (0..model.refresh.len())
                .filter(|&i| model.refresh[i].1.used)
                .collect();
            let idx = if roll < 0.55 {
                mine.choose(rng).copied().or_else(|| {
                    (0..model.refresh.len())
                        .collect::<Vec<_>>()
                        .choose(rng)
                        .copied()
                })
            } else if roll < 0.7 {
                used.choose(rng).copied()
            } else {
                None
            };
            match idx {
                Some(i) => segs.push(format!("refresh_token={}", enc(&model.refresh[i].0))),
                None if rng.gen_bool(0.7) => segs.push(seg(
                    "refresh_token",
                    pick(rng, &["garbage", "~10k", "raw:%FF"]),
                )),
                None => {}
            }
            if rng.gen_bool(0.25) {
                segs.push(seg(
                    "scope",
                    pick(
                        rng,
                        &[
                            "openid",
                            "openid offline_access",
                            "openid email",
                            "offline_access",
                        ],
                    ),
                ));
            }
        }
        "client_credentials" => {
            let mgmt = format!("{base}/api/v1/");
            let target = *[
                mgmt.as_str(),
                mgmt.as_str(),
                mgmt.as_str(),
                mgmt.as_str(),
                mgmt.as_str(),
                mgmt.as_str(),
                ORDERS_API,
                "https://unknown.example/",
                "raw:https%3A%2F%2Fapi.orders.example%2F%00",
                "",
                "",
            ]
            .choose(rng)
            .unwrap();
            if !target.is_empty() {
                let name = if rng.gen_bool(0.8) {
                    "audience"
                } else {
                    "resource"
                };
                segs.push(seg(name, target));
            }
            if rng.gen_bool(0.4) {
                segs.push(seg(
                    "scope",
                    pick(
                        rng,
                        &[
                            "users:read",
                            "users:read apis:read",
                            "users:read bogus:perm",
                            "openid",
                        ],
                    ),
                ));
            }
        }
        _ => {}
    }

    // Client authentication.
    let good_secret = match known.map(|c| c.secret) {
        Some(Secret::Known(s)) => s,
        _ => "not-the-secret",
    };
    let id = if let Some(raw) = client_id.strip_prefix("raw:") {
        url::form_urlencoded::parse(format!("x={raw}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    } else {
        client_id.to_string()
    };
    let public = known.is_some_and(|c| !c.confidential());
    let mut authorization = None;
    let r: f64 = rng.gen();
    if r < 0.32 {
        if public {
            segs.push(format!("client_id={}", val(client_id)));
        } else {
            authorization = Some(basic(&id, good_secret));
        }
    } else if r < 0.55 {
        segs.push(format!("client_id={}", val(client_id)));
        if !public {
            segs.push(seg("client_secret", good_secret));
        }
    } else if r < 0.63 {
        authorization = Some(basic(&id, "wrong-secret"));
    } else if r < 0.71 {
        segs.push(format!("client_id={}", val(client_id)));
        segs.push(seg("client_secret", "wrong-secret"));
    } else if r < 0.77 {
        segs.push(format!("client_id={}", val(client_id)));
    } else if r < 0.82 {
        // No client authentication at all.
    } else if r < 0.87 {
        authorization = Some(basic(&id, good_secret));
        segs.push(seg("client_secret", good_secret));
    } else if r < 0.92 {
        authorization = Some(
            pick(
                rng,
                &[
                    "Basic !!!",
                    "Bearer abc",
                    "Basic",
                    "Basic bm8tY29sb24=",
                    "Basic /w==",
                    "Digest username=\"x\"",
                ],
            )
            .to_string(),
        );
    } else if r < 0.96 {
        authorization = Some(basic(&id, good_secret));
        segs.push(seg("client_id", "someone-else"));
    } else {
        authorization = Some(basic(&id, ""));
    }

    mutate(
        rng,
        &mut segs,
        &[
            "raw:foo=bar",
            "raw:x%FF=1",
            "raw:client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer",
            "raw:nonce=abc",
            "raw:bare",
            "raw:",
            "raw:%%%",
        ],
    );
    let mut body = segs.join("&").into_bytes();
    let r: f64 = rng.gen();
    let content_type = if r < 0.86 {
        Some(FORM.to_string())
    } else if r < 0.9 {
        Some(format!("{FORM}; charset=UTF-8"))
    } else if r < 0.94 {
        let form = Form::parse(&body);
        body = serde_json::to_vec(&form.map).unwrap();
        Some("application/json".to_string())
    } else if r < 0.96 {
        None
    } else if r < 0.98 {
        Some("text/plain".to_string())
    } else {
        Some("multipart/form-data; boundary=x".to_string())
    };
    let r: f64 = rng.gen();
    if r < 0.05 {
        body = pick(
            rng,
            &[
                &b"{\"grant_type\":\"client_credentials\"}"[..],
                &b"\xff\xfe\x00garbage=\xff"[..],
                &b"grant_type=client_credentials&\xff\xfe=1"[..],
                &b"%%%%&&=="[..],
                &b""[..],
                &b"\x00\x00"[..],
            ],
        )
        .to_vec();
    } else if r < 0.06 {
        body = vec![b'a'; BODY_LIMIT + 1024];
    } else if r < 0.08 {
        body.extend_from_slice(b"&note=\xc3\x28\xff");
    }
    TokenCase {
        content_type,
        authorization,
        body,
    }
}

/// Mirrors RFC 6749 §2.3.1: `Basic base64(urlencode(id):urlencode(secret))`.
fn parse_basic(v: &str) -> Option<(String, String)> {
    let b64 = v
        .strip_prefix("Basic ")
        .or_else(|| v.strip_prefix("basic "))?;
    let text = String::from_utf8(STANDARD.decode(b64.trim()).ok()?).ok()?;
    let (id, secret) = text.split_once(':')?;
    let un = |s: &str| {
        url::form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    let (id, secret) = (un(id), un(secret));
    (!id.contains('\0') && !secret.contains('\0')).then_some((id, secret))
}

enum TokExpect {
    Error(Vec<&'static str>),
    Success {
        refresh: bool,
        id_token: bool,
        grant: Option<usize>,
    },
}

/// What RFC 6749 §3.2 and §5 ask of this request, updating the model as
/// the server must (codes and refresh tokens are single-use).
fn token_oracle(case: &TokenCase, clients: &[Client], base: &str, model: &mut Model) -> TokExpect {
    use TokExpect::Error as E;
    let is_form = case
        .content_type
        .as_deref()
        .is_some_and(|c| c.starts_with(FORM));
    if !is_form || case.body.len() > BODY_LIMIT {
        return E(vec!["invalid_request"]);
    }
    let form = Form::parse(&case.body);
    if form.malformed() {
        return E(vec!["invalid_request"]);
    }
    // Client authentication.
    let (id, secret) = match &case.authorization {
        Some(h) => {
            let Some((id, secret)) = parse_basic(h) else {
                return E(vec!["invalid_client"]);
            };
            if form.get("client_secret").is_some() {
                return E(vec!["invalid_request"]);
            }
            if form.get("client_id").is_some_and(|b| b != id) {
                return E(vec!["invalid_request"]);
            }
            (id, Some(secret))
        }
        None => match form.get("client_id") {
            Some(id) => (
                id.to_string(),
                form.get("client_secret").map(str::to_string),
            ),
            None => return E(vec!["invalid_client"]),
        },
    };
    let Some(client) = find(clients, &id) else {
        return E(vec!["invalid_client"]);
    };
    match (client.secret, secret.as_deref()) {
        (Secret::Known(good), Some(s)) if s == good => {}
        (Secret::Public, None) => {}
        _ => return E(vec!["invalid_client"]),
    }
    // The grant type.
    let Some(grant_type) = form.get("grant_type") else {
        return E(vec!["invalid_request"]);
    };
    if !["authorization_code", "refresh_token", "client_credentials"].contains(&grant_type) {
        return E(vec!["unsupported_grant_type"]);
    }
    if !client.allows(grant_type) {
        return E(vec!["unauthorized_client"]);
    }
    match grant_type {
        "authorization_code" => {
            let Some(code) = form.get("code") else {
                return E(vec!["invalid_request"]);
            };
            let Some((_, info)) = model.codes.iter_mut().find(|(c, _)| c == code) else {
                return E(vec!["invalid_grant"]);
            };
            if info.used {
                model.grants[info.grant].revoked = true;
                return E(vec!["invalid_grant"]);
            }
            info.used = true;
            let pkce_ok = match (info.pkce, form.get("code_verifier")) {
                (true, Some(v)) => v == VERIFIER,
                (true, None) => false,
                (false, Some(_)) => false,
                (false, None) => client.confidential(),
            };
            if info.client != client.id
                || form.get("redirect_uri") != Some(info.redirect_uri.as_str())
                || !pkce_ok
            {
                return E(vec!["invalid_grant"]);
            }
            TokExpect::Success {
                refresh: true,
                id_token: true,
                grant: Some(info.grant),
            }
        }
        "refresh_token" => {
            let Some(token) = form.get("refresh_token") else {
                return E(vec!["invalid_request"]);
            };
            let Some((_, info)) = model.refresh.iter_mut().find(|(t, _)| t == token) else {
                return E(vec!["invalid_grant"]);
            };
            let grant = &mut model.grants[info.grant];
            if info.used {
                grant.revoked = true;
                return E(vec!["invalid_grant"]);
            }
            info.used = true;
            if grant.revoked || info.client != client.id {
                return E(vec!["invalid_grant"]);
            }
            let asked = words(form.get("scope"));
            if asked.iter().any(|s| !grant.scope.iter().any(|g| g == s)) {
                return E(vec!["invalid_scope"]);
            }
            TokExpect::Success {
                refresh: true,
                id_token: form.get("scope").is_none() || asked.contains(&"openid"),
                grant: Some(info.grant),
            }
        }
        _ => {
            let Some(target) = form.get("audience").or_else(|| form.get("resource")) else {
                return E(vec!["invalid_request"]);
            };
            if !client.apis.iter().any(|a| a == target) {
                return E(vec!["invalid_target"]);
            }
            let mgmt = format!("{base}/api/v1/");
            let perms = [
                "users:read",
                "users:write",
                "applications:read",
                "applications:write",
                "connections:read",
                "connections:write",
                "apis:read",
                "apis:write",
                "impersonation:create",
                "impersonation:read",
            ];
            if target == mgmt && words(form.get("scope")).iter().any(|s| !perms.contains(s)) {
                return E(vec!["invalid_scope"]);
            }
            TokExpect::Success {
                refresh: false,
                id_token: false,
                grant: None,
            }
        }
    }
}

/// Sends a token request and checks the response; returns a label.
async fn run_token_case(
    s: &Server,
    clients: &[Client],
    case: &TokenCase,
    model: &mut Model,
) -> Result<String, String> {
    let expect = token_oracle(case, clients, &s.base, model);
    let mut req = client()
        .post(format!("{}/oauth/token", s.base))
        .body(case.body.clone());
    if let Some(ct) = &case.content_type {
        req = req.header(CONTENT_TYPE, ct);
    }
    if let Some(a) = &case.authorization {
        req = req.header(AUTHORIZATION, a);
    }
    let res = req
        .send()
        .await
        .map_err(|e| format!("request failed: {e}"))?;
    let status = res.status();
    let h = res.headers().clone();
    let text = res.text().await.unwrap_or_default();
    if status.is_server_error() {
        return Err(format!("server error {status}: {}", short(&text, 300)));
    }
    if header(&h, "cache-control") != "no-store" {
        return Err(format!(
            "{status} without Cache-Control: no-store: {}",
            short(&text, 200)
        ));
    }
    if !header(&h, CONTENT_TYPE).starts_with("application/json") {
        return Err(format!(
            "{status} {:?} is not JSON: {}",
            header(&h, CONTENT_TYPE),
            short(&text, 200)
        ));
    }
    let body: Value = serde_json::from_str(&text).map_err(|_| {
        format!(
            "{status} with a body that is not JSON: {}",
            short(&text, 200)
        )
    })?;
    match expect {
        TokExpect::Error(codes) => {
            let e = body["error"].as_str().unwrap_or("");
            if !TOKEN_ERRORS.contains(&e) || !codes.contains(&e) {
                return Err(format!("{status} {body}, expected one of {codes:?}"));
            }
            let want = if e == "invalid_client" {
                StatusCode::UNAUTHORIZED
            } else {
                StatusCode::BAD_REQUEST
            };
            if status != want {
                return Err(format!("{status} for {e}, expected {want}"));
            }
            if e == "invalid_client"
                && case.authorization.is_some()
                && !header(&h, "www-authenticate").starts_with("Basic")
            {
                return Err("invalid_client after Basic without WWW-Authenticate: Basic".into());
            }
            Ok(format!("error:{e}"))
        }
        TokExpect::Success {
            refresh,
            id_token,
            grant,
        } => {
            if status != StatusCode::OK {
                return Err(format!("{status} {body}, expected success"));
            }
            let Some(at) = body["access_token"].as_str() else {
                return Err(format!("no access_token: {body}"));
            };
            if body["token_type"] != "Bearer" {
                return Err(format!("token_type: {body}"));
            }
            if body["id_token"].is_string() != id_token {
                return Err(format!("id_token expected: {id_token}: {body}"));
            }
            match (refresh, body["refresh_token"].as_str(), grant) {
                (true, Some(rt), Some(g)) => {
                    let client = model.grants[g].client;
                    model.refresh.push((
                        rt.to_string(),
                        RefreshInfo {
                            client,
                            used: false,
                            grant: g,
                        },
                    ));
                }
                (false, None, _) => {}
                _ => return Err(format!("refresh_token expected: {refresh}: {body}")),
            }
            if let Some(g) = grant {
                model.grants[g].access_tokens.push(at.to_string());
            }
            Ok("success".into())
        }
    }
}

async fn introspect(s: &Server, token: &str) -> Value {
    client()
        .post(format!("{}/oauth/introspect", s.base))
        .basic_auth("sample-app", Some(SAMPLE_SECRET))
        .form(&[("token", token)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn token_property() {
    token_property_on(server().await, case_count(400)).await;
}

/// PostgreSQL refuses some strings SQLite stores (NUL characters).
#[tokio::test]
async fn postgres_token_property() {
    token_property_on(
        postgres_server_with_env(BOOT_ENV).await,
        case_count(400) / 2,
    )
    .await;
}

async fn token_property_on(s: Server, n: usize) {
    let cookie = s.sign_in(ADMIN.0, ADMIN.1).await;
    let clients = clients(&s.base);
    let seed = seed();
    let mut rng = StdRng::seed_from_u64(seed ^ 0x746f6b);
    let mut model = Model::default();
    let mut failures = Vec::new();
    let mut tally: HashMap<String, usize> = HashMap::new();
    for i in 0..n {
        let case = gen_token(&mut rng, &s, &cookie, &clients, &mut model).await;
        match run_token_case(&s, &clients, &case, &mut model).await {
            Ok(label) => *tally.entry(label).or_default() += 1,
            Err(m) => failures.push(format!("#{i}: {}\n    {m}", case.describe())),
        }
    }
    // Replays revoke the grant: every access token issued from it stops
    // being active (RFC 6749 §4.1.2, RFC 9700 §4.14.2).
    let mut checked = 0;
    for (g, grant) in model.grants.iter().enumerate() {
        for at in &grant.access_tokens {
            let active = introspect(&s, at).await["active"] == true;
            checked += 1;
            if active == grant.revoked {
                failures.push(format!(
                    "grant #{g}: access token active={active}, but the grant revoked={}",
                    grant.revoked
                ));
            }
        }
    }
    *tally.entry("introspected".into()).or_default() += checked;
    *tally.entry("revoked grants".into()).or_default() +=
        model.grants.iter().filter(|g| g.revoked).count();
    finish("/oauth/token", seed, n, &failures, &tally);
    if n >= 400 {
        for label in [
            "success",
            "error:invalid_request",
            "error:invalid_client",
            "error:invalid_grant",
            "error:unauthorized_client",
            "error:unsupported_grant_type",
            "error:invalid_scope",
            "error:invalid_target",
            "revoked grants",
        ] {
            assert!(
                tally.get(label).copied().unwrap_or(0) >= 2,
                "the generator rarely produces {label}: {tally:?}"
            );
        }
    }
}

// ---------------------------------------------------------------------------
// Named scenarios, one assertion each, for readable regressions.

async fn token_call(
    s: &Server,
    basic_auth: Option<(&str, &str)>,
    content_type: Option<&str>,
    body: impl Into<reqwest::Body>,
) -> (StatusCode, HeaderMap, Value) {
    let mut req = client().post(format!("{}/oauth/token", s.base)).body(body);
    if let Some((id, secret)) = basic_auth {
        req = req.basic_auth(id, Some(secret));
    }
    if let Some(ct) = content_type {
        req = req.header(CONTENT_TYPE, ct);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    let h = res.headers().clone();
    let text = res.text().await.unwrap();
    let v = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, h, v)
}

fn form(pairs: &[(&str, &str)]) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    s.finish()
}

#[track_caller]
fn expect_error(what: &str, got: &(StatusCode, HeaderMap, Value), code: &str) {
    let (status, h, body) = got;
    let want = if code == "invalid_client" { 401 } else { 400 };
    assert!(
        status.as_u16() == want
            && body["error"] == code
            && header(h, "cache-control") == "no-store",
        "{what}: expected {want} {code} with no-store, got {status} {body} {h:?}"
    );
}

#[tokio::test]
async fn token_scenarios() {
    let s = server().await;
    let cookie = s.sign_in(ADMIN.0, ADMIN.1).await;
    let clients = clients(&s.base);
    let sample = &clients[0];
    let spa = &clients[1];
    let cb = sample.callbacks[0].clone();
    let mut model = Model::default();
    let sample_auth = Some(("sample-app", SAMPLE_SECRET));
    let exchange = |code: String, redirect: String, verifier: Option<&'static str>| {
        let mut p = vec![
            ("grant_type", "authorization_code".to_string()),
            ("code", code),
            ("redirect_uri", redirect),
        ];
        if let Some(v) = verifier {
            p.push(("code_verifier", v.to_string()));
        }
        url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(p)
            .finish()
    };

    // Unknown client, wrong secret (Basic and post), both methods at once.
    let cc = form(&[
        ("grant_type", "client_credentials"),
        ("audience", ORDERS_API),
    ]);
    let r = token_call(&s, Some(("nobody", "x")), Some(FORM), cc.clone()).await;
    expect_error("unknown client (Basic)", &r, "invalid_client");
    assert!(
        header(&r.1, "www-authenticate").starts_with("Basic"),
        "{:?}",
        r.1
    );
    let r = token_call(&s, Some(("sample-app", "wrong")), Some(FORM), cc.clone()).await;
    expect_error("wrong secret (Basic)", &r, "invalid_client");
    assert!(
        header(&r.1, "www-authenticate").starts_with("Basic"),
        "{:?}",
        r.1
    );
    let body = form(&[
        ("grant_type", "client_credentials"),
        ("client_id", "sample-app"),
        ("client_secret", "wrong"),
    ]);
    expect_error(
        "wrong secret (post)",
        &token_call(&s, None, Some(FORM), body).await,
        "invalid_client",
    );
    let body = form(&[
        ("grant_type", "client_credentials"),
        ("client_secret", SAMPLE_SECRET),
    ]);
    expect_error(
        "Basic and client_secret at once",
        &token_call(&s, sample_auth, Some(FORM), body).await,
        "invalid_request",
    );
    let body = form(&[
        ("grant_type", "client_credentials"),
        ("client_id", BOOT_ID),
        ("client_secret", BOOT_SECRET),
        ("audience", ORDERS_API),
    ]);
    expect_error(
        "an API the client is not authorized for",
        &token_call(&s, None, Some(FORM), body).await,
        "invalid_target",
    );
    let body = form(&[
        ("grant_type", "client_credentials"),
        ("audience", &format!("{}/api/v1/", s.base)),
    ]);
    let (status, _, ok) = token_call(&s, Some((BOOT_ID, BOOT_SECRET)), Some(FORM), body).await;
    assert_eq!(status, StatusCode::OK, "client_credentials: {ok}");

    // NUL is never part of a parameter (PostgreSQL answered these with 500).
    let body = "grant_type=client_credentials&client_id=sample-app%00&client_secret=x";
    expect_error(
        "a NUL in client_id",
        &token_call(&s, None, Some(FORM), body).await,
        "invalid_request",
    );
    let r = token_call(&s, Some(("sample-app\0", "x")), Some(FORM), cc.clone()).await;
    expect_error("a NUL in the Basic client id", &r, "invalid_client");

    // Grant types.
    for (gt, code) in [
        ("password", "unsupported_grant_type"),
        (
            "urn:ietf:params:oauth:grant-type:device_code",
            "unsupported_grant_type",
        ),
        ("client_credentials", "unauthorized_client"),
    ] {
        let body = form(&[("grant_type", gt), ("audience", ORDERS_API)]);
        expect_error(
            gt,
            &token_call(&s, sample_auth, Some(FORM), body).await,
            code,
        );
    }
    expect_error(
        "no grant_type",
        &token_call(&s, sample_auth, Some(FORM), "").await,
        "invalid_request",
    );
    expect_error(
        "a repeated grant_type",
        &token_call(
            &s,
            sample_auth,
            Some(FORM),
            "grant_type=client_credentials&grant_type=authorization_code",
        )
        .await,
        "invalid_request",
    );

    // Content type and body.
    expect_error(
        "JSON body",
        &token_call(
            &s,
            sample_auth,
            Some("application/json"),
            r#"{"grant_type":"authorization_code"}"#,
        )
        .await,
        "invalid_request",
    );
    expect_error(
        "no Content-Type",
        &token_call(&s, sample_auth, None, "grant_type=authorization_code").await,
        "invalid_request",
    );
    expect_error(
        "a body that is not UTF-8",
        &token_call(
            &s,
            sample_auth,
            Some(FORM),
            b"grant_type=authorization_code&code=\xff\xfe".to_vec(),
        )
        .await,
        "invalid_grant",
    );
    expect_error(
        "a 10 KB code",
        &token_call(
            &s,
            sample_auth,
            Some(FORM),
            format!("grant_type=authorization_code&code={}", "a".repeat(10240)),
        )
        .await,
        "invalid_request",
    );
    expect_error(
        "a body over the size limit",
        &token_call(&s, sample_auth, Some(FORM), vec![b'a'; BODY_LIMIT + 1]).await,
        "invalid_request",
    );

    // Codes: wrong redirect_uri, wrong verifier, missing verifier for a
    // public client, another client's code. Each attempt uses the code up.
    let code = mint(&s, &cookie, sample, false, &mut model).await;
    expect_error(
        "wrong redirect_uri",
        &token_call(
            &s,
            sample_auth,
            Some(FORM),
            exchange(code.clone(), format!("{cb}/"), None),
        )
        .await,
        "invalid_grant",
    );
    let code = mint(&s, &cookie, sample, true, &mut model).await;
    expect_error(
        "wrong PKCE verifier",
        &token_call(
            &s,
            sample_auth,
            Some(FORM),
            exchange(code, cb.clone(), Some(WRONG_VERIFIER)),
        )
        .await,
        "invalid_grant",
    );
    let code = mint(&s, &cookie, sample, false, &mut model).await;
    expect_error(
        "a verifier without a challenge",
        &token_call(
            &s,
            sample_auth,
            Some(FORM),
            exchange(code, cb.clone(), Some(VERIFIER)),
        )
        .await,
        "invalid_grant",
    );
    let code = mint(&s, &cookie, spa, true, &mut model).await;
    let body = exchange(code, SPA_CALLBACK.into(), None) + "&client_id=orders-spa";
    expect_error(
        "a public client without a verifier",
        &token_call(&s, None, Some(FORM), body).await,
        "invalid_grant",
    );
    let code = mint(&s, &cookie, spa, true, &mut model).await;
    expect_error(
        "another client's code",
        &token_call(
            &s,
            sample_auth,
            Some(FORM),
            exchange(code, SPA_CALLBACK.into(), Some(VERIFIER)),
        )
        .await,
        "invalid_grant",
    );
    let code = mint(&s, &cookie, spa, true, &mut model).await;
    let body = exchange(code, SPA_CALLBACK.into(), Some(VERIFIER))
        + "&client_id=orders-spa&client_secret=guess";
    expect_error(
        "a public client with a secret",
        &token_call(&s, None, Some(FORM), body).await,
        "invalid_client",
    );

    // A replayed code: invalid_grant, and what the first use issued is revoked.
    let code = mint(&s, &cookie, sample, true, &mut model).await;
    let (status, _, first) = token_call(
        &s,
        sample_auth,
        Some(FORM),
        exchange(code.clone(), cb.clone(), Some(VERIFIER)),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let at = first["access_token"].as_str().unwrap().to_string();
    let rt = first["refresh_token"].as_str().unwrap().to_string();
    assert_eq!(introspect(&s, &at).await["active"], true);
    expect_error(
        "a replayed code",
        &token_call(
            &s,
            sample_auth,
            Some(FORM),
            exchange(code, cb.clone(), Some(VERIFIER)),
        )
        .await,
        "invalid_grant",
    );
    assert_eq!(
        introspect(&s, &at).await["active"],
        false,
        "the access token from the replayed code is revoked"
    );
    let refresh = |t: &str| form(&[("grant_type", "refresh_token"), ("refresh_token", t)]);
    expect_error(
        "the refresh token from a replayed code",
        &token_call(&s, sample_auth, Some(FORM), refresh(&rt)).await,
        "invalid_grant",
    );

    // Refresh token reuse: rotation makes the old one a replay, which ends
    // the whole grant, the rotated successor included.
    let code = mint(&s, &cookie, sample, false, &mut model).await;
    let (_, _, first) = token_call(
        &s,
        sample_auth,
        Some(FORM),
        exchange(code, cb.clone(), None),
    )
    .await;
    let rt1 = first["refresh_token"].as_str().unwrap().to_string();
    let (status, _, second) = token_call(&s, sample_auth, Some(FORM), refresh(&rt1)).await;
    assert_eq!(status, StatusCode::OK, "{second}");
    let rt2 = second["refresh_token"].as_str().unwrap().to_string();
    let at2 = second["access_token"].as_str().unwrap().to_string();
    expect_error(
        "a wider scope on refresh",
        &token_call(
            &s,
            sample_auth,
            Some(FORM),
            form(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", &rt2),
                ("scope", "openid email"),
            ]),
        )
        .await,
        "invalid_scope",
    );
    expect_error(
        "a reused refresh token",
        &token_call(&s, sample_auth, Some(FORM), refresh(&rt1)).await,
        "invalid_grant",
    );
    assert_eq!(introspect(&s, &at2).await["active"], false);
    let r = client()
        .get(format!("{}/userinfo", s.base))
        .bearer_auth(&at2)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "userinfo after reuse");

    // An expired code, planted in the store: the server's own codes live
    // 60 s, too long to wait for.
    let sub = {
        let code = mint(&s, &cookie, sample, false, &mut model).await;
        let (_, _, t) = token_call(
            &s,
            sample_auth,
            Some(FORM),
            exchange(code, cb.clone(), None),
        )
        .await;
        let info: Value = client()
            .get(format!("{}/userinfo", s.base))
            .bearer_auth(t["access_token"].as_str().unwrap())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        info["sub"].as_str().unwrap().to_string()
    };
    let store = masquerade::Store::open(&s.database_url).await.unwrap();
    let now = masquerade::unix_now();
    let expired = "expired-code-planted-by-the-test";
    let grant = masquerade::store::oauth::Grant {
        id: "grt_expired_test".into(),
        client_id: "sample-app".into(),
        user_id: Some(sub.clone()),
        scope: "openid".into(),
        audience: None,
        auth_time: now - 120,
        created_at: now - 120,
        expires_at: now + 3600,
        revoked_at: 0,
        impersonation_id: None,
    };
    let record = masquerade::store::oauth::CodeRecord {
        grant_id: grant.id.clone(),
        client_id: "sample-app".into(),
        user_id: sub,
        redirect_uri: cb.clone(),
        scope: "openid".into(),
        audience: None,
        nonce: None,
        code_challenge: None,
        auth_time: now - 120,
        expires_at: now - 60,
        used_at: 0,
        impersonation_id: None,
    };
    store
        .create_grant(
            &grant,
            Some((&masquerade::secrets::hash_secret(expired), &record)),
        )
        .await
        .unwrap();
    store.close().await;
    expect_error(
        "an expired code",
        &token_call(
            &s,
            sample_auth,
            Some(FORM),
            exchange(expired.into(), cb.clone(), None),
        )
        .await,
        "invalid_grant",
    );
}
