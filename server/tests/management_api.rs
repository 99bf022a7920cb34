//! The management REST API over HTTP: authorization, CRUD, errors, OpenAPI.

#[macro_use]
mod common;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

both_backends!(
    tokens_are_required_and_checked,
    users_crud,
    applications_and_apis,
    errors_are_json_and_never_500,
    who_asks_for_what,
);

#[tokio::test]
async fn openapi_describes_every_route() {
    let s = sqlite_server().await;
    let res = client()
        .get(format!("{}/api/v1/openapi.json", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let doc: Value = res.json().await.unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    // Which operations exist is checked against the router itself (a unit
    // test next to the document); here, that the running server answers
    // each documented one: 401 without a token, the document itself 200.
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if method == "parameters" {
                continue;
            }
            let concrete = path.replace('{', "x-").replace('}', "");
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let (status, body) = s.rest(method.clone(), &concrete, None, None).await;
            let want = if op["security"] == json!([]) {
                StatusCode::OK
            } else {
                StatusCode::UNAUTHORIZED
            };
            assert_eq!(status, want, "{method} {path}: {body}");
        }
    }
    // Every $ref points at a schema that exists.
    let text = doc.to_string();
    for r in text.split("#/components/schemas/").skip(1) {
        let name: String = r.chars().take_while(|c| c.is_alphanumeric()).collect();
        assert!(
            doc["components"]["schemas"].get(&name).is_some(),
            "dangling $ref {name}"
        );
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["management"]["flows"]["clientCredentials"]
            ["tokenUrl"],
        format!("{}/oauth/token", s.base)
    );
}

async fn tokens_are_required_and_checked(s: Server) {
    let res = client()
        .get(format!("{}/api/v1/users", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(res.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .starts_with("Bearer"));
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "unauthorized");

    let (status, body) = s.rest(Method::GET, "/users", Some("not-a-jwt"), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "invalid_token");

    // The bootstrap client is not authorized for other APIs.
    let (status, _) = s
        .client_credentials(BOOTSTRAP, "https://api.orders.example/", None)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Narrowed to users:read: reading works, writing is refused, nothing is created.
    let aud = format!("{}/api/v1/", s.base);
    let read_only = s.m2m_token(BOOTSTRAP, &aud, Some("users:read")).await;
    let (status, _) = s.rest(Method::GET, "/users", Some(&read_only), None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = s
        .rest(
            Method::POST,
            "/users",
            Some(&read_only),
            Some(json!({"email": "nope@example.com", "password": "a-long-password-1"})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"], "insufficient_scope");
    let full = s.management_token().await;
    let (_, page) = s
        .rest(
            Method::GET,
            "/users?q=nope%40example.com",
            Some(&full),
            None,
        )
        .await;
    assert_eq!(page["total"], 0, "{page}");

    // A token asking for a permission the API does not define is refused at issuance.
    let (status, body) = s
        .client_credentials(BOOTSTRAP, &aud, Some("users:read everything:admin"))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_scope");
}

async fn users_crud(s: Server) {
    let t = s.management_token().await;
    let t = Some(t.as_str());
    let (status, user) = s
        .rest(
            Method::POST,
            "/users",
            t,
            Some(json!({
                "email": "rest.user@example.com",
                "name": "Rest User",
                "password": "a-long-password-1",
                "app_metadata": {"plan": "gold"}
            })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{user}");
    let id = user["id"].as_str().unwrap().to_string();
    assert_eq!(user["app_metadata"]["plan"], "gold");
    assert_eq!(user["has_password"], true);
    assert!(user.get("password_hash").is_none());

    let (status, body) = s
        .rest(
            Method::POST,
            "/users",
            t,
            Some(json!({"email": "REST.user@example.com"})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"], "conflict");

    let (status, page) = s.rest(Method::GET, "/users?q=rest", t, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["users"][0]["id"], id.as_str(), "{page}");

    let (status, patched) = s
        .rest(
            Method::PATCH,
            &format!("/users/{id}"),
            t,
            Some(json!({"name": "Renamed", "blocked": true})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{patched}");
    assert_eq!(patched["name"], "Renamed");
    assert_eq!(patched["blocked"], true);
    assert_eq!(patched["email"], "rest.user@example.com");

    // A bad field leaves the user as it was, blocked flag included.
    let (status, body) = s
        .rest(
            Method::PATCH,
            &format!("/users/{id}"),
            t,
            Some(json!({"email": "not-an-email", "blocked": false})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["fields"][0]["field"], "email");
    let (_, same) = s.rest(Method::GET, &format!("/users/{id}"), t, None).await;
    assert_eq!(same["blocked"], true);

    let (status, _) = s
        .rest(Method::DELETE, &format!("/users/{id}"), t, None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = s.rest(Method::GET, &format!("/users/{id}"), t, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"], "not_found");
}

async fn applications_and_apis(s: Server) {
    let t = s.management_token().await;
    let t = Some(t.as_str());
    let (status, created) = s
        .rest(
            Method::POST,
            "/applications",
            t,
            Some(json!({
                "name": "Billing worker",
                "app_type": "m2m",
                "grant_types": ["client_credentials"],
            })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let client_id = created["application"]["client_id"]
        .as_str()
        .unwrap()
        .to_string();
    let secret = created["client_secret"].as_str().unwrap().to_string();

    let (status, api) = s
        .rest(
            Method::POST,
            "/apis",
            t,
            Some(json!({
                "identifier": "https://billing.example/",
                "name": "Billing",
                "permissions": [{"value": "read:invoices", "description": "Read invoices"}]
            })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{api}");
    let api_id = api["id"].as_str().unwrap().to_string();

    // Not yet authorized: no token for that audience.
    let billing_api = "https://billing.example/";
    let creds = (client_id.as_str(), secret.as_str());
    let (status, _) = s.client_credentials(creds, billing_api, None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let (status, _) = s
        .rest(
            Method::PUT,
            &format!("/apis/{api_id}/clients/{client_id}"),
            t,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    s.m2m_token(creds, billing_api, None).await;

    // Rotation: the old secret stops working at once.
    let (status, rotated) = s
        .rest(
            Method::POST,
            &format!("/applications/{client_id}/rotate-secret"),
            t,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{rotated}");
    let (status, _) = s.client_credentials(creds, billing_api, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let new_secret = rotated["client_secret"].as_str().unwrap();
    s.m2m_token((client_id.as_str(), new_secret), billing_api, None)
        .await;

    // Token settings through PUT; a bad one changes nothing.
    let (status, app) = s
        .rest(
            Method::PUT,
            &format!("/applications/{client_id}"),
            t,
            Some(json!({
                "name": "Billing worker",
                "app_type": "m2m",
                "grant_types": ["client_credentials"],
                "tokens": {"id_token_lifetime_secs": 600, "refresh_tokens": false,
                           "refresh_rotation": true, "refresh_lifetime_secs": 3600, "signing_alg": "EdDSA"}
            })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{app}");
    assert_eq!(app["tokens"]["signing_alg"], "EdDSA");
    let (status, body) = s
        .rest(
            Method::PUT,
            &format!("/applications/{client_id}"),
            t,
            Some(json!({
                "name": "Renamed worker",
                "app_type": "m2m",
                "tokens": {"id_token_lifetime_secs": 1, "refresh_tokens": false,
                           "refresh_rotation": true, "refresh_lifetime_secs": 3600, "signing_alg": "HS256"}
            })),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (_, app) = s
        .rest(Method::GET, &format!("/applications/{client_id}"), t, None)
        .await;
    assert_eq!(app["name"], "Billing worker");

    // The built-in Management API is protected.
    let (_, apis) = s.rest(Method::GET, "/apis", t, None).await;
    let builtin = apis["apis"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["builtin"] == true)
        .unwrap()
        .clone();
    assert_eq!(builtin["identifier"], format!("{}/api/v1/", s.base));
    let (status, _) = s
        .rest(
            Method::DELETE,
            &format!("/apis/{}", builtin["id"].as_str().unwrap()),
            t,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Connections: disable the default connection for the app and back.
    let (status, conns) = s.rest(Method::GET, "/connections", t, None).await;
    assert_eq!(status, StatusCode::OK);
    let default = conns["connections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| {
            c["enabled_clients"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x == "sample-app")
        })
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, _) = s
        .rest(
            Method::DELETE,
            &format!("/connections/{default}/clients/sample-app"),
            t,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    // Deleting the API and the app.
    let (status, _) = s
        .rest(Method::DELETE, &format!("/apis/{api_id}"), t, None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = s
        .rest(
            Method::DELETE,
            &format!("/applications/{client_id}"),
            t,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = s
        .rest(
            Method::DELETE,
            &format!("/applications/{}", BOOTSTRAP.0),
            t,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
}

async fn errors_are_json_and_never_500(s: Server) {
    let t = s.management_token().await;
    let cases: Vec<(Method, &str, Option<Value>, StatusCode, &str)> = vec![
        (
            Method::GET,
            "/nothing-here",
            None,
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            Method::PATCH,
            "/applications",
            None,
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        ),
        (
            Method::POST,
            "/users",
            Some(json!({"email": "x@example.com", "role": "admin"})),
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            Method::POST,
            "/users",
            Some(json!(["not", "an", "object"])),
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            Method::POST,
            "/applications",
            Some(
                json!({"name": "", "app_type": "satellite", "callback_urls": ["https://*.x.com/cb"]}),
            ),
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            Method::POST,
            "/applications",
            Some(json!({"name": "A", "app_type": "spa", "connection_ids": ["con_missing"]})),
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            Method::POST,
            "/apis",
            Some(json!({"identifier": "not a uri", "name": "X", "signing_alg": "none"})),
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            Method::PUT,
            "/apis/api_missing/clients/sample-app",
            None,
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        // Ids that do not decode to UTF-8 name nothing (they used to get
        // the router's plain-text 400).
        (
            Method::GET,
            "/users/%FF",
            None,
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            Method::POST,
            "/users/%FF/impersonation",
            Some(json!({"impersonator_id": "usr_x", "client_id": "sample-app"})),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            Method::DELETE,
            "/apis/%00%FF/clients/sample-app",
            None,
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            Method::GET,
            "/users?limit=banana",
            None,
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
    ];
    for (method, path, body, want, code) in cases {
        let (status, got) = s.rest(method.clone(), path, Some(&t), body).await;
        assert_eq!(status, want, "{method} {path}: {got}");
        if !code.is_empty() {
            assert_eq!(got["error"], code, "{method} {path}: {got}");
            assert!(got["message"].as_str().is_some_and(|m| !m.is_empty()));
        }
    }
    // Not JSON at all.
    let res = client()
        .post(format!("{}/api/v1/users", s.base))
        .bearer_auth(&t)
        .header("content-type", "text/plain")
        .body("email=x")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let res = client()
        .post(format!("{}/api/v1/users", s.base))
        .bearer_auth(&t)
        .header("content-type", "application/json")
        .body("{\"email\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "invalid_request");
    // Over our limit, and over axum's (2 MiB) too: 413 either way, and the
    // client gets to read it.
    for size in [300 * 1024, 3 * 1024 * 1024] {
        let res = client()
            .post(format!("{}/api/v1/users", s.base))
            .bearer_auth(&t)
            .header("content-type", "application/json")
            .body(format!("{{\"email\": \"{}\"}}", "a".repeat(size)))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{size} bytes: the connection failed: {e}"));
        assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE, "{size} bytes");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"], "payload_too_large");
    }
}

/// A client gets only what it was granted, and asking for more names what
/// is missing; the impersonator is the token's user, and a machine client
/// must name one.
async fn who_asks_for_what(s: Server) {
    let admin = s.management_token().await;
    let t = Some(admin.as_str());
    let (_, apis) = s.rest(Method::GET, "/apis", t, None).await;
    let mgmt = apis["apis"]
        .as_array()
        .and_then(|a| a.iter().find(|a| a["builtin"] == true))
        .cloned()
        .unwrap();
    let (mgmt_id, aud) = (
        mgmt["id"].as_str().unwrap(),
        mgmt["identifier"].as_str().unwrap(),
    );

    let (id, secret) = s.m2m_app(&admin, "Limited reader").await;
    let (status, body) = s
        .rest(
            Method::PUT,
            &format!("/apis/{mgmt_id}/clients/{id}/permissions"),
            t,
            Some(json!({"permissions": ["users:read"]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = s
        .client_credentials((&id, &secret), aud, Some("users:read users:write"))
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_scope")),
        "{body}"
    );
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("users:write"),
        "names what is not granted: {body}"
    );
    let token = s.m2m_token((&id, &secret), aud, None).await;
    assert_eq!(
        jwt_claims(&token)["scope"],
        "users:read",
        "only what was granted"
    );

    // A machine client minting a link must say for whom it acts.
    let target = s.user_id(&admin, "customer@masquerade.test").await;
    let support = s.user_id(&admin, "support@masquerade.test").await;
    let mint = |token: String, body: Value| {
        let path = format!("/users/{target}/impersonation");
        let s = &s;
        async move { s.rest(Method::POST, &path, Some(&token), Some(body)).await }
    };
    let link = json!({"client_id": "sample-app", "reason": "Ticket 1", "response_type": "code", "state": "s"});
    let (status, body) = mint(admin.clone(), link.clone()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["fields"][0]["field"], "impersonator_id", "{body}");

    // With a person's own token, that person is the impersonator.
    let (status, _) = s
        .rest(
            Method::PUT,
            &format!("/apis/{mgmt_id}/clients/sample-app"),
            t,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let cookie = s.sign_in(ADMIN.0, ADMIN.1).await;
    let tokens = s
        .sample_app_tokens(
            &cookie,
            "openid impersonation:create users:read users:write",
            Some(aud),
        )
        .await;
    let own = tokens["access_token"].as_str().unwrap().to_string();
    let mut as_support = link.clone();
    as_support["impersonator_id"] = json!(support);
    let (status, body) = mint(own.clone(), as_support).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("the impersonator is that user"),
        "{body}"
    );
    let (status, body) = mint(own.clone(), link).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let imp = body["impersonation_id"].as_str().unwrap();
    let admin_id = s.user_id(&admin, ADMIN.0).await;
    let (_, events) = s
        .rest(
            Method::GET,
            &format!("/audit/events?impersonation={imp}"),
            t,
            None,
        )
        .await;
    assert_eq!(
        events["events"][0]["actor_id"],
        admin_id.as_str(),
        "{events}"
    );

    // The rules of the core hold over REST too: nobody blocks or deletes
    // their own account.
    let (status, body) = s
        .rest(
            Method::PATCH,
            &format!("/users/{admin_id}"),
            Some(&own),
            Some(json!({"blocked": true})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("your own account"),
        "{body}"
    );
    let (status, body) = s
        .rest(
            Method::DELETE,
            &format!("/users/{admin_id}"),
            Some(&own),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (_, me) = s
        .rest(Method::GET, &format!("/users/{admin_id}"), t, None)
        .await;
    assert_eq!(me["blocked"], false, "{me}");
}
