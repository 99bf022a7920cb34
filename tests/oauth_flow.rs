//! Token issuance end to end in the core, on SQLite and PostgreSQL: code
//! exchange with PKCE, code replay, refresh rotation and reuse detection,
//! client credentials for an API.

use masquerade::bootstrap::ensure_defaults;
use masquerade::domain::{
    ApiInput, ApplicationInput, NewUser, Permission, PermissionRef, RoleInput,
};
use masquerade::oidc::authorize::{check_client, validate};
use masquerade::oidc::issue::{
    authenticate_client, authorization_response, token_request, ClientAuth, Subject,
};
use masquerade::store::AuditContext;
use masquerade::testing::{fresh_pg_url, fresh_sqlite_url, params as map};
use masquerade::Services;
use serde_json::Value;

fn subject(user: &masquerade::domain::User, auth_time: i64) -> Subject<'_> {
    Subject {
        user,
        auth_time,
        actor: None,
    }
}

const NOW: i64 = 1_800_000_000;
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

async fn services(url: &str) -> Services {
    masquerade::testing::services(url, "https://id.example.com", NOW).await
}

async fn flows(url: &str) {
    let svc = services(url).await;
    let ctx = AuditContext::system();
    let conn = ensure_defaults(&svc.store, NOW).await.unwrap();
    let user = svc
        .store
        .create_user(
            &ctx,
            &NewUser {
                email: "ada@example.com".into(),
                name: "Ada".into(),
                connection_id: conn.clone(),
                ..Default::default()
            },
            None,
            &[],
            NOW,
        )
        .await
        .unwrap();
    let (web, secret) = svc
        .store
        .create_application(
            &ctx,
            &ApplicationInput {
                name: "Shop".into(),
                app_type: "regular_web".into(),
                callback_urls: vec!["https://shop.example.com/cb".into()],
                grant_types: vec![
                    "authorization_code".into(),
                    "refresh_token".into(),
                    "client_credentials".into(),
                ],
                connection_ids: vec![conn.clone()],
                ..Default::default()
            },
            NOW,
        )
        .await
        .unwrap();
    let secret = secret.unwrap().0;
    let api = svc
        .store
        .create_api(
            &ctx,
            &ApiInput {
                identifier: "https://orders.example.com/".into(),
                name: "Orders".into(),
                signing_alg: "RS256".into(),
                token_lifetime_secs: 600,
                permissions: vec![Permission {
                    value: "read:orders".into(),
                    description: String::new(),
                    read_only: None,
                }],
                permissions_in_token: true,
            },
            false,
            NOW,
        )
        .await
        .unwrap();
    svc.store
        .set_api_client(&ctx, &api.id, &web.client_id, true, NOW)
        .await
        .unwrap();
    // The user may read orders through a role; the client as itself may
    // read them too (client_credentials), and nothing else.
    let role = svc
        .store
        .create_role(
            &ctx,
            &RoleInput {
                name: "Order readers".into(),
                ..Default::default()
            },
            &[PermissionRef {
                api_id: api.id.clone(),
                permission: "read:orders".into(),
            }],
            NOW,
        )
        .await
        .unwrap();
    svc.store
        .assign_role(&ctx, &role.id, std::slice::from_ref(&user.id), NOW)
        .await
        .unwrap();
    svc.store
        .set_client_grant(&ctx, &api.id, &web.client_id, &["read:orders".into()], NOW)
        .await
        .unwrap();
    let audiences = svc
        .store
        .audiences_for_client(&web.client_id)
        .await
        .unwrap();

    // Authorization request → code.
    let params = map(&[
        ("client_id", &web.client_id),
        ("redirect_uri", "https://shop.example.com/cb"),
        ("response_type", "code"),
        ("scope", "openid email offline_access read:orders bogus"),
        ("state", "st"),
        ("nonce", "n-1"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
        ("audience", "https://orders.example.com/"),
    ]);
    let (app, redirect) = check_client(&params, Some(&web)).unwrap();
    let req = validate(&params, app, redirect, &audiences).unwrap();
    let api_full = svc
        .store
        .api_by_identifier("https://orders.example.com/")
        .await
        .unwrap();
    let resp = authorization_response(
        &svc,
        &req,
        app,
        subject(&user, NOW - 5),
        api_full.as_ref(),
        NOW,
    )
    .await
    .unwrap();
    let get = |k: &str| resp.iter().find(|(a, _)| a == k).map(|(_, v)| v.clone());
    let code = get("code").unwrap();
    assert_eq!(get("state").as_deref(), Some("st"));
    assert_eq!(get("iss").as_deref(), Some("https://id.example.com"));

    // Client authentication.
    let auth = ClientAuth {
        client_id: web.client_id.clone(),
        secret: Some(secret.clone()),
    };
    let client = authenticate_client(&svc, &auth).await.unwrap();
    let wrong = ClientAuth {
        client_id: web.client_id.clone(),
        secret: Some("nope".into()),
    };
    assert_eq!(
        authenticate_client(&svc, &wrong).await.unwrap_err().error,
        "invalid_client"
    );

    // Wrong verifier fails (and burns the code, as any presentation does).
    let token_params = |verifier: &str| {
        map(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", "https://shop.example.com/cb"),
            ("code_verifier", verifier),
        ])
    };
    let body = token_request(
        &svc,
        &client,
        &token_params(VERIFIER),
        &AuditContext::system(),
        NOW + 1,
    )
    .await
    .unwrap();
    let at = body["access_token"].as_str().unwrap();
    let claims: Value = svc.keys.verify(at, Some("at+jwt"), NOW + 2).await.unwrap();
    assert_eq!(claims["sub"], user.id.as_str());
    assert_eq!(claims["aud"][0], "https://orders.example.com/");
    assert_eq!(
        claims["scope"], "openid email offline_access read:orders",
        "unknown scopes are dropped"
    );
    assert_eq!(claims["permissions"], serde_json::json!(["read:orders"]));
    assert_eq!(
        jsonwebtoken::decode_header(at).unwrap().alg,
        jsonwebtoken::Algorithm::RS256,
        "the API's algorithm"
    );
    let idt: Value = svc
        .keys
        .verify(body["id_token"].as_str().unwrap(), None, NOW + 2)
        .await
        .unwrap();
    assert_eq!(idt["nonce"], "n-1");
    assert_eq!(idt["azp"], web.client_id.as_str());
    assert_eq!(idt["auth_time"], NOW - 5);
    assert_eq!(idt["email"], "ada@example.com");
    assert!(idt["at_hash"].is_string());
    let refresh = body["refresh_token"].as_str().unwrap().to_string();

    // Replaying the code fails and revokes the grant.
    let replay = token_request(
        &svc,
        &client,
        &token_params(VERIFIER),
        &AuditContext::system(),
        NOW + 3,
    )
    .await
    .unwrap_err();
    assert_eq!(replay.error, "invalid_grant");
    let gid = claims["gid"].as_str().unwrap();
    assert!(!svc.store.grant_active(gid, NOW + 3).await.unwrap());
    let r = token_request(
        &svc,
        &client,
        &map(&[("grant_type", "refresh_token"), ("refresh_token", &refresh)]),
        &AuditContext::system(),
        NOW + 4,
    )
    .await;
    assert_eq!(
        r.unwrap_err().error,
        "invalid_grant",
        "refresh dies with the revoked grant"
    );

    // A fresh grant: refresh rotation and reuse detection.
    let resp = authorization_response(
        &svc,
        &req,
        app,
        subject(&user, NOW),
        api_full.as_ref(),
        NOW + 10,
    )
    .await
    .unwrap();
    let code2 = resp.iter().find(|(a, _)| a == "code").unwrap().1.clone();
    let p2 = map(&[
        ("grant_type", "authorization_code"),
        ("code", &code2),
        ("redirect_uri", "https://shop.example.com/cb"),
        ("code_verifier", "x".repeat(43).as_str()),
    ]);
    assert_eq!(
        token_request(&svc, &client, &p2, &AuditContext::system(), NOW + 11)
            .await
            .unwrap_err()
            .error,
        "invalid_grant",
        "wrong verifier"
    );
    let resp = authorization_response(
        &svc,
        &req,
        app,
        subject(&user, NOW),
        api_full.as_ref(),
        NOW + 20,
    )
    .await
    .unwrap();
    let code3 = resp.iter().find(|(a, _)| a == "code").unwrap().1.clone();
    let p3 = map(&[
        ("grant_type", "authorization_code"),
        ("code", &code3),
        ("redirect_uri", "https://shop.example.com/cb"),
        ("code_verifier", VERIFIER),
    ]);
    let b3 = token_request(&svc, &client, &p3, &AuditContext::system(), NOW + 21)
        .await
        .unwrap();
    let r1 = b3["refresh_token"].as_str().unwrap().to_string();
    let b4 = token_request(
        &svc,
        &client,
        &map(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", &r1),
            ("scope", "openid read:orders"),
        ]),
        &AuditContext::system(),
        NOW + 22,
    )
    .await
    .unwrap();
    assert_eq!(
        b4["scope"], "openid read:orders",
        "a refresh may narrow the scope"
    );
    let r2 = b4["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(r1, r2);
    let widen = token_request(
        &svc,
        &client,
        &map(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", &r2),
            ("scope", "openid admin"),
        ]),
        &AuditContext::system(),
        NOW + 23,
    )
    .await;
    assert_eq!(widen.unwrap_err().error, "invalid_scope");
    let reuse = token_request(
        &svc,
        &client,
        &map(&[("grant_type", "refresh_token"), ("refresh_token", &r1)]),
        &AuditContext::system(),
        NOW + 24,
    )
    .await;
    assert_eq!(reuse.unwrap_err().error, "invalid_grant");

    // Expired code.
    let resp = authorization_response(
        &svc,
        &req,
        app,
        subject(&user, NOW),
        api_full.as_ref(),
        NOW + 30,
    )
    .await
    .unwrap();
    let code4 = resp.iter().find(|(a, _)| a == "code").unwrap().1.clone();
    let p4 = map(&[
        ("grant_type", "authorization_code"),
        ("code", &code4),
        ("redirect_uri", "https://shop.example.com/cb"),
        ("code_verifier", VERIFIER),
    ]);
    assert_eq!(
        token_request(&svc, &client, &p4, &AuditContext::system(), NOW + 30 + 61)
            .await
            .unwrap_err()
            .error,
        "invalid_grant"
    );

    // Client credentials.
    let cc = token_request(
        &svc,
        &client,
        &map(&[
            ("grant_type", "client_credentials"),
            ("audience", "https://orders.example.com/"),
        ]),
        &AuditContext::system(),
        NOW,
    )
    .await
    .unwrap();
    let cc_claims: Value = svc
        .keys
        .verify(cc["access_token"].as_str().unwrap(), Some("at+jwt"), NOW)
        .await
        .unwrap();
    assert_eq!(cc_claims["sub"], format!("{}@clients", web.client_id));
    assert_eq!(cc_claims["scope"], "read:orders");
    assert_eq!(cc_claims["permissions"], serde_json::json!(["read:orders"]));
    // "Add permissions in the access token" off: the scope stays, the
    // permissions claim goes.
    let mut without = ApiInput {
        identifier: "https://orders.example.com/".into(),
        name: "Orders".into(),
        signing_alg: "RS256".into(),
        token_lifetime_secs: 600,
        permissions: vec![Permission {
            value: "read:orders".into(),
            description: String::new(),
            read_only: None,
        }],
        permissions_in_token: false,
    };
    svc.store
        .update_api(&ctx, &api.id, &without, NOW)
        .await
        .unwrap();
    let cc = token_request(
        &svc,
        &client,
        &map(&[
            ("grant_type", "client_credentials"),
            ("audience", "https://orders.example.com/"),
        ]),
        &AuditContext::system(),
        NOW,
    )
    .await
    .unwrap();
    let off: Value = svc
        .keys
        .verify(cc["access_token"].as_str().unwrap(), Some("at+jwt"), NOW)
        .await
        .unwrap();
    assert_eq!(off["scope"], "read:orders");
    assert!(off.get("permissions").is_none(), "{off}");
    without.permissions_in_token = true;
    svc.store
        .update_api(&ctx, &api.id, &without, NOW)
        .await
        .unwrap();
    let no_api = token_request(
        &svc,
        &client,
        &map(&[
            ("grant_type", "client_credentials"),
            ("audience", "https://nope.example.com/"),
        ]),
        &AuditContext::system(),
        NOW,
    )
    .await;
    assert_eq!(no_api.unwrap_err().error, "invalid_target");
    let bad_grant = token_request(
        &svc,
        &client,
        &map(&[("grant_type", "password")]),
        &AuditContext::system(),
        NOW,
    )
    .await;
    assert_eq!(bad_grant.unwrap_err().error, "unsupported_grant_type");
}

#[tokio::test]
async fn sqlite_flows() {
    let (url, _dir) = fresh_sqlite_url();
    flows(&url).await;
}

#[tokio::test]
async fn postgres_flows() {
    flows(&fresh_pg_url().await).await;
}
