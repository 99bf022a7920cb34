//! Named token-endpoint scenarios, one assertion each, for readable
//! regressions.

use super::token::model::{mint, Model};
use super::*;

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
    assert_eq!(s.introspect(&at).await["active"], true);
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
        s.introspect(&at).await["active"],
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
    assert_eq!(s.introspect(&at2).await["active"], false);
    assert_eq!(
        s.userinfo(&at2).await.0,
        StatusCode::UNAUTHORIZED,
        "userinfo after reuse"
    );

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
        let (_, info) = s.userinfo(t["access_token"].as_str().unwrap()).await;
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
