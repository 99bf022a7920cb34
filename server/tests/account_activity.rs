//! "Who accessed my account", over HTTP against the real binary on both
//! databases: any signed-in person (the demo customer holds no console
//! permission) reads their own sign-ins and every impersonation of their
//! account from `account_activity`, never another person's; the
//! impersonator is "a support agent" unless the tenant shows names (a
//! setting that is audited); `/login?next=/account` lands there while the
//! console stays closed; no session, and an impersonated token, are refused.

#[macro_use]
#[path = "common/mod.rs"]
mod common;

use common::*;
use masquerade::testing::strings;
use reqwest::header::{ACCEPT, AUTHORIZATION, COOKIE, LOCATION, ORIGIN, SET_COOKIE};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

both_backends!(
    people_see_their_own_activity_and_no_one_elses,
    account_pages_are_for_ones_own_session_only,
);

const CUSTOMER: (&str, &str) = ("customer@masquerade.test", "masquerade-demo");
const OTHER: (&str, &str) = ("other@account.example", "other-password-0123");
const DEMO_ADMIN: &str = "admin@masquerade.test";

/// Signs `target` in to the sample app as the demo administrator, through
/// a link opened at once: (impersonation id, the code it delivered).
async fn impersonate(s: &Server, token: &str, target: &str, reason: &str) -> (String, String) {
    let admin = s.user_id(token, DEMO_ADMIN).await;
    let (status, link) = s
        .rest(
            Method::POST,
            &format!("/users/{target}/impersonation"),
            Some(token),
            Some(json!({
                "impersonator_id": admin, "client_id": "sample-app", "reason": reason,
                "ticket": "SUP-4711", "response_type": "code", "scope": "openid", "state": "s",
            })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{link}");
    let res = client()
        .get(link["url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert!(res.status().is_redirection(), "{}", res.status());
    let location = res.headers()[LOCATION].to_str().unwrap().to_string();
    let code = params_of(&location).remove("code").expect("a code");
    (link["impersonation_id"].as_str().unwrap().to_string(), code)
}

async fn activity(s: &Server, cookie: &str) -> Value {
    let (status, body, _) = s.call("account_activity", Some(cookie), &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

fn rows<'a>(a: &'a Value, list: &str) -> &'a Vec<Value> {
    a[list].as_array().unwrap()
}

async fn create_user(s: &Server, token: &str, (email, password): (&str, &str)) -> String {
    let (status, u) = s
        .rest(
            Method::POST,
            "/users",
            Some(token),
            Some(json!({"email": email, "name": "Olive Other", "password": password})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{u}");
    u["id"].as_str().unwrap().to_string()
}

async fn people_see_their_own_activity_and_no_one_elses(s: Server) {
    let token = s.management_token().await;
    let customer = s.user_id(&token, CUSTOMER.0).await;
    let other = create_user(&s, &token, OTHER).await;
    let before = activity(&s, &s.sign_in(CUSTOMER.0, CUSTOMER.1).await).await;
    assert!(rows(&before, "impersonations").is_empty(), "{before}");
    let signed_in_before = rows(&before, "sign_ins").len();
    assert!(signed_in_before >= 1, "{before}");

    let (mine, _) = impersonate(
        &s,
        &token,
        &customer,
        "Orders missing from the customer's list",
    )
    .await;
    let (theirs, _) = impersonate(&s, &token, &other, "Someone else's ticket").await;

    let me = s.sign_in(CUSTOMER.0, CUSTOMER.1).await;
    let them = s.sign_in(OTHER.0, OTHER.1).await;
    let a = activity(&s, &me).await;
    assert_eq!(a["email"], CUSTOMER.0);
    let imps = rows(&a, "impersonations");
    assert_eq!(imps.len(), 1, "only the impersonation of this account: {a}");
    let row = &imps[0];
    assert_eq!(row["id"], mine.as_str());
    assert_eq!(row["reason"], "Orders missing from the customer's list");
    assert_eq!(row["ticket"], "SUP-4711");
    assert_eq!(row["application"], "Sample App");
    assert_eq!(row["ending"], "ongoing");
    assert!(row["started_at"].as_i64().unwrap() > 0, "{row}");
    assert!(row["duration_secs"].as_i64().unwrap() >= 0, "{row}");
    // Off by default: nobody is named.
    assert_eq!(row["who"], "a support agent");
    assert_eq!(row["named"], false);
    let text = a.to_string();
    assert!(
        !text.contains(DEMO_ADMIN),
        "the impersonator's email leaked: {text}"
    );
    assert!(!text.contains("Someone else's ticket"), "{text}");
    assert_eq!(rows(&a, "sign_ins").len(), signed_in_before + 1, "{a}");

    // The other person sees theirs, and only their one sign-in.
    let b = activity(&s, &them).await;
    let imps = rows(&b, "impersonations");
    assert_eq!(imps.len(), 1, "{b}");
    assert_eq!(imps[0]["id"], theirs.as_str());
    assert_eq!(rows(&b, "sign_ins").len(), 1, "{b}");
    assert!(!b.to_string().contains("Orders missing"), "{b}");

    // Whatever a client sends, the account is the session's.
    let (status, c, _) = s
        .call(
            "account_activity",
            Some(&them),
            &[("user_id", customer.as_str())],
        )
        .await;
    if status == StatusCode::OK {
        assert!(!c.to_string().contains("Orders missing"), "{c}");
    }

    // The tenant names impersonators: changed like any setting, audited.
    let (_, mut settings) = s
        .rest(Method::GET, "/settings/impersonation", Some(&token), None)
        .await;
    assert_eq!(settings["show_impersonator_names"], false, "{settings}");
    settings["show_impersonator_names"] = json!(true);
    let (status, saved) = s
        .rest(
            Method::PUT,
            "/settings/impersonation",
            Some(&token),
            Some(settings),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(saved["show_impersonator_names"], true, "{saved}");
    let audited = strings(
        &s.database_url,
        "SELECT data FROM audit_events WHERE event_type = 'settings.updated' \
         AND data LIKE '%\"show_impersonator_names\":true%'",
    )
    .await;
    assert_eq!(audited.len(), 1, "the change is in the audit log");
    let (_, admin) = s
        .rest(
            Method::GET,
            &format!("/users/{}", s.user_id(&token, DEMO_ADMIN).await),
            Some(&token),
            None,
        )
        .await;
    let admin_name = match admin["name"].as_str().unwrap_or("") {
        "" => DEMO_ADMIN.to_string(),
        n => n.to_string(),
    };
    let a = activity(&s, &me).await;
    let row = &rows(&a, "impersonations")[0];
    assert_eq!(row["who"], admin_name.as_str(), "{row}");
    assert_eq!(row["named"], true);

    // Revoked: it says so, with how long it lasted.
    let (status, body) = s
        .rest(
            Method::POST,
            &format!("/impersonations/{mine}/revoke"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let a = activity(&s, &me).await;
    let row = &rows(&a, "impersonations")[0];
    assert_eq!(row["ending"], "revoked", "{row}");
    assert!(row["ended_at"].as_i64().unwrap() >= row["started_at"].as_i64().unwrap());
    assert!(row["duration_secs"].as_i64().unwrap() >= 0, "{row}");
}

/// Signs in through the plain form (before hydration) with `next`: where
/// the browser is sent.
async fn sign_in_to(s: &Server, (email, password): (&str, &str), next: &str) -> String {
    let res = client()
        .post(format!("{}/api/sign_in", s.base))
        .header(ORIGIN, &s.base)
        .header(ACCEPT, "text/html")
        .form(&[("email", email), ("password", password), ("next", next)])
        .send()
        .await
        .unwrap();
    assert!(res.headers().get(SET_COOKIE).is_some(), "{}", res.status());
    res.headers()[LOCATION].to_str().unwrap().to_string()
}

async fn account_pages_are_for_ones_own_session_only(s: Server) {
    // Signed out, /account asks to sign in and comes back.
    let res = client()
        .get(format!("{}/account", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()[LOCATION], "/login?next=/account");
    let (status, body, _) = s.call("account_activity", None, &[]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");

    // Someone with no console permission lands on their account; the
    // console stays closed to them exactly as before.
    assert_eq!(sign_in_to(&s, CUSTOMER, "/account").await, "/account");
    assert_eq!(sign_in_to(&s, CUSTOMER, "/users").await, "/no-access");
    assert_eq!(sign_in_to(&s, CUSTOMER, "/accounts").await, "/no-access");
    assert_eq!(
        sign_in_to(&s, (ADMIN.0, ADMIN.1), "/account").await,
        "/account"
    );
    let me = s.sign_in(CUSTOMER.0, CUSTOMER.1).await;
    let page = client()
        .get(format!("{}/account", s.base))
        .header(COOKIE, &me)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("Account activity"), "{html}");
    let (status, _, _) = s.search_users(Some(&me), "").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "the console is still closed");

    // An impersonated session's token opens no account page: not the
    // target's, not anyone's; as a cookie it is no session at all.
    let token = s.management_token().await;
    let customer = s.user_id(&token, CUSTOMER.0).await;
    let (_, code) = impersonate(&s, &token, &customer, "Checking the account page").await;
    let callback = format!("{}/sample-app/callback", s.base);
    let (status, tokens) = s.sample_app_exchange(&code, &callback, None).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let access = tokens["access_token"].as_str().unwrap();
    assert!(jwt_claims(access)["act"].is_object());
    for (header, value) in [
        (AUTHORIZATION, format!("Bearer {access}")),
        (COOKIE, format!("masq_session={access}")),
    ] {
        let res = client()
            .post(format!("{}/api/account_activity", s.base))
            .header(ORIGIN, &s.base)
            .header(header.clone(), value)
            .form(&[("user_id", customer.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{header}");
        let text = res.text().await.unwrap();
        assert!(!text.contains("Checking the account page"), "{text}");
    }
}
