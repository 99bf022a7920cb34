//! Sign in as User over HTTP against the real binary: minting through the
//! REST API, every redemption outcome, the tokens' `act` claims, revocation,
//! app-initiated mode, and the policy checked again at redemption.

#[macro_use]
mod common;

use common::*;
use masquerade::testing::{execute, strings};
use reqwest::header::{LOCATION, SET_COOKIE};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

both_backends!(
    code_flow_with_audience_carries_act,
    every_broken_link_has_its_own_page,
    policy_is_checked_again_when_the_link_is_opened,
    refusals_create_nothing,
    form_post_implicit_and_revocation,
    app_initiated_mode,
    sample_app_banner_and_the_admin_stays_signed_in,
    console_server_functions_check_permission,
    settings_and_the_session_cap,
);

const DEMO_ADMIN: &str = "admin@masquerade.test";
const ORDERS_API: &str = "https://api.orders.example/";

struct Ctx {
    token: String,
    admin: String,
    target: String,
    target_email: String,
    callback: String,
}

/// A token for the REST API, the demo admin as impersonator, and an
/// ordinary demo user as target.
async fn setup(s: &Server) -> Ctx {
    let token = s.management_token().await;
    let admin = s.user_id(&token, DEMO_ADMIN).await;
    // The 200 generated demo users all live on connections the sample app
    // enables; pick an active one on the default connection.
    let (_, page) = s
        .rest(
            Method::GET,
            "/users?blocked=false&limit=100",
            Some(&token),
            None,
        )
        .await;
    let target = page["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| {
            u["roles"].as_array().is_some_and(|r| r.is_empty())
                && u["connection_name"] == "Username-Password-Authentication"
        })
        .expect("an ordinary user")
        .clone();
    Ctx {
        token,
        admin,
        target: target["id"].as_str().unwrap().to_string(),
        target_email: target["email"].as_str().unwrap().to_string(),
        callback: format!("{}/sample-app/callback", s.base),
    }
}

async fn mint(s: &Server, c: &Ctx, extra: Value) -> (StatusCode, Value) {
    let mut body = json!({
        "impersonator_id": c.admin,
        "client_id": "sample-app",
        "reason": "Ticket 4711: customer cannot see their orders",
        "ticket": "SUP-4711",
        "response_type": "code",
        "response_mode": "query",
        "scope": "openid email profile",
        "state": "/orders/42",
    });
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    s.rest(
        Method::POST,
        &format!("/users/{}/impersonation", c.target),
        Some(&c.token),
        Some(body),
    )
    .await
}

async fn open(url: &str) -> reqwest::Response {
    client().get(url).send().await.unwrap()
}

async fn events(s: &Server, id: &str) -> Vec<String> {
    strings(
        &s.database_url,
        &format!("SELECT event_type FROM audit_events WHERE data LIKE '%{id}%' ORDER BY seq"),
    )
    .await
}

async fn code_flow_with_audience_carries_act(s: Server) {
    let c = setup(&s).await;
    let (status, link) = mint(
        &s,
        &c,
        json!({"audience": ORDERS_API, "scope": "openid email read:orders"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{link}");
    let url = link["url"].as_str().unwrap();
    assert!(url.starts_with(&format!("{}/impersonate/", s.base)));
    let imp_id = link["impersonation_id"].as_str().unwrap().to_string();
    let ttl = link["expires_at"].as_i64().unwrap() - masquerade::unix_now();
    assert!(
        (100..=120).contains(&ttl),
        "default lifetime 2 minutes: {ttl}"
    );

    let res = open(url).await;
    assert_eq!(res.status(), StatusCode::FOUND);
    assert!(
        res.headers().get(SET_COOKIE).is_none(),
        "no SSO session is created in the opener's browser"
    );
    let loc = res.headers()[LOCATION].to_str().unwrap().to_string();
    assert!(loc.starts_with(&format!("{}?", c.callback)), "{loc}");
    let q = params_of(&loc);
    assert_eq!(q["state"], "/orders/42", "state comes back intact");
    assert_eq!(q["iss"], s.base);

    let (status, tokens) = s.sample_app_exchange(&q["code"], &c.callback, None).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    assert!(
        tokens.get("refresh_token").is_none(),
        "no refresh unless opted in"
    );
    let id = jwt_claims(tokens["id_token"].as_str().unwrap());
    assert_eq!(id["sub"], c.target.as_str());
    assert_eq!(id["email"], c.target_email.as_str());
    assert_eq!(id["act"], json!({"sub": c.admin, "email": DEMO_ADMIN}));
    assert_eq!(id["impersonated"], true);
    assert_eq!(id["impersonator"]["user_id"], c.admin.as_str());
    assert_eq!(id["impersonator"]["email"], DEMO_ADMIN);

    let at = tokens["access_token"].as_str().unwrap();
    let access = jwt_claims(at);
    assert_eq!(access["act"]["sub"], c.admin.as_str());
    assert!(access["aud"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a == ORDERS_API));
    assert!(access["scope"].as_str().unwrap().contains("read:orders"));
    let cap = masquerade::unix_now() + 3600;
    assert!(access["exp"].as_i64().unwrap() <= cap + 1);

    let (_, info) = s.userinfo(at).await;
    assert_eq!(info["sub"], c.target.as_str());
    assert_eq!(info["act"]["sub"], c.admin.as_str());
    assert_eq!(info["impersonated"], true);
    assert_eq!(info["impersonator"]["email"], DEMO_ADMIN);

    // The API's view: introspection says who really acted.
    let intro = s.introspect(at).await;
    assert_eq!(intro["active"], true, "{intro}");
    assert_eq!(intro["act"]["sub"], c.admin.as_str());

    // Single use.
    let again = open(url).await;
    assert_eq!(again.status(), StatusCode::GONE);
    assert!(again.text().await.unwrap().contains("already used"));

    assert_eq!(
        events(&s, &imp_id).await,
        [
            "impersonation.link_created",
            "impersonation.link_redeemed",
            "impersonation.tokens_issued"
        ]
    );
    let data = strings(
        &s.database_url,
        &format!(
            "SELECT data FROM audit_events WHERE event_type = 'impersonation.link_created' AND data LIKE '%{imp_id}%'"
        ),
    )
    .await;
    let data: Value = serde_json::from_str(&data[0]).unwrap();
    assert_eq!(
        data["reason"],
        "Ticket 4711: customer cannot see their orders"
    );
    assert_eq!(data["ticket"], "SUP-4711");
    assert_eq!(data["via"], format!("{}@clients", BOOTSTRAP.0));
    let actor = strings(
        &s.database_url,
        &format!(
            "SELECT actor_id FROM audit_events WHERE event_type = 'impersonation.link_redeemed' AND data LIKE '%{imp_id}%'"
        ),
    )
    .await;
    assert_eq!(actor, vec![c.admin.clone()]);
}

async fn every_broken_link_has_its_own_page(s: Server) {
    let c = setup(&s).await;
    let (_, link) = mint(&s, &c, json!({})).await;
    let url = link["url"].as_str().unwrap().to_string();

    // Anything appended: refused, and the link is not used up.
    for suffix in ["?state=/elsewhere", "?", "?x"] {
        let res = open(&format!("{url}{suffix}")).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{suffix}");
        let page = res.text().await.unwrap();
        assert!(page.contains("can&#39;t be modified"), "{page}");
        assert!(page.contains("State"));
    }

    // Tampered: one character changed, or garbage.
    let last = url.chars().last().unwrap();
    let tampered = format!(
        "{}{}",
        &url[..url.len() - 1],
        if last == 'A' { 'B' } else { 'A' }
    );
    for bad in [
        tampered,
        format!("{}/impersonate/nope", s.base),
        format!("{}/impersonate/{}", s.base, "x".repeat(5000)),
    ] {
        let res = open(&bad).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        assert!(res
            .text()
            .await
            .unwrap()
            .contains("This impersonation link is not valid"));
    }

    // The untouched link still works.
    assert_eq!(open(&url).await.status(), StatusCode::FOUND);

    // Expired: says when.
    let (_, link) = mint(&s, &c, json!({})).await;
    let id = link["impersonation_id"].as_str().unwrap();
    execute(
        &s.database_url,
        &format!("UPDATE impersonations SET expires_at = 1700000000 WHERE id = '{id}'"),
    )
    .await;
    let res = open(link["url"].as_str().unwrap()).await;
    assert_eq!(res.status(), StatusCode::GONE);
    let page = res.text().await.unwrap();
    assert!(page.contains("has expired"), "{page}");
    assert!(page.contains("2023-11-14 22:13:20 UTC"), "{page}");
}

async fn policy_is_checked_again_when_the_link_is_opened(s: Server) {
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
    let res = open(link["url"].as_str().unwrap()).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(res.text().await.unwrap().contains("user_blocked"));
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
    let res = open(link["url"].as_str().unwrap()).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("impersonator_not_permitted"));
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
    let res = open(link["url"].as_str().unwrap()).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("application_disallows_impersonation"));
}

async fn refusals_create_nothing(s: Server) {
    let c = setup(&s).await;
    let count = || async {
        strings(&s.database_url, "SELECT id FROM impersonations")
            .await
            .len()
    };
    let before = count().await;

    // A support agent may not impersonate.
    let support = s.user_id(&c.token, "support@masquerade.test").await;
    let (status, body) = mint(&s, &c, json!({"impersonator_id": support})).await;
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

async fn form_post_implicit_and_revocation(s: Server) {
    let c = setup(&s).await;
    let (status, link) = mint(
        &s,
        &c,
        json!({"response_type": "id_token token", "response_mode": "form_post"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{link}");
    let res = open(link["url"].as_str().unwrap()).await;
    assert_eq!(res.status(), StatusCode::OK);
    let csp = res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    let html = res.text().await.unwrap();
    assert!(
        html.contains(&format!("action=\"{}\"", c.callback)),
        "{html}"
    );
    assert!(html.contains("name=\"state\" value=\"/orders/42\""));
    assert!(csp.contains("nonce-"));
    let field = |name: &str| {
        let start = html
            .find(&format!("name=\"{name}\" value=\""))
            .unwrap_or_else(|| panic!("no {name}"))
            + name.len()
            + 15;
        html[start..start + html[start..].find('"').unwrap()].to_string()
    };
    let id = jwt_claims(&field("id_token"));
    assert_eq!(id["act"]["sub"], c.admin.as_str());
    assert!(id.get("nonce").is_none());
    let at = field("access_token");

    let imp = link["impersonation_id"].as_str().unwrap();
    assert_eq!(
        events(&s, imp).await,
        [
            "impersonation.link_created",
            "impersonation.link_redeemed",
            "impersonation.tokens_issued"
        ]
    );

    // Listed as active until revoked; then its tokens stop working at once.
    let (_, live) = s
        .rest(Method::GET, "/impersonations", Some(&c.token), None)
        .await;
    let row = live["impersonations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == imp)
        .expect("listed")
        .clone();
    assert_eq!(row["status"], "active");
    let (status, revoked) = s
        .rest(
            Method::POST,
            &format!("/impersonations/{imp}/revoke"),
            Some(&c.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{revoked}");
    assert_eq!(revoked["status"], "revoked");
    assert_eq!(s.userinfo(&at).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(s.introspect(&at).await["active"], false);
    let (status, _) = s
        .rest(
            Method::POST,
            &format!("/impersonations/{imp}/revoke"),
            Some(&c.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (_, history) = s
        .rest(
            Method::GET,
            &format!("/users/{}/impersonations", c.target),
            Some(&c.token),
            None,
        )
        .await;
    assert_eq!(history["impersonations"][0]["id"], imp);
    assert_eq!(
        events(&s, imp).await.last().unwrap(),
        "impersonation.revoked"
    );
}

async fn app_initiated_mode(s: Server) {
    let c = setup(&s).await;
    let (status, link) = mint(
        &s,
        &c,
        json!({"response_mode": "app_initiated", "state": "/orders/42"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{link}");
    let res = open(link["url"].as_str().unwrap()).await;
    assert_eq!(res.status(), StatusCode::FOUND);
    let loc = res.headers()[LOCATION].to_str().unwrap().to_string();
    assert!(
        loc.starts_with(&format!("{}/sample-app/login?", s.base)),
        "{loc}"
    );
    let q = params_of(&loc);
    assert_eq!(q["iss"], s.base);
    assert_eq!(
        q["target_link_uri"],
        format!(
            "{}/orders/42",
            url::Url::parse(&s.base)
                .unwrap()
                .origin()
                .ascii_serialization()
        )
    );
    let hint = q["login_hint"].clone();
    assert!(!hint.contains(&c.target) && !hint.contains('@'), "opaque");

    // The application's own request: its state, nonce and PKCE.
    let authorize = format!(
        "{}/authorize?client_id=sample-app&response_type=code&scope=openid%20email&state=rp-state-1&nonce=rp-nonce&code_challenge={PKCE_CHALLENGE}&code_challenge_method=S256&redirect_uri={}&login_hint={}",
        s.base,
        encode(&c.callback),
        encode(&hint)
    );
    let res = client().get(&authorize).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FOUND, "no login prompt");
    assert!(res.headers().get(SET_COOKIE).is_none());
    let back = params_of(res.headers()[LOCATION].to_str().unwrap());
    assert_eq!(back["state"], "rp-state-1");
    let (status, tokens) = s
        .sample_app_exchange(&back["code"], &c.callback, Some(PKCE_VERIFIER))
        .await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let id = jwt_claims(tokens["id_token"].as_str().unwrap());
    assert_eq!(id["nonce"], "rp-nonce");
    assert_eq!(id["sub"], c.target.as_str());
    assert_eq!(id["act"]["sub"], c.admin.as_str());

    // The hint works once.
    let res = client().get(&authorize).send().await.unwrap();
    let again = params_of(res.headers()[LOCATION].to_str().unwrap());
    assert_eq!(again["error"], "access_denied");
    assert_eq!(again["state"], "rp-state-1");
}

/// Hidden fields of an auto-posting form, in order.
fn form_fields(html: &str) -> Vec<(String, String)> {
    html.split("<input type=\"hidden\" name=\"")
        .skip(1)
        .map(|rest| {
            let (name, rest) = rest.split_once("\" value=\"").unwrap();
            let value = rest.split('"').next().unwrap();
            (
                name.to_string(),
                value
                    .replace("&#39;", "'")
                    .replace("&quot;", "\"")
                    .replace("&lt;", "<")
                    .replace("&gt;", ">")
                    .replace("&amp;", "&"),
            )
        })
        .collect()
}

async fn sample_app_banner_and_the_admin_stays_signed_in(s: Server) {
    let c = setup(&s).await;
    let console = s.sign_in(DEMO_ADMIN, "masquerade-demo").await;
    let (_, link) = mint(
        &s,
        &c,
        json!({"response_type": "id_token token", "response_mode": "form_post"}),
    )
    .await;
    let html = client()
        .get(link["url"].as_str().unwrap())
        .header(reqwest::header::COOKIE, &console)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // What the browser's auto-submit does.
    let res = client()
        .post(&c.callback)
        .header(reqwest::header::COOKIE, &console)
        .header(reqwest::header::ORIGIN, &s.base)
        .form(&form_fields(&html))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()[LOCATION], "/sample-app/orders/42");
    let app_cookie = res.headers()[SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let page = client()
        .get(format!("{}/sample-app/orders/42", s.base))
        .header(reqwest::header::COOKIE, &app_cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(&format!(
        "Signed in as <strong>{}</strong>, impersonated by <strong>{DEMO_ADMIN}</strong> (reason: Ticket 4711: customer cannot see their orders)",
        c.target_email
    )), "{page}");
    assert!(page.contains("End impersonation"));
    assert!(page.contains("data-testid=\"state\">/orders/42<"));

    // An unsolicited response without `act` is refused (login CSRF).
    let res = client()
        .post(&c.callback)
        .form(&[
            ("state", "/x"),
            ("id_token", "e30.e30.e30"),
            ("access_token", "x"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);

    // Ending it revokes the impersonation and leaves the console session alone.
    let res = client()
        .post(format!("{}/sample-app/end-impersonation", s.base))
        .header(reqwest::header::COOKIE, &app_cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()[LOCATION], "/sample-app/?ended=1");
    let id = link["impersonation_id"].as_str().unwrap();
    let (_, history) = s
        .rest(
            Method::GET,
            &format!("/users/{}/impersonations", c.target),
            Some(&c.token),
            None,
        )
        .await;
    let row = history["impersonations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap()
        .clone();
    assert_eq!(row["status"], "revoked", "{row}");
    let (status, me, _) = s.call("current_user", Some(&console), &[]).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["email"], DEMO_ADMIN, "{me}");
}

/// The console's server functions, called directly: only administrators get
/// anywhere, and a refusal creates nothing.
async fn console_server_functions_check_permission(s: Server) {
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
    let support = s
        .sign_in("support@masquerade.test", "masquerade-demo")
        .await;
    let res = post(Some(support.clone())).await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    for name in [
        "impersonation_history",
        "live_impersonations",
        "revoke_impersonation",
    ] {
        let (status, _, _) = s
            .call(
                name,
                Some(&support),
                &[("user_id", &c.target), ("id", "imp_x")],
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{name}");
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
    let (status, page, _) = s
        .call(
            "search_users",
            Some(&console),
            &[
                ("q", ""),
                ("connection", ""),
                ("status", ""),
                ("sort", "email"),
                ("desc", "false"),
            ],
        )
        .await;
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
    let (status, page, _) = s
        .call(
            "search_users",
            Some(&console),
            &[
                ("q", ADMIN.0),
                ("connection", ""),
                ("status", ""),
                ("sort", "email"),
                ("desc", "false"),
            ],
        )
        .await;
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
async fn settings_and_the_session_cap(s: Server) {
    let c = setup(&s).await;
    let (status, current) = s
        .rest(Method::GET, "/settings/impersonation", Some(&c.token), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        current,
        json!({"require_reason": true, "link_ttl_secs": 120, "session_max_secs": 3600})
    );
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

    // Once revoked, the refresh token is dead too.
    let imp = link["impersonation_id"].as_str().unwrap();
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
