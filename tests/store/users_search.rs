//! Users search, sorting, filters and keyset pagination.

use masquerade::demo::realistic_users;
use masquerade::domain::{UserQuery, UserSort};

use super::*;

pub(super) async fn search_sort_filter_and_keyset_pagination(store: Store) {
    let conn = default_conn(&store).await;
    let partner = store
        .create_connection(&ctx(), "Partners", &[], NOW)
        .await
        .unwrap()
        .id;
    let seeds = realistic_users(250, &conn, &partner, "x", NOW, 42);
    store
        .seed_users(&AuditContext::system(), &seeds, NOW)
        .await
        .unwrap();

    for sort in [
        UserSort::Email,
        UserSort::Name,
        UserSort::Created,
        UserSort::LastLogin,
    ] {
        for descending in [false, true] {
            let mut seen = std::collections::HashSet::new();
            let mut q = UserQuery {
                sort,
                descending,
                limit: 40,
                ..Default::default()
            };
            let mut pages = 0;
            let mut last_key: Option<(String, String)> = None;
            loop {
                let page = store.search_users(&q).await.unwrap();
                assert_eq!(page.total, 250);
                for u in &page.users {
                    assert!(seen.insert(u.id.clone()), "duplicate {} in {sort:?}", u.id);
                    let key = match sort {
                        UserSort::Email => (u.email.to_lowercase(), u.id.clone()),
                        UserSort::Name => (u.name.to_lowercase(), u.id.clone()),
                        UserSort::Created => (format!("{:020}", u.created_at), u.id.clone()),
                        UserSort::LastLogin => (format!("{:020}", u.last_login_at), u.id.clone()),
                    };
                    if let Some(prev) = &last_key {
                        if descending {
                            assert!(key < *prev, "{sort:?} desc order")
                        } else {
                            assert!(key > *prev, "{sort:?} order")
                        }
                    }
                    last_key = Some(key);
                }
                pages += 1;
                match page.next {
                    Some(n) => q.after = Some(n),
                    None => break,
                }
            }
            assert_eq!(seen.len(), 250, "{sort:?} desc={descending}");
            assert_eq!(pages, 7);
        }
    }

    let partner_only = store
        .search_users(&UserQuery {
            connection_id: Some(partner.clone()),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        partner_only.total as usize,
        seeds.iter().filter(|s| s.connection_id == partner).count()
    );
    assert!(partner_only
        .users
        .iter()
        .all(|u| u.connection_id == partner));

    let blocked = store
        .search_users(&UserQuery {
            blocked: Some(true),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        blocked.total as usize,
        seeds.iter().filter(|s| s.blocked).count()
    );

    let target = &seeds[17];
    let by_email = store
        .search_users(&UserQuery {
            search: target.email.to_uppercase(),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(by_email.total, 1);
    let id = by_email.users[0].id.clone();
    let by_id = store
        .search_users(&UserQuery {
            search: id[..10].to_string(),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(by_id.users.iter().any(|u| u.id == id));
    // Word-prefix search: a last name, or several words that must all match.
    let last = seeds[3].name.split(' ').next_back().unwrap().to_lowercase();
    let by_last = store
        .search_users(&UserQuery {
            search: last.clone(),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(by_last.total > 0);
    assert!(by_last
        .users
        .iter()
        .all(|u| u.name.to_lowercase().contains(&last) || u.email.contains(&last)));
    let first = seeds[3].name.split(' ').next().unwrap().to_lowercase();
    let both = store
        .search_users(&UserQuery {
            search: format!("{first} {last}"),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(both.total >= 1 && both.total <= by_last.total);
    let wildcard = store
        .search_users(&UserQuery {
            search: "%".into(),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        wildcard.total, 0,
        "LIKE wildcards in search text match literally"
    );

    let bad = store
        .search_users(&UserQuery {
            after: Some("garbage!".into()),
            limit: 10,
            ..Default::default()
        })
        .await;
    assert!(matches!(bad, Err(CoreError::Validation(ref e)) if e[0].field == "cursor"));
}
