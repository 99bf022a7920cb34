//! The integrity check a part at a time, on both databases: parts walk to
//! the same verdicts as the whole check, the answer is recorded once, and
//! a position the server did not give this caller (edited, someone else's,
//! expired, made up) is refused, so that no caller can skip past a break.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use masquerade::audit::{verify, verify_part, VerifyProgress};
use masquerade::authz::{PermSet, Permission, Principal};
use masquerade::bootstrap::ensure_defaults;
use masquerade::domain::NewUser;
use masquerade::store::{AuditContext, ChainBreak, ChainCheck};
use masquerade::testing::{execute, fresh_pg_url, fresh_sqlite_url};
use masquerade::{CoreError, Services};

const NOW: i64 = 1_800_000_000;

fn auditor(client_id: &str) -> Principal {
    let mut granted = PermSet::EMPTY;
    granted.insert(Permission::AuditRead);
    Principal::Client {
        client_id: client_id.into(),
        granted,
    }
}

fn ctx(p: &Principal) -> AuditContext {
    AuditContext {
        actor_id: p.actor_id(),
        ..AuditContext::system()
    }
}

/// Every part until the verdict: the (events, total) each part reported,
/// and the verdict.
async fn walk(svc: &Services, p: &Principal, limit: i64) -> (Vec<(i64, i64)>, ChainCheck) {
    let mut position: Option<String> = None;
    let mut seen = Vec::new();
    for _ in 0..1_000 {
        match verify_part(svc, p, &ctx(p), position.as_deref(), limit, NOW)
            .await
            .unwrap()
        {
            VerifyProgress::Continue {
                events,
                total,
                position: next,
            } => {
                seen.push((events, total));
                position = Some(next);
            }
            VerifyProgress::Finished(check) => return (seen, check),
        }
    }
    panic!("the walk did not end");
}

/// A real position: after the first `limit` events.
async fn first_position(svc: &Services, p: &Principal, limit: i64) -> String {
    match verify_part(svc, p, &ctx(p), None, limit, NOW)
        .await
        .unwrap()
    {
        VerifyProgress::Continue { position, .. } => position,
        other => panic!("{other:?}"),
    }
}

fn refused(r: Result<VerifyProgress, CoreError>) {
    match r {
        Err(CoreError::Validation(errs)) => assert_eq!(errs[0].field, "position"),
        other => panic!("expected the position to be refused: {other:?}"),
    }
}

/// `token` with its claims changed by `edit`, the signature left as it was.
fn edited(token: &str, edit: impl FnOnce(&mut serde_json::Value)) -> String {
    let parts: Vec<&str> = token.split('.').collect();
    let mut claims: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    edit(&mut claims);
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    format!("{}.{payload}.{}", parts[0], parts[2])
}

async fn parts_and_positions(url: &str) {
    let svc = masquerade::testing::services(url, "https://id.example.com", NOW).await;
    let conn = ensure_defaults(&svc.store, NOW).await.unwrap();
    for i in 0..6 {
        let user = NewUser {
            email: format!("p{i}@example.com"),
            connection_id: conn.clone(),
            ..Default::default()
        };
        svc.store
            .create_user(&AuditContext::system(), &user, None, &[], NOW + i)
            .await
            .unwrap();
    }
    let me = auditor("auditor");
    let n = svc.store.audit_head().await.unwrap().seq;
    assert!(n >= 7, "{n}");

    // Intact: parts of 2 report their progress and end as the whole does.
    let (seen, check) = walk(&svc, &me, 2).await;
    assert_eq!(
        check,
        ChainCheck::Intact {
            events: n,
            last_seq: n
        }
    );
    let expected: Vec<(i64, i64)> = (1..)
        .map(|k| (2 * k, n))
        .take_while(|(e, _)| *e < n)
        .collect();
    assert_eq!(seen, expected);
    let head = svc.store.audit_head().await.unwrap();
    assert_eq!(head.seq, n + 1, "the answer is recorded once, at the end");
    let recorded = svc.store.audit_recent(1).await.unwrap().remove(0);
    assert_eq!(recorded.event_type, "audit.verified");
    assert_eq!(recorded.actor_id.as_deref(), Some("auditor@clients"));
    let whole = verify(&svc, &me, &ctx(&me), |_, _| {}, NOW).await.unwrap();
    let (_, parts) = walk(&svc, &me, 3).await;
    assert_eq!(
        (whole.clone(), parts),
        (
            ChainCheck::Intact {
                events: n + 1,
                last_seq: n + 1
            },
            ChainCheck::Intact {
                events: n + 2,
                last_seq: n + 2
            }
        ),
        "each run counts the answer the one before recorded"
    );

    // Only audit:read may run it.
    let nobody = Principal::Client {
        client_id: "nobody".into(),
        granted: PermSet::EMPTY,
    };
    assert!(matches!(
        verify_part(&svc, &nobody, &ctx(&nobody), None, 2, NOW).await,
        Err(CoreError::NeedsPermission(Permission::AuditRead))
    ));

    // Positions taken before the log is tampered with.
    let at_two = first_position(&svc, &me, 2).await;
    let at_four = edited(&at_two, |c| {
        c["after_seq"] = 4.into();
        c["events"] = 4.into();
    });

    // Edit event 3, as only the database's owner could (triggers dropped).
    let drops: &[&str] = if url.starts_with("postgres") {
        &["DROP TRIGGER audit_events_append_only ON audit_events"]
    } else {
        &["DROP TRIGGER audit_events_no_update"]
    };
    for d in drops {
        execute(url, d).await;
    }
    execute(
        url,
        "UPDATE audit_events SET data = '{\"email\":\"forged@example.com\"}' WHERE seq = 3",
    )
    .await;
    let broken = ChainCheck::BrokenAt {
        seq: 3,
        what: ChainBreak::Edited,
    };
    assert_eq!(
        verify(&svc, &me, &ctx(&me), |_, _| {}, NOW).await.unwrap(),
        broken
    );
    for limit in [1, 2, 3, 50_000] {
        assert_eq!(walk(&svc, &me, limit).await.1, broken, "parts of {limit}");
    }
    // The honest position continues and finds the break.
    assert!(matches!(
        verify_part(&svc, &me, &ctx(&me), Some(&at_two), 2, NOW).await,
        Ok(VerifyProgress::Finished(ChainCheck::BrokenAt {
            seq: 3,
            ..
        }))
    ));

    // A forged position past the break would have found nothing wrong
    // after it; every kind is refused.
    refused(verify_part(&svc, &me, &ctx(&me), Some(&at_four), 2, NOW).await);
    let theirs = edited(&at_two, |c| c["sub"] = "someone@clients".into());
    refused(verify_part(&svc, &me, &ctx(&me), Some(&theirs), 2, NOW).await);
    let other = auditor("other");
    refused(verify_part(&svc, &other, &ctx(&other), Some(&at_two), 2, NOW).await);
    refused(verify_part(&svc, &me, &ctx(&me), Some(&at_two), 2, NOW + 3_600).await);
    let unsigned = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"audit-verify-position+jwt"}"#),
        URL_SAFE_NO_PAD.encode(
            r#"{"iss":"https://id.example.com","sub":"auditor@clients","after_seq":4,"events":4,"iat":0,"exp":9999999999}"#
        )
    );
    refused(verify_part(&svc, &me, &ctx(&me), Some(&unsigned), 2, NOW).await);
    refused(verify_part(&svc, &me, &ctx(&me), Some("4"), 2, NOW).await);
    refused(verify_part(&svc, &me, &ctx(&me), Some(&"x".repeat(10_000)), 2, NOW).await);
    // A token of ours of another kind is no position either.
    let checkpoint = svc
        .keys
        .sign(
            masquerade::keys::Alg::ES256,
            "audit-checkpoint+jwt",
            &serde_json::json!({"iss": "https://id.example.com", "sub": "auditor@clients", "after_seq": 4, "events": 4, "iat": NOW, "exp": NOW + 60}),
        )
        .unwrap();
    refused(verify_part(&svc, &me, &ctx(&me), Some(&checkpoint), 2, NOW).await);
}

#[tokio::test]
async fn sqlite_verify_in_parts() {
    let (url, _dir) = fresh_sqlite_url();
    parts_and_positions(&url).await;
}

#[tokio::test]
async fn postgres_verify_in_parts() {
    parts_and_positions(&fresh_pg_url().await).await;
}
