//! The matrix's columns: no credentials, console sessions of people with
//! different roles, their Management API tokens, a machine client holding
//! only users:read, and an impersonated user's access token.

use reqwest::header::LOCATION;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use super::common::*;
use super::expect::Holds;

const PASSWORD: &str = "matrix-password-0123";
/// Every Management API permission, as the product defines them (the
/// Administrator holds them all; a hand-kept list here once missed one).
fn all() -> Vec<&'static str> {
    masquerade::authz::Permission::ALL
        .iter()
        .map(|p| p.as_str())
        .collect()
}

pub enum Principal {
    Nobody,
    Session {
        name: &'static str,
        cookie: String,
        holds: Holds,
    },
    Token {
        name: &'static str,
        token: String,
        holds: Holds,
    },
}

impl Principal {
    pub fn name(&self) -> &'static str {
        match self {
            Principal::Nobody => "no session or token",
            Principal::Session { name, .. } | Principal::Token { name, .. } => name,
        }
    }

    pub fn holds(&self) -> &Holds {
        static NOTHING: std::sync::OnceLock<Holds> = std::sync::OnceLock::new();
        match self {
            Principal::Nobody => NOTHING.get_or_init(Holds::default),
            Principal::Session { holds, .. } | Principal::Token { holds, .. } => holds,
        }
    }

    pub fn is_session(&self) -> bool {
        matches!(self, Principal::Session { .. })
    }

    pub fn is_token(&self) -> bool {
        matches!(self, Principal::Token { .. })
    }
}

pub struct Principals(Vec<Principal>);

impl Principals {
    pub fn all(&self) -> impl Iterator<Item = &Principal> {
        self.0.iter()
    }

    pub async fn set_up(s: &Server) -> Principals {
        let admin_token = s.management_token().await;
        let t = Some(admin_token.as_str());
        let (_, apis) = s.rest(Method::GET, "/apis", t, None).await;
        let mgmt = apis["apis"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["builtin"] == true)
            .unwrap()
            .clone();
        let mgmt_id = mgmt["id"].as_str().unwrap().to_string();
        let audience = mgmt["identifier"].as_str().unwrap().to_string();
        // The sample app may ask for Management API tokens for its users.
        let (status, body) = s
            .rest(
                Method::PUT,
                &format!("/apis/{mgmt_id}/clients/sample-app"),
                t,
                None,
            )
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{body}");

        let user = |email: &'static str| {
            let t = admin_token.clone();
            async move {
                let (status, u) = s
                    .rest(
                        Method::POST,
                        "/users",
                        Some(&t),
                        Some(json!({"email": email, "password": PASSWORD})),
                    )
                    .await;
                assert_eq!(status, StatusCode::CREATED, "{u}");
                u["id"].as_str().unwrap().to_string()
            }
        };
        user("norole@matrix.example").await;
        let scoped = user("scoped@matrix.example").await;
        let (status, role) = s
            .rest(
                Method::POST,
                "/roles",
                t,
                Some(json!({"name": "Matrix billing support", "client_id": "sample-app"})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{role}");
        let role_id = role["id"].as_str().unwrap();
        let perms = json!({"permissions": [
            {"api_id": mgmt_id, "permission": "users:read"},
            {"api_id": mgmt_id, "permission": "impersonation:create"}
        ]});
        let (status, body) = s
            .rest(
                Method::POST,
                &format!("/roles/{role_id}/permissions"),
                t,
                Some(perms),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let (status, body) = s
            .rest(
                Method::POST,
                &format!("/roles/{role_id}/users"),
                t,
                Some(json!({"users": [scoped]})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");

        let people: [(&str, &str, &str, Holds); 5] = [
            (
                "user with no role",
                "norole@matrix.example",
                PASSWORD,
                Holds::default(),
            ),
            (
                "Auditor",
                "auditor@masquerade.test",
                "masquerade-demo",
                holds(&["audit:read", "impersonation:read"], &[]),
            ),
            (
                "Support agent",
                "support@masquerade.test",
                "masquerade-demo",
                holds(
                    &[
                        "users:read",
                        "impersonation:create",
                        "impersonation:read",
                        "audit:read",
                    ],
                    &[],
                ),
            ),
            (
                "application-scoped impersonator",
                "scoped@matrix.example",
                PASSWORD,
                holds(&["users:read"], &["impersonation:create"]),
            ),
            ("Administrator", ADMIN.0, ADMIN.1, holds(&all(), &[])),
        ];
        let mut all = vec![Principal::Nobody];
        for (name, email, password, h) in people {
            let cookie = s.sign_in(email, password).await;
            let token = user_token(s, &cookie, &audience).await;
            all.push(Principal::Session {
                name: leak(format!("{name} (console session)")),
                cookie,
                holds: h.clone(),
            });
            all.push(Principal::Token {
                name: leak(format!("{name} (Management API token)")),
                token,
                holds: h,
            });
        }
        all.push(Principal::Token {
            name: "machine client holding only users:read",
            token: reader_client(s, &admin_token, &mgmt_id, &audience).await,
            holds: holds(&["users:read"], &[]),
        });
        all.push(Principal::Token {
            name: "an impersonated user's access token",
            token: impersonated_token(s, &admin_token, &audience).await,
            holds: Holds::default(),
        });
        Principals(all)
    }
}

fn holds(tenant: &[&'static str], somewhere: &[&'static str]) -> Holds {
    Holds {
        tenant: tenant.to_vec(),
        somewhere: somewhere.to_vec(),
    }
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// A Management API token for the signed-in user, through the sample
/// app's code flow; its scope is what the user holds.
async fn user_token(s: &Server, cookie: &str, audience: &str) -> String {
    let scope = format!("openid {}", all().join(" "));
    let tokens = s.sample_app_tokens(cookie, &scope, Some(audience)).await;
    tokens["access_token"].as_str().unwrap().to_string()
}

async fn reader_client(s: &Server, admin: &str, mgmt_id: &str, audience: &str) -> String {
    let (id, secret) = s.m2m_app(admin, "Matrix reader").await;
    let (status, body) = s
        .rest(
            Method::PUT,
            &format!("/apis/{mgmt_id}/clients/{id}/permissions"),
            Some(admin),
            Some(json!({"permissions": ["users:read"]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    s.m2m_token((&id, &secret), audience, None).await
}

/// The demo administrator signs in as a customer into the sample app, with
/// the Management API as the audience: the token carries `act`.
async fn impersonated_token(s: &Server, admin: &str, audience: &str) -> String {
    let admin_id = s.user_id(admin, "admin@masquerade.test").await;
    let target = s.user_id(admin, "customer@masquerade.test").await;
    let (status, link) = s
        .rest(
            Method::POST,
            &format!("/users/{target}/impersonation"),
            Some(admin),
            Some(json!({
                "impersonator_id": admin_id, "client_id": "sample-app", "reason": "matrix",
                "response_type": "code", "scope": "openid users:read", "state": "s",
                "audience": audience,
            })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{link}");
    let res = client()
        .get(link["url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    let location = res.headers()[LOCATION].to_str().unwrap().to_string();
    let code = params_of(&location).remove("code").unwrap();
    let callback = format!("{}/sample-app/callback", s.base);
    let (status, tokens) = s.sample_app_exchange(&code, &callback, None).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let token = tokens["access_token"].as_str().unwrap().to_string();
    let claims: Value = jwt_claims(&token);
    assert!(claims["act"].is_object(), "{claims}");
    token
}
