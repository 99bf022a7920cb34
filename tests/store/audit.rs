//! The audit chain: append-only in the database, and a verification that
//! names what was done to it where triggers were dropped first (someone
//! with the database's owner rights).

use super::*;
use masquerade::store::{AuditEvent, ChainBreak, ChainPosition, ChainStep, AUDIT_COLUMNS};
use sqlx::AnyPool;

async fn events(db: &AnyPool) -> Vec<AuditEvent> {
    sqlx::query_as(&format!(
        "SELECT {AUDIT_COLUMNS} FROM audit_events ORDER BY seq"
    ))
    .fetch_all(db)
    .await
    .unwrap()
}

async fn put_back(db: &AnyPool, e: &AuditEvent) {
    let placeholders: Vec<String> = (1..=23).map(|i| format!("${i}")).collect();
    sqlx::query(&format!(
        "INSERT INTO audit_events ({AUDIT_COLUMNS}) VALUES ({})",
        placeholders.join(", ")
    ))
    .bind(e.seq)
    .bind(&e.id)
    .bind(e.at)
    .bind(&e.event_type)
    .bind(&e.actor_id)
    .bind(&e.target_id)
    .bind(&e.ip)
    .bind(&e.user_agent)
    .bind(&e.data)
    .bind(&e.prev_hash)
    .bind(&e.hash)
    .bind(e.hash_v)
    .bind(&e.actor_type)
    .bind(&e.actor_name)
    .bind(&e.target_type)
    .bind(&e.target_name)
    .bind(&e.client_id)
    .bind(&e.client_name)
    .bind(&e.impersonation_id)
    .bind(&e.outcome)
    .bind(&e.reason_code)
    .bind(&e.reason)
    .bind(&e.ticket)
    .execute(db)
    .await
    .unwrap();
}

async fn run(db: &AnyPool, sql: &str) -> Result<u64, sqlx::Error> {
    sqlx::query(sql)
        .execute(db)
        .await
        .map(|r| r.rows_affected())
}

/// The whole verification's verdict, once walking the chain a few events
/// at a time (each part continuing from the position the one before
/// reached) has given the same.
async fn verdict(store: &Store) -> ChainCheck {
    let whole = store.verify_audit_chain().await.unwrap();
    let checkpoints = store.audit_checkpoint_hashes().await.unwrap();
    let head = store.audit_head().await.unwrap();
    for limit in [1, 2, 3, 1_000] {
        let mut from: Option<ChainPosition> = None;
        let mut parts = 0;
        let by_parts = loop {
            parts += 1;
            assert!(parts <= head.seq + 2, "the walk moves on");
            match store
                .verify_audit_chain_part(&checkpoints, from, limit, |_, _| {})
                .await
                .unwrap()
            {
                ChainStep::Done(check) => break check,
                ChainStep::More { at, total } => {
                    let before = from.map_or(head.pruned_seq, |p| p.after_seq);
                    assert_eq!(at.after_seq, before + limit, "a part of {limit}");
                    assert_eq!(at.events, at.after_seq - head.pruned_seq);
                    assert_eq!(total, head.seq - head.pruned_seq);
                    from = Some(at);
                }
            }
        };
        assert_eq!(by_parts, whole, "in parts of {limit}");
    }
    whole
}

async fn intact(store: &Store) -> i64 {
    match verdict(store).await {
        ChainCheck::Intact { events, last_seq } => {
            assert_eq!(events, last_seq, "no retention yet: the chain starts at 1");
            events
        }
        other => panic!("{other:?}"),
    }
}

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
    let n = intact(&store).await;
    assert!(n >= 6);
    assert_eq!(
        verdict(&store).await.sentence(),
        format!("{n} events verified, chain intact up to seq {n}.")
    );
    let mut seen = Vec::new();
    let check = store
        .verify_audit_chain_with(|done, total| seen.push((done, total)))
        .await
        .unwrap();
    assert!(matches!(check, ChainCheck::Intact { .. }));
    assert_eq!(seen.last(), Some(&(n, n)), "progress ends at the total");
    let recent = store.audit_recent(3).await.unwrap();
    assert_eq!(recent[0].event_type, "user.created");

    // Append-only: the database refuses edits and deletions, whoever asks.
    let db = AnyPool::connect(store.url()).await.unwrap();
    let forge = "UPDATE audit_events SET data = '{\"email\":\"forged@example.com\"}' WHERE seq = 3";
    assert!(run(&db, forge).await.is_err(), "an edit is refused");
    assert!(run(&db, "DELETE FROM audit_events WHERE seq = 3")
        .await
        .is_err());
    assert!(
        run(&db, &format!("DELETE FROM audit_events WHERE seq = {n}"))
            .await
            .is_err()
    );
    if store.url().starts_with("postgres") {
        assert!(run(&db, "TRUNCATE audit_events").await.is_err());
    }
    assert_eq!(intact(&store).await, n, "nothing was changed");

    // Someone who drops the triggers is still found out.
    let drops: &[&str] = if store.url().starts_with("postgres") {
        &["DROP TRIGGER audit_events_append_only ON audit_events"]
    } else {
        &[
            "DROP TRIGGER audit_events_no_update",
            "DROP TRIGGER audit_events_no_delete",
        ]
    };
    for d in drops {
        run(&db, d).await.unwrap();
    }
    let original = events(&db).await;
    let at = |seq: i64| original.iter().find(|e| e.seq == seq).unwrap().clone();

    // Edited.
    run(&db, forge).await.unwrap();
    assert_eq!(
        verdict(&store).await,
        ChainCheck::BrokenAt {
            seq: 3,
            what: ChainBreak::Edited
        }
    );
    assert!(store
        .verify_audit_chain()
        .await
        .unwrap()
        .sentence()
        .starts_with("Chain broken at seq 3: "));
    // A part that continues from the edited event reads it again (its
    // hash, the one the next event must follow, is never taken on trust).
    let resumed = store
        .verify_audit_chain_part(
            &Default::default(),
            Some(ChainPosition {
                after_seq: 3,
                events: 3,
            }),
            100,
            |_, _| {},
        )
        .await
        .unwrap();
    assert_eq!(
        resumed,
        ChainStep::Done(ChainCheck::BrokenAt {
            seq: 3,
            what: ChainBreak::Edited
        })
    );
    run(&db, "DELETE FROM audit_events WHERE seq = 3")
        .await
        .unwrap();
    put_back(&db, &at(3)).await;
    assert_eq!(intact(&store).await, n);

    // Edited with its own hash recomputed: the next event no longer follows.
    let mut rehashed = at(3);
    rehashed.data = r#"{"email":"forged@example.com"}"#.into();
    rehashed.hash = rehashed.computed_hash();
    run(&db, "DELETE FROM audit_events WHERE seq = 3")
        .await
        .unwrap();
    put_back(&db, &rehashed).await;
    assert_eq!(
        verdict(&store).await,
        ChainCheck::BrokenAt {
            seq: 4,
            what: ChainBreak::Reordered
        }
    );
    run(&db, "DELETE FROM audit_events WHERE seq = 3")
        .await
        .unwrap();
    put_back(&db, &at(3)).await;

    // A column added in version 2 is covered by the hash too, and so is
    // the version itself.
    run(
        &db,
        "UPDATE audit_events SET actor_name = 'someone else' WHERE seq = 3",
    )
    .await
    .unwrap();
    assert_eq!(
        verdict(&store).await,
        ChainCheck::BrokenAt {
            seq: 3,
            what: ChainBreak::Edited
        }
    );
    run(&db, "DELETE FROM audit_events WHERE seq = 3")
        .await
        .unwrap();
    put_back(&db, &at(3)).await;
    run(
        &db,
        "UPDATE audit_events SET hash_v = 1, reason = 'x' WHERE seq = 3",
    )
    .await
    .unwrap();
    assert_eq!(
        verdict(&store).await,
        ChainCheck::BrokenAt {
            seq: 3,
            what: ChainBreak::Edited
        }
    );
    run(&db, "DELETE FROM audit_events WHERE seq = 3")
        .await
        .unwrap();
    put_back(&db, &at(3)).await;
    assert_eq!(intact(&store).await, n);

    // Missing from the middle.
    run(&db, "DELETE FROM audit_events WHERE seq = 4")
        .await
        .unwrap();
    assert_eq!(
        verdict(&store).await,
        ChainCheck::BrokenAt {
            seq: 4,
            what: ChainBreak::Missing
        }
    );
    put_back(&db, &at(4)).await;
    assert_eq!(intact(&store).await, n);

    // The newest two deleted: what is left is a perfect chain, but the head
    // says it went further.
    run(
        &db,
        &format!("DELETE FROM audit_events WHERE seq >= {}", n - 1),
    )
    .await
    .unwrap();
    assert_eq!(
        verdict(&store).await,
        ChainCheck::BrokenAt {
            seq: n - 1,
            what: ChainBreak::Truncated
        }
    );
    put_back(&db, &at(n - 1)).await;
    put_back(&db, &at(n)).await;
    assert_eq!(intact(&store).await, n);
}

/// The columns are filled from the events themselves, names as they were,
/// and the filters combine, page and count.
pub(super) async fn audit_columns_filters_and_pages(store: Store) {
    use masquerade::store::audit_query::AuditFilter;
    let conn = default_conn(&store).await;
    let ada = store
        .create_user(&ctx(), &new_user("ada@example.com", &conn), None, &[], NOW)
        .await
        .unwrap();
    let admin_ctx = AuditContext {
        actor_id: Some(ada.id.clone()),
        ip: "203.0.113.9".into(),
        ..ctx()
    };
    for i in 0..7 {
        store
            .create_user(
                &admin_ctx,
                &new_user(&format!("c{i}@example.com"), &conn),
                None,
                &[],
                NOW + 10 + i,
            )
            .await
            .unwrap();
    }
    let created = store.audit_recent(1).await.unwrap().remove(0);
    assert_eq!(
        (
            created.actor_type.as_str(),
            created.actor_name.as_str(),
            created.target_type.as_str(),
            created.target_name.as_str(),
            created.outcome.as_str(),
            created.hash_v
        ),
        (
            "user",
            "ada@example.com",
            "user",
            "c6@example.com",
            "success",
            2
        )
    );
    // Denied impersonation events carry their code, reason and ticket.
    store
        .append_event(
            &admin_ctx,
            "impersonation.denied",
            Some(&created.target_id.clone().unwrap()),
            serde_json::json!({
                "impersonation_id": "imp_x", "client_id": "nowhere", "reason": "Order 50% off",
                "ticket": "SUP-1", "denied": "target_protected",
            }),
            NOW + 100,
        )
        .await
        .unwrap();
    let denied = store.audit_recent(1).await.unwrap().remove(0);
    assert_eq!(
        (
            denied.outcome.as_str(),
            denied.reason_code.as_str(),
            denied.impersonation_id.as_str()
        ),
        ("denied", "target_protected", "imp_x")
    );
    assert_eq!(
        denied.client_name, "nowhere",
        "an unknown application keeps its id"
    );

    let by_ada = AuditFilter {
        actor_id: Some(ada.id.clone()),
        ..Default::default()
    };
    assert_eq!(store.count_audit(&by_ada, 100).await.unwrap(), (8, false));
    assert_eq!(
        store.count_audit(&by_ada, 5).await.unwrap(),
        (5, true),
        "capped"
    );
    let first = store.search_audit(&by_ada, None, 3).await.unwrap();
    assert_eq!(first.events.len(), 3);
    assert_eq!(first.events[0].id, denied.id, "newest first");
    let second = store.search_audit(&by_ada, first.next, 3).await.unwrap();
    let third = store.search_audit(&by_ada, second.next, 3).await.unwrap();
    assert_eq!(
        (second.events.len(), third.events.len(), third.next),
        (3, 2, None)
    );
    let text = |t: &str| AuditFilter {
        text: Some(t.into()),
        ..by_ada.clone()
    };
    assert_eq!(store.count_audit(&text("50% OFF"), 100).await.unwrap().0, 1);
    assert_eq!(
        store.count_audit(&text("5_%"), 100).await.unwrap().0,
        0,
        "wildcards are literal"
    );
    assert_eq!(store.count_audit(&text("sup-1"), 100).await.unwrap().0, 1);
    let combined = AuditFilter {
        event_types: vec!["impersonation.".into()],
        outcome: Some("denied".into()),
        ip: Some("203.0.113.9".into()),
        from: Some(NOW + 100),
        to: Some(NOW + 101),
        ..by_ada.clone()
    };
    assert_eq!(store.count_audit(&combined, 100).await.unwrap().0, 1);
    let later = AuditFilter {
        from: Some(NOW + 101),
        ..combined.clone()
    };
    assert_eq!(store.count_audit(&later, 100).await.unwrap().0, 0);
    let exact = AuditFilter {
        event_types: vec!["user.created".into()],
        ..by_ada.clone()
    };
    assert_eq!(store.count_audit(&exact, 100).await.unwrap().0, 7);
    let days = store.audit_per_day(&by_ada).await.unwrap();
    assert_eq!(
        days.iter()
            .map(|d| (d.outcome.as_str(), d.events))
            .collect::<Vec<_>>(),
        vec![("denied", 1), ("success", 7)]
    );
    assert_eq!(
        store.impersonation_timeline("imp_x").await.unwrap().len(),
        1
    );
    let batch = store.audit_batch(&by_ada, 0, 4).await.unwrap();
    assert_eq!(batch.len(), 4);
    assert!(
        batch.windows(2).all(|w| w[0].seq < w[1].seq),
        "oldest first"
    );
    let rest = store.audit_batch(&by_ada, batch[3].seq, 100).await.unwrap();
    assert_eq!(rest.len(), 4);
    use masquerade::store::audit_query::Side;
    let actors = store.audit_names(Side::Actor, "ADA@", 10).await.unwrap();
    assert_eq!(
        actors
            .iter()
            .map(|n| (n.id.as_str(), n.name.as_str()))
            .collect::<Vec<_>>(),
        vec![(ada.id.as_str(), "ada@example.com")]
    );
    let targets = store.audit_names(Side::Target, "c6@", 10).await.unwrap();
    assert_eq!(targets.len(), 1);
    assert_eq!(targets[0].name, "c6@example.com");
    assert!(
        store
            .audit_names(Side::Target, "%", 10)
            .await
            .unwrap()
            .is_empty(),
        "literal %"
    );
    assert!(matches!(verdict(&store).await, ChainCheck::Intact { .. }));
}

/// Retention removes only a whole prefix (through the gate, closed again
/// after), and what remains verifies; a checkpoint still finds the newest
/// events deleted together with the head rewound.
pub(super) async fn retention_and_checkpoints(store: Store) {
    use masquerade::store::audit_checkpoints::Checkpoint;
    let conn = default_conn(&store).await;
    for i in 0..6 {
        store
            .create_user(
                &ctx(),
                &new_user(&format!("r{i}@example.com"), &conn),
                None,
                &[],
                NOW + i * 100,
            )
            .await
            .unwrap();
    }
    let before = store.audit_head().await.unwrap();
    // Events at NOW (the connection), NOW, NOW+100 … NOW+500: keep from
    // NOW+250 on.
    let removed = store
        .prune_audit(NOW + 250, 1_000, NOW + 1_000)
        .await
        .unwrap();
    let head = store.audit_head().await.unwrap();
    assert_eq!(head.pruned_seq, removed, "the prefix 1..={removed} went");
    assert!(removed >= 3, "{removed}");
    assert_eq!(head.seq, before.seq + 1, "and audit.pruned was written");
    assert_eq!(
        store.audit_recent(1).await.unwrap()[0].event_type,
        "audit.pruned"
    );
    match verdict(&store).await {
        ChainCheck::Intact { events, last_seq } => {
            assert_eq!((events, last_seq), (head.seq - removed, head.seq));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        store
            .prune_audit(NOW + 250, 1_000, NOW + 1_000)
            .await
            .unwrap(),
        0,
        "nothing more is old"
    );
    let db = AnyPool::connect(store.url()).await.unwrap();
    assert!(
        run(
            &db,
            &format!("DELETE FROM audit_events WHERE seq = {}", head.seq)
        )
        .await
        .is_err(),
        "the gate is shut again"
    );

    // A checkpoint of the head as it is now.
    let cp = Checkpoint {
        seq: head.seq,
        hash: head.last_hash.clone(),
        at: NOW + 1_000,
        token: "t".into(),
    };
    assert!(store.insert_audit_checkpoint(&cp).await.unwrap());
    assert!(!store.insert_audit_checkpoint(&cp).await.unwrap(), "once");
    assert!(matches!(verdict(&store).await, ChainCheck::Intact { .. }));
    assert_eq!(
        store
            .audit_checkpoint_due(10_000, 600, NOW + 1_100)
            .await
            .unwrap(),
        None,
        "nothing new"
    );
    store
        .create_user(
            &ctx(),
            &new_user("late@example.com", &conn),
            None,
            &[],
            NOW + 1_200,
        )
        .await
        .unwrap();
    assert_eq!(
        store
            .audit_checkpoint_due(10_000, 600, NOW + 1_300)
            .await
            .unwrap(),
        None,
        "not yet"
    );
    let due = store
        .audit_checkpoint_due(10_000, 600, NOW + 1_700)
        .await
        .unwrap();
    assert_eq!(due.map(|d| d.0), Some(head.seq + 1), "ten minutes on");

    // Delete the newest event and rewind the head to the one before it:
    // a perfect, shorter chain, except for the checkpoint.
    let drops: &[&str] = if store.url().starts_with("postgres") {
        &["DROP TRIGGER audit_events_append_only ON audit_events"]
    } else {
        &["DROP TRIGGER audit_events_no_delete"]
    };
    for d in drops {
        run(&db, d).await.unwrap();
    }
    let keep = events(&db).await;
    let kept = &keep[keep.len() - 3];
    run(
        &db,
        &format!("DELETE FROM audit_events WHERE seq > {}", kept.seq),
    )
    .await
    .unwrap();
    run(
        &db,
        &format!(
            "UPDATE audit_head SET seq = {}, last_hash = '{}' WHERE id = 1",
            kept.seq, kept.hash
        ),
    )
    .await
    .unwrap();
    assert_eq!(
        verdict(&store).await,
        ChainCheck::BrokenAt {
            seq: kept.seq + 1,
            what: ChainBreak::Truncated
        }
    );
    // Without the checkpoint it would have passed: the head agrees.
    let none = std::collections::BTreeMap::new();
    assert!(matches!(
        store
            .verify_audit_chain_against(&none, |_, _| {})
            .await
            .unwrap(),
        ChainCheck::Intact { .. }
    ));
}
