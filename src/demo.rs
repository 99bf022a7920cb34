//! Demo data for `masquerade --demo`: an administrator, a support agent, 200
//! realistic users across two connections, and three applications.

use rand::{rngs::StdRng, Rng, SeedableRng};
use serde_json::json;

use crate::domain::api::{ApiInput, Permission};
use crate::domain::application::ApplicationInput;
use crate::domain::role::{PermissionRef, RoleInput, ADMIN_ROLE, AUDITOR_ROLE, SUPPORT_ROLE};
use crate::error::CoreResult;
use crate::password::hash_password_blocking;
use crate::store::users::SeedUser;
use crate::store::{AuditContext, Store};

pub const DEMO_ADMIN_EMAIL: &str = "admin@masquerade.test";
pub const DEMO_SUPPORT_EMAIL: &str = "support@masquerade.test";
pub const DEMO_AUDITOR_EMAIL: &str = "auditor@masquerade.test";
/// A customer who can sign in to the sample app, and holds no console permission.
pub const DEMO_CUSTOMER_EMAIL: &str = "customer@masquerade.test";
pub const DEMO_PASSWORD: &str = "masquerade-demo";
pub const PARTNER_CONNECTION: &str = "Partner-Accounts";
pub const CUSTOMER_ROLE_NAME: &str = "Customer";
pub const SAMPLE_APP_CLIENT_ID: &str = "sample-app";

const FIRST: &[&str] = &[
    "Ada",
    "Grace",
    "Alan",
    "Katherine",
    "Linus",
    "Margaret",
    "Dennis",
    "Barbara",
    "Ken",
    "Frances",
    "Tim",
    "Radia",
    "Edsger",
    "Hedy",
    "John",
    "Sophie",
    "Niklaus",
    "Annie",
    "Guido",
    "Joan",
    "Bjarne",
    "Karen",
    "James",
    "Shafi",
    "Donald",
    "Lynn",
    "Leslie",
    "Carol",
    "Vint",
    "Jean",
    "Whitfield",
    "Mary",
    "Yukihiro",
    "Elena",
    "Ravi",
    "Amara",
    "Mateo",
    "Chen",
    "Fatima",
    "Olu",
    "Ingrid",
    "Priya",
    "Tomás",
    "Aiko",
    "Kwame",
    "Lucía",
    "Omar",
    "Zoë",
];
const LAST: &[&str] = &[
    "Lovelace",
    "Hopper",
    "Turing",
    "Johnson",
    "Torvalds",
    "Hamilton",
    "Ritchie",
    "Liskov",
    "Thompson",
    "Allen",
    "Berners-Lee",
    "Perlman",
    "Dijkstra",
    "Lamarr",
    "McCarthy",
    "Wilson",
    "Wirth",
    "Easley",
    "van Rossum",
    "Clarke",
    "Stroustrup",
    "Spärck Jones",
    "Gosling",
    "Goldwasser",
    "Knuth",
    "Conway",
    "Lamport",
    "Shaw",
    "Cerf",
    "Sammet",
    "Diffie",
    "Keller",
    "Matsumoto",
    "Petrova",
    "Shankar",
    "Okafor",
    "García",
    "Wei",
    "Haddad",
    "Adeyemi",
];
const DOMAINS: &[&str] = &[
    "example.com",
    "acme.test",
    "globex.test",
    "initech.test",
    "umbrella.test",
];
const PLANS: &[&str] = &["free", "team", "business", "enterprise"];

/// The demo's resource server: the audience the sample app and the reporting
/// job ask for.
pub const ORDERS_API: &str = "https://api.orders.example/";

pub struct DemoSummary {
    pub created: bool,
}

/// Seeds the demo once; a later start with `--demo` finds it and does nothing.
pub async fn seed(
    store: &Store,
    default_connection_id: &str,
    public_url: &str,
    sample_secret: &str,
    now: i64,
) -> CoreResult<DemoSummary> {
    if store.get_setting("demo_seeded").await?.is_some() {
        return Ok(DemoSummary { created: false });
    }
    let ctx = AuditContext::system();
    let partner = match store.connection_by_name(PARTNER_CONNECTION).await? {
        Some(c) => c.id,
        None => {
            store
                .create_connection(&ctx, PARTNER_CONNECTION, &[], now)
                .await?
                .id
        }
    };
    // The Orders API and the role that gives customers its permissions.
    let orders = match store.api_by_identifier(ORDERS_API).await? {
        Some(api) => api,
        None => {
            store
                .create_api(
                    &ctx,
                    &ApiInput {
                        identifier: ORDERS_API.into(),
                        name: "Orders API".into(),
                        signing_alg: "ES256".into(),
                        token_lifetime_secs: 3600,
                        permissions: [
                            ("read:orders", "Read a customer's orders"),
                            ("write:orders", "Place and cancel orders"),
                            ("read:reports", "Read sales reports"),
                        ]
                        .iter()
                        .map(|(v, d)| Permission {
                            value: (*v).into(),
                            description: (*d).into(),
                            read_only: None,
                        })
                        .collect(),
                        permissions_in_token: true,
                    },
                    false,
                    now,
                )
                .await?
        }
    };
    let existing = store
        .list_roles(CUSTOMER_ROLE_NAME)
        .await?
        .into_iter()
        .find(|r| r.name == CUSTOMER_ROLE_NAME);
    let customer =
        match existing {
            Some(r) => r,
            None => store
                .create_role(
                    &ctx,
                    &RoleInput {
                        name: CUSTOMER_ROLE_NAME.into(),
                        description:
                            "People who order from the shop: they read and place their own orders."
                                .into(),
                        client_id: None,
                    },
                    &["read:orders", "write:orders"].map(|p| PermissionRef {
                        api_id: orders.id.clone(),
                        permission: p.into(),
                    }),
                    now,
                )
                .await?,
        };
    // One hash for every demo account keeps the first start fast; argon2id
    // takes tens of milliseconds per hash on a small machine.
    let hash = hash_password_blocking(DEMO_PASSWORD.to_string()).await?;
    let mut users = Vec::new();
    for (email, name, roles) in [
        (
            DEMO_ADMIN_EMAIL,
            "Avery Admin",
            vec![ADMIN_ROLE.to_string()],
        ),
        (
            DEMO_SUPPORT_EMAIL,
            "Sam Support",
            vec![SUPPORT_ROLE.to_string()],
        ),
        (
            DEMO_AUDITOR_EMAIL,
            "Alex Auditor",
            vec![AUDITOR_ROLE.to_string()],
        ),
        (
            DEMO_CUSTOMER_EMAIL,
            "Casey Customer",
            vec![customer.id.clone()],
        ),
    ] {
        if store.login_record(email).await?.is_none() {
            users.push(SeedUser {
                email: email.into(),
                name: name.into(),
                connection_id: default_connection_id.into(),
                password_hash: Some(hash.clone()),
                blocked: false,
                created_at: now - 90 * 86400,
                last_login_at: 0,
                login_count: 0,
                app_metadata: json!({}),
                user_metadata: json!({}),
                roles,
            });
        }
    }
    users.extend(
        realistic_users(200, default_connection_id, &partner, &hash, now, 7)
            .into_iter()
            .map(|u| SeedUser {
                roles: vec![customer.id.clone()],
                ..u
            }),
    );
    store.seed_users(&ctx, &users, now).await?;

    let sample_base = format!("{}/sample-app", public_url.trim_end_matches('/'));
    let apps = [
        (
            SAMPLE_APP_CLIENT_ID,
            Some(sample_secret),
            ApplicationInput {
                name: "Sample App".into(),
                description: "The bundled relying party: signs users in and shows their tokens."
                    .into(),
                app_type: "regular_web".into(),
                callback_urls: vec![format!("{sample_base}/callback")],
                allowed_logout_urls: vec![format!("{sample_base}/")],
                allowed_web_origins: vec![],
                initiate_login_uri: format!("{sample_base}/login"),
                grant_types: vec![
                    "authorization_code".into(),
                    "implicit".into(),
                    "refresh_token".into(),
                ],
                allow_impersonation: true,
                connection_ids: vec![default_connection_id.into(), partner.clone()],
            },
        ),
        (
            "orders-spa",
            None,
            ApplicationInput {
                name: "Orders (SPA)".into(),
                description: "Customer-facing order tracking single-page app.".into(),
                app_type: "spa".into(),
                callback_urls: vec!["http://localhost:5173/callback".into()],
                allowed_logout_urls: vec!["http://localhost:5173/".into()],
                allowed_web_origins: vec!["http://localhost:5173".into()],
                initiate_login_uri: String::new(),
                grant_types: vec!["authorization_code".into(), "refresh_token".into()],
                allow_impersonation: true,
                connection_ids: vec![default_connection_id.into()],
            },
        ),
        (
            "reporting-service",
            None,
            ApplicationInput {
                name: "Reporting Service".into(),
                description: "Nightly reporting job (machine to machine).".into(),
                app_type: "m2m".into(),
                grant_types: vec!["client_credentials".into()],
                ..Default::default()
            },
        ),
    ];
    for (client_id, secret, input) in apps {
        if store.get_application(client_id).await.is_err() {
            store
                .create_application_with_id(&ctx, &input, client_id, secret, now)
                .await?;
        }
    }
    for client in [SAMPLE_APP_CLIENT_ID, "orders-spa"] {
        store
            .set_api_client(&ctx, &orders.id, client, true, now)
            .await?;
    }
    // The nightly job reads reports, and nothing else.
    store
        .set_client_grant(
            &ctx,
            &orders.id,
            "reporting-service",
            &["read:reports".into()],
            now,
        )
        .await?;
    store.analyze().await?;
    store.set_setting("demo_seeded", &now.to_string()).await?;
    Ok(DemoSummary { created: true })
}

/// `count` plausible users, deterministic for a given seed, spread over two
/// connections, with a few blocked and a realistic spread of sign-in times.
pub fn realistic_users(
    count: usize,
    primary: &str,
    partner: &str,
    hash: &str,
    now: i64,
    seed: u64,
) -> Vec<SeedUser> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..count)
        .map(|i| {
            let first = FIRST[rng.gen_range(0..FIRST.len())];
            let last = LAST[rng.gen_range(0..LAST.len())];
            let domain = DOMAINS[rng.gen_range(0..DOMAINS.len())];
            let local: String = format!("{}.{}", first, last)
                .to_lowercase()
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '.')
                .collect();
            let on_partner = rng.gen_ratio(1, 4);
            let created = now - rng.gen_range(86400..(400 * 86400));
            let never = rng.gen_ratio(1, 8);
            SeedUser {
                email: format!("{local}{i}@{domain}"),
                name: format!("{first} {last}"),
                connection_id: if on_partner { partner.to_string() } else { primary.to_string() },
                password_hash: Some(hash.to_string()),
                blocked: rng.gen_ratio(1, 25),
                created_at: created,
                last_login_at: if never { 0 } else { rng.gen_range(created..now) },
                login_count: if never { 0 } else { rng.gen_range(1..400) },
                app_metadata: json!({"plan": PLANS[rng.gen_range(0..PLANS.len())], "customer_id": format!("cus_{:06}", 100000 + i)}),
                user_metadata: json!({"locale": if rng.gen_bool(0.5) { "en-GB" } else { "en-US" }}),
                roles: vec![],
            }
        })
        .collect()
}
