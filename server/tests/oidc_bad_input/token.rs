//! `/oauth/token`: generated requests checked against a model of the
//! codes, refresh tokens and grants the server must know.

use super::*;

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
pub(super) struct Model {
    codes: Vec<(String, CodeInfo)>,
    refresh: Vec<(String, RefreshInfo)>,
    grants: Vec<GrantInfo>,
}

/// A fresh authorization code for `client` (sample-app or orders-spa).
pub(super) async fn mint(
    s: &Server,
    cookie: &str,
    c: &Client,
    pkce: bool,
    model: &mut Model,
) -> String {
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
            let active = s.introspect(at).await["active"] == true;
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
