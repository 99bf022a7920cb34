//! `/oauth/token`: generated requests checked against a model of the
//! codes, refresh tokens and grants the server must know.

pub(super) mod model;

mod generate;
mod oracle;

use super::*;
use generate::*;
use model::*;
use oracle::*;

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
            // Only the client a token was issued to may introspect it; the
            // public SPA may not introspect at all, so its tokens are
            // checked at /userinfo (401 once revoked).
            let active = if grant.client == "sample-app" {
                s.introspect(at).await["active"] == true
            } else {
                s.userinfo(at).await.0 != StatusCode::UNAUTHORIZED
            };
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
