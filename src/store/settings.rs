use super::audit::{append, AuditContext};
use super::Store;
use crate::error::CoreResult;

impl Store {
    pub async fn get_setting(&self, key: &str) -> CoreResult<Option<String>> {
        let row: Option<(String,)> = sqlx::query_as("SELECT value FROM settings WHERE key = $1")
            .bind(key)
            .fetch_optional(self.reader())
            .await?;
        Ok(row.map(|r| r.0))
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
            serde_json::json!({ "key": key, "value": value }),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
