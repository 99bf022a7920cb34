//! Tenant settings for impersonation, stored as one JSON value.

use crate::domain::impersonation::ImpersonationSettings;
use crate::error::CoreResult;
use crate::store::{AuditContext, Store};

const KEY: &str = "impersonation";

/// Read on every link minted and redeemed, so served from the store's
/// short-lived cache (emptied by `save` on this instance).
pub async fn load(store: &Store) -> CoreResult<ImpersonationSettings> {
    Ok(store
        .get_setting_hot(KEY)
        .await?
        .and_then(|v| serde_json::from_str(&v).ok())
        .unwrap_or_default())
}

pub async fn save(
    store: &Store,
    ctx: &AuditContext,
    s: &ImpersonationSettings,
    now: i64,
) -> CoreResult<()> {
    s.validate()?;
    store
        .set_setting_audited(ctx, KEY, &serde_json::json!(s), now)
        .await
}
