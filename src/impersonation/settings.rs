//! Tenant settings for impersonation, stored as one JSON value.

use crate::domain::impersonation::ImpersonationSettings;
use std::collections::HashSet;

use crate::error::{CoreResult, Problems};
use crate::store::{AuditContext, Store};

const KEY: &str = "impersonation";

/// Read on every link minted and redeemed, so served from the store's
/// short-lived cache (emptied by `save` on this instance).
pub async fn load(store: &Store) -> CoreResult<ImpersonationSettings> {
    let mut s: ImpersonationSettings = store
        .get_setting_hot(KEY)
        .await?
        .and_then(|v| serde_json::from_str(&v).ok())
        .unwrap_or_default();
    // The target roles' names, for the refusals' sentences (the catalog
    // is cached too).
    if s.rules.iter().any(|r| !r.target_roles.is_empty()) {
        let catalog = store.role_catalog().await?;
        for id in s.rules.iter().flat_map(|r| &r.target_roles) {
            if let Some(name) = catalog.name_of(id) {
                s.role_names.0.insert(id.clone(), name.to_string());
            }
        }
    }
    Ok(s)
}

pub async fn save(
    store: &Store,
    ctx: &AuditContext,
    s: &ImpersonationSettings,
    now: i64,
) -> CoreResult<()> {
    s.validate()?;
    unknown_references(store, s).await?;
    store
        .set_setting_audited(ctx, KEY, &serde_json::json!(s), now)
        .await
}

/// Every role, connection, target role and application a rule names must
/// exist: a typo would otherwise make a rule that silently never matches.
async fn unknown_references(store: &Store, s: &ImpersonationSettings) -> CoreResult<()> {
    if s.rules.is_empty() {
        return Ok(());
    }
    let roles: HashSet<String> = store
        .list_roles("")
        .await?
        .into_iter()
        .map(|r| r.id)
        .collect();
    let connections: HashSet<String> = store
        .list_connections()
        .await?
        .into_iter()
        .map(|c| c.id)
        .collect();
    let apps: HashSet<String> = store
        .list_applications()
        .await?
        .into_iter()
        .map(|a| a.client_id)
        .collect();
    let mut p = Problems::default();
    for (i, r) in s.rules.iter().enumerate() {
        let field = format!("rules[{i}]");
        let missing = |known: &HashSet<String>, ids: &[String]| {
            ids.iter().find(|id| !known.contains(*id)).cloned()
        };
        if !roles.contains(&r.role_id) {
            p.add(&field, format!("There is no role {}.", r.role_id));
        } else if let Some(id) = missing(&connections, &r.connections) {
            p.add(&field, format!("There is no connection {id}."));
        } else if let Some(id) = missing(&roles, &r.target_roles) {
            p.add(&field, format!("There is no role {id}."));
        } else if let Some(id) = missing(&apps, &r.applications) {
            p.add(&field, format!("There is no application {id}."));
        }
    }
    p.into_result()
}
