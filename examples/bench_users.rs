//! Users search benchmark: seeds 100,000 users, then times search + count +
//! one page (the work behind the Users screen) on SQLite and PostgreSQL.
//! Run by `make bench`; prints one JSON line per backend.

use std::time::Instant;

use masquerade::bootstrap::ensure_defaults;
use masquerade::demo::realistic_users;
use masquerade::domain::{UserQuery, UserSort};
use masquerade::store::AuditContext;
use masquerade::testing::{fresh_pg_url, fresh_sqlite_url};
use masquerade::Store;

const USERS: usize = 100_000;
const ROUNDS: usize = 20;

#[tokio::main]
async fn main() {
    let keep = std::env::args().nth(1);
    let (sqlite_url, _dir) = match &keep {
        Some(path) => (format!("sqlite:{path}"), None),
        None => {
            let (u, d) = fresh_sqlite_url();
            (u, Some(d))
        }
    };
    run("sqlite", &sqlite_url).await;
    if std::env::var("BENCH_SKIP_PG").is_err() {
        run("postgres", &fresh_pg_url().await).await;
    }
}

async fn run(backend: &str, url: &str) {
    let store = Store::open(url).await.expect("open");
    let now = masquerade::unix_now();
    let conn = ensure_defaults(&store, now).await.expect("defaults");
    let partner = match store.connection_by_name("Partners").await.expect("lookup") {
        Some(c) => c.id,
        None => {
            store
                .create_connection(&AuditContext::system(), "Partners", &[], now)
                .await
                .expect("conn")
                .id
        }
    };
    let existing = store.count_users().await.expect("count") as usize;
    let seed_started = Instant::now();
    if existing < USERS {
        for (i, chunk) in realistic_users(USERS - existing, &conn, &partner, "x", now, 99)
            .chunks(5000)
            .enumerate()
        {
            let mut chunk = chunk.to_vec();
            for (j, u) in chunk.iter_mut().enumerate() {
                u.email = format!("b{}-{}-{}", existing, i * 5000 + j, u.email);
            }
            store
                .seed_users(&AuditContext::system(), &chunk, now)
                .await
                .expect("seed");
        }
    }
    store.analyze().await.expect("analyze");
    let seed_ms = seed_started.elapsed().as_millis();

    let queries: Vec<UserQuery> = vec![
        UserQuery {
            limit: 25,
            ..Default::default()
        },
        UserQuery {
            sort: UserSort::LastLogin,
            descending: true,
            limit: 25,
            ..Default::default()
        },
        UserQuery {
            sort: UserSort::Created,
            limit: 25,
            ..Default::default()
        },
        UserQuery {
            sort: UserSort::Name,
            limit: 25,
            ..Default::default()
        },
        UserQuery {
            search: "lovelace".into(),
            limit: 25,
            ..Default::default()
        },
        UserQuery {
            search: "ada.hopper".into(),
            limit: 25,
            ..Default::default()
        },
        UserQuery {
            search: "usr_".into(),
            limit: 25,
            ..Default::default()
        },
        UserQuery {
            search: "b0-4242-".into(),
            limit: 25,
            ..Default::default()
        },
        UserQuery {
            blocked: Some(true),
            limit: 25,
            ..Default::default()
        },
        UserQuery {
            connection_id: Some(partner.clone()),
            limit: 25,
            ..Default::default()
        },
        UserQuery {
            search: "globex".into(),
            connection_id: Some(conn.clone()),
            blocked: Some(false),
            limit: 25,
            ..Default::default()
        },
    ];
    // Warm caches once, then measure every query, including a second page.
    for q in &queries {
        store.search_users(q).await.expect("warm");
    }
    let mut samples = Vec::new();
    let mut worst = vec![0f64; queries.len()];
    let mut worst2 = vec![0f64; queries.len()];
    for _ in 0..ROUNDS {
        for (i, q) in queries.iter().enumerate() {
            let t = Instant::now();
            let page = store.search_users(q).await.expect("search");
            let ms = t.elapsed().as_secs_f64() * 1000.0;
            worst[i] = worst[i].max(ms);
            samples.push(ms);
            if let Some(next) = page.next {
                let q2 = UserQuery {
                    after: Some(next),
                    ..q.clone()
                };
                let t = Instant::now();
                store.search_users(&q2).await.expect("page 2");
                let ms = t.elapsed().as_secs_f64() * 1000.0;
                worst2[i] = worst2[i].max(ms);
                samples.push(ms);
            }
        }
    }
    for ((q, w), w2) in queries.iter().zip(&worst).zip(&worst2) {
        eprintln!("  worst {w:7.2} ms, page 2 {w2:7.2} ms  search={:?} sort={:?} desc={} blocked={:?} conn={}", q.search, q.sort, q.descending, q.blocked, q.connection_id.is_some());
    }
    samples.sort_by(|a, b| a.total_cmp(b));
    let pct = |p: f64| samples[((samples.len() as f64 - 1.0) * p).round() as usize];
    println!(
        "{{\"backend\":\"{backend}\",\"users\":{},\"samples\":{},\"p50_ms\":{:.2},\"p95_ms\":{:.2},\"max_ms\":{:.2},\"seed_ms\":{seed_ms}}}",
        store.count_users().await.expect("count"),
        samples.len(),
        pct(0.5),
        pct(0.95),
        samples[samples.len() - 1],
    );
    role_members(backend, url, &store).await;
    store.close().await;
}

/// A role's member page (the role screen's Users tab) when every one of
/// the 100,000 users holds the role, and for a role of 50: first page,
/// second page, and a search within the members; plus what the permission
/// check costs once the holdings are cached.
async fn role_members(backend: &str, url: &str, store: &Store) {
    use masquerade::domain::RoleInput;
    let ctx = AuditContext::system();
    let now = masquerade::unix_now();
    let mut ids = Vec::new();
    for (name, members) in [("Everyone (bench)", None), ("Fifty (bench)", Some(50))] {
        let existing = store
            .list_roles(name)
            .await
            .expect("roles")
            .into_iter()
            .find(|r| r.name == name);
        let role = match existing {
            Some(r) => r,
            None => {
                let r = store
                    .create_role(
                        &ctx,
                        &RoleInput {
                            name: name.into(),
                            ..Default::default()
                        },
                        &[],
                        now,
                    )
                    .await
                    .expect("role");
                // Bulk membership for the benchmark only; the product adds
                // members through assign_role, each with its audit event.
                let limit = members.map_or(String::new(), |n| format!(" ORDER BY id LIMIT {n}"));
                masquerade::testing::execute(
                    url,
                    &format!("INSERT INTO user_roles (user_id, role_id) SELECT id, '{}' FROM users{limit}", r.id),
                )
                .await;
                r
            }
        };
        ids.push(role.id);
    }
    store.analyze().await.expect("analyze");
    let mut samples = Vec::new();
    for _ in 0..ROUNDS {
        for id in &ids {
            for search in ["", "lovelace"] {
                let q = UserQuery {
                    role_id: Some(id.clone()),
                    search: search.into(),
                    limit: 25,
                    ..Default::default()
                };
                let t = Instant::now();
                let page = store.search_users(&q).await.expect("members");
                samples.push(t.elapsed().as_secs_f64() * 1000.0);
                if let Some(next) = page.next {
                    let t = Instant::now();
                    store
                        .search_users(&UserQuery {
                            after: Some(next),
                            ..q
                        })
                        .await
                        .expect("members page 2");
                    samples.push(t.elapsed().as_secs_f64() * 1000.0);
                }
            }
        }
    }
    samples.sort_by(|a, b| a.total_cmp(b));
    let pct = |p: f64| samples[((samples.len() as f64 - 1.0) * p).round() as usize];
    let members = store.count_role_members(&ids[0]).await.expect("count");
    // The permission check: holdings from the hot cache against a read.
    let user = store
        .search_users(&UserQuery {
            limit: 1,
            ..Default::default()
        })
        .await
        .expect("a user")
        .users
        .remove(0)
        .id;
    store.holdings(&user).await.expect("warm");
    let t = Instant::now();
    for _ in 0..10_000 {
        store.holdings(&user).await.expect("cached");
    }
    let cached_us = t.elapsed().as_secs_f64() * 1e6 / 10_000.0;
    let t = Instant::now();
    for _ in 0..200 {
        store.read_holdings(&user).await.expect("read");
    }
    let read_us = t.elapsed().as_secs_f64() * 1e6 / 200.0;
    println!(
        "{{\"backend\":\"{backend}\",\"bench\":\"role_members\",\"members\":{members},\"samples\":{},\"p50_ms\":{:.2},\"p95_ms\":{:.2},\"max_ms\":{:.2},\"holdings_cached_us\":{cached_us:.2},\"holdings_read_us\":{read_us:.1}}}",
        samples.len(),
        pct(0.5),
        pct(0.95),
        samples[samples.len() - 1],
    );
}
