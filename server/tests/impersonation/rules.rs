//! The configured policy over HTTP (issue 12): rules per role at minting,
//! opening and the code exchange, with "Check access" agreeing; impersonation
//! switched off and "Revoke all"; protected users; links bound to their
//! maker; step-up; read-only tokens.

use super::*;

pub(super) const SUPPORT: &str = "support@masquerade.test";
pub(super) const DEMO_PASSWORD: &str = "masquerade-demo";

/// Changes the tenant's impersonation settings through the REST API,
/// starting from what they are now.
pub(super) async fn change_settings(s: &Server, token: &str, change: impl FnOnce(&mut Value)) {
    let (_, mut current) = s
        .rest(Method::GET, "/settings/impersonation", Some(token), None)
        .await;
    change(&mut current);
    let (status, body) = s
        .rest(
            Method::PUT,
            "/settings/impersonation",
            Some(token),
            Some(current),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

/// A new role holding these Management API permissions.
pub(super) async fn management_role(s: &Server, token: &str, name: &str, perms: &[&str]) -> String {
    let (status, role) = s
        .rest(
            Method::POST,
            "/roles",
            Some(token),
            Some(json!({"name": name})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{role}");
    let role_id = role["id"].as_str().unwrap().to_string();
    let (_, apis) = s.rest(Method::GET, "/apis", Some(token), None).await;
    let api = apis["apis"]
        .as_array()
        .and_then(|a| a.iter().find(|a| a["builtin"] == true))
        .and_then(|a| a["id"].as_str())
        .unwrap()
        .to_string();
    let perms: Vec<Value> = perms
        .iter()
        .map(|p| json!({"api_id": api, "permission": p}))
        .collect();
    let (status, body) = s
        .rest(
            Method::POST,
            &format!("/roles/{role_id}/permissions"),
            Some(token),
            Some(json!({"permissions": perms})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    role_id
}

pub(super) async fn role_named(s: &Server, token: &str, name: &str) -> String {
    let (_, list) = s
        .rest(Method::GET, &format!("/roles?q={name}"), Some(token), None)
        .await;
    list["roles"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["name"] == name))
        .and_then(|r| r["id"].as_str())
        .unwrap_or_else(|| panic!("no role {name}: {list}"))
        .to_string()
}

/// A new user of the default connection with a password and these roles.
pub(super) async fn new_user(s: &Server, token: &str, email: &str, roles: &[&str]) -> String {
    let (status, user) = s
        .rest(
            Method::POST,
            "/users",
            Some(token),
            Some(json!({"email": email, "name": email.split('@').next(), "password": "a-long-test-password-1"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{user}");
    let id = user["id"].as_str().unwrap().to_string();
    if !roles.is_empty() {
        let (status, body) = s
            .rest(
                Method::POST,
                &format!("/users/{id}/roles"),
                Some(token),
                Some(json!({"roles": roles})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    id
}

/// POST /impersonation/check.
pub(super) async fn check(s: &Server, token: &str, body: Value) -> Value {
    let (status, answer) = s
        .rest(
            Method::POST,
            "/impersonation/check",
            Some(token),
            Some(body),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    answer
}

/// Opens a link without following redirects: the status and Location.
pub(super) async fn open_with(url: &str, cookie: Option<&str>) -> (StatusCode, String, String) {
    let mut req = client().get(url);
    if let Some(c) = cookie {
        req = req.header(reqwest::header::COOKIE, c);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    let location = res
        .headers()
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (status, location, res.text().await.unwrap_or_default())
}

pub(super) async fn rules_per_role_decide_at_every_step(s: Server) {
    let c = setup(&s).await;
    let support = s.user_id(&c.token, SUPPORT).await;
    let customer_role = role_named(&s, &c.token, "Customer").await;
    let as_support = json!({"impersonator_id": support});
    let nobody = new_user(&s, &c.token, "no-role@policy.test", &[]).await;

    // "Support agents may only impersonate users with role Customer."
    change_settings(&s, &c.token, |v| {
        v["rules"] = json!([{"role_id": "rol_support", "target_roles": [customer_role]}])
    })
    .await;
    let (status, link) = mint(&s, &c, as_support.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{link}");
    let (status, body) = s
        .rest(
            Method::POST,
            &format!("/users/{nobody}/impersonation"),
            Some(&c.token),
            Some(json!({"impersonator_id": support, "client_id": "sample-app", "reason": "r", "state": "s"})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"], "rule_target_role");
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|d| d.contains("Support agent") && d.contains("no role")),
        "{body}"
    );
    // The administrator's own role has no rule: it is not held to it.
    let (status, _) = s
        .rest(
            Method::POST,
            &format!("/users/{nobody}/impersonation"),
            Some(&c.token),
            Some(json!({"impersonator_id": c.admin, "client_id": "sample-app", "reason": "r", "state": "s"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);

    // The dry run says the same, naming the rule, and writes only its event.
    let before = strings(&s.database_url, "SELECT id FROM impersonations")
        .await
        .len();
    let refused = check(
        &s,
        &c.token,
        json!({"impersonator_id": SUPPORT, "user_id": nobody, "client_id": "sample-app"}),
    )
    .await;
    assert_eq!(refused["allowed"], false, "{refused}");
    assert_eq!(refused["code"], "rule_target_role");
    assert_eq!(refused["decided_by"], "Support agent");
    assert!(refused["sentence"]
        .as_str()
        .unwrap()
        .starts_with("Denied: The role 'Support agent'"));
    let allowed = check(
        &s,
        &c.token,
        json!({"impersonator_id": support, "user_id": c.target_email, "client_id": "sample-app"}),
    )
    .await;
    assert_eq!(allowed["allowed"], true, "{allowed}");
    let by_role = check(
        &s,
        &c.token,
        json!({"role_id": "rol_support", "user_id": nobody, "client_id": "sample-app"}),
    )
    .await;
    assert_eq!(by_role["code"], "rule_target_role", "{by_role}");
    assert_eq!(
        strings(&s.database_url, "SELECT id FROM impersonations")
            .await
            .len(),
        before
    );
    assert_eq!(
        strings(
            &s.database_url,
            "SELECT event_type FROM audit_events WHERE event_type = 'impersonation.checked'"
        )
        .await
        .len(),
        3
    );

    // A rule changed after minting denies at opening, audited.
    change_settings(&s, &c.token, |v| {
        v["rules"][0]["applications"] = json!(["orders-spa"])
    })
    .await;
    opening_is_refused(&link, "rule_application").await;
    let id = link["impersonation_id"].as_str().unwrap();
    assert_eq!(
        events(&s, id).await.last().map(String::as_str),
        Some("impersonation.denied")
    );

    // … and at the code exchange: the link opened under the old rule, the
    // rule changed before the application exchanged the code.
    change_settings(&s, &c.token, |v| v["rules"][0]["applications"] = json!([])).await;
    let (_, link) = mint(&s, &c, as_support.clone()).await;
    let (status, location, _) = open_with(link["url"].as_str().unwrap(), None).await;
    assert_eq!(status, StatusCode::FOUND);
    let code = params_of(&location)["code"].clone();
    change_settings(&s, &c.token, |v| {
        v["rules"][0]["target_roles_mode"] = json!("deny")
    })
    .await;
    let (status, body) = s.sample_app_exchange(&code, &c.callback, None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"], "invalid_grant");

    // Rules naming what does not exist are refused when saved.
    let (_, mut settings) = s
        .rest(Method::GET, "/settings/impersonation", Some(&c.token), None)
        .await;
    settings["rules"] = json!([{"role_id": "rol_support", "applications": ["no-such-app"]}]);
    let (status, body) = s
        .rest(
            Method::PUT,
            "/settings/impersonation",
            Some(&c.token),
            Some(settings),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.to_string().contains("no-such-app"), "{body}");
}

/// Opening the link gives the refusal page naming `code`.
pub(super) async fn opening_is_refused(link: &Value, code: &str) {
    let (status, _, page) = open_with(link["url"].as_str().unwrap(), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{page}");
    assert!(page.contains(code), "{code} not in {page}");
}

pub(super) async fn switched_off_refuses_everything_and_revoke_all_ends_it(s: Server) {
    let c = setup(&s).await;
    let (_, unopened) = mint(&s, &c, json!({})).await;
    let (_, live) = mint(&s, &c, json!({})).await;
    let (status, location, _) = open_with(live["url"].as_str().unwrap(), None).await;
    assert_eq!(status, StatusCode::FOUND);
    let code = params_of(&location)["code"].clone();
    let (status, tokens) = s.sample_app_exchange(&code, &c.callback, None).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let access = tokens["access_token"].as_str().unwrap();
    let refresh = tokens["refresh_token"].as_str().map(String::from);

    change_settings(&s, &c.token, |v| v["enabled"] = json!(false)).await;
    let (status, body) = mint(&s, &c, json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"], "impersonation_disabled");
    opening_is_refused(&unopened, "impersonation_disabled").await;
    let answer = check(
        &s,
        &c.token,
        json!({"impersonator_id": c.admin, "user_id": c.target, "client_id": "sample-app"}),
    )
    .await;
    assert_eq!(answer["code"], "impersonation_disabled");
    // A refresh of the live one is refused too.
    if let Some(r) = refresh {
        let res = client()
            .post(format!("{}/oauth/token", s.base))
            .basic_auth("sample-app", Some(SAMPLE_APP_SECRET))
            .form(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", r.as_str()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    }

    // Revoke all ends what is still live: its access token stops at once.
    let (status, body) = s
        .rest(
            Method::POST,
            "/impersonations/revoke-all",
            Some(&c.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["revoked"].as_u64().unwrap() >= 1, "{body}");
    let (status, _) = s.userinfo(access).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (_, live_now) = s
        .rest(Method::GET, "/impersonations", Some(&c.token), None)
        .await;
    assert_eq!(live_now["impersonations"], json!([]), "{live_now}");
    change_settings(&s, &c.token, |v| v["enabled"] = json!(true)).await;
}

pub(super) async fn protected_users_are_never_impersonated(s: Server) {
    let c = setup(&s).await;
    // A live impersonation of the user, which protecting them ends.
    let (_, live) = mint(&s, &c, json!({})).await;
    let (status, _, _) = open_with(live["url"].as_str().unwrap(), None).await;
    assert_eq!(status, StatusCode::FOUND);

    // users:write alone is not enough; neither is impersonation:create.
    let users_writer = s.m2m_app(&c.token, "users-writer").await;
    let aud = format!("{}/api/v1/", s.base);
    let (status, body) = s
        .rest(
            Method::PUT,
            &format!(
                "/apis/{}/clients/{}/permissions",
                management_api_id(&s, &c.token).await,
                users_writer.0
            ),
            Some(&c.token),
            Some(json!({"permissions": ["users:write"]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let weak = s
        .m2m_token((&users_writer.0, &users_writer.1), &aud, None)
        .await;
    let path = format!("/users/{}/protection", c.target);
    let (status, body) = s
        .rest(
            Method::PUT,
            &path,
            Some(&weak),
            Some(json!({"protected": true})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"], "insufficient_scope");

    let (status, body) = s
        .rest(
            Method::PUT,
            &path,
            Some(&c.token),
            Some(json!({"protected": true})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["protected"], true);
    let (_, rec) = s
        .rest(Method::GET, "/impersonations", Some(&c.token), None)
        .await;
    assert!(
        !rec.to_string()
            .contains(live["impersonation_id"].as_str().unwrap()),
        "protecting ends the live impersonation: {rec}"
    );
    let (status, body) = mint(&s, &c, json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"], "user_protected");
    let (_, user) = s
        .rest(
            Method::GET,
            &format!("/users/{}", c.target),
            Some(&c.token),
            None,
        )
        .await;
    assert_eq!(user["protected"], true);
    assert!(strings(
        &s.database_url,
        &format!(
            "SELECT event_type FROM audit_events WHERE event_type = 'user.protected' AND target_id = '{}'",
            c.target
        )
    )
    .await
    .len()
        == 1);

    let (status, _) = s
        .rest(
            Method::PUT,
            &path,
            Some(&c.token),
            Some(json!({"protected": false})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = mint(&s, &c, json!({})).await;
    assert_eq!(status, StatusCode::CREATED);
}

async fn management_api_id(s: &Server, token: &str) -> String {
    let (_, apis) = s.rest(Method::GET, "/apis", Some(token), None).await;
    apis["apis"]
        .as_array()
        .and_then(|a| a.iter().find(|a| a["builtin"] == true))
        .and_then(|a| a["id"].as_str())
        .unwrap()
        .to_string()
}

/// Calls a server function that takes JSON (`input = Json`).
pub(super) async fn call_json(
    s: &Server,
    name: &str,
    cookie: &str,
    body: Value,
) -> (StatusCode, Value) {
    let res = client()
        .post(format!("{}/api/{name}", s.base))
        .header(reqwest::header::ORIGIN, &s.base)
        .header(reqwest::header::COOKIE, cookie)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = res.status();
    let text = res.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// The console's Sign in as User, as `cookie`'s person, for `user_id`.
pub(super) async fn console_mint(
    s: &Server,
    cookie: &str,
    user_id: &str,
    form: Value,
) -> (StatusCode, Value) {
    let mut f = json!({
        "client_id": "sample-app", "reason": "Helping with an order", "ticket": "",
        "response_mode": "", "response_type": "code", "scope": "openid email",
        "state": "/orders", "audience": "", "callback_url": ""
    });
    for (k, v) in form.as_object().unwrap() {
        f[k] = v.clone();
    }
    call_json(
        s,
        "create_impersonation_link",
        cookie,
        json!({"user_id": user_id, "form": f}),
    )
    .await
}

pub(super) async fn bound_links_open_only_for_their_maker(s: Server) {
    let c = setup(&s).await;
    change_settings(&s, &c.token, |v| v["bind_links"] = json!(true)).await;
    let admin = s.sign_in(DEMO_ADMIN, DEMO_PASSWORD).await;
    let support = s.sign_in(SUPPORT, DEMO_PASSWORD).await;
    let (status, link) = console_mint(&s, &admin, &c.target, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{link}");
    let url = link["url"].as_str().unwrap();
    for stranger in [None, Some(support.as_str())] {
        let (status, _, page) = open_with(url, stranger).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{page}");
        assert!(
            page.contains("opens only for the person who created it"),
            "{page}"
        );
    }
    let id = link["impersonation_id"].as_str().unwrap();
    assert_eq!(
        strings(
            &s.database_url,
            &format!("SELECT event_type FROM audit_events WHERE event_type = 'impersonation.open_refused' AND data LIKE '%{id}%'"),
        )
        .await
        .len(),
        2
    );
    // Still usable by the person who made it.
    let (status, location, _) = open_with(url, Some(&admin)).await;
    assert_eq!(status, StatusCode::FOUND, "{location}");
    assert!(location.starts_with(&c.callback), "{location}");

    // A machine client's link is bound to the person it named.
    let (_, link) = mint(&s, &c, json!({})).await;
    let (status, _, _) = open_with(link["url"].as_str().unwrap(), Some(&support)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = open_with(link["url"].as_str().unwrap(), Some(&admin)).await;
    assert_eq!(status, StatusCode::FOUND);
    change_settings(&s, &c.token, |v| v["bind_links"] = json!(false)).await;
}

pub(super) async fn step_up_asks_for_the_password_again(s: Server) {
    let c = setup(&s).await;
    change_settings(&s, &c.token, |v| {
        v["step_up"] = json!(true);
        v["step_up_minutes"] = json!(5);
    })
    .await;
    let admin = s.sign_in(DEMO_ADMIN, DEMO_PASSWORD).await;
    // Just signed in: the password is fresh.
    let (status, link) = console_mint(&s, &admin, &c.target, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{link}");
    // Ten minutes later (the session's password moment moved back).
    execute(
        &s.database_url,
        "UPDATE console_sessions SET reauth_at = reauth_at - 600, created_at = created_at - 600",
    )
    .await;
    let (status, body) = console_mint(&s, &admin, &c.target, json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(body.to_string().contains("StepUpRequired"), "{body}");
    let (_, options, _) = s
        .call(
            "impersonation_options",
            Some(&admin),
            &[("user_id", &c.target)],
        )
        .await;
    assert_eq!(options["step_up_needed"], true, "{options}");
    let (status, body, _) = s
        .call("confirm_password", Some(&admin), &[("password", "wrong")])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.to_string().contains("password"), "{body}");
    let (status, body, _) = s
        .call(
            "confirm_password",
            Some(&admin),
            &[("password", DEMO_PASSWORD)],
        )
        .await;
    assert!(status.is_success(), "{status} {body}");
    let (status, link) = console_mint(&s, &admin, &c.target, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{link}");
    assert!(!strings(
        &s.database_url,
        "SELECT event_type FROM audit_events WHERE event_type = 'console.reauthenticated'"
    )
    .await
    .is_empty());
    // Machine clients have no password to enter.
    let (status, _) = mint(&s, &c, json!({})).await;
    assert_eq!(status, StatusCode::CREATED);
    change_settings(&s, &c.token, |v| v["step_up"] = json!(false)).await;
}

/// The access and ID token claims of an impersonation of `customer` into
/// the sample app with the Orders API as audience.
async fn impersonated_tokens(
    s: &Server,
    c: &Ctx,
    customer: &str,
    read_only: bool,
) -> (Value, Value) {
    let (status, link) = s
        .rest(
            Method::POST,
            &format!("/users/{customer}/impersonation"),
            Some(&c.token),
            Some(json!({
                "impersonator_id": c.admin, "client_id": "sample-app", "reason": "r",
                "state": "s", "audience": ORDERS_API, "scope": "openid read:orders write:orders",
                "read_only": read_only,
            })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{link}");
    let (status, location, _) = open_with(link["url"].as_str().unwrap(), None).await;
    assert_eq!(status, StatusCode::FOUND, "{location}");
    let code = params_of(&location)["code"].clone();
    let (status, tokens) = s.sample_app_exchange(&code, &c.callback, None).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    (
        jwt_claims(tokens["access_token"].as_str().unwrap()),
        jwt_claims(tokens["id_token"].as_str().unwrap()),
    )
}

pub(super) async fn read_only_tokens_carry_only_read_permissions(s: Server) {
    let c = setup(&s).await;
    let customer = s.user_id(&c.token, "customer@masquerade.test").await;
    let (full, _) = impersonated_tokens(&s, &c, &customer, false).await;
    assert_eq!(full["impersonation"]["mode"], "full", "{full}");
    assert!(
        full["permissions"].to_string().contains("write:orders"),
        "{full}"
    );
    let (read, id_token) = impersonated_tokens(&s, &c, &customer, true).await;
    assert_eq!(read["impersonation"]["mode"], "read_only", "{read}");
    assert_eq!(id_token["impersonation"]["mode"], "read_only", "{id_token}");
    assert!(
        read["permissions"].to_string().contains("read:orders"),
        "{read}"
    );
    assert!(!read.to_string().contains("write:orders"), "{read}");

    // A rule that makes read-only mandatory: a full link minted before it
    // is refused when opened, and new links are read-only whatever is asked.
    let (_, before) = mint(&s, &c, json!({})).await;
    change_settings(&s, &c.token, |v| {
        v["rules"] = json!([{"role_id": "rol_admin", "read_only": true}])
    })
    .await;
    // The administrator role has a rule now: admin links are held to it.
    opening_is_refused(&before, "read_only_required").await;
    let (read_again, _) = impersonated_tokens(&s, &c, &customer, false).await;
    assert_eq!(read_again["impersonation"]["mode"], "read_only");
    change_settings(&s, &c.token, |v| v["rules"] = json!([])).await;
}
