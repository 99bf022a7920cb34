//! Who may impersonate whom, checked at minting and again at redemption;
//! refusals that create nothing; tenant settings and the session cap.

use super::*;

pub(super) async fn policy_is_checked_again_when_the_link_is_opened(s: Server) {
    let c = setup(&s).await;

    // The user is blocked after the link was made.
    let (_, link) = mint(&s, &c, json!({})).await;
    let (status, _) = s
        .rest(
            Method::PATCH,
            &format!("/users/{}", c.target),
            Some(&c.token),
            Some(json!({"blocked": true})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    opening_is_denied(&link, "user_blocked").await;
    let id = link["impersonation_id"].as_str().unwrap();
    assert_eq!(
        events(&s, id).await.last().map(String::as_str),
        Some("impersonation.denied")
    );
    s.rest(
        Method::PATCH,
        &format!("/users/{}", c.target),
        Some(&c.token),
        Some(json!({"blocked": false})),
    )
    .await;

    // The impersonator loses the administrator role after minting.
    let (_, link) = mint(&s, &c, json!({})).await;
    execute(
        &s.database_url,
        &format!("DELETE FROM user_roles WHERE user_id = '{}'", c.admin),
    )
    .await;
    opening_is_denied(&link, "impersonator_not_permitted").await;
    execute(
        &s.database_url,
        &format!(
            "INSERT INTO user_roles (user_id, role_id) VALUES ('{}', 'rol_admin')",
            c.admin
        ),
    )
    .await;

    // The application stops allowing impersonation.
    let (_, link) = mint(&s, &c, json!({})).await;
    s.update_application(&c.token, "sample-app", |b| {
        b["allow_impersonation"] = json!(false)
    })
    .await;
    opening_is_denied(&link, "application_disallows_impersonation").await;
}

/// Opening the minted `link` gives the denied page with this reason code.
async fn opening_is_denied(link: &Value, code: &str) {
    let res = open(link["url"].as_str().unwrap()).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let page = res.text().await.unwrap();
    assert!(page.contains(code), "{code} not in {page}");
}

pub(super) async fn refusals_create_nothing(s: Server) {
    let c = setup(&s).await;
    let count = || async {
        strings(&s.database_url, "SELECT id FROM impersonations")
            .await
            .len()
    };
    let before = count().await;

    // An auditor may not impersonate (no impersonation:create).
    let auditor = s.user_id(&c.token, "auditor@masquerade.test").await;
    let (status, body) = mint(&s, &c, json!({"impersonator_id": auditor})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"], "impersonator_not_permitted");

    // Nobody impersonates an administrator, or themselves.
    let other_admin = s.user_id(&c.token, ADMIN.0).await;
    let (status, body) = s
        .rest(
            Method::POST,
            &format!("/users/{other_admin}/impersonation"),
            Some(&c.token),
            Some(json!({"impersonator_id": c.admin, "client_id": "sample-app", "reason": "r", "state": "s"})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"], "user_is_administrator");
    let (status, body) = s
        .rest(
            Method::POST,
            &format!("/users/{}/impersonation", c.admin),
            Some(&c.token),
            Some(json!({"impersonator_id": c.admin, "client_id": "sample-app", "reason": "r", "state": "s"})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"], "self_impersonation");

    // An application that does not allow it, and bad parameters.
    let (status, body) = mint(&s, &c, json!({"client_id": "reporting-service"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"], "application_disallows_impersonation");
    for (extra, field) in [
        (json!({"state": ""}), "state"),
        (json!({"state": "   "}), "state"),
        (json!({"reason": ""}), "reason"),
        (
            json!({"response_type": "token", "response_mode": "query"}),
            "response_mode",
        ),
        (json!({"response_type": "code banana"}), "response_type"),
        (
            json!({"response_mode": "app_initiated", "client_id": "orders-spa"}),
            "response_mode",
        ),
        (
            json!({"audience": "https://not-authorized.example/"}),
            "audience",
        ),
        (
            json!({"callback_url": "https://evil.example/cb"}),
            "callback_url",
        ),
        (json!({"scope": "openid \"x\""}), "scope"),
        (
            json!({"response_type": "id_token", "scope": "email", "response_mode": "fragment"}),
            "scope",
        ),
    ] {
        let (status, body) = mint(&s, &c, extra.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{extra}: {body}");
        assert!(
            body["fields"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["field"] == field),
            "{extra}: {body}"
        );
    }
    let (status, body) = s
        .rest(
            Method::POST,
            "/users/usr_missing/impersonation",
            Some(&c.token),
            Some(json!({"impersonator_id": c.admin, "client_id": "sample-app", "state": "s", "reason": "r"})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");

    // Without impersonation:create.
    let aud = format!("{}/api/v1/", s.base);
    let reader = s.m2m_token(BOOTSTRAP, &aud, Some("users:read")).await;
    let (status, body) = s
        .rest(
            Method::POST,
            &format!("/users/{}/impersonation", c.target),
            Some(&reader),
            Some(json!({"impersonator_id": c.admin, "client_id": "sample-app", "state": "s", "reason": "r"})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"], "insufficient_scope");

    assert_eq!(count().await, before, "nothing was created");
    let denied = strings(
        &s.database_url,
        "SELECT data FROM audit_events WHERE event_type = 'impersonation.denied'",
    )
    .await;
    assert!(
        denied
            .iter()
            .any(|d| d.contains("impersonator_not_permitted")),
        "refusals are audited: {denied:?}"
    );
}

/// The console's server functions, called directly: only administrators get
/// anywhere, and a refusal creates nothing.
pub(super) async fn console_server_functions_check_permission(s: Server) {
    let c = setup(&s).await;
    let count = || async {
        strings(&s.database_url, "SELECT id FROM impersonations")
            .await
            .len()
    };
    let before = count().await;
    let body = json!({
        "user_id": c.target,
        "form": {"client_id": "sample-app", "reason": "r", "ticket": "", "response_mode": "",
                 "response_type": "code", "scope": "openid", "state": "s", "audience": "", "callback_url": ""}
    });
    let post = |cookie: Option<String>| {
        let mut req = client()
            .post(format!("{}/api/create_impersonation_link", s.base))
            .header(reqwest::header::ORIGIN, &s.base)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_string());
        if let Some(c) = cookie {
            req = req.header(reqwest::header::COOKIE, c);
        }
        req.send()
    };
    let anonymous = post(None).await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    // An auditor reads the history and the live list, and does nothing else.
    let auditor = s
        .sign_in("auditor@masquerade.test", "masquerade-demo")
        .await;
    let res = post(Some(auditor.clone())).await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    for (name, expected) in [
        ("impersonation_history", StatusCode::OK),
        ("live_impersonations", StatusCode::OK),
        ("revoke_impersonation", StatusCode::FORBIDDEN),
    ] {
        let (status, body, _) = s
            .call(
                name,
                Some(&auditor),
                &[("user_id", &c.target), ("id", "imp_x")],
            )
            .await;
        assert_eq!(status, expected, "{name}: {body}");
    }
    assert_eq!(count().await, before, "nothing was created");

    // An administrator through the same door gets a link.
    let console = s.sign_in(DEMO_ADMIN, "masquerade-demo").await;
    let res = post(Some(console.clone())).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let link: Value = res.json().await.unwrap();
    assert!(link["url"].as_str().unwrap().contains("/impersonate/"));
    // Each row of the Users list knows why its button is disabled: another
    // administrator (the harness's) and yourself, but not an ordinary user.
    let (status, page, _) = s.search_users(Some(&console), "").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let reason = |email: &str| {
        page["users"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["email"] == email)
            .map(|u| u["impersonate_disabled"].clone())
            .unwrap_or_else(|| panic!("{email} not on the first page"))
    };
    assert_eq!(reason(DEMO_ADMIN), json!("You cannot sign in as yourself."));
    let ordinary = page["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| {
            u["email"] != DEMO_ADMIN
                && u["blocked"] == false
                && u["connection"] == "Username-Password-Authentication"
        })
        .unwrap();
    assert_eq!(ordinary["impersonate_disabled"], Value::Null, "{ordinary}");
    let (_, admins) = s
        .rest(
            Method::GET,
            &format!("/users?q={}", encode(ADMIN.0)),
            Some(&c.token),
            None,
        )
        .await;
    assert_eq!(
        admins["users"][0]["roles"],
        json!(["rol_admin"]),
        "search carries roles"
    );
    let (status, page, _) = s.search_users(Some(&console), ADMIN.0).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        page["users"][0]["impersonate_disabled"],
        json!("Administrators cannot be impersonated.")
    );

    // The dialog's choices name why other applications are excluded.
    let (status, options, _) = s
        .call(
            "impersonation_options",
            Some(&console),
            &[("user_id", &c.target)],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{options}");
    let sample = options["apps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["client_id"] == "sample-app")
        .unwrap();
    assert_eq!(sample["excluded"], Value::Null);
    assert!(sample["response_types"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t == "token id_token"));
}

/// Tenant settings drive the link lifetime, the reason rule and the session
/// cap; refresh tokens only when the application opts in, never past the cap.
pub(super) async fn settings_and_the_session_cap(s: Server) {
    let c = setup(&s).await;
    let (status, current) = s
        .rest(Method::GET, "/settings/impersonation", Some(&c.token), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    for (k, v) in [
        ("require_reason", json!(true)),
        ("link_ttl_secs", json!(120)),
        ("session_max_secs", json!(3600)),
        ("enabled", json!(true)),
        ("rules", json!([])),
    ] {
        assert_eq!(current[k], v, "{current}");
    }
    let (status, body) = s
        .rest(
            Method::PUT,
            "/settings/impersonation",
            Some(&c.token),
            Some(json!({"require_reason": false, "link_ttl_secs": 3600, "session_max_secs": 60})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let fields: Vec<_> = body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(fields, ["link_ttl_secs", "session_max_secs"]);
    let (status, _) = s
        .rest(
            Method::PUT,
            "/settings/impersonation",
            Some(&c.token),
            Some(json!({"require_reason": false, "link_ttl_secs": 600, "session_max_secs": 300})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    // The sample app opts in to refresh tokens for impersonated sessions.
    let updated = s
        .update_application(&c.token, "sample-app", |b| {
            b["tokens"]["impersonation_refresh"] = json!(true)
        })
        .await;
    assert_eq!(updated["tokens"]["impersonation_refresh"], true);

    let now = masquerade::unix_now();
    let (status, link) = mint(
        &s,
        &c,
        json!({"reason": "", "scope": "openid offline_access"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "no reason needed now: {link}");
    let ttl = link["expires_at"].as_i64().unwrap() - now;
    assert!((590..=601).contains(&ttl), "{ttl}");
    let res = open(link["url"].as_str().unwrap()).await;
    let q = params_of(res.headers()[LOCATION].to_str().unwrap());
    let (status, tokens) = s.sample_app_exchange(&q["code"], &c.callback, None).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let cap = masquerade::unix_now() + 300;
    let access = jwt_claims(tokens["access_token"].as_str().unwrap());
    assert!(
        access["exp"].as_i64().unwrap() <= cap,
        "access token capped"
    );
    assert!(tokens["expires_in"].as_i64().unwrap() <= 300);
    let id = jwt_claims(tokens["id_token"].as_str().unwrap());
    assert!(id["exp"].as_i64().unwrap() <= cap, "ID token capped");
    let refresh = tokens["refresh_token"]
        .as_str()
        .expect("opted in")
        .to_string();
    let expiry = strings(
        &s.database_url,
        "SELECT CAST(MAX(expires_at) AS TEXT) FROM refresh_tokens",
    )
    .await;
    assert!(
        expiry[0].parse::<i64>().unwrap() <= cap,
        "refresh token capped"
    );

    let res = client()
        .post(format!("{}/oauth/token", s.base))
        .basic_auth("sample-app", Some(SAMPLE_APP_SECRET))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let refreshed: Value = res.json().await.unwrap();
    let access = jwt_claims(refreshed["access_token"].as_str().unwrap());
    assert_eq!(access["act"]["sub"], c.admin.as_str(), "refresh keeps act");
    assert!(access["exp"].as_i64().unwrap() <= cap);
    // The refresh is on the record, for the impersonator, with its IP.
    let imp = link["impersonation_id"].as_str().unwrap();
    let refreshes = strings(
        &s.database_url,
        &format!(
            "SELECT actor_id || ' ' || ip || ' ' || COALESCE(target_id, '') FROM audit_events \
             WHERE event_type = 'impersonation.refreshed' AND data LIKE '%{imp}%'"
        ),
    )
    .await;
    assert_eq!(
        refreshes,
        vec![format!("{} 127.0.0.1 {}", c.admin, c.target)]
    );

    // Once revoked, the refresh token is dead too.
    s.rest(
        Method::POST,
        &format!("/impersonations/{imp}/revoke"),
        Some(&c.token),
        None,
    )
    .await;
    let next = refreshed["refresh_token"].as_str().unwrap();
    let res = client()
        .post(format!("{}/oauth/token", s.base))
        .basic_auth("sample-app", Some(SAMPLE_APP_SECRET))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", next)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);

    let changed = strings(
        &s.database_url,
        "SELECT data FROM audit_events WHERE event_type = 'settings.updated'",
    )
    .await;
    assert_eq!(changed.len(), 1, "the rejected change wrote nothing");
}
