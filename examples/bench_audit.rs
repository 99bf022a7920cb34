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

const REASONS: [&str; 16] = [
    "Customer cannot see their invoices",
    "Checkout fails after entering the card",
    "Password reset email never arrives",
    "Profile picture upload error",
    "Reproduce the dashboard crash reported by the customer",
    "Subscription shows the wrong plan",
    "Verify the new onboarding flow as this user",
    "Customer asks why two-factor prompts twice",
    "Missing order history after migration",
    "Export to PDF produces an empty page",
    "Notification settings do not save",
    "Escalation from tier 1: billing address mismatch",
    "Language switches back to English",
    "Customer locked out after changing email",
    "Check permissions on the shared workspace",
    "Invoice totals differ from the receipt",
];
const WORDS: [&str; 10] = [
    "invoice",
    "checkout",
    "password",
    "crash",
    "billing",
    "onboarding",
    "workspace",
    "pdf",
    "two-factor",
    "migration",
];
const DENIALS: [&str; 4] = [
    "rule_target_role",
    "target_protected",
    "app_not_allowed",
    "reason_required",
];
const AGENTS: [&str; 4] = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "masquerade-sdk/1.4 (+https://example.com)",
];

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

/// Who and what the generated events name.
struct World {
    staff: Vec<(String, String)>,
    customers: Vec<(String, String)>,
    apps: Vec<String>,
    ips: Vec<String>,
}

async fn world(svc: &Services, url: &str, now: i64) -> World {
    let store = &svc.store;
    let sys = AuditContext::system();
    let conn = ensure_defaults(store, now).await.expect("defaults");
    let have = store.count_users().await.expect("count") as usize;
    if have < STAFF + CUSTOMERS {
        let users = realistic_users(STAFF + CUSTOMERS - have, &conn, &conn, "x", now, 11);
        for (i, chunk) in users.chunks(5000).enumerate() {
            let mut chunk = chunk.to_vec();
            for (j, u) in chunk.iter_mut().enumerate() {
                u.email = format!("a{}-{}", have + i * 5000 + j, u.email);
            }
            store.seed_users(&sys, &chunk, now).await.expect("users");
        }
    }
    let mut apps = strings(
        url,
        "SELECT client_id FROM applications WHERE name LIKE 'Bench app %' ORDER BY name",
    )
    .await;
    for i in apps.len()..APPS {
        let input = ApplicationInput {
            name: format!("Bench app {i:02}"),
            app_type: "regular_web".into(),
            callback_urls: vec![format!("https://app{i}.example.com/callback")],
            allow_impersonation: true,
            ..Default::default()
        };
        let (app, _) = store
            .create_application(&sys, &input, now)
            .await
            .expect("application");
        apps.push(app.client_id);
    }
    let users: Vec<(String, String)> = strings(
        url,
        "SELECT id || ' ' || email FROM users WHERE email LIKE 'a%-%' ORDER BY id",
    )
    .await
    .into_iter()
    .filter_map(|s| s.split_once(' ').map(|(a, b)| (a.into(), b.into())))
    .collect();
    let (staff, customers) = users.split_at(STAFF.min(users.len()));
    let ips = (0..IPS)
        .map(|i| match i % 3 {
            0 => format!("203.0.113.{}", i / 3 + 1),
            1 => format!("198.51.{}.{}", i / 3 % 100, 10 + i / 3),
            _ => format!("2001:db8:{:x}::{:x}", i / 3, i),
        })
        .collect();
    World {
        staff: staff.to_vec(),
        customers: customers.to_vec(),
        apps,
        ips,
    }
}

/// An impersonation under way: its next step is `stage`.
struct Open {
    data: Value,
    actor: usize,
    target: usize,
    stage: u8,
    revoke: bool,
}

/// `n` events from `start` to `end`, in time order, as the product writes
/// them (see the data of `Impersonation::audit_data` and the stores).
struct Generator<'a> {
    w: &'a World,
    rng: StdRng,
    open: VecDeque<Open>,
    imp: u64,
    tickets: Vec<String>,
}

impl Generator<'_> {
    fn ctx(&mut self, actor: Option<String>, ip: usize) -> AuditContext {
        AuditContext {
            actor_id: actor,
            ip: self.w.ips[ip % self.w.ips.len()].clone(),
            user_agent: AGENTS[self.rng.gen_range(0..AGENTS.len())].into(),
            ..Default::default()
        }
    }

    /// A staff member's usual address: each has three.
    fn staff_ip(&mut self, actor: usize) -> usize {
        actor * 7 + self.rng.gen_range(0..3)
    }

    fn event(&mut self, at: i64) -> SeedEvent {
        let w = self.w;
        let roll = self.rng.gen_range(0..1000);
        let actor = self.rng.gen_range(0..w.staff.len());
        let target = self.rng.gen_range(0..w.customers.len());
        let (actor_id, actor_email) = w.staff[actor].clone();
        let (target_id, target_email) = w.customers[target].clone();
        let mk = |ctx, t: &str, target: Option<String>, data| SeedEvent {
            ctx,
            event_type: t.into(),
            target_id: target,
            data,
            at,
        };
        match roll {
            // Sign in as User: links created, then opened, tokens issued,
            // sometimes revoked, a few steps later.
            0..=139 => self.create(at),
            140..=259 => match self.open.pop_front() {
                None => self.create(at),
                Some(mut o) => {
                    let t = match o.stage {
                        0 => "impersonation.link_redeemed",
                        1 => "impersonation.tokens_issued",
                        _ => "impersonation.revoked",
                    };
                    o.stage += 1;
                    let ip = self.staff_ip(o.actor);
                    let ctx = self.ctx(Some(w.staff[o.actor].0.clone()), ip);
                    let e = mk(
                        ctx,
                        t,
                        Some(w.customers[o.target].0.clone()),
                        o.data.clone(),
                    );
                    if o.stage < 2 || (o.stage == 2 && o.revoke) {
                        self.open.push_back(o);
                    }
                    e
                }
            },
            260..=289 => {
                let reason = REASONS[self.rng.gen_range(0..REASONS.len())];
                let data = json!({
                    "impersonator_id": actor_id, "impersonator_email": actor_email,
                    "user_id": target_id, "user_email": target_email,
                    "client_id": w.apps[self.rng.gen_range(0..w.apps.len())],
                    "reason": reason, "denied": DENIALS[self.rng.gen_range(0..DENIALS.len())],
                    "stage": "mint",
                });
                let ip = self.staff_ip(actor);
                mk(
                    self.ctx(Some(actor_id), ip),
                    "impersonation.denied",
                    Some(target_id),
                    data,
                )
            }
            290..=299 => {
                let data = json!({"code": "link_expired", "client_id": w.apps[self.rng.gen_range(0..w.apps.len())]});
                let ip = self.rng.gen_range(0..IPS);
                mk(self.ctx(None, ip), "impersonation.open_refused", None, data)
            }
            // Console and application sign-ins, and failed ones.
            300..=539 => {
                let ip = self.staff_ip(actor);
                mk(
                    self.ctx(Some(actor_id.clone()), ip),
                    "console.signed_in",
                    Some(actor_id),
                    json!({}),
                )
            }
            540..=589 => {
                let ip = self.rng.gen_range(0..IPS);
                let data = json!({"email": actor_email, "client_id": w.apps[self.rng.gen_range(0..w.apps.len())]});
                mk(
                    self.ctx(None, ip),
                    "console.sign_in_failed",
                    Some(actor_id),
                    data,
                )
            }
            // Users changed by staff or by an application's API client.
            590..=879 => {
                let t = match roll {
                    590..=769 => "user.updated",
                    770..=819 => "user.created",
                    820..=859 => "user.password_set",
                    860..=869 => "user.blocked",
                    _ => "user.unblocked",
                };
                let by_app = self.rng.gen_range(0..10) == 0;
                let (actor, ip) = if by_app {
                    let app = &w.apps[self.rng.gen_range(0..w.apps.len())];
                    (format!("{app}@clients"), self.rng.gen_range(0..IPS))
                } else {
                    (actor_id, self.staff_ip(actor))
                };
                mk(
                    self.ctx(Some(actor), ip),
                    t,
                    Some(target_id),
                    json!({"email": target_email}),
                )
            }
            880..=979 => {
                let (t, role) = match roll {
                    880..=949 => ("role.assigned", ("rol_customer", "Customer")),
                    950..=964 => ("role.unassigned", ("rol_customer", "Customer")),
                    _ => ("role.assigned", ("rol_support", "Support")),
                };
                let ip = self.staff_ip(actor);
                let data = json!({"role_id": role.0, "role_name": role.1});
                mk(self.ctx(Some(actor_id), ip), t, Some(target_id), data)
            }
            _ => {
                let app = w.apps[self.rng.gen_range(0..w.apps.len())].clone();
                let ip = self.staff_ip(actor);
                mk(
                    self.ctx(Some(actor_id), ip),
                    "application.updated",
                    Some(app),
                    json!({}),
                )
            }
        }
    }

    fn create(&mut self, at: i64) -> SeedEvent {
        let w = self.w;
        let actor = self.rng.gen_range(0..w.staff.len());
        let target = self.rng.gen_range(0..w.customers.len());
        self.imp += 1;
        let ticket = format!("SUP-{}", self.rng.gen_range(10_000..100_000));
        if self.tickets.len() < 10_000 {
            self.tickets.push(ticket.clone());
        }
        let data = json!({
            "impersonation_id": format!("imp_bench{:08}", self.imp),
            "impersonator_id": w.staff[actor].0,
            "impersonator_email": w.staff[actor].1,
            "user_id": w.customers[target].0,
            "user_email": w.customers[target].1,
            "client_id": w.apps[self.rng.gen_range(0..w.apps.len())],
            "reason": REASONS[self.rng.gen_range(0..REASONS.len())],
            "ticket": ticket,
            "mode": if self.rng.gen_range(0..5) == 0 { "read_only" } else { "full" },
        });
        let ip = self.staff_ip(actor);
        let ctx = self.ctx(Some(w.staff[actor].0.clone()), ip);
        self.open.push_back(Open {
            data: data.clone(),
            actor,
            target,
            stage: 0,
            revoke: self.rng.gen_range(0..5) == 0,
        });
        SeedEvent {
            ctx,
            event_type: "impersonation.link_created".into(),
            target_id: Some(w.customers[target].0.clone()),
            data,
            at,
        }
    }
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn summary(mut v: Vec<f64>) -> Value {
    v.sort_by(|a, b| a.total_cmp(b));
    let r = |x: f64| (x * 100.0).round() / 100.0;
    json!({
        "n": v.len(),
        "p50_ms": r(pct(&v, 0.5)),
        "p95_ms": r(pct(&v, 0.95)),
        "max_ms": r(v.last().copied().unwrap_or(0.0)),
    })
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
    let mut generator = Generator {
        w: &w,
        rng: StdRng::seed_from_u64(42),
        open: VecDeque::new(),
        imp: 0,
        tickets: Vec::new(),
    };
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

/// kB of `field` in /proc/self/status.
fn status_kb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// CPU seconds this process has used (user + system, every thread):
/// what the work cost whatever else the machine runs.
fn cpu_s() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name, which ends with the last ')'.
    let rest = stat.rsplit_once(')').map(|x| x.1).unwrap_or_default();
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15 of the line (11 and 12 here),
    // in clock ticks of 1/100 s on Linux.
    (ticks(11) + ticks(12)) / 100.0
}

/// Counts what is written and keeps nothing.
struct Counting(u64);

impl Write for Counting {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Every event as CSV, the way GET /api/v1/audit/export streams it
/// (server/src/audit_export.rs: `export::begin`, then one chunk per batch
/// of `audit_batch`), with the process's RSS before, at peak and after.
async fn export_alone(url: &str) {
    let now = masquerade::unix_now();
    let svc = services(url, now).await;
    let filter = AuditFilter::default();
    // Warm the connections as a running server's are.
    svc.store.audit_batch(&filter, 0, 1).await.expect("warm");
    // 5 resets the peak (VmHWM) to the current RSS on Linux.
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let before = status_kb("VmRSS:");
    let peak = Arc::new(AtomicU64::new(before));
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (peak, stop) = (peak.clone(), stop.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                peak.fetch_max(status_kb("VmRSS:"), Ordering::Relaxed);
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
        })
    };
    let t = Instant::now();
    let cpu = cpu_s();
    let ctx = AuditContext::system();
    let plan = export::begin(&svc, &principal(), &ctx, &filter, Format::Csv, now)
        .await
        .expect("begin");
    let mut sink = Counting(0);
    let (mut after, mut rows, mut head) = (0, 0u64, true);
    loop {
        let mut chunk = if head {
            plan.format.head()
        } else {
            String::new()
        };
        head = false;
        let events = svc
            .store
            .audit_batch(&filter, after, BATCH)
            .await
            .expect("batch");
        let done = (events.len() as i64) < BATCH;
        if let Some(last) = events.last() {
            after = last.seq;
        }
        for e in &events {
            chunk.push_str(&plan.format.row(e));
        }
        rows += events.len() as u64;
        sink.write_all(chunk.as_bytes()).expect("sink");
        if done {
            break;
        }
    }
    let secs = t.elapsed().as_secs_f64();
    let cpu = cpu_s() - cpu;
    stop.store(true, Ordering::Relaxed);
    let _ = sampler.join();
    let hwm = if reset { status_kb("VmHWM:") } else { 0 };
    let peak_kb = peak.load(Ordering::Relaxed).max(hwm);
    let mb = |kb: u64| (kb as f64 / 1024.0 * 10.0).round() / 10.0;
    println!(
        "{}",
        json!({
            "rows": rows,
            "planned_rows": plan.rows,
            "bytes": sink.0,
            "secs": (secs * 100.0).round() / 100.0,
            "cpu_s": (cpu * 100.0).round() / 100.0,
            "rss_before_mb": mb(before),
            "rss_peak_mb": mb(peak_kb),
            "rss_growth_mb": mb(peak_kb.saturating_sub(before)),
            "hwm_reset": reset,
        })
    );
    svc.store.close().await;
}
