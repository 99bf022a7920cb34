//! Applications (secrets, validation) and the connections they enable.

use super::*;

fn app_input(name: &str, kind: &str) -> ApplicationInput {
    ApplicationInput {
        name: name.into(),
        app_type: kind.into(),
        callback_urls: vec![
            "https://app.example.com/callback".into(),
            "https://app.example.com/cb2".into(),
        ],
        ..Default::default()
    }
}

pub(super) async fn applications_secrets_and_validation(store: Store) {
    let conn = default_conn(&store).await;
    let mut input = app_input("Shop", "regular_web");
    input.connection_ids = vec![conn.clone()];
    input.allow_impersonation = true;
    let (app, secret) = store.create_application(&ctx(), &input, NOW).await.unwrap();
    let secret = secret.expect("confidential apps get a secret").0;
    assert_eq!(app.callback_urls.len(), 2);
    assert_eq!(app.connection_ids, vec![conn.clone()]);
    assert!(app.allow_impersonation);
    assert!(store
        .verify_client_secret(&app.client_id, &secret)
        .await
        .unwrap());
    assert!(!store
        .verify_client_secret(&app.client_id, "wrong")
        .await
        .unwrap());

    let rotated = store
        .rotate_secret(&ctx(), &app.client_id, NOW + 5)
        .await
        .unwrap()
        .0;
    assert!(!store
        .verify_client_secret(&app.client_id, &secret)
        .await
        .unwrap());
    assert!(store
        .verify_client_secret(&app.client_id, &rotated)
        .await
        .unwrap());

    let (spa, spa_secret) = store
        .create_application(&ctx(), &app_input("SPA", "spa"), NOW)
        .await
        .unwrap();
    assert!(spa_secret.is_none() && !spa.has_secret);
    assert!(matches!(
        store.rotate_secret(&ctx(), &spa.client_id, NOW).await,
        Err(CoreError::Validation(_))
    ));

    let mut bad = app_input("Bad", "regular_web");
    bad.callback_urls.push("https://*.example.com/cb".into());
    assert!(matches!(
        store.create_application(&ctx(), &bad, NOW).await,
        Err(CoreError::Validation(_))
    ));
    let mut bad_conn = app_input("Bad", "regular_web");
    bad_conn.connection_ids = vec!["con_missing".into()];
    assert!(store
        .create_application(&ctx(), &bad_conn, NOW)
        .await
        .is_err());
    assert_eq!(
        store.list_applications().await.unwrap().len(),
        2,
        "failed creates leave nothing behind"
    );

    let mut edit = input.clone();
    edit.name = "Shop 2".into();
    edit.connection_ids = vec![];
    let updated = store
        .update_application(&ctx(), &app.client_id, &edit, NOW + 9)
        .await
        .unwrap();
    assert_eq!(updated.name, "Shop 2");
    assert!(updated.connection_ids.is_empty());
    let mut to_public = edit.clone();
    to_public.app_type = "spa".into();
    assert!(store
        .update_application(&ctx(), &app.client_id, &to_public, NOW)
        .await
        .is_err());

    store
        .delete_application(&ctx(), &app.client_id, NOW)
        .await
        .unwrap();
    assert!(matches!(
        store.get_application(&app.client_id).await,
        Err(CoreError::NotFound(_))
    ));
}

pub(super) async fn connections_and_enablement(store: Store) {
    let conn = default_conn(&store).await;
    let (app, _) = store
        .create_application(&ctx(), &app_input("Shop", "regular_web"), NOW)
        .await
        .unwrap();
    let c = store
        .create_connection(
            &ctx(),
            "partners",
            std::slice::from_ref(&app.client_id),
            NOW,
        )
        .await
        .unwrap();
    assert_eq!(
        store.connection_clients(&c.id).await.unwrap(),
        vec![app.client_id.clone()]
    );
    let dup = store.create_connection(&ctx(), "partners", &[], NOW).await;
    assert!(matches!(dup, Err(CoreError::Conflict { .. })));
    assert!(matches!(
        store.create_connection(&ctx(), "bad name", &[], NOW).await,
        Err(CoreError::Validation(_))
    ));

    store
        .set_connection_enabled(&ctx(), &conn, &app.client_id, true, NOW)
        .await
        .unwrap();
    store
        .set_connection_enabled(&ctx(), &c.id, &app.client_id, false, NOW)
        .await
        .unwrap();
    assert_eq!(
        store
            .get_application(&app.client_id)
            .await
            .unwrap()
            .connection_ids,
        vec![conn.clone()]
    );
    assert!(matches!(
        store
            .set_connection_enabled(&ctx(), "con_x", &app.client_id, true, NOW)
            .await,
        Err(CoreError::NotFound(_))
    ));
    let names: Vec<_> = store
        .list_connections()
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(names, vec!["Username-Password-Authentication", "partners"]);
}
