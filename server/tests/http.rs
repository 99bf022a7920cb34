//! HTTP tests of the console against the real binary, on SQLite and PostgreSQL.

#[macro_use]
mod common;

use common::*;
use masquerade::testing::strings;
use reqwest::header::{COOKIE, LOCATION, ORIGIN, SET_COOKIE};
use reqwest::StatusCode;
use serde_json::Value;

both_backends!(
    console_requires_sign_in,
    sign_in_and_permissions,
    bad_input_gets_field_errors_not_500s,
    cross_site_posts_are_refused,
);

async fn console_requires_sign_in(s: Server) {
    let res = client()
        .get(format!("{}/users?q=ada", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()[LOCATION], "/login?next=/users%3Fq%3Dada");
    let login = client()
        .get(format!("{}/login", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::OK);
    let html = login.text().await.unwrap();
    assert!(html.contains("Sign in") && html.contains("Email") && html.contains("Password"));
    let expired = client()
        .get(format!("{}/users", s.base))
        .header(COOKIE, "masq_session=forged")
        .send()
        .await
        .unwrap();
    assert_eq!(
        expired.status(),
        StatusCode::SEE_OTHER,
        "an unknown or expired session is sent to sign in"
    );
    let missing = client()
        .get(format!("{}/no/such/page", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::SEE_OTHER);
}

async fn sign_in_and_permissions(s: Server) {
    let (status, body, _) = s
        .call(
            "sign_in",
            None,
            &[("email", ADMIN.0), ("password", "wrong")],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["Forbidden"], "Wrong email or password.");

    let (status, _, _) = s.search_users(None, "").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let support = s
        .sign_in("support@masquerade.test", "masquerade-demo")
        .await;
    // A support agent reads users (users:read) but changes none.
    let (status, body, _) = s.search_users(Some(&support), "").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _, _) = s
        .call(
            "create_user",
            Some(&support),
            &[
                ("email", "x@example.com"),
                ("name", ""),
                ("connection_id", "x"),
                ("password", ""),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body_of_forbidden(&s, &support).await, "users:write");

    let admin = s.sign_in(ADMIN.0, ADMIN.1).await;
    let (status, body, _) = s.search_users(Some(&admin), "").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["total"], 205,
        "200 demo users, the demo admin, support agent, auditor and customer, and the configured admin"
    );
    assert_eq!(body["users"].as_array().unwrap().len(), 25);
    let page = client()
        .get(format!("{}/users", s.base))
        .header(COOKIE, &admin)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        page.text().await.unwrap().contains("205 users"),
        "the first page is rendered on the server"
    );

    let (status, _, headers) = s.call("sign_out", Some(&admin), &[]).await;
    assert!(status.is_success() || status.is_redirection());
    assert!(headers
        .get(SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap()
        .contains("Max-Age=0"));
    let (status, _, _) = s.search_users(Some(&admin), "").await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "signed-out sessions are dead on the server too"
    );
    // The sign-out is on the record for the person, with their IP.
    let out = strings(
        &s.database_url,
        "SELECT COALESCE(actor_id, '-') || ' ' || ip || ' ' || COALESCE(target_id, '') \
         FROM audit_events WHERE event_type = 'console.signed_out'",
    )
    .await;
    let admin_id = strings(
        &s.database_url,
        &format!("SELECT id FROM users WHERE email = '{}'", ADMIN.0),
    )
    .await;
    assert_eq!(out, vec![format!("{0} 127.0.0.1 {0}", admin_id[0])]);
}

async fn bad_input_gets_field_errors_not_500s(s: Server) {
    let admin = s.sign_in(ADMIN.0, ADMIN.1).await;
    let (_, conns, _) = s.call("list_connections", Some(&admin), &[]).await;
    let conn = conns[0]["id"].as_str().unwrap().to_string();

    let (status, body, _) = s
        .call(
            "create_user",
            Some(&admin),
            &[
                ("email", "not an email"),
                ("name", ""),
                ("connection_id", &conn),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = body["Invalid"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["email", "password"]);

    let (status, body, _) = s
        .call(
            "create_user",
            Some(&admin),
            &[
                ("email", "ADMIN@masquerade.test"),
                ("name", ""),
                ("connection_id", &conn),
                ("password", ""),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        body["Invalid"][0]["message"],
        "A user with this email already exists."
    );

    let long = "x".repeat(5000);
    let (status, _, _) = s
        .call(
            "create_user",
            Some(&admin),
            &[
                ("email", "ok@example.com"),
                ("name", &long),
                ("connection_id", &conn),
                ("password", ""),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    let (status, body, _) = s
        .call("get_user", Some(&admin), &[("id", "usr_doesnotexist")])
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");

    let (status, _, _) = s
        .call(
            "search_users",
            Some(&admin),
            &[
                ("q", ""),
                ("connection", ""),
                ("status", ""),
                ("sort", ""),
                ("desc", "false"),
                ("after", "%%%garbage"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    let (status, _, _) = s.call("search_users", Some(&admin), &[("q", "")]).await;
    assert!(
        status.is_client_error(),
        "missing arguments are a client error, got {status}"
    );

    let (_, before, _) = s.call("list_applications", Some(&admin), &[]).await;
    let res = client()
        .post(format!("{}/api/create_application", s.base))
        .header(ORIGIN, &s.base)
        .header(COOKIE, &admin)
        .header("content-type", "application/json")
        .body(r#"{"form":{"name":"Bad","app_type":"regular_web","callback_urls":"https://*.example.com/cb"}}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = res.json().await.unwrap();
    assert!(body["Invalid"][0]["message"]
        .as_str()
        .unwrap()
        .contains("wildcards are not allowed"));
    let (_, apps, _) = s.call("list_applications", Some(&admin), &[]).await;
    assert_eq!(apps, before, "nothing half-written");
}

async fn cross_site_posts_are_refused(s: Server) {
    let admin = s.sign_in(ADMIN.0, ADMIN.1).await;
    let res = client()
        .post(format!("{}/api/create_user", s.base))
        .header(ORIGIN, "http://evil.example")
        .header(COOKIE, &admin)
        .form(&[
            ("email", "csrf@example.com"),
            ("name", ""),
            ("connection_id", "x"),
            ("password", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "csrf_rejected");
    let res = client()
        .post(format!("{}/api/delete_user", s.base))
        .header(COOKIE, &admin)
        .form(&[("id", "usr_x")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::FORBIDDEN,
        "a session cookie without any origin information is refused"
    );
}

/// The permission a refused create_user names.
async fn body_of_forbidden(s: &Server, cookie: &str) -> String {
    let (_, body, _) = s
        .call(
            "create_user",
            Some(cookie),
            &[
                ("email", "x@example.com"),
                ("name", ""),
                ("connection_id", "x"),
                ("password", ""),
            ],
        )
        .await;
    body["NeedsPermission"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}
