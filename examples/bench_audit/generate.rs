//! The generated log: who and what the events name, and the events in
//! time order as the product writes them.

use super::*;

pub(crate) const REASONS: [&str; 16] = [
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
pub(crate) const WORDS: [&str; 10] = [
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
pub(crate) const DENIALS: [&str; 4] = [
    "rule_target_role",
    "target_protected",
    "app_not_allowed",
    "reason_required",
];
pub(crate) const AGENTS: [&str; 4] = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "masquerade-sdk/1.4 (+https://example.com)",
];

pub(crate) struct World {
    pub(crate) staff: Vec<(String, String)>,
    pub(crate) customers: Vec<(String, String)>,
    pub(crate) apps: Vec<String>,
    pub(crate) ips: Vec<String>,
}

pub(crate) async fn world(svc: &Services, url: &str, now: i64) -> World {
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
pub(crate) struct Open {
    data: Value,
    actor: usize,
    target: usize,
    stage: u8,
    revoke: bool,
}

/// `n` events from `start` to `end`, in time order, as the product writes
/// them (see the data of `Impersonation::audit_data` and the stores).
pub(crate) struct Generator<'a> {
    w: &'a World,
    rng: StdRng,
    open: VecDeque<Open>,
    imp: u64,
    pub(crate) tickets: Vec<String>,
}

impl<'a> Generator<'a> {
    /// The same seed gives the same log.
    pub(crate) fn new(w: &'a World, seed: u64) -> Self {
        Generator {
            w,
            rng: StdRng::seed_from_u64(seed),
            open: VecDeque::new(),
            imp: 0,
            tickets: Vec::new(),
        }
    }
}

impl Generator<'_> {
    pub(crate) fn ctx(&mut self, actor: Option<String>, ip: usize) -> AuditContext {
        AuditContext {
            actor_id: actor,
            ip: self.w.ips[ip % self.w.ips.len()].clone(),
            user_agent: AGENTS[self.rng.gen_range(0..AGENTS.len())].into(),
            ..Default::default()
        }
    }

    /// A staff member's usual address: each has three.
    pub(crate) fn staff_ip(&mut self, actor: usize) -> usize {
        actor * 7 + self.rng.gen_range(0..3)
    }

    pub(crate) fn event(&mut self, at: i64) -> SeedEvent {
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

    pub(crate) fn create(&mut self, at: i64) -> SeedEvent {
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
