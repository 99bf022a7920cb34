//! Store tests, each run against SQLite and against PostgreSQL.

use masquerade::auth::{sign_in, BAD_CREDENTIALS};
use masquerade::bootstrap::{ensure_admin, ensure_defaults};
use masquerade::domain::{ApplicationInput, NewUser, UserPatch};
use masquerade::password::hash_password;
use masquerade::store::sessions::SessionPolicy;
use masquerade::store::{AuditContext, ChainCheck, ThrottlePolicy};
use masquerade::testing::{fresh_pg_url, fresh_sqlite_url};
use masquerade::{CoreError, Store};

const NOW: i64 = 1_800_000_000;

macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let (url, _dir) = super::fresh_sqlite_url();
                let store = super::Store::open(&url).await.expect("open sqlite");
                super::$name(store).await;
            })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let url = super::fresh_pg_url().await;
                let store = super::Store::open(&url).await.expect("open postgres");
                super::$name(store).await;
            })*
        }
    };
}

both_backends!(
    users_crud_and_case_insensitive_uniqueness,
    applications_secrets_and_validation,
    connections_and_enablement,
    sessions_expire_and_end_on_block,
    sign_in_throttles_per_account,
    audit_chain_detects_tampering,
    bootstrap_is_idempotent,
    batched_writes_commit_together_and_survive_a_failing_neighbour,
    batched_claims_and_token_records_decide_each_link_alone,
);

fn ctx() -> AuditContext {
    AuditContext {
        actor_id: Some("usr_test".into()),
        ip: "127.0.0.1".into(),
        user_agent: "tests".into(),
    }
}

async fn default_conn(store: &Store) -> String {
    ensure_defaults(store, NOW).await.expect("defaults")
}

fn new_user(email: &str, conn: &str) -> NewUser {
    NewUser {
        email: email.into(),
        name: "Test User".into(),
        connection_id: conn.into(),
        ..Default::default()
    }
}

async fn users_crud_and_case_insensitive_uniqueness(store: Store) {
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

async fn applications_secrets_and_validation(store: Store) {
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

async fn connections_and_enablement(store: Store) {
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

async fn sessions_expire_and_end_on_block(store: Store) {
    let conn = default_conn(&store).await;
    let u = store
        .create_user(
            &ctx(),
            &new_user("s@example.com", &conn),
            None,
            &["rol_admin"],
            NOW,
        )
        .await
        .unwrap();
    let policy = SessionPolicy {
        idle_secs: 600,
        absolute_secs: 3600,
    };
    let token = store
        .create_console_session(&ctx(), &u.id, policy, NOW)
        .await
        .unwrap();
    let s = store
        .console_session(&token, policy, NOW + 10)
        .await
        .unwrap()
        .expect("live session");
    assert!(s.is_admin);
    assert_eq!(store.get_user(&u.id).await.unwrap().login_count, 1);
    assert!(store
        .console_session("forged", policy, NOW)
        .await
        .unwrap()
        .is_none());
    // Activity keeps it alive past the idle window, but not past the absolute cap.
    assert!(store
        .console_session(&token, policy, NOW + 500)
        .await
        .unwrap()
        .is_some());
    assert!(store
        .console_session(&token, policy, NOW + 1000)
        .await
        .unwrap()
        .is_some());
    assert!(
        store
            .console_session(&token, policy, NOW + 1700)
            .await
            .unwrap()
            .is_none(),
        "idle expiry"
    );
    let t2 = store
        .create_console_session(&ctx(), &u.id, policy, NOW)
        .await
        .unwrap();
    assert!(
        store
            .console_session(&t2, policy, NOW + 3601)
            .await
            .unwrap()
            .is_none(),
        "absolute expiry"
    );
    let t3 = store
        .create_console_session(&ctx(), &u.id, policy, NOW)
        .await
        .unwrap();
    store.set_blocked(&ctx(), &u.id, true, NOW).await.unwrap();
    assert!(
        store
            .console_session(&t3, policy, NOW + 1)
            .await
            .unwrap()
            .is_none(),
        "blocked users lose sessions"
    );
    let t4 = store
        .create_console_session(&ctx(), &u.id, policy, NOW)
        .await
        .unwrap();
    store.end_console_session(&ctx(), &t4, NOW).await.unwrap();
    assert!(store
        .console_session(&t4, policy, NOW)
        .await
        .unwrap()
        .is_none());
}

async fn sign_in_throttles_per_account(store: Store) {
    let conn = default_conn(&store).await;
    let hash = hash_password("right password").unwrap();
    store
        .create_user(
            &ctx(),
            &new_user("t@example.com", &conn),
            Some(hash),
            &[],
            NOW,
        )
        .await
        .unwrap();
    let policy = ThrottlePolicy {
        per_account: 3,
        per_ip: 100,
        window_secs: 60,
        lockout_secs: 300,
    };
    let sp = SessionPolicy::default();
    let ok = sign_in(
        &store,
        &policy,
        sp,
        &ctx(),
        "T@example.com",
        "right password",
        NOW,
    )
    .await;
    assert!(ok.is_ok());
    for _ in 0..3 {
        let e = sign_in(&store, &policy, sp, &ctx(), "t@example.com", "wrong", NOW).await;
        assert!(matches!(e, Err(CoreError::Unauthenticated)), "{e:?}");
    }
    let locked = sign_in(
        &store,
        &policy,
        sp,
        &ctx(),
        "t@example.com",
        "right password",
        NOW + 1,
    )
    .await;
    assert!(
        matches!(
            locked,
            Err(CoreError::Throttled {
                retry_after_secs: 299
            })
        ),
        "{locked:?}"
    );
    assert!(sign_in(
        &store,
        &policy,
        sp,
        &ctx(),
        "t@example.com",
        "right password",
        NOW + 301
    )
    .await
    .is_ok());
    let unknown = sign_in(&store, &policy, sp, &ctx(), "nobody@example.com", "x", NOW).await;
    assert!(matches!(unknown, Err(CoreError::Unauthenticated)));
    assert_eq!(BAD_CREDENTIALS, "Wrong email or password.");

    let ip_policy = ThrottlePolicy {
        per_account: 100,
        per_ip: 2,
        window_secs: 60,
        lockout_secs: 60,
    };
    let other_ip = AuditContext {
        ip: "10.9.9.9".into(),
        ..ctx()
    };
    for who in ["a@example.com", "b@example.com"] {
        let _ = sign_in(&store, &ip_policy, sp, &other_ip, who, "x", NOW).await;
    }
    let e = sign_in(
        &store,
        &ip_policy,
        sp,
        &other_ip,
        "t@example.com",
        "right password",
        NOW,
    )
    .await;
    assert!(
        matches!(e, Err(CoreError::Throttled { .. })),
        "per-IP lockout: {e:?}"
    );
}

async fn audit_chain_detects_tampering(store: Store) {
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
    .execute(&sqlx::AnyPool::connect(&test_url_of(&store)).await.unwrap())
    .await
    .unwrap();
    assert_eq!(
        store.verify_audit_chain().await.unwrap(),
        ChainCheck::BrokenAt { seq: 3 }
    );
}

fn test_url_of(store: &Store) -> String {
    store.url().to_string()
}

async fn bootstrap_is_idempotent(store: Store) {
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

fn link(id: &str, now: i64) -> masquerade::domain::impersonation::Impersonation {
    masquerade::domain::impersonation::Impersonation {
        id: id.into(),
        actor_id: "usr_actor".into(),
        actor_email: "actor@example.com".into(),
        target_id: "usr_target".into(),
        target_email: "target@example.com".into(),
        client_id: "app".into(),
        reason: "ticket".into(),
        ticket_ref: String::new(),
        response_type: "code".into(),
        response_mode: "query".into(),
        scope: "openid".into(),
        state: "s".into(),
        audience: String::new(),
        redirect_uri: "https://app.example/cb".into(),
        created_at: now,
        expires_at: now + 120,
        ..Default::default()
    }
}

/// Sign in as User writes go through a group commit (`store::batch`): many
/// at once must all land with their audit events in an intact chain, a
/// write that fails (here a duplicate ticket) must fail alone, and of many
/// concurrent claims of one link exactly one may win.
async fn batched_writes_commit_together_and_survive_a_failing_neighbour(store: Store) {
    use masquerade::store::impersonations::Claim;
    let before = match store.verify_audit_chain().await.unwrap() {
        ChainCheck::Intact { events } => events,
        other => panic!("{other:?}"),
    };
    let inserts: Vec<_> = (0..40)
        .map(|i| {
            let store = store.clone();
            // Links 7 and 8 share a ticket: whichever comes second must fail.
            let hash = if i == 8 {
                "hash-7".to_string()
            } else {
                format!("hash-{i}")
            };
            tokio::spawn(async move {
                store
                    .insert_impersonation(
                        &ctx(),
                        &link(&format!("imp_{i}"), NOW),
                        &hash,
                        serde_json::json!({"i": i}),
                    )
                    .await
            })
        })
        .collect();
    let mut results = Vec::new();
    for h in inserts {
        results.push(h.await.unwrap());
    }
    let failed: Vec<usize> = (0..40).filter(|i| results[*i].is_err()).collect();
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert!(failed[0] == 7 || failed[0] == 8);
    let ok_ids: Vec<String> = (0..40)
        .filter(|i| !failed.contains(i))
        .map(|i| format!("imp_{i}"))
        .collect();
    for id in &ok_ids {
        store.get_impersonation(id).await.expect("committed");
    }
    assert!(matches!(
        store.get_impersonation(&format!("imp_{}", failed[0])).await,
        Err(CoreError::NotFound("impersonation"))
    ));

    let rec = link("imp_0", NOW);
    let claims: Vec<_> = (0..12)
        .map(|_| {
            let (store, rec) = (store.clone(), rec.clone());
            tokio::spawn(async move {
                let claim = Claim {
                    session_expires_at: NOW + 3600,
                    hint: None,
                };
                store
                    .claim_impersonation(&ctx(), &rec, &claim, serde_json::json!({}), NOW + 1)
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut won = 0;
    for h in claims {
        won += usize::from(h.await.unwrap());
    }
    assert_eq!(won, 1);

    match store.verify_audit_chain().await.unwrap() {
        ChainCheck::Intact { events } => assert_eq!(events, before + 39 + 1),
        other => panic!("{other:?}"),
    }
}

/// A batch claims all its links in one statement and records all its token
/// issues in another (`store::batch`). Each link must still be decided on
/// its own: a live link is won once however often it is claimed, an
/// expired, revoked or denied one never, a hint lands on its own link, and
/// a second record of tokens keeps the first time.
async fn batched_claims_and_token_records_decide_each_link_alone(store: Store) {
    use masquerade::store::impersonations::Claim;
    use masquerade::store::oauth::Grant;
    let expired = masquerade::domain::impersonation::Impersonation {
        expires_at: NOW - 1,
        ..link("imp_expired", NOW - 200)
    };
    for (rec, hash) in [
        (link("imp_live", NOW), "h-live"),
        (link("imp_hinted", NOW), "h-hinted"),
        (expired, "h-expired"),
        (link("imp_revoked", NOW), "h-revoked"),
        (link("imp_denied", NOW), "h-denied"),
    ] {
        store
            .insert_impersonation(&ctx(), &rec, hash, serde_json::json!({}))
            .await
            .unwrap();
    }
    store
        .revoke_impersonation(&ctx(), "imp_revoked", serde_json::json!({}), NOW)
        .await
        .unwrap();
    store
        .record_impersonation_denied(
            &ctx(),
            Some("imp_denied"),
            "usr_target",
            "actor_lost_permission",
            serde_json::json!({}),
            NOW,
        )
        .await
        .unwrap();
    // Links whose tokens are recorded, each with the grant made under it.
    for i in 0..3 {
        let id = format!("imp_tokens_{i}");
        store
            .insert_impersonation(
                &ctx(),
                &link(&id, NOW),
                &format!("h-t{i}"),
                serde_json::json!({}),
            )
            .await
            .unwrap();
        let grant = Grant {
            id: format!("grt_{i}"),
            client_id: "app".into(),
            user_id: Some("usr_target".into()),
            scope: "openid".into(),
            audience: None,
            auth_time: NOW,
            created_at: NOW,
            expires_at: NOW + 3600,
            revoked_at: 0,
            impersonation_id: Some(id),
        };
        store.create_grant(&grant, None).await.unwrap();
    }

    let mut claims = Vec::new();
    for id in [
        "imp_live",
        "imp_hinted",
        "imp_expired",
        "imp_revoked",
        "imp_denied",
    ] {
        for _ in 0..3 {
            let store = store.clone();
            let rec = link(id, NOW);
            claims.push(tokio::spawn(async move {
                let hint = (id == "imp_hinted").then_some(("hint-hash", NOW + 300));
                let claim = Claim {
                    session_expires_at: NOW + 3600,
                    hint,
                };
                let won = store
                    .claim_impersonation(&ctx(), &rec, &claim, serde_json::json!({}), NOW + 1)
                    .await
                    .unwrap();
                (id, won)
            }));
        }
    }
    let records: Vec<_> = (0..3)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                let rec = link(&format!("imp_tokens_{i}"), NOW);
                store
                    .record_impersonation_tokens(&ctx(), &rec, serde_json::json!({}), NOW + 2 + i)
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut wins = std::collections::BTreeMap::new();
    for h in claims {
        let (id, won) = h.await.unwrap();
        *wins.entry(id).or_insert(0) += usize::from(won);
    }
    for h in records {
        h.await.unwrap();
    }
    let expected: std::collections::BTreeMap<_, _> = [
        ("imp_denied", 0),
        ("imp_expired", 0),
        ("imp_hinted", 1),
        ("imp_live", 1),
        ("imp_revoked", 0),
    ]
    .into();
    assert_eq!(wins, expected);

    let live = store.get_impersonation("imp_live").await.unwrap();
    assert_eq!(
        (
            live.redeemed_at,
            live.session_expires_at,
            live.hint_expires_at
        ),
        (NOW + 1, NOW + 3600, 0)
    );
    let hinted = store.get_impersonation("imp_hinted").await.unwrap();
    assert_eq!(
        (hinted.redeemed_at, hinted.hint_expires_at),
        (NOW + 1, NOW + 300)
    );
    let by_hint = store
        .claim_impersonation_hint("hint-hash", NOW + 2)
        .await
        .unwrap();
    assert_eq!(by_hint.map(|r| r.id).as_deref(), Some("imp_hinted"));
    for id in ["imp_expired", "imp_revoked", "imp_denied"] {
        assert_eq!(
            store.get_impersonation(id).await.unwrap().redeemed_at,
            0,
            "{id}"
        );
    }

    // A later record of the same link keeps the first time and grant.
    store
        .record_impersonation_tokens(
            &ctx(),
            &link("imp_tokens_0", NOW),
            serde_json::json!({}),
            NOW + 50,
        )
        .await
        .unwrap();
    for i in 0..3 {
        let rec = store
            .get_impersonation(&format!("imp_tokens_{i}"))
            .await
            .unwrap();
        assert_eq!(rec.grant_id.as_deref(), Some(format!("grt_{i}").as_str()));
        assert_eq!(rec.tokens_issued_at, NOW + 2 + i);
    }
    assert!(matches!(
        store.verify_audit_chain().await.unwrap(),
        ChainCheck::Intact { .. }
    ));
}
