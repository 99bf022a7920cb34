//! Users: creation, lookup, updates and case-insensitive email uniqueness.

use super::*;

pub(super) async fn users_crud_and_case_insensitive_uniqueness(store: Store) {
    let conn = default_conn(&store).await;
    let u = store
        .create_user(&ctx(), &new_user("Ada@Example.com", &conn), None, &[], NOW)
        .await
        .unwrap();
    assert_eq!(u.email, "Ada@Example.com");
    assert!(!u.has_password);

    let dup = store
        .create_user(&ctx(), &new_user("ada@EXAMPLE.com", &conn), None, &[], NOW)
        .await;
    assert!(
        matches!(dup, Err(CoreError::Conflict { ref field, .. }) if field == "email"),
        "{dup:?}"
    );
    assert_eq!(
        store.count_users().await.unwrap(),
        1,
        "nothing half-written"
    );

    let bad = store
        .create_user(&ctx(), &new_user("not-an-email", &conn), None, &[], NOW)
        .await;
    assert!(matches!(bad, Err(CoreError::Validation(_))));
    let bad_conn = store
        .create_user(
            &ctx(),
            &new_user("x@example.com", "con_nope"),
            None,
            &[],
            NOW,
        )
        .await;
    assert!(matches!(bad_conn, Err(CoreError::Validation(ref e)) if e[0].field == "connection"));

    let patch = UserPatch {
        email: "ada.l@example.com".into(),
        name: "Ada Lovelace".into(),
        picture: String::new(),
        app_metadata: r#"{"plan":"pro"}"#.into(),
        user_metadata: String::new(),
    };
    let u2 = store
        .update_user(&ctx(), &u.id, &patch, NOW + 1)
        .await
        .unwrap();
    assert_eq!(u2.name, "Ada Lovelace");
    assert_eq!(u2.app_metadata["plan"], "pro");
    assert_eq!(u2.updated_at, NOW + 1);

    let blocked = store.set_blocked(&ctx(), &u.id, true, NOW).await.unwrap();
    assert!(blocked.blocked);
    store
        .set_password_hash(
            &ctx(),
            &u.id,
            &hash_password("a long password").unwrap(),
            NOW,
        )
        .await
        .unwrap();
    assert!(store.get_user(&u.id).await.unwrap().has_password);

    store.delete_user(&ctx(), &u.id, NOW).await.unwrap();
    assert!(matches!(
        store.get_user(&u.id).await,
        Err(CoreError::NotFound("user"))
    ));
    assert!(matches!(
        store.delete_user(&ctx(), &u.id, NOW).await,
        Err(CoreError::NotFound(_))
    ));
    assert!(matches!(
        store.set_blocked(&ctx(), "usr_unknown", true, NOW).await,
        Err(CoreError::NotFound(_))
    ));
}
