//! First-run defaults and the first administrator, idempotent.

use super::*;

pub(super) async fn bootstrap_is_idempotent(store: Store) {
    let conn = default_conn(&store).await;
    assert_eq!(default_conn(&store).await, conn);
    let first = ensure_admin(&store, &conn, None, None, NOW)
        .await
        .unwrap()
        .expect("creates an admin");
    assert!(first
        .generated_password
        .as_ref()
        .is_some_and(|p| p.len() == 20));
    assert!(ensure_admin(&store, &conn, None, None, NOW)
        .await
        .unwrap()
        .is_none());
    let chosen = ensure_admin(
        &store,
        &conn,
        Some("ops@example.com"),
        Some("chosen password"),
        NOW,
    )
    .await
    .unwrap();
    assert!(chosen.is_some_and(|a| a.generated_password.is_none()));
    assert!(ensure_admin(
        &store,
        &conn,
        Some("ops@example.com"),
        Some("chosen password"),
        NOW
    )
    .await
    .unwrap()
    .is_none());
    assert_eq!(store.count_role_members("rol_admin").await.unwrap(), 2);
}
