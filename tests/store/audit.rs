//! The audit chain and its tamper check.

use super::*;

pub(super) async fn audit_chain_detects_tampering(store: Store) {
    let conn = default_conn(&store).await;
    for i in 0..5 {
        store
            .create_user(
                &ctx(),
                &new_user(&format!("a{i}@example.com"), &conn),
                None,
                &[],
                NOW + i,
            )
            .await
            .unwrap();
    }
    let n = match store.verify_audit_chain().await.unwrap() {
        ChainCheck::Intact { events } => events,
        other => panic!("{other:?}"),
    };
    assert!(n >= 6);
    let recent = store.audit_recent(3).await.unwrap();
    assert_eq!(recent[0].event_type, "user.created");
    sqlx::query(
        "UPDATE audit_events SET data = '{\"email\":\"forged@example.com\"}' WHERE seq = 3",
    )
    .execute(&sqlx::AnyPool::connect(store.url()).await.unwrap())
    .await
    .unwrap();
    assert_eq!(
        store.verify_audit_chain().await.unwrap(),
        ChainCheck::BrokenAt { seq: 3 }
    );
}
