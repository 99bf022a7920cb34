//! Audit log benchmark, run by `make bench` (scripts/bench): seeds
//! 1,000,000 events (BENCH_AUDIT_EVENTS to change) through the store's
//! write path, so the hash chain is the real one, then on SQLite and
//! PostgreSQL times
//!
//! - the console's filtered first page (`audit::search`: a page of 50 and
//!   the total capped at 10,000), each filter alone and three combined,
//!   and the second page through the keyset cursor;
//! - the CSV export of every event through the core the REST route streams
//!   (`export::begin`, then `audit_batch` + `Format::row` as
//!   server/src/audit_export.rs does), into a sink that counts the bytes,
//!   in a fresh process of its own whose peak RSS growth is measured;
//! - `verify_audit_chain_against`, what `masquerade audit verify` runs.
//!
//! Prints one JSON line per backend.
//!
//! ```text
//! bench_audit [SQLITE_FILE]            keep (and reuse) the SQLite database
//! bench_audit --export DATABASE_URL    the export alone (the child process)
//! ```

mod export_child;
mod generate;
mod measure;

use std::collections::{BTreeMap, VecDeque};
use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use masquerade::audit::export::{self, Format, BATCH};
use masquerade::authz::{PermSet, Principal};
use masquerade::bootstrap::ensure_defaults;
use masquerade::demo::realistic_users;
use masquerade::domain::application::ApplicationInput;
use masquerade::store::audit_query::AuditFilter;
use masquerade::store::{AuditContext, ChainCheck, SeedEvent};
use masquerade::testing::{fresh_pg_url, fresh_sqlite_url, strings};
use masquerade::Services;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};

use export_child::export_alone;
use generate::*;
use measure::*;

const DAY: i64 = 86_400;
const STAFF: usize = 500;
const CUSTOMERS: usize = 50_000;
const APPS: usize = 20;
const IPS: usize = 300;
/// Events per seeding transaction.
const SEED_BATCH: usize = 5_000;
/// Queries per filter.
const QUERIES: usize = 50;
const PAGE: i64 = 50;

fn events_wanted() -> usize {
    std::env::var("BENCH_AUDIT_EVENTS")
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(1_000_000)
}

/// Seals the signing keys of the bench databases; bench/audit.py gives
/// the server the same (MASQUERADE_MASTER_KEY) to open the SQLite one.
const MASTER_KEY: &str = "62656e63682d61756469742d6d61737465722d6b65792d6e6f742d7365637265";

/// The core's services on `url`, as the server builds them.
async fn services(url: &str, now: i64) -> Services {
    use masquerade::keys::{KeyRing, MasterKey};
    let store = masquerade::Store::open(url).await.expect("open");
    let master = MasterKey::parse(MASTER_KEY).expect("master key");
    let keys = KeyRing::open(store.clone(), master, now)
        .await
        .expect("key ring");
    Services {
        store,
        config: masquerade::RuntimeConfig::new("http://127.0.0.1:3000"),
        keys,
    }
}

fn principal() -> Principal {
    Principal::Client {
        client_id: "bench".into(),
        granted: PermSet::all(),
    }
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--export") {
        let url = args.get(1).expect("--export DATABASE_URL");
        export_alone(url).await;
        return;
    }
    let (sqlite_url, _dir) = match args.first() {
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
    let now = masquerade::unix_now();
    let svc = services(url, now).await;
    let store = svc.store.clone();
    let wanted = events_wanted();
    let started = Instant::now();
    let w = world(&svc, url, now).await;
    let world_s = started.elapsed().as_secs_f64();

    // Seeding: times spread evenly over the 90 days before now.
    let head = store.audit_head().await.expect("head").seq as usize;
    let mut generator = Generator::new(&w, 42);
    let seed_started = Instant::now();
    let start = now - 90 * DAY;
    let mut i = 0;
    if head < wanted {
        while i < wanted - head {
            let n = SEED_BATCH.min(wanted - head - i);
            let batch: Vec<SeedEvent> = (i..i + n)
                .map(|k| generator.event(start + (k as i64 * 90 * DAY) / wanted as i64))
                .collect();
            store.seed_audit_events(batch).await.expect("seed");
            i += n;
            if i % 100_000 < SEED_BATCH {
                eprintln!(
                    "  {backend}: {i} events seeded, {:.0} s",
                    seed_started.elapsed().as_secs_f64()
                );
            }
        }
    } else {
        // A kept database: the same generator gives the same values.
        for k in 0..wanted.min(200_000) {
            generator.event(start + k as i64);
        }
    }
    let seed_s = seed_started.elapsed().as_secs_f64();
    store.analyze().await.expect("analyze");
    let events = store.audit_head().await.expect("head").seq;

    // The filters, each with varied values.
    let mut rng = StdRng::seed_from_u64(7);
    let mut pick = |v: &[(String, String)]| v[rng.gen_range(0..v.len())].0.clone();
    let actors: Vec<String> = (0..QUERIES).map(|_| pick(&w.staff)).collect();
    let targets: Vec<String> = (0..QUERIES).map(|_| pick(&w.customers)).collect();
    let mut rng = StdRng::seed_from_u64(8);
    let tickets = &generator.tickets;
    let texts: Vec<String> = (0..QUERIES)
        .map(|q| match q % 3 {
            0 => WORDS[rng.gen_range(0..WORDS.len())].to_string(),
            1 => tickets[rng.gen_range(0..tickets.len().max(1))].clone(),
            _ => format!("SUP-{}", rng.gen_range(10_000..100_000)),
        })
        .collect();
    let week = |k: usize| {
        let from = now - 7 * DAY - (k as i64 * 83 * DAY) / QUERIES as i64;
        (Some(from), Some(from + 7 * DAY))
    };
    let imp = || vec!["impersonation.".to_string()];
    let mut sets: Vec<(&str, Vec<AuditFilter>)> = vec![
        (
            "actor",
            actors
                .iter()
                .map(|a| AuditFilter {
                    actor_id: Some(a.clone()),
                    ..Default::default()
                })
                .collect(),
        ),
        (
            "target",
            targets
                .iter()
                .map(|t| AuditFilter {
                    target_id: Some(t.clone()),
                    ..Default::default()
                })
                .collect(),
        ),
        (
            "application",
            (0..QUERIES)
                .map(|q| AuditFilter {
                    client_id: Some(w.apps[q % w.apps.len()].clone()),
                    ..Default::default()
                })
                .collect(),
        ),
        (
            "action_impersonation",
            (0..QUERIES)
                .map(|_| AuditFilter {
                    event_types: imp(),
                    ..Default::default()
                })
                .collect(),
        ),
        (
            "outcome",
            (0..QUERIES)
                .map(|q| AuditFilter {
                    outcome: Some(["success", "denied", "failure"][q % 3].into()),
                    ..Default::default()
                })
                .collect(),
        ),
        (
            "range_7d",
            (0..QUERIES)
                .map(|q| {
                    let (from, to) = week(q);
                    AuditFilter {
                        from,
                        to,
                        ..Default::default()
                    }
                })
                .collect(),
        ),
        (
            "ip",
            (0..QUERIES)
                .map(|q| AuditFilter {
                    ip: Some(w.ips[(q * 37) % w.ips.len()].clone()),
                    ..Default::default()
                })
                .collect(),
        ),
        (
            "text",
            texts
                .iter()
                .map(|t| AuditFilter {
                    text: Some(t.clone()),
                    ..Default::default()
                })
                .collect(),
        ),
    ];
    // Three at once: who did what when; an application's refusals this
    // week; impersonations of one customer with words of the reason.
    let combined = (0..QUERIES)
        .map(|q| match q % 3 {
            0 => AuditFilter {
                actor_id: Some(actors[q].clone()),
                event_types: imp(),
                from: Some(now - 30 * DAY),
                to: Some(now + 1),
                ..Default::default()
            },
            1 => {
                let (from, to) = week(q);
                AuditFilter {
                    client_id: Some(w.apps[q % w.apps.len()].clone()),
                    outcome: Some("denied".into()),
                    from,
                    to,
                    ..Default::default()
                }
            }
            _ => AuditFilter {
                target_id: Some(targets[q].clone()),
                event_types: imp(),
                text: Some(WORDS[q % WORDS.len()].into()),
                ..Default::default()
            },
        })
        .collect();
    sets.push(("combined_3", combined));

    let p = principal();
    for (_, filters) in &sets {
        for f in filters {
            masquerade::audit::search(&svc, &p, f, None, PAGE)
                .await
                .expect("warm");
        }
    }
    let mut first_all = Vec::new();
    let mut second_all = Vec::new();
    let mut per_filter = serde_json::Map::new();
    for (name, filters) in &sets {
        let (mut first, mut second) = (Vec::new(), Vec::new());
        for f in filters {
            let t = Instant::now();
            let r = masquerade::audit::search(&svc, &p, f, None, PAGE)
                .await
                .expect("search");
            first.push(t.elapsed().as_secs_f64() * 1000.0);
            if let Some(next) = r.page.next {
                let t = Instant::now();
                masquerade::audit::search(&svc, &p, f, Some(next), PAGE)
                    .await
                    .expect("page 2");
                second.push(t.elapsed().as_secs_f64() * 1000.0);
            }
        }
        first_all.extend(&first);
        second_all.extend(&second);
        let s = summary(first);
        eprintln!(
            "  {backend} {name:22} first page {s}  second page {}",
            summary(second.clone())
        );
        let mut s = s;
        s["page2"] = summary(second);
        per_filter.insert(name.to_string(), s);
    }

    // The export, in a process of its own so that its RSS is its own.
    let exe = std::env::current_exe().expect("exe");
    let out = std::process::Command::new(exe)
        .args(["--export", url])
        .output()
        .expect("export process");
    let export: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("export: {}", String::from_utf8_lossy(&out.stderr)));

    // `masquerade audit verify`: the chain against the stored checkpoints.
    let checkpoints: BTreeMap<i64, String> = store
        .audit_checkpoints()
        .await
        .expect("checkpoints")
        .into_iter()
        .map(|c| (c.seq, c.hash))
        .collect();
    let t = Instant::now();
    let cpu = cpu_s();
    let check = store
        .verify_audit_chain_against(&checkpoints, |_, _| {})
        .await
        .expect("verify");
    let verify_s = t.elapsed().as_secs_f64();
    let verify_cpu_s = cpu_s() - cpu;
    assert!(
        matches!(check, ChainCheck::Intact { .. }),
        "{}",
        check.sentence()
    );
    eprintln!("  {backend}: {} ({verify_s:.2} s)", check.sentence());

    let r2 = |x: f64| (x * 100.0).round() / 100.0;
    println!(
        "{}",
        json!({
            "backend": backend,
            "events": events,
            "seeded": i,
            "seed_s": r2(seed_s),
            "setup_s": r2(world_s),
            "page": PAGE,
            "filters": per_filter,
            "first_page": summary(first_all),
            "second_page": summary(second_all),
            "export": export,
            "verify_s": r2(verify_s),
            "verify_cpu_s": r2(verify_cpu_s),
            "verified": match check { ChainCheck::Intact { events, .. } => events, _ => 0 },
            "targets": {"filter_p95_ms": 25, "export_s": 10, "export_rss_growth_mb": 100, "verify_s": 5},
        })
    );
    store.close().await;
}
