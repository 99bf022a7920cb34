//! Grants and codes against revocation and the redirect_uri rule, in the
//! core on SQLite and PostgreSQL: a revoke that lands between a link's
//! claim and its grant, two revokes racing, a code whose grant was revoked,
//! and a token request for an authorization request without redirect_uri.

use std::collections::HashMap;

use masquerade::bootstrap::ensure_defaults;
use masquerade::domain::impersonation::Impersonation;
use masquerade::domain::{Application, ApplicationInput, NewUser, User};
use masquerade::oidc::authorize::{check_client, validate, AuthorizeRequest};
use masquerade::oidc::issue::{authorization_response, token_request, Actor, Subject};
use masquerade::store::impersonations::Claim;
use masquerade::store::AuditContext;
use masquerade::testing::{fresh_link, fresh_pg_url, fresh_sqlite_url, params as map, strings};
use masquerade::Services;
use serde_json::json;

const NOW: i64 = 1_800_000_000;
const CALLBACK: &str = "https://shop.example.com/cb";

struct World {
    svc: Services,
    url: String,
    app: Application,
    admin: User,
    user: User,
}

async fn world(url: &str) -> World {
    let svc = masquerade::testing::services(url, "https://id.example.com", NOW).await;
    let ctx = AuditContext::system();
    let conn = ensure_defaults(&svc.store, NOW).await.unwrap();
    let person = |email: &str| NewUser {
        email: email.into(),
        name: email.into(),
        connection_id: conn.clone(),
        ..Default::default()
    };
    let admin = svc
        .store
        .create_user(&ctx, &person("admin@example.com"), None, &[], NOW)
        .await
        .unwrap();
    let user = svc
        .store
        .create_user(&ctx, &person("ada@example.com"), None, &[], NOW)
        .await
        .unwrap();
    let (app, _) = svc
        .store
        .create_application(
            &ctx,
            &ApplicationInput {
                name: "Shop".into(),
                app_type: "regular_web".into(),
                callback_urls: vec![CALLBACK.into()],
                grant_types: vec!["authorization_code".into()],
                allow_impersonation: true,
                connection_ids: vec![conn.clone()],
                ..Default::default()
            },
            NOW,
        )
        .await
        .unwrap();
    World {
        svc,
        url: url.to_string(),
        app,
        admin,
        user,
    }
}

/// A code-flow authorization request for the shop, as `/authorize` parses it.
fn code_request(w: &World, extra: &[(&str, &str)]) -> AuthorizeRequest {
    let mut p = vec![
        ("client_id", w.app.client_id.as_str()),
        ("response_type", "code"),
        ("state", "st"),
    ];
    p.extend_from_slice(extra);
    let params = map(&p);
    let (app, redirect) = check_client(&params, Some(&w.app)).unwrap();
    validate(&params, app, redirect, &[]).unwrap()
}

/// A Sign in as User link for the shop, stored and claimed as a browser
/// opening it would.
async fn claimed_link(w: &World, id: &str) -> Impersonation {
    let ctx = AuditContext::system();
    let rec = Impersonation {
        actor_id: w.admin.id.clone(),
        actor_email: w.admin.email.clone(),
        target_id: w.user.id.clone(),
        target_email: w.user.email.clone(),
        client_id: w.app.client_id.clone(),
        redirect_uri: CALLBACK.into(),
        ..fresh_link(id, NOW)
    };
    w.svc
        .store
        .insert_impersonation(&ctx, &rec, &format!("hash-{id}"), json!({}))
        .await
        .unwrap();
    let claim = Claim {
        session_expires_at: NOW + 3600,
        hint: None,
    };
    assert!(w
        .svc
        .store
        .claim_impersonation(&ctx, &rec, &claim, json!({}), NOW)
        .await
        .unwrap());
    Impersonation {
        redeemed_at: NOW,
        session_expires_at: NOW + 3600,
        ..rec
    }
}

async fn live_grants_of(w: &World, impersonation: &str) -> Vec<String> {
    strings(
        &w.url,
        &format!(
            "SELECT id FROM grants WHERE impersonation_id = '{impersonation}' AND revoked_at = 0"
        ),
    )
    .await
}

/// The link was claimed, then revoked before its grant was made: the grant
/// must not come into being (it would be live, with nothing left to revoke it).
async fn revoke_between_claim_and_grant(url: &str) {
    let w = world(url).await;
    let rec = claimed_link(&w, "imp_race1").await;
    w.svc
        .store
        .revoke_impersonation(&AuditContext::system(), &rec.id, json!({}), NOW)
        .await
        .unwrap();
    let actor = Actor::of(&rec);
    let subject = Subject {
        user: &w.user,
        auth_time: NOW,
        actor: Some(&actor),
    };
    let req = code_request(&w, &[("redirect_uri", CALLBACK), ("scope", "openid")]);
    let refused = authorization_response(&w.svc, &req, &w.app, subject, None, NOW).await;
    assert_eq!(refused.unwrap_err().error, "access_denied");
    assert!(live_grants_of(&w, &rec.id).await.is_empty());
    assert!(
        strings(&w.url, "SELECT grant_id FROM authorization_codes")
            .await
            .is_empty(),
        "no code was stored either"
    );

    // Unrevoked, the same redemption gets its grant, tied to the link.
    let rec = claimed_link(&w, "imp_race2").await;
    let actor = Actor::of(&rec);
    let subject = Subject {
        user: &w.user,
        auth_time: NOW,
        actor: Some(&actor),
    };
    authorization_response(&w.svc, &req, &w.app, subject, None, NOW)
        .await
        .unwrap();
    let live = live_grants_of(&w, &rec.id).await;
    assert_eq!(live.len(), 1);
    let tied = w.svc.store.get_impersonation(&rec.id).await.unwrap();
    assert_eq!(tied.grant_id.as_deref(), Some(live[0].as_str()));
    assert!(matches!(
        w.svc.store.verify_audit_chain().await.unwrap(),
        masquerade::store::ChainCheck::Intact { .. }
    ));
}

/// Two revokes at once: one wins, the other hears it was already revoked,
/// and the log has one `impersonation.revoked`.
async fn concurrent_revokes_record_once(url: &str) {
    let w = world(url).await;
    for round in 0..5 {
        let id = format!("imp_double{round}");
        let rec = claimed_link(&w, &id).await;
        let ctx = AuditContext::system();
        let revoke = || {
            w.svc
                .store
                .revoke_impersonation(&ctx, &rec.id, json!({}), NOW)
        };
        let (a, b) = tokio::join!(revoke(), revoke());
        assert_eq!(
            [a.is_ok(), b.is_ok()].iter().filter(|ok| **ok).count(),
            1,
            "exactly one revoke succeeds: {a:?} {b:?}"
        );
        let events = strings(
            &w.url,
            &format!(
                "SELECT id FROM audit_events WHERE event_type = 'impersonation.revoked' \
                 AND data LIKE '%{id}%'"
            ),
        )
        .await;
        let all = strings(
            &w.url,
            "SELECT id FROM audit_events WHERE event_type = 'impersonation.revoked'",
        )
        .await;
        assert!(events.len() <= 1);
        assert_eq!(all.len(), round + 1, "one event per impersonation");
    }
}

/// A revoke and "Revoke all" at once: the impersonation is revoked once,
/// and the log says so once (PostgreSQL re-reads the row that Revoke all
/// waited for, and must not write its event when nothing changed).
async fn revoke_and_revoke_all_record_once(url: &str) {
    let w = world(url).await;
    let revoked_events = || async {
        strings(
            &w.url,
            "SELECT id FROM audit_events WHERE event_type = 'impersonation.revoked'",
        )
        .await
        .len()
    };
    for round in 0..10 {
        let rec = claimed_link(&w, &format!("imp_all{round}")).await;
        let before = revoked_events().await;
        let ctx = AuditContext::system();
        let (one, all) = tokio::join!(
            w.svc
                .store
                .revoke_impersonation(&ctx, &rec.id, json!({}), NOW),
            w.svc
                .store
                .revoke_all_impersonations(&ctx, "E2E: racing", NOW),
        );
        let all = all.unwrap();
        assert_eq!(
            usize::from(one.is_ok()) + all,
            1,
            "round {round}: revoked once, by one of them: {one:?}, Revoke all counted {all}"
        );
        assert_eq!(
            revoked_events().await,
            before + 1,
            "round {round}: one event"
        );
    }
}

/// A code is worth nothing once its grant is revoked.
async fn code_of_a_revoked_grant_is_refused(url: &str) {
    let w = world(url).await;
    let req = code_request(&w, &[("redirect_uri", CALLBACK), ("scope", "openid")]);
    let subject = Subject {
        user: &w.user,
        auth_time: NOW,
        actor: None,
    };
    let resp = authorization_response(&w.svc, &req, &w.app, subject, None, NOW)
        .await
        .unwrap();
    let code = resp.iter().find(|(k, _)| k == "code").unwrap().1.clone();
    let grants = strings(&w.url, "SELECT id FROM grants").await;
    assert_eq!(grants.len(), 1);
    w.svc.store.revoke_grant(&grants[0], NOW).await.unwrap();
    let refused = token_request(
        &w.svc,
        &w.app,
        &map(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", CALLBACK),
        ]),
        &AuditContext::system(),
        NOW + 1,
    )
    .await;
    assert_eq!(refused.unwrap_err().error, "invalid_grant");
}

/// RFC 6749 §4.1.3: redirect_uri is required at the token endpoint only if
/// the authorization request had it.
async fn redirect_uri_only_when_it_was_sent(url: &str) {
    let w = world(url).await;
    let exchange = |code: String, redirect: Option<&'static str>| {
        let mut p = vec![
            ("grant_type", "authorization_code".to_string()),
            ("code", code),
        ];
        if let Some(r) = redirect {
            p.push(("redirect_uri", r.to_string()));
        }
        let params: HashMap<String, String> =
            p.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
        let svc = &w.svc;
        let app = &w.app;
        async move { token_request(svc, app, &params, &AuditContext::system(), NOW + 1).await }
    };
    let new_code = |req: AuthorizeRequest| {
        let svc = &w.svc;
        let app = &w.app;
        let user = &w.user;
        async move {
            let subject = Subject {
                user,
                auth_time: NOW,
                actor: None,
            };
            let resp = authorization_response(svc, &req, app, subject, None, NOW)
                .await
                .unwrap();
            resp.into_iter().find(|(k, _)| k == "code").unwrap().1
        }
    };
    // Left out (one registered callback, no openid): optional here.
    let omitted = code_request(&w, &[]);
    assert_eq!(omitted.redirect_uri, CALLBACK);
    let code = new_code(omitted.clone()).await;
    exchange(code, None).await.unwrap();
    let code = new_code(omitted.clone()).await;
    exchange(code, Some(CALLBACK)).await.unwrap();
    let code = new_code(omitted).await;
    assert_eq!(
        exchange(code, Some("https://evil.example/cb"))
            .await
            .unwrap_err()
            .error,
        "invalid_grant"
    );
    // Sent: required, and the same.
    let sent = code_request(&w, &[("redirect_uri", CALLBACK)]);
    let code = new_code(sent.clone()).await;
    assert_eq!(
        exchange(code, None).await.unwrap_err().error,
        "invalid_grant"
    );
    let code = new_code(sent).await;
    exchange(code, Some(CALLBACK)).await.unwrap();
}

macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $(#[tokio::test] async fn $name() { let (url, _dir) = super::fresh_sqlite_url(); super::$name(&url).await; })* }
        mod postgres { $(#[tokio::test] async fn $name() { super::$name(&super::fresh_pg_url().await).await; })* }
    };
}

both_backends!(
    revoke_between_claim_and_grant,
    concurrent_revokes_record_once,
    revoke_and_revoke_all_record_once,
    code_of_a_revoked_grant_is_refused,
    redirect_uri_only_when_it_was_sent,
);
