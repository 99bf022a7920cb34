//! Signed checkpoints on both databases: made when due and once, signed by
//! the ring's ES256 key, and a row that no longer says what its signature
//! says is told apart; retention removes old events in rounds.

use masquerade::audit::checkpoint::{apply_retention, make_if_due, signed_ok, EVERY_SECS};
use masquerade::bootstrap::ensure_defaults;
use masquerade::domain::NewUser;
use masquerade::store::{AuditContext, ChainCheck};
use masquerade::testing::{fresh_pg_url, fresh_sqlite_url};

const NOW: i64 = 1_800_000_000;

async fn checkpoints_and_retention(url: &str) {
    let svc = masquerade::testing::services(url, "https://id.example.com", NOW).await;
    let conn = ensure_defaults(&svc.store, NOW).await.unwrap();
    for i in 0..3 {
        let user = NewUser {
            email: format!("c{i}@example.com"),
            connection_id: conn.clone(),
            ..Default::default()
        };
        svc.store
            .create_user(&AuditContext::system(), &user, None, &[], NOW + i)
            .await
            .unwrap();
    }
    let first = make_if_due(&svc, NOW + 10)
        .await
        .unwrap()
        .expect("the first is due at once");
    let head = svc.store.audit_head().await.unwrap();
    assert_eq!(
        (first.seq, first.hash.as_str()),
        (head.seq, head.last_hash.as_str())
    );
    assert!(signed_ok(&svc, &first, NOW + 10).await);
    let header = jsonwebtoken::decode_header(&first.token).unwrap();
    assert_eq!(header.typ.as_deref(), Some("audit-checkpoint+jwt"));
    assert_eq!(
        make_if_due(&svc, NOW + 20).await.unwrap(),
        None,
        "nothing new"
    );

    // A row altered after signing is told apart from its signature.
    let forged = masquerade::store::audit_checkpoints::Checkpoint {
        seq: first.seq + 5,
        ..first.clone()
    };
    assert!(!signed_ok(&svc, &forged, NOW + 20).await);

    let user = NewUser {
        email: "later@example.com".into(),
        connection_id: conn.clone(),
        ..Default::default()
    };
    svc.store
        .create_user(&AuditContext::system(), &user, None, &[], NOW + 30)
        .await
        .unwrap();
    assert_eq!(make_if_due(&svc, NOW + 40).await.unwrap(), None, "too soon");
    let second = make_if_due(&svc, NOW + 10 + EVERY_SECS)
        .await
        .unwrap()
        .expect("ten minutes on");
    assert_eq!(second.seq, first.seq + 1);
    assert_eq!(svc.store.audit_checkpoints().await.unwrap().len(), 2);

    // Retention: a day later, keep one day.
    let removed = apply_retention(&svc, 1, NOW + 86_400 + 20).await.unwrap();
    assert!(removed >= 4, "{removed}");
    assert!(matches!(
        svc.store.verify_audit_chain().await.unwrap(),
        ChainCheck::Intact { .. }
    ));
}

#[tokio::test]
async fn sqlite_checkpoints_and_retention() {
    let (url, _dir) = fresh_sqlite_url();
    checkpoints_and_retention(&url).await;
}

#[tokio::test]
async fn postgres_checkpoints_and_retention() {
    checkpoints_and_retention(&fresh_pg_url().await).await;
}
