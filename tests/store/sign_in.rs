//! Console sign-in: sessions that expire and end on block, and throttling.

use super::*;

pub(super) async fn sessions_expire_and_end_on_block(store: Store) {
    let conn = default_conn(&store).await;
    // Another administrator, so that this one may be blocked.
    store
        .create_user(
            &ctx(),
            &new_user("other-admin@example.com", &conn),
            None,
            &["rol_admin"],
            NOW,
        )
        .await
        .unwrap();
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
    let open = || async {
        store
            .create_console_session(&ctx(), &u.id, policy, NOW)
            .await
            .unwrap()
    };
    let live = |token: String, at: i64| {
        let store = store.clone();
        async move {
            store
                .console_session(&token, policy, at)
                .await
                .unwrap()
                .is_some()
        }
    };
    let token = open().await;
    let s = store
        .console_session(&token, policy, NOW + 10)
        .await
        .unwrap()
        .expect("live session");
    let held = store.holdings(&s.user_id).await.unwrap().expect("holdings");
    assert!(held.is_administrator());
    assert!(masquerade::authz::may_enter_console(&held));
    assert_eq!(store.get_user(&u.id).await.unwrap().login_count, 1);
    assert!(!live("forged".into(), NOW).await);
    // Activity keeps it alive past the idle window, but not past the absolute cap.
    assert!(live(token.clone(), NOW + 500).await);
    assert!(live(token.clone(), NOW + 1000).await);
    assert!(!live(token, NOW + 1700).await, "idle expiry");
    assert!(!live(open().await, NOW + 3601).await, "absolute expiry");
    let t3 = open().await;
    store.set_blocked(&ctx(), &u.id, true, NOW).await.unwrap();
    assert!(!live(t3, NOW + 1).await, "blocked users lose sessions");
    let t4 = open().await;
    store.end_console_session(&ctx(), &t4, NOW).await.unwrap();
    assert!(!live(t4, NOW).await, "ended");
}

pub(super) async fn sign_in_throttles_per_account(store: Store) {
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
    let attempt = |email: &'static str, password: &'static str, at: i64| {
        let store = store.clone();
        async move { sign_in(&store, &policy, sp, &ctx(), email, password, at).await }
    };
    assert!(attempt("T@example.com", "right password", NOW)
        .await
        .is_ok());
    for _ in 0..3 {
        let e = attempt("t@example.com", "wrong", NOW).await;
        assert!(matches!(e, Err(CoreError::Unauthenticated)), "{e:?}");
    }
    let locked = attempt("t@example.com", "right password", NOW + 1).await;
    assert!(
        matches!(
            locked,
            // The attempt over the limit is refused before any password
            // check, and the lockout starts with it.
            Err(CoreError::Throttled {
                retry_after_secs: 300
            })
        ),
        "{locked:?}"
    );
    assert!(attempt("t@example.com", "right password", NOW + 301)
        .await
        .is_ok());
    let unknown = attempt("nobody@example.com", "x", NOW).await;
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
