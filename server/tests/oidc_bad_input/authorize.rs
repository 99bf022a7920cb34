//! `/authorize`: generated requests checked against the specifications.

use super::*;

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
