//! Four-eyes approval over HTTP (issue 12): a role's rule turns minting
//! into a request; nobody decides their own; a rejected request gives no
//! link; an approval is used once and expires; two deciders racing give one
//! decision; the REST API and the console agree.

use super::rules::{change_settings, console_mint, new_user, open_with, DEMO_PASSWORD};
use super::*;

struct People {
    requester: String,
    second: String,
    admin: String,
    support: String,
}

/// A role "Senior support" that may impersonate and approve, under a rule
/// requiring approval; two people holding it; the administrator and the
/// support agent signed in too.
async fn people(s: &Server, c: &Ctx) -> People {
    let role_id = management_role(
        s,
        &c.token,
        "Senior support",
        &[
            "users:read",
            "impersonation:create",
            "impersonation:read",
            "impersonation:approve",
        ],
    )
    .await;
    new_user(s, &c.token, "senior-1@policy.test", &[&role_id]).await;
    new_user(s, &c.token, "senior-2@policy.test", &[&role_id]).await;
    change_settings(s, &c.token, |v| {
        v["rules"] = json!([{"role_id": role_id, "require_approval": true}])
    })
    .await;
    People {
        requester: s
            .sign_in("senior-1@policy.test", "a-long-test-password-1")
            .await,
        second: s
            .sign_in("senior-2@policy.test", "a-long-test-password-1")
            .await,
        admin: s.sign_in(DEMO_ADMIN, DEMO_PASSWORD).await,
        support: s.sign_in(super::rules::SUPPORT, DEMO_PASSWORD).await,
    }
}

/// The requester asks; the answer is a request, not a link.
async fn request(s: &Server, c: &Ctx, p: &People) -> String {
    let (status, answer) = console_mint(s, &p.requester, &c.target, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["url"], "", "{answer}");
    assert_eq!(answer["approval_role"], "Senior support");
    answer["request_id"].as_str().unwrap().to_string()
}

async fn decide(s: &Server, who: &str, id: &str, approve: bool) -> (StatusCode, Value) {
    let approve = approve.to_string();
    let (status, body, _) = s
        .call(
            "decide_request",
            Some(who),
            &[
                ("id", id),
                ("approve", &approve),
                ("note", "checked the ticket"),
            ],
        )
        .await;
    (status, body)
}

async fn mint_approved(s: &Server, c: &Ctx, p: &People, id: &str) -> (StatusCode, Value) {
    console_mint(s, &p.requester, &c.target, json!({"request_id": id})).await
}

async fn decisions(s: &Server, id: &str) -> usize {
    strings(
        &s.database_url,
        &format!(
            "SELECT event_type FROM audit_events WHERE event_type IN \
             ('impersonation.request_approved', 'impersonation.request_rejected') AND data LIKE '%{id}%'"
        ),
    )
    .await
    .len()
}

pub(super) async fn four_eyes_approval(s: Server) {
    let c = setup(&s).await;
    let p = people(&s, &c).await;
    let links = || async {
        strings(&s.database_url, "SELECT id FROM impersonations")
            .await
            .len()
    };
    let before = links().await;

    // Nobody decides their own request, however they hold the permission;
    // someone without it is refused as such.
    let id = request(&s, &c, &p).await;
    assert_eq!(links().await, before, "a request is not a link");
    let (status, body) = decide(&s, &p.requester, &id, true).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(body.to_string().contains("your own request"), "{body}");
    let (status, body) = decide(&s, &p.support, &id, true).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body.to_string().contains("NeedsPermission"), "{body}");
    // Waiting: no link yet.
    let (status, body) = mint_approved(&s, &c, &p, &id).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.to_string().contains("request_id"), "{body}");
    let (_, count, _) = s.call("approval_count", Some(&p.admin), &[]).await;
    assert_eq!(count, json!(1));
    let (_, count, _) = s.call("approval_count", Some(&p.support), &[]).await;
    assert_eq!(count, json!(0), "who may not decide sees no badge");

    // Rejected: no link, ever.
    let (status, body) = decide(&s, &p.admin, &id, false).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["state"], "rejected");
    let (status, _) = mint_approved(&s, &c, &p, &id).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(links().await, before);

    // Approved: one link, once, that works.
    let id = request(&s, &c, &p).await;
    let (status, body) = decide(&s, &p.second, &id, true).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["state"], "approved");
    let (status, link) = mint_approved(&s, &c, &p, &id).await;
    assert_eq!(status, StatusCode::OK, "{link}");
    let (status, location, _) = open_with(link["url"].as_str().unwrap(), None).await;
    assert_eq!(status, StatusCode::FOUND, "{location}");
    assert!(location.starts_with(&c.callback));
    let (status, _) = mint_approved(&s, &c, &p, &id).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "an approval is used once"
    );
    let (_, mine, _) = s.call("my_requests", Some(&p.requester), &[]).await;
    assert!(
        mine.as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == id.as_str() && r["state"] == "used"),
        "{mine}"
    );

    // An approval expires.
    let id = request(&s, &c, &p).await;
    decide(&s, &p.admin, &id, true).await;
    execute(
        &s.database_url,
        &format!("UPDATE impersonation_requests SET approved_until = 1 WHERE id = '{id}'"),
    )
    .await;
    let (status, _) = mint_approved(&s, &c, &p, &id).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "an expired approval gives no link"
    );

    // Two deciders racing: one decision.
    for _ in 0..3 {
        let id = request(&s, &c, &p).await;
        let (a, b) = tokio::join!(
            decide(&s, &p.admin, &id, true),
            decide(&s, &p.second, &id, false)
        );
        let both = [&a, &b];
        let won: Vec<_> = both
            .iter()
            .filter(|(st, _)| *st == StatusCode::OK)
            .collect();
        assert_eq!(won.len(), 1, "{a:?} {b:?}");
        let lost = if a.0 == StatusCode::OK { &b } else { &a };
        assert_eq!(lost.0, StatusCode::UNPROCESSABLE_ENTITY, "{lost:?}");
        assert!(lost.1.to_string().contains("already decided"), "{lost:?}");
        assert_eq!(decisions(&s, &id).await, 1);
        let state = strings(
            &s.database_url,
            &format!("SELECT status FROM impersonation_requests WHERE id = '{id}'"),
        )
        .await;
        assert_eq!(state, vec![won[0].1["state"].as_str().unwrap().to_string()]);
    }

    // The REST API: a machine client naming the requester gets 202 and a
    // request; approved over REST, it mints the link.
    let senior = s.user_id(&c.token, "senior-1@policy.test").await;
    let (status, pending) = mint(&s, &c, json!({"impersonator_id": senior})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{pending}");
    assert_eq!(pending["status"], "pending_approval");
    let id = pending["request_id"].as_str().unwrap();
    let (_, list) = s
        .rest(Method::GET, "/impersonation/requests", Some(&c.token), None)
        .await;
    assert!(list.to_string().contains(id), "{list}");
    let (status, body) = s
        .rest(
            Method::POST,
            &format!("/impersonation/requests/{id}/approve"),
            Some(&c.token),
            Some(json!({"note": "ok"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "approved");
    let (status, body) = s
        .rest(
            Method::POST,
            &format!("/impersonation/requests/{id}/reject"),
            Some(&c.token),
            Some(json!({})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let (status, link) = mint(&s, &c, json!({"impersonator_id": senior, "request_id": id})).await;
    assert_eq!(status, StatusCode::CREATED, "{link}");
    change_settings(&s, &c.token, |v| v["rules"] = json!([])).await;
}
