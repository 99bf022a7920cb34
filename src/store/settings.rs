use super::audit::{append, AuditContext};
use std::sync::Arc;

use super::Store;
use crate::error::CoreResult;

impl Store {
    pub async fn get_setting(&self, key: &str) -> CoreResult<Option<String>> {
        let row: Option<(String,)> = sqlx::query_as("SELECT value FROM settings WHERE key = $1")
            .bind(key)
            .fetch_optional(&mut *self.read().await?)
            .await?;
        Ok(row.map(|r| r.0))
    }

    /// `get_setting` served from `store::hot`, at most `HOT_TTL` old: for
    /// settings read on every request of a busy path.
    pub async fn get_setting_hot(&self, key: &str) -> CoreResult<Option<String>> {
        let hot = self.hot();
        if let Some(v) = hot.get(&hot.settings, key) {
            return Ok(v.as_ref().clone());
        }
        let seen = hot.generation();
        let value = self.get_setting(key).await?;
        hot.put(&hot.settings, key, Arc::new(value.clone()), seen);
        Ok(value)
    }

    pub async fn set_setting(&self, key: &str, value: &str) -> CoreResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ($1, $2) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(value)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.hot().invalidate();
        Ok(())
    }

    /// Changes a tenant setting together with its audit event.
    pub async fn set_setting_audited(
        &self,
        ctx: &AuditContext,
        key: &str,
        value: &serde_json::Value,
        now: i64,
    ) -> CoreResult<()> {
        self.set_setting_recorded(ctx, key, value, value, now).await
    }

    /// As `set_setting_audited`, recording `shown` in the event instead of
    /// the value (which may hold secrets).
    pub async fn set_setting_recorded(
        &self,
        ctx: &AuditContext,
        key: &str,
        value: &serde_json::Value,
        shown: &serde_json::Value,
        now: i64,
    ) -> CoreResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ($1, $2) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(value.to_string())
        .execute(&mut *tx)
        .await?;
        append(
            &mut tx,
            ctx,
            "settings.updated",
            Some(key),
            serde_json::json!({ "key": key, "value": shown }),
            now,
        )
        .await?;
        tx.commit().await?;
        self.hot().invalidate();
        Ok(())
    }
}
