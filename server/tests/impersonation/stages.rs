//! Every configurable rule at every step after minting (issue 12): a link
//! minted while allowed, then the rule changes, is refused when it is
//! opened, when its app-initiated hint comes back, at the code exchange and
//! at a refresh, each refusal recorded with the rule's reason code.

use super::rules::{change_settings, open_with};
use super::*;

/// A change that makes the administrator's impersonation of the target
/// refused, with the code it is refused with.
#[derive(Clone, Copy, Debug)]
enum Change {
    SwitchedOff,
    Connection,
    TargetRole,
    Application,
    Approval,
    ReadOnly,
}

impl Change {
    fn code(self) -> &'static str {
        match self {
            Change::SwitchedOff => "impersonation_disabled",
            Change::Connection => "rule_connection",
            Change::TargetRole => "rule_target_role",
            Change::Application => "rule_application",
            Change::Approval => "approval_required",
            Change::ReadOnly => "read_only_required",
        }
    }

    async fn apply(self, s: &Server, c: &Ctx, other_connection: &str, other_role: &str) {
        change_settings(s, &c.token, |v| match self {
            Change::SwitchedOff => v["enabled"] = json!(false),
            Change::Connection => {
                v["rules"] = json!([{"role_id": "rol_admin", "connections": [other_connection]}])
            }
            Change::TargetRole => {
                v["rules"] = json!([{"role_id": "rol_admin", "target_roles": [other_role]}])
            }
            Change::Application => {
                v["rules"] = json!([{"role_id": "rol_admin", "applications": ["orders-spa"]}])
            }
            Change::Approval => {
                v["rules"] = json!([{"role_id": "rol_admin", "require_approval": true}])
            }
            Change::ReadOnly => v["rules"] = json!([{"role_id": "rol_admin", "read_only": true}]),
        })
        .await;
    }

    async fn undo(s: &Server, c: &Ctx) {
        change_settings(s, &c.token, |v| {
            v["enabled"] = json!(true);
            v["rules"] = json!([]);
        })
        .await;
    }
}

/// Whether the impersonation `id` has a denial recorded with `code` at
/// `stage`.
async fn denied_at(s: &Server, id: &str, code: &str, stage: &str) -> bool {
    !strings(
        &s.database_url,
        &format!(
            "SELECT event_type FROM audit_events WHERE event_type = 'impersonation.denied' \
             AND data LIKE '%{id}%' AND data LIKE '%\"{code}\"%' AND data LIKE '%\"{stage}\"%'"
        ),
    )
    .await
    .is_empty()
}

pub(super) async fn every_rule_denies_at_every_step(s: Server) {
    let c = setup(&s).await;
    let (_, conns) = s
        .rest(Method::GET, "/connections", Some(&c.token), None)
        .await;
    let other_connection = conns["connections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["name"] != "Username-Password-Authentication")
        .and_then(|x| x["id"].as_str())
        .unwrap()
        .to_string();
    let (_, role) = s
        .rest(
            Method::POST,
            "/roles",
            Some(&c.token),
            Some(json!({"name": "Beta testers"})),
        )
        .await;
    let other_role = role["id"].as_str().unwrap().to_string();
    s.update_application(&c.token, "sample-app", |b| {
        b["tokens"]["impersonation_refresh"] = json!(true)
    })
    .await;
    let authorize = |hint: &str| {
        format!(
            "{}/authorize?client_id=sample-app&response_type=code&scope=openid&state=st&nonce=n\
             &code_challenge={PKCE_CHALLENGE}&code_challenge_method=S256&redirect_uri={}&login_hint={}",
            s.base,
            encode(&c.callback),
            encode(hint)
        )
    };

    for change in [
        Change::SwitchedOff,
        Change::Connection,
        Change::TargetRole,
        Change::Application,
        Change::Approval,
        Change::ReadOnly,
    ] {
        let code = change.code();
        let what = format!("{change:?}");

        // Opening.
        let (_, link) = mint(&s, &c, json!({})).await;
        change.apply(&s, &c, &other_connection, &other_role).await;
        let (status, _, page) = open_with(link["url"].as_str().unwrap(), None).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{what} at opening: {page}");
        assert!(page.contains(code), "{what}: {page}");
        let id = link["impersonation_id"].as_str().unwrap();
        assert!(
            denied_at(&s, id, code, "redeem").await,
            "{what}: audited at opening"
        );
        Change::undo(&s, &c).await;

        // The app-initiated hint coming back.
        let (_, link) = mint(&s, &c, json!({"response_mode": "app_initiated"})).await;
        let (status, location, _) = open_with(link["url"].as_str().unwrap(), None).await;
        assert_eq!(status, StatusCode::FOUND, "{what}: {location}");
        let hint = params_of(&location)["login_hint"].clone();
        change.apply(&s, &c, &other_connection, &other_role).await;
        let (status, location, _) = open_with(&authorize(&hint), None).await;
        assert_eq!(status, StatusCode::FOUND, "{what} at the hint");
        assert_eq!(
            params_of(&location)["error"],
            "access_denied",
            "{what}: {location}"
        );
        let id = link["impersonation_id"].as_str().unwrap();
        assert!(
            denied_at(&s, id, code, "authorize").await,
            "{what}: audited at the hint"
        );
        Change::undo(&s, &c).await;

        // The code exchange.
        let (_, link) = mint(&s, &c, json!({})).await;
        let (_, location, _) = open_with(link["url"].as_str().unwrap(), None).await;
        let auth_code = params_of(&location)["code"].clone();
        change.apply(&s, &c, &other_connection, &other_role).await;
        let (status, body) = s.sample_app_exchange(&auth_code, &c.callback, None).await;
        assert_eq!(
            status,
            StatusCode::BAD_REQUEST,
            "{what} at the code exchange: {body}"
        );
        assert_eq!(body["error"], "invalid_grant");
        let id = link["impersonation_id"].as_str().unwrap();
        assert!(
            denied_at(&s, id, code, "code_exchange").await,
            "{what}: audited at the exchange"
        );
        Change::undo(&s, &c).await;

        // A refresh.
        let (_, link) = mint(&s, &c, json!({"scope": "openid offline_access"})).await;
        let (_, location, _) = open_with(link["url"].as_str().unwrap(), None).await;
        let (status, tokens) = s
            .sample_app_exchange(&params_of(&location)["code"], &c.callback, None)
            .await;
        assert_eq!(status, StatusCode::OK, "{what}: {tokens}");
        let refresh = tokens["refresh_token"]
            .as_str()
            .expect("opted in")
            .to_string();
        change.apply(&s, &c, &other_connection, &other_role).await;
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
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{what} at refresh");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"], "invalid_grant", "{what}: {body}");
        let id = link["impersonation_id"].as_str().unwrap();
        assert!(
            denied_at(&s, id, code, "refresh").await,
            "{what}: audited at refresh"
        );
        // The refusal ended the impersonation.
        let (_, live) = s
            .rest(Method::GET, "/impersonations", Some(&c.token), None)
            .await;
        assert!(!live.to_string().contains(id), "{what}: ended");
        Change::undo(&s, &c).await;
    }
}
