//! Roles, their permissions, members and client grants; the lock-out
//! protections; concurrent membership changes.

use masquerade::authz::{PermSet, Permission, ADMIN_ROLE, SUPPORT_ROLE};
use masquerade::domain::{
    ApiInput, Permission as ApiPermission, PermissionRef, RoleInput, UserQuery,
};
use masquerade::store::users::SeedUser;
use masquerade::testing::strings;

use super::*;

async fn orders_api(store: &Store) -> String {
    store
        .create_api(
            &ctx(),
            &ApiInput {
                identifier: "https://orders.example/".into(),
                name: "Orders".into(),
                signing_alg: "ES256".into(),
                token_lifetime_secs: 600,
                permissions: ["read:orders", "write:orders"]
                    .map(|v| ApiPermission {
                        value: v.into(),
                        description: format!("{v} described"),
                        read_only: None,
                    })
                    .to_vec(),
                permissions_in_token: false,
            },
            false,
            NOW,
        )
        .await
        .unwrap()
        .id
}

async fn management_api(store: &Store) -> String {
    masquerade::bootstrap::ensure_management_api(store, "https://id.example", NOW)
        .await
        .unwrap()
        .id
}

fn role(name: &str, client_id: Option<&str>) -> RoleInput {
    RoleInput {
        name: name.into(),
        description: format!("{name} description"),
        client_id: client_id.map(String::from),
    }
}

fn perm(api_id: &str, p: &str) -> PermissionRef {
    PermissionRef {
        api_id: api_id.into(),
        permission: p.into(),
    }
}

async fn count(url_of: &Store, sql: &str) -> usize {
    strings(url_of.url(), sql).await.len()
}

pub(super) async fn roles_permissions_and_members(store: Store) {
    let conn = default_conn(&store).await;
    let orders = orders_api(&store).await;
    let mgmt = management_api(&store).await;
    let (app, _) = store
        .create_application(
            &ctx(),
            &ApplicationInput {
                name: "Shop".into(),
                app_type: "regular_web".into(),
                callback_urls: vec!["https://shop.example/cb".into()],
                grant_types: vec!["authorization_code".into()],
                connection_ids: vec![conn.clone()],
                ..Default::default()
            },
            NOW,
        )
        .await
        .unwrap();

    // A copy of a built-in role holds its permissions, and can change.
    let copy = store
        .duplicate_role(&ctx(), SUPPORT_ROLE, &role("Senior support", None), NOW)
        .await
        .unwrap();
    let detail = store.role_detail(&copy.id).await.unwrap();
    let names: Vec<&str> = detail
        .permissions
        .iter()
        .map(|p| p.permission.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "users:read",
            "impersonation:create",
            "impersonation:read",
            "audit:read"
        ]
    );
    assert!(!detail.role.builtin);

    // Permissions of any API, each checked against the API's own list.
    let scoped = store
        .create_role(&ctx(), &role("Shop buyer", Some(&app.client_id)), &[], NOW)
        .await
        .unwrap();
    assert_eq!(scoped.client_id.as_deref(), Some(app.client_id.as_str()));
    assert_eq!(scoped.application_name.as_deref(), Some("Shop"));
    let before = count(&store, "SELECT id FROM audit_events").await;
    let bad = store
        .change_role_permissions(
            &ctx(),
            &scoped.id,
            &[perm(&orders, "read:orders"), perm(&orders, "fly:orders")],
            &[],
            NOW,
        )
        .await;
    assert!(matches!(bad, Err(CoreError::Validation(_))), "{bad:?}");
    assert_eq!(count(&store, "SELECT id FROM audit_events").await, before);
    assert!(
        store
            .role_detail(&scoped.id)
            .await
            .unwrap()
            .permissions
            .is_empty(),
        "nothing half-written"
    );
    let d = store
        .change_role_permissions(
            &ctx(),
            &scoped.id,
            &[
                perm(&orders, "read:orders"),
                perm(&mgmt, "impersonation:create"),
            ],
            &[],
            NOW,
        )
        .await
        .unwrap();
    assert_eq!(d.permissions.len(), 2);
    assert_eq!(
        d.permissions[0].permission, "impersonation:create",
        "Management API first"
    );
    assert_eq!(d.permissions[1].description, "read:orders described");

    // Members, and what they hold through roles.
    let u = store
        .create_user(&ctx(), &new_user("m@example.com", &conn), None, &[], NOW)
        .await
        .unwrap();
    assert_eq!(
        store
            .assign_role(&ctx(), &scoped.id, std::slice::from_ref(&u.id), NOW)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store
            .assign_role(&ctx(), &scoped.id, std::slice::from_ref(&u.id), NOW)
            .await
            .unwrap(),
        0,
        "once"
    );
    let h = store.holdings(&u.id).await.unwrap().unwrap();
    assert!(
        h.management().is_empty(),
        "scoped impersonation stays with its application"
    );
    assert!(h
        .management_for_app(&app.client_id)
        .contains(Permission::ImpersonationCreate));
    assert_eq!(
        h.api_permissions(&orders, &app.client_id)
            .into_iter()
            .collect::<Vec<_>>(),
        ["read:orders"]
    );
    assert!(h.api_permissions(&orders, "other-app").is_empty());
    let held = store.user_permissions(&u.id).await.unwrap();
    assert_eq!(held.len(), 2);
    assert_eq!(held[0].via[0].1, "Shop buyer");

    // Built-in roles stay as they are.
    for attempt in [
        store
            .update_role(&ctx(), SUPPORT_ROLE, &role("Renamed", None), NOW)
            .await
            .err(),
        store.delete_role(&ctx(), SUPPORT_ROLE, NOW).await.err(),
        store
            .change_role_permissions(&ctx(), ADMIN_ROLE, &[], &[perm(&mgmt, "users:read")], NOW)
            .await
            .err(),
    ] {
        assert!(
            matches!(attempt, Some(CoreError::Forbidden(_))),
            "{attempt:?}"
        );
    }
    let dup = store
        .create_role(&ctx(), &role("shop BUYER", None), &[], NOW)
        .await;
    assert!(
        dup.is_ok(),
        "names are unique as written, case and all: {dup:?}"
    );
    let clash = store
        .create_role(&ctx(), &role("Shop buyer", None), &[], NOW)
        .await;
    assert!(
        matches!(clash, Err(CoreError::Conflict { .. })),
        "{clash:?}"
    );

    // Deleting says how many held it and ends their console sessions.
    let token = store
        .create_console_session(&ctx(), &u.id, SessionPolicy::default(), NOW)
        .await
        .unwrap();
    assert_eq!(store.delete_role(&ctx(), &scoped.id, NOW).await.unwrap(), 1);
    assert!(store
        .console_session(&token, SessionPolicy::default(), NOW)
        .await
        .unwrap()
        .is_none());
    assert!(store.holdings(&u.id).await.unwrap().unwrap().api.is_empty());
    for event in [
        "role.created",
        "role.permissions_changed",
        "role.assigned",
        "role.deleted",
    ] {
        let found = strings(
            store.url(),
            &format!("SELECT data FROM audit_events WHERE event_type = '{event}'"),
        )
        .await;
        assert!(!found.is_empty(), "{event} recorded");
    }
    let changed = strings(
        store.url(),
        "SELECT data FROM audit_events WHERE event_type = 'role.deleted'",
    )
    .await;
    assert!(changed[0].contains("\"before\""), "{changed:?}");
    // A change says what it was and what it became.
    store
        .update_role(
            &ctx(),
            &dup.as_ref().unwrap().id,
            &role("Shop buyers", None),
            NOW,
        )
        .await
        .unwrap();
    let renamed: serde_json::Value = serde_json::from_str(
        &strings(
            store.url(),
            "SELECT data FROM audit_events WHERE event_type = 'role.changed'",
        )
        .await[0],
    )
    .unwrap();
    assert_eq!(renamed["before"]["name"], "shop BUYER");
    assert_eq!(renamed["after"]["name"], "Shop buyers");
    assert_eq!(renamed["after"]["description"], "Shop buyers description");
    assert!(matches!(
        store.verify_audit_chain().await.unwrap(),
        ChainCheck::Intact { .. }
    ));
}

/// A role's members page through the users search: a small role drives
/// the query from the membership index, a large one is checked per row;
/// both page through every member once, with exact totals.
pub(super) async fn members_of_small_and_large_roles(store: Store) {
    let conn = default_conn(&store).await;
    let small = store
        .create_role(&ctx(), &role("Small", None), &[], NOW)
        .await
        .unwrap();
    let large = store
        .create_role(&ctx(), &role("Large", None), &[], NOW)
        .await
        .unwrap();
    let users: Vec<SeedUser> = (0..2_150)
        .map(|i| SeedUser {
            email: format!("member{i:04}@example.com"),
            name: format!("Member {i}"),
            connection_id: conn.clone(),
            password_hash: None,
            blocked: i % 10 == 0,
            created_at: NOW,
            last_login_at: 0,
            login_count: 0,
            app_metadata: serde_json::json!({}),
            user_metadata: serde_json::json!({}),
            roles: if i < 7 {
                vec![large.id.clone(), small.id.clone()]
            } else if i < 2_101 {
                vec![large.id.clone()]
            } else {
                vec![]
            },
        })
        .collect();
    store.seed_users(&ctx(), &users, NOW).await.unwrap();
    let everyone = store
        .search_users(&UserQuery {
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        everyone.total, 2_150,
        "an unfiltered count is exact past 1,000"
    );
    assert!(!everyone.total_capped);
    for (role_id, expected) in [(&small.id, 7), (&large.id, 2_101)] {
        let mut q = UserQuery {
            role_id: Some(role_id.clone()),
            limit: 100,
            ..Default::default()
        };
        let mut seen = std::collections::BTreeSet::new();
        loop {
            let page = store.search_users(&q).await.unwrap();
            assert_eq!(page.total, expected);
            assert!(!page.total_capped);
            for u in &page.users {
                assert!(u.roles.contains(role_id));
                assert!(seen.insert(u.id.clone()), "each member once");
            }
            match page.next {
                Some(n) => q.after = Some(n),
                None => break,
            }
        }
        assert_eq!(seen.len() as i64, expected);
    }
    // Other filters combine with the role.
    let blocked = store
        .search_users(&UserQuery {
            role_id: Some(large.id.clone()),
            blocked: Some(true),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(blocked.total, 211);
    assert!(blocked.users.iter().all(|u| u.blocked));
    let word = store
        .search_users(&UserQuery {
            search: "member0003".into(),
            role_id: Some(small.id.clone()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(word.total, 1);
}

/// 100 concurrent assigns and unassigns of one role: no duplicate
/// memberships, and the count, the rows and the audit log agree.
pub(super) async fn concurrent_membership_changes(store: Store) {
    let conn = default_conn(&store).await;
    let r = store
        .create_role(&ctx(), &role("Busy", None), &[], NOW)
        .await
        .unwrap();
    let mut ids = Vec::new();
    for i in 0..40 {
        ids.push(
            store
                .create_user(
                    &ctx(),
                    &new_user(&format!("c{i}@example.com"), &conn),
                    None,
                    &[],
                    NOW,
                )
                .await
                .unwrap()
                .id,
        );
    }
    let mut tasks = Vec::new();
    for i in 0..100 {
        let store = store.clone();
        let role_id = r.id.clone();
        let user = ids[i % ids.len()].clone();
        tasks.push(tokio::spawn(async move {
            if i % 3 == 2 {
                store
                    .unassign_role(&ctx(), &role_id, &user, NOW)
                    .await
                    .map(|_| ())
            } else {
                store
                    .assign_role(&ctx(), &role_id, &[user], NOW)
                    .await
                    .map(|_| ())
            }
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let members = store.count_role_members(&r.id).await.unwrap();
    let distinct = strings(
        store.url(),
        &format!(
            "SELECT DISTINCT user_id FROM user_roles WHERE role_id = '{}'",
            r.id
        ),
    )
    .await
    .len() as i64;
    assert_eq!(members, distinct, "no duplicate memberships");
    let data_of = |event: &str| {
        format!(
            "SELECT id FROM audit_events WHERE event_type = '{event}' AND data LIKE '%{}%'",
            r.id
        )
    };
    let assigned = strings(store.url(), &data_of("role.assigned")).await.len() as i64;
    let unassigned = strings(store.url(), &data_of("role.unassigned"))
        .await
        .len() as i64;
    assert_eq!(assigned - unassigned, members, "the log explains the count");
    assert_eq!(store.get_role(&r.id).await.unwrap().member_count, members);
}

/// The last unblocked administrator cannot be blocked, deleted or lose the
/// role; two administrators demoted at once leave one.
pub(super) async fn the_last_administrator_stays(store: Store) {
    let conn = default_conn(&store).await;
    let admin = |email: &str| {
        let store = store.clone();
        let conn = conn.clone();
        let email = email.to_string();
        async move {
            store
                .create_user(&ctx(), &new_user(&email, &conn), None, &[ADMIN_ROLE], NOW)
                .await
                .unwrap()
                .id
        }
    };
    let a = admin("a@example.com").await;
    let b = admin("b@example.com").await;
    assert!(store
        .unassign_role(&ctx(), ADMIN_ROLE, &a, NOW)
        .await
        .unwrap());
    let last = |r: Result<_, CoreError>| matches!(r, Err(CoreError::Conflict { .. }));
    assert!(last(
        store
            .unassign_role(&ctx(), ADMIN_ROLE, &b, NOW)
            .await
            .map(|_| ())
    ));
    assert!(last(
        store.set_blocked(&ctx(), &b, true, NOW).await.map(|_| ())
    ));
    assert!(last(store.delete_user(&ctx(), &b, NOW).await));
    // Nobody blocks or deletes themselves, administrator or not.
    let own = AuditContext {
        actor_id: Some(a.clone()),
        ..ctx()
    };
    assert!(matches!(
        store.set_blocked(&own, &a, true, NOW).await,
        Err(CoreError::Forbidden(_))
    ));
    assert!(matches!(
        store.delete_user(&own, &a, NOW).await,
        Err(CoreError::Forbidden(_))
    ));

    // Two demotions racing: one wins, the other finds the last
    // administrator. Several rounds, since a race shows only sometimes.
    let mut survivor = b;
    for round in 0..6 {
        let other = admin(&format!("r{round}@example.com")).await;
        let actor = ctx();
        let (x, y) = tokio::join!(
            store.unassign_role(&actor, ADMIN_ROLE, &survivor, NOW),
            store.unassign_role(&actor, ADMIN_ROLE, &other, NOW)
        );
        assert_eq!(
            [x.is_ok(), y.is_ok()].iter().filter(|ok| **ok).count(),
            1,
            "round {round}: {x:?} {y:?}"
        );
        assert_eq!(store.count_role_members(ADMIN_ROLE).await.unwrap(), 1);
        if x.is_ok() {
            survivor = other;
        }
    }
}

/// What an API lets a client ask for, and who may change it.
pub(super) async fn client_grants(store: Store) {
    let orders = orders_api(&store).await;
    let mgmt = management_api(&store).await;
    let (job, _) = store
        .create_application(
            &ctx(),
            &ApplicationInput {
                name: "Job".into(),
                app_type: "m2m".into(),
                grant_types: vec!["client_credentials".into()],
                ..Default::default()
            },
            NOW,
        )
        .await
        .unwrap();
    store
        .set_api_client(&ctx(), &orders, &job.client_id, true, NOW)
        .await
        .unwrap();
    let api = store.get_api(&orders).await.unwrap();
    assert_eq!(
        api.granted_to(&job.client_id),
        Some(&[][..]),
        "authorized, granted nothing yet"
    );
    let bad = store
        .set_client_grant(&ctx(), &orders, &job.client_id, &["fly:orders".into()], NOW)
        .await;
    assert!(matches!(bad, Err(CoreError::Validation(_))));
    let api = store
        .set_client_grant(
            &ctx(),
            &orders,
            &job.client_id,
            &["read:orders".into()],
            NOW,
        )
        .await
        .unwrap();
    assert_eq!(
        api.granted_to(&job.client_id),
        Some(&["read:orders".to_string()][..])
    );
    // Authorizing again keeps the grant.
    store
        .set_api_client(&ctx(), &orders, &job.client_id, true, NOW)
        .await
        .unwrap();
    assert_eq!(
        store
            .get_api(&orders)
            .await
            .unwrap()
            .granted_to(&job.client_id)
            .map(|g| g.len()),
        Some(1)
    );
    let audited = strings(
        store.url(),
        "SELECT data FROM audit_events WHERE event_type = 'api.client_grant_changed'",
    )
    .await;
    assert!(
        audited.last().unwrap().contains("\"before\":[]"),
        "{audited:?}"
    );

    // Nobody hands out a Management API permission they lack, and a client
    // does not change its own access.
    let limited = AuditContext {
        grantable: [Permission::ApisWrite, Permission::UsersRead]
            .into_iter()
            .collect::<PermSet>(),
        ..ctx()
    };
    let escalation = store
        .set_client_grant(
            &limited,
            &mgmt,
            &job.client_id,
            &["users:write".into()],
            NOW,
        )
        .await;
    assert!(
        matches!(
            escalation,
            Err(CoreError::NeedsPermission(Permission::UsersWrite))
        ),
        "{escalation:?}"
    );
    store
        .set_client_grant(&limited, &mgmt, &job.client_id, &["users:read".into()], NOW)
        .await
        .unwrap();
    let own = AuditContext {
        actor_id: Some(format!("{}@clients", job.client_id)),
        ..ctx()
    };
    assert!(matches!(
        store
            .set_client_grant(&own, &mgmt, &job.client_id, &[], NOW)
            .await,
        Err(CoreError::Forbidden(_))
    ));
    let role = store
        .create_role(
            &limited,
            &role("Readers", None),
            &[perm(&mgmt, "users:read")],
            NOW,
        )
        .await
        .unwrap();
    let wider = store
        .change_role_permissions(&limited, &role.id, &[perm(&mgmt, "roles:write")], &[], NOW)
        .await;
    assert!(matches!(
        wider,
        Err(CoreError::NeedsPermission(Permission::RolesWrite))
    ));
    let conn = default_conn(&store).await;
    let u = store
        .create_user(&ctx(), &new_user("g@example.com", &conn), None, &[], NOW)
        .await
        .unwrap();
    let handing_out_admin = store
        .assign_role(&limited, ADMIN_ROLE, std::slice::from_ref(&u.id), NOW)
        .await;
    assert!(matches!(
        handing_out_admin,
        Err(CoreError::NeedsPermission(_))
    ));
    assert!(store.user_role_ids(&u.id).await.unwrap().is_empty());
}
