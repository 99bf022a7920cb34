//! Losing the right ends what it allowed (issue 11): when the impersonator
//! loses the role that let them sign in as someone, the tokens of that
//! impersonation stop working at /userinfo and introspection at once on
//! the instance that made the change, and within the hot cache's second on
//! another instance sharing the PostgreSQL database; their console sessions
//! end everywhere at once. Blocking or deleting the impersonator, or taking
//! the role, also refuses the impersonation's refresh token (both
//! databases).

#[path = "common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::*;
use reqwest::header::LOCATION;
use reqwest::{Method, StatusCode};
use serde_json::json;

const PASSWORD: &str = "impersonator-password-1";

#[tokio::test]
async fn removing_the_role_ends_the_impersonation_on_every_instance() {
    let a = postgres_server().await;
    let b = a.second_instance().await;
    let token = a.management_token().await;
    let t = Some(token.as_str());
    let (_, apis) = a.rest(Method::GET, "/apis", t, None).await;
    let mgmt = apis["apis"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["builtin"] == true)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();

    let (status, role) = a
        .rest(Method::POST, "/roles", t, Some(json!({"name": "Helpers"})))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{role}");
    let role_id = role["id"].as_str().unwrap().to_string();
    let perms = json!({"permissions": [{"api_id": mgmt, "permission": "impersonation:create"}, {"api_id": mgmt, "permission": "users:read"}]});
    let (status, _) = a
        .rest(
            Method::POST,
            &format!("/roles/{role_id}/permissions"),
            t,
            Some(perms),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, helper) = a
        .rest(
            Method::POST,
            "/users",
            t,
            Some(json!({"email": "helper@example.com", "password": PASSWORD})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{helper}");
    let helper = helper["id"].as_str().unwrap().to_string();
    let (status, _) = a
        .rest(
            Method::POST,
            &format!("/roles/{role_id}/users"),
            t,
            Some(json!({"users": [helper]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    // The helper is signed in to the console on instance B.
    let console_on_b = b.sign_in("helper@example.com", PASSWORD).await;

    // The helper signs in as a customer: a link minted for them, opened,
    // its code exchanged.
    let target = a.user_id(&token, "customer@masquerade.test").await;
    let (status, link) = a
        .rest(
            Method::POST,
            &format!("/users/{target}/impersonation"),
            t,
            Some(
                json!({"impersonator_id": helper, "client_id": "sample-app", "reason": "help",
                        "response_type": "code", "scope": "openid", "state": "s"}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{link}");
    let opened = client()
        .get(link["url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    let location = opened.headers()[LOCATION].to_str().unwrap().to_string();
    let code = params_of(&location).remove("code").unwrap();
    let callback = format!("{}/sample-app/callback", a.base);
    let (status, tokens) = a.sample_app_exchange(&code, &callback, None).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let at = tokens["access_token"].as_str().unwrap().to_string();
    assert_eq!(
        b.userinfo(&at).await.0,
        StatusCode::OK,
        "good on both instances"
    );
    assert_eq!(a.introspect(&at).await["active"], true);

    // The role goes, on instance A.
    let (status, _) = a
        .rest(
            Method::DELETE,
            &format!("/roles/{role_id}/users/{helper}"),
            t,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let changed = Instant::now();
    assert_eq!(
        a.userinfo(&at).await.0,
        StatusCode::UNAUTHORIZED,
        "at once where it changed"
    );
    assert_eq!(a.introspect(&at).await["active"], false);
    let (status, me, _) = b.call("current_user", Some(&console_on_b), &[]).await;
    assert!(
        status.is_success() && me.is_null(),
        "their console session ended: {me}"
    );
    loop {
        if b.userinfo(&at).await.0 == StatusCode::UNAUTHORIZED {
            break;
        }
        assert!(
            changed.elapsed() < Duration::from_millis(1_500),
            "instance B still accepted the token after {:?}",
            changed.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let waited = changed.elapsed();
    eprintln!("instance B refused the token {waited:?} after the role was removed");
    assert_eq!(b.introspect(&at).await["active"], false);
}

/// A new person holding a role that gives Sign in as User; (user, role).
async fn helper_with_role(s: &Server, token: &str, email: &str) -> (String, String) {
    let t = Some(token);
    let (_, apis) = s.rest(Method::GET, "/apis", t, None).await;
    let mgmt = apis["apis"]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["builtin"] == true))
        .and_then(|a| a["id"].as_str())
        .unwrap()
        .to_string();
    let (status, role) = s
        .rest(
            Method::POST,
            "/roles",
            t,
            Some(json!({"name": format!("Helpers {email}")})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{role}");
    let role_id = role["id"].as_str().unwrap().to_string();
    let perms = json!({"permissions": [{"api_id": mgmt, "permission": "impersonation:create"}, {"api_id": mgmt, "permission": "users:read"}]});
    let (status, _) = s
        .rest(
            Method::POST,
            &format!("/roles/{role_id}/permissions"),
            t,
            Some(perms),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, user) = s
        .rest(
            Method::POST,
            "/users",
            t,
            Some(json!({"email": email, "password": PASSWORD})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{user}");
    let user_id = user["id"].as_str().unwrap().to_string();
    let (status, _) = s
        .rest(
            Method::POST,
            &format!("/roles/{role_id}/users"),
            t,
            Some(json!({"users": [user_id]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    (user_id, role_id)
}

/// The helper signs in as the demo customer with a refresh token: (access
/// token, refresh token).
async fn impersonation_with_refresh(s: &Server, token: &str, helper: &str) -> (String, String) {
    let target = s.user_id(token, "customer@masquerade.test").await;
    let (status, link) = s
        .rest(
            Method::POST,
            &format!("/users/{target}/impersonation"),
            Some(token),
            Some(
                json!({"impersonator_id": helper, "client_id": "sample-app", "reason": "help",
                        "response_type": "code", "scope": "openid offline_access", "state": "s"}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{link}");
    let opened = client()
        .get(link["url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    let location = opened.headers()[LOCATION].to_str().unwrap().to_string();
    let code = params_of(&location).remove("code").unwrap();
    let callback = format!("{}/sample-app/callback", s.base);
    let (status, tokens) = s.sample_app_exchange(&code, &callback, None).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    (
        tokens["access_token"].as_str().unwrap().to_string(),
        tokens["refresh_token"]
            .as_str()
            .expect("a refresh token")
            .to_string(),
    )
}

async fn refresh(s: &Server, refresh_token: &str) -> (StatusCode, serde_json::Value) {
    let res = client()
        .post(format!("{}/oauth/token", s.base))
        .basic_auth("sample-app", Some(SAMPLE_APP_SECRET))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ])
        .send()
        .await
        .unwrap();
    (res.status(), res.json().await.unwrap())
}

async fn every_way_of_losing_the_right_refuses_the_refresh(s: Server) {
    let token = s.management_token().await;
    let t = Some(token.as_str());
    s.update_application(&token, "sample-app", |b| {
        b["tokens"]["impersonation_refresh"] = json!(true)
    })
    .await;
    let cases = ["demoted", "blocked", "deleted"];
    for case in cases {
        let (helper, role) = helper_with_role(&s, &token, &format!("{case}@example.com")).await;
        let (access, refresh_token) = impersonation_with_refresh(&s, &token, &helper).await;
        // Before: the refresh works (and rotates or not, the new one is used).
        let (status, body) = refresh(&s, &refresh_token).await;
        assert_eq!(status, StatusCode::OK, "{case}: {body}");
        let refresh_token = body["refresh_token"]
            .as_str()
            .unwrap_or(&refresh_token)
            .to_string();
        let (status, body) = match case {
            "demoted" => {
                s.rest(
                    Method::DELETE,
                    &format!("/roles/{role}/users/{helper}"),
                    t,
                    None,
                )
                .await
            }
            "blocked" => {
                s.rest(
                    Method::PATCH,
                    &format!("/users/{helper}"),
                    t,
                    Some(json!({"blocked": true})),
                )
                .await
            }
            _ => {
                s.rest(Method::DELETE, &format!("/users/{helper}"), t, None)
                    .await
            }
        };
        assert!(status.is_success(), "{case}: {body}");
        assert_eq!(
            s.userinfo(&access).await.0,
            StatusCode::UNAUTHORIZED,
            "{case}: the access token"
        );
        let (status, body) = refresh(&s, &refresh_token).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::BAD_REQUEST, Some("invalid_grant")),
            "{case}: the refresh token: {body}"
        );
    }
}

#[tokio::test]
async fn sqlite_every_way_of_losing_the_right_refuses_the_refresh() {
    every_way_of_losing_the_right_refuses_the_refresh(sqlite_server().await).await;
}

#[tokio::test]
async fn postgres_every_way_of_losing_the_right_refuses_the_refresh() {
    every_way_of_losing_the_right_refuses_the_refresh(postgres_server().await).await;
}
