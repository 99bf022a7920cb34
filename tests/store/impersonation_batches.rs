//! Sign in as User writes in group commits (`store::batch`).

use masquerade::testing::fresh_link;

use super::*;

/// Sign in as User writes go through a group commit (`store::batch`): many
/// at once must all land with their audit events in an intact chain, a
/// write that fails (here a duplicate ticket) must fail alone, and of many
/// concurrent claims of one link exactly one may win.
pub(super) async fn batched_writes_commit_together_and_survive_a_failing_neighbour(store: Store) {
    use masquerade::store::impersonations::Claim;
    let before = match store.verify_audit_chain().await.unwrap() {
        ChainCheck::Intact { events, .. } => events,
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
                        &fresh_link(&format!("imp_{i}"), NOW),
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

    let rec = fresh_link("imp_0", NOW);
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
        ChainCheck::Intact { events, .. } => assert_eq!(events, before + 39 + 1),
        other => panic!("{other:?}"),
    }
}

/// A batch claims all its links in one statement and records all its token
/// issues in another (`store::batch`). Each link must still be decided on
/// its own: a live link is won once however often it is claimed, an
/// expired, revoked or denied one never, a hint lands on its own link, and
/// a second record of tokens keeps the first time.
pub(super) async fn batched_claims_and_token_records_decide_each_link_alone(store: Store) {
    use masquerade::store::impersonations::Claim;
    use masquerade::store::oauth::Grant;
    let expired = masquerade::domain::impersonation::Impersonation {
        expires_at: NOW - 1,
        ..fresh_link("imp_expired", NOW - 200)
    };
    for (rec, hash) in [
        (fresh_link("imp_live", NOW), "h-live"),
        (fresh_link("imp_hinted", NOW), "h-hinted"),
        (expired, "h-expired"),
        (fresh_link("imp_revoked", NOW), "h-revoked"),
        (fresh_link("imp_denied", NOW), "h-denied"),
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
                &fresh_link(&id, NOW),
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
            let rec = fresh_link(id, NOW);
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
                let rec = fresh_link(&format!("imp_tokens_{i}"), NOW);
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
        .claim_impersonation_hint(&ctx(), "hint-hash", NOW + 2)
        .await
        .unwrap();
    assert_eq!(by_hint.map(|r| r.id).as_deref(), Some("imp_hinted"));
    let used = store.audit_recent(1).await.unwrap();
    assert_eq!(used[0].event_type, "impersonation.hint_used");
    assert!(used[0].data.contains("imp_hinted"), "{}", used[0].data);
    assert!(
        store
            .claim_impersonation_hint(&ctx(), "hint-hash", NOW + 2)
            .await
            .unwrap()
            .is_none(),
        "a hint is used once"
    );
    assert_eq!(
        store.audit_recent(1).await.unwrap()[0].id,
        used[0].id,
        "and recorded once"
    );
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
            &fresh_link("imp_tokens_0", NOW),
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
